// Field metrics against synthetic fields with known answers: a Gaussian focal spot of known FWHM, analytic rise
// times of linear and tanh fronts, and the energy flux density of a sine burst, A^2 T / (2 rho c).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "map_fixtures.hpp"
#include "planning/field_metrics.hpp"

using lithosim::Map3;
using lithosim::SensorRecord;
using namespace lithosim::planning;

namespace {

constexpr double kPi = 3.14159265358979323846;
const double kFwhmPerSigma = 2.0 * std::sqrt(2.0 * std::log(2.0));

using lithosim::test::make_map;

struct Gaussian {
    double amplitude;
    std::array<double, 3> centre_m;
    std::array<double, 3> fwhm_m;
    double operator()(double x, double y, double z) const {
        const double r[3] = {x - centre_m[0], y - centre_m[1], z - centre_m[2]};
        double e = 0;
        for (int a = 0; a < 3; ++a) {
            const double sigma = fwhm_m[a] / kFwhmPerSigma;
            e += r[a] * r[a] / (2 * sigma * sigma);
        }
        return amplitude * std::exp(-e);
    }
};

Map3 constant_like(const Map3& m, double v) {
    Map3 c = m;
    std::fill(c.values.begin(), c.values.end(), static_cast<float>(v));
    return c;
}

/// Sample f on a uniform time axis t_n = n dt, n = 0..n_samples-1.
void sample(double dt, std::size_t n_samples, const std::function<double(double)>& f, std::vector<double>& t,
            std::vector<float>& p) {
    t.resize(n_samples);
    p.resize(n_samples);
    for (std::size_t n = 0; n < n_samples; ++n) {
        t[n] = n * dt;
        p[n] = static_cast<float>(f(t[n]));
    }
}

/// Lithotripter-like pulse: a tanh front of time constant tau at t0 (10-90 % rise 2 tau atanh(0.8)), a plateau
/// until t0 + 10 tau, then a Gaussian fall through zero into a tensile tail.
double tanh_pulse(double t, double peak, double t0, double tau) {
    const double front = 0.5 * (1.0 + std::tanh((t - t0) / tau));
    const double t1 = t0 + 10 * tau;
    const double fall = t < t1 ? 1.0 : std::exp(-std::pow((t - t1) / (20 * tau), 2));
    const double tail = t < t1 ? 0.0 : -0.2 * std::sin(kPi * std::min(1.0, (t - t1) / (200 * tau)));
    return peak * (front * fall + tail);
}

}  // namespace

TEST_CASE("Gaussian focal spot on the grid: focus, p+, -6 dB widths, EFD", "[planning]") {
    const double dx = 0.25e-3, dy = 0.25e-3, dz = 0.5e-3;
    const std::size_t nx = 41, ny = 41, nz = 61;
    const std::array<double, 3> origin{-5e-3, -5e-3, 70e-3};
    // Centre exactly on cell (20, 20, 30): (0, 0, 85 mm).
    const Gaussian g{40e6, {0.0, 0.0, 85e-3}, {2.0e-3, 3.0e-3, 15e-3}};
    const Map3 p_max = make_map(nx, ny, nz, origin, {dx, dy, dz}, g);
    const Map3 p_min = make_map(nx, ny, nz, origin, {dx, dy, dz}, [&](double x, double y, double z) {
        return -0.25 * g(x, y, z);
    });
    const Map3 efd = make_map(nx, ny, nz, origin, {dx, dy, dz}, [&](double x, double y, double z) {
        return 1e-4 * g(x, y, z);  // 4000 J/m^2 = 4 mJ/mm^2 at the peak
    });

    const FieldSummary s = summarise_field(p_max, p_min, efd, SensorRecord{});
    CHECK(s.p_plus_MPa == Approx(40.0).epsilon(1e-6));
    CHECK(s.focus_mm[0] == Approx(0.0).margin(1e-9));
    CHECK(s.focus_mm[1] == Approx(0.0).margin(1e-9));
    CHECK(s.focus_mm[2] == Approx(85.0).margin(1e-9));
    CHECK(s.p_minus_MPa == Approx(-10.0).epsilon(1e-6));
    CHECK(s.efd_focus_mJ_per_mm2 == Approx(4.0).epsilon(1e-6));
    CHECK(s.focal_zone_6dB_mm.x_mm == Approx(2.0).margin(0.5 * dx * 1e3));
    CHECK(s.focal_zone_6dB_mm.y_mm == Approx(3.0).margin(0.5 * dy * 1e3));
    CHECK(s.focal_zone_6dB_mm.z_mm == Approx(15.0).margin(0.5 * dz * 1e3));
    CHECK_FALSE(s.rise_time_ns.has_value());
    CHECK_FALSE(s.pulse_duration_ns.has_value());
}

