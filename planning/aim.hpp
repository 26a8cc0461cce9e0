// Aiming the device by its simulated dose, not by its geometric focus (issue 13 §5): where the energy flux density
// (EFD) peaks along the beam axis inside the body, how far that peak lies from the target, and the focus offset that
// moves it onto the target. Pure functions on an axial profile: no solver, no files; SI units (m, J/m^2, Pa).
//
// Frame: z runs along the beam axis into the patient (the frame of the run that gave the profile). The focus offset
// is where the device's geometric focus lies relative to the target centroid along the beam: the device is placed
// with its focus at (target depth + offset) below the skin, so a positive offset moves the device, and its field,
// deeper into the patient.
//
// The rule (aim_focus):
//   1. The profile is averaged over a window of smoothing_m (a box, centred): in tissue the EFD on the axis jumps at
//      every interface, where the incident pulse and its reflection overlap (within half a pulse length, under 1 mm
//      for a 0.5 us pulse) and add up to +/-20 % at a single node; a window of 2 mm averages that out and leaves a
//      focal zone 10 mm or more long almost unchanged. 0: the samples as given.
//   2. The EFD maximum inside the body: the largest (averaged) EFD sample at or beyond the skin (z >= skin_z_m), placed
//      between samples by the parabola through it and its two neighbours (the vertex, kept within half a spacing).
//   3. efd_max_to_target_m = target centroid z - z of that maximum (positive: the maximum lies short of the target,
//      the device must go deeper).
//   4. The new offset = the current offset + efd_max_to_target_m, clamped to the device's allowed range.
//   5. target_efd_fraction_of_max = (averaged) EFD at the target centroid (linear between samples) / the maximum of 2.
//
// Limits of the rule:
//   * It assumes the axial EFD maximum moves with the device rigidly: exact for a homogeneous path (in water the
//     profile moves with the device node for node), and close for small offsets through a few soft-tissue layers.
//     It fails where the maximum is held by the anatomy rather than by the device: an interface the beam crosses,
//     or an absorbing tissue (the EFD peaks where focusing gain and absorption balance, and a deeper focus adds
//     absorbing path). On the shoulder phantom (eswt_head) the maximum stays 6-7 mm in front of the deposit, in the
//     soft tissue before the tendon, for offsets of 0, 6.5 and 10.4 mm, while the EFD at the deposit hardly changes
//     and p+ there falls (the focus moves into the humeral head). The planner therefore checks every step by a run
//     at the new offset and keeps it only when the target does better (planner/plan_dose.hpp).
//   * It aims the maximum, not the coverage of the whole target: a target longer than the focal zone is still
//     under-dosed at its ends (assess_aim reports the EFD fraction at both ends).
//   * A second maximum (a reflection off bone beyond the target, a standing wave in front of it) higher than the
//     focal one pulls the aim towards it; the caller passes the part of the axis it trusts (the planner: from the
//     skin to the end of the grid, the incident field with the target replaced by the tissue around it).
//   * Offsets outside the range are clamped: the device cannot put its focus deeper than its deepest coupling
//     reaches (the fraction then stays below what the rule would give).
#pragma once
#include <cstddef>
#include <vector>

namespace lithosim::planning {

/// The incident field along the beam axis: z increasing into the patient, samples in increasing z.
struct AxialProfile {
    std::vector<double> z_m;
    std::vector<double> efd_J_per_m2;
    std::vector<double> p_plus_Pa;   ///< optional (empty, or one value per z)
};

/// The target along the beam axis.
struct AimTarget {
    double centroid_z_m = 0;
    double near_z_m = 0, far_z_m = 0;   ///< its extent along the axis (near: the skin side)
};

/// What a profile says about the aim.
struct AimAssessment {
    double efd_max_z_m = 0;              ///< z of the EFD maximum inside the body (between samples)
    double efd_max_J_per_m2 = 0;
    double efd_target_J_per_m2 = 0;      ///< at the target centroid
    double efd_max_to_target_m = 0;      ///< centroid z - efd_max_z_m (positive: the maximum lies short)
    double target_efd_fraction_of_max = 0;
    double near_end_efd_fraction_of_max = 0, far_end_efd_fraction_of_max = 0;  ///< at the target's two ends
    bool max_inside_target = false;      ///< near_z_m <= efd_max_z_m <= far_z_m
    /// p+ the same way, when the profile has it (0 otherwise).
    double p_plus_max_z_m = 0, p_plus_max_Pa = 0, p_plus_target_Pa = 0;
};

/// The device's allowed focus offsets (m).
struct OffsetRange {
    double min_m = 0, max_m = 0;
};

struct AimStep {
    AimAssessment now;                   ///< the profile as given
    double focus_offset_m = 0;           ///< the offset that moves the EFD maximum onto the centroid, clamped
    double unclamped_offset_m = 0;       ///< before clamping
    bool clamped = false;
};

/// Assess a profile (steps 1, 2, 3 and 5 of the rule; smoothing_m 0: the samples as given). Throws
/// lithosim::InputError for a profile without samples beyond the skin, z not increasing, sizes that differ, a target
/// whose extent does not hold its centroid, or a negative window.
AimAssessment assess_aim(const AxialProfile& profile, double skin_z_m, const AimTarget& target,
                         double smoothing_m = 0);

/// The offset rule above. Throws as assess_aim, and for a range with min > max or a current offset that is not
/// finite.
AimStep aim_focus(const AxialProfile& profile, double skin_z_m, const AimTarget& target, double current_offset_m,
                  const OffsetRange& range, double smoothing_m = 0);

/// The profile averaged over a centred box of this width (every sample within window_m / 2 of z, the ends
/// included as far as they go); 0 or a single sample: unchanged.
AxialProfile smoothed(const AxialProfile& profile, double window_m);

/// The largest value of samples [first, z.size()) placed between samples by the parabola through it and its
/// neighbours: {z, value}. The vertex is kept within half a spacing of the sample (a flat top stays at the sample).
struct Peak {
    double z_m = 0, value = 0;
    std::size_t index = 0;
};
Peak axial_peak(const std::vector<double>& z_m, const std::vector<double>& values, std::size_t first);

/// Linear interpolation of values at z (clamped to the ends).
double value_at_z(const std::vector<double>& z_m, const std::vector<double>& values, double z);

}  // namespace lithosim::planning
