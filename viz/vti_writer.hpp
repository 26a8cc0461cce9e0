// VTK XML ImageData (.vti) export of maps for ParaView and other VTK tools.
//
// The file holds one point-data array per map, named by the caller with its unit ("p_max_MPa",
// "efd_mJ_per_mm2"); values are the map's SI values times the array's scale. The unit is also stored as the
// array's vtkDataArray::UNITS_LABEL information key when the caller gives it (ParaView shows it; VTK readers
// restore it). Integer label arrays (tissue labels, masks) are written as unsigned 8-bit arrays, and string
// lists (a label lookup) as field data. Origin and spacing are written in
// millimetres, the unit clinicians and ParaView users read distances in. Binary appended, zlib compressed,
// 64-bit block headers (so arrays above 4 GiB are possible).
//
// Placement (VtiPlacement): the maps live in their own frame (a model's beam frame); given where that frame lies in
// the patient, the file's Origin and Direction (VTK 9 vtkImageData direction matrix, which the XML writer stores as
// the Direction attribute and ParaView 5.10 and later apply) put the voxels at their patient coordinates (LPS, mm),
// so the image overlays the CT and the DICOM-RT files. Without it the file is in the maps' frame. A one-line
// "coordinates" field-data string says which.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::viz {

/// One point-data array: the VTK array name (with its unit), the map, and the factor from the map's SI unit to
/// the unit in the name (Pa -> MPa: 1e-6; J/m^2 -> mJ/mm^2: 1e-3).
struct VtiArray {
    std::string name;
    const Map3* map = nullptr;
    double scale = 1.0;
    std::string unit;  ///< stored as UNITS_LABEL when not empty ("MPa", "mJ/mm^2")
    VtiArray() = default;
    VtiArray(std::string name_, const Map3* map_, double scale_ = 1.0, std::string unit_ = {})
        : name(std::move(name_)), map(map_), scale(scale_), unit(std::move(unit_)) {}
};

/// One unsigned 8-bit point-data array on the grid of the file's float arrays (labels, masks): `values` has one
/// entry per point, x fastest, like Map3::values.
struct VtiLabelArray {
    std::string name;
    const std::vector<std::uint8_t>* values = nullptr;
    std::string unit = "1";
};

/// A list of strings stored as field data (one value per file, not per point): e.g. "label_names", whose entry i
/// names label value i.
struct VtiStrings {
    std::string name;
    std::vector<std::string> values;
};

/// Where the maps' frame lies in the world (the patient, LPS mm): the frame point f (mm) sits at
///     origin_mm + f[0] axes[0] + f[1] axes[1] + f[2] axes[2]            (axes orthonormal; left-handed allowed)
/// (io/model_file.hpp: frame_origin_patient_mm and frame_axes of a model).
struct VtiPlacement {
    std::array<double, 3> origin_mm{0, 0, 0};
    std::array<std::array<double, 3>, 3> axes{std::array<double, 3>{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
};

/// Everything one .vti file holds. At least one float array (it gives the grid).
struct VtiContent {
    std::vector<VtiArray> arrays;
    std::vector<VtiLabelArray> labels;
    std::vector<VtiStrings> field_strings;
    std::optional<VtiPlacement> placement;   ///< none: Origin in the maps' frame, no Direction
    std::string coordinates;                 ///< field data "coordinates" (one line) when not empty
};

/// Writes `arrays` as one .vti file. All maps must share shape, origin and spacing; names must be non-empty and
/// distinct; scales finite. Throws std::invalid_argument for bad arguments and std::runtime_error when writing
/// fails, each naming the file. The file is written as "<path>.partial" and renamed when complete.
/// An axis with one sample and spacing 0 (the unused axes of 1D/2D maps) gets the largest spacing of the other
/// axes (1 mm if all are 0): VTK tools divide by the spacing, and with one sample the value does not move any point.
void write_vti(const std::filesystem::path& path, const std::vector<VtiArray>& arrays);

/// The same with label arrays, field strings and a placement. Names must be distinct over float and label arrays; a
/// label array must have exactly as many values as the grid has points; a placement's axes must be orthonormal.
void write_vti_content(const std::filesystem::path& path, const VtiContent& content);

}  // namespace lithosim::viz
