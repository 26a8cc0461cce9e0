// Target morphology and plaque geometry; the definitions are at the top of models/morphology.hpp.
#include "models/morphology.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/errors.hpp"

namespace lithosim::models {

namespace {

void check_sizes(const HuVolume& v, std::size_t mask_size, const char* what) {
    require_input(v.nx > 0 && v.ny > 0 && v.nz > 0 && v.hu.size() == v.size(), "CT volume has ", v.hu.size(),
                  " HU values for ", v.nx, " x ", v.ny, " x ", v.nz, " voxels");
    require_input(mask_size == v.size(), what, " has ", mask_size, " voxels, the CT volume ", v.size(), " (", v.nx,
                  " x ", v.ny, " x ", v.nz, ")");
}

struct Box {
    std::size_t i0 = 0, i1 = 0, j0 = 0, j1 = 0, k0 = 0, k1 = 0;  // inclusive
    std::size_t count = 0;
};

/// The bounding box of the nonzero voxels of the mask (count = how many).
Box bounding_box(const HuVolume& v, const std::vector<std::uint8_t>& mask) {
    Box b{v.nx, 0, v.ny, 0, v.nz, 0, 0};
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) {
                if (!mask[v.index(i, j, k)]) continue;
                ++b.count;
                b.i0 = std::min(b.i0, i), b.i1 = std::max(b.i1, i);
                b.j0 = std::min(b.j0, j), b.j1 = std::max(b.j1, j);
                b.k0 = std::min(b.k0, k), b.k1 = std::max(b.k1, k);
            }
    return b;
}

/// Solves the 3 x 3 system A x = b by Gaussian elimination with partial pivoting; false when it is singular.
bool solve3(std::array<std::array<double, 3>, 3> A, std::array<double, 3> b, std::array<double, 3>& x) {
    double scale = 0;
    for (const auto& row : A)
        for (double a : row) scale = std::max(scale, std::abs(a));
    if (!(scale > 0)) return false;
    for (int c = 0; c < 3; ++c) {
        int p = c;
        for (int r = c + 1; r < 3; ++r)
            if (std::abs(A[r][c]) > std::abs(A[p][c])) p = r;
        if (std::abs(A[p][c]) <= 1e-12 * scale) return false;
        std::swap(A[p], A[c]);
        std::swap(b[p], b[c]);
        for (int r = c + 1; r < 3; ++r) {
            const double f = A[r][c] / A[c][c];
            for (int q = c; q < 3; ++q) A[r][q] -= f * A[c][q];
            b[r] -= f * b[c];
        }
    }
    for (int c = 2; c >= 0; --c) {
        double s = b[c];
        for (int q = c + 1; q < 3; ++q) s -= A[c][q] * x[q];
        x[c] = s / A[c][c];
    }
    return true;
}

struct Circle {
    double cu = 0, cv = 0, r = 0;
};

/// Least-squares circle through the points (u, v), mm: the algebraic fit (Kasa: u^2 + v^2 + D u + E v + F = 0 in
/// least squares) as the start, then Gauss-Newton on the geometric residuals |p - c| - r. Nothing when the points
/// are (nearly) collinear or the iteration does not settle.
std::optional<Circle> fit_circle(const std::vector<std::array<double, 2>>& p) {
    const std::size_t n = p.size();
    if (n < 3) return std::nullopt;
    double mu = 0, mv = 0;
    for (const auto& q : p) mu += q[0], mv += q[1];
    mu /= double(n), mv /= double(n);
    std::array<std::array<double, 3>, 3> A{};
    std::array<double, 3> b{}, x{};
    for (const auto& q : p) {
        const double u = q[0] - mu, v = q[1] - mv, z = u * u + v * v;
        const std::array<double, 3> row{u, v, 1.0};
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 3; ++c) A[r][c] += row[r] * row[c];
            b[r] -= row[r] * z;
        }
    }
    if (!solve3(A, b, x)) return std::nullopt;
    Circle c{-x[0] / 2, -x[1] / 2, 0};
    const double r2 = c.cu * c.cu + c.cv * c.cv - x[2];
    if (!(r2 > 0)) return std::nullopt;
    c.r = std::sqrt(r2);
    for (int it = 0; it < 100; ++it) {
        std::array<std::array<double, 3>, 3> N{};
        std::array<double, 3> g{}, d{};
        for (const auto& q : p) {
            const double du = q[0] - mu - c.cu, dv = q[1] - mv - c.cv, dist = std::hypot(du, dv);
            if (dist <= 0) continue;
            const std::array<double, 3> J{-du / dist, -dv / dist, -1.0};
            const double res = dist - c.r;
            for (int r = 0; r < 3; ++r) {
                for (int s = 0; s < 3; ++s) N[r][s] += J[r] * J[s];
                g[r] -= J[r] * res;
            }
        }
        if (!solve3(N, g, d)) return std::nullopt;
        c.cu += d[0], c.cv += d[1], c.r += d[2];
        if (!std::isfinite(c.r) || c.r > 1e6) return std::nullopt;
        if (std::hypot(d[0], d[1], d[2]) < 1e-10) break;
    }
    c.cu += mu, c.cv += mv;
    c.r = std::abs(c.r);
    return c;
}

