// IEC 61846-style field parameters; the working definitions are documented in planning/iec61846.hpp and, with their
// integration windows and units, in planning/IEC61846.md.
#include "planning/iec61846.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "planning/units.hpp"

namespace lithosim::planning {

using namespace detail;

namespace {

// A position "on" the edge of a map may miss it by rounding; this fraction of a cell is forgiven.
constexpr double kEdgeToleranceCells = 1e-6;
constexpr double kPlaneToleranceNoSpacing_m = 1e-9;

std::string num(double v) {
    // std::to_string prints fixed 6 decimals, which loses millimetres written in metres; %g keeps them.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string dims(const Map3& m) {
    return std::to_string(m.nx) + "x" + std::to_string(m.ny) + "x" + std::to_string(m.nz);
}

void check_series(const std::vector<double>& t, const std::vector<float>& p, const char* who) {
    if (t.size() != p.size()) {
        throw std::invalid_argument(std::string(who) + ": time axis has " + std::to_string(t.size()) +
                                    " samples but the pressure series has " + std::to_string(p.size()));
    }
}

void check_medium(double rho, double c, const char* who) {
    if (!(rho > 0) || !(c > 0)) {
        throw std::invalid_argument(std::string(who) + ": rho = " + num(rho) + " kg/m^3 and c = " + num(c) +
                                    " m/s must both be positive");
    }
}

/// The map has values for all its cells and the shape its geometry needs (see the layouts in iec61846.hpp).
void check_layout(const Map3& m, MapGeometry geometry, const char* who) {
    if (m.size() == 0 || m.values.size() != m.size()) {
        throw std::invalid_argument(std::string(who) + ": map has dimensions " + dims(m) + " but " +
                                    std::to_string(m.values.size()) + " values");
    }
    if (geometry == MapGeometry::cartesian) {
        if (m.nx < 2 || m.ny < 2 || !(m.spacing_m[0] > 0) || !(m.spacing_m[1] > 0)) {
            throw std::invalid_argument(std::string(who) + ": a Cartesian map needs nx, ny >= 2 and dx, dy > 0; got " +
                                        dims(m) + " with dx = " + num(m.spacing_m[0]) + " m, dy = " +
                                        num(m.spacing_m[1]) + " m");
        }
    } else {
        if (m.nx < 2 || m.ny != 1 || !(m.spacing_m[0] > 0)) {
            throw std::invalid_argument(std::string(who) + ": an axisymmetric map is stored [nz][nr] with nr >= 2, " +
                                        "ny = 1 and dr > 0; got " + dims(m) + " with dr = " + num(m.spacing_m[0]) +
                                        " m");
        }
        if (!(m.origin_m[0] >= 0) || !(m.origin_m[0] < m.spacing_m[0])) {
            throw std::invalid_argument(std::string(who) + ": an axisymmetric map must start within one cell of " +
                                        "the axis (0 <= r0 < dr); got r0 = " + num(m.origin_m[0]) + " m, dr = " +
                                        num(m.spacing_m[0]) + " m");
        }
    }
}

void check_plane(const Map3& m, MapGeometry geometry, const char* who) {
    check_layout(m, geometry, who);
    if (m.nz != 1) {
        throw std::invalid_argument(std::string(who) + ": expects a plane map (nz = 1, e.g. from plane_at_z); got " +
                                    dims(m));
    }
}

std::size_t index_of_max(const std::vector<float>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

/// Time at which the series reaches `level` between samples a and b, linear interpolation; p[a] != p[b].
double interpolate_time(const std::vector<double>& t, const std::vector<float>& p, std::size_t a, std::size_t b,
                        double level) {
    const double pa = p[a], pb = p[b];
    return t[a] + (level - pa) * (t[b] - t[a]) / (pb - pa);
}

// ---- Disc areas --------------------------------------------------------------------------------------------------
// Area of a rectangle inside the disc x^2 + y^2 <= R^2, exactly. For X, Y >= 0 the area of [0, X] x [0, Y] inside
// the disc is
//     F(X, Y) = Y * min(X, xc) + P(min(X, R)) - P(min(X, xc)),   xc = sqrt(R^2 - min(Y, R)^2),
//     P(x)    = integral_0^x sqrt(R^2 - s^2) ds = (x sqrt(R^2 - x^2) + R^2 asin(x / R)) / 2,
// (left of xc the circle is above the rectangle's top, right of it the circle is the top). The disc is symmetric in
// x and y, so with G(X, Y) = sgn(X) sgn(Y) F(|X|, |Y|) any rectangle [x0, x1] x [y0, y1] by inclusion-exclusion has
//     A = G(x1, y1) - G(x0, y1) - G(x1, y0) + G(x0, y0).

/// sqrt(R^2 - x^2) for 0 <= x <= R, written (R - x)(R + x) so that it is exactly 0 at x = R (R * R - x * x is not
/// when the compiler contracts it into a fused multiply-add).
double circle_height(double x, double R) { return std::sqrt(std::max(0.0, (R - x) * (R + x))); }

double quarter_disc_primitive(double x, double R) {
    const double s = circle_height(x, R);
    return 0.5 * (x * s + R * R * std::asin(std::clamp(x / R, -1.0, 1.0)));
}

double corner_area(double X, double Y, double R) {
    const double sign = (X < 0) != (Y < 0) ? -1.0 : 1.0;
    X = std::min(std::abs(X), R);
    Y = std::min(std::abs(Y), R);
    const double xc = circle_height(Y, R);
    const double a = std::min(X, xc);
    return sign * (Y * a + quarter_disc_primitive(X, R) - quarter_disc_primitive(a, R));
}

double rectangle_in_disc_area(double x0, double x1, double y0, double y1, double R) {
    // Whole-in and whole-out are decided first: most cells are one or the other, and they need no trigonometry.
    const double near_x = x0 > 0 ? x0 : (x1 < 0 ? -x1 : 0.0);
    const double near_y = y0 > 0 ? y0 : (y1 < 0 ? -y1 : 0.0);
    if (near_x * near_x + near_y * near_y >= R * R) return 0.0;
    const double far_x = std::max(std::abs(x0), std::abs(x1));
    const double far_y = std::max(std::abs(y0), std::abs(y1));
    if (far_x * far_x + far_y * far_y <= R * R) return (x1 - x0) * (y1 - y0);
    const double a = corner_area(x1, y1, R) - corner_area(x0, y1, R) - corner_area(x1, y0, R) + corner_area(x0, y0, R);
    return std::clamp(a, 0.0, (x1 - x0) * (y1 - y0));
}

/// Lower and upper edge of each node's cell along one axis, clipped to the map [first node, last node].
void cell_edges(double origin, double spacing, std::size_t n, std::vector<double>& lo, std::vector<double>& hi) {
    lo.resize(n);
    hi.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = origin + static_cast<double>(i) * spacing;
        lo[i] = i == 0 ? x : x - 0.5 * spacing;
        hi[i] = i + 1 == n ? x : x + 0.5 * spacing;
    }
}

/// Integral of a Cartesian plane map over the disc of radius R around x = y = 0 (R = infinity: the whole map).
/// Each node's value is constant over its (clipped) cell; the weight is the cell's area inside the disc.
double cartesian_disc_integral(const Map3& m, double R) {
    std::vector<double> xlo, xhi, ylo, yhi;
    cell_edges(m.origin_m[0], m.spacing_m[0], m.nx, xlo, xhi);
    cell_edges(m.origin_m[1], m.spacing_m[1], m.ny, ylo, yhi);
    const bool whole = std::isinf(R);
    double sum = 0;
    for (std::size_t j = 0; j < m.ny; ++j) {
        const float* row = m.values.data() + j * m.nx;
        double row_sum = 0;
        for (std::size_t i = 0; i < m.nx; ++i) {
            const double w = whole ? (xhi[i] - xlo[i]) * (yhi[j] - ylo[j])
                                   : rectangle_in_disc_area(xlo[i], xhi[i], ylo[j], yhi[j], R);
            row_sum += w * row[i];
        }
        sum += row_sum;
    }
    return sum;
}

/// Integral of an axisymmetric plane map over the disc of radius R around the axis (R beyond the last node: to the
/// last node). The field is linear in r between nodes and constant between the axis and the first node r0, and
/// integral_a^(a+L) 2 pi r (f_a + s (r - a)) dr = 2 pi (a f_a L + (a s + f_a) L^2 / 2 + s L^3 / 3) exactly.
double axisymmetric_disc_integral(const Map3& m, double R) {
    const double r0 = m.origin_m[0], dr = m.spacing_m[0];
    const double r_end = std::min(R, r0 + static_cast<double>(m.nx - 1) * dr);
    auto piece = [](double a, double fa, double slope, double L) {
        return a * fa * L + (a * slope + fa) * L * L / 2 + slope * L * L * L / 3;
    };
    double sum = piece(0.0, m.values[0], 0.0, std::min(r0, r_end));  // the axis to the first node
    for (std::size_t i = 0; i + 1 < m.nx; ++i) {
        const double a = r0 + static_cast<double>(i) * dr;
        if (a >= r_end) break;
        const double L = std::min(dr, r_end - a);
        const double slope = (static_cast<double>(m.values[i + 1]) - m.values[i]) / dr;
        sum += piece(a, m.values[i], slope, L);
    }
    return 2 * kPi * sum;
}

// ---- Zones -------------------------------------------------------------------------------------------------------

std::array<std::size_t, 3> cell_of(const Map3& m, std::size_t idx) {
    return {idx % m.nx, (idx / m.nx) % m.ny, idx / (m.nx * m.ny)};
}

std::size_t index_of(const Map3& m, const std::array<std::size_t, 3>& c) { return c[0] + m.nx * (c[1] + m.ny * c[2]); }

std::array<std::size_t, 3> extents(const Map3& m) { return {m.nx, m.ny, m.nz}; }

bool axis_used(const Map3& m, int axis) { return extents(m)[axis] > 1 && m.spacing_m[axis] > 0; }

/// Face neighbour of c along `axis` in direction dir (+1/-1), if it is inside the map.
std::optional<std::array<std::size_t, 3>> neighbour(const Map3& m, std::array<std::size_t, 3> c, int axis, int dir) {
    if (dir < 0 && c[axis] == 0) return std::nullopt;
    if (dir > 0 && c[axis] + 1 >= extents(m)[axis]) return std::nullopt;
    c[axis] = dir < 0 ? c[axis] - 1 : c[axis] + 1;
    return c;
}

/// Face-connected set of cells around `seed` with value >= threshold, as a mask over the map.
std::vector<char> connected_at_or_above(const Map3& m, std::size_t seed, double threshold) {
    std::vector<char> in_zone(m.size(), 0);
    std::vector<std::size_t> stack{seed};
    in_zone[seed] = 1;
    while (!stack.empty()) {
        const auto c = cell_of(m, stack.back());
        stack.pop_back();
        for (int axis = 0; axis < 3; ++axis) {
            for (int dir : {-1, +1}) {
                const auto nb = neighbour(m, c, axis, dir);
                if (!nb) continue;
                const std::size_t j = index_of(m, *nb);
                if (!in_zone[j] && m.values[j] >= threshold) {
                    in_zone[j] = 1;
                    stack.push_back(j);
                }
            }
        }
    }
    return in_zone;
}

/// Walking from `start` along `axis` in direction dir over cells >= threshold: the fractional index of the first
/// crossing below it (linear interpolation), or the edge cell's index with *at_edge set.
double line_crossing_index(const Map3& m, std::array<std::size_t, 3> c, int axis, int dir, double threshold,
                           bool* at_edge) {
    double last = m.values[index_of(m, c)];
    *at_edge = false;
    for (;;) {
        const auto next = neighbour(m, c, axis, dir);
        if (!next) {
            *at_edge = true;
            return static_cast<double>(c[axis]);
        }
        const double v = m.values[index_of(m, *next)];
        if (v < threshold) return static_cast<double>(c[axis]) + dir * (last - threshold) / (last - v);
        c = *next;
        last = v;
    }
}

/// Index of the series nearest `focus_m`, if within kSensorSearchRadiusCells cells of it. Distances are counted in
/// cells along each used axis of the map (along an unused one, in units of the largest used spacing); axisymmetric
/// maps compare the sensor's radius sqrt(x^2 + y^2) with the focus radius.
std::optional<std::size_t> series_near_focus(const SensorRecord& s, const Map3& m, MapGeometry geometry,
                                             const std::array<double, 3>& focus_m) {
    if (s.position_m.empty()) return std::nullopt;
    if (s.p_Pa.size() != s.position_m.size()) {
        throw std::invalid_argument("iec61846_parameters: sensor record has " + std::to_string(s.position_m.size()) +
                                    " positions but " + std::to_string(s.p_Pa.size()) + " series");
    }
    double largest_spacing = 0;
    for (int a = 0; a < 3; ++a)
        if (axis_used(m, a)) largest_spacing = std::max(largest_spacing, m.spacing_m[a]);
    std::optional<std::size_t> best;
    double best_d2 = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < s.position_m.size(); ++k) {
        const auto& x = s.position_m[k];
        double d2 = 0;
        if (geometry == MapGeometry::axisymmetric) {
            const double dr_cells = (std::hypot(x[0], x[1]) - focus_m[0]) / m.spacing_m[0];
            const double dz_cells = (x[2] - focus_m[2]) / (axis_used(m, 2) ? m.spacing_m[2] : largest_spacing);
            d2 = dr_cells * dr_cells + dz_cells * dz_cells;
        } else {
            for (int a = 0; a < 3; ++a) {
                const double d = (x[a] - focus_m[a]) / (axis_used(m, a) ? m.spacing_m[a] : largest_spacing);
                d2 += d * d;
            }
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            best = k;
        }
    }
    if (std::sqrt(best_d2) > kSensorSearchRadiusCells) return std::nullopt;
    return best;
}

}  // namespace

