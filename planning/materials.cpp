// Target materials of the fragmentation model (planning/fragmentation.hpp). Every number carries its source or is
// labelled "assumption:"; the table with the reasoning behind each row is in planning/FRAGMENTATION.md §6.
//
// What the model uses of a material: rho and c_L (the acoustic impedance that sets how much of the incident pressure
// becomes tensile stress, and c_L the pulse's length in the stone), the tensile strength (Weibull scale at the
// reference diameter; the threshold is a fixed fraction of it), the Weibull modulus m (size effect and scatter).
// c_T is carried for the solver and the reports; the model does not use it.
//
// Sources named below (full references in FRAGMENTATION.md §8):
//   Esch 2010   Esch E, Simmons WN, Sankin G, et al., Urol Res 2010 (BegoStone 15:3 ... 15:6), via
//               ../shared/reference/devices-clinical.md §6.
//   Zhong 1994  Zhong P, Preminger GM, J Endourol 8(4):263 (1994): calcium apatite and struvite calculi have the
//               lowest wave speeds and moduli, COM and cystine the highest (devices-clinical.md §6).
//   ipec        BegoStone 15:6 is the struvite analogue (devices-clinical.md §6).
//   Uchida 1994 Uchida M et al., ASTM STP (1994): most urinary calculi below 1.5 MPa tensile (devices-clinical.md §6).
//   Ali 2012    Mohamed Ali AR, Arunai Nambi Raj N, Adv Mater Res 584:494 (2012): one COM calculus, tensile
//               0.57-1.52 MPa (devices-clinical.md §6).
//   Oliva 2012  Oliva F, Via AG, Maffulli N, BMC Med 10:95 (2012), Table 3 after Uhthoff: in the resorptive phase
//               the deposit is thick, creamy, toothpaste-like.
//   Stranne 1990 Stranne SK, Cocks FH, Gettliffe R, J Biomed Mater Res 24(8):1049 (1990): gallstone hardness and
//               fracture strength significantly below kidney-stone values; brittle fracture in simulated bile.
//   Saied 2020  Egypt J Surg 39(1):271 (2020) (authors as listed by the journal: Saied et al.; corresponding
//               author Moustafa KG): 300 gallstones, cholesterol 70.8 % on average, mean specific gravity 0.86
//               (0.69-1.67).
//   Good 1979   Good LI et al., Gastroenterology 77(2):258 (1979): 4 of 7 stones with > 88 % cholesterol floated.
//   Choudhuri 1994 Eur J Clin Invest (doi 10.1111/j.1365-2362.1994.tb02055.x): cholesterol-rich gallstones needing
//               > 1000 shocks had less calcium bilirubinate; Kim 1991 Korean J Intern Med 6(1): shocks needed rose
//               with cholesterol content.
//   Marra 2006  Marra SP et al., Acta Biomater 2:515 (2006): aortic calcified deposits are mainly calcium phosphate.
//   MDPI 2025   Bioengineering 12(9):946 (2025): cortical bone 1862 kg/m^3, 3194 m/s (physics-numerics.md).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "planning/fitted_parameters.hpp"
#include "planning/fragmentation.hpp"
#include "core/errors.hpp"

