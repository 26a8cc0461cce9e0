// Sensor planes z = const: the same accumulations as the full maps on one node plane, plus the EFD over p > 0.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "solver/simulation.hpp"

using namespace lithosim;

namespace {
enum class Geometry { Cartesian2D, Cartesian3D, Axisymmetric };

/// A plane wave in water from a sheet at z = 1 mm, linear and lossless, 15 points per wavelength at 0.5 MHz.
/// Grids of at most 72 000 cells.
SimulationSpec plane_wave(Geometry geometry, const Waveform& wf) {
    SimulationSpec s;
    s.grid.dims = geometry == Geometry::Cartesian3D ? 3 : 2;
    s.grid.axisymmetric = geometry == Geometry::Axisymmetric;
    s.grid.dx_m = 0.2e-3;
    s.grid.size_m = {3e-3, geometry == Geometry::Cartesian3D ? 3e-3 : 0.0, 7e-3};
    s.grid.pml_cells = 8;
    s.time.t_end_s = 14e-6;
    s.medium.uniform = {1000, 1500, 0, 2, 5};
    s.solver.nonlinear = false;
    s.solver.absorption = false;
    SourceSpec src;
    src.type = SourceType::Plane;
    src.position_m = {0, 0, 1e-3};
    src.p0_Pa = 1e5;
    src.waveform = wf;
    s.sources = {src};
    return s;
}

/// Gaussian-modulated sine: a bipolar pulse.
Waveform bipolar() {
    Waveform wf;
    wf.type = WaveformType::Gaussian;
    wf.f0_Hz = 0.5e6;
    wf.cycles = 2;
    return wf;
}

/// A 3 us sin^2 bump: a purely positive pulse.
Waveform positive_bump() {
    Waveform wf;
    wf.type = WaveformType::Samples;
    for (int i = 0; i <= 150; ++i) {
        wf.t_s.push_back(i * 3e-6 / 150);
        wf.p.push_back(std::pow(std::sin(M_PI * i / 150), 2));
    }
    return wf;
}

/// Plane k of `r` against the full maps at the same node: layout, and values to float precision.
void check_plane_against_maps(const SimulationResult& r, std::size_t k, double z_requested) {
    REQUIRE(r.planes.size() > k);
    const PlaneRecord& pl = r.planes[k];
    const Map3& full = *r.p_max;
    INFO("plane " << k << " at z = " << pl.z_m * 1e3 << " mm");
    // snapped to the nearest node plane
    CHECK(std::abs(pl.z_m - z_requested) <= 0.5 * full.spacing_m[2] + 1e-12);
    const double fz = (pl.z_m - full.origin_m[2]) / full.spacing_m[2];
    const std::size_t iz = std::size_t(std::lround(fz));
    CHECK(fz == Approx(double(iz)).margin(1e-9));
    for (const Map3* m : {&pl.p_max, &pl.p_min, &pl.efd, &pl.efd_plus}) {
        CHECK(m->nx == full.nx);
        CHECK(m->ny == full.ny);
        CHECK(m->nz == 1);
        CHECK(m->origin_m[0] == full.origin_m[0]);
        CHECK(m->origin_m[1] == full.origin_m[1]);
        CHECK(m->origin_m[2] == pl.z_m);
        CHECK(m->spacing_m == full.spacing_m);
        REQUIRE(m->values.size() == full.nx * full.ny);
    }
    float peak = 0, efd_peak = 0;
    for (float v : r.p_max->values) peak = std::max(peak, std::abs(v));
    for (float v : r.efd->values) efd_peak = std::max(efd_peak, v);
    for (std::size_t iy = 0; iy < full.ny; ++iy)
        for (std::size_t ix = 0; ix < full.nx; ++ix) {
            const std::size_t j = ix + full.nx * iy;
            REQUIRE(pl.p_max.values[j] == Approx(r.p_max->at(ix, iy, iz)).epsilon(1e-6).margin(1e-6 * peak));
            REQUIRE(pl.p_min.values[j] == Approx(r.p_min->at(ix, iy, iz)).epsilon(1e-6).margin(1e-6 * peak));
            REQUIRE(pl.efd.values[j] == Approx(r.efd->at(ix, iy, iz)).epsilon(1e-6).margin(1e-6 * efd_peak));
            REQUIRE(pl.efd_plus.values[j] <= pl.efd.values[j] * (1 + 1e-6f));
            REQUIRE(pl.efd_plus.values[j] >= 0);
        }
}

/// efd_plus / efd at the plane's centre node.
double positive_fraction(const PlaneRecord& pl) {
    const std::size_t j = pl.efd.nx / 2 + pl.efd.nx * (pl.efd.ny / 2);
    return double(pl.efd_plus.values[j]) / pl.efd.values[j];
}
}  // namespace

