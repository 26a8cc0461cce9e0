// The re-plan after a follow-up: planner/plan_follow_up.hpp gives the files; planning/follow_up.hpp the model.
#include "planner/plan_follow_up.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "report/run_outputs.hpp"
#include "core/text.hpp"
#include "io/ct_import.hpp"
#include "io/json_file.hpp"
#include "lithosim/build_info.hpp"
#include "planning/follow_up.hpp"
#include "planning/protocol.hpp"
#include "planning/safety.hpp"
#include "core/errors.hpp"
#include "viz/pdf.hpp"
#include "io/schema.hpp"

namespace lithosim {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kMm = 1e-3;
double r3(double x) { return std::round(x * 1000) / 1000; }
std::string pct_text(double p) { return format_number(std::round(p * 1000) / 10) + " %"; }

/// A JSON value of a kind, or InputError naming where and what is accepted.
const json& field(const json& o, const char* key, const std::string& where, const char* accepted) {
    require_input(o.is_object() && o.contains(key), where, ": '", key, "' is missing; accepted: ", accepted);
    return o.at(key);
}
int integer(const json& o, const char* key, const std::string& where) {
    const json& v = field(o, key, where, "an integer");
    require_input(v.is_number_integer() || (v.is_number() && std::floor(v.get<double>()) == v.get<double>()), where,
                  ": '", key, "' = ", v.dump(), " is not an integer");
    return int(v.get<double>());
}

std::vector<planning::FollowUp> follow_ups_from_json(const json& doc, const std::string& file) {
    require_input(doc.is_object() && doc.contains("follow_ups") && doc["follow_ups"].is_array() &&
                      !doc["follow_ups"].empty(),
                  "follow-up file '", file, "': no \"follow_ups\" list; accepted: {\"follow_ups\": [{\"after_session\": 1, "
                  "\"day\": 7, \"largest_residual_mm\": [6, 5], \"fragment_count\": 3, \"residual_visible\": true}]}");
    std::vector<planning::FollowUp> out;
    for (std::size_t i = 0; i < doc["follow_ups"].size(); ++i) {
        const json& e = doc["follow_ups"][i];
        const std::string where = "follow-up file '" + file + "' follow_ups[" + std::to_string(i) + "]";
        require_input(e.is_object(), where, " is not an object");
        planning::FollowUp f;
        f.after_session = integer(e, "after_session", where);
        f.day = integer(e, "day", where);
        const json& sizes = field(e, "largest_residual_mm", where, "two sizes in mm, [a, b]");
        require_input(sizes.is_array() && sizes.size() == 2 && sizes[0].is_number() && sizes[1].is_number(), where,
                      ": largest_residual_mm = ", sizes.dump(), "; accepted: two sizes in mm, [a, b]");
        f.residual_a_m = sizes[0].get<double>() * kMm;
        f.residual_b_m = sizes[1].get<double>() * kMm;
        f.fragment_count = integer(e, "fragment_count", where);
        const json& visible = field(e, "residual_visible", where, "true or false");
        require_input(visible.is_boolean(), where, ": residual_visible = ", visible.dump(), "; accepted: true or false");
        f.residual_visible = visible.get<bool>();
        out.push_back(f);
    }
    return out;
}

json follow_up_json(const planning::FollowUp& f) {
    return {{"after_session", f.after_session},
            {"day", f.day},
            {"largest_residual_mm", json::array({f.residual_a_m / kMm, f.residual_b_m / kMm})},
            {"fragment_count", f.fragment_count},
            {"residual_visible", f.residual_visible}};
}

bool same(const planning::FollowUp& a, const planning::FollowUp& b) {
    return a.after_session == b.after_session && a.day == b.day && a.residual_a_m == b.residual_a_m &&
           a.residual_b_m == b.residual_b_m && a.fragment_count == b.fragment_count &&
           a.residual_visible == b.residual_visible;
}

}  // namespace

