// The sweep file, its design and its table: see sweep.hpp and SWEEP.md.
#include "sweeps/sweep.hpp"

#include "io/schema.hpp"
#include "planner/plan.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "cases/case_keys.hpp"
#include "cases/default_case.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "models/devices.hpp"
#include "models/phantoms.hpp"
#include "planning/fragmentation.hpp"
#include "planning/protocol.hpp"

namespace lithosim {

namespace {

constexpr const char* kDefaultBase = "default";
/// Most cases of one sweep (a table of a million rows is already more than a sweep folder should hold).
constexpr double kMaxCases = 1e6;

std::string plan_option_names() {
    std::vector<std::string> names;
    for (const auto& o : plan_option_table()) names.push_back(o.name);
    return join(names, ", ");
}

std::vector<std::string> plan_words(const std::string& name) {
    if (name == "indication") return planning::indication_names();
    if (name == "phantom") return models::phantom_names();
    if (name == "device") return models::device_preset_names();
    if (name == "material") return planning::stone_material_names();
    if (name == "fidelity") return {"fast", "full"};
    return {};
}

/// InputError unless `value` is accepted by the plan option (`where` names the case or the section).
void check_plan_value(const PlanOption& o, const std::string& value, const std::string& where) {
    const std::string option = std::string(o.name) + " (" + where + ")";
    switch (o.kind) {
    case PlanOption::Real: checked_number(option, value, false, o.min, o.max); break;
    case PlanOption::Integer: checked_number(option, value, true, o.min, o.max); break;
    case PlanOption::Point: checked_point(option, value); break;
    case PlanOption::Path:
        if (value.empty()) throw InputError("plan." + std::string(o.name) + " (" + where + "): empty path");
        break;
    case PlanOption::Word: {
        const auto words = plan_words(o.name);
        if (std::find(words.begin(), words.end(), value) == words.end())
            throw InputError("plan." + std::string(o.name) + " = '" + value + "' (" + where +
                             "); accepted: " + join(words, ", "));
        break;
    }
    }
}

/// A number as the sweep writes it (12 significant digits, so that "5:40:8" gives 5, 10, 15, ...).
std::string number_text(double v) { return format_number(v); }

/// SplitMix64 (Steele, Lea & Flood 2014): a small generator whose output is the same on every platform, unlike
/// the distributions of <random>.
struct SplitMix64 {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1) with 53 bits.
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    /// Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for the n used here).
    std::uint64_t below(std::uint64_t n) { return std::uint64_t((unsigned __int128)(next()) * n >> 64); }
};

std::vector<std::size_t> permutation(std::size_t n, SplitMix64& rng) {
    std::vector<std::size_t> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = i;
    for (std::size_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng.below(i)]);  // Fisher-Yates
    return p;
}

std::string case_id(std::size_t index, std::size_t total) {
    const std::size_t width = std::max<std::size_t>(4, std::to_string(total > 0 ? total - 1 : 0).size());
    const std::string digits = std::to_string(index);
    return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
}

std::string read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

bool is_run_dependent(const std::string& top) {
    static const std::set<std::string> names = {"runtime_s",   "cell_updates_per_s", "peak_memory_MB",
                                                "threads",     "phase_seconds",      "git_commit",
                                                "version"};
    return names.count(top) != 0;
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, double>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (prefix.empty() && is_run_dependent(it.key())) continue;
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
        }
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], prefix + "." + std::to_string(i), out);
    } else if (j.is_number()) {
        out[prefix] = j.get<double>();
    } else if (j.is_null()) {
        if (!prefix.empty()) out[prefix] = std::numeric_limits<double>::quiet_NaN();
    }
}

