// The plan's dose maps on a regular 3D grid of the beam frame (issue 14 §3), for export to the patient's frame of
// reference (DICOM RT Dose, NIfTI): an axisymmetric (r, z) map is revolved about the beam axis, a 3D map resampled;
// and the cumulative EFD of a session (its ramp's shocks at their settings) from the per-shock maps of the simulated
// settings. Pure functions on maps; the placement in the patient (frame origin and axes) is the caller's.
#pragma once
#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::planning {

/// A cartesian grid in the model's beam frame: voxel (i, j, k) (i fastest) at origin_m + spacing_m (i, y_sign j, k).
/// y_sign = -1 lets the caller keep a right-handed grid in a patient frame where the beam frame is left-handed.
struct BeamGrid {
    std::size_t nx = 0, ny = 0, nz = 0;
    std::array<double, 3> origin_m{0, 0, 0};
    double spacing_m = 0;
    int y_sign = 1;
    std::size_t size() const { return nx * ny * nz; }
    std::array<double, 3> position_m(std::size_t i, std::size_t j, std::size_t k) const {
        return {origin_m[0] + spacing_m * double(i), origin_m[1] + y_sign * spacing_m * double(j),
                origin_m[2] + spacing_m * double(k)};
    }
};

/// The grid covering the map (axisymmetric: |x|, |y| <= the last radius) in the model's frame, where the map's z is
/// the model's z + shift_m, at the coarsest of `min_spacing_m`, the map's spacing and the spacing that keeps the grid
/// within `max_voxels`. Symmetric about the axis for an axisymmetric map.
BeamGrid covering_grid(const Map3& m, bool axisymmetric, double shift_m, double min_spacing_m, std::size_t max_voxels);

/// The map's values at the grid's voxels: bilinear in (r, z) (axisymmetric, r = sqrt(x^2 + y^2)) or trilinear,
/// 0 outside the map (no field simulated there).
std::vector<float> sample_on_grid(const Map3& m, bool axisymmetric, double shift_m, const BeamGrid& g);

/// Sum over `steps` (setting, shocks) of shocks x the per-shock map at the setting, node by node: the map of the run
/// at that setting, or between the two runs around it linearly in the setting on a log scale (as the plan's dose
/// model interpolates), the nearest run beyond the simulated range. `runs` (setting, map), by increasing setting, all
/// on one grid. std::invalid_argument when empty or the grids differ.
Map3 cumulative_map(const std::vector<std::pair<double, const Map3*>>& runs,
                    const std::vector<std::pair<double, int>>& steps);

}  // namespace lithosim::planning
