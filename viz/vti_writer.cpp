#include "viz/vti_writer.hpp"

#include <vtkErrorCode.h>
#include <vtkFieldData.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkInformation.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkStringArray.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLImageDataWriter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <stdexcept>
#include <system_error>

namespace lithosim::viz {

namespace fs = std::filesystem;

namespace {

constexpr double mm_per_m = 1e3;

std::string quoted(const fs::path& p) {
    std::string text(1, '\'');
    text += p.string();
    text += '\'';
    return text;
}

/// Same grid up to rounding in the last bits (maps derived from one grid carry identical numbers anyway).
bool same_grid(const Map3& a, const Map3& b) {
    if (a.nx != b.nx || a.ny != b.ny || a.nz != b.nz) return false;
    for (int k = 0; k < 3; ++k) {
        const double tol = 1e-9 * std::max({std::abs(a.spacing_m[k]), std::abs(b.spacing_m[k]), 1e-12});
        if (std::abs(a.origin_m[k] - b.origin_m[k]) > tol || std::abs(a.spacing_m[k] - b.spacing_m[k]) > tol) {
            return false;
        }
    }
    return true;
}

void check_arguments(const fs::path& path, const VtiContent& content) {
    const std::vector<VtiArray>& arrays = content.arrays;
    std::string where = "VTI file ";
    where += quoted(path);
    where += ": ";
    if (arrays.empty()) throw std::invalid_argument(where + "no arrays to write (a float array gives the grid)");
    std::set<std::string> names;
    const Map3* first = arrays.front().map;
    for (const VtiArray& a : arrays) {
        const std::string what = where + "array '" + a.name + "' ";
        if (a.name.empty()) throw std::invalid_argument(where + "an array has an empty name");
        if (!names.insert(a.name).second) throw std::invalid_argument(what + "appears twice");
        if (a.map == nullptr) throw std::invalid_argument(what + "has no map");
        if (!std::isfinite(a.scale)) throw std::invalid_argument(what + "has a non-finite scale");
        const Map3& m = *a.map;
        if (m.size() == 0 || m.values.size() != m.size()) {
            throw std::invalid_argument(what + "has " + std::to_string(m.values.size()) +
                                        " values for shape " + std::to_string(m.nx) + " x " + std::to_string(m.ny) +
                                        " x " + std::to_string(m.nz));
        }
        if (first == nullptr || !same_grid(*first, m)) {
            throw std::invalid_argument(what + "is on a different grid (shape, origin or spacing) than array '" +
                                        arrays.front().name + "'; all arrays of one file must share the grid");
        }
    }
    for (const VtiLabelArray& a : content.labels) {
        const std::string what = where + "label array '" + a.name + "' ";
        if (a.name.empty()) throw std::invalid_argument(where + "a label array has an empty name");
        if (!names.insert(a.name).second) throw std::invalid_argument(what + "appears twice");
        if (a.values == nullptr) throw std::invalid_argument(what + "has no values");
        if (a.values->size() != first->size()) {
            throw std::invalid_argument(what + "has " + std::to_string(a.values->size()) + " values; the grid has " +
                                        std::to_string(first->size()) + " points");
        }
    }
    if (content.placement) {
        const auto& e = content.placement->axes;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                const double dot = e[a][0] * e[b][0] + e[a][1] * e[b][1] + e[a][2] * e[b][2];
                if (!(std::abs(dot - (a == b ? 1.0 : 0.0)) < 1e-6))
                    throw std::invalid_argument(where + "the placement's axes are not orthonormal");
            }
    }
    std::set<std::string> field_names;
    if (!content.coordinates.empty()) field_names.insert("coordinates");
    for (const VtiStrings& f : content.field_strings) {
        if (f.name.empty() || !field_names.insert(f.name).second) {
            throw std::invalid_argument(where + "field string list '" + f.name + "' is unnamed or appears twice");
        }
    }
}

/// Spacing in mm, with unused single-sample axes given a usable spacing (see the header).
std::array<double, 3> spacing_mm(const Map3& m) {
    const std::array<std::size_t, 3> n{m.nx, m.ny, m.nz};
    std::array<double, 3> s{};
    double largest = 0;
    for (int k = 0; k < 3; ++k) {
        s[k] = m.spacing_m[k] * mm_per_m;
        largest = std::max(largest, s[k]);
    }
    for (int k = 0; k < 3; ++k) {
        if (s[k] == 0 && n[k] == 1) s[k] = largest > 0 ? largest : 1.0;
    }
    return s;
}

}  // namespace

void write_vti(const fs::path& path, const std::vector<VtiArray>& arrays) {
    VtiContent content;
    content.arrays = arrays;
    write_vti_content(path, content);
}

