// Device presets. The numbers below are mirrored, with the reasoning behind every assumption, in models/DEVICES.md;
// keep the two in step.
//
// Source keys used in the comments and source strings (full references in DEVICES.md):
//   [PACLAB]  Boston University PACLab, "Acoustic Field", http://www.bu.edu/paclab/litho/acoustic.html (Cleveland
//             group): HM3 KZK field, "geometrical focus is at 12.8 cm", animation "radius normalised to the 77.5 mm,
//             the axial distance by 128 mm and the pressure by 6 MPa"; focal waveform p+ ~40 MPa, compressive spike
//             ~1 us, measured rise 30 ns (theory < 1 ns), tensile tail > 3 us, p- ~10 MPa.
//   [AC99]    Averkiou & Cleveland, JASA 106(1):102-112 (1999), "Modeling of an electrohydraulic lithotripter with
//             the KZK equation" (abstract): KZK "from the mouth of the ellipsoidal reflector"; geometrical acoustics
//             inside the reflector.
//   [QIN10]   Qin, Simmons, Sankin, Zhong, JASA 127(4):2635-2645 (2010): HM-3 at 20 kV, focal-plane p+ 49 MPa.
//   [HANDA09] Handa et al., BJU Int 103(9):1270-1274 (2009): HM3, 500 SW at 12 kV then 2000 SW at 24 kV.
//   [WILLIS06] Willis et al., J Am Soc Nephrol 17(3):663-673 (2006): HM3, 2000 SW at 24 kV.
//   [ISMST]   ISMST, "basic physical principles" (www.ismst.com/history_basic_physical_principles.htm; same text at
//             aimsp.org/ppofeswt): EH electrode at F1 of a "semi-ellipsoid"; EM flat coil + acoustic lens, rise
//             times "in the range of a few hundred nano seconds"; cylindrical EM source with a reflector; piezo:
//             "a few hundred to some thousand piezoelectric crystals ... mounted to a spherical surface".
//   [RASS21]  Rassweiler et al., J Endourol (2021), doi 10.1089/end.2021.0416: Siemens Lithoskop (flat coil +
//             acoustic lens) measured at levels 1, 5 and 8.
//   [FOKUS]   "Fokusgroesse und Stosswellendruecke: Vergleich von drei verschiedenen physikalischen
//             Stosswellengeneratoren" (authors/year not in the excerpt), needle hydrophone: EM generator mean focal
//             pressure 1000 +- 25 bar; piezoelectric 1400 +- 27 bar (max 1512 bar), 50 % focus 17 x 3 x 3 mm.
//   [PEREZ13] Perez, Chen, Matula, Karzova, Khokhlova, JASA 134(2) (2013), doi 10.1121/1.4812885: Duolith SD1 EM
//             head, focal p+ 2-45 MPa over all settings, rise 8-500 ns, no shock at any setting; standoffs 15 and
//             30 mm; focus "15 mm from the long standoff".
//   [SWMOA]   Shockwave Medical, mechanism-of-action page: "rapid increase of peak pressure for approximately one
//             micro-second, followed by a small negative pressure trough".
//   [SWCAT]   Shockwave catheters (sponsored sources listed in docs devices-clinical.md section 3.3): peripheral E8
//             balloons 2.5-6.0 mm, L6 8-12 mm.
//   [CHURCH89] Church, JASA 86(1):215-227 (1989): lithotripter pulse 2 e^(-alpha t) cos(omega t + pi/3),
//             alpha = 9.1e5 1/s, omega = 2 pi 83.3 kHz (as in solver/waveform.hpp).
//   [DER]     derived here; the derivation is in the comment next to the number and in DEVICES.md.
#include "models/devices.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "models/tissue.hpp"

