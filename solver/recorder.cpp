// The recorder: maps, sensor planes, probes, snapshots, the divergence watch, and the gather to rank 0.
#include "solver/recorder.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"

namespace lithosim {

namespace {
const char* axis_name(int p) { return p == 0 ? "x" : p == 1 ? "y" : "z"; }
}  // namespace

std::vector<int> sensor_plane_nodes(const Grid& g, const SensorSpec& s) {
    const int az = g.internal_axis(2);  // every geometry has z
    const double lo = exact_zero(g.coord(az, g.phys_begin(az)), g.dx);
    const double hi = g.coord(az, g.phys_end(az) - 1);
    std::vector<int> nodes;
    for (double z : s.planes_z_m) {
        require_input(z >= lo - 1e-12 && z <= hi + 1e-12, "[sensor] planes_z_mm: z = ", z * 1e3,
                      " mm lies outside the physical region [", lo * 1e3, ", ", hi * 1e3, "] mm");
        const long k = std::lround((z - g.lo_m[az]) / g.dx);
        nodes.push_back(int(std::clamp<long>(k, g.phys_begin(az), g.phys_end(az) - 1)));
    }
    return nodes;
}

// ---- sizes ----------------------------------------------------------------------------------------------------

RecorderLayout RecorderLayout::of(const Grid& g, const SimulationSpec& spec, long long steps, const SlabLayout& slab) {
    RecorderLayout l;
    const SensorSpec& s = spec.sensors;
    l.map_plane = std::size_t(g.n_phys[0]) * g.n_phys[1];
    l.kz_lo = std::clamp(slab.own.begin - g.phys_begin(2), 0, g.n_phys[2]);
    l.kz_hi = std::clamp(slab.own.end - g.phys_begin(2), 0, g.n_phys[2]);
    l.map_first = std::size_t(l.kz_lo) * l.map_plane;
    l.map_end = std::size_t(l.kz_hi) * l.map_plane;
    l.phys_cells = g.cells_phys();
    l.p_max = s.p_max;
    l.p_min = s.p_min;
    l.efd = s.efd;
    const int az = g.internal_axis(2);
    l.plane_cells = g.cells_phys() / std::size_t(g.n_phys[az]);
    l.plane_nodes = sensor_plane_nodes(g, s);
    for (int iz : l.plane_nodes) {
        int first[3] = {g.phys_begin(0), g.phys_begin(1), g.phys_begin(2)};
        first[az] = iz;
        l.plane_owner.push_back(slab.owner_of_plane(int(g.index(first[0], first[1], first[2]) / slab.plane_cells)));
        if (l.plane_owner.back() == slab.rank) ++l.planes_owned;
    }
    l.user_probes = s.points_m.size();
    l.axis_nodes = s.axis_series ? std::size_t(g.n_phys[az]) : 0;
    l.samples = steps + 1;
    l.snapshots = s.snapshot_times_s.size();
    l.root = slab.rank == 0;
    l.distributed = slab.ranks > 1;
    l.medium_maps = spec.medium.heterogeneous();
    return l;
}

double RecorderLayout::held_bytes() const {
    const double maps = (p_max ? double(SlabField<float>::bytes_for(map_first, map_end)) : 0.0) +
                        (p_min ? double(SlabField<float>::bytes_for(map_first, map_end)) : 0.0) +
                        (efd ? double(SlabField<double>::bytes_for(map_first, map_end)) : 0.0);
    const double planes = double(planes_owned) * double(plane_cells) * (4 + 4 + 8 + 8);
    const double series = double(user_probes + axis_nodes) * double(samples) * 4.0;
    const double snaps = double(snapshots) * double(map_end - map_first) * 4.0;
    return maps + planes + series + snaps;
}

double RecorderLayout::result_bytes() const {
    if (!root) return 0;
    const double maps = double((p_max ? 1 : 0) + (p_min ? 1 : 0) + (efd ? 1 : 0)) * double(phys_cells) * 4.0;
    const double axis = double(axis_nodes) * double(samples) * 4.0;
    const double snaps = distributed ? double(snapshots) * double(phys_cells) * 4.0 : 0.0;
    const double medium = medium_maps ? 2.0 * double(phys_cells) * 4.0 : 0.0;
    return maps + axis + snaps + medium;
}

// ---- set-up ---------------------------------------------------------------------------------------------------

Recorder::PointProbe Recorder::make_probe(const Grid& g, const std::array<double, 3>& x) {
    PointProbe pr{};
    int i0[3] = {0, 0, 0};
    double f[3] = {0, 0, 0};
    for (int a = 0; a < 3; ++a) {
        if (a >= g.dims) continue;
        const double u = (x[g.physical_axis(a)] - g.lo_m[a]) / g.dx;
        i0[a] = std::clamp(int(std::floor(u)), g.phys_begin(a), g.phys_end(a) - 2);
        f[a] = std::clamp(u - i0[a], 0.0, 1.0);
    }
    for (int c = 0; c < 8; ++c) {
        const int b0 = c & 1, b1 = (c >> 1) & 1, b2 = (c >> 2) & 1;
        const double w = (g.dims > 0 ? (b0 ? f[0] : 1 - f[0]) : (b0 ? 0 : 1)) *
                         (g.dims > 1 ? (b1 ? f[1] : 1 - f[1]) : (b1 ? 0 : 1)) *
                         (g.dims > 2 ? (b2 ? f[2] : 1 - f[2]) : (b2 ? 0 : 1));
        pr.idx[c] = g.index(i0[0] + (g.dims > 0 ? b0 : 0), i0[1] + (g.dims > 1 ? b1 : 0), i0[2] + (g.dims > 2 ? b2 : 0));
        pr.w[c] = float(w);
    }
    return pr;
}

Recorder::Recorder(const Grid& g, const SimulationSpec& spec, double dt, long long steps, double blowup_Pa,
                   const MediumModel& mm, const SlabLayout& slab, const RecorderLayout& layout, Communicator& cm)
    : g_(g), spec_(spec), mm_(mm), slab_(slab), l_(layout), cm_(cm), dt_(dt), steps_(steps), blowup_(blowup_Pa) {
    // probes: the user's points (checked to lie in the physical region), then the nodes of the beam axis
    for (auto x : spec.sensors.points_m) {
        if (g.axisymmetric) x = {std::hypot(x[0], x[1]), 0.0, x[2]};  // (r, 0, z)
        for (int pax = 0; pax < 3; ++pax) {
            const int a = g.internal_axis(pax);
            if (a < 0) continue;
            const double lo = g.coord(a, g.phys_begin(a)), hi = g.coord(a, g.phys_end(a) - 1);
            require_input(x[pax] >= lo - 1e-12 && x[pax] <= hi + 1e-12, "[sensor] points_mm: ", axis_name(pax), " = ",
                          x[pax] * 1e3, " mm lies outside the physical region [", lo * 1e3, ", ", hi * 1e3, "] mm");
        }
        probes_.push_back(make_probe(g, x));
        res_.sensors.position_m.push_back(x);
        res_.sensors.p_Pa.emplace_back();
        res_.sensors.p_Pa.back().reserve(steps + 1);
    }
    res_.sensors.t_s.reserve(steps + 1);
    if (spec.sensors.axis_series) {
        // nodes of the beam axis x = y = 0 (the axis centre is a node when the transverse cell count is odd)
        res_.axis.emplace();
        const int az = g.internal_axis(2);
        for (int k = g.phys_begin(az); k < g.phys_end(az); ++k) {
            const std::array<double, 3> x{0, 0, g.coord(az, k)};
            probes_.push_back(make_probe(g, x));
            res_.axis->position_m.push_back(x);
        }
    }
    axis_by_step_.resize(l_.axis_nodes * std::size_t(steps + 1));
    // A probe belongs to the rank that owns the plane of its lowest corner (it reads the plane above from the halo).
    for (const auto& pr : probes_) probe_owner_.push_back(slab.owner_of_plane(int(pr.idx[0] / slab.plane_cells)));

    if (l_.p_max) p_max_.resize(l_.map_first, l_.map_end, -std::numeric_limits<float>::infinity());
    if (l_.p_min) p_min_.resize(l_.map_first, l_.map_end, std::numeric_limits<float>::infinity());
    if (l_.efd) p2_int_.resize(l_.map_first, l_.map_end, 0.0);
    sample_rows_.assign(std::size_t(omp_get_max_threads()), std::vector<float>(std::size_t(g.n_phys[0])));

    for (double t : spec.sensors.snapshot_times_s)
        snapshot_step_.push_back(std::clamp<long long>((long long)std::ceil(t / dt - 1e-9), 0, steps));
    snapshot_part_.resize(snapshot_step_.size());

    // Sensor planes: offsets of a plane's nodes from its first one, in map order (x fastest, then y): every internal
    // axis but z.
    const int az = g.internal_axis(2);
    for (int k1 = 0; k1 < (az == 1 ? 1 : g.n_phys[1]); ++k1)
        for (int k0 = 0; k0 < (az == 0 ? 1 : g.n_phys[0]); ++k0) plane_offset_.push_back(g.index(k0, k1, 0));
    for (std::size_t k = 0; k < l_.plane_nodes.size(); ++k) {
        if (l_.plane_owner[k] != slab.rank) continue;
        const int iz = l_.plane_nodes[k];
        SensorPlane sp{k, iz, 0, {}, {}, {}, {}};
        int first[3] = {g.phys_begin(0), g.phys_begin(1), g.phys_begin(2)};
        first[az] = iz;
        sp.first = g.index(first[0], first[1], first[2]);
        sp.p_max.resize(plane_offset_.size(), -std::numeric_limits<float>::infinity());
        sp.p_min.resize(plane_offset_.size(), std::numeric_limits<float>::infinity());
        sp.p2.resize(plane_offset_.size(), 0.0);
        sp.p2_plus.resize(plane_offset_.size(), 0.0);
        planes_.push_back(std::move(sp));
    }
}

double Recorder::bytes() const {
    double b = double(p_max_.bytes() + p_min_.bytes() + p2_int_.bytes());
    for (const auto& sp : planes_) b += double(sp.p_max.bytes() + sp.p_min.bytes() + sp.p2.bytes() + sp.p2_plus.bytes());
    for (const auto& s : res_.sensors.p_Pa) b += double(s.capacity() * sizeof(float));
    b += double(axis_by_step_.size() * sizeof(float));
    b += double(snapshot_part_.size()) * double(l_.map_end - l_.map_first) * sizeof(float);
    return b;
}

// ---- sampling -------------------------------------------------------------------------------------------------

void Recorder::sample(long long step, double t, const PressureRead& p) {
    float peak = 0;
    bool finite = true;
    accumulate_maps(p, peak, finite);
    accumulate_planes(p);
    watch_divergence(step, t, p, peak, finite);
    res_.sensors.t_s.push_back(t);
    if (res_.axis) res_.axis->t_s.push_back(t);
    record_probes(step, p);
    take_snapshots(step, p);
}

void Recorder::accumulate_maps(const PressureRead& p, float& peak_out, bool& finite_out) {
    const Grid& g = g_;
    const int b0 = g.phys_begin(0), b1 = g.phys_begin(1), b2 = g.phys_begin(2);
    const int m0 = g.n_phys[0], m1 = g.n_phys[1];
    const int kz_lo = l_.kz_lo, kz_hi = l_.kz_hi;
    float* pmx = p_max_.base();
    float* pmn = p_min_.base();
    double* pint = p2_int_.base();
    const double dt = dt_;
    float peak = 0;
    bool finite = true;
    const float* wp = p.w;
    // beta/K: per cell, one value, or none (linear); the choice is made here, outside the row loops.
    const float* bp = p.nonlinear ? p.bK : nullptr;
    const bool b_uniform = p.nonlinear && !p.bK;
    const float bu = p.bK_uniform;
#pragma omp parallel reduction(max : peak) reduction(&& : finite)
    {
        // The row's pressure once, then one branch-free loop per map, so that every loop vectorises: the
        // largest |p| by a ternary (std::max of floats does not vectorise here), and a non-finite value
        // caught by p * 0, which is NaN for an infinity or a NaN.
        float* __restrict pr = sample_rows_[std::size_t(omp_get_thread_num())].data();
#pragma omp for collapse(2) schedule(static)
        for (int k2 = kz_lo; k2 < kz_hi; ++k2)
            for (int k1 = 0; k1 < m1; ++k1) {
                const std::size_t base = g.index(b0, b1 + k1, b2 + k2);
                const std::size_t mbase = std::size_t(m0) * (k1 + std::size_t(m1) * k2);
                const float* __restrict wr = wp + base;
                if (bp) {
                    const float* __restrict br = bp + base;
                    for (int k0 = 0; k0 < m0; ++k0) pr[k0] = wr[k0] + br[k0] * wr[k0] * wr[k0];
                } else if (b_uniform) {
                    for (int k0 = 0; k0 < m0; ++k0) pr[k0] = wr[k0] + bu * wr[k0] * wr[k0];
                } else {
                    for (int k0 = 0; k0 < m0; ++k0) pr[k0] = wr[k0];
                }
                float row_peak = 0, not_finite = 0;
#pragma omp simd reduction(max : row_peak) reduction(+ : not_finite)
                for (int k0 = 0; k0 < m0; ++k0) {
                    const float a = std::abs(pr[k0]);
                    row_peak = a > row_peak ? a : row_peak;
                    not_finite += pr[k0] * 0.0f;
                }
                if (pmx) {
                    float* __restrict q = pmx + mbase;
                    for (int k0 = 0; k0 < m0; ++k0) q[k0] = pr[k0] > q[k0] ? pr[k0] : q[k0];
                }
                if (pmn) {
                    float* __restrict q = pmn + mbase;
                    for (int k0 = 0; k0 < m0; ++k0) q[k0] = pr[k0] < q[k0] ? pr[k0] : q[k0];
                }
                if (pint) {
                    double* __restrict q = pint + mbase;
                    for (int k0 = 0; k0 < m0; ++k0) q[k0] += double(pr[k0] * pr[k0]) * dt;
                }
                finite = finite && !std::isnan(not_finite);
                peak = std::max(peak, row_peak);
            }
    }
    peak_out = peak;
    finite_out = finite;
}

void Recorder::accumulate_planes(const PressureRead& p) {
    // Sensor planes: the map rules on the plane's nodes, plus the p^2 integral over p > 0.
    const std::size_t* off = plane_offset_.data();
    const std::ptrdiff_t n_plane = std::ptrdiff_t(plane_offset_.size());
    const double dt = dt_;
    for (auto& sp : planes_) {
        float* qmx = sp.p_max.data();
        float* qmn = sp.p_min.data();
        double* q2 = sp.p2.data();
        double* q2p = sp.p2_plus.data();
#pragma omp parallel for schedule(static) if (n_plane >= 16384)
        for (std::ptrdiff_t j = 0; j < n_plane; ++j) {
            const float pv = p.at(sp.first + off[j]);
            qmx[j] = std::max(qmx[j], pv);
            qmn[j] = std::min(qmn[j], pv);
            const double e = double(pv) * pv * dt;
            q2[j] += e;
            if (pv > 0) q2p[j] += e;
        }
    }
}

std::size_t Recorder::worst_cell(const PressureRead& p, float& worst_abs) const {
    // The first non-finite value, else the largest |p|, over this rank's physical planes.
    const Grid& g = g_;
    std::size_t worst = 0;
    worst_abs = 0;
    for (int k2 = l_.kz_lo; k2 < l_.kz_hi; ++k2)
        for (int k1 = 0; k1 < g.n_phys[1]; ++k1)
            for (int k0 = 0; k0 < g.n_phys[0]; ++k0) {
                const std::size_t i = g.index(g.phys_begin(0) + k0, g.phys_begin(1) + k1, g.phys_begin(2) + k2);
                const float pv = p.at(i);
                if (!std::isfinite(pv)) {
                    worst_abs = std::numeric_limits<float>::infinity();
                    return i;
                }
                if (std::abs(pv) > worst_abs) {
                    worst = i;
                    worst_abs = std::abs(pv);
                }
            }
    return worst;
}

void Recorder::watch_divergence(long long step, double t, const PressureRead& p, float peak, bool finite) {
    // The divergence watch is global: every rank sees the largest |p| of all (NaN and Inf count as infinite).
    const int rank = slab_.rank, n_ranks = slab_.ranks;
    bool diverged = !finite || peak > blowup_;
    int reporter = rank;
    if (n_ranks > 1) {
        double worst_here = finite ? double(peak) : std::numeric_limits<double>::infinity();
        double worst_all = worst_here;
        cm_.allreduce_max(&worst_all, 1);
        diverged = !(worst_all <= blowup_);
        if (diverged) {  // the lowest rank holding the worst value names the place
            double claim = worst_here == worst_all ? -double(rank) : -double(n_ranks);
            cm_.allreduce_max(&claim, 1);
            reporter = int(-claim);
        }
    }
    if (!diverged) return;
    if (reporter != rank) throw DivergenceError(cm_.broadcast("", reporter));
    const Grid& g = g_;
    float wv = 0;
    const std::size_t worst = worst_cell(p, wv);
    const int i0 = int(worst % g.n[0]), i1 = int((worst / g.n[0]) % g.n[1]), i2 = int(worst / (std::size_t(g.n[0]) * g.n[1]));
    const int ii[3] = {i0, i1, i2};
    std::array<double, 3> x{0, 0, 0};
    for (int a = 0; a < g.dims; ++a) x[g.physical_axis(a)] = g.coord(a, ii[a]);
    const std::string message = fmt(
        "simulation diverged at step ", step, " (t = ", t * 1e6, " us): p = ", wv * 1e-6, " MPa at (", x[0] * 1e3,
        ", ", x[1] * 1e3, ", ", x[2] * 1e3, ") mm; likely cause: ",
        p.nonlinear ? "a shock steeper than the grid resolves (raise [solver] shock_viscosity, lower p0_MPa or refine dx_mm)"
                    : "an unstable time step or medium contrast (lower [time] cfl)");
    throw DivergenceError(n_ranks > 1 ? cm_.broadcast(message, rank) : message);
}

void Recorder::record_probes(long long step, const PressureRead& p) {
    // Axis series by step, [step][node], so one step writes one contiguous row (transposed after the run).
    const std::size_t n_user = l_.user_probes;
    float* axis_row = axis_by_step_.empty() ? nullptr : axis_by_step_.data() + std::size_t(step) * l_.axis_nodes;
    for (std::size_t k = 0; k < probes_.size(); ++k) {
        if (probe_owner_[k] != slab_.rank) continue;
        float s = 0;
        for (int c = 0; c < 8; ++c)
            if (probes_[k].w[c] != 0) s += probes_[k].w[c] * p.at(probes_[k].idx[c]);
        if (k < n_user) res_.sensors.p_Pa[k].push_back(s);
        else axis_row[k - n_user] = s;
    }
}

void Recorder::take_snapshots(long long step, const PressureRead& p) {
    // Snapshots due at this step: p(w) on this rank's physical planes, in map order.
    const Grid& g = g_;
    const int b0 = g.phys_begin(0), b1 = g.phys_begin(1), b2 = g.phys_begin(2);
    const int m0 = g.n_phys[0], m1 = g.n_phys[1];
    const int kz_lo = l_.kz_lo, kz_hi = l_.kz_hi;
    for (std::size_t j = 0; j < snapshot_step_.size(); ++j) {
        if (snapshot_step_[j] != step) continue;
        std::vector<float>& part = snapshot_part_[j];
        part.resize(l_.map_end - l_.map_first);
        float* out = part.data();
#pragma omp parallel for collapse(2) schedule(static)
        for (int k2 = kz_lo; k2 < kz_hi; ++k2)
            for (int k1 = 0; k1 < m1; ++k1) {
                const std::size_t base = g.index(b0, b1 + k1, b2 + k2);
                float* row = out + std::size_t(m0) * (k1 + std::size_t(m1) * (k2 - kz_lo));
                for (int k0 = 0; k0 < m0; ++k0) row[k0] = p.at(base + k0);
            }
    }
}

// ---- the gather to rank 0 -------------------------------------------------------------------------------------

std::vector<float> Recorder::gather_floats(std::vector<float> part) {
    // The floats of every rank, concatenated in rank order, on rank 0 (one process: its own).
    if (slab_.ranks == 1) return part;
    const std::vector<char> bytes = cm_.gather(part.data(), part.size() * sizeof(float));
    std::vector<float> all(bytes.size() / sizeof(float));
    if (!bytes.empty()) std::memcpy(all.data(), bytes.data(), bytes.size());
    return all;
}

Map3 Recorder::make_map(int iz) const {
    // A map over the whole physical region, or (iz >= 0) over its node plane iz along z: nz = 1, origin z there.
    const Grid& g = g_;
    Map3 mp;
    const int ax = g.internal_axis(0), ay = g.internal_axis(1), az = g.internal_axis(2);
    mp.nx = ax >= 0 ? g.n_phys[ax] : 1;
    mp.ny = ay >= 0 ? g.n_phys[ay] : 1;
    mp.nz = iz >= 0 ? 1 : g.n_phys[az];
    for (int pax = 0; pax < 3; ++pax) {
        const int a = g.internal_axis(pax);
        const int first = pax == 2 && iz >= 0 ? iz : a >= 0 ? g.phys_begin(a) : 0;
        mp.origin_m[pax] = a >= 0 ? exact_zero(g.coord(a, first), g.dx) : 0.0;
        mp.spacing_m[pax] = a >= 0 ? g.dx : 0.0;
    }
    return mp;
}

std::optional<Map3> Recorder::gather_map(std::vector<float> part) {
    // A whole map on rank 0 from each rank's planes.
    std::vector<float> all = gather_floats(std::move(part));
    if (!l_.root) return std::nullopt;
    Map3 mp = make_map();
    if (all.size() != mp.size()) throw std::logic_error("gathered map of the wrong size");
    mp.values = std::move(all);
    return mp;
}

template <class F>
void Recorder::for_each_phys(int k2_lo, int k2_hi, F&& f) const {
    // Per-physical-cell visit of planes [k2_lo, k2_hi) (map index k, grid index i); map order equals internal order.
    const Grid& g = g_;
    std::size_t k = std::size_t(k2_lo) * l_.map_plane;
    for (int k2 = k2_lo; k2 < k2_hi; ++k2)
        for (int k1 = 0; k1 < g.n_phys[1]; ++k1)
            for (int k0 = 0; k0 < g.n_phys[0]; ++k0, ++k)
                f(k, g.index(g.phys_begin(0) + k0, g.phys_begin(1) + k1, g.phys_begin(2) + k2));
}

void Recorder::gather_maps() {
    const std::size_t map_first = l_.map_first, map_part = l_.map_end - l_.map_first;
    if (l_.p_max) {
        std::vector<float> part(map_part);
        for (std::size_t k = 0; k < map_part; ++k) part[k] = p_max_[map_first + k];
        res_.p_max = gather_map(std::move(part));
    }
    if (l_.p_min) {
        std::vector<float> part(map_part);
        for (std::size_t k = 0; k < map_part; ++k) part[k] = p_min_[map_first + k];
        res_.p_min = gather_map(std::move(part));
    }
    if (l_.efd) {
        std::vector<float> part(map_part);
        for_each_phys(l_.kz_lo, l_.kz_hi, [&](std::size_t k, std::size_t i) {
            const auto& mp = mm_.props_at(i);
            part[k - map_first] = float(p2_int_[k] / (mp.rho_kg_per_m3 * mp.c_m_per_s));
        });
        res_.efd = gather_map(std::move(part));
    }
}

void Recorder::gather_planes() {
    // Sensor planes: each on the rank that owns its node plane, sent to rank 0 as p_max, p_min, efd, efd_plus.
    const std::size_t n_plane = plane_offset_.size();
    std::vector<float> payload;
    for (const auto& sp : planes_) {
        const std::size_t at = payload.size();
        payload.resize(at + 4 * n_plane);
        float* q = payload.data() + at;
        for (std::size_t j = 0; j < n_plane; ++j) {
            const auto& mp = mm_.props_at(sp.first + plane_offset_[j]);
            const double rho_c = mp.rho_kg_per_m3 * mp.c_m_per_s;
            q[j] = sp.p_max[j];
            q[n_plane + j] = sp.p_min[j];
            q[2 * n_plane + j] = float(sp.p2[j] / rho_c);
            q[3 * n_plane + j] = float(sp.p2_plus[j] / rho_c);
        }
    }
    if (l_.plane_nodes.empty()) return;
    const std::vector<float> all = gather_floats(std::move(payload));
    if (!l_.root) return;
    res_.planes.resize(l_.plane_nodes.size());
    std::size_t at = 0;
    for (int r = 0; r < slab_.ranks; ++r)
        for (std::size_t k = 0; k < l_.plane_nodes.size(); ++k) {
            if (l_.plane_owner[k] != r) continue;
            PlaneRecord pr;
            pr.p_max = make_map(l_.plane_nodes[k]);
            pr.z_m = pr.p_max.origin_m[2];
            pr.p_min = pr.efd = pr.efd_plus = pr.p_max;
            Map3* maps4[4] = {&pr.p_max, &pr.p_min, &pr.efd, &pr.efd_plus};
            for (Map3* mp : maps4) {
                mp->values.assign(all.begin() + std::ptrdiff_t(at), all.begin() + std::ptrdiff_t(at + n_plane));
                at += n_plane;
            }
            res_.planes[k] = std::move(pr);
        }
}

void Recorder::gather_series() {
    // Point and axis series: each from the rank that owns its probe.
    if (slab_.ranks == 1 || probes_.empty()) return;
    const std::size_t nt = res_.sensors.t_s.size(), n_user = l_.user_probes;
    auto series = [&](std::size_t k) -> std::vector<float>& {
        return k < n_user ? res_.sensors.p_Pa[k] : res_.axis->p_Pa[k - n_user];
    };
    std::vector<float> payload;
    for (std::size_t k = 0; k < probes_.size(); ++k)
        if (probe_owner_[k] == slab_.rank) payload.insert(payload.end(), series(k).begin(), series(k).end());
    const std::vector<float> all = gather_floats(std::move(payload));
    if (!l_.root) return;
    std::size_t at = 0;
    for (int r = 0; r < slab_.ranks; ++r)
        for (std::size_t k = 0; k < probes_.size(); ++k) {
            if (probe_owner_[k] != r) continue;
            series(k).assign(all.begin() + std::ptrdiff_t(at), all.begin() + std::ptrdiff_t(at + nt));
            at += nt;
        }
}

void Recorder::gather_snapshots() {
    // Snapshots, in the order asked for.
    const std::size_t map_part = l_.map_end - l_.map_first;
    for (std::size_t j = 0; j < snapshot_step_.size(); ++j) {
        snapshot_part_[j].resize(map_part);
        std::optional<Map3> mp = gather_map(std::move(snapshot_part_[j]));
        if (!l_.root) continue;
        Snapshot sn;
        sn.t_requested_s = spec_.sensors.snapshot_times_s[j];
        sn.step = snapshot_step_[j];
        sn.t_s = double(sn.step) * dt_;
        sn.p = std::move(*mp);
        res_.snapshots.push_back(std::move(sn));
    }
}

SimulationResult Recorder::gather() {
    if (res_.axis) {  // the axis series, transposed to one row per node
        const std::size_t nt = res_.axis->t_s.size(), n_axis = l_.axis_nodes;
        res_.axis->p_Pa.assign(n_axis, std::vector<float>(nt));
        for (std::size_t n = 0; n < nt; ++n)
            for (std::size_t k = 0; k < n_axis; ++k) res_.axis->p_Pa[k][n] = axis_by_step_[n * n_axis + k];
        std::vector<float>().swap(axis_by_step_);
    }
    gather_maps();
    gather_planes();
    gather_series();
    gather_snapshots();
    if (l_.root && l_.medium_maps) {
        res_.c = make_map();
        res_.rho = make_map();
        res_.c->values.resize(l_.phys_cells);
        res_.rho->values.resize(l_.phys_cells);
        for_each_phys(0, g_.n_phys[2], [&](std::size_t k, std::size_t i) {
            const auto& mp = mm_.props_at(i);
            res_.c->values[k] = float(mp.c_m_per_s);
            res_.rho->values[k] = float(mp.rho_kg_per_m3);
        });
    }
    if (!l_.root) {  // the other ranks hand back their figures only
        const SimulationResult empty;
        res_.sensors = empty.sensors;
        res_.axis.reset();
    }
    return std::move(res_);
}

}  // namespace lithosim
