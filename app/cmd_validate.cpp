// `lithosim validate [--case NAME ...] [--full] [--json FILE] [--list]`: runs the named validation cases
// (validation/cases.hpp), prints the table case | quantity | simulated | reference | error | tolerance | PASS/FAIL
// and exits 0 only if every row passes (1 if any fails, 2 for bad input such as an unknown case name).
//
// --json FILE layout:
//   {"version", "git_commit", "full": bool, "threads": int, "all_pass": bool, "passed": int, "failed": int,
//    "rows": [{"case", "quantity", "unit", "simulated", "reference", "error", "tolerance", "pass"}]}
// (error and tolerance are in "unit"; see validation/cases.hpp for the row semantics).
#include <omp.h>

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"
#include "io/json_file.hpp"
#include "lithosim/build_info.hpp"
#include "validation/cases.hpp"
#include "io/schema.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lithosim::app {

namespace {

po::options_description validate_options() {
    po::options_description o("Options of lithosim validate", help_width(), help_width() / 2);
    o.add_options()
        ("case", po::value<std::vector<std::string>>()->value_name("NAME")->composing(),
         "run this case (repeatable; names as listed by --list). Default: every case.")
        ("full", po::bool_switch(), "run the full variants (finer grids, longer domains; minutes per case). "
                                    "Default: off (the fast variants ctest runs).")
        ("json", po::value<std::string>()->value_name("FILE"),
         "also write the table to FILE as JSON (its directory must exist). Default: none.")
        ("list", po::bool_switch(), "list the cases with a one-line description and exit. Default: off.")
        ("threads", po::value<std::string>()->value_name("N"),
         "OpenMP threads, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.")
        ("quiet", po::bool_switch(), "no log lines and no progress, only the table. Default: off.")
        ("help,h", "print this help.");
    return o;
}

nlohmann::json rows_json(const std::vector<validation::Row>& rows, bool full) {
    nlohmann::json j;
    j[io::schema::key] = io::schema::validate_json;
    j["version"] = build::version;
    j["git_commit"] = build::git_commit;
    j["full"] = full;
    j["threads"] = omp_get_max_threads();
    int passed = 0;
    j["rows"] = nlohmann::json::array();
    for (const auto& r : rows) {
        passed += r.pass ? 1 : 0;
        j["rows"].push_back({{"case", r.case_name}, {"quantity", r.quantity}, {"unit", r.unit},
                             {"simulated", r.simulated}, {"reference", r.reference}, {"error", r.error},
                             {"tolerance", r.tolerance}, {"pass", r.pass}});
    }
    j["passed"] = passed;
    j["failed"] = int(rows.size()) - passed;
    j["all_pass"] = passed == int(rows.size());
    return j;
}

}  // namespace

int cmd_validate(const Args& args) {
    const po::options_description options = validate_options();
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    const auto cases = validation::list_cases();
    if (vm.count("help")) {
        std::cout << "usage: lithosim validate [--case NAME ...] [--full] [--json FILE] [--list]\n"
                     "Runs validation cases against analytic references and prints case, quantity, simulated, "
                     "reference, error, tolerance and PASS/FAIL.\nExit codes: 0 every row passes, 1 a row fails or a "
                     "stage failed, 2 bad input.\n\n"
                  << options << "\nCases:\n";
        for (const auto& c : cases) std::cout << "  " << pad_right(c.name, 22) << c.description << "\n";
        return kExitOk;
    }
    if (vm["list"].as<bool>()) {
        for (const auto& c : cases) std::cout << pad_right(c.name, 22) << c.description << "\n";
        return kExitOk;
    }
    const bool full = vm["full"].as<bool>();
    const bool quiet = vm["quiet"].as<bool>();
    if (vm.count("threads"))
        apply_threads((long long)numeric_option("threads", vm["threads"].as<std::string>(), true, 1, 4096));

    // Every name and the JSON destination are checked before anything runs.
    std::vector<std::string> names;
    if (vm.count("case")) {
        for (const auto& given : vm["case"].as<std::vector<std::string>>()) {
            bool known = false;
            for (const auto& c : cases) known = known || c.name == given;
            if (!known) {
                std::vector<std::string> accepted;
                for (const auto& c : cases) accepted.push_back(c.name);
                throw InputError("--case '" + given + "' is not a validation case; accepted: " + join(accepted, ", "));
            }
            names.push_back(given);
        }
    } else {
        for (const auto& c : cases) names.push_back(c.name);
    }
    fs::path json_path;
    if (vm.count("json")) {
        json_path = vm["json"].as<std::string>();
        const fs::path dir = fs::absolute(json_path).parent_path();
        if (!fs::is_directory(dir))
            throw InputError("--json '" + json_path.string() + "': the directory " + dir.string() +
                             " does not exist; accepted: a file path in an existing directory");
    }

    ProgressReporter progress(ProgressReporter::choose_mode(quiet, stderr), stderr);
    RunHooks hooks;
    hooks.log = [quiet](const std::string& line) {
        if (!quiet) std::cout << line << std::endl;
    };
    hooks.progress = [&progress](long long step, long long total, double elapsed) { progress(step, total, elapsed); };

    std::vector<validation::Row> rows;
    for (const auto& name : names) {
        if (!quiet) std::cout << "== " << name << (full ? " (full)" : " (fast)") << std::endl;
        const auto t0 = std::chrono::steady_clock::now();
        const auto case_rows = run_stage("validate", [&] { return validation::run_case(name, full, hooks); });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        int passed = 0;
        for (const auto& r : case_rows) passed += r.pass ? 1 : 0;
        if (!quiet)
            std::printf("== %s: %d of %zu rows pass (%.1f s)\n", name.c_str(), passed, case_rows.size(), seconds);
        std::fflush(stdout);
        rows.insert(rows.end(), case_rows.begin(), case_rows.end());
    }

    std::cout << "\n" << validation::format_rows(rows);
    const nlohmann::json j = rows_json(rows, full);
    std::cout << j["passed"].get<int>() << " of " << rows.size() << " rows pass"
              << (j["all_pass"].get<bool>() ? "" : "; FAILED") << "\n";
    if (!json_path.empty()) run_stage("write results", [&] { io::write_json_atomic(json_path, j); });
    return j["all_pass"].get<bool>() ? kExitOk : kExitFailure;
}

}  // namespace lithosim::app
