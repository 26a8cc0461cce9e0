#include "core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

namespace lithosim {

std::string duration_text(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    const long long t = std::llround(s);
    char buf[32];
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%lld h %02lld min", t / 3600, (t % 3600) / 60);
    else if (t >= 60) std::snprintf(buf, sizeof buf, "%lld min %02lld s", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%lld s", t);
    return buf;
}


ProgressReporter::Mode ProgressReporter::choose_mode(bool quiet, std::FILE* out) {
    if (quiet) return Mode::Silent;
    return isatty(fileno(out)) ? Mode::Bar : Mode::Lines;
}

void ProgressReporter::operator()(long long step, long long total, double elapsed_s) {
    if (mode_ == Mode::Silent || total <= 0) return;
    if (step < last_step_) {  // a new run
        next_decile_ = 1;
        last_draw_s_ = -1;
    }
    last_step_ = step;
    const double fraction = double(step) / double(total);
    const double eta = step > 0 ? elapsed_s * (total - step) / step : NAN;
    if (mode_ == Mode::Lines) {
        // one line each time a multiple of 10 % is passed (several at once if steps are coarse: only the last)
        const int decile = int(std::floor(fraction * 10 + 1e-9));
        if (decile < next_decile_) return;
        next_decile_ = decile + 1;
        std::fprintf(out_, "progress: %3d %%  step %lld/%lld  elapsed %s  ETA %s\n", decile * 10, step, total,
                     duration_text(elapsed_s).c_str(), duration_text(eta).c_str());
        std::fflush(out_);
        return;
    }
    const bool last = step >= total;
    if (!last && last_draw_s_ >= 0 && elapsed_s - last_draw_s_ < 0.2) return;
    last_draw_s_ = elapsed_s;
    constexpr int width = 40;
    const int filled = int(fraction * width);
    const std::string bar = std::string(filled, '#') + std::string(width - filled, '-');
    std::fprintf(out_, "\r[%s] %5.1f %%  step %lld/%lld  elapsed %s  ETA %s   ", bar.c_str(), 100 * fraction, step,
                 total, duration_text(elapsed_s).c_str(), duration_text(eta).c_str());
    if (last) std::fputc('\n', out_);
    std::fflush(out_);
}

namespace {
double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

CommandProgress::CommandProgress(ProgressReporter::Mode mode, std::FILE* out, std::string command,
                                 double quiet_stage_s)
    : mode_(mode), out_(out), command_(std::move(command)), quiet_stage_s_(quiet_stage_s), start_s_(now_s()) {}

void CommandProgress::stage(const std::string& name, double expected_work) {
    stage_ = name;
    stage_start_s_ = now_s();
    expected_ = std::max(0.0, expected_work);
    done_ = current_ = 0;
    next_decile_ = 1;
    last_draw_s_ = -1;
}

void CommandProgress::expect(double work) { expected_ = std::max(done_ + current_, expected_ + work); }

double CommandProgress::stage_fraction() const {
    return expected_ > 0 ? std::clamp((done_ + current_) / expected_, 0.0, 1.0) : 0.0;
}

void CommandProgress::run_step(double work, long long step, long long total) {
    if (total <= 0) return;
    current_ = work * std::clamp(double(step) / double(total), 0.0, 1.0);
    if (done_ + current_ > expected_) expected_ = done_ + current_;
    draw(stage_fraction());
}

void CommandProgress::run_done(double work) {
    done_ += work;
    current_ = 0;
    if (done_ > expected_) expected_ = done_;
    draw(stage_fraction());
}

void CommandProgress::draw(double fraction) {
    if (mode_ == ProgressReporter::Mode::Silent) return;
    const double t = now_s(), elapsed = t - start_s_, in_stage = t - stage_start_s_;
    const double eta = fraction > 0 ? in_stage * (1 - fraction) / fraction : NAN;
    if (in_stage < quiet_stage_s_) return;  // a stage of a second or two needs no progress line
    if (mode_ == ProgressReporter::Mode::Lines) {
        const int decile = int(std::floor(fraction * 10 + 1e-9));
        if (decile < next_decile_) return;
        next_decile_ = decile + 1;
        std::fprintf(out_, "%s: %s %3d %%  elapsed %s  ETA %s\n", command_.c_str(), stage_.c_str(), decile * 10,
                     duration_text(elapsed).c_str(), duration_text(eta).c_str());
        std::fflush(out_);
        return;
    }
    const bool last = fraction >= 1;
    if (!last && last_draw_s_ >= 0 && t - last_draw_s_ < 0.2) return;
    last_draw_s_ = t;
    constexpr int width = 30;
    const int filled = int(fraction * width);
    std::fprintf(out_, "\r%s: %s [%s%s] %5.1f %%  elapsed %s  ETA %s   ", command_.c_str(), stage_.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '-').c_str(), 100 * fraction,
                 duration_text(elapsed).c_str(), duration_text(eta).c_str());
    if (last) std::fputc('\n', out_);
    std::fflush(out_);
}

}  // namespace lithosim
