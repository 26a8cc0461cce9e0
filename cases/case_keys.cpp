#include "cases/case_keys.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/text.hpp"
#include "models/devices.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "solver/spec.hpp"

namespace po = boost::program_options;

namespace lithosim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- building the table ------------------------------------------------------------------------------------

CaseKey key(std::string section, std::string name, ValueKind kind, std::string unit, std::string doc) {
    CaseKey k;
    k.section = std::move(section);
    k.name = std::move(name);
    k.kind = kind;
    k.unit = std::move(unit);
    k.doc = std::move(doc);
    return k;
}

CaseKey& required(CaseKey& k) {
    k.presence = Presence::Required;
    return k;
}

CaseKey& defaulted(CaseKey& k, std::string value) {
    k.presence = Presence::Defaulted;
    k.default_value = std::move(value);
    return k;
}

CaseKey& optional(CaseKey& k, std::string unset_meaning) {
    k.presence = Presence::Optional;
    k.unset_meaning = std::move(unset_meaning);
    return k;
}

CaseKey& range(CaseKey& k, double min, double max, bool min_open, bool max_open) {
    k.min = min;
    k.max = max;
    k.min_open = min_open || std::isinf(min);
    k.max_open = max_open || std::isinf(max);
    return k;
}

CaseKey& positive(CaseKey& k) { return range(k, 0, kInf, true, true); }
CaseKey& non_negative(CaseKey& k) { return range(k, 0, kInf, false, true); }
CaseKey& any_real(CaseKey& k) { return range(k, -kInf, kInf, true, true); }

CaseKey& choices(CaseKey& k, std::vector<std::string> words) {
    k.choices = std::move(words);
    return k;
}

/// [source] keys of the device parameters (type = device): one key per parameter name over all presets (keys the
/// table already has, such as aperture_mm, serve both), with the widest range any preset accepts; the device's own
/// range is checked when the case is built (models::with_overrides).
void add_device_parameter_keys(std::vector<CaseKey>& t) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const models::DeviceParameter*>> by_key;
    std::map<std::string, std::vector<std::string>> devices_of;
    for (const auto& name : models::device_preset_names())
        for (const auto& p : models::device_preset(name).parameters) {
            if (!by_key.count(p.key)) order.push_back(p.key);
            by_key[p.key].push_back(&p);
            devices_of[p.key].push_back(name);
        }
    for (const auto& name : order) {
        const bool exists = std::any_of(t.begin(), t.end(),
                                        [&](const CaseKey& k) { return k.section == "source" && k.name == name; });
        if (exists) continue;
        const auto& ps = by_key[name];
        double lo = ps.front()->min, hi = ps.front()->max;
        for (const auto* p : ps) lo = std::min(lo, p->min), hi = std::max(hi, p->max);
        const std::string unit = ps.front()->unit == "1" ? "" : ps.front()->unit;
        CaseKey k = key("source", name, ValueKind::Real, unit,
                        "device parameter (type = device) of " + join(devices_of[name], ", ") +
                            "; overrides the preset (ranges per device: lithosim devices)");
        t.push_back(range(optional(k, "the device preset's value"), lo, hi, false, false));
    }
}

