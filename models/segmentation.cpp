// Segmentation into labels: HU ladder, outside air -> coupling water, calcium components -> bone or calcification.
// The thresholds' sources and the rule's failure modes are in models/MAPPING.md.
#include "models/segmentation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace lithosim::models {

namespace {

using Index = std::uint32_t;  // voxel index in the work stacks (halves their memory against size_t)

// Band labels stored while segmenting: the final labels, plus "calcium, not yet visited".
constexpr std::uint8_t kCalciumUnvisited = 255;
constexpr std::uint8_t kRimNew = 254;  // lung-band voxel reached by this pass of the rim growth

std::uint8_t u8(Label l) { return static_cast<std::uint8_t>(l); }

struct DoubleOption {
    const char* name;
    double SegmentationOptions::*member;
};

// The HU ladder, in the order the values must increase.
constexpr DoubleOption kLadder[] = {
    {"lung_min_HU", &SegmentationOptions::lung_min_HU},
    {"fat_min_HU", &SegmentationOptions::fat_min_HU},
    {"fluid_min_HU", &SegmentationOptions::fluid_min_HU},
    {"soft_tissue_min_HU", &SegmentationOptions::soft_tissue_min_HU},
    {"tendon_min_HU", &SegmentationOptions::tendon_min_HU},
    {"calcium_HU", &SegmentationOptions::calcium_HU},
    {"cortical_HU", &SegmentationOptions::cortical_HU},
};

std::string accepted_names() {
    std::string s;
    for (const std::string& n : SegmentationOptions::names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

}  // namespace

// ------------------------------------------------------------------------------------------------ options

const std::vector<std::string>& SegmentationOptions::names() {
    static const std::vector<std::string> n = [] {
        std::vector<std::string> v;
        for (const DoubleOption& o : kLadder) v.emplace_back(o.name);
        v.emplace_back("bone_min_volume_mm3");
        v.emplace_back("outside_air_is_coupling");
        v.emplace_back("outside_rim_voxels");
        return v;
    }();
    return n;
}

void SegmentationOptions::set(const std::string& name, double value) {
    require_input(std::isfinite(value), "segmentation option ", name, " = ", value, ": the value must be finite");
    for (const DoubleOption& o : kLadder) {
        if (name == o.name) {
            this->*(o.member) = value;
            return;
        }
    }
    if (name == "bone_min_volume_mm3") {
        bone_min_volume_mm3 = value;
        return;
    }
    if (name == "outside_air_is_coupling") {
        require_input(value == 0 || value == 1, "segmentation option outside_air_is_coupling = ", value,
                      ": accepted 0 (air at the border stays air) or 1 (it becomes coupling water)");
        outside_air_is_coupling = value == 1;
        return;
    }
    if (name == "outside_rim_voxels") {
        require_input(value >= 0 && value <= 10 && value == std::floor(value),
                      "segmentation option outside_rim_voxels = ", value, ": accepted an integer 0 to 10");
        outside_rim_voxels = static_cast<int>(value);
        return;
    }
    throw InputError(fmt("unknown segmentation option '", name, "'; accepted: ", accepted_names()));
}

void SegmentationOptions::set(const std::string& assignment) {
    const auto eq = assignment.find('=');
    require_input(eq != std::string::npos, "segmentation override '", assignment,
                  "' is not of the form name=value (e.g. fat_min_HU=-200); names: ", accepted_names());
    const std::string name = trim(assignment.substr(0, eq));
    const std::string text = trim(assignment.substr(eq + 1));
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    require_input(!text.empty() && ec == std::errc() && ptr == end, "segmentation override '", assignment,
                  "': the value '", text, "' is not a number");
    set(name, value);
}

void SegmentationOptions::apply(const std::vector<std::string>& assignments) {
    for (const std::string& a : assignments) set(a);
    validate();
}

double SegmentationOptions::get(const std::string& name) const {
    for (const DoubleOption& o : kLadder)
        if (name == o.name) return this->*(o.member);
    if (name == "bone_min_volume_mm3") return bone_min_volume_mm3;
    if (name == "outside_air_is_coupling") return outside_air_is_coupling ? 1 : 0;
    if (name == "outside_rim_voxels") return outside_rim_voxels;
    throw InputError(fmt("unknown segmentation option '", name, "'; accepted: ", accepted_names()));
}

void SegmentationOptions::validate() const {
    for (const DoubleOption& o : kLadder)
        require_input(std::isfinite(this->*(o.member)), "segmentation option ", o.name, " = ", this->*(o.member),
                      ": the value must be finite");
    std::string order;
    for (const DoubleOption& o : kLadder) order += (order.empty() ? "" : " < ") + std::string(o.name);
    for (std::size_t i = 1; i < std::size(kLadder); ++i) {
        const DoubleOption& lo = kLadder[i - 1];
        const DoubleOption& hi = kLadder[i];
        require_input(this->*(hi.member) > this->*(lo.member), "segmentation thresholds must increase: ", hi.name,
                      " = ", this->*(hi.member), " is not above ", lo.name, " = ", this->*(lo.member),
                      " (required order: ", order, ")");
    }
    require_input(std::isfinite(bone_min_volume_mm3) && bone_min_volume_mm3 >= 0,
                  "segmentation option bone_min_volume_mm3 = ", bone_min_volume_mm3, ": accepted >= 0");
    require_input(outside_rim_voxels >= 0 && outside_rim_voxels <= 10, "segmentation option outside_rim_voxels = ",
                  outside_rim_voxels, ": accepted an integer 0 to 10");
}

std::string SegmentationOptions::describe() const {
    std::string s;
    for (const std::string& n : names()) s += (s.empty() ? "" : " ") + n + "=" + fmt(get(n));
    return s;
}

// ------------------------------------------------------------------------------------------------ segment

LabelMap segment(const HuVolume& v, const SegmentationOptions& o, const std::vector<std::uint8_t>* target_mask) {
    o.validate();
    const std::size_t n = v.size();
    require_input(n > 0, "segment: the volume is empty (", v.nx, " x ", v.ny, " x ", v.nz, " voxels)");
    require_input(v.hu.size() == n, "segment: the volume holds ", v.hu.size(), " HU values for ", v.nx, " x ", v.ny,
                  " x ", v.nz, " = ", n, " voxels");
    require_input(n <= std::numeric_limits<Index>::max(), "segment: ", n, " voxels exceed the limit of ",
                  std::numeric_limits<Index>::max(), "; crop or resample the volume first");
    for (int a = 0; a < 3; ++a)
        require_input(std::isfinite(v.spacing_mm[a]) && v.spacing_mm[a] > 0, "segment: spacing_mm[", a, "] = ",
                      v.spacing_mm[a], " must be > 0");
    if (target_mask)
        require_input(target_mask->size() == n, "segment: the target mask holds ", target_mask->size(),
                      " voxels, the volume ", n);

    const std::size_t nx = v.nx, ny = v.ny, nz = v.nz, nxy = nx * ny;
    const float* hu = v.hu.data();
    LabelMap label(n);

    // 1. HU bands. Fluid, soft tissue and tendon lie only 15-50 HU apart, less than the noise of a clinical CT, so
    // those three bands are told apart on the mean HU of the voxel's 3 x 3 x 3 neighbours that are themselves in
    // the fluid..tendon range (noise / 5; edges with fat, air or bone do not pull the mean).
    auto soft_band = [&](double h) { return h >= o.fluid_min_HU && h < o.calcium_HU; };
    std::vector<float> band_mean(n, 0.0f);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t z = 0; z < std::ptrdiff_t(nz); ++z)
        for (std::size_t y = 0; y < ny; ++y)
            for (std::size_t x = 0; x < nx; ++x) {
                const std::size_t i = x + nx * (y + ny * std::size_t(z));
                if (!soft_band(hu[i])) continue;
                double sum = 0;
                int count = 0;
                for (std::ptrdiff_t c = std::max<std::ptrdiff_t>(z - 1, 0); c <= std::min<std::ptrdiff_t>(z + 1, nz - 1); ++c)
                    for (std::size_t b = y ? y - 1 : 0; b <= std::min(y + 1, ny - 1); ++b)
                        for (std::size_t a = x ? x - 1 : 0; a <= std::min(x + 1, nx - 1); ++a) {
                            const float q = hu[a + nx * (b + ny * std::size_t(c))];
                            if (soft_band(q)) sum += q, ++count;
                        }
                band_mean[i] = float(sum / count);
            }
    for (std::size_t i = 0; i < n; ++i) {
        const double h = soft_band(hu[i]) ? double(band_mean[i]) : double(hu[i]);
        if (!std::isfinite(h)) {
            const std::size_t x = i % nx, y = (i / nx) % ny, z = i / nxy;
            throw InputError(fmt("segment: voxel (", x, ", ", y, ", ", z, ") has HU ", h, "; HU must be finite"));
        }
        Label l = Label::air;
        if (h >= o.calcium_HU) {
            label[i] = kCalciumUnvisited;
            continue;
        }
        if (h >= o.tendon_min_HU) l = Label::tendon;
        else if (h >= o.soft_tissue_min_HU) l = Label::soft_tissue;
        else if (h >= o.fluid_min_HU) l = Label::fluid;
        else if (h >= o.fat_min_HU) l = Label::fat;
        else if (h >= o.lung_min_HU) l = Label::lung;
        label[i] = u8(l);
    }

    // Visit the 6 face neighbours (or all 26) of voxel (x, y, z) that lie inside the volume.
    auto for_neighbours = [&](std::size_t i, bool faces_only, auto&& visit) {
        const std::size_t x = i % nx, y = (i / nx) % ny, z = i / nxy;
        for (int dz = -1; dz <= 1; ++dz) {
            if ((dz < 0 && z == 0) || (dz > 0 && z + 1 == nz)) continue;
            for (int dy = -1; dy <= 1; ++dy) {
                if ((dy < 0 && y == 0) || (dy > 0 && y + 1 == ny)) continue;
                for (int dx = -1; dx <= 1; ++dx) {
                    if ((dx < 0 && x == 0) || (dx > 0 && x + 1 == nx)) continue;
                    const int manhattan = std::abs(dx) + std::abs(dy) + std::abs(dz);
                    if (manhattan == 0 || (faces_only && manhattan != 1)) continue;
                    visit(i + dx + std::ptrdiff_t(nx) * dy + std::ptrdiff_t(nxy) * dz);
                }
            }
        }
    };

    // 2. Outside air -> coupling water: flood (6-connected) from the faces through the air band, then grow into
    //    the lung band (partial volume at the skin) one voxel layer per pass.
    if (o.outside_air_is_coupling) {
        const std::uint8_t air = u8(Label::air), water = u8(Label::water), lung = u8(Label::lung);
        std::vector<Index> stack;
        auto seed = [&](std::size_t i) {
            if (label[i] == air) {
                label[i] = water;
                stack.push_back(Index(i));
            }
        };
        for (std::size_t z = 0; z < nz; ++z)
            for (std::size_t y = 0; y < ny; ++y)
                for (std::size_t x = 0; x < nx; ++x) {
                    const bool border = x == 0 || y == 0 || z == 0 || x + 1 == nx || y + 1 == ny || z + 1 == nz;
                    if (border) seed(x + nx * y + nxy * z);
                    else x = nx - 2;  // an interior voxel: jump to the last one of the row (a border voxel)
                }
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            for_neighbours(i, true, [&](std::size_t j) { seed(j); });
        }
        for (int pass = 0; pass < o.outside_rim_voxels; ++pass) {
            bool grew = false;
            for (std::size_t i = 0; i < n; ++i) {
                if (label[i] != lung) continue;
                bool touches = false;
                for_neighbours(i, true, [&](std::size_t j) { touches = touches || label[j] == water; });
                if (touches) {
                    label[i] = kRimNew;
                    grew = true;
                }
            }
            if (!grew) break;
            for (std::size_t i = 0; i < n; ++i)
                if (label[i] == kRimNew) label[i] = water;
        }
    }

