// The pressure kernel against a plain scalar transcription of its equation (the form it had before the mechanism
// count became a template parameter): every variant the solver dispatches to, 0 .. kMaxMechanisms mechanisms.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "solver/kernels.hpp"

using namespace lithosim;
using kernels::StepView;

namespace {

/// A small grid of random fields and coefficients, and the StepView over it.
struct Fixture {
    int n[3];
    std::vector<float> u[3], w, p, K, bK, nu, r_face, inv_r;
    std::vector<std::vector<float>> m, Ka;
    StepView v{};

    Fixture(int dims, bool axi, int nrel, unsigned seed) : n{24, dims >= 2 ? 20 : 1, dims >= 3 ? 18 : 1} {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<float> U(-1.0f, 1.0f), pos(0.5f, 1.5f);
        const std::size_t N = std::size_t(n[0]) * n[1] * n[2];
        auto fill = [&](std::vector<float>& f, float scale, bool positive) {
            f.resize(N);
            for (auto& x : f) x = scale * (positive ? pos(rng) : U(rng));
        };
        for (int a = 0; a < 3; ++a) fill(u[a], 1e-2f, false);
        // Scales chosen so that every term of the update is of the same size (~1e4 Pa; div u ~ 200 1/s) and a
        // change of 1e-5 in any one of them shows above the tolerance.
        fill(w, 1e3f, false);
        fill(p, 0.0f, false);
        fill(K, 2.3e9f, true);
        fill(bK, 1e-5f, true);
        fill(nu, 50.0f, true);
        m.resize(nrel);
        Ka.resize(nrel);
        for (int l = 0; l < nrel; ++l) {
            fill(m[l], 1e3f, false);
            fill(Ka[l], 1e9f, true);
        }
        for (int a = 0; a < 3; ++a) {
            v.n[a] = n[a];
            v.lo[a] = a < dims ? 2 : 0;
            v.hi[a] = a < dims ? n[a] - 2 : 1;
            v.u[a] = u[a].data();
        }
        v.s[0] = 1;
        v.s[1] = n[0];
        v.s[2] = std::ptrdiff_t(n[0]) * n[1];
        v.dt = 1e-8f;
        v.dx = 5e-5f;
        v.w = w.data();
        v.p = p.data();
        v.K = K.data();
        v.bK = bK.data();
        v.nu = nu.data();
        v.nrel = nrel;
        for (int l = 0; l < nrel; ++l) {
            v.m[l] = m[l].data();
            v.Ka[l] = Ka[l].data();
            v.e[l] = std::exp(-float(l + 1) * 0.3f);
        }
        v.q_coef = 0.5f;
        v.div_cap = 100.0f;  // below the largest |div u| of the random field: the cap is exercised
        if (axi) {
            const int A = 4;  // axis node
            r_face.resize(n[0]);
            inv_r.resize(n[0]);
            for (int i = 0; i < n[0]; ++i) {
                const float r = float(i - A) * v.dx;
                r_face[i] = r + 0.5f * v.dx;
                inv_r[i] = i == A ? 0.0f : 1.0f / r;
            }
            v.r_face = r_face.data();
            v.inv_r = inv_r.data();
            v.axis_i = A;
        }
    }
};

/// The update of kernels.hpp written out cell by cell, the mechanism count a run-time value.
void reference_update(const StepView& v, int dims, int order, bool nonlinear, bool visc, bool axi) {
    const float c1 = order == 4 ? 9.0f / 8.0f : 1.0f, c2 = order == 4 ? -1.0f / 24.0f : 0.0f;
    const bool absorbing = v.nrel > 0 || visc;
    for (int i2 = v.lo[2]; i2 < v.hi[2]; ++i2)
        for (int i1 = v.lo[1]; i1 < v.hi[1]; ++i1)
            for (int i0 = v.lo[0]; i0 < v.hi[0]; ++i0) {
                const std::ptrdiff_t i = i0 + i1 * v.s[1] + i2 * v.s[2];
                const float* u0 = v.u[0];
                const std::ptrdiff_t s0 = v.s[0];
                double div;
                if (axi) {
                    const float* rf = v.r_face;
                    div = i0 == v.axis_i
                              ? 4.0 * ((c1 + 2.0 * c2) * u0[i] + 3.0 * c2 * u0[i + s0]) / (c1 + 11.0 * c2)
                              : (c1 * (double(rf[i0]) * u0[i] - double(rf[i0 - 1]) * u0[i - s0]) +
                                 c2 * (double(rf[i0 + 1]) * u0[i + s0] - double(rf[i0 - 2]) * u0[i - 2 * s0])) *
                                    v.inv_r[i0];
                } else {
                    div = c1 * (double(u0[i]) - u0[i - s0]) + c2 * (double(u0[i + s0]) - u0[i - 2 * s0]);
                }
                for (int a = 1; a < dims; ++a) {
                    const float* ua = v.u[a];
                    const std::ptrdiff_t s = v.s[a];
                    div += c1 * (double(ua[i]) - ua[i - s]) + c2 * (double(ua[i + s]) - ua[i - 2 * s]);
                }
                div /= v.dx;
                double wn = v.w[i] - double(v.dt) * v.K[i] * div, pm = 0;
                for (int l = 0; l < v.nrel; ++l) {
                    const double mo = v.m[l][i];
                    const double mn = v.e[l] * mo + (1.0 - v.e[l]) * div;
                    v.m[l][i] = float(mn);
                    wn += double(v.dt) * v.Ka[l][i] * 0.5 * (mo + mn);
                }
                if (visc) pm -= v.nu[i] * div;
                v.w[i] = float(wn);
                double pn = wn;
                if (nonlinear) {
                    pn += double(v.bK[i]) * wn * wn;
                    pm -= v.q_coef * std::min(std::abs(div), double(v.div_cap)) * div;
                }
                if (nonlinear || absorbing) v.p[i] = float(pn + pm);
            }
}

/// Largest |a - b| over a field, relative to the field's largest |b|.
double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::abs(double(a[i]) - double(b[i])));
        scale = std::max(scale, std::abs(double(b[i])));
    }
    return scale > 0 ? d / scale : d;
}

