#include "app/plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "app/patient_model.hpp"
#include "app/text.hpp"
#include "app/visual_outputs.hpp"
#include "io/json_file.hpp"
#include "io/model_file.hpp"
#include "io/plan_file.hpp"
#include "lithosim/build_info.hpp"
#include "planning/safety.hpp"
#include "solver/errors.hpp"

namespace lithosim::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kMm = 1e-3;
constexpr double kMJ_per_mm2 = 1e3;  // J/m^2 per mJ/mm^2

// Calibration constants of kPhantomCalibration below (b0; E_std in J/m^2), from plan.json success.
// intercept_reproducing_reference and success.efd_reproducing_reference_J_per_m2 of the four phantom plans (default
// options, 2026-11-28).
constexpr double kCalTendonB0 = 15.3671, kCalTendonE = 134.923;
constexpr double kCalGallbladderB0 = 3.15464, kCalGallbladderE = 482.164;
constexpr double kCalBileDuctB0 = 1.00368, kCalBileDuctE = 219.538;
constexpr double kCalVascularB0 = 8.04152, kCalVascularE = 214.352;

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
    if (r.device) p.device = *r.device;
    if (r.material) {
        planning::stone_material(*r.material);  // InputError naming the accepted materials
        p.target_material = *r.material;
    }
    const int inputs = int(r.phantom.has_value()) + int(r.model_path.has_value()) + int(r.ct_path.has_value());
    require_input(inputs == 1, inputs == 0 ? "no patient: give --phantom NAME, --model model.h5 or --ct PATH "
                                             "--target-point-mm X,Y,Z"
                                           : "--phantom, --model and --ct exclude each other; accepted: one of them");
    require_input(!r.ct_path || r.target_point_mm, "--ct needs --target-point-mm X,Y,Z (the calcification to treat; "
                                                   "lithosim model --ct PATH --list-calcifications lists them)");
    require_input(!r.model_path || (!r.target_point_mm && !r.source_position_mm),
                  "--target-point-mm and --source-position-mm do not apply to --model (the model file holds its "
                  "target and beam axis)");
    if (r.efd_mJ_per_mm2)
        require_input(*r.efd_mJ_per_mm2 >= 0.01 && *r.efd_mJ_per_mm2 <= 0.6, "--efd-mJ-per-mm2 = ",
                      *r.efd_mJ_per_mm2, " is out of range; accepted: 0.01 to 0.6 mJ/mm^2");
    if (r.sessions)
        require_input(*r.sessions >= 1 && *r.sessions <= p.sessions_max, "--sessions = ", *r.sessions,
                      " is out of range; accepted: 1 to ", p.sessions_max, " for ", p.indication);
    if (r.max_shocks_per_session)
        require_input(*r.max_shocks_per_session >= 1 && *r.max_shocks_per_session <= p.shocks_per_session_max,
                      "--max-shocks-per-session = ", *r.max_shocks_per_session, " is out of range; accepted: 1 to ",
                      p.shocks_per_session_max, " for ", p.indication);
    if (r.rate_per_min)
        require_input(*r.rate_per_min > 0 && *r.rate_per_min <= p.rate_per_min_max, "--rate-per-min = ",
                      *r.rate_per_min, " is out of range; accepted: > 0 and <= ", p.rate_per_min_max, " for ",
                      p.indication);
    require_input(r.samples >= 0 && r.samples <= 100000, "Monte Carlo samples ", r.samples, "; accepted 0 to 100000");
    return p;
}

json organ_json(const planning::OarSummary& o) {
    return {{"max_p_plus_MPa", r3(mpa(o.max_per_shock.max_p_plus_Pa))},
            {"max_p_minus_MPa", r3(mpa(o.max_per_shock.max_p_minus_Pa))},
            {"max_efd_mJ_per_mm2", r3(mj(o.max_per_shock.max_efd_J_per_m2))},
            {"max_session_efd_mJ_per_mm2", r3(mj(o.max_session_efd_J_per_m2))},
            {"limit_ok", o.limit_ok},
            {"has_limit", o.has_limit}};
}

