// `lithosim model` as the user meets it: phantoms become model files with the contract summary keys, a phantom
// written as DICOM and read back gives the same target and scores (issue 4 §6 round trips), the model file runs
// in `simulate` through [medium] model, and bad input exits 2 with one line and writes nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "io/json_file.hpp"
#include "io/model_file.hpp"
#include "io/result_file.hpp"
#include "tests/app/cli_checks.hpp"
#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::test::CliResult;
using lithosim::test::expect_bad_input;
using lithosim::test::run_lithosim;
using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string point(const json& p) {
    return std::to_string(p[0].get<double>()) + "," + std::to_string(p[1].get<double>()) + "," +
           std::to_string(p[2].get<double>());
}

double dist(const json& a, const json& b) {
    double s = 0;
    for (int i = 0; i < 3; ++i) s += std::pow(a[i].get<double>() - b[i].get<double>(), 2);
    return std::sqrt(s);
}

/// Bad input of `lithosim model`: one line naming `expected`, exit 2, no model.h5 or summary.json.
void expect_model_bad_input(const ScratchDir& dir, std::vector<std::string> args,
                            const std::vector<std::string>& expected) {
    args.insert(args.begin(), "model");
    args.insert(args.end(), {"--out", "model.h5"});
    const CliResult r = run_lithosim(args, dir.path());
    CHECK(expect_bad_input(r, expected, dir.path()));
    CHECK_FALSE(fs::exists(dir / "model.h5"));
    CHECK_FALSE(fs::exists(dir / "model.h5.partial"));
}

}  // namespace

TEST_CASE("model --phantom shoulder writes model.h5 and summary.json with the contract keys", "[app][cli][model]") {
    ScratchDir dir("cli_model_shoulder");
    const CliResult r = run_lithosim({"model", "--phantom", "shoulder", "--out", "model.h5", "--threads", "1"},
                                     dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("target") && Catch::Contains("Agatston"));
    const json s = lithosim::io::read_json(dir / "summary.json");
    CHECK(s["schema_version"].get<int>() == 1);   // io/schema.hpp: model_summary_json
    for (const char* key : {"target_volume_mm3", "target_diameter_mm", "target_centroid_mm", "target_peak_HU",
                            "target_mean_HU", "agatston_total", "agatston_per_lesion", "volume_score_mm3", "labels",
                            "mapping"})
        CHECK(s.contains(key));
    // The default deposit is a 10 mm sphere: 523.6 mm^3 within the staircase of 0.5 mm voxels.
    const double nominal = std::numbers::pi / 6 * 1000;
    CHECK(s["target_volume_mm3"].get<double>() == Approx(nominal).epsilon(0.10));
    CHECK(s["target_diameter_mm"].get<double>() == Approx(10).epsilon(0.04));
    CHECK(s["target_peak_HU"].get<double>() >= s["target_mean_HU"].get<double>());
    CHECK(s["target_mean_HU"].get<double>() > 400);  // the deposit, not the tendon around it
    CHECK(s["agatston_total"].get<double>() > 0);
    CHECK(s["agatston_per_lesion"].size() >= 1);
    CHECK(s["labels"]["calcification"].get<long>() > 0);
    CHECK(s["labels"]["water"].get<long>() > 0);  // the coupling path before the skin
    CHECK(s["mapping"] == "hounsfield");
    // Covariates (issue 13): one deposit, dense and sharply outlined (Gaertner type I), no plaque.
    CHECK(s["stone_count"] == 1);
    REQUIRE(s.contains("target_morphology"));
    const json& morph = s["target_morphology"];
    CHECK(morph["gaertner_type"] == 1);
    CHECK(morph["edge_sharpness"].get<double>() > 0.95);
    CHECK(morph["mean_HU"].get<double>() == Approx(s["target_mean_HU"].get<double>()));
    CHECK(morph["peak_HU"].get<double>() == Approx(s["target_peak_HU"].get<double>()));
    CHECK_THAT(morph["rule"].get<std::string>(), Catch::Contains("400") && Catch::Contains("0.5"));
    CHECK_FALSE(s.contains("plaque"));
    // The model file holds the same target at (0, 0, L) in the beam frame, and no identifier beyond the pseudonym.
    const auto m = lithosim::io::read_model_h5(dir / "model.h5");
    CHECK(m.target_m[2] * 1e3 == Approx(s["beam_path_mm"].get<double>()));
    CHECK(m.pseudonym == s["pseudonym"]);
    CHECK(m.mapping == "hounsfield");
    CHECK(json::parse(m.summary_json)["target_morphology"] == morph);  // kept in the model file
    const std::size_t axis = (m.grid.nx - 1) / 2;
    const std::size_t kt = std::size_t(std::lround(m.target_m[2] / m.grid.dx_m));
    const std::size_t n = axis + m.grid.nx * (axis + m.grid.ny * kt);
    CHECK(m.grid.target[n] == 1);
    CHECK(m.grid.c[n] > 2000.0f);   // calcification: stiff
    CHECK(m.grid.c[m.grid.nx * (axis + m.grid.ny * 0) + axis] == Approx(m.coupling[1]));  // water at the source
    // Pictures beside model.h5 (issue 6): the CT figures and the ParaView files.
    for (const char* f : {"figures/model_along_beam.png", "figures/model_across_beam.png", "paraview/model.vti",
                          "paraview/model_axisymmetric.vti", "paraview/README.txt"})
        CHECK(fs::exists(dir / f));
}