std::vector<CaseKey> build_table() {
    // Defaults of solver settings are read from the solver's own structs, so the case and the library agree.
    const GridSpec grid_defaults;
    const SolverOptions solver_defaults;
    const Waveform waveform_defaults;
    constexpr double two_pi = 2 * std::numbers::pi;

    std::vector<CaseKey> t;
    auto add = [&t](CaseKey k) { t.push_back(std::move(k)); };
    CaseKey k;

    // [grid]
    k = key("grid", "dims", ValueKind::Choice, "",
            "number of space dimensions: 1 (z), 2 (x, z) or 3 (x, y, z), or axisymmetric: (r, z) about the z axis "
            "(size_mm = R,Z; maps [nz][nr]; sources centred on the axis; a point x,y,z is taken at r = sqrt(x^2 + "
            "y^2), with y = 0)");
    add(choices(required(k), {"1", "2", "3", "axisymmetric"}));
    k = key("grid", "dx_mm", ValueKind::Real, "mm",
            "cell size, the same along every axis; at least 2 (better 6 or more) points per wavelength at the "
            "source frequency");
    add(positive(required(k)));
    k = key("grid", "size_mm", ValueKind::RealList, "mm",
            "extent of the physical region: X,Y,Z in 3D, X,Z in 2D, Z in 1D; x and y are centred on the beam axis, "
            "z runs from 0 (source side) to Z");
    add(positive(required(k)));
    k = key("grid", "pml_cells", ValueKind::Integer, "cells",
            "thickness of the absorbing boundary layer (CPML) added outside the physical region on every side");
    add(range(defaulted(k, format_number(grid_defaults.pml_cells)), 0, 200, false, false));

    // [time]
    k = key("time", "t_end_us", ValueKind::Real, "us", "simulated time from the start of the source signal");
    add(positive(required(k)));
    k = key("time", "cfl", ValueKind::Real, "",
            "Courant number c_max dt / dx; must stay below the stability limit of the scheme, which is "
            "1 / (sqrt(dims) (9/8 + 1/24)) for order 4 (0.495 in 3D) and 1 / sqrt(dims) for order 2");
    add(range(optional(k, "chosen by the solver (0.3, smaller where stability needs it)"), 0, 1, true, true));

    // [medium]
    k = key("medium", "preset", ValueKind::Choice, "",
            "homogeneous medium: tissue or material preset (models/README.md lists the values and their sources)");
    add(choices(defaulted(k, "water"), models::tissue_preset_names()));
    k = key("medium", "layers", ValueKind::LayerList, "mm",
            "layered medium along z: preset:thickness_mm entries, e.g. water:40,skin:2,fat:15,muscle:30; the first "
            "layer starts at z = 0, each cell takes the layer its node lies in (a node on an interface belongs to "
            "the deeper layer), and beyond the last layer its material continues (also into the PML); the layers "
            "name their own presets, so preset must not be given with layers, and the per-key overrides below "
            "(c_m_per_s ... BonA) describe a homogeneous medium only and are an error with layers");
    add(choices(positive(optional(k, "homogeneous medium from preset")), models::tissue_preset_names()));
    k = key("medium", "model", ValueKind::Path, "",
            "tissue model file written by lithosim model --out (HDF5, layout in io/model_file.hpp): the patient's "
            "tissues in the beam frame, the beam axis along z; dims = 3 reads its 3D grid, dims = axisymmetric its "
            "axisymmetric form; coupling water surrounds it; not with preset, layers or the per-key overrides");
    add(optional(k, "homogeneous medium from preset"));
    k = key("medium", "model_target_z_mm", ValueKind::Real, "mm",
            "z at which the model's target is placed on the axis (with model)");
    add(any_real(optional(k, "the source's focus (a device's or a bowl's geometric focus)")));
    k = key("medium", "c_m_per_s", ValueKind::Real, "m/s", "sound speed; overrides the preset (not with layers)");
    add(positive(optional(k, "from the preset")));
    k = key("medium", "rho_kg_per_m3", ValueKind::Real, "kg/m^3", "density; overrides the preset (not with layers)");
    add(positive(optional(k, "from the preset")));
    k = key("medium", "alpha_dB_per_cm_MHz", ValueKind::Real, "dB/(cm MHz^y)",
            "absorption prefactor alpha0 of alpha(f) = alpha0 f^y; overrides the preset (not with layers)");
    add(non_negative(optional(k, "from the preset")));
    k = key("medium", "alpha_power", ValueKind::Real, "",
            "absorption power-law exponent y; overrides the preset (not with layers)");
    add(range(optional(k, "from the preset"), 0, 2, true, false));
    k = key("medium", "BonA", ValueKind::Real, "",
            "nonlinearity parameter B/A (beta = 1 + B/2A); overrides the preset (not with layers)");
    add(range(optional(k, "from the preset"), 0, 1000, false, true));

    // [source]
    k = key("source", "type", ValueKind::Choice, "",
            "bowl: focused spherical cap (2D, 3D); piston: flat disc (3D) or strip (2D); plane: plane wave over "
            "the whole cross-section at z = position z; point: monopole (3D); device: a lithotripter or ESWT device "
            "preset (key device; its parameters below override the preset; lithosim devices lists them)");
    add(choices(required(k), {"bowl", "piston", "plane", "point", "device"}));
    k = key("source", "device", ValueKind::Choice, "",
            "device preset for type = device, placed with its frame origin (reflector vertex, membrane or cap apex, "
            "coil back end, emitter centre) at position_mm and its axis along +z; its energy setting (voltage_kV "
            "or level) and geometry are the preset's unless given below");
    add(choices(optional(k, "needed by type = device"), models::device_preset_names()));
    k = key("source", "aperture_mm", ValueKind::Real, "mm", "diameter of the bowl's rim or of the piston");
    add(positive(optional(k, "needed by type = bowl and piston")));
    k = key("source", "focal_length_mm", ValueKind::Real, "mm",
            "radius of curvature of the bowl; its geometric focus lies at position_mm + (0, 0, focal_length_mm)");
    add(positive(optional(k, "needed by type = bowl")));
    k = key("source", "position_mm", ValueKind::Vec3, "mm",
            "bowl apex, piston centre, plane position (z) or point position; the unused coordinates must be 0 "
            "(x, y in 1D; y in 2D)");
    add(any_real(defaulted(k, "0,0,0")));
    k = key("source", "waveform", ValueKind::Choice, "",
            "source signal: toneburst (tapered sine burst), gaussian (Gaussian-modulated sine), lithotripter "
            "(Church 1989: 2 p0 e^(-alpha t) cos(omega t + pi/3)), file (waveform_file); a device brings its own");
    add(choices(optional(k, "needed unless type = device (the device's pulse)"),
                {"toneburst", "gaussian", "lithotripter", "file"}));
    k = key("source", "f0_MHz", ValueKind::Real, "MHz", "centre frequency of the tone burst or Gaussian pulse");
    add(positive(optional(k, "needed by waveform = toneburst and gaussian")));
    k = key("source", "cycles", ValueKind::Real, "periods",
            "tone-burst length, or the FWHM of the Gaussian envelope, in periods of f0");
    add(range(defaulted(k, format_number(waveform_defaults.cycles)), 0, 1000, true, false));
    k = key("source", "p0_MPa", ValueKind::Real, "MPa",
            "amplitude of the wave leaving the source surface (bowl, piston: p0 = rho0 c0 u_n; point: free-field "
            "pressure at 1 mm); with waveform = file it rescales the file to this peak");
    add(range(optional(k, "needed unless waveform = file (then the file's own amplitude is used)"), 0, 1000, true,
              false));
    k = key("source", "waveform_file", ValueKind::Path, "",
            "two-column text file 't_us p_MPa' of the surface pressure ('#' starts a comment); a relative path is "
            "relative to the case file's directory (to the current directory when given by --set)");
    add(optional(k, "needed by waveform = file"));
    k = key("source", "rise_ns", ValueKind::Real, "ns",
            "lithotripter pulse: length of the raised-cosine front that replaces the ideal jump; 0 = chosen by the "
            "solver (4 dx / c, the steepest front the grid carries)");
    add(non_negative(defaulted(k, format_number(waveform_defaults.rise_s * 1e9))));
    k = key("source", "decay_per_us", ValueKind::Real, "1/us",
            "lithotripter pulse: decay rate alpha (Church 1989: 9.1e5 1/s = 0.91 1/us)");
    add(positive(defaulted(k, format_number(waveform_defaults.church_alpha_per_s * 1e-6))));
    k = key("source", "oscillation_kHz", ValueKind::Real, "kHz",
            "lithotripter pulse: oscillation frequency omega / 2 pi (Church 1989: 83.3 kHz)");
    add(positive(defaulted(k, format_number(waveform_defaults.church_omega_rad_per_s / two_pi * 1e-3))));
    k = key("source", "delay_us", ValueKind::Real, "us", "the source signal starts this much after t = 0");
    add(non_negative(defaulted(k, format_number(waveform_defaults.delay_s * 1e6))));
    add_device_parameter_keys(t);

    // [sensor]
    k = key("sensor", "points_mm", ValueKind::PointList, "mm",
            "points where p(t) is recorded, 'x,y,z ; x,y,z ; ...', inside the physical region (unused coordinates 0)");
    add(any_real(optional(k, "no points")));
    k = key("sensor", "maps", ValueKind::ChoiceSet, "",
            "maps over the physical region computed on the fly (peak positive and negative pressure, energy flux "
            "density); the dosimetry summary needs all three");
    add(choices(defaulted(k, "p_max,p_min,efd"), {"p_max", "p_min", "efd"}));
    k = key("sensor", "planes_z_mm", ValueKind::RealList, "mm",
            "planes z = const (each snapped to the nearest node plane) on which p_max, p_min, the EFD and its "
            "positive-phase part are recorded without the time history; stored in result.h5 /sensors/planes and "
            "summarised in summary.json 'planes' (axis values, -6 dB width, disc energies)");
    k.max_items = 32;
    add(any_real(optional(k, "no planes")));
    k = key("sensor", "snapshots_us", ValueKind::RealList, "us",
            "times of wavefield snapshots: the pressure over the physical region at the first time step at or after "
            "each time (the actual time is recorded), each in [0, t_end_us]; stored in result.h5 /snapshots and as a "
            "ParaView .pvd collection (4 bytes per cell per snapshot)");
    k.max_items = 256;
    add(non_negative(optional(k, "no snapshots")));
    k = key("sensor", "lines", ValueKind::ChoiceSet, "",
            "lines whose whole time history is stored in result.h5: axis = p(t) at every node of the beam axis "
            "(/sensors/lines/axis; large: nodes x steps x 4 bytes); the focal waveform is stored in any case");
    add(choices(defaulted(k, "none"), {"axis"}));

    // [solver]
    k = key("solver", "order", ValueKind::Integer, "", "spatial order of the staggered finite differences");
    add(choices(range(defaulted(k, format_number(solver_defaults.order)), 2, 4, false, false), {"2", "4"}));
    k = key("solver", "nonlinear", ValueKind::Boolean, "", "nonlinear propagation (beta = 1 + B/2A)");
    add(defaulted(k, solver_defaults.nonlinear ? "true" : "false"));
    k = key("solver", "absorption", ValueKind::Boolean, "", "power-law absorption with its dispersion");
    add(defaulted(k, solver_defaults.absorption ? "true" : "false"));
    k = key("solver", "shock_viscosity", ValueKind::Real, "",
            "shock capturing: coefficient C of the artificial viscosity rho (C dx)^2 (div u)^2 in compression; "
            "0 = off");
    add(range(defaulted(k, format_number(solver_defaults.shock_viscosity)), 0, 10, false, false));
    k = key("solver", "shock_filter", ValueKind::Real, "",
            "shock capturing: strength of the selective filter applied to the pressure each step of a nonlinear "
            "run; 0 = off");
    add(range(defaulted(k, format_number(solver_defaults.shock_filter)), 0, 1, false, false));
    k = key("solver", "relaxation_mechanisms", ValueKind::Integer, "",
            "relaxation mechanisms fitted to the power-law absorption (alpha_power != 2)");
    add(range(defaulted(k, format_number(solver_defaults.band.mechanisms)), 1, 8, false, false));
    k = key("solver", "absorption_fmin_kHz", ValueKind::Real, "kHz",
            "lower end of the band over which the absorption is fitted");
    add(positive(defaulted(k, format_number(solver_defaults.band.f_min_Hz * 1e-3))));
    k = key("solver", "absorption_fmax_MHz", ValueKind::Real, "MHz",
            "upper end of the band over which the absorption is fitted (above absorption_fmin_kHz)");
    add(positive(defaulted(k, format_number(solver_defaults.band.f_max_Hz * 1e-6))));
    return t;
}

