// DICOM-RT export of a plan's dose (issue 14 §3): `lithosim plan ... --dicom-rt DIR` (contract) writes one RT Dose
// object (RT Dose Storage, 1.2.840.10008.5.1.4.1.1.481.2) per quantity, all in one study and one frame of reference,
// on a grid in the patient coordinates of the CT the model was built from (DICOM LPS, mm):
//
// | file                   | quantity                                              | unit    |
// |------------------------|-------------------------------------------------------|---------|
// | efd_per_shock.dcm      | energy flux density of one shock at the plan's setting | mJ/mm2  |
// | p_plus_per_shock.dcm   | peak positive pressure of one shock at that setting   | MPa     |
// | efd_session_<k>.dcm    | cumulative EFD of session k (its shocks at its ramp)  | mJ/mm2  |
// | efd_course.dcm         | cumulative EFD of every session                       | mJ/mm2  |
// | structures.dcm         | RT Structure Set: the plan's structures (below)       | mm      |
//
// DICOM allows only GY or RELATIVE as DoseUnits (3004,0002); none of these is an absorbed dose, so DoseUnits is
// RELATIVE, DoseType PHYSICAL, DoseSummationType PLAN (with a Referenced RT Plan naming the plan's own UID, no RT Plan
// object is written). The physical value of a voxel is
//     value [unit] = stored pixel value x DoseGridScaling (3004,000E)
// and the quantity and its unit are written in SeriesDescription (0008,103E), e.g. "lithosim EFD per shock
// [mJ/mm2]", and in DoseComment (3004,0006), e.g. "EFD per shock, level 10 [mJ/mm2] = pixel x DoseGridScaling"
// (at most 64 characters: quantity names are kept short).
// Pixels are 16-bit unsigned (the maximum at 65535), one frame per plane along the slice normal
// (GridFrameOffsetVector, mm).
//
// The grid is the model's beam frame (io/model_file.hpp) sampled in patient coordinates: ImageOrientationPatient
// holds the frame's x and y axes, the frames run along its z axis (the beam), so the grid is oblique to the CT's
// voxel grid in general; viewers resample it. FrameOfReferenceUID: the one given (the CT's) or a new one.
//
// structures.dcm (RT Structure Set Storage, 1.2.840.10008.5.1.4.1.1.481.3; written when structures are given): one
// ROI per structure mask on the dose grid, in the study and frame of reference of the dose files (its own series).
// The plan's structures (planner/plan_dose.hpp structure_masks, those present) with their RTROIInterpretedType
// (3006,00A4) and ROIDisplayColor (3006,002A):
//
// | ROIName      | RTROIInterpretedType | colour (RGB)  | why this type                                              |
// |--------------|----------------------|---------------|------------------------------------------------------------|
// | target       | GTV                  | 255, 0, 0     | the stone or calcification as the CT shows it: the gross,  |
// |              |                      |               | visible target; no margin is added (no CTV: nothing        |
// |              |                      |               | microscopic spreads; no PTV: motion is in the dose model,  |
// |              |                      |               | PlanDose::load, not in a margin)                           |
// | bone_surface | ORGAN                | 230, 220, 170 | organ at risk (bone nodes next to soft tissue)             |
// | lung         | ORGAN                | 90, 160, 255  | organ at risk                                              |
// | bowel_gas    | AVOIDANCE            | 60, 200, 90   | not an organ: gas the beam must not cross                  |
// | other names  | ORGAN                | 160, 160, 160 |                                                            |
//
// Each ROI holds one CLOSED_PLANAR contour per connected part of the mask on each frame of the dose grid (4-connected;
// io/mask_contours.hpp), along the outer edges of its voxels, and one per hole in it (even-odd rule: a viewer fills
// the voxels whose centres the contours enclose and gets the mask back; DICOM leaves holes to convention, and a
// reader that neither applies even-odd nor takes keyhole contours fills them). ContourData in patient LPS mm, 4 decimals
// (at most 5e-5 mm off); a contour of more than 1500 points (ContourData is limited to 64 kB) is thinned to 1500
// (io::thin_loop: the points that change its area least go first, a staircase's steps before the outline's corners),
// and then no longer follows the voxel edges exactly. Rare: a staircase outline has about two points per voxel along
// it; the shoulder phantom's plan (109 x 109 x 141 voxels) has 1837 contours of at most 186 points.
// No images are referenced (ContourImageSequence and RTReferencedStudySequence are optional and there is
// no image of the grid; viewers place the contours by their coordinates and the frame of reference).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lithosim::io {

