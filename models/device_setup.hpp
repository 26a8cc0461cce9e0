// From a device preset (models/devices.hpp: data) to what the solver runs (solver/spec.hpp): sources, waveform,
// rigid bodies, placed on the simulation axis. The device frame's z = 0 (its rearmost point on the axis) goes to
// z = z_offset of the simulation; all devices are axisymmetric about the simulation's z axis (x = y = 0).
//
// Modelling choices (each is an approximation, stated here and in models/DEVICES.md):
//  * hm3: the spark is the solver's point monopole at F1 (p0 = pressure 1 mm from it); the reflector is a rigid
//    ellipsoidal shell 3 mm thick from the vertex to the mouth (staircased at the cell size).
//  * em_lens, piezo_cap, eswt_head: a spherical cap of the device's aperture and radius of curvature carrying the
//    source pressure (a lens is modelled by its equivalent cap, lossless and thin).
//  * em_paraboloid: the coil is a cylindrical source over a rigid core 1 mm inside it (assumption), facing a rigid
//    paraboloid-of-revolution shell 3 mm thick over the coil's length.
//  * ivl_emitter: a cylindrical source over a rigid core 0.2 mm inside it (assumption), centred at z_offset.
#pragma once
#include <array>
#include <functional>
#include <optional>
#include <vector>

#include "models/devices.hpp"
#include "solver/spec.hpp"

namespace lithosim::models {

struct DeviceSetup {
    std::vector<SourceSpec> sources;
    std::function<bool(const std::array<double, 3>& position_m)> rigid;  ///< may be empty
    std::optional<double> focus_z_m;   ///< geometric focus in simulation coordinates
    double radius_m = 0;               ///< radial extent of the device (reflector or aperture), m
    double length_m = 0;               ///< axial extent from z_offset to the focus (or the device's end), m
    /// Axial extent of the hardware, simulation coordinates: from z_back_m (the rearmost point, reflector shell
    /// included) to z_front_m (the mouth, cap rim, coupling plane or emitter end: what faces the patient). The
    /// focus of a device is searched beyond z_front_m, clear of the source's own near field (a spark's 60 MPa).
    double z_back_m = 0, z_front_m = 0;
    /// The longest acoustic path from the source to the geometric focus (0 without one), m: 2a for hm3 (spark ->
    /// reflector -> F2 is 2a for every ray; the direct wave, 2c, is shorter), the radius of curvature for a cap or a
    /// lens (every point of the cap lies that far from the focus), for em_paraboloid the longer of coil -> reflector
    /// -> focus (2 f_p - r_c) and the direct wave from the coil's back end. A run that lasts this long over the
    /// slowest sound speed, plus the pulse, has seen the whole pulse pass the focus.
    double path_to_focus_m = 0;
    /// A spark's near field (hm3: 60 MPa at 1 mm) steepens faster than any practical grid resolves; within this
    /// distance of `linear_centre_m` the medium is made linear: assumption, the spark's own pressure at
    /// that distance has dropped to a few MPa (spherical spreading). 0 = no such zone. (B/A = -2 there, so beta = 0.)
    double linear_radius_m = 0;
    std::array<double, 3> linear_centre_m{0, 0, 0};
};

/// `medium` made linear (B/A = -2, beta = 0) inside the set-up's linear zone (unchanged when it has none).
MediumSpec with_linear_zone(const MediumSpec& medium, const DeviceSetup& setup);

/// The device at its current setting, placed with its frame origin at z = z_offset_m on the axis.
DeviceSetup device_setup(const DevicePreset& preset, double z_offset_m);

}  // namespace lithosim::models
