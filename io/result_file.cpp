// HDF5 result file: see the layout table in result_file.hpp. All names come from h5_names.hpp.
#include "io/result_file.hpp"

#include <H5Cpp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "io/h5_names.hpp"
#include "io/h5_util.hpp"

namespace lithosim::io {
namespace {

using namespace h5util;

namespace fs = std::filesystem;

/// Thrown when an opened file is not a lithosim result file of this version. Its message is already complete, so
/// the reader passes it on unchanged instead of adding "reading ... failed at ...".
struct FileCheckError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------------

/// The focal waveform: one series with its own time axis and position.
void write_focal_series(H5::H5File& file, const SensorRecord& s, std::string& stage) {
    stage = std::string("group '") + h5::focal_series_group + "'";
    if (s.position_m.size() != 1 || s.p_Pa.size() != 1) {
        throw std::runtime_error("the focal series must hold exactly one point; it has " +
                                 std::to_string(s.position_m.size()) + " positions and " +
                                 std::to_string(s.p_Pa.size()) + " series");
    }
    const std::size_t nt = s.t_s.size();
    if (nt == 0 || s.p_Pa[0].size() != nt) {
        throw std::runtime_error("the focal series has " + std::to_string(s.p_Pa[0].size()) + " samples and " +
                                 std::to_string(nt) + " times; expected the same nonzero number");
    }
    file.createGroup(h5::focal_series_group);
    const hsize_t n[1] = {nt};
    stage = std::string("dataset '") + h5::focal_series_t + "'";
    const H5::DataSet t = file.createDataSet(h5::focal_series_t, H5::PredType::IEEE_F64LE, H5::DataSpace(1, n));
    t.write(s.t_s.data(), H5::PredType::NATIVE_DOUBLE);
    write_string_attribute(t, h5::attr_units, h5::unit_time);
    stage = std::string("dataset '") + h5::focal_series_p + "'";
    const H5::DataSet p = file.createDataSet(h5::focal_series_p, H5::PredType::IEEE_F32LE, H5::DataSpace(1, n));
    p.write(s.p_Pa[0].data(), H5::PredType::NATIVE_FLOAT);
    write_string_attribute(p, h5::attr_units, h5::unit_pressure);
    stage = std::string("dataset '") + h5::focal_series_position + "'";
    const hsize_t three[1] = {3};
    const H5::DataSet x =
        file.createDataSet(h5::focal_series_position, H5::PredType::IEEE_F64LE, H5::DataSpace(1, three));
    x.write(s.position_m[0].data(), H5::PredType::NATIVE_DOUBLE);
    write_string_attribute(x, h5::attr_units, h5::unit_length);
}

/// The declaration of a /dosimetry parameter, or nullptr.
const h5::DosimetryParameter* dosimetry_parameter(const std::string& name) {
    for (const auto& d : h5::dosimetry_parameters)
        if (name == d.name) return &d;
    return nullptr;
}

/// Every value names a declared parameter once, with its unit and count, and is finite.
void check_dosimetry(const std::vector<DosimetryValue>& values) {
    std::vector<std::string> seen;
    for (const auto& v : values) {
        const h5::DosimetryParameter* d = dosimetry_parameter(v.name);
        if (!d) throw std::runtime_error("'" + v.name + "' is not a dosimetry parameter (io/h5_names.hpp)");
        if (v.unit != d->unit)
            throw std::runtime_error("'" + v.name + "' has unit '" + v.unit + "', expected '" + d->unit + "'");
        if (v.values.size() != static_cast<std::size_t>(d->count))
            throw std::runtime_error("'" + v.name + "' has " + std::to_string(v.values.size()) + " values, expected " +
                                     std::to_string(d->count));
        for (double x : v.values)
            if (!std::isfinite(x)) throw std::runtime_error("'" + v.name + "' has a value that is not finite");
        if (std::find(seen.begin(), seen.end(), v.name) != seen.end())
            throw std::runtime_error("'" + v.name + "' is given twice");
        seen.push_back(v.name);
    }
}

/// The /dosimetry group (the caller has removed an earlier one).
void write_dosimetry(H5::H5File& file, const std::vector<DosimetryValue>& values, std::string& stage) {
    stage = std::string("group '") + h5::dosimetry_group + "'";
    check_dosimetry(values);
    const H5::Group group = file.createGroup(h5::dosimetry_group);
    for (const auto& v : values) {
        stage = std::string("dataset '") + h5::dosimetry_group + "/" + v.name + "'";
        const hsize_t n[1] = {v.values.size()};
        const H5::DataSpace space = v.values.size() == 1 ? H5::DataSpace(H5S_SCALAR) : H5::DataSpace(1, n);
        const H5::DataSet ds = group.createDataSet(v.name, H5::PredType::IEEE_F64LE, space);
        ds.write(v.values.data(), H5::PredType::NATIVE_DOUBLE);
        write_string_attribute(ds, h5::attr_units, v.unit);
    }
}

/// The three datasets of a set of point series with one time axis: the user's points (/sensors) or a line of
/// nodes (/sensors/lines/axis).
struct SeriesNames {
    const char* t;
    const char* p;
    const char* position;
};
constexpr SeriesNames sensor_points{h5::sensors_t, h5::sensors_p, h5::sensors_position};
constexpr SeriesNames axis_line{h5::sensors_line_axis_t, h5::sensors_line_axis_p, h5::sensors_line_axis_position};

/// Point series as t [nt], p [npoints][nt] and position_m [npoints][3]. `compress`: p chunked and deflated (a line
/// of nodes holds mostly the silence before and after the pulse).
void write_sensors(H5::H5File& file, const SensorRecord& s, const SeriesNames& names, bool compress,
                   std::string& stage) {
    const std::size_t npoints = s.position_m.size();
    const std::size_t nt = s.t_s.size();

    stage = std::string("dataset '") + names.t + "'";
    if (nt == 0) {
        throw std::runtime_error("there are sensor points (" + std::to_string(npoints) + ") but no sample times");
    }
    {
        const hsize_t dims[1] = {nt};
        const H5::DataSet ds = file.createDataSet(names.t, H5::PredType::IEEE_F64LE, H5::DataSpace(1, dims));
        ds.write(s.t_s.data(), H5::PredType::NATIVE_DOUBLE);
        write_string_attribute(ds, h5::attr_units, h5::unit_time);
    }

    stage = std::string("dataset '") + names.p + "'";
    if (s.p_Pa.size() != npoints) {
        throw std::runtime_error(std::to_string(s.p_Pa.size()) + " pressure series for " + std::to_string(npoints) +
                                 " sensor positions");
    }
    std::vector<float> p(npoints * nt);
    for (std::size_t i = 0; i < npoints; ++i) {
        if (s.p_Pa[i].size() != nt) {
            throw std::runtime_error("sensor point " + std::to_string(i) + " has " + std::to_string(s.p_Pa[i].size()) +
                                     " samples, expected " + std::to_string(nt) + " (one per time)");
        }
        std::copy(s.p_Pa[i].begin(), s.p_Pa[i].end(), p.begin() + static_cast<std::ptrdiff_t>(i * nt));
    }
    {
        const hsize_t dims[2] = {npoints, nt};
        H5::DSetCreatPropList props;
        if (compress && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
            constexpr hsize_t budget = hsize_t{1} << 18;  // chunks of about 1 MiB, whole series first
            const hsize_t cols = std::min<hsize_t>(nt, budget);
            const hsize_t chunk[2] = {std::min<hsize_t>(npoints, std::max<hsize_t>(1, budget / cols)), cols};
            props.setChunk(2, chunk);
            props.setShuffle();
            props.setDeflate(4);
        }
        const H5::DataSet ds = file.createDataSet(names.p, H5::PredType::IEEE_F32LE, H5::DataSpace(2, dims), props);
        ds.write(p.data(), H5::PredType::NATIVE_FLOAT);
        write_string_attribute(ds, h5::attr_units, h5::unit_pressure);
    }

    stage = std::string("dataset '") + names.position + "'";
    {
        // std::array<double,3> is three contiguous doubles, so the vector is the [npoints][3] buffer.
        static_assert(sizeof(std::array<double, 3>) == 3 * sizeof(double));
        const hsize_t dims[2] = {npoints, 3};
        const H5::DataSet ds =
            file.createDataSet(names.position, H5::PredType::IEEE_F64LE, H5::DataSpace(2, dims));
        ds.write(s.position_m.data(), H5::PredType::NATIVE_DOUBLE);
        write_string_attribute(ds, h5::attr_units, h5::unit_length);
    }
}

/// The four maps of a sensor plane with their dataset names (relative to the plane's group) and units.
template <class Plane>
auto plane_maps(Plane& p) {
    using M = decltype((p.p_max));
    struct Entry {
        const char* name;
        M map;
        const char* unit;
    };
    return std::array<Entry, 4>{Entry{h5::plane_p_max, p.p_max, h5::unit_pressure},
                                Entry{h5::plane_p_min, p.p_min, h5::unit_pressure},
                                Entry{h5::plane_efd, p.efd, h5::unit_energy_density},
                                Entry{h5::plane_efd_plus, p.efd_plus, h5::unit_energy_density}};
}

/// /sensors/planes with one group plane_<k> per plane, in order: the z_m attribute and the four plane maps, each
/// stored like a /maps dataset with nz = 1.
void write_planes(H5::H5File& file, const std::vector<PlaneRecord>& planes, bool axisymmetric, std::string& stage) {
    stage = std::string("group '") + h5::sensors_planes_group + "'";
    file.createGroup(h5::sensors_planes_group);
    for (std::size_t k = 0; k < planes.size(); ++k) {
        const PlaneRecord& plane = planes[k];
        const std::string group = h5::sensors_plane_prefix + std::to_string(k);
        stage = "group '" + group + "'";
        if (!std::isfinite(plane.z_m)) throw std::runtime_error("the plane's z_m is not finite");
        const H5::Group g = file.createGroup(group);
        write_double_attribute(g, h5::attr_plane_z, plane.z_m);
        for (const auto& m : plane_maps(plane)) {
            const std::string name = group + "/" + m.name;
            stage = "dataset '" + name + "'";
            if (m.map.nz != 1)
                throw std::runtime_error("a plane map holds one z plane; this one has nz = " + std::to_string(m.map.nz));
            if (std::abs(m.map.origin_m[2] - plane.z_m) > 1e-12) {
                throw std::runtime_error("the map's origin z = " + std::to_string(m.map.origin_m[2]) +
                                         " m is not the plane's z_m = " + std::to_string(plane.z_m) + " m");
            }
            write_map(file, name.c_str(), m.map, m.unit, axisymmetric);
        }
    }
}

/// /snapshots with one dataset snapshot_<k> per snapshot, in order: the pressure map and its times.
void write_snapshots(H5::H5File& file, const std::vector<Snapshot>& snapshots, bool axisymmetric, std::string& stage) {
    stage = std::string("group '") + h5::snapshots_group + "'";
    file.createGroup(h5::snapshots_group);
    for (std::size_t k = 0; k < snapshots.size(); ++k) {
        const Snapshot& sn = snapshots[k];
        const std::string name = h5::snapshot_prefix + std::to_string(k);
        stage = "dataset '" + name + "'";
        if (!std::isfinite(sn.t_s) || !std::isfinite(sn.t_requested_s))
            throw std::runtime_error("the snapshot's times are not finite");
        write_map(file, name.c_str(), sn.p, h5::unit_pressure, axisymmetric);
        const H5::DataSet ds = file.openDataSet(name);
        write_double_attribute(ds, h5::attr_snapshot_t, sn.t_s);
        write_double_attribute(ds, h5::attr_snapshot_t_requested, sn.t_requested_s);
        write_int_attribute(ds, h5::attr_snapshot_step, int(sn.step));
    }
}

/// Snapshots written by write_snapshots (none if the file has no /snapshots).
std::vector<Snapshot> read_snapshots(const H5::H5File& file, bool axisymmetric, std::string& stage) {
    std::vector<Snapshot> out;
    if (!link_exists(file, h5::snapshots_group)) return out;
    stage = std::string("group '") + h5::snapshots_group + "'";
    const hsize_t members = file.openGroup(h5::snapshots_group).getNumObjs();
    for (std::size_t k = 0; k < members; ++k) {
        const std::string name = h5::snapshot_prefix + std::to_string(k);
        stage = "dataset '" + name + "'";
        if (!file.nameExists(name))
            throw std::runtime_error("is missing (snapshots are numbered 0, 1, ... without gaps)");
        Snapshot sn;
        std::optional<Map3> map = read_map(file, name.c_str(), h5::unit_pressure, axisymmetric);
        if (!map) throw std::runtime_error("is missing");
        sn.p = std::move(*map);
        const H5::DataSet ds = file.openDataSet(name);
        const std::optional<double> t = read_optional_double(ds, h5::attr_snapshot_t);
        const std::optional<double> tr = read_optional_double(ds, h5::attr_snapshot_t_requested);
        if (!t || !tr) throw std::runtime_error("has no time attributes t_s / t_requested_s");
        sn.t_s = *t;
        sn.t_requested_s = *tr;
        if (ds.attrExists(h5::attr_snapshot_step)) {
            int step = 0;
            ds.openAttribute(h5::attr_snapshot_step).read(H5::PredType::NATIVE_INT, &step);
            sn.step = step;
        }
        out.push_back(std::move(sn));
    }
    return out;
}

/// Writes the whole file at `file_path`; `stage` always says what is being written, for the error message.
void write_contents(const fs::path& file_path, const SimulationResult& r, const ResultMetadata& meta,
                    std::string& stage) {
    stage = "creating " + quoted(file_path);
    H5::H5File file(file_path.string(), H5F_ACC_TRUNC);

    const struct {
        const char* name;
        const std::optional<Map3>& map;
        const char* unit;
    } maps[] = {{h5::maps_p_max, r.p_max, h5::unit_pressure},
                {h5::maps_p_min, r.p_min, h5::unit_pressure},
                {h5::maps_efd, r.efd, h5::unit_energy_density},
                {h5::medium_c, r.c, h5::unit_speed},
                {h5::medium_rho, r.rho, h5::unit_density}};

    const auto ensure_group = [&](const char* group) {
        stage = std::string("group '") + group + "'";
        if (!file.nameExists(group)) file.createGroup(group);
    };
    for (const auto& m : maps) {
        if (!m.map) continue;
        const std::string name = m.name;
        ensure_group(name.starts_with(h5::medium_group) ? h5::medium_group : h5::maps_group);
        stage = "dataset '" + name + "'";
        write_map(file, m.name, *m.map, m.unit, meta.axisymmetric);
    }

    if (!r.sensors.position_m.empty()) {
        ensure_group(h5::sensors_group);
        write_sensors(file, r.sensors, sensor_points, false, stage);
    }
    // The whole beam-axis history (the focal series below keeps only the node at the focus).
    if (r.axis && !r.axis->position_m.empty()) {
        for (const char* g : {h5::sensors_group, h5::sensors_lines_group, h5::sensors_line_axis_group})
            ensure_group(g);
        write_sensors(file, *r.axis, axis_line, true, stage);
    }
    if (!r.planes.empty()) {
        ensure_group(h5::sensors_group);
        write_planes(file, r.planes, meta.axisymmetric, stage);
    }
    if (!r.snapshots.empty()) write_snapshots(file, r.snapshots, meta.axisymmetric, stage);
    if (meta.focal_series) write_focal_series(file, *meta.focal_series, stage);
    if (meta.dosimetry) write_dosimetry(file, *meta.dosimetry, stage);

    const std::string created = meta.created_utc.empty() ? utc_now_iso8601() : meta.created_utc;
    const std::pair<const char*, std::string> strings[] = {
        {h5::root_file_type, h5::file_type_result},
        {h5::root_file_format_version, h5::file_format_version},
        {h5::root_schema_version, h5::file_format_version},
        {h5::root_version, meta.version},
        {h5::root_git_commit, meta.git_commit},
        {h5::root_case, meta.case_text},
        {h5::root_created, created},
        {h5::root_geometry, meta.axisymmetric ? h5::geometry_axisymmetric : h5::geometry_cartesian}};
    const H5::Group root = file.openGroup("/");
    for (const auto& [name, value] : strings) {
        stage = std::string("root attribute '") + name + "'";
        write_string_attribute(root, name, value);
    }
    stage = std::string("root attribute '") + h5::root_threads + "'";
    write_int_attribute(root, h5::root_threads, meta.threads);
    const std::pair<const char*, const std::optional<double>&> numbers[] = {
        {h5::root_rho_focus, meta.rho_focus_kg_per_m3},
        {h5::root_c_focus, meta.c_focus_m_per_s},
        {h5::root_geometric_focus_z, meta.geometric_focus_z_m}};
    for (const auto& [name, value] : numbers) {
        if (!value) continue;
        stage = std::string("root attribute '") + name + "'";
        write_double_attribute(root, name, *value);
    }

    stage = "closing " + quoted(file_path);
    file.close();
}

// ---------------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------------

/// Point series written by write_sensors under `names`; empty if the file has none.
SensorRecord read_sensors(const H5::H5File& file, const SeriesNames& names, std::string& stage) {
    SensorRecord s;
    if (!link_exists(file, names.p)) return s;

    stage = std::string("dataset '") + names.t + "'";
    const H5::DataSet t = file.openDataSet(names.t);
    const std::size_t nt = float_dataset_shape(t, 1)[0];
    check_units(t, h5::unit_time);
    s.t_s.resize(nt);
    t.read(s.t_s.data(), H5::PredType::NATIVE_DOUBLE);

    stage = std::string("dataset '") + names.p + "'";
    const H5::DataSet p = file.openDataSet(names.p);
    const std::vector<hsize_t> pdims = float_dataset_shape(p, 2);
    check_units(p, h5::unit_pressure);
    if (pdims[1] != nt) {
        throw std::runtime_error("has " + std::to_string(pdims[1]) + " samples per point but there are " +
                                 std::to_string(nt) + " times");
    }
    const std::size_t npoints = pdims[0];
    std::vector<float> buffer(npoints * nt);
    p.read(buffer.data(), H5::PredType::NATIVE_FLOAT);
    s.p_Pa.resize(npoints);
    for (std::size_t i = 0; i < npoints; ++i) {
        const auto first = buffer.begin() + static_cast<std::ptrdiff_t>(i * nt);
        s.p_Pa[i].assign(first, first + static_cast<std::ptrdiff_t>(nt));
    }

    stage = std::string("dataset '") + names.position + "'";
    const H5::DataSet pos = file.openDataSet(names.position);
    const std::vector<hsize_t> posdims = float_dataset_shape(pos, 2);
    check_units(pos, h5::unit_length);
    if (posdims[0] != npoints || posdims[1] != 3) {
        throw std::runtime_error("shape is [" + std::to_string(posdims[0]) + "][" + std::to_string(posdims[1]) +
                                 "], expected [" + std::to_string(npoints) + "][3]");
    }
    s.position_m.resize(npoints);
    pos.read(s.position_m.data(), H5::PredType::NATIVE_DOUBLE);
    return s;
}

/// The sensor planes, if the file has any: plane_0, plane_1, ... in order, each with z_m and all four maps.
std::vector<PlaneRecord> read_planes(const H5::H5File& file, bool axisymmetric, std::string& stage) {
    std::vector<PlaneRecord> planes;
    if (!link_exists(file, h5::sensors_planes_group)) return planes;
    stage = std::string("group '") + h5::sensors_planes_group + "'";
    const hsize_t members = file.openGroup(h5::sensors_planes_group).getNumObjs();
    for (std::size_t k = 0; k < members; ++k) {
        const std::string group = h5::sensors_plane_prefix + std::to_string(k);
        if (!file.nameExists(group)) {
            throw std::runtime_error("holds " + std::to_string(members) + " members, but '" + group +
                                     "' is missing (planes are numbered 0, 1, ... without gaps)");
        }
        stage = "group '" + group + "'";
        PlaneRecord plane;
        const std::optional<double> z = read_optional_double(file.openGroup(group), h5::attr_plane_z);
        if (!z) throw std::runtime_error(std::string("attribute '") + h5::attr_plane_z + "' is missing");
        plane.z_m = *z;
        for (const auto& m : plane_maps(plane)) {
            const std::string name = group + "/" + m.name;
            stage = "dataset '" + name + "'";
            std::optional<Map3> map = read_map(file, name.c_str(), m.unit, axisymmetric);
            if (!map) throw std::runtime_error("is missing");
            if (map->nz != 1) throw std::runtime_error("holds " + std::to_string(map->nz) + " z planes, expected 1");
            m.map = std::move(*map);
        }
        planes.push_back(std::move(plane));
    }
    return planes;
}

/// The focal series, if the file has one.
std::optional<SensorRecord> read_focal_series(const H5::H5File& file, std::string& stage) {
    if (!link_exists(file, h5::focal_series_p)) return std::nullopt;
    SensorRecord s;
    stage = std::string("dataset '") + h5::focal_series_t + "'";
    const H5::DataSet t = file.openDataSet(h5::focal_series_t);
    const std::size_t nt = float_dataset_shape(t, 1)[0];
    check_units(t, h5::unit_time);
    s.t_s.resize(nt);
    t.read(s.t_s.data(), H5::PredType::NATIVE_DOUBLE);
    stage = std::string("dataset '") + h5::focal_series_p + "'";
    const H5::DataSet p = file.openDataSet(h5::focal_series_p);
    if (float_dataset_shape(p, 1)[0] != nt) throw std::runtime_error("has another length than the time axis");
    check_units(p, h5::unit_pressure);
    s.p_Pa.emplace_back(nt);
    p.read(s.p_Pa[0].data(), H5::PredType::NATIVE_FLOAT);
    stage = std::string("dataset '") + h5::focal_series_position + "'";
    const H5::DataSet x = file.openDataSet(h5::focal_series_position);
    if (float_dataset_shape(x, 1)[0] != 3) throw std::runtime_error("is not 3 numbers (x, y, z)");
    check_units(x, h5::unit_length);
    s.position_m.emplace_back();
    x.read(s.position_m[0].data(), H5::PredType::NATIVE_DOUBLE);
    return s;
}

/// The /dosimetry group, if the file has one: the declared parameters present in it, in declaration order.
std::optional<std::vector<DosimetryValue>> read_dosimetry(const H5::H5File& file, std::string& stage) {
    if (!file.nameExists(h5::dosimetry_group)) return std::nullopt;
    std::vector<DosimetryValue> out;
    const H5::Group group = file.openGroup(h5::dosimetry_group);
    for (const auto& d : h5::dosimetry_parameters) {
        if (!group.nameExists(d.name)) continue;
        stage = std::string("dataset '") + h5::dosimetry_group + "/" + d.name + "'";
        const H5::DataSet ds = group.openDataSet(d.name);
        if (ds.getTypeClass() != H5T_FLOAT) throw std::runtime_error("data are not floating point");
        if (ds.getSpace().getSimpleExtentNpoints() != d.count)
            throw std::runtime_error("holds " + std::to_string(ds.getSpace().getSimpleExtentNpoints()) +
                                     " values, expected " + std::to_string(d.count));
        check_units(ds, d.unit);
        DosimetryValue v{d.name, d.unit, std::vector<double>(static_cast<std::size_t>(d.count))};
        ds.read(v.values.data(), H5::PredType::NATIVE_DOUBLE);
        out.push_back(std::move(v));
    }
    return out;
}

/// True for an axisymmetric file; checks the value of the `geometry` root attribute (absent: cartesian).
bool read_axisymmetric(const H5::H5File& file) {
    const H5::Group root = file.openGroup("/");
    if (!root.attrExists(h5::root_geometry)) return false;
    const std::string g = read_string_attribute(root, h5::root_geometry);
    if (g == h5::geometry_axisymmetric) return true;
    if (g == h5::geometry_cartesian) return false;
    throw std::runtime_error(std::string("root attribute '") + h5::root_geometry + "' is '" + g + "', expected '" +
                             h5::geometry_cartesian + "' or '" + h5::geometry_axisymmetric + "'");
}

/// Opens a result file read-only after checking that it is one, of the version this build reads.
H5::H5File open_checked(const fs::path& path, unsigned flags = H5F_ACC_RDONLY) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw FileCheckError("cannot open result file " + quoted(path) + ": No such file or directory");
    }
    if (!fs::is_regular_file(path, ec)) {
        throw FileCheckError("cannot open result file " + quoted(path) + ": not a regular file");
    }
    try {
        if (!H5::H5File::isHdf5(path.string())) {
            throw FileCheckError("result file " + quoted(path) + " is not an HDF5 file");
        }
        H5::H5File file(path.string(), flags);
        const H5::Group root = file.openGroup("/");
        if (!root.attrExists(h5::root_file_type)) {
            throw FileCheckError(quoted(path) + " is not a lithosim result file (it has no root attribute '" +
                                 h5::root_file_type + "')");
        }
        const std::string type = read_string_attribute(root, h5::root_file_type);
        if (type != h5::file_type_result) {
            throw FileCheckError(quoted(path) + " is not a lithosim result file (file_type is '" + type +
                                 "', expected '" + h5::file_type_result + "')");
        }
        const std::string version = root.attrExists(h5::root_file_format_version)
                                        ? read_string_attribute(root, h5::root_file_format_version)
                                        : std::string("(missing)");
        if (version != h5::file_format_version) {
            throw FileCheckError("result file " + quoted(path) + " has file_format_version '" + version +
                                 "'; this build of lithosim reads version '" + h5::file_format_version + "'");
        }
        return file;
    } catch (const H5::Exception& e) {
        throw FileCheckError("cannot open result file " + quoted(path) + ": " + h5_message(e));
    } catch (const FileCheckError&) {
        throw;
    } catch (const std::exception& e) {
        throw FileCheckError("cannot open result file " + quoted(path) + ": " + e.what());
    }
}

}  // namespace

