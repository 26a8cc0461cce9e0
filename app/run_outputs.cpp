#include "app/run_outputs.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "app/dosimetry.hpp"
#include "app/revolve.hpp"
#include "app/text.hpp"
#include "io/ct_import.hpp"
#include "models/ct_volume.hpp"
#include "viz/paraview.hpp"
#include "viz/report.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace lithosim::app {

namespace {

// ---------------------------------------------------------------------------------------------------------------
// ParaView
// ---------------------------------------------------------------------------------------------------------------

/// Largest revolved image, in values over all its arrays: the bound `lithosim simulate` uses for maps_revolved.vti
/// (3 maps of about 21 M cells, 256 MiB of float32).
constexpr std::size_t kRevolvedMaxValues = std::size_t{64} << 20;

constexpr double kMPa = 1e-6;            // Pa -> MPa
constexpr double kMJ_per_mm2 = 1e-3;     // J/m^2 -> mJ/mm^2

std::vector<std::string> mask_lookup() { return {"outside", "inside"}; }

std::vector<std::string> label_lookup() {
    const auto& names = models::label_names();
    return {names.begin(), names.end()};
}

/// The (r, z) maps `fields` (all on one grid) revolved about the axis, with `masks` (0/1 on the same grid)
/// revolved as well and thresholded at 1/2 (a label cannot be interpolated; a mask can).
struct Revolved {
    std::vector<Map3> maps;
    std::vector<std::vector<std::uint8_t>> masks;
};

viz::ParaviewImage revolve_image(const viz::ParaviewImage& rz, Revolved& storage) {
    const Map3& grid = *rz.fields.front().map;
    const std::size_t k = revolve_stride(grid, rz.fields.size() + rz.labels.size(), kRevolvedMaxValues);
    viz::ParaviewImage out;
    storage.maps.reserve(rz.fields.size() + rz.labels.size());
    storage.masks.reserve(rz.labels.size());
    for (const auto& f : rz.fields) {
        storage.maps.push_back(revolve_map(*f.map, k));
        viz::ParaviewField g = f;
        g.map = &storage.maps.back();
        out.fields.push_back(g);
    }
    for (const auto& l : rz.labels) {
        if (l.lookup != mask_lookup()) continue;  // labels are not revolved, masks are
        Map3 as_float = grid;
        for (std::size_t i = 0; i < as_float.values.size(); ++i) as_float.values[i] = float((*l.values)[i]);
        storage.maps.push_back(revolve_map(as_float, k));
        const Map3& r = storage.maps.back();
        std::vector<std::uint8_t> mask(r.values.size());
        for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = r.values[i] >= 0.5f ? 1 : 0;  // NaN -> 0
        storage.masks.push_back(std::move(mask));
        viz::ParaviewLabels m = l;
        m.values = &storage.masks.back();
        out.labels.push_back(m);
    }
    if (k > 1)
        out.description = " (one cell in " + std::to_string(k) + " along each axis, to stay within " +
                          std::to_string(kRevolvedMaxValues >> 20) + " Mi values)";
    return out;
}

Map3 model_map(const io::ModelGrid& g, const std::vector<float>& values, bool axisymmetric) {
    Map3 m;
    m.nx = g.nx, m.ny = g.ny, m.nz = g.nz;
    m.origin_m = g.origin_m;
    m.spacing_m = {g.dx_m, axisymmetric ? 0.0 : g.dx_m, g.dx_m};
    m.values = values;
    return m;
}

/// Masks of the organs at risk the planner checks (planning/safety: bone surface, lung, bowel gas) that occur in
/// `labels`: (name, meaning, mask).
struct OarMask {
    std::string name, meaning;
    std::vector<std::uint8_t> mask;
};

std::vector<OarMask> oar_masks(const std::vector<std::uint8_t>& labels) {
    using models::Label;
    const struct {
        const char* name;
        const char* meaning;
        std::vector<Label> of;
    } organs[] = {{"oar_bone", "organ at risk: bone (trabecular or cortical)", {Label::bone_trabecular, Label::bone_cortical}},
                  {"oar_lung", "organ at risk: lung", {Label::lung}},
                  {"oar_gas", "organ at risk: air / bowel gas", {Label::air}}};
    std::vector<OarMask> out;
    for (const auto& o : organs) {
        std::vector<std::uint8_t> mask(labels.size(), 0);
        bool any = false;
        for (std::size_t i = 0; i < labels.size(); ++i)
            for (Label l : o.of)
                if (labels[i] == std::uint8_t(l)) mask[i] = 1, any = true;
        if (any) out.push_back({o.name, o.meaning, std::move(mask)});
    }
    return out;
}

/// The model's arrays on one of its grids as an image description (maps kept in `storage`).
viz::ParaviewImage model_image(const io::ModelGrid& g, bool axisymmetric, std::vector<Map3>& storage,
                               std::vector<OarMask>& masks) {
    const struct {
        const std::vector<float>* values;
        const char* name;
        const char* unit;
        const char* meaning;
    } fields[] = {{&g.hu, "HU", "HU", "CT number resampled to the beam frame (water 0)"},
                  {&g.rho, "rho_kg_per_m3", "kg/m^3", "density"},
                  {&g.c, "c_m_per_s", "m/s", "sound speed"},
                  {&g.alpha, "alpha_dB_per_cm_MHz_y", "dB/(cm MHz^y)", "absorption prefactor alpha0"},
                  {&g.alpha_power, "alpha_power", "1", "absorption exponent y (alpha = alpha0 f^y)"},
                  {&g.BonA, "BonA", "1", "nonlinearity parameter B/A"}};
    storage.clear();
    storage.reserve(std::size(fields));
    viz::ParaviewImage image;
    for (const auto& f : fields) {
        if (f.values->size() != g.size() || g.size() == 0) continue;
        storage.push_back(model_map(g, *f.values, axisymmetric));
        image.fields.push_back({f.name, f.unit, f.meaning, &storage.back(), 1.0});
    }
    if (image.fields.empty()) throw std::runtime_error("the model has no per-voxel arrays to write");
    if (g.labels.size() == g.size()) {
        image.labels.push_back({"labels", "tissue label (models/ct_volume.hpp)", &g.labels, label_lookup()});
        masks = oar_masks(g.labels);
    }
    if (g.target.size() == g.size())
        image.labels.push_back({"target_mask", "1 inside the target", &g.target, mask_lookup()});
    for (const auto& m : masks) image.labels.push_back({m.name, m.meaning, &m.mask, mask_lookup()});
    return image;
}

std::string mm3(const std::array<double, 3>& v) {
    char b[96];
    std::snprintf(b, sizeof b, "(%.2f, %.2f, %.2f)", v[0], v[1], v[2]);
    return b;
}

/// The model's beam frame in the patient (io::frame_to_patient_mm): the 3D files' Origin and Direction.
viz::VtiPlacement patient_placement(const io::ModelFile& model) {
    return {io::frame_to_patient_mm(model, {0, 0, 0}), model.frame_axes};
}
constexpr const char* kPatientCoordinates =
    "patient LPS, mm (the model's CT): Origin and Direction place the beam-frame grid";
constexpr const char* kRzCoordinates =
    "(r, z) about the beam axis, mm, r along x: no patient placement (a map of rings is no image of the patient; "
    "the 3D files are in patient coordinates)";

void add_model_images(viz::ParaviewFolder& folder, const io::ModelFile& model) {
    {
        std::vector<Map3> storage;
        std::vector<OarMask> masks;
        viz::ParaviewImage image = model_image(model.grid, false, storage, masks);
        image.file = "model.vti";
        image.description = "the tissue model on the beam-frame grid (z along the beam from the source side)";
        image.placement = patient_placement(model);
        image.coordinates = kPatientCoordinates;
        folder.add_image(image);
    }
    if (model.axisymmetric.size() > 0) {
        std::vector<Map3> storage;
        std::vector<OarMask> masks;
        viz::ParaviewImage image = model_image(model.axisymmetric, true, storage, masks);
        image.file = "model_axisymmetric.vti";
        image.description = "the model about the beam axis, (r, z) with r along x: per ring the most frequent label";
        image.coordinates = kRzCoordinates;
        folder.add_image(image);
    }
    const auto& a = model.frame_axes;
    folder.add_note("Model frame: frame point (x, y, z) mm lies at patient (LPS, mm) " +
                    mm3(model.frame_origin_patient_mm) + " + x " + mm3(a[0]) + " + y " + mm3(a[1]) + " + z " +
                    mm3(a[2]) + "; target at frame " +
                    mm3({model.target_m[0] * 1e3, model.target_m[1] * 1e3, model.target_m[2] * 1e3}) +
                    " mm. The 3D files hold this placement as their Origin and Direction (they open in patient "
                    "coordinates); the (r, z) files stay in the frame.");
}


// ---------------------------------------------------------------------------------------------------------------
// Report helpers
// ---------------------------------------------------------------------------------------------------------------

using viz::ReportCell;
using viz::ReportStyle;

ReportCell cell(const json& v) {
    const ReportValue r = report_value(v);
    return {r.text, r.exact};
}

ReportCell cell_of(const json& j, const char* key) { return cell(j.contains(key) ? j.at(key) : json(nullptr)); }

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%d %H:%M UTC", &tm);
    return b;
}

