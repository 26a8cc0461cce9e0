// Field metrics; the definitions are documented in planning/field_metrics.hpp.
#include "planning/field_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

#include "planning/units.hpp"

namespace lithosim::planning {

using namespace detail;

namespace {


std::string dims(const Map3& m) {
    return std::to_string(m.nx) + "x" + std::to_string(m.ny) + "x" + std::to_string(m.nz);
}

void check_map(const Map3& m, const char* what) {
    if (m.size() == 0 || m.values.size() != m.size()) {
        throw std::invalid_argument(std::string("summarise_field: map '") + what + "' has dimensions " + dims(m) +
                                    " but " + std::to_string(m.values.size()) + " values");
    }
}

void check_series(const std::vector<double>& t, const std::vector<float>& p, const char* who) {
    if (t.size() != p.size()) {
        throw std::invalid_argument(std::string(who) + ": time axis has " + std::to_string(t.size()) +
                                    " samples but the pressure series has " + std::to_string(p.size()));
    }
}

bool axis_used(const Map3& m, int axis) {
    const std::size_t n[3] = {m.nx, m.ny, m.nz};
    return n[axis] > 1 && m.spacing_m[axis] > 0;
}

/// Linear index of cell (i[0], i[1], i[2]), x fastest; the caller checks bounds.
std::size_t linear_index(const Map3& m, const std::array<std::size_t, 3>& i) {
    return i[0] + m.nx * (i[1] + m.ny * i[2]);
}

/// 6-connected flood fill from `seed` over cells with value >= threshold. Returns a mask over the map.
std::vector<char> flood_fill_at_or_above(const Map3& m, std::size_t seed, double threshold) {
    std::vector<char> in_zone(m.size(), 0);
    std::vector<std::size_t> stack{seed};
    in_zone[seed] = 1;
    const std::size_t n[3] = {m.nx, m.ny, m.nz};
    while (!stack.empty()) {
        const std::size_t idx = stack.back();
        stack.pop_back();
        const std::array<std::size_t, 3> c{idx % m.nx, (idx / m.nx) % m.ny, idx / (m.nx * m.ny)};
        for (int axis = 0; axis < 3; ++axis) {
            for (int dir : {-1, +1}) {
                if ((dir < 0 && c[axis] == 0) || (dir > 0 && c[axis] + 1 >= n[axis])) continue;
                std::array<std::size_t, 3> nb = c;
                nb[axis] = dir < 0 ? c[axis] - 1 : c[axis] + 1;
                const std::size_t j = linear_index(m, nb);
                if (!in_zone[j] && m.values[j] >= threshold) {
                    in_zone[j] = 1;
                    stack.push_back(j);
                }
            }
        }
    }
    return in_zone;
}

/// Position (in fractional cell index along `axis`) of the half-maximum crossing walking from the focus in
/// direction `dir`, by linear interpolation; the edge cell if the profile never drops below the threshold.
double crossing_index(const Map3& m, const std::array<std::size_t, 3>& focus, int axis, int dir, double threshold) {
    const std::size_t n[3] = {m.nx, m.ny, m.nz};
    std::array<std::size_t, 3> c = focus;
    double last_value = m.values[linear_index(m, c)];
    for (;;) {
        if ((dir < 0 && c[axis] == 0) || (dir > 0 && c[axis] + 1 >= n[axis])) {
            return static_cast<double>(c[axis]);  // still above half maximum at the edge of the map
        }
        std::array<std::size_t, 3> next = c;
        next[axis] = dir < 0 ? c[axis] - 1 : c[axis] + 1;
        const double v = m.values[linear_index(m, next)];
        if (v < threshold) {
            // last_value >= threshold > v, so the denominator is positive.
            const double frac = (last_value - threshold) / (last_value - v);
            return static_cast<double>(c[axis]) + dir * frac;
        }
        c = next;
        last_value = v;
    }
}

/// Time at which the series reaches `level` between samples a and b, linear interpolation; p[a] != p[b].
double interpolate_time(const std::vector<double>& t, const std::vector<float>& p, std::size_t a, std::size_t b,
                        double level) {
    const double pa = p[a], pb = p[b];
    return t[a] + (level - pa) * (t[b] - t[a]) / (pb - pa);
}

std::size_t index_of_max(const std::vector<float>& p) {
    return static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

}  // namespace

FieldSummary summarise_field(const Map3& p_max_Pa, const Map3& p_min_Pa, const Map3& efd_J_per_m2_map,
                             const SensorRecord& sensors) {
    check_map(p_max_Pa, "p_max");
    check_map(p_min_Pa, "p_min");
    check_map(efd_J_per_m2_map, "efd");
    for (const Map3* other : {&p_min_Pa, &efd_J_per_m2_map}) {
        if (other->nx != p_max_Pa.nx || other->ny != p_max_Pa.ny || other->nz != p_max_Pa.nz) {
            throw std::invalid_argument("summarise_field: p_max is " + dims(p_max_Pa) + " but " +
                                        (other == &p_min_Pa ? std::string("p_min") : std::string("efd")) + " is " +
                                        dims(*other));
        }
    }
    const Map3& m = p_max_Pa;

    // Focus and peak positive pressure.
    const std::size_t focus_idx =
        static_cast<std::size_t>(std::max_element(m.values.begin(), m.values.end()) - m.values.begin());
    const double p_plus = m.values[focus_idx];
    const std::array<std::size_t, 3> focus{focus_idx % m.nx, (focus_idx / m.nx) % m.ny, focus_idx / (m.nx * m.ny)};
    const std::array<double, 3> focus_m = m.position_m(focus[0], focus[1], focus[2]);

    FieldSummary s;
    s.p_plus_MPa = p_plus / kPa_per_MPa;
    // Round to a nanometre: a node at x = 0 reached as -32 mm + 80 x 0.4 mm should read 0, not 8.7e-16.
    for (int a = 0; a < 3; ++a) s.focus_mm[a] = std::round(focus_m[a] * kMm_per_m * 1e6) / 1e6;
    s.efd_focus_mJ_per_mm2 = efd_J_per_m2_map.values[focus_idx] / kJ_per_m2_per_mJ_per_mm2;

    // -6 dB focal zone: connected region for p_minus, line profiles through the focus for the widths.
    const double half = 0.5 * p_plus;
    const std::vector<char> in_zone = flood_fill_at_or_above(m, focus_idx, half);
    double p_minus = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < in_zone.size(); ++i) {
        if (in_zone[i]) p_minus = std::min(p_minus, static_cast<double>(p_min_Pa.values[i]));
    }
    s.p_minus_MPa = p_minus / kPa_per_MPa;

