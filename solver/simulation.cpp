// simulate(): a run composed of its parts — the plan (plan.cpp), the medium (medium.hpp), the state (fields.hpp),
// the sources (source.hpp), the recorder (recorder.hpp) and the stepper (stepper.hpp) — on one rank's slab.
#include "solver/simulation.hpp"

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

#include "core/errors.hpp"
#include "solver/fields.hpp"
#include "solver/medium.hpp"
#include "solver/plan.hpp"
#include "solver/recorder.hpp"
#include "solver/slab.hpp"
#include "solver/source.hpp"
#include "solver/stepper.hpp"

namespace lithosim {

namespace {

/// Small grids run on one thread: a step has about ten parallel regions, and below ~1e5 cells their
/// fork/join costs more than the work (a 1D run was measured 400x slower on two busy cores).
struct ThreadScope {
    int saved = omp_get_max_threads();
    explicit ThreadScope(std::size_t cells) {
        if (cells < 100000) omp_set_num_threads(1);
    }
    ~ThreadScope() { omp_set_num_threads(saved); }
};

/// The plan's lines for the log, and the refusal of a run that does not fit in memory.
void log_plan_and_check_memory(const RunPlan& pl, const SolverOptions& opt, const SlabLayout& slab,
                               const std::function<void(const std::string&)>& log) {
    const Grid& g = pl.grid;
    const int n_ranks = slab.ranks;
    if (n_ranks > 1)
        log(fmt("distributed: ", n_ranks, " ranks, slabs along z; rank ", slab.rank, " updates planes [", slab.own.begin,
                ", ", slab.own.end, ") of ", g.n[2], " with ", SlabLayout::kHalo, " halo planes"));
    for (const auto& w : pl.warnings) log("warning: " + w);
    for (const auto& n : pl.notes) log(n);
    const double limit = opt.memory_limit_bytes > 0 ? opt.memory_limit_bytes : available_memory_bytes();
    log(fmt("grid ", g.n[0], " x ", g.n[1], " x ", g.n[2], " cells (PML included), dx = ", g.dx * 1e3,
            " mm, dt = ", pl.dt_s * 1e9, " ns (cfl ", pl.cfl, "), ", pl.steps, " steps, ",
            pl.points_per_wavelength, " points per wavelength at ", pl.source_f0_Hz * 1e-6, " MHz"));
    if (n_ranks > 1)
        log(fmt("memory needed: ", pl.memory_bytes_per_rank / 1048576.0, " MiB per rank at most (",
                pl.memory_bytes / 1048576.0, " MiB on one process; ", pl.field_bytes_per_cell,
                " bytes per cell of fields and medium); available here: ", limit / 1048576.0, " MiB"));
    else
        log(fmt("memory needed: ", pl.memory_bytes / 1048576.0, " MiB (", pl.field_bytes_per_cell,
                " bytes per cell of fields and medium); available: ", limit / 1048576.0, " MiB"));
    if (pl.memory_bytes_per_rank > limit)
        throw std::runtime_error(fmt("refusing to run: the case needs an estimated ", pl.memory_bytes_per_rank / 1048576.0,
                                     " MiB", n_ranks > 1 ? " per rank" : "", " but only ", limit / 1048576.0,
                                     " MiB are available; use a coarser dx_mm or a smaller size_mm"));
}

/// The run's figures; each rank's peak memory gathered to rank 0.
void fill_stats(RunStats& st, const RunPlan& pl, double runtime, Communicator& cm) {
    const double peak_MB = peak_resident_MB();
    std::vector<double> peaks{peak_MB};
    if (cm.size() > 1) {
        const std::vector<char> bytes = cm.gather(&peak_MB, sizeof peak_MB);
        if (!bytes.empty()) {  // rank 0
            peaks.resize(bytes.size() / sizeof(double));
            std::memcpy(peaks.data(), bytes.data(), bytes.size());
        }
    }
    const std::size_t N = pl.grid.cells();
    st.steps = pl.steps;
    st.cells = (long long)N;
    st.dt_s = pl.dt_s;
    st.runtime_s = runtime;
    st.cell_updates_per_s = runtime > 0 ? double(N) * pl.steps / runtime : 0;
    st.threads = omp_get_max_threads();
    st.ranks = cm.size();
    st.peak_memory_MB_per_rank = peaks;
    st.peak_memory_MB = *std::max_element(peaks.begin(), peaks.end());
    st.field_bytes_per_cell = pl.field_bytes_per_cell;
}

}  // namespace

SimulationResult simulate(const SimulationSpec& spec, const RunHooks& hooks, Communicator* comm) {
    return simulate_planned(spec, plan_run(spec, comm ? comm->size() : 1), hooks, comm);
}

SimulationResult simulate_planned(const SimulationSpec& spec, const RunPlan& pl, const RunHooks& hooks,
                                  Communicator* comm) {
    auto log = [&](const std::string& s) {
        if (hooks.log) hooks.log(s);
    };
    SerialCommunicator serial;
    Communicator& cm = comm ? *comm : serial;
    if (pl.ranks != cm.size())
        throw std::logic_error("simulate: the plan is for " + std::to_string(pl.ranks) + " rank(s), the run has " +
                               std::to_string(cm.size()));
    const Grid& g = pl.grid;
    const SlabLayout slab = SlabLayout::of(g, cm.size(), cm.rank());
    log_plan_and_check_memory(pl, spec.solver, slab, log);
    const ThreadScope thread_scope(slab.stored_cells());

    // The parts, each allocated from the layout the memory plan added up.
    const MediumModel mm = build_medium_model(g, spec);
    const Medium medium(g, mm, MediumLayout::of(g, mm, spec.solver, slab));
    require_input(medium.layout().nrel <= kernels::kMaxMechanisms, "[solver] relaxation mechanisms = ",
                  medium.layout().nrel, " exceeds the accepted ", kernels::kMaxMechanisms);
    const RigidFaces rigid = find_rigid_faces(g, spec.medium, slab);
    if (rigid.enabled && slab.ranks == 1) log(fmt("rigid bodies: ", rigid.nodes_owned, " nodes"));
    Fields fields(FieldsLayout::of(g, medium.layout(), spec.solver, slab));
    const GridSources sources = make_grid_sources(g, spec, pl.dt_s, pl.steps, pl.c_min, mm, slab, log);
    const double blowup = std::max(2e9, 1e3 * sources.p0_max);
    Recorder recorder(g, spec, pl.dt_s, pl.steps, blowup, mm, slab, RecorderLayout::of(g, spec, pl.steps, slab), cm);
    Stepper stepper(g, pl, spec, mm, medium, fields, rigid, sources, slab, cm);
    assert(medium.bytes() == medium.layout().bytes() && fields.bytes() == fields.layout().bytes());

    std::map<std::string, double> phase_seconds;
    const double runtime = stepper.run(recorder, hooks, phase_seconds);
    SimulationResult res = recorder.gather();
    res.stats.phase_seconds = std::move(phase_seconds);
    fill_stats(res.stats, pl, runtime, cm);
    return res;
}

}  // namespace lithosim
