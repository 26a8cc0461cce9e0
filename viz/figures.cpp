// Figures as PNG through VTK's Context2D (see figures.hpp).
//
// Every figure is one scene in an off-screen render window: a vtkChartXY laid out with AXES_TO_RECT (its axes'
// corners put exactly on a plot rectangle we choose, with fixed ranges), so the data -> pixel mapping is known
// before rendering; a Canvas item under the chart paints the map raster, a Canvas above it the contours, overlays,
// markers, colour bar and legends in pixel coordinates through that mapping.
#include "viz/figures.hpp"

#include <vtkAxis.h>
#include <vtkBrush.h>
#include <vtkCellArray.h>
#include <vtkChartLegend.h>
#include <vtkChartXY.h>
#include <vtkContext2D.h>
#include <vtkContextActor.h>
#include <vtkContextItem.h>
#include <vtkContextScene.h>
#include <vtkContourFilter.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkPNGWriter.h>
#include <vtkPen.h>
#include <vtkPlot.h>
#include <vtkPlotBar.h>
#include <vtkPlotLine.h>
#include <vtkPlotPoints.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkStringArray.h>
#include <vtkStripper.h>
#include <vtkTable.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

#include "viz/headless.hpp"

namespace lithosim::viz {
namespace {

// ---- colour -------------------------------------------------------------------------------------------------------

// viridis: matplotlib's _viridis_data entries 0, 32, 64, 96, 128, 160, 192, 224, 255 (van der Walt & Smith, CC0).
constexpr std::array<Rgb, 9> kViridis{{{0.267004, 0.004874, 0.329415},
                                       {0.278826, 0.175490, 0.483397},
                                       {0.229739, 0.322361, 0.545706},
                                       {0.172719, 0.448791, 0.557885},
                                       {0.127568, 0.566949, 0.550556},
                                       {0.157851, 0.683765, 0.501686},
                                       {0.369214, 0.788888, 0.382914},
                                       {0.678489, 0.863742, 0.189503},
                                       {0.993248, 0.906157, 0.143936}}};
constexpr double kViridisAt[9] = {0.0, 32 / 255.0, 64 / 255.0, 96 / 255.0, 128 / 255.0,
                                  160 / 255.0, 192 / 255.0, 224 / 255.0, 1.0};

constexpr int kTitleFont = 26, kAxisTitleFont = 21, kTickFont = 18, kTextFont = 18;

// ---- the painter item ---------------------------------------------------------------------------------------------

class Canvas : public vtkContextItem {
public:
    static Canvas* New();
    vtkTypeMacro(Canvas, vtkContextItem);
    std::function<void(vtkContext2D*)> paint;
    bool Paint(vtkContext2D* painter) override {
        if (paint) paint(painter);
        return true;
    }
};
vtkStandardNewMacro(Canvas);

void set_text(vtkContext2D* p, int size, const Rgb& c, int hjust = VTK_TEXT_LEFT, int vjust = VTK_TEXT_CENTERED,
              double orientation = 0, bool bold = false) {
    vtkTextProperty* t = p->GetTextProp();
    t->SetFontFamilyToArial();
    t->SetFontSize(size);
    t->SetColor(c[0], c[1], c[2]);
    t->SetJustification(hjust);
    t->SetVerticalJustification(vjust);
    t->SetOrientation(orientation);
    t->SetBold(bold);
    t->SetItalic(false);
    t->SetShadow(false);
    t->SetBackgroundOpacity(0);
}

void set_pen(vtkContext2D* p, const Rgb& c, double width, bool dashed = false) {
    p->GetPen()->SetColorF(c[0], c[1], c[2]);
    p->GetPen()->SetOpacityF(1.0);
    p->GetPen()->SetWidth(float(width));
    p->GetPen()->SetLineType(dashed ? vtkPen::DASH_LINE : vtkPen::SOLID_LINE);
}

void set_brush(vtkContext2D* p, const Rgb& c, double opacity = 1.0) {
    p->GetBrush()->SetColorF(c[0], c[1], c[2]);
    p->GetBrush()->SetOpacityF(opacity);
}

void style_axis(vtkAxis* a, const std::string& title, double lo, double hi) {
    a->SetTitle(title);
    a->GetTitleProperties()->SetFontSize(kAxisTitleFont);
    a->GetTitleProperties()->SetBold(false);
    a->GetTitleProperties()->SetColor(0, 0, 0);
    a->GetLabelProperties()->SetFontSize(kTickFont);
    a->GetLabelProperties()->SetColor(0, 0, 0);
    a->SetBehavior(vtkAxis::FIXED);
    a->SetRange(lo, hi);
    a->GetPen()->SetWidth(1.5);
    a->GetPen()->SetColor(0, 0, 0);
    a->GetGridPen()->SetColorF(0.85, 0.85, 0.85);
}

vtkSmartPointer<vtkChartXY> make_chart(const Layout& L, const std::string& title, const std::string& x_label,
                                       const std::string& y_label, bool grid) {
    auto chart = vtkSmartPointer<vtkChartXY>::New();
    chart->SetLayoutStrategy(vtkChart::AXES_TO_RECT);
    chart->SetSize(vtkRectf(float(L.plot_x0), float(L.plot_y0), float(L.plot_w), float(L.plot_h)));
    chart->SetRenderEmpty(true);
    chart->SetTitle(title);
    chart->GetTitleProperties()->SetFontSize(kTitleFont);
    chart->GetTitleProperties()->SetBold(true);
    chart->GetTitleProperties()->SetColor(0, 0, 0);
    chart->GetBackgroundBrush()->SetOpacityF(0.0);
    style_axis(chart->GetAxis(vtkAxis::BOTTOM), x_label, L.x_min, L.x_max);
    style_axis(chart->GetAxis(vtkAxis::LEFT), y_label, L.y_min, L.y_max);
    chart->GetAxis(vtkAxis::BOTTOM)->SetGridVisible(grid);
    chart->GetAxis(vtkAxis::LEFT)->SetGridVisible(grid);
    chart->SetShowLegend(false);
    // An invisible plot spanning the range: a chart without a visible plot draws no axes.
    vtkNew<vtkTable> span;
    vtkNew<vtkDoubleArray> sx, sy;
    sx->SetName("x");
    sy->SetName("span");
    sx->InsertNextValue(L.x_min);
    sx->InsertNextValue(L.x_max);
    sy->InsertNextValue(L.y_min);
    sy->InsertNextValue(L.y_max);
    span->AddColumn(sx);
    span->AddColumn(sy);
    vtkPlot* plot = chart->AddPlot(vtkChart::POINTS);
    plot->SetInputData(span, 0, 1);
    static_cast<vtkPlotPoints*>(plot)->SetMarkerStyle(vtkPlotPoints::NONE);
    plot->SetLegendVisibility(false);
    return chart;
}

/// Renders the items into a w x h PNG (white background), written under a temporary name and renamed.
double render_png(int w, int h, const std::vector<vtkAbstractContextItem*>& items, const std::filesystem::path& png) {
    if (auto reason = ensure_display()) throw FigureUnavailable(*reason);
    const auto t0 = std::chrono::steady_clock::now();
    if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
    vtkNew<vtkRenderWindow> window;
    window->SetOffScreenRendering(1);
    window->SetSize(w, h);
    window->SetMultiSamples(0);
    vtkNew<vtkRenderer> renderer;
    renderer->SetBackground(1, 1, 1);
    window->AddRenderer(renderer);
    vtkNew<vtkContextActor> actor;
    renderer->AddActor(actor);
    actor->GetScene()->SetRenderer(renderer);
    for (auto* item : items) actor->GetScene()->AddItem(item);
    window->Render();
    vtkNew<vtkWindowToImageFilter> grab;
    grab->SetInput(window);
    grab->SetInputBufferTypeToRGB();
    grab->ReadFrontBufferOff();
    grab->Update();
    const std::filesystem::path partial = png.string() + ".partial";
    vtkNew<vtkPNGWriter> writer;
    writer->SetFileName(partial.string().c_str());
    writer->SetInputConnection(grab->GetOutputPort());
    writer->Write();
    if (writer->GetErrorCode() != 0 || !std::filesystem::exists(partial))
        throw std::runtime_error("cannot write the figure " + png.string());
    std::filesystem::rename(partial, png);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Liang-Barsky clip of segment a-b to the rectangle; false if nothing is left.
bool clip(double& x1, double& y1, double& x2, double& y2, double xmin, double ymin, double xmax, double ymax) {
    double t0 = 0, t1 = 1;
    const double dx = x2 - x1, dy = y2 - y1;
    const double p[4] = {-dx, dx, -dy, dy}, q[4] = {x1 - xmin, xmax - x1, y1 - ymin, ymax - y1};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (q[i] < 0) return false;
        } else {
            const double r = q[i] / p[i];
            if (p[i] < 0) t0 = std::max(t0, r);
            else t1 = std::min(t1, r);
        }
    }
    if (t0 > t1) return false;
    const double ax = x1, ay = y1;
    x1 = ax + t0 * dx; y1 = ay + t0 * dy;
    x2 = ax + t1 * dx; y2 = ay + t1 * dy;
    return true;
}

/// Draws a data-space polyline clipped to the plot area.
void draw_polyline(vtkContext2D* p, const Layout& L, const std::vector<std::array<double, 2>>& pts, bool closed) {
    const std::size_t n = pts.size();
    if (n < 2) return;
    for (std::size_t k = 0; k + 1 < n + (closed ? 1 : 0); ++k) {
        const auto a = L.to_pixel(pts[k][0], pts[k][1]);
        const auto b = L.to_pixel(pts[(k + 1) % n][0], pts[(k + 1) % n][1]);
        double x1 = a[0], y1 = a[1], x2 = b[0], y2 = b[1];
        if (clip(x1, y1, x2, y2, L.plot_x0, L.plot_y0, L.plot_x0 + L.plot_w, L.plot_y0 + L.plot_h))
            p->DrawLine(float(x1), float(y1), float(x2), float(y2));
    }
}

void draw_marker(vtkContext2D* p, const Layout& L, const Marker& m, bool text_left_if_right_half = true) {
    const auto q = L.to_pixel(m.x, m.y);
    set_pen(p, {0, 0, 0}, 1.5);
    set_brush(p, m.color);
    p->DrawEllipse(float(q[0]), float(q[1]), 7.f, 7.f);
    if (m.text.empty()) return;
    const bool right_half = q[0] > L.plot_x0 + 0.6 * L.plot_w;
    set_text(p, kTextFont, {0, 0, 0}, right_half && text_left_if_right_half ? VTK_TEXT_RIGHT : VTK_TEXT_LEFT,
             VTK_TEXT_BOTTOM);
    p->GetTextProp()->SetBackgroundColor(1, 1, 1);
    p->GetTextProp()->SetBackgroundOpacity(0.75);
    p->DrawString(float(q[0] + (right_half ? -12 : 12)), float(q[1] + 8), m.text);
    p->GetTextProp()->SetBackgroundOpacity(0);
}

/// Round tick values covering [lo, hi], about n of them.
std::vector<double> nice_ticks(double lo, double hi, int n) {
    std::vector<double> out;
    if (!(hi > lo)) return {lo};
    const double raw = (hi - lo) / std::max(1, n);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * mag >= raw) { step = f * mag; break; }
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step)
        out.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
    return out;
}

