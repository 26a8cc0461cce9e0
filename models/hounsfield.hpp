// Hounsfield units to acoustic properties, continuous laws (issue 4 §2.2), as collected with their sources in
// shared/reference/physics-numerics.md §6:
//  * density: Schneider, Pedroni & Lomax (1996), Phys Med Biol 41:111, the four-part piecewise-linear fit of k-Wave's
//    hounsfield2density.m, on the scale H = HU + 1000 (clamped below at kMinDensity, since the fit turns negative
//    in air);
//  * soft-tissue sound speed from density: Mast (2000), ARLO 1(2):37, c = (rho + 349) / 0.893 (soft tissue only:
//    meaningless for bone and stones);
//  * bone (and calcification) sound speed from density: the line through (1000 kg/m^3, 1500 m/s) and
//    (2200 kg/m^3, 3100 m/s) that k-Wave's skull2medium.m attributes to Aubry et al. (2003), c = 1.3333 rho + 166.67.
// SI in and out: HU (dimensionless), kg/m^3, m/s.
#pragma once

namespace lithosim::models {

/// Lowest density the HU fit returns, kg/m^3 (air, 1.2 at 20 degC; the fit itself is -5.7 at -1000 HU).
inline constexpr double kMinDensity_kg_per_m3 = 1.2;

/// Density from HU, Schneider 1996 (k-Wave fit), clamped below at kMinDensity_kg_per_m3.
double hounsfield_to_density_kg_per_m3(double HU);

/// Soft-tissue sound speed from density, Mast 2000: (rho + 349) / 0.893, m/s.
double soft_tissue_sound_speed_m_per_s(double rho_kg_per_m3);

/// Bone and calcification sound speed from density, the Aubry 2003 line of k-Wave's skull2medium: 1.3333 rho +
/// 166.67, m/s.
double bone_sound_speed_m_per_s(double rho_kg_per_m3);

}  // namespace lithosim::models