TEST_CASE("Gaussian focal spot between grid nodes: widths within half a cell, focus within half a cell", "[planning]") {
    const double dx = 0.25e-3, dy = 0.25e-3, dz = 0.5e-3;
    const std::array<double, 3> origin{-5e-3, -5e-3, 70e-3};
    const Gaussian g{55e6, {0.3 * dx, -0.4 * dy, 85e-3 + 0.45 * dz}, {2.0e-3, 3.0e-3, 15e-3}};
    const Map3 p_max = make_map(41, 41, 61, origin, {dx, dy, dz}, g);
    const FieldSummary s = summarise_field(p_max, constant_like(p_max, -1e6), constant_like(p_max, 0.0), {});
    CHECK(std::abs(s.focus_mm[0] - g.centre_m[0] * 1e3) <= 0.5 * dx * 1e3);
    CHECK(std::abs(s.focus_mm[1] - g.centre_m[1] * 1e3) <= 0.5 * dy * 1e3);
    CHECK(std::abs(s.focus_mm[2] - g.centre_m[2] * 1e3) <= 0.5 * dz * 1e3);
    CHECK(s.p_plus_MPa <= 55.0);
    CHECK(s.p_plus_MPa == Approx(55.0).epsilon(0.01));
    CHECK(s.focal_zone_6dB_mm.x_mm == Approx(2.0).margin(0.5 * dx * 1e3));
    CHECK(s.focal_zone_6dB_mm.y_mm == Approx(3.0).margin(0.5 * dy * 1e3));
    CHECK(s.focal_zone_6dB_mm.z_mm == Approx(15.0).margin(0.5 * dz * 1e3));
}

TEST_CASE("focal width error shrinks with the grid spacing", "[planning]") {
    // Linear interpolation of the half-maximum crossing: the error falls at least as fast as the spacing.
    double previous_error = 1e9;
    for (double dx : {0.5e-3, 0.25e-3, 0.125e-3}) {
        const std::size_t n = static_cast<std::size_t>(std::lround(12e-3 / dx)) + 1;
        const Gaussian g{10e6, {0.37 * dx, 0, 0}, {4.0e-3, 1.0, 1.0}};
        const Map3 p_max = make_map(n, 1, 1, {-6e-3, 0, 0}, {dx, 0, 0}, g);
        const FieldSummary s = summarise_field(p_max, p_max, p_max, {});
        const double error = std::abs(s.focal_zone_6dB_mm.x_mm - 4.0);
        INFO("dx = " << dx * 1e3 << " mm, width error = " << error << " mm");
        CHECK(error <= 0.5 * dx * 1e3);
        CHECK(error < 0.6 * previous_error);
        previous_error = error;
    }
}

TEST_CASE("p_minus is taken over the connected -6 dB zone only", "[planning]") {
    const double d = 0.5e-3;
    const std::array<double, 3> origin{-10e-3, -10e-3, 0.0};
    const Gaussian main_lobe{40e6, {0, 0, 10e-3}, {3e-3, 3e-3, 8e-3}};
    // A separate side lobe above half maximum, not connected to the main lobe through half-maximum cells.
    const Gaussian side_lobe{30e6, {8e-3, 8e-3, 10e-3}, {1e-3, 1e-3, 1e-3}};
    const Map3 p_max = make_map(41, 41, 41, origin, {d, d, d},
                                [&](double x, double y, double z) { return main_lobe(x, y, z) + side_lobe(x, y, z); });
    // Tension peaks 2 mm in front of the focus (inside the zone) at -12 MPa; -200 MPa sits under the side lobe and
    // -100 MPa in a corner far outside: neither may be reported.
    Map3 p_min = make_map(41, 41, 41, origin, {d, d, d}, [&](double x, double y, double z) {
        const Gaussian tension{-12e6, {0, 0, 8e-3}, {4e-3, 4e-3, 6e-3}};
        return tension(x, y, z);
    });
    p_min.values[(36 + 41 * (36 + 41 * 20))] = -200e6;  // cell at (8, 8, 10) mm, the side-lobe peak
    p_min.values[0] = -100e6;
    REQUIRE(p_max.values[36 + 41 * (36 + 41 * 20)] > 0.5 * 40e6);

    const FieldSummary s = summarise_field(p_max, p_min, constant_like(p_max, 0.0), {});
    CHECK(s.p_plus_MPa == Approx(40.0).epsilon(1e-3));
    CHECK(s.focus_mm[2] == Approx(10.0).margin(1e-9));
    CHECK(s.p_minus_MPa == Approx(-12.0).epsilon(1e-6));
    CHECK(s.focal_zone_6dB_mm.x_mm == Approx(3.0).margin(0.25));
    CHECK(s.focal_zone_6dB_mm.z_mm == Approx(8.0).margin(0.25));
}

