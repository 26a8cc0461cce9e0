// Follow-up and re-planning (planning/follow_up.hpp, planning/FOLLOW_UP.md) on the reference dose model (no
// simulation): a residual larger than the model expected raises the shocks or sessions and lowers the probability, a
// smaller one does the opposite, none ends the course; measurements that contradict the model are refused.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "planning/follow_up.hpp"
#include "core/errors.hpp"

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

}  // namespace

// The reference dose model at a low EFD: the stone is still large after session 1 (the model expects 11.9 mm, 90 % of
// patients 6 to 15 mm), as on the gallbladder phantom, whose simulated p+ is below the stone's threshold.
TEST_CASE("a follow-up updates the gallbladder course: larger residual, more shocks and a lower probability; smaller, "
          "the opposite; none, the end",
          "[planning][follow_up]") {
    const Course c = first_plan("gallbladder", 15 * kMm, 0.1);
    REQUIRE(c.schedule.sessions.size() == 2);
    const ReplanResult larger = replan(c, seen(16, 16, 1));
    const ReplanResult smaller = replan(c, seen(6, 6, 3));
    const ReplanResult none = replan(c, seen(0, 0, 0));
    INFO("larger: " << larger.what_changed[1] << " | " << larger.what_changed[2] << " | " << larger.what_changed[3]);
    INFO("smaller: " << smaller.what_changed[1] << " | " << smaller.what_changed[2] << " | " << smaller.what_changed[3]);
    // The premise: one above the model's expectation, one below it.
    REQUIRE(16 * kMm > larger.predicted_size_high_m);
    REQUIRE(6 * kMm < smaller.predicted_size_median_m - 3 * kMm);
    // The strength moves the right way.
    CHECK(larger.strength_posterior_median > larger.strength_prior_median);
    CHECK(smaller.strength_posterior_median < smaller.strength_prior_median);
    // More residual: more shocks still to come and a lower probability than the earlier plan promised; less: fewer
    // shocks and a higher probability than the larger residual's and the earlier plan's.
    CHECK(shocks_after(larger) > shocks_after(smaller));
    CHECK(larger.prediction.primary().probability < c.prediction.primary().probability);
    CHECK(smaller.prediction.primary().probability > larger.prediction.primary().probability);
    CHECK(smaller.prediction.primary().probability > c.prediction.primary().probability);
    // Sessions keep their course-wide index and follow the protocol (at most 4 in all, 7-14 days apart).
    for (const ReplanResult* r : {&larger, &smaller}) {
        REQUIRE_FALSE(r->schedule.sessions.empty());
        CHECK(r->schedule.sessions.front().index == 2);
        CHECK(r->schedule.sessions.back().index <= protocol("gallbladder").sessions_max);
        for (std::size_t i = 1; i < r->schedule.sessions.size(); ++i) {
            const int gap = r->schedule.sessions[i].day - r->schedule.sessions[i - 1].day;
            CHECK((gap >= 7 && gap <= 14));
        }
        CHECK(r->schedule.sessions.front().day >= c.schedule.sessions.front().day + 7);
    }
    // Nothing seen: the course ends.
    CHECK(none.course_ends);
    CHECK(none.schedule.sessions.empty());
    CHECK(none.prediction.primary().probability > larger.prediction.primary().probability);
    // The posterior had enough samples and the interval carries the model's uncertainty.
    CHECK(larger.effective_samples >= 50);
    CHECK(larger.prediction.primary().ci95_high - larger.prediction.primary().ci95_low > 0.1);
}

// Tendon on the reference dose model at a low EFD: the deposit is expected in pieces of about 3 mm after session 1;
// a whole deposit says the dose reached it less well (and the stronger deposit), a smaller residual the opposite.
TEST_CASE("a follow-up updates the tendon course: larger residual, more sessions and a lower probability",
          "[planning][follow_up]") {
    const Course c = first_plan("tendon", 10 * kMm, 0.05);
    const ReplanResult larger = replan(c, seen(11, 11, 1));
    const ReplanResult smaller = replan(c, seen(5, 5, 3));
    const ReplanResult none = replan(c, seen(0, 0, 0));
    INFO("larger: " << larger.what_changed[0] << " | " << larger.what_changed[2] << " | " << larger.what_changed[3]);
    INFO("smaller: " << smaller.what_changed[0] << " | " << smaller.what_changed[2] << " | " << smaller.what_changed[3]);
    REQUIRE(11 * kMm > larger.predicted_size_high_m);
    CHECK(larger.schedule.sessions.size() > smaller.schedule.sessions.size());
    CHECK(larger.prediction.primary().probability < c.prediction.primary().probability);
    CHECK(smaller.prediction.primary().probability > larger.prediction.primary().probability);
    CHECK(none.course_ends);
    CHECK(none.schedule.sessions.empty());
    // At most 4 sessions in all.
    CHECK(1 + larger.schedule.sessions.size() <= std::size_t(protocol("tendon").sessions_max));
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
