// NIfTI-1 copies of a plan's dose and labels in the patient's frame (issue 14 §3), so 3D Slicer or ITK-SNAP overlays
// them on the CT without registration: single-file .nii, the voxel-to-patient transform in both the qform (code 1,
// scanner) and the sform (code 1), in NIfTI's RAS convention (DICOM LPS with x and y negated), mm.
//
// | field            | value                                                                               |
// |------------------|-------------------------------------------------------------------------------------|
// | datatype, bitpix | 16, 32 (float32: dose in its unit) or 2, 8 (uint8: labels, masks)                   |
// | dim              | 3, nx, ny, nz                                                                       |
// | pixdim           | qfac 1, spacing (mm)                                                                |
// | srow_x/y/z       | RAS = diag(-1, -1, 1) (origin + i s0 a0 + j s1 a1 + k s2 a2), the grid of the volume |
// | quatern_*, qoffset | the same rotation and offset as a quaternion                                      |
// | descrip          | the quantity and its unit, e.g. "EFD per shock, level 10 [mJ/mm2]" (80 characters)  |
// | xyzt_units       | 2 (mm)                                                                              |
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/dicom_rt.hpp"

namespace lithosim::io {

/// Writes `v` (its grid and float values, in v.unit) as float32 NIfTI-1; descrip = quantity [unit]. Written under
/// `path.partial` and renamed. Throws std::runtime_error naming the file on a write failure, InputError on a
/// malformed grid.
void write_nifti(const std::filesystem::path& path, const RtDoseVolume& v);
/// The same grid with uint8 values (labels, a mask); `grid.values` is ignored.
void write_nifti_labels(const std::filesystem::path& path, const RtDoseVolume& grid,
                        const std::vector<std::uint8_t>& labels, const std::string& description);

/// The header fields a reader needs to place and read a lithosim NIfTI file (tests, tools).
struct NiftiHeader {
    std::size_t nx = 0, ny = 0, nz = 0;
    int datatype = 0;
    std::array<double, 3> spacing_mm{0, 0, 0};
    std::array<std::array<double, 4>, 3> srow{};   ///< voxel (i, j, k, 1) -> RAS mm
    int qform_code = 0, sform_code = 0;
    std::array<double, 3> quatern{0, 0, 0}, qoffset{0, 0, 0};
    double qfac = 1;
    std::string descrip;
    std::vector<float> values;   ///< float32 data, or uint8 data widened
};
NiftiHeader read_nifti(const std::filesystem::path& path);

}  // namespace lithosim::io
