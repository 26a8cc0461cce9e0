// Source geometry on the grid ("where"). A vibrating surface with normal velocity u_n is, by the Rayleigh
// integral, a monopole sheet of volume-rate density 2 u_n in free space; it radiates p = rho c u_n = p0 on
// each side. The sheet is sampled at points much finer than the grid (spacing dx/4) and each point is spread
// onto the grid with a band-limited kernel (Lanczos-3 windowed sinc, normalised per axis), so a curved bowl
// lands on the grid off-grid, with sub-cell accuracy and without staircase.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "solver/grid.hpp"
#include "solver/medium.hpp"
#include "solver/slab.hpp"
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

/// One source on a rank's stored planes: footprint, per-node gain (so that the injected rate is in Pa/s), and the
/// signal precomputed per step.
struct GridSource {
    std::vector<std::size_t> index;
    std::vector<float> gain;        ///< per node: 2 c (surface) or K 4 pi r_ref / rho (point) times density
    std::vector<double> signal;     ///< per step, at t^{n+1/2}: p0 * s (surface) or p0 * integral of s (point)
};

/// The sources of a run, as the time loop adds them:  dw/dt += K q  (a volume-rate density q).
struct GridSources {
    std::vector<GridSource> sources;
    double p0_max = 0;  ///< largest |p0| (Pa), for the divergence watch
    /// Bytes of the nodes, gains and signals held (= grid_sources_bytes of the same run).
    double bytes() const;
    /// w^{n+1} += dt * signal^n * gain at each source node.
    void add(float* w, long long n, double dt) const {
        for (const auto& s : sources) {
            const float amount = float(dt * s.signal[n]);
            if (amount == 0) continue;
            for (std::size_t k = 0; k < s.index.size(); ++k) w[s.index[k]] += amount * s.gain[k];
        }
    }
};

/// Put the case's sources on the nodes a rank stores (halo planes included: after the source step a halo then
/// equals the neighbour's planes without another exchange), with their signals for `steps` steps of dt.
GridSources make_grid_sources(const Grid& g, const SimulationSpec& spec, double dt, long long steps, double c_min,
                              const MediumModel& mm, const SlabLayout& slab,
                              const std::function<void(const std::string&)>& log);

/// The bytes make_grid_sources allocates on a rank (each source's stored nodes with their gains, and its signal of
/// `steps` steps), for the memory plan, from the sources' footprints (footprint(), laid out once for every rank).
double grid_sources_bytes(const std::vector<SourceFootprint>& footprints, long long steps, const SlabLayout& slab);

/// Position of the source's geometric focus (bowl) or centre, metres (x, y, z).
std::array<double, 3> geometric_focus_m(const SourceSpec& src);

}  // namespace lithosim
