// The ParaView folders and reports of the commands (report/run_outputs): revolved volumes and snapshot series read
// back with VTK, the README listing every array of every file, the model's label and organ-at-risk arrays, and the
// reports: valid HTML (libxml2 HTML and XML parsers), self-contained, every number of the JSON document present as
// the JSON text, warnings before the other safety checks.
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <vtkDataArray.h>
#include <vtkFieldData.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPointData.h>
#include <vtkStringArray.h>
#include <vtkType.h>
#include <vtkXMLImageDataReader.h>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <optional>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include "report/run_outputs.hpp"
#include "models/ct_volume.hpp"
#include "tests/io/scratch_dir.hpp"
#include "viz/pdf.hpp"
#include "viz/report.hpp"

using lithosim::Map3;
using lithosim::test::ScratchDir;
using nlohmann::json;
namespace fs = std::filesystem;
namespace app = lithosim;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct Vti {
    vtkNew<vtkXMLImageDataReader> reader;
    vtkImageData* image = nullptr;
    explicit Vti(const fs::path& p) {
        REQUIRE(fs::exists(p));
        reader->SetFileName(p.c_str());
        reader->Update();
        image = reader->GetOutput();
        REQUIRE(image);
    }
    vtkDataArray* array(const char* n) const { return image->GetPointData()->GetArray(n); }
};

/// An axisymmetric (r, z) map: value(ir, iz) = scale (1 + ir + 10 iz), dr = dz = 1 mm, r from 0.
Map3 rz_map(std::size_t nr, std::size_t nz, double scale) {
    Map3 m;
    m.nx = nr, m.ny = 1, m.nz = nz;
    m.origin_m = {0, 0, 0.01};
    m.spacing_m = {1e-3, 0, 1e-3};
    m.values.resize(m.size());
    for (std::size_t iz = 0; iz < nz; ++iz)
        for (std::size_t ir = 0; ir < nr; ++ir) m.values[ir + nr * iz] = float(scale * (1 + ir + 10.0 * iz));
    return m;
}

/// Every array name of every .vti under `dir` appears in its README on a line of its own.
void check_readme_lists_every_array(const fs::path& dir) {
    const std::string readme = read_text(dir / "README.txt");
    REQUIRE_FALSE(readme.empty());
    int arrays = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.path().extension() != ".vti") continue;
        const Vti v(e.path());
        vtkPointData* pd = v.image->GetPointData();
        for (int i = 0; i < pd->GetNumberOfArrays(); ++i) {
            const std::string name = pd->GetArrayName(i);
            INFO(e.path().string() + ": " + name);
            CHECK(readme.find("\n  " + name + " ") != std::string::npos);
            ++arrays;
        }
        // Files at the top of the folder are listed by name; series frames through their .pvd.
        if (e.path().parent_path() == dir) CHECK(readme.find("\n" + e.path().filename().string() + ": ") != std::string::npos);
    }
    CHECK(arrays > 0);
}

int g_errors = 0;
void count_error(void*, xmlErrorPtr e) {
    // details and summary (folded long tables, viz/report.hpp) are unknown to libxml2's HTML 4 tag list.
    const std::string message = e->message ? e->message : "";
    if (e->code == XML_HTML_UNKNOWN_TAG &&
        (message.find("Tag details invalid") == 0 || message.find("Tag summary invalid") == 0))
        return;
    if (e->level >= XML_ERR_ERROR) ++g_errors;
}
int parse_errors(const std::string& text, bool as_xml) {
    g_errors = 0;
    xmlSetStructuredErrorFunc(nullptr, count_error);
    xmlDocPtr doc = as_xml ? xmlReadMemory(text.data(), int(text.size()), "r.html", "UTF-8", XML_PARSE_NONET)
                           : htmlReadMemory(text.data(), int(text.size()), "r.html", "UTF-8", HTML_PARSE_NONET);
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    if (!doc) return g_errors + 1;
    xmlFreeDoc(doc);
    return g_errors;
}

/// Every number in `j` (recursively) as its JSON text.
void numbers_of(const json& j, std::vector<std::string>& out) {
    if (j.is_number()) out.push_back(j.dump());
    if (j.is_structured())
        for (const auto& v : j) numbers_of(v, out);
}

fs::path write_png(const fs::path& path) {
    vtkNew<vtkImageData> image;
    image->SetDimensions(4, 4, 1);
    image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
    auto* p = static_cast<unsigned char*>(image->GetScalarPointer());
    for (int i = 0; i < 48; ++i) p[i] = static_cast<unsigned char>(5 * i);
    vtkNew<vtkPNGWriter> w;
    w->SetInputData(image);
    w->SetFileName(path.c_str());
    w->Write();
    return path;
}

void check_self_contained(const std::string& html, std::size_t figures) {
    CHECK(parse_errors(html, false) == 0);
    CHECK(parse_errors(html, true) == 0);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("href=") == std::string::npos);
    std::size_t srcs = 0;
    for (std::size_t at = html.find("src=\""); at != std::string::npos; at = html.find("src=\"", at + 1)) {
        CHECK(html.compare(at + 5, 5, "data:") == 0);
        ++srcs;
    }
    CHECK(srcs == figures);
}

