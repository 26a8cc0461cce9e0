#include "io/nifti.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "core/errors.hpp"

namespace lithosim::io {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHeaderBytes = 348, kVoxOffset = 352;

template <class T>
void put(std::vector<char>& h, std::size_t offset, T v) {
    std::memcpy(h.data() + offset, &v, sizeof v);
}
template <class T>
T get(const std::vector<char>& h, std::size_t offset) {
    T v;
    std::memcpy(&v, h.data() + offset, sizeof v);
    return v;
}

/// The header of a grid: RAS affine (sform) and the same as qform (PS: NIfTI-1 nifti1.h, method 2 and 3).
std::vector<char> header(const RtDoseVolume& g, short datatype, short bitpix, const std::string& description) {
    require_input(g.nx > 0 && g.ny > 0 && g.nz > 0 && g.nx < 32768 && g.ny < 32768 && g.nz < 32768, "NIfTI grid ",
                  g.nx, " x ", g.ny, " x ", g.nz, "; accepted: 1 to 32767 per axis");
    std::vector<char> h(kVoxOffset, 0);
    put<int>(h, 0, int(kHeaderBytes));
    put<char>(h, 38, 'r');   // regular
    const short dim[8] = {3, short(g.nx), short(g.ny), short(g.nz), 1, 1, 1, 1};
    for (int a = 0; a < 8; ++a) put<short>(h, 40 + 2 * a, dim[a]);
    put<short>(h, 70, datatype);
    put<short>(h, 72, bitpix);
    // Columns of the rotation: the grid's axes in RAS (LPS x and y negated). A right-handed LPS grid stays
    // right-handed (two flips), so qfac = 1.
    std::array<std::array<double, 3>, 3> R{};   // R[row][column]
    for (int c = 0; c < 3; ++c) {
        R[0][c] = -g.axes[c][0];
        R[1][c] = -g.axes[c][1];
        R[2][c] = g.axes[c][2];
    }
    const std::array<double, 3> offset = {-g.origin_mm[0], -g.origin_mm[1], g.origin_mm[2]};
    const float pixdim[8] = {1.0f, float(g.spacing_mm[0]), float(g.spacing_mm[1]), float(g.spacing_mm[2]), 1, 1, 1, 1};
    for (int a = 0; a < 8; ++a) put<float>(h, 76 + 4 * a, pixdim[a]);
    put<float>(h, 108, float(kVoxOffset));
    put<float>(h, 112, 1.0f);   // scl_slope
    put<char>(h, 123, 2);       // xyzt_units: mm
    std::string d = description.substr(0, 79);
    std::memcpy(h.data() + 148, d.data(), d.size());
    put<short>(h, 252, 1);   // qform_code: scanner
    put<short>(h, 254, 1);   // sform_code: scanner
    // Quaternion of R (Shepperd's method; a >= 0 as NIfTI recomputes it from b, c, d).
    double a, b, c, e;
    const double trace = R[0][0] + R[1][1] + R[2][2];
    if (trace > 0) {
        const double s = 0.5 / std::sqrt(trace + 1);
        a = 0.25 / s, b = (R[2][1] - R[1][2]) * s, c = (R[0][2] - R[2][0]) * s, e = (R[1][0] - R[0][1]) * s;
    } else if (R[0][0] > R[1][1] && R[0][0] > R[2][2]) {
        const double s = 2 * std::sqrt(1 + R[0][0] - R[1][1] - R[2][2]);
        a = (R[2][1] - R[1][2]) / s, b = 0.25 * s, c = (R[0][1] + R[1][0]) / s, e = (R[0][2] + R[2][0]) / s;
    } else if (R[1][1] > R[2][2]) {
        const double s = 2 * std::sqrt(1 + R[1][1] - R[0][0] - R[2][2]);
        a = (R[0][2] - R[2][0]) / s, b = (R[0][1] + R[1][0]) / s, c = 0.25 * s, e = (R[1][2] + R[2][1]) / s;
    } else {
        const double s = 2 * std::sqrt(1 + R[2][2] - R[0][0] - R[1][1]);
        a = (R[1][0] - R[0][1]) / s, b = (R[0][2] + R[2][0]) / s, c = (R[1][2] + R[2][1]) / s, e = 0.25 * s;
    }
    if (a < 0) b = -b, c = -c, e = -e;
    put<float>(h, 256, float(b));
    put<float>(h, 260, float(c));
    put<float>(h, 264, float(e));
    for (int r = 0; r < 3; ++r) put<float>(h, 268 + 4 * r, float(offset[r]));
    for (int r = 0; r < 3; ++r) {
        for (int col = 0; col < 3; ++col) put<float>(h, 280 + 16 * r + 4 * col, float(R[r][col] * g.spacing_mm[col]));
        put<float>(h, 280 + 16 * r + 12, float(offset[r]));
    }
    std::memcpy(h.data() + 344, "n+1\0", 4);
    return h;
}

void write_file(const fs::path& path, const std::vector<char>& h, const char* data, std::size_t bytes) {
    const fs::path partial = path.string() + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(h.data(), std::streamsize(h.size()));
        out.write(data, std::streamsize(bytes));
        if (!out) {
            std::error_code ignored;
            fs::remove(partial, ignored);
            throw std::runtime_error("cannot write the NIfTI file '" + path.string() + "'");
        }
    }
    fs::rename(partial, path);
}

}  // namespace