// ---- values ------------------------------------------------------------------------------------------------

std::string kind_name(ValueKind kind) {
    switch (kind) {
    case ValueKind::Integer: return "an integer";
    case ValueKind::Real: return "a number";
    case ValueKind::Boolean: return "true or false";
    case ValueKind::Choice: return "one word";
    case ValueKind::ChoiceSet: return "a list of words";
    case ValueKind::RealList: return "a list of numbers";
    case ValueKind::Vec3: return "x,y,z";
    case ValueKind::PointList: return "a list of points";
    case ValueKind::Path: return "a file path";
    case ValueKind::LayerList: return "a list of name:number entries";
    }
    return "";
}

std::string range_text(const CaseKey& k) {
    const bool lo = std::isfinite(k.min), hi = std::isfinite(k.max);
    if (lo && hi) return std::string(k.min_open ? "(" : "[") + format_number(k.min) + ", " + format_number(k.max) +
                         (k.max_open ? ")" : "]");
    if (lo) return std::string(k.min_open ? "> " : ">= ") + format_number(k.min);
    if (hi) return std::string(k.max_open ? "< " : "<= ") + format_number(k.max);
    return "any number";
}

bool in_range(const CaseKey& k, double v) {
    if (k.min_open ? !(v > k.min) : !(v >= k.min)) return false;
    if (k.max_open ? !(v < k.max) : !(v <= k.max)) return false;
    return true;
}

