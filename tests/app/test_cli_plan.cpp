// `lithosim plan` as the user meets it: a plan on the shoulder phantom writes plan.json with the contract keys and a
// consistent schedule, plan.h5 with the dose maps and the fragment distributions; an unsafe plan exits 3 and writes no
// plan; bad input exits 2 with one line; the outcomes (issue 13) with their contract keys and the untreated course; no
// shocks give the untreated course. A coarse grid (0.2 mm) keeps these runs short; the phantoms' predictions on the
// default grid against the reference rates are reported by lithosim validate --case planner_phantoms --full.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <iterator>
#include <numbers>

#include "io/ct_import.hpp"
#include "io/dicom_rt.hpp"
#include "report/run_outputs.hpp"
#include "io/json_file.hpp"
#include "io/model_file.hpp"
#include "io/nifti.hpp"
#include "io/plan_file.hpp"
#include "viz/pdf.hpp"
#include "tests/io/dciodvfy.hpp"
#include "tests/app/cli_checks.hpp"
#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::test::CliResult;
using lithosim::test::run_lithosim;
using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> shoulder_plan(std::vector<std::string> extra) {
    std::vector<std::string> a{"plan", "--indication", "tendon", "--phantom", "shoulder", "--dx-mm", "0.2",
                               "--samples", "20", "--threads", "1", "--out", "out"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

void expect_plan_bad_input(const ScratchDir& dir, const std::vector<std::string>& args,
                           const std::vector<std::string>& expected) {
    const CliResult r = run_lithosim(args, dir.path());
    CHECK(lithosim::test::expect_bad_input(r, expected, dir.path()));
    CHECK_FALSE(fs::exists(dir / "out" / "plan.json"));
}

}  // namespace

TEST_CASE("plan on the shoulder phantom writes plan.json with the contract keys and a consistent schedule",
          "[app][cli][plan]") {
    ScratchDir dir("cli_plan");
    const CliResult r = run_lithosim(shoulder_plan({"--dicom-rt", "rt", "--pdf"}), dir.path());
    INFO(r.err);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("session 1") && Catch::Contains("primary    clinical_success_6mo") &&
                          Catch::Contains("verdict"));
    const json p = lithosim::io::read_json(dir / "out" / "plan.json");
    CHECK(p["schema_version"].get<int>() == 1);   // io/schema.hpp: plan_json
    {
        // Every key has a label in the reports (viz/report_labels): none would show as "<key> (no label)".
        const auto unlabelled = lithosim::unlabelled_report_keys(p);
        INFO("keys without a report label: " << nlohmann::json(unlabelled).dump());
        CHECK(unlabelled.empty());
    }
    for (const char* key : {"indication", "device", "endpoint", "sessions", "predicted_success_probability",
                            "success_ci95", "fragmentation_curve", "clearance_size_mm", "oar", "safety", "target",
                            "fidelity", "outcomes", "aim"})
        CHECK(p.contains(key));
    // Outcomes (issue 13 §1, contract keys and names): the tendon's three, the primary one carried by
    // predicted_success_probability, each above the course without treatment.
    std::vector<std::string> names;
    for (const auto& o : p["outcomes"]) {
        for (const char* key : {"name", "horizon_months", "probability", "ci95", "probability_without_treatment",
                                "covariates", "model"})
            CHECK(o.contains(key));
        names.push_back(o["name"].get<std::string>());
        CHECK(o["ci95"][0].get<double>() <= o["probability"].get<double>());
        CHECK(o["probability"].get<double>() <= o["ci95"][1].get<double>());
        CHECK(o["probability"].get<double>() > o["probability_without_treatment"].get<double>());
        CHECK_THAT(o["model"].get<std::string>(), Catch::Contains("fitted to"));
        if (o["name"] == "clinical_success_6mo") {
            CHECK(o["probability"] == p["predicted_success_probability"]);
            CHECK(o["ci95"] == p["success_ci95"]);
        }
    }
    CHECK(names == std::vector<std::string>{"resorption_3mo", "resorption_6mo", "clinical_success_6mo"});
    // Organ doses carry their limits (bone surface: per-shock limits from planning/safety).
    REQUIRE(p["oar"].contains("bone_surface"));
    CHECK(p["oar"]["bone_surface"].contains("limit_p_plus_MPa"));
    CHECK_FALSE(p["oar"]["bone_surface"]["limit_source"].get<std::string>().empty());
    // The CT's calcium score travels with the target, with what it means for the plan (informative only).
    CHECK(p["target"]["agatston_total"].get<double>() > 0);
    CHECK(p["target"]["slice_increment_mm"].get<double>() > 0);
    CHECK_THAT(p["target"]["calcium_score_note"].get<std::string>(), Catch::Contains("informative only"));
    CHECK_THAT(lithosim::test::read_text(dir / "out" / "report.html"), Catch::Contains("informative only"));
    // --pdf: report.pdf beside the HTML where chromium is installed, else one warning and the HTML alone
    if (!lithosim::viz::find_browser("chromium").empty()) {
        CHECK(lithosim::test::read_text(dir / "out" / "report.pdf").rfind("%PDF", 0) == 0);
        CHECK_THAT(r.out, Catch::Contains("report.pdf"));
    } else {
        CHECK_FALSE(fs::exists(dir / "out" / "report.pdf"));
        CHECK_THAT(r.err, Catch::Contains("no PDF printer"));
    }
    // the progress line of the dose runs, on stdout
    CHECK_THAT(r.out, Catch::Contains("plan: dose runs 100 %"));
    // The covariates the tendon model reads: the deposit's type from the CT (the phantom's dense, sharp deposit is
    // type I), the EFD and the energy delivered.
    const json& cov = p["outcomes"][2]["covariates"];
    CHECK(cov["gaertner"].get<double>() == 1.0);
    CHECK(cov["energy_to_deposit_mJ"].get<double>() > 0);
    CHECK(p["patient"]["gaertner_type"] == "I");
    // Aim (issue 13 §5, contract keys).
    for (const char* key : {"focus_offset_mm", "efd_max_to_target_mm", "target_efd_fraction_of_max"})
        CHECK(p["aim"].contains(key));
    CHECK(p["aim"]["target_efd_fraction_of_max"].get<double>() > 0);
    CHECK(p["aim"]["target_efd_fraction_of_max"].get<double>() <= 1.0 + 1e-9);
    CHECK(p["indication"] == "tendon");
    CHECK(p["device"] == "eswt_head");
    CHECK(p["fidelity"] == "fast");
    CHECK(p["target"]["material"] == "hydroxyapatite_dense");
    CHECK(p["target"]["diameter_mm"].get<double>() == Approx(10).epsilon(0.05));
    // Sessions: 1-4, 7-14 days apart, shocks within the protocol's maximum, keys of the contract.
    const auto& s = p["sessions"];
    REQUIRE(s.size() >= 1);
    REQUIRE(s.size() <= 4);
    for (std::size_t i = 0; i < s.size(); ++i) {
        for (const char* key : {"index", "day", "shocks", "setting", "rate_per_min", "efd_target_mJ_per_mm2",
                                "p_plus_target_MPa", "p_minus_target_MPa", "fraction_cleared_after",
                                "p_largest_fragment_above_clearance"})
            CHECK(s[i].contains(key));
        CHECK(s[i]["index"] == int(i) + 1);
        CHECK(s[i]["shocks"].get<int>() >= 1);
        CHECK(s[i]["p_plus_target_MPa"].get<double>() > 0);
        CHECK(s[i]["p_minus_target_MPa"].get<double>() < 0);
        if (i > 0) {
            const int gap = s[i]["day"].get<int>() - s[i - 1]["day"].get<int>();
            CHECK(gap >= 7);
            CHECK(gap <= 14);
            CHECK(s[i]["fraction_cleared_after"].get<double>() >= 0);
        }
    }
    // The curve never goes down and ends where the last session ends.
    const auto& c = p["fragmentation_curve"];
    REQUIRE(c.size() >= 2);
    for (std::size_t i = 1; i < c.size(); ++i) {
        CHECK(c[i]["shocks"].get<int>() >= c[i - 1]["shocks"].get<int>());
    }
    const double prob = p["predicted_success_probability"].get<double>();
    CHECK(prob >= 0);
    CHECK(prob <= 1);
    CHECK(p["success_ci95"][0].get<double>() <= prob + 1e-9);
    CHECK(p["success_ci95"][1].get<double>() >= prob - 1e-9);
    CHECK(p["safety"]["ok"] == true);
    for (const auto& [organ, o] : p["oar"].items()) {
        INFO(organ);
        CHECK(o.contains("max_p_minus_MPa"));
        CHECK(o.contains("max_efd_mJ_per_mm2"));
        CHECK(o["limit_ok"] == true);
    }
    CHECK(p["oar"].contains("bone_surface"));  // the humeral head lies behind the deposit
    // plan.h5: dose maps with the model's labels, and the fragments before and after every session.
    const auto h = lithosim::io::read_plan_h5(dir / "out" / "plan.h5");
    CHECK(h.axisymmetric);
    CHECK(h.p_max.size() == h.labels.size());
    std::size_t target_nodes = 0;
    for (auto t : h.target) target_nodes += t;
    CHECK(target_nodes > 0);
    CHECK(h.sessions.size() == s.size());
    double initial = 0;
    for (std::size_t k = 0; k < h.initial.count.size(); ++k) initial += h.initial.count[k] * std::pow(h.initial.diameter_m[k], 3);
    double after = 0;
    const auto& last = h.sessions.back();
    for (std::size_t k = 0; k < last.count.size(); ++k) after += last.count[k] * std::pow(last.diameter_m[k], 3);
    CHECK(after <= initial * (1 + 1e-9));  // fragments are cleared or kept, never created from nothing
    CHECK(fs::exists(dir / "out" / "model.h5"));
    // What people look at (issue 6): the report with the plan's numbers as plan.json has them, figures, ParaView.
    std::ifstream in(dir / "out" / "report.html");
    const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_FALSE(html.empty());
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find(p["pseudonym"].get<std::string>()) != std::string::npos);
    CHECK(html.find("(no label)") == std::string::npos);
    CHECK(html.find(p["predicted_success_probability"].dump()) != std::string::npos);
    // The device's free field at each simulated setting, in plan.json and in the report.
    REQUIRE(p.contains("device_free_field"));
    REQUIRE(p["device_free_field"].size() == p["target_dose"].size());
    double last_p_plus = 0;
    for (const auto& f : p["device_free_field"]) {
        CHECK(f["p_plus_MPa"].get<double>() > last_p_plus);  // a higher setting, a higher focal pressure
        last_p_plus = f["p_plus_MPa"].get<double>();
        CHECK(f["p_minus_MPa"].get<double>() < 0);
        CHECK(f.contains("focal_zone_6dB_mm"));
        CHECK(f["efd_focus_mJ_per_mm2"].get<double>() > 0);
    }
    const json& top = p["device_free_field"].back();
    CHECK(html.find(top["efd_focus_mJ_per_mm2"].dump()) != std::string::npos);
    for (std::size_t i = 0; i < s.size(); ++i) {
        INFO("session " << i + 1);
        for (const char* key : {"efd_target_mJ_per_mm2", "shocks"}) {
            const std::string cell = std::string(">").append(s[i][key].dump()).append("<");  // a table cell
            CHECK(html.find(cell) != std::string::npos);
        }
    }
    std::size_t images = 0;
    for (std::size_t at = html.find("src=\"data:image/png;base64,"); at != std::string::npos;
         at = html.find("src=\"data:image/png;base64,", at + 1))
        ++images;
    CHECK(images == 6);  // dose on the model, fragmentation curve, fragment sizes, timeline, EFD and p+ dose-volume
    for (const char* f : {"figures/plan_dose_on_model.png", "figures/plan_fragmentation.png", "figures/plan_dvh_efd.png",
                          "figures/plan_dvh_p_plus.png", "paraview/dose.vti", "paraview/model.vti",
                          "paraview/README.txt"})
        CHECK(fs::exists(dir / "out" / f));

    // Dose-volume tables (issue 14 §3, plan.json `dvh`, contract): per structure on the maps of plan.h5 (one shock at
    // the treatment setting); recomputed here from plan.h5 with the ring volumes 2 pi r dr dz.
    const json& dvh = p["dvh"];
    CHECK(dvh["setting"].get<double>() == Approx(h.setting));
    for (const char* name : {"target", "bone_surface"}) REQUIRE(dvh["structures"].contains(name));
    const auto efd_levels = dvh["efd_levels_mJ_per_mm2"].get<std::vector<double>>();
    const auto p_levels = dvh["p_plus_levels_MPa"].get<std::vector<double>>();
    for (const auto& [name, st] : dvh["structures"].items()) {
        INFO(name);
        const auto fe = st["efd_fraction_above"].get<std::vector<double>>();
        const auto fp = st["p_plus_fraction_above"].get<std::vector<double>>();
        REQUIRE(fe.size() == efd_levels.size());
        REQUIRE(fp.size() == p_levels.size());
        for (std::size_t l = 1; l < fe.size(); ++l) CHECK(fe[l] <= fe[l - 1]);
        CHECK(st["volume_mm3"].get<double>() > 0);
    }
    {
        const json& t = dvh["structures"]["target"];
        double volume = 0, above = 0, max_p = 0;
        const double dr = h.p_max.spacing_m[0], dz = h.p_max.spacing_m[2];
        for (std::size_t k = 0; k < h.p_max.nz; ++k)
            for (std::size_t i = 0; i < h.p_max.nx; ++i) {
                const std::size_t q = i + h.p_max.nx * k;
                if (!h.target[q]) continue;
                const double rr = h.p_max.origin_m[0] + double(i) * dr;
                const double w = (rr > 0 ? 2 * std::numbers::pi * rr * dr : std::numbers::pi * dr * dr / 4) * dz;
                volume += w;
                if (h.p_max.values[q] >= p_levels[2] * 1e6) above += w;
                max_p = std::max(max_p, double(h.p_max.values[q]));
            }
        CHECK(t["volume_mm3"].get<double>() == Approx(volume * 1e9).epsilon(1e-3));
        CHECK(t["p_plus_fraction_above"][2].get<double>() == Approx(above / volume).margin(1e-3));
        CHECK(t["max_p_plus_MPa"].get<double>() == Approx(max_p * 1e-6).margin(1e-3));
        // The target's largest p+ is the one the dose table reports at that setting.
        for (const auto& run : p["target_dose"])
            if (std::abs(run["setting"].get<double>() - h.setting) < 1e-9)
                CHECK(t["max_p_plus_MPa"].get<double>() == Approx(run["max_p_plus_target_MPa"].get<double>()).margin(2e-3));
        // The phantom's target sees the focus: part of it above 5 MPa, none of it above the largest level.
        CHECK(t["p_plus_fraction_above"][2].get<double>() > 0);
        CHECK(t["p_plus_fraction_above"].back().get<double>() == 0.0);
    }

    // DICOM-RT (issue 14 §3, --dicom-rt, contract): every file passes dciodvfy and reads back through GDCM; the EFD
    // per shock at the target's place in patient coordinates is the plan's EFD at the target centre; the course is
    // the sum of the sessions.
    REQUIRE(p.contains("dicom_rt"));
    const auto& files = p["dicom_rt"]["files"];
    REQUIRE(files.size() == 2 + s.size() + 1);
    const bool validate = lithosim::test::have_dciodvfy();
    if (!validate) WARN("dciodvfy not installed (Debian package dicom3tools, scripts/install-deps.sh): skipped");
    std::vector<lithosim::io::RtDoseRead> read;
    for (const auto& f : files) {
        const fs::path file = dir / "rt" / f["file"].get<std::string>();
        INFO(file);
        if (validate) {
            const auto report = lithosim::test::run_dciodvfy(file);
            INFO(report.text);
            CHECK(report.errors.empty());
        }
        read.push_back(lithosim::io::read_rt_dose(file));
        CHECK(read.back().dose_units == "RELATIVE");
        CHECK(read.back().volume.unit == f["unit"].get<std::string>());
        CHECK(read.back().frame_of_reference_uid == p["dicom_rt"]["frame_of_reference_uid"].get<std::string>());
    }
    const lithosim::io::ModelFile model = lithosim::io::read_model_h5(dir / "out" / "model.h5");
    auto value_at_patient = [](const lithosim::io::RtDoseVolume& v, const std::array<double, 3>& x_mm) {
        std::array<double, 3> idx{};
        for (int a = 0; a < 3; ++a) {
            double d = 0;
            for (int c = 0; c < 3; ++c) d += (x_mm[c] - v.origin_mm[c]) * v.axes[a][c];
            idx[a] = std::round(d / v.spacing_mm[a]);
        }
        REQUIRE(idx[0] >= 0);
        REQUIRE(idx[1] >= 0);
        REQUIRE(idx[2] >= 0);
        REQUIRE(idx[0] < double(v.nx));
        REQUIRE(idx[1] < double(v.ny));
        REQUIRE(idx[2] < double(v.nz));
        return double(v.values[std::size_t(idx[0]) + v.nx * (std::size_t(idx[1]) + v.ny * std::size_t(idx[2]))]);
    };
    double efd_centre = 0;
    for (const auto& run : p["target_dose"])
        if (std::abs(run["setting"].get<double>() - h.setting) < 1e-9)
            efd_centre = run["efd_target_centre_mJ_per_mm2"].get<double>();
    REQUIRE(efd_centre > 0);
    CHECK(value_at_patient(read[0].volume, model.target_patient_mm) == Approx(efd_centre).epsilon(0.1));
    const auto& course = read.back().volume;
    double worst = 0, course_max = 0;
    for (std::size_t q = 0; q < course.values.size(); ++q) {
        double sum = 0;
        for (std::size_t k = 2; k + 1 < read.size(); ++k) sum += read[k].volume.values[q];
        worst = std::max(worst, std::abs(sum - course.values[q]));
        course_max = std::max(course_max, double(course.values[q]));
    }
    CHECK(course_max > 0);
    CHECK(worst <= 1e-4 * course_max);

    // The RT Structure Set (structures.dcm): passes dciodvfy; in the dose files' study and frame of reference; the
    // target (GTV) and the organs at risk plan.json lists; the target's contours enclose the target mask of the same
    // grid (patient/target_mask.nii: area x frame spacing = its voxels x voxel volume, within the rounding of the
    // points to 5e-5 mm; one voxel is 2e-4 of the target) around the target's place.
    REQUIRE(p["dicom_rt"].contains("structure_set"));
    const fs::path structures = dir / "rt" / p["dicom_rt"]["structure_set"]["file"].get<std::string>();
    REQUIRE(fs::exists(structures));
    if (validate) {
        const auto report = lithosim::test::run_dciodvfy(structures);
        INFO(report.text);
        CHECK(report.errors.empty());
    }
    const lithosim::io::RtStructureSetRead rs = lithosim::io::read_rt_structure_set(structures);
    CHECK(rs.frame_of_reference_uid == read[0].frame_of_reference_uid);
    CHECK(rs.study_uid == read[0].study_uid);
    std::vector<std::string> roi_names;
    for (const auto& roi : rs.rois) roi_names.push_back(roi.name);
    CHECK(roi_names == p["dicom_rt"]["structure_set"]["rois"].get<std::vector<std::string>>());
    const lithosim::io::RtRoi* target_roi = nullptr;
    for (const auto& roi : rs.rois) {
        INFO(roi.name);
        if (roi.name == "target") target_roi = &roi;
        else CHECK((roi.interpreted_type == "ORGAN" || roi.interpreted_type == "AVOIDANCE"));
    }
    REQUIRE(target_roi != nullptr);
    CHECK(target_roi->interpreted_type == "GTV");
    REQUIRE(!target_roi->contours.empty());
    const auto& grid = read[0].volume;
    double area = 0;
    std::array<double, 3> moment{0, 0, 0};
    for (const auto& c : target_roi->contours) {
        // Fan triangles from the first point: signed area about the frames' normal, and their centroids.
        const auto& o = c.points_mm.front();
        for (std::size_t q = 1; q + 1 < c.points_mm.size(); ++q) {
            const auto& a = c.points_mm[q];
            const auto& b = c.points_mm[q + 1];
            const std::array<double, 3> u = {a[0] - o[0], a[1] - o[1], a[2] - o[2]},
                                        w = {b[0] - o[0], b[1] - o[1], b[2] - o[2]};
            const std::array<double, 3> n = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2],
                                             u[0] * w[1] - u[1] * w[0]};
            const double t = 0.5 * (n[0] * grid.axes[2][0] + n[1] * grid.axes[2][1] + n[2] * grid.axes[2][2]);
            area += t;
            for (int m = 0; m < 3; ++m) moment[m] += t * (o[m] + a[m] + b[m]) / 3;
        }
    }
    std::size_t target_voxels = 0;
    for (float x : lithosim::io::read_nifti(dir / "out" / "patient" / "target_mask.nii").values) target_voxels += x > 0;
    REQUIRE(target_voxels > 0);
    CHECK(area * grid.spacing_mm[2] ==
          Approx(double(target_voxels) * grid.spacing_mm[0] * grid.spacing_mm[1] * grid.spacing_mm[2]).epsilon(1e-4));
    for (int m = 0; m < 3; ++m) CHECK(moment[m] / area == Approx(model.target_patient_mm[m]).margin(2 * grid.spacing_mm[0]));

    // NIfTI copies (out/patient/): the sform puts the target's patient position (LPS -> RAS) on a voxel of the
    // target mask whose EFD is the plan's EFD at the target centre.
    auto nifti_at = [](const lithosim::io::NiftiHeader& n, const std::array<double, 3>& lps) {
        const std::array<double, 3> ras = {-lps[0], -lps[1], lps[2]};
        std::array<double, 3> idx{};
        for (int m = 0; m < 3; ++m) {
            double dot = 0, norm = 0;
            for (int r = 0; r < 3; ++r) dot += (ras[r] - n.srow[r][3]) * n.srow[r][m], norm += n.srow[r][m] * n.srow[r][m];
            idx[m] = std::round(dot / norm);
        }
        REQUIRE(idx[0] >= 0);
        REQUIRE(idx[1] >= 0);
        REQUIRE(idx[2] >= 0);
        REQUIRE(idx[0] < double(n.nx));
        REQUIRE(idx[1] < double(n.ny));
        REQUIRE(idx[2] < double(n.nz));
        return double(n.values[std::size_t(idx[0]) + n.nx * (std::size_t(idx[1]) + n.ny * std::size_t(idx[2]))]);
    };
    const auto nifti_efd = lithosim::io::read_nifti(dir / "out" / "patient" / "efd_per_shock.nii");
    CHECK(nifti_efd.sform_code == 1);
    CHECK(nifti_at(nifti_efd, model.target_patient_mm) == Approx(efd_centre).epsilon(0.1));
    const auto nifti_target = lithosim::io::read_nifti(dir / "out" / "patient" / "target_mask.nii");
    CHECK(nifti_at(nifti_target, model.target_patient_mm) == 1.0);
}