namespace lithosim::planning {

namespace {

// The Weibull modulus of the per-shock break law. For BegoStone it is fitted (FRAGMENTATION.md §5): m = 2 makes the
// break hazard well above threshold grow as p+^2, i.e. with the pulse energy, which brings the three fields of Qin
// et al. 2010 (49 MPa / 11 mm, 87 MPa / 4 mm, 33 MPa / 18 mm; ~120 mJ each, ~70 % comminution each) close
// together (the fit is flat for m = 1...2; 2 makes the hazard scale with energy). assumption: the same m for every
// other material - no measured flaw statistics were found for calculi, gallstones or calcified deposits.
constexpr double kWeibullModulus = 2.0;

// assumption: the strength is quoted for a 10 mm fragment (the size of the bench stones of Qin 2010 and Zhang
// 2016); the diametral-compression specimen size of Esch 2010 is not in the reference file.
constexpr double kReferenceDiameter_m = 10e-3;

const std::vector<StoneMaterial>& table() {
    static const std::vector<StoneMaterial> materials = {
        {"hydroxyapatite_dense",
         "calcific tendinitis deposit, Gaertner type I (dense, sharply outlined; formative/resting phase)",
         1563.0, 3148.0, 1813.0, 6.5e6, kWeibullModulus, kReferenceDiameter_m,
         "rho, c_L, c_T: assumption: the low end of the BegoStone range (15:6 mix, Esch 2010; the struvite "
         "analogue, ipec), because Zhong 1994 ranks calcium-apatite calculi with struvite at the lowest wave "
         "speeds; no measurement of tendon deposits was found. tensile 6.5 MPa: anchored (FRAGMENTATION.md §6) to "
         "the in-vitro finding that implanted deposits disintegrated only with >= 0.42 mJ/mm^2 and 2000 impulses "
         "(J Orthop Sci 2003, attributed to Perlick et al.; devices-clinical.md §3.1): with it a 10 mm deposit reaches 90 % below 2 mm after 2000 "
         "shocks at 43 MPa (0.42 mJ/mm^2) but 61 % at 32 MPa (0.23 mJ/mm^2), assumption: focal width 6 mm and "
         "p+ = sqrt(3 rho c EFD / 1 us) (a triangular 1 us positive phase). m, reference diameter: assumptions."},
        {"hydroxyapatite_translucent",
         "calcific tendinitis deposit, Gaertner type II/III (translucent, cloudy; resorptive phase, paste-like)",
         1300.0, 1700.0, 0.0, 0.65e6, kWeibullModulus, kReferenceDiameter_m,
         "assumption throughout: a paste of apatite crystals in fluid ('thick, creamy, toothpaste-like', Oliva "
         "2012): rho 1300 kg/m^3 and c_L 1700 m/s between tendon (1121 kg/m^3, 1827 m/s, MDPI 2025) and the dense "
         "deposit; no shear rigidity (c_T = 0); tensile 0.65 MPa, a tenth of the dense deposit. The brittle Weibull "
         "law is a poor description of a paste (FRAGMENTATION.md §7)."},
        {"cholesterol",
         "cholesterol gallstone (radiolucent, > 70 % cholesterol)",
         860.0, 2000.0, 1000.0, 1.2e6, kWeibullModulus, kReferenceDiameter_m,
         "rho 860 kg/m^3: mean specific gravity 0.86 of 300 cholesterol-rich gallstones (Saied 2020; such stones "
         "float, Good 1979). c_L 2000 m/s, c_T 1000 m/s: assumption (no gallstone sound speed found). tensile "
         "1.2 MPa: anchored (FRAGMENTATION.md §6) to Choudhuri 1994, where 33 of 76 cholesterol-rich stones needed "
         "> 1000 shocks in vitro to reach fragments <= 5 mm: a 15 mm stone reaches 95 % below 5 mm after 1000 "
         "shocks, assumption: p+ 40 MPa, focal width 8 mm (the Lithostar Plus field was not found). It lies inside "
         "the calculus range 0.57-1.52 MPa (Ali 2012), not below it as Stranne 1990 would suggest. Its impedance "
         "close to water's makes it hard to fragment although weak (Choudhuri 1994; Kim 1991)."},
        {"pigment",
         "pigment gallstone (calcium bilirubinate; black/brown)",
         1600.0, 2500.0, 1250.0, 1.2e6, kWeibullModulus, kReferenceDiameter_m,
         "rho 1600 kg/m^3: assumption near the top of the specific-gravity range 0.69-1.67 (Saied 2020). c_L "
         "2500 m/s, c_T 1250 m/s: assumption. tensile 1.2 MPa: assumption, the cholesterol stone's; pigment-rich "
         "stones fragment more easily (Choudhuri 1994), which the model gets from their larger impedance."},
        {"vascular_calcium",
         "calcified plaque of a peripheral artery (calcium phosphate sheet in the wall)",
         1862.0, 3194.0, 1780.0, 7.1e6, kWeibullModulus, kReferenceDiameter_m,
         "rho 1862 kg/m^3, c_L 3194 m/s: cortical bone (MDPI 2025), assumption: a calcium-phosphate deposit (Marra "
         "2006) resembles mineralised bone acoustically. c_T: assumption, c_L x 0.557 (the c_T/c_L of BegoStone 15:3, "
         "Esch 2010). tensile 7.1 MPa: assumption, as strong as wet BegoStone 15:3 (no strength of vascular "
         "calcification found). The deposit is a shell in the wall, not a sphere (FRAGMENTATION.md §7)."},
        {"begostone",
         "BegoStone 15:3 (powder:water by weight), the COM-like bench phantom",
         1995.0, 4159.0, 2319.0, 7.1e6, kWeibullModulus, kReferenceDiameter_m,
         "rho 1995 kg/m^3, c_L 4159 m/s, c_T 2319 m/s, tensile (water-soaked) 7.1 MPa: Esch 2010, the end of each "
         "range of the 15:3...15:6 mixes with the least water (assumption: the reference gives ranges across mixes; "
         "the 15:3 mix has the least water). 15:3 matches COM (ipec; Park 2024). m, reference diameter: "
         "assumptions (materials.cpp)."},
    };
    return materials;
}

/// The table with the fitted strengths applied (planning/fitted_parameters.hpp): a material whose strength was fitted
/// to clinical shock counts takes that value, and its source says so.
const std::vector<StoneMaterial>& fitted_table() {
    static const std::vector<StoneMaterial> materials = [] {
        std::vector<StoneMaterial> t = table();
        for (StoneMaterial& m : t)
            if (const FittedStrength* f = fitted_strength(m.name)) {
                m.tensile_strength_Pa = f->tensile_strength_Pa;
                m.source += fmt(" FITTED (supersedes the strength above): tensile ", f->tensile_strength_Pa / 1e6,
                                " MPa (log SD ", f->log_sd, ") fitted to ", f->fitted_to,
                                " (planning/FRAGMENTATION.md §5.3).");
            }
        return t;
    }();
    return materials;
}

}  // namespace

std::vector<std::string> stone_material_names() {
    std::vector<std::string> names;
    for (const auto& m : table()) names.push_back(m.name);
    return names;
}

const StoneMaterial& stone_material(const std::string& name) {
    for (const auto& m : fitted_table()) {
        if (m.name == name) return m;
    }
    std::string accepted;
    for (const auto& n : stone_material_names()) accepted += (accepted.empty() ? "" : ", ") + n;
    throw InputError(fmt("stone material '", name, "' is unknown; accepted: ", accepted));
}

StoneMaterial with_strength_factor(StoneMaterial material, double factor) {
    require_input(std::isfinite(factor) && factor > 0, "strength factor = ", factor, " for material '", material.name,
                  "' must be finite and > 0");
    material.tensile_strength_Pa *= factor;
    return material;
}

}  // namespace lithosim::planning
