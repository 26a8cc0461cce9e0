// Tissue model file: see the layout table in model_file.hpp. All names come from h5_names.hpp.
#include "io/model_file.hpp"

#include <H5Cpp.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "io/h5_names.hpp"
#include "io/h5_util.hpp"
#include "io/result_file.hpp"  // utc_now_iso8601
#include "lithosim/build_info.hpp"
#include "models/ct_volume.hpp"
#include "core/errors.hpp"

namespace lithosim::io {
namespace {

using namespace h5util;

std::string label_names_text() {
    std::string s;
    for (std::size_t i = 0; i < models::label_names().size(); ++i)
    {
        if (i) s += ',';
        s += std::to_string(i);
        s += '=';
        s += models::label_names()[i];
    }
    return s;
}


template <class T>
void write_array(H5::H5File& file, const std::string& name, const ModelGrid& g, const std::vector<T>& v,
                 const char* unit, bool axisymmetric) {
    if (v.size() != g.size())
        throw std::logic_error("model dataset " + name + " has " + std::to_string(v.size()) + " values for a grid of " +
                               std::to_string(g.size()));
    const int rank = axisymmetric ? 2 : 3;
    const hsize_t dims3[3] = {g.nz, g.ny, g.nx};
    const hsize_t dims2[2] = {g.nz, g.nx};
    const H5::DataSpace space(rank, axisymmetric ? dims2 : dims3);
    H5::DSetCreatPropList props;
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        const hsize_t cx = g.nx, cy = std::min<hsize_t>(g.ny, std::max<hsize_t>(1, (hsize_t{1} << 18) / g.nx));
        const hsize_t c3[3] = {1, cy, cx};
        const hsize_t c2[2] = {std::min<hsize_t>(g.nz, std::max<hsize_t>(1, (hsize_t{1} << 18) / g.nx)), cx};
        props.setChunk(rank, axisymmetric ? c2 : c3);
        props.setShuffle();
        props.setDeflate(4);
    }
    const bool is_u8 = std::is_same_v<T, std::uint8_t>;
    const H5::DataSet ds = file.createDataSet(name, is_u8 ? H5::PredType::STD_U8LE : H5::PredType::IEEE_F32LE,
                                              space, props);
    ds.write(v.data(), is_u8 ? H5::PredType::NATIVE_UINT8 : H5::PredType::NATIVE_FLOAT);
    write_string_attribute(ds, h5::attr_units, unit);
    if (axisymmetric) {
        write_doubles_attribute(ds, h5::attr_origin, {g.origin_m[0], g.origin_m[2]});
        write_doubles_attribute(ds, h5::attr_spacing, {g.dx_m, g.dx_m});
    } else {
        write_doubles_attribute(ds, h5::attr_origin, {g.origin_m.begin(), g.origin_m.end()});
        write_doubles_attribute(ds, h5::attr_spacing, {g.dx_m, g.dx_m, g.dx_m});
    }
    if (name.ends_with(h5::model_labels)) write_string_attribute(ds, h5::attr_label_names, label_names_text());
}

/// The float datasets of a model grid: name, member, unit (labels and target are the uint8 ones).
struct FloatField {
    const char* name;
    std::vector<float> ModelGrid::*member;
    const char* unit;
};
constexpr FloatField kFloatFields[] = {
    {h5::model_hu, &ModelGrid::hu, h5::unit_hu},           {h5::model_rho, &ModelGrid::rho, h5::unit_density},
    {h5::model_c, &ModelGrid::c, h5::unit_speed},          {h5::model_alpha, &ModelGrid::alpha, h5::unit_alpha},
    {h5::model_alpha_power, &ModelGrid::alpha_power, h5::unit_none}, {h5::model_BonA, &ModelGrid::BonA, h5::unit_none},
};

void write_grid(H5::H5File& file, const char* group, const ModelGrid& g, bool axisymmetric) {
    file.createGroup(group);
    const std::string p = std::string(group) + "/";
    for (const auto& f : kFloatFields) write_array(file, p + f.name, g, g.*f.member, f.unit, axisymmetric);
    write_array(file, p + h5::model_labels, g, g.labels, h5::unit_none, axisymmetric);
    write_array(file, p + h5::model_target_mask, g, g.target, h5::unit_none, axisymmetric);
}

std::vector<double> vec(const std::array<double, 3>& a) { return {a.begin(), a.end()}; }

template <class T>
void read_array(const H5::H5File& file, const std::string& name, ModelGrid& g, std::vector<T>& v, const char* unit,
                bool axisymmetric) {
    if (!link_exists(file, name)) throw std::runtime_error("dataset " + name + " is missing");
    const H5::DataSet ds = file.openDataSet(name);
    check_units(ds, unit);
    const H5::DataSpace space = ds.getSpace();
    const int rank = axisymmetric ? 2 : 3;
    if (space.getSimpleExtentNdims() != rank)
        throw std::runtime_error("dataset " + name + " has rank " + std::to_string(space.getSimpleExtentNdims()) +
                                 ", expected " + std::to_string(rank));
    hsize_t dims[3] = {0, 0, 0};
    space.getSimpleExtentDims(dims);
    const std::size_t nz = dims[0], ny = axisymmetric ? 1 : dims[1], nx = axisymmetric ? dims[1] : dims[2];
    const std::vector<double> origin = read_doubles_attribute(ds, h5::attr_origin, std::size_t(rank));
    const std::vector<double> spacing = read_doubles_attribute(ds, h5::attr_spacing, std::size_t(rank));
    if (g.nx == 0) {
        g.nx = nx, g.ny = ny, g.nz = nz;
        g.dx_m = spacing[0];
        g.origin_m = axisymmetric ? std::array<double, 3>{origin[0], 0, origin[1]}
                                  : std::array<double, 3>{origin[0], origin[1], origin[2]};
        if (!(g.dx_m > 0)) throw std::runtime_error("dataset " + name + " has spacing_m " + std::to_string(g.dx_m));
    } else if (nx != g.nx || ny != g.ny || nz != g.nz) {
        throw std::runtime_error("dataset " + name + " has another shape than " + h5::model_hu);
    }
    v.resize(g.size());
    constexpr bool is_u8 = std::is_same_v<T, std::uint8_t>;
    if (is_u8 != (ds.getTypeClass() == H5T_INTEGER))
        throw std::runtime_error("dataset " + name + (is_u8 ? " is not integer" : " is not floating point"));
    ds.read(v.data(), is_u8 ? H5::PredType::NATIVE_UINT8 : H5::PredType::NATIVE_FLOAT);
}

void read_grid(const H5::H5File& file, const char* group, ModelGrid& g, bool axisymmetric) {
    const std::string p = std::string(group) + "/";
    for (const auto& f : kFloatFields) read_array(file, p + f.name, g, g.*f.member, f.unit, axisymmetric);
    read_array(file, p + h5::model_labels, g, g.labels, h5::unit_none, axisymmetric);
    read_array(file, p + h5::model_target_mask, g, g.target, h5::unit_none, axisymmetric);
    for (std::uint8_t l : g.labels)
        if (l >= models::kLabelCount)
            throw std::runtime_error("dataset " + p + h5::model_labels + " holds label " + std::to_string(l) +
                                     "; accepted: 0 to " + std::to_string(models::kLabelCount - 1));
}

std::array<double, 3> arr3(const H5::H5Object& o, const char* name) {
    const auto v = read_doubles_attribute(o, name, 3);
    return {v[0], v[1], v[2]};
}

std::string string_attr(const H5::H5Object& o, const char* name) {
    if (!o.attrExists(name)) throw std::runtime_error(std::string("root attribute '") + name + "' is missing");
    return read_string_attribute(o, name);
}

}  // namespace

