// VTI export: read back with VTK's own reader and compare geometry (mm), names and scaled values.
#include <vtkDataArray.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkXMLImageDataReader.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "tests/io/scratch_dir.hpp"
#include "viz/vti_writer.hpp"

using lithosim::Map3;
using lithosim::test::ScratchDir;
using lithosim::viz::VtiArray;
namespace fs = std::filesystem;

namespace {

Map3 map_on_grid(std::size_t nx, std::size_t ny, std::size_t nz, double scale) {
    Map3 m;
    m.nx = nx;
    m.ny = ny;
    m.nz = nz;
    m.origin_m = {-0.01, 0.002, 0.05};
    m.spacing_m = {0.5e-3, ny > 1 ? 0.25e-3 : 0.0, 1e-3};
    m.values.resize(m.size());
    for (std::size_t iz = 0; iz < nz; ++iz) {
        for (std::size_t iy = 0; iy < ny; ++iy) {
            for (std::size_t ix = 0; ix < nx; ++ix) {
                m.values[ix + nx * (iy + ny * iz)] = static_cast<float>(scale * (1 + ix + 10.0 * iy + 100.0 * iz));
            }
        }
    }
    return m;
}

struct ReadBack {
    vtkNew<vtkXMLImageDataReader> reader;
    vtkImageData* image = nullptr;
    explicit ReadBack(const fs::path& p) {
        reader->SetFileName(p.string().c_str());
        reader->Update();
        image = reader->GetOutput();
    }
};

std::string error_of(const auto& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    FAIL("expected an exception");
    return {};
}

}  // namespace

TEST_CASE("VTI file reads back with origin and spacing in mm, named arrays and scaled values", "[viz]") {
    const ScratchDir dir("vti_roundtrip");
    const fs::path file = dir / "maps.vti";
    const Map3 p_max = map_on_grid(4, 3, 2, 1e6);   // Pa
    const Map3 efd = map_on_grid(4, 3, 2, 2e-3);    // J/m^2
    lithosim::viz::write_vti(file, {{"p_max_MPa", &p_max, 1e-6}, {"efd_mJ_per_mm2", &efd, 1e-3}});
    CHECK_FALSE(fs::exists(dir / "maps.vti.partial"));

    const ReadBack in(file);
    vtkImageData* image = in.image;
    REQUIRE(image != nullptr);
    int dims[3];
    image->GetDimensions(dims);
    CHECK(dims[0] == 4);
    CHECK(dims[1] == 3);
    CHECK(dims[2] == 2);
    double origin[3], spacing[3];
    image->GetOrigin(origin);
    image->GetSpacing(spacing);
    CHECK(origin[0] == Approx(-10.0));
    CHECK(origin[1] == Approx(2.0));
    CHECK(origin[2] == Approx(50.0));
    CHECK(spacing[0] == Approx(0.5));
    CHECK(spacing[1] == Approx(0.25));
    CHECK(spacing[2] == Approx(1.0));

    vtkPointData* pd = image->GetPointData();
    REQUIRE(pd->GetNumberOfArrays() == 2);
    CHECK(std::string(pd->GetArrayName(0)) == "p_max_MPa");
    CHECK(std::string(pd->GetArrayName(1)) == "efd_mJ_per_mm2");
    vtkDataArray* p = pd->GetArray("p_max_MPa");
    vtkDataArray* e = pd->GetArray("efd_mJ_per_mm2");
    REQUIRE(p != nullptr);
    REQUIRE(e != nullptr);
    REQUIRE(p->GetNumberOfTuples() == 24);
    for (int iz = 0; iz < 2; ++iz) {
        for (int iy = 0; iy < 3; ++iy) {
            for (int ix = 0; ix < 4; ++ix) {
                int ijk[3] = {ix, iy, iz};
                const vtkIdType id = image->ComputePointId(ijk);
                const double code = 1 + ix + 10.0 * iy + 100.0 * iz;
                CHECK(p->GetTuple1(id) == Approx(code).epsilon(1e-6));          // 1e6 Pa * code -> code MPa
                CHECK(e->GetTuple1(id) == Approx(2e-6 * code).epsilon(1e-6));  // 2e-3 J/m^2 -> 2e-6 mJ/mm^2
            }
        }
    }

    // Binary appended and zlib compressed, as promised in the header.
    std::ifstream raw(file, std::ios::binary);
    std::string head(4000, '\0');
    raw.read(head.data(), static_cast<std::streamsize>(head.size()));
    CHECK_THAT(head, Catch::Contains("compressor=\"vtkZLibDataCompressor\""));
    CHECK_THAT(head, Catch::Contains("header_type=\"UInt64\""));
    CHECK_THAT(head, Catch::Contains("format=\"appended\""));
    CHECK_THAT(head, Catch::Contains("<AppendedData encoding=\"raw\">"));
}

