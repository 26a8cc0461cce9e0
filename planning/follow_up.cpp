// Follow-up and re-planning: planning/follow_up.hpp lists the steps, planning/FOLLOW_UP.md the model and sources.
#include "planning/follow_up.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "planning/outcome_models.hpp"
#include "planning/units.hpp"
#include "core/errors.hpp"

namespace lithosim::planning {
namespace {

constexpr double kMm = 1e-3;
constexpr double kDaysPerMonth = 365.25 / 12;
constexpr int kResorptionBins = 24;

double mm(double m) { return std::round(m / kMm * 10) / 10; }
std::string pct(double p) { return fmt(std::round(p * 1000) / 10, " %"); }
double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// A distribution of the largest piece's true size: sizes with their probabilities (size 0: nothing left).
struct SizeMass {
    double size_m, mass;
};

/// The largest piece over `stones` stones like `pop` (pieces below the clearance size are gone): its class sizes
/// with probabilities from F(s) = (1 - probability_largest_above(pop, s))^stones at the boundaries between classes
/// (geometric means), and nothing left with F(clearance).
std::vector<SizeMass> largest_piece(const FragmentPopulation& pop, int stones, double clearance_m) {
    const SizeDistribution d = size_distribution(pop);
    const auto F = [&](double s) { return std::pow(1.0 - probability_largest_above(pop, s), stones); };
    std::vector<SizeMass> out;
    double above = 1.0;   // F at the upper boundary of the current class
    for (std::size_t k = 0; k < d.diameter_m.size() && d.diameter_m[k] >= clearance_m; ++k) {
        const bool last = k + 1 >= d.diameter_m.size() || d.diameter_m[k + 1] < clearance_m;
        const double lower = last ? clearance_m : std::sqrt(d.diameter_m[k] * d.diameter_m[k + 1]);
        const double f = F(lower);
        if (above - f > 0) out.push_back({d.diameter_m[k], above - f});
        above = f;
    }
    out.push_back({0.0, above});
    return out;
}

/// The negative binomial probability of n with mean mu and shape r.
double negative_binomial(int n, double mu, double r) {
    mu = std::max(mu, 1e-6);
    return std::exp(std::lgamma(n + r) - std::lgamma(r) - std::lgamma(n + 1.0) + r * std::log(r / (r + mu)) +
                    n * std::log(mu / (r + mu)));
}

/// P(T <= t months) for a particle: the tendon resorption model (its coefficients and shift) with the dose
/// delivered so far, T the time to radiographic resorption.
class ResorptionTime {
public:
    ResorptionTime(const OutcomeParticle& particle, const PatientFactors& patient, double deposit_mm,
                   const std::vector<std::pair<int, ShockAtTarget>>& delivered)
        : eq_(outcome_equation("tendon_resorption")), theta_(particle.theta.at("tendon_resorption")),
          u_(particle.shift.at("tendon_resorption")) {
        x_.value["gaertner"] = patient.gaertner_type;
        x_.value["deposit_mm"] = deposit_mm;
        for (const auto& [n, load] : delivered)
            x_.dose_steps.push_back({double(n), load.efd_J_per_m2 / detail::kJ_per_m2_per_mJ_per_mm2});
    }
    double cdf(double t_months) {
        if (!(t_months > 0)) return 0.0;
        if (!std::isfinite(t_months)) return 1.0;
        x_.value["horizon_months"] = t_months;
        return eq_.probability(theta_.data(), x_, u_);
    }
    /// The median, from the 6-month probability of the log-logistic: T = 6 exp(-logit / b_time).
    double median_months() {
        const double p6 = cdf(6.0);
        const double logit = std::log(std::max(p6, 1e-12) / std::max(1 - p6, 1e-12));
        return 6.0 * std::exp(-logit / std::max(theta_[2], 0.05));
    }

private:
    const OutcomeEquation& eq_;
    const std::vector<double>& theta_;
    double u_;
    OutcomeCovariates x_;
};

/// The part of the deposit's diameter not yet resorbed, 1 - t / (2 T), as weighted bins (tendon; 1 otherwise).
struct FactorMass {
    double factor, mass;
};
std::vector<FactorMass> resorption_factor(const std::string& indication, const OutcomeParticle& particle,
                                          const PatientFactors& patient, double deposit_mm,
                                          const std::vector<std::pair<int, ShockAtTarget>>& delivered,
                                          double months) {
    if (indication != "tendon") return {{1.0, 1.0}};
    ResorptionTime T(particle, patient, deposit_mm, delivered);
    // P(factor <= f) = P(T <= months / (2 (1 - f))).
    const auto G = [&](double f) { return f >= 1 ? 1.0 : T.cdf(months / (2 * (1 - f))); };
    std::vector<FactorMass> out{{0.0, G(0.0)}};
    for (int i = 0; i < kResorptionBins; ++i) {
        const double a = double(i) / kResorptionBins, b = double(i + 1) / kResorptionBins;
        out.push_back({0.5 * (a + b), std::max(0.0, G(b) - G(a))});
    }
    return out;
}

/// One joint term of the observation's likelihood: a resorption factor and a true largest size.
struct Term {
    double factor, size_m, weight;
};

/// The likelihood of a follow-up given the largest piece's distribution, the resorption factors and the expected
/// number of pieces; `terms` receives every (factor, size) term's posterior weight (for the conditioning).
double likelihood(const FollowUp& f, const UltrasoundModel& us, const std::vector<SizeMass>& largest,
                  const std::vector<FactorMass>& factors, const SizeDistribution& pieces, int stones,
                  double clearance_m, std::vector<Term>* terms) {
    double total = 0;
    for (const FactorMass& fm : factors) {
        if (fm.mass <= 0) continue;
        double visible_pieces = 0;
        for (std::size_t c = 0; c < pieces.diameter_m.size(); ++c)
            if (pieces.diameter_m[c] >= clearance_m)
                visible_pieces += stones * pieces.count[c] * us.p_visible(fm.factor * pieces.diameter_m[c]);
        const double count = negative_binomial(f.residual_visible ? f.fragment_count : 0, visible_pieces, us.count_shape);
        for (const SizeMass& sm : largest) {
            const double s = fm.factor * sm.size_m;
            const double seen = s > 0 ? us.p_visible(s) : 0.0;
            double l;
            if (f.residual_visible) {
                const double z = (f.size_m() - s - us.bias_m(s)) / us.sd_m;
                l = seen * std::exp(-0.5 * z * z) / (us.sd_m / kMm * std::sqrt(2 * M_PI));
            } else {
                l = 1.0 - seen;
            }
            const double w = fm.mass * sm.mass * l * count;
            total += w;
            if (terms && w > 0) terms->push_back({fm.factor, s, w});
        }
    }
    return total;
}

/// The fragments conditioned on the largest piece being in the class nearest below size_m (0: nothing at or above
/// the clearance size): larger pieces removed, at least 1/stones piece in that class, the volume moved to or taken
/// from the smallest class (the cleared debris) so that the volume is conserved.
void condition(FragmentPopulation& pop, double size_m, int stones, double clearance_m) {
    if (pop.count.empty()) return;
    const std::size_t debris = pop.count.size() - 1;
    double moved = 0;   // volume removed (> 0) or added (< 0)
    std::size_t keep = pop.count.size();   // first entry of the class that holds the largest piece
    for (std::size_t e = 0; e < pop.count.size(); ++e) {
        const double d = pop.diameter_m[e];
        if (d < clearance_m) break;
        if (size_m > 0 && d <= size_m * 1.0000001) {
            keep = e;
            break;
        }
        moved += pop.count[e] * class_volume_m3(d);
        pop.count[e] = 0;
    }
    if (size_m > 0 && keep < pop.count.size() && pop.diameter_m[keep] >= clearance_m) {
        double in_class = 0;
        std::size_t end = keep;
        while (end < pop.count.size() && pop.diameter_m[end] == pop.diameter_m[keep]) in_class += pop.count[end++];
        const double want = 1.0 / stones;
        if (in_class < want) {
            const double add = want - in_class;
            if (in_class > 0)
                for (std::size_t e = keep; e < end; ++e) pop.count[e] *= want / in_class;
            else
                pop.count[keep] = want;
            moved -= add * class_volume_m3(pop.diameter_m[keep]);
        }
    }
    pop.count[debris] = std::max(0.0, pop.count[debris] + moved / class_volume_m3(pop.diameter_m[debris]));
}

/// Weighted quantile.
double quantile(const std::vector<double>& v, const std::vector<double>& w, double q) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    double run = 0;
    for (std::size_t i : order) {
        run += w[i];
        if (run >= q * total) return v[i];
    }
    return v.empty() ? 0.0 : v[order.back()];
}

/// One particle's course up to the last follow-up (and on to the next session's day).
struct Track {
    FragmentPopulation population;
    std::vector<std::pair<int, ShockAtTarget>> delivered;
    double log_likelihood = 0;
    double predicted_size_m = 0;   ///< median of the largest piece's size the model expects at the last follow-up
    bool impossible = false;
};

struct Context {
    const ReplanRequest& q;
    const Protocol& p;
    Protocol between;
    FragmentationModel base;
    int stones;
    double clearance_m, deposit_mm;
};

/// Replays the sessions done and weighs (and, for the fragmentation indications, conditions) on each follow-up.
/// `exact` conditions on the observation's most probable state instead of drawing it (the nominal track).
Track track(const Context& c, const OutcomeParticle& particle, std::mt19937_64& rng, bool exact, int until_day) {
    const FragmentationModel model = particle_model(c.base, particle);
    const DoseModel dose = particle_dose(c.q.request.dose, particle);
    Track t;
    t.population = model.initial(c.q.request.target_diameter_m);
    int day = 0;
    std::size_t next_follow_up = 0;
    const auto advance_to = [&](int to) {
        if (to > day) t.population = between_sessions(t.population, c.between, to - day);
        day = std::max(day, to);
    };
    const auto observe = [&](const FollowUp& f) {
        advance_to(f.day);
        const std::vector<SizeMass> largest = largest_piece(t.population, c.stones, c.clearance_m);
        const std::vector<FactorMass> factors = resorption_factor(c.p.indication, particle, c.q.patient, c.deposit_mm,
                                                                  t.delivered, f.day / kDaysPerMonth);
        double run = 0;   // the predicted size's median (the last follow-up's is reported)
        std::vector<SizeMass> scaled;
        for (const auto& fm : factors)
            for (const auto& sm : largest) scaled.push_back({fm.factor * sm.size_m, fm.mass * sm.mass});
        std::sort(scaled.begin(), scaled.end(), [](const SizeMass& a, const SizeMass& b) { return a.size_m < b.size_m; });
        for (const auto& s : scaled) {
            run += s.mass;
            if (run >= 0.5) {
                t.predicted_size_m = s.size_m;
                break;
            }
        }
        std::vector<Term> terms;
        const double l = likelihood(f, c.q.ultrasound, largest, factors, size_distribution(t.population), c.stones,
                                    c.clearance_m, &terms);
        if (!(l > 0)) {
            t.impossible = true;
            return;
        }
        t.log_likelihood += std::log(l);
        if (c.p.indication == "tendon") return;   // the deposit's size is carried by T (see the header)
        std::size_t pick = 0;
        if (exact) {
            for (std::size_t i = 1; i < terms.size(); ++i)
                if (terms[i].weight > terms[pick].weight) pick = i;
        } else {
            std::vector<double> w;
            for (const auto& term : terms) w.push_back(term.weight);
            pick = std::discrete_distribution<std::size_t>(w.begin(), w.end())(rng);
        }
        condition(t.population, terms[pick].size_m, c.stones, c.clearance_m);
    };
    for (const DoneSession& s : c.q.done) {
        while (next_follow_up < c.q.follow_ups.size() && c.q.follow_ups[next_follow_up].after_session < s.index) {
            observe(c.q.follow_ups[next_follow_up++]);
            if (t.impossible) return t;
        }
        advance_to(s.day);
        for (const DeliveredStep& step : s.steps) {
            if (step.shocks <= 0) continue;
            const std::size_t i = std::size_t(s.index - 1);
            const double offset = i < particle.offsets_m.size() ? particle.offsets_m[i] : 0.0;
            const ShockAtTarget load = dose.dose(step.setting, offset).at_target;
            const ShockPropagator propagator(model, t.population, load);
            const int applied = c.stones * propagator.advance(t.population, step.shocks / c.stones, 2.0);
            if (applied > 0) t.delivered.push_back({applied, load});
        }
    }
    while (next_follow_up < c.q.follow_ups.size()) {
        observe(c.q.follow_ups[next_follow_up++]);
        if (t.impossible) return t;
    }
    advance_to(until_day);
    return t;
}

}  // namespace