// ---- Focal waveform ------------------------------------------------------------------------------------------------

std::optional<double> pulse_duration_s(const std::vector<double>& t, const std::vector<float>& p) {
    check_series(t, p, "pulse_duration_s");
    if (p.size() < 2) return std::nullopt;
    const std::size_t k = index_of_max(p);
    const double peak = p[k];
    if (!(peak > 0)) return std::nullopt;

    // The positive phase: the run of samples with p > 0 that holds the peak, [first, last].
    std::size_t first = k, last = k;
    while (first > 0 && p[first - 1] > 0) --first;
    while (last + 1 < p.size() && p[last + 1] > 0) ++last;

    const double half = 0.5 * peak;
    std::size_t i = first;  // first sample of the phase at or above half maximum; at the latest the peak
    while (p[i] < half) ++i;
    if (i == 0) return std::nullopt;  // the record starts above half maximum
    const double t_start = interpolate_time(t, p, i - 1, i, half);  // p[i-1] < half <= p[i]
    std::size_t j = last;  // last sample of the phase at or above half maximum; at the earliest the peak
    while (p[j] < half) --j;
    if (j + 1 == p.size()) return std::nullopt;  // the record ends above half maximum
    const double t_end = interpolate_time(t, p, j, j + 1, half);  // p[j] >= half > p[j+1]
    return t_end - t_start;
}

