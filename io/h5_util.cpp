// HDF5 helpers shared by io/ (see h5_util.hpp).
#include "io/h5_util.hpp"

#include "io/h5_names.hpp"
#include "io/result_file.hpp"  // utc_now_iso8601
#include "lithosim/build_info.hpp"

#include <algorithm>
#include <array>

namespace lithosim::io::h5util {

std::string quoted(const fs::path& p) {
    // Built by appending: "'" + s + "'" trips a GCC 12 -Wrestrict false positive (GCC bug 105329) at -O3.
    std::string text(1, '\'');
    text += p.string();
    text += '\'';
    return text;
}

/// HDF5's C++ exceptions do not derive from std::exception; this gives their text in one line.
std::string h5_message(const H5::Exception& e) {
    std::string msg = e.getDetailMsg();
    const std::string func = e.getFuncName();
    return func.empty() ? msg : func + ": " + msg;
}

void write_string_attribute(const H5::H5Object& obj, const char* name, const std::string& value) {
    const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    const H5::Attribute attr = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
    attr.write(type, value);
}

void write_int_attribute(const H5::H5Object& obj, const char* name, int value) {
    const H5::Attribute attr = obj.createAttribute(name, H5::PredType::STD_I32LE, H5::DataSpace(H5S_SCALAR));
    attr.write(H5::PredType::NATIVE_INT, &value);
}

void write_double_attribute(const H5::H5Object& obj, const char* name, double value) {
    const H5::Attribute attr = obj.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR));
    attr.write(H5::PredType::NATIVE_DOUBLE, &value);
}

void write_doubles_attribute(const H5::H5Object& obj, const char* name, const std::vector<double>& value) {
    const hsize_t dims[1] = {value.size()};
    const H5::Attribute attr = obj.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(1, dims));
    attr.write(H5::PredType::NATIVE_DOUBLE, value.data());
}

/// True if every component of an absolute HDF5 path exists (H5Lexists fails on a missing intermediate group).
bool link_exists(const H5::H5File& file, const std::string& path) {
    std::size_t pos = 0;
    while ((pos = path.find('/', pos + 1)) != std::string::npos) {
        if (!file.nameExists(path.substr(0, pos))) return false;
    }
    return file.nameExists(path);
}

std::string read_string_attribute(const H5::H5Object& obj, const char* name) {
    const H5::Attribute attr = obj.openAttribute(name);
    if (attr.getTypeClass() != H5T_STRING) {
        throw std::runtime_error(std::string("attribute '") + name + "' is not a string");
    }
    std::string value;
    attr.read(attr.getStrType(), value);
    return value;
}

std::vector<double> read_doubles_attribute(const H5::H5Object& obj, const char* name, std::size_t count) {
    if (!obj.attrExists(name)) throw std::runtime_error(std::string("attribute '") + name + "' is missing");
    const H5::Attribute attr = obj.openAttribute(name);
    if (attr.getTypeClass() != H5T_FLOAT ||
        attr.getSpace().getSimpleExtentNpoints() != static_cast<hssize_t>(count)) {
        throw std::runtime_error(std::string("attribute '") + name + "' is not " + std::to_string(count) +
                                 " floating-point numbers");
    }
    std::vector<double> value(count);
    attr.read(H5::PredType::NATIVE_DOUBLE, value.data());
    return value;
}

/// A scalar float64 root attribute, if present.
std::optional<double> read_optional_double(const H5::H5Object& obj, const char* name) {
    if (!obj.attrExists(name)) return std::nullopt;
    const H5::Attribute attr = obj.openAttribute(name);
    if (attr.getTypeClass() != H5T_FLOAT || attr.getSpace().getSimpleExtentNpoints() != 1)
        throw std::runtime_error(std::string("attribute '") + name + "' is not one floating-point number");
    double value = 0;
    attr.read(H5::PredType::NATIVE_DOUBLE, &value);
    return value;
}

void check_units(const H5::DataSet& ds, const char* expected) {
    if (!ds.attrExists(h5::attr_units)) throw std::runtime_error("attribute 'units' is missing");
    const std::string units = read_string_attribute(ds, h5::attr_units);
    if (units != expected) {
        throw std::runtime_error("units are '" + units + "', expected '" + std::string(expected) + "'");
    }
}

/// Chunks of about 1 MiB (2^18 float32), filled x first, then y, then z: whole z-slabs for usual grid sizes.
std::array<hsize_t, 3> chunk_shape(const Map3& m) {
    constexpr hsize_t budget = hsize_t{1} << 18;
    const hsize_t cx = std::min<hsize_t>(m.nx, budget);
    const hsize_t cy = std::min<hsize_t>(m.ny, std::max<hsize_t>(1, budget / cx));
    const hsize_t cz = std::min<hsize_t>(m.nz, std::max<hsize_t>(1, budget / (cx * cy)));
    return {cz, cy, cx};
}

