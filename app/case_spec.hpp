// From a checked case (case_keys.hpp, units in the key names) to the solver's SI configuration, and back to the
// resolved case text stored with each result. All unit conversions of the command line happen here.
#pragma once
#include "app/case_keys.hpp"
#include "solver/simulation.hpp"
#include "solver/spec.hpp"

namespace lithosim::app {

/// The solver configuration of a case: mm -> m, us -> s, MPa -> Pa, MHz -> Hz, ...
/// Checks what involves several keys (size_mm has one number per dimension, unused coordinates are 0, the keys a
/// source type or waveform needs are given, the absorption band is ordered) and reads the waveform file.
/// Throws InputError naming the key, the value and what is accepted.
SimulationSpec build_spec(const CaseText& c);

/// Checks of the geometry that need the grid and that the solver would otherwise only make once the run has
/// started: every source lies inside the physical region and fits (the solver's own footprint check), and every
/// sensor point lies inside the physical region. Throws InputError.
void check_geometry(const SimulationSpec& spec, const Grid& grid);

/// The resolved case: the case's values plus, in CaseText::derived, the values the run derived for keys left unset
/// (medium properties from the preset, the cfl chosen by the solver), each marked with where it came from.
CaseText resolve_case(const CaseText& c, const RunPlan& plan);

}  // namespace lithosim::app
