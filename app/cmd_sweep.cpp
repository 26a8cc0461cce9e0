// `lithosim sweep --config sweep.ini --out DIR [--threads N] [--quiet] [--retry-failed]`
//
// Stages: read input (the sweep file, its cases and every value checked: nothing is written before), prepare DIR
// (a DIR that holds a different sweep is refused), run the cases, write the table. sweeps/SWEEP.md is the user's
// documentation; sweep.hpp has the file format and the design.
//
// Each case runs as a child process of this executable (`lithosim simulate|plan ... --out DIR/cases/<id> --quiet`):
//  - a case that crashes, runs out of memory or is killed ends only itself; its error line is recorded;
//  - its stdout and stderr go to DIR/cases/<id>/log.txt, so a failed case can be read afterwards;
//  - the child is not an MPI process (the launcher's variables are removed from its environment), so each case is
//    exactly the serial run, and it dies with the sweep (PR_SET_PDEATHSIG), so a killed sweep leaves no case
//    running into a folder that a resumed sweep will use. The cost is one process start per case (~10 ms).
// A case is complete when DIR/cases/<id>/sweep_record.json exists (written last, atomically); a resumed sweep skips
// those cases.
//
// MPI: rank 0 hands out case indices on request from a dispatcher thread that polls (MPI_Iprobe, MPI_Test and
// 1 ms sleeps: OpenMPI's blocking calls spin a core) while rank 0's main thread runs cases too. Every rank writes
// its cases' records into the shared DIR; rank 0 reads them all and writes the table, in case order, so the table
// does not depend on which rank ran what.
#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "app/commands.hpp"
#include "app/mpi_env.hpp"
#include "core/progress.hpp"
#include "sweeps/sweep.hpp"
#include "core/text.hpp"
#include "io/json_file.hpp"
#include "lithosim/build_info.hpp"
#include "report/run_figures.hpp"
#include "io/schema.hpp"

extern char** environ;

namespace po = boost::program_options;

namespace lithosim::app {

namespace {

/// The metric-versus-parameter figures of the sweep (DIR/figures/): pictures of a table already written, so a
/// problem here is a warning, never a failed sweep.
void write_sweep_figures(const fs::path& dir, const SweepTable& table) {
    try {
        const FigureSet set = write_sweep_metric_figures(dir, table);
        if (set.skipped) print_warning("figures skipped: " + *set.skipped);
        for (const auto& n : set.notes) print_warning("figure left out: " + n);
    } catch (const std::exception& e) {
        print_warning(std::string("sweep figures not written: ") + e.what());
    }
}

constexpr const char* kIdentityFile = "sweep.json";
constexpr const char* kSweepCopy = "sweep.ini";
constexpr const char* kCasesDir = "cases";
constexpr const char* kRecordFile = "sweep_record.json";
constexpr const char* kLogFile = "log.txt";
constexpr const char* kCsvFile = "sweep.csv";
constexpr const char* kH5File = "sweep.h5";
constexpr int kTagRequest = 701, kTagReply = 702;

using Clock = std::chrono::steady_clock;

po::options_description sweep_options() {
    po::options_description o("Options of lithosim sweep", help_width(), help_width() / 2);
    o.add_options()
        ("config", po::value<std::string>()->value_name("FILE"), "sweep file (INI: [sweep], [plan]; sweeps/SWEEP.md). "
         "Required.")
        ("out", po::value<std::string>()->value_name("DIR"),
         "output folder: DIR/cases/<id>/ per case, DIR/sweep.csv, DIR/sweep.h5, DIR/sweep.ini, DIR/sweep.json. "
         "Running the same sweep again resumes it; a folder that holds a different sweep is refused. Required.")
        ("threads", po::value<std::string>()->value_name("N"),
         "OpenMP threads of each case, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.")
        ("retry-failed", po::bool_switch(), "run the cases recorded as failed again. Default: off (skipped).")
        ("quiet", po::bool_switch(), "no progress on stderr and no summary on stdout. Default: off.")
        ("help,h", "print this help.");
    return o;
}

std::string read_text_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

/// Checks DIR (bad input if it holds a different sweep or is not a folder), then creates it with its record of the
/// sweep's identity. Nothing in DIR is changed when it is refused.
void prepare_sweep_dir(const fs::path& dir, const std::string& identity, const SweepConfig& config,
                       const std::string& sweep_text, std::size_t ncases) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw InputError("--out '" + dir.string() + "': exists and is not a folder; accepted: a folder path");
    const fs::path id_file = dir / kIdentityFile;
    if (fs::exists(id_file, ec)) {
        std::string theirs;
        try {
            theirs = io::read_json(id_file).at("identity").get<std::string>();
        } catch (const std::exception&) {
            throw InputError("--out '" + dir.string() + "': its " + kIdentityFile +
                             " is unreadable, so it may hold another sweep; accepted: a new or empty folder, or the "
                             "folder of this same sweep to resume it");
        }
        if (theirs != identity)
            throw InputError("--out '" + dir.string() + "' holds a different sweep (identity " + theirs + ", see " +
                             (dir / kSweepCopy).string() + "; this sweep is " + identity +
                             "); accepted: a new or empty folder, or the folder of this same sweep to resume it");
        return;  // the same sweep: resume
    }
    if (fs::exists(dir / kCasesDir, ec))
        throw InputError("--out '" + dir.string() + "' holds sweep cases but no " + kIdentityFile +
                         "; accepted: a new or empty folder, or the folder of this same sweep to resume it");
    fs::create_directories(dir / kCasesDir, ec);
    if (ec)
        throw InputError("--out '" + dir.string() + "': cannot create the folder (" + ec.message() +
                         "); accepted: a writable folder path");
    io::write_text_atomic(dir / kSweepCopy, sweep_text);
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& k : config.keys) keys.push_back(k.name);
    io::write_json_atomic(id_file, {{"identity", identity},
                                    {"command", config.command == SweepCommand::Plan ? "plan" : "simulate"},
                                    {"mode", config.mode == SweepMode::Lhs ? "lhs" : "grid"},
                                    {"cases", ncases},
                                    {"keys", keys},
                                    {"version", build::version},
                                    {io::schema::key, io::schema::sweep_json}});
}

