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
