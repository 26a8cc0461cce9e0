// CT import and DICOM export (io/ct_import.hpp): DICOM round trips, rescaling, every bad-input check, privacy,
// and NIfTI / MetaImage / NRRD geometry. Files written by hand follow the format definitions, not our reader, so a
// convention error (PixelSpacing order, RAS vs LPS, TransformMatrix order, qfac) shows up as a wrong position.
#include <gdcmByteValue.h>
#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmReader.h>
#include <gdcmTag.h>
#include <gdcmVR.h>
#include <gdcmWriter.h>
#include <sys/stat.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkNIFTIImageWriter.h>
#include <vtkNew.h>
#include <vtkPointData.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <numbers>
#include <random>
#include <regex>

#include "io/ct_import.hpp"
#include "core/errors.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;
using io::CtImage;
using models::HuVolume;
using models::Vec3;
using test::ScratchDir;
namespace fs = std::filesystem;

namespace {

const std::string kSalt = "test-salt";

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

/// Rotation matrix columns for Rz(az) Rx(ax) (degrees): an oblique, right-handed set of axes.
std::array<Vec3, 3> oblique_axes(double az_deg, double ax_deg) {
    const double a = az_deg * std::numbers::pi / 180, b = ax_deg * std::numbers::pi / 180;
    const double ca = std::cos(a), sa = std::sin(a), cb = std::cos(b), sb = std::sin(b);
    // R = Rz Rx; columns are the images of the unit vectors.
    const Vec3 c0{ca, sa, 0};
    const Vec3 c1{-sa * cb, ca * cb, sb};
    return {c0, c1, cross(c0, c1)};
}

/// 12 x 10 x 6, pixels 0.7 (i) x 0.9 (j) mm, slices 1.25 mm, oblique, HU with a gradient and non-integer values.
HuVolume oblique_volume() {
    HuVolume v;
    v.nx = 12;
    v.ny = 10;
    v.nz = 6;
    v.spacing_mm = {0.7, 0.9, 1.25};
    v.origin_mm = {-50.3, 20.1, 100.7};
    v.axes = oblique_axes(30, 20);
    v.hu.resize(v.size());
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i)
                v.hu[v.index(i, j, k)] = float(-1024 + 13.4 * double(i) + 57.0 * double(j) + 211.0 * double(k));
    return v;
}

/// Axial (identity axes) 8 x 6 x nz volume with slices at z = 10, 12.5, 15, ... mm: easy positions for messages.
HuVolume axial_volume(std::size_t nz = 6) {
    HuVolume v;
    v.nx = 8;
    v.ny = 6;
    v.nz = nz;
    v.spacing_mm = {0.5, 0.5, 2.5};
    v.origin_mm = {-2, -1.5, 10};
    v.hu.resize(v.size());
    for (std::size_t n = 0; n < v.size(); ++n) v.hu[n] = float(int(n % 97) * 10 - 500);
    return v;
}

fs::path slice_file(const fs::path& dir, int number) {
    char name[32];
    std::snprintf(name, sizeof name, "slice_%04d.dcm", number);
    return dir / name;
}

/// Reads, changes and rewrites one DICOM file with GDCM.
void edit_dicom(const fs::path& file, const std::function<void(gdcm::DataSet&)>& change) {
    gdcm::Reader reader;
    reader.SetFileName(file.c_str());
    REQUIRE(reader.Read());
    change(reader.GetFile().GetDataSet());
    gdcm::Writer writer;
    writer.SetFile(reader.GetFile());
    writer.SetFileName(file.c_str());
    REQUIRE(writer.Write());
}

void set_text(gdcm::DataSet& ds, std::uint16_t group, std::uint16_t element, gdcm::VR vr, std::string value) {
    if (value.size() % 2) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
    gdcm::DataElement e(gdcm::Tag(group, element));
    e.SetVR(vr);
    e.SetByteValue(value.data(), gdcm::VL(std::uint32_t(value.size())));
    ds.Replace(e);
}

std::string get_text(const fs::path& file, std::uint16_t group, std::uint16_t element) {
    gdcm::Reader reader;
    reader.SetFileName(file.c_str());
    REQUIRE(reader.Read());
    const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
    REQUIRE(ds.FindDataElement(gdcm::Tag(group, element)));
    const gdcm::ByteValue* bv = ds.GetDataElement(gdcm::Tag(group, element)).GetByteValue();
    std::string s = bv ? std::string(bv->GetPointer(), bv->GetLength()) : std::string();
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

std::string ds3(const Vec3& p) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.10g\\%.10g\\%.10g", p[0], p[1], p[2]);
    return buf;
}

/// The InputError message of `f`; also checks that it is one line.
std::string input_error(const std::function<void()>& f) {
    std::string msg;
    try {
        f();
    } catch (const InputError& e) {
        msg = e.what();
    }
    REQUIRE_FALSE(msg.empty());
    CHECK(msg.find('\n') == std::string::npos);
    return msg;
}

std::string read_error(const fs::path& dir, const std::string& uid = "") {
    return input_error([&] { io::read_dicom_series(dir, uid, kSalt); });
}

/// Where a file format puts voxel (i, j, k): origin + sum_a index_a spacing_a axis_a (LPS, mm).
struct Grid {
    Vec3 origin;
    std::array<Vec3, 3> axes;
    Vec3 spacing;
    std::array<int, 3> dims;
};

/// Checks every voxel of `v`: its position must be a voxel centre of `g` whose value is `expected(i, j, k)`.
/// Index order is not assumed (a reader may flip k), only positions and values.
void check_positions_and_values(const HuVolume& v, const Grid& g, const std::function<double(int, int, int)>& expected,
                                double hu_tolerance = 0) {
    REQUIRE(v.size() == std::size_t(g.dims[0]) * g.dims[1] * g.dims[2]);
    REQUIRE(v.hu.size() == v.size());
    int off_grid = 0, wrong_value = 0;
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) {
                const Vec3 p = v.position_mm(double(i), double(j), double(k));
                const Vec3 d{p[0] - g.origin[0], p[1] - g.origin[1], p[2] - g.origin[2]};
                std::array<int, 3> idx{};
                bool on_grid = true;
                for (int a = 0; a < 3; ++a) {
                    const double f = dot(d, g.axes[a]) / g.spacing[a];
                    idx[a] = int(std::lround(f));
                    on_grid = on_grid && std::abs(f - idx[a]) < 1e-4 && idx[a] >= 0 && idx[a] < g.dims[a];
                }
                if (!on_grid) {
                    ++off_grid;
                    continue;
                }
                if (std::abs(v.at(i, j, k) - expected(idx[0], idx[1], idx[2])) > hu_tolerance) ++wrong_value;
            }
    CHECK(off_grid == 0);
    CHECK(wrong_value == 0);
}