/// Name order with digit runs compared as numbers, so that "curve.2.x" comes before "curve.10.x".
struct NaturalLess {
    bool operator()(const std::string& a, const std::string& b) const {
        std::size_t i = 0, j = 0;
        while (i < a.size() && j < b.size()) {
            const bool da = std::isdigit((unsigned char)a[i]), db = std::isdigit((unsigned char)b[j]);
            if (da && db) {
                std::size_t ie = i, je = j;
                while (ie < a.size() && std::isdigit((unsigned char)a[ie])) ++ie;
                while (je < b.size() && std::isdigit((unsigned char)b[je])) ++je;
                const std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
                const std::size_t za = na.find_first_not_of('0'), zb = nb.find_first_not_of('0');
                const std::string sa = za == std::string::npos ? "" : na.substr(za);
                const std::string sb = zb == std::string::npos ? "" : nb.substr(zb);
                if (sa.size() != sb.size()) return sa.size() < sb.size();
                if (sa != sb) return sa < sb;
                if (na.size() != nb.size()) return na.size() < nb.size();
                i = ie;
                j = je;
            } else {
                if (a[i] != b[j]) return a[i] < b[j];
                ++i;
                ++j;
            }
        }
        return a.size() - i < b.size() - j;
    }
};

}  // namespace

// ---- ranges and lists ----

std::vector<std::string> SweepValues::levels() const {
    if (!is_range) return items;
    std::vector<std::string> v;
    for (long long i = 0; i < count; ++i)
        v.push_back(number_text(count == 1 ? start : start + (stop - start) * double(i) / double(count - 1)));
    return v;
}

SweepValues parse_sweep_values(const std::string& key, const std::string& text_in) {
    const std::string text = trim(text_in);
    const std::string accepted =
        "accepted: start:stop:count (count an integer >= 1, e.g. 5:40:8) or a list of values (3.5,5,7; "
        "'|' separates items that hold commas, e.g. 10,20|12,24)";
    if (text.empty()) throw InputError("sweep key " + key + " has no values; " + accepted);
    SweepValues v;
    if (text.find(':') != std::string::npos) {
        const auto parts = split(text, ':');
        long long count = 0;
        if (parts.size() != 3 || !parse_real(parts[0], v.start) || !parse_real(parts[1], v.stop) ||
            !parse_integer(parts[2], count) || count < 1)
            throw InputError("sweep key " + key + " = '" + text + "': malformed range; " + accepted);
        if (count > 1 && v.start == v.stop)
            throw InputError("sweep key " + key + " = '" + text + "': start equals stop with " + parts[2] +
                             " values; " + accepted);
        v.is_range = true;
        v.count = count;
        return v;
    }
    v.items = split(text, text.find('|') != std::string::npos ? '|' : ',');
    for (const auto& item : v.items)
        if (item.empty()) throw InputError("sweep key " + key + " = '" + text + "': an empty item; " + accepted);
    return v;
}

// ---- the sweep file ----

