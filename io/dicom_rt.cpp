#include "io/dicom_rt.hpp"
#include "io/ct_import_internal.hpp"
#include "io/mask_contours.hpp"

#include <gdcmAttribute.h>
#include <gdcmByteValue.h>
#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTag.h>
#include <gdcmTransferSyntax.h>
#include <gdcmUIDGenerator.h>
#include <gdcmVR.h>
#include <gdcmWriter.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sstream>

#include "core/errors.hpp"

namespace lithosim::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRtDoseStorage = "1.2.840.10008.5.1.4.1.1.481.2";
constexpr const char* kRtPlanStorage = "1.2.840.10008.5.1.4.1.1.481.5";
constexpr const char* kRtStructureSetStorage = "1.2.840.10008.5.1.4.1.1.481.3";
constexpr const char* kStructureSetFile = "structures.dcm";

/// RTROIInterpretedType and ROIDisplayColor of the plan's structures (the table and the reasons in the header).
struct RoiKind {
    const char* name;
    const char* interpreted_type;
    std::array<int, 3> colour;
};
constexpr RoiKind kRoiKinds[] = {
    {"target", "GTV", {255, 0, 0}},
    {"bone_surface", "ORGAN", {230, 220, 170}},
    {"lung", "ORGAN", {90, 160, 255}},
    {"bowel_gas", "AVOIDANCE", {60, 200, 90}},
};
constexpr RoiKind kOtherRoi = {"", "ORGAN", {160, 160, 160}};
/// Most points of one contour: ContourData (DS) has a 16-bit length in explicit VR (PS3.5 7.1.2), at most 65534
/// characters; a point takes at most 3 x 10 characters and 3 separators at 4 decimals within +-99999 mm.
constexpr std::size_t kMaxContourPoints = 1500;

std::string quoted(const fs::path& p) {
    std::string q(1, '\'');
    q += p.string();
    q += '\'';
    return q;
}

/// A decimal string (DS, at most 16 characters, PS3.5 6.2) with as many digits as fit.
std::string ds(double v) {
    if (std::abs(v) < 1e-300) v = 0;
    char buf[40];
    for (int precision = 16; precision > 0; --precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strlen(buf) <= 16) return buf;
    }
    return "0";
}

std::string ds_list(const std::vector<double>& values) {
    std::string s;
    for (double v : values) {
        if (!s.empty()) s += '\\';
        s += ds(v);
    }
    return s;
}

/// Puts a string-valued element, padded to even length (NUL for UI, space otherwise, PS3.5 6.2).
void put(gdcm::DataSet& d, const gdcm::Tag& tag, gdcm::VR vr, std::string value) {
    if (value.size() % 2) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
    gdcm::DataElement e(tag);
    e.SetVR(vr);
    e.SetByteValue(value.data(), gdcm::VL(std::uint32_t(value.size())));
    d.Replace(e);
}

void put_us(gdcm::DataSet& d, const gdcm::Tag& tag, unsigned v) {
    const std::uint16_t x = std::uint16_t(v);
    gdcm::DataElement e(tag);
    e.SetVR(gdcm::VR::US);
    e.SetByteValue(reinterpret_cast<const char*>(&x), gdcm::VL(2));
    d.Replace(e);
}

/// Puts a sequence of the given items (undefined lengths, as GDCM writes them).
void put_sequence(gdcm::DataSet& d, const gdcm::Tag& tag, const std::vector<gdcm::Item>& items) {
    gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
    sq->SetLengthToUndefined();
    for (const auto& item : items) sq->AddItem(item);
    gdcm::DataElement e(tag);
    e.SetVR(gdcm::VR::SQ);
    e.SetValue(*sq);
    e.SetVLToUndefined();
    d.Replace(e);
}

gdcm::Item new_item() {
    gdcm::Item item;
    item.SetVLToUndefined();
    return item;
}

