// Dose at depth (issue 3 §4) as the user meets it: `lithosim dosimetry --find-setting` finds the setting that
// delivers an EFD at a target below the skin or says the device cannot reach it, the forward report gives the EFD
// and the loss of a layered path relative to water, and every kind of bad input exits 2 with one line and writes
// nothing. The search itself is also checked in-process on analytic setting -> EFD laws.
//
// The CLI runs use the ESWT head on a coarse grid (--dx-mm 0.25: 6 points per wavelength at 1 MHz, about 40k cells,
// well under a second per run on one thread). Target EFDs are taken from what that grid gives (a forward run at the
// top level first), so the tests check the search and the physics, not one grid's numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "dosimetry/dose_at_depth.hpp"
#include "io/json_file.hpp"
#include "tests/app/cli_checks.hpp"
#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::search_setting;
using lithosim::SettingSearch;
using lithosim::test::CliResult;
using lithosim::test::expect_bad_input;
using lithosim::test::run_lithosim;
using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// The common part of every dose-at-depth run in this file: the coarse ESWT head, one thread, quiet.
std::vector<std::string> eswt(std::vector<std::string> args) {
    std::vector<std::string> a{"dosimetry", "--device", "eswt_head", "--dx-mm", "0.25", "--threads", "1", "--quiet"};
    a.insert(a.end(), args.begin(), args.end());
    return a;
}

/// Runs lithosim with `args` in `dir`, requires exit 0 and returns the JSON it wrote to dir/name.
json run_json(const ScratchDir& dir, std::vector<std::string> args, const std::string& name) {
    args.push_back("--json");
    args.push_back(name);
    const CliResult r = run_lithosim(args, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());  // --quiet
    return lithosim::io::read_json(dir / name);
}

/// A setting as the command line takes it (the JSON number with all its digits).
std::string text(double v) {
    std::ostringstream s;
    s << std::setprecision(12) << v;
    return s.str();
}

/// EFD at the target, 15 mm deep in water, at the ESWT head's top level (10) on the coarse grid.
double top_level_efd(const ScratchDir& dir) {
    const json j = run_json(dir, eswt({"--setting", "10", "--target-depth-mm", "15"}), "top.json");
    return j["target_efd_mJ_per_mm2"].get<double>();
}

}  // namespace

TEST_CASE("find-setting finds the level that delivers a reachable EFD, and the forward report agrees",
          "[app][cli][find_setting]") {
    ScratchDir dir("cli_find_reachable");
    const double efd_top = top_level_efd(dir);
    // Well inside the range (the lowest level gives 16:1 less or more), and inside the accepted 0.01 .. 0.6.
    const double target = std::clamp(0.4 * efd_top, 0.01, 0.6);
    REQUIRE(target < 0.9 * efd_top);
    const json j = run_json(dir, eswt({"--find-setting", "--target-efd", text(target), "--target-depth-mm", "15"}),
                            "find.json");
    // Contract keys.
    CHECK(j["device"] == "eswt_head");
    CHECK(j["setting_unit"] == "level");
    REQUIRE(j["reachable"].is_boolean());
    CHECK(j["reachable"].get<bool>());
    const double setting = j["setting"].get<double>();
    const double efd = j["efd_mJ_per_mm2"].get<double>();
    CHECK(setting > 1.0);
    CHECK(setting < 10.0);
    CHECK(std::abs(efd / target - 1) <= 0.02);
    // The search: lowest and highest level first, the EFD grows with the level, at most 10 runs.
    const json& runs = j["runs"];
    REQUIRE(runs.size() >= 3);
    CHECK(runs.size() <= 10);
    CHECK(runs[0]["setting"].get<double>() == 1.0);
    CHECK(runs[1]["setting"].get<double>() == 10.0);
    CHECK(j["efd_at_max_setting_mJ_per_mm2"].get<double>() == Approx(efd_top).epsilon(1e-6));
    CHECK(j["efd_at_min_setting_mJ_per_mm2"].get<double>() < target);
    for (const auto& a : runs)
        for (const auto& b : runs)
            if (a["setting"].get<double>() < b["setting"].get<double>())
                CHECK(a["efd_mJ_per_mm2"].get<double>() < b["efd_mJ_per_mm2"].get<double>());
    CHECK(j["target_efd_mJ_per_mm2"].get<double>() == Approx(target));
    CHECK(j["converged"].get<bool>());
    CHECK(j["reason"].is_null());
    // The integer level at or above the setting.
    CHECK(j["setting_rounded"].get<double>() == std::ceil(setting));
    // Placement: the ESWT head's focus lies 15 mm beyond its coupling plane, so a 15 mm target gets the focus on it.
    CHECK(j["aim"] == "focus_at_target");
    CHECK(j["focus_depth_mm"].get<double>() == Approx(15.0));
    CHECK(j["target_node_z_mm"].get<double>() == Approx(j["z_target_mm"].get<double>()).margin(0.125));

    // The forward report at the setting found delivers the same EFD.
    const json f = run_json(dir, eswt({"--setting", text(setting), "--target-depth-mm", "15"}), "forward.json");
    CHECK(f["target_efd_mJ_per_mm2"].get<double>() == Approx(efd).epsilon(0.02));
    CHECK(f["setting"].get<double>() == Approx(setting));
}

