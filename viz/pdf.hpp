// The report as a PDF (plan and simulate --pdf): the HTML page printed on A4 by a headless browser.
//
// The printer is Debian's chromium (`chromium --headless --print-to-pdf`, installed by scripts/install-deps.sh):
// it lays the page out as a browser shows it, so the PDF is the report a reader opens, with the report's print
// style (A4, 12 mm margins, rows and the summary box never split across pages, long cells wrapped). The PDF is
// written under a temporary name and renamed when complete. Where no printer is found, or it fails, a one-line
// reason comes back and the caller keeps the HTML alone (no PDF, nothing half-written).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace lithosim::viz {

struct PdfOptions {
    /// The browser: a name searched on PATH or a path (tests inject a missing one).
    std::string browser = "chromium";
    /// How long the browser may take, s.
    double timeout_s = 120.0;
};

/// The browser's path when it is found (a name searched on PATH), else empty.
std::string find_browser(const std::string& browser);

/// Prints `html` to `pdf` on A4. Returns std::nullopt on success, else the reason in one line (no PDF left).
std::optional<std::string> print_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf,
                                     const PdfOptions& options = {});

/// Runs the browser headless on `html` at a window of width x height CSS pixels and returns the page's DOM after
/// its scripts ran (--dump-dom), for checks of the rendered page; std::nullopt when the browser is missing or fails.
std::optional<std::string> render_dom(const std::filesystem::path& html, int width, int height,
                                      const PdfOptions& options = {});

}  // namespace lithosim::viz
