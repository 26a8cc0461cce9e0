// Device presets: existence, self-consistent geometry (checked against analytic relations of the shapes, not against
// stored numbers), calibration monotone and continuous, one-line errors, and the `lithosim devices` listing.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>

#include "models/devices.hpp"

using namespace lithosim::models;

namespace {

constexpr double mm = 1e-3;

// Message of the std::invalid_argument thrown by f, or "" if none is thrown.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("every contracted device preset exists with sourced parameters inside their ranges", "[models][devices]") {
    const std::vector<std::string> contract = {"hm3",       "em_lens",   "em_paraboloid",
                                               "piezo_cap", "eswt_head", "ivl_emitter"};
    CHECK(device_preset_names() == contract);
    const std::set<std::string> kinds = {"electrohydraulic", "electromagnetic_lens", "electromagnetic_paraboloid",
                                         "piezoelectric",    "eswt",                 "intravascular"};
    for (const std::string& n : contract) {
        INFO("device " << n);
        const DevicePreset& d = device_preset(n);
        CHECK(d.name == n);
        CHECK(kinds.count(d.kind) == 1);
        CHECK_FALSE(d.description.empty());
        CHECK_FALSE(d.source_quantity.empty());
        // every anchor is either calibrated by simulation (and says against what) or marked as awaiting it
        CHECK((contains(d.calibration, "PROVISIONAL") || contains(d.calibration, "calibrated by simulation")));
        CHECK((d.setting_key == "voltage_kV" || d.setting_key == "level"));
        CHECK_NOTHROW(d.parameter(d.setting_key));
        std::set<std::string> keys;
        for (const DeviceParameter& p : d.parameters) {
            INFO("parameter " << p.key);
            CHECK(keys.insert(p.key).second);
            CHECK_FALSE(p.unit.empty());
            CHECK_FALSE(p.source.empty());
            CHECK(p.min <= p.value);
            CHECK(p.value <= p.max);
            // Geometry and pressures are positive; only a rise time may be 0 (= the solver's choice).
            if (p.key != "rise_ns") CHECK(p.value > 0);
        }
    }
}

TEST_CASE("hm3 ellipsoid is consistent with the published aperture and focal distance", "[models][devices]") {
    const DevicePreset& d = device_preset("hm3");
    const auto e = std::get<EllipsoidalReflector>(device_geometry(d));
    const double a = e.semi_major_m, b = e.semi_minor_m;
    // F1-F2 = 2 sqrt(a^2 - b^2), F1 and F2 symmetric about the centre at z = a.
    CHECK(e.f1_f2_distance_m() == Approx(2 * std::sqrt(a * a - b * b)));
    CHECK(e.z_f2_m() - e.z_f1_m() == Approx(e.f1_f2_distance_m()));
    CHECK(0.5 * (e.z_f1_m() + e.z_f2_m()) == Approx(a));
    // The mouth lies on the ellipsoid: its radius there is the aperture radius ...
    CHECK(e.radius_at_m(e.z_mouth_m()) == Approx(e.aperture_radius_m).epsilon(1e-9));
    // ... 77.5 mm wide and 128 mm in front of F2 (BU PACLab / Averkiou & Cleveland 1999).
    CHECK(e.aperture_radius_m == Approx(77.5 * mm));
    CHECK(e.focal_distance_m() == Approx(128.0 * mm).epsilon(1e-9));
    // Spark inside the reflector, focus outside it.
    CHECK(e.z_f1_m() > 0);
    CHECK(e.z_f1_m() < e.z_mouth_m());
    CHECK(e.z_f2_m() > e.z_mouth_m());
    // Ellipse property: every reflector point is 2a away from F1 and F2 together (equal path -> coherent focus).
    for (double z : {0.2 * e.z_mouth_m(), 0.5 * e.z_mouth_m(), e.z_mouth_m()}) {
        const double r = e.radius_at_m(z);
        CHECK(std::hypot(r, z - e.z_f1_m()) + std::hypot(r, z - e.z_f2_m()) == Approx(2 * a));
    }
    REQUIRE(geometric_focus_z_m(d).has_value());
    CHECK(*geometric_focus_z_m(d) == Approx(e.z_f2_m()));
}

