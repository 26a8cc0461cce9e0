// The registry of validation cases and the table format. Each case lives in its own file, case_<name>.cpp.
#include "validation/cases.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sstream>

#include "core/errors.hpp"
#include "validation/case_support.hpp"

namespace lithosim::validation {

namespace {

struct Entry {
    CaseInfo info;
    std::function<std::vector<Row>(bool, const RunHooks&)> run;
};

const std::vector<Entry>& registry() {
    using namespace detail;
    static const std::vector<Entry> cases = {
        {{"oneil_bowl",
          "linear 3D focused bowl (R = D = 15 mm, 1 MHz), CW tone burst, on-axis amplitude vs O'Neil (1949): peak 2 %, "
          "peak position 0.5 mm, RMS 5 % over 0.5-1.5 R; focus position at 6 points per wavelength 0.5 mm"},
         run_oneil_bowl},
        {{"fubini_fay",
          "1D nonlinear plane wave, harmonics 1-5 vs Fubini at sigma = 0.5 (lossless, 2 %), vs Mendousse at sigma = 3 "
          "(Goldberg 10, 3 %), vs Fay (1-3) and Mendousse at sigma = 10 (Goldberg 20, 3 %)"},
         run_fubini_fay},
        {{"interface",
          "1D normal incidence water -> soft tissue and water -> cortical bone, Gaussian pulse: pressure R and T "
          "within 1 % (relative) of (Z2 - Z1)/(Z2 + Z1) and 2 Z2/(Z1 + Z2)"},
         run_interface},
        {{"power_law_absorption",
          "1D broadband pulse through a power-law medium (y = 1.1 relaxation, y = 2 thermoviscous): attenuation at "
          "0.5, 1, 2 MHz within 5 % of alpha0 f^y, phase speed within 1 m/s of Kramers-Kronig"},
         run_power_law_absorption},
        {{"pml",
          "2D pulse from a small piston, boundary reflection (test run minus a run in a larger domain) at normal "
          "and 45 degree incidence <= -40 dB"},
         run_pml},
        {{"point_source",
          "3D monopole pulse vs the free-space Green's function p0 (1 mm / r) s(t - r/c) along an axis, a face "
          "diagonal and the body diagonal: peak and waveform within 2 %"},
         run_point_source},
        {{"convergence",
          "1D smooth pulse, three grids at a fixed time step (spatial error only) vs a fine run: observed order >= "
          "3.5 with order 4 and >= 1.8 with order 2"},
         run_convergence},
        {{"piston_axisymmetric",
          "axisymmetric (r, z) circular piston (a = 5 mm, 1 MHz, 12 points per wavelength, cfl 0.25), CW on-axis "
          "amplitude vs 2 rho c u0 |sin(k/2 (sqrt(z^2 + a^2) - z))|: L-inf error within 1 % of the peak"},
         run_piston_axisymmetric},
        {{"axisymmetric_vs_3d",
          "focused bowl (30 mm aperture, R 25 mm), nonlinear absorbing lithotripter pulse of about 50 MPa at the "
          "focus: axisymmetric and 3D runs on the same grid agree within 2 % in p+, p-, EFD and within half a cell "
          "in focus position"},
         run_axisymmetric_vs_3d},
        {{"hm3_qin2010",
          "HM3 device preset at 20 kV in water (axisymmetric, spark + rigid ellipsoidal reflector) vs Qin et al. 2010: "
          "focal-plane p+ 49 +- 4.7 MPa (full variant), -6 dB width 11 +- 2 mm, E28 120 mJ +- 20 %; p- -10 +- 4.7 MPa "
          "(Cleveland group)"},
         run_hm3_qin2010},
        {{"eswt_perez2013",
          "ESWT head preset in water vs Perez et al. 2013: focal p+ at level 1 (2 MPa) and level 10 (45 MPa, full "
          "variant) within 15 %"},
         run_eswt_perez2013},
        {{"device_refinement",
          "grid refinement of the ESWT head at its default level 5 (axisymmetric): p+ at dx = 0.05 mm within 3 % "
          "of 0.035 mm, the run at the converged grid within 60 s (fast: level 1, 0.07 vs 0.05 mm, no timing)"},
         run_device_refinement},
        {{"planner_fragmentation",
          "fragmentation model, BegoStone, in vitro: thresholds of 10/7/4 mm stones vs Zhang 2016 (5 %; fitted), "
          "comminution in Qin 2010's five holders and fields (least-squares fit: its residuals, 15 points), higher EFD "
          "faster, more shocks never less, a stone wider than the focus breaks slower but not never"},
         run_planner_fragmentation},
        {{"planner_clinical",
          "fragmentation model with its fitted stone strengths vs clinical series: the share of the series not fitted "
          "to whose binomial 95 % interval (mean sessions: 2 SE) meets the model's interval, at least half (full: "
          "every series one by one)"},
         run_planner_clinical},
        {{"outcomes",
          "outcome models vs the published checking groups of validation/data/outcome_groups.csv: the observed rate's "
          "binomial 95 % interval overlaps the model's 95 % interval (fitting groups listed in the full variant)"},
         run_outcomes},
        {{"planner_phantoms",
          "the planner on the phantoms (fast fidelity, standard protocol): the primary outcome within 10 points of the "
          "reference rate of a typical patient (85 % tendon, 70 % biliary, 60 % vascular); never fitted to it (fast: "
          "tendon/shoulder; full: all four)"},
         run_planner_phantoms},
    };
    return cases;
}

}  // namespace

std::vector<CaseInfo> list_cases() {
    std::vector<CaseInfo> out;
    for (const auto& e : registry()) out.push_back(e.info);
    return out;
}


std::vector<Row> run_case(const std::string& name, bool full, const RunHooks& hooks) {
    for (const auto& e : registry())
        if (e.info.name == name) return e.run(full, hooks);
    std::string names;
    for (const auto& e : registry()) names += (names.empty() ? "" : ", ") + e.info.name;
    throw InputError("case", fmt("validation case '", name, "' does not exist; accepted: ", names));
}

std::string format_rows(const std::vector<Row>& rows) {
    // Column widths from the longest case name and quantity, so that every row lines up.
    int wc = 4, wq = 8;
    for (const auto& r : rows) {
        wc = std::max(wc, int(r.case_name.size()));
        wq = std::max(wq, int(r.quantity.size()));
    }
    std::ostringstream os;
    auto line = [&](const std::string& c, const std::string& q, const std::string& rest) {
        os << c << std::string(wc - int(c.size()) + 2, ' ') << q << std::string(wq - int(q.size()) + 2, ' ') << rest
           << '\n';
    };
    char buf[256];
    std::snprintf(buf, sizeof buf, "%13s %13s %10s %10s  %-5s %s", "simulated", "reference", "error", "tolerance",
                  "unit", "result");
    line("case", "quantity", buf);
    for (const auto& r : rows) {
        std::snprintf(buf, sizeof buf, "%13.6g %13.6g %10.4g %10.4g  %-5s %s", r.simulated, r.reference, r.error,
                      r.tolerance, r.unit.c_str(), r.pass ? "PASS" : "FAIL");
        line(r.case_name, r.quantity, buf);
    }
    return os.str();
}

}  // namespace lithosim::validation
