// Device cases (issue 3 §1.4 and §2): device presets (models/devices.hpp) run in water on the axisymmetric solver and
// compared with measured focal values, and a grid-refinement study of a clinical device.
//
// Every device run: the preset at a setting, its frame origin at z = 3 mm; water at 20 degC (models/README.md),
// nonlinear and absorbing; grid R = device radius + 5 mm, Z = focus + 25 mm; the run lasts until the whole pulse has
// passed the focus (DeviceSetup::path_to_focus_m over c, plus ten positive phases of the pulse, at least 10 us). The focus is
// searched beyond the device's front (app/ does the same), the focal-plane values are taken in the plane of the
// geometric focus, as a hydrophone scan in that plane measures them.
//
// hm3_qin2010: the HM3 at 20 kV against Qin et al. (2010, JASA 127:2635), as quoted in issue 3: energy through a
//   28 mm disc 120 mJ (the calibration target; tolerance 20 %: energy ~ p^2, so the +-9.6 % shot spread of p+ gives
//   about +-20 %), p- against the HM3-type research lithotripter of the Cleveland group, about -10 MPa (tolerance
//   4.7 MPa: the p+ spread, assumption); full variant only: peak p+ 49 MPa (tolerance: the shot-to-shot spread of
//   electrohydraulic sources, +-4.7 MPa), -6 dB focal width in the plane of F2 11 mm (tolerance 2 mm: assumption,
//   2 cells of a 1 mm hydrophone scan and the spread of the spark position), the p+ maximum within 5 mm of F2 (the
//   focus movement of EH sources). Full variant: dx = 0.125 mm, the calibration grid; the fast variant runs
//   dx = 0.25 mm and checks the energy and p-, which that grid resolves (p+ of the shocked focal wave does not).
//   Known deviation (models/DEVICES.md): the modelled p+ maximum lies about 15 mm beyond F2 and the width in the
//   plane of F2 is about 15 mm, so the last two rows of the full variant fail.
// eswt_perez2013: the ESWT head at levels 1 and 10 against Perez et al. (2013): focal p+ 2 and 45 MPa (tolerance
//   15 %: assumption, the hydrophone calibration uncertainty of IEC 61846-type measurements). Reference grid 0.05 mm;
//   fast variant 0.1 mm with level 1 only (linear: it converges at that grid).
// device_refinement: the refinement study of issue 3 §1.4, the ESWT head at its default level 5 (full variant: p+
//   at dx = 0.07, 0.05, 0.035 mm) or at level 1 (fast variant: dx = 0.07, 0.05 mm). The grid before the finest is
//   converged within 3 % in p+ when the finest agrees with it; in the full variant its run must take at most 60 s
//   (2 cores; a benchmark figure, so not in the fast variant that ctest runs).
#include <algorithm>
#include <chrono>
#include <cmath>

#include "models/device_setup.hpp"
#include "models/devices.hpp"
#include "models/tissue.hpp"
#include "planning/iec61846.hpp"
#include "core/errors.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation::detail {

namespace {
constexpr char kHm3[] = "hm3_qin2010";
constexpr char kEswt[] = "eswt_perez2013";
constexpr char kRefine[] = "device_refinement";

/// What a device run gives: the IEC parameters beyond the device's front, and the focal-plane values.
struct DeviceRun {
    planning::IecParameters iec;
    double p_plus_focal_plane_MPa = 0;  ///< on the axis in the plane of the geometric focus
    double width_focal_plane_mm = 0;    ///< full -6 dB width of p_max in that plane (2 r_half)
    double focus_z_m = 0;               ///< the device's geometric focus
    double seconds = 0;                 ///< wall time of the run
};

DeviceRun run_device(const std::string& name, const std::map<std::string, double>& overrides, double dx,
                     const RunHooks& hooks, const std::string& what) {
    const models::DevicePreset preset = models::with_overrides(models::device_preset(name), overrides);
    const double z0 = 3e-3;
    const models::DeviceSetup d = models::device_setup(preset, z0);
    const auto& w = models::tissue_preset("water");
    SimulationSpec s;
    s.grid.dims = 2;
    s.grid.axisymmetric = true;
    s.grid.dx_m = dx;
    s.grid.size_m = {d.radius_m + 5e-3, 0, *d.focus_z_m + 25e-3};
    s.medium.uniform = {w.rho_kg_per_m3, w.c_m_per_s, w.alpha_dB_per_cm_MHz, w.alpha_power, w.BonA};
    s.medium = models::with_linear_zone(s.medium, d);
    s.medium.rigid = d.rigid;
    s.sources = d.sources;
    // The whole pulse past the focus: the longest source -> focus path, then ten positive phases of the pulse (its
    // energy has decayed to e^-18 by then), at least 10 us.
    const double tail_s = std::max(10e-6, 10 * models::device_pulse(preset).positive_phase_s);
    s.time.t_end_s = d.path_to_focus_m / w.c_m_per_s + tail_s;
    s.sensors.axis_series = true;
    const auto t0 = std::chrono::steady_clock::now();
    const SimulationResult r = run(s, hooks, what);
    DeviceRun out;
    out.focus_z_m = *d.focus_z_m;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Map3 pmx = planning::crop_from_z(*r.p_max, d.z_front_m);
    const Map3 pmn = planning::crop_from_z(*r.p_min, d.z_front_m);
    const Map3 efd = planning::crop_from_z(*r.efd, d.z_front_m);
    out.iec = planning::iec61846_parameters(pmx, pmn, efd, *r.axis, w.rho_kg_per_m3, w.c_m_per_s, d.focus_z_m, true);
    // The focal plane: p_max along r at the node plane nearest the geometric focus.
    const Map3& m = *r.p_max;
    const std::size_t iz = std::size_t(std::lround((*d.focus_z_m - m.origin_m[2]) / m.spacing_m[2]));
    const double p_axis = m.at(0, 0, iz);
    out.p_plus_focal_plane_MPa = p_axis * 1e-6;
    for (std::size_t ir = 1; ir < m.nx; ++ir) {
        const double a = m.at(ir - 1, 0, iz), b = m.at(ir, 0, iz);
        if (b < 0.5 * p_axis) {
            const double r_half = (double(ir - 1) + (a - 0.5 * p_axis) / (a - b)) * m.spacing_m[0];
            out.width_focal_plane_mm = 2 * r_half * 1e3;
            break;
        }
    }
    return out;
}

}  // namespace

