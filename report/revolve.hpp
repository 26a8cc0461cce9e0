// Axisymmetric maps for 3D viewers: an (r, z) map revolved about the z axis into an (x, y, z) image, written by
// `lithosim simulate` as maps_revolved.vti next to the (r, z) maps.vti. Post-processing only: the (r, z) maps stay
// the result; this is a picture of them.
#pragma once
#include <cstddef>

#include "solver/result.hpp"

namespace lithosim {

/// The coarsening factor k >= 1 of revolve_map that keeps the revolved image of `arrays` maps like `rz` within
/// `max_values` values in all (the smallest such k; the image of an (r, z) grid grows with nr^2 nz).
std::size_t revolve_stride(const Map3& rz, std::size_t arrays, std::size_t max_values);

/// The (r, z) map `rz` (r in the x slot: nx = nr >= 2, ny = 1, origin (r0, 0, z0) with 0 <= r0 < dr, spacing
/// (dr, 0, dz)) revolved about the z axis, sampled every k-th cell:
///  * x and y run over -m h ... m h with h = k dr and m = floor(r_last / h), r_last the last radius of the map;
///  * z takes every k-th plane of the map (no averaging: k > 1 is a coarser picture, not a filtered one);
///  * the value at (x, y) is the map's value at r = sqrt(x^2 + y^2), linearly interpolated between radial nodes
///    (between the axis and r0 the value at r0, the even extension), and NaN (blank in ParaView) at radii beyond
///    r_last, outside the simulated region.
/// Throws std::invalid_argument on a map that is not laid out as above, or k = 0.
Map3 revolve_map(const Map3& rz, std::size_t k);

}  // namespace lithosim
