// Runs the lithosim executable as a child process and captures its exit status, stdout and stderr, so CLI tests
// check exactly what a user sees. LITHOSIM_EXE is set by tests/app/CMakeLists.txt to $<TARGET_FILE:lithosim>.
#pragma once
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace lithosim::test {

struct CliResult {
    int exit_code = -1;       ///< exit status, or -1 if the process did not exit normally
    int signal = 0;           ///< the signal that ended it (a crash), 0 if it exited
    std::string out, err;     ///< everything written to stdout and stderr

    /// The lines of stderr (without line ends).
    std::vector<std::string> err_lines() const {
        std::vector<std::string> lines;
        std::istringstream in(err);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }
};

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

/// Runs the program argv[0] (searched on PATH) with `argv` in `workdir` with stdin from /dev/null; stdout and stderr
/// go to files in `workdir` (named so they cannot clash with the files a test looks for) and are read back.
/// Starts the program argv[0] (searched on PATH) in `workdir` without waiting: stdin from /dev/null, stdout and
/// stderr to the files `out` and `err`. Returns its pid; throws std::runtime_error when it cannot be started.
inline pid_t spawn_program(std::vector<std::string> argv_s, const std::filesystem::path& workdir,
                           const std::filesystem::path& out, const std::filesystem::path& err) {
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&fa, workdir.c_str());
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv_s[0].c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0]);
    return pid;
}

inline CliResult run_program(std::vector<std::string> argv_s, const std::filesystem::path& workdir) {
    const auto out_path = workdir / "cli_stdout.txt", err_path = workdir / "cli_stderr.txt";
    const pid_t pid = spawn_program(argv_s, workdir, out_path, err_path);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed for " + argv_s[0]);
    CliResult r;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = read_text(out_path);
    r.err = read_text(err_path);
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
    return r;
}

/// Runs `lithosim args...` in `workdir` (see run_program).
inline CliResult run_lithosim(const std::vector<std::string>& args, const std::filesystem::path& workdir) {
    std::vector<std::string> argv{LITHOSIM_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(std::move(argv), workdir);
}

/// The MPI launcher CMake found (FindMPI's MPIEXEC_EXECUTABLE, passed as LITHOSIM_MPIEXEC), else mpirun from PATH.
inline std::string mpi_launcher() {
#ifdef LITHOSIM_MPIEXEC
    if (std::string(LITHOSIM_MPIEXEC).size() > 0) return LITHOSIM_MPIEXEC;
#endif
    return "mpirun";
}

/// The launcher's arguments for `ranks` ranks of lithosim as root on a small machine, then LITHOSIM_EXE.
inline std::vector<std::string> mpi_prefix(int ranks) {
    return {mpi_launcher(), "--allow-run-as-root", "--oversubscribe", "-n", std::to_string(ranks), LITHOSIM_EXE};
}

/// Runs `mpirun --allow-run-as-root --oversubscribe -n ranks lithosim args...` in `workdir` (see run_program).
inline CliResult run_lithosim_mpi(int ranks, const std::vector<std::string>& args, const std::filesystem::path& workdir) {
    std::vector<std::string> argv = mpi_prefix(ranks);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(std::move(argv), workdir);
}

}  // namespace lithosim::test
