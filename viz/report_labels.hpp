// The reports' words for the keys of plan.json and summary.json (issue 14 §4), in one declared table, and the one
// way the reports print a number. JSON keys carry their unit in their name (efd_target_mJ_per_mm2, STYLE.md "Units
// and names"); a reader of report.html should see "EFD at the target (mJ/mm²)" instead, and, for a position, the
// frame it is measured in:
//  * plan.json positions are patient coordinates, DICOM LPS in mm (planner/plan.hpp): "(patient LPS, mm)";
//  * summary.json positions (focus_mm, focal_plane_z_mm, ...) and the device's free field in plan.json
//    (device_free_field, the same dosimetry keys) are in the simulation's beam frame: "(beam frame, mm)".
//
// Table rows (report_keys(), viz/report_labels.cpp):
// | field | meaning                                                                                           |
// |-------|---------------------------------------------------------------------------------------------------|
// | key   | the JSON key ("centroid_mm"), or "parent.key" where a key means something else under one parent     |
// |       | ("success.model"; parent = the enclosing object's or array's key)                                   |
// | label | words, capitalised, no unit ("Centroid")                                                          |
// | unit  | as printed ("mm", "mJ/mm²", "MPa"); empty for counts, words and fractions                          |
// | frame | where a position is measured: none, patient (LPS) or beam                                         |
// | doc   | optional one sentence: the definition column of the simulate report's IEC table                   |
//
// A key that is not in the table is printed as "<key> (no label)": visible, never silently raw; the tests walk
// real plan.json and summary.json documents and require every key to have a row.
//
// Numbers (format_number): about 3 significant figures, as a reader compares them; the JSON keeps full precision
// and the report gives it as the cell's tooltip.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lithosim::viz {

/// The frame a position is measured in.
enum class ReportFrame { none, patient, beam };

struct ReportKey {
    const char* key;
    const char* label;
    const char* unit = "";
    ReportFrame frame = ReportFrame::none;
    const char* doc = "";
};

/// Every labelled key, in the order of the table.
const std::vector<ReportKey>& report_keys();

/// The row of `key` under `parent` ("parent.key" first, then "key"), or nullptr.
const ReportKey* find_report_key(std::string_view key, std::string_view parent = {});

/// "Label (frame, unit)": "Centroid (patient LPS, mm)", "EFD at the target (mJ/mm²)", "Shocks"; for a key without
/// a row, "<key> (no label)".
std::string report_label(std::string_view key, std::string_view parent = {});

/// The label with `unit` in place of the table's (for keys whose unit the document names, e.g. the device's setting
/// unit): "Setting (level)".
std::string report_label_with_unit(std::string_view key, const std::string& unit, std::string_view parent = {});

/// A number to about 3 significant figures: 3 significant figures below 1000 ("12.3", "0.00123", "10", "0"),
/// rounded to an integer from 1000 to 10^6 ("2000", "127346": nobody reads "1.27e+05" shocks), and
/// "1.41 × 10⁸" from 10^6 and "1.23 × 10⁻⁵" below 10^-4. Trailing zeros are dropped ("18", not "18.0").
/// Not finite: "n/a".
std::string format_number(double v);

}  // namespace lithosim::viz
