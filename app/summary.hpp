// The dosimetry summary of a run: summary.json (contract keys) and the short text printed at the end of a run.
//
// summary.json keys (units in the names; null where a quantity is not available):
//
// | key                     | type            | meaning                                                        |
// |-------------------------|-----------------|----------------------------------------------------------------|
// | p_plus_MPa              | number | null   | largest p_max (peak positive pressure)              (contract)  |
// | p_minus_MPa             | number | null   | most negative p_min over the -6 dB focal zone       (contract)  |
// | focus_mm                | [x,y,z] | null  | position of the largest p_max                       (contract)  |
// | efd_focus_mJ_per_mm2    | number | null   | energy flux density at the focus                    (contract)  |
// | focal_zone_6dB_mm       | {x,y,z} | null  | full -6 dB widths of p_max through the focus        (contract)  |
// | rise_time_ns            | number | null   | 10 % -> 90 % rise of the leading compression at the focus;      |
// |                         |                 | null when no time series lies at the focus          (contract)  |
// | steps                   | integer         | time steps                                          (contract)  |
// | cells                   | integer         | grid points updated per step, PML included          (contract)  |
// | dt_ns                   | number          | time step                                           (contract)  |
// | runtime_s               | number          | wall time of the time loop                          (contract)  |
// | cell_updates_per_s      | number          | cells x steps / runtime_s                           (contract)  |
// | peak_memory_MB          | number          | resident-set high-water mark of the process         (contract)  |
// | version                 | string          | lithosim version                                    (contract)  |
// | git_commit              | string          | commit of the build                                             |
// | threads                 | integer         | OpenMP threads of the run                                       |
// | pulse_duration_ns       | number | null   | positive-phase duration at the focus                            |
// | points_per_wavelength   | number          | c_min / (f0 dx) at the source frequency                         |
// | phase_seconds           | {name: number}  | time of each phase of the step (velocity, pressure, pml, ...)   |
// | warnings                | [string]        | warnings of the plan and of the summary                         |
//
// The dosimetry (p_plus ... pulse_duration) is read off the maps by planning::summarise_field; it needs the p_max
// map, p_minus needs p_min and the EFD needs the efd map (see [sensor] maps).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "planning/field_metrics.hpp"
#include "solver/result.hpp"
#include "solver/simulation.hpp"

namespace lithosim::app {

/// Dosimetry of a run, with what it could not compute.
struct Dosimetry {
    std::optional<planning::FieldSummary> field;  ///< empty without a p_max map
    bool has_p_minus = false;                     ///< p_min map present
    bool has_efd = false;                         ///< efd map present
};

/// Summarise the maps (and the time series at the focus: the user's points and the beam-axis series).
/// Appends a warning for every quantity that cannot be computed.
Dosimetry compute_dosimetry(const SimulationResult& result, std::vector<std::string>& warnings);

/// summary.json content.
nlohmann::json summary_json(const SimulationResult& result, const RunPlan& plan, const Dosimetry& dosimetry,
                            const std::vector<std::string>& warnings);

/// The short dosimetry summary printed at the end of a run (several lines).
std::string summary_text(const SimulationResult& result, const Dosimetry& dosimetry);

}  // namespace lithosim::app
