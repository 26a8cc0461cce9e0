// DICOM CT series: reading a folder of slices into a HuVolume, and writing a HuVolume as a CT series (GDCM).
//
// Reading is two passes: the headers of every file (to group the files by series and to check them), then the
// pixel data of the chosen series only. Geometry (DICOM PS3.3 C.7.6.2, Image Plane module):
//   ImageOrientationPatient (0020,0037) = r\c: r is the direction of increasing column index i, c that of
//     increasing row index j (unit vectors, LPS);
//   ImagePositionPatient (0020,0032) = centre of the first transmitted pixel (i = j = 0), mm;
//   PixelSpacing (0028,0030) = "row spacing\column spacing": the first value is the distance between the centres
//     of adjacent rows (a step in j), the second the distance between adjacent columns (a step in i).
// Slices are sorted by the projection of their position on the slice normal n = r x c.
// The CT protocol: the reconstruction increment is the step of the slice positions along n (the volume's slice
// spacing); SliceThickness (0018,0050, Type 2 in the Image Plane module) is the nominal thickness of every slice, and
// SpacingBetweenSlices (0018,0088), when a writer gives it, is checked against the positions.
#include <gdcmAttribute.h>
#include <gdcmByteValue.h>
#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmPixelFormat.h>
#include <gdcmReader.h>
#include <gdcmTag.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>
#include <gdcmUIDGenerator.h>
#include <gdcmVR.h>
#include <gdcmWriter.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>

#include "io/ct_import.hpp"
#include "io/ct_import_internal.hpp"
#include "core/errors.hpp"

namespace lithosim::io {

namespace fs = std::filesystem;
using models::Vec3;

namespace {

// --- tags --------------------------------------------------------------------------------------------------------
const gdcm::Tag kSopClassUid(0x0008, 0x0016), kSopInstanceUid(0x0008, 0x0018), kModality(0x0008, 0x0060),
    kSeriesDescription(0x0008, 0x103e), kPatientName(0x0010, 0x0010), kPatientId(0x0010, 0x0020),
    kPatientBirthDate(0x0010, 0x0030), kStudyInstanceUid(0x0020, 0x000d), kSeriesInstanceUid(0x0020, 0x000e),
    kFrameOfReferenceUid(0x0020, 0x0052),
    kSliceThickness(0x0018, 0x0050), kSpacingBetweenSlices(0x0018, 0x0088), kImagePosition(0x0020, 0x0032),
    kImageOrientation(0x0020, 0x0037), kNumberOfFrames(0x0028, 0x0008),
    kRows(0x0028, 0x0010), kColumns(0x0028, 0x0011), kPixelSpacing(0x0028, 0x0030), kRescaleIntercept(0x0028, 0x1052),
    kRescaleSlope(0x0028, 0x1053), kPixelData(0x7fe0, 0x0010);

/// CT Image Storage SOP class (DICOM PS3.4 B.5).
constexpr const char* kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

// --- tolerances --------------------------------------------------------------------------------------------------
// assumption: scanners write ImagePositionPatient to 0.01 mm or better (common: 1e-3 to 1e-6 mm), so two
// positions closer than 0.01 mm are the same place, and an in-plane shift under 0.01 mm is rounding, not tilt.
constexpr double kPositionTolerance_mm = 0.01;
// A slice-to-slice step deviates from the series' spacing when it differs by more than
// max(0.01 mm, 1 % of the spacing): the absolute part covers the rounding above, the relative part thick slices.
constexpr double kSpacingRelativeTolerance = 0.01;
// Rows of ImageOrientationPatient and PixelSpacing must agree between slices to this (same scan written twice).
constexpr double kOrientationTolerance = 1e-4;
constexpr double kPixelSpacingTolerance_mm = 1e-4;

// --- small vector helpers ----------------------------------------------------------------------------------------
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// --- reading tags ------------------------------------------------------------------------------------------------
/// The text of a string-valued element without DICOM padding (spaces, NUL); empty when absent.
std::string text_of(const gdcm::DataSet& ds, const gdcm::Tag& tag) {
    if (!ds.FindDataElement(tag)) return {};
    const gdcm::ByteValue* bv = ds.GetDataElement(tag).GetByteValue();
    if (!bv || bv->GetLength() == 0) return {};
    std::string s(bv->GetPointer(), bv->GetLength());
    const auto pad = [](char c) { return c == ' ' || c == '\0'; };
    while (!s.empty() && pad(s.back())) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && pad(s[b])) ++b;
    return s.substr(b);
}

/// An unsigned short (US) element, 0 when absent.
template <std::uint16_t G, std::uint16_t E>
unsigned us_of(const gdcm::DataSet& ds) {
    if (!ds.FindDataElement(gdcm::Tag(G, E)) || ds.GetDataElement(gdcm::Tag(G, E)).IsEmpty()) return 0;
    gdcm::Attribute<G, E> at;
    at.SetFromDataSet(ds);
    return at.GetValue();
}

/// Everything the reader needs from one file's header, as text; parsed only for the files of the chosen series.
struct SliceHeader {
    fs::path file;
    std::string series_uid, modality, description, frame_of_reference_uid;
    std::string position, orientation, pixel_spacing, slope, intercept, frames;
    std::string thickness, spacing_between;  // SliceThickness, SpacingBetweenSlices (may be empty)
    unsigned rows = 0, columns = 0;
    // Identifiers: used only for the pseudonym, never copied out of this file.
    std::string patient_id, patient_name, birth_date;
};

// --- structure check -----------------------------------------------------------------------------------------------
// Debian's GDCM is built with assertions on, and aborts the process on a file that ends inside an element. So every
// file is walked here first: the element lengths (PS3.5 7.1, sequences and items 7.5, encapsulated pixel data A.4)
// must fit in the file and end exactly at its end. Only then is it handed to GDCM.
class DicomStructure {
public:
    explicit DicomStructure(const std::string& bytes)
        : d_(reinterpret_cast<const unsigned char*>(bytes.data())), n_(bytes.size()) {}

