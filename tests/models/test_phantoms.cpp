// The procedural CT phantoms (models/phantoms.hpp, models/PHANTOMS.md): every phantom builds on its documented grid,
// holds its target where it says with the HU it says, the target's >= 130 HU component is exactly the built target
// (so it touches no bone), every other >= 130 HU structure is bone, the beam from the source reaches the target
// through no air and no bone, options change the target as asked, bad options are refused, and the noise is
// reproducible.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "models/phantoms.hpp"
#include "models/targets.hpp"
#include "core/errors.hpp"

using namespace lithosim;
using namespace lithosim::models;

namespace {

constexpr double kNoise = 5;  // the default noise_HU

Phantom build(const std::string& name, const PhantomOptions& o = {}) {
    const auto t0 = std::chrono::steady_clock::now();
    Phantom ph = make_phantom(name, o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("phantom %s: %zu x %zu x %zu voxels (%.2f M) at %.2f mm in %.2f s; target %.1f mm, %.0f HU, "
                "%.1f mm3 built / %.1f mm3 nominal\n",
                name.c_str(), ph.ct.nx, ph.ct.ny, ph.ct.nz, double(ph.ct.size()) / 1e6, ph.ct.spacing_mm[0], s,
                ph.target_diameter_mm, ph.target_HU, ph.target_volume_mm3, ph.target_nominal_volume_mm3);
    return ph;
}

std::size_t nearest_voxel(const HuVolume& v, const Vec3& p) {
    const Vec3 f = v.index_of(p);
    return v.index(std::size_t(std::lround(f[0])), std::size_t(std::lround(f[1])), std::size_t(std::lround(f[2])));
}

bool inside(const HuVolume& v, const Vec3& p) {
    const Vec3 f = v.index_of(p);
    return f[0] >= -0.5 && f[1] >= -0.5 && f[2] >= -0.5 && f[0] < double(v.nx) - 0.5 && f[1] < double(v.ny) - 0.5 &&
           f[2] < double(v.nz) - 0.5;
}

bool is_bone(std::uint8_t l) {
    return l == std::uint8_t(Label::bone_cortical) || l == std::uint8_t(Label::bone_trabecular);
}

/// 26-connected components of the voxels >= 130 HU, each as its voxel indices (written here, independently of
/// models/targets.cpp, so that the two check each other).
std::vector<std::vector<std::size_t>> calcium_components(const HuVolume& v) {
    std::vector<std::uint8_t> seen(v.size(), 0);
    std::vector<std::vector<std::size_t>> out;
    const auto nx = long(v.nx), ny = long(v.ny), nz = long(v.nz);
    for (std::size_t s = 0; s < v.size(); ++s) {
        if (seen[s] || v.hu[s] < 130) continue;
        seen[s] = 1;
        std::vector<std::size_t> c{s};
        for (std::size_t q = 0; q < c.size(); ++q) {
            const long i = long(c[q] % v.nx), j = long((c[q] / v.nx) % v.ny), k = long(c[q] / (v.nx * v.ny));
            for (long dk = -1; dk <= 1; ++dk)
                for (long dj = -1; dj <= 1; ++dj)
                    for (long di = -1; di <= 1; ++di) {
                        const long a = i + di, b = j + dj, d = k + dk;
                        if (a < 0 || b < 0 || d < 0 || a >= nx || b >= ny || d >= nz) continue;
                        const auto n = std::size_t(a + nx * (b + ny * d));
                        if (!seen[n] && v.hu[n] >= 130) seen[n] = 1, c.push_back(n);
                    }
        }
        out.push_back(std::move(c));
    }
    return out;
}

/// What every phantom must satisfy. fov_mm: the documented field of view (models/PHANTOMS.md).
void check_phantom(const Phantom& ph, const Vec3& fov_mm, const std::string& indication) {
    const HuVolume& v = ph.ct;
    const double s = v.spacing_mm[0];
    INFO(ph.name);
    // Grid: the documented field of view at the spacing, under 12 M voxels, labels on the same grid.
    CHECK(double(v.nx) * s == Approx(fov_mm[0]).margin(s));
    CHECK(double(v.ny) * s == Approx(fov_mm[1]).margin(s));
    CHECK(double(v.nz) * s == Approx(fov_mm[2]).margin(s));
    CHECK(v.size() <= 12'000'000u);
    REQUIRE(v.hu.size() == v.size());
    REQUIRE(ph.truth.size() == v.size());
    CHECK(ph.indication == indication);
    // Air around the body.
    CHECK(ph.truth[0] == std::uint8_t(Label::air));
    CHECK(v.hu[0] == Approx(-1000).margin(5 * kNoise));

    // The target holds its centre, with the asked HU within the noise.
    REQUIRE(inside(v, ph.target_centre_mm));
    const std::size_t centre = nearest_voxel(v, ph.target_centre_mm);
    CHECK(ph.truth[centre] == std::uint8_t(Label::calcification));
    CHECK(v.hu[centre] == Approx(ph.target_HU).margin(5 * kNoise));
    // Built volume within 10 % of the analytic shape. Every calcification voxel is the target's when there is one
    // stone; with more stones (gallbladder), the others hold the rest.
    std::size_t built_all = 0;
    for (auto l : ph.truth) built_all += l == std::uint8_t(Label::calcification);
    const auto built = std::size_t(std::lround(ph.target_volume_mm3 / (s * s * s)));
    CHECK(ph.target_volume_mm3 == Approx(double(built) * s * s * s));
    if (ph.stone_count == 1) CHECK(built == built_all);
    CHECK(built < built_all + 1);
    CHECK(ph.target_volume_mm3 == Approx(ph.target_nominal_volume_mm3).epsilon(0.10));

    // >= 130 HU: the component holding the target is exactly the built target (so no bone in it), every other
    // component holds bone, except the other stones of a gallbladder with stone_count > 1 (all calcification).
    std::size_t target_components = 0, other_stones = 0, other_stone_voxels = 0;
    for (const auto& c : calcium_components(v)) {
        bool has_bone = false, has_centre = false;
        std::size_t calc = 0;
        for (std::size_t n : c) {
            has_bone |= is_bone(ph.truth[n]);
            has_centre |= n == centre;
            calc += ph.truth[n] == std::uint8_t(Label::calcification);
        }
        if (has_centre) {
            ++target_components;
            CHECK_FALSE(has_bone);
            CHECK(c.size() == built);
            CHECK(calc == built);
        } else if (has_bone) {
            CHECK(calc == 0);
        } else {
            ++other_stones;
            other_stone_voxels += c.size();
            CHECK(calc == c.size());
        }
    }
    CHECK(target_components == 1);
    CHECK(other_stones == std::size_t(ph.stone_count - 1));
    CHECK(built + other_stone_voxels == built_all);
    // The library agrees: the target found from its centre is the built target.
    TargetOptions wide;
    wide.max_radius_mm = 200;
    const Target t = target_from_point(v, ph.target_centre_mm, wide);
    CHECK(t.stats.voxels == built);
    CHECK_FALSE(t.stats.touches_bone);

    // Beam: from the source (outside the skin, 20-40 mm from it) to the target through no air and no bone.
    const Vec3 S = ph.source_position_mm, T = ph.target_centre_mm;
    const double length = std::hypot(T[0] - S[0], T[1] - S[1], T[2] - S[2]);
    const double step = 0.25 * s;
    double entry = -1;
    std::size_t air = 0, bone = 0, seen_in_volume = 0;
    for (double t = 0; t <= length; t += step) {
        const Vec3 p{S[0] + (T[0] - S[0]) * t / length, S[1] + (T[1] - S[1]) * t / length,
                     S[2] + (T[2] - S[2]) * t / length};
        if (!inside(v, p)) continue;
        ++seen_in_volume;
        const std::uint8_t l = ph.truth[nearest_voxel(v, p)];
        if (entry < 0) {
            if (l != std::uint8_t(Label::air)) entry = t;
            continue;
        }
        air += l == std::uint8_t(Label::air);
        bone += is_bone(l);
    }
    INFO("skin entry " << entry << " mm from the source");
    CHECK(seen_in_volume > 0);
    CHECK(entry >= 20);
    CHECK(entry <= 40);
    CHECK(air == 0);
    CHECK(bone == 0);
}

/// The label met first beyond the target along the beam, within `depth_mm`, skipping target and soft labels.
bool bone_behind(const Phantom& ph, double depth_mm) {
    const Vec3 S = ph.source_position_mm, T = ph.target_centre_mm;
    const double L = std::hypot(T[0] - S[0], T[1] - S[1], T[2] - S[2]);
    for (double t = 0; t <= depth_mm; t += 0.1) {
        const Vec3 p{T[0] + (T[0] - S[0]) * t / L, T[1] + (T[1] - S[1]) * t / L, T[2] + (T[2] - S[2]) * t / L};
        if (inside(ph.ct, p) && is_bone(ph.truth[nearest_voxel(ph.ct, p)])) return true;
    }
    return false;
}

std::size_t count_label(const Phantom& ph, Label l) {
    std::size_t n = 0;
    for (auto x : ph.truth) n += x == std::uint8_t(l);
    return n;
}

}  // namespace

TEST_CASE("phantom names are the contract", "[models][phantoms]") {
    CHECK(phantom_names() == std::vector<std::string>{"shoulder", "gallbladder", "bile_duct", "femoral"});
}

TEST_CASE("shoulder phantom: deposit in the tendon, humeral head behind it, clear beam", "[models][phantoms]") {
    const Phantom ph = build("shoulder");
    CHECK(ph.ct.spacing_mm[0] == 0.5);
    CHECK(ph.target_diameter_mm == 10);
    check_phantom(ph, {100, 108, 96}, "tendon");
    CHECK(bone_behind(ph, 15));  // bone within 15 mm behind the deposit centre, on the axis
    // The anatomy is there: tendon, bursa fluid, fat, both kinds of bone.
    CHECK(count_label(ph, Label::tendon) > 0);
    CHECK(count_label(ph, Label::fluid) > 0);
    CHECK(count_label(ph, Label::fat) > 0);
    CHECK(count_label(ph, Label::bone_cortical) > 0);
    CHECK(count_label(ph, Label::bone_trabecular) > 0);
}

TEST_CASE("gallbladder phantom: stone in bile, ribs and gas off the beam", "[models][phantoms]") {
    const Phantom ph = build("gallbladder");
    CHECK(ph.ct.spacing_mm[0] == 1.0);
    CHECK(ph.target_diameter_mm == 15);
    CHECK(ph.target_HU == 160);  // pigment stone by default
    check_phantom(ph, {320, 270, 80}, "gallbladder");
    CHECK(count_label(ph, Label::fluid) > 0);  // bile, blood
    // Bowel gas inside the body: air voxels away from the border of the field.
    std::size_t gas = 0;
    const HuVolume& v = ph.ct;
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = v.ny / 3; j < 2 * v.ny / 3; ++j)
            for (std::size_t i = v.nx / 3; i < 2 * v.nx / 3; ++i)
                gas += ph.truth[v.index(i, j, k)] == std::uint8_t(Label::air);
    CHECK(gas > 1000);
}

