// Aiming by the simulated dose: the rule and its limits are at the top of planning/aim.hpp.
#include "planning/aim.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace lithosim::planning {
namespace {

void check_profile(const AxialProfile& p) {
    require_input(p.z_m.size() == p.efd_J_per_m2.size(), "axial profile: ", p.z_m.size(), " z values but ",
                  p.efd_J_per_m2.size(), " EFD values");
    require_input(p.p_plus_Pa.empty() || p.p_plus_Pa.size() == p.z_m.size(), "axial profile: ", p.z_m.size(),
                  " z values but ", p.p_plus_Pa.size(), " p+ values");
    for (std::size_t k = 1; k < p.z_m.size(); ++k)
        require_input(p.z_m[k] > p.z_m[k - 1], "axial profile: z must increase (sample ", k, ": ", p.z_m[k],
                      " m after ", p.z_m[k - 1], " m)");
}

/// The first sample at or beyond the skin.
std::size_t first_inside(const std::vector<double>& z, double skin_z_m) {
    const std::size_t first = std::size_t(std::lower_bound(z.begin(), z.end(), skin_z_m) - z.begin());
    require_input(first < z.size(), "axial profile: no sample at or beyond the skin (z = ", skin_z_m, " m; the "
                  "profile ends at ", z.empty() ? 0.0 : z.back(), " m)");
    return first;
}

}  // namespace

Peak axial_peak(const std::vector<double>& z, const std::vector<double>& v, std::size_t first) {
    Peak p;
    p.index = first;
    for (std::size_t k = first; k < v.size(); ++k)
        if (v[k] > v[p.index]) p.index = k;
    p.z_m = z[p.index];
    p.value = v[p.index];
    // Parabola through the maximum and its neighbours (inside the searched range), on uneven spacing.
    const std::size_t k = p.index;
    if (k > first && k + 1 < v.size()) {
        const double z0 = z[k - 1], z1 = z[k], z2 = z[k + 1];
        const double v0 = v[k - 1], v1 = v[k], v2 = v[k + 1];
        const double d01 = (v1 - v0) / (z1 - z0), d12 = (v2 - v1) / (z2 - z1);
        const double a = (d12 - d01) / (z2 - z0);  // curvature / 2
        if (a < 0) {
            const double b = d01 - a * (z0 + z1);   // v = a z^2 + b z + c
            const double zv = std::clamp(-b / (2 * a), z1 - 0.5 * (z1 - z0), z1 + 0.5 * (z2 - z1));
            p.z_m = zv;
            p.value = std::max(v1, v1 + (zv - z1) * (d01 + a * (zv - z0)));  // Newton form at zv
        }
    }
    return p;
}

double value_at_z(const std::vector<double>& z, const std::vector<double>& v, double x) {
    if (z.empty()) return 0;
    if (x <= z.front()) return v.front();
    if (x >= z.back()) return v.back();
    const std::size_t hi = std::size_t(std::upper_bound(z.begin(), z.end(), x) - z.begin());
    const double t = (x - z[hi - 1]) / (z[hi] - z[hi - 1]);
    return v[hi - 1] + t * (v[hi] - v[hi - 1]);
}

AxialProfile smoothed(const AxialProfile& p, double window_m) {
    check_profile(p);
    require_input(std::isfinite(window_m) && window_m >= 0, "aim: smoothing window ", window_m, " m must be >= 0");
    if (window_m == 0 || p.z_m.size() < 2) return p;
    AxialProfile s = p;
    const double h = 0.5 * window_m * (1 + 1e-9);
    auto average = [&](const std::vector<double>& v, std::vector<double>& out) {
        // running sums over the samples inside [z - h, z + h]
        std::size_t lo = 0, hi = 0;
        double sum = 0;
        for (std::size_t k = 0; k < p.z_m.size(); ++k) {
            while (hi < p.z_m.size() && p.z_m[hi] <= p.z_m[k] + h) sum += v[hi++];
            while (p.z_m[lo] < p.z_m[k] - h) sum -= v[lo++];
            out[k] = sum / double(hi - lo);
        }
    };
    average(p.efd_J_per_m2, s.efd_J_per_m2);
    if (!p.p_plus_Pa.empty()) average(p.p_plus_Pa, s.p_plus_Pa);
    return s;
}

AimAssessment assess_aim(const AxialProfile& raw, double skin_z_m, const AimTarget& target, double smoothing_m) {
    const AxialProfile profile = smoothed(raw, smoothing_m);
    require_input(target.near_z_m <= target.centroid_z_m && target.centroid_z_m <= target.far_z_m,
                  "aim: the target's extent along the axis [", target.near_z_m, ", ", target.far_z_m,
                  "] m does not hold its centroid z = ", target.centroid_z_m, " m");
    const std::size_t first = first_inside(profile.z_m, skin_z_m);
    AimAssessment a;
    const Peak e = axial_peak(profile.z_m, profile.efd_J_per_m2, first);
    a.efd_max_z_m = e.z_m;
    a.efd_max_J_per_m2 = e.value;
    a.efd_target_J_per_m2 = value_at_z(profile.z_m, profile.efd_J_per_m2, target.centroid_z_m);
    a.efd_max_to_target_m = target.centroid_z_m - e.z_m;
    if (e.value > 0) {
        a.target_efd_fraction_of_max = a.efd_target_J_per_m2 / e.value;
        a.near_end_efd_fraction_of_max = value_at_z(profile.z_m, profile.efd_J_per_m2, target.near_z_m) / e.value;
        a.far_end_efd_fraction_of_max = value_at_z(profile.z_m, profile.efd_J_per_m2, target.far_z_m) / e.value;
    }
    a.max_inside_target = target.near_z_m <= e.z_m && e.z_m <= target.far_z_m;
    if (!profile.p_plus_Pa.empty()) {
        const Peak p = axial_peak(profile.z_m, profile.p_plus_Pa, first);
        a.p_plus_max_z_m = p.z_m;
        a.p_plus_max_Pa = p.value;
        a.p_plus_target_Pa = value_at_z(profile.z_m, profile.p_plus_Pa, target.centroid_z_m);
    }
    return a;
}

AimStep aim_focus(const AxialProfile& profile, double skin_z_m, const AimTarget& target, double current_offset_m,
                  const OffsetRange& range, double smoothing_m) {
    require_input(range.min_m <= range.max_m, "aim: the offset range [", range.min_m, ", ", range.max_m,
                  "] m is empty");
    require_input(std::isfinite(current_offset_m), "aim: the current focus offset ", current_offset_m,
                  " m is not finite");
    AimStep s;
    s.now = assess_aim(profile, skin_z_m, target, smoothing_m);
    s.unclamped_offset_m = current_offset_m + s.now.efd_max_to_target_m;
    s.focus_offset_m = std::clamp(s.unclamped_offset_m, range.min_m, range.max_m);
    s.clamped = s.focus_offset_m != s.unclamped_offset_m;
    return s;
}

}  // namespace lithosim::planning
