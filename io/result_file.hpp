// The HDF5 result file of one simulation run: writer, and a reader for tests and tools.
//
// Layout (file_format_version "1"; names from io/h5_names.hpp; shapes in HDF5/C order, last index fastest):
//
// | name                 | shape            | type          | unit   | when present                         |
// |----------------------|------------------|---------------|--------|--------------------------------------|
// | /maps/p_max          | [nz][ny][nx]     | float32       | Pa     | result has a peak positive map       |
// | /maps/p_min          | [nz][ny][nx]     | float32       | Pa     | result has a peak negative map       |
// | /maps/efd            | [nz][ny][nx]     | float32       | J/m^2  | result has an energy flux density map|
// | /sensors/t           | [nt]             | float64       | s      | at least one sensor point            |
// | /sensors/p           | [npoints][nt]    | float32       | Pa     | at least one sensor point            |
// | /sensors/position_m  | [npoints][3]     | float64       | m      | at least one sensor point (x, y, z)  |
// | /medium/c            | [nz][ny][nx]     | float32       | m/s    | heterogeneous medium                 |
// | /medium/rho          | [nz][ny][nx]     | float32       | kg/m^3 | heterogeneous medium                 |
//
// Every dataset carries a string attribute `units` (the unit column). Maps and medium datasets also carry
// `origin_m` and `spacing_m`: 3 float64 each, in (x, y, z) order, so sample [iz][iy][ix] sits at
// origin_m + (ix*dx, iy*dy, iz*dz). Maps cover the physical region only (no PML). Map datasets are chunked and
// deflate-compressed where the HDF5 library offers deflate; readers see this transparently.
//
// Root attributes (all strings except `threads`):
//
// | name                 | type    | content                                                          |
// |----------------------|---------|------------------------------------------------------------------|
// | file_type            | string  | "lithosim-result"                                                |
// | file_format_version  | string  | "1"                                                              |
// | version              | string  | lithosim version that wrote the file                             |
// | git_commit           | string  | git commit of that build                                         |
// | case                 | string  | the whole resolved case text (every option, after defaults)      |
// | created              | string  | UTC time of writing, ISO 8601 ("2025-01-31T12:00:00Z")           |
// | threads              | int32   | OpenMP threads the run used                                      |
//
// Strings are variable-length UTF-8. The file appears under its final name only when complete: it is written as
// "<name>.partial" in the same directory and renamed at the end.
//
// The HDF5 library Debian ships is not thread-safe: do not call these functions concurrently.
#pragma once
#include <filesystem>
#include <string>

#include "solver/result.hpp"

namespace lithosim::io {

/// Provenance stored as root attributes of the result file.
struct ResultMetadata {
    std::string version;      ///< lithosim version
    std::string git_commit;   ///< commit of the build
    std::string case_text;    ///< whole resolved case text
    std::string created_utc;  ///< ISO 8601 UTC; when empty, the writer stores the time of writing
    int threads = 1;          ///< OpenMP threads of the run
};

/// Current UTC time as ISO 8601 with seconds, e.g. "2025-01-31T12:00:00Z".
std::string utc_now_iso8601();

/// Writes `result` to `path` in the layout above (only the maps and sensor data that are present).
/// Throws std::runtime_error naming the file and the dataset or attribute being written when anything fails
/// (including inconsistent input, e.g. a map whose values do not match its shape); no file is left behind then.
void write_result_h5(const std::filesystem::path& path, const SimulationResult& result, const ResultMetadata& meta);

/// Reads a result file written by write_result_h5. Checks file_type and file_format_version on open, and each
/// dataset's shape and units; throws std::runtime_error naming the file (and dataset) otherwise.
/// The run figures are not stored in the file except `threads`, which lands in stats.threads.
SimulationResult read_result_h5(const std::filesystem::path& path);

/// One root attribute of a result file as text (the int `threads` attribute is converted to decimal text).
/// Checks file_type and file_format_version like read_result_h5; throws std::runtime_error if the attribute
/// is missing.
std::string read_root_attribute(const std::filesystem::path& path, const std::string& name);

}  // namespace lithosim::io
