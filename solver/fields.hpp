// The state of a run: the fields the time loop advances (u on the staggered nodes, w and p on the nodes, the
// relaxation memory variables m_l, the filter's scratch copy of w) on a rank's stored planes, and the exchange of
// their halo planes with the neighbouring slabs (solver/DISTRIBUTED.md).
#pragma once
#include <cstddef>
#include <initializer_list>
#include <vector>

#include "solver/communicator.hpp"
#include "solver/grid.hpp"
#include "solver/kernels.hpp"
#include "solver/medium.hpp"
#include "solver/slab.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// Which fields a run holds, over which grid indices. Fields allocates exactly this, and the memory plan
/// (plan_run) adds up bytes() of it before anything is allocated.
struct FieldsLayout {
    std::size_t first = 0, end = 0;  ///< stored grid indices [first, end)
    int dims = 3;
    bool separate_p = false;         ///< p is its own array (nonlinear or absorbing); else p is w
    int nrel = 0;                    ///< memory variables m_l
    bool filter_scratch = false;     ///< the selective filter's output array (nonlinear runs with the filter)

    int arrays() const { return dims + 1 + (separate_p ? 1 : 0) + nrel + (filter_scratch ? 1 : 0); }
    double bytes() const { return double(arrays()) * double(SlabField<float>::bytes_for(first, end)); }
    static FieldsLayout of(const Grid& g, const MediumLayout& medium, const SolverOptions& opt, const SlabLayout& slab);
};

class Fields {
public:
    explicit Fields(const FieldsLayout& layout);
    const FieldsLayout& layout() const { return layout_; }
    /// Bytes of the arrays held (= layout().bytes()).
    double bytes() const;
    /// Fills the state part of a step's view (u, w, p, m_l).
    void fill_view(kernels::StepView& v);
    /// The filter wrote w's new values into the scratch array: make them the state (and p, where p is w).
    void take_filtered(kernels::StepView& v);
    float* w() { return w_.base(); }
    float* w_scratch() { return w_scratch_.base(); }
    float* u(int a) { return u_[a].base(); }

private:
    FieldsLayout layout_;
    SlabField<float> u_[3], w_, p_, m_[kernels::kMaxMechanisms], w_scratch_;
};

/// Halo exchange of whole z planes with the neighbouring slabs: `below` planes under the slab from rank - 1,
/// `above` planes over it from rank + 1 (and the matching planes sent the other way). Planes are contiguous, so
/// they go to the communicator without packing. A one-rank run exchanges nothing.
class HaloExchange {
public:
    struct Halo {
        float* base;  ///< the field's global-index base
        int below, above;
    };
    HaloExchange(Communicator& cm, const SlabLayout& slab) : cm_(cm), slab_(slab) {}
    bool active() const { return slab_.ranks > 1; }
    void operator()(std::initializer_list<Halo> fields);

private:
    Communicator& cm_;
    const SlabLayout& slab_;
    std::vector<Transfer> transfers_;
};

}  // namespace lithosim