double efd_whole_J_per_m2(const std::vector<double>& t, const std::vector<float>& p, double rho, double c) {
    return efd_J_per_m2(t, p, rho, c);  // the whole record, trapezoid rule
}

std::optional<double> efd_positive_J_per_m2(const std::vector<double>& t, const std::vector<float>& p, double rho,
                                            double c) {
    check_series(t, p, "efd_positive_J_per_m2");
    check_medium(rho, c, "efd_positive_J_per_m2");
    if (p.size() < 2) return std::nullopt;
    const std::size_t k = index_of_max(p);
    if (!(p[k] > 0)) return std::nullopt;

    std::size_t i = k, j = k;  // first and last sample of the positive phase
    while (i > 0 && p[i - 1] > 0) --i;
    while (j + 1 < p.size() && p[j + 1] > 0) ++j;
    if (i == 0 || j + 1 == p.size()) return std::nullopt;
    const double t_start = interpolate_time(t, p, i - 1, i, 0.0);  // p[i-1] <= 0 < p[i]
    const double t_end = interpolate_time(t, p, j, j + 1, 0.0);    // p[j] > 0 >= p[j+1]

    // Trapezoid rule on p^2, with p = 0 at both crossings.
    auto sq = [&](std::size_t n) { return static_cast<double>(p[n]) * p[n]; };
    double integral = 0.5 * sq(i) * (t[i] - t_start) + 0.5 * sq(j) * (t_end - t[j]);
    for (std::size_t n = i; n < j; ++n) integral += 0.5 * (sq(n) + sq(n + 1)) * (t[n + 1] - t[n]);
    return integral / (rho * c);
}

