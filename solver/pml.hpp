// Convolutional PML (Komatitsch & Martin 2007, Geophysics 72(5); coefficients as in the INRIA RR-3471 CPML
// family of codes) on every boundary of every active axis. Each spatial derivative taken inside the layer
// is replaced by  d f/dx + psi,  with the memory variable
//     psi^{n+1} = b psi^n + a (d f/dx),   b = exp(-(d + alpha) dt),   a = d (b - 1) / (d + alpha)   (kappa = 1)
// and profiles over the depth fraction s in [0, 1]:  d = d0 s^2,  d0 = 3 c_max ln(1/R) / (2 L),
// alpha = alpha_max (1 - s), alpha_max = pi f_src  (Festa & Vilotte), L = pml cells * dx.
// The layer is applied as a correction pass after the interior kernels (which already added d f/dx), so the
// kernels carry no boundary branches. Inside the layer the medium is linear and lossless.
#pragma once
#include <vector>

#include "solver/buffer.hpp"
#include "solver/grid.hpp"
#include "solver/kernels.hpp"
#include "solver/slab.hpp"

namespace lithosim {

class Cpml {
public:
    Cpml() = default;
    /// c_max: fastest speed; f_src: source centre frequency (for alpha_max). [z_begin, z_end): the planes along the
    /// last active axis this process updates (a slab of a distributed run; default: all). Indices stay global, so
    /// the profiles and the memory variables of the layer are those of the whole grid restricted to the slab.
    Cpml(const Grid& g, double dt, double c_max, double f_src_Hz, int order, int z_begin = 0, int z_end = 1 << 30);

    /// After update_velocity: u_a -= dt rho_inv_a psi_a(dp/dx_a) inside the layer.
    void correct_velocity(const kernels::StepView& v);
    /// After update_pressure: w -= dt K psi(du_a/dx_a) inside the layer, then p = w there.
    void correct_pressure(const kernels::StepView& v);

    /// Bytes of the layer's memory variables (= bytes_for the same grid and planes).
    double bytes() const;
    /// Bytes a Cpml(g, ..., z_begin, z_end) allocates for its memory variables (the memory plan adds these up).
    static double bytes_for(const Grid& g, int z_begin = 0, int z_end = 1 << 30);
    /// The planes along z the layer of a rank covers: its own slab in 3D; the whole grid otherwise.
    static SlabRange planes_of(const Grid& g, const SlabLayout& slab) {
        return g.dims == 3 ? slab.own : SlabRange{0, 1 << 30};
    }
    /// Reflection coefficient the profile was designed for.
    double design_reflection() const { return R_; }

private:
    /// A box of the grid, index range [r0, r1) per axis, next to the boundaries of `axis`.
    struct Box {
        int axis = 0;
        int r0[3], r1[3];
        std::size_t cells() const {
            return std::size_t(r1[0] - r0[0]) * std::size_t(r1[1] - r0[1]) * std::size_t(r1[2] - r0[2]);
        }
    };
    /// The boxes of the layer a rank updates (planes [z_begin, z_end) along the last axis): two per axis.
    static std::vector<Box> boxes(const Grid& g, int z_begin, int z_end);
    /// One slab of the layer: a box of the grid, with its own memory variables stored in box order.
    struct Slab {
        int axis = 0;
        int r0[3], r1[3];                  ///< index range [r0, r1) per axis
        AlignedBuffer<float> psi_u, psi_p;
    };
    Grid g_;
    int order_ = 4;
    double R_ = 1e-4;
    std::vector<float> b_face_[3], a_face_[3], b_node_[3], a_node_[3];  ///< per grid index along each axis
    std::vector<char> node_inside_[3];
    std::vector<Slab> slabs_;
};

}  // namespace lithosim
