// Predicted outcomes: planning/OUTCOMES.md gives the models, their data and fits, and the uncertainty budget.
#include "planning/outcomes.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "planning/fitted_parameters.hpp"
#include "planning/outcome_models.hpp"
#include "planning/units.hpp"
#include "core/errors.hpp"

namespace lithosim::planning {

using detail::kJ_per_m2_per_mJ_per_mm2;
using detail::kPi;

namespace {

constexpr double kMm = 1e-3;
constexpr double kImpedance = 1.48e6;   // water at 20 degC, Pa s/m (reference dose model)
constexpr double kPlusToMinus = 4.0;    // PACLAB 40 / 10 MPa (PEREZ13: 42.3 / 9.9 = 4.3)
/// Satisfactory fragmentation of gallstones: every fragment below 5 mm (GE89, DORN; PLANNER.md §1).
constexpr double kGallbladderFragmentSize_m = 5e-3;
/// Lesions at least this long count as long (Disrupt PAD III Observational: >= 15 cm).
constexpr double kLongLesion_mm = 150;

struct Outcome {
    const char* name;
    const char* model;
    double horizon_months;
};

std::vector<Outcome> outcomes_of(const std::string& indication) {
    if (indication == "tendon")
        return {{"resorption_3mo", "tendon_resorption", 3},
                {"resorption_6mo", "tendon_resorption", 6},
                {"clinical_success_6mo", "tendon_clinical", 6}};
    if (indication == "gallbladder")
        return {{"stone_free_6mo", "gallbladder_clearance", 6}, {"stone_free_12mo", "gallbladder_clearance", 12}};
    if (indication == "bile_duct") return {{"duct_clearance", "bile_duct_clearance", 0}};
    if (indication == "vascular")
        return {{"calcium_fracture", "vascular_fracture", 0}, {"procedural_success", "vascular_procedural", 0}};
    throw InputError("indication '" + indication + "' has no outcome models");
}

/// A fitted model ready to draw coefficients: mean and the lower Cholesky factor of its covariance.
struct Drawable {
    const FittedOutcomeModel* fit;
    const OutcomeEquation* eq;
    Eigen::VectorXd mean;
    Eigen::MatrixXd lower;
};

Drawable drawable(const std::string& name) {
    Drawable d;
    d.fit = &fitted_outcome(name);
    d.eq = &outcome_equation(name);
    const Eigen::Index n = Eigen::Index(d.fit->mean.size());
    d.mean = Eigen::Map<const Eigen::VectorXd>(d.fit->mean.data(), n);
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> cov(
        d.fit->covariance.data(), n, n);
    Eigen::LLT<Eigen::MatrixXd> llt{Eigen::MatrixXd(cov)};
    d.lower = llt.info() == Eigen::Success ? Eigen::MatrixXd(llt.matrixL())
                                           : Eigen::MatrixXd(cov.diagonal().cwiseSqrt().asDiagonal());
    return d;
}

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const std::size_t i = std::size_t(std::floor(pos));
    const std::size_t j = std::min(i + 1, v.size() - 1);
    return v[i] + (pos - double(i)) * (v[j] - v[i]);
}

/// What a replay delivered, as the outcome models read it.
struct Delivered {
    std::vector<std::pair<int, ShockAtTarget>> steps;
    const FragmentPopulation* population = nullptr;   ///< one stone after the last session (null: no shocks)
};

/// The covariates of an indication's models for what was delivered (treated = false: nothing was).
OutcomeCovariates covariates(const std::string& indication, const Delivered& d, const Schedule& schedule,
                             const PatientFactors& f, const Protocol& p, bool treated,
                             double fracture_exponent = kFractureStressExponent) {
    OutcomeCovariates x;
    const int stones = std::max(schedule.stones, 1);
    const auto all_below = [&](double size) {
        if (!treated || !d.population) return 0.0;
        return probability_all_below(*d.population, size, stones);
    };
    if (indication == "tendon") {
        x.value["gaertner"] = f.gaertner_type;
        x.value["deposit_mm"] = schedule.target_diameter_m / kMm;
        if (treated)
            for (const auto& [n, load] : d.steps) x.dose_steps.push_back({n, load.efd_J_per_m2 / kJ_per_m2_per_mJ_per_mm2});
    } else if (indication == "gallbladder") {
        x.value["fragmented"] = all_below(kGallbladderFragmentSize_m);
        x.value["bile_acid"] = f.bile_acid ? 1 : 0;
        x.value["impaired"] = f.gallbladder_impaired ? 1 : 0;
        x.value["stones"] = stones;
        x.value["calcified"] = f.calcified ? 1 : 0;
    } else if (indication == "bile_duct") {
        x.value["fragmented"] = all_below(p.extraction_size_m > 0 ? p.extraction_size_m : schedule.clearance_size_m);
        x.value["stones"] = stones;
    } else if (indication == "vascular") {
        double pulses = 0;
        if (treated)
            for (const auto& [n, load] : d.steps) {
                // The share of the lesion's length inside the focal spot is loaded by a shock (IVL loads all of it).
                const double coverage =
                    f.intravascular ? 1.0 : std::min(1.0, load.focal_width_m / (f.lesion_length_mm * kMm));
                pulses += coverage * fracture_pulse_equivalents(n, load, f.plaque_thickness_mm * kMm,
                                                                f.ring_radius_mm * kMm, f.intravascular,
                                                                fracture_exponent);
            }
        x.value["pulses_equivalent"] = pulses;
        x.value["arc_deg"] = f.plaque_arc_deg;
        x.value["long_lesion"] = f.lesion_length_mm >= kLongLesion_mm ? 1 : 0;
    }
    return x;
}

/// Covariates reported in plan.json (nominal): the model's inputs plus readable dose summaries.
std::map<std::string, double> reported(const std::string& indication, const OutcomeCovariates& x,
                                       const Delivered& d, const Schedule& schedule, double horizon) {
    std::map<std::string, double> out;
    for (const auto& [k, v] : x.value) out[k] = v;
    if (horizon > 0) out["horizon_months"] = horizon;
    double shocks = 0, efd_sum = 0, energy_mJ = 0;
    const double area_mm2 = kPi / 4 * std::pow(schedule.target_diameter_m / kMm, 2);
    for (const auto& [n, load] : d.steps) {
        shocks += n;
        efd_sum += n * load.efd_J_per_m2 / kJ_per_m2_per_mJ_per_mm2;
        energy_mJ += n * load.efd_J_per_m2 / kJ_per_m2_per_mJ_per_mm2 * area_mm2;
    }
    out["shocks"] = shocks;
    if (shocks > 0) out["efd_target_mean_mJ_per_mm2"] = efd_sum / shocks;
    if (indication == "tendon") {
        out["energy_to_deposit_mJ"] = energy_mJ;
        out["cumulative_efd_mJ_per_mm2"] = efd_sum;
    }
    return out;
}

}  // namespace

