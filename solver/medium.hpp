// The medium: the tissue model evaluated once per cell (materials, relaxation fit, speed range), and the
// coefficients of the scheme the kernels read (1/rho on the staggered nodes, K, beta/K, rho delta, K_R a_l) on the
// planes a rank stores. A coefficient that is the same everywhere it is read is stored as one value, not an array
// (a homogeneous medium, or a uniform density while the speed varies); the kernels take that choice as a template
// parameter, outside their loops. Rigid bodies (the faces whose velocity is held at zero) belong here too.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "solver/grid.hpp"
#include "solver/kernels.hpp"
#include "solver/slab.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// The medium, evaluated once per cell. PML cells take the properties of the nearest physical cell.
struct CellMedium {
    std::vector<MaterialProps> table;      ///< distinct materials
    std::vector<std::uint16_t> id;         ///< per cell of the whole grid (empty: uniform, table[0])
};

/// Per-material coefficients of the scheme.
struct MaterialCoefs {
    double K_U, K_R, bK, nu;   ///< unrelaxed / relaxed modulus, beta/K_R, rho*delta
    std::vector<double> a;     ///< relaxation strengths
    double c_U;                ///< unrelaxed (high-frequency) speed
    double delta;              ///< sound diffusivity (y = 2)
};

/// The materials of a case and what the plan needs of them (speed range, relaxation fit).
struct MediumModel {
    CellMedium cells;
    std::vector<MaterialCoefs> coefs;
    std::vector<double> tau;
    bool any_relaxation = false, any_viscous = false;
    double c_min = 0, c_max = 0, delta_max = 0, fit_error = 0, speed_error = 0;

    std::size_t material_of(std::size_t cell) const { return cells.id.empty() ? 0 : cells.id[cell]; }
    const MaterialProps& props_at(std::size_t cell) const { return cells.table[material_of(cell)]; }
    /// The per-cell material map (2 bytes per cell of the whole grid, heterogeneous media only).
    double bytes() const { return double(cells.id.size() * sizeof(std::uint16_t)); }
};

/// Evaluate the medium of a spec on a grid; checks every material (InputError naming the key and value).
MediumModel build_medium_model(const Grid& g, const SimulationSpec& spec);

/// Which coefficients a run stores per cell, and over which grid indices. Medium allocates exactly this, and the
/// memory plan (plan_run) adds up bytes() of it before anything is allocated.
struct MediumLayout {
    std::size_t first = 0, end = 0;  ///< stored grid indices [first, end)
    int dims = 3;
    int nrel = 0;                    ///< relaxation mechanisms (K_R a_l arrays)
    bool nonlinear = false;          ///< beta / K
    bool viscous = false;            ///< rho delta
    /// One density: 1/rho on the staggered nodes of every axis is one value.
    bool uniform_rho = false;
    /// One material: no coefficient of the pressure kernel is an array. Without relaxation K is one value (the
    /// PML's rho c^2 is the interior's K_U), and so are beta/K and rho delta (their PML value, 0, only ever reaches
    /// the pressure p in the layer, which the PML pass overwrites with w right after the kernel: the stored scalar
    /// is the physical region's value). With relaxation the PML's K (the lossless rho c^2) is not K_U and K_R a_l is
    /// 0 there: each coefficient is stored as two rows of axis 0, one through the physical region and one in the
    /// PML (kernels.hpp, update_pressure).
    bool uniform = false;
    int row = 0;                     ///< cells of a row of axis 0

    /// Arrays of one float per stored cell.
    int arrays() const;
    /// Rows of axis 0 (a homogeneous relaxing medium's coefficients).
    int rows() const;
    double bytes() const;
    static MediumLayout of(const Grid& g, const MediumModel& mm, const SolverOptions& opt, const SlabLayout& slab);
};

/// The coefficients of the scheme on a rank's stored planes (computed once, before the time loop).
class Medium {
public:
    Medium(const Grid& g, const MediumModel& mm, const MediumLayout& layout);
    const MediumLayout& layout() const { return layout_; }
    /// Bytes of the arrays held (= layout().bytes()).
    double bytes() const;
    /// Fills the coefficient part of a step's view (a null pointer with its value for a uniform coefficient).
    void fill_view(kernels::StepView& v) const;
    /// beta/K where the pressure is sampled (the physical region): p = w + (beta/K) w^2.
    const float* bK_array() const { return bK_.empty() ? nullptr : bK_.base(); }
    float bK_uniform() const { return bK_u_; }

private:
    MediumLayout layout_;
    SlabField<float> rho_inv_[3], K_, bK_, nu_;
    std::vector<SlabField<float>> Ka_;
    float rho_inv_u_ = 0, K_u_ = 0, bK_u_ = 0, nu_u_ = 0, K_pml_u_ = 0;
    std::vector<float> rows_;                ///< MediumLayout::rows(): K, beta/K, K_R a_l; each in the PML, then through it
    int phys_lo_[3] = {}, phys_hi_[3] = {};  ///< the physical region
};

/// Rigid bodies: the staggered faces next to a rigid node, per axis, in the stored planes (empty without bodies).
struct RigidFaces {
    std::vector<std::size_t> faces[3];
    bool enabled = false;         ///< the case has rigid bodies (MediumSpec::rigid)
    std::size_t nodes_owned = 0;  ///< rigid nodes in the planes this rank updates
    /// Bytes of the face lists.
    double bytes() const;
};
RigidFaces find_rigid_faces(const Grid& g, const MediumSpec& m, const SlabLayout& slab);

}  // namespace lithosim