void write_bytes(const fs::path& p, const std::string& text, const void* data = nullptr, std::size_t bytes = 0) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (data) out.write(static_cast<const char*>(data), std::streamsize(bytes));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// DICOM round trips
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("DICOM: an oblique volume with non-square pixels reads back in geometry and HU, whatever the file order",
          "[io][ct]") {
    const ScratchDir scratch("ct_roundtrip");
    const HuVolume v = oblique_volume();
    const fs::path dir = scratch / "series";
    io::write_dicom_series(v, dir);

    // The writer follows the DICOM definitions (checked on the tags, not through our reader): PixelSpacing is
    // "row spacing\column spacing" = spacing along j, then along i; ImageOrientationPatient = axes[0], axes[1].
    const fs::path first = slice_file(dir, 1);
    CHECK(get_text(first, 0x0028, 0x0030) == "0.9\\0.7");
    CHECK(get_text(first, 0x0008, 0x0060) == "CT");
    CHECK(get_text(first, 0x0008, 0x0016) == "1.2.840.10008.5.1.4.1.1.2");
    CHECK(get_text(first, 0x0010, 0x0010) == "LITHOSIM^PHANTOM");
    CHECK(get_text(first, 0x0028, 0x1053) == "1");
    CHECK(get_text(slice_file(dir, 6), 0x0020, 0x0013) == "6");
    REQUIRE(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 6);
    // No temporary folder is left next to the series.
    CHECK(std::distance(fs::directory_iterator(scratch.path()), fs::directory_iterator()) == 1);

    // Shuffle the files: names in an order unrelated to the positions.
    std::vector<int> order{4, 1, 6, 2, 5, 3};
    for (int n = 1; n <= 6; ++n) fs::rename(slice_file(dir, n), dir / ("tmp" + std::to_string(n)));
    for (int n = 1; n <= 6; ++n)
        fs::rename(dir / ("tmp" + std::to_string(n)), dir / ("x" + std::to_string(order[n - 1])));

    const CtImage ct = io::read_dicom_series(dir, "", kSalt);
    const HuVolume& r = ct.volume;
    CHECK(ct.format == "dicom");
    REQUIRE(r.nx == v.nx);
    REQUIRE(r.ny == v.ny);
    REQUIRE(r.nz == v.nz);
    for (int a = 0; a < 3; ++a) {
        CHECK(r.spacing_mm[a] == Approx(v.spacing_mm[a]).margin(1e-4));
        CHECK(r.origin_mm[a] == Approx(v.origin_mm[a]).margin(1e-4));
        for (int c = 0; c < 3; ++c) CHECK(r.axes[a][c] == Approx(v.axes[a][c]).margin(1e-9));
    }
    int wrong = 0;
    for (std::size_t n = 0; n < v.size(); ++n)
        if (r.hu[n] != std::round(v.hu[n])) ++wrong;
    CHECK(wrong == 0);
    // A far corner lands where it was.
    const Vec3 p = r.position_mm(11, 9, 5), q = v.position_mm(11, 9, 5);
    for (int a = 0; a < 3; ++a) CHECK(p[a] == Approx(q[a]).margin(1e-4));

    // The hash depends on the HU and the geometry only: the original (rounded) volume hashes the same.
    HuVolume rounded = v;
    for (float& h : rounded.hu) h = std::round(h);
    rounded.spacing_mm = r.spacing_mm;
    rounded.origin_mm = r.origin_mm;
    rounded.axes = r.axes;
    CHECK(ct.input_sha1 == io::volume_sha1(rounded));
    CHECK(ct.input_sha1.size() == 40);
    rounded.hu[7] += 1;
    CHECK(ct.input_sha1 != io::volume_sha1(rounded));
}

TEST_CASE("DICOM: a volume whose slice axis points against the normal reads back with the same voxels in place",
          "[io][ct]") {
    const ScratchDir scratch("ct_lefthanded");
    HuVolume v = oblique_volume();
    for (double& c : v.axes[2]) c = -c;  // left-handed: slices stacked against r x c
    io::write_dicom_series(v, scratch / "series");
    const HuVolume r = io::read_dicom_series(scratch / "series", "", kSalt).volume;
    // Sorted along the normal: axes[2] = r x c, origin = the last slice written.
    const Vec3 n = cross(v.axes[0], v.axes[1]);
    for (int c = 0; c < 3; ++c) CHECK(r.axes[2][c] == Approx(n[c]).margin(1e-9));
    const Grid g{v.origin_mm, v.axes, v.spacing_mm, {int(v.nx), int(v.ny), int(v.nz)}};
    check_positions_and_values(r, g, [&](int i, int j, int k) { return std::round(v.at(i, j, k)); });
}

TEST_CASE("DICOM: HU outside int16 are written with a shifted intercept, and clamped beyond 65536 levels", "[io][ct]") {
    const ScratchDir scratch("ct_range");
    HuVolume v = axial_volume(2);
    v.hu[0] = 40000;  // above int16
    v.hu[1] = -1000;
    io::write_dicom_series(v, scratch / "a");
    CHECK(get_text(slice_file(scratch / "a", 1), 0x0028, 0x1052) != "0");
    const HuVolume r = io::read_dicom_series(scratch / "a", "", kSalt).volume;
    for (std::size_t n = 0; n < v.size(); ++n) REQUIRE(r.hu[n] == v.hu[n]);

    v.hu[1] = -40000;  // range 80000 HU > 65535: the top is clamped to lowest + 65535
    io::write_dicom_series(v, scratch / "b");
    const HuVolume c = io::read_dicom_series(scratch / "b", "", kSalt).volume;
    CHECK(c.hu[1] == -40000);
    CHECK(c.hu[0] == -40000 + 65535);
    CHECK(c.hu[2] == v.hu[2]);
}

