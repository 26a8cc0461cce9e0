#include "models/hounsfield.hpp"

#include <algorithm>

namespace lithosim::models {

double hounsfield_to_density_kg_per_m3(double HU) {
    // Schneider et al. 1996 as fitted in k-Wave's hounsfield2density.m, on H = HU + 1000.
    const double H = HU + 1000.0;
    double rho = 0;
    if (H < 930) rho = 1.025793065681423 * H - 5.680404011488714;
    else if (H <= 1098) rho = 0.9082709691264 * H + 103.6151457847139;
    else if (H < 1260) rho = 0.5108369316599 * H + 539.9977189228704;
    else rho = 0.6625370912451 * H + 348.8555178455294;
    return std::max(rho, kMinDensity_kg_per_m3);
}

double soft_tissue_sound_speed_m_per_s(double rho_kg_per_m3) { return (rho_kg_per_m3 + 349.0) / 0.893; }

double bone_sound_speed_m_per_s(double rho_kg_per_m3) { return 1.3333 * rho_kg_per_m3 + 166.67; }

}  // namespace lithosim::models
