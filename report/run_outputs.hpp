// What each command leaves for people to look at, beside its data files (issue 6 §1 and §3):
//  * DIR/paraview/: every 3D or axisymmetric map of the run as .vti (mm, named arrays with units; axisymmetric maps
//    also revolved into 3D), snapshot series as .pvd, and README.txt listing each file and array (viz/paraview.hpp);
//  * DIR/report.html: one self-contained page for a clinician or physicist (viz/report.hpp), built from the JSON
//    document the command wrote (summary.json, plan.json), so every number in it is the JSON's number: each key is
//    shown by its label with its unit and, for positions, its frame (viz/report_labels.hpp), never as the JSON key;
//    numbers to about 3 significant figures (integers whole) with the JSON text as the tooltip (title attribute)
//    when it differs; tables over viz::kFoldRows rows shown short with the whole table folded (<details>).
// Post-processing only: nothing here changes a result.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/model_file.hpp"
#include "io/plan_file.hpp"
#include "solver/result.hpp"

namespace lithosim {

/// Sub-folder of DIR that holds the ParaView files.
inline constexpr const char* kParaviewFolder = "paraview";
/// The report's file name in DIR.
inline constexpr const char* kReportFile = "report.html";

/// DIR/paraview/ of `lithosim simulate`: maps.vti (p_max, p_min, EFD; rho and c when the medium is heterogeneous),
/// for axisymmetric runs also maps_revolved.vti (coarsened like simulate's maps_revolved.vti, report/revolve.hpp), and,
/// when the run recorded snapshots, snapshots.pvd over snapshots/snapshots_<k>.vti (p in MPa, times in us), each
/// axisymmetric snapshot as its (r, z) map. Returns the files written (README.txt last).
std::vector<std::filesystem::path> write_simulate_paraview(const std::filesystem::path& dir,
                                                           const SimulationResult& result, bool axisymmetric);

/// DIR/paraview/ of `lithosim model`: model.vti (HU, labels, target mask, rho, c, alpha0, y, B/A, and one mask per
/// organ at risk present: bone, lung, gas) on the beam-frame grid, and model_axisymmetric.vti (the (r, z) form).
/// model.vti carries the beam frame's place in the patient as its Origin and Direction (it opens in patient LPS mm);
/// the (r, z) file stays in the frame and says so (field data "coordinates"); the README gives the placement too.
std::vector<std::filesystem::path> write_model_paraview(const std::filesystem::path& dir, const io::ModelFile& model);

/// DIR/paraview/ of `lithosim plan`: dose.vti (one shock at the plan's plateau setting: p_max, p_min, EFD per shock,
/// with the model's labels, target mask and organ-at-risk masks at each node), dose_revolved.vti for the (fast)
/// axisymmetric dose, and, with `model`, the model files of write_model_paraview. plan.h5 holds one shock's maps
/// only, so no cumulative dose map is written. `dose_to_model_z_m`: the model frame's z of the dose grid's z = 0
/// (the planner places the model's target at the device's focus); when given, the dose files are shifted into the
/// model frame so they overlay model.vti, and with `model` the 3D ones (dose_revolved.vti, a full plan's dose.vti)
/// carry the patient placement like model.vti; else they stay in the simulation frame (the README says which).
std::vector<std::filesystem::path> write_plan_paraview(const std::filesystem::path& dir, const io::PlanFile& plan,
                                                       const io::ModelFile* model = nullptr,
                                                       std::optional<double> dose_to_model_z_m = std::nullopt);

/// A PNG figure for the report and its caption (report/run_figures.hpp gives these).
struct ReportFigure {
    std::filesystem::path png;
    std::string caption;
};

/// What the report shows beside the JSON document.
struct ReportContext {
    std::vector<ReportFigure> figures;
    std::string case_name;                        ///< case file or "embedded default case"; phantom or CT name
    std::string resolved_case;                    ///< the resolved case text (case.ini), shown whole
    std::string command_line;                     ///< how the run was started
    std::vector<std::filesystem::path> inputs;    ///< input files: each listed with its SHA-1
};

/// DIR/report.html of `lithosim simulate` (and `dosimetry`), from the summary.json document. Written atomically.
/// Returns the path. Throws std::runtime_error naming the file (a figure that cannot be read included).
std::filesystem::path write_simulate_report(const std::filesystem::path& dir, const nlohmann::json& summary,
                                            const ReportContext& context);

/// DIR/report.html of `lithosim plan`, from the plan.json document. Written atomically; returns the path.
std::filesystem::path write_plan_report(const std::filesystem::path& dir, const nlohmann::json& plan,
                                        const ReportContext& context);

/// SHA-1 of a file's bytes as 40 lower-case hex digits (GDCM's implementation). Throws std::runtime_error naming
/// the file.
std::string sha1_file(const std::filesystem::path& file);

/// How the report prints a JSON value: integers as their JSON text, other numbers to about 3 significant figures
/// (viz::format_number; `exact` then holds the JSON text when it differs), null as "n/a", booleans as yes/no,
/// arrays as "a, b, c", objects {x, y, z} as "x × y × z", strings as they are.
struct ReportValue {
    std::string text, exact;
};
ReportValue report_value(const nlohmann::json& v);

/// The keys of `doc` (plan.json, summary.json; recursively, as "parent.key" paths with "[]" for array elements)
/// that have no row in the reports' label table (viz/report_labels.hpp): the report would print each as
/// "<key> (no label)". Empty for a document the reports can label completely.
std::vector<std::string> unlabelled_report_keys(const nlohmann::json& doc);

}  // namespace lithosim
