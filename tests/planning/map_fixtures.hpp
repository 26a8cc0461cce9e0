// Test helper shared by the planning tests: synthetic maps from an analytic field.
#pragma once
#include <array>
#include <cstddef>
#include <functional>

#include "solver/result.hpp"

namespace lithosim::test {

/// A map whose value at node (x, y, z) [m] is f(x, y, z); for axisymmetric maps x is the radius.
inline Map3 make_map(std::size_t nx, std::size_t ny, std::size_t nz, std::array<double, 3> origin_m,
                     std::array<double, 3> spacing_m, const std::function<double(double, double, double)>& f) {
    Map3 m;
    m.nx = nx;
    m.ny = ny;
    m.nz = nz;
    m.origin_m = origin_m;
    m.spacing_m = spacing_m;
    m.values.resize(m.size());
    for (std::size_t k = 0; k < nz; ++k)
        for (std::size_t j = 0; j < ny; ++j)
            for (std::size_t i = 0; i < nx; ++i) {
                const auto r = m.position_m(i, j, k);
                m.values[i + nx * (j + ny * k)] = static_cast<float>(f(r[0], r[1], r[2]));
            }
    return m;
}

}  // namespace lithosim::test
