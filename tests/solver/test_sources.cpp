#include <catch2/catch.hpp>

#include <cmath>

#include "core/errors.hpp"
#include "solver/simulation.hpp"
#include "solver/source.hpp"

using namespace lithosim;

namespace {
Grid grid3(double dx, double X, double Z) {
    GridSpec gs;
    gs.dims = 3;
    gs.dx_m = dx;
    gs.size_m = {X, X, Z};
    gs.pml_cells = 8;
    return make_grid(gs);
}
double integral(const Grid& g, const SourceFootprint& fp) {
    double s = 0;
    for (double d : fp.density) s += d * g.cell_volume();
    return s;
}
}  // namespace

TEST_CASE("bowl footprint carries the cap's area, sub-cell placed", "[solver][source]") {
    const Grid g = grid3(0.5e-3, 40e-3, 40e-3);
    SourceSpec b;
    b.type = SourceType::Bowl;
    b.aperture_m = 30e-3;
    b.focal_length_m = 30e-3;
    b.position_m = {0, 0, 1.23e-3};  // off-grid apex
    const auto fp = footprint(g, b);
    const double h = 30e-3 - std::sqrt(30e-3 * 30e-3 - 15e-3 * 15e-3);
    const double area = 2 * M_PI * 30e-3 * h;
    CHECK(fp.surface_area_m2 == Approx(area).epsilon(1e-3));
    CHECK(integral(g, fp) == Approx(area).epsilon(1e-3));
    // centroid along z of the footprint equals the cap's area centroid: apex + h/2
    double zc = 0, w = 0;
    for (std::size_t k = 0; k < fp.index.size(); ++k) {
        const std::size_t i2 = fp.index[k] / (std::size_t(g.n[0]) * g.n[1]);
        zc += fp.density[k] * g.coord(2, double(i2));
        w += fp.density[k];
    }
    CHECK(zc / w == Approx(1.23e-3 + h / 2).margin(0.01 * g.dx));
    CHECK(geometric_focus_m(b)[2] == Approx(31.23e-3));
}

TEST_CASE("sources outside the grid or bowls that do not fit are input errors", "[solver][source]") {
    const Grid g = grid3(0.5e-3, 20e-3, 20e-3);
    SourceSpec b;
    b.type = SourceType::Bowl;
    b.aperture_m = 30e-3;  // wider than the 20 mm grid
    b.focal_length_m = 30e-3;
    REQUIRE_THROWS_AS(footprint(g, b), InputError);
    REQUIRE_THROWS_WITH(footprint(g, b), Catch::Contains("outside") && Catch::Contains("mm"));
    b.aperture_m = 70e-3;  // wider than the sphere
    REQUIRE_THROWS_WITH(footprint(g, b), Catch::Contains("does not fit"));
    SourceSpec p;
    p.type = SourceType::Point;
    p.position_m = {0, 0, 25e-3};
    REQUIRE_THROWS_WITH(footprint(g, p), Catch::Contains("z = 25"));
}

TEST_CASE("Lanczos-3 kernel: interpolating, compact, near partition of unity", "[solver][source]") {
    CHECK(lanczos3(0) == 1);
    CHECK(lanczos3(1) == Approx(0).margin(1e-12));
    CHECK(lanczos3(3.2) == 0);
    for (double x0 : {0.0, 0.25, 0.5}) {
        double s = 0;
        for (int k = -3; k <= 3; ++k) s += lanczos3(x0 - k);
        CHECK(s == Approx(1).epsilon(0.02));
    }
}