/// One dose volume in patient coordinates: voxel (i, j, k) (i fastest) sits at
///     origin_mm + i spacing_mm[0] axes[0] + j spacing_mm[1] axes[1] + k spacing_mm[2] axes[2]      (LPS, mm)
/// with axes orthonormal and axes[2] = axes[0] x axes[1].
struct RtDoseVolume {
    std::string quantity;   ///< e.g. "EFD per shock" (SeriesDescription and DoseComment)
    std::string unit;       ///< "mJ/mm2" or "MPa"
    std::size_t nx = 0, ny = 0, nz = 0;
    std::array<double, 3> origin_mm{0, 0, 0}, spacing_mm{1, 1, 1};
    std::array<std::array<double, 3>, 3> axes{std::array<double, 3>{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    std::vector<float> values;   ///< in `unit`, >= 0 (negative values are stored as 0)
    std::size_t size() const { return nx * ny * nz; }
};

struct RtWriteOptions {
    std::string pseudonym;                ///< PatientName and PatientID (no identifier of the patient)
    std::string frame_of_reference_uid;   ///< empty: a new one
    std::string plan_label = "lithosim"; ///< start of every SeriesDescription
};

/// One structure as a mask on the grid of the RT Dose volumes (i fastest, nonzero inside): an ROI of structures.dcm.
struct RtStructureMask {
    std::string name;                   ///< ROIName; its type and colour by the table above
    std::vector<std::uint8_t> mask;
};

/// Writes every volume as DIR/<file name> (the names above are the caller's: `files` parallel to `volumes`) into a
/// new folder `dir`: written next to it and renamed into place when complete. With `structures`, also
/// DIR/structures.dcm, its contours on the grid of the first volume. Throws InputError when `dir` exists (it is never
/// overwritten) or a volume or mask is malformed (sizes, axes, a name that is not printable ASCII).
/// Returns the FrameOfReferenceUID written.
std::string write_rt_dose(const std::filesystem::path& dir, const std::vector<std::string>& files,
                   const std::vector<RtDoseVolume>& volumes, const RtWriteOptions& options,
                   const std::vector<RtStructureMask>& structures = {});

/// One closed planar contour: its points in patient LPS mm (the first not repeated at the end).
struct RtContour {
    std::vector<std::array<double, 3>> points_mm;
};
/// One ROI of a structure set.
struct RtRoi {
    int number = 0;                      ///< ROINumber
    std::string name, interpreted_type;  ///< ROIName, RTROIInterpretedType
    std::array<int, 3> colour{0, 0, 0};  ///< ROIDisplayColor
    std::vector<RtContour> contours;
};
/// The contours of a mask on the grid of `grid` (its geometry; values unused), as structures.dcm holds them: per
/// frame the loops of io::trace_plane in patient coordinates.
std::vector<RtContour> mask_contours(const RtDoseVolume& grid, const std::vector<std::uint8_t>& mask);

/// What an RT Structure Set file holds, read back with GDCM.
struct RtStructureSetRead {
    std::string modality, label, series_description, study_uid;
    std::string frame_of_reference_uid;   ///< ReferencedFrameOfReferenceSequence's
    std::vector<RtRoi> rois;              ///< in the order of StructureSetROISequence
};
/// Throws InputError when the file is not an RT Structure Set, or its ROIs, observations and contours do not match up.
RtStructureSetRead read_rt_structure_set(const std::filesystem::path& file);

/// What an RT Dose file holds, read back with GDCM: geometry, the values (pixel x DoseGridScaling) and the text.
struct RtDoseRead {
    RtDoseVolume volume;            ///< quantity and unit parsed from DoseComment
    std::string dose_units, dose_type, dose_summation_type, series_description, dose_comment, modality;
    std::string frame_of_reference_uid, study_uid;
    double dose_grid_scaling = 0;
};
/// Throws InputError when the file is not an RT Dose file lithosim can read (multi-frame, 16-bit unsigned).
RtDoseRead read_rt_dose(const std::filesystem::path& file);

}  // namespace lithosim::io