std::string text_of(const json& j, const char* key, const std::string& fallback = "n/a") {
    if (!j.contains(key) || j.at(key).is_null()) return fallback;
    return j.at(key).is_string() ? j.at(key).get<std::string>() : report_value(j.at(key)).text;
}

/// The [section] key = value lines of an INI text that are not comments, in order.
std::vector<std::pair<std::string, std::string>> ini_section(const std::string& text, const std::string& section) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line, current;
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            current = trim(line.substr(1, line.size() - 2));
            continue;
        }
        const auto eq = line.find('=');
        if (current == section && eq != std::string::npos) out.emplace_back(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    }
    return out;
}

/// Generic rows for a JSON object: key, value.
std::vector<std::pair<std::string, ReportCell>> object_rows(const json& o) {
    std::vector<std::pair<std::string, ReportCell>> rows;
    if (!o.is_object()) return rows;
    for (const auto& [k, v] : o.items()) rows.emplace_back(k, cell(v));
    return rows;
}

/// A table of an array of objects: one column per key of the first object, one row per object.
void table_of_objects(viz::HtmlReport& r, const json& array) {
    if (!array.is_array() || array.empty() || !array.front().is_object()) return;
    std::vector<std::string> header;
    for (const auto& [k, v] : array.front().items()) header.push_back(k);
    std::vector<std::vector<ReportCell>> t;
    for (const auto& o : array) {
        std::vector<ReportCell> row;
        for (const auto& h : header) row.push_back(cell_of(o, h.c_str()));
        t.push_back(row);
    }
    r.table(header, t);
}

