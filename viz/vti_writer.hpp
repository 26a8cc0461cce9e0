// VTK XML ImageData (.vti) export of maps for ParaView and other VTK tools.
//
// The file holds one point-data array per map, named by the caller with its unit ("p_max_MPa",
// "efd_mJ_per_mm2"); values are the map's SI values times the array's scale. Origin and spacing are written in
// millimetres, the unit clinicians and ParaView users read distances in. Binary appended, zlib compressed,
// 64-bit block headers (so arrays above 4 GiB are possible).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::viz {

/// One point-data array: the VTK array name (with its unit), the map, and the factor from the map's SI unit to
/// the unit in the name (Pa -> MPa: 1e-6; J/m^2 -> mJ/mm^2: 1e-3).
struct VtiArray {
    std::string name;
    const Map3* map = nullptr;
    double scale = 1.0;
};

/// Writes `arrays` as one .vti file. All maps must share shape, origin and spacing; names must be non-empty and
/// distinct; scales finite. Throws std::invalid_argument for bad arguments and std::runtime_error when writing
/// fails, each naming the file. The file is written as "<path>.partial" and renamed when complete.
/// An axis with one sample and spacing 0 (the unused axes of 1D/2D maps) gets the largest spacing of the other
/// axes (1 mm if all are 0): VTK tools divide by the spacing, and with one sample the value does not move any point.
void write_vti(const std::filesystem::path& path, const std::vector<VtiArray>& arrays);

}  // namespace lithosim::viz
