// The beam frame, resampling into it, the shortest tissue window and the axisymmetric form (models/beam_model.hpp),
// on synthetic volumes whose answers follow from the geometry.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "models/beam_model.hpp"
#include "core/errors.hpp"

using namespace lithosim::models;

namespace {

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/// n^3 voxels of `hu`, spacing s, origin o, with the given axes.
HuVolume volume(std::size_t n, double s, Vec3 o, std::array<Vec3, 3> axes, float hu) {
    HuVolume v;
    v.nx = v.ny = v.nz = n;
    v.spacing_mm = {s, s, s};
    v.origin_mm = o;
    v.axes = axes;
    v.hu.assign(n * n * n, hu);
    return v;
}

const std::array<Vec3, 3> kPermuted{Vec3{0, 1, 0}, Vec3{0, 0, -1}, Vec3{-1, 0, 0}};  // right-handed, not identity

}  // namespace

TEST_CASE("beam frame axes are orthonormal, right-handed, with ez from source to target", "[models][beam]") {
    const Vec3 s{10, -20, 30}, t{13, -16, 42};
    const auto a = beam_frame_axes(s, t);
    const double L = std::sqrt(9.0 + 16.0 + 144.0);
    CHECK(a[2][0] == Approx(3 / L));
    CHECK(a[2][2] == Approx(12 / L));
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) CHECK(dot(a[i], a[j]) == Approx(i == j ? 1.0 : 0.0).margin(1e-12));
    const Vec3 z = {a[0][1] * a[1][2] - a[0][2] * a[1][1], a[0][2] * a[1][0] - a[0][0] * a[1][2],
                    a[0][0] * a[1][1] - a[0][1] * a[1][0]};
    CHECK(dot(z, a[2]) == Approx(1.0));
    CHECK_THROWS_AS(beam_frame_axes(s, s), lithosim::InputError);
}

TEST_CASE("resampling keeps every voxel at its patient position (linear HU field, oblique beam)", "[models][beam]") {
    // HU = 2 x + 3 y - z (patient mm) on a CT with permuted axes: trilinear interpolation reproduces a linear field.
    HuVolume ct = volume(40, 1.0, {20, -5, 60}, kPermuted, 0);
    for (std::size_t k = 0; k < ct.nz; ++k)
        for (std::size_t j = 0; j < ct.ny; ++j)
            for (std::size_t i = 0; i < ct.nx; ++i) {
                const Vec3 p = ct.position_mm(double(i), double(j), double(k));
                ct.hu[ct.index(i, j, k)] = float(2 * p[0] + 3 * p[1] - p[2]);
            }
    LabelMap labels(ct.size(), std::uint8_t(Label::soft_tissue));
    std::vector<std::uint8_t> target(ct.size(), 0);
    const Vec3 centre = ct.position_mm(19.5, 19.5, 19.5);
    const Vec3 source{centre[0] - 8, centre[1] + 6, centre[2] - 5}, tgt{centre[0] + 4, centre[1] - 3, centre[2] + 2};
    const BeamModel m = resample_to_beam(ct, labels, target, source, tgt, {0.7, 6, 4});
    REQUIRE(m.ct.nx % 2 == 1);
    CHECK(m.path_mm == Approx(std::sqrt(144.0 + 81 + 49)));
    std::size_t inside = 0;
    for (std::size_t k = 0; k < m.ct.nz; k += 3)
        for (std::size_t j = 0; j < m.ct.ny; j += 2)
            for (std::size_t i = 0; i < m.ct.nx; i += 2) {
                const Vec3 f = m.frame_mm(i, j, k);
                Vec3 p = m.frame_origin_mm;
                for (int a = 0; a < 3; ++a) p[a] += f[0] * m.frame_axes[0][a] + f[1] * m.frame_axes[1][a] + f[2] * m.frame_axes[2][a];
                const Vec3 q = m.ct.position_mm(double(i), double(j), double(k));
                for (int a = 0; a < 3; ++a) REQUIRE(q[a] == Approx(p[a]).margin(1e-9));
                const std::size_t n = m.ct.index(i, j, k);
                if (m.labels[n] != std::uint8_t(Label::soft_tissue)) continue;
                ++inside;
                CHECK(m.ct.hu[n] == Approx(2 * p[0] + 3 * p[1] - p[2]).margin(1e-3));
            }
    CHECK(inside > 100);
}

TEST_CASE("outside the CT the model is coupling water, and the target lands at (0, 0, L)", "[models][beam]") {
    HuVolume ct = volume(30, 0.5, {0, 0, 0}, {Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}}, 40);
    LabelMap labels(ct.size(), std::uint8_t(Label::soft_tissue));
    std::vector<std::uint8_t> target(ct.size(), 0);
    const Vec3 c{7.25, 7.25, 7.25};
    const double R = 2.5;
    std::size_t target_voxels = 0;
    for (std::size_t k = 0; k < ct.nz; ++k)
        for (std::size_t j = 0; j < ct.ny; ++j)
            for (std::size_t i = 0; i < ct.nx; ++i) {
                const Vec3 p = ct.position_mm(double(i), double(j), double(k));
                if ((p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]) <= R * R) {
                    target[ct.index(i, j, k)] = 1;
                    labels[ct.index(i, j, k)] = std::uint8_t(Label::calcification);
                    ++target_voxels;
                }
            }
    const Vec3 source{c[0], c[1], c[2] - 30};  // 30 mm before the target, 22.75 mm of it outside the CT
    const BeamModel m = resample_to_beam(ct, labels, target, source, c, {0.25, 4, 3});
    const std::size_t axis = (m.ct.nx - 1) / 2;
    CHECK(m.labels[m.ct.index(axis, axis, 0)] == std::uint8_t(Label::water));
    CHECK(m.ct.hu[m.ct.index(axis, axis, 0)] == 0.0f);
    const auto kt = std::size_t(std::lround(30 / 0.25));
    CHECK(m.target[m.ct.index(axis, axis, kt)] == 1);
    CHECK(m.labels[m.ct.index(axis, axis, kt)] == std::uint8_t(Label::calcification));
    std::size_t resampled = 0;
    for (auto t : m.target) resampled += t;
    // nearest-neighbour resampling keeps the volume to within the staircase of the CT's 0.5 mm voxels
    CHECK(double(resampled) * 0.25 * 0.25 * 0.25 == Approx(double(target_voxels) * 0.125).epsilon(0.05));
}