std::string fmt(double v) {
    char b[32];
    const double a = std::abs(v);
    if (a != 0 && (a >= 1e5 || a < 1e-3)) std::snprintf(b, sizeof b, "%.2g", v);
    else std::snprintf(b, sizeof b, "%.4g", v);
    return b;
}

std::pair<double, double> finite_range(const std::vector<double>& v) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double x : v)
        if (std::isfinite(x)) { lo = std::min(lo, x); hi = std::max(hi, x); }
    if (!std::isfinite(lo)) return {0, 1};
    if (hi <= lo) { hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.01); }
    return {lo, hi};
}

/// The value window of a colour or grey scale: the given ends, else the grid's finite range ([0, 1] without a grid);
/// never empty.
std::pair<double, double> colour_window(const std::optional<Grid2D>& g, std::optional<double> lo,
                                        std::optional<double> hi) {
    if (!g) return {0, 1};
    const auto r = finite_range(g->values);
    const double a = lo.value_or(r.first), b = hi.value_or(r.second);
    return {a, b > a ? b : a + 1};
}

void check_grid(const Grid2D& g, const char* what) {
    if (g.nx == 0 || g.ny == 0 || g.values.size() != g.nx * g.ny || !(g.dx > 0) || !(g.dy > 0))
        throw std::invalid_argument(std::string(what) + ": grid " + std::to_string(g.nx) + " x " + std::to_string(g.ny) +
                                    " with " + std::to_string(g.values.size()) + " values and spacing " + fmt(g.dx) +
                                    ", " + fmt(g.dy) + " (need nx*ny values and positive spacing)");
}