/// A plan.json document with the keys and shapes planner/plan.cpp writes (values of the shoulder phantom's plan) and a
/// warning and a text with markup added.
json plan_document() {
    return json::parse(R"json({
      "indication": "tendon", "device": "eswt_head", "endpoint": "clinical success / deposit resorption",
      "pseudonym": "LS-165ab2d04db6", "fidelity": "fast", "setting_unit": "level", "seed": 1,
      "sessions": [
        {"index": 1, "day": 0, "shocks": 2000, "setting": 10.0, "rate_per_min": 240.0, "duration_min": 8.3,
         "efd_target_mJ_per_mm2": 0.135, "efd_free_field_mJ_per_mm2": 0.241, "p_plus_target_MPa": 23.456,
         "p_minus_target_MPa": -11.787, "fraction_cleared_after": 0.0, "p_largest_fragment_above_clearance": 0.995,
         "stopped_at_goal": false,
         "ramp": [{"setting": 7.0, "shocks": 100}, {"setting": 9.0, "shocks": 100}, {"setting": 10.0, "shocks": 1800}]},
        {"index": 2, "day": 7, "shocks": 1500, "setting": 9.5, "rate_per_min": 240.0, "duration_min": 6.3,
         "efd_target_mJ_per_mm2": 0.121, "efd_free_field_mJ_per_mm2": 0.217, "p_plus_target_MPa": 22.104,
         "p_minus_target_MPa": -11.2, "fraction_cleared_after": 0.019, "stopped_at_goal": true, "ramp": []}],
      "predicted_success_probability": 0.508, "success_ci95": [0.093, 0.963],
      "verdict": "ESWT course of 2 session(s): the goal is resorption of the deposit",
      "warnings": ["the target receives 75 % of the maximum EFD on the beam"],
      "outcomes": [
        {"name": "resorption_6mo", "horizon_months": 6.0, "probability": 0.378, "ci95": [0.071, 0.775],
         "probability_without_treatment": 0.222, "probability_nominal": 0.401, "primary": false,
         "covariates": {"gaertner": 1.0, "deposit_mm": 10.0, "energy_to_deposit_mJ": 127345.6},
         "model": "tendon_resorption (planning/OUTCOMES.md), fitted to Perlick 2003"},
        {"name": "clinical_success_6mo", "horizon_months": 6.0, "probability": 0.508, "ci95": [0.093, 0.963],
         "probability_without_treatment": 0.212, "probability_nominal": 0.557, "primary": true,
         "covariates": {"shocks": 3500.0, "efd_target_mean_mJ_per_mm2": 0.129},
         "model": "tendon_clinical (planning/OUTCOMES.md), fitted to Rompe 1998"}],
      "patient": {"gaertner_type": "I", "gaertner_type_from": "CT morphology (target_morphology)"},
      "aim": {"focus_offset_mm": 3.7, "efd_max_to_target_mm": 7.4, "target_efd_fraction_of_max": 0.747,
              "runs": [{"focus_offset_mm": 0.0, "target_efd_fraction_of_max": 0.632, "seconds": 17.5}]},
      "grid_check": {"dx_mm": 0.05, "calibration_dx_mm": 0.05, "p_plus_error_percent": 0.3, "efd_error_percent": -0.2},
      "fragmentation_curve": [{"shocks": 0, "fraction_cleared": 0.0}, {"shocks": 2000, "fraction_cleared": 0.004},
                              {"shocks": 3500, "fraction_cleared": 0.019}],
      "clearance_size_mm": 1.0,
      "oar": {"bone_surface": {"has_limit": true, "limit_ok": true, "max_efd_mJ_per_mm2": 0.09,
                               "max_p_minus_MPa": -12.407, "max_p_plus_MPa": 17.96,
                               "max_session_efd_mJ_per_mm2": 169.102, "limit_p_plus_MPa": 35.5,
                               "limit_p_minus_magnitude_MPa": null, "limit_efd_mJ_per_mm2": 0.6,
                               "limit_source": "assumption"}},
      "safety": {"ok": true, "violations": [],
                 "warnings": ["bone in the beam path: 3.5 mm, EFD loss 1.2 dB <check>"]},
      "target": {"centroid_mm": [-186.53629514470222, -3.5284022961014117, 181.04239416407557],
                 "diameter_mm": 9.993796904959547, "material": "hydroxyapatite_dense", "volume_mm3": 522.625},
      "target_dose": [{"setting": 1.0, "efd_free_field_mJ_per_mm2": 0.002, "efd_target_centre_mJ_per_mm2": 0.001,
                       "energy_target_cross_section_mJ": 0.024, "focal_width_mm": 3.8, "max_p_plus_target_MPa": 1.537,
                       "mean_p_plus_target_MPa": 0.503, "p_minus_target_MPa": -1.647, "seconds": 20.6}],
      "beam_path": {"bone_mm": 3.5, "depth_mm": 19.6, "gas_mm": 0.0, "lung_mm": 0.0},
      "window_loss_dB": 2.474, "motion_sd_mm": 2.0, "goal_reached": false, "goal_probability": 0.9,
      "reason": "goal not reached: fraction cleared 0.0379 < goal 0.95",
      "fidelity_comparison": {"note": "fast fidelity"},
      "notes": ["the device reaches 0.241061 mJ/mm^2 at its highest setting 10 & more"],
      "success": {"outcome": "clinical_success_6mo", "probability_without_treatment": 0.212, "probability_nominal": 0.557,
                  "samples": 200, "dose_log_sd": 0.1},
      "model": "/tmp/out/model.h5", "version": "0.1.0", "git_commit": "1d7797e43a2f", "runtime_s": 77.0
    })json");
}

