// The fits of validation/parameter_fit.hpp. Every constant below that is not fitted is an assumption stated in
// planning/OUTCOMES.md or planning/FRAGMENTATION.md; the data rows carry their own sources.
#include "validation/parameter_fit.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <ostream>
#include <random>
#include <sstream>

#include "planning/protocol.hpp"
#include "planning/schedule.hpp"
#include "planning/units.hpp"
#include "core/errors.hpp"

namespace lithosim::validation {

using planning::FittedFragmentation;
using planning::FittedOutcomeModel;
using planning::FittedStrength;
using planning::OutcomeCovariates;
using planning::OutcomeEquation;
using planning::outcome_equation;

namespace {

constexpr double kMm = 1e-3, kMPa = 1e6, kUs = 1e-6;

// Between-patient spreads of the clinical series (assumptions, FRAGMENTATION.md §5.3): stone diameter log-SD 0.25
// ("25 %"), strength log-SD 0.2 (PLANNER.md §3.4: BegoStone's wet strength 3.2-7.1 MPa across mixes read as +-2 SD).
constexpr double kSizeLogSd = 0.25;
constexpr double kStrengthLogSd = 0.2;
constexpr std::uint64_t kSeed = 20261207;

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (char ch : line) {
        if (ch == '"') {
            quoted = !quoted;
        } else if (ch == ',' && !quoted) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    out.push_back(cur);
    return out;
}

double to_number(const std::string& text, const std::string& what) {
    try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    throw InputError(fmt(what, ": '", text, "' is not a number"));
}

double logit(double p) { return std::log(p / (1 - p)); }
double clamp_p(double p) { return std::clamp(p, 1e-9, 1 - 1e-9); }

std::string row_name(const DataRow& r) { return r.study + " / " + r.group; }

/// Minimises f on [a, b] by golden-section search (f unimodal there); returns the argument.
double golden_minimum(const std::function<double(double)>& f, double a, double b, double tol) {
    const double g = 0.5 * (std::sqrt(5.0) - 1.0);
    double c = b - g * (b - a), d = a + g * (b - a), fc = f(c), fd = f(d);
    while (b - a > tol) {
        if (fc < fd) {
            b = d, d = c, fd = fc, c = b - g * (b - a), fc = f(c);
        } else {
            a = c, c = d, fc = fd, d = a + g * (b - a), fd = f(d);
        }
    }
    return 0.5 * (a + b);
}

/// Field of a clinical series (the `field` key of a sessions row): p+, -6 dB width, p-, positive phase, shot-to-shot
/// spread of p+.
struct Field {
    double p_plus_Pa, width_m, p_minus_Pa, positive_phase_s, jitter;
};
Field clinical_field(const std::string& name, const std::string& row) {
    // hm3: Qin et al. 2010 (20 kV: 49 MPa, 11 mm), PACLab (p- about -10 MPa, compressive spike about 1 us), Li et al.
    // 2017 (HM-3 shot-to-shot SD of p+ 4.7 MPa: 4.7 / 49 = 0.096); shared/reference/devices-clinical.md §1.1.
    if (name == "hm3") return {49 * kMPa, 11 * kMm, -10 * kMPa, 1.0 * kUs, 4.7 / 49.0};
    // lithostar: 700 bar as published (PMC1373945); width 6 mm, p- -10 MPa, positive phase 0.5 us and spread 0.05
    // are assumptions (electromagnetic machines 4-6.5 mm, devices-clinical.md §1.2).
    if (name == "lithostar") return {70 * kMPa, 6 * kMm, -10 * kMPa, 0.5 * kUs, 0.05};
    throw InputError(fmt(row, ": field '", name, "' is unknown; accepted: hm3, lithostar"));
}

const char* indication_of_material(const std::string& material) {
    if (material == "cholesterol") return "gallbladder";
    if (material == "pigment") return "bile_duct";
    throw InputError("sessions rows take material cholesterol or pigment, not '" + material + "'");
}

}  // namespace

double DataRow::number(const std::string& key) const {
    const auto it = parameters.find(key);
    if (it == parameters.end()) throw InputError(fmt(row_name(*this), ": no '", key, "'"));
    return to_number(it->second, row_name(*this) + " " + key);
}

std::vector<DataRow> parse_groups(const std::string& csv_text, const std::string& origin) {
    std::vector<DataRow> rows;
    std::istringstream in(csv_text);
    std::string line;
    bool header = false;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        if (!header) {
            header = true;
            continue;
        }
        const auto f = split_csv_line(line);
        require_input(f.size() == 8, origin, " line ", line_no, ": ", f.size(), " fields, 8 expected");
        DataRow r;
        r.model = f[0], r.role = f[1], r.study = f[2], r.group = f[3];
        r.n = to_number(f[4], fmt(origin, " line ", line_no, " n"));
        r.events = to_number(f[5], fmt(origin, " line ", line_no, " events"));
        std::istringstream kv(f[6]);
        std::string item;
        while (std::getline(kv, item, ';')) {
            if (item.empty()) continue;
            const auto eq = item.find('=');
            require_input(eq != std::string::npos, origin, " line ", line_no, ": '", item, "' is not key=value");
            r.parameters[item.substr(0, eq)] = item.substr(eq + 1);
        }
        r.source = f[7];
        require_input(r.role == "fit" || r.role == "check" || r.role == "gaussian", origin, " line ", line_no,
                      ": role '", r.role, "'; accepted: fit, check, gaussian");
        require_input(r.n == 0 || (r.events >= 0 && r.events <= r.n), origin, " line ", line_no, ": events ",
                      r.events, " of ", r.n);
        rows.push_back(std::move(r));
    }
    return rows;
}