TEST_CASE("2D map: unused axis has zero width; zone reaching the edge is clipped there", "[planning]") {
    const double d = 0.2e-3;
    // x-z plane, ny = 1 with spacing 0. The Gaussian is centred 1 mm from the z = 0 edge with FWHM 6 mm in z, so
    // the -6 dB zone runs into the edge on that side.
    const Gaussian g{20e6, {0, 0, 1e-3}, {2e-3, 1.0, 6e-3}};
    const Map3 p_max = make_map(51, 1, 101, {-5e-3, 0, 0}, {d, 0, d}, g);
    const FieldSummary s = summarise_field(p_max, p_max, p_max, {});
    CHECK(s.focal_zone_6dB_mm.y_mm == 0.0);
    CHECK(s.focal_zone_6dB_mm.x_mm == Approx(2.0).margin(0.1));
    CHECK(s.focal_zone_6dB_mm.z_mm == Approx(1.0 + 3.0).margin(0.1));  // edge at 0 to the crossing at 4 mm
}

TEST_CASE("mismatched or empty maps are rejected", "[planning]") {
    const Map3 a = make_map(4, 4, 4, {0, 0, 0}, {1e-3, 1e-3, 1e-3}, [](double, double, double) { return 1.0; });
    const Map3 b = make_map(4, 4, 3, {0, 0, 0}, {1e-3, 1e-3, 1e-3}, [](double, double, double) { return 1.0; });
    CHECK_THROWS_AS(summarise_field(a, b, a, {}), std::invalid_argument);
    CHECK_THROWS_AS(summarise_field(a, a, b, {}), std::invalid_argument);
    Map3 empty;
    empty.nx = empty.ny = empty.nz = 0;
    CHECK_THROWS_AS(summarise_field(empty, empty, empty, {}), std::invalid_argument);
}

TEST_CASE("rise time of a linear front is exact", "[planning]") {
    // A straight line through 0 at 100 ns up to 30 MPa at 130 ns (it starts at -10 MPa at 90 ns, so the zero
    // crossing lies on the line too): 10-90 % takes 0.8 * 30 ns = 24 ns.
    std::vector<double> t;
    std::vector<float> p;
    sample(1e-9, 400, [](double tt) {
        const double ns = tt * 1e9;
        if (ns < 90) return 0.0;
        if (ns < 130) return 1e6 * (ns - 100);
        if (ns < 200) return 30e6;
        return 30e6 - 0.5e6 * (ns - 200);  // falls through zero at 260 ns
    }, t, p);
    const auto rise = rise_time_s(t, p);
    REQUIRE(rise.has_value());
    CHECK(*rise * 1e9 == Approx(24.0).epsilon(1e-6));
    const auto dur = positive_phase_duration_s(t, p);
    REQUIRE(dur.has_value());
    CHECK(*dur * 1e9 == Approx(160.0).epsilon(1e-6));  // 100 ns to 260 ns
}

TEST_CASE("rise time of a tanh front: within 2 % and converging as sampling refines", "[planning]") {
    const double tau = 10e-9;
    const double exact = 2 * tau * std::atanh(0.8);  // 21.97 ns
    double previous_error = 1.0;
    for (double dt : {4e-9, 2e-9, 1e-9, 0.5e-9}) {
        double worst = 0;
        for (double phase : {0.0, 0.25, 0.5, 0.75}) {  // front position relative to the samples
            std::vector<double> t;
            std::vector<float> p;
            const double t0 = 300e-9 + phase * dt;
            sample(dt, static_cast<std::size_t>(std::lround(4e-6 / dt)),
                   [&](double tt) { return tanh_pulse(tt, 45e6, t0, tau); }, t, p);
            const auto rise = rise_time_s(t, p);
            REQUIRE(rise.has_value());
            worst = std::max(worst, std::abs(*rise - exact) / exact);
        }
        INFO("dt = " << dt * 1e9 << " ns, worst relative error " << worst);
        if (dt <= 2e-9) CHECK(worst < 0.02);
        CHECK(worst < previous_error);
        previous_error = worst;
    }
    CHECK(previous_error < 0.002);  // dt = 0.5 ns
}

