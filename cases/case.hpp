// The typed case: what every path that runs the solver builds. `lithosim simulate` reads one from a case file
// (case_keys.hpp parses and checks the text, case_from_text types it), the Python module from a dict of sections,
// the sweep varies one key at a time, and dose at depth and the planner fill one directly (a device setting is a
// number in Case::Source::device_parameters, a patient model an object in memory). Preparing a case
// (case_spec.hpp: prepare_case) turns it into the solver's SI configuration once.
//
// The fields keep the units of the case keys they stand for (grid.dx_mm is [grid] dx_mm, in mm); the key table
// (case_keys()) stays the single declaration of names, units, defaults and ranges: a default-constructed Case holds
// the table's defaults, check_case checks every value against its key, and case_text writes a Case back as case
// text, only for provenance (case.ini, the `case` attribute of result.h5).
#pragma once
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cases/case_keys.hpp"

namespace lithosim {

namespace io {
struct ModelFile;
}

struct Case {
    /// [grid]
    struct Grid {
        std::optional<std::string> dims;   ///< "1" | "2" | "3" | "axisymmetric" (required)
        std::optional<double> dx_mm;       ///< required
        std::optional<std::vector<double>> size_mm;  ///< required: X,Y,Z / X,Z (R,Z) / Z
        long long pml_cells = 0;
    };
    /// [time]
    struct Time {
        std::optional<double> t_end_us;    ///< required
        std::optional<double> cfl;         ///< unset: chosen by the solver
    };
    /// [medium]: a preset (with per-key overrides), layers, or a tissue model (a file, or one in memory).
    struct Medium {
        std::string preset;
        std::optional<std::vector<CaseLayer>> layers;
        /// [medium] model: the model file; with model_data set, the name the model is known by in the resolved case.
        std::optional<std::string> model;
        /// A model in memory (the planner's patient model): used instead of reading `model`. Not a case key.
        std::shared_ptr<const io::ModelFile> model_data;
        std::optional<double> model_target_z_mm;
        std::optional<double> c_m_per_s, rho_kg_per_m3, alpha_dB_per_cm_MHz, alpha_power, BonA;
    };
    /// [source]: a source of the solver (bowl, piston, plane, point) or a device preset with its setting.
    struct Source {
        std::optional<std::string> type;   ///< required
        std::optional<std::string> device;
        std::optional<double> aperture_mm, focal_length_mm;
        std::array<double, 3> position_mm{0, 0, 0};
        std::optional<std::string> waveform;
        std::optional<double> f0_MHz;
        double cycles = 0;
        std::optional<double> p0_MPa;
        std::optional<std::string> waveform_file;
        double rise_ns = 0, decay_per_us = 0, oscillation_kHz = 0, delay_us = 0;
        /// type = device: the device parameters the case sets (its energy setting, e.g. "level" or "voltage_kV",
        /// and overrides such as "coupling_distance_mm"), each a [source] key of the table. aperture_mm,
        /// focal_length_mm and rise_ns, which other source types share, are the fields above.
        std::map<std::string, double> device_parameters;
    };
    /// [sensor]
    struct Sensor {
        std::vector<std::array<double, 3>> points_mm;
        std::vector<std::string> maps;     ///< of p_max, p_min, efd
        std::optional<std::vector<double>> planes_z_mm, snapshots_us;
        std::vector<std::string> lines;    ///< of axis
    };
    /// [solver]
    struct Solver {
        long long order = 0;
        bool nonlinear = false, absorption = false;
        double shock_viscosity = 0, shock_filter = 0;
        long long relaxation_mechanisms = 0;
        double absorption_fmin_kHz = 0, absorption_fmax_MHz = 0;
    };

    Grid grid;
    Time time;
    Medium medium;
    Source source;
    Sensor sensor;
    Solver solver;

    /// The name of the case in messages and in the resolved case ("case.ini", "the plan's dose case", ...).
    std::string origin = "the case";
    /// Values read from case text (file, --set, the Python dict) as they were written, with their origin: messages
    /// quote them and the resolved case keeps them. A key with a default counts as given (not the default) when it is
    /// here, or when code set it through set_given.
    std::map<std::string, CaseValue> as_given;

    /// Every key at its table default; required keys and optional ones unset.
    Case();
};

/// The case a checked case text describes (parse_case / apply_override / case_from_entries checked every value).
/// Keys the text holds at their defaults stay defaults; the others are recorded in Case::as_given.
Case case_from_text(const CaseText& text);

/// The case as case text, for provenance: every key with a value, each quoted as given when it was (and still
/// holds that value), else written from the field (numbers with 12 significant digits), with its origin ("default",
/// the text's origin, or Case::origin for a value set in code). A model in memory is written as its name.
CaseText case_text(const Case& c);

/// Check every value against its key (kind, range, accepted words) and that the required keys are set: the same
/// checks and messages the case text gets, for a case filled in code. Throws InputError.
void check_case(const Case& c);

/// Whether the case gives the key (an optional key set, a defaulted key as given, a device parameter in the map).
bool case_gives(const Case& c, const std::string& qualified);

/// How messages name a value: "'text' (origin)", the text as given or as written from the field.
std::string case_value_label(const Case& c, const std::string& qualified);

/// The text of a key's value as case_text writes it (empty when unset).
std::string case_value_text(const Case& c, const std::string& qualified);

/// Record that code gave a defaulted key (so it counts as given: e.g. rise_ns as a device override).
void set_given(Case& c, const std::string& qualified);

/// Set a device parameter of a type = device case: aperture_mm, focal_length_mm and rise_ns go to their fields
/// (rise_ns marked given), every other key to Source::device_parameters.
void set_device_parameter(Case& c, const std::string& key, double value);

/// The device parameters a type = device case gives (from the fields and the map), by key: the preset's overrides.
std::map<std::string, double> given_device_parameters(const Case& c);

}  // namespace lithosim
