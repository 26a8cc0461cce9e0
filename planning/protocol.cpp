// The protocol table (planning/PLANNER.md §1 gives the same table with the reasoning). Source keys:
//   REF      shared/reference/devices-clinical.md (section given), which quotes each study's abstract and address
//   GERD03   Gerdesmeyer et al. 2003, JAMA 290(19):2573-80 (REF 3.1)
//   PERL03   Perlick et al. 2003, J Orthop Sci, doi 10.1007/s00776-003-0720-0 (REF 3.1)
//   ALB07    Albert et al. 2007, J Bone Joint Surg Br 89:335-41 (REF 3.1)
//   VERS14   Verstraelen et al. 2014, Clin Orthop Relat Res 472(9):2816-25 (REF 3.1)
//   SCHM15   Schmitz et al. 2015, Br Med Bull 116:115-138 (REF 3.1)
//   MALL17   Malliaropoulos et al. 2017, BMC Musculoskelet Disord 18 (doi 10.1186/s12891-017-1873-x) (REF 3.1)
//   GAERT    Gaertner, as cited by GERD03: sharp-margined deposits resolve spontaneously in 33 % within 3 years
//   GE89     Gastroenterology 1989 97(2):457-63 (PMID 2744359), "Gallstone disappearance after extracorporeal
//            lithotripsy and oral bile acid dissolution": satisfactory fragmentation = all fragments < 5 mm; after it
//            55 / 80 / 90 % stone-free at 6 / 9 / 12 months; 25 % satisfactory after one session, 48 % after several
//   P1553825 PMID 1553825 (REF 3.2): stone-free at 10 months 80 % (solitary <= 20 mm) vs 28 % (2-3 cm or multiple)
//   DORN     Dornier National Biliary Lithotripsy Study, 174 patients (REF 3.2): 23 % re-treated at 6 weeks for
//            fragments > 5 mm
//   HAQUE    Haque et al., J Transl Intern Med 8(3):159 (REF 3.2): CBD, 77.1 % of stones > 15 mm,
//            2.1 +- 1.2 sessions, 4266 +- 1881 shocks per session
//   TAND11   Tandan & Reddy 2011, World J Gastroenterol 17(39):4365 (REF 3.2): > 90 % needed <= 3 sessions,
//            5000 shocks per session
//   DDS96    Dig Dis Sci 1996 41(12):2397-403, PMID 9011449 (REF 3.2): Dornier HM4 / MPL 9000, clearance 90.6 %
//   RASS11   Rassweiler et al. 2011, Eur Urol (PMC3319085; REF 1.4): 60-80 shocks/min, energy ramping
//   WILL06   Willis et al. 2006, J Am Soc Nephrol 17(3):663-73 (REF 4): HM3 2000 shocks at 120/min
//   QIN10    Qin, Simmons, Sankin, Zhong 2010, JASA 127(4):2635-45 (REF 1.1): HM3 -6 dB focal width 11 mm
//   PAD3     Disrupt PAD III, JACC Cardiovasc Interv 2021 14(12):1352-61 (REF 3.3): IVL procedural success 65.8 %
//   LIANG18  Liang et al. 2018, J Appl Clin Med Phys 19(3):94-100 (PMC5978939): liver motion amplitude during
//            free breathing, median 11.9 (5.1-17.3) mm superior-inferior, 3.8 mm anterior-posterior, 1.3 mm
//            left-right
//   WOLF     Richard Wolf / ELvation PiezoWave2 focal-zone page (REF 2): -6 dB focal width about 5 mm
//   SIM      this project's solver: `lithosim dosimetry --device D --setting S --target-depth-mm Z` in water
//            (eswt_head level 10, Z = 15; hm3 16 kV, Z = 80), run while writing this table (PLANNER.md §3.3)
//   ATT      soft-tissue attenuation 0.5-0.63 dB/cm at 1 MHz (models/tissue.cpp, Diagnostics 2023 13(5):855
//            Table 4), scaled to the 0.4 MHz dominant frequency of the presets (models/DEVICES.md) with y = 1.1:
//            about 0.2 dB/cm
#include "planning/protocol.hpp"