TEST_CASE("rise time and positive phase are empty when undefined", "[planning]") {
    std::vector<double> t{0, 1, 2, 3};
    CHECK_FALSE(rise_time_s(t, {-1.f, -2.f, -3.f, -1.f}).has_value());      // no positive peak
    CHECK_FALSE(rise_time_s(t, {5.f, 4.f, 3.f, 2.f}).has_value());          // starts at the peak
    CHECK_FALSE(rise_time_s(t, {0.6f, 0.8f, 1.f, 0.f}).has_value());        // never below 10 % before the peak
    CHECK_FALSE(positive_phase_duration_s(t, {0.f, 1.f, 2.f, 3.f}).has_value());  // still positive at the end
    CHECK_THROWS_AS(rise_time_s(t, {1.f, 2.f}), std::invalid_argument);
    // Both crossings inside one sample interval: p jumps from 0 to the peak in one step.
    const auto r = rise_time_s(t, {0.f, 0.f, 10.f, 10.f});
    REQUIRE(r.has_value());
    CHECK(*r == Approx(0.8));
}

TEST_CASE("EFD of a sine burst equals A^2 T / (2 rho c)", "[planning]") {
    const double A = 1e6, f = 0.5e6, rho = 1000.0, c = 1500.0;
    const int cycles = 3;
    const double T = cycles / f;
    const double dt = 1.0 / (64 * f);
    const double start = 10e-6;
    std::vector<double> t;
    std::vector<float> p;
    sample(dt, 64 * 20, [&](double tt) {
        const double s = tt - start;
        return (s >= 0 && s <= T) ? A * std::sin(2 * kPi * f * s) : 0.0;
    }, t, p);
    const double expected = A * A * T / (2 * rho * c);  // 1e-3 J/m^2
    CHECK(efd_J_per_m2(t, p, rho, c) == Approx(expected).epsilon(1e-5));
    CHECK_THROWS_AS(efd_J_per_m2(t, p, 0.0, c), std::invalid_argument);
}

TEST_CASE("summarise_field reads rise time and positive phase from the sensor nearest the focus", "[planning]") {
    const double d = 0.5e-3;
    const Gaussian g{45e6, {0, 0, 0}, {3e-3, 3e-3, 10e-3}};
    const Map3 p_max = make_map(21, 21, 41, {-5e-3, -5e-3, -10e-3}, {d, d, d}, g);
    const double tau = 5e-9;
    const double dt = 0.5e-9;

    SensorRecord sensors;
    std::vector<float> focal, far;
    sample(dt, 8000, [&](double tt) { return tanh_pulse(tt, 45e6, 500e-9, tau); }, sensors.t_s, focal);
    sample(dt, 8000, [&](double tt) { return tanh_pulse(tt, 5e6, 500e-9, 4 * tau); }, sensors.t_s, far);
    sensors.position_m = {{0, 0, 5e-3}, {0.4 * d, 0.3 * d, -0.5 * d}};  // far (10 cells), near (0.7 cells)
    sensors.p_Pa = {far, focal};

    const FieldSummary s = summarise_field(p_max, constant_like(p_max, -5e6), constant_like(p_max, 100.0), sensors);
    REQUIRE(s.rise_time_ns.has_value());
    CHECK(*s.rise_time_ns == Approx(2 * tau * std::atanh(0.8) * 1e9).epsilon(0.01));
    REQUIRE(s.pulse_duration_ns.has_value());
    CHECK(*s.pulse_duration_ns == Approx(*positive_phase_duration_s(sensors.t_s, focal) * 1e9));
    CHECK(s.efd_focus_mJ_per_mm2 == Approx(0.1));
    CHECK(s.p_minus_MPa == Approx(-5.0));

    // Without a sensor within 1.5 cells there is no waveform metric.
    sensors.position_m[1] = {2.0 * d, 0, 0};
    const FieldSummary s2 = summarise_field(p_max, p_max, p_max, sensors);
    CHECK_FALSE(s2.rise_time_ns.has_value());
    CHECK_FALSE(s2.pulse_duration_ns.has_value());
}
