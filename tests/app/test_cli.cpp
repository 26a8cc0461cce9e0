// The lithosim executable as a user meets it: help, version, every class of bad input (exit 2, one line on stderr
// naming the key and value, no result files), and small 1D/2D cases run end to end. Small runs use --threads 1:
// ctest runs tests side by side, and a few thousand cells gain nothing from more threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <regex>

#include "cases/case_keys.hpp"
#include "core/text.hpp"
#include "io/json_file.hpp"
#include "io/result_file.hpp"
#include "lithosim/build_info.hpp"
#include "solver/waveform.hpp"
#include "tests/app/cli_checks.hpp"
#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::test::CliResult;
using lithosim::test::expect_bad_input;
using lithosim::test::simulate_case;
using lithosim::test::read_text;
using lithosim::test::run_lithosim;
using lithosim::test::ScratchDir;
using lithosim::test::write_text;
namespace fs = std::filesystem;

namespace {

/// A 1D linear plane wave: a 3-cycle 1 MHz tone burst of 1 MPa through 20 mm of water, recorded at z = 10 mm.
/// About 450 cells and 1200 steps: a fraction of a second.
const char* kCase1D = R"(# a small 1D case for the CLI tests
[grid]
dims = 1
dx_mm = 0.05
size_mm = 20
[time]
t_end_us = 12
[source]
type = plane
position_mm = 0,0,1
waveform = toneburst
f0_MHz = 1
cycles = 3
p0_MPa = 1
[sensor]
points_mm = 0,0,10
[solver]
nonlinear = false
)";

/// A 2D focused trough (bowl in 2D): 10 mm aperture, 10 mm focal length, a 2-cycle Gaussian pulse at 1 MHz.
const char* kCase2D = R"([grid]
dims = 2
dx_mm = 0.1
size_mm = 12,16
pml_cells = 10
[time]
t_end_us = 14
[source]
type = bowl
aperture_mm = 10
focal_length_mm = 10
position_mm = 0,0,1
waveform = gaussian
f0_MHz = 1
cycles = 2
p0_MPa = 0.5
[solver]
nonlinear = false
)";

/// Largest |s(t)| of the solver's tone burst (the source signal per unit p0), sampled finely over the burst.
double tone_burst_peak(double f0_Hz, double cycles) {
    lithosim::Waveform w;
    w.type = lithosim::WaveformType::ToneBurst;
    w.f0_Hz = f0_Hz;
    w.cycles = cycles;
    double peak = 0;
    for (int i = 0; i <= 100000; ++i) peak = std::max(peak, std::abs(w.shape(i * 1e-5 * cycles / f0_Hz)));
    return peak;
}

std::string replace(const std::string& text, const std::string& from, const std::string& to) {
    const auto pos = text.find(from);
    if (pos == std::string::npos) throw std::logic_error("test case text has no '" + from + "'");
    return text.substr(0, pos) + to + text.substr(pos + from.size());
}

bool expect_case_rejected(const std::string& case_text, const std::vector<std::string>& expected,
                          std::vector<std::string> extra = {}) {
    ScratchDir dir("cli_bad");
    return expect_bad_input(simulate_case(dir, case_text, std::move(extra)), expected, dir / "out");
}

}  // namespace

