// Calcification listing and target selection (models/targets.hpp) on synthetic volumes whose answers follow from the
// construction: a sphere of known radius in a volume with a non-trivial origin and permuted, flipped axes.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "models/targets.hpp"
#include "core/errors.hpp"

using namespace lithosim;
using namespace lithosim::models;

namespace {

// Axes permuted and flipped: column index i runs towards the patient's right (-x)... see make_volume.
const std::array<Vec3, 3> kAxes{Vec3{0, -1, 0}, Vec3{0, 0, 1}, Vec3{-1, 0, 0}};
const Vec3 kOrigin{112.5, -47.25, 311.0};

/// A soft-tissue volume (40 HU) of n^3 voxels of size h with the axes above.
HuVolume make_volume(std::size_t n, double h) {
    HuVolume v;
    v.nx = v.ny = v.nz = n;
    v.spacing_mm = {h, h, h};
    v.origin_mm = kOrigin;
    v.axes = kAxes;
    v.hu.assign(n * n * n, 40.0f);
    return v;
}

double dist(const Vec3& a, const Vec3& b) { return std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]); }

/// Sets every voxel whose centre lies within r of c (patient mm) to hu; returns how many.
std::size_t put_sphere(HuVolume& v, const Vec3& c, double r, float hu) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i)
                if (dist(v.position_mm(double(i), double(j), double(k)), c) <= r) {
                    v.hu[v.index(i, j, k)] = hu;
                    ++n;
                }
    return n;
}

std::size_t nearest(const HuVolume& v, const Vec3& p) {
    const Vec3 f = v.index_of(p);
    return v.index(std::size_t(std::lround(f[0])), std::size_t(std::lround(f[1])), std::size_t(std::lround(f[2])));
}

/// A point at the middle of the volume, moved by a sub-voxel offset (a fraction of h along each patient axis).
Vec3 middle(const HuVolume& v, const Vec3& offset_fraction) {
    Vec3 c = v.position_mm(0.5 * double(v.nx - 1), 0.5 * double(v.ny - 1), 0.5 * double(v.nz - 1));
    for (int a = 0; a < 3; ++a) c[a] += offset_fraction[a] * v.spacing_mm[0];
    return c;
}

}  // namespace

TEST_CASE("a sphere's volume, diameter and centroid, and a volume error that shrinks with the voxel size",
          "[models][targets]") {
    const double R = 4.0;
    const double V = 4.0 / 3.0 * std::numbers::pi * R * R * R;
    const std::vector<Vec3> offsets{{0, 0, 0}, {0.21, 0.37, 0.11}, {0.43, 0.05, 0.29}, {0.13, 0.48, 0.33},
                                    {0.31, 0.19, 0.47}};
    double mean_error[2] = {0, 0};
    const double h_of[2] = {0.8, 0.4};
    for (int level = 0; level < 2; ++level) {
        const double h = h_of[level];
        for (const Vec3& off : offsets) {
            HuVolume v = make_volume(std::size_t(std::lround(2 * R / h)) + 8, h);
            const Vec3 c = middle(v, off);
            const std::size_t n = put_sphere(v, c, R, 600.0f);
            v.hu[nearest(v, c)] = 900.0f;  // one peak voxel

            const Target t = target_from_point(v, c);
            REQUIRE(t.stats.voxels == n);
            CHECK(t.stats.volume_mm3 == Approx(double(n) * h * h * h));
            CHECK(t.stats.equivalent_diameter_mm == Approx(std::cbrt(6 * t.stats.volume_mm3 / std::numbers::pi)));
            CHECK(t.stats.peak_HU == 900.0);
            CHECK(t.stats.mean_HU == Approx((600.0 * double(n - 1) + 900.0) / double(n)));
            // The centroid of the voxel centres is the sphere centre to a small part of a voxel, in patient mm.
            CHECK(dist(t.stats.centroid_mm, c) < 0.1 * h);
            CHECK_FALSE(t.stats.touches_bone);
            std::size_t in_mask = 0;
            for (auto m : t.mask) in_mask += m;
            CHECK(in_mask == n);
            mean_error[level] += std::abs(t.stats.volume_mm3 - V) / V / double(offsets.size());
            CHECK(std::abs(t.stats.equivalent_diameter_mm - 2 * R) < h);
        }
    }
    std::printf("sphere R = 4 mm: mean relative volume error %.4f at h = 0.8 mm, %.4f at h = 0.4 mm\n",
                mean_error[0], mean_error[1]);
    CHECK(mean_error[0] < 0.05);
    CHECK(mean_error[1] < mean_error[0]);
}

