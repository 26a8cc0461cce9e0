#include "solver/pml.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lithosim {

Cpml::Cpml(const Grid& g, double dt, double c_max, double f_src, int order, int z_begin, int z_end)
    : g_(g), order_(order) {
    const int P = g.pml - 2;  // layer cells (phys_begin also counts the two untouched stencil cells)
    if (P <= 0) return;
    // Design reflection: 1e-3 for 10 cells, 1e-4 for 20 (the constants of the CPML codes cited above),
    // continued log-linearly.
    R_ = std::pow(10.0, -std::min(6.0, 2.0 + P / 10.0));
    const double L = P * g.dx;
    const double d0 = 3.0 * c_max * std::log(1.0 / R_) / (2.0 * L);
    const double alpha_max = std::numbers::pi * f_src;
    auto coef = [&](double depth_cells, float& b, float& a) {
        const double s = std::clamp(depth_cells / P, 0.0, 1.0);
        const double d = d0 * s * s, al = alpha_max * (1 - s);
        const double bb = std::exp(-(d + al) * dt);
        b = float(bb);
        a = float(d > 0 ? d * (bb - 1) / (d + al) : 0.0);
    };
    for (int ax = 0; ax < g.dims; ++ax) {
        const int n = g.n[ax];
        const int pb = g.phys_begin(ax), pe = g.phys_end(ax) - 1;  // first and last physical node
        b_face_[ax].assign(n, 1.f);
        a_face_[ax].assign(n, 0.f);
        b_node_[ax].assign(n, 1.f);
        a_node_[ax].assign(n, 0.f);
        node_inside_[ax].assign(n, 0);
        for (int i = 0; i < n; ++i) {
            const double dn = std::max({0.0, double(pb - i), double(i - pe)});
            const double df = std::max({0.0, pb - (i + 0.5), (i + 0.5) - pe});
            coef(dn, b_node_[ax][i], a_node_[ax][i]);
            coef(df, b_face_[ax][i], a_face_[ax][i]);
            node_inside_[ax][i] = dn > 0;
        }
    }
    for (const Box& b : boxes(g, z_begin, z_end)) {
        Slab s;
        s.axis = b.axis;
        for (int o = 0; o < 3; ++o) {
            s.r0[o] = b.r0[o];
            s.r1[o] = b.r1[o];
        }
        s.psi_u.resize(b.cells());
        s.psi_p.resize(b.cells());
        slabs_.push_back(std::move(s));
    }
}

std::vector<Cpml::Box> Cpml::boxes(const Grid& g, int z_begin, int z_end) {
    std::vector<Box> out;
    if (g.pml - 2 <= 0) return out;
    for (int ax = 0; ax < g.dims; ++ax) {
        const int pb = g.phys_begin(ax), pe = g.phys_end(ax) - 1;  // first and last physical node
        // Two slabs per axis: [2, pb) and [pe, n - 2) along ax, the updated range on the other axes.
        for (int side = 0; side < 2; ++side) {
            if (side == 0 && g.axisymmetric && ax == 0) continue;  // the axis is no boundary
            Box s;
            s.axis = ax;
            for (int o = 0; o < 3; ++o) {
                s.r0[o] = o < g.dims ? 2 : 0;
                s.r1[o] = o < g.dims ? g.n[o] - 2 : 1;
            }
            if (side == 0) s.r1[ax] = pb;
            else s.r0[ax] = pe;
            // A slab of a distributed run: only the planes this process updates along the last axis.
            const int zl = g.dims - 1;
            s.r0[zl] = std::max(s.r0[zl], z_begin);
            s.r1[zl] = std::min(s.r1[zl], z_end);
            if (s.r1[zl] <= s.r0[zl]) continue;
            out.push_back(s);
        }
    }
    return out;
}

double Cpml::bytes_for(const Grid& g, int z_begin, int z_end) {
    double b = 0;
    for (const Box& box : boxes(g, z_begin, z_end)) b += 2.0 * double(AlignedBuffer<float>::bytes_for(box.cells()));
    return b;
}

double Cpml::bytes() const {
    double b = 0;
    for (const auto& s : slabs_) b += s.psi_u.bytes() + s.psi_p.bytes();
    return b;
}

