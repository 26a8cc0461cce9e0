#include "report/run_outputs.hpp"
#include "cases/case_keys.hpp"

#include <algorithm>
#include <cctype>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "dosimetry/dosimetry.hpp"
#include "report/revolve.hpp"
#include "core/text.hpp"
#include "io/ct_import.hpp"
#include "models/ct_volume.hpp"
#include "viz/paraview.hpp"
#include "viz/report.hpp"
#include "viz/report_labels.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace lithosim {

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

/// The reports' label of `key` under `parent` (viz/report_labels: "EFD at the target (mJ/mm²)").
std::string label(std::string_view key, std::string_view parent = {}) { return viz::report_label(key, parent); }

/// Labelled rows of a JSON object: label, value; a nested object's members follow as "label: member label" rows
/// (so no JSON text with its keys is shown); an array of objects as "label" with one row per object and member.
void add_object_rows(std::vector<std::pair<std::string, ReportCell>>& rows, const json& o, const std::string& parent,
                     const std::string& prefix) {
    for (const auto& [k, v] : o.items()) {
        const std::string name = prefix + label(k, parent);
        const bool xyz = v.is_object() && v.size() == 3 && v.contains("x") && v.contains("y") && v.contains("z");
        if (v.is_object() && !xyz) add_object_rows(rows, v, k, name + ": ");
        else if (v.is_array() && !v.empty() && v.front().is_object())
            for (std::size_t i = 0; i < v.size(); ++i)
                add_object_rows(rows, v[i], k, name + " " + std::to_string(i + 1) + ": ");
        else rows.emplace_back(name, cell(v));
    }
}

std::vector<std::pair<std::string, ReportCell>> object_rows(const json& o, const std::string& parent) {
    std::vector<std::pair<std::string, ReportCell>> rows;
    if (o.is_object()) add_object_rows(rows, o, parent, "");
    return rows;
}

/// Labelled rows for `keys` of `o` that it has (in that order).
std::vector<std::pair<std::string, ReportCell>> rows_of(const json& o, std::initializer_list<const char*> keys,
                                                        const std::string& parent = {}) {
    std::vector<std::pair<std::string, ReportCell>> rows;
    for (const char* k : keys)
        if (o.contains(k)) rows.emplace_back(label(k, parent), cell(o.at(k)));
    return rows;
}

/// A table of an array of objects (the array's key is `parent`): one labelled column per key of any object (in the
/// order first met), one row per object.
void table_of_objects(viz::HtmlReport& r, const json& array, const std::string& parent) {
    if (!array.is_array() || array.empty() || !array.front().is_object()) return;
    std::vector<std::string> keys, header;
    for (const auto& o : array)
        for (const auto& [k, v] : o.items())
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    for (const auto& k : keys) header.push_back(label(k, parent));
    std::vector<std::vector<ReportCell>> t;
    for (const auto& o : array) {
        std::vector<ReportCell> row;
        for (const auto& k : keys) row.push_back(cell_of(o, k.c_str()));
        t.push_back(row);
    }
    r.table(header, t);
}

/// A history entry's kind in words ("follow_up" -> "follow-up").
std::string kind_words(const std::string& kind) { return kind == "follow_up" ? "follow-up" : kind; }

/// plan.json `follow_up` (a re-plan after a follow-up visit), or nullptr.
const json* follow_up_of(const json& p) {
    return p.contains("follow_up") && p.at("follow_up").is_object() ? &p.at("follow_up") : nullptr;
}

