// Two tiers of errors (house style): InputError for anything the user gave that cannot be used
// (the command line maps it to exit code 2 and prints its one-line message, Python raises ValueError), and
// std::logic_error / assert for internal invariants. Messages name the quantity, the value and what is accepted;
// the library layers never name a command-line option: the front end adds its name for the input.
#pragma once
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace lithosim {

struct InputError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
    /// Bad input in one named input of a request. `input` is the request's field ("target_depth_mm", "device";
    /// "ct|phantom" when the message is about several): the message names the quantity in words and its value, and
    /// each front end adds its own name for the input (the command line its option, --target-depth-mm).
    InputError(std::string input, const std::string& message)
        : std::invalid_argument(message), input(std::move(input)) {}
    std::string input;   ///< empty: the message stands alone (a case key, a file)
};

/// Numerical failure during a run (NaN, unbounded growth): names the step, the place and the likely cause.
struct DivergenceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Build a message from streamable parts: fmt("dx_mm = ", dx, " must be > 0").
template <class... Args>
std::string fmt(const Args&... args) {
    std::ostringstream os;
    os.precision(6);
    (os << ... << args);
    return os.str();
}

/// Always-on check of user input: throws InputError with the message when cond is false.
template <class... Args>
void require_input(bool cond, const Args&... args) {
    if (!cond) throw InputError(fmt(args...));
}

/// require_input for one named input of a request (see InputError::input).
template <class... Args>
void require_input_for(const char* input, bool cond, const Args&... args) {
    if (!cond) throw InputError(input, fmt(args...));
}

/// An internal failure during a named stage ("read input", "build model", "simulate", "write results"):
/// the command prints "<stage> failed: <what>" and exits with code 1.
struct StageFailure : std::runtime_error {
    StageFailure(const std::string& stage, const std::string& what) : std::runtime_error(stage + " failed: " + what) {}
};

/// A treatment plan that cannot be made safe: the command prints "no safe plan: <reason>" and exits with code 3.
struct UnsafePlan : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A run stopped by its front end from a progress hook (the Python module on Ctrl-C): passes through every stage
/// unchanged, so the front end can raise its own error (KeyboardInterrupt).
struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

/// Run `f` as the named stage. Bad input (InputError) passes through unchanged (exit 2 whatever the stage); every
/// other exception becomes a StageFailure naming the stage.
template <class F>
decltype(auto) run_stage(const char* stage, F&& f) {
    try {
        return f();
    } catch (const InputError&) {
        throw;
    } catch (const UnsafePlan&) {
        throw;
    } catch (const Interrupted&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw StageFailure(stage, "out of memory");
    } catch (const std::exception& e) {
        throw StageFailure(stage, e.what());
    }
}

}  // namespace lithosim