TEST_CASE("find-setting above the device's reach says so and gives the top level", "[app][cli][find_setting]") {
    ScratchDir dir("cli_find_unreachable");
    const double efd_top = top_level_efd(dir);
    const double target = 1.5 * efd_top;
    REQUIRE(target <= 0.6);
    const CliResult r = run_lithosim(
        {"dosimetry", "--find-setting", "--device", "eswt_head", "--dx-mm", "0.25", "--threads", "1", "--target-efd",
         text(target), "--target-depth-mm", "15", "--json", "find.json"},
        dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("reachable     no"));
    const json j = lithosim::io::read_json(dir / "find.json");
    CHECK_FALSE(j["reachable"].get<bool>());
    CHECK(j["setting"].get<double>() == 10.0);
    CHECK(j["setting"].get<double>() == j["setting_range"][1].get<double>());
    CHECK(j["efd_mJ_per_mm2"].get<double>() == Approx(efd_top).epsilon(1e-6));
    CHECK_THAT(j["reason"].get<std::string>(), Catch::Contains("too high"));
    CHECK(j["runs"].size() == 2);  // the two ends tell it; no search
}

TEST_CASE("the forward report through tissue layers shows a loss relative to water, none through water",
          "[app][cli][find_setting]") {
    ScratchDir dir("cli_dose_layers");
    const json j = run_json(dir,
                            eswt({"--setting", "8", "--target-depth-mm", "15", "--layers", "skin:2,fat:10,muscle:20"}),
                            "layers.json");
    CHECK(j["layers"] == "skin:2,fat:10,muscle:20");
    CHECK(j["medium_layers"] == "water:47,skin:2,fat:10,muscle:20");  // water up to the skin at z = 47 mm
    // The dosimetry keys of the layered run and the values at the target, for both runs.
    for (const char* key : {"p_plus_MPa", "p_minus_MPa", "efd_focus_mJ_per_mm2", "focus_mm", "E12mm_mJ"})
        CHECK(j.contains(key));
    const double efd = j["target_efd_mJ_per_mm2"].get<double>();
    const double p_plus = j["target_p_plus_MPa"].get<double>();
    CHECK(j["target_p_minus_MPa"].get<double>() < 0);
    const json& w = j["water"];
    const double efd_w = w["target_efd_mJ_per_mm2"].get<double>(), p_plus_w = w["target_p_plus_MPa"].get<double>();
    CHECK(efd > 0);
    CHECK(efd < efd_w);
    CHECK(p_plus < p_plus_w);
    CHECK(j["loss_efd_dB"].get<double>() > 0);
    CHECK(j["loss_p_plus_dB"].get<double>() > 0);
    CHECK(j["loss_efd_dB"].get<double>() == Approx(10 * std::log10(efd_w / efd)));
    CHECK(j["loss_p_plus_dB"].get<double>() == Approx(20 * std::log10(p_plus_w / p_plus)));

    // The report's case (the resolved case of the layered run) runs again with lithosim simulate: the same run.
    {
        std::ofstream(dir / "report_case.ini") << j["case"].get<std::string>();
        const CliResult again = run_lithosim({"simulate", "--config", "report_case.ini", "--out", "again", "--threads",
                                              "1", "--quiet", "--no-pictures"},
                                             dir.path());
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        const json s = lithosim::io::read_json(dir / "again" / "summary.json");
        CHECK(s["p_plus_MPa"].get<double>() == j["p_plus_MPa"].get<double>());
        CHECK(s["efd_focus_mJ_per_mm2"].get<double>() == j["efd_focus_mJ_per_mm2"].get<double>());
    }

    // A "layer" of water is no layer: no loss.
    const json same = run_json(dir, eswt({"--setting", "8", "--target-depth-mm", "15", "--layers", "water:5"}),
                               "water_layer.json");
    CHECK(std::abs(same["loss_efd_dB"].get<double>()) < 0.01);
    CHECK(same["water"]["target_efd_mJ_per_mm2"].get<double>() == Approx(efd_w).epsilon(1e-6));

    // Without --layers: the water run only, no loss keys.
    const json water = run_json(dir, eswt({"--setting", "8", "--target-depth-mm", "15"}), "water.json");
    CHECK(water["layers"].is_null());
    CHECK_FALSE(water.contains("water"));
    CHECK_FALSE(water.contains("loss_efd_dB"));
    CHECK(water["target_efd_mJ_per_mm2"].get<double>() == Approx(efd_w).epsilon(1e-6));
}