/// "Course history": the chain of plans (plan.json `history`, oldest first) and the follow-up this plan starts
/// from (`follow_up`: its measurements, what changed, the previous plan, the updated estimates).
void add_course_history(viz::HtmlReport& r, const json& p) {
    r.section(label("history"));
    if (p.contains("history") && p.at("history").is_array() && !p.at("history").empty()) {
        r.paragraph("the plans of this course, oldest first; this plan is the last");
        std::vector<std::string> keys, header;
        for (const auto& h : p.at("history"))
            for (const auto& [k, v] : h.items())
                if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
        for (const auto& k : keys) header.push_back(label(k, "history"));
        std::vector<std::vector<ReportCell>> t;
        for (const auto& h : p.at("history")) {
            std::vector<ReportCell> row;
            for (const auto& k : keys) {
                ReportCell c = cell_of(h, k.c_str());
                if (k == "inputs_sha256" && c.text.size() > 12) c = ReportCell(c.text.substr(0, 12) + "\u2026", c.text);
                if (k == "kind") c.text = kind_words(c.text);
                row.push_back(c);
            }
            t.push_back(row);
        }
        r.table(header, t);
    }
    const json* fu = follow_up_of(p);
    if (!fu) return;
    r.subsection(label("follow_up"));
    if (fu->contains("previous_plan")) r.key_values(rows_of(*fu, {"previous_plan"}, "follow_up"));
    if (fu->contains("measurements") && fu->at("measurements").is_array()) {
        r.paragraph(label("measurements", "follow_up"));
        table_of_objects(r, fu->at("measurements"), "measurements");
    }
    if (fu->contains("what_changed") && fu->at("what_changed").is_array()) {
        r.paragraph(label("what_changed", "follow_up"));
        std::vector<std::pair<std::string, ReportStyle>> items;
        for (const auto& c : fu->at("what_changed")) items.emplace_back(report_value(c).text, ReportStyle::plain);
        r.list(items);
    }
    if (fu->contains("posterior") && fu->at("posterior").is_object()) {
        r.paragraph(label("posterior", "follow_up"));
        r.key_values(object_rows(fu->at("posterior"), "posterior"));
    }
}

void add_figures(viz::HtmlReport& r, const std::vector<ReportFigure>& figures) {
    if (figures.empty()) return;
    r.section("Figures");
    for (const auto& f : figures) r.figure(f.png, f.caption);
}

