// Target morphology and plaque geometry (models/morphology.hpp): the edge sharpness of step, partial-volume and
// blurred edges, the Gaertner type of dense/faint and sharp/cloudy deposits (synthetic spheres and the shoulder
// phantom), and the arc, thickness and length of the femoral phantom's plaque against the arc it was built with.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "models/morphology.hpp"
#include "models/phantoms.hpp"
#include "models/segmentation.hpp"
#include "models/targets.hpp"
#include "core/errors.hpp"

using namespace lithosim;
using namespace lithosim::models;

namespace {

constexpr double kTendonHU = 65;  // the shoulder phantom's tendon around the deposit (models/PHANTOMS.md)

double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// A cube of n^3 voxels of size h at `background` HU with deterministic noise (sigma 5 HU, from a simple hash).
HuVolume make_box(std::size_t n, double h, double background) {
    HuVolume v;
    v.nx = v.ny = v.nz = n;
    v.spacing_mm = {h, h, h};
    v.origin_mm = {-10, 20, 30};
    v.hu.assign(n * n * n, float(background));
    std::uint64_t z = 12345;
    for (auto& x : v.hu) {
        // Sum of 4 uniforms from a linear congruential generator: near-Gaussian, sigma 5 HU.
        double s = 0;
        for (int q = 0; q < 4; ++q) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            s += double(z >> 11) * 0x1.0p-53 - 0.5;
        }
        x += float(5.0 * s * std::sqrt(3.0));
    }
    return v;
}

/// Profiles of a deposit of radius R (mm) at `hu` centred at c, added over the background: "step" (the voxel takes
/// the deposit HU when its centre is inside), "partial" (the fraction of the voxel inside, 5^3 sub-samples) or
/// "blurred" (the sphere's indicator blurred by a Gaussian of sigma_mm: the radial profile of a large sphere,
/// Phi((R - r) / sigma)).
enum class Edge { step, partial, blurred };

void add_deposit(HuVolume& v, const Vec3& c, double R, double hu, double background, Edge edge,
                 double sigma_mm = 1.0) {
    const double h = v.spacing_mm[0];
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) {
                const Vec3 p = v.position_mm(double(i), double(j), double(k));
                const double r = std::hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
                double f = 0;
                if (edge == Edge::step) f = r <= R ? 1 : 0;
                if (edge == Edge::blurred) f = phi((R - r) / sigma_mm);
                if (edge == Edge::partial) {
                    if (r < R - h) f = 1;
                    else if (r < R + h) {
                        int in = 0;
                        for (int a = -2; a <= 2; ++a)
                            for (int b = -2; b <= 2; ++b)
                                for (int d = -2; d <= 2; ++d)
                                    in += std::hypot(p[0] + a * h / 5 - c[0], p[1] + b * h / 5 - c[1],
                                                     p[2] + d * h / 5 - c[2]) <= R;
                        f = in / 125.0;
                    }
                }
                v.hu[v.index(i, j, k)] += float(f * (hu - background));
            }
}

TargetMorphology morphology_of(const HuVolume& v, const Vec3& c) {
    const Target t = target_from_point(v, c);
    return target_morphology(v, t.mask);
}

/// The shoulder phantom's deposit made cloudy: its HU profile over the tendon becomes the sphere's indicator blurred
/// by a Gaussian of sigma_mm (the noise stays as it was). HU += (target - tendon) (blurred - built) around it.
void make_cloudy(Phantom& ph, double sigma_mm) {
    HuVolume& v = ph.ct;
    const double R = ph.target_diameter_mm / 2, h = v.spacing_mm[0];
    const Vec3 f = v.index_of(ph.target_centre_mm);
    const auto reach = std::ptrdiff_t(std::ceil((R + 5 * sigma_mm) / h));
    for (std::ptrdiff_t dk = -reach; dk <= reach; ++dk)
        for (std::ptrdiff_t dj = -reach; dj <= reach; ++dj)
            for (std::ptrdiff_t di = -reach; di <= reach; ++di) {
                const auto i = std::size_t(std::lround(f[0]) + di), j = std::size_t(std::lround(f[1]) + dj),
                           k = std::size_t(std::lround(f[2]) + dk);
                const std::size_t n = v.index(i, j, k);
                const Vec3 p = v.position_mm(double(i), double(j), double(k));
                const Vec3& c = ph.target_centre_mm;
                const double r = std::hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
                const double built = ph.truth[n] == std::uint8_t(Label::calcification) ? 1 : 0;
                v.hu[n] += float((ph.target_HU - kTendonHU) * (phi((R - r) / sigma_mm) - built));
            }
}

}  // namespace

