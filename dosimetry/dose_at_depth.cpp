// Dose at depth (issue 3 §4): what a device delivers at a target below the skin, and the energy setting that
// delivers a prescribed energy flux density (EFD) there.
//
//   lithosim dosimetry --device NAME --setting S --target-depth-mm D [--layers LIST]        forward report
//   lithosim dosimetry --find-setting --device NAME --target-efd X --target-depth-mm D ...  inverse search
//
// Set-up (every run of both commands)
//   * An axisymmetric (r, z) case filled in code (dose_at_depth_case: a typed Case, the setting a device parameter)
//     and run in-process through the path of `lithosim simulate`: prepare_case (checks, device set-up, spec, run plan)
//     -> simulate -> compute_dosimetry. The resolved case of the reported run is part of the JSON ("case", INI text
//     written only for provenance), so `lithosim simulate` re-runs it.
//   * Frame: the device's axis is the z axis; the grid's z = 0 lies 2 mm behind the device's rearmost point
//     (DeviceSetup::z_back_m, reflector shell included).
//   * Skin and target: the skin is the plane z = z_skin, the target lies on the axis at z_skin + D.
//   * Aim, as a clinician aims a device: its geometric focus on the target, unless that would put its front
//     (DeviceSetup::z_front_m: the reflector mouth, the cap rim, the ESWT coupling plane) beyond the skin, which
//     happens when the target lies deeper below the skin than the focus lies beyond the front. Then the front touches
//     the skin (z_front = z_skin) and the target lies beyond the focus; focus_depth_mm (< D) reports where the focus
//     is. With the focus on the target, standoff_mm is the water between the front and the skin. The treatment
//     planner may ask for the focus a little beyond (or short of) the target (DoseAtDepthRequest::focus_offset_mm,
//     its aim by the simulated dose, planner/plan_dose.hpp); the rule is the same with D + offset for the focus depth.
//   * Medium: [medium] layers = water:<z_skin>,<LIST>. The case key's first layer starts at the grid's z = 0, so the
//     explicit water layer (the coupling water or gel, and the water around the device) ends at the skin, and the
//     user's layers (same syntax and presets as the case key) start there; beyond the last layer its material
//     continues. Without --layers the whole path is water ([medium] preset = water). The forward report runs the same
//     geometry a second time in water, for the loss.
//   * Grid: R = device radius + 5 mm; Z = max(target, focus) + 15 mm; dx = --dx-mm, else the device's calibration
//     grid (models::DevicePreset::calibration_dx_m).
//   * Time: t_end = (longest acoustic path) / c_min + max(10 us, 10 T+). Every path from a source point to the target
//     (straight, or via the reflector) is at most (path to the focus) + |target - focus| (triangle inequality), where
//     the path to the focus is 2a for hm3 (spark -> reflector -> F2 is 2a for every ray, the direct wave 2c is
//     shorter), the radius of curvature for a cap or a lens (every point of the equivalent cap lies that far from
//     the focus), and for em_paraboloid the larger of coil -> reflector -> focus (2 f_p - r_c) and the direct wave
//     from the coil's back end. c_min is the slowest preset on the path (the fastest path, Fermat's, takes no longer
//     than the straight one at c_min). The Church pulse decays as exp(-0.91 t / T+): after 10 T+ what is left of its
//     energy is e^-18.
//   * The EFD (and p+, p-) at the target: the map value at the node nearest (r = 0, z_target) (map_value_at); the
//     node's z is reported as target_node_z_mm.
//   * ivl_emitter is rejected (exit 2): it has no focus and radiates sideways from the vessel axis, so a target on
//     its axis below the skin does not describe its use (decision, issue 3 §4 left the choice open).
//
// Inverse search (search_setting): the EFD grows monotonically with the setting (hm3: voltage_kV; others: level,
// between the parameter's min and max). The lowest and the highest setting run first; a target outside
// [EFD(min), EFD(max)] by more than the tolerance is unreachable (setting = the nearest end, efd = its EFD, reason
// says too low or too high). Otherwise Illinois regula falsi on log(EFD / target) against the setting (log EFD is
// nearly linear in a level, whose calibration is geometric, and smooth in kV; the Illinois halving keeps a
// one-sided approach from stalling), until the EFD is within 2 % of the target or the bracket is below 1 % of the
// range, at most 10 runs in all. The setting is continuous (the calibrations interpolate non-integer levels);
// level devices also get setting_rounded, the integer level at or just above it, with its EFD when a run had it.
//
// JSON of --find-setting (contract keys marked (c)):
// | key                               | type          | meaning                                                    |
// |-----------------------------------|---------------|------------------------------------------------------------|
// | device                        (c) | string        | the preset                                                 |
// | setting                       (c) | number        | the setting found (unreachable: the nearest end)           |
// | setting_unit                  (c) | string        | "kV" (hm3) or "level"                                      |
// | efd_mJ_per_mm2                (c) | number        | EFD at the target at that setting (a run's value)          |
// | reachable                     (c) | bool          | the device can deliver the target EFD at this depth        |
// | target_efd_mJ_per_mm2             | number        | the EFD asked for                                          |
// | relative_error                    | number        | efd / target - 1                                           |
// | converged                         | bool          | the EFD is within 2 % (else: bracket < 1 % or 10 runs)     |
// | reason                            | string | null | why unreachable (too low / too high)                       |
// | setting_range                     | [min, max]    | the device's setting range                                 |
// | efd_at_min_setting_mJ_per_mm2     | number        | EFD at the target at the lowest setting                    |
// | efd_at_max_setting_mJ_per_mm2     | number        | EFD at the target at the highest setting                   |
// | setting_rounded                   | number | null | level devices: the integer level at or above the setting   |
// | efd_at_setting_rounded_mJ_per_mm2 | number | null | its EFD, when a run was made at it                         |
// | runs                              | [object]      | setting, efd_mJ_per_mm2, p_plus_MPa, p_minus_MPa (at the   |
// |                                   |               | target), seconds; in the order made                        |
// and the placement keys shared with the forward report:
// | target_depth_mm, layers, medium_layers (null for water), aim ("focus_at_target" | "front_at_skin"),            |
// | focus_depth_mm (geometric focus below the skin), standoff_mm (water between front and skin), z_device_mm,      |
// | z_skin_mm, z_target_mm, z_focus_mm, target_node_z_mm, dx_mm, grid {size_mm [R, Z], t_end_us, longest_path_mm}, |
// | runtime_s, case (INI of the reported run), version, git_commit, warnings (added by cmd_dosimetry)              |
//
// JSON of the forward report: device, setting, setting_unit and the placement keys above; the dosimetry keys of
// dosimetry/dosimetry.hpp for the layered run (the water run without --layers); at the target node of that run
// target_efd_mJ_per_mm2, target_p_plus_MPa, target_p_minus_MPa; with --layers also "water" (the same keys for the
// water run) and the loss relative to water, loss_efd_dB = 10 log10(EFD_water / EFD_layers) and
// loss_p_plus_dB = 20 log10(p+_water / p+_layers), both at the target node.
#include "dosimetry/dose_at_depth.hpp"
#include "core/progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "lithosim/build_info.hpp"
#include "models/device_setup.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "solver/simulation.hpp"
#include "io/schema.hpp"

