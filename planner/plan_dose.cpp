#include "planner/plan_dose.hpp"
#include "core/progress.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <ostream>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "dosimetry/dosimetry.hpp"
#include "core/text.hpp"
#include "models/ct_volume.hpp"
#include "models/devices.hpp"
#include "planning/field_metrics.hpp"
#include "planning/schedule.hpp"
#include "core/errors.hpp"

namespace fs = std::filesystem;

namespace lithosim {
namespace {

using models::Label;

constexpr double kMm = 1e-3;
constexpr double kPathRadius_m = 3e-3;   ///< rings checked for lung and gas on the beam path
/// Aim search: a step smaller than this is not worth a run (under 1 % of the EFD for a focal zone 10 mm or more
/// long), and offsets are rounded to kAimQuantum (so the case text holds them exactly).
constexpr double kAimTolerance_m = 0.5e-3, kAimQuantum_m = 0.1e-3;
constexpr int kAimReruns = 2;                  ///< re-runs after the first (issue 13 §5: iterate at most twice)
constexpr double kAimSmoothing_m = 2e-3;       ///< the axial profile's averaging window (planning/aim.hpp, step 1)
constexpr double kAimKeepEfd = 0.99;           ///< a step must keep this share of the target's EFD ...
constexpr double kAimKeepPlus = 0.9;           ///< ... and this share of its p+
constexpr double kAimWarningFraction = 0.8;    ///< warn below this EFD at the target over the maximum on the beam
constexpr double kMinFocusDepth_m = 1e-3;      ///< the focus stays at least this far below the skin
constexpr double kGridTolerancePercent = 5;    ///< the dose grid's free field against the calibration grid's

/// The plan's default dose grid per device (issue 13 §5): the coarsest multiple of the calibration grid
/// (reference_dx_m, models/DEVICES.md) whose free field in water reproduces the calibration grid's p+ and EFD at the
/// focus (IEC 61846 working definitions, dosimetry/dosimetry.hpp) within 5 %, and those calibration-grid values at the
/// device's highest setting for the grid check. Measured 2026-12 (the solver of commit 8957ae9) with
///     lithosim dosimetry --device D --setting S --target-depth-mm Z --dx-mm X --json F   (axisymmetric, water)
/// p+ and EFD at the focus, their error against the calibration grid, the run time (2 cores shared with other jobs):
///
///   device     setting  depth mm  dx mm        p+ MPa          EFD mJ/mm^2       s
///   eswt_head  10       15        0.05 (1x)    44.56           0.2663            17.7
///                                 0.0625       40.00 (-10.2%)  0.2619 (-1.6%)    10.9
///                                 0.075        36.12 (-18.9%)  0.2550 (-4.2%)     5.7
///                                 0.1 (2x)     30.03 (-32.6%)  0.2422 (-9.0%)     3.4
///   hm3        24 kV    68        0.125 (1x)   50.62           0.7596            71.9
///                                 0.15625      47.92 (-5.3%)   0.7405 (-2.5%)    34.8
///                                 0.1875       45.05 (-11.0%)  0.7256 (-4.5%)    22.9
///                                 0.25 (2x)    39.80 (-21.4%)  0.7013 (-7.7%)     8.3
///   hm3        18 kV    68        0.125 (1x)   49.21           0.5978            48.6
///                                 0.15625      44.82 (-8.9%)   0.5755 (-3.7%)    23.1
///                                 0.1875       41.78 (-15.1%)  0.5617 (-6.0%)    13.3
///                                 0.25 (2x)    36.07 (-26.7%)  0.5377 (-10.1%)    5.8
///   em_lens    8        37        0.125 (1x)   38.93           0.3224            13.3
///                                 0.15625      34.33 (-11.8%)  0.3198 (-0.8%)     6.4
///                                 0.1875       29.85 (-23.3%)  0.3049 (-5.5%)     3.3
///                                 0.25 (2x)    22.51 (-42.2%)  0.2630 (-18.4%)    1.9
/// and at 1.25x: eswt_head level 8 -9.4 % / -2.7 %, 5.5 -3.1 % / -0.7 %, 1 -0.2 % / 0.0 %; em_lens level 4.5
/// -19.9 % / -13.0 %, 1 -23.0 % / -18.9 % (p+ / EFD).
///
/// p+ (the shock front, which a coarser grid smooths) needs the calibration grid itself for every device measured:
/// factor 1 (the EFD alone would allow 1.25x). Devices without a row (em_paraboloid, piezo_cap: no protocol uses
/// them) take their calibration grid too. The cost: a run through tissue at 1x takes about 8x one at 2x (4x the
/// cells, 2x the steps); most of it is the pressure update with relaxation absorption (solver/kernels.hpp).
struct DoseGrid {
    const char* device;
    double factor;          ///< dose grid / calibration grid
    double setting;         ///< the highest setting, where the values below were measured
    double depth_mm;        ///< --target-depth-mm of the measurement (the focus on the target)
    double p_plus_MPa, efd_mJ_per_mm2;   ///< at the focus, in water, on the calibration grid
};
constexpr DoseGrid kDoseGrid[] = {
    {"eswt_head", 1.0, 10, 15, 44.56, 0.2663},
    {"hm3", 1.0, 24, 68, 50.62, 0.7596},
    {"em_lens", 1.0, 8, 37, 38.93, 0.3224},
};
constexpr double kFullGridFactor = 4.0;   ///< 3D: a run at the calibration grid is a cluster job (README)

const DoseGrid* dose_grid_row(const std::string& device) {
    for (const auto& r : kDoseGrid)
        if (device == r.device) return &r;
    return nullptr;
}

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
const char* organ_at(const Map3& m, const ModelOnMap& mm, std::size_t i, std::size_t j, std::size_t k);
}  // namespace

std::map<std::string, std::vector<std::uint8_t>> structure_masks(const Map3& m, const ModelOnMap& mm) {
    std::map<std::string, std::vector<std::uint8_t>> out;
    out["target"] = mm.target;
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t j = 0; j < m.ny; ++j)
            for (std::size_t i = 0; i < m.nx; ++i)
                if (const char* organ = organ_at(m, mm, i, j, k)) {
                    auto& mask = out[organ];
                    if (mask.empty()) mask.assign(m.size(), 0);
                    mask[i + m.nx * (j + m.ny * k)] = 1;
                }
    return out;
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

/// The organ at risk a map node belongs to (bone_surface: a bone node next to a non-bone node; lung; bowel_gas: air
/// inside the body), or null.
const char* organ_at(const Map3& m, const ModelOnMap& mm, std::size_t i, std::size_t j, std::size_t k) {
    auto label_at = [&](std::ptrdiff_t a, std::ptrdiff_t b, std::ptrdiff_t c) -> int {
        if (a < 0 || b < 0 || c < 0 || a >= std::ptrdiff_t(m.nx) || b >= std::ptrdiff_t(m.ny) || c >= std::ptrdiff_t(m.nz))
            return -1;
        return mm.labels[std::size_t(a) + m.nx * (std::size_t(b) + m.ny * std::size_t(c))];
    };
    const std::uint8_t l = mm.labels[i + m.nx * (j + m.ny * k)];
    if (is_bone(l)) {
        const int d[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
        for (const auto& o : d) {
            const int n = label_at(std::ptrdiff_t(i) + o[0], std::ptrdiff_t(j) + o[1], std::ptrdiff_t(k) + o[2]);
            if (n >= 0 && !is_bone(std::uint8_t(n))) return "bone_surface";
        }
        return nullptr;
    }
    if (l == std::uint8_t(Label::lung)) return "lung";
    if (l == std::uint8_t(Label::air)) return "bowel_gas";
    return nullptr;
}

std::map<std::string, OarDose> oar_dose(const SettingRun& r, const ModelOnMap& mm) {
    const Map3& m = r.p_max;
    std::map<std::string, OarDose> out;
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t j = 0; j < m.ny; ++j)
            for (std::size_t i = 0; i < m.nx; ++i) {
                const char* organ = organ_at(m, mm, i, j, k);
                if (!organ) continue;
                const std::size_t q = i + m.nx * (j + m.ny * k);
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

double dose_grid_dx_m(const std::string& device, bool full) {
    const double calibration = reference_dx_m(device);
    if (full) return kFullGridFactor * calibration;
    const DoseGrid* row = dose_grid_row(device);
    return (row ? row->factor : 1.0) * calibration;
}

TissueAround tissue_around_target(const io::ModelGrid& g) {
    const std::ptrdiff_t nx = std::ptrdiff_t(g.nx), ny = std::ptrdiff_t(g.ny), nz = std::ptrdiff_t(g.nz);
    double sum[5] = {};
    std::size_t label_count[models::kLabelCount] = {};
    TissueAround t;
    for (std::ptrdiff_t k = 0; k < nz; ++k)
        for (std::ptrdiff_t j = 0; j < ny; ++j)
            for (std::ptrdiff_t i = 0; i < nx; ++i) {
                const std::size_t q = std::size_t(i + nx * (j + ny * k));
                if (g.target[q] || is_bone(g.labels[q])) continue;
                bool near = false;
                for (std::ptrdiff_t c = std::max<std::ptrdiff_t>(k - 2, 0); c <= std::min(k + 2, nz - 1) && !near; ++c)
                    for (std::ptrdiff_t b = std::max<std::ptrdiff_t>(j - 2, 0); b <= std::min(j + 2, ny - 1) && !near;
                         ++b)
                        for (std::ptrdiff_t a = std::max<std::ptrdiff_t>(i - 2, 0); a <= std::min(i + 2, nx - 1); ++a)
                            if (g.target[std::size_t(a + nx * (b + ny * c))]) {
                                near = true;
                                break;
                            }
                if (!near) continue;
                sum[0] += g.rho[q], sum[1] += g.c[q], sum[2] += g.alpha[q], sum[3] += g.alpha_power[q];
                sum[4] += g.BonA[q];
                ++t.nodes;
                if (g.labels[q] < models::kLabelCount) ++label_count[g.labels[q]];
            }
    if (t.nodes == 0) return t;
    const double n = double(t.nodes);
    t.rho_kg_per_m3 = sum[0] / n, t.c_m_per_s = sum[1] / n, t.alpha_dB_per_cm_MHz = sum[2] / n;
    t.alpha_power = sum[3] / n, t.BonA = sum[4] / n;
    t.label = std::uint8_t(std::max_element(label_count, label_count + models::kLabelCount) - label_count);
    return t;
}

void fill_target_with_surroundings(io::ModelGrid& g) {
    const TissueAround t = tissue_around_target(g);
    if (t.nodes == 0) return;
    for (std::size_t q = 0; q < g.size(); ++q) {
        if (!g.target[q]) continue;
        g.rho[q] = float(t.rho_kg_per_m3), g.c[q] = float(t.c_m_per_s), g.alpha[q] = float(t.alpha_dB_per_cm_MHz);
        g.alpha_power[q] = float(t.alpha_power), g.BonA[q] = float(t.BonA);
        g.labels[q] = t.label;
    }
}

namespace {

void add_warning(std::vector<std::string>& warnings, const std::string& w) {
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
}

/// A percentage to 0.1 (no "-0").
std::string percent_text(double p) {
    const double r = std::round(p * 10) / 10;
    return format_number(r == 0 ? 0.0 : r);
}

std::string mm_str(double m, int decimals = 1) {
    const double f = std::pow(10.0, decimals);
    return format_number(std::round(m / kMm * f) / f);
}

/// The device placed with its focus offset_m beyond the target, through the shallowest-focus coupling that reaches
/// (a clinician's choice of standoff); the deepest one (focus_at_target false) when none does.
struct Placement {
    DoseAtDepth depth;
    std::string standoff;
};
Placement place(DoseAtDepthRequest q, double offset_m) {
    q.focus_offset_mm = offset_m / kMm;
    Placement p;
    for (const auto& standoff : models::device_standoffs(models::device_preset(q.device))) {
        q.overrides = standoff.overrides;
        p.depth = prepare_dose_at_depth(q);
        p.standoff = standoff.name;
        if (p.depth.geometry.focus_at_target) break;
    }
    return p;
}

/// EFD and p+ along the beam axis of a run's maps (the column nearest x = y = 0).
planning::AxialProfile axial_profile(const SettingRun& r) {
    planning::AxialProfile a;
    const Map3& m = r.efd;
    const auto idx = [&](int axis) {
        const std::size_t n = axis == 0 ? m.nx : m.ny;
        if (n < 2 || !(m.spacing_m[axis] > 0)) return std::size_t(0);
        return std::size_t(std::clamp(std::round(-m.origin_m[axis] / m.spacing_m[axis]), 0.0, double(n - 1)));
    };
    const std::size_t i = idx(0), j = idx(1);
    for (std::size_t k = 0; k < m.nz; ++k) {
        a.z_m.push_back(m.origin_m[2] + double(k) * m.spacing_m[2]);
        a.efd_J_per_m2.push_back(r.efd.at(i, j, k));
        a.p_plus_Pa.push_back(r.p_max.at(i, j, k));
    }
    return a;
}

/// The target on the axis of a run: its centroid (the model's target point) and its extent in z (its nodes).
planning::AimTarget aim_target(const ModelOnMap& on, const Map3& m, double z_target_m) {
    planning::AimTarget t{z_target_m, z_target_m, z_target_m};
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t q = m.nx * m.ny * k; q < m.nx * m.ny * (k + 1); ++q)
            if (on.target[q]) {
                const double z = m.origin_m[2] + double(k) * m.spacing_m[2];
                t.near_z_m = std::min(t.near_z_m, z);
                t.far_z_m = std::max(t.far_z_m, z);
                break;
            }
    return t;
}

/// Positive-phase duration of p(t) at the axis node nearest z (the axis series every run stores), s; 0 if none.
double positive_phase_at(const SimulationResult& result, double z_m) {
    if (!result.axis || result.axis->position_m.empty()) return 0;
    const SensorRecord& a = *result.axis;
    std::size_t best = 0;
    for (std::size_t k = 1; k < a.position_m.size(); ++k)
        if (std::abs(a.position_m[k][2] - z_m) < std::abs(a.position_m[best][2] - z_m)) best = k;
    return planning::positive_phase_duration_s(a.t_s, a.p_Pa[best]).value_or(0.0);
}

/// One run through the incident model at a placement: maps, target and OAR dose, axis profile, positive phase.
struct PatientRun {
    SettingRun run;
    planning::AimTarget target;
};
/// The work of one run for the progress line, in cell updates: the grid's cells (PML included) times its steps,
/// from the placement (the same rule as the generated case: dt = 0.3 dx / c_max with water's 1500 m/s as the
/// scale; only ratios between runs matter).
double run_work(const DepthGeometry& g, double dx_m, bool three_d) {
    constexpr double kPmlCells = 2 * 22;
    const double nr = g.size_r_m / dx_m + kPmlCells, nz = g.size_z_m / dx_m + kPmlCells;
    const double cells = three_d ? 4 * nr * nr * nz : nr * nz;
    return cells * g.t_end_s / (0.3 * dx_m / 1500.0);
}
double run_work(const DoseAtDepth& d) { return run_work(d.geometry, d.geometry.dx_m, d.request.three_d); }

PatientRun patient_run(const io::ModelFile& model, const DoseAtDepth& depth, double setting,
                       std::vector<std::string>& warnings, CommandProgress* progress) {
    const bool axisymmetric = !depth.request.three_d;
    const DepthGeometry& g = depth.geometry;
    InProcessRun run = run_case(dose_at_depth_case(depth, setting, true), progress, run_work(depth),
                                depth.request.on_step);
    for (const auto& w : run.warnings) add_warning(warnings, w);
    if (!run.result.p_max || !run.result.p_min || !run.result.efd)
        throw std::logic_error("the plan's dose run has no p_max, p_min or efd map");
    PatientRun out;
    SettingRun& r = out.run;
    r.setting = setting;
    r.seconds = run.seconds;
    r.p_max = std::move(*run.result.p_max);
    r.p_min = std::move(*run.result.p_min);
    r.efd = std::move(*run.result.efd);
    const ModelOnMap on = model_on_map(model, r.p_max, axisymmetric, g.z_target_m - model.target_m[2]);
    r.target = target_dose(r, on, g.z_target_m, axisymmetric);
    r.target.positive_phase_s = positive_phase_at(run.result, g.z_target_m);
    r.oar = oar_dose(r, on);
    r.axis = axial_profile(r);
    out.target = aim_target(on, r.p_max, g.z_target_m);
    return out;
}

/// The IEC 61846 field parameters of a water run (dosimetry_json keys).
nlohmann::json water_field(const InProcessRun& water) {
    std::vector<std::string> ignored;  // the water run's own caveats; the plan reports the patient run's
    return dosimetry_json(case_dosimetry(water.prepared, water.result, ignored));
}

/// The same setting and placement in water: the device's free field.
void add_water_run(SettingRun& r, const DoseAtDepth& depth, CommandProgress* progress) {
    const bool axisymmetric = !depth.request.three_d;
    const InProcessRun water = run_case(dose_at_depth_case(depth, r.setting, false), progress, run_work(depth),
                                        depth.request.on_step);
    r.water_seconds = water.seconds;
    r.water_field = water_field(water);
    r.water_p_plus_Pa = value_at(*water.result.p_max, {0, 0, depth.geometry.z_target_m}, axisymmetric);
    r.water_efd_J_per_m2 = value_at(*water.result.efd, {0, 0, depth.geometry.z_target_m}, axisymmetric);
}

void log_run(std::ostream* log, const DoseAtDepth& depth, const SettingRun& r) {
    if (!log) return;
    *log << "  dose run  " << depth.preset.setting_key << " " << format_number(r.setting) << ": p+ at the target "
         << format_number(std::round(r.target.max_p_plus_Pa / 1e4) / 100) << " MPa, EFD "
         << format_number(std::round(r.target.efd_centre_J_per_m2 * 1e4) / 1e7) << " mJ/mm^2 (in water "
         << format_number(std::round(r.water_efd_J_per_m2 * 1e4) / 1e7) << "), positive phase "
         << format_number(std::round(r.target.positive_phase_s * 1e9)) << " ns; "
         << format_number(std::round((r.seconds + r.water_seconds) * 10) / 10) << " s" << std::endl;
}

/// Simulates one setting at the plan's placement (through the model, then in water).
SettingRun simulate_setting(const io::ModelFile& model, const DoseAtDepth& depth, double setting,
                            std::vector<std::string>& warnings, std::ostream* log, CommandProgress* progress) {
    SettingRun r = patient_run(model, depth, setting, warnings, progress).run;
    add_water_run(r, depth, progress);
    log_run(log, depth, r);
    return r;
}

double round_offset(double offset_m, const planning::OffsetRange& range) {
    return std::clamp(std::round(offset_m / kAimQuantum_m) * kAimQuantum_m, range.min_m, range.max_m);
}

/// The aim search (top of plan_dose.hpp). Returns the offset; fills the report's search part; a run at the dose
/// grid and the chosen offset is handed back in `reusable`.
///   A step is kept when the EFD at the target centroid over the maximum on the beam improved, the EFD at the target
/// itself did not fall (by more than 1 %) and p+ there fell by 10 % at most: a fraction won by a lower maximum (the
/// energy spread along the beam) is not a better aim, nor one that moves the pressure focus off the target for a
/// few % of EFD (the shoulder phantom at +7.3 mm: EFD +4 %, p+ -22 %, the focus in the humeral head). A step that is
/// not kept is tried once at half its length (backtracking).
double search_offset(const io::ModelFile& model, const DoseAtDepthRequest& base, double aim_dx_m, double dose_dx_m,
                     const planning::OffsetRange& range, AimReport& aim, std::optional<SettingRun>& reusable,
                     double& seconds, std::vector<std::string>& warnings, std::ostream* log,
                     CommandProgress* progress) {
    DoseAtDepthRequest q = base;
    q.dx_mm = aim_dx_m / kMm;
    q.three_d = false;  // the axisymmetric form also for a full plan: 3D and it differ by < 1 % in EFD (README)
    struct Tried {
        double offset_m;
        PatientRun run;
        planning::AimAssessment a;
        double skin_z_m;
    };
    auto run_at = [&](double offset_m) {
        const Placement p = place(q, offset_m);
        Tried t{offset_m, patient_run(model, p.depth, p.depth.setting_max, warnings, progress), {},
                p.depth.geometry.z_skin_m};
        t.a = planning::assess_aim(t.run.run.axis, t.skin_z_m, t.run.target, kAimSmoothing_m);
        seconds += t.run.run.seconds;
        AimRun r;
        r.focus_offset_m = offset_m;
        r.dx_m = aim_dx_m;
        r.efd_max_z_m = t.a.efd_max_z_m;
        r.efd_max_to_target_m = t.a.efd_max_to_target_m;
        r.target_efd_fraction_of_max = t.a.target_efd_fraction_of_max;
        r.efd_target_J_per_m2 = t.a.efd_target_J_per_m2;
        r.p_plus_target_Pa = t.a.p_plus_target_Pa;
        r.seconds = t.run.run.seconds;
        aim.runs.push_back(r);
        if (log)
            *log << "  aim run   focus offset " << mm_str(offset_m) << " mm (dx " << mm_str(aim_dx_m, 4)
                 << " mm): EFD maximum " << mm_str(std::abs(t.a.efd_max_to_target_m)) << " mm "
                 << (t.a.efd_max_to_target_m >= 0 ? "short of" : "beyond") << " the target centroid, the target at "
                 << format_number(std::round(t.a.target_efd_fraction_of_max * 1000) / 10) << " % of it (EFD "
                 << format_number(std::round(t.a.efd_target_J_per_m2 * 1e4) / 1e7) << " mJ/mm^2, p+ "
                 << format_number(std::round(r.p_plus_target_Pa / 1e5) / 10) << " MPa); "
                 << format_number(std::round(t.run.run.seconds * 10) / 10) << " s" << std::endl;
        return t;
    };
    Tried best = run_at(0.0);
    aim.runs.back().accepted = true;
    aim.initial_efd_max_to_target_m = best.a.efd_max_to_target_m;
    aim.initial_target_efd_fraction_of_max = best.a.target_efd_fraction_of_max;
    aim.initial_p_plus_target_Pa = best.a.p_plus_target_Pa;
    aim.initial_efd_target_J_per_m2 = best.a.efd_target_J_per_m2;
    double scale = 1;
    for (int reruns = 0; reruns < kAimReruns;) {
        const planning::AimStep step = planning::aim_focus(best.run.run.axis, best.skin_z_m, best.run.target,
                                                           best.offset_m, range, kAimSmoothing_m);
        aim.clamped = step.clamped;
        const double next = round_offset(best.offset_m + scale * (step.focus_offset_m - best.offset_m), range);
        if (std::abs(next - best.offset_m) < kAimTolerance_m) break;
        Tried t = run_at(next);
        ++reruns;
        const bool better = t.a.target_efd_fraction_of_max > best.a.target_efd_fraction_of_max &&
                            t.a.efd_target_J_per_m2 >= kAimKeepEfd * best.a.efd_target_J_per_m2 &&
                            t.a.p_plus_target_Pa >= kAimKeepPlus * best.a.p_plus_target_Pa;
        if (better) {
            aim.runs.back().accepted = true;
            best = std::move(t);
            scale = 1;
        } else if (scale == 1) {
            scale = 0.5;
        } else {
            break;
        }
    }
    // The rule's assumption checked: how far the maximum moved with the device between the runs furthest apart.
    const auto [lo, hi] = std::minmax_element(aim.runs.begin(), aim.runs.end(), [](const AimRun& a, const AimRun& b) {
        return a.focus_offset_m < b.focus_offset_m;
    });
    aim.offset_searched_m = hi->focus_offset_m - lo->focus_offset_m;
    if (hi->focus_offset_m - lo->focus_offset_m >= kAimTolerance_m)
        aim.max_follows_device = (lo->efd_max_to_target_m - hi->efd_max_to_target_m) /
                                 (hi->focus_offset_m - lo->focus_offset_m);
    if (!base.three_d && std::abs(aim_dx_m - dose_dx_m) <= 1e-12) reusable = std::move(best.run.run);
    return best.offset_m;
}

/// The calibration grid's p+ and EFD at the focus in water at the top run's setting: kDoseGrid's measurement, the
/// run itself when it is on the calibration grid, else one water run on the calibration grid.
GridCheck grid_check(const PlanDose& d, const SettingRun& top, double& seconds, CommandProgress* progress) {
    GridCheck c;
    c.checked = true;
    const std::string& device = d.depth.preset.name;
    c.setting = top.setting;
    c.dx_mm = d.depth.geometry.dx_m / kMm;
    c.calibration_dx_mm = reference_dx_m(device) / kMm;
    c.p_plus_MPa = top.water_field.value("p_plus_MPa", 0.0);
    c.efd_mJ_per_mm2 = top.water_field.value("efd_focus_mJ_per_mm2", 0.0);
    const DoseGrid* row = dose_grid_row(device);
    const std::string unit = d.depth.setting_unit == "kV" ? " kV" : "";
    const std::string level = d.depth.setting_unit == "kV" ? "" : "level ";
    if (row && std::abs(row->setting - top.setting) < 1e-9) {
        c.calibration_p_plus_MPa = row->p_plus_MPa;
        c.calibration_efd_mJ_per_mm2 = row->efd_mJ_per_mm2;
        c.reference = "measured at " + level + format_number(row->setting) + unit + ", " +
                      format_number(row->depth_mm) + " mm depth, axisymmetric, in water (kDoseGrid, planner/plan_dose.cpp)";
    } else if (std::abs(c.dx_mm - c.calibration_dx_mm) < 1e-9 && !d.depth.request.three_d) {
        c.calibration_p_plus_MPa = c.p_plus_MPa;
        c.calibration_efd_mJ_per_mm2 = c.efd_mJ_per_mm2;
        c.reference = "the dose grid is the calibration grid";
    } else {
        DoseAtDepthRequest q = d.depth.request;
        q.dx_mm = c.calibration_dx_mm;
        q.three_d = false;
        const DoseAtDepth cal = prepare_dose_at_depth(q);
        if (progress) progress->expect(run_work(cal));
        const InProcessRun water = run_case(dose_at_depth_case(cal, top.setting, false), progress, run_work(cal),
                                            cal.request.on_step);
        seconds += water.seconds;
        const nlohmann::json f = water_field(water);
        c.calibration_p_plus_MPa = f.value("p_plus_MPa", 0.0);
        c.calibration_efd_mJ_per_mm2 = f.value("efd_focus_mJ_per_mm2", 0.0);
        c.reference = "a water run at the calibration grid (axisymmetric)";
    }
    auto error = [](double v, double ref) { return ref > 0 ? 100 * (v / ref - 1) : 0.0; };
    c.p_plus_error_percent = error(c.p_plus_MPa, c.calibration_p_plus_MPa);
    c.efd_error_percent = error(c.efd_mJ_per_mm2, c.calibration_efd_mJ_per_mm2);
    if (std::abs(c.p_plus_error_percent) > kGridTolerancePercent ||
        std::abs(c.efd_error_percent) > kGridTolerancePercent)
        c.warning = "the dose grid (dx " + format_number(c.dx_mm) + " mm) gives the " + device + " in water at " +
                    level + format_number(c.setting) + unit + " p+ " +
                    format_number(std::round(c.p_plus_MPa * 10) / 10) + " MPa and EFD " + format_number(std::round(c.efd_mJ_per_mm2 * 1e4) / 1e4) +
                    " mJ/mm^2 at the focus, " + percent_text(c.p_plus_error_percent) + " % and " +
                    percent_text(c.efd_error_percent) + " % from its calibration grid (dx " +
                    format_number(c.calibration_dx_mm) + " mm; more than " + format_number(kGridTolerancePercent) +
                    " %): the dose at the target is off by about as much";
    return c;
}

}  // namespace

PlanDose simulate_plan_dose(const io::ModelFile& model, const PlanDoseRequest& request, std::ostream* log) {
    PlanDose d;
    d.path = beam_path(model);
    DoseAtDepthRequest q;
    q.device = request.device;
    q.target_depth_mm = std::max(d.path.depth_mm, 1.0);
    q.model = request.model;
    q.model_name = request.model_name;
    q.on_step = request.on_step;
    q.three_d = request.full;
    q.dx_mm = request.dx_mm ? *request.dx_mm : dose_grid_dx_m(request.device, request.full) / kMm;
    q.setting = std::nullopt;
    const double dose_dx_m = *q.dx_mm * kMm;

    // The device's reach around the target: the focus at least kMinFocusDepth below the skin, at most as deep as its
    // deepest coupling puts it.
    const double depth_m = q.target_depth_mm * kMm;
    const double reach_m = device_reach_mm(request.device) * kMm;
    d.aim.offset_min_m = std::min(0.0, kMinFocusDepth_m - depth_m);
    d.aim.offset_max_m = std::max(0.0, reach_m - depth_m);
    const planning::OffsetRange range{d.aim.offset_min_m, d.aim.offset_max_m};
    double dose_work = 0, aim_work = 0;
    {
        const Placement at_target = place(q, 0.0);
        dose_work = run_work(at_target.depth);
        const double aim_dx_m =
            request.aim_dx_mm ? *request.aim_dx_mm * kMm : std::max(dose_dx_m, 2 * reference_dx_m(request.device));
        aim_work = run_work(at_target.depth.geometry, aim_dx_m, false);
        const DepthGeometry& g = at_target.depth.geometry;
        if (!g.focus_at_target)
            throw InputError("device", "device " + request.device + " cannot reach the target " +
                             format_number(d.path.depth_mm) + " mm below the skin: its focus lies " +
                             format_number(std::round((g.z_focus_m - g.z_front_m) / kMm)) +
                             " mm beyond its front; accepted: a device whose focus reaches the depth "
                             "(lithosim devices)");
    }

    // The progress line's stage: the aim runs (up to 1 + kAimReruns, highest setting, aim grid) and two runs per
    // setting (through the model, in water) on the dose grid; the grid check adds its run when it makes one.
    const std::size_t n_settings = request.settings.empty() ? 3 : request.settings.size();
    if (request.progress) {
        double expected = 2.0 * double(n_settings) * dose_work;
        if (!request.focus_offset_mm && request.aim) expected += (1 + kAimReruns) * aim_work;
        request.progress->stage("dose runs", expected);
    }

    // Aim.
    std::optional<SettingRun> reusable;
    double offset_m = 0;
    if (request.focus_offset_mm) {
        offset_m = *request.focus_offset_mm * kMm;
        require_input(offset_m >= range.min_m - 1e-12 && offset_m <= range.max_m + 1e-12, "focus offset ",
                      *request.focus_offset_mm, " mm is beyond the ", request.device, "'s reach around this target; "
                      "accepted: ", range.min_m / kMm, " to ", range.max_m / kMm, " mm");
    } else if (request.aim) {
        const double aim_dx_m =
            request.aim_dx_mm ? *request.aim_dx_mm * kMm : std::max(dose_dx_m, 2 * reference_dx_m(request.device));
        d.aim.searched = true;
        offset_m =
            search_offset(model, q, aim_dx_m, dose_dx_m, range, d.aim, reusable, d.total_seconds, d.warnings, log,
                          request.progress);
    }
    if (request.progress && d.aim.searched) {
        // the aim runs not made, and the highest setting's run the search leaves for reuse
        request.progress->expect(-double(1 + kAimReruns - int(d.aim.runs.size())) * aim_work);
        if (reusable) request.progress->expect(-dose_work);
    }
    const Placement placed = place(q, offset_m);
    d.depth = placed.depth;
    d.standoff = placed.standoff;
    d.aim.focus_offset_m = offset_m;

    // The settings at the chosen placement.
    std::vector<double> settings = request.settings;
    if (settings.empty())
        settings = {d.depth.setting_min, 0.5 * (d.depth.setting_min + d.depth.setting_max), d.depth.setting_max};
    std::sort(settings.begin(), settings.end());
    const auto same = [](double a, double b) { return std::abs(a - b) <= 1e-9; };
    settings.erase(std::unique(settings.begin(), settings.end(), same), settings.end());
    for (double s : settings) {
        SettingRun r;
        if (reusable && std::abs(reusable->setting - s) <= 1e-9) {
            r = std::move(*reusable);  // the aim search's run at this placement and grid
            reusable.reset();
            add_water_run(r, d.depth, request.progress);
            d.total_seconds += r.water_seconds;
            log_run(log, d.depth, r);
        } else {
            r = simulate_setting(model, d.depth, s, d.warnings, log, request.progress);
            d.total_seconds += r.seconds + r.water_seconds;
        }
        d.runs.push_back(std::move(r));
    }

    // The aim as the highest simulated setting sees it.
    const SettingRun& top = d.runs.back();
    {
        const bool axisymmetric = !request.full;
        const DepthGeometry& g = d.depth.geometry;
        const ModelOnMap on = model_on_map(model, top.p_max, axisymmetric, g.z_target_m - model.target_m[2]);
        const planning::AimAssessment a =
            planning::assess_aim(top.axis, g.z_skin_m, aim_target(on, top.p_max, g.z_target_m), kAimSmoothing_m);
        d.aim.efd_max_to_target_m = a.efd_max_to_target_m;
        d.aim.target_efd_fraction_of_max = a.target_efd_fraction_of_max;
        d.aim.near_end_efd_fraction_of_max = a.near_end_efd_fraction_of_max;
        d.aim.far_end_efd_fraction_of_max = a.far_end_efd_fraction_of_max;
        if (!d.aim.searched) {
            d.aim.initial_efd_max_to_target_m = offset_m == 0 ? a.efd_max_to_target_m : 0;
            d.aim.initial_target_efd_fraction_of_max = offset_m == 0 ? a.target_efd_fraction_of_max : 0;
        }
        if (a.target_efd_fraction_of_max < kAimWarningFraction) {
            std::string w = "the target receives " + format_number(std::round(a.target_efd_fraction_of_max * 100)) +
                            " % of the maximum EFD on the beam: the maximum lies " +
                            mm_str(std::abs(a.efd_max_to_target_m)) + " mm " +
                            (a.efd_max_to_target_m >= 0 ? "short of" : "beyond") +
                            " the target centroid (focus offset " + mm_str(offset_m) + " mm";
            if (!d.aim.searched) w += ", not searched";
            else if (d.aim.max_follows_device && *d.aim.max_follows_device < 0.5)
                w += "; moving the focus by up to " + mm_str(d.aim.offset_searched_m) +
                     " mm moved the maximum by " + format_number(std::round(*d.aim.max_follows_device * 100)) +
                     " % of that: it is held by the tissue on the path, not by the device";
            else if (d.aim.clamped) w += ", the most the " + request.device + " reaches";
            w += ")";
            d.aim.warnings.push_back(w);
            add_warning(d.warnings, w);
        }
    }

    if (request.check_grid) {
        d.grid_check = grid_check(d, top, d.total_seconds, request.progress);
        if (d.grid_check.warning) add_warning(d.warnings, *d.grid_check.warning);
    } else {
        d.grid_check.dx_mm = d.depth.geometry.dx_m / kMm;
        d.grid_check.calibration_dx_mm = reference_dx_m(request.device) / kMm;
        d.grid_check.setting = top.setting;
        d.grid_check.reference = "not checked";
    }
    d.surrounding_impedance_Pa_s_per_m =
        tissue_around_target(request.full ? model.grid : model.axisymmetric).impedance_Pa_s_per_m();
    if (log)
        *log << "  aim       focus " << mm_str(offset_m) << " mm beyond the target centroid; EFD maximum "
             << mm_str(std::abs(d.aim.efd_max_to_target_m)) << " mm "
             << (d.aim.efd_max_to_target_m >= 0 ? "short of" : "beyond") << " it; the target at "
             << percent_text(100 * d.aim.target_efd_fraction_of_max) << " % of the maximum"
             << (d.aim.searched ? " (" + percent_text(100 * d.aim.initial_target_efd_fraction_of_max) +
                                      " % with the focus on it)"
                                : std::string())
             << std::endl;
    if (log && d.grid_check.checked)
        *log << "  grid      dx " << format_number(d.grid_check.dx_mm) << " mm: p+ "
             << percent_text(d.grid_check.p_plus_error_percent) << " %, EFD "
             << percent_text(d.grid_check.efd_error_percent)
             << " % at the focus in water against the calibration grid" << std::endl;
    return d;
}

void PlanDose::ensure_setting(const io::ModelFile& model, double setting, std::ostream* log) {
    for (const auto& r : runs)
        if (std::abs(r.setting - setting) <= 1e-9) return;
    require_input(setting >= depth.setting_min - 1e-9 && setting <= depth.setting_max + 1e-9, "setting ", setting,
                  " is outside the ", depth.preset.name, "'s range ", depth.setting_min, " to ", depth.setting_max);
    SettingRun r = simulate_setting(model, depth, setting, warnings, log, nullptr);
    total_seconds += r.seconds + r.water_seconds;
    const auto at = std::find_if(runs.begin(), runs.end(), [&](const SettingRun& x) { return x.setting > setting; });
    runs.insert(at, std::move(r));
}

nlohmann::json aim_json(const AimReport& a) {
    using nlohmann::json;
    auto mm = [](double m) { return std::round(m / kMm * 100) / 100; };
    auto frac = [](double f) { return std::round(f * 1000) / 1000; };
    json runs = json::array();
    for (const auto& r : a.runs)
        runs.push_back({{"focus_offset_mm", mm(r.focus_offset_m)},
                        {"dx_mm", r.dx_m / kMm},
                        {"efd_max_to_target_mm", mm(r.efd_max_to_target_m)},
                        {"target_efd_fraction_of_max", frac(r.target_efd_fraction_of_max)},
                        {"efd_target_mJ_per_mm2", std::round(r.efd_target_J_per_m2 * 1e2) / 1e5},
                        {"p_plus_target_MPa", std::round(r.p_plus_target_Pa / 1e4) / 1e2},
                        {"accepted", r.accepted},
                        {"seconds", std::round(r.seconds * 10) / 10}});
    return {{"focus_offset_mm", mm(a.focus_offset_m)},
            {"efd_max_to_target_mm", mm(a.efd_max_to_target_m)},
            {"target_efd_fraction_of_max", frac(a.target_efd_fraction_of_max)},
            {"target_ends_efd_fraction_of_max", json::array({frac(a.near_end_efd_fraction_of_max),
                                                             frac(a.far_end_efd_fraction_of_max)})},
            {"searched", a.searched},
            {"initial_efd_max_to_target_mm", mm(a.initial_efd_max_to_target_m)},
            {"initial_target_efd_fraction_of_max", frac(a.initial_target_efd_fraction_of_max)},
            {"initial_efd_target_mJ_per_mm2", std::round(a.initial_efd_target_J_per_m2 * 1e2) / 1e5},
            {"initial_p_plus_target_MPa", std::round(a.initial_p_plus_target_Pa / 1e4) / 1e2},
            {"offset_range_mm", json::array({mm(a.offset_min_m), mm(a.offset_max_m)})},
            {"clamped", a.clamped},
            {"max_follows_device", a.max_follows_device ? json(std::round(*a.max_follows_device * 100) / 100) : json()},
            {"runs", runs},
            {"warnings", a.warnings}};
}

nlohmann::json grid_check_json(const GridCheck& c) {
    auto r1 = [](double x) {
        const double r = std::round(x * 10) / 10;
        return r == 0 ? 0.0 : r;
    };
    return {{"dx_mm", c.dx_mm},
            {"calibration_dx_mm", c.calibration_dx_mm},
            {"p_plus_error_percent", r1(c.p_plus_error_percent)},
            {"efd_error_percent", r1(c.efd_error_percent)},
            {"setting", c.setting},
            {"p_plus_MPa", std::round(c.p_plus_MPa * 100) / 100},
            {"efd_mJ_per_mm2", std::round(c.efd_mJ_per_mm2 * 1e4) / 1e4},
            {"calibration_p_plus_MPa", c.calibration_p_plus_MPa},
            {"calibration_efd_mJ_per_mm2", c.calibration_efd_mJ_per_mm2},
            {"reference", c.reference},
            {"checked", c.checked},
            {"within_tolerance", c.checked ? nlohmann::json(!c.warning.has_value()) : nlohmann::json()}};
}

planning::DoseTable PlanDose::dose_table(double motion_sd_m, double target_radius_m, double p_plus_relative_sd) const {
    const bool axisymmetric = !depth.request.three_d;
    const double zt = depth.geometry.z_target_m;
    planning::DoseTable t;
    t.setting_min = depth.setting_min;
    t.setting_max = depth.setting_max;
    t.setting_step = depth.setting_unit == "level" ? 1.0 : 0.0;
    t.motion_sd_m = motion_sd_m;
    t.target_radius_m = target_radius_m;
    t.p_plus_relative_sd = p_plus_relative_sd;
    for (const SettingRun& r : runs) {
        planning::DoseTableRow row;
        row.setting = r.setting;
        row.p_plus_Pa = value_at(r.p_max, {0, 0, zt}, axisymmetric);
        row.p_minus_Pa = value_at(r.p_min, {0, 0, zt}, axisymmetric);
        row.efd_J_per_m2 = value_at(r.efd, {0, 0, zt}, axisymmetric);
        row.focal_width_m = r.target.focal_width_m;
        row.positive_phase_s = r.target.positive_phase_s;
        row.free_field_efd_J_per_m2 = r.water_efd_J_per_m2;
        for (const auto& [name, o] : r.oar)
            row.oar[name] = planning::OrganDose{o.max_p_plus_Pa, o.min_p_minus_Pa, o.max_efd_J_per_m2};
        if (t.fallback_width_m == 0) t.fallback_width_m = r.p_max.spacing_m[0];
        t.rows.push_back(std::move(row));
    }
    return t;
}

planning::ShockAtTarget PlanDose::load(double setting, double motion_sd_m, double lateral_offset_m,
                                       double target_radius_m) const {
    planning::ShockAtTarget l =
        planning::load_from_table(dose_table(motion_sd_m, target_radius_m, 0.0), setting, lateral_offset_m);
    l.p_plus_relative_sd = 0;
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
    const double f = s1 == s0 ? 0.0 : (setting - s0) / (s1 - s0);
    t.focal_width_m = a.focal_width_m + f * (b.focal_width_m - a.focal_width_m);
    t.positive_phase_s = a.positive_phase_s + f * (b.positive_phase_s - a.positive_phase_s);
    return t;
}

double PlanDose::free_field_efd_J_per_m2(double setting) const {
    const auto [r0, r1] = bracket(runs, setting);
    return log_interp(setting, r0->setting, r0->water_efd_J_per_m2, r1->setting, r1->water_efd_J_per_m2);
}

double PlanDose::window_loss_dB(double setting) const {
    const double water = free_field_efd_J_per_m2(setting), patient = target_at(setting).efd_centre_J_per_m2;
    return water > 0 && patient > 0 ? 10 * std::log10(water / patient) : 0.0;
}

}  // namespace lithosim
