// The tissue model file: what `lithosim model --out model.h5` writes and `[medium] model = model.h5` (contract)
// reads back in `simulate`. Names come from io/h5_names.hpp.
//
// The model lives in a *beam frame*: z runs along the beam axis from the source point (z = 0, the point on the
// source side the model starts at, `--source-position-mm`) through the target; x and y are lateral, centred on the
// axis. Frame point (x, y, z) (m) sits in the patient at
//     patient_mm = frame_origin_patient_mm + 1000 (x ex + y ey + z ez)       (ex, ey, ez = frame_axes_patient, LPS)
// so every voxel keeps its place in the CT's patient coordinates (DICOM LPS, mm).
//
// Layout (file_format_version "1"; shapes in HDF5/C order, last index fastest):
//
// | name                        | shape        | type    | unit           | contents                              |
// |-----------------------------|--------------|---------|----------------|---------------------------------------|
// | /model/hu                   | [nz][ny][nx] | float32 | HU             | CT resampled to the frame (water 0)   |
// | /model/labels               | [nz][ny][nx] | uint8   | 1              | models::Label; attr label_names       |
// | /model/target_mask          | [nz][ny][nx] | uint8   | 1              | 1 inside the target                   |
// | /model/rho                  | [nz][ny][nx] | float32 | kg/m^3         | density                               |
// | /model/c                    | [nz][ny][nx] | float32 | m/s            | sound speed                           |
// | /model/alpha_coeff          | [nz][ny][nx] | float32 | dB/(cm MHz^y)  | absorption prefactor alpha0           |
// | /model/alpha_power          | [nz][ny][nx] | float32 | 1              | absorption exponent y                 |
// | /model/BonA                 | [nz][ny][nx] | float32 | 1              | nonlinearity B/A                      |
// | /axisymmetric/<same names>  | [nz][nr]     | as above| as above       | the model about the beam axis: per    |
// |                             |              |         |                | ring (r, z) the most frequent label   |
// |                             |              |         |                | and the mean of its voxels' values    |
//
// Every dataset has `units`, `origin_m` and `spacing_m` (cartesian: 3 float64, (x, y, z) of sample [0][0][0] in
// the frame and the cell size; axisymmetric: 2 float64, (r, z)). Root attributes: file_type "lithosim-model",
// file_format_version, version, git_commit, created, mapping (name), mapping_table (the table used, as the CSV text of
// models/MAPPING.md, each row with its source), input_format, input_sha1 (hash of the CT input), pseudonym (salted hash: no patient
// identifier is ever stored), frame_origin_patient_mm, frame_axes_patient (ex, ey, ez), target_m /
// target_patient_mm, source_m / source_patient_mm, coupling_medium (rho, c, alpha0, y, B/A of the coupling water
// that surrounds the model), summary (the summary.json text of the run that wrote it).
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lithosim::io {

/// One grid of the model: cartesian (nx, ny, nz) or axisymmetric (nx = nr, ny = 1), with its per-voxel arrays.
struct ModelGrid {
    std::size_t nx = 0, ny = 0, nz = 0;
    std::array<double, 3> origin_m{0, 0, 0};   ///< frame position of sample (0, 0, 0); axisymmetric: (r0 = 0, 0, z0)
    double dx_m = 0;                            ///< cell size, every axis
    std::vector<float> hu, rho, c, alpha, alpha_power, BonA;
    std::vector<std::uint8_t> labels, target;
    std::size_t size() const { return nx * ny * nz; }
};

/// Index of the node of `g` nearest the frame position (x, y, z) (m), or -1 beyond the grid. Axisymmetric grids
/// (ny = 1, r in the x slot) take r = sqrt(x^2 + y^2).
inline std::ptrdiff_t model_node(const ModelGrid& g, double x, double y, double z, bool axisymmetric) {
    const double fx = axisymmetric ? std::hypot(x, y) : x, fy = axisymmetric ? 0.0 : y;
    const double i = std::round((fx - g.origin_m[0]) / g.dx_m);
    const double j = axisymmetric ? 0.0 : std::round((fy - g.origin_m[1]) / g.dx_m);
    const double k = std::round((z - g.origin_m[2]) / g.dx_m);
    if (!(i >= 0 && j >= 0 && k >= 0 && i < double(g.nx) && j < double(g.ny) && k < double(g.nz))) return -1;
    return std::ptrdiff_t(std::size_t(i) + g.nx * (std::size_t(j) + g.ny * std::size_t(k)));
}

struct ModelFile {
    ModelGrid grid;          ///< cartesian, in the beam frame
    ModelGrid axisymmetric;  ///< about the beam axis (x slot = r, ny = 1)
    std::array<double, 3> frame_origin_patient_mm{0, 0, 0};
    std::array<std::array<double, 3>, 3> frame_axes{std::array<double, 3>{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    std::array<double, 3> target_m{0, 0, 0}, target_patient_mm{0, 0, 0};
    std::array<double, 3> source_m{0, 0, 0}, source_patient_mm{0, 0, 0};
    std::array<double, 5> coupling{998.2, 1482.5, 0, 2, 5};  ///< rho, c, alpha0, y, B/A around the model
    std::string mapping, mapping_table, input_format, input_sha1, pseudonym, summary_json;
    // Provenance, filled by the writer when empty.
    std::string version, git_commit, created_utc;
};

/// The patient position (DICOM LPS, mm) of the frame point x_m (m): the placement above. The one definition the
/// patient-coordinate outputs use (RT Dose and NIfTI grids, the ParaView files' Origin and Direction).
inline std::array<double, 3> frame_to_patient_mm(const ModelFile& m, const std::array<double, 3>& x_m) {
    std::array<double, 3> p = m.frame_origin_patient_mm;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) p[a] += 1e3 * x_m[b] * m.frame_axes[b][a];
    return p;
}

/// Writes the model under `path.partial` and renames it into place when complete (an existing file is replaced only
/// then). Throws std::runtime_error naming the file, the stage and the cause on failure (an array whose size does
/// not match its grid included); nothing is left at `path` or `path.partial` then.
void write_model_h5(const std::filesystem::path& path, const ModelFile& model);

/// Reads a model file. Throws lithosim::InputError (bad input: exit 2) if the file is missing, not HDF5, not a
/// lithosim model file, of another format version, or lacks a dataset or attribute of the layout above.
ModelFile read_model_h5(const std::filesystem::path& path);

}  // namespace lithosim::io
