// The state of a run and its halo exchange.
#include "solver/fields.hpp"

namespace lithosim {

FieldsLayout FieldsLayout::of(const Grid& g, const MediumLayout& medium, const SolverOptions& opt,
                              const SlabLayout& slab) {
    FieldsLayout l;
    l.first = slab.i_first;
    l.end = slab.i_end;
    l.dims = g.dims;
    const bool absorbing = medium.viscous || medium.nrel > 0;
    l.separate_p = opt.nonlinear || absorbing;
    l.nrel = medium.nrel;
    l.filter_scratch = opt.nonlinear && opt.shock_filter > 0;
    return l;
}

Fields::Fields(const FieldsLayout& l) : layout_(l) {
    w_.resize(l.first, l.end);
    for (int a = 0; a < l.dims; ++a) u_[a].resize(l.first, l.end);
    if (l.separate_p) p_.resize(l.first, l.end);
    for (int k = 0; k < l.nrel; ++k) m_[k].resize(l.first, l.end);
    if (l.filter_scratch) w_scratch_.resize(l.first, l.end);
}

double Fields::bytes() const {
    double b = double(w_.bytes() + p_.bytes() + w_scratch_.bytes());
    for (const auto& f : u_) b += double(f.bytes());
    for (const auto& f : m_) b += double(f.bytes());
    return b;
}

void Fields::fill_view(kernels::StepView& v) {
    for (int a = 0; a < 3; ++a) v.u[a] = a < layout_.dims ? u_[a].base() : nullptr;
    v.w = w_.base();
    v.p = layout_.separate_p ? p_.base() : w_.base();
    for (int k = 0; k < layout_.nrel; ++k) v.m[k] = m_[k].base();
}

void Fields::take_filtered(kernels::StepView& v) {
    w_.swap(w_scratch_);
    v.w = w_.base();
    if (!layout_.separate_p) v.p = v.w;
}

void HaloExchange::operator()(std::initializer_list<Halo> fields) {
    transfers_.clear();
    const int rank = slab_.rank;
    const std::size_t plane_cells = slab_.plane_cells;
    const std::size_t plane_bytes = plane_cells * sizeof(float);
    const SlabRange own = slab_.own;
    int tag = 0;
    for (const Halo& h : fields) {
        if (rank > 0) {  // rank - 1 gets my first `above` planes and sends its last `below` planes
            transfers_.push_back({rank - 1, 2 * tag, true, h.base + std::size_t(own.begin) * plane_cells,
                                  std::size_t(h.above) * plane_bytes});
            transfers_.push_back({rank - 1, 2 * tag + 1, false, h.base + std::size_t(own.begin - h.below) * plane_cells,
                                  std::size_t(h.below) * plane_bytes});
        }
        if (rank + 1 < slab_.ranks) {
            transfers_.push_back({rank + 1, 2 * tag + 1, true, h.base + std::size_t(own.end - h.below) * plane_cells,
                                  std::size_t(h.below) * plane_bytes});
            transfers_.push_back({rank + 1, 2 * tag, false, h.base + std::size_t(own.end) * plane_cells,
                                  std::size_t(h.above) * plane_bytes});
        }
        ++tag;
    }
    cm_.exchange(transfers_);
}

}  // namespace lithosim
