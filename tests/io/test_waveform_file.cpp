#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "io/waveform_file.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::io::read_waveform_file;
using lithosim::test::ScratchDir;
namespace fs = std::filesystem;

namespace {
fs::path write_text(const ScratchDir& dir, const std::string& name, const std::string& text) {
    const fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

/// The std::invalid_argument message of reading `p`; also checks that it is a single line naming the file.
std::string error_reading(const fs::path& p) {
    std::string msg;
    try {
        read_waveform_file(p);
    } catch (const std::invalid_argument& e) {
        msg = e.what();
    }
    REQUIRE_FALSE(msg.empty());
    CHECK(msg.find('\n') == std::string::npos);
    CHECK_THAT(msg, Catch::Contains("waveform file '" + p.string() + "'"));
    return msg;
}
}  // namespace

TEST_CASE("waveform file: comments, blank lines, commas, tabs and CRLF are read and converted to SI", "[io]") {
    const ScratchDir dir("waveform_good");
    const fs::path p = write_text(dir, "pulse.txt",
                                  "# measured at the focus\r\n"
                                  "# t_us, p_MPa\r\n"
                                  "\r\n"
                                  "0.0, 0.0\r\n"
                                  "  0.5\t35.2\r\n"
                                  "1 ,-8.1\r\n"
                                  "   # a comment after data\r\n"
                                  "2.5e0 +1.5e-1\r\n"
                                  "3,0");
    const lithosim::io::WaveformSamples w = read_waveform_file(p);
    REQUIRE(w.t_s.size() == 5);
    REQUIRE(w.p_Pa.size() == 5);
    const double t_expected[] = {0.0, 0.5e-6, 1e-6, 2.5e-6, 3e-6};
    const double p_expected[] = {0.0, 35.2e6, -8.1e6, 0.15e6, 0.0};
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(w.t_s[i] == Approx(t_expected[i]).margin(1e-18));
        CHECK(w.p_Pa[i] == Approx(p_expected[i]).margin(1e-9));
    }
}

TEST_CASE("waveform file: a bad row names the file, the line and the text", "[io]") {
    const ScratchDir dir("waveform_bad_row");
    const auto [row, expected] = GENERATE(table<std::string, std::string>({
        {"abc 1.0", "line 3: 'abc 1.0' is not two numbers 't_us p_MPa' separated by whitespace or a comma"},
        {"1.5", "line 3: '1.5' is not two numbers"},
        {"1 2 3", "line 3: '1 2 3' is not two numbers"},
        {"1,,2", "line 3: '1,,2' is not two numbers"},
        {"1, 2,", "line 3: '1, 2,' is not two numbers"},
        {"1 2MPa", "line 3: '1 2MPa' is not two numbers"},
        {"2 nan", "line 3: '2 nan' has a non-finite value"},
        {"inf 1", "line 3: 'inf 1' has a non-finite value"},
    }));
    const fs::path p = write_text(dir, "bad.txt", "# t_us p_MPa\n0 0\n" + row + "\n4 1\n");
    const std::string msg = error_reading(p);
    CHECK_THAT(msg, Catch::StartsWith("waveform file '" + p.string() + "' " + expected));
}

TEST_CASE("waveform file: times must strictly increase, and the error names both lines", "[io]") {
    const ScratchDir dir("waveform_order");
    const std::string repeated = GENERATE(std::string("1.0 3"), std::string("0.5 3"));
    const fs::path p = write_text(dir, "order.txt", "0 0\n\n1.0 2\n" + repeated + "\n");
    const std::string msg = error_reading(p);
    CHECK_THAT(msg, Catch::Contains("line 4: '" + repeated + "'"));
    CHECK_THAT(msg, Catch::Contains("is not after 1 us on line 3; times must strictly increase"));
}

TEST_CASE("waveform file: fewer than two samples is rejected", "[io]") {
    const ScratchDir dir("waveform_short");
    const auto [text, rows] = GENERATE(table<std::string, std::string>({
        {"", "0 sample rows"},
        {"# only a comment\n\n", "0 sample rows"},
        {"# one sample\n0 1\n", "1 sample row"},
    }));
    const fs::path p = write_text(dir, "short.txt", text);
    CHECK_THAT(error_reading(p), Catch::Contains("has " + rows + "; at least 2 rows of two numbers"));
}

TEST_CASE("waveform file: missing file or directory", "[io]") {
    const ScratchDir dir("waveform_missing");
    const fs::path missing = dir / "x.txt";
    CHECK(error_reading(missing) == "cannot open waveform file '" + missing.string() + "': No such file or directory");
    CHECK(error_reading(dir.path()) == "cannot open waveform file '" + dir.path().string() + "': Is a directory");
}