double FollowUp::size_m() const { return std::sqrt(std::max(residual_a_m, 0.0) * std::max(residual_b_m, 0.0)); }

double UltrasoundModel::bias_m(double s) const {
    if (s <= bias_small_size_m) return bias_small_m;
    if (s >= bias_large_size_m) return bias_large_m;
    return bias_small_m + (s - bias_small_size_m) / (bias_large_size_m - bias_small_size_m) * (bias_large_m - bias_small_m);
}

double UltrasoundModel::p_visible(double s) const { return logistic((s - detection_size_m) / detection_width_m); }

void check_follow_ups(const std::vector<FollowUp>& follow_ups, const std::vector<DoneSession>& planned,
                      double target_diameter_m, int sessions_max, const UltrasoundModel& us) {
    require_input(!follow_ups.empty(), "follow-up: no entries in follow_ups; accepted: at least one");
    int last_session = 0, last_day = -1;
    const double largest = target_diameter_m + us.bias_small_m;
    for (std::size_t i = 0; i < follow_ups.size(); ++i) {
        const FollowUp& f = follow_ups[i];
        const std::string at = fmt("follow_ups[", i, "]");
        require_input(f.after_session >= 1 && f.after_session <= int(planned.size()) && f.after_session <= sessions_max,
                      at, ": after_session ", f.after_session, " is not a session of the earlier plan (1 to ",
                      std::min<int>(int(planned.size()), sessions_max), ")");
        const int session_day = planned[std::size_t(f.after_session - 1)].day;
        require_input(f.day > session_day, at, ": day ", f.day, " is not after session ", f.after_session, " (day ",
                      session_day, "); accepted: a day after it");
        require_input(f.after_session >= last_session && f.day >= last_day, at, ": follow-ups must be in order of "
                      "session and day (session ", f.after_session, ", day ", f.day, " after session ", last_session,
                      ", day ", last_day, ")");
        if (f.after_session < int(planned.size()))
            require_input(f.day <= planned[std::size_t(f.after_session)].day, at, ": day ", f.day, " is after session ",
                          f.after_session + 1, " (day ", planned[std::size_t(f.after_session)].day,
                          ") of the earlier plan; accepted: the check before the next session (re-plan from the "
                          "last plan of the course)");
        require_input(std::isfinite(f.residual_a_m) && std::isfinite(f.residual_b_m) && f.residual_a_m >= 0 &&
                          f.residual_b_m >= 0,
                      at, ": largest_residual_mm [", f.residual_a_m / kMm, ", ", f.residual_b_m / kMm,
                      "] holds a negative or non-finite size; accepted: two sizes >= 0 mm");
        require_input(f.fragment_count >= 0, at, ": fragment_count ", f.fragment_count, " is negative");
        if (f.residual_visible) {
            require_input(f.size_m() > 0, at, ": residual_visible is true but largest_residual_mm is [",
                          f.residual_a_m / kMm, ", ", f.residual_b_m / kMm, "]; accepted: two sizes > 0 mm");
            require_input(f.fragment_count >= 1, at, ": residual_visible is true but fragment_count is ",
                          f.fragment_count, "; accepted: >= 1");
            require_input(f.size_m() <= largest, at, ": the residual (", mm(f.size_m()), " mm, sqrt of ",
                          f.residual_a_m / kMm, " x ", f.residual_b_m / kMm, ") is larger than the intact target (",
                          mm(target_diameter_m), " mm plus the ultrasound's ", us.bias_small_m / kMm,
                          " mm overestimation); accepted: up to ", mm(largest), " mm");
        } else {
            require_input(f.size_m() == 0 && f.fragment_count == 0, at, ": residual_visible is false but the sizes or "
                          "the count are not 0; accepted: [0, 0] and 0");
        }
        last_session = f.after_session;
        last_day = f.day;
    }
}

