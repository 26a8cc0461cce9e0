#include "validation/case_support.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <omp.h>

#include "core/errors.hpp"
#include "solver/simulation.hpp"
#include "validation/analytic.hpp"

namespace lithosim::validation::detail {

namespace {
constexpr double pi = std::numbers::pi;
constexpr std::size_t kSmallGridCells = 300000;  // below this, one thread (see run())
}

Row relative_row(const std::string& case_name, const std::string& quantity, double simulated, double reference,
                 double tolerance_percent) {
    const double err = 100.0 * std::abs(simulated - reference) / std::abs(reference);
    return measured_row(case_name, quantity, "%", simulated, reference, err, tolerance_percent);
}

Row absolute_row(const std::string& case_name, const std::string& quantity, const std::string& unit,
                 double simulated, double reference, double tolerance) {
    return measured_row(case_name, quantity, unit, simulated, reference, std::abs(simulated - reference), tolerance);
}

Row measured_row(const std::string& case_name, const std::string& quantity, const std::string& unit,
                 double simulated, double reference, double error, double tolerance) {
    Row r;
    r.case_name = case_name;
    r.quantity = quantity;
    r.unit = unit;
    r.simulated = simulated;
    r.reference = reference;
    r.error = error;
    r.tolerance = tolerance;
    r.pass = std::isfinite(error) && error <= tolerance;  // a NaN never passes
    return r;
}

SimulationSpec linear_spec(int dims, double dx_m, std::array<double, 3> size_m, double t_end_s, double rho,
                           double c) {
    SimulationSpec s;
    s.grid.dims = dims;
    s.grid.dx_m = dx_m;
    s.grid.size_m = size_m;
    s.time.t_end_s = t_end_s;
    s.medium.uniform = MaterialProps{rho, c, 0.0, 2.0, 0.0};
    s.solver.nonlinear = false;
    s.solver.absorption = false;
    s.sensors.p_max = s.sensors.p_min = s.sensors.efd = false;
    return s;
}

double cfl_for_whole_periods(double c_max, double dx_m, double f0_Hz, double cfl_target, int* steps_per_period) {
    // dt = cfl dx / c_max = 1/(m f0)  =>  m = c_max / (cfl f0 dx); the smallest whole m >= that.
    const double m_exact = c_max / (cfl_target * f0_Hz * dx_m);
    const int m = int(std::ceil(m_exact - 1e-9));
    if (steps_per_period) *steps_per_period = m;
    return c_max / (m * f0_Hz * dx_m);
}

double smooth_pulse_width_s(double f0_Hz, double fwhm_cycles) {
    return fwhm_cycles / f0_Hz / (2.0 * std::sqrt(2.0 * std::log(2.0)));
}

double smooth_pulse_centre_s(double f0_Hz, double fwhm_cycles) {
    return 6.0 * smooth_pulse_width_s(f0_Hz, fwhm_cycles);
}

Waveform smooth_pulse(double f0_Hz, double fwhm_cycles) {
    const double w = smooth_pulse_width_s(f0_Hz, fwhm_cycles), tc = 6.0 * w;
    const double h = 1.0 / (1000.0 * f0_Hz);
    const long n = long(std::ceil(12.0 * w / h));
    Waveform wf;
    wf.type = WaveformType::Samples;
    wf.f0_Hz = f0_Hz;
    wf.t_s.resize(n + 1);
    wf.p.resize(n + 1);
    for (long i = 0; i <= n; ++i) {
        const double t = i * h, e = (t - tc) / w;
        wf.t_s[i] = t;
        wf.p[i] = std::exp(-0.5 * e * e) * std::sin(2.0 * pi * f0_Hz * (t - tc));
    }
    return wf;
}

std::complex<double> tone(const std::vector<float>& record, double dt_s, double f_Hz, long first, long count) {
    if (first < 0 || count <= 0 || first + count > long(record.size()))
        throw std::logic_error(fmt("validation: DFT window [", first, ", ", first + count, ") outside a record of ",
                                   record.size(), " samples; the run is too short for its window"));
    std::vector<double> x(record.begin() + first, record.begin() + first + count);
    // The window starts at t = first dt; shift the phase back so X refers to t = 0 (only |X| is used by callers
    // that compare amplitudes, but phases then compare across windows too).
    const std::complex<double> X = analytic::single_bin_dft(x, dt_s, f_Hz);
    return X * std::polar(1.0, -2.0 * pi * f_Hz * first * dt_s);
}

std::complex<double> fourier(const std::vector<float>& record, double dt_s, double f_Hz) {
    std::complex<double> sum{0.0, 0.0};
    const double dphi = 2.0 * pi * f_Hz * dt_s;
    for (std::size_t n = 0; n < record.size(); ++n) sum += double(record[n]) * std::polar(1.0, -dphi * double(n));
    return sum * dt_s;
}

double energy(const std::vector<float>& record, double dt_s, double t0_s, double t1_s) {
    double e = 0;
    for (std::size_t n = 0; n < record.size(); ++n) {
        const double t = n * dt_s;
        if (t >= t0_s && t <= t1_s) e += double(record[n]) * record[n] * dt_s;
    }
    return e;
}

double extremum(const std::vector<float>& record, double dt_s, double t0_s, double t1_s) {
    double best = 0;
    for (std::size_t n = 0; n < record.size(); ++n) {
        const double t = n * dt_s;
        if (t >= t0_s && t <= t1_s && std::abs(record[n]) > std::abs(best)) best = record[n];
    }
    return best;
}

std::size_t nearest_axis_node(const SensorRecord& axis, double z_m) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < axis.position_m.size(); ++k)
        if (std::abs(axis.position_m[k][2] - z_m) < std::abs(axis.position_m[best][2] - z_m)) best = k;
    return best;
}

void log(const RunHooks& hooks, const std::string& line) {
    if (hooks.log) hooks.log(line);
}

SimulationResult run(const SimulationSpec& spec, const RunHooks& hooks, const std::string& what) {
    const auto t0 = std::chrono::steady_clock::now();
    log(hooks, "validation run: " + what);
    // A small grid (every 1D one) has too little work per step to share: with two threads each step pays several
    // barriers, which cost milliseconds each when other processes load the machine (a 129-cell 1D run took 25 s
    // with two threads, 0.06 s with one). Such runs use one thread; the setting is restored afterwards.
    const int threads = omp_get_max_threads();
    if (spec.grid.dims == 1 || make_grid(spec.grid).cells() < kSmallGridCells) omp_set_num_threads(1);
    SimulationResult res;
    try {
        res = simulate(spec, hooks);
    } catch (...) {
        omp_set_num_threads(threads);
        throw;
    }
    omp_set_num_threads(threads);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log(hooks, fmt("validation run done in ", s, " s: ", res.stats.cells, " cells x ", res.stats.steps, " steps"));
    return res;
}

SourceSpec plane_pulse_source(double z_m, double f0_Hz, double fwhm_cycles, double p0_Pa) {
    SourceSpec src;
    src.type = SourceType::Plane;
    src.position_m = {0, 0, z_m};
    src.p0_Pa = p0_Pa;
    src.waveform = smooth_pulse(f0_Hz, fwhm_cycles);
    return src;
}

}  // namespace lithosim::validation::detail