    // 3. Calcium components (26-connected; target voxels are not part of them): bone or calcification.
    if (target_mask)
        for (std::size_t i = 0; i < n; ++i)
            if ((*target_mask)[i]) label[i] = u8(Label::calcification);
    const double voxel_mm3 = v.spacing_mm[0] * v.spacing_mm[1] * v.spacing_mm[2];
    std::vector<Index> component, stack;
    for (std::size_t s = 0; s < n; ++s) {
        if (label[s] != kCalciumUnvisited) continue;
        component.clear();
        label[s] = u8(Label::calcification);
        stack.assign(1, Index(s));
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            component.push_back(Index(i));
            for_neighbours(i, false, [&](std::size_t j) {
                if (label[j] == kCalciumUnvisited) {
                    label[j] = u8(Label::calcification);
                    stack.push_back(Index(j));
                }
            });
        }
        if (double(component.size()) * voxel_mm3 > o.bone_min_volume_mm3)
            for (const Index i : component)
                label[i] = u8(hu[i] >= o.cortical_HU ? Label::bone_cortical : Label::bone_trabecular);
    }
    // 4. Target voxels are calcification whatever their HU (already set before step 3, which skips them).
    return label;
}

std::array<std::size_t, kLabelCount> label_counts(const LabelMap& labels) {
    std::array<std::size_t, kLabelCount> counts{};
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::uint8_t l = labels[i];
        require_input(l < kLabelCount, "label map: voxel ", i, " holds ", int(l), ", not a label (0 to ",
                      kLabelCount - 1, ")");
        ++counts[l];
    }
    return counts;
}

}  // namespace lithosim::models