const OutcomeEstimate& OutcomePrediction::primary() const {
    for (const auto& o : outcomes)
        if (o.primary) return o;
    throw std::logic_error("outcome prediction without a primary outcome");
}

const OutcomeEstimate& OutcomePrediction::at(const std::string& name) const {
    for (const auto& o : outcomes)
        if (o.name == name) return o;
    throw std::logic_error("outcome prediction has no '" + name + "'");
}

std::vector<std::string> outcome_names(const std::string& indication) {
    std::vector<std::string> n;
    for (const auto& o : outcomes_of(indication)) n.push_back(o.name);
    return n;
}

std::string plan_verdict(const Protocol& p, const Schedule& schedule, const OutcomePrediction& prediction) {
    const auto pct = [](double v) { return fmt(std::round(v * 1000) / 10, " %"); };
    const OutcomeEstimate& primary = prediction.primary();
    const std::string predicted = fmt(primary.name, " ", pct(primary.probability), " (95 % interval ",
                                      pct(primary.ci95_low), "-", pct(primary.ci95_high), ") against ",
                                      pct(primary.probability_without_treatment), " without treatment");
    std::string course;
    if (schedule.planned_steps.empty()) {
        return fmt("no shocks planned: ", primary.name, " without treatment ", pct(primary.probability), " (95 % interval ",
                   pct(primary.ci95_low), "-", pct(primary.ci95_high), ")");
    }
    if (p.indication == "tendon") {
        const OutcomeEstimate& res = prediction.at("resorption_6mo");
        course = fmt("ESWT course of ", schedule.sessions.size(), " session(s), ", schedule.total_shocks(),
                     " shocks: the goal is resorption of the deposit by the tissue (", pct(res.probability),
                     " at 6 months), not fragmentation; ", predicted);
    } else if (p.indication == "vascular") {
        const OutcomeEstimate& fr = prediction.at("calcium_fracture");
        course = fmt(schedule.sessions.size(), " session(s), ", schedule.total_shocks(),
                     " shocks: the goal is fracture of the calcium in the wall (", pct(fr.probability),
                     "), not clearance; ", predicted);
    } else {
        const double left = schedule.sessions.empty() ? 1.0 : schedule.sessions.back().p_piece_above_goal;
        course = schedule.goal_reached
                     ? fmt("fragmentation goal reached in ", schedule.sessions.size(), " session(s), ",
                           schedule.total_shocks(), " shocks")
                     : fmt("fragmentation goal NOT reached after ", schedule.sessions.size(), " session(s), ",
                           schedule.total_shocks(), " shocks");
        course += fmt(" (a piece >= ", schedule.goal_size_m * 1e3, " mm is left with probability ", pct(left),
                      "); ", predicted);
    }
    if (primary.probability < p.reference_success_rate - 0.10)
        course += fmt("; below the reference rate ", pct(p.reference_success_rate), " of a typical patient: see the "
                      "outcomes' covariates for what lowers it");
    return course;
}

