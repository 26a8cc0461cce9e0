// Fragmentation of a calcification shock by shock: a size-class population balance with a Weibull break law.
// Full derivation, calibration, sources and limitations: planning/FRAGMENTATION.md. In short (SI units):
//
//   classes      d_k = d_0 2^(-k/3), k = 0..K-1 (each class half the volume of the one above), down to
//                d_min = min(clearance / 4, 0.25 mm); count n_k is an expected number of fragments.
//   stress       sigma(d) = kappa(Z) q(d) h(d / w) p+                       (peak tensile stress in the fragment)
//                  h(x)  = (1 - exp(-ln2 x^2)) / (ln2 x^2)  mean of a Gaussian beam of -6 dB width w over the
//                          fragment's cross-section: h p+ is Zhang et al.'s P+(avg)
//                  q(d)  = d / (d + L), L = lambda c_L tau+      a fragment short against the pulse is loaded
//                          quasi-statically and builds less tension (Zhang et al. 2016)
//                  kappa = 2 Z |Z - Z_0| / (Z + Z_0)^2           transmitted x reflected at the rear face (spall)
//   break law    P(d) = 1 - exp(-(1 + |p-| / p_cav) ((sigma - sigma_th) / sigma_0(d))^m) for sigma > sigma_th
//                sigma_th = theta S,  sigma_0(d) = (D - theta) S (d / d_ref)^(-3/m)      (S = tensile strength)
//   exposure     E(d) = min(1, ((w + d) / D_cloud)^2), D_cloud = cloud factor x d_0
//   split        a broken fragment gives its volume in equal shares to the next J classes (J = 3: halves,
//                quarters, eighths of its volume, 14/3 pieces on average); the last class keeps what falls below it.
//   one shock    n_k -= E_k P_k n_k, and each receiving class gets that volume back as fragments of its size
//                (expected-value update, all classes from the pre-shock counts; volume conserved exactly).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>

#include "planning/fragmentation.hpp"
#include "planning/units.hpp"
#include "solver/errors.hpp"

