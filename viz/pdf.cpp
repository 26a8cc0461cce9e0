#include "viz/pdf.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace lithosim::viz {
namespace fs = std::filesystem;

namespace {

/// Runs argv with stdout to `out_path` (or /dev/null) and stderr to /dev/null; waits at most timeout_s (then kills
/// it). Returns the exit status, or -1 when it could not start or timed out.
int run(const std::vector<std::string>& args, const std::string& out_path, double timeout_s) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.empty() ? "/dev/null" : out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: a timeout kills the browser's helpers
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return -1;
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        int status = 0;
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout_s) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

/// The common headless switches: no sandbox (root in CI), no GPU, a throw-away profile.
std::vector<std::string> browser_args(const std::string& browser, const fs::path& profile) {
    return {browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=" + profile.string()};
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "lithosim_browser_XXXXXX").string();
        if (mkdtemp(pattern.data())) path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};

}  // namespace

std::string find_browser(const std::string& browser) {
    if (browser.find('/') != std::string::npos) return access(browser.c_str(), X_OK) == 0 ? browser : "";
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');) {
        const fs::path p = fs::path(d.empty() ? "." : d) / browser;
        if (access(p.c_str(), X_OK) == 0) return p.string();
    }
    return "";
}

std::optional<std::string> print_pdf(const fs::path& html, const fs::path& pdf, const PdfOptions& options) {
    const std::string browser = find_browser(options.browser);
    if (browser.empty())
        return "no PDF printer: '" + options.browser + "' not found (Debian package chromium; scripts/install-deps.sh "
               "installs it)";
    const TempDir profile;
    if (profile.path.empty()) return "no PDF: cannot create a temporary browser profile";
    const fs::path partial = pdf.string() + ".partial";
    std::error_code ec;
    fs::remove(partial, ec);
    auto args = browser_args(browser, profile.path);
    args.push_back("--no-pdf-header-footer");
    args.push_back("--print-to-pdf=" + fs::absolute(partial).string());
    args.push_back("file://" + fs::absolute(html).string());
    const int status = run(args, "", options.timeout_s);
    std::ifstream f(partial, std::ios::binary);
    char magic[5] = {0, 0, 0, 0, 0};
    f.read(magic, 4);
    if (status != 0 || std::string(magic) != "%PDF") {
        fs::remove(partial, ec);
        return "no PDF: " + browser + (status == -1 ? " did not finish" : " failed (exit " + std::to_string(status) + ")");
    }
    f.close();
    fs::rename(partial, pdf, ec);
    if (ec) {
        fs::remove(partial, ec);
        return "no PDF: cannot write " + pdf.string();
    }
    return std::nullopt;
}

std::optional<std::string> render_dom(const fs::path& html, int width, int height, const PdfOptions& options) {
    const std::string browser = find_browser(options.browser);
    if (browser.empty()) return std::nullopt;
    const TempDir profile;
    if (profile.path.empty()) return std::nullopt;
    const fs::path out = profile.path / "dom.html";
    auto args = browser_args(browser, profile.path / "profile");
    args.push_back("--window-size=" + std::to_string(width) + "," + std::to_string(height));
    args.push_back("--virtual-time-budget=5000");
    args.push_back("--dump-dom");
    args.push_back("file://" + fs::absolute(html).string());
    if (run(args, out.string(), options.timeout_s) != 0) return std::nullopt;
    std::ifstream f(out, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace lithosim::viz
