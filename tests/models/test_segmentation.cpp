// Segmentation (models/segmentation.hpp): the HU ladder at and around every threshold, the bone / calcification rule
// by component volume, the target mask, outside air -> coupling water against enclosed gas and lung, and the
// option overrides with their errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "models/segmentation.hpp"
#include "core/errors.hpp"

using namespace lithosim;
using namespace lithosim::models;

namespace {

HuVolume make_volume(std::size_t nx, std::size_t ny, std::size_t nz, float fill, lithosim::models::Vec3 spacing = {1, 1, 1}) {
    HuVolume v;
    v.nx = nx;
    v.ny = ny;
    v.nz = nz;
    v.spacing_mm = spacing;
    v.hu.assign(v.size(), fill);
    return v;
}

/// Sets every voxel where inside(i, j, k) holds to `hu`; returns how many.
std::size_t paint(HuVolume& v, float hu, const std::function<bool(double, double, double)>& inside) {
    std::size_t count = 0;
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i)
                if (inside(double(i), double(j), double(k))) {
                    v.hu[v.index(i, j, k)] = hu;
                    ++count;
                }
    return count;
}

std::size_t count_of(const LabelMap& m, Label l) { return label_counts(m)[std::size_t(l)]; }

/// The label the ladder gives a HU (step 1 of segment), written from the documented bands.
Label band_of(const SegmentationOptions& o, double h) {
    if (h < o.lung_min_HU) return Label::air;
    if (h < o.fat_min_HU) return Label::lung;
    if (h < o.fluid_min_HU) return Label::fat;
    if (h < o.soft_tissue_min_HU) return Label::fluid;
    if (h < o.tendon_min_HU) return Label::soft_tissue;
    if (h < o.calcium_HU) return Label::tendon;
    return h < o.cortical_HU ? Label::bone_trabecular : Label::bone_cortical;  // as bone (bone_min_volume_mm3 = 0)
}

void check_ladder(const SegmentationOptions& o) {
    // One x-slab per value: each threshold, half a HU below and above it.
    std::vector<float> values;
    for (const char* t : {"lung_min_HU", "fat_min_HU", "fluid_min_HU", "soft_tissue_min_HU", "tendon_min_HU",
                          "calcium_HU", "cortical_HU"})
        for (const double d : {-0.5, 0.0, 0.5}) values.push_back(float(o.get(t) + d));
    HuVolume v = make_volume(values.size(), 3, 3, 0);
    for (std::size_t i = 0; i < values.size(); ++i)
        paint(v, values[i], [&](double x, double, double) { return x == double(i); });
    const LabelMap m = segment(v, o);
    for (std::size_t i = 0; i < values.size(); ++i) {
        INFO("HU " << values[i]);
        for (std::size_t k = 0; k < 3; ++k)
            for (std::size_t j = 0; j < 3; ++j) CHECK(Label(m[v.index(i, j, k)]) == band_of(o, values[i]));
    }
    // Every band is reached, so no threshold is shadowed by another.
    for (const Label l : {Label::air, Label::lung, Label::fat, Label::fluid, Label::soft_tissue, Label::tendon,
                          Label::bone_trabecular, Label::bone_cortical})
        CHECK(count_of(m, l) > 0);
}

}  // namespace

TEST_CASE("the HU ladder: values at a threshold land in the band above it", "[models][segmentation]") {
    SegmentationOptions o;
    o.outside_air_is_coupling = false;  // the air slab is at the border: keep it air here
    o.bone_min_volume_mm3 = 0;          // every calcium component is bone: tests cortical_HU too
    check_ladder(o);

    SECTION("overridden thresholds move the bands") {
        o.apply({"fat_min_HU=-200", "fluid_min_HU = -40", "tendon_min_HU=100", "cortical_HU=500"});
        CHECK(o.fluid_min_HU == -40);
        check_ladder(o);
    }
}

