// The session scheduler (planning/schedule.hpp, PLANNER.md §2): its invariants (1-4 sessions 7-14 days apart, shocks
// within the maximum, an increasing ramp, the stop at the goal, the fewest sessions), the published behaviours
// (halving the EFD and an off-axis target need more shocks), overrides out of range, the between-session model, the
// motion factor and the many-shock propagator against shock-by-shock updates.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "planning/schedule.hpp"
#include "planning/outcomes.hpp"
#include "core/errors.hpp"

using namespace lithosim::planning;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

ScheduleRequest standard(const std::string& indication, double diameter_m = 0) {
    const Protocol& p = protocol(indication);
    return standard_request(p, diameter_m > 0 ? diameter_m : p.typical_target_diameter_m);
}

/// Shocks until the fraction cleared first reaches f along the plan's curve (the curve has a point every 100 shocks
/// and at the session ends); a large number if it never does.
int shocks_to_reach(const Schedule& s, double f) {
    for (const CurvePoint& c : s.curve)
        if (c.fraction_cleared >= f) return c.shocks;
    return 1 << 30;
}

void check_invariants(const Schedule& s, const ScheduleRequest& r) {
    const Protocol& p = r.protocol;
    REQUIRE(s.safe);
    REQUIRE_FALSE(s.sessions.empty());
    CHECK(s.sessions.size() >= 1);
    CHECK(static_cast<int>(s.sessions.size()) <= s.max_sessions);
    CHECK(s.max_sessions <= 4);
    // Ramp: increasing settings, the plateau last.
    REQUIRE(s.planned_steps.size() >= 2);
    for (std::size_t i = 1; i < s.planned_steps.size(); ++i)
        CHECK(s.planned_steps[i].setting > s.planned_steps[i - 1].setting);
    for (std::size_t i = 0; i + 1 < s.planned_steps.size(); ++i) CHECK(s.planned_steps[i].shocks == r.ramp.shocks_per_step);
    int cumulative = 0;
    for (std::size_t i = 0; i < s.sessions.size(); ++i) {
        const SessionPlan& x = s.sessions[i];
        INFO("session " << x.index);
        CHECK(x.index == static_cast<int>(i) + 1);
        if (i > 0) {
            const int gap = x.day - s.sessions[i - 1].day;
            CHECK(gap >= 7);
            CHECK(gap <= 14);
        } else {
            CHECK(x.day == 0);
        }
        CHECK(x.shocks >= 1);
        CHECK(x.shocks <= s.max_shocks_per_session);
        CHECK(x.shocks <= p.shocks_per_session_max);
        CHECK(x.rate_per_min <= p.rate_per_min_max);
        CHECK(x.duration_min == Approx(x.shocks / x.rate_per_min));
        int in_steps = 0;
        for (std::size_t k = 0; k < x.steps.size(); ++k) {
            in_steps += x.steps[k].shocks;
            CHECK(x.steps[k].setting == s.planned_steps[k].setting);   // each session follows the plan's ramp
        }
        CHECK(in_steps == x.shocks);
        // A session ends at the goal or at the maximum, nowhere else.
        CHECK((x.stopped_at_goal || x.shocks == s.max_shocks_per_session));
        CHECK(x.p_plus_target_Pa > 0);
        CHECK(x.p_minus_target_Pa < 0);
        CHECK(x.efd_target_J_per_m2 > 0);
        CHECK(x.fraction_cleared_after >= 0);
        CHECK(x.fraction_cleared_after <= 1);
        if (i > 0) CHECK(x.fraction_cleared_after >= s.sessions[i - 1].fraction_cleared_after);
        cumulative += x.shocks;
    }
    // The curve: increasing shock counts, never-falling fraction, ending at the plan's total and final fraction.
    REQUIRE(s.curve.size() >= 2);
    CHECK(s.curve.front().shocks == 0);
    for (std::size_t i = 1; i < s.curve.size(); ++i) {
        CHECK(s.curve[i].shocks > s.curve[i - 1].shocks);
        CHECK(s.curve[i].fraction_cleared >= s.curve[i - 1].fraction_cleared - 1e-12);
    }
    CHECK(s.curve.back().shocks == cumulative);
    CHECK(s.curve.back().fraction_cleared == Approx(s.final_fraction_cleared()));
    CHECK(s.total_shocks() == cumulative);
}

}  // namespace

