// The plan file (io/plan_file.hpp): a round trip keeps the dose maps, the model labels and the fragment-size
// distributions of every session; a half-written file never takes the final name.
#include <catch2/catch.hpp>

#include "io/plan_file.hpp"
#include "scratch_dir.hpp"

using namespace lithosim;
using namespace lithosim::io;

TEST_CASE("a plan file round trip keeps maps, labels and fragment distributions", "[io][plan]") {
    lithosim::test::ScratchDir dir("plan_file");
    PlanFile p;
    p.axisymmetric = true;
    p.setting = 6.5;
    for (Map3* m : {&p.p_max, &p.p_min, &p.efd}) {
        m->nx = 4, m->ny = 1, m->nz = 3;
        m->origin_m = {0, 0, 0.01};
        m->spacing_m = {2e-4, 0, 2e-4};
        for (std::size_t i = 0; i < m->size(); ++i) m->values.push_back(float(i) * (m == &p.p_min ? -1e5f : 1e5f));
    }
    p.labels.assign(12, 4);
    p.labels[5] = 9;
    p.target.assign(12, 0);
    p.target[5] = 1;
    p.initial = {0, 0, 0.0, {8e-3, 4e-3, 2e-3}, {1, 0, 0}};
    p.sessions.push_back({0, 2000, 0.4, {8e-3, 4e-3, 2e-3}, {0.4, 2.1, 9.5}});
    p.sessions.push_back({10, 2000, 0.9, {8e-3, 4e-3, 2e-3}, {0.0, 0.3, 12.0}});
    p.plan_json = R"({"indication": "tendon"})";
    write_plan_h5(dir / "plan.h5", p);
    CHECK_FALSE(std::filesystem::exists(dir / "plan.h5.partial"));
    const PlanFile r = read_plan_h5(dir / "plan.h5");
    CHECK(r.axisymmetric);
    CHECK(r.setting == 6.5);
    CHECK(r.p_max.values == p.p_max.values);
    CHECK(r.p_min.values == p.p_min.values);
    CHECK(r.efd.origin_m == p.efd.origin_m);
    CHECK(r.labels == p.labels);
    CHECK(r.target == p.target);
    CHECK(r.initial.count == p.initial.count);
    REQUIRE(r.sessions.size() == 2);
    CHECK(r.sessions[1].day == 10);
    CHECK(r.sessions[1].count == p.sessions[1].count);
    CHECK(r.sessions[0].fraction_cleared == 0.4);
    CHECK(r.plan_json == p.plan_json);
    // Labels that do not match the maps: nothing takes the final name.
    p.labels.pop_back();
    CHECK_THROWS(write_plan_h5(dir / "bad.h5", p));
    CHECK_FALSE(std::filesystem::exists(dir / "bad.h5"));
    CHECK_FALSE(std::filesystem::exists(dir / "bad.h5.partial"));
}
