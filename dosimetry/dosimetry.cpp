#include "dosimetry/dosimetry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "cases/case_spec.hpp"
#include "core/text.hpp"
#include "io/h5_names.hpp"
#include "core/errors.hpp"

namespace lithosim {

namespace {

constexpr double kMm_per_m = 1e3, kNs_per_s = 1e9, kJ_per_m2_per_mJ_per_mm2 = 1e3;
/// A series farther from the focus than this (in cells) is not the focal waveform (as planning/ uses).
constexpr double kFocalSeriesRadiusCells = 1.5;
/// A focal plane may miss the map's z range by this fraction of a cell (rounding of mm -> m).
constexpr double kPlaneToleranceCells = 1e-6;

/// A map of the same geometry as `like`, all zero: stands in for a map the case did not ask for, so the metrics
/// that do not need it can still be computed (their keys are then null).
Map3 zero_like(const Map3& like) {
    Map3 m = like;
    std::fill(m.values.begin(), m.values.end(), 0.0f);
    return m;
}

/// Position (m) of the largest p_max (the first in x-fastest order on ties): the focus as planning/ defines it.
std::array<double, 3> focus_position_m(const Map3& p_max) {
    const std::size_t idx =
        static_cast<std::size_t>(std::max_element(p_max.values.begin(), p_max.values.end()) - p_max.values.begin());
    return p_max.position_m(idx % p_max.nx, (idx / p_max.nx) % p_max.ny, idx / (p_max.nx * p_max.ny));
}

bool axis_used(const Map3& m, int a) {
    const std::size_t n[3] = {m.nx, m.ny, m.nz};
    return n[a] > 1 && m.spacing_m[a] > 0;
}

/// The series nearest the focus, if it lies within kFocalSeriesRadiusCells of it. Distances are counted in cells
/// along each used axis (along an unused one in units of the largest used spacing); axisymmetric maps compare a
/// series' radius sqrt(x^2 + y^2) with the focus radius. These are the rules planning::iec61846_parameters and
/// planning::summarise_field apply to their candidates, so the series chosen here is the one they would choose.
std::optional<SensorRecord> nearest_series(const SensorRecord& s, const Map3& m, bool axisymmetric,
                                           const std::array<double, 3>& focus_m) {
    double largest = 0;
    for (int a = 0; a < 3; ++a)
        if (axis_used(m, a)) largest = std::max(largest, m.spacing_m[a]);
    if (!(largest > 0) || s.position_m.empty() || s.p_Pa.size() != s.position_m.size()) return std::nullopt;
    auto cell = [&](int a) { return axis_used(m, a) ? m.spacing_m[a] : largest; };
    std::optional<std::size_t> best;
    double best_d2 = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < s.position_m.size(); ++k) {
        const auto& x = s.position_m[k];
        double d2 = 0;
        if (axisymmetric) {
            const double dr = (std::hypot(x[0], x[1]) - focus_m[0]) / cell(0), dz = (x[2] - focus_m[2]) / cell(2);
            d2 = dr * dr + dz * dz;
        } else {
            for (int a = 0; a < 3; ++a) {
                const double d = (x[a] - focus_m[a]) / cell(a);
                d2 += d * d;
            }
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            best = k;
        }
    }
    if (!best || std::sqrt(best_d2) > kFocalSeriesRadiusCells) return std::nullopt;
    SensorRecord out;
    out.t_s = s.t_s;
    out.position_m = {s.position_m[*best]};
    out.p_Pa = {s.p_Pa[*best]};
    return out;
}

/// The maps the IEC module reads: 3D (nx, ny >= 2) or axisymmetric (nr >= 2).
bool iec_geometry(const Map3& m, bool axisymmetric) {
    return axisymmetric ? m.nx >= 2 && m.ny == 1 : m.nx >= 2 && m.ny >= 2;
}

/// The focal plane to use: `z` if it lies in the map's z range; otherwise InputError (a plane the user chose) or a
/// warning and none (the p_max plane is used then).
std::optional<double> checked_focal_plane(const Map3& m, const DosimetryInputs& in,
                                          std::vector<std::string>& warnings) {
    if (!in.focal_plane_z_m) return std::nullopt;
    const double z = *in.focal_plane_z_m;
    const double z0 = m.origin_m[2], z1 = z0 + double(m.nz - 1) * m.spacing_m[2];
    const double tol = kPlaneToleranceCells * std::max(m.spacing_m[2], 1e-3);
    if (z >= z0 - tol && z <= z1 + tol) return z;
    const std::string range = "the map spans z = " + mm_text(z0) + " to " + mm_text(z1) + " mm";
    if (in.focal_plane_is_user_input)
        throw InputError("focus_z_mm", "focal plane z = " + mm_text(z) + " mm lies outside the map; accepted: " + range);
    warnings.push_back("the geometric focus z = " + mm_text(z) + " mm lies outside the map (" + range +
                       "): the disc energies use the plane of the p_max peak");
    return std::nullopt;
}

nlohmann::json or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json zone_json(const planning::FocalZone& z) { return {{"x", z.x_mm}, {"y", z.y_mm}, {"z", z.z_mm}}; }

std::string number(double v, const char* format) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

std::string rise_time_note(const nlohmann::json& rise_ns, const nlohmann::json& cell_ns) {
    if (!rise_ns.is_number() || !cell_ns.is_number() || !(cell_ns.get<double>() > 0)) return "";
    const double cells = rise_ns.get<double>() / cell_ns.get<double>();
    char b[200];
    if (cells <= kRiseTimeGridLimitedCells)
        std::snprintf(b, sizeof b, " (%.1f cells of travel, dx/c = %.0f ns: limited by the grid; a physical shock "
                      "rises in a few ns)", cells, cell_ns.get<double>());
    else
        std::snprintf(b, sizeof b, " (%.1f cells of travel, dx/c = %.0f ns: resolved by the grid)", cells,
                      cell_ns.get<double>());
    return b;
}

namespace {

std::string zone_text(const nlohmann::json& z) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "x %.2f mm, y %.2f mm, z %.2f mm", z["x"].get<double>(), z["y"].get<double>(),
                  z["z"].get<double>());
    return buf;
}

}  // namespace

