#include <catch2/catch.hpp>

#include <algorithm>
#include <array>

#include "core/errors.hpp"
#include "solver/fields.hpp"
#include "solver/medium.hpp"
#include "solver/plan.hpp"
#include "solver/pml.hpp"
#include "solver/recorder.hpp"
#include "solver/simulation.hpp"
#include "solver/source.hpp"

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
    // linear lossless 3D in a homogeneous medium: u (3) + w = 4 floats (rho_inv and K are one value each)
    s.solver.nonlinear = false;
    s.solver.absorption = false;
    CHECK(plan_run(s).field_bytes_per_cell == Approx(16));
    // with the density varying: + rho_inv (3) + K = 8 floats, and the material map (2 bytes per cell) in the total
    auto layered = s;
    layered.medium.at = [](const std::array<double, 3>& x) {
        return x[2] < 3e-3 ? MaterialProps{1000, 1500, 0, 2, 5} : MaterialProps{1100, 1500, 0, 2, 5};
    };
    CHECK(plan_run(layered).field_bytes_per_cell == Approx(32));
    // only the speed varying: 1/rho stays one value, K is per cell: u (3) + w + K
    auto speed_only = s;
    speed_only.medium.at = [](const std::array<double, 3>& x) {
        return x[2] < 3e-3 ? MaterialProps{1000, 1500, 0, 2, 5} : MaterialProps{1000, 1600, 0, 2, 5};
    };
    CHECK(plan_run(speed_only).field_bytes_per_cell == Approx(20));
    s.solver.memory_limit_bytes = 1e5;
    REQUIRE_THROWS_WITH(simulate(s), Catch::Contains("MiB") && Catch::Contains("refusing"));
}

TEST_CASE("memory plan: the sum of the bytes of the parts simulate() allocates", "[solver][plan]") {
    // Cases that store different parts: homogeneous nonlinear thermoviscous (uniform coefficients, filter scratch),
    // relaxation (K and K a_l per cell), heterogeneous (everything per cell, the material map), on 1 and 3 ranks.
    auto water = small_case(3);
    water.medium.uniform = {1000, 1500, 0.0022, 2, 5};
    water.sensors.points_m = {{0, 0, 2e-3}};
    water.sensors.planes_z_m = {1e-3, 4e-3};
    water.sensors.snapshot_times_s = {1e-6};
    auto relaxing = water;
    relaxing.medium.uniform = {1050, 1550, 0.6, 1.2, 7};
    auto layered = water;
    layered.medium.at = [](const std::array<double, 3>& x) {
        return x[2] < 3e-3 ? MaterialProps{1000, 1500, 0.0022, 2, 5} : MaterialProps{1050, 1550, 0.6, 1.2, 7};
    };
    // A rigid body (a block beyond z = 5 mm) and a second source: their face lists, nodes and signals count too.
    layered.medium.rigid = [](const std::array<double, 3>& x) { return x[2] > 5e-3 && std::abs(x[0]) < 1e-3; };
    SourceSpec point;
    point.type = SourceType::Point;
    point.position_m = {0, 0, 2.5e-3};
    point.waveform.type = WaveformType::Gaussian;
    point.waveform.f0_Hz = 1e6;
    layered.sources.push_back(point);
    for (const SimulationSpec* spec : {&water, &relaxing, &layered})
        for (int ranks : {1, 3}) {
            const RunPlan pl = plan_run(*spec, ranks);
            const Grid& g = pl.grid;
            const MediumModel mm = build_medium_model(g, *spec);
            double worst = 0, rigid_bytes = 0;
            for (int r = 0; r < ranks; ++r) {
                const SlabLayout slab = SlabLayout::of(g, ranks, r);
                const Medium medium(g, mm, MediumLayout::of(g, mm, spec->solver, slab));
                const Fields fields(FieldsLayout::of(g, medium.layout(), spec->solver, slab));
                const SlabRange zp = Cpml::planes_of(g, slab);
                const Cpml pml(g, pl.dt_s, pl.c_max, 1e6, spec->solver.order, zp.begin, zp.end);
                SerialCommunicator cm;
                const RecorderLayout rl = RecorderLayout::of(g, *spec, pl.steps, slab);
                const Recorder rec(g, *spec, pl.dt_s, pl.steps, 1e9, mm, slab, rl, cm);
                std::vector<SourceFootprint> footprints;
                for (const auto& s : spec->sources) footprints.push_back(footprint(g, s));
                const RunMemory planned = plan_memory(g, *spec, mm, pl.steps, slab, footprints);
                const GridSources sources = make_grid_sources(g, *spec, pl.dt_s, pl.steps, pl.c_min, mm, slab, {});
                const RigidFaces rigid = find_rigid_faces(g, spec->medium, slab);
                CHECK(planned.sources == sources.bytes());
                CHECK(planned.sources > 0);
                CHECK(planned.rigid == rigid.bytes());
                rigid_bytes += planned.rigid;
                CHECK(planned.medium == medium.bytes() + mm.bytes());
                CHECK(planned.fields == fields.bytes());
                CHECK(planned.pml == pml.bytes());
                CHECK(planned.recorder == rec.bytes() + rl.result_bytes());
                worst = std::max(worst, planned.total());
            }
            CHECK(pl.memory_bytes_per_rank == worst);
            CHECK((rigid_bytes > 0) == (spec == &layered));  // on the ranks that store the body
        }
}

