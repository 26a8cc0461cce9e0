// Agatston, volume and mass scores on synthetic volumes whose answers follow from the definition
// (models/calcium_score.hpp; shared/reference/physics-numerics.md §8).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "models/calcium_score.hpp"

using namespace lithosim::models;

namespace {

/// A soft-tissue volume (40 HU) of n x n x nz voxels, pixel 0.5 x 0.5 mm, slices `slice_mm` thick.
HuVolume tissue(std::size_t n, std::size_t nz, double slice_mm) {
    HuVolume v;
    v.nx = v.ny = n;
    v.nz = nz;
    v.spacing_mm = {0.5, 0.5, slice_mm};
    v.origin_mm = {-10, 20, 100};
    v.hu.assign(n * n * nz, 40.0f);
    return v;
}

/// Sets a w x w pixel block starting at (i0, j0) in slices k0 .. k1 - 1 to `hu`.
void block(HuVolume& v, std::size_t i0, std::size_t j0, std::size_t w, std::size_t k0, std::size_t k1, float hu) {
    for (std::size_t k = k0; k < k1; ++k)
        for (std::size_t j = j0; j < j0 + w; ++j)
            for (std::size_t i = i0; i < i0 + w; ++i) v.hu[i + v.nx * (j + v.ny * k)] = hu;
}

}  // namespace

TEST_CASE("a 4 mm^2 lesion at peak 270 HU on one 3 mm slice scores 8", "[models][calcium]") {
    HuVolume v = tissue(20, 3, 3.0);
    block(v, 5, 5, 4, 1, 2, 200.0f);  // 4 x 4 pixels of 0.25 mm^2 = 4 mm^2
    v.hu[6 + 20 * (6 + 20 * 1)] = 270.0f;  // the peak sets the factor: 2
    const CalciumScore s = calcium_score(v);
    REQUIRE(s.lesions.size() == 1);
    CHECK(s.agatston_total == Approx(8.0));
    CHECK(s.lesions[0].agatston == Approx(8.0));
    CHECK(s.lesions[0].peak_HU == Approx(270.0));
    CHECK(s.volume_score_mm3 == Approx(4.0 * 3.0));
    CHECK(s.risk_band == "1-10");
    // The centroid is the mean voxel centre: block pixels 5..8 -> -10 + 6.5 * 0.5, 20 + 6.5 * 0.5; slice 1 -> 103.
    CHECK(s.lesions[0].centroid_mm[0] == Approx(-10 + 6.5 * 0.5));
    CHECK(s.lesions[0].centroid_mm[1] == Approx(20 + 6.5 * 0.5));
    CHECK(s.lesions[0].centroid_mm[2] == Approx(103.0));
    CHECK(s.lesions[0].equivalent_diameter_mm == Approx(std::cbrt(6 * 12.0 / std::numbers::pi)));
    CHECK_FALSE(s.mass_score_mg.has_value());
}

TEST_CASE("islands under 1 mm^2 are dropped, and so is their volume", "[models][calcium]") {
    HuVolume v = tissue(20, 1, 3.0);
    block(v, 2, 2, 1, 0, 1, 500.0f);   // 0.25 mm^2
    v.hu[3 + 20 * 2] = 500.0f;          // 0.5 mm^2 together
    block(v, 10, 10, 2, 0, 1, 500.0f); // exactly 1 mm^2: kept
    const CalciumScore s = calcium_score(v);
    REQUIRE(s.lesions.size() == 1);
    CHECK(s.agatston_total == Approx(1.0 * 4));
    CHECK(s.volume_score_mm3 == Approx(1.0 * 3.0));
    CHECK(calcium_score(tissue(20, 1, 3.0)).risk_band == "0");
}

