// The HDF5 result file of one simulation run: writer, and a reader for tests and tools.
//
// Layout (file_format_version "1"; names from io/h5_names.hpp; shapes in HDF5/C order, last index fastest).
// The root attribute `geometry` says how maps are laid out: "cartesian" (1D, 2D, 3D runs) or "axisymmetric"
// ((r, z) runs). A file without it is cartesian.
//
// | name                       | shape            | type    | unit    | when present                              |
// |----------------------------|------------------|---------|---------|-------------------------------------------|
// | /maps/p_max                | [nz][ny][nx]     | float32 | Pa      | result has a peak positive map            |
// | /maps/p_min                | [nz][ny][nx]     | float32 | Pa      | result has a peak negative map            |
// | /maps/efd                  | [nz][ny][nx]     | float32 | J/m^2   | result has an energy flux density map     |
// | /sensors/t                 | [nt]             | float64 | s       | at least one sensor point                 |
// | /sensors/p                 | [npoints][nt]    | float32 | Pa      | at least one sensor point                 |
// | /sensors/position_m        | [npoints][3]     | float64 | m       | at least one sensor point (x, y, z)       |
// | /sensors/lines/axis/t      | [nt]             | float64 | s       | the run recorded the beam axis            |
// |                            |                  |         |         | (SimulationResult::axis, >= 1 node)       |
// | /sensors/lines/axis/p      | [npoints][nt]    | float32 | Pa      | as /sensors/lines/axis/t                  |
// | /sensors/lines/axis/       | [npoints][3]     | float64 | m       | as /sensors/lines/axis/t (x, y, z)        |
// |   position_m               |                  |         |         |                                           |
// | /sensors/planes/plane_<k>/ | [1][ny][nx]      | float32 | Pa      | the run had sensor planes: k = 0, 1, ...  |
// |   p_max                    |                  |         |         | in the order of SensorSpec::planes_z_m    |
// | /sensors/planes/plane_<k>/ | [1][ny][nx]      | float32 | Pa      | as plane_<k>/p_max                        |
// |   p_min                    |                  |         |         |                                           |
// | /sensors/planes/plane_<k>/ | [1][ny][nx]      | float32 | J/m^2   | as plane_<k>/p_max                        |
// |   efd                      |                  |         |         |                                           |
// | /sensors/planes/plane_<k>/ | [1][ny][nx]      | float32 | J/m^2   | as plane_<k>/p_max: the EFD over the      |
// |   efd_plus                 |                  |         |         | samples with p > 0                        |
// | /snapshots/snapshot_<k>    | [nz][ny][nx]     | float32 | Pa      | the run recorded wavefield snapshots      |
// |                            |                  |         |         | ([sensor] snapshots_us): k = 0, 1, ... in |
// |                            |                  |         |         | the order asked; attributes t_s (float64, |
// |                            |                  |         |         | s: the step recorded, the first at or     |
// |                            |                  |         |         | after the time asked), t_requested_s      |
// |                            |                  |         |         | (float64, s), step (int32)                |
// | /medium/c                  | [nz][ny][nx]     | float32 | m/s     | heterogeneous medium                      |
// | /medium/rho                | [nz][ny][nx]     | float32 | kg/m^3  | heterogeneous medium                      |
// | /focal_series/t            | [nt]             | float64 | s       | a time series was recorded at the focus   |
// | /focal_series/p            | [nt]             | float32 | Pa      | as /focal_series/t                        |
// | /focal_series/position_m   | [3]              | float64 | m       | as /focal_series/t (x, y, z)              |
// | /dosimetry/<parameter>     | scalar or [3]    | float64 | in name | the dosimetry was computed and the        |
// |                            |                  |         |         | parameter is available (see below)        |
//
// Axisymmetric files: every map, medium and plane dataset is [nz][nr] instead of [nz][ny][nx] (r from the axis,
// fastest); a plane's is [1][nr].
//
// Every dataset carries a string attribute `units` (the unit column). Map, medium and plane datasets also carry
// `origin_m` and `spacing_m`: cartesian: 3 float64 each, in (x, y, z) order, so sample [iz][iy][ix] sits at
// origin_m + (ix*dx, iy*dy, iz*dz); axisymmetric: 2 float64 each, in (r, z) order, so sample [iz][ir] sits at
// r = origin_m[0] + ir*dr, z = origin_m[1] + iz*dz. Maps cover the physical region only (no PML). Map datasets are
// chunked and deflate-compressed where the HDF5 library offers deflate; readers see this transparently.
//
// /sensors/planes/plane_<k> (a group per sensor plane z = const, numbered without gaps) carries the float64 attribute
// `z_m`, the z of the node plane (origin_m's z of its datasets). Its maps are the full maps' accumulations on that
// plane (p_max, p_min, efd = (1/(rho c)) sum p^2 dt with the local rho c) plus efd_plus, the same sum over the samples
// with p > 0 only. 1D runs store [1][1][1].
//
// /sensors/lines/axis is p(t) at every node of the beam axis (x = y = 0) of the physical region, position_m
// (0, 0, z); its p dataset is chunked and deflate-compressed where the library offers deflate.
//
// /focal_series is the pressure waveform the dosimetry read at the focus (the beam-axis node or sensor point
// nearest the p_max peak, within 1.5 cells of it), kept so that `lithosim dosimetry` can recompute the waveform
// parameters from the file without searching the whole beam-axis history (/sensors/lines/axis).
//
// /dosimetry: one dataset per parameter of io::h5::dosimetry_parameters, named like its summary.json key, in the
// unit the name carries (the `units` attribute: "MPa", "mm", "ns", "mJ/mm^2", "mJ"): scalar, or [3] = (x, y, z)
// for focus_mm, focal_zone_6dB_mm and focal_zone_5MPa_mm. A parameter that is not available (null in
// summary.json) has no dataset. Read in Python: h5py.File("result.h5")["/dosimetry/E5mm_mJ"][()].
//
// Root attributes (strings unless said otherwise):
//
// | name                 | type    | content                                                          |
// |----------------------|---------|------------------------------------------------------------------|
// | file_type            | string  | "lithosim-result"                                                |
// | file_format_version  | string  | "1"                                                              |
// | version              | string  | lithosim version that wrote the file                             |
// | git_commit           | string  | git commit of that build                                         |
// | case                 | string  | the whole resolved case text (every option, after defaults)      |
// | created              | string  | UTC time of writing, ISO 8601 ("2025-01-31T12:00:00Z")           |
// | threads              | int32   | OpenMP threads the run used                                      |
// | geometry             | string  | "cartesian" or "axisymmetric"                                    |
// | rho_focus_kg_per_m3  | float64 | density of the medium at the focus (when known)                  |
// | c_focus_m_per_s      | float64 | sound speed of the medium at the focus (when known)              |
// | geometric_focus_z_m  | float64 | z of the source's geometric focus (a source that has one)        |
//
// Strings are variable-length UTF-8. The file appears under its final name only when complete: it is written as
// "<name>.partial" in the same directory and renamed at the end.
//
// The HDF5 library Debian ships is not thread-safe: do not call these functions concurrently.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::io {

