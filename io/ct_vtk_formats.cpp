// NIfTI, MetaImage and NRRD volumes through VTK 9.1's readers (vtkNIFTIImageReader, vtkMetaImageReader,
// vtkNrrdReader). VTK reads the voxel values; the geometry is taken where VTK 9.1 does not keep it:
//   NIfTI     sform (if sform_code > 0) else qform (if qform_code > 0) from vtkNIFTIImageReader, which maps VTK data
//             coordinates to RAS world coordinates (NIfTI-1 standard, nifti1.h "3D IMAGE (VOLUME) ORIENTATION AND
//             LOCATION IN SPACE"); RAS -> LPS by negating x and y. scl_slope/scl_inter applied (scl_slope 0:
//             no scaling, nifti1.h). xyzt_units converted to mm.
//   MetaImage header read here: vtkMetaImageReader 9.1 keeps Offset and ElementSpacing but drops TransformMatrix.
//             MetaImage/ITK geometry is LPS; TransformMatrix holds the direction of axis 0, then 1, then 2 (the
//             convention of ITK's MetaImageIO::ReadImageInformation).
//   NRRD      header read here: vtkNrrdReader 9.1 turns "space directions" into spacings and drops the directions.
//             "space origin"/"space directions" in "left-posterior-superior" (LPS) or "right-anterior-superior"
//             (RAS, converted) are honoured (NRRD0005 format definition, teem.sourceforge.net/nrrd/format.html).
#include <vtkCommand.h>
#include <vtkExecutive.h>
#include <vtkImageAlgorithm.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkMetaImageReader.h>
#include <vtkNIFTIImageHeader.h>
#include <vtkNIFTIImageReader.h>
#include <vtkNew.h>
#include <vtkNrrdReader.h>
#include <vtkPointData.h>
#include <vtkSetGet.h>
#include <vtkSmartPointer.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "io/ct_import.hpp"
#include "io/ct_import_internal.hpp"
#include "core/errors.hpp"

