// Fragmentation of a calcification or stone, shock by shock (issue 5 §3): a documented physical-statistical model.
// The API below is the contract between the fragmentation model (planning/fragmentation.cpp, planning/materials.cpp)
// and the session scheduler / success model (planning/schedule, planning/success); the model itself, its equations,
// calibration and sources are documented in planning/FRAGMENTATION.md and at the top of fragmentation.cpp.
//
// SI inside: m, Pa, J/m^2.
#pragma once
#include <string>
#include <vector>

#include "planning/fitted_parameters.hpp"

namespace lithosim::planning {

/// A target material with the properties the model uses, each with its source (or "assumption:").
struct StoneMaterial {
    std::string name;                 ///< stable id: hydroxyapatite_dense, hydroxyapatite_translucent, cholesterol,
                                      ///< pigment, vascular_calcium, begostone
    std::string description;
    double rho_kg_per_m3 = 0;
    double c_longitudinal_m_per_s = 0;
    double c_shear_m_per_s = 0;
    double tensile_strength_Pa = 0;   ///< characteristic (Weibull scale) strength at the reference volume
    double weibull_modulus = 0;       ///< m of the flaw distribution
    double reference_diameter_m = 0;  ///< size at which tensile_strength_Pa holds (Weibull size effect)
    std::string source;
};

/// The material with this name; throws lithosim::InputError naming it and the accepted names.
const StoneMaterial& stone_material(const std::string& name);
std::vector<std::string> stone_material_names();

/// A copy of the material with its strength (tensile_strength_Pa) multiplied by factor (> 0): Monte Carlo over the
/// material's strength. Throws InputError for a factor that is not finite and positive.
StoneMaterial with_strength_factor(StoneMaterial material, double factor);

/// What one shock delivers at the target (after motion averaging).
struct ShockAtTarget {
    double p_plus_Pa = 0;        ///< peak positive pressure incident on the target
    double p_minus_Pa = 0;       ///< peak negative pressure (negative number)
    double efd_J_per_m2 = 0;     ///< energy flux density
    double focal_width_m = 0;    ///< -6 dB focal width of the field at the target (lateral)
    /// Duration of the compressive (positive) phase of the pulse at the target, from the simulated waveform; 0: the
    /// model's FragmentationOptions::positive_phase_s.
    double positive_phase_s = 0;
    /// Shot-to-shot spread of p+ (standard deviation / mean) of the device; the break law averages over it.
    double p_plus_relative_sd = 0;
};

/// The target as a population of fragments in size classes. Class k has diameter diameter_m[k] (decreasing with k,
/// from the initial diameter down past the clearance size) and holds count[k] fragments (an expected number, not
/// necessarily whole).
///
/// Fatigue: every fragment also carries a damage stage j = 0..J-1 (FragmentationConstants::damage_stages). The
/// population is stored as entries (class k, stage j) at index k J + j: diameter_m[e] is the class diameter (repeated
/// for the J stages of a class), stage[e] the stage. With J = 1 there is one entry per class.
struct FragmentPopulation {
    std::vector<double> diameter_m;
    std::vector<double> count;
    std::vector<int> stage;          ///< damage stage of each entry (0 = undamaged)
    int stages = 1;                  ///< J
    double initial_volume_m3 = 0;
};

/// The population summed over the damage stages: one entry per size class (for reports and plan.h5).
struct SizeDistribution {
    std::vector<double> diameter_m, count;
};
SizeDistribution size_distribution(const FragmentPopulation& population);

/// Probability that at least one fragment at or above `size_m` is left: 1 - (1 - n_0) exp(-N), n_0 the probability
/// that the target is still intact (class 0, when it is at or above the size) and N the expected number of fragments
/// at or above it (counts as independent, Poisson); a class straddling the size counts with the part of its width
/// above it.
double probability_largest_above(const FragmentPopulation& population, double size_m);

/// Volume of a sphere of this diameter (the volume of one fragment of a class).
double class_volume_m3(double diameter_m);

/// Total volume of the fragments of a population (conserved by FragmentationModel::shock).
double population_volume_m3(const FragmentPopulation& population);

/// Constants of the model (planning/FRAGMENTATION.md §2, §5). The fitted ones come from planning/fitted_parameters.cpp
/// (written by validation/fit_parameters, FRAGMENTATION.md §5): threshold_ratio and pulse_length_ratio from the
/// fragmentation thresholds of Zhang et al. 2016, dynamic_strength_ratio and erosion_depth_m from the comminution of
/// Qin et al. 2010; the others are assumptions. Changing one voids that fit (tests/planning: [fragmentation]).
struct FragmentationConstants {
    double threshold_ratio = fitted_parameters().fragmentation.threshold_ratio;       ///< theta (fitted)
    double pulse_length_ratio = fitted_parameters().fragmentation.pulse_length_ratio; ///< lambda (fitted)
    double dynamic_strength_ratio = fitted_parameters().fragmentation.dynamic_strength_ratio;  ///< D (fitted)
    /// delta_e: depth eroded from a fragment's face per shock per unit of local excess stress (fitted)
    double erosion_depth_m = fitted_parameters().fragmentation.erosion_depth_m;
    double cavitation_reference_Pa = 10e6;    ///< p_cav: hazard x (1 + |p-| / p_cav) (assumption)
    int split_classes = 3;                    ///< a broken fragment spreads its volume over the next 3 classes
    int damage_stages = 3;                    ///< J: fatigue stages before a fragment breaks (assumption)
    /// q0: probability per shock of one damage stage at the threshold stress (assumption: J / q0 = 300 shocks to
    /// fatigue failure at the threshold)
    double fatigue_rate_at_threshold = 0.01;
    double fatigue_exponent = 4;              ///< n_f: stage probability q0 min(1, (sigma / sigma_th)^n_f) (assumption)
};

struct FragmentationOptions {
    /// Fragments smaller than this count as cleared (passed, dissolved, resorbed): per indication.
    double clearance_size_m = 2e-3;
    /// Diameter of the cloud the fragments spread over, as a multiple of the initial diameter (exposure): 1 keeps
    /// the fragments together (a kidney calyx, a holder of the stone's size), larger where they scatter
    /// (gallbladder; 1.5 for the 15 mm holder of Qin et al. 2010 around a 10 mm stone).
    double cloud_diameter_factor = 1.0;
    /// Duration of the positive phase at the target (sets the pulse's length in the stone, c_L tau+).
    /// Source: about 1 us for an HM3-type pulse (reference devices-clinical.md, A6).
    double positive_phase_s = 1e-6;
    /// Acoustic impedance of the liquid around the fragments. Default: water at 20 degC, 998 kg/m^3 x 1482.5 m/s
    /// (reference physics-numerics.md, water row).
    double surrounding_impedance_Pa_s_per_m = 998.0 * 1482.5;
    FragmentationConstants constants;
};

class FragmentationModel {
public:
    FragmentationModel(StoneMaterial material, FragmentationOptions options);