/// Bilinear value of g at (x, y), clamped to the sample centres; NaN outside the grid's cells.
double sample(const Grid2D& g, double x, double y) {
    const double fi = (x - g.x0) / g.dx, fj = (y - g.y0) / g.dy;
    if (fi < -0.5 || fj < -0.5 || fi > g.nx - 0.5 || fj > g.ny - 0.5) return std::numeric_limits<double>::quiet_NaN();
    const double ci = std::clamp(fi, 0.0, double(g.nx - 1)), cj = std::clamp(fj, 0.0, double(g.ny - 1));
    const std::size_t i0 = std::min<std::size_t>(std::size_t(ci), g.nx > 1 ? g.nx - 2 : 0);
    const std::size_t j0 = std::min<std::size_t>(std::size_t(cj), g.ny > 1 ? g.ny - 2 : 0);
    const std::size_t i1 = std::min(i0 + 1, g.nx - 1), j1 = std::min(j0 + 1, g.ny - 1);
    const double u = ci - i0, v = cj - j0;
    return (1 - u) * (1 - v) * g.at(i0, j0) + u * (1 - v) * g.at(i1, j0) + (1 - u) * v * g.at(i0, j1) +
           u * v * g.at(i1, j1);
}

std::ptrdiff_t nearest(const Grid2D& g, double x, double y) {
    const double fi = std::round((x - g.x0) / g.dx), fj = std::round((y - g.y0) / g.dy);
    if (fi < 0 || fj < 0 || fi >= double(g.nx) || fj >= double(g.ny)) return -1;
    return std::ptrdiff_t(std::size_t(fi) + g.nx * std::size_t(fj));
}

