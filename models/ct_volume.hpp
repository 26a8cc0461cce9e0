// A CT volume in Hounsfield units and its place in the patient, and the tissue labels a segmentation gives it: the
// types shared by the CT readers (io/), the phantoms, segmentation, property mapping and targets (models/), and the
// model file.
//
// Coordinates: DICOM patient coordinates (LPS: x towards the patient's left, y posterior, z head), mm, at voxel
// centres. Voxel (i, j, k) sits at
//     position = origin_mm + i sx axes[0] + j sy axes[1] + k sz axes[2]      (s = spacing_mm)
// where axes[0] is the direction of increasing column index i (DICOM ImageOrientationPatient, first triple),
// axes[1] that of increasing row index j (second triple), axes[2] the slice direction (the order the slices are
// stacked in, normally their cross product). k indexes slices; spacing_mm[2] is the slice spacing.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lithosim::models {

using Vec3 = std::array<double, 3>;

struct HuVolume {
    std::size_t nx = 0, ny = 0, nz = 0;
    Vec3 spacing_mm{1, 1, 1};
    Vec3 origin_mm{0, 0, 0};  ///< centre of voxel (0, 0, 0), patient LPS, mm
    std::array<Vec3, 3> axes{Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}};  ///< unit vectors of i, j, k (LPS)
    std::vector<float> hu;    ///< x fastest: hu[i + nx (j + ny k)]

    std::size_t size() const { return nx * ny * nz; }
    std::size_t index(std::size_t i, std::size_t j, std::size_t k) const { return i + nx * (j + ny * k); }
    float at(std::size_t i, std::size_t j, std::size_t k) const { return hu[index(i, j, k)]; }

    /// Patient position (mm) of the point with continuous voxel index (fi, fj, fk).
    Vec3 position_mm(double fi, double fj, double fk) const {
        Vec3 p = origin_mm;
        for (int a = 0; a < 3; ++a)
            p[a] += fi * spacing_mm[0] * axes[0][a] + fj * spacing_mm[1] * axes[1][a] + fk * spacing_mm[2] * axes[2][a];
        return p;
    }
    /// Continuous voxel index of a patient position (mm); exact when the axes are orthonormal.
    Vec3 index_of(const Vec3& p_mm) const {
        Vec3 d{p_mm[0] - origin_mm[0], p_mm[1] - origin_mm[1], p_mm[2] - origin_mm[2]};
        Vec3 f{};
        for (int a = 0; a < 3; ++a)
            f[a] = (d[0] * axes[a][0] + d[1] * axes[a][1] + d[2] * axes[a][2]) / spacing_mm[a];
        return f;
    }
};

/// Tissue labels of a segmented CT (stable numbers: they are stored in model files).
enum class Label : std::uint8_t {
    water = 0,           ///< coupling water (padding, cushion)
    air = 1,             ///< air and bowel gas
    lung = 2,
    fat = 3,
    soft_tissue = 4,     ///< muscle, organ
    fluid = 5,           ///< bile, blood
    tendon = 6,
    bone_trabecular = 7,
    bone_cortical = 8,
    calcification = 9,   ///< calcific deposit or stone
};
inline constexpr int kLabelCount = 10;

/// Label names as stored in files and JSON ("water", "air", "lung", "fat", "soft_tissue", "fluid", "tendon",
/// "bone_trabecular", "bone_cortical", "calcification"), indexed by the label's number.
inline const std::array<std::string, kLabelCount>& label_names() {
    static const std::array<std::string, kLabelCount> names{"water",  "air",    "lung",            "fat",
                                                            "soft_tissue", "fluid", "tendon", "bone_trabecular",
                                                            "bone_cortical", "calcification"};
    return names;
}
inline const std::string& label_name(Label l) { return label_names()[std::size_t(l)]; }

/// A label map on the grid of a HuVolume, same indexing.
using LabelMap = std::vector<std::uint8_t>;

}  // namespace lithosim::models
