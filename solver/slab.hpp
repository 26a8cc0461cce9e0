// The part of the grid one rank stores (a slab of whole z planes with its halo, or the whole grid on one rank),
// and the field type that stores it under the global grid index (solver/DISTRIBUTED.md).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "solver/buffer.hpp"
#include "solver/communicator.hpp"
#include "solver/grid.hpp"

namespace lithosim {

/// The planes along the last axis (z in 3D; in 1D and 2D n[2] = 1, so the one "plane" is the whole grid) that
/// rank `rank` of `ranks` updates, [own.begin, own.end), and stores, [alloc_lo, alloc_hi): 3 halo planes on each
/// inner side (the widest stencil, the 6th-order filter, reaches 3 planes).
struct SlabLayout {
    static constexpr int kHalo = 3;
    int rank = 0, ranks = 1;
    SlabRange own;
    int alloc_lo = 0, alloc_hi = 1;
    std::size_t plane_cells = 1;              ///< cells of one plane along the last axis
    std::size_t i_first = 0, i_end = 0;       ///< stored grid indices [i_first, i_end)
    std::size_t i_own_first = 0, i_own_end = 0;
    std::vector<SlabRange> slabs;             ///< every rank's own planes, in rank order

    static SlabLayout of(const Grid& g, int ranks, int rank) {
        SlabLayout s;
        s.rank = rank;
        s.ranks = ranks;
        const int nz = g.n[2];
        s.own = slab_of_rank(nz, ranks, rank);
        s.alloc_lo = std::max(0, s.own.begin - kHalo);
        s.alloc_hi = std::min(nz, s.own.end + kHalo);
        s.plane_cells = g.stride(2);
        s.i_first = std::size_t(s.alloc_lo) * s.plane_cells;
        s.i_end = std::size_t(s.alloc_hi) * s.plane_cells;
        s.i_own_first = std::size_t(s.own.begin) * s.plane_cells;
        s.i_own_end = std::size_t(s.own.end) * s.plane_cells;
        for (int r = 0; r < ranks; ++r) s.slabs.push_back(slab_of_rank(nz, ranks, r));
        return s;
    }
    bool stores(std::size_t i) const { return i >= i_first && i < i_end; }
    std::size_t stored_cells() const { return i_end - i_first; }
    int owner_of_plane(int iz) const {
        for (int r = 0; r < ranks; ++r)
            if (iz >= slabs[r].begin && iz < slabs[r].end) return r;
        return ranks - 1;
    }
};

/// A field stored for a run of whole z planes [plane_begin, plane_end) of the grid (a slab with its halo, or the
/// whole grid) and addressed by the global grid index, so that kernels, PML, sources and probes index it exactly as
/// in a one-process run: base()[i] is the value at grid index i. The storage starts at the 64-byte boundary at or
/// below the slab's first index, so every row has the alignment it has in the whole grid and the vector loops split
/// the same way (the same arithmetic, bit for bit).
template <class T>
class SlabField {
public:
    /// Bytes resize(first_index, end_index) allocates (the memory plan adds these up before anything is allocated).
    static std::size_t bytes_for(std::size_t first_index, std::size_t end_index) {
        constexpr std::size_t per_line = 64 / sizeof(T);
        return end_index > first_index ? (end_index - (first_index - first_index % per_line)) * sizeof(T) : 0;
    }
    void resize(std::size_t first_index, std::size_t end_index, T fill = T(0)) {
        constexpr std::size_t per_line = 64 / sizeof(T);
        first_ = first_index - first_index % per_line;
        buf_.resize(end_index > first_index ? end_index - first_ : 0, fill);
    }
    bool empty() const { return buf_.empty(); }
    std::size_t bytes() const { return buf_.bytes(); }
    /// Base of the global indexing: base()[i] for i in the stored range. (An address below the allocation is
    /// formed through an integer, never dereferenced outside the range.)
    T* base() {
        return buf_.empty() ? nullptr
                            : reinterpret_cast<T*>(reinterpret_cast<std::uintptr_t>(buf_.data()) - first_ * sizeof(T));
    }
    const T* base() const { return const_cast<SlabField*>(this)->base(); }
    T& operator[](std::size_t i) { return buf_[i - first_]; }
    const T& operator[](std::size_t i) const { return buf_[i - first_]; }
    void swap(SlabField& o) noexcept {
        std::swap(buf_, o.buf_);
        std::swap(first_, o.first_);
    }

private:
    AlignedBuffer<T> buf_;
    std::size_t first_ = 0;
};

}  // namespace lithosim
