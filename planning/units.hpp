// Unit conversions and shared conventions of planning/ (SI inside; the units of the reported keys outside).
#pragma once

namespace lithosim::planning::detail {

constexpr double kPi = 3.14159265358979323846;
constexpr double kPa_per_MPa = 1e6;
constexpr double kJ_per_m2_per_mJ_per_mm2 = 1000.0;  // 1 mJ/mm^2 = 1e-3 J / 1e-6 m^2
constexpr double kMm_per_m = 1e3;
constexpr double kMJ_per_J = 1e3;
constexpr double kNs_per_s = 1e9;
/// A sensor series counts as "at the focus" within this many cells of it (rise time, pulse duration, EFD+).
constexpr double kSensorSearchRadiusCells = 1.5;

}  // namespace lithosim::planning::detail
