// The lithosim executable for issue 3: an axisymmetric run end to end with the IEC 61846 parameters in
// summary.json and result.h5, `lithosim dosimetry` on its result, `lithosim devices`, and the layered medium
// ([medium] layers) through a 1D run. Small runs on one thread (ctest runs tests side by side).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <numbers>
#include <optional>

#include "io/h5_names.hpp"
#include "report/run_outputs.hpp"
#include "io/json_file.hpp"
#include "io/result_file.hpp"
#include "models/devices.hpp"
#include "models/tissue.hpp"
#include "tests/app/cli_checks.hpp"
#include "tests/app/cli_runner.hpp"
#include "tests/io/scratch_dir.hpp"

using lithosim::Map3;
using lithosim::test::CliResult;
using lithosim::test::expect_bad_input;
using lithosim::test::read_text;
using lithosim::test::run_lithosim;
using lithosim::test::ScratchDir;
using lithosim::test::simulate_case;
using lithosim::test::write_text;
namespace fs = std::filesystem;

namespace {

/// An axisymmetric focused bowl in water: R = 6 mm, Z = 12 mm at 0.1 mm (61 x 121 nodes), 8 mm aperture and focal
/// length, apex at z = 0.5 mm (geometric focus z = 8.5 mm), a 2-cycle 1 MHz Gaussian pulse, linear. About 450
/// steps: well under a second.
const char* kAxisymmetricCase = R"([grid]
dims = axisymmetric
dx_mm = 0.1
size_mm = 6,12
pml_cells = 10
[time]
t_end_us = 9
[source]
type = bowl
aperture_mm = 8
focal_length_mm = 8
position_mm = 0,0,0.5
waveform = gaussian
f0_MHz = 1
cycles = 2
p0_MPa = 2
[solver]
nonlinear = false
)";

/// The keys issue 3 adds to summary.json (contract), each a number, an {x,y,z} object or null.
const char* kIecKeys[] = {"pulse_duration_ns", "focal_zone_5MPa_mm", "efd_plus_focus_mJ_per_mm2", "E5mm_mJ",
                          "E12mm_mJ",          "energy_total_mJ",    "E28mm_disc_mJ",             "focal_plane_z_mm"};

/// Every /dosimetry parameter of the result file, by name.
std::map<std::string, std::vector<double>> stored_dosimetry(const fs::path& file) {
    const auto meta = lithosim::io::read_result_metadata(file);
    REQUIRE(meta.dosimetry);
    std::map<std::string, std::vector<double>> out;
    for (const auto& v : *meta.dosimetry) out[v.name] = v.values;
    return out;
}

/// The values of a summary.json / dosimetry JSON entry as stored in /dosimetry (a number, [x,y,z] or {x,y,z}).
std::vector<double> json_values(const nlohmann::json& v) {
    if (v.is_number()) return {v.get<double>()};
    if (v.is_array()) return v.get<std::vector<double>>();
    return {v["x"].get<double>(), v["y"].get<double>(), v["z"].get<double>()};
}

}  // namespace