ReplanResult replan_after_follow_up(const ReplanRequest& q) {
    const Protocol& p = q.request.protocol;
    require_input(p.indication != "vascular", "follow-up re-planning covers tendon, gallbladder and bile_duct: a "
                                              "vascular course is judged by angiography, not by a residual size");
    require_input(!q.follow_ups.empty() && !q.done.empty(), "follow-up: no follow-ups or no sessions done");
    const int k = q.follow_ups.back().after_session;
    require_input(int(q.done.size()) == k, "follow-up: ", q.done.size(), " sessions done for a follow-up after session ", k);
    Context c{q, p, p, q.request.fragmentation ? *q.request.fragmentation : fragmentation_model(p),
              std::max(q.request.stones, 1), 0, q.request.target_diameter_m / kMm};
    c.clearance_m = c.base.options().clearance_size_m;
    c.between.clearance_size_m = c.clearance_m;
    const int interval = q.request.interval_days.value_or(p.interval_days_default);
    const int last_done_day = q.done.back().day;
    const int next_day = std::max(last_done_day + interval, q.follow_ups.back().day);

    // 1-3. Prior particles, weighed by the follow-ups; more until the effective sample size suffices.
    const int wanted = std::max(q.options.samples, 1);
    std::vector<OutcomeParticle> particles;
    std::vector<Track> tracks;
    std::vector<double> weights;
    double ess = 0;
    std::vector<double> ll;
    for (int n = std::min(5 * wanted, q.max_particles);; n = std::min(q.max_particles, n * 4)) {
        particles = draw_particles(p, c.base, q.options, n);   // the first ones as before: only the new are tracked
        for (std::size_t i = tracks.size(); i < particles.size(); ++i) {
            std::mt19937_64 rng(q.options.seed * 1000003u + i);
            tracks.push_back(track(c, particles[i], rng, false, next_day));
            ll.push_back(tracks.back().impossible ? -INFINITY : tracks.back().log_likelihood);
        }
        const double top = *std::max_element(ll.begin(), ll.end());
        require_input(std::isfinite(top), "follow-up: what the ultrasound showed is impossible under the model for "
                                          "every one of ", n, " sampled patients; check the sizes and the days");
        weights.assign(ll.size(), 0.0);
        double sum = 0, sum2 = 0;
        for (std::size_t i = 0; i < ll.size(); ++i) {
            weights[i] = std::exp(ll[i] - top);
            sum += weights[i];
            sum2 += weights[i] * weights[i];
        }
        ess = sum * sum / sum2;
        if (ess >= 0.5 * wanted || n >= q.max_particles) break;
    }

    ReplanResult out;
    out.effective_samples = ess;
    out.particles_drawn = int(particles.size());
    out.observed_size_m = q.follow_ups.back().residual_visible ? q.follow_ups.back().size_m() : 0.0;
    std::vector<double> strength, predicted, ones(particles.size(), 1.0), dose_factor, t_res;
    for (std::size_t i = 0; i < particles.size(); ++i) {
        strength.push_back(particles[i].strength_factor);
        dose_factor.push_back(particles[i].dose_factor);
        predicted.push_back(tracks[i].predicted_size_m);
        if (p.indication == "tendon")
            t_res.push_back(ResorptionTime(particles[i], q.patient, c.deposit_mm, tracks[i].delivered).median_months());
    }
    out.predicted_size_median_m = quantile(predicted, ones, 0.5);
    out.predicted_size_low_m = quantile(predicted, ones, 0.05);
    out.predicted_size_high_m = quantile(predicted, ones, 0.95);
    out.strength_prior_median = quantile(strength, ones, 0.5);
    out.strength_posterior_median = quantile(strength, weights, 0.5);
    out.strength_posterior_low = quantile(strength, weights, 0.05);
    out.strength_posterior_high = quantile(strength, weights, 0.95);
    if (!t_res.empty()) {
        out.resorption_months_prior = quantile(t_res, ones, 0.5);
        out.resorption_months_posterior = quantile(t_res, weights, 0.5);
    }

    // Resampled posterior (systematic resampling), each with its fragments at the next session.
    CourseSoFar so_far;
    so_far.first_session = k;
    {
        const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
        std::mt19937_64 rng(q.options.seed + 77);
        double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng) / wanted;
        double run = 0;
        std::size_t i = 0;
        for (int s = 0; s < wanted; ++s, u += 1.0 / wanted) {
            while (i + 1 < weights.size() && run + weights[i] / total < u) run += weights[i++] / total;
            so_far.samples.push_back({particles[i], tracks[i].population, tracks[i].delivered});
        }
    }
    // The nominal: mean coefficients, the posterior median strength and dose factor, the most probable state.
    OutcomeParticle nominal = nominal_particle(p);
    nominal.strength_factor = out.strength_posterior_median;
    nominal.dose_factor = quantile(dose_factor, weights, 0.5);
    out.dose_factor_posterior_median = nominal.dose_factor;
    {
        std::mt19937_64 rng(q.options.seed);
        const Track t = track(c, nominal, rng, true, next_day);
        so_far.nominal = {nominal, t.population, t.delivered};
    }

    // 5. The rest of the course.
    const int allowed = p.sessions_max - k;
    ScheduleRequest r = q.request;
    r.fragmentation = particle_model(c.base, nominal);
    r.dose = particle_dose(q.request.dose, nominal);
    r.start = so_far.nominal.population;
    r.first_index = k + 1;
    r.first_day = next_day;
    const FollowUp& last = q.follow_ups.back();
    OutcomeOptions options = q.options;
    const auto empty_course = [&](const std::string& why) {
        Schedule s;
        s.indication = p.indication;
        s.endpoint = p.endpoint;
        s.device = p.device;
        s.goal_kind = p.goal_kind;
        s.stones = c.stones;
        s.target_diameter_m = q.request.target_diameter_m;
        s.clearance_size_m = c.clearance_m;
        s.goal_size_m = p.extraction_size_m > 0 ? p.extraction_size_m : c.clearance_m;
        s.goal_probability = q.request.goal_probability.value_or(p.goal_probability);
        s.interval_days = interval;
        s.max_sessions = 0;
        s.goal_reached = !last.residual_visible;
        s.reason = why;
        s.curve.push_back({0, r.fragmentation->fraction_cleared(so_far.nominal.population)});
        return s;
    };
    if (!last.residual_visible) {
        out.course_ends = true;
        out.schedule = empty_course(fmt("no residual seen on day ", last.day, " after session ", k, ": the course ends"));
    } else if (allowed <= 0) {
        out.course_ends = true;
        out.schedule = empty_course(fmt("a residual of ", mm(last.size_m()), " mm is left after the ", p.sessions_max,
                                        " sessions a course may have: the course ends; another treatment is needed"));
    } else if (p.goal_kind != "dose") {
        r.sessions = allowed;   // the goal stops earlier
        out.schedule = schedule_sessions(r);
        if (out.schedule.sessions.empty()) out.course_ends = true;
    } else {
        // A dose course: the fewest sessions (from one fewer than the earlier plan had left) whose outcome on the
        // posterior reaches what the earlier plan promised, else every session the protocol allows.
        const int planned_left = std::max(1, q.previous_sessions - k);
        OutcomeOptions quiet = options;
        quiet.progress = nullptr;
        int chosen = allowed;
        for (int n = std::max(1, std::min(planned_left - 1, allowed)); n <= allowed; ++n) {
            r.sessions = n;
            const Schedule s = schedule_sessions(r);
            if (predict_outcomes(r, s, q.patient, quiet, so_far).primary().probability >= q.previous_probability) {
                chosen = n;
                break;
            }
        }
        r.sessions = chosen;
        out.schedule = schedule_sessions(r);
    }
    ScheduleRequest pr = q.request;   // the Monte Carlo's particles carry their own strength and dose error
    pr.start = r.start;
    pr.first_index = r.first_index;
    pr.first_day = r.first_day;
    out.prediction = predict_outcomes(pr, out.schedule, q.patient, options, so_far);
    out.reason = out.schedule.reason;

    // What changed, and why.
    const auto size_line = fmt("follow-up on day ", last.day, " after session ", k, ": ",
                               last.residual_visible ? fmt("largest residual ", last.residual_a_m / kMm, " x ",
                                                           last.residual_b_m / kMm, " mm (", mm(last.size_m()),
                                                           " mm as one size), ", last.fragment_count, " piece(s) seen")
                                                     : std::string("no residual seen"),
                               "; the model expected ", mm(out.predicted_size_median_m), " mm (90 % of patients ",
                               mm(out.predicted_size_low_m), " to ", mm(out.predicted_size_high_m),
                               " mm; the ultrasound adds about ", mm(q.ultrasound.bias_m(out.predicted_size_median_m)),
                               " mm)");
    out.what_changed.push_back(size_line);
    const double ratio = out.strength_posterior_median / out.strength_prior_median;
    if (p.indication == "tendon") {
        out.what_changed.push_back(fmt("time to resorption (median) revised from ", mm(out.resorption_months_prior * kMm),
                                       " to ", mm(out.resorption_months_posterior * kMm), " months: the deposit ",
                                       out.resorption_months_posterior > out.resorption_months_prior ? "responds slower"
                                                                                                   : "responds faster",
                                       " than expected (the same response shifts the clinical outcome)"));
    } else {
        out.what_changed.push_back(fmt("stone strength revised ", ratio > 1.02 ? "up" : ratio < 0.98 ? "down" : "little",
                                       ": x", std::round(ratio * 100) / 100, " of the prior median (90 % interval x",
                                       std::round(out.strength_posterior_low / out.strength_prior_median * 100) / 100,
                                       " to x",
                                       std::round(out.strength_posterior_high / out.strength_prior_median * 100) / 100,
                                       ")"));
    }
    const double f = out.dose_factor_posterior_median;
    if (std::abs(f - 1) > 0.05)
        out.what_changed.push_back(fmt("dose reaching the target revised ", f < 1 ? "down" : "up", ": p+ x",
                                       std::round(f * 100) / 100, ", EFD x", std::round(f * f * 100) / 100,
                                       " of the simulated (what session ", k, " did says ",
                                       f < 1 ? "less" : "more", " reached the target: aim, tissue, grid); the "
                                       "sessions to come are shown at the revised dose"));
    const auto& next = out.schedule.sessions;
    std::string course;
    if (out.course_ends) {
        course = "the course ends: " + out.schedule.reason;
    } else {
        course = fmt(next.size(), " more session(s) from day ", next.front().day, " (", k + int(next.size()),
                     " in all; the earlier plan had ", q.previous_sessions, "), ", out.schedule.total_shocks(),
                     " shocks at setting ", std::round(next.front().setting * 1000) / 1000);
        std::string why = out.schedule.reason;
        if (why.rfind("goal not reached: ", 0) == 0) why = why.substr(18);
        if (p.goal_kind != "dose")
            course += out.schedule.goal_reached ? "; the fragmentation goal is reached"
                                                : "; the fragmentation goal is NOT reached: " + why;
    }
    out.what_changed.push_back(course);
    out.course = course;
    const OutcomeEstimate& primary = out.prediction.primary();
    out.what_changed.push_back(fmt(primary.name, " ", pct(primary.probability), " (95 % interval ",
                                   pct(primary.ci95_low), " to ", pct(primary.ci95_high), "), the earlier plan ",
                                   pct(q.previous_probability)));
    if (ess < 0.5 * wanted)
        out.what_changed.push_back(fmt("the measurement is far in the model's tail: ", out.particles_drawn,
                                       " sampled patients give an effective ", std::round(ess),
                                       " (fewer than half the samples): the interval is rough"));
    if (next_day - last_done_day > p.interval_days_max)
        out.what_changed.push_back(fmt("the next session (day ", next_day, ") is ", next_day - last_done_day,
                                       " days after the last, beyond the protocol's ", p.interval_days_max));
    return out;
}

}  // namespace lithosim::planning
