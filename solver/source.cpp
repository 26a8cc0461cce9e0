#include "solver/source.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>

#include "core/errors.hpp"

namespace lithosim {

namespace {
constexpr double pi = std::numbers::pi;
constexpr int kHalfWidth = 3;  // Lanczos-3 support: 6 nodes per axis

struct SurfacePoint {
    std::array<double, 3> x;  // physical position, m
    double dA;                // area element (per unit length in 2D), m^2 or m
};

std::string source_name(SourceType t) {
    switch (t) {
    case SourceType::Bowl: return "bowl";
    case SourceType::Piston: return "piston";
    case SourceType::Plane: return "plane";
    case SourceType::Point: return "point";
    case SourceType::Cylinder: return "cylinder";
    }
    return "?";
}

/// Sample a bowl (3D: spherical cap; 2D: circular arc in the x-z plane) with apex at `apex`, axis +z.
std::vector<SurfacePoint> sample_bowl(const SourceSpec& s, int dims, double ds, bool axisymmetric) {
    const double R = s.focal_length_m, a = s.aperture_m / 2;
    const double theta_max = std::asin(a / R);
    std::vector<SurfacePoint> pts;
    const int n_theta = std::max(4, int(std::ceil(R * theta_max / ds)));
    const double dth = theta_max / n_theta;
    const auto& c = s.position_m;
    if (axisymmetric) {  // one point per ring, carrying the ring's whole area
        for (int it = 0; it < n_theta; ++it) {
            const double t0 = it * dth, t1 = (it + 1) * dth, th = 0.5 * (t0 + t1);
            pts.push_back({{R * std::sin(th), 0.0, c[2] + R * (1 - std::cos(th))},
                           2 * pi * R * R * (std::cos(t0) - std::cos(t1))});
        }
    } else if (dims == 3) {
        for (int it = 0; it < n_theta; ++it) {
            const double t0 = it * dth, t1 = (it + 1) * dth, th = 0.5 * (t0 + t1);
            const double ring_area = 2 * pi * R * R * (std::cos(t0) - std::cos(t1));
            const int n_phi = std::max(1, int(std::ceil(2 * pi * R * std::sin(th) / ds)));
            for (int ip = 0; ip < n_phi; ++ip) {
                const double ph = 2 * pi * (ip + 0.5 * (it % 2)) / n_phi;
                pts.push_back({{c[0] + R * std::sin(th) * std::cos(ph), c[1] + R * std::sin(th) * std::sin(ph),
                                c[2] + R * (1 - std::cos(th))},
                               ring_area / n_phi});
            }
        }
    } else {  // arc: both sides of the axis
        for (int it = -n_theta; it < n_theta; ++it) {
            const double th = (it + 0.5) * dth;
            pts.push_back({{c[0] + R * std::sin(th), 0.0, c[2] + R * (1 - std::cos(th))}, R * dth});
        }
    }
    return pts;
}

std::vector<SurfacePoint> sample_piston(const SourceSpec& s, int dims, double ds, bool axisymmetric) {
    const double a = s.aperture_m / 2;
    const auto& c = s.position_m;
    std::vector<SurfacePoint> pts;
    const int n_r = std::max(2, int(std::ceil(a / ds)));
    const double dr = a / n_r;
    if (axisymmetric) {
        for (int ir = 0; ir < n_r; ++ir) {
            const double r0 = ir * dr, r1 = r0 + dr;
            pts.push_back({{0.5 * (r0 + r1), 0.0, c[2]}, pi * (r1 * r1 - r0 * r0)});
        }
    } else if (dims == 3) {
        for (int ir = 0; ir < n_r; ++ir) {
            const double r0 = ir * dr, r1 = r0 + dr, r = 0.5 * (r0 + r1);
            const double ring = pi * (r1 * r1 - r0 * r0);
            const int n_phi = std::max(1, int(std::ceil(2 * pi * r / ds)));
            for (int ip = 0; ip < n_phi; ++ip) {
                const double ph = 2 * pi * (ip + 0.5 * (ir % 2)) / n_phi;
                pts.push_back({{c[0] + r * std::cos(ph), c[1] + r * std::sin(ph), c[2]}, ring / n_phi});
            }
        }
    } else {
        for (int ir = -n_r; ir < n_r; ++ir) pts.push_back({{c[0] + (ir + 0.5) * dr, 0.0, c[2]}, dr});
    }
    return pts;
}

/// 1D kernel weights of a point at fractional node position u on an axis of n nodes, normalised to sum 1.
/// Returns the first node index; w holds 2*kHalfWidth weights.
int axis_weights(double u, int n, std::array<double, 2 * kHalfWidth>& w) {
    const int i0 = int(std::floor(u)) - kHalfWidth + 1;
    double sum = 0;
    for (int k = 0; k < 2 * kHalfWidth; ++k) {
        w[k] = lanczos3(u - (i0 + k));
        sum += w[k];
    }
    for (auto& v : w) v /= sum;
    for (int k = 0; k < 2 * kHalfWidth; ++k)
        if (i0 + k < 0 || i0 + k >= n) w[k] = 0;  // falls off the array (only possible deep in the PML)
    return i0;
}

void check_inside(const Grid& g, const std::array<double, 3>& x, const SourceSpec& s, const char* what) {
    for (int p = 0; p < 3; ++p) {
        const int a = g.internal_axis(p);
        if (a < 0) continue;
        const double lo = g.coord(a, g.phys_begin(a)), hi = g.coord(a, g.phys_end(a) - 1);
        const double tol = 1e-9 + 1e-6 * g.dx;
        if (x[p] < lo - tol || x[p] > hi + tol) {
            static const char* axes = "xyz";
            throw InputError(fmt("[source] ", source_name(s.type), " ", what, " at ", axes[p], " = ", x[p] * 1e3,
                                 " mm lies outside the grid's physical region ", axes[p], " in [", lo * 1e3, ", ",
                                 hi * 1e3, "] mm; move position_mm or enlarge size_mm"));
        }
    }
}
}  // namespace

double lanczos3(double x) {
    x = std::abs(x);
    if (x < 1e-12) return 1;
    if (x >= kHalfWidth) return 0;
    const double px = pi * x;
    return kHalfWidth * std::sin(px) * std::sin(px / kHalfWidth) / (px * px);
}

std::array<double, 3> geometric_focus_m(const SourceSpec& s) {
    auto f = s.position_m;
    if (s.type == SourceType::Bowl) f[2] += s.focal_length_m;
    return f;
}

SourceFootprint footprint(const Grid& g, const SourceSpec& s) {
    const double ds = g.dx / 4;
    std::vector<SurfacePoint> pts;
    bool point_source = false;
    switch (s.type) {
    case SourceType::Bowl:
        require_input(g.dims >= 2, "[source] type = bowl needs dims = 2 or 3 (got dims = ", g.dims,
                      "); use type = plane in 1D");
        require_input(s.aperture_m > 0, "[source] aperture_mm = ", s.aperture_m * 1e3, " must be > 0");
        require_input(s.focal_length_m > 0, "[source] focal_length_mm = ", s.focal_length_m * 1e3, " must be > 0");
        require_input(s.aperture_m / 2 < s.focal_length_m, "[source] bowl does not fit: aperture_mm = ",
                      s.aperture_m * 1e3, " must be < 2 x focal_length_mm = ", 2e3 * s.focal_length_m,
                      " (a spherical cap cannot be wider than its sphere)");
        pts = sample_bowl(s, g.dims, ds, g.axisymmetric);
        break;
    case SourceType::Piston:
        require_input(g.dims >= 2, "[source] type = piston needs dims = 2 or 3 (got dims = ", g.dims,
                      "); use type = plane in 1D");
        require_input(s.aperture_m > 0, "[source] aperture_mm = ", s.aperture_m * 1e3, " must be > 0");
        pts = sample_piston(s, g.dims, ds, g.axisymmetric);
        break;
    case SourceType::Plane: break;
    case SourceType::Cylinder: {
        require_input(g.dims == 3 || g.axisymmetric, "[source] type = cylinder needs dims = 3 or axisymmetric (got dims = ",
                      g.dims, ")");
        require_input(s.cylinder_radius_m > 0 && s.cylinder_length_m > 0, "[source] cylinder radius ",
                      s.cylinder_radius_m * 1e3, " mm and length ", s.cylinder_length_m * 1e3, " mm must be > 0");
        // rings (axisymmetric: one point per ring) along the length; area 2 pi r dz each; sheet strength u_n
        // (half of the free sheet's 2 u_n: the rigid core sends the inner half outward too)
        const int n_z = std::max(2, int(std::ceil(s.cylinder_length_m / ds)));
        const double dz = s.cylinder_length_m / n_z;
        const int n_phi = g.axisymmetric ? 1 : std::max(8, int(std::ceil(2 * pi * s.cylinder_radius_m / ds)));
        for (int iz = 0; iz < n_z; ++iz)
            for (int ip = 0; ip < n_phi; ++ip) {
                const double ph = 2 * pi * ip / n_phi, z = s.position_m[2] + (iz + 0.5) * dz;
                const double x = g.axisymmetric ? s.cylinder_radius_m : s.cylinder_radius_m * std::cos(ph);
                const double y = g.axisymmetric ? 0.0 : s.cylinder_radius_m * std::sin(ph);
                pts.push_back({{s.position_m[0] + x, s.position_m[1] + y, z}, 0.5 * 2 * pi * s.cylinder_radius_m * dz / n_phi});
            }
        break;
    }
    case SourceType::Point:
        require_input(g.dims == 3 || g.axisymmetric, "[source] type = point needs dims = 3 or axisymmetric (got dims = ",
                      g.dims, "); use type = plane in 1D or a small piston in 2D");
        require_input(!g.axisymmetric || (s.position_m[0] == 0 && s.position_m[1] == 0),
                      "[source] an axisymmetric point source must lie on the axis: position_mm x,y = ",
                      s.position_m[0] * 1e3, ",", s.position_m[1] * 1e3, " must be 0,0");
        point_source = true;
        break;
    }
    if (g.axisymmetric && s.type != SourceType::Plane)
        require_input(s.position_m[0] == 0 && s.position_m[1] == 0,
                      "[source] an axisymmetric source is centred on the axis: position_mm x,y = ",
                      s.position_m[0] * 1e3, ",", s.position_m[1] * 1e3, " must be 0,0");
    for (const auto& p : pts) check_inside(g, p.x, s, "surface");
    check_inside(g, s.position_m, s, "position");

    SourceFootprint fp;
    std::unordered_map<std::size_t, double> acc;
    const double V = g.cell_volume();
    std::array<std::array<double, 2 * kHalfWidth>, 3> w{};
    std::array<int, 3> i0{0, 0, 0};
    auto spread = [&](const std::array<double, 3>& x, double amount, bool all_transverse) {
        for (int a = 0; a < 3; ++a) {
            w[a].fill(0);
            i0[a] = 0;
            if (a >= g.dims) { w[a][0] = 1; continue; }
            i0[a] = axis_weights((x[g.physical_axis(a)] - g.lo_m[a]) / g.dx, g.n[a], w[a]);
        }
        const int k2 = g.dims > 2 ? 2 * kHalfWidth : 1, k1 = g.dims > 1 ? 2 * kHalfWidth : 1;
        for (int c2 = 0; c2 < k2; ++c2)
            for (int c1 = 0; c1 < k1; ++c1)
                for (int c0 = 0; c0 < 2 * kHalfWidth && (c0 == 0 || g.dims >= 1); ++c0) {
                    const double v = w[0][c0] * w[1][c1] * w[2][c2];
                    if (v == 0) continue;
                    int j0 = i0[0] + c0;
                    if (g.axisymmetric && j0 < Grid::kAxisNode) j0 = 2 * Grid::kAxisNode - j0;  // fold across r = 0
                    const double vol = g.axisymmetric ? g.cell_volume_at(j0) : V;
                    acc[g.index(j0, i0[1] + c1, i0[2] + c2)] += amount * v / vol;
                }
        (void)all_transverse;
    };
    if (s.type == SourceType::Plane) {
        // An infinite sheet at z = z0 across every column, PML included (no edge diffraction).
        const int az = g.internal_axis(2);
        std::array<double, 2 * kHalfWidth> wz{};
        const int iz0 = axis_weights((s.position_m[2] - g.lo_m[az]) / g.dx, g.n[az], wz);
        const std::size_t columns = g.cells() / g.n[az];
        for (std::size_t col = 0; col < columns; ++col)
            for (int k = 0; k < 2 * kHalfWidth; ++k) {
                if (wz[k] == 0) continue;
                const std::size_t idx = (az == 0) ? std::size_t(iz0 + k) : col + std::size_t(iz0 + k) * g.stride(az);
                acc[idx] += wz[k] / g.dx;
            }
        fp.surface_area_m2 = 1;
    } else if (point_source && g.axisymmetric) {
        // On the axis of an (r, z) grid a point is a small sphere: the kernel's radial profile k(r/dr) over the
        // rings r_j (a smooth 3D blob, which the fourth-order stencil sees correctly, unlike a single axis node),
        // normalised so that it integrates to 1 over the ring volumes.
        const int az = 1;
        std::array<double, 2 * kHalfWidth> wz{};
        const int iz0 = axis_weights((s.position_m[2] - g.lo_m[az]) / g.dx, g.n[az], wz);
        // radial profile stretched by 2 (band-limited to half the grid's Nyquist wavenumber, flat well beyond
        // 6 points per wavelength), so the blob covers a few rings instead of the axis node alone
        constexpr double stretch = 2.0;
        const int nj = int(kHalfWidth * stretch);
        double norm = 0;
        for (int j = 0; j < nj; ++j) norm += lanczos3(j / stretch) * g.cell_volume_at(Grid::kAxisNode + j) / g.dx;
        for (int k = 0; k < 2 * kHalfWidth; ++k)
            for (int j = 0; j < nj; ++j) {
                const double v = wz[k] * lanczos3(j / stretch) / (norm * g.dx);
                if (v != 0) acc[g.index(Grid::kAxisNode + j, iz0 + k, 0)] += v;
            }
        (void)az;
    } else if (point_source) {
        spread(s.position_m, 1.0, false);
    } else {
        for (const auto& p : pts) {
            spread(p.x, p.dA, false);
            fp.surface_area_m2 += p.dA;
        }
    }
    fp.index.reserve(acc.size());
    for (const auto& [i, v] : acc) fp.index.push_back(i);
    std::sort(fp.index.begin(), fp.index.end());
    for (auto i : fp.index) fp.density.push_back(acc[i]);
    return fp;
}

double GridSources::bytes() const {
    double b = 0;
    for (const auto& s : sources)
        b += double(s.index.size()) * sizeof(std::size_t) + double(s.gain.size()) * sizeof(float) +
             double(s.signal.size()) * sizeof(double);
    return b;
}

double grid_sources_bytes(const std::vector<SourceFootprint>& footprints, long long steps, const SlabLayout& slab) {
    double b = 0;
    for (const auto& fp : footprints) {
        const auto stored = std::count_if(fp.index.begin(), fp.index.end(),
                                          [&slab](std::size_t i) { return slab.stores(i); });
        b += double(stored) * (sizeof(std::size_t) + sizeof(float)) + double(steps) * sizeof(double);
    }
    return b;
}

GridSources make_grid_sources(const Grid& g, const SimulationSpec& spec, double dt, long long steps, double c_min,
                              const MediumModel& mm, const SlabLayout& slab,
                              const std::function<void(const std::string&)>& log) {
    GridSources out;
    for (const auto& s : spec.sources) {
        const SourceFootprint fp = footprint(g, s);
        GridSource gs;
        Waveform wf = s.waveform;
        if (wf.type == WaveformType::Lithotripter && wf.rise_s <= 0) wf.rise_s = 4 * g.dx / c_min;
        const double amp = s.p0_Pa;
        out.p0_max = std::max(out.p0_max, std::abs(amp));
        const bool point = s.type == SourceType::Point;
        constexpr double r_ref = 1e-3;  // point source: p0 is the free-field pressure at 1 mm
        for (std::size_t k = 0; k < fp.index.size(); ++k) {
            // A slab takes the nodes it stores, halo planes included.
            if (!slab.stores(fp.index[k])) continue;
            gs.index.push_back(fp.index[k]);
            const auto& mp = mm.props_at(fp.index[k]);
            // Surface: dw/dt = K q, q = 2 u_n delta_S, u_n = p0 s / (rho c)  ->  gain 2 c (if rho c local).
            // Point:   p = rho qdot / (4 pi r)  ->  q = 4 pi r_ref p0 S(t) / rho, dw/dt = K q delta.
            const double gain = point ? mp.rho_kg_per_m3 * mp.c_m_per_s * mp.c_m_per_s * 4 * pi * r_ref / mp.rho_kg_per_m3
                                      : 2.0 * mp.c_m_per_s;
            gs.gain.push_back(float(gain * fp.density[k]));
        }
        gs.signal.resize(steps);
        double integral = 0;
        for (long long n = 0; n < steps; ++n) {
            const double t = (n + 0.5) * dt;
            if (point) {  // running integral of the shape (Simpson over each step)
                const double ta = n * dt, tb = (n + 1) * dt;
                const double seg = dt / 6 * (wf.shape(ta) + 4 * wf.shape(0.5 * (ta + tb)) + wf.shape(tb));
                gs.signal[n] = amp * (integral + 0.5 * seg);
                integral += seg;
            } else {
                gs.signal[n] = amp * wf.shape(t);
            }
        }
        if (log)
            log(fmt("source: ", fp.index.size(), " grid nodes",
                    slab.ranks > 1 ? fmt(" (", gs.index.size(), " stored on rank ", slab.rank, ")") : "",
                    ", sampled area ", fp.surface_area_m2 * 1e6, " mm^2"));
        out.sources.push_back(std::move(gs));
    }
    return out;
}

}  // namespace lithosim
