#include "planner/plan.hpp"
#include "core/progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "patient/patient_model.hpp"
#include "planner/plan_follow_up.hpp"
#include "core/text.hpp"
#include "report/visual_outputs.hpp"
#include "io/ct_import.hpp"
#include "io/dicom_rt.hpp"
#include "io/json_file.hpp"
#include "io/nifti.hpp"
#include "io/model_file.hpp"
#include "io/plan_file.hpp"
#include "lithosim/build_info.hpp"
#include "models/devices.hpp"
#include "planning/dose_grid.hpp"
#include "planning/dvh.hpp"
#include "viz/pdf.hpp"
#include "planning/fitted_parameters.hpp"
#include "planning/safety.hpp"
#include "core/errors.hpp"
#include "io/schema.hpp"

namespace lithosim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kMm = 1e-3;
constexpr double kMJ_per_mm2 = 1e3;  // J/m^2 per mJ/mm^2

double r3(double x) { return std::round(x * 1000) / 1000; }
double r1(double x) { return std::round(x * 10) / 10; }
double mj(double efd_J_per_m2) { return efd_J_per_m2 / kMJ_per_mm2; }
double mpa(double p_Pa) { return p_Pa * 1e-6; }

std::string point_text(const models::Vec3& p) {
    return format_number(r1(p[0])) + "," + format_number(r1(p[1])) + "," + format_number(r1(p[2]));
}

/// The checks of the request that need no model: indication, device, material, overrides, inputs, output folder.
planning::Protocol checked_protocol(const PlanRequest& r) {
    planning::Protocol p = planning::protocol(r.indication);
    if (r.device && *r.device == "ivl_emitter") {
        require_input_for("device", p.indication == "vascular",
                          "the device ivl_emitter is intravascular; accepted for the vascular indication only");
        p = planning::intravascular_protocol(p);
    } else if (r.device) {
        p.device = *r.device;
    }
    if (r.material) {
        planning::stone_material(*r.material);  // InputError naming the accepted materials
        p.target_material = *r.material;
    }
    const int inputs = int(r.phantom.has_value()) + int(r.model_path.has_value()) + int(r.ct_path.has_value());
    require_input_for("phantom|model|ct", inputs == 1,
                      inputs == 0 ? "no patient: give a phantom, a model file or a CT with its target point"
                                  : "a phantom, a model file and a CT exclude each other; accepted: one of them");
    require_input_for("target_point_mm", !r.ct_path || r.target_point_mm,
                      "a CT needs the target point x,y,z (the calcification to treat; the model's list of "
                      "calcifications gives them)");
    require_input_for("target_point_mm|source_position_mm",
                      !r.model_path || (!r.target_point_mm && !r.source_position_mm),
                      "a target point and a source position do not apply to a model file (the model file holds its "
                      "target and beam axis)");
    if (r.efd_mJ_per_mm2)
        require_input_for("efd_mJ_per_mm2", *r.efd_mJ_per_mm2 >= 0.01 && *r.efd_mJ_per_mm2 <= 0.6, "EFD ",
                      *r.efd_mJ_per_mm2, " mJ/mm^2 is out of range; accepted: 0.01 to 0.6 mJ/mm^2");
    if (r.sessions)
        require_input_for("sessions", *r.sessions >= 1 && *r.sessions <= p.sessions_max, "sessions = ", *r.sessions,
                      " is out of range; accepted: 1 to ", p.sessions_max, " for ", p.indication);
    if (r.max_shocks_per_session)
        require_input_for("max_shocks_per_session",
                          *r.max_shocks_per_session >= 0 && *r.max_shocks_per_session <= p.shocks_per_session_max,
                          "shocks per session ", *r.max_shocks_per_session, " is out of range; accepted: 0 (no "
                      "shocks: the course without treatment) to ", p.shocks_per_session_max, " for ", p.indication);
    if (r.gaertner_type)
        require_input_for("gaertner_type", p.indication == "tendon",
                          "a Gaertner type applies to the tendon indication only");
    if (r.stone_count)
        require_input_for("stone_count", r.phantom && *r.phantom == "gallbladder",
                          "a stone count builds stones in the gallbladder phantom; accepted with that phantom only");
    if (r.plaque_arc_deg)
        require_input_for("plaque_arc_deg", r.phantom && *r.phantom == "femoral",
                          "a plaque arc shapes the femoral phantom's plaque; accepted with that phantom only");
    if (r.rate_per_min)
        require_input_for("rate_per_min", *r.rate_per_min > 0 && *r.rate_per_min <= p.rate_per_min_max, "shock rate ",
                      *r.rate_per_min, "/min is out of range; accepted: > 0 and <= ", p.rate_per_min_max, " for ",
                      p.indication);
    require_input_for("samples", r.samples >= 0 && r.samples <= 100000, "Monte Carlo samples ", r.samples, "; accepted 0 to 100000");
    return p;
}

/// Files or folders the plan writes before it is complete: removed again unless the plan keeps them.
struct RemovedUnlessKept {
    std::vector<fs::path> paths;
    bool keep = false;
    RemovedUnlessKept() = default;
    RemovedUnlessKept(const RemovedUnlessKept&) = delete;
    RemovedUnlessKept& operator=(const RemovedUnlessKept&) = delete;
    ~RemovedUnlessKept() {
        std::error_code ignored;
        if (!keep)
            for (const auto& p : paths) fs::remove_all(p, ignored);
    }
};

json organ_json(const planning::OarSummary& o, const planning::SafetyLimits& limits) {
    json j = {{"max_p_plus_MPa", r3(mpa(o.max_per_shock.max_p_plus_Pa))},
              {"max_p_minus_MPa", r3(mpa(o.max_per_shock.max_p_minus_Pa))},
              {"max_efd_mJ_per_mm2", r3(mj(o.max_per_shock.max_efd_J_per_m2))},
              {"max_session_efd_mJ_per_mm2", r3(mj(o.max_session_efd_J_per_m2))},
              {"limit_ok", o.limit_ok},
              {"has_limit", o.has_limit}};
    // The limits beside the doses they bound (per shock; p- as a magnitude), with their source.
    if (const auto it = limits.organs.find(o.organ); it != limits.organs.end()) {
        const planning::OrganLimit& l = it->second;
        const auto limit = [](double v, double scale) { return v < planning::kNoLimit ? json(r3(v * scale)) : json(nullptr); };
        j["limit_p_plus_MPa"] = limit(l.max_p_plus_Pa, 1e-6);
        j["limit_p_minus_magnitude_MPa"] = limit(l.max_p_minus_Pa, 1e-6);
        j["limit_efd_mJ_per_mm2"] = limit(l.max_efd_J_per_m2, 1e-3);
        j["limit_source"] = l.source;
    }
    return j;
}

/// The run whose setting is nearest `s`.
const SettingRun& nearest_run(const PlanDose& d, double s) {
    return *std::min_element(d.runs.begin(), d.runs.end(), [&](const SettingRun& a, const SettingRun& b) {
        return std::abs(a.setting - s) < std::abs(b.setting - s);
    });
}

io::PlanFragments fragments(const planning::FragmentPopulation& p, int day, int shocks, double cleared) {
    const planning::SizeDistribution d = planning::size_distribution(p);
    return {day, shocks, cleared, d.diameter_m, d.count};
}

std::string pct_text(double p) { return format_number(std::round(p * 1000) / 10) + " %"; }

