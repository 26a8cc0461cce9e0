// The subcommands of `lithosim`, their exit codes, and the stage bookkeeping that lets main() tell the user which
// stage of a command failed.
//
// Exit codes:  0  success
//              1  a stage failed (internal error, divergence, I/O failure) or a validation case failed
//              2  bad input: an option, a case key or value, or an input file; nothing was written then
//              3  lithosim plan: no safe plan exists (the reason names the organ, the dose and the limit)
//        100 + n  lithosim sweep: n cases failed (at most 200; each recorded with its error in the table)
#pragma once
#include <array>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace lithosim::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitUnsafe = 3;

/// Line width of --help when stdout is not a terminal (and COLUMNS is not set).
inline constexpr unsigned kHelpWidth = 110;

/// The width to wrap --help to: the terminal's when stdout is one, else COLUMNS when set, within [60, 200]; empty
/// otherwise (a pipe or a file: the text as written, kHelpWidth wide).
std::optional<unsigned> terminal_width();
/// terminal_width(), else kHelpWidth: the width of the option lists.
unsigned help_width();

/// Text re-wrapped to `width`: each longer line broken at spaces, its continuation lines indented like it (plus two
/// spaces for a line that starts an option, "  --name ..."). Shorter lines are kept as they are.
std::string wrap_help_text(const std::string& text, unsigned width);

/// The arguments after the subcommand word.
using Args = std::vector<std::string>;

/// `lithosim simulate`: run a case file. See cmd_simulate.cpp.
int cmd_simulate(const Args& args);
/// `lithosim validate`: run the validation cases and print their table.
int cmd_validate(const Args& args);
/// `lithosim bench`: measure the 3D kernels.
int cmd_bench(const Args& args);
/// `lithosim version`: version, build and library information.
int cmd_version(const Args& args);
/// `lithosim dosimetry RESULT.h5`: the dosimetry of an earlier result. See cmd_dosimetry.cpp.
int cmd_dosimetry(const Args& args);
/// `lithosim devices`: the device presets with their parameters, ranges and sources.
int cmd_devices(const Args& args);
/// `lithosim model`: a CT or phantom becomes a tissue model file. See cmd_model.cpp.
int cmd_model(const Args& args);
/// `lithosim plan`: the treatment planner. See cmd_plan.cpp and plan.hpp.
int cmd_plan(const Args& args);
/// `lithosim sweep`: a case run over a grid or Latin hypercube of key values. See cmd_sweep.cpp, SWEEP.md.
int cmd_sweep(const Args& args);

/// Set the OpenMP thread count from --threads (InputError unless 1 <= n <= 4096).
void apply_threads(long long n);

/// The value of a numeric command-line option given as text: InputError naming the option, the text and the
/// accepted range unless it is a number (an integer if `integer`) within [min, max].
double numeric_option(const std::string& option, const std::string& text, bool integer, double min, double max);

/// The value of a point option "x,y,z" (mm): InputError naming the option and the text unless it is three finite
/// numbers.
std::array<double, 3> point_option(const std::string& option, const std::string& text);

/// The message of bad input as the command line shows it: the option of the input in front ("--target-depth-mm:
/// target depth 140 mm exceeds ..."), the input's field "a_b" read as option --a-b ("x|y": --x/--y).
std::string bad_input_message(const InputError& e);

/// Print a warning line to stderr: "lithosim: warning: <text>".
void print_warning(const std::string& text);

}  // namespace lithosim::app