json dose_table_json(const planning::DoseTable& t) {
    json rows = json::array();
    for (const auto& r : t.rows) {
        json oar = json::object();
        for (const auto& [organ, d] : r.oar)
            oar[organ] = {{"max_p_plus_Pa", d.max_p_plus_Pa},
                          {"max_p_minus_Pa", d.max_p_minus_Pa},
                          {"max_efd_J_per_m2", d.max_efd_J_per_m2}};
        rows.push_back({{"setting", r.setting},
                        {"p_plus_Pa", r.p_plus_Pa},
                        {"p_minus_Pa", r.p_minus_Pa},
                        {"efd_J_per_m2", r.efd_J_per_m2},
                        {"focal_width_m", r.focal_width_m},
                        {"positive_phase_s", r.positive_phase_s},
                        {"free_field_efd_J_per_m2", r.free_field_efd_J_per_m2},
                        {"oar", oar}});
    }
    return {{"rows", rows},
            {"setting_min", t.setting_min},
            {"setting_max", t.setting_max},
            {"setting_step", t.setting_step},
            {"motion_sd_m", t.motion_sd_m},
            {"target_radius_m", t.target_radius_m},
            {"p_plus_relative_sd", t.p_plus_relative_sd},
            {"fallback_width_m", t.fallback_width_m}};
}

planning::DoseTable dose_table_from_json(const json& j) {
    planning::DoseTable t;
    for (const auto& r : j.at("rows")) {
        planning::DoseTableRow row;
        row.setting = r.at("setting");
        row.p_plus_Pa = r.at("p_plus_Pa");
        row.p_minus_Pa = r.at("p_minus_Pa");
        row.efd_J_per_m2 = r.at("efd_J_per_m2");
        row.focal_width_m = r.at("focal_width_m");
        row.positive_phase_s = r.at("positive_phase_s");
        row.free_field_efd_J_per_m2 = r.at("free_field_efd_J_per_m2");
        for (const auto& [organ, d] : r.at("oar").items())
            row.oar[organ] = planning::OrganDose{d.at("max_p_plus_Pa"), d.at("max_p_minus_Pa"), d.at("max_efd_J_per_m2")};
        t.rows.push_back(std::move(row));
    }
    t.setting_min = j.at("setting_min");
    t.setting_max = j.at("setting_max");
    t.setting_step = j.at("setting_step");
    t.motion_sd_m = j.at("motion_sd_m");
    t.target_radius_m = j.at("target_radius_m");
    t.p_plus_relative_sd = j.at("p_plus_relative_sd");
    t.fallback_width_m = j.at("fallback_width_m");
    return t;
}

json patient_factors_json(const planning::PatientFactors& f) {
    return {{"gaertner_type", f.gaertner_type},       {"stones", f.stones},
            {"bile_acid", f.bile_acid},               {"gallbladder_impaired", f.gallbladder_impaired},
            {"calcified", f.calcified},               {"plaque_arc_deg", f.plaque_arc_deg},
            {"plaque_thickness_mm", f.plaque_thickness_mm}, {"lesion_length_mm", f.lesion_length_mm},
            {"ring_radius_mm", f.ring_radius_mm},     {"intravascular", f.intravascular}};
}

planning::PatientFactors patient_factors_from_json(const json& j) {
    planning::PatientFactors f;
    f.gaertner_type = j.at("gaertner_type");
    f.stones = j.at("stones");
    f.bile_acid = j.at("bile_acid");
    f.gallbladder_impaired = j.at("gallbladder_impaired");
    f.calcified = j.at("calcified");
    f.plaque_arc_deg = j.at("plaque_arc_deg");
    f.plaque_thickness_mm = j.at("plaque_thickness_mm");
    f.lesion_length_mm = j.at("lesion_length_mm");
    f.ring_radius_mm = j.at("ring_radius_mm");
    f.intravascular = j.at("intravascular");
    return f;
}