/// summary.json of a 3D run (lithosim simulate), the keys and shapes report/summary.cpp writes.
json summary_document() {
    return json::parse(R"({
      "E12mm_mJ": 199.272344384999, "E28mm_disc_mJ": 210.72722135287276, "E5mm_mJ": 103.8501428968861,
      "cell_updates_per_s": 141020617.36984125, "cells": 7700625, "dt_ns": 80.94655956239374,
      "efd_focus_mJ_per_mm2": 2.635151123046875, "efd_plus_focus_mJ_per_mm2": 1.5009977081022512,
      "energy_total_mJ": 255.05269746587024, "focal_plane_z_mm": 67.0, "focal_zone_5MPa_mm": null,
      "focal_zone_6dB_mm": {"x": 8.317782838450096, "y": 8.317783070102445, "z": 38.68239827591219},
      "focus_mm": [0.0, 0.0, 61.6], "git_commit": "14c526f2659b", "p_minus_MPa": -34.013116,
      "p_plus_MPa": 64.424992, "peak_memory_MB": 538.69921875,
      "phase_seconds": {"filter": 5.837130041999996, "pml": 11.298477348000002},
      "points_per_wavelength": 44.49158303577431, "positive_phase_duration_ns": 1403.9009553462301,
      "pulse_duration_ns": 717.718167115932, "rise_time_ns": 357.7752441975558, "runtime_s": 41.828484799,
      "steps": 766, "threads": 2, "version": "0.1.0", "warnings": ["the focus lies <2 cells> from the PML"]
    })");
}

/// Every key of `j` (recursively) that contains '_' (spelled as no reader would).
void underscore_keys(const json& j, std::set<std::string>& out) {
    if (j.is_object())
        for (const auto& [k, v] : j.items()) {
            if (k.find('_') != std::string::npos) out.insert(k);
            underscore_keys(v, out);
        }
    else if (j.is_array())
        for (const auto& v : j) underscore_keys(v, out);
}

/// `html` rendered by headless chromium at 1280 x 900 px: {scrollWidth, clientWidth, bottom of the verdict,
/// window height}; empty when the browser gave no page.
std::optional<std::array<int, 4>> render_first_screen(const fs::path& dir, const std::string& html) {
    std::string probe = html;
    const std::string script =
        "<script>const b = document.querySelector('div.summary p.lead').getBoundingClientRect();"
        "document.body.setAttribute('data-check', [document.documentElement.scrollWidth,"
        "document.documentElement.clientWidth, Math.round(b.bottom), window.innerHeight].join(' '));</script>";
    probe.insert(probe.rfind("</body>"), script);
    std::ofstream(dir / "probe.html") << probe;
    const auto dom = lithosim::viz::render_dom(dir / "probe.html", 1280, 900);
    std::smatch m;
    if (!dom || !std::regex_search(*dom, m, std::regex("data-check=\"([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+)\"")))
        return std::nullopt;
    return std::array<int, 4>{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4])};
}

}  // namespace

