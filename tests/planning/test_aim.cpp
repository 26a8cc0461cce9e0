// Aiming by the simulated dose (planning/aim.hpp): a Gaussian EFD profile whose maximum lies short of the target
// gives the offset that moves it there; the offset is clamped to the device's range; a profile already on the target
// asks for no offset; the maximum is placed between samples; an interface spike is averaged out; bad profiles are bad
// input.
#include <catch2/catch.hpp>

#include <cmath>

#include "planning/aim.hpp"
#include "core/errors.hpp"

using namespace lithosim::planning;

namespace {

constexpr double kMm = 1e-3;

/// EFD along z: a Gaussian of this peak z and 1/e half-width, on samples every dz from z0 to z1 (m).
AxialProfile gaussian_profile(double peak_z, double width, double dz = 0.1 * kMm, double z0 = 0, double z1 = 80 * kMm) {
    AxialProfile p;
    for (double z = z0; z <= z1 + 1e-12; z += dz) {
        p.z_m.push_back(z);
        const double g = std::exp(-std::pow((z - peak_z) / width, 2));
        p.efd_J_per_m2.push_back(240 * g);
        p.p_plus_Pa.push_back(30e6 * std::sqrt(g));
    }
    return p;
}

AimTarget target_at(double centroid, double half_length = 5 * kMm) {
    return {centroid, centroid - half_length, centroid + half_length};
}

}  // namespace

TEST_CASE("aim: a shifted Gaussian profile gives the offset that moves its maximum onto the target", "[aim]") {
    // The EFD maximum at 43.6 mm, the target 44.8-55.2 mm (centroid 50 mm), as on the shoulder phantom.
    const AxialProfile p = gaussian_profile(43.6 * kMm, 8 * kMm);
    const AimTarget t{50 * kMm, 44.8 * kMm, 55.2 * kMm};
    const AimStep s = aim_focus(p, 30 * kMm, t, 0.0, {-10 * kMm, 10 * kMm});
    CHECK(s.now.efd_max_z_m == Approx(43.6 * kMm).margin(1e-6));
    CHECK(s.now.efd_max_to_target_m == Approx(6.4 * kMm).margin(1e-6));
    CHECK(s.focus_offset_m == Approx(6.4 * kMm).margin(1e-6));
    CHECK_FALSE(s.clamped);
    CHECK_FALSE(s.now.max_inside_target);
    // EFD(50 mm) / max = exp(-(6.4/8)^2)
    CHECK(s.now.target_efd_fraction_of_max == Approx(std::exp(-0.64)).epsilon(1e-3));
    CHECK(s.now.near_end_efd_fraction_of_max == Approx(std::exp(-std::pow(1.2 / 8, 2))).epsilon(1e-3));
    CHECK(s.now.far_end_efd_fraction_of_max == Approx(std::exp(-std::pow(11.6 / 8, 2))).epsilon(1e-3));
    CHECK(s.now.p_plus_max_z_m == Approx(43.6 * kMm).margin(1e-6));
    CHECK(s.now.p_plus_max_Pa == Approx(30e6).epsilon(1e-4));

    // The device moved by that offset carries its profile with it (the rigid model): the next step asks for nothing
    // more, and from a non-zero current offset the step adds to it.
    const AxialProfile moved = gaussian_profile(43.6 * kMm + s.focus_offset_m, 8 * kMm);
    const AimStep again = aim_focus(moved, 30 * kMm, t, s.focus_offset_m, {-10 * kMm, 10 * kMm});
    CHECK(again.focus_offset_m == Approx(s.focus_offset_m).margin(1e-6));
    CHECK(again.now.efd_max_to_target_m == Approx(0).margin(1e-6));
    CHECK(again.now.target_efd_fraction_of_max == Approx(1).epsilon(1e-4));
    CHECK(again.now.max_inside_target);
    const AimStep from_two = aim_focus(p, 30 * kMm, t, 2 * kMm, {-10 * kMm, 10 * kMm});
    CHECK(from_two.focus_offset_m == Approx(8.4 * kMm).margin(1e-6));
}

TEST_CASE("aim: the offset is clamped to the device's range", "[aim]") {
    const AxialProfile p = gaussian_profile(40 * kMm, 8 * kMm);
    const AimTarget t = target_at(50 * kMm);
    const AimStep deeper = aim_focus(p, 30 * kMm, t, 0.0, {-5 * kMm, 4 * kMm});
    CHECK(deeper.unclamped_offset_m == Approx(10 * kMm).margin(1e-6));
    CHECK(deeper.focus_offset_m == Approx(4 * kMm).margin(1e-12));
    CHECK(deeper.clamped);
    const AxialProfile beyond = gaussian_profile(60 * kMm, 8 * kMm);
    const AimStep shallower = aim_focus(beyond, 30 * kMm, t, 1 * kMm, {-5 * kMm, 4 * kMm});
    CHECK(shallower.unclamped_offset_m == Approx(-9 * kMm).margin(1e-6));
    CHECK(shallower.focus_offset_m == Approx(-5 * kMm).margin(1e-12));
    CHECK(shallower.clamped);
}