struct LegendEntry {
    enum Kind { line, box } kind = line;
    std::string text;
    Rgb color;
    bool dashed = false;
};

}  // namespace

Rgb viridis(double t) {
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0);
    std::size_t k = 0;
    while (k + 2 < kViridis.size() && t > kViridisAt[k + 1]) ++k;
    const double u = (t - kViridisAt[k]) / (kViridisAt[k + 1] - kViridisAt[k]);
    Rgb c;
    for (int a = 0; a < 3; ++a) c[a] = kViridis[k][a] + u * (kViridis[k + 1][a] - kViridis[k][a]);
    return c;
}

std::vector<std::vector<std::array<double, 2>>> contour_lines(const Grid2D& g, double level) {
    check_grid(g, "contour_lines");
    std::vector<std::vector<std::array<double, 2>>> out;
    if (g.nx < 2 || g.ny < 2) return out;
    vtkNew<vtkImageData> img;
    img->SetDimensions(int(g.nx), int(g.ny), 1);
    img->SetOrigin(g.x0, g.y0, 0);
    img->SetSpacing(g.dx, g.dy, 1);
    vtkNew<vtkDoubleArray> v;
    v->SetName("v");
    v->SetNumberOfTuples(vtkIdType(g.values.size()));
    for (std::size_t k = 0; k < g.values.size(); ++k) v->SetValue(vtkIdType(k), g.values[k]);
    img->GetPointData()->SetScalars(v);
    vtkNew<vtkContourFilter> contour;
    contour->SetInputData(img);
    contour->SetValue(0, level);
    vtkNew<vtkStripper> strip;
    strip->SetInputConnection(contour->GetOutputPort());
    strip->JoinContiguousSegmentsOn();
    strip->Update();
    vtkPolyData* pd = strip->GetOutput();
    vtkCellArray* lines = pd->GetLines();
    vtkNew<vtkIdList> ids;
    lines->InitTraversal();
    while (lines->GetNextCell(ids)) {
        std::vector<std::array<double, 2>> line;
        for (vtkIdType k = 0; k < ids->GetNumberOfIds(); ++k) {
            double p[3];
            pd->GetPoint(ids->GetId(k), p);
            line.push_back({p[0], p[1]});
        }
        if (line.size() >= 2) out.push_back(std::move(line));
    }
    return out;
}

// ---- 2D map -------------------------------------------------------------------------------------------------------

