// Follow-up and re-planning (planning/follow_up.hpp, planning/FOLLOW_UP.md) on the reference dose model (no
// simulation): a residual larger than the model expected raises the shocks or sessions and lowers the probability, a
// smaller one does the opposite, none ends the course; measurements that contradict the model are refused.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "planning/follow_up.hpp"
#include "solver/errors.hpp"

using namespace lithosim::planning;

namespace {

constexpr double kMm = 1e-3;

struct Course {
    ScheduleRequest request;
    PatientFactors patient;
    Schedule schedule;
    OutcomePrediction prediction;
};

Course first_plan(const std::string& indication, double diameter_m, double efd_mJ_per_mm2 = 0) {
    Course c;
    c.request = standard_request(protocol(indication), diameter_m);
    if (efd_mJ_per_mm2 > 0) c.request.target_efd_J_per_m2 = efd_mJ_per_mm2 * 1e3;
    c.patient.gaertner_type = 1;
    c.schedule = schedule_sessions(c.request);
    OutcomeOptions o;
    o.samples = 100;
    o.seed = 3;
    c.prediction = predict_outcomes(c.request, c.schedule, c.patient, o);
    return c;
}

std::vector<DoneSession> planned(const Schedule& s) {
    std::vector<DoneSession> out;
    for (const auto& x : s.sessions) out.push_back({x.index, x.day, x.steps});
    return out;
}

FollowUp seen(double a_mm, double b_mm, int count, int day = 7) {
    return {1, day, a_mm * kMm, b_mm * kMm, count, a_mm > 0};
}

ReplanResult replan(const Course& c, const FollowUp& f) {
    ReplanRequest q;
    q.request = c.request;
    q.patient = c.patient;
    q.done = {planned(c.schedule).front()};
    q.follow_ups = {f};
    q.previous_sessions = int(c.schedule.sessions.size());
    q.previous_probability = c.prediction.primary().probability;
    q.options.samples = 100;
    q.options.seed = 3;
    return replan_after_follow_up(q);
}

int shocks_after(const ReplanResult& r) { return r.schedule.total_shocks(); }

/// Follow-ups against the model's own expectation after session 1: one 4 mm above its 95th percentile (past the
/// ultrasound's overestimation) (at most the intact
/// target plus the ultrasound's overestimation), one well below its median where the median leaves room (else none
/// is seen), one with nothing seen.
struct Trio {
    ReplanResult larger, smaller, none;
    bool smaller_visible = false;
};
Trio trio(const Course& c, double intact_mm) {
    const ReplanResult probe = replan(c, seen(intact_mm, intact_mm, 1));
    const double median = probe.predicted_size_median_m / kMm, high = probe.predicted_size_high_m / kMm;
    Trio t{replan(c, seen(std::min(high + 4.0, intact_mm + 1.5), std::min(high + 4.0, intact_mm + 1.5), 1)), {},
           replan(c, seen(0, 0, 0))};
    t.smaller_visible = median - 3.0 >= 3.5;
    t.smaller = t.smaller_visible ? replan(c, seen(median - 3.0, median - 3.0, 3)) : t.none;
    return t;
}

}  // namespace

TEST_CASE("a follow-up updates the gallbladder course: larger residual, more shocks and a lower probability",
          "[planning][follow_up]") {
    const Course c = first_plan("gallbladder", 15 * kMm, 0.2);
    const Trio t = trio(c, 15);
    INFO("larger: " << t.larger.what_changed[0] << " | " << t.larger.what_changed[1] << " | " << t.larger.what_changed[2]
                    << " | " << t.larger.what_changed[3]);
    // A residual above what the model expected: the strength revised up, shocks still to come, a lower probability
    // than the earlier plan promised; nothing seen: the course ends with a higher probability.
    CHECK(t.larger.strength_posterior_median > t.larger.strength_prior_median);
    CHECK(shocks_after(t.larger) > shocks_after(t.none));
    CHECK(t.larger.prediction.primary().probability < c.prediction.primary().probability);
    CHECK(t.none.course_ends);
    CHECK(t.none.schedule.sessions.empty());
    CHECK(t.none.prediction.primary().probability > t.larger.prediction.primary().probability);
    // Sessions keep their course-wide index and follow the protocol (at most 4 in all, 7-14 days apart).
    REQUIRE_FALSE(t.larger.schedule.sessions.empty());
    CHECK(t.larger.schedule.sessions.front().index == 2);
    CHECK(t.larger.schedule.sessions.back().index <= protocol("gallbladder").sessions_max);
    CHECK(t.larger.schedule.sessions.front().day >= c.schedule.sessions.front().day + 7);
    // The interval carries the model's uncertainty.
    CHECK(t.larger.prediction.primary().ci95_high - t.larger.prediction.primary().ci95_low > 0.1);
}

TEST_CASE("measurements that contradict the model are refused with one line", "[planning][follow_up]") {
    const Course c = first_plan("gallbladder", 15 * kMm);
    const std::vector<DoneSession> p = planned(c.schedule);
    using lithosim::InputError;
    const auto refused = [&](const FollowUp& f, const std::string& word) {
        try {
            check_follow_ups({f}, p, 15 * kMm, 4);
        } catch (const InputError& e) {
            const std::string m = e.what();
            return m.find(word) != std::string::npos && m.find('\n') == std::string::npos;
        }
        return false;
    };
    CHECK(refused(seen(25, 20, 1), "larger than the intact target"));
    CHECK(refused(seen(-2, 3, 1), "negative"));
    CHECK(refused(FollowUp{1, 0, 5 * kMm, 5 * kMm, 1, true}, "not after session 1"));
    CHECK(refused(FollowUp{3, 40, 5 * kMm, 5 * kMm, 1, true}, "not a session"));
    CHECK(refused(FollowUp{1, 7, 0, 0, 0, true}, "residual_visible is true"));
    CHECK(refused(FollowUp{1, 7, 5 * kMm, 5 * kMm, 2, false}, "residual_visible is false"));
    CHECK_NOTHROW(check_follow_ups({seen(16, 15, 1)}, p, 15 * kMm, 4));
}
