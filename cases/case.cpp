#include "cases/case.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace lithosim {

namespace {

// ---- one field per key: read from checked text, written as text -----------------------------------------------

void read(const CaseText& t, const std::string& q, double& v) { v = case_real(t, q); }
void read(const CaseText& t, const std::string& q, long long& v) { v = case_integer(t, q); }
void read(const CaseText& t, const std::string& q, bool& v) { v = case_bool(t, q); }
void read(const CaseText& t, const std::string& q, std::string& v) { v = case_word(t, q); }
void read(const CaseText& t, const std::string& q, std::vector<double>& v) { v = case_reals(t, q); }
void read(const CaseText& t, const std::string& q, std::array<double, 3>& v) { v = case_points(t, q).front(); }
void read(const CaseText& t, const std::string& q, std::vector<std::array<double, 3>>& v) { v = case_points(t, q); }
void read(const CaseText& t, const std::string& q, std::vector<CaseLayer>& v) { v = case_layers(t, q); }
void read(const CaseText& t, const std::string& q, std::vector<std::string>& v) { v = case_words(t, q); }
template <class T>
void read(const CaseText& t, const std::string& q, std::optional<T>& v) {
    T x{};
    read(t, q, x);
    v = std::move(x);
}

std::string point_text(const std::array<double, 3>& x) {
    return format_number(x[0]) + "," + format_number(x[1]) + "," + format_number(x[2]);
}

std::optional<std::string> text_of(double v) { return format_number(v); }
std::optional<std::string> text_of(long long v) { return std::to_string(v); }
std::optional<std::string> text_of(bool v) { return std::string(v ? "true" : "false"); }
std::optional<std::string> text_of(const std::string& v) { return v; }
std::optional<std::string> text_of(const std::array<double, 3>& v) { return point_text(v); }
std::optional<std::string> text_of(const std::vector<double>& v) {
    std::vector<std::string> s;
    for (double x : v) s.push_back(format_number(x));
    return join(s, ",");
}
std::optional<std::string> text_of(const std::vector<std::array<double, 3>>& v) {
    if (v.empty()) return std::nullopt;  // no points: the key unset, as an empty value leaves it
    std::vector<std::string> s;
    for (const auto& x : v) s.push_back(point_text(x));
    return join(s, " ; ");
}
std::optional<std::string> text_of(const std::vector<CaseLayer>& v) {
    std::vector<std::string> s;
    for (const auto& l : v) s.push_back(l.name + ":" + format_number(l.value));
    return join(s, ",");
}
std::optional<std::string> text_of(const std::vector<std::string>& v) {
    return v.empty() ? std::string("none") : join(v, ",");
}
template <class T>
std::optional<std::string> text_of(const std::optional<T>& v) {
    return v ? text_of(*v) : std::nullopt;
}

/// A key of the table and the field of Case that holds it.
struct Field {
    std::string key;
    std::function<void(Case&, const CaseText&)> read;
    std::function<std::optional<std::string>(const Case&)> text;  ///< none: unset
    /// The value of the key in checked case text, written as `text` writes the field's.
    std::function<std::optional<std::string>(const CaseText&)> normalized;
};

template <class Part, class T>
Field field(const char* key, Part Case::*part, T Part::*member) {
    return {key, [=](Case& c, const CaseText& t) { lithosim::read(t, key, (c.*part).*member); },
            [=](const Case& c) { return text_of((c.*part).*member); },
            [=](const CaseText& t) {
                T value{};
                lithosim::read(t, key, value);
                return text_of(value);
            }};
}

std::vector<Field> build_fields() {
    using C = Case;
    return {
        field("grid.dims", &C::grid, &C::Grid::dims),
        field("grid.dx_mm", &C::grid, &C::Grid::dx_mm),
        field("grid.size_mm", &C::grid, &C::Grid::size_mm),
        field("grid.pml_cells", &C::grid, &C::Grid::pml_cells),
        field("time.t_end_us", &C::time, &C::Time::t_end_us),
        field("time.cfl", &C::time, &C::Time::cfl),
        field("medium.preset", &C::medium, &C::Medium::preset),
        field("medium.layers", &C::medium, &C::Medium::layers),
        field("medium.model", &C::medium, &C::Medium::model),
        field("medium.model_target_z_mm", &C::medium, &C::Medium::model_target_z_mm),
        field("medium.c_m_per_s", &C::medium, &C::Medium::c_m_per_s),
        field("medium.rho_kg_per_m3", &C::medium, &C::Medium::rho_kg_per_m3),
        field("medium.alpha_dB_per_cm_MHz", &C::medium, &C::Medium::alpha_dB_per_cm_MHz),
        field("medium.alpha_power", &C::medium, &C::Medium::alpha_power),
        field("medium.BonA", &C::medium, &C::Medium::BonA),
        field("source.type", &C::source, &C::Source::type),
        field("source.device", &C::source, &C::Source::device),
        field("source.aperture_mm", &C::source, &C::Source::aperture_mm),
        field("source.focal_length_mm", &C::source, &C::Source::focal_length_mm),
        field("source.position_mm", &C::source, &C::Source::position_mm),
        field("source.waveform", &C::source, &C::Source::waveform),
        field("source.f0_MHz", &C::source, &C::Source::f0_MHz),
        field("source.cycles", &C::source, &C::Source::cycles),
        field("source.p0_MPa", &C::source, &C::Source::p0_MPa),
        field("source.waveform_file", &C::source, &C::Source::waveform_file),
        field("source.rise_ns", &C::source, &C::Source::rise_ns),
        field("source.decay_per_us", &C::source, &C::Source::decay_per_us),
        field("source.oscillation_kHz", &C::source, &C::Source::oscillation_kHz),
        field("source.delay_us", &C::source, &C::Source::delay_us),
        field("sensor.points_mm", &C::sensor, &C::Sensor::points_mm),
        field("sensor.maps", &C::sensor, &C::Sensor::maps),
        field("sensor.planes_z_mm", &C::sensor, &C::Sensor::planes_z_mm),
        field("sensor.snapshots_us", &C::sensor, &C::Sensor::snapshots_us),
        field("sensor.lines", &C::sensor, &C::Sensor::lines),
        field("solver.order", &C::solver, &C::Solver::order),
        field("solver.nonlinear", &C::solver, &C::Solver::nonlinear),
        field("solver.absorption", &C::solver, &C::Solver::absorption),
        field("solver.shock_viscosity", &C::solver, &C::Solver::shock_viscosity),
        field("solver.shock_filter", &C::solver, &C::Solver::shock_filter),
        field("solver.relaxation_mechanisms", &C::solver, &C::Solver::relaxation_mechanisms),
        field("solver.absorption_fmin_kHz", &C::solver, &C::Solver::absorption_fmin_kHz),
        field("solver.absorption_fmax_MHz", &C::solver, &C::Solver::absorption_fmax_MHz),
    };
}

/// The fields by key; a key of the table without a field is a device parameter (Source::device_parameters).
const std::map<std::string, Field>& fields() {
    static const std::map<std::string, Field> by_key = [] {
        std::map<std::string, Field> m;
        for (auto& f : build_fields()) m.emplace(f.key, std::move(f));
        for (const auto& [key, f] : m)
            if (!find_case_key(key)) throw std::logic_error("Case field " + key + " is not a case key");
        return m;
    }();
    return by_key;
}

const Field* field_of(const std::string& qualified) {
    const auto it = fields().find(qualified);
    return it == fields().end() ? nullptr : &it->second;
}

/// A [source] key of the table held in Source::device_parameters.
bool is_parameter_key(const CaseKey& k) { return k.section == "source" && !field_of(k.qualified()); }

/// The text of a key's value written from the case (no as-given text), or none when unset.
std::optional<std::string> written_text(const Case& c, const CaseKey& k) {
    if (const Field* f = field_of(k.qualified())) return f->text(c);
    const auto it = c.source.device_parameters.find(k.name);
    if (it == c.source.device_parameters.end()) return std::nullopt;
    return format_number(it->second);
}

/// The as-given entry of a key when it still describes the field's value.
const CaseValue* current_as_given(const Case& c, const CaseKey& k, const std::optional<std::string>& written) {
    const auto it = c.as_given.find(k.qualified());
    if (it == c.as_given.end() || !written) return nullptr;
    // The given text read back must give what the field holds now (code may have changed the field since).
    CaseText t;
    t.values[k.qualified()] = it->second;
    if (const Field* f = field_of(k.qualified())) return f->normalized(t) == written ? &it->second : nullptr;
    return format_number(case_real(t, k.qualified())) == *written ? &it->second : nullptr;
}

}  // namespace

