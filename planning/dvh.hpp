// Dose-volume tables (issue 14 §3): for a structure (the target, an organ at risk) given as a mask on the nodes of a
// dose map, the fraction of its volume where the map reaches each of a list of levels (a cumulative dose-volume
// histogram, the form treatment planning reads: V(level) = volume at >= level / structure volume).
//
// Each node stands for a volume (node_volumes_m3): a cartesian map's cell dx dy dz; an axisymmetric (r, z) map's
// ring 2 pi r dr dz (pi dr^2 / 4 dz on the axis), so that a ring far from the axis weighs what it holds in the body.
// Only the structure's part inside the map is counted (the map is where the field was simulated); `volume_m3` is that
// part's volume, to compare with the structure's own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::planning {

struct DoseVolume {
    std::vector<double> levels;          ///< in the map's unit, increasing
    std::vector<double> fraction_above;  ///< [levels]: share of the structure's volume with value >= level (0..1)
    double volume_m3 = 0;                ///< the structure's volume inside the map
    std::size_t nodes = 0;
    double max_value = 0;                ///< the map's maximum over the structure (0 for an empty one)
};

/// The volume each node of `m` stands for, m^3 (see above); laid out like m.values.
std::vector<double> node_volumes_m3(const Map3& m, bool axisymmetric);

/// V(level) of the structure `mask` (non-zero = inside) on `values`, nodes weighted by `node_volume_m3`. The three
/// arrays have one size (std::invalid_argument otherwise), levels must increase. An empty structure gives zeros.
DoseVolume dose_volume(const std::vector<float>& values, const std::vector<std::uint8_t>& mask,
                       const std::vector<double>& node_volume_m3, const std::vector<double>& levels);

}  // namespace lithosim::planning
