// The instantiations of the kernels a run may pick (kernels.hpp), chosen once per run from the case: dimension,
// order, nonlinear, relaxation mechanisms (a compile-time count), thermoviscous term, axisymmetry and uniform
// coefficients. Kept in one translation unit so the rest of the solver compiles quickly.
#include <cassert>
#include <utility>

#include "solver/kernels.hpp"

namespace lithosim::kernels {

namespace {

template <int D, int O, bool NL>
void pick_pressure(const KernelChoice& c, StepKernels& k) {
    auto with = [&]<int NREL, bool AXI>() {
        if (c.uniform) {
            // One material is either thermoviscous (y = 2) or relaxing, never both: no uniform variant has both.
            if constexpr (NREL == 0)
                k.pressure = c.viscous ? update_pressure<D, O, NL, 0, true, AXI, true>
                                       : update_pressure<D, O, NL, 0, false, AXI, true>;
            else {
                assert(!c.viscous);
                k.pressure = update_pressure<D, O, NL, NREL, false, AXI, true>;
            }
            return;
        }
        k.pressure = c.viscous ? update_pressure<D, O, NL, NREL, true, AXI> : update_pressure<D, O, NL, NREL, false, AXI>;
    };
    auto with_nrel = [&]<bool AXI>() {
        [&]<int... R>(std::integer_sequence<int, R...>) {
            ((c.nrel == R ? with.template operator()<R, AXI>() : void()), ...);
        }(std::make_integer_sequence<int, kMaxMechanisms + 1>{});
    };
    if constexpr (D == 2) {
        if (c.axisymmetric) return with_nrel.template operator()<true>();
    }
    with_nrel.template operator()<false>();
}

template <int D, int O>
void pick(const KernelChoice& c, StepKernels& k) {
    k.velocity = c.uniform_rho ? update_velocity<D, O, true> : update_velocity<D, O, false>;
    if (c.nonlinear) pick_pressure<D, O, true>(c, k);
    else pick_pressure<D, O, false>(c, k);
}

template <int D>
void pick_order(const KernelChoice& c, StepKernels& k) {
    if (c.order == 4) pick<D, 4>(c, k);
    else pick<D, 2>(c, k);
    k.filter = selective_filter<D>;
}

}  // namespace

StepKernels select_kernels(const KernelChoice& c) {
    StepKernels k;
    if (c.dims == 1) pick_order<1>(c, k);
    else if (c.dims == 2) pick_order<2>(c, k);
    else pick_order<3>(c, k);
    return k;
}

}  // namespace lithosim::kernels
