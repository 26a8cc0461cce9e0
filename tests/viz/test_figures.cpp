// Figures (viz/figures) and headless rendering (viz/headless): real rendering, checked on the PNG read back.
// These tests unset DISPLAY themselves: they must pass on a machine with no display (our own Xvfb).
#include <catch2/catch.hpp>

#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "viz/figures.hpp"
#include "viz/headless.hpp"

using namespace lithosim::viz;
namespace fs = std::filesystem;

namespace {

struct Png {
    int w = 0, h = 0;
    std::vector<unsigned char> rgb;  ///< row 0 = bottom (VTK convention, as Layout)
    std::array<int, 3> at(int x, int y) const {
        const std::size_t k = 3 * (std::size_t(x) + std::size_t(w) * std::size_t(y));
        return {rgb[k], rgb[k + 1], rgb[k + 2]};
    }
};

Png read_png(const fs::path& p) {
    REQUIRE(fs::exists(p));
    vtkNew<vtkPNGReader> r;
    r->SetFileName(p.string().c_str());
    r->Update();
    vtkImageData* img = r->GetOutput();
    Png out;
    int dims[3];
    img->GetDimensions(dims);
    out.w = dims[0];
    out.h = dims[1];
    const int nc = img->GetNumberOfScalarComponents();
    REQUIRE(nc >= 3);
    auto* src = static_cast<unsigned char*>(img->GetScalarPointer());
    out.rgb.resize(std::size_t(out.w) * out.h * 3);
    for (std::size_t k = 0; k < std::size_t(out.w) * out.h; ++k)
        for (int a = 0; a < 3; ++a) out.rgb[3 * k + a] = src[nc * k + a];
    return out;
}

std::size_t distinct_colours(const Png& p) {
    std::set<int> s;
    for (std::size_t k = 0; k < p.rgb.size(); k += 3) s.insert(p.rgb[k] << 16 | p.rgb[k + 1] << 8 | p.rgb[k + 2]);
    return s.size();
}

double non_white_fraction(const Png& p) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < p.rgb.size(); k += 3)
        if (p.rgb[k] < 240 || p.rgb[k + 1] < 240 || p.rgb[k + 2] < 240) ++n;
    return double(n) / (p.rgb.size() / 3);
}

int colour_distance(const std::array<int, 3>& a, const Rgb& c) {
    int d = 0;
    for (int k = 0; k < 3; ++k) d = std::max(d, std::abs(a[k] - int(std::lround(255 * c[k]))));
    return d;
}

fs::path out_dir() {
    fs::path d = fs::temp_directory_path() / ("lithosim_test_figures_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
}

/// A Gaussian spot of peak `peak` at (xc, zc), sigma s, on x in [-20, 20] mm, z in [30, 90] mm, 0.5 mm cells.
Grid2D gaussian_map(double xc, double zc, double s, double peak) {
    Grid2D g;
    g.nx = 81;
    g.ny = 121;
    g.x0 = -20;
    g.y0 = 30;
    g.dx = g.dy = 0.5;
    g.values.resize(g.nx * g.ny);
    for (std::size_t j = 0; j < g.ny; ++j)
        for (std::size_t i = 0; i < g.nx; ++i) {
            const double x = g.x0 + i * g.dx, z = g.y0 + j * g.dy;
            g.values[i + g.nx * j] = peak * std::exp(-((x - xc) * (x - xc) + (z - zc) * (z - zc)) / (2 * s * s));
        }
    return g;
}

void unset_display() { unsetenv("DISPLAY"); }

}  // namespace

TEST_CASE("viridis: control points and monotone lightness", "[viz][figures]") {
    // End points of matplotlib's table (entries 0 and 255).
    CHECK(viridis(0)[0] == Approx(0.267004));
    CHECK(viridis(1)[1] == Approx(0.906157));
    CHECK(viridis(0.5)[1] == Approx(0.566949).margin(0.002));  // entry 128 is at t = 0.502
    // Perceived lightness (Rec. 709 luma as a proxy) increases along the map.
    double last = -1;
    for (int k = 0; k <= 50; ++k) {
        const Rgb c = viridis(k / 50.0);
        const double y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        CHECK(y > last);
        last = y;
    }
}