bool lumen_label(std::uint8_t l) { return l == std::uint8_t(Label::fluid) || l == std::uint8_t(Label::soft_tissue); }

std::string number_text(double x) { return fmt(x); }

/// The angle (radians) the pixels `pts` cover around c, each pixel one pixel angle (pixel / their mean distance from
/// c) about its centre: 2 pi minus the widest gap between pixel centres, plus that pixel angle, at most 2 pi.
double arc_about(const std::vector<std::array<double, 2>>& pts, const std::array<double, 2>& c, double pixel) {
    std::vector<double> angles;
    double r_sum = 0;
    for (const auto& p : pts) {
        angles.push_back(std::atan2(p[1] - c[1], p[0] - c[0]));
        r_sum += std::hypot(p[0] - c[0], p[1] - c[1]);
    }
    std::sort(angles.begin(), angles.end());
    double gap = angles.front() + 2 * std::numbers::pi - angles.back();
    for (std::size_t q = 1; q < angles.size(); ++q) gap = std::max(gap, angles[q] - angles[q - 1]);
    const double pixel_angle = pixel / std::max(r_sum / double(pts.size()), pixel);
    return 2 * std::numbers::pi - std::max(0.0, gap - pixel_angle);
}

/// How far the calcium's inner edge (the nearest pixel to c in each angular bin of one pixel angle) is from a circle
/// about c: the largest minus the smallest inner distance, mm. A wall calcification seen from its lumen has an inner
/// edge at one radius; a stone or deposit seen from the fluid beside it bulges towards the viewpoint.
double inner_edge_spread(const std::vector<std::array<double, 2>>& pts, const std::array<double, 2>& c, double pixel) {
    double r_sum = 0;
    for (const auto& p : pts) r_sum += std::hypot(p[0] - c[0], p[1] - c[1]);
    const double bin = pixel / std::max(r_sum / double(pts.size()), pixel);
    const auto bins = std::size_t(std::ceil(2 * std::numbers::pi / bin));
    std::vector<double> inner(bins, std::numeric_limits<double>::infinity());
    for (const auto& p : pts) {
        const double a = std::atan2(p[1] - c[1], p[0] - c[0]) + std::numbers::pi;
        const std::size_t q = std::min(bins - 1, std::size_t(a / bin));
        inner[q] = std::min(inner[q], std::hypot(p[0] - c[0], p[1] - c[1]));
    }
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (double r : inner)
        if (std::isfinite(r)) lo = std::min(lo, r), hi = std::max(hi, r);
    return hi - lo;
}