TEST_CASE("DICOM: RescaleSlope and RescaleIntercept are applied per slice", "[io][ct]") {
    const ScratchDir scratch("ct_rescale");
    const HuVolume v = axial_volume(4);  // written with slope 1, intercept 0: stored value = HU
    const fs::path dir = scratch / "series";
    io::write_dicom_series(v, dir);
    REQUIRE(get_text(slice_file(dir, 1), 0x0028, 0x1052) == "0");
    const double slope[4] = {2, 0.5, 1.25, 3};
    const double intercept[4] = {-1000, 24, -3.5, 0};
    for (int k = 0; k < 4; ++k)
        edit_dicom(slice_file(dir, k + 1), [&](gdcm::DataSet& ds) {
            set_text(ds, 0x0028, 0x1053, gdcm::VR::DS, fmt(slope[k]));
            set_text(ds, 0x0028, 0x1052, gdcm::VR::DS, fmt(intercept[k]));
        });
    const HuVolume r = io::read_dicom_series(dir, "", kSalt).volume;
    int wrong = 0;
    for (std::size_t k = 0; k < 4; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i)
                if (std::abs(r.at(i, j, k) - (slope[k] * v.at(i, j, k) + intercept[k])) > 1e-3) ++wrong;
    CHECK(wrong == 0);
}

TEST_CASE("DICOM: the series' FrameOfReferenceUID is kept; slices that disagree give none and a warning", "[io][ct]") {
    const ScratchDir scratch("ct_frame_uid");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(4), dir);
    const std::string uid = get_text(slice_file(dir, 1), 0x0020, 0x0052);
    REQUIRE(uid.size() > 10);
    const io::CtImage a = io::read_dicom_series(dir, "", kSalt);
    CHECK(a.frame_of_reference_uid == uid);
    CHECK(a.warnings.empty());
    edit_dicom(slice_file(dir, 3), [](gdcm::DataSet& ds) { set_text(ds, 0x0020, 0x0052, gdcm::VR::UI, "1.2.3.4"); });
    const io::CtImage b = io::read_dicom_series(dir, "", kSalt);
    CHECK(b.frame_of_reference_uid.empty());
    REQUIRE(b.warnings.size() == 1);
    CHECK_THAT(b.warnings[0], Catch::Contains("FrameOfReferenceUID"));
}

TEST_CASE("DICOM: hidden files and DICOMDIR are skipped; a .dcm file stands for its series", "[io][ct]") {
    const ScratchDir scratch("ct_skip");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(3), dir);
    write_bytes(dir / ".DS_Store", "not dicom");
    write_bytes(dir / "DICOMDIR", "not a real dicomdir");
    fs::create_directory(dir / "sub");  // folders inside are not read
    write_bytes(dir / "sub" / "junk", "junk");
    CHECK(io::read_dicom_series(dir, "", kSalt).volume.nz == 3);

    // Two series in one folder: naming one file picks its series.
    io::write_dicom_series(axial_volume(4), scratch / "other");
    for (int n = 1; n <= 4; ++n)
        fs::copy_file(slice_file(scratch / "other", n), dir / ("o" + std::to_string(n) + ".dcm"));
    io::CtReadOptions options;
    options.salt = kSalt;
    CHECK(io::read_ct(dir / "o2.dcm", options).volume.nz == 4);
    CHECK(io::read_ct(slice_file(dir, 1), options).volume.nz == 3);
}

// ---------------------------------------------------------------------------------------------------------------
// DICOM: bad input
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("DICOM: missing or empty folders, corrupt and truncated files name the folder or file", "[io][ct]") {
    const ScratchDir scratch("ct_corrupt");
    CHECK_THAT(read_error(scratch / "nothing"), Catch::Contains("does not exist"));
    fs::create_directory(scratch / "empty");
    CHECK_THAT(read_error(scratch / "empty"), Catch::Contains("has no files"));

    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(), dir);
    SECTION("a file that is not DICOM") {
        write_bytes(dir / "notes.txt", "slice list, by hand\n");
        CHECK_THAT(read_error(dir),
                   Catch::Contains("'" + (dir / "notes.txt").string() + "'") && Catch::Contains("is not a DICOM file"));
    }
    SECTION("a file truncated in its pixel data") {
        const fs::path f = slice_file(dir, 3);
        fs::resize_file(f, fs::file_size(f) - 40);
        CHECK_THAT(read_error(dir), Catch::Contains("'" + f.string() + "' is truncated or corrupt"));
    }
    SECTION("a file truncated in its header") {
        const fs::path f = slice_file(dir, 5);
        fs::resize_file(f, 200);
        CHECK_THAT(read_error(dir), Catch::Contains("'" + f.string() + "' is truncated or corrupt"));
    }
}

