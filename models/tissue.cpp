// Tissue presets and water fits. The table below is mirrored, with the reasoning behind every assumption, in
// models/README.md; keep the two in step.
//
// Source keys used in the comments and source strings:
//   [MDPI25]   Bioengineering 2025, 12(9):946 (doi 10.3390/bioengineering12090946), Appendix A.1 (density) and
//              A.2 (sound speed): ex vivo measurements, mean +- SD.
//   [PMB19]    Phys Med Biol 2019, 64(22):225001 (PMC6925591), Table 1, compiled from Duck 2013 and others.
//   [DIAG23]   Diagnostics 2023, 13(5):855 (PMC10001275), Table 4: attenuation in dB/cm at 1 MHz.
//   [KL]       Kay & Laby tables (via medicalalgorithms.com, cited in docs physics-numerics.md section 7.2).
//   [MAST00]   Mast, ARLO 1(2):37 (2000): soft-tissue relation c = (rho + 349)/0.893 (rho kg/m^3, c m/s).
//   [DUNN06]   JASA 2006 abstract "Floyd's contribution to B/A measurement of biological materials"
//              (acemap.info/paper/18850050): "B/A ... around 7 for many soft tissues, including liver, muscle, and
//              brain, but was around 11 for fat".
//   [KW-S2M]   k-Wave skull2medium.m (Treeby): soft tissue = IT'IS v4.0 brain (c 1550, rho 1045,
//              alpha 0.59 dB/(MHz^1.2 cm), y 1.2, B/A 6.7); bone B/A 374 (Renaud 2008, trabecular bone).
//   [BABEL]    BabelBrain material table (repo ProteusMRIgHIFU/BabelBrain), trabecular bone after Pichardo 2011.
//   [ESCH10]   Esch et al., Urol Res 2010: BegoStone, powder:water 15:3 to 15:6, rho 1563-1995, c_L 3148-4159.
//   [KELL75], [MARCZAK97], [BEYER60], [PINKERTON49]: the water fits below (k-Wave water*.m for the last three).
#include "models/tissue.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace lithosim::models {