TEST_CASE("a large calcium block is bone, a small isolated sphere calcification", "[models][segmentation]") {
    HuVolume v = make_volume(40, 40, 40, 40.0f);  // soft tissue, 1 mm voxels
    // Bone block 20 mm cube (8000 mm^3 > 5000): a 1000 HU shell around a 400 HU core.
    auto in_block = [](double x, double y, double z) { return x >= 2 && x < 22 && y >= 2 && y < 22 && z >= 2 && z < 22; };
    auto in_core = [](double x, double y, double z) { return x >= 5 && x < 19 && y >= 5 && y < 19 && z >= 5 && z < 19; };
    const std::size_t block = paint(v, 1000.0f, in_block);
    const std::size_t core = paint(v, 400.0f, in_core);
    // 300 HU sphere, radius 3 mm, 6 mm away from the block.
    auto in_sphere = [](double x, double y, double z) {
        return (x - 31) * (x - 31) + (y - 31) * (y - 31) + (z - 31) * (z - 31) <= 9.0;
    };
    const std::size_t sphere = paint(v, 300.0f, in_sphere);

    const LabelMap m = segment(v);
    CHECK(count_of(m, Label::bone_cortical) == block - core);
    CHECK(count_of(m, Label::bone_trabecular) == core);
    CHECK(count_of(m, Label::calcification) == sphere);
    CHECK(count_of(m, Label::soft_tissue) == v.size() - block - sphere);
    CHECK(Label(m[v.index(31, 31, 31)]) == Label::calcification);

    SECTION("the volume rule is 'larger than bone_min_volume_mm3', with the voxel volume from the spacing") {
        // Anisotropic voxels of 0.5 x 0.5 x 2 mm = 0.5 mm^3: the sphere holds sphere * 0.5 mm^3.
        v.spacing_mm = {0.5, 0.5, 2.0};
        const double sphere_mm3 = double(sphere) * 0.5;
        SegmentationOptions o;
        o.bone_min_volume_mm3 = sphere_mm3;  // not larger: calcification
        CHECK(count_of(segment(v, o), Label::calcification) == sphere);
        o.bone_min_volume_mm3 = sphere_mm3 - 0.5;  // one voxel less: larger, so bone
        CHECK(count_of(segment(v, o), Label::calcification) == 0);
    }
}

TEST_CASE("a sphere touching the bone is bone unless it is in the target mask", "[models][segmentation]") {
    HuVolume v = make_volume(40, 40, 40, 40.0f);
    auto in_block = [](double x, double y, double z) { return x >= 2 && x < 22 && y >= 2 && y < 22 && z >= 2 && z < 22; };
    auto in_sphere = [](double x, double y, double z) {  // centre 3 mm outside the face x = 21, radius 3
        return (x - 24) * (x - 24) + (y - 12) * (y - 12) + (z - 12) * (z - 12) <= 9.0;
    };
    const std::size_t block = paint(v, 1000.0f, in_block);
    std::size_t sphere_outside_block = 0;
    std::vector<std::uint8_t> mask(v.size(), 0);
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i)
                if (in_sphere(i, j, k) && !in_block(i, j, k)) {
                    v.hu[v.index(i, j, k)] = 300.0f;
                    mask[v.index(i, j, k)] = 1;
                    ++sphere_outside_block;
                }
    REQUIRE(sphere_outside_block > 0);

    const LabelMap plain = segment(v);
    CHECK(count_of(plain, Label::calcification) == 0);
    CHECK(count_of(plain, Label::bone_trabecular) == sphere_outside_block);  // 300 HU < cortical_HU
    CHECK(count_of(plain, Label::bone_cortical) == block);

    const LabelMap targeted = segment(v, {}, &mask);
    CHECK(count_of(targeted, Label::calcification) == sphere_outside_block);
    CHECK(count_of(targeted, Label::bone_cortical) == block);
    CHECK(count_of(targeted, Label::bone_trabecular) == 0);

    SECTION("a target voxel is calcification whatever its HU") {
        std::vector<std::uint8_t> one(v.size(), 0);
        one[v.index(35, 35, 35)] = 1;  // soft tissue at 40 HU
        const LabelMap m = segment(v, {}, &one);
        CHECK(Label(m[v.index(35, 35, 35)]) == Label::calcification);
        CHECK(count_of(m, Label::calcification) == 1);
    }
}

TEST_CASE("air at the border becomes coupling water; enclosed gas and lung stay", "[models][segmentation]") {
    HuVolume v = make_volume(30, 30, 30, -1000.0f);  // air around the body
    auto in_body = [](double x, double y, double z) { return x >= 5 && x < 25 && y >= 5 && y < 25 && z >= 5 && z < 25; };
    auto in_skin_rim = [&](double x, double y, double z) {  // 1-voxel partial-volume layer around the body
        return x >= 4 && x < 26 && y >= 4 && y < 26 && z >= 4 && z < 26 && !in_body(x, y, z);
    };
    auto in_pocket = [](double x, double y, double z) { return x >= 8 && x < 11 && y >= 8 && y < 11 && z >= 8 && z < 11; };
    auto in_lung = [](double x, double y, double z) { return x >= 15 && x < 21 && y >= 15 && y < 21 && z >= 15 && z < 21; };
    const std::size_t rim = paint(v, -600.0f, in_skin_rim);
    std::size_t body = paint(v, 40.0f, in_body);
    const std::size_t pocket = paint(v, -1000.0f, in_pocket);
    const std::size_t lung = paint(v, -800.0f, in_lung);
    body -= pocket + lung;
    const std::size_t outside = v.size() - body - pocket - lung - rim;

    const LabelMap m = segment(v);
    CHECK(count_of(m, Label::water) == outside + rim);
    CHECK(count_of(m, Label::air) == pocket);
    CHECK(count_of(m, Label::lung) == lung);
    CHECK(count_of(m, Label::soft_tissue) == body);

    SECTION("outside_rim_voxels = 0 keeps the partial-volume layer as lung") {
        SegmentationOptions o;
        o.set("outside_rim_voxels", 0);
        const LabelMap k = segment(v, o);
        CHECK(count_of(k, Label::water) == outside);
        CHECK(count_of(k, Label::lung) == lung + rim);
    }
    SECTION("outside_air_is_coupling = 0 keeps the outside as air") {
        SegmentationOptions o;
        o.set("outside_air_is_coupling=0");
        const LabelMap k = segment(v, o);
        CHECK(count_of(k, Label::water) == 0);
        CHECK(count_of(k, Label::air) == outside + pocket);
    }
    SECTION("gas that reaches a face of the volume counts as outside (a documented failure mode)") {
        paint(v, -1000.0f, [](double x, double y, double z) { return x >= 8 && x < 11 && y >= 8 && y < 11 && z < 11; });
        const LabelMap k = segment(v);
        CHECK(count_of(k, Label::air) == 0);
    }
}

