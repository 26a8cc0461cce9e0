#include "app/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <string>

namespace lithosim::app {

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

}  // namespace lithosim::app