TEST_CASE("input files are hashed with SHA-1 (RFC 3174 test vector)", "[report][report]") {
    const ScratchDir dir("sha1");
    std::ofstream(dir / "abc.txt", std::ios::binary) << "abc";
    CHECK(app::sha1_file(dir / "abc.txt") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_THROWS_AS(app::sha1_file(dir / "missing"), std::runtime_error);
}

TEST_CASE("report_value prints numbers to 3 significant figures, integers whole, the JSON text as exact",
          "[report][report]") {
    CHECK(app::report_value(json(0.135)).text == "0.135");
    CHECK(app::report_value(json(0.135)).exact.empty());  // nothing rounded: no tooltip
    CHECK(app::report_value(json(2000)).text == "2000");
    CHECK(app::report_value(json(7700625)).text == "7700625");  // an integer stays whole
    CHECK(app::report_value(json(10.0)).text == "10");
    CHECK(app::report_value(json(10.0)).exact == "10.0");
    CHECK(app::report_value(json(23.456)).text == "23.5");
    CHECK(app::report_value(json(true)).text == "yes");
    const auto long_value = app::report_value(json(199.272344384999));
    CHECK(long_value.text == "199");
    CHECK(long_value.exact == "199.272344384999");
    CHECK(app::report_value(json(nullptr)).text == "n/a");
    CHECK(app::report_value(json::parse(R"({"x": 8.3, "y": 8.4, "z": 38.7})")).text == "8.3 \xC3\x97 8.4 \xC3\x97 38.7");
    CHECK(app::report_value(json::parse("[0.841, 0.853]")).text == "0.841, 0.853");
}

TEST_CASE("simulate ParaView folder: axisymmetric maps, their revolved volume, snapshots, README", "[report][viz]") {
    const ScratchDir dir("simulate_paraview");
    lithosim::SimulationResult r;
    r.p_max = rz_map(6, 5, 1e6);
    r.p_min = rz_map(6, 5, -1e5);
    r.efd = rz_map(6, 5, 1.0);
    for (int k = 0; k < 2; ++k) {
        lithosim::Snapshot s;
        s.t_s = 2.5e-6 * (k + 1);
        s.p = rz_map(6, 5, 1e5 * (k + 1));
        r.snapshots.push_back(s);
    }
    const auto files = app::write_simulate_paraview(dir.path(), r, true);
    const fs::path pv = dir / app::kParaviewFolder;
    for (const char* f : {"maps.vti", "maps_revolved.vti", "snapshots.pvd", "README.txt"}) CHECK(fs::exists(pv / f));
    CHECK(files.back() == pv / "README.txt");
    CHECK_FALSE(fs::exists(pv / "medium.vti"));  // homogeneous run: no medium maps

    // The revolved volume: x, y over -5..5 mm (m = floor(r_last / dr) = 5), z as the map; on the +x axis the
    // values are the map's radial nodes; at the corner (x, y) = (5, 5) mm, r = 7.07 mm > r_last: NaN.
    const Vti rev(pv / "maps_revolved.vti");
    int dims[3];
    double origin[3], spacing[3];
    rev.image->GetDimensions(dims);
    rev.image->GetOrigin(origin);
    rev.image->GetSpacing(spacing);
    CHECK(dims[0] == 11);
    CHECK(dims[1] == 11);
    CHECK(dims[2] == 5);
    CHECK(origin[0] == Approx(-5.0));
    CHECK(origin[2] == Approx(10.0));
    CHECK(spacing[0] == Approx(1.0));
    vtkDataArray* p = rev.array("p_max_MPa");
    REQUIRE(p);
    for (int ir = 0; ir <= 5; ++ir) {
        int ijk[3] = {5 + ir, 5, 3};
        CHECK(p->GetTuple1(rev.image->ComputePointId(ijk)) == Approx(1 + ir + 30.0));  // MPa
        int mirrored[3] = {5, 5 - ir, 3};  // along -y: the same radius
        CHECK(p->GetTuple1(rev.image->ComputePointId(mirrored)) == Approx(1 + ir + 30.0));
    }
    int corner[3] = {10, 10, 0};
    CHECK(std::isnan(p->GetTuple1(rev.image->ComputePointId(corner))));

    // Snapshots: times in us, one (r, z) file each.
    const std::string pvd = read_text(pv / "snapshots.pvd");
    std::vector<double> times;
    for (auto at = pvd.find("timestep=\""); at != std::string::npos; at = pvd.find("timestep=\"", at + 1))
        times.push_back(std::stod(pvd.substr(at + 10)));
    REQUIRE(times.size() == 2);
    CHECK(times[0] == Approx(2.5).epsilon(1e-12));
    CHECK(times[1] == Approx(5.0).epsilon(1e-12));
    const Vti s1(pv / "snapshots" / "snapshots_0001.vti");
    REQUIRE(s1.array("p_MPa"));
    CHECK(s1.array("p_MPa")->GetTuple1(0) == Approx(0.2));
    check_readme_lists_every_array(pv);
}

TEST_CASE("model and plan ParaView folders: labels as uint8 with their names, masks, organ-at-risk masks", "[report][viz]") {
    using lithosim::models::Label;
    const ScratchDir dir("model_paraview");
    lithosim::io::ModelFile model;
    auto fill = [](lithosim::io::ModelGrid& g, std::size_t nx, std::size_t ny, std::size_t nz) {
        g.nx = nx, g.ny = ny, g.nz = nz;
        g.dx_m = 0.5e-3;
        g.origin_m = {ny > 1 ? -1e-3 : 0.0, ny > 1 ? -1e-3 : 0.0, 0};
        const std::size_t n = g.size();
        g.hu.assign(n, 40), g.rho.assign(n, 1050), g.c.assign(n, 1580), g.alpha.assign(n, 0.6);
        g.alpha_power.assign(n, 1.1), g.BonA.assign(n, 7);
        g.labels.assign(n, std::uint8_t(Label::soft_tissue)), g.target.assign(n, 0);
        g.labels[n - 1] = std::uint8_t(Label::bone_cortical);
        g.labels[n - 2] = std::uint8_t(Label::calcification), g.target[n - 2] = 1;
    };
    fill(model.grid, 5, 5, 6);
    fill(model.axisymmetric, 3, 1, 6);
    app::write_model_paraview(dir.path(), model);
    const fs::path pv = dir / app::kParaviewFolder;
    const Vti m(pv / "model.vti");
    for (const char* name : {"HU", "rho_kg_per_m3", "c_m_per_s", "alpha_dB_per_cm_MHz_y", "alpha_power", "BonA"})
        CHECK(m.array(name));
    vtkDataArray* labels = m.array("labels");
    vtkDataArray* bone = m.array("oar_bone");
    REQUIRE(labels);
    REQUIRE(bone);
    CHECK(labels->GetDataType() == VTK_UNSIGNED_CHAR);
    const vtkIdType last = labels->GetNumberOfTuples() - 1;
    CHECK(labels->GetTuple1(last) == double(Label::bone_cortical));
    CHECK(bone->GetTuple1(last) == 1.0);
    CHECK(bone->GetTuple1(0) == 0.0);
    CHECK(m.array("target_mask")->GetTuple1(last - 1) == 1.0);
    CHECK_FALSE(m.array("oar_lung"));  // no lung in this model
    const std::string readme = read_text(pv / "README.txt");
    CHECK(readme.find("lookup labels: 0 water, 1 air, 2 lung") != std::string::npos);
    CHECK(readme.find("9 calcification") != std::string::npos);
    check_readme_lists_every_array(pv);

    // The plan's dose on the (r, z) grid with the model's labels, shifted into the model frame.
    lithosim::io::PlanFile plan;
    plan.axisymmetric = true;
    plan.setting = 10;
    plan.p_max = rz_map(4, 3, 2e6), plan.p_min = rz_map(4, 3, -1e6), plan.efd = rz_map(4, 3, 0.5);
    plan.labels.assign(12, std::uint8_t(Label::soft_tissue));
    plan.target.assign(12, 0);
    plan.target[0] = plan.target[1] = 1;
    plan.labels[11] = std::uint8_t(Label::lung);
    const ScratchDir pdir("plan_paraview");
    app::write_plan_paraview(pdir.path(), plan, &model, 0.005);
    const fs::path ppv = pdir / app::kParaviewFolder;
    const Vti dose(ppv / "dose.vti");
    double origin[3];
    dose.image->GetOrigin(origin);
    CHECK(origin[2] == Approx(15.0));  // 10 mm + the 5 mm shift
    REQUIRE(dose.array("efd_mJ_per_mm2"));
    CHECK(dose.array("efd_mJ_per_mm2")->GetTuple1(5) == Approx(0.5 * (1 + 1 + 10) * 1e-3));
    REQUIRE(dose.array("oar_lung"));
    CHECK(dose.array("oar_lung")->GetTuple1(11) == 1.0);
    const Vti rev(ppv / "dose_revolved.vti");
    CHECK(rev.array("target_mask"));
    CHECK_FALSE(rev.array("labels"));  // labels are not interpolated
    CHECK(fs::exists(ppv / "model.vti"));
    check_readme_lists_every_array(ppv);
}

TEST_CASE("plan ParaView files: the 3D ones open in patient coordinates, the (r, z) ones say they cannot",
          "[report][viz]") {
    // An oblique beam frame (rotated about two axes) at a patient origin; a model grid and a 3D dose grid of their own.
    lithosim::io::ModelFile model;
    model.frame_origin_patient_mm = {112.5, -47.25, 311.0};
    const double c = std::cos(0.5), s = std::sin(0.5), ct = std::cos(0.3), st = std::sin(0.3);
    model.frame_axes = {std::array<double, 3>{c, s, 0}, {-s * ct, c * ct, st}, {s * st, -c * st, ct}};
    auto fill = [](lithosim::io::ModelGrid& g, std::size_t nx, std::size_t ny, std::size_t nz) {
        g.nx = nx, g.ny = ny, g.nz = nz;
        g.dx_m = 0.5e-3;
        g.origin_m = {ny > 1 ? -1e-3 : 0.0, ny > 1 ? -0.5e-3 : 0.0, 2e-3};
        g.hu.assign(g.size(), 40);
        g.labels.assign(g.size(), 0), g.target.assign(g.size(), 0);
    };
    fill(model.grid, 4, 3, 5);
    fill(model.axisymmetric, 3, 1, 5);
    auto cube = [](double v) {
        Map3 m;
        m.nx = 3, m.ny = 4, m.nz = 5;
        m.origin_m = {-1e-3, -1.5e-3, 0.01};
        m.spacing_m = {1e-3, 1e-3, 1e-3};
        m.values.assign(m.size(), float(v));
        return m;
    };
    // Patient position of a frame point (mm), by the model file's definition (io/model_file.hpp).
    auto patient = [&](const std::array<double, 3>& f_mm) {
        std::array<double, 3> p = model.frame_origin_patient_mm;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) p[a] += f_mm[b] * model.frame_axes[b][a];
        return p;
    };
    auto coordinates = [](const Vti& v) {
        auto* a = vtkStringArray::SafeDownCast(v.image->GetFieldData()->GetAbstractArray("coordinates"));
        REQUIRE(a);
        return a->GetValue(0);
    };
    auto check_voxel = [](const Vti& v, const int ijk[3], const std::array<double, 3>& expected) {
        double x[3];
        v.image->TransformIndexToPhysicalPoint(ijk[0], ijk[1], ijk[2], x);
        for (int a = 0; a < 3; ++a) CHECK(x[a] == Approx(expected[a]).margin(1e-9));
    };

    lithosim::io::PlanFile plan;
    plan.axisymmetric = false;
    plan.setting = 10;
    plan.p_max = cube(2e6), plan.p_min = cube(-1e6), plan.efd = cube(0.5);
    const ScratchDir dir("plan_paraview_patient");
    app::write_plan_paraview(dir.path(), plan, &model, 0.005);
    const fs::path pv = dir / app::kParaviewFolder;
    {
        // dose.vti voxel (2, 1, 3): frame (-1 + 2, -1.5 + 1, 10 + 3 + the 5 mm shift) mm.
        const Vti dose(pv / "dose.vti");
        const int ijk[3] = {2, 1, 3};
        check_voxel(dose, ijk, patient({1.0, -0.5, 18.0}));
        CHECK_THAT(coordinates(dose), Catch::StartsWith("patient LPS"));
        // model.vti voxel (3, 2, 4): frame (-1 + 1.5, -0.5 + 1, 2 + 2) mm.
        const Vti m(pv / "model.vti");
        const int q[3] = {3, 2, 4};
        check_voxel(m, q, patient({0.5, 0.5, 4.0}));
        CHECK_THAT(coordinates(m), Catch::StartsWith("patient LPS"));
        // The (r, z) model keeps its frame and says so.
        const Vti rz(pv / "model_axisymmetric.vti");
        const int r[3] = {2, 0, 1};
        check_voxel(rz, r, {1.0, 0.0, 2.5});
        CHECK_THAT(coordinates(rz), Catch::Contains("no patient placement"));
        CHECK_THAT(read_text(pv / "README.txt"), Catch::Contains("coordinates: patient LPS"));
    }
    // An axisymmetric plan: dose.vti stays (r, z), dose_revolved.vti is placed (voxel (0, 0, 0) at x = y = -r_last).
    plan.axisymmetric = true;
    plan.p_max = rz_map(4, 3, 2e6), plan.p_min = rz_map(4, 3, -1e6), plan.efd = rz_map(4, 3, 0.5);
    const ScratchDir rdir("plan_paraview_patient_rz");
    app::write_plan_paraview(rdir.path(), plan, &model, 0.005);
    const fs::path rpv = rdir / app::kParaviewFolder;
    const Vti dose(rpv / "dose.vti");
    CHECK_THAT(coordinates(dose), Catch::Contains("no patient placement"));
    const int o[3] = {1, 0, 2};
    check_voxel(dose, o, {1.0, 0.0, 17.0});
    const Vti rev(rpv / "dose_revolved.vti");
    CHECK_THAT(coordinates(rev), Catch::StartsWith("patient LPS"));
    const int v[3] = {0, 0, 2};
    check_voxel(rev, v, patient({-3.0, -3.0, 17.0}));
}

