// Case convergence (issue 2 §4.7): the observed order of the spatial discretisation on a smooth linear problem.
//
// Set-up (1D, lossless linear, c = 1500): a smooth 1 MHz Gaussian-modulated sine (FWHM 2 cycles) leaves a plane
// source on a node; a sensor on a node 10 wavelengths away records it. The same case runs on three grids h, h/2,
// h/4 and on a reference grid h/16, all with the same time step dt (the reference grid's cfl 0.5, so the coarse
// grids run at a small cfl). With a common dt, the time-stepping error is the same operator in every run and the
// difference between a grid and the reference is the spatial error alone, e(h) = C h^p (this is the "spatial-only"
// measure: no time-error floor can hide the spatial order). The source (a band-limited Lanczos-3 spread, exact for
// k dx < 2π/3) and the sensors (on nodes) add no error of their own.
//
// Error norm: relative L2 over the whole sensor record, e = sqrt(Σ(p_h − p_ref)² / Σ p_ref²).
// Observed order p = ln(e(h/2)/e(h/4))/ln 2 from the two finest grids (analytic::observed_order), the coarser pair
// printed in the log. Row: error = nominal order − observed order; pass iff <= 0.5 for order 4 (observed >= 3.5) and
// <= 0.2 for order 2 (observed >= 1.8).
// Grids: order 4 at 6/12/24 points per wavelength at f0, order 2 at 16/32/64 (both in the asymptotic range, with
// errors well above single-precision round-off ~1e-6); the full variant adds a finer level to each.
#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "validation/analytic.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {

constexpr char kCase[] = "convergence";

/// Sensor record of the 1D pulse at `ppw` points per wavelength, run with the time step dt.
std::vector<float> run_grid(int order, double ppw, double dt, const RunHooks& hooks) {
    const double c = 1500, f0 = 1e6, fwhm = 2.0, lambda = c / f0;
    const double dx = lambda / ppw;
    const double z_src = 2 * lambda, z_sens = z_src + 10 * lambda, Z = z_sens + 2 * lambda;
    const double t_end = 10 * lambda / c + 12 * smooth_pulse_width_s(f0, fwhm);
    SimulationSpec spec = linear_spec(1, dx, {0, 0, Z}, t_end, 1000.0, c);
    spec.solver.order = order;
    spec.time.cfl = c * dt / dx;
    spec.sources.push_back(plane_pulse_source(z_src, f0, fwhm));
    spec.sensors.points_m = {{0, 0, z_sens}};
    return run(spec, hooks, fmt(kCase, ": order ", order, " at ", ppw, " points per wavelength"))
        .sensors.p_Pa[0];
}

double relative_l2(const std::vector<float>& a, const std::vector<float>& ref) {
    double se = 0, sr = 0;
    for (std::size_t n = 0; n < std::min(a.size(), ref.size()); ++n) {
        se += (double(a[n]) - ref[n]) * (double(a[n]) - ref[n]);
        sr += double(ref[n]) * ref[n];
    }
    return std::sqrt(se / sr);
}

}  // namespace

std::vector<Row> run_convergence(bool full, const RunHooks& hooks) {
    std::vector<Row> rows;
    struct Study {
        int order;
        double ppw_coarse;
        double min_order;
    };
    for (const Study st : {Study{4, 6.0, 3.5}, Study{2, 16.0, 1.8}}) {
        const int levels = full ? 4 : 3;
        std::vector<double> ppw;
        for (int l = 0; l < levels; ++l) ppw.push_back(st.ppw_coarse * std::pow(2.0, l));
        const double ppw_ref = ppw.back() * 4;
        const double dt = 0.5 * (1.5e-3 / ppw_ref) / 1500;  // reference grid at cfl 0.5
        const std::vector<float> ref = run_grid(st.order, ppw_ref, dt, hooks);
        std::vector<double> err;
        for (double p : ppw) {
            err.push_back(relative_l2(run_grid(st.order, p, dt, hooks), ref));
            log(hooks, fmt(kCase, ": order ", st.order, ", ", p, " PPW: relative L2 error ", err.back()));
        }
        for (std::size_t l = 1; l + 1 < err.size(); ++l)
            log(hooks, fmt(kCase, ": order ", st.order, ", ", ppw[l - 1], " -> ", ppw[l], " PPW: observed order ",
                           analytic::observed_order(err[l - 1], err[l], 2.0)));
        const std::size_t f = err.size() - 1;
        const double p_obs = analytic::observed_order(err[f - 1], err[f], 2.0);
        rows.push_back(measured_row(kCase,
                                    fmt("observed order, order-", st.order, " stencil, ", ppw[f - 1], " -> ",
                                        ppw[f], " PPW (relative L2 errors ", err[f - 1], ", ", err[f], ")"),
                                    "order", p_obs, st.order, st.order - p_obs, st.order - st.min_order));
    }
    return rows;
}

}  // namespace lithosim::validation::detail
