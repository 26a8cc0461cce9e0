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
    std::string endpoint;     ///< the clinical endpoint the reference success rate refers to
    std::string device;       ///< preset name (models/devices.hpp)
    std::string target_material;  ///< stone_material name

    double efd_min_J_per_m2 = 0, efd_default_J_per_m2 = 0, efd_max_J_per_m2 = 0;
    int shocks_per_session_default = 0, shocks_per_session_max = 0;
    double rate_per_min_default = 0, rate_per_min_max = 0;
    int sessions_min = 1, sessions_default = 1, sessions_max = 4;
    int interval_days_min = 7, interval_days_default = 7, interval_days_max = 14;

    double clearance_size_m = 0;        ///< fragments below this count as cleared
    double cloud_diameter_factor = 1;   ///< fragment cloud / initial diameter (FragmentationOptions)
    double motion_sd_m = 0;             ///< SD of the target's displacement per lateral axis (motion + positioning)
    /// Between sessions, fragments above the clearance size shrink by dissolution or resorption at this rate of
    /// diameter loss (0: they stay as they are).
    double shrink_m_per_day = 0;
    double goal_fraction_cleared = 0;   ///< the scheduler stops when the predicted fraction cleared reaches this

    double reference_success_rate = 0;  ///< the issue's reference rate (issue 5 §4.3)
    double success_ceiling = 1;         ///< best rate reported for the endpoint: the success model's upper asymptote
    double typical_target_diameter_m = 0;  ///< the calibration case (equivalent-sphere diameter)
    double typical_window_loss_dB = 0;     ///< EFD loss between skin and target in the calibration case
    double reference_focal_width_m = 0;    ///< -6 dB focal width of the device in the calibration case
    double reference_tau_eff_s = 0;        ///< EFD = p+^2 tau_eff / (rho c) of the device's focal pulse
    /// Success model: change of logit(success) per unit of ln(EFD at the target) beyond what fragmentation explains
    /// (tendon: the biological effect of the energy; 0 where success comes from the fragments alone).
    double success_efd_slope = 0;

    std::string device_reason;   ///< why this device
    std::map<std::string, std::string> source;  ///< field name -> source or "assumption: ..."
};

/// The protocol of an indication; throws lithosim::InputError naming it and the accepted indications.
const Protocol& protocol(const std::string& indication);
/// tendon, gallbladder, bile_duct, vascular.
std::vector<std::string> indication_names();

/// The fragmentation options of a protocol (clearance size, fragment cloud); the rest at their defaults.
FragmentationOptions fragmentation_options(const Protocol& p);
/// The fragmentation model a protocol implies: its target material and fragmentation_options.
FragmentationModel fragmentation_model(const Protocol& p);

/// Accepted range of a user-given target EFD (issue 5 §8): 0.01 to 0.6 mJ/mm^2.
constexpr double kEfdOverrideMin_J_per_m2 = 10.0;
constexpr double kEfdOverrideMax_J_per_m2 = 600.0;

}  // namespace lithosim::planning
