// IEC 61846-style field parameters against synthetic fields with analytic answers:
//  * a half-sine compression followed by a half-sine tension: positive phase T+, pulse duration (FWHM) 2 T+ / 3,
//    rise time T+ (asin 0.9 - asin 0.1) / pi, EFD+ = A^2 T+ / (2 rho c), EFD = (A^2 T+ + B^2 T-) / (2 rho c);
//  * a Gaussian beam EFD(rho) = E0 exp(-rho^2 / w^2): energy through a disc of radius R is
//    E0 pi w^2 (1 - exp(-R^2 / w^2)), in 3D and axisymmetric maps, converging with the spacing;
//  * a Gaussian focal spot A exp(-x^2 / (2 sigma^2)): the threshold p_t is crossed at x = sigma sqrt(2 ln(A / p_t)).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "map_fixtures.hpp"
#include "planning/iec61846.hpp"

using lithosim::Map3;
using lithosim::SensorRecord;
using namespace lithosim::planning;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRho = 1000.0, kC = 1500.0;

using lithosim::test::make_map;

/// Square Cartesian plane map of half-width `half` (to the last node at or inside it), spacing d, the axis at
/// fraction `shift` of a cell from a node, EFD = f(rho).
Map3 cartesian_plane(double half, double d, double shift, const std::function<double(double)>& f) {
    const std::size_t n = static_cast<std::size_t>(std::floor(2 * half / d)) + 1;
    const double o = -half + shift * d;
    return make_map(n, n, 1, {o, o, 0.0}, {d, d, 0.0}, [&](double x, double y, double) { return f(std::hypot(x, y)); });
}

/// Axisymmetric plane map [1][nr] out to radius r_max, first node at r0.
Map3 axisymmetric_plane(double r_max, double dr, double r0, const std::function<double(double)>& f) {
    const std::size_t n = static_cast<std::size_t>(std::floor((r_max - r0) / dr)) + 1;
    return make_map(n, 1, 1, {r0, 0.0, 0.0}, {dr, 0.0, 0.0}, [&](double r, double, double) { return f(r); });
}

struct GaussianBeam {
    double E0, w;  // J/m^2, m
    double operator()(double rho) const { return E0 * std::exp(-rho * rho / (w * w)); }
    double disc(double R) const { return E0 * kPi * w * w * (1 - std::exp(-R * R / (w * w))); }
    double total() const { return E0 * kPi * w * w; }
};

/// Half-sine compression of amplitude A and duration Tp from t0, then a half-sine tension of amplitude B and
/// duration Tm, zero elsewhere.
struct HalfSines {
    double A, Tp, B, Tm, t0;
    double operator()(double t) const {
        const double s = t - t0;
        if (s >= 0 && s <= Tp) return A * std::sin(kPi * s / Tp);
        if (s > Tp && s <= Tp + Tm) return -B * std::sin(kPi * (s - Tp) / Tm);
        return 0.0;
    }
    double efd_positive() const { return A * A * Tp / (2 * kRho * kC); }
    double efd_whole() const { return (A * A * Tp + B * B * Tm) / (2 * kRho * kC); }
    double fwhm() const { return 2 * Tp / 3; }  // sin = 1/2 at pi/6 and 5 pi/6
    double rise() const { return Tp * (std::asin(0.9) - std::asin(0.1)) / kPi; }
};

void sample(double dt, std::size_t n, const std::function<double(double)>& f, std::vector<double>& t,
            std::vector<float>& p) {
    t.resize(n);
    p.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        t[i] = static_cast<double>(i) * dt;
        p[i] = static_cast<float>(f(t[i]));
    }
}

double rel_error(double got, double want) { return std::abs(got - want) / std::abs(want); }

}  // namespace

// ---- Waveform ------------------------------------------------------------------------------------------------------