/// "[grid] dx_mm = 'abc' (case.ini)": how a value is named in messages.
std::string value_label(const CaseKey& k, const CaseValue& v) {
    return "[" + k.section + "] " + k.name + " = '" + v.text + "' (" + v.origin + ")";
}

[[noreturn]] void reject(const CaseKey& k, const CaseValue& v, const std::string& why) {
    throw InputError(value_label(k, v) + ": " + why + "; accepted: " + k.accepted());
}

double real_item(const CaseKey& k, const CaseValue& v, const std::string& item, bool check_range) {
    double x = 0;
    if (!parse_real(item, x)) reject(k, v, "'" + item + "' is not a number");
    if (check_range && !in_range(k, x)) reject(k, v, format_number(x) + " is out of range");
    return x;
}

/// One "name:number" entry of a LayerList value.
CaseLayer layer_item(const CaseKey& k, const CaseValue& v, const std::string& item) {
    const auto parts = split(item, ':');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty())
        reject(k, v, "entry '" + item + "' is not name:number");
    if (std::find(k.choices.begin(), k.choices.end(), parts[0]) == k.choices.end())
        reject(k, v, "'" + parts[0] + "' in entry '" + item + "' is not one of the accepted names");
    double x = 0;
    if (!parse_real(parts[1], x)) reject(k, v, "'" + parts[1] + "' in entry '" + item + "' is not a number");
    if (!in_range(k, x)) reject(k, v, format_number(x) + " in entry '" + item + "' is out of range");
    return {parts[0], x};
}

