// Case pml (issue 2 §4.5): the reflection from the convolutional PML at normal and at 45° incidence, <= −40 dB.
//
// Method: two 2D runs of the same pulse on the same grid (same dx, dt and node positions relative to the source),
// differing only in where the boundary is. In the test run the top boundary (z = Z) is close; in the reference run
// the physical region is larger on every side by half the distance sound travels during the run (+2 mm), so its
// boundaries' echoes reach the sensors only after the measurement window. Inside the window the interior scheme is
// identical, so p_test − p_ref at a sensor is exactly the wave the test run's boundary sent back. The sensors sit on
// the test run's last physical row, z = Z, where incident and reflected waves meet at the same time after the same
// path: the normal sensor straight above the source, the 45° sensor displaced sideways by the source's distance to
// the boundary. There
//     level = 20 log10( max|p_test − p_ref| / max|p_ref| )    (maxima over the window),
// i.e. the reflected over the incident peak at the boundary (error in dB; pass iff <= −40 dB).
//
// Source: a small piston (aperture 0.3 λ at f0 = 1 MHz) is a line source in 2D, nearly omnidirectional; its pulse is
// a smooth broadband Gaussian-modulated sine (FWHM 1 cycle: content from ~0.3 to ~1.8 MHz). Layout: source 5 mm
// above the bottom, top boundary 10 mm above the source, sides 20 mm from the axis; 12 points per wavelength at f0
// (20 in the full variant). The window at each sensor closes before the echo of any other boundary of the test run
// (bottom or side: other incidence angles) starts, so each level belongs to one angle. The PML is the solver's
// default (pml_cells = 20).
#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {

constexpr char kCase[] = "pml";

struct Layout {
    double dx, x_half, z_src, z_top;  // test-run geometry: x in [−x_half, x_half], z in [0, z_top]
    int extra;                        // cells the reference run adds on every side
};

SimulationResult run_pml_case(const Layout& L, bool reference, double t_end, const RunHooks& hooks) {
    const double f0 = 1e6;
    const double shift = reference ? L.extra * L.dx : 0.0;  // z origin moves; x stays centred
    SimulationSpec spec =
        linear_spec(2, L.dx, {2 * (L.x_half + shift), 0, L.z_top + 2 * shift}, t_end, 1000.0, 1500.0);
    SourceSpec src;
    src.type = SourceType::Piston;
    src.aperture_m = 0.3 * 1500.0 / f0;
    src.position_m = {0, 0, L.z_src + shift};
    src.p0_Pa = 1e5;
    src.waveform = smooth_pulse(f0, 1.0);
    spec.sources.push_back(src);
    const double D = L.z_top - L.z_src;
    spec.sensors.points_m = {{0, 0, L.z_top + shift}, {D, 0, L.z_top + shift}};
    return run(spec, hooks, fmt(kCase, reference ? ": reference run (larger domain)" : ": test run"));
}

}  // namespace

std::vector<Row> run_pml(bool full, const RunHooks& hooks) {
    const double c = 1500, f0 = 1e6, ppw = full ? 20.0 : 12.0;
    const double dx = c / (f0 * ppw);
    Layout L;
    L.dx = dx;
    L.z_src = std::round(5e-3 / dx) * dx;
    L.z_top = L.z_src + std::round(10e-3 / dx) * dx;
    L.x_half = std::round(20e-3 / dx) * dx;
    const double D = L.z_top - L.z_src;
    const double tc = smooth_pulse_centre_s(f0, 1.0), w = smooth_pulse_width_s(f0, 1.0);
    // Window ends: the first echo from another boundary of the test run (bottom image at z = −z_src, side image at
    // x = 2 x_half) begins 4 envelope widths before its centre (envelope e^{−8} there).
    const double bottom_normal = L.z_top + L.z_src;
    const double side_normal = std::hypot(2 * L.x_half, D);
    const double bottom_45 = std::hypot(D, L.z_top + L.z_src);
    const double side_45 = std::hypot(2 * L.x_half - D, D);
    const double t_win_normal = std::min(bottom_normal, side_normal) / c + tc - 4 * w;
    const double t_win_45 = std::min(bottom_45, side_45) / c + tc - 4 * w;
    const double t_end = std::max(t_win_normal, t_win_45);
    // Reference run: its own echoes travel at least 2 × extra further than the test run's top echo; they must start
    // after t_end at both sensors.
    L.extra = int(std::ceil((0.5 * (c * t_end) + 2e-3) / dx));

    const SimulationResult test = run_pml_case(L, false, t_end, hooks);
    const SimulationResult ref = run_pml_case(L, true, t_end, hooks);
    const double dt = test.stats.dt_s;

    std::vector<Row> rows;
    const double windows[2] = {t_win_normal, t_win_45};
    const char* names[2] = {"normal incidence", "45 deg incidence"};
    for (int s = 0; s < 2; ++s) {
        const auto& pt = test.sensors.p_Pa[s];
        const auto& pr = ref.sensors.p_Pa[s];
        double refl = 0, inc = 0;
        for (std::size_t n = 0; n < std::min(pt.size(), pr.size()); ++n) {
            if (n * dt > windows[s]) break;
            refl = std::max(refl, std::abs(double(pt[n]) - double(pr[n])));
            inc = std::max(inc, std::abs(double(pr[n])));
        }
        rows.push_back(measured_row(kCase,
                                    fmt("boundary reflection, ", names[s],
                                        " [Pa: reflected peak, incident peak]"),
                                    "dB", refl, inc, 20 * std::log10(refl / inc), -40.0));
    }
    return rows;
}

}  // namespace lithosim::validation::detail
