// HDF5 helpers shared by the io/ file writers and readers (result files, model files): attributes, checks and the
// write-then-rename that keeps a half-written file from ever looking complete. Private to io/: no public io header
// includes it, so HDF5 types stay out of the library's interface.
#pragma once
#include <H5Cpp.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::io::h5util {

namespace fs = std::filesystem;

/// A path in single quotes, for messages.
std::string quoted(const fs::path& p);
/// HDF5's C++ exceptions do not derive from std::exception; this gives their text in one line.
std::string h5_message(const H5::Exception& e);

void write_string_attribute(const H5::H5Object& obj, const char* name, const std::string& value);
void write_int_attribute(const H5::H5Object& obj, const char* name, int value);
void write_double_attribute(const H5::H5Object& obj, const char* name, double value);
void write_doubles_attribute(const H5::H5Object& obj, const char* name, const std::vector<double>& value);
/// The identifying root attributes of a lithosim file: file_type, file_format_version, version, git_commit, created
/// (empty version / commit / created: this build's and now).
void write_provenance(const H5::H5Object& root, const char* file_type, const char* format_version,
                      const std::string& version = "", const std::string& git_commit = "",
                      const std::string& created_utc = "");

/// True if every component of an absolute HDF5 path exists (H5Lexists fails on a missing intermediate group).
bool link_exists(const H5::H5File& file, const std::string& path);
std::string read_string_attribute(const H5::H5Object& obj, const char* name);
/// `count` float64 values; throws std::runtime_error if missing or of another type or size.
std::vector<double> read_doubles_attribute(const H5::H5Object& obj, const char* name, std::size_t count);
/// A scalar float64 attribute, if present.
std::optional<double> read_optional_double(const H5::H5Object& obj, const char* name);
/// Throws std::runtime_error unless the dataset's `units` attribute is `expected`.
void check_units(const H5::DataSet& ds, const char* expected);

/// A scalar map as float32 [nz][ny][nx] (axisymmetric: [nz][nr], r in the x slot) with `units`, `origin_m`,
/// `spacing_m` (axisymmetric: (r, z) pairs); chunked and deflate-compressed where available.
void write_map(H5::H5File& file, const char* name, const Map3& m, const char* unit, bool axisymmetric);
/// Shape of a floating-point dataset of the given rank.
std::vector<hsize_t> float_dataset_shape(const H5::DataSet& ds, int rank);
/// A map written by write_map, or nothing if the dataset is absent.
std::optional<Map3> read_map(const H5::H5File& file, const char* name, const char* unit, bool axisymmetric);

/// Builds `path` under the temporary name `path.partial` with `build(partial, stage)` and renames it into place
/// only when complete. On any failure the partial file is removed, an existing file at `path` is untouched, and
/// one std::runtime_error names `what`, the file, the stage reached and the cause.
template <class Build>
void replace_atomically(const fs::path& path, const std::string& what, std::string stage, Build&& build) {
    fs::path partial = path;
    partial += ".partial";
    std::string detail;
    try {
        build(partial, stage);
        stage = "renaming " + quoted(partial) + " to its final name";
        fs::rename(partial, path);
        return;
    } catch (const H5::Exception& e) {
        detail = h5_message(e);
    } catch (const fs::filesystem_error& e) {
        detail = e.code().message();
    } catch (const std::exception& e) {
        detail = e.what();
    }
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw std::runtime_error(what + " " + quoted(path) + " failed at " + stage + ": " + detail);
}

}  // namespace lithosim::io::h5util