std::array<double, 3> vec3_item(const CaseKey& k, const CaseValue& v, const std::string& item) {
    const auto parts = split(item, ',');
    if (parts.size() != 3) reject(k, v, "'" + item + "' has " + std::to_string(parts.size()) + " coordinates, not 3");
    return {real_item(k, v, parts[0], false), real_item(k, v, parts[1], false), real_item(k, v, parts[2], false)};
}

/// Throws for a key written outside the table: names the key, its section's accepted keys (or the accepted
/// sections), and where it was given.
[[noreturn]] void reject_unknown(const std::string& qualified, const std::string& value, const std::string& origin) {
    const auto dot = qualified.find('.');
    const auto sections = case_sections();
    if (dot == std::string::npos) {
        std::string hint;
        for (const auto& k : case_keys())
            if (k.name == qualified) hint = "; it belongs under [" + k.section + "]";
        throw InputError(origin + ": key '" + qualified + "' (value '" + value + "') is outside any section" +
                         (hint.empty() ? "; accepted sections: " + join(sections, ", ") : hint));
    }
    const std::string section = qualified.substr(0, dot), name = qualified.substr(dot + 1);
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
        throw InputError(origin + ": unknown section [" + section + "] (key '" + name + "' = '" + value +
                         "'); accepted sections: " + join(sections, ", "));
    throw InputError(origin + ": unknown key '" + name + "' (value '" + value + "') in [" + section +
                     "]; accepted keys in [" + section + "]: " + section_key_list(section));
}

/// Store one given value: checks it, resolves a relative path, and rejects a key given twice in the same source.
void store(CaseText& c, const CaseKey& k, std::string text, const std::string& origin,
           const std::filesystem::path& base, std::vector<std::string>& seen) {
    const std::string q = k.qualified();
    if (std::find(seen.begin(), seen.end(), q) != seen.end()) {
        const CaseValue* first = c.find(q);
        throw InputError(origin + ": key [" + k.section + "] " + k.name + " is given twice ('" +
                         (first ? first->text : std::string()) + "' and '" + text + "'); give each key once");
    }
    seen.push_back(q);
    if (text.empty() && k.presence == Presence::Optional) {
        c.values.erase(q);  // an empty value leaves an optional key unset
        return;
    }
    if (k.kind == ValueKind::Path && !text.empty()) {
        const std::filesystem::path p(text);
        text = std::filesystem::absolute(p.is_absolute() ? p : base / p).lexically_normal().string();
    }
    CaseValue v{std::move(text), origin};
    check_value(k, v);
    c.values[q] = std::move(v);
}