TEST_CASE("a plan on a model from a DICOM CT writes its DICOM-RT files in the CT's frame of reference",
          "[app][cli][plan]") {
    // The shoulder phantom written as a DICOM series, a coarse model built from it, a plan on that model.
    ScratchDir dir("cli_plan_ct_frame");
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "b");
    CliResult r = run_lithosim({"model", "--phantom", "shoulder", "--write-dicom", "dicom", "--out", "a/model.h5",
                                "--dx-mm", "1", "--lateral-mm", "10", "--threads", "1"},
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json a = lithosim::io::read_json(dir / "a" / "summary.json");
    CHECK(a["frame_of_reference_uid"].is_null());   // a phantom has none
    auto point = [](const json& p) {
        return std::to_string(p[0].get<double>()) + "," + std::to_string(p[1].get<double>()) + "," +
               std::to_string(p[2].get<double>());
    };
    r = run_lithosim({"model", "--ct", "dicom", "--target-point-mm", point(a["target_centroid_mm"]),
                      "--source-position-mm", point(a["source_position_mm"]), "--out", "b/model.h5", "--dx-mm", "1",
                      "--lateral-mm", "10", "--threads", "1"},
                     dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string ct_frame = lithosim::io::read_ct(dir / "dicom").frame_of_reference_uid;
    REQUIRE(!ct_frame.empty());
    const json b = lithosim::io::read_json(dir / "b" / "summary.json");
    CHECK(b["frame_of_reference_uid"] == ct_frame);
    r = run_lithosim({"plan", "--indication", "tendon", "--model", "b/model.h5", "--dx-mm", "0.2", "--samples", "20",
                      "--threads", "1", "--no-pictures", "--dicom-rt", "rt", "--out", "out"},
                     dir.path());
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    const json p = lithosim::io::read_json(dir / "out" / "plan.json");
    CHECK(p["dicom_rt"]["frame_of_reference_uid"] == ct_frame);
    CHECK(lithosim::io::read_rt_dose(dir / "rt" / "efd_per_shock.dcm").frame_of_reference_uid == ct_frame);
    CHECK(lithosim::io::read_rt_structure_set(dir / "rt" / "structures.dcm").frame_of_reference_uid == ct_frame);
}

TEST_CASE("a plan that cannot be kept within the organ limits exits 3 and writes no plan", "[app][cli][plan]") {
    ScratchDir dir("cli_plan_unsafe");
    const CliResult r = run_lithosim(shoulder_plan({"--limit", "bone_surface.max_p_plus_MPa=0.01"}), dir.path());
    INFO(r.out);
    CHECK(r.exit_code == 3);
    CHECK(r.signal == 0);
    REQUIRE(r.err_lines().size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("lithosim: error: no safe plan: ") && Catch::Contains("bone_surface"));
    CHECK_FALSE(fs::exists(dir / "out" / "plan.json"));
    CHECK_FALSE(fs::exists(dir / "out" / "plan.h5"));
}

TEST_CASE("bad plan input exits 2 with one line", "[app][cli][plan]") {
    ScratchDir dir("cli_plan_bad");
    expect_plan_bad_input(dir, {"plan", "--indication", "kidney", "--phantom", "shoulder", "--out", "out"},
                          {"kidney", "tendon"});
    expect_plan_bad_input(dir, {"plan", "--phantom", "shoulder", "--out", "out"}, {"--indication"});
    expect_plan_bad_input(dir, {"plan", "--indication", "tendon", "--out", "out"}, {"--phantom", "--model"});
    expect_plan_bad_input(dir, {"plan", "--indication", "tendon", "--phantom", "shoulder", "--model", "m.h5", "--out",
                                "out"},
                          {"exclude"});
    expect_plan_bad_input(dir, {"plan", "--indication", "tendon", "--ct", "dicom", "--out", "out"},
                          {"--target-point-mm"});
    expect_plan_bad_input(dir, shoulder_plan({"--efd-mJ-per-mm2", "0.7"}), {"--efd-mJ-per-mm2", "0.7"});
    expect_plan_bad_input(dir, shoulder_plan({"--sessions", "0"}), {"--sessions", "0"});
    expect_plan_bad_input(dir, shoulder_plan({"--max-shocks-per-session", "-5"}), {"--max-shocks-per-session"});
    expect_plan_bad_input(dir, shoulder_plan({"--material", "granite"}), {"granite"});
    expect_plan_bad_input(dir, shoulder_plan({"--fidelity", "medium"}), {"--fidelity", "medium"});
    expect_plan_bad_input(dir, shoulder_plan({"--gaertner-type", "IV"}), {"--gaertner-type", "IV", "I, II or III"});
    expect_plan_bad_input(dir, shoulder_plan({"--stone-count", "3"}), {"--stone-count", "gallbladder"});
    expect_plan_bad_input(dir, shoulder_plan({"--bile-acid", "maybe"}), {"--bile-acid", "maybe", "yes or no"});
    expect_plan_bad_input(dir, shoulder_plan({"--gallbladder-function", "weak"}), {"--gallbladder-function", "weak"});
    expect_plan_bad_input(dir, shoulder_plan({"--plaque-arc-deg", "90"}), {"--plaque-arc-deg", "femoral"});
    expect_plan_bad_input(dir, shoulder_plan({"--device", "ivl_emitter"}), {"ivl_emitter", "vascular"});
    {
        std::ofstream(dir / "rt_exists") << "x";
        expect_plan_bad_input(dir, shoulder_plan({"--dicom-rt", "rt_exists"}), {"--dicom-rt", "rt_exists", "exists"});
    }
    expect_plan_bad_input(dir, {"plan", "--indication", "gallbladder", "--phantom", "gallbladder", "--stone-count", "7",
                                "--out", "out"},
                          {"--stone-count", "7"});
    // The ESWT head cannot reach the gallbladder stone 68 mm deep.
    expect_plan_bad_input(dir, {"plan", "--indication", "gallbladder", "--phantom", "gallbladder", "--device",
                                "eswt_head", "--out", "out"},
                          {"eswt_head", "cannot reach"});
    // Nothing was left behind by any of them: no plan, no model, no half-written file.
    std::size_t files = 0;
    if (fs::exists(dir / "out"))
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "out")) ++files;
    CHECK(files == 0);
}

