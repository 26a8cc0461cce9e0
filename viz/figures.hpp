// Figures as PNG, rendered with VTK (Context2D: vtkChartXY for the axes, ticks and line/bar plots; our own
// context item for the raster image, contours, overlays, markers, colour bar and legends), saved with vtkPNGWriter.
//
// Every figure kind is a plain struct in display units (mm, us, MPa, mJ/mm^2: the caller converts from SI and
// names the unit in the axis label). render_*() writes the PNG and returns the Layout: the image size and the
// mapping from data coordinates to pixels, so tests (and anyone placing annotations) can find a data point in the
// image. Pixel coordinates are VTK's: x from the left, y from the BOTTOM row of the image.
//
// Colour map: viridis (perceptually uniform; van der Walt & Smith, matplotlib 1.5/2.0 default, CC0), as nine control
// points of matplotlib's 256-entry table (entries 0, 32, ..., 224, 255), interpolated linearly in sRGB.
// Rendering needs a display: render_*() call ensure_display() (viz/headless.hpp) and throw FigureUnavailable with
// the one-line reason when there is none.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lithosim::viz {

/// Rendering is impossible on this machine (no display, no Xvfb); what() is the one-line reason.
struct FigureUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Rgb = std::array<double, 3>;  ///< 0..1

/// The viridis colour at t in [0, 1] (clamped).
Rgb viridis(double t);

/// A 2D array on a regular grid: value(i, j) = values[i + nx j] at (x0 + i dx, y0 + j dy) (sample centres), in the
/// figure's units.
struct Grid2D {
    std::size_t nx = 0, ny = 0;
    double x0 = 0, y0 = 0, dx = 1, dy = 1;
    std::vector<double> values;
    double at(std::size_t i, std::size_t j) const { return values[i + nx * j]; }
};

struct Polyline {
    std::string name;                          ///< legend text (empty: not in the legend)
    std::vector<std::array<double, 2>> points; ///< (x, y) in the figure's units
    Rgb color{1, 1, 1};
    double width_px = 2.5;
    bool dashed = false;
    bool closed = false;
};

struct ContourLevel {
    double level = 0;      ///< in the field's units
    std::string name;      ///< legend text, e.g. "-6 dB (32.2 MPa)"
    Rgb color{1, 1, 1};
    bool dashed = false;
};

struct Marker {
    double x = 0, y = 0;   ///< data coordinates
    std::string text;      ///< drawn beside the marker
    Rgb color{0.8, 0.1, 0.1};
};

/// Categorical labels over a grey-scale background (a CT's tissue labels).
struct LabelOverlay {
    std::vector<std::uint8_t> labels;    ///< on the background's grid
    std::vector<std::string> names;      ///< indexed by label; empty name: not drawn
    std::vector<Rgb> colors;             ///< indexed by label
    double opacity = 0.45;
};

/// A 2D map: a field in viridis with colour bar, axes in mm, contours, overlays; optionally over a grey-scale image
/// (a CT) with a categorical label overlay (then the field is drawn translucent where it is >= field_visible_from).
struct MapFigure {
    std::string title, x_label = "x (mm)", y_label = "z (mm)", value_label;
    std::optional<Grid2D> field;             ///< coloured with viridis
    std::optional<double> value_min, value_max;  ///< colour range (default: the field's range)
    std::optional<Grid2D> background;        ///< grey scale (e.g. HU), same or other grid
    std::optional<double> background_min, background_max;  ///< grey window (default: its range)
    std::optional<LabelOverlay> labels;      ///< on the background's grid
    std::optional<double> field_visible_from;  ///< with a background: draw the field only where >= this
    double field_opacity = 0.7;              ///< with a background
    std::vector<ContourLevel> contours;      ///< of contour_field, else of the field
    std::optional<Grid2D> contour_field;     ///< e.g. p_max for contours drawn on the p_min or EFD map
    std::vector<Polyline> overlays;
    std::vector<Marker> markers;
    int plot_width_px = 1000;                ///< the plot area; its height follows from the aspect (equal mm scale)
};

struct Series {
    std::string name;
    std::vector<double> x, y;
    Rgb color{0.12, 0.47, 0.71};
    double width_px = 2.5;
    bool line = true;
    bool points = false;
};

struct VerticalLine {
    double x = 0;
    std::string text;
    Rgb color{0.4, 0.4, 0.4};
};

struct LinePlotFigure {
    std::string title, x_label, y_label;
    std::vector<Series> series;
    std::vector<Marker> markers;
    std::vector<VerticalLine> vlines;
    std::optional<std::array<double, 2>> x_range, y_range;  ///< default: the data's range, padded
    int width_px = 1400, height_px = 900;
};

struct BarFigure {
    std::string title, x_label, y_label;
    std::vector<std::string> categories;               ///< one tick label per group
    std::vector<std::string> series_names;             ///< one per bar in a group
    std::vector<std::vector<double>> values;           ///< [series][category]
    int width_px = 1400, height_px = 900;
};

/// Sessions on a day axis, one row per session, with its text (shocks, energy) beside it.
struct TimelineFigure {
    std::string title = "Session timeline", x_label = "day";
    struct Session {
        double day = 0;
        double duration_days = 0.3;   ///< drawn length of the bar
        std::string label;            ///< "S1", ...
        std::string text;             ///< "2000 shocks, 0.14 mJ/mm^2"
    };
    std::vector<Session> sessions;
    int width_px = 1400, height_px = 700;
};

/// Where things landed in the image.
struct Layout {
    int width_px = 0, height_px = 0;
    double plot_x0 = 0, plot_y0 = 0, plot_w = 0, plot_h = 0;  ///< plot area, pixels (y from the bottom)
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;         ///< data range of the plot area
    std::array<double, 4> colorbar{0, 0, 0, 0};               ///< x0, y0, w, h in pixels (0 size: none)
    double render_s = 0;                                      ///< wall time of render + write
    /// Pixel (x from left, y from bottom) of a data point.
    std::array<double, 2> to_pixel(double x, double y) const {
        return {plot_x0 + (x - x_min) / (x_max - x_min) * plot_w, plot_y0 + (y - y_min) / (y_max - y_min) * plot_h};
    }
};

/// Each writes `png` (parent folders created) and returns the layout. Throws FigureUnavailable when there is no
/// display (one-line reason), std::invalid_argument for inconsistent input (naming it), std::runtime_error when the
/// file cannot be written.
Layout render_map(const MapFigure& fig, const std::filesystem::path& png);
Layout render_lines(const LinePlotFigure& fig, const std::filesystem::path& png);
Layout render_bars(const BarFigure& fig, const std::filesystem::path& png);
Layout render_timeline(const TimelineFigure& fig, const std::filesystem::path& png);

/// Contour polylines of `g` at `level` (marching squares, linear interpolation on cell edges), in g's units.
std::vector<std::vector<std::array<double, 2>>> contour_lines(const Grid2D& g, double level);

}  // namespace lithosim::viz
