// Written by validation/fit_parameters (do not edit): the parameters of planning/fitted_parameters.hpp fitted
// once to validation/data/outcome_groups.csv and validation/data/fragmentation_groups.csv.
// Command: build/validation/lithosim_fit_parameters --write planning/fitted_parameters.cpp
#include "planning/fitted_parameters.hpp"

namespace lithosim::planning {

const FittedParameters& fitted_parameters() {
    static const FittedParameters p = [] {
        FittedParameters t;
        t.fragmentation = {0.73414771321729655, 1.7933434200151008, 4.3932222960908867, 2.8539533123963447e-07};
        t.strengths.push_back({"cholesterol", 1510584.6038956034, 0.10878540212461189, "clinical series Am J Gastroenterol 1993 88:58; Lithostar Plus series (PMC1373945) (validation/data/fragmentation_groups.csv)"});
        t.strengths.push_back({"pigment", 21096280.199232921, 0.063389687514316104, "clinical series Dig Dis Sci 1996 (PMID 9011449); Haque 2020 (validation/data/fragmentation_groups.csv)"});
        {
            FittedOutcomeModel m;
            m.name = "tendon_resorption";
            m.coefficient_names = {"a", "b_type", "b_time", "b_dose", "gamma"};
            m.mean = {-1.5574129975623963, 1.6774153442977735, 0.57302241397859, 0.37649748914551157, 0.91800490299246329};
            m.covariance = {0.54773471157235076, -0.62091097502406356, -0.088293018926917766, -0.13026199175961223, 0.087316031758380125, -0.62091097502406356, 1.9362328273382885, -0.32316923119098928, 0.045417575169003188, -0.030443899783036507, -0.088293018926917738, -0.32316923119098939, 0.28181860104023054, 0.056114650318426787, -0.037614259705251681, -0.1302619917596122, 0.04541757516900316, 0.056114650318426787, 0.076356020203419556, -0.16915603469307827, 0.087316031758380097, -0.030443899783036441, -0.037614259705251681, -0.16915603469307827, 1.0918997271411353};
            m.tau = 0.82437977941507001;
            m.dispersion = 11.34289683049947;
            m.groups = 9;
            m.fitted_to = "Perlick 2003; Rompe 1998; Hsu 2008; Cosentino 2003; Gaertner (natural history)";
            t.outcomes.push_back(m);
        }
        {
            FittedOutcomeModel m;
            m.name = "tendon_clinical";
            m.coefficient_names = {"c", "c_type", "c_dose"};
            m.mean = {-1.758656846910678, 1.0102011994711488, 0.72000143809198169};
            m.covariance = {0.73335927798663414, -0.65860405251353593, -0.17263178258309431, -0.65860405251353593, 2.6772893454752564, -0.072984058626335765, -0.17263178258309431, -0.072984058626335752, 0.099676019609661909};
            m.tau = 1.0730917800449484;
            m.dispersion = 10.951902775512947;
            m.groups = 7;
            m.fitted_to = "Rompe 1998; Hsu 2008; Loew 1999; Wu 2019";
            t.outcomes.push_back(m);
        }
        {
            FittedOutcomeModel m;
            m.name = "gallbladder_clearance";
            m.coefficient_names = {"a_fragmented", "a_partial", "b_time", "b_bile_acid", "b_impaired", "b_stones", "b_calcified"};
            m.mean = {1.4006844604595614, -0.33515659282188665, 1.1356298883280724, 1.4279756809125737, -0.58774230835188013, -1.591385116015779, -1.3374478952813513};
            m.covariance = {0.16779841706934023, 0.097412124651890503, 0.095770527226775828, 0.052997172543607682, -0.030390619804607649, -0.1331697498981535, -0.15393197307204445, 0.097412124651890503, 0.29950411466216109, 0.06430929316552722, -0.022926325257189871, -0.014397374746318303, -0.20712035759766642, -0.10286543623156058, 0.095770527226775842, 0.06430929316552722, 0.20220626051108867, -0.010709805302410249, 0.17339583611214748, -0.025934880266920202, -0.088340439553997729, 0.052997172543607682, -0.022926325257189871, -0.010709805302410251, 0.24947572714497315, -0.060851692139203356, 0.023416880671920322, -0.04563346153139157, -0.030390619804607638, -0.014397374746318295, 0.17339583611214748, -0.060851692139203356, 0.84690055985915336, 0.093239556093990816, 0.027698997757418426, -0.1331697498981535, -0.20712035759766642, -0.025934880266920195, 0.023416880671920322, 0.093239556093990816, 0.30084896616603607, 0.12937974803476127, -0.15393197307204445, -0.10286543623156058, -0.088340439553997729, -0.04563346153139157, 0.027698997757418437, 0.12937974803476127, 0.67587369135254893};
            m.tau = 0.66079103417641161;
            m.dispersion = 7.4000513903398293;
            m.groups = 19;
            m.fitted_to = "Gastroenterology 1989 (PMID 2744359); Bentzen 1996; Torres 1991 (Dornier National Biliary Lithotripsy Study); Ertan 1992; Lithostar Plus series (PMC1373945); Pauletzki 1994; EJGH 2005 ten years piezoelectric ESWL";
            t.outcomes.push_back(m);
        }
        {
            FittedOutcomeModel m;
            m.name = "bile_duct_clearance";
            m.coefficient_names = {"h_fragmented", "h_partial"};
            m.mean = {2.3173368238476209, -2.4056463601467772};
            m.covariance = {0.10568066646658418, -0.27399069034501028, -0.27399069034501028, 2.7619887087664852};
            m.tau = 0.17358356500122288;
            m.dispersion = 1.3031546170824619;
            m.groups = 7;
            m.fitted_to = "Sauerbruch 1989 (multicentre); Sauerbruch 1992 (Munich); Moody (Gut table 3); Nicholson (Gut table 3); Dobrilla (Gut table 3); den Toom (Gut table 3)";
            t.outcomes.push_back(m);
        }
        {
            FittedOutcomeModel m;
            m.name = "vascular_fracture";
            m.coefficient_names = {"b_balloon", "phi0", "phi_arc"};
            m.mean = {-1.4398888935348686, 0.62532411720219161, 1.3880764485857835};
            m.covariance = {0.04368094167403045, -0.01284532561047862, 0.0042199773537565134, -0.01284532561047862, 0.069288280186014128, -0.032519084254408359, 0.0042199773537565134, -0.032519084254408359, 1.2957491347592076};
            m.tau = 0;
            m.dispersion = 1;
            m.groups = 3;
            m.fitted_to = "McInerney 2024 (coronary OCT); OCT-guided PCI registry";
            t.outcomes.push_back(m);
        }
        {
            FittedOutcomeModel m;
            m.name = "vascular_procedural";
            m.coefficient_names = {"s_fractured", "s_intact", "s_long"};
            m.mean = {1.0127931879322627, 0.13670248222948078, -0.95348929419212569};
            m.covariance = {0.038739703849991855, -0.0089171297351825565, -0.0072569840570099924, -0.0089171297351825565, 0.045467722648653917, -0.0072515413123592169, -0.0072569840570099924, -0.0072515413123592169, 0.024258634429064337};
            m.tau = 0;
            m.dispersion = 1;
            m.groups = 2;
            m.fitted_to = "Disrupt PAD III; Disrupt PAD III Observational";
            t.outcomes.push_back(m);
        }
        t.command = "build/validation/lithosim_fit_parameters --write planning/fitted_parameters.cpp";
        t.data_hash = "ce7b8769492170d5";
        return t;
    }();
    return p;
}

}  // namespace lithosim::planning
