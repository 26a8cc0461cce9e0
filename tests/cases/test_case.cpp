// The typed case in-process: a default Case holds the key table's defaults, a case read from text keeps its values
// (and writes them back as given), a case filled in code builds the same spec as the same case written as text and
// is checked like text, the device setting reaches the source amplitude, and a model in memory is the medium its
// file would be.
#include <catch2/catch.hpp>

#include <memory>

#include "cases/case.hpp"
#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "core/errors.hpp"
#include "io/model_file.hpp"
#include "models/device_setup.hpp"
#include "models/devices.hpp"
#include "tests/cases/plane_model.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;

namespace {

std::string input_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

/// The ESWT head at `level` through water, as case text.
std::string device_case_text(const std::string& level) {
    return "[grid]\ndims = axisymmetric\ndx_mm = 0.5\nsize_mm = 40,110\n[time]\nt_end_us = 60\n"
           "[source]\ntype = device\ndevice = eswt_head\nlevel = " + level + "\nposition_mm = 0,0,2\n";
}

/// The same case filled in code.
Case device_case(double level) {
    Case c;
    c.origin = "the test's case";
    c.grid.dims = "axisymmetric";
    c.grid.dx_mm = 0.5;
    c.grid.size_mm = std::vector<double>{40, 110};
    c.time.t_end_us = 60;
    c.source.type = "device";
    c.source.device = "eswt_head";
    set_device_parameter(c, "level", level);
    c.source.position_mm = {0, 0, 2};
    return c;
}

void check_same_spec(const SimulationSpec& a, const SimulationSpec& b) {
    CHECK(a.grid.dims == b.grid.dims);
    CHECK(a.grid.axisymmetric == b.grid.axisymmetric);
    CHECK(a.grid.dx_m == b.grid.dx_m);
    CHECK(a.grid.size_m == b.grid.size_m);
    CHECK(a.grid.pml_cells == b.grid.pml_cells);
    CHECK(a.time.t_end_s == b.time.t_end_s);
    CHECK(a.time.cfl == b.time.cfl);
    CHECK(a.medium.uniform.c_m_per_s == b.medium.uniform.c_m_per_s);
    CHECK(a.medium.uniform.rho_kg_per_m3 == b.medium.uniform.rho_kg_per_m3);
    REQUIRE(a.sources.size() == b.sources.size());
    for (std::size_t i = 0; i < a.sources.size(); ++i) {
        CHECK(a.sources[i].type == b.sources[i].type);
        CHECK(a.sources[i].p0_Pa == b.sources[i].p0_Pa);
        CHECK(a.sources[i].position_m == b.sources[i].position_m);
        CHECK(a.sources[i].aperture_m == b.sources[i].aperture_m);
        CHECK(a.sources[i].focal_length_m == b.sources[i].focal_length_m);
        CHECK(a.sources[i].waveform.rise_s == b.sources[i].waveform.rise_s);
    }
    CHECK(a.solver.order == b.solver.order);
    CHECK(a.solver.nonlinear == b.solver.nonlinear);
    CHECK(a.sensors.p_max == b.sensors.p_max);
    CHECK(a.sensors.efd == b.sensors.efd);
}

}  // namespace

TEST_CASE("a default Case holds the key table's defaults and lacks the required keys", "[cases][case]") {
    const Case c;
    const CaseText t = case_text(c);
    for (const auto& k : case_keys()) {
        INFO(k.qualified());
        if (k.presence == Presence::Defaulted) {
            REQUIRE(t.has(k.qualified()));
            CHECK(t.find(k.qualified())->text == k.default_value);
            CHECK(t.find(k.qualified())->origin == "default");
            CHECK_FALSE(case_gives(c, k.qualified()));
        } else {
            CHECK_FALSE(t.has(k.qualified()));
        }
    }
    CHECK_THAT(input_error([&] { check_case(c); }), Catch::Contains("[grid] dims is required"));
}

TEST_CASE("a case read from text holds its values typed and writes them back as given", "[cases][case]") {
    const CaseText text = parse_case(device_case_text("7") + "[sensor]\npoints_mm = 0,0,50 ; 0,0,60\n"
                                                            "planes_z_mm = 40, 50\n[medium]\npreset = water\n",
                                     "case.ini", "/tmp");
    const Case c = case_from_text(text);
    CHECK(c.grid.dims == "axisymmetric");
    CHECK(c.grid.dx_mm == 0.5);
    CHECK(c.grid.size_mm == std::vector<double>{40, 110});
    CHECK(c.source.device_parameters.at("level") == 7);
    CHECK(c.sensor.points_mm.size() == 2);
    CHECK(c.sensor.planes_z_mm == std::vector<double>{40, 50});
    CHECK(case_gives(c, "medium.preset"));         // given, even at its default value
    CHECK_FALSE(case_gives(c, "source.delay_us"));  // left at its default
    // Written back: every value as it was given, with its origin (the planes keep their space after the comma).
    const CaseText back = case_text(c);
    for (const auto& [key, value] : text.values) {
        INFO(key);
        REQUIRE(back.has(key));
        CHECK(back.find(key)->text == value.text);
        CHECK(back.find(key)->origin == value.origin);
    }
    CHECK(back.values.size() == text.values.size());
    // A field changed in code is written from the field, with the case's origin.
    Case changed = c;
    changed.grid.dx_mm = 0.25;
    CHECK(case_text(changed).find("grid.dx_mm")->text == "0.25");
    CHECK(case_text(changed).find("grid.dx_mm")->origin == "the case");
}

