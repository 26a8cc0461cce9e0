// HDF5 helpers shared by io/ (see h5_util.hpp).
#include "io/h5_util.hpp"

#include "io/h5_names.hpp"

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

}  // namespace lithosim::io::h5util
