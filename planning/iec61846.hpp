// Field parameters in the spirit of IEC 61846 ("Ultrasonics - Pressure pulse lithotripters - Characteristics of
// fields"): what a manufacturer declares about a lithotripter's field, read off a simulation's p_max, p_min and EFD
// maps and the pressure waveform at the focus.
//
// The standard's clause-3 wording was not available to us (shared/reference/devices-clinical.md, sections 2 and 7);
// every parameter below is a working definition, written out in full in planning/IEC61846.md together with its
// integration window and units. Pure functions on plain data: nothing here touches solver state.
//
// Inputs are SI (Pa, J/m^2, s, m); IecParameters is in the units of device data sheets (MPa, mm, ns, mJ/mm^2, mJ),
// each named in the field. 1 mJ/mm^2 = 1000 J/m^2.
//
// Map layouts (solver/result.hpp Map3, x fastest):
//  * MapGeometry::cartesian    - a 3D map [nz][ny][nx] with nx, ny > 1 (nz may be 1); the beam axis is the line
//                                x = y = 0, which need not fall on a node.
//  * MapGeometry::axisymmetric - a map [nz][nr] of a field symmetric about the z axis, stored in a Map3 with the
//                                radius in the x slot: nx = nr >= 2, ny = 1, origin_m = (r0, 0, z0),
//                                spacing_m = (dr, 0, dz). Node i sits at r = r0 + i dr with 0 <= r0 < dr (r0 = 0: the
//                                first node is on the axis; r0 = dr/2: a cell-centred grid). Between the axis and r0
//                                the field is taken equal to its value at r0 (the even extension, linearly
//                                interpolated).
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "planning/field_metrics.hpp"
#include "solver/result.hpp"

