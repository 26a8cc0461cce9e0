// The distributed 3D solver against the one-process run, through the lithosim executable: the same small nonlinear
// bowl case (PML, sensor points, sensor planes, the beam axis, snapshots) on 1 rank, under
// `mpirun -n 2` and `mpirun -n 3` (an uneven split), compared from the result files. The slabs reproduce the
// one-process arithmetic, so the results agree to round-off (the issue's bound: 1e-5 relative; expected: 0).
// Also the snapshots themselves: recorded at the first step at or after each time asked, and equal to the pressure
// a sensor point on a node recorded at that step.
#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "io/result_file.hpp"

namespace fs = std::filesystem;
using lithosim::test::CliResult;
using lithosim::test::run_lithosim;
using lithosim::test::run_lithosim_mpi;

namespace {

// 16 x 16 x 24 mm at 0.5 mm (33 x 33 x 49 nodes; with the PML 49 x 49 x 65 cells): a bowl focusing at z = 18 mm.
// The point 0,0,10 lies on a node (x, y centred on the axis with an odd node count; z = 20 dx), so its series is the
// nodal pressure the snapshot holds there.
constexpr const char* kCase = R"([grid]
dims = 3
dx_mm = 0.5
size_mm = 16,16,24
pml_cells = 6
[time]
t_end_us = 16
[medium]
preset = water
[source]
type = bowl
aperture_mm = 12
focal_length_mm = 16
position_mm = 0,0,2
waveform = lithotripter
p0_MPa = 12
[sensor]
points_mm = 0,0,10 ; 0.7,-0.3,17.1 ; 1.5,1.5,18
planes_z_mm = 6,12.2,18
snapshots_us = 0,4.1,9.999,16
lines = axis
[solver]
nonlinear = true
)";

