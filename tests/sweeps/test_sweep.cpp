// Unit tests of the sweep file, its ranges, the grid and Latin hypercube designs and the table (sweeps/sweep.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "sweeps/sweep.hpp"
#include "core/text.hpp"
#include "core/errors.hpp"

using namespace lithosim;
namespace fs = std::filesystem;

namespace {

SweepKey key(const std::string& name, const std::string& text) { return {name, text, parse_sweep_values(name, text)}; }

double number(const std::string& s) {
    double x = 0;
    REQUIRE(parse_real(s, x));
    return x;
}

}  // namespace

TEST_CASE("sweep ranges are start:stop:count with both ends included, evenly spaced", "[sweeps][sweep]") {
    const SweepValues v = parse_sweep_values("source.p0_MPa", "5:40:8");
    REQUIRE(v.is_range);
    const auto levels = v.levels();
    REQUIRE(levels.size() == 8);
    for (std::size_t i = 0; i < levels.size(); ++i) CHECK(number(levels[i]) == Approx(5 + 5.0 * double(i)));
    CHECK(levels.front() == "5");
    CHECK(levels.back() == "40");
    // a descending range and a single value
    CHECK(parse_sweep_values("k.x", "1:0:3").levels() == std::vector<std::string>{"1", "0.5", "0"});
    CHECK(parse_sweep_values("k.x", "2.5:7:1").levels() == std::vector<std::string>{"2.5"});
}

TEST_CASE("sweep lists split at commas, or at '|' when the items hold commas", "[sweeps][sweep]") {
    CHECK(parse_sweep_values("medium.BonA", "3.5, 5,7").levels() == std::vector<std::string>{"3.5", "5", "7"});
    CHECK(parse_sweep_values("source.device", "hm3,em_lens").levels() ==
          std::vector<std::string>{"hm3", "em_lens"});
    CHECK(parse_sweep_values("grid.size_mm", "10,20 | 12,24").levels() ==
          std::vector<std::string>{"10,20", "12,24"});
}

TEST_CASE("malformed or empty sweep values are bad input naming the key and the text", "[sweeps][sweep]") {
    for (const char* bad : {"5:40", "5:40:0", "a:b:c", "", "5:40:2.5", "5:40:-1", "1,,2", "5:5:3", "1:2:3:4"}) {
        INFO(bad);
        try {
            parse_sweep_values("source.p0_MPa", bad);
            FAIL("accepted");
        } catch (const lithosim::InputError& e) {
            CHECK(std::string(e.what()).find("source.p0_MPa") != std::string::npos);
        }
    }
}

TEST_CASE("the grid design is the full factorial, the first key varying slowest", "[sweeps][sweep]") {
    const std::vector<SweepKey> keys{key("a.x", "1,2"), key("b.y", "p,q,r")};
    const auto rows = grid_design(keys);
    REQUIRE(rows.size() == 6);
    std::set<std::vector<std::string>> distinct(rows.begin(), rows.end());
    CHECK(distinct.size() == 6);
    CHECK(rows[0] == std::vector<std::string>{"1", "p"});
    CHECK(rows[1] == std::vector<std::string>{"1", "q"});
    CHECK(rows[3] == std::vector<std::string>{"2", "p"});
    CHECK(rows[5] == std::vector<std::string>{"2", "r"});
}

