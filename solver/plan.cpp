// The run plan: the grid of a case, its time step (CFL on the fastest speed and the stencil's table, bounded by the
// explicit viscous term), the resolution checks, and the memory a run needs, added up from the very layouts the
// parts of simulate() are allocated with (medium, fields, PML, recorder).
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <string>

#include "core/errors.hpp"
#include "solver/fields.hpp"
#include "solver/medium.hpp"
#include "solver/plan.hpp"
#include "solver/source.hpp"
#include "solver/pml.hpp"
#include "solver/recorder.hpp"
#include "solver/simulation.hpp"
#include "solver/stencil.hpp"

namespace lithosim {

namespace {
constexpr double kDefaultCfl = 0.3;   // 2nd-order time dominates the phase error above ~0.3 (4th-order space)

const char* axis_name(int p) { return p == 0 ? "x" : p == 1 ? "y" : "z"; }

/// Centre frequency of a source (Hz), used for points-per-wavelength and the PML's alpha_max.
double source_frequency(const SourceSpec& s) {
    if (s.waveform.type == WaveformType::Lithotripter) return s.waveform.church_omega_rad_per_s / (2 * std::numbers::pi);
    if (s.waveform.type == WaveformType::Samples) {
        // zero crossings of the sampled waveform give a rough centre frequency
        const auto& t = s.waveform.t_s;
        const auto& p = s.waveform.p;
        int crossings = 0;
        for (std::size_t i = 1; i < p.size(); ++i) crossings += (p[i - 1] < 0) != (p[i] < 0);
        const double T = t.empty() ? 0 : t.back() - t.front();
        return T > 0 && crossings > 0 ? crossings / (2 * T) : 1e6;
    }
    return s.waveform.f0_Hz;
}

}  // namespace

RunMemory plan_memory(const Grid& g, const SimulationSpec& spec, const MediumModel& mm, long long steps,
                      const SlabLayout& slab, const std::vector<SourceFootprint>& footprints) {
    RunMemory m;
    const MediumLayout ml = MediumLayout::of(g, mm, spec.solver, slab);
    m.medium = ml.bytes() + mm.bytes();
    m.fields = FieldsLayout::of(g, ml, spec.solver, slab).bytes();
    const SlabRange zp = Cpml::planes_of(g, slab);
    m.pml = Cpml::bytes_for(g, zp.begin, zp.end);
    m.recorder = RecorderLayout::of(g, spec, steps, slab).bytes();
    m.sources = grid_sources_bytes(footprints, steps, slab);
    m.rigid = find_rigid_faces(g, spec.medium, slab).bytes();
    m.field_bytes_per_cell = (ml.bytes() + m.fields) / double(slab.stored_cells());
    return m;
}

Grid make_grid(const GridSpec& gs) {
    require_input(gs.dims >= 1 && gs.dims <= 3, "[grid] dims = ", gs.dims, " is not accepted; use 1, 2 or 3");
    require_input(std::isfinite(gs.dx_m) && gs.dx_m > 0, "[grid] dx_mm = ", gs.dx_m * 1e3, " must be > 0");
    require_input(gs.pml_cells >= 0 && gs.pml_cells <= 200, "[grid] pml_cells = ", gs.pml_cells,
                  " is outside the accepted range [0, 200]");
    Grid g;
    g.dims = gs.dims;
    g.dx = gs.dx_m;
    g.pml = gs.pml_cells;
    for (int a = 0; a < 3; ++a) {
        if (a >= gs.dims) continue;
        const int p = g.physical_axis(a);
        const double L = gs.size_m[p];
        require_input(std::isfinite(L) && L > 0, "[grid] size_mm: ", axis_name(p), " = ", L * 1e3,
                      " mm must be > 0");
        const double cells = L / gs.dx_m;
        require_input(cells >= 4, "[grid] size_mm: ", axis_name(p), " = ", L * 1e3, " mm holds fewer than 4 cells of dx_mm = ",
                      gs.dx_m * 1e3);
        require_input(cells < 1e5, "[grid] size_mm / dx_mm along ", axis_name(p), " = ", cells,
                      " cells is more than the accepted 100000");
        g.n_phys[a] = int(std::floor(cells + 0.5)) + 1;
        g.n[a] = g.n_phys[a] + 2 * g.pml + 4;  // + 2 untouched cells at each end for the stencil
        // x and y centred on the axis; z from 0 at the source side.
        const double phys_lo = p == 2 ? 0.0 : -0.5 * (g.n_phys[a] - 1) * gs.dx_m;
        g.lo_m[a] = phys_lo - (g.pml + 2) * gs.dx_m;
        if (gs.axisymmetric && a == 0) {
            // r from 0 on the axis: mirror nodes below it, the PML only at r = R
            g.n[a] = Grid::kAxisNode + g.n_phys[a] + g.pml + 2;
            g.lo_m[a] = -Grid::kAxisNode * gs.dx_m;
        }
    }
    g.pml += 2;  // phys_begin counts the two stencil cells: physical region starts at index pml_cells + 2
    if (gs.axisymmetric) {
        require_input(gs.dims == 2, "[grid] axisymmetric runs are (r, z): dims must be 2 internally, got ", gs.dims);
        g.axisymmetric = true;
    }
    return g;
}

double available_memory_bytes() {
    std::ifstream f("/proc/meminfo");
    std::string key;
    double kb = 0;
    std::string unit;
    while (f >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024.0;
    return 8e9;
}

double peak_resident_MB() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

RunPlan plan_run(const SimulationSpec& spec, int ranks) {
    RunPlan pl;
    pl.ranks = ranks;
    pl.grid = make_grid(spec.grid);
    const StaggeredStencil& stencil = staggered_stencil(spec.solver.order);
    const Grid& g = pl.grid;
    require_input(std::isfinite(spec.time.t_end_s) && spec.time.t_end_s > 0, "[time] t_end_us = ",
                  spec.time.t_end_s * 1e6, " must be > 0");
    require_input(spec.solver.order == 2 || spec.solver.order == 4, "[solver] order = ", spec.solver.order,
                  " is not accepted; use 2 or 4");
    pl.grid.axis_volume_factor = stencil.axis_volume_factor();  // c1 + 11 c2: 1 (order 2), 2/3 (order 4)
    require_input(spec.solver.shock_filter >= 0 && spec.solver.shock_filter <= 1, "[solver] shock_filter = ",
                  spec.solver.shock_filter, " is outside the accepted range [0, 1]");
    require_input(spec.solver.shock_viscosity >= 0 && spec.solver.shock_viscosity <= 10,
                  "[solver] shock_viscosity = ", spec.solver.shock_viscosity, " is outside the accepted range [0, 10]");
    require_input(!spec.sources.empty(), "[source] the case has no source");

    // The medium is evaluated at the physical cells only for the plan's speed range.
    const MediumModel mm = build_medium_model(g, spec);
    pl.c_min = mm.c_min;
    pl.c_max = mm.c_max;
    pl.relaxation_fit_error = mm.fit_error;
    pl.relaxation_speed_error = mm.speed_error;

    // Time step: CFL on the fastest (unrelaxed) speed, bounded by the explicit viscous term.
    pl.cfl_max = 1.0 / (std::sqrt(double(g.dims)) * stencil.abs_sum());
    const double cfl_user = spec.time.cfl;
    if (cfl_user != 0) {
        require_input(std::isfinite(cfl_user) && cfl_user > 0, "[time] cfl = ", cfl_user, " must be > 0");
        require_input(cfl_user < pl.cfl_max, "[time] cfl = ", cfl_user, " is unstable for dims = ", g.dims,
                      " and order = ", spec.solver.order, "; accepted: 0 < cfl < ", pl.cfl_max);
    }
    pl.cfl = cfl_user != 0 ? cfl_user : std::min(kDefaultCfl, 0.9 * pl.cfl_max);
    pl.dt_s = pl.cfl * g.dx / pl.c_max;
    if (mm.any_viscous && mm.delta_max > 0) {
        const double S = stencil.abs_sum();
        const double dt_visc = g.dx * g.dx / (2.0 * mm.delta_max * S * S * g.dims);
        if (dt_visc < pl.dt_s) {
            require_input(cfl_user == 0, "[time] cfl = ", cfl_user, " is unstable with the thermoviscous absorption of this medium (delta = ",
                          mm.delta_max, " m^2/s); accepted: cfl <= ", 0.8 * dt_visc * pl.c_max / g.dx);
            pl.dt_s = 0.8 * dt_visc;
            pl.cfl = pl.dt_s * pl.c_max / g.dx;
            pl.notes.push_back(fmt("time step reduced to ", pl.dt_s * 1e9, " ns by the thermoviscous term"));
        }
    }
    pl.steps = std::max<long long>(1, (long long)std::ceil(spec.time.t_end_s / pl.dt_s - 1e-9));
    for (double t : spec.sensors.snapshot_times_s)
        require_input(std::isfinite(t) && t >= 0 && t <= spec.time.t_end_s * (1 + 1e-12), "[sensor] snapshots_us: t = ",
                      t * 1e6, " us lies outside the run [0, t_end_us = ", spec.time.t_end_s * 1e6, "]");
    if (ranks > 1) {
        require_input(g.dims == 3 && !g.axisymmetric, "a distributed run (", ranks,
                      " ranks) splits a 3D grid; [grid] dims = ", g.axisymmetric ? std::string("axisymmetric") : std::to_string(g.dims),
                      " runs on one rank");
        require_input(g.n[2] >= kMinSlabPlanes * ranks, "[grid] size_mm: z = ", g.n_phys[2] - 1 > 0 ? (g.n_phys[2] - 1) * g.dx * 1e3 : 0.0,
                      " mm gives ", g.n[2], " cells along z (PML included), too few for ", ranks, " ranks: each slab needs at least ",
                      kMinSlabPlanes, " cells; accepted: at most ", g.n[2] / kMinSlabPlanes, " ranks, or a longer z extent");
    }

    // Resolution.
    pl.source_f0_Hz = 0;
    for (const auto& s : spec.sources) {
        require_input(std::isfinite(s.p0_Pa) && std::abs(s.p0_Pa) < 1e10, "[source] p0_MPa = ", s.p0_Pa * 1e-6,
                      " is not a usable amplitude");
        pl.source_f0_Hz = std::max(pl.source_f0_Hz, source_frequency(s));
    }
    pl.points_per_wavelength = pl.c_min / (pl.source_f0_Hz * g.dx);
    require_input(pl.points_per_wavelength >= 2, "[grid] dx_mm = ", g.dx * 1e3, " gives ", pl.points_per_wavelength,
                  " points per wavelength at f0 = ", pl.source_f0_Hz * 1e-6, " MHz (c_min = ", pl.c_min,
                  " m/s); at least 2 are needed: dx_mm <= ", pl.c_min / (2 * pl.source_f0_Hz) * 1e3);
    if (pl.points_per_wavelength < 4)
        pl.warnings.push_back(fmt("only ", pl.points_per_wavelength, " points per wavelength at f0 = ",
                                  pl.source_f0_Hz * 1e-6, " MHz: expect large phase errors (use >= 6)"));
    if (mm.any_relaxation) {
        pl.notes.push_back(fmt("absorption: ", spec.solver.band.mechanisms, " relaxation mechanisms fitted over ",
                               spec.solver.band.f_min_Hz * 1e-3, " kHz - ", spec.solver.band.f_max_Hz * 1e-6,
                               " MHz; max attenuation error ", 100 * mm.fit_error, " %, max speed error vs Kramers-Kronig ",
                               mm.speed_error, " m/s"));
        if (mm.fit_error > 0.05)
            pl.warnings.push_back(fmt("relaxation fit error ", 100 * mm.fit_error,
                                      " % exceeds 5 % over the band; use more mechanisms or a narrower band"));
    }

    // Memory: the parts simulate() allocates (medium coefficients and material map, state, PML memory variables,
    // recorder), each from the layout it is allocated with. One process holds the whole grid; a rank of a
    // distributed run its slab with halo planes, its share of the PML, maps and snapshots, the sensor planes it owns,
    // every sensor series, and on rank 0 the gathered result.
    std::vector<SourceFootprint> footprints;
    for (const auto& s : spec.sources) footprints.push_back(footprint(g, s));
    const RunMemory one = plan_memory(g, spec, mm, pl.steps, SlabLayout::of(g, 1, 0), footprints);
    pl.field_bytes_per_cell = one.field_bytes_per_cell;
    pl.memory_bytes = one.total();
    pl.memory_bytes_per_rank = pl.memory_bytes;
    if (ranks > 1) {
        double worst = 0;
        for (int r = 0; r < ranks; ++r)
            worst = std::max(worst, plan_memory(g, spec, mm, pl.steps, SlabLayout::of(g, ranks, r), footprints).total());
        pl.memory_bytes_per_rank = worst;
    }
    return pl;
}

}  // namespace lithosim
