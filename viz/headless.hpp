// Headless rendering: a usable X display before VTK opens a render window.
//
// Debian's VTK 9.1 renders through GLX only, and a render window without a display crashes the process. Every
// figure writer calls ensure_display() first:
//   1. DISPLAY set and XOpenDisplay() succeeds: use it.
//   2. Otherwise start our own virtual X server, `Xvfb -displayfd FD -screen 0 1600x1200x24 -nolisten tcp`: Xvfb
//      picks a free display number itself and writes it to FD when it accepts connections, so concurrent processes
//      (ctest -j) never race for a number. DISPLAY is set for this process; the server is stopped at exit (and, via
//      PR_SET_PDEATHSIG, when this process dies without running its exit handlers).
//   3. If neither works, a one-line reason comes back; the caller writes its data files anyway and prints
//      "figures skipped: <reason>". Nothing here throws or aborts for lack of a display.
#pragma once
#include <optional>
#include <string>

namespace lithosim::viz {

struct HeadlessOptions {
    /// The Xvfb executable: a name searched on PATH, or a path (tests inject a missing one).
    std::string xvfb = "Xvfb";
    /// How long to wait for Xvfb to report its display, s.
    double timeout_s = 15.0;
};

/// true if XOpenDisplay(name) succeeds (the display is closed again).
bool display_usable(const std::string& name);

/// Makes sure this process has a usable DISPLAY (see above). Thread-safe; our own Xvfb is started at most once per
/// process and reused. Returns std::nullopt when rendering can go ahead, else the reason in one line.
std::optional<std::string> ensure_display(const HeadlessOptions& options);
/// The same with the process-wide options (set_headless_options; default HeadlessOptions{}); the figure writers
/// call this one.
std::optional<std::string> ensure_display();
void set_headless_options(const HeadlessOptions& options);

/// Stops our own Xvfb now (if one runs) and clears DISPLAY if it pointed to it. Also done at exit.
void stop_own_display();

/// The display our own Xvfb serves (":N"), empty when none was started.
std::string own_display();

}  // namespace lithosim::viz