TEST_CASE("no shocks: the plan is the untreated course, and the outcomes say so", "[app][cli][plan]") {
    ScratchDir dir("cli_plan_none");
    const CliResult r = run_lithosim(shoulder_plan({"--max-shocks-per-session", "0"}), dir.path());
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    const json p = lithosim::io::read_json(dir / "out" / "plan.json");
    CHECK(p["sessions"].empty());
    {
        // Every key has a label in the reports (viz/report_labels): none would show as "<key> (no label)".
        const auto unlabelled = lithosim::unlabelled_report_keys(p);
        INFO("keys without a report label: " << nlohmann::json(unlabelled).dump());
        CHECK(unlabelled.empty());
    }

    for (const auto& o : p["outcomes"]) {
        INFO(o["name"]);
        CHECK(o["probability"] == o["probability_without_treatment"]);
    }
    CHECK_THAT(p["verdict"].get<std::string>(), Catch::Contains("no shocks planned"));
}

TEST_CASE("vascular with the intravascular emitter: one procedure, fracture then procedural success, above PTA",
          "[app][cli][plan]") {
    // The femoral phantom's plaque (150 degrees, about 1.5 mm thick) treated from inside the artery: no field is
    // simulated (the pulse at the vessel wall follows from the emitter), so this runs in seconds.
    ScratchDir dir("cli_plan_ivl");
    const CliResult r = run_lithosim({"plan", "--indication", "vascular", "--phantom", "femoral", "--device",
                                      "ivl_emitter", "--samples", "50", "--out", "out"},
                                     dir.path());
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    const json p = lithosim::io::read_json(dir / "out" / "plan.json");
    CHECK(p["device"] == "ivl_emitter");
    {
        // Every key has a label in the reports (viz/report_labels): none would show as "<key> (no label)".
        const auto unlabelled = lithosim::unlabelled_report_keys(p);
        INFO("keys without a report label: " << nlohmann::json(unlabelled).dump());
        CHECK(unlabelled.empty());
    }

    REQUIRE(p["sessions"].size() == 1);
    CHECK(p["sessions"][0]["shocks"] == 240);
    CHECK(p["aim"].is_null());
    REQUIRE(p["outcomes"].size() == 2);
    CHECK(p["outcomes"][0]["name"] == "calcium_fracture");
    CHECK(p["outcomes"][1]["name"] == "procedural_success");
    // Above the balloon alone (PTA) and in the range of the trial the model was fitted to.
    CHECK(p["outcomes"][0]["probability"].get<double>() > p["outcomes"][0]["probability_without_treatment"].get<double>());
    const double success = p["predicted_success_probability"].get<double>();
    CHECK(success > p["outcomes"][1]["probability_without_treatment"].get<double>());
    CHECK(success > 0.5);
    CHECK(success < 0.85);
    CHECK(p["patient"]["intravascular"] == true);
    const auto h = lithosim::io::read_plan_h5(dir / "out" / "plan.h5");
    CHECK(h.p_max.values.empty());   // no field simulated, no map written
    CHECK(h.sessions.size() == 1);
    CHECK(fs::exists(dir / "out" / "report.html"));
    // One setting: an EFD prescription does not apply and is not reported as out of the device's reach.
    for (const auto& w : p["warnings"]) CHECK_THAT(w.get<std::string>(), !Catch::Contains("above what the device"));
}