namespace {
/// Index along the slab's own axis: compile-time choice, so the inner loop stays a plain vector loop.
template <int AX>
inline int along(int i0, int i1, int i2) {
    return AX == 0 ? i0 : AX == 1 ? i1 : i2;
}

// The slab loops are orphaned `omp for` constructs: they run inside the one parallel region of a pass, so a
// pass has one fork and as few barriers as the data dependencies allow.
template <int AX, bool UNIFORM_RHO>
void velocity_slab(const kernels::StepView& v, const int r0[3], const int r1[3], float* __restrict psi,
                   const float* __restrict bb, const float* __restrict aa, float c1, float c2) {
    const float inv_dx = 1.0f / v.dx, dt = v.dt;
    const std::ptrdiff_t s = v.s[AX];
    const float* __restrict p = v.p;
    float* __restrict u = v.u[AX];
    const float* __restrict ri = v.rho_inv[AX];
    const float ru = v.rho_inv_uniform;
    const int m0 = r1[0] - r0[0], m1 = r1[1] - r0[1];
#pragma omp for collapse(2) schedule(static) nowait
    for (int i2 = r0[2]; i2 < r1[2]; ++i2)
        for (int i1 = r0[1]; i1 < r1[1]; ++i1) {
            const std::ptrdiff_t base = i1 * v.s[1] + i2 * v.s[2];
            float* __restrict ps = psi + std::size_t(m0) * ((i1 - r0[1]) + std::size_t(m1) * (i2 - r0[2])) - r0[0];
            const float bconst = AX == 0 ? 0.f : bb[along<AX>(0, i1, i2)];
            const float aconst = AX == 0 ? 0.f : aa[along<AX>(0, i1, i2)];
#pragma omp simd
            for (int i0 = r0[0]; i0 < r1[0]; ++i0) {
                const std::ptrdiff_t i = base + i0;
                const float b = AX == 0 ? bb[i0] : bconst, a = AX == 0 ? aa[i0] : aconst;
                const float d = inv_dx * (c1 * (p[i + s] - p[i]) + c2 * (p[i + 2 * s] - p[i - s]));
                ps[i0] = b * ps[i0] + a * d;
                u[i] -= dt * kernels::coef<UNIFORM_RHO>(ri, ru, i) * ps[i0];
            }
        }
}

template <int AX, bool UNIFORM_K>
void pressure_slab(const kernels::StepView& v, const int r0[3], const int r1[3], float* __restrict psi,
                   const float* __restrict bb, const float* __restrict aa, const char* __restrict inside,
                   float c1, float c2) {
    const float inv_dx = 1.0f / v.dx, dt = v.dt;
    const std::ptrdiff_t s = v.s[AX];
    const float* __restrict u = v.u[AX];
    float* __restrict w = v.w;
    float* p = v.p;  // may alias w (linear runs)
    const bool separate_p = v.p != v.w;
    const float* __restrict K = v.K;
    const float Ku = v.K_pml_uniform;  // the layer's K (a relaxing medium's differs from the interior's K_U)
    const int m0 = r1[0] - r0[0], m1 = r1[1] - r0[1];
#pragma omp for collapse(2) schedule(static) nowait
    for (int i2 = r0[2]; i2 < r1[2]; ++i2)
        for (int i1 = r0[1]; i1 < r1[1]; ++i1) {
            const std::ptrdiff_t base = i1 * v.s[1] + i2 * v.s[2];
            float* __restrict ps = psi + std::size_t(m0) * ((i1 - r0[1]) + std::size_t(m1) * (i2 - r0[2])) - r0[0];
            const float bconst = AX == 0 ? 0.f : bb[along<AX>(0, i1, i2)];
            const float aconst = AX == 0 ? 0.f : aa[along<AX>(0, i1, i2)];
#pragma omp simd
            for (int i0 = r0[0]; i0 < r1[0]; ++i0) {
                const std::ptrdiff_t i = base + i0;
                const float b = AX == 0 ? bb[i0] : bconst, a = AX == 0 ? aa[i0] : aconst;
                const float d = inv_dx * (c1 * (u[i] - u[i - s]) + c2 * (u[i + s] - u[i - 2 * s]));
                ps[i0] = b * ps[i0] + a * d;
                w[i] -= dt * kernels::coef<UNIFORM_K>(K, Ku, i) * ps[i0];
            }
            if (separate_p) {
                const bool row_inside = AX == 0 || inside[along<AX>(0, i1, i2)];
                if (row_inside)
                    for (int i0 = r0[0]; i0 < r1[0]; ++i0)
                        if (AX != 0 || inside[i0]) p[base + i0] = w[base + i0];
            }
        }
}

/// The slab kernel of axis ax, with the coefficient read from an array or as one value (a uniform medium).
template <template <int, bool> class K, class... A>
void on_axis(int ax, bool uniform, A&&... args) {
    if (uniform) {
        if (ax == 0) K<0, true>::run(args...);
        else if (ax == 1) K<1, true>::run(args...);
        else K<2, true>::run(args...);
    } else {
        if (ax == 0) K<0, false>::run(args...);
        else if (ax == 1) K<1, false>::run(args...);
        else K<2, false>::run(args...);
    }
}
template <int AX, bool U>
struct VelocitySlab {
    template <class... A>
    static void run(A&&... a) { velocity_slab<AX, U>(a...); }
};
template <int AX, bool U>
struct PressureSlab {
    template <class... A>
    static void run(A&&... a) { pressure_slab<AX, U>(a...); }
};
}  // namespace

void Cpml::correct_velocity(const kernels::StepView& v) {
    if (slabs_.empty()) return;
    const float c1 = staggered_stencil(order_).c1f(), c2 = staggered_stencil(order_).c2f();
    const bool uniform = v.rho_inv[0] == nullptr;
    // Slab of axis a only touches u_a, and the two slabs of an axis are disjoint: no barrier between slabs.
#pragma omp parallel
    for (auto& sl : slabs_) {
        const int ax = sl.axis;
        const float* bb = b_face_[ax].data();
        const float* aa = a_face_[ax].data();
        on_axis<VelocitySlab>(ax, uniform, v, sl.r0, sl.r1, sl.psi_u.data(), bb, aa, c1, c2);
    }
}

void Cpml::correct_pressure(const kernels::StepView& v) {
    if (slabs_.empty()) return;
    const float c1 = staggered_stencil(order_).c1f(), c2 = staggered_stencil(order_).c2f();
    const bool uniform = v.K == nullptr;
    // Every slab updates w, and slabs of different axes share the edges and corners: a barrier between axes.
#pragma omp parallel
    for (std::size_t k = 0; k < slabs_.size(); ++k) {
        auto& sl = slabs_[k];
        const int ax = sl.axis;
        const float* bb = b_node_[ax].data();
        const float* aa = a_node_[ax].data();
        const char* in = node_inside_[ax].data();
        on_axis<PressureSlab>(ax, uniform, v, sl.r0, sl.r1, sl.psi_p.data(), bb, aa, in, c1, c2);
        if (k + 1 == slabs_.size() || slabs_[k + 1].axis != ax) {
#pragma omp barrier
        }
    }
}

}  // namespace lithosim
