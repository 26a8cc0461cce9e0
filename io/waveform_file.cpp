#include "io/waveform_file.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace lithosim::io {

namespace fs = std::filesystem;

namespace {

constexpr double seconds_per_us = 1e-6;
constexpr double pascals_per_MPa = 1e6;
constexpr char accepted[] = "two numbers 't_us p_MPa' separated by whitespace or a comma";

bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

/// Parses the whole of `token` as a double (decimal or exponent form; "inf"/"nan" parse and are rejected later).
std::optional<double> parse_number(std::string_view token) {
    // from_chars does not take a leading '+', which spreadsheets and some instruments write.
    if (token.size() > 1 && token.front() == '+' && token[1] != '-' && token[1] != '+') token.remove_prefix(1);
    if (token.empty()) return std::nullopt;
    double value = 0;
    const char* const end = token.data() + token.size();
    const auto [ptr, ec] = std::from_chars(token.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

/// Splits a trimmed, non-empty line into exactly two numbers: "a b", "a,b", "a , b". Anything else is rejected.
std::optional<std::pair<double, double>> parse_row(std::string_view line) {
    const auto is_separator = [](char ch) { return is_blank(ch) || ch == ','; };
    std::size_t i = 0;
    while (i < line.size() && !is_separator(line[i])) ++i;
    const std::string_view first = line.substr(0, i);
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i < line.size() && line[i] == ',') ++i;
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::string_view second = line.substr(i);
    if (second.empty() || second.find_first_of(" \t\r\v\f,") != std::string_view::npos) return std::nullopt;
    const std::optional<double> a = parse_number(first);
    const std::optional<double> b = parse_number(second);
    if (!a || !b) return std::nullopt;
    return std::pair{*a, *b};
}

std::string format_number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

}  // namespace

WaveformSamples read_waveform_file(const fs::path& path) {
    const std::string where = "waveform file '" + path.string() + "'";
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw std::invalid_argument("cannot open " + where + ": Is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        throw std::invalid_argument("cannot open " + where + ": " +
                                    (err != 0 ? std::strerror(err) : "the file cannot be read"));
    }

    WaveformSamples w;
    std::string raw;
    long line_number = 0;
    long previous_line = 0;
    double previous_t_us = 0;
    while (std::getline(in, raw)) {
        ++line_number;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        const std::string at = where + " line " + std::to_string(line_number) + ": ";
        const std::optional<std::pair<double, double>> row = parse_row(line);
        if (!row) throw std::invalid_argument(at + "'" + std::string(line) + "' is not " + accepted);
        const auto [t_us, p_MPa] = *row;
        if (!std::isfinite(t_us) || !std::isfinite(p_MPa)) {
            throw std::invalid_argument(at + "'" + std::string(line) + "' has a non-finite value; accepted: " +
                                        accepted + ", both finite");
        }
        if (!w.t_s.empty() && !(t_us > previous_t_us)) {
            throw std::invalid_argument(at + "'" + std::string(line) + "': time " + format_number(t_us) +
                                        " us is not after " + format_number(previous_t_us) +
                                        " us on line " + std::to_string(previous_line) +
                                        "; times must strictly increase");
        }
        w.t_s.push_back(t_us * seconds_per_us);
        w.p_Pa.push_back(p_MPa * pascals_per_MPa);
        previous_line = line_number;
        previous_t_us = t_us;
    }
    if (in.bad()) {
        throw std::invalid_argument("cannot read " + where + ": read error after line " +
                                    std::to_string(line_number));
    }
    if (w.t_s.size() < 2) {
        const std::string rows = w.t_s.size() == 1 ? " sample row" : " sample rows";
        throw std::invalid_argument(where + " has " + std::to_string(w.t_s.size()) + rows + "; at least 2 rows of " +
                                    accepted + " are needed");
    }
    return w;
}

}  // namespace lithosim::io
