#include "report/summary.hpp"

#include <algorithm>
#include <cstdio>

#include "cases/case_spec.hpp"
#include "core/text.hpp"
#include "lithosim/build_info.hpp"
#include "io/schema.hpp"

namespace lithosim {

namespace {

std::string number(double v, const char* format) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

void drop_unrequested_axis(const Case& c, SimulationResult& result) {
    const auto& lines = c.sensor.lines;
    if (std::find(lines.begin(), lines.end(), "axis") == lines.end()) result.axis.reset();
}

nlohmann::json summary_json(const SimulationResult& r, const RunPlan& plan, const Dosimetry& d,
                            const std::vector<std::string>& warnings) {
    using nlohmann::json;
    json j = dosimetry_json(d);
    const auto& st = r.stats;
    j["steps"] = st.steps;
    j["cells"] = st.cells;
    j["dt_ns"] = st.dt_s * 1e9;
    j["runtime_s"] = st.runtime_s;
    j["cell_updates_per_s"] = st.cell_updates_per_s;
    j["peak_memory_MB"] = std::max(st.peak_memory_MB, peak_resident_MB());
    j[io::schema::key] = io::schema::summary_json;
    j["version"] = build::version;
    j["git_commit"] = build::git_commit;
    j["threads"] = st.threads;
    j["points_per_wavelength"] = plan.points_per_wavelength;
    j["phase_seconds"] = json(st.phase_seconds);
    if (!r.planes.empty()) j["planes"] = planes_json(r.planes, d.axisymmetric);
    j["warnings"] = warnings;
    return j;
}

std::string summary_text(const SimulationResult& r, const Dosimetry& d) {
    std::string s = dosimetry_text(d);
    auto line = [&s](const std::string& name, const std::string& value) {
        s += "  " + pad_right(name, 21) + value + "\n";
    };
    const auto& st = r.stats;
    line("run time", number(st.runtime_s, "%.1f s") + " (" + std::to_string(st.steps) + " steps, " +
                                    number(st.cell_updates_per_s, "%.3g") + " cell updates/s, " +
                                    std::to_string(st.threads) + (st.threads == 1 ? " thread)" : " threads)"));
    return s;
}

}  // namespace lithosim