Layout render_map(const MapFigure& fig, const std::filesystem::path& png) {
    if (!fig.field && !fig.background) throw std::invalid_argument("render_map: neither a field nor a background");
    if (fig.field) check_grid(*fig.field, "render_map field");
    if (fig.background) check_grid(*fig.background, "render_map background");
    if (fig.labels) {
        if (!fig.background) throw std::invalid_argument("render_map: a label overlay needs a background grid");
        if (fig.labels->labels.size() != fig.background->values.size())
            throw std::invalid_argument("render_map: " + std::to_string(fig.labels->labels.size()) +
                                        " labels for a background of " +
                                        std::to_string(fig.background->values.size()) + " values");
    }
    // Data extent: union of the grids' cells.
    double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    for (const auto* g : {fig.field ? &*fig.field : nullptr, fig.background ? &*fig.background : nullptr}) {
        if (!g) continue;
        x0 = std::min(x0, g->x0 - 0.5 * g->dx);
        x1 = std::max(x1, g->x0 + (g->nx - 0.5) * g->dx);
        y0 = std::min(y0, g->y0 - 0.5 * g->dy);
        y1 = std::max(y1, g->y0 + (g->ny - 0.5) * g->dy);
    }
    // Equal mm scale on both axes; the plot area between 300 and 1100 px each way where the aspect allows.
    double pw = std::clamp(fig.plot_width_px, 300, 1600);
    double ph = pw * (y1 - y0) / (x1 - x0);
    if (ph > 1100) { ph = 1100; pw = std::max(300.0, ph * (x1 - x0) / (y1 - y0)); }
    if (ph < 300) ph = 300;  // a very flat map: accept unequal scales rather than a sliver
    Layout L;
    L.x_min = x0; L.x_max = x1; L.y_min = y0; L.y_max = y1;
    L.plot_x0 = 120; L.plot_y0 = 95; L.plot_w = std::round(pw); L.plot_h = std::round(ph);

    // Legend entries (right column, under the colour bar).
    std::vector<LegendEntry> legend;
    for (const auto& c : fig.contours)
        if (!c.name.empty()) legend.push_back({LegendEntry::line, c.name, c.color, c.dashed});
    for (const auto& o : fig.overlays)
        if (!o.name.empty()) legend.push_back({LegendEntry::line, o.name, o.color, o.dashed});
    if (fig.labels) {
        std::vector<bool> present(fig.labels->names.size(), false);
        for (auto l : fig.labels->labels)
            if (l < present.size()) present[l] = true;
        for (std::size_t l = 0; l < fig.labels->names.size(); ++l)
            if (present[l] && !fig.labels->names[l].empty() && l < fig.labels->colors.size())
                legend.push_back({LegendEntry::box, fig.labels->names[l], fig.labels->colors[l]});
    }
    const double entry_h = 28;
    const bool has_bar = fig.field.has_value();
    double legend_h = legend.empty() ? 0 : legend.size() * entry_h + 16;
    double bar_h = has_bar ? std::max(150.0, L.plot_h - legend_h - 30) : 0;
    const double column_h = bar_h + (has_bar && !legend.empty() ? 30 : 0) + legend_h;
    const double right_w = 360;
    L.width_px = int(L.plot_x0 + L.plot_w + right_w);
    L.height_px = int(L.plot_y0 + std::max(L.plot_h, column_h) + 80);
    if (has_bar) L.colorbar = {L.plot_x0 + L.plot_w + 45, L.plot_y0 + L.plot_h - bar_h, 34, bar_h};

    // Colour range.
    const auto [vmin, vmax] = colour_window(fig.field, fig.value_min, fig.value_max);
    const auto [bmin, bmax] = colour_window(fig.background, fig.background_min, fig.background_max);

    // The raster, one sample per pixel centre, composed opaque: grey background, labels, field.
    const int W = int(L.plot_w), H = int(L.plot_h);
    vtkNew<vtkImageData> raster;
    raster->SetDimensions(W, H, 1);
    raster->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
    auto* px = static_cast<unsigned char*>(raster->GetScalarPointer());
    for (int j = 0; j < H; ++j) {
        const double y = y0 + (j + 0.5) / H * (y1 - y0);
        for (int i = 0; i < W; ++i) {
            const double x = x0 + (i + 0.5) / W * (x1 - x0);
            Rgb c{1, 1, 1};
            bool have_bg = false;
            if (fig.background) {
                const double b = sample(*fig.background, x, y);
                if (std::isfinite(b)) {
                    const double g = std::clamp((b - bmin) / (bmax - bmin), 0.0, 1.0);
                    c = {g, g, g};
                    have_bg = true;
                    if (fig.labels) {
                        const auto k = nearest(*fig.background, x, y);
                        if (k >= 0) {
                            const auto l = fig.labels->labels[std::size_t(k)];
                            if (l < fig.labels->colors.size() && l < fig.labels->names.size() &&
                                !fig.labels->names[l].empty())
                                for (int a = 0; a < 3; ++a)
                                    c[a] = (1 - fig.labels->opacity) * c[a] + fig.labels->opacity * fig.labels->colors[l][a];
                        }
                    }
                }
            }
            if (fig.field) {
                const double v = sample(*fig.field, x, y);
                if (std::isfinite(v)) {
                    const Rgb f = viridis((v - vmin) / (vmax - vmin));
                    if (!have_bg) c = f;
                    else if (!fig.field_visible_from || v >= *fig.field_visible_from)
                        for (int a = 0; a < 3; ++a) c[a] = (1 - fig.field_opacity) * c[a] + fig.field_opacity * f[a];
                }
            }
            unsigned char* q = px + 3 * (std::size_t(i) + std::size_t(W) * j);
            for (int a = 0; a < 3; ++a) q[a] = (unsigned char)std::lround(255 * std::clamp(c[a], 0.0, 1.0));
        }
    }
    // Contours (data space).
    std::vector<std::pair<const ContourLevel*, std::vector<std::vector<std::array<double, 2>>>>> contours;
    if (fig.contour_field || fig.field)
        for (const auto& c : fig.contours)
            contours.emplace_back(&c, contour_lines(fig.contour_field ? *fig.contour_field : *fig.field, c.level));

    vtkNew<Canvas> under;
    under->paint = [&](vtkContext2D* p) {
        p->DrawImage(vtkRectf(float(L.plot_x0), float(L.plot_y0), float(L.plot_w), float(L.plot_h)), raster);
    };
    auto chart = make_chart(L, fig.title, fig.x_label, fig.y_label, false);
    vtkNew<Canvas> over;
    over->paint = [&](vtkContext2D* p) {
        for (const auto& [level, lines] : contours) {
            set_pen(p, level->color, 2.5, level->dashed);
            for (const auto& l : lines) draw_polyline(p, L, l, false);
        }
        for (const auto& o : fig.overlays) {
            set_pen(p, o.color, o.width_px, o.dashed);
            draw_polyline(p, L, o.points, o.closed);
        }
        for (const auto& m : fig.markers) draw_marker(p, L, m);
        // Frame of the plot area.
        set_pen(p, {0, 0, 0}, 1.5);
        set_brush(p, {1, 1, 1}, 0);
        p->DrawRect(float(L.plot_x0), float(L.plot_y0), float(L.plot_w), float(L.plot_h));
        double next_y = L.plot_y0 + L.plot_h;
        if (has_bar) {
            const double bx = L.colorbar[0], by = L.colorbar[1], bw = L.colorbar[2], bh = L.colorbar[3];
            const int n = std::max(2, int(bh));
            vtkNew<vtkImageData> bar;
            bar->SetDimensions(1, n, 1);
            bar->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
            auto* b = static_cast<unsigned char*>(bar->GetScalarPointer());
            for (int k = 0; k < n; ++k) {
                const Rgb c = viridis((k + 0.5) / n);
                for (int a = 0; a < 3; ++a) b[3 * k + a] = (unsigned char)std::lround(255 * c[a]);
            }
            p->DrawImage(vtkRectf(float(bx), float(by), float(bw), float(bh)), bar);
            set_pen(p, {0, 0, 0}, 1.2);
            set_brush(p, {1, 1, 1}, 0);
            p->DrawRect(float(bx), float(by), float(bw), float(bh));
            set_text(p, kTickFont, {0, 0, 0}, VTK_TEXT_LEFT, VTK_TEXT_CENTERED);
            for (double v : nice_ticks(vmin, vmax, 6)) {
                const double y = by + (v - vmin) / (vmax - vmin) * bh;
                p->DrawLine(float(bx + bw), float(y), float(bx + bw + 6), float(y));
                p->DrawString(float(bx + bw + 10), float(y), fmt(v));
            }
            set_text(p, kAxisTitleFont, {0, 0, 0}, VTK_TEXT_LEFT, VTK_TEXT_BOTTOM);
            p->DrawString(float(bx - 20), float(by + bh + 12), fig.value_label);
            next_y = by - 30;
        }
        set_text(p, kTextFont, {0, 0, 0}, VTK_TEXT_LEFT, VTK_TEXT_CENTERED);
        double y = next_y - entry_h / 2;
        const double lx = L.plot_x0 + L.plot_w + 20;
        for (const auto& e : legend) {
            if (e.kind == LegendEntry::line) {
                // On a mid-grey swatch, so that white and yellow lines show on the white page.
                set_pen(p, {0.35, 0.35, 0.35}, 1);
                set_brush(p, {0.35, 0.35, 0.35});
                p->DrawRect(float(lx - 3), float(y - 9), 40.f, 18.f);
                set_pen(p, e.color, 3, e.dashed);
                p->DrawLine(float(lx), float(y), float(lx + 34), float(y));
            } else {
                set_pen(p, {0, 0, 0}, 1);
                set_brush(p, e.color);
                p->DrawRect(float(lx + 6), float(y - 9), 20.f, 18.f);
            }
            set_text(p, kTextFont, {0, 0, 0}, VTK_TEXT_LEFT, VTK_TEXT_CENTERED);
            p->DrawString(float(lx + 44), float(y), e.text);
            y -= entry_h;
        }
    };
    L.render_s = render_png(L.width_px, L.height_px, {under.Get(), chart.Get(), over.Get()}, png);
    return L;
}