TEST_CASE("the density factor follows the peak HU at the band edges", "[models][calcium]") {
    CHECK(agatston_density_factor(129.9) == 0);
    CHECK(agatston_density_factor(130) == 1);
    CHECK(agatston_density_factor(199) == 1);
    CHECK(agatston_density_factor(200) == 2);
    CHECK(agatston_density_factor(299) == 2);
    CHECK(agatston_density_factor(300) == 3);
    CHECK(agatston_density_factor(399) == 3);
    CHECK(agatston_density_factor(400) == 4);
    CHECK(agatston_density_factor(1500) == 4);
    // The same island at each band's lower edge scores area x factor.
    for (const float peak : {130.0f, 200.0f, 300.0f, 400.0f}) {
        HuVolume v = tissue(12, 1, 3.0);
        block(v, 4, 4, 4, 0, 1, peak);
        CHECK(calcium_score(v).agatston_total == Approx(4.0 * agatston_density_factor(peak)));
    }
}

TEST_CASE("a lesion scores the same on 1.5 mm as on 3 mm slices, and separate lesions are listed apart",
          "[models][calcium]") {
    HuVolume thick = tissue(30, 4, 3.0), thin = tissue(30, 8, 1.5);
    block(thick, 3, 3, 6, 1, 3, 350.0f);   // 9 mm^2 over two 3 mm slices: 2 x 9 x 3 = 54
    block(thin, 3, 3, 6, 2, 6, 350.0f);    // the same 6 mm of length on four 1.5 mm slices
    block(thick, 20, 20, 4, 2, 3, 150.0f); // a second lesion: 4 mm^2 x 1 on one slice
    block(thin, 20, 20, 4, 4, 6, 150.0f);
    const CalciumScore a = calcium_score(thick), b = calcium_score(thin);
    REQUIRE(a.lesions.size() == 2);
    REQUIRE(b.lesions.size() == 2);
    CHECK(a.agatston_total == Approx(54.0 + 4.0));
    CHECK(b.agatston_total == Approx(a.agatston_total));
    CHECK(a.lesions[0].agatston == Approx(54.0));  // sorted by decreasing score
    CHECK(a.volume_score_mm3 == Approx(b.volume_score_mm3));
    CHECK(a.risk_band == "11-100");
}

TEST_CASE("the mass score needs a calibration factor and is c x volume x mean HU", "[models][calcium]") {
    HuVolume v = tissue(16, 1, 3.0);
    block(v, 4, 4, 4, 0, 1, 300.0f);
    v.hu[4 + 16 * 4] = 700.0f;  // mean HU of the 16 voxels: (15 x 300 + 700) / 16 = 325
    CalciumOptions o;
    o.mass_calibration_mg_per_mL_per_HU = 0.8;
    const CalciumScore s = calcium_score(v, o);
    REQUIRE(s.mass_score_mg.has_value());
    CHECK(s.lesions[0].mean_HU == Approx(325.0));
    CHECK(*s.mass_score_mg == Approx(0.8 * (12.0 * 1e-3) * 325.0));  // 12 mm^3 = 0.012 mL
    o.mass_calibration_mg_per_mL_per_HU = -1.0;
    CHECK_THROWS_AS(calcium_score(v, o), std::invalid_argument);
    HuVolume bad = v;
    bad.hu.pop_back();
    CHECK_THROWS_AS(calcium_score(bad), std::invalid_argument);
    bad = v;
    bad.spacing_mm[2] = 0;
    CHECK_THROWS_AS(calcium_score(bad), std::invalid_argument);
}

TEST_CASE("risk bands of the total score", "[models][calcium]") {
    CHECK(agatston_risk_band(0) == "0");
    CHECK(agatston_risk_band(1) == "1-10");
    CHECK(agatston_risk_band(10) == "1-10");
    CHECK(agatston_risk_band(11) == "11-100");
    CHECK(agatston_risk_band(100) == "11-100");
    CHECK(agatston_risk_band(101) == "101-400");
    CHECK(agatston_risk_band(400) == "101-400");
    CHECK(agatston_risk_band(401) == ">400");
}
