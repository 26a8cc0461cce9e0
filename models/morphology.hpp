// Shape and appearance of a target on the CT (issue 13: covariates of the outcome models): the density and outline of
// a calcific deposit with its Gaertner type, and the geometry of a vascular plaque around its artery. Both work on
// the target's mask on the CT grid (models/targets.hpp) and the HU volume; models/PHANTOMS.md ("Target morphology",
// "Plaque geometry") gives the reasoning and what the phantoms give.
//
// Target morphology (target_morphology):
//  * mean_HU, peak_HU: over the target's voxels (as Calcification).
//  * edge_sharpness, in [0, 1]: how much of the step from the target to its surroundings happens across one voxel
//    face, on the axial slices (the outline a reader judges). Per slice, the target's pixels, the in-slice
//    4-connected layers around it (layer 1 touches the target) and, over all slices:
//        step = mean_HU - mean HU of the shell (layers 2 and 3, pixels >= calcium_HU left out: bone or other calcium
//               is not the target's surroundings);
//        for every boundary face (a target pixel b with an in-slice face neighbour o outside the target, and i the
//        pixel on the other side of b when it is target): face = max(HU(b) - HU(o), HU(i) - HU(b)), the larger of
//        the two face steps around the boundary (a step edge cut by a pixel splits its step over these two faces);
//        edge_sharpness = mean(face) / step, clamped to [0, 1]; 0 when step <= 0 or there is no boundary or shell.
//    An ideal step edge gives 1; the same edge sampled with partial volume gives >= 0.5 (the larger of the two
//    split steps); an edge blurred over several pixels gives the gradient times one pixel over the step (a Gaussian
//    blur of sigma = 2 pixels: 0.15-0.3). The measure is per voxel: an edge counts as sharp when it is about
//    one pixel wide or less.
//  * dense: mean_HU >= dense_HU (400 HU). assumption: anchored on the Agatston density classes, whose top weight
//    (factor 4) starts at 400 HU (shared/reference/physics-numerics.md §8); radiographic density has no HU scale.
//  * sharp: edge_sharpness >= sharp_min (0.5): the least an ideal step edge gives once sampled by the pixel grid.
//  * gaertner_type (Gaertner classification of calcific tendinitis deposits [MEDSCAPE]: I dense and sharply
//    outlined; II sharply outlined and transparent, or dense and cloudy; III cloudy and transparent):
//    1 when dense and sharp, 3 when neither, 2 otherwise.
//
// Plaque geometry (plaque_geometry): for a calcification in the wall of an artery running roughly along the slice
// axis (k). Per slice holding target pixels:
//  * the lumen: the fluid- or soft_tissue-labelled, non-target pixels within lumen_search_mm (8 mm) of the target's
//    pixels, their 4-connected region with the most pixels touching the target, and in it the largest circle whose
//    nearest pixel outside the region is target (a circle the calcium bounds). Unenhanced blood (40-47.5 HU) falls
//    in the soft_tissue band of the segmentation, so "fluid" alone would miss every unenhanced artery. No such
//    region: the slice is not measured.
//  * lumen centre: when the target, seen from that circle's centre, covers fit_min_arc_deg (75) or more, the
//    least-squares circle through the target's pixel centres (algebraic fit, then Gauss-Newton on the geometric
//    distances; for a uniform annular sector the geometric fit is centred on the sector's axis). A shorter arc
//    cannot place the centre by its own curvature: the lumen circle's centre is used, and the target's inner edge
//    (its nearest pixel to the centre in each angular bin of one pixel angle) must lie within 1.5 pixels of one
//    radius, i.e. be concave towards the lumen, which a stone or deposit bulging into fluid is not.
//  * accepted when the centre pixel is not target and is labelled fluid or soft_tissue, the mean distance of the
//    target's pixels from it is 1-15 mm (assumption: from small leg arteries to the iliac arteries), and at least
//    lumen_fraction_min (0.8) of the pixels inside the ring (nearer the centre than the nearest target pixel, less
//    half a pixel) are labelled fluid or soft_tissue. A large stone or deposit fails here: the circle through it is
//    centred in it.
//  * arc_deg: the angular extent the target's pixels cover seen from the lumen centre, each pixel covering one pixel
//    angle (pixel size / mean radius of the pixels) about its centre: 360 minus the widest gap between pixel
//    centres plus one pixel angle, at most 360 (a ring with no gap wider than a pixel is closed: 360).
//  * thickness_mm: the mean radial extent over the angles covered = pixel area / (arc in radians x mean radius of the
//    pixels); exact for an annular sector.
//  * length_mm: (last - first slice holding target pixels + 1) x slice spacing (extent along the slice axis).
// Summaries over the measured slices: arc_deg_max, arc_deg_mean, thickness_mm (mean), length_mm, and concentric =
// arc_deg_max >= concentric_arc_deg (270; assumption: the 270 degree cut of circumferential calcium in peripheral
// calcium grading could not be checked against its source, PARC or another). The geometry is returned when at
// least half of the target's slices (and at least one) are measured; otherwise the target is not a plaque next to
// a lumen and nothing is returned.
//
// A mask or label map whose size does not match the volume throws InputError.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::models {