std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

void write_result_h5(const fs::path& path, const SimulationResult& result, const ResultMetadata& meta) {
    H5::Exception::dontPrint();  // errors are reported through our exception, not printed by the library
    auto build = [&](const fs::path& partial, std::string& stage) {
        const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) throw std::runtime_error("directory " + quoted(dir) + " does not exist");
        write_contents(partial, result, meta, stage);
    };
    fs::path partial = path;
    partial += ".partial";
    replace_atomically(path, "writing result file", "creating " + quoted(partial), build);
}

SimulationResult read_result_h5(const fs::path& path) {
    H5::Exception::dontPrint();
    const H5::H5File file = open_checked(path);
    std::string stage = std::string("root attribute '") + h5::root_geometry + "'";
    try {
        const bool axisymmetric = read_axisymmetric(file);
        SimulationResult r;
        const struct {
            const char* name;
            std::optional<Map3>& map;
            const char* unit;
        } maps[] = {{h5::maps_p_max, r.p_max, h5::unit_pressure},
                    {h5::maps_p_min, r.p_min, h5::unit_pressure},
                    {h5::maps_efd, r.efd, h5::unit_energy_density},
                    {h5::medium_c, r.c, h5::unit_speed},
                    {h5::medium_rho, r.rho, h5::unit_density}};
        for (const auto& m : maps) {
            stage = std::string("dataset '") + m.name + "'";
            m.map = read_map(file, m.name, m.unit, axisymmetric);
        }
        r.sensors = read_sensors(file, sensor_points, stage);
        if (link_exists(file, h5::sensors_line_axis_p)) r.axis = read_sensors(file, axis_line, stage);
        r.planes = read_planes(file, axisymmetric, stage);
        r.snapshots = read_snapshots(file, axisymmetric, stage);

        stage = std::string("root attribute '") + h5::root_threads + "'";
        const H5::Group root = file.openGroup("/");
        if (root.attrExists(h5::root_threads)) {
            int threads = 0;
            root.openAttribute(h5::root_threads).read(H5::PredType::NATIVE_INT, &threads);
            r.stats.threads = threads;
        }
        return r;
    } catch (const H5::Exception& e) {
        throw std::runtime_error("reading result file " + quoted(path) + " failed at " + stage + ": " +
                                 h5_message(e));
    } catch (const std::exception& e) {
        throw std::runtime_error("reading result file " + quoted(path) + " failed at " + stage + ": " + e.what());
    }
}