void add_provenance(viz::HtmlReport& r, const json& doc, const ReportContext& context,
                    std::vector<std::pair<std::string, ReportCell>> extra) {
    r.section("Provenance");
    std::vector<std::pair<std::string, ReportCell>> rows = {{label("version"), cell_of(doc, "version")},
                                                            {label("git_commit"), cell_of(doc, "git_commit")},
                                                            {label("runtime_s"), cell_of(doc, "runtime_s")},
                                                            {"Report written", utc_now()}};
    for (auto& e : extra) rows.push_back(std::move(e));
    if (!context.command_line.empty()) rows.emplace_back("Command", context.command_line);
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
        r.table({"File", "SHA-1"}, t);
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
        if (!v.is_number_float()) return {exact, ""};  // integers as they are
        std::string text = viz::format_number(v.get<double>());
        return {text, text == exact ? "" : exact};
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

namespace {
void find_unlabelled(const json& j, const std::string& parent, const std::string& path, std::vector<std::string>& out) {
    if (j.is_object())
        for (const auto& [k, v] : j.items()) {
            const std::string here = path.empty() ? k : path + "." + k;
            if (!viz::find_report_key(k, parent) && std::find(out.begin(), out.end(), here) == out.end())
                out.push_back(here);
            find_unlabelled(v, k, here, out);
        }
    else if (j.is_array())
        for (const auto& v : j) find_unlabelled(v, parent, path + "[]", out);
}
}  // namespace

std::vector<std::string> unlabelled_report_keys(const json& doc) {
    std::vector<std::string> out;
    find_unlabelled(doc, "", "", out);
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
        // The case's keys in words (the key's own documentation, cases/case_keys.cpp) with the key the case file
        // writes in brackets, so that a reader can find it in case.ini.
        std::vector<std::pair<std::string, ReportCell>> kv;
        for (const auto& [k, v] : rows) {
            const CaseKey* key = find_case_key(section, k);
            std::string label = k;
            if (key && !key->doc.empty()) {
                label = key->doc.substr(0, std::min(key->doc.find_first_of(";:(,"), key->doc.size()));
                while (!label.empty() && label.back() == ' ') label.pop_back();
                if (!label.empty()) label[0] = char(std::toupper(static_cast<unsigned char>(label[0])));
                if (!key->unit.empty()) label += " (" + key->unit + ")";
                label += " [" + k + "]";
            }
            kv.emplace_back(label, v);
        }
        r.key_values(kv);
    }
    if (!any) r.paragraph("the resolved case was not given to the report", ReportStyle::muted);

    // The IEC 61846 parameters, in the order a physicist reads them, labelled and defined by viz/report_labels.
    r.section("Field parameters (IEC 61846)");
    std::vector<std::vector<ReportCell>> table;
    for (const char* key : {"p_plus_MPa", "p_minus_MPa", "focus_mm", "p_plus_focal_waveform_MPa",
                            "p_minus_focal_waveform_MPa", "rise_time_ns", "pulse_duration_ns",
                            "positive_phase_duration_ns", "focal_zone_6dB_mm", "focal_zone_5MPa_mm",
                            "efd_focus_mJ_per_mm2", "efd_plus_focus_mJ_per_mm2", "E5mm_mJ", "E12mm_mJ",
                            "E28mm_disc_mJ", "energy_total_mJ", "focal_plane_z_mm", "grid_cell_travel_ns"})
        if (s.contains(key)) {
            const viz::ReportKey* k = viz::find_report_key(key);
            std::string meaning = k ? k->doc : "";
            if (std::string(key) == "rise_time_ns" && s.contains("grid_cell_travel_ns"))
                meaning += rise_time_note(s.at(key), s.at("grid_cell_travel_ns"));
            table.push_back({label(key), cell(s.at(key)), meaning});
        }
    r.table({"Quantity", "Value", "Definition"}, table);
    r.paragraph("Positions are in the simulation's beam frame (mm): z along the beam from the source side, the axis "
                "at x = y = 0.", ReportStyle::muted);

    if (s.contains("planes") && s.at("planes").is_array() && !s.at("planes").empty()) {
        r.subsection(label("planes"));
        table_of_objects(r, s.at("planes"), "planes");
    }

    add_figures(r, context.figures);

    r.section("Run");
    r.key_values(rows_of(s, {"steps", "cells", "dt_ns", "points_per_wavelength", "threads", "ranks",
                             "cell_updates_per_s", "peak_memory_MB"}));
    if (s.contains("phase_seconds")) {
        r.subsection(label("phase_seconds"));
        r.key_values(object_rows(s.at("phase_seconds"), "phase_seconds"));
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
            // A re-plan marks the sessions already given (sessions[].done); without the key, as before.
            std::string when = "day " + sig(x.value("day", 0.0));
            if (x.contains("done") && x.at("done").is_boolean())
                when = "session " + text_of(x, "index", std::to_string(n)) + " (" +
                       (x.at("done").get<bool>() ? "done, " : "planned, ") + when + ")";
            sessions += std::string(sessions.empty() ? "" : "; ") + when + ": " +
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
        // A re-plan (plan.json history / follow_up): which plan of the course this is, and what changed.
        std::vector<std::string> changes;
        std::string changes_heading;
        if (const json* fu = follow_up_of(p)) {
            if (fu->contains("what_changed") && fu->at("what_changed").is_array())
                for (const auto& c : fu->at("what_changed")) changes.push_back(report_value(c).text);
            changes_heading = "What changed since the previous plan" +
                              (fu->contains("previous_plan") ? " (" + text_of(*fu, "previous_plan") + ")" : "");
        }
        if (p.contains("history") && p.at("history").is_array() && !p.at("history").empty()) {
            const json& last = p.at("history").back();
            rows.insert(rows.begin() + 1, {"course",
                                           "plan " + text_of(last, "plan") + " of the course (" +
                                               kind_words(text_of(last, "kind")) + ", day " + text_of(last, "day") + "); " +
                                               std::to_string(p.at("history").size()) +
                                               " plan(s) in the course history below"});
        }
        r.summary_box("Plan at a glance", text_of(p, "verdict"), rows, warnings, changes, changes_heading);
    }

    if (p.contains("history") || follow_up_of(p)) add_course_history(r, p);

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
        r.table({label("name", "outcomes"), label("primary", "outcomes"), label("horizon_months", "outcomes"),
                 label("probability", "outcomes"), label("ci95", "outcomes"),
                 label("probability_without_treatment", "outcomes"), label("probability_nominal", "outcomes")},
                t);
        for (const auto& o : p.at("outcomes")) {
            r.subsection(label("covariates") + " of " + text_of(o, "name") + ": " + text_of(o, "model"));
            if (o.contains("covariates")) r.key_values(object_rows(o.at("covariates"), "covariates"));
        }
        if (p.contains("patient") && p.at("patient").is_object()) {
            r.subsection(label("patient"));
            r.key_values(object_rows(p.at("patient"), "patient"));
        }
    }

    r.section("Device and settings");
    r.key_values(rows_of(p, {"device", "setting_unit", "fidelity", "motion_sd_mm", "positioning_sd_mm",
                             "surrounding_impedance_MRayl", "window_loss_dB", "clearance_size_mm", "seed"}));
    if (p.contains("target")) {
        r.subsection(label("target"));
        r.key_values(object_rows(p.at("target"), "target"));
    }
    if (p.contains("beam_path")) {
        r.subsection(label("beam_path"));
        r.key_values(object_rows(p.at("beam_path"), "beam_path"));
    }

    if (p.contains("aim") && p.at("aim").is_object()) {
        r.subsection("Aim: the device placed by its simulated dose");
        json aim = p.at("aim");
        aim.erase("runs");
        r.key_values(object_rows(aim, "aim"));
        if (p.at("aim").contains("runs")) table_of_objects(r, p.at("aim").at("runs"), "runs");
    }
    if (p.contains("grid_check") && p.at("grid_check").is_object()) {
        r.subsection("Dose grid against the device's calibration grid (water, highest setting)");
        r.key_values(object_rows(p.at("grid_check"), "grid_check"));
    }

    r.section("Dose per shock at the target (simulated settings)");
    if (p.contains("target_dose")) table_of_objects(r, p.at("target_dose"), "target_dose");
    if (p.contains("device_free_field") && p.at("device_free_field").is_array() &&
        !p.at("device_free_field").empty()) {
        // One column per simulated setting, one row per parameter: the device as a physicist checks it in water.
        // Positions (focus_mm, focal_plane_z_mm) are in the water run's beam frame; the labels say so.
        r.subsection(label("device_free_field"));
        const json& ff = p.at("device_free_field");
        std::vector<std::string> header{"Parameter"};
        const std::string setting_unit = text_of(p, "setting_unit", "setting");
        for (const auto& f : ff)
            header.push_back(setting_unit + " " + report_value(f.value("setting", json(nullptr))).text);
        std::vector<std::vector<ReportCell>> t;
        std::vector<std::size_t> key_rows;
        for (const auto& [k, v] : ff.front().items()) {
            if (k == "setting") continue;
            for (const char* key : {"p_plus_MPa", "p_minus_MPa", "focus_mm", "focal_zone_6dB_mm",
                                    "efd_focus_mJ_per_mm2", "E12mm_mJ"})
                if (k == key) key_rows.push_back(t.size());
            std::vector<ReportCell> row{ReportCell(label(k, "device_free_field"))};
            for (const auto& f : ff) row.push_back(cell_of(f, k.c_str()));
            t.push_back(row);
        }
        r.table(header, t, {}, key_rows);
    }
    if (p.contains("fidelity_comparison") && p.at("fidelity_comparison").is_object()) {
        r.subsection(label("fidelity_comparison"));
        r.key_values(object_rows(p.at("fidelity_comparison"), "fidelity_comparison"));
    }

    r.section("Plan");
    std::vector<std::vector<ReportCell>> sessions;
    const std::string unit = text_of(p, "setting_unit", "setting");
    bool any_done = false;
    if (p.contains("sessions"))
        for (const auto& s : p.at("sessions")) any_done = any_done || s.contains("done");
    if (p.contains("sessions"))
        for (const auto& s : p.at("sessions")) {
            ReportCell ramp;  // "100 at 7, 100 at 9, ...", the JSON values as the tooltip
            if (s.contains("ramp"))
                for (const auto& st : s.at("ramp")) {
                    const ReportValue n = report_value(st.value("shocks", json(nullptr)));
                    const ReportValue v = report_value(st.value("setting", json(nullptr)));
                    const std::string sep = ramp.text.empty() ? "" : ", ";
                    ramp.text += sep + n.text + " at " + v.text;
                    ramp.exact += sep + (n.exact.empty() ? n.text : n.exact) + " at " + (v.exact.empty() ? v.text : v.exact);
                }
            sessions.push_back({cell_of(s, "index"), cell_of(s, "day"), cell_of(s, "shocks"), cell_of(s, "setting"),
                                ramp, cell_of(s, "rate_per_min"), cell_of(s, "duration_min"),
                                cell_of(s, "efd_target_mJ_per_mm2"), cell_of(s, "efd_free_field_mJ_per_mm2"),
                                cell_of(s, "p_plus_target_MPa"), cell_of(s, "p_minus_target_MPa"),
                                cell_of(s, "fraction_cleared_after"), cell_of(s, "p_fragment_above_goal_size"),
                                cell_of(s, "p_largest_fragment_above_clearance"),
                                cell_of(s, "stopped_at_goal")});
            if (any_done) sessions.back().push_back(cell_of(s, "done"));
        }
    std::vector<std::string> session_header;
    for (const char* k : {"index", "day", "shocks", "setting", "ramp", "rate_per_min", "duration_min",
                          "efd_target_mJ_per_mm2", "efd_free_field_mJ_per_mm2", "p_plus_target_MPa",
                          "p_minus_target_MPa", "fraction_cleared_after", "p_fragment_above_goal_size",
                          "p_largest_fragment_above_clearance", "stopped_at_goal"})
        session_header.push_back(std::string(k) == "setting" ? viz::report_label_with_unit(k, unit, "sessions")
                                                             : label(k, "sessions"));
    if (any_done) session_header.push_back(label("done", "sessions"));
    r.table(session_header, sessions);
    if (p.contains("oar") && p.at("oar").is_object() && !p.at("oar").empty()) {
        r.subsection("Dose at the organs at risk (per shock; session maximum)");
        std::vector<std::vector<ReportCell>> t;
        std::vector<ReportStyle> styles;
        for (const auto& [organ, o] : p.at("oar").items()) {
            t.push_back({label(organ, "oar"), cell_of(o, "max_p_plus_MPa"), cell_of(o, "max_p_minus_MPa"),
                         cell_of(o, "max_efd_mJ_per_mm2"), cell_of(o, "max_session_efd_mJ_per_mm2"),
                         cell_of(o, "has_limit"), cell_of(o, "limit_ok")});
            styles.push_back(o.value("limit_ok", true) ? ReportStyle::plain : ReportStyle::failure);
        }
        r.table({"Organ at risk", label("max_p_plus_MPa"), label("max_p_minus_MPa"), label("max_efd_mJ_per_mm2"),
                 label("max_session_efd_mJ_per_mm2"), label("has_limit"), label("limit_ok")},
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
    r.key_values({{label("endpoint"), cell_of(p, "endpoint")},
                  {label("predicted_success_probability"), probability},
                  {label("success_ci95"), interval},
                  {label("goal_kind"), cell_of(p, "goal_kind")},
                  {label("goal_reached"), cell_of(p, "goal_reached")},
                  {label("goal_probability"), cell_of(p, "goal_probability")},
                  {label("reason"), cell_of(p, "reason")}});
    if (p.contains("success")) {
        r.subsection(label("success"));
        r.key_values(object_rows(p.at("success"), "success"));
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
            items.emplace_back(label(organ, "oar") + ": " +
                                   (o.value("has_limit", false) ? (ok ? "within its limit" : "LIMIT EXCEEDED")
                                                                : "no limit set"),
                               ok ? ReportStyle::ok : ReportStyle::failure);
        }
    if (p.contains("beam_path")) {
        const json& b = p.at("beam_path");
        for (const char* k : {"lung_mm", "gas_mm", "bone_mm"})
            if (b.contains(k))
                items.emplace_back(label(k, "beam_path") + ": " + report_value(b.at(k)).text,
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
            t.push_back({ReportCell(label(organ, "oar")), pair(o, "max_p_plus_MPa", "limit_p_plus_MPa"),
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
        // Hundreds of points: a short table on the page, every point folded away (viz/report.hpp).
        r.section(label("fragmentation_curve"));
        r.paragraph("cumulative shocks and the fraction of the target cleared (below the clearance size)");
        table_of_objects(r, p.at("fragmentation_curve"), "fragmentation_curve");
    }

    add_provenance(r, p, context, {{label("model"), cell_of(p, "model")}});
    return write_report(dir, r);
}

}  // namespace lithosim