namespace lithosim::planning {

using namespace detail;

namespace {

constexpr double kLn2 = 0.69314718055994530942;
/// Class width in ln(diameter): the diameter ratio between classes is 2^(1/3) (volume ratio 2).
constexpr double kClassWidthLn = kLn2 / 3.0;
/// The smallest class never lies above this (FRAGMENTATION.md §1).
constexpr double kSmallestClassCap_m = 0.25e-3;
/// Largest initial target accepted (a 10 cm calcification is outside every indication).
constexpr double kLargestTarget_m = 0.1;

/// Mean of p(r) = exp(-4 ln2 r^2 / w^2) (a Gaussian lateral profile of -6 dB full width w) over a centred disc of
/// diameter d, as a function of x = d / w: (1 - exp(-ln2 x^2)) / (ln2 x^2); 1 for x -> 0, 0.72 at x = 1.
double cross_section_average(double d_over_w) {
    const double a = kLn2 * d_over_w * d_over_w;
    if (a < 1e-12) return 1.0;
    return -std::expm1(-a) / a;
}

/// Reflection-weighted transmission factor: fraction of the incident pressure that returns as tension from the
/// rear face of a plate of impedance z in a liquid of impedance z0 (transmitted 2z/(z+z0) times reflected
/// |z-z0|/(z+z0)); 0 for a perfect match, 2 for a rigid stone.
double spall_factor(double z, double z0) { return 2.0 * z * std::abs(z - z0) / ((z + z0) * (z + z0)); }

/// Fraction of the fragments of diameter d hit by a beam of width w when they spread uniformly over a disc of
/// diameter cloud_factor d0 around the beam axis: a fragment is hit when its centre lies within (w + d) / 2 of the
/// axis. 1 for the intact target (d = d0), (w / D_cloud)^2 for small fragments in a wide cloud.
double exposure_factor(double cloud_factor, double d, double d0, double w) {
    const double r = (w + d) / (cloud_factor * d0);
    return std::min(1.0, r * r);
}

void check_load(const ShockAtTarget& load) {
    require_input(std::isfinite(load.p_plus_Pa) && load.p_plus_Pa >= 0, "shock at target: p_plus = ",
                  load.p_plus_Pa / kPa_per_MPa, " MPa must be finite and >= 0");
    require_input(std::isfinite(load.p_minus_Pa) && load.p_minus_Pa <= 0, "shock at target: p_minus = ",
                  load.p_minus_Pa / kPa_per_MPa, " MPa must be finite and <= 0 (a negative pressure)");
    require_input(std::isfinite(load.focal_width_m) && load.focal_width_m > 0, "shock at target: focal_width = ",
                  load.focal_width_m * kMm_per_m, " mm must be finite and > 0");
    require_input(std::isfinite(load.efd_J_per_m2) && load.efd_J_per_m2 >= 0, "shock at target: efd = ",
                  load.efd_J_per_m2 / kJ_per_m2_per_mJ_per_mm2, " mJ/mm^2 must be finite and >= 0");
}

void check_diameter(double d, const char* who) {
    require_input(std::isfinite(d) && d > 0, who, ": diameter = ", d * kMm_per_m, " mm must be finite and > 0");
}

void check_population(const FragmentPopulation& p, const char* who) {
    require_input(!p.diameter_m.empty() && p.diameter_m.size() == p.count.size(), who, ": population has ",
                  p.diameter_m.size(), " diameters and ", p.count.size(), " counts (need the same number, >= 1)");
    require_input(std::isfinite(p.initial_volume_m3) && p.initial_volume_m3 > 0, who, ": initial volume = ",
                  p.initial_volume_m3, " m^3 must be finite and > 0");
}

}  // namespace

double class_volume_m3(double diameter_m) { return kPi / 6.0 * diameter_m * diameter_m * diameter_m; }

double population_volume_m3(const FragmentPopulation& population) {
    double v = 0;
    const std::size_t n = std::min(population.diameter_m.size(), population.count.size());
    for (std::size_t k = 0; k < n; ++k) v += population.count[k] * class_volume_m3(population.diameter_m[k]);
    return v;
}

FragmentationModel::FragmentationModel(StoneMaterial material, FragmentationOptions options)
    : material_(std::move(material)), options_(options) {
    const auto& m = material_;
    require_input(std::isfinite(m.rho_kg_per_m3) && m.rho_kg_per_m3 > 0, "material '", m.name,
                  "': rho = ", m.rho_kg_per_m3, " kg/m^3 must be > 0");
    require_input(std::isfinite(m.c_longitudinal_m_per_s) && m.c_longitudinal_m_per_s > 0, "material '", m.name,
                  "': c_L = ", m.c_longitudinal_m_per_s, " m/s must be > 0");
    require_input(std::isfinite(m.c_shear_m_per_s) && m.c_shear_m_per_s >= 0, "material '", m.name,
                  "': c_T = ", m.c_shear_m_per_s, " m/s must be >= 0");
    require_input(std::isfinite(m.tensile_strength_Pa) && m.tensile_strength_Pa > 0, "material '", m.name,
                  "': tensile strength = ", m.tensile_strength_Pa / kPa_per_MPa, " MPa must be > 0");
    require_input(std::isfinite(m.weibull_modulus) && m.weibull_modulus > 0, "material '", m.name,
                  "': Weibull modulus = ", m.weibull_modulus, " must be > 0");
    require_input(std::isfinite(m.reference_diameter_m) && m.reference_diameter_m > 0, "material '", m.name,
                  "': reference diameter = ", m.reference_diameter_m * kMm_per_m, " mm must be > 0");
    const auto& o = options_;
    require_input(std::isfinite(o.clearance_size_m) && o.clearance_size_m > 0,
                  "fragmentation: clearance_size = ", o.clearance_size_m * kMm_per_m, " mm must be > 0");
    require_input(std::isfinite(o.cloud_diameter_factor) && o.cloud_diameter_factor >= 1,
                  "fragmentation: cloud_diameter_factor = ", o.cloud_diameter_factor,
                  " must be >= 1 (the fragments spread over at least the target's size)");
    require_input(std::isfinite(o.positive_phase_s) && o.positive_phase_s > 0, "fragmentation: positive_phase = ",
                  o.positive_phase_s * 1e6, " us must be > 0");
    require_input(std::isfinite(o.surrounding_impedance_Pa_s_per_m) && o.surrounding_impedance_Pa_s_per_m > 0,
                  "fragmentation: surrounding impedance = ", o.surrounding_impedance_Pa_s_per_m, " Pa s/m must be > 0");
    const auto& c = o.constants;
    require_input(std::isfinite(c.threshold_ratio) && c.threshold_ratio >= 0 && c.threshold_ratio < 1,
                  "fragmentation: threshold_ratio = ", c.threshold_ratio, " must be in [0, 1)");
    require_input(std::isfinite(c.pulse_length_ratio) && c.pulse_length_ratio >= 0,
                  "fragmentation: pulse_length_ratio = ", c.pulse_length_ratio, " must be >= 0");
    require_input(std::isfinite(c.dynamic_strength_ratio) && c.dynamic_strength_ratio > c.threshold_ratio,
                  "fragmentation: dynamic_strength_ratio = ", c.dynamic_strength_ratio,
                  " must be > threshold_ratio = ", c.threshold_ratio);
    require_input(std::isfinite(c.cavitation_reference_Pa) && c.cavitation_reference_Pa > 0,
                  "fragmentation: cavitation_reference = ", c.cavitation_reference_Pa / kPa_per_MPa,
                  " MPa must be > 0");
    require_input(c.split_classes >= 1 && c.split_classes <= 9, "fragmentation: split_classes = ", c.split_classes,
                  " must be in 1..9 (pieces of 1/2 ... 1/512 of the volume)");
}

FragmentPopulation FragmentationModel::initial(double diameter_m) const {
    check_diameter(diameter_m, "initial target");
    require_input(diameter_m <= kLargestTarget_m, "initial target: diameter = ", diameter_m * kMm_per_m,
                  " mm must be <= ", kLargestTarget_m * kMm_per_m, " mm");
    const double d_min = std::min(options_.clearance_size_m / 4.0, kSmallestClassCap_m);
    // K - 1 class steps of 2^(-1/3) reach d_min or below; at least one class below the target.
    const double steps = std::ceil(3.0 * std::log2(diameter_m / d_min) - 1e-9);
    const std::size_t n_classes = 1 + static_cast<std::size_t>(std::max(1.0, steps));
    FragmentPopulation p;
    p.diameter_m.resize(n_classes);
    p.count.assign(n_classes, 0.0);
    for (std::size_t k = 0; k < n_classes; ++k) p.diameter_m[k] = diameter_m * std::exp2(-static_cast<double>(k) / 3.0);
    p.count[0] = 1.0;
    p.initial_volume_m3 = class_volume_m3(diameter_m);
    return p;
}

namespace {

/// The per-material numbers of the stress and break laws, derived once per call from material and options; the
/// arguments are checked by the callers.
struct BreakLaw {
    double kappa, length_m, sigma_th_Pa, sigma_0_ref_Pa, m, d_ref_m, cavitation_ref_Pa;

