#include "report/revolve.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace lithosim {

namespace {

/// Half-width m (in samples of k dr) and the number of z planes of the revolved image.
struct RevolvedShape {
    std::size_t m = 0, nz = 0;
    std::size_t n_xy() const { return 2 * m + 1; }
    std::size_t cells() const { return n_xy() * n_xy() * nz; }
};

RevolvedShape revolved_shape(const Map3& rz, std::size_t k) {
    const double dr = rz.spacing_m[0];
    const double r_last = rz.origin_m[0] + double(rz.nx - 1) * dr;
    RevolvedShape s;
    // The rounding guard keeps a radius that is a whole number of steps (r_last = m k dr) inside.
    s.m = std::size_t(std::floor(r_last / (double(k) * dr) + 1e-9));
    s.nz = (rz.nz - 1) / k + 1;
    return s;
}

void check_rz(const Map3& rz) {
    if (rz.nx < 2 || rz.ny != 1 || rz.nz < 1 || !(rz.spacing_m[0] > 0) || rz.values.size() != rz.size() ||
        !(rz.origin_m[0] >= 0) || !(rz.origin_m[0] < rz.spacing_m[0]))
        throw std::invalid_argument("revolve_map: expected an (r, z) map with nr >= 2, ny = 1, dr > 0 and "
                                    "0 <= r0 < dr; got " + std::to_string(rz.nx) + " x " + std::to_string(rz.ny) +
                                    " x " + std::to_string(rz.nz) + " with " + std::to_string(rz.values.size()) +
                                    " values");
}

}  // namespace

std::size_t revolve_stride(const Map3& rz, std::size_t arrays, std::size_t max_values) {
    check_rz(rz);
    std::size_t k = 1;
    while (revolved_shape(rz, k).cells() * arrays > max_values && revolved_shape(rz, k).cells() > 1) ++k;
    return k;
}

Map3 revolve_map(const Map3& rz, std::size_t k) {
    check_rz(rz);
    if (k == 0) throw std::invalid_argument("revolve_map: the coarsening factor must be >= 1");
    const RevolvedShape shape = revolved_shape(rz, k);
    const double dr = rz.spacing_m[0], r0 = rz.origin_m[0], h = double(k) * dr;
    const double last = double(rz.nx - 1);
    const std::size_t n = shape.n_xy();

    // Radial node and weight of every (x, y) column, shared by all planes: value = (1 - w) f[i] + w f[i + 1].
    constexpr std::size_t kOutside = std::numeric_limits<std::size_t>::max();
    std::vector<std::size_t> node(n * n);
    std::vector<float> weight(n * n);
    for (std::size_t iy = 0; iy < n; ++iy)
        for (std::size_t ix = 0; ix < n; ++ix) {
            const double x = (double(ix) - double(shape.m)) * h, y = (double(iy) - double(shape.m)) * h;
            const double s = std::max(0.0, (std::hypot(x, y) - r0) / dr);  // fractional radial index
            const std::size_t c = ix + n * iy;
            if (s > last + 1e-9) {
                node[c] = kOutside;
                continue;
            }
            const std::size_t i = std::min(std::size_t(s), rz.nx - 2);
            node[c] = i;
            weight[c] = float(std::min(1.0, s - double(i)));
        }

    Map3 out;
    out.nx = out.ny = n;
    out.nz = shape.nz;
    out.origin_m = {-double(shape.m) * h, -double(shape.m) * h, rz.origin_m[2]};
    out.spacing_m = {h, h, double(k) * rz.spacing_m[2]};
    out.values.resize(out.size());
    for (std::size_t kz = 0; kz < shape.nz; ++kz) {
        const float* f = rz.values.data() + kz * k * rz.nx;
        float* plane = out.values.data() + kz * n * n;
        for (std::size_t c = 0; c < n * n; ++c)
            plane[c] = node[c] == kOutside ? std::numeric_limits<float>::quiet_NaN()
                                           : (1 - weight[c]) * f[node[c]] + weight[c] * f[node[c] + 1];
    }
    return out;
}

}  // namespace lithosim
