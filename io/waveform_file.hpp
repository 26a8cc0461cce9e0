// Measured or published source waveforms given as a two-column text file.
//
// Format: one sample per line, "t_us p_MPa" (time in microseconds, pressure in megapascals), the two numbers
// separated by whitespace or by one comma (with optional whitespace around it). Lines whose first non-blank
// character is '#' and blank lines are skipped; Windows line ends are accepted. At least two samples, all values
// finite, times strictly increasing. Example:
//
//     # t_us, p_MPa
//     0.0, 0.0
//     0.5, 35.2
//     1.0, -8.1
#pragma once
#include <filesystem>
#include <vector>

namespace lithosim::io {

/// Samples in SI units.
struct WaveformSamples {
    std::vector<double> t_s;   ///< sample times, s, strictly increasing
    std::vector<double> p_Pa;  ///< pressure at those times, Pa
};

/// Reads a waveform file (format above) and converts it to SI. Throws std::invalid_argument with a one-line
/// message naming the file, the line number, the offending text and what is accepted.
WaveformSamples read_waveform_file(const std::filesystem::path& path);

}  // namespace lithosim::io
