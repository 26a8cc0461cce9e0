#include "models/calcium_score.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lithosim::models {

namespace {

constexpr std::int32_t kNone = -1;

/// Labels the connected sets of `mask` voxels (26-connected in 3D, or 8-connected within one slice when
/// `slice_only`), by breadth-first search from each unlabelled voxel in index order. Returns the label per voxel
/// (kNone outside the mask) and the number of sets.
std::pair<std::vector<std::int32_t>, std::int32_t> label_components(const HuVolume& v, const std::vector<bool>& mask,
                                                                   bool slice_only) {
    const auto nx = std::ptrdiff_t(v.nx), ny = std::ptrdiff_t(v.ny), nz = std::ptrdiff_t(v.nz);
    std::vector<std::int32_t> label(mask.size(), kNone);
    std::vector<std::size_t> queue;
    std::int32_t count = 0;
    const int dk = slice_only ? 0 : 1;
    for (std::size_t seed = 0; seed < mask.size(); ++seed) {
        if (!mask[seed] || label[seed] != kNone) continue;
        label[seed] = count;
        queue.assign(1, seed);
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const std::size_t c = queue[q];
            const auto i = std::ptrdiff_t(c % v.nx), j = std::ptrdiff_t((c / v.nx) % v.ny),
                       k = std::ptrdiff_t(c / (v.nx * v.ny));
            for (int ok = -dk; ok <= dk; ++ok)
                for (int oj = -1; oj <= 1; ++oj)
                    for (int oi = -1; oi <= 1; ++oi) {
                        const auto a = i + oi, b = j + oj, d = k + ok;
                        if (a < 0 || b < 0 || d < 0 || a >= nx || b >= ny || d >= nz) continue;
                        const std::size_t n = std::size_t(a + nx * (b + ny * d));
                        if (!mask[n] || label[n] != kNone) continue;
                        label[n] = count;
                        queue.push_back(n);
                    }
        }
        ++count;
    }
    return {std::move(label), count};
}

void check(const HuVolume& v, const CalciumOptions& o) {
    if (v.nx == 0 || v.ny == 0 || v.nz == 0)
        throw std::invalid_argument("calcium score: the volume is empty (" + std::to_string(v.nx) + " x " +
                                    std::to_string(v.ny) + " x " + std::to_string(v.nz) + " voxels)");
    if (v.hu.size() != v.nx * v.ny * v.nz)
        throw std::invalid_argument("calcium score: " + std::to_string(v.hu.size()) + " HU values for " +
                                    std::to_string(v.nx * v.ny * v.nz) + " voxels");
    for (double s : v.spacing_mm)
        if (!(s > 0)) throw std::invalid_argument("calcium score: voxel spacing " + std::to_string(s) + " mm; accepted: > 0");
    if (!(o.threshold_HU >= -1000))
        throw std::invalid_argument("calcium score: threshold " + std::to_string(o.threshold_HU) +
                                    " HU; accepted: >= -1000");
    if (!(o.min_island_area_mm2 > 0) || !(o.reference_slice_mm > 0))
        throw std::invalid_argument("calcium score: minimum island area and reference slice must be > 0");
    if (o.slice_thickness_mm && !(*o.slice_thickness_mm > 0 && std::isfinite(*o.slice_thickness_mm)))
        throw std::invalid_argument("calcium score: slice thickness " + std::to_string(*o.slice_thickness_mm) +
                                    " mm; accepted: > 0");
    if (o.mass_calibration_mg_per_mL_per_HU && !(*o.mass_calibration_mg_per_mL_per_HU > 0))
        throw std::invalid_argument("calcium score: mass calibration " +
                                    std::to_string(*o.mass_calibration_mg_per_mL_per_HU) +
                                    " mg/mL/HU; accepted: > 0");
}

/// "2.5" for 2.5, "1.25" for 1.25: millimetres in messages, at most 3 decimals.
std::string mm_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

/// Two lengths are the same when they differ by at most max(0.01 mm, 1 %) (as the DICOM reader's spacing check).
bool same_mm(double a, double b) { return std::abs(a - b) <= std::max(0.01, 0.01 * std::max(a, b)); }

}  // namespace

std::vector<std::string> agatston_protocol_warnings(double t, double i, bool assumed, double reference) {
    std::vector<std::string> w;
    const std::string ref = mm_text(reference) + " mm";
    if (assumed)
        w.push_back("the CT gives no slice thickness: taken as the slice increment, " + mm_text(i) +
                    " mm (contiguous slices, an assumption)");
    if (!same_mm(t, reference))
        w.push_back("CT slices " + mm_text(t) + " mm thick, not the " + ref + " of the Agatston definition: " +
                    "agatston_total is the " + ref + "-equivalent score (each slice weighted by its increment / " +
                    ref + "), but " + (t < reference ? "thinner slices resolve small, faint calcium that " + ref +
                                                           " slices average away"
                                                     : "thicker slices average small, faint calcium below 130 HU") +
                    ", so it can differ from the score of a " + ref + " scan (repeated Agatston scans agree to " +
                    "11-20 %)");
    if (i < t && !same_mm(i, t))
        w.push_back("overlapping slices (" + mm_text(t) + " mm every " + mm_text(i) +
                    " mm): the per-slice sum agatston_raw counts each lesion " + mm_text(reference / i) +
                    " times as often as " + ref + " contiguous slices; agatston_total weights each slice by " +
                    mm_text(i) + " / " + ref);
    if (i > t && !same_mm(i, t))
        w.push_back("gaps between slices (" + mm_text(t) + " mm every " + mm_text(i) +
                    " mm): calcium between the slices is not seen, so the score underestimates the calcium");
    return w;
}