TEST_CASE("gallbladder: stone_count stones side by side on the dependent wall, stone 1 the target",
          "[models][phantoms]") {
    PhantomOptions o;
    o.target_diameter_mm = 10;
    const Phantom one = make_phantom("gallbladder", o);
    CHECK(one.stone_count == 1);
    REQUIRE(one.stone_centres_mm.size() == 1);
    CHECK(one.stone_centres_mm[0] == one.target_centre_mm);
    o.stone_count = 3;
    const Phantom ph = build("gallbladder", o);
    check_phantom(ph, {320, 270, 80}, "gallbladder");  // target, other stones, bone; the beam to stone 1
    REQUIRE(ph.stone_count == 3);
    REQUIRE(ph.stone_centres_mm.size() == 3);
    // Stone 1 is the single-stone phantom's stone: the same place and the same voxels.
    CHECK(ph.target_centre_mm == one.target_centre_mm);
    CHECK(ph.stone_centres_mm[0] == ph.target_centre_mm);
    CHECK(ph.target_volume_mm3 == one.target_volume_mm3);

    const HuVolume& v = ph.ct;
    const double s = v.spacing_mm[0], rs = 5, gap_min = std::max(1.0, 2 * s);
    // Every stone is a calcification of its own, of the target's size, centred where the phantom says.
    TargetOptions wide;
    wide.max_radius_mm = 200;
    const auto listed = list_calcifications(v, ph.truth);
    CHECK(listed.size() == 3);
    for (std::size_t a = 0; a < 3; ++a) {
        const Vec3& c = ph.stone_centres_mm[a];
        INFO("stone " << a + 1);
        const Target t = target_from_point(v, c, wide);
        CHECK(t.stats.volume_mm3 == Approx(ph.target_volume_mm3).epsilon(0.05));
        CHECK(std::hypot(t.stats.centroid_mm[0] - c[0], t.stats.centroid_mm[1] - c[1], t.stats.centroid_mm[2] - c[2]) <
              0.3 * s);
        CHECK(t.stats.mean_HU == Approx(ph.target_HU).margin(1));
        // Apart from the next: no overlap, a gap of at least max(1 mm, 2 voxels) between the spheres.
        for (std::size_t b = a + 1; b < 3; ++b) {
            const Vec3& d = ph.stone_centres_mm[b];
            CHECK(std::hypot(c[0] - d[0], c[1] - d[1], c[2] - d[2]) - 2 * rs >= gap_min - 1e-6);
        }
        // In the bile, resting on the dependent wall: the nearest voxel that is neither stone nor bile (the wall)
        // lies 0.5 mm (the bile film) beyond the stone's surface, to within a voxel, on the posterior side (+y).
        double nearest = 1e9;
        Vec3 towards{};
        const Vec3 f = v.index_of(c);
        const auto reach = long(std::ceil((rs + 3) / s));
        for (long dk = -reach; dk <= reach; ++dk)
            for (long dj = -reach; dj <= reach; ++dj)
                for (long di = -reach; di <= reach; ++di) {
                    const auto i = std::size_t(std::lround(f[0]) + di), j = std::size_t(std::lround(f[1]) + dj),
                               k = std::size_t(std::lround(f[2]) + dk);
                    const auto l = ph.truth[v.index(i, j, k)];
                    if (l == std::uint8_t(Label::calcification) || l == std::uint8_t(Label::fluid)) continue;
                    const Vec3 p = v.position_mm(double(i), double(j), double(k));
                    const double r = std::hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
                    if (r < nearest) nearest = r, towards = {p[0] - c[0], p[1] - c[1], p[2] - c[2]};
                }
        std::printf("stone %zu: nearest wall voxel %.2f mm from its centre (radius %.1f + 0.5 mm of bile)\n", a + 1,
                    nearest, rs);
        CHECK(nearest >= rs + 0.5 - 1e-6);  // voxels at least half in the wall have their centres in it
        CHECK(nearest < rs + 0.5 + s);
        CHECK(towards[1] > 0.5 * nearest);
    }
    // Side by side downhill: each next stone lies lower (more posterior) than the one before, towards the neck.
    CHECK(ph.stone_centres_mm[1][1] > ph.stone_centres_mm[0][1]);
    CHECK(ph.stone_centres_mm[2][1] > ph.stone_centres_mm[1][1]);
    // The beam reaches stone 1 past the others: their centres lie more than a stone radius + 2 mm off the path from
    // the source to the target.
    const Vec3 S = ph.source_position_mm, T = ph.target_centre_mm;
    for (std::size_t a = 1; a < 3; ++a) {
        const Vec3& c = ph.stone_centres_mm[a];
        const Vec3 ST{T[0] - S[0], T[1] - S[1], T[2] - S[2]}, SC{c[0] - S[0], c[1] - S[1], c[2] - S[2]};
        const double L2 = ST[0] * ST[0] + ST[1] * ST[1] + ST[2] * ST[2];
        const double u = std::clamp((SC[0] * ST[0] + SC[1] * ST[1] + SC[2] * ST[2]) / L2, 0.0, 1.0);
        const double off = std::hypot(SC[0] - u * ST[0], SC[1] - u * ST[1], SC[2] - u * ST[2]);
        CHECK(off > rs + 2);
    }
}

