#include "models/beam_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/errors.hpp"

namespace lithosim::models {
namespace {

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
Vec3 add(const Vec3& a, const Vec3& b, double s = 1) { return {a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]}; }
double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }

std::string point_text(const Vec3& p) { return fmt(p[0], ",", p[1], ",", p[2]); }

/// Nearest CT voxel of a patient position, or -1 outside the volume.
std::ptrdiff_t nearest_voxel(const HuVolume& ct, const Vec3& p_mm) {
    const Vec3 f = ct.index_of(p_mm);
    const double i = std::round(f[0]), j = std::round(f[1]), k = std::round(f[2]);
    if (i < 0 || j < 0 || k < 0 || i >= double(ct.nx) || j >= double(ct.ny) || k >= double(ct.nz)) return -1;
    return std::ptrdiff_t(ct.index(std::size_t(i), std::size_t(j), std::size_t(k)));
}

/// Trilinear HU at a patient position; `outside` beyond the volume (half a voxel of clamping at the faces).
float trilinear_hu(const HuVolume& ct, const Vec3& p_mm, float outside) {
    const Vec3 f = ct.index_of(p_mm);
    const std::size_t n[3] = {ct.nx, ct.ny, ct.nz};
    double g[3];
    for (int a = 0; a < 3; ++a) {
        if (f[a] < -0.5 || f[a] > double(n[a]) - 0.5) return outside;
        g[a] = std::clamp(f[a], 0.0, double(n[a] - 1));
    }
    const std::size_t i0 = std::min<std::size_t>(std::size_t(g[0]), ct.nx > 1 ? ct.nx - 2 : 0);
    const std::size_t j0 = std::min<std::size_t>(std::size_t(g[1]), ct.ny > 1 ? ct.ny - 2 : 0);
    const std::size_t k0 = std::min<std::size_t>(std::size_t(g[2]), ct.nz > 1 ? ct.nz - 2 : 0);
    const double u = ct.nx > 1 ? g[0] - double(i0) : 0, v = ct.ny > 1 ? g[1] - double(j0) : 0,
                 w = ct.nz > 1 ? g[2] - double(k0) : 0;
    const std::size_t i1 = std::min(i0 + 1, ct.nx - 1), j1 = std::min(j0 + 1, ct.ny - 1), k1 = std::min(k0 + 1, ct.nz - 1);
    auto h = [&](std::size_t i, std::size_t j, std::size_t k) { return double(ct.at(i, j, k)); };
    const double c00 = h(i0, j0, k0) * (1 - u) + h(i1, j0, k0) * u, c10 = h(i0, j1, k0) * (1 - u) + h(i1, j1, k0) * u;
    const double c01 = h(i0, j0, k1) * (1 - u) + h(i1, j0, k1) * u, c11 = h(i0, j1, k1) * (1 - u) + h(i1, j1, k1) * u;
    return float((c00 * (1 - v) + c10 * v) * (1 - w) + (c01 * (1 - v) + c11 * v) * w);
}

bool blocks_path(std::uint8_t l) {
    const auto L = Label(l);
    return L == Label::air || L == Label::lung || L == Label::bone_cortical || L == Label::bone_trabecular ||
           L == Label::calcification;
}

}  // namespace

Vec3 BeamModel::frame_mm(std::size_t i, std::size_t j, std::size_t k) const {
    return {(double(i) - 0.5 * double(ct.nx - 1)) * ct.spacing_mm[0], (double(j) - 0.5 * double(ct.ny - 1)) * ct.spacing_mm[1],
            double(k) * ct.spacing_mm[2]};
}

std::array<Vec3, 3> beam_frame_axes(const Vec3& source_mm, const Vec3& target_mm) {
    const Vec3 d = add(target_mm, source_mm, -1);
    const double L = norm(d);
    require_input(L > 1e-6, "the source position ", point_text(source_mm), " mm and the target ", point_text(target_mm),
                  " mm coincide; accepted: a source point away from the target");
    const Vec3 ez{d[0] / L, d[1] / L, d[2] / L};
    int least = 0;
    for (int a = 1; a < 3; ++a)
        if (std::abs(ez[a]) < std::abs(ez[least])) least = a;
    Vec3 ex{0, 0, 0};
    ex[least] = 1;
    ex = add(ex, ez, -dot(ex, ez));
    const double n = norm(ex);
    ex = {ex[0] / n, ex[1] / n, ex[2] / n};
    return {ex, cross(ez, ex), ez};
}

