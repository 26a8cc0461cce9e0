// Success model: planning/PLANNER.md §3 gives the equations, the derivation of the slope, the reference dose model
// and the calibration. Sources:
//   P1553825 stone-free at 10 months 80 % (solitary <= 20 mm) vs 28 % (solitary 2-3 cm or multiple), after 95 %
//            disintegration (shared/reference/devices-clinical.md §3.2)
//   PACLAB   Boston University PACLab, HM3-type focal waveform: p+ about 40 MPa, compressive spike about 1 us,
//            tensile tail > 3 us, p- about 10 MPa (devices-clinical.md §1.1)
//   PEREZ13  Duolith SD1 at its highest setting: p+ 42.3 MPa, p- 9.9 MPa (devices-clinical.md A8)
//   ESCH10   Esch et al. 2010, Urol Res: BegoStone wet tensile strength 3.2-7.1 MPa across mixes (§6)
//   PERL03   Perlick et al. 2003: shoulder deposit resorption 37.5 % at 0.23 vs 55 % at 0.42 mJ/mm^2 (§3.1)
#include "planning/success.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <random>

#include "planning/units.hpp"
#include "solver/errors.hpp"

namespace lithosim::planning {
namespace {

using detail::kJ_per_m2_per_mJ_per_mm2;

// b1: ln-diameter slope from P1553825 with the gallbladder ceiling 0.9 (PLANNER.md §3.2):
// (logit(0.80/0.90) - logit(0.28/0.90)) / ln(25 mm / 15 mm) = (2.079 + 0.795) / 0.511 = 5.6.
constexpr double kSlope = 5.6;
constexpr double kImpedance = 1.48e6;   // water at 20 degC, Pa s/m
constexpr double kPlusToMinus = 4.0;    // PACLAB 40 / 10 MPa (PEREZ13: 42.3 / 9.9 = 4.3)
constexpr std::uint64_t kCalibrationSeed = 20240501;
constexpr int kCalibrationSamples = 200;

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// ln(s / d_res) for a result.
double residual_x(double fraction_cleared, double diameter_m, double clearance_m) {
    const double left = std::max(1.0 - fraction_cleared, 1e-12);
    return std::log(clearance_m / (diameter_m * std::cbrt(left)));
}

double efd_z(double efd_J_per_m2, double reference_J_per_m2) {
    if (!(reference_J_per_m2 > 0)) return 0.0;
    return std::log(std::max(efd_J_per_m2, 1e-12 * reference_J_per_m2) / reference_J_per_m2);
}

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * (v.size() - 1);
    const std::size_t i = static_cast<std::size_t>(std::floor(pos));
    const std::size_t j = std::min(i + 1, v.size() - 1);
    return v[i] + (pos - i) * (v[j] - v[i]);
}

struct Sample {
    double x = 0;     ///< ln(s / d_res)
    double efd = 0;   ///< plateau EFD at the target, J/m^2
};

/// One Monte Carlo sample per draw: the plan's rules replayed with a sampled strength and positioning.
std::vector<Sample> draw_samples(const ScheduleRequest& request, const Schedule& schedule, const SuccessOptions& o) {
    const Protocol& p = request.protocol;
    const FragmentationModel base = request.fragmentation ? *request.fragmentation : fragmentation_model(p);
    const double sd = o.positioning_sd_m.value_or(p.motion_sd_m);
    require_input(std::isfinite(sd) && sd >= 0, "positioning SD ", sd, " m must be >= 0");
    require_input(std::isfinite(o.strength_log_sd) && o.strength_log_sd >= 0, "strength_log_sd ", o.strength_log_sd,
                  " must be >= 0");
    std::mt19937_64 rng(o.seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<Sample> out;
    out.reserve(o.samples);
    std::vector<double> offsets(std::max(schedule.max_sessions, 1));
    for (int i = 0; i < o.samples; ++i) {
        const double factor = std::exp(o.strength_log_sd * normal(rng));
        for (double& off : offsets) off = sd * normal(rng);
        const FragmentationModel model(with_strength_factor(base.material(), factor), base.options());
        const ReplayResult r = replay_schedule(schedule, p, model, request.dose, offsets);
        out.push_back({residual_x(r.fraction_cleared, schedule.target_diameter_m, schedule.clearance_size_m),
                       r.mean_plateau_efd_target_J_per_m2});
    }
    return out;
}

double probability(const Protocol& p, double b0, const Sample& s, double efd_reference) {
    return p.success_ceiling * logistic(b0 + kSlope * s.x + p.success_efd_slope * efd_z(s.efd, efd_reference));
}

double mean_efd_target(const Schedule& plan) {
    double sum = 0;
    for (const auto& s : plan.sessions) sum += s.efd_target_J_per_m2;
    return plan.sessions.empty() ? 0.0 : sum / plan.sessions.size();
}

SuccessCalibration calibrate_on(const ScheduleRequest& req, const Schedule& plan, double rate, const SuccessOptions& o) {
    const Protocol& p = req.protocol;
    require_input(rate > 0 && rate < p.success_ceiling, p.indication, ": reference rate ", rate,
                  " must be above 0 and below the ceiling ", p.success_ceiling);
    const std::vector<Sample> samples = draw_samples(req, plan, o);
    require_input(!samples.empty(), "calibration needs Monte Carlo samples (got 0)");
    SuccessCalibration c;
    c.efd_reference_J_per_m2 = mean_efd_target(plan);
    // The mean P rises monotonically with b0, from 0 to the ceiling: bisection.
    const auto mean_p = [&](double b0) {
        double sum = 0;
        for (const Sample& s : samples) sum += probability(p, b0, s, c.efd_reference_J_per_m2);
        return sum / samples.size();
    };
    double lo = -200, hi = 200;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (mean_p(mid) < rate ? lo : hi) = mid;
    }
    c.intercept = 0.5 * (lo + hi);
    return c;
}

SuccessCalibration calibrate(const std::string& indication) {
    const Protocol& p = protocol(indication);
    const ScheduleRequest req = standard_request(p, p.typical_target_diameter_m);
    const Schedule plan = schedule_sessions(req);
    SuccessOptions o;
    o.samples = kCalibrationSamples;
    o.seed = kCalibrationSeed;
    return calibrate_on(req, plan, p.reference_success_rate, o);
}

}  // namespace

