// Fragmentation of a calcification shock by shock: a size-class population balance with a Weibull break law, damage
// stages (fatigue) and surface erosion. Full derivation, fit, sources and limitations: planning/FRAGMENTATION.md. In
// short (SI units):
//
//   classes      d_k = d_0 2^(-k/3), k = 0..K-1 (each class half the volume of the one above), down to
//                d_min = min(clearance / 4, 0.25 mm); count n_{k,j} is an expected number of fragments of class k
//                at damage stage j = 0..J-1.
//   stress       sigma(d) = kappa(Z) q(d) h(d / w) p+                       (peak tensile stress in the fragment)
//                  h(x)  = (1 - exp(-ln2 x^2)) / (ln2 x^2)  mean of a Gaussian beam of -6 dB width w over the
//                          fragment's cross-section: h p+ is Zhang et al.'s P+(avg)
//                  q(d)  = d / (d + L), L = lambda c_L tau+      a fragment short against the pulse is loaded
//                          quasi-statically and builds less tension (Zhang et al. 2016); tau+ the simulated positive
//                          phase at the target when the load gives one
//                  kappa = 2 Z |Z - Z_0| / (Z + Z_0)^2           transmitted x reflected at the rear face (spall);
//                          Z_0 the tissue or liquid around the target
//   break law    P(d) = 1 - exp(-(1 + |p-| / p_cav) ((sigma - sigma_th) / sigma_0(d))^m) for sigma > sigma_th
//                sigma_th = theta S,  sigma_0(d) = (D - theta) S (d / d_ref)^(-3/m)      (S = tensile strength)
//   fatigue      a fragment not broken advances one damage stage with q(d) = q0 min(1, (1 + |p-| / p_cav)
//                (sigma / sigma_th)^n_f); one more advance at the last stage breaks it (cumulative damage, Erlang
//                time to failure: a load below the threshold breaks a fragment slowly, not never)
//   erosion      each shock removes dV = delta_e (1 + |p-| / p_cav) Int_face ((kappa q p+ g(r) / sigma_th)^2 - 1)+ dA
//                from a fragment's face (g the local beam profile, not the cross-section average): cavitation
//                erosion of the entry face and spall of the far face where the local stress exceeds the threshold,
//                linear in the energy above the threshold's (Granz & Koehler 1992); the eroded volume becomes dust
//                in the smallest class
//   jitter       P, q and dV are averaged over the shot-to-shot spread of p+ (3-point Gauss-Hermite)
//   exposure     E(d) = min(1, ((w + d) / D_cloud)^2), D_cloud = cloud factor x d_0
//   split        a broken fragment gives its volume in equal shares to the next 3 classes (pieces of 1/2, 1/4, 1/8
//                of its volume) at stage 0; the last class keeps what falls below it.
//   one shock    break and fatigue from the pre-shock counts (smallest first), then erosion; every step is linear
//                in the counts and moves fragments only to later entries (ShockPropagator relies on both).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>

#include "planning/fragmentation.hpp"
#include "planning/units.hpp"
#include "core/errors.hpp"

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
    require_input(std::isfinite(load.positive_phase_s) && load.positive_phase_s >= 0,
                  "shock at target: positive phase = ", load.positive_phase_s * 1e6, " us must be finite and >= 0");
    require_input(std::isfinite(load.p_plus_relative_sd) && load.p_plus_relative_sd >= 0 &&
                      load.p_plus_relative_sd < 0.5,
                  "shock at target: shot-to-shot p+ spread = ", load.p_plus_relative_sd, " must be in [0, 0.5)");
}

void check_diameter(double d, const char* who) {
    require_input(std::isfinite(d) && d > 0, who, ": diameter = ", d * kMm_per_m, " mm must be finite and > 0");
}

void check_population(const FragmentPopulation& p, const char* who) {
    require_input(!p.diameter_m.empty() && p.diameter_m.size() == p.count.size(), who, ": population has ",
                  p.diameter_m.size(), " diameters and ", p.count.size(), " counts (need the same number, >= 1)");
    require_input(std::isfinite(p.initial_volume_m3) && p.initial_volume_m3 > 0, who, ": initial volume = ",
                  p.initial_volume_m3, " m^3 must be finite and > 0");
    require_input(p.stages >= 1 && p.stage.size() == p.count.size() && p.count.size() % std::size_t(p.stages) == 0,
                  who, ": population has ", p.stage.size(), " stages for ", p.count.size(), " entries of ", p.stages,
                  " stages per class");
}