// ---- line plot ----------------------------------------------------------------------------------------------------

namespace {

std::array<double, 2> padded(double lo, double hi, double frac) {
    if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
    const double d = (hi - lo) * frac;
    return {lo - d, hi + d};
}

void add_series(vtkChartXY* chart, const Series& s, std::vector<vtkSmartPointer<vtkTable>>& keep) {
    auto t = vtkSmartPointer<vtkTable>::New();
    vtkNew<vtkDoubleArray> x, y;
    x->SetName("x");
    y->SetName(s.name.empty() ? " " : s.name.c_str());
    for (std::size_t k = 0; k < s.x.size(); ++k) {
        x->InsertNextValue(s.x[k]);
        y->InsertNextValue(s.y[k]);
    }
    t->AddColumn(x);
    t->AddColumn(y);
    keep.push_back(t);
    if (s.line) {
        vtkPlot* line = chart->AddPlot(vtkChart::LINE);
        line->SetInputData(t, 0, 1);
        line->SetColor(s.color[0], s.color[1], s.color[2]);
        line->SetWidth(float(s.width_px));
        if (s.points) static_cast<vtkPlotPoints*>(line)->SetMarkerStyle(vtkPlotPoints::CIRCLE);
        line->SetLegendVisibility(!s.name.empty());
    } else {
        vtkPlot* pts = chart->AddPlot(vtkChart::POINTS);
        pts->SetInputData(t, 0, 1);
        pts->SetColor(s.color[0], s.color[1], s.color[2]);
        static_cast<vtkPlotPoints*>(pts)->SetMarkerStyle(vtkPlotPoints::CIRCLE);
        static_cast<vtkPlotPoints*>(pts)->SetMarkerSize(10);
        pts->SetLegendVisibility(!s.name.empty());
    }
}

void style_legend(vtkChartXY* chart) {
    chart->SetShowLegend(true);
    chart->GetLegend()->SetLabelSize(kTextFont);
    chart->GetLegend()->GetLabelProperties()->SetFontSize(kTextFont);
    chart->GetLegend()->SetHorizontalAlignment(vtkChartLegend::RIGHT);
    chart->GetLegend()->SetVerticalAlignment(vtkChartLegend::TOP);
    chart->GetLegend()->GetBrush()->SetColorF(1, 1, 1, 0.85);
}

}  // namespace

