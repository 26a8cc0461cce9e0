// Parameters fitted once to published data (issue 13 §2): the fragmentation model's constants and the stone
// strengths (planning/FRAGMENTATION.md §5) and the coefficients of the outcome models (planning/OUTCOMES.md).
//
// planning/fitted_parameters.cpp holds the numbers. It is written by the fitting tool
//     build/validation/lithosim_fit_parameters --write planning/fitted_parameters.cpp
// (validation/fit_parameters_main.cpp, validation/parameter_fit.cpp) from the data tables validation/data/outcome_groups.csv and
// validation/data/fragmentation_groups.csv; the command and a hash of the data are stored with the numbers, and the
// test [fit] re-runs the fit and checks that the compiled table is what the data give. Nothing here is tuned so that
// a phantom reproduces a rate: the phantoms are checked against the reference rates in `lithosim validate`.
#pragma once
#include <string>
#include <vector>

namespace lithosim::planning {

/// Constants of the fragmentation model's stress and break laws (FragmentationConstants).
struct FittedFragmentation {
    double threshold_ratio = 0;          ///< theta
    double pulse_length_ratio = 0;       ///< lambda
    double dynamic_strength_ratio = 0;   ///< D
    double erosion_depth_m = 0;          ///< delta_e
};

/// A stone material's tensile strength fitted to clinical shock counts: the value and the SD of its logarithm (the
/// fit's standard error, inflated by the between-study spread of the groups).
struct FittedStrength {
    std::string material;
    double tensile_strength_Pa = 0;
    double log_sd = 0;
    std::string fitted_to;
};

/// One outcome model: the maximum a posteriori coefficients, their covariance (Laplace approximation of the
/// posterior, multiplied by the dispersion when the groups scatter more than binomially) and tau, the SD of a
/// between-study shift of the linear predictor (DerSimonian-Laird on the groups' residuals; 0 when they do not
/// scatter).
struct FittedOutcomeModel {
    std::string name;
    std::vector<std::string> coefficient_names;
    std::vector<double> mean;
    std::vector<double> covariance;   ///< row-major, n x n
    double tau = 0;
    double dispersion = 1;
    int groups = 0;
    std::string fitted_to;            ///< the studies of the fitting groups
};

struct FittedParameters {
    FittedFragmentation fragmentation;
    std::vector<FittedStrength> strengths;
    std::vector<FittedOutcomeModel> outcomes;
    std::string command;      ///< how the table was written
    std::string data_hash;    ///< FNV-1a 64 of the data tables it was fitted to (validation::data_hash)
};

/// The compiled table (planning/fitted_parameters.cpp).
const FittedParameters& fitted_parameters();

/// The outcome model of this name; std::logic_error when the table has none (a build without its fit).
const FittedOutcomeModel& fitted_outcome(const std::string& name);

/// The fitted strength of a material, or nullptr when its strength is not fitted (an anchor or an assumption).
const FittedStrength* fitted_strength(const std::string& material);

}  // namespace lithosim::planning
