// The plan's dose maps on a 3D beam-frame grid (planning/dose_grid.hpp): an (r, z) map linear in r revolves to
// sqrt(x^2 + y^2) exactly, 0 beyond its last radius, on a grid symmetric about the axis; a session's cumulative map
// interpolates the per-shock maps on a log scale in the setting (exact at the runs, the nearest run beyond them).
#include <catch2/catch.hpp>

#include <cmath>

#include "planning/dose_grid.hpp"

using namespace lithosim::planning;
using lithosim::Map3;

TEST_CASE("an axisymmetric map revolves onto a symmetric beam-frame grid", "[planning][dose_grid]") {
    Map3 m;
    m.nx = 21, m.ny = 1, m.nz = 11;
    m.spacing_m = {1e-3, 0, 2e-3};
    m.origin_m = {0, 0, 0.05};
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t i = 0; i < m.nx; ++i) m.values.push_back(float(double(i) * 1e-3 + double(k)));
    const double shift = 0.01;   // map z = model z + shift
    const BeamGrid g = covering_grid(m, true, shift, 1e-3, 1'000'000);
    // Isotropic at the coarser of the map's spacings (dz = 2 mm): r up to 20 mm -> 2 x 10 + 1 columns.
    CHECK(g.spacing_m == Approx(2e-3));
    CHECK(g.nx == 21);
    CHECK(g.ny == 21);
    CHECK(g.nz == 11);
    CHECK(g.origin_m[0] == Approx(-0.02));
    CHECK(g.origin_m[2] == Approx(0.04));
    const std::vector<float> v = sample_on_grid(m, true, shift, g);
    for (std::size_t k = 0; k < g.nz; k += 2)
        for (std::size_t j = 0; j < g.ny; ++j)
            for (std::size_t i = 0; i < g.nx; ++i) {
                const auto p = g.position_m(i, j, k);
                const double r = std::hypot(p[0], p[1]);
                const double expected = r <= 0.02 + 1e-12 ? r + (p[2] + shift - 0.05) / 2e-3 : 0.0;
                CAPTURE(i, j, k);
                CHECK(v[i + g.nx * (j + g.ny * k)] == Approx(expected).margin(1e-4));
            }
    // A cap on the voxels coarsens the grid.
    const BeamGrid coarse = covering_grid(m, true, shift, 1e-3, 1'000);
    CHECK(coarse.size() <= 1'000);
    CHECK(coarse.spacing_m > 2e-3);
}

TEST_CASE("a session's cumulative map interpolates the runs on a log scale", "[planning][dose_grid]") {
    Map3 a, b;
    a.nx = b.nx = 2;
    a.values = {1.0f, 0.0f};
    b.values = {4.0f, 2.0f};
    const std::vector<std::pair<double, const Map3*>> runs = {{1.0, &a}, {3.0, &b}};
    // 10 shocks at setting 2 (log midway: 2 per shock; linear where a run is 0), 5 at 3, 1 at 7 (beyond: the last run).
    const Map3 sum = cumulative_map(runs, {{2.0, 10}, {3.0, 5}, {7.0, 1}});
    CHECK(sum.values[0] == Approx(10 * 2.0 + 5 * 4.0 + 4.0));
    CHECK(sum.values[1] == Approx(10 * 1.0 + 5 * 2.0 + 2.0));
    const Map3 low = cumulative_map(runs, {{0.5, 3}});
    CHECK(low.values[0] == Approx(3.0));
    Map3 other;
    other.nx = 3;
    other.values = {1, 1, 1};
    CHECK_THROWS_AS(cumulative_map({{1.0, &a}, {2.0, &other}}, {{1.0, 1}}), std::invalid_argument);
}
