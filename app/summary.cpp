#include "app/summary.hpp"

#include <cstdio>

#include "lithosim/build_info.hpp"

namespace lithosim::app {

namespace {

/// A map of the same geometry as `like`, all zero: stands in for a map the case did not ask for, so the metrics
/// that do not need it can still be computed.
Map3 zero_like(const Map3& like) {
    Map3 m = like;
    std::fill(m.values.begin(), m.values.end(), 0.0f);
    return m;
}

/// The user's sensor points and the beam-axis series as one record (same sample times), so the series nearest
/// the focus is found among all of them.
SensorRecord all_series(const SimulationResult& r) {
    SensorRecord s = r.sensors;
    if (r.axis) {
        if (s.t_s.empty()) s.t_s = r.axis->t_s;
        s.position_m.insert(s.position_m.end(), r.axis->position_m.begin(), r.axis->position_m.end());
        s.p_Pa.insert(s.p_Pa.end(), r.axis->p_Pa.begin(), r.axis->p_Pa.end());
    }
    return s;
}

template <class T>
nlohmann::json or_null(bool present, const T& value) {
    return present ? nlohmann::json(value) : nlohmann::json(nullptr);
}

std::string number(double v, const char* format) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

Dosimetry compute_dosimetry(const SimulationResult& r, std::vector<std::string>& warnings) {
    Dosimetry d;
    if (!r.p_max) {
        warnings.push_back("no p_max map ([sensor] maps): the dosimetry summary is not available");
        return d;
    }
    d.has_p_minus = r.p_min.has_value();
    d.has_efd = r.efd.has_value();
    if (!d.has_p_minus) warnings.push_back("no p_min map ([sensor] maps): p_minus_MPa is not available");
    if (!d.has_efd) warnings.push_back("no efd map ([sensor] maps): efd_focus_mJ_per_mm2 is not available");
    const Map3 p_min = d.has_p_minus ? *r.p_min : zero_like(*r.p_max);
    const Map3 efd = d.has_efd ? *r.efd : zero_like(*r.p_max);
    d.field = planning::summarise_field(*r.p_max, p_min, efd, all_series(r));
    if (!d.field->rise_time_ns)
        warnings.push_back("no time series at the focus (off the beam axis and no [sensor] point there): "
                           "rise_time_ns is not available");
    return d;
}

nlohmann::json summary_json(const SimulationResult& r, const RunPlan& plan, const Dosimetry& d,
                            const std::vector<std::string>& warnings) {
    using nlohmann::json;
    const bool f = d.field.has_value();
    const planning::FieldSummary fs = f ? *d.field : planning::FieldSummary{};
    json j;
    j["p_plus_MPa"] = or_null(f, fs.p_plus_MPa);
    j["p_minus_MPa"] = or_null(f && d.has_p_minus, fs.p_minus_MPa);
    j["focus_mm"] = f ? json::array({fs.focus_mm[0], fs.focus_mm[1], fs.focus_mm[2]}) : json(nullptr);
    j["efd_focus_mJ_per_mm2"] = or_null(f && d.has_efd, fs.efd_focus_mJ_per_mm2);
    j["focal_zone_6dB_mm"] = f ? json{{"x", fs.focal_zone_6dB_mm.x_mm}, {"y", fs.focal_zone_6dB_mm.y_mm},
                                      {"z", fs.focal_zone_6dB_mm.z_mm}}
                               : json(nullptr);
    j["rise_time_ns"] = or_null(f && fs.rise_time_ns.has_value(), fs.rise_time_ns.value_or(0.0));
    j["pulse_duration_ns"] = or_null(f && fs.pulse_duration_ns.has_value(), fs.pulse_duration_ns.value_or(0.0));
    const auto& st = r.stats;
    j["steps"] = st.steps;
    j["cells"] = st.cells;
    j["dt_ns"] = st.dt_s * 1e9;
    j["runtime_s"] = st.runtime_s;
    j["cell_updates_per_s"] = st.cell_updates_per_s;
    j["peak_memory_MB"] = std::max(st.peak_memory_MB, peak_resident_MB());
    j["version"] = build::version;
    j["git_commit"] = build::git_commit;
    j["threads"] = st.threads;
    j["points_per_wavelength"] = plan.points_per_wavelength;
    j["phase_seconds"] = json(st.phase_seconds);
    j["warnings"] = warnings;
    return j;
}

std::string summary_text(const SimulationResult& r, const Dosimetry& d) {
    std::string s = "dosimetry summary\n";
    auto line = [&s](const std::string& name, const std::string& value) { s += "  " + name + value + "\n"; };
    if (d.field) {
        const auto& fs = *d.field;
        line("p+                 ", number(fs.p_plus_MPa, "%.2f MPa"));
        line("p-                 ", d.has_p_minus ? number(fs.p_minus_MPa, "%.2f MPa") : "n/a (no p_min map)");
        char buf[160];
        std::snprintf(buf, sizeof buf, "(%.2f, %.2f, %.2f) mm", fs.focus_mm[0], fs.focus_mm[1], fs.focus_mm[2]);
        line("focus              ", buf);
        std::snprintf(buf, sizeof buf, "x %.2f mm, y %.2f mm, z %.2f mm", fs.focal_zone_6dB_mm.x_mm,
                      fs.focal_zone_6dB_mm.y_mm, fs.focal_zone_6dB_mm.z_mm);
        line("-6 dB focal zone   ", buf);
        line("EFD at focus       ", d.has_efd ? number(fs.efd_focus_mJ_per_mm2, "%.4f mJ/mm^2") : "n/a (no efd map)");
        line("rise time          ", fs.rise_time_ns ? number(*fs.rise_time_ns, "%.1f ns")
                                                    : std::string("n/a (no time series at the focus)"));
    } else {
        line("(no p_max map: ", "no dosimetry)");
    }
    const auto& st = r.stats;
    line("run time           ", number(st.runtime_s, "%.1f s") + " (" + std::to_string(st.steps) + " steps, " +
                                    number(st.cell_updates_per_s, "%.3g") + " cell updates/s, " +
                                    std::to_string(st.threads) + (st.threads == 1 ? " thread)" : " threads)"));
    return s;
}

}  // namespace lithosim::app