BeamModel resample_to_beam(const HuVolume& ct, const LabelMap& labels, const std::vector<std::uint8_t>& target,
                           const Vec3& source_mm, const Vec3& target_mm, const BeamModelOptions& o) {
    require_input(labels.size() == ct.size() && target.size() == ct.size(), "beam model: ", labels.size(),
                  " labels and ", target.size(), " target flags for a CT of ", ct.size(), " voxels");
    require_input_for("dx_mm", o.dx_mm > 0 && std::isfinite(o.dx_mm), "cell size ", o.dx_mm, " mm; accepted: > 0");
    require_input_for("lateral_mm", o.lateral_half_width_mm > 0, "lateral half-width ", o.lateral_half_width_mm,
                      " mm; accepted: > 0");
    require_input_for("margin_mm", o.margin_beyond_target_mm >= 0, "margin beyond the target ",
                      o.margin_beyond_target_mm, " mm; accepted: >= 0");
    BeamModel m;
    m.frame_axes = beam_frame_axes(source_mm, target_mm);
    m.path_mm = norm(add(target_mm, source_mm, -1));
    m.frame_origin_mm = source_mm;
    m.source_patient_mm = source_mm;
    m.target_patient_mm = target_mm;
    const double dx = o.dx_mm;
    const std::size_t half = std::size_t(std::ceil(o.lateral_half_width_mm / dx));
    const std::size_t nx = 2 * half + 1, nz = std::size_t(std::ceil((m.path_mm + o.margin_beyond_target_mm) / dx)) + 1;
    const double nodes = double(nx) * double(nx) * double(nz);
    require_input_for("dx_mm", nodes <= 2e8, "beam model of ", nx, " x ", nx, " x ", nz, " nodes (dx ", dx, " mm, lateral half-width ",
                  o.lateral_half_width_mm, " mm, path ", m.path_mm, " mm + margin ", o.margin_beyond_target_mm,
                  " mm) is too large; accepted: up to 2e8 nodes: a coarser cell, or a smaller lateral half-width or margin");
    HuVolume& g = m.ct;
    g.nx = g.ny = nx;
    g.nz = nz;
    g.spacing_mm = {dx, dx, dx};
    g.axes = m.frame_axes;
    g.origin_mm = add(add(source_mm, m.frame_axes[0], -double(half) * dx), m.frame_axes[1], -double(half) * dx);
    g.hu.assign(g.size(), 0.0f);
    m.labels.assign(g.size(), std::uint8_t(Label::water));
    m.target.assign(g.size(), 0);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t k = 0; k < std::ptrdiff_t(nz); ++k)
        for (std::size_t j = 0; j < nx; ++j)
            for (std::size_t i = 0; i < nx; ++i) {
                const Vec3 p = g.position_mm(double(i), double(j), double(k));
                const std::size_t n = g.index(i, j, std::size_t(k));
                const std::ptrdiff_t v = nearest_voxel(ct, p);
                if (v < 0) continue;  // coupling water beyond the CT
                m.labels[n] = labels[std::size_t(v)];
                m.target[n] = target[std::size_t(v)];
                g.hu[n] = trilinear_hu(ct, p, 0.0f);
            }
    return m;
}