Case::Case() {
    CaseText defaults;
    for (const auto& k : case_keys())
        if (k.presence == Presence::Defaulted) defaults.values[k.qualified()] = CaseValue{k.default_value, "default"};
    for (const auto& [key, f] : fields())
        if (defaults.has(key)) f.read(*this, defaults);
}

Case case_from_text(const CaseText& text) {
    Case c;
    for (const auto& [key, value] : text.values) {
        const CaseKey* k = find_case_key(key);
        if (!k) throw std::logic_error("case text holds " + key + ", which is not a case key");
        if (const Field* f = field_of(key))
            f->read(c, text);
        else
            c.source.device_parameters[k->name] = case_real(text, key);
        if (value.origin != "default") c.as_given[key] = value;
    }
    return c;
}

CaseText case_text(const Case& c) {
    CaseText t;
    for (const auto& k : case_keys()) {
        const std::string q = k.qualified();
        std::optional<std::string> written = written_text(c, k);
        if (k.kind == ValueKind::Path && q == "medium.model" && !written && c.medium.model_data)
            written = "(a model in memory)";
        if (!written) continue;
        if (const CaseValue* given = current_as_given(c, k, written)) {
            t.values[q] = *given;
        } else {
            const bool at_default = k.presence == Presence::Defaulted && !c.as_given.count(q) &&
                                    text_of(k.default_value) == written;
            t.values[q] = CaseValue{*written, at_default ? "default" : c.origin};
        }
    }
    return t;
}

