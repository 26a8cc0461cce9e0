// The validation cases of issue 2 §4, each in its fast variant as one ctest ([validation][case]), and unit tests of
// the registry and of the measurement helpers the cases rely on ([validation][support]).
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <cmath>
#include <numbers>
#include <string>

#include "core/errors.hpp"
#include "validation/case_support.hpp"
#include "validation/cases.hpp"

namespace val = lithosim::validation;
namespace det = lithosim::validation::detail;

namespace {

/// Runs a case's fast variant, prints its table and run time, checks every row (so a failure names it) and
/// returns whether all rows passed, for the caller's CHECK.
bool check_case(const std::string& name) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<val::Row> rows = val::run_case(name, false);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // The table goes to stdout (ctest -V or --output-on-failure shows it): Catch would wrap its wide lines.
    std::cout << name << " (fast variant): " << rows.size() << " rows in " << seconds << " s\n"
              << val::format_rows(rows) << std::flush;
    REQUIRE(!rows.empty());
    for (const auto& r : rows) {
        INFO(r.case_name << ": " << r.quantity << ": simulated " << r.simulated << ", reference " << r.reference
                         << ", error " << r.error << " " << r.unit << " (tolerance " << r.tolerance << ")");
        CHECK(r.case_name == name);
        CHECK(std::isfinite(r.simulated));
        CHECK(std::isfinite(r.reference));
        CHECK(r.pass);
    }
    bool all = true;
    for (const auto& r : rows) all = all && r.pass && r.case_name == name;
    return all;
}

}  // namespace

TEST_CASE("oneil_bowl: 3D bowl on-axis CW amplitude vs O'Neil", "[validation][case]") { CHECK(check_case("oneil_bowl")); }
TEST_CASE("fubini_fay: 1D nonlinear harmonics vs Fubini, Fay and Mendousse", "[validation][case]") {
    CHECK(check_case("fubini_fay"));
}
TEST_CASE("interface: normal-incidence R and T, water to soft tissue and bone", "[validation][case]") {
    CHECK(check_case("interface"));
}
TEST_CASE("power_law_absorption: attenuation and Kramers-Kronig phase speed", "[validation][case]") {
    CHECK(check_case("power_law_absorption"));
}
TEST_CASE("pml: boundary reflection at normal and 45 degree incidence", "[validation][case]") { CHECK(check_case("pml")); }
TEST_CASE("point_source: 3D monopole vs free-space Green's function", "[validation][case]") {
    CHECK(check_case("point_source"));
}
TEST_CASE("piston_axisymmetric: on-axis CW field of a circular piston in (r, z)", "[validation][case]") {
    CHECK(check_case("piston_axisymmetric"));
}
TEST_CASE("axisymmetric_vs_3d: nonlinear focused lithotripter pulse, (r, z) against 3D", "[validation][case]") {
    CHECK(check_case("axisymmetric_vs_3d"));
}
TEST_CASE("hm3_qin2010: HM3 preset at 20 kV against Qin 2010 (coarse grid)", "[validation][case][devices]") {
    CHECK(check_case("hm3_qin2010"));
}
TEST_CASE("eswt_perez2013: ESWT head preset against Perez 2013 (level 1)", "[validation][case][devices]") {
    CHECK(check_case("eswt_perez2013"));
}
TEST_CASE("device_refinement: ESWT head p+ converges under grid refinement", "[validation][case][devices]") {
    CHECK(check_case("device_refinement"));
}
TEST_CASE("convergence: observed spatial order of the order-4 and order-2 stencils", "[validation][case]") {
    CHECK(check_case("convergence"));
}

TEST_CASE("The registry lists the cases of issues 2, 3 and 5 and rejects unknown names", "[validation][support]") {
    const auto cases = val::list_cases();
    std::vector<std::string> names;
    for (const auto& c : cases) {
        names.push_back(c.name);
        CHECK(!c.description.empty());
    }
    CHECK(names == std::vector<std::string>{"oneil_bowl", "fubini_fay", "interface", "power_law_absorption", "pml",
                                            "point_source", "convergence", "piston_axisymmetric",
                                            "axisymmetric_vs_3d", "hm3_qin2010", "eswt_perez2013",
                                            "device_refinement", "planner_fragmentation", "planner_clinical", "outcomes",
                                            "planner_phantoms"});
    try {
        val::run_case("no_such_case", false);
        FAIL("an unknown case name must throw");
    } catch (const lithosim::InputError& e) {
        const std::string msg = e.what();
        CHECK(msg.find("no_such_case") != std::string::npos);
        CHECK(e.input == "case");   // the command line shows it as --case
        for (const auto& n : names) CHECK(msg.find(n) != std::string::npos);
    }
}

