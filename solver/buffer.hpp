// Aligned field storage. Buffers are first touched by the same static OpenMP schedule that the kernels use
// later, so pages land on the memory of the thread that works on them.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace lithosim {

template <class T>
class AlignedBuffer {
public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t n, T fill = T(0)) { resize(n, fill); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    AlignedBuffer(AlignedBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
        std::swap(p_, o.p_);
        std::swap(n_, o.n_);
        return *this;
    }
    ~AlignedBuffer() { std::free(p_); }

    void resize(std::size_t n, T fill = T(0)) {
        std::free(p_);
        p_ = nullptr;
        n_ = n;
        if (n == 0) return;
        const std::size_t bytes = ((n * sizeof(T) + 63) / 64) * 64;
        p_ = static_cast<T*>(std::aligned_alloc(64, bytes));
        if (!p_) throw std::bad_alloc();
#pragma omp parallel for schedule(static)
        for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) p_[i] = fill;
    }
    T* data() { return p_; }
    const T* data() const { return p_; }
    std::size_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    T& operator[](std::size_t i) { return p_[i]; }
    const T& operator[](std::size_t i) const { return p_[i]; }
    std::size_t bytes() const { return n_ * sizeof(T); }
    /// Bytes an AlignedBuffer<T>(n) reports (bytes()), for memory plans made before anything is allocated.
    static std::size_t bytes_for(std::size_t n) { return n * sizeof(T); }

private:
    T* p_ = nullptr;
    std::size_t n_ = 0;
};

}  // namespace lithosim