TEST_CASE("half-sine pulse: pulse duration, positive-phase and whole EFD, rise time", "[planning][iec61846]") {
    const HalfSines pulse{40e6, 1e-6, 10e6, 3e-6, 2e-6};
    double previous_efd_error = 1.0;
    for (double dt : {4e-9, 2e-9, 1e-9}) {
        std::vector<double> t;
        std::vector<float> p;
        HalfSines shifted = pulse;
        shifted.t0 += 0.37 * dt;  // crossings between samples
        sample(dt, static_cast<std::size_t>(std::lround(8e-6 / dt)), shifted, t, p);

        const auto dur = pulse_duration_s(t, p);
        REQUIRE(dur.has_value());
        CHECK(*dur == Approx(pulse.fwhm()).epsilon(1e-4));
        // The pulse has kinks where it leaves and returns through zero (0 -> sine, and the compression's slope A pi/Tp
        // into the tension's B pi/Tm), so interpolated zero crossings are only good to within a sample.
        const auto positive = positive_phase_duration_s(t, p);
        REQUIRE(positive.has_value());
        CHECK(*positive == Approx(pulse.Tp).margin(dt));
        const auto rise = rise_time_s(t, p);
        REQUIRE(rise.has_value());
        CHECK(*rise == Approx(pulse.rise()).epsilon(1e-3));

        const auto efd_plus = efd_positive_J_per_m2(t, p, kRho, kC);
        REQUIRE(efd_plus.has_value());
        const double whole = efd_whole_J_per_m2(t, p, kRho, kC);
        const double err_plus = rel_error(*efd_plus, pulse.efd_positive());
        INFO("dt = " << dt * 1e9 << " ns: EFD+ " << *efd_plus << " J/m^2 (exact " << pulse.efd_positive()
                     << "), relative error " << err_plus);
        CHECK(err_plus < 1e-4);
        CHECK(whole == Approx(pulse.efd_whole()).epsilon(1e-4));
        // The split: the tension carries B^2 Tm / (A^2 Tp) = 3/16 of the compression's energy.
        CHECK((whole - *efd_plus) / *efd_plus == Approx(3.0 / 16.0).epsilon(1e-3));
        // Second order in dt (trapezoid rule; p^2 is small at the kinks): halving dt cuts the error about fourfold,
        // until it reaches the float rounding of the samples.
        CHECK((err_plus < 0.35 * previous_efd_error || err_plus < 1e-7));
        previous_efd_error = err_plus;
    }
}

TEST_CASE("pulse duration spans the first to the last half-maximum crossing of the positive phase",
          "[planning][iec61846]") {
    // Piecewise linear (linear interpolation is exact): 0 -> 1 at t = 1, dip to 0.3 at t = 2, second hump 0.8 at
    // t = 3, down to 0 at t = 4, tension -0.5 at t = 5, back to 0 at t = 6. Half maximum 0.5 is crossed first at
    // t = 0.5 and last at t = 3 + 0.3/0.8 = 3.375 (the dip below 0.5 in between does not end the pulse).
    const std::vector<double> knots_t{0, 1, 2, 3, 4, 5, 6, 7};
    const std::vector<double> knots_p{0, 1, 0.3, 0.8, 0, -0.5, 0, 0};
    auto f = [&](double tt) {
        for (std::size_t i = 0; i + 1 < knots_t.size(); ++i)
            if (tt <= knots_t[i + 1])
                return knots_p[i] + (knots_p[i + 1] - knots_p[i]) * (tt - knots_t[i]) / (knots_t[i + 1] - knots_t[i]);
        return 0.0;
    };
    std::vector<double> t;
    std::vector<float> p;
    sample(0.125, 57, f, t, p);  // knots fall on samples
    const auto dur = pulse_duration_s(t, p);
    REQUIRE(dur.has_value());
    CHECK(*dur == Approx(3.375 - 0.5).epsilon(1e-6));
    CHECK(*positive_phase_duration_s(t, p) == Approx(4.0).epsilon(1e-6));
}

TEST_CASE("waveform parameters are empty when undefined, and bad input throws", "[planning][iec61846]") {
    const std::vector<double> t{0, 1, 2, 3};
    CHECK_FALSE(pulse_duration_s(t, {-1.f, -2.f, -3.f, -1.f}).has_value());  // no compression
    CHECK_FALSE(pulse_duration_s(t, {0.8f, 1.f, 0.2f, 0.f}).has_value());    // starts above half maximum
    CHECK_FALSE(pulse_duration_s(t, {0.f, 0.2f, 1.f, 0.9f}).has_value());    // ends above half maximum
    CHECK_FALSE(efd_positive_J_per_m2(t, {0.f, 1.f, 2.f, 1.f}, kRho, kC).has_value());  // phase not closed
    CHECK_FALSE(efd_positive_J_per_m2(t, {1.f, 2.f, 1.f, -1.f}, kRho, kC).has_value());
    CHECK_THROWS_AS(pulse_duration_s(t, {1.f, 2.f}), std::invalid_argument);
    CHECK_THROWS_AS(efd_positive_J_per_m2(t, {0.f, 1.f, 0.f, 0.f}, 0.0, kC), std::invalid_argument);
    CHECK_THROWS_AS(efd_whole_J_per_m2(t, {0.f, 1.f, 0.f, 0.f}, kRho, -1.0), std::invalid_argument);
    // A triangle 0 -> 2 -> 0 over two samples: trapezoid rule 0.5 * 4 * 1 * 2 / (rho c).
    const auto e = efd_positive_J_per_m2(t, {0.f, 2.f, 0.f, 0.f}, kRho, kC);
    REQUIRE(e.has_value());
    CHECK(*e == Approx(4.0 / (kRho * kC)));
}