ShockAtTarget ivl_reference_load() {
    ShockAtTarget l;
    l.p_plus_Pa = 10e6 * std::sqrt(0.5 / 1.5);
    l.p_minus_Pa = -l.p_plus_Pa / 9.0;
    l.focal_width_m = 0.1;          // a cylindrical wave: the whole lesion is in it
    l.positive_phase_s = 1e-6;
    return l;
}

ShockAtTarget ivl_wall_load(double p_source_Pa, double emitter_radius_m, double wall_radius_m, double positive_phase_s,
                            double p_plus_relative_sd) {
    require_input(emitter_radius_m > 0 && wall_radius_m >= emitter_radius_m, "IVL: wall radius ", wall_radius_m / kMm,
                  " mm must be >= the emitter radius ", emitter_radius_m / kMm, " mm");
    ShockAtTarget l = ivl_reference_load();
    l.p_plus_Pa = p_source_Pa * std::sqrt(emitter_radius_m / wall_radius_m);
    l.p_minus_Pa = -l.p_plus_Pa / 9.0;   // "a small negative pressure trough" (Shockwave MOA): p-/p+ of 1/9, as the reference
    l.positive_phase_s = positive_phase_s;
    l.p_plus_relative_sd = p_plus_relative_sd;
    l.efd_J_per_m2 = l.p_plus_Pa * l.p_plus_Pa * positive_phase_s / (2 * kImpedance);   // half-sine positive phase
    return l;
}

bool gallstone_calcified(double mean_HU) { return mean_HU >= 84.0; }

