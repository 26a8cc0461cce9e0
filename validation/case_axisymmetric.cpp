// Cases of the axisymmetric (r, z) solver (issue 3 §1):
//
// piston_axisymmetric: the on-axis field of a baffled circular piston (radius 5 mm, 1 MHz, water-like
//   c = 1500 m/s) against p(z) = 2 rho c u0 |sin(k/2 (sqrt(z^2 + a^2) - z))| (the set-up of k-Wave's
//   kspaceFirstOrderAS_piston_analytical test: 12 points per wavelength, cfl 0.25, 3 steady periods). Error:
//   max over the axis (from 0.5 mm in front of the piston) of |p_sim - p_ref|, in % of the reference peak; <= 1 %.
//
// axisymmetric_vs_3d: a focused bowl (aperture 30 mm, radius of curvature 25 mm) sends a lithotripter pulse
//   (Church form with a 300 kHz oscillation, 3e6 1/s decay, 0.2 us rise) into absorbing, nonlinear water; the
//   p0 of 13 MPa gives p+ of about 50 MPa at the focus on this grid. The axisymmetric run and the 3D run on the
//   same cell size must give p+, p-, the EFD at the focus within 2 % and the focus within half a cell.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "planning/field_metrics.hpp"
#include "validation/analytic.hpp"
#include "core/errors.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {
constexpr char kPiston[] = "piston_axisymmetric";
constexpr char kVs3d[] = "axisymmetric_vs_3d";
}  // namespace

std::vector<Row> run_piston_axisymmetric(bool full, const RunHooks& hooks) {
    const double f0 = 1e6, c = 1500, rho = 1000, a = 5e-3, z0 = 1e-3, p0 = 1e5;
    std::vector<Row> rows;
    for (const double ppw : full ? std::vector<double>{12, 24} : std::vector<double>{12}) {
        SimulationSpec spec = linear_spec(2, c / f0 / ppw, {10e-3, 0, 32e-3}, 40e-6, rho, c);
        spec.grid.axisymmetric = true;
        spec.time.cfl = 0.25;
        SourceSpec src;
        src.type = SourceType::Piston;
        src.aperture_m = 2 * a;
        src.position_m = {0, 0, z0};
        src.p0_Pa = p0;
        src.waveform.type = WaveformType::ToneBurst;
        src.waveform.f0_Hz = f0;
        src.waveform.cycles = 60;
        spec.sources.push_back(src);
        spec.sensors.axis_series = true;
        const SimulationResult res = run(spec, hooks, fmt(kPiston, ": ", ppw, " points per wavelength"));
        const double dt = res.stats.dt_s;
        const long n = std::lround(3 / f0 / dt);  // the last three periods: steady on the whole axis by 40 us
        double peak_ref = 0, max_err = 0, z_err = 0;
        for (std::size_t k = 0; k < res.axis->position_m.size(); ++k) {
            const double z = res.axis->position_m[k][2];
            if (z < z0 + 0.5e-3) continue;
            const auto& rec = res.axis->p_Pa[k];
            const double amp = std::abs(tone(rec, dt, f0, long(rec.size()) - n, n));
            const double ref = analytic::piston_axial_amplitude(z - z0, a, f0, c, rho, p0 / (rho * c));
            peak_ref = std::max(peak_ref, ref);
            if (std::abs(amp - ref) > max_err) {
                max_err = std::abs(amp - ref);
                z_err = z;
            }
        }
        rows.push_back(measured_row(kPiston,
                                    fmt("on-axis L-inf error at ", ppw, " PPW (worst at z = ", z_err * 1e3,
                                        " mm) [Pa: max |sim - ref|, reference peak]"),
                                    "%", max_err, peak_ref, 100 * max_err / peak_ref, 1.0));
    }
    return rows;
}

std::vector<Row> run_axisymmetric_vs_3d(bool full, const RunHooks& hooks) {
    const double dx = full ? 0.15e-3 : 0.2e-3;
    auto spec_for = [&](bool axi) {
        SimulationSpec s;
        s.grid.dims = axi ? 2 : 3;
        s.grid.axisymmetric = axi;
        s.grid.dx_m = dx;
        s.grid.size_m = axi ? std::array<double, 3>{17e-3, 0, 30e-3} : std::array<double, 3>{34e-3, 34e-3, 30e-3};
        s.grid.pml_cells = 10;
        s.time.t_end_s = 24e-6;
        s.medium.uniform = {998.2, 1482.46, 2.19e-3, 2, 4.965};  // water at 20 degC (models/README.md)
        SourceSpec src;
        src.type = SourceType::Bowl;
        src.aperture_m = 30e-3;
        src.focal_length_m = 25e-3;
        src.position_m = {0, 0, 1e-3};
        src.p0_Pa = 13e6;
        src.waveform.type = WaveformType::Lithotripter;
        src.waveform.church_omega_rad_per_s = 2 * std::numbers::pi * 300e3;
        src.waveform.church_alpha_per_s = 3e6;
        src.waveform.rise_s = 0.2e-6;
        s.sources.push_back(src);
        s.sensors.axis_series = true;
        return s;
    };
    auto summarise = [&](bool axi) {
        const SimulationResult r = run(spec_for(axi), hooks, fmt(kVs3d, axi ? ": axisymmetric" : ": 3D", " run"));
        return planning::summarise_field(*r.p_max, *r.p_min, *r.efd, *r.axis);
    };
    const auto a = summarise(true);
    const auto b = summarise(false);
    std::vector<Row> rows;
    rows.push_back(relative_row(kVs3d, "p+ at the focus, axisymmetric vs 3D [MPa]", a.p_plus_MPa, b.p_plus_MPa, 2.0));
    rows.push_back(relative_row(kVs3d, "p- at the focus, axisymmetric vs 3D [MPa]", a.p_minus_MPa, b.p_minus_MPa, 2.0));
    rows.push_back(relative_row(kVs3d, "EFD at the focus, axisymmetric vs 3D [mJ/mm^2]", a.efd_focus_mJ_per_mm2,
                                b.efd_focus_mJ_per_mm2, 2.0));
    rows.push_back(absolute_row(kVs3d, "focus z, axisymmetric vs 3D", "mm", a.focus_mm[2], b.focus_mm[2], 0.5 * dx * 1e3));
    rows.push_back(measured_row(kVs3d, "p+ at the focus in the band of a lithotripter focus (50-100 MPa)", "MPa",
                                b.p_plus_MPa, 75.0, std::abs(b.p_plus_MPa - 75.0), 25.0));
    return rows;
}

}  // namespace lithosim::validation::detail