namespace lithosim::io {

namespace fs = std::filesystem;
using models::Vec3;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

/// Collects VTK error messages of a reader instead of printing them, so they become one-line InputErrors.
class ErrorCollector : public vtkCommand {
public:
    static ErrorCollector* New() { return new ErrorCollector; }
    void Execute(vtkObject*, unsigned long event, void* data) override {
        if (event != vtkCommand::ErrorEvent || !data || !message.empty()) return;
        std::string text = static_cast<const char*>(data);
        // VTK's text is "ERROR: In file, line N\nclass (address): message\n\n": keep the message.
        if (const auto p = text.find("): "); p != std::string::npos) text = text.substr(p + 3);
        for (char& c : text)
            if (c == '\n' || c == '\r') c = ' ';
        while (!text.empty() && text.back() == ' ') text.pop_back();
        message = text;
    }
    std::string message;
};

/// Runs a VTK reader; a VTK error becomes an InputError naming the file.
void run(vtkImageAlgorithm* reader, const std::string& what) {
    vtkNew<ErrorCollector> errors;
    reader->AddObserver(vtkCommand::ErrorEvent, errors);
    reader->AddObserver(vtkCommand::WarningEvent, errors);  // warnings are not errors, but should not be printed
    reader->GetExecutive()->AddObserver(vtkCommand::ErrorEvent, errors);
    reader->Update();
    require_input(errors->message.empty(), what, " cannot be read: ", errors->message);
}

template <class T>
void scale_values(const T* in, std::size_t n, double slope, double intercept, float* out) {
    for (std::size_t q = 0; q < n; ++q) out[q] = float(double(in[q]) * slope + intercept);
}

/// The voxels of a VTK image as HU (value * slope + intercept), x fastest; sets nx, ny, nz and hu of `v`.
void take_voxels(vtkImageData* image, double slope, double intercept, models::HuVolume& v, const std::string& what) {
    require_input(image && image->GetPointData() && image->GetPointData()->GetScalars(), what, " holds no image data");
    require_input(image->GetNumberOfScalarComponents() == 1, what, " has ", image->GetNumberOfScalarComponents(),
                  " values per voxel: a CT volume has 1");
    int dims[3];
    image->GetDimensions(dims);
    v.nx = std::size_t(dims[0]);
    v.ny = std::size_t(dims[1]);
    v.nz = std::size_t(dims[2]);
    v.hu.resize(v.size());
    float* out = v.hu.data();
    const std::size_t n = v.size();
    switch (image->GetScalarType()) {
        vtkTemplateMacro(scale_values(static_cast<const VTK_TT*>(image->GetScalarPointer()), n, slope, intercept, out));
        default:
            throw InputError(fmt(what, " has voxels of an unsupported type (", image->GetScalarTypeAsString(), ")"));
    }
}

/// Sets origin, spacing and axes from an affine map M (row-major 4x4) of VTK data coordinates
/// (data_origin + index * data_spacing) to RAS millimetres (after `scale_to_mm`), converted to LPS.
void set_geometry_from_ras_affine(const double m[16], const double data_origin[3], const double data_spacing[3],
                                  double scale_to_mm, models::HuVolume& v) {
    Vec3 origin{};
    for (int r = 0; r < 3; ++r)
        origin[r] = m[4 * r + 0] * data_origin[0] + m[4 * r + 1] * data_origin[1] + m[4 * r + 2] * data_origin[2] +
                    m[4 * r + 3];
    const double ras_to_lps[3] = {-1, -1, 1};
    for (int r = 0; r < 3; ++r) v.origin_mm[r] = ras_to_lps[r] * origin[r] * scale_to_mm;
    for (int a = 0; a < 3; ++a) {
        Vec3 step{};
        for (int r = 0; r < 3; ++r) step[r] = ras_to_lps[r] * m[4 * r + a] * data_spacing[a] * scale_to_mm;
        const double len = std::sqrt(step[0] * step[0] + step[1] * step[1] + step[2] * step[2]);
        v.spacing_mm[a] = len;
        for (int r = 0; r < 3; ++r) v.axes[a][r] = len > 0 ? step[r] / len : 0.0;
    }
}

// --- NIfTI ---------------------------------------------------------------------------------------------------------

models::HuVolume read_nifti(const fs::path& file, const std::string& what) {
    vtkNew<vtkNIFTIImageReader> reader;
    reader->SetFileName(file.c_str());
    run(reader, what);
    vtkNIFTIImageHeader* h = reader->GetNIFTIHeader();
    require_input(h != nullptr, what, " has no NIfTI header");
    require_input(h->GetDim(0) >= 3, what, " has ", h->GetDim(0), " dimensions: a CT volume has 3");
    for (int d = 4; d <= 7 && d <= h->GetDim(0); ++d)
        require_input(h->GetDim(d) <= 1, what, " has ", h->GetDim(d), " samples along dimension ", d,
                      ": only 3-D volumes (one time point, one value per voxel) are read");
    // nifti1.h: "If the scl_slope field is nonzero, then each voxel value in the dataset should be scaled as
    // y = scl_slope * x + scl_inter"; a zero (or non-finite) slope means the values are stored unscaled.
    double slope = h->GetSclSlope(), intercept = h->GetSclInter();
    if (slope == 0 || !std::isfinite(slope) || !std::isfinite(intercept)) {
        slope = 1;
        intercept = 0;
    }
    models::HuVolume v;
    take_voxels(reader->GetOutput(), slope, intercept, v, what);

    // xyzt_units & 7 (nifti1.h): 1 metre, 2 mm, 3 micron; 0 unknown.
    double scale_to_mm = 1;
    switch (h->GetXYZTUnits() & 0x07) {
        case 1:
            scale_to_mm = 1000;
            break;
        case 3:
            scale_to_mm = 1e-3;
            break;
        default:
            break;  // 2 = mm; assumption: unknown (0) units are mm, as the NIfTI tools written for MRI assume
    }
    double data_origin[3], data_spacing[3];
    reader->GetOutput()->GetOrigin(data_origin);
    reader->GetOutput()->GetSpacing(data_spacing);
    vtkMatrix4x4* m = nullptr;
    // Which transform: the sform when it is set, otherwise the qform (the order nibabel's get_best_affine uses).
    if (h->GetSFormCode() > 0) m = reader->GetSFormMatrix();
    if (!m && h->GetQFormCode() > 0) m = reader->GetQFormMatrix();
    if (m) {
        set_geometry_from_ras_affine(&m->Element[0][0], data_origin, data_spacing, scale_to_mm, v);
    } else {
        // assumption: with neither qform nor sform (NIfTI "method 1", kept for ANALYZE files) the position in the
        // patient is unknown; the volume is placed at the origin with the identity axes of LPS.
        for (int a = 0; a < 3; ++a) v.spacing_mm[a] = std::abs(data_spacing[a]) * scale_to_mm;
    }
    return v;
}

// --- text headers (MetaImage, NRRD) -------------------------------------------------------------------------------

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

/// The header lines of a file: up to (and including) the line for which `last` is true, or to the first empty
/// line when `stop_at_blank`; at most 1 MiB is looked at.
template <class Last>
std::vector<std::string> header_lines(const fs::path& file, bool stop_at_blank, Last last) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::string> lines;
    std::string line;
    std::size_t bytes = 0;
    while (bytes < (1u << 20) && std::getline(in, line)) {
        bytes += line.size() + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (stop_at_blank && trim(line).empty()) break;
        lines.push_back(line);
        if (last(line)) break;
    }
    return lines;
}