/// The lumen next to a short calcium arc, whose own curvature is too short to place the centre: in slice k, the
/// fluid/soft-tissue, non-target pixels within search_mm of the target's pixels `pts` (indices), their 4-connected
/// region with the most pixels touching the target, and in it the centre of the largest inscribed circle that the
/// calcium bounds (the centroid of the pixels within half a pixel of the largest distance to the region's outside).
/// A thin bridge to other soft tissue does not move that centre, as it would move a centroid. (Where such circles
/// fit all around a stone in a wide pool, the centroid falls in the stone, and the stone is then refused.)
std::optional<std::array<double, 2>> inscribed_lumen_centre(const HuVolume& v, const LabelMap& labels,
                                                            const std::vector<std::uint8_t>& mask, std::size_t k,
                                                            const std::vector<std::array<std::size_t, 2>>& pts,
                                                            double search_mm) {
    const double sx = v.spacing_mm[0], sy = v.spacing_mm[1];
    const auto mi = std::ptrdiff_t(std::ceil(search_mm / sx)), mj = std::ptrdiff_t(std::ceil(search_mm / sy));
    std::ptrdiff_t i0 = std::ptrdiff_t(v.nx), i1 = 0, j0 = std::ptrdiff_t(v.ny), j1 = 0;
    for (const auto& p : pts) {
        i0 = std::min(i0, std::ptrdiff_t(p[0])), i1 = std::max(i1, std::ptrdiff_t(p[0]));
        j0 = std::min(j0, std::ptrdiff_t(p[1])), j1 = std::max(j1, std::ptrdiff_t(p[1]));
    }
    i0 = std::max<std::ptrdiff_t>(0, i0 - mi), i1 = std::min(std::ptrdiff_t(v.nx) - 1, i1 + mi);
    j0 = std::max<std::ptrdiff_t>(0, j0 - mj), j1 = std::min(std::ptrdiff_t(v.ny) - 1, j1 + mj);
    const auto W = std::size_t(i1 - i0 + 1), H = std::size_t(j1 - j0 + 1);
    auto at = [&](std::size_t a, std::size_t b) { return v.index(std::size_t(i0) + a, std::size_t(j0) + b, k); };
    // Candidates: lumen pixels near the calcium.
    std::vector<int> region(W * H, -1);  // -2 candidate, >= 0 component id
    for (std::size_t b = 0; b < H; ++b)
        for (std::size_t a = 0; a < W; ++a) {
            const std::size_t n = at(a, b);
            if (mask[n] || !lumen_label(labels[n])) continue;
            const double u = double(std::ptrdiff_t(a) + i0) * sx, w = double(std::ptrdiff_t(b) + j0) * sy;
            for (const auto& p : pts)
                if (std::hypot(double(p[0]) * sx - u, double(p[1]) * sy - w) <= search_mm) {
                    region[a + W * b] = -2;
                    break;
                }
        }
    // Components and their contact with the target.
    const std::array<std::array<int, 2>, 4> dirs{{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}};
    std::vector<std::size_t> contact;
    std::vector<std::size_t> list;
    for (std::size_t s = 0; s < W * H; ++s) {
        if (region[s] != -2) continue;
        const int id = int(contact.size());
        contact.push_back(0);
        region[s] = id;
        list.assign(1, s);
        for (std::size_t q = 0; q < list.size(); ++q) {
            const auto a = std::ptrdiff_t(list[q] % W), b = std::ptrdiff_t(list[q] / W);
            bool touches = false;
            for (const auto& d : dirs) {
                const std::ptrdiff_t x = a + d[0], y = b + d[1];
                if (x < 0 || y < 0 || x >= std::ptrdiff_t(W) || y >= std::ptrdiff_t(H)) continue;
                const std::size_t t = std::size_t(x) + W * std::size_t(y);
                touches |= mask[at(std::size_t(x), std::size_t(y))] != 0;
                if (region[t] == -2) region[t] = id, list.push_back(t);
            }
            contact[std::size_t(id)] += touches;
        }
    }
    if (contact.empty()) return std::nullopt;
    const int best = int(std::max_element(contact.begin(), contact.end()) - contact.begin());
    if (contact[std::size_t(best)] == 0) return std::nullopt;
    // Distance of each region pixel to the nearest pixel outside it (the window's edge counts as outside).
    std::vector<std::array<double, 2>> outside;
    for (std::ptrdiff_t b = -1; b <= std::ptrdiff_t(H); ++b)
        for (std::ptrdiff_t a = -1; a <= std::ptrdiff_t(W); ++a) {
            const bool in_window = a >= 0 && b >= 0 && a < std::ptrdiff_t(W) && b < std::ptrdiff_t(H);
            if (in_window && region[std::size_t(a) + W * std::size_t(b)] == best) continue;
            bool next_to_region = false;
            for (const auto& d : dirs) {
                const std::ptrdiff_t x = a + d[0], y = b + d[1];
                if (x >= 0 && y >= 0 && x < std::ptrdiff_t(W) && y < std::ptrdiff_t(H))
                    next_to_region |= region[std::size_t(x) + W * std::size_t(y)] == best;
            }
            if (next_to_region) outside.push_back({double(a + i0) * sx, double(b + j0) * sy});
        }
    // Only circles that the calcium bounds count (the nearest pixel outside the region is calcium, to within a
    // pixel): a lumen that leaks into other soft tissue through a gap or a partial-volume bridge may hold larger
    // circles out there, which do not belong to the vessel.
    std::vector<std::array<double, 3>> depth;  // u, v, distance
    double deepest = 0;
    const double pixel = std::min(sx, sy);
    for (std::size_t b = 0; b < H; ++b)
        for (std::size_t a = 0; a < W; ++a) {
            if (region[a + W * b] != best) continue;
            const double u = double(std::ptrdiff_t(a) + i0) * sx, w = double(std::ptrdiff_t(b) + j0) * sy;
            double d = std::numeric_limits<double>::infinity(), d_calcium = d;
            for (const auto& q : outside) d = std::min(d, std::hypot(q[0] - u, q[1] - w));
            for (const auto& p : pts)
                d_calcium = std::min(d_calcium, std::hypot(double(p[0]) * sx - u, double(p[1]) * sy - w));
            if (d_calcium > d + 1e-6 * pixel) continue;
            depth.push_back({u, w, d});
            deepest = std::max(deepest, d);
        }
    if (depth.empty()) return std::nullopt;
    double su = 0, sw = 0, count = 0;
    for (const auto& p : depth)
        if (p[2] >= deepest - 0.5 * pixel) su += p[0], sw += p[1], ++count;
    return std::array<double, 2>{su / count, sw / count};
}

}  // namespace