ResultMetadata read_result_metadata(const fs::path& path) {
    H5::Exception::dontPrint();
    const H5::H5File file = open_checked(path);
    std::string stage = "root attributes";
    try {
        ResultMetadata m;
        const H5::Group root = file.openGroup("/");
        const std::pair<const char*, std::string*> strings[] = {{h5::root_version, &m.version},
                                                                 {h5::root_git_commit, &m.git_commit},
                                                                 {h5::root_case, &m.case_text},
                                                                 {h5::root_created, &m.created_utc}};
        for (const auto& [name, value] : strings) {
            stage = std::string("root attribute '") + name + "'";
            if (root.attrExists(name)) *value = read_string_attribute(root, name);
        }
        stage = std::string("root attribute '") + h5::root_threads + "'";
        if (root.attrExists(h5::root_threads))
            root.openAttribute(h5::root_threads).read(H5::PredType::NATIVE_INT, &m.threads);
        stage = std::string("root attribute '") + h5::root_geometry + "'";
        m.axisymmetric = read_axisymmetric(file);
        const std::pair<const char*, std::optional<double>*> numbers[] = {
            {h5::root_rho_focus, &m.rho_focus_kg_per_m3},
            {h5::root_c_focus, &m.c_focus_m_per_s},
            {h5::root_geometric_focus_z, &m.geometric_focus_z_m}};
        for (const auto& [name, value] : numbers) {
            stage = std::string("root attribute '") + name + "'";
            *value = read_optional_double(root, name);
        }
        m.focal_series = read_focal_series(file, stage);
        m.dosimetry = read_dosimetry(file, stage);
        return m;
    } catch (const H5::Exception& e) {
        throw std::runtime_error("reading result file " + quoted(path) + " failed at " + stage + ": " +
                                 h5_message(e));
    } catch (const std::exception& e) {
        throw std::runtime_error("reading result file " + quoted(path) + " failed at " + stage + ": " + e.what());
    }
}