std::vector<double> numbers(const std::string& text, const std::string& what, const std::string& key) {
    std::istringstream in(text);
    std::vector<double> v;
    std::string word;
    while (in >> word) {
        char* stop = nullptr;
        const double x = std::strtod(word.c_str(), &stop);
        require_input(*stop == '\0' && std::isfinite(x), what, " has ", key, " '", text, "': not a list of numbers");
        v.push_back(x);
    }
    return v;
}

// --- MetaImage -----------------------------------------------------------------------------------------------------

models::HuVolume read_metaimage(const fs::path& file, const std::string& what) {
    std::map<std::string, std::string> field;  // lower-case key -> value
    for (const std::string& line : header_lines(file, false, [](const std::string& l) {
             return detail::lower(trim(l.substr(0, l.find('=')))) == "elementdatafile";
         })) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        field[detail::lower(trim(line.substr(0, eq)))] = trim(line.substr(eq + 1));
    }
    require_input(field.count("ndims") && field.count("dimsize") && field.count("elementdatafile"), what,
                  " is not a MetaImage file: it needs NDims, DimSize and ElementDataFile");
    require_input(field["ndims"] == "3", what, " has NDims = ", field["ndims"], ": a CT volume has 3");
    if (field.count("elementnumberofchannels"))
        require_input(field["elementnumberofchannels"] == "1", what,
                      " has ElementNumberOfChannels = ", field["elementnumberofchannels"], ": a CT volume has 1");
    const auto vec3 = [&](std::initializer_list<const char*> keys, Vec3 fallback) {
        for (const char* k : keys)
            if (field.count(k)) {
                const auto v = numbers(field[k], what, k);
                require_input(v.size() == 3, what, " has ", k, " = ", field[k], ": expected 3 numbers");
                return Vec3{v[0], v[1], v[2]};
            }
        return fallback;
    };
    // MetaIO accepts Offset, Position and Origin for the same field, TransformMatrix, Rotation and Orientation.
    // assumption: when absent, MetaIO's defaults (spacing 1, origin 0, identity directions) apply.
    models::HuVolume v;
    v.spacing_mm = vec3({"elementspacing"}, {1, 1, 1});
    v.origin_mm = vec3({"offset", "position", "origin"}, {0, 0, 0});
    for (const char* k : {"transformmatrix", "rotation", "orientation"})
        if (field.count(k)) {
            const auto m = numbers(field[k], what, k);
            require_input(m.size() == 9, what, " has ", k, " = ", field[k], ": expected 9 numbers");
            for (int a = 0; a < 3; ++a) v.axes[a] = {m[3 * a], m[3 * a + 1], m[3 * a + 2]};
            break;
        }

    vtkNew<vtkMetaImageReader> reader;
    reader->SetFileName(file.c_str());
    run(reader, what);
    const Vec3 spacing = v.spacing_mm, origin = v.origin_mm;
    const auto axes = v.axes;
    take_voxels(reader->GetOutput(), 1, 0, v, what);
    const auto dims = numbers(field["dimsize"], what, "DimSize");
    require_input(dims.size() == 3 && dims[0] == double(v.nx) && dims[1] == double(v.ny) && dims[2] == double(v.nz),
                  what, " has DimSize = ", field["dimsize"], " but VTK read ", v.nx, " x ", v.ny, " x ", v.nz);
    v.spacing_mm = spacing;
    v.origin_mm = origin;
    v.axes = axes;
    return v;
}