/// Below the clearance size: the share of an entry's class (of `classes` classes) that lies below `clearance`.
/// Class 0 is the intact target of exactly its size; every other class spreads over one class width in ln d.
double share_below(std::size_t k, double d, double clearance) {
    if (k == 0) return d < clearance ? 1.0 : 0.0;
    return std::clamp((std::log(clearance) - (std::log(d) - 0.5 * kClassWidthLn)) / kClassWidthLn, 0.0, 1.0);
}

/// 3-point Gauss-Hermite nodes and weights for a standard normal: the mean of f(1 + s x) over x ~ N(0, 1) is exact
/// for polynomials of degree 5 in x.
constexpr double kJitterNode = 1.7320508075688772;   // sqrt(3)
constexpr double kJitterWeights[3] = {1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0};

}  // namespace

double class_volume_m3(double diameter_m) { return kPi / 6.0 * diameter_m * diameter_m * diameter_m; }

double population_volume_m3(const FragmentPopulation& population) {
    double v = 0;
    const std::size_t n = std::min(population.diameter_m.size(), population.count.size());
    for (std::size_t k = 0; k < n; ++k) v += population.count[k] * class_volume_m3(population.diameter_m[k]);
    return v;
}

SizeDistribution size_distribution(const FragmentPopulation& population) {
    SizeDistribution out;
    const std::size_t J = std::size_t(std::max(population.stages, 1));
    for (std::size_t e = 0; e < population.count.size(); ++e) {
        if (e % J == 0) {
            out.diameter_m.push_back(population.diameter_m[e]);
            out.count.push_back(0.0);
        }
        out.count.back() += population.count[e];
    }
    return out;
}

double probability_largest_above(const FragmentPopulation& population, double size_m) {
    require_input(std::isfinite(size_m) && size_m > 0, "largest fragment: size = ", size_m * kMm_per_m,
                  " mm must be > 0");
    const std::size_t J = std::size_t(std::max(population.stages, 1));
    // Class 0 is the one intact target: its count is the probability that it is still whole (not a Poisson mean).
    double intact = 0, expected = 0;
    for (std::size_t e = 0; e < population.count.size(); ++e) {
        const double above = 1.0 - share_below(e / J, population.diameter_m[e], size_m);
        (e < J ? intact : expected) += population.count[e] * above;
    }
    return 1.0 - (1.0 - std::clamp(intact, 0.0, 1.0)) * std::exp(-std::max(expected, 0.0));
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
    require_input(std::isfinite(c.erosion_depth_m) && c.erosion_depth_m >= 0, "fragmentation: erosion depth = ",
                  c.erosion_depth_m, " m must be >= 0");
    require_input(c.damage_stages >= 1 && c.damage_stages <= 8, "fragmentation: damage_stages = ", c.damage_stages,
                  " must be in 1..8");
    require_input(std::isfinite(c.fatigue_exponent) && c.fatigue_exponent > 0, "fragmentation: fatigue exponent = ",
                  c.fatigue_exponent, " must be > 0");
    require_input(std::isfinite(c.fatigue_rate_at_threshold) && c.fatigue_rate_at_threshold >= 0 &&
                      c.fatigue_rate_at_threshold <= 1,
                  "fragmentation: fatigue rate at the threshold = ", c.fatigue_rate_at_threshold, " must be in [0, 1]");
}

FragmentPopulation FragmentationModel::initial(double diameter_m) const {
    check_diameter(diameter_m, "initial target");
    require_input(diameter_m <= kLargestTarget_m, "initial target: diameter = ", diameter_m * kMm_per_m,
                  " mm must be <= ", kLargestTarget_m * kMm_per_m, " mm");
    const double d_min = std::min(options_.clearance_size_m / 4.0, kSmallestClassCap_m);
    // K - 1 class steps of 2^(-1/3) reach d_min or below; at least one class below the target.
    const double steps = std::ceil(3.0 * std::log2(diameter_m / d_min) - 1e-9);
    const std::size_t n_classes = 1 + static_cast<std::size_t>(std::max(1.0, steps));
    const std::size_t J = std::size_t(options_.constants.damage_stages);
    FragmentPopulation p;
    p.stages = int(J);
    p.diameter_m.resize(n_classes * J);
    p.count.assign(n_classes * J, 0.0);
    p.stage.resize(n_classes * J);
    for (std::size_t e = 0; e < n_classes * J; ++e) {
        p.diameter_m[e] = diameter_m * std::exp2(-static_cast<double>(e / J) / 3.0);
        p.stage[e] = int(e % J);
    }
    p.count[0] = 1.0;
    p.initial_volume_m3 = class_volume_m3(diameter_m);
    return p;
}

