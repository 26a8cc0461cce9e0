// Case power_law_absorption (issue 2 §4.4): attenuation α(f) = α0 f^y and the phase speed that Kramers-Kronig
// requires with it, measured by spectral ratio between two depths (physics-numerics.md §5.9).
//  - attenuation: α_ref = α0 f_MHz^y dB/cm in Np/m (analytic::power_law_attenuation_np_per_m); tolerance 5 %.
//  - phase speed: c_ref(f) from 1/c = 1/c(f_ref) + α0 tan(πy/2)(ω^{y−1} − ω_ref^{y−1})
//    (analytic::power_law_phase_speed; Szabo-type relation as in k-Wave powerLawKramersKronig.m) with the solver's
//    anchor c(f_ref = 1 MHz) = c of the medium; tolerance 1 m/s. For y = 2, tan(π) = 0: no dispersion.
//
// Set-up (1D, linear): ρ = 1000, c = 1500, α0 = 2 dB/(cm MHz^y), for y = 1.1 (relaxation mechanisms fitted over the
// solver's default band 50 kHz-5 MHz) and y = 2 (the exact thermoviscous term). A large α0 makes the attenuation
// over the 20 mm between the sensors (0.21-1.0 Np at y = 1.1, 0.12-1.8 Np at y = 2) dominate every numerical
// error. A smooth broadband pulse (Gaussian-modulated 1.2 MHz sine, FWHM 0.8 cycles: spectrum above a third of
// its peak over 0.5-2 MHz) leaves a plane source; each sensor's record is Fourier transformed over its pulse
// (±(6 envelope widths + 2 µs) around the arrival; echoes from the far PML arrive later). With P1, P2 the spectra:
//    α(f) = ln|P1/P2| / Δz,    1/c(f) = 1/c0 − φ/(ω Δz),  φ = arg(P2/P1) + ω Δz/c0 wrapped to (−π, π],
// the second being the unwrapped phase delay written relative to the nominal speed c0 (|φ| < 0.2 rad here).
// Grid: 30 points per wavelength at 2 MHz (60 in the full variant) and cfl 0.1, so that the grid's own phase
// error stays small against the 1 m/s tolerance: the leapfrog step adds +c (ω dt)²/24 (0.8 m/s at 2 MHz with
// 15 points per wavelength and cfl 0.3, 0.03 m/s here), and for y = 2 the viscous stress, formed from div u at
// t^{n+1/2} but used with p at t^{n+1}, adds +c ω² δ dt/(4c²) (1.0 m/s at dt = 10 ns, 0.17 m/s here). What
// remains for y = 2 is mostly physical: the exact thermoviscous wavenumber ω/(c sqrt(1 + iωδ/c²)) is faster than c
// by (3/8)(ωδ/c²)² c = 0.27 m/s at 2 MHz, a second-order effect outside the first-order power-law relation.
#include <cmath>
#include <numbers>

#include "core/errors.hpp"
#include "solver/simulation.hpp"
#include "validation/analytic.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {

constexpr double pi = std::numbers::pi;
constexpr char kCase[] = "power_law_absorption";

}  // namespace

std::vector<Row> run_power_law_absorption(bool full, const RunHooks& hooks) {
    const double rho = 1000, c0 = 1500, alpha_dB = 2.0;
    const double f_pulse = 1.2e6, fwhm = 0.8;
    const double ppw_2MHz = full ? 60.0 : 30.0;
    const double dx = c0 / (2e6 * ppw_2MHz);
    const double w = smooth_pulse_width_s(f_pulse, fwhm), tc = smooth_pulse_centre_s(f_pulse, fwhm);
    const double z_src = 10 * dx;
    const double z1 = z_src + std::round(5e-3 / dx) * dx;
    const double z2 = z1 + std::round(20e-3 / dx) * dx;
    const double dz = z2 - z1;
    const double Z = z2 + std::round(10e-3 / dx) * dx;
    const double half = 6 * w + 2e-6;
    const double t1 = (z1 - z_src) / c0 + tc, t2 = (z2 - z_src) / c0 + tc;

    std::vector<Row> rows;
    for (const double y : {1.1, 2.0}) {
        SimulationSpec spec = linear_spec(1, dx, {0, 0, Z}, t2 + half, rho, c0);
        spec.medium.uniform = MaterialProps{rho, c0, alpha_dB, y, 0.0};
        spec.solver.absorption = true;
        spec.time.cfl = 0.1;
        spec.sources.push_back(plane_pulse_source(z_src, f_pulse, fwhm));
        spec.sensors.points_m = {{0, 0, z1}, {0, 0, z2}};
        const RunPlan plan = plan_run(spec);
        if (plan.relaxation_fit_error > 0)
            log(hooks, fmt(kCase, ": y = ", y, ": relaxation fit error ", 100 * plan.relaxation_fit_error,
                           " % (attenuation), ", plan.relaxation_speed_error, " m/s (speed vs Kramers-Kronig)"));
        const SimulationResult res = run(spec, hooks, fmt(kCase, ": y = ", y, ", alpha0 = ", alpha_dB,
                                                           " dB/(cm MHz^y), ", ppw_2MHz, " PPW at 2 MHz"));
        const double dt = res.stats.dt_s;
        // Each record cut to its pulse window (samples outside set to zero) before the transform.
        auto cut = [&](const std::vector<float>& p, double t_mid) {
            std::vector<float> q(p.size(), 0.0f);
            for (std::size_t n = 0; n < p.size(); ++n)
                if (std::abs(n * dt - t_mid) <= half) q[n] = p[n];
            return q;
        };
        const auto r1 = cut(res.sensors.p_Pa[0], t1), r2 = cut(res.sensors.p_Pa[1], t2);
        const double alpha0_np = analytic::db_per_cm_per_MHzy_to_np_per_m_per_radps_y(alpha_dB, y);
        for (const double f : {0.5e6, 1e6, 2e6}) {
            const std::complex<double> P1 = fourier(r1, dt, f), P2 = fourier(r2, dt, f);
            const double alpha_sim = std::log(std::abs(P1) / std::abs(P2)) / dz;
            const double alpha_ref = analytic::power_law_attenuation_np_per_m(f, alpha_dB, y);
            const double omega = 2 * pi * f;
            const double phi = std::remainder(std::arg(P2 / P1) + omega * dz / c0, 2 * pi);
            const double c_sim = 1 / (1 / c0 - phi / (omega * dz));
            const double c_ref = analytic::power_law_phase_speed(f, spec.solver.band.f_ref_Hz, c0, alpha0_np, y);
            const std::string at = fmt("y = ", y, ", ", f * 1e-6, " MHz");
            rows.push_back(relative_row(kCase, "attenuation " + at + " [Np/m]", alpha_sim, alpha_ref, 5.0));
            rows.push_back(absolute_row(kCase, "phase speed " + at + " (Kramers-Kronig)", "m/s", c_sim, c_ref, 1.0));
        }
    }
    return rows;
}

}  // namespace lithosim::validation::detail
