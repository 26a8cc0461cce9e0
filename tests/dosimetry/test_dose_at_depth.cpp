// Dose at depth in-process, without running the solver: the typed case of a run (the device's setting a parameter,
// water up to the skin then the layers, the end time of the geometry as it is, a patient model in memory) and the
// typed results the --json and the printed report are written from.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "cases/case_spec.hpp"
#include "dosimetry/dose_at_depth.hpp"
#include "io/model_file.hpp"
#include "models/devices.hpp"

using namespace lithosim;

TEST_CASE("a dose-at-depth run is a typed case: the setting a device parameter, the layers after the skin's water",
          "[dosimetry][depth]") {
    DoseAtDepthRequest q;
    q.device = "eswt_head";
    q.target_depth_mm = 25;
    q.layers = "skin:2,fat:10,muscle:20";
    q.setting = 7;
    const DoseAtDepth d = prepare_dose_at_depth(q);
    REQUIRE(d.medium_layers.size() == 4);
    CHECK(d.medium_layers[0].name == "water");
    CHECK(d.medium_layers[0].value == Approx(d.geometry.z_skin_m * 1e3));
    CHECK(d.medium_layers[2].name == "fat");
    CHECK(d.medium_layers[2].value == 10);

    const Case layered = dose_at_depth_case(d, 7, true);
    CHECK(layered.source.type == "device");
    CHECK(layered.source.device == "eswt_head");
    CHECK(layered.source.device_parameters.at("level") == 7);
    CHECK(layered.grid.dims == "axisymmetric");
    CHECK(*layered.time.t_end_us == Approx(d.geometry.t_end_s * 1e6).epsilon(1e-12));  // the geometry's, as it is
    REQUIRE(layered.medium.layers);
    CHECK(layered.medium.layers->size() == 4);
    const Case water = dose_at_depth_case(d, 7, false);
    CHECK_FALSE(water.medium.layers);
    CHECK(water.medium.preset == "water");

    // Prepared: the device's set-up at that level gives the sources' amplitude.
    const PreparedCase p = prepare_case(layered);
    const double expected =
        models::source_pressure_Pa(models::with_overrides(models::device_preset("eswt_head"), {{"level", 7.0}}));
    for (const auto& s : p.spec.sources) CHECK(s.p0_Pa == Approx(expected).epsilon(1e-12));
    CHECK(p.spec.medium.heterogeneous());
    // The device's z and the target's lie where the placement put them.
    REQUIRE(p.device);
    CHECK(*p.device->setup.focus_z_m == Approx(d.geometry.z_focus_m).margin(1e-12));
}

TEST_CASE("the planner's runs take the patient model from memory", "[dosimetry][depth]") {
    auto model = std::make_shared<io::ModelFile>();
    DoseAtDepthRequest q;
    q.device = "eswt_head";
    q.target_depth_mm = 20;
    q.setting = 5;
    q.model = model;
    q.model_name = "/nowhere/model_incident.h5";
    DoseAtDepth d;  // placed by hand: prepare_dose_at_depth would plan a run through the (empty) model
    d.request = q;
    d.preset = models::device_preset("eswt_head");
    d.setting_unit = "level";
    d.geometry.dx_m = 0.2e-3;
    d.geometry.size_r_m = 30e-3, d.geometry.size_z_m = 80e-3, d.geometry.t_end_s = 60e-6;
    d.geometry.z_device_m = 2e-3, d.geometry.z_target_m = 40e-3;
    const Case c = dose_at_depth_case(d, 5, true);
    CHECK(c.medium.model_data == model);
    CHECK(c.medium.model == "/nowhere/model_incident.h5");
    CHECK(*c.medium.model_target_z_mm == Approx(40));
    CHECK(case_text(c).find("medium.model")->text == "/nowhere/model_incident.h5");
    // In water the same run has no model.
    CHECK_FALSE(dose_at_depth_case(d, 5, false).medium.model_data);
}

TEST_CASE("the typed results of the reports: the loss through the layers, the run of the setting found",
          "[dosimetry][depth]") {
    DoseReportResult r;
    r.main.efd_mJ_per_mm2 = 0.1, r.main.p_plus_MPa = 10;
    CHECK_FALSE(r.loss_efd_dB());
    r.water = DepthRun{};
    r.water->efd_mJ_per_mm2 = 0.2, r.water->p_plus_MPa = 20;
    CHECK(*r.loss_efd_dB() == Approx(10 * std::log10(2.0)));
    CHECK(*r.loss_p_plus_dB() == Approx(20 * std::log10(2.0)));
    r.main.efd_mJ_per_mm2 = 0;
    CHECK_FALSE(r.loss_efd_dB());

    FindSettingResult f;
    for (const double s : {1.0, 10.0, 6.25}) {
        DepthRun run;
        run.setting = s;
        run.efd_mJ_per_mm2 = s / 40;
        f.runs.push_back(run);
    }
    f.search.setting = 6.25;
    CHECK(f.reported().efd_mJ_per_mm2 == Approx(6.25 / 40));
    CHECK(f.run_at(10.0) == &f.runs[1]);
    CHECK(f.run_at(7.0) == nullptr);
    f.search.setting = 7;
    CHECK_THROWS_AS(f.reported(), std::logic_error);
}
