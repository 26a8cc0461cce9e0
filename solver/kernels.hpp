// The finite-difference kernels of one time step. Dimension and stencil order are template parameters;
// the medium's branches (nonlinear, absorbing, uniform or per-cell coefficients) are chosen once, outside the loops.
//
// Grids (see grid.hpp): p, w, m_l, K and the other cell coefficients live on the nodes x_i = i dx;
// u_a and rho_inv_a live on the staggered nodes x_i + dx/2 of axis a.
// Staggered derivatives, coefficients c1, c2 from the one stencil table (stencil.hpp: order 2 {1, 0}, order 4
// {9/8, -1/24}):
//   (d f / dx_a)(i + 1/2) = [c1 (f_{i+1} - f_i) + c2 (f_{i+2} - f_{i-1})] / dx        (nodes -> faces)
//   (d g / dx_a)(i)       = [c1 (g_{i} - g_{i-1}) + c2 (g_{i+1} - g_{i-2})] / dx      (faces -> nodes)
#pragma once
#include <cassert>
#include <cmath>
#include <cstddef>

#include "solver/stencil.hpp"

namespace lithosim::kernels {

/// Most relaxation mechanisms a run may have (`[solver] relaxation_mechanisms` accepts 1 .. 8).
inline constexpr int kMaxMechanisms = 8;

/// Raw views of everything a step touches; taken out of the containers once, before the loop.
struct StepView {
    int n[3];                   ///< cells per internal axis
    std::ptrdiff_t s[3];        ///< strides
    int lo[3], hi[3];           ///< updated index range per axis ([2, n-2) on active axes)
    float dt, dx;
    float* u[3];                ///< velocity components, staggered
    float* w;                   ///< "pressure-like density" w: dw/dt = -K div u (+ relaxation)
    float* p;                   ///< pressure used by the momentum equation (p(w) + viscous + shock terms); may alias w
    // Coefficients: an array, or (null pointer) one value for every cell, read by the kernel variant whose
    // UNIFORM template parameter says so (medium.hpp, MediumLayout).
    const float* rho_inv[3];    ///< 1 / rho on the staggered nodes of each axis
    const float* K;             ///< unrelaxed bulk modulus rho c^2 (1 + sum a_l), nodes
    const float* bK;            ///< beta / K_R, nodes (nonlinear)
    const float* nu;            ///< rho * delta (thermoviscous), nodes (absorbing) or null
    float rho_inv_uniform;      ///< 1 / rho everywhere (rho_inv null)
    float K_uniform, bK_uniform, nu_uniform;  ///< K, beta / K_R, rho delta in the physical region (K null)
    float K_pml_uniform;        ///< K in the PML (K null): rho c^2, lossless; K_uniform unless there is relaxation
    int nrel;                   ///< relaxation mechanisms
    float* m[kMaxMechanisms];         ///< memory variables, one contiguous array per mechanism, nodes
    const float* Ka[kMaxMechanisms];  ///< K_R a_l per cell, one array per mechanism, nodes
    // A homogeneous relaxing medium (K null, nrel > 0): each coefficient along a row of axis 0, [0] for the rows in
    // the PML, [1] for those through the physical region (PML values outside [phys_lo[0], phys_hi[0]))
    const float* K_row[2];
    const float* bK_row[2];
    const float* Ka_row[kMaxMechanisms][2];
    int phys_lo[3], phys_hi[3];  ///< the physical region
    float e[kMaxMechanisms];          ///< exp(-dt / tau_l)
    float q_coef;               ///< rho_ref (C dx)^2 of the shock viscosity (0 = off)
    float div_cap;              ///< |div u| above which the shock viscosity stops growing (explicit stability)
    // Axisymmetric runs (axis 0 = r): radius of each staggered node, 1/r of each node (0 on the axis), and
    // the index of the axis node.
    const float* r_face = nullptr;
    const float* inv_r = nullptr;
    int axis_i = -1;
};

/// A coefficient at cell i: from its array, or the one value of a uniform coefficient (a compile-time choice).
template <bool UNIFORM>
inline float coef(const float* __restrict a, float uniform, std::ptrdiff_t i) {
    if constexpr (UNIFORM) return uniform;
    else return a[i];
}

/// Mirror images across the axis r = 0 of an axisymmetric run: a scalar on the nodes is even,
/// f(-r) = f(r); u_r on the staggered nodes is odd, u(-r) = -u(r). The axis is node A, so node A - k
/// mirrors A + k, and staggered node A - 1 - k (at r = -(k + 1/2) dr) mirrors A + k.
inline void mirror_axis(const StepView& v, float* f, bool staggered_odd) {
    const int A = v.axis_i;
    const std::ptrdiff_t s1 = v.s[1];
#pragma omp parallel for schedule(static)
    for (int i1 = 0; i1 < v.n[1]; ++i1) {
        float* row = f + i1 * s1;
        for (int k = 0; k < A; ++k) {
            if (staggered_odd) row[A - 1 - k] = -row[A + k];
            else row[A - 1 - k] = row[A + 1 + k];
        }
    }
}

/// Momentum, linear:  du_a/dt = -(1/rho) dp/dx_a
///   u_a^{n+1/2} = u_a^{n-1/2} - dt * rho_inv_a * D^+_a p^n          (D^+ : nodes -> faces)
/// UNIFORM_RHO: one density, rho_inv_a = rho_inv_uniform on every face of every axis.
template <int D, int ORDER, bool UNIFORM_RHO = false>
void update_velocity(const StepView& v) {
    constexpr float c1 = Stencil<ORDER>::c1, c2 = Stencil<ORDER>::c2;
    const float dtdx = v.dt / v.dx;
    const float* __restrict p = v.p;
    float* __restrict u0 = v.u[0];
    float* __restrict u1 = v.u[1];
    float* __restrict u2 = v.u[2];
    const float* __restrict r0 = v.rho_inv[0];
    const float* __restrict r1 = v.rho_inv[1];
    const float* __restrict r2 = v.rho_inv[2];
    const float ru = v.rho_inv_uniform;
    assert(UNIFORM_RHO == (v.rho_inv[0] == nullptr));
    const std::ptrdiff_t s0 = v.s[0], s1 = v.s[1], s2 = v.s[2];
#pragma omp parallel for collapse(2) schedule(static)
    for (int i2 = v.lo[2]; i2 < v.hi[2]; ++i2)
        for (int i1 = v.lo[1]; i1 < v.hi[1]; ++i1) {
            const std::ptrdiff_t base = std::ptrdiff_t(i1) * s1 + std::ptrdiff_t(i2) * s2;
#pragma omp simd
            for (int i0 = v.lo[0]; i0 < v.hi[0]; ++i0) {
                const std::ptrdiff_t i = base + i0;
                u0[i] -= dtdx * coef<UNIFORM_RHO>(r0, ru, i) * (c1 * (p[i + s0] - p[i]) + c2 * (p[i + 2 * s0] - p[i - s0]));
                if constexpr (D >= 2)
                    u1[i] -= dtdx * coef<UNIFORM_RHO>(r1, ru, i) * (c1 * (p[i + s1] - p[i]) + c2 * (p[i + 2 * s1] - p[i - s1]));
                if constexpr (D >= 3)
                    u2[i] -= dtdx * coef<UNIFORM_RHO>(r2, ru, i) * (c1 * (p[i + s2] - p[i]) + c2 * (p[i + 2 * s2] - p[i - s2]));
            }
        }
}

/// Mass and state, in the pressure-like variable w (units Pa), D = div u^{n+1/2} (D^- : faces -> nodes):
///   dw/dt   = -K_U D + sum_l K_R a_l m_l                       (conservative in w: shocks move at the
///   dm_l/dt = (D - m_l) / tau_l                                  Rankine-Hugoniot speed)
///   p       = w + (beta / K_R) w^2                             (nonlinear: local speed c (1 + beta p / rho c^2))
///   p_mom   = p - rho delta D + q,   q = rho_ref (C dx)^2 D^2 if D < 0   (thermoviscous and shock viscosity)
/// Discrete: m_l^{n+1} = e_l m_l^n + (1 - e_l) D  (exact for D constant over the step),
///           w^{n+1} = w^n - dt K_U D + dt sum_l K_R a_l (m_l^n + m_l^{n+1}) / 2.
/// m_l and K_R a_l are one contiguous array per mechanism (structure of arrays), on the nodes.
/// NREL: relaxation mechanisms (0 = none, at most kMaxMechanisms), VISC: thermoviscous term; both chosen once per
/// run. NREL is a compile-time count so that the mechanism loop unrolls into straight-line code and the cell loop
/// vectorises (with a run-time count inside it gcc left the cell loop scalar, and this kernel was 6-8x slower with
/// 4 mechanisms). Vectorised, it is bound by memory traffic: 12 B per mechanism and cell (m_l read and written,
/// K_R a_l read) on top of the lossless update's.
/// AXI (axisymmetric, D = 2, axis 0 = r): the radial part of div u is conservative,
///   (1/r) d(r u_r)/dr at node j = [c1 (f_{j+1/2} - f_{j-1/2}) + c2 (f_{j+3/2} - f_{j-3/2})] / (r_j dr),  f = r u_r,
/// and on the axis, where r u_r and r vanish together, the value that keeps the scheme conservative: summed with
/// the volumes 2 pi r_j dr dz of the other nodes, the interior stencils leave the flux c1 f_1/2 + c2 (2 f_1/2 +
/// f_3/2) unbalanced at the axis, so the axis node (volume V_0) must take exactly that flux, and V_0 follows from
/// consistency (div u = 2 alpha for u_r = alpha r):
///   div_0 = 4 [(c1 + 2 c2) u_{1/2} + 3 c2 u_{3/2}] / ((c1 + 11 c2) dr),   V_0 = pi dr^2 dz (c1 + 11 c2) / 4
/// which is the finite-volume disc of radius dr/2 for order 2 (4 u_{1/2} / dr) and pi dr^2 dz / 6 for order 4.
/// UNIFORM (one material): the coefficients are not read from per-cell arrays. Without relaxation K, beta/K_R and
/// rho delta are one value each (K_uniform, ...). With relaxation (NREL > 0) the PML differs: there K is the
/// lossless rho c^2 (not K_U) and K_R a_l and beta/K_R are 0. Each row then reads the coefficients from one of two
/// rows of axis 0 (K_row, ...: a row through the physical region, or one in the PML), which hold the very floats
/// the per-cell arrays would: the same loads and arithmetic as the array variant, so the same bits, in the PML
/// too. (A per-cell select of the value instead let gcc fuse the multiply-adds differently: 1 ulp apart.)
template <int D, int ORDER, bool NONLINEAR, int NREL, bool VISC, bool AXI = false, bool UNIFORM = false>
void update_pressure(const StepView& v) {
    static_assert(!AXI || D == 2, "axisymmetric runs are two-dimensional");
    static_assert(NREL >= 0 && NREL <= kMaxMechanisms, "relaxation mechanisms: 0 .. kMaxMechanisms");
    constexpr bool ABSORBING = NREL > 0 || VISC;
    constexpr bool ROWS = UNIFORM && NREL > 0;  // the coefficients from the rows K_row, ...
    static_assert(!ROWS || !VISC, "one material is thermoviscous (y = 2) or relaxing, not both");
    constexpr int NR = NREL > 0 ? NREL : 1;  // array extent (unused when NREL = 0)
    constexpr float c1 = Stencil<ORDER>::c1, c2 = Stencil<ORDER>::c2;
    const float inv_dx = 1.0f / v.dx, dt = v.dt, half_dt = 0.5f * v.dt;  // dt Ka / 2 == half_dt Ka exactly
    const float* __restrict u0 = v.u[0];
    const float* __restrict u1 = v.u[1];
    const float* __restrict u2 = v.u[2];
    float* __restrict w = v.w;
    float* __restrict p = v.p;
    const float* __restrict K = v.K;
    const float* __restrict bK = v.bK;
    const float* __restrict nu = v.nu;
    const float Ku = v.K_uniform, bKu = v.bK_uniform, nuu = v.nu_uniform;
    const std::ptrdiff_t s0 = v.s[0], s1 = v.s[1], s2 = v.s[2];
    assert(v.nrel == NREL);
    assert(UNIFORM == (v.K == nullptr));
    const float q_coef = v.q_coef, div_cap = v.div_cap;  // locals: a load through v inside the loop would
    const float* __restrict rf = v.r_face;               // be repeated (w and p could alias it) and stop
    const float* __restrict inv_r = v.inv_r;             // vectorisation
    const int axis_i = v.axis_i;
    // The mechanisms' pointers and decay factors, hoisted; firstprivate below, so each thread holds them in
    // registers rather than reading them through a shared array that the stores to m could alias.
    float* m[NR] = {};
    const float* Ka[NR] = {};
    float e[NR] = {}, one_minus_e[NR] = {};
    for (int l = 0; l < NREL; ++l) {
        m[l] = v.m[l];
        Ka[l] = v.Ka[l];
        e[l] = v.e[l];
        one_minus_e[l] = 1.0f - v.e[l];
    }
#pragma omp parallel for collapse(2) schedule(static) firstprivate(m, Ka, e, one_minus_e)
    for (int i2 = v.lo[2]; i2 < v.hi[2]; ++i2)
        for (int i1 = v.lo[1]; i1 < v.hi[1]; ++i1) {
            const std::ptrdiff_t base = std::ptrdiff_t(i1) * s1 + std::ptrdiff_t(i2) * s2;
            // ROWS: the row's coefficients, read at i0 instead of i (through the physical region or in the PML)
            const float* __restrict Kr = nullptr;
            const float* __restrict bKr = nullptr;
            const float* Kar[NR] = {};
            if constexpr (ROWS) {
                const int r = i1 >= v.phys_lo[1] && i1 < v.phys_hi[1] && i2 >= v.phys_lo[2] && i2 < v.phys_hi[2];
                Kr = v.K_row[r];
                if constexpr (NONLINEAR) bKr = v.bK_row[r];
                for (int l = 0; l < NREL; ++l) Kar[l] = v.Ka_row[l][r];
            }
#pragma omp simd
            for (int i0 = v.lo[0]; i0 < v.hi[0]; ++i0) {
                const std::ptrdiff_t i = base + i0;
                float div;
                if constexpr (AXI) {
                    const float general = (c1 * (rf[i0] * u0[i] - rf[i0 - 1] * u0[i - s0]) +
                                           c2 * (rf[i0 + 1] * u0[i + s0] - rf[i0 - 2] * u0[i - 2 * s0])) *
                                          inv_r[i0];
                    const float on_axis =
                        4.0f * ((c1 + 2.0f * c2) * u0[i] + 3.0f * c2 * u0[i + s0]) / (c1 + 11.0f * c2);
                    div = i0 == axis_i ? on_axis : general;
                } else {
                    div = c1 * (u0[i] - u0[i - s0]) + c2 * (u0[i + s0] - u0[i - 2 * s0]);
                }
                if constexpr (D >= 2) div += c1 * (u1[i] - u1[i - s1]) + c2 * (u1[i + s1] - u1[i - 2 * s1]);
                if constexpr (D >= 3) div += c1 * (u2[i] - u2[i - s2]) + c2 * (u2[i + s2] - u2[i - 2 * s2]);
                div *= inv_dx;
                float wn = w[i] - dt * (ROWS ? Kr[i0] : coef<UNIFORM>(K, Ku, i)) * div;
                float pm = 0;
#pragma GCC unroll 8
                for (int l = 0; l < NREL; ++l) {  // straight-line code: NREL is a constant
                    const float mo = m[l][i];
                    const float mn = e[l] * mo + one_minus_e[l] * div;
                    m[l][i] = mn;
                    wn += half_dt * (ROWS ? Kar[l][i0] : Ka[l][i]) * (mo + mn);
                }
                if constexpr (VISC) pm -= coef<UNIFORM>(nu, nuu, i) * div;
                w[i] = wn;
                float pn = wn;
                if constexpr (NONLINEAR) {
                    pn += (ROWS ? bKr[i0] : coef<UNIFORM>(bK, bKu, i)) * wn * wn;
                    const float ad = std::fabs(div);
                    pm -= q_coef * (ad < div_cap ? ad : div_cap) * div;  // not fmin: it does not vectorise
                }
                if constexpr (NONLINEAR || ABSORBING) p[i] = pn + pm;
            }
        }
}

/// Selective (high-wavenumber) filter, 6th order: removes what a central scheme cannot carry (the trailing
/// dispersive wiggles behind a shock) while leaving resolved waves alone.
///   f~ = f + (sigma / 64) sum_a (delta_a^2)^3 f ,   symbol 1 - sigma sum_a sin^6(k_a dx / 2)
/// so a wave at 6 points per wavelength loses sigma/64 of its amplitude per step and the Nyquist wave sigma.
/// Out of place (in -> out) over the physical region [lo, hi) (the PML is left to itself); the rest is copied.
template <int D>
void selective_filter(const StepView& v, const int lo[3], const int hi[3], const float* __restrict in,
                      float* __restrict out, float sigma) {
    const float c = sigma / 64.0f;
    const std::ptrdiff_t s0 = v.s[0], s1 = v.s[1], s2 = v.s[2];
    const std::ptrdiff_t total = std::ptrdiff_t(v.n[0]) * v.n[1] * v.n[2];
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t i = 0; i < total; ++i) out[i] = in[i];
    auto d6 = [](const float* f, std::ptrdiff_t i, std::ptrdiff_t s) {
        return (f[i - 3 * s] + f[i + 3 * s]) - 6.0f * (f[i - 2 * s] + f[i + 2 * s]) +
               15.0f * (f[i - s] + f[i + s]) - 20.0f * f[i];
    };
#pragma omp parallel for collapse(2) schedule(static)
    for (int i2 = lo[2]; i2 < hi[2]; ++i2)
        for (int i1 = lo[1]; i1 < hi[1]; ++i1) {
            const std::ptrdiff_t base = std::ptrdiff_t(i1) * s1 + std::ptrdiff_t(i2) * s2;
#pragma omp simd
            for (int i0 = lo[0]; i0 < hi[0]; ++i0) {
                const std::ptrdiff_t i = base + i0;
                float acc = d6(in, i, s0);
                if constexpr (D >= 2) acc += d6(in, i, s1);
                if constexpr (D >= 3) acc += d6(in, i, s2);
                out[i] = in[i] + c * acc;
            }
        }
}

/// The variant of each kernel a run uses, picked once before the time loop (kernels.cpp holds the instantiations).
struct KernelChoice {
    int dims = 3, order = 4;
    bool nonlinear = false;
    int nrel = 0;               ///< relaxation mechanisms, 0 .. kMaxMechanisms
    bool viscous = false;
    bool axisymmetric = false;
    bool uniform_rho = false;   ///< rho_inv one value
    bool uniform = false;       ///< one material: K, beta/K, rho delta (and K_R a_l) not read from arrays
};
struct StepKernels {
    void (*velocity)(const StepView&) = nullptr;
    void (*pressure)(const StepView&) = nullptr;
    void (*filter)(const StepView&, const int*, const int*, const float*, float*, float) = nullptr;
};
StepKernels select_kernels(const KernelChoice& c);

}  // namespace lithosim::kernels