double calcium_stress_Pa(const ShockAtTarget& load, double thickness_m, double ring_radius_m, bool intravascular) {
    require_input(std::isfinite(thickness_m) && thickness_m > 0, "calcium thickness ", thickness_m / kMm,
                  " mm must be > 0");
    require_input(std::isfinite(ring_radius_m) && ring_radius_m > 0, "calcium ring radius ", ring_radius_m / kMm,
                  " mm must be > 0");
    if (intravascular) return load.p_plus_Pa * ring_radius_m / thickness_m;
    const FragmentationModel m(stone_material("vascular_calcium"), FragmentationOptions{});
    return m.induced_stress_Pa(thickness_m, load);
}

double fracture_pulse_equivalents(double shocks, const ShockAtTarget& load, double thickness_m, double ring_radius_m,
                                  bool intravascular, double exponent) {
    if (!(shocks > 0) || !(load.p_plus_Pa > 0)) return 0.0;
    const double sigma = calcium_stress_Pa(load, thickness_m, ring_radius_m, intravascular);
    const double sigma_ref =
        calcium_stress_Pa(ivl_reference_load(), kIvlReferenceThickness_m, kIvlReferenceRingRadius_m, true);
    return shocks * std::pow(sigma / sigma_ref, exponent);
}

namespace {

/// An indication's outcomes and its outcome models (each model once, in the order of the outcomes).
struct OutcomeSet {
    std::vector<Outcome> list;
    std::vector<std::string> models;
    std::map<std::string, Drawable> drawable;
};
OutcomeSet outcome_set(const std::string& indication) {
    OutcomeSet set;
    set.list = outcomes_of(indication);
    for (const auto& o : set.list)
        if (!set.drawable.count(o.model)) {
            set.models.push_back(o.model);
            set.drawable.emplace(o.model, drawable(o.model));
        }
    return set;
}

void check_options(const OutcomeOptions& options, const PatientFactors& patient) {
    require_input(options.samples >= 0 && options.samples <= 100000, "Monte Carlo samples = ", options.samples,
                  "; accepted 0 to 100000");
    require_input(std::isfinite(options.dose_log_sd) && options.dose_log_sd >= 0, "dose log SD ",
                  options.dose_log_sd, " must be >= 0");
    require_input(patient.gaertner_type >= 1 && patient.gaertner_type <= 3, "Gaertner type ", patient.gaertner_type,
                  "; accepted I, II or III");
}

/// The outcome probabilities of one particle for what was delivered, with and without treatment.
struct Evaluated {
    std::vector<double> with, without;
};
Evaluated evaluate(const OutcomeSet& set, const Protocol& p, const Schedule& schedule, const PatientFactors& patient,
                   const OutcomeParticle& particle, const Delivered& delivered, bool treated) {
    OutcomeCovariates x = covariates(p.indication, delivered, schedule, patient, p, treated, particle.fracture_exponent);
    OutcomeCovariates x0 = covariates(p.indication, delivered, schedule, patient, p, false);
    Evaluated e;
    double p_fracture = 0, p_fracture0 = 0;
    for (const Outcome& o : set.list) {
        const Drawable& m = set.drawable.at(o.model);
        const std::vector<double>& theta = particle.theta.at(o.model);
        const double u = particle.shift.at(o.model);
        x.value["horizon_months"] = x0.value["horizon_months"] = o.horizon_months;
        if (std::string(o.model) == "vascular_procedural") {
            x.value["p_fracture"] = p_fracture;
            x0.value["p_fracture"] = p_fracture0;
        }
        e.with.push_back(treated ? m.eq->probability(theta.data(), x, u) : m.eq->probability(theta.data(), x0, u));
        e.without.push_back(m.eq->probability(theta.data(), x0, u));
        if (std::string(o.model) == "vascular_fracture") p_fracture = e.with.back(), p_fracture0 = e.without.back();
    }
    return e;
}

int total_shocks(const std::vector<std::pair<int, ShockAtTarget>>& delivered) {
    int n = 0;
    for (const auto& d : delivered) n += d.first;
    return n;
}

/// The schedule replayed for one course sample: its particle's model and dose, from its population.
ReplayResult replay_sample(const ScheduleRequest& request, const Schedule& schedule, const FragmentationModel& base,
                           const CourseSample& sample, int first_session) {
    std::vector<double> offsets = sample.particle.offsets_m;
    offsets.resize(std::max<std::size_t>(offsets.size(), std::size_t(first_session + std::max(schedule.max_sessions, 1))),
                   0.0);
    return replay_schedule(schedule, request.protocol, particle_model(base, sample.particle),
                           particle_dose(request.dose, sample.particle), offsets, &sample.population, first_session);
}

/// Every sample (and the nominal one) continued by the schedule, and the outcomes' means and percentiles.
OutcomePrediction predict(const ScheduleRequest& request, const Schedule& schedule, const PatientFactors& patient,
                          const OutcomeOptions& options, const CourseSoFar& so_far) {
    check_options(options, patient);
    const Protocol& p = request.protocol;
    const FragmentationModel base = request.fragmentation ? *request.fragmentation : fragmentation_model(p);
    const OutcomeSet set = outcome_set(p.indication);
    OutcomePrediction out;
    out.indication = p.indication;
    out.samples = int(so_far.samples.size());
    out.seed = options.seed;
    for (const auto& s : schedule.sessions) out.p_largest_above_clearance.push_back(s.p_largest_above_clearance);

    const auto run = [&](const CourseSample& sample, ReplayResult& r) {
        r = replay_sample(request, schedule, base, sample, so_far.first_session);
        std::vector<std::pair<int, ShockAtTarget>> all = sample.delivered;
        all.insert(all.end(), r.delivered.begin(), r.delivered.end());
        r.delivered = std::move(all);
        const bool treated = total_shocks(r.delivered) > 0;
        return std::pair<Delivered, bool>{Delivered{r.delivered, treated ? &r.population : nullptr}, treated};
    };
    std::vector<std::vector<double>> with(set.list.size()), without(set.list.size());
    bool any_treated = false;
    for (std::size_t i = 0; i < so_far.samples.size(); ++i) {
        ReplayResult r;
        const auto [delivered, treated] = run(so_far.samples[i], r);
        any_treated = any_treated || treated;
        const Evaluated e = evaluate(set, p, schedule, patient, so_far.samples[i].particle, delivered, treated);
        for (std::size_t k = 0; k < set.list.size(); ++k) {
            with[k].push_back(e.with[k]);
            without[k].push_back(e.without[k]);
        }
        if (options.progress) options.progress(int(i) + 1, int(so_far.samples.size()));
    }

    // Nominal values: mean coefficients, no between-study shift, the plan as scheduled.
    ReplayResult nominal_replay;
    const auto [nominal_delivered, nominal_treated] = run(so_far.nominal, nominal_replay);
    const Evaluated nominal =
        evaluate(set, p, schedule, patient, so_far.nominal.particle, nominal_delivered, nominal_treated);
    OutcomeCovariates xn = covariates(p.indication, nominal_delivered, schedule, patient, p, nominal_treated);
    for (std::size_t k = 0; k < set.list.size(); ++k) {
        const Drawable& m = set.drawable.at(set.list[k].model);
        OutcomeEstimate e;
        e.name = set.list[k].name;
        e.horizon_months = set.list[k].horizon_months;
        e.primary = e.name == p.primary_outcome;
        e.probability_nominal = nominal.with[k];
        if (!with[k].empty()) {
            double sum = 0, sum0 = 0;
            for (double v : with[k]) sum += v;
            for (double v : without[k]) sum0 += v;
            e.probability = sum / double(with[k].size());
            e.probability_without_treatment = sum0 / double(without[k].size());
            e.ci95_low = percentile(with[k], 0.025);
            e.ci95_high = percentile(with[k], 0.975);
        } else {
            e.probability = e.ci95_low = e.ci95_high = e.probability_nominal;
            e.probability_without_treatment = nominal.without[k];
        }
        if (!any_treated && !nominal_treated) e.probability = e.probability_without_treatment;   // the same draws
        if (std::string(set.list[k].model) == "vascular_procedural") xn.value["p_fracture"] = nominal.with[k - 1];
        e.covariates = reported(p.indication, xn, nominal_delivered, schedule, set.list[k].horizon_months);
        e.model = m.fit->name + " (planning/OUTCOMES.md), fitted to " + m.fit->fitted_to;
        out.outcomes.push_back(std::move(e));
    }
    return out;
}

}  // namespace