double success_slope() { return kSlope; }

SuccessCalibration calibrate_success(const ScheduleRequest& request, const Schedule& schedule, double reference_rate,
                                     const SuccessOptions& options) {
    return calibrate_on(request, schedule, reference_rate, options);
}

double success_probability(const Protocol& p, double intercept, double fraction_cleared, double target_diameter_m,
                           double clearance_size_m, double efd_ratio) {
    require_input(std::isfinite(efd_ratio) && efd_ratio > 0, "EFD ratio ", efd_ratio, " must be > 0");
    return p.success_ceiling * logistic(intercept +
                                        kSlope * residual_x(fraction_cleared, target_diameter_m, clearance_size_m) +
                                        p.success_efd_slope * std::log(efd_ratio));
}

SuccessCalibration success_calibration(const std::string& indication) {
    protocol(indication);   // InputError for an unknown one, before the lock
    static std::mutex mutex;
    static std::map<std::string, SuccessCalibration> cache;
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = cache.find(indication);
    if (it != cache.end()) return it->second;
    const SuccessCalibration c = calibrate(indication);
    cache.emplace(indication, c);
    return c;
}

SuccessEstimate predict_success(const ScheduleRequest& request, const Schedule& schedule,
                                const SuccessOptions& options) {
    require_input(options.samples >= 0, "Monte Carlo samples = ", options.samples, " must be >= 0");
    const Protocol& p = request.protocol;
    const SuccessCalibration cal = options.calibration ? *options.calibration : success_calibration(p.indication);
    SuccessEstimate e;
    e.indication = p.indication;
    e.endpoint = p.endpoint;
    e.samples = options.samples;
    e.seed = options.seed;
    e.slope = kSlope;
    e.intercept = cal.intercept;
    e.efd_slope = p.success_efd_slope;
    e.efd_reference_J_per_m2 = cal.efd_reference_J_per_m2;
    e.fraction_cleared = schedule.final_fraction_cleared();
    e.efd_target_J_per_m2 = mean_efd_target(schedule);
    const double d0 = schedule.target_diameter_m, s = schedule.clearance_size_m;
    e.residual_diameter_m = d0 * std::cbrt(std::max(1.0 - e.fraction_cleared, 0.0));
    if (!schedule.sessions.empty()) {
        const FragmentPopulation& pop = schedule.sessions.back().population_after;
        for (std::size_t k = 0; k < pop.diameter_m.size(); ++k)
            if (pop.diameter_m[k] >= s) e.fragments_above_clearance += pop.count[k];
    } else {
        e.fragments_above_clearance = 1;
    }
    e.probability_nominal =
        probability(p, cal.intercept, {residual_x(e.fraction_cleared, d0, s), e.efd_target_J_per_m2},
                    cal.efd_reference_J_per_m2);
    if (options.samples == 0 || schedule.sessions.empty()) {
        e.probability = e.ci95_low = e.ci95_high = e.probability_nominal;
        return e;
    }
    std::vector<double> probs;
    for (const Sample& sample : draw_samples(request, schedule, options))
        probs.push_back(probability(p, cal.intercept, sample, cal.efd_reference_J_per_m2));
    double sum = 0;
    for (double v : probs) sum += v;
    e.probability = sum / probs.size();
    e.ci95_low = percentile(probs, 0.025);
    e.ci95_high = percentile(probs, 0.975);
    return e;
}

