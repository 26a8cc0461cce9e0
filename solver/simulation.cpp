#include "solver/simulation.hpp"

#include <omp.h>
#include <xmmintrin.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>
#include <utility>

#include "solver/absorption.hpp"
#include "solver/buffer.hpp"
#include "solver/communicator.hpp"
#include "core/errors.hpp"
#include "solver/kernels.hpp"
#include "solver/pml.hpp"
#include "solver/source.hpp"

namespace lithosim {

namespace {
constexpr double pi = std::numbers::pi;
constexpr double kRhoRef = 1000.0;    // reference density of the shock viscosity, kg/m^3
constexpr double kDefaultCfl = 0.3;   // 2nd-order time dominates the phase error above ~0.3 (4th-order space)

double stencil_sum(int order) { return order == 4 ? 9.0 / 8.0 + 1.0 / 24.0 : 1.0; }

const char* axis_name(int p) { return p == 0 ? "x" : p == 1 ? "y" : "z"; }

/// Centre frequency of a source (Hz), used for points-per-wavelength and the PML's alpha_max.
double source_frequency(const SourceSpec& s) {
    if (s.waveform.type == WaveformType::Lithotripter) return s.waveform.church_omega_rad_per_s / (2 * pi);
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

/// The medium, evaluated once per cell. PML cells take the properties of the nearest physical cell.
struct CellMedium {
    std::vector<MaterialProps> table;      // distinct materials
    std::vector<std::uint16_t> id;         // per cell (empty: uniform, table[0])
};

CellMedium evaluate_medium(const Grid& g, const MediumSpec& m) {
    CellMedium cm;
    if (!m.heterogeneous()) {
        cm.table.push_back(m.uniform);
        return cm;
    }
    cm.id.resize(g.cells());
    std::map<std::array<double, 5>, std::uint16_t> seen;
    for (int i2 = 0; i2 < g.n[2]; ++i2)
        for (int i1 = 0; i1 < g.n[1]; ++i1)
            for (int i0 = 0; i0 < g.n[0]; ++i0) {
                const int ii[3] = {i0, i1, i2};
                std::array<double, 3> x{0, 0, 0};
                for (int a = 0; a < g.dims; ++a) {
                    const int c = std::clamp(ii[a], g.phys_begin(a), g.phys_end(a) - 1);
                    x[g.physical_axis(a)] = g.coord(a, c);
                }
                const MaterialProps mp = m.at(x);
                const std::array<double, 5> key{mp.rho_kg_per_m3, mp.c_m_per_s, mp.alpha_dB_per_cm_MHz,
                                                mp.alpha_power, mp.BonA};
                auto it = seen.find(key);
                if (it == seen.end()) {
                    if (cm.table.size() >= 65535)
                        throw InputError("[medium] more than 65535 distinct materials; quantise the medium");
                    it = seen.emplace(key, std::uint16_t(cm.table.size())).first;
                    cm.table.push_back(mp);
                }
                cm.id[g.index(i0, i1, i2)] = it->second;
            }
    return cm;
}

void check_material(const MaterialProps& m) {
    require_input(std::isfinite(m.rho_kg_per_m3) && m.rho_kg_per_m3 > 0, "[medium] rho_kg_per_m3 = ",
                  m.rho_kg_per_m3, " must be > 0");
    require_input(std::isfinite(m.c_m_per_s) && m.c_m_per_s > 0, "[medium] c_m_per_s = ", m.c_m_per_s,
                  " must be > 0");
    require_input(std::isfinite(m.alpha_dB_per_cm_MHz) && m.alpha_dB_per_cm_MHz >= 0,
                  "[medium] alpha_dB_per_cm_MHz = ", m.alpha_dB_per_cm_MHz, " must be >= 0");
    require_input(m.alpha_power > 0 && m.alpha_power <= 2, "[medium] alpha_power = ", m.alpha_power,
                  " is outside the accepted range 0 < y <= 2");
    // B/A = -2 (beta = 0) makes a region linear (device set-ups use it around a spark); physical media have >= 0.
    require_input(std::isfinite(m.BonA) && m.BonA >= -2 && m.BonA < 1000, "[medium] BonA = ", m.BonA,
                  " is outside the accepted range [0, 1000) (or -2: linear)");
}

bool is_thermoviscous(const MaterialProps& m) { return std::abs(m.alpha_power - 2.0) < 1e-9; }

/// Per-material coefficients of the scheme.
struct MaterialCoefs {
    double K_U, K_R, bK, nu;   // unrelaxed / relaxed modulus, beta/K_R, rho*delta
    std::vector<double> a;     // relaxation strengths
    double c_U;                // unrelaxed (high-frequency) speed
    double delta;              // sound diffusivity (y = 2)
};

struct MediumModel {
    CellMedium cells;
    std::vector<MaterialCoefs> coefs;
    std::vector<double> tau;
    bool any_relaxation = false, any_viscous = false;
    double c_min = 0, c_max = 0, delta_max = 0, fit_error = 0, speed_error = 0;
};

MediumModel build_medium_model(const Grid& g, const SimulationSpec& spec) {
    MediumModel mm;
    mm.cells = evaluate_medium(g, spec.medium);
    const auto& opt = spec.solver;
    // Shared relaxation times: the span that fits the worst of the materials' power laws best (at most 64
    // distinct laws are examined, evenly picked, so a CT with many materials stays quick).
    std::vector<std::array<double, 3>> laws;
    if (opt.absorption)
        for (const auto& m : mm.cells.table)
            if (m.alpha_dB_per_cm_MHz > 0 && !is_thermoviscous(m) && m.alpha_power > 0 && m.alpha_power <= 2)
                laws.push_back({db_cm_mhz_to_np_m_radps(m.alpha_dB_per_cm_MHz, m.alpha_power), m.alpha_power,
                                m.c_m_per_s});
    if (laws.size() > 64) {
        std::vector<std::array<double, 3>> pick;
        for (std::size_t k = 0; k < 64; ++k) pick.push_back(laws[k * laws.size() / 64]);
        laws.swap(pick);
    }
    mm.tau = laws.empty() ? relaxation_times(opt.band) : best_relaxation_times(opt.band, laws);
    mm.c_min = std::numeric_limits<double>::infinity();
    for (const auto& m : mm.cells.table) {
        check_material(m);
        MaterialCoefs c{};
        const double K0 = m.rho_kg_per_m3 * m.c_m_per_s * m.c_m_per_s;
        c.K_R = c.K_U = K0;
        c.a.assign(mm.tau.size(), 0.0);
        if (opt.absorption && m.alpha_dB_per_cm_MHz > 0) {
            if (is_thermoviscous(m)) {
                c.delta = thermoviscous_diffusivity(m.alpha_dB_per_cm_MHz, m.c_m_per_s);
                c.nu = m.rho_kg_per_m3 * c.delta;
                mm.any_viscous = true;
                mm.delta_max = std::max(mm.delta_max, c.delta);
            } else {
                const auto fit = fit_relaxation(db_cm_mhz_to_np_m_radps(m.alpha_dB_per_cm_MHz, m.alpha_power),
                                                m.alpha_power, m.c_m_per_s, opt.band, mm.tau);
                c.a = fit.a;
                c.K_R = K0 * fit.K_ratio;
                double sum_a = 0;
                for (double v : fit.a) sum_a += v;
                c.K_U = c.K_R * (1 + sum_a);
                mm.any_relaxation = mm.any_relaxation || sum_a > 0;
                mm.fit_error = std::max(mm.fit_error, fit.max_rel_error);
                mm.speed_error = std::max(mm.speed_error, fit.max_speed_error_m_per_s);
            }
        }
        c.bK = opt.nonlinear ? (1.0 + m.BonA / 2.0) / c.K_R : 0.0;
        c.c_U = std::sqrt(c.K_U / m.rho_kg_per_m3);
        mm.c_min = std::min(mm.c_min, m.c_m_per_s);
        mm.c_max = std::max(mm.c_max, c.c_U);
        mm.coefs.push_back(std::move(c));
    }
    return mm;
}

std::size_t material_of(const MediumModel& mm, std::size_t cell) {
    return mm.cells.id.empty() ? 0 : mm.cells.id[cell];
}

/// lo + i dx rounds to +-1e-20 m where the exact value is 0 (the axis, z = 0): make it exact.
double exact_zero(double x_m, double dx) { return std::abs(x_m) < 1e-9 * dx ? 0.0 : x_m; }

/// Internal index along z of each sensor plane (SensorSpec::planes_z_m, in order): the nearest node plane of the
/// physical region. A z outside the region is an InputError naming it and the accepted range.
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

}  // namespace

// ------------------------------------------------------------------------------------------------------------

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
    if (spec.solver.order == 4) pl.grid.axis_volume_factor = 9.0 / 8.0 - 11.0 / 24.0;  // c1 + 11 c2 = 2/3
    const Grid& g = pl.grid;
    require_input(std::isfinite(spec.time.t_end_s) && spec.time.t_end_s > 0, "[time] t_end_us = ",
                  spec.time.t_end_s * 1e6, " must be > 0");
    require_input(spec.solver.order == 2 || spec.solver.order == 4, "[solver] order = ", spec.solver.order,
                  " is not accepted; use 2 or 4");
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
    pl.cfl_max = 1.0 / (std::sqrt(double(g.dims)) * stencil_sum(spec.solver.order));
    const double cfl_user = spec.time.cfl;
    if (cfl_user != 0) {
        require_input(std::isfinite(cfl_user) && cfl_user > 0, "[time] cfl = ", cfl_user, " must be > 0");
        require_input(cfl_user < pl.cfl_max, "[time] cfl = ", cfl_user, " is unstable for dims = ", g.dims,
                      " and order = ", spec.solver.order, "; accepted: 0 < cfl < ", pl.cfl_max);
    }
    pl.cfl = cfl_user != 0 ? cfl_user : std::min(kDefaultCfl, 0.9 * pl.cfl_max);
    pl.dt_s = pl.cfl * g.dx / pl.c_max;
    if (mm.any_viscous && mm.delta_max > 0) {
        const double S = stencil_sum(spec.solver.order);
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

    // Sensor planes inside the physical region (checked here, before anything is allocated).
    const std::size_t n_planes = sensor_plane_nodes(g, spec.sensors).size();

    // Memory: state, medium coefficients, PML memory, maps, sensor planes, sensors.
    const double cells = double(g.cells());
    const bool sep_p = spec.solver.nonlinear || (spec.solver.absorption && (mm.any_viscous || mm.any_relaxation));
    const int nrel = mm.any_relaxation ? int(mm.tau.size()) : 0;
    double per_cell = 4.0 * (g.dims + 1 + (sep_p ? 1 : 0) + nrel)   // u, w, p, m_l
                      + 4.0 * (g.dims + 1)                          // rho_inv per axis, K
                      + (spec.solver.nonlinear ? 4.0 : 0.0)         // beta / K
                      + (mm.any_viscous ? 4.0 : 0.0) + 4.0 * nrel   // nu, K a_l
                      + (spec.solver.nonlinear && spec.solver.shock_filter > 0 ? 4.0 : 0.0);  // filter scratch
    pl.field_bytes_per_cell = per_cell;
    double pml_bytes = 0;
    for (int a = 0; a < g.dims; ++a) pml_bytes += 2.0 * 4.0 * (2.0 * (g.pml - 1)) * cells / g.n[a];
    const double maps = double(g.cells_phys()) *
                        ((spec.sensors.p_max ? 4 : 0) + (spec.sensors.p_min ? 4 : 0) + (spec.sensors.efd ? 8 : 0));
    const double plane_cells = double(g.cells_phys()) / g.n_phys[g.internal_axis(2)];
    const double planes = double(n_planes) * plane_cells * (4 + 4 + 8 + 8);  // p_max, p_min, two p^2 integrals
    // The axis series is held twice at the end of a run: the step-major buffer and the per-node record.
    const double probes = double(spec.sensors.points_m.size()) +
                          (spec.sensors.axis_series ? 2.0 * double(g.n_phys[g.internal_axis(2)]) : 0.0);
    const double sensors = probes * pl.steps * 4.0;
    const double snapshots = double(spec.sensors.snapshot_times_s.size()) * double(g.cells_phys()) * 4.0;
    pl.memory_bytes = per_cell * cells + pml_bytes + maps + planes + sensors + snapshots;
    pl.memory_bytes_per_rank = pl.memory_bytes;
    if (ranks > 1) {
        // The largest slab with its halo planes (3 on each inner side); the PML along x and y in proportion, the
        // layer along z whole (an end rank holds it); maps and snapshots for the slab's planes; every sensor plane
        // and series (the worst case); rank 0 also receives the gathered maps and snapshots at the end.
        const double plane = double(g.n[0]) * g.n[1];
        double worst = 0;
        for (int r = 0; r < ranks; ++r) {
            const SlabRange sl = slab_of_rank(g.n[2], ranks, r);
            const int lo = std::max(0, sl.begin - 3), hi = std::min(g.n[2], sl.end + 3);
            const double share = double(hi - lo) / g.n[2];
            const double pml_xy = pml_bytes - 2.0 * 4.0 * (2.0 * (g.pml - 1)) * cells / g.n[2];
            const double gathered = r == 0 ? maps / 16.0 * 12.0 + snapshots : 0.0;
            const double b = per_cell * plane * (hi - lo) + pml_xy * share + (pml_bytes - pml_xy) +
                             (maps + snapshots) * double(sl.planes()) / g.n[2] + planes + sensors + gathered;
            worst = std::max(worst, b);
        }
        pl.memory_bytes_per_rank = worst;
    }
    return pl;
}

// ------------------------------------------------------------------------------------------------------------

namespace {

/// Scoped phase timer: adds its lifetime to a named total.
class PhaseTimer {
public:
    PhaseTimer(std::map<std::string, double>& acc, const char* name)
        : acc_(acc), name_(name), t0_(std::chrono::steady_clock::now()) {}
    ~PhaseTimer() {
        acc_[name_] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    }

private:
    std::map<std::string, double>& acc_;
    const char* name_;
    std::chrono::steady_clock::time_point t0_;
};

/// A field stored for a run of whole z planes [plane_begin, plane_end) of the grid (a slab with its halo, or the
/// whole grid) and addressed by the global grid index, so that kernels, PML, sources and probes index it exactly as
/// in a one-process run: base()[i] is the value at grid index i. The storage starts at the 64-byte boundary at or
/// below the slab's first index, so every row has the alignment it has in the whole grid and the vector loops split
/// the same way (the same arithmetic, bit for bit).
template <class T>
class SlabField {
public:
    void resize(std::size_t first_index, std::size_t end_index, T fill = T(0)) {
        constexpr std::size_t per_line = 64 / sizeof(T);
        first_ = first_index - first_index % per_line;
        buf_.resize(end_index - first_, fill);
    }
    bool empty() const { return buf_.empty(); }
    /// Base of the global indexing: base()[i] for i in the stored range. (An address below the allocation is
    /// formed through an integer, never dereferenced outside the range.)
    T* base() {
        return buf_.empty() ? nullptr
                            : reinterpret_cast<T*>(reinterpret_cast<std::uintptr_t>(buf_.data()) - first_ * sizeof(T));
    }
    T& operator[](std::size_t i) { return buf_[i - first_]; }
    const T& operator[](std::size_t i) const { return buf_[i - first_]; }
    void swap(SlabField& o) noexcept {
        std::swap(buf_, o.buf_);
        std::swap(first_, o.first_);
    }

private:
    AlignedBuffer<T> buf_;
    std::size_t first_ = 0;
};

/// One source on the grid: footprint, per-node gain (so that the injected rate is in Pa/s), precomputed signal.
struct GridSource {
    std::vector<std::size_t> index;
    std::vector<float> gain;        // per node: 2 c (surface) or K 4 pi r_ref / rho (point) times density
    std::vector<double> signal;     // per step, at t^{n+1/2}: p0 * s (surface) or p0 * integral of s (point)
};

struct PointProbe {
    std::size_t idx[8];
    float w[8];
};

PointProbe make_probe(const Grid& g, const std::array<double, 3>& x) {
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

}  // namespace

SimulationResult simulate(const SimulationSpec& spec, const RunHooks& hooks, Communicator* comm) {
    auto log = [&](const std::string& s) {
        if (hooks.log) hooks.log(s);
    };
    SerialCommunicator serial;
    Communicator& cm = comm ? *comm : serial;
    const int n_ranks = cm.size(), rank = cm.rank();
    const RunPlan pl = plan_run(spec, n_ranks);
    const Grid& g = pl.grid;

    // ---- the slab of this rank (the whole grid on one rank) ----
    // Planes along the last axis: this rank updates [z_own.begin, z_own.end) and stores z_alloc (3 halo planes on
    // each inner side: the widest stencil, the 6th-order filter, reaches 3 planes). Halo widths actually exchanged:
    // p 1 below / 2 above (momentum, order-4 D+), u_z 2 below / 1 above (mass, order-4 D-), w 3 / 3 (filter).
    const int zl = 2;  // the slowest axis: z in 3D; in 1D and 2D n[2] = 1, so the one "plane" is the whole grid
    const int nz_all = g.n[zl];
    const SlabRange z_own = slab_of_rank(nz_all, n_ranks, rank);
    constexpr int kHalo = 3;
    const int z_alloc_lo = std::max(0, z_own.begin - kHalo), z_alloc_hi = std::min(nz_all, z_own.end + kHalo);
    const std::size_t plane_cells = g.stride(zl);
    const std::size_t i_first = std::size_t(z_alloc_lo) * plane_cells, i_end = std::size_t(z_alloc_hi) * plane_cells;
    const std::size_t i_own_first = std::size_t(z_own.begin) * plane_cells, i_own_end = std::size_t(z_own.end) * plane_cells;
    auto stored_index = [&](std::size_t i) { return i >= i_first && i < i_end; };
    std::vector<SlabRange> slabs;
    for (int r = 0; r < n_ranks; ++r) slabs.push_back(slab_of_rank(nz_all, n_ranks, r));
    auto owner_of_plane = [&](int iz) {
        for (int r = 0; r < n_ranks; ++r)
            if (iz >= slabs[r].begin && iz < slabs[r].end) return r;
        return n_ranks - 1;
    };
    if (n_ranks > 1)
        log(fmt("distributed: ", n_ranks, " ranks, slabs along z; rank ", rank, " updates planes [", z_own.begin, ", ",
                z_own.end, ") of ", nz_all, " with ", kHalo, " halo planes"));
    const auto& opt = spec.solver;
    for (const auto& w : pl.warnings) log("warning: " + w);
    for (const auto& n : pl.notes) log(n);

    const double limit = opt.memory_limit_bytes > 0 ? opt.memory_limit_bytes : available_memory_bytes();
    log(fmt("grid ", g.n[0], " x ", g.n[1], " x ", g.n[2], " cells (PML included), dx = ", g.dx * 1e3,
            " mm, dt = ", pl.dt_s * 1e9, " ns (cfl ", pl.cfl, "), ", pl.steps, " steps, ",
            pl.points_per_wavelength, " points per wavelength at ", pl.source_f0_Hz * 1e-6, " MHz"));
    if (n_ranks > 1)
        log(fmt("memory needed: ", pl.memory_bytes_per_rank / 1048576.0, " MiB per rank at most (",
                pl.memory_bytes / 1048576.0, " MiB on one process; ", pl.field_bytes_per_cell,
                " bytes per cell of fields and medium); available here: ", limit / 1048576.0, " MiB"));
    else
        log(fmt("memory needed: ", pl.memory_bytes / 1048576.0, " MiB (", pl.field_bytes_per_cell,
                " bytes per cell of fields and medium); available: ", limit / 1048576.0, " MiB"));
    if (pl.memory_bytes_per_rank > limit)
        throw std::runtime_error(fmt("refusing to run: the case needs an estimated ", pl.memory_bytes_per_rank / 1048576.0,
                                     " MiB", n_ranks > 1 ? " per rank" : "", " but only ", limit / 1048576.0,
                                     " MiB are available; use a coarser dx_mm or a smaller size_mm"));

    // Small grids run on one thread: a step has about ten parallel regions, and below ~1e5 cells their
    // fork/join costs more than the work (a 1D run was measured 400x slower on two busy cores).
    struct ThreadScope {
        int saved = omp_get_max_threads();
        explicit ThreadScope(std::size_t cells) {
            if (cells < 100000) omp_set_num_threads(1);
        }
        ~ThreadScope() { omp_set_num_threads(saved); }
    } thread_scope(i_end - i_first);

    const MediumModel mm = build_medium_model(g, spec);
    const std::size_t N = g.cells();
    const bool nonlinear = opt.nonlinear;
    const bool absorbing = opt.absorption && (mm.any_viscous || mm.any_relaxation);
    const int nrel = absorbing && mm.any_relaxation ? int(mm.tau.size()) : 0;
    require_input(nrel <= kernels::kMaxMechanisms, "[solver] relaxation mechanisms = ", nrel, " exceeds the accepted ",
                  kernels::kMaxMechanisms);

    // ---- medium coefficients (computed once) ----
    SlabField<float> rho_inv[3], K, bK, nu;
    std::vector<SlabField<float>> Ka(nrel);
    K.resize(i_first, i_end);
    for (int a = 0; a < g.dims; ++a) rho_inv[a].resize(i_first, i_end);
    if (nonlinear) bK.resize(i_first, i_end);
    if (absorbing && mm.any_viscous) nu.resize(i_first, i_end);
    for (auto& b : Ka) b.resize(i_first, i_end);
    auto in_pml = [&](int i0, int i1, int i2) {
        const int ii[3] = {i0, i1, i2};
        for (int a = 0; a < g.dims; ++a)
            if (ii[a] < g.phys_begin(a) || ii[a] >= g.phys_end(a)) return true;
        return false;
    };
#pragma omp parallel for collapse(2) schedule(static)
    for (int i2 = z_alloc_lo; i2 < z_alloc_hi; ++i2)
        for (int i1 = 0; i1 < g.n[1]; ++i1)
            for (int i0 = 0; i0 < g.n[0]; ++i0) {
                const std::size_t i = g.index(i0, i1, i2);
                const auto& mc = mm.coefs[material_of(mm, i)];
                const bool pml = in_pml(i0, i1, i2);
                K[i] = float(pml ? mm.cells.table[material_of(mm, i)].rho_kg_per_m3 *
                                       std::pow(mm.cells.table[material_of(mm, i)].c_m_per_s, 2)
                                 : mc.K_U);
                if (nonlinear) bK[i] = pml ? 0.0f : float(mc.bK);
                if (!nu.empty()) nu[i] = pml ? 0.0f : float(mc.nu);
                for (int l = 0; l < nrel; ++l) Ka[l][i] = pml ? 0.0f : float(mc.K_R * mc.a[l]);
                const double rho = mm.cells.table[material_of(mm, i)].rho_kg_per_m3;
                const int ii[3] = {i0, i1, i2};
                for (int a = 0; a < g.dims; ++a) {
                    // 1/rho on the staggered node i + 1/2: arithmetic mean of the two neighbouring densities.
                    const std::size_t j = ii[a] + 1 < g.n[a] ? i + g.stride(a) : i;
                    const double rho_j = mm.cells.table[material_of(mm, j)].rho_kg_per_m3;
                    rho_inv[a][i] = float(2.0 / (rho + rho_j));
                }
            }

    // ---- rigid bodies: the staggered faces next to a rigid node, per axis ----
    std::vector<std::size_t> rigid_faces[3];
    if (spec.medium.rigid) {
        // The stored planes and the one above them (a face i + 1/2 looks at nodes i and i + 1); solid[i - s_first].
        const int s_hi = std::min(g.n[2], z_alloc_hi + 1);
        const std::size_t s_first = i_first, s_end = std::size_t(s_hi) * plane_cells;
        std::vector<char> solid(s_end - s_first, 0);
        for (int i2 = z_alloc_lo; i2 < s_hi; ++i2)
            for (int i1 = 0; i1 < g.n[1]; ++i1)
                for (int i0 = 0; i0 < g.n[0]; ++i0) {
                    const int ii[3] = {i0, i1, i2};
                    std::array<double, 3> x{0, 0, 0};
                    for (int a = 0; a < g.dims; ++a) x[g.physical_axis(a)] = g.coord(a, ii[a]);
                    if (g.axisymmetric) x[0] = std::abs(x[0]);  // mirror nodes take their image's body
                    solid[g.index(i0, i1, i2) - s_first] = spec.medium.rigid(x) ? 1 : 0;
                }
        for (int a = 0; a < g.dims; ++a)
            for (std::size_t i = s_first; i < i_end && i + g.stride(a) < s_end; ++i)
                if (solid[i - s_first] || solid[i + g.stride(a) - s_first]) rigid_faces[a].push_back(i);
        std::size_t count = 0;
        for (std::size_t i = i_own_first; i < i_own_end; ++i) count += solid[i - s_first];
        if (n_ranks == 1) log(fmt("rigid bodies: ", count, " nodes"));
    }

    // ---- state ----
    const bool separate_p = nonlinear || absorbing;
    SlabField<float> u[3], w, p_store, m[kernels::kMaxMechanisms];
    w.resize(i_first, i_end);
    for (int a = 0; a < g.dims; ++a) u[a].resize(i_first, i_end);
    if (separate_p) p_store.resize(i_first, i_end);
    for (int l = 0; l < nrel; ++l) m[l].resize(i_first, i_end);

    // ---- sources ----
    std::vector<GridSource> sources;
    double p0_max = 0;
    for (const auto& s : spec.sources) {
        const SourceFootprint fp = footprint(g, s);
        GridSource gs;
        Waveform wf = s.waveform;
        if (wf.type == WaveformType::Lithotripter && wf.rise_s <= 0) wf.rise_s = 4 * g.dx / pl.c_min;
        const double amp = s.p0_Pa;
        p0_max = std::max(p0_max, std::abs(amp));
        const bool point = s.type == SourceType::Point;
        constexpr double r_ref = 1e-3;  // point source: p0 is the free-field pressure at 1 mm
        for (std::size_t k = 0; k < fp.index.size(); ++k) {
            // A slab takes the nodes it stores, halo planes included: its halo then matches the neighbour's
            // planes after the source step without another exchange.
            if (!stored_index(fp.index[k])) continue;
            gs.index.push_back(fp.index[k]);
            const auto& mp = mm.cells.table[material_of(mm, fp.index[k])];
            // Surface: dw/dt = K q, q = 2 u_n delta_S, u_n = p0 s / (rho c)  ->  gain 2 c (if rho c local).
            // Point:   p = rho qdot / (4 pi r)  ->  q = 4 pi r_ref p0 S(t) / rho, dw/dt = K q delta.
            const double gain = point ? mp.rho_kg_per_m3 * mp.c_m_per_s * mp.c_m_per_s * 4 * pi * r_ref / mp.rho_kg_per_m3
                                      : 2.0 * mp.c_m_per_s;
            gs.gain.push_back(float(gain * fp.density[k]));
        }
        gs.signal.resize(pl.steps);
        double integral = 0;
        for (long long n = 0; n < pl.steps; ++n) {
            const double t = (n + 0.5) * pl.dt_s;
            if (point) {  // running integral of the shape (Simpson over each step)
                const double ta = n * pl.dt_s, tb = (n + 1) * pl.dt_s;
                const double seg = pl.dt_s / 6 * (wf.shape(ta) + 4 * wf.shape(0.5 * (ta + tb)) + wf.shape(tb));
                gs.signal[n] = amp * (integral + 0.5 * seg);
                integral += seg;
            } else {
                gs.signal[n] = amp * wf.shape(t);
            }
        }
        log(fmt("source: ", fp.index.size(), " grid nodes", n_ranks > 1 ? fmt(" (", gs.index.size(), " stored on rank ", rank, ")") : "",
                ", sampled area ", fp.surface_area_m2 * 1e6, " mm^2"));
        sources.push_back(std::move(gs));
    }

    // ---- sensors ----
    std::vector<PointProbe> probes;
    SimulationResult res;
    for (auto x : spec.sensors.points_m) {
        if (g.axisymmetric) x = {std::hypot(x[0], x[1]), 0.0, x[2]};  // (r, 0, z)
        for (int pax = 0; pax < 3; ++pax) {
            const int a = g.internal_axis(pax);
            if (a < 0) continue;
            const double lo = g.coord(a, g.phys_begin(a)), hi = g.coord(a, g.phys_end(a) - 1);
            require_input(x[pax] >= lo - 1e-12 && x[pax] <= hi + 1e-12, "[sensor] points_mm: ", axis_name(pax), " = ",
                          x[pax] * 1e3, " mm lies outside the physical region [", lo * 1e3, ", ", hi * 1e3, "] mm");
        }
        probes.push_back(make_probe(g, x));
        res.sensors.position_m.push_back(x);
        res.sensors.p_Pa.emplace_back();
        res.sensors.p_Pa.back().reserve(pl.steps + 1);
    }
    res.sensors.t_s.reserve(pl.steps + 1);
    if (spec.sensors.axis_series) {
        // nodes of the beam axis x = y = 0 (the axis centre is a node when the transverse cell count is odd)
        res.axis.emplace();
        const int az = g.internal_axis(2);
        for (int k = g.phys_begin(az); k < g.phys_end(az); ++k) {
            const std::array<double, 3> x{0, 0, g.coord(az, k)};
            probes.push_back(make_probe(g, x));
            res.axis->position_m.push_back(x);
        }
    }
    const std::size_t n_user_probes = spec.sensors.points_m.size();
    const std::size_t n_axis = res.axis ? res.axis->position_m.size() : 0;
    std::vector<float> axis_by_step(n_axis * std::size_t(pl.steps + 1));
    // A probe belongs to the rank that owns the plane of its lowest corner (it reads the plane above from the halo).
    std::vector<int> probe_owner(probes.size());
    for (std::size_t k = 0; k < probes.size(); ++k) probe_owner[k] = owner_of_plane(int(probes[k].idx[0] / plane_cells));

    // ---- maps: over the physical planes this rank owns (map index k0 + m0 (k1 + m1 k2), k2 from the region's start) ----
    const std::size_t NP = g.cells_phys();
    const std::size_t map_plane = std::size_t(g.n_phys[0]) * g.n_phys[1];
    const int kz_lo = std::clamp(z_own.begin - g.phys_begin(2), 0, g.n_phys[2]);
    const int kz_hi = std::clamp(z_own.end - g.phys_begin(2), 0, g.n_phys[2]);
    const std::size_t map_first = std::size_t(kz_lo) * map_plane, map_end = std::size_t(kz_hi) * map_plane;
    SlabField<float> p_max, p_min;
    SlabField<double> p2_int;
    if (spec.sensors.p_max) p_max.resize(map_first, map_end, -std::numeric_limits<float>::infinity());
    if (spec.sensors.p_min) p_min.resize(map_first, map_end, std::numeric_limits<float>::infinity());
    if (spec.sensors.efd) p2_int.resize(map_first, map_end, 0.0);

    // ---- snapshots: the step of each requested time, and this rank's planes of each ----
    std::vector<long long> snapshot_step;
    for (double t : spec.sensors.snapshot_times_s)
        snapshot_step.push_back(std::clamp<long long>((long long)std::ceil(t / pl.dt_s - 1e-9), 0, pl.steps));
    std::vector<std::vector<float>> snapshot_part(snapshot_step.size());

    // ---- sensor planes: the same accumulations on the nodes of each plane z = const ----
    // Offsets of a plane's nodes from its first one, in map order (x fastest, then y): every internal axis but z.
    const int az = g.internal_axis(2);
    std::vector<std::size_t> plane_offset;
    for (int k1 = 0; k1 < (az == 1 ? 1 : g.n_phys[1]); ++k1)
        for (int k0 = 0; k0 < (az == 0 ? 1 : g.n_phys[0]); ++k0) plane_offset.push_back(g.index(k0, k1, 0));
    struct SensorPlane {
        std::size_t k;                       // its place in SensorSpec::planes_z_m
        int iz;                              // internal node index along z
        std::size_t first;                   // grid index of the plane's first physical node
        AlignedBuffer<float> p_max, p_min;   // Pa
        AlignedBuffer<double> p2, p2_plus;   // integral of p^2 dt, all samples / samples with p > 0, Pa^2 s
    };
    std::vector<SensorPlane> planes;  // the planes this rank owns
    const std::vector<int> plane_nodes = sensor_plane_nodes(g, spec.sensors);
    std::vector<int> plane_owner;
    for (std::size_t k = 0; k < plane_nodes.size(); ++k) {
        const int iz = plane_nodes[k];
        SensorPlane sp{k, iz, 0, {}, {}, {}, {}};
        int first[3] = {g.phys_begin(0), g.phys_begin(1), g.phys_begin(2)};
        first[az] = iz;
        sp.first = g.index(first[0], first[1], first[2]);
        plane_owner.push_back(owner_of_plane(int(sp.first / plane_cells)));
        if (plane_owner.back() != rank) continue;
        sp.p_max.resize(plane_offset.size(), -std::numeric_limits<float>::infinity());
        sp.p_min.resize(plane_offset.size(), std::numeric_limits<float>::infinity());
        sp.p2.resize(plane_offset.size(), 0.0);
        sp.p2_plus.resize(plane_offset.size(), 0.0);
        planes.push_back(std::move(sp));
    }

    // ---- the step ----
    kernels::StepView v{};
    for (int a = 0; a < 3; ++a) {
        v.n[a] = g.n[a];
        v.s[a] = std::ptrdiff_t(g.stride(a));
        v.lo[a] = a < g.dims ? 2 : 0;
        v.hi[a] = a < g.dims ? g.n[a] - 2 : 1;
        v.u[a] = a < g.dims ? u[a].base() : nullptr;
        v.rho_inv[a] = a < g.dims ? rho_inv[a].base() : nullptr;
    }
    if (g.dims == 3) {  // the slab: the planes this rank updates
        v.lo[2] = std::max(v.lo[2], z_own.begin);
        v.hi[2] = std::min(v.hi[2], z_own.end);
    }
    v.dt = float(pl.dt_s);
    v.dx = float(g.dx);
    v.w = w.base();
    v.p = separate_p ? p_store.base() : w.base();
    v.K = K.base();
    v.bK = nonlinear ? bK.base() : nullptr;
    v.nu = nu.empty() ? nullptr : nu.base();
    v.nrel = nrel;
    for (int l = 0; l < nrel; ++l) {
        v.m[l] = m[l].base();
        v.Ka[l] = Ka[l].base();
        v.e[l] = float(std::exp(-pl.dt_s / mm.tau[l]));
    }
    v.q_coef = float(kRhoRef * std::pow(opt.shock_viscosity * g.dx, 2));
    // The shock viscosity is a diffusion with nu = (C dx)^2 |div u|; explicit stepping needs nu dt / dx^2 small,
    // so |div u| is capped where it would break that (only next to a spark or a source singularity).
    v.div_cap = opt.shock_viscosity > 0 ? float(0.05 / (opt.shock_viscosity * opt.shock_viscosity * pl.dt_s)) : 0.0f;
    std::vector<float> r_face, inv_r;
    if (g.axisymmetric) {
        r_face.resize(g.n[0]);
        inv_r.resize(g.n[0]);
        for (int i = 0; i < g.n[0]; ++i) {
            const double r = (i - Grid::kAxisNode) * g.dx;
            r_face[i] = float(r + 0.5 * g.dx);
            inv_r[i] = r == 0 ? 0.0f : float(1.0 / r);
        }
        v.r_face = r_face.data();
        v.inv_r = inv_r.data();
        v.axis_i = Grid::kAxisNode;
    }

    using KernelFn = void (*)(const kernels::StepView&);
    using FilterFn = void (*)(const kernels::StepView&, const int*, const int*, const float*, float*, float);
    KernelFn vel = nullptr, prs = nullptr;
    FilterFn filt = g.dims == 1 ? kernels::selective_filter<1>
                    : g.dims == 2 ? kernels::selective_filter<2> : kernels::selective_filter<3>;
    const bool filtering = nonlinear && opt.shock_filter > 0;
    SlabField<float> w_scratch;
    if (filtering) w_scratch.resize(i_first, i_end);
    // The filter copies its whole input before filtering [phys_lo, phys_hi): it gets a view of the stored planes
    // only, [z_alloc_lo, z_alloc_hi), with z indices counted from z_alloc_lo (strides, and so the arithmetic, as in
    // the whole grid).
    int phys_lo[3], phys_hi[3];
    for (int a = 0; a < 3; ++a) {
        phys_lo[a] = g.phys_begin(a);
        phys_hi[a] = g.phys_end(a);
    }
    kernels::StepView v_filter = v;
    if (g.dims == 3) {
        phys_lo[2] = std::max(phys_lo[2], z_own.begin) - z_alloc_lo;
        phys_hi[2] = std::min(phys_hi[2], z_own.end) - z_alloc_lo;
        v_filter.n[2] = z_alloc_hi - z_alloc_lo;
    }
    const std::size_t filter_offset = i_first;  // grid index of the view's first cell
    // The pressure kernel's variant: relaxation mechanisms (a compile-time count) and the thermoviscous term.
    const bool viscous = absorbing && mm.any_viscous;
    auto pick_abs = [&]<int D, int O, bool NL>() {
        auto with = [&]<int NREL, bool AXI>() {
            prs = viscous ? kernels::update_pressure<D, O, NL, NREL, true, AXI>
                          : kernels::update_pressure<D, O, NL, NREL, false, AXI>;
        };
        auto with_nrel = [&]<bool AXI>() {
            [&]<int... R>(std::integer_sequence<int, R...>) {
                ((nrel == R ? with.template operator()<R, AXI>() : void()), ...);
            }(std::make_integer_sequence<int, kernels::kMaxMechanisms + 1>{});
        };
        if constexpr (D == 2) {
            if (g.axisymmetric) return with_nrel.template operator()<true>();
        }
        with_nrel.template operator()<false>();
    };
    auto pick = [&]<int D>() {
        if (opt.order == 4) {
            vel = kernels::update_velocity<D, 4>;
            if (nonlinear) pick_abs.template operator()<D, 4, true>();
            else pick_abs.template operator()<D, 4, false>();
        } else {
            vel = kernels::update_velocity<D, 2>;
            if (nonlinear) pick_abs.template operator()<D, 2, true>();
            else pick_abs.template operator()<D, 2, false>();
        }
    };
    if (g.dims == 1) pick.template operator()<1>();
    else if (g.dims == 2) pick.template operator()<2>();
    else pick.template operator()<3>();

    double f_src = pl.source_f0_Hz;
    Cpml pml = g.dims == 3 ? Cpml(g, pl.dt_s, pl.c_max, f_src, opt.order, z_own.begin, z_own.end)
                           : Cpml(g, pl.dt_s, pl.c_max, f_src, opt.order);

    // Physical-region sampling: maps, probes and the divergence watch.
    const double blowup = std::max(2e9, 1e3 * p0_max);
    auto p_of = [&](std::size_t i) -> float {
        const float wi = w[i];
        return nonlinear ? wi + bK[i] * wi * wi : wi;
    };
    // Halo exchange of whole z planes with the neighbouring slabs: `below` planes under the slab from rank - 1,
    // `above` planes over it from rank + 1 (and the matching planes sent the other way). Planes are contiguous.
    struct Halo {
        float* base;
        int below, above;
    };
    std::vector<Transfer> transfers;
    auto exchange_halos = [&](std::initializer_list<Halo> fields) {
        transfers.clear();
        const std::size_t plane_bytes = plane_cells * sizeof(float);
        int tag = 0;
        for (const Halo& h : fields) {
            if (rank > 0) {  // rank - 1 gets my first `above` planes and sends its last `below` planes
                transfers.push_back({rank - 1, 2 * tag, true, h.base + std::size_t(z_own.begin) * plane_cells,
                                     std::size_t(h.above) * plane_bytes});
                transfers.push_back({rank - 1, 2 * tag + 1, false,
                                     h.base + std::size_t(z_own.begin - h.below) * plane_cells,
                                     std::size_t(h.below) * plane_bytes});
            }
            if (rank + 1 < n_ranks) {
                transfers.push_back({rank + 1, 2 * tag + 1, true,
                                     h.base + std::size_t(z_own.end - h.below) * plane_cells,
                                     std::size_t(h.below) * plane_bytes});
                transfers.push_back({rank + 1, 2 * tag, false, h.base + std::size_t(z_own.end) * plane_cells,
                                     std::size_t(h.above) * plane_bytes});
            }
            ++tag;
        }
        cm.exchange(transfers);
    };
    // Widths: the momentum update reads p at i - 1 .. i + 2 along z, the mass update u_z at i - 2 .. i + 1, the
    // filter w at i - 3 .. i + 3, and a probe w on its own plane and the one above.
    const bool any_probes = !probes.empty();
    const int w_below = filtering ? 3 : separate_p ? 0 : 1;
    const int w_above = filtering ? 3 : separate_p ? (any_probes ? 1 : 0) : 2;
    // One row of pressures per thread for the map sampling, allocated once for the run.
    std::vector<std::vector<float>> sample_rows(std::size_t(omp_get_max_threads()),
                                                std::vector<float>(std::size_t(g.n_phys[0])));
    auto sample = [&](long long step, double t) {
        const int b0 = g.phys_begin(0), b1 = g.phys_begin(1), b2 = g.phys_begin(2);
        const int m0 = g.n_phys[0], m1 = g.n_phys[1];
        float* pmx = p_max.base();
        float* pmn = p_min.base();
        double* pint = p2_int.base();
        const double dt = pl.dt_s;
        float peak = 0;
        bool finite = true;
        const float* wp = w.base();
        const float* bp = nonlinear ? bK.base() : nullptr;
#pragma omp parallel reduction(max : peak) reduction(&& : finite)
        {
            // The row's pressure once, then one branch-free loop per map, so that every loop vectorises: the
            // largest |p| by a ternary (std::max of floats does not vectorise here), and a non-finite value
            // caught by p * 0, which is NaN for an infinity or a NaN.
            float* __restrict pr = sample_rows[std::size_t(omp_get_thread_num())].data();
#pragma omp for collapse(2) schedule(static)
            for (int k2 = kz_lo; k2 < kz_hi; ++k2)
                for (int k1 = 0; k1 < m1; ++k1) {
                    const std::size_t base = g.index(b0, b1 + k1, b2 + k2);
                    const std::size_t mbase = std::size_t(m0) * (k1 + std::size_t(m1) * k2);
                    const float* __restrict wr = wp + base;
                    if (bp) {
                        const float* __restrict br = bp + base;
                        for (int k0 = 0; k0 < m0; ++k0) pr[k0] = wr[k0] + br[k0] * wr[k0] * wr[k0];
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
        // Sensor planes: the map rules above on the plane's nodes, plus the p^2 integral over p > 0.
        const std::size_t* off = plane_offset.data();
        const std::ptrdiff_t n_plane = std::ptrdiff_t(plane_offset.size());
        for (auto& sp : planes) {
            float* qmx = sp.p_max.data();
            float* qmn = sp.p_min.data();
            double* q2 = sp.p2.data();
            double* q2p = sp.p2_plus.data();
#pragma omp parallel for schedule(static) if (n_plane >= 16384)
            for (std::ptrdiff_t j = 0; j < n_plane; ++j) {
                const float pv = p_of(sp.first + off[j]);
                qmx[j] = std::max(qmx[j], pv);
                qmn[j] = std::min(qmn[j], pv);
                const double e = double(pv) * pv * dt;
                q2[j] += e;
                if (pv > 0) q2p[j] += e;
            }
        }
        // The divergence watch is global: every rank sees the largest |p| of all (NaN and Inf count as infinite).
        bool diverged = !finite || peak > blowup;
        int reporter = rank;
        if (n_ranks > 1) {
            double worst_here = finite ? double(peak) : std::numeric_limits<double>::infinity();
            double worst_all = worst_here;
            cm.allreduce_max(&worst_all, 1);
            diverged = !(worst_all <= blowup);
            if (diverged) {  // the lowest rank holding the worst value names the place
                double claim = worst_here == worst_all ? -double(rank) : -double(n_ranks);
                cm.allreduce_max(&claim, 1);
                reporter = int(-claim);
            }
        }
        if (diverged && reporter != rank) throw DivergenceError(cm.broadcast("", reporter));
        if (diverged) {
            // locate the worst cell for the message
            std::size_t worst = 0;
            float wv = 0;
            for (int k2 = kz_lo; k2 < kz_hi; ++k2)
                for (int k1 = 0; k1 < m1; ++k1)
                    for (int k0 = 0; k0 < m0; ++k0) {
                        const std::size_t i = g.index(b0 + k0, b1 + k1, b2 + k2);
                        const float pv = p_of(i);
                        if (!std::isfinite(pv) || std::abs(pv) > wv) {
                            worst = i;
                            wv = std::isfinite(pv) ? std::abs(pv) : std::numeric_limits<float>::infinity();
                            if (!std::isfinite(pv)) goto found;
                        }
                    }
        found:
            const int i0 = int(worst % g.n[0]), i1 = int((worst / g.n[0]) % g.n[1]), i2 = int(worst / (std::size_t(g.n[0]) * g.n[1]));
            const int ii[3] = {i0, i1, i2};
            std::array<double, 3> x{0, 0, 0};
            for (int a = 0; a < g.dims; ++a) x[g.physical_axis(a)] = g.coord(a, ii[a]);
            const std::string message = fmt(
                "simulation diverged at step ", step, " (t = ", t * 1e6, " us): p = ", wv * 1e-6, " MPa at (",
                x[0] * 1e3, ", ", x[1] * 1e3, ", ", x[2] * 1e3, ") mm; likely cause: ",
                nonlinear ? "a shock steeper than the grid resolves (raise [solver] shock_viscosity, lower p0_MPa or refine dx_mm)"
                          : "an unstable time step or medium contrast (lower [time] cfl)");
            throw DivergenceError(n_ranks > 1 ? cm.broadcast(message, rank) : message);
        }
        res.sensors.t_s.push_back(t);
        if (res.axis) res.axis->t_s.push_back(t);
        // Axis series by step, [step][node], so one step writes one contiguous row (transposed after the run).
        float* axis_row = axis_by_step.empty() ? nullptr : axis_by_step.data() + std::size_t(step) * n_axis;
        for (std::size_t k = 0; k < probes.size(); ++k) {
            if (probe_owner[k] != rank) continue;
            float s = 0;
            for (int c = 0; c < 8; ++c)
                if (probes[k].w[c] != 0) s += probes[k].w[c] * p_of(probes[k].idx[c]);
            if (k < n_user_probes) res.sensors.p_Pa[k].push_back(s);
            else axis_row[k - n_user_probes] = s;
        }
        // Snapshots due at this step: p(w) on this rank's physical planes, in map order.
        for (std::size_t j = 0; j < snapshot_step.size(); ++j) {
            if (snapshot_step[j] != step) continue;
            std::vector<float>& part = snapshot_part[j];
            part.resize(map_end - map_first);
            float* out = part.data();
#pragma omp parallel for collapse(2) schedule(static)
            for (int k2 = kz_lo; k2 < kz_hi; ++k2)
                for (int k1 = 0; k1 < m1; ++k1) {
                    const std::size_t base = g.index(b0, b1 + k1, b2 + k2);
                    float* row = out + std::size_t(m0) * (k1 + std::size_t(m1) * (k2 - kz_lo));
                    for (int k0 = 0; k0 < m0; ++k0) row[k0] = p_of(base + k0);
                }
        }
    };

    // Waves decaying in the PML and ahead of the front produce subnormal floats, which x86 cores process
    // up to a hundred times slower; flush them to zero on every thread (FTZ + DAZ). Results change by
    // less than 1e-38 Pa.
#pragma omp parallel
    { _mm_setcsr(_mm_getcsr() | 0x8040); }
    _mm_setcsr(_mm_getcsr() | 0x8040);

    auto& phase = res.stats.phase_seconds;
    sample(0, 0.0);
    const auto t_start = std::chrono::steady_clock::now();
    for (long long n = 0; n < pl.steps; ++n) {
        if (g.axisymmetric) {
            PhaseTimer t(phase, "axis");
            kernels::mirror_axis(v, v.p, false);
        }
        {
            PhaseTimer t(phase, "velocity");
            vel(v);
        }
        {
            PhaseTimer t(phase, "pml");
            pml.correct_velocity(v);
        }
        if (spec.medium.rigid) {
            PhaseTimer t(phase, "rigid");
            for (int a = 0; a < g.dims; ++a)
                for (std::size_t i : rigid_faces[a]) u[a][i] = 0.0f;
        }
        {
            PhaseTimer t(phase, "source");
            float* wb = w.base();
            for (const auto& s : sources) {
                const float amount = float(pl.dt_s * s.signal[n]);
                if (amount == 0) continue;
                for (std::size_t k = 0; k < s.index.size(); ++k) wb[s.index[k]] += amount * s.gain[k];
            }
        }
        if (g.axisymmetric) {
            PhaseTimer t(phase, "axis");
            kernels::mirror_axis(v, v.u[0], true);
            if (filtering) kernels::mirror_axis(v, v.w, false);
        }
        if (filtering) {
            PhaseTimer t(phase, "filter");
            filt(v_filter, phys_lo, phys_hi, w.base() + filter_offset, w_scratch.base() + filter_offset,
                 float(opt.shock_filter));
            w.swap(w_scratch);
            v.w = w.base();
            if (!separate_p) v.p = v.w;
        }
        if (n_ranks > 1) {
            PhaseTimer t(phase, "halo");
            exchange_halos({{v.u[2], 2, 1}});
        }
        {
            PhaseTimer t(phase, "pressure");
            prs(v);
        }
        {
            PhaseTimer t(phase, "pml");
            pml.correct_pressure(v);
        }
        if (n_ranks > 1) {
            PhaseTimer t(phase, "halo");
            if (separate_p) exchange_halos({{v.p, 1, 2}, {v.w, w_below, w_above}});
            else exchange_halos({{v.w, w_below, w_above}});
        }
        {
            PhaseTimer t(phase, "sample");
            sample(n + 1, (n + 1) * pl.dt_s);
        }
        if (hooks.progress)
            hooks.progress(n + 1, pl.steps,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
    }
    const double runtime = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (res.axis) {
        const std::size_t nt = res.axis->t_s.size();
        res.axis->p_Pa.assign(n_axis, std::vector<float>(nt));
        for (std::size_t n = 0; n < nt; ++n)
            for (std::size_t k = 0; k < n_axis; ++k) res.axis->p_Pa[k][n] = axis_by_step[n * n_axis + k];
        std::vector<float>().swap(axis_by_step);
    }

    // ---- results over the physical region, gathered to rank 0 ----
    const bool root = rank == 0;
    // The floats of every rank, concatenated in rank order, on rank 0 (one process: its own).
    auto gather_floats = [&](std::vector<float> part) -> std::vector<float> {
        if (n_ranks == 1) return part;
        const std::vector<char> bytes = cm.gather(part.data(), part.size() * sizeof(float));
        std::vector<float> all(bytes.size() / sizeof(float));
        if (!bytes.empty()) std::memcpy(all.data(), bytes.data(), bytes.size());
        return all;
    };
    // A map over the whole physical region, or (iz >= 0) over its node plane iz along z: nz = 1, origin z there.
    auto make_map = [&](int iz = -1) {
        Map3 mp;
        const int ax = g.internal_axis(0), ay = g.internal_axis(1);
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
    };
    // Per-physical-cell visit of this rank's planes (map index k, grid index i); map index order equals internal order.
    auto for_each_phys = [&](int k2_lo, int k2_hi, auto&& f) {
        std::size_t k = std::size_t(k2_lo) * map_plane;
        for (int k2 = k2_lo; k2 < k2_hi; ++k2)
            for (int k1 = 0; k1 < g.n_phys[1]; ++k1)
                for (int k0 = 0; k0 < g.n_phys[0]; ++k0, ++k)
                    f(k, g.index(g.phys_begin(0) + k0, g.phys_begin(1) + k1, g.phys_begin(2) + k2));
    };
    // A whole map on rank 0 from each rank's planes.
    auto gather_map = [&](std::vector<float> part) -> std::optional<Map3> {
        std::vector<float> all = gather_floats(std::move(part));
        if (!root) return std::nullopt;
        Map3 mp = make_map();
        if (all.size() != mp.size()) throw std::logic_error("gathered map of the wrong size");
        mp.values = std::move(all);
        return mp;
    };
    const std::size_t map_part = map_end - map_first;
    if (spec.sensors.p_max) {
        std::vector<float> part(map_part);
        for (std::size_t k = 0; k < map_part; ++k) part[k] = p_max[map_first + k];
        res.p_max = gather_map(std::move(part));
    }
    if (spec.sensors.p_min) {
        std::vector<float> part(map_part);
        for (std::size_t k = 0; k < map_part; ++k) part[k] = p_min[map_first + k];
        res.p_min = gather_map(std::move(part));
    }
    if (spec.sensors.efd) {
        std::vector<float> part(map_part);
        for_each_phys(kz_lo, kz_hi, [&](std::size_t k, std::size_t i) {
            const auto& mp = mm.cells.table[material_of(mm, i)];
            part[k - map_first] = float(p2_int[k] / (mp.rho_kg_per_m3 * mp.c_m_per_s));
        });
        res.efd = gather_map(std::move(part));
    }
    // Sensor planes: each on the rank that owns its node plane, sent to rank 0 as p_max, p_min, efd, efd_plus.
    const std::size_t n_plane = plane_offset.size();
    std::vector<float> plane_payload;
    for (const auto& sp : planes) {
        const std::size_t at = plane_payload.size();
        plane_payload.resize(at + 4 * n_plane);
        float* q = plane_payload.data() + at;
        for (std::size_t j = 0; j < n_plane; ++j) {
            const auto& mp = mm.cells.table[material_of(mm, sp.first + plane_offset[j])];
            const double rho_c = mp.rho_kg_per_m3 * mp.c_m_per_s;
            q[j] = sp.p_max[j];
            q[n_plane + j] = sp.p_min[j];
            q[2 * n_plane + j] = float(sp.p2[j] / rho_c);
            q[3 * n_plane + j] = float(sp.p2_plus[j] / rho_c);
        }
    }
    if (!plane_nodes.empty()) {
        const std::vector<float> all = gather_floats(std::move(plane_payload));
        if (root) {
            res.planes.resize(plane_nodes.size());
            std::size_t at = 0;
            for (int r = 0; r < n_ranks; ++r)
                for (std::size_t k = 0; k < plane_nodes.size(); ++k) {
                    if (plane_owner[k] != r) continue;
                    PlaneRecord pr;
                    pr.p_max = make_map(plane_nodes[k]);
                    pr.z_m = pr.p_max.origin_m[2];
                    pr.p_min = pr.efd = pr.efd_plus = pr.p_max;
                    Map3* maps4[4] = {&pr.p_max, &pr.p_min, &pr.efd, &pr.efd_plus};
                    for (Map3* mp : maps4) {
                        mp->values.assign(all.begin() + std::ptrdiff_t(at), all.begin() + std::ptrdiff_t(at + n_plane));
                        at += n_plane;
                    }
                    res.planes[k] = std::move(pr);
                }
        }
    }
    // Point and axis series: each from the rank that owns its probe.
    if (n_ranks > 1 && !probes.empty()) {
        const std::size_t nt = res.sensors.t_s.size();
        auto series = [&](std::size_t k) -> std::vector<float>& {
            return k < n_user_probes ? res.sensors.p_Pa[k] : res.axis->p_Pa[k - n_user_probes];
        };
        std::vector<float> payload;
        for (std::size_t k = 0; k < probes.size(); ++k)
            if (probe_owner[k] == rank) payload.insert(payload.end(), series(k).begin(), series(k).end());
        const std::vector<float> all = gather_floats(std::move(payload));
        if (root) {
            std::size_t at = 0;
            for (int r = 0; r < n_ranks; ++r)
                for (std::size_t k = 0; k < probes.size(); ++k) {
                    if (probe_owner[k] != r) continue;
                    series(k).assign(all.begin() + std::ptrdiff_t(at), all.begin() + std::ptrdiff_t(at + nt));
                    at += nt;
                }
        }
    }
    // Snapshots, in the order asked for.
    for (std::size_t j = 0; j < snapshot_step.size(); ++j) {
        snapshot_part[j].resize(map_part);
        std::optional<Map3> mp = gather_map(std::move(snapshot_part[j]));
        if (!root) continue;
        Snapshot sn;
        sn.t_requested_s = spec.sensors.snapshot_times_s[j];
        sn.step = snapshot_step[j];
        sn.t_s = double(sn.step) * pl.dt_s;
        sn.p = std::move(*mp);
        res.snapshots.push_back(std::move(sn));
    }
    if (root && spec.medium.heterogeneous()) {
        res.c = make_map();
        res.rho = make_map();
        res.c->values.resize(NP);
        res.rho->values.resize(NP);
        for_each_phys(0, g.n_phys[2], [&](std::size_t k, std::size_t i) {
            const auto& mp = mm.cells.table[material_of(mm, i)];
            res.c->values[k] = float(mp.c_m_per_s);
            res.rho->values[k] = float(mp.rho_kg_per_m3);
        });
    }
    const double peak_MB = peak_resident_MB();
    std::vector<double> peaks{peak_MB};
    if (n_ranks > 1) {
        const std::vector<char> bytes = cm.gather(&peak_MB, sizeof peak_MB);
        if (!bytes.empty()) {  // rank 0
            peaks.resize(bytes.size() / sizeof(double));
            std::memcpy(peaks.data(), bytes.data(), bytes.size());
        }
    }
    if (!root) {  // the other ranks hand back their figures only
        const SimulationResult empty;
        res.sensors = empty.sensors;
        res.axis.reset();
    }
    auto& st = res.stats;
    st.steps = pl.steps;
    st.cells = (long long)N;
    st.dt_s = pl.dt_s;
    st.runtime_s = runtime;
    st.cell_updates_per_s = runtime > 0 ? double(N) * pl.steps / runtime : 0;
    st.threads = omp_get_max_threads();
    st.ranks = n_ranks;
    st.peak_memory_MB_per_rank = peaks;
    st.peak_memory_MB = *std::max_element(peaks.begin(), peaks.end());
    st.field_bytes_per_cell = pl.field_bytes_per_cell;
    return res;
}

}  // namespace lithosim
