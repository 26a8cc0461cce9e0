// `lithosim sweep`: a base case (simulate or plan) run over a grid or a Latin hypercube of values of some of its
// keys. This header is the sweep file, its ranges and lists, the case design, the per-case records and the table;
// cmd_sweep.cpp runs the cases (serially or spread over MPI ranks). The format is documented in sweeps/SWEEP.md.
//
//     [sweep]
//     command = simulate            # or plan
//     base = case.ini               # simulate: a case file (relative to this file) or 'default'
//     mode = grid                   # grid (full factorial) or lhs (Latin hypercube: samples = N, seed = S)
//     source.p0_MPa = 5:40:8        # start:stop:count, both ends included, evenly spaced
//     medium.BonA = 3.5,5,7         # a list ('|' separates the items when they hold commas themselves)
//     [plan]                        # command = plan: the options of lithosim plan, without '--'
//     indication = tendon
//     phantom = shoulder            # swept as plan.efd-mJ-per-mm2 = 0.05:0.2:4
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case.hpp"
#include "planner/plan.hpp"
#include "io/sweep_file.hpp"

namespace lithosim {

namespace fs = std::filesystem;
using SweepTable = io::SweepTable;

enum class SweepMode { Grid, Lhs };
enum class SweepCommand { Simulate, Plan };

/// The values of one swept key as given: a range start:stop:count or a list of items.
struct SweepValues {
    bool is_range = false;
    double start = 0, stop = 0;     ///< range ends (both included)
    long long count = 0;            ///< range: number of values (>= 1; 1 gives start alone)
    std::vector<std::string> items; ///< list: the items as given (trimmed)