namespace lithosim::models {

namespace {

constexpr double pi = std::numbers::pi;
constexpr double mm = 1e-3;
constexpr double MPa = 1e6;

// Compact number for messages and tables: up to 6 significant digits, no trailing zeros.
std::string fmt(double v) {
    std::ostringstream s;
    s << std::setprecision(6) << v;
    return s.str();
}

std::string range_text(const DeviceParameter& p) {
    const std::string unit = (p.unit == "1" || p.unit.empty()) ? "" : " " + p.unit;
    return fmt(p.min) + " to " + fmt(p.max) + unit;
}

[[noreturn]] void fail(const DevicePreset& d, const std::string& what) {
    throw std::invalid_argument("device " + d.name + ": " + what);
}

// ---- Numbers shared by several presets ------------------------------------------------------------------------

// Water at 20 degC, the bath of the field measurements: Marczak (1997) via models/tissue.hpp, 1482.46 m/s.
const double c_water = water_sound_speed(20.0);

// assumption: dominant frequency 0.4 MHz of lithotripter focal pulses, used only to turn published focal pressures
// into provisional source pressures through the linear focal gain of a cap, G = k h (on-axis focal pressure of a
// uniform spherical cap of depth h over its surface pressure). [DER] from [FOKUS] piezo focus 17 x 3 x 3 mm and the
// paraxial estimates lateral -6 dB width ~ 1.02 lambda F/D, axial -6 dB length ~ 7.1 lambda (F/D)^2 (textbook
// focusing estimates, not checked against a source here): the 17:3 ratio gives F/D = (17/3)/6.96 = 0.81, then
// lambda = 3 mm / (1.02 * 0.81) = 3.6 mm, f = c/lambda = 0.41 MHz; the DoLi-50's 5 mm width (Pishchalnikov et al.)
// with the em_lens F/D = 1.25 below gives 0.38 MHz. Rounded to 0.4 MHz.
constexpr double f_dominant_Hz = 0.4e6;

double cap_depth(double aperture, double R) { return R - std::sqrt(R * R - 0.25 * aperture * aperture); }
double linear_cap_gain(double aperture, double R) { return 2 * pi * f_dominant_Hz / c_water * cap_depth(aperture, R); }

// assumption: a 4:1 span in source pressure (16:1 in energy) between the lowest and the highest level of the
// lithotripters whose level tables were not found (em_lens, em_paraboloid, piezo_cap).
constexpr double level_span = 4.0;

// ---- hm3 --------------------------------------------------------------------------------------------------------
// [PACLAB]/[AC99]: the KZK model starts at the reflector mouth; its radius normalisation 77.5 mm is read as the
// mouth radius and its axial normalisation / geometric focus 128 mm as the mouth-to-F2 distance (readings to verify
// against AC99's full text, which was not available).
constexpr double hm3_mouth_radius_mm = 77.5;
constexpr double hm3_mouth_to_f2_mm = 128.0;
// assumption: the mouth lies in the equatorial plane (a half ellipsoid, the "semi-ellipsoid" of [ISMST]), so
// b = mouth radius and c = mouth-to-F2 distance. The HM3 semi-axes were not found (devices-clinical.md section 7).
const double hm3_b_mm = hm3_mouth_radius_mm;
const double hm3_a_mm = std::hypot(hm3_mouth_radius_mm, hm3_mouth_to_f2_mm);  // [DER] 149.63 mm
// Source strength at 20 kV, calibrated by simulation (models/DEVICES.md): 120 mJ through a 28 mm disc in the focal
// plane [QIN10] at dx = 0.125 mm gave 16.0 MPa at 1 mm per kV (15.4 gave 113.5 mJ, 13 gave 85 mJ). The first,
// linear estimate was 2.99 MPa/kV: [DER] the [PACLAB] KZK normalisation of 6 MPa read as the on-axis mouth pressure
// and carried back to the spark by geometrical acoustics (p_mouth = S (a + c) / ((a - c) d)); it gives a focal p+
// of 8 MPa, so that reading of the 6 MPa was wrong by a factor of about 5.
constexpr double hm3_anchor_kV = 20.0;
constexpr double hm3_p1mm_calibrated_MPa_per_kV = 16.0;

// ---- em_lens ----------------------------------------------------------------------------------------------------
// assumption: 120 mm aperture, 150 mm focal length (F/D 1.25). No flat-coil/lens geometry was found (Siemens
// Lithostar/Lithoskop, devices-clinical.md section 1.2); both lie in the 50-160 mm aperture and 60-170 mm focal
// distance bands of clinical lithotripters stated in issue 3.
constexpr double lens_aperture_mm = 120.0, lens_focal_mm = 150.0;
// Provisional top-level membrane pressure: [FOKUS] EM focal pressure 100 MPa (taken as the top level: assumption)
// over the linear gain of the equivalent cap (h = 12.5 mm, G = 21.2 at 0.4 MHz) = 4.7 MPa. [DER]
double lens_p_high_MPa() { return 100.0 / linear_cap_gain(lens_aperture_mm * mm, lens_focal_mm * mm); }

// ---- em_paraboloid ----------------------------------------------------------------------------------------------
// assumption (no Storz Modulith geometry found, devices-clinical.md section 1.2): coil radius 25 mm, length 45 mm,
// parabola focal parameter 110 mm, coil front end 140 mm from the focus. [DER] reflector radius r(z) = f_p -
// (z - z_F)^2 / (4 f_p): 32.2 mm at the coil's back end (> coil radius), 65.5 mm at the mouth (aperture 131 mm,
// inside the 50-160 mm band), focus 140 mm beyond the mouth (inside 60-170 mm).
constexpr double para_coil_radius_mm = 25.0, para_coil_length_mm = 45.0, para_focal_parameter_mm = 110.0,
                 para_front_to_focus_mm = 140.0;

// ---- piezo_cap --------------------------------------------------------------------------------------------------
// assumption: R = 150 mm (inside the 60-170 mm band) and aperture 180 mm so that F/D = 0.83, close to the
// F/D = 0.81 derived from the [FOKUS] piezo focus 17 x 3 x 3 mm (see f_dominant_Hz). Wolf Piezolith geometry not
// found (devices-clinical.md section 1.3).
constexpr double piezo_aperture_mm = 180.0, piezo_R_mm = 150.0;
// assumption: 1000 elements, inside "a few hundred to some thousand" [ISMST].
constexpr double piezo_elements = 1000;
// Provisional top-level surface pressure: [FOKUS] mean focal pressure 1400 bar = 140 MPa (taken as the top level:
// assumption) over the linear cap gain (h = 30 mm, G = 50.9 at 0.4 MHz) = 2.75 MPa. [DER]
double piezo_p_high_MPa() { return 140.0 / linear_cap_gain(piezo_aperture_mm * mm, piezo_R_mm * mm); }

// ---- eswt_head --------------------------------------------------------------------------------------------------
// assumption: aperture 50 mm, radius of curvature 60 mm (Duolith head geometry not found). The skin-contact plane
// is 45 mm from the cap apex (assumption: 15 mm apex to coupling membrane + the 30 mm long standoff [PEREZ13]), so
// the focus lies 15 mm beyond the standoff tip, where [PEREZ13] measured it.
constexpr double eswt_aperture_mm = 50.0, eswt_R_mm = 60.0, eswt_coupling_mm = 45.0;
// Calibrated by simulation to [PEREZ13]'s focal p+ 2 to 45 MPa over all settings (validation case eswt_perez2013).

// ---- Source strings for the recurring assumptions --------------------------------------------------------------
const char* kLevelsNotFound =
    "assumption: levels 1-10; the level table of this device type was not found; non-integer levels interpolate "
    "(inverse search only)";
const char* kPulseChurch1us =
    "assumption: Church (1989) pulse shape with a 1 us positive phase, the HM3-type focal spike duration (BU "
    "PACLab acoustic-field page); the source's own waveform was not found";
const char* kEmRise =
    "assumption: 300 ns, read from 'rise times ... a few hundred nano seconds' for EM sources (ISMST basic physical "
    "principles); nonlinear propagation steepens the front on the way to the focus";

std::vector<DevicePreset> build_presets() {
    std::vector<DevicePreset> t;

    {
        DevicePreset d;
        d.name = "hm3";
        d.calibration_dx_m = 0.125e-3;
        d.shot_to_shot_p_plus_sd = 4.7 / 49.0;
        d.shot_to_shot_source = "Li et al. 2017 (HM-3 shot-to-shot SD of p+ 4.7 MPa) at the 49 MPa of Qin et al. 2010 (shared/reference/devices-clinical.md §1.1)";
        d.kind = "electrohydraulic";
        d.description =
            "Dornier HM3-type electrohydraulic lithotripter: underwater spark at F1 of a rigid truncated "
            "ellipsoidal reflector focusing at F2 (modelled as the reflector itself plus the spark's spherical wave)";
        d.setting_key = "voltage_kV";
        d.law = CalibrationLaw::ProportionalToVoltage;
        d.source_quantity =
            "free-field peak pressure of the spark's spherical wave 1 mm from F1 (the solver's point-source "
            "convention)";
        d.calibration =
            "p(1 mm) = p1mm_MPa_per_kV * V. assumption: acoustic pulse energy proportional to the stored electrical "
            "energy C V^2 / 2, so pressure proportional to V. Anchor calibrated by simulation to the 120 mJ through "
            "a 28 mm disc at 20 kV of Qin et al. 2010 (JASA 127:2635), at dx = 0.125 mm; shot-to-shot spread "
            "+-4.7 MPa (Li et al. 2017) bounds any meaningful tolerance";
        d.parameters = {
            {"voltage_kV", "kV", hm3_anchor_kV, 12.0, 24.0,
             "default 20 kV: Qin et al. 2010 JASA 127:2635 (p+ 49 MPa in the focal plane at 20 kV); range 12-24 kV: "
             "lowest and highest HM3 voltages in the sources read (12 kV pretreatment, Handa et al. 2009 BJU Int "
             "103:1270; 24 kV clinical dose, Willis et al. 2006 J Am Soc Nephrol 17:663); the machine's own limits "
             "were not found"},
            {"aperture_radius_mm", "mm", hm3_mouth_radius_mm, 20.0, 150.0,
             "77.5 mm: radius normalisation of the HM3 KZK model (BU PACLab acoustic-field page), which starts at "
             "the reflector mouth (Averkiou & Cleveland 1999 JASA 106:102); read as the mouth radius (to verify)"},
            {"semi_minor_mm", "mm", hm3_b_mm, 20.0, 200.0,
             "assumption: b = aperture radius, i.e. the mouth is the ellipsoid's equator (a half ellipsoid, the "
             "'semi-ellipsoid' of the ISMST description of EH sources); HM3 semi-axes not found"},
            {"semi_major_mm", "mm", hm3_a_mm, 50.0, 300.0,
             "derived: sqrt(77.5^2 + 128^2) = 149.6 mm, so that the equatorial mouth lies 128 mm from F2, the "
             "geometric focus distance of the HM3 KZK model (BU PACLab; Averkiou & Cleveland 1999); gives F1-F2 "
             "256 mm and the spark 21.6 mm in front of the vertex"},
            {"p1mm_MPa_per_kV", "MPa/kV", hm3_p1mm_calibrated_MPa_per_kV, 0.01, 100.0,
             "calibrated by simulation: 120 mJ through a 28 mm disc in the focal plane at 20 kV (Qin et al. 2010), "
             "axisymmetric run in water at dx = 0.125 mm (lithosim validate --case hm3_qin2010 --full); gives peak "
             "p+ 50.5 MPa and p- -11 MPa"},
            {"positive_phase_us", "us", 2.0, 0.1, 5.0,
             "assumption: 2 us spark pulse; with 1 us the modelled focal pulse carried too little energy for its "
             "peak (E28 48 mJ at p+ 32 MPa), with 2 us the energy, p+ and p- of Qin 2010 and the Cleveland group "
             "fit together (focal positive phase 1.2 us, the HM3-type compressive spike of about 1 us, BU PACLab)"},
            {"rise_ns", "ns", 300.0, 0.0, 1000.0,
             "assumption: 300 ns, a front the calibration grid (0.125 mm) resolves, so the source does not change "
             "with the grid; the real spark front is a shock (theory < 1 ns, measured 30 ns limited by the "
             "hydrophone, BU PACLab), and at clinical voltages the focal wave steepens into a shock on the way "
             "whatever the source front; 0 = the solver's limit 4 dx / c (changes with the grid)"},
        };
        t.push_back(d);
    }

    {
        DevicePreset d;
        d.name = "em_lens";
        d.calibration_dx_m = 0.125e-3;
        d.shot_to_shot_p_plus_sd = 0.05;
        d.shot_to_shot_source = "assumption: 5 % for an electromagnetic source (no measured spread found; the Duolith SD1 measures 1.2 %, the HM-3 10 %)";
        d.kind = "electromagnetic_lens";
        d.description =
            "electromagnetic source with a flat coil, a flat circular membrane and an acoustic lens (Siemens "
            "Lithostar/Lithoskop type); modelled as the membrane's plane pulse carried onto an equivalent spherical "
            "cap of the same aperture with radius of curvature = lens focal length (thin lossless lens)";
        d.setting_key = "level";
        d.law = CalibrationLaw::GeometricInLevel;
        d.source_quantity = "membrane pressure amplitude, carried unchanged onto the equivalent cap surface";
        d.calibration =
            "p(L) = p_low * (p_high/p_low)^((L-1)/(N-1)), N = highest level (assumption: equal pressure ratios "
            "between levels; no level table found). Anchors PROVISIONAL, to be calibrated by simulation";
        d.parameters = {
            {"level", "1", 5.0, 1.0, 8.0,
             "range 1-8: Rassweiler et al. 2021 J Endourol (doi 10.1089/end.2021.0416) measured a flat-coil + lens "
             "source (Siemens Lithoskop) at levels 1, 5 and 8, the highest seen (assumption: 8 is the top; the "
             "machine's level count was not found); default 5, a level measured there"},
            {"aperture_mm", "mm", lens_aperture_mm, 40.0, 300.0,
             "assumption: no EM lens source geometry found; 120 mm lies in the 50-160 mm aperture band of clinical "
             "lithotripters required of the presets"},
            {"focal_length_mm", "mm", lens_focal_mm, 50.0, 300.0,
             "assumption: no lens focal length found; 150 mm lies in the issue's 60-170 mm band; F/D = 1.25"},
            {"p_low_MPa", "MPa", lens_p_high_MPa() / level_span, 0.01, 50.0,
             "PROVISIONAL. assumption: p_high / 4 (4:1 pressure span over the levels; level table not found)"},
            {"p_high_MPa", "MPa", lens_p_high_MPa(), 0.01, 50.0,
             "PROVISIONAL. derived: 100 MPa mean focal pressure of the EM generator in the 'Fokusgroesse und "
             "Stosswellendruecke' 3-source comparison (needle hydrophone; assumption: at the top level) over the "
             "linear focal gain k h = 21.2 of the equivalent cap at 0.4 MHz (assumption) = 4.7 MPa"},
            {"positive_phase_us", "us", 1.0, 0.1, 5.0, kPulseChurch1us},
            {"rise_ns", "ns", 300.0, 0.0, 2000.0, kEmRise},
        };
        t.push_back(d);
    }

    {
        DevicePreset d;
        d.name = "em_paraboloid";
        d.calibration_dx_m = 0.125e-3;
        d.shot_to_shot_p_plus_sd = 0.05;
        d.shot_to_shot_source = "assumption: 5 % for an electromagnetic source (no measured spread found)";
        d.kind = "electromagnetic_paraboloid";
        d.description =
            "electromagnetic source with a cylindrical coil and membrane radiating a cylindrical wave onto a rigid "
            "reflector of revolution with a parabolic meridian that focuses it on the axis (Storz Modulith type)";
        d.setting_key = "level";
        d.law = CalibrationLaw::GeometricInLevel;
        d.source_quantity = "pressure amplitude on the cylindrical coil surface (outgoing cylindrical wave)";
        d.calibration =
            "p(L) = p_low * (p_high/p_low)^((L-1)/(N-1)) (assumption, as em_lens). Anchors PROVISIONAL, to be "
            "calibrated by simulation";
        d.parameters = {
            {"level", "1", 5.0, 1.0, 8.0,
             "assumption: levels 1-8 as em_lens (Storz Modulith level count not found); default 5"},
            {"coil_radius_mm", "mm", para_coil_radius_mm, 5.0, 100.0,
             "assumption: no Storz Modulith geometry found (devices-clinical.md section 1.2); chosen with the three "
             "next numbers so that the reflector clears the coil and the aperture/focus lie in the issue's bands"},
            {"coil_length_mm", "mm", para_coil_length_mm, 5.0, 200.0, "assumption: see coil_radius_mm"},
            {"focal_parameter_mm", "mm", para_focal_parameter_mm, 20.0, 300.0,
             "assumption: see coil_radius_mm; f_p in the meridian parabola r(z) = f_p - (z - z_F)^2 / (4 f_p) "
             "(reflector radius in the focal plane); derived aperture 131 mm, reflector radius 32 mm at the coil's "
             "back end"},
            {"coil_front_to_focus_mm", "mm", para_front_to_focus_mm, 30.0, 300.0,
             "assumption: see coil_radius_mm; the mouth is the coil's front plane, so this is the mouth-to-focus "
             "distance (140 mm, in the issue's 60-170 mm band)"},
            {"p_low_MPa", "MPa", lens_p_high_MPa() / level_span, 0.01, 50.0,
             "PROVISIONAL. assumption: as em_lens (same membrane technology; no value found)"},
            {"p_high_MPa", "MPa", lens_p_high_MPa(), 0.01, 50.0,
             "PROVISIONAL. assumption: as em_lens (same membrane technology; no value found)"},
            {"positive_phase_us", "us", 1.0, 0.1, 5.0, kPulseChurch1us},
            {"rise_ns", "ns", 300.0, 0.0, 2000.0, kEmRise},
        };
        t.push_back(d);
    }

    {
        DevicePreset d;
        d.name = "piezo_cap";
        d.calibration_dx_m = 0.125e-3;
        d.shot_to_shot_p_plus_sd = 0.05;
        d.shot_to_shot_source = "assumption: 5 % (no measured spread found)";
        d.kind = "piezoelectric";
        d.description =
            "piezoelectric lithotripter: a spherical cap of many piezoceramic elements fired together (Wolf "
            "Piezolith type), treated as a continuous cap";
        d.setting_key = "level";
        d.law = CalibrationLaw::GeometricInLevel;
        d.source_quantity = "pressure amplitude on the cap surface";
        d.calibration =
            "p(L) = p_low * (p_high/p_low)^((L-1)/(N-1)) (assumption). Anchors PROVISIONAL, to be calibrated by "
            "simulation";
        d.parameters = {
            {"level", "1", 5.0, 1.0, 10.0, kLevelsNotFound},
            {"aperture_mm", "mm", piezo_aperture_mm, 20.0, 400.0,
             "assumption: Wolf Piezolith geometry not found; 180 mm gives F/D = 0.83, near the F/D = 0.81 derived "
             "from the 17 x 3 x 3 mm piezo focus of the 'Fokusgroesse und Stosswellendruecke' comparison "
             "(axial:lateral = 7.1 (F/D) / 1.02, paraxial estimates)"},
            {"radius_of_curvature_mm", "mm", piezo_R_mm, 20.0, 400.0,
             "assumption: focal length 150 mm, inside the issue's 60-170 mm band"},
            {"element_count", "1", piezo_elements, 1.0, 10000.0,
             "assumption: 1000, inside 'a few hundred to some thousand' piezoelectric crystals (ISMST basic "
             "physical principles); the axisymmetric model treats the cap as continuous"},
            {"p_low_MPa", "MPa", piezo_p_high_MPa() / level_span, 0.01, 50.0,
             "PROVISIONAL. assumption: p_high / 4 (4:1 pressure span; level table not found)"},
            {"p_high_MPa", "MPa", piezo_p_high_MPa(), 0.01, 50.0,
             "PROVISIONAL. derived: 140 MPa (1400 +- 27 bar) mean focal pressure of the piezoelectric source in the "
             "'Fokusgroesse und Stosswellendruecke' comparison (assumption: at the top level) over the linear cap "
             "gain k h = 50.9 at 0.4 MHz (assumption) = 2.75 MPa"},
            {"positive_phase_us", "us", 1.0, 0.1, 5.0, kPulseChurch1us},
            {"rise_ns", "ns", 300.0, 0.0, 2000.0,
             "assumption: as the EM sources (300 ns); no piezo source waveform found"},
        };
        t.push_back(d);
    }

    {
        DevicePreset d;
        d.name = "eswt_head";
        d.calibration_dx_m = 0.05e-3;
        d.shot_to_shot_p_plus_sd = 0.012;
        d.shot_to_shot_source = "Perez et al. 2013: maximum SD of peak pressure 1.2 % (shared/reference/devices-clinical.md A9)";
        d.kind = "eswt";
        d.description =
            "focused ESWT therapy head (Storz Duolith SD1 type, electromagnetic): a small focused cap behind a "
            "coupling standoff, focus 15 mm below the standoff tip; the required EFD range 0.01-0.6 mJ/mm^2";
        d.setting_key = "level";
        d.law = CalibrationLaw::GeometricInLevel;
        d.source_quantity = "pressure amplitude on the cap surface";
        d.calibration =
            "p(L) = p_low * (p_high/p_low)^((L-1)/(N-1)) (assumption: equal ratios between levels); end points "
            "calibrated by simulation to the Duolith's measured focal p+ range 2-45 MPa (Perez et al. 2013): "
            "axisymmetric runs in water at dx = 0.05 mm (lithosim validate eswt_perez2013 --full) give 2.0 MPa at "
            "level 1 and 45 MPa at level 10; the levels between follow the assumed law, not a measured table";
        d.parameters = {
            {"level", "1", 5.0, 1.0, 10.0, kLevelsNotFound},
            {"aperture_mm", "mm", eswt_aperture_mm, 10.0, 100.0,
             "assumption: Duolith head aperture not found; a small aperture"},
            {"focal_length_mm", "mm", eswt_R_mm, 10.0, 150.0,
             "assumption: radius of curvature 60 mm (head geometry not found); with coupling_distance_mm it puts "
             "the focus 15 mm below the 30 mm standoff tip as measured by Perez et al. 2013"},
            {"coupling_distance_mm", "mm", eswt_coupling_mm, 0.0, 150.0,
             "assumption: 15 mm from the cap apex to the head's coupling membrane + the 30 mm long standoff (Perez "
             "et al. 2013 JASA 134(2), doi 10.1121/1.4812885, standoffs 15 and 30 mm)"},
            {"p_low_MPa", "MPa", 1.0, 0.01, 50.0,
             "calibrated by simulation: focal p+ 2 MPa at level 1, the lowest of the Duolith SD1 (Perez et al. "
             "2013), at dx = 0.05 mm in water (linear there: focal gain 2.0 for the 1 us front)"},
            {"p_high_MPa", "MPa", 14.0, 0.01, 50.0,
             "calibrated by simulation: focal p+ 45 MPa at level 10, the highest of the Duolith SD1 (Perez et al. "
             "2013), at dx = 0.05 mm in water (nonlinear: 12 MPa gave 39.4, 15.5 gave 47.4, 20 gave 52.2 MPa)"},
            {"positive_phase_us", "us", 1.0, 0.1, 5.0, kPulseChurch1us},
            {"rise_ns", "ns", 1000.0, 0.0, 2000.0,
             "assumption: 1000 ns smooth front; the focal wave is about the source's time derivative, so the focal "
             "rise is about a third of it: 170 ns at level 1, inside the 8-500 ns Perez et al. 2013 measured on the "
             "Duolith, shortening by nonlinear steepening at high levels (55 ns at level 10). A 500 ns front needs "
             "a grid twice as fine for the same accuracy (p+ converges within 3 % at dx = 0.07 mm with 1000 ns)"},
        };
        t.push_back(d);
    }

    {
        DevicePreset d;
        d.name = "ivl_emitter";
        d.calibration_dx_m = 0.05e-3;
        d.shot_to_shot_p_plus_sd = 0.05;
        d.shot_to_shot_source = "assumption: 5 % (no measured spread found)";
        d.kind = "intravascular";
        d.description =
            "intravascular lithotripsy (Shockwave Medical type): a cylindrical spark emitter on the catheter inside "
            "a fluid-filled balloon in the vessel, radiating outward, axisymmetric about the vessel axis; one "
            "emitter (catheters carry two or more, fired in pairs on the L6)";
        d.setting_key = "level";
        d.law = CalibrationLaw::Fixed;
        d.source_quantity = "peak pressure amplitude on the emitter surface (outgoing cylindrical wave)";
        d.calibration =
            "one fixed output (assumption: no user energy setting found). p = p_source_MPa, PROVISIONAL: no IVL "
            "pressure measurement was found (devices-clinical.md section 7 item 6)";
        d.parameters = {
            {"level", "1", 1.0, 1.0, 1.0,
             "assumption: a single output level (no user-adjustable IVL energy found)"},
            {"emitter_radius_mm", "mm", 0.5, 0.1, 3.0,
             "assumption: emitter dimensions not found; 0.5 mm, a ring around a catheter shaft that carries a "
             "0.014 in (0.36 mm) guidewire"},
            {"emitter_length_mm", "mm", 2.0, 0.2, 20.0, "assumption: emitter dimensions not found"},
            {"balloon_diameter_mm", "mm", 5.0, 2.5, 12.0,
             "range 2.5-12 mm: Shockwave peripheral E8 balloons 2.5-6.0 mm and L6 8-12 mm (sponsored sources, "
             "devices-clinical.md section 3.3); default 5 mm, a femoropopliteal size inside the E8 range "
             "(assumption)"},
            {"p_source_MPa", "MPa", 10.0, 0.1, 100.0,
             "PROVISIONAL. assumption: 10 MPa on the emitter surface, so that after cylindrical spreading "
             "(sqrt(r_e/r)) the balloon wall sees a few MPa, the order of the non-focused ballistic pulses (2-10 "
             "MPa, Ueberle & Jamshidi-Rad, Acta Phys Pol A 127:135); no IVL pressure found"},
            {"positive_phase_us", "us", 1.0, 0.1, 5.0,
             "Shockwave Medical mechanism-of-action page: 'rapid increase of peak pressure for approximately one "
             "micro-second, followed by a small negative pressure trough'; Church (1989) shape (assumption)"},
            {"rise_ns", "ns", 100.0, 0.0, 1000.0,
             "assumption: 100 ns, a front a 0.05 mm grid resolves (a spark emitter radiates a shock front like "
             "hm3, thinner than any grid); 0 = the solver's limit 4 dx / c (changes with the grid)"},
        };
        t.push_back(d);
    }

    return t;
}

// ---- Geometry from parameters -----------------------------------------------------------------------------------

DeviceGeometry geometry_of(const DevicePreset& d) {
    const auto v = [&](const char* key) { return d.value(key); };
    if (d.kind == "electrohydraulic") {
        return EllipsoidalReflector{v("semi_major_mm") * mm, v("semi_minor_mm") * mm, v("aperture_radius_mm") * mm};
    }
    if (d.kind == "electromagnetic_lens") return LensSource{v("aperture_mm") * mm, v("focal_length_mm") * mm};
    if (d.kind == "electromagnetic_paraboloid") {
        return ParaboloidReflector{v("coil_radius_mm") * mm, v("coil_length_mm") * mm, v("focal_parameter_mm") * mm,
                                   v("coil_front_to_focus_mm") * mm};
    }
    if (d.kind == "piezoelectric") {
        return SphericalCap{v("aperture_mm") * mm, v("radius_of_curvature_mm") * mm,
                            static_cast<int>(std::lround(v("element_count")))};
    }
    if (d.kind == "eswt") {
        return EswtHead{SphericalCap{v("aperture_mm") * mm, v("focal_length_mm") * mm, 0},
                        v("coupling_distance_mm") * mm};
    }
    if (d.kind == "intravascular") {
        return CylindricalEmitter{v("emitter_radius_mm") * mm, v("emitter_length_mm") * mm,
                                  v("balloon_diameter_mm") * mm};
    }
    fail(d, "unknown device kind '" + d.kind + "'");
}

// Cross-parameter checks (ranges are checked per parameter). One line each, naming the keys and the values.
void check_consistency(const DevicePreset& d) {
    const DeviceGeometry g = geometry_of(d);
    if (const auto* e = std::get_if<EllipsoidalReflector>(&g)) {
        if (!(e->semi_major_m > e->semi_minor_m)) {
            fail(d, "semi_major_mm = " + fmt(d.value("semi_major_mm")) + " must exceed semi_minor_mm = " +
                        fmt(d.value("semi_minor_mm")) + " (a prolate ellipsoid with F1 and F2 on its axis)");
        }
        if (e->aperture_radius_m > e->semi_minor_m) {
            fail(d, "aperture_radius_mm = " + fmt(d.value("aperture_radius_mm")) + " exceeds semi_minor_mm = " +
                        fmt(d.value("semi_minor_mm")) + " (the mouth cannot be wider than the ellipsoid)");
        }
        if (!(e->z_mouth_m() > e->z_f1_m())) {
            fail(d, "the mouth (" + fmt(e->z_mouth_m() / mm) + " mm from the vertex) is behind the spark at F1 (" +
                        fmt(e->z_f1_m() / mm) + " mm): widen aperture_radius_mm or lengthen semi_major_mm");
        }
    } else if (const auto* l = std::get_if<LensSource>(&g)) {
        if (!(l->aperture_m < 2 * l->focal_length_m)) {
            fail(d, "aperture_mm = " + fmt(d.value("aperture_mm")) + " must be below 2 x focal_length_mm = " +
                        fmt(2 * d.value("focal_length_mm")) + " (equivalent cap)");
        }
    } else if (const auto* p = std::get_if<ParaboloidReflector>(&g)) {
        const double r_back = p->reflector_radius_at_m(0);
        if (!(r_back > p->coil_radius_m)) {
            fail(d, "the reflector radius at the coil's back end (" + fmt(r_back / mm) +
                        " mm) must exceed coil_radius_mm = " + fmt(d.value("coil_radius_mm")) +
                        ": raise focal_parameter_mm or shorten coil_length_mm / coil_front_to_focus_mm");
        }
    } else if (const auto* c = std::get_if<SphericalCap>(&g)) {
        if (!(c->aperture_m < 2 * c->radius_of_curvature_m)) {
            fail(d, "aperture_mm = " + fmt(d.value("aperture_mm")) + " must be below 2 x radius_of_curvature_mm = " +
                        fmt(2 * d.value("radius_of_curvature_mm")));
        }
    } else if (const auto* h = std::get_if<EswtHead>(&g)) {
        if (!(h->cap.aperture_m < 2 * h->cap.radius_of_curvature_m)) {
            fail(d, "aperture_mm = " + fmt(d.value("aperture_mm")) + " must be below 2 x focal_length_mm = " +
                        fmt(2 * d.value("focal_length_mm")));
        }
        if (!(h->coupling_distance_m >= h->cap.depth_m() && h->coupling_distance_m < h->cap.radius_of_curvature_m)) {
            fail(d, "coupling_distance_mm = " + fmt(d.value("coupling_distance_mm")) + " must lie between the cap "
                        "depth " + fmt(h->cap.depth_m() / mm) + " mm and focal_length_mm = " +
                        fmt(d.value("focal_length_mm")) + " (contact plane in front of the rim, focus beyond it)");
        }
    } else if (const auto* i = std::get_if<CylindricalEmitter>(&g)) {
        if (!(i->emitter_radius_m < 0.5 * i->balloon_diameter_m)) {
            fail(d, "emitter_radius_mm = " + fmt(d.value("emitter_radius_mm")) +
                        " must be below half of balloon_diameter_mm = " + fmt(d.value("balloon_diameter_mm")));
        }
    }
    if (d.law == CalibrationLaw::GeometricInLevel && !(d.value("p_high_MPa") > d.value("p_low_MPa"))) {
        fail(d, "p_high_MPa = " + fmt(d.value("p_high_MPa")) + " must exceed p_low_MPa = " +
                    fmt(d.value("p_low_MPa")) + " (pressure rises with the level)");
    }
}

const std::vector<DevicePreset>& presets() {
    static const std::vector<DevicePreset> table = [] {
        std::vector<DevicePreset> t = build_presets();
        for (const DevicePreset& d : t) check_consistency(d);  // the defaults must be consistent too
        return t;
    }();
    return table;
}

std::string accepted_keys(const DevicePreset& d) {
    std::string s;
    for (const DeviceParameter& p : d.parameters) s += (s.empty() ? "" : ", ") + p.key;
    return s;
}

void check_range(const DevicePreset& d, const DeviceParameter& p, double value) {
    if (!(value >= p.min && value <= p.max)) {  // also rejects NaN
        fail(d, p.key + " = " + fmt(value) + " is outside the accepted range " + range_text(p));
    }
}

}  // namespace

// ---- DevicePreset -----------------------------------------------------------------------------------------------

const DeviceParameter& DevicePreset::parameter(const std::string& key) const {
    for (const DeviceParameter& p : parameters) {
        if (p.key == key) return p;
    }
    fail(*this, "unknown parameter '" + key + "'; accepted: " + accepted_keys(*this));
}

double DevicePreset::value(const std::string& key) const { return parameter(key).value; }

// ---- Geometry ---------------------------------------------------------------------------------------------------

double EllipsoidalReflector::focal_offset_m() const {
    return std::sqrt(semi_major_m * semi_major_m - semi_minor_m * semi_minor_m);
}
double EllipsoidalReflector::f1_f2_distance_m() const { return 2 * focal_offset_m(); }
double EllipsoidalReflector::z_f1_m() const { return semi_major_m - focal_offset_m(); }
double EllipsoidalReflector::z_f2_m() const { return semi_major_m + focal_offset_m(); }
double EllipsoidalReflector::z_mouth_m() const {
    const double q = aperture_radius_m / semi_minor_m;
    return semi_major_m * (1 - std::sqrt(std::max(0.0, 1 - q * q)));
}
double EllipsoidalReflector::focal_distance_m() const { return z_f2_m() - z_mouth_m(); }
double EllipsoidalReflector::radius_at_m(double z) const {
    const double u = (z - semi_major_m) / semi_major_m;
    return semi_minor_m * std::sqrt(std::max(0.0, 1 - u * u));
}

double LensSource::cap_depth_m() const { return cap_depth(aperture_m, focal_length_m); }

double ParaboloidReflector::z_focus_m() const { return coil_length_m + coil_front_to_focus_m; }
double ParaboloidReflector::reflector_radius_at_m(double z) const {
    const double dz = z - z_focus_m();
    return focal_parameter_m - dz * dz / (4 * focal_parameter_m);
}
double ParaboloidReflector::aperture_radius_m() const { return reflector_radius_at_m(coil_length_m); }
double ParaboloidReflector::path_to_focus_m() const { return 2 * focal_parameter_m - coil_radius_m; }

double SphericalCap::depth_m() const { return cap_depth(aperture_m, radius_of_curvature_m); }
double SphericalCap::half_angle_rad() const { return std::asin(0.5 * aperture_m / radius_of_curvature_m); }
double SphericalCap::area_m2() const { return 2 * pi * radius_of_curvature_m * depth_m(); }

double EswtHead::focal_depth_m() const { return cap.radius_of_curvature_m - coupling_distance_m; }

DeviceGeometry device_geometry(const DevicePreset& preset) { return geometry_of(preset); }

std::optional<double> geometric_focus_z_m(const DevicePreset& preset) {
    const DeviceGeometry g = geometry_of(preset);
    if (const auto* e = std::get_if<EllipsoidalReflector>(&g)) return e->z_f2_m();
    if (const auto* l = std::get_if<LensSource>(&g)) return l->focal_length_m;
    if (const auto* p = std::get_if<ParaboloidReflector>(&g)) return p->z_focus_m();
    if (const auto* c = std::get_if<SphericalCap>(&g)) return c->radius_of_curvature_m;
    if (const auto* h = std::get_if<EswtHead>(&g)) return h->cap.radius_of_curvature_m;
    return std::nullopt;
}

// ---- Pulse ------------------------------------------------------------------------------------------------------

double DevicePulse::church_alpha_per_s() const { return 9.1e5 * (1e-6 / positive_phase_s); }
double DevicePulse::church_omega_rad_per_s() const { return pi / (6 * positive_phase_s); }

DevicePulse device_pulse(const DevicePreset& preset) {
    return DevicePulse{preset.value("positive_phase_us") * 1e-6, preset.value("rise_ns") * 1e-9};
}

// ---- Calibration ------------------------------------------------------------------------------------------------

double source_pressure_Pa(const DevicePreset& d, double setting) {
    const DeviceParameter& s = d.parameter(d.setting_key);
    check_range(d, s, setting);
    switch (d.law) {
    case CalibrationLaw::ProportionalToVoltage: return d.value("p1mm_MPa_per_kV") * setting * MPa;
    case CalibrationLaw::GeometricInLevel: {
        const double lo = d.value("p_low_MPa"), hi = d.value("p_high_MPa");
        const double x = s.max > s.min ? (setting - s.min) / (s.max - s.min) : 1.0;
        return lo * std::pow(hi / lo, x) * MPa;
    }
    case CalibrationLaw::Fixed: return d.value("p_source_MPa") * MPa;
    }
    fail(d, "unknown calibration law");
}

double source_pressure_Pa(const DevicePreset& d) { return source_pressure_Pa(d, d.setting()); }

// ---- Lookup, overrides, listing ---------------------------------------------------------------------------------

const DevicePreset& device_preset(const std::string& name) {
    for (const DevicePreset& d : presets()) {
        if (d.name == name) return d;
    }
    std::string accepted;
    for (const DevicePreset& d : presets()) accepted += (accepted.empty() ? "" : ", ") + d.name;
    throw std::invalid_argument("unknown device '" + name + "'; accepted devices: " + accepted);
}

std::vector<std::string> device_preset_names() {
    std::vector<std::string> names;
    for (const DevicePreset& d : presets()) names.push_back(d.name);
    return names;
}

DevicePreset with_overrides(const DevicePreset& preset, const std::map<std::string, double>& overrides) {
    DevicePreset d = preset;
    for (const auto& [key, value] : overrides) {
        auto it = std::find_if(d.parameters.begin(), d.parameters.end(),
                               [&](const DeviceParameter& p) { return p.key == key; });
        if (it == d.parameters.end()) {
            fail(d, "unknown parameter '" + key + "'; accepted: " + accepted_keys(d));
        }
        check_range(d, *it, value);
        it->value = value;
    }
    check_consistency(d);
    return d;
}

namespace {

// Derived geometry in words, in mm, for the listing.
std::string derived_text(const DevicePreset& d) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1);
    const DeviceGeometry g = geometry_of(d);
    if (const auto* e = std::get_if<EllipsoidalReflector>(&g)) {
        s << "c = " << e->focal_offset_m() / mm << " mm, F1-F2 = " << e->f1_f2_distance_m() / mm
          << " mm, vertex-F1 = " << e->z_f1_m() / mm << " mm, vertex-mouth = " << e->z_mouth_m() / mm
          << " mm, mouth-F2 (geometric focus from the aperture) = " << e->focal_distance_m() / mm << " mm";
    } else if (const auto* l = std::get_if<LensSource>(&g)) {
        s << "equivalent cap depth = " << l->cap_depth_m() / mm << " mm, focus " << l->focal_length_m / mm
          << " mm from the membrane";
    } else if (const auto* p = std::get_if<ParaboloidReflector>(&g)) {
        s << "reflector radius " << p->reflector_radius_at_m(0) / mm << " mm at the coil's back end, "
          << p->aperture_radius_m() / mm << " mm at the mouth (aperture " << 2 * p->aperture_radius_m() / mm
          << " mm), focus " << p->z_focus_m() / mm << " mm from the coil's back end, coil-to-focus path "
          << p->path_to_focus_m() / mm << " mm";
    } else if (const auto* c = std::get_if<SphericalCap>(&g)) {
        s << "cap depth = " << c->depth_m() / mm << " mm, half-angle = " << c->half_angle_rad() * 180 / pi
          << " deg, area per element = " << c->area_m2() / std::max(1, c->element_count) / (mm * mm) << " mm^2";
    } else if (const auto* h = std::get_if<EswtHead>(&g)) {
        s << "cap depth = " << h->cap.depth_m() / mm << " mm, focus " << h->focal_depth_m() / mm
          << " mm below the contact plane";
    } else if (const auto* i = std::get_if<CylindricalEmitter>(&g)) {
        s << "emitter-to-balloon-wall gap = " << (0.5 * i->balloon_diameter_m - i->emitter_radius_m) / mm << " mm";
    }
    return s.str();
}

