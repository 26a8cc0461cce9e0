// Source time signals ("when" a source acts), kept apart from source geometry ("where").
// A Waveform is a normalised shape s(t) whose amplitude is 1 (p0 multiplies it): the envelope peak of a tone
// burst or Gaussian pulse (a burst shorter than 4 periods is Hann-windowed as a whole, so its largest sample,
// where the carrier and the envelope peak need not coincide, can be slightly below 1: 0.94 for 3 periods),
// the front of the lithotripter pulse, and max |p| of a sampled waveform.
#pragma once
#include <string>
#include <vector>

namespace lithosim {

enum class WaveformType { ToneBurst, Gaussian, Lithotripter, Samples };

struct Waveform {
    WaveformType type = WaveformType::Lithotripter;
    double f0_Hz = 1e6;          ///< tone burst / Gaussian centre frequency
    double cycles = 3;           ///< tone burst length, or Gaussian envelope FWHM in periods
    /// Lithotripter pulse, Church (1989), J Acoust Soc Am 86(1):215-227: p(t) = 2 p0 e^(-alpha t) cos(omega t + pi/3),
    /// with alpha = 9.1e5 1/s and omega = 2 pi 83.3 kHz as used there.
    double church_alpha_per_s = 9.1e5;
    double church_omega_rad_per_s = 2 * 3.14159265358979323846 * 83.3e3;
    /// Front of the lithotripter pulse: the ideal jump at t = 0 is replaced by a raised-cosine rise of this
    /// length (a grid cannot carry a discontinuity; 0 = let the solver choose 4 dx / c, its resolution limit).
    double rise_s = 0;
    /// Front of the lithotripter pulse, smooth form: instead of a raised cosine up to the peak (whose slope jumps
    /// at the peak, so the focal waveform, about the source's time derivative, jumps there too and its peak
    /// converges only slowly with the grid), the Church pulse itself is multiplied by the quintic smoothstep
    /// S(t / rise_s) = 10 x^3 - 15 x^4 + 6 x^5, which joins it with matching value, slope and curvature. The
    /// peak then lies inside the front and is slightly below 1. Used by the device presets.
    bool smooth_front = false;
    double delay_s = 0;          ///< the whole signal starts this much later
    std::vector<double> t_s, p;  ///< sampled waveform (type Samples): times and values (Pa)

    /// Normalised shape at time t (dimensionless; a Samples waveform returns p / max|p|).
    double shape(double t) const;
    /// Time after which the shape is (and stays) zero, or +inf for the lithotripter tail (decays exponentially).
    double duration_s() const;
    /// Largest |value| of a Samples waveform in Pa (0 for analytic shapes).
    double samples_peak_Pa() const;
};

std::string to_string(WaveformType t);

}  // namespace lithosim
