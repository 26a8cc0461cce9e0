// Validation of the fitted planner models against published groups they were not fitted to (issue 13 §2, §6):
//
// outcomes: every checking row of validation/data/outcome_groups.csv (role "check"): the observed rate with its
//   binomial 95 % interval (Wilson) against the model's prediction with its 95 % interval (coefficient draws and the
//   between-study spread; rows whose fragmentation is "model" run the fragmentation chain for the series' protocol).
//   A row passes when the two intervals overlap (error = the gap between them, tolerance 0); a row without a
//   published n compares the percentage with a tolerance of 10 points around the model's interval. The full variant
//   also lists the fitting rows (they pass by construction of the fit: shown, marked "fit", for reading).
// planner_clinical: the fragmentation model with its fitted strengths against the clinical series of
//   validation/data/fragmentation_groups.csv: share fragmented after k sessions (binomial interval vs the model's
//   interval from the strength's fitted log SD) and mean sessions (published mean +- 2 SE vs the model's interval);
//   the share of checking series inside (at least half) in both variants, every series one by one in the full
//   variant (fit rows marked "fit").
#include <algorithm>
#include <cmath>

#include "planning/fitted_parameters.hpp"
#include "planning/fragmentation.hpp"
#include "core/errors.hpp"
#include "validation/case_support.hpp"
#include "validation/parameter_fit.hpp"