TEST_CASE("medium: a homogeneous relaxing medium's rows hold the values of its per-cell arrays", "[solver][plan]") {
    // The kernels read the rows instead of the arrays (kernels.hpp, update_pressure): the same floats, cell by cell,
    // in the physical region and in the PML, on every rank's planes; and the PML pass's K is the arrays' K there.
    auto s = small_case(3);
    s.medium.uniform = {1050, 1550, 0.6, 1.2, 7};
    const RunPlan pl = plan_run(s, 2);
    const Grid& g = pl.grid;
    const MediumModel mm = build_medium_model(g, s);
    for (int rank = 0; rank < 2; ++rank) {
        const SlabLayout slab = SlabLayout::of(g, 2, rank);
        const MediumLayout rows_layout = MediumLayout::of(g, mm, s.solver, slab);
        REQUIRE(rows_layout.uniform);
        REQUIRE(rows_layout.nrel > 0);
        MediumLayout arrays_layout = rows_layout;
        arrays_layout.uniform = false;
        const Medium rows(g, mm, rows_layout), arrays(g, mm, arrays_layout);
        kernels::StepView vr{}, va{};
        rows.fill_view(vr);
        arrays.fill_view(va);
        REQUIRE(vr.K == nullptr);
        REQUIRE(va.K != nullptr);
        CHECK(rows.bytes() == rows_layout.bytes());
        CHECK(rows.bytes() < arrays.bytes());
        std::size_t mismatches = 0, pml_cells = 0;
        for (std::size_t i = slab.i_first; i < slab.i_end; ++i) {
            const int i0 = int(i % g.stride(1)), i1 = int(i / g.stride(1) % g.n[1]), i2 = int(i / g.stride(2));
            const int r = i1 >= vr.phys_lo[1] && i1 < vr.phys_hi[1] && i2 >= vr.phys_lo[2] && i2 < vr.phys_hi[2];
            bool same = vr.K_row[r][i0] == va.K[i] && vr.bK_row[r][i0] == va.bK[i];
            for (int l = 0; l < vr.nrel; ++l) same = same && vr.Ka_row[l][r][i0] == va.Ka[l][i];
            const bool pml = !(r && i0 >= vr.phys_lo[0] && i0 < vr.phys_hi[0]);
            if (pml) {
                same = same && vr.K_pml_uniform == va.K[i];
                ++pml_cells;
            }
            mismatches += !same;
        }
        CHECK(pml_cells > 0);
        CHECK(mismatches == 0);
    }
}
