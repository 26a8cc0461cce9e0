// The HTML report builder: the document parses with libxml2's HTML parser with no error and is well-formed XML
// (libxml2's XML parser, no error); it links nothing outside itself (no http(s)://, every src/href a data: URI, no
// script), embeds the given PNG byte for byte, escapes every text, and is written atomically.
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

using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
namespace viz = lithosim::viz;

namespace {

int g_errors = 0;
std::string g_first_error;
void count_error(void*, xmlErrorPtr e) {
    if (e->level < XML_ERR_ERROR) return;  // warnings are not counted
    if (g_errors++ == 0) g_first_error = e->message ? e->message : "?";
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
