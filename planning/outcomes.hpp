// The predicted outcomes of a plan (issue 13 §1-§3; planning/OUTCOMES.md): each indication's endpoints, from the
// dose the plan delivers through the fitted outcome models (planning/outcome_models.hpp, coefficients in
// planning/fitted_parameters.cpp), with 95 % intervals that carry the model's own uncertainty.
//
//   tendon       resorption_3mo, resorption_6mo (radiographic, complete or partial), clinical_success_6mo (primary):
//                from the EFD at the deposit per shock, the shocks, the deposit's size and Gaertner type
//   gallbladder  stone_free_6mo, stone_free_12mo (primary): fragmentation (every fragment below 5 mm after the last
//                session, the fragmentation model shock by shock) -> clearance with bile acids
//   bile_duct    duct_clearance (primary): fragmentation below the extraction size -> endoscopic extraction
//   vascular     calcium_fracture -> procedural_success (primary): the fracture dose in IVL-pulse equivalents
//
// Uncertainty: a Monte Carlo with, per sample, the outcome models' coefficients drawn from their fitted covariance
// and a between-study shift (tau), the fitted stone strength's own uncertainty and the between-patient spread of
// strength, a systematic dose factor (grid error, tissue properties), an aiming offset per session, the device's
// shot-to-shot spread (inside the fragmentation model); each sample replays the plan's rules. The estimate is the
// mean over the samples, the interval their 2.5 and 97.5 percentiles; probability_without_treatment is the same
// model with no shocks (the same coefficient draws). Two std::mt19937_64 streams seeded from the seed: one for the
// delivery (strength, dose, aim), one for the model (coefficients, shift, stress exponent), so plans of one patient
// compared with one seed share the model's draws and differ by their dose, not by Monte Carlo noise.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "planning/schedule.hpp"