/// One parameter of /dosimetry: a name of io::h5::dosimetry_parameters, its unit, and 1 or 3 values (its count).
struct DosimetryValue {
    std::string name;
    std::string unit;
    std::vector<double> values;
};

/// What the result file holds beside the SimulationResult: provenance (root attributes), the geometry, the medium
/// at the focus, the focal waveform and the dosimetry.
struct ResultMetadata {
    std::string version;      ///< lithosim version
    std::string git_commit;   ///< commit of the build
    std::string case_text;    ///< whole resolved case text
    std::string created_utc;  ///< ISO 8601 UTC; when empty, the writer stores the time of writing
    int threads = 1;          ///< OpenMP threads of the run
    /// Maps are (r, z) in a Map3 with r in the x slot (nx = nr, ny = 1, origin (r0, 0, z0), spacing (dr, 0, dz)),
    /// stored [nz][nr] with 2-value origin_m / spacing_m.
    bool axisymmetric = false;
    std::optional<double> rho_focus_kg_per_m3;  ///< medium at the focus, for the waveform EFD
    std::optional<double> c_focus_m_per_s;
    std::optional<double> geometric_focus_z_m;  ///< the source's geometric focus, when it has one
    /// The waveform at the focus (one point): /focal_series.
    std::optional<SensorRecord> focal_series;
    /// The /dosimetry group: written when set (an empty list gives an empty group), in the order given.
    std::optional<std::vector<DosimetryValue>> dosimetry;
};

/// Current UTC time as ISO 8601 with seconds, e.g. "2025-01-31T12:00:00Z".
std::string utc_now_iso8601();

/// Writes `result` to `path` in the layout above (only the maps and sensor data that are present).
/// Throws std::runtime_error naming the file and the dataset or attribute being written when anything fails
/// (including inconsistent input, e.g. a map whose values do not match its shape); no file is left behind then.
void write_result_h5(const std::filesystem::path& path, const SimulationResult& result, const ResultMetadata& meta);

/// Reads a result file written by write_result_h5. Checks file_type and file_format_version on open, and each
/// dataset's shape and units; throws std::runtime_error naming the file (and dataset) otherwise.
/// The run figures are not stored in the file except `threads`, which lands in stats.threads. Maps of an
/// axisymmetric file come back with r in the x slot (see ResultMetadata::axisymmetric; read_result_metadata tells
/// the geometry). /sensors/lines/axis comes back as `axis`, the sensor planes as `planes` (in order), the snapshots
/// as `snapshots` (in order).
SimulationResult read_result_h5(const std::filesystem::path& path);

/// Everything of ResultMetadata the file holds (missing optional parts stay empty; a file without `geometry` is
/// cartesian). Checks the file like read_result_h5 and throws std::runtime_error naming the file otherwise.
ResultMetadata read_result_metadata(const std::filesystem::path& path);

/// Replaces the /dosimetry group of an existing result file, leaving everything else as it is. The file is
/// changed atomically: a copy "<name>.partial" is modified and renamed over the original, so a failure leaves the
/// original untouched. Checks the file like read_result_h5 first; throws std::runtime_error naming the file.
void rewrite_dosimetry(const std::filesystem::path& path, const std::vector<DosimetryValue>& dosimetry);

/// One root attribute of a result file as text (integers in decimal, floating-point numbers with 17 significant
/// digits). Checks file_type and file_format_version like read_result_h5; throws std::runtime_error if the
/// attribute is missing.
std::string read_root_attribute(const std::filesystem::path& path, const std::string& name);

}  // namespace lithosim::io