TEST_CASE("validate planner_phantoms: the tendon plan on the shoulder phantom against the reference rate",
          "[app][cli][plan][slow]") {
    // The reference rate is a validation target, never fitted (issue 13 §2): the case reports the prediction with its
    // interval against 85 % +- 10 points, and a miss is a finding, not a failed run (exit 1 when a row misses).
    ScratchDir dir("cli_plan_validate");
    const CliResult r = run_lithosim({"validate", "--case", "planner_phantoms", "--json", "table.json"}, dir.path());
    INFO(r.out << r.err);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    CHECK(r.signal == 0);
    const json t = lithosim::io::read_json(dir / "table.json");
    const json& rows = t["rows"];
    REQUIRE(rows.size() == 1);
    CHECK_THAT(rows[0]["quantity"].get<std::string>(),
               Catch::Contains("tendon on the shoulder phantom") && Catch::Contains("95 %") &&
                   Catch::Contains("without treatment"));
    CHECK(rows[0]["reference"].get<double>() == 85.0);
    CHECK(rows[0]["tolerance"].get<double>() == 10.0);
    CHECK(rows[0]["simulated"].get<double>() > 0);
    CHECK(rows[0]["simulated"].get<double>() < 100);
    CHECK(rows[0]["pass"] == (rows[0]["error"].get<double>() <= 10.0));
    CHECK(t["all_pass"] == (r.exit_code == 0));
}