SweepConfig parse_sweep(const std::string& text, const std::string& origin, const fs::path& dir) {
    SweepConfig c;
    c.origin = origin;
    c.dir = dir;
    std::string section;
    std::map<std::string, std::string> settings;
    std::set<std::string> seen;
    bool have_plan_section = false;
    int line_no = 0;
    std::istringstream in(text);
    for (std::string raw; std::getline(in, raw);) {
        ++line_no;
        const std::string where = origin + " line " + std::to_string(line_no);
        std::string line = raw.substr(0, raw.find('#'));
        line = trim(line);
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') throw InputError(where + ": '" + line + "' is not a section header [name]");
            section = trim(line.substr(1, line.size() - 2));
            if (section != "sweep" && section != "plan")
                throw InputError(where + ": unknown section [" + section + "]; accepted: [sweep], [plan] (the base "
                                 "case of a simulate sweep is its own file: [sweep] base = case.ini)");
            if (section == "plan") have_plan_section = true;
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos) throw InputError(where + ": '" + line + "' is not key = value");
        const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        if (section.empty()) throw InputError(where + ": key '" + key + "' before any section; accepted: [sweep]");
        if (!seen.insert(section + "/" + key).second)
            throw InputError(where + ": key '" + key + "' of [" + section + "] is given twice");
        if (section == "plan") {
            const PlanOption* o = find_plan_option(key);
            if (!o)
                throw InputError(where + ": '" + key + "' is not an option lithosim sweep passes to lithosim plan; "
                                 "accepted in [plan]: " + plan_option_names());
            check_plan_value(*o, value, "[plan] of " + origin);
            c.plan_options.emplace_back(key, value);
            continue;
        }
        if (key.find('.') != std::string::npos) c.keys.push_back({key, value, {}});
        else settings[key] = value;
    }
    for (const auto& [k, v] : settings)
        if (k != "command" && k != "base" && k != "mode" && k != "samples" && k != "seed")
            throw InputError(origin + ": [sweep] '" + k + "' is neither a setting (command, base, mode, samples, "
                             "seed) nor a swept key section.key");
    const std::string command = settings.count("command") ? settings["command"] : "simulate";
    if (command == "simulate") c.command = SweepCommand::Simulate;
    else if (command == "plan") c.command = SweepCommand::Plan;
    else throw InputError(origin + ": [sweep] command = '" + command + "'; accepted: simulate, plan");
    const std::string mode = settings.count("mode") ? settings["mode"] : "grid";
    if (mode == "grid") c.mode = SweepMode::Grid;
    else if (mode == "lhs") c.mode = SweepMode::Lhs;
    else throw InputError(origin + ": [sweep] mode = '" + mode + "'; accepted: grid, lhs");
    if (c.mode == SweepMode::Lhs) {
        if (!settings.count("samples"))
            throw InputError(origin + ": [sweep] mode = lhs needs samples = N (an integer >= 1)");
        c.samples = (long long)checked_number("samples ([sweep] of " + origin + ")", settings["samples"], true, 1, 1e6);
        if (settings.count("seed"))
            c.seed = std::uint64_t(checked_number("seed ([sweep] of " + origin + ")", settings["seed"], true, 0, 1e15));
    } else if (settings.count("samples") || settings.count("seed")) {
        throw InputError(origin + ": [sweep] samples and seed belong to mode = lhs; mode is grid");
    }
    if (c.command == SweepCommand::Simulate) {
        if (have_plan_section) throw InputError(origin + ": a [plan] section needs [sweep] command = plan");
        if (!settings.count("base") || settings["base"].empty())
            throw InputError(origin + ": [sweep] base is missing; accepted: a case file (relative to the sweep "
                             "file) or 'default'");
        c.base = settings["base"];
        if (c.base != kDefaultBase) {
            c.base_path = fs::absolute(dir / c.base).lexically_normal();
            std::error_code ec;
            if (!fs::is_regular_file(c.base_path, ec))
                throw InputError(origin + ": [sweep] base = '" + c.base + "': no such file (" +
                                 c.base_path.string() + "); accepted: a case file or 'default'");
        }
    } else {
        if (settings.count("base"))
            throw InputError(origin + ": [sweep] base belongs to command = simulate; a plan sweep's base is [plan]");
        bool indication = false;
        for (const auto& [k, v] : c.plan_options) indication |= k == "indication";
        if (!indication) throw InputError(origin + ": command = plan needs [plan] indication = NAME");
    }
    if (c.keys.empty())
        throw InputError(origin + ": [sweep] sweeps no key; accepted: section.key = start:stop:count or a list, "
                         "e.g. source.p0_MPa = 5:40:8");
    std::set<std::string> names;
    for (auto& k : c.keys) {
        if (c.command == SweepCommand::Simulate) {
            if (!find_case_key(k.name)) {
                const auto dot = k.name.find('.');
                const std::string sec = k.name.substr(0, dot);
                const auto sections = case_sections();
                const bool known = std::find(sections.begin(), sections.end(), sec) != sections.end();
                throw InputError(origin + ": sweep key '" + k.name + "' is not a case key; accepted: " +
                                 (known ? "[" + sec + "] keys " + section_key_list(sec)
                                        : "section.key with section one of " + join(sections, ", ")) +
                                 " (lithosim simulate --help)");
            }
        } else {
            if (k.name.rfind("plan.", 0) != 0 || !find_plan_option(k.name.substr(5)))
                throw InputError(origin + ": sweep key '" + k.name + "' is not a sweepable plan option; accepted: "
                                 "plan.<option> with option one of " + plan_option_names());
        }
        if (!names.insert(k.name).second) throw InputError(origin + ": sweep key " + k.name + " is given twice");
        k.values = parse_sweep_values(k.name, k.text);
    }
    return c;
}

