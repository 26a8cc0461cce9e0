// CT import (DICOM series, NIfTI, MetaImage, NRRD) into a models::HuVolume, and DICOM CT export of a HuVolume.
// The conventions, the checks and what happens to patient identifiers are described in io/CT_IMPORT.md.
//
// Coordinates are those of models/ct_volume.hpp: DICOM patient coordinates (LPS), mm, voxel centres. Values are
// Hounsfield units. Every problem with the input (missing, duplicate or corrupt slices, mixed series, wrong
// modality, uneven or zero spacing, gantry tilt, unknown file type) throws lithosim::InputError with one line
// that names the file or value. GDCM and VTK stay private: no type of theirs appears here.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/ct_volume.hpp"

namespace lithosim::io {

/// A CT volume as read, with what may travel with it: no patient identifier is ever stored here.
struct CtImage {
    models::HuVolume volume;
    std::string format;      ///< "dicom", "nifti", "metaimage" or "nrrd"
    std::string input_sha1;  ///< 40 hex digits: volume_sha1() of the HU values and geometry (same for every format)
    std::string pseudonym;   ///< "LS-" + 12 hex digits, see pseudonym()
    std::string series_uid;  ///< DICOM SeriesInstanceUID of the series read; empty for the other formats
    /// DICOM FrameOfReferenceUID (0020,0052) of the series read, when its slices give one and the same; empty
    /// otherwise (a warning names a series whose slices disagree) and for the other formats. Kept so the plan's
    /// DICOM-RT files share the CT's frame of reference (io/dicom_rt.hpp).
    std::string frame_of_reference_uid;
    /// Nominal thickness of the reconstructed slices, mm: DICOM SliceThickness (0018,0050), the same on every slice
    /// that gives it; std::nullopt when no slice gives it (Type 2, may be empty) and for the other formats, which
    /// have none. The reconstruction increment is volume.spacing_mm[2], from the slice positions.
    std::optional<double> slice_thickness_mm;
    /// DICOM SpacingBetweenSlices (0018,0088) when present; the increment is taken from the positions, and a
    /// SpacingBetweenSlices that disagrees with them is named in `warnings`.
    std::optional<double> spacing_between_slices_mm;
    std::vector<std::string> warnings;  ///< one line each: what was read but looks wrong (nothing here is fatal)
};

struct CtReadOptions {
    /// DICOM: the SeriesInstanceUID to read when the folder holds several CT series (empty: the only CT series;
    /// when `path` is a single DICOM file: that file's series).
    std::string series_uid;
    /// Salt of the pseudonym; std::nullopt: site_salt().
    std::optional<std::string> salt;
};

/// Reads a CT: a directory is a DICOM series; a file is read by its extension (.nii, .nii.gz, .mha, .mhd,
/// .nrrd, .nhdr); a DICOM file (.dcm, .dicom, .ima, or any file with the "DICM" marker) stands for the series
/// it belongs to, read from its folder.
CtImage read_ct(const std::filesystem::path& path, const CtReadOptions& options = {});

/// Reads the CT series in `dir` (all regular files except hidden ones and DICOMDIR must be DICOM; folders
/// inside are not searched). `series_uid` chooses among several CT series (empty: there must be exactly one).
CtImage read_dicom_series(const std::filesystem::path& dir, const std::string& series_uid, const std::string& salt);

/// Reads a NIfTI (.nii, .nii.gz), MetaImage (.mha, .mhd) or NRRD (.nrrd, .nhdr) volume; values are taken as HU.
CtImage read_ct_image(const std::filesystem::path& file, const std::string& salt);

/// The file name endings read_ct accepts for single files, for messages and help texts.
const std::vector<std::string>& ct_file_extensions();

/// "LS-" + the first 12 hex digits of SHA-1(salt, identifiers...) (each part preceded by its length, so that
/// moving characters between parts changes the hash). DICOM: identifiers = PatientID, PatientName,
/// PatientBirthDate; other formats, or a DICOM series with all three empty: the volume's input_sha1.
std::string pseudonym(const std::vector<std::string>& identifiers, const std::string& salt);

/// The site's pseudonym salt: the environment variable LITHOSIM_PSEUDONYM_SALT when set and not empty, otherwise
/// the contents of $XDG_CONFIG_HOME/lithosim/pseudonym_salt (or $HOME/.config/lithosim/pseudonym_salt), created
/// on first use with 32 random bytes from /dev/urandom as 64 hex digits, mode 0600.
std::string site_salt();

/// SHA-1 (40 hex digits) of a HU volume: of a line with its dimensions, spacing, origin and axes, followed by
/// the SHA-1 of each slice's float32 values. Independent of file format, file names, slice order on disk and
/// every DICOM tag that does not change the HU values or the geometry.
std::string volume_sha1(const models::HuVolume& volume);

/// SHA-1 of a file's bytes, 40 lower-case hex digits (GDCM's SHA-1; the provenance hash of a run's input files).
/// Throws std::runtime_error naming the file when it cannot be read.
std::string file_sha1(const std::filesystem::path& file);

struct DicomWriteOptions {
    std::string pseudonym = "LITHOSIM^PHANTOM";      ///< written as PatientName and PatientID (<= 64 characters)
    std::string series_description = "lithosim CT";  ///< SeriesDescription (<= 64 characters)
    /// SliceThickness (0018,0050) to write, mm, > 0; std::nullopt: the slice spacing (contiguous slices). The
    /// volume's slice spacing is written as SpacingBetweenSlices (0018,0088) and in the slice positions.
    std::optional<double> slice_thickness_mm;
};

/// Writes `volume` as a DICOM CT series (CT Image Storage, int16 pixels, RescaleSlope 1, HU rounded to integers)
/// with SliceThickness options.slice_thickness_mm (a reconstruction at another thickness: models::reconstruct_slices)
/// of files slice_0001.dcm, ... into `dir`, which must not exist or be empty. The files are written into a
/// temporary sibling folder that is renamed to `dir` at the end, so an interrupted write never leaves a series
/// that looks complete. Reading it back with read_dicom_series gives the same volume (see CT_IMPORT.md for
/// volumes whose axes[2] points against axes[0] x axes[1]).
void write_dicom_series(const models::HuVolume& volume, const std::filesystem::path& dir,
                        const DicomWriteOptions& options = {});

}  // namespace lithosim::io