TEST_CASE("hm3 overrides change the ellipse consistently", "[models][devices]") {
    // A shorter major axis with the same equatorial mouth moves F2 closer: mouth-to-F2 = c = sqrt(a^2 - b^2).
    const DevicePreset d = with_overrides(device_preset("hm3"), {{"semi_major_mm", 138.0}});
    const auto e = std::get<EllipsoidalReflector>(device_geometry(d));
    CHECK(e.focal_distance_m() == Approx(std::sqrt(138.0 * 138.0 - 77.5 * 77.5) * mm));
    // A mouth narrower than the equator moves the mouth toward F1 and lengthens the focal distance.
    const DevicePreset n = with_overrides(device_preset("hm3"), {{"aperture_radius_mm", 60.0}});
    const auto en = std::get<EllipsoidalReflector>(device_geometry(n));
    CHECK(en.z_mouth_m() < e.semi_major_m);
    CHECK(en.radius_at_m(en.z_mouth_m()) == Approx(60.0 * mm).epsilon(1e-9));
    CHECK(en.focal_distance_m() > 128.0 * mm);
}

TEST_CASE("focused caps have apertures below twice their radius", "[models][devices]") {
    const auto lens = std::get<LensSource>(device_geometry(device_preset("em_lens")));
    CHECK(lens.aperture_m < 2 * lens.focal_length_m);
    CHECK(lens.cap_depth_m() > 0);

    const auto cap = std::get<SphericalCap>(device_geometry(device_preset("piezo_cap")));
    CHECK(cap.aperture_m < 2 * cap.radius_of_curvature_m);
    CHECK(cap.element_count >= 1);
    // Depth and half-angle describe the same cap: h = R (1 - cos theta).
    CHECK(cap.depth_m() == Approx(cap.radius_of_curvature_m * (1 - std::cos(cap.half_angle_rad()))));

    const DevicePreset& eswt = device_preset("eswt_head");
    const auto head = std::get<EswtHead>(device_geometry(eswt));
    CHECK(head.cap.aperture_m < 2 * head.cap.radius_of_curvature_m);
    CHECK(head.cap.aperture_m <= 60 * mm);  // "small aperture"
    CHECK(head.coupling_distance_m > head.cap.depth_m());
    // The focus lies 15 mm below the 30 mm standoff tip, where Perez et al. (2013) measured it.
    CHECK(head.focal_depth_m() == Approx(15.0 * mm));
}

TEST_CASE("em_paraboloid reflector clears the coil and focuses with equal paths", "[models][devices]") {
    const auto p = std::get<ParaboloidReflector>(device_geometry(device_preset("em_paraboloid")));
    CHECK(p.reflector_radius_at_m(0) > p.coil_radius_m);
    CHECK(p.aperture_radius_m() > p.reflector_radius_at_m(0));  // widens toward the mouth
    // Fermat: the cylindrical wave leaves the coil at r_c, runs radially to the reflector and then to F; every such
    // ray has the same length, so the reflected wave converges on F.
    for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {
        const double z = f * p.coil_length_m;
        const double r = p.reflector_radius_at_m(z);
        CHECK((r - p.coil_radius_m) + std::hypot(r, z - p.z_focus_m()) == Approx(p.path_to_focus_m()));
    }
}

TEST_CASE("ivl emitter sits inside its balloon and has no focus", "[models][devices]") {
    const DevicePreset& d = device_preset("ivl_emitter");
    const auto e = std::get<CylindricalEmitter>(device_geometry(d));
    CHECK(e.emitter_radius_m < 0.5 * e.balloon_diameter_m);
    CHECK(e.emitter_length_m > 0);
    CHECK_FALSE(geometric_focus_z_m(d).has_value());
}

