// The default case (examples/default.ini), embedded at build time so that `lithosim simulate --config default` and
// the Python module's default case work from any directory.
#pragma once

namespace lithosim {

/// Text of the embedded default case.
const char* default_case_text();

}  // namespace lithosim