std::vector<OutcomeParticle> draw_particles(const Protocol& p, const FragmentationModel& base,
                                            const OutcomeOptions& options, int n) {
    const double positioning = options.positioning_sd_m.value_or(p.positioning_sd_m);
    const FittedStrength* strength_fit = fitted_strength(base.material().name);
    const OutcomeSet set = outcome_set(p.indication);
    // Two random streams: the delivery (strength, dose, aim) and the model (coefficients, between-study shift,
    // stress exponent). Each sample takes the same number of draws from each whatever the plan, so plans of one
    // patient compared with one seed share every draw and differ by their dose, not by noise.
    const auto lo = std::uint32_t(options.seed & 0xffffffffu), hi = std::uint32_t(options.seed >> 32);
    std::seed_seq delivery_seed{lo, hi, 1u}, model_seed{lo, hi, 2u};
    std::mt19937_64 rng_delivery(delivery_seed), rng_model(model_seed);
    std::normal_distribution<double> normal_delivery(0.0, 1.0), normal_model(0.0, 1.0);
    std::vector<OutcomeParticle> particles;
    for (int i = 0; i < n; ++i) {
        OutcomeParticle q;
        q.strength_factor = std::exp(options.strength_log_sd * normal_delivery(rng_delivery));
        if (strength_fit) q.strength_factor *= std::exp(strength_fit->log_sd * normal_delivery(rng_delivery));
        q.dose_factor = std::exp(options.dose_log_sd * normal_delivery(rng_delivery));
        q.offsets_m.resize(std::max(p.sessions_max, 1));
        for (double& off : q.offsets_m) off = positioning * normal_delivery(rng_delivery);
        q.fracture_exponent =
            std::max(0.5, kFractureStressExponent + kFractureStressExponentSd * normal_model(rng_model));
        std::map<std::string, double> z_shift;
        for (const std::string& name : set.models) {
            const Drawable& m = set.drawable.at(name);
            Eigen::VectorXd z(m.mean.size());
            for (Eigen::Index j = 0; j < z.size(); ++j) z(j) = normal_model(rng_model);
            const Eigen::VectorXd theta = m.mean + m.lower * z;
            q.theta[name] = std::vector<double>(theta.data(), theta.data() + theta.size());
            z_shift[name] = normal_model(rng_model);
        }
        if (z_shift.count("tendon_resorption") && z_shift.count("tendon_clinical"))
            z_shift["tendon_clinical"] = z_shift["tendon_resorption"];   // one response per patient (see the header)
        for (const auto& [name, z] : z_shift) q.shift[name] = set.drawable.at(name).fit->tau * z;
        particles.push_back(std::move(q));
    }
    return particles;
}

