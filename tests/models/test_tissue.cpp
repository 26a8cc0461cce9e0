// Tissue presets and water fits. Reference values: docs physics-numerics.md section 7.1 (derived from the
// k-Wave fits: Marczak 1997 sound speed, Beyer 1960 B/A) and Kell 1975 for density.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include "models/tissue.hpp"

using namespace lithosim::models;

TEST_CASE("every contracted preset exists with positive physical values", "[models]") {
    const std::vector<std::string> contract = {"water",  "blood", "fat",  "muscle", "soft_tissue",
                                               "tendon", "liver", "bile", "skin",   "bone_cortical",
                                               "bone_trabecular", "calcification", "gallstone"};
    const std::vector<std::string> names = tissue_preset_names();
    CHECK(names == contract);
    CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());

    for (const std::string& n : contract) {
        INFO("preset " << n);
        const TissueProperties& t = tissue_preset(n);
        CHECK(t.name == n);
        // Loose physical bounds: every preset is a condensed material between fat and dense mineral.
        CHECK(t.rho_kg_per_m3 > 500.0);
        CHECK(t.rho_kg_per_m3 < 3500.0);
        CHECK(t.c_m_per_s > 1300.0);
        CHECK(t.c_m_per_s < 6000.0);
        CHECK(t.alpha_dB_per_cm_MHz > 0.0);
        CHECK(t.alpha_power > 0.0);
        CHECK(t.alpha_power <= 3.0);
        CHECK(t.BonA > 0.0);
        CHECK_FALSE(t.source.empty());
    }
}

TEST_CASE("presets that rest on assumptions say so in their source", "[models]") {
    for (const char* n : {"blood", "bile", "calcification", "gallstone", "bone_cortical", "skin", "tendon"}) {
        INFO("preset " << n);
        CHECK(tissue_preset(n).source.find("assumption") != std::string::npos);
    }
}

TEST_CASE("unknown preset throws and lists the accepted names on one line", "[models]") {
    try {
        tissue_preset("kidney_stone");
        FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
        const std::string msg = e.what();
        CHECK(msg.find("kidney_stone") != std::string::npos);
        CHECK(msg.find('\n') == std::string::npos);
        for (const std::string& n : tissue_preset_names()) {
            INFO("name " << n);
            CHECK(msg.find(n) != std::string::npos);
        }
    }
}

TEST_CASE("water sound speed follows Marczak 1997", "[models]") {
    CHECK(water_sound_speed(20.0) == Approx(1482.46).margin(0.005));
    CHECK(water_sound_speed(37.0) == Approx(1523.93).margin(0.005));
    CHECK(water_sound_speed(0.0) == Approx(1402.385).margin(1e-9));  // the constant term
    CHECK_THROWS_AS(water_sound_speed(-1.0), std::invalid_argument);
    CHECK_THROWS_AS(water_sound_speed(96.0), std::invalid_argument);
}

TEST_CASE("water B/A follows the Beyer 1960 fit", "[models]") {
    CHECK(water_BonA(20.0) == Approx(4.965).margin(0.0005));
    CHECK(water_BonA(37.0) == Approx(5.341).margin(0.0005));
    CHECK_THROWS_AS(water_BonA(101.0), std::invalid_argument);
}

TEST_CASE("water density follows Kell 1975", "[models]") {
    CHECK(water_density(20.0) == Approx(998.20).margin(0.01));
    CHECK(water_density(4.0) == Approx(999.97).margin(0.01));  // maximum density near 4 degC
    CHECK(water_density(4.0) > water_density(0.0));
    CHECK(water_density(4.0) > water_density(8.0));
}

TEST_CASE("the water preset is water at 20 degC from the fits", "[models]") {
    const TissueProperties& w = tissue_preset("water");
    CHECK(w.rho_kg_per_m3 == Approx(998.2).margin(0.01));
    CHECK(w.c_m_per_s == Approx(water_sound_speed(20.0)));
    CHECK(w.BonA == Approx(water_BonA(20.0)));
    CHECK(w.alpha_dB_per_cm_MHz == Approx(2.19e-3));
    CHECK(w.alpha_power == 2.0);
}

TEST_CASE("impedance ordering: fat < water < soft tissue < trabecular < cortical bone; stones above tissue", "[models]") {
    auto Z = [](const char* n) { return tissue_preset(n).rho_kg_per_m3 * tissue_preset(n).c_m_per_s; };
    CHECK(Z("fat") < Z("water"));
    CHECK(Z("water") < Z("soft_tissue"));
    CHECK(Z("soft_tissue") < Z("bone_trabecular"));
    CHECK(Z("bone_trabecular") < Z("bone_cortical"));
    CHECK(Z("gallstone") > Z("soft_tissue"));
}
