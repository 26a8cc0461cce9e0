// Dose at depth (issue 3 §4): a device aimed at a target below the skin through a layered tissue path, the forward
// report of what one energy setting delivers there, and the inverse search for the setting that delivers a
// prescribed energy flux density (EFD). `lithosim dosimetry --device NAME ...` (app/cmd_dosimetry.cpp) parses the
// options; everything here takes plain values. The set-up (placement, grid, time, medium) is described at the top of
// dosimetry/dose_at_depth.cpp.
#pragma once
#include <array>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case_spec.hpp"
#include "dosimetry/dosimetry.hpp"
#include "models/devices.hpp"
#include "solver/result.hpp"

namespace lithosim {

namespace io {
struct ModelFile;
}
class CommandProgress;

/// Accepted --target-efd range, mJ/mm^2 (clinical ESWL/ESWT doses lie well inside it).
inline constexpr double kTargetEfdMin_mJ_per_mm2 = 0.01, kTargetEfdMax_mJ_per_mm2 = 0.6;
/// Accepted target depth below the skin: (0, 300] mm.
inline constexpr double kTargetDepthMax_mm = 300.0;
/// Accepted --dx-mm: (0.01, 2] mm.
inline constexpr double kDxMin_mm = 0.01, kDxMax_mm = 2.0;

/// The value of a map at the node nearest `x_m` (maps laid out as a result's; axisymmetric: r in the x slot).
float map_value_at(const Map3& m, const std::array<double, 3>& x_m);

/// The default cell size of the dose-at-depth runs of a device (m): its calibration grid (see find_setting.cpp).
/// Throws InputError for an unknown name.
double reference_dx_m(const std::string& device);

/// Called at every time step of every run a request makes (step, total of that run): a front end reports progress
/// and stops the run by throwing (the Python module's Ctrl-C). Empty: nothing.
using StepHook = std::function<void(long long step, long long total)>;

/// What the user asked for, checked by prepare_dose_at_depth.
struct DoseAtDepthRequest {
    std::string device;
    double target_depth_mm = 0;
    std::optional<std::string> layers;  ///< the --layers list from the skin inward; empty: the whole path is water
    std::optional<double> dx_mm;        ///< empty: reference_dx_m(device)
    /// Forward report: the setting (kV or level). Inverse search: empty, and target_efd_mJ_per_mm2 is set.
    std::optional<double> setting;
    std::optional<double> target_efd_mJ_per_mm2;
    /// The treatment planner: the medium is this patient model (in memory; [medium] model) with its target on the
    /// axis at the target depth (target_depth_mm = the model's skin-to-target depth), instead of water + layers.
    std::shared_ptr<const io::ModelFile> model;
    /// The name the model goes by in the runs' resolved cases (the file the planner writes it to).
    std::string model_name;
    /// With a model: run the 3D grid (X = Y = 2 R) instead of the axisymmetric one (--fidelity full).
    bool three_d = false;
    /// Device parameters other than the setting (e.g. the ESWT head's coupling_distance_mm for its other
    /// standoff), checked against the device's ranges and written into the generated case.
    std::map<std::string, double> overrides;
    /// The treatment planner's aim (planner/plan_dose.hpp): the geometric focus placed this far beyond the target along
    /// the beam (negative: short of it), i.e. target_depth_mm + focus_offset_mm below the skin, when the device
    /// reaches that deep; 0: the focus on the target. The focus must stay below the skin.
    double focus_offset_mm = 0;
    StepHook on_step;   ///< every run's steps (see StepHook)
};

/// Where everything lies on the axis of the (r, z) grid, m. z = 0 is the grid's first node, 2 mm behind the device.
struct DepthGeometry {
    double z_device_m = 0;       ///< the device frame's origin ([source] position_mm)
    double z_back_m = 0, z_front_m = 0;
    double z_focus_m = 0;        ///< the device's geometric focus
    double z_skin_m = 0, z_target_m = 0;
    /// true: the focus lies at the target (+ DoseAtDepthRequest::focus_offset_mm beyond it). false: the device
    /// cannot reach that deep: its front touches the skin and the target lies beyond the focus.
    bool focus_at_target = true;
    double size_r_m = 0, size_z_m = 0, t_end_s = 0, dx_m = 0;
    double c_min_m_per_s = 0;    ///< slowest sound speed on the path (water and every layer), for t_end
    double longest_path_m = 0;   ///< the longest source -> target acoustic path t_end covers
};

/// A checked request: the device, its geometry and the medium, ready to run. Built before any run, so every
/// bad input is found first (InputError naming the option, the value and what is accepted).
struct DoseAtDepth {
    DoseAtDepthRequest request;
    models::DevicePreset preset;
    double setting_min = 0, setting_max = 0;
    std::string setting_unit;    ///< "kV" or "level"
    DepthGeometry geometry;
    /// The runs' [medium] layers: water up to the skin, then the request's layers; empty for water alone.
    std::vector<CaseLayer> medium_layers;
    double memory_bytes = 0;     ///< one run's estimate
};

/// Check the request (device, setting, layers, grid memory) and place the device. Throws InputError.
DoseAtDepth prepare_dose_at_depth(const DoseAtDepthRequest& request);

/// The case of one run at `setting`, through the layers or the model or (`layered` false) in water: the device at
/// its place with the setting as its parameter, the grid and the end time of the geometry.
Case dose_at_depth_case(const DoseAtDepth& d, double setting, bool layered);

/// A case run in-process as `lithosim simulate` runs it (prepared once: checks, device, spec, plan; then
/// simulated), without files.
struct InProcessRun {
    PreparedCase prepared;
    SimulationResult result;
    double seconds = 0;
    std::vector<std::string> warnings;
    /// The resolved case as INI text (provenance: what a `lithosim simulate` of the same run reads).
    std::string resolved_ini() const;
};
/// With `progress`: the run's steps are reported to it as a unit of `work` (run_step, then run_done); `on_step` is
/// called at every step as well.
InProcessRun run_case(const Case& c, CommandProgress* progress = nullptr, double work = 0,
                      const StepHook& on_step = {});

/// The inverse search on any monotone setting -> EFD function (the solver in lithosim, a formula in the tests).
struct SearchRun {
    double setting = 0, efd = 0;
};
struct SettingSearch {
    bool reachable = false;
    bool converged = false;   ///< the EFD is within the tolerance (else the setting interval became small enough)
    double setting = 0, efd = 0;
    std::string reason;       ///< unreachable: the target is below / above what the setting range delivers
    std::vector<SearchRun> runs;  ///< in the order made; runs[0] is the lowest setting, runs[1] the highest
};
struct SearchLimits {
    double relative_efd_tolerance = 0.02;
    double setting_interval_fraction = 0.01;  ///< stop when the bracket is this fraction of the range
    int max_runs = 10;
    /// Settings are rounded to this: finer than any device's knob, so the reported setting is the one that ran.
    double setting_quantum = 1e-4;
};
/// Lowest and highest settings first; a target outside [efd(min), efd(max)] (beyond the tolerance) is unreachable
/// and gives the nearest end. Otherwise Illinois regula falsi on log(efd / target) vs the setting, until the EFD is
/// within the tolerance, the bracket is small enough, or the run budget is spent (then the run nearest the target).
SettingSearch search_setting(const std::function<double(double)>& efd_at, double setting_min, double setting_max,
                             double target_efd, const SearchLimits& limits = {});

/// One run of a dose-at-depth request and what it gives at the target (the grid node nearest it on the axis).
struct DepthRun {
    double setting = 0;
    bool layered = false;        ///< through the layers (or the model); false: in water
    double efd_mJ_per_mm2 = 0, p_plus_MPa = 0, p_minus_MPa = 0;
    double target_node_z_m = 0;
    double seconds = 0;
    std::optional<Dosimetry> dosimetry;   ///< the run's IEC 61846 field parameters (the forward report's runs)
    std::string case_ini;        ///< the run's resolved case (provenance: lithosim simulate runs it again)
};

/// The inverse search's result: the setting found and every run made.
struct FindSettingResult {
    double target_efd_mJ_per_mm2 = 0;
    SettingSearch search;
    std::vector<DepthRun> runs;   ///< in the order made: the lowest setting, the highest, then the search's
    /// A device with integer levels: the reachable setting rounded up to the machine's level (at most the highest).
    std::optional<double> setting_rounded;
    double runtime_s = 0;
    /// The run at a setting, or nullptr.
    const DepthRun* run_at(double setting) const;
    /// The run of the setting found.
    const DepthRun& reported() const;
};

/// The forward report's result: the run through the layers (or in water without layers) and the same in water.
struct DoseReportResult {
    double setting = 0;
    DepthRun main;
    std::optional<DepthRun> water;   ///< with layers
    double runtime_s = 0;
    /// 10 log10 of water over layered EFD and 20 log10 of the p+ ratio at the target; empty without layers or
    /// when a value is not positive.
    std::optional<double> loss_efd_dB() const;
    std::optional<double> loss_p_plus_dB() const;
};

/// Run the inverse search with the solver; one line per run goes to `log` as it ends (null: none). Solver and
/// dosimetry warnings are appended to `warnings` (each once).
FindSettingResult run_find_setting(const DoseAtDepth& d, std::ostream* log, std::vector<std::string>& warnings);

/// Run the forward report (the layered path and the same geometry in water).
DoseReportResult run_dose_report(const DoseAtDepth& d, std::ostream* log, std::vector<std::string>& warnings);

/// The --json file of each (contract keys device, setting, setting_unit, efd_mJ_per_mm2, reachable and the extras
/// listed at the top of dose_at_depth.cpp) and the text printed on stdout.
nlohmann::json find_setting_json(const DoseAtDepth& d, const FindSettingResult& r);
std::string find_setting_text(const DoseAtDepth& d, const FindSettingResult& r);
nlohmann::json dose_report_json(const DoseAtDepth& d, const DoseReportResult& r);
std::string dose_report_text(const DoseAtDepth& d, const DoseReportResult& r);

}  // namespace lithosim
