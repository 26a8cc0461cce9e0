// CLI tests of lithosim sweep: a small 1D sweep serially and under mpirun -n 2 (identical tables), a sweep killed
// halfway and resumed (the same table, completed cases not run again), a failing case (recorded, exit 100 + failed),
// and bad input (exit 2, one line, nothing written or overwritten).
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/app/cli_runner.hpp"

using lithosim::test::read_text;
using lithosim::test::run_lithosim;
using lithosim::test::write_text;
namespace fs = std::filesystem;

namespace {

/// A 1D linear tone burst through 12 mm of water: a few hundred cells, a fraction of a second per case.
const char* kBase1D = R"([grid]
dims = 1
dx_mm = 0.05
size_mm = 12
[time]
t_end_us = 8
[source]
type = plane
position_mm = 0,0,1
waveform = toneburst
f0_MHz = 1
cycles = 3
p0_MPa = 1
[solver]
nonlinear = false
)";

/// 3 cases (the sweep runs them with --no-pictures: well under a second each): p+ scales with p0 in this linear
/// case, which the test checks.
const char* kSweep = R"([sweep]
base = base.ini
mode = grid
source.p0_MPa = 1:3:3
source.f0_MHz = 1.5
)";

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("lithosim_test_sweep_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    write_text(d / "base.ini", kBase1D);
    write_text(d / "sweep.ini", kSweep);
    return d;
}

/// The CSV without its last column (run time), line by line.
std::vector<std::string> table_without_run_time(const fs::path& csv) {
    std::vector<std::string> rows;
    std::istringstream in(read_text(csv));
    for (std::string line; std::getline(in, line);) rows.push_back(line.substr(0, line.rfind(',')));
    return rows;
}

std::vector<std::string> split_csv_simple(const std::string& line) {
    std::vector<std::string> v;
    std::stringstream s(line);
    for (std::string item; std::getline(s, item, ',');) v.push_back(item);
    return v;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return std::size_t(it - header.begin());
}

std::size_t records_in(const fs::path& out) {
    std::size_t n = 0;
    std::error_code ec;
    if (!fs::exists(out / "cases", ec)) return 0;
    for (const auto& e : fs::directory_iterator(out / "cases"))
        n += fs::exists(e.path() / "sweep_record.json");
    return n;
}

/// Starts `args` in `workdir` without waiting (stdout and stderr to bg_stdout.txt, bg_stderr.txt there).
pid_t start(const std::vector<std::string>& args, const fs::path& workdir) {
    return lithosim::test::spawn_program(args, workdir, workdir / "bg_stdout.txt", workdir / "bg_stderr.txt");
}

int wait_exit(pid_t pid) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace

TEST_CASE("lithosim sweep runs a grid of cases and tabulates their metrics", "[app][cli][sweep]") {
    const fs::path d = fresh_dir("serial");
    const auto r = run_lithosim({"sweep", "--config", "sweep.ini", "--out", "out", "--threads", "1"}, d);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("3/3 cases done") != std::string::npos);  // progress on stderr
    CHECK(r.err.find("ETA") != std::string::npos);
    const auto rows = table_without_run_time(d / "out" / "sweep.csv");
    REQUIRE(rows.size() == 4);
    const auto header = split_csv_simple(rows[0]);
    CHECK(header[0] == "case");
    CHECK(header[1] == "source.p0_MPa");
    CHECK(header[2] == "source.f0_MHz");
    const std::size_t p_plus = column(header, "p_plus_MPa"), status = column(header, "status");
    // Linear propagation: p+ is proportional to p0 (rows 0, 1, 2 are p0 = 1, 2, 3).
    const auto row = [&](std::size_t i) { return split_csv_simple(rows[i + 1]); };
    CHECK(row(0)[0] == "0000");
    CHECK(row(2)[0] == "0002");
    CHECK(row(1)[1] == "2");
    CHECK(row(1)[2] == "1.5");
    const double p1 = std::stod(row(0)[p_plus]);
    CHECK(p1 > 0.5);
    CHECK(std::stod(row(1)[p_plus]) == Approx(2 * p1).epsilon(1e-3));
    CHECK(std::stod(row(2)[p_plus]) == Approx(3 * p1).epsilon(1e-3));
    for (std::size_t i = 0; i < 3; ++i) CHECK(row(i)[status] == "ok");
    CHECK(fs::exists(d / "out" / "sweep.h5"));
    CHECK(fs::exists(d / "out" / "cases" / "0002" / "summary.json"));
    CHECK(fs::exists(d / "out" / "cases" / "0002" / "log.txt"));

    // Running it again is a resume of a complete sweep: nothing runs, the same table.
    const std::string table = read_text(d / "out" / "sweep.csv");
    const auto again = run_lithosim({"sweep", "--config", "sweep.ini", "--out", "out"}, d);
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("3 already done, 0 to run") != std::string::npos);
    CHECK(read_text(d / "out" / "sweep.csv") == table);  // run times included: the records were reused
    fs::remove_all(d);
}