namespace lithosim::planning {

/// What the outcome models need of the patient and the target beyond the dose.
struct PatientFactors {
    int gaertner_type = 2;            ///< tendon: 1 (dense, sharp), 2, 3 (cloudy, transparent)
    int stones = 1;                   ///< gallbladder and bile duct: number of stones of the target's size
    bool bile_acid = true;            ///< gallbladder: adjuvant bile-acid therapy
    bool gallbladder_impaired = false;   ///< gallbladder: ejection fraction <= 60 % (Pauletzki 1994)
    bool calcified = false;           ///< gallbladder: CT density >= 84 HU (EJGH 2005)
    double plaque_arc_deg = 180;      ///< vascular: calcium arc around the lumen
    double plaque_thickness_mm = 1.0; ///< vascular: calcium thickness
    double lesion_length_mm = 16;     ///< vascular: calcified lesion length
    double ring_radius_mm = 3.25;     ///< vascular: the calcium ring's radius (the femoral phantom's 6.5 mm lumen)
    bool intravascular = false;       ///< vascular: the device is the IVL emitter (its field is the reference)
};

struct OutcomeOptions {
    int samples = 200;
    std::uint64_t seed = 1;
    /// SD of ln(strength) between patients (PLANNER.md §3.4).
    double strength_log_sd = 0.2;
    /// SD of ln(p+ at the target) of the dose model: the simulation's grid error and the tissue's property ranges
    /// (OUTCOMES.md §3; the planner adds its grid check in quadrature).
    double dose_log_sd = 0.1;
    /// SD of the aiming offset per session; empty: the protocol's positioning_sd_m.
    std::optional<double> positioning_sd_m;
    /// Called after each Monte Carlo sample with (done, total); empty: not called. For a progress line.
    std::function<void(int, int)> progress;
};

struct OutcomeEstimate {
    std::string name;                 ///< contract names (issue 13 §1)
    double horizon_months = 0;
    double probability = 0;           ///< mean over the Monte Carlo
    double ci95_low = 0, ci95_high = 0;
    double probability_without_treatment = 0;   ///< the same model with no shocks
    double probability_nominal = 0;   ///< mean coefficients, nominal dose, strength and aim
    std::map<std::string, double> covariates;   ///< nominal values the model was evaluated with
    std::string model;                ///< the outcome model and the published sources it was fitted to
    bool primary = false;
};

struct OutcomePrediction {
    std::string indication;
    std::vector<OutcomeEstimate> outcomes;
    /// Per session of the plan (nominal): the probability that a fragment at or above the clearance size is left
    /// (gallbladder 5 mm, bile duct 3 mm, ...), over all stones.
    std::vector<double> p_largest_above_clearance;
    int samples = 0;
    std::uint64_t seed = 0;
    const OutcomeEstimate& primary() const;
    const OutcomeEstimate& at(const std::string& name) const;
};

/// The outcomes of a schedule made from `request` (the same request: its protocol, model and dose model).
OutcomePrediction predict_outcomes(const ScheduleRequest& request, const Schedule& schedule,
                                   const PatientFactors& patient, const OutcomeOptions& options = {});

/// One Monte Carlo sample of what the plan does not know (OUTCOMES.md §3): the patient's stone strength, the dose
/// model's systematic error, the aim in each session, and the outcome models' coefficients and between-study
/// shifts. Tendon: the clinical model's shift is the resorption model's in its own units (u_clin = tau_clin z,
/// u_res = tau_res z, one z per patient; assumption, OUTCOMES.md §3: a deposit that resorbs goes with a shoulder
/// that recovers).
struct OutcomeParticle {
    double strength_factor = 1, dose_factor = 1;
    double fracture_exponent = 2.0;   ///< kFractureStressExponent (below) unless drawn
    std::vector<double> offsets_m;   ///< aiming offset of each session of the course (course-wide, 0-based)
    std::map<std::string, std::vector<double>> theta;   ///< per outcome model: its coefficients
    std::map<std::string, double> shift;                ///< per outcome model: its between-study shift u
};

/// n particles from the prior, drawn from the two streams seeded by options.seed (as predict_outcomes draws
/// them: particles i < n are the same for any n), with protocol.sessions_max offsets each.
std::vector<OutcomeParticle> draw_particles(const Protocol& protocol, const FragmentationModel& base,
                                            const OutcomeOptions& options, int n);
/// The nominal particle: mean coefficients, no shift, strength and dose factors 1, no offsets.
OutcomeParticle nominal_particle(const Protocol& protocol);

/// The particle's fragmentation model (the base model's material with its strength factor) and dose model (the
/// request's, p scaled by its dose factor).
FragmentationModel particle_model(const FragmentationModel& base, const OutcomeParticle& particle);
DoseModel particle_dose(const DoseModel& dose, const OutcomeParticle& particle);

/// What a course did before the sessions of a re-planned schedule, per Monte Carlo sample (planning/follow_up.hpp):
/// the particle, its fragments (one stone) at the first planned session and the shocks it received.
struct CourseSample {
    OutcomeParticle particle;
    FragmentPopulation population;
    std::vector<std::pair<int, ShockAtTarget>> delivered;
};
struct CourseSoFar {
    std::vector<CourseSample> samples;   ///< from the posterior, equally weighted
    CourseSample nominal;
    int first_session = 0;               ///< course-wide 0-based index of the schedule's first session
};
/// The outcomes of a re-planned schedule continuing `so_far` (the schedule may hold no sessions: the course ends).
OutcomePrediction predict_outcomes(const ScheduleRequest& request, const Schedule& schedule,
                                   const PatientFactors& patient, const OutcomeOptions& options,
                                   const CourseSoFar& so_far);

/// One line a clinician reads first: what the course delivers and what the primary outcome's model predicts for it,
/// against the course without treatment and the reference rate; for tendon (and vascular) the goal is the biological
/// response (the fracture), not clearance, and the line says so; for the fragmentation indications it says whether
/// the fragmentation goal is reached and what decides a failure (a piece above the clearance size).
std::string plan_verdict(const Protocol& protocol, const Schedule& schedule, const OutcomePrediction& prediction);

/// The outcome names of an indication, primary first is not implied: in the order of OUTCOMES.md §1.
std::vector<std::string> outcome_names(const std::string& indication);

/// The reference dose model (no simulation; tests and the standard-protocol checks): setting = the device's
/// free-field focal EFD in mJ/mm^2 (0.01 to 0.6); p+ = sqrt(EFD rho c / tau_eff) with the protocol's reference_tau_eff_s,
/// p- = -p+/4, the protocol's reference focal width, positive phase and shot-to-shot spread; in the patient the
/// protocol's typical window loss plus extra_loss_dB, the focal spot averaged over the protocol's breathing motion
/// around the target (of this diameter) displaced by lateral_offset_m plus the sampled offset.
DoseModel reference_dose_model(const Protocol& protocol, double target_diameter_m, double lateral_offset_m = 0,
                               double extra_loss_dB = 0);

/// The standard protocol on a target of this diameter with the reference dose model.
ScheduleRequest standard_request(const Protocol& protocol, double target_diameter_m);

/// The IVL reference pulse (the vascular fracture model's unit: one pulse of the coronary IVL studies the fracture
/// model is fitted to): the ivl_emitter preset's 10 MPa on a 0.5 mm emitter spread cylindrically to the wall of a
/// 3 mm coronary balloon, 10 sqrt(0.5 / 1.5) = 5.8 MPa (models/DEVICES.md, provisional), p- a ninth of it, positive
/// phase 1 us (Shockwave Medical: "approximately one micro-second"), the lesion wholly in the wave.
ShockAtTarget ivl_reference_load();
/// The calcium of the reference: ring radius 1.5 mm (3 mm coronary balloon) and thickness 0.96 mm (Disrupt CAD III
/// OCT substudy, Hill et al. 2020: mean calcium thickness 0.96 mm).
inline constexpr double kIvlReferenceRingRadius_m = 1.5e-3;
inline constexpr double kIvlReferenceThickness_m = 0.96e-3;

/// The IVL pulse at the vessel wall from an emitter of radius r_e with p_source on its surface: cylindrical
/// spreading p = p_source sqrt(r_e / r_wall) (models/DEVICES.md, ivl_emitter), the lesion wholly in the wave.
ShockAtTarget ivl_wall_load(double p_source_Pa, double emitter_radius_m, double wall_radius_m, double positive_phase_s,
                            double p_plus_relative_sd);

/// A gallstone counts as calcified for the clearance model at a CT density of 84 HU or more (the cut of the ten-year
/// piezoelectric series, Eur J Gastroenterol Hepatol 2005 17:629, where clearance fell from 79 % to 45 %).
bool gallstone_calcified(double mean_HU);

/// The exponent of the stress ratio in the fracture dose: the fragmentation model's Weibull modulus (2), an
/// assumption of the transfer; the Monte Carlo draws it from N(2, kFractureStressExponentSd^2) (at least 0.5).
inline constexpr double kFractureStressExponent = 2.0;
inline constexpr double kFractureStressExponentSd = 0.5;

/// The peak tensile stress a pulse puts in calcium of this thickness: intravascular, the hoop stress of a calcium
/// ring under the wall pressure, p r / t (thin ring); extracorporeal, the fragmentation model's stress law
/// (vascular_calcium, the thickness as the size: the transmitted wave's spall at the calcium's far face).
double calcium_stress_Pa(const ShockAtTarget& load, double thickness_m, double ring_radius_m, bool intravascular);

/// The fracture dose of shocks in IVL-pulse equivalents: shocks x (sigma / sigma_ref)^2, sigma_ref the reference IVL
/// pulse's hoop stress in the reference calcium - the assumption under which the intravascular data transfer to an
/// extracorporeal field (OUTCOMES.md §1.4): a pulse's chance to fracture the calcium depends on the stress it puts in
/// it (squared: the fragmentation model's Weibull modulus), whatever made the stress.
double fracture_pulse_equivalents(double shocks, const ShockAtTarget& load, double thickness_m, double ring_radius_m,
                                  bool intravascular, double exponent = kFractureStressExponent);

}  // namespace lithosim::planning