constexpr double kSnapshotPointZ_m = 10e-3;

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("lithosim_test_mpi_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

/// Largest |a - b| over the largest |a| (0 for two zero arrays); sizes must agree.
double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double scale = 0, diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        scale = std::max(scale, double(std::abs(a[i])));
        diff = std::max(diff, double(std::abs(a[i] - b[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

/// Every array of two results, compared; returns the worst relative difference and checks the layout agrees.
double compare_results(const lithosim::SimulationResult& a, const lithosim::SimulationResult& b) {
    double worst = 0;
    auto note = [&](const char* what, double d) {
        INFO(what << ": max relative difference " << d);
        CHECK(d <= 1e-5);
        worst = std::max(worst, d);
    };
    REQUIRE(a.p_max);
    REQUIRE(b.p_max);
    REQUIRE(a.efd);
    REQUIRE(b.efd);
    REQUIRE(a.p_min);
    REQUIRE(b.p_min);
    CHECK(a.p_max->nz == b.p_max->nz);
    CHECK(a.p_max->origin_m == b.p_max->origin_m);
    note("p_max", max_rel_diff(a.p_max->values, b.p_max->values));
    note("p_min", max_rel_diff(a.p_min->values, b.p_min->values));
    note("efd", max_rel_diff(a.efd->values, b.efd->values));
    REQUIRE(a.sensors.p_Pa.size() == 3);
    REQUIRE(b.sensors.p_Pa.size() == 3);
    CHECK(a.sensors.t_s == b.sensors.t_s);
    for (std::size_t k = 0; k < 3; ++k) note("sensor series", max_rel_diff(a.sensors.p_Pa[k], b.sensors.p_Pa[k]));
    REQUIRE(a.axis);
    REQUIRE(b.axis);
    REQUIRE(a.axis->p_Pa.size() == b.axis->p_Pa.size());
    for (std::size_t k = 0; k < a.axis->p_Pa.size(); ++k)
        note("axis series", max_rel_diff(a.axis->p_Pa[k], b.axis->p_Pa[k]));
    REQUIRE(a.planes.size() == 3);
    REQUIRE(b.planes.size() == 3);
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(a.planes[k].z_m == b.planes[k].z_m);
        note("plane p_max", max_rel_diff(a.planes[k].p_max.values, b.planes[k].p_max.values));
        note("plane efd", max_rel_diff(a.planes[k].efd.values, b.planes[k].efd.values));
        note("plane efd_plus", max_rel_diff(a.planes[k].efd_plus.values, b.planes[k].efd_plus.values));
    }
    REQUIRE(a.snapshots.size() == 4);
    REQUIRE(b.snapshots.size() == 4);
    for (std::size_t k = 0; k < 4; ++k) {
        CHECK(a.snapshots[k].t_s == b.snapshots[k].t_s);
        note("snapshot", max_rel_diff(a.snapshots[k].p.values, b.snapshots[k].p.values));
    }
    return worst;
}

}  // namespace

TEST_CASE("simulate: 2, 3 and 5 MPI ranks give the one-process result of a 3D nonlinear case", "[app][mpi]") {
    const fs::path dir = fresh_dir("split");
    lithosim::test::write_text(dir / "case.ini", kCase);
    const CliResult one = run_lithosim({"simulate", "--config", "case.ini", "--out", "one", "--quiet", "--threads", "1"}, dir);
    INFO(one.err);
    REQUIRE(one.exit_code == 0);
    const auto ref = lithosim::io::read_result_h5(dir / "one" / "result.h5");
    // 2 ranks: an even split; 3: uneven; 5: slabs of 13 planes, so the boundary at plane 13 cuts through the bowl
    // (z = 2 to 3.2 mm: planes 12 to 14 of 65), a source across ranks.
    for (int ranks : {2, 3, 5}) {
        const std::string out = "ranks" + std::to_string(ranks);
        const CliResult r = run_lithosim_mpi(ranks, {"simulate", "--config", "case.ini", "--out", out, "--threads", "1"}, dir);
        INFO(ranks << " ranks: " << r.err);
        REQUIRE(r.exit_code == 0);
        // rank 0 alone writes: one summary on stdout, files in the folder
        CHECK(r.out.find("distributed: " + std::to_string(ranks) + " ranks") != std::string::npos);
        REQUIRE(fs::exists(dir / out / "summary.json"));
        const auto res = lithosim::io::read_result_h5(dir / out / "result.h5");
        const double worst = compare_results(ref, res);
        std::printf("test_cli_mpi_simulate: %d ranks vs 1: max relative difference %.3g over maps, series, planes, "
                    "snapshots\n", ranks, worst);
    }
    fs::remove_all(dir);
}

TEST_CASE("simulate: snapshots hold the pressure of the first step at or after each time asked", "[app][mpi]") {
    const fs::path dir = fresh_dir("snap");
    lithosim::test::write_text(dir / "case.ini", kCase);
    const CliResult one = run_lithosim({"simulate", "--config", "case.ini", "--out", "one", "--quiet"}, dir);
    INFO(one.err);
    REQUIRE(one.exit_code == 0);
    const auto r = lithosim::io::read_result_h5(dir / "one" / "result.h5");
    const auto& t = r.sensors.t_s;
    REQUIRE(t.size() > 10);
    const double dt = t[1] - t[0];
    const double asked[] = {0, 4.1e-6, 9.999e-6, 16e-6};
    REQUIRE(r.snapshots.size() == 4);
    REQUIRE(r.sensors.position_m[0][2] == Approx(kSnapshotPointZ_m));
    const auto& pm = *r.p_max;
    for (std::size_t k = 0; k < 4; ++k) {
        const auto& sn = r.snapshots[k];
        INFO("snapshot " << k << " asked at " << asked[k] << " s, recorded at " << sn.t_s << " s");
        CHECK(sn.t_requested_s == Approx(asked[k]).margin(1e-15));
        // the first step time >= the time asked
        CHECK(sn.t_s >= asked[k] - 1e-9 * dt);
        CHECK(sn.t_s - dt < asked[k]);
        CHECK(sn.t_s == Approx(sn.step * dt).epsilon(1e-9));
        // laid out like the maps
        CHECK(sn.p.nx == pm.nx);
        CHECK(sn.p.nz == pm.nz);
        CHECK(sn.p.origin_m == pm.origin_m);
        // the node (0, 0, 10 mm) of the snapshot is the sensor point there at that step
        const std::size_t ix = (pm.nx - 1) / 2, iy = (pm.ny - 1) / 2;
        const auto iz = std::size_t(std::lround((kSnapshotPointZ_m - pm.origin_m[2]) / pm.spacing_m[2]));
        REQUIRE(sn.p.position_m(ix, iy, iz)[0] == Approx(0).margin(1e-12));
        const std::size_t n = std::size_t(sn.step);
        REQUIRE(n < t.size());
        CHECK(t[n] == Approx(sn.t_s).epsilon(1e-12));
        const float from_sensor = r.sensors.p_Pa[0][n];
        CHECK(sn.p.at(ix, iy, iz) == Approx(from_sensor).epsilon(1e-6).margin(1e-3));
        // no pressure can exceed the running peak recorded up to then
        std::size_t above_peak = 0;
        for (std::size_t i = 0; i < sn.p.size(); ++i) above_peak += sn.p.values[i] > pm.values[i];
        CHECK(above_peak == 0);
    }
    // at t = 0 nothing has left the source yet; by 9.999 us the pulse is well inside the region
    CHECK(*std::max_element(r.snapshots[0].p.values.begin(), r.snapshots[0].p.values.end()) == 0.0f);
    CHECK(*std::max_element(r.snapshots[2].p.values.begin(), r.snapshots[2].p.values.end()) > 1e6f);
    fs::remove_all(dir);
}

TEST_CASE("simulate under mpirun: too few z cells for the ranks is bad input, a 2D case runs on rank 0", "[app][mpi]") {
    const fs::path dir = fresh_dir("bad");
    lithosim::test::write_text(dir / "case.ini", kCase);
    // 65 cells along z (PML included) hold at most 21 slabs of 3 cells: 22 ranks are too many
    const CliResult r = run_lithosim_mpi(22, {"simulate", "--config", "case.ini", "--out", "o", "--quiet"}, dir);
    CHECK(r.exit_code == 2);
    const auto lines = r.err_lines();
    REQUIRE_FALSE(lines.empty());
    CHECK(r.err.find("65 cells along z") != std::string::npos);
    CHECK(r.err.find("22 ranks") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "o" / "result.h5"));
    // 2D: one line says rank 0 runs it alone; the run succeeds
    lithosim::test::write_text(dir / "case2d.ini", R"([grid]
dims = 2
dx_mm = 0.5
size_mm = 16,24
pml_cells = 6
[time]
t_end_us = 8
[medium]
preset = water
[source]
type = plane
position_mm = 0,0,1
waveform = toneburst
f0_MHz = 0.5
p0_MPa = 1
[sensor]
points_mm = 0,0,10
snapshots_us = 5
)");
    const CliResult two = run_lithosim_mpi(2, {"simulate", "--config", "case2d.ini", "--out", "o2d", "--quiet"}, dir);
    INFO(two.err);
    CHECK(two.exit_code == 0);
    CHECK(two.err.find("rank 0 runs it alone") != std::string::npos);
    CHECK(fs::exists(dir / "o2d" / "summary.json"));
    fs::remove_all(dir);
}