// ---- Maps ----------------------------------------------------------------------------------------------------------

Map3 plane_at_z(const Map3& m, double z_m) {
    if (m.size() == 0 || m.values.size() != m.size()) {
        throw std::invalid_argument("plane_at_z: map has dimensions " + dims(m) + " but " +
                                    std::to_string(m.values.size()) + " values");
    }
    const double z0 = m.origin_m[2], dz = m.spacing_m[2];
    const std::size_t plane_cells = m.nx * m.ny;
    Map3 out;
    out.nx = m.nx;
    out.ny = m.ny;
    out.nz = 1;
    out.origin_m = {m.origin_m[0], m.origin_m[1], z_m};
    out.spacing_m = {m.spacing_m[0], m.spacing_m[1], 0.0};

    if (m.nz == 1 || !(dz > 0)) {
        if (m.nz != 1 || std::abs(z_m - z0) > kPlaneToleranceNoSpacing_m) {
            throw std::invalid_argument("plane_at_z: z = " + num(z_m * kMm_per_m) + " mm is not the map's plane z = " +
                                        num(z0 * kMm_per_m) + " mm (map " + dims(m) + ", dz = " + num(dz) + " m)");
        }
        out.values.assign(m.values.begin(), m.values.begin() + static_cast<std::ptrdiff_t>(plane_cells));
        return out;
    }
    const double s = (z_m - z0) / dz;  // fractional plane index
    const double last = static_cast<double>(m.nz - 1);
    if (!(s >= -kEdgeToleranceCells && s <= last + kEdgeToleranceCells)) {
        throw std::invalid_argument("plane_at_z: z = " + num(z_m * kMm_per_m) + " mm lies outside the map (z from " +
                                    num(z0 * kMm_per_m) + " to " + num((z0 + last * dz) * kMm_per_m) + " mm)");
    }
    const std::size_t k = static_cast<std::size_t>(std::clamp(std::floor(s), 0.0, last - 1));
    const double w = std::clamp(s - static_cast<double>(k), 0.0, 1.0);  // weight of plane k + 1
    const float* a = m.values.data() + k * plane_cells;
    const float* b = a + plane_cells;
    out.values.resize(plane_cells);
    for (std::size_t n = 0; n < plane_cells; ++n) out.values[n] = static_cast<float>((1 - w) * a[n] + w * b[n]);
    return out;
}

