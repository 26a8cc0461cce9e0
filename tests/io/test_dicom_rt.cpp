// DICOM-RT dose export (io/dicom_rt.hpp): a small oblique dose grid written as RT Dose passes dciodvfy (when it is
// installed; skipped with a message otherwise) and reads back through GDCM with the same geometry and values (within
// one step of DoseGridScaling); an existing destination is refused and nothing is left behind. The RT Structure Set
// of masks on that grid passes dciodvfy, reads back with its ROIs and contour points (1e-3 mm), and its contours
// give the masks back: their area is the masks' area and the voxel centres they enclose are the masks' voxels.
// The plane outlines (io/mask_contours.hpp): one loop per 4-connected part, one per hole, area = pixel count.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "io/dicom_rt.hpp"
#include "io/mask_contours.hpp"
#include "core/errors.hpp"
#include "tests/io/dciodvfy.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;

namespace {

io::RtDoseVolume oblique_volume() {
    io::RtDoseVolume v;
    v.quantity = "EFD per shock";
    v.unit = "mJ/mm2";
    v.nx = 5, v.ny = 4, v.nz = 3;
    v.origin_mm = {-12.5, 30.25, 101.0};
    v.spacing_mm = {0.5, 0.75, 1.25};
    const double c = std::cos(0.3), s = std::sin(0.3);
    v.axes = {std::array<double, 3>{c, s, 0}, {-s, c, 0}, {0, 0, 1}};
    for (std::size_t q = 0; q < v.size(); ++q) v.values.push_back(0.37f * float(q) / float(v.size()));
    return v;
}

/// A plane mask from rows of text, the first row at j = ny - 1 (as drawn): '#' inside.
std::vector<std::uint8_t> plane_of(const std::vector<std::string>& rows) {
    const std::size_t nx = rows.front().size(), ny = rows.size();
    std::vector<std::uint8_t> m(nx * ny, 0);
    for (std::size_t r = 0; r < ny; ++r)
        for (std::size_t i = 0; i < nx; ++i) m[i + nx * (ny - 1 - r)] = rows[r][i] == '#';
    return m;
}

/// Even-odd test of a point against polygons (2D).
bool enclosed(const std::vector<std::vector<std::array<double, 2>>>& polygons, double x, double y) {
    bool in = false;
    for (const auto& p : polygons)
        for (std::size_t a = 0, b = p.size() - 1; a < p.size(); b = a++)
            if ((p[a][1] > y) != (p[b][1] > y) &&
                x < p[b][0] + (y - p[b][1]) * (p[a][0] - p[b][0]) / (p[a][1] - p[b][1]))
                in = !in;
    return in;
}

}  // namespace

TEST_CASE("plane outlines: a loop per 4-connected part and per hole, the area the pixel count", "[io][dicom_rt]") {
    // A square ring (one hole), an L, and two pixels touching only at a corner (two parts).
    const std::vector<std::string> rows = {
        "##########",
        "#....#...#",
        "#....#.#..",
        "######..#.",
        "..........",
        "#.........",
        "###.......",
    };
    const std::size_t nx = rows.front().size(), ny = rows.size();
    const std::vector<std::uint8_t> m = plane_of(rows);
    // The top block is one 4-connected part with one hole, the 4 x 2 room on the left; the cells right of it are open
    // to the edge at (9, 4). The pixels (7, 4) and (8, 3) touch only at a corner: two parts of their own.
    const std::vector<io::PlaneLoop> loops = io::trace_plane(m.data(), nx, ny);
    std::size_t outer = 0, holes = 0;
    double area = 0;
    std::vector<std::vector<std::array<double, 2>>> polygons;
    for (const auto& l : loops) {
        (l.hole ? holes : outer) += 1;
        area += io::signed_area(l.points);
        CHECK((io::signed_area(l.points) < 0) == l.hole);
        polygons.push_back(l.points);
        for (std::size_t q = 0; q < l.points.size(); ++q) {   // only corners: no two successive edges in one line
            const auto& a = l.points[(q + l.points.size() - 1) % l.points.size()];
            const auto& b = l.points[q];
            const auto& c = l.points[(q + 1) % l.points.size()];
            CHECK((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) != 0);
        }
    }
    std::size_t count = 0;
    for (auto v : m) count += v;
    CHECK(outer == 4);   // the block, the L, the two diagonal pixels
    CHECK(holes == 1);
    CHECK(area == Approx(double(count)).margin(1e-12));
    // The pixel centres the loops enclose (even-odd) are the mask.
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t i = 0; i < nx; ++i) wrong += enclosed(polygons, double(i), double(j)) != (m[i + nx * j] != 0);
    CHECK(wrong == 0);
}