namespace lithosim {

namespace {

constexpr double kMm = 1e-3, kUs = 1e-6;
constexpr double kBehindDevice_m = 2e-3;   ///< grid start behind the device's rearmost point
constexpr double kRadialMargin_m = 5e-3;   ///< grid radius beyond the device's radius
constexpr double kBeyond_m = 15e-3;        ///< grid length beyond the target and the focus
constexpr double kTailMin_s = 10e-6;       ///< time after the longest path's arrival, at least ...
constexpr double kTailPositivePhases = 10; ///< ... and at least this many positive phases (exp(-18) of the energy)



/// Three significant digits (or more for large numbers) for the report.
std::string num(double v, int digits = 3) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

std::string setting_text(const DoseAtDepth& d, double s) {
    return d.setting_unit == "kV" ? format_number(s) + " kV" : "level " + format_number(s);
}

/// The --layers list checked like the case key [medium] layers, and its entries.
std::vector<CaseLayer> user_layers(const std::string& text) {
    const CaseKey& key = *find_case_key("medium.layers");
    const CaseValue value{text, "the tissue layers"};
    try {
        check_value(key, value);
    } catch (const InputError& e) {
        // "[medium] layers = 'X' (the tissue layers): why; accepted: ..." -> "tissue layers 'X': why; accepted: ..."
        const std::string label = "[medium] layers = '" + text + "' (the tissue layers): ";
        const std::string what = e.what();
        if (what.rfind(label, 0) != 0) throw;
        throw InputError("layers", "tissue layers '" + text + "': " + what.substr(label.size()) +
                         " (the syntax of [medium] layers)");
    }
    CaseText c;
    c.values["medium.layers"] = value;
    return case_layers(c, "medium.layers");
}

/// Layers as the case key writes them (name:mm,...).
std::string case_text_of_layers(const std::vector<CaseLayer>& layers) {
    std::vector<std::string> items;
    for (const auto& l : layers) items.push_back(l.name + ":" + format_number(l.value));
    return join(items, ",");
}

/// Where the device, the skin and the target lie (see the top of this file).
/// With a focus offset (the planner's aim) the focus lies offset_m beyond the target: depth + offset below the skin.
DepthGeometry place_device(const models::DevicePreset& preset, double depth_m, double dx_m, double c_min,
                           double offset_m = 0) {
    const models::DeviceSetup s = models::device_setup(preset, 0.0);
    DepthGeometry g;
    g.dx_m = dx_m;
    g.c_min_m_per_s = c_min;
    g.z_device_m = kBehindDevice_m - s.z_back_m;
    g.z_back_m = g.z_device_m + s.z_back_m;
    g.z_front_m = g.z_device_m + s.z_front_m;
    g.z_focus_m = g.z_device_m + *s.focus_z_m;
    const double focus_beyond_front = g.z_focus_m - g.z_front_m;
    g.focus_at_target = depth_m + offset_m <= focus_beyond_front;
    if (g.focus_at_target) {
        g.z_target_m = g.z_focus_m - offset_m;
        g.z_skin_m = g.z_target_m - depth_m;
    } else {
        g.z_skin_m = g.z_front_m;
        g.z_target_m = g.z_skin_m + depth_m;
    }
    g.size_r_m = s.radius_m + kRadialMargin_m;
    g.size_z_m = std::max(g.z_target_m, g.z_focus_m) + kBeyond_m;
    g.longest_path_m = s.path_to_focus_m + std::abs(g.z_target_m - g.z_focus_m);
    const double tail_s = std::max(kTailMin_s, kTailPositivePhases * models::device_pulse(preset).positive_phase_s);
    g.t_end_s = g.longest_path_m / c_min + tail_s;
    return g;
}

void add_warning(std::vector<std::string>& warnings, const std::string& w) {
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
}

/// Index of the node nearest x_m along each axis of a map.
std::array<std::size_t, 3> nearest_node(const Map3& m, const std::array<double, 3>& x_m) {
    std::array<std::size_t, 3> idx{0, 0, 0};
    const std::size_t n[3] = {m.nx, m.ny, m.nz};
    for (int a = 0; a < 3; ++a) {
        if (n[a] < 2 || !(m.spacing_m[a] > 0)) continue;
        const double s = std::round((x_m[a] - m.origin_m[a]) / m.spacing_m[a]);
        idx[a] = std::size_t(std::clamp(s, 0.0, double(n[a] - 1)));
    }
    return idx;
}


DepthRun run_depth(const DoseAtDepth& d, double setting, bool layered, bool with_dosimetry,
                   std::vector<std::string>& warnings) {
    DepthRun r;
    r.setting = setting;
    r.layered = layered;
    const InProcessRun run = run_case(dose_at_depth_case(d, setting, layered), nullptr, 0, d.request.on_step);
    r.case_ini = run.resolved_ini();
    for (const auto& w : run.warnings) add_warning(warnings, w);
    const SimulationResult& result = run.result;
    r.seconds = run.seconds;
    run_stage("compute", [&] {
        if (!result.efd || !result.p_max || !result.p_min)
            throw std::logic_error("the dose-at-depth run has no p_max, p_min or efd map");
        const std::array<double, 3> target{0, 0, d.geometry.z_target_m};
        r.efd_mJ_per_mm2 = map_value_at(*result.efd, target) * 1e-3;  // J/m^2 -> mJ/mm^2
        r.p_plus_MPa = map_value_at(*result.p_max, target) * 1e-6;
        r.p_minus_MPa = map_value_at(*result.p_min, target) * 1e-6;
        const auto node = nearest_node(*result.efd, target);
        r.target_node_z_m = result.efd->position_m(node[0], node[1], node[2])[2];
        if (!with_dosimetry) return;
        std::vector<std::string> w;
        r.dosimetry = case_dosimetry(run.prepared, result, w);
        for (const auto& x : w) add_warning(warnings, x);
    });
    return r;
}

/// One progress line per run.
void log_run(std::ostream* log, const DoseAtDepth& d, int n, const DepthRun& r, const char* path) {
    if (!log) return;
    *log << "  run " << n << "  " << pad_right(setting_text(d, r.setting), 14) << pad_right(path, 7)
         << "EFD at the target " << num(r.efd_mJ_per_mm2, 4) << " mJ/mm^2, p+ " << num(r.p_plus_MPa) << " MPa  ("
         << num(r.seconds, 3) << " s)" << std::endl;
}

/// The keys shared by both reports: the request and where everything lies.
nlohmann::json placement_json(const DoseAtDepth& d) {
    using nlohmann::json;
    const DepthGeometry& g = d.geometry;
    json j;
    j["device"] = d.preset.name;
    j["setting_unit"] = d.setting_unit;
    j["setting_range"] = json::array({d.setting_min, d.setting_max});
    j["target_depth_mm"] = d.request.target_depth_mm;
    j["layers"] = d.request.layers ? json(*d.request.layers) : json(nullptr);
    j["medium_layers"] = d.request.layers ? json(case_text_of_layers(d.medium_layers)) : json(nullptr);
    j["aim"] = g.focus_at_target ? "focus_at_target" : "front_at_skin";
    j["focus_depth_mm"] = to_mm(g.z_focus_m - g.z_skin_m);
    j["standoff_mm"] = to_mm(g.z_skin_m - g.z_front_m);
    j["z_device_mm"] = to_mm(g.z_device_m);
    j["z_skin_mm"] = to_mm(g.z_skin_m);
    j["z_target_mm"] = to_mm(g.z_target_m);
    j["z_focus_mm"] = to_mm(g.z_focus_m);
    j["dx_mm"] = to_mm(g.dx_m);
    j["grid"] = {{"size_mm", json::array({to_mm(g.size_r_m), to_mm(g.size_z_m)})},
                 {"t_end_us", std::round(g.t_end_s / kUs * 10) / 10},
                 {"longest_path_mm", to_mm(g.longest_path_m)},
                 {"c_min_m_per_s", g.c_min_m_per_s}};
    j[io::schema::key] = io::schema::dosimetry_json;
    j["version"] = build::version;
    j["git_commit"] = build::git_commit;
    return j;
}

/// The request and the placement as the first lines of both reports.
std::string placement_text(const nlohmann::json& j) {
    std::ostringstream s;
    s << "  path          "
      << (j["layers"].is_null() ? std::string("water all the way")
                                : j["layers"].get<std::string>() + " from the skin (water before it)")
      << "\n";
    if (j["aim"] == "focus_at_target")
        s << "  aim           geometric focus on the target; " << format_number(j["standoff_mm"].get<double>())
          << " mm of water between the device's front and the skin\n";
    else
        s << "  aim           the device's front on the skin; its geometric focus lies "
          << format_number(j["focus_depth_mm"].get<double>()) << " mm deep, short of the target\n";
    const auto& g = j["grid"];
    s << "  grid          dx " << format_number(j["dx_mm"].get<double>()) << " mm, r x z "
      << format_number(g["size_mm"][0].get<double>()) << " x " << format_number(g["size_mm"][1].get<double>())
      << " mm, t_end " << format_number(g["t_end_us"].get<double>()) << " us\n";
    return s.str();
}

std::string run_duration_text(double s) {
    if (s < 120) return num(s, 3) + " s";
    return std::to_string(int(s / 60)) + " min " + std::to_string(int(std::round(s - 60 * int(s / 60)))) + " s";
}

}  // namespace

float map_value_at(const Map3& m, const std::array<double, 3>& x_m) {
    const auto idx = nearest_node(m, x_m);
    return m.at(idx[0], idx[1], idx[2]);
}

double reference_dx_m(const std::string& device) {
    try {
        return models::device_preset(device).calibration_dx_m;
    } catch (const std::invalid_argument&) {
        throw InputError("device", "device '" + device + "': no such preset; accepted devices: " +
                         join(models::device_preset_names(), ", "));
    }
}

DoseAtDepth prepare_dose_at_depth(const DoseAtDepthRequest& request) {
    const double depth = request.target_depth_mm;
    require_input_for("target_depth_mm", depth > 0 && depth <= kTargetDepthMax_mm, "target depth ", depth,
                      " mm is out of range; accepted: > 0 and <= ", kTargetDepthMax_mm, " mm below the skin");
    if (const auto& efd = request.target_efd_mJ_per_mm2)
        require_input_for("target_efd", *efd >= kTargetEfdMin_mJ_per_mm2 && *efd <= kTargetEfdMax_mJ_per_mm2,
                          "target EFD ", *efd, " mJ/mm^2 is out of range; accepted: ", kTargetEfdMin_mJ_per_mm2,
                          " to ", kTargetEfdMax_mJ_per_mm2, " mJ/mm^2");
    if (const auto& dx = request.dx_mm)
        require_input_for("dx_mm", *dx > kDxMin_mm && *dx <= kDxMax_mm, "cell size ", *dx,
                          " mm is out of range; accepted: > ", kDxMin_mm, " and <= ", kDxMax_mm, " mm");
    DoseAtDepth d;
    d.request = request;
    try {
        d.preset = models::with_overrides(models::device_preset(request.device), request.overrides);
    } catch (const std::invalid_argument& e) {
        throw InputError("device", "device '" + request.device + "': " + e.what());
    }
    if (!models::geometric_focus_z_m(d.preset)) {
        std::vector<std::string> focusing;
        for (const auto& name : models::device_preset_names())
            if (models::geometric_focus_z_m(models::device_preset(name))) focusing.push_back(name);
        throw InputError("device", "device '" + request.device + "': has no focus (it radiates sideways from the vessel " +
                         "axis), so a target on its axis below the skin does not describe its use; accepted: a " +
                         "focusing device, " + join(focusing, ", "));
    }
    const models::DeviceParameter& sp = d.preset.parameter(d.preset.setting_key);
    d.setting_min = sp.min;
    d.setting_max = sp.max;
    d.setting_unit = d.preset.setting_key == "voltage_kV" ? "kV" : "level";
    if (request.setting) {
        try {
            models::source_pressure_Pa(d.preset, *request.setting);
        } catch (const std::invalid_argument& e) {
            throw InputError("setting", "setting " + format_number(*request.setting) + ": " + e.what());
        }
    }
    double c_min = models::tissue_preset("water").c_m_per_s;
    if (request.layers)
        for (const auto& l : user_layers(*request.layers))
            c_min = std::min(c_min, models::tissue_preset(l.name).c_m_per_s);
    const double dx_m = request.dx_mm ? *request.dx_mm * kMm : reference_dx_m(request.device);
    require_input_for("focus_offset_mm", std::isfinite(request.focus_offset_mm) && request.target_depth_mm + request.focus_offset_mm > 0,
                  "focus offset ", request.focus_offset_mm, " mm with the target ", request.target_depth_mm,
                  " mm deep puts the focus above the skin; accepted: an offset > -", request.target_depth_mm, " mm");
    d.geometry = place_device(d.preset, request.target_depth_mm * kMm, dx_m, c_min, request.focus_offset_mm * kMm);
    if (request.layers) {
        d.medium_layers = {CaseLayer{"water", to_mm(d.geometry.z_skin_m)}};
        for (const auto& l : user_layers(*request.layers)) d.medium_layers.push_back(l);
    }

    // Plan one run now, so that a grid that does not fit in memory is bad input before anything runs.
    const PreparedCase p = prepare_case(dose_at_depth_case(d, request.setting.value_or(d.setting_max),
                                                           request.layers.has_value() || request.model));
    d.memory_bytes = p.plan.memory_bytes;
    const double available = available_memory_bytes();
    if (d.memory_bytes > available)
        throw InputError("dx_mm", "cell size " + format_number(to_mm(dx_m)) + " mm: the runs need an estimated " +
                         format_number(std::round(d.memory_bytes / 1048576.0)) + " MiB but only " +
                         format_number(std::round(available / 1048576.0)) +
                         " MiB are available; accepted: a coarser cell");
    return d;
}

Case dose_at_depth_case(const DoseAtDepth& d, double setting, bool layered) {
    const DepthGeometry& g = d.geometry;
    const bool three_d = d.request.model && d.request.three_d;
    Case c;
    c.origin = std::string(d.request.model ? "the plan's " : "the dose-at-depth ") + (layered ? "case" : "water case") +
               ": " + d.preset.name + " at " + setting_text(d, setting) + ", target " +
               format_number(d.request.target_depth_mm) + " mm below the skin";
    c.grid.dims = three_d ? "3" : "axisymmetric";
    c.grid.dx_mm = to_mm(g.dx_m);
    c.grid.size_mm = three_d ? std::vector<double>{to_mm(2 * g.size_r_m), to_mm(2 * g.size_r_m), to_mm(g.size_z_m)}
                             : std::vector<double>{to_mm(g.size_r_m), to_mm(g.size_z_m)};
    c.time.t_end_us = g.t_end_s / kUs;
    if (layered && d.request.model) {
        c.medium.model_data = d.request.model;
        c.medium.model = d.request.model_name;
        c.medium.model_target_z_mm = to_mm(g.z_target_m);
    } else if (layered && !d.medium_layers.empty()) {
        c.medium.layers = d.medium_layers;
    }
    c.source.type = "device";
    c.source.device = d.preset.name;
    set_device_parameter(c, d.preset.setting_key, setting);
    for (const auto& [key, value] : d.request.overrides) set_device_parameter(c, key, value);
    c.source.position_mm = {0, 0, to_mm(g.z_device_m)};
    return c;
}

std::string InProcessRun::resolved_ini() const {
    return case_to_ini(resolve_case(prepared), "lithosim " + std::string(build::version) + ": " + prepared.c.origin +
                                                   "\nThe case this run used (lithosim simulate runs it again).");
}

InProcessRun run_case(const Case& c, CommandProgress* progress, double work, const StepHook& on_step) {
    InProcessRun r;
    r.prepared = run_stage("build model", [&] { return prepare_case(c); });
    for (const auto& w : r.prepared.plan.warnings) add_warning(r.warnings, w);
    RunHooks hooks;
    hooks.log = [&r](const std::string& line) {
        if (line.rfind("warning: ", 0) == 0) add_warning(r.warnings, line.substr(9));
    };
    if (progress || on_step)
        hooks.progress = [progress, work, &on_step](long long step, long long total, double) {
            if (progress) progress->run_step(work, step, total);
            if (on_step) on_step(step, total);
        };
    const auto t0 = std::chrono::steady_clock::now();
    r.result = run_stage("simulate", [&] { return simulate_planned(r.prepared.spec, r.prepared.plan, hooks); });
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) progress->run_done(work);
    return r;
}