void fill_defaults(CaseText& c) {
    for (const auto& k : case_keys())
        if (k.presence == Presence::Defaulted && !c.has(k.qualified()))
            c.values[k.qualified()] = CaseValue{k.default_value, "default"};
}

const CaseValue& value_of(const CaseText& c, const std::string& qualified) {
    const CaseValue* v = c.find(qualified);
    if (!v) throw std::logic_error("case key " + qualified + " has no value (callers check has() first)");
    return *v;
}

const CaseKey& key_of(const std::string& qualified) {
    const CaseKey* k = find_case_key(qualified);
    if (!k) throw std::logic_error("no case key named " + qualified);
    return *k;
}

}  // namespace

// ---- table access ------------------------------------------------------------------------------------------

std::string CaseKey::accepted() const {
    std::string unit_suffix = unit.empty() ? "" : " (" + unit + ")";
    switch (kind) {
    case ValueKind::Integer:
    case ValueKind::Choice:
        if (!choices.empty()) return join(choices, "|");
        return "an integer in " + range_text(*this) + unit_suffix;
    case ValueKind::Real: return range_text(*this) + unit_suffix;
    case ValueKind::Boolean: return "true|false";
    case ValueKind::ChoiceSet: return "comma-separated subset of " + join(choices, ",") + ", or none";
    case ValueKind::RealList:
        return "1 to " + std::to_string(max_items) + " comma-separated numbers, each " + range_text(*this) + unit_suffix;
    case ValueKind::Vec3: return "x,y,z" + unit_suffix;
    case ValueKind::PointList: return "x,y,z ; x,y,z ; ..." + unit_suffix + ", or empty";
    case ValueKind::Path: return "the path of a readable file";
    case ValueKind::LayerList:
        return "comma-separated name:number entries, each name one of " + join(choices, "|") + " and each number " +
               range_text(*this) + unit_suffix;
    }
    return "";
}

std::string CaseKey::default_text() const {
    switch (presence) {
    case Presence::Required: return "required";
    case Presence::Defaulted: return default_value.empty() ? "(empty)" : default_value;
    case Presence::Optional: return "unset: " + unset_meaning;
    }
    return "";
}

const std::vector<CaseKey>& case_keys() {
    static const std::vector<CaseKey> table = build_table();
    return table;
}

std::vector<std::string> case_sections() {
    std::vector<std::string> s;
    for (const auto& k : case_keys())
        if (std::find(s.begin(), s.end(), k.section) == s.end()) s.push_back(k.section);
    return s;
}

const CaseKey* find_case_key(const std::string& section, const std::string& name) {
    for (const auto& k : case_keys())
        if (k.section == section && k.name == name) return &k;
    return nullptr;
}

const CaseKey* find_case_key(const std::string& qualified) {
    const auto dot = qualified.find('.');
    if (dot == std::string::npos) return nullptr;
    return find_case_key(qualified.substr(0, dot), qualified.substr(dot + 1));
}

std::string section_key_list(const std::string& section) {
    std::vector<std::string> names;
    for (const auto& k : case_keys())
        if (k.section == section) names.push_back(k.name);
    return join(names, ", ");
}

const CaseValue* CaseText::find(const std::string& qualified) const {
    const auto it = values.find(qualified);
    return it == values.end() ? nullptr : &it->second;
}

// ---- validation --------------------------------------------------------------------------------------------

