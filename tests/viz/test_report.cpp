// The HTML report builder: the document parses with libxml2's HTML parser with no error and is well-formed XML
// (libxml2's XML parser, no error); it links nothing outside itself (no http(s)://, every src/href a data: URI, no
// script), embeds the given PNG byte for byte, escapes every text, and is written atomically. Long tables are shown
// short with the whole table folded; the label table gives every key words, a unit and a frame; numbers print to
// about 3 significant figures.
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include "tests/io/scratch_dir.hpp"
#include "viz/report.hpp"
#include "viz/report_labels.hpp"

using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
namespace viz = lithosim::viz;

namespace {

int g_errors = 0;
std::string g_first_error;
void count_error(void*, xmlErrorPtr e) {
    if (e->level < XML_ERR_ERROR) return;  // warnings are not counted
    // libxml2's HTML parser knows HTML 4 tags only: details and summary (the folded long tables, viz/report.hpp)
    // are the two HTML5 names the report uses; any other unknown tag counts.
    const std::string message = e->message ? e->message : "?";
    if (e->code == XML_HTML_UNKNOWN_TAG &&
        (message.find("Tag details invalid") == 0 || message.find("Tag summary invalid") == 0))
        return;
    if (g_errors++ == 0) g_first_error = message;
}

/// Errors of libxml2's HTML parser (HTML) or XML parser (well-formedness) on `text`.
int parse_errors(const std::string& text, bool as_xml) {
    g_errors = 0;
    g_first_error.clear();
    xmlSetStructuredErrorFunc(nullptr, count_error);
    xmlDocPtr doc = as_xml ? xmlReadMemory(text.data(), int(text.size()), "report.html", "UTF-8", XML_PARSE_NONET)
                           : htmlReadMemory(text.data(), int(text.size()), "report.html", "UTF-8", HTML_PARSE_NONET);
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    if (!doc) return g_errors + 1;
    xmlFreeDoc(doc);
    return g_errors;
}

/// Every value of attribute `name` in the HTML document.
void collect_attributes(xmlNodePtr n, const char* name, std::vector<std::string>& out) {
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            if (xmlChar* v = xmlGetProp(n, BAD_CAST name)) {
                out.emplace_back((const char*)v);
                xmlFree(v);
            }
        }
        collect_attributes(n->children, name, out);
    }
}

