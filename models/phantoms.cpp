// Procedural CT phantoms: a small constructive-geometry kit (shapes with a conservative signed distance), a painter
// that lays tissues one over the other with partial-volume edges, and the four anatomies. models/PHANTOMS.md
// describes each phantom; keep the numbers here and there in step.
//
// HU values and their sources (keys expanded in models/PHANTOMS.md, "Sources"):
//   air            -1000  definition of the Hounsfield scale [RADCLASS]
//   fat             -100  textbook range -50 to -100 HU [BMK, RADCLASS]; inside the -190..-30 HU adipose window of
//                         body-composition CT [TOMO]
//   muscle            50  lean mid-thigh muscle 49.2 +- 2.8 HU [GOODPASTER00]
//   tendon            65  normal ECRB tendon 65.4-70.8 HU (control elbows) [ECRB-HU]
//   liver             55  unenhanced liver 45-65 HU [RADCLASS]; 40-60 HU [BMK]
//   kidney            30  20-40 HU [RADCLASS]
//   blood             45  unenhanced aortic blood, non-anaemic patients, interquartile range 40-47.5 HU [RS-BLOOD]
//   bile               5  normal bile near water, "close to 1-5 HU" [CVEIN-GB]; >= 25 HU counted abnormal [BILE-CT]
//   cortical bone   1400  ROI in compact bone 1441 HU [TELERAD]; bone 700-3000 HU [RADCLASS]
//   vertebral body   180  vertebral cancellous bone about +178 HU [BAUL]
//   pigment stone    160  pigment gallstones in vitro 162 +- 27.6 HU [HICKMAN86]
// The others are labelled "assumption:" where they are defined below.
#include "models/phantoms.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace lithosim::models {