TEST_CASE("calibration is monotone and continuous in the setting", "[models][devices]") {
    for (const std::string& n : device_preset_names()) {
        INFO("device " << n);
        const DevicePreset& d = device_preset(n);
        const DeviceParameter& s = d.parameter(d.setting_key);
        if (s.max == s.min) {  // a fixed output (ivl_emitter)
            CHECK(source_pressure_Pa(d, s.min) > 0);
            continue;
        }
        const int steps = 200;
        double previous = 0;
        for (int i = 0; i <= steps; ++i) {
            const double x = s.min + (s.max - s.min) * i / steps;
            const double p = source_pressure_Pa(d, x);
            CHECK(p > previous);  // strictly increasing, positive
            // Continuity: a step 1e-9 of the range changes the pressure by a vanishing amount.
            const double dx = 1e-9 * (s.max - s.min);
            const double x2 = i < steps ? x + dx : x - dx;
            CHECK(std::abs(source_pressure_Pa(d, x2) - p) <= 1e-6 * p);
            previous = p;
        }
        CHECK(source_pressure_Pa(d) == Approx(source_pressure_Pa(d, d.setting())));
    }
}

TEST_CASE("calibration laws hold exactly", "[models][devices]") {
    // hm3: pressure proportional to charging voltage.
    const DevicePreset& hm3 = device_preset("hm3");
    CHECK(source_pressure_Pa(hm3, 24.0) == Approx(2 * source_pressure_Pa(hm3, 12.0)));
    CHECK(source_pressure_Pa(hm3, 20.0) == Approx(20.0 * hm3.value("p1mm_MPa_per_kV") * 1e6));
    // Levels: end points are p_low and p_high, and equal level steps give equal pressure ratios.
    const DevicePreset& lens = device_preset("em_lens");
    CHECK(source_pressure_Pa(lens, 1) == Approx(lens.value("p_low_MPa") * 1e6));
    CHECK(source_pressure_Pa(lens, 8) == Approx(lens.value("p_high_MPa") * 1e6));
    CHECK(source_pressure_Pa(lens, 3) / source_pressure_Pa(lens, 2) ==
          Approx(source_pressure_Pa(lens, 7) / source_pressure_Pa(lens, 6)));
    // Overrides of the anchors flow through (how a calibration by simulation will be applied).
    const DevicePreset cal = with_overrides(hm3, {{"p1mm_MPa_per_kV", 4.0}});
    CHECK(source_pressure_Pa(cal, 20.0) == Approx(80e6));
}

TEST_CASE("device pulse reduces to Church (1989) at a 1 us positive phase", "[models][devices]") {
    const DevicePulse p = device_pulse(device_preset("em_lens"));
    CHECK(p.positive_phase_s == Approx(1e-6));
    CHECK(p.church_alpha_per_s() == Approx(9.1e5));
    CHECK(p.church_omega_rad_per_s() == Approx(2 * std::numbers::pi * 83.3e3).epsilon(1e-3));
    // The positive phase ends where cos(omega t + pi/3) = 0.
    CHECK(std::cos(p.church_omega_rad_per_s() * p.positive_phase_s + std::numbers::pi / 3) ==
          Approx(0).margin(1e-12));
    // Every preset has a finite front, so its source does not change with the grid (0 would mean 4 dx / c).
    for (const std::string& n : device_preset_names()) CHECK(device_pulse(device_preset(n)).rise_s > 0);
}

