// Plain result types a simulation hands back to its caller. No file format here:
// io/ writes these to HDF5/JSON, viz/ turns them into pictures, planning/ reads metrics off them.
#pragma once
#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lithosim {

/// A scalar map over the physical region (PML excluded), x fastest: value(ix,iy,iz) = values[ix + nx*(iy + ny*iz)].
/// In 1D nx = ny = 1; in 2D ny = 1. Units are SI and named by the owner (Pa, J/m^2, m/s, kg/m^3).
struct Map3 {
    std::size_t nx = 1, ny = 1, nz = 1;
    std::array<double, 3> origin_m{0, 0, 0};   ///< (x, y, z) of cell (0,0,0), metres
    std::array<double, 3> spacing_m{0, 0, 0};  ///< (dx, dy, dz), metres (0 on an unused axis)
    std::vector<float> values;
    std::size_t size() const { return nx * ny * nz; }
    float at(std::size_t ix, std::size_t iy, std::size_t iz) const { return values[ix + nx * (iy + ny * iz)]; }
    std::array<double, 3> position_m(std::size_t ix, std::size_t iy, std::size_t iz) const {
        return {origin_m[0] + ix * spacing_m[0], origin_m[1] + iy * spacing_m[1], origin_m[2] + iz * spacing_m[2]};
    }
};

/// Point time series.
struct SensorRecord {
    std::vector<double> t_s;                         ///< [nt] sample times, s
    std::vector<std::array<double, 3>> position_m;   ///< [npoints] (x,y,z), m
    std::vector<std::vector<float>> p_Pa;            ///< [npoints][nt], Pa
};

/// What one sensor plane z = const recorded (SensorSpec::planes_z_m): the peaks and energy flux densities the
/// IEC 61846 dosimetry reads in a transverse plane, accumulated like the full maps without the time history.
/// Every map has nz = 1 and origin z = z_m, and is laid out like the full maps in the plane: 3D (x, y);
/// 2D x (ny = 1); axisymmetric r in the x slot from r = 0 (nx = nr, ny = 1); 1D one node.
struct PlaneRecord {
    double z_m = 0;   ///< z of the node plane (the requested z snapped to the nearest node), m
    Map3 p_max;       ///< Pa
    Map3 p_min;       ///< Pa
    Map3 efd;         ///< J/m^2 (= (1/(rho c)) * integral p^2 dt, rho c local; the rule of SimulationResult::efd)
    /// J/m^2: the same sum over every sample with p > 0 (the positive-phase EFD of a plane, working definition).
    /// The focal waveform's efd_plus_focus (planning/IEC61846.md) integrates only the positive phase that holds
    /// the peak, so the two agree for a pulse with one compression and this one is larger after reflections.
    Map3 efd_plus;
};

/// The pressure over the physical region at one instant (SensorSpec::snapshot_times_s).
struct Snapshot {
    double t_requested_s = 0;  ///< the time asked for
    double t_s = 0;            ///< the time of the step recorded: the first step time >= t_requested_s
    long long step = 0;        ///< that step's number (t_s = step * dt)
    Map3 p;                    ///< Pa, laid out like the maps
};

/// Figures of one run.
struct RunStats {
    long long steps = 0;
    long long cells = 0;              ///< grid points updated per step, PML included
    double dt_s = 0;
    double runtime_s = 0;             ///< time loop only
    double cell_updates_per_s = 0;
    double peak_memory_MB = 0;        ///< resident set high-water mark of the process
    double field_bytes_per_cell = 0;  ///< state + medium coefficients, per updated cell
    int threads = 1;                  ///< OpenMP threads per rank
    int ranks = 1;                    ///< MPI ranks the grid was split over (slabs along z)
    std::vector<double> peak_memory_MB_per_rank;  ///< each rank's high-water mark (rank order), MB
    std::map<std::string, double> phase_seconds;  ///< where the time went, by phase of the step
};

struct SimulationResult {
    std::optional<Map3> p_max;   ///< Pa
    std::optional<Map3> p_min;   ///< Pa
    std::optional<Map3> efd;     ///< J/m^2 (= (1/(rho c)) * integral p^2 dt)
    std::optional<Map3> c;       ///< m/s, when the medium is heterogeneous
    std::optional<Map3> rho;     ///< kg/m^3, when the medium is heterogeneous
    SensorRecord sensors;
    std::optional<SensorRecord> axis;  ///< p(t) at every node of the beam axis, when SensorSpec::axis_series
    std::vector<PlaneRecord> planes;   ///< one per SensorSpec::planes_z_m, in that order
    std::vector<Snapshot> snapshots;   ///< one per SensorSpec::snapshot_times_s, in that order
    RunStats stats;
};

}  // namespace lithosim
