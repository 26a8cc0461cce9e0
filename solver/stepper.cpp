// The stepper: the time loop of the staggered scheme and the set-up of the view its kernels read.
#include "solver/stepper.hpp"

#include <xmmintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/errors.hpp"

namespace lithosim {

namespace {
constexpr double kRhoRef = 1000.0;  // reference density of the shock viscosity, kg/m^3

/// Scoped phase timer: adds its lifetime to a named total.
class PhaseTimer {
public:
    PhaseTimer(std::map<std::string, double>& acc, const char* name)
        : acc_(acc), name_(name), t0_(std::chrono::steady_clock::now()) {}
    ~PhaseTimer() { acc_[name_] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

private:
    std::map<std::string, double>& acc_;
    const char* name_;
    std::chrono::steady_clock::time_point t0_;
};
}  // namespace

Stepper::Stepper(const Grid& g, const RunPlan& plan, const SimulationSpec& spec, const MediumModel& mm,
                 const Medium& medium, Fields& fields, const RigidFaces& rigid, const GridSources& sources,
                 const SlabLayout& slab, Communicator& cm)
    : g_(g), plan_(plan), spec_(spec), medium_(medium), fields_(fields), rigid_(rigid), sources_(sources),
      halo_(cm, slab) {
    const SolverOptions& opt = spec.solver;
    const MediumLayout& ml = medium.layout();
    kernels::StepView& v = v_;
    for (int a = 0; a < 3; ++a) {
        v.n[a] = g.n[a];
        v.s[a] = std::ptrdiff_t(g.stride(a));
        v.lo[a] = a < g.dims ? 2 : 0;
        v.hi[a] = a < g.dims ? g.n[a] - 2 : 1;
    }
    if (g.dims == 3) {  // the slab: the planes this rank updates
        v.lo[2] = std::max(v.lo[2], slab.own.begin);
        v.hi[2] = std::min(v.hi[2], slab.own.end);
    }
    v.dt = float(plan.dt_s);
    v.dx = float(g.dx);
    fields.fill_view(v);
    medium.fill_view(v);
    for (int l = 0; l < ml.nrel; ++l) v.e[l] = float(std::exp(-plan.dt_s / mm.tau[l]));
    v.q_coef = float(kRhoRef * std::pow(opt.shock_viscosity * g.dx, 2));
    // The shock viscosity is a diffusion with nu = (C dx)^2 |div u|; explicit stepping needs nu dt / dx^2 small,
    // so |div u| is capped where it would break that (only next to a spark or a source singularity).
    v.div_cap = opt.shock_viscosity > 0 ? float(0.05 / (opt.shock_viscosity * opt.shock_viscosity * plan.dt_s)) : 0.0f;
    if (g.axisymmetric) {
        r_face_.resize(g.n[0]);
        inv_r_.resize(g.n[0]);
        for (int i = 0; i < g.n[0]; ++i) {
            const double r = (i - Grid::kAxisNode) * g.dx;
            r_face_[i] = float(r + 0.5 * g.dx);
            inv_r_[i] = r == 0 ? 0.0f : float(1.0 / r);
        }
        v.r_face = r_face_.data();
        v.inv_r = inv_r_.data();
        v.axis_i = Grid::kAxisNode;
    }

    kernels_ = kernels::select_kernels({g.dims, opt.order, opt.nonlinear, ml.nrel, ml.viscous, g.axisymmetric,
                                        ml.uniform_rho, ml.uniform});
    filtering_ = fields.layout().filter_scratch;
    separate_p_ = fields.layout().separate_p;
    // The filter copies its whole input before filtering [phys_lo, phys_hi): it gets a view of the stored planes
    // only, [alloc_lo, alloc_hi), with z indices counted from alloc_lo (strides, and so the arithmetic, as in the
    // whole grid).
    for (int a = 0; a < 3; ++a) {
        phys_lo_[a] = g.phys_begin(a);
        phys_hi_[a] = g.phys_end(a);
    }
    v_filter_ = v;
    if (g.dims == 3) {
        phys_lo_[2] = std::max(phys_lo_[2], slab.own.begin) - slab.alloc_lo;
        phys_hi_[2] = std::min(phys_hi_[2], slab.own.end) - slab.alloc_lo;
        v_filter_.n[2] = slab.alloc_hi - slab.alloc_lo;
    }
    filter_offset_ = slab.i_first;

    const SlabRange zp = Cpml::planes_of(g, slab);
    pml_ = Cpml(g, plan.dt_s, plan.c_max, plan.source_f0_Hz, opt.order, zp.begin, zp.end);

    // Halo widths of w: the momentum update reads p at i - 1 .. i + 2 along z, the mass update u_z at i - 2 .. i + 1,
    // the filter w at i - 3 .. i + 3, and a probe w on its own plane and the one above.
    const bool any_probes = !spec.sensors.points_m.empty() || spec.sensors.axis_series;
    w_below_ = filtering_ ? 3 : separate_p_ ? 0 : 1;
    w_above_ = filtering_ ? 3 : separate_p_ ? (any_probes ? 1 : 0) : 2;
}

// ---- the steps ------------------------------------------------------------------------------------------------

/// Axisymmetric: p at the mirror nodes below the axis, p(-r) = p(r).
void Stepper::mirror_pressure_at_axis() { kernels::mirror_axis(v_, v_.p, false); }

/// du_a/dt = -(1/rho) dp/dx_a  (kernels.hpp, update_velocity).
void Stepper::update_velocity() { kernels_.velocity(v_); }

/// The CPML's correction of the momentum update inside the layer.
void Stepper::pml_velocity() { pml_.correct_velocity(v_); }

/// u_n = 0 on every face next to a rigid node.
void Stepper::hold_rigid_faces() {
    for (int a = 0; a < g_.dims; ++a) {
        float* u = v_.u[a];
        for (std::size_t i : rigid_.faces[a]) u[i] = 0.0f;
    }
}

/// dw/dt += K q at the source nodes, at t^{n+1/2}.
void Stepper::add_sources(long long n) { sources_.add(v_.w, n, plan_.dt_s); }

/// Axisymmetric: u_r odd across the axis (and w even, for the filter that reads it).
void Stepper::mirror_velocity_at_axis() {
    kernels::mirror_axis(v_, v_.u[0], true);
    if (filtering_) kernels::mirror_axis(v_, v_.w, false);
}

/// The selective filter of the shock capturing on w (out of place; the filtered array becomes the state).
void Stepper::filter_shocks() {
    kernels_.filter(v_filter_, phys_lo_, phys_hi_, v_.w + filter_offset_, fields_.w_scratch() + filter_offset_,
                    float(spec_.solver.shock_filter));
    fields_.take_filtered(v_);
}

/// u_z planes the mass update of the slab's edge planes reads from the neighbours.
void Stepper::exchange_velocity_halo() { halo_({{v_.u[2], 2, 1}}); }

/// dw/dt = -K div u + relaxation, p = p(w) + viscous and shock terms  (kernels.hpp, update_pressure).
void Stepper::update_pressure() { kernels_.pressure(v_); }

/// The CPML's correction of the mass update inside the layer (and p = w there).
void Stepper::pml_pressure() { pml_.correct_pressure(v_); }

/// p (and w, for the filter and the probes) planes the next step reads from the neighbours.
void Stepper::exchange_pressure_halo() {
    if (separate_p_) halo_({{v_.p, 1, 2}, {v_.w, w_below_, w_above_}});
    else halo_({{v_.w, w_below_, w_above_}});
}

PressureRead Stepper::pressure() const {
    return {v_.w, medium_.bK_array(), medium_.bK_uniform(), spec_.solver.nonlinear};
}

// ---- the loop -------------------------------------------------------------------------------------------------

double Stepper::run(Recorder& recorder, const RunHooks& hooks, std::map<std::string, double>& phase) {
    // Waves decaying in the PML and ahead of the front produce subnormal floats, which x86 cores process
    // up to a hundred times slower; flush them to zero on every thread (FTZ + DAZ). Results change by
    // less than 1e-38 Pa.
#pragma omp parallel
    { _mm_setcsr(_mm_getcsr() | 0x8040); }
    _mm_setcsr(_mm_getcsr() | 0x8040);

    const bool axi = g_.axisymmetric, rigid = rigid_.enabled, distributed = halo_.active();
    const long long steps = plan_.steps;
    const double dt = plan_.dt_s;
    auto timed = [&phase](const char* name, auto&& step) {
        PhaseTimer t(phase, name);
        step();
    };
    recorder.sample(0, 0.0, pressure());
    const auto t_start = std::chrono::steady_clock::now();
    for (long long n = 0; n < steps; ++n) {
        if (axi) timed("axis", [&] { mirror_pressure_at_axis(); });
        timed("velocity", [&] { update_velocity(); });
        timed("pml", [&] { pml_velocity(); });
        if (rigid) timed("rigid", [&] { hold_rigid_faces(); });
        timed("source", [&] { add_sources(n); });
        if (axi) timed("axis", [&] { mirror_velocity_at_axis(); });
        if (filtering_) timed("filter", [&] { filter_shocks(); });
        if (distributed) timed("halo", [&] { exchange_velocity_halo(); });
        timed("pressure", [&] { update_pressure(); });
        timed("pml", [&] { pml_pressure(); });
        if (distributed) timed("halo", [&] { exchange_pressure_halo(); });
        timed("sample", [&] { recorder.sample(n + 1, (n + 1) * dt, pressure()); });
        if (hooks.progress)
            hooks.progress(n + 1, steps, std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
}

}  // namespace lithosim