/// The record of a completed case, if there is one that belongs to this case.
std::optional<CaseRecord> load_record(const fs::path& case_dir, const SweepCase& c) {
    const fs::path p = case_dir / kRecordFile;
    std::error_code ec;
    if (!fs::exists(p, ec)) return std::nullopt;
    try {
        CaseRecord r = CaseRecord::from_json(io::read_json(p));
        if (r.id == c.id && r.values == c.values) return r;
    } catch (const std::exception&) {
    }
    return std::nullopt;  // unreadable or another case's: run it again
}

/// The environment of a case's process: ours without the MPI launcher's variables, so that the case does not
/// take itself for an MPI rank (app/mpi_env.cpp launched_by_mpi).
std::vector<std::string> child_environment() {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        const std::string v = *e;
        if (v.rfind("OMPI_", 0) == 0 || v.rfind("PMIX_", 0) == 0 || v.rfind("PMI_", 0) == 0) continue;
        env.push_back(v);
    }
    return env;
}

/// The error line of a failed case: the last "lithosim: error...: " line of its log, without the prefix.
std::string error_line(const fs::path& log) {
    std::string found;
    for (const auto& line : split_lines(read_text_file(log))) {
        if (line.rfind("lithosim: error", 0) != 0) continue;
        const auto colon = line.find(": ", 15);
        found = colon == std::string::npos ? line : line.substr(colon + 2);
    }
    return found;
}

struct CaseRunner {
    const SweepConfig& config;
    fs::path cases_dir;
    std::string threads;  ///< "" = inherit OMP_NUM_THREADS
    std::string exe;
    std::vector<std::string> env;

    CaseRecord run(const SweepCase& c) const {
        const fs::path dir = cases_dir / c.id;
        std::error_code ec;
        fs::create_directories(dir, ec);
        fs::remove(dir / kRecordFile, ec);
        std::vector<std::string> args = case_arguments(config, c, dir);
        if (!threads.empty()) {
            args.push_back("--threads");
            args.push_back(threads);
        }
        CaseRecord r;
        r.id = c.id;
        r.values = c.values;
        const auto t0 = Clock::now();
        const int status = spawn(args, dir / kLogFile);
        r.run_time_s = std::chrono::duration<double>(Clock::now() - t0).count();
        const char* metrics_name = config.command == SweepCommand::Plan ? "plan.json" : "summary.json";
        if (status == 0) {
            try {
                r.metrics = flatten_metrics(io::read_json(dir / metrics_name));
                r.ok = true;
            } catch (const std::exception& e) {
                r.error = std::string("the case ended but its ") + metrics_name + " is unreadable: " + e.what();
            }
        } else {
            r.error = error_line(dir / kLogFile);
            if (r.error.empty())
                r.error = status > 0 ? "exit code " + std::to_string(status)
                                     : "killed by signal " + std::to_string(-status) + " (" + strsignal(-status) + ")";
            else if (status > 0) r.error += " (exit code " + std::to_string(status) + ")";
        }
        io::write_json_atomic(dir / kRecordFile, r.to_json());  // last: the case is complete
        return r;
    }