TEST_CASE("DICOM: a slice cut at any byte is an InputError naming it (GDCM never sees a broken file)", "[io][ct]") {
    // Debian's GDCM aborts on files that end inside an element, so this checks the structure walk in front of it.
    const ScratchDir scratch("ct_truncations");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(2), dir);
    const fs::path f = slice_file(dir, 2);
    std::string bytes;
    {
        std::ifstream in(f, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    int not_named = 0, cuts = 0;
    for (std::size_t n = 0; n < bytes.size(); n += (n < 800 ? 1 : 5)) {
        write_bytes(f, bytes.substr(0, n));
        std::string msg;
        try {
            io::read_dicom_series(dir, "", kSalt);
        } catch (const InputError& e) {
            msg = e.what();
        }
        ++cuts;
        if (msg.find("'" + f.string() + "'") == std::string::npos) ++not_named;
    }
    CHECK(cuts > 800);
    CHECK(not_named == 0);
}

TEST_CASE("DICOM: several CT series need a choice; the error lists their UIDs, sizes and descriptions", "[io][ct]") {
    const ScratchDir scratch("ct_mixed");
    io::DicomWriteOptions a_opt, b_opt;
    a_opt.series_description = "abdomen soft";
    b_opt.series_description = "abdomen bone";
    io::write_dicom_series(axial_volume(3), scratch / "a", a_opt);
    io::write_dicom_series(axial_volume(5), scratch / "b", b_opt);
    const std::string uid_a = io::read_dicom_series(scratch / "a", "", kSalt).series_uid;
    const std::string uid_b = io::read_dicom_series(scratch / "b", "", kSalt).series_uid;
    REQUIRE(uid_a != uid_b);
    for (int n = 1; n <= 5; ++n) fs::copy_file(slice_file(scratch / "b", n), scratch / "a" / ("b" + std::to_string(n)));

    const std::string msg = read_error(scratch / "a");
    CHECK_THAT(msg, Catch::Contains("2 CT series") && Catch::Contains(uid_a + " (CT, 3 files, 'abdomen soft')") &&
                        Catch::Contains(uid_b + " (CT, 5 files, 'abdomen bone')"));
    const CtImage chosen = io::read_dicom_series(scratch / "a", uid_b, kSalt);
    CHECK(chosen.series_uid == uid_b);
    CHECK(chosen.volume.nz == 5);
    const std::string wrong = read_error(scratch / "a", "1.2.3.4");
    CHECK_THAT(wrong, Catch::Contains("no series 1.2.3.4") && Catch::Contains(uid_a) && Catch::Contains(uid_b));
}

TEST_CASE("DICOM: a series of another modality is refused, naming the modality", "[io][ct]") {
    const ScratchDir scratch("ct_modality");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(3), dir);
    for (int n = 1; n <= 3; ++n)
        edit_dicom(slice_file(dir, n), [](gdcm::DataSet& ds) { set_text(ds, 0x0008, 0x0060, gdcm::VR::CS, "MR"); });
    CHECK_THAT(read_error(dir), Catch::Contains("no CT series: modality MR"));
    const std::string uid = get_text(slice_file(dir, 1), 0x0020, 0x000e);
    CHECK_THAT(read_error(dir, uid), Catch::Contains("modality 'MR'"));
}

TEST_CASE("DICOM: duplicate slices name both files", "[io][ct]") {
    const ScratchDir scratch("ct_duplicate");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(), dir);
    SECTION("the same file twice") {
        fs::copy_file(slice_file(dir, 2), dir / "copy_of_2.dcm");
        CHECK_THAT(read_error(dir), Catch::Contains("duplicate slices") && Catch::Contains("copy_of_2.dcm") &&
                                        Catch::Contains("slice_0002.dcm") && Catch::Contains("at 12.5 mm"));
    }
    SECTION("two slices at the same place (zero spacing)") {
        edit_dicom(slice_file(dir, 4), [](gdcm::DataSet& ds) {
            set_text(ds, 0x0020, 0x0032, gdcm::VR::DS, ds3({-2, -1.5, 15}));  // slice 3's position
        });
        CHECK_THAT(read_error(dir), Catch::Contains("slice_0003.dcm") && Catch::Contains("slice_0004.dcm") &&
                                        Catch::Contains("zero slice spacing"));
    }
}

TEST_CASE("DICOM: a missing slice is reported with its position, never interpolated", "[io][ct]") {
    const ScratchDir scratch("ct_gap");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(6), dir);  // z = 10, 12.5, 15, 17.5, 20, 22.5
    SECTION("one slice") {
        fs::remove(slice_file(dir, 3));  // z = 15
        CHECK_THAT(
            read_error(dir),
            Catch::Contains("gap between slices at 12.5 mm and 17.5 mm along the slice normal: 1 slice missing"));
    }
    SECTION("two slices") {
        fs::remove(slice_file(dir, 4));
        fs::remove(slice_file(dir, 5));
        CHECK_THAT(read_error(dir), Catch::Contains("at 15 mm and 22.5 mm along the slice normal: 2 slices missing"));
    }
    SECTION("two gaps: most steps are gaps, still reported as such") {
        fs::remove(slice_file(dir, 2));  // z = 12.5
        fs::remove(slice_file(dir, 5));  // z = 20: steps 5, 2.5, 5
        CHECK_THAT(read_error(dir),
                   Catch::Contains("gap between slices at 10 mm and 15 mm along the slice normal: "
                                   "1 slice missing (spacing 2.5 mm), and 1 more irregular step after it"));
    }
}

TEST_CASE("DICOM: non-uniform spacing beyond max(0.01 mm, 1 %) is refused, within it accepted", "[io][ct]") {
    const ScratchDir scratch("ct_spacing");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(6), dir);  // spacing 2.5 mm: tolerance 0.025 mm
    const double shift = GENERATE(0.02, 0.04, 0.6);
    edit_dicom(slice_file(dir, 6), [&](gdcm::DataSet& ds) {
        set_text(ds, 0x0020, 0x0032, gdcm::VR::DS, ds3({-2, -1.5, 22.5 + shift}));
    });
    if (shift < 0.025) {
        const HuVolume r = io::read_dicom_series(dir, "", kSalt).volume;
        CHECK(r.spacing_mm[2] == Approx(2.5 + shift / 5));  // the mean spacing
    } else {
        CHECK_THAT(read_error(dir), Catch::Contains("non-uniform slice spacing: " + fmt(2.5 + shift) +
                                                    " mm between the slices at 20 mm and " + fmt(22.5 + shift)));
    }
}

TEST_CASE("DICOM: zero pixel spacing is refused", "[io][ct]") {
    const ScratchDir scratch("ct_zero_pixel");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(3), dir);
    edit_dicom(slice_file(dir, 2), [](gdcm::DataSet& ds) { set_text(ds, 0x0028, 0x0030, gdcm::VR::DS, "0\\0.5"); });
    CHECK_THAT(read_error(dir), Catch::Contains("slice_0002.dcm") && Catch::Contains("PixelSpacing '0\\0.5'") &&
                                    Catch::Contains("must be > 0"));
}

TEST_CASE("DICOM: gantry tilt is reported with its angle", "[io][ct]") {
    const ScratchDir scratch("ct_tilt");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(5), dir);
    const double tilt_deg = GENERATE(10.0, 0.5);
    // Tilted acquisition: each slice shifted along y by (z - z0) tan(tilt).
    for (int n = 1; n <= 5; ++n) {
        const double z = 10 + 2.5 * (n - 1);
        const double y = -1.5 + (z - 10) * std::tan(tilt_deg * std::numbers::pi / 180);
        edit_dicom(slice_file(dir, n), [&](gdcm::DataSet& ds) {
            set_text(ds, 0x0020, 0x0032, gdcm::VR::DS, ds3({-2, y, z}));
        });
    }
    const std::string msg = read_error(dir);
    std::smatch m;
    REQUIRE(std::regex_search(msg, m, std::regex("gantry tilt of ([0-9.e+-]+) degrees")));
    CHECK(std::stod(m[1]) == Approx(tilt_deg).epsilon(1e-5));
}

