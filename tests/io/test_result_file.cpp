// Result file: round trip, the on-disk layout other tools rely on, atomic writing and the checks on open.
#include <H5Cpp.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "io/h5_names.hpp"
#include "io/result_file.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::Map3;
using lithosim::SimulationResult;
using lithosim::io::ResultMetadata;
using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
namespace h5 = lithosim::io::h5;

namespace {

/// A 4 x 3 x 2 map whose value encodes its indices, so a transposed or shifted layout shows up as wrong values.
Map3 indexed_map(double scale, double offset) {
    Map3 m;
    m.nx = 4;
    m.ny = 3;
    m.nz = 2;
    m.origin_m = {-0.01, 0.002, 0.05};
    m.spacing_m = {0.5e-3, 0.25e-3, 1e-3};
    m.values.resize(m.size());
    for (std::size_t iz = 0; iz < m.nz; ++iz) {
        for (std::size_t iy = 0; iy < m.ny; ++iy) {
            for (std::size_t ix = 0; ix < m.nx; ++ix) {
                const double code = ix + 10.0 * iy + 100.0 * iz;
                m.values[ix + m.nx * (iy + m.ny * iz)] = static_cast<float>(scale * code + offset);
            }
        }
    }
    return m;
}

SimulationResult full_result() {
    SimulationResult r;
    r.p_max = indexed_map(1e5, 0.25);
    r.p_min = indexed_map(-1e4, -1.0);
    r.efd = indexed_map(1e-3, 0.0);
    r.c = indexed_map(1.0, 1500.0);
    r.rho = indexed_map(0.5, 1000.0);
    r.sensors.t_s = {0.0, 1e-7, 2e-7, 3e-7, 4e-7};
    r.sensors.position_m = {{0.001, 0.0, 0.02}, {-0.002, 0.003, 0.04}};
    r.sensors.p_Pa = {{0.f, 1e6f, 2e6f, -3e5f, 0.5f}, {1.f, 2.f, 3.f, 4.f, 5.f}};
    return r;
}

ResultMetadata metadata() {
    ResultMetadata m;
    m.version = "0.1.0";
    m.git_commit = "abc123def456";
    m.case_text = "[grid]\ndx_mm = 0.25\n[source]\np0_MPa = 40  # µ and ° survive as UTF-8\n";
    m.created_utc = "2025-01-31T12:00:00Z";
    m.threads = 8;
    return m;
}

void require_same_map(const std::optional<Map3>& got, const std::optional<Map3>& want) {
    REQUIRE(got.has_value());
    REQUIRE(want.has_value());
    CHECK(got->nx == want->nx);
    CHECK(got->ny == want->ny);
    CHECK(got->nz == want->nz);
    CHECK(got->origin_m == want->origin_m);
    CHECK(got->spacing_m == want->spacing_m);
    CHECK(got->values == want->values);  // float32 on disk and in memory: bit-exact
}

std::string h5_string_attribute(const H5::H5Object& obj, const char* name) {
    const H5::Attribute a = obj.openAttribute(name);
    std::string s;
    a.read(a.getStrType(), s);
    return s;
}

std::vector<hsize_t> dims_of(const H5::DataSet& ds) {
    const H5::DataSpace space = ds.getSpace();
    std::vector<hsize_t> d(static_cast<std::size_t>(space.getSimpleExtentNdims()));
    space.getSimpleExtentDims(d.data());
    return d;
}

std::string error_of(const auto& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    FAIL("expected std::runtime_error");
    return {};
}

}  // namespace

TEST_CASE("result file round trip keeps every value, shape and attribute", "[io]") {
    const ScratchDir dir("result_roundtrip");
    const fs::path file = dir / "result.h5";
    const SimulationResult in = full_result();
    lithosim::io::write_result_h5(file, in, metadata());

    CHECK(fs::exists(file));
    CHECK_FALSE(fs::exists(dir / "result.h5.partial"));

    const SimulationResult out = lithosim::io::read_result_h5(file);
    require_same_map(out.p_max, in.p_max);
    require_same_map(out.p_min, in.p_min);
    require_same_map(out.efd, in.efd);
    require_same_map(out.c, in.c);
    require_same_map(out.rho, in.rho);
    CHECK(out.sensors.t_s == in.sensors.t_s);
    CHECK(out.sensors.position_m == in.sensors.position_m);
    CHECK(out.sensors.p_Pa == in.sensors.p_Pa);
    CHECK(out.stats.threads == 8);

    using lithosim::io::read_root_attribute;
    const ResultMetadata meta = metadata();
    CHECK(read_root_attribute(file, h5::root_version) == meta.version);
    CHECK(read_root_attribute(file, h5::root_git_commit) == meta.git_commit);
    CHECK(read_root_attribute(file, h5::root_case) == meta.case_text);
    CHECK(read_root_attribute(file, h5::root_created) == meta.created_utc);
    CHECK(read_root_attribute(file, h5::root_threads) == "8");
    CHECK(read_root_attribute(file, h5::root_file_type) == "lithosim-result");
    CHECK(read_root_attribute(file, h5::root_file_format_version) == "1");
    CHECK(read_root_attribute(file, h5::root_schema_version) == "1");
}