void check_value(const CaseKey& k, const CaseValue& v) {
    const std::string& s = v.text;
    if (s.empty() && k.kind != ValueKind::PointList) reject(k, v, "the value is empty");
    switch (k.kind) {
    case ValueKind::Integer: {
        long long n = 0;
        if (!parse_integer(s, n)) reject(k, v, "not " + kind_name(k.kind));
        if (!in_range(k, double(n))) reject(k, v, "out of range");
        if (!k.choices.empty() && std::find(k.choices.begin(), k.choices.end(), std::to_string(n)) == k.choices.end())
            reject(k, v, "not one of the accepted values");
        break;
    }
    case ValueKind::Real: real_item(k, v, s, true); break;
    case ValueKind::Boolean:
        if (s != "true" && s != "false") reject(k, v, "not " + kind_name(k.kind));
        break;
    case ValueKind::Choice:
        if (std::find(k.choices.begin(), k.choices.end(), s) == k.choices.end())
            reject(k, v, "not one of the accepted words");
        break;
    case ValueKind::ChoiceSet: {
        if (s == "none") break;
        std::set<std::string> given;
        for (const auto& w : split(s, ',')) {
            if (std::find(k.choices.begin(), k.choices.end(), w) == k.choices.end())
                reject(k, v, "'" + w + "' is not one of the accepted words");
            if (!given.insert(w).second) reject(k, v, "'" + w + "' is listed twice");
        }
        break;
    }
    case ValueKind::RealList: {
        const auto parts = split(s, ',');
        if (parts.size() > k.max_items) reject(k, v, std::to_string(parts.size()) + " numbers given");
        for (const auto& p : parts) real_item(k, v, p, true);
        break;
    }
    case ValueKind::Vec3: vec3_item(k, v, s); break;
    case ValueKind::PointList:
        if (trim(s).empty()) break;
        for (const auto& p : split(s, ';')) vec3_item(k, v, p);
        break;
    case ValueKind::Path: break;  // existence is checked where the file is read, only if it is used
    case ValueKind::LayerList:
        for (const auto& item : split(s, ',')) layer_item(k, v, item);
        break;
    }
}

void check_required(const CaseText& c) {
    for (const auto& k : case_keys())
        if (k.presence == Presence::Required && !c.has(k.qualified()))
            throw InputError("[" + k.section + "] " + k.name + " is required but not given; accepted: " + k.accepted() +
                             " (" + k.doc + ")");
}

// ---- reading -----------------------------------------------------------------------------------------------

CaseText parse_case(const std::string& text, const std::string& origin, const std::filesystem::path& base_dir) {
    // Every key of the table is registered with Boost.Program_options as "section.key"; unregistered keys come
    // back flagged, so the message can list the accepted keys of their section.
    po::options_description registered;
    for (const auto& k : case_keys())
        registered.add_options()(k.qualified().c_str(), po::value<std::string>(), k.doc.c_str());
    std::istringstream in(text);
    po::parsed_options parsed(&registered);
    try {
        parsed = po::parse_config_file(in, registered, /*allow_unregistered=*/true);
    } catch (const po::error& e) {
        throw InputError(origin + ": " + e.what() + "; accepted lines: [section], key = value, # comment");
    }
    CaseText c;
    c.base_dir = base_dir;
    std::vector<std::string> seen;
    for (const auto& o : parsed.options) {
        const std::string value = o.value.empty() ? std::string() : o.value.front();
        const CaseKey* k = o.unregistered ? nullptr : find_case_key(o.string_key);
        if (!k) reject_unknown(o.string_key, value, origin);
        store(c, *k, value, origin, base_dir, seen);
    }
    fill_defaults(c);
    return c;
}

CaseText case_from_entries(const std::vector<CaseEntry>& entries, const std::string& origin,
                           const std::filesystem::path& base_dir) {
    CaseText c;
    c.base_dir = base_dir;
    std::vector<std::string> seen;
    for (const auto& e : entries) {
        const std::string value = trim(e.value);
        const CaseKey* k = find_case_key(e.section, e.name);
        if (!k) reject_unknown(e.section + "." + e.name, value, origin);
        store(c, *k, value, origin, base_dir, seen);
    }
    fill_defaults(c);
    return c;
}

CaseText read_case_file(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status))
        throw InputError("config", "case file '" + path.string() + "': no such file; give a case file (INI) or 'default'");
    if (!std::filesystem::is_regular_file(status))
        throw InputError("config", "case file '" + path.string() + "': not a regular file; give a case file (INI) or 'default'");
    std::ifstream f(path, std::ios::binary);
    std::ostringstream text;
    if (!f || !(text << f.rdbuf()))
        throw InputError("config", "case file '" + path.string() + "': cannot be read (check its permissions)");
    const auto dir = std::filesystem::absolute(path).parent_path();
    return parse_case(text.str(), path.string(), dir);
}

