// Safety limits at the organs at risk and the checks of a plan against them (issue 5 §5; planning/PLANNER.md §4).
//
//  * A beam path through lung or bowel gas is refused: the app measures the path (skin to target along the beam) and
//    calls check_beam_path; the limits say which organs refuse a path (OrganLimit::refuse_in_path).
//  * Bone in the path is a warning that shows the dose lost in it.
//  * Per shock, p+, |p-| and EFD at each organ at risk stay below its limits: the scheduler lowers the setting until
//    they do (schedule.hpp), check_safety verifies the plan and reports per organ.
//  * Shocks per session stay within the device's per-session maximum.
// A plan that check_safety calls not ok is refused by the app (exit 3) with the first violation as the reason.
//
// Limits are SI inside; overrides are given by name=value in the units of the key (`lung.max_p_minus_MPa=0.5`).
#pragma once
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace lithosim::planning {

/// Dose per shock at one organ at risk (the maximum over its nodes).
struct OrganDose {
    double max_p_plus_Pa = 0;
    double max_p_minus_Pa = 0;   ///< most negative p- (a negative number)
    double max_efd_J_per_m2 = 0;
};

constexpr double kNoLimit = std::numeric_limits<double>::infinity();

struct OrganLimit {
    double max_p_plus_Pa = kNoLimit;
    double max_p_minus_Pa = kNoLimit;   ///< limit on |p-| (a positive number)
    double max_efd_J_per_m2 = kNoLimit;
    bool refuse_in_path = false;        ///< a beam path through this organ is refused
    std::string source;
};

struct SafetyLimits {
    std::map<std::string, OrganLimit> organs;   ///< by the model's label name: lung, bowel_gas, bone_surface
    /// A dose above this fraction of a limit is reported as a warning.
    double warning_fraction = 0.8;
};

/// The documented limits (PLANNER.md §4): lung, bowel_gas, bone_surface.
SafetyLimits default_safety_limits();

/// Applies one override "organ.key=value" with key one of max_p_plus_MPa, max_p_minus_MPa, max_efd_mJ_per_mm2
/// (value > 0), or "warning_fraction=value" (0 < value <= 1). A new organ name adds a limit for that label.
/// Throws InputError naming the text and what is accepted.
void apply_safety_override(SafetyLimits& limits, const std::string& assignment);

/// Lengths of the beam path (skin to target) through the organs that matter, m; bone_efd_loss_dB is the EFD lost
/// to the bone on the path (the app's dose with and without it), negative when not known.
struct BeamPathCrossing {
    std::map<std::string, double> length_m;   ///< e.g. lung, bowel_gas, bone_surface or bone
    double bone_efd_loss_dB = -1;
};

/// Per organ: the largest per-shock dose over the plan, the largest session total of EFD, and whether the limits
/// hold.
struct OarSummary {
    std::string organ;
    OrganDose max_per_shock;
    double max_session_efd_J_per_m2 = 0;
    bool limit_ok = true;
    bool has_limit = false;
};

struct SafetyCheck {
    bool ok = true;
    std::vector<std::string> violations;   ///< each one refuses the plan
    std::vector<std::string> warnings;     ///< most severe first
    std::vector<OarSummary> oar;
};

/// The organs whose limits this dose breaks, each as one line with the value and the limit; empty if none.
std::vector<std::string> limit_violations(const std::string& organ, const OrganDose& dose, const SafetyLimits& limits);
/// The dose is within the organ's limits (true for an organ without limits).
bool within_limits(const std::string& organ, const OrganDose& dose, const SafetyLimits& limits);

/// The rule on the beam path: a path through an organ whose limit refuses it is a violation ("beam path crosses
/// lung for 12 mm: refused, choose another window"); bone on the path is a warning with its dose loss.
SafetyCheck check_beam_path(const BeamPathCrossing& path, const SafetyLimits& limits);

struct Schedule;
/// The whole plan: the beam path, the scheduler's own verdict (a plan it could not make safe), per-shock doses at
/// every organ at risk against its limits, and shocks per session against max_shocks_per_session.
SafetyCheck check_safety(const Schedule& schedule, const BeamPathCrossing& path, const SafetyLimits& limits,
                         int max_shocks_per_session);

}  // namespace lithosim::planning
