// Safety limits and checks (planning/PLANNER.md §4 has the table with the reasoning). Sources:
//   HART90  Lung damage from exposure to the fields of an electrohydraulic lithotripter, Ultrasound Med Biol 1990
//           16(7):675-9 (PMID 2281556): haemorrhage threshold in mouse lung below 2 MPa with as few as 10 pulses,
//           severe damage at 5-6 MPa; the pulses were almost entirely positive
//   BAGGS96 Thresholds for ultrasonically induced lung hemorrhage in neonatal swine (UMB 1996): at the lung surface
//           1.1 MPa peak positive, 0.9 MPa peak negative pressure, the same as in adult mice
//   DAL96L  Dalecki et al., ASA 131st meeting 1996, 2aPAa4: lung threshold about 1 MPa at 2 MHz; positive and
//           negative pressure pulses equally damaging
//   DAL95I  Dalecki, Child, Raeman, Carstensen, ASA 129th meeting 1995, 5pBV7: intestinal haemorrhage in mice after
//           200 pulses of a piezoelectric lithotripter from 1-2 MPa peak; at threshold the waveform was nearly
//           sinusoidal (DAL96I, UMB 1996 22(4):493: the intestinal damage needs gas in the intestine)
//   REF4    shared/reference/devices-clinical.md §4: no numeric threshold for bone or tendon injury was found
// The EFD limits of lung and gut are derived from their pressure limits with the longest reference pulse of
// PLANNER.md §3.3, the unshocked hm3 pulse (EFD = p^2 tau_eff / (rho c), tau_eff = 0.86 us, rho c = 1.48e6 Pa s/m):
// 1 MPa -> 0.58 J/m^2 (5.8e-4 mJ/mm^2). Away from the focus the pulse is smooth and long, as there.
#include "planning/safety.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "planning/schedule.hpp"
#include "planning/units.hpp"
#include "core/errors.hpp"

namespace lithosim::planning {
namespace {

using detail::kJ_per_m2_per_mJ_per_mm2;
using detail::kMm_per_m;
using detail::kPa_per_MPa;

constexpr double kReferenceTauEff_s = 0.86e-6;   // PLANNER.md §3.3 (hm3 at 16 kV)
constexpr double kReferenceImpedance = 1.48e6;   // water, Pa s/m

double efd_of_peak(double p_Pa) { return p_Pa * p_Pa * kReferenceTauEff_s / kReferenceImpedance; }

std::string mpa(double p) { return fmt(p / kPa_per_MPa, " MPa"); }
std::string mj(double e) { return fmt(e / kJ_per_m2_per_mJ_per_mm2, " mJ/mm^2"); }

/// Each limit an organ's dose breaks, with its ratio to the limit: (ratio, text).
std::vector<std::pair<double, std::string>> ratios(const std::string& organ, const OrganDose& d, const OrganLimit& l) {
    std::vector<std::pair<double, std::string>> out;
    const auto add = [&](double value, double limit, const char* what, const std::string& v, const std::string& lim) {
        if (std::isfinite(limit) && limit > 0)
            out.push_back({value / limit, fmt(organ, " ", what, " ", v, " (limit ", lim, ")")});
    };
    add(d.max_p_plus_Pa, l.max_p_plus_Pa, "p+", mpa(d.max_p_plus_Pa), mpa(l.max_p_plus_Pa));
    add(-d.max_p_minus_Pa, l.max_p_minus_Pa, "|p-|", mpa(-d.max_p_minus_Pa), mpa(l.max_p_minus_Pa));
    add(d.max_efd_J_per_m2, l.max_efd_J_per_m2, "EFD", mj(d.max_efd_J_per_m2), mj(l.max_efd_J_per_m2));
    return out;
}

bool has_any_limit(const OrganLimit& l) {
    return std::isfinite(l.max_p_plus_Pa) || std::isfinite(l.max_p_minus_Pa) || std::isfinite(l.max_efd_J_per_m2);
}

double parse_number(const std::string& text, const std::string& assignment) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    require_input(used == text.size() && !text.empty() && std::isfinite(v), "safety limit '", assignment,
                  "': value '", text, "' is not a number");
    return v;
}

}  // namespace