TEST_CASE("contour_lines: a circle of the Gaussian at the requested level", "[viz][figures]") {
    const Grid2D g = gaussian_map(2, 60, 4, 10);
    const auto lines = contour_lines(g, 5);  // half maximum: radius s sqrt(2 ln 2)
    REQUIRE(lines.size() == 1);
    const double r = 4 * std::sqrt(2 * std::log(2.0));
    for (const auto& p : lines[0]) CHECK(std::hypot(p[0] - 2, p[1] - 60) == Approx(r).margin(0.1));
}

TEST_CASE("map figure: size, colours, colour bar, focal spot where the data put it", "[viz][figures]") {
    unset_display();
    const double xc = 6, zc = 48;
    MapFigure f;
    f.title = "p+ (synthetic spot)";
    f.x_label = "x (mm)";
    f.y_label = "z (mm)";
    f.value_label = "p+ (MPa)";
    f.field = gaussian_map(xc, zc, 3, 40);
    f.contours = {{20, "-6 dB (20 MPa)", {1, 1, 1}, false}, {5, "5 MPa", {1, 0.5, 0}, true}};
    f.overlays.push_back({"source", {{-15, 31}, {0, 35}, {15, 31}}, {0.9, 0.2, 0.2}});
    const fs::path png = out_dir() / "map.png";
    const Layout L = render_map(f, png);
    const Png img = read_png(png);
    CHECK(img.w == L.width_px);
    CHECK(img.h == L.height_px);
    // Equal mm scale: 40 mm x 60 mm.
    CHECK(L.plot_h / L.plot_w == Approx(60.0 / 40.0).epsilon(0.01));
    CHECK(distinct_colours(img) > 200);
    CHECK(non_white_fraction(img) > 0.3);

    // The brightest (most yellow: largest R + G - B) pixel of the plot area is at the spot.
    int bx = -1, by = -1, best = -1000;
    for (int y = int(L.plot_y0) + 3; y < int(L.plot_y0 + L.plot_h) - 3; ++y)
        for (int x = int(L.plot_x0) + 3; x < int(L.plot_x0 + L.plot_w) - 3; ++x) {
            const auto c = img.at(x, y);
            const int s = c[0] + c[1] - c[2];
            if (s > best) { best = s; bx = x; by = y; }
        }
    const auto want = L.to_pixel(xc, zc);
    CHECK(std::abs(bx - want[0]) <= 3);
    CHECK(std::abs(by - want[1]) <= 3);
    CHECK(colour_distance(img.at(bx, by), viridis(1.0)) <= 12);
    // Far from the spot the map is at the bottom of the colour map.
    const auto corner = L.to_pixel(-18, 88);
    CHECK(colour_distance(img.at(int(corner[0]), int(corner[1])), viridis(0.0)) <= 12);
    // The -6 dB contour is drawn in white at the half-maximum radius to the right of the spot.
    const double r6 = 3 * std::sqrt(2 * std::log(2.0));
    bool white_near = false;
    const auto c6 = L.to_pixel(xc + r6, zc);
    for (int dx = -3; dx <= 3; ++dx) {
        const auto c = img.at(int(c6[0]) + dx, int(c6[1]));
        white_near = white_near || (c[0] > 235 && c[1] > 235 && c[2] > 235);
    }
    CHECK(white_near);

    // Colour bar: a column of the colour map's colours, dark at the bottom, yellow at the top, at the right.
    REQUIRE(L.colorbar[3] > 100);
    CHECK(L.colorbar[0] > L.plot_x0 + L.plot_w);
    const int cx = int(L.colorbar[0] + L.colorbar[2] / 2);
    int matched = 0, samples = 0;
    for (int k = 3; k < int(L.colorbar[3]) - 3; k += 5) {
        const double t = (k + 0.5) / L.colorbar[3];
        ++samples;
        if (colour_distance(img.at(cx, int(L.colorbar[1]) + k), viridis(t)) <= 10) ++matched;
    }
    CHECK(matched >= samples * 9 / 10);
}