TEST_CASE("schedule: invariants of the standard plans of the four indications", "[schedule]") {
    for (const std::string& name : indication_names()) {
        INFO(name);
        const ScheduleRequest r = standard(name);
        const Schedule s = schedule_sessions(r);
        check_invariants(s, r);
        CHECK(s.endpoint == r.protocol.endpoint);
        CHECK(s.device == r.protocol.device);
        CHECK_FALSE(s.reason.empty());
        if (r.protocol.goal_kind == "dose") {
            // Tendon and vascular: every planned shock is delivered; the outcome follows the dose.
            CHECK(s.goal_reached);
            CHECK(s.total_shocks() == s.max_sessions * s.max_shocks_per_session);
            CHECK(contains(s.reason, "dose course delivered"));
        } else {
            const double p_all = probability_all_below(s.sessions.back().population_after, s.goal_size_m, s.stones);
            CHECK(s.goal_reached == (p_all >= s.goal_probability));
            // What the plan prints per session is the goal's own measure at the goal size.
            CHECK(s.sessions.back().p_piece_above_goal == Approx(1 - p_all).margin(1e-12));
            CHECK(s.sessions.back().p_largest_above_clearance >= 0);
            CHECK(s.sessions.back().p_largest_above_clearance <= 1);
        }
    }
}

TEST_CASE("schedule: no shocks plans nothing (the course without treatment)", "[schedule]") {
    ScheduleRequest r = standard("gallbladder");
    r.max_shocks_per_session = 0;
    const Schedule s = schedule_sessions(r);
    CHECK(s.sessions.empty());
    CHECK(s.planned_steps.empty());
    CHECK(s.safe);
    CHECK(contains(s.reason, "without treatment"));
}

TEST_CASE("schedule: stones share the session's shocks", "[schedule]") {
    // Three stones: each gets a third of the shocks, so the targeted one breaks more slowly per session shock.
    ScheduleRequest one = standard("gallbladder"), three = one;
    one.sessions = three.sessions = 1;
    one.max_shocks_per_session = three.max_shocks_per_session = 1500;
    three.stones = 3;
    const Schedule a = schedule_sessions(one), b = schedule_sessions(three);
    CHECK(b.stones == 3);
    CHECK(b.sessions.front().fraction_cleared_after < a.sessions.front().fraction_cleared_after);
    CHECK(b.sessions.front().p_largest_above_clearance > a.sessions.front().p_largest_above_clearance);
    ScheduleRequest six = one;
    six.stones = 6;
    CHECK_THROWS_AS(schedule_sessions(six), lithosim::InputError);
}

TEST_CASE("schedule: it stops at the first shock that reaches the goal", "[schedule]") {
    const ScheduleRequest r = standard("gallbladder");
    const Schedule s = schedule_sessions(r);
    REQUIRE(s.goal_reached);
    const SessionPlan& last = s.sessions.back();
    CHECK(last.stopped_at_goal);
    CHECK(probability_all_below(last.population_after, s.goal_size_m) >= s.goal_probability);
    CHECK(last.shocks < s.max_shocks_per_session);
    // The same shocks less one, shock by shock, fall short of the goal.
    const FragmentationModel m = fragmentation_model(r.protocol);
    FragmentPopulation pop = m.initial(s.target_diameter_m);
    int total = s.total_shocks() - 1;
    for (std::size_t i = 0; i < s.sessions.size() && total > 0; ++i) {
        if (i > 0) pop = between_sessions(pop, r.protocol, s.interval_days);
        for (const DeliveredStep& step : s.sessions[i].steps) {
            const ShockAtTarget load = r.dose.dose(step.setting, 0).at_target;
            for (int k = 0; k < step.shocks && total > 0; ++k, --total) m.shock(pop, load);
        }
    }
    CHECK(probability_all_below(pop, s.goal_size_m) < s.goal_probability);
}

