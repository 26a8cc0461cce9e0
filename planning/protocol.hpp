// Treatment protocols per indication (issue 5 §1, §4): the defaults the planner starts from (device, EFD band,
// shocks per session, rate, sessions, interval, clearance size, target material, motion), the reference success rate
// of the indication with its endpoint, and the typical target the success model is calibrated on. Every number has
// its source or "assumption:" in `source` (keyed by the field name) and in planning/PLANNER.md §1.
//
// SI inside: m, J/m^2, days, shocks per minute. The EFDs are free-field focal EFDs of the device (what the trials
// quote: the device's output measured in water), not the EFD that arrives in the patient (PLANNER.md §2.1).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "planning/fragmentation.hpp"

namespace lithosim::planning {

struct Protocol {
    std::string indication;   ///< tendon | gallbladder | bile_duct | vascular
    std::string endpoint;     ///< the primary endpoint (the reference success rate refers to it)
    /// The primary outcome's name (planning/outcomes.hpp): clinical_success_6mo, stone_free_12mo, duct_clearance,
    /// procedural_success.
    std::string primary_outcome;
    /// What the sessions aim at: "fragmentation" (a session stops when the fragments are small enough) or "dose"
    /// (tendon: the deposit is resorbed biologically; vascular: the calcium fractures in the wall): every session
    /// delivers its shocks and the outcome follows the dose.
    std::string goal_kind = "fragmentation";
    std::string device;       ///< preset name (models/devices.hpp)
    std::string target_material;  ///< stone_material name

    double efd_min_J_per_m2 = 0, efd_default_J_per_m2 = 0, efd_max_J_per_m2 = 0;
    int shocks_per_session_default = 0, shocks_per_session_max = 0;
    double rate_per_min_default = 0, rate_per_min_max = 0;
    int sessions_min = 1, sessions_default = 1, sessions_max = 4;
    int interval_days_min = 7, interval_days_default = 7, interval_days_max = 14;

    double clearance_size_m = 0;        ///< fragments below this count as cleared
    double cloud_diameter_factor = 1;   ///< fragment cloud / initial diameter (FragmentationOptions)
    double motion_sd_m = 0;             ///< SD of the target's motion per lateral axis within a session (breathing)
    double positioning_sd_m = 0;        ///< SD of the aiming error per lateral axis, drawn per session
    /// Fragments below this are extracted endoscopically (bile duct; 0: not used)
    double extraction_size_m = 0;
    /// Between sessions, fragments above the clearance size shrink by dissolution or resorption at this rate of
    /// diameter loss (0: they stay as they are).
    double shrink_m_per_day = 0;
    /// A fragmentation session stops when the probability that every fragment lies below the goal size (the
    /// extraction size where fragments are extracted, else the clearance size) reaches this.
    double goal_probability = 0;

    /// The reference rate users work with for a typical patient under the standard protocol (issue 13 §2): a
    /// validation target (lithosim validate --case planner_phantoms), never fitted.
    double reference_success_rate = 0;
    double typical_target_diameter_m = 0;  ///< the typical target (equivalent-sphere diameter)
    double typical_window_loss_dB = 0;     ///< EFD loss between skin and target in the calibration case
    double reference_focal_width_m = 0;    ///< -6 dB focal width of the reference device (measured field)
    double reference_tau_eff_s = 0;        ///< EFD = p+^2 tau_eff / (rho c) of the device's focal pulse
    double reference_positive_phase_s = 0; ///< positive-phase duration of the reference device's focal pulse
    double reference_p_plus_sd = 0;        ///< shot-to-shot spread of p+ (SD / mean) of the reference device

    std::string device_reason;   ///< why this device
    std::map<std::string, std::string> source;  ///< field name -> source or "assumption: ..."
};

/// The protocol of an indication; throws lithosim::InputError naming it and the accepted indications.
const Protocol& protocol(const std::string& indication);
/// tendon, gallbladder, bile_duct, vascular.
std::vector<std::string> indication_names();

/// The vascular protocol for the intravascular emitter (`--device ivl_emitter`): one procedure of pulses inside the
/// balloon (PROTOCOL sources: Shockwave E8 400 pulses at 2 Hz, devices-clinical.md §3.3), no window, no motion.
Protocol intravascular_protocol(const Protocol& vascular);

/// The fragmentation options of a protocol (clearance size, fragment cloud); the rest at their defaults.
FragmentationOptions fragmentation_options(const Protocol& p);
/// The fragmentation model a protocol implies: its target material and fragmentation_options.
FragmentationModel fragmentation_model(const Protocol& p);

/// Accepted range of a user-given target EFD (issue 5 §8): 0.01 to 0.6 mJ/mm^2.
constexpr double kEfdOverrideMin_J_per_m2 = 10.0;
constexpr double kEfdOverrideMax_J_per_m2 = 600.0;

}  // namespace lithosim::planning
