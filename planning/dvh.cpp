#include "planning/dvh.hpp"

#include <algorithm>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lithosim::planning {

std::vector<double> node_volumes_m3(const Map3& m, bool axisymmetric) {
    std::vector<double> v(m.size());
    for (std::size_t k = 0; k < m.nz; ++k)
        for (std::size_t j = 0; j < m.ny; ++j)
            for (std::size_t i = 0; i < m.nx; ++i) {
                double w;
                if (axisymmetric) {
                    // The ring of radius r and width dr about the beam axis; the node on the axis holds the disc of
                    // radius dr / 2.
                    const double dr = m.spacing_m[0], r = m.origin_m[0] + double(i) * dr;
                    w = (r > 0 ? 2 * std::numbers::pi * r * dr : std::numbers::pi * dr * dr / 4) * m.spacing_m[2];
                } else {
                    w = m.spacing_m[0] * m.spacing_m[1] * m.spacing_m[2];
                }
                v[i + m.nx * (j + m.ny * k)] = w;
            }
    return v;
}

DoseVolume dose_volume(const std::vector<float>& values, const std::vector<std::uint8_t>& mask,
                       const std::vector<double>& node_volume_m3, const std::vector<double>& levels) {
    if (mask.size() != values.size() || node_volume_m3.size() != values.size())
        throw std::invalid_argument("dose_volume: " + std::to_string(values.size()) + " values, " +
                                    std::to_string(mask.size()) + " mask nodes, " +
                                    std::to_string(node_volume_m3.size()) + " node volumes; they must match");
    if (!std::is_sorted(levels.begin(), levels.end()))
        throw std::invalid_argument("dose_volume: the levels must increase");
    DoseVolume d;
    d.levels = levels;
    std::vector<double> above(levels.size(), 0.0);
    for (std::size_t q = 0; q < values.size(); ++q) {
        if (!mask[q]) continue;
        const double v = values[q], w = node_volume_m3[q];
        d.volume_m3 += w;
        ++d.nodes;
        d.max_value = d.nodes == 1 ? v : std::max(d.max_value, v);
        // Levels increase: the node counts for every level up to the first it falls short of.
        for (std::size_t l = 0; l < levels.size() && v >= levels[l]; ++l) above[l] += w;
    }
    d.fraction_above.resize(levels.size(), 0.0);
    if (d.volume_m3 > 0)
        for (std::size_t l = 0; l < levels.size(); ++l) d.fraction_above[l] = above[l] / d.volume_m3;
    return d;
}

}  // namespace lithosim::planning