/// A scalar map as float32 [nz][ny][nx] (axisymmetric: [nz][nr]): x (or r) fastest in Map3 is the last (fastest)
/// HDF5 index, so the buffer is written as it is.
void write_map(H5::H5File& file, const char* name, const Map3& m, const char* unit, bool axisymmetric) {
    if (m.size() == 0) {
        throw std::runtime_error("map is empty (nx, ny, nz = " + std::to_string(m.nx) + ", " + std::to_string(m.ny) +
                                 ", " + std::to_string(m.nz) + ")");
    }
    if (m.values.size() != m.size()) {
        throw std::runtime_error("map has " + std::to_string(m.values.size()) + " values but its shape " +
                                 std::to_string(m.nx) + " x " + std::to_string(m.ny) + " x " + std::to_string(m.nz) +
                                 " needs " + std::to_string(m.size()));
    }
    if (axisymmetric && (m.ny != 1 || m.origin_m[1] != 0 || m.spacing_m[1] != 0)) {
        throw std::runtime_error("an axisymmetric map holds r in the x slot with ny = 1, y origin and spacing 0; got "
                                 "ny = " + std::to_string(m.ny) + ", y origin " + std::to_string(m.origin_m[1]) +
                                 " m, y spacing " + std::to_string(m.spacing_m[1]) + " m");
    }
    // Axisymmetric: the ny = 1 axis is dropped, [nz][nr], and origin/spacing are (r, z).
    const int rank = axisymmetric ? 2 : 3;
    const std::array<hsize_t, 3> dims3 = {m.nz, m.ny, m.nx};
    const std::array<hsize_t, 2> dims2 = {m.nz, m.nx};
    const hsize_t* dims = axisymmetric ? dims2.data() : dims3.data();
    const H5::DataSpace space(rank, dims);
    H5::DSetCreatPropList props;
    // Peak-pressure and medium maps are smooth over most of the grid; shuffle + deflate shrinks them several-fold.
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        const std::array<hsize_t, 3> chunk = chunk_shape(m);  // {cz, cy = 1, cx} when ny = 1
        const std::array<hsize_t, 2> chunk2 = {chunk[0], chunk[2]};
        props.setChunk(rank, axisymmetric ? chunk2.data() : chunk.data());
        props.setShuffle();
        props.setDeflate(4);
    }
    const H5::DataSet ds = file.createDataSet(name, H5::PredType::IEEE_F32LE, space, props);
    ds.write(m.values.data(), H5::PredType::NATIVE_FLOAT);
    write_string_attribute(ds, h5::attr_units, unit);
    if (axisymmetric) {
        write_doubles_attribute(ds, h5::attr_origin, {m.origin_m[0], m.origin_m[2]});
        write_doubles_attribute(ds, h5::attr_spacing, {m.spacing_m[0], m.spacing_m[2]});
    } else {
        write_doubles_attribute(ds, h5::attr_origin, {m.origin_m.begin(), m.origin_m.end()});
        write_doubles_attribute(ds, h5::attr_spacing, {m.spacing_m.begin(), m.spacing_m.end()});
    }
}

/// Shape of a floating-point dataset of the given rank.
std::vector<hsize_t> float_dataset_shape(const H5::DataSet& ds, int rank) {
    if (ds.getTypeClass() != H5T_FLOAT) throw std::runtime_error("data are not floating point");
    const H5::DataSpace space = ds.getSpace();
    if (space.getSimpleExtentNdims() != rank) {
        throw std::runtime_error("rank is " + std::to_string(space.getSimpleExtentNdims()) + ", expected " +
                                 std::to_string(rank));
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    space.getSimpleExtentDims(dims.data());
    return dims;
}

std::optional<Map3> read_map(const H5::H5File& file, const char* name, const char* unit, bool axisymmetric) {
    if (!link_exists(file, name)) return std::nullopt;
    const H5::DataSet ds = file.openDataSet(name);
    check_units(ds, unit);
    Map3 m;
    if (axisymmetric) {
        // [nz][nr] with (r, z) attributes; r goes to the x slot, y is the unused axis.
        const std::vector<hsize_t> dims = float_dataset_shape(ds, 2);
        m.nz = dims[0];
        m.ny = 1;
        m.nx = dims[1];
        const auto origin = read_doubles_attribute(ds, h5::attr_origin, 2);
        const auto spacing = read_doubles_attribute(ds, h5::attr_spacing, 2);
        m.origin_m = {origin[0], 0.0, origin[1]};
        m.spacing_m = {spacing[0], 0.0, spacing[1]};
    } else {
        const std::vector<hsize_t> dims = float_dataset_shape(ds, 3);
        m.nz = dims[0];
        m.ny = dims[1];
        m.nx = dims[2];
        const auto origin = read_doubles_attribute(ds, h5::attr_origin, 3);
        const auto spacing = read_doubles_attribute(ds, h5::attr_spacing, 3);
        std::copy(origin.begin(), origin.end(), m.origin_m.begin());
        std::copy(spacing.begin(), spacing.end(), m.spacing_m.begin());
    }
    m.values.resize(m.size());
    ds.read(m.values.data(), H5::PredType::NATIVE_FLOAT);
    return m;
}

void write_provenance(const H5::H5Object& root, const char* file_type, const char* format_version,
                      const std::string& version, const std::string& git_commit, const std::string& created_utc) {
    write_string_attribute(root, h5::root_file_type, file_type);
    write_string_attribute(root, h5::root_file_format_version, format_version);
    write_string_attribute(root, h5::root_schema_version, format_version);
    write_string_attribute(root, h5::root_version, version.empty() ? build::version : version);
    write_string_attribute(root, h5::root_git_commit, git_commit.empty() ? build::git_commit : git_commit);
    write_string_attribute(root, h5::root_created, created_utc.empty() ? utc_now_iso8601() : created_utc);
}

}  // namespace lithosim::io::h5util
