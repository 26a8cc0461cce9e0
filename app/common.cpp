// Helpers shared by the subcommands.
#include <omp.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "app/commands.hpp"
#include "core/text.hpp"

namespace lithosim::app {

std::optional<unsigned> terminal_width() {
    winsize ws{};
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return std::clamp(unsigned(ws.ws_col), 60u, 200u);
    if (const char* c = std::getenv("COLUMNS")) {
        long long v = 0;
        if (parse_integer(c, v) && v > 0) return unsigned(std::clamp<long long>(v, 60, 200));
    }
    return std::nullopt;
}

unsigned help_width() { return terminal_width().value_or(kHelpWidth); }

std::string wrap_help_text(const std::string& text, unsigned width) {
    // Prose written with hard line breaks flows again: an unindented line continues the one before it when it
    // starts in lower case (or with a digit or a parenthesis) and the one before is unindented prose too.
    std::vector<std::string> lines;
    {
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            const bool continues = !lines.empty() && !lines.back().empty() && lines.back().front() != ' ' &&
                                   !line.empty() && (std::islower((unsigned char)line.front()) ||
                                                     std::isdigit((unsigned char)line.front()) || line.front() == '(');
            if (continues) lines.back() += " " + line;
            else lines.push_back(line);
        }
    }
    std::string out;
    for (const std::string& line : lines) {
        if (line.size() <= width) {
            out += line + "\n";
            continue;
        }
        const std::size_t lead = line.find_first_not_of(' ');
        std::string indent(lead == std::string::npos ? 0 : lead, ' ');
        const bool option = line.compare(indent.size(), 2, "--") == 0 || line.compare(indent.size(), 1, "-") == 0;
        const bool usage = line.compare(indent.size(), 6, "usage:") == 0;
        // the first line keeps its own indent; the continuation lines get the indent (+2 under an option, +7 under
        // a usage line); a word longer than the line (a list of names) breaks after its '|' or ','
        std::string body = line.substr(indent.size());
        {
            std::istringstream words(body);
            std::string w, rebuilt;
            while (words >> w) {
                if (w.size() + indent.size() + 8 > width) {
                    std::string broken;
                    for (char ch : w) broken += (ch == '|' || ch == ',') ? std::string(1, ch) + " " : std::string(1, ch);
                    w = broken;
                }
                rebuilt += (rebuilt.empty() ? "" : " ") + w;
            }
            body = rebuilt;
        }
        const std::string wrapped = wrap(body, width - indent.size() - (usage ? 7 : option ? 2 : 0), "");
        std::istringstream parts(wrapped);
        bool first = true;
        for (std::string part; std::getline(parts, part); first = false)
            out += (first ? indent : indent + (usage ? "       " : option ? "  " : "")) + part + "\n";
    }
    if (!text.empty() && text.back() != '\n' && !out.empty()) out.pop_back();
    return out;
}

void apply_threads(long long n) {
    if (n < 1 || n > 4096)
        throw InputError("--threads = " + std::to_string(n) + " is not accepted; accepted: an integer from 1 to 4096");
    omp_set_num_threads(int(n));
}

std::array<double, 3> point_option(const std::string& option, const std::string& text) {
    return checked_point("--" + option, text);
}

double numeric_option(const std::string& option, const std::string& text, bool integer, double min, double max) {
    return checked_number("--" + option, text, integer, min, max);
}

std::string bad_input_message(const InputError& e) {
    if (e.input.empty()) return e.what();
    std::string options;
    for (const auto& field : split(e.input, '|')) {
        std::string option = "--" + field;
        for (char& c : option)
            if (c == '_') c = '-';
        options += (options.empty() ? "" : "/") + option;
    }
    return options + ": " + e.what();
}

void print_warning(const std::string& text) {
    std::fprintf(stderr, "lithosim: warning: %s\n", one_line(text).c_str());
    std::fflush(stderr);
}

}  // namespace lithosim::app
