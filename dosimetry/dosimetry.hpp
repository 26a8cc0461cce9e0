// The dosimetry of a run, shared by `lithosim simulate` (on the fresh result) and `lithosim dosimetry` (on a result
// file): the field summary of the foundation issue plus the IEC 61846 field parameters (planning/iec61846.hpp, working
// definitions in planning/IEC61846.md), as summary.json keys and as the /dosimetry group of result.h5.
//
// Keys (units in the names; null where a quantity is not available; (c) = contract):
//
// | key                        | type           | meaning                                                          |
// |----------------------------|----------------|------------------------------------------------------------------|
// | p_plus_MPa                 | number | null  | largest p_max                                                (c) |
// | p_minus_MPa                | number | null  | most negative p_min over the -6 dB focal zone                (c) |
// | focus_mm                   | [x,y,z] | null | position of the largest p_max (axisymmetric: [r, 0, z])      (c) |
// | efd_focus_mJ_per_mm2       | number | null  | EFD map at the focus, whole pulse                            (c) |
// | focal_zone_6dB_mm          | {x,y,z} | null | full -6 dB widths of p_max through the focus                 (c) |
// | rise_time_ns               | number | null  | 10 % -> 90 % rise of the focal waveform                      (c) |
// | pulse_duration_ns          | number | null  | positive phase at half maximum of the focal waveform         (c) |
// | focal_zone_5MPa_mm         | {x,y,z} | null | extents of the connected zone p_max >= 5 MPa around the focus (c) |
// | efd_plus_focus_mJ_per_mm2  | number | null  | EFD of the positive phase of the focal waveform              (c) |
// | E5mm_mJ, E12mm_mJ          | number | null  | EFD integrated over discs of 5 / 12 mm radius, focal plane   (c) |
// | energy_total_mJ            | number | null  | EFD integrated over the whole focal plane of the map         (c) |
// | E28mm_disc_mJ              | number | null  | EFD integrated over a 28 mm diameter disc, focal plane       (c) |
// | focal_plane_z_mm           | number | null  | plane of the disc energies: the geometric focus, else the   |
// |                            |                | plane of the p_max peak                                      (c) |
// | positive_phase_duration_ns | number | null  | zero crossing to zero crossing around the focal peak             |
//
// Where the definitions meet (decisions, so that the foundation keys keep their meaning):
//  * p_plus, p_minus, focus, efd_focus and rise_time are the foundation's values (planning::summarise_field); the
//    IEC module computes them with the same definitions.
//  * focal_zone_6dB_mm: the foundation's definition (full extents through the focus). In axisymmetric runs the line
//    profile through the focus starts on the axis, so the full width across the axis, 2 r_half, is taken from the
//    IEC module (planning::axisymmetric_focal_zone_6dB_mm); in Cartesian runs both are the same numbers.
//  * pulse_duration_ns: the foundation summary held the positive-phase duration under this name (not a contract key
//    there). Issue 3 makes pulse_duration_ns a contract key, "positive phase at half maximum", so the key now has
//    that meaning; the earlier value moved to positive_phase_duration_ns.
//  * The IEC map parameters (focal_zone_5MPa_mm, E5mm_mJ, E12mm_mJ, E28mm_disc_mJ, energy_total_mJ,
//    focal_plane_z_mm) need a 3D or axisymmetric run: in 1D and 2D runs there are no discs and they are null. The
//    waveform parameters (pulse_duration_ns, efd_plus_focus_mJ_per_mm2) need a series within 1.5 cells of the
//    focus, in every geometry. Energies need the efd map.
//  * rho and c of the waveform EFD are those of the medium at the focus node.
//  * A geometric focus outside the map: the disc energies use the plane of the p_max peak, with a warning.
#pragma once
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case_spec.hpp"
#include "io/result_file.hpp"
#include "planning/field_metrics.hpp"
#include "planning/iec61846.hpp"
#include "solver/result.hpp"
#include "solver/spec.hpp"