/// The outcome models' patient factors: from the model's summary (target morphology, stone count, plaque geometry,
/// CT density; patient/patient_model.hpp) and the options that override or add to them.
planning::PatientFactors patient_factors(const PlanRequest& r, const planning::Protocol& p, const io::ModelFile& model,
                                         const json& summary) {
    planning::PatientFactors f;
    if (summary.contains("target_morphology")) f.gaertner_type = summary["target_morphology"].value("gaertner_type", 2);
    if (r.gaertner_type) f.gaertner_type = *r.gaertner_type;
    if (p.indication == "gallbladder" || p.indication == "bile_duct") {
        // Stones of the target's kind in the scan: a phantom's stone count; a CT's other calcifications are not
        // assumed to be stones (one, unless the phantom says otherwise).
        f.stones = std::clamp(summary.contains("stone_count") && r.phantom ? summary["stone_count"].get<int>() : 1, 1, 5);
    }
    f.bile_acid = r.bile_acid;
    f.gallbladder_impaired = r.gallbladder_impaired;
    f.calcified = planning::gallstone_calcified(summary.value("target_mean_HU", 0.0));
    if (summary.contains("plaque")) {
        const json& q = summary["plaque"];
        f.plaque_arc_deg = q.value("arc_deg_max", f.plaque_arc_deg);
        f.plaque_thickness_mm = q.value("thickness_mm", f.plaque_thickness_mm);
        f.lesion_length_mm = q.value("length_mm", f.lesion_length_mm);
        f.ring_radius_mm = q.value("ring_radius_mm", f.ring_radius_mm);
    } else {
        f.lesion_length_mm = summary.value("target_diameter_mm", f.lesion_length_mm);
    }
    f.intravascular = p.device == "ivl_emitter";
    (void)model;
    return f;
}

/// plan.json `dvh`: per structure on the maps of one shock at the plan's treatment setting (the run nearest it), the
/// share of the structure's volume at or above each EFD and p+ level (planning/dvh.hpp), with the levels once.
json dvh_json(const SettingRun& run, const ModelOnMap& on, bool axisymmetric) {
    const std::vector<double> efd_levels = {10, 20, 50, 100, 200, 300, 500, 1000};          // J/m^2
    const std::vector<double> p_levels = {1e6, 2e6, 5e6, 10e6, 20e6, 30e6, 50e6, 80e6};    // Pa
    const std::vector<double> volumes = planning::node_volumes_m3(run.p_max, axisymmetric);
    json levels_efd = json::array(), levels_p = json::array();
    for (double l : efd_levels) levels_efd.push_back(r3(mj(l)));
    for (double l : p_levels) levels_p.push_back(r3(mpa(l)));
    json structures = json::object();
    for (const auto& [name, mask] : structure_masks(run.p_max, on)) {
        const planning::DoseVolume e = planning::dose_volume(run.efd.values, mask, volumes, efd_levels);
        const planning::DoseVolume p = planning::dose_volume(run.p_max.values, mask, volumes, p_levels);
        if (e.nodes == 0) continue;
        json fe = json::array(), fp = json::array();
        for (double f : e.fraction_above) fe.push_back(r3(f));
        for (double f : p.fraction_above) fp.push_back(r3(f));
        structures[name] = {{"volume_mm3", r3(e.volume_m3 * 1e9)},
                            {"nodes", e.nodes},
                            {"max_efd_mJ_per_mm2", r3(mj(e.max_value))},
                            {"max_p_plus_MPa", r3(mpa(p.max_value))},
                            {"efd_fraction_above", fe},
                            {"p_plus_fraction_above", fp}};
    }
    return {{"setting", run.setting},
            {"per", "shock"},
            {"geometry", axisymmetric ? "axisymmetric (rings about the beam axis)" : "cartesian"},
            {"efd_levels_mJ_per_mm2", levels_efd},
            {"p_plus_levels_MPa", levels_p},
            {"structures", structures},
            {"note", "fraction of each structure's volume inside the simulated map at or above each level, one shock "
                     "at the setting; volume_mm3 is the part of the structure inside the map"}};
}

/// The plan's dose in the model's patient coordinates (DICOM LPS, mm): EFD and p+ of one shock at the treatment
/// setting, the cumulative EFD of each session (its ramp and plateau, the per-shock maps interpolated between the
/// simulated settings) and of the course, revolved (fast) or resampled (full) on a grid of the beam frame
/// (planning/dose_grid.hpp) no finer than the model's CT grid and within 2 million voxels; with the model's labels and
/// target on the same grid. For --dicom-rt (io/dicom_rt.hpp) and the NIfTI copies (io/nifti.hpp).
struct PatientDose {
    planning::BeamGrid grid;
    std::vector<std::string> names;          ///< file stems: efd_per_shock, p_plus_per_shock, efd_session_<k>, efd_course
    std::vector<io::RtDoseVolume> volumes;
    std::vector<std::uint8_t> labels, target;
};

PatientDose patient_dose(const PlanDose& dose, const planning::Schedule& schedule, const SettingRun& shown,
                         const io::ModelFile& model, bool axisymmetric) {
    PatientDose out;
    const double shift = dose.depth.geometry.z_target_m - model.target_m[2];   // map z = model z + shift
    planning::BeamGrid& g = out.grid;
    g = planning::covering_grid(shown.efd, axisymmetric, shift, model.grid.dx_m, 2'000'000);
    const auto& [ex, ey, ez] = model.frame_axes;
    const std::array<double, 3> n = {ex[1] * ey[2] - ex[2] * ey[1], ex[2] * ey[0] - ex[0] * ey[2],
                                     ex[0] * ey[1] - ex[1] * ey[0]};
    if (n[0] * ez[0] + n[1] * ez[1] + n[2] * ez[2] < 0) {   // a left-handed beam frame: rows run along -y
        g.y_sign = -1;
        g.origin_m[1] += double(g.ny - 1) * g.spacing_m;
    }
    io::RtDoseVolume base;
    base.nx = g.nx, base.ny = g.ny, base.nz = g.nz;
    base.spacing_mm = {g.spacing_m / kMm, g.spacing_m / kMm, g.spacing_m / kMm};
    base.axes = {ex, {g.y_sign * ey[0], g.y_sign * ey[1], g.y_sign * ey[2]}, ez};
    base.origin_mm = io::frame_to_patient_mm(model, g.origin_m);
    const auto add = [&](const std::string& name, const std::string& quantity, const std::string& unit,
                         const Map3& m, double scale) {
        io::RtDoseVolume v = base;
        v.quantity = quantity, v.unit = unit;
        v.values = planning::sample_on_grid(m, axisymmetric, shift, g);
        for (auto& x : v.values) x = float(x * scale);
        out.volumes.push_back(std::move(v));
        out.names.push_back(name);
    };
    const std::string at = ", " + dose.depth.setting_unit + " " + format_number(r3(shown.setting));
    add("efd_per_shock", "EFD per shock" + at, "mJ/mm2", shown.efd, 1 / kMJ_per_mm2);
    add("p_plus_per_shock", "p+ per shock" + at, "MPa", shown.p_max, 1e-6);
    std::vector<std::pair<double, const Map3*>> runs;
    for (const auto& run : dose.runs) runs.emplace_back(run.setting, &run.efd);
    std::vector<std::pair<double, int>> course;
    for (const auto& s : schedule.sessions) {
        std::vector<std::pair<double, int>> steps;
        for (const auto& st : s.steps) steps.emplace_back(st.setting, st.shocks);
        course.insert(course.end(), steps.begin(), steps.end());
        add("efd_session_" + std::to_string(s.index),
            "EFD session " + std::to_string(s.index) + ", " + std::to_string(s.shocks) + " shocks", "mJ/mm2",
            planning::cumulative_map(runs, steps), 1 / kMJ_per_mm2);
    }
    if (!schedule.sessions.empty())
        add("efd_course", "EFD course, " + std::to_string(schedule.sessions.size()) + " sessions", "mJ/mm2",
            planning::cumulative_map(runs, course), 1 / kMJ_per_mm2);
    // The model's labels and target at the voxels (nearest model node; water outside the model).
    out.labels.assign(g.size(), 0);
    out.target.assign(g.size(), 0);
    for (std::size_t k = 0; k < g.nz; ++k)
        for (std::size_t j = 0; j < g.ny; ++j)
            for (std::size_t i = 0; i < g.nx; ++i) {
                const auto x = g.position_m(i, j, k);
                const std::ptrdiff_t m = io::model_node(model.grid, x[0], x[1], x[2], false);
                if (m < 0) continue;
                out.labels[i + g.nx * (j + g.ny * k)] = model.grid.labels[std::size_t(m)];
                out.target[i + g.nx * (j + g.ny * k)] = model.grid.target[std::size_t(m)];
            }
    return out;
}