    /// Empty when the file is well formed, else what is wrong.
    std::string check() {
        if (n_ < 132 || std::memcmp(d_ + 128, "DICM", 4) != 0)
            return "is not a DICOM file (no 'DICM' marker after the 128-byte preamble)";
        std::size_t pos = 132;
        std::string syntax;
        std::size_t meta_end = 0;                             // from the group length (0002,0000), when given
        while (pos + 8 <= n_ && u16(pos, false) == 0x0002) {  // File Meta Information: explicit VR little endian
            const std::size_t start = pos;
            if (!element(pos, n_, true, false, 0)) return "is truncated or corrupt in its file meta information";
            if (u16(start + 2, false) == 0x0000 && pos - start == 12) meta_end = pos + u32(start + 8, false);
            if (u16(start + 2, false) == 0x0010) syntax = text(start, pos);
        }
        if (syntax.empty() || (meta_end && pos != meta_end))
            return "is truncated or corrupt in its file meta information";
        if (syntax == "1.2.840.10008.1.2.1.99") return {};  // deflated: the data set cannot be walked uncompressed
        if (pos >= n_) return "has no data set after its file meta information (truncated)";
        const bool explicit_vr = syntax != "1.2.840.10008.1.2";
        const bool big_endian = syntax == "1.2.840.10008.1.2.2";
        while (pos < n_)
            if (!element(pos, n_, explicit_vr, big_endian, 0))
                return fmt("is truncated or corrupt at byte ", pos, " of ", n_);
        return {};
    }

private:
    std::uint16_t u16(std::size_t p, bool be) const {
        return be ? std::uint16_t(d_[p] << 8 | d_[p + 1]) : std::uint16_t(d_[p] | d_[p + 1] << 8);
    }
    std::uint32_t u32(std::size_t p, bool be) const {
        return be ? std::uint32_t(d_[p]) << 24 | std::uint32_t(d_[p + 1]) << 16 | std::uint32_t(d_[p + 2]) << 8 |
                        d_[p + 3]
                  : std::uint32_t(d_[p + 3]) << 24 | std::uint32_t(d_[p + 2]) << 16 | std::uint32_t(d_[p + 1]) << 8 |
                        d_[p];
    }
    /// The value of the element that starts at `start` (explicit VR, short form) and ends at `end`, unpadded.
    std::string text(std::size_t start, std::size_t end) const {
        std::string s(reinterpret_cast<const char*>(d_ + start + 8), end - start - 8);
        while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
        return s;
    }

    /// One data element at `pos` (not an item or delimiter), ending at or before `end`.
    bool element(std::size_t& pos, std::size_t end, bool explicit_vr, bool be, int depth) {
        if (depth > 32 || pos + 8 > end) return false;
        const std::uint16_t group = u16(pos, be), elem = u16(pos + 2, be);
        if (group == 0xfffe) return false;
        std::uint32_t length = 0;
        std::string vr;
        if (explicit_vr) {
            vr.assign(reinterpret_cast<const char*>(d_ + pos + 4), 2);
            if (!std::isupper(static_cast<unsigned char>(vr[0])) || !std::isupper(static_cast<unsigned char>(vr[1])))
                return false;
            static const char* long_form[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                              "SV", "UC", "UN", "UR", "UT", "UV"};
            if (std::any_of(std::begin(long_form), std::end(long_form), [&](const char* v) { return vr == v; })) {
                if (pos + 12 > end) return false;
                length = u32(pos + 8, be);
                pos += 12;
            } else {
                length = u16(pos + 6, be);
                pos += 8;
            }
        } else {
            length = u32(pos + 4, be);
            pos += 8;
        }
        if (length == 0xffffffff) {
            if (group == 0x7fe0 && elem == 0x0010) return items(pos, end, true, explicit_vr, be, depth, true);
            // A sequence; an undefined-length UN holds implicit VR little endian (PS3.5 6.2.2).
            return items(pos, end, true, explicit_vr && vr != "UN", be && vr != "UN", depth, false);
        }
        if (std::size_t(length) > end - pos) return false;
        if (explicit_vr && vr == "SQ") {
            std::size_t p = pos;
            if (!items(p, pos + length, false, explicit_vr, be, depth, false)) return false;
        }
        pos += length;
        return true;
    }

    /// The items of a sequence (or the fragments of encapsulated pixel data) from `pos`: up to `end` for a defined
    /// length, up to the sequence delimiter for an undefined one.
    bool items(std::size_t& pos, std::size_t end, bool undefined, bool explicit_vr, bool be, int depth,
               bool fragments) {
        while (true) {
            if (!undefined && pos == end) return true;
            if (pos + 8 > end) return false;
            const std::uint16_t group = u16(pos, be), elem = u16(pos + 2, be);
            const std::uint32_t length = u32(pos + 4, be);
            pos += 8;
            if (group != 0xfffe) return false;
            if (elem == 0xe0dd) return undefined;  // sequence delimiter
            if (elem != 0xe000) return false;
            if (length == 0xffffffff) {
                if (fragments) return false;
                while (true) {  // elements up to the item delimiter
                    if (pos + 8 > end) return false;
                    if (u16(pos, be) == 0xfffe && u16(pos + 2, be) == 0xe00d) {
                        pos += 8;
                        break;
                    }
                    if (!element(pos, end, explicit_vr, be, depth + 1)) return false;
                }
            } else {
                if (std::size_t(length) > end - pos) return false;
                const std::size_t item_end = pos + length;
                if (!fragments)
                    while (pos < item_end)
                        if (!element(pos, item_end, explicit_vr, be, depth + 1)) return false;
                pos = item_end;
            }
        }
    }