std::string data_hash() {
    std::uint64_t h = 1469598103934665603ull;
    for (const std::string* text : {&outcome_groups_csv(), &fragmentation_groups_csv()})
        for (unsigned char ch : *text) h = (h ^ ch) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::pair<double, double> wilson_interval(double events, double n) {
    if (!(n > 0)) return {0, 1};
    const double z = 1.959964, p = events / n, z2n = z * z / n;
    const double centre = (p + z2n / 2) / (1 + z2n);
    const double half = z * std::sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

// ---------------------------------------------------------------------------------------------------------------
// Fragmentation

SessionsPrediction predict_sessions(const DataRow& row, const planning::StoneMaterial& material,
                                    const planning::FragmentationConstants& constants, int patients) {
    const std::string name = row_name(row);
    const planning::Protocol& p = planning::protocol(indication_of_material(material.name));
    const Field field = clinical_field(row.parameters.count("field") ? row.parameters.at("field") : "hm3", name);
    const int sessions = int(row.number("sessions"));
    const int shocks = int(row.number("shocks"));
    const double stone = row.number("stone_mm") * kMm;
    const double loss_dB = row.number("window_dB");
    const double motion = row.number("motion_mm") * kMm;
    planning::FragmentationOptions o;
    o.clearance_size_m = row.number("clearance_mm") * kMm;
    o.cloud_diameter_factor = row.number("cloud");
    o.constants = constants;
    std::mt19937_64 rng(kSeed);
    std::normal_distribution<double> normal(0.0, 1.0);
    SessionsPrediction out;
    out.fragmented_after.assign(sessions, 0.0);
    const planning::RampRule ramp;
    for (int i = 0; i < patients; ++i) {
        const double d = stone * std::exp(kSizeLogSd * normal(rng));
        const planning::FragmentationModel model(
            planning::with_strength_factor(material, std::exp(kStrengthLogSd * normal(rng))), o);
        planning::FragmentPopulation pop = model.initial(d);
        for (int s = 0; s < sessions; ++s) {
            if (s > 0) pop = planning::between_sessions(pop, p, p.interval_days_default);
            const double offset = p.positioning_sd_m * normal(rng);
            const double f_p = planning::gaussian_motion_factor(field.width_m, motion, offset, 0.5 * d) *
                               std::pow(10.0, -loss_dB / 20);
            planning::ShockAtTarget load;
            load.focal_width_m = field.width_m;
            load.positive_phase_s = field.positive_phase_s;
            load.p_plus_relative_sd = field.jitter;
            // The planner's ramp (steps at a quarter, half and three quarters of the EFD, i.e. sqrt of those
            // pressures), then the plateau for the rest of the session.
            int left = shocks;
            std::vector<std::pair<double, int>> steps;   // (pressure scale, shocks)
            for (double fr : ramp.efd_fractions) {
                const int n = std::min(ramp.shocks_per_step, left);
                steps.push_back({std::sqrt(fr), n});
                left -= n;
            }
            steps.push_back({1.0, left});
            for (const auto& [scale, n] : steps) {
                if (n <= 0) continue;
                load.p_plus_Pa = field.p_plus_Pa * f_p * scale;
                load.p_minus_Pa = field.p_minus_Pa * f_p * scale;
                load.efd_J_per_m2 = 0;
                const planning::ShockPropagator prop(model, pop, load);
                prop.advance(pop, n, 2.0);
            }
            out.fragmented_after[s] += 1.0 - planning::probability_largest_above(pop, o.clearance_size_m);
        }
    }
    for (double& f : out.fragmented_after) f /= patients;
    out.mean_sessions = 1;
    for (int s = 0; s + 1 < sessions; ++s) out.mean_sessions += 1.0 - out.fragmented_after[s];
    return out;
}

namespace {

/// Negative log-likelihood of a material's sessions rows at strength S, and the Pearson chi^2 terms.
struct SessionsFit {
    double nll = 0, chi2 = 0;
    int groups = 0;
};
SessionsFit sessions_likelihood(const std::vector<DataRow>& rows, const planning::StoneMaterial& material,
                                const planning::FragmentationConstants& c) {
    SessionsFit f;
    for (const DataRow& r : rows) {
        const SessionsPrediction pr = predict_sessions(r, material, c);
        if (r.has("mean")) {
            const double z = (pr.mean_sessions - r.number("mean")) / r.number("se");
            f.nll += 0.5 * z * z;
            f.chi2 += z * z;
        } else {
            const double p = clamp_p(pr.fragmented_after.at(std::size_t(r.number("after_sessions")) - 1));
            f.nll -= r.events * std::log(p) + (r.n - r.events) * std::log(1 - p);
            f.chi2 += (r.events - r.n * p) * (r.events - r.n * p) / (r.n * p * (1 - p));
        }
        ++f.groups;
    }
    return f;
}

double qin_comminution(const DataRow& r, const planning::FragmentationConstants& c) {
    planning::FragmentationOptions o;
    o.clearance_size_m = 2 * kMm;   // FRAGMENTATION.md §5: the sieve (assumption)
    o.cloud_diameter_factor = r.number("cloud");
    o.constants = c;
    const planning::FragmentationModel m(planning::stone_material("begostone"), o);
    planning::ShockAtTarget s;
    s.p_plus_Pa = r.number("p_plus_MPa") * kMPa;
    s.p_minus_Pa = r.number("p_minus_MPa") * kMPa;
    s.focal_width_m = r.number("width_mm") * kMm;
    auto pop = m.initial(10 * kMm);
    const planning::ShockPropagator prop(m, pop, s);
    prop.advance(pop, int(r.number("shocks")), 2.0);
    return 100 * m.fraction_cleared(pop);
}

const DataRow& find_row(const std::vector<DataRow>& rows, const std::string& kind, const std::string& role,
                        const std::string& group_part) {
    for (const auto& r : rows)
        if (r.model == kind && r.role == role && r.group.find(group_part) != std::string::npos) return r;
    throw std::logic_error("fragmentation_groups.csv has no " + kind + " " + role + " row '" + group_part + "'");
}

}  // namespace

FragmentationFit fit_fragmentation(std::ostream* report) {
    const std::vector<DataRow> rows = parse_groups(fragmentation_groups_csv(), "fragmentation_groups.csv");
    FragmentationFit fit;
    planning::FragmentationConstants c;   // the assumptions (cavitation, split, stages, fatigue) at their defaults
    // 1. theta, lambda: P_th(d) = C (1 + L / d) by least squares on Zhang's thresholds (linear in C and C L).
    {
        Eigen::MatrixXd a(0, 2);
        Eigen::VectorXd y(0);
        for (const auto& r : rows) {
            if (r.model != "threshold" || r.role != "fit") continue;
            a.conservativeResize(a.rows() + 1, 2);
            y.conservativeResize(y.size() + 1);
            a(a.rows() - 1, 0) = 1.0;
            a(a.rows() - 1, 1) = 1.0 / (r.number("stone_mm") * kMm);
            y(y.size() - 1) = r.number("p_avg_MPa") * kMPa;
        }
        const Eigen::Vector2d x = a.colPivHouseholderQr().solve(y);
        const double C = x(0), L = x(1) / x(0);
        const planning::StoneMaterial& bego = planning::stone_material("begostone");
        const planning::FragmentationOptions defaults;
        const double z = bego.rho_kg_per_m3 * bego.c_longitudinal_m_per_s, z0 = defaults.surrounding_impedance_Pa_s_per_m;
        const double kappa = 2.0 * z * std::abs(z - z0) / ((z + z0) * (z + z0));
        c.threshold_ratio = kappa * C / bego.tensile_strength_Pa;
        c.pulse_length_ratio = L / (bego.c_longitudinal_m_per_s * defaults.positive_phase_s);
        if (report)
            *report << fmt("fragmentation: Zhang thresholds -> C = ", C / kMPa, " MPa, L = ", L / kMm,
                           " mm: theta = ", c.threshold_ratio, ", lambda = ", c.pulse_length_ratio, "\n");
    }
    // 2. D and the erosion depth: least squares over Qin's comminution results (the three fields in the 15 mm mesh
    //    holder and two in the 30 mm membrane holder, percent points): D by golden-section search for each erosion
    //    depth, the erosion depth by golden-section search on its logarithm (1 nm to 10 um), and 0 if that is better.
    std::vector<const DataRow*> qin;
    for (const auto& r : rows)
        if (r.model == "comminution" && r.role == "fit") qin.push_back(&r);
    const auto sse = [&](const planning::FragmentationConstants& k) {
        double e = 0;
        for (const DataRow* r : qin) {
            const double d = qin_comminution(*r, k) - r->number("percent");
            e += d * d;
        }
        return e;
    };
    const auto best_d = [&](double erosion) {
        planning::FragmentationConstants k = c;
        k.erosion_depth_m = erosion;
        const auto f = [&](double dsr) {
            planning::FragmentationConstants t = k;
            t.dynamic_strength_ratio = dsr;
            return sse(t);
        };
        k.dynamic_strength_ratio = golden_minimum(f, c.threshold_ratio + 0.05, 30.0, 1e-4);
        return k;
    };
    {
        const auto at_log = [&](double ln_e) { return sse(best_d(std::exp(ln_e))); };
        const double ln_e = golden_minimum(at_log, std::log(1e-9), std::log(1e-5), 1e-3);
        const planning::FragmentationConstants with = best_d(std::exp(ln_e)), without = best_d(0.0);
        c = sse(with) < sse(without) ? with : without;
        if (report)
            *report << fmt("fragmentation: Qin least squares: rms ", std::sqrt(sse(c) / double(qin.size())),
                           " points (without erosion: ", std::sqrt(sse(without) / double(qin.size())), ")\n");
    }
    fit.constants = {c.threshold_ratio, c.pulse_length_ratio, c.dynamic_strength_ratio, c.erosion_depth_m};
    if (report) {
        *report << fmt("fragmentation: Qin comminution -> D = ", c.dynamic_strength_ratio, ", erosion depth = ",
                       c.erosion_depth_m * 1e6, " um per shock\n");
        for (const auto& r : rows)
            if (r.model == "comminution")
                *report << fmt("  ", r.role, " ", r.study, " ", r.group, ": model ", qin_comminution(r, c),
                               " %, measured ", r.number("percent"), " %\n");
    }
    // 3. Strengths of the biliary stones from the clinical series (maximum likelihood over ln S).
    for (const std::string material : {"cholesterol", "pigment"}) {
        std::vector<DataRow> mine, checks;
        for (const auto& r : rows)
            if (r.model == "sessions" && r.parameters.count("material") && r.parameters.at("material") == material)
                (r.role == "fit" ? mine : checks).push_back(r);
        const planning::StoneMaterial base = planning::stone_material(material);
        const auto at = [&](double ln_s) {
            planning::StoneMaterial m = base;
            m.tensile_strength_Pa = std::exp(ln_s);
            return m;
        };
        const auto nll = [&](double ln_s) { return sessions_likelihood(mine, at(ln_s), c).nll; };
        const double best = golden_minimum(nll, std::log(0.1 * kMPa), std::log(50 * kMPa), 1e-4);
        const double h = 0.05;
        const auto curvature_of = [&](const std::function<double(double)>& f, double x) {
            return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h);
        };
        const double curvature = curvature_of(nll, best);
        // Between-series spread: each fitting group's own maximum-likelihood ln S and its standard error, and the
        // DerSimonian-Laird tau^2 of those around the joint fit; the strength's log SD is sqrt(SE^2 + tau^2), the
        // uncertainty of the strength for a series (a clinic) not in the data.
        double q = 0, sw = 0, sw2 = 0;
        for (const DataRow& r : mine) {
            const std::vector<DataRow> one{r};
            const auto f = [&](double ln_s) { return sessions_likelihood(one, at(ln_s), c).nll; };
            const double own = golden_minimum(f, std::log(0.1 * kMPa), std::log(50 * kMPa), 1e-3);
            const double k = curvature_of(f, own);
            if (!(k > 0)) continue;
            q += (own - best) * (own - best) * k;
            sw += k;
            sw2 += k * k;
        }
        const double dof = double(mine.size()) - 1;
        const double tau2 = dof > 0 && q > dof && sw > 0 ? (q - dof) / (sw - sw2 / sw) : 0.0;
        FittedStrength s;
        s.material = material;
        s.tensile_strength_Pa = std::exp(best);
        s.log_sd = std::sqrt((curvature > 0 ? 1.0 / curvature : 1.0) + tau2);
        const double dispersion = std::sqrt(tau2);
        std::string studies;
        for (const auto& r : mine)
            if (studies.find(r.study) == std::string::npos) studies += (studies.empty() ? "" : "; ") + r.study;
        s.fitted_to = "clinical series " + studies + " (validation/data/fragmentation_groups.csv)";
        fit.strengths.push_back(s);
        if (report) {
            *report << fmt("fragmentation: ", material, " strength ", s.tensile_strength_Pa / kMPa, " MPa (log SD ",
                           s.log_sd, ", of which between series tau = ", dispersion, ")\n");
            for (const auto* list : {&mine, &checks})
                for (const auto& r : *list) {
                    const SessionsPrediction pr = predict_sessions(r, at(best), c);
                    if (r.has("mean"))
                        *report << fmt("  ", r.role, " ", r.study, " ", r.group, ": model ", pr.mean_sessions,
                                       " sessions, published ", r.number("mean"), "\n");
                    else
                        *report << fmt("  ", r.role, " ", r.study, " ", r.group, ": model ",
                                       100 * pr.fragmented_after.at(std::size_t(r.number("after_sessions")) - 1),
                                       " %, published ", 100 * r.events / r.n, " % (", r.events, " of ", r.n, ")\n");
                }
        }
    }
    return fit;
}

namespace {
planning::FragmentationConstants constants_of(const FittedFragmentation& f) {
    planning::FragmentationConstants c;
    c.threshold_ratio = f.threshold_ratio;
    c.pulse_length_ratio = f.pulse_length_ratio;
    c.dynamic_strength_ratio = f.dynamic_strength_ratio;
    c.erosion_depth_m = f.erosion_depth_m;
    return c;
}
}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Outcome models

namespace {

double mean_probability(const FittedOutcomeModel& m, const OutcomeCovariates& x) {
    return outcome_equation(m.name).probability(m.mean.data(), x, 0.0);
}

const FittedOutcomeModel* find_fitted(const std::vector<FittedOutcomeModel>& fitted, const std::string& name) {
    for (const auto& m : fitted)
        if (m.name == name) return &m;
    return nullptr;
}

}  // namespace

OutcomeCovariates row_covariates(const DataRow& row, const std::vector<FittedOutcomeModel>& fitted,
                                 const FragmentationFit& fragmentation) {
    OutcomeCovariates x;
    for (const auto& [k, v] : row.parameters)
        if (v != "model") x.value[k] = row.number(k);
    if (row.model.rfind("tendon", 0) == 0) {
        // Trials quote the device's free-field EFD; the model takes the EFD at the deposit: the tendon protocol's
        // typical window loss (planning/PLANNER.md §1, assumption) converts one to the other.
        const double window = std::pow(10.0, -planning::protocol("tendon").typical_window_loss_dB / 10);
        const double sessions = row.number("sessions"), shocks = row.number("shocks");
        for (int s = 0; s < int(sessions); ++s) x.dose_steps.push_back({shocks, row.number("efd_ff") * window});
    }
    if (row.model == "vascular_fracture" || row.model == "vascular_procedural")
        x.value["pulses_equivalent"] = row.number("pulses");   // IVL: sigma = sigma_IVL
    if (row.model == "vascular_procedural") {
        const FittedOutcomeModel* fracture = find_fitted(fitted, "vascular_fracture");
        if (!fracture) throw std::logic_error("vascular_procedural needs the vascular_fracture fit first");
        x.value["p_fracture"] = mean_probability(*fracture, x);
    }
    if (row.has("fragmented") && row.parameters.at("fragmented") == "model") {
        const bool gallbladder = row.model == "gallbladder_clearance";
        const planning::Protocol& p = planning::protocol(gallbladder ? "gallbladder" : "bile_duct");
        planning::StoneMaterial material = planning::stone_material(gallbladder ? "cholesterol" : "pigment");
        for (const auto& s : fragmentation.strengths)
            if (s.material == material.name) material.tensile_strength_Pa = s.tensile_strength_Pa;
        const double stones = row.has("stones") ? row.number("stones") : 1.0;
        DataRow series = row;
        series.parameters["field"] = "hm3";
        series.parameters["shocks"] = fmt(std::floor(row.number("shocks") / stones));
        series.parameters["clearance_mm"] = "5";
        series.parameters["cloud"] = fmt(p.cloud_diameter_factor);
        series.parameters["window_dB"] = fmt(p.typical_window_loss_dB);
        series.parameters["motion_mm"] = fmt(p.motion_sd_m / kMm);
        const SessionsPrediction pr = predict_sessions(series, material, constants_of(fragmentation.constants));
        x.value["fragmented"] = std::pow(pr.fragmented_after.back(), stones);
    }
    return x;
}

FittedOutcomeModel fit_outcome(const OutcomeEquation& eq, const std::vector<DataRow>& all_rows,
                               const std::vector<FittedOutcomeModel>& fitted_before,
                               const FragmentationFit& fragmentation, std::ostream* report) {
    const std::size_t P = eq.coefficients.size();
    struct Group {
        const DataRow* row;
        OutcomeCovariates x;
        double weight = 1;
    };
    std::vector<Group> groups;
    struct Normal {
        std::size_t index;
        double estimate, se;
    };
    std::vector<Normal> normals;
    std::string studies;
    for (const auto& r : all_rows) {
        if (r.model != eq.name) continue;
        if (r.role == "gaussian") {
            const std::string& coef = r.parameters.at("coefficient");
            const auto it = std::find(eq.coefficients.begin(), eq.coefficients.end(), coef);
            require_input(it != eq.coefficients.end(), row_name(r), ": no coefficient '", coef, "' in ", eq.name);
            normals.push_back({std::size_t(it - eq.coefficients.begin()), r.number("estimate"), r.number("se")});
        } else if (r.role == "fit") {
            require_input(r.n > 0, row_name(r), ": a fitting group needs its n");
            groups.push_back({&r, row_covariates(r, fitted_before, fragmentation)});
        } else {
            continue;
        }
        if (studies.find(r.study) == std::string::npos) studies += (studies.empty() ? "" : "; ") + r.study;
    }
    require_input(!groups.empty(), "outcome model ", eq.name, " has no fitting groups");

    const auto objective = [&](const Eigen::VectorXd& t) {
        double f = 0;
        for (std::size_t i = 0; i < P; ++i) {
            const double z = (t(Eigen::Index(i)) - eq.prior[i].first) / eq.prior[i].second;
            f += 0.5 * z * z;
        }
        for (const auto& n : normals) {
            const double z = (t(Eigen::Index(n.index)) - n.estimate) / n.se;
            f += 0.5 * z * z;
        }
        for (const auto& g : groups) {
            const double p = clamp_p(eq.probability(t.data(), g.x, 0.0));
            f -= g.weight * (g.row->events * std::log(p) + (g.row->n - g.row->events) * std::log(1 - p));
        }
        return f;
    };
    const auto gradient = [&](const Eigen::VectorXd& t) {
        Eigen::VectorXd g(t.size());
        for (Eigen::Index i = 0; i < t.size(); ++i) {
            const double h = 1e-6 * std::max(1.0, std::abs(t(i)));
            Eigen::VectorXd a = t, b = t;
            a(i) += h, b(i) -= h;
            g(i) = (objective(a) - objective(b)) / (2 * h);
        }
        return g;
    };
    const auto hessian = [&](const Eigen::VectorXd& t) {
        const Eigen::Index n = t.size();
        Eigen::MatrixXd hm(n, n);
        const double h = 1e-4;
        const double f0 = objective(t);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = i; j < n; ++j) {
                Eigen::VectorXd pp = t, pm = t, mp = t, mm = t;
                pp(i) += h, pp(j) += h, pm(i) += h, pm(j) -= h, mp(i) -= h, mp(j) += h, mm(i) -= h, mm(j) -= h;
                hm(i, j) = hm(j, i) = i == j ? (objective(pp) - 2 * f0 + objective(mm)) / (4 * h * h)
                                             : (objective(pp) - objective(pm) - objective(mp) + objective(mm)) / (4 * h * h);
            }
        return hm;
    };
    const auto minimise = [&](Eigen::VectorXd t) {
        double f = objective(t), lambda = 1e-3;
        for (int it = 0; it < 500; ++it) {
            const Eigen::VectorXd g = gradient(t);
            if (g.cwiseAbs().maxCoeff() < 1e-7) break;
            const Eigen::MatrixXd h = hessian(t);
            bool improved = false;
            for (int tries = 0; tries < 30 && !improved; ++tries) {
                const Eigen::MatrixXd damped = h + lambda * Eigen::MatrixXd::Identity(h.rows(), h.cols());
                const Eigen::VectorXd step = damped.ldlt().solve(-g);
                const Eigen::VectorXd trial = t + step;
                const double ft = objective(trial);
                if (std::isfinite(ft) && ft < f) {
                    t = trial, f = ft, improved = true, lambda = std::max(1e-9, lambda / 10);
                } else {
                    lambda *= 10;
                }
            }
            if (!improved) break;
        }
        return t;
    };
    Eigen::VectorXd theta(static_cast<Eigen::Index>(P));
    for (std::size_t i = 0; i < P; ++i) theta(Eigen::Index(i)) = eq.prior[i].first;
    theta = minimise(theta);

    // Between-study spread: DerSimonian-Laird on the logit residuals of the binomial groups.
    double tau2 = 0, q = 0;
    int dof = int(groups.size()) - int(P) + int(normals.size());
    {
        double sw = 0, sw2 = 0;
        for (const auto& g : groups) {
            const double p = clamp_p(eq.probability(theta.data(), g.x, 0.0));
            const double obs = (g.row->events + 0.5) / (g.row->n + 1.0);
            const double v = 1.0 / (g.row->n * p * (1 - p));
            const double r = logit(obs) - logit(p);
            q += r * r / v;
            sw += 1 / v;
            sw2 += 1 / (v * v);
        }
        if (dof > 0 && q > dof) tau2 = (q - dof) / (sw - sw2 / sw);
    }
    if (tau2 > 0) {
        for (auto& g : groups) {
            const double p = clamp_p(eq.probability(theta.data(), g.x, 0.0));
            const double v = 1.0 / (g.row->n * p * (1 - p));
            g.weight = v / (v + tau2);
        }
        theta = minimise(theta);
    }
    const Eigen::MatrixXd h = hessian(theta);
    Eigen::MatrixXd cov = h.inverse();
    cov = 0.5 * (cov + cov.transpose());

    FittedOutcomeModel m;
    m.name = eq.name;
    m.coefficient_names = eq.coefficients;
    for (std::size_t i = 0; i < P; ++i) m.mean.push_back(theta(Eigen::Index(i)));
    for (Eigen::Index i = 0; i < cov.rows(); ++i)
        for (Eigen::Index j = 0; j < cov.cols(); ++j) m.covariance.push_back(cov(i, j));
    m.tau = std::sqrt(tau2);
    m.dispersion = dof > 0 ? std::max(1.0, q / dof) : 1.0;
    m.groups = int(groups.size());
    m.fitted_to = studies;
    if (report) {
        *report << fmt("outcome ", eq.name, ": ", groups.size(), " groups, ", normals.size(), " published estimates; ",
                       "Q = ", q, " on ", dof, " dof, tau = ", m.tau, "\n");
        for (std::size_t i = 0; i < P; ++i)
            *report << fmt("  ", eq.coefficients[i], " = ", m.mean[i], " +- ", std::sqrt(cov(Eigen::Index(i), Eigen::Index(i))),
                           "  (prior N(", eq.prior[i].first, ", ", eq.prior[i].second, "^2))\n");
    }
    return m;
}

