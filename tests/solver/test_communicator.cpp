// The pieces of the distributed solver that need no MPI: the slab split, the one-rank communicator and the plan of a
// split run (per-rank memory, the checks on the geometry). The split run itself is compared with the one-process run
// through mpirun in tests/app/test_cli_mpi_simulate.cpp.
#include <catch2/catch.hpp>

#include <cstring>

#include "solver/communicator.hpp"
#include "core/errors.hpp"
#include "solver/simulation.hpp"

using namespace lithosim;

namespace {
SimulationSpec box_case(int dims) {
    SimulationSpec s;
    s.grid.dims = dims;
    s.grid.dx_m = 0.2e-3;
    s.grid.size_m = {4e-3, 4e-3, 8e-3};
    s.grid.pml_cells = 6;
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

TEST_CASE("slabs: contiguous, cover every plane once, sizes differ by at most one", "[solver][mpi]") {
    for (int nz : {9, 10, 65, 101})
        for (int ranks = 1; ranks <= nz / kMinSlabPlanes; ++ranks) {
            INFO(nz << " planes on " << ranks << " ranks");
            int next = 0, smallest = nz, largest = 0;
            for (int r = 0; r < ranks; ++r) {
                const SlabRange s = slab_of_rank(nz, ranks, r);
                REQUIRE(s.begin == next);
                next = s.end;
                smallest = std::min(smallest, s.planes());
                largest = std::max(largest, s.planes());
            }
            CHECK(next == nz);
            CHECK(largest - smallest <= 1);
            CHECK(smallest >= kMinSlabPlanes);
        }
}

TEST_CASE("the one-rank communicator: gathers its own bytes, has no peers", "[solver][mpi]") {
    SerialCommunicator c;
    CHECK(c.rank() == 0);
    CHECK(c.size() == 1);
    const float v[3] = {1.5f, -2.f, 3.f};
    const std::vector<char> got = c.gather(v, sizeof v);
    REQUIRE(got.size() == sizeof v);
    CHECK(std::memcmp(got.data(), v, sizeof v) == 0);
    double m[2] = {1, 2};
    c.allreduce_max(m, 2);
    CHECK(m[1] == 2);
    CHECK(c.broadcast("x", 0) == "x");
    float buf[4];
    CHECK_THROWS_AS(c.exchange({Transfer{1, 0, true, buf, sizeof buf}}), std::logic_error);
}

TEST_CASE("plan of a split run: per-rank memory, too thin a z extent and non-3D grids are bad input", "[solver][mpi]") {
    const SimulationSpec s = box_case(3);
    const RunPlan one = plan_run(s);
    CHECK(one.ranks == 1);
    CHECK(one.memory_bytes_per_rank == one.memory_bytes);
    const RunPlan two = plan_run(s, 2);
    // each rank holds about half the fields plus its halo, the z layer of the PML and the sensors
    CHECK(two.memory_bytes_per_rank < 0.75 * one.memory_bytes);
    CHECK(two.memory_bytes_per_rank > 0.5 * one.memory_bytes);
    // 8 mm / 0.2 mm = 41 nodes + 2 (6 + 2) = 57 cells along z: 19 ranks of 3 planes fit, 20 do not
    CHECK(plan_run(s, 19).grid.n[2] == 57);
    try {
        plan_run(s, 20);
        FAIL("20 ranks on 57 cells were accepted");
    } catch (const InputError& e) {
        const std::string m = e.what();
        CHECK(m.find("57 cells along z") != std::string::npos);
        CHECK(m.find("20 ranks") != std::string::npos);
    }
    CHECK_THROWS_AS(plan_run(box_case(2), 2), InputError);
}

TEST_CASE("snapshot times outside the run are bad input", "[solver]") {
    SimulationSpec s = box_case(1);
    s.sensors.snapshot_times_s = {0, 1e-6, 2e-6};
    CHECK_NOTHROW(plan_run(s));
    s.sensors.snapshot_times_s = {2.5e-6};
    CHECK_THROWS_WITH(plan_run(s), Catch::Contains("snapshots_us") && Catch::Contains("2.5"));
}
