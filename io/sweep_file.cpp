// Sweep table files: see the layout table in sweep_file.hpp. All HDF5 names come from h5_names.hpp.
#include "io/sweep_file.hpp"

#include <H5Cpp.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "io/h5_names.hpp"
#include "io/h5_util.hpp"

namespace lithosim::io {
namespace {

using namespace h5util;

/// A CSV field: quoted when it holds a comma, a quote or a line end (quotes doubled), as RFC 4180 says.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csv_number(double v) {
    if (!std::isfinite(v)) return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.12g", v);
    return buf;
}

std::string cell(const SweepColumn& c, std::size_t row) {
    return c.numeric ? csv_number(c.numbers.at(row)) : csv_field(c.texts.at(row));
}

void check_shape(const SweepTable& t) {
    const std::size_t n = t.rows();
    auto bad = [&](const std::string& what, std::size_t m) {
        if (m != n)
            throw std::runtime_error("sweep table: " + what + " has " + std::to_string(m) + " rows for " +
                                     std::to_string(n) + " cases");
    };
    bad("status", t.status.size());
    bad("error", t.error.size());
    bad("run_time_s", t.run_time_s.size());
    for (const auto* cols : {&t.parameters, &t.metrics})
        for (const auto& c : *cols) bad(c.name, c.numeric ? c.numbers.size() : c.texts.size());
}

void write_strings(H5::Group& g, const std::string& name, const std::vector<std::string>& v) {
    const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    const hsize_t d[1] = {v.size()};
    const H5::DataSet ds = g.createDataSet(name, type, H5::DataSpace(1, d));
    std::vector<const char*> p;
    for (const auto& s : v) p.push_back(s.c_str());
    if (!v.empty()) ds.write(p.data(), type);
}

void write_numbers(H5::Group& g, const std::string& name, const std::vector<double>& v, const char* unit) {
    const hsize_t d[1] = {v.size()};
    const H5::DataSet ds = g.createDataSet(name, H5::PredType::IEEE_F64LE, H5::DataSpace(1, d));
    if (!v.empty()) ds.write(v.data(), H5::PredType::NATIVE_DOUBLE);
    write_string_attribute(ds, h5::attr_units, unit);
}

void write_column(H5::Group& g, const SweepColumn& c) {
    // The unit is in the column's name (p_plus_MPa); the attribute says so rather than repeat it.
    if (c.numeric) write_numbers(g, c.name, c.numbers, h5::unit_in_name);
    else write_strings(g, c.name, c.texts);
}

std::vector<std::string> read_strings(const H5::DataSet& ds) {
    const hssize_t n = ds.getSpace().getSimpleExtentNpoints();
    std::vector<std::string> v(std::size_t(std::max<hssize_t>(n, 0)));
    if (v.empty()) return v;
    const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    std::vector<char*> p(v.size(), nullptr);
    ds.read(p.data(), type);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = p[i] ? p[i] : "";
    H5::DataSet::vlenReclaim(p.data(), type, ds.getSpace());
    return v;
}

std::vector<double> read_numbers(const H5::DataSet& ds) {
    const hssize_t n = ds.getSpace().getSimpleExtentNpoints();
    std::vector<double> v(std::size_t(std::max<hssize_t>(n, 0)));
    if (!v.empty()) ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
    return v;
}

/// The columns of a group, in the order of the CSV header `columns` (HDF5 lists links by name).
std::vector<SweepColumn> read_columns(const H5::Group& g, const std::vector<std::string>& order) {
    std::vector<SweepColumn> cols;
    for (const auto& name : order) {
        if (!g.nameExists(name)) continue;
        const H5::DataSet ds = g.openDataSet(name);
        SweepColumn c;
        c.name = name;
        c.numeric = ds.getDataType().getClass() == H5T_FLOAT;
        if (c.numeric) c.numbers = read_numbers(ds);
        else c.texts = read_strings(ds);
        cols.push_back(std::move(c));
    }
    return cols;
}

}  // namespace

