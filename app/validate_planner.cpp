// planner_phantoms: the whole planner (app/plan.hpp) on the indications' phantoms, the standard protocol, fast
// fidelity: the predicted success against the reference rate (85 % tendon, 70 % gallbladder and bile duct, 60 %
// vascular) within 3 points. This checks the calibration table of app/plan.cpp (kPhantomCalibration) against the
// simulated dose of this build: a change of the solver, a device, the phantoms or the fragmentation model that moves
// the dose or the fragmentation shows here. Fast variant: tendon on the shoulder phantom; full: all four.
#include <filesystem>
#include <unistd.h>

#include "app/plan.hpp"
#include "solver/errors.hpp"
#include "validation/cases.hpp"

namespace lithosim::app {

namespace {

std::vector<validation::Row> run_planner_phantoms(bool full, const RunHooks& hooks) {
    const std::pair<const char*, const char*> cases[] = {
        {"tendon", "shoulder"}, {"gallbladder", "gallbladder"}, {"bile_duct", "bile_duct"}, {"vascular", "femoral"}};
    std::vector<validation::Row> rows;
    for (const auto& [indication, phantom] : cases) {
        if (!full && std::string(indication) != "tendon") continue;
        const auto dir = std::filesystem::temp_directory_path() /
                         ("lithosim_planner_phantoms_" + std::to_string(::getpid()) + "_" + indication);
        PlanRequest r;
        r.indication = indication;
        r.phantom = phantom;
        r.out_dir = dir.string();
        const PlanResult p = run_plan(r, nullptr);
        std::filesystem::remove_all(dir);
        validation::Row row;
        row.case_name = "planner_phantoms";
        row.quantity = fmt(indication, " on the ", phantom, " phantom, standard protocol: ",
                           p.plan["endpoint"].get<std::string>(), " [%]");
        row.unit = "%";
        row.simulated = 100 * p.plan["predicted_success_probability"].get<double>();
        row.reference = 100 * p.plan["success"]["reference_rate"].get<double>();
        row.error = std::abs(row.simulated - row.reference);
        row.tolerance = 3.0;
        row.pass = row.error <= row.tolerance;
        rows.push_back(row);
        if (hooks.log)
            hooks.log(fmt("planner_phantoms: ", indication, " predicted ", row.simulated, " %, interval ",
                          100 * p.plan["success_ci95"][0].get<double>(), "-",
                          100 * p.plan["success_ci95"][1].get<double>(), " %, intercept reproducing the reference ",
                          p.plan["success"]["intercept_reproducing_reference"].get<double>(), ", E_std ",
                          p.plan["success"]["efd_reproducing_reference_J_per_m2"].get<double>(), " J/m^2"));
    }
    return rows;
}

}  // namespace

void register_planner_validation() {
    validation::register_case(
        {"planner_phantoms",
         "the planner on the phantoms (fast fidelity, standard protocol): predicted success within 3 points of the "
         "reference rate (fast: tendon/shoulder; full: all four indications)"},
        run_planner_phantoms);
}

}  // namespace lithosim::app