TEST_CASE("result file layout matches the documented contract", "[io]") {
    const ScratchDir dir("result_layout");
    const fs::path file = dir / "result.h5";
    const SimulationResult in = full_result();
    lithosim::io::write_result_h5(file, in, metadata());

    // Read with the plain HDF5 API, as an outside tool would.
    const H5::H5File f(file.string(), H5F_ACC_RDONLY);

    const struct {
        const char* name;
        const char* unit;
    } maps[] = {{"/maps/p_max", "Pa"}, {"/maps/p_min", "Pa"}, {"/maps/efd", "J/m^2"},
                {"/medium/c", "m/s"},  {"/medium/rho", "kg/m^3"}};
    for (const auto& m : maps) {
        INFO(m.name);
        const H5::DataSet ds = f.openDataSet(m.name);
        CHECK(dims_of(ds) == std::vector<hsize_t>{2, 3, 4});  // [nz][ny][nx]
        CHECK(ds.getFloatType() == H5::PredType::IEEE_F32LE);
        CHECK(h5_string_attribute(ds, "units") == m.unit);
        std::array<double, 3> origin{}, spacing{};
        ds.openAttribute("origin_m").read(H5::PredType::NATIVE_DOUBLE, origin.data());
        ds.openAttribute("spacing_m").read(H5::PredType::NATIVE_DOUBLE, spacing.data());
        CHECK(origin == std::array<double, 3>{-0.01, 0.002, 0.05});
        CHECK(spacing == std::array<double, 3>{0.5e-3, 0.25e-3, 1e-3});
    }

    // Element [iz][iy][ix] = [1][2][3] of p_max is the value at x index 3, y index 2, z index 1.
    std::vector<float> p_max(24);
    f.openDataSet("/maps/p_max").read(p_max.data(), H5::PredType::NATIVE_FLOAT);
    CHECK(p_max[(1 * 3 + 2) * 4 + 3] == static_cast<float>(1e5 * (3 + 10.0 * 2 + 100.0 * 1) + 0.25));

    const H5::DataSet t = f.openDataSet("/sensors/t");
    CHECK(dims_of(t) == std::vector<hsize_t>{5});
    CHECK(t.getFloatType() == H5::PredType::IEEE_F64LE);
    CHECK(h5_string_attribute(t, "units") == "s");

    const H5::DataSet p = f.openDataSet("/sensors/p");
    CHECK(dims_of(p) == std::vector<hsize_t>{2, 5});  // [npoints][nt]
    CHECK(p.getFloatType() == H5::PredType::IEEE_F32LE);
    CHECK(h5_string_attribute(p, "units") == "Pa");
    std::vector<float> samples(10);
    p.read(samples.data(), H5::PredType::NATIVE_FLOAT);
    CHECK(samples[1] == 1e6f);  // point 0, sample 1
    CHECK(samples[5 + 3] == 4.f);  // point 1, sample 3

    const H5::DataSet pos = f.openDataSet("/sensors/position_m");
    CHECK(dims_of(pos) == std::vector<hsize_t>{2, 3});
    CHECK(pos.getFloatType() == H5::PredType::IEEE_F64LE);
    CHECK(h5_string_attribute(pos, "units") == "m");
    std::array<double, 6> xyz{};
    pos.read(xyz.data(), H5::PredType::NATIVE_DOUBLE);
    CHECK(xyz == std::array<double, 6>{0.001, 0.0, 0.02, -0.002, 0.003, 0.04});

    const H5::Group root = f.openGroup("/");
    CHECK(h5_string_attribute(root, "file_type") == "lithosim-result");
    CHECK(h5_string_attribute(root, "file_format_version") == "1");
    const H5::Attribute threads = root.openAttribute("threads");
    CHECK(threads.getTypeClass() == H5T_INTEGER);
    int n = 0;
    threads.read(H5::PredType::NATIVE_INT, &n);
    CHECK(n == 8);
}

