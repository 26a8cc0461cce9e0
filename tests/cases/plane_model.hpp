// A small tissue model for the case tests: 5 x 5 x 21 nodes (dx 1 mm) whose sound speed grows plane by plane.
#pragma once
#include <array>

#include "io/model_file.hpp"

namespace lithosim::test {

/// c = 1500 + 10 k on plane k; the target is plane k = 12 (frame z = 12 mm); coupling water around it.
inline io::ModelFile plane_model() {
    io::ModelFile m;
    for (io::ModelGrid* g : {&m.grid, &m.axisymmetric}) {
        const bool axi = g == &m.axisymmetric;
        g->nx = axi ? 3 : 5, g->ny = axi ? 1 : 5, g->nz = 21;
        g->dx_m = 1e-3;
        g->origin_m = axi ? std::array<double, 3>{0, 0, 0} : std::array<double, 3>{-2e-3, -2e-3, 0};
        for (std::size_t k = 0; k < g->nz; ++k)
            for (std::size_t n = 0; n < g->nx * g->ny; ++n) {
                g->hu.push_back(40), g->rho.push_back(1050), g->c.push_back(float(1500 + 10 * k));
                g->alpha.push_back(0.5f), g->alpha_power.push_back(1.2f), g->BonA.push_back(7);
                g->labels.push_back(4), g->target.push_back(k == 12);
            }
    }
    m.target_m = {0, 0, 12e-3};
    m.coupling = {998.2, 1482.46, 0.00219, 2, 4.965};
    m.mapping = "labels";
    return m;
}

}  // namespace lithosim::test
