// Session scheduler: planning/PLANNER.md §2 describes the rules this file implements, in order:
//   1. resolve the options (protocol defaults, checked overrides);
//   2. the plateau setting: the one whose free-field EFD is the target EFD (bisection: EFD grows with the setting;
//      levels are snapped to the nearest level in log EFD);
//   3. the safety cap: if an organ at risk is over its limit at the plateau, the highest setting below that keeps
//      every organ within its limits; none at the lowest setting -> no safe plan;
//   4. the ramp: settings for the rule's fractions of the plateau EFD, each held for a few shocks, increasing;
//   5. sessions one after the other, shock by shock with the fragmentation model, stopping when the fraction cleared
//      reaches the goal; between sessions the fragments shrink (between_sessions). Because more shocks and the time
//      between sessions never lower the fraction cleared, the first session at which the goal is reached is the
//      fewest sessions that reach it.
#include "planning/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "planning/units.hpp"
#include "core/errors.hpp"

namespace lithosim::planning {
namespace {

using detail::kJ_per_m2_per_mJ_per_mm2;
using detail::kMm_per_m;
using detail::kPa_per_MPa;

struct Resolved {
    int max_sessions = 0, max_shocks = 0, interval_days = 0;
    double rate_per_min = 0, target_efd_J_per_m2 = 0, goal = 0;
};

std::string mj(double efd_J_per_m2) { return fmt(efd_J_per_m2 / kJ_per_m2_per_mJ_per_mm2, " mJ/mm^2"); }

Resolved resolve(const ScheduleRequest& r) {
    const Protocol& p = r.protocol;
    require_input(r.dose.dose != nullptr, "plan for ", p.indication, ": no dose model was given");
    require_input(std::isfinite(r.dose.setting_min) && std::isfinite(r.dose.setting_max) &&
                      r.dose.setting_max >= r.dose.setting_min,
                  "plan for ", p.indication, ": device setting range ", r.dose.setting_min, " to ",
                  r.dose.setting_max, " is empty");
    require_input(std::isfinite(r.dose.setting_step) && r.dose.setting_step >= 0, "plan for ", p.indication,
                  ": device setting step ", r.dose.setting_step, " must be >= 0");
    require_input(std::isfinite(r.target_diameter_m) && r.target_diameter_m > 0, "plan for ", p.indication,
                  ": target diameter ", r.target_diameter_m * kMm_per_m, " mm must be > 0");
    Resolved v;
    require_input(r.first_index >= 1 && r.first_index <= p.sessions_max, "re-plan: session ", r.first_index,
                  " is beyond the ", p.sessions_max, " sessions a course may have (", p.indication, ")");
    require_input(r.first_day >= 0, "re-plan: first day ", r.first_day, " must be >= 0");
    const int allowed = p.sessions_max - (r.first_index - 1);   // the sessions done count
    v.max_sessions = r.sessions.value_or(std::min(p.sessions_default, allowed));
    require_input_for("sessions", v.max_sessions >= 1 && v.max_sessions <= allowed, "sessions = ", v.max_sessions,
                  " is outside 1 to ", allowed, " (", p.indication,
                  r.first_index > 1 ? fmt(", ", r.first_index - 1, " session(s) done") : std::string(), ")");
    v.max_shocks = r.max_shocks_per_session.value_or(p.shocks_per_session_default);
    require_input_for("max_shocks_per_session", v.max_shocks >= 0 && v.max_shocks <= p.shocks_per_session_max,
                      "shocks per session = ",
                  v.max_shocks, " is outside 0 to ", p.shocks_per_session_max, " (", p.indication,
                  "; 0 plans no shocks: the outcome without treatment)");
    v.rate_per_min = r.rate_per_min.value_or(p.rate_per_min_default);
    require_input_for("rate_per_min",
                      std::isfinite(v.rate_per_min) && v.rate_per_min > 0 && v.rate_per_min <= p.rate_per_min_max,
                  "shock rate = ", v.rate_per_min, " is outside (0, ", p.rate_per_min_max, "] (", p.indication,
                  ")");
    v.target_efd_J_per_m2 = r.target_efd_J_per_m2.value_or(p.efd_default_J_per_m2);
    require_input_for("efd_mJ_per_mm2",
                      std::isfinite(v.target_efd_J_per_m2) && v.target_efd_J_per_m2 >= kEfdOverrideMin_J_per_m2 &&
                      v.target_efd_J_per_m2 <= kEfdOverrideMax_J_per_m2,
                  "EFD = ", v.target_efd_J_per_m2 / kJ_per_m2_per_mJ_per_mm2,
                  " mJ/mm^2 is outside the accepted 0.01 to 0.6");
    v.interval_days = r.interval_days.value_or(p.interval_days_default);
    require_input(v.interval_days >= p.interval_days_min && v.interval_days <= p.interval_days_max,
                  "interval_days = ", v.interval_days, " is outside ", p.interval_days_min, " to ",
                  p.interval_days_max, " (", p.indication, ")");
    v.goal = r.goal_probability.value_or(p.goal_probability);
    require_input(std::isfinite(v.goal) && v.goal > 0 && v.goal < 1, "goal_probability = ", v.goal,
                  " is outside (0, 1)");
    require_input(r.curve_every_shocks >= 1, "curve_every_shocks = ", r.curve_every_shocks, " must be >= 1");
    require_input(r.ramp.shocks_per_step >= 0, "ramp shocks_per_step = ", r.ramp.shocks_per_step, " must be >= 0");
    require_input_for("stone_count", r.stones >= 1 && r.stones <= 5, "stone count = ", r.stones, " is outside 1 to 5");
    if (p.goal_kind == "dose") v.goal = 2.0;   // never reached: every planned shock is delivered
    return v;
}

/// The dose model with a cache: the scheduler asks for the same few settings many times.
class Doses {
public:
    explicit Doses(const DoseModel& m) : m_(m) {}
    const DoseAtSetting& at(double setting) {
        auto it = cache_.find(setting);
        if (it == cache_.end()) it = cache_.emplace(setting, m_.dose(setting, 0.0)).first;
        return it->second;
    }
    double free_field_efd(double setting) {
        return m_.free_field_efd_J_per_m2 ? m_.free_field_efd_J_per_m2(setting) : at(setting).at_target.efd_J_per_m2;
    }
    /// The largest allowed setting <= s (levels: on the grid from setting_min).
    double floor_to_grid(double s) const {
        s = std::clamp(s, m_.setting_min, m_.setting_max);
        if (m_.setting_step <= 0) return s;
        const double k = std::floor((s - m_.setting_min) / m_.setting_step + 1e-9);
        return m_.setting_min + k * m_.setting_step;
    }
    /// The allowed setting in [lo, hi] whose free-field EFD is nearest `efd` (log scale); lo and hi allowed.
    double setting_for_efd(double efd, double lo, double hi) {
        if (free_field_efd(lo) >= efd) return lo;
        if (free_field_efd(hi) <= efd) return hi;
        double a = lo, b = hi;   // EFD(a) < efd < EFD(b)
        for (int i = 0; i < 60 && b - a > 1e-9 * (1 + std::abs(b)); ++i) {
            const double c = 0.5 * (a + b);
            (free_field_efd(c) < efd ? a : b) = c;
        }
        if (m_.setting_step <= 0) return 0.5 * (a + b);
        const double below = floor_to_grid(a);
        const double above = std::min(hi, below + m_.setting_step);
        const auto miss = [&](double s) { return std::abs(std::log(free_field_efd(s) / efd)); };
        return miss(above) < miss(below) ? above : below;
    }
    double setting_min() const { return m_.setting_min; }

private:
    const DoseModel& m_;
    std::map<double, DoseAtSetting> cache_;
};

bool safe_at(Doses& d, double setting, const SafetyLimits& limits) {
    for (const auto& [organ, dose] : d.at(setting).oar)
        if (!within_limits(organ, dose, limits)) return false;
    return true;
}

std::string first_violation(Doses& d, double setting, const SafetyLimits& limits) {
    for (const auto& [organ, dose] : d.at(setting).oar) {
        const auto v = limit_violations(organ, dose, limits);
        if (!v.empty()) return v.front();
    }
    return {};
}

void merge_max(OrganDose& into, const OrganDose& d) {
    into.max_p_plus_Pa = std::max(into.max_p_plus_Pa, d.max_p_plus_Pa);
    into.max_p_minus_Pa = std::min(into.max_p_minus_Pa, d.max_p_minus_Pa);
    into.max_efd_J_per_m2 = std::max(into.max_efd_J_per_m2, d.max_efd_J_per_m2);
}

std::string pct(double f) {
    std::ostringstream os;
    os.precision(3);
    os << f;
    return os.str();
}

}  // namespace

double probability_all_below(const FragmentPopulation& population, double size_m, int stones) {
    return std::pow(1.0 - probability_largest_above(population, size_m), std::max(stones, 1));
}

double Schedule::final_fraction_cleared() const {
    return sessions.empty() ? (curve.empty() ? 0.0 : curve.back().fraction_cleared)
                            : sessions.back().fraction_cleared_after;
}

int Schedule::total_shocks() const {
    int n = 0;
    for (const auto& s : sessions) n += s.shocks;
    return n;
}

double gaussian_motion_factor(double width_m, double motion_sd_m, double offset_m, double target_radius_m) {
    require_input(std::isfinite(width_m) && width_m > 0, "focal width ", width_m * kMm_per_m, " mm must be > 0");
    require_input(std::isfinite(motion_sd_m) && motion_sd_m >= 0, "motion SD ", motion_sd_m * kMm_per_m,
                  " mm must be >= 0");
    require_input(std::isfinite(offset_m), "lateral offset ", offset_m, " m must be finite");
    require_input(std::isfinite(target_radius_m) && target_radius_m >= 0, "target radius ", target_radius_m * kMm_per_m,
                  " mm must be >= 0");
    const double s = width_m / (2.0 * std::sqrt(2.0 * std::log(2.0)));   // FWHM -> Gaussian s
    const auto profile = [&](double x, double y) {
        const double r = std::max(0.0, std::hypot(x, y) - target_radius_m);
        return std::exp(-r * r / (2 * s * s));
    };
    if (motion_sd_m == 0) return profile(offset_m, 0.0);
    if (target_radius_m == 0) {
        const double var = s * s + motion_sd_m * motion_sd_m;
        return s * s / var * std::exp(-offset_m * offset_m / (2.0 * var));
    }
    // Midpoint rule over +-5 SD in each lateral axis, weighted by the Gaussian density (error < 1e-3).
    constexpr int kN = 25;
    const double h = 10.0 / kN;
    double sum = 0, wsum = 0;
    for (int a = 0; a < kN; ++a) {
        const double u = -5.0 + (a + 0.5) * h;
        const double wu = std::exp(-0.5 * u * u);
        for (int b = 0; b < kN; ++b) {
            const double v = -5.0 + (b + 0.5) * h;
            const double w = wu * std::exp(-0.5 * v * v);
            sum += w * profile(offset_m + motion_sd_m * u, motion_sd_m * v);
            wsum += w;
        }
    }
    return sum / wsum;
}

FragmentPopulation between_sessions(const FragmentPopulation& population, const std::string& indication,
                                    double days) {
    return between_sessions(population, protocol(indication), days);
}

FragmentPopulation between_sessions(const FragmentPopulation& population, const Protocol& p, double days) {
    require_input(std::isfinite(days) && days >= 0, "days between sessions = ", days, " must be >= 0");
    FragmentPopulation out = population;
    const std::size_t n = population.diameter_m.size();
    if (n == 0 || p.shrink_m_per_day <= 0 || days == 0) return out;
    const std::size_t J = std::size_t(std::max(population.stages, 1));
    const std::size_t K = n / J;
    const auto d_class = [&](std::size_t k) { return population.diameter_m[k * J]; };
    const double loss = p.shrink_m_per_day * days;   // diameter lost by each piece above the clearance size
    const std::size_t last = K - 1;                   // the smallest class: below the clearance size
    const double v_last = class_volume_m3(d_class(last));
    std::vector<double> count(n, 0.0);
    double debris_m3 = 0;
    for (std::size_t e = 0; e < n; ++e) {
        const double c = population.count[e];
        const std::size_t k = e / J, stage = e % J;
        const double d = d_class(k);
        if (c <= 0) continue;
        if (d < p.clearance_size_m || k == last) {
            count[e] += c;
            continue;
        }
        const double d_new = d - loss;
        const double v_new = d_new > 0 ? class_volume_m3(d_new) : 0.0;
        debris_m3 += c * (class_volume_m3(d) - v_new);
        if (d_new <= d_class(last)) {   // shrunk below the smallest class: debris too
            debris_m3 += c * v_new;
            continue;
        }
        // Between classes a (>= d_new) and a + 1 (< d_new), same damage stage: split the pieces so that count and
        // volume are both kept.
        std::size_t a = k;
        while (a + 1 < K && d_class(a + 1) >= d_new) ++a;
        if (d_class(a) == d_new || a + 1 >= K) {
            count[a * J + stage] += c * v_new / class_volume_m3(d_class(a));
            continue;
        }
        const double va = class_volume_m3(d_class(a));
        const double vb = class_volume_m3(d_class(a + 1));
        const double share_a = (v_new - vb) / (va - vb);
        count[a * J + stage] += c * share_a;
        count[(a + 1) * J + stage] += c * (1 - share_a);
    }
    count[last * J] += debris_m3 / v_last;
    out.count = std::move(count);
    return out;
}

ShockPropagator::ShockPropagator(const FragmentationModel& model, const FragmentPopulation& grid,
                                 const ShockAtTarget& load)
    : k_(grid.diameter_m.size()) {
    require_input(k_ > 0, "shock propagator: the population has no classes");
    std::vector<double> m(k_ * k_, 0.0);
    cleared_weight_.assign(k_, 0.0);
    FragmentPopulation unit = grid;
    for (std::size_t c = 0; c < k_; ++c) {
        std::fill(unit.count.begin(), unit.count.end(), 0.0);
        unit.count[c] = 1.0;
        cleared_weight_[c] = model.fraction_cleared(unit);
        model.shock(unit, load);
        for (std::size_t r = 0; r < k_; ++r) {
            if (r < c && unit.count[r] != 0)
                throw std::logic_error("ShockPropagator: a shock moved fragments to a larger class");
            m[r * k_ + c] = unit.count[r];
        }
    }
    powers_.push_back(std::move(m));
    // Linearity check on the population itself (or a spread one): M v must equal one shock on v.
    FragmentPopulation probe = grid;
    for (std::size_t c = 0; c < k_; ++c) probe.count[c] = grid.count[c] + 1.0 / (1.0 + c);
    const std::vector<double> predicted = apply(0, probe.count);
    model.shock(probe, load);
    for (std::size_t r = 0; r < k_; ++r)
        if (std::abs(predicted[r] - probe.count[r]) > 1e-9 * (1.0 + std::abs(probe.count[r])))
            throw std::logic_error("ShockPropagator: FragmentationModel::shock is not linear in the counts");
}

std::vector<double> ShockPropagator::apply(std::size_t j, const std::vector<double>& v) const {
    const std::vector<double>& m = powers_[j];
    std::vector<double> out(k_, 0.0);
    for (std::size_t r = 0; r < k_; ++r) {
        double sum = 0;
        const double* row = &m[r * k_];
        for (std::size_t c = 0; c <= r; ++c) sum += row[c] * v[c];
        out[r] = sum;
    }
    return out;
}

double ShockPropagator::fraction(const std::vector<double>& v) const {
    double f = 0;
    for (std::size_t c = 0; c < k_; ++c) f += cleared_weight_[c] * v[c];
    return f;
}

void ShockPropagator::ensure_powers(int n) const {
    // Fragments only move to smaller classes, so M is lower triangular (row >= column) and so are its powers: the
    // products skip the upper triangle.
    while ((std::size_t{1} << (powers_.size() - 1)) < static_cast<std::size_t>(n)) {
        const std::vector<double>& a = powers_.back();
        std::vector<double> sq(k_ * k_, 0.0);
        for (std::size_t r = 0; r < k_; ++r)
            for (std::size_t t = 0; t <= r; ++t) {
                const double art = a[r * k_ + t];
                if (art == 0) continue;
                for (std::size_t c = 0; c <= t; ++c) sq[r * k_ + c] += art * a[t * k_ + c];
            }
        powers_.push_back(std::move(sq));
    }
}

int ShockPropagator::advance(FragmentPopulation& population, int n, double goal) const {
    if (goal > 1) return advance(population, n, std::function<bool(const std::vector<double>&)>{});
    return advance(population, n, [&](const std::vector<double>& v) { return fraction(v) >= goal; });
}

int ShockPropagator::advance(FragmentPopulation& population, int n,
                             const std::function<bool(const std::vector<double>&)>& reached) const {
    if (n <= 0) return 0;
    require_input(population.count.size() == k_, "shock propagator: population of ", population.count.size(),
                  " classes, built for ", k_);
    ensure_powers(n);
    std::vector<double> cur = population.count;
    int done = 0;
    if (!reached) {
        for (std::size_t j = 0; (std::size_t{1} << j) <= static_cast<std::size_t>(n); ++j)
            if (n & (1 << j)) cur = apply(j, cur);
        done = n;
    } else {
        if (reached(cur)) return 0;
        for (std::size_t j = powers_.size(); j-- > 0;) {
            const int step = 1 << j;
            if (done + step > n) continue;
            std::vector<double> cand = apply(j, cur);
            if (!reached(cand)) {
                cur = std::move(cand);
                done += step;
            }
        }
        if (done < n) {   // the next shock is the one that reaches the goal
            cur = apply(0, cur);
            ++done;
        }
    }
    population.count = std::move(cur);
    return done;
}

ReplayResult replay_schedule(const Schedule& schedule, const Protocol& protocol, const FragmentationModel& model,
                             const DoseModel& dose, const std::vector<double>& session_offsets_m,
                             const FragmentPopulation* start, int first_session) {
    require_input(first_session >= 0 &&
                      session_offsets_m.size() >= static_cast<std::size_t>(first_session + schedule.max_sessions),
                  "replay: ", session_offsets_m.size(), " offsets for sessions ", first_session + 1, " to ",
                  first_session + schedule.max_sessions);
    Protocol pc = protocol;   // between sessions with the model's own clearance size
    pc.clearance_size_m = model.options().clearance_size_m;
    const int stones = std::max(schedule.stones, 1);
    ReplayResult out;
    out.population = start ? *start : model.initial(schedule.target_diameter_m);
    out.fraction_cleared = model.fraction_cleared(out.population);
    if (schedule.planned_steps.empty()) return out;
    const double goal = schedule.goal_probability;
    const bool never = schedule.goal_kind == "dose";
    FragmentPopulation probe = out.population;
    const auto reached = [&](const std::vector<double>& counts) {
        probe.count = counts;
        return probability_all_below(probe, schedule.goal_size_m, stones) >= goal;
    };
    double efd_sum = 0;
    for (int i = 0; i < schedule.max_sessions; ++i) {
        if (i > 0) {
            out.population = between_sessions(out.population, pc, schedule.interval_days);
            out.fraction_cleared = model.fraction_cleared(out.population);
            if (!never && reached(out.population.count)) break;
        }
        ++out.sessions;
        int left = schedule.max_shocks_per_session;
        double plateau_efd = 0;
        for (const DeliveredStep& step : schedule.planned_steps) {
            const ShockAtTarget load = dose.dose(step.setting, session_offsets_m[first_session + i]).at_target;
            plateau_efd = load.efd_J_per_m2;
            if (left == 0) continue;
            const ShockPropagator propagator(model, out.population, load);
            // One stone of `stones` gets its share of the step's shocks.
            const int applied =
                stones * (never ? propagator.advance(out.population, std::min(step.shocks, left) / stones, 2.0)
                                : propagator.advance(out.population, std::min(step.shocks, left) / stones, reached));
            left -= applied;
            out.shocks += applied;
            if (applied > 0) out.delivered.push_back({applied, load});
            out.fraction_cleared = model.fraction_cleared(out.population);
            if (!never && reached(out.population.count)) {
                out.goal_reached = true;
                break;
            }
        }
        efd_sum += plateau_efd;
        if (out.goal_reached) break;
    }
    if (never) out.goal_reached = true;   // a dose course: delivered is done
    out.mean_plateau_efd_target_J_per_m2 = efd_sum / std::max(out.sessions, 1);
    return out;
}

Schedule schedule_sessions(const ScheduleRequest& request) {
    const Protocol& p = request.protocol;
    const Resolved v = resolve(request);
    const FragmentationModel model = request.fragmentation ? *request.fragmentation : fragmentation_model(p);
    Protocol between = p;   // between sessions with the model's own clearance size
    between.clearance_size_m = model.options().clearance_size_m;

    Schedule plan;
    plan.indication = p.indication;
    plan.endpoint = p.endpoint;
    plan.device = p.device;
    plan.goal_probability = v.goal;
    plan.goal_size_m = p.extraction_size_m > 0 ? p.extraction_size_m : model.options().clearance_size_m;
    plan.clearance_size_m = model.options().clearance_size_m;
    plan.target_diameter_m = request.target_diameter_m;
    plan.interval_days = v.interval_days;
    plan.max_sessions = v.max_sessions;
    plan.max_shocks_per_session = v.max_shocks;
    plan.goal_kind = p.goal_kind;
    plan.stones = request.stones;

    if (v.target_efd_J_per_m2 < p.efd_min_J_per_m2 || v.target_efd_J_per_m2 > p.efd_max_J_per_m2)
        plan.notes.push_back(fmt("target EFD ", mj(v.target_efd_J_per_m2), " lies outside the ", p.indication,
                                 " protocol band ", mj(p.efd_min_J_per_m2), " to ", mj(p.efd_max_J_per_m2)));

    // 2. Plateau: the setting that gives the target EFD.
    Doses doses(request.dose);
    const double s_lo = request.dose.setting_min;
    const double s_hi = doses.floor_to_grid(request.dose.setting_max);
    double plateau = doses.setting_for_efd(v.target_efd_J_per_m2, s_lo, s_hi);
    const bool one_setting = s_hi <= s_lo;   // e.g. the intravascular emitter: no EFD to prescribe
    if (one_setting)
        plan.notes.push_back(fmt("the device has one setting (", s_lo, ", ", mj(doses.free_field_efd(s_lo)),
                                 "): the prescribed EFD does not apply"));
    else if (doses.free_field_efd(s_hi) < v.target_efd_J_per_m2 * 0.98)
        plan.warnings.push_back(fmt("the prescribed EFD ", mj(v.target_efd_J_per_m2), " is above what the device "
                                    "delivers: planned at its highest setting ", s_hi, " (",
                                    mj(doses.free_field_efd(s_hi)), " in water)"));
    if (!one_setting && doses.free_field_efd(s_lo) > v.target_efd_J_per_m2 * 1.02)
        plan.notes.push_back(fmt("the device gives ", mj(doses.free_field_efd(s_lo)), " at its lowest setting ", s_lo,
                                 ", above the target ", mj(v.target_efd_J_per_m2)));

    // 3. Safety cap.
    if (!safe_at(doses, plateau, request.safety)) {
        const std::string why = first_violation(doses, plateau, request.safety);
        if (!safe_at(doses, s_lo, request.safety)) {
            plan.safe = false;
            plan.reason = fmt("no safe plan: even at the lowest setting ", s_lo, " ",
                              first_violation(doses, s_lo, request.safety));
            plan.curve.push_back({0, 0.0});
            return plan;
        }
        double a = s_lo, b = plateau;   // safe at a, not at b
        for (int i = 0; i < 60 && b - a > 1e-9 * (1 + std::abs(b)); ++i) {
            const double c = 0.5 * (a + b);
            (safe_at(doses, c, request.safety) ? a : b) = c;
        }
        const double capped = doses.floor_to_grid(a);
        plan.notes.push_back(fmt("setting lowered from ", plateau, " to ", capped, " (", mj(doses.free_field_efd(capped)),
                                 ") because at ", plateau, " ", why));
        plateau = capped;
    }

    // 4. Ramp: increasing settings below the plateau.
    std::vector<DeliveredStep> steps;
    const double plateau_efd = doses.free_field_efd(plateau);
    if (request.ramp.shocks_per_step > 0) {
        for (double f : request.ramp.efd_fractions) {
            const double s = doses.setting_for_efd(f * plateau_efd, s_lo, plateau);
            const double prev = steps.empty() ? -INFINITY : steps.back().setting;
            if (s < plateau && s > prev) steps.push_back({s, request.ramp.shocks_per_step});
        }
    }
    steps.push_back({plateau, v.max_shocks});   // the plateau takes the rest of the session
    plan.planned_steps = steps;

    // No shocks: nothing to deliver; the outcome models give the course of the disease without treatment.
    if (v.max_shocks == 0) {
        plan.planned_steps.clear();
        plan.curve.push_back({0, model.fraction_cleared(model.initial(request.target_diameter_m))});
        plan.reason = "no shocks planned (0 shocks per session): the outcome without treatment";
        return plan;
    }

    // 5. Sessions.
    FragmentPopulation pop = request.start ? *request.start : model.initial(request.target_diameter_m);
    int cumulative = 0;
    double fraction = model.fraction_cleared(pop);
    plan.curve.push_back({0, fraction});
    const auto add_point = [&](int shocks, double f) {
        if (plan.curve.back().shocks == shocks) plan.curve.back().fraction_cleared = f;
        else plan.curve.push_back({shocks, f});
    };
    // The goal: every fragment below the goal size with probability v.goal (v.goal > 1: never, a dose course).
    const auto all_below = [&] { return probability_all_below(pop, plan.goal_size_m, request.stones); };
    const auto size_text = fmt(plan.goal_size_m * kMm_per_m, " mm");
    const auto course = [&](int index) { return request.first_index + index - 1; };   // course-wide index
    if (request.start && !(p.goal_kind == "dose") && all_below() >= v.goal) {
        plan.goal_reached = true;
        plan.reason = fmt("goal already reached before session ", request.first_index, " (every fragment below ",
                          size_text, " with probability ", pct(all_below()), " >= ", pct(v.goal),
                          "): no more sessions");
        return plan;
    }
    for (int index = 1; index <= v.max_sessions && !plan.goal_reached; ++index) {
        if (index > 1) {
            pop = between_sessions(pop, between, v.interval_days);
            fraction = model.fraction_cleared(pop);
            if (all_below() >= v.goal) {
                plan.goal_reached = true;
                plan.reason = fmt("goal reached between sessions ", course(index - 1), " and ", course(index),
                                  " (every fragment below ",
                                  size_text, " with probability ", pct(all_below()), " >= ", pct(v.goal), ")");
                break;
            }
        }
        SessionPlan session;
        session.index = request.first_index + index - 1;
        session.day = request.first_day + (index - 1) * v.interval_days;
        session.rate_per_min = v.rate_per_min;
        int left = v.max_shocks;
        for (const DeliveredStep& step : steps) {
            if (left == 0 || plan.goal_reached) break;
            const DoseAtSetting& dose = doses.at(step.setting);
            const int n = std::min(step.shocks, left);
            // The targeted stone gets every stones-th shock: the others go to the other stones.
            const int stones = request.stones;
            int delivered = 0;
            while (delivered + stones <= n) {
                model.shock(pop, dose.at_target);
                delivered += stones;
                cumulative += stones;
                fraction = model.fraction_cleared(pop);
                if (cumulative % request.curve_every_shocks < stones) add_point(cumulative, fraction);
                if (all_below() >= v.goal) {
                    plan.goal_reached = true;
                    session.stopped_at_goal = true;
                    break;
                }
            }
            left -= delivered;
            session.steps.push_back({step.setting, delivered});
            for (const auto& [organ, d] : dose.oar) {
                merge_max(session.oar_max_per_shock[organ], d);
                session.oar_session_efd_J_per_m2[organ] += delivered * d.max_efd_J_per_m2;
            }
        }
        add_point(cumulative, fraction);
        session.shocks = v.max_shocks - left;
        session.setting = session.steps.back().setting;
        const DoseAtSetting& top = doses.at(session.setting);
        session.efd_free_field_J_per_m2 = doses.free_field_efd(session.setting);
        session.efd_target_J_per_m2 = top.at_target.efd_J_per_m2;
        session.p_plus_target_Pa = top.at_target.p_plus_Pa;
        session.p_minus_target_Pa = top.at_target.p_minus_Pa;
        session.duration_min = session.shocks / v.rate_per_min;
        session.fraction_cleared_after = fraction;
        session.p_largest_above_clearance =
            1.0 - probability_all_below(pop, model.options().clearance_size_m, request.stones);
        session.p_piece_above_goal = 1.0 - all_below();
        session.population_after = pop;
        plan.sessions.push_back(std::move(session));
        if (plan.goal_reached)
            plan.reason = fmt("goal reached in session ", course(index), " after ", cumulative, " shocks in all (every "
                              "fragment below ", size_text, " with probability ", pct(all_below()), " >= ",
                              pct(v.goal), "; fraction cleared ", pct(fraction), ")");
    }
    if (p.goal_kind == "dose") {
        plan.goal_reached = true;
        plan.reason = fmt("dose course delivered: ", plan.sessions.size(), " session(s), ", plan.total_shocks(),
                          " shocks; the outcome follows the dose (no fragmentation goal: ",
                          p.indication == "tendon" ? "the deposit is resorbed biologically" : "the calcium fractures in the wall",
                          ")");
    } else if (!plan.goal_reached) {
        plan.reason = fmt("goal not reached: after ", plan.sessions.size(), " session(s) of at most ", v.max_shocks,
                          " shocks every fragment is below ", size_text, " with probability ", pct(all_below()),
                          " < ", pct(v.goal), " (fraction cleared ", pct(fraction), ")");
        if (v.max_sessions < p.sessions_max)
            plan.reason += fmt(" (up to ", p.sessions_max, " sessions can be asked for)");
        const double p_plus = doses.at(plateau).at_target.p_plus_Pa;
        const double threshold = model.threshold_p_plus_Pa(request.target_diameter_m,
                                                           std::max(doses.at(plateau).at_target.focal_width_m, 1e-6));
        if (p_plus < threshold)
            plan.reason += fmt("; p+ at the target ", p_plus / kPa_per_MPa, " MPa is below the fragmentation "
                               "threshold ", threshold / kPa_per_MPa, " MPa of the intact target: it breaks only by "
                               "erosion and fatigue, slowly");
    }
    return plan;
}

}  // namespace lithosim::planning