TEST_CASE("result file holds only the maps and sensors that are present", "[io]") {
    const ScratchDir dir("result_partial_content");
    const fs::path file = dir / "only_p_max.h5";
    SimulationResult in;
    in.p_max = indexed_map(2.0, 1.0);
    ResultMetadata meta = metadata();
    meta.created_utc.clear();  // the writer then stores the time of writing
    lithosim::io::write_result_h5(file, in, meta);

    const SimulationResult out = lithosim::io::read_result_h5(file);
    require_same_map(out.p_max, in.p_max);
    CHECK_FALSE(out.p_min.has_value());
    CHECK_FALSE(out.efd.has_value());
    CHECK_FALSE(out.c.has_value());
    CHECK_FALSE(out.rho.has_value());
    CHECK(out.sensors.t_s.empty());
    CHECK(out.sensors.p_Pa.empty());

    const H5::H5File f(file.string(), H5F_ACC_RDONLY);
    CHECK(f.nameExists("/maps"));
    CHECK_FALSE(f.nameExists("/sensors"));
    CHECK_FALSE(f.nameExists("/medium"));

    const std::string created = lithosim::io::read_root_attribute(file, h5::root_created);
    CHECK(std::regex_match(created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST_CASE("a write into a missing directory throws and leaves no file", "[io]") {
    const ScratchDir dir("result_missing_dir");
    const fs::path file = dir / "no_such_dir" / "result.h5";
    const std::string msg =
        error_of([&] { lithosim::io::write_result_h5(file, full_result(), metadata()); });
    CHECK_THAT(msg, Catch::Contains(file.string()));
    CHECK_THAT(msg, Catch::Contains("does not exist"));
    CHECK_FALSE(fs::exists(file));
    CHECK_FALSE(fs::exists(dir / "no_such_dir"));
}

TEST_CASE("a write that fails half way names the dataset, removes the partial file, keeps the old file", "[io]") {
    const ScratchDir dir("result_fail_midway");
    const fs::path file = dir / "result.h5";
    {
        std::ofstream old(file);
        old << "previous result";
    }

    SECTION("map with too few values") {
        SimulationResult bad = full_result();
        bad.efd->values.pop_back();
        const std::string msg = error_of([&] { lithosim::io::write_result_h5(file, bad, metadata()); });
        CHECK_THAT(msg, Catch::Contains(file.string()));
        CHECK_THAT(msg, Catch::Contains("/maps/efd"));
        CHECK_THAT(msg, Catch::Contains("23 values"));
    }
    SECTION("sensor series of the wrong length") {
        SimulationResult bad = full_result();
        bad.sensors.p_Pa[1].push_back(6.f);
        const std::string msg = error_of([&] { lithosim::io::write_result_h5(file, bad, metadata()); });
        CHECK_THAT(msg, Catch::Contains(file.string()));
        CHECK_THAT(msg, Catch::Contains("/sensors/p"));
        CHECK_THAT(msg, Catch::Contains("sensor point 1 has 6 samples, expected 5"));
    }
    CHECK_FALSE(fs::exists(dir / "result.h5.partial"));
    std::ifstream old(file);
    std::string text;
    std::getline(old, text);
    CHECK(text == "previous result");
}

TEST_CASE("opening a file that is not a current lithosim result fails clearly", "[io]") {
    const ScratchDir dir("result_checks");
    using lithosim::io::read_result_h5;

    SECTION("missing file") {
        const fs::path file = dir / "missing.h5";
        const std::string msg = error_of([&] { read_result_h5(file); });
        CHECK(msg == "cannot open result file '" + file.string() + "': No such file or directory");
    }
    SECTION("text file") {
        const fs::path file = dir / "notes.h5";
        std::ofstream(file) << "not hdf5\n";
        CHECK(error_of([&] { read_result_h5(file); }) == "result file '" + file.string() + "' is not an HDF5 file");
    }
    SECTION("HDF5 file of another program") {
        const fs::path file = dir / "other.h5";
        H5::H5File(file.string(), H5F_ACC_TRUNC).close();
        const std::string msg = error_of([&] { read_result_h5(file); });
        CHECK_THAT(msg, Catch::Contains(file.string()) && Catch::Contains("is not a lithosim result file"));
    }
    SECTION("wrong file_type or future format version") {
        const fs::path file = dir / "future.h5";
        const bool wrong_type = GENERATE(true, false);
        {
            H5::H5File f(file.string(), H5F_ACC_TRUNC);
            const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
            const H5::Group root = f.openGroup("/");
            root.createAttribute("file_type", type, H5::DataSpace(H5S_SCALAR))
                .write(type, std::string(wrong_type ? "k-wave" : "lithosim-result"));
            root.createAttribute("file_format_version", type, H5::DataSpace(H5S_SCALAR)).write(type, std::string("2"));
        }
        const std::string msg = error_of([&] { read_result_h5(file); });
        CHECK_THAT(msg, Catch::Contains(file.string()));
        if (wrong_type) {
            CHECK_THAT(msg, Catch::Contains("file_type is 'k-wave', expected 'lithosim-result'"));
        } else {
            CHECK_THAT(msg, Catch::Contains("file_format_version '2'; this build of lithosim reads version '1'"));
        }
        CHECK_THROWS_WITH(lithosim::io::read_root_attribute(file, "version"), msg);
    }
}

TEST_CASE("read_root_attribute names a missing attribute", "[io]") {
    const ScratchDir dir("result_attr");
    const fs::path file = dir / "result.h5";
    lithosim::io::write_result_h5(file, full_result(), metadata());
    CHECK(error_of([&] { lithosim::io::read_root_attribute(file, "author"); }) ==
          "result file '" + file.string() + "' has no root attribute 'author'");
}

// ---- axisymmetric maps, the focal series and the dosimetry group ------------------------------------------------

namespace {

/// An (r, z) map of 5 radii x 3 planes whose value encodes its indices, r in the x slot as the solver returns it.
Map3 indexed_rz_map(double scale, double offset) {
    Map3 m;
    m.nx = 5;
    m.ny = 1;
    m.nz = 3;
    m.origin_m = {0.0, 0.0, 0.004};
    m.spacing_m = {0.1e-3, 0.0, 0.2e-3};
    m.values.resize(m.size());
    for (std::size_t iz = 0; iz < m.nz; ++iz)
        for (std::size_t ir = 0; ir < m.nx; ++ir)
            m.values[ir + m.nx * iz] = static_cast<float>(scale * (ir + 10.0 * iz) + offset);
    return m;
}

SimulationResult axisymmetric_result() {
    SimulationResult r;
    r.p_max = indexed_rz_map(1e5, 2.0);
    r.p_min = indexed_rz_map(-1e4, -3.0);
    r.efd = indexed_rz_map(1e-2, 0.5);
    r.c = indexed_rz_map(1.0, 1480.0);
    r.rho = indexed_rz_map(0.25, 990.0);
    return r;
}

std::vector<double> double_attribute(const H5::H5Object& obj, const char* name) {
    const H5::Attribute a = obj.openAttribute(name);
    std::vector<double> v(static_cast<std::size_t>(a.getSpace().getSimpleExtentNpoints()));
    a.read(H5::PredType::NATIVE_DOUBLE, v.data());
    return v;
}

std::vector<lithosim::io::DosimetryValue> some_dosimetry() {
    return {{"p_plus_MPa", "MPa", {48.5}},
            {"focus_mm", "mm", {0.0, 0.0, 128.25}},
            {"focal_zone_6dB_mm", "mm", {11.0, 11.0, 60.5}},
            {"E5mm_mJ", "mJ", {12.75}},
            {"focal_plane_z_mm", "mm", {128.0}}};
}

}  // namespace

TEST_CASE("axisymmetric maps are stored [nz][nr] with (r, z) attributes and read back with r in the x slot", "[io]") {
    const ScratchDir dir("result_axisymmetric");
    const fs::path file = dir / "result.h5";
    const SimulationResult in = axisymmetric_result();
    ResultMetadata meta = metadata();
    meta.axisymmetric = true;
    lithosim::io::write_result_h5(file, in, meta);

    {
        const H5::H5File f(file.string(), H5F_ACC_RDONLY);
        CHECK(h5_string_attribute(f.openGroup("/"), "geometry") == "axisymmetric");
        for (const char* name : {"/maps/p_max", "/maps/p_min", "/maps/efd", "/medium/c", "/medium/rho"}) {
            INFO(name);
            const H5::DataSet ds = f.openDataSet(name);
            CHECK(dims_of(ds) == std::vector<hsize_t>{3, 5});  // [nz][nr]
            CHECK(double_attribute(ds, "origin_m") == std::vector<double>{0.0, 0.004});
            CHECK(double_attribute(ds, "spacing_m") == std::vector<double>{0.1e-3, 0.2e-3});
        }
        // Element [iz][ir] = [2][3] is radius index 3 of plane 2.
        std::vector<float> p_max(15);
        f.openDataSet("/maps/p_max").read(p_max.data(), H5::PredType::NATIVE_FLOAT);
        CHECK(p_max[2 * 5 + 3] == static_cast<float>(1e5 * (3 + 10.0 * 2) + 2.0));
    }

    const SimulationResult out = lithosim::io::read_result_h5(file);
    require_same_map(out.p_max, in.p_max);  // ny = 1, origin (0, 0, z0), spacing (dr, 0, dz)
    require_same_map(out.p_min, in.p_min);
    require_same_map(out.efd, in.efd);
    require_same_map(out.c, in.c);
    require_same_map(out.rho, in.rho);
    CHECK(lithosim::io::read_result_metadata(file).axisymmetric);
    CHECK(lithosim::io::read_root_attribute(file, h5::root_geometry) == "axisymmetric");

    // Cartesian files say so, and keep their 3-value layout.
    const fs::path cartesian = dir / "cartesian.h5";
    lithosim::io::write_result_h5(cartesian, full_result(), metadata());
    CHECK(lithosim::io::read_root_attribute(cartesian, h5::root_geometry) == "cartesian");
    CHECK_FALSE(lithosim::io::read_result_metadata(cartesian).axisymmetric);
}

TEST_CASE("an axisymmetric write refuses a map with a y axis, a file without geometry reads as cartesian", "[io]") {
    const ScratchDir dir("result_axisymmetric_checks");
    ResultMetadata meta = metadata();
    meta.axisymmetric = true;
    const std::string msg = error_of([&] { lithosim::io::write_result_h5(dir / "bad.h5", full_result(), meta); });
    CHECK_THAT(msg, Catch::Contains("/maps/p_max") && Catch::Contains("ny = 3"));
    CHECK_FALSE(fs::exists(dir / "bad.h5"));

    // Files written before the geometry attribute existed.
    const fs::path old = dir / "old.h5";
    lithosim::io::write_result_h5(old, full_result(), metadata());
    {
        H5::H5File f(old.string(), H5F_ACC_RDWR);
        f.openGroup("/").removeAttr("geometry");
    }
    CHECK_FALSE(lithosim::io::read_result_metadata(old).axisymmetric);
    const SimulationResult r = lithosim::io::read_result_h5(old);
    REQUIRE(r.p_max);
    CHECK(r.p_max->ny == 3);
}

TEST_CASE("the focal series, the medium at the focus and /dosimetry round trip", "[io]") {
    const ScratchDir dir("result_dosimetry");
    const fs::path file = dir / "result.h5";
    ResultMetadata meta = metadata();
    meta.axisymmetric = true;
    meta.rho_focus_kg_per_m3 = 998.2;
    meta.c_focus_m_per_s = 1482.5;
    meta.geometric_focus_z_m = 0.128;
    lithosim::SensorRecord focal;
    focal.t_s = {0.0, 5e-8, 1e-7};
    focal.position_m = {{0.0, 0.0, 0.0045}};
    focal.p_Pa = {{0.0f, 4.5e7f, -9e6f}};
    meta.focal_series = focal;
    meta.dosimetry = some_dosimetry();
    lithosim::io::write_result_h5(file, axisymmetric_result(), meta);

    const ResultMetadata out = lithosim::io::read_result_metadata(file);
    CHECK(out.version == meta.version);
    CHECK(out.case_text == meta.case_text);
    CHECK(out.created_utc == meta.created_utc);
    CHECK(out.threads == 8);
    CHECK(out.rho_focus_kg_per_m3 == 998.2);
    CHECK(out.c_focus_m_per_s == 1482.5);
    CHECK(out.geometric_focus_z_m == 0.128);
    REQUIRE(out.focal_series);
    CHECK(out.focal_series->t_s == focal.t_s);
    CHECK(out.focal_series->position_m == focal.position_m);
    CHECK(out.focal_series->p_Pa == focal.p_Pa);
    REQUIRE(out.dosimetry);
    REQUIRE(out.dosimetry->size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK((*out.dosimetry)[i].name == (*meta.dosimetry)[i].name);
        CHECK((*out.dosimetry)[i].unit == (*meta.dosimetry)[i].unit);
        CHECK((*out.dosimetry)[i].values == (*meta.dosimetry)[i].values);
    }
    CHECK(lithosim::io::read_root_attribute(file, h5::root_c_focus) == "1482.5");

    // As an outside tool sees it: scalars and [3] datasets in the unit of their name.
    const H5::H5File f(file.string(), H5F_ACC_RDONLY);
    const H5::DataSet e5 = f.openDataSet("/dosimetry/E5mm_mJ");
    CHECK(e5.getSpace().getSimpleExtentType() == H5S_SCALAR);
    CHECK(h5_string_attribute(e5, "units") == "mJ");
    double e5_value = 0;
    e5.read(&e5_value, H5::PredType::NATIVE_DOUBLE);
    CHECK(e5_value == 12.75);
    const H5::DataSet zone = f.openDataSet("/dosimetry/focal_zone_6dB_mm");
    CHECK(dims_of(zone) == std::vector<hsize_t>{3});
    CHECK_FALSE(f.nameExists("/dosimetry/E12mm_mJ"));  // not given: not available
    CHECK(dims_of(f.openDataSet("/focal_series/p")) == std::vector<hsize_t>{3});
}

TEST_CASE("rewrite_dosimetry replaces only /dosimetry, atomically, and checks its values", "[io]") {
    const ScratchDir dir("result_rewrite");
    const fs::path file = dir / "result.h5";
    ResultMetadata meta = metadata();
    meta.axisymmetric = true;
    meta.dosimetry = some_dosimetry();
    const SimulationResult in = axisymmetric_result();
    lithosim::io::write_result_h5(file, in, meta);

    lithosim::io::rewrite_dosimetry(file, {{"E12mm_mJ", "mJ", {30.5}}, {"focal_plane_z_mm", "mm", {127.5}}});
    CHECK_FALSE(fs::exists(dir / "result.h5.partial"));
    const ResultMetadata out = lithosim::io::read_result_metadata(file);
    REQUIRE(out.dosimetry);
    REQUIRE(out.dosimetry->size() == 2);  // the old parameters are gone
    CHECK((*out.dosimetry)[0].name == "E12mm_mJ");
    CHECK((*out.dosimetry)[0].values == std::vector<double>{30.5});
    CHECK((*out.dosimetry)[1].values == std::vector<double>{127.5});
    CHECK(out.axisymmetric);
    CHECK(out.case_text == meta.case_text);
    const SimulationResult maps = lithosim::io::read_result_h5(file);
    require_same_map(maps.p_max, in.p_max);
    require_same_map(maps.rho, in.rho);

    // Bad values: an error naming the parameter, the file unchanged, no partial file.
    const std::string wrong_unit =
        error_of([&] { lithosim::io::rewrite_dosimetry(file, {{"E5mm_mJ", "J", {0.1}}}); });
    CHECK_THAT(wrong_unit, Catch::Contains(file.string()) && Catch::Contains("'E5mm_mJ' has unit 'J', expected 'mJ'"));
    const std::string unknown = error_of([&] { lithosim::io::rewrite_dosimetry(file, {{"E7mm_mJ", "mJ", {0.1}}}); });
    CHECK_THAT(unknown, Catch::Contains("'E7mm_mJ' is not a dosimetry parameter"));
    const std::string count =
        error_of([&] { lithosim::io::rewrite_dosimetry(file, {{"focus_mm", "mm", {1.0, 2.0}}}); });
    CHECK_THAT(count, Catch::Contains("'focus_mm' has 2 values, expected 3"));
    CHECK_FALSE(fs::exists(dir / "result.h5.partial"));
    CHECK(lithosim::io::read_result_metadata(file).dosimetry->size() == 2);

    // Not a result file: the check on open, unchanged.
    const fs::path text = dir / "notes.h5";
    std::ofstream(text) << "not hdf5\n";
    CHECK(error_of([&] { lithosim::io::rewrite_dosimetry(text, {}); }) ==
          "result file '" + text.string() + "' is not an HDF5 file");
}

TEST_CASE("every dosimetry parameter name carries its unit", "[io]") {
    // The summary.json keys name their unit; the HDF5 `units` attribute must say the same.
    const std::pair<const char*, const char*> suffix_unit[] = {
        {"_MPa", "MPa"}, {"_mm", "mm"}, {"_ns", "ns"}, {"_mJ_per_mm2", "mJ/mm^2"}, {"_mJ", "mJ"}};
    std::set<std::string> names;
    for (const auto& p : h5::dosimetry_parameters) {
        INFO(p.name);
        const std::string name = p.name;
        CHECK(names.insert(name).second);
        CHECK((p.count == 1 || p.count == 3));
        const char* unit = nullptr;
        for (const auto& [suffix, u] : suffix_unit) {
            const std::string s = suffix;
            if (!unit && name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) unit = u;
        }
        REQUIRE(unit != nullptr);
        CHECK(std::string(p.unit) == unit);
    }
    CHECK(names.size() == 14);
}

// ---- sensor planes and the beam-axis line ---------------------------------------------------------------------------

namespace {

/// A sensor plane at z whose four maps are indexed maps with nz = 1 (x, y: 4 x 3; axisymmetric: r, 5 radii).
lithosim::PlaneRecord indexed_plane(double z_m, double offset, bool axisymmetric) {
    lithosim::PlaneRecord p;
    p.z_m = z_m;
    auto plane_map = [&](double scale) {
        Map3 m = axisymmetric ? indexed_rz_map(scale, offset) : indexed_map(scale, offset);
        m.nz = 1;
        m.values.resize(m.size());
        m.origin_m[2] = z_m;
        return m;
    };
    p.p_max = plane_map(1e5);
    p.p_min = plane_map(-1e4);
    p.efd = plane_map(1e-3);
    p.efd_plus = plane_map(0.5e-3);
    return p;
}

/// p(t) at three nodes of the beam axis.
lithosim::SensorRecord axis_line() {
    lithosim::SensorRecord a;
    a.t_s = {0.0, 2e-8, 4e-8, 6e-8};
    a.position_m = {{0.0, 0.0, 0.0}, {0.0, 0.0, 0.1e-3}, {0.0, 0.0, 0.2e-3}};
    a.p_Pa = {{0.f, 1.f, 2.f, 3.f}, {0.f, -1e5f, 4e6f, 0.25f}, {7.f, 8.f, 9.f, 10.f}};
    return a;
}

void require_same_plane(const lithosim::PlaneRecord& got, const lithosim::PlaneRecord& want) {
    CHECK(got.z_m == want.z_m);
    require_same_map(got.p_max, want.p_max);
    require_same_map(got.p_min, want.p_min);
    require_same_map(got.efd, want.efd);
    require_same_map(got.efd_plus, want.efd_plus);
}

}  // namespace

TEST_CASE("sensor planes and the beam-axis line round trip with the /maps layout", "[io]") {
    const ScratchDir dir("result_planes");
    const fs::path file = dir / "result.h5";
    SimulationResult in = full_result();
    in.planes = {indexed_plane(0.0625, 0.5, false), indexed_plane(0.03, -2.0, false)};
    in.axis = axis_line();
    lithosim::io::write_result_h5(file, in, metadata());

    const SimulationResult out = lithosim::io::read_result_h5(file);
    REQUIRE(out.planes.size() == 2);
    require_same_plane(out.planes[0], in.planes[0]);
    require_same_plane(out.planes[1], in.planes[1]);
    REQUIRE(out.axis);
    CHECK(out.axis->t_s == in.axis->t_s);
    CHECK(out.axis->position_m == in.axis->position_m);
    CHECK(out.axis->p_Pa == in.axis->p_Pa);
    CHECK(out.sensors.p_Pa == in.sensors.p_Pa);  // the user's points are still apart from the axis

    // As an outside tool sees it.
    const H5::H5File f(file.string(), H5F_ACC_RDONLY);
    CHECK(f.nameExists(h5::sensors_planes_group));
    CHECK_FALSE(f.nameExists("/sensors/planes/plane_2"));
    const struct {
        const char* name;
        const char* unit;
    } datasets[] = {{h5::plane_p_max, "Pa"}, {h5::plane_p_min, "Pa"}, {h5::plane_efd, "J/m^2"},
                    {h5::plane_efd_plus, "J/m^2"}};
    for (int k = 0; k < 2; ++k) {
        const std::string group = "/sensors/planes/plane_" + std::to_string(k);
        CHECK(double_attribute(f.openGroup(group), "z_m") == std::vector<double>{in.planes[k].z_m});
        for (const auto& d : datasets) {
            INFO(group << "/" << d.name);
            const H5::DataSet ds = f.openDataSet(group + "/" + d.name);
            CHECK(dims_of(ds) == std::vector<hsize_t>{1, 3, 4});  // [1][ny][nx]
            CHECK(ds.getFloatType() == H5::PredType::IEEE_F32LE);
            CHECK(h5_string_attribute(ds, "units") == d.unit);
            CHECK(double_attribute(ds, "origin_m") == std::vector<double>{-0.01, 0.002, in.planes[k].z_m});
            CHECK(double_attribute(ds, "spacing_m") == std::vector<double>{0.5e-3, 0.25e-3, 1e-3});
        }
    }
    // Element [0][iy][ix] = [0][2][3] of plane_1/efd_plus is the value at x index 3, y index 2.
    std::vector<float> efd_plus(12);
    f.openDataSet("/sensors/planes/plane_1/efd_plus").read(efd_plus.data(), H5::PredType::NATIVE_FLOAT);
    CHECK(efd_plus[2 * 4 + 3] == static_cast<float>(0.5e-3 * (3 + 10.0 * 2) - 2.0));

    const H5::DataSet t = f.openDataSet(h5::sensors_line_axis_t);
    CHECK(dims_of(t) == std::vector<hsize_t>{4});
    CHECK(h5_string_attribute(t, "units") == "s");
    const H5::DataSet p = f.openDataSet(h5::sensors_line_axis_p);
    CHECK(dims_of(p) == std::vector<hsize_t>{3, 4});  // [npoints][nt]
    CHECK(h5_string_attribute(p, "units") == "Pa");
    std::vector<float> samples(12);
    p.read(samples.data(), H5::PredType::NATIVE_FLOAT);
    CHECK(samples[4 + 2] == 4e6f);  // node 1, sample 2
    const H5::DataSet pos = f.openDataSet(h5::sensors_line_axis_position);
    CHECK(dims_of(pos) == std::vector<hsize_t>{3, 3});
    CHECK(h5_string_attribute(pos, "units") == "m");
}

TEST_CASE("axisymmetric sensor planes are stored [1][nr] with (r, z) attributes", "[io]") {
    const ScratchDir dir("result_planes_rz");
    const fs::path file = dir / "result.h5";
    SimulationResult in = axisymmetric_result();
    in.planes = {indexed_plane(0.0042, 1.0, true), indexed_plane(0.0046, 3.0, true)};
    ResultMetadata meta = metadata();
    meta.axisymmetric = true;
    lithosim::io::write_result_h5(file, in, meta);

    const SimulationResult out = lithosim::io::read_result_h5(file);
    REQUIRE(out.planes.size() == 2);
    require_same_plane(out.planes[0], in.planes[0]);  // r in the x slot, ny = 1
    require_same_plane(out.planes[1], in.planes[1]);
    CHECK_FALSE(out.axis.has_value());

    const H5::H5File f(file.string(), H5F_ACC_RDONLY);
    const H5::DataSet ds = f.openDataSet("/sensors/planes/plane_1/p_min");
    CHECK(dims_of(ds) == std::vector<hsize_t>{1, 5});  // [1][nr]
    CHECK(double_attribute(ds, "origin_m") == std::vector<double>{0.0, 0.0046});
    CHECK(double_attribute(ds, "spacing_m") == std::vector<double>{0.1e-3, 0.2e-3});
    CHECK(double_attribute(f.openGroup("/sensors/planes/plane_1"), "z_m") == std::vector<double>{0.0046});
    CHECK_FALSE(f.nameExists("/sensors/lines"));
}

TEST_CASE("a sensor plane that is not one z plane is refused, naming the dataset", "[io]") {
    const ScratchDir dir("result_planes_bad");
    const fs::path file = dir / "result.h5";
    SECTION("a map with two z planes") {
        SimulationResult bad = full_result();
        bad.planes = {indexed_plane(0.05, 0.0, false)};
        bad.planes[0].efd.nz = 2;
        bad.planes[0].efd.values.resize(bad.planes[0].efd.size());
        const std::string msg = error_of([&] { lithosim::io::write_result_h5(file, bad, metadata()); });
        CHECK_THAT(msg, Catch::Contains("/sensors/planes/plane_0/efd") && Catch::Contains("nz = 2"));
    }
    SECTION("a map at another z than the plane's") {
        SimulationResult bad = full_result();
        bad.planes = {indexed_plane(0.05, 0.0, false), indexed_plane(0.06, 0.0, false)};
        bad.planes[1].p_min.origin_m[2] = 0.061;
        const std::string msg = error_of([&] { lithosim::io::write_result_h5(file, bad, metadata()); });
        CHECK_THAT(msg, Catch::Contains("/sensors/planes/plane_1/p_min") && Catch::Contains("z_m"));
    }
    CHECK_FALSE(fs::exists(file));
    CHECK_FALSE(fs::exists(dir / "result.h5.partial"));
}