namespace {

void require_range(const char* what, double T, double lo, double hi) {
    if (!(T >= lo && T <= hi)) {
        throw std::invalid_argument(std::string(what) + ": temperature " + std::to_string(T) +
                                    " degC is outside the fitted range " + std::to_string(lo) + " to " +
                                    std::to_string(hi) + " degC");
    }
}

// Water absorption prefactors for y = 2, from the Pinkerton (1949) polynomial as coded in k-Wave
// waterAbsorption.m, evaluated in docs physics-numerics.md section 7.1/7.2: 2.19e-3 at 20 degC, 1.39e-3 at 37 degC.
constexpr double kWaterAlpha20_dB_per_cm_MHz2 = 2.19e-3;
constexpr double kWaterAlpha37_dB_per_cm_MHz2 = 1.39e-3;

// assumption: y = 1.2 for the soft tissues whose attenuation is known only at 1 MHz. 1.2 is the exponent of the
// IT'IS v4.0 fit for brain [KW-S2M], the only soft-tissue exponent seen in a checked source; the k-Wave docs place
// soft-tissue exponents between 1 and 2. alpha0 is the 1 MHz value, so the choice of y changes alpha away from
// 1 MHz only.
constexpr double kSoftTissuePower = 1.2;

// Bone absorption: [DIAG23] "Bone 15.00 dB/cm at 1 MHz". assumption: y = 1 (absorption linear in f), as in the
// bone models of BabelBrain (alpha proportional to f_MHz) and Pinton 2012 (dB/m/MHz).
constexpr double kBoneAlpha_dB_per_cm_MHz = 15.0;
constexpr double kBonePower = 1.0;
// [KW-S2M]: k-Wave applies B/A = 374 (Renaud 2008, trabecular bone) to every skull voxel.
constexpr double kBoneBonA = 374.0;

std::vector<TissueProperties> build_presets() {
    std::vector<TissueProperties> t;

    t.push_back({"water", water_density(20.0), water_sound_speed(20.0), kWaterAlpha20_dB_per_cm_MHz2, 2.0,
                 water_BonA(20.0),
                 "water at 20 degC (lithotripter water bath): rho Kell 1975 (998.2); c Marczak 1997 (1482.46); "
                 "alpha 2.19e-3 dB/(cm MHz^2), y 2, Pinkerton 1949 fit in k-Wave waterAbsorption.m; "
                 "B/A 4.965 Beyer 1960 fit in k-Wave waterNonlinearity.m"});

    t.push_back({"blood", 1055.0, (1055.0 + 349.0) / 0.893, 0.15, kSoftTissuePower, 6.0,
                 "whole blood: rho 1055 Kay & Laby; alpha(1 MHz) 0.15 dB/cm Diagnostics 2023 13(5):855 Table 4; "
                 "assumption: c 1572 from Mast 2000 c=(rho+349)/0.893 (no direct blood value found); "
                 "assumption: y 1.2 (IT'IS brain exponent); assumption: B/A 6.0, between water at 37 degC (5.34) "
                 "and soft tissue (~7, Dunn 2006) since B/A rises with protein content (Dunn 2006)"});

    t.push_back({"fat", 927.0, 1462.0, 0.63, kSoftTissuePower, 11.0,
                 "adipose tissue: rho 927 and c 1462 Bioengineering 2025 12(9):946 App. A.1/A.2; "
                 "alpha(1 MHz) 0.63 dB/cm Diagnostics 2023 13(5):855 Table 4; B/A ~11 Dunn 2006 (JASA abstract); "
                 "assumption: y 1.2 (IT'IS brain exponent)"});

    t.push_back({"muscle", 1058.0, 1562.0, 0.96, kSoftTissuePower, 7.0,
                 "skeletal muscle, propagation across the fibres: rho 1058 and c 1562 Bioengineering 2025 "
                 "12(9):946 App. A.1/A.2; alpha(1 MHz) 0.96 dB/cm (perpendicular fibres) Diagnostics 2023 "
                 "13(5):855 Table 4; B/A ~7 Dunn 2006 (JASA abstract); assumption: y 1.2 (IT'IS brain exponent)"});

    t.push_back({"soft_tissue", 1045.0, 1550.0, 0.59, 1.2, 6.7,
                 "generic soft tissue = the soft-tissue set of k-Wave skull2medium.m (IT'IS v4.0 brain): rho 1045, "
                 "c 1550, alpha 0.59 dB/(cm MHz^1.2), y 1.2, B/A 6.7"});

    t.push_back({"tendon", 1121.0, 1827.0, 1.57, kSoftTissuePower, 7.0,
                 "tendon: rho 1121 and c 1827 Bioengineering 2025 12(9):946 App. A.1/A.2; alpha(1 MHz) 1.57 dB/cm "
                 "('connective tissue') Diagnostics 2023 13(5):855 Table 4; assumption: B/A 7, the soft-tissue "
                 "value of Dunn 2006 (no tendon value found); assumption: y 1.2 (IT'IS brain exponent)"});

    t.push_back({"liver", 1060.0, 1577.0, 0.50, kSoftTissuePower, 7.0,
                 "liver: rho 1060 and c 1577 Phys Med Biol 2019 64(22):225001 Table 1 (Duck 2013 et al.); "
                 "alpha(1 MHz) 0.50 dB/cm Diagnostics 2023 13(5):855 Table 4; B/A ~7 Dunn 2006 (JASA abstract); "
                 "assumption: y 1.2 (IT'IS brain exponent)"});

    t.push_back({"bile", water_density(37.0), water_sound_speed(37.0), kWaterAlpha37_dB_per_cm_MHz2, 2.0,
                 water_BonA(37.0),
                 "assumption: bile = water at 37 degC (no measured bile values found): rho Kell 1975 (993.3), "
                 "c Marczak 1997 (1523.9), alpha 1.39e-3 dB/(cm MHz^2) y 2 Pinkerton 1949 fit, B/A 5.34 Beyer 1960 "
                 "fit; solutes make real bile denser, faster and more absorbing"});

    t.push_back({"skin", 1131.0, 1655.0, 0.35, kSoftTissuePower, 7.0,
                 "skin: rho 1131 and c 1655 Bioengineering 2025 12(9):946 App. A.1/A.2; alpha(1 MHz) 0.35 dB/cm "
                 "Diagnostics 2023 13(5):855 Table 4; assumption: B/A 7, the soft-tissue value of Dunn 2006 "
                 "(no skin value found); assumption: y 1.2 (IT'IS brain exponent)"});

    t.push_back({"bone_cortical", 1862.0, 3194.0, kBoneAlpha_dB_per_cm_MHz, kBonePower, kBoneBonA,
                 "cortical bone as a fluid (no shear): rho 1862 and c 3194 Bioengineering 2025 12(9):946 "
                 "App. A.1/A.2; alpha(1 MHz) 15 dB/cm ('bone') Diagnostics 2023 13(5):855 Table 4; "
                 "assumption: y 1 (linear, as in BabelBrain and Pinton 2012 bone models); assumption: B/A 374, "
                 "the trabecular value (Renaud 2008) that k-Wave skull2medium.m applies to all bone"});

    t.push_back({"bone_trabecular", 1738.0, 2300.0, kBoneAlpha_dB_per_cm_MHz, kBonePower, kBoneBonA,
                 "trabecular bone as a fluid: rho 1738 and c 2300 (at 836 kHz) BabelBrain table after Pichardo "
                 "2011 (Bioengineering 2025 gives c 2325 +- 173); B/A 374 Renaud 2008 via k-Wave skull2medium.m; "
                 "assumption: alpha(1 MHz) 15 dB/cm, y 1, the 'bone' value of Diagnostics 2023 13(5):855 "
                 "(BabelBrain gives cortical and trabecular nearly equal coefficients)"});

    t.push_back({"calcification", 1862.0, 3194.0, kBoneAlpha_dB_per_cm_MHz, kBonePower, kBoneBonA,
                 "assumption: calcification (hydroxyapatite deposit) = cortical bone, the closest material with "
                 "measured values (both are biological apatite); no acoustic measurement of calcific deposits "
                 "found. rho 1862, c 3194 Bioengineering 2025 12(9):946; alpha 15 dB/cm at 1 MHz Diagnostics 2023 "
                 "13(5):855; y 1 and B/A 374 as bone_cortical"});

    t.push_back({"gallstone", 1563.0, 3148.0, kBoneAlpha_dB_per_cm_MHz, kBonePower, kBoneBonA,
                 "assumption: gallstone = softest BegoStone mix (15:6, rho 1563, c_L 3148; Esch et al. Urol Res "
                 "2010), a brittle-stone proxy; no gallstone acoustic values found. Pure cholesterol stones can "
                 "float in bile (Good et al. Gastroenterology 1979 77(2):258), so their density is near 1000 and "
                 "this preset overstates their impedance. assumption: alpha 15 dB/cm at 1 MHz, y 1, B/A 374 as "
                 "bone"});

    return t;
}

const std::vector<TissueProperties>& presets() {
    static const std::vector<TissueProperties> table = build_presets();
    return table;
}

}  // namespace

