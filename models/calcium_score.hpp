// Calcium scoring of a CT volume in Hounsfield units (issue 4 §3.2): the Agatston score per lesion and in total, the
// volume score and, with a calibration factor, the mass score, and the risk band.
//
// Definitions (Agatston et al., JACC 15(4):827-832, 1990, as summarised with its sources in
// shared/reference/physics-numerics.md §8):
//  * Calcium: voxels with HU >= 130 (">= 130" chosen, as the 3D Slicer implementation; some texts say "> 130").
//  * Islands: in each slice (z = const, the CT's slice axis), the 8-connected sets of calcium pixels. An island of
//    less than 1 mm^2 is noise and dropped.
//  * Island score = area (mm^2) x density factor of the island's peak HU: 130-199 -> 1, 200-299 -> 2, 300-399 -> 3,
//    >= 400 -> 4; worked example: 4 mm^2 at peak 270 HU scores 8.
//  * Slices (the CT protocol): the 1990 score sums contiguous 3 mm slices, so every 3 mm of a lesion's length is one
//    slice. A reconstruction of slices t mm thick centred every i mm (the increment; i < t overlapping, i = t
//    contiguous) samples the lesion every i mm, so the plain per-slice sum of island scores (agatston_raw) counts each
//    lesion 3 / i times as often as 3 mm contiguous slices would. The score reported (agatston_total, and per lesion)
//    is the 3 mm-equivalent one, every island weighted by i / 3 mm:
//        agatston_total = agatston_raw x i / 3 mm.
//    Sources: Horiguchi et al., Acad Radiol 15(8):958-965, 2008 score 2.5 mm slices reconstructed every 1.25 mm as
//    (increment / thickness) x sum(area x density factor), which is i / 3 mm for 3 mm slices; scanner software reports
//    an "equivalent Agatston score" for slices other than 3 mm and for overlapping slices, from the slice width and
//    the distance between slices (Siemens syngo Calcium Scoring, SOMATOM Sensation Cardiac VA60 operating
//    instructions, p. 186). assumption: for slices that are not 3 mm thick the weight is i / 3 mm (each slice
//    stands for i mm of the lesion's length, 3 mm of length being one Agatston slice) rather than i / t, which would
//    leave a 2.5 mm contiguous score unscaled; the vendor's exact formula is not printed.
//    Agreement: the weight makes the sampling of the lesion's length equivalent, not the partial-volume effect of
//    the thickness (a thinner slice resolves small, faint calcium that 3 mm averages below 130 HU). Published
//    agreement between repeated Agatston scores is 11 % (mean interscan variability, 2.5 mm slices every 1.25 mm)
//    to 20 % (2.5 mm contiguous) in Horiguchi 2008's phantom, which found no difference between the contiguous and
//    the overlapping 2.5 mm protocols (ANOVA P = .32); the tests hold 3 mm / 3 mm and 2.5 mm / 1.25 mm to 11 %.
//    The slice thickness does not enter the score; it is recorded, and protocol_warnings says when the slices are
//    not 3 mm contiguous. Thickness unknown (NIfTI, MetaImage, NRRD): assumption, equal to the increment.
//  * Lesions: 26-connected sets of calcium voxels in 3D (so every in-slice island lies in one lesion); a lesion's
//    Agatston score is the sum of its islands' scores, its volume the qualifying voxels times the voxel volume.
//  * Volume score: the volume of all qualifying voxels (those of islands >= 1 mm^2), mm^3.
//  * Mass score: c_HA x sum over lesions of (volume x mean HU), with c_HA in mg per mL per HU from a hydroxyapatite
//    calibration phantom scanned with the patient (scanner-specific: the user gives it; no default).
//  * Risk band of the total (issue 4): 0, 1-10, 11-100, 101-400, > 400.
// Agatston is a coronary-risk scale (its risk bands come from coronary-event cohorts); for stones and calcific deposits
// in the shock path it describes their calcium burden with the same rules, and its bands say nothing about them.
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::models {

struct CalciumOptions {
    double threshold_HU = 130;           ///< calcium: HU >= this
    double min_island_area_mm2 = 1.0;    ///< smaller in-slice islands are noise
    double reference_slice_mm = 3.0;     ///< slice thickness of the 1990 definition
    /// Nominal thickness of the reconstructed slices (DICOM SliceThickness), mm; the increment is the volume's slice
    /// spacing. std::nullopt: unknown, taken as the increment (contiguous slices, an assumption). Recorded and
    /// warned about; the 3 mm-equivalent weight is increment / reference_slice_mm.
    std::optional<double> slice_thickness_mm;
    /// c_HA, mg per mL per HU, from a calibration phantom; without it there is no mass score.
    std::optional<double> mass_calibration_mg_per_mL_per_HU;
};

struct LesionScore {
    double agatston = 0;                    ///< 3 mm-equivalent: agatston_raw x increment / 3 mm
    double agatston_raw = 0;                ///< plain sum of its islands' scores over the slices
    double volume_mm3 = 0;                  ///< qualifying voxels x voxel volume
    double peak_HU = 0, mean_HU = 0;        ///< over the qualifying voxels
    std::array<double, 3> centroid_mm{0, 0, 0};
    double equivalent_diameter_mm = 0;      ///< of the sphere of the same volume, (6 V / pi)^(1/3)
    std::optional<double> mass_mg;          ///< c_HA x volume x mean HU, with a calibration factor
};

struct CalciumScore {
    std::vector<LesionScore> lesions;       ///< lesions with at least one qualifying island, by decreasing score
    double agatston_total = 0;              ///< 3 mm-equivalent: agatston_raw x slice_weight
    double agatston_raw = 0;                ///< plain per-slice sum of the island scores
    double slice_thickness_mm = 0;          ///< nominal slice thickness (the increment when unknown)
    bool slice_thickness_assumed = false;   ///< thickness unknown, taken as the increment
    double slice_increment_mm = 0;          ///< distance between slice centres (the volume's slice spacing)
    double slice_weight = 1;                ///< increment / reference slice (3 mm)
    /// One line each when the protocol is not 3 mm contiguous (thickness, overlap, gaps, thickness unknown).
    std::vector<std::string> protocol_warnings;
    double volume_score_mm3 = 0;
    std::optional<double> mass_score_mg;
    std::string risk_band;                  ///< "0", "1-10", "11-100", "101-400", ">400"
};

/// Density factor of an island's peak HU: 0 below 130, then 1, 2, 3, 4 (see the top of this file).
int agatston_density_factor(double peak_HU);

/// The risk band of a total Agatston score.
std::string agatston_risk_band(double total);

/// The warnings of a slice protocol: the thickness differs from the reference slice (3 mm), the slices overlap or
/// leave gaps, or the thickness is unknown (`thickness_assumed`). Empty for 3 mm slices every 3 mm. Thickness and
/// increment agree with the reference or with each other within max(0.01 mm, 1 %) (the DICOM reader's spacing
/// tolerance).
std::vector<std::string> agatston_protocol_warnings(double thickness_mm, double increment_mm, bool thickness_assumed,
                                                    double reference_slice_mm = 3.0);

/// Scores a volume. Throws std::invalid_argument on an empty volume, a hu size that does not match, a spacing that
/// is not positive, or options out of range (threshold below -1000 HU, area or reference slice not positive,
/// calibration not positive, a slice thickness not positive).
CalciumScore calcium_score(const HuVolume& volume, const CalciumOptions& options = {});

}  // namespace lithosim::models
