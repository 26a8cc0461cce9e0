// Dose at the target and at the organs at risk for the treatment planner (issue 5 §2, issue 13 §5): the device aimed
// through a patient model (model.h5) at its target, simulated at a few settings, and what each shock delivers.
//
// Set-up: the dose-at-depth machinery of dosimetry/dose_at_depth.hpp with the model as the medium (and once more in water,
// for the device's free-field EFD, which is what protocols prescribe, and the loss through the patient): the device's
// axis is the model's beam axis (target depth = skin to target along the axis, the skin being the first node of the
// model's axis that is not coupling water). `fast` runs the axisymmetric form of the model (per ring, the most
// frequent label), `full` the 3D model. Settings: the device's lowest, middle and highest (so the highest is always
// simulated, never interpolated), or those given; ensure_setting adds one (the planner's plateau); values between
// runs are interpolated linearly in the setting on log scales (p+, |p-|, EFD grow like a power of the setting).
//
// Aim (issue 13 §5; the rule and its limits in planning/aim.hpp): the device is placed by its simulated dose, not by
// its geometric focus. Its focus goes to the target depth + a focus offset along the beam, within its reach (its
// standoffs, models::device_standoffs: the shallowest that reaches; the focus at least 1 mm below the skin). Search:
//   1. the highest setting at offset 0 through the incident model; the EFD on the axis averaged over 2 mm (the
//      interference at tissue interfaces, planning/aim.hpp); its maximum beyond the skin; the offset that moves it
//      onto the target centroid (planning::aim_focus);
//   2. a run there, kept when the EFD at the target over the maximum on the beam (target_efd_fraction_of_max)
//      improved, the EFD at the target did not fall (by more than 1 %) and p+ there fell by 10 % at most: a fraction
//      won by a lower maximum (the energy spread along the beam) is no better aim, nor a few % of EFD bought by
//      moving the pressure focus off the target;
//   3. a step not kept is tried once at half its length; a kept one is followed by the rule's next step when that
//      is 0.5 mm or more. At most two runs after the first.
// The search runs on the aiming grid (PlanDoseRequest::aim_dx_mm: twice the calibration grid, or the dose grid when
// that is coarser; axisymmetric also for a full plan): where the EFD peaks hardly depends on the grid (on the shoulder
// phantom 7.4 mm in front of the deposit on both the 0.1 and the 0.05 mm grid), how high it is does. A search run on
// the dose grid is reused. Every setting then runs at the chosen offset; the aim report (AimReport) comes from the
// highest simulated setting's run, with a warning when the target receives less than 80 % of the maximum EFD on the
// beam (and, when the search showed it, that the maximum is held by the tissue, not by the device).
//
// Grid (issue 13 §5): the default dose grid is the coarsest multiple of the device's calibration grid whose free
// field in water reproduces the calibration grid's p+ and EFD at the focus within 5 % (kDoseGrid in plan_dose.cpp,
// with the measurements). GridCheck compares the water run at the highest setting with the calibration grid's values.
//
// Per run (maps on the simulation grid; target and labels looked up in the model at each node):
//   target: mean p+ (volume-weighted) and max p+ over the target's nodes, the most negative p- there, the EFD at the
//     target centre, the energy through the target's cross-section (EFD integrated over the target's nodes in the
//     plane of its centre), the -6 dB focal width of p+ across the beam in that plane, and the positive-phase duration
//     of p(t) at the target centre (the axis series every run stores; planning::positive_phase_duration_s);
//   the EFD and p+ along the beam axis (the aim's profile);
//   organs at risk by label: bone_surface (bone nodes next to a non-bone node), lung, bowel_gas (air inside the
//     body): max p+, most negative p-, max EFD.
// Motion and positioning: see PlanDose::load (lateral Gaussian motion around a lateral offset, and the share of the
// focal spot that reaches a target of the target's radius).
#pragma once
#include <nlohmann/json.hpp>
#include <array>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dosimetry/dose_at_depth.hpp"
#include "io/model_file.hpp"
#include "planning/aim.hpp"
#include "planning/dose_table.hpp"
#include "planning/fragmentation.hpp"
#include "solver/result.hpp"

