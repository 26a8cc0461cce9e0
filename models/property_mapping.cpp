// Label and HU -> acoustic properties: the "labels" and "hounsfield" mappings, user tables (CSV), and the per-voxel
// maps. The table with its sources and the reasoning behind every assumption is models/MAPPING.md; keep the two in
// step.
#include "models/property_mapping.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <istream>
#include <sstream>
#include <string>
#include <vector>

#include "models/hounsfield.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"

namespace lithosim::models {

namespace {

// ---- gas: dry air at body temperature, from the ideal-gas laws (a derivation, not a measured value) ----------
// c = sqrt(gamma R T / M), rho = p M / (R T), with
//   gamma = 1.4 (diatomic ideal gas; measured 1.3991-1.403 for air at 0 degC) and M = 0.0289645 kg/mol (mean molar
//   mass of dry air), both as given on audioto.com "Speed in ideal gases and in air";
//   R = 8.314462618 J/(mol K) (CODATA 2018, exact); p = 101325 Pa (1 atm); T = 310.15 K (37 degC).
// This gives c = 353.1 m/s and rho = 1.138 kg/m^3 (at 20 degC: 343.2 m/s and 1.204 kg/m^3); the table uses 100 rho.
constexpr double kGamma = 1.4;
constexpr double kAirMolarMass_kg_per_mol = 0.0289645;
constexpr double kGasConstant_J_per_mol_K = 8.314462618;
constexpr double kAtmosphere_Pa = 101325.0;
constexpr double kBodyTemperature_K = 310.15;

// assumption: the gas density is raised 100-fold (113.8 kg/m^3), as k-Wave's skull2medium.m does for air (rho 116,
// "for stability"). With the real density the nonlinear solver diverges at a tissue/gas interface: in a 1-D check
// (muscle then gas, Church pulse, p0 1 to 100 MPa, dx 0.1 to 0.5 mm) the real density and 10x diverged within two
// steps of the wave reaching the interface, 35x and 100x ran stably. The interface still reflects R = -0.95
// (real: -0.9995); the energy crossing into gas is 9 % instead of 0.1 %, so a gas pocket still shadows what lies
// behind it by about 20 dB. The real values can be restored with a user table row (models/MAPPING.md).
constexpr double kGasDensityFactor = 100.0;

MaterialRow air_row() {
    const double T = kBodyTemperature_K;
    const double c = std::sqrt(kGamma * kGasConstant_J_per_mol_K * T / kAirMolarMass_kg_per_mol);
    const double rho = kAtmosphere_Pa * kAirMolarMass_kg_per_mol / (kGasConstant_J_per_mol_K * T);
    // B/A of an ideal gas: the isentrope p ~ rho^gamma gives A = rho0 (dp/drho) = gamma p0 and
    // B = rho0^2 (d2p/drho2) = gamma (gamma - 1) p0, so B/A = gamma - 1 = 0.4.
    return {{kGasDensityFactor * rho, c, 7.5, 2.0, kGamma - 1.0},
            "gas (air, bowel gas) = dry air at 37 degC, 1 atm, ideal gas: c = sqrt(gamma R T/M) = 353.1 m/s, "
            "rho = p M/(R T) = 1.138 kg/m^3 (gamma 1.4, M 0.0289645 kg/mol: audioto.com 'Speed in ideal gases "
            "and in air'; R CODATA 2018); assumption: rho x 100 = 113.8 kg/m^3 as k-Wave skull2medium.m does for "
            "air, because the nonlinear solver diverges at a tissue/gas interface with the real density (1-D "
            "check, see models/MAPPING.md); alpha(1 MHz) 7.5 dB/cm 'air' Diagnostics 2023 13(5):855 Table 4; "
            "assumption: y 2 (classical thermoviscous absorption); B/A = gamma - 1 = 0.4 (ideal-gas isentrope)"};
}

MaterialRow lung_row() {
    return {{260.0, 440.0, 40.0, 1.0, 7.0},
            "aerated lung: rho 260 kg/m^3, the 'filled lung' point of Schneider 1996 (H 259, i.e. -741 HU; "
            "k-Wave hounsfield2density.m data); c 440 m/s Sperandeo et al., Australas J Ultrasound Med 2019 "
            "22(3):225 ('approximately 440 m/s'); alpha(1 MHz) 40 dB/cm 'lung' Diagnostics 2023 13(5):855 "
            "Table 4; assumption: y 1 (IT'IS default exponent 'in the absence of information'); assumption: "
            "B/A 7, the soft-tissue value of Dunn 2006 (the air-filled structure makes the real nonlinearity "
            "larger; no value found)"};
}

/// Bone and calcification are mapped without acoustic nonlinearity (B/A = 0, so beta = 1: only the convective term).
constexpr char kLinearHardTissue[] =
    ", except assumption: B/A 0, a linear solid. The preset's B/A 374 (Renaud 2008, via k-Wave skull2medium) is the "
    "hysteretic nonlinearity of trabecular bone measured at low amplitude, not a fluid B/A for 10-100 MPa shocks: with "
    "it, lithotripter pulses of 45 MPa diverged at the deposit of the shoulder phantom (beta 188 shocks the wave within "
    "a millimetre); stone models in lithotripsy treat calculi as linear elastic solids";

MaterialRow preset_row(const char* preset, const char* note) {
    const TissueProperties& p = tissue_preset(preset);
    return {{p.rho_kg_per_m3, p.c_m_per_s, p.alpha_dB_per_cm_MHz, p.alpha_power, p.BonA},
            std::string("preset '") + preset + "' (models/tissue.cpp)" + note + ": " + p.source};
}

std::array<MaterialRow, kLabelCount> build_label_table() {
    std::array<MaterialRow, kLabelCount> t{};
    auto at = [&](Label l) -> MaterialRow& { return t[std::size_t(l)]; };
    at(Label::water) = preset_row("water", ", the coupling medium of a lithotripter at 20 degC");
    at(Label::air) = air_row();
    at(Label::lung) = lung_row();
    at(Label::fat) = preset_row("fat", "");
    at(Label::soft_tissue) =
        preset_row("muscle", "; assumption: muscle (measured values) stands for muscle and organs");
    at(Label::fluid) = preset_row("bile", "; assumption: fluid (-29..20 HU) is bile-like");
    at(Label::tendon) = preset_row("tendon", "");
    at(Label::bone_trabecular) = preset_row("bone_trabecular", kLinearHardTissue);
    at(Label::bone_cortical) = preset_row("bone_cortical", kLinearHardTissue);
    at(Label::calcification) = preset_row("calcification", kLinearHardTissue);
    for (Label l : {Label::bone_trabecular, Label::bone_cortical, Label::calcification}) at(l).m.BonA = 0.0;
    return t;
}

constexpr Label kContinuousLabels[] = {Label::bone_trabecular, Label::bone_cortical, Label::calcification};

const char* const kLabelHeader[] = {"label",     "rho_kg_per_m3", "c_m_per_s", "alpha_dB_per_cm_MHz",
                                    "alpha_power", "BonA",        "source"};
const char* const kRangeHeader[] = {"HU_min",    "HU_max",      "rho_kg_per_m3", "c_m_per_s", "alpha_dB_per_cm_MHz",
                                    "alpha_power", "BonA",      "source"};

template <std::size_t N>
std::string join(const char* const (&fields)[N]) {
    std::string s;
    for (const char* f : fields) {
        if (!s.empty()) s += ',';
        s += f;
    }
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

/// Splits off the first `count` comma-separated fields (trimmed); the rest of the line (trimmed, one pair of
/// surrounding double quotes removed) is the last element. Fewer fields: returns what there is.
std::vector<std::string> split_fields(const std::string& line, std::size_t count) {
    std::vector<std::string> f;
    std::size_t pos = 0;
    while (f.size() < count) {
        const auto comma = line.find(',', pos);
        if (comma == std::string::npos) {
            f.push_back(trim(line.substr(pos)));
            return f;
        }
        f.push_back(trim(line.substr(pos, comma - pos)));
        pos = comma + 1;
    }
    std::string rest = trim(line.substr(pos));
    if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') rest = trim(rest.substr(1, rest.size() - 2));
    f.push_back(rest);
    return f;
}

std::string label_list() {
    std::string s;
    for (const std::string& n : label_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

struct TableReader {
    std::string file;
    int line = 0;

    template <class... Args>
    [[noreturn]] void fail(const Args&... args) const {
        throw InputError(fmt("mapping table '", file, "' line ", line, ": ", args...));
    }

    double number(const std::string& field, const std::string& text) const {
        double v = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v))
            fail(field, " = '", text, "' is not a finite number");
        return v;
    }

    /// The five property fields starting at f[k], checked against the accepted ranges, and the source.
    MaterialRow material(const std::vector<std::string>& f, std::size_t k) const {
        MaterialAt m;
        m.rho_kg_per_m3 = number("rho_kg_per_m3", f[k]);
        m.c_m_per_s = number("c_m_per_s", f[k + 1]);
        m.alpha_dB_per_cm_MHz = number("alpha_dB_per_cm_MHz", f[k + 2]);
        m.alpha_power = number("alpha_power", f[k + 3]);
        m.BonA = number("BonA", f[k + 4]);
        if (!(m.rho_kg_per_m3 > 0)) fail("rho_kg_per_m3 = ", m.rho_kg_per_m3, " is out of range (accepted > 0)");
        if (!(m.c_m_per_s > 0)) fail("c_m_per_s = ", m.c_m_per_s, " is out of range (accepted > 0)");
        if (!(m.alpha_dB_per_cm_MHz >= 0))
            fail("alpha_dB_per_cm_MHz = ", m.alpha_dB_per_cm_MHz, " is out of range (accepted >= 0)");
        if (!(m.alpha_power > 0 && m.alpha_power <= 2))
            fail("alpha_power = ", m.alpha_power, " is out of range (accepted 0 < y <= 2, the range of the solver)");
        if (!(m.BonA >= 0 && m.BonA < 1000)) fail("BonA = ", m.BonA, " is out of range (accepted 0 <= B/A < 1000)");
        const std::string& source = f[k + 5];
        if (source.empty()) fail("the source is empty: say where the numbers come from, or 'assumption: ...'");
        return {m, source};
    }
};

void insert_ranges(std::vector<HuRangeRow>& into, const std::vector<HuRangeRow>& add, const std::string& what) {
    for (const HuRangeRow& r : add) {
        for (const HuRangeRow& q : into)
            require_input(r.HU_max <= q.HU_min || q.HU_max <= r.HU_min, what, ": HU range [", r.HU_min, ", ",
                          r.HU_max, ") overlaps the range [", q.HU_min, ", ", q.HU_max, ") of an earlier table");
        into.push_back(r);
    }
    std::sort(into.begin(), into.end(), [](const HuRangeRow& a, const HuRangeRow& b) { return a.HU_min < b.HU_min; });
}

std::string number_text(double v) {
    std::ostringstream os;
    os << std::setprecision(8) << v;
    return os.str();
}

std::string row_text(const MaterialRow& r) {
    return number_text(r.m.rho_kg_per_m3) + "," + number_text(r.m.c_m_per_s) + "," +
           number_text(r.m.alpha_dB_per_cm_MHz) + "," + number_text(r.m.alpha_power) + "," + number_text(r.m.BonA) +
           "," + r.source;
}

}  // namespace

// ------------------------------------------------------------------------------------------------ user table

UserTable read_user_table(std::istream& in, const std::string& file_name) {
    UserTable t;
    t.file = file_name;
    TableReader rd{file_name, 0};
    enum class Section { none, labels, ranges } section = Section::none;
    std::array<int, kLabelCount> label_line{};  // line of each label's row, 0 = not given
    std::vector<int> range_line;
    std::string raw;
    while (std::getline(in, raw)) {
        ++rd.line;
        const std::string line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        if (split_fields(line, 6) == std::vector<std::string>(std::begin(kLabelHeader), std::end(kLabelHeader))) {
            section = Section::labels;
            continue;
        }
        if (split_fields(line, 7) == std::vector<std::string>(std::begin(kRangeHeader), std::end(kRangeHeader))) {
            section = Section::ranges;
            continue;
        }
        if (section == Section::none)
            rd.fail("expected a header line, '", join(kLabelHeader), "' or '", join(kRangeHeader), "', found '", line,
                    "'");
        if (section == Section::labels) {
            const auto f = split_fields(line, 6);
            if (f.size() != 7)
                rd.fail("expected 7 fields (", join(kLabelHeader), "), found ", f.size());
            const auto& names = label_names();
            const auto it = std::find(names.begin(), names.end(), f[0]);
            if (it == names.end()) rd.fail("unknown label '", f[0], "'; accepted: ", label_list());
            const std::size_t l = std::size_t(it - names.begin());
            if (label_line[l] != 0) rd.fail("label '", f[0], "' is already given on line ", label_line[l]);
            label_line[l] = rd.line;
            t.labels.push_back({Label(l), rd.material(f, 1)});
        } else {
            const auto f = split_fields(line, 7);
            if (f.size() != 8)
                rd.fail("expected 8 fields (", join(kRangeHeader), "), found ", f.size());
            HuRangeRow r;
            r.HU_min = rd.number("HU_min", f[0]);
            r.HU_max = rd.number("HU_max", f[1]);
            if (!(r.HU_min < r.HU_max)) rd.fail("HU_min = ", r.HU_min, " must be below HU_max = ", r.HU_max);
            r.row = rd.material(f, 2);
            for (std::size_t k = 0; k < t.hu_ranges.size(); ++k) {
                const HuRangeRow& q = t.hu_ranges[k];
                if (!(r.HU_max <= q.HU_min || q.HU_max <= r.HU_min))
                    rd.fail("HU range [", r.HU_min, ", ", r.HU_max, ") overlaps the range [", q.HU_min, ", ", q.HU_max,
                            ") of line ", range_line[k]);
            }
            t.hu_ranges.push_back(r);
            range_line.push_back(rd.line);
        }
    }
    if (t.labels.empty() && t.hu_ranges.empty())
        throw InputError(fmt("mapping table '", file_name, "' has no data row (after ", rd.line,
                             " lines); expected a header '", join(kLabelHeader), "' or '", join(kRangeHeader),
                             "' followed by rows"));
    std::sort(t.hu_ranges.begin(), t.hu_ranges.end(),
              [](const HuRangeRow& a, const HuRangeRow& b) { return a.HU_min < b.HU_min; });
    return t;
}

UserTable read_user_table(const std::string& path) {
    std::ifstream in(path);
    require_input(bool(in), "mapping table '", path, "' cannot be opened for reading");
    return read_user_table(in, path);
}

// ------------------------------------------------------------------------------------------------ mapping

const std::vector<std::string>& PropertyMapping::names() {
    static const std::vector<std::string> n{"labels", "hounsfield"};
    return n;
}

const std::array<MaterialRow, kLabelCount>& PropertyMapping::default_label_table() {
    static const std::array<MaterialRow, kLabelCount> t = build_label_table();
    return t;
}

PropertyMapping PropertyMapping::named(const std::string& name) {
    PropertyMapping m;
    m.rows_ = default_label_table();
    m.continuous_.fill(false);
    if (name == "labels") {
        m.name_ = name;
        return m;
    }
    if (name == "hounsfield") {
        m.name_ = name;
        for (const Label l : kContinuousLabels) m.continuous_[std::size_t(l)] = true;
        return m;
    }
    std::string accepted;
    for (const std::string& n : names()) accepted += (accepted.empty() ? "" : ", ") + n;
    throw InputError(fmt("unknown property mapping '", name, "'; accepted: ", accepted,
                         " (a user table is given in addition, not as a mapping name)"));
}

void PropertyMapping::apply(const UserTable& table) {
    for (const LabelRow& r : table.labels) {
        rows_[std::size_t(r.label)] = r.row;
        continuous_[std::size_t(r.label)] = false;
    }
    insert_ranges(ranges_, table.hu_ranges, fmt("mapping table '", table.file, "'"));
    tables_.push_back(table.file);
}

void bone_law(float HU, double& rho, double& c) {
    // Schneider 1996 (k-Wave fit) of the integer HU: CT stores integer HU, and a resampled volume would otherwise give
    // each voxel its own material (the solver accepts at most 65535 distinct ones). Clamped below at 1000 kg/m^3, the
    // water end of the Aubry line (below it the line would be extrapolated into speeds no bone or stone has).
    rho = std::max(1000.0, hounsfield_to_density_kg_per_m3(std::nearbyint(double(HU))));
    c = bone_sound_speed_m_per_s(rho);
}

MaterialAt PropertyMapping::property(Label label, float HU) const {
    if (label != Label::water && !ranges_.empty()) {
        // Last range starting at or below HU.
        auto it = std::upper_bound(ranges_.begin(), ranges_.end(), double(HU),
                                   [](double h, const HuRangeRow& r) { return h < r.HU_min; });
        if (it != ranges_.begin() && double(HU) < std::prev(it)->HU_max) return std::prev(it)->row.m;
    }
    const MaterialRow& row = rows_[std::size_t(label)];
    if (!continuous_[std::size_t(label)]) return row.m;
    MaterialAt m = row.m;
    bone_law(HU, m.rho_kg_per_m3, m.c_m_per_s);
    return m;
}

std::string PropertyMapping::describe() const {
    std::string s = "# lithosim property mapping: " + name_ + "\n";
    std::string tables;
    for (const std::string& t : tables_) tables += (tables.empty() ? "" : ", ") + t;
    s += "# user tables applied: " + (tables.empty() ? std::string("none") : tables) + "\n";
    std::string cont;
    for (std::size_t l = 0; l < std::size_t(kLabelCount); ++l)
        if (continuous_[l]) cont += (cont.empty() ? "" : ", ") + label_names()[l];
    if (!cont.empty())
        s += "# continuous rho and c for " + cont +
             ": rho = Schneider 1996 (k-Wave hounsfield2density fit) of round(HU), at least 1000 kg/m^3; c = 1.3333 "
             "rho + 166.67 (Aubry 2003 line, k-Wave skull2medium); alpha0, y and B/A from the rows below (their "
             "rho and c are not used)\n";
    if (!ranges_.empty())
        s += "# HU ranges apply to every voxel in them except coupling water, before the label rows\n";
    s += join(kLabelHeader) + "\n";
    for (std::size_t l = 0; l < std::size_t(kLabelCount); ++l) s += label_names()[l] + "," + row_text(rows_[l]) + "\n";
    if (!ranges_.empty()) {
        s += join(kRangeHeader) + "\n";
        for (const HuRangeRow& r : ranges_)
            s += number_text(r.HU_min) + "," + number_text(r.HU_max) + "," + row_text(r.row) + "\n";
    }
    return s;
}

// ------------------------------------------------------------------------------------------------ maps

AcousticMaps map_properties(const HuVolume& v, const LabelMap& labels, const PropertyMapping& mapping) {
    const std::size_t n = v.size();
    require_input(v.hu.size() == n, "map_properties: the volume holds ", v.hu.size(), " HU values for ", n,
                  " voxels");
    require_input(labels.size() == n, "map_properties: the label map holds ", labels.size(), " voxels, the volume ",
                  n);
    for (std::size_t i = 0; i < n; ++i) {
        require_input(labels[i] < kLabelCount, "map_properties: voxel ", i, " holds label ", int(labels[i]),
                      ", not a label (0 to ", kLabelCount - 1, ")");
        require_input(std::isfinite(v.hu[i]), "map_properties: voxel ", i, " has HU ", v.hu[i],
                      "; HU must be finite");
    }
    AcousticMaps a;
    for (auto* f : {&a.rho_kg_per_m3, &a.c_m_per_s, &a.alpha_dB_per_cm_MHz, &a.alpha_power, &a.BonA}) f->resize(n);
    const std::ptrdiff_t count = std::ptrdiff_t(n);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        const MaterialAt m = mapping.property(Label(labels[i]), v.hu[i]);
        a.rho_kg_per_m3[i] = float(m.rho_kg_per_m3);
        a.c_m_per_s[i] = float(m.c_m_per_s);
        a.alpha_dB_per_cm_MHz[i] = float(m.alpha_dB_per_cm_MHz);
        a.alpha_power[i] = float(m.alpha_power);
        a.BonA[i] = float(m.BonA);
    }
    return a;
}

}  // namespace lithosim::models
