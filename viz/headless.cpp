// Headless rendering: DISPLAY check and our own Xvfb (see headless.hpp).
#include "viz/headless.hpp"

#include <X11/Xlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <vector>

namespace lithosim::viz {
namespace {

std::mutex g_mutex;
HeadlessOptions g_options;
pid_t g_xvfb_pid = -1;
std::string g_xvfb_display;

void stop_own_xvfb() {
    if (g_xvfb_pid > 0) {
        kill(g_xvfb_pid, SIGTERM);
        int status = 0;
        waitpid(g_xvfb_pid, &status, 0);
        g_xvfb_pid = -1;
    }
}

bool own_xvfb_alive() {
    if (g_xvfb_pid <= 0) return false;
    int status = 0;
    if (waitpid(g_xvfb_pid, &status, WNOHANG) == 0) return true;
    g_xvfb_pid = -1;  // it exited (reaped now)
    g_xvfb_display.clear();
    return false;
}

/// The executable `name` resolves to (PATH search for a bare name), or empty.
std::string find_executable(const std::string& name) {
    auto is_exe = [](const std::string& p) {
        struct stat st {};
        return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) return is_exe(name) ? name : std::string();
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string p = (dir.empty() ? std::string(".") : dir) + "/" + name;
        if (is_exe(p)) return p;
    }
    return {};
}

/// Starts Xvfb; on success returns ":N" in `display`, else the reason.
std::optional<std::string> start_xvfb(const HeadlessOptions& o, std::string& display) {
    const std::string exe = find_executable(o.xvfb);
    if (exe.empty())
        return "no X display and no Xvfb executable '" + o.xvfb + "' (install the Debian package xvfb)";
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return std::string("cannot create a pipe for Xvfb: ") + std::strerror(errno);
    // Everything the child needs is prepared before fork(): after fork only async-signal-safe calls are made.
    const std::string fd_arg = std::to_string(fds[1]);
    // -noreset: an X server resets when its last client leaves, and refuses connections meanwhile; the usability
    // probe is such a client, so without it the render window that follows could meet a resetting server.
    std::vector<std::string> args{exe, "-displayfd", fd_arg, "-screen", "0", "1600x1200x24", "-nolisten", "tcp", "-noreset"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return std::string("cannot fork to start Xvfb: ") + std::strerror(errno);
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);
        const int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        // Keep the display pipe across exec; close every other inherited descriptor (a test runner's output pipe
        // held open by Xvfb would keep the runner waiting).
        for (int fd = 3; fd < 1024; ++fd)
            if (fd != fds[1]) close(fd);
        fcntl(fds[1], F_SETFD, 0);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(fds[1]);
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout_s);
    bool done = false;
    while (!done) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        pollfd p{fds[0], POLLIN, 0};
        const int r = poll(&p, 1, int(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        char buf[64];
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EOF: Xvfb exited (or closed the pipe) without a number
        got.append(buf, std::size_t(n));
        if (got.find('\n') != std::string::npos) done = true;
    }
    close(fds[0]);
    auto fail = [&](const std::string& why) -> std::optional<std::string> {
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
        std::string how;
        if (WIFEXITED(status)) how = " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
        return why + how;
    };
    if (!done) return fail("Xvfb (" + exe + ") did not report a display within " + std::to_string(int(o.timeout_s)) + " s");
    const std::string number = got.substr(0, got.find('\n'));
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos)
        return fail("Xvfb reported an unreadable display number '" + number + "'");
    g_xvfb_pid = pid;
    display = ":" + number;
    static bool registered = false;
    if (!registered) {
        std::atexit(stop_own_xvfb);
        registered = true;
    }
    return std::nullopt;
}

}  // namespace

bool display_usable(const std::string& name) {
    if (name.empty()) return false;
    Display* d = XOpenDisplay(name.c_str());
    if (!d) return false;
    XCloseDisplay(d);
    return true;
}

std::string own_display() {
    std::lock_guard<std::mutex> lock(g_mutex);
    return own_xvfb_alive() ? g_xvfb_display : std::string();
}

void set_headless_options(const HeadlessOptions& options) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_options = options;
}

std::optional<std::string> ensure_display() {
    HeadlessOptions o;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        o = g_options;
    }
    return ensure_display(o);
}

void stop_own_display() {
    std::lock_guard<std::mutex> lock(g_mutex);
    const char* env = std::getenv("DISPLAY");
    if (env && !g_xvfb_display.empty() && g_xvfb_display == env) unsetenv("DISPLAY");
    stop_own_xvfb();
    g_xvfb_display.clear();
}

std::optional<std::string> ensure_display(const HeadlessOptions& options) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (own_xvfb_alive()) {
        setenv("DISPLAY", g_xvfb_display.c_str(), 1);
        return std::nullopt;
    }
    const char* env = std::getenv("DISPLAY");
    const std::string current = env ? env : "";
    if (display_usable(current)) return std::nullopt;
    std::string display;
    if (auto reason = start_xvfb(options, display)) {
        if (!current.empty()) return "DISPLAY=" + current + " cannot be opened and " + *reason;
        return *reason;
    }
    if (!display_usable(display)) {
        stop_own_xvfb();
        return "our Xvfb reported display " + display + " but it cannot be opened";
    }
    g_xvfb_display = display;
    setenv("DISPLAY", display.c_str(), 1);
    return std::nullopt;
}

}  // namespace lithosim::viz