// ---- Disc energies -------------------------------------------------------------------------------------------------

TEST_CASE("Gaussian beam, 3D map: disc energies within 0.5 % and second order in the spacing",
          "[planning][iec61846]") {
    // Piecewise-constant cells with exact cut areas: the part of a cut cell inside the circle lies on the inner,
    // brighter side of its node, so the error is a systematic underestimate ~ d^2 (halving d divides it by 4), not
    // lattice noise. Within 0.5 % from w / d = 8 on: err <= 0.5 % (d / 0.5 mm)^2.
    const GaussianBeam beam{300.0, 4e-3};  // 0.3 mJ/mm^2 on the axis, 1/e radius 4 mm
    const std::array<double, 4> radii{4e-3, kDisc5mmRadius_m, kDisc12mmRadius_m, kDisc28mmDiameterRadius_m};
    for (double shift : {0.0, 0.37, 0.5}) {  // axis on a node, between nodes, at a cell corner
        std::array<double, 4> previous{0, 0, 0, 0};
        for (double d : {1e-3, 0.5e-3, 0.25e-3, 0.125e-3}) {
            const Map3 plane = cartesian_plane(20e-3, d, shift, beam);
            for (std::size_t k = 0; k < radii.size(); ++k) {
                const auto e = E_disc_J(plane, radii[k], MapGeometry::cartesian);
                REQUIRE(e.has_value());
                const double err = rel_error(*e, beam.disc(radii[k]));
                INFO("shift " << shift << ", d = " << d * 1e3 << " mm, R = " << radii[k] * 1e3 << " mm: E = " << *e
                              << " J (exact " << beam.disc(radii[k]) << "), relative error " << err << ", previous "
                              << previous[k]);
                CHECK(*e < beam.disc(radii[k]));
                CHECK(err < 0.005 * (d / 0.5e-3) * (d / 0.5e-3));
                if (previous[k] > 1e-6) CHECK(previous[k] / err == Approx(4.0).epsilon(0.15));
                previous[k] = err;
            }
            // The whole map: the trapezoid rule on a Gaussian is spectrally accurate; what is left is float rounding.
            CHECK(rel_error(plane_energy_J(plane, MapGeometry::cartesian), beam.total()) < 1e-6);
        }
    }
}

TEST_CASE("Gaussian beam, axisymmetric map: disc energies within 0.5 %, second order in dr",
          "[planning][iec61846]") {
    // EFD linear in r between nodes, integrated exactly against 2 pi r dr. Over the whole beam the error of linear
    // interpolation, (f_lin - f) ~ f'' (r - a)(b - r) / 2, integrates to (dr^2 / 12) * integral 2 pi r f'' dr =
    // +(dr^2 / 12) 2 pi f(0): relative to E0 pi w^2 an overestimate of dr^2 / (6 w^2), 0.26 % at w / dr = 8.
    const GaussianBeam beam{300.0, 4e-3};
    const std::array<double, 3> radii{kDisc5mmRadius_m, kDisc12mmRadius_m, kDisc28mmDiameterRadius_m};
    for (double r0_cells : {0.0, 0.5}) {  // node on the axis, and a cell-centred grid
        std::array<double, 3> previous{0, 0, 0};
        for (double dr : {1e-3, 0.5e-3, 0.25e-3, 0.125e-3}) {
            const Map3 plane = axisymmetric_plane(30e-3, dr, r0_cells * dr, beam);
            for (std::size_t k = 0; k < radii.size(); ++k) {
                const auto e = E_disc_J(plane, radii[k], MapGeometry::axisymmetric);
                REQUIRE(e.has_value());
                const double err = rel_error(*e, beam.disc(radii[k]));
                INFO("r0 = " << r0_cells << " dr, dr = " << dr * 1e3 << " mm, R = " << radii[k] * 1e3
                             << " mm: relative error " << err << " (previous " << previous[k] << ")");
                CHECK(err < 0.005 * (dr / 0.5e-3) * (dr / 0.5e-3));
                if (previous[k] > 0) CHECK(previous[k] / err == Approx(4.0).epsilon(0.15));
                previous[k] = err;
            }
            const double total_err = plane_energy_J(plane, MapGeometry::axisymmetric) / beam.total() - 1;
            INFO("dr = " << dr * 1e3 << " mm: whole-plane relative error " << total_err);
            CHECK(total_err == Approx(dr * dr / (6 * beam.w * beam.w)).epsilon(0.02));  // signed: an overestimate
        }
    }
}