TEST_CASE("map figure: CT background with labels under a translucent field", "[viz][figures]") {
    unset_display();
    Grid2D ct;
    ct.nx = 60; ct.ny = 40; ct.x0 = -15; ct.y0 = 0; ct.dx = ct.dy = 0.5;
    ct.values.assign(ct.nx * ct.ny, 40.0);
    LabelOverlay lab;
    lab.names = {"", "soft_tissue", "calcification"};
    lab.colors = {{0, 0, 0}, {0.9, 0.6, 0.5}, {1, 1, 0.2}};
    lab.labels.assign(ct.values.size(), 1);
    for (std::size_t j = 0; j < ct.ny; ++j)
        for (std::size_t i = 0; i < ct.nx; ++i)
            if (std::hypot(ct.x0 + i * ct.dx - 5, ct.y0 + j * ct.dy - 10) < 3) {
                lab.labels[i + ct.nx * j] = 2;
                ct.values[i + ct.nx * j] = 1200;
            }
    MapFigure f;
    f.title = "CT with labels";
    f.background = ct;
    f.background_min = -200;
    f.background_max = 1300;
    f.labels = lab;
    f.field = gaussian_map(-8, 12, 2, 1.0);
    f.field_visible_from = 0.25;
    f.value_label = "EFD (mJ/mm^2)";
    const fs::path png = out_dir() / "ct.png";
    const Layout L = render_map(f, png);
    const Png img = read_png(png);
    CHECK(img.w == L.width_px);
    // The calcification (bright grey blended with yellow) is the brightest spot at (5, 10).
    const auto q = L.to_pixel(5, 10);
    const auto c = img.at(int(q[0]), int(q[1]));
    CHECK(c[0] > 200);
    CHECK(c[1] > 200);
    // Where the field is below its visibility threshold the tissue colour shows (no viridis purple).
    const auto t = L.to_pixel(12, 3);
    const auto ct_px = img.at(int(t[0]), int(t[1]));
    CHECK(ct_px[0] > ct_px[2]);  // skin-tone label over grey, not purple/blue
}

TEST_CASE("line plot: the peak marker lands at the peak, the line where the axes say", "[viz][figures]") {
    unset_display();
    Series s;
    s.name = "p(t) at the focus";
    s.color = {0.12, 0.47, 0.71};
    for (int k = 0; k <= 400; ++k) {
        const double t = k * 0.01;  // us
        s.x.push_back(t);
        s.y.push_back(30 * std::exp(-std::pow((t - 1.3) / 0.2, 2)) - 8 * std::exp(-std::pow((t - 2.4) / 0.4, 2)));
    }
    LinePlotFigure f;
    f.title = "Focal waveform";
    f.x_label = "t (us)";
    f.y_label = "p (MPa)";
    f.series = {s};
    Marker peak{1.3, 30, "p+ 30 MPa", {0.8, 0.1, 0.1}};
    f.markers = {peak};
    f.vlines = {{3.0, "end of pulse"}};
    const fs::path png = out_dir() / "line.png";
    const Layout L = render_lines(f, png);
    const Png img = read_png(png);
    CHECK(img.w == 1400);
    CHECK(img.h == 900);
    CHECK(non_white_fraction(img) > 0.01);
    // Centroid of the marker's colour.
    double sx = 0, sy = 0;
    int n = 0;
    for (int y = 0; y < img.h; ++y)
        for (int x = 0; x < img.w; ++x)
            if (colour_distance(img.at(x, y), peak.color) <= 20) { sx += x; sy += y; ++n; }
    REQUIRE(n > 20);
    const auto want = L.to_pixel(1.3, 30);
    CHECK(std::abs(sx / n - want[0]) <= 3);
    CHECK(std::abs(sy / n - want[1]) <= 3);
    // The chart's own line passes through the pixel our mapping gives for a sample on the falling edge.
    const auto edge = L.to_pixel(s.x[150], s.y[150]);
    bool on_line = false;
    for (int dy = -4; dy <= 4; ++dy)
        for (int dx = -4; dx <= 4; ++dx)
            on_line = on_line || colour_distance(img.at(int(edge[0]) + dx, int(edge[1]) + dy), s.color) <= 30;
    CHECK(on_line);
}