std::vector<Row> run_hm3_qin2010(bool full, const RunHooks& hooks) {
    const double dx = full ? 0.125e-3 : 0.25e-3;
    const DeviceRun h = run_device("hm3", {{"voltage_kV", 20}}, dx, hooks, fmt(kHm3, ": HM3 at 20 kV, dx = ",
                                                                                 dx * 1e3, " mm"));
    std::vector<Row> rows;
    rows.push_back(relative_row(kHm3, "energy through a 28 mm disc in the focal plane (Qin 2010; the calibration "
                                      "target) [mJ]",
                                h.iec.E28mm_disc_mJ.value_or(NAN), 120.0, 20.0));
    rows.push_back(absolute_row(kHm3, "p- around the focus (HM3-type research lithotripter, Cleveland group) [MPa]",
                                "MPa", h.iec.p_minus_MPa, -10.0, 4.7));
    if (!full) return rows;  // p+ and the focal geometry of the shocked wave need the calibration grid
    const double shift_mm = h.iec.focus_mm[2] - h.focus_z_m * 1e3;
    rows.push_back(absolute_row(kHm3,
                                fmt("peak p+, at the p+ maximum ", shift_mm, " mm beyond F2 (Qin 2010: 49 MPa in the "
                                    "focal plane) [MPa]"),
                                "MPa", h.iec.p_plus_MPa, 49.0, 4.7));
    rows.push_back(absolute_row(kHm3,
                                fmt("-6 dB focal width in the plane of F2 (Qin 2010; ", h.p_plus_focal_plane_MPa,
                                    " MPa on the axis there)"),
                                "mm", h.width_focal_plane_mm, 11.0, 2.0));
    rows.push_back(measured_row(kHm3, "distance of the p+ maximum from F2 (EH sources: focus moves up to 5 mm)", "mm",
                                shift_mm, 0.0, std::abs(shift_mm), 5.0));
    return rows;
}

std::vector<Row> run_eswt_perez2013(bool full, const RunHooks& hooks) {
    const double dx = full ? 0.05e-3 : 0.1e-3;
    std::vector<Row> rows;
    for (const auto& [level, measured] : full ? std::vector<std::pair<double, double>>{{1, 2.0}, {10, 45.0}}
                                              : std::vector<std::pair<double, double>>{{1, 2.0}}) {
        const DeviceRun e = run_device("eswt_head", {{"level", level}}, dx, hooks,
                                       fmt(kEswt, ": level ", level, ", dx = ", dx * 1e3, " mm"));
        rows.push_back(relative_row(kEswt, fmt("focal p+ at level ", level, " (Perez 2013) [MPa]"),
                                    e.iec.p_plus_MPa, measured, 15.0));
    }
    return rows;
}

std::vector<Row> run_device_refinement(bool full, const RunHooks& hooks) {
    // Full: the default level 5 (p+ about 7.5 MPa, mildly nonlinear); fast: level 1 (linear, 2 MPa) on two grids.
    const double level = full ? 5 : 1;
    const std::vector<double> grids = full ? std::vector<double>{0.07e-3, 0.05e-3, 0.035e-3}
                                           : std::vector<double>{0.07e-3, 0.05e-3};
    std::vector<DeviceRun> runs;
    for (const double dx : grids)
        runs.push_back(run_device("eswt_head", {{"level", level}}, dx, hooks,
                                  fmt(kRefine, ": ESWT head level ", level, ", dx = ", dx * 1e3, " mm")));
    std::string history;
    for (std::size_t k = 0; k < runs.size(); ++k)
        history += fmt(k ? ", " : "", grids[k] * 1e3, " mm: ", runs[k].iec.p_plus_MPa, " MPa in ", runs[k].seconds, " s");
    // The grid before the finest is the one shown converged: the finest run checks it.
    const std::size_t n = runs.size();
    std::vector<Row> rows;
    rows.push_back(relative_row(kRefine,
                                fmt("p+ at dx = ", grids[n - 2] * 1e3, " mm vs the finer ", grids[n - 1] * 1e3,
                                    " mm [MPa] (", history, ")"),
                                runs[n - 2].iec.p_plus_MPa, runs[n - 1].iec.p_plus_MPa, 3.0));
    // The 60 s goal is a benchmark figure, checked in the full variant only: a timed row in ctest would fail on a
    // loaded machine, not on slow code.
    if (full)
        rows.push_back(measured_row(kRefine, fmt("wall time of the converged run, dx = ", grids[n - 2] * 1e3, " mm"),
                                    "s", runs[n - 2].seconds, 60.0, runs[n - 2].seconds, 60.0));
    return rows;
}

}  // namespace lithosim::validation::detail