TEST_CASE("a target deeper than the focus puts the device's front on the skin", "[app][cli][find_setting]") {
    ScratchDir dir("cli_dose_deep");
    const json j = run_json(dir, eswt({"--setting", "8", "--target-depth-mm", "25"}), "deep.json");
    CHECK(j["aim"] == "front_at_skin");
    CHECK(j["standoff_mm"].get<double>() == 0.0);
    CHECK(j["focus_depth_mm"].get<double>() == Approx(15.0));  // the ESWT head's focus, 15 mm beyond its front
    CHECK(j["z_target_mm"].get<double>() == Approx(j["z_skin_mm"].get<double>() + 25.0));
    // Beyond the focus the beam spreads: less EFD at the target than at the focus.
    const json f = run_json(dir, eswt({"--setting", "8", "--target-depth-mm", "15"}), "focus.json");
    CHECK(j["target_efd_mJ_per_mm2"].get<double>() < f["target_efd_mJ_per_mm2"].get<double>());
}

TEST_CASE("bad dose-at-depth input exits 2 with one line naming the option and writes nothing",
          "[app][cli][find_setting]") {
    ScratchDir dir("cli_dose_bad");
    const fs::path out = dir / "out";
    auto bad = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "dosimetry");
        args.push_back("--json");
        args.push_back("r.json");
        return run_lithosim(args, dir.path());
    };
    const std::vector<std::string> base{"--device", "eswt_head", "--target-depth-mm", "15"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    CHECK(expect_bad_input(bad({"--device", "hm4", "--setting", "5", "--target-depth-mm", "15"}),
                           {"--device: device 'hm4'", "hm3", "eswt_head"}, out));
    CHECK(expect_bad_input(bad(with({"--setting", "11"})), {"--setting: setting 11", "level = 11", "1 to 10"}, out));
    CHECK(expect_bad_input(bad({"--device", "hm3", "--setting", "30", "--target-depth-mm", "15"}),
                           {"--setting: setting 30", "voltage_kV", "12 to 24 kV"}, out));
    CHECK(expect_bad_input(bad(with({"--setting", "abc"})), {"--setting 'abc'", "not a number"}, out));
    CHECK(expect_bad_input(bad(with({"--find-setting", "--target-efd", "0.7"})),
                           {"--target-efd: target EFD 0.7 mJ/mm^2", "0.01 to 0.6"}, out));
    CHECK(expect_bad_input(bad(with({"--find-setting", "--target-efd", "0.001"})),
                           {"--target-efd: target EFD 0.001 mJ/mm^2", "0.01 to 0.6"}, out));
    CHECK(expect_bad_input(bad({"--device", "eswt_head", "--setting", "5", "--target-depth-mm", "0"}),
                           {"--target-depth-mm: target depth 0 mm", "> 0 and <= 300"}, out));
    CHECK(expect_bad_input(bad({"--device", "eswt_head", "--setting", "5", "--target-depth-mm", "301"}),
                           {"--target-depth-mm: target depth 301 mm", "> 0 and <= 300"}, out));
    CHECK(expect_bad_input(bad(with({"--setting", "5", "--layers", "skin:2,bone:3"})),
                           {"--layers: tissue layers 'skin:2,bone:3'", "'bone'", "bone_cortical"}, out));
    CHECK(expect_bad_input(bad(with({"--setting", "5", "--layers", "skin:2,fat"})),
                           {"--layers: tissue layers 'skin:2,fat'", "entry 'fat' is not name:number"}, out));
    CHECK(expect_bad_input(bad(with({"--setting", "5", "--dx-mm", "3"})), {"--dx-mm: cell size 3 mm", "<= 2"}, out));
    CHECK(expect_bad_input(bad(with({"--find-setting", "--setting", "5", "--target-efd", "0.05"})),
                           {"--find-setting", "--setting 5", "one of them"}, out));
    CHECK(expect_bad_input(bad(with({})), {"--setting is missing", "--find-setting"}, out));
    CHECK(expect_bad_input(bad(with({"--find-setting"})), {"--target-efd is missing", "0.01 to 0.6"}, out));
    CHECK(expect_bad_input(bad({"--device", "eswt_head", "--setting", "5"}), {"--target-depth-mm is missing"}, out));
    CHECK(expect_bad_input(bad({"--find-setting", "--target-efd", "0.05", "--target-depth-mm", "15"}),
                           {"--find-setting needs --device"}, out));
    CHECK(expect_bad_input(bad({"result.h5", "--device", "eswt_head", "--setting", "5", "--target-depth-mm", "15"}),
                           {"'result.h5'", "--device eswt_head", "either"}, out));
    CHECK(expect_bad_input(bad({"--device", "ivl_emitter", "--setting", "1", "--target-depth-mm", "15"}),
                           {"--device: device 'ivl_emitter'", "no focus", "eswt_head"}, out));
    CHECK_FALSE(fs::exists(dir / "r.json"));
}