namespace {

/// The per-material numbers of the stress, break, fatigue and erosion laws, derived once per call from material,
/// options and load; the arguments are checked by the callers.
struct BreakLaw {
    double kappa, length_m, sigma_th_Pa, sigma_0_ref_Pa, m, d_ref_m, cavitation_ref_Pa;
    double erosion_depth_m, fatigue_rate, fatigue_exponent;
    double cavitation = 1, jitter = 0;

    BreakLaw(const StoneMaterial& mat, const FragmentationOptions& o, const ShockAtTarget* load = nullptr) {
        const auto& c = o.constants;
        kappa = spall_factor(mat.rho_kg_per_m3 * mat.c_longitudinal_m_per_s, o.surrounding_impedance_Pa_s_per_m);
        const double tau = load && load->positive_phase_s > 0 ? load->positive_phase_s : o.positive_phase_s;
        length_m = c.pulse_length_ratio * mat.c_longitudinal_m_per_s * tau;
        sigma_th_Pa = c.threshold_ratio * mat.tensile_strength_Pa;
        sigma_0_ref_Pa = (c.dynamic_strength_ratio - c.threshold_ratio) * mat.tensile_strength_Pa;
        m = mat.weibull_modulus;
        d_ref_m = mat.reference_diameter_m;
        cavitation_ref_Pa = c.cavitation_reference_Pa;
        erosion_depth_m = c.erosion_depth_m;
        fatigue_rate = c.fatigue_rate_at_threshold;
        fatigue_exponent = c.fatigue_exponent;
        if (load) {
            cavitation = 1.0 + std::abs(load->p_minus_Pa) / cavitation_ref_Pa;
            jitter = load->p_plus_relative_sd;
        }
    }

    /// sigma per pascal of p+ in a fragment of diameter d with the cross-section factor h already applied by
    /// the caller: kappa q(d).
    double stress_per_Pa_avg(double d) const { return kappa * d / (d + length_m); }

    double stress_Pa(double d, const ShockAtTarget& load) const {
        return stress_per_Pa_avg(d) * cross_section_average(d / load.focal_width_m) * load.p_plus_Pa;
    }

    /// The mean of f(p+ scale) over the shot-to-shot spread of p+ (scale 1 without jitter).
    template <class F>
    double over_jitter(F f) const {
        if (jitter <= 0) return f(1.0);
        double sum = 0;
        for (int i = 0; i < 3; ++i) sum += kJitterWeights[i] * f(std::max(0.0, 1.0 + jitter * kJitterNode * (i - 1)));
        return sum;
    }

    double probability(double d, const ShockAtTarget& load) const {
        const double sigma_1 = stress_Pa(d, load);
        const double sigma_0 = sigma_0_ref_Pa * std::pow(d / d_ref_m, -3.0 / m);
        return over_jitter([&](double scale) {
            const double sigma = scale * sigma_1;
            if (!(sigma > sigma_th_Pa)) return 0.0;
            return -std::expm1(-cavitation * std::pow((sigma - sigma_th_Pa) / sigma_0, m));
        });
    }

    /// Probability of one damage stage per shock: q0 min(1, (1 + |p-| / p_cav) (sigma / sigma_th)^n_f).
    double fatigue(double d, const ShockAtTarget& load) const {
        const double ratio_1 = stress_Pa(d, load) / sigma_th_Pa;
        return over_jitter([&](double scale) {
            return fatigue_rate * std::min(1.0, cavitation * std::pow(scale * ratio_1, fatigue_exponent));
        });
    }

    /// Eroded volume per shock (linear in the energy above the threshold's, Granz & Koehler 1992): delta_e
    /// (1 + |p-| / p_cav) times the integral over the fragment's face (a disc of radius R = d/2 on the axis) of
    /// (a^2 g(r)^2 - 1)+, a = kappa q(d) p+ / sigma_th and g(r) = exp(-b r^2), b = 4 ln2 / w^2:
    /// pi [(a^2 / 2b)(1 - exp(-2b r_m^2)) - r_m^2] with r_m = min(R, sqrt(ln(a) / b)).
    double eroded_volume_m3(double d, const ShockAtTarget& load) const {
        if (!(erosion_depth_m > 0)) return 0.0;
        const double a_1 = stress_per_Pa_avg(d) * load.p_plus_Pa / sigma_th_Pa;
        const double b = 4.0 * kLn2 / (load.focal_width_m * load.focal_width_m);
        const double area = over_jitter([&](double scale) {
            const double a = scale * a_1;
            if (!(a > 1)) return 0.0;
            const double rm2 = std::min(0.25 * d * d, std::log(a) / b);
            return kPi * ((a * a / (2 * b)) * -std::expm1(-2 * b * rm2) - rm2);
        });
        return erosion_depth_m * cavitation * area;
    }
};

}  // namespace