TEST_CASE("a setting outside its range throws one line naming device, setting, value and range",
          "[models][devices]") {
    const std::string msg = error_of([] { source_pressure_Pa(device_preset("hm3"), 30.0); });
    CHECK(contains(msg, "hm3"));
    CHECK(contains(msg, "voltage_kV"));
    CHECK(contains(msg, "30"));
    CHECK(contains(msg, "12 to 24 kV"));
    CHECK_FALSE(contains(msg, "\n"));

    const std::string lvl = error_of([] { source_pressure_Pa(device_preset("em_lens"), 0.5); });
    CHECK(contains(lvl, "em_lens"));
    CHECK(contains(lvl, "level = 0.5"));
    CHECK(contains(lvl, "1 to 8"));
    CHECK_FALSE(contains(lvl, "\n"));

    CHECK_FALSE(error_of([] { source_pressure_Pa(device_preset("piezo_cap"), std::nan("")); }).empty());
    CHECK_FALSE(error_of([] { source_pressure_Pa(device_preset("ivl_emitter"), 2.0); }).empty());
}

TEST_CASE("unknown devices and keys throw one line listing what is accepted", "[models][devices]") {
    const std::string dev = error_of([] { device_preset("hm4"); });
    CHECK(contains(dev, "hm4"));
    CHECK_FALSE(contains(dev, "\n"));
    for (const std::string& n : device_preset_names()) CHECK(contains(dev, n));

    const DevicePreset& lens = device_preset("em_lens");
    const std::string key = error_of([&] { with_overrides(lens, {{"focal_lenght_mm", 140.0}}); });
    CHECK(contains(key, "em_lens"));
    CHECK(contains(key, "focal_lenght_mm"));
    CHECK_FALSE(contains(key, "\n"));
    for (const DeviceParameter& p : lens.parameters) CHECK(contains(key, p.key));

    const std::string range = error_of([&] { with_overrides(lens, {{"aperture_mm", 500.0}}); });
    CHECK(contains(range, "aperture_mm = 500"));
    CHECK(contains(range, "40 to 300 mm"));
    CHECK_FALSE(contains(range, "\n"));
}

TEST_CASE("overrides that break the geometry are refused with one line", "[models][devices]") {
    const std::string cap = error_of([] {
        with_overrides(device_preset("piezo_cap"), {{"aperture_mm", 350.0}, {"radius_of_curvature_mm", 150.0}});
    });
    CHECK(contains(cap, "piezo_cap"));
    CHECK(contains(cap, "aperture_mm = 350"));
    CHECK_FALSE(contains(cap, "\n"));

    const std::string ell = error_of([] { with_overrides(device_preset("hm3"), {{"aperture_radius_mm", 90.0}}); });
    CHECK(contains(ell, "aperture_radius_mm = 90"));
    CHECK_FALSE(contains(ell, "\n"));

    CHECK_FALSE(error_of([] { with_overrides(device_preset("ivl_emitter"), {{"emitter_radius_mm", 2.6}}); }).empty());
    CHECK_FALSE(error_of([] { with_overrides(device_preset("em_paraboloid"), {{"coil_radius_mm", 40.0}}); }).empty());
    CHECK_FALSE(error_of([] { with_overrides(device_preset("eswt_head"), {{"p_low_MPa", 20.0}})  /* above p_high */; }).empty());
    // A valid override leaves the original untouched.
    const DevicePreset moved = with_overrides(device_preset("eswt_head"), {{"coupling_distance_mm", 30.0}});
    CHECK(std::get<EswtHead>(device_geometry(moved)).focal_depth_m() == Approx(30.0 * mm));
    CHECK(device_preset("eswt_head").value("coupling_distance_mm") == 45.0);
}

TEST_CASE("describe_devices lists every preset and parameter", "[models][devices]") {
    const std::string text = describe_devices();
    for (const std::string& n : device_preset_names()) {
        INFO("device " << n);
        CHECK(contains(text, "\n" + n + " ("));
        for (const DeviceParameter& p : device_preset(n).parameters) {
            INFO("parameter " << p.key);
            CHECK(contains(text, p.key));
        }
    }
    CHECK(contains(text, "PROVISIONAL"));
    CHECK(contains(text, "assumption:"));
}
