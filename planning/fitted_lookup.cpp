// Look-ups in the fitted table (planning/fitted_parameters.hpp).
#include <stdexcept>

#include "planning/fitted_parameters.hpp"

namespace lithosim::planning {

const FittedOutcomeModel& fitted_outcome(const std::string& name) {
    for (const auto& m : fitted_parameters().outcomes)
        if (m.name == name) return m;
    throw std::logic_error("the fitted table (planning/fitted_parameters.cpp) has no outcome model '" + name +
                           "': rerun validation/fit_parameters");
}

const FittedStrength* fitted_strength(const std::string& material) {
    for (const auto& s : fitted_parameters().strengths)
        if (s.material == material) return &s;
    return nullptr;
}

}  // namespace lithosim::planning
