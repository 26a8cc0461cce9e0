// From labels and HU to acoustic properties (issue 4 §2.2): a mapping chosen by name and recorded in the model file,
// optionally overridden by a user table (CSV).
//
//  * "labels": one row per label (rho, c, alpha0, y, B/A), each with its source; the tissue rows are the presets of
//    models/tissue.cpp, air and lung are defined here (models/MAPPING.md has the table and the reasoning).
//  * "hounsfield": the same table for the soft tissues, gas and coupling water; for bone_trabecular, bone_cortical
//    and calcification rho and c follow the HU: rho = Schneider 1996 (k-Wave fit) of the HU rounded to an integer,
//    clamped below at 1000 kg/m^3, and c = 1.3333 rho + 166.67 (the Aubry 2003 line of k-Wave skull2medium);
//    alpha0, y and B/A stay those of the label's row. Soft tissue is not mapped continuously (see MAPPING.md).
//  * A user table overrides either: a label row replaces that label's row (and, under "hounsfield", ends its
//    continuous law: the user's constants apply); an HU-range row [HU_min, HU_max) applies to every voxel whose HU
//    lies in it, whatever its label, except coupling water (whose HU is that of the air it replaced).
//
// User table format (CSV, one header line per section; '#' starts a comment line; blank lines are skipped):
//     label,rho_kg_per_m3,c_m_per_s,alpha_dB_per_cm_MHz,alpha_power,BonA,source
//     HU_min,HU_max,rho_kg_per_m3,c_m_per_s,alpha_dB_per_cm_MHz,alpha_power,BonA,source
// A data row has the header's fields; the source is the rest of the line (it may hold commas) and must not be
// empty. Accepted values: rho > 0, c > 0, alpha0 >= 0, 0 < y <= 2 (the solver's range), 0 <= B/A < 1000,
// HU_min < HU_max (finite), HU ranges that do not overlap, each label at most once.
#pragma once
#include <array>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/ct_volume.hpp"
#include "solver/spec.hpp"

namespace lithosim::models {

/// Acoustic properties at one voxel: the solver's material (alpha0 in dB/(cm MHz^y), the unit of the tables; the
/// rest SI).
using MaterialAt = MaterialProps;

/// A table row: properties and where they come from ("assumption:" marks chosen values).
struct MaterialRow {
    MaterialAt m;
    std::string source;
};

struct LabelRow {
    Label label = Label::water;
    MaterialRow row;
};

/// Applies to HU_min <= HU < HU_max.
struct HuRangeRow {
    double HU_min = 0, HU_max = 0;
    MaterialRow row;
};

/// A user table as read from CSV.
struct UserTable {
    std::string file;                  ///< name given when reading (for messages and provenance)
    std::vector<LabelRow> labels;
    std::vector<HuRangeRow> hu_ranges; ///< sorted by HU_min, not overlapping
};

/// Reads a user table. Throws InputError "mapping table '<file>' line <n>: <problem>" for a missing or unknown
/// header, a wrong field count, an unknown label (listing the names), a value that is not a number or out of range,
/// an empty source, a label given twice, HU_min >= HU_max, overlapping HU ranges (naming both lines), or no data row.
UserTable read_user_table(std::istream& in, const std::string& file_name);
/// Opens the file and reads it; InputError when it cannot be opened.
UserTable read_user_table(const std::string& path);

class PropertyMapping {
public:
    /// "labels", "hounsfield".
    static const std::vector<std::string>& names();
    /// The mapping with this name; InputError naming the unknown name and the accepted ones.
    static PropertyMapping named(const std::string& name);
    /// The label table of the "labels" mapping (indexed by the label's number).
    static const std::array<MaterialRow, kLabelCount>& default_label_table();

    /// Apply a user table (after any earlier ones: later rows win; HU ranges of several tables must not overlap).
    void apply(const UserTable& table);

    const std::string& name() const { return name_; }
    /// Files of the user tables applied, in order.
    const std::vector<std::string>& user_tables() const { return tables_; }
    const std::array<MaterialRow, kLabelCount>& label_table() const { return rows_; }
    const std::vector<HuRangeRow>& hu_ranges() const { return ranges_; }
    /// True when the label's rho and c follow the HU (the "hounsfield" bone and calcification rows, not overridden).
    bool continuous(Label l) const { return continuous_[std::size_t(l)]; }

    /// Properties of a voxel with this label and HU (HU-range row, else continuous law, else the label's row).
    MaterialAt property(Label label, float HU) const;

    /// The mapping as text: its name and user tables on '#' lines, then its label table and HU ranges in the user
    /// table format (so the text can be read back with read_user_table), for the model file's provenance.
    std::string describe() const;

private:
    std::string name_;
    std::array<MaterialRow, kLabelCount> rows_{};
    std::array<bool, kLabelCount> continuous_{};
    std::vector<HuRangeRow> ranges_;
    std::vector<std::string> tables_;
};

/// rho and c of the continuous bone law at this HU (Schneider 1996 density of round(HU), clamped at >= 1000 kg/m^3;
/// c = 1.3333 rho + 166.67).
void bone_law(float HU, double& rho_kg_per_m3, double& c_m_per_s);

struct AcousticMaps {
    std::vector<float> rho_kg_per_m3, c_m_per_s, alpha_dB_per_cm_MHz, alpha_power, BonA;  ///< x fastest, as the volume
};

/// Properties of every voxel. Throws InputError when the label map's size differs from the volume's or a value is
/// not a label.
AcousticMaps map_properties(const HuVolume& volume, const LabelMap& labels, const PropertyMapping& mapping);

}  // namespace lithosim::models