TEST_CASE("a seed off by 2 mm finds the sphere, a shorter search radius does not", "[models][targets]") {
    HuVolume v = make_volume(40, 0.5);
    const Vec3 c = middle(v, {0.2, 0.1, 0.3});
    const std::size_t n = put_sphere(v, c, 3.0, 500.0f);
    // 2 mm past the surface along the patient y axis: soft tissue there, calcium 2 mm away.
    const Vec3 off{c[0], c[1] + 3.0 + 2.0, c[2]};
    REQUIRE(v.hu[nearest(v, off)] == 40.0f);
    const Target t = target_from_point(v, off);
    CHECK(t.stats.voxels == n);
    // A search radius shorter than the gap finds nothing.
    TargetOptions near;
    near.search_radius_mm = 1.0;
    CHECK_THROWS_WITH(target_from_point(v, off, near),
                      Catch::Contains("no calcification") && Catch::Contains("peak 40 HU"));
}

TEST_CASE("seed outside the volume, in air, or in soft tissue far from calcium: InputError with the facts",
          "[models][targets]") {
    HuVolume v = make_volume(20, 1.0);
    put_sphere(v, middle(v, {0, 0, 0}), 3.0, 500.0f);
    // Air in the first 5 slices (k < 5).
    for (std::size_t k = 0; k < 5; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) v.hu[v.index(i, j, k)] = -1000.0f;

    // Outside: the message gives the point and the extent of the voxel centres along patient x, y, z. With the
    // axes above, x runs from origin_x - 19 to origin_x (slice direction -x).
    const Vec3 far{kOrigin[0] + 50, kOrigin[1], kOrigin[2]};
    CHECK_THROWS_AS(target_from_point(v, far), InputError);
    CHECK_THROWS_WITH(target_from_point(v, far), Catch::Contains("outside") && Catch::Contains("162.5") &&
                                                     Catch::Contains("x 93.5 to 112.5"));
    // Half a voxel past the last centre is still inside (the voxel's cell); a bit more is outside.
    const Vec3 edge = v.position_mm(0, 0, -0.45);
    CHECK_THROWS_WITH(target_from_point(v, edge), !Catch::Contains("outside"));
    CHECK_THROWS_WITH(target_from_point(v, v.position_mm(0, 0, -0.55)), Catch::Contains("outside"));

    // In air, no calcium within 3 mm.
    CHECK_THROWS_WITH(target_from_point(v, v.position_mm(2, 2, 1)),
                      Catch::Contains("lies in air") && Catch::Contains("-1000 HU"));
    // Soft tissue far from the sphere.
    CHECK_THROWS_WITH(target_from_point(v, v.position_mm(2, 2, 15)),
                      Catch::Contains("no calcification") && Catch::Contains("40 HU there"));
}