SweepConfig read_sweep_file(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError("config", "sweep file '" + path.string() + "': no such file; accepted: a sweep file (INI, sweeps/SWEEP.md)");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError("config", "sweep file '" + path.string() + "': cannot be read");
    std::ostringstream s;
    s << f.rdbuf();
    return parse_sweep(s.str(), path.filename().string(), fs::absolute(path).parent_path());
}

// ---- the design ----

std::vector<std::vector<std::string>> grid_design(const std::vector<SweepKey>& keys) {
    std::vector<std::vector<std::string>> levels;
    std::size_t n = 1;
    for (const auto& k : keys) {
        levels.push_back(k.values.levels());
        n *= levels.back().size();
    }
    std::vector<std::vector<std::string>> rows(n, std::vector<std::string>(keys.size()));
    for (std::size_t r = 0; r < n; ++r) {
        std::size_t rest = r;  // mixed-radix digits of r, the last key fastest
        for (std::size_t k = keys.size(); k-- > 0;) {
            rows[r][k] = levels[k][rest % levels[k].size()];
            rest /= levels[k].size();
        }
    }
    return rows;
}

std::vector<std::vector<std::string>> lhs_design(const std::vector<SweepKey>& keys, long long samples,
                                                 std::uint64_t seed, const std::vector<bool>& integer_keys) {
    const std::size_t n = std::size_t(std::max<long long>(samples, 0));
    std::vector<std::vector<std::string>> rows(n, std::vector<std::string>(keys.size()));
    SplitMix64 rng{seed};
    for (std::size_t k = 0; k < keys.size(); ++k) {
        const auto perm = permutation(n, rng);
        const SweepValues& v = keys[k].values;
        const bool integer = k < integer_keys.size() && integer_keys[k];
        for (std::size_t r = 0; r < n; ++r) {
            const std::size_t stratum = perm[r];
            if (v.is_range) {
                // Inside the stratum, kept a hair away from its edges so that printing with 12 digits cannot move
                // a value into the next stratum.
                const double u = 1e-6 + (1 - 2e-6) * rng.uniform();
                double x = v.start + (v.stop - v.start) * (double(stratum) + u) / double(n);
                if (integer) x = std::round(x);
                rows[r][k] = number_text(x);
            } else {
                rows[r][k] = v.items[stratum * v.items.size() / n];
            }
        }
    }
    return rows;
}

std::vector<SweepCase> expand_cases(const SweepConfig& c) {
    std::vector<std::vector<std::string>> rows;
    if (c.mode == SweepMode::Grid) {
        double n = 1;
        for (const auto& k : c.keys)
            n *= double(k.values.is_range ? std::size_t(k.values.count) : k.values.items.size());
        if (n > kMaxCases)
            throw InputError(c.origin + ": the grid has " + format_number(n) + " cases; accepted: at most " +
                             format_number(kMaxCases) + " (fewer values, or mode = lhs)");
        rows = grid_design(c.keys);
    } else {
        std::vector<bool> integer;
        for (const auto& k : c.keys) {
            bool is_int = false;
            if (c.command == SweepCommand::Simulate) {
                const CaseKey* key = find_case_key(k.name);
                is_int = key && key->kind == ValueKind::Integer;
            } else if (const PlanOption* o = find_plan_option(k.name.substr(5))) {
                is_int = o->kind == PlanOption::Integer;
            }
            integer.push_back(is_int);
        }
        rows = lhs_design(c.keys, c.samples, c.seed, integer);
    }
    std::vector<SweepCase> cases;
    for (std::size_t i = 0; i < rows.size(); ++i) cases.push_back({case_id(i, rows.size()), rows[i]});
    return cases;
}

