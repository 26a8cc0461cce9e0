#include "viz/paraview.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "viz/vti_writer.hpp"

namespace lithosim::viz {

namespace fs = std::filesystem;

namespace {

/// Writes `text` to "<path>.partial" and renames it to `path`: readers see the whole file or none.
void write_text_atomic(const fs::path& path, const std::string& text) {
    fs::path partial = path;
    partial += ".partial";
    {
        std::ofstream f(partial, std::ios::binary | std::ios::trunc);
        f << text;
        f.flush();
        if (!f) {
            std::error_code ignored;
            fs::remove(partial, ignored);
            throw std::runtime_error("cannot write '" + partial.string() + "'");
        }
    }
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec) {
        fs::remove(partial, ec);
        throw std::runtime_error("cannot rename '" + partial.string() + "' to '" + path.string() + "'");
    }
}

/// Shortest decimal that reads back to the same double.
std::string shortest(double v) {
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
}

std::string xml_attribute(const std::string& s) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + "  " : s + std::string(width - s.size() + 2, ' ');
}

}  // namespace

void write_pvd(const fs::path& path, const std::vector<PvdDataSet>& sets) {
    std::string text =
        "<?xml version=\"1.0\"?>\n"
        "<!-- lithosim time series: timestep values are microseconds; each file is one VTK image data set -->\n"
        "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n";
    for (const PvdDataSet& s : sets) {
        if (!std::isfinite(s.time_us))
            throw std::invalid_argument("PVD file '" + path.string() + "': time " + shortest(s.time_us) +
                                        " us of '" + s.file + "' is not finite");
        if (s.file.empty()) throw std::invalid_argument("PVD file '" + path.string() + "': a data set has no file");
        text += "    <DataSet timestep=\"" + shortest(s.time_us) + "\" group=\"\" part=\"0\" file=\"" +
                xml_attribute(s.file) + "\"/>\n";
    }
    text += "  </Collection>\n</VTKFile>\n";
    write_text_atomic(path, text);
}

ParaviewFolder::ParaviewFolder(fs::path dir, std::string title) : dir_(std::move(dir)), title_(std::move(title)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_))
        throw std::runtime_error("cannot create the ParaView folder '" + dir_.string() + "': " + ec.message());
}

ParaviewFolder::Entry ParaviewFolder::entry_of(const ParaviewImage& image) {
    Entry e;
    e.file = image.file;
    e.description = image.description;
    for (const ParaviewField& f : image.fields) e.arrays.push_back({f.name, f.unit, f.meaning});
    for (const ParaviewLabels& l : image.labels) {
        e.arrays.push_back({l.name, "1", l.meaning + " (uint8)"});
        std::string lookup = l.name + ":";
        for (std::size_t i = 0; i < l.lookup.size(); ++i) {
            lookup += i ? ", " : " ";
            lookup += std::to_string(i);
            lookup += ' ';
            lookup += l.lookup[i];
        }
        if (!l.lookup.empty()) e.lookups.push_back(lookup);
    }
    e.coordinates = image.coordinates;
    return e;
}

void ParaviewFolder::write_image(const fs::path& path, const ParaviewImage& image) {
    if (image.fields.empty())
        throw std::invalid_argument("ParaView file '" + path.string() + "': no float array (one gives the grid)");
    VtiContent content;
    for (const ParaviewField& f : image.fields) content.arrays.push_back({f.name, f.map, f.scale, f.unit});
    for (const ParaviewLabels& l : image.labels) {
        content.labels.push_back({l.name, l.values, "1"});
        if (!l.lookup.empty()) content.field_strings.push_back({l.name + "_names", l.lookup});
    }
    content.placement = image.placement;
    content.coordinates = image.coordinates;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    write_vti_content(path, content);
    files_.push_back(path);
}

void ParaviewFolder::add_image(const ParaviewImage& image) {
    if (image.file.empty()) throw std::invalid_argument("ParaView image without a file name");
    write_image(dir_ / image.file, image);
    entries_.push_back(entry_of(image));
}

void ParaviewFolder::add_series(const std::string& pvd_file, const std::string& description,
                                const std::vector<double>& times_us,
                                const std::function<ParaviewImage(std::size_t)>& frame) {
    const std::string stem = fs::path(pvd_file).stem().string();
    if (stem.empty() || fs::path(pvd_file).extension() != ".pvd")
        throw std::invalid_argument("ParaView series '" + pvd_file + "': accepted: a name ending in .pvd");
    std::vector<PvdDataSet> sets;
    Entry entry;
    for (std::size_t k = 0; k < times_us.size(); ++k) {
        char number[32];
        std::snprintf(number, sizeof number, "%04zu", k);
        const std::string file = stem + "/" + stem + "_" + number + ".vti";
        const ParaviewImage image = frame(k);
        write_image(dir_ / file, image);
        if (k == 0) entry = entry_of(image);
        sets.push_back({times_us[k], file});
    }
    write_pvd(dir_ / pvd_file, sets);
    files_.push_back(dir_ / pvd_file);
    entry.file = pvd_file;
    entry.description = description + " (" + std::to_string(times_us.size()) + " frames in " + stem + "/, times in us" +
                        (times_us.empty() ? "" : ": " + shortest(times_us.front()) + " to " + shortest(times_us.back())) +
                        ")";
    entries_.push_back(entry);
}

void ParaviewFolder::add_note(const std::string& note) { notes_.push_back(note); }

std::string ParaviewFolder::readme_text() const {
    std::string t = title_ + "\n" + std::string(title_.size(), '=') + "\n\n";
    t += "Files for ParaView (File > Open). .vti = VTK image data, .pvd = a time series of .vti files.\n"
         "Origin and spacing are in mm; every array name ends with its unit, which is also stored as the array's\n"
         "UNITS_LABEL. Label arrays are unsigned 8-bit; the value -> name lookup is listed below and stored in the\n"
         "file's field data as <array>_names. Time values of .pvd files are microseconds. A file's coordinates\n"
         "line (also its field data \"coordinates\") says its frame: files in patient coordinates (LPS, mm) carry\n"
         "Origin and Direction (ParaView 5.10 or later applies the Direction).\n";
    for (const std::string& n : notes_) t += n + "\n";
    for (const Entry& e : entries_) {
        t += "\n" + e.file + ": " + e.description + "\n";
        std::size_t wn = 5, wu = 4;
        for (const Row& r : e.arrays) wn = std::max(wn, r.name.size()), wu = std::max(wu, r.unit.size());
        t += "  " + pad("array", wn) + pad("unit", wu) + "meaning\n";
        for (const Row& r : e.arrays) t += "  " + pad(r.name, wn) + pad(r.unit, wu) + r.meaning + "\n";
        for (const std::string& l : e.lookups) t += "  lookup " + l + "\n";
        if (!e.coordinates.empty()) t += "  coordinates: " + e.coordinates + "\n";
    }
    return t;
}

fs::path ParaviewFolder::write_readme() {
    const fs::path path = dir_ / "README.txt";
    write_text_atomic(path, readme_text());
    if (std::find(files_.begin(), files_.end(), path) == files_.end()) files_.push_back(path);
    return path;
}

}  // namespace lithosim::viz
