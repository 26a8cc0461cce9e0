// The plan file `lithosim plan --out DIR` writes as DIR/plan.h5: the dose maps of one shock at the treatment
// setting and the fragment-size distribution before and after every session. Names from io/h5_names.hpp.
//
// Layout (file_format_version "1"):
// | name                                   | shape            | type    | unit  | contents                          |
// |----------------------------------------|------------------|---------|-------|-----------------------------------|
// | /dose/p_max, /dose/p_min               | [nz][ny][nx] or  | float32 | Pa    | one shock at the setting of the   |
// |                                        | [nz][nr]         |         |       | last session's plateau            |
// | /dose/efd                              | as p_max         | float32 | J/m^2 |                                   |
// | /dose/labels, /dose/target_mask        | as p_max         | uint8   | 1     | the model at each map node        |
// |                                        |                  |         |       | (the maps are absent from an      |
// |                                        |                  |         |       | intravascular plan: no field)     |
// | /sessions/initial/fragment_diameter_m  | [nclasses]       | float64 | m     | size classes, decreasing          |
// | /sessions/initial/fragment_count       | [nclasses]       | float64 | 1     | expected fragments per class      |
// | /sessions/session_<k>/... (k = 1, 2..) | as initial       |         |       | after session k (before the       |
// |                                        |                  |         |       | clearance until the next one)     |
// Maps carry `units`, `origin_m`, `spacing_m` (as result files: axisymmetric (r, z) pairs) and /dose the float64
// attribute `setting`; session groups carry `day`, `shocks` (int) and `fraction_cleared` (float64). Root attributes:
// file_type "lithosim-plan", file_format_version, version, git_commit, created, geometry (cartesian |
// axisymmetric), plan (the plan.json text).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::io {

struct PlanFragments {
    int day = 0, shocks = 0;
    double fraction_cleared = 0;
    std::vector<double> diameter_m, count;
};

struct PlanFile {
    bool axisymmetric = true;
    double setting = 0;
    Map3 p_max, p_min, efd;                  ///< axisymmetric: r in the x slot, ny = 1
    std::vector<std::uint8_t> labels, target;
    PlanFragments initial;
    std::vector<PlanFragments> sessions;
    std::string plan_json;
};

/// Writes under `path.partial` and renames when complete. Throws std::runtime_error naming the file and the stage.
void write_plan_h5(const std::filesystem::path& path, const PlanFile& plan);

/// Reads a plan file back (tests and tools). Throws std::runtime_error naming the file and the problem.
PlanFile read_plan_h5(const std::filesystem::path& path);

}  // namespace lithosim::io