/// --dicom-rt DIR: the volumes as RT Dose objects (<name>.dcm) and the structures of the dose tables (structure_masks
/// on the same grid: the target and the organs at risk present) as the RT Structure Set structures.dcm.
/// Returns plan.json `dicom_rt`.
json write_plan_dicom_rt(const fs::path& dir, const PatientDose& d, const io::ModelFile& model) {
    std::vector<std::string> files;
    for (const auto& name : d.names) files.push_back(name + ".dcm");
    io::RtWriteOptions o;
    o.pseudonym = model.pseudonym.substr(0, 64);
    // The CT's frame of reference when the model came from a DICOM series (summary.json frame_of_reference_uid).
    const json summary = json::parse(model.summary_json.empty() ? "{}" : model.summary_json, nullptr, false);
    if (summary.is_object() && summary.contains("frame_of_reference_uid") &&
        summary["frame_of_reference_uid"].is_string())
        o.frame_of_reference_uid = summary["frame_of_reference_uid"].get<std::string>();
    Map3 grid;
    grid.nx = d.grid.nx, grid.ny = d.grid.ny, grid.nz = d.grid.nz;
    std::vector<io::RtStructureMask> structures;
    for (auto& [name, mask] : structure_masks(grid, ModelOnMap{d.labels, d.target}))
        structures.push_back({name, std::move(mask)});
    const std::string frame_uid = io::write_rt_dose(dir, files, d.volumes, o, structures);
    json list = json::array();
    for (std::size_t k = 0; k < files.size(); ++k)
        list.push_back({{"file", files[k]}, {"quantity", d.volumes[k].quantity}, {"unit", d.volumes[k].unit}});
    json rois = json::array();
    for (const auto& s : structures) rois.push_back(s.name);
    return {{"folder", fs::absolute(dir).lexically_normal().string()},
            {"files", list},
            {"structure_set", {{"file", "structures.dcm"}, {"rois", rois}}},
            {"frame_of_reference_uid", frame_uid},
            {"grid_size", json::array({d.grid.nx, d.grid.ny, d.grid.nz})},
            {"grid_spacing_mm", r3(d.grid.spacing_m / kMm)},
            {"coordinates", "patient LPS, mm (the model's CT); rows along the beam frame's x, columns along its y, "
                            "frames along the beam"},
            {"scaling", "DoseUnits RELATIVE; value in the unit of DoseComment = pixel x DoseGridScaling"}};
}

/// DIR/patient/: the volumes (<name>.nii, float32 in their unit) with labels.nii (models::Label codes, the model's
/// label_names) and target_mask.nii, in patient coordinates (io/nifti.hpp). Written under a temporary name and
/// renamed; an earlier patient/ is replaced. Returns plan.json `patient_volumes`.
json write_plan_nifti(const fs::path& out, const PatientDose& d) {
    const fs::path dir = out / "patient", tmp = out / ".patient.in-progress";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp);
    try {
        json files = json::array();
        for (std::size_t k = 0; k < d.volumes.size(); ++k) {
            io::write_nifti(tmp / (d.names[k] + ".nii"), d.volumes[k]);
            files.push_back({{"file", "patient/" + d.names[k] + ".nii"}, {"quantity", d.volumes[k].quantity},
                             {"unit", d.volumes[k].unit}});
        }
        io::write_nifti_labels(tmp / "labels.nii", d.volumes.front(), d.labels, "lithosim labels (models::Label)");
        io::write_nifti_labels(tmp / "target_mask.nii", d.volumes.front(), d.target, "lithosim target mask");
        files.push_back({{"file", "patient/labels.nii"}, {"quantity", "labels"}, {"unit", "1"}});
        files.push_back({{"file", "patient/target_mask.nii"}, {"quantity", "target mask"}, {"unit", "1"}});
        fs::remove_all(dir, ec);
        fs::rename(tmp, dir);
        return {{"files", files},
                {"coordinates", "NIfTI-1 qform and sform (code 1): voxel to RAS mm, the CT's patient frame"}};
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

json patient_json(const planning::Protocol& p, const planning::PatientFactors& f, const json& summary,
                  const PlanRequest& r) {
    json j = json::object();
    if (p.indication == "tendon") {
        j["gaertner_type"] = f.gaertner_type == 1 ? "I" : f.gaertner_type == 2 ? "II" : "III";
        j["gaertner_type_from"] = r.gaertner_type ? "--gaertner-type" : summary.contains("target_morphology")
                                                                           ? "CT morphology (target_morphology)"
                                                                           : "default (type II)";
        if (summary.contains("target_morphology")) j["target_morphology"] = summary["target_morphology"];
    } else if (p.indication == "gallbladder" || p.indication == "bile_duct") {
        j["stones"] = f.stones;
        if (p.indication == "gallbladder") {
            j["bile_acid"] = f.bile_acid;
            j["gallbladder_function"] = f.gallbladder_impaired ? "impaired" : "normal";
            j["calcified"] = f.calcified;
            j["target_mean_HU"] = summary.value("target_mean_HU", 0.0);
        }
    } else {
        j["plaque_arc_deg"] = r1(f.plaque_arc_deg);
        j["plaque_thickness_mm"] = r3(f.plaque_thickness_mm);
        j["lesion_length_mm"] = r1(f.lesion_length_mm);
        j["ring_radius_mm"] = r3(f.ring_radius_mm);
        j["concentric"] = f.plaque_arc_deg >= 270;
        j["intravascular"] = f.intravascular;
    }
    return j;
}

}  // namespace

json session_json(const planning::SessionPlan& s) {
    json ramp = json::array();
    for (const auto& st : s.steps) ramp.push_back({{"setting", st.setting}, {"shocks", st.shocks}});
    return {{"index", s.index},
            {"day", s.day},
            {"shocks", s.shocks},
            {"setting", s.setting},
            {"rate_per_min", s.rate_per_min},
            {"efd_target_mJ_per_mm2", r3(mj(s.efd_target_J_per_m2))},
            {"p_plus_target_MPa", r3(mpa(s.p_plus_target_Pa))},
            {"p_minus_target_MPa", r3(mpa(s.p_minus_target_Pa))},
            {"fraction_cleared_after", r3(s.fraction_cleared_after)},
            {"p_largest_fragment_above_clearance", r3(s.p_largest_above_clearance)},
            {"p_fragment_above_goal_size", r3(s.p_piece_above_goal)},
            {"efd_free_field_mJ_per_mm2", r3(mj(s.efd_free_field_J_per_m2))},
            {"duration_min", r1(s.duration_min)},
            {"stopped_at_goal", s.stopped_at_goal},
            {"done", false},
            {"ramp", ramp}};
}