TEST_CASE("an axisymmetric run writes the IEC 61846 parameters to summary.json and result.h5", "[app][cli]") {
    ScratchDir dir("cli_axisymmetric");
    const CliResult r = simulate_case(dir, kAxisymmetricCase, {"--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    const fs::path out = dir / "out";
    const auto j = lithosim::io::read_json(out / "summary.json");
    {
        // Every key has a label in the reports (viz/report_labels): none would show as "<key> (no label)".
        const auto unlabelled = lithosim::unlabelled_report_keys(j);
        INFO("keys without a report label: " << nlohmann::json(unlabelled).dump());
        CHECK(unlabelled.empty());
    }

    for (const char* key : kIecKeys) {
        INFO(key);
        REQUIRE(j.contains(key));
        CHECK((j[key].is_null() || j[key].is_number() || j[key].is_object()));
    }
    // The bowl's geometric focus is the plane of the disc energies.
    CHECK(j["focal_plane_z_mm"].get<double>() == Approx(8.5));
    // A 6 mm map holds the 5 mm disc, not the 12 mm or 14 mm ones.
    REQUIRE(j["E5mm_mJ"].is_number());
    CHECK(j["E12mm_mJ"].is_null());
    CHECK(j["E28mm_disc_mJ"].is_null());
    CHECK(j["E5mm_mJ"].get<double>() > 0);
    CHECK(j["E5mm_mJ"].get<double>() <= j["energy_total_mJ"].get<double>());
    // The positive phase at half maximum lies inside the positive phase; its EFD is part of the whole pulse's.
    REQUIRE(j["pulse_duration_ns"].is_number());
    CHECK(j["pulse_duration_ns"].get<double>() > 0);
    CHECK(j["pulse_duration_ns"].get<double>() < j["positive_phase_duration_ns"].get<double>());
    CHECK(j["efd_plus_focus_mJ_per_mm2"].get<double>() > 0);
    CHECK(j["efd_plus_focus_mJ_per_mm2"].get<double>() < j["efd_focus_mJ_per_mm2"].get<double>());
    REQUIRE(j["focal_zone_5MPa_mm"].is_object());  // p+ is about 10 MPa
    CHECK(j["p_plus_MPa"].get<double>() > 5);

    // result.h5: axisymmetric maps [nz][nr] read back with r in the x slot.
    const fs::path h5 = out / "result.h5";
    CHECK(lithosim::io::read_root_attribute(h5, "geometry") == "axisymmetric");
    const auto res = lithosim::io::read_result_h5(h5);
    REQUIRE(res.p_max);
    REQUIRE(res.efd);
    CHECK(res.p_max->nx == 61);
    CHECK(res.p_max->ny == 1);
    CHECK(res.p_max->nz == 121);
    CHECK(res.p_max->origin_m[0] == 0.0);
    CHECK(res.p_max->spacing_m[0] == Approx(0.1e-3));

    // The energy through the whole focal plane, recomputed here from the stored EFD map: the plane z = 8.5 mm lies
    // between nodes 80 and 81 of z (0.05 mm from each); 2 pi r EFD dr by the trapezoid rule over r.
    const Map3& efd = *res.efd;
    const double z = 8.5e-3;
    const std::size_t k = std::size_t((z - efd.origin_m[2]) / efd.spacing_m[2]);
    const double w = (z - efd.origin_m[2]) / efd.spacing_m[2] - double(k);
    const double dr = efd.spacing_m[0];
    double energy_J = 0;
    for (std::size_t i = 0; i < efd.nx; ++i) {
        const double value = (1 - w) * efd.at(i, 0, k) + w * efd.at(i, 0, k + 1);
        const double weight = (i == 0 || i + 1 == efd.nx) ? 0.5 : 1.0;
        energy_J += weight * 2 * std::numbers::pi * (i * dr) * value * dr;
    }
    CHECK(j["energy_total_mJ"].get<double>() == Approx(energy_J * 1e3).epsilon(0.01));

    // -6 dB width across the axis: twice the half-maximum radius of the p_max row through the focus.
    const Map3& p = *res.p_max;
    const std::size_t kf = std::size_t(std::lround((j["focus_mm"][2].get<double>() * 1e-3 - p.origin_m[2]) /
                                                   p.spacing_m[2]));
    REQUIRE(j["focus_mm"][0].get<double>() == 0.0);  // on the axis
    const double half = 0.5 * p.at(0, 0, kf);
    std::size_t i = 0;
    while (p.at(i + 1, 0, kf) >= half) ++i;
    const double r_half = (i + (p.at(i, 0, kf) - half) / (p.at(i, 0, kf) - p.at(i + 1, 0, kf))) * dr;
    CHECK(j["focal_zone_6dB_mm"]["x"].get<double>() == Approx(2 * r_half * 1e3).epsilon(1e-6));
    CHECK(j["focal_zone_6dB_mm"]["y"].get<double>() == j["focal_zone_6dB_mm"]["x"].get<double>());

    // /dosimetry holds every non-null parameter, with the summary's values; the medium at the focus is water's.
    const auto stored = stored_dosimetry(h5);
    for (const auto& param : lithosim::io::h5::dosimetry_parameters) {
        INFO(param.name);
        if (j[param.name].is_null()) {
            CHECK(stored.count(param.name) == 0);
        } else {
            REQUIRE(stored.count(param.name) == 1);
            CHECK(stored.at(param.name) == json_values(j[param.name]));
        }
    }
    const auto meta = lithosim::io::read_result_metadata(h5);
    CHECK(meta.rho_focus_kg_per_m3 == lithosim::models::tissue_preset("water").rho_kg_per_m3);
    CHECK(meta.c_focus_m_per_s == lithosim::models::tissue_preset("water").c_m_per_s);
    CHECK(meta.geometric_focus_z_m == Approx(8.5e-3));
    REQUIRE(meta.focal_series);
    CHECK(meta.focal_series->position_m[0][2] * 1e3 == Approx(j["focus_mm"][2].get<double>()));

    // The revolved picture: (2 x 60 + 1)^2 x 121 cells of the three maps fit the budget, so no coarsening.
    REQUIRE(fs::exists(out / "paraview" / "maps_revolved.vti"));
    const std::string vti = read_text(out / "paraview" / "maps_revolved.vti");
    CHECK_THAT(vti, Catch::Contains("WholeExtent=\"0 120 0 120 0 120\"") && Catch::Contains("p_max_MPa"));

    // The report shows the field parameters as summary.json has them, and the figures are embedded (issue 6 §3).
    const std::string html = read_text(out / "report.html");
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find(j["p_plus_MPa"].dump()) != std::string::npos);
    CHECK(html.find("data:image/png;base64,") != std::string::npos);
    for (const char* f : {"figures/p_plus_axial.png", "figures/p_plus_focal_plane.png", "figures/efd_axial.png",
                          "figures/waveform_focus.png", "figures/profile_axial.png", "figures/profile_lateral.png"})
        CHECK(fs::exists(out / f));
}

TEST_CASE("lithosim dosimetry on a result reproduces the run's parameters and rewrites /dosimetry", "[app][cli]") {
    ScratchDir dir("cli_dosimetry");
    REQUIRE(simulate_case(dir, kAxisymmetricCase, {"--quiet"}).exit_code == 0);
    const fs::path h5 = dir / "out" / "result.h5";
    const auto summary = lithosim::io::read_json(dir / "out" / "summary.json");
    const auto maps_before = lithosim::io::read_result_h5(h5);

    CliResult r = run_lithosim({"dosimetry", h5.string(), "--json", "dosimetry.json"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, Catch::Contains("E5mm") && Catch::Contains("pulse duration") && Catch::Contains("/dosimetry"));
    const auto j = lithosim::io::read_json(dir / "dosimetry.json");
    for (const auto& param : lithosim::io::h5::dosimetry_parameters) {
        INFO(param.name);
        CHECK(j[param.name] == summary[param.name]);  // the same computation on the same stored data
    }
    CHECK(j["result_file"].get<std::string>() == h5.string());

    // Another focal plane moves the disc energies; the file's /dosimetry follows, its maps stay.
    r = run_lithosim({"dosimetry", h5.string(), "--focus-z-mm", "6.4", "--quiet"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    const auto stored = stored_dosimetry(h5);
    CHECK(stored.at("focal_plane_z_mm") == std::vector<double>{6.4});
    CHECK(stored.at("E5mm_mJ")[0] != summary["E5mm_mJ"].get<double>());
    CHECK(stored.at("p_plus_MPa")[0] == summary["p_plus_MPa"].get<double>());
    const auto maps_after = lithosim::io::read_result_h5(h5);
    CHECK(maps_after.p_max->values == maps_before.p_max->values);
    CHECK(maps_after.efd->values == maps_before.efd->values);
    CHECK_FALSE(fs::exists(dir / "out" / "result.h5.partial"));

    // --figures renders the same figure set from the file into another folder.
    r = run_lithosim({"dosimetry", h5.string(), "--figures", "again", "--quiet"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    for (const char* f : {"p_plus_axial.png", "efd_focal_plane.png", "profile_lateral.png"})
        CHECK(fs::exists(dir / "again" / "figures" / f));
    r = run_lithosim({"dosimetry", "--device", "hm3", "--target-depth-mm", "50", "--setting", "20", "--figures", "x"},
                     dir.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--figures x"));
    CHECK_FALSE(fs::exists(dir / "x"));
}

TEST_CASE("lithosim dosimetry: bad input exits 2 with one line and leaves the file as it was", "[app][cli]") {
    ScratchDir dir("cli_dosimetry_bad");
    const fs::path none = dir / "nothing";  // no result files are expected there
    CHECK(expect_bad_input(run_lithosim({"dosimetry"}, dir.path()), {"result file is missing"}, none));
    CHECK(expect_bad_input(run_lithosim({"dosimetry", "missing.h5"}, dir.path()),
                           {"'missing.h5'", "No such file"}, none));
    write_text(dir / "notes.h5", "not a result\n");
    CHECK(expect_bad_input(run_lithosim({"dosimetry", "notes.h5"}, dir.path()), {"'notes.h5'", "not an HDF5 file"},
                           none));

    // A result without maps.
    const std::string no_maps = std::string(kAxisymmetricCase) + "[sensor]\nmaps = none\n";
    REQUIRE(simulate_case(dir, no_maps, {"--quiet"}).exit_code == 0);
    CHECK(expect_bad_input(run_lithosim({"dosimetry", "out/result.h5"}, dir.path()), {"no maps", "p_max"}, none));

    // A result with maps, and options that do not fit it.
    ScratchDir run("cli_dosimetry_bad_options");
    REQUIRE(simulate_case(run, kAxisymmetricCase, {"--quiet"}).exit_code == 0);
    const fs::path h5 = run / "out" / "result.h5";
    const auto before = stored_dosimetry(h5);
    CHECK(expect_bad_input(run_lithosim({"dosimetry", h5.string(), "--focus-z-mm", "30"}, dir.path()),
                           {"--focus-z-mm: focal plane z = 30 mm", "outside the map", "0 to 12 mm"}, none));
    CHECK(expect_bad_input(run_lithosim({"dosimetry", h5.string(), "--focus-z-mm", "deep"}, dir.path()),
                           {"--focus-z-mm 'deep'", "not a number"}, none));
    CHECK(expect_bad_input(run_lithosim({"dosimetry", h5.string(), "--json", "no_dir/d.json"}, dir.path()),
                           {"--json", "no_dir", "does not exist"}, none));
    CHECK(stored_dosimetry(h5) == before);
    CHECK_FALSE(fs::exists(run / "out" / "result.h5.partial"));
    CHECK_FALSE(fs::exists(dir / "no_dir"));
}

TEST_CASE("with no display and no Xvfb, simulate says so in one line and writes its data files", "[app][cli][viz]") {
    ScratchDir dir("cli_no_display");
    // The child inherits this environment: no DISPLAY, and a PATH where no Xvfb can be found.
    struct Environment {
        std::optional<std::string> display, path;
        Environment() {
            if (const char* d = std::getenv("DISPLAY")) display = d;
            if (const char* p = std::getenv("PATH")) path = p;
            ::unsetenv("DISPLAY");
            ::setenv("PATH", "/nonexistent", 1);
        }
        ~Environment() {
            if (display) ::setenv("DISPLAY", display->c_str(), 1);
            if (path) ::setenv("PATH", path->c_str(), 1);
        }
    } environment;
    const CliResult r = simulate_case(dir, kAxisymmetricCase, {"--quiet"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.signal == 0);
    REQUIRE(r.err_lines().size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("lithosim: warning: figures skipped: ") && Catch::Contains("xvfb"));
    const fs::path out = dir / "out";
    for (const char* f : {"summary.json", "result.h5", "case.ini", "report.html", "paraview/maps.vti"})
        CHECK(fs::exists(out / f));
    CHECK_FALSE(fs::exists(out / "figures"));
}

TEST_CASE("lithosim devices lists the presets with parameters, ranges and sources", "[app][cli]") {
    ScratchDir dir("cli_devices");
    const CliResult r = run_lithosim({"devices"}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == lithosim::models::describe_devices());
    for (const auto& name : lithosim::models::device_preset_names()) CHECK_THAT(r.out, Catch::Contains(name));
    CHECK_THAT(r.out, Catch::Contains("hm3") && Catch::Contains("em_lens") && Catch::Contains("voltage_kV"));

    const CliResult help = run_lithosim({"--help"}, dir.path());
    CHECK_THAT(help.out, Catch::Contains("\n  devices") && Catch::Contains("\n  dosimetry"));
    for (const char* cmd : {"devices", "dosimetry"}) {
        INFO(cmd);
        const CliResult h = run_lithosim({cmd, "--help"}, dir.path());
        CHECK(h.exit_code == 0);
        CHECK_THAT(h.out, Catch::Contains(std::string("usage: lithosim ") + cmd));
    }
    CHECK(expect_bad_input(run_lithosim({"devices", "--all"}, dir.path()), {"all", "lithosim devices --help"},
                           dir / "none"));
}

namespace {

/// A 1D plane wave through 8 mm of water onto cortical bone: a 3-cycle 1 MHz burst leaves z = 0.5 mm, passes the
/// point at z = 2 mm, reflects at z = 8 mm and comes back to it 9 us later, after the incident burst has passed.
/// Linear and without absorption, so the reflected amplitude is R = (Z2 - Z1) / (Z2 + Z1) of the incident one.
const char* kLayeredCase = R"([grid]
dims = 1
dx_mm = 0.05
size_mm = 12
[time]
t_end_us = 13
[medium]
layers = water:8,bone_cortical:4
[source]
type = plane
position_mm = 0,0,0.5
waveform = toneburst
f0_MHz = 1
cycles = 3
p0_MPa = 1
[sensor]
points_mm = 0,0,2
[solver]
nonlinear = false
absorption = false
)";

}  // namespace

TEST_CASE("[medium] layers: the medium map changes at the interface and the bone reflects", "[app][cli]") {
    ScratchDir dir("cli_layers");
    const CliResult r = simulate_case(dir, kLayeredCase, {"--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto res = lithosim::io::read_result_h5(dir / "out" / "result.h5");
    REQUIRE(res.c);
    REQUIRE(res.rho);
    const auto& water = lithosim::models::tissue_preset("water");
    const auto& bone = lithosim::models::tissue_preset("bone_cortical");
    int n_water = 0, n_bone = 0;
    for (std::size_t k = 0; k < res.c->nz; ++k) {
        const double z_mm = (res.c->origin_m[2] + k * res.c->spacing_m[2]) * 1e3;
        if (std::abs(z_mm - 8.0) < 0.025) continue;  // the node on the interface
        const auto& expected = z_mm < 8.0 ? water : bone;
        INFO("z = " << z_mm << " mm");
        CHECK(res.c->at(0, 0, k) == float(expected.c_m_per_s));
        CHECK(res.rho->at(0, 0, k) == float(expected.rho_kg_per_m3));
        (z_mm < 8.0 ? n_water : n_bone)++;
    }
    CHECK(n_water == 160);
    CHECK(n_bone == 80);

    // Incident and reflected bursts at z = 2 mm, apart in time: the reflected arrives (6 + 6) mm / c later.
    REQUIRE(res.sensors.p_Pa.size() == 1);
    const auto& t = res.sensors.t_s;
    const auto& p = res.sensors.p_Pa[0];
    // Halfway between the end of the incident burst (1.5 mm of travel + 3 us) and the start of the reflected one
    // (7.5 mm to the interface + 6 mm back).
    const double t_split = 0.5 * (1.5e-3 / water.c_m_per_s + 3e-6 + 13.5e-3 / water.c_m_per_s);
    double incident = 0, reflected = 0;
    for (std::size_t n = 0; n < p.size(); ++n)
        (t[n] < t_split ? incident : reflected) =
            std::max(t[n] < t_split ? incident : reflected, double(std::abs(p[n])));
    const double Z1 = water.rho_kg_per_m3 * water.c_m_per_s, Z2 = bone.rho_kg_per_m3 * bone.c_m_per_s;
    CHECK(reflected / incident == Approx((Z2 - Z1) / (Z2 + Z1)).epsilon(0.02));
}

TEST_CASE("[medium] layers that do not parse are bad input: exit 2, one line, nothing written", "[app][cli]") {
    const struct {
        const char* value;
        std::vector<std::string> expected;
    } bad[] = {
        {"water:8,granite:4", {"'granite'", "not one of the accepted names", "bone_cortical"}},
        {"water:0", {"0 in entry 'water:0' is out of range", "> 0 (mm)"}},
        {"water:-2", {"-2 in entry 'water:-2' is out of range"}},
        {"water:deep", {"'deep' in entry 'water:deep' is not a number"}},
        {"water", {"entry 'water' is not name:number"}},
        {"water:8:2", {"entry 'water:8:2' is not name:number"}},
        {"water:8,,fat:2", {"entry '' is not name:number"}},
    };
    for (const auto& b : bad) {
        INFO(b.value);
        ScratchDir dir("cli_layers_bad");
        CHECK(expect_bad_input(simulate_case(dir, kLayeredCase, {"--set", std::string("medium.layers=") + b.value}),
                               b.expected, dir / "out"));
    }
    // With a preset or an override: a contradiction, named.
    ScratchDir dir("cli_layers_conflict");
    CHECK(expect_bad_input(simulate_case(dir, kLayeredCase, {"--set", "medium.preset=fat"}),
                           {"preset = 'fat'", "layers = 'water:8,bone_cortical:4'"}, dir / "out"));
    CHECK(expect_bad_input(simulate_case(dir, kLayeredCase, {"--set", "medium.c_m_per_s=1540"}),
                           {"c_m_per_s = '1540'", "homogeneous medium"}, dir / "out"));
}