AcousticWindow shortest_tissue_window(const HuVolume& ct, const LabelMap& labels,
                                      const std::vector<std::uint8_t>& target, const Vec3& target_mm,
                                      const WindowOptions& o) {
    require_input(labels.size() == ct.size() && target.size() == ct.size(), "acoustic window: ", labels.size(),
                  " labels and ", target.size(), " target flags for a CT of ", ct.size(), " voxels");
    const double step = 0.5 * std::min({ct.spacing_mm[0], ct.spacing_mm[1], ct.spacing_mm[2]});
    const double golden = std::numbers::pi * (3 - std::sqrt(5.0));
    AcousticWindow best;
    double best_len = 1e300;
    for (int n = 0; n < o.directions; ++n) {
        const double zc = 1 - 2 * (n + 0.5) / o.directions, rc = std::sqrt(1 - zc * zc), phi = golden * n;
        const Vec3 d{rc * std::cos(phi), rc * std::sin(phi), zc};
        const auto axes = beam_frame_axes(add(target_mm, d, -1), target_mm);  // ez = -d: lateral offsets ex, ey
        const Vec3 offsets[5] = {{0, 0, 0}, axes[0], add({0, 0, 0}, axes[0], -1), axes[1], add({0, 0, 0}, axes[1], -1)};
        double exit_len = -1;
        bool clear = true;
        for (int r = 0; r < 5 && clear; ++r) {
            const Vec3 start = add(target_mm, offsets[r], o.window_radius_mm);
            bool left_target = false;
            for (double s = 0;; s += step) {
                const std::ptrdiff_t v = nearest_voxel(ct, add(start, d, s));
                if (v < 0) { clear = false; break; }  // the body is cut by the field of view: no known skin
                const std::uint8_t l = labels[std::size_t(v)];
                if (target[std::size_t(v)] && !left_target) continue;
                left_target = true;
                if (Label(l) == Label::water) {
                    // The coupling water must continue for the standoff (no arm or fold of the body there).
                    for (double t = s; t <= s + o.standoff_mm; t += step) {
                        const std::ptrdiff_t w = nearest_voxel(ct, add(start, d, t));
                        if (w >= 0 && labels[std::size_t(w)] != std::uint8_t(Label::water)) {
                            clear = false;
                            break;
                        }
                    }
                    if (r == 0) exit_len = s;
                    break;
                }
                if (blocks_path(l)) { clear = false; break; }
            }
        }
        if (!clear || exit_len < 0) continue;
        ++best.candidates;
        if (exit_len < best_len) {
            best_len = exit_len;
            best.tissue_path_mm = exit_len;
            best.source_mm = add(target_mm, d, exit_len + o.standoff_mm);
        }
    }
    require_input_for("source_position_mm", best.candidates > 0, "no acoustic window from the target at ", point_text(target_mm),
                  " mm: every one of ", o.directions, " directions crosses air, lung, bone or another calcification "
                  "within ", o.window_radius_mm, " mm of its axis, or leaves the scan inside the body; accepted: a source "
                  "position given by hand");
    return best;
}

AxisymmetricModel axisymmetric_form(const BeamModel& m, const PropertyArrays& props) {
    const HuVolume& g = m.ct;
    const std::size_t N = g.size();
    if (props.rho.size() != N || props.c.size() != N || props.alpha.size() != N || props.alpha_power.size() != N ||
        props.BonA.size() != N)
        throw std::logic_error("axisymmetric_form: property arrays do not match the model grid");
    AxisymmetricModel a;
    a.nr = (g.nx + 1) / 2;
    a.nz = g.nz;
    a.dx_mm = g.spacing_mm[0];
    const std::size_t n = a.nr * a.nz;
    a.hu.assign(n, 0);
    a.labels.assign(n, 0);
    a.target.assign(n, 0);
    for (auto* v : {&a.props.rho, &a.props.c, &a.props.alpha, &a.props.alpha_power, &a.props.BonA}) v->assign(n, 0);
    const double centre = 0.5 * double(g.nx - 1);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t k = 0; k < std::ptrdiff_t(a.nz); ++k) {
        std::vector<std::size_t> samples;
        for (std::size_t ir = 0; ir < a.nr; ++ir) {
            const double r = double(ir);  // in cells
            const int angles = std::max(8, int(std::ceil(2 * std::numbers::pi * r)));
            samples.clear();
            int count[kLabelCount] = {};
            int in_target = 0;
            for (int q = 0; q < angles; ++q) {
                const double phi = 2 * std::numbers::pi * q / angles;
                const double fi = centre + r * std::cos(phi), fj = centre + r * std::sin(phi);
                const auto i = std::size_t(std::clamp(std::round(fi), 0.0, double(g.nx - 1)));
                const auto j = std::size_t(std::clamp(std::round(fj), 0.0, double(g.ny - 1)));
                const std::size_t v = g.index(i, j, std::size_t(k));
                samples.push_back(v);
                ++count[m.labels[v]];
                in_target += m.target[v];
            }
            const int label = int(std::max_element(count, count + kLabelCount) - count);
            double sum[6] = {};
            for (std::size_t v : samples) {
                if (m.labels[v] != label) continue;
                sum[0] += g.hu[v], sum[1] += props.rho[v], sum[2] += props.c[v], sum[3] += props.alpha[v];
                sum[4] += props.alpha_power[v], sum[5] += props.BonA[v];
            }
            const double w = 1.0 / count[label];
            const std::size_t o = ir + a.nr * std::size_t(k);
            a.labels[o] = std::uint8_t(label);
            a.target[o] = 2 * in_target >= angles ? 1 : 0;
            a.hu[o] = float(sum[0] * w);
            a.props.rho[o] = float(sum[1] * w), a.props.c[o] = float(sum[2] * w), a.props.alpha[o] = float(sum[3] * w);
            a.props.alpha_power[o] = float(sum[4] * w), a.props.BonA[o] = float(sum[5] * w);
        }
    }
    return a;
}

}  // namespace lithosim::models
