#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include "io/json_file.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::test::ScratchDir;
namespace fs = std::filesystem;

namespace {
std::string file_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string error_of(const auto& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    FAIL("expected std::runtime_error");
    return {};
}
}  // namespace

TEST_CASE("JSON is written pretty with 2 spaces and a trailing newline, and reads back equal", "[io]") {
    const ScratchDir dir("json_roundtrip");
    const fs::path file = dir / "summary.json";
    const nlohmann::json value = {{"efd_mJ_per_mm2", 0.25}, {"points", {1, 2}}, {"name", "focus"}};
    lithosim::io::write_json_atomic(file, value);

    CHECK(file_text(file) ==
          "{\n  \"efd_mJ_per_mm2\": 0.25,\n  \"name\": \"focus\",\n  \"points\": [\n    1,\n    2\n  ]\n}\n");
    CHECK_FALSE(fs::exists(dir / "summary.json.partial"));
    const nlohmann::json back = lithosim::io::read_json(file);
    CHECK(back == value);
    CHECK(back["efd_mJ_per_mm2"].get<double>() == 0.25);
}

TEST_CASE("writing JSON over an existing file replaces it", "[io]") {
    const ScratchDir dir("json_replace");
    const fs::path file = dir / "plan.json";
    lithosim::io::write_json_atomic(file, {{"step", 1}});
    lithosim::io::write_json_atomic(file, {{"step", 2}});
    CHECK(lithosim::io::read_json(file)["step"].get<int>() == 2);
}

TEST_CASE("failed JSON writes throw naming the file and leave nothing behind", "[io]") {
    const ScratchDir dir("json_fail");
    SECTION("missing directory") {
        const fs::path file = dir / "missing" / "out.json";
        const std::string msg = error_of([&] { lithosim::io::write_json_atomic(file, {{"a", 1}}); });
        CHECK_THAT(msg, Catch::Contains(file.string()) && Catch::Contains("No such file or directory"));
        CHECK_FALSE(fs::exists(dir / "missing"));
    }
    SECTION("value that is not valid UTF-8") {
        const fs::path file = dir / "bad.json";
        const std::string msg = error_of([&] { lithosim::io::write_json_atomic(file, {{"a", "\xff\xfe"}}); });
        CHECK_THAT(msg, Catch::Contains(file.string()) && Catch::Contains("UTF-8"));
        CHECK_FALSE(fs::exists(file));
        CHECK_FALSE(fs::exists(dir / "bad.json.partial"));
    }
}

TEST_CASE("reading JSON names the file on every error", "[io]") {
    const ScratchDir dir("json_read");
    SECTION("missing file") {
        const fs::path file = dir / "nothing.json";
        CHECK(error_of([&] { lithosim::io::read_json(file); }) ==
              "cannot open JSON file '" + file.string() + "': No such file or directory");
    }
    SECTION("syntax error") {
        const fs::path file = dir / "broken.json";
        std::ofstream(file) << "{\n  \"a\": 1,\n  \"b\": \n}\n";
        const std::string msg = error_of([&] { lithosim::io::read_json(file); });
        CHECK_THAT(msg, Catch::StartsWith("cannot parse JSON file '" + file.string() + "'"));
        CHECK_THAT(msg, Catch::Contains("line 4"));
    }
}
