// Checks shared by the CLI tests: bad input as the user meets it, and running a case file through simulate.
// Catch2 assertions inside, so include after catch.hpp.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

namespace lithosim::test {

/// Bad input: exit code 2, exactly one line on stderr that starts with "lithosim: error:" and contains every
/// `expected` text, no crash, and no result file in `out`.
/// Checks each condition (so a failure says which) and returns whether all held, for the caller's CHECK.
inline bool expect_bad_input(const CliResult& r, const std::vector<std::string>& expected,
                             const std::filesystem::path& out) {
    INFO("stderr: " << r.err);
    INFO("stdout: " << r.out);
    bool ok = r.signal == 0 && r.exit_code == 2;
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    const auto lines = r.err_lines();
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::StartsWith("lithosim: error: "));
    ok = ok && lines[0].rfind("lithosim: error: ", 0) == 0;
    for (const auto& e : expected) {
        CHECK_THAT(lines[0], Catch::Contains(e));
        ok = ok && lines[0].find(e) != std::string::npos;
    }
    for (const char* name : {"summary.json", "result.h5", "case.ini", "report.html", "paraview", "figures"}) {
        CHECK_FALSE(std::filesystem::exists(out / name));
        ok = ok && !std::filesystem::exists(out / name);
    }
    return ok;
}

/// Writes `case_text` to case.ini in `dir` and runs simulate on it into dir/out with `extra` arguments.
inline CliResult simulate_case(const ScratchDir& dir, const std::string& case_text,
                               std::vector<std::string> extra = {}) {
    write_text(dir / "case.ini", case_text);
    std::vector<std::string> args{"simulate", "--config", "case.ini", "--out", "out", "--threads", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_lithosim(args, dir.path());
}

}  // namespace lithosim::test
