// The stepper: advances the state by the staggered leapfrog scheme, one physics step per line of its loop (run()),
// with the PML, rigid bodies, sources, axis mirror, shock filter and halo exchange plugged in around the kernels.
// Each phase is timed by a scoped timer, so a run reports where its time went (RunStats::phase_seconds).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "solver/fields.hpp"
#include "solver/kernels.hpp"
#include "solver/medium.hpp"
#include "solver/pml.hpp"
#include "solver/recorder.hpp"
#include "solver/simulation.hpp"
#include "solver/slab.hpp"
#include "solver/source.hpp"

namespace lithosim {

class Stepper {
public:
    Stepper(const Grid& g, const RunPlan& plan, const SimulationSpec& spec, const MediumModel& mm, const Medium& medium,
            Fields& fields, const RigidFaces& rigid, const GridSources& sources, const SlabLayout& slab,
            Communicator& cm);
    /// Samples the initial state, then runs plan.steps steps, sampling each into the recorder. Returns the wall time
    /// of the time loop (s); adds each phase's time to `phase`.
    double run(Recorder& recorder, const RunHooks& hooks, std::map<std::string, double>& phase);

private:
    // The steps of the scheme, in the order run() calls them.
    void mirror_pressure_at_axis();
    void update_velocity();
    void pml_velocity();
    void hold_rigid_faces();
    void add_sources(long long n);
    void mirror_velocity_at_axis();
    void filter_shocks();
    void exchange_velocity_halo();
    void update_pressure();
    void pml_pressure();
    void exchange_pressure_halo();
    PressureRead pressure() const;

    const Grid& g_;
    const RunPlan& plan_;
    const SimulationSpec& spec_;
    const Medium& medium_;
    Fields& fields_;
    const RigidFaces& rigid_;
    const GridSources& sources_;
    HaloExchange halo_;
    kernels::StepView v_{};
    kernels::StepView v_filter_{};         ///< the filter's view: the stored planes only, z counted from alloc_lo
    int phys_lo_[3], phys_hi_[3];           ///< the filtered range (physical region of the slab) in that view
    std::size_t filter_offset_ = 0;         ///< grid index of the filter view's first cell
    kernels::StepKernels kernels_;
    Cpml pml_;
    std::vector<float> r_face_, inv_r_;     ///< axisymmetric: radius of each staggered node, 1/r of each node
    bool filtering_ = false, separate_p_ = false;
    int w_below_ = 0, w_above_ = 0;         ///< halo widths of w
};

}  // namespace lithosim