TargetMorphology target_morphology(const HuVolume& v, const std::vector<std::uint8_t>& mask,
                                   const MorphologyOptions& o) {
    check_sizes(v, mask.size(), "target mask");
    TargetMorphology m;
    m.rule = "I: mean_HU >= " + number_text(o.dense_HU) + " and edge_sharpness >= " + number_text(o.sharp_min) +
             "; III: mean_HU < " + number_text(o.dense_HU) + " and edge_sharpness < " + number_text(o.sharp_min) +
             "; II: otherwise";
    const Box b = bounding_box(v, mask);
    if (b.count == 0) return m;

    // Mean and peak over the target.
    double sum = 0, peak = -std::numeric_limits<double>::infinity();
    for (std::size_t k = b.k0; k <= b.k1; ++k)
        for (std::size_t j = b.j0; j <= b.j1; ++j)
            for (std::size_t i = b.i0; i <= b.i1; ++i) {
                const std::size_t n = v.index(i, j, k);
                if (!mask[n]) continue;
                sum += v.hu[n];
                peak = std::max(peak, double(v.hu[n]));
            }
    m.mean_HU = sum / double(b.count);
    m.peak_HU = peak;

    // Per slice: the in-slice layers around the target (4-connected steps, up to 3) in a box 4 pixels wider than the
    // target's, the shell (layers 2-3) and the boundary faces.
    const std::size_t pad = 4;
    const std::size_t i0 = b.i0 >= pad ? b.i0 - pad : 0, i1 = std::min(v.nx - 1, b.i1 + pad);
    const std::size_t j0 = b.j0 >= pad ? b.j0 - pad : 0, j1 = std::min(v.ny - 1, b.j1 + pad);
    const std::size_t W = i1 - i0 + 1, H = j1 - j0 + 1;
    constexpr std::uint8_t kFar = 255;
    std::vector<std::uint8_t> layer(W * H);
    std::vector<std::size_t> front, next;
    double shell_sum = 0, face_sum = 0;
    std::size_t shell_count = 0, face_count = 0;
    const std::array<std::array<int, 2>, 4> dirs{{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}};
    for (std::size_t k = b.k0; k <= b.k1; ++k) {
        front.clear();
        for (std::size_t j = j0; j <= j1; ++j)
            for (std::size_t i = i0; i <= i1; ++i) {
                const std::size_t l = (i - i0) + W * (j - j0);
                layer[l] = mask[v.index(i, j, k)] ? 0 : kFar;
                if (layer[l] == 0) front.push_back(l);
            }
        if (front.empty()) continue;
        for (std::uint8_t depth = 1; depth <= 3; ++depth) {
            next.clear();
            for (std::size_t l : front) {
                const auto li = std::ptrdiff_t(l % W), lj = std::ptrdiff_t(l / W);
                for (const auto& d : dirs) {
                    const std::ptrdiff_t a = li + d[0], c = lj + d[1];
                    if (a < 0 || c < 0 || a >= std::ptrdiff_t(W) || c >= std::ptrdiff_t(H)) continue;
                    const auto q = std::size_t(a) + W * std::size_t(c);
                    if (layer[q] != kFar) continue;
                    layer[q] = depth;
                    next.push_back(q);
                }
            }
            std::swap(front, next);
        }
        for (std::size_t j = j0; j <= j1; ++j)
            for (std::size_t i = i0; i <= i1; ++i) {
                const std::uint8_t L = layer[(i - i0) + W * (j - j0)];
                const double hu = v.at(i, j, k);
                if ((L == 2 || L == 3) && hu < o.calcium_HU) shell_sum += hu, ++shell_count;
                if (L != 0) continue;
                for (const auto& d : dirs) {
                    const std::ptrdiff_t oi = std::ptrdiff_t(i) + d[0], oj = std::ptrdiff_t(j) + d[1];
                    if (oi < 0 || oj < 0 || oi >= std::ptrdiff_t(v.nx) || oj >= std::ptrdiff_t(v.ny)) continue;
                    const std::size_t out = v.index(std::size_t(oi), std::size_t(oj), k);
                    if (mask[out]) continue;
                    double face = hu - v.hu[out];
                    const std::ptrdiff_t ii = std::ptrdiff_t(i) - d[0], ij = std::ptrdiff_t(j) - d[1];
                    if (ii >= 0 && ij >= 0 && ii < std::ptrdiff_t(v.nx) && ij < std::ptrdiff_t(v.ny)) {
                        const std::size_t in = v.index(std::size_t(ii), std::size_t(ij), k);
                        if (mask[in]) face = std::max(face, double(v.hu[in]) - hu);
                    }
                    face_sum += face;
                    ++face_count;
                }
            }
    }
    if (shell_count > 0 && face_count > 0) {
        const double step = m.mean_HU - shell_sum / double(shell_count);
        if (step > 0) m.edge_sharpness = std::clamp(face_sum / double(face_count) / step, 0.0, 1.0);
    }
    m.dense = m.mean_HU >= o.dense_HU;
    m.sharp = m.edge_sharpness >= o.sharp_min;
    m.gaertner_type = m.dense && m.sharp ? 1 : (!m.dense && !m.sharp ? 3 : 2);
    return m;
}