std::optional<double> E_disc_J(const Map3& plane, double r_disc_m, MapGeometry geometry) {
    check_plane(plane, geometry, "E_disc_J");
    if (!(r_disc_m >= 0) || std::isinf(r_disc_m)) {
        throw std::invalid_argument("E_disc_J: disc radius " + num(r_disc_m) + " m must be finite and >= 0");
    }
    if (geometry == MapGeometry::axisymmetric) {
        const double r_last = plane.origin_m[0] + static_cast<double>(plane.nx - 1) * plane.spacing_m[0];
        if (r_disc_m > r_last + kEdgeToleranceCells * plane.spacing_m[0]) return std::nullopt;
        return axisymmetric_disc_integral(plane, r_disc_m);
    }
    for (int a = 0; a < 2; ++a) {
        const double lo = plane.origin_m[a];
        const double hi = lo + static_cast<double>(extents(plane)[a] - 1) * plane.spacing_m[a];
        const double tol = kEdgeToleranceCells * plane.spacing_m[a];
        if (lo > -r_disc_m + tol || hi < r_disc_m - tol) return std::nullopt;
    }
    return cartesian_disc_integral(plane, r_disc_m);
}

double plane_energy_J(const Map3& plane, MapGeometry geometry) {
    check_plane(plane, geometry, "plane_energy_J");
    const double inf = std::numeric_limits<double>::infinity();
    return geometry == MapGeometry::axisymmetric ? axisymmetric_disc_integral(plane, inf)
                                                 : cartesian_disc_integral(plane, inf);
}

