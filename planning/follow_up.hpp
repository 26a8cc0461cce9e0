// Follow-up and re-planning (planning/FOLLOW_UP.md): what the ultrasound showed between sessions updates what the
// model believes about the patient, and the rest of the course is planned again from there.
//
//   1. Prior: the outcome Monte Carlo's particles (planning/outcomes.hpp): stone strength, dose error, aim per
//      session, the outcome models' coefficients and shifts.
//   2. Each particle replays the sessions done (as the earlier plan delivered them) up to each follow-up's day; the
//      likelihood of what was seen is the ultrasound model below applied to the particle's largest piece.
//   3. Importance weights = the product of the likelihoods; the posterior is resampled (systematic resampling) to
//      equally weighted particles; more prior particles are drawn until the effective sample size reaches the
//      samples asked for (or a cap, reported).
//   4. Fragmentation indications (gallbladder, bile duct): the particle's fragments are conditioned on the
//      observation (the largest piece drawn from its posterior; larger pieces removed; at least one piece of that
//      size). Tendon: the deposit's visible size is the fragmentation model's largest piece times the part of it not
//      yet resorbed, 1 - t / (2 T), where T is the time to radiographic resorption (half the diameter gone) that
//      the particle's fitted resorption model implies: P(T <= t) = the model's resorption probability at t.
//   5. The remaining sessions are planned on the posterior nominal state (posterior median strength), within the
//      protocol (at most sessions_max in all, interval_days apart), and the outcomes predicted on the posterior.
//
// Ultrasound model (sources in FOLLOW_UP.md): a piece of true size s is seen with probability
// L((s - 3 mm) / 0.5 mm); its measured size is s + b(s) + N(0, 1.2 mm), the bias b falling from 1.9 mm at 5 mm and
// below to 0.3 mm at 10 mm and above; the two diameters measured give the size sqrt(a b); the count of pieces seen is
// negative binomial (shape 2) around the expected number of visible pieces.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "planning/outcomes.hpp"

namespace lithosim::planning {

/// One echographic follow-up (plan --follow-up FILE; contract keys in planner/plan.hpp).
struct FollowUp {
    int after_session = 0;          ///< course-wide index of the session before the check
    int day = 0;                    ///< day of the check (the course's first session on day 0)
    double residual_a_m = 0, residual_b_m = 0;   ///< the two largest diameters of the largest residual piece
    int fragment_count = 0;         ///< pieces seen
    bool residual_visible = true;
    /// The size the ultrasound model compares: sqrt(a b) (the diameter of a circle of the ellipse's area).
    double size_m() const;
};

struct UltrasoundModel {
    double detection_size_m = 3e-3;     ///< seen with probability 1/2
    double detection_width_m = 0.5e-3;  ///< logistic width of the detection
    double bias_small_m = 1.9e-3;       ///< overestimation at and below bias_small_size_m
    double bias_small_size_m = 5e-3;
    double bias_large_m = 0.3e-3;       ///< overestimation at and above bias_large_size_m
    double bias_large_size_m = 10e-3;
    double sd_m = 1.2e-3;               ///< measurement SD
    double count_shape = 2;             ///< negative binomial shape of the count of pieces seen
    double bias_m(double true_size_m) const;
    double p_visible(double true_size_m) const;
};

/// A session as delivered (the earlier plan's), replayed by every particle.
struct DoneSession {
    int index = 0, day = 0;
    std::vector<DeliveredStep> steps;
};

struct ReplanRequest {
    ScheduleRequest request;        ///< the first plan's (protocol, fragmentation, dose model, stones, overrides)
    PatientFactors patient;
    std::vector<DoneSession> done;  ///< sessions 1..k, k = the last follow-up's after_session
    std::vector<FollowUp> follow_ups;   ///< in order of day
    /// The earlier plan's sessions in all and its primary probability (what it promised).
    int previous_sessions = 0;
    double previous_probability = 0;
    OutcomeOptions options;
    UltrasoundModel ultrasound;
    int max_particles = 20000;      ///< prior particles drawn at most while the effective sample size is short
};

struct ReplanResult {
    Schedule schedule;              ///< the sessions still to come (course-wide indices); none when the course ends
    OutcomePrediction prediction;   ///< the whole course's outcomes on the posterior
    bool course_ends = false;
    std::string reason;             ///< the schedule's reason (why the course ends where it ends)
    std::string course;             ///< one line: the sessions to come against the earlier plan's
    // What the follow-ups taught (the last follow-up): prior and posterior.
    double predicted_size_median_m = 0, predicted_size_low_m = 0, predicted_size_high_m = 0;  ///< prior, 5-95 %
    double observed_size_m = 0;
    double strength_prior_median = 1, strength_posterior_median = 1;
    double strength_posterior_low = 1, strength_posterior_high = 1;   ///< 5-95 %
    double resorption_months_prior = 0, resorption_months_posterior = 0;   ///< tendon: median T
    double dose_factor_posterior_median = 1;   ///< p+ at the target against the simulated (the prior's median is 1)
    double effective_samples = 0;
    int particles_drawn = 0;
    std::vector<std::string> what_changed;
};

/// Checks the follow-ups against the course (one InputError line naming the entry, the value and what is accepted):
/// sessions done 1..sessions planned, days after their session, in order, sizes >= 0 and not larger than the intact
/// target (its equivalent diameter plus the ultrasound's overestimation), no size or count without a visible residual.
void check_follow_ups(const std::vector<FollowUp>& follow_ups, const std::vector<DoneSession>& planned,
                      double target_diameter_m, int sessions_max, const UltrasoundModel& ultrasound = {});

/// Updates the course on the follow-ups and plans the rest of it (the steps at the top of this file).
ReplanResult replan_after_follow_up(const ReplanRequest& request);

}  // namespace lithosim::planning
