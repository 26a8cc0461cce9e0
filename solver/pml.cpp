#include "solver/pml.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lithosim {

Cpml::Cpml(const Grid& g, double dt, double c_max, double f_src, int order) : g_(g), order_(order) {
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
        // Two slabs per axis: [2, pb) and [pe, n - 2) along ax, the updated range on the other axes.
        for (int side = 0; side < 2; ++side) {
            Slab s;
            s.axis = ax;
            for (int o = 0; o < 3; ++o) {
                s.r0[o] = o < g.dims ? 2 : 0;
                s.r1[o] = o < g.dims ? g.n[o] - 2 : 1;
            }
            if (side == 0) s.r1[ax] = pb;
            else s.r0[ax] = pe;
            const std::size_t cells =
                std::size_t(s.r1[0] - s.r0[0]) * (s.r1[1] - s.r0[1]) * std::size_t(s.r1[2] - s.r0[2]);
            s.psi_u.resize(cells);
            s.psi_p.resize(cells);
            slabs_.push_back(std::move(s));
        }
    }
}

double Cpml::bytes() const {
    double b = 0;
    for (const auto& s : slabs_) b += s.psi_u.bytes() + s.psi_p.bytes();
    return b;
}

void Cpml::correct_velocity(const kernels::StepView& v) {
    const float c1 = order_ == 4 ? 9.0f / 8.0f : 1.0f, c2 = order_ == 4 ? -1.0f / 24.0f : 0.0f;
    const float inv_dx = 1.0f / v.dx, dt = v.dt;
    for (auto& sl : slabs_) {
        const int ax = sl.axis;
        const std::ptrdiff_t s = v.s[ax];
        const float* __restrict p = v.p;
        float* __restrict u = v.u[ax];
        const float* __restrict ri = v.rho_inv[ax];
        float* __restrict psi = sl.psi_u.data();
        const float* __restrict bb = b_face_[ax].data();
        const float* __restrict aa = a_face_[ax].data();
        const int m0 = sl.r1[0] - sl.r0[0], m1 = sl.r1[1] - sl.r0[1];
#pragma omp parallel for collapse(2) schedule(static)
        for (int i2 = sl.r0[2]; i2 < sl.r1[2]; ++i2)
            for (int i1 = sl.r0[1]; i1 < sl.r1[1]; ++i1) {
                const std::ptrdiff_t base = i1 * v.s[1] + i2 * v.s[2];
                const std::size_t pbase = std::size_t(m0) * ((i1 - sl.r0[1]) + std::size_t(m1) * (i2 - sl.r0[2]));
#pragma omp simd
                for (int i0 = sl.r0[0]; i0 < sl.r1[0]; ++i0) {
                    const std::ptrdiff_t i = base + i0;
                    const std::size_t k = pbase + (i0 - sl.r0[0]);
                    const int ia = ax == 0 ? i0 : ax == 1 ? i1 : i2;
                    const float d = inv_dx * (c1 * (p[i + s] - p[i]) + c2 * (p[i + 2 * s] - p[i - s]));
                    psi[k] = bb[ia] * psi[k] + aa[ia] * d;
                    u[i] -= dt * ri[i] * psi[k];
                }
            }
    }
}

void Cpml::correct_pressure(const kernels::StepView& v) {
    const float c1 = order_ == 4 ? 9.0f / 8.0f : 1.0f, c2 = order_ == 4 ? -1.0f / 24.0f : 0.0f;
    const float inv_dx = 1.0f / v.dx, dt = v.dt;
    const bool separate_p = v.p != v.w;
    for (auto& sl : slabs_) {
        const int ax = sl.axis;
        const std::ptrdiff_t s = v.s[ax];
        const float* __restrict u = v.u[ax];
        float* w = v.w;
        float* p = v.p;
        const float* __restrict K = v.K;
        float* __restrict psi = sl.psi_p.data();
        const float* __restrict bb = b_node_[ax].data();
        const float* __restrict aa = a_node_[ax].data();
        const char* __restrict inside = node_inside_[ax].data();
        const int m0 = sl.r1[0] - sl.r0[0], m1 = sl.r1[1] - sl.r0[1];
#pragma omp parallel for collapse(2) schedule(static)
        for (int i2 = sl.r0[2]; i2 < sl.r1[2]; ++i2)
            for (int i1 = sl.r0[1]; i1 < sl.r1[1]; ++i1) {
                const std::ptrdiff_t base = i1 * v.s[1] + i2 * v.s[2];
                const std::size_t pbase = std::size_t(m0) * ((i1 - sl.r0[1]) + std::size_t(m1) * (i2 - sl.r0[2]));
#pragma omp simd
                for (int i0 = sl.r0[0]; i0 < sl.r1[0]; ++i0) {
                    const std::ptrdiff_t i = base + i0;
                    const std::size_t k = pbase + (i0 - sl.r0[0]);
                    const int ia = ax == 0 ? i0 : ax == 1 ? i1 : i2;
                    const float d = inv_dx * (c1 * (u[i] - u[i - s]) + c2 * (u[i + s] - u[i - 2 * s]));
                    psi[k] = bb[ia] * psi[k] + aa[ia] * d;
                    w[i] -= dt * K[i] * psi[k];
                    if (separate_p && inside[ia]) p[i] = w[i];
                }
            }
    }
}

}  // namespace lithosim