TEST_CASE("disc energies: empty beyond the map, zero radius, uniform field equals pi R^2", "[planning][iec61846]") {
    const auto one = [](double) { return 1.0; };
    const Map3 cart = cartesian_plane(10e-3, 0.5e-3, 0.0, one);
    const Map3 axi = axisymmetric_plane(10e-3, 0.5e-3, 0.0, one);
    CHECK_FALSE(E_disc_J(cart, kDisc12mmRadius_m, MapGeometry::cartesian).has_value());
    CHECK_FALSE(E_disc_J(axi, kDisc12mmRadius_m, MapGeometry::axisymmetric).has_value());
    CHECK(*E_disc_J(cart, 0.0, MapGeometry::cartesian) == 0.0);
    CHECK(*E_disc_J(axi, 0.0, MapGeometry::axisymmetric) == 0.0);
    // A uniform field: the exact cut-cell areas give pi R^2 for any R, also R not commensurate with the grid, and
    // for a disc that just fits the map.
    for (double R : {5e-3, 7.3e-3, 10e-3}) {
        CHECK(*E_disc_J(cart, R, MapGeometry::cartesian) == Approx(kPi * R * R).epsilon(1e-9));
        CHECK(*E_disc_J(axi, R, MapGeometry::axisymmetric) == Approx(kPi * R * R).epsilon(1e-9));
    }
    CHECK(plane_energy_J(cart, MapGeometry::cartesian) == Approx(4 * 10e-3 * 10e-3).epsilon(1e-9));
    CHECK(plane_energy_J(axi, MapGeometry::axisymmetric) == Approx(kPi * 1e-4).epsilon(1e-9));
    // Wrong shapes.
    CHECK_THROWS_AS(E_disc_J(axi, 1e-3, MapGeometry::cartesian), std::invalid_argument);  // ny = 1
    CHECK_THROWS_AS(E_disc_J(cart, 1e-3, MapGeometry::axisymmetric), std::invalid_argument);
    CHECK_THROWS_AS(E_disc_J(cart, -1e-3, MapGeometry::cartesian), std::invalid_argument);
    const Map3 off_axis = axisymmetric_plane(10e-3, 0.5e-3, 2e-3, one);  // starts 4 cells off the axis
    CHECK_THROWS_AS(E_disc_J(off_axis, 1e-3, MapGeometry::axisymmetric), std::invalid_argument);
    const Map3 volume = make_map(5, 5, 2, {0, 0, 0}, {1e-3, 1e-3, 1e-3}, [](double, double, double) { return 1.0; });
    CHECK_THROWS_AS(plane_energy_J(volume, MapGeometry::cartesian), std::invalid_argument);  // nz = 2
}

TEST_CASE("plane_at_z interpolates linearly between the two nearest planes", "[planning][iec61846]") {
    // f linear in z: interpolation is exact anywhere between the first and the last plane.
    auto f = [](double x, double y, double z) { return 100.0 + 1e3 * x - 2e3 * y + 5e4 * (z - 80e-3); };
    const Map3 m = make_map(4, 3, 5, {-1e-3, -1e-3, 78e-3}, {1e-3, 1e-3, 1e-3}, f);
    for (double z : {78e-3, 79.3e-3, 80e-3, 81.75e-3, 82e-3}) {
        const Map3 pl = plane_at_z(m, z);
        REQUIRE(pl.nz == 1);
        CHECK(pl.origin_m[2] == z);
        for (std::size_t j = 0; j < pl.ny; ++j)
            for (std::size_t i = 0; i < pl.nx; ++i) {
                const auto r = pl.position_m(i, j, 0);
                CHECK(pl.at(i, j, 0) == Approx(f(r[0], r[1], z)).epsilon(1e-6));
            }
    }
    CHECK_THROWS_AS(plane_at_z(m, 77.9e-3), std::invalid_argument);
    CHECK_THROWS_AS(plane_at_z(m, 82.1e-3), std::invalid_argument);
}

// ---- Zones ---------------------------------------------------------------------------------------------------------

