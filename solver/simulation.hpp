// Running a case: plan (grid, time step, memory) and simulate (the time loop).
#pragma once
#include <string>
#include <vector>

#include "solver/communicator.hpp"
#include "solver/grid.hpp"
#include "solver/result.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// Everything decided before any field is allocated: printed at start-up and checked against limits.
struct RunPlan {
    Grid grid;
    double dt_s = 0;
    double cfl = 0;                 ///< c_max dt / dx actually used
    double cfl_max = 0;             ///< stability limit of the scheme in this dimension
    long long steps = 0;
    double c_min = 0, c_max = 0;    ///< m/s over the medium (c_max: unrelaxed, high-frequency speed)
    double points_per_wavelength = 0;   ///< c_min / (f0 dx) at the source's centre frequency
    double source_f0_Hz = 0;
    double memory_bytes = 0;        ///< estimated total: fields, medium, PML, maps, sensor planes, sensors, snapshots
    int ranks = 1;                  ///< processes the grid is split over (slabs along z)
    double memory_bytes_per_rank = 0; ///< estimated need of the busiest rank (= memory_bytes on one rank)
    double field_bytes_per_cell = 0;///< state + medium coefficients per updated cell
    double relaxation_fit_error = 0;///< worst relative error of alpha over the band (0 when not used)
    double relaxation_speed_error = 0; ///< worst |c - c_KK| over the band, m/s
    std::vector<std::string> warnings;
    std::vector<std::string> notes;  ///< one-line facts worth printing (dt chosen, fit error, ...)
};

/// Check the case and decide grid, time step and memory, for a run split over `ranks` processes (slabs along z;
/// only 3D grids, at least kMinSlabPlanes planes per rank). Throws InputError naming the bad key and value.
RunPlan plan_run(const SimulationSpec& spec, int ranks = 1);

/// Build the grid of a spec (sizes, PML, coordinates). Throws InputError on bad sizes.
Grid make_grid(const GridSpec& g);

/// Run the simulation. Throws InputError (bad case), DivergenceError (NaN / unbounded growth, naming the
/// step, the place and the likely cause) or std::runtime_error (e.g. memory refused).
///
/// With a communicator of more than one rank (every rank calls simulate with the same spec), the 3D grid is split
/// into slabs along z with halo exchange (solver/DISTRIBUTED.md); the arithmetic of every cell is that of the
/// one-process run, so the result is the same bit for bit. Rank 0 receives the gathered result (maps, sensor series,
/// planes, snapshots); the other ranks return only `stats`. Divergence is detected globally: every rank throws the
/// same DivergenceError.
SimulationResult simulate(const SimulationSpec& spec, const RunHooks& hooks = {}, Communicator* comm = nullptr);

/// The same with the run's plan already made (plan_run(spec, ranks) over the communicator's ranks), so that a case
/// prepared once is not planned again.
SimulationResult simulate_planned(const SimulationSpec& spec, const RunPlan& plan, const RunHooks& hooks = {},
                                  Communicator* comm = nullptr);

/// Memory currently available to this process (bytes), from /proc/meminfo MemAvailable.
double available_memory_bytes();
/// Resident-set high-water mark of this process (MB).
double peak_resident_MB();

}  // namespace lithosim
