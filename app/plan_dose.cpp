#include "app/plan_dose.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <ostream>

#include "app/case_keys.hpp"
#include "app/case_spec.hpp"
#include "app/dosimetry.hpp"
#include "app/text.hpp"
#include "models/ct_volume.hpp"
#include "models/devices.hpp"
#include "planning/schedule.hpp"
#include "solver/errors.hpp"

namespace fs = std::filesystem;

namespace lithosim::app {
namespace {

using models::Label;

constexpr double kMm = 1e-3;
constexpr double kPathRadius_m = 3e-3;   ///< rings checked for lung and gas on the beam path

bool is_bone(std::uint8_t l) { return l == std::uint8_t(Label::bone_cortical) || l == std::uint8_t(Label::bone_trabecular); }

}  // namespace

ModelOnMap model_on_map(const io::ModelFile& model, const Map3& m, bool axisymmetric, double shift_m) {
    const io::ModelGrid& g = axisymmetric ? model.axisymmetric : model.grid;
    ModelOnMap o;
    o.labels.assign(m.size(), std::uint8_t(Label::water));
    o.target.assign(m.size(), 0);
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t j = 0; j < m.ny; ++j)
            for (std::size_t i = 0; i < m.nx; ++i) {
                const auto x = m.position_m(i, j, k);
                const std::ptrdiff_t n = io::model_node(g, x[0], x[1], x[2] - shift_m, axisymmetric);
                if (n < 0) continue;
                const std::size_t q = i + m.nx * (j + m.ny * k);
                o.labels[q] = g.labels[std::size_t(n)];
                o.target[q] = g.target[std::size_t(n)];
            }
    return o;
}

namespace {

/// Volume (axisymmetric: of the ring) a node stands for, m^3.
double node_volume(const Map3& m, std::size_t i, bool axisymmetric) {
    if (!axisymmetric) return m.spacing_m[0] * m.spacing_m[1] * m.spacing_m[2];
    const double dr = m.spacing_m[0], dz = m.spacing_m[2], r = m.origin_m[0] + double(i) * dr;
    return (r > 0 ? 2 * std::numbers::pi * r * dr : std::numbers::pi * dr * dr / 4) * dz;
}

/// Map value at a position; axisymmetric maps take r = sqrt(x^2 + y^2).
float value_at(const Map3& m, std::array<double, 3> x, bool axisymmetric) {
    if (axisymmetric) x = {std::hypot(x[0], x[1]), 0, x[2]};
    return map_value_at(m, x);
}

TargetDose target_dose(const SettingRun& r, const ModelOnMap& mm, double z_target_m, bool axisymmetric) {
    TargetDose t;
    const Map3& m = r.p_max;
    double volume = 0, sum = 0;
    t.p_minus_Pa = 0;
    const std::size_t kt = std::size_t(std::clamp(std::round((z_target_m - m.origin_m[2]) / m.spacing_m[2]), 0.0,
                                                  double(m.nz - 1)));
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t j = 0; j < m.ny; ++j)
            for (std::size_t i = 0; i < m.nx; ++i) {
                const std::size_t q = i + m.nx * (j + m.ny * k);
                if (!mm.target[q]) continue;
                const double w = node_volume(m, i, axisymmetric);
                volume += w;
                sum += w * r.p_max.values[q];
                t.max_p_plus_Pa = std::max(t.max_p_plus_Pa, double(r.p_max.values[q]));
                t.p_minus_Pa = std::min(t.p_minus_Pa, double(r.p_min.values[q]));
                if (k == kt) t.energy_cross_section_J += r.efd.values[q] * node_volume(m, i, axisymmetric) / m.spacing_m[2];
            }
    if (volume > 0) t.mean_p_plus_Pa = sum / volume;
    t.efd_centre_J_per_m2 = value_at(r.efd, {0, 0, z_target_m}, axisymmetric);
    // -6 dB width of p+ across the beam in the target plane (along x through the axis).
    const double centre = value_at(r.p_max, {0, 0, z_target_m}, axisymmetric);
    const double dx = m.spacing_m[0];
    auto half_distance = [&](double sign) {
        for (double s = dx; s < double(m.nx) * dx; s += dx)
            if (value_at(r.p_max, {sign * s, 0, z_target_m}, axisymmetric) < 0.5 * centre) return s;
        return double(m.nx) * dx;
    };
    t.focal_width_m = axisymmetric ? 2 * half_distance(1) : half_distance(1) + half_distance(-1);
    return t;
}