TEST_CASE("list: ids by decreasing volume, touches_bone by face contact", "[models][targets]") {
    HuVolume v = make_volume(30, 1.0);
    LabelMap labels(v.size(), std::uint8_t(Label::soft_tissue));
    auto block = [&](std::size_t i0, std::size_t w, Label l, float hu) {
        for (std::size_t k = 10; k < 10 + w; ++k)
            for (std::size_t j = 10; j < 10 + w; ++j)
                for (std::size_t i = i0; i < i0 + w; ++i) {
                    labels[v.index(i, j, k)] = std::uint8_t(l);
                    v.hu[v.index(i, j, k)] = hu;
                }
    };
    block(1, 2, Label::calcification, 300.0f);   // 8 voxels, first in index order
    block(5, 4, Label::calcification, 500.0f);   // 64 voxels
    block(12, 3, Label::calcification, 700.0f);  // 27 voxels, face against the bone block at i = 15
    block(15, 3, Label::bone_cortical, 1400.0f);
    // An 8-voxel calcification that meets the bone block only at an edge (diagonally): not face contact.
    for (std::size_t k = 20; k < 22; ++k)
        for (std::size_t j = 20; j < 22; ++j)
            for (std::size_t i = 13; i < 15; ++i) labels[v.index(i, j, k)] = std::uint8_t(Label::calcification);
    for (std::size_t i = 15; i < 17; ++i) labels[v.index(i, 19, 19)] = std::uint8_t(Label::bone_cortical);
    // Same size as the first (8 voxels) but later in index order.

    const auto list = list_calcifications(v, labels);
    REQUIRE(list.size() == 4);
    CHECK(list[0].voxels == 64);
    CHECK(list[1].voxels == 27);
    CHECK(list[2].voxels == 8);
    CHECK(list[3].voxels == 8);
    for (std::size_t n = 0; n < 4; ++n) CHECK(list[n].id == int(n) + 1);
    CHECK(list[2].mean_HU == 300.0);  // the tie keeps index order: the block at i = 1 comes first
    CHECK_FALSE(list[0].touches_bone);
    CHECK(list[1].touches_bone);
    CHECK_FALSE(list[2].touches_bone);
    CHECK_FALSE(list[3].touches_bone);  // edge contact only
    CHECK(list[1].peak_HU == 700.0);
    CHECK(list[0].volume_mm3 == 64.0);
    // Centroid of block 2 (i 5..8, j, k 10..13): index (6.5, 11.5, 11.5) in patient mm.
    const Vec3 expected = v.position_mm(6.5, 11.5, 11.5);
    for (int a = 0; a < 3; ++a) CHECK(list[0].centroid_mm[a] == Approx(expected[a]));

    // By id.
    const Target t = target_from_id(v, labels, 2);
    CHECK(t.stats.id == 2);
    CHECK(t.stats.voxels == 27);
    CHECK(t.stats.touches_bone);
    std::size_t in_mask = 0;
    for (auto m : t.mask) in_mask += m;
    CHECK(in_mask == 27);
    CHECK_THROWS_WITH(target_from_id(v, labels, 5), Catch::Contains("id 5") && Catch::Contains("1 to 4"));
    CHECK_THROWS_AS(target_from_id(v, labels, 0), InputError);
    CHECK_THROWS_WITH(list_calcifications(v, LabelMap(10, 0)), Catch::Contains("10 voxels"));
}

TEST_CASE("HU-only list before segmentation, and clipping a deposit that touches bone", "[models][targets]") {
    HuVolume v = make_volume(60, 0.5);
    // A bone slab (1400 HU) over k >= 40, and a 3 mm deposit (600 HU) whose surface touches it.
    for (std::size_t k = 40; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) v.hu[v.index(i, j, k)] = 1400.0f;
    const Vec3 c = v.position_mm(30, 30, 40 - 6);  // 3 mm radius: reaches k = 40 - 0
    put_sphere(v, c, 3.0, 600.0f);
    const Vec3 lone = v.position_mm(10, 10, 10);
    const std::size_t lone_n = put_sphere(v, lone, 1.5, 300.0f);

    const auto all = list_calcifications(v);  // threshold 130: bone + deposit, and the lone deposit
    REQUIRE(all.size() == 2);
    CHECK(all[0].voxels > 60 * 60 * 20);  // the bone slab with the deposit on it
    CHECK(all[1].voxels == lone_n);
    CHECK_FALSE(all[0].touches_bone);     // unknown without labels
    CHECK(list_calcifications(v, 1000.0).size() == 1);  // only the bone is >= 1000 HU
    CHECK_THROWS_AS(list_calcifications(v, -2000.0), InputError);

    // From the deposit's centre the target stops at max_radius_mm, and says it was clipped.
    TargetOptions o;
    o.max_radius_mm = 4.0;
    const Target t = target_from_point(v, c, o);
    CHECK(t.stats.touches_bone);
    CHECK(t.stats.voxels < std::size_t(4.0 / 3.0 * std::numbers::pi * std::pow(4.0 / 0.5, 3) * 1.2));
    for (std::size_t n = 0; n < v.size(); ++n)
        if (t.mask[n]) {
            const std::size_t i = n % v.nx, j = (n / v.nx) % v.ny, k = n / (v.nx * v.ny);
            CHECK(dist(v.position_mm(double(i), double(j), double(k)), c) <= 4.0);
        }
    // The lone deposit is not clipped.
    const Target l = target_from_point(v, lone, o);
    CHECK(l.stats.voxels == lone_n);
    CHECK_FALSE(l.stats.touches_bone);
}