TEST_CASE("5 MPa zone of a Gaussian spot: analytic crossings, 3D and axisymmetric", "[planning][iec61846]") {
    const double A = 20e6;
    const double sx = 1.5e-3, sy = 2.5e-3, sz = 8e-3;  // standard deviations
    const double c = std::sqrt(2 * std::log(A / kFiveMPaZoneThreshold_Pa));  // crossing in units of sigma
    auto spot = [&](double x, double y, double z) {
        return A * std::exp(-x * x / (2 * sx * sx) - y * y / (2 * sy * sy) - (z - 60e-3) * (z - 60e-3) / (2 * sz * sz));
    };

    SECTION("3D, centre between nodes, error O(d^2)") {
        double previous = 1;
        for (double d : {0.5e-3, 0.25e-3, 0.125e-3}) {
            const double dz = 2 * d;
            const std::size_t n = static_cast<std::size_t>(std::lround(16e-3 / d)) + 1;
            const std::size_t nz = static_cast<std::size_t>(std::lround(60e-3 / dz)) + 1;
            const std::array<double, 3> origin{-8e-3 + 0.3 * d, -8e-3 - 0.4 * d, 30e-3 + 0.45 * dz};
            const Map3 p_max = make_map(n, n, nz, origin, {d, d, dz}, spot);
            const auto zone = zone_extent_at_or_above(p_max, kFiveMPaZoneThreshold_Pa, MapGeometry::cartesian);
            REQUIRE(zone.has_value());
            CHECK_FALSE(zone->reaches_map_edge);
            const double ex = rel_error(zone->size_mm.x_mm, 2 * c * sx * 1e3);
            const double ey = rel_error(zone->size_mm.y_mm, 2 * c * sy * 1e3);
            const double ez = rel_error(zone->size_mm.z_mm, 2 * c * sz * 1e3);
            const double worst = std::max({ex, ey, ez});
            INFO("d = " << d * 1e3 << " mm: zone " << zone->size_mm.x_mm << " x " << zone->size_mm.y_mm << " x "
                        << zone->size_mm.z_mm << " mm, worst relative error " << worst);
            CHECK(worst < 0.01);
            CHECK(worst < 0.4 * previous);
            previous = worst;
        }
    }
    SECTION("axisymmetric: x = y = 2 r_out") {
        const double sr = 2e-3, dr = 0.125e-3, dz = 0.25e-3;
        auto axi = [&](double r, double, double z) {
            return A * std::exp(-r * r / (2 * sr * sr) - (z - 60e-3) * (z - 60e-3) / (2 * sz * sz));
        };
        for (double r0 : {0.0, 0.5 * dr}) {
            const Map3 p_max = make_map(81, 1, 241, {r0, 0, 30e-3}, {dr, 0, dz}, axi);
            const auto zone = zone_extent_at_or_above(p_max, kFiveMPaZoneThreshold_Pa, MapGeometry::axisymmetric);
            REQUIRE(zone.has_value());
            CHECK_FALSE(zone->reaches_map_edge);  // the first node (on the axis) is not an edge
            CHECK(zone->size_mm.x_mm == Approx(2 * c * sr * 1e3).epsilon(0.002));
            CHECK(zone->size_mm.y_mm == zone->size_mm.x_mm);
            CHECK(zone->size_mm.z_mm == Approx(2 * c * sz * 1e3).epsilon(0.002));
        }
    }
    SECTION("below threshold, and cut by the map edge") {
        const Map3 weak = make_map(11, 11, 11, {-5e-3, -5e-3, 55e-3}, {1e-3, 1e-3, 1e-3},
                                   [&](double x, double y, double z) { return 0.2 * spot(x, y, z); });  // 4 MPa peak
        CHECK_FALSE(zone_extent_at_or_above(weak, kFiveMPaZoneThreshold_Pa, MapGeometry::cartesian).has_value());
        // z from 50 to 70 mm: the zone (60 +- 13.3 mm) runs out of the map on both sides.
        const Map3 short_map = make_map(33, 33, 21, {-8e-3, -8e-3, 50e-3}, {0.5e-3, 0.5e-3, 1e-3}, spot);
        const auto zone = zone_extent_at_or_above(short_map, kFiveMPaZoneThreshold_Pa, MapGeometry::cartesian);
        REQUIRE(zone.has_value());
        CHECK(zone->reaches_map_edge);
        CHECK(zone->size_mm.z_mm == Approx(20.0));  // edge to edge
        // the faces it reaches: both z faces, not the lateral ones
        CHECK(zone->edge_faces[2][0]);
        CHECK(zone->edge_faces[2][1]);
        for (int a : {0, 1}) CHECK_FALSE((zone->edge_faces[a][0] || zone->edge_faces[a][1]));
        // the map starting at the focus: only the low z face; the whole IEC set names the faces of both zones
        const Map3 half = make_map(33, 33, 31, {-8e-3, -8e-3, 60e-3}, {0.5e-3, 0.5e-3, 1e-3}, spot);
        const auto cut = zone_extent_at_or_above(half, kFiveMPaZoneThreshold_Pa, MapGeometry::cartesian);
        REQUIRE(cut.has_value());
        CHECK(cut->edge_faces[2][0]);
        CHECK_FALSE(cut->edge_faces[2][1]);
        const IecParameters iec = iec61846_parameters(half, make_map(33, 33, 31, {-8e-3, -8e-3, 60e-3},
                                                                     {0.5e-3, 0.5e-3, 1e-3},
                                                                     [](double, double, double) { return -1e6; }),
                                                      half, SensorRecord{}, 1000, 1500, std::nullopt, false);
        CHECK(iec.zone_5MPa_edge_faces[2][0]);
        CHECK(iec.zone_6dB_edge_faces[2][0]);
        CHECK_FALSE(iec.zone_6dB_edge_faces[2][1]);
        CHECK_FALSE(iec.focal_zone_5MPa_mm.has_value());
        // on the 50-70 mm map the -6 dB zone (60 +- 9.4 mm) lies inside, the 5 MPa zone does not
        const auto inside = iec61846_parameters(
            short_map, short_map, short_map, SensorRecord{}, 1000, 1500, std::nullopt, false);
        for (int a : {0, 1, 2}) CHECK_FALSE((inside.zone_6dB_edge_faces[a][0] || inside.zone_6dB_edge_faces[a][1]));
        CHECK((inside.zone_5MPa_edge_faces[2][0] && inside.zone_5MPa_edge_faces[2][1]));
    }
}