    /// One intact, undamaged target of this diameter (equivalent sphere), all its volume in the top class, stage 0.
    FragmentPopulation initial(double diameter_m) const;

    /// Applies one shock to the population (expected-value update, FRAGMENTATION.md §2-§4): the fragments in the
    /// beam break with their break probability, or advance a damage stage (a fragment at the last stage breaks),
    /// and lose the volume the shock erodes from them; broken and eroded volume moves to smaller classes.
    void shock(FragmentPopulation& population, const ShockAtTarget& load) const;

    /// Volume fraction of the initial target that lies in fragments below the clearance size (0..1).
    double fraction_cleared(const FragmentPopulation& population) const;

    /// Probability that one shock breaks a fragment of this diameter.
    double break_probability(double diameter_m, const ShockAtTarget& load) const;

    /// The lowest p+ (with p- = -p+/5, the usual lithotripter ratio, and this focal width) at which a fragment of
    /// this diameter can break at all: the fragmentation threshold (0 below it).
    double threshold_p_plus_Pa(double diameter_m, double focal_width_m) const;

    /// The lowest cross-section-averaged p+ (Zhang et al.'s P+(avg)) at which a fragment of this diameter can
    /// break: threshold_p_plus_Pa without the focal-width factor.
    double threshold_p_plus_avg_Pa(double diameter_m) const;

    /// Peak tensile stress one shock induces in a fragment of this diameter lying in the beam (the sigma of the
    /// Weibull law, FRAGMENTATION.md §2).
    double induced_stress_Pa(double diameter_m, const ShockAtTarget& load) const;

    /// Fraction of the fragments of this diameter that lie in the beam when the cloud has spread around a target of
    /// initial_diameter_m (1 for the intact target).
    double exposure(double diameter_m, double initial_diameter_m, double focal_width_m) const;

    /// Probability that one shock advances a fragment of this diameter by one damage stage (fatigue, §2.4).
    double fatigue_probability(double diameter_m, const ShockAtTarget& load) const;

    /// Volume one shock erodes from a fragment of this diameter lying in the beam (§2.5), m^3.
    double eroded_volume_m3(double diameter_m, const ShockAtTarget& load) const;

    const StoneMaterial& material() const { return material_; }
    const FragmentationOptions& options() const { return options_; }

private:
    StoneMaterial material_;
    FragmentationOptions options_;
};

}  // namespace lithosim::planning