TEST_CASE("phantom -> DICOM -> model recovers the target volume and Agatston score within 5 %", "[app][cli][model]") {
    for (const std::string phantom : {"shoulder", "gallbladder", "bile_duct", "femoral"}) {
        DYNAMIC_SECTION(phantom) {
            ScratchDir dir("cli_model_roundtrip");
            fs::create_directories(dir / "a");
            fs::create_directories(dir / "b");
            CliResult r = run_lithosim({"model", "--phantom", phantom, "--write-dicom", "dicom", "--out",
                                        "a/model.h5", "--dx-mm", "1", "--lateral-mm", "10", "--threads", "1"},
                                       dir.path());
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const json a = lithosim::io::read_json(dir / "a" / "summary.json");
            r = run_lithosim({"model", "--ct", "dicom", "--target-point-mm", point(a["target_centroid_mm"]),
                              "--source-position-mm", point(a["source_position_mm"]), "--out", "b/model.h5",
                              "--dx-mm", "1", "--lateral-mm", "10", "--threads", "1"},
                             dir.path());
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const json b = lithosim::io::read_json(dir / "b" / "summary.json");
            CHECK(b["input_format"] == "dicom");
            CHECK(b["target_volume_mm3"].get<double>() == Approx(a["target_volume_mm3"].get<double>()).epsilon(0.05));
            CHECK(b["agatston_total"].get<double>() == Approx(a["agatston_total"].get<double>()).epsilon(0.05));
            CHECK(b["target_peak_HU"].get<double>() == Approx(a["target_peak_HU"].get<double>()).margin(1.0));
            CHECK(dist(a["target_centroid_mm"], b["target_centroid_mm"]) < 0.1);  // same patient coordinates
            CHECK(b["pseudonym"] != "");
            // The covariates come from the CT alone: the same from the DICOM series (the plaque only for femoral).
            CHECK(b["stone_count"] == a["stone_count"]);
            CHECK(b["target_morphology"]["gaertner_type"] == a["target_morphology"]["gaertner_type"]);
            CHECK(b.contains("plaque") == (phantom == "femoral"));
            CHECK(a.contains("plaque") == (phantom == "femoral"));
            if (a.contains("plaque") && b.contains("plaque"))
                CHECK(b["plaque"]["arc_deg_max"].get<double>() ==
                      Approx(a["plaque"]["arc_deg_max"].get<double>()).margin(1));
        }
    }
}