#include <cmath>

#include "planning/units.hpp"
#include "core/errors.hpp"

namespace lithosim::planning {
namespace {

using detail::kJ_per_m2_per_mJ_per_mm2;
constexpr double kMm = 1e-3;

// Clinical literature has no per-indication "goal": the scheduler's stopping rule is an assumption shared by all.
const char* const kGoalSource =
    "assumption: a session stops when every fragment lies below the goal size with 90 % probability (planning/OUTCOMES.md: "
    "the largest remaining fragment decides clinical failure; GE89 and DORN judged fragmentation by the largest piece)";

// Sinusoidal breathing of peak-to-peak amplitude A displaces the target with SD A / (2 sqrt 2).
double sinusoid_sd(double amplitude) { return amplitude / (2.0 * std::sqrt(2.0)); }

Protocol tendon() {
    Protocol p;
    p.indication = "tendon";
    p.endpoint = "clinical success at 6 months (pain and function)";
    p.primary_outcome = "clinical_success_6mo";
    p.goal_kind = "dose";
    p.device = "eswt_head";
    p.device_reason =
        "the focused ESWT preset (Storz Duolith SD1 type), the device class of the shoulder trials; its pressure "
        "anchors are calibrated by simulation to Perez et al. 2013 (models/DEVICES.md)";
    p.target_material = "hydroxyapatite_dense";
    p.efd_min_J_per_m2 = 0.08 * kJ_per_m2_per_mJ_per_mm2;
    p.efd_default_J_per_m2 = 0.32 * kJ_per_m2_per_mJ_per_mm2;
    p.efd_max_J_per_m2 = 0.45 * kJ_per_m2_per_mJ_per_mm2;
    p.shocks_per_session_default = 2000;
    p.shocks_per_session_max = 3000;
    p.rate_per_min_default = 240;
    p.rate_per_min_max = 300;
    p.sessions_min = 1;
    p.sessions_default = 3;
    p.sessions_max = 4;
    p.interval_days_min = 7;
    p.interval_days_default = 7;
    p.interval_days_max = 14;
    p.clearance_size_m = 1.0 * kMm;
    p.cloud_diameter_factor = 1.0;
    p.motion_sd_m = 0.0;
    p.positioning_sd_m = 2.0 * kMm;
    p.shrink_m_per_day = 10.0 * kMm / (3 * 365.0);
    p.goal_probability = 0.9;
    p.reference_success_rate = 0.85;
    p.typical_target_diameter_m = 10.0 * kMm;
    p.typical_window_loss_dB = 0.4;
    p.reference_focal_width_m = 5.0 * kMm;
    p.reference_tau_eff_s = 0.20e-6;
    p.reference_positive_phase_s = 0.5e-6;
    p.reference_p_plus_sd = 0.012;
    p.source = {
        {"endpoint", "planning/OUTCOMES.md: clinical success at 6 months is the primary endpoint, radiographic resorption at "
                     "3 and 6 months the others; REF 3.1: the trials measure deposit resorption (37.5-64 %) or "
                     "pain-based success (70-92 %)"},
        {"primary_outcome", "planning/OUTCOMES.md (tendon: clinical success at 6 months)"},
        {"goal_kind", "planning/OUTCOMES.md: the deposit is resorbed over months by a biological response; comminution is "
                      "not the mechanism: every session delivers its shocks"},
        {"device", "the planning protocol (README) (eswt_head for tendon)"},
        {"target_material", "the planning protocol (README) (hydroxyapatite_dense by default): Gaertner type I, the denser of the "
                            "deposit types GERD03 included (types I and II)"},
        {"efd_min", "VERS14: below 0.08 mJ/mm^2 is the low-energy class"},
        {"efd_default", "GERD03 high-energy arm, 0.32 mJ/mm^2 (EFD from a review summary, REF 3.1)"},
        {"efd_max", "ALB07 high-energy arm, up to 0.45 mJ/mm^2"},
        {"shocks_per_session_default", "PERL03 (2 x 2000 impulses) and SCHM15 (2000 impulses per session)"},
        {"shocks_per_session_max", "assumption: 1.5 x the usual 2000; the most per session seen in REF 3.1 is "
                                   "MALL17's 2175 +- 266 (radial)"},
        {"rate_per_min_default", "assumption: 4 Hz; no focused-ESWT rate found in REF 3.1"},
        {"rate_per_min_max", "MALL17: 5 +- 0.3 Hz (radial ESWT)"},
        {"sessions_default", "SCHM15: 3 sessions at 1-week intervals"},
        {"sessions_min", "the planning protocol (README) (1-4 sessions)"},
        {"sessions_max", "the planning protocol (README) (1-4 sessions)"},
        {"interval_days_default", "SCHM15: 1-week intervals"},
        {"interval_days_min", "the planning protocol (README) (7-14 days)"},
        {"interval_days_max", "the planning protocol (README) (7-14 days); GERD03: 2 sessions about 2 weeks apart"},
        {"clearance_size", "assumption: a deposit counts as disintegrated when its pieces are below 1 mm, about the "
                           "smallest calcification a shoulder radiograph shows; no published size found"},
        {"cloud_diameter_factor", "assumption: the deposit lies inside the tendon, its pieces stay where it was"},
        {"motion_sd", "assumption: no respiratory motion at the shoulder"},
        {"positioning_sd", "assumption: 'a few mm' of aiming error per session (the planning protocol (README))"},
        {"shrink_per_day", "assumption derived from GAERT: a 10 mm deposit that resolves within 3 years loses "
                           "diameter at about 9 um/day; applied to the pieces between sessions"},
        {"goal_probability", kGoalSource},
        {"reference_success_rate", "the planning protocol (README) (85 % tendon); inside REF 3.1's pain-based band 70-92 %"},
        {"typical_target_diameter", "assumption: a 10 mm dense deposit; the trials included deposits >= 5 mm "
                                    "(GERD03 inclusion criteria, Cochrane CD008962 table, REF 3.1)"},
        {"typical_window_loss", "assumption: 2 cm of soft tissue to the deposit x about 0.2 dB/cm (ATT)"},
        {"reference_focal_width", "WOLF: -6 dB width about 5 mm of an ESWT head (assumption: the Duolith's measured "
                                  "width was not found); the eswt_head preset simulates 1.83 mm at level 10 (SIM), "
                                  "see PLANNER.md §3.3"},
        {"reference_tau_eff", "SIM: eswt_head level 10 at its focus, p+ 44.6 MPa and EFD 0.266 mJ/mm^2: "
                              "0.266e3 x 1.48e6 / 44.6e6^2 = 0.20 us"},
        {"reference_positive_phase", "assumption: 0.5 us, a compressive phase of 2.5 x tau_eff (a triangle has 3 x, "
                                     "a steep front with a slow decay less)"},
        {"reference_p_plus_sd", "REF A9: Duolith SD1 maximum SD of peak pressure 1.2 %"},
    };
    return p;
}

Protocol biliary_common(Protocol p) {
    p.device = "hm3";
    p.efd_min_J_per_m2 = 0.2 * kJ_per_m2_per_mJ_per_mm2;
    p.efd_default_J_per_m2 = 0.5 * kJ_per_m2_per_mJ_per_mm2;
    p.efd_max_J_per_m2 = 0.6 * kJ_per_m2_per_mJ_per_mm2;
    p.rate_per_min_default = 60;
    p.rate_per_min_max = 120;
    p.sessions_min = 1;
    p.sessions_max = 4;
    p.interval_days_min = 7;
    p.interval_days_max = 14;
    p.motion_sd_m = sinusoid_sd(11.9 * kMm);
    p.positioning_sd_m = 2.0 * kMm;
    p.goal_probability = 0.9;
    p.reference_success_rate = 0.70;
    p.reference_focal_width_m = 11.0 * kMm;
    p.reference_tau_eff_s = 0.35e-6;
    p.reference_positive_phase_s = 1.0e-6;
    p.reference_p_plus_sd = 4.7 / 49.0;
    p.source = {
        {"efd_min", "assumption: no biliary EFD found in REF 3.2; the bottom of VERS14's high-energy class "
                    "(> 0.28 mJ/mm^2) rounded down"},
        {"efd_default", "assumption: no biliary EFD found; high energy below the issue's 0.6 mJ/mm^2 cap (HM3 at "
                        "20 kV, p+ 49 MPa (QIN10), is about 0.7 mJ/mm^2 with the reference pulse of PLANNER.md "
                        "§3.3)"},
        {"efd_max", "the planning protocol (README): the accepted EFD range ends at 0.6 mJ/mm^2"},
        {"rate_per_min_default", "RASS11: 60-80 shocks/min"},
        {"rate_per_min_max", "WILL06: HM3 at 120 shocks/min"},
        {"sessions_min", "the planning protocol (README) (1-4 sessions)"},
        {"sessions_max", "the planning protocol (README) (1-4 sessions)"},
        {"interval_days_min", "the planning protocol (README) (7-14 days)"},
        {"interval_days_max", "the planning protocol (README) (7-14 days)"},
        {"motion_sd", "LIANG18: median liver motion 11.9 mm peak to peak (superior-inferior, free breathing); SD of "
                      "a sinusoid = amplitude / (2 sqrt 2) = 4.2 mm (assumption: sinusoidal breathing, the "
                      "superior-inferior axis across the beam; the gallbladder and bile duct move with the liver)"},
        {"positioning_sd", "assumption: 'a few mm' of aiming error per session (the planning protocol (README))"},
        {"reference_positive_phase", "PACLAB: compressive spike about 1 us of the HM3-type pulse (REF A6)"},
        {"reference_p_plus_sd", "REF 1.1: HM-3 shot-to-shot SD of p+ 4.7 MPa (Li et al. 2017) at 49 MPa (QIN10)"},
        {"goal_probability", kGoalSource},
        {"reference_success_rate", "the planning protocol (README) (70 % biliary); REF 3.2 band 60-90 %"},
        {"reference_focal_width", "QIN10: HM3 -6 dB focal width 11 mm (measured, 20 kV); the hm3 preset simulates "
                                  "5.95 mm at 16 kV (SIM), see PLANNER.md §3.3"},
        {"reference_tau_eff", "SIM: hm3 at 16 kV at its focus (the p+ maximum, 13 mm beyond the geometric focus), "
                              "p+ 47.6 MPa and EFD 0.537 mJ/mm^2: 0.537e3 x 1.48e6 / 47.6e6^2 = 0.35 us (at the "
                              "geometric focus: 28.3 MPa, 0.465 mJ/mm^2, 0.86 us)"},
    };
    return p;
}

Protocol gallbladder() {
    Protocol p;
    p.indication = "gallbladder";
    p.endpoint = "stone-free at 12 months";
    p.primary_outcome = "stone_free_12mo";
    p = biliary_common(p);
    p.device_reason =
        "electrohydraulic (Dornier type) lithotripters treated most of the biliary series (DDS96: HM4 / MPL 9000); "
        "hm3 is the lithotripter preset calibrated by simulation to measured data (QIN10, models/DEVICES.md) while "
        "em_lens keeps provisional anchors; its broad 11 mm focus loses the least dose to respiratory motion";
    p.target_material = "cholesterol";
    p.shocks_per_session_default = 3000;
    p.shocks_per_session_max = 5000;
    p.sessions_default = 2;
    p.interval_days_default = 14;
    p.clearance_size_m = 5.0 * kMm;
    p.cloud_diameter_factor = 2.0;
    p.shrink_m_per_day = 5.0 * kMm / 365.0;
    p.typical_target_diameter_m = 15.0 * kMm;
    p.typical_window_loss_dB = 1.6;
    p.source.insert({
        {"endpoint", "planning/OUTCOMES.md: stone-free at 12 months is the primary endpoint (6 months reported too); GE89 "
                     "and P1553825 report stone-free rates at 6-12 months"},
        {"primary_outcome", "planning/OUTCOMES.md (gallbladder: stone-free at 12 months)"},
        {"device", "the planning protocol (README) (hm3 or em_lens): hm3, see device_reason"},
        {"target_material", "P1553825 and GE89 treated radiolucent (cholesterol-rich) stones"},
        {"shocks_per_session_default", "assumption: no shocks per gallbladder session found in REF 3.2"},
        {"shocks_per_session_max", "TAND11: 5000 shocks per session (bile and pancreatic duct)"},
        {"sessions_default", "assumption from GE89 (satisfactory fragmentation in 25 % after one session, 48 % "
                             "after several) and DORN (23 % re-treated)"},
        {"interval_days_default", "assumption: the longest interval the issue allows, nearest DORN's re-treatment "
                                  "at 6 weeks"},
        {"clearance_size", "GE89 (satisfactory = all fragments < 5 mm) and DORN (re-treatment for fragments > 5 mm); "
                           "the planning protocol (README) (about 5 mm with bile-acid therapy)"},
        {"cloud_diameter_factor", "assumption: the pieces spread in the bile over about twice the stone's "
                                  "diameter"},
        {"shrink_per_day", "assumption derived from GE89: with bile acids 90 % were stone-free 12 months after "
                           "fragmentation to < 5 mm, i.e. a 5 mm piece dissolves in about a year (14 um/day of "
                           "diameter)"},
        {"typical_target_diameter", "assumption: a 15 mm solitary stone, inside the <= 20 mm solitary group of "
                                    "P1553825 (80 % stone-free)"},
        {"typical_window_loss", "assumption: 8 cm of tissue to the gallbladder x about 0.2 dB/cm (ATT)"},
    });
    return p;
}

Protocol bile_duct() {
    Protocol p;
    p.indication = "bile_duct";
    p.endpoint = "duct clearance";
    p.primary_outcome = "duct_clearance";
    p = biliary_common(p);
    p.device_reason =
        "as gallbladder: the bile duct series used electrohydraulic Dornier lithotripters (DDS96: HM4 / MPL 9000); "
        "hm3 is the preset calibrated by simulation (QIN10) and its broad focus tolerates respiratory motion";
    p.target_material = "pigment";
    p.shocks_per_session_default = 4000;
    p.shocks_per_session_max = 5000;
    p.sessions_default = 3;
    p.interval_days_default = 7;
    p.clearance_size_m = 3.0 * kMm;
    p.extraction_size_m = 5.0 * kMm;
    p.cloud_diameter_factor = 1.0;
    p.shrink_m_per_day = 0.0;
    p.typical_target_diameter_m = 15.0 * kMm;
    p.typical_window_loss_dB = 2.0;
    p.source.insert({
        {"endpoint", "the planning protocol (README); HAQUE, TAND11, DDS96 report (complete) duct clearance"},
        {"primary_outcome", "planning/OUTCOMES.md (bile duct: duct clearance, with endoscopic extraction)"},
        {"extraction_size", "TAND11: calculi are fragmented to < 5 mm and cleared at ERCP"},
        {"device", "the planning protocol (README) (hm3 or em_lens): hm3, see device_reason"},
        {"target_material", "assumption: duct stones taken as pigment stones (no composition found in REF 3.2)"},
        {"shocks_per_session_default", "HAQUE: 4266 +- 1881 shocks per session, rounded down"},
        {"shocks_per_session_max", "TAND11: 5000 shocks per session"},
        {"sessions_default", "TAND11: > 90 % needed at most 3 sessions (HAQUE: 2.1 +- 1.2)"},
        {"interval_days_default", "assumption: the shortest interval the issue allows (no interval found)"},
        {"clearance_size", "the planning protocol (README): 2-3 mm for passage through the duct; the upper value (TAND11 aimed at "
                           "< 5 mm before endoscopic clearance)"},
        {"cloud_diameter_factor", "assumption: the duct keeps the pieces together"},
        {"shrink_per_day", "assumption: no bile-acid therapy in the duct series; pieces above the clearance size "
                           "stay until the next session, smaller ones pass"},
        {"typical_target_diameter", "HAQUE: 77.1 % of the duct stones were > 15 mm; 15 mm taken"},
        {"typical_window_loss", "assumption: 10 cm of tissue to the duct x about 0.2 dB/cm (ATT)"},
    });
    return p;
}

Protocol vascular() {
    Protocol p;
    p.indication = "vascular";
    p.endpoint = "procedural success (residual stenosis <= 30 % after angioplasty)";
    p.primary_outcome = "procedural_success";
    p.goal_kind = "dose";
    p.device = "em_lens";
    p.device_reason =
        "the outcome data come from intravascular lithotripsy (ivl_emitter, offered with --device ivl_emitter); the "
        "extracorporeal default is experimental. The superficial "
        "femoral artery lies 2-4 cm deep in the thigh (the femoral phantom: 37 mm), beyond the eswt_head's focus "
        "(15 mm below its contact plane, 30 mm with the 15 mm standoff); em_lens, the electromagnetic lithotripter with "
        "its focus 150 mm from the membrane, reaches it through its water cushion (its calibration is provisional, "
        "models/DEVICES.md); --device eswt_head plans shallower plaques";
    p.target_material = "vascular_calcium";
    p.efd_min_J_per_m2 = 0.08 * kJ_per_m2_per_mJ_per_mm2;
    p.efd_default_J_per_m2 = 0.32 * kJ_per_m2_per_mJ_per_mm2;
    p.efd_max_J_per_m2 = 0.45 * kJ_per_m2_per_mJ_per_mm2;
    p.shocks_per_session_default = 2000;
    p.shocks_per_session_max = 3000;
    p.rate_per_min_default = 240;
    p.rate_per_min_max = 300;
    p.sessions_min = 1;
    p.sessions_default = 2;
    p.sessions_max = 4;
    p.interval_days_min = 7;
    p.interval_days_default = 7;
    p.interval_days_max = 14;
    p.clearance_size_m = 2.0 * kMm;
    p.cloud_diameter_factor = 1.0;
    p.motion_sd_m = 0.0;
    p.positioning_sd_m = 2.0 * kMm;
    p.shrink_m_per_day = 0.0;
    p.goal_probability = 0.9;
    p.reference_success_rate = 0.60;
    p.typical_target_diameter_m = 7.0 * kMm;
    p.typical_window_loss_dB = 0.6;
    p.reference_focal_width_m = 5.0 * kMm;
    p.reference_tau_eff_s = 0.20e-6;
    p.reference_positive_phase_s = 0.5e-6;
    p.reference_p_plus_sd = 0.05;
    const char* const as_tendon = "assumption: no extracorporeal dosing for vascular calcium found; as tendon";
    p.source = {
        {"endpoint", "the planning protocol (README); PAD3: residual stenosis <= 30 % without flow-limiting dissection"},
        {"primary_outcome", "planning/OUTCOMES.md (vascular: procedural success)"},
        {"goal_kind", "planning/OUTCOMES.md: the calcium stays in the wall; the outcome follows the fracture dose, so every "
                      "session delivers its shocks"},
        {"device", "the planning protocol (README): an extracorporeal focused device; see device_reason"},
        {"target_material", "the planning protocol (README) (vascular calcium)"},
        {"efd_min", as_tendon},
        {"efd_default", as_tendon},
        {"efd_max", as_tendon},
        {"shocks_per_session_default", as_tendon},
        {"shocks_per_session_max", as_tendon},
        {"rate_per_min_default", as_tendon},
        {"rate_per_min_max", as_tendon},
        {"sessions_min", "the planning protocol (README) (1-4 sessions)"},
        {"sessions_default", "assumption: 2 sessions (IVL is one procedure; an extracorporeal plan needs repeats)"},
        {"sessions_max", "the planning protocol (README) (1-4 sessions)"},
        {"interval_days_min", "the planning protocol (README) (7-14 days)"},
        {"interval_days_default", "assumption: the shortest interval the issue allows"},
        {"interval_days_max", "the planning protocol (README) (7-14 days)"},
        {"clearance_size", "assumption: calcium cracked into plates below 2 mm no longer splints the wall"},
        {"cloud_diameter_factor", "assumption: the calcium stays in the wall"},
        {"motion_sd", "assumption: a limb does not breathe"},
        {"positioning_sd", "assumption: 'a few mm' of aiming error per session (the planning protocol (README))"},
        {"shrink_per_day", "assumption: wall calcium does not dissolve within weeks"},
        {"goal_probability", kGoalSource},
        {"reference_success_rate", "the planning protocol (README) (60 % peripheral vascular); PAD3 IVL 65.8 %"},
        {"typical_target_diameter", "assumption derived from a 16 mm long plaque arc over half the circumference of "
                                    "a 6 mm artery, 1 mm thick: 176 mm^3, the volume of a 7 mm sphere"},
        {"typical_window_loss", "assumption: 3 cm of tissue to a femoral artery x about 0.2 dB/cm (ATT)"},
        {"reference_focal_width", "as tendon (WOLF, 5 mm)"},
        {"reference_tau_eff", "SIM: as tendon (eswt_head level 10: 0.20 us)"},
        {"reference_positive_phase", "assumption: as tendon"},
        {"reference_p_plus_sd", "assumption: 5 % for an electromagnetic source (no measured spread found)"},
    };
    return p;
}

const std::map<std::string, Protocol>& table() {
    static const std::map<std::string, Protocol> t = [] {
        std::map<std::string, Protocol> m;
        for (Protocol p : {tendon(), gallbladder(), bile_duct(), vascular()}) m.emplace(p.indication, std::move(p));
        return m;
    }();
    return t;
}

}  // namespace

std::vector<std::string> indication_names() { return {"tendon", "gallbladder", "bile_duct", "vascular"}; }

const Protocol& protocol(const std::string& indication) {
    const auto& t = table();
    const auto it = t.find(indication);
    if (it == t.end())
        throw InputError(fmt("indication '", indication, "' is not known; accepted: tendon, gallbladder, bile_duct, "
                             "vascular"));
    return it->second;
}

Protocol intravascular_protocol(const Protocol& vascular) {
    Protocol p = vascular;
    p.device = "ivl_emitter";
    p.device_reason = "intravascular lithotripsy: the emitter inside a balloon in the artery; the outcome data of "
                      "this indication come from it (Disrupt PAD III)";
    p.shocks_per_session_default = 240;
    p.shocks_per_session_max = 400;
    p.rate_per_min_default = 60;
    p.rate_per_min_max = 120;
    p.sessions_default = 1;
    p.typical_window_loss_dB = 0;
    p.motion_sd_m = 0;
    p.positioning_sd_m = 0;
    p.source["device"] = "planning/OUTCOMES.md: offer the intravascular emitter for peripheral vascular calcification";
    p.source["shocks_per_session_default"] =
        "assumption: 240 pulses, the value the vascular procedural fit assumes for Disrupt PAD III (not published)";
    p.source["shocks_per_session_max"] = "REF 3.3: the peripheral E8 catheter delivers 400 pulses";
    p.source["rate_per_min_default"] = "assumption: 1 pulse per second";
    p.source["rate_per_min_max"] = "REF 3.3: the E8 fires at 2 Hz";
    p.source["sessions_default"] = "IVL is one procedure";
    p.source["positioning_sd"] = "the emitter sits in the lesion: no aiming error";
    return p;
}

FragmentationOptions fragmentation_options(const Protocol& p) {
    FragmentationOptions o;
    o.clearance_size_m = p.clearance_size_m;
    o.cloud_diameter_factor = p.cloud_diameter_factor;
    return o;
}

FragmentationModel fragmentation_model(const Protocol& p) {
    return FragmentationModel(stone_material(p.target_material), fragmentation_options(p));
}

}  // namespace lithosim::planning
