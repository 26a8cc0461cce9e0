// The metric-versus-parameter figures of a sweep (issue 6 §2, issue 7 §1.2): DIR/figures/, rendered by
// app/run_figures. Pictures of the table already written: a problem here is a warning, never a failed sweep.
#include <exception>

#include "app/commands.hpp"
#include "app/run_figures.hpp"
#include "app/sweep.hpp"

namespace lithosim::app {

void write_sweep_figures(const fs::path& dir, const SweepTable& table) {
    try {
        const FigureSet set = write_sweep_metric_figures(dir, table);
        if (set.skipped) print_warning("figures skipped: " + *set.skipped);
        for (const auto& n : set.notes) print_warning("figure left out: " + n);
    } catch (const std::exception& e) {
        print_warning(std::string("sweep figures not written: ") + e.what());
    }
}

}  // namespace lithosim::app