Layout render_lines(const LinePlotFigure& fig, const std::filesystem::path& png) {
    std::vector<double> xs, ys;
    for (const auto& s : fig.series) {
        if (s.x.size() != s.y.size())
            throw std::invalid_argument("render_lines: series '" + s.name + "' has " + std::to_string(s.x.size()) +
                                        " x and " + std::to_string(s.y.size()) + " y values");
        xs.insert(xs.end(), s.x.begin(), s.x.end());
        ys.insert(ys.end(), s.y.begin(), s.y.end());
    }
    for (const auto& m : fig.markers) { xs.push_back(m.x); ys.push_back(m.y); }
    for (const auto& v : fig.vlines) xs.push_back(v.x);
    if (xs.empty()) throw std::invalid_argument("render_lines: nothing to plot in '" + fig.title + "'");
    Layout L;
    L.width_px = fig.width_px;
    L.height_px = fig.height_px;
    L.plot_x0 = 130; L.plot_y0 = 95;
    L.plot_w = fig.width_px - L.plot_x0 - 50;
    L.plot_h = fig.height_px - L.plot_y0 - 80;
    auto xr = finite_range(xs), yr = finite_range(ys);
    const auto xp = fig.x_range.value_or(padded(xr.first, xr.second, 0.02));
    const auto yp = fig.y_range.value_or(padded(yr.first, yr.second, 0.08));
    L.x_min = xp[0]; L.x_max = xp[1]; L.y_min = yp[0]; L.y_max = yp[1];
    auto chart = make_chart(L, fig.title, fig.x_label, fig.y_label, true);
    std::vector<vtkSmartPointer<vtkTable>> keep;
    bool named = false;
    for (const auto& s : fig.series) {
        add_series(chart, s, keep);
        named = named || !s.name.empty();
    }
    if (named) style_legend(chart);
    vtkNew<Canvas> over;
    over->paint = [&](vtkContext2D* p) {
        for (const auto& v : fig.vlines) {
            set_pen(p, v.color, 2, true);
            draw_polyline(p, L, {{v.x, L.y_min}, {v.x, L.y_max}}, false);
            const auto q = L.to_pixel(v.x, L.y_max);
            set_text(p, kTextFont - 2, v.color, VTK_TEXT_RIGHT, VTK_TEXT_BOTTOM, 90);
            p->DrawString(float(q[0] - 4), float(q[1] - 8), v.text);
        }
        for (const auto& m : fig.markers) draw_marker(p, L, m);
    };
    L.render_s = render_png(L.width_px, L.height_px, {chart.Get(), over.Get()}, png);
    return L;
}

// ---- bars ---------------------------------------------------------------------------------------------------------

