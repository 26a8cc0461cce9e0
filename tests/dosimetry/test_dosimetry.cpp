// In-process tests of the app's dosimetry wiring (dosimetry/dosimetry.hpp), the revolved picture of axisymmetric maps
// (report/revolve.hpp) and the layered medium ([medium] layers): synthetic maps with analytic answers, so a wrong
// geometry, plane, series or unit shows up as a wrong number.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "dosimetry/dosimetry.hpp"
#include "report/revolve.hpp"
#include "core/text.hpp"
#include "io/h5_names.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"
#include "solver/simulation.hpp"

using namespace lithosim;

namespace {

constexpr double kPi = std::numbers::pi;

/// An (r, z) Gaussian focus: value(r, z) = peak exp(-r^2 / w^2) exp(-(z - zf)^2 / L^2) on nr = 81 radii of 0.1 mm
/// (R = 8 mm) and 101 planes of 0.2 mm (z from 0 to 20 mm), r in the x slot as the solver returns it.
Map3 gaussian_rz(double peak, double w_m, double L_m, double zf_m) {
    Map3 m;
    m.nx = 81;
    m.ny = 1;
    m.nz = 101;
    m.origin_m = {0, 0, 0};
    m.spacing_m = {0.1e-3, 0, 0.2e-3};
    m.values.resize(m.size());
    for (std::size_t iz = 0; iz < m.nz; ++iz)
        for (std::size_t ir = 0; ir < m.nx; ++ir) {
            const double r = ir * m.spacing_m[0], z = iz * m.spacing_m[2];
            m.values[ir + m.nx * iz] =
                float(peak * std::exp(-r * r / (w_m * w_m)) * std::exp(-(z - zf_m) * (z - zf_m) / (L_m * L_m)));
        }
    return m;
}

/// A waveform: one positive half-sine of amplitude P and length T from t = 0, then a negative half-sine of P/5 and
/// length 2T, zero before and after; sampled every 0.5 ns from -1 us to 12 us (the same times for every series, as
/// in a run).
SensorRecord half_sine_series(double P, double T, const std::array<double, 3>& position_m) {
    SensorRecord s;
    s.position_m = {position_m};
    s.p_Pa.emplace_back();
    for (int n = 0; n < 26000; ++n) {
        const double t = -1e-6 + n * 0.5e-9;
        double p = 0;
        if (t >= 0 && t < T) p = P * std::sin(kPi * t / T);
        if (t >= T && t < 3 * T) p = -0.2 * P * std::sin(kPi * (t - T) / (2 * T));
        s.t_s.push_back(t);
        s.p_Pa[0].push_back(float(p));
    }
    return s;
}

/// The synthetic axisymmetric run: a 20 MPa focus at z = 10 mm with w = 2 mm, L = 5 mm; EFD = E0 p_max^2 / peak^2
/// (E0 = 100 J/m^2 = 0.1 mJ/mm^2); p_min = -p_max / 4; a half-sine waveform at the focus and another one 5 mm
/// before it.
SimulationResult gaussian_run() {
    SimulationResult r;
    r.p_max = gaussian_rz(20e6, 2e-3, 5e-3, 10e-3);
    r.efd = gaussian_rz(100.0, 2e-3 / std::sqrt(2.0), 5e-3 / std::sqrt(2.0), 10e-3);
    r.p_min = *r.p_max;
    for (float& v : r.p_min->values) v *= -0.25f;
    SensorRecord focal = half_sine_series(20e6, 1e-6, {0, 0, 10e-3});
    const SensorRecord other = half_sine_series(5e6, 3e-6, {0, 0, 5e-3});
    r.sensors = other;  // a user point away from the focus
    r.axis = focal;     // the beam-axis series of the run
    return r;
}

MaterialProps fixed_medium(double rho, double c) {
    MaterialProps m;
    m.rho_kg_per_m3 = rho;
    m.c_m_per_s = c;
    return m;
}

}  // namespace

