// Helpers shared by the subcommands.
#include <omp.h>

#include <cmath>
#include <cstdio>

#include "app/commands.hpp"
#include "app/text.hpp"

namespace lithosim::app {

void apply_threads(long long n) {
    if (n < 1 || n > 4096)
        throw InputError("--threads = " + std::to_string(n) + " is not accepted; accepted: an integer from 1 to 4096");
    omp_set_num_threads(int(n));
}

std::array<double, 3> point_option(const std::string& option, const std::string& text) {
    const auto parts = split(text, ',');
    std::array<double, 3> p{};
    bool ok = parts.size() == 3;
    for (std::size_t i = 0; ok && i < 3; ++i) ok = parse_real(trim(parts[i]), p[i]) && std::isfinite(p[i]);
    if (!ok) throw InputError("--" + option + " '" + text + "' is not a point; accepted: x,y,z in mm, e.g. 12.5,-40,110");
    return p;
}

double numeric_option(const std::string& option, const std::string& text, bool integer, double min, double max) {
    const std::string accepted = std::string(integer ? "an integer" : "a number") + " from " + format_number(min) +
                                 " to " + format_number(max);
    double v = 0;
    long long n = 0;
    const bool ok = integer ? parse_integer(text, n) : parse_real(text, v);
    if (integer) v = double(n);
    if (!ok) throw InputError("--" + option + " '" + text + "' is not " + (integer ? "an integer" : "a number") +
                              "; accepted: " + accepted);
    if (v < min || v > max)
        throw InputError("--" + option + " = " + text + " is out of range; accepted: " + accepted);
    return v;
}

void print_warning(const std::string& text) {
    std::fprintf(stderr, "lithosim: warning: %s\n", one_line(text).c_str());
    std::fflush(stderr);
}

}  // namespace lithosim::app