TEST_CASE("lithosim --help lists the subcommands", "[app][cli]") {
    ScratchDir dir("cli_help");
    const CliResult r = run_lithosim({"--help"}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    for (const char* cmd : {"simulate", "validate", "bench", "version"})
        CHECK_THAT(r.out, Catch::Contains(std::string("\n  ") + cmd));
}

TEST_CASE("lithosim simulate --help lists every option and every case key with its unit, default and range",
          "[app][cli]") {
    ScratchDir dir("cli_help_sim");
    const CliResult r = run_lithosim({"simulate", "--help"}, dir.path());
    CHECK(r.exit_code == 0);
    for (const char* opt : {"--config", "--out", "--threads", "--set", "--quiet", "--dry-run"})
        CHECK_THAT(r.out, Catch::Contains(opt));
    for (const auto& k : lithosim::case_keys()) {
        INFO(k.qualified());
        const std::string unit = k.unit.empty() ? "-" : k.unit;
        CHECK_THAT(r.out, Catch::Contains("  " + k.qualified() + "  [" + unit + "]  default: " + k.default_text() +
                                          "\n      accepted: " + k.accepted()));
    }
    // a few entries spelled out, so a wrong table shows up here too
    CHECK_THAT(r.out, Catch::Contains("grid.dx_mm  [mm]  default: required\n      accepted: > 0 (mm)"));
    CHECK_THAT(r.out, Catch::Contains("grid.pml_cells  [cells]  default: 20"));
    CHECK_THAT(r.out, Catch::Contains("solver.order  [-]  default: 4\n      accepted: 2|4"));
}

TEST_CASE("every subcommand's --help names each option's default", "[app][cli]") {
    ScratchDir dir("cli_help_cmds");
    for (const char* cmd : {"validate", "bench", "version"}) {
        INFO(cmd);
        const CliResult r = run_lithosim({cmd, "--help"}, dir.path());
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains(std::string("usage: lithosim ") + cmd));
    }
    const CliResult bench = run_lithosim({"bench", "--help"}, dir.path());
    CHECK_THAT(bench.out, Catch::Contains("Default: 256") && Catch::Contains("[48, 1024]"));
    const CliResult validate = run_lithosim({"validate", "--help"}, dir.path());
    CHECK_THAT(validate.out, Catch::Contains("oneil_bowl") && Catch::Contains("--full"));
}

TEST_CASE("lithosim version prints version, commit, compiler, OpenMP threads and libraries", "[app][cli]") {
    ScratchDir dir("cli_version");
    const CliResult r = run_lithosim({"version"}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith(std::string("lithosim ") + lithosim::build::version + "\n"));
    CHECK_THAT(r.out, Catch::Contains(lithosim::build::git_commit));
    CHECK_THAT(r.out, Catch::Contains(lithosim::build::compiler));
    CHECK(std::regex_search(r.out, std::regex("OpenMP +[0-9]+, max threads [1-9][0-9]*")));
    for (const char* lib : {"HDF5", "VTK", "Eigen", "Boost", "nlohmann-json", "MPI"})
        CHECK_THAT(r.out, Catch::Contains(lib));
}

TEST_CASE("bad command lines: exit 2 with one line", "[app][cli]") {
    ScratchDir dir("cli_bad_cmd");
    write_text(dir / "case.ini", kCase1D);
    const fs::path out = dir / "out";
    CHECK(expect_bad_input(run_lithosim({}, dir.path()), {"no command", "simulate, validate, bench, version"}, out));
    CHECK(expect_bad_input(run_lithosim({"frobnicate"}, dir.path()), {"'frobnicate'", "simulate, validate, bench, version"},
                     out));
    CHECK(expect_bad_input(run_lithosim({"simulate", "--out", "out"}, dir.path()), {"--config", "missing"}, out));
    CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "case.ini"}, dir.path()), {"--out", "missing"}, out));
    CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "case.ini", "--out", "out", "--threads", "0"}, dir.path()),
                     {"--threads", "0", "1 to 4096"}, out));
    CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "case.ini", "--out", "out", "--threads", "two"}, dir.path()),
                     {"--threads", "'two'"}, out));
    CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "case.ini", "--out", "out", "--speed", "9"}, dir.path()),
                     {"speed", "lithosim simulate --help"}, out));
    CHECK(expect_bad_input(run_lithosim({"validate", "--case", "no_such_case"}, dir.path()), {"'no_such_case'", "oneil_bowl"},
                     out));
    CHECK(expect_bad_input(run_lithosim({"bench", "--n", "8"}, dir.path()), {"--n", "8", "48 to 1024"}, out));
}