SafetyLimits default_safety_limits() {
    SafetyLimits s;
    OrganLimit lung;
    lung.max_p_plus_Pa = 1.0e6;
    lung.max_p_minus_Pa = 0.9e6;
    lung.max_efd_J_per_m2 = efd_of_peak(1.0e6);
    lung.refuse_in_path = true;
    lung.source = "p+ 1 MPa: HART90 (lithotripter threshold < 2 MPa, mouse) and DAL96L (about 1 MPa); |p-| 0.9 MPa: "
                  "BAGGS96 (neonatal swine, lung surface); EFD derived from 1 MPa with the reference pulse; a path "
                  "through lung is refused (the planning protocol (README))";
    OrganLimit gas;
    gas.max_p_plus_Pa = 1.0e6;
    gas.max_p_minus_Pa = 1.0e6;
    gas.max_efd_J_per_m2 = efd_of_peak(1.0e6);
    gas.refuse_in_path = true;
    gas.source = "p+ 1 MPa: DAL95I (intestinal haemorrhage from 1-2 MPa after 200 lithotripter pulses, mouse; the "
                 "lower end); |p-| 1 MPa: assumption, the threshold waveform was nearly sinusoidal; EFD derived from "
                 "1 MPa with the reference pulse; a path through bowel gas is refused (the planning protocol (README))";
    OrganLimit bone;
    bone.max_efd_J_per_m2 = 0.6 * kJ_per_m2_per_mJ_per_mm2;
    bone.source = "assumption: no bone injury threshold found (REF4); EFD at the bone surface kept within the "
                  "highest EFD the planner accepts at a target (0.6 mJ/mm^2, the planning protocol (README)); bone on the path is a "
                  "warning (the planning protocol (README))";
    s.organs = {{"lung", lung}, {"bowel_gas", gas}, {"bone_surface", bone}};
    return s;
}

void apply_safety_override(SafetyLimits& limits, const std::string& assignment) {
    const auto eq = assignment.find('=');
    require_input(eq != std::string::npos && eq > 0, "safety limit '", assignment,
                  "' must be name=value, e.g. lung.max_p_minus_MPa=0.5");
    const std::string key = assignment.substr(0, eq);
    const double value = parse_number(assignment.substr(eq + 1), assignment);
    if (key == "warning_fraction") {
        require_input(value > 0 && value <= 1, "safety limit warning_fraction = ", value, " is outside (0, 1]");
        limits.warning_fraction = value;
        return;
    }
    const auto dot = key.rfind('.');
    require_input(dot != std::string::npos && dot > 0 && dot + 1 < key.size(), "safety limit '", assignment,
                  "': the name must be organ.quantity (quantities: max_p_plus_MPa, max_p_minus_MPa, "
                  "max_efd_mJ_per_mm2, refuse_in_path) or warning_fraction");
    const std::string organ = key.substr(0, dot), quantity = key.substr(dot + 1);
    OrganLimit& l = limits.organs[organ];
    if (quantity == "refuse_in_path") {
        require_input(value == 0 || value == 1, "safety limit ", key, " = ", value, " must be 0 or 1");
        l.refuse_in_path = value == 1;
    } else {
        require_input(value > 0, "safety limit ", key, " = ", value, " must be > 0");
        if (quantity == "max_p_plus_MPa") l.max_p_plus_Pa = value * kPa_per_MPa;
        else if (quantity == "max_p_minus_MPa") l.max_p_minus_Pa = value * kPa_per_MPa;
        else if (quantity == "max_efd_mJ_per_mm2") l.max_efd_J_per_m2 = value * kJ_per_m2_per_mJ_per_mm2;
        else
            throw InputError(fmt("safety limit '", assignment, "': quantity '", quantity, "' is not known; accepted: "
                                 "max_p_plus_MPa, max_p_minus_MPa, max_efd_mJ_per_mm2, refuse_in_path"));
    }
    l.source = fmt("user override ", assignment, l.source.empty() ? "" : "; default: ", l.source);
}

std::vector<std::string> limit_violations(const std::string& organ, const OrganDose& dose, const SafetyLimits& limits) {
    std::vector<std::string> out;
    const auto it = limits.organs.find(organ);
    if (it == limits.organs.end()) return out;
    for (const auto& [ratio, text] : ratios(organ, dose, it->second))
        if (ratio > 1) out.push_back(text);
    return out;
}

bool within_limits(const std::string& organ, const OrganDose& dose, const SafetyLimits& limits) {
    return limit_violations(organ, dose, limits).empty();
}