namespace lithosim::planning {

enum class MapGeometry { cartesian, axisymmetric };

/// Radii of the discs the disc energies integrate over, m. E28mm is a 28 mm DIAMETER disc (Qin et al. 2010, JASA
/// 127:2635, "pulse energy inside a 28 mm diameter area around the axis").
inline constexpr double kDisc5mmRadius_m = 5e-3;
inline constexpr double kDisc12mmRadius_m = 12e-3;
inline constexpr double kDisc28mmDiameterRadius_m = 14e-3;
/// Threshold of the "5 MPa zone" (working definition, see IEC61846.md).
inline constexpr double kFiveMPaZoneThreshold_Pa = 5e6;

// ---- Focal waveform p(t) -------------------------------------------------------------------------------------------
// Common rules: t_s and p_Pa have the same length (else std::invalid_argument); crossings are placed by linear
// interpolation between samples; "the peak" is the global maximum of p (the first one on ties); "the positive phase"
// is the interval around the peak in which p > 0, from the zero crossing before the peak to the first zero crossing
// after it (the same window as field_metrics' positive_phase_duration_s).

/// Pulse duration, s: positive phase at half maximum. Inside the positive phase, the time from the first crossing of
/// p+/2 (upwards) to the last crossing of p+/2 (downwards). For a single-humped compression this is its full width at
/// half maximum; when the compression has several humps, the dips between them are included. Empty if the peak is
/// not positive, or p is still >= p+/2 at either end of the record.
std::optional<double> pulse_duration_s(const std::vector<double>& t_s, const std::vector<float>& p_Pa);

/// Energy flux density of the whole record, J/m^2: (1/(rho c)) * integral of p^2 dt, trapezoid rule (the plane-wave
/// relation I = p^2/(rho c), IEV 802-01-10). Throws std::invalid_argument unless rho, c > 0.
double efd_whole_J_per_m2(const std::vector<double>& t_s, const std::vector<float>& p_Pa, double rho, double c);

/// Energy flux density of the positive phase only, J/m^2: as efd_whole_J_per_m2, integrated from the zero crossing
/// before the peak to the first zero crossing after it (trapezoid rule, p = 0 at the interpolated crossings). Empty if
/// the peak is not positive or the positive phase is not closed within the record. Throws unless rho, c > 0.
std::optional<double> efd_positive_J_per_m2(const std::vector<double>& t_s, const std::vector<float>& p_Pa, double rho,
                                            double c);

// ---- Maps ----------------------------------------------------------------------------------------------------------

/// The plane z = z_m of a map, as a Map3 with nz = 1 and origin_m[2] = z_m: linear interpolation between the two
/// nearest planes (the plane itself when z_m is on a node). Throws std::invalid_argument if z_m lies outside the
/// map's z range (by more than 1e-6 of a cell; for nz = 1, by more than 1 nm) or the map is empty.
Map3 plane_at_z(const Map3& map, double z_m);

/// Energy through the disc of radius r_disc_m around the beam axis (x = y = 0, or r = 0), J: the integral of the
/// EFD over the disc, in a plane map (nz = 1, e.g. from plane_at_z) of EFD in J/m^2.
///  * cartesian: each node carries the value of its cell [x - dx/2, x + dx/2] x [y - dy/2, y + dy/2] (clipped to the
///    map), weighted by the exact area of the cell inside the circle; second order in the spacing.
///  * axisymmetric: EFD linear in r between nodes, integrated exactly against 2 pi r dr; second order in dr.
/// Empty if the disc reaches beyond the map (the energy outside it would be unknown). Throws std::invalid_argument
/// on a map that does not fit the geometry (see the layouts above), nz != 1, or r_disc_m < 0.
std::optional<double> E_disc_J(const Map3& efd_plane_J_per_m2, double r_disc_m, MapGeometry geometry);

/// Energy through the whole plane map, J: the same quadrature as E_disc_J over the map's full extent (the trapezoid
/// rule in Cartesian maps). It is the whole beam only if the beam is inside the map.
double plane_energy_J(const Map3& efd_plane_J_per_m2, MapGeometry geometry);

/// Extents of a zone around the focus.
struct ZoneExtent {
    FocalZone size_mm;              ///< full extents along x, y, z, mm (axisymmetric: x = y = 2 r_out)
    bool reaches_map_edge = false;  ///< the zone touches the edge of the map (the symmetry axis does not count)
    /// Which faces it touches: [axis][0] the low face, [axis][1] the high face (axis 0 = x or r, 1 = y, 2 = z).
    std::array<std::array<bool, 2>, 3> edge_faces{};
};

/// Extents of the connected zone around the focus (the cell of the largest p_max, first in x-fastest order) in which
/// p_max >= threshold_Pa. Connected means through face neighbours (6 in 3D, 4 in (r, z)). Each extent runs from
/// the lowest to the highest crossing of the threshold over the whole zone (its bounding box), each crossing placed
/// by linear interpolation between the last cell in the zone and its neighbour outside it. Where the zone touches
/// the edge of the map the edge cell is taken and reaches_map_edge is set. Axisymmetric: x = y = 2 r_out, the
/// bounding box of the body of revolution; z as above. Empty if the peak of p_max is below threshold_Pa.
std::optional<ZoneExtent> zone_extent_at_or_above(const Map3& p_max_Pa, double threshold_Pa, MapGeometry geometry);

/// -6 dB focal zone of an axisymmetric p_max map, mm, with the conventions of summarise_field (line profiles through
/// the focus cell, half-maximum crossings interpolated linearly, the edge cell where the profile does not drop below
/// half maximum). z: the axial profile. x = y: the full width of the radial profile across the axis, 2 r_half, when
/// the zone around the focus contains the axis (the lithotripter case); for a focus off the axis whose zone does not
/// reach it, the width of the radial segment r_out - r_in, and y is reported equal to x.
FocalZone axisymmetric_focal_zone_6dB_mm(const Map3& p_max_Pa);

/// The part of a map at z >= z_from_m: where a device's focus is searched, clear of its source (a spark is 60 MPa at
/// 1 mm). The whole map when z_from_m lies before it; its last plane when beyond it.
Map3 crop_from_z(const Map3& map, double z_from_m);

// ---- Everything together -------------------------------------------------------------------------------------------

/// The field parameters of one run (the JSON keys the lead serialises are the field names: a contract).
struct IecParameters {
    double p_plus_MPa = 0;                     ///< largest p_max
    double p_minus_MPa = 0;                    ///< most negative p_min over the -6 dB zone (summarise_field)
    std::array<double, 3> focus_mm{0, 0, 0};  ///< (x, y, z) of the p_max peak; axisymmetric: (r, 0, z)
    std::optional<double> rise_time_ns;        ///< 10 -> 90 % of the focal waveform
    std::optional<double> pulse_duration_ns;   ///< positive phase at half maximum of the focal waveform
    FocalZone focal_zone_6dB_mm;               ///< full -6 dB widths through the focus
    std::optional<FocalZone> focal_zone_5MPa_mm;  ///< empty below 5 MPa or when the zone is cut by the map edge
    /// The faces of the map the -6 dB zone (p_max >= p+/2 around the focus) and the 5 MPa zone reach (ZoneExtent):
    /// a zone cut by the region (the 5 MPa zone is then not reported).
    std::array<std::array<bool, 2>, 3> zone_6dB_edge_faces{}, zone_5MPa_edge_faces{};
    double efd_focus_mJ_per_mm2 = 0;              ///< whole pulse, EFD map at the focus
    std::optional<double> efd_plus_focus_mJ_per_mm2;  ///< positive phase only, from the focal waveform
    std::optional<double> E5mm_mJ;                    ///< disc of 5 mm radius in the focal plane
    std::optional<double> E12mm_mJ;                   ///< disc of 12 mm radius in the focal plane
    double energy_total_mJ = 0;                       ///< the whole focal plane of the map
    std::optional<double> E28mm_disc_mJ;              ///< disc of 28 mm diameter (14 mm radius)
    double focal_plane_z_mm = 0;                      ///< plane of the disc energies
};

/// All parameters of one run. p_max, p_min (Pa) and efd (J/m^2) share one grid (dimensions, origin and spacing) and
/// one geometry (cartesian, or axisymmetric when `axisymmetric`). focal_series_candidates: point series (may be empty); the one nearest the focus, if within 1.5
/// cells of it (axisymmetric: its radius sqrt(x^2 + y^2) against r), gives rise time, pulse duration and the
/// positive-phase EFD. rho, c: the medium at the focus (kg/m^3, m/s), for the waveform EFD. The focal plane is
/// geometric_focus_z_m when given, else the plane of the p_max peak. Throws std::invalid_argument on mismatched or
/// ill-shaped maps, rho or c not positive, or a geometric focus outside the map's z range.
IecParameters iec61846_parameters(const Map3& p_max, const Map3& p_min, const Map3& efd,
                                  const SensorRecord& focal_series_candidates, double rho, double c,
                                  std::optional<double> geometric_focus_z_m, bool axisymmetric);

}  // namespace lithosim::planning