    const unsigned char* d_;
    std::size_t n_;
};

/// Sends GDCM's warnings and errors to a string while it reads our files: problems are reported as InputError.
/// (GDCM's trace streams are global: not for concurrent use from several threads.)
class QuietGdcm {
public:
    QuietGdcm()
        : warning_(&gdcm::Trace::GetWarningStream()),
          error_(&gdcm::Trace::GetErrorStream()),
          debug_(&gdcm::Trace::GetDebugStream()) {
        gdcm::Trace::SetStream(sink_);
    }
    ~QuietGdcm() {
        gdcm::Trace::SetWarningStream(*warning_);
        gdcm::Trace::SetErrorStream(*error_);
        gdcm::Trace::SetDebugStream(*debug_);
    }
    QuietGdcm(const QuietGdcm&) = delete;
    QuietGdcm& operator=(const QuietGdcm&) = delete;

private:
    std::ostream *warning_, *error_, *debug_;
    std::ostringstream sink_;
};

const char* const kEveryFileRule =
    "; every file in a DICOM folder except hidden files and DICOMDIR must be a DICOM slice";

/// Reads one file's header (everything before the pixel data), after checking its structure.
SliceHeader read_header(const fs::path& file) {
    std::string bytes;
    {
        std::ifstream in(file, std::ios::binary);
        require_input(bool(in), "DICOM file ", quoted(file), " cannot be opened");
        std::ostringstream all;
        all << in.rdbuf();
        bytes = all.str();
    }
    const std::string problem = DicomStructure(bytes).check();
    require_input(problem.empty(), "DICOM file ", quoted(file), " ", problem, kEveryFileRule);
    gdcm::Reader reader;
    reader.SetFileName(file.c_str());
    if (!reader.ReadUpToTag(kPixelData))
        throw InputError(fmt("DICOM file ", quoted(file), " cannot be read (corrupt)", kEveryFileRule));
    const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
    SliceHeader h;
    h.file = file;
    h.series_uid = text_of(ds, kSeriesInstanceUid);
    h.frame_of_reference_uid = text_of(ds, kFrameOfReferenceUid);
    h.modality = text_of(ds, kModality);
    h.description = text_of(ds, kSeriesDescription);
    h.position = text_of(ds, kImagePosition);
    h.orientation = text_of(ds, kImageOrientation);
    h.pixel_spacing = text_of(ds, kPixelSpacing);
    h.slope = text_of(ds, kRescaleSlope);
    h.intercept = text_of(ds, kRescaleIntercept);
    h.frames = text_of(ds, kNumberOfFrames);
    h.thickness = text_of(ds, kSliceThickness);
    h.spacing_between = text_of(ds, kSpacingBetweenSlices);
    h.rows = us_of<0x0028, 0x0010>(ds);
    h.columns = us_of<0x0028, 0x0011>(ds);
    h.patient_id = text_of(ds, kPatientId);
    h.patient_name = text_of(ds, kPatientName);
    h.birth_date = text_of(ds, kPatientBirthDate);
    require_input(!h.series_uid.empty(), "DICOM file ", quoted(file), " has no SeriesInstanceUID (0020,000E)");
    return h;
}

/// Parses a decimal-string (DS) value with `count` numbers separated by '\'.
std::vector<double> parse_ds(const std::string& text, std::size_t count, const fs::path& file, const char* name) {
    require_input(!text.empty(), "DICOM file ", quoted(file), " has no ", name);
    std::vector<double> values;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find('\\', start);
        const std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const char* begin = part.c_str();
        char* stop = nullptr;
        const double v = std::strtod(begin, &stop);
        const bool ok =
            stop != begin && std::all_of<const char*>(stop, begin + part.size(), [](char c) { return c == ' '; });
        require_input(ok && std::isfinite(v), "DICOM file ", quoted(file), " has ", name, " '", text, "': expected ",
                      count, " numbers separated by '\\'");
        values.push_back(v);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    require_input(values.size() == count, "DICOM file ", quoted(file), " has ", name, " '", text, "' with ",
                  values.size(), " values: expected ", count);
    return values;
}

/// A slice of the chosen series with its header parsed.
struct Slice {
    const SliceHeader* header = nullptr;
    Vec3 position{};
    Vec3 row_dir{}, col_dir{};                   // ImageOrientationPatient, normalised
    double row_spacing = 0, column_spacing = 0;  // PixelSpacing[0], [1]
    double slope = 1, intercept = 0;
    double along_normal = 0;  // position . n
};

Slice parse_slice(const SliceHeader& h) {
    Slice s;
    s.header = &h;
    const fs::path& f = h.file;
    require_input(h.frames.empty() || h.frames == "1", "DICOM file ", quoted(f), " has ", h.frames,
                  " frames: multi-frame (enhanced) CT is not supported; export the series as single-frame slices");
    require_input(h.rows > 0 && h.columns > 0, "DICOM file ", quoted(f), " has ", h.rows, " rows and ", h.columns,
                  " columns: an image needs both > 0");
    const auto p = parse_ds(h.position, 3, f, "ImagePositionPatient (0020,0032)");
    s.position = {p[0], p[1], p[2]};
    const auto o = parse_ds(h.orientation, 6, f, "ImageOrientationPatient (0020,0037)");
    Vec3 r{o[0], o[1], o[2]}, c{o[3], o[4], o[5]};
    const double nr = norm(r), nc = norm(c);
    require_input(std::abs(nr - 1) < 1e-3 && std::abs(nc - 1) < 1e-3 && std::abs(dot(r, c)) < 1e-3, "DICOM file ",
                  quoted(f), " has ImageOrientationPatient '", h.orientation,
                  "' whose two directions are not orthogonal unit vectors");
    for (int a = 0; a < 3; ++a) {
        r[a] /= nr;
        c[a] /= nc;
    }
    s.row_dir = r;
    s.col_dir = c;
    const auto ps = parse_ds(h.pixel_spacing, 2, f, "PixelSpacing (0028,0030)");
    require_input(ps[0] > 0 && ps[1] > 0, "DICOM file ", quoted(f), " has PixelSpacing '", h.pixel_spacing,
                  "' mm: both values (row spacing\\column spacing) must be > 0");
    s.row_spacing = ps[0];
    s.column_spacing = ps[1];
    // RescaleSlope/RescaleIntercept are Type 1 in the CT Image module (PS3.3 C.8.2.1): without them the stored
    // values cannot be turned into HU, so their absence is an error rather than a guess.
    s.slope = parse_ds(h.slope, 1, f, "RescaleSlope (0028,1053)")[0];
    s.intercept = parse_ds(h.intercept, 1, f, "RescaleIntercept (0028,1052)")[0];
    require_input(s.slope != 0, "DICOM file ", quoted(f), " has RescaleSlope 0: every pixel would have the same HU");
    return s;
}

/// Reads the pixels of one slice and converts them to HU into `out` (rows x columns floats).
void read_slice_pixels(const Slice& s, float* out) {
    const SliceHeader& h = *s.header;
    gdcm::ImageReader reader;
    reader.SetFileName(h.file.c_str());
    require_input(reader.Read(), "DICOM file ", quoted(h.file), " cannot be read (corrupt or truncated pixel data)");
    const gdcm::Image& image = reader.GetImage();
    const unsigned* dims = image.GetDimensions();
    require_input(dims[0] == h.columns && dims[1] == h.rows, "DICOM file ", quoted(h.file), " has an image of ",
                  dims[0], " x ", dims[1], " pixels but Columns x Rows = ", h.columns, " x ", h.rows);
    const gdcm::PixelFormat& pf = image.GetPixelFormat();
    require_input(pf.GetSamplesPerPixel() == 1, "DICOM file ", quoted(h.file), " has ", pf.GetSamplesPerPixel(),
                  " samples per pixel: a CT slice has 1 (grey values)");
    const std::size_t n = std::size_t(h.rows) * h.columns;
    const unsigned bytes = pf.GetBitsAllocated() / 8;
    const bool is_signed = pf.GetPixelRepresentation() == 1;
    require_input(bytes == 1 || bytes == 2 || bytes == 4, "DICOM file ", quoted(h.file), " has BitsAllocated ",
                  pf.GetBitsAllocated(), ": 8, 16 or 32 are read");
    require_input(image.GetBufferLength() >= n * bytes, "DICOM file ", quoted(h.file), " has ", image.GetBufferLength(),
                  " bytes of pixel data for ", h.columns, " x ", h.rows, " pixels of ", bytes, " bytes (truncated?)");
    std::vector<char> buffer(image.GetBufferLength());
    require_input(image.GetBuffer(buffer.data()), "DICOM file ", quoted(h.file),
                  " has pixel data that cannot be decoded (corrupt, truncated or an unsupported compression)");
    const char* b = buffer.data();
    const auto convert = [&](auto type_tag) {
        using T = decltype(type_tag);
        for (std::size_t q = 0; q < n; ++q) {
            T v;
            std::memcpy(&v, b + q * sizeof(T), sizeof(T));
            out[q] = float(s.slope * double(v) + s.intercept);
        }
    };
    if (bytes == 1) is_signed ? convert(std::int8_t{}) : convert(std::uint8_t{});
    if (bytes == 2) is_signed ? convert(std::int16_t{}) : convert(std::uint16_t{});
    if (bytes == 4) is_signed ? convert(std::int32_t{}) : convert(std::uint32_t{});
}

std::string series_summary(const std::string& uid, const std::vector<const SliceHeader*>& files) {
    const SliceHeader& h = *files.front();
    return fmt(uid, " (", h.modality.empty() ? "no modality" : h.modality, ", ", files.size(),
               files.size() == 1 ? " file" : " files", ", '", h.description, "')");
}

/// Joins the summaries of all series, "; " between them.
std::string all_series(const std::map<std::string, std::vector<const SliceHeader*>>& series) {
    std::string list;
    for (const auto& [uid, files] : series) list += (list.empty() ? "" : "; ") + series_summary(uid, files);
    return list;
}

std::string mm(double v) {
    // Positions in messages: 0.001 mm is finer than any slice position a scanner writes.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", std::abs(v) < 5e-7 ? 0.0 : v);
    return buf;
}

}  // namespace