SensorRecord all_series(const SimulationResult& r) {
    SensorRecord s = r.sensors;
    if (r.axis) {
        if (s.t_s.empty()) s.t_s = r.axis->t_s;
        s.position_m.insert(s.position_m.end(), r.axis->position_m.begin(), r.axis->position_m.end());
        s.p_Pa.insert(s.p_Pa.end(), r.axis->p_Pa.begin(), r.axis->p_Pa.end());
    }
    return s;
}

Dosimetry compute_dosimetry(const SimulationResult& r, const DosimetryInputs& in, std::vector<std::string>& warnings) {
    Dosimetry d;
    d.axisymmetric = in.axisymmetric;
    if (!r.p_max) {
        warnings.push_back("no p_max map ([sensor] maps): the dosimetry summary is not available");
        return d;
    }
    d.has_p_minus = r.p_min.has_value();
    d.has_efd = r.efd.has_value();
    if (!d.has_p_minus) warnings.push_back("no p_min map ([sensor] maps): p_minus_MPa is not available");
    if (!d.has_efd) warnings.push_back("no efd map ([sensor] maps): efd_focus_mJ_per_mm2 is not available");
    const Map3 p_max = in.search_from_z_m ? planning::crop_from_z(*r.p_max, *in.search_from_z_m) : *r.p_max;
    const Map3 p_min = !d.has_p_minus ? zero_like(p_max)
                       : in.search_from_z_m ? planning::crop_from_z(*r.p_min, *in.search_from_z_m) : *r.p_min;
    const Map3 efd = !d.has_efd ? zero_like(p_max)
                     : in.search_from_z_m ? planning::crop_from_z(*r.efd, *in.search_from_z_m) : *r.efd;
    const SensorRecord series = all_series(r);
    d.field = planning::summarise_field(p_max, p_min, efd, series);
    if (!d.field->rise_time_ns)
        warnings.push_back("no time series at the focus (off the beam axis and no [sensor] point there): "
                           "rise_time_ns is not available");

    // The medium and the waveform at the focus.
    const std::array<double, 3> focus_m = focus_position_m(p_max);
    if (!in.medium_at) throw std::logic_error("compute_dosimetry: DosimetryInputs::medium_at is not set");
    const MaterialProps medium = in.medium_at(focus_m);
    d.rho_focus_kg_per_m3 = medium.rho_kg_per_m3;
    d.c_focus_m_per_s = medium.c_m_per_s;
    {
        double dx = 0;
        const std::size_t n[3] = {p_max.nx, p_max.ny, p_max.nz};
        for (int a = 0; a < 3; ++a)
            if (n[a] > 1) dx = std::max(dx, p_max.spacing_m[a]);
        if (dx > 0 && medium.c_m_per_s > 0) d.grid_cell_travel_ns = dx / medium.c_m_per_s * 1e9;
    }
    d.focal_series = nearest_series(series, p_max, in.axisymmetric, focus_m);
    if (d.focal_series) {
        const auto& t = d.focal_series->t_s;
        const auto& p = d.focal_series->p_Pa[0];
        if (const auto dur = planning::pulse_duration_s(t, p)) d.pulse_duration_ns = *dur * kNs_per_s;
        if (const auto e = planning::efd_positive_J_per_m2(t, p, medium.rho_kg_per_m3, medium.c_m_per_s))
            d.efd_plus_focus_mJ_per_mm2 = *e / kJ_per_m2_per_mJ_per_mm2;
    }

    // IEC 61846 parameters of the maps. The focal series is the only candidate: it is the one the module would pick
    // from all the series, and a result file keeps only it.
    if (iec_geometry(p_max, in.axisymmetric) && d.field->p_plus_MPa > 0) {
        const std::optional<double> plane = checked_focal_plane(p_max, in, warnings);
        d.iec = planning::iec61846_parameters(p_max, p_min, efd, d.focal_series.value_or(SensorRecord{}),
                                              medium.rho_kg_per_m3, medium.c_m_per_s, plane, in.axisymmetric);
        d.pulse_duration_ns = d.iec->pulse_duration_ns;
        d.efd_plus_focus_mJ_per_mm2 = d.iec->efd_plus_focus_mJ_per_mm2;
        // A zone cut by the map: name the faces it reaches (the low z face is the device's front where the focus
        // search starts: the zone reaching it runs back to the device and cannot be enclosed).
        const auto faces_text = [&](const std::array<std::array<bool, 2>, 3>& f, bool& enlarge) {
            std::vector<std::string> out;
            enlarge = false;
            const char* names[3] = {in.axisymmetric ? "r" : "x", "y", "z"};
            for (int a = 0; a < 3; ++a)
                for (int side = 0; side < 2; ++side) {
                    if (!f[a][side]) continue;
                    const std::size_t n = a == 0 ? p_max.nx : a == 1 ? p_max.ny : p_max.nz;
                    const double at = p_max.origin_m[a] + (side ? double(n - 1) : 0.0) * p_max.spacing_m[a];
                    std::string t = std::string(names[a]) + " = " + mm_text(at) + " mm";
                    const bool front = a == 2 && side == 0 && in.search_from_z_m;
                    if (front) t += " (the device's front: the zone runs back to the device)";
                    else enlarge = true;
                    out.push_back(t);
                }
            return join(out, " and ");
        };
        bool enlarge6 = false, enlarge5 = false;
        const std::string e6 = faces_text(d.iec->zone_6dB_edge_faces, enlarge6);
        const std::string e5 = faces_text(d.iec->zone_5MPa_edge_faces, enlarge5);
        if (!e6.empty())
            warnings.push_back("the -6 dB focal zone reaches the edge of the map at " + e6 +
                               ": its extent there is the map's, not the field's" +
                               (enlarge6 ? "; enlarge [grid] size_mm" : ""));
        if (!e5.empty())
            warnings.push_back("the 5 MPa zone reaches the edge of the map at " + e5 + ": it is not reported" +
                               (enlarge5 ? "; enlarge [grid] size_mm" : ""));
    }
    return d;
}