DoseModel reference_dose_model(const Protocol& p, double target_diameter_m, double lateral_offset_m,
                               double extra_loss_dB) {
    require_input(std::isfinite(extra_loss_dB) && extra_loss_dB >= 0, "extra window loss ", extra_loss_dB,
                  " dB must be >= 0");
    require_input(std::isfinite(target_diameter_m) && target_diameter_m > 0, "target diameter ", target_diameter_m,
                  " m must be > 0");
    require_input(p.reference_tau_eff_s > 0 && p.reference_focal_width_m > 0, p.indication,
                  ": the protocol has no reference pulse or focal width");
    DoseModel m;
    m.setting_min = kEfdOverrideMin_J_per_m2 / kJ_per_m2_per_mJ_per_mm2;
    m.setting_max = kEfdOverrideMax_J_per_m2 / kJ_per_m2_per_mJ_per_mm2;
    m.setting_step = 0;
    m.free_field_efd_J_per_m2 = [](double setting) { return setting * kJ_per_m2_per_mJ_per_mm2; };
    const double loss_dB = p.typical_window_loss_dB + extra_loss_dB;
    const double width = p.reference_focal_width_m, sd = p.motion_sd_m, tau = p.reference_tau_eff_s;
    const double radius = 0.5 * target_diameter_m;
    m.dose = [=](double setting, double offset_m) {
        const double efd_ff = setting * kJ_per_m2_per_mJ_per_mm2;
        const double p_ff = std::sqrt(efd_ff * kImpedance / tau);
        const double off = lateral_offset_m + offset_m;
        DoseAtSetting d;
        d.at_target.p_plus_Pa = p_ff * std::pow(10.0, -loss_dB / 20) * gaussian_motion_factor(width, sd, off, radius);
        d.at_target.p_minus_Pa = -d.at_target.p_plus_Pa / kPlusToMinus;
        d.at_target.efd_J_per_m2 =
            efd_ff * std::pow(10.0, -loss_dB / 10) * gaussian_motion_factor(width / std::sqrt(2.0), sd, off, radius);
        d.at_target.focal_width_m = width;
        return d;
    };
    return m;
}

ScheduleRequest standard_request(const Protocol& p, double target_diameter_m) {
    ScheduleRequest r;
    r.protocol = p;
    r.target_diameter_m = target_diameter_m;
    r.dose = reference_dose_model(p, target_diameter_m);
    return r;
}

std::vector<CalibrationRow> success_calibration_table() {
    std::vector<CalibrationRow> rows;
    for (const std::string& name : indication_names()) {
        const Protocol& p = protocol(name);
        const ScheduleRequest req = standard_request(p, p.typical_target_diameter_m);
        const Schedule plan = schedule_sessions(req);
        SuccessOptions o;
        o.samples = kCalibrationSamples;
        o.seed = kCalibrationSeed;
        const SuccessEstimate e = predict_success(req, plan, o);
        CalibrationRow row;
        row.indication = name;
        row.endpoint = p.endpoint;
        row.reference_rate = p.reference_success_rate;
        row.predicted_rate = e.probability;
        row.ci95_low = e.ci95_low;
        row.ci95_high = e.ci95_high;
        row.typical_target_diameter_m = p.typical_target_diameter_m;
        row.fraction_cleared = e.fraction_cleared;
        row.intercept = e.intercept;
        row.sessions = static_cast<int>(plan.sessions.size());
        row.shocks = plan.total_shocks();
        rows.push_back(row);
    }
    return rows;
}

}  // namespace lithosim::planning