SettingSearch search_setting(const std::function<double(double)>& efd_at, double setting_min, double setting_max,
                             double target_efd, const SearchLimits& limits) {
    SettingSearch s;
    const double tol = limits.relative_efd_tolerance;
    auto run = [&](double x) {
        const double e = efd_at(x);
        s.runs.push_back({x, e});
        return e;
    };
    auto error = [&](double e) { return std::abs(e / target_efd - 1); };
    auto take = [&](const SearchRun& r, bool reachable, bool converged) {
        s.setting = r.setting;
        s.efd = r.efd;
        s.reachable = reachable;
        s.converged = converged;
        return s;
    };
    run(setting_min);
    if (setting_max > setting_min) run(setting_max);
    // Either end within the tolerance: the nearer one.
    const SearchRun& best_end = *std::min_element(s.runs.begin(), s.runs.end(), [&](const auto& a, const auto& b) {
        return error(a.efd) < error(b.efd);
    });
    if (error(best_end.efd) <= tol) return take(best_end, true, true);
    const SearchRun lowest = *std::min_element(s.runs.begin(), s.runs.end(),
                                               [](const auto& a, const auto& b) { return a.efd < b.efd; });
    const SearchRun highest = *std::max_element(s.runs.begin(), s.runs.end(),
                                                [](const auto& a, const auto& b) { return a.efd < b.efd; });
    if (target_efd < lowest.efd) {
        s.reason = "too low: the target EFD " + format_number(target_efd) + " mJ/mm^2 is below the " +
                   num(lowest.efd, 4) + " mJ/mm^2 the lowest setting delivers at this depth";
        return take(lowest, false, false);
    }
    if (target_efd > highest.efd) {
        s.reason = "too high: the target EFD " + format_number(target_efd) + " mJ/mm^2 is above the " +
                   num(highest.efd, 4) + " mJ/mm^2 the highest setting delivers at this depth";
        return take(highest, false, false);
    }

    // Bracket [a, b]: g = log(efd / target) changes sign between the ends.
    struct End {
        double s, g;
    };
    End a{s.runs[0].setting, std::log(s.runs[0].efd / target_efd)};
    End b{s.runs[1].setting, std::log(s.runs[1].efd / target_efd)};
    auto quantise = [&](double x) {
        return std::clamp(std::round(x / limits.setting_quantum) * limits.setting_quantum, setting_min, setting_max);
    };
    int last_side = 0;  // Illinois: the end kept twice in a row has its g halved
    while (int(s.runs.size()) < limits.max_runs) {
        const double width = std::abs(b.s - a.s);
        if (width <= limits.setting_interval_fraction * (setting_max - setting_min)) break;
        double x = a.s - a.g * (b.s - a.s) / (b.g - a.g);
        if (!(x > std::min(a.s, b.s) && x < std::max(a.s, b.s))) x = 0.5 * (a.s + b.s);  // rounding only
        x = quantise(x);
        if (x == a.s || x == b.s) break;  // the setting quantum is reached
        const double e = run(x);
        if (error(e) <= tol) return take(s.runs.back(), true, true);
        const double g = std::log(e / target_efd);
        if ((g < 0) == (a.g < 0)) {
            a = {x, g};
            if (last_side == -1) b.g *= 0.5;
            last_side = -1;
        } else {
            b = {x, g};
            if (last_side == +1) a.g *= 0.5;
            last_side = +1;
        }
    }
    // Stopped by the bracket width or the run budget: of the bracket's two ends (runs), the one nearer the target.
    auto run_at = [&](double x) {
        return *std::find_if(s.runs.begin(), s.runs.end(), [x](const SearchRun& r) { return r.setting == x; });
    };
    const SearchRun ra = run_at(a.s), rb = run_at(b.s);
    return take(error(ra.efd) <= error(rb.efd) ? ra : rb, true, false);
}