namespace detail {
std::string dicom_file_series_uid(const fs::path& file) {
    const QuietGdcm quiet;
    return read_header(file).series_uid;
}

std::string new_dicom_uid() {
    gdcm::UIDGenerator generator;
    return generator.Generate();
}

void check_dicom_text(const std::string& value, const char* name) {
    require_input(value.size() <= 64, "DICOM ", name, " '", value, "' has ", value.size(),
                  " characters: at most 64 are allowed");
    for (char c : value)
        require_input(c >= 32 && c < 127 && c != '\\', "DICOM ", name, " '", value,
                      "' must be printable ASCII without '\\'");
}
}  // namespace detail

CtImage read_dicom_series(const fs::path& dir, const std::string& series_uid, const std::string& salt) {
    const QuietGdcm quiet;
    const std::string where = "DICOM folder " + quoted(dir);
    std::error_code ec;
    require_input(fs::is_directory(dir, ec), where, " does not exist or is not a folder");

    // Pass 1: every file's header. Hidden files and DICOMDIR (a media index, not a slice) are skipped; every
    // other regular file must be DICOM, so that a corrupt or truncated slice is an error, not a silent gap.
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name[0] == '.' || name == "DICOMDIR" || !e.is_regular_file()) continue;
        files.push_back(e.path());
    }
    require_input(!files.empty(), where, " has no files");
    std::sort(files.begin(), files.end());  // a fixed order: messages and ties do not depend on the file system
    std::vector<SliceHeader> headers;
    headers.reserve(files.size());
    for (const fs::path& f : files) headers.push_back(read_header(f));

    // Group by series and choose the CT series.
    std::map<std::string, std::vector<const SliceHeader*>> series;
    for (const SliceHeader& h : headers) series[h.series_uid].push_back(&h);
    std::string chosen = series_uid;
    if (!chosen.empty()) {
        require_input(series.count(chosen) == 1, where, " has no series ", chosen, "; it holds ", all_series(series));
    } else {
        std::vector<std::string> ct;
        for (const auto& [uid, list] : series)
            if (list.front()->modality == "CT") ct.push_back(uid);
        if (ct.empty()) {
            std::string modalities;
            for (const auto& [uid, list] : series)
                modalities += (modalities.empty() ? "" : ", ") +
                              (list.front()->modality.empty() ? std::string("none") : list.front()->modality);
            throw InputError(fmt(where, " has no CT series: modality ", modalities, " (", all_series(series),
                                 "); lithosim reads CT (Modality CT) only"));
        }
        if (ct.size() > 1) {
            std::string list;
            for (const std::string& uid : ct) list += (list.empty() ? "" : "; ") + series_summary(uid, series[uid]);
            throw InputError(
                fmt(where, " holds ", ct.size(), " CT series: ", list, "; choose one by its SeriesInstanceUID"));
        }
        chosen = ct.front();
    }
    const std::vector<const SliceHeader*>& members = series[chosen];
    for (const SliceHeader* h : members)
        require_input(h->modality == "CT", "DICOM file ", quoted(h->file), " of series ", chosen, " has modality '",
                      h->modality, "': lithosim reads CT (Modality CT) only");

    // Parse and check the geometry of every slice against the first.
    std::vector<Slice> slices;
    for (const SliceHeader* h : members) slices.push_back(parse_slice(*h));
    const Slice ref = slices.front();  // a copy: the slices are sorted below
    for (const Slice& s : slices) {
        const SliceHeader& h = *s.header;
        const SliceHeader& r = *ref.header;
        require_input(h.rows == r.rows && h.columns == r.columns, "DICOM series ", chosen, ": ", quoted(h.file),
                      " has ", h.columns, " columns x ", h.rows, " rows but ", quoted(r.file), " has ", r.columns,
                      " x ", r.rows, "; all slices must have the same size");
        bool same_orientation = true;
        for (int a = 0; a < 3; ++a)
            same_orientation = same_orientation && std::abs(s.row_dir[a] - ref.row_dir[a]) <= kOrientationTolerance &&
                               std::abs(s.col_dir[a] - ref.col_dir[a]) <= kOrientationTolerance;
        require_input(same_orientation, "DICOM series ", chosen, ": ", quoted(h.file), " has ImageOrientationPatient '",
                      h.orientation, "' but ", quoted(r.file), " has '", r.orientation,
                      "'; all slices must have the same orientation");
        require_input(std::abs(s.row_spacing - ref.row_spacing) <= kPixelSpacingTolerance_mm &&
                          std::abs(s.column_spacing - ref.column_spacing) <= kPixelSpacingTolerance_mm,
                      "DICOM series ", chosen, ": ", quoted(h.file), " has PixelSpacing '", h.pixel_spacing, "' but ",
                      quoted(r.file), " has '", r.pixel_spacing, "'; all slices must have the same pixel spacing");
    }
    require_input(slices.size() >= 2, "DICOM series ", chosen, " in ", quoted(dir),
                  " has 1 slice: a 2D image is not a volume; a CT volume needs at least 2 slices");

    // Sort along the slice normal n = r x c.
    const Vec3 normal = cross(ref.row_dir, ref.col_dir);
    for (Slice& s : slices) s.along_normal = dot(s.position, normal);
    std::stable_sort(slices.begin(), slices.end(),
                     [](const Slice& a, const Slice& b) { return a.along_normal < b.along_normal; });
    const std::string in_series = fmt("DICOM series ", chosen, " in ", quoted(dir));

    // Duplicates: two slices at the same place.
    for (std::size_t k = 0; k + 1 < slices.size(); ++k)
        require_input(slices[k + 1].along_normal - slices[k].along_normal > kPositionTolerance_mm, in_series,
                      ": duplicate slices ", quoted(slices[k].header->file), " and ",
                      quoted(slices[k + 1].header->file), " are both at ", mm(slices[k].along_normal),
                      " mm along the slice normal (zero slice spacing)");

    // Gantry tilt: each slice must lie on the line through the first slice along n.
    for (std::size_t k = 1; k < slices.size(); ++k) {
        const Vec3 d = sub(slices[k].position, slices[0].position);
        const double along = dot(d, normal);
        const Vec3 in_plane{d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]};
        const double shift = norm(in_plane);
        if (shift > kPositionTolerance_mm) {
            const double angle_deg = std::atan2(shift, along) * 180 / std::numbers::pi;
            throw InputError(fmt(in_series, ": gantry tilt of ", angle_deg,
                                 " degrees: ", quoted(slices[k].header->file), " is shifted ", mm(shift),
                                 " mm within the slice plane over ", mm(along),
                                 " mm along the slice normal; tilted series are not supported (reformat "
                                 "them to axial slices first)"));
        }
    }

    // Spacing: the nominal step is the smallest step when every step is a whole multiple of it (a series with
    // gaps), otherwise the lower median of the steps; a step of m times the nominal one is a gap of m - 1 slices.
    std::vector<double> steps;
    for (std::size_t k = 0; k + 1 < slices.size(); ++k)
        steps.push_back(slices[k + 1].along_normal - slices[k].along_normal);
    const auto tolerance_of = [](double step) {
        return std::max(kPositionTolerance_mm, kSpacingRelativeTolerance * step);
    };
    const double smallest = *std::min_element(steps.begin(), steps.end());
    const bool multiples = std::all_of(steps.begin(), steps.end(), [&](double d) {
        const double m = std::round(d / smallest);
        return std::abs(d - m * smallest) <= m * tolerance_of(smallest);
    });
    std::vector<double> sorted_steps = steps;
    std::nth_element(sorted_steps.begin(), sorted_steps.begin() + (sorted_steps.size() - 1) / 2, sorted_steps.end());
    const double nominal = multiples ? smallest : sorted_steps[(sorted_steps.size() - 1) / 2];
    const double tolerance = tolerance_of(nominal);
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const double m = std::round(steps[k] / nominal);
        const double a = slices[k].along_normal, b = slices[k + 1].along_normal;
        if (m >= 2 && std::abs(steps[k] - m * nominal) <= m * tolerance) {
            std::size_t more = 0;
            for (std::size_t q = k + 1; q < steps.size(); ++q)
                if (std::abs(steps[q] - nominal) > tolerance) ++more;
            throw InputError(fmt(
                in_series, ": gap between slices at ", mm(a), " mm and ", mm(b), " mm along the slice normal: ",
                int(m) - 1, int(m) == 2 ? " slice" : " slices", " missing (spacing ", mm(nominal), " mm)",
                more ? fmt(", and ", more, more == 1 ? " more irregular step" : " more irregular steps", " after it")
                     : std::string(),
                "; slices are never interpolated"));
        }
        require_input(std::abs(steps[k] - nominal) <= tolerance, in_series,
                      ": non-uniform slice spacing: ", mm(steps[k]), " mm between the slices at ", mm(a), " mm and ",
                      mm(b), " mm along the slice normal, but ", mm(nominal),
                      " mm elsewhere (accepted: within max(0.01 mm, "
                      "1 % of the spacing))");
    }

    // The volume.
    models::HuVolume v;
    v.nx = ref.header->columns;
    v.ny = ref.header->rows;
    v.nz = slices.size();
    v.spacing_mm = {ref.column_spacing, ref.row_spacing,
                    (slices.back().along_normal - slices.front().along_normal) / double(v.nz - 1)};
    v.origin_mm = slices.front().position;
    v.axes = {ref.row_dir, ref.col_dir, normal};
    const double nn = norm(normal);
    for (double& c : v.axes[2]) c /= nn;

    // The protocol: one SliceThickness for the series (the slices that leave it empty say nothing), and
    // SpacingBetweenSlices against the positions, which define the increment.
    std::optional<double> thickness, between;
    const SliceHeader* thickness_file = nullptr;
    for (const Slice& sl : slices) {
        const SliceHeader& h = *sl.header;
        if (!h.thickness.empty()) {
            const double t = parse_ds(h.thickness, 1, h.file, "SliceThickness (0018,0050)")[0];
            require_input(t > 0, "DICOM file ", quoted(h.file), " has SliceThickness ", h.thickness,
                          " mm; accepted: > 0, or empty when unknown");
            if (!thickness) {
                thickness = t;
                thickness_file = &h;
            }
            require_input(std::abs(t - *thickness) <= tolerance_of(*thickness), in_series, ": ", quoted(h.file),
                          " has SliceThickness ", h.thickness, " mm but ", quoted(thickness_file->file), " has ",
                          thickness_file->thickness, " mm; all slices of a series must have the same thickness");
        }
        if (!between && !h.spacing_between.empty())
            between = std::abs(parse_ds(h.spacing_between, 1, h.file, "SpacingBetweenSlices (0018,0088)")[0]);
    }
    std::vector<std::string> warnings;
    if (between && std::abs(*between - v.spacing_mm[2]) > tolerance_of(v.spacing_mm[2]))
        warnings.push_back(fmt(in_series, ": SpacingBetweenSlices (0018,0088) is ", mm(*between),
                               " mm but the slice positions are ", mm(v.spacing_mm[2]),
                               " mm apart; the positions are used"));

    // Pass 2: the pixels of the chosen series.
    v.hu.resize(v.size());
    for (std::size_t k = 0; k < v.nz; ++k) read_slice_pixels(slices[k], v.hu.data() + k * v.nx * v.ny);
    detail::check_volume(v, in_series);

    CtImage out;
    out.format = "dicom";
    out.series_uid = chosen;
    out.slice_thickness_mm = thickness;
    out.spacing_between_slices_mm = between;
    out.warnings = std::move(warnings);
    out.input_sha1 = volume_sha1(v);
    const SliceHeader& first = *slices.front().header;
    // The frame of reference, when every slice names the same one (the plan's DICOM-RT files take it).
    out.frame_of_reference_uid = first.frame_of_reference_uid;
    for (const Slice& s : slices)
        if (s.header->frame_of_reference_uid != first.frame_of_reference_uid) {
            out.warnings.push_back(fmt(in_series, ": the slices name different FrameOfReferenceUIDs (0020,0052); "
                                       "the plan's DICOM-RT files get a new one"));
            out.frame_of_reference_uid.clear();
            break;
        }
    if (first.patient_id.empty() && first.patient_name.empty() && first.birth_date.empty())
        out.pseudonym = pseudonym({out.input_sha1}, salt);
    else
        out.pseudonym = pseudonym({first.patient_id, first.patient_name, first.birth_date}, salt);
    out.volume = std::move(v);
    return out;
}