/// The largest relative difference between the kernel and the reference over w, p (where the variant updates it)
/// and the memory variables, after a few steps.
template <int D, int ORDER, bool NL, int NREL, bool VISC, bool AXI>
double variant_error() {
    Fixture kernel(D, AXI, NREL, 7u + NREL), ref(D, AXI, NREL, 7u + NREL);
    for (int step = 0; step < 3; ++step) {  // a few steps: the memory variables carry over
        kernels::update_pressure<D, ORDER, NL, NREL, VISC, AXI>(kernel.v);
        reference_update(ref.v, D, ORDER, NL, VISC, AXI);
    }
    double e = max_rel_diff(kernel.w, ref.w);
    if (NL || NREL > 0 || VISC) e = std::max(e, max_rel_diff(kernel.p, ref.p));
    for (int l = 0; l < NREL; ++l) e = std::max(e, max_rel_diff(kernel.m[l], ref.m[l]));
    return e;
}

/// The worst variant_error over the geometries (1D, 2D, 3D, axisymmetric; both orders; with and without viscosity).
template <int NREL>
double worst_over_geometries() {
    return std::max({variant_error<1, 4, true, NREL, false, false>(), variant_error<2, 2, false, NREL, true, false>(),
                     variant_error<3, 4, true, NREL, true, false>(), variant_error<3, 2, true, NREL, false, false>(),
                     variant_error<2, 4, true, NREL, false, true>(), variant_error<2, 2, true, NREL, true, true>()});
}

}  // namespace

TEST_CASE("pressure kernel: every mechanism count matches the scalar update to 1e-6", "[solver][kernels]") {
    std::vector<double> worst;   // per mechanism count 0 .. kMaxMechanisms
    [&]<int... R>(std::integer_sequence<int, R...>) {
        (worst.push_back(worst_over_geometries<R>()), ...);
    }(std::make_integer_sequence<int, kernels::kMaxMechanisms + 1>{});
    for (std::size_t n = 0; n < worst.size(); ++n) {
        INFO(n << " mechanisms: largest relative difference " << worst[n]);
        CHECK(worst[n] < 1e-6);
    }
}

namespace {
/// The same fields stepped twice: once with K, beta/K, rho delta and 1/rho as arrays holding one value each, once
/// with that value as the kernels' uniform scalar. The two must agree bit for bit (the same value is read).
template <int D, int ORDER, bool NL, bool VISC, bool AXI>
bool uniform_matches_array() {
    Fixture arr(D, AXI, 0, 11u), uni(D, AXI, 0, 11u);
    const float K = 2.25e9f, bK = 2.7e-9f, nu = 3.1e-3f, rho_inv = 1.0f / 1000.0f;
    std::vector<float> rho_arr(arr.w.size(), rho_inv);
    for (auto* f : {&arr}) {
        std::fill(f->K.begin(), f->K.end(), K);
        std::fill(f->bK.begin(), f->bK.end(), bK);
        std::fill(f->nu.begin(), f->nu.end(), nu);
        for (int a = 0; a < 3; ++a) f->v.rho_inv[a] = rho_arr.data();
    }
    uni.v.K = uni.v.bK = uni.v.nu = nullptr;
    for (int a = 0; a < 3; ++a) uni.v.rho_inv[a] = nullptr;
    uni.v.K_uniform = K;
    uni.v.bK_uniform = bK;
    uni.v.nu_uniform = nu;
    uni.v.rho_inv_uniform = rho_inv;
    for (auto* f : {&arr, &uni})  // velocity reads p: start it from w
        f->p = f->w;
    for (int step = 0; step < 3; ++step) {
        kernels::update_velocity<D, ORDER, false>(arr.v);
        kernels::update_velocity<D, ORDER, true>(uni.v);
        kernels::update_pressure<D, ORDER, NL, 0, VISC, AXI, false>(arr.v);
        kernels::update_pressure<D, ORDER, NL, 0, VISC, AXI, true>(uni.v);
    }
    bool same = arr.w == uni.w && arr.p == uni.p;
    for (int a = 0; a < D; ++a) same = same && arr.u[a] == uni.u[a];
    return same;
}
}  // namespace

