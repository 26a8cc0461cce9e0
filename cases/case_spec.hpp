// From a case (case.hpp, units in the key names) to the solver's SI configuration, prepared once per run, and back to
// the resolved case text stored with each result. All unit conversions of the case keys happen here.
#pragma once
#include <array>
#include <optional>

#include "cases/case.hpp"
#include "cases/case_keys.hpp"
#include "models/device_setup.hpp"
#include "models/devices.hpp"
#include "solver/simulation.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// The device of a case with [source] type = device: the preset with the case's overrides and its set-up placed at
/// position_mm (empty for other source types). Throws InputError: unknown device, a parameter the device does not
/// have, a value outside the device's range, keys that describe another kind of source (p0_MPa, waveform, ...), a
/// position off the z axis, dims other than 3 or axisymmetric.
struct CaseDevice {
    models::DevicePreset preset;
    models::DeviceSetup setup;
};
std::optional<CaseDevice> case_device(const Case& c);

/// The solver configuration of a case: mm -> m, us -> s, MPa -> Pa, MHz -> Hz, ...
/// Checks what involves several keys (size_mm has one number per dimension, unused coordinates are 0, the keys a
/// source type or waveform needs are given, the absorption band is ordered) and reads the waveform file. `device`
/// is case_device(c) (made once by prepare_case). Throws InputError naming the key, the value and what is accepted.
SimulationSpec build_spec(const Case& c, const std::optional<CaseDevice>& device);
inline SimulationSpec build_spec(const Case& c) { return build_spec(c, case_device(c)); }

/// The medium of a case alone ([medium] keys; a homogeneous preset with overrides, layers, or a model in memory or
/// on file): what build_spec puts in SimulationSpec::medium. Throws InputError on contradicting keys.
MediumSpec build_medium_spec(const Case& c, const std::optional<CaseDevice>& device);
inline MediumSpec build_medium_spec(const Case& c) { return build_medium_spec(c, case_device(c)); }

/// Where the dosimetry looks: the plane of the disc energies (a bowl's or device's geometric focus) and, for a
/// device, the plane beyond which the focus is searched (its front: mouth, rim or coupling plane), so the source's
/// own near field (a spark is 60 MPa at 1 mm) is not taken for the focus.
struct FocusGeometry {
    std::optional<double> focal_plane_z_m;
    std::optional<double> search_from_z_m;
};
FocusGeometry focus_geometry(const std::optional<CaseDevice>& device, const SimulationSpec& spec);

/// A case prepared to run, once: its values checked (check_case), its device set up, its solver configuration,
/// its run plan (grid, time step, memory per rank) with the device and geometry checks and the device's grid
/// warnings, and where its dosimetry looks.
struct PreparedCase {
    Case c;
    std::optional<CaseDevice> device;
    SimulationSpec spec;
    RunPlan plan;
    FocusGeometry focus;
};

/// Prepare a case to run over `ranks` processes. With `available_bytes`, a memory estimate (per rank) beyond it is
/// bad input. Throws InputError.
PreparedCase prepare_case(Case c, int ranks = 1, std::optional<double> available_bytes = std::nullopt);

/// Checks of the geometry that need the grid and that the solver would otherwise only make once the run has
/// started: every source lies inside the physical region and fits (the solver's own footprint check), and every
/// sensor point lies inside the physical region. Throws InputError.
void check_geometry(const SimulationSpec& spec, const Grid& grid);

/// The resolved case, for provenance: the case's values (case_text) plus, in CaseText::derived, the values the run
/// derived for keys left unset (medium properties from the preset, the cfl chosen by the solver, a device's
/// parameters), each marked with where it came from. With [medium] layers or a model the default preset is not
/// used: it is listed as a derived comment, so the resolved case runs again.
CaseText resolve_case(const PreparedCase& p);

/// A device case: the device (reflector, aperture) lies inside the physical region and its geometric focus too.
/// Throws InputError showing the device's extent, the focus and the region, in mm. No-op for other sources.
void check_device_fits(const std::optional<CaseDevice>& device, const Grid& grid);

/// Warnings about a device case's grid: a cell coarser than the device's calibration grid
/// (models::DevicePreset::calibration_dx_m) under-resolves the shock front. Empty without a device.
std::vector<std::string> device_grid_warnings(const std::optional<CaseDevice>& device, const Grid& grid);

/// z (m) of the geometric focus of the case's sources, when one of them has one (a bowl: apex z + focal length);
/// the plane the disc energies of the dosimetry use.
std::optional<double> geometric_focus_z_m(const SimulationSpec& spec);

/// The material at a position (m): medium.at(x) for a heterogeneous medium, else the uniform one.
MaterialProps medium_at(const MediumSpec& medium, const std::array<double, 3>& x_m);

}  // namespace lithosim