TEST_CASE("plan report: valid self-contained HTML with every plan.json number, warnings first", "[report][report]") {
    const ScratchDir dir("plan_report");
    const json plan = plan_document();
    const fs::path png = write_png(dir / "dose.png");
    std::ofstream(dir / "input.ini") << "[x]\n";
    app::ReportContext context;
    context.figures = {{png, "EFD on the CT <through the target>"}};
    context.inputs = {dir / "input.ini"};
    context.case_name = "shoulder phantom";
    const fs::path path = app::write_plan_report(dir.path(), plan, context);
    CHECK(path == dir / "report.html");
    CHECK_FALSE(fs::exists(dir / "report.html.partial"));
    const std::string html = read_text(path);
    check_self_contained(html, 1);

    std::vector<std::string> numbers;
    numbers_of(plan, numbers);
    CHECK(numbers.size() > 60);
    for (const auto& n : numbers) {
        INFO(n);
        CHECK(html.find(n) != std::string::npos);
    }
    CHECK(html.find(lithosim::viz::base64_encode(read_text(png))) != std::string::npos);
    CHECK(html.find("LS-165ab2d04db6") != std::string::npos);
    CHECK(html.find(app::sha1_file(dir / "input.ini")) != std::string::npos);
    // Escaped texts.
    CHECK(html.find("EFD on the CT &lt;through the target&gt;") != std::string::npos);
    CHECK(html.find("10 &amp; more") != std::string::npos);
    // Units as a reader writes them: the note's mJ/mm^2 is shown mJ/mm².
    CHECK(html.find("0.241061 mJ/mm\u00B2 at its highest setting") != std::string::npos);
    CHECK(html.find("mm^2") == std::string::npos);
    // Safety: the warning precedes the checks that passed and the overall verdict.
    const auto safety = html.find("<h2>Safety</h2>");
    REQUIRE(safety != std::string::npos);
    const auto warning = html.find("warning: bone in the beam path", safety);
    const auto passed = html.find("Bone surface: within its limit", safety);
    const auto overall = html.find("overall: safe", safety);
    REQUIRE(warning != std::string::npos);
    REQUIRE(passed != std::string::npos);
    REQUIRE(overall != std::string::npos);
    CHECK(warning < passed);
    CHECK(warning < overall);
    // The first screen: the summary box before any section, with the verdict, the sessions, the primary outcome
    // with its interval, the goal and every warning (the plan's and the safety ones); the research-use line.
    const auto box = html.find("<div class=\"summary\">");
    REQUIRE(box != std::string::npos);
    CHECK(box < html.find("<div class=\"section\">"));
    const std::string first = html.substr(box, html.find("</div>", box) - box);
    for (const char* part : {"ESWT course of 2 session(s)", "2 session(s), 3500 shocks", "day 7: 1500 shocks at level 9.5",
                             "clinical_success_6mo: 50.8 % (95 % interval 9.3 % to 96.3 %)", "21.2 % without treatment",
                             "fragmentation goal", "NOT reached", "the target receives 75 % of the maximum EFD",
                             "safety: bone in the beam path"})
        CHECK(first.find(part) != std::string::npos);
    CHECK(html.find("For research use; not a medical device. lithosim 0.1.0, commit 1d7797e43a2f") < box);
    // Organ doses beside their limits (rounded; the JSON value as the tooltip).
    CHECK(html.find("<td title=\"17.96\">18  (limit 35.5)</td>") != std::string::npos);
    CHECK(html.find("<td title=\"-12.407\">-12.4  (limit none)</td>") != std::string::npos);
    CHECK(html.find("<td>0.09  (limit 0.6)</td>") != std::string::npos);

    // Rendered by a headless browser (Debian's chromium, when installed): at 1280 x 900 px the verdict lies in the
    // first screen and nothing overflows sideways; printed, the PDF has A4 pages.
    if (lithosim::viz::find_browser("chromium").empty()) {
        WARN("chromium not installed: the rendered-report checks are skipped (scripts/install-deps.sh installs it)");
        return;
    }
    {
        std::string probe = html;
        const std::string script =
            "<script>const b = document.querySelector('div.summary p.lead').getBoundingClientRect();"
            "document.body.setAttribute('data-check', [document.documentElement.scrollWidth,"
            "document.documentElement.clientWidth, Math.round(b.bottom), window.innerHeight].join(' '));</script>";
        probe.insert(probe.rfind("</body>"), script);
        std::ofstream(dir / "probe.html") << probe;
        const auto dom = lithosim::viz::render_dom(dir / "probe.html", 1280, 900);
        REQUIRE(dom);
        std::smatch m;
        REQUIRE(std::regex_search(*dom, m, std::regex("data-check=\"([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+)\"")));
        const int scroll = std::stoi(m[1]), client = std::stoi(m[2]), verdict_bottom = std::stoi(m[3]),
                  screen = std::stoi(m[4]);
        INFO("scrollWidth " << scroll << ", clientWidth " << client << ", verdict bottom " << verdict_bottom
                            << " of " << screen << " px");
        CHECK(scroll <= client);
        CHECK(verdict_bottom <= screen);
        CHECK(client > 1000);
    }
    const auto printed = lithosim::viz::print_pdf(path, dir / "report.pdf");
    REQUIRE_FALSE(printed);
    const std::string pdf = read_text(dir / "report.pdf");
    CHECK(pdf.rfind("%PDF", 0) == 0);
    CHECK(std::regex_search(pdf, std::regex("MediaBox \\[0 0 59[45]\\.?[0-9]* 84[12]\\.?[0-9]*\\]")));  // A4
    CHECK_FALSE(fs::exists(dir / "report.pdf.partial"));
    // no printer: one reason, no file
    lithosim::viz::PdfOptions missing;
    missing.browser = "/nonexistent/chromium";
    const auto why = lithosim::viz::print_pdf(path, dir / "none.pdf", missing);
    REQUIRE(why);
    CHECK_THAT(*why, Catch::Contains("not found"));
    CHECK_FALSE(fs::exists(dir / "none.pdf"));
}