// --- writing -----------------------------------------------------------------------------------------------------
namespace {

/// A decimal string (DS, at most 16 characters, PS3.5 6.2) with as many digits as fit.
std::string ds(double v) {
    if (std::abs(v) < 1e-300) v = 0;  // no "-0"
    char buf[40];
    for (int precision = 16; precision > 0; --precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strlen(buf) <= 16) return buf;
    }
    return "0";
}

std::string ds_list(std::initializer_list<double> values) {
    std::string s;
    for (double v : values) s += (s.empty() ? "" : "\\") + ds(v);
    return s;
}

/// Puts a string-valued element, padded to even length (NUL for UI, space otherwise, PS3.5 6.2).
void put(gdcm::DataSet& ds_, const gdcm::Tag& tag, gdcm::VR vr, std::string value) {
    if (value.size() % 2) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
    gdcm::DataElement e(tag);
    e.SetVR(vr);
    e.SetByteValue(value.data(), gdcm::VL(std::uint32_t(value.size())));
    ds_.Replace(e);
}

template <std::uint16_t G, std::uint16_t E>
void put_us(gdcm::DataSet& ds_, unsigned v) {
    gdcm::Attribute<G, E> at;
    at.SetValue(static_cast<std::uint16_t>(v));
    ds_.Replace(at.GetAsDataElement());
}

