// The plan as a typed value, in-process: run_plan returns the Plan its plan.json is written from (no value of the
// file comes from anywhere else), and the typed values a caller reads agree with the file's.
#include <catch2/catch.hpp>

#include "io/json_file.hpp"
#include "planner/plan.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;

TEST_CASE("run_plan returns the typed plan its plan.json is written from", "[planner][plan]") {
    // The intravascular emitter on the femoral phantom: no field is simulated, so this runs in seconds.
    lithosim::test::ScratchDir dir("plan_typed");
    PlanRequest r;
    r.indication = "vascular";
    r.phantom = "femoral";
    r.device = "ivl_emitter";
    r.samples = 50;
    r.pictures = false;
    r.out_dir = (dir / "out").string();
    const PlanResult result = run_plan(r, nullptr);
    const Plan& p = result.plan;
    const nlohmann::json written = io::read_json(dir / "out" / "plan.json");

    // plan.json is a function of the typed plan alone.
    CHECK(plan_json(p) == written);
    CHECK(result.json == written);

    // What a caller reads typed is what the file says.
    CHECK(p.protocol.device == "ivl_emitter");
    CHECK_FALSE(p.dose);   // intravascular: no field simulated
    CHECK(written["dvh"].is_null());
    CHECK(p.verdict == written["verdict"].get<std::string>());
    REQUIRE(p.schedule.sessions.size() == written["sessions"].size());
    CHECK(p.schedule.sessions.front().shocks == written["sessions"][0]["shocks"].get<int>());
    CHECK(p.primary().name == written["success"]["outcome"].get<std::string>());
    CHECK(p.primary().probability == Approx(written["predicted_success_probability"].get<double>()).margin(5e-4));
    CHECK(p.primary().ci95_low == Approx(written["success_ci95"][0].get<double>()).margin(5e-4));
    CHECK(p.primary().ci95_low <= p.primary().probability);
    CHECK(p.primary().probability <= p.primary().ci95_high);
    CHECK(p.safety.ok == written["safety"]["ok"].get<bool>());
    CHECK(p.model_sha1 == written["history"][0]["inputs"]["model"].get<std::string>());

    // A changed typed value changes the file written from it.
    Plan changed = p;
    changed.verdict = "another verdict";
    CHECK(plan_json(changed)["verdict"] == "another verdict");
}