TEST_CASE("edge sharpness: 1 for a step edge, >= 0.5 with partial volume, low when blurred", "[models][morphology]") {
    const double h = 0.5, R = 5;
    auto measure = [&](Edge edge, double hu) {
        HuVolume v = make_box(40, h, kTendonHU);
        const Vec3 c = v.position_mm(19.3, 19.6, 19.1);
        add_deposit(v, c, R, hu, kTendonHU, edge);
        return morphology_of(v, c);
    };
    const TargetMorphology step = measure(Edge::step, 800), partial = measure(Edge::partial, 800),
                           blurred = measure(Edge::blurred, 800), faint_blurred = measure(Edge::blurred, 200);
    std::printf("edge sharpness (R 5 mm, 0.5 mm voxels): step %.3f, partial volume %.3f, blurred sigma 1 mm %.3f "
                "(800 HU), %.3f (200 HU)\n",
                step.edge_sharpness, partial.edge_sharpness, blurred.edge_sharpness, faint_blurred.edge_sharpness);
    CHECK(step.edge_sharpness > 0.95);
    CHECK(partial.edge_sharpness >= 0.5);
    CHECK(partial.edge_sharpness < step.edge_sharpness);
    CHECK(blurred.edge_sharpness < 0.35);
    CHECK(faint_blurred.edge_sharpness < 0.35);
    // Mean and peak as the target's: the step sphere holds 800 HU +- noise.
    CHECK(step.mean_HU == Approx(800).margin(1));
    CHECK(step.peak_HU > 800);
    CHECK(step.peak_HU < 830);
}

TEST_CASE("Gaertner type from density and outline: I dense and sharp, II one of them, III neither",
          "[models][morphology]") {
    const double h = 0.5, R = 5;
    auto type_of = [&](Edge edge, double hu) {
        HuVolume v = make_box(40, h, kTendonHU);
        const Vec3 c = v.position_mm(19.3, 19.6, 19.1);
        add_deposit(v, c, R, hu, kTendonHU, edge);
        const TargetMorphology m = morphology_of(v, c);
        INFO("HU " << hu << ": mean " << m.mean_HU << ", sharpness " << m.edge_sharpness);
        CHECK(m.dense == (m.mean_HU >= 400));
        CHECK(m.sharp == (m.edge_sharpness >= 0.5));
        return m.gaertner_type;
    };
    CHECK(type_of(Edge::step, 800) == 1);
    CHECK(type_of(Edge::partial, 800) == 1);
    CHECK(type_of(Edge::blurred, 800) == 2);  // dense and cloudy
    CHECK(type_of(Edge::step, 200) == 2);     // sharply outlined and transparent
    CHECK(type_of(Edge::blurred, 200) == 3);  // cloudy and transparent
    // The dense limit is the mean HU: 420 is dense, 380 is not (both sharp).
    CHECK(type_of(Edge::step, 420) == 1);
    CHECK(type_of(Edge::step, 380) == 2);
    const TargetMorphology m = target_morphology(make_box(4, 1, 0), std::vector<std::uint8_t>(64, 0));
    CHECK(m.gaertner_type == 0);  // no target
    CHECK_THROWS_AS(target_morphology(make_box(4, 1, 0), std::vector<std::uint8_t>(10, 1)), InputError);
}

TEST_CASE("shoulder phantom: the 800 HU deposit is Gaertner type I, faint and cloudy type III",
          "[models][morphology]") {
    auto morphology = [](double hu, double blur_mm) {
        PhantomOptions o;
        o.target_HU = hu;
        Phantom ph = make_phantom("shoulder", o);
        if (blur_mm > 0) make_cloudy(ph, blur_mm);
        const TargetMorphology m = morphology_of(ph.ct, ph.target_centre_mm);
        std::printf("shoulder deposit %.0f HU, blur %.1f mm: mean %.0f HU, peak %.0f HU, edge sharpness %.3f, "
                    "type %d\n",
                    hu, blur_mm, m.mean_HU, m.peak_HU, m.edge_sharpness, m.gaertner_type);
        return m;
    };
    const TargetMorphology dense = morphology(800, 0);
    CHECK(dense.gaertner_type == 1);
    CHECK(dense.edge_sharpness > 0.95);  // the phantom's target has a step edge by construction
    CHECK(dense.mean_HU == Approx(800).margin(1));
    CHECK(morphology(200, 1.0).gaertner_type == 3);
    CHECK(morphology(200, 0).gaertner_type == 2);  // faint, sharp
    // (A dense deposit blurred by 1 mm reaches >= 130 HU across the 2 mm of tendon and joins the humeral head's
    // partial-volume rim: dense and cloudy (type II) is checked on the synthetic sphere above.)
}

