// Source geometry on the grid ("where"). A vibrating surface with normal velocity u_n is, by the Rayleigh
// integral, a monopole sheet of volume-rate density 2 u_n in free space; it radiates p = rho c u_n = p0 on
// each side. The sheet is sampled at points much finer than the grid (spacing dx/4) and each point is spread
// onto the grid with a band-limited kernel (Lanczos-3 windowed sinc, normalised per axis), so a curved bowl
// lands on the grid off-grid, with sub-cell accuracy and without staircase.
#pragma once
#include <cstddef>
#include <vector>

#include "solver/grid.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// Sparse distribution of a source over grid nodes.
/// Surface sources: density in 1/m (sum of area elements x kernel / cell volume).
/// Point source: density in 1/m^3 (kernel / cell volume).
struct SourceFootprint {
    std::vector<std::size_t> index;
    std::vector<double> density;
    double surface_area_m2 = 0;   ///< sampled area (per unit length in 2D, 1 in 1D) for checks and logs
};

/// Spread the source over the grid. Throws InputError if the source lies outside the physical region
/// or does not fit (names the source key and the extents).
SourceFootprint footprint(const Grid& grid, const SourceSpec& src);

/// Lanczos-3 kernel value at offset x (in cells).
double lanczos3(double x);

/// Position of the source's geometric focus (bowl) or centre, metres (x, y, z).
std::array<double, 3> geometric_focus_m(const SourceSpec& src);

}  // namespace lithosim
