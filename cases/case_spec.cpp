#include "cases/case_spec.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numbers>
#include <stdexcept>

#include "core/text.hpp"
#include "io/model_file.hpp"
#include "io/waveform_file.hpp"
#include "models/ct_volume.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "solver/source.hpp"

namespace lithosim {

namespace {

constexpr double kMm = 1e-3, kUs = 1e-6, kNs = 1e-9, kMPa = 1e6, kMHz = 1e6, kKHz = 1e3;

const char* axis_name(int p) { return p == 0 ? "x" : p == 1 ? "y" : "z"; }

/// "[source] f0_MHz is required for waveform = toneburst": a key that another key's value needs.
void require_key(const Case& c, const std::string& qualified, const std::string& because) {
    if (case_gives(c, qualified)) return;
    const CaseKey* k = find_case_key(qualified);
    throw InputError("[" + k->section + "] " + k->name + " is required for " + because + " but not given; accepted: " +
                     k->accepted() + " (" + k->doc + ")");
}

/// "[grid] dims is required but not given": a required key a case filled in code left unset.
template <class T>
const T& required(const Case& c, const std::optional<T>& v, const std::string& qualified) {
    if (v) return *v;
    const CaseKey* k = find_case_key(qualified);
    throw InputError("[" + k->section + "] " + k->name + " is required but not given; accepted: " + k->accepted() +
                     " (" + k->doc + ") in " + c.origin);
}

/// The coordinates a case of this dimension does not simulate must be 0 (x, y in 1D; y in 2D).
void check_unused_coordinates(int dims, const std::array<double, 3>& x_mm, const std::string& what) {
    for (int p = 0; p < 2; ++p) {
        const bool unused = dims == 1 || (dims == 2 && p == 1);
        if (unused && x_mm[p] != 0)
            throw InputError(what + " = " + format_number(x_mm[0]) + "," + format_number(x_mm[1]) + "," +
                             format_number(x_mm[2]) + " mm: " + axis_name(p) + " = " + format_number(x_mm[p]) +
                             " is not simulated in " + std::to_string(dims) + "D and must be 0");
    }
}

std::array<double, 3> to_m(const std::array<double, 3>& x_mm) { return {x_mm[0] * kMm, x_mm[1] * kMm, x_mm[2] * kMm}; }

GridSpec build_grid(const Case& c) {
    GridSpec g;
    const std::string& dims = required(c, c.grid.dims, "grid.dims");
    g.axisymmetric = dims == "axisymmetric";
    g.dims = g.axisymmetric ? 2 : std::stoi(dims);  // the key's choices are 1, 2, 3 and axisymmetric
    g.dx_m = required(c, c.grid.dx_mm, "grid.dx_mm") * kMm;
    g.pml_cells = int(c.grid.pml_cells);
    const auto& size = required(c, c.grid.size_mm, "grid.size_mm");
    static const char* layout[] = {"", "Z", g.axisymmetric ? "R,Z" : "X,Z", "X,Y,Z"};
    if (int(size.size()) != g.dims)
        throw InputError("[grid] size_mm = " + case_value_label(c, "grid.size_mm") + " gives " +
                         std::to_string(size.size()) + " numbers; dims = " + std::to_string(g.dims) + " needs " +
                         std::to_string(g.dims) + ": " + layout[g.dims] + " in mm, each > 0");
    if (g.dims == 1) g.size_m = {0, 0, size[0] * kMm};
    if (g.dims == 2) g.size_m = {size[0] * kMm, 0, size[1] * kMm};
    if (g.dims == 3) g.size_m = {size[0] * kMm, size[1] * kMm, size[2] * kMm};
    return g;
}

/// The per-key overrides of a homogeneous medium, in table order.
constexpr const char* kMediumOverrides[] = {"medium.c_m_per_s", "medium.rho_kg_per_m3", "medium.alpha_dB_per_cm_MHz",
                                            "medium.alpha_power", "medium.BonA"};

MaterialProps props_of(const models::TissueProperties& t) {
    MaterialProps m;
    m.rho_kg_per_m3 = t.rho_kg_per_m3;
    m.c_m_per_s = t.c_m_per_s;
    m.alpha_dB_per_cm_MHz = t.alpha_dB_per_cm_MHz;
    m.alpha_power = t.alpha_power;
    m.BonA = t.BonA;
    return m;
}

/// "[medium] preset = 'water' (case.ini)" as the start of a message.
std::string given_label(const Case& c, const char* qualified) {
    const CaseKey* k = find_case_key(qualified);
    return "[" + k->section + "] " + k->name + " = " + case_value_label(c, qualified);
}

/// [medium] layers: the layers name their own presets, so an explicit preset or a per-key override (both describe
/// one homogeneous medium) is a contradiction, reported rather than silently resolved.
MediumSpec build_layered_medium(const Case& c) {
    const std::string layers_text = "layers = " + case_value_label(c, "medium.layers");
    if (case_gives(c, "medium.preset"))
        throw InputError(given_label(c, "medium.preset") + " is given together with " + layers_text +
                         "; accepted: one of them (the layers name their own presets)");
    for (const char* key : kMediumOverrides)
        if (case_gives(c, key))
            throw InputError(given_label(c, key) + " is given together with " + layers_text +
                             "; accepted: the per-key overrides with a homogeneous medium (preset) only");
    struct Layer {
        double z_end_m;
        MaterialProps props;
    };
    std::vector<Layer> layers;
    double z = 0;
    for (const auto& l : *c.medium.layers) {
        z += l.value * kMm;
        layers.push_back({z, props_of(models::tissue_preset(l.name))});
    }
    MediumSpec medium;
    medium.uniform = layers.front().props;  // where `at` is not used; the solver asks `at` for every cell
    medium.at = [layers](const std::array<double, 3>& x_m) {
        // Layer i covers [z_end(i-1), z_end(i)); before z = 0 the first layer, beyond the last one the last.
        for (const auto& l : layers)
            if (x_m[2] < l.z_end_m) return l.props;
        return layers.back().props;
    };
    return medium;
}

/// [medium] model: the tissue model (in memory, or read from its file), its target placed on the axis at
/// model_target_z_mm (default: the source's focus). Each cell takes the model node nearest to it (staircased at the
/// model's spacing); beyond the model, the coupling water it was written with. preset (given), layers and the
/// per-key overrides contradict it.
MediumSpec build_model_medium(const Case& c, const std::optional<CaseDevice>& device) {
    const std::string model_text = "model = " + (c.medium.model ? case_value_label(c, "medium.model")
                                                               : std::string("(a model in memory)"));
    if (case_gives(c, "medium.preset"))
        throw InputError(given_label(c, "medium.preset") + " is given together with " + model_text +
                         "; accepted: one of them");
    if (c.medium.layers)
        throw InputError("[medium] layers = '" + case_value_text(c, "medium.layers") + "' is given together with " +
                         model_text + "; accepted: one of them");
    for (const char* key : kMediumOverrides)
        if (case_gives(c, key))
            throw InputError(given_label(c, key) + " is given together with " + model_text +
                             "; accepted: the per-key overrides with a homogeneous medium (preset) only");
    const std::string& dims = *c.grid.dims;
    if (dims != "3" && dims != "axisymmetric")
        throw InputError("[medium] " + model_text + " with [grid] dims = " + dims +
                         "; accepted: dims = 3 (the model's 3D grid) or axisymmetric (its axisymmetric form)");
    const std::shared_ptr<const io::ModelFile> model =
        c.medium.model_data ? c.medium.model_data
                            : std::make_shared<const io::ModelFile>(io::read_model_h5(*c.medium.model));
    double z_target_m = 0;
    const std::string& type = *c.source.type;
    if (c.medium.model_target_z_mm) {
        z_target_m = *c.medium.model_target_z_mm * kMm;
    } else if (device && device->setup.focus_z_m) {
        z_target_m = *device->setup.focus_z_m;
    } else if (type == "bowl" && c.source.focal_length_mm) {
        z_target_m = c.source.position_mm[2] * kMm + *c.source.focal_length_mm * kMm;
    } else {
        throw InputError("[medium] " + model_text + " needs model_target_z_mm with [source] type = " + type +
                         " (the source has no focus to place the target at)");
    }
    const bool axisymmetric = dims == "axisymmetric";
    const io::ModelGrid& g = axisymmetric ? model->axisymmetric : model->grid;
    const double shift_m = z_target_m - model->target_m[2];  // simulation z = frame z + shift
    MaterialProps coupling{model->coupling[0], model->coupling[1], model->coupling[2], model->coupling[3],
                           model->coupling[4]};
    MediumSpec medium;
    medium.uniform = coupling;
    medium.at = [model, gp = &g, shift_m, axisymmetric, coupling](const std::array<double, 3>& x_m) {
        const std::ptrdiff_t n = io::model_node(*gp, x_m[0], x_m[1], x_m[2] - shift_m, axisymmetric);
        if (n < 0) return coupling;
        const io::ModelGrid& g = *gp;
        return MaterialProps{g.rho[n], g.c[n], g.alpha[n], g.alpha_power[n], g.BonA[n]};
    };
    return medium;
}

Waveform build_waveform(const Case& c, double& p0_Pa) {
    Waveform w;
    const std::string kind = *c.source.waveform;
    w.delay_s = c.source.delay_us * kUs;
    w.cycles = c.source.cycles;
    if (kind != "file") require_key(c, "source.p0_MPa", "waveform = " + kind);
    p0_Pa = c.source.p0_MPa.value_or(0.0) * kMPa;
    if (kind == "toneburst" || kind == "gaussian") {
        require_key(c, "source.f0_MHz", "waveform = " + kind);
        w.type = kind == "toneburst" ? WaveformType::ToneBurst : WaveformType::Gaussian;
        w.f0_Hz = *c.source.f0_MHz * kMHz;
    } else if (kind == "lithotripter") {
        w.type = WaveformType::Lithotripter;
        w.church_alpha_per_s = c.source.decay_per_us / kUs;
        w.church_omega_rad_per_s = 2 * std::numbers::pi * c.source.oscillation_kHz * kKHz;
        w.rise_s = c.source.rise_ns * kNs;
    } else {
        require_key(c, "source.waveform_file", "waveform = file");
        const std::string& path = *c.source.waveform_file;
        io::WaveformSamples samples;
        try {
            samples = io::read_waveform_file(path);
        } catch (const std::invalid_argument& e) {
            throw InputError("[source] waveform_file: " + std::string(e.what()));
        }
        w.type = WaveformType::Samples;
        w.t_s = samples.t_s;
        w.p = samples.p_Pa;
        const double peak = w.samples_peak_Pa();
        if (!(peak > 0))
            throw InputError("[source] waveform_file = '" + path +
                             "': every pressure is 0; accepted: a waveform with a nonzero sample");
        // The solver multiplies the normalised shape p / max|p| by p0: the file's own peak keeps its amplitude.
        if (!c.source.p0_MPa) p0_Pa = peak;
    }
    return w;
}

SourceSpec build_source(const Case& c, int dims) {
    SourceSpec s;
    const std::string& type = *c.source.type;
    s.type = type == "bowl" ? SourceType::Bowl : type == "piston" ? SourceType::Piston
           : type == "plane" ? SourceType::Plane : SourceType::Point;
    if (s.type == SourceType::Bowl || s.type == SourceType::Piston) {
        require_key(c, "source.aperture_mm", "type = " + type);
        s.aperture_m = *c.source.aperture_mm * kMm;
    }
    if (s.type == SourceType::Bowl) {
        require_key(c, "source.focal_length_mm", "type = bowl");
        s.focal_length_m = *c.source.focal_length_mm * kMm;
        if (!(s.aperture_m / 2 < s.focal_length_m))
            throw InputError("[source] aperture_mm = " + case_value_text(c, "source.aperture_mm") +
                             ": the bowl does not fit its sphere; accepted: aperture_mm < 2 x focal_length_mm = " +
                             format_number(2 * s.focal_length_m / kMm));
    }
    check_unused_coordinates(dims, c.source.position_mm, "[source] position_mm");
    s.position_m = to_m(c.source.position_mm);
    s.waveform = build_waveform(c, s.p0_Pa);
    return s;
}

/// [source] keys that describe a source of another type; a device brings its own geometry, pulse and amplitude.
constexpr const char* kNonDeviceSourceKeys[] = {"source.p0_MPa",       "source.waveform",       "source.f0_MHz",
                                                "source.cycles",       "source.waveform_file",  "source.decay_per_us",
                                                "source.oscillation_kHz"};

/// The device parameter keys of the [source] table (keys some preset has).
std::vector<std::string> device_parameter_keys() {
    std::vector<std::string> keys;
    for (const auto& name : models::device_preset_names())
        for (const auto& p : models::device_preset(name).parameters)
            if (std::find(keys.begin(), keys.end(), p.key) == keys.end()) keys.push_back(p.key);
    return keys;
}

/// Device parameters given with a source type other than device: an error, so a typo'd type is not run silently
/// (aperture_mm, focal_length_mm and rise_ns belong to both).
void check_no_device_keys(const Case& c, const std::string& type) {
    for (const auto& key : device_parameter_keys()) {
        const std::string q = "source." + key;
        const CaseKey* k = find_case_key(q);
        if (!k || k->doc.rfind("device parameter", 0) != 0 || !case_gives(c, q)) continue;
        const std::string label = case_value_label(c, q);  // 'value' (origin): the message shows value (origin)
        throw InputError("[source] " + key + " = " + case_value_text(c, q) + label.substr(label.rfind(" (")) +
                         " is a device parameter, but type = " + type + "; accepted: type = device with device = " +
                         join(models::device_preset_names(), "|"));
    }
}

void sources_from_device(const Case& c, SimulationSpec& spec, const CaseDevice& d) {
    spec.sources = d.setup.sources;
    const double delay_s = c.source.delay_us * kUs;
    for (auto& s : spec.sources) s.waveform.delay_s = delay_s;
    spec.medium = models::with_linear_zone(spec.medium, d.setup);
    spec.medium.rigid = d.setup.rigid;
}

SensorSpec build_sensors(const Case& c, int dims) {
    SensorSpec s;
    for (const auto& x : c.sensor.points_mm) {
        check_unused_coordinates(dims, x, "[sensor] points_mm: point");
        s.points_m.push_back(to_m(x));
    }
    const auto& maps = c.sensor.maps;
    auto wants = [&maps](const char* name) { return std::find(maps.begin(), maps.end(), name) != maps.end(); };
    s.p_max = wants("p_max");
    s.p_min = wants("p_min");
    s.efd = wants("efd");
    // The waveform along the beam axis gives the rise time at the focus wherever the focus turns out to be.
    s.axis_series = true;
    if (c.sensor.planes_z_mm)
        for (const double z : *c.sensor.planes_z_mm) s.planes_z_m.push_back(z * kMm);
    if (c.sensor.snapshots_us)
        for (const double t : *c.sensor.snapshots_us) s.snapshot_times_s.push_back(t * kUs);
    return s;
}

SolverOptions build_solver(const Case& c) {
    SolverOptions o;
    o.order = int(c.solver.order);
    o.nonlinear = c.solver.nonlinear;
    o.absorption = c.solver.absorption;
    o.shock_viscosity = c.solver.shock_viscosity;
    o.shock_filter = c.solver.shock_filter;
    o.band.mechanisms = int(c.solver.relaxation_mechanisms);
    o.band.f_min_Hz = c.solver.absorption_fmin_kHz * kKHz;
    o.band.f_max_Hz = c.solver.absorption_fmax_MHz * kMHz;
    if (!(o.band.f_min_Hz < o.band.f_max_Hz))
        throw InputError("[solver] absorption_fmin_kHz = " + case_value_text(c, "solver.absorption_fmin_kHz") +
                         " is not below absorption_fmax_MHz = " + case_value_text(c, "solver.absorption_fmax_MHz") +
                         " MHz; accepted: absorption_fmin_kHz < 1000 x absorption_fmax_MHz");
    return o;
}

}  // namespace

SimulationSpec build_spec(const Case& c, const std::optional<CaseDevice>& device) {
    SimulationSpec spec;
    spec.grid = build_grid(c);
    spec.time.t_end_s = required(c, c.time.t_end_us, "time.t_end_us") * kUs;
    spec.time.cfl = c.time.cfl.value_or(0.0);
    const std::string& type = required(c, c.source.type, "source.type");
    spec.medium = build_medium_spec(c, device);
    if (type == "device") {
        sources_from_device(c, spec, *device);
    } else {
        check_no_device_keys(c, type);
        require_key(c, "source.waveform", "type = " + type);
        spec.sources.push_back(build_source(c, spec.grid.dims));
    }
    spec.sensors = build_sensors(c, spec.grid.dims);
    spec.solver = build_solver(c);
    return spec;
}

void check_geometry(const SimulationSpec& spec, const Grid& grid) {
    for (const auto& s : spec.sources) footprint(grid, s);  // throws InputError if the source leaves the region
    // A focused source whose geometric focus lies outside the region: the run would report a "focus" that is not one.
    if (const auto zf = geometric_focus_z_m(spec); zf && grid.dims > 1) {
        const int az = grid.internal_axis(2);
        const double lo = grid.coord(az, grid.phys_begin(az)), hi = grid.coord(az, grid.phys_end(az) - 1);
        if (*zf < lo - 1e-6 * grid.dx || *zf > hi + 1e-6 * grid.dx)
            throw InputError("[source] the bowl focuses at z = " + mm_text(*zf) +
                             " mm (position_mm z + focal_length_mm), outside the physical region z in [" +
                             mm_text(lo) + ", " + mm_text(hi) +
                             "] mm; accepted: [grid] size_mm reaching beyond the focus");
    }
    for (std::size_t i = 0; i < spec.sensors.points_m.size(); ++i) {
        const auto& x = spec.sensors.points_m[i];
        for (int p = 0; p < 3; ++p) {
            const int a = grid.internal_axis(p);
            if (a < 0) continue;
            const double lo = grid.coord(a, grid.phys_begin(a)), hi = grid.coord(a, grid.phys_end(a) - 1);
            const double tol = 1e-6 * grid.dx;
            if (x[p] < lo - tol || x[p] > hi + tol)
                throw InputError("[sensor] points_mm: point " + std::to_string(i + 1) + " = " + mm_text(x[0]) + "," +
                                 mm_text(x[1]) + "," + mm_text(x[2]) +
                                 " mm lies outside the physical region: accepted " + axis_name(p) + " in [" +
                                 mm_text(lo) + ", " + mm_text(hi) + "] mm");
        }
    }
}

CaseText resolve_case(const PreparedCase& p) {
    const Case& c = p.c;
    CaseText r = case_text(c);
    if (!r.has("time.cfl")) r.derived["time.cfl"] = CaseValue{format_number(p.plan.cfl), "chosen by the solver"};
    if (p.device) {
        // The keys of other source types are not used: their defaults must not come back as given values (an error
        // with type = device); the device's parameters are shown as derived, so the reader sees every value used.
        for (const char* key : kNonDeviceSourceKeys) {
            const CaseValue* v = r.find(key);
            if (v && v->origin == "default") {
                r.derived[key] = CaseValue{v->text, "not used: type = device"};
                r.values.erase(key);
            }
        }
        const CaseValue* rise = r.find("source.rise_ns");
        if (rise && rise->origin == "default") r.values.erase("source.rise_ns");
        for (const auto& prm : p.device->preset.parameters)
            if (!r.has("source." + prm.key))
                r.derived["source." + prm.key] = CaseValue{format_number(prm.value), "device " + p.device->preset.name};
    }
    if (c.medium.layers || c.medium.model || c.medium.model_data) {
        // The layers (or the model) give every material; the default preset is not used, and must not come back as a
        // given value when the resolved case is run again (layers with a given preset is an error).
        const CaseValue* preset = r.find("medium.preset");
        if (preset && preset->origin == "default") {
            r.derived["medium.preset"] = CaseValue{
                preset->text, c.medium.layers ? "not used: [medium] layers gives the materials"
                                              : "not used: [medium] model gives the materials"};
            r.values.erase("medium.preset");
        }
        return r;
    }
    const auto& props = models::tissue_preset(c.medium.preset);
    const std::pair<const char*, double> from_preset[] = {
        {"medium.c_m_per_s", props.c_m_per_s},
        {"medium.rho_kg_per_m3", props.rho_kg_per_m3},
        {"medium.alpha_dB_per_cm_MHz", props.alpha_dB_per_cm_MHz},
        {"medium.alpha_power", props.alpha_power},
        {"medium.BonA", props.BonA},
    };
    for (const auto& [key, value] : from_preset)
        if (!r.has(key)) r.derived[key] = CaseValue{format_number(value), "preset " + c.medium.preset};
    return r;
}

MediumSpec build_medium_spec(const Case& c, const std::optional<CaseDevice>& device) {
    if (c.medium.model || c.medium.model_data) return build_model_medium(c, device);
    if (c.medium.layers) return build_layered_medium(c);
    MaterialProps m = props_of(models::tissue_preset(c.medium.preset));
    if (c.medium.rho_kg_per_m3) m.rho_kg_per_m3 = *c.medium.rho_kg_per_m3;
    if (c.medium.c_m_per_s) m.c_m_per_s = *c.medium.c_m_per_s;
    if (c.medium.alpha_dB_per_cm_MHz) m.alpha_dB_per_cm_MHz = *c.medium.alpha_dB_per_cm_MHz;
    if (c.medium.alpha_power) m.alpha_power = *c.medium.alpha_power;
    if (c.medium.BonA) m.BonA = *c.medium.BonA;
    MediumSpec medium;
    medium.uniform = m;
    return medium;
}

std::optional<CaseDevice> case_device(const Case& c) {
    if (required(c, c.source.type, "source.type") != "device") return std::nullopt;
    require_key(c, "source.device", "type = device");
    for (const char* key : kNonDeviceSourceKeys)
        if (case_gives(c, key))
            throw InputError("[source] " + std::string(key).substr(7) + " = " + case_value_label(c, key) +
                             " does not apply to type = device (the device's setting and " +
                             "calibration give the amplitude, its preset the pulse); accepted: the device's " +
                             "parameters (lithosim devices)");
    const std::string& dims = required(c, c.grid.dims, "grid.dims");
    if (dims != "3" && dims != "axisymmetric")
        throw InputError("[grid] dims = " + dims + " with [source] type = device: devices are axisymmetric about z; " +
                         "accepted: dims = axisymmetric or 3");
    const auto& position_mm = c.source.position_mm;
    if (position_mm[0] != 0 || position_mm[1] != 0)
        throw InputError("[source] position_mm = " + case_value_text(c, "source.position_mm") +
                         " with type = device: the device's axis is the z axis; accepted: 0,0,z");
    const std::string& name = *c.source.device;
    CaseDevice d;
    try {
        const models::DevicePreset& preset = models::device_preset(name);
        const std::vector<std::string> device_keys = device_parameter_keys();
        std::map<std::string, double> overrides;
        for (const auto& [key, value] : given_device_parameters(c)) {
            if (std::find(device_keys.begin(), device_keys.end(), key) == device_keys.end()) continue;
            const bool has = std::any_of(preset.parameters.begin(), preset.parameters.end(),
                                         [&](const models::DeviceParameter& p) { return p.key == key; });
            if (!has) {
                std::vector<std::string> keys;
                for (const auto& p : preset.parameters) keys.push_back(p.key);
                const std::string label = case_value_label(c, "source." + key);
                throw InputError("[source] " + key + " = " + case_value_text(c, "source." + key) +
                                 label.substr(label.rfind(" (")) + " is not a parameter of device " + name +
                                 "; accepted: " + join(keys, ", "));
            }
            overrides[key] = value;
        }
        d.preset = models::with_overrides(preset, overrides);
        models::source_pressure_Pa(d.preset);  // the setting inside its range (one line if not)
        d.setup = models::device_setup(d.preset, position_mm[2] * kMm);
    } catch (const std::invalid_argument& e) {
        throw InputError("[source] " + std::string(e.what()));
    }
    return d;
}

FocusGeometry focus_geometry(const std::optional<CaseDevice>& device, const SimulationSpec& spec) {
    FocusGeometry f;
    if (device) {
        f.focal_plane_z_m = device->setup.focus_z_m;
        if (device->setup.focus_z_m) f.search_from_z_m = device->setup.z_front_m;
        return f;
    }
    f.focal_plane_z_m = geometric_focus_z_m(spec);
    return f;
}

void check_device_fits(const std::optional<CaseDevice>& d, const Grid& grid) {
    if (!d) return;
    const int ar = grid.internal_axis(0), az = grid.internal_axis(2);
    const double z_lo = grid.coord(az, grid.phys_begin(az)), z_hi = grid.coord(az, grid.phys_end(az) - 1);
    const double r_hi = grid.coord(ar, grid.phys_end(ar) - 1);
    const std::string region = "the physical region is z in [" + mm_text(z_lo) + ", " + mm_text(z_hi) +
                               "] mm, r up to " + mm_text(r_hi) + " mm ([grid] size_mm)";
    const std::string name = d->preset.name;
    const double tol = 1e-6 * grid.dx;
    if (d->setup.z_back_m < z_lo - tol || d->setup.z_front_m > z_hi + tol || d->setup.radius_m > r_hi + tol)
        throw InputError("device " + name + " spans z from " + mm_text(d->setup.z_back_m) + " to " +
                         mm_text(d->setup.z_front_m) + " mm and r up to " + mm_text(d->setup.radius_m) + " mm, but " +
                         region + "; accepted: a grid that holds the device ([source] position_mm places it)");
    if (d->setup.focus_z_m && (*d->setup.focus_z_m < z_lo - tol || *d->setup.focus_z_m > z_hi + tol))
        throw InputError("device " + name + " focuses at z = " + mm_text(*d->setup.focus_z_m) + " mm, outside " +
                         region + "; accepted: a grid reaching beyond the focus (size_mm Z > " +
                         mm_text(*d->setup.focus_z_m) + " mm plus a margin)");
}

std::vector<std::string> device_grid_warnings(const std::optional<CaseDevice>& d, const Grid& grid) {
    if (!d || !(d->preset.calibration_dx_m > 0) || grid.dx <= d->preset.calibration_dx_m * (1 + 1e-6)) return {};
    return {"[grid] dx_mm = " + format_number(to_mm(grid.dx)) + " is coarser than the " + d->preset.name +
            "'s calibration grid " + format_number(to_mm(d->preset.calibration_dx_m)) +
            " mm: the shock front is under-resolved (p+ low; the EFD less so); use dx_mm = " +
            format_number(to_mm(d->preset.calibration_dx_m)) + " for dosimetry"};
}

std::optional<double> geometric_focus_z_m(const SimulationSpec& spec) {
    // The first source that focuses; a bowl's centre of curvature lies focal_length beyond its apex along +z.
    for (const auto& s : spec.sources)
        if (s.type == SourceType::Bowl) return s.position_m[2] + s.focal_length_m;
    return std::nullopt;
}

MaterialProps medium_at(const MediumSpec& medium, const std::array<double, 3>& x_m) {
    return medium.heterogeneous() ? medium.at(x_m) : medium.uniform;
}

PreparedCase prepare_case(Case c, int ranks, std::optional<double> available_bytes) {
    check_case(c);
    PreparedCase p;
    p.device = case_device(c);
    p.spec = build_spec(c, p.device);
    {
        // The geometry first, on the grid alone: a device or source that leaves the region is named as such before
        // the run plan lays out the sources' footprints.
        const Grid grid = make_grid(p.spec.grid);
        check_device_fits(p.device, grid);
        check_geometry(p.spec, grid);
    }
    p.plan = plan_run(p.spec, ranks);
    for (auto& w : device_grid_warnings(p.device, p.plan.grid)) p.plan.warnings.push_back(std::move(w));
    // assumption: every rank has the memory this process sees (one rank per node, or a node's memory shared
    // evenly is the user's job through the launcher)
    if (available_bytes && p.plan.memory_bytes_per_rank > *available_bytes)
        throw InputError("the case needs an estimated " +
                         format_number(std::round(p.plan.memory_bytes_per_rank / 1048576.0)) + " MiB" +
                         (ranks > 1 ? " per rank" : "") + " but only " +
                         format_number(std::round(*available_bytes / 1048576.0)) +
                         " MiB are available; accepted: a coarser [grid] dx_mm or a smaller size_mm" +
                         (ranks > 1 ? " or more ranks" : ""));
    p.focus = focus_geometry(p.device, p.spec);
    p.c = std::move(c);
    return p;
}

}  // namespace lithosim