TEST_CASE("kernels: a uniform coefficient read as a scalar gives the bits of the array holding it", "[solver][kernels]") {
    CHECK(uniform_matches_array<1, 4, true, true, false>());
    CHECK(uniform_matches_array<2, 2, true, false, false>());
    CHECK(uniform_matches_array<2, 4, true, true, true>());
    CHECK(uniform_matches_array<3, 4, true, true, false>());
    CHECK(uniform_matches_array<3, 4, false, false, false>());
    CHECK(uniform_matches_array<3, 2, false, true, false>());
}

namespace {
/// A homogeneous relaxing medium: the arrays hold the physical region's values inside a box and the PML's outside
/// it (K the lossless rho c^2, K_R a_l and beta/K 0), as Medium fills them; the uniform variant reads the same
/// values from a row through the box and a row outside it. Stepped a few times, w, p and the memory variables must
/// agree bit for bit everywhere (the PML included).
template <int D, int ORDER, bool NL, int NREL, bool AXI>
bool relaxing_rows_match_arrays() {
    Fixture arr(D, AXI, NREL, 13u), uni(D, AXI, NREL, 13u);
    const float K = 2.6e9f, K_pml = 2.5e9f, bK = 2.7e-9f;
    const float Ka[4] = {3.1e7f, 1.7e7f, 9.3e6f, 4.1e6f};
    int lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
        lo[a] = a < D ? (AXI && a == 0 ? 2 : 5) : 0;  // axisymmetric: no layer on the axis side
        hi[a] = a < D ? arr.n[a] - 5 : 1;
    }
    const int n0 = arr.n[0];
    std::vector<float> rows(std::size_t(2 * (2 + NREL) * n0));  // [coefficient][in PML, through][i0]
    auto row = [&](int c, int through) { return rows.data() + std::size_t((2 * c + through) * n0); };
    for (int i2 = 0; i2 < arr.n[2]; ++i2)
        for (int i1 = 0; i1 < arr.n[1]; ++i1)
            for (int i0 = 0; i0 < n0; ++i0) {
                const std::size_t i = i0 + std::size_t(n0) * (i1 + std::size_t(arr.n[1]) * i2);
                const bool through = i1 >= lo[1] && i1 < hi[1] && i2 >= lo[2] && i2 < hi[2];
                const bool phys = through && i0 >= lo[0] && i0 < hi[0];
                arr.K[i] = row(0, through)[i0] = phys ? K : K_pml;
                arr.bK[i] = row(1, through)[i0] = phys ? bK : 0.0f;
                for (int l = 0; l < NREL; ++l) arr.Ka[l][i] = row(2 + l, through)[i0] = phys ? Ka[l] : 0.0f;
            }
    uni.v.K = uni.v.bK = uni.v.nu = nullptr;
    for (int t = 0; t < 2; ++t) {
        uni.v.K_row[t] = row(0, t);
        uni.v.bK_row[t] = row(1, t);
        for (int l = 0; l < NREL; ++l) uni.v.Ka_row[l][t] = row(2 + l, t);
    }
    for (int l = 0; l < NREL; ++l) uni.v.Ka[l] = nullptr;
    for (int a = 0; a < 3; ++a) {
        uni.v.phys_lo[a] = lo[a];
        uni.v.phys_hi[a] = hi[a];
    }
    for (int step = 0; step < 3; ++step) {
        kernels::update_pressure<D, ORDER, NL, NREL, false, AXI, false>(arr.v);
        kernels::update_pressure<D, ORDER, NL, NREL, false, AXI, true>(uni.v);
    }
    bool same = arr.w == uni.w && arr.p == uni.p;
    for (int l = 0; l < NREL; ++l) same = same && arr.m[l] == uni.m[l];
    return same;
}
}  // namespace

TEST_CASE("kernels: a homogeneous relaxing medium read from rows gives the bits of its arrays, PML included",
          "[solver][kernels]") {
    CHECK(relaxing_rows_match_arrays<1, 4, true, 4, false>());
    CHECK(relaxing_rows_match_arrays<2, 2, false, 1, false>());
    CHECK(relaxing_rows_match_arrays<2, 4, true, 4, true>());
    CHECK(relaxing_rows_match_arrays<3, 4, true, 4, false>());
    CHECK(relaxing_rows_match_arrays<3, 4, false, 3, false>());
    CHECK(relaxing_rows_match_arrays<3, 2, true, 2, false>());
}