TEST_CASE("RT Dose files pass dciodvfy and read back with their geometry and values", "[io][dicom_rt]") {
    test::ScratchDir scratch("dicom_rt");
    const io::RtDoseVolume v = oblique_volume();
    io::RtDoseVolume p = v;
    p.quantity = "p+ per shock", p.unit = "MPa";
    for (auto& x : p.values) x *= 100;
    io::RtWriteOptions options;
    options.pseudonym = "ANON1234";
    io::write_rt_dose(scratch / "rt", {"efd_per_shock.dcm", "p_plus_per_shock.dcm"}, {v, p}, options);

    for (const auto& [name, w] : {std::pair{"efd_per_shock.dcm", v}, std::pair{"p_plus_per_shock.dcm", p}}) {
        const auto file = scratch / "rt" / name;
        if (test::have_dciodvfy()) {
            const test::DciodvfyReport report = test::run_dciodvfy(file);
            INFO(report.text);
            CHECK(report.errors.empty());
        } else {
            WARN("dciodvfy not installed (Debian package dicom3tools, scripts/install-deps.sh): the DICOM validation "
                 "of " << name << " is skipped");
        }
        const io::RtDoseRead r = io::read_rt_dose(file);
        CHECK(r.modality == "RTDOSE");
        CHECK(r.dose_units == "RELATIVE");
        CHECK(r.dose_summation_type == "PLAN");
        CHECK(r.volume.quantity == w.quantity);
        CHECK(r.volume.unit == w.unit);
        CHECK(r.series_description == "lithosim " + w.quantity + " [" + w.unit + "]");
        CHECK(r.volume.nx == w.nx);
        CHECK(r.volume.ny == w.ny);
        CHECK(r.volume.nz == w.nz);
        for (int a = 0; a < 3; ++a) {
            CHECK(r.volume.origin_mm[a] == Approx(w.origin_mm[a]).margin(1e-9));
            CHECK(r.volume.spacing_mm[a] == Approx(w.spacing_mm[a]).margin(1e-9));
            for (int b = 0; b < 3; ++b) CHECK(r.volume.axes[a][b] == Approx(w.axes[a][b]).margin(1e-9));
        }
        REQUIRE(r.volume.values.size() == w.values.size());
        double worst = 0;
        for (std::size_t q = 0; q < w.values.size(); ++q)
            worst = std::max(worst, std::abs(double(r.volume.values[q]) - double(w.values[q])));
        CHECK(worst <= r.dose_grid_scaling + 1e-6 * w.values.back());
    }
    const io::RtDoseRead a = io::read_rt_dose(scratch / "rt" / "efd_per_shock.dcm");
    const io::RtDoseRead b = io::read_rt_dose(scratch / "rt" / "p_plus_per_shock.dcm");
    CHECK(a.frame_of_reference_uid == b.frame_of_reference_uid);
    CHECK(a.study_uid == b.study_uid);

    // An existing destination is bad input; nothing else appears next to it.
    CHECK_THROWS_AS((void)io::write_rt_dose(scratch / "rt", {"x.dcm"}, {v}, options), InputError);
    std::size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(scratch.path())) entries += e.path().filename() != "rt";
    CHECK(entries == 0);
}