namespace lithosim::validation::detail {

namespace {

constexpr char kOutcomes[] = "outcomes";
constexpr char kClinical[] = "planner_clinical";

/// Gap between [a0, a1] and [b0, b1] (0 when they overlap).
double gap(double a0, double a1, double b0, double b1) { return std::max({0.0, b0 - a1, a0 - b1}); }

FragmentationFit compiled_fragmentation() {
    FragmentationFit f;
    f.constants = planning::fitted_parameters().fragmentation;
    f.strengths = planning::fitted_parameters().strengths;
    return f;
}

}  // namespace

std::vector<Row> run_outcomes(bool full, const RunHooks& hooks) {
    std::vector<Row> rows;
    const auto data = parse_groups(outcome_groups_csv(), "outcome_groups.csv");
    const auto& fitted = planning::fitted_parameters().outcomes;
    const FragmentationFit frag = compiled_fragmentation();
    for (const DataRow& r : data) {
        if (r.role == "gaussian" || (r.role == "fit" && !full)) continue;
        const planning::FittedOutcomeModel& model = planning::fitted_outcome(r.model);
        const planning::OutcomeCovariates x = row_covariates(r, fitted, frag);
        const RowPrediction pr = predict_row(model, x);
        Row row;
        row.case_name = kOutcomes;
        row.unit = "%";
        row.simulated = 100 * pr.mean;
        if (r.n > 0) {
            const auto [lo, hi] = wilson_interval(r.events, r.n);
            row.reference = 100 * r.events / r.n;
            row.error = 100 * gap(lo, hi, pr.low, pr.high);
            row.tolerance = 0;
            row.quantity = fmt(r.model, " ", r.role == "fit" ? "[fit] " : "", r.study, ", ", r.group, ": observed ",
                               r.events, "/", r.n, " (95 % ", 100 * lo, "-", 100 * hi, " %), predicted ", row.simulated,
                               " % (95 % ", 100 * pr.low, "-", 100 * pr.high, " %) [%]");
        } else {
            row.reference = r.events;
            row.error = gap(r.events / 100, r.events / 100, pr.low, pr.high) * 100;
            row.tolerance = 10;
            row.quantity = fmt(r.model, " ", r.role == "fit" ? "[fit] " : "", r.study, ", ", r.group, ": observed ",
                               r.events, " % (n not published), predicted ", row.simulated, " % (95 % ", 100 * pr.low,
                               "-", 100 * pr.high, " %) [%]");
        }
        row.pass = row.error <= row.tolerance;
        if (hooks.log) hooks.log(fmt(kOutcomes, ": ", row.quantity, row.pass ? " PASS" : " FAIL"));
        rows.push_back(row);
    }
    return rows;
}

std::vector<Row> run_planner_clinical(bool full, const RunHooks& hooks) {
    std::vector<Row> rows, checks;
    const auto data = parse_groups(fragmentation_groups_csv(), "fragmentation_groups.csv");
    planning::FragmentationConstants c;   // the compiled (fitted) defaults
    int inside = 0, compared = 0;
    for (const DataRow& r : data) {
        if (r.model != "sessions" || (r.role == "fit" && !full)) continue;
        const std::string& name = r.parameters.at("material");
        const planning::StoneMaterial& m = planning::stone_material(name);
        // The model's 95 % interval: the fitted strength moved by 1.96 of its log SD (fit and between-series spread).
        const planning::FittedStrength* fit = planning::fitted_strength(name);
        const double spread = fit ? 1.96 * fit->log_sd : 0.0;
        const SessionsPrediction pr = predict_sessions(r, m, c);
        const SessionsPrediction weak = predict_sessions(r, planning::with_strength_factor(m, std::exp(-spread)), c);
        const SessionsPrediction strong = predict_sessions(r, planning::with_strength_factor(m, std::exp(spread)), c);
        Row row;
        row.case_name = kClinical;
        if (r.has("mean")) {
            const double mean = r.number("mean"), se = r.number("se");
            const double lo = weak.mean_sessions, hi = strong.mean_sessions;
            row.unit = "sessions";
            row.simulated = pr.mean_sessions;
            row.reference = mean;
            row.error = gap(mean - 2 * se, mean + 2 * se, lo, hi);
            row.tolerance = 0;
            row.quantity = fmt(name, " ", r.role == "fit" ? "[fit] " : "", r.study, ", ", r.group, ": mean sessions of ",
                               r.number("shocks"), " shocks, published ", mean, " +- ", 2 * se, ", model ",
                               pr.mean_sessions, " (95 % ", lo, "-", hi, ")");
        } else {
            const std::size_t k = std::size_t(r.number("after_sessions"));
            const auto [lo, hi] = wilson_interval(r.events, r.n);
            const double m_lo = strong.fragmented_after.at(k - 1), m_hi = weak.fragmented_after.at(k - 1);
            row.unit = "%";
            row.simulated = 100 * pr.fragmented_after.at(k - 1);
            row.reference = 100 * r.events / r.n;
            row.error = 100 * gap(lo, hi, m_lo, m_hi);
            row.tolerance = 0;
            row.quantity = fmt(name, " ", r.role == "fit" ? "[fit] " : "", r.study, ", ", r.group,
                               ": fragmented below ", r.number("clearance_mm"), " mm after ", k, " session(s) of ",
                               r.number("shocks"), " shocks, published ", r.events, "/", r.n, " (95 % ", 100 * lo, "-",
                               100 * hi, " %), model ", row.simulated, " % (95 % ", 100 * m_lo, "-", 100 * m_hi,
                               " %) [%]");
        }
        row.pass = row.error <= row.tolerance;
        if (r.role == "check") {
            ++compared;
            inside += row.pass ? 1 : 0;
        }
        if (hooks.log) hooks.log(fmt(kClinical, ": ", row.quantity, row.pass ? " PASS" : " FAIL"));
        (r.role == "check" ? checks : rows).push_back(row);
    }
    // The checking series one by one in the full variant (a series may lie outside: the published series disagree
    // among themselves); in both variants the share inside the model's interval, which must be at least half (a
    // model whose intervals miss most series it was not fitted to fails).
    if (full) rows.insert(rows.end(), checks.begin(), checks.end());
    rows.push_back(measured_row(kClinical,
                                fmt("clinical series not fitted to, inside the model's 95 % interval: ", inside, " of ",
                                    compared, " (at least half) [%]"),
                                "%", compared ? 100.0 * inside / compared : 0.0, 50.0,
                                compared > 0 && 2 * inside >= compared ? 0.0 : 1.0, 0.0));
    return rows;
}

}  // namespace lithosim::validation::detail
