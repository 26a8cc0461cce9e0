// Acoustic tissue and material presets for the FDTD medium, and exact fits for water.
//
// Units (SI, except where the field name says otherwise, following the k-Wave convention for absorption):
//   rho_kg_per_m3        density, kg/m^3
//   c_m_per_s            small-signal sound speed, m/s
//   alpha_dB_per_cm_MHz  power-law prefactor alpha0 in alpha(f) = alpha0 * f_MHz^y, dB/(cm MHz^y)
//   alpha_power          exponent y of that power law
//   BonA                 nonlinearity parameter B/A (dimensionless); beta = 1 + B/(2A)
//
// Every preset carries its sources; models/README.md holds the same table with the assumptions spelled out.
#pragma once
#include <string>
#include <vector>

namespace lithosim::models {

struct TissueProperties {
    std::string name;
    double rho_kg_per_m3 = 0;
    double c_m_per_s = 0;
    double alpha_dB_per_cm_MHz = 0;  ///< alpha0 in dB/(cm MHz^y)
    double alpha_power = 0;          ///< y
    double BonA = 0;
    std::string source;              ///< where each number comes from; "assumption:" marks a chosen value
};

/// The preset with this name. Names (a stable contract): water, blood, fat, muscle, soft_tissue, tendon, liver, bile,
/// skin, bone_cortical, bone_trabecular, calcification, gallstone.
/// Throws std::invalid_argument naming the unknown preset and listing the accepted names.
const TissueProperties& tissue_preset(const std::string& name);

/// All preset names, in table order.
std::vector<std::string> tissue_preset_names();

/// Sound speed of distilled water, m/s. Marczak (1997), JASA 102:2776, 5th-order polynomial, valid 0-95 degC
/// (coefficients as in k-Wave waterSoundSpeed.m). Throws std::invalid_argument outside 0-95 degC.
double water_sound_speed(double T_celsius);

/// B/A of distilled water. Polynomial fit (k-Wave waterNonlinearity.m) to Beyer (1960) data, valid 0-100 degC.
/// Throws std::invalid_argument outside 0-100 degC.
double water_BonA(double T_celsius);

/// Density of air-free water at atmospheric pressure, kg/m^3. Kell (1975), J. Chem. Eng. Data 20(1):97, rational
/// polynomial, valid 0-150 degC. Throws std::invalid_argument outside 0-150 degC.
double water_density(double T_celsius);

}  // namespace lithosim::models