TEST_CASE("DICOM: slices that differ in size or orientation are refused", "[io][ct]") {
    const ScratchDir scratch("ct_inconsistent");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(4), dir);
    SECTION("columns") {
        edit_dicom(slice_file(dir, 3), [](gdcm::DataSet& ds) {
            const std::uint16_t columns = 9;
            gdcm::DataElement e(gdcm::Tag(0x0028, 0x0011));
            e.SetVR(gdcm::VR::US);
            e.SetByteValue(reinterpret_cast<const char*>(&columns), 2);
            ds.Replace(e);
        });
        CHECK_THAT(read_error(dir),
                   Catch::Contains("slice_0003.dcm' has 9 columns x 6 rows") && Catch::Contains("same size"));
    }
    SECTION("orientation") {
        edit_dicom(slice_file(dir, 2),
                   [](gdcm::DataSet& ds) { set_text(ds, 0x0020, 0x0037, gdcm::VR::DS, "1\\0\\0\\0\\0.8\\0.6"); });
        CHECK_THAT(read_error(dir),
                   Catch::Contains("slice_0002.dcm' has ImageOrientationPatient '1\\0\\0\\0\\0.8\\0.6'"));
    }
}

TEST_CASE("DICOM: a single slice is not a volume", "[io][ct]") {
    const ScratchDir scratch("ct_single");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(2), dir);
    fs::remove(slice_file(dir, 2));
    CHECK_THAT(read_error(dir), Catch::Contains("1 slice") && Catch::Contains("at least 2 slices"));
}

TEST_CASE("DICOM writer: refuses a folder with files, bad volumes and bad names, and leaves nothing behind",
          "[io][ct]") {
    const ScratchDir scratch("ct_writer_refuses");
    fs::create_directory(scratch / "full");
    write_bytes(scratch / "full" / "keep.txt", "mine");
    CHECK_THAT(input_error([&] { io::write_dicom_series(axial_volume(2), scratch / "full"); }),
               Catch::Contains("is not empty"));
    CHECK(fs::exists(scratch / "full" / "keep.txt"));

    HuVolume bad = axial_volume(2);
    bad.hu[5] = std::nanf("");
    CHECK_THAT(input_error([&] { io::write_dicom_series(bad, scratch / "nan"); }),
               Catch::Contains("non-finite value at voxel (5, 0, 0)"));
    io::DicomWriteOptions long_name;
    long_name.pseudonym = std::string(65, 'A');
    CHECK_THAT(input_error([&] { io::write_dicom_series(axial_volume(2), scratch / "long", long_name); }),
               Catch::Contains("at most 64"));
    // Only the folder made above is there: no output and no temporary folder.
    CHECK(std::distance(fs::directory_iterator(scratch.path()), fs::directory_iterator()) == 1);

    fs::create_directory(scratch / "empty");  // an existing empty folder is fine
    io::write_dicom_series(axial_volume(2), scratch / "empty");
    CHECK(fs::exists(slice_file(scratch / "empty", 2)));
}

// ---------------------------------------------------------------------------------------------------------------
// The CT protocol: SliceThickness, the increment from the positions, SpacingBetweenSlices
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("DICOM: SliceThickness and the increment are written and read back (thickness = spacing by default)",
          "[io][ct]") {
    const ScratchDir scratch("ct_protocol");
    HuVolume v = axial_volume(6);
    v.spacing_mm[2] = 1.25;  // slices every 1.25 mm ...
    io::DicomWriteOptions o;
    o.slice_thickness_mm = 2.5;  // ... 2.5 mm thick: overlapping
    io::write_dicom_series(v, scratch / "overlap", o);
    CHECK(get_text(slice_file(scratch / "overlap", 1), 0x0018, 0x0050) == "2.5");
    CHECK(get_text(slice_file(scratch / "overlap", 1), 0x0018, 0x0088) == "1.25");
    const CtImage a = io::read_dicom_series(scratch / "overlap", "", kSalt);
    REQUIRE(a.slice_thickness_mm.has_value());
    CHECK(*a.slice_thickness_mm == 2.5);
    CHECK(a.volume.spacing_mm[2] == Approx(1.25));
    REQUIRE(a.spacing_between_slices_mm.has_value());
    CHECK(*a.spacing_between_slices_mm == Approx(1.25));
    CHECK(a.warnings.empty());

    io::write_dicom_series(axial_volume(3), scratch / "plain");  // no thickness given: contiguous 2.5 mm
    const CtImage b = io::read_dicom_series(scratch / "plain", "", kSalt);
    REQUIRE(b.slice_thickness_mm.has_value());
    CHECK(*b.slice_thickness_mm == 2.5);

    o.slice_thickness_mm = 0;
    CHECK_THAT(input_error([&] { io::write_dicom_series(v, scratch / "zero", o); }),
               Catch::Contains("slice thickness 0") && Catch::Contains("> 0"));
    CHECK_FALSE(fs::exists(scratch / "zero"));
}