TEST_CASE("axisymmetric -6 dB zone: full width across the axis and axial length", "[planning][iec61846]") {
    const double fwhm_r = 6e-3, fwhm_z = 40e-3;
    const double k = 4 * std::log(2.0);  // exp(-k (x / fwhm)^2) is 1/2 at x = fwhm / 2
    auto f = [&](double r, double, double z) {
        return 50e6 * std::exp(-k * (r * r / (fwhm_r * fwhm_r) + (z - 0.1) * (z - 0.1) / (fwhm_z * fwhm_z)));
    };
    const Map3 p_max = make_map(121, 1, 201, {0, 0, 0.05}, {0.1e-3, 0, 0.5e-3}, f);
    const FocalZone z = axisymmetric_focal_zone_6dB_mm(p_max);
    CHECK(z.x_mm == Approx(6.0).epsilon(1e-3));
    CHECK(z.y_mm == z.x_mm);
    CHECK(z.z_mm == Approx(40.0).epsilon(1e-3));

    // A ring focus at r = 5 mm whose zone does not reach the axis: the width of the radial segment.
    auto ring = [&](double r, double, double zz) { return f(r - 5e-3, 0, zz); };
    const FocalZone zr = axisymmetric_focal_zone_6dB_mm(make_map(121, 1, 201, {0, 0, 0.05}, {0.1e-3, 0, 0.5e-3}, ring));
    CHECK(zr.x_mm == Approx(6.0).epsilon(1e-3));
}

// ---- Everything together -------------------------------------------------------------------------------------------

namespace {

/// A focal field: Gaussian p_max spot (p+ = 40 MPa at (0, 0, 85 mm) on a node; FWHM 5 mm laterally, 15 mm axially),
/// p_min = -8 MPa everywhere, EFD = Gaussian beam in (x, y) times (1 + a (z - 85 mm)), linear in z so the
/// interpolated focal plane is exact. axisymmetric: x is the radius.
struct FocalField {
    GaussianBeam beam{250.0, 4e-3};
    double a = 10.0;  // 1/m: 1 % per mm
    double z_peak = 85e-3;
    Map3 p_max, p_min, efd;
    double p_max_at(double x, double y, double z) const {
        const double k = 4 * std::log(2.0);
        return 40e6 * std::exp(-k * ((x * x + y * y) / (5e-3 * 5e-3) + (z - z_peak) * (z - z_peak) / (15e-3 * 15e-3)));
    }
    double efd_at(double x, double y, double z) const { return beam(std::hypot(x, y)) * (1 + a * (z - z_peak)); }
    double efd_plane_factor(double z) const { return 1 + a * (z - z_peak); }

    explicit FocalField(bool axisymmetric) {
        const double d = 0.25e-3, dz = 1e-3;
        auto pm = [this](double x, double y, double z) { return p_max_at(x, y, z); };
        auto ef = [this](double x, double y, double z) { return efd_at(x, y, z); };
        auto pn = [](double, double, double) { return -8e6; };
        if (axisymmetric) {
            p_max = make_map(81, 1, 41, {0, 0, 65e-3}, {d, 0, dz}, pm);
            p_min = make_map(81, 1, 41, {0, 0, 65e-3}, {d, 0, dz}, pn);
            efd = make_map(81, 1, 41, {0, 0, 65e-3}, {d, 0, dz}, ef);
        } else {
            p_max = make_map(121, 121, 41, {-15e-3, -15e-3, 65e-3}, {d, d, dz}, pm);
            p_min = make_map(121, 121, 41, {-15e-3, -15e-3, 65e-3}, {d, d, dz}, pn);
            efd = make_map(121, 121, 41, {-15e-3, -15e-3, 65e-3}, {d, d, dz}, ef);
        }
    }
};

}  // namespace

