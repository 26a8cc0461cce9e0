// Named validation cases (issue 2 §4; /work/shared/reference/physics-numerics.md §5): each runs the solver on a
// physics problem with a known answer and compares what the solver computes with the analytic reference of
// validation/analytic.hpp. A case returns one Row per compared quantity; nothing in a Row is typed in by hand except
// the tolerance.
//
// Every case has two variants: the fast one (run by ctest, well under a minute on 2 cores) and the full one
// (`lithosim validate --full`: finer grids or longer domains, minutes). Both compare the same quantities.
//
// Row semantics, the same for every case: `error` is the measured distance from the reference in `unit`, and the
// row passes when error <= tolerance (tolerance in the same unit). Where the unit of the compared values differs
// from the unit of the error (a reflection level in dB from two pressures in Pa, an observed order from two errors),
// `quantity` says what `simulated` and `reference` hold.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "solver/spec.hpp"

namespace lithosim::validation {

struct Row {
    std::string case_name;   ///< e.g. "oneil_bowl"
    std::string quantity;    ///< what was compared, where, and the unit of simulated/reference if it differs
    std::string unit;        ///< unit of error and tolerance: "%", "mm", "m/s", "dB", "order"
    double simulated = 0;    ///< computed by the solver (and measured from its output)
    double reference = 0;    ///< computed by the analytic reference
    double error = 0;        ///< distance of simulated from reference, in `unit`
    double tolerance = 0;    ///< pass iff error <= tolerance
    bool pass = false;
};

struct CaseInfo {
    std::string name;          ///< the name run_case accepts
    std::string description;   ///< one line: physics, reference, tolerances
};

/// The cases in the order of issue 2 §4, then the planner's.
std::vector<CaseInfo> list_cases();

/// Runs one case (fast variant, or the full variant with finer grids / longer domains) and returns its rows.
/// hooks.log receives one line per run and the solver's own log; hooks.progress the solver's progress.
/// Throws lithosim::InputError for an unknown name (the message lists the accepted names); solver errors propagate.
std::vector<Row> run_case(const std::string& name, bool full, const RunHooks& hooks = {});

/// The rows as a plain-text table (case, quantity, simulated, reference, error, tolerance, PASS/FAIL), one row per
/// line, for logs and test output.
std::string format_rows(const std::vector<Row>& rows);

}  // namespace lithosim::validation
