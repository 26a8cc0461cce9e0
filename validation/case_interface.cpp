// Case interface (issue 2 §4.3): normal-incidence reflection and transmission at a planar fluid-fluid interface.
// Pressure coefficients R = (Z2 − Z1)/(Z2 + Z1), T = 2 Z2/(Z1 + Z2), Z = ρ c (analytic::normal_incidence;
// physics-numerics.md §5.8). Tolerance: 1 % relative on R and on T.
//
// Set-up (1D): water (preset "water") for z < z_i and soft tissue or cortical bone (presets "soft_tissue",
// "bone_cortical"; models/tissue.cpp gives their sources) beyond, through MediumSpec::at; absorption and
// nonlinearity off, so R and T do not depend on frequency. The interface lies half-way between two nodes, where
// the solver's staggered density is the mean of the two sides. A smooth 1 MHz Gaussian-modulated pulse
// (smooth_pulse, FWHM 1.5 cycles) leaves a plane source; sensor A in the water sees the incident pulse and, 16 µs
// later, the reflected one; sensor B in the second medium sees the transmitted pulse. Each pulse is taken over
// ±6 envelope widths around its arrival. In a lossless non-dispersive medium each pulse is the incident one scaled
// by R or T, so R² = E_r/E_i and T² = E_t/E_i with E = ∫p² dt over the pulse (an energy ratio is insensitive to the
// grid's phase dispersion, which reshapes a pulse without changing ∫p² dt); the sign of R is the sign of the ratio of
// the reflected and incident extrema.
#include <algorithm>
#include <cmath>

#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "validation/analytic.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {

constexpr char kCase[] = "interface";

MaterialProps lossless(const models::TissueProperties& t) {
    return MaterialProps{t.rho_kg_per_m3, t.c_m_per_s, 0.0, 2.0, 0.0};
}

struct Coefficients {
    double R, T;
};

Coefficients run_interface_pair(const std::string& medium2, double ppw, const RunHooks& hooks) {
    const MaterialProps m1 = lossless(models::tissue_preset("water"));
    const MaterialProps m2 = lossless(models::tissue_preset(medium2));
    const double f0 = 1e6, fwhm = 1.5;
    const double c1 = m1.c_m_per_s, c2 = m2.c_m_per_s;
    const double dx = c1 / (f0 * ppw);
    const double w = smooth_pulse_width_s(f0, fwhm), tc = smooth_pulse_centre_s(f0, fwhm);
    // Node positions (multiples of dx): source, sensor A, interface (half a cell past a node), sensor B.
    const double z_src = 10 * dx;
    const double z_a = z_src + std::round(8e-3 / dx) * dx;
    const double z_i = z_a + (std::round(12e-3 / dx) + 0.5) * dx;
    const double z_b = z_i + (std::round(8e-3 / dx) - 0.5) * dx;
    const double Z = z_b + std::round(8e-3 / dx) * dx;
    const double t_inc = (z_a - z_src) / c1 + tc;
    const double t_ref = (2 * z_i - z_a - z_src) / c1 + tc;
    const double t_tra = (z_i - z_src) / c1 + (z_b - z_i) / c2 + tc;
    const double half = 6 * w;

    SimulationSpec spec = linear_spec(1, dx, {0, 0, Z}, std::max(t_ref, t_tra) + half + 1e-6, m1.rho_kg_per_m3, c1);
    spec.medium.at = [=](const std::array<double, 3>& x) { return x[2] < z_i ? m1 : m2; };
    spec.sources.push_back(plane_pulse_source(z_src, f0, fwhm));
    spec.sensors.points_m = {{0, 0, z_a}, {0, 0, z_b}};
    const SimulationResult res = run(spec, hooks, fmt(kCase, ": water -> ", medium2, " at ", ppw, " PPW in water"));

    const double dt = res.stats.dt_s;
    const auto& pa = res.sensors.p_Pa[0];
    const auto& pb = res.sensors.p_Pa[1];
    const double e_inc = energy(pa, dt, t_inc - half, t_inc + half);
    const double e_ref = energy(pa, dt, t_ref - half, t_ref + half);
    const double e_tra = energy(pb, dt, t_tra - half, t_tra + half);
    const double sign = extremum(pa, dt, t_ref - half, t_ref + half) / extremum(pa, dt, t_inc - half, t_inc + half) < 0
                            ? -1.0
                            : 1.0;
    return {sign * std::sqrt(e_ref / e_inc), std::sqrt(e_tra / e_inc)};
}

}  // namespace

std::vector<Row> run_interface(bool full, const RunHooks& hooks) {
    const double ppw = full ? 60.0 : 30.0;
    std::vector<Row> rows;
    for (const std::string medium2 : {"soft_tissue", "bone_cortical"}) {
        const auto& a = models::tissue_preset("water");
        const auto& b = models::tissue_preset(medium2);
        const analytic::InterfaceCoefficients ref =
            analytic::normal_incidence(a.rho_kg_per_m3, a.c_m_per_s, b.rho_kg_per_m3, b.c_m_per_s);
        const Coefficients sim = run_interface_pair(medium2, ppw, hooks);
        rows.push_back(relative_row(kCase, "R water -> " + medium2 + " (pressure, signed)", sim.R, ref.R, 1.0));
        rows.push_back(relative_row(kCase, "T water -> " + medium2 + " (pressure)", sim.T, ref.T, 1.0));
    }
    return rows;
}

}  // namespace lithosim::validation::detail