OutcomeParticle nominal_particle(const Protocol& p) {
    const OutcomeSet set = outcome_set(p.indication);
    OutcomeParticle q;
    q.offsets_m.assign(std::max(p.sessions_max, 1), 0.0);
    for (const std::string& name : set.models) {
        const Drawable& m = set.drawable.at(name);
        q.theta[name] = std::vector<double>(m.mean.data(), m.mean.data() + m.mean.size());
        q.shift[name] = 0.0;
    }
    return q;
}

FragmentationModel particle_model(const FragmentationModel& base, const OutcomeParticle& particle) {
    return FragmentationModel(with_strength_factor(base.material(), particle.strength_factor), base.options());
}

DoseModel particle_dose(const DoseModel& dose, const OutcomeParticle& particle) {
    DoseModel d = dose;
    const double f = particle.dose_factor;
    if (f == 1.0) return d;
    d.dose = [inner = dose.dose, f](double setting, double offset) {
        DoseAtSetting x = inner(setting, offset);
        x.at_target.p_plus_Pa *= f;
        x.at_target.p_minus_Pa *= f;
        x.at_target.efd_J_per_m2 *= f * f;
        return x;
    };
    return d;
}

OutcomePrediction predict_outcomes(const ScheduleRequest& request, const Schedule& schedule,
                                   const PatientFactors& patient, const OutcomeOptions& options) {
    check_options(options, patient);
    const Protocol& p = request.protocol;
    const FragmentationModel base = request.fragmentation ? *request.fragmentation : fragmentation_model(p);
    CourseSoFar start;
    const FragmentPopulation intact = base.initial(schedule.target_diameter_m);
    for (OutcomeParticle& q : draw_particles(p, base, options, options.samples))
        start.samples.push_back({std::move(q), intact, {}});
    start.nominal = {nominal_particle(p), intact, {}};
    return predict(request, schedule, patient, options, start);
}