TEST_CASE("iec61846_parameters on a synthetic focal field, 3D and axisymmetric", "[planning][iec61846]") {
    const HalfSines pulse{40e6, 1e-6, 8e6, 3e-6, 1e-6};
    SensorRecord sensors;
    std::vector<float> focal, far;
    sample(1e-9, 6000, pulse, sensors.t_s, focal);
    sample(1e-9, 6000, [&](double t) { return 0.1 * pulse(t - 0.5e-6); }, sensors.t_s, far);
    // The near one sits at (x, y) = (0.15, 0.2) mm, 0.25 mm off the axis, and 0.3 mm behind the focus: about one
    // cell away in both grids. The far one is 10 mm behind the focus.
    sensors.position_m = {{0, 0, 95e-3}, {0.15e-3, 0.2e-3, 85.3e-3}};
    sensors.p_Pa = {far, focal};

    const double c5 = std::sqrt(2 * std::log(40.0 / 5.0));  // 5 MPa crossing, in sigma
    const double sigma_per_fwhm = 1 / (2 * std::sqrt(2 * std::log(2.0)));

    for (bool axisymmetric : {false, true}) {
        INFO((axisymmetric ? "axisymmetric" : "3D"));
        const FocalField f(axisymmetric);

        // Focal plane = plane of the p+ peak.
        const IecParameters q =
            iec61846_parameters(f.p_max, f.p_min, f.efd, sensors, kRho, kC, std::nullopt, axisymmetric);
        CHECK(q.p_plus_MPa == Approx(40.0).epsilon(1e-6));
        CHECK(q.p_minus_MPa == Approx(-8.0).epsilon(1e-6));
        CHECK(q.focus_mm[0] == Approx(0.0).margin(1e-9));
        CHECK(q.focus_mm[1] == Approx(0.0).margin(1e-9));
        CHECK(q.focus_mm[2] == Approx(85.0).margin(1e-9));
        CHECK(q.focal_plane_z_mm == Approx(85.0).margin(1e-9));
        CHECK(q.efd_focus_mJ_per_mm2 == Approx(0.25).epsilon(1e-6));
        CHECK(q.focal_zone_6dB_mm.x_mm == Approx(5.0).epsilon(0.01));
        CHECK(q.focal_zone_6dB_mm.y_mm == Approx(5.0).epsilon(0.01));
        CHECK(q.focal_zone_6dB_mm.z_mm == Approx(15.0).epsilon(0.01));
        REQUIRE(q.focal_zone_5MPa_mm.has_value());
        CHECK(q.focal_zone_5MPa_mm->x_mm == Approx(2 * c5 * 5.0 * sigma_per_fwhm).epsilon(0.01));
        CHECK(q.focal_zone_5MPa_mm->y_mm == Approx(2 * c5 * 5.0 * sigma_per_fwhm).epsilon(0.01));
        CHECK(q.focal_zone_5MPa_mm->z_mm == Approx(2 * c5 * 15.0 * sigma_per_fwhm).epsilon(0.01));

        REQUIRE(q.E5mm_mJ.has_value());
        REQUIRE(q.E12mm_mJ.has_value());
        REQUIRE(q.E28mm_disc_mJ.has_value());
        CHECK(*q.E5mm_mJ == Approx(f.beam.disc(5e-3) * 1e3).epsilon(0.005));
        CHECK(*q.E12mm_mJ == Approx(f.beam.disc(12e-3) * 1e3).epsilon(0.005));
        CHECK(*q.E28mm_disc_mJ == Approx(f.beam.disc(14e-3) * 1e3).epsilon(0.005));
        CHECK(q.energy_total_mJ == Approx(f.beam.total() * 1e3).epsilon(0.005));

        // Waveform metrics from the sensor near the focus, not the far one.
        REQUIRE(q.rise_time_ns.has_value());
        REQUIRE(q.pulse_duration_ns.has_value());
        REQUIRE(q.efd_plus_focus_mJ_per_mm2.has_value());
        CHECK(*q.rise_time_ns == Approx(pulse.rise() * 1e9).epsilon(1e-3));
        CHECK(*q.pulse_duration_ns == Approx(pulse.fwhm() * 1e9).epsilon(1e-3));
        CHECK(*q.efd_plus_focus_mJ_per_mm2 == Approx(pulse.efd_positive() / 1000).epsilon(1e-4));

        // Focal plane = geometric focus, 4.6 mm before the peak, between map planes: disc energies scale with the
        // linear z factor of the EFD there.
        const double zg = 80.4e-3;
        const IecParameters g = iec61846_parameters(f.p_max, f.p_min, f.efd, sensors, kRho, kC, zg, axisymmetric);
        CHECK(g.focal_plane_z_mm == Approx(80.4).epsilon(1e-12));
        CHECK(g.focus_mm[2] == Approx(85.0).margin(1e-9));  // the focus is still the p+ peak
        CHECK(*g.E12mm_mJ == Approx(f.beam.disc(12e-3) * 1e3 * f.efd_plane_factor(zg)).epsilon(0.005));
        CHECK(*g.E12mm_mJ / *q.E12mm_mJ == Approx(f.efd_plane_factor(zg)).epsilon(1e-5));
        CHECK(g.energy_total_mJ / q.energy_total_mJ == Approx(f.efd_plane_factor(zg)).epsilon(1e-5));

        // A geometric focus outside the map is an input error; without a sensor near the focus there are no
        // waveform metrics.
        CHECK_THROWS_AS(iec61846_parameters(f.p_max, f.p_min, f.efd, sensors, kRho, kC, 120e-3, axisymmetric),
                        std::invalid_argument);
        SensorRecord far_only;
        far_only.t_s = sensors.t_s;
        far_only.position_m = {sensors.position_m[0]};
        far_only.p_Pa = {far};
        const IecParameters n =
            iec61846_parameters(f.p_max, f.p_min, f.efd, far_only, kRho, kC, std::nullopt, axisymmetric);
        CHECK_FALSE(n.rise_time_ns.has_value());
        CHECK_FALSE(n.pulse_duration_ns.has_value());
        CHECK_FALSE(n.efd_plus_focus_mJ_per_mm2.has_value());
    }
}

