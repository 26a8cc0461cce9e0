#include "io/mask_contours.hpp"

#include <algorithm>
#include <cmath>

namespace lithosim::io {
namespace {

// Directions of a boundary edge between two pixel corners: +i, +j, -i, -j. Turning left is d + 1 (mod 4).
constexpr int kStep[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};

}  // namespace

std::vector<PlaneLoop> trace_plane(const std::uint8_t* mask, std::size_t nx, std::size_t ny) {
    // Corner (a, b), 0 <= a <= nx, 0 <= b <= ny, is the lower-left corner of pixel (a, b), at (a - 1/2, b - 1/2).
    // Every side of a mask pixel whose neighbour is outside the mask (or beyond the plane) is a directed edge with the
    // pixel on its left: outer loops then run counter-clockwise, holes clockwise. A corner has at most two outgoing
    // edges (two when only two diagonally opposite pixels around it are inside: a saddle).
    const std::size_t cx = nx + 1;
    auto inside = [&](std::ptrdiff_t i, std::ptrdiff_t j) {
        return i >= 0 && j >= 0 && i < std::ptrdiff_t(nx) && j < std::ptrdiff_t(ny) &&
               mask[std::size_t(i) + nx * std::size_t(j)] != 0;
    };
    std::vector<std::uint8_t> out(cx * (ny + 1), 0), used(cx * (ny + 1), 0);   // bit d: an edge leaves in direction d
    for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t i = 0; i < nx; ++i) {
            if (!mask[i + nx * j]) continue;
            const auto si = std::ptrdiff_t(i), sj = std::ptrdiff_t(j);
            if (!inside(si, sj - 1)) out[i + cx * j] |= 1 << 0;                 // bottom side, +i
            if (!inside(si + 1, sj)) out[i + 1 + cx * j] |= 1 << 1;             // right side, +j
            if (!inside(si, sj + 1)) out[i + 1 + cx * (j + 1)] |= 1 << 2;       // top side, -i
            if (!inside(si - 1, sj)) out[i + cx * (j + 1)] |= 1 << 3;           // left side, -j
        }
    std::vector<PlaneLoop> loops;
    std::vector<std::array<std::size_t, 2>> corners;
    std::vector<int> directions;
    for (std::size_t start = 0; start < out.size(); ++start) {
        while (out[start] & ~used[start]) {
            int d = 0;
            while (!((out[start] & ~used[start]) & (1 << d))) ++d;
            corners.clear();
            directions.clear();
            std::size_t a = start % cx, b = start / cx;
            // Walk until the edge to take is one already walked (the first). At a saddle turn left, around the pixel
            // on the left: the two pixels touching at the corner stay apart (4-connected).
            for (;;) {
                const std::size_t c = a + cx * b;
                if (used[c] & (1 << d)) break;
                used[c] |= std::uint8_t(1 << d);
                corners.push_back({a, b});
                directions.push_back(d);
                a = std::size_t(std::ptrdiff_t(a) + kStep[d][0]);
                b = std::size_t(std::ptrdiff_t(b) + kStep[d][1]);
                const std::uint8_t here = out[a + cx * b];
                for (int turn : {1, 0, 3}) {                                    // left, straight, right
                    if (here & (1 << ((d + turn) % 4))) {
                        d = (d + turn) % 4;
                        break;
                    }
                }
            }
            // Keep the corners where the direction changes.
            PlaneLoop loop;
            const std::size_t n = corners.size();
            for (std::size_t q = 0; q < n; ++q)
                if (directions[q] != directions[(q + n - 1) % n])
                    loop.points.push_back({double(corners[q][0]) - 0.5, double(corners[q][1]) - 0.5});
            loop.hole = signed_area(loop.points) < 0;
            loops.push_back(std::move(loop));
        }
    }
    return loops;
}

void thin_loop(std::vector<std::array<double, 2>>& p, std::size_t max_points) {
    max_points = std::max<std::size_t>(max_points, 3);
    // In passes: each removes the smallest triangles, at most every second point (no two neighbours in one pass, so
    // every area a pass uses is still the area of a point of the polygon it removes from).
    while (p.size() > max_points) {
        const std::size_t n = p.size();
        std::vector<std::pair<double, std::size_t>> area(n);
        for (std::size_t q = 0; q < n; ++q) {
            const auto& a = p[(q + n - 1) % n];
            const auto& b = p[q];
            const auto& c = p[(q + 1) % n];
            area[q] = {std::abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])), q};
        }
        std::sort(area.begin(), area.end());
        std::vector<std::uint8_t> drop(n, 0);
        std::size_t dropped = 0;
        for (const auto& [value, q] : area) {
            if (dropped == n - max_points || dropped == n / 2) break;
            if (drop[(q + n - 1) % n] || drop[(q + 1) % n]) continue;
            drop[q] = 1;
            ++dropped;
        }
        std::vector<std::array<double, 2>> kept;
        kept.reserve(n - dropped);
        for (std::size_t q = 0; q < n; ++q)
            if (!drop[q]) kept.push_back(p[q]);
        p.swap(kept);
    }
}

double signed_area(const std::vector<std::array<double, 2>>& p) {
    double twice = 0;
    for (std::size_t q = 0; q < p.size(); ++q) {
        const auto& u = p[q];
        const auto& v = p[(q + 1) % p.size()];
        twice += u[0] * v[1] - v[0] * u[1];
    }
    return twice / 2;
}

}  // namespace lithosim::io
