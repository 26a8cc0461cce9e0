// The memory plan of one rank, part by part: what plan_run adds up, from the same layouts the parts of simulate()
// are allocated with (MediumLayout, FieldsLayout, Cpml::boxes, RecorderLayout).
#pragma once
#include <vector>

#include "solver/grid.hpp"
#include "solver/medium.hpp"
#include "solver/slab.hpp"
#include "solver/source.hpp"
#include "solver/spec.hpp"

namespace lithosim {

struct RunMemory {
    double medium = 0;    ///< coefficient arrays and the per-cell material map
    double fields = 0;    ///< u, w, p, m_l, the filter's scratch
    double pml = 0;       ///< the CPML's memory variables
    double recorder = 0;  ///< maps, sensor planes, series, snapshots; on rank 0 the gathered result
    double sources = 0;   ///< the sources' nodes, gains and signals
    double rigid = 0;     ///< the rigid bodies' face lists
    double field_bytes_per_cell = 0;  ///< state + medium coefficients per stored cell
    double total() const { return medium + fields + pml + recorder + sources + rigid; }
};

/// `footprints`: footprint() of each of spec.sources on g (the plan lays them out once for all its ranks).
RunMemory plan_memory(const Grid& g, const SimulationSpec& spec, const MediumModel& mm, long long steps,
                      const SlabLayout& slab, const std::vector<SourceFootprint>& footprints);

}  // namespace lithosim
