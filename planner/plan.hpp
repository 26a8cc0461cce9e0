// The treatment planner (issue 5): `lithosim plan`. From a patient model (a phantom, a CT with a target point, or a
// model file) and an indication: the device's shock simulated through the patient to the target (planner/plan_dose),
// the sessions scheduled on the fragmentation model (planning/schedule, planning/fragmentation), the organs at risk
// checked (planning/safety), and the predicted outcomes with their 95 % intervals (planning/outcomes).
//
// plan.json (contract keys (c); units in the names; positions in patient coordinates, DICOM LPS mm):
// | key                             | type         | meaning                                                      |
// |---------------------------------|--------------|--------------------------------------------------------------|
// | indication                  (c) | string       | tendon, gallbladder, bile_duct, vascular                     |
// | device                      (c) | string       | device preset                                                |
// | endpoint                    (c) | string       | the endpoint the success probability refers to               |
// | sessions                    (c) | [object]     | index, day, shocks, setting, rate_per_min,                   |
// |                                 |              | efd_target_mJ_per_mm2, p_plus_target_MPa, p_minus_target_MPa,|
// |                                 |              | fraction_cleared_after, p_largest_fragment_above_clearance(c)|
// |                                 |              | (+ efd_free_field_mJ_per_mm2, ramp,                          |
// |                                 |              | p_fragment_above_goal_size: what the goal measures)          |
// | predicted_success_probability(c)| number       | the primary outcome's probability (mean over the Monte Carlo)|
// | success_ci95                (c) | [low, high]  | its 95 % interval (coefficients, between-study spread, dose, |
// |                                 |              | strength, aim sampled: planning/OUTCOMES.md §3)              |
// | outcomes                    (c) | [object]     | name, horizon_months, probability, ci95,                     |
// |                                 |              | probability_without_treatment, covariates, model             |
// | aim                         (c) | object       | focus_offset_mm, efd_max_to_target_mm,                       |
// |                                 |              | target_efd_fraction_of_max (+ the search)                    |
// | fragmentation_curve         (c) | [object]     | shocks (cumulative), fraction_cleared                        |
// | clearance_size_mm           (c) | number       | fragments below it count as cleared                          |
// | oar                         (c) | object       | per label: max_p_minus_MPa, max_efd_mJ_per_mm2, limit_ok     |
// |                                 |              | (+ max_p_plus_MPa, max_session_efd_mJ_per_mm2, has_limit)    |
// | safety                      (c) | object       | ok, warnings (most severe first), violations                 |
// | target                      (c) | object       | volume_mm3, diameter_mm, centroid_mm, material               |
// | fidelity                    (c) | string       | fast (axisymmetric) or full (3D)                             |
// | device_free_field               | [object]     | per simulated setting: the device's IEC 61846 parameters in  |
// |                                 |              | water (summary.json's dosimetry keys: p_plus_MPa, focus_mm,  |
// |                                 |              | focal_zone_6dB_mm, efd_focus_mJ_per_mm2, E12mm_mJ, ...)      |
// | ...                             |              | also goal_reached, reason, notes, setting_unit,              |
// |                                 |              | target_dose (mean/max p+, p-, EFD, energy through the        |
// |                                 |              | target's cross-section, focal width, per setting run),       |
// |                                 |              | beam_path, window_loss_dB, motion_sd_mm, fidelity_comparison,|
// |                                 |              | success (details), verdict, warnings, grid_check, patient,   |
// |                                 |              | pseudonym, seed, version, runtime_s                          |
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "planner/plan_dose.hpp"
#include "models/ct_volume.hpp"
#include "planning/schedule.hpp"
#include "planning/outcomes.hpp"