TEST_CASE("the axisymmetric dosimetry of a Gaussian focus matches its analytic parameters", "[dosimetry]") {
    const SimulationResult r = gaussian_run();
    std::array<double, 3> asked_at{-1, -1, -1};
    DosimetryInputs in;
    in.axisymmetric = true;
    in.medium_at = [&asked_at](const std::array<double, 3>& x) {
        asked_at = x;
        return fixed_medium(1000.0, 1500.0);
    };
    in.focal_plane_z_m = 10e-3;
    std::vector<std::string> warnings;
    const Dosimetry d = compute_dosimetry(r, in, warnings);
    CHECK(warnings.empty());
    CHECK(asked_at[0] == 0.0);
    CHECK(asked_at[2] == Approx(10e-3));  // the medium is taken at the focus node
    REQUIRE(d.iec);
    const nlohmann::json j = dosimetry_json(d);

    CHECK(j["p_plus_MPa"].get<double>() == Approx(20.0));
    CHECK(j["p_minus_MPa"].get<double>() == Approx(-5.0));
    // Full widths across the axis: -6 dB at r = w sqrt(ln 2), 5 MPa (a quarter of the peak) at r = w sqrt(ln 4).
    const double w = 2.0, L = 5.0;
    CHECK(j["focal_zone_6dB_mm"]["x"].get<double>() == Approx(2 * w * std::sqrt(std::log(2.0))).epsilon(0.005));
    CHECK(j["focal_zone_6dB_mm"]["y"].get<double>() == j["focal_zone_6dB_mm"]["x"].get<double>());
    CHECK(j["focal_zone_6dB_mm"]["z"].get<double>() == Approx(2 * L * std::sqrt(std::log(2.0))).epsilon(0.005));
    CHECK(j["focal_zone_5MPa_mm"]["x"].get<double>() == Approx(2 * w * std::sqrt(std::log(4.0))).epsilon(0.005));
    CHECK(j["focal_zone_5MPa_mm"]["z"].get<double>() == Approx(2 * L * std::sqrt(std::log(4.0))).epsilon(0.005));

    // Disc energy of EFD = E0 exp(-2 r^2 / w^2): E0 pi (w^2/2) (1 - exp(-2 R^2 / w^2)); 1 mJ = 1e-3 J.
    auto disc_mJ = [](double R_mm) {
        const double we2 = 0.5 * 2e-3 * 2e-3;
        return 100.0 * kPi * we2 * (1 - std::exp(-R_mm * R_mm * 1e-6 / we2)) * 1e3;
    };
    CHECK(j["E5mm_mJ"].get<double>() == Approx(disc_mJ(5)).epsilon(0.002));
    CHECK(j["energy_total_mJ"].get<double>() == Approx(disc_mJ(8)).epsilon(0.002));
    CHECK(j["E12mm_mJ"].is_null());  // the disc reaches beyond the 8 mm map
    CHECK(j["E28mm_disc_mJ"].is_null());
    CHECK(j["focal_plane_z_mm"].get<double>() == Approx(10.0));
    CHECK(j["efd_focus_mJ_per_mm2"].get<double>() == Approx(0.1).epsilon(1e-6));

    // The waveform at the focus (the axis series, not the user point 5 mm away): half maximum of a half-sine at
    // T/6 and 5T/6; positive-phase EFD = P^2 T / 2 / (rho c).
    CHECK(j["pulse_duration_ns"].get<double>() == Approx(1000.0 * 2 / 3).epsilon(1e-3));
    CHECK(j["positive_phase_duration_ns"].get<double>() == Approx(1000.0).epsilon(1e-3));
    const double efd_plus_J_per_m2 = 20e6 * 20e6 * 1e-6 / 2 / (1000.0 * 1500.0);
    CHECK(j["efd_plus_focus_mJ_per_mm2"].get<double>() == Approx(efd_plus_J_per_m2 / 1000).epsilon(1e-3));
    REQUIRE(d.focal_series);
    CHECK(d.focal_series->position_m[0][2] == 10e-3);
    CHECK(d.rho_focus_kg_per_m3 == 1000.0);

    // The same parameters, in table order, for /dosimetry: null ones left out.
    const auto values = dosimetry_values(d);
    std::size_t next = 0;
    for (const auto& p : io::h5::dosimetry_parameters) {
        INFO(p.name);
        if (j[p.name].is_null()) continue;
        REQUIRE(next < values.size());
        CHECK(values[next].name == p.name);
        CHECK(values[next].unit == p.unit);
        CHECK(values[next].values.size() == std::size_t(p.count));
        if (p.count == 1) CHECK(values[next].values[0] == j[p.name].get<double>());
        ++next;
    }
    CHECK(next == values.size());
    CHECK(values.size() == 12);  // 14 parameters, E12mm and E28mm null
}

