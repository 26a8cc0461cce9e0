// The summary of a run: summary.json (contract keys) and the short text printed at the end of a run.
//
// summary.json holds the dosimetry keys of dosimetry/dosimetry.hpp (p_plus_MPa ... focal_plane_z_mm, each null where not
// available) and the run figures (units in the names):
//
// | key                     | type            | meaning                                                        |
// |-------------------------|-----------------|----------------------------------------------------------------|
// | steps                   | integer         | time steps                                          (contract)  |
// | cells                   | integer         | grid points updated per step, PML included          (contract)  |
// | dt_ns                   | number          | time step                                           (contract)  |
// | runtime_s               | number          | wall time of the time loop                          (contract)  |
// | cell_updates_per_s      | number          | cells x steps / runtime_s                           (contract)  |
// | peak_memory_MB          | number          | resident-set high-water mark of the process         (contract)  |
// | version                 | string          | lithosim version                                    (contract)  |
// | git_commit              | string          | commit of the build                                             |
// | threads                 | integer         | OpenMP threads of the run                                       |
// | points_per_wavelength   | number          | c_min / (f0 dx) at the source frequency                         |
// | phase_seconds           | {name: number}  | time of each phase of the step (velocity, pressure, pml, ...)   |
// | warnings                | [string]        | warnings of the plan and of the summary                         |
//
// The dosimetry is read off the maps (see [sensor] maps): everything needs the p_max map, p_minus needs p_min and
// the energies need the efd map.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case.hpp"
#include "dosimetry/dosimetry.hpp"
#include "solver/result.hpp"
#include "solver/simulation.hpp"

namespace lithosim {

/// The beam-axis history served the dosimetry (the focal waveform is kept in Dosimetry::focal_series); it stays in the
/// result only when the case asks for it with [sensor] lines = axis.
void drop_unrequested_axis(const Case& c, SimulationResult& result);

/// summary.json content.
nlohmann::json summary_json(const SimulationResult& result, const RunPlan& plan, const Dosimetry& dosimetry,
                            const std::vector<std::string>& warnings);

/// The dosimetry summary and the run time, printed at the end of a run (several lines).
std::string summary_text(const SimulationResult& result, const Dosimetry& dosimetry);

}  // namespace lithosim