TEST_CASE("VTI of a 2D map gives the unused axis a usable spacing", "[viz]") {
    const ScratchDir dir("vti_2d");
    const fs::path file = dir / "plane.vti";
    const Map3 m = map_on_grid(5, 1, 3, 1.0);  // x-z plane, dy = 0
    lithosim::viz::write_vti(file, {{"c_m_per_s", &m, 1.0}});
    const ReadBack in(file);
    double spacing[3];
    in.image->GetSpacing(spacing);
    CHECK(spacing[0] == Approx(0.5));
    CHECK(spacing[1] == Approx(1.0));  // largest of the others (dz = 1 mm)
    CHECK(spacing[2] == Approx(1.0));
    int ijk[3] = {4, 0, 2};
    CHECK(in.image->GetPointData()->GetArray("c_m_per_s")->GetTuple1(in.image->ComputePointId(ijk)) == 205.0);
}

TEST_CASE("VTI arguments are checked before anything is written", "[viz]") {
    const ScratchDir dir("vti_checks");
    const fs::path file = dir / "bad.vti";
    const Map3 a = map_on_grid(4, 3, 2, 1.0);
    const Map3 b = map_on_grid(4, 3, 1, 1.0);
    Map3 shifted = a;
    shifted.origin_m[0] += 1e-3;

    SECTION("different shape") {
        const std::string msg = error_of([&] { lithosim::viz::write_vti(file, {{"a", &a, 1}, {"b", &b, 1}}); });
        CHECK_THAT(msg, Catch::Contains(file.string()) && Catch::Contains("array 'b' is on a different grid"));
    }
    SECTION("different origin") {
        const std::string msg =
            error_of([&] { lithosim::viz::write_vti(file, {{"a", &a, 1}, {"moved", &shifted, 1}}); });
        CHECK_THAT(msg, Catch::Contains("array 'moved' is on a different grid"));
    }
    SECTION("duplicate name") {
        const std::string msg = error_of([&] { lithosim::viz::write_vti(file, {{"a", &a, 1}, {"a", &a, 2}}); });
        CHECK_THAT(msg, Catch::Contains("array 'a' appears twice"));
    }
    SECTION("no arrays") {
        CHECK_THAT(error_of([&] { lithosim::viz::write_vti(file, {}); }), Catch::Contains("no arrays to write"));
    }
    CHECK_FALSE(fs::exists(file));
    CHECK_FALSE(fs::exists(dir / "bad.vti.partial"));
}

TEST_CASE("VTI write into a missing directory throws and leaves no file", "[viz]") {
    const ScratchDir dir("vti_missing_dir");
    const fs::path file = dir / "none" / "maps.vti";
    const Map3 a = map_on_grid(2, 2, 2, 1.0);
    CHECK_THROWS_AS(lithosim::viz::write_vti(file, {{"a", &a, 1}}), std::runtime_error);
    CHECK_THAT(error_of([&] { lithosim::viz::write_vti(file, {{"a", &a, 1}}); }),
               Catch::Contains(file.string()) && Catch::Contains("does not exist"));
    CHECK_FALSE(fs::exists(dir / "none"));
}
