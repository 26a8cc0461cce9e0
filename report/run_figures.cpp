// The figure sets of the commands (see run_figures.hpp). SI in, display units out: mm, us, MPa, mJ/mm^2.
#include "report/run_figures.hpp"

#include <algorithm>
#include <tuple>
#include <cctype>
#include <limits>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "models/ct_volume.hpp"
#include "viz/figures.hpp"
#include "viz/headless.hpp"

namespace lithosim {
namespace fs = std::filesystem;
using viz::Grid2D;
using viz::Rgb;

namespace {

constexpr double kMPa = 1e-6;          // Pa -> MPa
constexpr double kMilliJPerMm2 = 1e-3;  // J/m^2 -> mJ/mm^2
constexpr double kMm = 1e3;             // m -> mm

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

/// Runs the set's figures; stops rendering at the first FigureUnavailable (no display) and records it.
class Runner {
public:
    explicit Runner(const fs::path& dir) : dir_(dir / "figures"), t0_(std::chrono::steady_clock::now()) {
        if (auto reason = viz::ensure_display()) set_.skipped = *reason;
    }
    bool skipped() const { return set_.skipped.has_value(); }
    template <class F>
    void add(const std::string& file, const std::string& caption, F&& render) {
        if (skipped()) return;
        try {
            render(dir_ / file);
            set_.written.emplace_back(dir_ / file, caption);
        } catch (const viz::FigureUnavailable& e) {
            set_.skipped = e.what();
        } catch (const std::invalid_argument& e) {
            set_.notes.push_back(file + " left out: " + e.what());
        }
    }
    void note(const std::string& n) { set_.notes.push_back(n); }
    FigureSet finish() {
        set_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        return std::move(set_);
    }

private:
    fs::path dir_;
    std::chrono::steady_clock::time_point t0_;
    FigureSet set_;
};

std::size_t nearest_index(double x, double origin, double spacing, std::size_t n) {
    if (n <= 1 || spacing <= 0) return 0;
    const double f = std::round((x - origin) / spacing);
    return std::size_t(std::clamp(f, 0.0, double(n - 1)));
}

/// The axial plane (y = y_m) of a map: horizontal z, vertical x (axisymmetric: r mirrored about 0), scaled.
Grid2D axial_plane(const Map3& m, bool axisymmetric, double y_m, double scale) {
    Grid2D g;
    g.nx = m.nz;
    g.x0 = m.origin_m[2] * kMm;
    g.dx = (m.spacing_m[2] > 0 ? m.spacing_m[2] : 1e-3) * kMm;
    g.dy = (m.spacing_m[0] > 0 ? m.spacing_m[0] : 1e-3) * kMm;
    if (axisymmetric) {
        const std::size_t nr = m.nx;
        g.ny = 2 * nr - 1;
        g.y0 = -double(nr - 1) * g.dy;
        g.values.resize(g.nx * g.ny);
        for (std::size_t j = 0; j < g.ny; ++j) {
            const std::size_t ir = j >= nr - 1 ? j - (nr - 1) : (nr - 1) - j;
            for (std::size_t k = 0; k < m.nz; ++k) g.values[k + g.nx * j] = m.at(ir, 0, k) * scale;
        }
    } else {
        const std::size_t iy = nearest_index(y_m, m.origin_m[1], m.spacing_m[1], m.ny);
        g.ny = m.nx;
        g.y0 = m.origin_m[0] * kMm;
        g.values.resize(g.nx * g.ny);
        for (std::size_t j = 0; j < m.nx; ++j)
            for (std::size_t k = 0; k < m.nz; ++k) g.values[k + g.nx * j] = m.at(j, iy, k) * scale;
    }
    return g;
}

/// The transverse plane z = z_m: x horizontal, y vertical (axisymmetric: the (r, z) row revolved).
std::optional<Grid2D> focal_plane(const Map3& m, bool axisymmetric, double z_m, double scale) {
    const std::size_t iz = nearest_index(z_m, m.origin_m[2], m.spacing_m[2], m.nz);
    Grid2D g;
    if (axisymmetric) {
        const std::size_t nr = m.nx;
        if (nr < 2) return std::nullopt;
        const double dr = m.spacing_m[0];
        g.nx = g.ny = 2 * nr - 1;
        g.dx = g.dy = dr * kMm;
        g.x0 = g.y0 = -double(nr - 1) * dr * kMm;
        g.values.resize(g.nx * g.ny);
        for (std::size_t j = 0; j < g.ny; ++j)
            for (std::size_t i = 0; i < g.nx; ++i) {
                const double r = std::hypot(double(i) - (nr - 1), double(j) - (nr - 1));  // in cells
                const std::size_t r0 = std::size_t(r);
                double v;
                if (r0 + 1 >= nr) v = r0 < nr ? m.at(r0, 0, iz) : std::numeric_limits<double>::quiet_NaN();
                else v = (1 - (r - r0)) * m.at(r0, 0, iz) + (r - r0) * m.at(r0 + 1, 0, iz);
                g.values[i + g.nx * j] = v * scale;
            }
        return g;
    }
    if (m.ny < 2 || m.nx < 2) return std::nullopt;  // 1D and 2D runs have no transverse plane
    g.nx = m.nx;
    g.ny = m.ny;
    g.x0 = m.origin_m[0] * kMm;
    g.y0 = m.origin_m[1] * kMm;
    g.dx = m.spacing_m[0] * kMm;
    g.dy = m.spacing_m[1] * kMm;
    g.values.resize(g.nx * g.ny);
    for (std::size_t j = 0; j < m.ny; ++j)
        for (std::size_t i = 0; i < m.nx; ++i) g.values[i + g.nx * j] = m.at(i, j, iz) * scale;
    return g;
}

/// Tissue label colours (assumption: our own choice, distinct on grey; not from a standard).
const std::vector<Rgb>& label_colors() {
    static const std::vector<Rgb> c{{0.55, 0.75, 0.95}, {0.1, 0.1, 0.1},  {0.6, 0.8, 1.0},  {1.0, 0.85, 0.4},
                                    {0.9, 0.5, 0.45},   {0.4, 0.6, 1.0},  {0.95, 0.95, 0.8}, {0.85, 0.75, 0.6},
                                    {1.0, 1.0, 1.0},    {1.0, 0.2, 0.9}};
    return c;
}

viz::LabelOverlay label_overlay(const std::vector<std::uint8_t>& labels) {
    viz::LabelOverlay o;
    o.labels = labels;
    o.names = std::vector<std::string>(models::label_names().begin(), models::label_names().end());
    o.names[0] = "";  // water: no colour, the grey shows
    o.colors = label_colors();
    return o;
}

Grid2D mask_grid(const Grid2D& like, const std::vector<std::uint8_t>& v, const std::vector<int>& which) {
    Grid2D g = like;
    for (std::size_t k = 0; k < g.values.size(); ++k)
        g.values[k] = std::find(which.begin(), which.end(), int(v[k])) != which.end() ? 1.0 : 0.0;
    return g;
}

/// Reorders a cartesian model/dose array into the axial-plane grid layout of axial_plane() (as float map).
Map3 as_map(const std::vector<std::uint8_t>& v, const Map3& like) {
    Map3 m = like;
    m.values.assign(v.begin(), v.end());
    return m;
}

}  // namespace

std::vector<std::vector<std::array<double, 2>>> source_outline_xz_mm(const SimulationSpec& spec) {
    std::vector<std::vector<std::array<double, 2>>> out;
    for (const auto& s : spec.sources) {
        const double x0 = s.position_m[0] * kMm, z0 = s.position_m[2] * kMm, a = 0.5 * s.aperture_m * kMm;
        std::vector<std::array<double, 2>> line;
        switch (s.type) {
            case SourceType::Bowl: {
                const double R = s.focal_length_m * kMm;
                for (int k = 0; k <= 60; ++k) {
                    const double x = -a + 2 * a * k / 60.0;
                    if (std::abs(x) > R) continue;
                    line.push_back({x0 + x, z0 + R - std::sqrt(R * R - x * x)});
                }
                break;
            }
            case SourceType::Piston: line = {{x0 - a, z0}, {x0 + a, z0}}; break;
            case SourceType::Cylinder: {
                const double r = s.cylinder_radius_m * kMm, L = s.cylinder_length_m * kMm;
                line = {{x0 - r, z0}, {x0 + r, z0}, {x0 + r, z0 + L}, {x0 - r, z0 + L}, {x0 - r, z0}};
                break;
            }
            case SourceType::Point: {
                const double d = 0.5;
                line = {{x0 - d, z0 - d}, {x0 + d, z0 + d}, {x0, z0}, {x0 - d, z0 + d}, {x0 + d, z0 - d}};
                break;
            }
            case SourceType::Plane: break;
        }
        if (line.size() >= 2) out.push_back(std::move(line));
    }
    return out;
}

FigureSet write_field_figures(const fs::path& dir, const SimulationResult& result, const Dosimetry& d,
                              const SimulationSpec* spec) {
    Runner run(dir);
    if (run.skipped()) return run.finish();
    const bool axi = d.axisymmetric;
    if (!result.p_max || !d.field) {
        run.note("no p_max map: no field figures");
    } else {
        const auto& f = *d.field;
        const double p_plus = f.p_plus_MPa;
        const double fy_m = f.focus_mm[1] / kMm, fz_m = f.focus_mm[2] / kMm;
        std::vector<viz::ContourLevel> contours{
            {0.5 * p_plus, "-6 dB of p+ (" + fmt("%.1f", 0.5 * p_plus) + " MPa)", {1, 1, 1}, false},
            {5.0, "p+ = 5 MPa", {1.0, 0.55, 0.1}, true}};
        std::vector<viz::Polyline> source;
        if (spec)
            for (auto& l : source_outline_xz_mm(*spec)) {
                // Axial plane: horizontal z, vertical x.
                viz::Polyline p;
                p.name = source.empty() ? "source" : "";
                p.color = {0.95, 0.25, 0.25};
                for (auto& q : l) p.points.push_back({q[1], q[0]});
                source.push_back(std::move(p));
            }
        const Grid2D pmax_axial = axial_plane(*result.p_max, axi, fy_m, kMPa);
        const auto pmax_focal = focal_plane(*result.p_max, axi, fz_m, kMPa);
        struct MapKind {
            const char* key;
            const char* name;
            const char* label;
            const std::optional<Map3>* map;
            double scale;
        };
        const MapKind kinds[] = {{"p_plus", "p+", "p+ (MPa)", &result.p_max, kMPa},
                                 {"p_minus", "p-", "p- (MPa)", &result.p_min, kMPa},
                                 {"efd", "EFD", "EFD (mJ/mm^2)", &result.efd, kMilliJPerMm2}};
        const std::string plane_text = axi ? "axial plane (r, z), mirrored about the axis" : "axial plane y = " +
                                                                                                fmt("%.1f", f.focus_mm[1]) + " mm";
        for (const auto& k : kinds) {
            if (!k.map->has_value()) continue;
            viz::MapFigure m;
            m.title = std::string(k.name) + ", " + plane_text;
            m.x_label = "z (mm)";
            m.y_label = axi ? "r (mm)" : "x (mm)";
            m.value_label = k.label;
            m.field = axial_plane(**k.map, axi, fy_m, k.scale);
            m.contour_field = pmax_axial;
            m.contours = contours;
            m.overlays = source;
            m.markers = {{f.focus_mm[2], axi ? 0.0 : f.focus_mm[0], "focus", {0.9, 0.1, 0.1}}};
            run.add(std::string(k.key) + "_axial.png",
                    std::string(k.name) + " in the " + plane_text + ", -6 dB and 5 MPa contours of p+" +
                        (source.empty() ? "" : ", source outline"),
                    [&](const fs::path& p) { viz::render_map(m, p); });
            if (pmax_focal) {
                const auto plane = focal_plane(**k.map, axi, fz_m, k.scale);
                if (!plane) continue;
                viz::MapFigure t;
                t.title = std::string(k.name) + ", focal plane z = " + fmt("%.1f", f.focus_mm[2]) + " mm";
                t.x_label = "x (mm)";
                t.y_label = "y (mm)";
                t.value_label = k.label;
                t.field = *plane;
                t.contour_field = *pmax_focal;
                t.contours = contours;
                run.add(std::string(k.key) + "_focal_plane.png",
                        std::string(k.name) + " in the focal plane z = " + fmt("%.1f", f.focus_mm[2]) +
                            " mm, -6 dB and 5 MPa contours of p+",
                        [&](const fs::path& p) { viz::render_map(t, p); });
            }
        }
        // Profiles through the focus.
        const Map3& pm = *result.p_max;
        const std::size_t ix = nearest_index(axi ? 0.0 : f.focus_mm[0] / kMm, pm.origin_m[0], pm.spacing_m[0], pm.nx);
        const std::size_t iy = axi ? 0 : nearest_index(fy_m, pm.origin_m[1], pm.spacing_m[1], pm.ny);
        const std::size_t iz = nearest_index(fz_m, pm.origin_m[2], pm.spacing_m[2], pm.nz);
        // A p+ profile with the -6 dB level drawn across it.
        auto profile = [&](const char* title, const char* x_label, const viz::Series& s) {
            viz::LinePlotFigure f;
            f.title = title;
            f.x_label = x_label;
            f.y_label = "p+ (MPa)";
            const viz::Series half{"-6 dB level", {s.x.front(), s.x.back()}, {0.5 * p_plus, 0.5 * p_plus},
                                   {0.5, 0.5, 0.5}, 1.5};
            f.series = {s, half};
            return f;
        };
        if (pm.nz > 1) {
            viz::Series s{"p+ on the line x, y through the focus", {}, {}, {0.12, 0.47, 0.71}};
            for (std::size_t k = 0; k < pm.nz; ++k) {
                s.x.push_back(pm.position_m(ix, iy, k)[2] * kMm);
                s.y.push_back(pm.at(ix, iy, k) * kMPa);
            }
            viz::LinePlotFigure a = profile("Axial p+ profile through the focus", "z (mm)", s);
            a.markers = {{f.focus_mm[2], p_plus, "focus, p+ " + fmt("%.1f", p_plus) + " MPa", {0.8, 0.1, 0.1}}};
            run.add("profile_axial.png", "p+ along the beam axis through the focus, -6 dB level",
                    [&](const fs::path& p) { viz::render_lines(a, p); });
        }
        if (pm.nx > 1) {
            viz::Series s{axi ? "p+ across the axis (mirrored)" : "p+ along x through the focus", {}, {}, {0.12, 0.47, 0.71}};
            if (axi)
                for (std::size_t k = pm.nx; k-- > 1;) {
                    s.x.push_back(-pm.position_m(k, 0, iz)[0] * kMm);
                    s.y.push_back(pm.at(k, 0, iz) * kMPa);
                }
            for (std::size_t k = 0; k < pm.nx; ++k) {
                s.x.push_back(pm.position_m(k, iy, iz)[0] * kMm);
                s.y.push_back(pm.at(k, iy, iz) * kMPa);
            }
            const viz::LinePlotFigure l =
                profile("Lateral p+ profile through the focus", axi ? "r (mm)" : "x (mm)", s);
            run.add("profile_lateral.png", "p+ across the beam through the focus, -6 dB level (width " +
                                               fmt("%.1f", f.focal_zone_6dB_mm.x_mm) + " mm)",
                    [&](const fs::path& p) { viz::render_lines(l, p); });
        }
    }
    // The focal waveform.
    if (d.focal_series && !d.focal_series->p_Pa.empty() && d.focal_series->t_s.size() >= 3) {
        const auto& ts = d.focal_series->t_s;
        const auto& ps = d.focal_series->p_Pa[0];
        viz::LinePlotFigure w;
        w.title = "Focal waveform";
        w.x_label = "t (us)";
        w.y_label = "p (MPa)";
        viz::Series s{"p(t) at the focus", {}, {}, {0.12, 0.47, 0.71}};
        for (std::size_t k = 0; k < ts.size(); ++k) {
            s.x.push_back(ts[k] * 1e6);
            s.y.push_back(ps[k] * kMPa);
        }
        const std::size_t imax = std::size_t(std::max_element(s.y.begin(), s.y.end()) - s.y.begin());
        const std::size_t imin = std::size_t(std::min_element(s.y.begin(), s.y.end()) - s.y.begin());
        const double pk = s.y[imax];
        // The time axis spans the pulse: where |p| reaches 2 % of its largest value, with a margin of a fifth of
        // that span on either side (a 60 us record would otherwise squeeze a 2 us pulse into a few pixels).
        const double level = 0.02 * std::max(std::abs(pk), std::abs(s.y[imin]));
        std::size_t first = s.y.size(), last = 0;
        for (std::size_t k = 0; k < s.y.size(); ++k)
            if (std::abs(s.y[k]) >= level) first = std::min(first, k), last = k;
        if (first < last) {
            const double margin = 0.2 * (s.x[last] - s.x[first]);
            w.x_range = std::array<double, 2>{std::max(s.x.front(), s.x[first] - margin),
                                              std::min(s.x.back(), s.x[last] + margin)};
        }
        w.series = {s};
        // Labelled as the table's "p+/p- of the focal waveform" rows (p- of the zone may lie beside the focus).
        w.markers.push_back({s.x[imax], pk, "p+ at the focus " + fmt("%.4g", pk) + " MPa", {0.8, 0.1, 0.1}});
        w.markers.push_back(
            {s.x[imin], s.y[imin], "p- at the focus " + fmt("%.4g", s.y[imin]) + " MPa", {0.1, 0.3, 0.8}});
        // Crossing of level `v` on the rising edge before the peak (backwards) or the falling edge after it.
        auto crossing = [&](double v, bool rising) -> std::optional<double> {
            if (rising) {
                for (std::size_t k = imax; k > 0; --k)
                    if (s.y[k - 1] < v && s.y[k] >= v)
                        return s.x[k - 1] + (v - s.y[k - 1]) / (s.y[k] - s.y[k - 1]) * (s.x[k] - s.x[k - 1]);
            } else {
                for (std::size_t k = imax; k + 1 < s.y.size(); ++k)
                    if (s.y[k] >= v && s.y[k + 1] < v)
                        return s.x[k] + (s.y[k] - v) / (s.y[k] - s.y[k + 1]) * (s.x[k + 1] - s.x[k]);
            }
            return std::nullopt;
        };
        if (pk > 0) {
            const auto t10 = crossing(0.1 * pk, true), t90 = crossing(0.9 * pk, true);
            const std::optional<double> rise = d.field ? d.field->rise_time_ns : std::nullopt;
            if (t10 && t90 && rise) {
                w.markers.push_back({*t10, 0.1 * pk, "", {0.1, 0.6, 0.2}});
                w.markers.push_back({*t90, 0.9 * pk,
                                     "rise 10-90 %: " + fmt("%.0f", *rise) + " ns" +
                                         (d.grid_cell_travel_ns && *rise <= kRiseTimeGridLimitedCells * *d.grid_cell_travel_ns
                                              ? " (grid-limited)"
                                              : ""),
                                     {0.1, 0.6, 0.2}});
            }
            const auto h0 = crossing(0.5 * pk, true), h1 = crossing(0.5 * pk, false);
            if (h0 && h1 && d.pulse_duration_ns) {
                w.markers.push_back({*h0, 0.5 * pk, "", {0.6, 0.2, 0.7}});
                w.markers.push_back(
                    {*h1, 0.5 * pk, "pulse duration " + fmt("%.0f", *d.pulse_duration_ns) + " ns", {0.6, 0.2, 0.7}});
                w.series.push_back({"half maximum (pulse duration)", {*h0, *h1}, {0.5 * pk, 0.5 * pk}, {0.6, 0.2, 0.7}, 2});
            }
        }
        run.add("waveform_focus.png", "pressure at the focus against time: p+, p-, rise time (10-90 %) and pulse duration",
                [&](const fs::path& p) { viz::render_lines(w, p); });
    } else {
        run.note("focal waveform left out: no series within 1.5 cells of the focus");
    }
    return run.finish();
}

FigureSet write_model_figures(const fs::path& dir, const io::ModelFile& model) {
    Runner run(dir);
    if (run.skipped()) return run.finish();
    const io::ModelGrid& g = model.grid;
    if (g.size() == 0 || g.hu.size() != g.size() || g.labels.size() != g.size()) {
        run.note("model figures left out: the model has no cartesian HU and label grid");
        return run.finish();
    }
    Map3 hu;
    hu.nx = g.nx; hu.ny = g.ny; hu.nz = g.nz;
    hu.origin_m = g.origin_m;
    hu.spacing_m = {g.dx_m, g.dx_m, g.dx_m};
    hu.values = g.hu;
    const Map3 lab = as_map(g.labels, hu), tgt = as_map(g.target.size() == g.size() ? g.target : g.labels, hu);
    const auto& T = model.target_m;
    const auto& S = model.source_m;
    // Along the beam (y = target y): horizontal z, vertical x.
    {
        viz::MapFigure m;
        m.title = "CT along the beam (y = " + fmt("%.1f", T[1] * kMm) + " mm), labels and beam path";
        m.x_label = "z along the beam (mm)";
        m.y_label = "x (mm)";
        m.background = axial_plane(hu, false, T[1], 1.0);
        m.background_min = -300;
        m.background_max = 1500;
        Grid2D lg = axial_plane(lab, false, T[1], 1.0);
        std::vector<std::uint8_t> l8(lg.values.begin(), lg.values.end());
        m.labels = label_overlay(l8);
        m.overlays.push_back({"beam path", {{S[2] * kMm, S[0] * kMm}, {T[2] * kMm, T[0] * kMm}}, {1, 0.2, 0.2}, 3, true});
        if (g.target.size() == g.size()) {
            m.contour_field = axial_plane(tgt, false, T[1], 1.0);  // the target as its outline
            m.contours = {{0.5, "target", {1, 0.1, 0.9}, false}};
        }
        m.markers = {{T[2] * kMm, T[0] * kMm, "target", {1, 0.1, 0.9}}};
        run.add("model_along_beam.png", "CT (HU, grey) with tissue labels along the beam through the target, beam path",
                [&](const fs::path& p) { viz::render_map(m, p); });
    }
    // Across the beam (z = target z).
    {
        viz::MapFigure m;
        m.title = "CT across the beam (z = " + fmt("%.1f", T[2] * kMm) + " mm), labels";
        m.x_label = "x (mm)";
        m.y_label = "y (mm)";
        auto bg = focal_plane(hu, false, T[2], 1.0);
        auto lg = focal_plane(lab, false, T[2], 1.0);
        if (bg && lg) {
            m.background = *bg;
            m.background_min = -300;
            m.background_max = 1500;
            std::vector<std::uint8_t> l8(lg->values.begin(), lg->values.end());
            m.labels = label_overlay(l8);
            if (g.target.size() == g.size()) {
                m.contour_field = *focal_plane(tgt, false, T[2], 1.0);
                m.contours = {{0.5, "target", {1, 0.1, 0.9}, false}};
            }
            m.markers = {{T[0] * kMm, T[1] * kMm, "beam axis / target", {1, 0.2, 0.2}}};
            run.add("model_across_beam.png", "CT (HU, grey) with tissue labels across the beam at the target",
                    [&](const fs::path& p) { viz::render_map(m, p); });
        }
    }
    return run.finish();
}

FigureSet write_plan_figures(const fs::path& dir, const io::PlanFile& plan, const nlohmann::json& pj,
                             const io::ModelFile* /*model*/) {
    Runner run(dir);
    if (run.skipped()) return run.finish();
    const bool axi = plan.axisymmetric;
    // Dose on the labelled model through the target (the dose grid's labels; assumption: the label colours over a
    // uniform grey stand in for the CT, whose grid differs from the dose grid).
    if (plan.efd.size() > 0 && plan.labels.size() == plan.efd.size()) {
        const Map3 lab = as_map(plan.labels, plan.efd);
        const Grid2D efd = axial_plane(plan.efd, axi, 0.0, kMilliJPerMm2);
        Grid2D lg = axial_plane(lab, axi, 0.0, 1.0);
        viz::MapFigure m;
        m.title = "Dose (EFD of one shock) on the model through the target";
        m.x_label = "z along the beam (mm)";
        m.y_label = axi ? "r (mm)" : "x (mm)";
        m.value_label = "EFD (mJ/mm^2)";
        Grid2D grey = lg;
        std::fill(grey.values.begin(), grey.values.end(), 0.55);
        m.background = grey;
        m.background_min = 0;
        m.background_max = 1;
        std::vector<std::uint8_t> l8(lg.values.begin(), lg.values.end());
        m.labels = label_overlay(l8);
        m.field = efd;
        double mx = 0;
        for (double v : efd.values) mx = std::max(mx, v);
        m.field_visible_from = 0.05 * mx;
        m.field_opacity = 0.75;
        // Outlines: the target and the organs at risk (bone, lung, gas), as contours of 0/1 masks. One contour field
        // per figure: combine them as target = 1, organs = 2 and draw the levels 0.5 (everything) and 1.5 (organs).
        Grid2D outline = lg;
        const Grid2D tg = plan.target.size() == plan.efd.size() ? axial_plane(as_map(plan.target, plan.efd), axi, 0.0, 1.0)
                                                                : mask_grid(lg, l8, {int(models::Label::calcification)});
        const Grid2D organs = mask_grid(lg, l8, {int(models::Label::bone_cortical), int(models::Label::bone_trabecular),
                                                 int(models::Label::lung), int(models::Label::air)});
        for (std::size_t k = 0; k < outline.values.size(); ++k)
            outline.values[k] = organs.values[k] > 0.5 ? 2.0 : (tg.values[k] > 0.5 ? 1.0 : 0.0);
        m.contour_field = outline;
        m.contours = {{0.5, "target and organ edges", {1, 0.1, 0.9}, false},
                      {1.5, "organs at risk", {1, 0.3, 0.1}, true}};
        // The dose maximum and the target's centre (the mean position of its cells in the plane), marked.
        {
            std::size_t best = 0;
            double sx = 0, sy = 0, n = 0;
            for (std::size_t k = 0; k < efd.values.size(); ++k) {
                if (efd.values[k] > efd.values[best]) best = k;
                if (tg.values.size() == efd.values.size() && tg.values[k] > 0.5) {
                    sx += efd.x0 + double(k % efd.nx) * efd.dx;
                    sy += efd.y0 + double(k / efd.nx) * efd.dy;
                    n += 1;
                }
            }
            if (!efd.values.empty())
                m.markers.push_back({efd.x0 + double(best % efd.nx) * efd.dx, efd.y0 + double(best / efd.nx) * efd.dy,
                                     "EFD maximum " + fmt("%.3g", efd.values[best]) + " mJ/mm^2", {1, 1, 0.2}});
            // the target centre unlabelled (its outline is in the legend), so the two labels never overlap
            if (n > 0) m.markers.push_back({sx / n, sy / n, "", {1, 0.1, 0.9}});
        }
        run.add("plan_dose_on_model.png",
                "EFD of one shock at the treatment setting on the model labels, target and organs at risk outlined, "
                "the EFD maximum (labelled) and the target's centre (magenta dot) marked (beam frame)",
                [&](const fs::path& p) { viz::render_map(m, p); });
    }
    // Fragmentation curve with session boundaries.
    if (pj.contains("fragmentation_curve") && pj["fragmentation_curve"].is_array() && !pj["fragmentation_curve"].empty()) {
        viz::LinePlotFigure c;
        c.title = "Fragmentation curve";
        c.x_label = "shocks (cumulative)";
        c.y_label = "fraction cleared";
        viz::Series s{"fraction of the target cleared", {}, {}, {0.12, 0.47, 0.71}};
        for (const auto& p : pj["fragmentation_curve"]) {
            s.x.push_back(p.value("shocks", 0.0));
            s.y.push_back(p.value("fraction_cleared", 0.0));
        }
        c.series = {s};
        c.y_range = std::array<double, 2>{0.0, 1.05};
        double cum = 0;
        if (pj.contains("sessions"))
            for (const auto& ss : pj["sessions"]) {
                cum += ss.value("shocks", 0.0);
                c.vlines.push_back({cum, "end of session " + std::to_string(ss.value("index", 0))});
            }
        run.add("plan_fragmentation.png", "fraction of the target cleared against the cumulative shocks, session ends",
                [&](const fs::path& p) { viz::render_lines(c, p); });
    }
    // Fragment-size distribution after each session.
    if (!plan.initial.diameter_m.empty()) {
        // On the target's volume: the intact deposit is one fragment but all of the volume, so it shows (a count
        // axis hid it under the many small pieces).
        viz::BarFigure b;
        b.title = "Fragment sizes: share of the target's volume per size class";
        b.x_label = "fragment size class (mm)";
        b.y_label = "share of the target's volume (%)";
        for (double dm : plan.initial.diameter_m) b.categories.push_back(fmt("%.2g", dm * kMm));
        const auto volume_shares = [&plan](const std::vector<double>& count) {
            double total = 0;
            for (std::size_t i = 0; i < plan.initial.diameter_m.size() && i < plan.initial.count.size(); ++i)
                total += plan.initial.count[i] * std::pow(plan.initial.diameter_m[i], 3);
            std::vector<double> v(count.size(), 0.0);
            for (std::size_t i = 0; i < count.size() && i < plan.initial.diameter_m.size(); ++i)
                v[i] = total > 0 ? 100 * count[i] * std::pow(plan.initial.diameter_m[i], 3) / total : 0;
            return v;
        };
        b.series_names.push_back("before treatment");
        b.values.push_back(volume_shares(plan.initial.count));
        for (std::size_t k = 0; k < plan.sessions.size(); ++k)
            if (plan.sessions[k].count.size() == b.categories.size()) {
                b.series_names.push_back("after session " + std::to_string(k + 1));
                b.values.push_back(volume_shares(plan.sessions[k].count));
            }
        run.add("plan_fragment_sizes.png",
                "share of the target's volume in each fragment size class before and after each session (the rest "
                "cleared as dust)",
                [&](const fs::path& p) { viz::render_bars(b, p); });
    }
    // Timeline.
    if (pj.contains("sessions") && pj["sessions"].is_array() && !pj["sessions"].empty()) {
        viz::TimelineFigure t;
        for (const auto& ss : pj["sessions"]) {
            viz::TimelineFigure::Session s;
            s.day = ss.value("day", 0.0);
            s.label = "S" + std::to_string(ss.value("index", 0));
            s.text = std::to_string(ss.value("shocks", 0)) + " shocks at " + fmt("%.3g", ss.value("setting", 0.0)) +
                     ", " + fmt("%.3g", ss.value("efd_target_mJ_per_mm2", 0.0)) + " mJ/mm^2 per shock, cleared " +
                     fmt("%.0f", 100 * ss.value("fraction_cleared_after", 0.0)) + " %";
            t.sessions.push_back(s);
        }
        run.add("plan_timeline.png", "sessions on the day axis with shocks, setting and energy per session",
                [&](const fs::path& p) { viz::render_timeline(t, p); });
    }
    // Dose-volume curves (plan.json `dvh`): per structure, the share of its volume at or above each level.
    if (pj.contains("dvh") && pj["dvh"].is_object() && !pj["dvh"]["structures"].empty()) {
        const nlohmann::json& d = pj["dvh"];
        const viz::Rgb palette[] = {{0.84, 0.15, 0.16}, {0.12, 0.47, 0.71}, {0.17, 0.63, 0.17}, {0.58, 0.40, 0.74}};
        const std::string setting = pj.value("setting_unit", std::string("setting")) + " " +
                                    fmt("%.3g", d.value("setting", 0.0));
        for (const auto& [levels_key, fraction_key, unit, file, what] :
             {std::tuple{"efd_levels_mJ_per_mm2", "efd_fraction_above", "EFD per shock (mJ/mm^2)", "plan_dvh_efd.png",
                         "EFD"},
              std::tuple{"p_plus_levels_MPa", "p_plus_fraction_above", "p+ per shock (MPa)", "plan_dvh_p_plus.png",
                         "p+"}}) {
            viz::LinePlotFigure f;
            f.title = std::string("Dose-volume: ") + what + " of one shock at " + setting;
            f.x_label = unit;
            f.y_label = "structure volume at or above (%)";
            f.y_range = std::array<double, 2>{0, 100};
            std::size_t k = 0;
            for (const auto& [name, st] : d["structures"].items()) {
                viz::Series se;
                se.name = name + " (" + fmt("%.3g", st.value("volume_mm3", 0.0)) + " mm^3)";
                se.x = d[levels_key].get<std::vector<double>>();
                for (double v : st[fraction_key].get<std::vector<double>>()) se.y.push_back(100 * v);
                se.points = true;
                se.color = palette[k++ % 4];
                f.series.push_back(std::move(se));
            }
            // The x axis up to the first level no structure reaches (the curves' end), not the whole level list.
            const auto levels = d[levels_key].get<std::vector<double>>();
            std::size_t last = 0;
            for (const auto& se : f.series)
                for (std::size_t l = 0; l < se.y.size(); ++l)
                    if (se.y[l] > 0) last = std::max(last, std::min(l + 1, levels.size() - 1));
            f.x_range = std::array<double, 2>{0, levels[last]};
            run.add(file, std::string("share of each structure's volume at or above each ") + what +
                              " level, one shock (plan.json dvh)",
                    [f](const fs::path& p) { viz::render_lines(f, p); });
        }
    }
    return run.finish();
}

FigureSet write_sweep_metric_figures(const fs::path& dir, const io::SweepTable& table) {
    Runner run(dir);
    if (run.skipped()) return run.finish();
    static const char* kInteresting[] = {"p_plus_MPa", "p_minus_MPa", "efd_focus_mJ_per_mm2", "focus_mm.2",
                                         "focal_zone_6dB_mm.z", "E12mm_mJ", "rise_time_ns",
                                         "predicted_success_probability"};
    const std::size_t n = table.rows();
    const bool scatter = table.parameters.size() > 1;
    int made = 0;
    for (const char* name : kInteresting) {
        auto mc = std::find_if(table.metrics.begin(), table.metrics.end(),
                               [&](const io::SweepColumn& c) { return c.name == name && c.numeric; });
        if (mc == table.metrics.end() || mc->numbers.size() != n) continue;
        for (const auto& pc : table.parameters) {
            viz::LinePlotFigure f;
            f.title = std::string(name) + " against " + pc.name;
            f.x_label = pc.name;
            f.y_label = name;
            viz::Series s{"", {}, {}, {0.12, 0.47, 0.71}};
            s.line = !scatter;
            s.points = true;
            std::vector<std::pair<double, double>> pts;
            std::vector<std::string> cats;
            for (std::size_t r = 0; r < n; ++r) {
                if (r < table.status.size() && table.status[r] != "ok") continue;
                const double y = mc->numbers[r];
                if (!std::isfinite(y)) continue;
                double x;
                if (pc.numeric && r < pc.numbers.size()) x = pc.numbers[r];
                else {
                    const std::string t = r < pc.texts.size() ? pc.texts[r] : "";
                    auto it = std::find(cats.begin(), cats.end(), t);
                    if (it == cats.end()) { cats.push_back(t); it = cats.end() - 1; }
                    x = double(it - cats.begin());
                    f.x_label = pc.name + " (" + [&] {
                        std::string all;
                        for (std::size_t k = 0; k < cats.size(); ++k) all += (k ? ", " : "") + std::to_string(k) + " = " + cats[k];
                        return all;
                    }() + ")";
                    s.line = false;
                }
                if (std::isfinite(x)) pts.emplace_back(x, y);
            }
            if (pts.empty()) continue;
            std::sort(pts.begin(), pts.end());
            for (auto& [x, y] : pts) { s.x.push_back(x); s.y.push_back(y); }
            f.series = {s};
            std::string file = "sweep_" + std::string(name) + "_vs_" + pc.name + ".png";
            for (auto& ch : file)
                if (!(std::isalnum((unsigned char)ch) || ch == '.' || ch == '_' || ch == '-')) ch = '_';
            run.add(file, std::string(name) + " against " + pc.name + (scatter ? " (every case)" : ""),
                    [&](const fs::path& p) { viz::render_lines(f, p); });
            ++made;
        }
    }
    if (made == 0) run.note("no sweep figure: no metric of interest with a value in an ok case");
    return run.finish();
}

}  // namespace lithosim
