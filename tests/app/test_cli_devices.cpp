// Device cases as the user meets them: [source] type = device with a preset and overrides runs end to end, the focus
// is searched beyond the device's front, `lithosim dosimetry` finds the same focus from the stored case, and every
// kind of bad device input exits 2 with one line and writes nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <regex>

#include "report/run_outputs.hpp"
#include "io/json_file.hpp"
#include "io/result_file.hpp"
#include "tests/app/cli_checks.hpp"
#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::test::CliResult;
using lithosim::test::expect_bad_input;
using lithosim::test::run_lithosim;
using lithosim::test::ScratchDir;
using lithosim::test::simulate_case;
namespace fs = std::filesystem;

namespace {

/// The ESWT head (aperture 50 mm, focal length 60 mm, standoff 45 mm) at level 3, cap apex at z = 2 mm: geometric
/// focus at z = 62 mm. A coarse grid (0.25 mm, 1 us pulse: 6 points per wavelength at 1 MHz), about 40k cells.
const char* kEswtCase = R"(# ESWT head, coarse
[grid]
dims = axisymmetric
dx_mm = 0.25
size_mm = 30,70
[time]
t_end_us = 50
[source]
type = device
device = eswt_head
level = 3
position_mm = 0,0,2
)";

std::string with(const std::string& text, const std::string& from, const std::string& to) {
    return std::regex_replace(text, std::regex(from), to);
}

}  // namespace

