// The medium: materials per cell, the relaxation fit, and the scheme's coefficients on a rank's planes.
#include "solver/medium.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "solver/absorption.hpp"
#include "core/errors.hpp"

namespace lithosim {

namespace {

CellMedium evaluate_medium(const Grid& g, const MediumSpec& m) {
    CellMedium cm;
    if (!m.heterogeneous()) {
        cm.table.push_back(m.uniform);
        return cm;
    }
    cm.id.resize(g.cells());
    std::map<std::array<double, 5>, std::uint16_t> seen;
    for (int i2 = 0; i2 < g.n[2]; ++i2)
        for (int i1 = 0; i1 < g.n[1]; ++i1)
            for (int i0 = 0; i0 < g.n[0]; ++i0) {
                const int ii[3] = {i0, i1, i2};
                std::array<double, 3> x{0, 0, 0};
                for (int a = 0; a < g.dims; ++a) {
                    const int c = std::clamp(ii[a], g.phys_begin(a), g.phys_end(a) - 1);
                    x[g.physical_axis(a)] = g.coord(a, c);
                }
                const MaterialProps mp = m.at(x);
                const std::array<double, 5> key{mp.rho_kg_per_m3, mp.c_m_per_s, mp.alpha_dB_per_cm_MHz,
                                                mp.alpha_power, mp.BonA};
                auto it = seen.find(key);
                if (it == seen.end()) {
                    if (cm.table.size() >= 65535)
                        throw InputError("[medium] more than 65535 distinct materials; quantise the medium");
                    it = seen.emplace(key, std::uint16_t(cm.table.size())).first;
                    cm.table.push_back(mp);
                }
                cm.id[g.index(i0, i1, i2)] = it->second;
            }
    return cm;
}

void check_material(const MaterialProps& m) {
    require_input(std::isfinite(m.rho_kg_per_m3) && m.rho_kg_per_m3 > 0, "[medium] rho_kg_per_m3 = ",
                  m.rho_kg_per_m3, " must be > 0");
    require_input(std::isfinite(m.c_m_per_s) && m.c_m_per_s > 0, "[medium] c_m_per_s = ", m.c_m_per_s,
                  " must be > 0");
    require_input(std::isfinite(m.alpha_dB_per_cm_MHz) && m.alpha_dB_per_cm_MHz >= 0,
                  "[medium] alpha_dB_per_cm_MHz = ", m.alpha_dB_per_cm_MHz, " must be >= 0");
    require_input(m.alpha_power > 0 && m.alpha_power <= 2, "[medium] alpha_power = ", m.alpha_power,
                  " is outside the accepted range 0 < y <= 2");
    // B/A = -2 (beta = 0) makes a region linear (device set-ups use it around a spark); physical media have >= 0.
    require_input(std::isfinite(m.BonA) && m.BonA >= -2 && m.BonA < 1000, "[medium] BonA = ", m.BonA,
                  " is outside the accepted range [0, 1000) (or -2: linear)");
}

bool is_thermoviscous(const MaterialProps& m) { return std::abs(m.alpha_power - 2.0) < 1e-9; }

/// K in the PML: the lossless rho c^2 of the nearest physical cell (the layer is linear and lossless).
float pml_modulus(const MaterialProps& m) { return float(m.rho_kg_per_m3 * std::pow(m.c_m_per_s, 2)); }

}  // namespace

MediumModel build_medium_model(const Grid& g, const SimulationSpec& spec) {
    MediumModel mm;
    mm.cells = evaluate_medium(g, spec.medium);
    const auto& opt = spec.solver;
    // Shared relaxation times: the span that fits the worst of the materials' power laws best (at most 64
    // distinct laws are examined, evenly picked, so a CT with many materials stays quick).
    std::vector<std::array<double, 3>> laws;
    if (opt.absorption)
        for (const auto& m : mm.cells.table)
            if (m.alpha_dB_per_cm_MHz > 0 && !is_thermoviscous(m) && m.alpha_power > 0 && m.alpha_power <= 2)
                laws.push_back({db_cm_mhz_to_np_m_radps(m.alpha_dB_per_cm_MHz, m.alpha_power), m.alpha_power,
                                m.c_m_per_s});
    if (laws.size() > 64) {
        std::vector<std::array<double, 3>> pick;
        for (std::size_t k = 0; k < 64; ++k) pick.push_back(laws[k * laws.size() / 64]);
        laws.swap(pick);
    }
    mm.tau = laws.empty() ? relaxation_times(opt.band) : best_relaxation_times(opt.band, laws);
    mm.c_min = std::numeric_limits<double>::infinity();
    for (const auto& m : mm.cells.table) {
        check_material(m);
        MaterialCoefs c{};
        const double K0 = m.rho_kg_per_m3 * m.c_m_per_s * m.c_m_per_s;
        c.K_R = c.K_U = K0;
        c.a.assign(mm.tau.size(), 0.0);
        if (opt.absorption && m.alpha_dB_per_cm_MHz > 0) {
            if (is_thermoviscous(m)) {
                c.delta = thermoviscous_diffusivity(m.alpha_dB_per_cm_MHz, m.c_m_per_s);
                c.nu = m.rho_kg_per_m3 * c.delta;
                mm.any_viscous = true;
                mm.delta_max = std::max(mm.delta_max, c.delta);
            } else {
                const auto fit = fit_relaxation(db_cm_mhz_to_np_m_radps(m.alpha_dB_per_cm_MHz, m.alpha_power),
                                                m.alpha_power, m.c_m_per_s, opt.band, mm.tau);
                c.a = fit.a;
                c.K_R = K0 * fit.K_ratio;
                double sum_a = 0;
                for (double v : fit.a) sum_a += v;
                c.K_U = c.K_R * (1 + sum_a);
                mm.any_relaxation = mm.any_relaxation || sum_a > 0;
                mm.fit_error = std::max(mm.fit_error, fit.max_rel_error);
                mm.speed_error = std::max(mm.speed_error, fit.max_speed_error_m_per_s);
            }
        }
        c.bK = opt.nonlinear ? (1.0 + m.BonA / 2.0) / c.K_R : 0.0;
        c.c_U = std::sqrt(c.K_U / m.rho_kg_per_m3);
        mm.c_min = std::min(mm.c_min, m.c_m_per_s);
        mm.c_max = std::max(mm.c_max, c.c_U);
        mm.coefs.push_back(std::move(c));
    }
    return mm;
}

// ---- coefficients ---------------------------------------------------------------------------------------------

MediumLayout MediumLayout::of(const Grid& g, const MediumModel& mm, const SolverOptions& opt, const SlabLayout& slab) {
    MediumLayout l;
    l.first = slab.i_first;
    l.end = slab.i_end;
    l.dims = g.dims;
    const bool absorbing = opt.absorption && (mm.any_viscous || mm.any_relaxation);
    l.nrel = absorbing && mm.any_relaxation ? int(mm.tau.size()) : 0;
    l.nonlinear = opt.nonlinear;
    l.viscous = absorbing && mm.any_viscous;
    l.uniform_rho = true;
    for (const auto& m : mm.cells.table) l.uniform_rho = l.uniform_rho && m.rho_kg_per_m3 == mm.cells.table[0].rho_kg_per_m3;
    // One material, and without relaxation the PML's K the very float of the interior's (with relaxation the kernel
    // reads the PML's K apart): then no coefficient the pressure kernel reads is an array (see MediumLayout::uniform).
    l.uniform = mm.cells.table.size() == 1 &&
                (l.nrel > 0 || float(mm.coefs[0].K_U) == pml_modulus(mm.cells.table[0]));
    l.row = g.n[0];
    return l;
}

int MediumLayout::arrays() const {
    return (uniform_rho ? 0 : dims) + (uniform ? 0 : 1 + (nonlinear ? 1 : 0) + (viscous ? 1 : 0) + nrel);
}

int MediumLayout::rows() const { return uniform && nrel > 0 ? 2 * (1 + (nonlinear ? 1 : 0) + nrel) : 0; }

double MediumLayout::bytes() const {
    return double(arrays()) * double(SlabField<float>::bytes_for(first, end)) +
           double(rows()) * double(row) * sizeof(float);
}

Medium::Medium(const Grid& g, const MediumModel& mm, const MediumLayout& layout) : layout_(layout) {
    const MediumLayout& l = layout_;
    const int nrel = l.uniform ? 0 : l.nrel;  // K_R a_l arrays
    if (!l.uniform) {
        K_.resize(l.first, l.end);
        if (l.nonlinear) bK_.resize(l.first, l.end);
        if (l.viscous) nu_.resize(l.first, l.end);
        Ka_.resize(nrel);
        for (auto& b : Ka_) b.resize(l.first, l.end);
    }
    if (!l.uniform_rho)
        for (int a = 0; a < g.dims; ++a) rho_inv_[a].resize(l.first, l.end);
    // The uniform values: those of the one material, in the physical region and in the PML (the floats the arrays
    // below hold there; see MediumLayout::uniform).
    {
        const double rho = mm.cells.table[0].rho_kg_per_m3;
        rho_inv_u_ = float(2.0 / (rho + rho));
        const auto& mc = mm.coefs[0];
        K_u_ = float(mc.K_U);
        K_pml_u_ = pml_modulus(mm.cells.table[0]);
        bK_u_ = l.nonlinear ? float(mc.bK) : 0.0f;
        nu_u_ = l.viscous ? float(mc.nu) : 0.0f;
        for (int a = 0; a < 3; ++a) {
            phys_lo_[a] = g.phys_begin(a);
            phys_hi_[a] = g.phys_end(a);
        }
        // The rows of a homogeneous relaxing medium: per coefficient a row in the PML and one through the
        // physical region, with the values of the per-cell arrays below.
        rows_.resize(std::size_t(l.rows()) * l.row);
        float* r = rows_.data();
        auto put = [&](float phys_value, float pml_value) {
            for (int through = 0; through < 2; ++through, r += l.row)
                for (int i0 = 0; i0 < l.row; ++i0)
                    r[i0] = through && i0 >= phys_lo_[0] && i0 < phys_hi_[0] ? phys_value : pml_value;
        };
        if (l.rows() > 0) {
            put(K_u_, K_pml_u_);
            if (l.nonlinear) put(bK_u_, 0.0f);
            for (int k = 0; k < l.nrel; ++k) put(float(mc.K_R * mc.a[k]), 0.0f);
        }
    }
    if (l.uniform && l.uniform_rho) return;
    auto in_pml = [&](int i0, int i1, int i2) {
        const int ii[3] = {i0, i1, i2};
        for (int a = 0; a < g.dims; ++a)
            if (ii[a] < g.phys_begin(a) || ii[a] >= g.phys_end(a)) return true;
        return false;
    };
    const int z_lo = int(l.first / g.stride(2)), z_hi = int(l.end / g.stride(2));
    const bool cell_coefs = !l.uniform;
#pragma omp parallel for collapse(2) schedule(static)
    for (int i2 = z_lo; i2 < z_hi; ++i2)
        for (int i1 = 0; i1 < g.n[1]; ++i1)
            for (int i0 = 0; i0 < g.n[0]; ++i0) {
                const std::size_t i = g.index(i0, i1, i2);
                const auto& mc = mm.coefs[mm.material_of(i)];
                const auto& mp = mm.props_at(i);
                const bool pml = in_pml(i0, i1, i2);
                if (cell_coefs) {
                    K_[i] = pml ? pml_modulus(mp) : float(mc.K_U);
                    if (l.nonlinear) bK_[i] = pml ? 0.0f : float(mc.bK);
                    if (l.viscous) nu_[i] = pml ? 0.0f : float(mc.nu);
                }
                for (int k = 0; k < nrel; ++k) Ka_[k][i] = pml ? 0.0f : float(mc.K_R * mc.a[k]);
                if (l.uniform_rho) continue;
                const double rho = mp.rho_kg_per_m3;
                const int ii[3] = {i0, i1, i2};
                for (int a = 0; a < g.dims; ++a) {
                    // 1/rho on the staggered node i + 1/2: arithmetic mean of the two neighbouring densities.
                    const std::size_t j = ii[a] + 1 < g.n[a] ? i + g.stride(a) : i;
                    const double rho_j = mm.props_at(j).rho_kg_per_m3;
                    rho_inv_[a][i] = float(2.0 / (rho + rho_j));
                }
            }
}

double Medium::bytes() const {
    double b = double(K_.bytes() + bK_.bytes() + nu_.bytes()) + double(rows_.size() * sizeof(float));
    for (const auto& f : rho_inv_) b += double(f.bytes());
    for (const auto& f : Ka_) b += double(f.bytes());
    return b;
}

void Medium::fill_view(kernels::StepView& v) const {
    for (int a = 0; a < 3; ++a) v.rho_inv[a] = a < layout_.dims && !layout_.uniform_rho ? rho_inv_[a].base() : nullptr;
    v.rho_inv_uniform = layout_.uniform_rho ? rho_inv_u_ : 0.0f;
    v.K = K_.empty() ? nullptr : K_.base();
    v.bK = bK_.empty() ? nullptr : bK_.base();
    v.nu = nu_.empty() ? nullptr : nu_.base();
    v.K_uniform = layout_.uniform ? K_u_ : 0.0f;
    v.K_pml_uniform = layout_.uniform ? K_pml_u_ : 0.0f;
    v.bK_uniform = layout_.uniform ? bK_u_ : 0.0f;
    v.nu_uniform = layout_.uniform ? nu_u_ : 0.0f;
    v.nrel = layout_.nrel;
    for (int k = 0; k < layout_.nrel; ++k) v.Ka[k] = Ka_.empty() ? nullptr : Ka_[k].base();
    const float* r = rows_.empty() ? nullptr : rows_.data();  // laid out as in the constructor
    auto take = [&](const float* (&dst)[2]) {
        for (int through = 0; through < 2; ++through, r += layout_.row) dst[through] = r;
    };
    if (r) {
        take(v.K_row);
        if (layout_.nonlinear) take(v.bK_row);
        for (int k = 0; k < layout_.nrel; ++k) take(v.Ka_row[k]);
    }
    for (int a = 0; a < 3; ++a) {
        v.phys_lo[a] = phys_lo_[a];
        v.phys_hi[a] = phys_hi_[a];
    }
}

// ---- rigid bodies ---------------------------------------------------------------------------------------------

double RigidFaces::bytes() const {
    return double(faces[0].size() + faces[1].size() + faces[2].size()) * sizeof(std::size_t);
}

RigidFaces find_rigid_faces(const Grid& g, const MediumSpec& m, const SlabLayout& slab) {
    RigidFaces rf;
    rf.enabled = bool(m.rigid);
    if (!m.rigid) return rf;
    // The stored planes and the one above them (a face i + 1/2 looks at nodes i and i + 1); solid[i - s_first].
    const int s_hi = std::min(g.n[2], slab.alloc_hi + 1);
    const std::size_t s_first = slab.i_first, s_end = std::size_t(s_hi) * slab.plane_cells;
    std::vector<char> solid(s_end - s_first, 0);
    for (int i2 = slab.alloc_lo; i2 < s_hi; ++i2)
        for (int i1 = 0; i1 < g.n[1]; ++i1)
            for (int i0 = 0; i0 < g.n[0]; ++i0) {
                const int ii[3] = {i0, i1, i2};
                std::array<double, 3> x{0, 0, 0};
                for (int a = 0; a < g.dims; ++a) x[g.physical_axis(a)] = g.coord(a, ii[a]);
                if (g.axisymmetric) x[0] = std::abs(x[0]);  // mirror nodes take their image's body
                solid[g.index(i0, i1, i2) - s_first] = m.rigid(x) ? 1 : 0;
            }
    for (int a = 0; a < g.dims; ++a)
        for (std::size_t i = s_first; i < slab.i_end && i + g.stride(a) < s_end; ++i)
            if (solid[i - s_first] || solid[i + g.stride(a) - s_first]) rf.faces[a].push_back(i);
    for (std::size_t i = slab.i_own_first; i < slab.i_own_end; ++i) rf.nodes_owned += solid[i - s_first];
    return rf;
}

}  // namespace lithosim
