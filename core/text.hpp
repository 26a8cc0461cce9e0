// Small text helpers of the command line: strict number parsing, splitting, joining and layout of help text.
#pragma once
#include <array>
#include <string>
#include <vector>

namespace lithosim {

/// Leading and trailing blanks (space, tab, CR, LF) removed.
std::string trim(const std::string& s);

/// Split at `sep`, trimming each item. "a, b" -> {"a", "b"}; an empty string gives one empty item.
std::vector<std::string> split(const std::string& s, char sep);

/// The lines of a text (without their line ends); an empty text gives no lines.
std::vector<std::string> split_lines(const std::string& s);

std::string join(const std::vector<std::string>& items, const std::string& sep);

/// Whole-string parse of a finite real number ("0.5", "-1e-3"); false for anything else ("", "1,5", "nan", "2x").
bool parse_real(const std::string& s, double& out);

/// Whole-string parse of an integer ("20", "-3"); false for anything else ("4.0", "", "1e3").
bool parse_integer(const std::string& s, long long& out);

/// The value of `text` named `name` in messages: InputError ("<name> '<text>' is not a number; accepted: ...",
/// "<name> = <text> is out of range; accepted: ...") unless it is a number (an integer if `integer`) in [min, max].
double checked_number(const std::string& name, const std::string& text, bool integer, double min, double max);

/// The point "x,y,z" (mm) of `text` named `name` in messages: InputError unless it is three finite numbers.
std::array<double, 3> checked_point(const std::string& name, const std::string& text);

/// A number with up to 12 significant digits, trailing zeros dropped ("0.5", "1e-07", "83.3").
std::string format_number(double v);
/// Metres as millimetres, rounded to 1 nm so that grid arithmetic noise (-1.4e-17 m) reads as 0.
double to_mm(double x_m);
/// to_mm as text for messages ("62", "-0.5").
std::string mm_text(double x_m);

/// `s` padded with spaces to at least `width` characters.
std::string pad_right(const std::string& s, std::size_t width);

/// Words of `s` wrapped to lines of at most `width` characters, each line starting with `indent`.
std::string wrap(const std::string& s, std::size_t width, const std::string& indent);

/// A message as one line: every line end and tab replaced by a space.
std::string one_line(const std::string& s);

}  // namespace lithosim