std::optional<ZoneExtent> zone_extent_at_or_above(const Map3& m, double threshold, MapGeometry geometry) {
    check_layout(m, geometry, "zone_extent_at_or_above");
    const std::size_t seed = index_of_max(m.values);
    if (!(m.values[seed] >= threshold)) return std::nullopt;
    const std::vector<char> in_zone = connected_at_or_above(m, seed, threshold);

    // Bounding box of the interpolated crossings: every zone cell whose neighbour along an axis is outside the zone
    // (or outside the map) contributes a crossing in that direction.
    std::array<double, 3> lo, hi;
    lo.fill(std::numeric_limits<double>::infinity());
    hi.fill(-std::numeric_limits<double>::infinity());
    ZoneExtent out;
    for (std::size_t idx = 0; idx < in_zone.size(); ++idx) {
        if (!in_zone[idx]) continue;
        const auto c = cell_of(m, idx);
        const double v = m.values[idx];
        for (int axis = 0; axis < 3; ++axis) {
            if (!axis_used(m, axis)) continue;
            for (int dir : {-1, +1}) {
                const auto nb = neighbour(m, c, axis, dir);
                double pos;
                if (!nb) {
                    pos = static_cast<double>(c[axis]);
                    const bool symmetry_axis = geometry == MapGeometry::axisymmetric && axis == 0 && dir < 0;
                    if (!symmetry_axis) out.reaches_map_edge = out.edge_faces[axis][dir > 0] = true;
                } else {
                    const std::size_t j = index_of(m, *nb);
                    if (in_zone[j]) continue;
                    const double vn = m.values[j];  // < threshold <= v: not in the zone although face-connected
                    pos = static_cast<double>(c[axis]) + dir * (v - threshold) / (v - vn);
                }
                if (dir < 0) lo[axis] = std::min(lo[axis], pos);
                else hi[axis] = std::max(hi[axis], pos);
            }
        }
    }
    double size_mm[3] = {0, 0, 0};
    for (int axis = 0; axis < 3; ++axis) {
        if (axis_used(m, axis)) size_mm[axis] = (hi[axis] - lo[axis]) * m.spacing_m[axis] * kMm_per_m;
    }
    if (geometry == MapGeometry::axisymmetric) {
        const double r_out_mm = (m.origin_m[0] + hi[0] * m.spacing_m[0]) * kMm_per_m;
        size_mm[0] = size_mm[1] = 2 * r_out_mm;
    }
    out.size_mm = {size_mm[0], size_mm[1], size_mm[2]};
    return out;
}

