// Progress of a run on the console: a redrawn bar with ETA when stderr is a terminal, a plain line every ~10 %
// otherwise (log files, CI), nothing when quiet. Used as the solver's RunHooks::progress.
#pragma once
#include <cstdio>
#include <string>

namespace lithosim::app {

/// A duration for people: "1 h 02 min", "3 min 05 s", "12 s"; "?" when not finite or negative.
std::string duration_text(double seconds);

class ProgressReporter {
public:
    enum class Mode { Silent, Lines, Bar };

    /// Mode from the situation: Silent when quiet, Bar when `out` is a terminal, Lines otherwise.
    static Mode choose_mode(bool quiet, std::FILE* out);

    ProgressReporter(Mode mode, std::FILE* out) : mode_(mode), out_(out) {}

    /// Report that `step` of `total` steps are done after `elapsed_s` seconds. A step count lower than the last
    /// one starts a new run (validation cases run several simulations in a row).
    void operator()(long long step, long long total, double elapsed_s);

    Mode mode() const { return mode_; }

private:
    Mode mode_;
    std::FILE* out_;
    long long last_step_ = 0;       ///< step of the previous report
    int next_decile_ = 1;           ///< Lines: next multiple of 10 % to report
    double last_draw_s_ = -1;       ///< Bar: time of the last redraw (redrawn at most 5 times a second)
};

}  // namespace lithosim::app