TEST_CASE("simulate report: IEC parameters as summary.json has them, warnings, resolved case", "[report][report]") {
    const ScratchDir dir("simulate_report");
    const json summary = summary_document();
    app::ReportContext context;
    context.case_name = "examples/default.ini";
    context.resolved_case = "[grid]\ndims = 3\n# comment\n[source]\ntype = bowl\np0_MPa = 2.5\n";
    const std::string html = read_text(app::write_simulate_report(dir.path(), summary, context));
    check_self_contained(html, 0);
    std::vector<std::string> numbers;
    numbers_of(summary, numbers);
    for (const auto& n : numbers) {
        INFO(n);
        CHECK(html.find(n) != std::string::npos);
    }
    CHECK(html.find("the focus lies &lt;2 cells&gt; from the PML") < html.find("Field parameters"));
    // Device settings from the case, in words with the key the case file writes.
    CHECK(html.find("<th>Amplitude of the wave leaving the source surface (MPa) [p0_MPa]</th><td>2.5</td>") !=
          std::string::npos);
    CHECK(html.find("<pre>[grid]") != std::string::npos);                   // the resolved case, whole
}

TEST_CASE("plan and simulate reports: every key labelled with its unit, no JSON key shown, numbers rounded, frames "
          "named", "[report][report]") {
    const ScratchDir dir("report_labels");
    const json plan = plan_document();
    {
        const auto missing = app::unlabelled_report_keys(plan);
        INFO("keys without a label: " << json(missing).dump());
        CHECK(missing.empty());
    }
    const std::string html = read_text(app::write_plan_report(dir / "plan", plan, {}));
    check_self_contained(html, 0);
    CHECK(html.find("(no label)") == std::string::npos);
    std::set<std::string> keys;
    underscore_keys(plan, keys);
    CHECK(keys.size() > 40);
    for (const auto& k : keys) {
        INFO("JSON key shown: " << k);
        CHECK(html.find(k) == std::string::npos);
    }
    // Labels with units as written and the frame of the position; the unit names of the JSON keys nowhere.
    for (const char* part : {"Centroid (patient LPS, mm)", "EFD at the target (mJ/mm\u00B2)",
                             "p+ at the target (MPa)", "Setting (level)", "Largest EFD per session (mJ/mm\u00B2)",
                             "Clearance size (mm)", "Bone on the beam path (mm): 3.5"}) {
        INFO(part);
        CHECK(html.find(part) != std::string::npos);
    }
    CHECK(html.find("_per_") == std::string::npos);
    // Numbers to 3 significant figures with the JSON value as the tooltip; integers whole.
    CHECK(html.find("<td title=\"23.456\">23.5</td>") != std::string::npos);
    CHECK(html.find("<td title=\"-186.53629514470222, -3.5284022961014117, 181.04239416407557\">-187, -3.53, 181</td>") !=
          std::string::npos);
    CHECK(html.find("<td>2000</td>") != std::string::npos);
    CHECK(html.find("<td title=\"127345.6\">127346</td>") != std::string::npos);
    // Nothing folded in a plan with short tables; no re-plan parts without their keys.
    CHECK(html.find("<details>") == std::string::npos);
    CHECK(html.find("Course history") == std::string::npos);
    CHECK(html.find("What changed") == std::string::npos);
    CHECK(html.find("(done") == std::string::npos);

    const json summary = summary_document();
    {
        const auto missing = app::unlabelled_report_keys(summary);
        INFO("keys without a label: " << json(missing).dump());
        CHECK(missing.empty());
    }
    const std::string sim = read_text(app::write_simulate_report(dir / "simulate", summary, {}));
    check_self_contained(sim, 0);
    CHECK(sim.find("(no label)") == std::string::npos);
    keys.clear();
    underscore_keys(summary, keys);
    for (const auto& k : keys) {
        INFO("JSON key shown: " << k);
        CHECK(sim.find(k) == std::string::npos);
    }
    for (const char* part : {"Focus (beam frame, mm)", "Focal plane z (beam frame, mm)", "Energy in 12 mm disc (mJ)",
                             "EFD at the focus (mJ/mm\u00B2)", "Peak negative pressure p- (MPa)",
                             "<td title=\"64.424992\">64.4</td>", "<td>7700625</td>",
                             "<td title=\"141020617.36984125\">1.41 \u00D7 10\u2078</td>"}) {
        INFO(part);
        CHECK(sim.find(part) != std::string::npos);
    }
}