void add_figures(viz::HtmlReport& r, const std::vector<ReportFigure>& figures) {
    if (figures.empty()) return;
    r.section("Figures");
    for (const auto& f : figures) r.figure(f.png, f.caption);
}

void add_provenance(viz::HtmlReport& r, const json& doc, const ReportContext& context,
                    std::vector<std::pair<std::string, ReportCell>> extra) {
    r.section("Provenance");
    std::vector<std::pair<std::string, ReportCell>> rows = {
        {"lithosim version", cell_of(doc, "version")},
        {"git commit", cell_of(doc, "git_commit")},
        {"run time (runtime_s)", cell_of(doc, "runtime_s")},
        {"report written", utc_now()}};
    for (auto& e : extra) rows.push_back(std::move(e));
    if (!context.command_line.empty()) rows.emplace_back("command", context.command_line);
    r.key_values(rows);
    if (!context.inputs.empty()) {
        r.subsection("Inputs (SHA-1 of each file)");
        std::vector<std::vector<ReportCell>> t;
        for (const auto& p : context.inputs) {
            std::string hash;
            try {
                hash = sha1_file(p);
            } catch (const std::exception& e) {
                hash = std::string("not readable: ") + e.what();
            }
            t.push_back({p.string(), hash});
        }
        r.table({"file", "SHA-1"}, t);
    }
    if (!context.resolved_case.empty()) {
        r.subsection("Resolved case");
        r.preformatted(context.resolved_case);
    }
}

fs::path write_report(const fs::path& dir, const viz::HtmlReport& r) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path path = dir / kReportFile;
    r.write(path);
    return path;
}

}  // namespace

// -------------------------------------------------------------------------------------------------------------------

std::vector<fs::path> write_simulate_paraview(const fs::path& dir, const SimulationResult& result, bool axisymmetric) {
    viz::ParaviewFolder folder(dir / kParaviewFolder, "lithosim simulate: ParaView files of " + dir.string());
    viz::ParaviewImage maps;
    maps.file = "maps.vti";
    maps.description = axisymmetric ? "peak pressures and energy flux density, (r, z) with r along x (the axis at x = 0)"
                                    : "peak pressures and energy flux density over the physical region";
    if (result.p_max) maps.fields.push_back({"p_max_MPa", "MPa", "largest pressure over the run (p+)", &*result.p_max, kMPa});
    if (result.p_min) maps.fields.push_back({"p_min_MPa", "MPa", "most negative pressure over the run (p-)", &*result.p_min, kMPa});
    if (result.efd)
        maps.fields.push_back({"efd_mJ_per_mm2", "mJ/mm^2", "energy flux density (1/(rho c)) integral p^2 dt", &*result.efd,
                               kMJ_per_mm2});
    if (!maps.fields.empty()) {
        folder.add_image(maps);
        if (axisymmetric) {
            Revolved storage;
            viz::ParaviewImage rev = revolve_image(maps, storage);
            rev.file = "maps_revolved.vti";
            rev.description = "maps.vti revolved about the z axis into x, y, z (NaN beyond the simulated radius)" +
                              rev.description;
            folder.add_image(rev);
        }
    }
    if (result.rho && result.c) {
        viz::ParaviewImage medium;
        medium.file = "medium.vti";
        medium.description = "the heterogeneous medium the run used";
        medium.fields.push_back({"rho_kg_per_m3", "kg/m^3", "density", &*result.rho, 1.0});
        medium.fields.push_back({"c_m_per_s", "m/s", "sound speed", &*result.c, 1.0});
        folder.add_image(medium);
    }
    if (!result.snapshots.empty()) {
        std::vector<double> times_us;
        for (const auto& s : result.snapshots) times_us.push_back(s.t_s * 1e6);
        folder.add_series("snapshots.pvd", std::string("pressure snapshots (the recorded step at or after each requested "
                                                       "time)") + (axisymmetric ? ", (r, z) with r along x" : ""),
                          times_us, [&](std::size_t k) {
                              viz::ParaviewImage frame;
                              frame.fields.push_back({"p_MPa", "MPa", "acoustic pressure at this time",
                                                      &result.snapshots[k].p, kMPa});
                              return frame;
                          });
    }
    folder.write_readme();
    return folder.files();
}

std::vector<fs::path> write_model_paraview(const fs::path& dir, const io::ModelFile& model) {
    viz::ParaviewFolder folder(dir / kParaviewFolder, "lithosim model: ParaView files of " + dir.string());
    add_model_images(folder, model);
    folder.write_readme();
    return folder.files();
}