void write_model_h5(const std::filesystem::path& path, const ModelFile& m) {
    H5::Exception::dontPrint();
    if (m.axisymmetric.ny != 1 || m.axisymmetric.origin_m[0] != 0)
        throw std::logic_error("the axisymmetric model grid needs ny = 1 and r0 = 0");
    auto build = [&](const std::filesystem::path& partial, std::string& stage) {
        const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw std::runtime_error("directory " + quoted(dir) + " does not exist");
        stage = "creating " + quoted(partial);
        H5::H5File file(partial.string(), H5F_ACC_TRUNC);
        const H5::Group root = file.openGroup("/");
        stage = "writing the root attributes";
        write_provenance(root, h5::file_type_model, h5::model_file_format_version, m.version, m.git_commit,
                         m.created_utc);
        write_string_attribute(root, h5::model_mapping, m.mapping);
        write_string_attribute(root, h5::model_mapping_table, m.mapping_table);
        write_string_attribute(root, h5::model_input_format, m.input_format);
        write_string_attribute(root, h5::model_input_sha1, m.input_sha1);
        write_string_attribute(root, h5::model_pseudonym, m.pseudonym);
        write_string_attribute(root, h5::model_summary, m.summary_json);
        write_doubles_attribute(root, h5::model_patient_origin, vec(m.frame_origin_patient_mm));
        std::vector<double> axes;
        for (const auto& a : m.frame_axes) axes.insert(axes.end(), a.begin(), a.end());
        write_doubles_attribute(root, h5::model_frame_axes, axes);
        write_doubles_attribute(root, h5::model_target_frame, vec(m.target_m));
        write_doubles_attribute(root, h5::model_target_patient, vec(m.target_patient_mm));
        write_doubles_attribute(root, h5::model_source_frame, vec(m.source_m));
        write_doubles_attribute(root, h5::model_source_patient, vec(m.source_patient_mm));
        write_doubles_attribute(root, h5::model_coupling, {m.coupling.begin(), m.coupling.end()});
        stage = "writing " + std::string(h5::model_group);
        write_grid(file, h5::model_group, m.grid, false);
        stage = "writing " + std::string(h5::model_axisymmetric_group);
        write_grid(file, h5::model_axisymmetric_group, m.axisymmetric, true);
        file.close();
    };
    std::filesystem::path partial = path;
    partial += ".partial";
    replace_atomically(path, "writing model file", "creating " + quoted(partial), build);
}