namespace {

// ---------------------------------------------------------------------------------------------------------------
// HU values (see the table at the top of the file)
constexpr double kAirHU = -1000;
constexpr double kFatHU = -100;
constexpr double kMuscleHU = 50;
constexpr double kTendonHU = 65;
constexpr double kLiverHU = 55;
constexpr double kKidneyHU = 30;
constexpr double kBloodHU = 45;
constexpr double kBileHU = 5;
constexpr double kCorticalHU = 1400;
constexpr double kVertebralBodyHU = 180;
constexpr double kPigmentStoneHU = 160;
// assumption: skin as soft tissue, 40 HU (soft tissue +25 to +60 HU [UVM]); no measured skin HU was found.
constexpr double kSkinHU = 40;
// assumption: interior of the abdomen outside the modelled organs (bowel loops, mesentery, paraspinal muscle) as one
// soft tissue of 35 HU, in the +25..+60 HU soft-tissue range [UVM].
constexpr double kVisceraHU = 35;
// assumption: walls of the gallbladder, bile duct, bowel and stomach, the pancreas and artery walls: soft tissue
// 40 HU [UVM range].
constexpr double kWallHU = 40;
// assumption: trabecular bone of the humerus, acromion, glenoid and ribs 250 HU, between the vertebral cancellous
// value (+178 HU [BAUL]) and a cancellous ROI of 314 HU [TELERAD] (medullary bone about +300 HU [UVM]).
constexpr double kTrabecularHU = 250;
// assumption: the femoral shaft holds yellow (fatty) marrow; taken as fat at the upper end of the fat range, -80 HU.
constexpr double kYellowMarrowHU = -80;
// assumption: a thin subacromial bursa film of simple fluid, 10 HU (fluid +5 to +15 HU [CVEIN-CAC]).
constexpr double kBursaHU = 10;
// assumption: a dense calcific deposit (radiographically dense, sharply outlined: Gaertner type I [MEDSCAPE]),
// 800 HU, within the "several hundred to over 1000 HU" asked for in issue 4; no measured series was found.
constexpr double kDepositHU = 800;
// assumption: a cholesterol-rich mixed stone with enough calcium salts to pass the 130 HU threshold. Pure cholesterol
// stones measure -87 +- 14.5 HU in vitro [HICKMAN86], iso- or hypodense to bile: they cannot be a >= 130 HU target.
// CT density rises with calcium and falls with cholesterol content [KIM91].
constexpr double kCholesterolStoneHU = 150;
// assumption: a dense calcified plaque, 500 HU (calcification +100 to +400 HU and more [GRAINGER]; Agatston counts
// >= 130 HU and weighs peaks >= 400 HU by 4 [physics-numerics.md §8]).
constexpr double kPlaqueHU = 500;

// ---------------------------------------------------------------------------------------------------------------
// Vector helpers
Vec3 add(const Vec3& a, const Vec3& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec3 mul(double s, const Vec3& a) { return {s * a[0], s * a[1], s * a[2]}; }
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
Vec3 unit(const Vec3& a) { return mul(1.0 / norm(a), a); }
Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double deg(double d) { return d * std::numbers::pi / 180.0; }

// ---------------------------------------------------------------------------------------------------------------
// Shapes. bound(p) is a conservative signed distance in mm: negative inside, positive outside, and never larger in
// magnitude than the true distance to the surface. The painter uses it to skip voxels that are surely inside or
// outside and sub-samples only the others, so a bound that is too small costs time, never accuracy.
constexpr double kInf = 1e30;

struct Box {
    Vec3 lo{-kInf, -kInf, -kInf}, hi{kInf, kInf, kInf};
};

struct Shape {
    virtual ~Shape() = default;
    virtual double bound(const Vec3& p) const = 0;
    virtual Box box() const { return {}; }
    /// True when the shape is a prism along z (the painter then works on one slice and copies it).
    virtual bool z_invariant() const { return false; }
    bool inside(const Vec3& p) const { return bound(p) < 0; }
};

/// An intersection may stop at the first part whose bound exceeds this (mm): that part's bound is itself a valid
/// (smaller) bound of the intersection, and larger than the painter's half voxel diagonal at any accepted spacing.
constexpr double kEarlyOut_mm = 4.0;
using ShapeP = std::shared_ptr<const Shape>;

struct Sphere final : Shape {
    Vec3 c;
    double r;
    Sphere(Vec3 c_, double r_) : c(c_), r(r_) {}
    double bound(const Vec3& p) const override { return norm(sub(p, c)) - r; }
    Box box() const override { return {sub(c, {r, r, r}), add(c, {r, r, r})}; }
};

/// Ellipsoid with semi-axes a[i] along the orthonormal directions e[i]. With k = |(q_i / a_i)|, the surfaces k =
/// const are scaled copies, and the gap between the copies k and 1 is at least |k - 1| min(a): a valid bound.
struct Ellipsoid final : Shape {
    Vec3 c;
    std::array<Vec3, 3> e;
    Vec3 a;
    Ellipsoid(Vec3 c_, Vec3 a_, std::array<Vec3, 3> e_ = {Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}})
        : c(c_), e(e_), a(a_) {}
    double bound(const Vec3& p) const override {
        const Vec3 d = sub(p, c);
        double k2 = 0;
        for (int i = 0; i < 3; ++i) {
            const double q = dot(d, e[i]) / a[i];
            k2 += q * q;
        }
        return (std::sqrt(k2) - 1.0) * std::min({a[0], a[1], a[2]});
    }
    Box box() const override {
        Box b;
        for (int j = 0; j < 3; ++j) {
            double h2 = 0;
            for (int i = 0; i < 3; ++i) h2 += std::pow(a[i] * e[i][j], 2);
            b.lo[j] = c[j] - std::sqrt(h2);
            b.hi[j] = c[j] + std::sqrt(h2);
        }
        return b;
    }
};

/// Prism along z over the superellipse |x/a|^n + |y/b|^n = 1, n >= 2 (a rounded rectangle for n > 2). The shape is
/// convex and holds the disc of radius min(a, b), so the level sets of the n-norm k of (x/a, y/b) give the bound
/// (k - 1) min(a, b). Since max(|x/a|, |y/b|) <= k <= the 2-norm, those two cheap norms decide far from the surface.
struct SuperellipsePrism final : Shape {
    double cx, cy, a, b, n;
    SuperellipsePrism(double cx_, double cy_, double a_, double b_, double n_) : cx(cx_), cy(cy_), a(a_), b(b_), n(n_) {}
    double bound(const Vec3& p) const override {
        const double qx = std::abs(p[0] - cx) / a, qy = std::abs(p[1] - cy) / b, m = std::min(a, b);
        const double outside = (std::max(qx, qy) - 1.0) * m;  // <= (k - 1) m
        if (outside > kEarlyOut_mm) return outside;
        const double inside = (std::sqrt(qx * qx + qy * qy) - 1.0) * m;  // >= (k - 1) m
        if (inside < -kEarlyOut_mm) return inside;
        return (std::pow(std::pow(qx, n) + std::pow(qy, n), 1.0 / n) - 1.0) * m;
    }
    Box box() const override { return {{cx - a, cy - b, -kInf}, {cx + a, cy + b, kInf}}; }
    bool z_invariant() const override { return true; }
};

/// Infinite circular cylinder (exact distance).
struct Cylinder final : Shape {
    Vec3 c, u;
    double r;
    Cylinder(Vec3 c_, Vec3 u_, double r_) : c(c_), u(unit(u_)), r(r_) {}
    double bound(const Vec3& p) const override {
        const Vec3 d = sub(p, c);
        return norm(sub(d, mul(dot(d, u), u))) - r;
    }
    Box box() const override {
        Box b;  // finite only across an axis-aligned cylinder
        for (int j = 0; j < 3; ++j) {
            if (std::abs(u[j]) > 1e-12) continue;
            b.lo[j] = c[j] - r;
            b.hi[j] = c[j] + r;
        }
        return b;
    }
    bool z_invariant() const override { return std::abs(u[0]) < 1e-12 && std::abs(u[1]) < 1e-12; }
};

/// Segment a-b thickened by r (exact distance).
struct Capsule final : Shape {
    Vec3 a, b;
    double r;
    Capsule(Vec3 a_, Vec3 b_, double r_) : a(a_), b(b_), r(r_) {}
    double bound(const Vec3& p) const override {
        const Vec3 ab = sub(b, a), ap = sub(p, a);
        const double t = std::clamp(dot(ap, ab) / dot(ab, ab), 0.0, 1.0);
        return norm(sub(ap, mul(t, ab))) - r;
    }
    Box box() const override {
        Box bx;
        for (int j = 0; j < 3; ++j) bx.lo[j] = std::min(a[j], b[j]) - r, bx.hi[j] = std::max(a[j], b[j]) + r;
        return bx;
    }
};

/// Half-space n . (p - c) <= 0, n the outward unit normal (exact distance).
struct HalfSpace final : Shape {
    Vec3 c, n;
    HalfSpace(Vec3 c_, Vec3 n_) : c(c_), n(unit(n_)) {}
    double bound(const Vec3& p) const override { return dot(n, sub(p, c)); }
    bool z_invariant() const override { return std::abs(n[2]) < 1e-12; }
};

/// Slab |n . (p - c)| <= h (exact distance).
struct Slab final : Shape {
    Vec3 c, n;
    double h;
    Slab(Vec3 c_, Vec3 n_, double h_) : c(c_), n(unit(n_)), h(h_) {}
    double bound(const Vec3& p) const override { return std::abs(dot(n, sub(p, c))) - h; }
    Box box() const override {
        Box b;  // finite only across a slab normal to a coordinate axis
        for (int j = 0; j < 3; ++j)
            if (std::abs(std::abs(n[j]) - 1.0) < 1e-12) b.lo[j] = c[j] - h, b.hi[j] = c[j] + h;
        return b;
    }
};

/// Solid cone with apex c, axis u and half-angle alpha < 90 degrees (exact distance).
struct Cone final : Shape {
    Vec3 c, u;
    double alpha;
    Cone(Vec3 c_, Vec3 u_, double alpha_) : c(c_), u(unit(u_)), alpha(alpha_) {}
    double bound(const Vec3& p) const override {
        const Vec3 d = sub(p, c);
        const double L = norm(d);
        if (L < 1e-12) return 0;
        const double theta = std::acos(std::clamp(dot(d, u) / L, -1.0, 1.0));
        if (theta - alpha > std::numbers::pi / 2) return L;
        return L * std::sin(theta - alpha);
    }
};

bool all_z_invariant(const std::vector<ShapeP>& parts) {
    return std::all_of(parts.begin(), parts.end(), [](const ShapeP& s) { return s->z_invariant(); });
}

/// Boolean combinations; max / min of conservative bounds are conservative bounds of the intersection / union.
/// List the cheap parts of an intersection first: it stops at the first part far enough outside.
struct Intersection final : Shape {
    std::vector<ShapeP> parts;
    explicit Intersection(std::vector<ShapeP> p) : parts(std::move(p)) {}
    double bound(const Vec3& p) const override {
        double d = -kInf;
        for (const auto& s : parts) {
            d = std::max(d, s->bound(p));
            if (d > kEarlyOut_mm) break;
        }
        return d;
    }
    bool z_invariant() const override { return all_z_invariant(parts); }
    Box box() const override {
        Box b;
        for (const auto& s : parts) {
            const Box c = s->box();
            for (int j = 0; j < 3; ++j) b.lo[j] = std::max(b.lo[j], c.lo[j]), b.hi[j] = std::min(b.hi[j], c.hi[j]);
        }
        return b;
    }
};

struct Union final : Shape {
    std::vector<ShapeP> parts;
    explicit Union(std::vector<ShapeP> p) : parts(std::move(p)) {}
    double bound(const Vec3& p) const override {
        double d = kInf;
        for (const auto& s : parts) d = std::min(d, s->bound(p));
        return d;
    }
    bool z_invariant() const override { return all_z_invariant(parts); }
    Box box() const override {
        Box b{{kInf, kInf, kInf}, {-kInf, -kInf, -kInf}};
        for (const auto& s : parts) {
            const Box c = s->box();
            for (int j = 0; j < 3; ++j) b.lo[j] = std::min(b.lo[j], c.lo[j]), b.hi[j] = std::max(b.hi[j], c.hi[j]);
        }
        return b;
    }
};

struct Difference final : Shape {
    ShapeP a, b;
    Difference(ShapeP a_, ShapeP b_) : a(std::move(a_)), b(std::move(b_)) {}
    double bound(const Vec3& p) const override { return std::max(a->bound(p), -b->bound(p)); }
    Box box() const override { return a->box(); }
    bool z_invariant() const override { return a->z_invariant() && b->z_invariant(); }
};

template <class T, class... Args>
ShapeP make(Args&&... args) {
    return std::make_shared<const T>(std::forward<Args>(args)...);
}
ShapeP both(std::vector<ShapeP> p) { return make<Intersection>(std::move(p)); }
ShapeP any(std::vector<ShapeP> p) { return make<Union>(std::move(p)); }
ShapeP minus(ShapeP a, ShapeP b) { return make<Difference>(std::move(a), std::move(b)); }

/// The wedge of directions within `half_angle` (<= 90 degrees) of `mid` around the axis through c along u: the
/// intersection of the two half-spaces bounded by the planes through the axis at mid +- half_angle.
ShapeP wedge(const Vec3& c, const Vec3& u_axis, const Vec3& mid, double half_angle);

/// The directions within arc/2 of `mid` around the axis through c along u, for any arc up to a full turn: one wedge
/// up to 180 degrees, beyond that the union of two wedges of arc/4 each side of mid -+ arc/4. nullptr for a full
/// turn (no angular limit).
ShapeP sector(const Vec3& c, const Vec3& u_axis, const Vec3& mid, double arc) {
    if (arc >= 2 * std::numbers::pi - 1e-9) return nullptr;
    if (arc <= std::numbers::pi) return wedge(c, u_axis, mid, arc / 2);
    const Vec3 u = unit(u_axis);
    const Vec3 m = unit(sub(mid, mul(dot(mid, u), u)));
    const Vec3 w = cross(u, m);
    const double q = arc / 4;
    return any({wedge(c, u, sub(mul(std::cos(q), m), mul(std::sin(q), w)), q),
                wedge(c, u, add(mul(std::cos(q), m), mul(std::sin(q), w)), q)});
}

ShapeP wedge(const Vec3& c, const Vec3& u_axis, const Vec3& mid, double half_angle) {
    const Vec3 u = unit(u_axis);
    const Vec3 m = unit(sub(mid, mul(dot(mid, u), u)));
    const Vec3 w = cross(u, m);  // m rotated by +90 degrees about u
    std::vector<ShapeP> halves;
    for (double sgn : {-1.0, 1.0}) {
        const Vec3 edge = add(mul(std::cos(half_angle), m), mul(sgn * std::sin(half_angle), w));
        Vec3 normal = cross(u, edge);  // perpendicular to the bounding plane
        if (dot(normal, m) > 0) normal = mul(-1.0, normal);  // outward: away from the wedge's middle
        halves.push_back(make<HalfSpace>(c, normal));
    }
    return both(std::move(halves));
}

// ---------------------------------------------------------------------------------------------------------------
// The painter. Layers are laid in order, each over the previous ones. A voxel surely inside a layer takes its HU and
// label; one on the boundary is split into 3 x 3 x 3 sub-cells, and the fraction f inside mixes the HU
// (hu <- hu + f (layer - hu)); the label changes when f >= 1/2. A hard-edged layer (the target) replaces the voxel
// when f >= 1/2 and leaves it alone otherwise.
enum class Edge { blend, hard };

struct Canvas {
    HuVolume ct;
    LabelMap label;
    /// Voxels labelled calcification that are not the target (the gallbladder's stones 2..N), painted before it.
    std::size_t other_calcification_voxels = 0;
};

Canvas make_canvas(const std::string& name, const Vec3& lo, const Vec3& hi, double s) {
    Canvas c;
    std::array<std::size_t, 3> n{};
    for (int a = 0; a < 3; ++a) n[a] = std::size_t(std::lround((hi[a] - lo[a]) / s));
    const double count = double(n[0]) * double(n[1]) * double(n[2]);
    require_input(count <= double(kMaxPhantomVoxels), "phantom ", name, ": spacing_mm = ", s, " gives ", n[0], " x ",
                  n[1], " x ", n[2], " = ", count / 1e6, " M voxels; accepted: at most ", kMaxPhantomVoxels / 1e6,
                  " M (spacing_mm >= ", s * std::cbrt(count / double(kMaxPhantomVoxels)), ")");
    c.ct.nx = n[0];
    c.ct.ny = n[1];
    c.ct.nz = n[2];
    c.ct.spacing_mm = {s, s, s};
    c.ct.origin_mm = {lo[0] + s / 2, lo[1] + s / 2, lo[2] + s / 2};
    c.ct.hu.assign(c.ct.size(), float(kAirHU));
    c.label.assign(c.ct.size(), std::uint8_t(Label::air));
    return c;
}

/// Fraction of the voxel centred at p inside the shape: 1 or 0 when the bound decides, else the share of the 3 x 3 x 3
/// sub-cell centres (3 x 3 in the slice for a z-invariant shape) inside.
double fraction(const Shape& shape, const Vec3& p, double s, bool slice_only) {
    const double half_diagonal = 0.5 * std::sqrt(3.0) * s;
    const double d = shape.bound(p);
    if (d >= half_diagonal) return 0;
    if (d <= -half_diagonal) return 1;
    int in = 0;
    const int c_lo = slice_only ? 0 : -1, c_hi = slice_only ? 0 : 1;
    for (int c = c_lo; c <= c_hi; ++c)
        for (int b = -1; b <= 1; ++b)
            for (int a = -1; a <= 1; ++a) in += shape.inside({p[0] + a * s / 3, p[1] + b * s / 3, p[2] + c * s / 3});
    return in / (slice_only ? 9.0 : 27.0);
}

void paint(Canvas& cv, const Shape& shape, double hu, Label label, Edge edge = Edge::blend) {
    HuVolume& v = cv.ct;
    const double s = v.spacing_mm[0];
    const Box b = shape.box();
    std::array<std::ptrdiff_t, 3> lo{}, hi{};
    const std::array<std::size_t, 3> n{v.nx, v.ny, v.nz};
    for (int a = 0; a < 3; ++a) {
        const double l = std::clamp((b.lo[a] - v.origin_mm[a]) / s - 1.0, -1.0, double(n[a]));
        const double h = std::clamp((b.hi[a] - v.origin_mm[a]) / s + 1.0, -1.0, double(n[a]));
        lo[a] = std::max<std::ptrdiff_t>(0, std::ptrdiff_t(std::floor(l)));
        hi[a] = std::min<std::ptrdiff_t>(std::ptrdiff_t(n[a]) - 1, std::ptrdiff_t(std::ceil(h)));
    }
    if (lo[0] > hi[0] || lo[1] > hi[1] || lo[2] > hi[2]) return;
    const float value = float(hu);
    const auto tag = std::uint8_t(label);
    float* const H = v.hu.data();
    std::uint8_t* const L = cv.label.data();
    auto position = [&](std::ptrdiff_t i, std::ptrdiff_t j, std::ptrdiff_t k) {
        return Vec3{v.origin_mm[0] + double(i) * s, v.origin_mm[1] + double(j) * s, v.origin_mm[2] + double(k) * s};
    };
    auto lay = [&](std::size_t idx, double f) {
        if (f <= 0) return;
        if (edge == Edge::hard) {
            if (f >= 0.5) H[idx] = value, L[idx] = tag;
        } else {
            H[idx] = float(H[idx] + f * (value - H[idx]));
            if (f >= 0.5) L[idx] = tag;
        }
    };
    const std::ptrdiff_t ni = hi[0] - lo[0] + 1, nj = hi[1] - lo[1] + 1;
    if (shape.z_invariant()) {
        // One slice, then every slice: the fractions do not depend on z.
        std::vector<float> f(std::size_t(ni * nj));
#pragma omp parallel for schedule(dynamic, 4)
        for (std::ptrdiff_t j = lo[1]; j <= hi[1]; ++j)
            for (std::ptrdiff_t i = lo[0]; i <= hi[0]; ++i)
                f[std::size_t((i - lo[0]) + ni * (j - lo[1]))] = float(fraction(shape, position(i, j, 0), s, true));
#pragma omp parallel for schedule(static)
        for (std::ptrdiff_t k = lo[2]; k <= hi[2]; ++k)
            for (std::ptrdiff_t j = lo[1]; j <= hi[1]; ++j)
                for (std::ptrdiff_t i = lo[0]; i <= hi[0]; ++i)
                    lay(v.index(std::size_t(i), std::size_t(j), std::size_t(k)),
                        f[std::size_t((i - lo[0]) + ni * (j - lo[1]))]);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (std::ptrdiff_t k = lo[2]; k <= hi[2]; ++k)
        for (std::ptrdiff_t j = lo[1]; j <= hi[1]; ++j)
            for (std::ptrdiff_t i = lo[0]; i <= hi[0]; ++i)
                lay(v.index(std::size_t(i), std::size_t(j), std::size_t(k)), fraction(shape, position(i, j, k), s, false));
}

/// splitmix64 (Steele, Lea & Flood 2014): a counter-based generator, so the noise of a voxel depends on the seed
/// and the voxel index only, not on the thread schedule.
std::uint64_t splitmix64(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// Adds white Gaussian noise (Box-Muller on two hashed uniforms) of standard deviation sigma; HU stays >= -1024,
/// the lowest value of a 12-bit CT.
void add_noise(HuVolume& v, double sigma, std::uint64_t seed) {
    if (sigma <= 0) return;
    const std::uint64_t key = splitmix64(seed);
    float* const H = v.hu.data();
    const auto count = std::ptrdiff_t(v.size()), pairs = (count + 1) / 2;
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t q = 0; q < pairs; ++q) {  // voxels 2q and 2q + 1 share one Box-Muller pair
        const std::uint64_t h1 = splitmix64(key + 2 * std::uint64_t(q)), h2 = splitmix64(key + 2 * std::uint64_t(q) + 1);
        const double u1 = double((h1 >> 11) + 1) * 0x1.0p-53, u2 = double(h2 >> 11) * 0x1.0p-53;
        const double radius = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * std::numbers::pi * u2;
        H[2 * q] = float(std::max(-1024.0, H[2 * q] + sigma * radius * std::cos(angle)));
        if (2 * q + 1 < count) H[2 * q + 1] = float(std::max(-1024.0, H[2 * q + 1] + sigma * radius * std::sin(angle)));
    }
}

/// Distance from p along the unit direction u to where `body` ends (first point outside), mm.
double distance_to_exit(const Shape& body, const Vec3& p, const Vec3& u) {
    double t = 0;
    while (t < 2000 && body.inside(add(p, mul(t, u)))) t += 0.05;
    return t;
}

/// Puts the therapy head's reference point on the beam axis (direction `beam`, towards the target) 30 mm outside
/// the skin. assumption: 30 mm, the middle of the 20-40 mm asked for by issue 4 (coupling cushion and water path).
Vec3 source_outside_skin(const Shape& body, const Vec3& target, const Vec3& beam) {
    const Vec3 out = mul(-1.0, unit(beam));
    return add(target, mul(distance_to_exit(body, target, out) + 30.0, out));
}

// ---------------------------------------------------------------------------------------------------------------
// Options

struct Defaults {
    double diameter_mm, max_diameter_mm, spacing_mm;
    const char* holder;  ///< what limits the target size, for the error message
};

Defaults defaults_of(const std::string& name) {
    // assumption (shoulder 16 mm): deposits over 15 mm count as large [MEDSCAPE]; 16 mm still fits under the
    // deltoid of this phantom. gallbladder: lumen 31 mm; bile_duct: lumen 10 mm; femoral: the volume is 46 mm long.
    if (name == "shoulder") return {10, 16, 0.5, "the supraspinatus tendon under the deltoid"};
    if (name == "gallbladder") return {15, 30, 1.0, "the gallbladder lumen (31 mm)"};
    if (name == "bile_duct") return {8, 9, 1.0, "the common bile duct lumen (10 mm)"};
    return {16, 30, 0.5, "the 46 mm long femoral volume (arc length)"};
}

// Gallbladder lumen and stones. assumption: 90 x 36 mm gallbladder (about 10 cm long and 3-5 cm wide [SEEK-GB]),
// wall 2.5 mm (normal <= 3 mm [SEEK-GB]); 0.5 mm of bile under every stone (a stone rests on the wall, and the bile
// film keeps its >= 130 HU voxels apart from the wall's partial-volume voxels).
constexpr double kGallbladderHalfLength_mm = 45, kGallbladderHalfWidth_mm = 18, kGallbladderWall_mm = 2.5;
constexpr double kBileUnderStone_mm = 0.5;
constexpr int kMaxStones = 5;

/// Gap between neighbouring stones, mm: at least 1 mm (issue 13), and at least 2 voxels so that no voxel of one stone
/// is a 26-neighbour of a voxel of the next (their centres lie inside the spheres, more than sqrt(3) voxels apart):
/// the stones stay separate calcifications.
double stone_gap_mm(double spacing_mm) { return std::max(1.0, 2.0 * spacing_mm); }

/// Distance from the point (y0, y1) to the ellipse x0^2/e0^2 + x1^2/e1^2 = 1, e0 >= e1 > 0: D. Eberly, "Distance from
/// a point to an ellipse, an ellipsoid, or a hyperellipsoid" (Geometric Tools, 2013), the robust bisection form.
double distance_to_ellipse(double e0, double e1, double y0, double y1) {
    y0 = std::abs(y0);
    y1 = std::abs(y1);
    if (y1 > 0) {
        if (y0 <= 0) return std::abs(y1 - e1);
        const double z0 = y0 / e0, z1 = y1 / e1, g = z0 * z0 + z1 * z1 - 1;
        if (g == 0) return 0;
        const double r0 = (e0 / e1) * (e0 / e1), n0 = r0 * z0;
        double s0 = z1 - 1, s1 = g < 0 ? 0 : std::hypot(n0, z1) - 1, s = 0;
        for (int i = 0; i < 200; ++i) {
            s = 0.5 * (s0 + s1);
            if (s == s0 || s == s1) break;
            const double q0 = n0 / (s + r0), q1 = z1 / (s + 1), gs = q0 * q0 + q1 * q1 - 1;
            if (gs > 0) s0 = s;
            else if (gs < 0) s1 = s;
            else break;
        }
        return std::hypot(r0 * y0 / (s + r0) - y0, y1 / (s + 1) - y1);
    }
    const double numer0 = e0 * y0, denom0 = e0 * e0 - e1 * e1;
    if (numer0 < denom0) {
        const double xde0 = numer0 / denom0;
        return std::hypot(e0 * xde0 - y0, e1 * std::sqrt(1 - xde0 * xde0));
    }
    return std::abs(y0 - e0);
}

/// Stones side by side on the dependent wall of the lumen, in the plane of its long axis and the dependent direction:
/// (t, h) = (along the long axis towards the neck, towards the dependent wall), mm from the lumen centre. Every
/// centre lies `rho` (stone radius + bile film) from the wall on the dependent side: the ellipse a x b (a >= b) is the
/// lumen's section through its axis, and the nearest wall point of a sphere centred in that plane lies in it (the
/// lumen is a spheroid about its long axis). Stone 1 sits at t = 0 (the deepest point across the axis, on the beam
/// axis); each next one further towards the neck, which lies lower (more posterior) in this supine patient, so
/// the stones also line up downhill, with centres `pitch` = diameter + gap apart. Returns as many (<= count) as fit.
std::vector<std::array<double, 2>> stone_layout(double a, double b, double rho, double pitch, int count) {
    auto depth = [&](double t, double h) {  // signed distance to the wall, > 0 inside the lumen
        const double d = distance_to_ellipse(a, b, t, h);
        return (t / a) * (t / a) + (h / b) * (h / b) < 1 ? d : -d;
    };
    std::vector<std::array<double, 2>> out;
    if (depth(0, 0) < rho - 1e-9) return out;
    out.push_back({0.0, b - rho});
    // How far along the axis a stone still fits: depth(t, 0) falls with t (the lumen is convex and symmetric).
    double lo = 0, hi = a;
    for (int i = 0; i < 100; ++i) (depth(0.5 * (lo + hi), 0) >= rho ? lo : hi) = 0.5 * (lo + hi);
    const double t_end = lo;
    // The dependent-side centre at t: depth(t, h) falls from depth(t, 0) >= rho to 0 at the wall as h grows.
    auto centre_at = [&](double t) {
        double h_lo = 0, h_hi = b * std::sqrt(std::max(0.0, 1 - (t / a) * (t / a)));
        for (int i = 0; i < 100; ++i) (depth(t, 0.5 * (h_lo + h_hi)) >= rho ? h_lo : h_hi) = 0.5 * (h_lo + h_hi);
        return std::array<double, 2>{t, h_lo};
    };
    while (int(out.size()) < count) {
        const auto last = out.back();
        auto apart = [&](double t) {
            const auto c = centre_at(t);
            return std::hypot(c[0] - last[0], c[1] - last[1]);
        };
        if (apart(t_end) < pitch) break;  // the next stone would reach past the narrowing lumen
        double t_lo = last[0], t_hi = t_end;  // apart() grows with t: the centres move along and towards the axis
        for (int i = 0; i < 100; ++i) (apart(0.5 * (t_lo + t_hi)) < pitch ? t_lo : t_hi) = 0.5 * (t_lo + t_hi);
        out.push_back(centre_at(t_hi));
    }
    return out;
}

struct Resolved {
    double d, hu, s;
    std::string stone;
    std::vector<std::array<double, 2>> stones;  ///< gallbladder: (t, h) of each stone, stone 1 first (stone_layout)
    double arc_deg = 150;                       ///< femoral: the plaque's arc
};

Resolved resolve(const std::string& name, const PhantomOptions& o) {
    const auto names = phantom_names();
    if (std::find(names.begin(), names.end(), name) == names.end())
        throw InputError(fmt("phantom '", name, "' is unknown; accepted: shoulder, gallbladder, bile_duct, femoral"));
    const Defaults df = defaults_of(name);
    Resolved r{};
    r.s = o.spacing_mm.value_or(df.spacing_mm);
    require_input(r.s >= 0.25 && r.s <= 2.0, "phantom ", name, ": spacing_mm = ", r.s, "; accepted: 0.25 to 2");
    r.d = o.target_diameter_mm.value_or(df.diameter_mm);
    require_input(r.d >= 1.0 && r.d <= df.max_diameter_mm, "phantom ", name, ": target_diameter_mm = ", r.d,
                  "; accepted: 1 to ", df.max_diameter_mm, " (limited by ", df.holder, ")");
    const bool stones = name == "gallbladder" || name == "bile_duct";
    if (!stones)
        require_input(o.stone_type.empty(), "phantom ", name, ": stone_type = '", o.stone_type,
                      "' applies to the gallbladder and bile_duct phantoms only");
    r.stone = o.stone_type.empty() ? "pigment" : o.stone_type;
    if (stones)
        require_input(r.stone == "pigment" || r.stone == "cholesterol", "phantom ", name, ": stone_type = '", r.stone,
                      "'; accepted: pigment, cholesterol");
    double hu = kDepositHU;
    if (stones) hu = r.stone == "pigment" ? kPigmentStoneHU : kCholesterolStoneHU;
    if (name == "femoral") hu = kPlaqueHU;
    r.hu = o.target_HU.value_or(hu);
    require_input(r.hu >= 130 && r.hu <= 3000, "phantom ", name, ": target_HU = ", r.hu,
                  "; accepted: 130 to 3000 (a calcification is >= 130 HU)");
    require_input(o.noise_HU >= 0 && o.noise_HU <= 100, "phantom ", name, ": noise_HU = ", o.noise_HU,
                  "; accepted: 0 to 100");

    // Stones (gallbladder) and the plaque's arc (femoral).
    if (o.stone_count)
        require_input(name == "gallbladder", "phantom ", name, ": stone_count = ", *o.stone_count,
                      " applies to the gallbladder phantom only");
    const int count = o.stone_count.value_or(1);
    require_input(count >= 1 && count <= kMaxStones, "phantom ", name, ": stone_count = ", count, "; accepted: 1 to ",
                  kMaxStones);
    if (name == "gallbladder") {
        const double a = kGallbladderHalfLength_mm - kGallbladderWall_mm;
        const double b = kGallbladderHalfWidth_mm - kGallbladderWall_mm;
        const double rho = r.d / 2 + kBileUnderStone_mm, pitch = r.d + stone_gap_mm(r.s);
        r.stones = stone_layout(a, b, rho, pitch, count);
        if (int(r.stones.size()) < count)
            throw InputError(fmt("phantom gallbladder: stone_count = ", count, " stones of target_diameter_mm = ", r.d,
                                 " do not fit side by side on the dependent wall of the gallbladder lumen (", 2 * a,
                                 " x ", 2 * b, " mm, gaps of ", stone_gap_mm(r.s), " mm); accepted: at most ",
                                 r.stones.size(), " stone", r.stones.size() == 1 ? "" : "s", " of ", r.d,
                                 " mm, or a smaller target_diameter_mm"));
    }
    if (o.plaque_arc_deg)
        require_input(name == "femoral", "phantom ", name, ": plaque_arc_deg = ", *o.plaque_arc_deg,
                      " applies to the femoral phantom only");
    r.arc_deg = o.plaque_arc_deg.value_or(150);
    require_input(r.arc_deg >= 30 && r.arc_deg <= 360, "phantom ", name, ": plaque_arc_deg = ", r.arc_deg,
                  "; accepted: 30 to 360 (360: a closed ring)");
    return r;
}

// ---------------------------------------------------------------------------------------------------------------
// The anatomies. Each builder works in local millimetres around an anatomical centre and adds `O` to reach patient
// coordinates; it returns the canvas and fills the target fields of the phantom.

/// Right shoulder, arm positioned for treatment (internal rotation brings the supraspinatus insertion in front of
/// the acromion). Local origin: centre of the humeral head. Patient x towards the left (medial), y posterior, z head.
Canvas build_shoulder(Phantom& ph, const Resolved& r) {
    const Vec3 O{-170, 10, 160};
    auto P = [&](double x, double y, double z) { return Vec3{O[0] + x, O[1] + y, O[2] + z}; };
    Canvas cv = make_canvas("shoulder", P(-66, -68, -38), P(34, 40, 58), r.s);

    // assumption: humeral head radius 23 mm (adult humeral heads, radius of curvature about 22-25 mm); cortical shell
    // 1.5 mm; tendon 6 mm; bursa film 1.5 mm; acromiohumeral interval 11 mm; skin 2 mm; subcutaneous fat 6 mm.
    const double R = 23, shell = 1.5, tendon = 6, bursa = 1.5;
    const Vec3 H = P(0, 0, 0);
    // Deposit: superolateral and anterior on the head, in the supraspinatus "critical zone" about 1-2 cm from the
    // insertion [POLRAD]. The tendon between deposit and bone is `gap` thick: >= 1.5 mm (issue 4) and >= 3 voxels, so
    // that the >= 130 HU deposit never touches the >= 130 HU partial-volume rim of the bone.
    const Vec3 u_dep = unit({-0.55, -0.45, 0.70});
    const double rd = r.d / 2, gap = std::max(2.0, 3.0 * r.s);
    const Vec3 D = add(H, mul(R + gap + rd, u_dep));

    const ShapeP skin = make<Ellipsoid>(P(2, 0, -15), Vec3{58, 56, 66});
    paint(cv, *skin, kSkinHU, Label::soft_tissue);
    paint(cv, Ellipsoid(P(2, 0, -15), Vec3{56, 54, 64}), kFatHU, Label::fat);
    paint(cv, Ellipsoid(P(2, 0, -15), Vec3{50, 48, 58}), kMuscleHU, Label::soft_tissue);  // deltoid and cuff muscles
    const Vec3 cuff_axis = unit({-0.45, -0.30, 0.85});  // the supraspinatus runs over the top of the head
    paint(cv, *both({minus(make<Sphere>(H, R + tendon + bursa), make<Sphere>(H, R + tendon)),
                     make<Cone>(H, cuff_axis, deg(60))}),
          kBursaHU, Label::fluid);
    paint(cv, *both({make<Sphere>(H, R + tendon), make<Cone>(H, cuff_axis, deg(50))}), kTendonHU, Label::tendon);
    // Calcific tendinitis swells the tendon around the deposit (the adjacent tendon may be thickened [RADIOPAEDIA-CT]).
    paint(cv, Sphere(D, rd + gap), kTendonHU, Label::tendon);

    // Humerus: head, greater tuberosity, neck and shaft; cortical shell over trabecular bone.
    const Vec3 shaft_end = P(-6, 2, -90);
    const Vec3 tub_c = add(H, mul(19, unit({-0.9, -0.15, 0.25})));
    paint(cv, *any({make<Sphere>(H, R), make<Capsule>(H, shaft_end, 14), make<Ellipsoid>(tub_c, Vec3{7, 9, 9})}),
          kCorticalHU, Label::bone_cortical);
    paint(cv,
          *any({make<Sphere>(H, R - shell), make<Capsule>(H, shaft_end, 14 - shell),
                make<Ellipsoid>(tub_c, Vec3{7 - shell, 9 - shell, 9 - shell})}),
          kTrabecularHU, Label::bone_trabecular);
    // Acromion above (underside 11 mm above the head), glenoid medially (2 mm joint space).
    paint(cv, Ellipsoid(P(-4, 10, R + 11 + 4.5), Vec3{24, 16, 4.5}), kCorticalHU, Label::bone_cortical);
    paint(cv, Ellipsoid(P(-4, 10, R + 11 + 4.5), Vec3{24 - shell, 16 - shell, 4.5 - shell}), kTrabecularHU,
          Label::bone_trabecular);
    paint(cv, Ellipsoid(P(31, 0, -2), Vec3{6, 13, 18}), kCorticalHU, Label::bone_cortical);
    paint(cv, Ellipsoid(P(31, 0, -2), Vec3{6 - shell, 13 - shell, 18 - shell}), kTrabecularHU, Label::bone_trabecular);

    paint(cv, Sphere(D, rd), r.hu, Label::calcification, Edge::hard);

    ph.indication = "tendon";
    ph.target_centre_mm = D;
    ph.stone_centres_mm = {D};
    ph.target_nominal_volume_mm3 = std::numbers::pi * r.d * r.d * r.d / 6;
    // Beam from anterolateral-superior, below the acromion, through skin, fat, deltoid, bursa and tendon; the humeral
    // head lies behind the deposit on the axis.
    ph.source_position_mm = source_outside_skin(*skin, D, mul(-1.0, u_dep));
    ph.description = fmt(
        "Right shoulder, arm positioned for treatment: skin 2 mm, subcutaneous fat 6 mm, deltoid, a 1.5 mm subacromial "
        "bursa, a 6 mm supraspinatus tendon over a 23 mm-radius humeral head (1.5 mm cortical shell over trabecular "
        "bone, greater tuberosity, shaft), acromion 11 mm above the head, glenoid medially. A calcific deposit of ",
        r.d, " mm at ", r.hu, " HU lies in the tendon, ", gap,
        " mm above the bone, which lies behind it on the beam axis from anterolateral-superior.");
    return cv;
}

/// The upper abdomen shared by the gallbladder and bile_duct phantoms: body wall, liver, right kidney, vertebral
/// body, aorta, inferior vena cava, stomach, duodenum and hepatic flexure of the colon with gas, two right ribs.
/// Local origin: middle of the body cross-section. Keeps the skin shape (for the source position) and the space
/// inside the wall muscle (organs are clipped to it).
struct Abdomen {
    Canvas cv;
    ShapeP skin, interior;
    Vec3 O;
};

Abdomen build_abdomen(const std::string& name, const Resolved& r) {
    Abdomen ab;
    ab.O = {0, 5, -180};
    const Vec3 O = ab.O;
    auto P = [&](double x, double y, double z) { return Vec3{O[0] + x, O[1] + y, O[2] + z}; };
    ab.cv = make_canvas(name, P(-160, -150, -40), P(160, 120, 40), r.s);
    Canvas& cv = ab.cv;
    const double cx = O[0], cy = O[1];

    // assumption: a 300 x 216 mm adult abdomen, a superellipse of exponent 2.4 (rounded rectangle); skin 2 mm,
    // subcutaneous fat 18 mm, abdominal wall muscle 10 mm.
    const double a = 150, b = 108, n = 2.4;
    ab.skin = make<SuperellipsePrism>(cx, cy, a, b, n);
    paint(cv, *ab.skin, kSkinHU, Label::soft_tissue);
    paint(cv, SuperellipsePrism(cx, cy, a - 2, b - 2, n), kFatHU, Label::fat);
    paint(cv, SuperellipsePrism(cx, cy, a - 20, b - 20, n), kMuscleHU, Label::soft_tissue);
    ab.interior = make<SuperellipsePrism>(cx, cy, a - 30, b - 30, n);
    paint(cv, *ab.interior, kVisceraHU, Label::soft_tissue);
    auto inside_wall = [&](ShapeP s) { return both({std::move(s), ab.interior}); };

    // Ribs 10 and 11 of the right side: 10 mm high bands in the wall muscle (21-29 mm under the skin), sloping down
    // towards the front (plane z = z0 + 0.3 y), each over an arc of the wall; 1.5 mm cortex over trabecular bone.
    // Angles from the patient's right (0) towards the front (90 degrees).
    auto rib = [&](double z0, double from_deg, double to_deg, double inset_out, double inset_in, double half_h) {
        const double mid = deg(0.5 * (from_deg + to_deg)), half = deg(0.5 * (to_deg - from_deg));
        return both({make<Slab>(P(0, 0, z0), Vec3{0, -0.3, 1}, half_h),
                     wedge(P(0, 0, 0), {0, 0, 1}, {-std::cos(mid), -std::sin(mid), 0}, half),
                     minus(make<SuperellipsePrism>(cx, cy, a - inset_out, b - inset_out, n),
                           make<SuperellipsePrism>(cx, cy, a - inset_in, b - inset_in, n))});
    };
    for (auto [z0, from, to] : {std::array<double, 3>{28, -70, 60}, std::array<double, 3>{-5, -70, 25}}) {
        paint(cv, *rib(z0, from, to, 21, 29, 5), kCorticalHU, Label::bone_cortical);
        paint(cv, *rib(z0, from, to, 22.5, 27.5, 3.5), kTrabecularHU, Label::bone_trabecular);
    }

    // Liver in the right upper quadrant; its lower surface crosses the field.
    paint(cv, *inside_wall(make<Ellipsoid>(P(-55, 10, 55), Vec3{80, 80, 80})), kLiverHU, Label::soft_tissue);
    // Right kidney in its perirenal fat.
    paint(cv, *inside_wall(make<Ellipsoid>(P(-72, 58, -5), Vec3{35, 30, 58})), kFatHU, Label::fat);
    paint(cv, *inside_wall(make<Ellipsoid>(P(-72, 58, -5), Vec3{27, 22, 50})), kKidneyHU, Label::soft_tissue);
    // Vertebral body (assumption: radius 20 mm, 1.5 mm cortex), aorta and inferior vena cava (assumption: 22 mm).
    paint(cv, Cylinder(P(0, 62, 0), {0, 0, 1}, 20), kCorticalHU, Label::bone_cortical);
    paint(cv, Cylinder(P(0, 62, 0), {0, 0, 1}, 18.5), kVertebralBodyHU, Label::bone_trabecular);
    paint(cv, Cylinder(P(15, 36, 0), {0, 0, 1}, 11), kBloodHU, Label::fluid);
    paint(cv, Cylinder(P(-25, 48, 0), {0, 0, 1}, 11), kBloodHU, Label::fluid);
    // Stomach with an air-fluid level: gas in its front (non-dependent, patient supine) part.
    paint(cv, *inside_wall(make<Ellipsoid>(P(65, -35, 30), Vec3{45, 32, 40})), kWallHU, Label::soft_tissue);
    paint(cv, *inside_wall(make<Ellipsoid>(P(65, -50, 35), Vec3{30, 14, 25})), kAirHU, Label::air);
    // Duodenum (descending part) and hepatic flexure of the colon, each with a gas bubble at the front.
    paint(cv, Capsule(P(-15, -12, -50), P(-8, -10, -15), 11), kWallHU, Label::soft_tissue);
    paint(cv, Capsule(P(-14, -16, -45), P(-8, -15, -22), 5), kAirHU, Label::air);
    paint(cv, *inside_wall(make<Ellipsoid>(P(-88, -30, -25), Vec3{20, 16, 14})), kWallHU, Label::soft_tissue);
    paint(cv, *inside_wall(make<Ellipsoid>(P(-88, -33, -25), Vec3{16, 12, 10})), kAirHU, Label::air);
    return ab;
}

/// Gallbladder below the liver, fundus against the front abdominal wall, long axis (fundus to neck) pointing
/// medially, backwards and up; 2.5 mm wall, bile, and a stone resting on the dependent (posterior) wall.
Canvas build_gallbladder(Phantom& ph, const Resolved& r) {
    Abdomen ab = build_abdomen("gallbladder", r);
    auto P = [&](double x, double y, double z) { return Vec3{ab.O[0] + x, ab.O[1] + y, ab.O[2] + z}; };
    // The lumen and stone geometry is set out with kGallbladder* above stone_layout.
    const Vec3 C = P(-45, -45, 0);
    const Vec3 e1 = unit({0.3, 0.5, 0.8});  // long axis, fundus -> neck
    const Vec3 e2 = unit(sub(Vec3{0, 1, 0}, mul(dot(Vec3{0, 1, 0}, e1), e1)));  // dependent side, across the axis
    const std::array<Vec3, 3> axes{e1, e2, cross(e1, e2)};
    const double L = kGallbladderHalfLength_mm, W = kGallbladderHalfWidth_mm, wall = kGallbladderWall_mm;
    paint(ab.cv, Ellipsoid(C, Vec3{L, W, W}, axes), kWallHU, Label::soft_tissue);
    paint(ab.cv, Ellipsoid(C, Vec3{L - wall, W - wall, W - wall}, axes), kBileHU, Label::fluid);
    // Stones: 0.5 mm of bile under each; stone 1 (the target) at the deepest point across the axis (t = 0), the others
    // side by side towards the neck. They do not overlap, so painting the others first lets the target be counted.
    const double rs = r.d / 2;
    for (const auto& [t, h] : r.stones) ph.stone_centres_mm.push_back(add(C, add(mul(t, e1), mul(h, e2))));
    for (std::size_t k = 1; k < ph.stone_centres_mm.size(); ++k)
        paint(ab.cv, Sphere(ph.stone_centres_mm[k], rs), r.hu, Label::calcification, Edge::hard);
    ab.cv.other_calcification_voxels =
        std::size_t(std::count(ab.cv.label.begin(), ab.cv.label.end(), std::uint8_t(Label::calcification)));
    const Vec3 T = ph.stone_centres_mm.front();
    paint(ab.cv, Sphere(T, rs), r.hu, Label::calcification, Edge::hard);

    ph.indication = "gallbladder";
    ph.stone_count = int(ph.stone_centres_mm.size());
    ph.target_centre_mm = T;
    ph.target_nominal_volume_mm3 = std::numbers::pi * r.d * r.d * r.d / 6;
    // Subcostal window from the front and right, tilted towards the head: skin, fat, wall muscle, gallbladder wall and
    // bile; ribs and bowel gas stay off the axis.
    ph.source_position_mm = source_outside_skin(*ab.skin, T, unit({0.2, 1.0, 0.3}));
    ph.description = fmt(
        "Upper abdomen (300 x 216 mm, patient supine): skin 2 mm, subcutaneous fat 18 mm, wall muscle 10 mm, liver, "
        "a 90 x 36 mm gallbladder (2.5 mm wall, bile) with ",
        r.stones.size() == 1 ? std::string("a ") + r.stone + " stone" : fmt(r.stones.size(), " ", r.stone, " stones"),
        " of ", r.d, " mm at ", r.hu,
        " HU on its dependent wall",
        r.stones.size() == 1 ? "" : " (stone 1, the target, on the beam axis; the others towards the neck)",
        "; right ribs 10 and 11, kidney, vertebral body, aorta, vena cava, stomach, duodenum "
        "and colon with gas. Beam through the front abdominal wall below the ribs.");
    return std::move(ab.cv);
}

/// A stone impacted in a dilated common bile duct, which runs from the liver hilum down, backwards and medially
/// towards the pancreatic head. assumption: the patient has had a cholecystectomy (no gallbladder), as many patients
/// with retained or recurrent duct stones have.
Canvas build_bile_duct(Phantom& ph, const Resolved& r) {
    Abdomen ab = build_abdomen("bile_duct", r);
    auto P = [&](double x, double y, double z) { return Vec3{ab.O[0] + x, ab.O[1] + y, ab.O[2] + z}; };
    // Pancreatic head (assumption: soft tissue 40 HU) around the distal duct.
    paint(ab.cv, *both({make<Ellipsoid>(P(-10, 25, -30), Vec3{22, 16, 20}), ab.interior}), kWallHU, Label::soft_tissue);
    // assumption: lumen 10 mm (dilated above the obstruction: > 6 mm counts as dilated [RADIOPAEDIA-CBD]), wall 1.5 mm.
    const Vec3 top = P(-28, 10, 38), bottom = P(-12, 30, -35);
    paint(ab.cv, Capsule(top, bottom, 6.5), kWallHU, Label::soft_tissue);
    paint(ab.cv, Capsule(top, bottom, 5.0), kBileHU, Label::fluid);
    const Vec3 T = add(top, mul(0.65, sub(bottom, top)));
    paint(ab.cv, Sphere(T, r.d / 2), r.hu, Label::calcification, Edge::hard);

    ph.indication = "bile_duct";
    ph.target_centre_mm = T;
    ph.stone_centres_mm = {T};
    ph.target_nominal_volume_mm3 = std::numbers::pi * r.d * r.d * r.d / 6;
    // Window through the liver from the front, tilted towards the feet, above the duodenal gas.
    ph.source_position_mm = source_outside_skin(*ab.skin, T, unit({0.25, 0.9, -0.3}));
    ph.description = fmt(
        "Upper abdomen after cholecystectomy (300 x 216 mm, patient supine): body wall, liver, a common bile duct "
        "dilated to 10 mm (1.5 mm wall) from the hilum towards the pancreatic head, with an impacted ",
        r.stone, " stone of ", r.d, " mm at ", r.hu,
        " HU; duodenum and colon with gas nearby, right ribs, kidney, vertebral body, aorta, vena cava. Beam from the "
        "front through the liver, above the duodenum.");
    return std::move(ab.cv);
}

/// Right mid-thigh (adductor canal level): skin, fat, muscle, femur (cortex and fatty marrow), superficial femoral
/// artery and vein in their fat sheath; a calcified plaque arc in the deep wall of the artery. Local origin: middle
/// of the thigh; x towards the patient's left, i.e. medially for the right thigh.
Canvas build_femoral(Phantom& ph, const Resolved& r) {
    const Vec3 O{-95, 25, -720};
    auto P = [&](double x, double y, double z) { return Vec3{O[0] + x, O[1] + y, O[2] + z}; };
    Canvas cv = make_canvas("femoral", P(-80, -76, -23), P(80, 76, 23), r.s);

    // assumption: thigh 148 x 136 mm (elliptic), skin 2 mm, subcutaneous fat 12 mm; femoral shaft radius 13.5 mm with
    // a 5.5 mm cortex; artery lumen 6.5 mm with a 1 mm wall (issue 4: 6-7 mm), vein 10 mm.
    const ShapeP skin = make<SuperellipsePrism>(O[0], O[1], 74, 68, 2.0);
    paint(cv, *skin, kSkinHU, Label::soft_tissue);
    paint(cv, SuperellipsePrism(O[0], O[1], 72, 66, 2.0), kFatHU, Label::fat);
    paint(cv, SuperellipsePrism(O[0], O[1], 60, 54, 2.0), kMuscleHU, Label::soft_tissue);
    const Vec3 z{0, 0, 1};
    paint(cv, Cylinder(P(-6, 10, 0), z, 13.5), kCorticalHU, Label::bone_cortical);
    paint(cv, Cylinder(P(-6, 10, 0), z, 8.0), kYellowMarrowHU, Label::fat);
    paint(cv, SuperellipsePrism(O[0] + 27, O[1] - 17, 12, 10, 2.0), kFatHU, Label::fat);  // neurovascular fat
    paint(cv, Cylinder(P(22, -12, 0), z, 5.0), kBloodHU, Label::fluid);                     // femoral vein
    const Vec3 A = P(30, -22, 0);                                                             // artery axis
    paint(cv, Cylinder(A, z, 4.25), kWallHU, Label::soft_tissue);
    paint(cv, Cylinder(A, z, 3.25), kBloodHU, Label::fluid);
    // Plaque: plaque_arc_deg (default 150 degrees) of a 1.5 mm thick annulus (radii 3.0-4.5 mm: the wall, bulging
    // 0.25 mm into the lumen), centred on the side facing the femur, L = target_diameter_mm long. 360 degrees: a ring.
    const double r_in = 3.0, r_out = 4.5, arc = deg(r.arc_deg), L = r.d;
    const Vec3 facing = unit(sub(P(-6, 10, 0), A));
    std::vector<ShapeP> plaque{make<Slab>(A, z, L / 2), minus(make<Cylinder>(A, z, r_out), make<Cylinder>(A, z, r_in))};
    if (ShapeP s = sector(A, z, facing, arc)) plaque.push_back(std::move(s));
    paint(cv, *both(std::move(plaque)), r.hu, Label::calcification, Edge::hard);

    ph.indication = "vascular";
    ph.plaque_arc_deg = r.arc_deg;
    ph.target_centre_mm = add(A, mul(0.5 * (r_in + r_out), facing));
    ph.target_nominal_volume_mm3 = arc / 2 * (r_out * r_out - r_in * r_in) * L;
    // Beam from anteromedial, across the artery: skin, fat, sartorius, the fat sheath, the near wall and the lumen.
    ph.source_position_mm = source_outside_skin(*skin, ph.target_centre_mm, unit({-0.6, 0.8, 0}));
    ph.description = fmt(
        "Right mid-thigh (148 x 136 mm): skin 2 mm, subcutaneous fat 12 mm, muscle, femur (27 mm, 5.5 mm cortex, "
        "fatty marrow), superficial femoral artery (6.5 mm lumen, 1 mm wall) and vein in a fat sheath. A calcified "
        "plaque of ", r.hu, " HU covers ", r.arc_deg,
        " degrees of the arterial wall, centred on its deep (femur-facing) side, 1.5 mm thick and ", r.d,
        " mm long. Beam from anteromedial across the artery.");
    return cv;
}

}  // namespace

std::vector<std::string> phantom_names() { return {"shoulder", "gallbladder", "bile_duct", "femoral"}; }

Phantom make_phantom(const std::string& name, const PhantomOptions& options) {
    const Resolved r = resolve(name, options);
    Phantom ph;
    ph.name = name;
    ph.target_diameter_mm = r.d;
    ph.target_HU = r.hu;
    Canvas cv = name == "shoulder"      ? build_shoulder(ph, r)
                : name == "gallbladder" ? build_gallbladder(ph, r)
                : name == "bile_duct"   ? build_bile_duct(ph, r)
                                        : build_femoral(ph, r);
    const auto target_voxels =
        std::size_t(std::count(cv.label.begin(), cv.label.end(), std::uint8_t(Label::calcification))) -
        cv.other_calcification_voxels;
    const double voxel_mm3 = cv.ct.spacing_mm[0] * cv.ct.spacing_mm[1] * cv.ct.spacing_mm[2];
    require_input(target_voxels > 0, "phantom ", name, ": target_diameter_mm = ", r.d, " covers no voxel at spacing_mm = ",
                  r.s, "; accepted: a finer spacing or a larger target");
    ph.target_volume_mm3 = double(target_voxels) * voxel_mm3;
    add_noise(cv.ct, options.noise_HU, options.seed);
    ph.ct = std::move(cv.ct);
    ph.truth = std::move(cv.label);
    return ph;
}

HuVolume reconstruct_slices(const HuVolume& fine, double thickness_mm, double increment_mm) {
    const double dz = fine.spacing_mm[2];
    const double t = thickness_mm, inc = increment_mm;
    require_input(fine.nz >= 1 && fine.hu.size() == fine.size() && dz > 0, "reconstruct_slices: an empty volume");
    require_input(std::isfinite(t) && t >= dz * (1 - 1e-9) && t <= kMaxReconstructedSlice_mm,
                  "slice thickness ", t, " mm; accepted: from the phantom's slice spacing (", dz, " mm) to ",
                  kMaxReconstructedSlice_mm, " mm");
    require_input(std::isfinite(inc) && inc > 0 && inc <= t * (1 + 1e-9), "slice increment ", inc,
                  " mm; accepted: > 0 and <= the slice thickness (", t,
                  " mm): overlapping or contiguous slices (gaps hide calcium)");
    // Positions along axes[2] relative to the centre of fine slice 0: fine covers [lo, hi].
    const double lo = -0.5 * dz, hi = (double(fine.nz) - 0.5) * dz;
    const double first = lo + 0.5 * t;  // centre of the first slice
    const double span = hi - lo - t;    // room for the centres after the first
    const std::size_t n = span < 0 ? 0 : std::size_t(std::floor(span / inc + 1e-9)) + 1;
    require_input(n >= 2, "slice thickness ", t, " mm and increment ", inc, " mm give ", n, " slice(s) over the ",
                  hi - lo, " mm of the phantom; accepted: at least 2");
    const std::size_t plane = fine.nx * fine.ny;
    require_input(double(n) * double(plane) <= double(kMaxPhantomVoxels), "slice increment ", inc, " mm gives ", n,
                  " slices of ", plane, " pixels; accepted: at most ", kMaxPhantomVoxels, " voxels in all");

    HuVolume out = fine;
    out.hu.clear();
    out.nz = n;
    out.spacing_mm[2] = inc;
    out.origin_mm = fine.position_mm(0, 0, first / dz);
    out.hu.assign(n * plane, 0.0f);
    std::vector<double> sum(plane);
    for (std::size_t m = 0; m < n; ++m) {
        const double a = first + double(m) * inc - 0.5 * t, b = a + t;  // the slice's profile [a, b]
        std::fill(sum.begin(), sum.end(), 0.0);
        const auto k0 = std::size_t(std::max(0.0, std::floor((a - lo) / dz)));
        const auto k1 = std::min(fine.nz, std::size_t(std::ceil((b - lo) / dz)));
        for (std::size_t k = k0; k < k1; ++k) {
            const double w = (std::min(b, (double(k) + 0.5) * dz) - std::max(a, (double(k) - 0.5) * dz)) / t;
            if (w <= 0) continue;
            const float* src = fine.hu.data() + k * plane;
            for (std::size_t q = 0; q < plane; ++q) sum[q] += w * double(src[q]);
        }
        float* dst = out.hu.data() + m * plane;
        for (std::size_t q = 0; q < plane; ++q) dst[q] = float(sum[q]);
    }
    return out;
}

}  // namespace lithosim::models