TEST_CASE("aim: a profile whose maximum is already on the target gives no offset", "[aim]") {
    const AxialProfile p = gaussian_profile(50 * kMm, 8 * kMm);
    const AimStep s = aim_focus(p, 30 * kMm, target_at(50 * kMm), 0.0, {-10 * kMm, 10 * kMm});
    CHECK(s.focus_offset_m == Approx(0).margin(1e-9));
    CHECK(s.now.target_efd_fraction_of_max == Approx(1).margin(1e-9));
    CHECK(s.now.max_inside_target);
}

TEST_CASE("aim: the maximum is searched beyond the skin and placed between samples", "[aim]") {
    // A coarse 1 mm sampling of a Gaussian peaking between samples: the parabola finds the peak well within a tenth
    // of the spacing (the exact vertex of a sampled Gaussian is off by O(dz^3 / width^2)).
    const AxialProfile coarse = gaussian_profile(47.3 * kMm, 8 * kMm, 1 * kMm);
    const AimAssessment a = assess_aim(coarse, 30 * kMm, target_at(50 * kMm));
    CHECK(a.efd_max_z_m == Approx(47.3 * kMm).margin(0.1 * kMm));
    CHECK(a.efd_max_J_per_m2 == Approx(240).epsilon(2e-3));
    // A higher EFD in the coupling water (before the skin) is not the maximum inside the body.
    AxialProfile with_water = gaussian_profile(45 * kMm, 8 * kMm);
    for (std::size_t k = 0; k < with_water.z_m.size(); ++k)
        if (with_water.z_m[k] < 20 * kMm) with_water.efd_J_per_m2[k] = 1000;
    const AimAssessment b = assess_aim(with_water, 30 * kMm, target_at(50 * kMm));
    CHECK(b.efd_max_z_m == Approx(45 * kMm).margin(1e-6));
    CHECK(b.target_efd_fraction_of_max == Approx(std::exp(-std::pow(5.0 / 8, 2))).epsilon(1e-3));
}

TEST_CASE("aim: the smoothing window averages out a one-node spike at an interface", "[aim]") {
    // A Gaussian focal lobe at 50 mm (8 mm 1/e half-width, 240 J/m^2) and, 4 mm in front of it, the +30 % a
    // reflected pulse adds over 0.3 mm in front of an interface (as on the shoulder phantom's axis).
    AxialProfile p = gaussian_profile(50 * kMm, 8 * kMm);
    for (std::size_t k = 0; k < p.z_m.size(); ++k)
        if (p.z_m[k] > 45.75 * kMm && p.z_m[k] < 46.05 * kMm) p.efd_J_per_m2[k] *= 1.3;
    const AimTarget t = target_at(50 * kMm);
    const AimAssessment raw = assess_aim(p, 30 * kMm, t);
    CHECK(raw.efd_max_z_m == Approx(46 * kMm).margin(0.15 * kMm));  // the spike
    CHECK(raw.target_efd_fraction_of_max < 1);
    const AimAssessment averaged = assess_aim(p, 30 * kMm, t, 2 * kMm);
    CHECK(averaged.efd_max_z_m == Approx(50 * kMm).margin(0.3 * kMm));  // the focal lobe
    CHECK(averaged.target_efd_fraction_of_max == Approx(1).margin(1e-3));
    const AimStep step = aim_focus(p, 30 * kMm, t, 0.0, {-10 * kMm, 10 * kMm}, 2 * kMm);
    CHECK(step.focus_offset_m == Approx(0).margin(0.3 * kMm));
    // The box average of a linear profile is the profile (away from the ends), of a constant the constant.
    AxialProfile line;
    for (int k = 0; k <= 100; ++k) {
        line.z_m.push_back(k * 0.1 * kMm);
        line.efd_J_per_m2.push_back(3.0 + 2.0 * k);
    }
    const AxialProfile s = smoothed(line, 1 * kMm);
    for (int k = 5; k <= 95; ++k) CHECK(s.efd_J_per_m2[std::size_t(k)] == Approx(3.0 + 2.0 * k));
    CHECK(s.efd_J_per_m2[0] == Approx(3.0 + 2.0 * 2.5));  // samples 0..5
    CHECK_THROWS_AS(smoothed(line, -1), lithosim::InputError);
}

TEST_CASE("aim: bad profiles and ranges are bad input", "[aim]") {
    AxialProfile p = gaussian_profile(45 * kMm, 8 * kMm);
    CHECK_THROWS_AS(assess_aim(p, 90 * kMm, target_at(50 * kMm)), lithosim::InputError);  // nothing beyond the skin
    CHECK_THROWS_AS(assess_aim(p, 30 * kMm, {50 * kMm, 52 * kMm, 58 * kMm}), lithosim::InputError);
    CHECK_THROWS_AS(aim_focus(p, 30 * kMm, target_at(50 * kMm), 0, {2 * kMm, 1 * kMm}), lithosim::InputError);
    AxialProfile short_efd = p;
    short_efd.efd_J_per_m2.pop_back();
    CHECK_THROWS_AS(assess_aim(short_efd, 30 * kMm, target_at(50 * kMm)), lithosim::InputError);
    AxialProfile unordered = p;
    std::swap(unordered.z_m[3], unordered.z_m[4]);
    CHECK_THROWS_AS(assess_aim(unordered, 30 * kMm, target_at(50 * kMm)), lithosim::InputError);
}