    double width_mm[3] = {0, 0, 0};
    for (int axis = 0; axis < 3; ++axis) {
        if (!axis_used(m, axis)) continue;
        const double lo = crossing_index(m, focus, axis, -1, half);
        const double hi = crossing_index(m, focus, axis, +1, half);
        width_mm[axis] = (hi - lo) * m.spacing_m[axis] * kMm_per_m;
    }
    s.focal_zone_6dB_mm = {width_mm[0], width_mm[1], width_mm[2]};

    // Waveform metrics from the sensor nearest the focus, if it is close enough.
    double largest_spacing = 0;
    for (int a = 0; a < 3; ++a) {
        if (axis_used(m, a)) largest_spacing = std::max(largest_spacing, m.spacing_m[a]);
    }
    if (largest_spacing > 0 && !sensors.position_m.empty()) {
        if (sensors.p_Pa.size() != sensors.position_m.size()) {
            throw std::invalid_argument("summarise_field: sensor record has " +
                                        std::to_string(sensors.position_m.size()) + " positions but " +
                                        std::to_string(sensors.p_Pa.size()) + " series");
        }
        std::size_t best = 0;
        double best_dist = std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < sensors.position_m.size(); ++k) {
            double d2 = 0;
            for (int a = 0; a < 3; ++a) {
                const double cell = axis_used(m, a) ? m.spacing_m[a] : largest_spacing;
                const double d = (sensors.position_m[k][a] - focus_m[a]) / cell;
                d2 += d * d;
            }
            if (d2 < best_dist) {
                best_dist = d2;
                best = k;
            }
        }
        if (std::sqrt(best_dist) <= kSensorSearchRadiusCells) {
            const std::vector<float>& series = sensors.p_Pa[best];
            check_series(sensors.t_s, series, "summarise_field (sensor nearest the focus)");
            if (const auto rise = rise_time_s(sensors.t_s, series)) s.rise_time_ns = *rise * kNs_per_s;
            if (const auto dur = positive_phase_duration_s(sensors.t_s, series)) s.pulse_duration_ns = *dur * kNs_per_s;
        }
    }
    return s;
}

std::optional<double> rise_time_s(const std::vector<double>& t, const std::vector<float>& p) {
    check_series(t, p, "rise_time_s");
    if (p.size() < 2) return std::nullopt;
    const std::size_t k = index_of_max(p);
    const double peak = p[k];
    if (!(peak > 0)) return std::nullopt;

    // Walk back from the peak: first the last sample below 90 %, then, further back, the last below 10 %.
    const double level90 = 0.9 * peak, level10 = 0.1 * peak;
    std::size_t i = k;
    while (i > 0 && p[i - 1] >= level90) --i;
    if (i == 0) return std::nullopt;
    const double t90 = interpolate_time(t, p, i - 1, i, level90);  // p[i-1] < level90 <= p[i]
    std::size_t j = i;  // p[i] >= level90 > level10; both crossings may fall in the same sample interval
    while (j > 0 && p[j - 1] >= level10) --j;
    if (j == 0) return std::nullopt;
    const double t10 = interpolate_time(t, p, j - 1, j, level10);  // p[j-1] < level10 <= p[j]
    return t90 - t10;
}

std::optional<double> positive_phase_duration_s(const std::vector<double>& t, const std::vector<float>& p) {
    check_series(t, p, "positive_phase_duration_s");
    if (p.size() < 2) return std::nullopt;
    const std::size_t k = index_of_max(p);
    if (!(p[k] > 0)) return std::nullopt;

    std::size_t i = k;  // p[i] > 0; find the sample before it with p <= 0
    while (i > 0 && p[i - 1] > 0) --i;
    if (i == 0) return std::nullopt;
    const double t_start = interpolate_time(t, p, i - 1, i, 0.0);  // p[i-1] <= 0 < p[i]
    std::size_t j = k;
    while (j + 1 < p.size() && p[j + 1] > 0) ++j;
    if (j + 1 == p.size()) return std::nullopt;
    const double t_end = interpolate_time(t, p, j, j + 1, 0.0);  // p[j] > 0 >= p[j+1]
    return t_end - t_start;
}

double efd_J_per_m2(const std::vector<double>& t, const std::vector<float>& p, double rho, double c) {
    check_series(t, p, "efd_J_per_m2");
    if (!(rho > 0) || !(c > 0)) {
        throw std::invalid_argument("efd_J_per_m2: rho = " + std::to_string(rho) + " and c = " + std::to_string(c) +
                                    " must both be positive");
    }
    double integral = 0;  // Pa^2 s
    for (std::size_t n = 0; n + 1 < p.size(); ++n) {
        const double a = p[n], b = p[n + 1];
        integral += 0.5 * (a * a + b * b) * (t[n + 1] - t[n]);
    }
    return integral / (rho * c);
}

}  // namespace lithosim::planning