OutcomePrediction predict_outcomes(const ScheduleRequest& request, const Schedule& schedule,
                                   const PatientFactors& patient, const OutcomeOptions& options,
                                   const CourseSoFar& so_far) {
    return predict(request, schedule, patient, options, so_far);
}

DoseModel reference_dose_model(const Protocol& p, double target_diameter_m, double lateral_offset_m,
                               double extra_loss_dB) {
    require_input(std::isfinite(extra_loss_dB) && extra_loss_dB >= 0, "extra window loss ", extra_loss_dB,
                  " dB must be >= 0");
    require_input(std::isfinite(target_diameter_m) && target_diameter_m > 0, "target diameter ", target_diameter_m,
                  " m must be > 0");
    require_input(p.reference_tau_eff_s > 0 && p.reference_focal_width_m > 0, p.indication,
                  ": the protocol has no reference pulse or focal width");
    DoseModel m;
    m.setting_min = kEfdOverrideMin_J_per_m2 / kJ_per_m2_per_mJ_per_mm2;
    m.setting_max = kEfdOverrideMax_J_per_m2 / kJ_per_m2_per_mJ_per_mm2;
    m.setting_step = 0;
    m.free_field_efd_J_per_m2 = [](double setting) { return setting * kJ_per_m2_per_mJ_per_mm2; };
    const double loss_dB = p.typical_window_loss_dB + extra_loss_dB;
    const double width = p.reference_focal_width_m, sd = p.motion_sd_m, tau = p.reference_tau_eff_s;
    const double radius = 0.5 * target_diameter_m, phase = p.reference_positive_phase_s, jitter = p.reference_p_plus_sd;
    m.dose = [=](double setting, double offset_m) {
        const double efd_ff = setting * kJ_per_m2_per_mJ_per_mm2;
        const double p_ff = std::sqrt(efd_ff * kImpedance / tau);
        const double off = lateral_offset_m + offset_m;
        DoseAtSetting d;
        d.at_target.p_plus_Pa = p_ff * std::pow(10.0, -loss_dB / 20) * gaussian_motion_factor(width, sd, off, radius);
        d.at_target.p_minus_Pa = -d.at_target.p_plus_Pa / kPlusToMinus;
        d.at_target.efd_J_per_m2 =
            efd_ff * std::pow(10.0, -loss_dB / 10) * gaussian_motion_factor(width / std::sqrt(2.0), sd, off, radius);
        d.at_target.focal_width_m = width;
        d.at_target.positive_phase_s = phase;
        d.at_target.p_plus_relative_sd = jitter;
        return d;
    };
    return m;
}

ScheduleRequest standard_request(const Protocol& p, double target_diameter_m) {
    ScheduleRequest r;
    r.protocol = p;
    r.target_diameter_m = target_diameter_m;
    r.dose = reference_dose_model(p, target_diameter_m);
    return r;
}

}  // namespace lithosim::planning
