// Internal to validation/: the pieces the case files share (row construction, specs, pulses, spectral
// measurements on sensor records). Not part of the library's interface; cases.hpp is.
#pragma once
#include <array>
#include <complex>
#include <string>
#include <vector>

#include "solver/result.hpp"
#include "solver/spec.hpp"
#include "validation/cases.hpp"

namespace lithosim::validation::detail {

// ---- the cases, one file each (case_<name>.cpp) ----
std::vector<Row> run_oneil_bowl(bool full, const RunHooks& hooks);
std::vector<Row> run_fubini_fay(bool full, const RunHooks& hooks);
std::vector<Row> run_interface(bool full, const RunHooks& hooks);
std::vector<Row> run_power_law_absorption(bool full, const RunHooks& hooks);
std::vector<Row> run_pml(bool full, const RunHooks& hooks);
std::vector<Row> run_point_source(bool full, const RunHooks& hooks);
std::vector<Row> run_convergence(bool full, const RunHooks& hooks);
std::vector<Row> run_piston_axisymmetric(bool full, const RunHooks& hooks);
std::vector<Row> run_axisymmetric_vs_3d(bool full, const RunHooks& hooks);
std::vector<Row> run_hm3_qin2010(bool full, const RunHooks& hooks);
std::vector<Row> run_eswt_perez2013(bool full, const RunHooks& hooks);
std::vector<Row> run_device_refinement(bool full, const RunHooks& hooks);
std::vector<Row> run_planner_fragmentation(bool full, const RunHooks& hooks);
std::vector<Row> run_planner_clinical(bool full, const RunHooks& hooks);
std::vector<Row> run_outcomes(bool full, const RunHooks& hooks);
std::vector<Row> run_planner_phantoms(bool full, const RunHooks& hooks);

// ---- rows ----
/// error = 100 |simulated − reference| / |reference|, unit "%".
Row relative_row(const std::string& case_name, const std::string& quantity, double simulated, double reference,
                 double tolerance_percent);
/// error = |simulated − reference| in `unit`.
Row absolute_row(const std::string& case_name, const std::string& quantity, const std::string& unit,
                 double simulated, double reference, double tolerance);
/// error given by the caller (e.g. a level in dB, or nominal − observed order), in `unit`.
Row measured_row(const std::string& case_name, const std::string& quantity, const std::string& unit,
                 double simulated, double reference, double error, double tolerance);

// ---- specs and signals ----
/// A linear, lossless, homogeneous case: ρ = rho, c = c, no absorption, no nonlinearity, no maps, no sensors.
SimulationSpec linear_spec(int dims, double dx_m, std::array<double, 3> size_m, double t_end_s, double rho = 1000.0,
                           double c = 1500.0);

/// The largest cfl <= cfl_target for which a period 1/f0 holds a whole number of time steps, dt = 1/(m f0), given
/// the fastest speed c_max and the cell size: then a DFT over whole periods of a sensor record is exact for a
/// steady tone. Returns the cfl; *steps_per_period (if given) receives m.
double cfl_for_whole_periods(double c_max, double dx_m, double f0_Hz, double cfl_target, int* steps_per_period);

/// A smooth, zero-mean, broadband pulse as a sampled waveform: s(t) = exp(−(t − tc)²/(2 w²)) sin(2π f0 (t − tc)),
/// envelope FWHM = fwhm_cycles / f0 (w = FWHM / (2 sqrt(2 ln 2))), tc = 6 w, sampled over [0, 12 w] at 1/(1000 f0)
/// (linear interpolation between samples: relative shape error < 1e-5). Unlike the built-in Gaussian waveform
/// (which starts at 3 w, with a 1 % jump), its ends are e^{−18} ≈ 1.5e-8 of the peak, so a grid sees no step.
Waveform smooth_pulse(double f0_Hz, double fwhm_cycles);
/// A plane source at z = z_m radiating the smooth pulse with amplitude p0 (1e5 Pa: linear) in both directions.
SourceSpec plane_pulse_source(double z_m, double f0_Hz, double fwhm_cycles, double p0_Pa = 1e5);
/// The centre time tc (s) and the envelope width w (s) of smooth_pulse(f0_Hz, fwhm_cycles).
double smooth_pulse_centre_s(double f0_Hz, double fwhm_cycles);
double smooth_pulse_width_s(double f0_Hz, double fwhm_cycles);

/// Amplitude |X| of the tone at f_Hz in samples [first, first + count) of a record with step dt: one DFT bin
/// X = (2/N) Σ x_n e^{−i2πf t_n} (analytic::single_bin_dft). Exact for a steady tone when count dt is a whole number
/// of periods of f_Hz. Throws std::logic_error if the window leaves the record.
std::complex<double> tone(const std::vector<float>& record, double dt_s, double f_Hz, long first, long count);

/// Fourier transform ∫ x(t) e^{−i2πft} dt of a whole record (rectangle rule, t_n = n dt), for pulses that start and
/// end inside the record.
std::complex<double> fourier(const std::vector<float>& record, double dt_s, double f_Hz);

/// Σ x_n² dt over samples whose time lies in [t0, t1] (the pulse-energy integral of a window).
double energy(const std::vector<float>& record, double dt_s, double t0_s, double t1_s);

/// The value of largest magnitude over samples whose time lies in [t0, t1] (keeps its sign).
double extremum(const std::vector<float>& record, double dt_s, double t0_s, double t1_s);

/// Index of the sensor record of the probe nearest to `z_m` among res.axis (the beam axis nodes).
std::size_t nearest_axis_node(const SensorRecord& axis, double z_m);

/// Forwards a line to hooks.log if set.
void log(const RunHooks& hooks, const std::string& line);

/// Runs the solver and logs one line before (what) and after (run time, grid, steps).
SimulationResult run(const SimulationSpec& spec, const RunHooks& hooks, const std::string& what);

}  // namespace lithosim::validation::detail
