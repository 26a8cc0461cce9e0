#include "io/dicom_rt.hpp"
#include "io/ct_import_internal.hpp"

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

#include "solver/errors.hpp"

namespace lithosim::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRtDoseStorage = "1.2.840.10008.5.1.4.1.1.481.2";
constexpr const char* kRtPlanStorage = "1.2.840.10008.5.1.4.1.1.481.5";

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

    // SOP Common, Patient, General Study, RT Series, Frame of Reference, General Equipment.
    put(d, gdcm::Tag(0x0008, 0x0016), gdcm::VR::UI, kRtDoseStorage);             // SOPClassUID
    put(d, gdcm::Tag(0x0008, 0x0018), gdcm::VR::UI, new_uid());                   // SOPInstanceUID
    put(d, gdcm::Tag(0x0008, 0x0020), gdcm::VR::DA, date);                        // StudyDate: when written
    put(d, gdcm::Tag(0x0008, 0x0030), gdcm::VR::TM, time);                        // StudyTime
    put(d, gdcm::Tag(0x0008, 0x0050), gdcm::VR::SH, "");                          // AccessionNumber
    put(d, gdcm::Tag(0x0008, 0x0060), gdcm::VR::CS, "RTDOSE");                    // Modality
    put(d, gdcm::Tag(0x0008, 0x0070), gdcm::VR::LO, "lithosim");                  // Manufacturer
    put(d, gdcm::Tag(0x0008, 0x0090), gdcm::VR::PN, "");                          // ReferringPhysicianName
    put(d, gdcm::Tag(0x0008, 0x103E), gdcm::VR::LO, description);                 // SeriesDescription
    put(d, gdcm::Tag(0x0008, 0x1070), gdcm::VR::PN, "");                          // OperatorsName
    put(d, gdcm::Tag(0x0010, 0x0010), gdcm::VR::PN, o.pseudonym);                 // PatientName
    put(d, gdcm::Tag(0x0010, 0x0020), gdcm::VR::LO, o.pseudonym);                 // PatientID
    put(d, gdcm::Tag(0x0010, 0x0030), gdcm::VR::DA, "");                          // PatientBirthDate
    put(d, gdcm::Tag(0x0010, 0x0040), gdcm::VR::CS, "");                          // PatientSex
    put(d, gdcm::Tag(0x0018, 0x0050), gdcm::VR::DS, ds(v.spacing_mm[2]));        // SliceThickness
    put(d, gdcm::Tag(0x0020, 0x000D), gdcm::VR::UI, study_uid);                   // StudyInstanceUID
    put(d, gdcm::Tag(0x0020, 0x000E), gdcm::VR::UI, new_uid());                   // SeriesInstanceUID
    put(d, gdcm::Tag(0x0020, 0x0010), gdcm::VR::SH, "lithosim");                  // StudyID
    put(d, gdcm::Tag(0x0020, 0x0011), gdcm::VR::IS, std::to_string(series_number));  // SeriesNumber
    put(d, gdcm::Tag(0x0020, 0x0013), gdcm::VR::IS, "1");                         // InstanceNumber
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

}  // namespace

std::string write_rt_dose(const fs::path& dir, const std::vector<std::string>& files,
                          const std::vector<RtDoseVolume>& volumes, const RtWriteOptions& options) {
    require_input(files.size() == volumes.size(), "write_rt_dose: ", files.size(), " names for ", volumes.size(),
                  " volumes");
    check_text(options.pseudonym, "patient pseudonym");
    for (const auto& v : volumes) check_volume(v);
    std::error_code ec;
    require_input(!fs::exists(dir, ec), "--dicom-rt ", quoted(dir),
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

}  // namespace lithosim::io