    BreakLaw(const StoneMaterial& mat, const FragmentationOptions& o) {
        const auto& c = o.constants;
        kappa = spall_factor(mat.rho_kg_per_m3 * mat.c_longitudinal_m_per_s, o.surrounding_impedance_Pa_s_per_m);
        length_m = c.pulse_length_ratio * mat.c_longitudinal_m_per_s * o.positive_phase_s;
        sigma_th_Pa = c.threshold_ratio * mat.tensile_strength_Pa;
        sigma_0_ref_Pa = (c.dynamic_strength_ratio - c.threshold_ratio) * mat.tensile_strength_Pa;
        m = mat.weibull_modulus;
        d_ref_m = mat.reference_diameter_m;
        cavitation_ref_Pa = c.cavitation_reference_Pa;
    }

    /// sigma per pascal of p+ in a fragment of diameter d with the cross-section factor h already applied by
    /// the caller: kappa q(d).
    double stress_per_Pa_avg(double d) const { return kappa * d / (d + length_m); }

    double stress_Pa(double d, const ShockAtTarget& load) const {
        return stress_per_Pa_avg(d) * cross_section_average(d / load.focal_width_m) * load.p_plus_Pa;
    }

    double probability(double d, const ShockAtTarget& load) const {
        const double sigma = stress_Pa(d, load);
        if (!(sigma > sigma_th_Pa)) return 0.0;
        const double sigma_0 = sigma_0_ref_Pa * std::pow(d / d_ref_m, -3.0 / m);
        const double cavitation = 1.0 + std::abs(load.p_minus_Pa) / cavitation_ref_Pa;
        return -std::expm1(-cavitation * std::pow((sigma - sigma_th_Pa) / sigma_0, m));
    }
};

}  // namespace

double FragmentationModel::induced_stress_Pa(double diameter_m, const ShockAtTarget& load) const {
    check_diameter(diameter_m, "induced stress");
    check_load(load);
    return BreakLaw(material_, options_).stress_Pa(diameter_m, load);
}

double FragmentationModel::break_probability(double diameter_m, const ShockAtTarget& load) const {
    check_diameter(diameter_m, "break probability");
    check_load(load);
    return BreakLaw(material_, options_).probability(diameter_m, load);
}

double FragmentationModel::threshold_p_plus_avg_Pa(double diameter_m) const {
    check_diameter(diameter_m, "fragmentation threshold");
    const BreakLaw law(material_, options_);
    const double per_Pa = law.stress_per_Pa_avg(diameter_m);  // sigma is linear in p+
    if (!(per_Pa > 0)) return std::numeric_limits<double>::infinity();
    return law.sigma_th_Pa / per_Pa;
}

double FragmentationModel::threshold_p_plus_Pa(double diameter_m, double focal_width_m) const {
    check_diameter(diameter_m, "fragmentation threshold");
    require_input(std::isfinite(focal_width_m) && focal_width_m > 0, "fragmentation threshold: focal_width = ",
                  focal_width_m * kMm_per_m, " mm must be finite and > 0");
    // p- = -p+/5 does not move the threshold: cavitation scales the hazard above it (FRAGMENTATION.md §2.3).
    return threshold_p_plus_avg_Pa(diameter_m) / cross_section_average(diameter_m / focal_width_m);
}

double FragmentationModel::exposure(double diameter_m, double initial_diameter_m, double focal_width_m) const {
    check_diameter(diameter_m, "exposure");
    check_diameter(initial_diameter_m, "exposure (initial target)");
    require_input(std::isfinite(focal_width_m) && focal_width_m > 0, "exposure: focal_width = ",
                  focal_width_m * kMm_per_m, " mm must be finite and > 0");
    return exposure_factor(options_.cloud_diameter_factor, diameter_m, initial_diameter_m, focal_width_m);
}

void FragmentationModel::shock(FragmentPopulation& population, const ShockAtTarget& load) const {
    check_load(load);
    check_population(population, "shock");
    const std::size_t n = population.diameter_m.size();
    const double d0 = population.diameter_m[0];
    check_diameter(d0, "shock");
    const BreakLaw law(material_, options_);
    const int split = options_.constants.split_classes;
    const double share = 1.0 / split;
    // From the smallest class up: a class gives only to smaller ones, which have already broken this shock, so every
    // class breaks from its pre-shock count. The last class has nowhere to go and keeps its fragments.
    for (std::size_t kk = n - 1; kk-- > 0;) {
        const double count = population.count[kk];
        if (!(count > 0)) continue;
        const double d = population.diameter_m[kk];
        const double p = law.probability(d, load);
        if (p <= 0) continue;
        const double broken =
            count * p * exposure_factor(options_.cloud_diameter_factor, d, d0, load.focal_width_m);
        population.count[kk] -= broken;
        const double v = class_volume_m3(d);
        for (int j = 1; j <= split; ++j) {
            const std::size_t to = std::min(kk + static_cast<std::size_t>(j), n - 1);
            population.count[to] += broken * share * v / class_volume_m3(population.diameter_m[to]);
        }
    }
}

double FragmentationModel::fraction_cleared(const FragmentPopulation& population) const {
    check_population(population, "fraction cleared");
    const double ln_clear = std::log(options_.clearance_size_m);
    double cleared = 0;
    for (std::size_t k = 0; k < population.diameter_m.size(); ++k) {
        const double d = population.diameter_m[k];
        double below;
        if (k == 0) {
            below = d < options_.clearance_size_m ? 1.0 : 0.0;  // the intact target has exactly this size
        } else {
            // Fragments of class k spread over one class width in ln d around d_k: the part below the clearance.
            below = std::clamp((ln_clear - (std::log(d) - 0.5 * kClassWidthLn)) / kClassWidthLn, 0.0, 1.0);
        }
        cleared += below * population.count[k] * class_volume_m3(d);
    }
    return std::clamp(cleared / population.initial_volume_m3, 0.0, 1.0);
}

}  // namespace lithosim::planning
