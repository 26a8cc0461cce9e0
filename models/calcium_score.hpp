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
//  * Slice thickness: the 1990 score sums contiguous 3 mm slices. For slices of thickness t each slice stands for t
//    of the lesion's length, so every island score is multiplied by t / 3 mm, and a lesion scores the same on 1.5 mm
//    as on 3 mm slices (a convention: the 1990 paper used 3 mm only; documented, not a standard's wording).
//  * Lesions: 26-connected sets of calcium voxels in 3D (so every in-slice island lies in one lesion); a lesion's
//    Agatston score is the sum of its islands' scores, its volume the qualifying voxels times the voxel volume.
//  * Volume score: the volume of all qualifying voxels (those of islands >= 1 mm^2), mm^3.
//  * Mass score: c_HA x sum over lesions of (volume x mean HU), with c_HA in mg per mL per HU from a hydroxyapatite
//    calibration phantom scanned with the patient (scanner-specific: the user gives it; no default).
//  * Risk band of the total (issue 4): 0, 1-10, 11-100, 101-400, > 400.
// Agatston is a coronary metric; for stones and calcific deposits in the shock path it describes their burden with
// the same rules.
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
    /// c_HA, mg per mL per HU, from a calibration phantom; without it there is no mass score.
    std::optional<double> mass_calibration_mg_per_mL_per_HU;
};

struct LesionScore {
    double agatston = 0;                    ///< sum of its islands' scores, slice-thickness normalised
    double volume_mm3 = 0;                  ///< qualifying voxels x voxel volume
    double peak_HU = 0, mean_HU = 0;        ///< over the qualifying voxels
    std::array<double, 3> centroid_mm{0, 0, 0};
    double equivalent_diameter_mm = 0;      ///< of the sphere of the same volume, (6 V / pi)^(1/3)
    std::optional<double> mass_mg;          ///< c_HA x volume x mean HU, with a calibration factor
};

struct CalciumScore {
    std::vector<LesionScore> lesions;       ///< lesions with at least one qualifying island, by decreasing score
    double agatston_total = 0;
    double volume_score_mm3 = 0;
    std::optional<double> mass_score_mg;
    std::string risk_band;                  ///< "0", "1-10", "11-100", "101-400", ">400"
};

/// Density factor of an island's peak HU: 0 below 130, then 1, 2, 3, 4 (see the top of this file).
int agatston_density_factor(double peak_HU);

/// The risk band of a total Agatston score.
std::string agatston_risk_band(double total);

/// Scores a volume. Throws std::invalid_argument on an empty volume, a hu size that does not match, a spacing that
/// is not positive, or options out of range (threshold below -1000 HU, area or reference slice not positive,
/// calibration not positive).
CalciumScore calcium_score(const HuVolume& volume, const CalciumOptions& options = {});

}  // namespace lithosim::models
