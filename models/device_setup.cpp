#include "models/device_setup.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace lithosim::models {

namespace {
constexpr double kShell_m = 3e-3;  // assumption: reflector walls 3 mm thick (several cells at clinical grids)

Waveform device_waveform(const DevicePreset& p) {
    const DevicePulse pulse = device_pulse(p);
    Waveform w;
    w.type = WaveformType::Lithotripter;
    w.church_alpha_per_s = pulse.church_alpha_per_s();
    w.church_omega_rad_per_s = pulse.church_omega_rad_per_s();
    w.rise_s = pulse.rise_s;
    w.smooth_front = true;  // a C2 front: the focal waveform's peak converges with the grid (solver/waveform.hpp)
    return w;
}

SourceSpec cap(double aperture_m, double roc_m, double z_apex_m) {
    SourceSpec s;
    s.type = SourceType::Bowl;
    s.aperture_m = aperture_m;
    s.focal_length_m = roc_m;
    s.position_m = {0, 0, z_apex_m};
    return s;
}

double radial(const std::array<double, 3>& x) { return std::hypot(x[0], x[1]); }

/// A focused cap (aperture, radius of curvature) with its apex at z0, whose hardware ends front_depth beyond the
/// apex: the source, the focus and the extents every cap-shaped device (lens, piezo, ESWT head) shares.
void focused_cap(DeviceSetup& out, double aperture_m, double roc_m, double front_depth_m, double z0) {
    out.sources.push_back(cap(aperture_m, roc_m, z0));
    out.focus_z_m = z0 + roc_m;
    out.radius_m = aperture_m / 2;
    out.length_m = roc_m;
    out.z_back_m = z0;
    out.z_front_m = z0 + front_depth_m;
    out.path_to_focus_m = roc_m;  // every point of the cap lies this far from the focus
}
}  // namespace

DeviceSetup device_setup(const DevicePreset& preset, double z0) {
    DeviceSetup out;
    const double p0 = source_pressure_Pa(preset);
    const Waveform wave = device_waveform(preset);
    const DeviceGeometry geometry = device_geometry(preset);
    std::visit(
        [&](const auto& g) {
            using G = std::decay_t<decltype(g)>;
            if constexpr (std::is_same_v<G, EllipsoidalReflector>) {
                SourceSpec s;
                s.type = SourceType::Point;
                s.position_m = {0, 0, z0 + g.z_f1_m()};
                out.sources.push_back(s);
                const double a = g.semi_major_m, b = g.semi_minor_m, z_mouth = g.z_mouth_m();
                // shell: outside the ellipsoid (a, b), inside the one grown by the wall thickness, behind the mouth
                out.rigid = [=](const std::array<double, 3>& x) {
                    const double zl = x[2] - z0, r = radial(x), zc = zl - a;
                    if (zl < -kShell_m || zl > z_mouth) return false;
                    const double in = (zc / a) * (zc / a) + (r / b) * (r / b);
                    const double A = a + kShell_m, B = b + kShell_m;
                    const double out_ = (zc / A) * (zc / A) + (r / B) * (r / B);
                    return in > 1.0 && out_ <= 1.0;
                };
                out.focus_z_m = z0 + g.z_f2_m();
                out.linear_radius_m = 15e-3;  // assumption: 60 MPa at 1 mm is 4 MPa at 15 mm
                out.linear_centre_m = {0, 0, z0 + g.z_f1_m()};
                out.radius_m = g.aperture_radius_m + kShell_m;
                out.length_m = g.z_f2_m();
                out.z_back_m = z0 - kShell_m;
                out.z_front_m = z0 + z_mouth;
                out.path_to_focus_m = 2 * a;
            } else if constexpr (std::is_same_v<G, LensSource>) {
                focused_cap(out, g.aperture_m, g.focal_length_m, g.cap_depth_m(), z0);
            } else if constexpr (std::is_same_v<G, SphericalCap>) {
                focused_cap(out, g.aperture_m, g.radius_of_curvature_m, g.depth_m(), z0);
            } else if constexpr (std::is_same_v<G, EswtHead>) {
                focused_cap(out, g.cap.aperture_m, g.cap.radius_of_curvature_m,
                            std::max(g.coupling_distance_m, g.cap.depth_m()), z0);
            } else if constexpr (std::is_same_v<G, ParaboloidReflector>) {
                SourceSpec s;
                s.type = SourceType::Cylinder;
                s.cylinder_radius_m = g.coil_radius_m;
                s.cylinder_length_m = g.coil_length_m;
                s.position_m = {0, 0, z0};
                out.sources.push_back(s);
                const double L = g.coil_length_m, rc = g.coil_radius_m;
                const ParaboloidReflector geo = g;
                out.rigid = [=](const std::array<double, 3>& x) {
                    const double zl = x[2] - z0, r = radial(x);
                    if (zl < 0 || zl > L) return false;
                    if (r <= rc - 1e-3) return true;  // the coil's core (assumption: 1 mm inside the coil surface)
                    const double rr = geo.reflector_radius_at_m(zl);
                    return r >= rr && r <= rr + kShell_m;
                };
                out.focus_z_m = z0 + g.z_focus_m();
                out.radius_m = g.aperture_radius_m() + kShell_m;
                out.length_m = g.z_focus_m();
                out.z_back_m = z0;
                out.z_front_m = z0 + L;
                out.path_to_focus_m = std::max(g.path_to_focus_m(), std::hypot(rc, g.z_focus_m()));
            } else if constexpr (std::is_same_v<G, CylindricalEmitter>) {
                SourceSpec s;
                s.type = SourceType::Cylinder;
                s.cylinder_radius_m = g.emitter_radius_m;
                s.cylinder_length_m = g.emitter_length_m;
                s.position_m = {0, 0, z0 - g.emitter_length_m / 2};
                out.sources.push_back(s);
                const double re = g.emitter_radius_m, half = g.emitter_length_m / 2;
                out.rigid = [=](const std::array<double, 3>& x) {
                    return std::abs(x[2] - z0) <= half && radial(x) <= re - 0.2e-3;  // assumption: core 0.2 mm inside
                };
                out.radius_m = g.balloon_diameter_m / 2;
                out.length_m = g.emitter_length_m;
                out.z_back_m = z0 - half;
                out.z_front_m = z0 + half;
            }
        },
        geometry);
    for (auto& s : out.sources) {
        s.p0_Pa = p0;
        s.waveform = wave;
    }
    return out;
}

MediumSpec with_linear_zone(const MediumSpec& medium, const DeviceSetup& setup) {
    if (setup.linear_radius_m <= 0) return medium;
    MediumSpec m = medium;
    const auto base = medium.at;
    const MaterialProps uniform = medium.uniform;
    const auto c = setup.linear_centre_m;
    const double r2 = setup.linear_radius_m * setup.linear_radius_m;
    m.at = [=](const std::array<double, 3>& x) {
        MaterialProps p = base ? base(x) : uniform;
        const double d2 = (x[0] - c[0]) * (x[0] - c[0]) + (x[1] - c[1]) * (x[1] - c[1]) + (x[2] - c[2]) * (x[2] - c[2]);
        if (d2 <= r2) p.BonA = -2;  // beta = 1 + B/2A = 0: linear
        return p;
    };
    return m;
}

}  // namespace lithosim::models
