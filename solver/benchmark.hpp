// `lithosim bench`: throughput of the 3D kernels against this machine's memory bandwidth.
// A benchmark, not a test: it measures and reports, it asserts nothing.
#pragma once
#include <string>
#include <vector>

#include "solver/spec.hpp"

namespace lithosim {

struct BenchOptions {
    int n = 256;          ///< cells per axis of the whole grid (PML included): n^3 cells
    int steps = 20;       ///< time steps per kernel run
    int repeats = 3;      ///< best of this many runs
    double stream_MiB = 512;  ///< size of each STREAM triad array
};

struct KernelBench {
    std::string name;                 ///< "linear" or "nonlinear_absorbing"
    double cell_updates_per_s = 0;    ///< whole time step (kernels, PML, sources, on-the-fly maps)
    double kernel_updates_per_s = 0;  ///< velocity + pressure kernels only
    double field_bytes_per_cell = 0;  ///< state + medium coefficients resident per cell
    double bytes_per_cell = 0;        ///< everything the run allocates (state, medium, PML, maps) per grid cell
    double traffic_bytes_per_cell = 0;///< minimum memory traffic of the two kernels per cell update
    double kernel_bandwidth_GBps = 0; ///< traffic_bytes_per_cell * kernel_updates_per_s
    double bandwidth_fraction = 0;    ///< kernel_bandwidth / bandwidth_bound (write-allocate-corrected triad)
    std::vector<std::pair<std::string, double>> phase_fraction;  ///< share of the step per phase
};

struct BenchResult {
    int threads = 1;
    long long cells = 0;
    double stream_triad_GBps = 0;     ///< a[i] = b[i] + s c[i], best of repeats, counted as 3 streams (12 B / element)
    /// Bytes the triad really moves: its store first reads the line it writes (write-allocate), so 16 B per
    /// element; this is the bound the kernels' traffic is compared with (they read-modify-write in place).
    double bandwidth_bound_GBps = 0;
    std::vector<KernelBench> kernels;
};

/// STREAM-like triad bandwidth (GB/s) with the current OpenMP threads.
double stream_triad_GBps(double MiB_per_array, int repeats);

BenchResult run_benchmark(const BenchOptions& opt);

}  // namespace lithosim