FocalZone axisymmetric_focal_zone_6dB_mm(const Map3& m) {
    check_layout(m, MapGeometry::axisymmetric, "axisymmetric_focal_zone_6dB_mm");
    const std::size_t focus_idx = index_of_max(m.values);
    const double peak = m.values[focus_idx];
    if (!(peak > 0)) {
        throw std::invalid_argument("axisymmetric_focal_zone_6dB_mm: p_max has no positive value (peak " + num(peak) +
                                    " Pa)");
    }
    const double half = 0.5 * peak;
    const auto focus = cell_of(m, focus_idx);
    bool edge_in = false, edge_out = false;
    const double r_in = line_crossing_index(m, focus, 0, -1, half, &edge_in);
    const double r_out = line_crossing_index(m, focus, 0, +1, half, &edge_out);
    const double dr = m.spacing_m[0];
    // Still at or above half maximum at the first node: the profile continues across the axis by symmetry.
    const double width_r_m = edge_in ? 2 * (m.origin_m[0] + r_out * dr) : (r_out - r_in) * dr;
    double width_z_m = 0;
    if (axis_used(m, 2)) {
        bool e1 = false, e2 = false;
        width_z_m = (line_crossing_index(m, focus, 2, +1, half, &e2) - line_crossing_index(m, focus, 2, -1, half, &e1)) *
                    m.spacing_m[2];
    }
    return {width_r_m * kMm_per_m, width_r_m * kMm_per_m, width_z_m * kMm_per_m};
}

// ---- Everything together -------------------------------------------------------------------------------------------

