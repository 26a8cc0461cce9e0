// Dose-volume tables (planning/dvh.hpp): on an axisymmetric map a disc whose value grows with r has the analytic
// V(a) = 1 - a^2 (rings weigh by their radius, not by their node count); a cartesian structure half above a level
// gives 0.5; nodes outside the mask do not count; mismatched arrays are refused.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "planning/dvh.hpp"

using namespace lithosim::planning;
using lithosim::Map3;

TEST_CASE("dose-volume of an axisymmetric disc follows the ring volumes", "[planning][dvh]") {
    // A cylinder of radius R = 1 (nodes every 1/200) and 4 nodes long; value = r / R. Outside it: value 10, no mask.
    Map3 m;
    m.nx = 300, m.ny = 1, m.nz = 4;
    m.spacing_m = {1.0 / 200, 0, 1e-3};
    m.values.resize(m.size());
    std::vector<std::uint8_t> mask(m.size(), 0);
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t i = 0; i < m.nx; ++i) {
            const double r = double(i) * m.spacing_m[0];
            const std::size_t q = i + m.nx * k;
            m.values[q] = r <= 1.0 ? float(r) : 10.0f;
            mask[q] = r <= 1.0;
        }
    const std::vector<double> levels = {0.0, 0.25, 0.5, 0.75, 2.0};
    const DoseVolume d = dose_volume(m.values, mask, node_volumes_m3(m, true), levels);
    CHECK(d.nodes == 201 * 4);
    // The cylinder's volume pi (R + dr/2)^2 L (the last ring reaches half a cell beyond R).
    CHECK(d.volume_m3 == Approx(std::numbers::pi * std::pow(1.0 + 0.5 / 200, 2) * 4e-3).epsilon(1e-6));
    CHECK(d.max_value == Approx(1.0));
    for (std::size_t l = 0; l < levels.size(); ++l) {
        const double a = std::min(levels[l], 1.0 + 0.5 / 200);
        CAPTURE(levels[l]);
        CHECK(d.fraction_above[l] == Approx(levels[l] > 1 ? 0.0 : 1 - a * a).margin(0.01));
    }
}

TEST_CASE("dose-volume of a cartesian structure counts its nodes by cell volume", "[planning][dvh]") {
    Map3 m;
    m.nx = 4, m.ny = 2, m.nz = 2;
    m.spacing_m = {1e-3, 1e-3, 1e-3};
    m.values = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
    std::vector<std::uint8_t> mask(m.size(), 1);
    mask[3] = 0;   // one node of value 4 left out
    const DoseVolume d = dose_volume(m.values, mask, node_volumes_m3(m, false), {2.5, 4.0, 5.0});
    CHECK(d.nodes == 15);
    CHECK(d.volume_m3 == Approx(15e-9));
    CHECK(d.fraction_above[0] == Approx(7.0 / 15));
    CHECK(d.fraction_above[1] == Approx(3.0 / 15));
    CHECK(d.fraction_above[2] == 0.0);
    const DoseVolume none = dose_volume(m.values, std::vector<std::uint8_t>(m.size(), 0), node_volumes_m3(m, false),
                                        {1.0});
    CHECK(none.volume_m3 == 0.0);
    CHECK(none.fraction_above[0] == 0.0);
    CHECK_THROWS_AS(dose_volume(m.values, {1, 0}, node_volumes_m3(m, false), {1.0}), std::invalid_argument);
    CHECK_THROWS_AS(dose_volume(m.values, mask, node_volumes_m3(m, false), {2.0, 1.0}), std::invalid_argument);
}
