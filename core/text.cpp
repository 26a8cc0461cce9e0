#include "core/text.hpp"

#include "core/errors.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

namespace lithosim {

std::string trim(const std::string& s) {
    const char* blanks = " \t\r\n";
    const auto b = s.find_first_not_of(blanks);
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(blanks);
    return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto pos = s.find(sep, start);
        out.push_back(trim(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
        if (pos == std::string::npos) break;
        start = pos + 1;
    }
    return out;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

bool parse_real(const std::string& s, double& out) {
    if (s.empty()) return false;
    // from_chars does not take a leading '+'; accept it as people write "+5".
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    const char* e = s.data() + s.size();
    double v = 0;
    const auto r = std::from_chars(b, e, v);
    if (r.ec != std::errc() || r.ptr != e || !std::isfinite(v)) return false;
    out = v;
    return true;
}

bool parse_integer(const std::string& s, long long& out) {
    if (s.empty()) return false;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    const char* e = s.data() + s.size();
    long long v = 0;
    const auto r = std::from_chars(b, e, v);
    if (r.ec != std::errc() || r.ptr != e) return false;
    out = v;
    return true;
}

std::string format_number(double v) {
    char buf[64];
    // 12 significant digits: exact for every value a person types, and hides the last-bit noise of unit
    // conversions (9.1e5 * 1e-6 prints as 0.91, not 0.9099999999999999).
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 12);
    return std::string(buf, r.ptr);
}

std::string pad_right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string wrap(const std::string& s, std::size_t width, const std::string& indent) {
    std::istringstream in(s);
    std::string word, line = indent, out;
    while (in >> word) {
        if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = indent;
        }
        line += (line.size() > indent.size() ? " " : "") + word;
    }
    return out + line;
}

std::string one_line(const std::string& s) {
    std::string out = s;
    for (char& ch : out)
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    return out;
}

double to_mm(double x_m) {
    const double r = std::round(x_m * 1e3 * 1e6) / 1e6;
    return r == 0 ? 0.0 : r;
}

std::string mm_text(double x_m) { return format_number(to_mm(x_m)); }

std::array<double, 3> checked_point(const std::string& name, const std::string& text) {
    const auto parts = split(text, ',');
    std::array<double, 3> p{};
    bool ok = parts.size() == 3;
    for (std::size_t i = 0; ok && i < 3; ++i) ok = parse_real(trim(parts[i]), p[i]) && std::isfinite(p[i]);
    if (!ok) throw InputError(name + " '" + text + "' is not a point; accepted: x,y,z in mm, e.g. 12.5,-40,110");
    return p;
}

double checked_number(const std::string& name, const std::string& text, bool integer, double min, double max) {
    const std::string accepted = std::string(integer ? "an integer" : "a number") + " from " + format_number(min) +
                                 " to " + format_number(max);
    double v = 0;
    long long n = 0;
    const bool ok = integer ? parse_integer(text, n) : parse_real(text, v);
    if (integer) v = double(n);
    if (!ok)
        throw InputError(name + " '" + text + "' is not " + (integer ? "an integer" : "a number") + "; accepted: " +
                         accepted);
    if (v < min || v > max) throw InputError(name + " = " + text + " is out of range; accepted: " + accepted);
    return v;
}

}  // namespace lithosim