const DepthRun* FindSettingResult::run_at(double setting) const {
    for (const auto& r : runs)
        if (r.setting == setting) return &r;
    return nullptr;
}

const DepthRun& FindSettingResult::reported() const {
    const DepthRun* r = run_at(search.setting);
    if (!r) throw std::logic_error("find setting: no run at the setting found");
    return *r;
}

std::optional<double> DoseReportResult::loss_efd_dB() const {
    if (!water || !(water->efd_mJ_per_mm2 > 0) || !(main.efd_mJ_per_mm2 > 0)) return std::nullopt;
    return 10 * std::log10(water->efd_mJ_per_mm2 / main.efd_mJ_per_mm2);
}

std::optional<double> DoseReportResult::loss_p_plus_dB() const {
    if (!water || !(water->p_plus_MPa > 0) || !(main.p_plus_MPa > 0)) return std::nullopt;
    return 20 * std::log10(water->p_plus_MPa / main.p_plus_MPa);
}

FindSettingResult run_find_setting(const DoseAtDepth& d, std::ostream* log, std::vector<std::string>& warnings) {
    FindSettingResult out;
    out.target_efd_mJ_per_mm2 = *d.request.target_efd_mJ_per_mm2;
    const bool layered = d.request.layers.has_value();
    const auto t0 = std::chrono::steady_clock::now();
    if (log)
        *log << "find setting: " << d.preset.name << ", EFD " << format_number(out.target_efd_mJ_per_mm2)
             << " mJ/mm^2 at " << format_number(d.request.target_depth_mm) << " mm below the skin\n"
             << placement_text(placement_json(d)) << std::flush;
    std::vector<DepthRun>& runs = out.runs;
    out.search = search_setting(
        [&](double setting) {
            runs.push_back(run_depth(d, setting, layered, false, warnings));
            log_run(log, d, int(runs.size()), runs.back(), "");
            return runs.back().efd_mJ_per_mm2;
        },
        d.setting_min, d.setting_max, out.target_efd_mJ_per_mm2);
    out.runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (runs.size() >= 2 && runs[1].efd_mJ_per_mm2 <= runs[0].efd_mJ_per_mm2)
        add_warning(warnings, "the EFD at the target does not grow with the setting (" + num(runs[0].efd_mJ_per_mm2) +
                                  " mJ/mm^2 at the lowest, " + num(runs[1].efd_mJ_per_mm2) +
                                  " at the highest): the search assumes it does");
    if (d.setting_unit == "level" && out.search.reachable)
        out.setting_rounded = std::min(d.setting_max, std::ceil(out.search.setting - 1e-9));
    return out;
}