TEST_CASE("a geometric focus outside the map falls back to the p_max plane, a user plane outside is bad input",
          "[dosimetry]") {
    const SimulationResult r = gaussian_run();
    DosimetryInputs in;
    in.axisymmetric = true;
    in.medium_at = [](const std::array<double, 3>&) { return fixed_medium(1000.0, 1500.0); };
    in.focal_plane_z_m = 30e-3;  // the map ends at 20 mm
    std::vector<std::string> warnings;
    const Dosimetry d = compute_dosimetry(r, in, warnings);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("z = 30 mm lies outside the map") && Catch::Contains("0 to 20 mm"));
    CHECK(dosimetry_json(d)["focal_plane_z_mm"].get<double>() == Approx(10.0));

    in.focal_plane_is_user_input = true;
    CHECK_THROWS_AS(compute_dosimetry(r, in, warnings), InputError);

    // A plane off the focus carries less energy through the 5 mm disc: exp(-2 (dz / L)^2) of it at dz = 2 mm.
    in.focal_plane_is_user_input = true;
    in.focal_plane_z_m = 12e-3;
    const nlohmann::json off = dosimetry_json(compute_dosimetry(r, in, warnings));
    CHECK(off["focal_plane_z_mm"].get<double>() == Approx(12.0));
    CHECK(off["E5mm_mJ"].get<double>() ==
          Approx(dosimetry_json(d)["E5mm_mJ"].get<double>() * std::exp(-2 * 0.4 * 0.4)).epsilon(0.002));
}

TEST_CASE("1D runs have no IEC map parameters but keep the waveform ones, no p_max map gives no dosimetry",
          "[dosimetry]") {
    SimulationResult r;
    Map3 line;
    line.nz = 50;
    line.spacing_m = {0, 0, 0.1e-3};
    line.values.assign(50, 1e6f);
    line.values[20] = 3e6f;  // the focus at z = 2 mm
    r.p_max = line;
    r.efd = line;
    r.sensors = half_sine_series(3e6, 2e-6, {0, 0, 2.05e-3});  // half a cell from the focus
    DosimetryInputs in;
    in.medium_at = [](const std::array<double, 3>&) { return fixed_medium(1000.0, 1500.0); };
    std::vector<std::string> warnings;
    const Dosimetry d = compute_dosimetry(r, in, warnings);
    CHECK_FALSE(d.iec);
    const nlohmann::json j = dosimetry_json(d);
    CHECK(j["p_plus_MPa"].get<double>() == Approx(3.0));
    CHECK(j["p_minus_MPa"].is_null());  // no p_min map
    CHECK(j["pulse_duration_ns"].get<double>() == Approx(2000.0 * 2 / 3).epsilon(1e-3));
    CHECK(j["efd_plus_focus_mJ_per_mm2"].get<double>() ==
          Approx(3e6 * 3e6 * 2e-6 / 2 / 1.5e6 / 1000).epsilon(1e-3));
    for (const char* key : {"focal_zone_5MPa_mm", "E5mm_mJ", "E12mm_mJ", "energy_total_mJ", "E28mm_disc_mJ",
                            "focal_plane_z_mm"})
        CHECK(j[key].is_null());
    CHECK(warnings.size() == 1);  // the missing p_min map only

    SimulationResult none;
    warnings.clear();
    const nlohmann::json empty = dosimetry_json(compute_dosimetry(none, in, warnings));
    for (const auto& p : io::h5::dosimetry_parameters) CHECK(empty[p.name].is_null());
    CHECK(warnings.size() == 1);
}