void apply_override(CaseText& c, const std::string& assignment, std::vector<std::string>& seen) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos)
        throw InputError("set", "override '" + assignment + "': expected section.key=value, e.g. grid.dx_mm=0.25");
    const std::string qualified = trim(assignment.substr(0, eq));
    const std::string value = trim(assignment.substr(eq + 1));
    const CaseKey* k = find_case_key(qualified);
    if (!k) reject_unknown(qualified, value, "--set");
    store(c, *k, value, "--set", std::filesystem::current_path(), seen);
}

// ---- writing -----------------------------------------------------------------------------------------------

std::string case_to_ini(const CaseText& c, const std::string& header_comment) {
    std::ostringstream os;
    for (const auto& line : split_lines(header_comment)) os << "# " << line << "\n";
    std::string section;
    for (const auto& k : case_keys()) {
        if (k.section != section) {
            section = k.section;
            os << "\n[" << section << "]\n";
        }
        const CaseValue* v = c.find(k.qualified());
        const std::string unit = k.unit.empty() ? "" : k.unit + "; ";
        const auto derived = c.derived.find(k.qualified());
        if (v)
            os << pad_right(k.name + " = " + v->text, 40) << "  # " << unit << v->origin << "\n";
        else if (derived != c.derived.end())
            os << pad_right("# " + k.name + " = " + derived->second.text, 40) << "  # " << unit
               << "derived: " << derived->second.origin << "\n";
        else
            os << pad_right("# " + k.name + " =", 40) << "  # " << unit << "unset: " << k.unset_meaning << "\n";
    }
    return os.str();
}

std::string case_keys_help() {
    std::ostringstream os;
    os << "Case keys (INI file, one [section] each; '#' starts a comment; override any key with --set "
          "section.key=value).\nUnits are part of the key names; every key is listed with its unit, default and "
          "accepted values.\n";
    std::string section;
    for (const auto& k : case_keys()) {
        if (k.section != section) {
            section = k.section;
            os << "\n[" << section << "]\n";
        }
        os << "  " << k.qualified() << "  [" << (k.unit.empty() ? "-" : k.unit) << "]  default: " << k.default_text()
           << "\n      accepted: " << k.accepted() << "\n" << wrap(k.doc, 100, "      ") << "\n";
    }
    return os.str();
}

// ---- typed access ------------------------------------------------------------------------------------------

long long case_integer(const CaseText& c, const std::string& qualified) {
    long long n = 0;
    if (!parse_integer(value_of(c, qualified).text, n)) throw std::logic_error("unchecked integer in " + qualified);
    return n;
}

double case_real(const CaseText& c, const std::string& qualified) {
    double x = 0;
    if (!parse_real(value_of(c, qualified).text, x)) throw std::logic_error("unchecked number in " + qualified);
    return x;
}

bool case_bool(const CaseText& c, const std::string& qualified) { return value_of(c, qualified).text == "true"; }

std::string case_word(const CaseText& c, const std::string& qualified) { return value_of(c, qualified).text; }

std::vector<std::string> case_words(const CaseText& c, const std::string& qualified) {
    const std::string& s = value_of(c, qualified).text;
    return s == "none" ? std::vector<std::string>{} : split(s, ',');
}

std::vector<double> case_reals(const CaseText& c, const std::string& qualified) {
    const CaseKey& k = key_of(qualified);
    const CaseValue& v = value_of(c, qualified);
    std::vector<double> out;
    for (const auto& p : split(v.text, ',')) out.push_back(real_item(k, v, p, true));
    return out;
}

std::vector<std::array<double, 3>> case_points(const CaseText& c, const std::string& qualified) {
    const CaseKey& k = key_of(qualified);
    const CaseValue* v = c.find(qualified);
    std::vector<std::array<double, 3>> out;
    if (!v || trim(v->text).empty()) return out;
    if (k.kind == ValueKind::Vec3) return {vec3_item(k, *v, v->text)};
    for (const auto& p : split(v->text, ';')) out.push_back(vec3_item(k, *v, p));
    return out;
}

std::vector<CaseLayer> case_layers(const CaseText& c, const std::string& qualified) {
    const CaseKey& k = key_of(qualified);
    const CaseValue& v = value_of(c, qualified);
    std::vector<CaseLayer> out;
    for (const auto& item : split(v.text, ',')) out.push_back(layer_item(k, v, item));
    return out;
}

}  // namespace lithosim