std::vector<fs::path> write_plan_paraview(const fs::path& dir, const io::PlanFile& plan, const io::ModelFile* model,
                                          std::optional<double> dose_to_model_z_m) {
    viz::ParaviewFolder folder(dir / kParaviewFolder, "lithosim plan: ParaView files of " + dir.string());
    Map3 p_max = plan.p_max, p_min = plan.p_min, efd = plan.efd;
    if (dose_to_model_z_m)
        for (Map3* m : {&p_max, &p_min, &efd}) m->origin_m[2] += *dose_to_model_z_m;
    viz::ParaviewImage dose;
    dose.file = "dose.vti";
    char setting[64];
    std::snprintf(setting, sizeof setting, "%g", plan.setting);
    dose.description = std::string("one shock at setting ") + setting + " (the last session's plateau)" +
                       (plan.axisymmetric ? ", (r, z) with r along x" : "") +
                       (dose_to_model_z_m ? "; in the model frame (overlays model.vti)" : "; in the simulation frame");
    dose.fields = {{"p_max_MPa", "MPa", "peak positive pressure of one shock (p+)", &p_max, kMPa},
                   {"p_min_MPa", "MPa", "peak negative pressure of one shock (p-)", &p_min, kMPa},
                   {"efd_mJ_per_mm2", "mJ/mm^2", "energy flux density of one shock", &efd, kMJ_per_mm2}};
    std::vector<OarMask> masks;
    if (plan.labels.size() == p_max.size()) {
        dose.labels.push_back({"labels", "tissue label of the model at the node", &plan.labels, label_lookup()});
        masks = oar_masks(plan.labels);
    }
    if (plan.target.size() == p_max.size())
        dose.labels.push_back({"target_mask", "1 inside the target", &plan.target, mask_lookup()});
    for (const auto& m : masks) dose.labels.push_back({m.name, m.meaning, &m.mask, mask_lookup()});
    // In the model frame and the model known: the 3D files in patient coordinates.
    const bool placed = model && dose_to_model_z_m;
    const char* frame = placed ? kPatientCoordinates : dose_to_model_z_m ? "model frame, mm" : "simulation frame, mm";
    if (placed && !plan.axisymmetric) dose.placement = patient_placement(*model);
    dose.coordinates = plan.axisymmetric ? kRzCoordinates : frame;
    folder.add_image(dose);
    if (plan.axisymmetric) {
        Revolved storage;
        viz::ParaviewImage rev = revolve_image(dose, storage);
        rev.file = "dose_revolved.vti";
        rev.description = "dose.vti revolved about the beam axis into x, y, z (masks revolved; labels only in dose.vti)" +
                          rev.description;
        if (placed) rev.placement = patient_placement(*model);
        rev.coordinates = frame;
        folder.add_image(rev);
    }
    folder.add_note("plan.h5 holds the maps of one shock only: no cumulative dose map is written (the plan's sessions, "
                    "shocks and per-session doses are in plan.json and report.html).");
    if (model) add_model_images(folder, *model);
    folder.write_readme();
    return folder.files();
}

// -------------------------------------------------------------------------------------------------------------------

ReportValue report_value(const json& v) {
    if (v.is_null()) return {"n/a", ""};
    if (v.is_string()) return {v.get<std::string>(), ""};
    if (v.is_boolean()) return {v.get<bool>() ? "yes" : "no", ""};
    if (v.is_number()) {
        const std::string exact = v.dump();
        if (exact.size() <= 9 || !v.is_number_float()) return {exact, ""};
        char b[32];
        std::snprintf(b, sizeof b, "%.4g", v.get<double>());
        return {b, exact};
    }
    ReportValue out;
    const bool xyz = v.is_object() && v.size() == 3 && v.contains("x") && v.contains("y") && v.contains("z");
    std::vector<json> parts;
    if (xyz) parts = {v.at("x"), v.at("y"), v.at("z")};
    else if (v.is_array()) parts.assign(v.begin(), v.end());
    else return {v.dump(), ""};
    const char* sep = xyz ? " \xC3\x97 " : ", ";  // U+00D7 multiplication sign
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const ReportValue p = report_value(parts[i]);
        out.text += (i ? sep : "") + p.text;
        out.exact += (i ? sep : "") + (p.exact.empty() ? p.text : p.exact);
    }
    if (out.exact == out.text) out.exact.clear();
    return out;
}

std::string sha1_file(const fs::path& file) { return io::file_sha1(file); }