TEST_CASE("missing or unreadable case and waveform files: exit 2", "[app][cli]") {
    ScratchDir dir("cli_files");
    const fs::path out = dir / "out";
    CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "nowhere.ini", "--out", "out"}, dir.path()),
                     {"--config", "'nowhere.ini'", "no such file"}, out));
    fs::create_directories(dir / "a_directory.ini");
    CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "a_directory.ini", "--out", "out"}, dir.path()),
                     {"'a_directory.ini'", "not a regular file"}, out));
    if (::geteuid() != 0) {  // root reads any file: the permission check only means something for other users
        write_text(dir / "locked.ini", kCase1D);
        fs::permissions(dir / "locked.ini", fs::perms::none);
        CHECK(expect_bad_input(run_lithosim({"simulate", "--config", "locked.ini", "--out", "out"}, dir.path()),
                         {"'locked.ini'", "cannot be read"}, out));
    }
    std::string with_file = replace(kCase1D, "waveform = toneburst", "waveform = file\nwaveform_file = pulse.txt");
    CHECK(expect_case_rejected(with_file, {"waveform_file", "pulse.txt"}));
    // a waveform file with a bad row names the file, the line and the text
    ScratchDir dir2("cli_bad_rows");
    write_text(dir2 / "pulse.txt", "# t_us p_MPa\n0 0\n0.5 1.0\n0.7 one\n1.0 0\n");
    CHECK(expect_bad_input(simulate_case(dir2, with_file), {"waveform_file", "pulse.txt", "one"}, dir2 / "out"));
    write_text(dir2 / "pulse.txt", "0 0\n0.5 1.0\n0.4 0.5\n");
    CHECK(expect_bad_input(simulate_case(dir2, with_file), {"waveform_file", "pulse.txt"}, dir2 / "out"));
}

TEST_CASE("unknown sections and keys, in the file and in --set: exit 2 naming the key and the accepted keys",
          "[app][cli]") {
    CHECK(expect_case_rejected(std::string(kCase1D) + "[gird]\ndx_mm = 0.1\n",
                         {"case.ini", "[gird]", "accepted sections: grid, time, medium, source, sensor, solver"}));
    CHECK(expect_case_rejected(replace(kCase1D, "dx_mm = 0.05", "dx = 0.05"),
                         {"unknown key 'dx'", "'0.05'", "[grid]", "dims, dx_mm, size_mm, pml_cells"}));
    CHECK(expect_case_rejected(kCase1D, {"--set", "'dxmm'", "dims, dx_mm, size_mm, pml_cells"}, {"--set", "grid.dxmm=0.1"}));
    CHECK(expect_case_rejected(kCase1D, {"--set", "[grids]", "accepted sections"}, {"--set", "grids.dx_mm=0.1"}));
    CHECK(expect_case_rejected(kCase1D, {"--set", "'grid.dx_mm'", "section.key=value"}, {"--set", "grid.dx_mm"}));
    CHECK(expect_case_rejected(std::string(kCase1D) + "[grid]\ndx_mm = 0.04\n", {"dx_mm", "given twice", "0.05", "0.04"}));
    CHECK(expect_case_rejected(replace(kCase1D, "[grid]", "[grid]\nthis is not a key"), {"case.ini", "invalid line"}));
}

TEST_CASE("non-numeric, zero, negative and out-of-range values: exit 2 naming key and value", "[app][cli]") {
    CHECK(expect_case_rejected(replace(kCase1D, "dx_mm = 0.05", "dx_mm = fine"), {"dx_mm", "'fine'", "not a number", "> 0"}));
    CHECK(expect_case_rejected(replace(kCase1D, "dx_mm = 0.05", "dx_mm = 0"), {"dx_mm", "'0'", "> 0"}));
    CHECK(expect_case_rejected(replace(kCase1D, "size_mm = 20", "size_mm = 0"), {"size_mm", "'0'", "> 0"}));
    CHECK(expect_case_rejected(replace(kCase1D, "size_mm = 20", "size_mm = -20"), {"size_mm", "'-20'", "> 0"}));
    CHECK(expect_case_rejected(replace(kCase1D, "t_end_us = 12", "t_end_us = -1"), {"t_end_us", "'-1'"}));
    CHECK(expect_case_rejected(kCase1D, {"p0_MPa", "'-2'", "(0, 1000]"}, {"--set", "source.p0_MPa=-2"}));
    CHECK(expect_case_rejected(kCase1D, {"pml_cells", "'300'", "[0, 200]"}, {"--set", "grid.pml_cells=300"}));
    CHECK(expect_case_rejected(kCase1D, {"nonlinear", "'maybe'", "true|false"}, {"--set", "solver.nonlinear=maybe"}));
    CHECK(expect_case_rejected(kCase1D, {"size_mm", "dims = 2", "X,Z"}, {"--set", "grid.dims=2"}));
    CHECK(expect_case_rejected(replace(kCase1D, "t_end_us = 12\n", ""), {"t_end_us", "required"}));
}

