// Calcifications and the treatment target (issue 4 §3.1): the candidate calcifications of a CT with their size, place
// and HU, and the target chosen from a seed point or from a candidate's id.
//
// Definitions:
//  * A calcification is a 26-connected set of voxels: labelled Label::calcification (after segmentation, which labels
//    >= 130 HU lesions not connected to bone so), or, before segmentation, with HU >= a threshold (130 HU by default,
//    the Agatston threshold: shared/reference/physics-numerics.md §8).
//  * volume = voxels x voxel volume; equivalent diameter = (6 V / pi)^(1/3), the sphere of the same volume;
//    centroid = mean of the voxel centres in patient coordinates (LPS, mm, HuVolume::position_mm); mean and peak HU
//    over its voxels.
//  * touches_bone: a voxel of the calcification shares a face with a voxel labelled bone_trabecular or bone_cortical.
//  * Lists are ordered by decreasing volume (ties: the lower first voxel index first); ids are 1-based in that order.
//
// Errors in what the user gives (a point outside the volume or in air, no calcification at the seed, an unknown id, a
// label map of the wrong size, options out of range) throw InputError with one line naming the values.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::models {

struct Calcification {
    int id = 0;                        ///< 1-based, in list order (decreasing volume); 0 for a target from a point
    std::size_t voxels = 0;
    double volume_mm3 = 0;
    double equivalent_diameter_mm = 0; ///< (6 V / pi)^(1/3)
    Vec3 centroid_mm{};                ///< patient LPS, mm
    double mean_HU = 0, peak_HU = 0;
    /// From labels: face-adjacent to a bone label. From HU alone (target_from_point): the >= threshold set went on
    /// past max_radius_mm and was clipped, the mark of a deposit joined to bone.
    bool touches_bone = false;
};

/// The calcifications of a segmented CT: 26-connected components of voxels labelled Label::calcification.
/// Throws InputError when labels does not match the volume.
std::vector<Calcification> list_calcifications(const HuVolume& volume, const LabelMap& labels);

/// Before segmentation: 26-connected components of voxels with HU >= threshold_HU. Bone is not told apart (it comes
/// out as components of its own, or joined to what touches it) and touches_bone is false.
std::vector<Calcification> list_calcifications(const HuVolume& volume, double threshold_HU = 130);

struct Target {
    std::vector<std::uint8_t> mask;  ///< 1 inside the target, 0 elsewhere; the volume's grid and indexing
    Calcification stats;
};

struct TargetOptions {
    double threshold_HU = 130;     ///< a calcification voxel is >= this
    double search_radius_mm = 3;   ///< when the seed voxel is below threshold, the nearest >= threshold voxel this near
    /// The target is clipped to this sphere around the seed point, so that a deposit touching bone does not take the
    /// bone (which is >= threshold too) with it.
    double max_radius_mm = 20;
};

/// The target around a seed point (patient LPS, mm): the 26-connected set of voxels >= threshold that contains the
/// seed voxel (the voxel holding the point; if it is below threshold, the nearest >= threshold voxel within
/// search_radius_mm), restricted to voxels whose centres lie within max_radius_mm of the point.
/// Throws InputError when the point is outside the volume (the message gives the volume's extent), lies in air
/// (< -500 HU) with no calcification within the search radius, or has no calcification within the search radius
/// (the message gives the peak HU found there).
Target target_from_point(const HuVolume& volume, const Vec3& point_mm, const TargetOptions& options = {});

/// The calcification with this id in list_calcifications(volume, labels). Throws InputError listing the valid ids
/// when id is out of range.
Target target_from_id(const HuVolume& volume, const LabelMap& labels, int id);

}  // namespace lithosim::models