std::string law_name(CalibrationLaw law) {
    switch (law) {
    case CalibrationLaw::ProportionalToVoltage: return "proportional to voltage";
    case CalibrationLaw::GeometricInLevel: return "geometric in level";
    case CalibrationLaw::Fixed: return "fixed";
    }
    return "?";
}

}  // namespace

std::string describe_devices() {
    std::ostringstream s;
    s << "Device presets: [source] type = device, device = NAME; any parameter below can be set in [source] by its "
         "key.\nValues marked PROVISIONAL are to be calibrated by simulation; 'assumption:' marks numbers that are "
         "not published. Tables and reasoning: models/DEVICES.md.\n";
    for (const DevicePreset& d : presets()) {
        s << "\n" << d.name << " (" << d.kind << ")\n  " << d.description << "\n";
        const DeviceParameter& set = d.parameter(d.setting_key);
        s << "  setting: " << set.key << ", " << range_text(set) << ", default " << fmt(set.value)
          << " -> source pressure " << fmt(source_pressure_Pa(d) / MPa) << " MPa at the default ("
          << fmt(source_pressure_Pa(d, set.min) / MPa) << " to " << fmt(source_pressure_Pa(d, set.max) / MPa)
          << " MPa over the range)\n";
        s << "  source pressure: " << d.source_quantity << "\n";
        s << "  calibration (" << law_name(d.law) << "): " << d.calibration << "\n";
        s << "  derived: " << derived_text(d) << "\n";
        const DevicePulse pulse = device_pulse(d);
        s << "  pulse: Church (1989) shape, positive phase " << fmt(pulse.positive_phase_s * 1e6) << " us, rise "
          << (pulse.rise_s > 0 ? fmt(pulse.rise_s * 1e9) + " ns" : std::string("at the solver's resolution limit"))
          << "\n";
        s << "  " << std::left << std::setw(24) << "key" << std::setw(8) << "unit" << std::setw(11) << "default"
          << std::setw(18) << "range" << "source\n";
        for (const DeviceParameter& p : d.parameters) {
            s << "  " << std::left << std::setw(24) << p.key << std::setw(8) << p.unit << std::setw(11) << fmt(p.value)
              << std::setw(18) << (fmt(p.min) + " .. " + fmt(p.max)) << p.source << "\n";
        }
    }
    return s.str();
}

std::vector<DeviceStandoff> device_standoffs(const DevicePreset& preset) {
    std::vector<DeviceStandoff> out{{"the preset's coupling", {}, "the preset"}};
    if (preset.name == "eswt_head") {
        // Perez et al. 2013 (JASA 134(2), doi 10.1121/1.4812885) measured the Duolith SD1 with standoffs of 15 and
        // 30 mm; the preset holds the 30 mm one (coupling_distance_mm 45 = 15 + 30). The 15 mm standoff brings the
        // head 15 mm closer: the focus lies 30 mm below the contact plane instead of 15 mm.
        const double d = preset.value("coupling_distance_mm");
        if (d - 15 >= 0)
            out.push_back({"15 mm standoff", {{"coupling_distance_mm", d - 15}},
                           "Perez et al. 2013: Duolith SD1 standoffs of 15 and 30 mm"});
    }
    return out;
}

}  // namespace lithosim::models