nlohmann::json find_setting_json(const DoseAtDepth& d, const FindSettingResult& r) {
    using nlohmann::json;
    const SettingSearch& found = r.search;
    const double target = r.target_efd_mJ_per_mm2;
    json j = placement_json(d);
    j["setting"] = found.setting;
    j["efd_mJ_per_mm2"] = found.efd;
    j["reachable"] = found.reachable;
    j["target_efd_mJ_per_mm2"] = target;
    j["relative_error"] = found.efd / target - 1;
    j["converged"] = found.converged;
    j["reason"] = found.reason.empty() ? json(nullptr) : json(found.reason);
    j["efd_at_min_setting_mJ_per_mm2"] = r.runs.front().efd_mJ_per_mm2;
    j["efd_at_max_setting_mJ_per_mm2"] = r.runs.size() > 1 ? r.runs[1].efd_mJ_per_mm2 : r.runs.front().efd_mJ_per_mm2;
    j["setting_rounded"] = r.setting_rounded ? json(*r.setting_rounded) : json(nullptr);
    const DepthRun* rounded_run = r.setting_rounded ? r.run_at(*r.setting_rounded) : nullptr;
    j["efd_at_setting_rounded_mJ_per_mm2"] = rounded_run ? json(rounded_run->efd_mJ_per_mm2) : json(nullptr);
    j["runs"] = json::array();
    for (const auto& run : r.runs)
        j["runs"].push_back({{"setting", run.setting},
                             {"efd_mJ_per_mm2", run.efd_mJ_per_mm2},
                             {"p_plus_MPa", run.p_plus_MPa},
                             {"p_minus_MPa", run.p_minus_MPa},
                             {"seconds", run.seconds}});
    j["target_node_z_mm"] = to_mm(r.reported().target_node_z_m);
    j["runtime_s"] = r.runtime_s;
    j["case"] = r.reported().case_ini;
    return j;
}

