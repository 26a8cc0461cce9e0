// Segmentation of a CT volume (HU) into tissue labels (issue 4 §2.1): a ladder of HU thresholds, the outside air
// turned into coupling water, and the >= 130 HU voxels split by connectivity into bone and calcification.
//
// The rules, in the order they are applied (models/MAPPING.md gives every default with its source and the failure
// modes):
//  1. HU bands. Each threshold is the lowest HU of the band above it, so a voxel exactly at a threshold belongs to
//     the upper band:
//        HU < lung_min_HU                 air (gas)
//        lung_min_HU <= HU < fat_min_HU   lung (includes the partial-volume rims of gas, -500..-190 HU)
//        fat_min_HU <= HU < fluid_min_HU  fat
//        fluid_min_HU <= HU < soft_tissue_min_HU   fluid (bile, water-like)
//        soft_tissue_min_HU <= HU < tendon_min_HU  soft_tissue (muscle, organ, most blood)
//        tendon_min_HU <= HU < calcium_HU tendon (dense soft tissue)
//        HU >= calcium_HU                 calcium: bone or calcification, step 3
//     The fluid, soft tissue and tendon bands are decided on the mean HU of the voxel's 3 x 3 x 3 neighbours that
//     lie in the fluid..tendon range (the bands are closer than CT noise; the mean divides it by about 5).
//  2. Outside air (outside_air_is_coupling): air-band voxels 6-connected to a face of the volume are outside the
//     body and become water, the coupling medium; so do lung-band voxels within outside_rim_voxels steps of them
//     (the partial-volume layer at the skin). Enclosed gas (bowel gas) stays air, enclosed lung stays lung.
//  3. Calcium: the 26-connected components of calcium voxels (target voxels excluded). A component of more than
//     bone_min_volume_mm3 is bone, each voxel cortical if HU >= cortical_HU and trabecular below; a smaller one is
//     calcification (a lesion not connected to bone).
//  4. Target: a voxel in the target mask is calcification whatever its HU ("inside the target region").
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::models {

struct SegmentationOptions {
    // HU ladder (must increase strictly, in this order). Sources and reasoning: models/MAPPING.md.
    double lung_min_HU = -950;         ///< below: air / gas (lung parenchyma -950..-550, radgray.com)
    double fat_min_HU = -190;          ///< fat -190..-30 (CT body-composition window, e.g. NIH ImageJ protocol)
    double fluid_min_HU = -29;         ///< fat ends at -30 (same window); fluid from -29
    double soft_tissue_min_HU = 20;    ///< assumption: between water/CSF (0, 15) and organs (kidney 20-40)
    double tendon_min_HU = 60;         ///< between muscle (49 HU) and normal tendon (65-71 HU); see MAPPING.md
    double calcium_HU = 130;           ///< Agatston: calcium is HU >= 130
    double cortical_HU = 700;          ///< assumption: between trabecular (~+300) and cortical (~+1000) bone
    /// A calcium component larger than this is bone; smaller ones are calcifications. assumption: above a 20 mm
    /// sphere (4189 mm^3), below a 10 mm rod 100 mm long (7854 mm^3).
    double bone_min_volume_mm3 = 5000;
    bool outside_air_is_coupling = true;  ///< border-connected air -> water (coupling); false: it stays air
    /// Lung-band voxels within this many 6-neighbour steps of the outside air are outside too (skin
    /// partial volume). assumption: 2.
    int outside_rim_voxels = 2;

    /// Names accepted by set(), in ladder order then the rest.
    static const std::vector<std::string>& names();
    /// Override one option by name. Throws InputError for an unknown name (listing the accepted ones), a value that
    /// is not finite, a bool option not 0/1, or outside_rim_voxels not an integer in 0..10. The order of the
    /// thresholds is checked by validate() (so several overrides can be applied in any order).
    void set(const std::string& name, double value);
    /// "name=value" (spaces allowed around both). Throws InputError on a missing '=' or a value that is not a number.
    void set(const std::string& assignment);
    /// Apply several "name=value" overrides, then validate().
    void apply(const std::vector<std::string>& assignments);
    /// The value of an option by name (bools as 0/1). Throws InputError for an unknown name.
    double get(const std::string& name) const;
    /// Throws InputError when the thresholds do not increase strictly (naming the pair and both values), when
    /// bone_min_volume_mm3 < 0 or a value is not finite.
    void validate() const;
    /// "lung_min_HU=-950 fat_min_HU=-190 ..." for provenance (every option, set() syntax).
    std::string describe() const;
};

/// Segments a volume. target_mask (optional) has one byte per voxel, nonzero inside the target region.
/// Throws InputError when the options are inconsistent, the volume is empty or its hu size does not match
/// nx ny nz, the spacing is not positive, a HU is not finite (naming the voxel), or the mask size differs.
LabelMap segment(const HuVolume& volume, const SegmentationOptions& options = {},
                 const std::vector<std::uint8_t>* target_mask = nullptr);

/// Voxel count per label, indexed by the label's number. Throws InputError on a value that is not a label.
std::array<std::size_t, kLabelCount> label_counts(const LabelMap& labels);

}  // namespace lithosim::models