/// The run whose setting is nearest `s`.
const SettingRun& nearest_run(const PlanDose& d, double s) {
    return *std::min_element(d.runs.begin(), d.runs.end(), [&](const SettingRun& a, const SettingRun& b) {
        return std::abs(a.setting - s) < std::abs(b.setting - s);
    });
}

io::PlanFragments fragments(const planning::FragmentPopulation& p, int day, int shocks, double cleared) {
    return {day, shocks, cleared, p.diameter_m, p.count};
}

/// The success model's calibration on the planner's own dose (planning/success.hpp): for each indication, b0 and
/// E_std such that the standard protocol on the indication's phantom (default target and beam axis, fast fidelity,
/// default grid, seed 1, 200 samples) gives the reference rate. The values are the plan.json key
/// success.intercept_reproducing_reference / success.efd_target_mJ_per_mm2 of
///     lithosim plan --indication I --phantom P --out DIR
/// (run at the commit that introduced them; `lithosim validate --case planner_phantoms --full` re-runs the four
/// plans and checks that they give the reference rates within 3 points). An indication without a row uses the
/// reference dose model's calibration (planning::success_calibration).
struct PhantomCalibration {
    const char* indication;
    const char* phantom;
    double intercept;
    double efd_reference_J_per_m2;
};
constexpr PhantomCalibration kPhantomCalibration[] = {
    {"tendon", "shoulder", kCalTendonB0, kCalTendonE},
    {"gallbladder", "gallbladder", kCalGallbladderB0, kCalGallbladderE},
    {"bile_duct", "bile_duct", kCalBileDuctB0, kCalBileDuctE},
    {"vascular", "femoral", kCalVascularB0, kCalVascularE},
};

/// The incident field is what the fragmentation model takes (as bench and IEC measurements give it): the dose runs
/// use the model with the target's nodes replaced by the tissue around it (the mean properties and the most
/// frequent label of the non-target, non-bone nodes within two nodes of the target).
void replace_target_by_surroundings(io::ModelGrid& g) {
    const std::ptrdiff_t nx = std::ptrdiff_t(g.nx), ny = std::ptrdiff_t(g.ny), nz = std::ptrdiff_t(g.nz);
    double sum[5] = {};
    std::size_t count = 0, label_count[models::kLabelCount] = {};
    for (std::ptrdiff_t k = 0; k < nz; ++k)
        for (std::ptrdiff_t j = 0; j < ny; ++j)
            for (std::ptrdiff_t i = 0; i < nx; ++i) {
                const std::size_t q = std::size_t(i + nx * (j + ny * k));
                if (g.target[q] || g.labels[q] == std::uint8_t(models::Label::bone_cortical) ||
                    g.labels[q] == std::uint8_t(models::Label::bone_trabecular))
                    continue;
                bool near = false;
                for (std::ptrdiff_t c = std::max<std::ptrdiff_t>(k - 2, 0); c <= std::min(k + 2, nz - 1) && !near; ++c)
                    for (std::ptrdiff_t b = std::max<std::ptrdiff_t>(j - 2, 0); b <= std::min(j + 2, ny - 1) && !near; ++b)
                        for (std::ptrdiff_t a = std::max<std::ptrdiff_t>(i - 2, 0); a <= std::min(i + 2, nx - 1); ++a)
                            if (g.target[std::size_t(a + nx * (b + ny * c))]) {
                                near = true;
                                break;
                            }
                if (!near) continue;
                sum[0] += g.rho[q], sum[1] += g.c[q], sum[2] += g.alpha[q], sum[3] += g.alpha_power[q],
                    sum[4] += g.BonA[q];
                ++count;
                ++label_count[g.labels[q]];
            }
    if (count == 0) return;
    const auto label = std::uint8_t(std::max_element(label_count, label_count + models::kLabelCount) - label_count);
    for (std::size_t q = 0; q < g.size(); ++q) {
        if (!g.target[q]) continue;
        g.rho[q] = float(sum[0] / count), g.c[q] = float(sum[1] / count), g.alpha[q] = float(sum[2] / count);
        g.alpha_power[q] = float(sum[3] / count), g.BonA[q] = float(sum[4] / count);
        g.labels[q] = label;
    }
}

}  // namespace

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
        {"max-shocks-per-session", PlanOption::Integer, 1, 1e6},
        {"rate-per-min", PlanOption::Real, 1e-9, 1e6},
        {"seed", PlanOption::Integer, 0, 1e15},
        {"samples", PlanOption::Integer, 0, 100000},
        {"fidelity", PlanOption::Word},
        {"dx-mm", PlanOption::Real, 0.01, 2},
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
    return numeric_option(name, text, o->kind == PlanOption::Integer, o->min, o->max);
}