fs::path write_simulate_report(const fs::path& dir, const json& s, const ReportContext& context) {
    std::vector<std::string> subtitle;
    subtitle.push_back("Case: " + (context.case_name.empty() ? dir.string() : context.case_name));
    if (s.contains("pseudonym")) subtitle.push_back("Patient pseudonym: " + text_of(s, "pseudonym"));
    subtitle.push_back("Output folder: " + dir.string());
    subtitle.push_back("For research use; not a medical device. lithosim " + text_of(s, "version") + ", commit " +
                       text_of(s, "git_commit"));
    viz::HtmlReport r("lithosim field report", subtitle);

    // Warnings first: whatever the run could not compute or doubts.
    r.section("Warnings");
    std::vector<std::pair<std::string, ReportStyle>> warnings;
    if (s.contains("warnings"))
        for (const auto& w : s.at("warnings")) warnings.emplace_back(report_value(w).text, ReportStyle::warning);
    if (warnings.empty()) r.paragraph("none", ReportStyle::ok);
    else r.list(warnings);

    r.section("Device and settings");
    bool any = false;
    for (const char* section : {"source", "medium", "grid", "time"}) {
        const auto rows = ini_section(context.resolved_case, section);
        if (rows.empty()) continue;
        any = true;
        r.subsection(std::string("[") + section + "]");
        std::vector<std::pair<std::string, ReportCell>> kv;
        for (const auto& [k, v] : rows) kv.emplace_back(k, v);
        r.key_values(kv);
    }
    if (!any) r.paragraph("the resolved case was not given to the report", ReportStyle::muted);

    r.section("Field parameters (IEC 61846)");
    const struct {
        const char* key;
        const char* name;
        const char* unit;
        const char* meaning;
    } rows[] = {
        {"p_plus_MPa", "p+", "MPa", "peak positive pressure (largest p_max)"},
        {"p_minus_MPa", "p-", "MPa", "peak negative pressure in the -6 dB focal zone"},
        {"focus_mm", "focus", "mm", "position of the largest p_max (x, y, z; axisymmetric: r, 0, z)"},
        {"p_plus_focal_waveform_MPa", "p+ of the focal waveform", "MPa", "largest p(t) at the focus (the waveform figure)"},
        {"p_minus_focal_waveform_MPa", "p- of the focal waveform", "MPa",
         "most negative p(t) at the focus (the waveform figure); p- above is the -6 dB zone's most negative"},
        {"rise_time_ns", "rise time", "ns", "10 % to 90 % of the leading compression at the focus"},
        {"pulse_duration_ns", "pulse duration", "ns", "positive phase at half maximum"},
        {"positive_phase_duration_ns", "positive phase", "ns", "zero crossing to zero crossing around the peak"},
        {"focal_zone_6dB_mm", "-6 dB focal zone", "mm", "full extents x \xC3\x97 y \xC3\x97 z where p_max >= p+/2"},
        {"focal_zone_5MPa_mm", "5 MPa focal zone", "mm", "extents where p_max >= 5 MPa"},
        {"efd_focus_mJ_per_mm2", "EFD at the focus", "mJ/mm^2", "energy flux density, whole pulse"},
        {"efd_plus_focus_mJ_per_mm2", "EFD+ at the focus", "mJ/mm^2", "positive phase only"},
        {"E5mm_mJ", "energy in 5 mm disc", "mJ", "EFD over a disc of 5 mm radius in the focal plane"},
        {"E12mm_mJ", "energy in 12 mm disc", "mJ", "EFD over a disc of 12 mm radius in the focal plane"},
        {"E28mm_disc_mJ", "energy in 28 mm disc", "mJ", "EFD over a disc of 28 mm diameter in the focal plane"},
        {"energy_total_mJ", "total energy", "mJ", "EFD over the whole focal plane of the map"},
        {"focal_plane_z_mm", "focal plane z", "mm", "plane of the disc energies"},
    };
    std::vector<std::vector<ReportCell>> table;
    for (const auto& row : rows)
        if (s.contains(row.key)) {
            std::string meaning = row.meaning;
            if (std::string(row.key) == "rise_time_ns" && s.contains("grid_cell_travel_ns"))
                meaning += rise_time_note(s.at(row.key), s.at("grid_cell_travel_ns"));
            table.push_back({row.name, cell(s.at(row.key)), row.unit, meaning});
        }
    r.table({"quantity", "value", "unit", "definition"}, table);

    if (s.contains("planes") && s.at("planes").is_array() && !s.at("planes").empty()) {
        r.subsection("Sensor planes");
        std::vector<std::string> header;
        for (const auto& [k, v] : s.at("planes").front().items()) header.push_back(k);
        std::vector<std::vector<ReportCell>> t;
        for (const auto& p : s.at("planes")) {
            std::vector<ReportCell> row;
            for (const auto& h : header) row.push_back(cell_of(p, h.c_str()));
            t.push_back(row);
        }
        r.table(header, t);
    }

    add_figures(r, context.figures);

    r.section("Run");
    std::vector<std::pair<std::string, ReportCell>> run;
    for (const char* k : {"steps", "cells", "dt_ns", "points_per_wavelength", "threads", "ranks", "cell_updates_per_s",
                          "peak_memory_MB"})
        if (s.contains(k)) run.emplace_back(k, cell(s.at(k)));
    r.key_values(run);
    if (s.contains("phase_seconds")) {
        r.subsection("Time per phase of the step (s)");
        r.key_values(object_rows(s.at("phase_seconds")));
    }
    add_provenance(r, s, context, {});
    return write_report(dir, r);
}