json outcomes_json(const planning::OutcomePrediction& prediction) {
    json outcomes = json::array();
    for (const auto& o : prediction.outcomes) {
        json cov = json::object();
        for (const auto& [k, v] : o.covariates) cov[k] = std::abs(v) >= 100 ? r1(v) : r3(v);
        outcomes.push_back({{"name", o.name},
                            {"horizon_months", o.horizon_months},
                            {"probability", r3(o.probability)},
                            {"ci95", json::array({r3(o.ci95_low), r3(o.ci95_high)})},
                            {"probability_without_treatment", r3(o.probability_without_treatment)},
                            {"probability_nominal", r3(o.probability_nominal)},
                            {"primary", o.primary},
                            {"covariates", cov},
                            {"model", o.model}});
    }
    return outcomes;
}

const std::vector<PlanOption>& plan_option_table() {
    static const std::vector<PlanOption> t = {
        {"indication", PlanOption::Word},
        {"phantom", PlanOption::Word},
        {"model", PlanOption::Path},
        {"ct", PlanOption::Path},
        {"target-point-mm", PlanOption::Point},
        {"source-position-mm", PlanOption::Point},
        {"device", PlanOption::Word},
        {"material", PlanOption::Word},
        {"efd-mJ-per-mm2", PlanOption::Real, 0.01, 0.6},
        {"sessions", PlanOption::Integer, 1, 4},
        {"max-shocks-per-session", PlanOption::Integer, 0, 1e6},
        {"rate-per-min", PlanOption::Real, 1e-9, 1e6},
        {"seed", PlanOption::Integer, 0, 1e15},
        {"samples", PlanOption::Integer, 0, 100000},
        {"fidelity", PlanOption::Word},
        {"dx-mm", PlanOption::Real, 0.01, 2},
        {"gaertner-type", PlanOption::Word},
        {"stone-count", PlanOption::Integer, 1, 5},
        {"bile-acid", PlanOption::Word},
        {"gallbladder-function", PlanOption::Word},
        {"plaque-arc-deg", PlanOption::Real, 30, 360},
    };
    return t;
}

const PlanOption* find_plan_option(const std::string& name) {
    for (const auto& o : plan_option_table())
        if (name == o.name) return &o;
    return nullptr;
}

double plan_numeric_option(const std::string& name, const std::string& text) {
    const PlanOption* o = find_plan_option(name);
    if (!o || (o->kind != PlanOption::Real && o->kind != PlanOption::Integer))
        throw std::logic_error("plan_numeric_option: '" + name + "' is not a numeric plan option");
    std::string field = name;
    for (char& c : field)
        if (c == '-') c = '_';
    try {
        return checked_number(field, text, o->kind == PlanOption::Integer, o->min, o->max);
    } catch (const InputError& e) {
        throw InputError(field, e.what());
    }
}

json plan_json(const Plan& p) {
    const planning::Protocol& protocol = p.protocol;
    const planning::Schedule& schedule = p.schedule;
    const planning::OutcomePrediction& prediction = p.prediction;
    const planning::OutcomeEstimate& primary = p.primary();
    const planning::SafetyCheck& safety = p.safety;
    const planning::SafetyLimits& limits = p.limits;
    const std::vector<std::string>& warnings = p.warnings;
    const std::vector<std::string>& notes = p.notes;
    const json& summary = p.model_summary;
    const planning::PatientFactors& factors = p.factors;
    const PlanRequest& r = p.request;
    const std::optional<PlanDose>& dose = p.dose;
    const io::ModelFile& model = *p.model;
    const BeamPath& path = p.path;
    const double plateau = p.plateau_setting, motion_sd = p.motion_sd_m, diameter_m = p.target_diameter_m;
    const double radius_m = 0.5 * diameter_m, jitter = p.shot_to_shot_p_plus_sd;
    const std::string& verdict = p.verdict;
    json j;
    j["indication"] = protocol.indication;
    j["device"] = protocol.device;
    j["endpoint"] = protocol.endpoint;
    j["verdict"] = verdict;
    json sessions = json::array();
    for (const auto& s : schedule.sessions) sessions.push_back(session_json(s));
    j["sessions"] = sessions;
    j["predicted_success_probability"] = r3(primary.probability);
    j["success_ci95"] = json::array({r3(primary.ci95_low), r3(primary.ci95_high)});
    const json outcomes = outcomes_json(prediction);
    j["outcomes"] = outcomes;
    json curve = json::array();
    for (const auto& c : schedule.curve) curve.push_back({{"shocks", c.shocks}, {"fraction_cleared", r3(c.fraction_cleared)}});
    j["fragmentation_curve"] = curve;
    j["clearance_size_mm"] = schedule.clearance_size_m / kMm;
    json oar = json::object();
    for (const auto& o : safety.oar) oar[o.organ] = organ_json(o, limits);
    j["oar"] = oar;
    j["safety"] = {{"ok", safety.ok}, {"warnings", safety.warnings}, {"violations", safety.violations}};
    j["warnings"] = warnings;
    j["target"] = {{"volume_mm3", summary.value("target_volume_mm3", 0.0)},
                   {"diameter_mm", summary.value("target_diameter_mm", 0.0)},
                   {"centroid_mm", summary.value("target_centroid_mm", json::array())},
                   {"material", protocol.target_material}};
    // The CT's calcium score (the scan's, bone excluded; 3 mm-equivalent) and what it means for this plan.
    for (const char* key : {"agatston_total", "agatston_raw", "risk_band", "slice_thickness_mm", "slice_increment_mm",
                            "calcium_score_note"})
        if (summary.contains(key)) j["target"][key] = summary[key];
    j["patient"] = patient_json(protocol, factors, summary, r);
    j["fidelity"] = r.full ? "full" : "fast";
    if (const auto& c = p.fidelity_comparison) {
        j["fidelity_comparison"] = {
            {"setting", c->setting},
            {"full_efd_target_mJ_per_mm2", r3(mj(c->full.efd_centre_J_per_m2))},
            {"fast_efd_target_mJ_per_mm2", r3(mj(c->fast.efd_centre_J_per_m2))},
            {"full_p_plus_target_MPa", r3(mpa(c->full.max_p_plus_Pa))},
            {"fast_p_plus_target_MPa", r3(mpa(c->fast.max_p_plus_Pa))},
            {"efd_difference_percent", r1(100 * (c->fast.efd_centre_J_per_m2 / c->full.efd_centre_J_per_m2 - 1))},
            {"p_plus_difference_percent", r1(100 * (c->fast.max_p_plus_Pa / c->full.max_p_plus_Pa - 1))}};
    } else {
        j["fidelity_comparison"] = {
            {"note", "fast fidelity: --fidelity full runs the 3D model and the axisymmetric one on its grid and "
                     "reports their difference here (README: Treatment planning)"}};
    }
    j["goal_reached"] = schedule.goal_reached;
    j["goal_probability"] = schedule.goal_kind == "dose" ? json(nullptr) : json(schedule.goal_probability);
    j["goal_kind"] = schedule.goal_kind;
    j["reason"] = schedule.reason;
    j["notes"] = notes;
    j["setting_unit"] = p.setting_unit;
    json runs = json::array(), free_field = json::array();
    if (dose) {
        for (const auto& run : dose->runs) {
            runs.push_back({{"setting", run.setting},
                            {"mean_p_plus_target_MPa", r3(mpa(run.target.mean_p_plus_Pa))},
                            {"max_p_plus_target_MPa", r3(mpa(run.target.max_p_plus_Pa))},
                            {"p_minus_target_MPa", r3(mpa(run.target.p_minus_Pa))},
                            {"efd_target_centre_mJ_per_mm2", r3(mj(run.target.efd_centre_J_per_m2))},
                            {"energy_target_cross_section_mJ", r3(run.target.energy_cross_section_J * 1e3)},
                            {"focal_width_mm", r1(run.target.focal_width_m / kMm)},
                            {"positive_phase_us", r3(run.target.positive_phase_s * 1e6)},
                            {"efd_free_field_mJ_per_mm2", r3(mj(run.water_efd_J_per_m2))},
                            {"seconds", r1(run.seconds + run.water_seconds)}});
            // The device's free field at each simulated setting (IEC 61846 parameters of the water runs).
            json f = {{"setting", run.setting}};
            f.update(run.water_field);
            free_field.push_back(std::move(f));
        }
        j["aim"] = aim_json(dose->aim);
        j["grid_check"] = grid_check_json(dose->grid_check);
        j["surrounding_impedance_MRayl"] = r3(dose->surrounding_impedance_Pa_s_per_m * 1e-6);
    } else {
        j["aim"] = nullptr;
        j["grid_check"] = nullptr;
    }
    j["target_dose"] = runs;
    j["device_free_field"] = free_field;
    j["beam_path"] = {{"depth_mm", r1(path.depth_mm)}, {"bone_mm", r1(path.bone_mm)}, {"lung_mm", r1(path.lung_mm)},
                      {"gas_mm", r1(path.gas_mm)}};
    j["window_loss_dB"] = dose ? r3(dose->window_loss_dB(plateau)) : 0.0;
    j["motion_sd_mm"] = motion_sd / kMm;
    j["positioning_sd_mm"] = protocol.positioning_sd_m / kMm;
    j["success"] = {{"endpoint", protocol.endpoint},
                    {"outcome", primary.name},
                    {"probability_nominal", r3(primary.probability_nominal)},
                    {"probability_without_treatment", r3(primary.probability_without_treatment)},
                    {"reference_rate", protocol.reference_success_rate},
                    {"model", primary.model},
                    {"samples", prediction.samples},
                    {"dose_log_sd", r3(p.dose_log_sd)},
                    {"fitted_parameters", planning::fitted_parameters().command},
                    {"fraction_cleared", r3(schedule.final_fraction_cleared())}};
    j["seed"] = r.seed;
    j["pseudonym"] = model.pseudonym;
    j["model"] = p.model_file;
    j[io::schema::key] = io::schema::plan_json;
    j["version"] = std::string(build::version);
    j["git_commit"] = std::string(build::git_commit);
    if (dose) {
        const SettingRun& shown = nearest_run(*dose, plateau);
        j["dvh"] = dvh_json(shown, model_on_map(model, shown.p_max, !r.full,
                                                dose->depth.geometry.z_target_m - model.target_m[2]),
                            !r.full);
    } else {
        j["dvh"] = nullptr;
    }
    // What a re-plan after a follow-up needs (planner/plan_follow_up.cpp): the dose table and the request, in full
    // precision; and the course's chain of plans, this one first.
    j["dose_table"] = dose ? dose_table_json(dose->dose_table(motion_sd, radius_m, jitter)) : json(nullptr);
    j["replan_inputs"] = {{"target_diameter_m", diameter_m},
                          {"stones", factors.stones},
                          {"efd_mJ_per_mm2", r.efd_mJ_per_mm2 ? json(*r.efd_mJ_per_mm2) : json(nullptr)},
                          {"sessions", r.sessions ? json(*r.sessions) : json(nullptr)},
                          {"max_shocks_per_session",
                           r.max_shocks_per_session ? json(*r.max_shocks_per_session) : json(nullptr)},
                          {"rate_per_min", r.rate_per_min ? json(*r.rate_per_min) : json(nullptr)},
                          {"interval_days", schedule.interval_days},
                          {"safety_overrides", r.safety_overrides},
                          {"surrounding_impedance_Pa_s_per_m", p.surrounding_impedance_Pa_s_per_m},
                          {"dose_log_sd", p.dose_log_sd},
                          {"samples", r.samples},
                          {"patient", patient_factors_json(factors)}};
    j["history"] = json::array({{{"plan", 1},
                                 {"folder", p.folder},
                                 {"day", 0},
                                 {"kind", "initial"},
                                 {"inputs", {{"model", p.model_sha1}}},
                                 {"primary_probability", r3(primary.probability)}}});
    j["runtime_s"] = r1(p.runtime_s);
    if (!p.patient_volumes.is_null()) j["patient_volumes"] = p.patient_volumes;
    if (!p.dicom_rt.is_null()) j["dicom_rt"] = p.dicom_rt;
    return j;
}