ModelFile read_model_h5(const std::filesystem::path& path) {
    H5::Exception::dontPrint();
    std::error_code ec;
    const std::string what = "model file " + quoted(path);
    if (!std::filesystem::exists(path, ec)) throw InputError(what + " does not exist");
    if (!std::filesystem::is_regular_file(path, ec)) throw InputError(what + " is not a regular file");
    try {
        if (!H5::H5File::isHdf5(path.string())) throw InputError(what + " is not an HDF5 file");
        const H5::H5File file(path.string(), H5F_ACC_RDONLY);
        const H5::Group root = file.openGroup("/");
        const std::string type = root.attrExists(h5::root_file_type) ? read_string_attribute(root, h5::root_file_type)
                                                                     : std::string("(none)");
        if (type != h5::file_type_model)
            throw InputError(what + " is not a lithosim model file (file_type '" + type + "', expected '" +
                             h5::file_type_model + "'; write one with lithosim model)");
        const std::string version = string_attr(root, h5::root_file_format_version);
        if (version != h5::model_file_format_version)
            throw InputError(what + " has file_format_version '" + version + "'; this build reads '" +
                             h5::model_file_format_version + "'");
        ModelFile m;
        m.version = string_attr(root, h5::root_version);
        m.git_commit = string_attr(root, h5::root_git_commit);
        m.created_utc = string_attr(root, h5::root_created);
        m.mapping = string_attr(root, h5::model_mapping);
        m.mapping_table = string_attr(root, h5::model_mapping_table);
        m.input_format = string_attr(root, h5::model_input_format);
        m.input_sha1 = string_attr(root, h5::model_input_sha1);
        m.pseudonym = string_attr(root, h5::model_pseudonym);
        m.summary_json = string_attr(root, h5::model_summary);
        m.frame_origin_patient_mm = arr3(root, h5::model_patient_origin);
        const auto axes = read_doubles_attribute(root, h5::model_frame_axes, 9);
        for (int a = 0; a < 3; ++a) m.frame_axes[a] = {axes[3 * a], axes[3 * a + 1], axes[3 * a + 2]};
        m.target_m = arr3(root, h5::model_target_frame);
        m.target_patient_mm = arr3(root, h5::model_target_patient);
        m.source_m = arr3(root, h5::model_source_frame);
        m.source_patient_mm = arr3(root, h5::model_source_patient);
        const auto coupling = read_doubles_attribute(root, h5::model_coupling, 5);
        std::copy(coupling.begin(), coupling.end(), m.coupling.begin());
        read_grid(file, h5::model_group, m.grid, false);
        read_grid(file, h5::model_axisymmetric_group, m.axisymmetric, true);
        return m;
    } catch (const InputError&) {
        throw;
    } catch (const H5::Exception& e) {
        throw InputError("cannot read " + what + ": " + h5_message(e));
    } catch (const std::exception& e) {
        throw InputError("cannot read " + what + ": " + e.what());
    }
}

}  // namespace lithosim::io