fs::path write_plan_report(const fs::path& dir, const json& p, const ReportContext& context) {
    std::vector<std::string> subtitle = {
        "Patient pseudonym: " + text_of(p, "pseudonym"),
        "Indication: " + text_of(p, "indication") + "; endpoint: " + text_of(p, "endpoint"),
    };
    if (!context.case_name.empty()) subtitle.push_back("Case: " + context.case_name);
    subtitle.push_back("Output folder: " + dir.string());
    subtitle.push_back("For research use; not a medical device. lithosim " + text_of(p, "version") + ", commit " +
                       text_of(p, "git_commit"));
    viz::HtmlReport r("lithosim treatment plan", subtitle);
    const json& safety = p.contains("safety") ? p.at("safety") : json::object();

    // The first screen: what a clinician reads first (the details follow).
    {
        const auto sig = [](double v, int digits = 3) {
            char b[32];
            std::snprintf(b, sizeof b, "%.*g", digits, v);
            return std::string(b);
        };
        const auto pct = [](double v) {
            char b[32];
            std::snprintf(b, sizeof b, "%.1f %%", 100 * v);
            return std::string(b);
        };
        const std::string unit = text_of(p, "setting_unit", "setting");
        std::vector<std::pair<std::string, std::string>> rows;
        rows.emplace_back("indication", text_of(p, "indication") + ": " + text_of(p, "endpoint"));
        std::string sessions, settings;
        std::vector<double> seen;
        int n = 0;
        long long shocks = 0;
        const json no_sessions = json::array();
        const json& ss = p.contains("sessions") && p.at("sessions").is_array() ? p.at("sessions") : no_sessions;
        for (const auto& x : ss) {
            ++n;
            shocks += x.value("shocks", 0LL);
            sessions += std::string(sessions.empty() ? "" : "; ") + "day " + sig(x.value("day", 0.0)) + ": " +
                        std::to_string(x.value("shocks", 0LL)) + " shocks at " + unit + " " +
                        sig(x.value("setting", 0.0)) + ", EFD at the target " +
                        sig(x.value("efd_target_mJ_per_mm2", 0.0)) + " mJ/mm\u00B2, p+ " +
                        sig(x.value("p_plus_target_MPa", 0.0)) + " MPa";
        }
        rows.emplace_back("device", text_of(p, "device") + " (" + text_of(p, "fidelity", "fast") + " fidelity)");
        rows.emplace_back("sessions", n == 0 ? std::string("none (the untreated course)")
                                             : std::to_string(n) + " session(s), " + std::to_string(shocks) +
                                                   " shocks: " + sessions);
        if (p.contains("outcomes") && p.at("outcomes").is_array())
            for (const auto& o : p.at("outcomes")) {
                if (!o.value("primary", false)) continue;
                const json& ci = o.value("ci95", json::array());
                rows.emplace_back(
                    "predicted outcome",
                    text_of(o, "name") + ": " + pct(o.value("probability", 0.0)) + " (95 % interval " +
                        (ci.size() == 2 ? pct(ci[0].get<double>()) + " to " + pct(ci[1].get<double>()) : "n/a") +
                        "); " + pct(o.value("probability_without_treatment", 0.0)) + " without treatment");
                rows.emplace_back("what it means",
                                  "the probability that a patient with this target, treated as planned, reaches \"" +
                                      text_of(p, "endpoint") + "\" at " + sig(o.value("horizon_months", 0.0)) +
                                      " months, from models fitted to published cohorts; the interval carries the "
                                      "models' own uncertainty, the dose, the stone's strength and the aim");
            }
        if (p.contains("goal_reached") && p.at("goal_reached").is_boolean() && text_of(p, "goal_kind") != "dose")
            rows.emplace_back("fragmentation goal", std::string(p.at("goal_reached").get<bool>() ? "reached" : "NOT reached") +
                                                        (p.contains("reason") ? ": " + text_of(p, "reason") : ""));
        else if (p.contains("reason"))
            rows.emplace_back("course", text_of(p, "reason"));
        std::vector<std::string> warnings;
        if (p.contains("warnings") && p.at("warnings").is_array())
            for (const auto& w : p.at("warnings")) warnings.push_back(report_value(w).text);
        for (const char* key : {"violations", "warnings"})
            if (safety.contains(key) && safety.at(key).is_array())
                for (const auto& w : safety.at(key)) {
                    const std::string t = std::string(key) == "violations" ? "organ limit exceeded: " : "safety: ";
                    if (std::find(warnings.begin(), warnings.end(), report_value(w).text) == warnings.end())
                        warnings.push_back(t + report_value(w).text);
                }
        r.summary_box("Plan at a glance", text_of(p, "verdict"), rows, warnings);
    }

    // The predicted outcomes (planning/OUTCOMES.md): each with its interval and the untreated course.
    const auto percent_of = [](const json& v) {
        if (!v.is_number()) return std::string();
        char b[32];
        std::snprintf(b, sizeof b, "%.1f %%", 100 * v.get<double>());
        return std::string(b);
    };
    if (p.contains("outcomes") && p.at("outcomes").is_array() && !p.at("outcomes").empty()) {
        r.section("Predicted outcomes");
        std::vector<std::vector<ReportCell>> t;
        for (const auto& o : p.at("outcomes")) {
            ReportCell prob = cell_of(o, "probability");
            prob.text += " (" + percent_of(o.value("probability", json(nullptr))) + ")";
            ReportCell ci = cell_of(o, "ci95");
            if (o.contains("ci95") && o.at("ci95").is_array() && o.at("ci95").size() == 2)
                ci.text = cell(o.at("ci95")[0]).text + " to " + cell(o.at("ci95")[1]).text;
            ReportCell none = cell_of(o, "probability_without_treatment");
            none.text += " (" + percent_of(o.value("probability_without_treatment", json(nullptr))) + ")";
            t.push_back({cell_of(o, "name"), o.value("primary", false) ? ReportCell("primary") : ReportCell(""),
                         cell_of(o, "horizon_months"), prob, ci, none, cell_of(o, "probability_nominal")});
        }
        r.table({"outcome", "", "horizon (months)", "probability", "95 % interval", "without treatment",
                 "nominal (mean coefficients)"},
                t);
        for (const auto& o : p.at("outcomes")) {
            r.subsection("Covariates of " + text_of(o, "name") + ": " + text_of(o, "model"));
            if (o.contains("covariates")) r.key_values(object_rows(o.at("covariates")));
        }
        if (p.contains("patient") && p.at("patient").is_object()) {
            r.subsection("Patient factors");
            r.key_values(object_rows(p.at("patient")));
        }
    }

    r.section("Device and settings");
    r.key_values({{"device", cell_of(p, "device")},
                  {"setting unit", cell_of(p, "setting_unit")},
                  {"fidelity", cell_of(p, "fidelity")},
                  {"breathing motion SD (mm)", cell_of(p, "motion_sd_mm")},
                  {"aiming SD per session (mm)", cell_of(p, "positioning_sd_mm")},
                  {"impedance around the target (MRayl)", cell_of(p, "surrounding_impedance_MRayl")},
                  {"loss through the window (dB)", cell_of(p, "window_loss_dB")},
                  {"clearance size (mm)", cell_of(p, "clearance_size_mm")},
                  {"Monte Carlo seed", cell_of(p, "seed")}});
    if (p.contains("target")) {
        r.subsection("Target");
        r.key_values(object_rows(p.at("target")));
    }
    if (p.contains("beam_path")) {
        r.subsection("Beam path from the skin to the target");
        r.key_values(object_rows(p.at("beam_path")));
    }

    if (p.contains("aim") && p.at("aim").is_object()) {
        r.subsection("Aim: the device placed by its simulated dose");
        std::vector<std::pair<std::string, ReportCell>> rows;
        for (const auto& [k, v] : p.at("aim").items())
            if (k != "runs") rows.emplace_back(k, cell(v));
        r.key_values(rows);
        if (p.at("aim").contains("runs")) table_of_objects(r, p.at("aim").at("runs"));
    }
    if (p.contains("grid_check") && p.at("grid_check").is_object()) {
        r.subsection("Dose grid against the device's calibration grid (water, highest setting)");
        r.key_values(object_rows(p.at("grid_check")));
    }

    r.section("Dose per shock at the target (simulated settings)");
    if (p.contains("target_dose")) table_of_objects(r, p.at("target_dose"));
    if (p.contains("device_free_field") && p.at("device_free_field").is_array() &&
        !p.at("device_free_field").empty()) {
        // One column per simulated setting, one row per parameter: the device as a physicist checks it in water.
        r.subsection("Device field parameters in water (IEC 61846), per simulated setting");
        const json& ff = p.at("device_free_field");
        std::vector<std::string> header{"parameter"};
        const std::string setting_unit = text_of(p, "setting_unit", "setting");
        for (const auto& f : ff)
            header.push_back(setting_unit + " " + report_value(f.value("setting", json(nullptr))).text);
        std::vector<std::vector<ReportCell>> t;
        for (const auto& [k, v] : ff.front().items()) {
            if (k == "setting") continue;
            std::vector<ReportCell> row{ReportCell(k)};
            for (const auto& f : ff) row.push_back(cell_of(f, k.c_str()));
            t.push_back(row);
        }
        r.table(header, t);
    }
    if (p.contains("fidelity_comparison") && p.at("fidelity_comparison").is_object()) {
        r.subsection("Fidelity comparison");
        r.key_values(object_rows(p.at("fidelity_comparison")));
    }

    r.section("Plan");
    std::vector<std::vector<ReportCell>> sessions;
    const std::string unit = text_of(p, "setting_unit", "setting");
    if (p.contains("sessions"))
        for (const auto& s : p.at("sessions")) {
            std::string ramp;
            if (s.contains("ramp"))
                for (const auto& st : s.at("ramp"))
                    ramp += (ramp.empty() ? "" : ", ") + report_value(st.value("shocks", json(nullptr))).text + " at " +
                            report_value(st.value("setting", json(nullptr))).text;
            sessions.push_back({cell_of(s, "index"), cell_of(s, "day"), cell_of(s, "shocks"), cell_of(s, "setting"),
                                ramp, cell_of(s, "rate_per_min"), cell_of(s, "duration_min"),
                                cell_of(s, "efd_target_mJ_per_mm2"), cell_of(s, "efd_free_field_mJ_per_mm2"),
                                cell_of(s, "p_plus_target_MPa"), cell_of(s, "p_minus_target_MPa"),
                                cell_of(s, "fraction_cleared_after"), cell_of(s, "p_fragment_above_goal_size"),
                                cell_of(s, "p_largest_fragment_above_clearance"),
                                cell_of(s, "stopped_at_goal")});
        }
    r.table({"session", "day", "shocks", "setting (" + unit + ")", "ramp (shocks at setting)", "rate (/min)",
             "duration (min)", "EFD at target (mJ/mm^2)", "EFD free field (mJ/mm^2)", "p+ at target (MPa)",
             "p- at target (MPa)", "fraction cleared after", "P(a piece above the goal size is left)",
             "P(a piece above the clearance size is left)", "stopped at goal"},
            sessions);
    if (p.contains("oar") && p.at("oar").is_object() && !p.at("oar").empty()) {
        r.subsection("Dose at the organs at risk (per shock; session maximum)");
        std::vector<std::vector<ReportCell>> t;
        std::vector<ReportStyle> styles;
        for (const auto& [organ, o] : p.at("oar").items()) {
            t.push_back({organ, cell_of(o, "max_p_plus_MPa"), cell_of(o, "max_p_minus_MPa"),
                         cell_of(o, "max_efd_mJ_per_mm2"), cell_of(o, "max_session_efd_mJ_per_mm2"),
                         cell_of(o, "has_limit"), cell_of(o, "limit_ok")});
            styles.push_back(o.value("limit_ok", true) ? ReportStyle::plain : ReportStyle::failure);
        }
        r.table({"organ", "max p+ (MPa)", "max p- (MPa)", "max EFD per shock (mJ/mm^2)", "max EFD per session (mJ/mm^2)",
                 "has a limit", "within the limit"},
                t, styles);
    }

    r.section("Primary outcome and the sessions' goal");
    json ci = p.contains("success_ci95") ? p.at("success_ci95") : json(nullptr);
    // The JSON numbers as they are, with the percentages a clinician reads.
    const auto percent = [](const json& v) {
        if (!v.is_number()) return std::string();
        char b[32];
        std::snprintf(b, sizeof b, "%.1f %%", 100 * v.get<double>());
        return std::string(b);
    };
    ReportCell interval = cell(ci);
    if (ci.is_array() && ci.size() == 2)
        interval.text = cell(ci[0]).text + " to " + cell(ci[1]).text + " (" + percent(ci[0]) + " to " +
                        percent(ci[1]) + ")";
    ReportCell probability = cell_of(p, "predicted_success_probability");
    if (p.contains("predicted_success_probability"))
        probability.text += " (" + percent(p.at("predicted_success_probability")) + ")";
    r.key_values({{"endpoint", cell_of(p, "endpoint")},
                  {"predicted probability (primary outcome)", probability},
                  {"95 % interval", interval},
                  {"goal of the sessions", cell_of(p, "goal_kind")},
                  {"goal reached", cell_of(p, "goal_reached")},
                  {"goal: P(every fragment below the goal size)", cell_of(p, "goal_probability")},
                  {"reason", cell_of(p, "reason")}});
    if (p.contains("success")) {
        r.subsection("Primary outcome: model details");
        r.key_values(object_rows(p.at("success")));
    }

    // Safety: warnings (most severe first, as plan.json orders them), then violations, then the checks that passed.
    r.section("Safety");
    std::vector<std::pair<std::string, ReportStyle>> items;
    if (safety.contains("warnings"))
        for (const auto& w : safety.at("warnings")) items.emplace_back("warning: " + report_value(w).text, ReportStyle::warning);
    if (safety.contains("violations"))
        for (const auto& v : safety.at("violations"))
            items.emplace_back("violation: " + report_value(v).text, ReportStyle::failure);
    if (p.contains("oar") && p.at("oar").is_object())
        for (const auto& [organ, o] : p.at("oar").items()) {
            const bool ok = o.value("limit_ok", true);
            items.emplace_back(organ + ": " + (o.value("has_limit", false) ? (ok ? "within its limit" : "LIMIT EXCEEDED")
                                                                             : "no limit set"),
                               ok ? ReportStyle::ok : ReportStyle::failure);
        }
    if (p.contains("beam_path")) {
        const json& b = p.at("beam_path");
        for (const char* k : {"lung_mm", "gas_mm", "bone_mm"})
            if (b.contains(k))
                items.emplace_back(std::string("beam path ") + k + " = " + report_value(b.at(k)).text,
                                   b.at(k).is_number() && b.at(k).get<double>() == 0 ? ReportStyle::ok : ReportStyle::warning);
    }
    items.emplace_back(std::string("overall: ") + (safety.value("ok", false) ? "safe" : "NOT SAFE"),
                       safety.value("ok", false) ? ReportStyle::ok : ReportStyle::failure);
    // Warnings first, whatever order the lines above were gathered in.
    std::stable_partition(items.begin(), items.end(),
                          [](const auto& i) { return i.second == ReportStyle::failure; });
    std::stable_partition(items.begin(), items.end(),
                          [](const auto& i) { return i.second == ReportStyle::warning; });
    r.list(items);
    // Organ doses beside their limits (per shock; p- as a magnitude).
    if (p.contains("oar") && p.at("oar").is_object() && !p.at("oar").empty()) {
        std::vector<std::vector<ReportCell>> t;
        const auto pair = [](const json& o, const char* dose, const char* limit) {
            ReportCell c = cell_of(o, dose);
            c.text += "  (limit " + (o.contains(limit) && !o.at(limit).is_null() ? cell(o.at(limit)).text : "none") + ")";
            return c;
        };
        for (const auto& [organ, o] : p.at("oar").items())
            t.push_back({ReportCell(organ), pair(o, "max_p_plus_MPa", "limit_p_plus_MPa"),
                         pair(o, "max_p_minus_MPa", "limit_p_minus_magnitude_MPa"),
                         pair(o, "max_efd_mJ_per_mm2", "limit_efd_mJ_per_mm2"),
                         cell_of(o, "max_session_efd_mJ_per_mm2"),
                         ReportCell(o.value("limit_ok", true) ? "within" : "EXCEEDED")});
        r.table({"organ at risk", "p+ per shock (MPa)", "p- per shock (MPa; limit on |p-|)", "EFD per shock (mJ/mm\u00B2)",
                 "EFD per session (mJ/mm\u00B2)", "limits"},
                t);
    }

    if (p.contains("notes") && p.at("notes").is_array() && !p.at("notes").empty()) {
        r.section("Notes");
        std::vector<std::pair<std::string, ReportStyle>> notes;
        for (const auto& n : p.at("notes")) notes.emplace_back(report_value(n).text, ReportStyle::plain);
        r.list(notes);
    }

    add_figures(r, context.figures);

    if (p.contains("fragmentation_curve") && p.at("fragmentation_curve").is_array()) {
        r.section("Fragmentation curve");
        r.paragraph("cumulative shocks and the fraction of the target cleared (below the clearance size)");
        constexpr std::size_t per_row = 6;
        std::vector<std::string> header;
        for (std::size_t i = 0; i < per_row; ++i) header.insert(header.end(), {"shocks", "cleared"});
        std::vector<std::vector<ReportCell>> t;
        const json& curve = p.at("fragmentation_curve");
        for (std::size_t i = 0; i < curve.size(); i += per_row) {
            std::vector<ReportCell> row;
            for (std::size_t k = i; k < std::min(i + per_row, curve.size()); ++k) {
                row.push_back(cell_of(curve[k], "shocks"));
                row.push_back(cell_of(curve[k], "fraction_cleared"));
            }
            t.push_back(row);
        }
        r.table(header, t);
    }

    add_provenance(r, p, context, {{"model file", cell_of(p, "model")}});
    return write_report(dir, r);
}

}  // namespace lithosim::app
