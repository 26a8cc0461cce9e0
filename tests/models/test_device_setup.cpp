#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "models/device_setup.hpp"
#include "solver/simulation.hpp"

using namespace lithosim;

TEST_CASE("hm3 set-up: spark at F1 and a rigid ellipsoidal reflector focus the wave at F2", "[models][devices][slow]") {
    const auto& hm3 = models::device_preset("hm3");
    const auto d = models::device_setup(hm3, 2e-3);
    REQUIRE(d.sources.size() == 1);
    REQUIRE(d.focus_z_m.has_value());
    REQUIRE(static_cast<bool>(d.rigid));
    // the reflector is rigid just outside the ellipsoid, not inside it nor at the spark
    const auto g = std::get<models::EllipsoidalReflector>(models::device_geometry(hm3));
    const double z_eq = 2e-3 + g.semi_major_m;  // the equator plane (the mouth, in this preset)
    CHECK(d.rigid({g.semi_minor_m + 1e-3, 0, z_eq - 1e-3}));
    CHECK_FALSE(d.rigid({g.semi_minor_m - 2e-3, 0, z_eq - 1e-3}));
    CHECK_FALSE(d.rigid(d.sources[0].position_m));

    SimulationSpec s;
    s.grid.dims = 2;
    s.grid.axisymmetric = true;
    s.grid.dx_m = 0.5e-3;
    s.grid.size_m = {d.radius_m + 5e-3, 0, *d.focus_z_m + 30e-3};
    s.time.t_end_s = 2.2 * *d.focus_z_m / 1482.0 + 10e-6;
    s.medium.uniform = {998.2, 1482.46, 2.19e-3, 2, 4.965};
    s.medium.rigid = d.rigid;
    s.medium = models::with_linear_zone(s.medium, d);
    s.sources = d.sources;
    const auto r = simulate(s);
    // the strongest field beyond the reflector's mouth lies on the axis within 5 mm of F2
    const auto& m = *r.p_max;
    double best = 0, zb = 0, rb = 0;
    for (std::size_t iz = 0; iz < m.nz; ++iz)
        for (std::size_t ir = 0; ir < m.nx; ++ir) {
            const double z = m.origin_m[2] + iz * m.spacing_m[2];
            if (z < z_eq + 20e-3) continue;
            if (m.at(ir, 0, iz) > best) {
                best = m.at(ir, 0, iz);
                zb = z;
                rb = ir * m.spacing_m[0];
            }
        }
    INFO("p+ " << best * 1e-6 << " MPa at z = " << zb * 1e3 << " mm, r = " << rb * 1e3 << " mm; F2 at "
               << *d.focus_z_m * 1e3 << " mm");
    CHECK(std::abs(zb - *d.focus_z_m) < 5e-3);
    CHECK(rb < 1e-3);
    // without the reflector the spark's wave only spreads: far less pressure there
    SimulationSpec free = s;
    free.medium.rigid = nullptr;
    const auto rf = simulate(free);
    const std::size_t izf = std::size_t(std::lround((*d.focus_z_m - m.origin_m[2]) / m.spacing_m[2]));
    CHECK(rf.p_max->at(0, 0, izf) < 0.2 * best);
}

TEST_CASE("every focusing set-up lies on the axis in front of its focus, and its longest path reaches the focus",
          "[models][devices]") {
    for (const auto& name : models::device_preset_names()) {
        INFO(name);
        const auto& preset = models::device_preset(name);
        const double z0 = 7e-3;
        const models::DeviceSetup d = models::device_setup(preset, z0);
        CHECK(d.z_back_m <= z0);
        CHECK(d.z_back_m < d.z_front_m);
        CHECK(d.radius_m > 0);
        REQUIRE_FALSE(d.sources.empty());
        if (!d.focus_z_m) {
            CHECK(name == "ivl_emitter");
            CHECK(d.path_to_focus_m == 0);
            continue;
        }
        CHECK(d.z_front_m < *d.focus_z_m);
        // No source point lies farther from the focus than the longest path (straight or via the reflector), and
        // the path is at least the distance from the frame origin on the axis.
        CHECK(d.path_to_focus_m >= *d.focus_z_m - z0 - 1e-12);
        for (const auto& s : d.sources)
            CHECK(std::hypot(s.position_m[0], s.position_m[2] - *d.focus_z_m) <= d.path_to_focus_m + 1e-12);
    }
    // The closed forms: hm3 2a (every ray spark -> reflector -> F2), a cap its radius of curvature.
    const models::DeviceGeometry geometry = models::device_geometry(models::device_preset("hm3"));
    const auto& hm3 = std::get<models::EllipsoidalReflector>(geometry);
    CHECK(models::device_setup(models::device_preset("hm3"), 0).path_to_focus_m == Approx(2 * hm3.semi_major_m));
    CHECK(models::device_setup(models::device_preset("eswt_head"), 0).path_to_focus_m ==
          Approx(models::device_preset("eswt_head").value("focal_length_mm") * 1e-3));
}
