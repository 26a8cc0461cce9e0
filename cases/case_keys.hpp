// The case file: every key a case may hold, declared once in one table, and the raw text values of a case.
//
// A case is an INI file in Boost.Program_options' config-file syntax:
//
//     # comment (also after a value)
//     [grid]
//     dx_mm = 0.5
//
// Each key is declared once in case_keys() with its kind, unit, default, accepted range and documentation. The
// same table drives parsing (unknown sections and keys are errors), validation of every value, the key list of
// `lithosim simulate --help` and the resolved case text stored with every result. Values keep the units their
// key names (mm, us, MPa, MHz, ...); case_spec.hpp converts them to the SI structs of the solver.
#pragma once
#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lithosim {

/// What a key's value looks like.
enum class ValueKind {
    Integer,    ///< whole number within [min, max]
    Real,       ///< real number within the range
    Boolean,    ///< true | false
    Choice,     ///< one word of `choices`
    ChoiceSet,  ///< comma-separated words of `choices` (each at most once), or "none"
    RealList,   ///< 1 to max_items comma-separated reals within the range (e.g. size_mm)
    Vec3,       ///< x,y,z: three comma-separated reals
    PointList,  ///< x,y,z ; x,y,z ; ...: points separated by ';', or empty for none
    Path,       ///< a file path; relative paths are relative to the directory of the case file that gives it
    LayerList,  ///< name:number,name:number,...: words of `choices`, each with a number within the range
};

/// Whether a case must give the key.
enum class Presence {
    Required,   ///< no default: the case must give it
    Defaulted,  ///< has a default value
    Optional,   ///< may be left unset (the doc says what unset means, or which other key needs it)
};

/// One case key: the single declaration everything else reads.
struct CaseKey {
    std::string section;   ///< "grid", "time", ...
    std::string name;      ///< "dx_mm", ...
    ValueKind kind = ValueKind::Real;
    std::string unit;      ///< unit of the value ("mm", "us", ...); empty for dimensionless or text
    Presence presence = Presence::Defaulted;
    std::string default_value;  ///< text of the default (Defaulted only)
    double min = 0, max = 0;    ///< numeric range (Integer, Real, RealList)
    std::size_t max_items = 3;  ///< most numbers of a RealList
    bool min_open = false, max_open = false;  ///< range ends excluded; an infinite end is always open
    std::vector<std::string> choices;         ///< accepted words (Choice, ChoiceSet)
    std::string unset_meaning;  ///< Optional keys: what leaving the key unset means ("chosen by the solver", ...)
    std::string doc;            ///< one sentence: what the key does

    /// "section.key", the name used by --set and by Boost.Program_options.
    std::string qualified() const { return section + "." + name; }
    /// The accepted values in words: "> 0", "[0, 200]", "1|2|3", "x,y,z (mm)", ...
    std::string accepted() const;
    /// The default column of the help: the default value, "required", or the meaning of leaving it unset.
    std::string default_text() const;
};

/// Every case key, grouped by section, in the order the help and the resolved case list them.
const std::vector<CaseKey>& case_keys();

/// Section names in table order.
std::vector<std::string> case_sections();

/// The key [section] name, or nullptr.
const CaseKey* find_case_key(const std::string& section, const std::string& name);

/// The key of a qualified name "section.key", or nullptr.
const CaseKey* find_case_key(const std::string& qualified);

/// Comma-separated list of the keys of a section, for error messages.
std::string section_key_list(const std::string& section);

/// One value of a case and where it came from (for messages and the resolved case).
struct CaseValue {
    std::string text;    ///< as given (trimmed), or the default / derived value
    std::string origin;  ///< "default", the case file name, "--set", "preset water", "chosen by the solver", ...
};

/// The raw values of a case, keyed by qualified name. Holds only keys that have a value (given or default).
struct CaseText {
    std::map<std::string, CaseValue> values;
    /// Values a run derived for keys the case leaves unset (medium properties from the preset, the cfl the solver
    /// chose). Shown in the resolved case as comments, so that re-running it derives them again (a changed preset
    /// brings its own properties) while the reader still sees every value used.
    std::map<std::string, CaseValue> derived;
    /// Directory relative Path values given in the case file are resolved against (the case file's directory).
    std::filesystem::path base_dir;

    /// The value of a key, or nullptr when it is unset.
    const CaseValue* find(const std::string& qualified) const;
    bool has(const std::string& qualified) const { return find(qualified) != nullptr; }
};

/// Parse case text (INI, Boost.Program_options config syntax). `origin` names the text in messages (the file name).
/// Throws InputError for syntax errors, unknown sections or keys, keys given twice, and values that do not match
/// their key's kind and range. Keys not given are filled with their defaults. Required keys are checked by
/// check_required(), after --set overrides.
CaseText parse_case(const std::string& text, const std::string& origin, const std::filesystem::path& base_dir);

/// One value of a case given as data rather than text (the Python module's dict of sections): [section] name = value.
struct CaseEntry {
    std::string section, name, value;
};

/// A case from entries, each checked exactly like the line `name = value` under [section] of a case file named
/// `origin` (same messages: unknown sections and keys, kind and range); keys not given get their defaults.
/// Relative paths are resolved against `base_dir`. Throws InputError.
CaseText case_from_entries(const std::vector<CaseEntry>& entries, const std::string& origin,
                           const std::filesystem::path& base_dir);

/// Read and parse a case file. Throws InputError if it is missing, not a regular file or unreadable.
CaseText read_case_file(const std::filesystem::path& path);

/// Apply one --set override "section.key=value" (value validated like a file value; an empty value unsets an
/// Optional key). Relative paths are resolved against the current directory. `seen` collects the keys already
/// set on the command line: giving a key twice there is an error, as in a file.
void apply_override(CaseText& c, const std::string& assignment, std::vector<std::string>& seen);

/// Throws InputError naming the first Required key without a value.
void check_required(const CaseText& c);

/// Validate one value against its key (kind and range). Throws InputError naming key, value, origin and the
/// accepted values.
void check_value(const CaseKey& key, const CaseValue& value);

/// The case as INI text, every key of the table in table order with its value and origin; derived values and
/// unset Optional keys appear as comments. Parsing this text gives the same values (so a resolved case re-runs
/// the same case).
std::string case_to_ini(const CaseText& c, const std::string& header_comment);

/// The key table as help text: one block per section, one line per key with unit, default, range and doc.
std::string case_keys_help();

// Typed access to the values of a checked case (parse_case / apply_override validated them). Asking for a key
// without a value, or for a key not in the table, is a programming error (std::logic_error): check has() first.
long long case_integer(const CaseText& c, const std::string& qualified);
double case_real(const CaseText& c, const std::string& qualified);
bool case_bool(const CaseText& c, const std::string& qualified);
std::string case_word(const CaseText& c, const std::string& qualified);
/// The words of a ChoiceSet value ("none" gives none).
std::vector<std::string> case_words(const CaseText& c, const std::string& qualified);
/// The numbers of a RealList value.
std::vector<double> case_reals(const CaseText& c, const std::string& qualified);
/// The points of a PointList value (none when unset or empty), or the one point of a Vec3 value.
std::vector<std::array<double, 3>> case_points(const CaseText& c, const std::string& qualified);

/// One entry of a LayerList value.
struct CaseLayer {
    std::string name;  ///< one of the key's choices
    double value = 0;  ///< in the key's unit
};
/// The entries of a LayerList value, in order.
std::vector<CaseLayer> case_layers(const CaseText& c, const std::string& qualified);

}  // namespace lithosim
