// Procedural CT phantoms (issue 4 §4): CT volumes in Hounsfield units with the anatomy along the shock path of the
// four indications, the label every voxel was built as, the target and a sensible therapy-head position.
//
// Names (a contract, `lithosim model --phantom NAME`): shoulder, gallbladder, bile_duct, femoral.
//
// Coordinates: DICOM patient coordinates (LPS, mm, voxel centres), axes identity, origins chosen so that the numbers
// look like those of a real scan (right shoulder, upper abdomen, right mid-thigh). Air (-1000 HU) surrounds the body.
// Organ outlines are smooth analytic shapes (ellipsoids, superellipse prisms, tubes, shells); tissue interfaces carry
// partial-volume values (27 sub-samples per boundary voxel). The target alone has a sharp edge: a voxel is target when
// at least half of it lies in the target shape, so that the >= 130 HU set, the truth label and target_volume_mm3
// agree. Deterministic Gaussian noise (noise_HU, from seed) is added last.
//
// The anatomy, dimensions, HU values with their sources, and the assumptions are described in models/PHANTOMS.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::models {

struct PhantomOptions {
    /// Target size, mm. Spheres (shoulder deposit, stones): the diameter. femoral: the length of the plaque arc
    /// along the artery. Default per phantom: shoulder 10, gallbladder 15, bile_duct 8, femoral 16.
    std::optional<double> target_diameter_mm;
    /// Target HU, 130-3000. Default per phantom: shoulder 800, gallbladder/bile_duct 160 (pigment) or 150
    /// (cholesterol), femoral 500.
    std::optional<double> target_HU;
    /// Isotropic voxel size, mm, 0.25-2. Default: 0.5 (shoulder, femoral), 1.0 (gallbladder, bile_duct: a whole
    /// abdominal cross-section).
    std::optional<double> spacing_mm;
    /// "pigment" (default) or "cholesterol": gallbladder and bile_duct only (empty = the default).
    std::string stone_type;
    /// Number of gallstones, 1-5: gallbladder only (empty = 1). Every stone has the target's diameter and HU; they lie
    /// side by side on the dependent wall, gaps >= max(1 mm, 2 voxels), stone 1 (the target) on the beam axis and the
    /// others towards the neck (models/PHANTOMS.md). Too many stones of that size for the lumen: InputError.
    std::optional<int> stone_count;
    /// Angle of the artery's circumference the calcified plaque covers, degrees, 30-360: femoral only (empty = 150).
    /// 360 is a closed (concentric) ring.
    std::optional<double> plaque_arc_deg;
    std::uint64_t seed = 1;  ///< noise seed: the same seed gives the same volume
    double noise_HU = 5;     ///< standard deviation of the added white Gaussian noise, HU, 0-100 (0 = none)
};

struct Phantom {
    std::string name, description;
    HuVolume ct;
    LabelMap truth;                  ///< the label each voxel was built as (Label of ct_volume.hpp), ct's grid
    Vec3 target_centre_mm{};         ///< a point inside the target (sphere centre; middle of the plaque arc), LPS
    double target_diameter_mm = 0;   ///< as in PhantomOptions (femoral: the arc length)
    double target_HU = 0;
    double target_volume_mm3 = 0;    ///< voxels built as target (stone 1 only) x voxel volume
    double target_nominal_volume_mm3 = 0;  ///< volume of the analytic target shape
    Vec3 source_position_mm{};       ///< outside the skin on the clinical beam axis, 30 mm from the skin, LPS
    std::string indication;          ///< "tendon", "gallbladder", "bile_duct", "vascular"
    /// Calcifications of the target's kind that were built: gallbladder 1-5 stones (PhantomOptions::stone_count),
    /// 1 for the other phantoms. Every one is labelled calcification in `truth`.
    int stone_count = 1;
    /// Centres of the spherical targets (patient LPS, mm): the stones of the gallbladder, the stone of the bile duct,
    /// the shoulder deposit; stone 1 (= target_centre_mm) first. Empty for the femoral plaque, which is no sphere.
    std::vector<Vec3> stone_centres_mm;
    double plaque_arc_deg = 0;       ///< femoral: the angle the plaque covers around the artery, degrees; 0 elsewhere
};

/// Builds the phantom `name` (see the top of this file). Throws InputError (one line: the option, its value and
/// what is accepted) for an unknown name, options out of range or given to a phantom they do not apply to, a target
/// too large for the organ that holds it, more stones than fit the gallbladder, a spacing that would exceed
/// kMaxPhantomVoxels, or a target too small to cover a voxel at the spacing.
Phantom make_phantom(const std::string& name, const PhantomOptions& options = {});

/// The phantom names, in the order shoulder, gallbladder, bile_duct, femoral.
std::vector<std::string> phantom_names();

/// Largest volume make_phantom builds (about 200 MB of HU and labels).
inline constexpr std::size_t kMaxPhantomVoxels = 50'000'000;

/// Thickest slice reconstruct_slices makes, mm (axial CT is reconstructed at 0.5 to 10 mm).
inline constexpr double kMaxReconstructedSlice_mm = 10;

/// The CT a scanner would reconstruct from `fine` (a phantom, sampled finely): slices `thickness_mm` thick centred
/// every `increment_mm` along axes[2], each slice the mean of `fine` over its thickness, in-plane grid unchanged.
/// Slice profile: rectangular (assumption: a real reconstruction's profile is bell-shaped with this width at half
/// maximum; the rectangle keeps the thickness exact and the mean HU of a uniform lesion unchanged). `fine` counts as
/// piecewise constant along axes[2], voxel k covering (k - 1/2, k + 1/2) x its spacing, so partial overlaps are
/// weighted by their length. The first slice starts at the lower edge of `fine`, and slices are made while they lie
/// inside it. Throws InputError for a thickness below fine's slice spacing or above kMaxReconstructedSlice_mm, an
/// increment not > 0 or above the thickness (gaps: not a calcium-scoring protocol), or fewer than 2 slices.
HuVolume reconstruct_slices(const HuVolume& fine, double thickness_mm, double increment_mm);

}  // namespace lithosim::models