TEST_CASE("bar chart and timeline: size, bars to scale", "[viz][figures]") {
    unset_display();
    BarFigure b;
    b.title = "Fragments after each session";
    b.x_label = "fragment size (mm)";
    b.y_label = "expected fragments";
    b.categories = {"8", "4", "2", "1", "0.5"};
    b.series_names = {"session 1"};
    b.values = {{1, 3, 12, 20, 8}};
    const fs::path png = out_dir() / "bars.png";
    const Layout L = render_bars(b, png);
    const Png img = read_png(png);
    CHECK(img.w == 1400);
    CHECK(img.h == 900);
    // The tallest bar (category 4, value 20) reaches its value's pixel, and nothing of its colour rises above it.
    const Rgb colour = viridis(0.35);
    const auto top = L.to_pixel(4, 20);
    int highest = -1;
    for (int y = 0; y < img.h; ++y)
        if (colour_distance(img.at(int(top[0]), y), colour) <= 25) highest = y;
    CHECK(std::abs(highest - top[1]) <= 3);

    TimelineFigure t;
    t.sessions = {{0, 0.3, "S1", "2000 shocks, 0.14 mJ/mm^2"}, {14, 0.3, "S2", "2000 shocks, 0.14 mJ/mm^2"}};
    const fs::path png2 = out_dir() / "timeline.png";
    const Layout L2 = render_timeline(t, png2);
    const Png img2 = read_png(png2);
    CHECK(img2.w == L2.width_px);
    CHECK(img2.h == L2.height_px);
    const auto s2 = L2.to_pixel(14.15, 1);  // session 2 is the bottom row
    CHECK(colour_distance(img2.at(int(s2[0]), int(s2[1])), viridis(0.35)) <= 10);
}

TEST_CASE("headless: no DISPLAY, our own Xvfb", "[viz][headless]") {
    unset_display();
    REQUIRE_FALSE(ensure_display().has_value());
    const char* d = std::getenv("DISPLAY");
    REQUIRE(d != nullptr);
    CHECK(std::string(d) == own_display());
    CHECK(display_usable(d));
    // A second call reuses the server.
    REQUIRE_FALSE(ensure_display().has_value());
    CHECK(std::string(std::getenv("DISPLAY")) == own_display());
}

TEST_CASE("headless: DISPLAY names a display that does not exist", "[viz][headless]") {
    stop_own_display();
    setenv("DISPLAY", ":4093", 1);
    REQUIRE_FALSE(display_usable(":4093"));
    const auto t0 = std::chrono::steady_clock::now();
    LinePlotFigure f;
    f.title = "t";
    f.x_label = "x (mm)";
    f.y_label = "y (MPa)";
    f.series = {{"s", {0, 1, 2}, {0, 1, 0}}};
    const Layout L = render_lines(f, out_dir() / "bad_display.png");
    CHECK(read_png(out_dir() / "bad_display.png").w == L.width_px);
    CHECK(std::string(std::getenv("DISPLAY")) != ":4093");
    WARN("one line plot incl. starting Xvfb: "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s; render " << L.render_s << " s");
}

TEST_CASE("headless: no Xvfb -> a one-line reason, no crash", "[viz][headless]") {
    stop_own_display();
    unset_display();
    HeadlessOptions o;
    o.xvfb = "/nonexistent/bin/Xvfb";
    const auto reason = ensure_display(o);
    REQUIRE(reason.has_value());
    CHECK(reason->find('\n') == std::string::npos);
    CHECK(reason->find("Xvfb") != std::string::npos);
    // The figure writers report it as FigureUnavailable and write nothing.
    set_headless_options(o);
    LinePlotFigure f;
    f.series = {{"s", {0, 1}, {0, 1}}};
    const fs::path png = out_dir() / "never.png";
    CHECK_THROWS_AS(render_lines(f, png), FigureUnavailable);
    CHECK_FALSE(fs::exists(png));
    // A DISPLAY that cannot be opened is named in the reason.
    setenv("DISPLAY", ":4094", 1);
    const auto r2 = ensure_display(o);
    REQUIRE(r2.has_value());
    CHECK(r2->find(":4094") != std::string::npos);
    set_headless_options(HeadlessOptions{});
}