TEST_CASE("DICOM: the increment comes from the positions, and SliceThickness must agree between slices", "[io][ct]") {
    const ScratchDir scratch("ct_protocol_checks");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(4), dir);  // z = 10, 12.5, 15, 17.5; thickness and spacing 2.5
    SECTION("SpacingBetweenSlices that disagrees with the positions: a warning, the positions win") {
        for (int f = 1; f <= 4; ++f)
            edit_dicom(slice_file(dir, f), [](gdcm::DataSet& ds) { set_text(ds, 0x0018, 0x0088, gdcm::VR::DS, "3"); });
        const CtImage c = io::read_dicom_series(dir, "", kSalt);
        CHECK(c.volume.spacing_mm[2] == Approx(2.5));
        REQUIRE(c.warnings.size() == 1);
        CHECK_THAT(c.warnings[0], Catch::Contains("SpacingBetweenSlices") && Catch::Contains("3 mm") &&
                                      Catch::Contains("2.5 mm apart") && Catch::Contains("positions are used"));
    }
    SECTION("SliceThickness empty on every slice (Type 2): unknown") {
        for (int f = 1; f <= 4; ++f)
            edit_dicom(slice_file(dir, f), [](gdcm::DataSet& ds) { set_text(ds, 0x0018, 0x0050, gdcm::VR::DS, ""); });
        CHECK_FALSE(io::read_dicom_series(dir, "", kSalt).slice_thickness_mm.has_value());
    }
    SECTION("slices of different thickness are refused, naming both files") {
        edit_dicom(slice_file(dir, 3), [](gdcm::DataSet& ds) { set_text(ds, 0x0018, 0x0050, gdcm::VR::DS, "1"); });
        CHECK_THAT(read_error(dir), Catch::Contains("slice_0003.dcm") && Catch::Contains("SliceThickness 1 mm") &&
                                        Catch::Contains("slice_0001.dcm") && Catch::Contains("same thickness"));
    }
    SECTION("a thickness of 0 is refused") {
        for (int f = 1; f <= 4; ++f)
            edit_dicom(slice_file(dir, f), [](gdcm::DataSet& ds) { set_text(ds, 0x0018, 0x0050, gdcm::VR::DS, "0"); });
        CHECK_THAT(read_error(dir), Catch::Contains("slice_0001.dcm") && Catch::Contains("SliceThickness 0") &&
                                        Catch::Contains("> 0"));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Privacy
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("privacy: patient identifiers never reach the CtImage; the pseudonym is salted and stable", "[io][ct]") {
    const ScratchDir scratch("ct_privacy");
    const fs::path dir = scratch / "series";
    io::write_dicom_series(axial_volume(3), dir);
    for (int n = 1; n <= 3; ++n)
        edit_dicom(slice_file(dir, n), [](gdcm::DataSet& ds) {
            set_text(ds, 0x0010, 0x0010, gdcm::VR::PN, "Doe^John");
            set_text(ds, 0x0010, 0x0020, gdcm::VR::LO, "12345");
            set_text(ds, 0x0010, 0x0030, gdcm::VR::DA, "19700101");
            set_text(ds, 0x0008, 0x0080, gdcm::VR::LO, "General Hospital");
        });
    const CtImage a = io::read_dicom_series(dir, "", "salt-one");
    for (const std::string& field : {a.format, a.input_sha1, a.pseudonym, a.series_uid})
        for (const char* secret : {"Doe", "John", "12345", "19700101", "General"})
            CHECK(field.find(secret) == std::string::npos);
    CHECK(std::regex_match(a.pseudonym, std::regex("LS-[0-9a-f]{12}")));
    // The definition: salted hash of PatientID, PatientName, PatientBirthDate.
    CHECK(a.pseudonym == io::pseudonym({"12345", "Doe^John", "19700101"}, "salt-one"));
    CHECK(io::read_dicom_series(dir, "", "salt-one").pseudonym == a.pseudonym);
    CHECK(io::read_dicom_series(dir, "", "salt-two").pseudonym != a.pseudonym);
    // Another patient, same salt: another pseudonym; parts cannot be shifted into each other.
    CHECK(io::pseudonym({"12346", "Doe^John", "19700101"}, "salt-one") != a.pseudonym);
    CHECK(io::pseudonym({"ab", "c"}, "s") != io::pseudonym({"a", "bc"}, "s"));

    // A series written by lithosim carries the pseudonym it is given, nothing else.
    io::DicomWriteOptions options;
    options.pseudonym = a.pseudonym;
    io::write_dicom_series(a.volume, scratch / "out", options);
    CHECK(get_text(slice_file(scratch / "out", 1), 0x0010, 0x0010) == a.pseudonym);
    CHECK(get_text(slice_file(scratch / "out", 1), 0x0010, 0x0020) == a.pseudonym);
    CHECK(get_text(slice_file(scratch / "out", 1), 0x0010, 0x0030).empty());
}

TEST_CASE("privacy: the site salt comes from the environment or a private file made once", "[io][ct]") {
    const ScratchDir scratch("ct_salt");
    const auto saved = [](const char* name) {
        const char* v = std::getenv(name);
        return v ? std::optional<std::string>(v) : std::nullopt;
    };
    const auto old_salt = saved("LITHOSIM_PSEUDONYM_SALT"), old_xdg = saved("XDG_CONFIG_HOME");
    ::unsetenv("LITHOSIM_PSEUDONYM_SALT");
    ::setenv("XDG_CONFIG_HOME", scratch.path().c_str(), 1);

    const std::string first = io::site_salt();
    const fs::path file = scratch / "lithosim" / "pseudonym_salt";
    CHECK(std::regex_match(first, std::regex("[0-9a-f]{64}")));
    REQUIRE(fs::exists(file));
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(io::site_salt() == first);
    ::setenv("LITHOSIM_PSEUDONYM_SALT", "from-env", 1);
    CHECK(io::site_salt() == "from-env");
    // A second site makes its own salt.
    ::unsetenv("LITHOSIM_PSEUDONYM_SALT");
    ::setenv("XDG_CONFIG_HOME", (scratch / "site2").c_str(), 1);
    CHECK(io::site_salt() != first);

    old_salt ? (void)::setenv("LITHOSIM_PSEUDONYM_SALT", old_salt->c_str(), 1)
             : (void)::unsetenv("LITHOSIM_PSEUDONYM_SALT");
    old_xdg ? (void)::setenv("XDG_CONFIG_HOME", old_xdg->c_str(), 1) : (void)::unsetenv("XDG_CONFIG_HOME");
}

// ---------------------------------------------------------------------------------------------------------------
// NIfTI, MetaImage, NRRD
// ---------------------------------------------------------------------------------------------------------------

namespace {

/// A NIfTI-1 single file (.nii) written field by field (offsets from nifti1.h), int16 voxels.
struct NiftiSpec {
    std::array<int, 3> dims{12, 10, 4};
    std::array<float, 3> pixdim{0.8f, 1.1f, 2.0f};
    float qfac = 1;
    int qform_code = 0, sform_code = 0;
    std::array<float, 3> quatern{0, 0, 0}, qoffset{0, 0, 0};
    std::array<std::array<float, 4>, 3> srow{};
    float scl_slope = 0, scl_inter = 0;
    std::uint8_t xyzt_units = 2;  // mm
};

std::int16_t nifti_value(int i, int j, int k) { return std::int16_t(3 * i + 40 * j + 500 * k - 700); }

void write_nifti(const fs::path& p, const NiftiSpec& s) {
    std::string h(352, '\0');
    const auto put = [&](std::size_t offset, auto value) { std::memcpy(&h[offset], &value, sizeof value); };
    put(0, std::int32_t(348));
    put(40, std::int16_t(3));
    for (int a = 0; a < 3; ++a) put(42 + 2 * a, std::int16_t(s.dims[a]));
    for (int a = 3; a < 7; ++a) put(42 + 2 * a, std::int16_t(1));
    put(70, std::int16_t(4));   // datatype: DT_SIGNED_SHORT
    put(72, std::int16_t(16));  // bitpix
    put(76, s.qfac);            // pixdim[0]
    for (int a = 0; a < 3; ++a) put(80 + 4 * a, s.pixdim[a]);
    put(108, 352.0f);  // vox_offset
    put(112, s.scl_slope);
    put(116, s.scl_inter);
    put(123, s.xyzt_units);
    std::memcpy(&h[148], "Doe^John 12345", 14);  // descrip: never copied
    put(252, std::int16_t(s.qform_code));
    put(254, std::int16_t(s.sform_code));
    for (int a = 0; a < 3; ++a) put(256 + 4 * a, s.quatern[a]);
    for (int a = 0; a < 3; ++a) put(268 + 4 * a, s.qoffset[a]);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) put(280 + 16 * r + 4 * c, s.srow[r][c]);
    std::memcpy(&h[344], "n+1\0", 4);
    std::vector<std::int16_t> data;
    for (int k = 0; k < s.dims[2]; ++k)
        for (int j = 0; j < s.dims[1]; ++j)
            for (int i = 0; i < s.dims[0]; ++i) data.push_back(nifti_value(i, j, k));
    write_bytes(p, h, data.data(), data.size() * sizeof(std::int16_t));
}

/// RAS unit vector -> LPS.
Vec3 lps(const Vec3& ras) { return {-ras[0], -ras[1], ras[2]}; }

}  // namespace