TEST_CASE("Rows pass only when the error is within the tolerance", "[validation][support]") {
    const auto r = det::relative_row("c", "q", 1.01, 1.0, 2.0);
    CHECK(r.unit == "%");
    CHECK(r.error == Approx(1.0));
    CHECK(r.pass);
    CHECK_FALSE(det::relative_row("c", "q", 1.03, 1.0, 2.0).pass);
    CHECK(det::absolute_row("c", "q", "mm", 10.3, 10.0, 0.5).pass);
    CHECK_FALSE(det::absolute_row("c", "q", "mm", 9.4, 10.0, 0.5).pass);
    CHECK_FALSE(det::measured_row("c", "q", "dB", 1, 1, std::nan(""), 0).pass);
    const std::string table = val::format_rows({r});
    CHECK(table.find("PASS") != std::string::npos);
}

TEST_CASE("A time step with whole steps per period makes a one-bin DFT exact", "[validation][support]") {
    const double c = 1500, f0 = 1e6, dx = c / (f0 * 9);
    int m = 0;
    const double cfl = det::cfl_for_whole_periods(c, dx, f0, 0.3, &m);
    CHECK(m == 30);
    CHECK(cfl == Approx(0.3));
    const double cfl2 = det::cfl_for_whole_periods(c, c / (f0 * 7), f0, 0.3, &m);
    CHECK(cfl2 <= 0.3);
    const double dt = cfl2 * (c / (f0 * 7)) / c;
    CHECK(m * dt * f0 == Approx(1.0).epsilon(1e-12));
    // A steady tone (plus a harmonic and an offset) over a whole number of periods.
    std::vector<float> x(20 * m);
    for (std::size_t n = 0; n < x.size(); ++n) {
        const double t = n * dt;
        x[n] = float(3.0 * std::sin(2 * std::numbers::pi * f0 * t + 0.4) +
                     0.5 * std::cos(2 * std::numbers::pi * 2 * f0 * t));
    }
    CHECK(std::abs(det::tone(x, dt, f0, 3 * m, 4 * m)) == Approx(3.0).epsilon(1e-6));
    CHECK(std::abs(det::tone(x, dt, 2 * f0, 5 * m, 8 * m)) == Approx(0.5).epsilon(1e-5));
    CHECK_THROWS_AS(det::tone(x, dt, f0, 18 * m, 4 * m), std::logic_error);
}

TEST_CASE("The smooth pulse is zero-mean, peaks near 1 and starts without a step", "[validation][support]") {
    const double f0 = 1e6;
    const lithosim::Waveform w = det::smooth_pulse(f0, 1.5);
    const double tc = det::smooth_pulse_centre_s(f0, 1.5);
    double mean = 0, peak = 0;
    const double h = 1e-9;
    for (double t = 0; t <= 2 * tc; t += h) {
        mean += w.shape(t) * h;
        peak = std::max(peak, std::abs(w.shape(t)));
    }
    CHECK(std::abs(mean) < 1e-12);
    CHECK(peak == Approx(1.0).epsilon(1e-6));
    CHECK(std::abs(w.shape(0)) < 1e-7);
    CHECK(std::abs(w.shape(2 * tc)) < 1e-7);
    // Its Fourier transform at f0 is that of the Gaussian-modulated sine,
    // |S(f0)| = w sqrt(2π)/2 (1 − e^{−2(2π f0 w)²}), divided by the sampled peak (shape() normalises to max |s| = 1; the sine is 0 at the envelope's centre).
    const double wd = det::smooth_pulse_width_s(f0, 1.5);
    std::vector<float> rec;
    for (double t = 0; t <= 2 * tc; t += h) rec.push_back(float(w.shape(t)));
    const double expect = wd * std::sqrt(2 * std::numbers::pi) / 2 *
                          (1 - std::exp(-2 * std::pow(2 * std::numbers::pi * f0 * wd, 2))) / w.samples_peak_Pa();
    CHECK(std::abs(det::fourier(rec, h, f0)) == Approx(expect).epsilon(1e-4));
}
TEST_CASE("planner_fragmentation: thresholds vs Zhang 2016, comminution vs Qin 2010, monotone in EFD and shocks",
          "[validation][case][planner]") {
    CHECK(check_case("planner_fragmentation"));
}
TEST_CASE("planner_clinical: the fitted stone strengths against the clinical series they were not fitted to",
          "[validation][case][planner]") {
    CHECK(check_case("planner_clinical"));
}
TEST_CASE("outcomes: the outcome models against the published checking groups", "[validation][case][planner]") {
    CHECK(check_case("outcomes"));
}