std::map<std::string, OarDose> oar_dose(const SettingRun& r, const ModelOnMap& mm) {
    const Map3& m = r.p_max;
    std::map<std::string, OarDose> out;
    auto label_at = [&](std::ptrdiff_t i, std::ptrdiff_t j, std::ptrdiff_t k) -> int {
        if (i < 0 || j < 0 || k < 0 || i >= std::ptrdiff_t(m.nx) || j >= std::ptrdiff_t(m.ny) || k >= std::ptrdiff_t(m.nz))
            return -1;
        return mm.labels[std::size_t(i) + m.nx * (std::size_t(j) + m.ny * std::size_t(k))];
    };
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t j = 0; j < m.ny; ++j)
            for (std::size_t i = 0; i < m.nx; ++i) {
                const std::size_t q = i + m.nx * (j + m.ny * k);
                const std::uint8_t l = mm.labels[q];
                const char* organ = nullptr;
                if (is_bone(l)) {
                    bool surface = false;
                    const int d[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
                    for (const auto& o : d) {
                        const int n = label_at(std::ptrdiff_t(i) + o[0], std::ptrdiff_t(j) + o[1], std::ptrdiff_t(k) + o[2]);
                        if (n >= 0 && !is_bone(std::uint8_t(n))) surface = true;
                    }
                    if (surface) organ = "bone_surface";
                } else if (l == std::uint8_t(Label::lung)) {
                    organ = "lung";
                } else if (l == std::uint8_t(Label::air)) {
                    organ = "bowel_gas";
                }
                if (!organ) continue;
                OarDose& o = out[organ];
                ++o.nodes;
                o.max_p_plus_Pa = std::max(o.max_p_plus_Pa, double(r.p_max.values[q]));
                o.min_p_minus_Pa = std::min(o.min_p_minus_Pa, double(r.p_min.values[q]));
                o.max_efd_J_per_m2 = std::max(o.max_efd_J_per_m2, double(r.efd.values[q]));
            }
    return out;
}

/// Linear interpolation in the setting of log(value) (values of one sign); exact at the runs.
double log_interp(double s, double s0, double v0, double s1, double v1) {
    if (s1 == s0) return v0;
    const double t = (s - s0) / (s1 - s0);
    const double sign = v0 < 0 || v1 < 0 ? -1 : 1;
    const double a = std::abs(v0), b = std::abs(v1);
    if (a <= 0 || b <= 0) return v0 + t * (v1 - v0);
    return sign * std::exp(std::log(a) + t * (std::log(b) - std::log(a)));
}

/// The two runs that bracket a setting (or the two nearest ends).
std::pair<const SettingRun*, const SettingRun*> bracket(const std::vector<SettingRun>& runs, double s) {
    if (runs.size() == 1) return {&runs[0], &runs[0]};
    std::size_t hi = 1;
    while (hi + 1 < runs.size() && runs[hi].setting < s) ++hi;
    return {&runs[hi - 1], &runs[hi]};
}

}  // namespace

BeamPath beam_path(const io::ModelFile& model) {
    const io::ModelGrid& g = model.axisymmetric;
    BeamPath p;
    p.target_z_m = model.target_m[2];
    const std::size_t rings = std::min<std::size_t>(g.nx, std::size_t(std::floor(kPathRadius_m / g.dx_m)) + 1);
    // The skin: the node after the last coupling water on the axis before the target.
    std::ptrdiff_t last_water = -1;
    std::size_t k_target = 0;
    for (std::size_t k = 0; k < g.nz; ++k) {
        const double z = g.origin_m[2] + double(k) * g.dx_m;
        if (z > p.target_z_m) break;
        k_target = k;
        if (g.labels[g.nx * k] == std::uint8_t(Label::water)) last_water = std::ptrdiff_t(k);
    }
    require_input(last_water >= 0 && std::size_t(last_water) < k_target,
                  "the model's beam axis has no coupling water before the target (or nothing but water): no skin was "
                  "found on the axis; accepted: a model from lithosim model with its source point outside the body");
    p.skin_z_m = g.origin_m[2] + double(last_water + 1) * g.dx_m;
    for (std::size_t k = std::size_t(last_water + 1); k <= k_target; ++k) {
        const std::uint8_t axis = g.labels[g.nx * k];
        bool lung = false, gas = false;
        for (std::size_t ir = 0; ir < rings; ++ir) {
            const std::size_t n = ir + g.nx * k;
            if (g.target[n]) continue;
            lung = lung || g.labels[n] == std::uint8_t(Label::lung);
            gas = gas || g.labels[n] == std::uint8_t(Label::air);
        }
        if (lung) p.lung_mm += g.dx_m / kMm;
        if (gas) p.gas_mm += g.dx_m / kMm;
        if (is_bone(axis) && !g.target[g.nx * k]) p.bone_mm += g.dx_m / kMm;
    }
    p.depth_mm = (p.target_z_m - p.skin_z_m) / kMm;
    return p;
}