struct MorphologyOptions {
    double dense_HU = 400;     ///< dense: mean_HU >= this (Agatston's top density class starts at 400 HU)
    double sharp_min = 0.5;    ///< sharp: edge_sharpness >= this
    double calcium_HU = 130;   ///< shell pixels at or above this are left out (bone, other calcium)
};

struct TargetMorphology {
    double mean_HU = 0, peak_HU = 0;
    double edge_sharpness = 0;  ///< [0, 1], see the top of this file
    bool dense = false, sharp = false;
    int gaertner_type = 0;      ///< 1, 2 or 3; 0 for an empty mask
    /// The rule with its numbers, e.g. "I: mean_HU >= 400 and edge_sharpness >= 0.5; III: ...; II: otherwise".
    std::string rule;
};

/// Density, outline and Gaertner type of the target `mask` (one byte per voxel of `volume`, nonzero inside).
TargetMorphology target_morphology(const HuVolume& volume, const std::vector<std::uint8_t>& mask,
                                   const MorphologyOptions& options = {});

struct PlaqueOptions {
    double min_radius_mm = 1, max_radius_mm = 15;  ///< accepted lumen-circle radii
    double lumen_fraction_min = 0.8;               ///< share of fluid/soft-tissue pixels inside the ring
    double lumen_search_mm = 8;                    ///< the lumen: fluid/soft-tissue pixels within this of the calcium
    double fit_min_arc_deg = 75;                   ///< arcs (seen from the lumen circle) from this on: circle fit
    double concentric_arc_deg = 270;               ///< concentric: arc_deg_max >= this
};

struct PlaqueSlice {
    std::size_t k = 0;            ///< slice index
    Vec3 lumen_centre_mm{};       ///< patient LPS, mm
    double lumen_radius_mm = 0;   ///< mean distance of the calcium pixels from the lumen centre (the ring's middle)
    double arc_deg = 0, thickness_mm = 0;
};

struct PlaqueGeometry {
    std::vector<PlaqueSlice> slices;  ///< the measured slices
    double arc_deg_max = 0, arc_deg_mean = 0, thickness_mm = 0, length_mm = 0;
    bool concentric = false;
};

/// The geometry of the target `mask` as a plaque around an artery along the slice axis, or nothing when the target
/// does not lie around a lumen (see the top of this file). `labels`: the segmentation on the volume's grid.
std::optional<PlaqueGeometry> plaque_geometry(const HuVolume& volume, const LabelMap& labels,
                                              const std::vector<std::uint8_t>& mask, const PlaqueOptions& options = {});

}  // namespace lithosim::models