    /// Runs `exe args` with stdout and stderr into `log`; the exit code, or minus the signal that ended it.
    int spawn(const std::vector<std::string>& args, const fs::path& log) const {
        std::vector<std::string> argv_s{exe};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv, envp;
        for (auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw std::runtime_error("cannot write the case log " + log.string());
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The child: only async-signal-safe calls until exec.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the sweep
            if (::getppid() != parent) ::_exit(127);
            const int null_fd = ::open("/dev/null", O_RDONLY);
            if (null_fd >= 0) ::dup2(null_fd, 0);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close_range(3, ~0U, 0);
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(fd);
        if (pid < 0) throw std::runtime_error(std::string("cannot start a case: fork failed: ") + std::strerror(errno));
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0)
            if (errno != EINTR) throw std::runtime_error("waitpid failed for a case");
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
    }
};

/// The cases still to run, handed out in order; counts and progress lines.
class Queue {
public:
    Queue(std::vector<std::size_t> pending, std::size_t total, std::size_t already_done, bool quiet)
        : pending_(std::move(pending)), total_(total), done_(already_done), quiet_(quiet) {}

    std::optional<std::size_t> take() {
        std::lock_guard<std::mutex> lock(m_);
        if (next_ >= pending_.size()) return std::nullopt;
        ++running_;
        return pending_[next_++];
    }

    void finished(bool failed) {
        std::lock_guard<std::mutex> lock(m_);
        --running_;
        ++done_;
        ++ran_;
        failed_ += failed;
        if (quiet_) return;
        const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
        const double eta = elapsed * double(pending_.size() - ran_) / double(ran_);
        std::fprintf(stderr, "sweep: %zu/%zu cases done, %zu running, %zu failed  elapsed %s  ETA %s\n", done_,
                     total_, running_, failed_, duration_text(elapsed).c_str(), duration_text(eta).c_str());
        std::fflush(stderr);
    }

private:
    std::mutex m_;
    std::vector<std::size_t> pending_;
    std::size_t next_ = 0, total_, done_, ran_ = 0, running_ = 0, failed_ = 0;
    bool quiet_;
    Clock::time_point start_ = Clock::now();
};

void wait_polling(MPI_Request& req) {
    int flag = 0;
    for (MPI_Test(&req, &flag, MPI_STATUS_IGNORE); !flag; MPI_Test(&req, &flag, MPI_STATUS_IGNORE))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

/// Rank 0's dispatcher: answers each request of another rank with the next case index, or -1 when none is left;
/// a request carries the index the rank finished (-1 for none) and whether it failed.
void dispatch_cases(Queue& queue, int ranks) {
    int stopped = 0;
    while (stopped < ranks - 1) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        int msg[2] = {-1, 0};
        MPI_Recv(msg, 2, MPI_INT, st.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (msg[0] >= 0) queue.finished(msg[1] != 0);
        const auto next = queue.take();
        int reply = next ? int(*next) : -1;
        MPI_Send(&reply, 1, MPI_INT, st.MPI_SOURCE, kTagReply, MPI_COMM_WORLD);
        if (reply < 0) ++stopped;
    }
}

/// Another rank: asks rank 0 for cases until it answers -1.
void work_for_root(const CaseRunner& runner, const std::vector<SweepCase>& cases) {
    int msg[2] = {-1, 0};
    for (;;) {
        MPI_Request req;
        MPI_Isend(msg, 2, MPI_INT, 0, kTagRequest, MPI_COMM_WORLD, &req);
        wait_polling(req);
        int next = -1;
        MPI_Irecv(&next, 1, MPI_INT, 0, kTagReply, MPI_COMM_WORLD, &req);
        wait_polling(req);
        if (next < 0 || std::size_t(next) >= cases.size()) return;
        const CaseRecord r = run_stage("run cases", [&] { return runner.run(cases[std::size_t(next)]); });
        msg[0] = next;
        msg[1] = r.ok ? 0 : 1;
    }
}

/// A broadcast from rank 0 that waits without spinning.
void bcast_int(int& value) {
    MPI_Request req;
    MPI_Ibcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    wait_polling(req);
}

}  // namespace

