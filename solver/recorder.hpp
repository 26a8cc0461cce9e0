// The recorder: everything a run keeps of the pressure while it runs — the maps over the physical region (p_max,
// p_min, the p^2 integral of the EFD), the sensor planes, the point and axis probes, the snapshots — the divergence
// watch that stops a run gone unstable, and, at the end, the gather of all of it to rank 0 as a SimulationResult.
// It only reads the state (post-processing never changes solver state).
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

#include "solver/buffer.hpp"
#include "solver/communicator.hpp"
#include "solver/grid.hpp"
#include "solver/medium.hpp"
#include "solver/result.hpp"
#include "solver/slab.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// Internal index along z of each sensor plane (SensorSpec::planes_z_m, in order): the nearest node plane of the
/// physical region. A z outside the region is an InputError naming it and the accepted range.
std::vector<int> sensor_plane_nodes(const Grid& g, const SensorSpec& s);

/// lo + i dx rounds to +-1e-20 m where the exact value is 0 (the axis, z = 0): make it exact.
inline double exact_zero(double x_m, double dx) { return std::abs(x_m) < 1e-9 * dx ? 0.0 : x_m; }

/// What a rank's recorder holds, in sizes: the Recorder allocates from it, and the memory plan (plan_run) adds
/// up bytes() of it before anything is allocated.
struct RecorderLayout {
    int kz_lo = 0, kz_hi = 0;            ///< this rank's physical planes along z, counted from the region's start
    std::size_t map_plane = 0;           ///< map cells per z plane
    std::size_t map_first = 0, map_end = 0;  ///< this rank's map indices [map_first, map_end)
    std::size_t phys_cells = 0;          ///< cells of the whole physical region (a gathered map)
    bool p_max = false, p_min = false, efd = false;
    std::vector<int> plane_nodes;        ///< every sensor plane's node along z
    std::vector<int> plane_owner;        ///< the rank that owns each
    std::size_t plane_cells = 0;         ///< nodes of one sensor plane
    std::size_t planes_owned = 0;
    std::size_t user_probes = 0, axis_nodes = 0;
    long long samples = 0;               ///< steps + 1 (the initial state is sampled too)
    std::size_t snapshots = 0;
    bool root = true, distributed = false, medium_maps = false;

    /// Bytes held during the run: this rank's maps, sensor planes, series and snapshot parts.
    double held_bytes() const;
    /// Bytes of the result made at the end on rank 0: the whole maps (and the gathered snapshots of a distributed
    /// run), the axis record, the medium's c and rho maps.
    double result_bytes() const;
    double bytes() const { return held_bytes() + result_bytes(); }
    static RecorderLayout of(const Grid& g, const SimulationSpec& spec, long long steps, const SlabLayout& slab);
};

/// How the recorder reads the pressure: p = w, or p = w + (beta/K) w^2 (nonlinear) with beta/K per cell or one value.
struct PressureRead {
    const float* w = nullptr;
    const float* bK = nullptr;  ///< null: bK_uniform everywhere
    float bK_uniform = 0;
    bool nonlinear = false;
    float at(std::size_t i) const {
        const float wi = w[i];
        return nonlinear ? wi + (bK ? bK[i] : bK_uniform) * wi * wi : wi;
    }
};

class Recorder {
public:
    /// Checks the sensor points (InputError naming the point and the region) and allocates what `layout` says.
    Recorder(const Grid& g, const SimulationSpec& spec, double dt, long long steps, double blowup_Pa,
             const MediumModel& mm, const SlabLayout& slab, const RecorderLayout& layout, Communicator& cm);
    /// Bytes held during the run (= layout.held_bytes(); the snapshot parts counted as they will be at the end).
    double bytes() const;

    /// Sample the state after step `step` (time t): maps, sensor planes, the divergence watch (throws
    /// DivergenceError on every rank alike), probes, snapshots due.
    void sample(long long step, double t, const PressureRead& p);
    /// At the end of the run: everything gathered to rank 0 (the other ranks get an empty result).
    SimulationResult gather();

private:
    struct PointProbe {
        std::size_t idx[8];
        float w[8];
    };
    struct SensorPlane {
        std::size_t k;                       ///< its place in SensorSpec::planes_z_m
        int iz;                              ///< internal node index along z
        std::size_t first;                   ///< grid index of the plane's first physical node
        AlignedBuffer<float> p_max, p_min;   ///< Pa
        AlignedBuffer<double> p2, p2_plus;   ///< integral of p^2 dt, all samples / samples with p > 0, Pa^2 s
    };
    static PointProbe make_probe(const Grid& g, const std::array<double, 3>& x);

    // the steps of sample()
    void accumulate_maps(const PressureRead& p, float& peak, bool& finite);
    void accumulate_planes(const PressureRead& p);
    void watch_divergence(long long step, double t, const PressureRead& p, float peak, bool finite);
    std::size_t worst_cell(const PressureRead& p, float& worst_abs) const;
    void record_probes(long long step, const PressureRead& p);
    void take_snapshots(long long step, const PressureRead& p);
    // the steps of gather()
    std::vector<float> gather_floats(std::vector<float> part);
    Map3 make_map(int iz = -1) const;
    std::optional<Map3> gather_map(std::vector<float> part);
    template <class F>
    void for_each_phys(int k2_lo, int k2_hi, F&& f) const;
    void gather_maps();
    void gather_planes();
    void gather_series();
    void gather_snapshots();

    const Grid& g_;
    const SimulationSpec& spec_;
    const MediumModel& mm_;
    const SlabLayout& slab_;
    RecorderLayout l_;
    Communicator& cm_;
    double dt_;
    long long steps_;
    double blowup_;
    SimulationResult res_;
    // probes: the user's points, then the axis nodes
    std::vector<PointProbe> probes_;
    std::vector<int> probe_owner_;
    std::vector<float> axis_by_step_;  ///< [step][axis node], transposed at the end
    // maps over this rank's physical planes (map index k0 + m0 (k1 + m1 k2), k2 from the region's start)
    SlabField<float> p_max_, p_min_;
    SlabField<double> p2_int_;
    std::vector<std::vector<float>> sample_rows_;  ///< one row of pressures per thread
    // sensor planes
    std::vector<std::size_t> plane_offset_;  ///< a plane's nodes from its first, in map order
    std::vector<SensorPlane> planes_;        ///< the planes this rank owns
    // snapshots: the step of each requested time, and this rank's planes of each
    std::vector<long long> snapshot_step_;
    std::vector<std::vector<float>> snapshot_part_;
};

}  // namespace lithosim