std::string find_setting_text(const DoseAtDepth& d, const FindSettingResult& r) {
    const SettingSearch& found = r.search;
    const double target = r.target_efd_mJ_per_mm2;
    const DepthRun* rounded_run = r.setting_rounded ? r.run_at(*r.setting_rounded) : nullptr;
    const double efd_max = r.runs.size() > 1 ? r.runs[1].efd_mJ_per_mm2 : r.runs.front().efd_mJ_per_mm2;
    std::ostringstream t;
    t << "find setting\n";
    t << "  reachable     " << (found.reachable ? "yes" : "no: " + found.reason) << "\n";
    t << "  setting       " << setting_text(d, found.setting);
    if (r.setting_rounded)
        t << " (the machine's integer level " << format_number(*r.setting_rounded)
          << (rounded_run ? " gives " + num(rounded_run->efd_mJ_per_mm2, 4) + " mJ/mm^2" : std::string(", not run"))
          << ")";
    t << "\n  EFD           " << num(found.efd, 4) << " mJ/mm^2 at the target (target " << format_number(target)
      << ", " << (found.efd / target - 1 >= 0 ? "+" : "") << num(100 * (found.efd / target - 1), 2) << " %"
      << (found.reachable && !found.converged ? "; stopped before 2 %" : "") << ")\n";
    t << "  range         " << setting_text(d, d.setting_min) << " -> " << num(r.runs.front().efd_mJ_per_mm2, 4)
      << " mJ/mm^2, " << setting_text(d, d.setting_max) << " -> " << num(efd_max, 4) << " mJ/mm^2\n";
    t << "  runs          " << r.runs.size() << " in " << run_duration_text(r.runtime_s) << "\n";
    return t.str();
}

