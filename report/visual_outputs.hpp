// What people look at, written after a command's data files (issue 6): DIR/paraview/ (report/run_outputs), the PNG
// figures in DIR/figures/ (report/run_figures) and DIR/report.html (report/run_outputs).
//
// These are pictures of results already on disk: a failure here never undoes or fails the run. Each part that
// cannot be written is named in one line ("figures skipped: no display ...", "report not written: ...") and the
// others go on; every file is written atomically, so a part that failed leaves no file that looks complete.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dosimetry/dosimetry.hpp"
#include "io/model_file.hpp"
#include "io/plan_file.hpp"
#include "solver/result.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// What was written, and one line per part that was not.
struct VisualOutputs {
    std::vector<std::filesystem::path> files;   ///< paraview files, figures, report
    std::vector<std::string> problems;          ///< "figures skipped: ...", "report not written: ..."
    double seconds = 0;
};

/// Provenance shown in a report.
struct RunProvenance {
    std::string case_name;                       ///< case file, phantom or CT
    std::string resolved_case;                   ///< resolved case text (simulate), empty for plan
    std::string command_line;                    ///< "lithosim plan --indication ..."
    std::vector<std::filesystem::path> inputs;   ///< input files, hashed in the report
};

/// simulate and dosimetry: paraview/ (maps, medium, revolved maps, snapshots), the field figures and the report
/// built from `summary` (the summary.json document written).
VisualOutputs write_simulate_visuals(const std::filesystem::path& dir, const SimulationResult& result,
                                     const SimulationSpec& spec, const Dosimetry& dosimetry,
                                     const nlohmann::json& summary, const RunProvenance& provenance);

/// model: paraview/ (the model and its axisymmetric form) and the CT figures, in `dir` (the folder of model.h5).
VisualOutputs write_model_visuals(const std::filesystem::path& dir, const io::ModelFile& model);

/// plan: paraview/ (dose on the model, the model), the plan figures and the report built from plan.json.
/// `dose_to_model_z_m`: the model frame's z of the dose grid's z = 0.
VisualOutputs write_plan_visuals(const std::filesystem::path& dir, const io::PlanFile& plan,
                                 const nlohmann::json& plan_json, const io::ModelFile& model,
                                 std::optional<double> dose_to_model_z_m, const RunProvenance& provenance);

/// Removes the pictures an earlier run left in `dir`: report.html, figures/*.png, paraview/*.vti, *.pvd, README.txt
/// and paraview/snapshots/*.vti (the folders figures/ and paraview/ belong to lithosim; other files in them are
/// kept, and a folder is removed only when it is left empty).
void remove_earlier_pictures(const std::filesystem::path& dir);

/// "lithosim <command> <args...>", each argument quoted when it holds a space or a quote.
std::string command_line_of(const std::string& command, const std::vector<std::string>& args);

}  // namespace lithosim