    /// The values as text: a range's `count` evenly spaced numbers (12 significant digits), a list's items.
    std::vector<std::string> levels() const;
};

/// Parse the value text of a swept key. A text with ':' is a range start:stop:count (count an integer >= 1, start
/// and stop finite numbers); otherwise a list separated by '|' if it holds one, else by ','. Throws InputError
/// naming `key`, the text and what is accepted for an empty or malformed range or list (an empty item).
SweepValues parse_sweep_values(const std::string& key, const std::string& text);

/// One swept key: "section.key" of a case (simulate) or "plan.<option>" (plan).
struct SweepKey {
    std::string name;
    std::string text;  ///< the value text as given
    SweepValues values;
};

struct SweepConfig {
    SweepCommand command = SweepCommand::Simulate;
    std::string base;                 ///< simulate: the base case as given ("default" or a path)
    fs::path base_path;               ///< simulate: the base case file (absolute), empty for "default"
    std::vector<std::pair<std::string, std::string>> plan_options;  ///< command = plan: [plan] option, value
    SweepMode mode = SweepMode::Grid;
    long long samples = 0;            ///< lhs: number of cases
    std::uint64_t seed = 1;           ///< lhs: seed of the design
    std::vector<SweepKey> keys;       ///< the swept keys in file order
    std::string origin;               ///< the sweep file's name, for messages
    fs::path dir;                     ///< the sweep file's directory (relative paths are relative to it)
};

/// Parse a sweep file's text (INI: '#' starts a comment; sections [sweep] and, for command = plan, [plan]).
/// Checks the syntax, the [sweep] settings, every key's name (a case key of `lithosim simulate --help`, or a
/// sweepable plan option) and every range's form. Throws InputError with one line naming what is wrong.
SweepConfig parse_sweep(const std::string& text, const std::string& origin, const fs::path& dir);
/// Read and parse a sweep file (InputError when it is missing or unreadable).
SweepConfig read_sweep_file(const fs::path& path);

/// One case of the sweep: its id (the zero-padded index: "0000", "0001", ...) and one value text per swept key.
struct SweepCase {
    std::string id;
    std::vector<std::string> values;
};

/// Full factorial design: every combination, the first key varying slowest (nested loops in file order).
std::vector<std::vector<std::string>> grid_design(const std::vector<SweepKey>& keys);

/// Latin hypercube of `samples` rows (samples >= 1). Per key an independent random permutation of the strata
/// 0..N-1 (N = samples): a range key takes a value uniformly inside stratum k of [start, stop] (integer case keys:
/// rounded), a list key takes item floor(k * m / N) of its m items, so each item appears N/m times (rounded down
/// or up). Reproducible: the generator is a SplitMix64 of `seed`, independent of the platform's <random>.
std::vector<std::vector<std::string>> lhs_design(const std::vector<SweepKey>& keys, long long samples,
                                                 std::uint64_t seed, const std::vector<bool>& integer_keys = {});

/// The cases of a sweep, in table order (grid_design or lhs_design), with ids.
std::vector<SweepCase> expand_cases(const SweepConfig& config);

/// Checks every case before anything runs: each value against its key's kind and range (case keys: as in a case
/// file; plan options: as lithosim plan checks them), and for simulate the whole case (the base with the values
/// applied: required keys present). Throws InputError naming the case id, the key, the value and what is accepted.
void check_cases(const SweepConfig& config, const std::vector<SweepCase>& cases);

/// The base case of a command = simulate sweep (its file, or the embedded default case), parsed and checked.
CaseText sweep_base(const SweepConfig& config);

/// One case of a command = simulate sweep as a typed case: the base with the case's values set (each checked like
/// --set; a relative path relative to the sweep file's folder). Throws InputError naming the case and the key.
Case sweep_case(const SweepConfig& config, const CaseText& base, const SweepCase& c);

/// The sweep's identity: a 64-bit FNV-1a hash (16 hex digits) of the command, the base case's text, the [plan]
/// options and every case's values. Two sweeps with the same identity run the same cases.
std::string sweep_identity(const SweepConfig& config, const std::vector<SweepCase>& cases);

/// The plan options of one case of a command = plan sweep: the [plan] section with the case's values (a relative
/// path relative to the sweep file's folder), as (name, text) pairs of planner/plan.hpp's plan_request.
std::vector<std::pair<std::string, std::string>> plan_case_options(const SweepConfig& config, const SweepCase& c);

/// One case of a command = plan sweep as a plan request (no pictures; the caller sets out_dir). Throws InputError
/// naming the case.
PlanRequest sweep_plan_request(const SweepConfig& config, const SweepCase& c);

/// The command line (after the program name) that runs one case into `case_dir`, quietly.
std::vector<std::string> case_arguments(const SweepConfig& config, const SweepCase& c, const fs::path& case_dir);

/// The outcome of one case, stored as DIR/cases/<id>/sweep_record.json once the case has ended.
struct CaseRecord {
    std::string id;
    bool ok = false;
    std::string error;                   ///< the case's error line when it failed
    double run_time_s = 0;
    std::map<std::string, double> metrics;  ///< flattened numeric metrics; NaN for null
    std::vector<std::string> values;     ///< the swept values (to check that a record belongs to the case)

    nlohmann::json to_json() const;
    static CaseRecord from_json(const nlohmann::json& j);
};

/// The numeric values of a summary.json / plan.json, nested keys joined with '.', array elements by index
/// ("focus_mm.2"); null gives NaN; strings and booleans are left out, and so are the figures that depend on the
/// run rather than the case (runtime_s, cell_updates_per_s, peak_memory_MB, threads, phase_seconds.*).
std::map<std::string, double> flatten_metrics(const nlohmann::json& j);

/// The table from the cases and their records (nullopt: no record yet; such a row is "failed" with error
/// "not run"). Metric columns: the union over the records, sorted by name (digit runs by value: x.2 before x.10).
SweepTable build_table(const SweepConfig& config, const std::vector<SweepCase>& cases,
                       const std::vector<std::optional<CaseRecord>>& records, const std::string& identity);

/// Exit code of a sweep with `failed` failed cases: 0 if none, else 100 + failed, at most 200.
int sweep_exit_code(long long failed);

}  // namespace lithosim