RowPrediction predict_row(const FittedOutcomeModel& model, const OutcomeCovariates& x, int draws) {
    const OutcomeEquation& eq = outcome_equation(model.name);
    const Eigen::Index n = Eigen::Index(model.mean.size());
    const Eigen::Map<const Eigen::VectorXd> mean(model.mean.data(), n);
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> cov(
        model.covariance.data(), n, n);
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    const Eigen::MatrixXd lower = llt.info() == Eigen::Success ? Eigen::MatrixXd(llt.matrixL())
                                                               : Eigen::MatrixXd(cov.diagonal().cwiseSqrt().asDiagonal());
    std::mt19937_64 rng(kSeed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> p;
    double sum = 0;
    for (int i = 0; i < draws; ++i) {
        Eigen::VectorXd z(n);
        for (Eigen::Index k = 0; k < n; ++k) z(k) = normal(rng);
        const Eigen::VectorXd t = mean + lower * z;
        p.push_back(eq.probability(t.data(), x, model.tau * normal(rng)));
        sum += p.back();
    }
    std::sort(p.begin(), p.end());
    const auto q = [&](double f) { return p[std::size_t(std::floor(f * (p.size() - 1)))]; };
    return {sum / draws, q(0.025), q(0.975)};
}

planning::FittedParameters fit_all(std::ostream* report) {
    planning::FittedParameters out;
    const FragmentationFit frag = fit_fragmentation(report);
    out.fragmentation = frag.constants;
    out.strengths = frag.strengths;
    const std::vector<DataRow> rows = parse_groups(outcome_groups_csv(), "outcome_groups.csv");
    for (const auto& eq : planning::outcome_equations())
        out.outcomes.push_back(fit_outcome(eq, rows, out.outcomes, frag, report));
    out.data_hash = data_hash();
    return out;
}

std::string fitted_table_source(const planning::FittedParameters& f) {
    const auto num = [](double v) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return std::string(buf);
    };
    const auto str = [](const std::string& s) {
        std::string o = "\"";
        for (char ch : s) o += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
        return o + "\"";
    };
    std::ostringstream o;
    o << "// Written by validation/fit_parameters (do not edit): the parameters of planning/fitted_parameters.hpp fitted\n"
         "// once to validation/data/outcome_groups.csv and validation/data/fragmentation_groups.csv.\n"
         "// Command: "
      << f.command
      << "\n#include \"planning/fitted_parameters.hpp\"\n\nnamespace lithosim::planning {\n\n"
         "const FittedParameters& fitted_parameters() {\n    static const FittedParameters p = [] {\n"
         "        FittedParameters t;\n";
    o << "        t.fragmentation = {" << num(f.fragmentation.threshold_ratio) << ", "
      << num(f.fragmentation.pulse_length_ratio) << ", " << num(f.fragmentation.dynamic_strength_ratio) << ", "
      << num(f.fragmentation.erosion_depth_m) << "};\n";
    for (const auto& s : f.strengths)
        o << "        t.strengths.push_back({" << str(s.material) << ", " << num(s.tensile_strength_Pa) << ", "
          << num(s.log_sd) << ", " << str(s.fitted_to) << "});\n";
    for (const auto& m : f.outcomes) {
        o << "        {\n            FittedOutcomeModel m;\n            m.name = " << str(m.name) << ";\n";
        o << "            m.coefficient_names = {";
        for (std::size_t i = 0; i < m.coefficient_names.size(); ++i) o << (i ? ", " : "") << str(m.coefficient_names[i]);
        o << "};\n            m.mean = {";
        for (std::size_t i = 0; i < m.mean.size(); ++i) o << (i ? ", " : "") << num(m.mean[i]);
        o << "};\n            m.covariance = {";
        for (std::size_t i = 0; i < m.covariance.size(); ++i) o << (i ? ", " : "") << num(m.covariance[i]);
        o << "};\n            m.tau = " << num(m.tau) << ";\n            m.dispersion = " << num(m.dispersion)
          << ";\n            m.groups = " << m.groups << ";\n            m.fitted_to = " << str(m.fitted_to)
          << ";\n            t.outcomes.push_back(m);\n        }\n";
    }
    o << "        t.command = " << str(f.command) << ";\n        t.data_hash = " << str(f.data_hash) << ";\n";
    o << "        return t;\n    }();\n    return p;\n}\n\n}  // namespace lithosim::planning\n";
    return o.str();
}

}  // namespace lithosim::validation
