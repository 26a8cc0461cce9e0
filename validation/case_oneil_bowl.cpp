// Case oneil_bowl (issue 2 §4.1 and §3.7): the linear continuous-wave field on the axis of a focused spherical bowl
// against O'Neil's solution (O'Neil, JASA 21(5):516-526, 1949; analytic::oneil_axial_amplitude;
// physics-numerics.md §5.6).
//
// Set-up: bowl R = 15 mm, aperture D = 15 mm (rim height h = 2.01 mm, focal gain k h = 8.4 at 1 MHz) in water-like
// lossless linear fluid (rho = 1000, c = 1500), a 10-cycle 1 MHz tone burst. The apex sits 4 cells into the
// physical region; the transverse sizes hold an odd number of nodes so the beam axis is a row of nodes, recorded by
// SensorSpec::axis_series. The time step holds a whole number of steps per period, so the amplitude at each axis
// node is one DFT bin over 4 whole periods of the steady part of its record: the window starts one period (the
// burst's taper) after the last surface contribution arrives (the farthest surface point: the rim for z < R, the
// apex beyond) and ends before the first one (the nearest surface point) stops.
//
// Compared: the peak amplitude and its position (both parabolically interpolated through the three nodes around
// the largest; the reference maximum found by a dense scan refined by golden section), and the RMS error over the
// nodes in 0.5-1.5 R, normalised by the RMS of the reference there: sqrt(Σ(p_sim − p_ref)² / Σ p_ref²). The focus
// position is checked again on a 6-points-per-wavelength grid (issue 2 §3.7).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/errors.hpp"
#include "validation/analytic.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {

constexpr char kCase[] = "oneil_bowl";

struct Bowl {
    double R = 15e-3, D = 15e-3, f0 = 1e6, c = 1500.0, rho = 1000.0, p0 = 1e5;
    int cycles = 10;
    double u0() const { return p0 / (rho * c); }
    double reference(double z_rel) const { return analytic::oneil_axial_amplitude(z_rel, R, D, f0, c, rho, u0()); }
};

struct AxisProfile {
    std::vector<double> z_rel, sim, ref;  // distance from the apex (m), amplitudes (Pa)
};

struct Peak {
    double z_rel, value;
};

/// Parabola through the largest sample and its neighbours.
Peak interpolated_peak(const std::vector<double>& z, const std::vector<double>& a) {
    const std::size_t k = std::max_element(a.begin(), a.end()) - a.begin();
    if (k == 0 || k + 1 >= a.size()) return {z[k], a[k]};
    const double am = a[k - 1], a0 = a[k], ap = a[k + 1];
    const double den = am - 2 * a0 + ap;
    const double d = den < 0 ? 0.5 * (am - ap) / den : 0.0;
    return {z[k] + d * (z[k + 1] - z[k]), a0 - 0.25 * (am - ap) * d};
}

/// Maximum of the O'Neil amplitude over [z0, z1]: scan at 10 µm, then golden section around the best sample.
Peak reference_peak(const Bowl& b, double z0, double z1) {
    const double step = 10e-6;
    double best_z = z0, best = -1;
    for (double z = z0; z <= z1; z += step)
        if (b.reference(z) > best) best = b.reference(z), best_z = z;
    double lo = std::max(z0, best_z - step), hi = std::min(z1, best_z + step);
    const double g = (std::sqrt(5.0) - 1) / 2;
    for (int it = 0; it < 100; ++it) {
        const double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
        if (b.reference(x1) < b.reference(x2)) lo = x1;
        else hi = x2;
    }
    const double z = 0.5 * (lo + hi);
    return {z, b.reference(z)};
}

