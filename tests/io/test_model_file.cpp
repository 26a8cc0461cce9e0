// The tissue model file (io/model_file.hpp): a round trip keeps every array and attribute, an outside tool finds the
// documented names and units, and files that are not model files are bad input.
#include <catch2/catch.hpp>

#include <H5Cpp.h>

#include <fstream>

#include "io/h5_names.hpp"
#include "io/model_file.hpp"
#include "scratch_dir.hpp"
#include "core/errors.hpp"

using namespace lithosim;
using namespace lithosim::io;

namespace {

ModelGrid grid(std::size_t nx, std::size_t ny, std::size_t nz, std::array<double, 3> origin, double dx, float base) {
    ModelGrid g;
    g.nx = nx, g.ny = ny, g.nz = nz;
    g.origin_m = origin;
    g.dx_m = dx;
    const std::size_t n = g.size();
    for (std::size_t i = 0; i < n; ++i) {
        g.hu.push_back(base + float(i));
        g.rho.push_back(1000.0f + float(i % 7));
        g.c.push_back(1500.0f + float(i % 11));
        g.alpha.push_back(0.5f + 0.01f * float(i % 3));
        g.alpha_power.push_back(1.2f);
        g.BonA.push_back(7.0f);
        g.labels.push_back(std::uint8_t(i % 10));
        g.target.push_back(std::uint8_t(i % 5 == 0));
    }
    return g;
}

ModelFile sample_model() {
    ModelFile m;
    m.grid = grid(5, 5, 7, {-1e-3, -1e-3, 0}, 0.5e-3, -100);
    m.axisymmetric = grid(3, 1, 7, {0, 0, 0}, 0.5e-3, 40);
    m.frame_origin_patient_mm = {10, 20, 30};
    m.frame_axes = {std::array<double, 3>{0, 1, 0}, {0, 0, 1}, {1, 0, 0}};
    m.target_m = {0, 0, 2.5e-3};
    m.target_patient_mm = {12.5, 20, 30};
    m.source_m = {0, 0, 0};
    m.source_patient_mm = {10, 20, 30};
    m.coupling = {998.2, 1482.46, 0.00219, 2, 4.965};
    m.mapping = "labels";
    m.mapping_table = R"({"water": {"rho_kg_per_m3": 998.2}})";
    m.input_format = "phantom";
    m.input_sha1 = "0123456789abcdef0123456789abcdef01234567";
    m.pseudonym = "LS-0123456789ab";
    m.summary_json = R"({"target_volume_mm3": 1.5})";
    return m;
}

}  // namespace

TEST_CASE("a model file round trip keeps every array and attribute", "[io][model]") {
    lithosim::test::ScratchDir dir("model_file");
    const ModelFile m = sample_model();
    write_model_h5(dir / "model.h5", m);
    CHECK_FALSE(std::filesystem::exists(dir / "model.h5.partial"));
    const ModelFile r = read_model_h5(dir / "model.h5");
    for (auto [a, b] : {std::pair{&m.grid, &r.grid}, std::pair{&m.axisymmetric, &r.axisymmetric}}) {
        CHECK(b->nx == a->nx);
        CHECK(b->ny == a->ny);
        CHECK(b->nz == a->nz);
        CHECK(b->dx_m == a->dx_m);
        CHECK(b->origin_m == a->origin_m);
        CHECK(b->hu == a->hu);
        CHECK(b->rho == a->rho);
        CHECK(b->c == a->c);
        CHECK(b->alpha == a->alpha);
        CHECK(b->alpha_power == a->alpha_power);
        CHECK(b->BonA == a->BonA);
        CHECK(b->labels == a->labels);
        CHECK(b->target == a->target);
    }
    CHECK(r.frame_origin_patient_mm == m.frame_origin_patient_mm);
    CHECK(r.frame_axes == m.frame_axes);
    CHECK(r.target_m == m.target_m);
    CHECK(r.target_patient_mm == m.target_patient_mm);
    CHECK(r.source_patient_mm == m.source_patient_mm);
    CHECK(r.coupling == m.coupling);
    CHECK(r.mapping == m.mapping);
    CHECK(r.mapping_table == m.mapping_table);
    CHECK(r.input_sha1 == m.input_sha1);
    CHECK(r.pseudonym == m.pseudonym);
    CHECK(r.summary_json == m.summary_json);
    CHECK_FALSE(r.version.empty());
    CHECK_FALSE(r.created_utc.empty());
}

TEST_CASE("a model file has the documented names, shapes and units for outside tools", "[io][model]") {
    lithosim::test::ScratchDir dir("model_layout");
    write_model_h5(dir / "model.h5", sample_model());
    H5::H5File f((dir / "model.h5").string(), H5F_ACC_RDONLY);
    const std::pair<const char*, const char*> datasets[] = {
        {h5::model_hu, "HU"},  {h5::model_labels, "1"},         {h5::model_target_mask, "1"}, {h5::model_rho, "kg/m^3"},
        {h5::model_c, "m/s"}, {h5::model_alpha, "dB/(cm MHz^y)"}, {h5::model_alpha_power, "1"}, {h5::model_BonA, "1"}};
    for (const auto& [name, unit] : datasets) {
        INFO(name);
        const H5::DataSet ds = f.openDataSet(std::string("/model/") + name);
        hsize_t dims[3];
        REQUIRE(ds.getSpace().getSimpleExtentNdims() == 3);
        ds.getSpace().getSimpleExtentDims(dims);
        CHECK(dims[0] == 7);  // [nz][ny][nx]
        CHECK(dims[2] == 5);
        std::string u;
        const H5::Attribute a = ds.openAttribute("units");
        a.read(a.getStrType(), u);
        CHECK(u == unit);
        const H5::DataSet ax = f.openDataSet(std::string("/axisymmetric/") + name);
        CHECK(ax.getSpace().getSimpleExtentNdims() == 2);  // [nz][nr]
    }
    std::string type;
    const H5::Attribute t = f.openGroup("/").openAttribute("file_type");
    t.read(t.getStrType(), type);
    CHECK(type == "lithosim-model");
}

TEST_CASE("files that are not model files are bad input, named in one line", "[io][model]") {
    lithosim::test::ScratchDir dir("model_bad");
    auto message = [](const std::filesystem::path& p) {
        try {
            read_model_h5(p);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no InputError");
    };
    CHECK_THAT(message(dir / "missing.h5"), Catch::Contains("missing.h5") && Catch::Contains("does not exist"));
    std::ofstream(dir / "text.h5") << "not hdf5\n";
    CHECK_THAT(message(dir / "text.h5"), Catch::Contains("not an HDF5 file"));
    { H5::H5File other((dir / "other.h5").string(), H5F_ACC_TRUNC); }
    CHECK_THAT(message(dir / "other.h5"), Catch::Contains("not a lithosim model file"));
    ModelFile m = sample_model();
    m.grid.rho.pop_back();
    CHECK_THROWS_WITH(write_model_h5(dir / "short.h5", m), Catch::Contains("/model/rho has 174 values"));
    CHECK_FALSE(std::filesystem::exists(dir / "short.h5"));
    CHECK_FALSE(std::filesystem::exists(dir / "short.h5.partial"));
}