TEST_CASE("a case filled in code builds the spec its text builds, and its resolved case re-runs it",
          "[cases][case]") {
    const PreparedCase typed = prepare_case(device_case(6.5));
    const PreparedCase from_text = prepare_case(case_from_text(parse_case(device_case_text("6.5"), "case.ini", "/tmp")));
    check_same_spec(typed.spec, from_text.spec);
    CHECK(typed.plan.steps == from_text.plan.steps);
    CHECK(typed.plan.dt_s == from_text.plan.dt_s);
    CHECK(typed.focus.focal_plane_z_m == from_text.focus.focal_plane_z_m);
    CHECK(typed.focus.search_from_z_m == from_text.focus.search_from_z_m);

    // The provenance text, parsed again, is the same case.
    const std::string ini = case_to_ini(resolve_case(typed), "resolved");
    CHECK_THAT(ini, Catch::Contains("level = 6.5"));
    const PreparedCase again = prepare_case(case_from_text(parse_case(ini, "case.ini", "/tmp")));
    check_same_spec(again.spec, typed.spec);
}

TEST_CASE("the device level reaches the source amplitude through the typed case", "[cases][case]") {
    // plan -> dose_at_depth_case (the level a device parameter) -> prepare_case -> case_device (the preset with the
    // level) -> models::device_setup (the sources at models::source_pressure_Pa) -> the spec's sources.
    const models::DevicePreset& preset = models::device_preset("eswt_head");
    for (const double level : {preset.parameter("level").min, 4.0, preset.parameter("level").max}) {
        INFO("level " << level);
        const PreparedCase p = prepare_case(device_case(level));
        REQUIRE(p.device);
        const double expected = models::source_pressure_Pa(models::with_overrides(preset, {{"level", level}}));
        REQUIRE_FALSE(p.spec.sources.empty());
        for (const auto& s : p.spec.sources) CHECK(s.p0_Pa == Approx(expected).epsilon(1e-12));
    }
    CHECK(prepare_case(device_case(6)).spec.sources[0].p0_Pa > prepare_case(device_case(3)).spec.sources[0].p0_Pa);
}

TEST_CASE("values filled in code are checked like case text", "[cases][case]") {
    Case c = device_case(5);
    c.grid.dx_mm = -0.5;
    CHECK_THAT(input_error([&] { prepare_case(c); }),
               Catch::Contains("[grid] dx_mm = '-0.5' (the test's case)") && Catch::Contains("out of range"));

    c = device_case(99);  // beyond every device's level range of the table
    CHECK_THAT(input_error([&] { prepare_case(c); }), Catch::Contains("[source] level = '99'"));

    c = device_case(5);
    c.source.device_parameters["voltage_kV"] = 18;  // a parameter of another device
    CHECK_THAT(input_error([&] { prepare_case(c); }),
               Catch::Contains("voltage_kV") && Catch::Contains("not a parameter of device eswt_head"));

    c = device_case(5);
    c.source.device_parameters["no_such_key"] = 1;
    CHECK_THAT(input_error([&] { prepare_case(c); }), Catch::Contains("'no_such_key'"));

    c = device_case(5);
    c.source.waveform = "toneburst";  // a key of another source type
    CHECK_THAT(input_error([&] { prepare_case(c); }),
               Catch::Contains("waveform") && Catch::Contains("does not apply to type = device"));

    c = device_case(5);
    c.grid.size_mm.reset();
    CHECK_THAT(input_error([&] { prepare_case(c); }), Catch::Contains("[grid] size_mm is required"));

    c = device_case(5);
    c.sensor.maps = {"p_max", "p_max"};
    CHECK_THAT(input_error([&] { prepare_case(c); }), Catch::Contains("listed twice"));
}

TEST_CASE("a model in memory is the medium its file gives, and no file is read", "[cases][case]") {
    lithosim::test::ScratchDir dir("case_model_memory");
    const io::ModelFile m = lithosim::test::plane_model();  // c = 1500 + 10 k on plane k, the target on k = 12
    io::write_model_h5(dir / "model.h5", m);

    Case on_file = device_case(5);
    on_file.medium.model = (dir / "model.h5").string();
    on_file.medium.model_target_z_mm = 60;
    Case in_memory = on_file;
    in_memory.medium.model = "model_incident.h5";  // a name only: nothing by that name exists
    in_memory.medium.model_data = std::make_shared<const io::ModelFile>(m);
    const MediumSpec a = build_medium_spec(on_file), b = build_medium_spec(in_memory);
    REQUIRE(a.heterogeneous());
    REQUIRE(b.heterogeneous());
    for (const double z_mm : {45.0, 50.0, 55.0, 57.2, 60.0, 64.9, 70.0})
        for (const double r_mm : {0.0, 1.0, 4.0}) {
            INFO("r " << r_mm << " z " << z_mm);
            CHECK(a.at({r_mm * 1e-3, 0, z_mm * 1e-3}).c_m_per_s == b.at({r_mm * 1e-3, 0, z_mm * 1e-3}).c_m_per_s);
            CHECK(a.at({r_mm * 1e-3, 0, z_mm * 1e-3}).rho_kg_per_m3 ==
                  b.at({r_mm * 1e-3, 0, z_mm * 1e-3}).rho_kg_per_m3);
        }
    CHECK(b.at({0, 0, 60e-3}).c_m_per_s == Approx(1620));  // the target plane k = 12 at model_target_z_mm
    // The resolved case names the model by its name; without model_data that name is a file to read.
    CHECK(case_text(in_memory).find("medium.model")->text == "model_incident.h5");
    Case named_only = in_memory;
    named_only.medium.model_data.reset();
    CHECK_THROWS(build_medium_spec(named_only));
}
