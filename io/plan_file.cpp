// Plan file: see the layout table in plan_file.hpp. All names come from h5_names.hpp.
#include "io/plan_file.hpp"

#include <H5Cpp.h>

#include <stdexcept>
#include <string>

#include "io/h5_names.hpp"
#include "io/h5_util.hpp"
#include "io/result_file.hpp"  // utc_now_iso8601
#include "lithosim/build_info.hpp"

namespace lithosim::io {
namespace {

using namespace h5util;

void write_u8(H5::H5File& file, const char* name, const Map3& shape, const std::vector<std::uint8_t>& v,
              bool axisymmetric) {
    if (v.size() != shape.size())
        throw std::runtime_error(std::string(name) + " has " + std::to_string(v.size()) + " values for " +
                                 std::to_string(shape.size()) + " map nodes");
    const hsize_t d3[3] = {shape.nz, shape.ny, shape.nx}, d2[2] = {shape.nz, shape.nx};
    const H5::DataSpace space(axisymmetric ? 2 : 3, axisymmetric ? d2 : d3);
    const H5::DataSet ds = file.createDataSet(name, H5::PredType::STD_U8LE, space);
    ds.write(v.data(), H5::PredType::NATIVE_UINT8);
    write_string_attribute(ds, h5::attr_units, h5::unit_none);
}

void write_doubles(H5::Group& g, const char* name, const std::vector<double>& v) {
    const hsize_t d[1] = {v.size()};
    const H5::DataSet ds = g.createDataSet(name, H5::PredType::IEEE_F64LE, H5::DataSpace(1, d));
    ds.write(v.data(), H5::PredType::NATIVE_DOUBLE);
    write_string_attribute(ds, h5::attr_units, std::string(name) == h5::plan_fragment_diameter ? "m" : "1");
}

void write_fragments(H5::H5File& file, const std::string& group, const PlanFragments& f) {
    if (f.diameter_m.size() != f.count.size())
        throw std::runtime_error(group + ": " + std::to_string(f.diameter_m.size()) + " diameters and " +
                                 std::to_string(f.count.size()) + " counts");
    H5::Group g = file.createGroup(group);
    write_doubles(g, h5::plan_fragment_diameter, f.diameter_m);
    write_doubles(g, h5::plan_fragment_count, f.count);
    write_int_attribute(g, h5::attr_day, f.day);
    write_int_attribute(g, h5::attr_shocks, f.shocks);
    write_double_attribute(g, h5::attr_fraction_cleared, f.fraction_cleared);
}

std::vector<double> read_doubles(const H5::Group& g, const char* name) {
    const H5::DataSet ds = g.openDataSet(name);
    const hssize_t n = ds.getSpace().getSimpleExtentNpoints();
    std::vector<double> v(std::size_t(std::max<hssize_t>(n, 0)));
    ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
    return v;
}

int read_int(const H5::H5Object& o, const char* name) {
    const H5::Attribute a = o.openAttribute(name);
    int v = 0;
    a.read(H5::PredType::NATIVE_INT, &v);
    return v;
}

PlanFragments read_fragments(const H5::H5File& file, const std::string& group) {
    const H5::Group g = file.openGroup(group);
    PlanFragments f;
    f.diameter_m = read_doubles(g, h5::plan_fragment_diameter);
    f.count = read_doubles(g, h5::plan_fragment_count);
    f.day = read_int(g, h5::attr_day);
    f.shocks = read_int(g, h5::attr_shocks);
    f.fraction_cleared = read_optional_double(g, h5::attr_fraction_cleared).value_or(0);
    return f;
}

std::vector<std::uint8_t> read_u8(const H5::H5File& file, const char* name, std::size_t n) {
    const H5::DataSet ds = file.openDataSet(name);
    if (std::size_t(ds.getSpace().getSimpleExtentNpoints()) != n)
        throw std::runtime_error(std::string(name) + " does not match the maps' shape");
    std::vector<std::uint8_t> v(n);
    ds.read(v.data(), H5::PredType::NATIVE_UINT8);
    return v;
}

}  // namespace

void write_plan_h5(const std::filesystem::path& path, const PlanFile& p) {
    H5::Exception::dontPrint();
    auto build = [&](const std::filesystem::path& partial, std::string& stage) {
        stage = "creating " + quoted(partial);
        H5::H5File file(partial.string(), H5F_ACC_TRUNC);
        const H5::Group root = file.openGroup("/");
        stage = "writing the root attributes";
        write_provenance(root, h5::file_type_plan, h5::plan_file_format_version);
        write_string_attribute(root, h5::root_geometry,
                               p.axisymmetric ? h5::geometry_axisymmetric : h5::geometry_cartesian);
        write_string_attribute(root, h5::root_plan_json, p.plan_json);
        stage = "writing /dose";
        H5::Group dose = file.createGroup(h5::plan_dose_group);
        write_double_attribute(dose, h5::attr_setting, p.setting);
        if (!p.p_max.values.empty()) {   // an intravascular plan simulates no field: /dose holds the setting only
            write_map(file, h5::plan_dose_p_max, p.p_max, h5::unit_pressure, p.axisymmetric);
            write_map(file, h5::plan_dose_p_min, p.p_min, h5::unit_pressure, p.axisymmetric);
            write_map(file, h5::plan_dose_efd, p.efd, h5::unit_energy_density, p.axisymmetric);
            write_u8(file, h5::plan_dose_labels, p.p_max, p.labels, p.axisymmetric);
            write_u8(file, h5::plan_dose_target, p.p_max, p.target, p.axisymmetric);
        }
        stage = "writing /sessions";
        file.createGroup(h5::plan_sessions_group);
        write_fragments(file, h5::plan_initial_group, p.initial);
        for (std::size_t k = 0; k < p.sessions.size(); ++k)
            write_fragments(file, h5::plan_session_prefix + std::to_string(k + 1), p.sessions[k]);
        file.close();
    };
    std::filesystem::path partial = path;
    partial += ".partial";
    replace_atomically(path, "writing plan file", "creating " + quoted(partial), build);
}

PlanFile read_plan_h5(const std::filesystem::path& path) {
    H5::Exception::dontPrint();
    try {
        const H5::H5File file(path.string(), H5F_ACC_RDONLY);
        const H5::Group root = file.openGroup("/");
        if (!root.attrExists(h5::root_file_type) || read_string_attribute(root, h5::root_file_type) != h5::file_type_plan)
            throw std::runtime_error("not a lithosim plan file");
        PlanFile p;
        p.axisymmetric = read_string_attribute(root, h5::root_geometry) == h5::geometry_axisymmetric;
        p.plan_json = read_string_attribute(root, h5::root_plan_json);
        p.setting = read_optional_double(file.openGroup(h5::plan_dose_group), h5::attr_setting).value_or(0);
        if (link_exists(file, h5::plan_dose_p_max)) {
            p.p_max = read_map(file, h5::plan_dose_p_max, h5::unit_pressure, p.axisymmetric).value();
            p.p_min = read_map(file, h5::plan_dose_p_min, h5::unit_pressure, p.axisymmetric).value();
            p.efd = read_map(file, h5::plan_dose_efd, h5::unit_energy_density, p.axisymmetric).value();
            p.labels = read_u8(file, h5::plan_dose_labels, p.p_max.size());
            p.target = read_u8(file, h5::plan_dose_target, p.p_max.size());
        }
        p.initial = read_fragments(file, h5::plan_initial_group);
        for (int k = 1; link_exists(file, h5::plan_session_prefix + std::to_string(k)); ++k)
            p.sessions.push_back(read_fragments(file, h5::plan_session_prefix + std::to_string(k)));
        return p;
    } catch (const H5::Exception& e) {
        throw std::runtime_error("reading plan file " + quoted(path) + " failed: " + h5_message(e));
    } catch (const std::exception& e) {
        throw std::runtime_error("reading plan file " + quoted(path) + " failed: " + e.what());
    }
}

}  // namespace lithosim::io
