// Two tiers of errors (house style): InputError for anything the user gave that cannot be used
// (the app maps it to exit code 2 and prints its one-line message), and std::logic_error /
// assert for internal invariants. Messages name the option, the value and what is accepted.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace lithosim {

struct InputError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
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

}  // namespace lithosim
