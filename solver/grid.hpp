// The computational grid: a small value type.
//
// Coordinates (contract): x and y are centred on the grid's axis, z runs from 0 at the source side of the
// physical region to Z. The PML is added outside the physical region.
//
// Internally the active axes are numbered 0..dims-1 with axis 0 fastest in memory:
//   1D: axis 0 = z            2D: axis 0 = x, axis 1 = z            3D: axes 0,1,2 = x,y,z
// so a field stored in this order has exactly the memory layout of an HDF5 array [nz][ny][nx] (x fastest).
// Pressure-like quantities sit on the nodes i*dx; the velocity component along axis a sits on the staggered
// node (i + 1/2)*dx of that axis ("u_sg0" is u on the axis-0 staggered grid).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace lithosim {

struct Grid {
    int dims = 3;                       ///< 1, 2 or 3
    double dx = 0;                      ///< cell size, m (the same on every axis)
    int pml = 20;                       ///< index of the first physical node: PML cells + 2 stencil cells
    /// Axisymmetric (r, z): dims = 2, internal axis 0 is r with the axis r = 0 at node kAxisNode; the nodes
    /// below it are mirror images (p even, u_r odd), and there is no PML on the axis side.
    bool axisymmetric = false;
    static constexpr int kAxisNode = 3;
    /// Volume of the axis node in units of pi dr^2 dz / 4 (the disc of radius dr/2): c1 + 11 c2 of the stencil,
    /// 1 for order 2 and 2/3 for order 4 (see kernels.hpp, update_pressure): the volume that keeps sources and
    /// the conservative divergence consistent. Set from the solver order by plan_run.
    double axis_volume_factor = 1.0;
    std::array<int, 3> n{1, 1, 1};      ///< cells per internal axis, PML included (1 on inactive axes)
    std::array<int, 3> n_phys{1, 1, 1}; ///< cells per internal axis in the physical region
    std::array<double, 3> lo_m{0, 0, 0};///< physical coordinate of internal node 0 on each internal axis, m

    /// Physical axis (0 = x, 1 = y, 2 = z) that internal axis a represents.
    int physical_axis(int a) const {
        if (dims == 1) return 2;
        if (dims == 2) return a == 0 ? 0 : 2;
        return a;
    }
    /// Internal axis of physical axis p, or -1 if p is not simulated.
    int internal_axis(int p) const {
        for (int a = 0; a < dims; ++a)
            if (physical_axis(a) == p) return a;
        return -1;
    }
    std::size_t stride(int a) const { return a == 0 ? 1 : a == 1 ? std::size_t(n[0]) : std::size_t(n[0]) * n[1]; }
    std::size_t cells() const { return std::size_t(n[0]) * n[1] * n[2]; }
    std::size_t cells_phys() const { return std::size_t(n_phys[0]) * n_phys[1] * n_phys[2]; }
    std::size_t index(int i0, int i1, int i2) const { return i0 + std::size_t(n[0]) * (i1 + std::size_t(n[1]) * i2); }
    /// Coordinate (m) of node i on internal axis a.
    double coord(int a, double i) const { return lo_m[a] + i * dx; }
    /// First and one-past-last internal index of the physical region on axis a.
    int phys_begin(int a) const { return a >= dims ? 0 : (axisymmetric && a == 0) ? kAxisNode : pml; }
    int phys_end(int a) const { return phys_begin(a) + n_phys[a]; }
    double cell_volume() const {
        double v = 1;
        for (int a = 0; a < dims; ++a) v *= dx;
        return v;
    }
    /// Volume of the cell around node i0 on axis 0 (axisymmetric: the ring 2 pi r dr dz, and the disc
    /// pi (dr/2)^2 dz on the axis; Cartesian: cell_volume()).
    double cell_volume_at(int i0) const {
        if (!axisymmetric) return cell_volume();
        const double r = (i0 - kAxisNode) * dx;
        constexpr double two_pi = 6.283185307179586;
        return r <= 0 ? axis_volume_factor * 0.25 * two_pi / 2 * dx * dx * dx : two_pi * r * dx * dx;
    }
};

}  // namespace lithosim