nlohmann::json planes_json(const std::vector<PlaneRecord>& planes, bool axisymmetric) {
    using nlohmann::json;
    const auto geometry = axisymmetric ? planning::MapGeometry::axisymmetric : planning::MapGeometry::cartesian;
    json out = json::array();
    for (const auto& pl : planes) {
        const Map3& mx = pl.p_max;
        // The beam-axis node: r = 0 (axisymmetric), else the node at x = y = 0 when there is one.
        std::optional<std::size_t> ix, iy;
        if (axisymmetric) ix = 0, iy = 0;
        else {
            const double ux = mx.spacing_m[0] > 0 ? -mx.origin_m[0] / mx.spacing_m[0] : 0.0;
            const double uy = mx.spacing_m[1] > 0 ? -mx.origin_m[1] / mx.spacing_m[1] : 0.0;
            if (std::abs(ux - std::round(ux)) < 1e-6 && std::abs(uy - std::round(uy)) < 1e-6 && ux >= 0 && uy >= 0 &&
                std::size_t(std::lround(ux)) < mx.nx && std::size_t(std::lround(uy)) < mx.ny)
                ix = std::size_t(std::lround(ux)), iy = std::size_t(std::lround(uy));
        }
        json j;
        j["z_mm"] = pl.z_m * 1e3;
        j["p_plus_max_MPa"] = *std::max_element(mx.values.begin(), mx.values.end()) * 1e-6;
        j["p_minus_min_MPa"] = *std::min_element(pl.p_min.values.begin(), pl.p_min.values.end()) * 1e-6;
        j["p_plus_axis_MPa"] = ix ? json(mx.at(*ix, *iy, 0) * 1e-6) : json(nullptr);
        j["p_minus_axis_MPa"] = ix ? json(pl.p_min.at(*ix, *iy, 0) * 1e-6) : json(nullptr);
        j["efd_axis_mJ_per_mm2"] = ix ? json(pl.efd.at(*ix, *iy, 0) / kJ_per_m2_per_mJ_per_mm2) : json(nullptr);
        j["efd_plus_axis_mJ_per_mm2"] =
            ix ? json(pl.efd_plus.at(*ix, *iy, 0) / kJ_per_m2_per_mJ_per_mm2) : json(nullptr);
        // Full width at half the axis value, along +x from the axis (symmetric about it), interpolated linearly.
        std::optional<double> width;
        if (ix && mx.at(*ix, *iy, 0) > 0) {
            const double half = 0.5 * mx.at(*ix, *iy, 0);
            for (std::size_t i = *ix + 1; i < mx.nx; ++i) {
                const double a = mx.at(i - 1, *iy, 0), b = mx.at(i, *iy, 0);
                if (b < half) {
                    width = 2 * (double(i - 1 - *ix) + (a - half) / (a - b)) * mx.spacing_m[0] * 1e3;
                    break;
                }
            }
        }
        j["width_6dB_mm"] = or_null(width);
        auto disc = [&](double r) {
            const auto e = planning::E_disc_J(pl.efd, r, geometry);
            return e ? json(*e * 1e3) : json(nullptr);
        };
        j["E5mm_mJ"] = disc(planning::kDisc5mmRadius_m);
        j["E12mm_mJ"] = disc(planning::kDisc12mmRadius_m);
        j["E28mm_disc_mJ"] = disc(planning::kDisc28mmDiameterRadius_m);
        j["energy_total_mJ"] = planning::plane_energy_J(pl.efd, geometry) * 1e3;
        out.push_back(j);
    }
    return out;
}