TEST_CASE("femoral plaque: measured arc, thickness and length match the built plaque", "[models][morphology]") {
    for (const double arc : {30.0, 60.0, 90.0, 150.0, 270.0, 360.0}) {
        DYNAMIC_SECTION("arc " << arc) {
            PhantomOptions o;
            o.plaque_arc_deg = arc;
            const Phantom ph = make_phantom("femoral", o);
            CHECK(ph.plaque_arc_deg == arc);
            const Target t = target_from_point(ph.ct, ph.target_centre_mm);
            const LabelMap labels = segment(ph.ct, {}, &t.mask);
            const auto g = plaque_geometry(ph.ct, labels, t.mask);
            REQUIRE(g.has_value());
            std::printf("femoral plaque built %.0f deg: arc max %.1f, mean %.1f deg, thickness %.3f mm, "
                        "length %.2f mm, "
                        "%zu slices, concentric %d\n",
                        arc, g->arc_deg_max, g->arc_deg_mean, g->thickness_mm, g->length_mm, g->slices.size(),
                        int(g->concentric));
            // One voxel's angle at the ring's middle (radius 3.75 mm), default spacing 0.5 mm: 7.6 degrees.
            const double voxel_deg = 0.5 / 3.75 * 180 / std::numbers::pi;
            CHECK(std::abs(g->arc_deg_max - arc) <= voxel_deg);
            CHECK(std::abs(g->arc_deg_mean - arc) <= voxel_deg);
            CHECK(g->concentric == (arc >= 270));
            // Radii 3.0-4.5 mm. A 30 degree wedge is 2 mm wide at the ring: its staircase loses 15 % of the area.
            CHECK(g->thickness_mm == Approx(1.5).margin(arc < 45 ? 0.35 : 0.15));
            CHECK(g->length_mm == Approx(16).margin(0.5));        // target_diameter_mm, the length along the artery
            CHECK(g->slices.size() == std::size_t(std::lround(g->length_mm / 0.5)));  // every slice measured
            // The lumen centre is the artery's axis, (30, -22) mm from the thigh's centre (-95, 25), to within a pixel.
            for (const auto& s : g->slices)
                CHECK(std::hypot(s.lumen_centre_mm[0] + 65, s.lumen_centre_mm[1] - 3) <= 0.5);
        }
    }
}

TEST_CASE("a stone in a vessel-sized duct is no plaque: its edge bulges towards the lumen", "[models][morphology]") {
    // A fluid-filled tube (radius 5 mm, along z) in fat, a 5 mm stone resting on its wall. The largest circle the
    // stone bounds in the lumen is one place (stone to opposite wall), and the stone covers under 75 degrees of it;
    // only the stone's convex inner edge tells it from a short wall arc.
    HuVolume v = make_box(48, 0.5, -100);
    const Vec3 axis = v.position_mm(23.5, 23.5, 0);
    for (std::size_t k = 0; k < v.nz; ++k)
        for (std::size_t j = 0; j < v.ny; ++j)
            for (std::size_t i = 0; i < v.nx; ++i) {
                const Vec3 p = v.position_mm(double(i), double(j), double(k));
                if (std::hypot(p[0] - axis[0], p[1] - axis[1]) <= 5) v.hu[v.index(i, j, k)] += 105;  // 5 HU fluid
            }
    const Vec3 c{axis[0] + 2.4, axis[1], v.position_mm(0, 0, 23.5)[2]};
    add_deposit(v, c, 2.5, 400, 5, Edge::step);
    const Target t = target_from_point(v, c);
    const LabelMap labels = segment(v, {}, &t.mask);
    CHECK(labels[v.index(23, 23, 10)] == std::uint8_t(Label::fluid));
    CHECK_FALSE(plaque_geometry(v, labels, t.mask).has_value());
}

TEST_CASE("a stone or a deposit is no plaque: no lumen inside it", "[models][morphology]") {
    // Large stones fail on the circle through them (its centre is in the stone); small ones in a wide pool of bile
    // (the lumen's circle lies far off, the stone covers little of it) on the concave inner edge.
    const std::vector<std::pair<std::string, double>> cases{
        {"shoulder", 10}, {"gallbladder", 15}, {"gallbladder", 4}, {"gallbladder", 2}, {"bile_duct", 8}};
    for (const auto& [name, d] : cases) {
        DYNAMIC_SECTION(name << " " << d << " mm") {
            PhantomOptions o;
            o.spacing_mm = name == "shoulder" ? 0.5 : 1.0;
            o.target_diameter_mm = d;
            const Phantom ph = make_phantom(name, o);
            const Target t = target_from_point(ph.ct, ph.target_centre_mm);
            const LabelMap labels = segment(ph.ct, {}, &t.mask);
            CHECK_FALSE(plaque_geometry(ph.ct, labels, t.mask).has_value());
        }
    }
}