namespace lithosim {

class CommandProgress;

struct TargetDose {
    double mean_p_plus_Pa = 0, max_p_plus_Pa = 0, p_minus_Pa = 0;
    double efd_centre_J_per_m2 = 0;
    double energy_cross_section_J = 0;
    double focal_width_m = 0;
    /// Duration of the compressive phase of p(t) at the target centre (zero crossing to zero crossing around the
    /// peak), s; 0 when the record does not hold it.
    double positive_phase_s = 0;
};

struct OarDose {
    double max_p_plus_Pa = 0, min_p_minus_Pa = 0, max_efd_J_per_m2 = 0;
    std::size_t nodes = 0;
};

struct SettingRun {
    double setting = 0;
    double seconds = 0;
    Map3 p_max, p_min, efd;   ///< the run's maps
    TargetDose target;
    std::map<std::string, OarDose> oar;   ///< bone_surface, lung, bowel_gas (those present in the field)
    /// EFD and p+ along the beam axis (r = 0; the run's frame, PlanDose::depth.geometry), the aim's profile.
    planning::AxialProfile axis;
    /// The same setting in water (no patient): p+ and EFD at the target's place, the device's free field.
    double water_p_plus_Pa = 0, water_efd_J_per_m2 = 0;
    double water_seconds = 0;
    /// The IEC 61846 field parameters of that water run (dosimetry_json keys: p+, p-, focus, -6 dB and 5 MPa zones,
    /// EFD, rise time, pulse duration, E5mm, E12mm, ...): what a physicist reads off the device at this setting.
    nlohmann::json water_field;
};

/// What lies on the beam path between the skin and the target (rings r <= 3 mm of the axisymmetric model).
struct BeamPath {
    double skin_z_m = 0, target_z_m = 0;  ///< frame z
    double depth_mm = 0;                  ///< skin to target along the axis
    double bone_mm = 0, lung_mm = 0, gas_mm = 0;  ///< path length through each (axis)
    bool blocked() const { return lung_mm > 0 || gas_mm > 0; }
};

struct PlanDoseRequest {
    /// The incident model the runs go through (the target replaced by its surroundings), in memory.
    std::shared_ptr<const io::ModelFile> model;
    std::string model_name;          ///< its name in the runs' resolved cases (the file the plan writes it to)
    std::string device;
    bool full = false;               ///< --fidelity full: 3D
    /// Default: dose_grid_dx_m (fast: the coarsest grid within 5 % of the calibration grid's free field; full: 4x
    /// the calibration grid, a 3D run at the calibration grid being a cluster job).
    std::optional<double> dx_mm;
    std::vector<double> settings;    ///< empty: lowest, middle, highest (the aim report uses the highest given)
    /// Aim by the simulated dose (the search above); false: the geometric focus on the target (offset 0), for tests
    /// and comparisons.
    bool aim = true;
    /// A fixed focus offset (mm beyond the target along the beam), no search: e.g. the fast comparison of a full
    /// plan at the full plan's offset. Checked against the device's reach.
    std::optional<double> focus_offset_mm;
    /// Grid of the aiming runs (axisymmetric, also for a full plan); default: twice the calibration grid, or the dose
    /// grid when that is coarser (then the search's last kept run is the highest setting's dose run).
    std::optional<double> aim_dx_mm;
    /// Compare the highest setting's water run with the calibration grid (GridCheck); false: not checked (e.g. the
    /// fast comparison of a full plan, which need not pay for a calibration-grid run at a setting kDoseGrid lacks).
    bool check_grid = true;
    /// The command's progress line (stage "dose runs"); null: none.
    CommandProgress* progress = nullptr;
    StepHook on_step;   ///< every dose run's steps (dosimetry/dose_at_depth.hpp)
};

/// One run of the aim search (the highest setting through the incident model).
struct AimRun {
    double focus_offset_m = 0;
    double dx_m = 0;
    double efd_max_z_m = 0;               ///< in the run's frame
    double efd_max_to_target_m = 0;       ///< target centroid - EFD maximum (positive: the maximum lies short)
    double target_efd_fraction_of_max = 0;
    double efd_target_J_per_m2 = 0;       ///< at the target centroid (averaged like the profile)
    double p_plus_target_Pa = 0;          ///< the same for p+
    double seconds = 0;
    bool accepted = false;                ///< the search kept this offset (the first run's is the start)
};

/// Where the device was placed and what its dose maximum does at the target (plan.json `aim`).
struct AimReport {
    bool searched = false;                ///< false: PlanDoseRequest::aim off or a fixed offset given
    double focus_offset_m = 0;            ///< the focus this far beyond the target centroid along the beam
    /// From the highest setting's run at that offset: target centroid - z of the EFD maximum along the beam inside
    /// the body (positive: the maximum lies short of the target), and the EFD at the centroid over that maximum.
    double efd_max_to_target_m = 0;
    double target_efd_fraction_of_max = 0;
    double near_end_efd_fraction_of_max = 0, far_end_efd_fraction_of_max = 0;  ///< at the target's ends on the axis
    /// The same at offset 0 (the geometric focus on the target), from the search's first run (on its grid), with
    /// the EFD and p+ at the target centroid there.
    double initial_efd_max_to_target_m = 0, initial_target_efd_fraction_of_max = 0;
    double initial_efd_target_J_per_m2 = 0, initial_p_plus_target_Pa = 0;
    double offset_min_m = 0, offset_max_m = 0;   ///< the device's reach around the target
    bool clamped = false;                 ///< the rule asked for an offset beyond the reach
    /// The rule's assumption checked by the search: how far the EFD maximum moved with the device between the two
    /// runs furthest apart, as a fraction of the device's move (1: rigidly, as in water; 0: held in place by the
    /// tissue on the path). Empty when the search made no move; offset_searched_m is that move.
    std::optional<double> max_follows_device;
    double offset_searched_m = 0;
    std::vector<AimRun> runs;             ///< the search's runs, in order
    std::vector<std::string> warnings;    ///< also in PlanDose::warnings
};

/// The dose grid against the device's calibration grid: the highest setting's water run (p+ and EFD at the focus,
/// IEC 61846 working definitions) against the same device and setting at the calibration grid (plan.json `grid_check`).
struct GridCheck {
    double dx_mm = 0, calibration_dx_mm = 0;
    double p_plus_error_percent = 0, efd_error_percent = 0;   ///< 100 (dose grid / calibration grid - 1)
    double setting = 0;
    double p_plus_MPa = 0, efd_mJ_per_mm2 = 0;                 ///< the dose grid's values
    double calibration_p_plus_MPa = 0, calibration_efd_mJ_per_mm2 = 0;
    std::string reference;                                     ///< where the calibration values come from
    bool checked = false;                                      ///< false: PlanDoseRequest::check_grid off
    std::optional<std::string> warning;                        ///< beyond 5 % (also in PlanDose::warnings)
};

/// The tissue around a model's target: the non-target, non-bone nodes within two nodes (along each axis) of a target
/// node, their mean properties and most frequent label (the incident model puts these in place of the target).
struct TissueAround {
    double rho_kg_per_m3 = 0, c_m_per_s = 0, alpha_dB_per_cm_MHz = 0, alpha_power = 0, BonA = 0;
    std::uint8_t label = 0;
    std::size_t nodes = 0;                ///< 0: none found (a target filling the model)
    double impedance_Pa_s_per_m() const { return rho_kg_per_m3 * c_m_per_s; }
};
TissueAround tissue_around_target(const io::ModelGrid& g);
/// The incident model's grid: every target node takes tissue_around_target's values (unchanged when it finds none).
void fill_target_with_surroundings(io::ModelGrid& g);

struct PlanDose {
    DoseAtDepth depth;               ///< the device placement (z of device, skin, target; focus offset) and grid
    std::string standoff;            ///< the device coupling used (models::device_standoffs)
    BeamPath path;
    std::vector<SettingRun> runs;    ///< by increasing setting
    AimReport aim;
    GridCheck grid_check;
    /// rho c of the tissue around the target (tissue_around_target on the grid the runs use: the mean rho times the
    /// mean c), Pa s/m: the fragmentation model's surrounding impedance.
    double surrounding_impedance_Pa_s_per_m = 0;
    double total_seconds = 0;        ///< solver time of every run (aim search included)
    std::vector<std::string> warnings;