TEST_CASE("segmentation overrides: names, values, order", "[models][segmentation]") {
    SegmentationOptions o;
    CHECK_THROWS_AS(o.set("fat_max_HU", -40), InputError);
    CHECK_THROWS_WITH(o.set("fat_max_HU", -40), Catch::Contains("fat_max_HU") && Catch::Contains("fluid_min_HU") &&
                                                    Catch::Contains("outside_rim_voxels"));
    CHECK_THROWS_WITH(o.set("fat_min_HU"), Catch::Contains("name=value"));
    CHECK_THROWS_WITH(o.set("fat_min_HU=-1e2x"), Catch::Contains("not a number"));
    CHECK_THROWS_WITH(o.set("outside_air_is_coupling=2"), Catch::Contains("accepted 0"));
    CHECK_THROWS_WITH(o.set("outside_rim_voxels=1.5"), Catch::Contains("integer"));
    CHECK_THROWS_WITH(o.set("calcium_HU", std::nan("")), Catch::Contains("finite"));

    // Thresholds out of order: the error names the pair and both values.
    SegmentationOptions bad;
    bad.set("fat_min_HU=-960");
    CHECK_THROWS_WITH(bad.validate(), Catch::Contains("fat_min_HU = -960") && Catch::Contains("lung_min_HU = -950"));
    CHECK_THROWS_AS(segment(make_volume(2, 2, 2, 0), bad), InputError);
    SegmentationOptions equal;
    CHECK_THROWS_WITH(equal.apply({"cortical_HU=130"}), Catch::Contains("cortical_HU = 130") &&
                                                            Catch::Contains("calcium_HU = 130"));
    SegmentationOptions negative;
    CHECK_THROWS_WITH(negative.apply({"bone_min_volume_mm3=-1"}), Catch::Contains("bone_min_volume_mm3"));

    // describe() lists every option in set() syntax, so it can be applied back.
    SegmentationOptions a;
    a.apply({"tendon_min_HU=90", "outside_rim_voxels=1", "outside_air_is_coupling=0"});
    std::istringstream words(a.describe());
    std::vector<std::string> back;
    for (std::string w; words >> w;) back.push_back(w);
    CHECK(back.size() == SegmentationOptions::names().size());
    SegmentationOptions b;
    b.apply(back);
    for (const std::string& n : SegmentationOptions::names()) CHECK(b.get(n) == a.get(n));
}

TEST_CASE("segment rejects bad volumes and masks; label_counts checks values", "[models][segmentation]") {
    HuVolume v = make_volume(3, 3, 3, 0);
    std::vector<std::uint8_t> mask(5, 0);
    CHECK_THROWS_WITH(segment(v, {}, &mask), Catch::Contains("mask"));
    v.hu[v.index(1, 2, 0)] = std::nanf("");
    CHECK_THROWS_WITH(segment(v), Catch::Contains("(1, 2, 0)"));
    v.hu.pop_back();
    CHECK_THROWS_AS(segment(v), InputError);
    HuVolume w = make_volume(2, 2, 2, 0, {1, 0, 1});
    CHECK_THROWS_WITH(segment(w), Catch::Contains("spacing_mm[1]"));

    LabelMap m{0, 4, 4, 9};
    const auto counts = label_counts(m);
    CHECK(counts[0] == 1);
    CHECK(counts[4] == 2);
    CHECK(counts[9] == 1);
    m.push_back(10);
    CHECK_THROWS_WITH(label_counts(m), Catch::Contains("voxel 4 holds 10"));
}
