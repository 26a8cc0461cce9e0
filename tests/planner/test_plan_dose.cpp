// The planner's dose runs (planner/plan_dose.hpp) in-process on a small synthetic patient: coupling water, then a
// half-space of soft tissue (the homogeneous path where the aim rule holds), a 6 mm target 18 mm below the skin.
// Coarse grid (dx 0.2 mm) so the runs take seconds. Checks: with aiming the EFD maximum on the axis lies within one
// focal half-width of the target centre (and the target gets at least 80 % of it); without, the geometric focus is on
// the target; ensure_setting adds a run in order (once); the positive-phase duration at the target and the
// surrounding impedance come from the simulation and the model; the grid check compares with the calibration grid.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "planner/plan_dose.hpp"
#include "io/model_file.hpp"
#include "models/ct_volume.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;

namespace {

constexpr double kMm = 1e-3;
constexpr double kSkin_m = 20e-3, kTarget_m = 38e-3, kTargetRadius_m = 3e-3;

/// Water for z < 20 mm, soft tissue beyond, a calcification sphere of 3 mm radius at z = 38 mm; dx 0.5 mm, 35 mm
/// around the axis (wider than the ESWT head's grid) and 70 mm long.
io::ModelFile half_space_model() {
    const auto& soft = models::tissue_preset("soft_tissue");
    io::ModelFile m;
    m.coupling = {998.2, 1482.46, 0.00219, 2, 4.965};
    for (io::ModelGrid* g : {&m.grid, &m.axisymmetric}) {
        const bool axi = g == &m.axisymmetric;
        g->dx_m = 0.5e-3;
        g->nx = axi ? 71 : 3, g->ny = axi ? 1 : 3, g->nz = 141;
        g->origin_m = axi ? std::array<double, 3>{0, 0, 0} : std::array<double, 3>{-0.5e-3, -0.5e-3, 0};
        for (std::size_t k = 0; k < g->nz; ++k)
            for (std::size_t j = 0; j < g->ny; ++j)
                for (std::size_t i = 0; i < g->nx; ++i) {
                    const double x = g->origin_m[0] + double(i) * g->dx_m, y = g->origin_m[1] + double(j) * g->dx_m;
                    const double z = double(k) * g->dx_m;
                    const bool water = z < kSkin_m;
                    const bool target = std::hypot(x, y, z - kTarget_m) <= kTargetRadius_m;
                    g->hu.push_back(water ? 0 : target ? 1200 : 40);
                    g->rho.push_back(float(water ? m.coupling[0] : target ? 1900 : soft.rho_kg_per_m3));
                    g->c.push_back(float(water ? m.coupling[1] : target ? 3000 : soft.c_m_per_s));
                    g->alpha.push_back(float(water ? m.coupling[2] : soft.alpha_dB_per_cm_MHz));
                    g->alpha_power.push_back(float(water ? m.coupling[3] : soft.alpha_power));
                    g->BonA.push_back(float(water ? m.coupling[4] : soft.BonA));
                    g->labels.push_back(std::uint8_t(water  ? models::Label::water
                                                     : target ? models::Label::calcification
                                                              : models::Label::soft_tissue));
                    g->target.push_back(target);
                }
    }
    m.target_m = {0, 0, kTarget_m};
    m.mapping = "labels";
    return m;
}

PlanDoseRequest request(std::shared_ptr<const io::ModelFile> incident, bool aim) {
    PlanDoseRequest r;
    r.model = std::move(incident);
    r.model_name = "model_incident.h5";
    r.device = "eswt_head";
    r.dx_mm = 0.2;
    r.settings = {10};
    r.aim = aim;
    return r;
}

}  // namespace

TEST_CASE("plan dose: the tissue around the target and the incident model", "[planner][plan][dose]") {
    io::ModelFile m = half_space_model();
    const auto& soft = models::tissue_preset("soft_tissue");
    const TissueAround t = tissue_around_target(m.axisymmetric);
    CHECK(t.nodes > 0);
    CHECK(t.rho_kg_per_m3 == Approx(soft.rho_kg_per_m3).epsilon(1e-6));
    CHECK(t.c_m_per_s == Approx(soft.c_m_per_s).epsilon(1e-6));
    CHECK(t.impedance_Pa_s_per_m() == Approx(soft.rho_kg_per_m3 * soft.c_m_per_s).epsilon(1e-6));
    CHECK(t.label == std::uint8_t(models::Label::soft_tissue));
    fill_target_with_surroundings(m.axisymmetric);
    for (std::size_t q = 0; q < m.axisymmetric.size(); ++q)
        if (m.axisymmetric.target[q]) {
            CHECK(m.axisymmetric.c[q] == Approx(soft.c_m_per_s));
            CHECK(m.axisymmetric.labels[q] == std::uint8_t(models::Label::soft_tissue));
        }
}