TEST_CASE("NIfTI .nii: qform with qfac -1 and a rotation, scl_slope/scl_inter, RAS converted to LPS", "[io][ct]") {
    const ScratchDir scratch("ct_nifti_qform");
    NiftiSpec s;
    s.qform_code = 1;
    s.qfac = -1;
    // Quaternion of a 90 degree rotation about z (b = c = 0, d = sin 45 degrees): R x = (-y, x, z).
    s.quatern = {0, 0, float(std::sin(std::numbers::pi / 4))};
    s.qoffset = {10, -20, 30};
    s.scl_slope = 2;
    s.scl_inter = -1000;
    const fs::path p = scratch / "ct.nii";
    write_nifti(p, s);
    const CtImage ct = io::read_ct_image(p, kSalt);
    CHECK(ct.format == "nifti");
    // nifti1.h method 2: RAS = R [i dx, j dy, qfac k dz] + qoffset; R columns: (0,1,0), (-1,0,0), (0,0,1).
    const Grid g{lps({10, -20, 30}), {lps({0, 1, 0}), lps({-1, 0, 0}), lps({0, 0, -1})}, {0.8, 1.1, 2.0}, s.dims};
    check_positions_and_values(ct.volume, g, [](int i, int j, int k) { return 2.0 * nifti_value(i, j, k) - 1000; });
    for (int a = 0; a < 3; ++a) CHECK(ct.volume.spacing_mm[a] == Approx(g.spacing[a]));
    CHECK(ct.pseudonym == io::pseudonym({ct.input_sha1}, kSalt));
    CHECK(ct.pseudonym.find("Doe") == std::string::npos);
}

TEST_CASE("NIfTI .nii: the sform is used when set, and metres are converted to mm", "[io][ct]") {
    const ScratchDir scratch("ct_nifti_sform");
    NiftiSpec s;
    s.sform_code = 1;
    s.qform_code = 0;
    s.xyzt_units = 1;  // metres
    s.pixdim = {0.0008f, 0.0011f, 0.002f};
    // sform columns: i -> 0.0008 (0, 0, 1) m, j -> 0.0011 (1, 0, 0) m, k -> 0.002 (0, 1, 0) m; offset (0.1, 0.2, -0.3)
    // m.
    s.srow = {{{0, 0.0011f, 0, 0.1f}, {0, 0, 0.002f, 0.2f}, {0.0008f, 0, 0, -0.3f}}};
    const fs::path p = scratch / "ct.nii";
    write_nifti(p, s);
    const CtImage ct = io::read_ct_image(p, kSalt);
    CHECK(ct.format == "nifti");
    const Grid g{lps({100, 200, -300}), {lps({0, 0, 1}), lps({1, 0, 0}), lps({0, 1, 0})}, {0.8, 1.1, 2.0}, s.dims};
    check_positions_and_values(
        ct.volume, g, [](int i, int j, int k) { return nifti_value(i, j, k); }, 1e-3);
}

TEST_CASE("NIfTI .nii.gz written by VTK reads back with its qform", "[io][ct]") {
    const ScratchDir scratch("ct_nifti_gz");
    vtkNew<vtkImageData> image;
    image->SetDimensions(11, 9, 3);
    image->SetSpacing(0.6, 0.75, 1.5);
    vtkNew<vtkFloatArray> values;
    values->SetNumberOfTuples(11 * 9 * 3);
    const auto value = [](int i, int j, int k) { return -300.5 + 7 * i + 11 * j + 100 * k; };
    for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 9; ++j)
            for (int i = 0; i < 11; ++i) values->SetValue(i + 11 * (j + 9 * k), float(value(i, j, k)));
    image->GetPointData()->SetScalars(values);
    // qform: rotation by 30 degrees about x, offset (5, 6, 7) mm (RAS).
    const double c = std::cos(std::numbers::pi / 6), sn = std::sin(std::numbers::pi / 6);
    vtkNew<vtkMatrix4x4> m;
    const double e[16] = {1, 0, 0, 5, 0, c, -sn, 6, 0, sn, c, 7, 0, 0, 0, 1};
    m->DeepCopy(e);
    vtkNew<vtkNIFTIImageWriter> writer;
    writer->SetInputData(image);
    writer->SetQFormMatrix(m);
    const fs::path p = scratch / "ct.nii.gz";
    writer->SetFileName(p.c_str());
    writer->Write();
    REQUIRE(fs::exists(p));
    const CtImage ct = io::read_ct(p, io::CtReadOptions{"", kSalt});
    const Grid g{lps({5, 6, 7}), {lps({1, 0, 0}), lps({0, c, sn}), lps({0, -sn, c})}, {0.6, 0.75, 1.5}, {11, 9, 3}};
    check_positions_and_values(ct.volume, g, value, 1e-3);
}