TEST_CASE("the Latin hypercube puts each key's values once in each of its N strata, reproducibly", "[sweeps][sweep]") {
    const std::vector<SweepKey> keys{key("source.p0_MPa", "5:40:3"), key("medium.BonA", "2:10:2"),
                                     key("source.device", "hm3,em_lens,piezo_cap")};
    const long long n = 12;
    const auto rows = lhs_design(keys, n, 7);
    REQUIRE(rows.size() == std::size_t(n));
    for (std::size_t k = 0; k < 2; ++k) {
        const double start = keys[k].values.start, stop = keys[k].values.stop;
        std::set<long long> strata;
        for (const auto& r : rows) {
            const double x = number(r[k]);
            CHECK(x >= start);
            CHECK(x <= stop);
            strata.insert((long long)std::floor((x - start) / (stop - start) * double(n)));
        }
        CHECK(strata.size() == std::size_t(n));  // every stratum 0..N-1 exactly once
        CHECK(*strata.begin() == 0);
        CHECK(*strata.rbegin() == n - 1);
    }
    // a list of 3 over 12 samples: each item 4 times
    std::map<std::string, int> count;
    for (const auto& r : rows) ++count[r[2]];
    CHECK(count == std::map<std::string, int>{{"em_lens", 4}, {"hm3", 4}, {"piezo_cap", 4}});
    // same seed, same design; another seed, another design
    CHECK(lhs_design(keys, n, 7) == rows);
    CHECK(lhs_design(keys, n, 8) != rows);
    // integer keys are rounded
    const auto ints = lhs_design({key("grid.pml_cells", "8:20:2")}, 5, 1, {true});
    for (const auto& r : ints) {
        long long i = 0;
        CHECK(parse_integer(r[0], i));
    }
}