/// Runs the bowl at `ppw` points per wavelength and measures the steady amplitude at the axis nodes in 0.5-1.5 R.
AxisProfile run_bowl(const Bowl& b, double ppw, const RunHooks& hooks) {
    const double dx = b.c / (b.f0 * ppw), T = 1 / b.f0, a = b.D / 2;
    const int n_half = int(std::ceil(a / dx)) + 4;        // rim + Lanczos-3 support + 1 cell
    const double apex = 4 * dx;
    const double Z = apex + std::ceil(1.5 * b.R / dx + 4) * dx;
    const double h = analytic::oneil_rim_height_m(b.R, b.D);
    // Nearest and farthest surface points from (0, 0, z): apex and rim (swapped beyond the centre of curvature).
    auto nearest = [&](double z_rel) { return std::min(z_rel, std::hypot(z_rel - h, a)); };
    auto farthest = [&](double z_rel) { return std::max(z_rel, std::hypot(z_rel - h, a)); };
    // The run ends when the last window (at 1.5 R, whose nearest surface point is farthest away) has closed.
    const double t_end = nearest(1.5 * b.R) / b.c + (b.cycles - 1.0) * T;
    SimulationSpec spec = linear_spec(3, dx, {2 * n_half * dx, 2 * n_half * dx, Z}, t_end, b.rho, b.c);
    // 12 PML cells instead of the default 20 save a third of the cells; the layer only absorbs the bowl's backward
    // wave (amplitude p0, against 9 p0 at the focus) and the spreading beam, at −60 dB or better (see case pml).
    spec.grid.pml_cells = 12;
    int m = 0;
    spec.time.cfl = cfl_for_whole_periods(b.c, dx, b.f0, 0.3, &m);
    SourceSpec src;
    src.type = SourceType::Bowl;
    src.aperture_m = b.D;
    src.focal_length_m = b.R;
    src.position_m = {0, 0, apex};
    src.p0_Pa = b.p0;
    src.waveform.type = WaveformType::ToneBurst;
    src.waveform.f0_Hz = b.f0;
    src.waveform.cycles = b.cycles;
    spec.sources.push_back(src);
    spec.sensors.axis_series = true;
    const SimulationResult res = run(spec, hooks, fmt(kCase, ": bowl at ", ppw, " points per wavelength"));

    const auto& axis = *res.axis;
    const double dt = res.stats.dt_s;
    AxisProfile prof;
    for (std::size_t k = 0; k < axis.position_m.size(); ++k) {
        const double z_rel = axis.position_m[k][2] - apex;
        if (z_rel < 0.5 * b.R - 1e-9 || z_rel > 1.5 * b.R + 1e-9) continue;
        const double t_first_end = nearest(z_rel) / b.c + (b.cycles - 1.25) * T;
        const double t_last_start = farthest(z_rel) / b.c + 1.25 * T;
        const long last = long(std::floor(t_first_end / dt));
        const long first = last - 4 * m;
        if (first * dt < t_last_start)
            throw std::logic_error(fmt(kCase, ": no 4-period steady window at z = ", z_rel * 1e3, " mm from the apex"));
        prof.z_rel.push_back(z_rel);
        prof.sim.push_back(std::abs(tone(axis.p_Pa[k], dt, b.f0, first, 4 * m)));
        prof.ref.push_back(b.reference(z_rel));
    }
    return prof;
}

}  // namespace

std::vector<Row> run_oneil_bowl(bool full, const RunHooks& hooks) {
    const Bowl b;
    const double ppw = full ? 12.0 : 9.0;
    std::vector<Row> rows;
    const Peak ref_peak = reference_peak(b, 0.5 * b.R, 1.5 * b.R);
    {
        const AxisProfile p = run_bowl(b, ppw, hooks);
        const Peak sim_peak = interpolated_peak(p.z_rel, p.sim);
        double se = 0, sr = 0;
        for (std::size_t k = 0; k < p.sim.size(); ++k) {
            se += (p.sim[k] - p.ref[k]) * (p.sim[k] - p.ref[k]);
            sr += p.ref[k] * p.ref[k];
        }
        const double n = double(p.sim.size());
        const std::string at = fmt(" (", ppw, " PPW)");
        rows.push_back(
            relative_row(kCase, "on-axis peak amplitude" + at + " [Pa]", sim_peak.value, ref_peak.value, 2.0));
        rows.push_back(absolute_row(kCase, "on-axis peak position from apex" + at, "mm", sim_peak.z_rel * 1e3,
                                    ref_peak.z_rel * 1e3, 0.5));
        rows.push_back(measured_row(kCase, "on-axis RMS error 0.5-1.5 R" + at + " [Pa: rms(sim-ref), rms(ref)]", "%",
                                    std::sqrt(se / n), std::sqrt(sr / n), 100 * std::sqrt(se / sr), 5.0));
    }
    {
        const AxisProfile p = run_bowl(b, 6.0, hooks);
        const Peak sim_peak = interpolated_peak(p.z_rel, p.sim);
        rows.push_back(absolute_row(kCase, "focus position from apex at 6 PPW (vs O'Neil maximum)", "mm",
                                    sim_peak.z_rel * 1e3, ref_peak.z_rel * 1e3, 0.5));
    }
    return rows;
}

}  // namespace lithosim::validation::detail
