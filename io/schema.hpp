// The layout version of every JSON file lithosim writes: each carries "schema_version" (a whole number), raised when
// a key of that file is renamed or removed or changes its meaning or unit; adding a key keeps the number (readers
// ignore keys they do not know). CHANGELOG.md records every change. The HDF5 files carry theirs as the root
// attribute `schema_version` (io/h5_names.hpp, equal to their file_format_version).
#pragma once

namespace lithosim::io::schema {

inline constexpr char key[] = "schema_version";

inline constexpr int summary_json = 1;         ///< simulate's DIR/summary.json (report/summary.cpp)
inline constexpr int plan_json = 1;            ///< plan's DIR/plan.json (planner/plan.hpp has the keys)
inline constexpr int model_summary_json = 1;   ///< model's DIR/summary.json (patient/patient_model.cpp)
inline constexpr int dosimetry_json = 1;       ///< dosimetry --json: of a result, or dose at depth
inline constexpr int validate_json = 1;        ///< validate --json
inline constexpr int bench_json = 1;           ///< bench --json
inline constexpr int sweep_json = 1;           ///< a sweep's DIR/sweep.json and each case's record

}  // namespace lithosim::io::schema