nlohmann::json dosimetry_json(const Dosimetry& d) {
    using nlohmann::json;
    const bool f = d.field.has_value();
    const planning::FieldSummary fs = f ? *d.field : planning::FieldSummary{};
    const bool iec = d.iec.has_value();
    const bool energies = iec && d.has_efd;
    json j;
    j["p_plus_MPa"] = f ? json(fs.p_plus_MPa) : json(nullptr);
    j["p_minus_MPa"] = f && d.has_p_minus ? json(fs.p_minus_MPa) : json(nullptr);
    j["focus_mm"] = f ? json::array({fs.focus_mm[0], fs.focus_mm[1], fs.focus_mm[2]}) : json(nullptr);
    j["efd_focus_mJ_per_mm2"] = f && d.has_efd ? json(fs.efd_focus_mJ_per_mm2) : json(nullptr);
    j["focal_zone_6dB_mm"] = !f ? json(nullptr)
                             : d.axisymmetric && iec ? zone_json(d.iec->focal_zone_6dB_mm)
                                                     : zone_json(fs.focal_zone_6dB_mm);
    // The extremes of the focal waveform (what the waveform figure marks): p+ equals p_plus_MPa when the series lies
    // on the focus node; p- at the focus is smaller in magnitude than p_minus_MPa (the zone's most negative p_min)
    // when the tensile peak lies beside the focus.
    std::optional<double> wave_plus, wave_minus;
    if (d.focal_series && !d.focal_series->p_Pa.empty() && !d.focal_series->p_Pa[0].empty()) {
        const auto& p = d.focal_series->p_Pa[0];
        wave_plus = *std::max_element(p.begin(), p.end()) * 1e-6;
        wave_minus = *std::min_element(p.begin(), p.end()) * 1e-6;
    }
    j["p_plus_focal_waveform_MPa"] = or_null(wave_plus);
    j["p_minus_focal_waveform_MPa"] = or_null(wave_minus);
    j["rise_time_ns"] = or_null(f ? fs.rise_time_ns : std::nullopt);
    j["grid_cell_travel_ns"] = or_null(d.grid_cell_travel_ns);
    j["pulse_duration_ns"] = or_null(d.pulse_duration_ns);
    j["positive_phase_duration_ns"] = or_null(f ? fs.pulse_duration_ns : std::nullopt);
    j["focal_zone_5MPa_mm"] =
        iec && d.iec->focal_zone_5MPa_mm ? zone_json(*d.iec->focal_zone_5MPa_mm) : json(nullptr);
    j["efd_plus_focus_mJ_per_mm2"] = or_null(d.efd_plus_focus_mJ_per_mm2);
    j["E5mm_mJ"] = or_null(energies ? d.iec->E5mm_mJ : std::nullopt);
    j["E12mm_mJ"] = or_null(energies ? d.iec->E12mm_mJ : std::nullopt);
    j["energy_total_mJ"] = energies ? json(d.iec->energy_total_mJ) : json(nullptr);
    j["E28mm_disc_mJ"] = or_null(energies ? d.iec->E28mm_disc_mJ : std::nullopt);
    j["focal_plane_z_mm"] = iec ? json(d.iec->focal_plane_z_mm) : json(nullptr);
    return j;
}