void check_case(const Case& c) {
    for (const auto& k : case_keys()) {
        const std::string q = k.qualified();
        const auto written = written_text(c, k);
        if (!written) {
            if (k.presence == Presence::Required)
                throw InputError("[" + k.section + "] " + k.name + " is required but not given; accepted: " +
                                 k.accepted() + " (" + k.doc + ")");
            continue;
        }
        const auto it = c.as_given.find(q);
        check_value(k, CaseValue{*written, it != c.as_given.end() ? it->second.origin : c.origin});
    }
    for (const auto& [name, value] : c.source.device_parameters) {
        const CaseKey* k = find_case_key("source", name);
        if (!k || !is_parameter_key(*k))
            throw InputError(c.origin + ": '" + name + "' (value " + format_number(value) +
                             ") is not a device parameter key of [source]; accepted keys in [source]: " +
                             section_key_list("source"));
    }
}

bool case_gives(const Case& c, const std::string& qualified) {
    const CaseKey* k = find_case_key(qualified);
    if (!k) return false;
    if (k->presence == Presence::Defaulted) return c.as_given.count(qualified) > 0;
    return written_text(c, *k).has_value();
}

std::string case_value_text(const Case& c, const std::string& qualified) {
    const CaseKey* k = find_case_key(qualified);
    if (!k) return {};
    const auto written = written_text(c, *k);
    if (const CaseValue* given = current_as_given(c, *k, written)) return given->text;
    return written.value_or("");
}

std::string case_value_label(const Case& c, const std::string& qualified) {
    const CaseKey* k = find_case_key(qualified);
    if (!k) return {};
    const auto written = written_text(c, *k);
    if (const CaseValue* given = current_as_given(c, *k, written)) return "'" + given->text + "' (" + given->origin + ")";
    return "'" + written.value_or("") + "' (" + c.origin + ")";
}

void set_given(Case& c, const std::string& qualified) {
    const CaseKey* k = find_case_key(qualified);
    if (!k) throw std::logic_error("no case key named " + qualified);
    c.as_given[qualified] = CaseValue{written_text(c, *k).value_or(""), c.origin};
}

void set_device_parameter(Case& c, const std::string& key, double value) {
    if (key == "aperture_mm") {
        c.source.aperture_mm = value;
    } else if (key == "focal_length_mm") {
        c.source.focal_length_mm = value;
    } else if (key == "rise_ns") {
        c.source.rise_ns = value;
        set_given(c, "source.rise_ns");
    } else {
        c.source.device_parameters[key] = value;
    }
}

std::map<std::string, double> given_device_parameters(const Case& c) {
    std::map<std::string, double> out = c.source.device_parameters;
    if (c.source.aperture_mm) out["aperture_mm"] = *c.source.aperture_mm;
    if (c.source.focal_length_mm) out["focal_length_mm"] = *c.source.focal_length_mm;
    if (case_gives(c, "source.rise_ns")) out["rise_ns"] = c.source.rise_ns;
    return out;
}

}  // namespace lithosim
