// A small builder of self-contained HTML reports: one file with inline CSS and PNG figures embedded as base64
// data URIs, no script and no link to anything outside it, so it opens in any browser offline and can be mailed
// or archived as it is.
//
// The markup is deliberately conservative: HTML 4 element names only (div, table, img, ...; no HTML5 sectioning
// elements) with one exception, details/summary, which fold a long table away without a script; every element
// closed, attributes quoted, only the entities &amp; &lt; &gt; &quot; &#39; and numeric references. The document is
// therefore also well-formed XML, which the tests check with libxml2's XML parser in addition to its HTML parser
// (whose HTML 4 tag list reports details and summary as unknown: the tests accept those two names and no other).
// Every text given to the builder is HTML-escaped; callers never pass markup.
//
// Long tables (more than kFoldRows rows): the page shows a short table (the rows the caller names, or the first,
// every n-th and the last, with every highlighted row) and the whole table inside <details>, folded. Printed
// (report.pdf, chromium), a folded table stays folded: the short table and the line "Full table (N rows) ..." print,
// the rows inside do not (a browser cannot be told by CSS alone to open details for print); the print style says so
// after the summary line.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lithosim::viz {

/// `text` with & < > " ' replaced by entities (safe in element content and in quoted attributes).
std::string html_escape(std::string_view text);

/// Standard base64 (RFC 4648, with padding) of `bytes`.
std::string base64_encode(std::string_view bytes);

/// A table cell or value: the text shown and, optionally, a longer exact form shown as its tooltip (title
/// attribute), e.g. a rounded number with the full value of the JSON file.
struct ReportCell {
    std::string text;
    std::string exact;
    ReportCell() = default;
    ReportCell(std::string t) : text(std::move(t)) {}                               // NOLINT: implicit on purpose
    ReportCell(const char* t) : text(t) {}                                           // NOLINT
    ReportCell(std::string t, std::string e) : text(std::move(t)), exact(std::move(e)) {}
};

/// Row styles of tables and lists.
enum class ReportStyle { plain, warning, failure, ok, muted };

/// Tables longer than this are shown short with the whole table folded away.
inline constexpr std::size_t kFoldRows = 15;
/// About this many rows in the short form of a long table.
inline constexpr std::size_t kShortRows = 10;

class HtmlReport {
public:
    /// `title` heads the page and names it in the browser; `subtitle` lines are printed under it.
    explicit HtmlReport(std::string title, std::vector<std::string> subtitle = {});

    void section(const std::string& heading);     ///< a new section (h2)
    void subsection(const std::string& heading);  ///< h3
    void paragraph(const std::string& text, ReportStyle style = ReportStyle::plain);
    /// A bulleted list; each item with its own style.
    void list(const std::vector<std::pair<std::string, ReportStyle>>& items);
    /// A two-column table of names and values.
    void key_values(const std::vector<std::pair<std::string, ReportCell>>& rows);
    /// A framed box that opens a page (what a reader must see first): a heading, a lead sentence, label-value rows
    /// and a list of warnings (each highlighted; "no warnings" when empty).
    /// `changes` (when not empty) are listed under `changes_heading` right below the lead (a re-plan: what changed
    /// since the previous plan).
    void summary_box(const std::string& heading, const std::string& lead,
                     const std::vector<std::pair<std::string, std::string>>& rows,
                     const std::vector<std::string>& warnings, const std::vector<std::string>& changes = {},
                     const std::string& changes_heading = "");
    /// A table with a header row; `styles` (empty, or one per row) colours rows. Over kFoldRows rows, the short
    /// table shows `key_rows` (indices into `rows`; empty: the first, every n-th and the last, about kShortRows) and
    /// every row styled other than plain, and the whole table follows folded (see the top of this file).
    void table(const std::vector<std::string>& header, const std::vector<std::vector<ReportCell>>& rows,
               const std::vector<ReportStyle>& styles = {}, std::vector<std::size_t> key_rows = {});
    /// Preformatted text (a case file).
    void preformatted(const std::string& text);
    /// A PNG figure from a file, embedded as a data URI, with its caption. Throws std::runtime_error naming the
    /// file when it cannot be read or is not a PNG (by its 8-byte signature).
    void figure(const std::filesystem::path& png, const std::string& caption);
    /// The same from PNG bytes in memory.
    void figure_png(std::string_view png_bytes, const std::string& caption, const std::string& what = "figure");

    /// The whole document.
    std::string html() const;

    /// Writes html() to "<path>.partial" and renames it to `path`. Throws std::runtime_error naming the file.
    void write(const std::filesystem::path& path) const;

private:
    std::string title_;
    std::vector<std::string> subtitle_;
    std::string body_;
    bool in_section_ = false;
};

/// Prints `html` to `pdf` with a well-kept tool found on PATH: chromium (--headless --print-to-pdf) or wkhtmltopdf.
/// Returns true when `pdf` was written; otherwise false with one line in `message` (the tool is missing, or it
/// failed with its exit status). Never throws for a missing tool.
bool print_html_to_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf, std::string& message);

}  // namespace lithosim::viz