namespace lithosim {

/// What the dosimetry needs beside the maps and series.
struct DosimetryInputs {
    bool axisymmetric = false;
    /// The medium at a position (m); rho and c at the focus give the waveform EFD. Required.
    std::function<MaterialProps(const std::array<double, 3>& x_m)> medium_at;
    /// Plane of the disc energies: the source's geometric focus, or a plane the user chose.
    std::optional<double> focal_plane_z_m;
    /// true: a focal plane outside the map is bad input (InputError); false: a warning, and the p_max plane is used.
    bool focal_plane_is_user_input = false;
    /// The focus (and everything measured around it) is searched only in z >= this plane: a device's front, so that
    /// the source's own near field (a spark's 60 MPa at 1 mm, a cap's surface pressure) is not taken for the focus.
    /// The disc energies still use the whole focal plane. Empty: the whole map.
    std::optional<double> search_from_z_m;
};

/// Dosimetry of a run, with what it could not compute.
struct Dosimetry {
    std::optional<planning::FieldSummary> field;  ///< empty without a p_max map
    bool has_p_minus = false;                     ///< p_min map present
    bool has_efd = false;                         ///< efd map present
    std::optional<planning::IecParameters> iec;   ///< 3D or axisymmetric maps with a positive peak
    bool axisymmetric = false;
    /// The series nearest the focus (one point), if one lies within 1.5 cells of it.
    std::optional<SensorRecord> focal_series;
    std::optional<double> pulse_duration_ns;          ///< positive phase at half maximum (IEC working definition)
    std::optional<double> efd_plus_focus_mJ_per_mm2;  ///< positive phase only
    std::optional<double> rho_focus_kg_per_m3, c_focus_m_per_s;  ///< the medium at the focus
    /// The travel time of a wave across one cell at the focus, dx / c: a simulated shock front spans one to a few
    /// cells, so a rise time of up to kRiseTimeGridLimitedCells of these is the grid's, not the field's (physical
    /// shocks in water rise in a few ns).
    std::optional<double> grid_cell_travel_ns;
};

/// A rise time up to this many cell travel times is reported as limited by the grid (an assumption: the ESWT head
/// example rises in 1.7 cells at dx = 0.1 mm and 2.1 cells at 0.05 mm, a steepened front held at the grid's scale).
inline constexpr double kRiseTimeGridLimitedCells = 5.0;

/// The user's sensor points and the extra series of the result (the beam-axis series of a run, or the stored focal
/// series of a result file) as one record, so the series nearest the focus is found among all of them.
SensorRecord all_series(const SimulationResult& r);

/// The note after a rise time: how many cell travel times (dx / c) it spans and whether that is the grid's limit
/// (kRiseTimeGridLimitedCells); "" when either is missing. The summary, the report and the figure use it.
std::string rise_time_note(const nlohmann::json& rise_time_ns, const nlohmann::json& grid_cell_travel_ns);

/// Summarise the maps and the series at the focus. Appends a warning for every quantity that cannot be computed
/// (not for the IEC map parameters of 1D and 2D runs, which do not exist there; see the table above).
Dosimetry compute_dosimetry(const SimulationResult& result, const DosimetryInputs& inputs,
                            std::vector<std::string>& warnings);

/// The sensor planes of a run ([sensor] planes_z_mm) as summary.json's "planes": one object per plane with
/// z_mm, p_plus_axis_MPa and p_minus_axis_MPa (on the beam axis), p_plus_max_MPa and p_minus_min_MPa (over the
/// plane), width_6dB_mm (full width of p_max at half its axis value, across the axis; null where the axis is not a
/// node or the profile does not drop to half), efd_axis_mJ_per_mm2, efd_plus_axis_mJ_per_mm2 (positive samples
/// only), E5mm_mJ, E12mm_mJ, E28mm_disc_mJ (null where the disc leaves the plane) and energy_total_mJ.
nlohmann::json planes_json(const std::vector<PlaneRecord>& planes, bool axisymmetric);

/// The dosimetry keys of the table above.
nlohmann::json dosimetry_json(const Dosimetry& d);

/// The /dosimetry group of result.h5: every parameter of io::h5::dosimetry_parameters that is not null.
std::vector<io::DosimetryValue> dosimetry_values(const Dosimetry& d);

/// The dosimetry as a few lines of text ("dosimetry summary" and one line per quantity).
std::string dosimetry_text(const Dosimetry& d);

/// The dosimetry of a case's fresh result, as `lithosim simulate` computes it (the command line and the Python module
/// share it): the medium of the case at the focus, its geometric focus plane and, for a device, the plane beyond which
/// the focus is searched. Appends its warnings.
Dosimetry case_dosimetry(const PreparedCase& p, const SimulationResult& result, std::vector<std::string>& warnings);

}  // namespace lithosim