/// A coordinate of ContourData: 4 decimals (5e-5 mm), trailing zeros dropped.
std::string coordinate(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.4f", std::abs(v) < 5e-5 ? 0.0 : v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

std::string new_uid() { return detail::new_dicom_uid(); }
void check_text(const std::string& value, const char* name) { detail::check_dicom_text(value, name); }

std::array<double, 3> cross(const std::array<double, 3>& a, const std::array<double, 3>& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const std::array<double, 3>& a, const std::array<double, 3>& b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void check_volume(const RtDoseVolume& v) {
    require_input(v.nx > 0 && v.ny > 0 && v.nz > 0 && v.nx <= 65535 && v.ny <= 65535,
                  "RT Dose '", v.quantity, "': grid ", v.nx, " x ", v.ny, " x ", v.nz, "; accepted: 1 to 65535 rows "
                  "and columns, at least one frame");
    require_input(v.values.size() == v.size(), "RT Dose '", v.quantity, "': ", v.values.size(), " values for ",
                  v.size(), " voxels");
    for (double s : v.spacing_mm)
        require_input(s > 0 && std::isfinite(s), "RT Dose '", v.quantity, "': spacing ", s, " mm; accepted: > 0");
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            require_input(std::abs(dot(v.axes[a], v.axes[b]) - (a == b ? 1.0 : 0.0)) < 1e-6, "RT Dose '", v.quantity,
                          "': the axes are not orthonormal");
    require_input(dot(cross(v.axes[0], v.axes[1]), v.axes[2]) > 0, "RT Dose '", v.quantity,
                  "': axes[2] must be axes[0] x axes[1] (a right-handed grid)");
}

std::string text_of(const gdcm::DataSet& d, const gdcm::Tag& tag) {
    if (!d.FindDataElement(tag)) return {};
    const gdcm::DataElement& e = d.GetDataElement(tag);
    const gdcm::ByteValue* bv = e.GetByteValue();
    if (!bv) return {};
    std::string s(bv->GetPointer(), bv->GetLength());
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

std::vector<double> numbers_of(const gdcm::DataSet& d, const gdcm::Tag& tag) {
    std::string s = text_of(d, tag);
    std::replace(s.begin(), s.end(), '\\', ' ');
    std::istringstream in(s);
    std::vector<double> out;
    for (double x; in >> x;) out.push_back(x);
    return out;
}

unsigned us_of(const gdcm::DataSet& d, const gdcm::Tag& tag) {
    if (!d.FindDataElement(tag)) return 0;
    const gdcm::ByteValue* bv = d.GetDataElement(tag).GetByteValue();
    if (!bv || bv->GetLength() < 2) return 0;
    std::uint16_t x;
    std::memcpy(&x, bv->GetPointer(), 2);
    return x;
}

/// SOP Common, Patient, General Study, RT Series and General Equipment: what the RT Dose and the RT Structure Set
/// objects share (one study, a series each; the pseudonym as patient, no other identifier).
void put_header(gdcm::DataSet& d, const char* sop_class, const char* modality, const std::string& description,
                const RtWriteOptions& o, const std::string& study_uid, int series_number, const std::string& date,
                const std::string& time) {
    put(d, gdcm::Tag(0x0008, 0x0016), gdcm::VR::UI, sop_class);                  // SOPClassUID
    put(d, gdcm::Tag(0x0008, 0x0018), gdcm::VR::UI, new_uid());                   // SOPInstanceUID
    put(d, gdcm::Tag(0x0008, 0x0020), gdcm::VR::DA, date);                        // StudyDate: when written
    put(d, gdcm::Tag(0x0008, 0x0030), gdcm::VR::TM, time);                        // StudyTime
    put(d, gdcm::Tag(0x0008, 0x0050), gdcm::VR::SH, "");                          // AccessionNumber
    put(d, gdcm::Tag(0x0008, 0x0060), gdcm::VR::CS, modality);                    // Modality
    put(d, gdcm::Tag(0x0008, 0x0070), gdcm::VR::LO, "lithosim");                  // Manufacturer
    put(d, gdcm::Tag(0x0008, 0x0090), gdcm::VR::PN, "");                          // ReferringPhysicianName
    put(d, gdcm::Tag(0x0008, 0x103E), gdcm::VR::LO, description);                 // SeriesDescription
    put(d, gdcm::Tag(0x0008, 0x1070), gdcm::VR::PN, "");                          // OperatorsName
    put(d, gdcm::Tag(0x0010, 0x0010), gdcm::VR::PN, o.pseudonym);                 // PatientName
    put(d, gdcm::Tag(0x0010, 0x0020), gdcm::VR::LO, o.pseudonym);                 // PatientID
    put(d, gdcm::Tag(0x0010, 0x0030), gdcm::VR::DA, "");                          // PatientBirthDate
    put(d, gdcm::Tag(0x0010, 0x0040), gdcm::VR::CS, "");                          // PatientSex
    put(d, gdcm::Tag(0x0020, 0x000D), gdcm::VR::UI, study_uid);                   // StudyInstanceUID
    put(d, gdcm::Tag(0x0020, 0x000E), gdcm::VR::UI, new_uid());                   // SeriesInstanceUID
    put(d, gdcm::Tag(0x0020, 0x0010), gdcm::VR::SH, "lithosim");                  // StudyID
    put(d, gdcm::Tag(0x0020, 0x0011), gdcm::VR::IS, std::to_string(series_number));  // SeriesNumber
    put(d, gdcm::Tag(0x0020, 0x0013), gdcm::VR::IS, "1");                         // InstanceNumber
}

void write_one(const fs::path& path, const RtDoseVolume& v, const RtWriteOptions& o, const std::string& study_uid,
               const std::string& frame_uid, const std::string& plan_uid, int series_number, const std::string& date,
               const std::string& time) {
    gdcm::Writer writer;
    gdcm::File& file = writer.GetFile();
    file.GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    gdcm::DataSet& d = file.GetDataSet();
    const std::string description = o.plan_label + " " + v.quantity + " [" + v.unit + "]";
    check_text(description, "series description");
    const std::string comment = v.quantity + " [" + v.unit + "] = pixel x DoseGridScaling";
    check_text(comment, "dose comment");

    // Stored values: unsigned 16-bit, the largest value at 65535 (an all-zero volume keeps scaling 1): a step of
    // 1.5e-5 of the maximum. (32-bit pixels would be finer, but dicom3tools' dciodvfy of Debian 12 aborts on them.)
    const float vmax = std::max(0.0f, *std::max_element(v.values.begin(), v.values.end()));
    const double scaling = vmax > 0 ? double(vmax) / 65535.0 : 1.0;
    std::vector<std::uint16_t> pixels(v.size());
    for (std::size_t q = 0; q < v.size(); ++q) {
        const double x = std::isfinite(v.values[q]) ? std::max(0.0, double(v.values[q])) : 0.0;
        pixels[q] = std::uint16_t(std::min(65535.0, std::round(x / scaling)));
    }
    std::vector<double> offsets(v.nz);
    for (std::size_t k = 0; k < v.nz; ++k) offsets[k] = double(k) * v.spacing_mm[2];

    // SOP Common, Patient, General Study, RT Series, General Equipment; Frame of Reference.
    put_header(d, kRtDoseStorage, "RTDOSE", description, o, study_uid, series_number, date, time);
    put(d, gdcm::Tag(0x0018, 0x0050), gdcm::VR::DS, ds(v.spacing_mm[2]));        // SliceThickness
    put(d, gdcm::Tag(0x0020, 0x0032), gdcm::VR::DS, ds_list({v.origin_mm[0], v.origin_mm[1], v.origin_mm[2]}));
    put(d, gdcm::Tag(0x0020, 0x0037), gdcm::VR::DS,
        ds_list({v.axes[0][0], v.axes[0][1], v.axes[0][2], v.axes[1][0], v.axes[1][1], v.axes[1][2]}));
    put(d, gdcm::Tag(0x0020, 0x0052), gdcm::VR::UI, frame_uid);                   // FrameOfReferenceUID
    put(d, gdcm::Tag(0x0020, 0x1040), gdcm::VR::LO, "");                          // PositionReferenceIndicator
    // Image Pixel and Multi-frame: one frame per plane, the frames addressed by GridFrameOffsetVector.
    put_us(d, gdcm::Tag(0x0028, 0x0002), 1);                                      // SamplesPerPixel
    put(d, gdcm::Tag(0x0028, 0x0004), gdcm::VR::CS, "MONOCHROME2");
    put(d, gdcm::Tag(0x0028, 0x0008), gdcm::VR::IS, std::to_string(v.nz));        // NumberOfFrames
    {
        const std::uint16_t pointer[2] = {0x3004, 0x000C};                        // FrameIncrementPointer
        gdcm::DataElement e(gdcm::Tag(0x0028, 0x0009));
        e.SetVR(gdcm::VR::AT);
        e.SetByteValue(reinterpret_cast<const char*>(pointer), gdcm::VL(4));
        d.Replace(e);
    }
    put_us(d, gdcm::Tag(0x0028, 0x0010), unsigned(v.ny));                         // Rows: j
    put_us(d, gdcm::Tag(0x0028, 0x0011), unsigned(v.nx));                         // Columns: i
    put(d, gdcm::Tag(0x0028, 0x0030), gdcm::VR::DS, ds_list({v.spacing_mm[1], v.spacing_mm[0]}));  // row\column
    put_us(d, gdcm::Tag(0x0028, 0x0100), 16);                                     // BitsAllocated
    put_us(d, gdcm::Tag(0x0028, 0x0101), 16);                                     // BitsStored
    put_us(d, gdcm::Tag(0x0028, 0x0102), 15);                                     // HighBit
    put_us(d, gdcm::Tag(0x0028, 0x0103), 0);                                      // PixelRepresentation: unsigned
    // RT Dose.
    put(d, gdcm::Tag(0x3004, 0x0002), gdcm::VR::CS, "RELATIVE");                  // DoseUnits
    put(d, gdcm::Tag(0x3004, 0x0004), gdcm::VR::CS, "PHYSICAL");                  // DoseType
    put(d, gdcm::Tag(0x3004, 0x0006), gdcm::VR::LO, comment);                     // DoseComment
    put(d, gdcm::Tag(0x3004, 0x000A), gdcm::VR::CS, "PLAN");                      // DoseSummationType
    put(d, gdcm::Tag(0x3004, 0x000C), gdcm::VR::DS, ds_list(offsets));            // GridFrameOffsetVector
    put(d, gdcm::Tag(0x3004, 0x000E), gdcm::VR::DS, ds(scaling));                 // DoseGridScaling
    {
        // ReferencedRTPlanSequence (300C,0002): required for DoseSummationType PLAN; the plan's own UID.
        gdcm::Item item;
        item.SetVLToUndefined();
        gdcm::DataSet& nested = item.GetNestedDataSet();
        put(nested, gdcm::Tag(0x0008, 0x1150), gdcm::VR::UI, kRtPlanStorage);    // ReferencedSOPClassUID
        put(nested, gdcm::Tag(0x0008, 0x1155), gdcm::VR::UI, plan_uid);          // ReferencedSOPInstanceUID
        gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
        sq->SetLengthToUndefined();
        sq->AddItem(item);
        gdcm::DataElement e(gdcm::Tag(0x300C, 0x0002));
        e.SetVR(gdcm::VR::SQ);
        e.SetValue(*sq);
        e.SetVLToUndefined();
        d.Replace(e);
    }
    gdcm::DataElement pixel_data(gdcm::Tag(0x7FE0, 0x0010));
    pixel_data.SetVR(gdcm::VR::OW);
    pixel_data.SetByteValue(reinterpret_cast<const char*>(pixels.data()),
                            gdcm::VL(std::uint32_t(pixels.size() * sizeof(std::uint16_t))));
    d.Replace(pixel_data);
    writer.SetFileName(path.c_str());
    require_input(writer.Write(), "cannot write the DICOM file ", quoted(path));
}

const RoiKind& roi_kind(const std::string& name) {
    for (const auto& k : kRoiKinds)
        if (name == k.name) return k;
    return kOtherRoi;
}

void check_structures(const std::vector<RtStructureMask>& structures, const std::vector<RtDoseVolume>& volumes) {
    if (structures.empty()) return;
    require_input(!volumes.empty(), "RT Structure Set: no dose volume gives the grid of the structure masks");
    for (std::size_t n = 0; n < structures.size(); ++n) {
        const RtStructureMask& s = structures[n];
        require_input(!s.name.empty(), "RT Structure Set: structure ", n + 1, " has no name");
        check_text(s.name, "ROI name");
        require_input(s.mask.size() == volumes.front().size(), "RT Structure Set: mask '", s.name, "' has ",
                      s.mask.size(), " values for a grid of ", volumes.front().size(), " voxels");
        for (std::size_t m = 0; m < n; ++m)
            require_input(structures[m].name != s.name, "RT Structure Set: ROI name '", s.name, "' appears twice");
    }
}

/// The Structure Set, ROI Contour and RT ROI Observations modules (PS3.3 C.8.8.5, C.8.8.6, C.8.8.8) of the masks.
void write_structure_set(const fs::path& path, const RtDoseVolume& grid, const std::vector<RtStructureMask>& structures,
                         const RtWriteOptions& o, const std::string& study_uid, const std::string& frame_uid,
                         int series_number, const std::string& date, const std::string& time) {
    gdcm::Writer writer;
    gdcm::File& file = writer.GetFile();
    file.GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    gdcm::DataSet& d = file.GetDataSet();
    const std::string description = o.plan_label + " structures";
    check_text(description, "series description");
    put_header(d, kRtStructureSetStorage, "RTSTRUCT", description, o, study_uid, series_number, date, time);
    // Frame of Reference: part of the RT Structure Set IOD in the current standard (dciodvfy of Debian 12 requires
    // it), besides ReferencedFrameOfReferenceSequence, which older readers look at.
    put(d, gdcm::Tag(0x0020, 0x0052), gdcm::VR::UI, frame_uid);                   // FrameOfReferenceUID
    put(d, gdcm::Tag(0x0020, 0x1040), gdcm::VR::LO, "");                          // PositionReferenceIndicator
    put(d, gdcm::Tag(0x3006, 0x0002), gdcm::VR::SH, "lithosim");                  // StructureSetLabel (<= 16)
    put(d, gdcm::Tag(0x3006, 0x0004), gdcm::VR::LO, description);                 // StructureSetName
    put(d, gdcm::Tag(0x3006, 0x0008), gdcm::VR::DA, date);                        // StructureSetDate
    put(d, gdcm::Tag(0x3006, 0x0009), gdcm::VR::TM, time);                        // StructureSetTime
    {
        gdcm::Item item = new_item();
        put(item.GetNestedDataSet(), gdcm::Tag(0x0020, 0x0052), gdcm::VR::UI, frame_uid);   // FrameOfReferenceUID
        put_sequence(d, gdcm::Tag(0x3006, 0x0010), {item});                      // ReferencedFrameOfReferenceSequence
    }
    std::vector<gdcm::Item> rois, contours, observations;
    for (std::size_t n = 0; n < structures.size(); ++n) {
        const RoiKind& kind = roi_kind(structures[n].name);
        const std::string number = std::to_string(n + 1);
        gdcm::Item roi = new_item();
        gdcm::DataSet& r = roi.GetNestedDataSet();
        put(r, gdcm::Tag(0x3006, 0x0022), gdcm::VR::IS, number);                  // ROINumber
        put(r, gdcm::Tag(0x3006, 0x0024), gdcm::VR::UI, frame_uid);               // ReferencedFrameOfReferenceUID
        put(r, gdcm::Tag(0x3006, 0x0026), gdcm::VR::LO, structures[n].name);      // ROIName
        put(r, gdcm::Tag(0x3006, 0x0036), gdcm::VR::CS, "AUTOMATIC");             // ROIGenerationAlgorithm
        rois.push_back(roi);

        gdcm::Item roi_contour = new_item();
        gdcm::DataSet& c = roi_contour.GetNestedDataSet();
        put(c, gdcm::Tag(0x3006, 0x002A), gdcm::VR::IS,                           // ROIDisplayColor
            std::to_string(kind.colour[0]) + "\\" + std::to_string(kind.colour[1]) + "\\" +
                std::to_string(kind.colour[2]));
        std::vector<gdcm::Item> planar;
        for (const RtContour& contour : mask_contours(grid, structures[n].mask)) {
            gdcm::Item item = new_item();
            gdcm::DataSet& p = item.GetNestedDataSet();
            std::string data;
            for (const auto& x : contour.points_mm)
                for (double v : x) {
                    if (!data.empty()) data += '\\';
                    data += coordinate(v);
                }
            put(p, gdcm::Tag(0x3006, 0x0042), gdcm::VR::CS, "CLOSED_PLANAR");     // ContourGeometricType
            put(p, gdcm::Tag(0x3006, 0x0046), gdcm::VR::IS, std::to_string(contour.points_mm.size()));
            put(p, gdcm::Tag(0x3006, 0x0048), gdcm::VR::IS, std::to_string(planar.size() + 1));  // ContourNumber
            put(p, gdcm::Tag(0x3006, 0x0050), gdcm::VR::DS, data);                // ContourData
            planar.push_back(item);
        }
        if (!planar.empty()) put_sequence(c, gdcm::Tag(0x3006, 0x0040), planar);  // ContourSequence
        put(c, gdcm::Tag(0x3006, 0x0084), gdcm::VR::IS, number);                  // ReferencedROINumber
        contours.push_back(roi_contour);

        gdcm::Item observation = new_item();
        gdcm::DataSet& b = observation.GetNestedDataSet();
        put(b, gdcm::Tag(0x3006, 0x0082), gdcm::VR::IS, number);                  // ObservationNumber
        put(b, gdcm::Tag(0x3006, 0x0084), gdcm::VR::IS, number);                  // ReferencedROINumber
        put(b, gdcm::Tag(0x3006, 0x00A4), gdcm::VR::CS, kind.interpreted_type);   // RTROIInterpretedType
        put(b, gdcm::Tag(0x3006, 0x00A6), gdcm::VR::PN, "");                      // ROIInterpreter
        observations.push_back(observation);
    }
    put_sequence(d, gdcm::Tag(0x3006, 0x0020), rois);                             // StructureSetROISequence
    put_sequence(d, gdcm::Tag(0x3006, 0x0039), contours);                         // ROIContourSequence
    put_sequence(d, gdcm::Tag(0x3006, 0x0080), observations);                     // RTROIObservationsSequence
    writer.SetFileName(path.c_str());
    require_input(writer.Write(), "cannot write the DICOM file ", quoted(path));
}

/// The items of a sequence (none when it is absent).
std::vector<const gdcm::DataSet*> items_of(const gdcm::DataSet& d, const gdcm::Tag& tag,
                                           gdcm::SmartPointer<gdcm::SequenceOfItems>& keep) {
    std::vector<const gdcm::DataSet*> out;
    if (!d.FindDataElement(tag)) return out;
    keep = d.GetDataElement(tag).GetValueAsSQ();
    if (!keep) return out;
    for (gdcm::SequenceOfItems::SizeType n = 1; n <= keep->GetNumberOfItems(); ++n)
        out.push_back(&keep->GetItem(n).GetNestedDataSet());
    return out;
}

}  // namespace

std::vector<RtContour> mask_contours(const RtDoseVolume& grid, const std::vector<std::uint8_t>& mask) {
    require_input(mask.size() == grid.size(), "mask_contours: ", mask.size(), " values for a grid of ", grid.size(),
                  " voxels");
    std::vector<RtContour> out;
    const std::size_t plane = grid.nx * grid.ny;
    for (std::size_t k = 0; k < grid.nz; ++k) {
        for (PlaneLoop& loop : trace_plane(mask.data() + k * plane, grid.nx, grid.ny)) {
            thin_loop(loop.points, kMaxContourPoints);   // ContourData's limit
            RtContour c;
            for (const auto& [u, v] : loop.points) {
                std::array<double, 3> x{};
                for (int a = 0; a < 3; ++a)
                    x[a] = grid.origin_mm[a] + u * grid.spacing_mm[0] * grid.axes[0][a] +
                           v * grid.spacing_mm[1] * grid.axes[1][a] + double(k) * grid.spacing_mm[2] * grid.axes[2][a];
                c.points_mm.push_back(x);
            }
            out.push_back(std::move(c));
        }
    }
    return out;
}

std::string write_rt_dose(const fs::path& dir, const std::vector<std::string>& files,
                          const std::vector<RtDoseVolume>& volumes, const RtWriteOptions& options,
                          const std::vector<RtStructureMask>& structures) {
    require_input(files.size() == volumes.size(), "write_rt_dose: ", files.size(), " names for ", volumes.size(),
                  " volumes");
    check_text(options.pseudonym, "patient pseudonym");
    {
        // A UID (PS3.5 9.1): digits in components separated by '.', at most 64 characters.
        const std::string& u = options.frame_of_reference_uid;
        bool valid = u.size() <= 64 && (u.empty() || (u.front() != '.' && u.back() != '.'));
        for (std::size_t q = 0; q < u.size() && valid; ++q)
            valid = (u[q] >= '0' && u[q] <= '9') || (u[q] == '.' && u[q + 1] != '.');
        require_input(valid, "FrameOfReferenceUID '", u, "'; accepted: digits and single dots, at most 64 characters");
    }
    for (const auto& v : volumes) check_volume(v);
    check_structures(structures, volumes);
    std::error_code ec;
    require_input_for("dicom_rt", !fs::exists(dir, ec), "DICOM-RT folder ", quoted(dir),
                  " exists; accepted: a new folder (existing files are never overwritten)");
    const fs::path target = fs::absolute(dir).lexically_normal();
    const fs::path base = target.has_filename() ? target : target.parent_path();
    fs::create_directories(base.parent_path(), ec);
    require_input(!ec, "cannot create the folder ", quoted(base.parent_path()), ": ", ec.message());
    static std::atomic<int> counter{0};
    std::string tmp_name(1, '.');
    tmp_name += base.filename().string();
    tmp_name += ".partial." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    const fs::path tmp = base.parent_path() / tmp_name;
    fs::remove_all(tmp, ec);
    fs::create_directory(tmp, ec);
    require_input(!ec, "cannot create the temporary folder ", quoted(tmp), ": ", ec.message());
    try {
        const std::string study_uid = new_uid(), plan_uid = new_uid();
        char date[16], time[16];
        const std::time_t now = std::time(nullptr);
        std::tm utc{};
        gmtime_r(&now, &utc);
        std::strftime(date, sizeof date, "%Y%m%d", &utc);
        std::strftime(time, sizeof time, "%H%M%S", &utc);
        const std::string frame_uid = options.frame_of_reference_uid.empty() ? new_uid() : options.frame_of_reference_uid;
        for (std::size_t n = 0; n < volumes.size(); ++n)
            write_one(tmp / files[n], volumes[n], options, study_uid, frame_uid, plan_uid, int(n + 1), date, time);
        if (!structures.empty())
            write_structure_set(tmp / kStructureSetFile, volumes.front(), structures, options, study_uid, frame_uid,
                                int(volumes.size() + 1), date, time);
        fs::rename(tmp, base);
        return frame_uid;
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

RtDoseRead read_rt_dose(const fs::path& file) {
    gdcm::Reader reader;
    reader.SetFileName(file.c_str());
    require_input(reader.Read(), "cannot read ", quoted(file), " as DICOM");
    const gdcm::DataSet& d = reader.GetFile().GetDataSet();
    RtDoseRead r;
    r.modality = text_of(d, gdcm::Tag(0x0008, 0x0060));
    require_input(text_of(d, gdcm::Tag(0x0008, 0x0016)) == kRtDoseStorage, quoted(file), " is not an RT Dose object");
    r.dose_units = text_of(d, gdcm::Tag(0x3004, 0x0002));
    r.dose_type = text_of(d, gdcm::Tag(0x3004, 0x0004));
    r.dose_comment = text_of(d, gdcm::Tag(0x3004, 0x0006));
    r.dose_summation_type = text_of(d, gdcm::Tag(0x3004, 0x000A));
    r.series_description = text_of(d, gdcm::Tag(0x0008, 0x103E));
    r.frame_of_reference_uid = text_of(d, gdcm::Tag(0x0020, 0x0052));
    r.study_uid = text_of(d, gdcm::Tag(0x0020, 0x000D));
    const std::vector<double> scaling = numbers_of(d, gdcm::Tag(0x3004, 0x000E));
    const std::vector<double> offsets = numbers_of(d, gdcm::Tag(0x3004, 0x000C));
    const std::vector<double> position = numbers_of(d, gdcm::Tag(0x0020, 0x0032));
    const std::vector<double> orientation = numbers_of(d, gdcm::Tag(0x0020, 0x0037));
    const std::vector<double> spacing = numbers_of(d, gdcm::Tag(0x0028, 0x0030));
    const std::vector<double> frames = numbers_of(d, gdcm::Tag(0x0028, 0x0008));
    require_input(scaling.size() == 1 && position.size() == 3 && orientation.size() == 6 && spacing.size() == 2 &&
                      frames.size() == 1 && offsets.size() == std::size_t(frames[0]) && !offsets.empty(),
                  quoted(file), ": the RT Dose geometry is incomplete");
    require_input(us_of(d, gdcm::Tag(0x0028, 0x0100)) == 16 && us_of(d, gdcm::Tag(0x0028, 0x0103)) == 0, quoted(file),
                  ": only 16-bit unsigned RT Dose pixels are read");
    r.dose_grid_scaling = scaling[0];
    RtDoseVolume& v = r.volume;
    v.nx = us_of(d, gdcm::Tag(0x0028, 0x0011));
    v.ny = us_of(d, gdcm::Tag(0x0028, 0x0010));
    v.nz = std::size_t(frames[0]);
    v.origin_mm = {position[0], position[1], position[2]};
    v.axes[0] = {orientation[0], orientation[1], orientation[2]};
    v.axes[1] = {orientation[3], orientation[4], orientation[5]};
    v.axes[2] = cross(v.axes[0], v.axes[1]);
    v.spacing_mm = {spacing[1], spacing[0], offsets.size() > 1 ? offsets[1] - offsets[0] : 1.0};
    for (std::size_t k = 1; k < offsets.size(); ++k)
        require_input(std::abs(offsets[k] - offsets[0] - double(k) * v.spacing_mm[2]) < 1e-3, quoted(file),
                      ": GridFrameOffsetVector is not evenly spaced");
    // Frames start at offsets[0] along the normal.
    for (int a = 0; a < 3; ++a) v.origin_mm[a] += offsets[0] * v.axes[2][a];
    // DoseComment: "<quantity> [<unit>] = pixel x DoseGridScaling".
    const std::size_t open = r.dose_comment.rfind(" ["), close = r.dose_comment.rfind(']');
    if (open != std::string::npos && close != std::string::npos && close > open) {
        v.quantity = r.dose_comment.substr(0, open);
        v.unit = r.dose_comment.substr(open + 2, close - open - 2);
    }
    require_input(d.FindDataElement(gdcm::Tag(0x7FE0, 0x0010)), quoted(file), ": no pixel data");
    const gdcm::ByteValue* bv = d.GetDataElement(gdcm::Tag(0x7FE0, 0x0010)).GetByteValue();
    require_input(bv && bv->GetLength() >= v.size() * 2, quoted(file), ": pixel data shorter than the grid");
    std::vector<std::uint16_t> pixels(v.size());
    std::memcpy(pixels.data(), bv->GetPointer(), v.size() * 2);
    v.values.resize(v.size());
    for (std::size_t q = 0; q < v.size(); ++q) v.values[q] = float(double(pixels[q]) * r.dose_grid_scaling);
    return r;
}

RtStructureSetRead read_rt_structure_set(const fs::path& file) {
    gdcm::Reader reader;
    reader.SetFileName(file.c_str());
    require_input(reader.Read(), "cannot read ", quoted(file), " as DICOM");
    const gdcm::DataSet& d = reader.GetFile().GetDataSet();
    require_input(text_of(d, gdcm::Tag(0x0008, 0x0016)) == kRtStructureSetStorage, quoted(file),
                  " is not an RT Structure Set object");
    RtStructureSetRead r;
    r.modality = text_of(d, gdcm::Tag(0x0008, 0x0060));
    r.series_description = text_of(d, gdcm::Tag(0x0008, 0x103E));
    r.study_uid = text_of(d, gdcm::Tag(0x0020, 0x000D));
    r.label = text_of(d, gdcm::Tag(0x3006, 0x0002));
    gdcm::SmartPointer<gdcm::SequenceOfItems> frames_sq, rois_sq, contours_sq, observations_sq;
    const auto frames = items_of(d, gdcm::Tag(0x3006, 0x0010), frames_sq);
    if (!frames.empty()) r.frame_of_reference_uid = text_of(*frames.front(), gdcm::Tag(0x0020, 0x0052));
    for (const gdcm::DataSet* item : items_of(d, gdcm::Tag(0x3006, 0x0020), rois_sq)) {
        RtRoi roi;
        const std::vector<double> number = numbers_of(*item, gdcm::Tag(0x3006, 0x0022));
        require_input(number.size() == 1, quoted(file), ": an ROI without ROINumber");
        roi.number = int(number[0]);
        roi.name = text_of(*item, gdcm::Tag(0x3006, 0x0026));
        r.rois.push_back(roi);
    }
    auto roi_numbered = [&](const gdcm::DataSet& item) -> RtRoi& {
        const std::vector<double> n = numbers_of(item, gdcm::Tag(0x3006, 0x0084));
        for (RtRoi& roi : r.rois)
            if (n.size() == 1 && roi.number == int(n[0])) return roi;
        throw InputError(quoted(file) + ": a ReferencedROINumber names no ROI of StructureSetROISequence");
    };
    for (const gdcm::DataSet* item : items_of(d, gdcm::Tag(0x3006, 0x0039), contours_sq)) {
        RtRoi& roi = roi_numbered(*item);
        const std::vector<double> colour = numbers_of(*item, gdcm::Tag(0x3006, 0x002A));
        if (colour.size() == 3) roi.colour = {int(colour[0]), int(colour[1]), int(colour[2])};
        gdcm::SmartPointer<gdcm::SequenceOfItems> planar_sq;
        for (const gdcm::DataSet* planar : items_of(*item, gdcm::Tag(0x3006, 0x0040), planar_sq)) {
            const std::vector<double> count = numbers_of(*planar, gdcm::Tag(0x3006, 0x0046));
            const std::vector<double> data = numbers_of(*planar, gdcm::Tag(0x3006, 0x0050));
            require_input(count.size() == 1 && data.size() == 3 * std::size_t(count[0]), quoted(file), ": ROI '",
                          roi.name, "' has a contour whose ContourData does not hold NumberOfContourPoints points");
            RtContour c;
            for (std::size_t q = 0; q < data.size(); q += 3) c.points_mm.push_back({data[q], data[q + 1], data[q + 2]});
            roi.contours.push_back(std::move(c));
        }
    }
    for (const gdcm::DataSet* item : items_of(d, gdcm::Tag(0x3006, 0x0080), observations_sq))
        roi_numbered(*item).interpreted_type = text_of(*item, gdcm::Tag(0x3006, 0x00A4));
    return r;
}

}  // namespace lithosim::io