std::vector<std::string> attributes(const std::string& html, const char* name) {
    std::vector<std::string> out;
    htmlDocPtr doc = htmlReadMemory(html.data(), int(html.size()), "r.html", "UTF-8",
                                    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    REQUIRE(doc);
    collect_attributes(xmlDocGetRootElement(doc), name, out);
    xmlFreeDoc(doc);
    return out;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

fs::path small_png(const fs::path& path) {
    vtkNew<vtkImageData> image;
    image->SetDimensions(5, 3, 1);
    image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
    auto* p = static_cast<unsigned char*>(image->GetScalarPointer());
    for (int i = 0; i < 5 * 3 * 3; ++i) p[i] = static_cast<unsigned char>(17 * i);
    vtkNew<vtkPNGWriter> w;
    w->SetInputData(image);
    w->SetFileName(path.c_str());
    w->Write();
    return path;
}

}  // namespace

TEST_CASE("html_escape and base64_encode follow their definitions", "[viz][report]") {
    CHECK(viz::html_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
    CHECK(viz::html_escape("plain 12.5 MPa") == "plain 12.5 MPa");
    CHECK(viz::html_escape(std::string("x\x01y", 3)) == "x&#65533;y");
    // RFC 4648 §10 test vectors.
    CHECK(viz::base64_encode("") == "");
    CHECK(viz::base64_encode("f") == "Zg==");
    CHECK(viz::base64_encode("fo") == "Zm8=");
    CHECK(viz::base64_encode("foo") == "Zm9v");
    CHECK(viz::base64_encode("foob") == "Zm9vYg==");
    CHECK(viz::base64_encode("fooba") == "Zm9vYmE=");
    CHECK(viz::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(viz::base64_encode(std::string("\xff\x00\xfe", 3)) == "/wD+");
}

TEST_CASE("HTML report: parses as HTML and as XML, self-contained, PNG embedded, text escaped", "[viz][report]") {
    const ScratchDir dir("report");
    const fs::path png = small_png(dir / "fig.png");
    const std::string hostile = "<script>alert('x')</script> & \"quoted\"";
    viz::HtmlReport r("Report <test>", {"pseudonym LS-0123456789ab", hostile});
    r.section("Values & units");
    r.key_values({{"p+ (MPa)", {"64.42", "64.424992"}}, {"note", hostile}});
    r.table({"a", "b"}, {{"1", "2"}, {"<b>", "&"}}, {viz::ReportStyle::warning, viz::ReportStyle::plain});
    r.list({{"first warning", viz::ReportStyle::warning}, {"ok line", viz::ReportStyle::ok}});
    r.preformatted("[source]\ntype = device  # a < b\n");
    r.figure(png, "Figure 1: p+ in the focal plane <MPa>");
    const std::string html = r.html();

    INFO(g_first_error);
    CHECK(parse_errors(html, false) == 0);  // libxml2 HTML parser: no error
    CHECK(parse_errors(html, true) == 0);   // libxml2 XML parser: well-formed

    // Nothing external, nothing active.
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    const auto srcs = attributes(html, "src");
    const auto hrefs = attributes(html, "href");
    REQUIRE(srcs.size() == 1);
    CHECK(hrefs.empty());
    for (const auto& s : srcs) CHECK(s.rfind("data:", 0) == 0);
    // The PNG is embedded byte for byte.
    CHECK(srcs[0] == "data:image/png;base64," + viz::base64_encode(read_bytes(png)));
    // Escaped text (and the exact value as the tooltip of the rounded one).
    CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;") != std::string::npos);
    CHECK(html.find("title=\"64.424992\"") != std::string::npos);
    CHECK(html.find("Figure 1: p+ in the focal plane &lt;MPa&gt;") != std::string::npos);
    CHECK(html.find("a &lt; b") != std::string::npos);
}

TEST_CASE("HTML report: written atomically; a figure that is not a PNG is refused by name", "[viz][report]") {
    const ScratchDir dir("report_write");
    viz::HtmlReport r("t");
    r.paragraph("x");
    r.write(dir / "report.html");
    CHECK(fs::exists(dir / "report.html"));
    CHECK_FALSE(fs::exists(dir / "report.html.partial"));
    CHECK(read_bytes(dir / "report.html") == r.html());

    std::ofstream(dir / "fake.png") << "not a png";
    try {
        r.figure(dir / "fake.png", "c");
        FAIL("expected an exception");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("fake.png") != std::string::npos);
        CHECK(std::string(e.what()).find("not a PNG") != std::string::npos);
    }
    CHECK_THROWS_AS(r.figure(dir / "missing.png", "c"), std::runtime_error);
    CHECK_THROWS_AS(r.table({"a"}, {{"1"}, {"2"}}, {viz::ReportStyle::ok}), std::invalid_argument);
}

TEST_CASE("PDF printing is skipped with one line when no tool is installed", "[viz][report]") {
    const ScratchDir dir("report_pdf");
    viz::HtmlReport r("t");
    r.write(dir / "report.html");
    const char* old_path = std::getenv("PATH");
    const std::string saved = old_path ? old_path : "";
    setenv("PATH", dir.path().c_str(), 1);  // a PATH with neither chromium nor wkhtmltopdf
    std::string message;
    const bool ok = viz::print_html_to_pdf(dir / "report.html", dir / "report.pdf", message);
    setenv("PATH", saved.c_str(), 1);
    CHECK_FALSE(ok);
    CHECK(message.find("skipped") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    CHECK_FALSE(fs::exists(dir / "report.pdf"));
}

TEST_CASE("a long table is shown short, the whole table folded in details; short tables stay whole", "[viz][report]") {
    std::vector<std::vector<viz::ReportCell>> rows;
    std::vector<viz::ReportStyle> styles;
    for (int i = 0; i < 40; ++i) {
        rows.push_back({"row" + std::to_string(i) + "x", std::to_string(i)});
        styles.push_back(i == 23 ? viz::ReportStyle::failure : viz::ReportStyle::plain);
    }
    viz::HtmlReport r("t");
    r.section("long");
    r.table({"name", "value"}, rows, styles);
    const std::string html = r.html();
    INFO(g_first_error);
    CHECK(parse_errors(html, false) == 0);
    CHECK(parse_errors(html, true) == 0);
    const auto details = html.find("<details><summary>Full table (40 rows)</summary>");
    REQUIRE(details != std::string::npos);
    CHECK(html.find("</details>", details) != std::string::npos);
    const std::string short_part = html.substr(0, details), folded = html.substr(details);
    // Folded: every row once. Short: the first, every 5th (ceil(39 / 9)), the last and the highlighted row.
    for (int i = 0; i < 40; ++i) {
        const std::string cell = ">row" + std::to_string(i) + "x<";
        INFO(cell);
        CHECK(folded.find(cell) != std::string::npos);
        const bool shown = i % 5 == 0 || i == 39 || i == 23;
        CHECK((short_part.find(cell) != std::string::npos) == shown);
    }
    CHECK(short_part.find("10 of 40 rows (the first, every 5th and the last)") != std::string::npos);
    CHECK(short_part.find("<tr class=\"failure\"><td>row23x</td>") != std::string::npos);

    // The caller's key rows instead of the sample.
    viz::HtmlReport k("t");
    k.table({"name", "value"}, rows, {}, {3, 7});
    const std::string kh = k.html();
    const std::string k_short = kh.substr(0, kh.find("<details>"));
    CHECK(k_short.find(">row3x<") != std::string::npos);
    CHECK(k_short.find(">row7x<") != std::string::npos);
    CHECK(k_short.find(">row0x<") == std::string::npos);
    CHECK(k_short.find("2 of 40 rows; the full table is folded below it") != std::string::npos);

    // Up to kFoldRows rows: one table, nothing folded.
    viz::HtmlReport s("t");
    rows.resize(viz::kFoldRows);
    s.table({"name", "value"}, rows);
    CHECK(s.html().find("<details>") == std::string::npos);
    CHECK(s.html().find(">row14x<") != std::string::npos);
    // Printed, a folded table says it is not printed (print style sheet).
    CHECK(html.find("details:not([open]) > summary::after") != std::string::npos);
}

TEST_CASE("report labels: words, units as written, the frame of every position; numbers to 3 figures",
          "[viz][report]") {
    CHECK(viz::report_label("centroid_mm") == "Centroid (patient LPS, mm)");
    CHECK(viz::report_label("focus_mm") == "Focus (beam frame, mm)");
    CHECK(viz::report_label("E12mm_mJ") == "Energy in 12 mm disc (mJ)");
    CHECK(viz::report_label("efd_target_mJ_per_mm2") == "EFD at the target (mJ/mm\u00B2)");
    CHECK(viz::report_label("p_plus_MPa") == "Peak positive pressure p+ (MPa)");
    CHECK(viz::report_label("shocks") == "Shocks");
    // A qualified row wins under its parent only.
    CHECK(viz::report_label("model", "success") == "Outcome model");
    CHECK(viz::report_label("model") == "Model file");
    CHECK(viz::report_label_with_unit("setting", "level", "sessions") == "Setting (level)");
    // A key without a row is shown, marked.
    CHECK(viz::report_label("not_a_key_mm") == "not_a_key_mm (no label)");
    // Every row: words (no JSON key spelling), units written out, positions with their frame.
    for (const auto& k : viz::report_keys()) {
        INFO(k.key);
        REQUIRE(viz::find_report_key(k.key) == &k);  // one row per key
        const std::string label = viz::report_label(k.key);
        CHECK(label.find("_per_") == std::string::npos);
        CHECK(label.find("mm2") == std::string::npos);
        CHECK(label.find("mm3") == std::string::npos);
        CHECK(label.find("^") == std::string::npos);
        CHECK(std::string(k.label).find('_') == std::string::npos);
        const std::string key = k.key;
        const bool position = key == "centroid_mm" || key == "focus_mm" || key == "focal_plane_z_mm" || key == "z_mm";
        CHECK(position == (k.frame != viz::ReportFrame::none));
    }
    // Numbers: about 3 significant figures, integral values whole, no "e+05".
    CHECK(viz::format_number(23.456) == "23.5");
    CHECK(viz::format_number(-12.407) == "-12.4");
    CHECK(viz::format_number(0.135) == "0.135");
    CHECK(viz::format_number(0.0012345) == "0.00123");
    CHECK(viz::format_number(10.0) == "10");
    CHECK(viz::format_number(0.0) == "0");
    CHECK(viz::format_number(199.272344384999) == "199");
    CHECK(viz::format_number(999.7) == "1000");
    CHECK(viz::format_number(127345.6) == "127346");
    CHECK(viz::format_number(141020617.36984125) == "1.41 \u00D7 10\u2078");
    CHECK(viz::format_number(1.5e-6) == "1.5 \u00D7 10\u207B\u2076");
}
