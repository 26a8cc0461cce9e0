#include "planning/dose_grid.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lithosim::planning {

BeamGrid covering_grid(const Map3& m, bool axisymmetric, double shift_m, double min_spacing_m, std::size_t max_voxels) {
    const double dz = m.spacing_m[2], dx = m.spacing_m[0];
    const double z0 = m.origin_m[2] - shift_m, length = double(m.nz - 1) * dz;
    double x0, x1, y0, y1;
    if (axisymmetric) {
        const double r_last = m.origin_m[0] + double(m.nx - 1) * dx;
        x0 = y0 = -r_last, x1 = y1 = r_last;
    } else {
        x0 = m.origin_m[0], x1 = m.origin_m[0] + double(m.nx - 1) * m.spacing_m[0];
        y0 = m.origin_m[1], y1 = m.origin_m[1] + double(m.ny - 1) * m.spacing_m[1];
    }
    double h = std::max({min_spacing_m, dx, dz});
    // Coarsen until the grid fits: (extent / h + 1) per axis.
    auto voxels = [&](double s) {
        return (std::floor((x1 - x0) / s) + 1) * (std::floor((y1 - y0) / s) + 1) * (std::floor(length / s) + 1);
    };
    while (voxels(h) > double(max_voxels)) h *= 1.1;
    BeamGrid g;
    g.spacing_m = h;
    if (axisymmetric) {
        // Symmetric about the axis: the axis is a voxel column.
        const std::size_t half = std::size_t(std::floor(x1 / h));
        g.nx = g.ny = 2 * half + 1;
        g.origin_m = {-double(half) * h, -double(half) * h, z0};
    } else {
        g.nx = std::size_t(std::floor((x1 - x0) / h)) + 1;
        g.ny = std::size_t(std::floor((y1 - y0) / h)) + 1;
        g.origin_m = {x0, y0, z0};
    }
    g.nz = std::size_t(std::floor(length / h)) + 1;
    return g;
}

namespace {

/// Linear weights of coordinate u on nodes u0 + n du (n = 0..count-1): the lower node and the weight of the upper;
/// false beyond the nodes (a single node: only at it).
bool bracket(double u, double u0, double du, std::size_t count, std::size_t& n, double& t) {
    if (count == 1 || du <= 0) {
        n = 0, t = 0;
        return std::abs(u - u0) <= 1e-9 || count == 1;
    }
    const double f = (u - u0) / du;
    if (f < -1e-9 || f > double(count - 1) + 1e-9) return false;
    const double c = std::clamp(f, 0.0, double(count - 1));
    n = std::min(std::size_t(c), count - 2);
    t = c - double(n);
    return true;
}

}  // namespace

std::vector<float> sample_on_grid(const Map3& m, bool axisymmetric, double shift_m, const BeamGrid& g) {
    std::vector<float> out(g.size(), 0.0f);
    for (std::size_t k = 0; k < g.nz; ++k)
        for (std::size_t j = 0; j < g.ny; ++j)
            for (std::size_t i = 0; i < g.nx; ++i) {
                const auto p = g.position_m(i, j, k);
                const double z = p[2] + shift_m;
                std::size_t a, b, c;
                double ta, tb, tc;
                float v = 0;
                if (axisymmetric) {
                    // Between the axis and the first radius r0 the value at r0 (the even extension).
                    const double r = std::max(std::hypot(p[0], p[1]), m.origin_m[0]);
                    if (bracket(r, m.origin_m[0], m.spacing_m[0], m.nx, a, ta) &&
                        bracket(z, m.origin_m[2], m.spacing_m[2], m.nz, c, tc)) {
                        const std::size_t a1 = std::min(a + 1, m.nx - 1), c1 = std::min(c + 1, m.nz - 1);
                        v = float((1 - ta) * (1 - tc) * m.at(a, 0, c) + ta * (1 - tc) * m.at(a1, 0, c) +
                                  (1 - ta) * tc * m.at(a, 0, c1) + ta * tc * m.at(a1, 0, c1));
                    }
                } else if (bracket(p[0], m.origin_m[0], m.spacing_m[0], m.nx, a, ta) &&
                           bracket(p[1], m.origin_m[1], m.spacing_m[1], m.ny, b, tb) &&
                           bracket(z, m.origin_m[2], m.spacing_m[2], m.nz, c, tc)) {
                    const std::size_t a1 = std::min(a + 1, m.nx - 1), b1 = std::min(b + 1, m.ny - 1),
                                      c1 = std::min(c + 1, m.nz - 1);
                    double s = 0;
                    for (int corner = 0; corner < 8; ++corner) {
                        const bool ua = corner & 1, ub = corner & 2, uc = corner & 4;
                        const double w = (ua ? ta : 1 - ta) * (ub ? tb : 1 - tb) * (uc ? tc : 1 - tc);
                        if (w != 0) s += w * m.at(ua ? a1 : a, ub ? b1 : b, uc ? c1 : c);
                    }
                    v = float(s);
                }
                out[i + g.nx * (j + g.ny * k)] = v;
            }
    return out;
}

Map3 cumulative_map(const std::vector<std::pair<double, const Map3*>>& runs,
                    const std::vector<std::pair<double, int>>& steps) {
    if (runs.empty()) throw std::invalid_argument("cumulative_map: no runs");
    const Map3& first = *runs.front().second;
    for (const auto& [s, m] : runs)
        if (m->nx != first.nx || m->ny != first.ny || m->nz != first.nz)
            throw std::invalid_argument("cumulative_map: the runs' maps lie on different grids");
    Map3 sum = first;
    std::fill(sum.values.begin(), sum.values.end(), 0.0f);
    for (const auto& [setting, shocks] : steps) {
        if (shocks <= 0) continue;
        // The runs around the setting (the same run twice at or beyond the ends).
        std::size_t hi = 0;
        while (hi < runs.size() && runs[hi].first < setting) ++hi;
        const std::size_t lo = hi == 0 ? 0 : hi - 1;
        hi = std::min(hi, runs.size() - 1);
        const double s0 = runs[lo].first, s1 = runs[hi].first;
        const double t = (s1 == s0 || setting <= s0) ? 0.0 : setting >= s1 ? 1.0 : (setting - s0) / (s1 - s0);
        const std::vector<float>& a = runs[lo].second->values;
        const std::vector<float>& b = runs[hi].second->values;
        for (std::size_t q = 0; q < sum.values.size(); ++q) {
            const double va = a[q], vb = b[q];
            const double v = va > 0 && vb > 0 ? std::exp(std::log(va) + t * (std::log(vb) - std::log(va)))
                                              : va + t * (vb - va);
            sum.values[q] += float(shocks * v);
        }
    }
    return sum;
}

}  // namespace lithosim::planning
