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
#pragma once
#include <array>
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

/// Writes every volume as DIR/<file name> (the names above are the caller's: `files` parallel to `volumes`) into a
/// new folder `dir`: written next to it and renamed into place when complete. Throws InputError when `dir` exists
/// (it is never overwritten) or a volume is malformed (sizes, axes, a name that is not printable ASCII).
/// Returns the FrameOfReferenceUID written.
std::string write_rt_dose(const std::filesystem::path& dir, const std::vector<std::string>& files,
                   const std::vector<RtDoseVolume>& volumes, const RtWriteOptions& options);

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