TEST_CASE("iec61846_parameters: focal plane of the p+ peak, missing discs, bad input", "[planning][iec61846]") {
    // The p+ peak at z = 72 mm (prefocal, as in nonlinear fields where p- peaks before and p+ after the focus):
    // without a geometric focus that is the focal plane.
    FocalField f(false);
    f.z_peak = 72e-3;
    const double d = 0.25e-3;
    f.p_max = make_map(121, 121, 41, {-15e-3, -15e-3, 65e-3}, {d, d, 1e-3},
                       [&](double x, double y, double z) { return f.p_max_at(x, y, z); });
    const IecParameters q = iec61846_parameters(f.p_max, f.p_min, f.efd, {}, kRho, kC, std::nullopt, false);
    CHECK(q.focal_plane_z_mm == Approx(72.0).margin(1e-9));
    CHECK(q.focus_mm[2] == Approx(72.0).margin(1e-9));
    // f.efd was built with its linear factor about 85 mm: at 72 mm it is 1 - 0.13.
    CHECK(q.energy_total_mJ == Approx(f.beam.total() * 1e3 * 0.87).epsilon(0.005));
    // The 5 MPa zone (72 +- 13.3 mm) runs out of the map at z = 65 mm: not reported.
    CHECK_FALSE(q.focal_zone_5MPa_mm.has_value());

    // A map 20 mm across holds the 5 mm disc but not the 12 and 28 mm ones.
    auto crop = [](double x, double y, double z) { return 40e6 * std::exp(-(x * x + y * y) / 4e-6 - z * z / 1e-4); };
    const Map3 small = make_map(41, 41, 5, {-10e-3, -10e-3, -2e-3}, {0.5e-3, 0.5e-3, 1e-3}, crop);
    const IecParameters s = iec61846_parameters(small, small, small, {}, kRho, kC, 0.0, false);
    CHECK(s.E5mm_mJ.has_value());
    CHECK_FALSE(s.E12mm_mJ.has_value());
    CHECK_FALSE(s.E28mm_disc_mJ.has_value());

    CHECK_THROWS_AS(iec61846_parameters(small, small, small, {}, 0.0, kC, 0.0, false), std::invalid_argument);
    const Map3 other = make_map(41, 41, 4, {-10e-3, -10e-3, -2e-3}, {0.5e-3, 0.5e-3, 1e-3}, crop);
    CHECK_THROWS_AS(iec61846_parameters(small, other, small, {}, kRho, kC, 0.0, false), std::invalid_argument);
    Map3 shifted = small;
    shifted.origin_m[0] += 0.25e-3;
    CHECK_THROWS_AS(iec61846_parameters(small, small, shifted, {}, kRho, kC, 0.0, false), std::invalid_argument);
    // Cartesian maps given as axisymmetric (ny > 1) and vice versa.
    CHECK_THROWS_AS(iec61846_parameters(small, small, small, {}, kRho, kC, 0.0, true), std::invalid_argument);
    const Map3 line = make_map(41, 1, 5, {0, 0, -2e-3}, {0.5e-3, 0, 1e-3}, crop);
    CHECK_THROWS_AS(iec61846_parameters(line, line, line, {}, kRho, kC, 0.0, false), std::invalid_argument);
    const Map3 negative = make_map(41, 41, 5, {-10e-3, -10e-3, -2e-3}, {0.5e-3, 0.5e-3, 1e-3},
                                   [](double, double, double) { return -1e6; });
    CHECK_THROWS_AS(iec61846_parameters(negative, negative, negative, {}, kRho, kC, 0.0, false),
                    std::invalid_argument);
}
