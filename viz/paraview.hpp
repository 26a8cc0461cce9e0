// A folder of ParaView files (DIR/paraview/): .vti images, .pvd time series and a README.txt that lists every
// file and every array with its unit and meaning. The README is generated from the same descriptions that write
// the arrays (ParaviewImage below), so it cannot drift from the files.
//
// Conventions of every file written here (viz/vti_writer.hpp): origin and spacing in mm; array names carry their
// unit ("p_max_MPa"), which is also stored as the array's UNITS_LABEL; label arrays are unsigned 8-bit with their
// lookup (value -> name) in the README and in the file's field data ("<array>_names"). Time values of a .pvd are
// microseconds (ParaView shows them as plain numbers: the README and a comment in the .pvd say so).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "solver/result.hpp"
#include "viz/vti_writer.hpp"

namespace lithosim::viz {

/// A float point-data array: written as map values (SI) times `scale`, named `name`, in `unit`.
struct ParaviewField {
    std::string name;     ///< with its unit: "p_max_MPa"
    std::string unit;     ///< "MPa"
    std::string meaning;  ///< one line for the README
    const Map3* map = nullptr;
    double scale = 1.0;
};

/// An unsigned 8-bit point-data array (labels, masks). `lookup[i]` names value i (e.g. tissue names); for a mask
/// give {"outside", "inside"}.
struct ParaviewLabels {
    std::string name;
    std::string meaning;
    const std::vector<std::uint8_t>* values = nullptr;
    std::vector<std::string> lookup;
};

/// One .vti file and what it holds. All arrays share the grid of the first field.
struct ParaviewImage {
    std::string file;         ///< file name inside the folder ("maps.vti"); may hold a sub-folder ("snap/p_0.vti")
    std::string description;  ///< one line for the README
    std::vector<ParaviewField> fields;
    std::vector<ParaviewLabels> labels;
    /// Where the maps' frame lies in the patient: Origin and Direction in patient LPS mm (viz/vti_writer.hpp).
    std::optional<VtiPlacement> placement;
    /// One line for the README and the file's field data "coordinates": which frame the file is in.
    std::string coordinates;
};

/// One data set of a .pvd collection.
struct PvdDataSet {
    double time_us = 0;
    std::string file;  ///< relative to the .pvd
};

/// Writes a .pvd collection (VTK's XML "Collection" file): one <DataSet timestep=... file=...> per entry, in the
/// order given, times in microseconds (shortest round-trip decimal). Written atomically (.partial, then renamed).
/// Throws std::invalid_argument for a non-finite time or an empty file name, std::runtime_error when writing fails.
void write_pvd(const std::filesystem::path& path, const std::vector<PvdDataSet>& sets);

/// The ParaView folder of one run. Each add_* writes its files at once (large arrays are not kept); write_readme()
/// writes README.txt for everything added so far.
class ParaviewFolder {
public:
    /// Creates `dir` (and parents) if missing. `title` heads the README ("lithosim simulate: out/default").
    ParaviewFolder(std::filesystem::path dir, std::string title);

    /// Writes one .vti. Throws std::invalid_argument for an empty image or a missing map, std::runtime_error on
    /// write errors (both naming the file).
    void add_image(const ParaviewImage& image);

    /// A time series: `frame(k)` gives the image of frame k (its `file` is ignored: frames are written as
    /// <stem>/<stem>_<k, 4 digits>.vti) and `pvd_file` = <stem>.pvd lists them at `times_us`.
    void add_series(const std::string& pvd_file, const std::string& description, const std::vector<double>& times_us,
                    const std::function<ParaviewImage(std::size_t)>& frame);

    /// A free line for the README's notes (frames, conventions of this run).
    void add_note(const std::string& note);

    /// Writes README.txt (atomically) and returns its path.
    std::filesystem::path write_readme();

    /// The README text as write_readme() writes it.
    std::string readme_text() const;

    const std::filesystem::path& dir() const { return dir_; }
    /// Every file written so far (paths inside dir()), in order; README.txt once written.
    const std::vector<std::filesystem::path>& files() const { return files_; }

private:
    struct Row {
        std::string name, unit, meaning;
    };
    struct Entry {
        std::string file, description;
        std::vector<Row> arrays;
        std::vector<std::string> lookups;  ///< "labels: 0 water, 1 air, ..."
        std::string coordinates;
    };
    static Entry entry_of(const ParaviewImage& image);
    void write_image(const std::filesystem::path& path, const ParaviewImage& image);

    std::filesystem::path dir_;
    std::string title_;
    std::vector<Entry> entries_;
    std::vector<std::string> notes_;
    std::vector<std::filesystem::path> files_;
};

}  // namespace lithosim::viz