TEST_CASE("RT Structure Set passes dciodvfy, reads back with its ROIs and points, and encloses the masks",
          "[io][dicom_rt]") {
    test::ScratchDir scratch("dicom_rt_struct");
    // An oblique grid (rotated about z and tilted), 16 x 12 x 4, unequal spacings.
    io::RtDoseVolume v;
    v.quantity = "EFD per shock", v.unit = "mJ/mm2";
    v.nx = 16, v.ny = 12, v.nz = 4;
    v.origin_mm = {-40.5, 12.25, -310.0};
    v.spacing_mm = {0.8, 0.6, 1.5};
    const double c = std::cos(0.4), s = std::sin(0.4), ct = std::cos(0.2), st = std::sin(0.2);
    v.axes = {std::array<double, 3>{c, s, 0}, {-s * ct, c * ct, st}, {s * st, -c * st, ct}};
    v.values.assign(v.size(), 1.0f);
    // target: a disk of radius 4 voxels about (7, 5) on frames 1 and 2; lung: a ring (outer square 12 x 10 less an
    // inner 6 x 4) on every frame; bowel_gas: one voxel.
    std::vector<std::uint8_t> target(v.size(), 0), lung(v.size(), 0), gas(v.size(), 0);
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) {
                const std::size_t q = i + v.nx * (j + v.ny * k);
                const double di = double(i) - 7, dj = double(j) - 5;
                target[q] = (k == 1 || k == 2) && di * di + dj * dj <= 16;
                const bool outer = i >= 2 && i < 14 && j >= 1 && j < 11, inner = i >= 5 && i < 11 && j >= 4 && j < 8;
                lung[q] = outer && !inner;
            }
    gas[3 + v.nx * (2 + v.ny * 3)] = 1;
    const std::vector<io::RtStructureMask> structures = {{"target", target}, {"lung", lung}, {"bowel_gas", gas}};
    io::RtWriteOptions options;
    options.pseudonym = "ANON1234";
    const std::string frame_uid = io::write_rt_dose(scratch / "rt", {"efd_per_shock.dcm"}, {v}, options, structures);

    const auto file = scratch / "rt" / "structures.dcm";
    REQUIRE(std::filesystem::exists(file));
    if (test::have_dciodvfy()) {
        const test::DciodvfyReport report = test::run_dciodvfy(file);
        INFO(report.text);
        CHECK(report.errors.empty());
    } else {
        WARN("dciodvfy not installed (Debian package dicom3tools, scripts/install-deps.sh): the DICOM validation of "
             "structures.dcm is skipped");
    }
    const io::RtStructureSetRead r = io::read_rt_structure_set(file);
    const io::RtDoseRead dose = io::read_rt_dose(scratch / "rt" / "efd_per_shock.dcm");
    CHECK(r.modality == "RTSTRUCT");
    CHECK(r.frame_of_reference_uid == frame_uid);
    CHECK(r.frame_of_reference_uid == dose.frame_of_reference_uid);
    CHECK(r.study_uid == dose.study_uid);
    REQUIRE(r.rois.size() == 3);
    const std::map<std::string, std::string> types = {{"target", "GTV"}, {"lung", "ORGAN"}, {"bowel_gas", "AVOIDANCE"}};
    for (std::size_t n = 0; n < structures.size(); ++n) {
        const io::RtRoi& roi = r.rois[n];
        const std::vector<std::uint8_t>& mask = structures[n].mask;
        INFO(structures[n].name);
        CHECK(roi.name == structures[n].name);
        CHECK(roi.interpreted_type == types.at(roi.name));
        CHECK(roi.colour != std::array<int, 3>{0, 0, 0});
        // The points as written (mask_contours), within 1e-3 mm.
        const std::vector<io::RtContour> written = io::mask_contours(v, mask);
        REQUIRE(roi.contours.size() == written.size());
        double worst = 0;
        for (std::size_t q = 0; q < written.size(); ++q) {
            REQUIRE(roi.contours[q].points_mm.size() == written[q].points_mm.size());
            for (std::size_t p = 0; p < written[q].points_mm.size(); ++p)
                for (int a = 0; a < 3; ++a)
                    worst = std::max(worst, std::abs(roi.contours[q].points_mm[p][a] - written[q].points_mm[p][a]));
        }
        CHECK(worst < 1e-3);
        // The geometry, from the points read back and the grid's known placement: each contour lies on the plane of a
        // frame; per frame, the signed areas (counter-clockwise about the beam axis positive, holes negative) add up to
        // the mask's voxels there times the voxel face; and the voxel centres the contours enclose (even-odd) are the
        // mask's voxels.
        std::vector<double> area(v.nz, 0);
        std::vector<std::vector<std::vector<std::array<double, 2>>>> polygons(v.nz);
        for (const auto& contour : roi.contours) {
            std::vector<std::array<double, 2>> uv;
            double w_first = 0;
            for (std::size_t p = 0; p < contour.points_mm.size(); ++p) {
                std::array<double, 3> d{};
                for (int a = 0; a < 3; ++a) d[a] = contour.points_mm[p][a] - v.origin_mm[a];
                const double u = (d[0] * v.axes[0][0] + d[1] * v.axes[0][1] + d[2] * v.axes[0][2]) / v.spacing_mm[0];
                const double w = (d[0] * v.axes[2][0] + d[1] * v.axes[2][1] + d[2] * v.axes[2][2]) / v.spacing_mm[2];
                const double y = (d[0] * v.axes[1][0] + d[1] * v.axes[1][1] + d[2] * v.axes[1][2]) / v.spacing_mm[1];
                if (p == 0) w_first = w;
                CHECK(w == Approx(w_first).margin(1e-4));
                // On the voxels' edges: half-way between voxel centres.
                CHECK(u - 0.5 == Approx(std::round(u - 0.5)).margin(1e-4));
                CHECK(y - 0.5 == Approx(std::round(y - 0.5)).margin(1e-4));
                uv.push_back({u, y});
            }
            const double k = std::round(w_first);
            CHECK(w_first == Approx(k).margin(1e-4));
            REQUIRE(k >= 0);
            REQUIRE(k < double(v.nz));
            area[std::size_t(k)] += io::signed_area(uv) * v.spacing_mm[0] * v.spacing_mm[1];
            polygons[std::size_t(k)].push_back(uv);
        }
        std::size_t wrong = 0;
        for (std::size_t k = 0; k < v.nz; ++k) {
            std::size_t voxels = 0;
            for (std::size_t j = 0; j < v.ny; ++j)
                for (std::size_t i = 0; i < v.nx; ++i) {
                    const bool in = mask[i + v.nx * (j + v.ny * k)] != 0;
                    voxels += in;
                    wrong += enclosed(polygons[k], double(i), double(j)) != in;
                }
            INFO("frame " << k);
            CHECK(area[k] == Approx(double(voxels) * v.spacing_mm[0] * v.spacing_mm[1]).margin(1e-3));
        }
        CHECK(wrong == 0);
    }
    // The one voxel of bowel_gas, (3, 2, 3): the square of its edges.
    REQUIRE(r.rois[2].contours.size() == 1);
    REQUIRE(r.rois[2].contours[0].points_mm.size() == 4);
    for (const auto& x : r.rois[2].contours[0].points_mm) {
        std::array<double, 3> local{};
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) local[a] += (x[b] - v.origin_mm[b]) * v.axes[a][b] / v.spacing_mm[a];
        CHECK(std::abs(local[0] - 3) == Approx(0.5).margin(1e-4));
        CHECK(std::abs(local[1] - 2) == Approx(0.5).margin(1e-4));
        CHECK(local[2] == Approx(3).margin(1e-4));
    }
    // A given frame of reference (the CT's) is kept by every file; a malformed UID is bad input.
    options.frame_of_reference_uid = "1.2.826.0.1.3680043.8.498.12345";
    CHECK(io::write_rt_dose(scratch / "rt_ct", {"efd_per_shock.dcm"}, {v}, options, structures) ==
          options.frame_of_reference_uid);
    CHECK(io::read_rt_dose(scratch / "rt_ct" / "efd_per_shock.dcm").frame_of_reference_uid ==
          options.frame_of_reference_uid);
    CHECK(io::read_rt_structure_set(scratch / "rt_ct" / "structures.dcm").frame_of_reference_uid ==
          options.frame_of_reference_uid);
    options.frame_of_reference_uid = "1.2..3";
    CHECK_THROWS_AS((void)io::write_rt_dose(scratch / "rt_bad", {"x.dcm"}, {v}, options), InputError);
    options.frame_of_reference_uid.clear();
    // A mask of another size is bad input.
    CHECK_THROWS_AS((void)io::write_rt_dose(scratch / "rt2", {"x.dcm"}, {v}, options,
                                            {{"target", std::vector<std::uint8_t>(7, 1)}}),
                    InputError);
}