PlanResult run_plan(const PlanRequest& r, std::ostream* log) {
    const auto t0 = std::chrono::steady_clock::now();
    planning::Protocol protocol = checked_protocol(r);
    planning::SafetyLimits limits = planning::default_safety_limits();
    for (const auto& o : r.safety_overrides) planning::apply_safety_override(limits, o);
    std::error_code ec;
    require_input(!r.out_dir.empty(), "--out DIR is required");
    const fs::path out(r.out_dir);
    if (fs::exists(out, ec) && !fs::is_directory(out, ec))
        throw InputError("--out '" + r.out_dir + "' exists and is not a folder; accepted: a folder (new or existing)");
    fs::create_directories(out, ec);
    if (ec) throw InputError("--out '" + r.out_dir + "': cannot create the folder: " + ec.message());

    // The model files are written under temporary names (the dose runs read them) and take their final names only
    // with the plan; bad input or an unsafe plan leaves nothing behind.
    struct TemporaryFiles {
        std::vector<fs::path> paths;
        bool keep = false;
        ~TemporaryFiles() {
            std::error_code ignored;
            if (!keep)
                for (const auto& p : paths) fs::remove(p, ignored);
        }
    } temporary;
    temporary.paths = {out / ".model.h5.in-progress", out / ".model_incident.h5.in-progress"};

    // 1. The patient model.
    io::ModelFile model;
    std::optional<PatientModel> patient;
    std::string model_path;
    std::vector<std::string> notes;
    if (r.model_path) {
        model = io::read_model_h5(*r.model_path);
        model_path = fs::absolute(*r.model_path).string();
    } else {
        ModelRequest mr;
        if (r.phantom) mr.phantom = *r.phantom;
        if (r.ct_path) mr.ct_path = *r.ct_path;
        mr.target_point_mm = r.target_point_mm;
        mr.source_position_mm = r.source_position_mm;
        patient = build_patient_model(mr);
        model = patient->file;
        model_path = fs::absolute(out / ".model.h5.in-progress").string();
        io::write_model_h5(model_path, model);
        if (patient->phantom && patient->phantom->indication != protocol.indication)
            notes.push_back("the " + patient->phantom->name + " phantom is built for the " +
                            patient->phantom->indication + " indication, planned here as " + protocol.indication);
    }
    const json summary = json::parse(model.summary_json.empty() ? "{}" : model.summary_json);
    require_input(summary.contains("target_diameter_mm"), "the model file holds no target summary; accepted: a model "
                                                          "written by lithosim model");
    const double diameter_m = summary["target_diameter_mm"].get<double>() * kMm;

    // 2. The beam path: lung or gas refuses the plan, bone is a warning with the loss. A phantom's own treatment axis
    // that puts the target beyond the device's reach gives way to the shortest soft-tissue window.
    BeamPath path = beam_path(model);
    if (patient && r.phantom && !r.source_position_mm && !r.target_point_mm) {
        const double reach = device_reach_mm(protocol.device);
        if (path.depth_mm > reach) {
            ModelRequest mr;
            mr.phantom = *r.phantom;
            mr.shortest_window = true;
            patient = build_patient_model(mr);
            model = patient->file;
            io::write_model_h5(model_path, model);
            notes.push_back("the phantom's treatment axis puts the target " + format_number(r1(path.depth_mm)) +
                            " mm deep, beyond the " + protocol.device + "'s reach (" + format_number(r1(reach)) +
                            " mm): the shortest soft-tissue window is used");
            path = beam_path(model);
        }
    }
    planning::BeamPathCrossing crossing;
    if (path.lung_mm > 0) crossing.length_m["lung"] = path.lung_mm * kMm;
    if (path.gas_mm > 0) crossing.length_m["bowel_gas"] = path.gas_mm * kMm;
    if (path.bone_mm > 0) crossing.length_m["bone"] = path.bone_mm * kMm;
    const planning::SafetyCheck path_check = planning::check_beam_path(crossing, limits);
    if (!path_check.ok) {
        std::string reason = join(path_check.violations, "; ");
        if (patient) {
            try {
                const auto w = models::shortest_tissue_window(patient->ct.volume, patient->labels,
                                                              patient->target.mask, patient->target.stats.centroid_mm);
                reason += "; another window: --source-position-mm " + point_text(w.source_mm) + " (" +
                          format_number(r1(w.tissue_path_mm)) + " mm of tissue)";
            } catch (const InputError& e) {
                reason += std::string("; no other window: ") + e.what();
            }
        }
        throw UnsafePlan(reason);
    }

    // 3. The dose: the device through the patient at a few settings (and in water).
    if (log) *log << "lithosim plan: " << protocol.indication << " with " << protocol.device << ", target "
                  << format_number(r1(diameter_m / kMm)) << " mm at " << format_number(r1(path.depth_mm))
                  << " mm depth (" << (r.full ? "full, 3D" : "fast, axisymmetric") << ")" << std::endl;
    io::ModelFile incident = model;
    replace_target_by_surroundings(incident.grid);
    replace_target_by_surroundings(incident.axisymmetric);
    const std::string incident_path = fs::absolute(out / ".model_incident.h5.in-progress").string();
    io::write_model_h5(incident_path, incident);
    PlanDoseRequest dr;
    dr.model_path = incident_path;
    dr.device = protocol.device;
    dr.full = r.full;
    dr.dx_mm = r.dx_mm;
    const PlanDose dose = simulate_plan_dose(model, dr, log);
    if (path.bone_mm > 0) crossing.bone_efd_loss_dB = dose.window_loss_dB(dose.depth.setting_max);

    // 4. Sessions on the fragmentation model.
    planning::ScheduleRequest sr;
    sr.protocol = protocol;
    sr.fragmentation = planning::FragmentationModel(planning::stone_material(protocol.target_material),
                                                    planning::fragmentation_options(protocol));
    sr.target_diameter_m = diameter_m;
    const double sd = protocol.motion_sd_m;
    sr.dose.setting_min = dose.depth.setting_min;
    sr.dose.setting_max = dose.depth.setting_max;
    sr.dose.setting_step = dose.depth.setting_unit == "level" ? 1.0 : 0.0;
    const double radius_m = 0.5 * diameter_m;
    sr.dose.dose = [&dose, sd, radius_m](double setting, double lateral_offset_m) {
        planning::DoseAtSetting d;
        d.at_target = dose.load(setting, sd, lateral_offset_m, radius_m);
        for (const auto& [name, o] : dose.oar_at(setting))
            d.oar[name] = planning::OrganDose{o.max_p_plus_Pa, o.min_p_minus_Pa, o.max_efd_J_per_m2};
        return d;
    };
    sr.dose.free_field_efd_J_per_m2 = [&dose](double setting) { return dose.free_field_efd_J_per_m2(setting); };
    sr.sessions = r.sessions;
    sr.max_shocks_per_session = r.max_shocks_per_session;
    sr.rate_per_min = r.rate_per_min;
    if (r.efd_mJ_per_mm2) sr.target_efd_J_per_m2 = *r.efd_mJ_per_mm2 * kMJ_per_mm2;
    sr.safety = limits;
    const planning::Schedule schedule = planning::schedule_sessions(sr);
    if (!schedule.safe) throw UnsafePlan(schedule.reason);
    const planning::SafetyCheck safety =
        planning::check_safety(schedule, crossing, limits, schedule.max_shocks_per_session);
    if (!safety.ok) throw UnsafePlan(join(safety.violations, "; "));

    // 5. Success with its interval.
    planning::SuccessOptions so;
    so.samples = r.samples;
    so.seed = r.seed;
    std::string calibration_source = "reference dose model (planning/PLANNER.md)";
    for (const auto& c : kPhantomCalibration)
        if (protocol.indication == c.indication) {
            so.calibration = planning::SuccessCalibration{c.intercept, c.efd_reference_J_per_m2};
            calibration_source = std::string("lithosim plan on the ") + c.phantom + " phantom (app/plan.cpp)";
        }
    const planning::SuccessEstimate success = planning::predict_success(sr, schedule, so);
    // The intercept that would give this very case the reference rate: how the table above is made.
    planning::SuccessOptions co = so;
    co.samples = std::max(r.samples, 50);
    const planning::SuccessCalibration here =
        planning::calibrate_success(sr, schedule, protocol.reference_success_rate, co);

    // 6. Full fidelity: the fast estimate of the same case, for the comparison.
    json comparison = nullptr;
    const double plateau = schedule.sessions.empty() ? dose.depth.setting_max : schedule.sessions.back().setting;
    if (r.full) {
        // The same grid as the 3D runs, so that the difference is the geometry (3D against the axisymmetric form).
        PlanDoseRequest fr = dr;
        fr.full = false;
        fr.dx_mm = dose.depth.geometry.dx_m / kMm;
        fr.settings = {plateau};
        const PlanDose fast = simulate_plan_dose(model, fr, log);
        const TargetDose a = dose.target_at(plateau), b = fast.target_at(plateau);
        comparison = {{"setting", plateau},
                      {"full_efd_target_mJ_per_mm2", r3(mj(a.efd_centre_J_per_m2))},
                      {"fast_efd_target_mJ_per_mm2", r3(mj(b.efd_centre_J_per_m2))},
                      {"full_p_plus_target_MPa", r3(mpa(a.max_p_plus_Pa))},
                      {"fast_p_plus_target_MPa", r3(mpa(b.max_p_plus_Pa))},
                      {"efd_difference_percent", r1(100 * (b.efd_centre_J_per_m2 / a.efd_centre_J_per_m2 - 1))},
                      {"p_plus_difference_percent", r1(100 * (b.max_p_plus_Pa / a.max_p_plus_Pa - 1))}};
    }

    // 7. plan.json
    json j;
    j["indication"] = protocol.indication;
    j["device"] = protocol.device;
    j["endpoint"] = protocol.endpoint;
    json sessions = json::array();
    for (const auto& s : schedule.sessions) {
        json ramp = json::array();
        for (const auto& st : s.steps) ramp.push_back({{"setting", st.setting}, {"shocks", st.shocks}});
        sessions.push_back({{"index", s.index},
                            {"day", s.day},
                            {"shocks", s.shocks},
                            {"setting", s.setting},
                            {"rate_per_min", s.rate_per_min},
                            {"efd_target_mJ_per_mm2", r3(mj(s.efd_target_J_per_m2))},
                            {"p_plus_target_MPa", r3(mpa(s.p_plus_target_Pa))},
                            {"p_minus_target_MPa", r3(mpa(s.p_minus_target_Pa))},
                            {"fraction_cleared_after", r3(s.fraction_cleared_after)},
                            {"efd_free_field_mJ_per_mm2", r3(mj(s.efd_free_field_J_per_m2))},
                            {"duration_min", r1(s.duration_min)},
                            {"stopped_at_goal", s.stopped_at_goal},
                            {"ramp", ramp}});
    }
    j["sessions"] = sessions;
    j["predicted_success_probability"] = r3(success.probability);
    j["success_ci95"] = json::array({r3(success.ci95_low), r3(success.ci95_high)});
    json curve = json::array();
    for (const auto& c : schedule.curve) curve.push_back({{"shocks", c.shocks}, {"fraction_cleared", r3(c.fraction_cleared)}});
    j["fragmentation_curve"] = curve;
    j["clearance_size_mm"] = schedule.clearance_size_m / kMm;
    json oar = json::object();
    for (const auto& o : safety.oar) oar[o.organ] = organ_json(o);
    j["oar"] = oar;
    j["safety"] = {{"ok", safety.ok}, {"warnings", safety.warnings}, {"violations", safety.violations}};
    j["target"] = {{"volume_mm3", summary.value("target_volume_mm3", 0.0)},
                   {"diameter_mm", summary.value("target_diameter_mm", 0.0)},
                   {"centroid_mm", summary.value("target_centroid_mm", json::array())},
                   {"material", protocol.target_material}};
    j["fidelity"] = r.full ? "full" : "fast";
    if (comparison.is_null())
        comparison = {{"note", "fast fidelity: --fidelity full runs the 3D model and the axisymmetric one on its grid "
                               "and reports their difference here (README: Treatment planning)"}};
    j["fidelity_comparison"] = comparison;
    j["goal_reached"] = schedule.goal_reached;
    j["goal_fraction_cleared"] = schedule.goal_fraction_cleared;
    j["reason"] = schedule.reason;
    for (const auto& n : schedule.notes) notes.push_back(n);
    for (const auto& w : dose.warnings) notes.push_back("simulation: " + w);
    j["notes"] = notes;
    j["setting_unit"] = dose.depth.setting_unit;
    json runs = json::array();
    for (const auto& run : dose.runs)
        runs.push_back({{"setting", run.setting},
                        {"mean_p_plus_target_MPa", r3(mpa(run.target.mean_p_plus_Pa))},
                        {"max_p_plus_target_MPa", r3(mpa(run.target.max_p_plus_Pa))},
                        {"p_minus_target_MPa", r3(mpa(run.target.p_minus_Pa))},
                        {"efd_target_centre_mJ_per_mm2", r3(mj(run.target.efd_centre_J_per_m2))},
                        {"energy_target_cross_section_mJ", r3(run.target.energy_cross_section_J * 1e3)},
                        {"focal_width_mm", r1(run.target.focal_width_m / kMm)},
                        {"efd_free_field_mJ_per_mm2", r3(mj(run.water_efd_J_per_m2))},
                        {"seconds", r1(run.seconds + run.water_seconds)}});
    j["target_dose"] = runs;
    // The device's free field at each simulated setting (IEC 61846 parameters of the water runs).
    json free_field = json::array();
    for (const auto& run : dose.runs) {
        json f = {{"setting", run.setting}};
        f.update(run.water_field);
        free_field.push_back(std::move(f));
    }
    j["device_free_field"] = free_field;
    j["beam_path"] = {{"depth_mm", r1(path.depth_mm)}, {"bone_mm", r1(path.bone_mm)}, {"lung_mm", r1(path.lung_mm)},
                      {"gas_mm", r1(path.gas_mm)}};
    j["window_loss_dB"] = r3(dose.window_loss_dB(plateau));
    j["motion_sd_mm"] = sd / kMm;
    j["success"] = {{"probability_nominal", r3(success.probability_nominal)},
                    {"calibration", calibration_source},
                    {"intercept", success.intercept},
                    {"efd_reference_mJ_per_mm2", mj(success.efd_reference_J_per_m2)},
                    {"efd_target_mJ_per_mm2", mj(success.efd_target_J_per_m2)},
                    {"reference_rate", protocol.reference_success_rate},
                    {"intercept_reproducing_reference", here.intercept},
                    {"efd_reproducing_reference_J_per_m2", here.efd_reference_J_per_m2},
                    {"samples", success.samples},
                    {"fraction_cleared", r3(success.fraction_cleared)},
                    {"residual_diameter_mm", r3(success.residual_diameter_m / kMm)},
                    {"fragments_above_clearance", r3(success.fragments_above_clearance)}};
    j["seed"] = r.seed;
    j["pseudonym"] = model.pseudonym;
    j["model"] = r.model_path ? model_path : fs::absolute(out / "model.h5").string();
    j["version"] = std::string(build::version);
    j["git_commit"] = std::string(build::git_commit);
    j["runtime_s"] = r1(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    // 8. plan.h5, then plan.json (written last: its presence means the plan is complete).
    io::PlanFile pf;
    pf.axisymmetric = !r.full;
    const SettingRun& shown = nearest_run(dose, plateau);
    pf.setting = shown.setting;
    pf.p_max = shown.p_max, pf.p_min = shown.p_min, pf.efd = shown.efd;
    {
        ModelOnMap on = model_on_map(model, pf.p_max, !r.full, dose.depth.geometry.z_target_m - model.target_m[2]);
        pf.labels = std::move(on.labels);
        pf.target = std::move(on.target);
    }
    pf.initial = fragments(sr.fragmentation->initial(diameter_m), 0, 0, 0.0);
    for (const auto& s : schedule.sessions)
        pf.sessions.push_back(fragments(s.population_after, s.day, s.shocks, s.fraction_cleared_after));
    pf.plan_json = j.dump(2);
    io::write_plan_h5(out / "plan.h5", pf);
    if (!r.model_path) fs::rename(out / ".model.h5.in-progress", out / "model.h5");
    fs::rename(out / ".model_incident.h5.in-progress", out / "model_incident.h5");
    temporary.keep = true;
    io::write_json_atomic(out / "plan.json", j);

    // 9. What people look at: paraview/, figures/, report.html (pictures of the files above; never fail the plan).
    remove_earlier_pictures(out);
    RunProvenance provenance;
    provenance.case_name = r.phantom ? "phantom " + *r.phantom : r.ct_path ? "CT " + *r.ct_path : "model " + model_path;
    provenance.command_line = r.command_line;
    if (r.model_path) provenance.inputs.push_back(*r.model_path);
    else if (r.ct_path && fs::is_regular_file(*r.ct_path)) provenance.inputs.push_back(*r.ct_path);
    provenance.inputs.push_back(out / "plan.h5");
    const VisualOutputs visuals =
        r.pictures ? write_plan_visuals(out, pf, j, model, model.target_m[2] - dose.depth.geometry.z_target_m, provenance)
                   : VisualOutputs{};
    for (const auto& p : visuals.problems) print_warning(p);

    // 10. The printed summary.
    std::ostringstream t;
    t << "plan: " << protocol.indication << " (" << protocol.endpoint << "), device " << protocol.device
      << ", fidelity " << (r.full ? "full (3D)" : "fast (axisymmetric)") << "\n";
    t << "  target     " << format_number(r1(summary.value("target_volume_mm3", 0.0))) << " mm^3, "
      << format_number(r1(diameter_m / kMm)) << " mm, " << protocol.target_material << ", "
      << format_number(r1(path.depth_mm)) << " mm deep; clearance size " << format_number(schedule.clearance_size_m / kMm)
      << " mm\n";
    for (const auto& s : schedule.sessions)
        t << "  session " << s.index << "  day " << pad_right(std::to_string(s.day), 3) << " " << s.shocks
          << " shocks at " << dose.depth.setting_unit << " " << format_number(s.setting) << ", "
          << format_number(s.rate_per_min) << "/min: EFD at the target " << format_number(r3(mj(s.efd_target_J_per_m2)))
          << " mJ/mm^2, p+ " << format_number(r1(mpa(s.p_plus_target_Pa))) << " MPa, p- "
          << format_number(r1(mpa(s.p_minus_target_Pa))) << " MPa -> cleared "
          << format_number(std::round(s.fraction_cleared_after * 1000) / 10) << " %\n";
    t << "  success    " << format_number(std::round(success.probability * 1000) / 10) << " % (95 % interval "
      << format_number(std::round(success.ci95_low * 1000) / 10) << "-"
      << format_number(std::round(success.ci95_high * 1000) / 10) << " %), " << protocol.endpoint << "\n";
    t << "  safety     " << (safety.ok ? "ok" : "NOT OK");
    for (const auto& w : safety.warnings) t << "\n    warning: " << w;
    t << "\n  " << schedule.reason << "\n";
    t << "  wrote      " << (out / "plan.json").string() << ", " << (out / "plan.h5").string() << "\n";
    if (fs::exists(out / "report.html")) t << "  report     " << (out / "report.html").string() << "\n";
    if (r.pictures)
        t << "  pictures   " << visuals.files.size() << " files in " << (out / "figures").string() << " and "
      << (out / "paraview").string() << " (" << format_number(r1(visuals.seconds)) << " s)\n";

    return {j, t.str()};
}

}  // namespace lithosim::app
