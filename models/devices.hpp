// Lithotripter and shock-wave therapy device presets: geometry ("where"), pulse ("when") and an energy-setting
// calibration (setting -> source pressure), each number with its source or labelled as an assumption.
//
// A preset is data only. Its parameters are the single source of truth: they carry the user-facing keys with their
// units (`aperture_mm`, `voltage_kV`, ...), a default, an accepted range and a source, exactly as a case file
// overrides them (`[source] type = device`, `device = NAME`, then any key). The typed views below
// (`device_geometry`, `device_pulse`, `source_pressure_Pa`) are computed from the parameters, in SI, so an override
// flows through to the solver without a second copy of any number.
//
// Device frame used by every geometry: z is the acoustic axis (for ivl_emitter: the vessel axis), pointing from the
// source toward the focus; r is the distance from that axis. z = 0 is the rearmost point of the source on the axis:
// the reflector vertex (hm3), the membrane centre (em_lens), the coil's back end (em_paraboloid), the cap apex
// (piezo_cap, eswt_head), the emitter's centre (ivl_emitter). All devices are axisymmetric about z.
//
// The tables with every number, its source and the reasoning behind every assumption are in models/DEVICES.md.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lithosim::models {

/// One user-facing number of a device. `key` names the quantity and its unit (`focal_length_mm`); `unit` repeats
/// the unit for printing ("mm", "kV", "MPa", "1" for counts and levels). `source` is the citation, or starts with
/// "assumption:" and gives the reasoning, or says "derived:" and how.
struct DeviceParameter {
    std::string key, unit;
    double value = 0, min = 0, max = 0;
    std::string source;
};

/// How the setting maps to the source pressure (see source_pressure_Pa).
enum class CalibrationLaw {
    ProportionalToVoltage,  ///< p = p1mm_MPa_per_kV * V (hm3)
    GeometricInLevel,       ///< p = p_low * (p_high / p_low)^((L - L_min) / (L_max - L_min)) (EM, piezo, ESWT)
    Fixed,                  ///< p = p_source_MPa, one output level (ivl_emitter)
};

struct DevicePreset {
    std::string name;
    std::string kind;  ///< electrohydraulic | electromagnetic_lens | electromagnetic_paraboloid | piezoelectric |
                       ///< eswt | intravascular
    std::string description;
    std::vector<DeviceParameter> parameters;
    std::string setting_key;       ///< the energy setting: "voltage_kV" or "level" (also one of `parameters`)
    CalibrationLaw law = CalibrationLaw::Fixed;
    std::string source_quantity;   ///< what source_pressure_Pa returns, in words (where and which peak)
    std::string calibration;       ///< the law, its anchor and its status (every anchor is provisional)
    /// Shot-to-shot spread of the focal p+ (SD / mean) and its source: the fragmentation model averages its break
    /// law over it (planning/FRAGMENTATION.md §2.6).
    double shot_to_shot_p_plus_sd = 0;
    std::string shot_to_shot_source;
    /// The cell size the calibration was made and checked on (models/DEVICES.md, the device validation cases): a
    /// coarser grid under-resolves the shock front (lower p+; the ESWT head at level 10 gives p+ 30 MPa at 0.1 mm
    /// against 45 MPa at 0.05 mm), so doses are computed on it and coarser runs are warned about.
    double calibration_dx_m = 0;

    /// The parameter with this key; throws std::invalid_argument (one line, naming the device and the accepted keys).
    const DeviceParameter& parameter(const std::string& key) const;
    /// parameter(key).value
    double value(const std::string& key) const;
    /// Current value of the energy setting.
    double setting() const { return value(setting_key); }
};

// ---- Typed geometry, SI (metres), in the device frame described at the top of this file ---------------------------

/// hm3: spark at F1 of a rigid ellipsoidal reflector (prolate spheroid, semi-axes a > b, rotated about the major
/// axis), cut by the plane z = z_mouth where its radius equals aperture_radius. The mouth is on F1's side of the
/// equator or at it (assumption, see DEVICES.md), so the reflector is never deeper than a half ellipsoid.
struct EllipsoidalReflector {
    double semi_major_m = 0, semi_minor_m = 0, aperture_radius_m = 0;

    double focal_offset_m() const;     ///< c = sqrt(a^2 - b^2), centre to either focus
    double f1_f2_distance_m() const;   ///< 2c
    double z_f1_m() const;             ///< spark position: a - c (vertex at z = 0)
    double z_f2_m() const;             ///< geometric focus: a + c
    double z_mouth_m() const;          ///< a - a sqrt(1 - r_ap^2 / b^2)
    double focal_distance_m() const;   ///< mouth plane to F2 (the "geometric focus from the aperture")
    /// Reflector radius at axial position z in [0, z_mouth]: b sqrt(1 - ((z - a)/a)^2).
    double radius_at_m(double z_m) const;
};

/// em_lens: flat circular membrane (diameter `aperture`) pushed by a flat coil, followed by an acoustic lens of focal
/// length F. Modelled as the membrane's plane pulse, then an equivalent focusing: a spherical cap of the same
/// aperture and radius of curvature F whose surface carries the membrane pressure (lossless, thin lens; see
/// DEVICES.md). The cap apex is at z = 0, the focus at z = F.
struct LensSource {
    double aperture_m = 0, focal_length_m = 0;
    double cap_depth_m() const;        ///< F - sqrt(F^2 - (D/2)^2) of the equivalent cap
};