int agatston_density_factor(double peak_HU) {
    if (peak_HU >= 400) return 4;
    if (peak_HU >= 300) return 3;
    if (peak_HU >= 200) return 2;
    if (peak_HU >= 130) return 1;
    return 0;
}

std::string agatston_risk_band(double total) {
    if (total <= 0) return "0";
    if (total <= 10) return "1-10";
    if (total <= 100) return "11-100";
    if (total <= 400) return "101-400";
    return ">400";
}

CalciumScore calcium_score(const HuVolume& v, const CalciumOptions& o) {
    check(v, o);
    std::vector<bool> calcium(v.hu.size());
    for (std::size_t n = 0; n < v.hu.size(); ++n) calcium[n] = v.hu[n] >= o.threshold_HU;
    const auto [lesion_of, n_lesions] = label_components(v, calcium, false);
    const auto [island_of, n_islands] = label_components(v, calcium, true);

    // Islands: area, peak HU, and the lesion each lies in (one: 26-connectivity contains in-slice 8-connectivity).
    const double pixel_mm2 = v.spacing_mm[0] * v.spacing_mm[1];
    const double voxel_mm3 = pixel_mm2 * v.spacing_mm[2];
    const double increment = v.spacing_mm[2];
    const double slice_weight = increment / o.reference_slice_mm;  // the 3 mm-equivalent weight (header)
    const auto n_isl = static_cast<std::size_t>(n_islands);
    std::vector<std::size_t> island_pixels(n_isl, 0);
    std::vector<double> island_peak(n_isl, -1e30);
    std::vector<std::int32_t> island_lesion(n_isl, kNone);
    for (std::size_t n = 0; n < v.hu.size(); ++n) {
        const std::int32_t s = island_of[n];
        if (s == kNone) continue;
        ++island_pixels[std::size_t(s)];
        island_peak[std::size_t(s)] = std::max(island_peak[std::size_t(s)], double(v.hu[n]));
        island_lesion[std::size_t(s)] = lesion_of[n];
    }
    auto qualifies = [&](std::int32_t s) { return double(island_pixels[std::size_t(s)]) * pixel_mm2 >= o.min_island_area_mm2; };

    // Lesions: sums over the qualifying islands and voxels.
    struct Sum {
        double agatston_raw = 0, voxels = 0, hu = 0, peak = -1e30;
        std::array<double, 3> x{0, 0, 0};
    };
    std::vector<Sum> sums(static_cast<std::size_t>(n_lesions));
    for (std::int32_t s = 0; s < n_islands; ++s)
        if (qualifies(s))
            sums[std::size_t(island_lesion[std::size_t(s)])].agatston_raw +=
                double(island_pixels[std::size_t(s)]) * pixel_mm2 * agatston_density_factor(island_peak[std::size_t(s)]);
    for (std::size_t n = 0; n < v.hu.size(); ++n) {
        if (island_of[n] == kNone || !qualifies(island_of[n])) continue;
        Sum& l = sums[std::size_t(lesion_of[n])];
        l.voxels += 1;
        l.hu += v.hu[n];
        l.peak = std::max(l.peak, double(v.hu[n]));
        const std::size_t idx[3] = {n % v.nx, (n / v.nx) % v.ny, n / (v.nx * v.ny)};
        const Vec3 x = v.position_mm(double(idx[0]), double(idx[1]), double(idx[2]));
        for (int a = 0; a < 3; ++a) l.x[a] += x[a];
    }

    CalciumScore out;
    out.slice_increment_mm = increment;
    out.slice_thickness_assumed = !o.slice_thickness_mm.has_value();
    out.slice_thickness_mm = o.slice_thickness_mm.value_or(increment);
    out.slice_weight = slice_weight;
    out.protocol_warnings = agatston_protocol_warnings(out.slice_thickness_mm, increment, out.slice_thickness_assumed,
                                                       o.reference_slice_mm);
    for (const Sum& l : sums) {
        if (l.voxels == 0) continue;
        LesionScore r;
        r.agatston_raw = l.agatston_raw;
        r.agatston = l.agatston_raw * slice_weight;
        r.volume_mm3 = l.voxels * voxel_mm3;
        r.peak_HU = l.peak;
        r.mean_HU = l.hu / l.voxels;
        for (int a = 0; a < 3; ++a) r.centroid_mm[a] = l.x[a] / l.voxels;
        r.equivalent_diameter_mm = std::cbrt(6 * r.volume_mm3 / std::numbers::pi);
        if (o.mass_calibration_mg_per_mL_per_HU)  // mg/mL/HU x mL x HU, 1 mL = 1000 mm^3
            r.mass_mg = *o.mass_calibration_mg_per_mL_per_HU * r.volume_mm3 * 1e-3 * r.mean_HU;
        out.agatston_raw += r.agatston_raw;
        out.agatston_total += r.agatston;
        out.volume_score_mm3 += r.volume_mm3;
        if (r.mass_mg) out.mass_score_mg = out.mass_score_mg.value_or(0.0) + *r.mass_mg;
        out.lesions.push_back(r);
    }
    std::stable_sort(out.lesions.begin(), out.lesions.end(),
                     [](const LesionScore& a, const LesionScore& b) { return a.agatston > b.agatston; });
    out.risk_band = agatston_risk_band(out.agatston_total);
    return out;
}

}  // namespace lithosim::models