    /// Simulates `setting` (through the model and in water, at the plan's placement and grid) unless a run lies
    /// within 1e-9 of it, and inserts it in order: the planner's plateau setting simulated instead of interpolated.
    /// InputError for a setting outside the device's range.
    void ensure_setting(const io::ModelFile& model, double setting, std::ostream* log);

    /// The per-shock load at `setting`: the incident p+, p- and EFD on the axis at the target's centre, times the
    /// mean over lateral Gaussian motion (SD motion_sd_m per lateral axis) around a lateral offset of the share of a
    /// Gaussian focal spot that reaches a target of this radius (planning::gaussian_motion_factor: the run's -6 dB
    /// width for p, width / sqrt 2 for EFD). Axial motion is not counted: the focal zone is several times longer than
    /// wide. Interpolated between the runs (the positive-phase duration and focal width linearly).
    /// p_plus_relative_sd is left 0 (the device's shot-to-shot spread is not simulated).
    planning::ShockAtTarget load(double setting, double motion_sd_m, double lateral_offset_m,
                                 double target_radius_m) const;
    /// The runs as a dose table (planning/dose_table.hpp: what load() interpolates, and the organs' doses) with the
    /// motion, the target's radius and the device's shot-to-shot spread of p+; a plan keeps it for its re-plans.
    planning::DoseTable dose_table(double motion_sd_m, double target_radius_m, double p_plus_relative_sd) const;
    /// Target dose at a setting (interpolated; the organs' doses: dose_table).
    TargetDose target_at(double setting) const;
    /// The device's free-field EFD at its focus (the water runs), interpolated.
    double free_field_efd_J_per_m2(double setting) const;
    /// EFD loss between water and the patient at the target, dB (10 log10 of the ratio), at a setting.
    double window_loss_dB(double setting) const;
};

/// The model's labels and target flags at the nodes of a simulation map (the model's target placed at frame z + shift).
struct ModelOnMap {
    std::vector<std::uint8_t> labels, target;
};
ModelOnMap model_on_map(const io::ModelFile& model, const Map3& m, bool axisymmetric, double shift_m);
/// The plan's structures on the nodes of a map (1 inside): "target" (the model's target mask) and the organs at risk
/// the dose tables use, those present on the map: bone_surface (bone nodes next to a non-bone node), lung, bowel_gas.
std::map<std::string, std::vector<std::uint8_t>> structure_masks(const Map3& m, const ModelOnMap& mm);

/// How deep below the skin the device's focus can lie (its deepest coupling, models::device_standoffs), mm.
/// InputError for an unknown device or one without a focus.
double device_reach_mm(const std::string& device);

/// The plan's default dose grid of a device (m): its calibration grid (reference_dx_m) times the factor of kDoseGrid
/// (fast), or 4x the calibration grid (full, 3D). InputError for an unknown device.
double dose_grid_dx_m(const std::string& device, bool full);

/// plan.json `aim`: the contract keys focus_offset_mm, efd_max_to_target_mm, target_efd_fraction_of_max, and the
/// search (searched, initial_*, offset_range_mm, clamped, runs, warnings).
nlohmann::json aim_json(const AimReport& aim);
/// plan.json `grid_check`: dx_mm, calibration_dx_mm, p_plus_error_percent, efd_error_percent and the values compared.
nlohmann::json grid_check_json(const GridCheck& check);

/// The path from the model's source point to its target along the axis. Throws InputError if the model's axis
/// never leaves the coupling water before the target.
BeamPath beam_path(const io::ModelFile& model);

/// Places (aims) the device and simulates the settings. `model` is the patient model with its target (labels and
/// target nodes are read from it); request.model the incident model the runs go through. Throws InputError for
/// a device that cannot reach the target (its focus lies short of the target's depth) or has no focus.
PlanDose simulate_plan_dose(const io::ModelFile& model, const PlanDoseRequest& request, std::ostream* log);

}  // namespace lithosim
