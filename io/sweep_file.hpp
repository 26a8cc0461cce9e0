// The table of a parameter sweep (`lithosim sweep`, sweeps/SWEEP.md): one row per case, written as DIR/sweep.csv and
// DIR/sweep.h5. The table is plain data; sweeps/sweep.cpp fills it from the cases' records.
//
// Column order (both files): case, the swept keys in the order of the sweep file, the metrics (sorted by name,
// digit runs by value), status, error, run_time_s. Units are in the column names (p_plus_MPa, source.p0_MPa);
// run_time_s is wall-clock seconds.
//
// sweep.h5 layout (names in io/h5_names.hpp, block "Sweep files"):
//
// | name                     | shape | type            | unit          | when present                           |
// |--------------------------|-------|-----------------|---------------|----------------------------------------|
// | /sweep/case              | [n]   | string          | -             | always (case ids, "0000", "0001", ...) |
// | /sweep/parameters/<key>  | [n]   | float64|string  | in the key    | one per swept key; string if any value |
// |                          |       |                 |               | of the key is not a number             |
// | /sweep/metrics/<key>     | [n]   | float64         | in the key    | one per metric; NaN where a case has   |
// |                          |       |                 |               | no value (failed, or null)             |
// | /sweep/status            | [n]   | string          | -             | always: ok or failed                   |
// | /sweep/error             | [n]   | string          | -             | always ("" for ok)                     |
// | /sweep/run_time_s        | [n]   | float64         | s             | always                                 |
// Attributes: root provenance (file_type "lithosim-sweep", file_format_version, version, git_commit, created);
// /sweep "columns" (string: the CSV header, the column order) and "sweep_identity" (string: the sweep's hash).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace lithosim::io {

/// One column of the table: numbers (NaN = no value) or texts.
struct SweepColumn {
    std::string name;
    bool numeric = true;
    std::vector<double> numbers;       ///< numeric columns
    std::vector<std::string> texts;    ///< text columns
};

struct SweepTable {
    std::vector<std::string> case_ids;
    std::vector<SweepColumn> parameters;  ///< the swept keys, in the sweep file's order
    std::vector<SweepColumn> metrics;     ///< numeric metrics, sorted by name
    std::vector<std::string> status;      ///< "ok" | "failed"
    std::vector<std::string> error;       ///< the case's error line ("" when ok)
    std::vector<double> run_time_s;       ///< wall-clock seconds of the case
    std::string identity;                 ///< the sweep's identity hash

    std::size_t rows() const { return case_ids.size(); }
};

/// Writes the table as CSV (RFC 4180 quoting; numbers with 12 significant digits, empty where NaN) to `path`,
/// atomically (a ".partial" file renamed when complete). Throws std::runtime_error naming the file.
void write_sweep_csv(const std::filesystem::path& path, const SweepTable& table);

/// Writes the table as HDF5 (layout above), atomically. Throws std::runtime_error naming the file and the stage.
void write_sweep_h5(const std::filesystem::path& path, const SweepTable& table);

/// Reads a table written by write_sweep_h5 (checks the file type; numeric or text columns as stored). Throws
/// std::runtime_error naming the file and the cause.
SweepTable read_sweep_h5(const std::filesystem::path& path);

/// The CSV header line (without line end): the column order of both files.
std::string sweep_csv_header(const SweepTable& table);

}  // namespace lithosim::io