void rewrite_dosimetry(const fs::path& path, const std::vector<DosimetryValue>& dosimetry) {
    H5::Exception::dontPrint();
    open_checked(path).close();  // a lithosim result of this version, or a FileCheckError naming the problem
    auto build = [&](const fs::path& partial, std::string& stage) {
        check_dosimetry(dosimetry);
        stage = "copying " + quoted(path) + " to " + quoted(partial);
        fs::copy_file(path, partial, fs::copy_options::overwrite_existing);
        stage = "opening " + quoted(partial);
        H5::H5File file = open_checked(partial, H5F_ACC_RDWR);
        if (file.nameExists(h5::dosimetry_group)) {
            stage = std::string("removing the old group '") + h5::dosimetry_group + "'";
            file.unlink(h5::dosimetry_group);
        }
        write_dosimetry(file, dosimetry, stage);
        stage = "closing " + quoted(partial);
        file.close();
    };
    replace_atomically(path, "rewriting the dosimetry of result file", "checking the dosimetry values", build);
}

std::string read_root_attribute(const fs::path& path, const std::string& name) {
    H5::Exception::dontPrint();
    const H5::H5File file = open_checked(path);
    try {
        const H5::Group root = file.openGroup("/");
        if (!root.attrExists(name)) {
            throw std::runtime_error("result file " + quoted(path) + " has no root attribute '" + name + "'");
        }
        const H5::Attribute attr = root.openAttribute(name);
        switch (attr.getTypeClass()) {
            case H5T_STRING: return read_string_attribute(root, name.c_str());
            case H5T_INTEGER: {
                long long value = 0;
                attr.read(H5::PredType::NATIVE_LLONG, &value);
                return std::to_string(value);
            }
            case H5T_FLOAT: {
                double value = 0;
                attr.read(H5::PredType::NATIVE_DOUBLE, &value);
                char text[32];
                std::snprintf(text, sizeof text, "%.17g", value);
                return text;
            }
            default:
                throw std::runtime_error("root attribute '" + name + "' of result file " + quoted(path) +
                                         " is neither text nor a number");
        }
    } catch (const H5::Exception& e) {
        throw std::runtime_error("reading root attribute '" + name + "' of result file " + quoted(path) +
                                 " failed: " + h5_message(e));
    }
}

}  // namespace lithosim::io
