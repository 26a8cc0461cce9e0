// The case-key table and case parsing, in-process: the table is complete and consistent, values are checked
// against their kind and range, --set overrides, the resolved case re-parses to the same case, and the SI spec
// carries the converted values. The embedded default case is the file examples/default.ini.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <regex>
#include <set>

#include "cases/default_case.hpp"
#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "solver/source.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;
using lithosim::test::ScratchDir;

namespace {
void write_file_text(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
std::string read_file_text(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}
}  // namespace

namespace {

/// A small, complete 2D case.
const char* kCase2D = R"(
[grid]
dims = 2
dx_mm = 0.1
size_mm = 12,16
[time]
t_end_us = 12
[source]
type = bowl
aperture_mm = 10
focal_length_mm = 10
position_mm = 0,0,1
waveform = gaussian
f0_MHz = 1
cycles = 2
p0_MPa = 0.5
[sensor]
points_mm = 0,0,11 ; 1.5,0,11
)";

/// The InputError message of f(), or "" if it does not throw one.
template <class F>
std::string input_error(F&& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every case key is declared once, documented and has a checkable default", "[cases]") {
    std::set<std::string> names;
    for (const auto& k : case_keys()) {
        INFO(k.qualified());
        CHECK(names.insert(k.qualified()).second);
        CHECK_FALSE(k.doc.empty());
        CHECK_FALSE(k.accepted().empty());
        // A unit is named in the key exactly when the key carries one: dx_mm has "mm", order has none.
        const bool unit_suffix = std::regex_search(k.name, std::regex("_(mm|us|ns|MPa|MHz|kHz|m_per_s|kg_per_m3|"
                                                                      "dB_per_cm_MHz|cells|per_us)$"));
        if (unit_suffix) CHECK_FALSE(k.unit.empty());
        if (k.presence == Presence::Defaulted) CHECK_NOTHROW(check_value(k, CaseValue{k.default_value, "default"}));
        if (k.presence == Presence::Optional) CHECK_FALSE(k.unset_meaning.empty());
    }
    // The contract keys of issue 2 section 2.4 are all there.
    for (const char* q : {"grid.dims", "grid.dx_mm", "grid.size_mm", "grid.pml_cells", "time.t_end_us", "time.cfl",
                          "medium.preset", "medium.c_m_per_s", "medium.rho_kg_per_m3", "medium.alpha_dB_per_cm_MHz",
                          "medium.alpha_power", "medium.BonA", "source.type", "source.aperture_mm",
                          "source.focal_length_mm", "source.position_mm", "source.waveform", "source.f0_MHz",
                          "source.cycles", "source.p0_MPa", "source.waveform_file", "sensor.points_mm",
                          "sensor.maps", "solver.order", "solver.nonlinear", "solver.absorption"})
        CHECK(find_case_key(q) != nullptr);
    CHECK(find_case_key("medium.preset")->choices == models::tissue_preset_names());
    CHECK(find_case_key("grid.pml_cells")->default_value == "20");
    CHECK(find_case_key("solver.order")->default_value == "4");
}

TEST_CASE("a case is parsed, defaulted and converted to SI", "[cases]") {
    const CaseText c = parse_case(kCase2D, "case.ini", "/tmp");
    check_required(c);
    CHECK(c.find("grid.pml_cells")->text == "20");
    CHECK(c.find("grid.pml_cells")->origin == "default");
    CHECK(c.find("grid.dx_mm")->origin == "case.ini");
    CHECK_FALSE(c.has("time.cfl"));

    const SimulationSpec s = build_spec(case_from_text(c));
    CHECK(s.grid.dims == 2);
    CHECK(s.grid.dx_m == Approx(1e-4));
    CHECK(s.grid.size_m[0] == Approx(0.012));
    CHECK(s.grid.size_m[1] == 0.0);
    CHECK(s.grid.size_m[2] == Approx(0.016));
    CHECK(s.time.t_end_s == Approx(12e-6));
    CHECK(s.time.cfl == 0.0);
    REQUIRE(s.sources.size() == 1);
    CHECK(s.sources[0].type == SourceType::Bowl);
    CHECK(s.sources[0].aperture_m == Approx(0.010));
    CHECK(s.sources[0].p0_Pa == Approx(0.5e6));
    CHECK(s.sources[0].waveform.type == WaveformType::Gaussian);
    CHECK(s.sources[0].waveform.f0_Hz == Approx(1e6));
    CHECK(s.sources[0].position_m[2] == Approx(1e-3));
    REQUIRE(s.sensors.points_m.size() == 2);
    CHECK(s.sensors.points_m[1][0] == Approx(1.5e-3));
    CHECK(s.sensors.axis_series);
    const auto& water = models::tissue_preset("water");
    CHECK(s.medium.uniform.c_m_per_s == water.c_m_per_s);
    CHECK(s.medium.uniform.BonA == water.BonA);
    CHECK(s.solver.order == 4);
    CHECK(s.solver.nonlinear);
}

TEST_CASE("an override with --set changes a key, converts its unit and is checked like a file value", "[cases]") {
    CaseText c = parse_case(kCase2D, "case.ini", "/tmp");
    std::vector<std::string> seen;
    apply_override(c, "medium.c_m_per_s = 1540", seen);
    apply_override(c, "source.p0_MPa=2.5", seen);
    apply_override(c, "sensor.points_mm=", seen);  // empty: an optional key becomes unset
    const SimulationSpec s = build_spec(case_from_text(c));
    CHECK(s.medium.uniform.c_m_per_s == 1540.0);
    CHECK(s.sources[0].p0_Pa == Approx(2.5e6));
    CHECK(s.sensors.points_m.empty());
    CHECK(c.find("medium.c_m_per_s")->origin == "--set");

    CHECK_THAT(input_error([&] { apply_override(c, "source.p0_MPa=3", seen); }),
               Catch::Contains("given twice"));
    CHECK_THAT(input_error([&] { apply_override(c, "grid.dxmm=0.2", seen); }),
               Catch::Contains("dxmm") && Catch::Contains("dims, dx_mm, size_mm, pml_cells"));
    CHECK_THAT(input_error([&] { apply_override(c, "grid.dims=4", seen); }),
               Catch::Contains("dims") && Catch::Contains("'4'") && Catch::Contains("1|2|3"));
    CHECK_THAT(input_error([&] { apply_override(c, "grid.dx_mm", seen); }), Catch::Contains("section.key=value"));
}

TEST_CASE("values are checked against their kind and range", "[cases]") {
    auto bad = [](const std::string& q, const std::string& v) {
        return input_error([&] { check_value(*find_case_key(q), CaseValue{v, "case.ini"}); });
    };
    CHECK_THAT(bad("grid.dx_mm", "abc"), Catch::Contains("dx_mm") && Catch::Contains("'abc'") &&
                                             Catch::Contains("not a number") && Catch::Contains("> 0"));
    CHECK_THAT(bad("grid.dx_mm", "0"), Catch::Contains("out of range"));
    CHECK_THAT(bad("grid.dx_mm", "1,5"), Catch::Contains("not a number"));
    CHECK_THAT(bad("grid.pml_cells", "4.5"), Catch::Contains("not an integer"));
    CHECK_THAT(bad("grid.pml_cells", "201"), Catch::Contains("[0, 200]"));
    CHECK_THAT(bad("grid.size_mm", "10,-2"), Catch::Contains("-2"));
    CHECK_THAT(bad("grid.size_mm", "1,2,3,4"), Catch::Contains("4 numbers"));
    CHECK_THAT(bad("source.position_mm", "1,2"), Catch::Contains("2 coordinates"));
    CHECK_THAT(bad("sensor.points_mm", "0,0,1 ; 0,0"), Catch::Contains("'0,0'"));
    CHECK_THAT(bad("sensor.maps", "p_max,p_max"), Catch::Contains("twice"));
    CHECK_THAT(bad("sensor.maps", "pmax"), Catch::Contains("'pmax'"));
    CHECK_THAT(bad("solver.nonlinear", "yes"), Catch::Contains("true|false"));
    CHECK_THAT(bad("medium.preset", "granite"), Catch::Contains("gallstone"));
    CHECK_THAT(bad("medium.alpha_power", "2.5"), Catch::Contains("(0, 2]"));
    CHECK_THAT(bad("time.cfl", "nan"), Catch::Contains("not a number"));
    CHECK(bad("medium.alpha_power", "2").empty());
    CHECK(bad("sensor.maps", "none").empty());
    CHECK(bad("sensor.points_mm", "").empty());
    CHECK(bad("grid.dx_mm", "+2.5e-1").empty());
}

TEST_CASE("keys that other keys need, unused coordinates and sizes per dimension are checked", "[cases]") {
    auto spec_error = [](const std::string& text) {
        return input_error([&] {
            const CaseText c = parse_case(text, "case.ini", "/tmp");
            check_required(c);
            build_spec(case_from_text(c));
        });
    };
    const std::string base = kCase2D;
    CHECK_THAT(spec_error(std::regex_replace(base, std::regex("t_end_us = 12\n"), "")),
               Catch::Contains("t_end_us is required"));
    CHECK_THAT(spec_error(std::regex_replace(base, std::regex("f0_MHz = 1\n"), "")),
               Catch::Contains("f0_MHz is required for waveform = gaussian"));
    CHECK_THAT(spec_error(std::regex_replace(base, std::regex("focal_length_mm = 10"), "focal_length_mm = 4")),
               Catch::Contains("aperture_mm") && Catch::Contains("< 2 x focal_length_mm = 8"));
    CHECK_THAT(spec_error(std::regex_replace(base, std::regex("size_mm = 12,16"), "size_mm = 16")),
               Catch::Contains("size_mm") && Catch::Contains("X,Z"));
    CHECK_THAT(spec_error(std::regex_replace(base, std::regex("position_mm = 0,0,1"), "position_mm = 0,2,1")),
               Catch::Contains("y = 2") && Catch::Contains("must be 0"));
    CHECK_THAT(spec_error(base + "[solver]\nabsorption_fmin_kHz = 6000\n"), Catch::Contains("absorption_fmin_kHz"));
    CHECK_THAT(spec_error(base + "[grid]\ndx_mm = 0.2\n"), Catch::Contains("given twice"));
    CHECK_THAT(spec_error(base + "[sensors]\npoints_mm = 0,0,1\n"),
               Catch::Contains("[sensors]") && Catch::Contains("accepted sections: grid, time, medium, source"));
    CHECK_THAT(spec_error("dims = 3\n" + base), Catch::Contains("outside any section") && Catch::Contains("[grid]"));
    CHECK_THAT(spec_error(base + "[grid]\nthis line has no equals sign\n"), Catch::Contains("invalid line"));
}

TEST_CASE("the geometry check finds sources and points outside the grid before a run", "[cases]") {
    CaseText c = parse_case(kCase2D, "case.ini", "/tmp");
    SimulationSpec s = build_spec(case_from_text(c));
    const RunPlan plan = plan_run(s);
    CHECK_NOTHROW(check_geometry(s, plan.grid));

    SimulationSpec wide = s;
    wide.sources[0].aperture_m = 0.018;  // a rim 9 mm off axis in a region 6 mm wide on each side
    wide.sources[0].focal_length_m = 0.012;
    CHECK_THAT(input_error([&] { check_geometry(wide, plan.grid); }), Catch::Contains("outside"));

    SimulationSpec far = s;
    far.sensors.points_m.push_back({0, 0, 0.020});
    CHECK_THAT(input_error([&] { check_geometry(far, plan.grid); }),
               Catch::Contains("point 3") && Catch::Contains("z in [0, 16] mm"));
}

TEST_CASE("the resolved case re-parses to the same values and shows the derived ones", "[cases]") {
    CaseText c = parse_case(kCase2D, "case.ini", "/tmp");
    const CaseText resolved = resolve_case(prepare_case(case_from_text(c)));
    const std::string ini = case_to_ini(resolved, "test header\nsecond line");
    CHECK_THAT(ini, Catch::StartsWith("# test header\n# second line\n"));
    // Derived values are visible, as comments: a re-run derives them again.
    CHECK_THAT(ini, Catch::Contains("# cfl = 0.3 ") && Catch::Contains("chosen by the solver"));
    CHECK_THAT(ini, Catch::Contains("# c_m_per_s = " + std::to_string(int(models::tissue_preset("water").c_m_per_s))));

    const CaseText again = parse_case(ini, "case.ini", "/tmp");
    for (const auto& k : case_keys()) {
        INFO(k.qualified());
        REQUIRE(again.has(k.qualified()) == c.has(k.qualified()));
        if (c.has(k.qualified())) CHECK(again.find(k.qualified())->text == c.find(k.qualified())->text);
    }
}

TEST_CASE("a waveform file is read, keeps its amplitude, and p0_MPa rescales it", "[cases]") {
    ScratchDir dir("app_waveform");
    write_file_text(dir / "pulse.txt", "# t_us p_MPa\n0 0\n0.5 30\n1.0 -6\n1.5 0\n");
    std::string text = std::regex_replace(kCase2D, std::regex("waveform = gaussian"), "waveform = file\n"
                                                                                      "waveform_file = pulse.txt");
    text = std::regex_replace(text, std::regex("p0_MPa = 0.5\n"), "");
    CaseText c = parse_case(text, "case.ini", dir.path());  // relative to the case file's directory
    SimulationSpec s = build_spec(case_from_text(c));
    CHECK(s.sources[0].waveform.type == WaveformType::Samples);
    CHECK(s.sources[0].p0_Pa == Approx(30e6));
    CHECK(s.sources[0].p0_Pa * s.sources[0].waveform.shape(1.0e-6) == Approx(-6e6));

    std::vector<std::string> seen;
    apply_override(c, "source.p0_MPa=15", seen);
    s = build_spec(case_from_text(c));
    CHECK(s.sources[0].p0_Pa * s.sources[0].waveform.shape(0.5e-6) == Approx(15e6));

    write_file_text(dir / "bad.txt", "0 0\n0.5 thirty\n");
    apply_override(c, "source.waveform_file=" + (dir / "bad.txt").string(), seen);
    CHECK_THAT(input_error([&] { build_spec(case_from_text(c)); }), Catch::Contains("waveform_file") && Catch::Contains("thirty"));
}

TEST_CASE("the embedded default case is examples/default.ini, documents every key and is valid", "[cases]") {
    const std::string file = read_file_text(std::filesystem::path(LITHOSIM_SOURCE_DIR) / "examples" /
                                                       "default.ini");
    CHECK(std::string(default_case_text()) == file);
    for (const auto& k : case_keys()) {
        INFO(k.qualified());
        // every key appears, set or commented out, with a comment on its line
        CHECK(std::regex_search(file, std::regex("(^|\n)(# )?" + k.name + " = [^\n]*#")));
    }
    const CaseText c = parse_case(file, "default.ini", LITHOSIM_SOURCE_DIR);
    check_required(c);
    const SimulationSpec s = build_spec(case_from_text(c));
    const RunPlan plan = plan_run(s);
    CHECK_NOTHROW(check_geometry(s, plan.grid));
    CHECK(plan.warnings.empty());
    CHECK(s.grid.dims == 3);
    CHECK(s.sources[0].type == SourceType::Bowl);
    CHECK(s.sources[0].waveform.type == WaveformType::Lithotripter);
    // The geometric focus lies inside the region and carries a sensor point.
    const auto focus = geometric_focus_m(s.sources[0]);
    CHECK(focus[2] < s.grid.size_m[2]);
    REQUIRE(s.sensors.points_m.size() == 1);
    CHECK(s.sensors.points_m[0][2] == Approx(focus[2]));
}