TEST_CASE("sensor planes record the full maps' values at their node plane (2D and 3D)", "[solver][sensors]") {
    for (Geometry geometry : {Geometry::Cartesian2D, Geometry::Cartesian3D}) {
        INFO((geometry == Geometry::Cartesian3D ? "3D" : "2D"));
        auto s = plane_wave(geometry, bipolar());
        s.sensors.planes_z_m = {4.05e-3, 2.45e-3};  // snapped to the node planes at 4 and 2.4 mm
        const auto r = simulate(s);
        REQUIRE(r.planes.size() == 2);
        CHECK(r.planes[0].z_m == Approx(4e-3).margin(1e-12));
        CHECK(r.planes[1].z_m == Approx(2.4e-3).margin(1e-12));
        check_plane_against_maps(r, 0, 4.05e-3);
        check_plane_against_maps(r, 1, 2.45e-3);
        // the wave passed the plane: a bipolar pulse has EFD in both phases
        const auto& p_max = r.planes[0].p_max.values;
        CHECK(*std::max_element(p_max.begin(), p_max.end()) > 0.9e5f);
        const double f = positive_fraction(r.planes[0]);
        CHECK(f < 0.9);
        CHECK(f > 0.1);
    }
}

TEST_CASE("a purely positive pulse has efd_plus = efd on a sensor plane", "[solver][sensors]") {
    auto s = plane_wave(Geometry::Cartesian2D, positive_bump());
    s.sensors.planes_z_m = {4e-3};
    const auto r = simulate(s);
    check_plane_against_maps(r, 0, 4e-3);
    const PlaneRecord& pl = r.planes[0];
    CHECK(pl.p_max.values[pl.p_max.nx / 2] == Approx(1e5).epsilon(0.01));
    // the numerical dispersion leaves only a faint negative tail behind the bump
    for (std::size_t j = 0; j < pl.efd.values.size(); ++j)
        REQUIRE(pl.efd_plus.values[j] == Approx(pl.efd.values[j]).epsilon(1e-3));
}

TEST_CASE("axisymmetric sensor planes span r from the axis like the full maps", "[solver][sensors][axisymmetric]") {
    auto s = plane_wave(Geometry::Axisymmetric, bipolar());
    s.sensors.planes_z_m = {5e-3};
    const auto r = simulate(s);
    REQUIRE(r.planes.size() == 1);
    const PlaneRecord& pl = r.planes[0];
    CHECK(pl.p_max.nx == r.p_max->nx);  // nr
    CHECK(pl.p_max.nx == 16);           // 3 mm / 0.2 mm + 1
    CHECK(pl.p_max.ny == 1);
    CHECK(pl.p_max.origin_m[0] == 0.0);  // r = 0 exactly
    CHECK(pl.z_m == Approx(5e-3).margin(1e-12));
    check_plane_against_maps(r, 0, 5e-3);
    const double f = positive_fraction(pl);
    CHECK(f < 0.9);
    CHECK(f > 0.1);
}

TEST_CASE("a sensor plane outside the physical region is an input error naming it", "[solver][sensors]") {
    for (Geometry geometry : {Geometry::Cartesian2D, Geometry::Axisymmetric}) {
        auto s = plane_wave(geometry, bipolar());
        s.sensors.planes_z_m = {4e-3, 9.5e-3};
        REQUIRE_THROWS_AS(simulate(s), InputError);
        REQUIRE_THROWS_WITH(simulate(s), Catch::Contains("planes_z_mm") && Catch::Contains("z = 9.5 mm") &&
                                             Catch::Contains("[0, 7] mm"));
        s.sensors.planes_z_m = {-0.25e-3};
        REQUIRE_THROWS_WITH(plan_run(s), Catch::Contains("z = -0.25 mm") && Catch::Contains("[0, 7] mm"));
    }
}

TEST_CASE("sensor planes count in the memory estimate", "[solver][sensors][plan]") {
    auto s = plane_wave(Geometry::Cartesian3D, bipolar());
    const double without = plan_run(s).memory_bytes;
    s.sensors.planes_z_m = {2e-3, 4e-3};
    const double with = plan_run(s).memory_bytes;
    // 16 x 16 nodes per plane; p_max, p_min as float, the two p^2 integrals as double
    CHECK(with - without == Approx(2 * 16 * 16 * (4 + 4 + 8 + 8)));
}
