// Helpers shared by the CT readers (io/ct_import.cpp, io/ct_dicom.cpp, io/ct_vtk_formats.cpp); not API.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>

#include "models/ct_volume.hpp"

namespace lithosim::io::detail {

/// SHA-1 of a byte buffer as 40 lower-case hex digits (gdcm::SHA1, i.e. OpenSSL).
std::string sha1_hex(const void* data, std::size_t bytes);

/// Lower-case copy (ASCII).
std::string lower(std::string s);

/// Checks what every reader must deliver: >= 2 slices, nx, ny >= 1, positive finite spacing, unit and mutually
/// orthogonal axes, finite HU values. `what` names the input in the message ("NIfTI file 'a.nii'").
void check_volume(const models::HuVolume& v, const std::string& what);

/// SeriesInstanceUID of one DICOM file (ct_dicom.cpp); InputError naming the file when it is not readable DICOM.
std::string dicom_file_series_uid(const std::filesystem::path& file);

/// A new DICOM UID (gdcm::UIDGenerator; ct_dicom.cpp), for the CT and the RT Dose writers.
std::string new_dicom_uid();

/// InputError unless `value` fits a DICOM LO/SH text: at most 64 printable ASCII characters without '\\'.
void check_dicom_text(const std::string& value, const char* name);

/// Tolerance on the orthonormality of direction cosines read from a file (|dot| and |norm - 1|).
inline constexpr double kDirectionTolerance = 1e-4;

}  // namespace lithosim::io::detail
