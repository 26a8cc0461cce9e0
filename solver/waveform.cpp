#include "solver/waveform.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace lithosim {

namespace {
constexpr double pi = std::numbers::pi;
}

double Waveform::shape(double t) const {
    t -= delay_s;
    if (t < 0) return 0;
    switch (type) {
    case WaveformType::ToneBurst: {
        // sin(2 pi f0 t) over `cycles` periods, with one-period cos^2 tapers at both ends (or a Hann window
        // over the whole burst when it is shorter than 4 periods) so its spectrum stays compact.
        const double T = cycles / f0_Hz;
        if (t > T) return 0;
        const double ramp = cycles >= 4 ? 1.0 / f0_Hz : T / 2;
        double win = 1;
        if (t < ramp) win = std::pow(std::sin(0.5 * pi * t / ramp), 2);
        else if (t > T - ramp) win = std::pow(std::sin(0.5 * pi * (T - t) / ramp), 2);
        return win * std::sin(2 * pi * f0_Hz * t);
    }
    case WaveformType::Gaussian: {
        // Gaussian-modulated sine: envelope FWHM = cycles / f0, centred 3 standard deviations after t = 0.
        const double sigma = cycles / f0_Hz / (2 * std::sqrt(2 * std::log(2.0)));
        const double tc = 3 * sigma + 0.25 / f0_Hz;
        const double e = (t - tc) / sigma;
        return std::exp(-0.5 * e * e) * std::sin(2 * pi * f0_Hz * (t - tc) + pi / 2);
    }
    case WaveformType::Lithotripter: {
        // Church (1989): 2 e^{-alpha t} cos(omega t + pi/3), peak 1 at the front; front rises over rise_s.
        const double tr = rise_s;
        auto church = [&](double s) {
            return 2 * std::exp(-church_alpha_per_s * s) * std::cos(church_omega_rad_per_s * s + pi / 3);
        };
        if (smooth_front) {
            if (t >= tr) return church(t);
            const double x = t / tr;
            return x * x * x * (10 - 15 * x + 6 * x * x) * church(t);
        }
        if (t < tr) return 0.5 * (1 - std::cos(pi * t / tr)) * church(0);
        return church(t - tr);
    }
    case WaveformType::Samples: {
        if (t_s.empty() || t < t_s.front() || t > t_s.back()) return 0;
        const auto it = std::upper_bound(t_s.begin(), t_s.end(), t);
        const std::size_t i = std::min<std::size_t>(std::max<std::ptrdiff_t>(it - t_s.begin(), 1), t_s.size() - 1);
        const double w = (t - t_s[i - 1]) / (t_s[i] - t_s[i - 1]);
        const double peak = samples_peak_Pa();
        return peak > 0 ? ((1 - w) * p[i - 1] + w * p[i]) / peak : 0;
    }
    }
    return 0;
}

double Waveform::duration_s() const {
    switch (type) {
    case WaveformType::ToneBurst: return delay_s + cycles / f0_Hz;
    case WaveformType::Gaussian: {
        const double sigma = cycles / f0_Hz / (2 * std::sqrt(2 * std::log(2.0)));
        return delay_s + 6 * sigma + 0.25 / f0_Hz;
    }
    case WaveformType::Lithotripter: return std::numeric_limits<double>::infinity();
    case WaveformType::Samples: return delay_s + (t_s.empty() ? 0 : t_s.back());
    }
    return 0;
}

double Waveform::samples_peak_Pa() const {
    double m = 0;
    for (double v : p) m = std::max(m, std::abs(v));
    return m;
}

std::string to_string(WaveformType t) {
    switch (t) {
    case WaveformType::ToneBurst: return "toneburst";
    case WaveformType::Gaussian: return "gaussian";
    case WaveformType::Lithotripter: return "lithotripter";
    case WaveformType::Samples: return "file";
    }
    return "?";
}

}  // namespace lithosim