TEST_CASE("plan dose: aiming puts the EFD maximum on the target, ensure_setting adds a run", "[planner][plan][dose]") {
    const io::ModelFile model = half_space_model();
    auto incident = std::make_shared<io::ModelFile>(model);
    fill_target_with_surroundings(incident->grid);
    fill_target_with_surroundings(incident->axisymmetric);

    // Without aiming: the geometric focus on the target (offset 0); the grid check can be left out.
    PlanDoseRequest no_aim = request(incident, false);
    no_aim.check_grid = false;
    const PlanDose plain = simulate_plan_dose(model, no_aim, nullptr);
    CHECK_FALSE(plain.aim.searched);
    CHECK_FALSE(plain.grid_check.checked);
    CHECK_FALSE(plain.grid_check.warning);
    CHECK(plain.aim.focus_offset_m == 0);
    REQUIRE(plain.runs.size() == 1);
    CHECK(plain.path.depth_mm == Approx(18).margin(0.6));

    // With aiming.
    PlanDose d = simulate_plan_dose(model, request(incident, true), nullptr);
    INFO("offset " << d.aim.focus_offset_m / kMm << " mm, maximum " << d.aim.efd_max_to_target_m / kMm
                   << " mm short, fraction " << d.aim.target_efd_fraction_of_max << " (before "
                   << d.aim.initial_target_efd_fraction_of_max << ", " << d.aim.initial_efd_max_to_target_m / kMm
                   << " mm short)");
    CHECK(d.aim.searched);
    REQUIRE(d.aim.runs.size() >= 1);
    CHECK(d.aim.runs.front().focus_offset_m == 0);
    CHECK(d.aim.offset_min_m < 0);
    CHECK(d.aim.offset_max_m > 0);
    REQUIRE(d.runs.size() == 1);
    const SettingRun& top = d.runs.front();
    CHECK(top.setting == 10);
    REQUIRE(top.target.focal_width_m > 0);
    CHECK(std::abs(d.aim.efd_max_to_target_m) <= 0.5 * top.target.focal_width_m);
    CHECK(d.aim.target_efd_fraction_of_max >= 0.8);
    CHECK(d.aim.target_efd_fraction_of_max >= d.aim.initial_target_efd_fraction_of_max - 1e-9);
    CHECK(d.aim.warnings.empty());
    // The search's runs at the dose grid are reused: the aim runs plus one water run, no second patient run.
    CHECK(d.depth.geometry.z_focus_m - d.depth.geometry.z_target_m == Approx(d.aim.focus_offset_m).margin(1e-9));
    // The rule holds on this homogeneous path: the maximum moves with the device (when the search moved it).
    if (d.aim.max_follows_device) CHECK(*d.aim.max_follows_device > 0.5);

    // The positive phase at the target from the run's axis series, carried by load(); the impedance around it.
    CHECK(top.target.positive_phase_s > 0.2e-6);
    CHECK(top.target.positive_phase_s < 3e-6);
    const auto& soft = models::tissue_preset("soft_tissue");
    CHECK(d.surrounding_impedance_Pa_s_per_m == Approx(soft.rho_kg_per_m3 * soft.c_m_per_s).epsilon(1e-6));
    // The grid check: dx 0.2 mm against the head's calibration grid (0.05 mm) at level 10 (kDoseGrid): far off.
    CHECK(d.grid_check.checked);
    CHECK(d.grid_check.dx_mm == Approx(0.2));
    CHECK(d.grid_check.calibration_dx_mm == Approx(0.05));
    CHECK(d.grid_check.p_plus_error_percent < -5);
    REQUIRE(d.grid_check.warning);
    CHECK(std::find(d.warnings.begin(), d.warnings.end(), *d.grid_check.warning) != d.warnings.end());
    const nlohmann::json aim = aim_json(d.aim);
    for (const char* key : {"focus_offset_mm", "efd_max_to_target_mm", "target_efd_fraction_of_max"})
        CHECK(aim.contains(key));
    const nlohmann::json grid = grid_check_json(d.grid_check);
    for (const char* key : {"dx_mm", "calibration_dx_mm", "p_plus_error_percent", "efd_error_percent"})
        CHECK(grid.contains(key));

    // ensure_setting: a setting not simulated yet is simulated and inserted in order; one simulated is left alone.
    d.ensure_setting(model, 4, nullptr);
    REQUIRE(d.runs.size() == 2);
    CHECK(d.runs[0].setting == 4);
    CHECK(d.runs[1].setting == 10);
    CHECK(d.runs[0].target.efd_centre_J_per_m2 < d.runs[1].target.efd_centre_J_per_m2);
    CHECK(d.runs[0].target.positive_phase_s > 0);
    d.ensure_setting(model, 10 + 1e-12, nullptr);
    CHECK(d.runs.size() == 2);
    CHECK_THROWS_AS(d.ensure_setting(model, 11, nullptr), InputError);
    // load() at a simulated setting is that run's; between runs interpolated (positive phase linearly).
    const planning::ShockAtTarget at4 = d.load(4, 0, 0, kTargetRadius_m);
    const planning::ShockAtTarget at7 = d.load(7, 0, 0, kTargetRadius_m);
    CHECK(at4.positive_phase_s == Approx(d.runs[0].target.positive_phase_s));
    const double mean_phase = 0.5 * (d.runs[0].target.positive_phase_s + d.runs[1].target.positive_phase_s);
    CHECK(at7.positive_phase_s == Approx(mean_phase));
}