TEST_CASE("schedule: the fewest sessions that reach the goal", "[schedule]") {
    // A 15 mm gallstone with 1000 shocks per session needs several sessions.
    ScheduleRequest r = standard("gallbladder");
    r.max_shocks_per_session = 1000;
    r.sessions = 4;
    const Schedule s = schedule_sessions(r);
    check_invariants(s, r);
    REQUIRE(s.goal_reached);
    const int n = static_cast<int>(s.sessions.size());
    REQUIRE(n >= 2);
    CHECK(s.sessions.back().stopped_at_goal);
    for (int i = 0; i + 1 < n; ++i)
        CHECK(probability_all_below(s.sessions[i].population_after, s.goal_size_m) < s.goal_probability);
    // One session fewer does not reach the goal.
    ScheduleRequest fewer = r;
    fewer.sessions = n - 1;
    const Schedule f = schedule_sessions(fewer);
    CHECK_FALSE(f.goal_reached);
    CHECK(static_cast<int>(f.sessions.size()) == n - 1);
    CHECK(contains(f.reason, "goal not reached"));
    CHECK(contains(f.reason, "up to 4 sessions"));
}

TEST_CASE("schedule: halving the EFD needs more shocks", "[schedule]") {
    for (const char* name : {"gallbladder", "bile_duct"}) {
        INFO(name);
        const ScheduleRequest r = standard(name);
        ScheduleRequest half = r;
        half.target_efd_J_per_m2 = r.protocol.efd_default_J_per_m2 / 2;
        const Schedule a = schedule_sessions(r), b = schedule_sessions(half);
        const auto plateau_efd = [&](const Schedule& s) {
            return r.dose.free_field_efd_J_per_m2(s.planned_steps.back().setting);
        };
        CHECK(plateau_efd(b) == Approx(plateau_efd(a) / 2).epsilon(1e-6));
        CHECK(shocks_to_reach(b, 0.5) > shocks_to_reach(a, 0.5));
        CHECK(b.total_shocks() > a.total_shocks());
    }
}

TEST_CASE("schedule: a target 15 mm off the beam axis needs more shocks", "[schedule]") {
    // The off-axis case as the app models it: the same device, less p+ and EFD at the target (reference dose model
    // with the target's centre 15 mm from the axis).
    const Protocol& p = protocol("bile_duct");
    const double d = p.typical_target_diameter_m;
    const ScheduleRequest on = standard_request(p, d);
    ScheduleRequest off = on;
    off.dose = reference_dose_model(p, d, 15e-3);
    CHECK(off.dose.dose(0.5, 0).at_target.p_plus_Pa < on.dose.dose(0.5, 0).at_target.p_plus_Pa);
    const Schedule a = schedule_sessions(on), b = schedule_sessions(off);
    CHECK(shocks_to_reach(b, 0.5) > shocks_to_reach(a, 0.5));
    CHECK(b.total_shocks() > a.total_shocks());
}

TEST_CASE("schedule: overrides out of range are input errors naming the quantity and the input", "[schedule]") {
    const ScheduleRequest r = standard("tendon");
    // `input` is the request field the front ends show (the command line as its option: --sessions).
    const auto expect_error = [&](ScheduleRequest bad, const std::string& part, const std::string& input = "") {
        try {
            schedule_sessions(bad);
            FAIL("no error for " << part);
        } catch (const lithosim::InputError& e) {
            INFO(e.what());
            CHECK(contains(e.what(), part));
            CHECK(e.input == input);
            CHECK_FALSE(contains(e.what(), "--"));   // the library names no command-line option
        }
    };
    for (double efd_mJ : {0.005, 0.61, -0.3}) {
        ScheduleRequest b = r;
        b.target_efd_J_per_m2 = efd_mJ * 1000;
        expect_error(b, "0.01 to 0.6", "efd_mJ_per_mm2");
    }
    for (int n : {0, -2, 5}) {
        ScheduleRequest b = r;
        b.sessions = n;
        expect_error(b, "sessions = " + std::to_string(n), "sessions");
    }
    for (int n : {-1, -100, r.protocol.shocks_per_session_max + 1}) {
        ScheduleRequest b = r;
        b.max_shocks_per_session = n;
        expect_error(b, "shocks per session = " + std::to_string(n), "max_shocks_per_session");
    }
    for (double rate : {0.0, -60.0, r.protocol.rate_per_min_max + 1}) {
        ScheduleRequest b = r;
        b.rate_per_min = rate;
        expect_error(b, "shock rate = ", "rate_per_min");
    }
    for (int days : {6, 15}) {
        ScheduleRequest b = r;
        b.interval_days = days;
        expect_error(b, "interval_days");
    }
    ScheduleRequest b = r;
    b.target_diameter_m = 0;
    expect_error(b, "diameter");
    b = r;
    b.goal_probability = 0;
    expect_error(b, "goal");
    // In range: accepted and used.
    ScheduleRequest ok = r;
    ok.sessions = 1;
    ok.max_shocks_per_session = 500;
    ok.rate_per_min = 120;
    ok.interval_days = 14;
    const Schedule s = schedule_sessions(ok);
    REQUIRE(s.sessions.size() == 1);
    CHECK(s.sessions[0].shocks <= 500);
    CHECK(s.sessions[0].rate_per_min == 120);
}