void write_vti_content(const fs::path& path, const VtiContent& content) {
    check_arguments(path, content);
    const std::vector<VtiArray>& arrays = content.arrays;
    const Map3& grid = *arrays.front().map;

    vtkNew<vtkImageData> image;
    image->SetDimensions(static_cast<int>(grid.nx), static_cast<int>(grid.ny), static_cast<int>(grid.nz));
    const std::array<double, 3> frame_origin{grid.origin_m[0] * mm_per_m, grid.origin_m[1] * mm_per_m,
                                             grid.origin_m[2] * mm_per_m};
    if (content.placement) {
        // world = placement origin + axes . frame; VTK: world = Origin + Direction (spacing . index), so Origin is
        // the grid's first point placed, and column a of Direction is the world direction of frame axis a.
        const VtiPlacement& p = *content.placement;
        std::array<double, 3> origin = p.origin_mm;
        double direction[9];
        for (int r = 0; r < 3; ++r) {
            for (int a = 0; a < 3; ++a) {
                origin[r] += frame_origin[a] * p.axes[a][r];
                direction[3 * r + a] = p.axes[a][r];
            }
        }
        image->SetOrigin(origin.data());
        image->SetDirectionMatrix(direction);
    } else {
        image->SetOrigin(frame_origin.data());
    }
    const std::array<double, 3> spacing = spacing_mm(grid);
    image->SetSpacing(spacing.data());

    // VTK point order is x fastest, then y, then z: the same as Map3::values.
    for (const VtiArray& a : arrays) {
        vtkNew<vtkFloatArray> data;
        data->SetName(a.name.c_str());
        data->SetNumberOfComponents(1);
        data->SetNumberOfTuples(static_cast<vtkIdType>(a.map->size()));
        float* out = data->GetPointer(0);
        const std::vector<float>& in = a.map->values;
        for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<float>(in[i] * a.scale);
        if (!a.unit.empty()) data->GetInformation()->Set(vtkDataArray::UNITS_LABEL(), a.unit.c_str());
        image->GetPointData()->AddArray(data);
    }
    for (const VtiLabelArray& a : content.labels) {
        vtkNew<vtkUnsignedCharArray> data;
        data->SetName(a.name.c_str());
        data->SetNumberOfComponents(1);
        data->SetNumberOfTuples(static_cast<vtkIdType>(a.values->size()));
        std::copy(a.values->begin(), a.values->end(), data->GetPointer(0));
        if (!a.unit.empty()) data->GetInformation()->Set(vtkDataArray::UNITS_LABEL(), a.unit.c_str());
        image->GetPointData()->AddArray(data);
    }
    for (const VtiStrings& f : content.field_strings) {
        vtkNew<vtkStringArray> data;
        data->SetName(f.name.c_str());
        data->SetNumberOfValues(static_cast<vtkIdType>(f.values.size()));
        for (std::size_t i = 0; i < f.values.size(); ++i) data->SetValue(static_cast<vtkIdType>(i), f.values[i]);
        image->GetFieldData()->AddArray(data);
    }
    if (!content.coordinates.empty()) {
        vtkNew<vtkStringArray> data;
        data->SetName("coordinates");
        data->InsertNextValue(content.coordinates);
        image->GetFieldData()->AddArray(data);
    }
    image->GetPointData()->SetActiveScalars(arrays.front().name.c_str());

    // Checked here so the user gets a plain message instead of VTK's error output.
    const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw std::runtime_error("writing VTI file " + quoted(path) + " failed: directory " + quoted(dir) +
                                 " does not exist");
    }
    fs::path partial = path;
    partial += ".partial";
    vtkNew<vtkXMLImageDataWriter> writer;
    writer->SetInputData(image);
    writer->SetFileName(partial.string().c_str());
    writer->SetDataModeToAppended();
    writer->EncodeAppendedDataOff();  // raw binary, not base64
    writer->SetCompressorTypeToZLib();
    writer->SetHeaderTypeToUInt64();
    const int ok = writer->Write();
    const unsigned long error = writer->GetErrorCode();

    if (ok != 1 || error != 0) {
        fs::remove(partial, ec);
        throw std::runtime_error("writing VTI file " + quoted(path) + " failed: " +
                                 (error != 0 ? vtkErrorCode::GetStringFromErrorCode(error) : "VTK writer error"));
    }
    fs::rename(partial, path, ec);
    if (ec) {
        fs::remove(partial, ec);
        throw std::runtime_error("writing VTI file " + quoted(path) + " failed: cannot rename " + quoted(partial) +
                                 ": " + ec.message());
    }
}

}  // namespace lithosim::viz
