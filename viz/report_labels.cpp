#include "viz/report_labels.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace lithosim::viz {

namespace {

constexpr auto patient = ReportFrame::patient;
constexpr auto beam = ReportFrame::beam;
constexpr auto none = ReportFrame::none;

#define MM2 "mJ/mm\u00B2"
#define MM3 "mm\u00B3"

// One row per key of plan.json (planner/plan.hpp), summary.json (report/summary.cpp, dosimetry/dosimetry.cpp) and the re-plan
// keys (history, follow_up, sessions[].done). Grouped by where the key occurs; a key occurring in several places
// with one meaning has one row (the first group that uses it).
const std::vector<ReportKey> kKeys = {
    // ---- plan.json, top level ----
    {"indication", "Indication"},
    {"device", "Device"},
    {"endpoint", "Endpoint"},
    {"verdict", "Verdict"},
    {"pseudonym", "Patient pseudonym"},
    {"fidelity", "Fidelity"},
    {"setting_unit", "Setting unit"},
    {"seed", "Monte Carlo seed"},
    {"sessions", "Sessions"},
    {"predicted_success_probability", "Predicted probability of the primary outcome"},
    {"success_ci95", "95 % interval of the primary outcome"},
    {"outcomes", "Predicted outcomes"},
    {"aim", "Aim"},
    {"fragmentation_curve", "Fragmentation curve"},
    {"clearance_size_mm", "Clearance size", "mm"},
    {"oar", "Organs at risk"},
    {"safety", "Safety"},
    {"target", "Target"},
    {"device_free_field", "Device field in water (IEC 61846), per setting"},
    {"goal_kind", "Goal of the sessions"},
    {"goal_reached", "Goal reached"},
    {"goal_probability", "Goal: P(every fragment below the goal size)"},
    {"reason", "Reason"},
    {"notes", "Notes"},
    {"note", "Note"},
    {"warnings", "Warnings"},
    {"target_dose", "Dose per shock at the target, per simulated setting"},
    {"beam_path", "Beam path from the skin to the target"},
    {"window_loss_dB", "Loss through the acoustic window", "dB"},
    {"motion_sd_mm", "Breathing motion (SD)", "mm"},
    {"positioning_sd_mm", "Aiming error per session (SD)", "mm"},
    {"surrounding_impedance_MRayl", "Acoustic impedance around the target", "MRayl"},
    {"fidelity_comparison", "Fidelity comparison"},
    {"success", "Primary outcome: model details"},
    {"grid_check", "Dose grid against the calibration grid"},
    {"patient", "Patient factors"},
    {"dvh", "Dose-volume tables"},
    {"dicom_rt", "DICOM RT Dose export"},
    {"patient_volumes", "Dose volumes in patient coordinates (NIfTI)"},
    {"model", "Model file"},
    {"version", "lithosim version"},
    {"schema_version", "File layout version (schema_version)"},
    {"lithosim_version", "lithosim version"},
    {"git_commit", "Git commit"},
    {"runtime_s", "Run time", "s"},
    {"history", "Course history"},
    {"follow_up", "Follow-up"},

    // ---- sessions[] and their ramp ----
    {"index", "Session"},
    {"day", "Day"},
    {"done", "Done"},
    {"shocks", "Shocks"},
    {"fragmentation_curve.shocks", "Shocks (cumulative)"},
    {"setting", "Setting"},
    {"ramp", "Ramp (shocks at setting)"},
    {"rate_per_min", "Shock rate", "/min"},
    {"duration_min", "Duration", "min"},
    {"efd_target_mJ_per_mm2", "EFD at the target", MM2},
    {"efd_free_field_mJ_per_mm2", "EFD in water at the focus", MM2},
    {"p_plus_target_MPa", "p+ at the target", "MPa"},
    {"p_minus_target_MPa", "p- at the target", "MPa"},
    {"fraction_cleared_after", "Fraction cleared after the session"},
    {"fraction_cleared", "Fraction cleared"},
    {"p_fragment_above_goal_size", "P(a fragment above the goal size is left)"},
    {"p_largest_fragment_above_clearance", "P(a fragment above the clearance size is left)"},
    {"stopped_at_goal", "Stopped at the goal"},

    // ---- outcomes[] and their covariates ----
    {"name", "Outcome"},
    {"primary", "Primary outcome"},
    {"horizon_months", "Horizon", "months"},
    {"probability", "Probability"},
    {"ci95", "95 % interval"},
    {"probability_without_treatment", "Probability without treatment"},
    {"probability_nominal", "Probability with the mean coefficients"},
    {"covariates", "Covariates"},
    {"outcomes.model", "Outcome model"},
    {"arc_deg", "Plaque arc", "\u00B0"},
    {"bile_acid", "Bile-acid therapy"},
    {"calcified", "Calcified"},
    {"cumulative_efd_mJ_per_mm2", "Cumulative EFD at the target", MM2},
    {"deposit_mm", "Deposit size", "mm"},
    {"efd_target_mean_mJ_per_mm2", "Mean EFD at the target per shock", MM2},
    {"energy_to_deposit_mJ", "Energy delivered to the deposit", "mJ"},
    {"fragmented", "Fragmented"},
    {"gaertner", "G\u00E4rtner type (1-3)"},
    {"impaired", "Gallbladder function impaired"},
    {"long_lesion", "Long lesion"},
    {"p_fracture", "Probability of plaque fracture"},
    {"pulses_equivalent", "Equivalent pulses"},
    {"stones", "Number of stones"},

    // ---- aim and its runs ----
    {"searched", "Offset searched"},
    {"focus_offset_mm", "Focus beyond the target centroid along the beam", "mm"},
    {"efd_max_to_target_mm", "Target centroid minus the EFD maximum along the beam", "mm"},
    {"target_efd_fraction_of_max", "EFD at the target / maximum EFD on the beam"},
    {"target_ends_efd_fraction_of_max", "EFD at the target's ends / maximum EFD on the beam"},
    {"initial_efd_max_to_target_mm", "Target centroid minus the EFD maximum, focus on the target", "mm"},
    {"initial_target_efd_fraction_of_max", "EFD at the target / maximum, focus on the target"},
    {"initial_efd_target_mJ_per_mm2", "EFD at the target, focus on the target", MM2},
    {"initial_p_plus_target_MPa", "p+ at the target, focus on the target", "MPa"},
    {"offset_range_mm", "Device's reach around the target (focus offset)", "mm"},
    {"clamped", "Offset limited by the device's reach"},
    {"max_follows_device", "EFD maximum moved with the device (fraction of its move)"},
    {"runs", "Runs of the search"},
    {"accepted", "Accepted"},
    {"dx_mm", "Grid spacing", "mm"},
    {"seconds", "Computing time", "s"},

    // ---- beam_path ----
    {"bone_mm", "Bone on the beam path", "mm"},
    {"depth_mm", "Depth of the target below the skin", "mm"},
    {"gas_mm", "Gas on the beam path", "mm"},
    {"lung_mm", "Lung on the beam path", "mm"},

    // ---- target ----
    {"centroid_mm", "Centroid", "mm", patient},
    {"diameter_mm", "Diameter", "mm"},
    {"volume_mm3", "Volume", MM3},
    {"material", "Material"},
    {"agatston_raw", "Agatston score (uncorrected)"},
    {"agatston_total", "Agatston score"},
    {"calcium_score_note", "Calcium score note"},
    {"risk_band", "Risk band"},
    {"slice_increment_mm", "CT slice increment", "mm"},
    {"slice_thickness_mm", "CT slice thickness", "mm"},

    // ---- target_dose[] ----
    {"efd_target_centre_mJ_per_mm2", "EFD at the target centre", MM2},
    {"energy_target_cross_section_mJ", "Energy through the target's cross-section", "mJ"},
    {"focal_width_mm", "Focal width at the target", "mm"},
    {"max_p_plus_target_MPa", "Largest p+ in the target", "MPa"},
    {"mean_p_plus_target_MPa", "Mean p+ in the target", "MPa"},
    {"positive_phase_us", "Positive phase at the target", "\u00B5s"},

    // ---- oar (per organ) and the organs ----
    {"has_limit", "Has a limit"},
    {"limit_ok", "Within the limit"},
    {"limit_source", "Source of the limits"},
    {"limit_p_plus_MPa", "Limit on p+ per shock", "MPa"},
    {"limit_p_minus_magnitude_MPa", "Limit on |p-| per shock", "MPa"},
    {"limit_efd_mJ_per_mm2", "Limit on EFD per shock", MM2},
    {"max_p_plus_MPa", "Largest p+ per shock", "MPa"},
    {"max_p_minus_MPa", "Most negative p- per shock", "MPa"},
    {"max_efd_mJ_per_mm2", "Largest EFD per shock", MM2},
    {"max_session_efd_mJ_per_mm2", "Largest EFD per session", MM2},
    {"bone_surface", "Bone surface"},
    {"lung", "Lung"},
    {"bowel_gas", "Bowel gas"},
    {"bone", "Bone"},

    // ---- safety ----
    {"ok", "Safe"},
    {"violations", "Organ limits exceeded"},

    // ---- grid_check ----
    {"checked", "Checked"},
    {"reference", "Reference"},
    {"calibration_dx_mm", "Calibration grid spacing", "mm"},
    {"calibration_p_plus_MPa", "p+ at the focus on the calibration grid", "MPa"},
    {"calibration_efd_mJ_per_mm2", "EFD at the focus on the calibration grid", MM2},
    {"grid_check.p_plus_MPa", "p+ at the focus on the dose grid", "MPa"},
    {"grid_check.efd_mJ_per_mm2", "EFD at the focus on the dose grid", MM2},
    {"p_plus_error_percent", "p+ difference", "%"},
    {"efd_error_percent", "EFD difference", "%"},
    {"within_tolerance", "Within the tolerance"},

    // ---- fidelity_comparison ----
    {"fast_efd_target_mJ_per_mm2", "EFD at the target, fast (axisymmetric)", MM2},
    {"full_efd_target_mJ_per_mm2", "EFD at the target, full (3D)", MM2},
    {"fast_p_plus_target_MPa", "p+ at the target, fast (axisymmetric)", "MPa"},
    {"full_p_plus_target_MPa", "p+ at the target, full (3D)", "MPa"},
    {"efd_difference_percent", "EFD difference, full - fast", "%"},
    {"p_plus_difference_percent", "p+ difference, full - fast", "%"},

    // ---- success ----
    {"outcome", "Outcome"},
    {"success.model", "Outcome model"},
    {"success.endpoint", "Endpoint of the model"},
    {"dose_log_sd", "Dose uncertainty (SD of log dose)"},
    {"fitted_parameters", "Fitted parameters from"},
    {"success.fraction_cleared", "Fraction cleared at the end of the course"},
    {"reference_rate", "Reference rate"},
    {"samples", "Monte Carlo samples"},

    // ---- patient ----
    {"gaertner_type", "G\u00E4rtner type"},
    {"gaertner_type_from", "G\u00E4rtner type from"},
    {"gallbladder_function", "Gallbladder function"},
    {"concentric", "Concentric plaque"},
    {"intravascular", "Intravascular emitter"},
    {"lesion_length_mm", "Lesion length", "mm"},
    {"plaque_arc_deg", "Plaque arc", "\u00B0"},
    {"plaque_thickness_mm", "Plaque thickness", "mm"},
    {"ring_radius_mm", "Emitter ring radius", "mm"},
    {"target_mean_HU", "Mean CT number of the target", "HU"},
    {"target_morphology", "Target morphology on the CT"},
    {"edge_sharpness", "Edge sharpness"},
    {"mean_HU", "Mean CT number", "HU"},
    {"peak_HU", "Peak CT number", "HU"},
    {"rule", "Rule"},

    // ---- dvh ----
    {"per", "Dose per"},
    {"geometry", "Geometry"},
    {"efd_levels_mJ_per_mm2", "EFD levels", MM2},
    {"p_plus_levels_MPa", "p+ levels", "MPa"},
    {"structures", "Structures"},
    {"nodes", "Grid nodes"},
    {"efd_fraction_above", "Volume fraction at or above each EFD level"},
    {"p_plus_fraction_above", "Volume fraction at or above each p+ level"},

    // ---- dicom_rt, patient_volumes ----
    {"folder", "Folder"},
    {"files", "Files"},
    {"file", "File"},
    {"quantity", "Quantity"},
    {"unit", "Unit"},
    {"frame_of_reference_uid", "Frame of reference UID"},
    {"grid_size", "Grid size (nodes)"},
    {"grid_spacing_mm", "Grid spacing", "mm"},
    {"coordinates", "Coordinates"},
    {"scaling", "Scaling"},

    // ---- re-plans: history[], follow_up ----
    {"plan", "Plan"},
    {"kind", "Kind"},
    {"inputs_sha256", "Inputs (SHA-256)"},
    {"primary_probability", "Primary outcome probability"},
    {"measurements", "Follow-up measurements"},
    {"after_session", "After session"},
    {"largest_residual_mm", "Largest residual fragment (a \u00D7 b)", "mm"},
    {"fragment_count", "Fragments counted"},
    {"residual_visible", "Residual visible"},
    {"what_changed", "What changed"},
    {"previous_plan", "Previous plan (folder)"},
    {"posterior", "Updated estimates"},

    // ---- summary.json (lithosim simulate, dosimetry) and device_free_field[]: the beam frame ----
    {"p_plus_MPa", "Peak positive pressure p+", "MPa", none, "largest p_max"},
    {"p_minus_MPa", "Peak negative pressure p-", "MPa", none, "most negative p_min in the -6 dB focal zone"},
    {"focus_mm", "Focus", "mm", beam, "position of the largest p_max (x, y, z; axisymmetric: r, 0, z)"},
    {"p_plus_focal_waveform_MPa", "p+ of the focal waveform", "MPa", none, "largest p(t) at the focus"},
    {"p_minus_focal_waveform_MPa", "p- of the focal waveform", "MPa", none,
     "most negative p(t) at the focus; p- above is the -6 dB zone's most negative"},
    {"rise_time_ns", "Rise time", "ns", none, "10 % to 90 % of the leading compression at the focus"},
    {"pulse_duration_ns", "Pulse duration", "ns", none, "positive phase at half maximum"},
    {"positive_phase_duration_ns", "Positive phase", "ns", none, "zero crossing to zero crossing around the peak"},
    {"focal_zone_6dB_mm", "-6 dB focal zone (x \u00D7 y \u00D7 z)", "mm", none,
     "full extents where p_max >= p+/2"},
    {"focal_zone_5MPa_mm", "5 MPa focal zone (x \u00D7 y \u00D7 z)", "mm", none, "extents where p_max >= 5 MPa"},
    {"x", "x", "mm"},
    {"y", "y", "mm"},
    {"z", "z", "mm"},
    {"efd_focus_mJ_per_mm2", "EFD at the focus", MM2, none, "energy flux density, whole pulse"},
    {"efd_plus_focus_mJ_per_mm2", "EFD+ at the focus", MM2, none, "energy flux density, positive phase only"},
    {"E5mm_mJ", "Energy in 5 mm disc", "mJ", none, "EFD over a disc of 5 mm radius in the focal plane"},
    {"E12mm_mJ", "Energy in 12 mm disc", "mJ", none, "EFD over a disc of 12 mm radius in the focal plane"},
    {"E28mm_disc_mJ", "Energy in 28 mm disc", "mJ", none, "EFD over a disc of 28 mm diameter in the focal plane"},
    {"energy_total_mJ", "Total energy in the focal plane", "mJ", none, "EFD over the whole focal plane of the map"},
    {"focal_plane_z_mm", "Focal plane z", "mm", beam, "plane of the disc energies"},
    {"grid_cell_travel_ns", "Travel time across one grid cell", "ns", none,
     "rise times near it are limited by the grid"},
    {"steps", "Time steps"},
    {"cells", "Grid cells"},
    {"dt_ns", "Time step", "ns"},
    {"points_per_wavelength", "Grid points per wavelength"},
    {"threads", "Threads"},
    {"ranks", "MPI ranks"},
    {"cell_updates_per_s", "Cell updates per second", "/s"},
    {"peak_memory_MB", "Peak memory", "MB"},
    {"phase_seconds", "Time per phase of the step", "s"},
    {"planes", "Sensor planes"},
    {"z_mm", "Plane z", "mm", beam},
    {"p_plus_max_MPa", "Largest p+ in the plane", "MPa"},
    {"p_minus_min_MPa", "Most negative p- in the plane", "MPa"},
    {"p_plus_axis_MPa", "p+ on the axis", "MPa"},
    {"p_minus_axis_MPa", "p- on the axis", "MPa"},
    {"efd_axis_mJ_per_mm2", "EFD on the axis", MM2},
    {"efd_plus_axis_mJ_per_mm2", "EFD+ on the axis", MM2},
    {"width_6dB_mm", "-6 dB width across the axis", "mm"},
    // phase_seconds: the solver's phases (solver/simulation.cpp PhaseTimer)
    {"velocity", "Velocity update"},
    {"pressure", "Density and pressure update"},
    {"pml", "PML"},
    {"filter", "Filter"},
    {"source", "Source"},
    {"sample", "Sensors"},
    {"axis", "Axis (axisymmetric)"},
    {"rigid", "Rigid boundaries"},
    {"halo", "Halo exchange (MPI)"},
    // The re-plan's inputs (plan.json dose_table, replan_inputs; planner/plan_follow_up.hpp) and the follow-up.
    {"dose_table", "Dose table kept for re-plans"},
    {"rows", "Rows"},
    {"p_plus_Pa", "p+ on the axis at the target", "Pa"},
    {"p_minus_Pa", "p- on the axis at the target", "Pa"},
    {"efd_J_per_m2", "EFD on the axis at the target", "J/m²"},
    {"focal_width_m", "Focal width at the target", "m"},
    {"positive_phase_s", "Positive phase at the target", "s"},
    {"free_field_efd_J_per_m2", "EFD of the device in water", "J/m²"},
    {"max_p_plus_Pa", "Largest p+", "Pa"},
    {"max_p_minus_Pa", "Most negative p-", "Pa"},
    {"max_efd_J_per_m2", "Largest EFD", "J/m²"},
    {"setting_min", "Lowest setting"},
    {"setting_max", "Highest setting"},
    {"setting_step", "Setting step"},
    {"motion_sd_m", "Breathing motion (SD per lateral axis)", "m"},
    {"target_radius_m", "Target radius", "m"},
    {"p_plus_relative_sd", "Shot-to-shot spread of p+ (SD / mean)"},
    {"fallback_width_m", "Width where the focus is unresolved", "m"},
    {"replan_inputs", "What a re-plan takes from this plan"},
    {"replan_inputs.efd_mJ_per_mm2", "Prescribed EFD (free field)", "mJ/mm²"},
    {"target_diameter_m", "Target diameter", "m"},
    {"max_shocks_per_session", "Most shocks per session"},
    {"interval_days", "Days between sessions"},
    {"safety_overrides", "Organ limits overridden"},
    {"surrounding_impedance_Pa_s_per_m", "Impedance around the target", "Pa s/m"},
    {"gallbladder_impaired", "Gallbladder emptying impaired"},
    {"inputs", "Inputs (SHA-1)"},
    {"inputs.model", "Model file"},
    {"inputs.follow_up", "Follow-up file"},
    {"inputs.previous_plan", "Earlier plan.json"},
    {"course_ends", "The course ends"},
    {"predicted_residual_mm", "Residual the model expected (median)", "mm"},
    {"predicted_residual_90_mm", "Residual the model expected (5-95 %)", "mm"},
    {"observed_residual_mm", "Residual seen (one size)", "mm"},
    {"strength_factor_prior_median", "Strength factor before (median)"},
    {"strength_factor_posterior_median", "Strength factor after (median)"},
    {"strength_factor_posterior_90", "Strength factor after (5-95 %)"},
    {"resorption_months_prior_median", "Time to resorption before (median)", "months"},
    {"resorption_months_posterior_median", "Time to resorption after (median)", "months"},
    {"dose_factor_posterior_median", "p+ reaching the target against the simulated (median)"},
    {"effective_samples", "Effective Monte Carlo samples"},
    {"particles_drawn", "Monte Carlo samples drawn"},
    {"structure_set", "RT Structure Set"},
    {"rois", "Structures (ROIs)"},
};

#undef MM2
#undef MM3

const std::map<std::string, const ReportKey*, std::less<>>& index() {
    static const auto m = [] {
        std::map<std::string, const ReportKey*, std::less<>> out;
        for (const auto& k : kKeys)
            if (!out.emplace(k.key, &k).second)
                throw std::logic_error(std::string("viz/report_labels.cpp: key '") + k.key + "' declared twice");
        return out;
    }();
    return m;
}

const char* frame_words(ReportFrame f) {
    switch (f) {
        case ReportFrame::patient: return "patient LPS";
        case ReportFrame::beam: return "beam frame";
        case ReportFrame::none: break;
    }
    return "";
}

std::string with_unit(const ReportKey& k, const std::string& unit) {
    std::string out = k.label;
    const std::string frame = frame_words(k.frame);
    if (frame.empty() && unit.empty()) return out;
    out += " (";
    out += frame;
    if (!frame.empty() && !unit.empty()) out += ", ";
    out += unit;
    out += ")";
    return out;
}

/// "1.41 × 10⁸" from a %.2e text "1.41e+08".
std::string times_ten(const char* e_text) {
    static const char* superscript[] = {"\u2070", "\u00B9", "\u00B2", "\u00B3", "\u2074",
                                        "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
    std::string s(e_text);
    const auto e = s.find('e');
    std::string mantissa = s.substr(0, e);
    if (mantissa.find('.') != std::string::npos) {
        while (mantissa.back() == '0') mantissa.pop_back();
        if (mantissa.back() == '.') mantissa.pop_back();
    }
    const int exponent = std::stoi(s.substr(e + 1));
    std::string out = mantissa + " \u00D7 10";
    if (exponent < 0) out += "\u207B";
    for (char d : std::to_string(std::abs(exponent))) out += superscript[d - '0'];
    return out;
}

}  // namespace

const std::vector<ReportKey>& report_keys() { return kKeys; }

const ReportKey* find_report_key(std::string_view key, std::string_view parent) {
    const auto& m = index();
    if (!parent.empty()) {
        std::string qualified(parent);
        qualified += '.';
        qualified += key;
        if (auto it = m.find(qualified); it != m.end()) return it->second;
    }
    if (auto it = m.find(key); it != m.end()) return it->second;
    return nullptr;
}

std::string report_label(std::string_view key, std::string_view parent) {
    const ReportKey* k = find_report_key(key, parent);
    if (!k) return std::string(key) + " (no label)";
    return with_unit(*k, k->unit);
}

std::string report_label_with_unit(std::string_view key, const std::string& unit, std::string_view parent) {
    const ReportKey* k = find_report_key(key, parent);
    if (!k) return std::string(key) + " (no label)";
    return with_unit(*k, unit);
}

std::string format_number(double v) {
    if (!std::isfinite(v)) return "n/a";
    char b[64];
    const double a = std::abs(v);
    if (a == 0) return "0";
    if (a >= 1e6 || a < 1e-4) {
        std::snprintf(b, sizeof b, "%.2e", v);
        return times_ten(b);
    }
    if (a >= 999.5) {  // %.3g would print 999.7 as "1e+03"
        std::snprintf(b, sizeof b, "%.0f", v);
        return b;
    }
    std::snprintf(b, sizeof b, "%.3g", v);
    return b;
}

}  // namespace lithosim::viz
