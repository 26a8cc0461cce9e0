// The staggered finite-difference stencil: one table of coefficients for every order, read by the kernels
// (kernels.hpp), the PML (pml.cpp), the axis treatment (kernels.hpp, grid.hpp's axis volume) and the CFL bound
// (plan.cpp). Standard Taylor coefficients of the staggered first derivative:
//   (d f / dx)(i + 1/2) = [c1 (f_{i+1} - f_i) + c2 (f_{i+2} - f_{i-1})] / dx
//   order 2: c = {1, 0};   order 4: c = {9/8, -1/24}
// Each coefficient is stored as a ratio of integers, so that the float the kernels use (float(num) / float(den))
// and the double the plan uses (double(num) / double(den)) are exactly the literals 9.0f / 8.0f, -1.0 / 24.0, ...
// that the code wrote before the table existed (the results stay the same bit for bit).
#pragma once

namespace lithosim {

struct StaggeredStencil {
    int order;
    int c1_num, c1_den;
    int c2_num, c2_den;

    constexpr float c1f() const { return float(c1_num) / float(c1_den); }
    constexpr float c2f() const { return float(c2_num) / float(c2_den); }
    constexpr double c1() const { return double(c1_num) / double(c1_den); }
    constexpr double c2() const { return double(c2_num) / double(c2_den); }
    /// |c1| + |c2|: the largest value of the stencil's symbol (at the Nyquist wave number), which bounds the
    /// CFL number: c dt / dx < 1 / (sqrt(dims) |c|_1) (and the explicit viscous step).
    constexpr double abs_sum() const { return (c1() < 0 ? -c1() : c1()) + (c2() < 0 ? -c2() : c2()); }
    /// c1 + 11 c2: the volume of the axis node of an axisymmetric run in units of pi dr^2 dz / 4 (kernels.hpp,
    /// update_pressure; grid.hpp, Grid::axis_volume_factor).
    constexpr double axis_volume_factor() const { return c1() + double(11 * c2_num) / double(c2_den); }
};

/// The orders the solver accepts ([solver] order), in one table.
inline constexpr StaggeredStencil kStaggeredStencils[] = {
    {2, 1, 1, 0, 1},
    {4, 9, 8, -1, 24},
};

/// The stencil of an order (2 or 4; any other order is refused by plan_run before this is asked).
constexpr const StaggeredStencil& staggered_stencil(int order) {
    for (const auto& s : kStaggeredStencils)
        if (s.order == order) return s;
    return kStaggeredStencils[1];
}

/// Compile-time view of the table for the kernels, whose order is a template parameter.
template <int ORDER>
struct Stencil {
    static_assert(ORDER == 2 || ORDER == 4, "the staggered stencil has order 2 or 4");
    static constexpr float c1 = staggered_stencil(ORDER).c1f();
    static constexpr float c2 = staggered_stencil(ORDER).c2f();
};

}  // namespace lithosim
