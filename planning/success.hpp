// Probability of clinical success of a plan (issue 5 §4.3; planning/PLANNER.md §3).
//
// Model: what is left to clear decides the outcome. After the plan, the volume still in pieces above the clearance
// size is that of a sphere of diameter d_res = d0 (1 - F)^(1/3) (d0 the target's diameter, F the fraction cleared).
// With s the clearance size, x = ln(s / d_res), and z = ln(E / E_std) the EFD at the target relative to the
// calibration case's:
//
//     P = P_ceiling * logistic(b0 + b1 x + g z)
//
// P_ceiling is the best rate reported for the endpoint (protocol.success_ceiling); b1 = 5.6 per unit of ln d_res is
// derived from the stone-size effect on stone-free rates after gallbladder lithotripsy (PLANNER.md §3.2) and used for
// every indication; g is the protocol's success_efd_slope (tendon 1.18 from Perlick 2003: the EFD matters beyond the
// fragments; 0 elsewhere); b0 is calibrated per indication so that the standard protocol on the typical target,
// through the reference dose model, gives the reference success rate (85 % tendon, 70 % biliary, 60 % vascular) as
// the mean over the same Monte Carlo that gives the interval. Larger targets, less dose (off-axis, lower EFD, a
// poorer acoustic window) and harder material leave a larger d_res (and a lower E) and so a lower P.
//
// Uncertainty: a Monte Carlo over the material's strength (a log-normal factor) and the positioning of the target
// (an offset per session drawn from the protocol's motion SD, passed to the dose model). Each sample follows the
// plan's rules (replay_schedule: same settings, ramp and limits; a session ends when that sample reaches the goal).
// The 95 % interval is the 2.5 and 97.5 percentiles, the point estimate their mean. std::mt19937_64 with the seed:
// the same seed gives the same numbers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "planning/schedule.hpp"

namespace lithosim::planning {

/// b0 and E_std of the success link (see success_calibration).
struct SuccessCalibration {
    double intercept = 0;
    double efd_reference_J_per_m2 = 0;
};

struct SuccessOptions {
    int samples = 200;
    std::uint64_t seed = 1;
    /// SD of ln(strength factor) (PLANNER.md §3.4: BegoStone wet tensile strength 3.2-7.1 MPa across mixes, Esch et
    /// al. 2010, read as +-2 SD of a log-normal: ln(7.1/3.2)/4 = 0.2).
    double strength_log_sd = 0.2;
    /// SD of the positioning offset per session; empty: the protocol's motion_sd_m.
    std::optional<double> positioning_sd_m;
    /// b0 and E_std to use instead of success_calibration(indication): the planner passes the calibration made on
    /// its own simulated dose for the indication's phantom (app/plan.cpp).
    std::optional<SuccessCalibration> calibration;
};

struct SuccessEstimate {
    std::string indication, endpoint;
    double probability = 0;          ///< mean over the Monte Carlo (the nominal value when samples == 0)
    double probability_nominal = 0;  ///< the plan as scheduled: nominal strength, no positioning error
    double ci95_low = 0, ci95_high = 0;
    int samples = 0;
    std::uint64_t seed = 0;
    double fraction_cleared = 0;            ///< nominal
    double residual_diameter_m = 0;         ///< nominal d_res
    double fragments_above_clearance = 0;   ///< nominal expected number of pieces at or above the clearance size
    double efd_target_J_per_m2 = 0;         ///< nominal plateau EFD at the target (mean over the sessions)
    double intercept = 0, slope = 0;        ///< b0, b1
    double efd_slope = 0, efd_reference_J_per_m2 = 0;   ///< g and E_std
};

/// b1 (PLANNER.md §3.2).
double success_slope();

/// P for a result: the link above, with the indication's ceiling and EFD slope; efd_ratio = E / E_std.
double success_probability(const Protocol& protocol, double intercept, double fraction_cleared,
                           double target_diameter_m, double clearance_size_m, double efd_ratio = 1);

/// The calibration of an indication, made on first use (then cached): b0 such that the standard protocol on the
/// typical target gives the reference rate, and E_std, that case's plateau EFD at the target. Throws InputError for an
/// unknown indication.
SuccessCalibration success_calibration(const std::string& indication);

/// The calibration made on a given case: b0 such that the mean P over the Monte Carlo of `options` (its samples and
/// seed; its own calibration ignored) equals `reference_rate` for this request and schedule, and E_std = the
/// schedule's plateau EFD at the target. Used to calibrate the planner on its own dose for the typical target.
SuccessCalibration calibrate_success(const ScheduleRequest& request, const Schedule& schedule, double reference_rate,
                                     const SuccessOptions& options);

/// The success of a schedule made from `request` (the same request: its protocol, model and dose model).
SuccessEstimate predict_success(const ScheduleRequest& request, const Schedule& schedule,
                                const SuccessOptions& options = {});

/// The reference dose model of the calibration (PLANNER.md §3.3): setting = the device's free-field focal EFD in
/// mJ/mm^2 (0.01 to 0.6); p+ = sqrt(EFD rho c / tau_eff) with the protocol's reference_tau_eff_s, p- = -p+/4, the
/// protocol's reference focal width; in the patient the protocol's typical window loss plus extra_loss_dB, and the
/// Gaussian focal spot averaged over the protocol's motion around the target (of this diameter) displaced by
/// lateral_offset_m plus the sampled offset (gaussian_motion_factor). No organs at risk.
DoseModel reference_dose_model(const Protocol& protocol, double target_diameter_m, double lateral_offset_m = 0,
                               double extra_loss_dB = 0);

/// The standard protocol on a target of this diameter with the reference dose model: the calibration case when the
/// diameter is the protocol's typical one.
ScheduleRequest standard_request(const Protocol& protocol, double target_diameter_m);

/// One row per indication: the calibration case and what the model predicts for it (lithosim validate).
struct CalibrationRow {
    std::string indication, endpoint;
    double reference_rate = 0, predicted_rate = 0, ci95_low = 0, ci95_high = 0;
    double typical_target_diameter_m = 0, fraction_cleared = 0, intercept = 0;
    int sessions = 0, shocks = 0;
};
std::vector<CalibrationRow> success_calibration_table();

}  // namespace lithosim::planning