TEST_CASE("plan report of a re-plan: done sessions and what changed on the first screen, the course history, the "
          "long fragmentation curve folded", "[report][report]") {
    const ScratchDir dir("report_replan");
    json plan = plan_document();
    plan["sessions"][0]["done"] = true;
    plan["sessions"][1]["done"] = false;
    plan["history"] = json::parse(R"([
      {"plan": 1, "folder": "out/plan_1", "day": 0, "kind": "initial",
       "inputs_sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "primary_probability": 0.512},
      {"plan": 2, "folder": "out/plan_2", "day": 42, "kind": "follow_up",
       "inputs_sha256": "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", "primary_probability": 0.4871}])");
    plan["follow_up"] = json::parse(R"({
      "measurements": [{"after_session": 1, "day": 42, "largest_residual_mm": [4.2, 3.1], "fragment_count": 3,
                        "residual_visible": true}],
      "what_changed": ["session 1 given on day 0 as planned", "residual 4.2 x 3.1 mm: the stone is weaker than assumed"],
      "previous_plan": "out/plan_1",
      "posterior": {"stone_strength_scale": 0.8123}})");
    // A curve of hundreds of points, as plan.json has it.
    plan["fragmentation_curve"] = json::array();
    for (int k = 0; k <= 350; ++k)
        plan["fragmentation_curve"].push_back({{"shocks", 10 * k}, {"fraction_cleared", 0.95 * k / 350.0}});
    // The re-plan keys the label table has; the posterior's member is named by the follow-up model and marked.
    CHECK(app::unlabelled_report_keys(plan) == std::vector<std::string>{"follow_up.posterior.stone_strength_scale"});

    const fs::path path = app::write_plan_report(dir.path(), plan, {});
    const std::string html = read_text(path);
    check_self_contained(html, 0);
    std::vector<std::string> numbers;
    numbers_of(plan, numbers);
    for (const auto& n : numbers) {
        INFO(n);
        CHECK(html.find(n) != std::string::npos);
    }

    // The first screen: sessions marked done or planned, what changed, which plan of the course this is.
    const auto box = html.find("<div class=\"summary\">");
    REQUIRE(box != std::string::npos);
    const std::string first = html.substr(box, html.find("</div>", box) - box);
    for (const char* part : {"session 1 (done, day 0): 2000 shocks at level 10", "session 2 (planned, day 7): 1500 shocks",
                             "What changed since the previous plan (out/plan_1)",
                             "<li>session 1 given on day 0 as planned</li>",
                             "<li>residual 4.2 x 3.1 mm: the stone is weaker than assumed</li>",
                             "plan 2 of the course (follow-up, day 42); 2 plan(s) in the course history below",
                             "ESWT course of 2 session(s)"}) {
        INFO(part);
        CHECK(first.find(part) != std::string::npos);
    }
    // What changed comes right under the verdict, before the rows.
    CHECK(first.find("What changed") > first.find("p class=\"lead\""));
    CHECK(first.find("What changed") < first.find("<table"));

    // Course history: the chain, the measurements, the estimates (an unlabelled member marked, not shown raw).
    const auto history = html.find("<h2>Course history</h2>");
    REQUIRE(history != std::string::npos);
    const std::string chain = html.substr(history, html.find("<div class=\"section\">", history) - history);
    for (const char* part : {"<th>Plan</th>", "<th>Inputs (SHA-256)</th>", "out/plan_2", "<td>initial</td>", "<td>follow-up</td>",
                             "<td title=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\">"
                             "0123456789ab\u2026</td>",
                             "<td title=\"0.4871\">0.487</td>", "Largest residual fragment (a \u00D7 b) (mm)",
                             "<td>4.2, 3.1</td>", "Fragments counted", "Previous plan (folder)",
                             "stone_strength_scale (no label)"}) {
        INFO(part);
        CHECK(chain.find(part) != std::string::npos);
    }
    // The sessions table gains a Done column.
    CHECK(html.find("<th>Done</th>") != std::string::npos);

    // The fragmentation curve: a short table on the page, all 351 points folded away.
    const auto curve = html.find("<h2>Fragmentation curve</h2>");
    REQUIRE(curve != std::string::npos);
    const auto folded = html.find("<details><summary>Full table (351 rows)</summary>", curve);
    REQUIRE(folded != std::string::npos);
    const std::string short_part = html.substr(curve, folded - curve);
    CHECK(short_part.find("10 of 351 rows (the first, every 39th and the last)") != std::string::npos);
    CHECK(short_part.find("<td>3500</td>") != std::string::npos);  // the last point
    CHECK(short_part.find("<td>3490</td>") == std::string::npos);  // not every point
    CHECK(html.find("<td>3490</td>", folded) != std::string::npos);

    if (lithosim::viz::find_browser("chromium").empty()) {
        WARN("chromium not installed: the rendered-report checks are skipped (scripts/install-deps.sh installs it)");
        return;
    }
    // Rendered: the verdict stays in the first screen with the re-plan lines above the rows; nothing overflows.
    const auto screen = render_first_screen(dir.path(), html);
    REQUIRE(screen);
    INFO("scrollWidth " << (*screen)[0] << ", clientWidth " << (*screen)[1] << ", verdict bottom " << (*screen)[2]
                        << " of " << (*screen)[3] << " px");
    CHECK((*screen)[0] <= (*screen)[1]);
    CHECK((*screen)[2] <= (*screen)[3]);
    // Printed: the folded table does not stop the PDF (A4 pages).
    REQUIRE_FALSE(lithosim::viz::print_pdf(path, dir / "report.pdf"));
    const std::string pdf = read_text(dir / "report.pdf");
    CHECK(pdf.rfind("%PDF", 0) == 0);
    CHECK(std::regex_search(pdf, std::regex("MediaBox \\[0 0 59[45]\\.?[0-9]* 84[12]\\.?[0-9]*\\]")));
}