TEST_CASE("lithosim sweep under mpirun -n 2 gives the serial table", "[app][cli][sweep][mpi]") {
    const fs::path d = fresh_dir("mpi");
    const auto serial = run_lithosim({"sweep", "--config", "sweep.ini", "--out", "serial", "--threads", "1"}, d);
    REQUIRE(serial.exit_code == 0);
    const auto mpi =
        lithosim::test::run_lithosim_mpi(2, {"sweep", "--config", "sweep.ini", "--out", "mpi", "--threads", "1"}, d);
    INFO(mpi.err);
    REQUIRE(mpi.exit_code == 0);
    CHECK(mpi.err.find("on 2 workers") != std::string::npos);
    CHECK(table_without_run_time(d / "mpi" / "sweep.csv") == table_without_run_time(d / "serial" / "sweep.csv"));
    fs::remove_all(d);
}

TEST_CASE("a sweep killed halfway and run again gives the uninterrupted table", "[app][cli][sweep]") {
    const fs::path d = fresh_dir("resume");
    const auto full = run_lithosim({"sweep", "--config", "sweep.ini", "--out", "full", "--threads", "1"}, d);
    REQUIRE(full.exit_code == 0);

    const pid_t pid = start({LITHOSIM_EXE, "sweep", "--config", "sweep.ini", "--out", "part", "--threads", "1"}, d);
    const auto t0 = std::chrono::steady_clock::now();
    while (records_in(d / "part") < 1 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(pid, SIGKILL);
    wait_exit(pid);
    const std::size_t done_before = records_in(d / "part");
    REQUIRE(done_before >= 1);
    REQUIRE(done_before < 3);
    CHECK(!fs::exists(d / "part" / "sweep.csv"));
    const std::string first_record = read_text(d / "part" / "cases" / "0000" / "sweep_record.json");

    const auto resumed = run_lithosim({"sweep", "--config", "sweep.ini", "--out", "part", "--threads", "1"}, d);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(resumed.err.find(std::to_string(done_before) + " already done") != std::string::npos);
    CHECK(read_text(d / "part" / "cases" / "0000" / "sweep_record.json") == first_record);  // not run again
    CHECK(table_without_run_time(d / "part" / "sweep.csv") == table_without_run_time(d / "full" / "sweep.csv"));
    fs::remove_all(d);
}

TEST_CASE("a failing case is recorded with its error, the others go on, the exit code counts it",
          "[app][cli][sweep]") {
    const fs::path d = fresh_dir("failing");
    write_text(d / "good.txt", "# t_us p_MPa\n0 0\n0.25 1\n0.5 0\n0.75 -1\n1 0\n");
    write_text(d / "bad.txt", "this is not a waveform\n");
    std::string base = kBase1D;
    base.replace(base.find("waveform = toneburst"), 20, "waveform = file");
    write_text(d / "base.ini", base);
    write_text(d / "sweep.ini", "[sweep]\nbase = base.ini\nsource.waveform_file = good.txt,bad.txt,good.txt\n");
    const auto r = run_lithosim({"sweep", "--config", "sweep.ini", "--out", "out", "--threads", "1"}, d);
    INFO(r.err);
    CHECK(r.exit_code == 101);
    const auto rows = table_without_run_time(d / "out" / "sweep.csv");
    REQUIRE(rows.size() == 4);
    const auto header = split_csv_simple(rows[0]);
    const std::size_t status = column(header, "status");
    CHECK(split_csv_simple(rows[1])[status] == "ok");
    CHECK(split_csv_simple(rows[2])[status] == "failed");
    CHECK(split_csv_simple(rows[3])[status] == "ok");
    CHECK(rows[2].find("bad.txt") != std::string::npos);  // the error names the file
    fs::remove_all(d);
}

TEST_CASE("bad sweep input exits 2 with one line and writes nothing", "[app][cli][sweep]") {
    const fs::path d = fresh_dir("bad");
    const std::pair<std::string, std::string> bad[] = {
        {"[sweep]\nbase = base.ini\nsource.p0_MPz = 1,2\n", "not a case key"},
        {"[sweep]\nbase = base.ini\nsource.p0_MPa = 5:40\n", "malformed range"},
        {"[sweep]\nbase = base.ini\nsource.p0_MPa = 5:40:0\n", "malformed range"},
        {"[sweep]\nbase = base.ini\nsource.p0_MPa = a:b:c\n", "malformed range"},
        {"[sweep]\nbase = base.ini\nsource.p0_MPa =\n", "no values"},
        {"[sweep]\nbase = base.ini\nsource.p0_MPa = 1:5000:3\n", "p0_MPa"},
        {"[sweep]\nbase = base.ini\nmode = lhs\nsamples = 0\nsource.p0_MPa = 1:5:3\n", "samples"},
        {"[sweep]\nbase = base.ini\nmode = sobol\nsource.p0_MPa = 1:5:3\n", "mode"},
        {"[sweep]\ncommand = plan\nplan.efd-mJ-per-mm2 = 0.05:0.9:4\n[plan]\nindication = tendon\nphantom = shoulder\n",
         "efd-mJ-per-mm2"},
    };
    for (const auto& [text, what] : bad) {
        INFO(text);
        write_text(d / "bad.ini", text);
        const auto r = run_lithosim({"sweep", "--config", "bad.ini", "--out", "out"}, d);
        CHECK(r.exit_code == 2);
        REQUIRE(r.err_lines().size() == 1);
        CHECK(r.err.find(what) != std::string::npos);
        CHECK(!fs::exists(d / "out"));
    }
    // An output folder that holds a different sweep is refused and left as it was.
    write_text(d / "one.ini", "[sweep]\nbase = base.ini\nsource.p0_MPa = 2\n");
    const auto first = run_lithosim({"sweep", "--config", "one.ini", "--out", "out", "--threads", "1"}, d);
    REQUIRE(first.exit_code == 0);
    const std::string table = read_text(d / "out" / "sweep.csv");
    write_text(d / "other.ini", "[sweep]\nbase = base.ini\nsource.p0_MPa = 1:3:2\n");
    const auto r = run_lithosim({"sweep", "--config", "other.ini", "--out", "out"}, d);
    CHECK(r.exit_code == 2);
    CHECK(r.err_lines().size() == 1);
    CHECK(r.err.find("holds a different sweep") != std::string::npos);
    CHECK(read_text(d / "out" / "sweep.csv") == table);
    CHECK(read_text(d / "out" / "sweep.ini") == read_text(d / "one.ini"));
    fs::remove_all(d);
}

TEST_CASE("lithosim sweep --help names the options, the sweep file and the exit codes", "[app][cli][sweep]") {
    const fs::path d = fresh_dir("help");
    const auto r = run_lithosim({"sweep", "--help"}, d);
    CHECK(r.exit_code == 0);
    for (const char* s : {"usage: lithosim sweep", "--config", "--out", "--threads", "--retry-failed", "--quiet",
                          "sweeps/SWEEP.md", "100 + the number of failed cases"})
        CHECK(r.out.find(s) != std::string::npos);
    const auto top = run_lithosim({"--help"}, d);
    CHECK(top.out.find("\n  sweep") != std::string::npos);
    const auto missing = run_lithosim({"sweep", "--out", "x"}, d);
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("--config is missing") != std::string::npos);
    CHECK(!fs::exists(d / "x"));
    fs::remove_all(d);
}
