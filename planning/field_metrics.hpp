// Field metrics a lithotripsy planner reads off a simulation: peak pressures, focus, -6 dB focal zone, energy flux
// density at the focus, and the rise time / positive-phase duration of the focal waveform.
//
// Inputs are SI (Pa, J/m^2, s, m); the summary is in the units a clinician reads in device data sheets (MPa, mm,
// mJ/mm^2, ns), each named in the field. 1 mJ/mm^2 = 1000 J/m^2.
//
// Definitions chosen here (IEC 61846 wording was not available to us; see docs devices-clinical.md section 7):
//  * focus            : centre of the cell holding the largest p_max (first one in x-fastest order on ties).
//  * p_plus_MPa       : that largest p_max.
//  * focal zone       : the 6-connected set of cells around the focus with p_max >= p_plus / 2 (-6.02 dB),
//                       found by flood fill, so a separate side lobe above half maximum is not part of it.
//  * focal_zone_6dB_mm: along each axis, the full width at half maximum of the p_max profile on the grid line
//                       through the focus cell - what a hydrophone scan through the focus along that axis reports.
//                       Walking out from the focus in both directions, each -6 dB crossing is placed by linear
//                       interpolation between the last cell at or above half maximum and the first cell below it.
//                       If the profile is still above half maximum at the edge of the map, the crossing is taken at
//                       the edge cell (the width is then a lower bound). An unused axis (one cell, or spacing 0)
//                       has width 0.
//  * p_minus_MPa      : the most negative p_min over the focal zone (cells, not the line) - what a hydrophone
//                       scanned over the focal region reports as peak negative pressure. It is a negative number
//                       (or the smallest value, if p_min is positive everywhere in the zone).
//  * efd_focus        : the EFD map value at the focus cell, converted to mJ/mm^2.
//  * rise_time_ns, pulse_duration_ns: from the sensor series nearest the focus, when one lies within 1.5 cells of it
//                       (distance measured in cells along each used axis; along an unused axis in units of the
//                       largest used spacing). Otherwise empty. See rise_time_s and positive_phase_duration_s.
#pragma once
#include <array>
#include <optional>
#include <vector>

#include "solver/result.hpp"

namespace lithosim::planning {

/// Full -6 dB widths of the focal zone along x, y and z, mm.
struct FocalZone {
    double x_mm = 0, y_mm = 0, z_mm = 0;
};

struct FieldSummary {
    double p_plus_MPa = 0;
    double p_minus_MPa = 0;
    std::array<double, 3> focus_mm{0, 0, 0};  ///< (x, y, z) of the focus cell, mm
    double efd_focus_mJ_per_mm2 = 0;
    FocalZone focal_zone_6dB_mm;
    std::optional<double> rise_time_ns;
    std::optional<double> pulse_duration_ns;  ///< positive-phase duration at the focus
};

/// Summarise one run. p_max_Pa, p_min_Pa and efd_J_per_m2 must have the same dimensions (the geometry of p_max_Pa
/// is used for all three). sensors may be empty. Throws std::invalid_argument on empty or mismatched maps.
FieldSummary summarise_field(const Map3& p_max_Pa, const Map3& p_min_Pa, const Map3& efd_J_per_m2,
                             const SensorRecord& sensors);

/// 10 % -> 90 % rise time of the leading compression, s. The peak is the global maximum of p; the 90 % and then the
/// 10 % crossings are searched backwards from it along the rising edge just before it, each placed by linear
/// interpolation between samples. Empty if the peak is not positive or the series never falls below 10 % of the
/// peak before it. Throws std::invalid_argument if t and p differ in length.
std::optional<double> rise_time_s(const std::vector<double>& t, const std::vector<float>& p);

/// Positive-phase duration, s: the time between the zero crossing before the global maximum of p and the zero
/// crossing after it (the interval around the peak in which p stays > 0), crossings placed by linear interpolation.
/// Empty if the peak is not positive or p does not return to <= 0 on both sides within the record.
/// Throws std::invalid_argument if t and p differ in length.
std::optional<double> positive_phase_duration_s(const std::vector<double>& t, const std::vector<float>& p);

/// Energy flux density of a plane wave, J/m^2: (1/(rho c)) * integral of p^2 dt, trapezoid rule over the whole
/// record. Used to check the on-the-fly EFD maps. Throws std::invalid_argument if t and p differ in length or
/// rho, c are not positive.
double efd_J_per_m2(const std::vector<double>& t, const std::vector<float>& p, double rho, double c);

}  // namespace lithosim::planning