TEST_CASE("a sweep file names its base case, mode and keys, and bad ones are one-line input errors", "[sweeps][sweep]") {
    const fs::path dir = fs::temp_directory_path();
    const SweepConfig c = parse_sweep("[sweep]\nbase = default  # the embedded case\nmode = lhs\nsamples = 4\n"
                                      "seed = 3\nsource.p0_MPa = 5:40:8\nmedium.BonA = 3.5,5,7\n",
                                      "s.ini", dir);
    CHECK(c.command == SweepCommand::Simulate);
    CHECK(c.mode == SweepMode::Lhs);
    CHECK(c.samples == 4);
    CHECK(c.seed == 3);
    REQUIRE(c.keys.size() == 2);
    CHECK(c.keys[1].name == "medium.BonA");
    const auto cases = expand_cases(c);
    REQUIRE(cases.size() == 4);
    CHECK(cases[0].id == "0000");
    CHECK(cases[3].id == "0003");
    CHECK_NOTHROW(check_cases(c, cases));
    CHECK(sweep_identity(c, cases) == sweep_identity(c, expand_cases(c)));
    const auto args = case_arguments(c, cases[0], dir / "x");
    CHECK(args[0] == "simulate");
    CHECK(std::find(args.begin(), args.end(), "source.p0_MPa=" + cases[0].values[0]) != args.end());

    const std::string head = "[sweep]\nbase = default\n";
    const std::pair<std::string, std::string> bad[] = {
        {head + "source.p0_MPx = 1,2\n", "not a case key"},
        {head + "sauce.p0_MPa = 1,2\n", "not a case key"},
        {head + "source.p0_MPa = 5:40\n", "malformed range"},
        {head + "mode = lhs\nsamples = 0\nsource.p0_MPa = 5:40:3\n", "samples"},
        {head + "mode = random\nsource.p0_MPa = 5:40:3\n", "mode"},
        {head + "source.p0_MPa =\n", "no values"},
        {"[sweep]\nsource.p0_MPa = 1,2\n", "base"},
        {head + "[grid]\ndx_mm = 1\n", "unknown section"},
        {head, "sweeps no key"},
    };
    for (const auto& [text, what] : bad) {
        INFO(text);
        try {
            parse_sweep(text, "s.ini", dir);
            FAIL("accepted");
        } catch (const lithosim::InputError& e) {
            CHECK(std::string(e.what()).find(what) != std::string::npos);
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("every swept value is checked against its key before anything runs", "[sweeps][sweep]") {
    const fs::path dir = fs::temp_directory_path();
    auto check = [&](const std::string& sweep) {
        const SweepConfig c = parse_sweep(sweep, "s.ini", dir);
        check_cases(c, expand_cases(c));
    };
    CHECK_NOTHROW(check("[sweep]\nbase = default\nsource.p0_MPa = 5:40:8\n"));
    CHECK_THROWS_AS(check("[sweep]\nbase = default\nsource.p0_MPa = 1:2:2000\nsource.f0_MHz = 1:2:1000\n"),
                    lithosim::InputError);  // 2 million cases
    CHECK_THROWS_AS(check("[sweep]\nbase = default\nsource.p0_MPa = 500:5000:3\n"), lithosim::InputError);
    CHECK_THROWS_AS(check("[sweep]\nbase = default\nsource.waveform = toneburst,sawtooth\n"), lithosim::InputError);
    CHECK_NOTHROW(check("[sweep]\nbase = default\ngrid.pml_cells = 10:20:3\n"));  // 10, 15, 20
    CHECK_THROWS_AS(check("[sweep]\nbase = default\ngrid.pml_cells = 10:21:3\n"), lithosim::InputError);  // 15.5
    // plan sweeps: options checked as lithosim plan checks them
    CHECK_NOTHROW(check("[sweep]\ncommand = plan\nplan.efd-mJ-per-mm2 = 0.05:0.2:4\n[plan]\nindication = tendon\n"
                        "phantom = shoulder\n"));
    CHECK_THROWS_AS(check("[sweep]\ncommand = plan\nplan.efd-mJ-per-mm2 = 0.05:0.9:4\n[plan]\nindication = "
                          "tendon\n"),
                    lithosim::InputError);
    CHECK_THROWS_AS(check("[sweep]\ncommand = plan\nplan.out = a,b\n[plan]\nindication = tendon\n"),
                    lithosim::InputError);
}

TEST_CASE("metrics flatten nested keys with '.', leaving out text and run-dependent figures", "[sweeps][sweep]") {
    const auto j = nlohmann::json::parse(
        R"({"p_plus_MPa": 12.5, "focus_mm": [0, 0, 61.5], "focal_zone_6dB_mm": {"x": 8, "z": 38},
            "runtime_s": 3.2, "threads": 2, "phase_seconds": {"pml": 1}, "version": "1.0", "warnings": ["w"],
            "focal_plane_z_mm": null, "nonlinear": true})");
    const auto m = flatten_metrics(j);
    CHECK(m.at("p_plus_MPa") == 12.5);
    CHECK(m.at("focus_mm.2") == 61.5);
    CHECK(m.at("focal_zone_6dB_mm.z") == 38);
    CHECK(std::isnan(m.at("focal_plane_z_mm")));
    CHECK(m.count("runtime_s") == 0);
    CHECK(m.count("threads") == 0);
    CHECK(m.count("phase_seconds.pml") == 0);
    CHECK(m.count("version") == 0);
    CHECK(m.count("nonlinear") == 0);
    CHECK(m.size() == 7);  // p_plus, focus_mm.0-2, focal_zone x and z, focal_plane_z_mm
}

TEST_CASE("the table has one row per case in case order and exit codes count failures", "[sweeps][sweep]") {
    const SweepConfig c =
        parse_sweep("[sweep]\nbase = default\nsource.p0_MPa = 1,2\nsource.waveform = toneburst,gaussian\n", "s.ini",
                    fs::temp_directory_path());
    const auto cases = expand_cases(c);
    REQUIRE(cases.size() == 4);
    std::vector<std::optional<CaseRecord>> records(4);
    CaseRecord ok;
    ok.id = cases[1].id;
    ok.ok = true;
    ok.values = cases[1].values;
    ok.metrics = {{"p_plus_MPa", 3.0}, {"b", 1.0}, {"curve.10.x", 5.0}, {"curve.2.x", 6.0}};
    ok.run_time_s = 0.5;
    records[1] = CaseRecord::from_json(ok.to_json());  // the record survives its file form
    CaseRecord bad = ok;
    bad.id = cases[2].id;
    bad.ok = false;
    bad.error = "simulate failed: diverged";
    bad.metrics.clear();
    records[2] = bad;
    const SweepTable t = build_table(c, cases, records, "abc");
    REQUIRE(t.rows() == 4);
    REQUIRE(t.parameters.size() == 2);
    CHECK(t.parameters[0].numeric);
    CHECK(!t.parameters[1].numeric);
    CHECK(t.parameters[1].texts[1] == "gaussian");
    REQUIRE(t.metrics.size() == 4);
    CHECK(t.metrics[0].name == "b");  // sorted by name, numbers in names by value
    CHECK(t.metrics[1].name == "curve.2.x");
    CHECK(t.metrics[2].name == "curve.10.x");
    CHECK(t.metrics[3].numbers[1] == 3.0);
    CHECK(std::isnan(t.metrics[3].numbers[2]));
    CHECK(t.status == std::vector<std::string>{"failed", "ok", "failed", "failed"});
    CHECK(t.error[2] == "simulate failed: diverged");
    CHECK(t.error[0] == "not run");
    CHECK(lithosim::io::sweep_csv_header(t) ==
          "case,source.p0_MPa,source.waveform,b,curve.2.x,curve.10.x,p_plus_MPa,status,error,run_time_s");
    CHECK(sweep_exit_code(0) == 0);
    CHECK(sweep_exit_code(1) == 101);
    CHECK(sweep_exit_code(100) == 200);
    CHECK(sweep_exit_code(5000) == 200);
}

TEST_CASE("the sweep table reads back from sweep.h5 as written, and the CSV quotes what needs it", "[sweeps][sweep]") {
    lithosim::io::SweepTable t;
    t.identity = "0123456789abcdef";
    t.case_ids = {"0000", "0001"};
    t.parameters = {{"source.p0_MPa", true, {5, 40}, {}}, {"source.device", false, {}, {"hm3", "em_lens"}}};
    t.metrics = {{"focus_mm.2", true, {61.5, NAN}, {}}, {"p_plus_MPa", true, {12.25, NAN}, {}}};
    t.status = {"ok", "failed"};
    t.error = {"", "simulate failed: NaN at step 7, cell (1, 2, 3)"};
    t.run_time_s = {1.5, 0.25};
    const fs::path dir = fs::temp_directory_path() / ("lithosim_test_sweep_table_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    lithosim::io::write_sweep_h5(dir / "sweep.h5", t);
    lithosim::io::write_sweep_csv(dir / "sweep.csv", t);
    const auto r = lithosim::io::read_sweep_h5(dir / "sweep.h5");
    CHECK(r.identity == t.identity);
    CHECK(r.case_ids == t.case_ids);
    REQUIRE(r.parameters.size() == 2);
    CHECK(r.parameters[0].numbers == t.parameters[0].numbers);
    CHECK(!r.parameters[1].numeric);
    CHECK(r.parameters[1].texts == t.parameters[1].texts);
    REQUIRE(r.metrics.size() == 2);
    CHECK(r.metrics[1].name == "p_plus_MPa");
    CHECK(r.metrics[1].numbers[0] == 12.25);
    CHECK(std::isnan(r.metrics[1].numbers[1]));
    CHECK(r.status == t.status);
    CHECK(r.error == t.error);
    CHECK(r.run_time_s == t.run_time_s);
    std::ifstream f(dir / "sweep.csv");
    std::string header, row0, row1;
    std::getline(f, header);
    std::getline(f, row0);
    std::getline(f, row1);
    CHECK(header == "case,source.p0_MPa,source.device,focus_mm.2,p_plus_MPa,status,error,run_time_s");
    CHECK(row0 == "0000,5,hm3,61.5,12.25,ok,,1.5");
    CHECK(row1 == "0001,40,em_lens,,,failed,\"simulate failed: NaN at step 7, cell (1, 2, 3)\",0.25");
    fs::remove_all(dir);
}