TEST_CASE("sources and points outside the grid, a bowl that does not fit: exit 2", "[app][cli]") {
    CHECK(expect_case_rejected(kCase1D, {"[source]", "position", "30", "outside"}, {"--set", "source.position_mm=0,0,30"}));
    CHECK(expect_case_rejected(kCase1D, {"position_mm", "x = 1", "must be 0"}, {"--set", "source.position_mm=1,0,1"}));
    CHECK(expect_case_rejected(kCase1D, {"points_mm", "point 1", "outside", "[0, 20]"}, {"--set", "sensor.points_mm=0,0,25"}));
    CHECK(expect_case_rejected(kCase2D, {"aperture_mm", "30", "focal_length_mm"}, {"--set", "source.aperture_mm=30"}));
    CHECK(expect_case_rejected(kCase2D, {"[source]", "outside"}, {"--set", "source.aperture_mm=16"}));
    CHECK(expect_case_rejected(kCase2D, {"points_mm", "y = 1", "must be 0"}, {"--set", "sensor.points_mm=0,1,5"}));
    // A bowl whose geometric focus (z = 1 + 20 mm) lies beyond the 16 mm region does not focus inside the grid.
    CHECK(expect_case_rejected(kCase2D, {"bowl focuses at z = 21 mm", "outside", "[0, 16]"},
                               {"--set", "source.focal_length_mm=20"}));
}

