// Dose at the target and at the organs at risk for the treatment planner (issue 5 §2): the device aimed through a
// patient model (model.h5) at its target, simulated at a few settings, and what each shock delivers.
//
// Set-up: the dose-at-depth machinery of app/find_setting.hpp with the model as the medium (and once more in water,
// for the device's free-field EFD, which is what protocols prescribe, and the loss through the patient): the device's axis is
// the model's beam axis, its geometric focus on the target (target depth = skin to target along the axis, the skin
// being the first node of the model's axis that is not coupling water). `fast` runs the axisymmetric form of the
// model (per ring, the most frequent label), `full` the 3D model. Settings: the device's lowest, middle and highest,
// or those given; values between them are interpolated linearly in the setting on log scales (p+, |p-|, EFD grow
// like a power of the setting).
//
// Per run (maps on the simulation grid; target and labels looked up in the model at each node):
//   target: mean p+ (volume-weighted) and max p+ over the target's nodes, the most negative p- there, the EFD at the
//     target centre, the energy through the target's cross-section (EFD integrated over the target's nodes in the
//     plane of its centre), the -6 dB focal width of p+ across the beam in that plane;
//   organs at risk by label: bone_surface (bone nodes next to a non-bone node), lung, bowel_gas (air inside the
//     body): max p+, most negative p-, max EFD.
// Motion and positioning: see PlanDose::load (lateral Gaussian motion around a lateral offset, and the share of the
// focal spot that reaches a target of the target's radius).
#pragma once
#include <nlohmann/json.hpp>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/find_setting.hpp"
#include "io/model_file.hpp"
#include "planning/fragmentation.hpp"
#include "solver/result.hpp"

namespace lithosim::app {

struct TargetDose {
    double mean_p_plus_Pa = 0, max_p_plus_Pa = 0, p_minus_Pa = 0;
    double efd_centre_J_per_m2 = 0;
    double energy_cross_section_J = 0;
    double focal_width_m = 0;
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
    std::string model_path;          ///< written model.h5
    std::string device;
    bool full = false;               ///< --fidelity full: 3D
    /// Default: twice the device's calibration grid (fast; eswt_head 0.1 mm, hm3 0.25 mm: the EFD within a few %
    /// of the calibration grid's, p+ of the strongest settings lower, as the validation cases show) or 4x it (full).
    std::optional<double> dx_mm;
    std::vector<double> settings;    ///< empty: lowest, middle, highest
};

struct PlanDose {
    DoseAtDepth depth;               ///< the device placement (z of device, skin, target) and grid
    std::string standoff;            ///< the device coupling used (models::device_standoffs)
    BeamPath path;
    std::vector<SettingRun> runs;    ///< by increasing setting
    double total_seconds = 0;
    std::vector<std::string> warnings;

    /// The per-shock load at `setting`: the incident p+, p- and EFD on the axis at the target's centre, times the
    /// mean over lateral Gaussian motion (SD motion_sd_m per lateral axis) around a lateral offset of the share of a
    /// Gaussian focal spot that reaches a target of this radius (planning::gaussian_motion_factor: the run's -6 dB
    /// width for p, width / sqrt 2 for EFD). Axial motion is not counted: the focal zone is several times longer than
    /// wide. Interpolated between the runs.
    planning::ShockAtTarget load(double setting, double motion_sd_m, double lateral_offset_m,
                                 double target_radius_m) const;
    /// Target dose and OAR dose at a setting (interpolated).
    TargetDose target_at(double setting) const;
    std::map<std::string, OarDose> oar_at(double setting) const;
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

/// How deep below the skin the device's focus can lie (its deepest coupling, models::device_standoffs), mm.
/// InputError for an unknown device or one without a focus.
double device_reach_mm(const std::string& device);

/// The path from the model's source point to its target along the axis. Throws InputError if the model's axis
/// never leaves the coupling water before the target.
BeamPath beam_path(const io::ModelFile& model);

/// Places the device and simulates the settings. Throws InputError for a device that cannot reach the target (its
/// focus lies short of the target's depth) or has no focus.
PlanDose simulate_plan_dose(const io::ModelFile& model, const PlanDoseRequest& request, std::ostream* log);

}  // namespace lithosim::app