double device_reach_mm(const std::string& device) {
    DoseAtDepthRequest q;
    q.device = device;
    q.target_depth_mm = 1;
    q.dx_mm = 1.0;
    double reach = 0;
    for (const auto& standoff : models::device_standoffs(prepare_dose_at_depth(q).preset)) {
        q.overrides = standoff.overrides;
        const DepthGeometry g = prepare_dose_at_depth(q).geometry;
        reach = std::max(reach, (g.z_focus_m - g.z_front_m) / kMm);
    }
    return reach;
}

PlanDose simulate_plan_dose(const io::ModelFile& model, const PlanDoseRequest& request, std::ostream* log) {
    PlanDose d;
    d.path = beam_path(model);
    DoseAtDepthRequest q;
    q.device = request.device;
    q.target_depth_mm = std::max(d.path.depth_mm, 1.0);
    q.model_path = request.model_path;
    q.three_d = request.full;
    if (request.dx_mm) {
        q.dx_mm = *request.dx_mm;
    } else {
        q.dx_mm = reference_dx_m(request.device) / kMm * (request.full ? 4.0 : 2.0);
    }
    q.setting = std::nullopt;
    // The shallowest-focus coupling of the device whose focus reaches the target (a clinician's choice of standoff).
    for (const auto& standoff : models::device_standoffs(models::device_preset(request.device))) {
        q.overrides = standoff.overrides;
        d.depth = prepare_dose_at_depth(q);
        d.standoff = standoff.name;
        if (d.depth.geometry.focus_at_target) break;
    }
    const DepthGeometry& g = d.depth.geometry;
    if (!g.focus_at_target)
        throw InputError("--device " + request.device + " cannot reach the target " + format_number(d.path.depth_mm) +
                         " mm below the skin: its focus lies " + format_number(std::round((g.z_focus_m - g.z_front_m) / kMm)) +
                         " mm beyond its front; accepted: a device whose focus reaches the depth (lithosim devices)");
    std::vector<double> settings = request.settings;
    if (settings.empty()) settings = {d.depth.setting_min, 0.5 * (d.depth.setting_min + d.depth.setting_max), d.depth.setting_max};
    std::sort(settings.begin(), settings.end());
    const bool axisymmetric = !request.full;
    const double shift_m = g.z_target_m - model.target_m[2];
    std::optional<ModelOnMap> on_map;
    for (double s : settings) {
        const std::string ini = dose_at_depth_case(d.depth, s, true);
        InProcessRun run = run_case_text(ini, "the plan's dose case");
        for (const auto& w : run.warnings)
            if (std::find(d.warnings.begin(), d.warnings.end(), w) == d.warnings.end()) d.warnings.push_back(w);
        if (!run.result.p_max || !run.result.p_min || !run.result.efd)
            throw std::logic_error("the plan's dose run has no p_max, p_min or efd map");
        SettingRun r;
        r.setting = s;
        r.seconds = run.seconds;
        r.p_max = std::move(*run.result.p_max);
        r.p_min = std::move(*run.result.p_min);
        r.efd = std::move(*run.result.efd);
        if (!on_map) on_map = model_on_map(model, r.p_max, axisymmetric, shift_m);
        r.target = target_dose(r, *on_map, g.z_target_m, axisymmetric);
        r.oar = oar_dose(r, *on_map);
        const std::string water_ini = dose_at_depth_case(d.depth, s, false);
        const InProcessRun water = run_case_text(water_ini, "the plan's water case");
        r.water_seconds = water.seconds;
        {
            DosimetryInputs in;
            in.axisymmetric = axisymmetric;
            in.medium_at = [&water](const std::array<double, 3>& x_m) { return medium_at(water.spec.medium, x_m); };
            const FocusGeometry focus =
                focus_geometry(parse_case(water_ini, "the plan's water case", fs::current_path()), water.spec);
            in.focal_plane_z_m = focus.focal_plane_z_m;
            in.search_from_z_m = focus.search_from_z_m;
            std::vector<std::string> ignored;  // the water run's own caveats; the plan reports the patient run's
            r.water_field = dosimetry_json(compute_dosimetry(water.result, in, ignored));
        }
        r.water_p_plus_Pa = value_at(*water.result.p_max, {0, 0, g.z_target_m}, axisymmetric);
        r.water_efd_J_per_m2 = value_at(*water.result.efd, {0, 0, g.z_target_m}, axisymmetric);
        d.total_seconds += r.seconds + r.water_seconds;
        if (log)
            *log << "  dose run  " << d.depth.preset.setting_key << " " << format_number(s) << ": p+ at the target "
                 << format_number(std::round(r.target.max_p_plus_Pa / 1e4) / 100) << " MPa, EFD "
                 << format_number(std::round(r.target.efd_centre_J_per_m2 * 1e4) / 1e7) << " mJ/mm^2 (in water "
                 << format_number(std::round(r.water_efd_J_per_m2 * 1e4) / 1e7) << "; "
                 << format_number(std::round((r.seconds + r.water_seconds) * 10) / 10) << " s)" << std::endl;
        d.runs.push_back(std::move(r));
    }
    return d;
}

