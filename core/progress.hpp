// Progress of a run on the console: a redrawn bar with ETA when stderr is a terminal, a plain line every ~10 %
// otherwise (log files, CI), nothing when quiet. Used as the solver's RunHooks::progress.
#pragma once
#include <cstdio>
#include <string>

namespace lithosim {

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

/// Progress of a command made of stages (lithosim plan: the dose runs, then the outcomes' Monte Carlo), each with
/// an expected amount of work (cell updates of its runs, samples): one line per 10 % of a stage (a redrawn bar on a
/// terminal) with the stage's fraction, the command's elapsed time and the stage's ETA. Runs report their steps
/// through run_step; a run not known at the start adds its work with expect.
class CommandProgress {
public:
    /// No line for a stage before it has run quiet_stage_s (a stage of a second needs none).
    CommandProgress(ProgressReporter::Mode mode, std::FILE* out, std::string command, double quiet_stage_s = 2.0);

    /// Starts a stage of `expected_work` units.
    void stage(const std::string& name, double expected_work);
    /// More (or, negative, less) work in the current stage than expected so far.
    void expect(double work);
    /// A unit of `work` (a run, or the samples) is at `step` of `total`.
    void run_step(double work, long long step, long long total);
    /// The unit of `work` is done.
    void run_done(double work);

    ProgressReporter::Mode mode() const { return mode_; }
    double stage_fraction() const;

private:
    void draw(double fraction);

    ProgressReporter::Mode mode_;
    std::FILE* out_;
    std::string command_, stage_;
    double quiet_stage_s_ = 2.0;
    double start_s_ = 0, stage_start_s_ = 0;
    double expected_ = 0, done_ = 0, current_ = 0;
    int next_decile_ = 1;
    double last_draw_s_ = -1;
};

}  // namespace lithosim
