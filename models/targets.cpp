// Calcification listing and target selection; the definitions are at the top of models/targets.hpp.
#include "models/targets.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "core/errors.hpp"

namespace lithosim::models {

namespace {

void check_volume(const HuVolume& v) {
    require_input(v.nx > 0 && v.ny > 0 && v.nz > 0, "CT volume is empty (", v.nx, " x ", v.ny, " x ", v.nz,
                  " voxels)");
    require_input(v.hu.size() == v.size(), "CT volume has ", v.hu.size(), " HU values for ", v.nx, " x ", v.ny, " x ",
                  v.nz, " = ", v.size(), " voxels");
    for (double s : v.spacing_mm) require_input(s > 0, "CT voxel spacing ", s, " mm; accepted: > 0");
}

void check_labels(const HuVolume& v, const LabelMap& labels) {
    require_input(labels.size() == v.size(), "label map has ", labels.size(), " voxels, the CT volume ", v.size(),
                  " (", v.nx, " x ", v.ny, " x ", v.nz, ")");
}

/// The 26-connected components of the voxels where `in(index)` holds, found by breadth-first search from each
/// unvisited voxel in index order; each as its voxel indices (the first one the lowest).
template <class In>
std::vector<std::vector<std::size_t>> components(const HuVolume& v, In in) {
    std::vector<std::uint8_t> seen(v.size(), 0);
    std::vector<std::vector<std::size_t>> out;
    const auto nx = std::ptrdiff_t(v.nx), ny = std::ptrdiff_t(v.ny), nz = std::ptrdiff_t(v.nz);
    for (std::size_t seed = 0; seed < v.size(); ++seed) {
        if (seen[seed] || !in(seed)) continue;
        seen[seed] = 1;
        std::vector<std::size_t> list{seed};
        for (std::size_t q = 0; q < list.size(); ++q) {
            const auto c = std::ptrdiff_t(list[q]);
            const std::ptrdiff_t i = c % nx, j = (c / nx) % ny, k = c / (nx * ny);
            for (std::ptrdiff_t dk = -1; dk <= 1; ++dk)
                for (std::ptrdiff_t dj = -1; dj <= 1; ++dj)
                    for (std::ptrdiff_t di = -1; di <= 1; ++di) {
                        const std::ptrdiff_t a = i + di, b = j + dj, d = k + dk;
                        if (a < 0 || b < 0 || d < 0 || a >= nx || b >= ny || d >= nz) continue;
                        const auto n = std::size_t(a + nx * (b + ny * d));
                        if (seen[n] || !in(n)) continue;
                        seen[n] = 1;
                        list.push_back(n);
                    }
        }
        out.push_back(std::move(list));
    }
    return out;
}

bool is_bone(std::uint8_t l) {
    return l == std::uint8_t(Label::bone_trabecular) || l == std::uint8_t(Label::bone_cortical);
}

/// Size, place and HU of a set of voxels (touches_bone and id left to the caller).
Calcification describe(const HuVolume& v, const std::vector<std::size_t>& voxels) {
    Calcification c;
    c.voxels = voxels.size();
    c.volume_mm3 = double(voxels.size()) * v.spacing_mm[0] * v.spacing_mm[1] * v.spacing_mm[2];
    c.equivalent_diameter_mm = std::cbrt(6.0 * c.volume_mm3 / std::numbers::pi);
    double sum_hu = 0, peak = -std::numeric_limits<double>::infinity(), fi = 0, fj = 0, fk = 0;
    for (std::size_t n : voxels) {
        fi += double(n % v.nx);
        fj += double((n / v.nx) % v.ny);
        fk += double(n / (v.nx * v.ny));
        sum_hu += v.hu[n];
        peak = std::max(peak, double(v.hu[n]));
    }
    const double count = double(std::max<std::size_t>(voxels.size(), 1));
    // position_mm is affine in the index, so the mean position is the position of the mean index.
    c.centroid_mm = v.position_mm(fi / count, fj / count, fk / count);
    c.mean_HU = sum_hu / count;
    c.peak_HU = voxels.empty() ? 0 : peak;
    return c;
}

/// Components ordered by decreasing size (stable: equal sizes keep their first-voxel order).
void order_by_size(std::vector<std::vector<std::size_t>>& comps) {
    std::stable_sort(comps.begin(), comps.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::vector<std::vector<std::size_t>> labelled_components(const HuVolume& v, const LabelMap& labels) {
    check_volume(v);
    check_labels(v, labels);
    const auto calc = std::uint8_t(Label::calcification);
    auto comps = components(v, [&](std::size_t n) { return labels[n] == calc; });
    order_by_size(comps);
    return comps;
}

bool face_touches_bone(const HuVolume& v, const LabelMap& labels, const std::vector<std::size_t>& voxels) {
    const std::size_t sx = 1, sy = v.nx, sz = v.nx * v.ny;
    for (std::size_t n : voxels) {
        const std::size_t i = n % v.nx, j = (n / v.nx) % v.ny, k = n / sz;
        if ((i > 0 && is_bone(labels[n - sx])) || (i + 1 < v.nx && is_bone(labels[n + sx])) ||
            (j > 0 && is_bone(labels[n - sy])) || (j + 1 < v.ny && is_bone(labels[n + sy])) ||
            (k > 0 && is_bone(labels[n - sz])) || (k + 1 < v.nz && is_bone(labels[n + sz])))
            return true;
    }
    return false;
}

std::string point_text(const Vec3& p) { return fmt("(", p[0], ", ", p[1], ", ", p[2], ") mm"); }

/// "x -10 to 20, y ..., z ... mm": the span of the voxel centres along each patient axis.
std::string extent_text(const HuVolume& v) {
    Vec3 lo{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::infinity()};
    Vec3 hi = {-lo[0], -lo[1], -lo[2]};
    for (int c = 0; c < 8; ++c) {
        const Vec3 p = v.position_mm(c & 1 ? double(v.nx - 1) : 0.0, c & 2 ? double(v.ny - 1) : 0.0,
                                     c & 4 ? double(v.nz - 1) : 0.0);
        for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    }
    return fmt("x ", lo[0], " to ", hi[0], ", y ", lo[1], " to ", hi[1], ", z ", lo[2], " to ", hi[2],
               " mm (voxel centres, LPS)");
}

}  // namespace

std::vector<Calcification> list_calcifications(const HuVolume& volume, const LabelMap& labels) {
    const auto comps = labelled_components(volume, labels);
    std::vector<Calcification> out;
    for (std::size_t c = 0; c < comps.size(); ++c) {
        Calcification k = describe(volume, comps[c]);
        k.id = int(c) + 1;
        k.touches_bone = face_touches_bone(volume, labels, comps[c]);
        out.push_back(k);
    }
    return out;
}

std::vector<Calcification> list_calcifications(const HuVolume& volume, double threshold_HU) {
    check_volume(volume);
    require_input(std::isfinite(threshold_HU) && threshold_HU >= -1000, "calcification threshold ", threshold_HU,
                  " HU; accepted: >= -1000");
    auto comps = components(volume, [&](std::size_t n) { return volume.hu[n] >= threshold_HU; });
    order_by_size(comps);
    std::vector<Calcification> out;
    for (std::size_t c = 0; c < comps.size(); ++c) {
        Calcification k = describe(volume, comps[c]);
        k.id = int(c) + 1;
        out.push_back(k);
    }
    return out;
}

Target target_from_point(const HuVolume& v, const Vec3& point_mm, const TargetOptions& o) {
    check_volume(v);
    require_input(std::isfinite(o.threshold_HU) && o.threshold_HU >= -1000, "target threshold ", o.threshold_HU,
                  " HU; accepted: >= -1000");
    require_input(o.search_radius_mm >= 0 && o.search_radius_mm <= 50, "target search radius ", o.search_radius_mm,
                  " mm; accepted: 0 to 50");
    require_input(o.max_radius_mm > 0 && o.max_radius_mm <= 500, "target maximum radius ", o.max_radius_mm,
                  " mm; accepted: > 0 to 500");
    for (double x : point_mm) require_input(std::isfinite(x), "target point ", point_text(point_mm), " is not finite");

    // The voxel holding the point (voxel cells reach half a spacing past the centres).
    const Vec3 f = v.index_of(point_mm);
    const std::array<std::size_t, 3> n{v.nx, v.ny, v.nz};
    std::array<std::ptrdiff_t, 3> c{};
    for (int a = 0; a < 3; ++a) {
        require_input(f[a] >= -0.5 && f[a] < double(n[a]) - 0.5, "target point ", point_text(point_mm),
                      " is outside the CT volume: ", extent_text(v));
        c[a] = std::clamp<std::ptrdiff_t>(std::ptrdiff_t(std::lround(f[a])), 0, std::ptrdiff_t(n[a]) - 1);
    }
    const std::size_t at = v.index(std::size_t(c[0]), std::size_t(c[1]), std::size_t(c[2]));
    auto dist2 = [&](std::size_t i, std::size_t j, std::size_t k) {
        const Vec3 p = v.position_mm(double(i), double(j), double(k));
        return (p[0] - point_mm[0]) * (p[0] - point_mm[0]) + (p[1] - point_mm[1]) * (p[1] - point_mm[1]) +
               (p[2] - point_mm[2]) * (p[2] - point_mm[2]);
    };

    // Seed: the voxel itself, or the nearest >= threshold voxel within the search radius.
    std::size_t seed = at;
    if (v.hu[at] < o.threshold_HU) {
        double best = std::numeric_limits<double>::infinity(), peak = v.hu[at];
        std::array<std::ptrdiff_t, 3> lo{}, hi{};
        for (int a = 0; a < 3; ++a) {
            const auto r = std::ptrdiff_t(std::ceil(o.search_radius_mm / v.spacing_mm[a]));
            lo[a] = std::max<std::ptrdiff_t>(0, c[a] - r);
            hi[a] = std::min<std::ptrdiff_t>(std::ptrdiff_t(n[a]) - 1, c[a] + r);
        }
        const double r2 = o.search_radius_mm * o.search_radius_mm;
        for (auto k = lo[2]; k <= hi[2]; ++k)
            for (auto j = lo[1]; j <= hi[1]; ++j)
                for (auto i = lo[0]; i <= hi[0]; ++i) {
                    const double d2 = dist2(std::size_t(i), std::size_t(j), std::size_t(k));
                    if (d2 > r2) continue;
                    const std::size_t m = v.index(std::size_t(i), std::size_t(j), std::size_t(k));
                    peak = std::max(peak, double(v.hu[m]));
                    if (v.hu[m] >= o.threshold_HU && d2 < best) best = d2, seed = m;
                }
        if (seed == at) {
            require_input(v.hu[at] >= -500, "target point ", point_text(point_mm), " lies in air (", v.hu[at],
                          " HU) with no voxel >= ", o.threshold_HU, " HU within ", o.search_radius_mm, " mm");
            throw InputError(fmt("no calcification at target point ", point_text(point_mm), ": ", v.hu[at],
                                 " HU there, peak ", peak, " HU within ", o.search_radius_mm, " mm; a calcification is >= ",
                                 o.threshold_HU, " HU"));
        }
    }

    // Flood fill over >= threshold voxels inside the clipping sphere.
    Target t;
    t.mask.assign(v.size(), 0);
    const double rmax2 = o.max_radius_mm * o.max_radius_mm;
    const auto nx = std::ptrdiff_t(v.nx), ny = std::ptrdiff_t(v.ny), nz = std::ptrdiff_t(v.nz);
    std::vector<std::size_t> list{seed};
    t.mask[seed] = 1;
    bool clipped = false;
    for (std::size_t q = 0; q < list.size(); ++q) {
        const auto m = std::ptrdiff_t(list[q]);
        const std::ptrdiff_t i = m % nx, j = (m / nx) % ny, k = m / (nx * ny);
        for (std::ptrdiff_t dk = -1; dk <= 1; ++dk)
            for (std::ptrdiff_t dj = -1; dj <= 1; ++dj)
                for (std::ptrdiff_t di = -1; di <= 1; ++di) {
                    const std::ptrdiff_t a = i + di, b = j + dj, d = k + dk;
                    if (a < 0 || b < 0 || d < 0 || a >= nx || b >= ny || d >= nz) continue;
                    const auto e = std::size_t(a + nx * (b + ny * d));
                    if (t.mask[e] || v.hu[e] < o.threshold_HU) continue;
                    if (dist2(std::size_t(a), std::size_t(b), std::size_t(d)) > rmax2) {
                        clipped = true;
                        continue;
                    }
                    t.mask[e] = 1;
                    list.push_back(e);
                }
    }
    t.stats = describe(v, list);
    t.stats.touches_bone = clipped;
    return t;
}

Target target_from_id(const HuVolume& volume, const LabelMap& labels, int id) {
    const auto comps = labelled_components(volume, labels);
    if (comps.empty())
        throw InputError(fmt("calcification id ", id, " does not exist: no voxel is labelled calcification"));
    require_input(id >= 1 && std::size_t(id) <= comps.size(), "calcification id ", id, " does not exist; valid ids: 1 to ",
                  comps.size());
    const auto& voxels = comps[std::size_t(id) - 1];
    Target t;
    t.mask.assign(volume.size(), 0);
    for (std::size_t n : voxels) t.mask[n] = 1;
    t.stats = describe(volume, voxels);
    t.stats.id = id;
    t.stats.touches_bone = face_touches_bone(volume, labels, voxels);
    return t;
}

}  // namespace lithosim::models