PlanRequest plan_request(const std::vector<std::pair<std::string, std::string>>& options) {
    PlanRequest r;
    auto input_of = [](std::string name) {
        for (char& c : name)
            if (c == '-') c = '_';
        return name;
    };
    for (const auto& [name, text] : options) {
        if (name == "limit") {
            r.safety_overrides.push_back(text);
            continue;
        }
        const PlanOption* o = find_plan_option(name);
        if (!o) {
            std::vector<std::string> names{"limit"};
            for (const auto& t : plan_option_table()) names.push_back(t.name);
            throw InputError(input_of(name), "plan option '" + name + "' = '" + text + "' is unknown; accepted: " +
                                                 join(names, ", "));
        }
        const std::string input = input_of(name);
        auto word = [&](std::initializer_list<const char*> accepted) {
            std::vector<std::string> words(accepted.begin(), accepted.end());
            const std::string last = words.back();  // "I, II or III"
            const std::string listed = words.size() > 1
                                           ? join(std::vector<std::string>(words.begin(), words.end() - 1), ", ") +
                                                 " or " + last
                                           : last;
            require_input_for(input.c_str(), std::find(words.begin(), words.end(), text) != words.end(), input, " '",
                              text, "'; accepted: ", listed);
            return text;
        };
        if (name == "indication") {
            r.indication = text;
            planning::protocol(r.indication);  // InputError naming the accepted indications
        } else if (name == "phantom") {
            r.phantom = text;
        } else if (name == "model") {
            r.model_path = text;
        } else if (name == "ct") {
            r.ct_path = text;
        } else if (name == "target-point-mm" || name == "source-position-mm") {
            models::Vec3 x{};
            try {
                x = checked_point(name, text);
            } catch (const InputError& e) {
                throw InputError(input, e.what());
            }
            (name == "target-point-mm" ? r.target_point_mm : r.source_position_mm) = x;
        } else if (name == "device") {
            r.device = text;
        } else if (name == "material") {
            r.material = text;
        } else if (name == "efd-mJ-per-mm2") {
            r.efd_mJ_per_mm2 = plan_numeric_option(name, text);
        } else if (name == "sessions") {
            r.sessions = int(plan_numeric_option(name, text));
        } else if (name == "max-shocks-per-session") {
            r.max_shocks_per_session = int(plan_numeric_option(name, text));
        } else if (name == "rate-per-min") {
            r.rate_per_min = plan_numeric_option(name, text);
        } else if (name == "seed") {
            r.seed = std::uint64_t(plan_numeric_option(name, text));
        } else if (name == "samples") {
            r.samples = int(plan_numeric_option(name, text));
        } else if (name == "fidelity") {
            r.full = word({"fast", "full"}) == "full";
        } else if (name == "dx-mm") {
            r.dx_mm = plan_numeric_option(name, text);
        } else if (name == "gaertner-type") {
            const std::string g = word({"I", "II", "III"});
            r.gaertner_type = g == "I" ? 1 : g == "II" ? 2 : 3;
        } else if (name == "stone-count") {
            r.stone_count = int(plan_numeric_option(name, text));
        } else if (name == "bile-acid") {
            r.bile_acid = word({"yes", "no"}) == "yes";
        } else if (name == "gallbladder-function") {
            r.gallbladder_impaired = word({"normal", "impaired"}) == "impaired";
        } else if (name == "plaque-arc-deg") {
            r.plaque_arc_deg = plan_numeric_option(name, text);
        } else {
            throw std::logic_error("plan_request: option '" + name + "' of the table is not handled");
        }
    }
    require_input_for("indication", !r.indication.empty(), "the indication is required; accepted: ",
                      join(planning::indication_names(), ", "));
    return r;
}