TEST_CASE("a device case runs end to end, focuses near the device's geometric focus, and dosimetry agrees",
          "[app][cli][devices]") {
    ScratchDir dir("cli_device_eswt");
    const CliResult r = simulate_case(dir, kEswtCase, {"--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto s = lithosim::io::read_json(dir / "out" / "summary.json");
    // The cap's own surface pressure is not the focus: the focus lies beyond the standoff (z = 47 mm), near 62 mm.
    const double z_focus = s["focus_mm"][2].get<double>();
    CHECK(z_focus > 47.0);
    CHECK(std::abs(z_focus - 62.0) < 4.0);
    CHECK(s["focal_plane_z_mm"].get<double>() == Approx(62.0).margin(1e-6));
    CHECK(s["p_plus_MPa"].get<double>() > 1.0);
    // 0.25 mm against the head's 0.05 mm calibration grid: one warning names both; the map ends at z = 70 mm, within
    // the -6 dB zone beyond the focus (at level 3 it also runs back to the device's front), which is warned about.
    const std::string warnings = s["warnings"].dump();
    CHECK_THAT(warnings, Catch::Contains("dx_mm = 0.25 is coarser than the eswt_head's calibration grid 0.05 mm"));
    CHECK_THAT(warnings, Catch::Contains("-6 dB focal zone reaches the edge of the map at") &&
                             Catch::Contains("z = 70 mm: its extent there is the map's"));
    // The resolved case names the device and its setting, and re-runs.
    const std::string resolved = lithosim::test::read_text(dir / "out" / "case.ini");
    CHECK_THAT(resolved, Catch::Contains("device = eswt_head"));
    CHECK_THAT(resolved, Catch::Contains("level = 3"));
    // ... and runs again to the same field (the resolved case is the case, nothing the device derived is given twice).
    const CliResult again = run_lithosim({"simulate", "--config", "out/case.ini", "--out", "again", "--threads", "1",
                                          "--quiet"}, dir.path());
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(lithosim::io::read_json(dir / "again" / "summary.json")["p_plus_MPa"].get<double>() ==
          Approx(s["p_plus_MPa"].get<double>()).epsilon(1e-6));
    // lithosim dosimetry reads the device from the stored case and finds the same focus.
    const CliResult d = run_lithosim({"dosimetry", "out/result.h5", "--json", "d.json", "--quiet"}, dir.path());
    INFO(d.err);
    REQUIRE(d.exit_code == 0);
    const auto j = lithosim::io::read_json(dir / "d.json");
    CHECK(j["focus_mm"][2].get<double>() == Approx(z_focus));
    CHECK(j["p_plus_MPa"].get<double>() == Approx(s["p_plus_MPa"].get<double>()).epsilon(1e-6));
}

TEST_CASE("a higher device setting gives a higher focal pressure", "[app][cli][devices]") {
    ScratchDir low("cli_device_low"), high("cli_device_high");
    REQUIRE(simulate_case(low, kEswtCase, {"--quiet"}).exit_code == 0);
    REQUIRE(simulate_case(high, with(kEswtCase, "level = 3", "level = 6"), {"--quiet"}).exit_code == 0);
    const auto a = lithosim::io::read_json(low / "out" / "summary.json");
    const auto b = lithosim::io::read_json(high / "out" / "summary.json");
    CHECK(b["p_plus_MPa"].get<double>() > 1.5 * a["p_plus_MPa"].get<double>());
    CHECK(b["efd_focus_mJ_per_mm2"].get<double>() > 2.0 * a["efd_focus_mJ_per_mm2"].get<double>());
}

TEST_CASE("bad device input exits 2 with one line naming the value and what is accepted", "[app][cli][devices]") {
    ScratchDir dir("cli_device_bad");
    const fs::path out = dir / "out";
    const std::string c = kEswtCase;
    CHECK(expect_bad_input(simulate_case(dir, with(c, "device = eswt_head", "device = hm4")),
                           {"device", "'hm4'", "hm3", "eswt_head", "ivl_emitter"}, out));
    CHECK(expect_bad_input(simulate_case(dir, with(c, "level = 3", "level = 11")),
                           {"level = '11'", "[1, 10]"}, out));
    CHECK(expect_bad_input(simulate_case(dir, with(c, "level = 3", "voltage_kV = 20")),
                           {"voltage_kV = 20", "not a parameter of device eswt_head", "coupling_distance_mm"}, out));
    CHECK(expect_bad_input(simulate_case(dir, c + "p0_MPa = 5\n"), {"p0_MPa = '5'", "does not apply to type = device"},
                           out));
    CHECK(expect_bad_input(simulate_case(dir, with(c, "type = device", "type = bowl")),
                           {"level = 3", "device parameter", "type = bowl"}, out));
    CHECK(expect_bad_input(simulate_case(dir, with(c, "device = eswt_head\n", "")),
                           {"device is required for type = device"}, out));
    CHECK(expect_bad_input(simulate_case(dir, with(c, "position_mm = 0,0,2", "position_mm = 3,0,2")),
                           {"position_mm = 3,0,2", "0,0,z"}, out));
    CHECK(expect_bad_input(simulate_case(dir, with(with(c, "dims = axisymmetric", "dims = 2"), "30,70", "30,70")),
                           {"dims = 2", "axisymmetric or 3"}, out));
    // The cap (radius 25 mm) does not fit a 20 mm grid; the focus (z = 62 mm) lies beyond a 50 mm grid.
    CHECK(expect_bad_input(simulate_case(dir, with(c, "size_mm = 30,70", "size_mm = 20,70")),
                           {"device eswt_head", "r up to 25 mm", "size_mm"}, out));
    CHECK(expect_bad_input(simulate_case(dir, with(c, "size_mm = 30,70", "size_mm = 30,55")),
                           {"focuses at z = 62 mm", "outside"}, out));
    // A geometry override outside the device's range, and one that makes the cap impossible.
    CHECK(expect_bad_input(simulate_case(dir, c + "aperture_mm = 500\n"), {"aperture_mm = 500", "10 to 100"}, out));
}

TEST_CASE("sensor planes are summarised in summary.json and lines = axis stores the axis history",
          "[app][cli][devices]") {
    ScratchDir with_lines("cli_device_planes"), without("cli_device_no_lines");
    const std::string planes = std::string(kEswtCase) + "[sensor]\nplanes_z_mm = 62, 55\n";
    REQUIRE(simulate_case(with_lines, planes + "lines = axis\n", {"--quiet"}).exit_code == 0);
    REQUIRE(simulate_case(without, planes, {"--quiet"}).exit_code == 0);
    const auto s = lithosim::io::read_json(with_lines / "out" / "summary.json");
    REQUIRE(s["planes"].size() == 2);
    {
        // Every key has a label in the reports (viz/report_labels): none would show as "<key> (no label)".
        const auto unlabelled = lithosim::unlabelled_report_keys(s);
        INFO("keys without a report label: " << nlohmann::json(unlabelled).dump());
        CHECK(unlabelled.empty());
    }

    const auto& p = s["planes"][0];
    CHECK(p["z_mm"].get<double>() == Approx(62.0).margin(0.125));
    // The plane at the geometric focus holds what the focal-plane dosimetry reads off the full maps.
    CHECK(p["E28mm_disc_mJ"].get<double>() == Approx(s["E28mm_disc_mJ"].get<double>()).epsilon(0.02));
    CHECK(p["p_plus_max_MPa"].get<double>() <= s["p_plus_MPa"].get<double>() + 1e-6);
    CHECK(p["efd_plus_axis_mJ_per_mm2"].get<double>() <= p["efd_axis_mJ_per_mm2"].get<double>());
    CHECK(p["width_6dB_mm"].get<double>() > 0.5);
    CHECK(s["planes"][1]["z_mm"].get<double>() == Approx(55.0).margin(0.125));
    const auto a = lithosim::io::read_result_h5(with_lines / "out" / "result.h5");
    const auto b = lithosim::io::read_result_h5(without / "out" / "result.h5");
    REQUIRE(a.axis.has_value());
    CHECK(a.axis->p_Pa.size() == a.axis->position_m.size());
    CHECK(a.axis->p_Pa.size() > 100);
    CHECK_FALSE(b.axis.has_value());
    CHECK(a.planes.size() == 2);
}
