// Safety limits and checks (planning/safety.hpp, PLANNER.md §4): the path rule, the per-organ limits the scheduler
// keeps, overrides by name=value, the per-session shock maximum, warnings most severe first.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "planning/safety.hpp"
#include "planning/schedule.hpp"
#include "planning/outcomes.hpp"
#include "core/errors.hpp"

using namespace lithosim::planning;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// The reference dose of the gallbladder protocol, plus a lung whose p+ grows with the setting (EFD in mJ/mm^2):
/// lung_Pa_per_setting Pa per unit of setting, |p-| a fifth of it, EFD from the reference pulse.
DoseModel with_lung(const Protocol& p, double diameter_m, double lung_Pa_per_setting) {
    DoseModel m = reference_dose_model(p, diameter_m);
    const auto base = m.dose;
    m.dose = [=](double setting, double offset) {
        DoseAtSetting d = base(setting, offset);
        const double pp = lung_Pa_per_setting * setting;
        d.oar["lung"] = {pp, -pp / 5, pp * pp * 0.86e-6 / 1.48e6};
        return d;
    };
    return m;
}

}  // namespace

TEST_CASE("safety: documented defaults for lung, bowel gas and bone", "[safety]") {
    const SafetyLimits s = default_safety_limits();
    for (const char* organ : {"lung", "bowel_gas", "bone_surface"}) {
        INFO(organ);
        REQUIRE(s.organs.count(organ) == 1);
        CHECK(s.organs.at(organ).source.size() > 20);
    }
    // Gas-bearing organs refuse a beam path and bleed at about 1 MPa (lung and gut thresholds).
    for (const char* organ : {"lung", "bowel_gas"}) {
        const OrganLimit& l = s.organs.at(organ);
        CHECK(l.refuse_in_path);
        CHECK(l.max_p_plus_Pa <= 2e6);
        CHECK(l.max_p_minus_Pa <= 2e6);
        CHECK(std::isfinite(l.max_efd_J_per_m2));
    }
    CHECK_FALSE(s.organs.at("bone_surface").refuse_in_path);
}

TEST_CASE("safety: a path through lung or bowel gas is refused, bone is a warning with its dose loss", "[safety]") {
    const SafetyLimits s = default_safety_limits();
    BeamPathCrossing clear;
    clear.length_m = {{"lung", 0.0}, {"bowel_gas", 0.0}};
    CHECK(check_beam_path(clear, s).ok);

    BeamPathCrossing lung;
    lung.length_m = {{"lung", 0.012}};
    const SafetyCheck l = check_beam_path(lung, s);
    CHECK_FALSE(l.ok);
    REQUIRE(l.violations.size() == 1);
    CHECK(contains(l.violations[0], "lung"));
    CHECK(contains(l.violations[0], "12 mm"));
    CHECK(contains(l.violations[0], "refused"));

    BeamPathCrossing gas;
    gas.length_m = {{"bowel_gas", 0.004}};
    CHECK_FALSE(check_beam_path(gas, s).ok);

    BeamPathCrossing bone;
    bone.length_m = {{"bone", 0.008}};
    bone.bone_efd_loss_dB = 3.0;
    const SafetyCheck b = check_beam_path(bone, s);
    CHECK(b.ok);
    REQUIRE(b.warnings.size() == 1);
    CHECK(contains(b.warnings[0], "bone"));
    CHECK(contains(b.warnings[0], "3 dB"));
    CHECK(contains(b.warnings[0], "49.88"));   // 1 - 10^-0.3 = 49.88 % less EFD
}

TEST_CASE("safety: overrides by name=value, and bad ones are input errors", "[safety]") {
    SafetyLimits s = default_safety_limits();
    apply_safety_override(s, "lung.max_p_minus_MPa=0.5");
    CHECK(s.organs.at("lung").max_p_minus_Pa == Approx(0.5e6));
    apply_safety_override(s, "bone_surface.max_efd_mJ_per_mm2=0.3");
    CHECK(s.organs.at("bone_surface").max_efd_J_per_m2 == Approx(300.0));
    apply_safety_override(s, "kidney.max_p_plus_MPa=20");   // a new organ label
    CHECK(s.organs.at("kidney").max_p_plus_Pa == Approx(20e6));
    apply_safety_override(s, "bowel_gas.refuse_in_path=0");
    CHECK_FALSE(s.organs.at("bowel_gas").refuse_in_path);
    apply_safety_override(s, "warning_fraction=0.5");
    CHECK(s.warning_fraction == Approx(0.5));
    for (const char* bad : {"lung.max_p_minus_MPa=-1", "lung.max_p_minus_MPa=0", "lung=3", "lung.max_pressure=1",
                            "lung.max_p_plus_MPa=abc", "lung.max_p_plus_MPa", "warning_fraction=2",
                            "lung.refuse_in_path=2"}) {
        INFO(bad);
        try {
            apply_safety_override(s, bad);
            FAIL("no error");
        } catch (const lithosim::InputError& e) {
            CHECK(contains(e.what(), "safety limit"));
        }
    }
}