SafetyCheck check_beam_path(const BeamPathCrossing& path, const SafetyLimits& limits) {
    SafetyCheck c;
    for (const auto& [organ, length] : path.length_m) {
        if (!(length > 0)) continue;
        const auto it = limits.organs.find(organ);
        if (it != limits.organs.end() && it->second.refuse_in_path)
            c.violations.push_back(fmt("beam path crosses ", organ, " for ", length * kMm_per_m,
                                       " mm: refused, choose another acoustic window"));
    }
    for (const char* bone : {"bone", "bone_surface"}) {
        const auto it = path.length_m.find(bone);
        if (it == path.length_m.end() || !(it->second > 0)) continue;
        if (path.bone_efd_loss_dB >= 0)
            c.warnings.push_back(fmt("bone in the beam path (", it->second * kMm_per_m, " mm): the target receives ",
                                     path.bone_efd_loss_dB, " dB less EFD (", 100 * (1 - std::pow(10.0, -path.bone_efd_loss_dB / 10)),
                                     " % less) than without it"));
        else
            c.warnings.push_back(fmt("bone in the beam path (", it->second * kMm_per_m, " mm): the dose at the target "
                                     "is reduced (loss not computed)"));
        break;
    }
    c.ok = c.violations.empty();
    return c;
}

SafetyCheck check_safety(const Schedule& schedule, const BeamPathCrossing& path, const SafetyLimits& limits,
                         int max_shocks_per_session) {
    SafetyCheck c = check_beam_path(path, limits);
    // (severity class, ratio, text): class 0 near a limit (by ratio), 1 the path (bone), 2 organs without limits.
    std::vector<std::tuple<int, double, std::string>> warnings;
    for (const auto& w : c.warnings) warnings.emplace_back(1, 0.0, w);
    if (!schedule.safe) c.violations.push_back(schedule.reason);

    std::map<std::string, OarSummary> oar;
    for (const SessionPlan& s : schedule.sessions) {
        if (s.shocks > max_shocks_per_session)
            c.violations.push_back(fmt("session ", s.index, " has ", s.shocks, " shocks, above the device's maximum of ",
                                       max_shocks_per_session, " per session"));
        for (const auto& [organ, d] : s.oar_max_per_shock) {
            OarSummary& o = oar[organ];
            if (o.organ.empty()) {
                o.organ = organ;
                o.max_per_shock = d;
            }
            o.max_per_shock.max_p_plus_Pa = std::max(o.max_per_shock.max_p_plus_Pa, d.max_p_plus_Pa);
            o.max_per_shock.max_p_minus_Pa = std::min(o.max_per_shock.max_p_minus_Pa, d.max_p_minus_Pa);
            o.max_per_shock.max_efd_J_per_m2 = std::max(o.max_per_shock.max_efd_J_per_m2, d.max_efd_J_per_m2);
        }
        for (const auto& [organ, e] : s.oar_session_efd_J_per_m2)
            oar[organ].max_session_efd_J_per_m2 = std::max(oar[organ].max_session_efd_J_per_m2, e);
    }
    for (auto& [organ, o] : oar) {
        o.organ = organ;
        const auto it = limits.organs.find(organ);
        o.has_limit = it != limits.organs.end() && has_any_limit(it->second);
        if (!o.has_limit) {
            warnings.emplace_back(2, 0.0, fmt("no limit is defined for organ '", organ, "': its dose is not checked"));
            continue;
        }
        for (const auto& [ratio, text] : ratios(organ, o.max_per_shock, it->second)) {
            if (ratio > 1) {
                o.limit_ok = false;
                c.violations.push_back(fmt("over the limit: ", text));
            } else if (ratio >= limits.warning_fraction) {
                warnings.emplace_back(0, ratio, fmt("close to the limit (", std::round(100 * ratio), " %): ", text));
            }
        }
        c.oar.push_back(o);
    }
    for (auto& [organ, o] : oar)
        if (!o.has_limit) c.oar.push_back(o);
    std::stable_sort(warnings.begin(), warnings.end(), [](const auto& a, const auto& b) {
        if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
        return std::get<1>(a) > std::get<1>(b);
    });
    c.warnings.clear();
    for (auto& w : warnings) c.warnings.push_back(std::get<2>(w));
    c.ok = c.violations.empty();
    return c;
}

}  // namespace lithosim::planning