TEST_CASE("stone_count: more stones than fit, out of range or on another phantom are refused", "[models][phantoms]") {
    PhantomOptions o;
    o.spacing_mm = 2.0;  // the check comes before any painting; coarse keeps the builds that pass quick
    o.stone_count = 6;
    CHECK_THROWS_WITH(make_phantom("gallbladder", o), Catch::Contains("stone_count = 6") && Catch::Contains("1 to 5"));
    o.stone_count = 0;
    CHECK_THROWS_WITH(make_phantom("gallbladder", o), Catch::Contains("stone_count = 0") && Catch::Contains("1 to 5"));
    o.stone_count = 2;
    CHECK_THROWS_WITH(make_phantom("shoulder", o), Catch::Contains("stone_count = 2") &&
                                                      Catch::Contains("gallbladder phantom only"));
    CHECK_THROWS_WITH(make_phantom("bile_duct", o), Catch::Contains("gallbladder phantom only"));
    // Five 15 mm stones cannot lie side by side in the 85 mm lumen; the message says how many can.
    o.stone_count = 5;
    o.target_diameter_mm = 15;
    CHECK_THROWS_WITH(make_phantom("gallbladder", o), Catch::Contains("stone_count = 5") &&
                                                         Catch::Contains("do not fit") && Catch::Contains("at most"));
    // A 30 mm stone fills the 31 mm lumen: a second one never fits.
    o.stone_count = 2;
    o.target_diameter_mm = 30;
    CHECK_THROWS_WITH(make_phantom("gallbladder", o), Catch::Contains("at most 1 stone of 30"));
    o.stone_count = 5;
    o.target_diameter_mm = 5;
    CHECK(make_phantom("gallbladder", o).stone_count == 5);
}