/// em_paraboloid: cylindrical coil (radius r_c, length L, on the axis for z in [0, L]) radiating a cylindrical wave
/// outward onto a rigid reflector of revolution whose meridian is a parabola with its focus at F = (r 0, z_F) and its
/// axis perpendicular to the device axis: r(z) = f_p - (z - z_F)^2 / (4 f_p). Every ray coil -> reflector -> F has
/// the same length 2 f_p - r_c, so the cylindrical wave converges on F. The reflector spans the coil's length and
/// its mouth is the plane z = L.
struct ParaboloidReflector {
    double coil_radius_m = 0, coil_length_m = 0, focal_parameter_m = 0, coil_front_to_focus_m = 0;
    double z_focus_m() const;                  ///< L + coil_front_to_focus
    double reflector_radius_at_m(double z_m) const;
    double aperture_radius_m() const;          ///< reflector radius at the mouth, z = L
    double path_to_focus_m() const;            ///< 2 f_p - r_c, from the coil surface via the reflector to F
};

/// piezo_cap: spherical cap of `element_count` piezoelectric elements fired together, treated as a continuous cap
/// (aperture D, radius of curvature R = focal length), apex at z = 0, focus at z = R.
struct SphericalCap {
    double aperture_m = 0, radius_of_curvature_m = 0;
    int element_count = 0;                     ///< 0 = continuous
    double depth_m() const;                    ///< h = R - sqrt(R^2 - (D/2)^2)
    double half_angle_rad() const;             ///< asin(D / 2R)
    double area_m2() const;                    ///< 2 pi R h
};

/// eswt_head: a small focused cap behind a coupling standoff; the skin-contact plane is at z = coupling_distance.
struct EswtHead {
    SphericalCap cap;
    double coupling_distance_m = 0;            ///< cap apex to the skin-contact plane (standoff tip)
    double focal_depth_m() const;              ///< focus below the contact plane: R - coupling_distance
};

/// ivl_emitter: a cylindrical emitter (radius r_e, length L, centred at z = 0 on the vessel axis) inside a
/// fluid-filled balloon of diameter d; radiates outward, axisymmetric about the vessel axis.
struct CylindricalEmitter {
    double emitter_radius_m = 0, emitter_length_m = 0, balloon_diameter_m = 0;
};

using DeviceGeometry =
    std::variant<EllipsoidalReflector, LensSource, ParaboloidReflector, SphericalCap, EswtHead, CylindricalEmitter>;

/// Typed geometry of the preset (after any overrides), SI.
DeviceGeometry device_geometry(const DevicePreset& preset);

/// Geometric focus on the axis in the device frame (m); empty for ivl_emitter, which does not focus.
std::optional<double> geometric_focus_z_m(const DevicePreset& preset);

/// Source pulse ("when"): the Church (1989) lithotripter pulse 2 e^(-alpha t) cos(omega t + pi/3) (the solver's
/// WaveformType::Lithotripter, peak 1 at its front), time-scaled so that its positive phase lasts positive_phase_s:
/// omega = pi / (6 T+), alpha = 9.1e5 1/s * (1 us / T+). At T+ = 1 us this is Church's pulse (83.3 kHz, 9.1e5 1/s).
/// The front rises over rise_s (raised cosine); 0 lets the solver use its resolution limit.
struct DevicePulse {
    double positive_phase_s = 1e-6;
    double rise_s = 0;
    double church_alpha_per_s() const;
    double church_omega_rad_per_s() const;
};
DevicePulse device_pulse(const DevicePreset& preset);

/// Source pressure amplitude (Pa) at an energy setting (kV for hm3, level otherwise). What the number means differs
/// by device and is stated in preset.source_quantity (hm3: free-field peak pressure of the spark's spherical wave
/// 1 mm from F1, the solver's point-source convention; lens/cap/ESWT: pressure on the (equivalent) cap surface;
/// paraboloid: on the coil surface; IVL: on the emitter surface). Monotone increasing and continuous in the setting;
/// non-integer levels interpolate (for the inverse search), although the machines offer integer levels only.
/// Throws std::invalid_argument, one line naming the device, the setting, the value and the accepted range.
double source_pressure_Pa(const DevicePreset& preset, double setting);
/// The same at the preset's current setting.
double source_pressure_Pa(const DevicePreset& preset);

/// The preset with this name (names are a contract: hm3, em_lens, em_paraboloid, piezo_cap, eswt_head,
/// ivl_emitter). Throws std::invalid_argument naming the unknown device and listing the accepted names.
const DevicePreset& device_preset(const std::string& name);

/// All preset names, in table order.
std::vector<std::string> device_preset_names();

/// The text of `lithosim devices`: every preset with its setting, calibration, derived geometry and each parameter
/// with unit, default, range and source.
std::string describe_devices();

/// A copy of `preset` with parameter values replaced. Each key must be one of the preset's parameters and each value
/// inside its range; the resulting geometry must be consistent (e.g. a cap aperture below twice its radius).
/// Throws std::invalid_argument with one line: the device, the key, the value and the accepted range or keys.
DevicePreset with_overrides(const DevicePreset& preset, const std::map<std::string, double>& overrides);

/// An alternative coupling of a device that moves its focus deeper below the contact plane (a shorter standoff).
struct DeviceStandoff {
    std::string name;                        ///< e.g. "15 mm standoff"
    std::map<std::string, double> overrides; ///< the parameters that set it
    std::string source;
};
/// The device's standoffs, shallowest focus first (the preset's own first); a device without alternatives has one.
std::vector<DeviceStandoff> device_standoffs(const DevicePreset& preset);

}  // namespace lithosim::models