TEST_CASE("MetaImage .mha and .mhd: Offset, ElementSpacing and TransformMatrix (LPS) are honoured", "[io][ct]") {
    const ScratchDir scratch("ct_metaimage");
    const int nx = 12, ny = 10, nz = 3;
    std::vector<std::int16_t> data;
    const auto value = [](int i, int j, int k) { return std::int16_t(-1000 + 9 * i + 70 * j + 300 * k); };
    for (int k = 0; k < nz; ++k)
        for (int j = 0; j < ny; ++j)
            for (int i = 0; i < nx; ++i) data.push_back(value(i, j, k));
    const std::array<Vec3, 3> axes = oblique_axes(-40, 15);
    const std::string geometry = fmt(
        "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n",
        "TransformMatrix = ", axes[0][0], " ", axes[0][1], " ", axes[0][2], " ", axes[1][0], " ", axes[1][1], " ",
        axes[1][2], " ", axes[2][0], " ", axes[2][1], " ", axes[2][2],
        "\nOffset = -12.5 30 -7.25\nCenterOfRotation = 0 0 0\n",
        "AnatomicalOrientation = RAI\nElementSpacing = 0.45 0.55 3\n", "DimSize = 12 10 3\nElementType = MET_SHORT\n");
    const Grid g{{-12.5, 30, -7.25}, axes, {0.45, 0.55, 3}, {nx, ny, nz}};
    SECTION(".mha") {
        write_bytes(scratch / "ct.mha", geometry + "ElementDataFile = LOCAL\n", data.data(), data.size() * 2);
        const CtImage ct = io::read_ct_image(scratch / "ct.mha", kSalt);
        CHECK(ct.format == "metaimage");
        check_positions_and_values(ct.volume, g, value);
    }
    SECTION(".mhd with a separate data file") {
        write_bytes(scratch / "ct.mhd", geometry + "ElementDataFile = ct.raw\n");
        write_bytes(scratch / "ct.raw", "", data.data(), data.size() * 2);
        check_positions_and_values(io::read_ct_image(scratch / "ct.mhd", kSalt).volume, g, value);
    }
}

TEST_CASE("NRRD: space directions and space origin in RAS or LPS are honoured", "[io][ct]") {
    const ScratchDir scratch("ct_nrrd");
    const int nx = 12, ny = 10, nz = 3;
    std::vector<std::int16_t> data;
    const auto value = [](int i, int j, int k) { return std::int16_t(20 * i - 15 * j + 400 * k); };
    for (int k = 0; k < nz; ++k)
        for (int j = 0; j < ny; ++j)
            for (int i = 0; i < nx; ++i) data.push_back(value(i, j, k));
    const std::array<Vec3, 3> axes = oblique_axes(25, -35);
    const Vec3 sp{0.6, 0.8, 2.5}, origin{3.5, -4.25, 60};
    const auto vec = [](const Vec3& v) { return fmt("(", v[0], ",", v[1], ",", v[2], ")"); };
    const auto scaled = [&](int a, double flip) {
        return Vec3{flip * axes[a][0] * sp[a], flip * axes[a][1] * sp[a], axes[a][2] * sp[a]};
    };
    const std::string space = GENERATE(std::string("left-posterior-superior"), std::string("right-anterior-superior"));
    const double flip = space == "right-anterior-superior" ? -1 : 1;  // the header is written in its own space
    const std::string header =
        fmt("NRRD0004\n# written by hand\ntype: short\ndimension: 3\nspace: ", space,
            "\nsizes: 12 10 3\nspace directions: ", vec(scaled(0, flip)), " ", vec(scaled(1, flip)), " ",
            vec(scaled(2, flip)), "\nkinds: domain domain domain\nendian: little\nencoding: raw\nspace origin: ",
            vec({flip * origin[0], flip * origin[1], origin[2]}), "\n\n");
    write_bytes(scratch / "ct.nrrd", header, data.data(), data.size() * 2);
    const CtImage ct = io::read_ct_image(scratch / "ct.nrrd", kSalt);
    CHECK(ct.format == "nrrd");
    check_positions_and_values(ct.volume, Grid{origin, axes, sp, {nx, ny, nz}}, value);
    for (int a = 0; a < 3; ++a) CHECK(ct.volume.spacing_mm[a] == Approx(sp[a]));
}

TEST_CASE("CT files: unknown types, missing files and unsupported NRRD spaces are refused", "[io][ct]") {
    const ScratchDir scratch("ct_files_bad");
    write_bytes(scratch / "scan.xyz", "data");
    CHECK_THAT(input_error([&] { io::read_ct_image(scratch / "scan.xyz", kSalt); }),
               Catch::Contains("scan.xyz") && Catch::Contains(".nii, .nii.gz, .mha, .mhd, .nrrd, .nhdr"));
    CHECK_THAT(input_error([&] {
                   io::read_ct(scratch / "none.nii", io::CtReadOptions{"", kSalt});
               }),
               Catch::Contains("none.nii' does not exist"));
    std::vector<std::int16_t> data(12 * 10 * 2, 0);
    write_bytes(scratch / "scanner.nrrd",
                "NRRD0004\ntype: short\ndimension: 3\nspace: scanner-xyz\nsizes: 12 10 2\n"
                "space directions: (1,0,0) (0,1,0) (0,0,1)\nencoding: raw\n\n",
                data.data(), data.size() * 2);
    CHECK_THAT(input_error([&] { io::read_ct_image(scratch / "scanner.nrrd", kSalt); }),
               Catch::Contains("space 'scanner-xyz'"));
    write_bytes(scratch / "broken.nii", std::string(100, 'x'));
    CHECK_THAT(input_error([&] { io::read_ct_image(scratch / "broken.nii", kSalt); }), Catch::Contains("broken.nii"));
}