planning::ShockAtTarget PlanDose::load(double setting, double motion_sd_m, double lateral_offset_m,
                                       double target_radius_m) const {
    const bool axisymmetric = !depth.request.three_d;
    const double zt = depth.geometry.z_target_m;
    auto at_run = [&](const SettingRun& r) {
        planning::ShockAtTarget l;
        l.focal_width_m = r.target.focal_width_m;
        const double w = l.focal_width_m > 0 ? l.focal_width_m : r.p_max.spacing_m[0];
        const double f = planning::gaussian_motion_factor(w, motion_sd_m, lateral_offset_m, target_radius_m);
        const double f_efd =
            planning::gaussian_motion_factor(w / std::sqrt(2.0), motion_sd_m, lateral_offset_m, target_radius_m);
        l.p_plus_Pa = f * value_at(r.p_max, {0, 0, zt}, axisymmetric);
        l.p_minus_Pa = f * value_at(r.p_min, {0, 0, zt}, axisymmetric);
        l.efd_J_per_m2 = f_efd * value_at(r.efd, {0, 0, zt}, axisymmetric);
        return l;
    };
    const auto [r0, r1] = bracket(runs, setting);
    const planning::ShockAtTarget a = at_run(*r0), b = at_run(*r1);
    planning::ShockAtTarget l;
    l.p_plus_Pa = log_interp(setting, r0->setting, a.p_plus_Pa, r1->setting, b.p_plus_Pa);
    l.p_minus_Pa = log_interp(setting, r0->setting, a.p_minus_Pa, r1->setting, b.p_minus_Pa);
    l.efd_J_per_m2 = log_interp(setting, r0->setting, a.efd_J_per_m2, r1->setting, b.efd_J_per_m2);
    l.focal_width_m = r1->setting == r0->setting
                          ? a.focal_width_m
                          : a.focal_width_m + (setting - r0->setting) / (r1->setting - r0->setting) *
                                                  (b.focal_width_m - a.focal_width_m);
    return l;
}

TargetDose PlanDose::target_at(double setting) const {
    const auto [r0, r1] = bracket(runs, setting);
    const TargetDose &a = r0->target, &b = r1->target;
    TargetDose t;
    const double s0 = r0->setting, s1 = r1->setting;
    t.mean_p_plus_Pa = log_interp(setting, s0, a.mean_p_plus_Pa, s1, b.mean_p_plus_Pa);
    t.max_p_plus_Pa = log_interp(setting, s0, a.max_p_plus_Pa, s1, b.max_p_plus_Pa);
    t.p_minus_Pa = log_interp(setting, s0, a.p_minus_Pa, s1, b.p_minus_Pa);
    t.efd_centre_J_per_m2 = log_interp(setting, s0, a.efd_centre_J_per_m2, s1, b.efd_centre_J_per_m2);
    t.energy_cross_section_J = log_interp(setting, s0, a.energy_cross_section_J, s1, b.energy_cross_section_J);
    t.focal_width_m = s1 == s0 ? a.focal_width_m
                               : a.focal_width_m + (setting - s0) / (s1 - s0) * (b.focal_width_m - a.focal_width_m);
    return t;
}

std::map<std::string, OarDose> PlanDose::oar_at(double setting) const {
    const auto [r0, r1] = bracket(runs, setting);
    std::map<std::string, OarDose> out;
    for (const auto& [name, a] : r0->oar) {
        const auto it = r1->oar.find(name);
        const OarDose b = it == r1->oar.end() ? a : it->second;
        OarDose o;
        o.nodes = a.nodes;
        o.max_p_plus_Pa = log_interp(setting, r0->setting, a.max_p_plus_Pa, r1->setting, b.max_p_plus_Pa);
        o.min_p_minus_Pa = log_interp(setting, r0->setting, a.min_p_minus_Pa, r1->setting, b.min_p_minus_Pa);
        o.max_efd_J_per_m2 = log_interp(setting, r0->setting, a.max_efd_J_per_m2, r1->setting, b.max_efd_J_per_m2);
        out[name] = o;
    }
    return out;
}

double PlanDose::free_field_efd_J_per_m2(double setting) const {
    const auto [r0, r1] = bracket(runs, setting);
    return log_interp(setting, r0->setting, r0->water_efd_J_per_m2, r1->setting, r1->water_efd_J_per_m2);
}

double PlanDose::window_loss_dB(double setting) const {
    const double water = free_field_efd_J_per_m2(setting), patient = target_at(setting).efd_centre_J_per_m2;
    return water > 0 && patient > 0 ? 10 * std::log10(water / patient) : 0.0;
}

}  // namespace lithosim::app