std::optional<PlaqueGeometry> plaque_geometry(const HuVolume& v, const LabelMap& labels,
                                              const std::vector<std::uint8_t>& mask, const PlaqueOptions& o) {
    check_sizes(v, mask.size(), "target mask");
    check_sizes(v, labels.size(), "label map");
    const Box b = bounding_box(v, mask);
    if (b.count == 0) return std::nullopt;
    const double sx = v.spacing_mm[0], sy = v.spacing_mm[1], pixel = 0.5 * (sx + sy);

    PlaqueGeometry g;
    std::size_t slices_with_target = 0;
    std::vector<std::array<double, 2>> pts;
    std::vector<std::array<std::size_t, 2>> pixels;
    for (std::size_t k = b.k0; k <= b.k1; ++k) {
        pts.clear();
        pixels.clear();
        for (std::size_t j = b.j0; j <= b.j1; ++j)
            for (std::size_t i = b.i0; i <= b.i1; ++i)
                if (mask[v.index(i, j, k)]) pts.push_back({double(i) * sx, double(j) * sy}), pixels.push_back({i, j});
        if (pts.empty()) continue;
        ++slices_with_target;

        // Lumen centre (see the top of models/morphology.hpp): the lumen next to the calcium must exist; from its
        // inscribed circle a short arc is measured, a longer one from the circle through the calcium.
        const auto lumen = inscribed_lumen_centre(v, labels, mask, k, pixels, o.lumen_search_mm);
        if (!lumen) continue;
        std::array<double, 2> c = *lumen;
        if (arc_about(pts, c, pixel) * 180 / std::numbers::pi >= o.fit_min_arc_deg) {
            const std::optional<Circle> fit = fit_circle(pts);
            if (!fit) continue;
            c = {fit->cu, fit->cv};
        } else if (inner_edge_spread(pts, c, pixel) > 1.5 * pixel) {
            continue;  // not concave towards the lumen: a stone or deposit beside fluid, no wall calcification
        }
        double d_min = std::numeric_limits<double>::infinity(), r_sum = 0;
        for (const auto& p : pts) {
            const double d = std::hypot(p[0] - c[0], p[1] - c[1]);
            d_min = std::min(d_min, d);
            r_sum += d;
        }
        const double r_mean = r_sum / double(pts.size());
        if (r_mean < o.min_radius_mm || r_mean > o.max_radius_mm) continue;
        const auto ci = std::llround(c[0] / sx), cj = std::llround(c[1] / sy);
        if (ci < 0 || cj < 0 || ci >= std::ptrdiff_t(v.nx) || cj >= std::ptrdiff_t(v.ny)) continue;
        const std::size_t centre = v.index(std::size_t(ci), std::size_t(cj), k);
        if (mask[centre] || !lumen_label(labels[centre])) continue;
        const double inner = d_min - 0.5 * pixel;
        std::size_t inside = 0, lumen_pixels = 0;
        const auto ri = std::ptrdiff_t(std::ceil(inner / sx)) + 1, rj = std::ptrdiff_t(std::ceil(inner / sy)) + 1;
        for (std::ptrdiff_t j = cj - rj; j <= cj + rj; ++j)
            for (std::ptrdiff_t i = ci - ri; i <= ci + ri; ++i) {
                if (i < 0 || j < 0 || i >= std::ptrdiff_t(v.nx) || j >= std::ptrdiff_t(v.ny)) continue;
                if (std::hypot(double(i) * sx - c[0], double(j) * sy - c[1]) >= inner) continue;
                const std::size_t n = v.index(std::size_t(i), std::size_t(j), k);
                ++inside;
                lumen_pixels += !mask[n] && lumen_label(labels[n]);
            }
        if (inside > 0 && double(lumen_pixels) < o.lumen_fraction_min * double(inside)) continue;
        const double arc = arc_about(pts, c, pixel);

        PlaqueSlice s;
        s.k = k;
        s.lumen_centre_mm = v.position_mm(c[0] / sx, c[1] / sy, double(k));
        s.lumen_radius_mm = r_mean;
        s.arc_deg = arc * 180 / std::numbers::pi;
        s.thickness_mm = double(pts.size()) * sx * sy / (arc * r_mean);
        g.slices.push_back(s);
    }
    if (g.slices.empty() || 2 * g.slices.size() < slices_with_target) return std::nullopt;
    for (const auto& s : g.slices) {
        g.arc_deg_max = std::max(g.arc_deg_max, s.arc_deg);
        g.arc_deg_mean += s.arc_deg / double(g.slices.size());
        g.thickness_mm += s.thickness_mm / double(g.slices.size());
    }
    g.length_mm = double(b.k1 - b.k0 + 1) * v.spacing_mm[2];
    g.concentric = g.arc_deg_max >= o.concentric_arc_deg;
    return g;
}

}  // namespace lithosim::models
