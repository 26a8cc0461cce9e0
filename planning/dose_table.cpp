// The tabulated dose model: planning/dose_table.hpp gives the equations.
#include "planning/dose_table.hpp"

#include <cmath>
#include <memory>

#include "core/errors.hpp"

namespace lithosim::planning {
namespace {

/// Interpolation in log between two values of one sign (linear where either is 0).
double log_interp(double t, double v0, double v1) {
    const double a = std::abs(v0), b = std::abs(v1);
    if (a <= 0 || b <= 0) return v0 + t * (v1 - v0);
    const double sign = v0 < 0 || v1 < 0 ? -1 : 1;
    return sign * std::exp(std::log(a) + t * (std::log(b) - std::log(a)));
}

/// The two rows around a setting (the two nearest ends outside the range) and the fraction between them.
struct Bracket {
    const DoseTableRow *lo, *hi;
    double t;
};
Bracket bracket(const DoseTable& table, double s) {
    const auto& r = table.rows;
    if (r.size() == 1) return {&r[0], &r[0], 0.0};
    std::size_t hi = 1;
    while (hi + 1 < r.size() && r[hi].setting < s) ++hi;
    const DoseTableRow &a = r[hi - 1], &b = r[hi];
    return {&a, &b, b.setting == a.setting ? 0.0 : (s - a.setting) / (b.setting - a.setting)};
}

void check(const DoseTable& table) {
    require_input(!table.rows.empty(), "dose table: no rows (the plan simulated no setting)");
    for (std::size_t i = 1; i < table.rows.size(); ++i)
        require_input(table.rows[i].setting > table.rows[i - 1].setting, "dose table: settings ",
                      table.rows[i - 1].setting, " and ", table.rows[i].setting, " are not increasing");
}

}  // namespace

ShockAtTarget load_from_table(const DoseTable& table, double setting, double lateral_offset_m) {
    check(table);
    const Bracket b = bracket(table, setting);
    const auto at_row = [&](const DoseTableRow& r) {
        const double w = r.focal_width_m > 0 ? r.focal_width_m : table.fallback_width_m;
        const double f = gaussian_motion_factor(w, table.motion_sd_m, lateral_offset_m, table.target_radius_m);
        const double f_efd =
            gaussian_motion_factor(w / std::sqrt(2.0), table.motion_sd_m, lateral_offset_m, table.target_radius_m);
        ShockAtTarget l;
        l.p_plus_Pa = f * r.p_plus_Pa;
        l.p_minus_Pa = f * r.p_minus_Pa;
        l.efd_J_per_m2 = f_efd * r.efd_J_per_m2;
        return l;
    };
    const ShockAtTarget a = at_row(*b.lo), c = at_row(*b.hi);
    ShockAtTarget l;
    l.p_plus_Pa = log_interp(b.t, a.p_plus_Pa, c.p_plus_Pa);
    l.p_minus_Pa = log_interp(b.t, a.p_minus_Pa, c.p_minus_Pa);
    l.efd_J_per_m2 = log_interp(b.t, a.efd_J_per_m2, c.efd_J_per_m2);
    l.focal_width_m = b.lo->focal_width_m + b.t * (b.hi->focal_width_m - b.lo->focal_width_m);
    l.positive_phase_s = b.lo->positive_phase_s + b.t * (b.hi->positive_phase_s - b.lo->positive_phase_s);
    l.p_plus_relative_sd = table.p_plus_relative_sd;
    return l;
}

DoseModel dose_model_from_table(const DoseTable& table) {
    check(table);
    const auto t = std::make_shared<const DoseTable>(table);
    DoseModel m;
    m.setting_min = table.setting_min;
    m.setting_max = table.setting_max;
    m.setting_step = table.setting_step;
    m.dose = [t](double setting, double offset_m) {
        DoseAtSetting d;
        d.at_target = load_from_table(*t, setting, offset_m);
        const Bracket b = bracket(*t, setting);
        for (const auto& [organ, lo] : b.lo->oar) {
            const auto it = b.hi->oar.find(organ);
            const OrganDose& hi = it == b.hi->oar.end() ? lo : it->second;
            d.oar[organ] = OrganDose{log_interp(b.t, lo.max_p_plus_Pa, hi.max_p_plus_Pa),
                                     log_interp(b.t, lo.max_p_minus_Pa, hi.max_p_minus_Pa),
                                     log_interp(b.t, lo.max_efd_J_per_m2, hi.max_efd_J_per_m2)};
        }
        return d;
    };
    m.free_field_efd_J_per_m2 = [t](double setting) {
        const Bracket b = bracket(*t, setting);
        return log_interp(b.t, b.lo->free_field_efd_J_per_m2, b.hi->free_field_efd_J_per_m2);
    };
    return m;
}

}  // namespace lithosim::planning
