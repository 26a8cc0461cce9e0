// Fitting the planner's parameters once, to published data (issue 13 §2, §4): the fragmentation model's constants
// and stone strengths (planning/FRAGMENTATION.md §5) and the outcome models (planning/OUTCOMES.md §2).
//
// Data: validation/data/outcome_groups.csv and validation/data/fragmentation_groups.csv, embedded in the build (one
// row per published group; the role column says whether a row fits or only checks). The tool
// validation/fit_parameters_main.cpp (build/validation/lithosim_fit_parameters) runs fit_all, prints the fit and,
// with --write FILE, writes planning/fitted_parameters.cpp; tests/validation [fit] re-runs it and compares.
//
// Methods (details in OUTCOMES.md §2 and FRAGMENTATION.md §5):
//  * outcome models: maximum a posteriori of the binomial likelihood of the fitting groups (with the published
//    estimates given with a standard error as normal terms) and the equations' normal priors, by Newton's method
//    with numerical derivatives; the between-study variance tau^2 by the DerSimonian-Laird moment estimator on the
//    groups' logit residuals; when tau > 0 each group's likelihood is weighted by v / (v + tau^2) (its binomial
//    variance v on the logit scale) and the fit repeated, so a scattering set of groups informs the coefficients
//    less; the covariance is the inverse Hessian at the optimum (Laplace approximation).
//  * fragmentation: theta and lambda by least squares on Zhang's three thresholds; D and the erosion depth by least
//    squares on Qin's five comminution results; each material's strength by maximum likelihood on the clinical
//    series (sessions), its log SD from the curvature and the DerSimonian-Laird spread of the series' own fits.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "planning/fitted_parameters.hpp"
#include "planning/fragmentation.hpp"
#include "planning/outcome_models.hpp"

namespace lithosim::validation {

/// One row of a data table.
struct DataRow {
    std::string model;     ///< outcome model, or the fragmentation kind (threshold, comminution, sessions)
    std::string role;      ///< fit, check, gaussian
    std::string study, group;
    double n = 0;          ///< 0: events is a percentage (n not published)
    double events = 0;
    std::map<std::string, std::string> parameters;
    std::string source;
    double number(const std::string& key) const;   ///< InputError naming the row and key when absent or not a number
    bool has(const std::string& key) const { return parameters.count(key) > 0; }
};

/// The embedded tables (the files' text at build time) and their parsed rows.
const std::string& outcome_groups_csv();
const std::string& fragmentation_groups_csv();
std::vector<DataRow> parse_groups(const std::string& csv_text, const std::string& origin);
/// FNV-1a 64 of both tables' text, as 16 hex digits: stored with the fit, compared by the test.
std::string data_hash();

/// The clinical series of a `sessions` row simulated with the fragmentation model: for `patients` patients (stone
/// size and strength drawn from the between-patient spreads, fixed seed), the mean over patients of the probability
/// that every fragment is below the row's clearance size after each session, and the mean number of sessions when
/// a patient is re-treated until fragmented (at most the row's `sessions`).
struct SessionsPrediction {
    std::vector<double> fragmented_after;   ///< [k]: after k + 1 sessions
    double mean_sessions = 0;
};
SessionsPrediction predict_sessions(const DataRow& row, const planning::StoneMaterial& material,
                                    const planning::FragmentationConstants& constants, int patients = 80);

/// The fragmentation fit. `report` gets one line per fitted quantity and per checking group.
struct FragmentationFit {
    planning::FittedFragmentation constants;
    std::vector<planning::FittedStrength> strengths;
};
FragmentationFit fit_fragmentation(std::ostream* report);

/// The covariates of an outcome row: trial EFDs to the EFD at the target (tendon: the protocol's window loss),
/// dose steps, and for fragmented=model rows the share fragmented from predict_sessions with the fitted constants.
planning::OutcomeCovariates row_covariates(const DataRow& row, const std::vector<planning::FittedOutcomeModel>& fitted,
                                           const FragmentationFit& fragmentation);

/// Fits one outcome model to its rows (role fit and gaussian).
planning::FittedOutcomeModel fit_outcome(const planning::OutcomeEquation& equation, const std::vector<DataRow>& rows,
                                         const std::vector<planning::FittedOutcomeModel>& fitted_before,
                                         const FragmentationFit& fragmentation, std::ostream* report);

/// Everything, in order: fragmentation, then the outcome models in the order of planning::outcome_equations().
planning::FittedParameters fit_all(std::ostream* report);

/// The text of planning/fitted_parameters.cpp for a fit.
std::string fitted_table_source(const planning::FittedParameters& fit);

/// A model's prediction for a row with the fitted coefficients: the probability at the mean coefficients and the
/// 2.5 / 97.5 percentiles over coefficient draws and the between-study shift (`draws` samples, fixed seed).
struct RowPrediction {
    double mean = 0, low = 0, high = 0;
};
RowPrediction predict_row(const planning::FittedOutcomeModel& model, const planning::OutcomeCovariates& x,
                          int draws = 2000);

/// Wilson 95 % interval of a binomial proportion.
std::pair<double, double> wilson_interval(double events, double n);

}  // namespace lithosim::validation
