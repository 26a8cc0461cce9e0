// What a run is: plain configuration structs in SI units. The app fills them from a case file; tests and
// validation cases fill them directly. Nothing here knows about files or command lines.
#pragma once
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "solver/absorption.hpp"
#include "solver/waveform.hpp"

namespace lithosim {

struct GridSpec {
    int dims = 3;                              ///< 1, 2 or 3 (2 with axisymmetric = true: r, z)
    bool axisymmetric = false;                 ///< (r, z) about the z axis; size_m = {R, 0, Z}
    double dx_m = 0.5e-3;                      ///< cell size
    std::array<double, 3> size_m{0, 0, 0};     ///< physical extent (X, Y, Z); unused axes 0
    int pml_cells = 20;
};

struct TimeSpec {
    double t_end_s = 0;
    double cfl = 0;   ///< c_max dt / dx; 0 = chosen by the solver (0.3, bounded by stability)
};

/// Acoustic properties of one material. alpha0 in dB/(cm MHz^y) (the unit tables use), the rest SI.
struct MaterialProps {
    double rho_kg_per_m3 = 1000;
    double c_m_per_s = 1500;
    double alpha_dB_per_cm_MHz = 0;
    double alpha_power = 2;
    double BonA = 5;
};

struct MediumSpec {
    MaterialProps uniform;  ///< used where `at` is not given
    /// Heterogeneous medium: properties at a physical position (m). Evaluated once per cell before the run.
    std::function<MaterialProps(const std::array<double, 3>& position_m)> at;
    /// Rigid bodies (a lithotripter's reflector, an emitter's core): true inside. The normal velocity vanishes on
    /// every staggered face next to a rigid node (staircased at the cell size; make bodies at least 3 cells thick).
    std::function<bool(const std::array<double, 3>& position_m)> rigid;
    bool heterogeneous() const { return bool(at); }
};

enum class SourceType { Bowl, Piston, Plane, Point, Cylinder };

/// Geometry ("where") plus waveform ("when"). p0 is the amplitude of the wave leaving the source surface:
/// for a bowl or piston p0 = rho0 c0 u_n, with u_n the normal surface velocity amplitude.
struct SourceSpec {
    SourceType type = SourceType::Bowl;
    double aperture_m = 0.06;                 ///< bowl / piston diameter
    double focal_length_m = 0.065;            ///< bowl radius of curvature
    /// Cylinder (axis along z, from position z to z + length, on the axis x = y = 0): radius and length. It
    /// radiates outward from a rigid core (give the core in MediumSpec::rigid): a sheet of strength u_n, so
    /// p0 = rho c u_n leaves its surface.
    double cylinder_radius_m = 1e-3, cylinder_length_m = 5e-3;
    std::array<double, 3> position_m{0, 0, 0};///< bowl apex / piston centre / plane or point position
    double p0_Pa = 1e6;                       ///< surface pressure amplitude (point: pressure at 1 mm in free field)
    Waveform waveform;
};

struct SensorSpec {
    std::vector<std::array<double, 3>> points_m;  ///< time series recorded here (trilinear interpolation)
    bool p_max = true, p_min = true, efd = true;  ///< maps over the physical region, computed on the fly
    /// Also record p(t) at every node of the beam axis (x = y = 0) of the physical region, so the waveform at
    /// the focus is at hand whatever the focus turns out to be (rise time, pulse duration). The result file keeps
    /// it as /sensors/lines/axis.
    bool axis_series = false;
    /// Sensor planes z = const (m, in the order given): on each, p_max, p_min, the EFD and the positive-phase EFD
    /// are accumulated during the run (SimulationResult::planes), so a transverse plane's dosimetry needs no time
    /// history. Each z is snapped to the nearest node plane of the physical region; a z outside it is an
    /// InputError.
    std::vector<double> planes_z_m;
    /// Wavefield snapshots (s, each in [0, t_end]): the pressure over the physical region at the first step whose
    /// time is >= each requested time (SimulationResult::snapshots, in this order, with the actual time).
    std::vector<double> snapshot_times_s;
};

struct SolverOptions {
    int order = 4;                 ///< spatial order of the staggered stencil: 2 or 4
    bool nonlinear = true;
    bool absorption = true;
    /// Shock capturing: quadratic (von Neumann-Richtmyer) artificial viscosity in compression,
    /// q = rho_ref (C dx)^2 (div u)^2 for div u < 0; C = 0 switches it off.
    double shock_viscosity = 2.0;
    /// Shock capturing, second part: strength sigma of a 6th-order selective filter applied to the pressure
    /// state every step of a nonlinear run (removes the dispersive wiggles a central scheme sheds behind a
    /// shock; a wave at N points per wavelength loses about sigma sin^6(pi/N) per step). 0 = off.
    double shock_filter = 0.2;
    RelaxationBand band;           ///< relaxation fit band and mechanism count for y != 2
    /// Memory limit in bytes; 0 = the machine's available memory. A run needing more is refused.
    double memory_limit_bytes = 0;
};

struct SimulationSpec {
    GridSpec grid;
    TimeSpec time;
    MediumSpec medium;
    std::vector<SourceSpec> sources;
    SensorSpec sensors;
    SolverOptions solver;
};

/// Caller hooks: a log line, and progress (step, total steps, elapsed seconds). Both optional.
struct RunHooks {
    std::function<void(const std::string&)> log;
    std::function<void(long long step, long long total, double elapsed_s)> progress;
};

}  // namespace lithosim