TEST_CASE("RT Structure Set: an outline of more than 1500 points is thinned to fit ContourData", "[io][dicom_rt]") {
    // A filled triangle (i <= j) on a 900 x 900 frame: its staircase side alone has about 1800 corners.
    test::ScratchDir scratch("dicom_rt_long");
    io::RtDoseVolume v;
    v.quantity = "EFD per shock", v.unit = "mJ/mm2";
    v.nx = 900, v.ny = 900, v.nz = 1;
    v.spacing_mm = {0.25, 0.25, 1};
    v.values.assign(v.size(), 1.0f);
    std::vector<std::uint8_t> mask(v.size(), 0);
    for (std::size_t j = 0; j < v.ny; ++j)
        for (std::size_t i = 0; i <= j; ++i) mask[i + v.nx * j] = 1;
    REQUIRE(io::trace_plane(mask.data(), v.nx, v.ny).front().points.size() > 1500);
    io::RtWriteOptions options;
    options.pseudonym = "ANON1234";
    io::write_rt_dose(scratch / "rt", {"efd_per_shock.dcm"}, {v}, options, {{"target", mask}});
    const auto file = scratch / "rt" / "structures.dcm";
    if (test::have_dciodvfy()) {
        const test::DciodvfyReport report = test::run_dciodvfy(file);
        INFO(report.text);
        CHECK(report.errors.empty());
    }
    const io::RtStructureSetRead r = io::read_rt_structure_set(file);
    REQUIRE(r.rois.size() == 1);
    REQUIRE(r.rois[0].contours.size() == 1);
    const std::size_t n = r.rois[0].contours[0].points_mm.size();
    CHECK(n <= 1500);
    CHECK(n >= 750);
    // Still the triangle: its area within one staircase (half a voxel per row) of the mask's.
    std::vector<std::array<double, 2>> xy;
    for (const auto& p : r.rois[0].contours[0].points_mm) xy.push_back({p[0], p[1]});
    const double voxel = v.spacing_mm[0] * v.spacing_mm[1];
    const double mask_area = double(v.ny) * double(v.ny + 1) / 2 * voxel;
    CHECK(std::abs(io::signed_area(xy)) == Approx(mask_area).margin(double(v.ny) * voxel));
}