PlanResult run_follow_up(const FollowUpRequest& q, std::ostream* log) {
    const auto t0 = std::chrono::steady_clock::now();
    require_input_for("out", !q.out_dir.empty(), "the output folder is required");
    require_input_for("previous", !q.previous_dir.empty(), "a follow-up needs the earlier plan's folder");
    const fs::path previous_json = fs::path(q.previous_dir) / "plan.json";
    require_input_for("previous", fs::is_regular_file(previous_json), "earlier plan folder '", q.previous_dir,
                  "' holds no plan.json; accepted: the folder of a plan written by lithosim plan");
    require_input_for("follow_up", fs::is_regular_file(q.follow_up_file), "follow-up file '", q.follow_up_file,
                  "' is not a file; accepted: a JSON file (examples/follow_up.json)");
    require_input_for("out", fs::weakly_canonical(q.out_dir) != fs::weakly_canonical(q.previous_dir),
                      "output folder '", q.out_dir,
                  "' is the earlier plan's folder; accepted: a new folder (the earlier plan is kept)");
    json doc;
    try {
        doc = io::read_json(q.follow_up_file);
    } catch (const std::exception& e) {
        throw InputError("follow_up", std::string("follow-up file: ") + e.what());
    }
    json prev;
    try {
        prev = io::read_json(previous_json);
    } catch (const std::exception& e) {
        throw InputError("previous", std::string("earlier plan: ") + e.what());
    }
    require_input_for("previous",
                      prev.contains("dose_table") && prev["dose_table"].is_object() && prev.contains("replan_inputs"),
                      "earlier plan '", q.previous_dir, "': the plan holds no dose table (an intravascular plan, or one made "
                  "by an older lithosim); accepted: a plan of this version, re-run lithosim plan");
    const std::string indication = prev.value("indication", "");
    require_input_for("follow_up", indication != "vascular",
                      "a follow-up covers tendon, gallbladder and bile_duct: a vascular course is judged by "
                      "angiography, not by a residual size");

    // The earlier plan's request.
    const json& in = prev["replan_inputs"];
    planning::Protocol protocol = planning::protocol(indication);
    protocol.device = prev.value("device", protocol.device);
    if (prev.contains("target") && prev["target"].contains("material"))
        protocol.target_material = prev["target"]["material"].get<std::string>();
    planning::SafetyLimits limits = planning::default_safety_limits();
    for (const auto& o : in.at("safety_overrides")) planning::apply_safety_override(limits, o.get<std::string>());
    planning::ScheduleRequest sr;
    sr.protocol = protocol;
    planning::FragmentationOptions fo = planning::fragmentation_options(protocol);
    fo.surrounding_impedance_Pa_s_per_m = in.at("surrounding_impedance_Pa_s_per_m");
    sr.fragmentation = planning::FragmentationModel(planning::stone_material(protocol.target_material), fo);
    sr.dose = planning::dose_model_from_table(dose_table_from_json(prev["dose_table"]));
    sr.target_diameter_m = in.at("target_diameter_m");
    sr.stones = in.at("stones");
    if (!in.at("efd_mJ_per_mm2").is_null()) sr.target_efd_J_per_m2 = in["efd_mJ_per_mm2"].get<double>() * 1e3;
    if (!in.at("max_shocks_per_session").is_null()) sr.max_shocks_per_session = in["max_shocks_per_session"].get<int>();
    if (!in.at("rate_per_min").is_null()) sr.rate_per_min = in["rate_per_min"].get<double>();
    sr.interval_days = in.at("interval_days").get<int>();
    sr.safety = limits;

    // The earlier plan's sessions and the follow-ups (the earlier plan's own first).
    std::vector<planning::DoneSession> planned;
    for (const auto& s : prev.at("sessions")) {
        planning::DoneSession d;
        d.index = s.at("index");
        d.day = s.at("day");
        for (const auto& st : s.at("ramp")) d.steps.push_back({st.at("setting").get<double>(), st.at("shocks").get<int>()});
        planned.push_back(std::move(d));
    }
    require_input_for("previous", !planned.empty(), "earlier plan '", q.previous_dir,
                      "': the plan holds no sessions to follow up");
    std::vector<planning::FollowUp> follow_ups;
    if (prev.contains("follow_up") && prev["follow_up"].contains("measurements"))
        follow_ups = follow_ups_from_json({{"follow_ups", prev["follow_up"]["measurements"]}}, previous_json.string());
    for (const auto& f : follow_ups_from_json(doc, q.follow_up_file))
        if (std::none_of(follow_ups.begin(), follow_ups.end(), [&](const planning::FollowUp& g) { return same(f, g); }))
            follow_ups.push_back(f);
    planning::check_follow_ups(follow_ups, planned, sr.target_diameter_m, protocol.sessions_max);
    const int k = follow_ups.back().after_session;

    planning::ReplanRequest rq;
    rq.request = sr;
    rq.patient = patient_factors_from_json(in.at("patient"));
    rq.done.assign(planned.begin(), planned.begin() + k);
    rq.follow_ups = follow_ups;
    rq.previous_sessions = int(planned.size());
    rq.previous_probability = prev.value("predicted_success_probability", 0.0);
    rq.options.samples = q.samples.value_or(in.value("samples", 200));
    rq.options.seed = q.seed.value_or(prev.value("seed", std::uint64_t(1)));
    rq.options.dose_log_sd = in.value("dose_log_sd", rq.options.dose_log_sd);
    if (log) *log << "lithosim plan: follow-up after session " << k << " of " << planned.size() << " (" << indication
                  << "), " << follow_ups.size() << " measurement(s); re-planning from " << previous_json.string()
                  << std::endl;
    const planning::ReplanResult res = planning::replan_after_follow_up(rq);
    const planning::SafetyCheck safety = planning::check_safety(res.schedule, {}, limits, res.schedule.max_shocks_per_session);
    if (!safety.ok) throw UnsafePlan(join(safety.violations, "; "));

    // The new plan.json: the earlier one's keys, updated.
    std::error_code ec;
    const fs::path out(q.out_dir);
    require_input_for("out", !fs::exists(out, ec) || fs::is_directory(out, ec), "output folder '", q.out_dir,
                  "' exists and is not a folder; accepted: a folder (new or existing)");
    json j = prev;
    for (const char* stale : {"patient_volumes", "dicom_rt", "runtime_s"}) j.erase(stale);
    json sessions = json::array();
    for (const auto& s : prev.at("sessions"))
        if (s.at("index").get<int>() <= k) {
            json d = s;
            d["done"] = true;
            sessions.push_back(d);
        }
    for (const auto& s : res.schedule.sessions) sessions.push_back(session_json(s));
    j["sessions"] = sessions;
    const planning::OutcomeEstimate& primary = res.prediction.primary();
    j["predicted_success_probability"] = r3(primary.probability);
    j["success_ci95"] = json::array({r3(primary.ci95_low), r3(primary.ci95_high)});
    j["outcomes"] = outcomes_json(res.prediction);
    j["goal_reached"] = res.schedule.goal_reached;
    j["reason"] = res.reason;
    json curve = json::array();
    for (const auto& c : res.schedule.curve)
        curve.push_back({{"shocks", c.shocks}, {"fraction_cleared", r3(c.fraction_cleared)}});
    j["fragmentation_curve"] = curve;
    j["verdict"] = "re-plan after the follow-up on day " + std::to_string(follow_ups.back().day) + ": " + res.course +
                   "; " + primary.name + " " + pct_text(primary.probability) + " (95 % interval " +
                   pct_text(primary.ci95_low) + "-" + pct_text(primary.ci95_high) + "), the earlier plan " +
                   pct_text(rq.previous_probability);
    j["safety"] = {{"ok", safety.ok}, {"warnings", safety.warnings}, {"violations", safety.violations}};
    json measurements = json::array();
    for (const auto& f : follow_ups) measurements.push_back(follow_up_json(f));
    j["follow_up"] = {{"measurements", measurements},
                      {"what_changed", res.what_changed},
                      {"previous_plan", fs::absolute(q.previous_dir).lexically_normal().string()},
                      {"course_ends", res.course_ends},
                      {"posterior",
                       {{"predicted_residual_mm", r3(res.predicted_size_median_m / kMm)},
                        {"predicted_residual_90_mm",
                         json::array({r3(res.predicted_size_low_m / kMm), r3(res.predicted_size_high_m / kMm)})},
                        {"observed_residual_mm", r3(res.observed_size_m / kMm)},
                        {"strength_factor_prior_median", r3(res.strength_prior_median)},
                        {"strength_factor_posterior_median", r3(res.strength_posterior_median)},
                        {"strength_factor_posterior_90",
                         json::array({r3(res.strength_posterior_low), r3(res.strength_posterior_high)})},
                        {"resorption_months_prior_median", r3(res.resorption_months_prior)},
                        {"resorption_months_posterior_median", r3(res.resorption_months_posterior)},
                        {"dose_factor_posterior_median", r3(res.dose_factor_posterior_median)},
                        {"effective_samples", std::round(res.effective_samples)},
                        {"particles_drawn", res.particles_drawn}}}};
    json history = prev.contains("history") ? prev["history"] : json::array();
    history.push_back({{"plan", int(history.size()) + 1},
                       {"folder", fs::absolute(out).lexically_normal().string()},
                       {"day", follow_ups.back().day},
                       {"kind", "follow_up"},
                       {"inputs",
                        {{"follow_up", io::file_sha1(q.follow_up_file)}, {"previous_plan", io::file_sha1(previous_json)}}},
                       {"primary_probability", r3(primary.probability)}});
    j["history"] = history;
    j["seed"] = rq.options.seed;
    j["success"]["samples"] = rq.options.samples;
    j["version"] = std::string(build::version);
    j[io::schema::key] = io::schema::plan_json;
    j["git_commit"] = std::string(build::git_commit);
    j["runtime_s"] = std::round(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 10) / 10;

    fs::create_directories(out, ec);
    if (ec) throw InputError("out", "output folder '" + q.out_dir + "': cannot create the folder: " + ec.message());
    {
        std::error_code ignored;   // an earlier run's report would not match this plan
        fs::remove(out / "report.html", ignored);
        fs::remove(out / "report.pdf", ignored);
    }
    io::write_json_atomic(out / "plan.json", j);
    std::vector<std::string> picture_warnings;
    if (q.pictures) {
        ReportContext context;
        context.case_name = "follow-up of " + q.previous_dir;
        context.command_line = q.command_line;
        context.inputs = {q.follow_up_file, previous_json};
        try {
            write_plan_report(out, j, context);
            if (q.pdf)
                if (const auto why = viz::print_pdf(out / "report.html", out / "report.pdf")) picture_warnings.push_back(*why);
        } catch (const std::exception& e) {
            picture_warnings.push_back(std::string("report: ") + e.what());
        }
    }

    std::ostringstream t;
    t << "plan: " << indication << " re-planned after the follow-up on day " << follow_ups.back().day << " (session "
      << k << " done)\n";
    for (const auto& w : res.what_changed) t << "  changed    " << w << "\n";
    for (const auto& s : res.schedule.sessions)
        t << "  session " << s.index << "  day " << pad_right(std::to_string(s.day), 3) << " " << s.shocks
          << " shocks at " << j.value("setting_unit", std::string("setting")) << " " << format_number(r3(s.setting))
          << "\n";
    for (const auto& o : res.prediction.outcomes)
        t << "  " << (o.primary ? "primary    " : "outcome    ") << pad_right(o.name, 21) << " "
          << pct_text(o.probability) << " (95 % interval " << pct_text(o.ci95_low) << "-" << pct_text(o.ci95_high)
          << ")\n";
    t << "  wrote      " << (out / "plan.json").string() << "\n";
    if (fs::exists(out / "report.html")) t << "  report     " << (out / "report.html").string() << "\n";
    // The re-plan, typed: what it changed (the earlier plan's dose table stays in plan.json).
    Plan typed;
    typed.protocol = protocol;
    typed.limits = limits;
    typed.target_diameter_m = sr.target_diameter_m;
    typed.schedule = res.schedule;
    typed.safety = safety;
    typed.prediction = res.prediction;
    typed.verdict = j["verdict"].get<std::string>();
    typed.warnings = res.schedule.warnings;
    typed.folder = fs::absolute(out).string();
    typed.setting_unit = prev.value("setting_unit", "");
    return {std::move(typed), j, t.str(), picture_warnings};
}

}  // namespace lithosim