PlanResult run_plan(const PlanRequest& r, std::ostream* log) {
    // One progress line per 10 % of the dose runs and of the outcomes' samples (a bar on a terminal), with the
    // elapsed time and the stage's ETA, on stdout with the plan's log (stderr keeps to warnings and errors); none
    // when quiet (no log).
    CommandProgress progress(log ? ProgressReporter::choose_mode(false, stdout) : ProgressReporter::Mode::Silent,
                             stdout, "plan");
    const auto t0 = std::chrono::steady_clock::now();
    planning::Protocol protocol = checked_protocol(r);
    planning::SafetyLimits limits = planning::default_safety_limits();
    for (const auto& o : r.safety_overrides) planning::apply_safety_override(limits, o);
    std::error_code ec;
    require_input_for("out", !r.out_dir.empty(), "the output folder is required");
    const fs::path out(r.out_dir);
    if (fs::exists(out, ec) && !fs::is_directory(out, ec))
        throw InputError("out", "output folder '" + r.out_dir + "' exists and is not a folder; accepted: a folder (new "
                                "or existing)");
    if (r.dicom_rt_dir) {
        require_input_for("dicom_rt", !fs::exists(*r.dicom_rt_dir, ec), "DICOM-RT folder '", *r.dicom_rt_dir,
                          "' exists; accepted: a new folder (existing files are never overwritten)");
        require_input_for("dicom_rt", protocol.device != "ivl_emitter",
                          "DICOM-RT files hold a simulated field; the intravascular emitter's plan has none");
    }
    fs::create_directories(out, ec);
    if (ec) throw InputError("out", "output folder '" + r.out_dir + "': cannot create the folder: " + ec.message());

    // The model files (the runs use the models in memory) are written with the plan, under temporary names that
    // become their final names only with plan.json; bad input or an unsafe plan leaves nothing behind.
    RemovedUnlessKept temporary;
    temporary.paths = {out / ".model.h5.in-progress", out / ".model_incident.h5.in-progress"};

    // 1. The patient model.
    io::ModelFile model;
    std::optional<PatientModel> patient;
    std::string model_path;
    std::vector<std::string> notes;
    models::PhantomOptions phantom_options;
    phantom_options.stone_count = r.stone_count;
    phantom_options.plaque_arc_deg = r.plaque_arc_deg;
    if (r.model_path) {
        model = io::read_model_h5(*r.model_path);
        model_path = fs::absolute(*r.model_path).string();
    } else {
        ModelRequest mr;
        if (r.phantom) mr.phantom = *r.phantom;
        mr.phantom_options = phantom_options;
        if (r.ct_path) mr.ct_path = *r.ct_path;
        mr.target_point_mm = r.target_point_mm;
        mr.source_position_mm = r.source_position_mm;
        patient = build_patient_model(mr);
        model = patient->file;
        model_path = fs::absolute(out / "model.h5").string();
        if (patient->phantom && patient->phantom->indication != protocol.indication)
            notes.push_back("the " + patient->phantom->name + " phantom is built for the " +
                            patient->phantom->indication + " indication, planned here as " + protocol.indication);
    }
    const json summary = json::parse(model.summary_json.empty() ? "{}" : model.summary_json);
    require_input(summary.contains("target_diameter_mm"), "the model file holds no target summary; accepted: a model "
                                                          "written by lithosim model");
    const double diameter_m = summary["target_diameter_mm"].get<double>() * kMm;

    // 2. The beam path: lung or gas refuses the plan, bone is a warning with the loss. A phantom's own treatment axis
    // that puts the target beyond the device's reach gives way to the shortest soft-tissue window. The intravascular
    // emitter has no beam path through the body.
    const bool intravascular = protocol.device == "ivl_emitter";
    BeamPath path = beam_path(model);
    if (!intravascular && patient && r.phantom && !r.source_position_mm && !r.target_point_mm) {
        const double reach = device_reach_mm(protocol.device);
        if (path.depth_mm > reach) {
            ModelRequest mr;
            mr.phantom = *r.phantom;
            mr.phantom_options = phantom_options;
            mr.shortest_window = true;
            patient = build_patient_model(mr);
            model = patient->file;
            notes.push_back("the phantom's treatment axis puts the target " + format_number(r1(path.depth_mm)) +
                            " mm deep, beyond the " + protocol.device + "'s reach (" + format_number(r1(reach)) +
                            " mm): the shortest soft-tissue window is used");
            path = beam_path(model);
        }
    }
    planning::BeamPathCrossing crossing;
    if (!intravascular) {
        if (path.lung_mm > 0) crossing.length_m["lung"] = path.lung_mm * kMm;
        if (path.gas_mm > 0) crossing.length_m["bowel_gas"] = path.gas_mm * kMm;
        if (path.bone_mm > 0) crossing.length_m["bone"] = path.bone_mm * kMm;
    }
    const planning::SafetyCheck path_check = planning::check_beam_path(crossing, limits);
    if (!path_check.ok) {
        std::string reason = join(path_check.violations, "; ");
        if (patient) {
            try {
                const auto w = models::shortest_tissue_window(patient->ct.volume, patient->labels,
                                                              patient->target.mask, patient->target.stats.centroid_mm);
                reason += "; another window: source position " + point_text(w.source_mm) + " mm" + " (" +
                          format_number(r1(w.tissue_path_mm)) + " mm of tissue)";
            } catch (const InputError& e) {
                reason += std::string("; no other window: ") + e.what();
            }
        }
        throw UnsafePlan(reason);
    }
    const planning::PatientFactors factors = patient_factors(r, protocol, model, summary);

    // 3. The dose: the device through the patient at a few settings (and in water), aimed by its simulated dose; the
    // intravascular emitter's pulse at the vessel wall.
    const models::DevicePreset& preset = models::device_preset(protocol.device);
    std::optional<PlanDose> dose;
    std::shared_ptr<io::ModelFile> incident;   // the model the dose runs go through: the target replaced
    PlanDoseRequest dr;
    planning::ScheduleRequest sr;
    sr.protocol = protocol;
    planning::FragmentationOptions fo = planning::fragmentation_options(protocol);
    if (intravascular) {
        if (log) *log << "lithosim plan: vascular with ivl_emitter (intravascular), plaque arc "
                      << format_number(r1(factors.plaque_arc_deg)) << " deg, " << format_number(r1(factors.lesion_length_mm))
                      << " mm long" << std::endl;
        const planning::ShockAtTarget wall = planning::ivl_wall_load(
            preset.value("p_source_MPa") * 1e6, preset.value("emitter_radius_mm") * kMm,
            0.5 * preset.value("balloon_diameter_mm") * kMm, preset.value("positive_phase_us") * 1e-6,
            preset.shot_to_shot_p_plus_sd);
        sr.dose.setting_min = sr.dose.setting_max = preset.setting();
        sr.dose.setting_step = 1;
        sr.dose.dose = [wall](double, double) { return planning::DoseAtSetting{wall, {}}; };
        sr.dose.free_field_efd_J_per_m2 = [wall](double) { return wall.efd_J_per_m2; };
        notes.push_back("intravascular: the pulse at the vessel wall from the ivl_emitter preset (" +
                        format_number(r3(mpa(wall.p_plus_Pa))) + " MPa, cylindrical spreading from the emitter; "
                        "PROVISIONAL, models/DEVICES.md); no beam path, no organs at risk on a path");
    } else {
        if (log) *log << "lithosim plan: " << protocol.indication << " with " << protocol.device << ", target "
                      << format_number(r1(diameter_m / kMm)) << " mm at " << format_number(r1(path.depth_mm))
                      << " mm depth (" << (r.full ? "full, 3D" : "fast, axisymmetric") << ")" << std::endl;
        incident = std::make_shared<io::ModelFile>(model);
        fill_target_with_surroundings(incident->grid);
        fill_target_with_surroundings(incident->axisymmetric);
        dr.model = incident;
        dr.model_name = fs::absolute(out / "model_incident.h5").string();
        dr.device = protocol.device;
        dr.full = r.full;
        dr.dx_mm = r.dx_mm;
        dr.progress = &progress;
        dr.on_step = r.on_step;
        dose = simulate_plan_dose(model, dr, log);
        if (path.bone_mm > 0) crossing.bone_efd_loss_dB = dose->window_loss_dB(dose->depth.setting_max);
        if (dose->surrounding_impedance_Pa_s_per_m > 0)
            fo.surrounding_impedance_Pa_s_per_m = dose->surrounding_impedance_Pa_s_per_m;
        sr.dose.setting_min = dose->depth.setting_min;
        sr.dose.setting_max = dose->depth.setting_max;
        sr.dose.setting_step = dose->depth.setting_unit == "level" ? 1.0 : 0.0;
    }
    // The dose model the scheduler and the outcome Monte Carlo query: the runs as a table (planning/dose_table.hpp),
    // kept in plan.json for the re-plans after a follow-up.
    const double motion_sd = protocol.motion_sd_m, radius_m = 0.5 * diameter_m;
    const double jitter = preset.shot_to_shot_p_plus_sd;
    const auto bind_dose = [&](planning::ScheduleRequest& q) {
        if (dose) q.dose = planning::dose_model_from_table(dose->dose_table(motion_sd, radius_m, jitter));
    };
    bind_dose(sr);

    // 4. Sessions on the fragmentation model (inputs from the simulation: the tissue around the target's impedance,
    // the pulse's positive phase and the focal width at the target, the device's shot-to-shot spread).
    sr.fragmentation = planning::FragmentationModel(planning::stone_material(protocol.target_material), fo);
    sr.target_diameter_m = diameter_m;
    sr.stones = factors.stones;
    sr.sessions = r.sessions;
    sr.max_shocks_per_session = r.max_shocks_per_session;
    sr.rate_per_min = r.rate_per_min;
    if (r.efd_mJ_per_mm2) sr.target_efd_J_per_m2 = *r.efd_mJ_per_mm2 * kMJ_per_mm2;
    sr.safety = limits;
    planning::Schedule schedule = planning::schedule_sessions(sr);
    // The plateau setting is simulated, not interpolated: one more run when it lies between the runs, then the
    // schedule again on the dose model that now holds it.
    if (dose && !schedule.sessions.empty()) {
        const double plateau = schedule.sessions.front().setting;
        const std::size_t before = dose->runs.size();
        dose->ensure_setting(model, plateau, log);
        if (dose->runs.size() != before) {
            bind_dose(sr);
            schedule = planning::schedule_sessions(sr);
        }
    }
    if (!schedule.safe) throw UnsafePlan(schedule.reason);
    const planning::SafetyCheck safety =
        planning::check_safety(schedule, crossing, limits, schedule.max_shocks_per_session);
    if (!safety.ok) throw UnsafePlan(join(safety.violations, "; "));

    // 5. Outcomes with their intervals (planning/outcomes.hpp): the dose's own uncertainty adds the grid check's
    // error to the tissue-property spread in quadrature.
    planning::OutcomeOptions oo;
    oo.samples = r.samples;
    oo.seed = r.seed;
    if (dose) {
        const double grid = std::max(std::abs(dose->grid_check.p_plus_error_percent),
                                     std::abs(dose->grid_check.efd_error_percent) / 2) / 100;
        oo.dose_log_sd = std::hypot(oo.dose_log_sd, grid);
    }
    progress.stage("outcomes", double(r.samples));
    oo.progress = [&progress](int done, int total) { progress.run_step(double(total), done, total); };
    const planning::OutcomePrediction prediction = planning::predict_outcomes(sr, schedule, factors, oo);

    // 6. Full fidelity: the fast estimate of the same case at the same placement, for the comparison.
    std::optional<FidelityComparison> comparison;
    const double plateau = schedule.sessions.empty() ? sr.dose.setting_max : schedule.sessions.back().setting;
    if (dose && r.full) {
        // The same grid as the 3D runs, so that the difference is the geometry (3D against the axisymmetric form).
        PlanDoseRequest fr = dr;
        fr.full = false;
        fr.dx_mm = dose->depth.geometry.dx_m / kMm;
        fr.settings = {plateau};
        fr.focus_offset_mm = dose->aim.focus_offset_m / kMm;
        fr.check_grid = false;
        const PlanDose fast = simulate_plan_dose(model, fr, log);
        comparison = FidelityComparison{plateau, dose->target_at(plateau), fast.target_at(plateau)};
    }

    // 7. The plan, typed; plan.json is written from it (plan_json) once the files it names exist.
    Plan p;
    p.request = r;
    p.protocol = protocol;
    p.limits = limits;
    p.model = std::make_shared<const io::ModelFile>(std::move(model));  // moved: the rest reads p
    p.model_file = model_path;
    p.model_summary = summary;
    p.target_diameter_m = diameter_m;
    p.path = path;
    p.factors = factors;
    p.dose = std::move(dose);
    p.setting_unit = p.dose ? p.dose->depth.setting_unit : preset.setting_key;
    p.motion_sd_m = motion_sd;
    p.shot_to_shot_p_plus_sd = jitter;
    p.surrounding_impedance_Pa_s_per_m = fo.surrounding_impedance_Pa_s_per_m;
    p.dose_log_sd = oo.dose_log_sd;
    p.schedule = std::move(schedule);
    p.plateau_setting = plateau;
    p.safety = safety;
    p.prediction = prediction;
    p.fidelity_comparison = comparison;
    p.warnings = p.schedule.warnings;
    if (p.dose)
        for (const auto& w : p.dose->aim.warnings) p.warnings.push_back(w);
    if (p.dose && p.dose->grid_check.warning) p.warnings.push_back(*p.dose->grid_check.warning);
    p.verdict = planning::plan_verdict(protocol, p.schedule, prediction);
    p.notes = notes;
    for (const auto& n : p.schedule.notes) p.notes.push_back(n);
    if (p.dose)   // the aim's and the grid check's warnings are in `warnings`; the solver's own caveats are notes
        for (const auto& w : p.dose->warnings)
            if (std::find(p.warnings.begin(), p.warnings.end(), w) == p.warnings.end())
                p.notes.push_back("simulation: " + w);
    p.folder = fs::absolute(out).string();
    // The model files, under their temporary names (renamed with plan.json below).
    if (!r.model_path) io::write_model_h5(out / ".model.h5.in-progress", *p.model);
    if (incident) io::write_model_h5(out / ".model_incident.h5.in-progress", *incident);
    p.model_sha1 = io::file_sha1(r.model_path ? fs::path(model_path) : out / ".model.h5.in-progress");
    p.runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::vector<std::string>& warnings = p.warnings;
    const std::string& verdict = p.verdict;

    // 8. plan.h5, then plan.json (written last: its presence means the plan is complete).
    io::PlanFile pf;
    pf.axisymmetric = !r.full;
    if (p.dose) {
        const SettingRun& shown = nearest_run(*p.dose, plateau);
        pf.setting = shown.setting;
        pf.p_max = shown.p_max, pf.p_min = shown.p_min, pf.efd = shown.efd;
        ModelOnMap on = model_on_map(*p.model, pf.p_max, !r.full, p.dose->depth.geometry.z_target_m - p.model->target_m[2]);
        pf.labels = std::move(on.labels);
        pf.target = std::move(on.target);
    }
    pf.initial = fragments(sr.fragmentation->initial(diameter_m), 0, 0, 0.0);
    for (const auto& s : p.schedule.sessions)
        pf.sessions.push_back(fragments(s.population_after, s.day, s.shocks, s.fraction_cleared_after));
    // The patient-frame copies (out/patient/, the DICOM-RT folder; each renamed into place when complete) are
    // removed again if the plan fails after them.
    RemovedUnlessKept patient_copies;
    // The NIfTI copies belong to the pictures (tens of MB: --no-pictures, as sweeps and validation runs use,
    // leaves them out with the figures and the ParaView files); DICOM-RT only on request.
    {
        std::error_code ignored;   // an earlier run's copies would not match this plan
        fs::remove_all(out / "patient", ignored);
    }
    if (p.dose && (r.pictures || r.dicom_rt_dir)) {
        const PatientDose pd = patient_dose(*p.dose, p.schedule, nearest_run(*p.dose, plateau), *p.model, !r.full);
        if (r.pictures) {
            p.patient_volumes = write_plan_nifti(out, pd);
            patient_copies.paths.push_back(out / "patient");
        }
        if (r.dicom_rt_dir) {
            p.dicom_rt = write_plan_dicom_rt(*r.dicom_rt_dir, pd, *p.model);
            patient_copies.paths.push_back(fs::path(*r.dicom_rt_dir));
        }
    }
    const json j = plan_json(p);
    pf.plan_json = j.dump(2);
    io::write_plan_h5(out / "plan.h5", pf);
    if (!r.model_path) fs::rename(out / ".model.h5.in-progress", out / "model.h5");
    if (p.dose) fs::rename(out / ".model_incident.h5.in-progress", out / "model_incident.h5");
    temporary.keep = true;
    io::write_json_atomic(out / "plan.json", j);
    patient_copies.keep = true;

    // 9. What people look at: paraview/, figures/, report.html (pictures of the files above; never fail the plan).
    remove_earlier_pictures(out);
    RunProvenance provenance;
    provenance.case_name = r.phantom ? "phantom " + *r.phantom : r.ct_path ? "CT " + *r.ct_path : "model " + model_path;
    provenance.command_line = r.command_line;
    if (r.model_path) provenance.inputs.push_back(*r.model_path);
    else if (r.ct_path && fs::is_regular_file(*r.ct_path)) provenance.inputs.push_back(*r.ct_path);
    provenance.inputs.push_back(out / "plan.h5");
    const VisualOutputs visuals =
        r.pictures ? write_plan_visuals(out, pf, j, *p.model,
                                        p.dose ? std::optional<double>(p.model->target_m[2] - p.dose->depth.geometry.z_target_m)
                                             : std::nullopt,
                                        provenance)
                   : VisualOutputs{};
    std::vector<std::string> picture_warnings = visuals.problems;
    if (r.pdf && fs::exists(out / "report.html"))
        if (const auto why = viz::print_pdf(out / "report.html", out / "report.pdf")) picture_warnings.push_back(*why);

    // 10. The printed summary: the verdict first.
    std::ostringstream t;
    t << "plan: " << protocol.indication << " (" << protocol.endpoint << "), device " << protocol.device
      << (!p.dose ? ", the pulse at the vessel wall (no field simulated)"
                : r.full ? ", fidelity full (3D)" : ", fidelity fast (axisymmetric)")
      << "\n";
    t << "  verdict    " << verdict << "\n";
    t << "  target     " << format_number(r1(summary.value("target_volume_mm3", 0.0))) << " mm^3, "
      << format_number(r1(diameter_m / kMm)) << " mm, " << protocol.target_material << ", "
      << format_number(r1(path.depth_mm)) << " mm deep; clearance size " << format_number(p.schedule.clearance_size_m / kMm)
      << " mm"
      << (p.schedule.goal_size_m != p.schedule.clearance_size_m
              ? ", goal: every piece below " + format_number(p.schedule.goal_size_m / kMm) + " mm (extraction)"
              : std::string())
      << "\n";
    if (p.dose)
        t << "  aim        focus " << format_number(r1(p.dose->aim.focus_offset_m / kMm)) << " mm beyond the target; EFD "
          << "maximum " << format_number(r1(p.dose->aim.efd_max_to_target_m / kMm)) << " mm from it; the target gets "
          << format_number(std::round(p.dose->aim.target_efd_fraction_of_max * 100)) << " % of the maximum EFD\n";
    for (const auto& s : p.schedule.sessions)
        t << "  session " << s.index << "  day " << pad_right(std::to_string(s.day), 3) << " " << s.shocks
          << " shocks at " << p.setting_unit << " " << format_number(r3(s.setting)) << ", "
          << format_number(s.rate_per_min) << "/min: EFD at the target " << format_number(r3(mj(s.efd_target_J_per_m2)))
          << " mJ/mm^2, p+ " << format_number(r1(mpa(s.p_plus_target_Pa))) << " MPa, p- "
          << format_number(r1(mpa(s.p_minus_target_Pa))) << " MPa -> cleared "
          << format_number(std::round(s.fraction_cleared_after * 1000) / 10) << " %, P(piece >= "
          << format_number(p.schedule.goal_size_m / kMm) << " mm left) "
          << format_number(std::round(s.p_piece_above_goal * 1000) / 10) << " %\n";
    for (const auto& o : prediction.outcomes)
        t << "  " << (o.primary ? "primary    " : "outcome    ") << pad_right(o.name, 21) << " "
          << pct_text(o.probability) << " (95 % interval " << pct_text(o.ci95_low) << "-" << pct_text(o.ci95_high)
          << "); without treatment " << pct_text(o.probability_without_treatment) << "\n";
    t << "  safety     " << (safety.ok ? "ok" : "NOT OK");
    for (const auto& w : safety.warnings) t << "\n    warning: " << w;
    for (const auto& w : warnings) t << "\n    warning: " << w;
    t << "\n  " << p.schedule.reason << "\n";
    t << "  wrote      " << (out / "plan.json").string() << ", " << (out / "plan.h5").string() << "\n";
    if (fs::exists(out / "report.html"))
        t << "  report     " << (out / "report.html").string()
          << (fs::exists(out / "report.pdf") ? ", " + (out / "report.pdf").string() : std::string()) << "\n";
    if (r.pictures && p.dose)   // an intravascular plan has no field to draw: its report is the picture
        t << "  pictures   " << visuals.files.size() << " files in " << (out / "figures").string() << " and "
          << (out / "paraview").string() << " (" << format_number(r1(visuals.seconds)) << " s)\n";

    return {std::move(p), j, t.str(), picture_warnings};
}

}  // namespace lithosim