TEST_CASE("too few points per wavelength is an error, fewer than 4 a warning, an unstable cfl is an error",
          "[app][cli]") {
    // 1 MHz in water at dx = 1 mm: 1.5 points per wavelength
    CHECK(expect_case_rejected(kCase1D, {"dx_mm", "points per wavelength", "at least 2"}, {"--set", "grid.dx_mm=1"}));
    // 1D, order 4: stable below 1 / (9/8 + 1/24) = 0.857
    CHECK(expect_case_rejected(kCase1D, {"cfl", "0.95", "unstable"}, {"--set", "time.cfl=0.95"}));

    ScratchDir dir("cli_ppw_warning");
    const CliResult r = simulate_case(dir, kCase1D, {"--set", "grid.dx_mm=0.45", "--dry-run"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    REQUIRE(r.err_lines().size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("lithosim: warning: ") && Catch::Contains("points per wavelength"));
    CHECK_FALSE(fs::exists(dir / "out"));  // --dry-run writes nothing
}

TEST_CASE("an --out naming an existing file is bad input and nothing is written", "[app][cli]") {
    ScratchDir dir("cli_out_file");
    write_text(dir / "out", "not a directory");
    const CliResult r = simulate_case(dir, kCase1D);
    CHECK(r.exit_code == 2);
    REQUIRE(r.err_lines().size() == 1);
    CHECK_THAT(r.err, Catch::Contains("--out") && Catch::Contains("not a directory"));
    CHECK(read_text(dir / "out") == "not a directory");
}

TEST_CASE("a 1D case runs end to end: summary.json, result.h5, case.ini and maps.vti", "[app][cli]") {
    ScratchDir dir("cli_1d");
    const CliResult r = simulate_case(dir, kCase1D);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("error") == std::string::npos);
    // stderr is not a terminal here: plain progress lines, the last at 100 %
    CHECK_THAT(r.err, Catch::Contains("progress: 100 %"));
    CHECK_THAT(r.out, Catch::Contains("dosimetry summary") && Catch::Contains("summary.json"));
    // the resolved case is in case.ini, named on stdout but not printed whole (only --dry-run prints it)
    CHECK_THAT(r.out, Catch::Contains("case.ini (the resolved case"));
    CHECK(r.out.find("[grid]") == std::string::npos);

    const auto j = lithosim::io::read_json(dir / "out" / "summary.json");
    for (const char* key : {"p_plus_MPa", "p_minus_MPa", "focus_mm", "efd_focus_mJ_per_mm2", "focal_zone_6dB_mm",
                            "rise_time_ns", "steps", "cells", "dt_ns", "runtime_s", "cell_updates_per_s",
                            "peak_memory_MB", "version", "git_commit", "threads", "pulse_duration_ns",
                            "points_per_wavelength", "warnings"})
        CHECK(j.contains(key));
    // A plane wave leaves its source with the source signal p0 s(t) (p0 = 1 MPa); water absorbs a negligible part
    // over 20 mm. A 3-cycle tone burst is Hann-windowed as a whole, so its peak is max |s| < 1, taken from the
    // waveform model itself.
    const double peak_MPa = tone_burst_peak(1e6, 3);
    CHECK(peak_MPa < 0.99);
    CHECK(j["p_plus_MPa"].get<double>() == Approx(peak_MPa).epsilon(0.02));
    CHECK(j["p_minus_MPa"].get<double>() == Approx(-peak_MPa).epsilon(0.02));
    // EFD of the burst: (1/(rho c)) * integral p^2 dt ~ p0^2 / (rho c) * (energy of the tapered 3-cycle burst)
    CHECK(j["efd_focus_mJ_per_mm2"].get<double>() > 0);
    CHECK(j["focus_mm"].size() == 3);
    CHECK(j["focal_zone_6dB_mm"]["x"].get<double>() == 0.0);
    CHECK(j["threads"].get<int>() == 1);
    CHECK(j["version"].get<std::string>() == lithosim::build::version);
    CHECK(j["schema_version"].get<int>() == 1);   // io/schema.hpp: summary_json
    // dt = cfl dx / c = 0.3 * 0.05 mm / c_water
    CHECK(j["dt_ns"].get<double>() == Approx(0.3 * 0.05e-3 / 1482.46 * 1e9).epsilon(0.01));
    CHECK(j["steps"].get<long long>() == std::llround(std::ceil(12e-6 / (j["dt_ns"].get<double>() * 1e-9))));
    // 401 physical nodes + 2 x (20 PML + 2 stencil) cells
    CHECK(j["cells"].get<long long>() == 401 + 2 * 22);
    // 1D: the beam axis is the whole line, so the waveform at the focus is recorded and has a rise time
    REQUIRE(j["rise_time_ns"].is_number());
    CHECK(j["rise_time_ns"].get<double>() > 0);
    CHECK(j["rise_time_ns"].get<double>() < 500);  // well within the quarter period (250 ns) of the 1 MHz carrier x 2

    const auto res = lithosim::io::read_result_h5(dir / "out" / "result.h5");
    REQUIRE(res.p_max);
    REQUIRE(res.p_min);
    REQUIRE(res.efd);
    CHECK(res.p_max->nz == 401);
    CHECK(res.p_max->nx == 1);
    CHECK(res.p_max->spacing_m[2] == Approx(0.05e-3));
    REQUIRE(res.sensors.p_Pa.size() == 1);
    CHECK(res.sensors.position_m[0][2] == Approx(0.010));
    CHECK(res.sensors.t_s.size() == res.sensors.p_Pa[0].size());
    double peak = 0;
    for (float v : res.sensors.p_Pa[0]) peak = std::max(peak, double(v));
    CHECK(peak == Approx(peak_MPa * 1e6).epsilon(0.02));
    // the stored case is the resolved case, identical to case.ini
    const std::string case_ini = read_text(dir / "out" / "case.ini");
    CHECK(lithosim::io::read_root_attribute(dir / "out" / "result.h5", "case") == case_ini);
    CHECK_THAT(case_ini, Catch::Contains("pml_cells = 20") && Catch::Contains("dx_mm = 0.05"));
    CHECK(fs::file_size(dir / "out" / "paraview" / "maps.vti") > 0);
}

TEST_CASE("an override with --set changes the result, and the resolved case.ini re-runs the same case", "[app][cli]") {
    ScratchDir dir("cli_set");
    REQUIRE(simulate_case(dir, kCase1D, {"--quiet"}).exit_code == 0);
    const double p1 = lithosim::io::read_json(dir / "out" / "summary.json")["p_plus_MPa"].get<double>();

    // linear case: doubling p0 doubles p+
    const CliResult r2 = run_lithosim({"simulate", "--config", "case.ini", "--out", "out2", "--threads", "1", "--quiet",
                                       "--set", "source.p0_MPa=2"},
                                      dir.path());
    REQUIRE(r2.exit_code == 0);
    const double p2 = lithosim::io::read_json(dir / "out2" / "summary.json")["p_plus_MPa"].get<double>();
    CHECK(p2 / p1 == Approx(2.0).epsilon(1e-3));
    CHECK_THAT(read_text(dir / "out2" / "case.ini"), Catch::Contains("p0_MPa = 2 ") && Catch::Contains("--set"));

    // the resolved case of the --set run, run again from its output directory, gives the same p+
    const CliResult r3 = run_lithosim(
        {"simulate", "--config", (dir / "out2" / "case.ini").string(), "--out", "out3", "--threads", "1", "--quiet"},
        dir.path());
    REQUIRE(r3.exit_code == 0);
    CHECK(lithosim::io::read_json(dir / "out3" / "summary.json")["p_plus_MPa"].get<double>() == Approx(p2));
}

TEST_CASE("simulate with --quiet prints nothing on stdout and no progress", "[app][cli]") {
    ScratchDir dir("cli_quiet");
    const CliResult r = simulate_case(dir, kCase1D, {"--quiet"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    CHECK(fs::exists(dir / "out" / "summary.json"));
}

TEST_CASE("a 2D focused case runs end to end and finds its focus near the geometric focus", "[app][cli]") {
    ScratchDir dir("cli_2d");
    const CliResult r = simulate_case(dir, kCase2D, {"--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = lithosim::io::read_json(dir / "out" / "summary.json");
    // geometric focus at z = 1 + 10 mm on the axis; a weakly focused 2D source focuses a little short of it
    CHECK(j["focus_mm"][0].get<double>() == Approx(0.0).margin(1e-9));
    CHECK(j["focus_mm"][2].get<double>() > 8.0);
    CHECK(j["focus_mm"][2].get<double>() < 11.5);
    // focusing gain: more pressure at the focus than at the source surface
    CHECK(j["p_plus_MPa"].get<double>() > 0.5);
    CHECK(j["focal_zone_6dB_mm"]["x"].get<double>() > 0.5);
    CHECK(j["focal_zone_6dB_mm"]["x"].get<double>() < j["focal_zone_6dB_mm"]["z"].get<double>());
    CHECK(j["focal_zone_6dB_mm"]["y"].get<double>() == 0.0);
    CHECK(j["rise_time_ns"].is_number());  // the focus is on the axis, where the axis series is recorded
    const auto res = lithosim::io::read_result_h5(dir / "out" / "result.h5");
    REQUIRE(res.p_max);
    CHECK(res.p_max->nx == 121);
    CHECK(res.p_max->ny == 1);
    CHECK(res.p_max->nz == 161);
    CHECK(res.sensors.p_Pa.empty());
}

TEST_CASE("an existing output directory: only lithosim's own files are replaced", "[app][cli]") {
    ScratchDir dir("cli_existing");
    fs::create_directories(dir / "out");
    write_text(dir / "out" / "notes.txt", "mine");
    write_text(dir / "out" / "summary.json", "{\"stale\": true}");
    REQUIRE(simulate_case(dir, kCase1D, {"--quiet"}).exit_code == 0);
    CHECK(read_text(dir / "out" / "notes.txt") == "mine");
    CHECK_FALSE(lithosim::io::read_json(dir / "out" / "summary.json").contains("stale"));
}

TEST_CASE("the embedded default case: --show-default prints examples/default.ini, --dry-run plans it",
          "[app][cli]") {
    ScratchDir dir("cli_default");
    const CliResult shown = run_lithosim({"simulate", "--show-default"}, dir.path());
    CHECK(shown.exit_code == 0);
    CHECK(shown.out == read_text(fs::path(LITHOSIM_SOURCE_DIR) / "examples" / "default.ini"));

    const CliResult plan = run_lithosim({"simulate", "--config", "default", "--dry-run"}, dir.path());
    INFO(plan.err);
    CHECK(plan.exit_code == 0);
    CHECK(plan.err.empty());
    CHECK_THAT(plan.out, Catch::Contains("dims = 3") && Catch::Contains("plan: grid"));
}

TEST_CASE("the default case at a coarse grid runs end to end and focuses near its geometric focus",
          "[app][cli][slow]") {
    // dx = 1 mm instead of 0.5 mm: 8 times fewer cells and half the steps, same geometry and pulse.
    ScratchDir dir("cli_default_coarse");
    const CliResult r = run_lithosim({"simulate", "--config", "default", "--out", "out", "--quiet", "--threads", "1",
                                      "--set", "grid.dx_mm=1"},
                                     dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = lithosim::io::read_json(dir / "out" / "summary.json");
    CHECK(j["focus_mm"][0].get<double>() == Approx(0.0).margin(1e-9));
    CHECK(j["focus_mm"][1].get<double>() == Approx(0.0).margin(1e-9));
    // geometric focus at 67 mm; a weakly focused source (83 kHz, 60 mm aperture) peaks in front of it
    CHECK(j["focus_mm"][2].get<double>() > 45.0);
    CHECK(j["focus_mm"][2].get<double>() < 70.0);
    CHECK(j["p_plus_MPa"].get<double>() > 8.0);    // focusing gain over the 8 MPa at the bowl
    CHECK(j["p_minus_MPa"].get<double>() < 0.0);
    CHECK(j["efd_focus_mJ_per_mm2"].get<double>() > 0.0);
    CHECK(j["rise_time_ns"].is_number());
}

TEST_CASE("lithosim validate lists its cases, runs one, prints the table and writes it as JSON", "[app][cli]") {
    ScratchDir dir("cli_validate");
    const CliResult list = run_lithosim({"validate", "--list"}, dir.path());
    CHECK(list.exit_code == 0);
    for (const char* name :
         {"oneil_bowl", "fubini_fay", "interface", "power_law_absorption", "pml", "point_source", "convergence"})
        CHECK_THAT(list.out, Catch::Contains(std::string(name) + " "));

    // interface: four rows (R and T for two interfaces), the fastest case
    const CliResult r = run_lithosim(
        {"validate", "--case", "interface", "--threads", "1", "--quiet", "--json", "table.json"}, dir.path());
    INFO(r.out << r.err);
    const auto j = lithosim::io::read_json(dir / "table.json");
    REQUIRE(j["rows"].size() == 4);
    int passed = 0;
    for (const auto& row : j["rows"]) {
        CHECK(row["case"] == "interface");
        CHECK(row["pass"].get<bool>() == (row["error"].get<double>() <= row["tolerance"].get<double>()));
        passed += row["pass"].get<bool>() ? 1 : 0;
        // each row is printed in the table with its verdict
        CHECK_THAT(r.out, Catch::Contains(row["quantity"].get<std::string>()));
    }
    CHECK(j["passed"].get<int>() == passed);
    CHECK(j["all_pass"].get<bool>() == (passed == 4));
    // exit 0 only when every row passes
    CHECK(r.exit_code == (passed == 4 ? 0 : 1));
    CHECK_THAT(r.out, Catch::Contains("PASS") || Catch::Contains("FAIL"));
    CHECK_THAT(r.out, Catch::Contains(std::to_string(passed) + " of 4 rows pass"));
}

TEST_CASE("lithosim bench runs on a small grid and reports its figures", "[app][cli]") {
    ScratchDir dir("cli_bench");
    const CliResult r = run_lithosim({"bench", "--n", "48", "--steps", "2", "--repeats", "1", "--stream-MiB", "8",
                                      "--threads", "1", "--json", "bench.json"},
                                     dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = lithosim::io::read_json(dir / "bench.json");
    CHECK(j["cells"].get<long long>() == 48LL * 48 * 48);
    CHECK(j["threads"].get<int>() == 1);
    CHECK(j["stream_triad_GBps"].get<double>() > 0);
    // the bound counts the triad's write-allocate read: 16 bytes per element instead of STREAM's 12
    CHECK(j["bandwidth_bound_GBps"].get<double>() == Approx(j["stream_triad_GBps"].get<double>() * 16.0 / 12.0));
    REQUIRE(j["kernels"].size() == 2);
    CHECK(j["kernels"][0]["name"] == "linear");
    CHECK(j["kernels"][1]["name"] == "nonlinear_absorbing");
    for (const auto& k : j["kernels"]) {
        CHECK(k["cell_updates_per_s"].get<double>() > 0);
        // the nonlinear absorbing state needs more memory per cell than the linear one
        CHECK(k["field_bytes_per_cell"].get<double>() >= j["kernels"][0]["field_bytes_per_cell"].get<double>());
        CHECK(k["bandwidth_fraction"].get<double>() ==
              Approx(k["kernel_bandwidth_GBps"].get<double>() / j["bandwidth_bound_GBps"].get<double>()));
    }
    CHECK_THAT(r.out, Catch::Contains("STREAM triad") && Catch::Contains("nonlinear_absorbing"));
}

TEST_CASE("a run that diverges exits 1 naming the stage, and leaves no result that looks complete", "[app][cli]") {
    // 1000 MPa plane wave with every shock-capturing term off: the shock the grid cannot carry blows up within
    // a microsecond of simulated time.
    std::string text = replace(kCase1D, "p0_MPa = 1", "p0_MPa = 1000");
    text = replace(text, "nonlinear = false",
                   "nonlinear = true\nshock_viscosity = 0\nshock_filter = 0\nabsorption = false");
    ScratchDir dir("cli_diverge");
    const CliResult r = simulate_case(dir, text, {"--quiet"});
    INFO(r.err);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 1);
    REQUIRE(r.err_lines().size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("lithosim: error: simulate failed: ") && Catch::Contains("diverged at step"));
    CHECK_FALSE(fs::exists(dir / "out" / "summary.json"));
    CHECK_FALSE(fs::exists(dir / "out" / "result.h5"));
    CHECK_FALSE(fs::exists(dir / "out" / "paraview" / "maps.vti"));
}

TEST_CASE("a failure to write the outputs exits 1 naming the stage", "[app][cli]") {
    // A directory where lithosim's own temporary file must go, holding a file: it can be neither removed nor
    // replaced, so writing the outputs fails.
    ScratchDir dir("cli_write_fail");
    fs::create_directories(dir / "out" / "case.ini.partial");
    write_text(dir / "out" / "case.ini.partial" / "keep.txt", "x");
    const CliResult r = simulate_case(dir, kCase1D, {"--quiet"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    REQUIRE(r.err_lines().size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("lithosim: error: write results failed: "));
    CHECK_FALSE(fs::exists(dir / "out" / "summary.json"));
}

TEST_CASE("maps left out by [sensor] maps give null dosimetry entries and a warning, not a failure", "[app][cli]") {
    ScratchDir dir("cli_maps");
    const CliResult r = simulate_case(dir, kCase1D, {"--quiet", "--set", "sensor.maps=p_max"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = lithosim::io::read_json(dir / "out" / "summary.json");
    CHECK(j["p_plus_MPa"].get<double>() == Approx(tone_burst_peak(1e6, 3)).epsilon(0.02));
    CHECK(j["p_minus_MPa"].is_null());
    CHECK(j["efd_focus_mJ_per_mm2"].is_null());
    CHECK(j["warnings"].size() == 2);
    CHECK(r.err_lines().size() == 2);  // the same two warnings on stderr
    auto res = lithosim::io::read_result_h5(dir / "out" / "result.h5");
    CHECK(res.p_max);
    CHECK_FALSE(res.p_min);
    CHECK_FALSE(res.efd);

    ScratchDir dir2("cli_no_maps");
    REQUIRE(simulate_case(dir2, kCase1D, {"--quiet", "--set", "sensor.maps=none"}).exit_code == 0);
    j = lithosim::io::read_json(dir2 / "out" / "summary.json");
    CHECK(j["p_plus_MPa"].is_null());
    CHECK(j["focus_mm"].is_null());
    CHECK(j["rise_time_ns"].is_null());
    CHECK(j["steps"].get<long long>() > 0);
    CHECK_FALSE(fs::exists(dir2 / "out" / "paraview" / "maps.vti"));
    res = lithosim::io::read_result_h5(dir2 / "out" / "result.h5");
    CHECK(res.sensors.p_Pa.size() == 1);  // the point series is still there
}

TEST_CASE("help text is wrapped to the terminal's width (COLUMNS), and left as written for a pipe", "[app][cli]") {
    ScratchDir dir("cli_help_width");
    for (const char* cmd : {"plan", "simulate", "model", "dosimetry", "sweep", "validate"}) {
        INFO(cmd);
        ::setenv("COLUMNS", "72", 1);
        const CliResult narrow = run_lithosim({cmd, "--help"}, dir.path());
        ::unsetenv("COLUMNS");
        REQUIRE(narrow.exit_code == 0);
        std::size_t longest = 0;
        for (const auto& line : lithosim::split_lines(narrow.out)) longest = std::max(longest, line.size());
        CHECK(longest <= 72);
        CHECK_THAT(narrow.out, Catch::Contains("usage: lithosim") && Catch::Contains("Options of lithosim"));
        // without a terminal or COLUMNS: the text as the command wrote it, option lists 110 wide
        const CliResult piped = run_lithosim({cmd, "--help"}, dir.path());
        std::size_t widest = 0;
        for (const auto& line : lithosim::split_lines(piped.out)) widest = std::max(widest, line.size());
        CHECK(widest > 72);
    }
}
