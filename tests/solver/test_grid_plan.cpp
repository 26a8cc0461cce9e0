#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "solver/simulation.hpp"

using namespace lithosim;

namespace {
SimulationSpec small_case(int dims) {
    SimulationSpec s;
    s.grid.dims = dims;
    s.grid.dx_m = 0.1e-3;
    s.grid.size_m = {4e-3, 3e-3, 6e-3};
    s.grid.pml_cells = 10;
    s.time.t_end_s = 2e-6;
    SourceSpec src;
    src.type = SourceType::Plane;
    src.position_m = {0, 0, 1e-3};
    src.waveform.type = WaveformType::Gaussian;
    src.waveform.f0_Hz = 1e6;
    s.sources = {src};
    return s;
}
}  // namespace

TEST_CASE("grid coordinates: x,y centred, z from 0, PML outside", "[solver][grid]") {
    const Grid g = make_grid(small_case(3).grid);
    // x: 4 mm / 0.1 mm = 40 cells -> 41 nodes from -2 to 2 mm
    REQUIRE(g.n_phys[0] == 41);
    REQUIRE(g.n_phys[1] == 31);
    REQUIRE(g.n_phys[2] == 61);
    CHECK(g.coord(0, g.phys_begin(0)) == Approx(-2e-3).margin(1e-12));
    CHECK(g.coord(0, g.phys_end(0) - 1) == Approx(2e-3).margin(1e-12));
    CHECK(g.coord(2, g.phys_begin(2)) == Approx(0).margin(1e-12));
    CHECK(g.coord(2, g.phys_end(2) - 1) == Approx(6e-3).margin(1e-12));
    CHECK(g.n[0] == 41 + 2 * 10 + 4);
    // 1D runs along z, 2D in x-z
    const Grid g1 = make_grid(small_case(1).grid);
    CHECK(g1.physical_axis(0) == 2);
    CHECK(g1.n[1] == 1);
    const Grid g2 = make_grid(small_case(2).grid);
    CHECK(g2.physical_axis(1) == 2);
    CHECK(g2.internal_axis(1) == -1);
}

TEST_CASE("bad grid sizes are input errors naming the key", "[solver][grid]") {
    auto s = small_case(3);
    s.grid.size_m[1] = -1e-3;
    REQUIRE_THROWS_AS(make_grid(s.grid), InputError);
    REQUIRE_THROWS_WITH(make_grid(s.grid), Catch::Contains("size_mm") && Catch::Contains("y = -1"));
    s = small_case(3);
    s.grid.dx_m = 0;
    REQUIRE_THROWS_WITH(make_grid(s.grid), Catch::Contains("dx_mm = 0"));
    s = small_case(3);
    s.grid.dims = 4;
    REQUIRE_THROWS_WITH(make_grid(s.grid), Catch::Contains("dims = 4"));
}

TEST_CASE("time step from the CFL condition on the fastest speed", "[solver][plan]") {
    for (int dims : {1, 2, 3}) {
        auto s = small_case(dims);
        s.medium.uniform.c_m_per_s = 3000;
        s.solver.absorption = false;
        const RunPlan p = plan_run(s);
        CHECK(p.cfl_max == Approx(1.0 / (std::sqrt(double(dims)) * (9.0 / 8.0 + 1.0 / 24.0))));
        CHECK(p.dt_s == Approx(p.cfl * s.grid.dx_m / 3000.0));
        CHECK(p.cfl <= 0.3 + 1e-12);
    }
    // heterogeneous: the fastest material sets the step
    auto s = small_case(3);
    s.solver.absorption = false;
    s.medium.at = [](const std::array<double, 3>& x) {
        MaterialProps m;
        m.c_m_per_s = x[2] > 3e-3 ? 3500 : 1500;
        return m;
    };
    const RunPlan p = plan_run(s);
    CHECK(p.c_max == Approx(3500));
    CHECK(p.dt_s == Approx(0.3 * 0.1e-3 / 3500));
}

TEST_CASE("an unstable cfl is refused with the accepted range", "[solver][plan]") {
    auto s = small_case(3);
    s.time.cfl = 0.6;
    REQUIRE_THROWS_AS(plan_run(s), InputError);
    REQUIRE_THROWS_WITH(plan_run(s), Catch::Contains("cfl = 0.6") && Catch::Contains("0.49"));
    s.time.cfl = 0.45;
    CHECK_NOTHROW(plan_run(s));
}

TEST_CASE("points per wavelength: error below 2, warning below 4", "[solver][plan]") {
    auto s = small_case(1);
    s.sources[0].waveform.f0_Hz = 1500.0 / (3 * s.grid.dx_m);  // 3 points per wavelength
    const RunPlan p = plan_run(s);
    CHECK(p.points_per_wavelength == Approx(3.0));
    REQUIRE(p.warnings.size() == 1);
    CHECK_THAT(p.warnings[0], Catch::Contains("points per wavelength"));
    s.sources[0].waveform.f0_Hz = 1500.0 / (1.5 * s.grid.dx_m);
    REQUIRE_THROWS_WITH(plan_run(s), Catch::Contains("points per wavelength") && Catch::Contains("dx_mm"));
}

TEST_CASE("memory estimate scales with the grid and a run that does not fit is refused", "[solver][plan]") {
    auto s = small_case(3);
    const RunPlan p = plan_run(s);
    CHECK(p.memory_bytes > p.field_bytes_per_cell * double(p.grid.cells()));
    // linear lossless 3D: u (3) + w + rho_inv (3) + K = 8 floats
    s.solver.nonlinear = false;
    s.solver.absorption = false;
    CHECK(plan_run(s).field_bytes_per_cell == Approx(32));
    s.solver.memory_limit_bytes = 1e5;
    REQUIRE_THROWS_WITH(simulate(s), Catch::Contains("MiB") && Catch::Contains("refusing"));
}