// --- NRRD ----------------------------------------------------------------------------------------------------------

Vec3 nrrd_vector(const std::string& text, const std::string& what, const std::string& key) {
    // "(x,y,z)"
    std::string t = trim(text);
    require_input(t.size() >= 2 && t.front() == '(' && t.back() == ')', what, " has ", key, " '", text,
                  "': expected (x,y,z)");
    t = t.substr(1, t.size() - 2);
    for (char& c : t)
        if (c == ',') c = ' ';
    const auto v = numbers(t, what, key);
    require_input(v.size() == 3, what, " has ", key, " '", text, "': expected 3 components");
    return {v[0], v[1], v[2]};
}

models::HuVolume read_nrrd(const fs::path& file, const std::string& what) {
    const auto lines = header_lines(file, true, [](const std::string&) { return false; });
    require_input(!lines.empty() && lines[0].rfind("NRRD", 0) == 0, what,
                  " is not a NRRD file (its first line must start with NRRD)");
    std::map<std::string, std::string> field;
    for (std::size_t n = 1; n < lines.size(); ++n) {
        if (lines[n].empty() || lines[n][0] == '#') continue;
        const auto colon = lines[n].find(": ");
        if (colon == std::string::npos || lines[n].find(":=") < colon) continue;  // key:=value pairs carry no geometry
        field[detail::lower(trim(lines[n].substr(0, colon)))] = trim(lines[n].substr(colon + 2));
    }
    require_input(field.count("dimension") && field["dimension"] == "3", what, " has dimension '", field["dimension"],
                  "': a CT volume has 3");
    const auto sizes = numbers(field["sizes"], what, "sizes");
    require_input(sizes.size() == 3, what, " has sizes '", field["sizes"], "': expected 3 numbers");
    // vtkNrrdReader takes a first axis of at most 9 samples for vector components (an RGB or tensor axis).
    require_input(sizes[0] >= 10, what, " has only ", sizes[0],
                  " samples along its first axis: VTK's NRRD reader takes an axis that short for vector components; "
                  "a CT volume needs at least 10");
    const std::string encoding = detail::lower(field["encoding"]);
    require_input(encoding == "raw" || encoding == "gzip" || encoding == "gz" || encoding == "ascii" ||
                      encoding == "text" || encoding == "txt",
                  what, " has encoding '", field["encoding"], "': accepted are raw, gzip and ascii");
    for (const char* skip : {"byte skip", "line skip", "byteskip", "lineskip"})
        if (field.count(skip))
            require_input(field[skip] == "0", what, " has ", skip, " ", field[skip], ": not supported by VTK's reader");

    models::HuVolume v;
    double flip_xy = 1;  // -1 for RAS
    if (field.count("space")) {
        const std::string space = detail::lower(field["space"]);
        if (space == "right-anterior-superior" || space == "ras")
            flip_xy = -1;
        else
            require_input(space == "left-posterior-superior" || space == "lps", what, " has space '", field["space"],
                          "': accepted are left-posterior-superior (LPS) and right-anterior-superior (RAS)");
    }
    // assumption: without "space" (or with only "space dimension") the axes are LPS, as for the other formats.
    if (field.count("space units")) {
        std::string units = field["space units"];
        for (char& c : units)
            if (c == '"') c = ' ';
        std::istringstream in(units);
        std::string u;
        while (in >> u) require_input(u == "mm", what, " has space units ", field["space units"], ": only mm is read");
    }
    if (field.count("space directions")) {
        std::istringstream in(field["space directions"]);
        std::string word;
        int a = 0;
        while (in >> word) {
            require_input(word != "none", what,
                          " has a 'none' space direction: a CT volume has three spatial axes and no vector axis");
            require_input(a < 3, what, " has space directions '", field["space directions"], "': expected 3 vectors");
            Vec3 d = nrrd_vector(word, what, "space directions");
            d[0] *= flip_xy;
            d[1] *= flip_xy;
            const double len = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            require_input(len > 0, what, " has a zero space direction ", word);
            v.spacing_mm[a] = len;
            v.axes[a] = {d[0] / len, d[1] / len, d[2] / len};
            ++a;
        }
        require_input(a == 3, what, " has space directions '", field["space directions"], "': expected 3 vectors");
    } else if (field.count("spacings")) {
        const auto s = numbers(field["spacings"], what, "spacings");
        require_input(s.size() == 3, what, " has spacings '", field["spacings"], "': expected 3 numbers");
        v.spacing_mm = {s[0], s[1], s[2]};
    }
    if (field.count("space origin")) {
        Vec3 o = nrrd_vector(field["space origin"], what, "space origin");
        v.origin_mm = {flip_xy * o[0], flip_xy * o[1], o[2]};
    }

    vtkNew<vtkNrrdReader> reader;
    reader->SetFileName(file.c_str());
    run(reader, what);
    const Vec3 spacing = v.spacing_mm, origin = v.origin_mm;
    const auto axes = v.axes;
    take_voxels(reader->GetOutput(), 1, 0, v, what);
    require_input(sizes[0] == double(v.nx) && sizes[1] == double(v.ny) && sizes[2] == double(v.nz), what, " has sizes ",
                  field["sizes"], " but VTK read ", v.nx, " x ", v.ny, " x ", v.nz);
    v.spacing_mm = spacing;
    v.origin_mm = origin;
    v.axes = axes;
    return v;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

CtImage read_ct_image(const fs::path& file, const std::string& salt) {
    std::error_code ec;
    require_input(fs::exists(file, ec), "CT file ", quoted(file), " does not exist");
    require_input(fs::is_regular_file(file, ec), "CT file ", quoted(file), " is not a regular file");
    const std::string name = detail::lower(file.filename().string());
    CtImage out;
    std::string what;
    if (ends_with(name, ".nii") || ends_with(name, ".nii.gz")) {
        out.format = "nifti";
        what = "NIfTI file " + quoted(file);
        out.volume = read_nifti(file, what);
    } else if (ends_with(name, ".mha") || ends_with(name, ".mhd")) {
        out.format = "metaimage";
        what = "MetaImage file " + quoted(file);
        out.volume = read_metaimage(file, what);
    } else if (ends_with(name, ".nrrd") || ends_with(name, ".nhdr")) {
        out.format = "nrrd";
        what = "NRRD file " + quoted(file);
        out.volume = read_nrrd(file, what);
    } else {
        std::string accepted;
        for (const std::string& e : ct_file_extensions()) accepted += (accepted.empty() ? "" : ", ") + e;
        throw InputError(fmt("CT file ", quoted(file), " has an unknown type: accepted are ", accepted,
                             ", and a DICOM folder or .dcm file"));
    }
    detail::check_volume(out.volume, what);
    out.input_sha1 = volume_sha1(out.volume);
    out.pseudonym = pseudonym({out.input_sha1}, salt);
    return out;
}

}  // namespace lithosim::io