TEST_CASE("schedule: a device with levels is set on its levels, and one that falls short says so", "[schedule]") {
    ScheduleRequest r = standard("gallbladder");
    const DoseModel base = r.dose;
    // Levels 1..10 of a device whose free-field EFD is 0.06 mJ/mm^2 per level.
    r.dose.setting_min = 1;
    r.dose.setting_max = 10;
    r.dose.setting_step = 1;
    r.dose.free_field_efd_J_per_m2 = [](double level) { return 60.0 * level; };
    r.dose.dose = [base](double level, double offset) { return base.dose(0.06 * level, offset); };
    const Schedule s = schedule_sessions(r);
    for (const DeliveredStep& step : s.planned_steps) CHECK(step.setting == std::round(step.setting));
    CHECK(s.planned_steps.back().setting == 8);   // 0.48 is the level nearest 0.5 mJ/mm^2
    ScheduleRequest weak = r;
    weak.dose.free_field_efd_J_per_m2 = [](double level) { return 20.0 * level; };   // at most 0.2 mJ/mm^2
    const Schedule w = schedule_sessions(weak);
    CHECK(w.planned_steps.back().setting == 10);
    REQUIRE_FALSE(w.warnings.empty());
    CHECK(contains(w.warnings.front(), "above what the device delivers"));
    CHECK(contains(w.warnings.front(), "highest setting 10"));
}

TEST_CASE("between sessions: pieces shrink and clear, volume is kept, small ones stay", "[schedule]") {
    const Protocol& t = protocol("tendon");
    const FragmentationModel m = fragmentation_model(t);
    FragmentPopulation pop = m.initial(10e-3);
    const ShockAtTarget load{60e6, -12e6, 400, 5e-3};
    for (int i = 0; i < 800; ++i) m.shock(pop, load);
    const double f0 = m.fraction_cleared(pop);
    REQUIRE(f0 > 0.05);
    REQUIRE(f0 < 0.95);
    const FragmentPopulation after = between_sessions(pop, "tendon", 14);
    CHECK(population_volume_m3(after) == Approx(population_volume_m3(pop)).epsilon(1e-12));
    CHECK(m.fraction_cleared(after) > f0);
    // Longer between sessions, more cleared; nothing happens in no time.
    CHECK(m.fraction_cleared(between_sessions(pop, "tendon", 60)) > m.fraction_cleared(after));
    const FragmentPopulation same = between_sessions(pop, "tendon", 0);
    CHECK(same.count == pop.count);
    // Pieces below the clearance size are never lost (shrinking pieces and debris only join them); the largest
    // class, which nothing larger feeds, only loses.
    for (std::size_t k = 0; k < pop.diameter_m.size(); ++k)
        if (pop.diameter_m[k] < t.clearance_size_m) CHECK(after.count[k] >= pop.count[k] * (1 - 1e-12));
    if (pop.count[0] > 1e-9) CHECK(after.count[0] < pop.count[0]);
    // Gallbladder fragments dissolve with bile acids; bile duct and vascular fragments stay as they are.
    const FragmentationModel g = fragmentation_model(protocol("gallbladder"));
    FragmentPopulation gp = g.initial(15e-3);
    for (int i = 0; i < 60; ++i) g.shock(gp, ShockAtTarget{40e6, -10e6, 500, 11e-3});
    CHECK(g.fraction_cleared(between_sessions(gp, "gallbladder", 14)) > g.fraction_cleared(gp));
    CHECK(between_sessions(pop, "bile_duct", 14).count == pop.count);
    CHECK(between_sessions(pop, "vascular", 14).count == pop.count);
    CHECK_THROWS_AS(between_sessions(pop, "tendon", -1), lithosim::InputError);
}

