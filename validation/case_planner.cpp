// Planner validation case planner_fragmentation (issue 5 §7, issue 13 §4): the fragmentation model with its fitted
// constants (planning/fitted_parameters.cpp) against the in-vitro BegoStone behaviours. No solver runs: the loads are
// the published fields.
//   * the fragmentation threshold (cross-section-averaged p+ at which the first break can happen) of 10, 7 and 4 mm
//     stones against Zhang et al. 2016 (UMB 42:2662): 7.9, 8.8, 12.7 MPa (tolerance 5 %: the spread of their
//     threshold determination, assumption); theta and lambda are fitted to these three, so this checks the fit;
//   * Qin et al. 2010 (JASA 127:2635): every comminution row of validation/data/fragmentation_groups.csv; D and the
//     erosion depth are fitted to the five by least squares (rms 8.8 points: the model cannot make Qin's three
//     equal-energy fields alike, FRAGMENTATION.md §5), so these rows show the fit's residuals, tolerance 15 points;
//   * higher EFD fragments faster: 250 shocks at 1.4 x the HM3 pressures (2 x the EFD) clear more than at 1 x;
//   * more shocks never lower the fraction cleared: the largest drop along a 2000-shock curve (must be 0);
//   * a stone wider than the focus breaks slower, not never: a 20 mm BegoStone under the 4 mm reflector-insert field
//     clears something after 2000 shocks, and less than a 10 mm stone in the same field.
//   The full variant adds the curve at 500 and 1000 shocks against the 250-shock point (monotone growth).
#include <algorithm>
#include <cmath>

#include "planning/fragmentation.hpp"
#include "validation/parameter_fit.hpp"
#include "core/errors.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {
constexpr char kFrag[] = "planner_fragmentation";
constexpr double kMPa = 1e6, kMm = 1e-3;

planning::ShockAtTarget shock(double p_plus_MPa, double p_minus_MPa, double width_mm) {
    planning::ShockAtTarget s;
    s.p_plus_Pa = p_plus_MPa * kMPa;
    s.p_minus_Pa = p_minus_MPa * kMPa;
    s.focal_width_m = width_mm * kMm;
    return s;
}

planning::FragmentationModel begostone(double cloud_factor) {
    planning::FragmentationOptions o;
    o.clearance_size_m = 2 * kMm;
    o.cloud_diameter_factor = cloud_factor;
    return planning::FragmentationModel(planning::stone_material("begostone"), o);
}

/// Fraction cleared after each shock count of `marks` (ascending).
std::vector<double> curve(const planning::FragmentationModel& m, double diameter_mm, const planning::ShockAtTarget& s,
                          const std::vector<int>& marks) {
    auto p = m.initial(diameter_mm * kMm);
    std::vector<double> out;
    int done = 0;
    for (int mark : marks) {
        for (; done < mark; ++done) m.shock(p, s);
        out.push_back(m.fraction_cleared(p));
    }
    return out;
}
}  // namespace

std::vector<Row> run_planner_fragmentation(bool full, const RunHooks& hooks) {
    std::vector<Row> rows;
    const planning::FragmentationModel m = begostone(1.5);  // the 15 mm holder of Qin et al.
    const double zhang[3][2] = {{10, 7.9}, {7, 8.8}, {4, 12.7}};
    for (const auto& z : zhang)
        rows.push_back(relative_row(kFrag,
                                    fmt("fragmentation threshold, cross-section-averaged p+, ", z[0],
                                        " mm BegoStone (Zhang 2016; fit) [MPa]"),
                                    m.threshold_p_plus_avg_Pa(z[0] * kMm) / kMPa, z[1], 5.0));
    for (const DataRow& r : parse_groups(fragmentation_groups_csv(), "fragmentation_groups.csv")) {
        if (r.model != "comminution") continue;
        const planning::FragmentationModel q = begostone(r.number("cloud"));
        const auto c = curve(q, 10, shock(r.number("p_plus_MPa"), r.number("p_minus_MPa"), r.number("width_mm")),
                             {int(r.number("shocks"))});
        rows.push_back(absolute_row(kFrag,
                                    fmt("10 mm BegoStone, ", r.group, " (", r.number("p_plus_MPa"), " MPa, ",
                                        r.number("width_mm"), " mm), ", r.number("shocks"),
                                        " shocks: comminuted below 2 mm (Qin 2010; ", r.role, ")"),
                                    "%", 100 * c[0], r.number("percent"), 15.0));
    }
    const std::vector<int> marks = full ? std::vector<int>{250, 500, 1000} : std::vector<int>{250};
    const auto c = curve(m, 10, shock(49, -10, 11), marks);
    const double doubled = curve(m, 10, shock(49 * std::sqrt(2.0), -10 * std::sqrt(2.0), 11), {250})[0];
    rows.push_back(measured_row(kFrag, "2 x EFD minus 1 x EFD, fraction comminuted after 250 shocks (must be > 0) [%]",
                                "%", 100 * (doubled - c[0]), 0.0, doubled > c[0] ? 0.0 : 1.0, 0.0));
    std::vector<int> dense;
    for (int n = 10; n <= 2000; n += 10) dense.push_back(n);
    const auto d = curve(m, 10, shock(49, -10, 11), dense);
    double drop = 0;
    for (std::size_t i = 1; i < d.size(); ++i) drop = std::max(drop, 100 * (d[i - 1] - d[i]));
    rows.push_back(absolute_row(kFrag, "largest drop of the fraction comminuted along 2000 shocks", "%", drop, 0.0,
                                0.0));
    const double wide = curve(begostone(1.0), 20, shock(87, -10, 4), {2000})[0];
    const double fits = curve(begostone(1.0), 10, shock(87, -10, 4), {2000})[0];
    rows.push_back(measured_row(kFrag,
                                fmt("20 mm BegoStone under the 4 mm reflector-insert field, 2000 shocks: comminuted ",
                                    100 * wide, " % (> 0: not never; < the 10 mm stone's ", 100 * fits, " %) [%]"),
                                "%", 100 * wide, 100 * fits, wide > 0 && wide < fits ? 0.0 : 1.0, 0.0));
    if (full)
        for (std::size_t i = 1; i < c.size(); ++i)
            rows.push_back(measured_row(kFrag, fmt("comminuted after ", marks[i], " shocks exceeds 250 shocks [%]"),
                                        "%", 100 * c[i], 100 * c[0], c[i] > c[0] ? 0.0 : 1.0, 0.0));
    if (hooks.log) hooks.log(fmt(kFrag, ": 250 HM3 shocks comminute ", 100 * c[0], " % of a 10 mm BegoStone"));
    return rows;
}

}  // namespace lithosim::validation::detail