namespace {

/// The CT protocol round trip of one phantom: written as 3 mm slices every 3 mm and as 2.5 mm slices every 1.25 mm
/// (a reconstruction with a rectangular slice profile), each read back with --ct. The 3 mm-equivalent scores agree
/// within 11 %, the lowest published interscan variability of the Agatston score (Horiguchi 2008; models/
/// calcium_score.hpp); the raw per-slice sums differ by 3 / 1.25; the protocol is recorded and warned about.
/// Writes the phantom at both protocols, reads both back, checks what each records and returns the larger relative
/// difference of the 3 mm-equivalent scores (scan total and target) between them.
double protocol_difference(const std::string& phantom) {
    ScratchDir dir(std::string("cli_model_protocol_").append(phantom));
    fs::create_directories(dir / "a");
    const std::vector<std::string> fast{"--dx-mm", "1", "--lateral-mm", "10", "--threads", "1"};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), fast.begin(), fast.end());
        return args;
    };
    CliResult r = run_lithosim(with({"model", "--phantom", phantom, "--write-dicom", "d3", "--slice-thickness-mm", "3",
                                     "--slice-increment-mm", "3", "--out", "a/model.h5"}),
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("3 mm thick every 3 mm, rectangular slice profile"));
    const json a = lithosim::io::read_json(dir / "a" / "summary.json");
    r = run_lithosim(with({"model", "--phantom", phantom, "--write-dicom", "d25", "--slice-thickness-mm", "2.5",
                           "--slice-increment-mm", "1.25"}),
                     dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("2.5 mm thick every 1.25 mm"));
    json s[2];
    const char* series[2] = {"d3", "d25"};
    const char* reread[2] = {"r3", "r25"};
    for (int n = 0; n < 2; ++n) {
        fs::create_directories(dir / reread[n]);
        r = run_lithosim(with({"model", "--ct", series[n], "--target-point-mm", point(a["target_centroid_mm"]),
                               "--source-position-mm", point(a["source_position_mm"]), "--out",
                               (fs::path(reread[n]) / "model.h5").string()}),
                         dir.path());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        s[n] = lithosim::io::read_json(dir / reread[n] / "summary.json");
        // 3 mm every 3 mm is the Agatston protocol: no calcium warning; 2.5 every 1.25 gets two.
        CHECK((r.err.find("calcium score:") == std::string::npos) == (n == 0));
        if (n == 1) CHECK_THAT(r.err, Catch::Contains("2.5 mm thick") && Catch::Contains("overlapping slices"));
        CHECK(s[n]["warnings"].size() == (n == 0 ? 0u : 2u));
        CHECK(s[n]["slice_thickness_from"] == "DICOM SliceThickness (0018,0050)");
        CHECK_THAT(r.out, Catch::Contains("3 mm-equivalent"));
    }
    CHECK(s[0]["slice_thickness_mm"].get<double>() == Approx(3));
    CHECK(s[0]["slice_increment_mm"].get<double>() == Approx(3));
    CHECK(s[1]["slice_thickness_mm"].get<double>() == Approx(2.5));
    CHECK(s[1]["slice_increment_mm"].get<double>() == Approx(1.25));
    CHECK(s[0]["agatston_raw"].get<double>() == Approx(s[0]["agatston_total"].get<double>()));
    CHECK(s[1]["agatston_raw"].get<double>() == Approx(s[1]["agatston_total"].get<double>() * 3 / 1.25));
    double worst = 0;
    for (const char* key : {"agatston_total", "target_agatston"}) {
        const double x = s[0][key].get<double>(), y = s[1][key].get<double>();
        INFO(phantom << " " << key << ": 3/3 " << x << ", 2.5/1.25 " << y);
        REQUIRE(x > 0);
        worst = std::max(worst, std::abs(x - y) / (0.5 * (x + y)));
    }
    CHECK(s[0]["risk_band"] == s[1]["risk_band"]);
    CHECK_THAT(s[1]["calcium_score_note"].get<std::string>(),
               Catch::Contains("coronary-risk scale") && Catch::Contains("informative only"));
    return worst;
}

}  // namespace

TEST_CASE("gallbladder written at 3/3 mm and at 2.5/1.25 mm: the same 3 mm-equivalent Agatston within 11 %",
          "[app][cli][model]") {
    const double difference = protocol_difference("gallbladder");
    INFO("largest relative difference of the 3 mm-equivalent scores " << difference);
    CHECK(difference <= 0.11);  // Horiguchi 2008: lowest interscan variability 11 %
}

TEST_CASE("femoral written at 3/3 mm and at 2.5/1.25 mm: the same 3 mm-equivalent Agatston within 11 %",
          "[app][cli][model]") {
    const double difference = protocol_difference("femoral");
    INFO("largest relative difference of the 3 mm-equivalent scores " << difference);
    CHECK(difference <= 0.11);  // Horiguchi 2008: lowest interscan variability 11 %
}