TEST_CASE("an (r, z) map revolves into an (x, y, z) image with the value at r = sqrt(x^2 + y^2)", "[dosimetry]") {
    Map3 rz;
    rz.nx = 11;
    rz.nz = 4;
    rz.spacing_m = {1e-4, 0, 2e-4};
    rz.origin_m = {0, 0, 3e-3};
    rz.values.resize(rz.size());
    for (std::size_t iz = 0; iz < rz.nz; ++iz)
        for (std::size_t ir = 0; ir < rz.nx; ++ir) rz.values[ir + rz.nx * iz] = float(ir + 100.0 * iz);  // r/dr

    const Map3 full = revolve_map(rz, 1);
    CHECK(full.nx == 21);
    CHECK(full.ny == 21);
    CHECK(full.nz == 4);
    CHECK(full.origin_m[0] == Approx(-1e-3));
    CHECK(full.origin_m[2] == 3e-3);
    CHECK(full.spacing_m == std::array<double, 3>{1e-4, 1e-4, 2e-4});
    int inside = 0, outside = 0;
    for (std::size_t iz = 0; iz < full.nz; ++iz)
        for (std::size_t iy = 0; iy < full.ny; ++iy)
            for (std::size_t ix = 0; ix < full.nx; ++ix) {
                const auto x = full.position_m(ix, iy, iz);
                const double r_cells = std::hypot(x[0], x[1]) / 1e-4;
                const float v = full.at(ix, iy, iz);
                if (r_cells > 10 + 1e-9) {
                    CHECK(std::isnan(v));
                    ++outside;
                } else {
                    CHECK(v == Approx(r_cells + 100.0 * iz).margin(1e-4));  // linear in r: interpolation is exact
                    ++inside;
                }
            }
    CHECK(inside > 4 * 300);  // pi 10.5^2 ~ 346 columns per plane
    CHECK(outside > 0);

    // Coarsened by 2: every second plane, spacing 2 dr, the same values where the samples fall.
    const Map3 coarse = revolve_map(rz, 2);
    CHECK(coarse.nx == 11);
    CHECK(coarse.nz == 2);
    CHECK(coarse.spacing_m[2] == Approx(4e-4));
    CHECK(coarse.at(5, 5, 1) == 200.0f);       // the axis of plane 2
    CHECK(coarse.at(10, 5, 1) == 210.0f);      // r = 10 dr of plane 2
    CHECK(coarse.at(8, 9, 0) == Approx(std::hypot(6.0, 8.0)).margin(1e-4));

    // The stride keeps the picture within the budget: 21 x 21 x 4 = 1764 cells per map at k = 1.
    CHECK(revolve_stride(rz, 3, 3 * 1764) == 1);
    CHECK(revolve_stride(rz, 3, 3 * 1764 - 1) == 2);
    CHECK(revolve_stride(rz, 1, 100) == 3);  // k = 2: 11 x 11 x 2 = 242 cells; k = 3: 7 x 7 x 2 = 98
    CHECK(revolve_stride(rz, 1, 97) == 4);   // k = 4: 5 x 5 x 1 = 25
    CHECK_THROWS_AS(revolve_map(rz, 0), std::invalid_argument);
}

namespace {

const char* kLayeredCase1D = R"(
[grid]
dims = 1
dx_mm = 0.05
size_mm = 12
[time]
t_end_us = 10
[medium]
layers = water:5,bone_cortical:3,fat:2
[source]
type = plane
position_mm = 0,0,1
waveform = toneburst
f0_MHz = 1
p0_MPa = 1
)";

