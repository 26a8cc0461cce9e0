// The PNG figure set of each command, written into DIR/figures/ (viz/figures renders them).
//
// Each write_*_figures() returns what it wrote as (file, caption) pairs. When no display can be had
// (viz/headless.hpp), it writes nothing and returns the one-line reason in `skipped`: the caller prints
// "figures skipped: <reason>" and goes on (its data files are written anyway). Bad data for one figure (e.g. no
// focal series) leaves that figure out with a note, never the whole set.
//
//   simulate / dosimetry: p+, p- and EFD maps in the focal plane (z = focus) and the axial plane (y = 0;
//     axisymmetric runs: the (r, z) plane mirrored about r = 0), with the -6 dB and 5 MPa contours of p_max and the
//     source outline (from the SimulationSpec when given: bowl arc, piston line, cylinder rectangle, point; drawn
//     in the axial plane only); the focal waveform with p+, p-, rise time and pulse duration marked; the axial and
//     lateral p+ profiles through the focus.
//   model: the CT (HU, grey) with tissue labels through the target, across the beam (z = target) and along it
//     (y = target), with the beam path from the source point to the target.
//   plan: one-shock EFD on the model through the target (target and organs at risk outlined), the fragmentation
//     curve with session boundaries, the fragment-size distribution after each session, the session timeline.
//   sweep: each metric of interest against each swept parameter (write_sweep_metric_figures).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dosimetry/dosimetry.hpp"
#include "io/model_file.hpp"
#include "io/plan_file.hpp"
#include "io/sweep_file.hpp"
#include "solver/result.hpp"
#include "solver/spec.hpp"

namespace lithosim {

struct FigureSet {
    std::vector<std::pair<std::filesystem::path, std::string>> written;  ///< (file, caption)
    std::optional<std::string> skipped;   ///< why no figure was rendered (no display)
    std::vector<std::string> notes;       ///< figures left out and why
    double seconds = 0;                   ///< wall time of the set
};

/// simulate and dosimetry. `spec` (when at hand) gives the source outline; without it none is drawn.
FigureSet write_field_figures(const std::filesystem::path& dir, const SimulationResult& result,
                              const Dosimetry& dosimetry, const SimulationSpec* spec = nullptr);

/// model: from the model file `lithosim model` writes (beam frame).
FigureSet write_model_figures(const std::filesystem::path& dir, const io::ModelFile& model);

/// plan: from plan.h5's contents and plan.json; `model` (when at hand) gives the CT under the dose.
FigureSet write_plan_figures(const std::filesystem::path& dir, const io::PlanFile& plan, const nlohmann::json& plan_json,
                             const io::ModelFile* model = nullptr);

/// sweep: one plot per (metric, parameter) for the metrics of interest present in the table (p_plus_MPa,
/// p_minus_MPa, efd_focus_mJ_per_mm2, focus_mm.2, focal_zone_6dB_mm.z, E12mm_mJ, rise_time_ns,
/// predicted_success_probability; up to 8), ok rows only, against each numeric swept parameter. With more than one
/// parameter, the points are the cases (no lines). lithosim sweep calls this after the table is written.
FigureSet write_sweep_metric_figures(const std::filesystem::path& dir, const io::SweepTable& table);

/// The source outline(s) of a spec in the x-z plane, mm (bowl arc, piston segment, cylinder rectangle).
std::vector<std::vector<std::array<double, 2>>> source_outline_xz_mm(const SimulationSpec& spec);

}  // namespace lithosim