Layout render_bars(const BarFigure& fig, const std::filesystem::path& png) {
    const std::size_t nc = fig.categories.size(), ns = fig.values.size();
    if (nc == 0 || ns == 0) throw std::invalid_argument("render_bars: no categories or no series in '" + fig.title + "'");
    for (std::size_t s = 0; s < ns; ++s)
        if (fig.values[s].size() != nc)
            throw std::invalid_argument("render_bars: series " + std::to_string(s) + " has " +
                                        std::to_string(fig.values[s].size()) + " values for " + std::to_string(nc) +
                                        " categories");
    Layout L;
    L.width_px = fig.width_px;
    L.height_px = fig.height_px;
    L.plot_x0 = 130; L.plot_y0 = 110;
    L.plot_w = fig.width_px - L.plot_x0 - 50;
    L.plot_h = fig.height_px - L.plot_y0 - 80;
    double vmax = 0;
    for (const auto& s : fig.values)
        for (double v : s) if (std::isfinite(v)) vmax = std::max(vmax, v);
    L.x_min = 0.4; L.x_max = nc + 0.6; L.y_min = 0; L.y_max = vmax > 0 ? vmax * 1.1 : 1;
    auto chart = make_chart(L, fig.title, fig.x_label, fig.y_label, true);
    chart->GetAxis(vtkAxis::BOTTOM)->SetGridVisible(false);
    vtkNew<vtkDoubleArray> pos;
    vtkNew<vtkStringArray> labels;
    for (std::size_t c = 0; c < nc; ++c) {
        pos->InsertNextValue(double(c + 1));
        labels->InsertNextValue(fig.categories[c]);
    }
    chart->GetAxis(vtkAxis::BOTTOM)->SetCustomTickPositions(pos, labels);
    chart->SetBarWidthFraction(0.85f);
    std::vector<vtkSmartPointer<vtkTable>> keep;
    for (std::size_t s = 0; s < ns; ++s) {
        auto t = vtkSmartPointer<vtkTable>::New();
        vtkNew<vtkDoubleArray> x, y;
        x->SetName("x");
        const std::string name = s < fig.series_names.size() ? fig.series_names[s] : "series " + std::to_string(s + 1);
        y->SetName(name.c_str());
        for (std::size_t c = 0; c < nc; ++c) {
            x->InsertNextValue(double(c + 1));
            y->InsertNextValue(fig.values[s][c]);
        }
        t->AddColumn(x);
        t->AddColumn(y);
        keep.push_back(t);
        vtkPlot* bar = chart->AddPlot(vtkChart::BAR);
        bar->SetInputData(t, 0, 1);
        const Rgb c = viridis(ns == 1 ? 0.35 : 0.9 * double(s) / double(ns - 1));
        bar->SetColor(c[0], c[1], c[2]);
    }
    if (ns > 1 || !fig.series_names.empty()) style_legend(chart);
    L.render_s = render_png(L.width_px, L.height_px, {chart.Get()}, png);
    return L;
}

// ---- timeline -----------------------------------------------------------------------------------------------------

Layout render_timeline(const TimelineFigure& fig, const std::filesystem::path& png) {
    if (fig.sessions.empty()) throw std::invalid_argument("render_timeline: no sessions");
    Layout L;
    L.width_px = fig.width_px;
    L.height_px = std::max(fig.height_px, int(200 + 70 * fig.sessions.size()));
    L.plot_x0 = 110; L.plot_y0 = 95;
    L.plot_w = L.width_px - L.plot_x0 - 50;
    L.plot_h = L.height_px - L.plot_y0 - 80;
    double d0 = 1e300, d1 = -1e300;
    for (const auto& s : fig.sessions) { d0 = std::min(d0, s.day); d1 = std::max(d1, s.day + s.duration_days); }
    // Room on the right for the last session's text.
    const double span = std::max(1.0, d1 - d0);
    L.x_min = d0 - 0.05 * span - 0.5; L.x_max = d1 + 0.45 * span + 1.0;
    L.y_min = 0.3; L.y_max = fig.sessions.size() + 0.7;
    auto chart = make_chart(L, fig.title, fig.x_label, "session", false);
    chart->GetAxis(vtkAxis::BOTTOM)->SetGridVisible(true);
    vtkNew<vtkDoubleArray> pos;
    vtkNew<vtkStringArray> labels;
    for (std::size_t k = 0; k < fig.sessions.size(); ++k) {
        pos->InsertNextValue(double(fig.sessions.size() - k));
        labels->InsertNextValue(fig.sessions[k].label);
    }
    chart->GetAxis(vtkAxis::LEFT)->SetCustomTickPositions(pos, labels);
    vtkNew<Canvas> over;
    over->paint = [&](vtkContext2D* p) {
        for (std::size_t k = 0; k < fig.sessions.size(); ++k) {
            const auto& s = fig.sessions[k];
            const double row = double(fig.sessions.size() - k);
            const auto a = L.to_pixel(s.day, row - 0.25), b = L.to_pixel(s.day + s.duration_days, row + 0.25);
            set_pen(p, {0, 0, 0}, 1);
            set_brush(p, viridis(0.35));
            p->DrawRect(float(a[0]), float(a[1]), float(std::max(6.0, b[0] - a[0])), float(b[1] - a[1]));
            set_text(p, kTextFont, {0, 0, 0}, VTK_TEXT_LEFT, VTK_TEXT_CENTERED);
            const auto q = L.to_pixel(s.day + s.duration_days, row);
            p->DrawString(float(std::max(q[0], a[0] + 6) + 12), float(q[1]), "day " + fmt(s.day) + ": " + s.text);
        }
    };
    L.render_s = render_png(L.width_px, L.height_px, {chart.Get(), over.Get()}, png);
    return L;
}

}  // namespace lithosim::viz
