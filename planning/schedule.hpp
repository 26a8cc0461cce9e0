// The session scheduler (issue 5 §4.1, §4.2; planning/PLANNER.md §2): from a protocol, a fragmentation model, the
// target's diameter and the dose the device delivers at each setting, it plans 1-4 sessions 7-14 days apart with an
// energy ramp at the start of each, stops when the predicted fraction cleared reaches the goal, carries the
// fragments over from one session to the next (between_sessions), and so uses the fewest sessions that reach the
// goal without breaking a safety limit - or says that none does and why.
//
// The dose model is the app's (the field simulated through the patient, averaged over motion); the scheduler asks it
// for the dose at a setting and at a lateral positioning offset of the target (the offset is 0 when planning; the
// success model's Monte Carlo samples it). SI inside.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "planning/fragmentation.hpp"
#include "planning/protocol.hpp"
#include "planning/safety.hpp"

namespace lithosim::planning {

/// What one shock at a setting delivers: at the target (motion-averaged) and per organ at risk (by label name).
struct DoseAtSetting {
    ShockAtTarget at_target;
    std::map<std::string, OrganDose> oar;
};

struct DoseModel {
    double setting_min = 0, setting_max = 0;
    /// Spacing of the allowed settings from setting_min (1 for integer levels); 0 for a continuous setting (kV).
    double setting_step = 0;
    /// The dose at a setting with the target displaced laterally by lateral_offset_m from where it was planned.
    /// Must be cheap (an interpolation): the scheduler calls it a few dozen times, the Monte Carlo a few thousand.
    std::function<DoseAtSetting(double setting, double lateral_offset_m)> dose;
    /// The device's free-field focal EFD at a setting (in water, as the protocols quote it). When given, the
    /// protocol's EFD selects the setting through it, so a poor acoustic window delivers less at the target; when
    /// empty, the EFD at the target (dose(setting, 0)) is used instead.
    std::function<double(double setting)> free_field_efd_J_per_m2;
};

/// Ramp at the start of each session: the setting steps up through these fractions of the plateau's EFD, each held
/// for shocks_per_step shocks (PLANNER.md §2.2: RASS11 ramping; 100 shocks per step as the low-power start of
/// Connors 2021; from a quarter of the EFD = half the pressure, the 12 -> 24 kV pretreatment of WILL06/HANDA09).
struct RampRule {
    std::vector<double> efd_fractions{0.25, 0.5, 0.75};
    int shocks_per_step = 100;
};

struct ScheduleRequest {
    Protocol protocol;
    /// Empty: the protocol's model (fragmentation_model(protocol)).
    std::optional<FragmentationModel> fragmentation;
    double target_diameter_m = 0;   ///< equivalent-sphere diameter of the target
    /// Stones of the target's size (gallbladder, bile duct): a session's shocks are shared equally between them
    /// (the focus is moved from stone to stone); the fragmentation runs on one of them.
    int stones = 1;
    DoseModel dose;
    // Overrides of the protocol (issue 5 §1 options); each is checked, out of range -> InputError.
    std::optional<int> sessions;                ///< most sessions to plan: 1..protocol.sessions_max
    std::optional<int> max_shocks_per_session;  ///< 1..protocol.shocks_per_session_max
    std::optional<double> rate_per_min;         ///< > 0 and <= protocol.rate_per_min_max
    std::optional<double> target_efd_J_per_m2;  ///< 0.01..0.6 mJ/mm^2 (10..600 J/m^2)
    std::optional<int> interval_days;           ///< protocol.interval_days_min..max
    std::optional<double> goal_probability;  ///< (0, 1]: P(every fragment below the goal size) that ends a session
    SafetyLimits safety = default_safety_limits();
    RampRule ramp;
    int curve_every_shocks = 100;   ///< the fragmentation curve gets a point every this many shocks (and at ends)
    // Re-planning a course after a follow-up (planning/follow_up.hpp): the sessions planned here continue it.
    /// The fragments at the first planned session (empty: the intact target).
    std::optional<FragmentPopulation> start;
    int first_index = 1;   ///< course-wide index of the first planned session (the sessions done come before)
    int first_day = 0;     ///< its day (the course's first session on day 0)
};

/// A stretch of shocks at one setting (a ramp step or the plateau).
struct DeliveredStep {
    double setting = 0;
    int shocks = 0;
};

struct SessionPlan {
    int index = 0;          ///< 1-based
    int day = 0;            ///< day of the session, the first on day 0
    int shocks = 0;
    double setting = 0;     ///< plateau setting
    double rate_per_min = 0;
    double duration_min = 0;
    double efd_free_field_J_per_m2 = 0;   ///< the device's free-field EFD at the plateau
    double efd_target_J_per_m2 = 0;       ///< at the target, plateau
    double p_plus_target_Pa = 0;
    double p_minus_target_Pa = 0;
    double fraction_cleared_after = 0;
    /// Probability that a fragment at or above the clearance size is left after the session, over all stones.
    double p_largest_above_clearance = 1;
    /// Probability that a fragment at or above the goal size (Schedule::goal_size_m) is left: 1 - the goal's measure.
    double p_piece_above_goal = 1;
    bool stopped_at_goal = false;
    FragmentPopulation population_after;
    std::vector<DeliveredStep> steps;     ///< ramp steps then plateau, as delivered (the last may be cut short)
    std::map<std::string, OrganDose> oar_max_per_shock;         ///< largest per-shock dose in the session
    std::map<std::string, double> oar_session_efd_J_per_m2;     ///< EFD summed over the session's shocks
};

struct CurvePoint {
    int shocks = 0;   ///< cumulative over the sessions
    double fraction_cleared = 0;
};

struct Schedule {
    std::string indication, endpoint, device;
    std::string goal_kind;           ///< the protocol's: fragmentation or dose
    int stones = 1;
    double goal_probability = 0;     ///< P(every fragment below goal_size_m) that ends a session
    double goal_size_m = 0;          ///< the protocol's extraction size where set, else its clearance size
    double clearance_size_m = 0;
    double target_diameter_m = 0;
    int interval_days = 0;
    int max_sessions = 0;            ///< the most the scheduler was allowed
    int max_shocks_per_session = 0;
    /// The steps every session follows (ramp, then the plateau with the rest of max_shocks_per_session); a session
    /// ends early when the goal is reached. Empty when no safe setting exists.
    std::vector<DeliveredStep> planned_steps;
    std::vector<SessionPlan> sessions;
    std::vector<CurvePoint> curve;
    bool goal_reached = false;
    bool safe = true;                ///< false: no setting keeps the organs at risk within their limits
    std::string reason;              ///< one line: why the plan ends where it ends
    std::vector<std::string> notes;  ///< choices the scheduler made (setting capped, ...)
    std::vector<std::string> warnings;   ///< what the user must know (the device short of the prescribed EFD)
    double final_fraction_cleared() const;
    int total_shocks() const;
};

/// The probability that every fragment of `stones` stones like `population` lies below size_m (the stones fragment
/// alike and independently): (1 - probability_largest_above(population, size_m))^stones.
double probability_all_below(const FragmentPopulation& population, double size_m, int stones = 1);

/// Plans the sessions. A "fragmentation" protocol stops a session when the probability that every fragment lies below
/// the goal size reaches the goal probability; a
/// "dose" protocol (tendon, vascular) delivers every planned shock. Throws InputError for an override out of range (the message names the option, the value and
/// the accepted range) and for an unusable request (no dose model, setting range empty, diameter <= 0).
Schedule schedule_sessions(const ScheduleRequest& request);

/// What happens to the fragments in `days` between sessions (PLANNER.md §2.4): pieces above the clearance size
/// shrink by the protocol's shrink_m_per_day (tendon: resorption; gallbladder: bile-acid dissolution; bile duct and
/// vascular: 0); the volume they lose is booked as cleared debris in the smallest class, so the population's volume
/// is conserved and the fraction cleared never falls. Pieces below the clearance size pass or resorb: they already
/// count as cleared and stay in their classes.
FragmentPopulation between_sessions(const FragmentPopulation& population, const std::string& indication, double days);
FragmentPopulation between_sessions(const FragmentPopulation& population, const Protocol& protocol, double days);

/// The plan's rules applied to another case: a sampled material (`model`) and the target displaced by
/// session_offsets_m[i] in session i (at least schedule.max_sessions offsets). Each session follows
/// schedule.planned_steps and ends when this case reaches the goal; sessions follow each other, with
/// between_sessions in between, until the goal or schedule.max_sessions. This is one sample of the success model's
/// Monte Carlo. Shocks at one setting are applied in one go (ShockPropagator), so a sample takes about a millisecond.
struct ReplayResult {
    FragmentPopulation population;   ///< of one stone
    /// Every stretch of shocks delivered (to all stones together) with its load at the target.
    std::vector<std::pair<int, ShockAtTarget>> delivered;
    int sessions = 0, shocks = 0;
    bool goal_reached = false;
    double fraction_cleared = 0;
    double mean_plateau_efd_target_J_per_m2 = 0;   ///< the plateau's EFD at the target, averaged over the sessions
};
/// A re-plan's replay starts from `start` (the fragments at its first session; null: the intact target) and takes
/// the offsets of its sessions from session_offsets_m[first_session...] (course-wide, 0-based).
ReplayResult replay_schedule(const Schedule& schedule, const Protocol& protocol, const FragmentationModel& model,
                             const DoseModel& dose, const std::vector<double>& session_offsets_m,
                             const FragmentPopulation* start = nullptr, int first_session = 0);

/// Many shocks at one load at once. FragmentationModel::shock is an expected-value update, linear in the counts, so
/// one shock is a matrix M (column k: one shock on one fragment of class k) and n shocks are M^n, built from binary
/// powers; the fraction cleared is linear in the counts too and never falls with more shocks, so the shock at which
/// it first reaches a goal is found by descending the powers. The constructor checks the linearity on one population
/// (std::logic_error if the model is not linear).
class ShockPropagator {
public:
    ShockPropagator(const FragmentationModel& model, const FragmentPopulation& grid, const ShockAtTarget& load);
    /// Applies up to n shocks, stopping after the first at which the fraction cleared reaches goal (goal > 1: never);
    /// returns the number applied.
    int advance(FragmentPopulation& population, int n, double goal) const;
    /// The same with any stop test on the counts that, once true, stays true with more shocks (the descent over the
    /// powers relies on it): e.g. the probability that every fragment is below a size reaching a goal.
    int advance(FragmentPopulation& population, int n,
                const std::function<bool(const std::vector<double>& counts)>& reached) const;

private:
    std::size_t k_ = 0;
    mutable std::vector<std::vector<double>> powers_;   ///< powers_[j] = M^(2^j), row-major k_ x k_
    std::vector<double> cleared_weight_;                ///< fraction cleared = weight . count
    void ensure_powers(int n) const;
    std::vector<double> apply(std::size_t j, const std::vector<double>& v) const;
    double fraction(const std::vector<double>& v) const;
};

/// A Gaussian focal spot averaged over Gaussian motion: the mean, over lateral displacements of SD motion_sd_m in
/// each of the two lateral axes around offset_m (along one of them), of exp(-r^2 / (2 s^2)) where r is the distance
/// from the beam axis to the nearest point of a target of radius target_radius_m (0 when the axis passes through it)
/// and s the Gaussian width of a profile whose full width at half maximum is width_m. Without a target radius this
/// is s^2 / (s^2 + sd^2) exp(-offset^2 / (2 (s^2 + sd^2))); a target larger than the motion keeps the beam on it and
/// the factor near 1. For p+ use the focal width, for EFD (~ p^2) the width / sqrt 2.
double gaussian_motion_factor(double width_m, double motion_sd_m, double offset_m, double target_radius_m = 0);

}  // namespace lithosim::planning