TEST_CASE("bile_duct phantom: stone impacted in the duct, beam through the liver", "[models][phantoms]") {
    const Phantom ph = build("bile_duct");
    CHECK(ph.target_diameter_mm == 8);
    check_phantom(ph, {320, 270, 80}, "bile_duct");
}

TEST_CASE("femoral phantom: plaque arc on the artery wall", "[models][phantoms]") {
    const Phantom ph = build("femoral");
    CHECK(ph.ct.spacing_mm[0] == 0.5);
    CHECK(ph.target_diameter_mm == 16);  // the arc length
    // Nominal: 150 degrees of the annulus 3.0-4.5 mm, 16 mm long.
    CHECK(ph.target_nominal_volume_mm3 == Approx(150.0 / 360 * std::numbers::pi * (4.5 * 4.5 - 3.0 * 3.0) * 16));
    check_phantom(ph, {160, 152, 46}, "vascular");
    CHECK(ph.plaque_arc_deg == 150);
    CHECK(ph.stone_centres_mm.empty());
}

TEST_CASE("femoral: plaque_arc_deg sets the arc, 360 closes the ring", "[models][phantoms]") {
    for (const double arc : {30.0, 90.0, 240.0, 360.0}) {
        DYNAMIC_SECTION("arc " << arc) {
            PhantomOptions o;
            o.plaque_arc_deg = arc;
            const Phantom ph = build("femoral", o);
            CHECK(ph.plaque_arc_deg == arc);
            CHECK(ph.target_nominal_volume_mm3 ==
                  Approx(arc / 360 * std::numbers::pi * (4.5 * 4.5 - 3.0 * 3.0) * 16));
            check_phantom(ph, {160, 152, 46}, "vascular");
            // The ring: around the artery's axis at (-65, 3), the angles the plaque voxels cover in the middle slice.
            const HuVolume& v = ph.ct;
            const std::size_t k = v.nz / 2;
            std::vector<int> covered(360, 0);
            for (std::size_t j = 0; j < v.ny; ++j)
                for (std::size_t i = 0; i < v.nx; ++i) {
                    if (ph.truth[v.index(i, j, k)] != std::uint8_t(Label::calcification)) continue;
                    const Vec3 p = v.position_mm(double(i), double(j), double(k));
                    const double r = std::hypot(p[0] + 65, p[1] - 3);
                    CHECK(r > 2.9);
                    CHECK(r < 4.6);
                    // The voxel covers about its width / r radians around its centre's direction.
                    const double a = std::atan2(p[1] - 3, p[0] + 65) * 180 / std::numbers::pi;
                    const double half = 0.5 * v.spacing_mm[0] / r * 180 / std::numbers::pi;
                    for (long d = std::lround(a - half); d <= std::lround(a + half); ++d)
                        covered[std::size_t(d + 720) % 360] = 1;
                }
            int n = 0;
            for (int c : covered) n += c;
            INFO(n << " of 360 one-degree directions hold plaque voxels");
            // The voxels reach up to about half a voxel (3.8 degrees at the ring's middle) past each end of the arc.
            CHECK(n >= arc - 2);
            CHECK(n <= std::min(360.0, arc + 10));
        }
    }
}