namespace lithosim {

struct PlanRequest {
    std::string indication;
    std::optional<std::string> phantom, model_path, ct_path;
    std::optional<models::Vec3> target_point_mm, source_position_mm;
    std::optional<std::string> device, material;
    std::optional<double> efd_mJ_per_mm2;
    std::optional<int> sessions, max_shocks_per_session;   ///< max_shocks 0: no shocks (the untreated course)
    std::optional<double> rate_per_min;
    std::uint64_t seed = 1;
    bool full = false;                   ///< --fidelity full
    std::optional<double> dx_mm;         ///< simulation grid (default: the device's calibration grid)
    std::vector<std::string> safety_overrides;
    int samples = 200;                   ///< Monte Carlo samples of the success interval
    std::string out_dir;
    std::string command_line;            ///< how the plan was asked for (shown in the report)
    bool pictures = true;                ///< report.html, figures/, paraview/ (off: --no-pictures)
    bool pdf = false;                    ///< --pdf: report.pdf beside report.html (viz/pdf.hpp)
    /// --dicom-rt DIR (contract): the dose as DICOM RT Dose objects in a new folder (io/dicom_rt.hpp).
    std::optional<std::string> dicom_rt_dir;
    // Covariates of the outcome models (issue 13 §1; contract options).
    std::optional<int> gaertner_type;    ///< --gaertner-type I|II|III (tendon; default: from the CT's morphology)
    std::optional<int> stone_count;      ///< --stone-count N (gallbladder phantom, 1-5: builds N stones)
    bool bile_acid = true;               ///< --bile-acid yes|no (gallbladder)
    bool gallbladder_impaired = false;   ///< --gallbladder-function normal|impaired
    std::optional<double> plaque_arc_deg;   ///< --plaque-arc-deg (femoral phantom: the plaque's arc)
    StepHook on_step;   ///< every dose run's steps: a front end's progress and Ctrl-C (dosimetry/dose_at_depth.hpp)
};

/// The options of `lithosim plan` with their kinds and numeric ranges: one table that cmd_plan.cpp checks the
/// command line against and that `lithosim sweep` checks a [plan] section and swept plan.<name> values against.
struct PlanOption {
    const char* name;
    enum Kind { Real, Integer, Word, Path, Point } kind;
    double min = 0, max = 0;   ///< accepted range, Real and Integer
};
const std::vector<PlanOption>& plan_option_table();
/// The option `name` (without "--"), or nullptr.
const PlanOption* find_plan_option(const std::string& name);
/// The value of the Real or Integer option `name` ("efd-mJ-per-mm2") given as text, checked against its range:
/// InputError for the input efd_mJ_per_mm2 otherwise (the command line shows it as --efd-mJ-per-mm2).
double plan_numeric_option(const std::string& name, const std::string& text);

/// The full-fidelity plan's comparison with the fast estimate of the same case at the same placement.
struct FidelityComparison {
    double setting = 0;
    TargetDose full, fast;   ///< the target dose of the 3D runs and of the axisymmetric ones on their grid
};

/// The plan as computed: what plan.json is written from (plan_json) and what a library caller reads. An initial
/// plan fills every field; a re-plan after a follow-up (plan_follow_up.hpp) fills protocol, factors, schedule,
/// safety, prediction, verdict and warnings (its dose is the earlier plan's table, kept in plan.json).
struct Plan {
    PlanRequest request;
    planning::Protocol protocol;
    planning::SafetyLimits limits;
    std::shared_ptr<const io::ModelFile> model;   ///< the patient model, with its target
    std::string model_file;                       ///< where model.h5 lies (given, or DIR/model.h5)
    std::string model_sha1;                       ///< of that file
    nlohmann::json model_summary;                 ///< the model's own summary (target size, calcium score, ...)
    double target_diameter_m = 0;
    BeamPath path;
    planning::PatientFactors factors;
    std::optional<PlanDose> dose;                 ///< the simulated dose; empty for the intravascular emitter
    std::string setting_unit;                     ///< "kV" or "level"
    double motion_sd_m = 0;                       ///< lateral motion per axis (the protocol's)
    double shot_to_shot_p_plus_sd = 0;            ///< the device's relative shot-to-shot spread of p+
    double surrounding_impedance_Pa_s_per_m = 0;  ///< the fragmentation model's
    double dose_log_sd = 0;                       ///< the outcomes' dose uncertainty (log SD)
    planning::Schedule schedule;
    double plateau_setting = 0;                   ///< the setting the sessions end at
    planning::SafetyCheck safety;
    planning::OutcomePrediction prediction;
    std::optional<FidelityComparison> fidelity_comparison;   ///< --fidelity full
    std::string verdict;
    std::vector<std::string> warnings, notes;
    std::string folder;                           ///< the plan's folder (absolute)
    double runtime_s = 0;
    nlohmann::json patient_volumes, dicom_rt;     ///< the patient-frame files written (null: none)

    const planning::OutcomeEstimate& primary() const { return prediction.primary(); }
};

/// plan.json of an initial plan (the keys at the top of this file).
nlohmann::json plan_json(const Plan& plan);

/// A plan request from the options of `lithosim plan` given as (name, text) pairs, names without "--" as in
/// plan_option_table() plus "limit" (each pair one safety override): what the command line, a sweep's [plan]
/// section with its swept values and the Python module's sweep ask for. Every value is checked as the command line
/// checks it (InputError naming the option's input, e.g. gaertner_type); options not given keep PlanRequest's
/// defaults. out_dir, pictures and the other settings of a run are the caller's.
PlanRequest plan_request(const std::vector<std::pair<std::string, std::string>>& options);

struct PlanResult {
    Plan plan;                           ///< the plan, typed
    nlohmann::json json;                 ///< plan.json as written
    std::string text;                    ///< the printed summary
    std::vector<std::string> warnings;   ///< problems with the pictures or the PDF (the plan itself is complete)
};

/// plan.json `sessions[i]` (`done` false: planned) and `outcomes` (both plans and re-plans write them).
nlohmann::json session_json(const planning::SessionPlan& session);
nlohmann::json outcomes_json(const planning::OutcomePrediction& prediction);

/// Runs the whole planner and writes DIR/plan.json, DIR/plan.h5, (for a phantom or a CT) DIR/model.h5 and
/// DIR/model_incident.h5 (the model with the target replaced by the tissue around it: the dose runs measure the
/// incident field, as the fragmentation model takes it).
/// Throws InputError for bad input (before anything is written where possible), UnsafePlan when no safe plan
/// exists (nothing written but the model).
PlanResult run_plan(const PlanRequest& request, std::ostream* log);

}  // namespace lithosim