SweepTable read_sweep_h5(const std::filesystem::path& path) {
    try {
        H5::H5File file(path.string(), H5F_ACC_RDONLY);
        const std::string type = read_string_attribute(file.openGroup("/"), h5::root_file_type);
        if (type != h5::file_type_sweep)
            throw std::runtime_error("file_type is '" + type + "', not '" + h5::file_type_sweep + "'");
        const H5::Group g = file.openGroup(h5::sweep_group);
        SweepTable t;
        t.identity = read_string_attribute(g, h5::attr_sweep_identity);
        // The header names every column once; a column name with a comma is quoted there, so split with care.
        std::vector<std::string> names;
        const std::string header = read_string_attribute(g, h5::attr_sweep_columns);
        std::string item;
        bool quoted_field = false;
        for (std::size_t i = 0; i <= header.size(); ++i) {
            const char ch = i < header.size() ? header[i] : ',';
            if (ch == '"') {
                if (quoted_field && i + 1 < header.size() && header[i + 1] == '"') item += header[++i];
                else quoted_field = !quoted_field;
            } else if (ch == ',' && !quoted_field) {
                names.push_back(item);
                item.clear();
            } else {
                item += ch;
            }
        }
        t.case_ids = read_strings(g.openDataSet(h5::sweep_case));
        t.parameters = read_columns(file.openGroup(h5::sweep_parameters_group), names);
        t.metrics = read_columns(file.openGroup(h5::sweep_metrics_group), names);
        t.status = read_strings(g.openDataSet(h5::sweep_status));
        t.error = read_strings(g.openDataSet(h5::sweep_error));
        t.run_time_s = read_numbers(g.openDataSet(h5::sweep_run_time));
        check_shape(t);
        return t;
    } catch (const H5::Exception& e) {
        throw std::runtime_error("reading the sweep table " + quoted(path) + ": " + h5_message(e));
    } catch (const std::exception& e) {
        throw std::runtime_error("reading the sweep table " + quoted(path) + ": " + e.what());
    }
}

std::string sweep_csv_header(const SweepTable& t) {
    std::string h = "case";
    for (const auto* cols : {&t.parameters, &t.metrics})
        for (const auto& c : *cols) {
            h += ',';
            h += csv_field(c.name);
        }
    return h + ",status,error,run_time_s";
}

void write_sweep_csv(const std::filesystem::path& path, const SweepTable& t) {
    check_shape(t);
    std::string text = sweep_csv_header(t) + "\n";
    for (std::size_t i = 0; i < t.rows(); ++i) {
        text += csv_field(t.case_ids[i]);
        for (const auto* cols : {&t.parameters, &t.metrics})
            for (const auto& c : *cols) {
                text += ',';
                text += cell(c, i);
            }
        text += "," + t.status[i] + "," + csv_field(t.error[i]) + "," + csv_number(t.run_time_s[i]) + "\n";
    }
    const std::filesystem::path partial = path.string() + ".partial";
    {
        std::ofstream f(partial, std::ios::binary | std::ios::trunc);
        f << text;
        f.flush();
        if (!f) {
            std::error_code ignored;
            std::filesystem::remove(partial, ignored);
            throw std::runtime_error("cannot write the sweep table " + quoted(partial));
        }
    }
    std::filesystem::rename(partial, path);
}

void write_sweep_h5(const std::filesystem::path& path, const SweepTable& t) {
    check_shape(t);
    auto build = [&](const fs::path& p, std::string& stage) {
        H5::H5File file(p.string(), H5F_ACC_TRUNC);
        write_provenance(file.openGroup("/"), h5::file_type_sweep, h5::sweep_file_format_version);
        stage = "writing the table";
        H5::Group g = file.createGroup(h5::sweep_group);
        write_string_attribute(g, h5::attr_sweep_columns, sweep_csv_header(t));
        write_string_attribute(g, h5::attr_sweep_identity, t.identity);
        write_strings(g, h5::sweep_case, t.case_ids);
        H5::Group params = file.createGroup(h5::sweep_parameters_group);
        for (const auto& c : t.parameters) write_column(params, c);
        H5::Group metrics = file.createGroup(h5::sweep_metrics_group);
        for (const auto& c : t.metrics) write_column(metrics, c);
        write_strings(g, h5::sweep_status, t.status);
        write_strings(g, h5::sweep_error, t.error);
        write_numbers(g, h5::sweep_run_time, t.run_time_s, "s");
    };
    replace_atomically(path, "writing the sweep table", "creating the file", build);
}

}  // namespace lithosim::io