TEST_CASE("target options: diameter doubles -> deposit volume x 8, HU as asked", "[models][phantoms]") {
    PhantomOptions o;
    o.spacing_mm = 0.75;  // two builds: a coarser grid keeps the test quick
    o.target_diameter_mm = 6;
    o.target_HU = 1200;
    const Phantom small = build("shoulder", o);
    o.target_diameter_mm = 12;
    const Phantom large = build("shoulder", o);
    CHECK(large.target_volume_mm3 / small.target_volume_mm3 == Approx(8).epsilon(0.05));
    CHECK(small.target_volume_mm3 == Approx(std::numbers::pi * 6 * 6 * 6 / 6).epsilon(0.05));
    CHECK(small.target_HU == 1200);
    CHECK(small.ct.hu[nearest_voxel(small.ct, small.target_centre_mm)] == Approx(1200).margin(5 * kNoise));
    CHECK(large.ct.hu[nearest_voxel(large.ct, large.target_centre_mm)] == Approx(1200).margin(5 * kNoise));
}

TEST_CASE("femoral: target_diameter_mm is the arc length, volume doubles with it", "[models][phantoms]") {
    PhantomOptions o;
    o.target_diameter_mm = 10;
    o.spacing_mm = 0.5;
    const Phantom shorter = build("femoral", o);
    o.target_diameter_mm = 20;
    const Phantom longer = build("femoral", o);
    CHECK(longer.target_volume_mm3 / shorter.target_volume_mm3 == Approx(2).epsilon(0.05));
}