void write_nifti(const fs::path& path, const RtDoseVolume& v) {
    require_input(v.values.size() == v.size(), "NIfTI '", path.string(), "': ", v.values.size(), " values for ",
                  v.size(), " voxels");
    write_file(path, header(v, 16, 32, v.quantity + " [" + v.unit + "]"),
               reinterpret_cast<const char*>(v.values.data()), v.values.size() * sizeof(float));
}

void write_nifti_labels(const fs::path& path, const RtDoseVolume& grid, const std::vector<std::uint8_t>& labels,
                        const std::string& description) {
    require_input(labels.size() == grid.size(), "NIfTI '", path.string(), "': ", labels.size(), " labels for ",
                  grid.size(), " voxels");
    write_file(path, header(grid, 2, 8, description), reinterpret_cast<const char*>(labels.data()), labels.size());
}

NiftiHeader read_nifti(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    require_input(bool(in), "cannot open '", path.string(), "'");
    std::vector<char> h(kVoxOffset);
    in.read(h.data(), std::streamsize(h.size()));
    require_input(bool(in) && get<int>(h, 0) == int(kHeaderBytes) && std::memcmp(h.data() + 344, "n+1", 4) == 0,
                  "'", path.string(), "' is not a single-file NIfTI-1 image");
    NiftiHeader n;
    n.nx = std::size_t(get<short>(h, 42)), n.ny = std::size_t(get<short>(h, 44)), n.nz = std::size_t(get<short>(h, 46));
    n.datatype = get<short>(h, 70);
    n.qfac = get<float>(h, 76) < 0 ? -1 : 1;
    for (int a = 0; a < 3; ++a) n.spacing_mm[a] = get<float>(h, 80 + 4 * a);
    n.descrip = std::string(h.data() + 148, strnlen(h.data() + 148, 80));
    n.qform_code = get<short>(h, 252), n.sform_code = get<short>(h, 254);
    for (int a = 0; a < 3; ++a) n.quatern[a] = get<float>(h, 256 + 4 * a), n.qoffset[a] = get<float>(h, 268 + 4 * a);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) n.srow[r][c] = get<float>(h, 280 + 16 * r + 4 * c);
    const std::size_t count = n.nx * n.ny * n.nz;
    in.seekg(std::streamoff(get<float>(h, 108)));
    n.values.resize(count);
    if (n.datatype == 16) {
        in.read(reinterpret_cast<char*>(n.values.data()), std::streamsize(count * sizeof(float)));
    } else if (n.datatype == 2) {
        std::vector<std::uint8_t> b(count);
        in.read(reinterpret_cast<char*>(b.data()), std::streamsize(count));
        std::copy(b.begin(), b.end(), n.values.begin());
    } else {
        throw InputError("'" + path.string() + "': NIfTI datatype " + std::to_string(n.datatype) +
                         "; read: 16 (float32) or 2 (uint8)");
    }
    require_input(bool(in), "'", path.string(), "': the data are shorter than the header says");
    return n;
}

}  // namespace lithosim::io