TEST_CASE("safety: the scheduler lowers the setting to keep an organ at risk within its limit", "[safety][schedule]") {
    const Protocol& p = protocol("gallbladder");
    ScheduleRequest r = standard_request(p, 15e-3);
    // Lung p+ 4 MPa per mJ/mm^2 of setting: the default 0.5 mJ/mm^2 gives 2 MPa, over the 1 MPa limit.
    r.dose = with_lung(p, 15e-3, 4e6);
    const Schedule plan = schedule_sessions(r);
    REQUIRE(plan.safe);
    REQUIRE_FALSE(plan.sessions.empty());
    REQUIRE_FALSE(plan.notes.empty());
    CHECK(contains(plan.notes.back(), "lowered"));
    CHECK(contains(plan.notes.back(), "lung"));
    for (const SessionPlan& s : plan.sessions) {
        CHECK(s.setting <= 0.25 + 1e-6);   // 1 MPa / 4 MPa per unit
        CHECK(s.oar_max_per_shock.at("lung").max_p_plus_Pa <= 1e6 * (1 + 1e-6));
        CHECK(s.oar_session_efd_J_per_m2.at("lung") > 0);
    }
    const SafetyCheck c = check_safety(plan, {}, r.safety, p.shocks_per_session_max);
    CHECK(c.ok);
    REQUIRE(c.oar.size() == 1);
    CHECK(c.oar[0].organ == "lung");
    CHECK(c.oar[0].limit_ok);
    // Capped just below the limit: reported as close to it.
    REQUIRE_FALSE(c.warnings.empty());
    CHECK(contains(c.warnings[0], "close to the limit"));

    // Without the cap the same plan would deliver 2 MPa at the lung: the lower setting costs fragmentation.
    ScheduleRequest uncapped = r;
    uncapped.dose = reference_dose_model(p, 15e-3);
    CHECK(schedule_sessions(uncapped).total_shocks() < plan.total_shocks());
}

TEST_CASE("safety: no safe setting -> no plan, with the reason, and check_safety refuses it", "[safety][schedule]") {
    const Protocol& p = protocol("gallbladder");
    ScheduleRequest r = standard_request(p, 15e-3);
    r.dose = with_lung(p, 15e-3, 200e6);   // 2 MPa at the lowest setting, 0.01 mJ/mm^2
    const Schedule plan = schedule_sessions(r);
    CHECK_FALSE(plan.safe);
    CHECK(plan.sessions.empty());
    CHECK(contains(plan.reason, "no safe plan"));
    CHECK(contains(plan.reason, "lung"));
    const SafetyCheck c = check_safety(plan, {}, r.safety, p.shocks_per_session_max);
    CHECK_FALSE(c.ok);
    REQUIRE_FALSE(c.violations.empty());
    CHECK(c.violations[0] == plan.reason);
}

TEST_CASE("safety: shocks above the per-session maximum, doses over a limit, warnings most severe first",
          "[safety]") {
    Schedule plan;
    SessionPlan s;
    s.index = 1;
    s.shocks = 3500;
    s.oar_max_per_shock["lung"] = {0.95e6, -0.2e6, 0.1};          // 95 % of the p+ limit
    s.oar_max_per_shock["bone_surface"] = {5e6, -1e6, 700.0};    // EFD over 0.6 mJ/mm^2
    s.oar_max_per_shock["liver"] = {3e6, -1e6, 1.0};              // no limit defined
    plan.sessions.push_back(s);
    BeamPathCrossing path;
    path.length_m = {{"bone", 0.005}};
    path.bone_efd_loss_dB = 1.0;
    const SafetyCheck c = check_safety(plan, path, default_safety_limits(), 3000);
    CHECK_FALSE(c.ok);
    REQUIRE(c.violations.size() == 2);
    CHECK(contains(c.violations[0], "3500 shocks"));
    CHECK(contains(c.violations[1], "bone_surface EFD"));
    REQUIRE(c.warnings.size() == 3);
    CHECK(contains(c.warnings[0], "close to the limit (95 %)"));   // near a limit first
    CHECK(contains(c.warnings[1], "bone in the beam path"));
    CHECK(contains(c.warnings[2], "no limit is defined for organ 'liver'"));
    bool bone_flagged = false;
    for (const OarSummary& o : c.oar)
        if (o.organ == "bone_surface") bone_flagged = !o.limit_ok;
    CHECK(bone_flagged);
}