TEST_CASE("stone type sets the default stone HU, other phantoms refuse it", "[models][phantoms]") {
    PhantomOptions o;
    o.spacing_mm = 2.0;  // coarse: only the stone matters here
    o.noise_HU = 0;
    o.stone_type = "cholesterol";
    const Phantom ch = make_phantom("bile_duct", o);
    CHECK(ch.target_HU == 150);
    CHECK(ch.ct.hu[nearest_voxel(ch.ct, ch.target_centre_mm)] == 150.0f);
    o.stone_type = "pigment";
    CHECK(make_phantom("bile_duct", o).target_HU == 160);
    o.stone_type = "oxalate";
    CHECK_THROWS_AS(make_phantom("gallbladder", o), InputError);
    o.stone_type = "pigment";
    CHECK_THROWS_WITH(make_phantom("shoulder", o), Catch::Contains("stone_type") && Catch::Contains("shoulder"));
}

TEST_CASE("the same seed gives the same volume, another seed other noise", "[models][phantoms]") {
    PhantomOptions o;
    o.spacing_mm = 1.0;
    o.seed = 42;
    const Phantom a = make_phantom("shoulder", o), b = make_phantom("shoulder", o);
    CHECK(a.ct.hu == b.ct.hu);
    CHECK(a.truth == b.truth);
    o.seed = 43;
    const Phantom c = make_phantom("shoulder", o);
    CHECK(c.ct.hu != a.ct.hu);
    CHECK(c.truth == a.truth);  // the anatomy does not depend on the seed
    // The noise has the asked standard deviation: the difference of two seeds has sqrt(2) sigma.
    double sum2 = 0;
    for (std::size_t i = 0; i < a.ct.size(); ++i) sum2 += std::pow(double(a.ct.hu[i]) - c.ct.hu[i], 2);
    CHECK(std::sqrt(sum2 / double(a.ct.size()) / 2) == Approx(5).epsilon(0.02));
    o.noise_HU = 0;
    const Phantom quiet = make_phantom("shoulder", o);
    CHECK(quiet.ct.hu[0] == -1000.0f);
    CHECK(quiet.ct.hu[nearest_voxel(quiet.ct, quiet.target_centre_mm)] == 800.0f);
}

