// The fitted parameters (planning/fitted_parameters.cpp) are what the embedded published data give
// (validation/parameter_fit.hpp): the fit re-run here must reproduce the compiled table, so that the table cannot
// drift from the data or be edited by hand. Also the fit's own properties: the data tables parse, every model has fit
// groups and check groups are kept out of the fit, and the fit responds to its data ([fit]).
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <sstream>
#include <string>

#include "planning/fitted_parameters.hpp"
#include "planning/outcome_models.hpp"
#include "validation/parameter_fit.hpp"

namespace val = lithosim::validation;
using lithosim::planning::FittedParameters;

namespace {

void check_close(double fitted, double compiled, const std::string& what) {
    INFO(what << ": refit " << fitted << ", compiled " << compiled);
    CHECK(fitted == Approx(compiled).epsilon(1e-6).margin(1e-12));
}

}  // namespace

TEST_CASE("fit: the compiled table is what the embedded data give", "[fit]") {
    const FittedParameters refit = val::fit_all(nullptr);
    const FittedParameters& table = lithosim::planning::fitted_parameters();
    CHECK(table.data_hash == val::data_hash());   // the table was fitted to these very tables
    CHECK(table.command.find("lithosim_fit_parameters") != std::string::npos);
    check_close(refit.fragmentation.threshold_ratio, table.fragmentation.threshold_ratio, "theta");
    check_close(refit.fragmentation.pulse_length_ratio, table.fragmentation.pulse_length_ratio, "lambda");
    check_close(refit.fragmentation.dynamic_strength_ratio, table.fragmentation.dynamic_strength_ratio, "D");
    check_close(refit.fragmentation.erosion_depth_m, table.fragmentation.erosion_depth_m, "erosion depth");
    REQUIRE(refit.strengths.size() == table.strengths.size());
    for (std::size_t i = 0; i < refit.strengths.size(); ++i) {
        CHECK(refit.strengths[i].material == table.strengths[i].material);
        check_close(refit.strengths[i].tensile_strength_Pa, table.strengths[i].tensile_strength_Pa,
                    refit.strengths[i].material + " strength");
        check_close(refit.strengths[i].log_sd, table.strengths[i].log_sd, refit.strengths[i].material + " log SD");
    }
    REQUIRE(refit.outcomes.size() == table.outcomes.size());
    for (std::size_t m = 0; m < refit.outcomes.size(); ++m) {
        const auto &a = refit.outcomes[m], &b = table.outcomes[m];
        CHECK(a.name == b.name);
        REQUIRE(a.mean.size() == b.mean.size());
        for (std::size_t i = 0; i < a.mean.size(); ++i) check_close(a.mean[i], b.mean[i], a.name + " " + a.coefficient_names[i]);
        for (std::size_t i = 0; i < a.covariance.size(); ++i) check_close(a.covariance[i], b.covariance[i], a.name + " cov");
        check_close(a.tau, b.tau, a.name + " tau");
    }
}

TEST_CASE("fit: the data tables parse; each model has fitting groups; checking groups stay out of the fit", "[fit]") {
    const auto outcome_rows = val::parse_groups(val::outcome_groups_csv(), "outcome_groups.csv");
    const auto frag_rows = val::parse_groups(val::fragmentation_groups_csv(), "fragmentation_groups.csv");
    std::set<std::string> with_fit, with_check;
    for (const auto& r : outcome_rows) {
        CHECK_FALSE(r.source.empty());
        (r.role == "check" ? with_check : with_fit).insert(r.model);
    }
    for (const auto& eq : lithosim::planning::outcome_equations()) {
        INFO(eq.name);
        CHECK(with_fit.count(eq.name) == 1);
        CHECK(lithosim::planning::fitted_outcome(eq.name).groups >= 2);
    }
    CHECK(with_check.size() >= 4);   // tendon resorption and clinical, gallbladder, bile duct, vascular fracture
    // Removing every checking row changes nothing in the fit (they are only compared with it).
    std::string without_checks;
    {
        std::istringstream in(val::outcome_groups_csv());
        std::string line;
        while (std::getline(in, line))
            if (line.find(",check,") == std::string::npos) without_checks += line + "\n";
    }
    const auto rows = val::parse_groups(without_checks, "no checks");
    const val::FragmentationFit frag{lithosim::planning::fitted_parameters().fragmentation,
                                     lithosim::planning::fitted_parameters().strengths};
    const auto& eq = lithosim::planning::outcome_equation("gallbladder_clearance");
    const auto refit = val::fit_outcome(eq, rows, {}, frag, nullptr);
    const auto& table = lithosim::planning::fitted_outcome("gallbladder_clearance");
    for (std::size_t i = 0; i < refit.mean.size(); ++i) CHECK(refit.mean[i] == Approx(table.mean[i]).epsilon(1e-6));
    // ... whereas changing a fitting group's events moves the fit (it does read the data).
    std::string moved = without_checks;
    const std::string from = "satisfactory fragmentation 12 mo,65,58,", to = "satisfactory fragmentation 12 mo,65,30,";
    REQUIRE(moved.find(from) != std::string::npos);
    moved.replace(moved.find(from), from.size(), to);
    const auto shifted = val::fit_outcome(eq, val::parse_groups(moved, "moved"), {}, frag, nullptr);
    CHECK(shifted.mean[0] < refit.mean[0] - 0.2);   // a_fragmented falls with fewer stone-free
    CHECK(frag_rows.size() >= 10);
}

TEST_CASE("fit: a binomial interval and a model prediction", "[fit]") {
    const auto [lo, hi] = val::wilson_interval(37, 46);
    CHECK(lo == Approx(0.664).margin(0.01));
    CHECK(hi == Approx(0.893).margin(0.01));
    lithosim::planning::OutcomeCovariates x;
    x.value = {{"fragmented", 0.9}};
    const auto p = val::predict_row(lithosim::planning::fitted_outcome("bile_duct_clearance"), x, 500);
    CHECK(p.low < p.mean);
    CHECK(p.mean < p.high);
}
