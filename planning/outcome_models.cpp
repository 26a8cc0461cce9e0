// Outcome equations: planning/OUTCOMES.md §1 gives each with its reasoning and sources; the priors are stated there.
// L(z) = 1 / (1 + exp(-z)); u is the between-study shift of the linear predictor.
#include "planning/outcome_models.hpp"

#include <cmath>
#include <stdexcept>

namespace lithosim::planning {
namespace {

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// (g - 1) / 2: type I 0, type II 0.5, type III 1.
double type_term(const OutcomeCovariates& x) { return 0.5 * (x.at("gaertner") - 1.0); }

double tendon_dose_term(const OutcomeCovariates& x, double gamma) {
    return std::log1p(tendon_effective_dose(x, gamma) / kTendonDoseScale_mJ_per_mm2);
}

// tendon_resorption: eta = a + b_type (g - 1)/2 + b_time ln(t / 6 months) + b_dose ln(1 + D_eff / D0) + u
double tendon_resorption(const double* t, const OutcomeCovariates& x, double u) {
    const double eta = t[0] + t[1] * type_term(x) + t[2] * std::log(x.at("horizon_months") / 6.0) +
                       t[3] * tendon_dose_term(x, t[4]) + u;
    return logistic(eta);
}

// tendon_clinical: eta = c + c_type (g - 1)/2 + c_dose ln(1 + D_eff / D0) + u, D_eff with gamma = 1 (the clinical
// groups vary the EFD too little to tell gamma: the prior mean of the resorption model, an assumption)
double tendon_clinical(const double* t, const OutcomeCovariates& x, double u) {
    return logistic(t[0] + t[1] * type_term(x) + t[2] * tendon_dose_term(x, 1.0) + u);
}

// gallbladder_clearance: P = f L(a_f + c) + (1 - f) L(a_p + c),
//   c = b_time ln(t / 12 months) + b_bile_acid (bile_acid - 1) + b_impaired impaired + b_stones ln(stones)
//       + b_calcified calcified + u
double gallbladder_clearance(const double* t, const OutcomeCovariates& x, double u) {
    const double f = x.at("fragmented");
    const double c = t[2] * std::log(x.at("horizon_months") / 12.0) + t[3] * (x.at("bile_acid") - 1.0) +
                     t[4] * x.at("impaired") + t[5] * std::log(x.at("stones")) + t[6] * x.at("calcified") + u;
    return f * logistic(t[0] + c) + (1.0 - f) * logistic(t[1] + c);
}

// bile_duct_clearance: P = f L(h_f + u) + (1 - f) L(h_p + u)
double bile_duct_clearance(const double* t, const OutcomeCovariates& x, double u) {
    const double f = x.at("fragmented");
    return f * logistic(t[0] + u) + (1.0 - f) * logistic(t[1] + u);
}

// vascular_fracture: P = 1 - (1 - L(b)) / (1 + H), H = exp(phi0 + phi_arc (arc / 360 - 1/2) + u) pulses_eq / 60:
// fractures arrive as a Poisson process of rate H per lesion whose rate varies between lesions as an exponential
// (gamma, shape 1) frailty, so that some lesions resist (the negative binomial with shape 1: McInerney's 79 % / 66 %
// of lesions fractured with 4.2 / 2.3 fractures per lesion on average are both close to it: 1 - 1/(1 + mean)).
double vascular_fracture(const double* t, const OutcomeCovariates& x, double u) {
    const double balloon = logistic(t[0]);
    const double h = std::exp(t[1] + t[2] * (x.at("arc_deg") / 360.0 - 0.5) + u) * x.at("pulses_equivalent") /
                     kFracturePulsesReference;
    return 1.0 - (1.0 - balloon) / (1.0 + h);
}

// vascular_procedural: P = p_f L(s_f + s_long long + u) + (1 - p_f) L(s_i + s_long long + u)
double vascular_procedural(const double* t, const OutcomeCovariates& x, double u) {
    const double pf = x.at("p_fracture"), longer = t[2] * x.at("long_lesion") + u;
    return pf * logistic(t[0] + longer) + (1.0 - pf) * logistic(t[1] + longer);
}

}  // namespace

double OutcomeCovariates::at(const std::string& key) const {
    const auto it = value.find(key);
    if (it == value.end()) throw std::logic_error("outcome covariates: no '" + key + "'");
    return it->second;
}

double OutcomeCovariates::get(const std::string& key, double fallback) const {
    const auto it = value.find(key);
    return it == value.end() ? fallback : it->second;
}

double tendon_effective_dose(const OutcomeCovariates& x, double gamma) {
    double sum = 0;
    for (const auto& [shocks, efd] : x.dose_steps)
        if (shocks > 0 && efd > 0) sum += shocks * efd * std::pow(efd / kTendonEfdReference_mJ_per_mm2, gamma);
    return sum * kTendonDepositReference_mm / x.at("deposit_mm");
}

const std::vector<OutcomeEquation>& outcome_equations() {
    // Priors: N(0, 3^2) on the logit (or log-hazard) scale for every coefficient but gamma (weakly informative: they
    // keep a coefficient finite when the groups barely inform it, and move a well-informed one by little); gamma
    // N(1, 1^2): a shock's weight grows with its EFD about in proportion (assumption, OUTCOMES.md §1.1).
    static const std::vector<OutcomeEquation> eq = {
        {"tendon_resorption",
         "L(a + b_type (g-1)/2 + b_time ln(t/6 mo) + b_dose ln(1 + D_eff/100 mJ/mm^2)), "
         "D_eff = (10 mm/d) sum N E (E/0.1 mJ/mm^2)^gamma",
         {"a", "b_type", "b_time", "b_dose", "gamma"},
         {{0, 3}, {0, 3}, {0, 3}, {0, 3}, {1, 1}},
         tendon_resorption},
        {"tendon_clinical",
         "L(c + c_type (g-1)/2 + c_dose ln(1 + D_eff/100 mJ/mm^2)), D_eff as for resorption with gamma = 1",
         {"c", "c_type", "c_dose"},
         {{0, 3}, {0, 3}, {0, 3}},
         tendon_clinical},
        {"gallbladder_clearance",
         "f L(a_f + c) + (1-f) L(a_p + c), c = b_time ln(t/12 mo) + b_bile_acid (bile_acid-1) + b_impaired impaired "
         "+ b_stones ln(stones) + b_calcified calcified",
         {"a_fragmented", "a_partial", "b_time", "b_bile_acid", "b_impaired", "b_stones", "b_calcified"},
         {{0, 3}, {0, 3}, {0, 3}, {0, 3}, {0, 3}, {0, 3}, {0, 3}},
         gallbladder_clearance},
        {"bile_duct_clearance",
         "f L(h_f) + (1-f) L(h_p)",
         {"h_fragmented", "h_partial"},
         {{0, 3}, {0, 3}},
         bile_duct_clearance},
        {"vascular_fracture",
         "1 - (1 - L(b)) / (1 + H), H = exp(phi0 + phi_arc (arc/360 - 1/2)) pulses_eq / 60",
         {"b_balloon", "phi0", "phi_arc"},
         {{0, 3}, {0, 3}, {0, 3}},
         vascular_fracture},
        {"vascular_procedural",
         "p_f L(s_f + s_long long) + (1 - p_f) L(s_i + s_long long)",
         {"s_fractured", "s_intact", "s_long"},
         {{0, 3}, {0, 3}, {0, 3}},
         vascular_procedural},
    };
    return eq;
}

const OutcomeEquation& outcome_equation(const std::string& name) {
    for (const auto& e : outcome_equations())
        if (e.name == name) return e;
    throw std::logic_error("no outcome equation '" + name + "'");
}

}  // namespace lithosim::planning