template <class F>
std::string input_error(F&& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("[medium] layers gives each depth its preset and the last one beyond", "[dosimetry]") {
    const CaseText c = parse_case(kLayeredCase1D, "case.ini", "/tmp");
    const SimulationSpec spec = build_spec(case_from_text(c));
    REQUIRE(spec.medium.heterogeneous());
    const auto& water = models::tissue_preset("water");
    const auto& bone = models::tissue_preset("bone_cortical");
    const auto& fat = models::tissue_preset("fat");
    const std::pair<double, const models::TissueProperties*> depths[] = {
        {-1.0, &water}, {0.0, &water}, {4.99, &water}, {5.0, &bone}, {7.99, &bone},
        {8.0, &fat},    {9.5, &fat},   {10.0, &fat},   {50.0, &fat}};
    for (const auto& [z_mm, preset] : depths) {
        INFO("z = " << z_mm << " mm");
        const MaterialProps m = spec.medium.at({0.0, 0.0, z_mm * 1e-3});
        CHECK(m.c_m_per_s == preset->c_m_per_s);
        CHECK(m.rho_kg_per_m3 == preset->rho_kg_per_m3);
        CHECK(m.alpha_dB_per_cm_MHz == preset->alpha_dB_per_cm_MHz);
        CHECK(m.alpha_power == preset->alpha_power);
        CHECK(m.BonA == preset->BonA);
    }
    CHECK(medium_at(spec.medium, {0, 0, 6e-3}).c_m_per_s == bone.c_m_per_s);

    // The resolved case runs again: the unused default preset becomes a comment, the layers stay.
    const CaseText resolved = resolve_case(prepare_case(case_from_text(c)));
    const std::string ini = case_to_ini(resolved, "resolved");
    CHECK_THAT(ini, Catch::Contains("# preset = water") && Catch::Contains("not used"));
    const CaseText again = parse_case(ini, "case.ini", "/tmp");
    CHECK(again.find("medium.layers")->text == "water:5,bone_cortical:3,fat:2");
    CHECK(build_spec(case_from_text(again)).medium.at({0, 0, 9e-3}).c_m_per_s == fat.c_m_per_s);
}

TEST_CASE("[medium] layers with a preset or a per-key override is an error naming both keys", "[dosimetry]") {
    CaseText c = parse_case(kLayeredCase1D, "case.ini", "/tmp");
    std::vector<std::string> seen;
    apply_override(c, "medium.preset=water", seen);
    CHECK_THAT(input_error([&] { build_spec(case_from_text(c)); }),
               Catch::Contains("preset = 'water' (--set)") && Catch::Contains("layers = 'water:5") &&
                   Catch::Contains("one of them"));

    CaseText d = parse_case(kLayeredCase1D, "case.ini", "/tmp");
    seen.clear();
    apply_override(d, "medium.BonA=6", seen);
    CHECK_THAT(input_error([&] { build_spec(case_from_text(d)); }),
               Catch::Contains("BonA = '6' (--set)") && Catch::Contains("homogeneous medium"));

    // The value itself is checked where it is given.
    CaseText e = parse_case(kLayeredCase1D, "case.ini", "/tmp");
    seen.clear();
    CHECK_THAT(input_error([&] { apply_override(e, "medium.layers=water:5,granite:2", seen); }),
               Catch::Contains("'granite' in entry 'granite:2' is not one of the accepted names"));
}

TEST_CASE("zones cut by the map are warned about by face; the focal waveform's extremes; the rise time's grid limit",
          "[dosimetry]") {
    DosimetryInputs in;
    in.axisymmetric = true;
    in.medium_at = [](const std::array<double, 3>&) { return fixed_medium(1000.0, 1500.0); };
    in.focal_plane_z_m = 10e-3;
    {
        // The whole focus inside the map: no zone warning; the waveform at the focus is the half-sine of 20 MPa with
        // a tail of -4 MPa (p- of the zone is -5 MPa: p_min = -p_max / 4 there).
        std::vector<std::string> warnings;
        const Dosimetry d = compute_dosimetry(gaussian_run(), in, warnings);
        CHECK(warnings.empty());
        const nlohmann::json j = dosimetry_json(d);
        CHECK(j["p_plus_focal_waveform_MPa"].get<double>() == Approx(20.0).epsilon(1e-4));
        CHECK(j["p_minus_focal_waveform_MPa"].get<double>() == Approx(-4.0).epsilon(1e-3));
        CHECK(j["p_minus_MPa"].get<double>() == Approx(-5.0));
        // dx / c with the larger spacing (0.2 mm along z) and c = 1500 m/s
        CHECK(j["grid_cell_travel_ns"].get<double>() == Approx(0.2e-3 / 1500 * 1e9));
        CHECK_THAT(rise_time_note(200.0, j["grid_cell_travel_ns"]), Catch::Contains("1.5 cells") &&
                                                                       Catch::Contains("limited by the grid"));
        CHECK_THAT(rise_time_note(2000.0, j["grid_cell_travel_ns"]), Catch::Contains("resolved by the grid"));
        CHECK(rise_time_note(nullptr, j["grid_cell_travel_ns"]).empty());
    }
    {
        // The focus at z = 18 mm of a map ending at 20 mm: the -6 dB zone (18 +- 4.2 mm) and the 5 MPa zone reach
        // the high z face, not the radial one.
        SimulationResult r = gaussian_run();
        r.p_max = gaussian_rz(20e6, 2e-3, 5e-3, 18e-3);
        r.efd = gaussian_rz(100.0, 2e-3 / std::sqrt(2.0), 5e-3 / std::sqrt(2.0), 18e-3);
        r.p_min = *r.p_max;
        for (float& v : r.p_min->values) v *= -0.25f;
        r.axis = half_sine_series(20e6, 1e-6, {0, 0, 18e-3});
        in.focal_plane_z_m = 18e-3;
        std::vector<std::string> warnings;
        const Dosimetry d = compute_dosimetry(r, in, warnings);
        INFO(join(warnings, "\n"));
        REQUIRE(warnings.size() == 2);
        CHECK_THAT(warnings[0], Catch::StartsWith("the -6 dB focal zone reaches the edge of the map at z = 20 mm") &&
                                    Catch::Contains("enlarge [grid] size_mm"));
        CHECK_THAT(warnings[1], Catch::StartsWith("the 5 MPa zone reaches the edge of the map at z = 20 mm") &&
                                    Catch::Contains("not reported"));
        CHECK(warnings[0].find("r = ") == std::string::npos);
        CHECK(dosimetry_json(d)["focal_zone_5MPa_mm"].is_null());
        // searched from the device's front at z = 8 mm (the zone still closed there): the same two warnings
        in.search_from_z_m = 8e-3;
        warnings.clear();
        compute_dosimetry(r, in, warnings);
        CHECK(warnings.size() == 2);
        // searched from 16 mm: the zone also runs back to the front, which is named as the device's
        in.search_from_z_m = 16e-3;
        warnings.clear();
        compute_dosimetry(r, in, warnings);
        REQUIRE(warnings.size() == 2);
        CHECK_THAT(warnings[0], Catch::Contains("z = 16 mm (the device's front") && Catch::Contains("z = 20 mm"));
    }
}
