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
#include "solver/errors.hpp"

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

OutcomePrediction predict_outcomes(const ScheduleRequest& request, const Schedule& schedule,
                                   const PatientFactors& patient, const OutcomeOptions& options) {
    require_input(options.samples >= 0 && options.samples <= 100000, "Monte Carlo samples = ", options.samples,
                  "; accepted 0 to 100000");
    require_input(std::isfinite(options.dose_log_sd) && options.dose_log_sd >= 0, "dose log SD ",
                  options.dose_log_sd, " must be >= 0");
    require_input(patient.gaertner_type >= 1 && patient.gaertner_type <= 3, "Gaertner type ", patient.gaertner_type,
                  "; accepted I, II or III");
    const Protocol& p = request.protocol;
    const std::string& indication = p.indication;
    const FragmentationModel base = request.fragmentation ? *request.fragmentation : fragmentation_model(p);
    const double positioning = options.positioning_sd_m.value_or(p.positioning_sd_m);
    const FittedStrength* strength_fit = fitted_strength(base.material().name);

    OutcomePrediction out;
    out.indication = indication;
    out.samples = options.samples;
    out.seed = options.seed;
    for (const auto& s : schedule.sessions) out.p_largest_above_clearance.push_back(s.p_largest_above_clearance);

    const std::vector<Outcome> list = outcomes_of(indication);
    std::vector<Drawable> models;
    for (const auto& o : list) models.push_back(drawable(o.model));

    // The nominal plan: as scheduled.
    const std::vector<double> zero_offsets(std::max(schedule.max_sessions, 1), 0.0);
    const ReplayResult nominal = replay_schedule(schedule, p, base, request.dose, zero_offsets);
    const Delivered nominal_delivered{nominal.delivered, schedule.planned_steps.empty() ? nullptr : &nominal.population};

    std::vector<std::vector<double>> with(list.size()), without(list.size());
    // Two random streams: the delivery (strength, dose, aim) and the model (coefficients, between-study shift,
    // stress exponent). The model's draws are then the same for every plan of a patient with the same seed, whatever
    // the course consumed from the delivery stream: plans compared with one seed differ by their dose, not by noise.
    const auto lo = std::uint32_t(options.seed & 0xffffffffu), hi = std::uint32_t(options.seed >> 32);
    std::seed_seq delivery_seed{lo, hi, 1u}, model_seed{lo, hi, 2u};
    std::mt19937_64 rng_delivery(delivery_seed), rng_model(model_seed);
    std::normal_distribution<double> normal_delivery(0.0, 1.0), normal_model(0.0, 1.0);
    std::vector<double> offsets(std::max(schedule.max_sessions, 1));
    for (int i = 0; i < options.samples; ++i) {
        double strength = std::exp(options.strength_log_sd * normal_delivery(rng_delivery));
        if (strength_fit) strength *= std::exp(strength_fit->log_sd * normal_delivery(rng_delivery));
        const double dose_factor = std::exp(options.dose_log_sd * normal_delivery(rng_delivery));
        for (double& off : offsets) off = positioning * normal_delivery(rng_delivery);
        const FragmentationModel model(with_strength_factor(base.material(), strength), base.options());
        DoseModel dose = request.dose;
        dose.dose = [&request, dose_factor](double setting, double offset) {
            DoseAtSetting d = request.dose.dose(setting, offset);
            d.at_target.p_plus_Pa *= dose_factor;
            d.at_target.p_minus_Pa *= dose_factor;
            d.at_target.efd_J_per_m2 *= dose_factor * dose_factor;
            return d;
        };
        const ReplayResult r = replay_schedule(schedule, p, model, dose, offsets);
        const Delivered delivered{r.delivered, schedule.planned_steps.empty() ? nullptr : &r.population};
        const double exponent =
            std::max(0.5, kFractureStressExponent + kFractureStressExponentSd * normal_model(rng_model));
        OutcomeCovariates x = covariates(indication, delivered, schedule, patient, p, true, exponent);
        OutcomeCovariates x0 = covariates(indication, delivered, schedule, patient, p, false);
        double p_fracture = 0, p_fracture0 = 0;
        for (std::size_t k = 0; k < list.size(); ++k) {
            const Drawable& m = models[k];
            Eigen::VectorXd z(m.mean.size());
            for (Eigen::Index j = 0; j < z.size(); ++j) z(j) = normal_model(rng_model);
            const Eigen::VectorXd theta = m.mean + m.lower * z;
            const double u = m.fit->tau * normal_model(rng_model);
            x.value["horizon_months"] = x0.value["horizon_months"] = list[k].horizon_months;
            if (std::string(list[k].model) == "vascular_procedural") {
                x.value["p_fracture"] = p_fracture;
                x0.value["p_fracture"] = p_fracture0;
            }
            with[k].push_back(m.eq->probability(theta.data(), x, u));
            without[k].push_back(m.eq->probability(theta.data(), x0, u));
            if (std::string(list[k].model) == "vascular_fracture") p_fracture = with[k].back(), p_fracture0 = without[k].back();
        }
        if (options.progress) options.progress(i + 1, options.samples);
    }

    // Nominal values: mean coefficients, no between-study shift, the plan as scheduled.
    OutcomeCovariates xn = covariates(indication, nominal_delivered, schedule, patient, p, true);
    OutcomeCovariates xn0 = covariates(indication, nominal_delivered, schedule, patient, p, false);
    double pf = 0, pf0 = 0;
    for (std::size_t k = 0; k < list.size(); ++k) {
        const Drawable& m = models[k];
        xn.value["horizon_months"] = xn0.value["horizon_months"] = list[k].horizon_months;
        if (std::string(list[k].model) == "vascular_procedural") xn.value["p_fracture"] = pf, xn0.value["p_fracture"] = pf0;
        OutcomeEstimate e;
        e.name = list[k].name;
        e.horizon_months = list[k].horizon_months;
        e.primary = e.name == p.primary_outcome;
        e.probability_nominal = m.eq->probability(m.mean.data(), xn, 0.0);
        const double nominal_without = m.eq->probability(m.mean.data(), xn0, 0.0);
        if (std::string(list[k].model) == "vascular_fracture") pf = e.probability_nominal, pf0 = nominal_without;
        if (options.samples > 0) {
            double sum = 0, sum0 = 0;
            for (double v : with[k]) sum += v;
            for (double v : without[k]) sum0 += v;
            e.probability = sum / double(options.samples);
            e.probability_without_treatment = sum0 / double(options.samples);
            e.ci95_low = percentile(with[k], 0.025);
            e.ci95_high = percentile(with[k], 0.975);
        } else {
            e.probability = e.ci95_low = e.ci95_high = e.probability_nominal;
            e.probability_without_treatment = nominal_without;
        }
        if (schedule.planned_steps.empty()) {   // no shocks: the treated and untreated models are the same draws
            e.probability = e.probability_without_treatment;
        }
        xn.value.erase("horizon_months");
        e.covariates = reported(indication, xn, nominal_delivered, schedule, list[k].horizon_months);
        e.model = m.fit->name + " (planning/OUTCOMES.md), fitted to " + m.fit->fitted_to;
        out.outcomes.push_back(std::move(e));
    }
    return out;
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