std::vector<io::DosimetryValue> dosimetry_values(const Dosimetry& d) {
    const nlohmann::json j = dosimetry_json(d);
    std::vector<io::DosimetryValue> out;
    for (const auto& p : io::h5::dosimetry_parameters) {
        const nlohmann::json& v = j.at(p.name);
        if (v.is_null()) continue;
        io::DosimetryValue dv{p.name, p.unit, {}};
        if (v.is_number()) dv.values = {v.get<double>()};
        else if (v.is_array()) dv.values = v.get<std::vector<double>>();
        else dv.values = {v.at("x").get<double>(), v.at("y").get<double>(), v.at("z").get<double>()};
        out.push_back(std::move(dv));
    }
    return out;
}

std::string dosimetry_text(const Dosimetry& d) {
    std::string s = "dosimetry summary\n";
    auto line = [&s](const std::string& name, const std::string& value) {
        s += "  " + pad_right(name, 21) + value + "\n";
    };
    if (!d.field) {
        line("(no p_max map:", "no dosimetry)");
        return s;
    }
    const nlohmann::json j = dosimetry_json(d);
    auto value = [&j](const char* key, const char* format, const std::string& missing) {
        return j[key].is_null() ? missing : number(j[key].get<double>(), format);
    };
    line("p+", value("p_plus_MPa", "%.2f MPa", "n/a"));
    line("p-", value("p_minus_MPa", "%.2f MPa", "n/a (no p_min map)"));
    const auto& focus = j["focus_mm"];
    char buf[160];
    std::snprintf(buf, sizeof buf, "(%.2f, %.2f, %.2f) mm%s", focus[0].get<double>(), focus[1].get<double>(),
                  focus[2].get<double>(), d.axisymmetric ? " (r, 0, z)" : "");
    line("focus", buf);
    line("-6 dB focal zone", zone_text(j["focal_zone_6dB_mm"]));
    line("EFD at focus", value("efd_focus_mJ_per_mm2", "%.4f mJ/mm^2", "n/a (no efd map)"));
    line("rise time", value("rise_time_ns", "%.1f ns", "n/a (no time series at the focus)") +
                          rise_time_note(j["rise_time_ns"], j["grid_cell_travel_ns"]));
    line("pulse duration", value("pulse_duration_ns", "%.1f ns", "n/a (no time series at the focus)") +
                               " (positive phase at half maximum)");
    if (!d.iec) return s;  // 1D, 2D: no discs and zones of revolution
    line("5 MPa focal zone", j["focal_zone_5MPa_mm"].is_null() ? std::string("n/a (below 5 MPa or cut by the map edge)")
                                                               : zone_text(j["focal_zone_5MPa_mm"]));
    line("EFD+ at focus", value("efd_plus_focus_mJ_per_mm2", "%.4f mJ/mm^2", "n/a (no time series at the focus)"));
    line("focal plane", value("focal_plane_z_mm", "z = %.2f mm", "n/a"));
    const std::string no_disc = "n/a (disc beyond the map or no efd map)";
    line("E5mm", value("E5mm_mJ", "%.3f mJ", no_disc));
    line("E12mm", value("E12mm_mJ", "%.3f mJ", no_disc));
    line("E28mm disc", value("E28mm_disc_mJ", "%.3f mJ", no_disc));
    line("energy (plane)", value("energy_total_mJ", "%.3f mJ", "n/a (no efd map)"));
    return s;
}

Dosimetry case_dosimetry(const PreparedCase& p, const SimulationResult& result, std::vector<std::string>& warnings) {
    DosimetryInputs in;
    in.axisymmetric = p.spec.grid.axisymmetric;
    in.medium_at = [&p](const std::array<double, 3>& x_m) { return medium_at(p.spec.medium, x_m); };
    in.focal_plane_z_m = p.focus.focal_plane_z_m;
    in.search_from_z_m = p.focus.search_from_z_m;
    return compute_dosimetry(result, in, warnings);
}

}  // namespace lithosim