TEST_CASE("dosimetry --help shows both forms", "[app][cli][find_setting]") {
    ScratchDir dir("cli_dose_help");
    const CliResult r = run_lithosim({"dosimetry", "--help"}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("lithosim dosimetry RESULT.h5"));
    CHECK_THAT(r.out, Catch::Contains("lithosim dosimetry --find-setting --device NAME --target-efd X"));
    for (const char* o : {"--setting", "--target-depth-mm", "--layers", "--dx-mm", "--focus-z-mm"})
        CHECK_THAT(r.out, Catch::Contains(o));
}

// ---- The search in-process, on setting -> EFD laws with known answers ------------------------------------------

TEST_CASE("the setting search converges on a geometric and a quadratic law within the run budget",
          "[app][find_setting]") {
    // A level law (EFD geometric in the level, as the calibration) and a kV law (EFD ~ V^2, as hm3 in linear
    // acoustics); the exact settings are known.
    const auto geometric = [](double level) { return 0.002 * std::pow(2.0, level - 1); };  // 0.002 .. 1.024
    const double target = 0.1;
    const SettingSearch g = search_setting(geometric, 1, 10, target);
    CHECK(g.reachable);
    CHECK(g.converged);
    CHECK(std::abs(g.efd / target - 1) <= 0.02);
    CHECK(g.setting == Approx(1 + std::log2(target / 0.002)).margin(0.03));
    CHECK(g.runs.size() <= 3);  // log EFD is linear in the level: one secant step

    const auto quadratic = [](double kV) { return 0.3 * (kV / 24) * (kV / 24); };
    const SettingSearch q = search_setting(quadratic, 12, 24, 0.2);
    CHECK(q.reachable);
    CHECK(std::abs(q.efd / 0.2 - 1) <= 0.02);
    CHECK(q.setting == Approx(24 * std::sqrt(0.2 / 0.3)).epsilon(0.01));
    CHECK(q.runs.size() <= 10);
    CHECK(q.runs[0].setting == 12);
    CHECK(q.runs[1].setting == 24);
}

TEST_CASE("the setting search says too low and too high with the nearest end", "[app][find_setting]") {
    const auto law = [](double level) { return 0.05 * level; };  // 0.05 .. 0.5 over levels 1 .. 10
    const SettingSearch low = search_setting(law, 1, 10, 0.02);
    CHECK_FALSE(low.reachable);
    CHECK(low.setting == 1);
    CHECK(low.efd == Approx(0.05));
    CHECK_THAT(low.reason, Catch::Contains("too low"));
    const SettingSearch high = search_setting(law, 1, 10, 0.6);
    CHECK_FALSE(high.reachable);
    CHECK(high.setting == 10);
    CHECK(high.efd == Approx(0.5));
    CHECK_THAT(high.reason, Catch::Contains("too high"));
    CHECK(high.runs.size() == 2);
    // Within the tolerance of an end counts as reached there.
    const SettingSearch edge = search_setting(law, 1, 10, 0.505);
    CHECK(edge.reachable);
    CHECK(edge.setting == 10);
}

TEST_CASE("the setting search stops at the run budget or the setting interval with the nearest run",
          "[app][find_setting]") {
    // A step in the EFD (no setting gives the target within 2 %): the bracket shrinks below 1 % of the range.
    const auto step = [](double level) { return level < 5.5 ? 0.1 : 0.2; };
    const SettingSearch s = search_setting(step, 1, 10, 0.15);
    CHECK(s.reachable);
    CHECK_FALSE(s.converged);
    CHECK(s.runs.size() <= 10);
    CHECK(std::abs(s.setting - 5.5) < 0.5);
    CHECK((s.efd == 0.1 || s.efd == 0.2));
}