const TissueProperties& tissue_preset(const std::string& name) {
    for (const TissueProperties& p : presets()) {
        if (p.name == name) return p;
    }
    std::string accepted;
    for (const TissueProperties& p : presets()) {
        accepted += (accepted.empty() ? "" : ", ") + p.name;
    }
    throw std::invalid_argument("unknown tissue preset '" + name + "'; accepted names: " + accepted);
}

std::vector<std::string> tissue_preset_names() {
    std::vector<std::string> names;
    names.reserve(presets().size());
    for (const TissueProperties& p : presets()) names.push_back(p.name);
    return names;
}

double water_sound_speed(double T) {
    require_range("water_sound_speed (Marczak 1997)", T, 0.0, 95.0);
    // Marczak (1997), JASA 102:2776, coefficients as in k-Wave waterSoundSpeed.m; Horner form.
    return 1.402385e3 +
           T * (5.038813 + T * (-5.779136e-2 + T * (3.287156e-4 + T * (-1.398845e-6 + T * 2.787860e-9))));
}

double water_BonA(double T) {
    require_range("water_BonA (Beyer 1960 fit)", T, 0.0, 100.0);
    // 4th-order fit to Beyer (1960) data, coefficients as in k-Wave waterNonlinearity.m (physics-numerics 7.1).
    return 4.186533937275504 +
           T * (5.380874771364909e-2 +
                T * (-9.355518377254833e-4 + T * (1.047843302423604e-5 + T * -4.587913769504693e-8)));
}

double water_density(double T) {
    require_range("water_density (Kell 1975)", T, 0.0, 150.0);
    // Kell (1975), J. Chem. Eng. Data 20(1):97, rational polynomial for air-free water at 1 atm.
    const double numerator =
        999.83952 +
        T * (16.945176 + T * (-7.9870401e-3 + T * (-4.6170461e-5 + T * (1.0556302e-7 + T * -2.8054253e-10))));
    return numerator / (1.0 + 1.687985e-2 * T);
}

}  // namespace lithosim::models
