// From a segmented CT in patient coordinates to the simulation's beam frame (issue 4 §2.3): choose the beam axis
// (given, or the shortest soft-tissue window), resample HU, labels and the target onto a grid whose z axis is the
// beam axis, crop to the box that holds the acoustic path and the target, pad with coupling water; and the
// axisymmetric form of that model about the beam axis for fast dose estimates.
//
// Beam frame (mm here; the model file stores m): z from the source point (z = 0) through the target at (0, 0, L),
// x and y lateral and centred on the axis. Frame point (x, y, z) lies in the patient at
//     frame_origin_mm + x ex + y ey + z ez,   ez = (target - source) / L,  ex = the patient axis least aligned with
//     ez made orthogonal to it (Gram-Schmidt),  ey = ez x ex.
// Grid: node (i, j, k) at x = (i - (nx - 1)/2) dx, y = (j - (ny - 1)/2) dx, z = k dx; nx = ny odd, so the axis is a
// node line.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::models {

struct BeamModelOptions {
    double dx_mm = 0.5;                    ///< grid spacing of the model
    double lateral_half_width_mm = 30;     ///< half the box's lateral size (the beam cone's reach in the tissue)
    double margin_beyond_target_mm = 15;   ///< box length beyond the target along the beam
};

struct BeamModel {
    HuVolume ct;                           ///< HU on the frame grid (trilinear; coupling water 0 HU outside the CT);
                                           ///< ct.origin_mm / ct.axes place it in the patient
    LabelMap labels;                       ///< nearest CT voxel's label; water outside the CT
    std::vector<std::uint8_t> target;      ///< nearest CT voxel's target flag
    Vec3 frame_origin_mm{0, 0, 0};         ///< patient position of frame (0, 0, 0): the source point
    std::array<Vec3, 3> frame_axes{};      ///< ex, ey, ez (LPS unit vectors)
    double path_mm = 0;                    ///< L: source point to target
    Vec3 source_patient_mm{0, 0, 0}, target_patient_mm{0, 0, 0};
    /// Frame coordinates (mm) of grid node (i, j, k).
    Vec3 frame_mm(std::size_t i, std::size_t j, std::size_t k) const;
};

/// The beam frame axes for a beam from `source_mm` to `target_mm` (patient mm). InputError if they coincide.
std::array<Vec3, 3> beam_frame_axes(const Vec3& source_mm, const Vec3& target_mm);

/// Resamples a segmented CT (labels and target mask on the CT's grid) into the beam frame from `source_mm` to
/// `target_mm`. InputError on sizes that do not match the CT, a spacing or box that is not positive, or a grid
/// above 2e8 nodes (it names the size and the options that shrink it).
BeamModel resample_to_beam(const HuVolume& ct, const LabelMap& labels, const std::vector<std::uint8_t>& target,
                           const Vec3& source_mm, const Vec3& target_mm, const BeamModelOptions& options);

struct WindowOptions {
    int directions = 4000;          ///< beam directions tried (a Fibonacci sphere)
    double window_radius_mm = 3;    ///< the path of the axis and of four parallel rays at this distance is checked
    double standoff_mm = 10;        ///< the source point lies this far outside the skin
};

struct AcousticWindow {
    Vec3 source_mm{0, 0, 0};        ///< patient position of the source point
    double tissue_path_mm = 0;      ///< skin to target along the chosen axis
    int candidates = 0;             ///< directions whose path was clear
};

/// The shortest soft-tissue window: of the directions from the target whose axis and parallel rays reach the
/// coupling water (Label::water, the air outside the body) crossing no air, lung, bone or other calcification, and
/// stay in it for the standoff, the one with the shortest path through tissue. InputError if no direction is clear.
AcousticWindow shortest_tissue_window(const HuVolume& ct, const LabelMap& labels,
                                      const std::vector<std::uint8_t>& target, const Vec3& target_mm,
                                      const WindowOptions& options = {});

/// Per-voxel property arrays (float, on some grid): what the property mapping gives for a model.
struct PropertyArrays {
    std::vector<float> rho, c, alpha, alpha_power, BonA;
};

/// The model about the beam axis: nr = (nx + 1)/2 radii r = ir dx and the model's nz planes. Each ring (r, z) is
/// sampled at max(8, ceil(2 pi r / dx)) angles on the cartesian grid (nearest node); it takes the most frequent
/// label (ties to the lower label number), the mean of HU and properties over the samples of that label, and the
/// target flag if at least half the samples are target.
struct AxisymmetricModel {
    std::size_t nr = 0, nz = 0;
    double dx_mm = 0;
    std::vector<float> hu;
    LabelMap labels;
    std::vector<std::uint8_t> target;
    PropertyArrays props;
};
AxisymmetricModel axisymmetric_form(const BeamModel& model, const PropertyArrays& props);

}  // namespace lithosim::models