TEST_CASE("follow-up: the course re-planned from the ultrasound, with history and done sessions; bad follow-ups exit 2",
          "[app][cli][plan][follow_up]") {
    ScratchDir dir("cli_plan_follow_up");
    const CliResult first = run_lithosim(shoulder_plan({"--no-pictures"}), dir.path());
    REQUIRE(first.exit_code == 0);
    const json plan = json::parse(std::ifstream(dir / "out" / "plan.json"));
    REQUIRE(plan["sessions"].size() == 3);
    CHECK(plan["history"].size() == 1);
    CHECK(plan["sessions"][0]["done"] == false);
    const auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
    const auto entry = [](double a, double b, int count, bool visible, int day = 7, int after = 1) {
        return "{\"follow_ups\": [{\"after_session\": " + std::to_string(after) + ", \"day\": " + std::to_string(day) +
               ", \"largest_residual_mm\": [" + std::to_string(a) + ", " + std::to_string(b) +
               "], \"fragment_count\": " + std::to_string(count) + ", \"residual_visible\": " +
               (visible ? "true" : "false") + "}]}";
    };
    write("larger.json", entry(11, 10.5, 1, true));
    write("smaller.json", entry(4, 3.5, 4, true));
    write("none.json", entry(0, 0, 0, false));
    std::map<std::string, json> re;
    for (const char* name : {"larger", "smaller", "none"}) {
        std::vector<std::string> args{"plan", "--follow-up", std::string(name) + ".json", "--previous", "out",
                                      "--out", std::string("re_") + name};
        if (std::string(name) != "larger") args.push_back("--no-pictures");   // the larger one gets its report
        const CliResult r = run_lithosim(args, dir.path());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        re[name] = json::parse(std::ifstream(dir / (std::string("re_") + name) / "plan.json"));
    }
    const auto shocks_left = [](const json& p) {
        int n = 0;
        for (const auto& s : p["sessions"])
            if (!s["done"].get<bool>()) n += s["shocks"].get<int>();
        return n;
    };
    const double before = plan["predicted_success_probability"];
    // More residual than predicted: more shocks to come, a lower probability; less: the opposite; none: the end.
    CHECK(shocks_left(re["larger"]) > shocks_left(re["smaller"]));
    CHECK(re["larger"]["predicted_success_probability"].get<double>() < before);
    CHECK(re["smaller"]["predicted_success_probability"].get<double>() >
          re["larger"]["predicted_success_probability"].get<double>());
    CHECK(shocks_left(re["none"]) == 0);
    CHECK(re["none"]["follow_up"]["course_ends"] == true);
    for (const auto& [name, p] : re) {
        INFO(name);
        // Course-wide indices, the first done; at most 4 sessions; 7-14 days apart.
        CHECK(p["sessions"][0]["index"] == 1);
        CHECK(p["sessions"][0]["done"] == true);
        CHECK(p["sessions"].size() <= 4);
        for (std::size_t i = 1; i < p["sessions"].size(); ++i) {
            CHECK(p["sessions"][i]["index"].get<int>() == int(i) + 1);
            const int gap = p["sessions"][i]["day"].get<int>() - p["sessions"][i - 1]["day"].get<int>();
            CHECK((gap >= 7 && gap <= 14));
        }
        REQUIRE(p["history"].size() == 2);
        CHECK(p["history"][1]["kind"] == "follow_up");
        CHECK(p["history"][1]["day"] == 7);
        CHECK(p["history"][1]["inputs"]["follow_up"].get<std::string>().size() == 40);
        CHECK(p["follow_up"]["what_changed"].size() >= 3);
        CHECK(p["outcomes"].size() == 3);
    }
    // The re-plan's report: what changed first, the session done marked, every key labelled.
    {
        std::ifstream in(dir / "re_larger" / "report.html");
        const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(html.find("What changed since the previous plan") != std::string::npos);
        CHECK(html.find("session 1 (done, day 0)") != std::string::npos);
        CHECK(html.find("Course history") != std::string::npos);
        const auto unlabelled = lithosim::unlabelled_report_keys(re["larger"]);
        INFO("keys without a report label: " << json(unlabelled).dump());
        CHECK(unlabelled.empty());
    }
    // A chain: a second follow-up after session 2 continues the re-plan, history grows.
    write("second.json", entry(5, 4, 3, true, 14, 2));
    const CliResult chain = run_lithosim({"plan", "--follow-up", "second.json", "--previous", "re_larger", "--out",
                                          "re_second", "--no-pictures"},
                                         dir.path());
    INFO(chain.err);
    REQUIRE(chain.exit_code == 0);
    const json second = json::parse(std::ifstream(dir / "re_second" / "plan.json"));
    CHECK(second["history"].size() == 3);
    CHECK(second["sessions"][1]["done"] == true);
    CHECK(second["follow_up"]["measurements"].size() == 2);

    // Bad follow-ups: one line, exit 2, nothing written.
    write("too_big.json", entry(30, 25, 1, true));
    write("negative.json", entry(-3, 2, 1, true));
    write("early.json", entry(5, 4, 2, true, 0));
    write("broken.json", "{\"follow_ups\": [");
    const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> bad = {
        {{"too_big.json"}, {"larger than the intact target"}},
        {{"negative.json"}, {"negative"}},
        {{"early.json"}, {"not after session 1"}},
        {{"broken.json"}, {"--follow-up"}},
        {{"missing.json"}, {"missing.json"}},
    };
    for (const auto& [file, words] : bad) {
        const CliResult r = run_lithosim({"plan", "--follow-up", file[0], "--previous", "out", "--out", "re_bad"},
                                         dir.path());
        CHECK(lithosim::test::expect_bad_input(r, words, dir.path()));
        CHECK_FALSE(fs::exists(dir / "re_bad"));
    }
    const CliResult no_previous = run_lithosim({"plan", "--follow-up", "larger.json", "--out", "re_bad"}, dir.path());
    CHECK(lithosim::test::expect_bad_input(no_previous, {"--previous"}, dir.path()));
    const CliResult with_phantom = run_lithosim({"plan", "--follow-up", "larger.json", "--previous", "out",
                                                 "--phantom", "shoulder", "--out", "re_bad"},
                                                dir.path());
    CHECK(lithosim::test::expect_bad_input(with_phantom, {"--phantom", "earlier plan"}, dir.path()));
    CHECK_FALSE(fs::exists(dir / "re_bad"));
}
