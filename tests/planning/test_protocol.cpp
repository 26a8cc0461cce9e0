// The protocol table (planning/protocol.hpp, PLANNER.md §1): the indications, endpoints and reference rates,
// bands that hold together and sit inside the limits, a source for every value, names that resolve.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "planning/protocol.hpp"
#include "core/errors.hpp"

using namespace lithosim::planning;

namespace {
const std::vector<std::string> kSourcedFields = {
    "endpoint", "device", "target_material", "efd_min", "efd_default", "efd_max", "shocks_per_session_default",
    "shocks_per_session_max", "rate_per_min_default", "rate_per_min_max", "sessions_min", "sessions_default",
    "sessions_max", "interval_days_default", "interval_days_min", "interval_days_max", "clearance_size",
    "cloud_diameter_factor", "motion_sd", "positioning_sd", "shrink_per_day", "goal_probability",
    "reference_success_rate", "typical_target_diameter", "typical_window_loss", "reference_focal_width",
    "reference_tau_eff", "reference_positive_phase", "reference_p_plus_sd", "primary_outcome"};
}

TEST_CASE("protocols: the four indications with the issue's endpoints and reference rates", "[protocol]") {
    REQUIRE(indication_names() == std::vector<std::string>{"tendon", "gallbladder", "bile_duct", "vascular"});
    // Primary endpoints of issue 13 §1.
    CHECK(protocol("tendon").primary_outcome == "clinical_success_6mo");
    CHECK(protocol("gallbladder").primary_outcome == "stone_free_12mo");
    CHECK(protocol("bile_duct").primary_outcome == "duct_clearance");
    CHECK(protocol("vascular").primary_outcome == "procedural_success");
    // Tendon and vascular aim at a biological response or a fracture, not at clearance: every shock is delivered.
    CHECK(protocol("tendon").goal_kind == "dose");
    CHECK(protocol("vascular").goal_kind == "dose");
    CHECK(protocol("gallbladder").goal_kind == "fragmentation");
    CHECK(protocol("bile_duct").goal_kind == "fragmentation");
    CHECK(protocol("tendon").reference_success_rate == Approx(0.85));
    CHECK(protocol("gallbladder").reference_success_rate == Approx(0.70));
    CHECK(protocol("bile_duct").reference_success_rate == Approx(0.70));
    CHECK(protocol("vascular").reference_success_rate == Approx(0.60));
    // Devices: the ESWT head for tendon, a lithotripter for the biliary targets, and a focused extracorporeal device
    // for vascular calcium (the intravascular emitter has no focus).
    CHECK(protocol("tendon").device == "eswt_head");
    for (const char* b : {"gallbladder", "bile_duct"}) {
        const std::string d = protocol(b).device;
        CHECK((d == "hm3" || d == "em_lens"));
    }
    CHECK(protocol("vascular").device != "ivl_emitter");
    // The intravascular emitter is offered for vascular calcification: one procedure inside the balloon.
    const Protocol ivl = intravascular_protocol(protocol("vascular"));
    CHECK(ivl.device == "ivl_emitter");
    CHECK(ivl.sessions_default == 1);
    CHECK(ivl.shocks_per_session_max == 400);
    CHECK(ivl.positioning_sd_m == 0);
    CHECK(protocol("tendon").target_material == "hydroxyapatite_dense");
}

TEST_CASE("protocols: bands are ordered and inside the issue's limits", "[protocol]") {
    for (const std::string& name : indication_names()) {
        const Protocol& p = protocol(name);
        INFO(name);
        CHECK(p.indication == name);
        CHECK(p.efd_min_J_per_m2 <= p.efd_default_J_per_m2);
        CHECK(p.efd_default_J_per_m2 <= p.efd_max_J_per_m2);
        CHECK(p.efd_min_J_per_m2 >= kEfdOverrideMin_J_per_m2);     // 0.01 mJ/mm^2
        CHECK(p.efd_max_J_per_m2 <= kEfdOverrideMax_J_per_m2);     // 0.6 mJ/mm^2
        CHECK(p.shocks_per_session_default > 0);
        CHECK(p.shocks_per_session_default <= p.shocks_per_session_max);
        CHECK(p.rate_per_min_default > 0);
        CHECK(p.rate_per_min_default <= p.rate_per_min_max);
        CHECK(p.sessions_min == 1);                                 // issue: 1-4 sessions, default 2-4
        CHECK(p.sessions_max == 4);
        CHECK(p.sessions_default >= 2);
        CHECK(p.sessions_default <= 4);
        CHECK(p.interval_days_min == 7);                            // issue: 7-14 days apart
        CHECK(p.interval_days_max == 14);
        CHECK(p.interval_days_default >= 7);
        CHECK(p.interval_days_default <= 14);
        CHECK(p.clearance_size_m > 0);
        CHECK(p.clearance_size_m < p.typical_target_diameter_m);
        CHECK(p.motion_sd_m >= 0);
        CHECK(p.positioning_sd_m > 0);
        CHECK(p.goal_probability > 0);
        CHECK(p.goal_probability <= 1);
        CHECK(p.reference_success_rate > 0);
        CHECK(p.reference_success_rate < 1);
        CHECK(p.reference_positive_phase_s > 0);
        CHECK_FALSE(p.device_reason.empty());
    }
    // Clearance sizes of the issue: bile duct 2-3 mm, gallbladder about 5 mm.
    CHECK(protocol("bile_duct").clearance_size_m >= 2e-3);
    CHECK(protocol("bile_duct").clearance_size_m <= 3e-3);
    CHECK(protocol("gallbladder").clearance_size_m == Approx(5e-3));
    // Respiratory motion moves the biliary targets more than positioning error moves the others.
    CHECK(protocol("gallbladder").motion_sd_m > protocol("tendon").motion_sd_m);
    CHECK(protocol("bile_duct").motion_sd_m > protocol("vascular").motion_sd_m);
}

TEST_CASE("protocols: every value has a source or an assumption, and the names resolve", "[protocol]") {
    for (const std::string& name : indication_names()) {
        const Protocol& p = protocol(name);
        for (const std::string& field : kSourcedFields) {
            INFO(name << "." << field);
            const auto it = p.source.find(field);
            REQUIRE(it != p.source.end());
            CHECK(it->second.size() > 10);
        }
        CHECK_NOTHROW(stone_material(p.target_material));
        const FragmentationModel m = fragmentation_model(p);
        CHECK(m.options().clearance_size_m == p.clearance_size_m);
        CHECK(m.options().cloud_diameter_factor == p.cloud_diameter_factor);
    }
}

TEST_CASE("protocols: an unknown indication is an input error that lists the accepted ones", "[protocol]") {
    try {
        protocol("kidney");
        FAIL("no error");
    } catch (const lithosim::InputError& e) {
        const std::string m = e.what();
        CHECK(m.find("kidney") != std::string::npos);
        for (const char* n : {"tendon", "gallbladder", "bile_duct", "vascular"}) CHECK(m.find(n) != std::string::npos);
    }
}