TEST_CASE("motion factor: closed form, target size and offset", "[schedule]") {
    const double w = 6e-3, sd = 3e-3;
    const double s = w / (2 * std::sqrt(2 * std::log(2.0)));
    CHECK(gaussian_motion_factor(w, 0, 0) == Approx(1.0));
    CHECK(gaussian_motion_factor(w, 0, w / 2) == Approx(0.5));   // half maximum at half the width
    CHECK(gaussian_motion_factor(w, sd, 0) == Approx(s * s / (s * s + sd * sd)));
    // The quadrature (a target of negligible size) agrees with the closed form.
    CHECK(gaussian_motion_factor(w, sd, 2e-3, 1e-9) == Approx(gaussian_motion_factor(w, sd, 2e-3)).epsilon(1e-3));
    // Off-axis loses dose; a target larger than the motion keeps the beam on it.
    CHECK(gaussian_motion_factor(w, sd, 5e-3) < gaussian_motion_factor(w, sd, 0));
    CHECK(gaussian_motion_factor(w, sd, 0, 15e-3) > 0.999);
    CHECK(gaussian_motion_factor(w, sd, 0, 2e-3) > gaussian_motion_factor(w, sd, 0));
    // A broad focus loses less to the same motion than a narrow one (issue 5 §2.4).
    CHECK(gaussian_motion_factor(11e-3, sd, 0) > gaussian_motion_factor(5e-3, sd, 0));
    CHECK_THROWS_AS(gaussian_motion_factor(0, sd, 0), lithosim::InputError);
}

TEST_CASE("propagator: many shocks at once equal shock by shock, and the goal stop is exact", "[schedule]") {
    const FragmentationModel m = fragmentation_model(protocol("gallbladder"));
    const ShockAtTarget load{40e6, -10e6, 500, 11e-3};
    FragmentPopulation a = m.initial(15e-3), b = a;
    const ShockPropagator prop(m, a, load);
    CHECK(prop.advance(a, 777, 2.0) == 777);
    for (int i = 0; i < 777; ++i) m.shock(b, load);
    for (std::size_t k = 0; k < a.count.size(); ++k) CHECK(a.count[k] == Approx(b.count[k]).margin(1e-12).epsilon(1e-9));
    // With a goal: it stops after the first shock at which the fraction reaches it.
    FragmentPopulation c = m.initial(15e-3), d = c;
    const int n = ShockPropagator(m, c, load).advance(c, 5000, 0.5);
    int k = 0;
    while (m.fraction_cleared(d) < 0.5) {
        m.shock(d, load);
        ++k;
    }
    CHECK(n == k);
    CHECK(m.fraction_cleared(c) == Approx(m.fraction_cleared(d)).epsilon(1e-9));
}

TEST_CASE("replay: the plan's own case reproduces the plan", "[schedule]") {
    for (const char* name : {"gallbladder", "tendon"}) {
        INFO(name);
        const ScheduleRequest r = standard(name);
        const Schedule s = schedule_sessions(r);
        const ReplayResult x = replay_schedule(s, r.protocol, fragmentation_model(r.protocol), r.dose,
                                               std::vector<double>(s.max_sessions, 0.0));
        CHECK(x.sessions == static_cast<int>(s.sessions.size()));
        CHECK(x.shocks == s.total_shocks());
        CHECK(x.goal_reached == s.goal_reached);
        CHECK(x.fraction_cleared == Approx(s.final_fraction_cleared()).epsilon(1e-9));
    }
}