TEST_CASE("bad slice options of --write-dicom exit 2 with one line and write nothing", "[app][cli][model]") {
    ScratchDir dir("cli_model_bad_slices");
    const std::vector<std::string> w{"--phantom", "shoulder", "--write-dicom", "d"};
    auto plus = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = w;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--slice-thickness-mm", "3"},
                           {"--slice-thickness-mm", "--write-dicom only"});
    expect_model_bad_input(dir, {"--ct", "x", "--slice-increment-mm", "3"}, {"--slice-increment-mm", "--write-dicom"});
    expect_model_bad_input(dir, plus({"--slice-increment-mm", "1"}), {"--slice-increment-mm", "--slice-thickness-mm"});
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "0"}), {"--slice-thickness-mm = 0", "> 0"});
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "-1"}), {"--slice-thickness-mm", "-1", "10"});
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "11"}), {"--slice-thickness-mm", "11", "10"});
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "thin"}), {"--slice-thickness-mm", "thin"});
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "2.5", "--slice-increment-mm", "3"}),
                           {"--slice-increment-mm = 3", "larger than", "gaps", "<= 2.5"});
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "2.5", "--slice-increment-mm", "0"}),
                           {"--slice-increment-mm = 0", "> 0"});
    // Thinner than the phantom's 0.5 mm voxels: known once the phantom is built, still before anything is written.
    expect_model_bad_input(dir, plus({"--slice-thickness-mm", "0.3"}), {"--slice-thickness-mm = 0.3", "thinner", "0.5"});
    CHECK_FALSE(fs::exists(dir / "d"));
}