IecParameters iec61846_parameters(const Map3& p_max, const Map3& p_min, const Map3& efd,
                                  const SensorRecord& focal_series_candidates, double rho, double c,
                                  std::optional<double> geometric_focus_z_m, bool axisymmetric) {
    const MapGeometry geometry = axisymmetric ? MapGeometry::axisymmetric : MapGeometry::cartesian;
    check_medium(rho, c, "iec61846_parameters");
    check_layout(p_max, geometry, "iec61846_parameters (p_max)");
    // p+, focus, p- over the -6 dB zone and EFD at the focus as everywhere else in lithosim; this also checks that the
    // three maps match. Waveform metrics are taken below with this file's definitions, so no sensors are passed.
    const FieldSummary s = summarise_field(p_max, p_min, efd, SensorRecord{});
    for (const Map3* other : {&p_min, &efd}) {
        if (other->origin_m != p_max.origin_m || other->spacing_m != p_max.spacing_m) {
            throw std::invalid_argument(std::string("iec61846_parameters: the ") +
                                        (other == &p_min ? "p_min" : "efd") +
                                        " map has another origin or spacing than p_max");
        }
    }
    if (!(s.p_plus_MPa > 0)) {
        throw std::invalid_argument("iec61846_parameters: p_max has no positive value (peak " +
                                    num(s.p_plus_MPa) + " MPa): there is no focus");
    }

    IecParameters out;
    out.p_plus_MPa = s.p_plus_MPa;
    out.p_minus_MPa = s.p_minus_MPa;
    out.focus_mm = s.focus_mm;
    out.efd_focus_mJ_per_mm2 = s.efd_focus_mJ_per_mm2;
    out.focal_zone_6dB_mm = axisymmetric ? axisymmetric_focal_zone_6dB_mm(p_max) : s.focal_zone_6dB_mm;
    if (const auto zone = zone_extent_at_or_above(p_max, kFiveMPaZoneThreshold_Pa, geometry)) {
        if (!zone->reaches_map_edge) out.focal_zone_5MPa_mm = zone->size_mm;
        out.zone_5MPa_edge_faces = zone->edge_faces;
    }
    const double peak_Pa = *std::max_element(p_max.values.begin(), p_max.values.end());
    if (const auto zone = zone_extent_at_or_above(p_max, 0.5 * peak_Pa, geometry))
        out.zone_6dB_edge_faces = zone->edge_faces;

    // Focal plane and disc energies.
    const auto focus_cell = cell_of(p_max, index_of_max(p_max.values));
    const std::array<double, 3> focus_m = p_max.position_m(focus_cell[0], focus_cell[1], focus_cell[2]);
    double plane_z_m = focus_m[2];
    out.focal_plane_z_mm = s.focus_mm[2];
    if (geometric_focus_z_m) {
        const double z0 = p_max.origin_m[2];
        const double z1 = z0 + static_cast<double>(p_max.nz - 1) * p_max.spacing_m[2];
        const double tol = p_max.nz > 1 ? kEdgeToleranceCells * p_max.spacing_m[2] : kPlaneToleranceNoSpacing_m;
        if (!(*geometric_focus_z_m >= z0 - tol && *geometric_focus_z_m <= z1 + tol)) {
            throw std::invalid_argument("iec61846_parameters: the geometric focus z = " +
                                        num(*geometric_focus_z_m * kMm_per_m) + " mm lies outside the map (z from " +
                                        num(z0 * kMm_per_m) + " to " + num(z1 * kMm_per_m) + " mm)");
        }
        plane_z_m = *geometric_focus_z_m;
        out.focal_plane_z_mm = plane_z_m * kMm_per_m;
    }
    const Map3 plane = plane_at_z(efd, plane_z_m);
    auto disc_mJ = [&](double radius_m) -> std::optional<double> {
        if (const auto e = E_disc_J(plane, radius_m, geometry)) return *e * kMJ_per_J;
        return std::nullopt;
    };
    out.E5mm_mJ = disc_mJ(kDisc5mmRadius_m);
    out.E12mm_mJ = disc_mJ(kDisc12mmRadius_m);
    out.E28mm_disc_mJ = disc_mJ(kDisc28mmDiameterRadius_m);
    out.energy_total_mJ = plane_energy_J(plane, geometry) * kMJ_per_J;

    // Focal waveform.
    if (const auto k = series_near_focus(focal_series_candidates, p_max, geometry, focus_m)) {
        const std::vector<double>& t = focal_series_candidates.t_s;
        const std::vector<float>& p = focal_series_candidates.p_Pa[*k];
        check_series(t, p, "iec61846_parameters (series nearest the focus)");
        if (const auto rise = rise_time_s(t, p)) out.rise_time_ns = *rise * kNs_per_s;
        if (const auto dur = pulse_duration_s(t, p)) out.pulse_duration_ns = *dur * kNs_per_s;
        if (const auto e = efd_positive_J_per_m2(t, p, rho, c)) {
            out.efd_plus_focus_mJ_per_mm2 = *e / kJ_per_m2_per_mJ_per_mm2;
        }
    }
    return out;
}

Map3 crop_from_z(const Map3& m, double z_from) {
    if (m.spacing_m[2] <= 0 || m.nz <= 1) return m;
    const double u = std::ceil((z_from - m.origin_m[2]) / m.spacing_m[2] - 1e-9);
    const std::size_t iz0 = u <= 0 ? 0 : std::min(m.nz - 1, std::size_t(u));
    if (iz0 == 0) return m;
    Map3 c = m;
    c.nz = m.nz - iz0;
    c.origin_m[2] = m.origin_m[2] + double(iz0) * m.spacing_m[2];
    c.values.assign(m.values.begin() + std::ptrdiff_t(iz0 * m.nx * m.ny), m.values.end());
    return c;
}

}  // namespace lithosim::planning
