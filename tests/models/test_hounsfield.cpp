// The continuous HU laws (models/hounsfield.hpp) at the test values derived in shared/reference/physics-numerics.md
// §6.1, their continuity at the fit's breakpoints, and the clamp in air.
#include <catch2/catch.hpp>

#include <cmath>

#include "models/hounsfield.hpp"

using namespace lithosim::models;

TEST_CASE("HU to density follows the Schneider 1996 fit at its test values", "[models][hounsfield]") {
    // HU -> rho (kg/m^3) from the reference table (k-Wave fit, derived values).
    const std::pair<double, double> table[] = {{-100, 917.5}, {0, 1011.9},  {40, 1048.2},  {100, 1101.9},
                                               {500, 1342.7}, {1000, 1673.9}, {1500, 2005.2}, {2000, 2336.5}};
    for (const auto& [hu, rho] : table) {
        INFO("HU " << hu);
        CHECK(hounsfield_to_density_kg_per_m3(hu) == Approx(rho).margin(0.06));
    }
    // Air: the fit turns negative (-5.68 at -1000 HU); the clamp keeps a physical density.
    CHECK(hounsfield_to_density_kg_per_m3(-1000) == kMinDensity_kg_per_m3);
    // Monotone and nearly continuous at the breakpoints H = 930, 1098, 1260 (HU -70, 98, 260): the fitted pieces
    // meet within a few kg/m^3.
    for (const double hu : {-70.0, 98.0, 260.0}) {
        INFO("breakpoint HU " << hu);
        const double below = hounsfield_to_density_kg_per_m3(hu - 1e-6), above = hounsfield_to_density_kg_per_m3(hu + 1e-6);
        CHECK(std::abs(above - below) < 5.0);
    }
    double last = 0;
    for (double hu = -1000; hu <= 3000; hu += 10) {
        const double rho = hounsfield_to_density_kg_per_m3(hu);
        CHECK(rho >= last - 5.0);
        last = rho;
    }
}

TEST_CASE("sound speed from density: Mast for soft tissue, the Aubry line for bone", "[models][hounsfield]") {
    // Mast 2000 at the reference table's densities.
    CHECK(soft_tissue_sound_speed_m_per_s(917.5) == Approx(1418.3).margin(0.1));
    CHECK(soft_tissue_sound_speed_m_per_s(1011.9) == Approx(1523.9).margin(0.1));
    CHECK(soft_tissue_sound_speed_m_per_s(1048.2) == Approx(1564.6).margin(0.1));
    // The bone line passes through its two defining points.
    CHECK(bone_sound_speed_m_per_s(1000) == Approx(1500).margin(0.1));
    CHECK(bone_sound_speed_m_per_s(2200) == Approx(3100).margin(0.1));
}