TEST_CASE("model --phantom gallbladder --stone-count 3: three stones, three calcifications, stone 1 the target",
          "[app][cli][model]") {
    ScratchDir dir("cli_model_stones");
    CliResult r = run_lithosim({"model", "--phantom", "gallbladder", "--stone-count", "3", "--list-calcifications"},
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Three listed, all of the default 15 mm (1767 mm^3 nominal), none touching bone.
    CHECK_THAT(r.out, Catch::Matches("(.|\n)*\n +1 +17[0-9][0-9]\\.[0-9](.|\n)*\n +2 +17[0-9][0-9]\\.[0-9](.|\n)*"
                                     "\n +3 +17[0-9][0-9]\\.[0-9](.|\n)*"));
    CHECK_THAT(r.out, !Catch::Contains("\n   4 "));
    r = run_lithosim({"model", "--phantom", "gallbladder", "--stone-count", "3", "--out", "model.h5", "--dx-mm", "1",
                      "--lateral-mm", "10", "--threads", "1"},
                     dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json s = lithosim::io::read_json(dir / "summary.json");
    CHECK(s["stone_count"] == 3);
    CHECK(s["agatston_per_lesion"].size() == 3);
    CHECK(s["target_volume_mm3"].get<double>() == Approx(std::numbers::pi / 6 * 15 * 15 * 15).epsilon(0.05));
    CHECK(s["target_morphology"]["gaertner_type"] == 2);  // 160 HU: sharp but not dense
    CHECK_FALSE(s.contains("plaque"));
    CHECK_THAT(r.out, Catch::Contains("3 calcification(s)"));
}

TEST_CASE("model --phantom femoral --plaque-arc-deg: the plaque geometry in summary.json", "[app][cli][model]") {
    ScratchDir dir("cli_model_plaque");
    for (const double arc : {150.0, 360.0}) {
        DYNAMIC_SECTION("arc " << arc) {
            std::vector<std::string> args{"model", "--phantom", "femoral", "--out", "model.h5", "--dx-mm", "1",
                                          "--lateral-mm", "10", "--threads", "1"};
            if (arc != 150) args.insert(args.end(), {"--plaque-arc-deg", "360"});  // 150: the default
            const CliResult r = run_lithosim(args, dir.path());
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const json s = lithosim::io::read_json(dir / "summary.json");
            REQUIRE(s.contains("plaque"));
            const json& p = s["plaque"];
            const double voxel_deg = 0.5 / 3.75 * 180 / std::numbers::pi;  // one voxel at the ring, default spacing
            CHECK(std::abs(p["arc_deg_max"].get<double>() - arc) <= voxel_deg);
            CHECK(std::abs(p["arc_deg_mean"].get<double>() - arc) <= voxel_deg);
            CHECK(p["thickness_mm"].get<double>() == Approx(1.5).margin(0.15));
            CHECK(p["length_mm"].get<double>() == Approx(16).margin(0.5));
            CHECK(p["concentric"] == (arc >= 270));
            CHECK(s["stone_count"] == 1);
            const auto m = lithosim::io::read_model_h5(dir / "model.h5");
            CHECK(json::parse(m.summary_json)["plaque"] == p);
            CHECK_THAT(r.out, Catch::Contains("plaque        arc"));
        }
    }
}

TEST_CASE("a user mapping table overrides one label and is recorded", "[app][cli][model]") {
    ScratchDir dir("cli_model_table");
    lithosim::test::write_text(dir / "deposit.csv",
                               "label,rho_kg_per_m3,c_m_per_s,alpha_dB_per_cm_MHz,alpha_power,BonA,source\n"
                               "calcification,1700,2900,5,1,10,test value\n");
    const CliResult r = run_lithosim({"model", "--phantom", "shoulder", "--mapping", "labels", "--mapping-table",
                                      "deposit.csv", "--out", "model.h5", "--dx-mm", "1", "--lateral-mm", "10"},
                                     dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json s = lithosim::io::read_json(dir / "summary.json");
    CHECK(s["mapping"] == "labels + deposit.csv");
    const auto m = lithosim::io::read_model_h5(dir / "model.h5");
    CHECK_THAT(m.mapping_table, Catch::Contains("test value"));
    bool seen_target = false, seen_fat = false;
    for (std::size_t n = 0; n < m.grid.size(); ++n) {
        if (m.grid.labels[n] == 9) {  // calcification: the table's row
            seen_target = true;
            CHECK(m.grid.c[n] == 2900.0f);
            CHECK(m.grid.rho[n] == 1700.0f);
        }
        if (m.grid.labels[n] == 3 && !seen_fat) {  // fat: the label table's own row
            seen_fat = true;
            CHECK(m.grid.c[n] == 1462.0f);
        }
    }
    CHECK(seen_target);
    CHECK(seen_fat);
}

TEST_CASE("list-calcifications lists the phantom's deposit with its size and place", "[app][cli][model]") {
    ScratchDir dir("cli_model_list");
    const CliResult r = run_lithosim({"model", "--phantom", "shoulder", "--list-calcifications"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("volume_mm3") && Catch::Contains("peak_HU"));
    CHECK_THAT(r.out, Catch::Matches("(.|\n)*\n +1 +5[0-9][0-9]\\.[0-9](.|\n)*"));  // id 1, about 524 mm^3
    // The listed number chooses the target.
    const CliResult t = run_lithosim({"model", "--phantom", "shoulder", "--target-label", "1", "--out", "model.h5",
                                      "--dx-mm", "1", "--lateral-mm", "10"},
                                     dir.path());
    INFO(t.err);
    REQUIRE(t.exit_code == 0);
    const json s = lithosim::io::read_json(dir / "summary.json");
    CHECK(s["target_volume_mm3"].get<double>() == Approx(std::numbers::pi / 6 * 1000).epsilon(0.10));
}

TEST_CASE("a model file runs in simulate with its target at the device's focus", "[app][cli][model]") {
    ScratchDir dir("cli_model_simulate");
    CliResult r = run_lithosim({"model", "--phantom", "shoulder", "--out", "model.h5", "--dx-mm", "0.5",
                                "--lateral-mm", "15", "--threads", "1"},
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The ESWT head (focus 60 mm beyond its apex) in the axisymmetric form of the model.
    const char* kCase = R"([grid]
dims = axisymmetric
dx_mm = 0.25
size_mm = 30,75
[time]
t_end_us = 55
[medium]
model = model.h5
[source]
type = device
device = eswt_head
level = 3
position_mm = 0,0,2
)";
    lithosim::test::write_text(dir / "case.ini", kCase);
    r = run_lithosim({"simulate", "--config", "case.ini", "--out", "out", "--threads", "1", "--quiet"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto result = lithosim::io::read_result_h5(dir / "out" / "result.h5");
    REQUIRE(result.c.has_value());
    const auto& c = *result.c;
    auto c_at = [&](double r_mm, double z_mm) {
        const auto ir = std::size_t(std::lround((r_mm * 1e-3 - c.origin_m[0]) / c.spacing_m[0]));
        const auto iz = std::size_t(std::lround((z_mm * 1e-3 - c.origin_m[2]) / c.spacing_m[2]));
        return c.values[ir + c.nx * iz];
    };
    CHECK(c_at(0, 62) > 2000.0f);               // the deposit sits at the geometric focus
    CHECK(c_at(0, 10) == Approx(1482.46).margin(1));  // coupling water near the head
    CHECK(c_at(0, 52) < 1700.0f);               // soft tissue in front of the deposit
}

TEST_CASE("bad model input exits 2 with one line and writes nothing", "[app][cli][model]") {
    ScratchDir dir("cli_model_bad");
    expect_model_bad_input(dir, {}, {"no input", "--ct", "--phantom"});
    expect_model_bad_input(dir, {"--phantom", "kidney"}, {"kidney", "shoulder"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--ct", "x"}, {"--ct/--phantom: a CT and a phantom are both given"});
    expect_model_bad_input(dir, {"--ct", "nowhere"}, {"nowhere"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-point-mm", "1,2"}, {"--target-point-mm", "1,2"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-point-mm", "5000,0,0"}, {"5000", "outside"});
    // The shoulder phantom: deposit centre about (-186.5, -3.5, 181), humeral head below it, air outside the skin.
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-point-mm=-214.2,-26.1,216.2"}, {"air"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-point-mm=-196.5,-3.5,191"},
                           {"no calcification", "-196.5"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-point-mm=-186.5,-3.5,170"},
                           {"--target-point-mm: the target point", "lies in bone", "target_max_radius_mm"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-label", "2"}, {"2"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--mapping", "magic"}, {"magic", "hounsfield"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--threshold", "fat_min_HU=zero"}, {"fat_min_HU"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--dx-mm", "0"}, {"--dx-mm", "0"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--target-HU", "50"}, {"50"});
    // --stone-count: gallbladder only, an integer 1 to 5, and the stones must fit.
    expect_model_bad_input(dir, {"--phantom", "gallbladder", "--stone-count", "6"}, {"--stone-count", "6", "1 to 5"});
    expect_model_bad_input(dir, {"--phantom", "gallbladder", "--stone-count", "0"}, {"--stone-count", "0", "1 to 5"});
    expect_model_bad_input(dir, {"--phantom", "gallbladder", "--stone-count", "two"}, {"--stone-count", "two"});
    expect_model_bad_input(dir, {"--phantom", "gallbladder", "--stone-count", "2.5"}, {"--stone-count", "2.5"});
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--stone-count", "2"},
                           {"--stone-count", "2", "--phantom gallbladder", "shoulder"});
    expect_model_bad_input(dir, {"--ct", "x", "--stone-count", "2"}, {"--stone-count", "--phantom only"});
    expect_model_bad_input(dir, {"--phantom", "gallbladder", "--stone-count", "4", "--target-diameter-mm", "15"},
                           {"stone_count = 4", "do not fit", "at most 3"});
    // --plaque-arc-deg: femoral only, 30 to 360 degrees.
    expect_model_bad_input(dir, {"--phantom", "femoral", "--plaque-arc-deg", "20"}, {"--plaque-arc-deg", "20", "360"});
    expect_model_bad_input(dir, {"--phantom", "femoral", "--plaque-arc-deg", "400"}, {"--plaque-arc-deg", "400"});
    expect_model_bad_input(dir, {"--phantom", "gallbladder", "--plaque-arc-deg", "90"},
                           {"--plaque-arc-deg", "--phantom femoral"});
    expect_model_bad_input(dir, {"--ct", "x", "--plaque-arc-deg", "90"}, {"--plaque-arc-deg", "--phantom only"});
    fs::create_directories(dir / "full");
    lithosim::test::write_text(dir / "full" / "keep.txt", "user data\n");
    expect_model_bad_input(dir, {"--phantom", "shoulder", "--write-dicom", "full"}, {"full", "empty"});
    CHECK(lithosim::test::read_text(dir / "full" / "keep.txt") == "user data\n");
}

TEST_CASE("a DICOM series with a missing slice is reported with its position", "[app][cli][model]") {
    ScratchDir dir("cli_model_gap");
    CliResult r = run_lithosim({"model", "--phantom", "femoral", "--write-dicom", "dicom", "--threads", "1"},
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / "dicom")) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 10);
    fs::remove(files[files.size() / 2]);
    expect_model_bad_input(dir, {"--ct", "dicom", "--target-point-mm", "0,0,0"}, {"gap"});
}