std::string new_uid() { return detail::new_dicom_uid(); }
void check_text(const std::string& value, const char* name) { detail::check_dicom_text(value, name); }

}  // namespace

void write_dicom_series(const models::HuVolume& v, const fs::path& dir, const DicomWriteOptions& options) {
    detail::check_volume(v, "the volume to write as DICOM");
    require_input(v.nx <= 65535 && v.ny <= 65535, "the volume to write as DICOM has ", v.nx, " x ", v.ny,
                  " pixels per slice: DICOM allows at most 65535 rows and columns");
    check_text(options.pseudonym, "patient pseudonym");
    check_text(options.series_description, "series description");
    const double thickness = options.slice_thickness_mm.value_or(v.spacing_mm[2]);
    require_input(thickness > 0 && std::isfinite(thickness), "DICOM slice thickness ", thickness,
                  " mm; accepted: > 0");
    const Vec3 normal = cross(v.axes[0], v.axes[1]);
    require_input(std::abs(std::abs(dot(normal, v.axes[2])) - 1) <= detail::kDirectionTolerance,
                  "the volume to write as DICOM has a slice direction not perpendicular to its rows and columns");

    // Destination: a new or empty folder; the series is written next to it and renamed into place at the end.
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        require_input(fs::is_directory(dir, ec), "DICOM output ", quoted(dir), " exists and is not a folder");
        require_input(fs::is_empty(dir, ec), "DICOM output folder ", quoted(dir),
                      " is not empty: choose a new or empty folder (existing files are never overwritten)");
    }
    const fs::path target = fs::absolute(dir).lexically_normal();
    const fs::path parent = (target.has_filename() ? target : target.parent_path()).parent_path();
    const std::string name = (target.has_filename() ? target : target.parent_path()).filename().string();
    fs::create_directories(parent, ec);
    require_input(!ec, "cannot create the folder ", quoted(parent), ": ", ec.message());
    static std::atomic<int> counter{0};
    const fs::path tmp =
        parent / ("." + name + ".partial." + std::to_string(::getpid()) + "." + std::to_string(counter++));
    fs::remove_all(tmp, ec);
    fs::create_directory(tmp, ec);
    require_input(!ec, "cannot create the temporary folder ", quoted(tmp), ": ", ec.message());

    try {
        // HU as int16 with RescaleSlope 1: intercept 0 when the rounded range fits int16, otherwise shifted so the
        // lowest value maps to -32768; values beyond the 65536 representable levels are clamped.
        const auto [lo_it, hi_it] = std::minmax_element(v.hu.begin(), v.hu.end());
        const double lo = std::round(*lo_it), hi = std::round(*hi_it);
        const double intercept = (lo >= -32768 && hi <= 32767) ? 0.0 : lo + 32768;

        const std::string study_uid = new_uid(), series_uid = new_uid(), frame_uid = new_uid();
        const std::size_t slice_size = v.nx * v.ny;
        std::vector<std::int16_t> pixels(slice_size);
        for (std::size_t k = 0; k < v.nz; ++k) {
            gdcm::Writer writer;
            gdcm::File& file = writer.GetFile();
            file.GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
            gdcm::DataSet& d = file.GetDataSet();
            const Vec3 position = v.position_mm(0, 0, double(k));

            put(d, gdcm::Tag(0x0008, 0x0008), gdcm::VR::CS, "DERIVED\\SECONDARY\\AXIAL");  // ImageType
            put(d, kSopClassUid, gdcm::VR::UI, kCtImageStorage);
            put(d, kSopInstanceUid, gdcm::VR::UI, new_uid());
            put(d, gdcm::Tag(0x0008, 0x0020), gdcm::VR::DA, "");  // StudyDate (Type 2: present, may be empty)
            put(d, gdcm::Tag(0x0008, 0x0030), gdcm::VR::TM, "");  // StudyTime
            put(d, gdcm::Tag(0x0008, 0x0050), gdcm::VR::SH, "");  // AccessionNumber
            put(d, kModality, gdcm::VR::CS, "CT");
            put(d, gdcm::Tag(0x0008, 0x0070), gdcm::VR::LO, "lithosim");  // Manufacturer
            put(d, gdcm::Tag(0x0008, 0x0090), gdcm::VR::PN, "");          // ReferringPhysicianName
            put(d, kSeriesDescription, gdcm::VR::LO, options.series_description);
            put(d, kPatientName, gdcm::VR::PN, options.pseudonym);
            put(d, kPatientId, gdcm::VR::LO, options.pseudonym);
            put(d, kPatientBirthDate, gdcm::VR::DA, "");
            put(d, gdcm::Tag(0x0010, 0x0040), gdcm::VR::CS, "");  // PatientSex
            // Without a thickness (a volume as sampled): contiguous slices, so the thickness is the slice spacing.
            put(d, kSliceThickness, gdcm::VR::DS, ds(thickness));
            put(d, gdcm::Tag(0x0018, 0x0060), gdcm::VR::DS, "");  // KVP
            put(d, kSpacingBetweenSlices, gdcm::VR::DS, ds(v.spacing_mm[2]));
            put(d, kStudyInstanceUid, gdcm::VR::UI, study_uid);
            put(d, kSeriesInstanceUid, gdcm::VR::UI, series_uid);
            put(d, gdcm::Tag(0x0020, 0x0010), gdcm::VR::SH, "");                     // StudyID
            put(d, gdcm::Tag(0x0020, 0x0011), gdcm::VR::IS, "1");                    // SeriesNumber
            put(d, gdcm::Tag(0x0020, 0x0013), gdcm::VR::IS, std::to_string(k + 1));  // InstanceNumber
            put(d, kImagePosition, gdcm::VR::DS, ds_list({position[0], position[1], position[2]}));
            put(d, kImageOrientation, gdcm::VR::DS,
                ds_list({v.axes[0][0], v.axes[0][1], v.axes[0][2], v.axes[1][0], v.axes[1][1], v.axes[1][2]}));
            put(d, gdcm::Tag(0x0020, 0x0052), gdcm::VR::UI, frame_uid);                  // FrameOfReferenceUID
            put(d, gdcm::Tag(0x0020, 0x1040), gdcm::VR::LO, "");                         // PositionReferenceIndicator
            put(d, gdcm::Tag(0x0020, 0x1041), gdcm::VR::DS, ds(dot(position, normal)));  // SliceLocation
            put_us<0x0028, 0x0002>(d, 1);                                                // SamplesPerPixel
            put(d, gdcm::Tag(0x0028, 0x0004), gdcm::VR::CS, "MONOCHROME2");
            put_us<0x0028, 0x0010>(d, unsigned(v.ny));                                         // Rows: j
            put_us<0x0028, 0x0011>(d, unsigned(v.nx));                                         // Columns: i
            put(d, kPixelSpacing, gdcm::VR::DS, ds_list({v.spacing_mm[1], v.spacing_mm[0]}));  // row\column
            put_us<0x0028, 0x0100>(d, 16);                                                     // BitsAllocated
            put_us<0x0028, 0x0101>(d, 16);                                                     // BitsStored
            put_us<0x0028, 0x0102>(d, 15);                                                     // HighBit
            put_us<0x0028, 0x0103>(d, 1);  // PixelRepresentation: signed
            put(d, kRescaleIntercept, gdcm::VR::DS, ds(intercept));
            put(d, kRescaleSlope, gdcm::VR::DS, "1");
            put(d, gdcm::Tag(0x0028, 0x1054), gdcm::VR::LO, "HU");  // RescaleType

            const float* hu = v.hu.data() + k * slice_size;
            for (std::size_t q = 0; q < slice_size; ++q)
                pixels[q] = std::int16_t(std::clamp(std::round(double(hu[q])) - intercept, -32768.0, 32767.0));
            gdcm::DataElement pixel_data(kPixelData);
            pixel_data.SetVR(gdcm::VR::OW);
            pixel_data.SetByteValue(reinterpret_cast<const char*>(pixels.data()),
                                    gdcm::VL(std::uint32_t(slice_size * sizeof(std::int16_t))));
            d.Replace(pixel_data);

            char file_name[32];
            std::snprintf(file_name, sizeof file_name, "slice_%04zu.dcm", k + 1);
            const fs::path path = tmp / file_name;
            writer.SetFileName(path.c_str());
            require_input(writer.Write(), "cannot write the DICOM file ", quoted(path));
        }
        // Into place: an existing (empty) target is removed first; rename() of a folder is atomic.
        if (fs::exists(target)) fs::remove(target);
        fs::rename(tmp, target);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

}  // namespace lithosim::io
