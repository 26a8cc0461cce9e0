// The outcome models' equations (issue 13 §1, §2; planning/OUTCOMES.md): one function per model from its
// coefficients and a group's (or a plan's) covariates to the probability of the outcome. The same functions are
// fitted to the published groups (validation/fit_parameters) and evaluated by the planner (planning/outcomes), so
// what is fitted is what predicts.
//
// Units of the covariates (the names are the keys of validation/data/outcome_groups.csv):
//   horizon_months       months after the first session
//   dose steps           (shocks, EFD at the target in mJ/mm^2) of every stretch of shocks delivered
//   gaertner             deposit type 1, 2, 3 (a mixed trial population: the mean, e.g. 1.5 for types I and II)
//   deposit_mm           the deposit's equivalent diameter
//   fragmented           share (0..1) with every fragment below 5 mm after the last session (gallbladder), or below
//                        the extraction size (bile duct)
//   bile_acid, impaired, calcified   0 or 1
//   stones               number of stones
//   pulses_equivalent    sum over shocks of (sigma / sigma_IVL)^2: the fracture dose in IVL pulses (vascular)
//   arc_deg              calcium arc; long_lesion  1 for a lesion >= 150 mm
//   p_fracture           probability of a calcium fracture (vascular procedural success)
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lithosim::planning {

struct OutcomeCovariates {
    std::map<std::string, double> value;
    /// (shocks, EFD at the target in mJ/mm^2) per stretch of shocks (ramp steps and plateaus of every session).
    std::vector<std::pair<double, double>> dose_steps;
    /// The value of a covariate; std::logic_error naming it when absent.
    double at(const std::string& key) const;
    double get(const std::string& key, double fallback) const;
};

struct OutcomeEquation {
    std::string name;                          ///< the model's name in the fitted table
    std::string equation;                      ///< the equation in words and symbols (OUTCOMES.md)
    std::vector<std::string> coefficients;     ///< in the order of theta
    /// Prior of each coefficient (normal: mean, SD), stated in OUTCOMES.md: weakly informative unless said.
    std::vector<std::pair<double, double>> prior;
    /// P(theta, x, u): u shifts the linear predictor(s) (a between-study effect, 0 for the mean study).
    double (*probability)(const double* theta, const OutcomeCovariates& x, double u);
};

/// All models, in the order tendon_resorption, tendon_clinical, gallbladder_clearance, bile_duct_clearance,
/// vascular_fracture, vascular_procedural.
const std::vector<OutcomeEquation>& outcome_equations();
const OutcomeEquation& outcome_equation(const std::string& name);

/// Tendon dose: the effective cumulative dose per deposit volume, mJ/mm^2,
///     D_eff = (d_ref / d) sum_steps N E (E / E_ref)^gamma,  E_ref = 0.1 mJ/mm^2, d_ref = 10 mm;
/// gamma > 0 weights a shock by its own EFD beyond the energy it carries.
double tendon_effective_dose(const OutcomeCovariates& x, double gamma);

/// Constants of the equations that are fixed, not fitted (assumptions, OUTCOMES.md).
inline constexpr double kTendonEfdReference_mJ_per_mm2 = 0.1;
inline constexpr double kTendonDepositReference_mm = 10.0;
inline constexpr double kTendonDoseScale_mJ_per_mm2 = 100.0;
inline constexpr double kFracturePulsesReference = 60.0;   ///< median IVL pulses per lesion (McInerney 2024)

}  // namespace lithosim::planning
