// The dose a plan's simulations found, as a table: one row per simulated setting with the incident field on the
// beam axis at the target and the organs' largest doses, and the dose model the scheduler and the outcome Monte
// Carlo query built from it. The plan keeps the table (plan.json `dose_table`) so that a re-plan after a follow-up
// (planning/follow_up.hpp) uses the very dose the first plan used, without simulating again.
//
//   at a setting s between rows s0 <= s <= s1: p+, p-, EFD interpolated in log (linear where a value is 0),
//   focal width and positive phase linearly; at a lateral offset x of the target from the beam axis, with Gaussian
//   motion of SD sigma_m per lateral axis and a target of radius R:
//       p+(s, x)  = p+_axis(s)  G(w(s), sigma_m, x, R)           G = planning::gaussian_motion_factor
//       EFD(s, x) = EFD_axis(s) G(w(s) / sqrt 2, sigma_m, x, R)  (EFD ~ p^2: the width of p^2 is w / sqrt 2)
//   Axial motion is not counted: the focal zone is several times longer than wide.
// SI inside.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "planning/schedule.hpp"

namespace lithosim::planning {

struct DoseTableRow {
    double setting = 0;
    /// Incident field on the beam axis at the target's centre (no motion, no offset).
    double p_plus_Pa = 0, p_minus_Pa = 0, efd_J_per_m2 = 0;
    double focal_width_m = 0;       ///< -6 dB width of the field at the target (0: not resolved, see below)
    double positive_phase_s = 0;
    double free_field_efd_J_per_m2 = 0;   ///< the device in water at its focus
    std::map<std::string, OrganDose> oar; ///< per organ at risk, the largest per-shock dose
};

struct DoseTable {
    std::vector<DoseTableRow> rows;       ///< by increasing setting, at least one
    double setting_min = 0, setting_max = 0, setting_step = 0;   ///< as DoseModel
    double motion_sd_m = 0;               ///< breathing motion, SD per lateral axis
    double target_radius_m = 0;
    double p_plus_relative_sd = 0;        ///< the device's shot-to-shot spread of p+
    /// Width used where a row's focal width is 0 (the field was narrower than the grid resolves): one grid cell.
    double fallback_width_m = 0;
};

/// The per-shock load at the target at a setting and a lateral offset (the equations above).
ShockAtTarget load_from_table(const DoseTable& table, double setting, double lateral_offset_m);

/// The dose model of the table (DoseModel::dose and free_field_efd_J_per_m2 interpolate it; the table is copied
/// into the model). Throws InputError for an empty table or rows out of order.
DoseModel dose_model_from_table(const DoseTable& table);

}  // namespace lithosim::planning