void check_cases(const SweepConfig& c, const std::vector<SweepCase>& cases) {
    if (c.command == SweepCommand::Plan) {
        for (const auto& sc : cases)
            for (std::size_t k = 0; k < c.keys.size(); ++k)
                check_plan_value(*find_plan_option(c.keys[k].name.substr(5)), sc.values[k],
                                 "sweep case " + sc.id + " of " + c.origin);
        return;
    }
    const CaseText base = sweep_base(c);
    // Each distinct value once against its key, then each case whole (required keys).
    for (std::size_t k = 0; k < c.keys.size(); ++k) {
        std::set<std::string> done;
        const CaseKey& key = *find_case_key(c.keys[k].name);
        for (const auto& sc : cases)
            if (done.insert(sc.values[k]).second)
                check_value(key, CaseValue{sc.values[k], "sweep " + c.origin + ", case " + sc.id});
    }
    for (const auto& sc : cases) sweep_case(c, base, sc);
}

CaseText sweep_base(const SweepConfig& c) {
    return c.base == kDefaultBase ? parse_case(default_case_text(), "default.ini (embedded)", fs::current_path())
                                  : read_case_file(c.base_path);
}

Case sweep_case(const SweepConfig& c, const CaseText& base, const SweepCase& sc) {
    CaseText t = base;
    std::vector<std::string> seen;
    try {
        for (std::size_t k = 0; k < c.keys.size(); ++k) {
            const CaseKey* key = find_case_key(c.keys[k].name);
            std::string v = sc.values[k];
            if (key && key->kind == ValueKind::Path && !v.empty() && fs::path(v).is_relative())
                v = (c.dir / v).lexically_normal().string();
            apply_override(t, c.keys[k].name + "=" + v, seen);
        }
        check_required(t);
    } catch (const InputError& e) {
        throw InputError("sweep case " + sc.id + " of " + c.origin + ": " + e.what());
    }
    Case result = case_from_text(t);
    result.origin = "sweep case " + sc.id + " of " + c.origin;
    return result;
}

std::string sweep_identity(const SweepConfig& c, const std::vector<SweepCase>& cases) {
    std::string s = c.command == SweepCommand::Plan ? "plan\n" : "simulate\n";
    if (c.command == SweepCommand::Simulate)
        s += c.base == kDefaultBase ? std::string(default_case_text()) : read_all(c.base_path);
    s += "\n";
    for (const auto& [k, v] : c.plan_options) s += k + "=" + v + "\n";
    for (const auto& k : c.keys) s += k.name + "\n";
    for (const auto& sc : cases) s += sc.id + ":" + join(sc.values, "\x1f") + "\n";
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
    for (unsigned char ch : s) {
        h ^= ch;
        h *= 0x100000001b3ULL;  // FNV prime
    }
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    return buf;
}

std::vector<std::string> case_arguments(const SweepConfig& c, const SweepCase& sc, const fs::path& case_dir) {
    // A relative path in a swept value or in [plan] is relative to the sweep file, as in a case file.
    auto absolute_if_path = [&](bool is_path, const std::string& v) {
        return is_path && !v.empty() && fs::path(v).is_relative() ? (c.dir / v).lexically_normal().string() : v;
    };
    std::vector<std::string> a;
    if (c.command == SweepCommand::Simulate) {
        a = {"simulate", "--config", c.base == kDefaultBase ? std::string(kDefaultBase) : c.base_path.string(),
             "--out", case_dir.string(), "--quiet", "--no-pictures"};
        for (std::size_t k = 0; k < c.keys.size(); ++k) {
            const CaseKey* key = find_case_key(c.keys[k].name);
            a.push_back("--set");
            a.push_back(c.keys[k].name + "=" + absolute_if_path(key->kind == ValueKind::Path, sc.values[k]));
        }
        return a;
    }
    a = {"plan", "--out", case_dir.string(), "--quiet", "--no-pictures"};
    for (const auto& [name, value] : plan_case_options(c, sc)) {
        a.push_back("--" + name);
        a.push_back(value);
    }
    return a;
}