double FragmentationModel::induced_stress_Pa(double diameter_m, const ShockAtTarget& load) const {
    check_diameter(diameter_m, "induced stress");
    check_load(load);
    return BreakLaw(material_, options_, &load).stress_Pa(diameter_m, load);
}

double FragmentationModel::break_probability(double diameter_m, const ShockAtTarget& load) const {
    check_diameter(diameter_m, "break probability");
    check_load(load);
    return BreakLaw(material_, options_, &load).probability(diameter_m, load);
}

double FragmentationModel::fatigue_probability(double diameter_m, const ShockAtTarget& load) const {
    check_diameter(diameter_m, "fatigue probability");
    check_load(load);
    return BreakLaw(material_, options_, &load).fatigue(diameter_m, load);
}

double FragmentationModel::eroded_volume_m3(double diameter_m, const ShockAtTarget& load) const {
    check_diameter(diameter_m, "eroded volume");
    check_load(load);
    return BreakLaw(material_, options_, &load).eroded_volume_m3(diameter_m, load);
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
    const std::size_t J = std::size_t(population.stages);
    const std::size_t K = n / J;
    const std::size_t last = (K - 1) * J;   // the smallest class, stage 0: where dust goes
    const double d0 = population.diameter_m[0];
    check_diameter(d0, "shock");
    const BreakLaw law(material_, options_, &load);
    const int split = options_.constants.split_classes;
    const double share = 1.0 / split;
    auto& count = population.count;
    const auto& diam = population.diameter_m;
    // Per class: exposure, break and stage probabilities, eroded volume (the same for every stage of a class).
    std::vector<double> exposed(K), p_break(K), p_stage(K), eroded(K);
    for (std::size_t k = 0; k + 1 < K; ++k) {
        const double d = diam[k * J];
        exposed[k] = exposure_factor(options_.cloud_diameter_factor, d, d0, load.focal_width_m);
        p_break[k] = law.probability(d, load);
        p_stage[k] = law.fatigue(d, load);
        eroded[k] = law.eroded_volume_m3(d, load);
    }
    // 1. Break and fatigue, from the smallest class up: an entry gives only to later entries (the next stage of its
    //    class, or stage 0 of smaller classes), which have already been updated, so every entry changes from its
    //    pre-shock count. The smallest class has nowhere to go and keeps its fragments.
    for (std::size_t e = last; e-- > 0;) {
        const double c = count[e];
        if (!(c > 0)) continue;
        const std::size_t k = e / J, j = e % J;
        const double hit = c * exposed[k];
        const double direct = hit * p_break[k];
        const double advancing = (hit - direct) * p_stage[k];
        const double broken = direct + (j + 1 == J ? advancing : 0.0);
        if (j + 1 < J) {
            count[e] -= advancing;
            count[e + 1] += advancing;
        }
        if (!(broken > 0)) continue;
        count[e] -= broken;
        const double v = class_volume_m3(diam[e]);
        for (int i = 1; i <= split; ++i) {
            const std::size_t to = std::min(k + std::size_t(i), K - 1) * J;
            count[to] += broken * share * v / class_volume_m3(diam[to]);
        }
    }
    // 2. Erosion, from the smallest class up: the exposed fragments of an entry lose dV each; as a count-and-volume
    //    preserving split, the share dV / (V_k - V_k+1) of them moves to the next class (same stage), and the volume
    //    lost becomes dust in the smallest class.
    double dust_m3 = 0;
    for (std::size_t e = last; e-- > 0;) {
        const double c = count[e];
        const std::size_t k = e / J;
        if (!(c > 0) || !(eroded[k] > 0) || k + 1 >= K) continue;
        const double v = class_volume_m3(diam[e]), v_next = class_volume_m3(diam[(k + 1) * J]);
        const double moved = c * exposed[k] * std::min(1.0, eroded[k] / (v - v_next));
        count[e] -= moved;
        count[e + J] += moved;
        dust_m3 += moved * (v - v_next);
    }
    count[last] += dust_m3 / class_volume_m3(diam[last]);
}

double FragmentationModel::fraction_cleared(const FragmentPopulation& population) const {
    check_population(population, "fraction cleared");
    const std::size_t J = std::size_t(population.stages);
    double cleared = 0;
    for (std::size_t e = 0; e < population.diameter_m.size(); ++e) {
        const double d = population.diameter_m[e];
        cleared += share_below(e / J, d, options_.clearance_size_m) * population.count[e] * class_volume_m3(d);
    }
    return std::clamp(cleared / population.initial_volume_m3, 0.0, 1.0);
}

}  // namespace lithosim::planning