DoseReportResult run_dose_report(const DoseAtDepth& d, std::ostream* log, std::vector<std::string>& warnings) {
    DoseReportResult out;
    out.setting = *d.request.setting;
    const bool layered = d.request.layers.has_value();
    const auto t0 = std::chrono::steady_clock::now();
    if (log)
        *log << "dose at depth: " << d.preset.name << " at " << setting_text(d, out.setting) << ", target "
             << format_number(d.request.target_depth_mm) << " mm below the skin\n"
             << placement_text(placement_json(d)) << std::flush;
    out.main = run_depth(d, out.setting, layered, true, warnings);
    log_run(log, d, 1, out.main, layered ? "layers" : "water");
    if (layered) {
        out.water = run_depth(d, out.setting, false, true, warnings);
        log_run(log, d, 2, *out.water, "water");
    }
    out.runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

nlohmann::json dose_report_json(const DoseAtDepth& d, const DoseReportResult& r) {
    using nlohmann::json;
    auto target_keys = [](json& j, const DepthRun& run) {
        j["target_efd_mJ_per_mm2"] = run.efd_mJ_per_mm2;
        j["target_p_plus_MPa"] = run.p_plus_MPa;
        j["target_p_minus_MPa"] = run.p_minus_MPa;
        j["target_node_z_mm"] = to_mm(run.target_node_z_m);
    };
    auto optional_number = [](const std::optional<double>& v) { return v ? json(*v) : json(); };
    json j = placement_json(d);
    j["setting"] = r.setting;
    j.update(dosimetry_json(*r.main.dosimetry));
    target_keys(j, r.main);
    if (r.water) {
        json w = dosimetry_json(*r.water->dosimetry);
        target_keys(w, *r.water);
        j["water"] = w;
        // Loss along the layered path relative to water, at the target node; null when a value is not positive.
        j["loss_efd_dB"] = optional_number(r.loss_efd_dB());
        j["loss_p_plus_dB"] = optional_number(r.loss_p_plus_dB());
    }
    j["runtime_s"] = r.runtime_s;
    j["case"] = r.main.case_ini;
    return j;
}

std::string dose_report_text(const DoseAtDepth& d, const DoseReportResult& r) {
    const DepthRun& main = r.main;
    auto loss_text = [](const std::optional<double>& dB) { return dB ? num(*dB, 3) + " dB" : std::string("-"); };
    std::ostringstream t;
    t << dosimetry_text(*main.dosimetry);
    t << "at the target (r = 0, z = " << format_number(to_mm(main.target_node_z_m)) << " mm, "
      << format_number(d.request.target_depth_mm) << " mm below the skin)\n";
    if (r.water) {
        t << "                " << pad_right("layers", 12) << pad_right("water", 12) << "loss\n";
        t << "  EFD mJ/mm^2   " << pad_right(num(main.efd_mJ_per_mm2, 4), 12)
          << pad_right(num(r.water->efd_mJ_per_mm2, 4), 12) << loss_text(r.loss_efd_dB()) << "\n";
        t << "  p+ MPa        " << pad_right(num(main.p_plus_MPa, 4), 12) << pad_right(num(r.water->p_plus_MPa, 4), 12)
          << loss_text(r.loss_p_plus_dB()) << "\n";
        t << "  p- MPa        " << pad_right(num(main.p_minus_MPa, 4), 12) << num(r.water->p_minus_MPa, 4) << "\n";
    } else {
        t << "  EFD           " << num(main.efd_mJ_per_mm2, 4) << " mJ/mm^2\n";
        t << "  p+ / p-       " << num(main.p_plus_MPa, 4) << " / " << num(main.p_minus_MPa, 4) << " MPa\n";
    }
    t << "  runs          " << (r.water ? 2 : 1) << " in " << run_duration_text(r.runtime_s) << "\n";
    return t.str();
}

}  // namespace lithosim