TEST_CASE("bad phantom options throw InputError naming the value", "[models][phantoms]") {
    CHECK_THROWS_WITH(make_phantom("kidney"), Catch::Contains("kidney") && Catch::Contains("shoulder, gallbladder"));
    PhantomOptions o;
    o.spacing_mm = 0.1;
    CHECK_THROWS_WITH(make_phantom("shoulder", o), Catch::Contains("spacing_mm = 0.1"));
    o.spacing_mm = 0.25;  // allowed, but 66 M voxels for the shoulder
    CHECK_THROWS_WITH(make_phantom("shoulder", o), Catch::Contains("M voxels"));
    o = {};
    o.target_diameter_mm = 0.5;
    CHECK_THROWS_WITH(make_phantom("gallbladder", o), Catch::Contains("target_diameter_mm = 0.5"));
    o.target_diameter_mm = 12;  // larger than the 10 mm duct
    CHECK_THROWS_WITH(make_phantom("bile_duct", o), Catch::Contains("target_diameter_mm = 12") &&
                                                        Catch::Contains("bile duct"));
    o.target_diameter_mm = 31;
    CHECK_THROWS_AS(make_phantom("gallbladder", o), InputError);
    o = {};
    o.target_HU = 100;
    CHECK_THROWS_WITH(make_phantom("femoral", o), Catch::Contains("target_HU = 100") && Catch::Contains("130"));
    o.target_HU = 4000;
    CHECK_THROWS_AS(make_phantom("shoulder", o), InputError);
    o = {};
    o.noise_HU = -1;
    CHECK_THROWS_WITH(make_phantom("shoulder", o), Catch::Contains("noise_HU = -1"));
    o = {};
    o.plaque_arc_deg = 20;
    CHECK_THROWS_WITH(make_phantom("femoral", o),
                      Catch::Contains("plaque_arc_deg = 20") && Catch::Contains("30 to 360"));
    o.plaque_arc_deg = 361;
    CHECK_THROWS_AS(make_phantom("femoral", o), InputError);
    o.plaque_arc_deg = 90;
    CHECK_THROWS_WITH(make_phantom("gallbladder", o), Catch::Contains("plaque_arc_deg = 90") &&
                                                         Catch::Contains("femoral phantom only"));
    o = {};
    o.target_diameter_mm = 1;
    o.spacing_mm = 2;  // a 1 mm deposit cannot fill half of an 8 mm^3 voxel
    CHECK_THROWS_WITH(make_phantom("shoulder", o), Catch::Contains("covers no voxel"));
}
