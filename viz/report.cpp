#include "viz/report.hpp"

#include <vtkBase64Utilities.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace lithosim::viz {

namespace fs = std::filesystem;

namespace {

// Inline style sheet: print-friendly, no web fonts, no external resources.
constexpr const char* kStyle = R"css(
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #1a1a1a; margin: 2em auto; max-width: 62em;
       padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #3b5b8c; padding-bottom: 0.15em; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
p.subtitle { color: #444; margin: 0.1em 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #e8edf5; }
table.kv th { font-weight: normal; background: #f4f6fa; }
.warning { background: #fff1cc; }
.failure { background: #f8d0d0; font-weight: bold; }
.ok { background: #e3f4e3; }
.muted { color: #666; }
li.warning, p.warning { padding: 0.1em 0.4em; }
div.figure { margin: 1em 0; }
div.figure img { max-width: 100%; border: 1px solid #ccc; }
p.caption { font-size: 0.92em; color: #333; margin-top: 0.2em; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
td[title] { text-decoration: underline dotted #999; }
div.summary { border: 2px solid #3b5b8c; border-radius: 4px; padding: 0.4em 1em 0.6em; margin: 1em 0;
              background: #f7f9fc; }
div.summary h2 { margin-top: 0.3em; border-bottom: none; }
div.summary p.lead { font-size: 1.1em; font-weight: bold; }
div.summary table.kv th { width: 14em; }
table { max-width: 100%; }
td, th { overflow-wrap: anywhere; }
div.table { overflow-x: auto; max-width: 100%; }
div.table > table { max-width: none; }
div.table td { overflow-wrap: normal; }
div.table th { overflow-wrap: normal; min-width: 4em; }
div.figure img { height: auto; }
details { margin: 0.2em 0 0.8em; }
details > summary { cursor: pointer; color: #3b5b8c; }
p.short { font-size: 0.92em; color: #444; margin: 0.2em 0; }
div.summary p.changes { font-weight: bold; margin: 0.4em 0 0.1em; }
@page { size: A4; margin: 12mm; }
@media print {
  details > summary { color: #444; }
  details:not([open]) > summary::after { content: " (folded: not printed; open report.html for every row)"; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  div.summary, div.figure { break-inside: avoid; }
  tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  div.table { overflow: visible; }
  div.table > table { max-width: 100%; font-size: 8pt; }
  div.table td { overflow-wrap: anywhere; }
}
)css";

const char* class_of(ReportStyle s) {
    switch (s) {
        case ReportStyle::warning: return "warning";
        case ReportStyle::failure: return "failure";
        case ReportStyle::ok: return "ok";
        case ReportStyle::muted: return "muted";
        case ReportStyle::plain: break;
    }
    return "";
}

std::string class_attribute(ReportStyle s) {
    const std::string c = class_of(s);
    return c.empty() ? "" : " class=\"" + c + "\"";
}

std::string cell(const char* tag, const ReportCell& c) {
    std::string out = "<";
    out += tag;
    if (!c.exact.empty() && c.exact != c.text) {
        out += " title=\"";
        out += html_escape(c.exact);
        out += '"';
    }
    out += '>';
    out += html_escape(c.text);
    out += "</";
    out += tag;
    out += '>';
    return out;
}

std::string ordinal(std::size_t n) {
    const std::size_t tens = n % 100, ones = n % 10;
    const char* suffix = (tens >= 11 && tens <= 13) || ones == 0 || ones > 3 ? "th"
                         : ones == 1                                       ? "st"
                         : ones == 2                                       ? "nd"
                                                                           : "rd";
    return std::to_string(n) + suffix;
}

bool on_path(const std::string& tool, std::string& found) {
    const char* path = std::getenv("PATH");
    if (!path) return false;
    std::stringstream dirs(path);
    std::string d;
    while (std::getline(dirs, d, ':')) {
        if (d.empty()) continue;
        const fs::path candidate = fs::path(d) / tool;
        if (::access(candidate.c_str(), X_OK) == 0) {
            found = candidate.string();
            return true;
        }
    }
    return false;
}

/// Runs argv without a shell, stdout and stderr to /dev/null; returns the exit status (-1 if it could not start).
int run_quietly(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        // Units as a reader writes them: the planner's and the solver's texts say mJ/mm^2, mm^3 (plain ASCII for
        // terminals and logs); the report shows mJ/mm², mm³.
        if (ch == '^' && i + 1 < text.size() && (text[i + 1] == '2' || text[i + 1] == '3') &&
            (i + 2 >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i + 2])))) {
            out += text[i + 1] == '2' ? "\u00B2" : "\u00B3";
            ++i;
            continue;
        }
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                // Control characters other than tab and line breaks are not allowed in HTML (or XML) text.
                if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
                    out += "&#65533;";
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    // VTK's encoder (the one its XML writers use): 4 characters per 3 bytes, '=' padded.
    std::string out((bytes.size() + 2) / 3 * 4, '\0');
    const unsigned long n = vtkBase64Utilities::Encode(reinterpret_cast<const unsigned char*>(bytes.data()),
                                                       static_cast<unsigned long>(bytes.size()),
                                                       reinterpret_cast<unsigned char*>(out.data()));
    out.resize(n);
    return out;
}

HtmlReport::HtmlReport(std::string title, std::vector<std::string> subtitle)
    : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void HtmlReport::section(const std::string& heading) {
    if (in_section_) body_ += "</div>\n";
    body_ += "<div class=\"section\">\n<h2>" + html_escape(heading) + "</h2>\n";
    in_section_ = true;
}

void HtmlReport::subsection(const std::string& heading) { body_ += "<h3>" + html_escape(heading) + "</h3>\n"; }

void HtmlReport::paragraph(const std::string& text, ReportStyle style) {
    body_ += "<p" + class_attribute(style) + ">" + html_escape(text) + "</p>\n";
}

void HtmlReport::list(const std::vector<std::pair<std::string, ReportStyle>>& items) {
    if (items.empty()) return;
    body_ += "<ul>\n";
    for (const auto& [text, style] : items) body_ += "<li" + class_attribute(style) + ">" + html_escape(text) + "</li>\n";
    body_ += "</ul>\n";
}

void HtmlReport::key_values(const std::vector<std::pair<std::string, ReportCell>>& rows) {
    if (rows.empty()) return;
    body_ += "<table class=\"kv\">\n";
    for (const auto& [name, value] : rows) body_ += "<tr>" + cell("th", name) + cell("td", value) + "</tr>\n";
    body_ += "</table>\n";
}

void HtmlReport::summary_box(const std::string& heading, const std::string& lead,
                             const std::vector<std::pair<std::string, std::string>>& rows,
                             const std::vector<std::string>& warnings, const std::vector<std::string>& changes,
                             const std::string& changes_heading) {
    if (in_section_) body_ += "</div>\n";
    in_section_ = false;
    body_ += "<div class=\"summary\">\n<h2>" + html_escape(heading) + "</h2>\n";
    if (!lead.empty()) body_ += "<p class=\"lead\">" + html_escape(lead) + "</p>\n";
    if (!changes.empty()) {
        if (!changes_heading.empty()) body_ += "<p class=\"changes\">" + html_escape(changes_heading) + "</p>\n";
        body_ += "<ul class=\"changes\">\n";
        for (const auto& c : changes) body_ += "<li>" + html_escape(c) + "</li>\n";
        body_ += "</ul>\n";
    }
    if (!rows.empty()) {
        body_ += "<table class=\"kv\">\n";
        for (const auto& [name, value] : rows)
            body_ += "<tr><th>" + html_escape(name) + "</th><td>" + html_escape(value) + "</td></tr>\n";
        body_ += "</table>\n";
    }
    if (warnings.empty()) body_ += "<p class=\"ok\">no warnings</p>\n";
    else {
        body_ += "<ul>\n";
        for (const auto& w : warnings) body_ += "<li class=\"warning\">" + html_escape(w) + "</li>\n";
        body_ += "</ul>\n";
    }
    body_ += "</div>\n";
}

void HtmlReport::table(const std::vector<std::string>& header, const std::vector<std::vector<ReportCell>>& rows,
                       const std::vector<ReportStyle>& styles, std::vector<std::size_t> key_rows) {
    if (!styles.empty() && styles.size() != rows.size())
        throw std::invalid_argument("report table: " + std::to_string(styles.size()) + " row styles for " +
                                    std::to_string(rows.size()) + " rows");
    const auto style_of = [&](std::size_t r) { return styles.empty() ? ReportStyle::plain : styles[r]; };
    const auto rows_html = [&](const std::vector<std::size_t>& which) {
        // A wide table scrolls inside its box on screen (the page never scrolls sideways) and keeps its numbers
        // whole; in print it wraps to the page (below).
        std::string out = "<div class=\"table\"><table>\n<tr>";
        for (const auto& h : header) out += cell("th", h);
        out += "</tr>\n";
        for (std::size_t r : which) {
            out += "<tr" + class_attribute(style_of(r)) + ">";
            for (const auto& c : rows[r]) out += cell("td", c);
            out += "</tr>\n";
        }
        return out + "</table></div>\n";
    };
    std::vector<std::size_t> all(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) all[r] = r;
    if (rows.size() <= kFoldRows) {
        body_ += rows_html(all);
        return;
    }
    // Short form: the caller's key rows, or the first, every n-th and the last; and every highlighted row.
    const bool sampled = key_rows.empty();
    const std::size_t every = (rows.size() - 1 + kShortRows - 2) / (kShortRows - 1);  // >= 2
    if (sampled) {
        for (std::size_t r = 0; r < rows.size(); r += every) key_rows.push_back(r);
        key_rows.push_back(rows.size() - 1);
    }
    for (std::size_t r = 0; r < rows.size(); ++r)
        if (style_of(r) != ReportStyle::plain) key_rows.push_back(r);
    std::sort(key_rows.begin(), key_rows.end());
    key_rows.erase(std::unique(key_rows.begin(), key_rows.end()), key_rows.end());
    while (!key_rows.empty() && key_rows.back() >= rows.size()) key_rows.pop_back();
    body_ += "<p class=\"short\">" +
             html_escape(std::to_string(key_rows.size()) + " of " + std::to_string(rows.size()) + " rows" +
                         (sampled ? " (the first, every " + ordinal(every) + " and the last)" : "") +
                         "; the full table is folded below it") +
             "</p>\n";
    body_ += rows_html(key_rows);
    body_ += "<details><summary>" + html_escape("Full table (" + std::to_string(rows.size()) + " rows)") +
             "</summary>\n" + rows_html(all) + "</details>\n";
}

void HtmlReport::preformatted(const std::string& text) { body_ += "<pre>" + html_escape(text) + "</pre>\n"; }

void HtmlReport::figure(const fs::path& png, const std::string& caption) {
    std::ifstream f(png, std::ios::binary);
    if (!f) throw std::runtime_error("report figure '" + png.string() + "' cannot be read");
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    figure_png(bytes, caption, png.string());
}

void HtmlReport::figure_png(std::string_view png_bytes, const std::string& caption, const std::string& what) {
    static constexpr char signature[] = "\x89PNG\r\n\x1a\n";
    if (png_bytes.size() < 8 || png_bytes.substr(0, 8) != std::string_view(signature, 8))
        throw std::runtime_error("report figure '" + what + "' is not a PNG file (" + std::to_string(png_bytes.size()) +
                                 " bytes without the PNG signature)");
    body_ += "<div class=\"figure\"><img alt=\"" + html_escape(caption) + "\" src=\"data:image/png;base64," +
             base64_encode(png_bytes) + "\" /><p class=\"caption\">" + html_escape(caption) + "</p></div>\n";
}

std::string HtmlReport::html() const {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<title>" + html_escape(title_) +
        "</title>\n<style type=\"text/css\">" + kStyle + "</style>\n</head>\n<body>\n<h1>" + html_escape(title_) +
        "</h1>\n";
    for (const auto& s : subtitle_) out += "<p class=\"subtitle\">" + html_escape(s) + "</p>\n";
    out += body_;
    if (in_section_) out += "</div>\n";
    out += "</body>\n</html>\n";
    return out;
}

void HtmlReport::write(const fs::path& path) const {
    fs::path partial = path;
    partial += ".partial";
    {
        std::ofstream f(partial, std::ios::binary | std::ios::trunc);
        f << html();
        f.flush();
        if (!f) {
            std::error_code ignored;
            fs::remove(partial, ignored);
            throw std::runtime_error("cannot write the report '" + partial.string() + "'");
        }
    }
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec) {
        fs::remove(partial, ec);
        throw std::runtime_error("cannot rename '" + partial.string() + "' to '" + path.string() + "'");
    }
}

bool print_html_to_pdf(const fs::path& html, const fs::path& pdf, std::string& message) {
    std::string tool;
    std::vector<std::string> argv;
    const fs::path absolute_html = fs::absolute(html);
    if (on_path("chromium", tool) || on_path("chromium-browser", tool)) {
        argv = {tool, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
                "--print-to-pdf=" + fs::absolute(pdf).string(), "file://" + absolute_html.string()};
    } else if (on_path("wkhtmltopdf", tool)) {
        argv = {tool, "--quiet", absolute_html.string(), fs::absolute(pdf).string()};
    } else {
        message = "PDF report skipped: neither chromium nor wkhtmltopdf is installed (apt-get install chromium)";
        return false;
    }
    std::error_code ec;
    fs::remove(pdf, ec);
    const int status = run_quietly(argv);
    if (status != 0 || !fs::exists(pdf, ec)) {
        message = "PDF report failed: " + tool + " exited with status " + std::to_string(status);
        return false;
    }
    message = "PDF report written with " + tool + ": " + pdf.string();
    return true;
}

}  // namespace lithosim::viz