int cmd_sweep(const Args& args) {
    const po::options_description options = sweep_options();
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim sweep --config sweep.ini --out DIR [--threads N] [--retry-failed] [--quiet]\n"
                     "Runs a base case (simulate or plan) over a grid or a Latin hypercube of values of its keys, "
                     "each case in DIR/cases/<id>/,\nand collects their metrics in DIR/sweep.csv and DIR/sweep.h5. "
                     "Run the same command again to resume. Under mpirun/srun the\ncases are spread over the ranks. "
                     "The sweep file format: sweeps/SWEEP.md.\n"
                     "Exit codes: 0 every case ok, 2 bad input (nothing written), 100 + the number of failed cases "
                     "(at most 200),\n1 the sweep itself failed.\n\n"
                  << options;
        return kExitOk;
    }
    if (!vm.count("config"))
        throw InputError("--config is missing; accepted: a sweep file (see lithosim sweep --help)");
    if (!vm.count("out")) throw InputError("--out is missing; accepted: an output folder (created if missing)");
    std::string threads;
    if (vm.count("threads")) {
        threads = vm["threads"].as<std::string>();
        numeric_option("threads", threads, true, 1, 4096);
    }
    const bool quiet = vm["quiet"].as<bool>();
    const bool retry_failed = vm["retry-failed"].as<bool>();
    const fs::path config_path = vm["config"].as<std::string>();
    const fs::path out = vm["out"].as<std::string>();
    const MpiWorld& world = mpi_world();
    const bool mpi = world.active && world.size > 1;

    // ---- read input: every rank reads and checks the same sweep, so bad input is found alike by all ----
    const SweepConfig config = read_sweep_file(config_path);
    const std::vector<SweepCase> cases = expand_cases(config);
    check_cases(config, cases);
    const std::string identity = sweep_identity(config, cases);

    // ---- prepare DIR (rank 0), and tell the others whether it was refused ----
    int refused = 0;
    std::string refusal;
    if (world.root()) {
        try {
            run_stage("prepare the output folder", [&] {
                prepare_sweep_dir(out, identity, config, read_text_file(config_path), cases.size());
            });
        } catch (const InputError& e) {
            refused = 1;
            refusal = bad_input_message(e);
        }
    }
    if (mpi) bcast_int(refused);
    if (refused) throw InputError(world.root() ? refusal : "the output folder was refused by rank 0");

    CaseRunner runner{config, out / kCasesDir, threads, fs::read_symlink("/proc/self/exe").string(),
                      child_environment()};
    int exit_code = 0;
    if (world.root()) {
        std::vector<std::size_t> pending;
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const auto r = load_record(out / kCasesDir / cases[i].id, cases[i]);
            if (!r || (retry_failed && !r->ok)) pending.push_back(i);
        }
        if (!quiet) {
            std::fprintf(stderr, "sweep: %zu cases (%s), %zu already done, %zu to run on %d worker%s\n",
                         cases.size(), config.mode == SweepMode::Lhs ? "latin hypercube" : "grid",
                         cases.size() - pending.size(), pending.size(), mpi ? world.size : 1,
                         mpi && world.size > 1 ? "s (ranks)" : "");
            std::fflush(stderr);
        }
        Queue queue(pending, cases.size(), cases.size() - pending.size(), quiet);
        std::thread dispatcher;
        if (mpi) dispatcher = std::thread([&] { dispatch_cases(queue, world.size); });
        try {
            while (const auto i = queue.take()) {
                const CaseRecord r = run_stage("run cases", [&] { return runner.run(cases[*i]); });
                queue.finished(!r.ok);
            }
        } catch (...) {
            if (dispatcher.joinable()) dispatcher.detach();  // main() aborts every rank
            throw;
        }
        if (dispatcher.joinable()) dispatcher.join();

        // ---- write the table ----
        std::vector<std::optional<CaseRecord>> records;
        long long failed = 0;
        for (const auto& c : cases) {
            records.push_back(load_record(out / kCasesDir / c.id, c));
            failed += !records.back() || !records.back()->ok;
        }
        const SweepTable table = build_table(config, cases, records, identity);
        run_stage("write results", [&] {
            io::write_sweep_csv(out / kCsvFile, table);
            io::write_sweep_h5(out / kH5File, table);
            write_sweep_figures(out, table);   // pictures of the table: problems are warnings
        });
        exit_code = sweep_exit_code(failed);
        if (!quiet)
            std::cout << "sweep: " << cases.size() << " cases, " << cases.size() - std::size_t(failed) << " ok, "
                      << failed << " failed; table " << (out / kCsvFile).string() << ", " << (out / kH5File).string()
                      << "\n";
    } else {
        work_for_root(runner, cases);
    }
    if (mpi) bcast_int(exit_code);
    return exit_code;
}

}  // namespace lithosim::app