std::vector<std::pair<std::string, std::string>> plan_case_options(const SweepConfig& c, const SweepCase& sc) {
    std::vector<std::pair<std::string, std::string>> options = c.plan_options;
    for (std::size_t k = 0; k < c.keys.size(); ++k) {
        const std::string name = c.keys[k].name.substr(5);
        auto it = std::find_if(options.begin(), options.end(), [&](const auto& o) { return o.first == name; });
        if (it != options.end()) it->second = sc.values[k];
        else options.emplace_back(name, sc.values[k]);
    }
    for (auto& [name, value] : options)
        if (const PlanOption* o = find_plan_option(name); o && o->kind == PlanOption::Path && !value.empty() &&
                                                          fs::path(value).is_relative())
            value = (c.dir / value).lexically_normal().string();
    return options;
}

PlanRequest sweep_plan_request(const SweepConfig& c, const SweepCase& sc) {
    try {
        PlanRequest r = plan_request(plan_case_options(c, sc));
        r.pictures = false;
        r.command_line = "sweep case " + sc.id + " of " + c.origin;
        return r;
    } catch (const InputError& e) {
        throw InputError("sweep case " + sc.id + " of " + c.origin + ": " + e.what());
    }
}

// ---- records and the table ----

nlohmann::json CaseRecord::to_json() const {
    nlohmann::json m = nlohmann::json::object();
    for (const auto& [k, v] : metrics) m[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    return {{"id", id},           {"status", ok ? "ok" : "failed"}, {"error", error},
            {"run_time_s", run_time_s}, {"values", values},           {"metrics", m},
            {io::schema::key, io::schema::sweep_json}};
}

CaseRecord CaseRecord::from_json(const nlohmann::json& j) {
    CaseRecord r;
    r.id = j.at("id").get<std::string>();
    r.ok = j.at("status").get<std::string>() == "ok";
    r.error = j.at("error").get<std::string>();
    r.run_time_s = j.at("run_time_s").get<double>();
    r.values = j.at("values").get<std::vector<std::string>>();
    for (auto it = j.at("metrics").begin(); it != j.at("metrics").end(); ++it)
        r.metrics[it.key()] =
            it.value().is_null() ? std::numeric_limits<double>::quiet_NaN() : it.value().get<double>();
    return r;
}

std::map<std::string, double> flatten_metrics(const nlohmann::json& j) {
    std::map<std::string, double> out;
    flatten(j, "", out);
    return out;
}

SweepTable build_table(const SweepConfig& c, const std::vector<SweepCase>& cases,
                       const std::vector<std::optional<CaseRecord>>& records, const std::string& identity) {
    SweepTable t;
    t.identity = identity;
    for (const auto& sc : cases) t.case_ids.push_back(sc.id);
    for (std::size_t k = 0; k < c.keys.size(); ++k) {
        io::SweepColumn col;
        col.name = c.keys[k].name;
        for (const auto& sc : cases) {
            double x = 0;
            col.numeric = col.numeric && parse_real(sc.values[k], x);
        }
        for (const auto& sc : cases) {
            double x = 0;
            if (col.numeric) col.numbers.push_back(parse_real(sc.values[k], x) ? x : NAN);
            else col.texts.push_back(sc.values[k]);
        }
        t.parameters.push_back(std::move(col));
    }
    std::set<std::string, NaturalLess> names;
    for (const auto& r : records)
        if (r)
            for (const auto& [k, v] : r->metrics) names.insert(k);
    for (const auto& name : names) {
        io::SweepColumn col;
        col.name = name;
        for (const auto& r : records) {
            const auto it = r ? r->metrics.find(name) : decltype(r->metrics.end()){};
            col.numbers.push_back(r && it != r->metrics.end() ? it->second : std::numeric_limits<double>::quiet_NaN());
        }
        t.metrics.push_back(std::move(col));
    }
    for (const auto& r : records) {
        t.status.push_back(r && r->ok ? "ok" : "failed");
        t.error.push_back(r ? r->error : "not run");
        t.run_time_s.push_back(r ? r->run_time_s : std::numeric_limits<double>::quiet_NaN());
    }
    return t;
}

int sweep_exit_code(long long failed) {
    if (failed <= 0) return 0;
    return int(100 + std::min<long long>(failed, 100));
}

}  // namespace lithosim