TEST_CASE("the shortest tissue window avoids bone and takes the thinnest tissue", "[models][beam]") {
    // A 60 mm cube of soft tissue in coupling water (the air outside the body), the target 10 mm under the +x face
    // and 20 mm under the -y face; a bone plate covers the +x side, so the window is through -y.
    const std::size_t n = 80;
    HuVolume ct = volume(n, 1.0, {-40, -40, -40}, {Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}}, -1000);
    LabelMap labels(ct.size(), std::uint8_t(Label::water));
    std::vector<std::uint8_t> target(ct.size(), 0);
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t i = 0; i < n; ++i) {
                const Vec3 p = ct.position_mm(double(i), double(j), double(k));
                if (std::abs(p[0]) > 30 || std::abs(p[1]) > 30 || std::abs(p[2]) > 30) continue;
                labels[ct.index(i, j, k)] = std::uint8_t(Label::soft_tissue);
                ct.hu[ct.index(i, j, k)] = 40;
                if (p[0] >= 24 && p[0] <= 28) labels[ct.index(i, j, k)] = std::uint8_t(Label::bone_cortical);
            }
    const Vec3 t{20, -10, 0};
    WindowOptions o;
    o.directions = 2000;
    o.standoff_mm = 5;
    AcousticWindow w = shortest_tissue_window(ct, labels, target, t, o);
    CHECK(w.tissue_path_mm == Approx(20.5).margin(1.5));  // to y = -30.5 (the first water voxel centre)
    CHECK(w.source_mm[1] < -30);
    CHECK(std::abs(w.source_mm[0] - 20) < 6);
    // Without the bone the +x face (10 mm) wins.
    for (auto& l : labels)
        if (l == std::uint8_t(Label::bone_cortical)) l = std::uint8_t(Label::soft_tissue);
    w = shortest_tissue_window(ct, labels, target, t, o);
    CHECK(w.tissue_path_mm == Approx(10.5).margin(1.5));
    CHECK(w.source_mm[0] > 30);
    // Bone all around: no window.
    for (auto& l : labels)
        if (l == std::uint8_t(Label::soft_tissue)) l = std::uint8_t(Label::bone_trabecular);
    CHECK_THROWS_AS(shortest_tissue_window(ct, labels, target, t, o), lithosim::InputError);
}

TEST_CASE("the axisymmetric form keeps axial layers exactly and a sphere on the axis as a sphere", "[models][beam]") {
    BeamModel m;
    const std::size_t n = 41, nz = 60;
    m.ct.nx = m.ct.ny = n;
    m.ct.nz = nz;
    m.ct.spacing_mm = {0.5, 0.5, 0.5};
    m.ct.hu.assign(n * n * nz, 0);
    m.labels.assign(m.ct.size(), std::uint8_t(Label::water));
    m.target.assign(m.ct.size(), 0);
    PropertyArrays p;
    for (auto* v : {&p.rho, &p.c, &p.alpha, &p.alpha_power, &p.BonA}) v->assign(m.ct.size(), 1.0f);
    const double zc = 20, R = 4;  // sphere centre on the axis at 20 mm, radius 4 mm
    for (std::size_t k = 0; k < nz; ++k)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t v = m.ct.index(i, j, k);
                const Vec3 f = m.frame_mm(i, j, k);
                const bool fat = f[2] < 10;  // a layer: z < 10 mm
                m.labels[v] = std::uint8_t(fat ? Label::fat : Label::soft_tissue);
                p.rho[v] = fat ? 927.0f : 1045.0f;
                if (f[0] * f[0] + f[1] * f[1] + (f[2] - zc) * (f[2] - zc) <= R * R) {
                    m.labels[v] = std::uint8_t(Label::calcification);
                    m.target[v] = 1;
                    p.rho[v] = 1862.0f;
                }
            }
    const AxisymmetricModel a = axisymmetric_form(m, p);
    CHECK(a.nr == 21);
    CHECK(a.nz == nz);
    for (std::size_t ir = 0; ir < a.nr; ++ir) {
        CHECK(a.labels[ir + a.nr * 4] == std::uint8_t(Label::fat));  // z = 2 mm
        CHECK(a.props.rho[ir + a.nr * 4] == Approx(927.0));
    }
    const std::size_t kc = 40;  // z = 20 mm
    for (std::size_t ir = 0; ir < a.nr; ++ir) {
        const double r = 0.5 * double(ir);
        const bool in = r <= R - 0.5, out = r >= R + 0.5;
        if (in) CHECK(a.target[ir + a.nr * kc] == 1);
        if (in) CHECK(a.props.rho[ir + a.nr * kc] == Approx(1862.0));
        if (out) CHECK(a.labels[ir + a.nr * kc] == std::uint8_t(Label::soft_tissue));
    }
}
