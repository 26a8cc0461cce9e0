// Every HDF5 group, dataset and attribute name lithosim writes, in one table (after k-Wave's MatrixNames.h).
// These strings are a contract with outside tools (Python, MATLAB, ParaView scripts): change one only together with
// kFileFormatVersion. The layout that uses them is documented in io/result_file.hpp.
#pragma once

namespace lithosim::io::h5 {

// Groups.
inline constexpr char maps_group[] = "/maps";
inline constexpr char sensors_group[] = "/sensors";
inline constexpr char medium_group[] = "/medium";
inline constexpr char focal_series_group[] = "/focal_series";
inline constexpr char dosimetry_group[] = "/dosimetry";
inline constexpr char sensors_planes_group[] = "/sensors/planes";
inline constexpr char sensors_plane_prefix[] = "/sensors/planes/plane_";  // + k: plane k = 0, 1, ... in the order given
inline constexpr char sensors_lines_group[] = "/sensors/lines";
inline constexpr char sensors_line_axis_group[] = "/sensors/lines/axis";
inline constexpr char snapshots_group[] = "/snapshots";
inline constexpr char snapshot_prefix[] = "/snapshots/snapshot_";  // + k: snapshot k = 0, 1, ... in the order asked

// Datasets.
inline constexpr char maps_p_max[] = "/maps/p_max";          // Pa
inline constexpr char maps_p_min[] = "/maps/p_min";          // Pa
inline constexpr char maps_efd[] = "/maps/efd";              // J/m^2
inline constexpr char sensors_t[] = "/sensors/t";            // s
inline constexpr char sensors_p[] = "/sensors/p";            // Pa
inline constexpr char sensors_position[] = "/sensors/position_m";  // m
inline constexpr char medium_c[] = "/medium/c";              // m/s
inline constexpr char medium_rho[] = "/medium/rho";          // kg/m^3
inline constexpr char focal_series_t[] = "/focal_series/t";                    // s
inline constexpr char focal_series_p[] = "/focal_series/p";                    // Pa
inline constexpr char focal_series_position[] = "/focal_series/position_m";    // m
inline constexpr char sensors_line_axis_t[] = "/sensors/lines/axis/t";                  // s
inline constexpr char sensors_line_axis_p[] = "/sensors/lines/axis/p";                  // Pa
inline constexpr char sensors_line_axis_position[] = "/sensors/lines/axis/position_m";  // m

// Datasets of each sensor plane group /sensors/planes/plane_<k> (names relative to the group).
inline constexpr char plane_p_max[] = "p_max";        // Pa
inline constexpr char plane_p_min[] = "p_min";        // Pa
inline constexpr char plane_efd[] = "efd";            // J/m^2
inline constexpr char plane_efd_plus[] = "efd_plus";  // J/m^2, over the samples with p > 0

// Group attributes.
inline constexpr char attr_plane_z[] = "z_m";  // float64, z of a sensor plane's node plane

// Attributes of a snapshot dataset /snapshots/snapshot_<k> (besides units, origin_m, spacing_m).
inline constexpr char attr_snapshot_t[] = "t_s";                      // float64, time of the recorded step, s
inline constexpr char attr_snapshot_t_requested[] = "t_requested_s";  // float64, the time asked for, s
inline constexpr char attr_snapshot_step[] = "step";                  // int32, the step number (t_s = step dt)

// Dataset attributes.
inline constexpr char attr_units[] = "units";
inline constexpr char attr_origin[] = "origin_m";    // 3 doubles (x, y, z) of sample (0,0,0); axisymmetric: 2 (r, z)
inline constexpr char attr_spacing[] = "spacing_m";  // 3 doubles (dx, dy, dz); axisymmetric: 2 (dr, dz)

// Root attributes.
inline constexpr char root_version[] = "version";
inline constexpr char root_git_commit[] = "git_commit";
inline constexpr char root_case[] = "case";
inline constexpr char root_created[] = "created";
inline constexpr char root_threads[] = "threads";
inline constexpr char root_file_type[] = "file_type";
inline constexpr char root_file_format_version[] = "file_format_version";
inline constexpr char root_schema_version[] = "schema_version";   // = file_format_version (the JSON files' word)
inline constexpr char root_geometry[] = "geometry";                       // geometry_cartesian | geometry_axisymmetric
inline constexpr char root_rho_focus[] = "rho_focus_kg_per_m3";           // float64, medium density at the focus
inline constexpr char root_c_focus[] = "c_focus_m_per_s";                 // float64, medium sound speed at the focus
inline constexpr char root_geometric_focus_z[] = "geometric_focus_z_m";   // float64, z of the source's geometric focus

// Values of the identifying root attributes, checked whenever a result file is opened for reading.
inline constexpr char file_type_result[] = "lithosim-result";
inline constexpr char file_format_version[] = "1";

// Values of the `geometry` root attribute. A file without it (written before the attribute existed) is cartesian.
inline constexpr char geometry_cartesian[] = "cartesian";
inline constexpr char geometry_axisymmetric[] = "axisymmetric";

// Values of the "units" attribute.
inline constexpr char unit_pressure[] = "Pa";
inline constexpr char unit_energy_density[] = "J/m^2";
inline constexpr char unit_time[] = "s";
inline constexpr char unit_length[] = "m";
inline constexpr char unit_speed[] = "m/s";
inline constexpr char unit_density[] = "kg/m^3";

// The field parameters of /dosimetry (IEC 61846 working definitions, planning/IEC61846.md): one float64 dataset per
// parameter, named like its summary.json key and stored in the unit its name carries (the `units` attribute repeats
// it). `count` is 1 for a scalar dataset, 3 for a [3] dataset: (x, y, z) for focus_mm and the focal zones
// (axisymmetric: focus (r, 0, z); zone x = y = the full width across the axis).
struct DosimetryParameter {
    const char* name;
    const char* unit;
    int count;
};
inline constexpr DosimetryParameter dosimetry_parameters[] = {
    {"p_plus_MPa", "MPa", 1},
    {"p_minus_MPa", "MPa", 1},
    {"focus_mm", "mm", 3},
    {"rise_time_ns", "ns", 1},
    {"pulse_duration_ns", "ns", 1},
    {"focal_zone_6dB_mm", "mm", 3},
    {"focal_zone_5MPa_mm", "mm", 3},
    {"efd_focus_mJ_per_mm2", "mJ/mm^2", 1},
    {"efd_plus_focus_mJ_per_mm2", "mJ/mm^2", 1},
    {"E5mm_mJ", "mJ", 1},
    {"E12mm_mJ", "mJ", 1},
    {"energy_total_mJ", "mJ", 1},
    {"E28mm_disc_mJ", "mJ", 1},
    {"focal_plane_z_mm", "mm", 1},
};

// ---------------------------------------------------------------------------------------------------------------
// Model files (`lithosim model --out model.h5`, read by `[medium] model = model.h5`); layout in io/model_file.hpp.
// ---------------------------------------------------------------------------------------------------------------
inline constexpr char file_type_model[] = "lithosim-model";
inline constexpr char model_file_format_version[] = "1";

inline constexpr char model_group[] = "/model";                 // the model on the beam-frame grid, [nz][ny][nx]
inline constexpr char model_axisymmetric_group[] = "/axisymmetric";  // its axisymmetric form, [nz][nr]
// Datasets of both groups (names relative to the group).
inline constexpr char model_hu[] = "hu";                        // float32, HU
inline constexpr char model_labels[] = "labels";                // uint8, models::Label numbers
inline constexpr char model_target_mask[] = "target_mask";      // uint8, 1 inside the target
inline constexpr char model_rho[] = "rho";                      // float32, kg/m^3
inline constexpr char model_c[] = "c";                          // float32, m/s
inline constexpr char model_alpha[] = "alpha_coeff";            // float32, dB/(cm MHz^y)
inline constexpr char model_alpha_power[] = "alpha_power";      // float32, y
inline constexpr char model_BonA[] = "BonA";                    // float32, B/A
inline constexpr char attr_label_names[] = "label_names";       // string on labels: "0=water,1=air,..."

// Root attributes of a model file.
inline constexpr char model_mapping[] = "mapping";                          // string: mapping name
inline constexpr char model_mapping_table[] = "mapping_table";              // string: the table used (CSV text)
inline constexpr char model_input_sha1[] = "input_sha1";                    // string: hash of the CT input
inline constexpr char model_input_format[] = "input_format";                // string: dicom, nifti, ..., phantom
inline constexpr char model_pseudonym[] = "pseudonym";                      // string: salted-hash pseudonym
inline constexpr char model_patient_origin[] = "frame_origin_patient_mm";   // 3 float64: frame (0,0,0), LPS mm
inline constexpr char model_frame_axes[] = "frame_axes_patient";            // 9 float64: ex, ey, ez in LPS
inline constexpr char model_target_frame[] = "target_m";                    // 3 float64: target, frame, m
inline constexpr char model_target_patient[] = "target_patient_mm";         // 3 float64: target, LPS mm
inline constexpr char model_source_frame[] = "source_m";                    // 3 float64: source point, frame, m
inline constexpr char model_source_patient[] = "source_patient_mm";         // 3 float64: source point, LPS mm
inline constexpr char model_coupling[] = "coupling_medium";                 // 5 float64: rho, c, alpha, y, B/A
inline constexpr char model_summary[] = "summary";                          // string: the summary.json text
inline constexpr char unit_hu[] = "HU";
inline constexpr char unit_alpha[] = "dB/(cm MHz^y)";
inline constexpr char unit_none[] = "1";

// ---------------------------------------------------------------------------------------------------------------
// Plan files (`lithosim plan --out DIR` -> DIR/plan.h5); layout in io/plan_file.hpp.
// ---------------------------------------------------------------------------------------------------------------
inline constexpr char file_type_plan[] = "lithosim-plan";
inline constexpr char plan_file_format_version[] = "1";
inline constexpr char plan_dose_group[] = "/dose";                 // maps of one shock at the treatment setting
inline constexpr char plan_dose_p_max[] = "/dose/p_max";           // Pa
inline constexpr char plan_dose_p_min[] = "/dose/p_min";           // Pa
inline constexpr char plan_dose_efd[] = "/dose/efd";               // J/m^2
inline constexpr char plan_dose_labels[] = "/dose/labels";         // uint8, models::Label at each map node
inline constexpr char plan_dose_target[] = "/dose/target_mask";    // uint8
inline constexpr char plan_sessions_group[] = "/sessions";
inline constexpr char plan_session_prefix[] = "/sessions/session_";  // + k (1-based): one group per session
inline constexpr char plan_fragment_diameter[] = "fragment_diameter_m";  // float64 [nclasses], m
inline constexpr char plan_fragment_count[] = "fragment_count";          // float64 [nclasses], expected number
inline constexpr char plan_initial_group[] = "/sessions/initial";        // the intact target
inline constexpr char attr_setting[] = "setting";                   // float64 on /dose: the device setting
inline constexpr char attr_day[] = "day";                           // int on a session group
inline constexpr char attr_shocks[] = "shocks";                     // int on a session group
inline constexpr char attr_fraction_cleared[] = "fraction_cleared"; // float64 on a session group
inline constexpr char root_plan_json[] = "plan";                    // string: the plan.json text

// ---------------------------------------------------------------------------------------------------------------
// Sweep files (`lithosim sweep --out DIR` -> DIR/sweep.h5); layout in io/sweep_file.hpp. Engineer H2's block.
// ---------------------------------------------------------------------------------------------------------------
inline constexpr char file_type_sweep[] = "lithosim-sweep";
inline constexpr char sweep_file_format_version[] = "1";
inline constexpr char sweep_group[] = "/sweep";
inline constexpr char sweep_parameters_group[] = "/sweep/parameters";  // one dataset per swept key
inline constexpr char sweep_metrics_group[] = "/sweep/metrics";        // one float64 dataset per metric
inline constexpr char sweep_case[] = "case";                // string [n], relative to /sweep: case ids
inline constexpr char sweep_status[] = "status";            // string [n]: ok | failed
inline constexpr char sweep_error[] = "error";              // string [n]: the case's error line
inline constexpr char sweep_run_time[] = "run_time_s";      // float64 [n], s
inline constexpr char attr_sweep_columns[] = "columns";     // string on /sweep: the CSV header (column order)
inline constexpr char attr_sweep_identity[] = "sweep_identity";  // string on /sweep: hash of the sweep
inline constexpr char unit_in_name[] = "see name";          // units attribute of a column whose name holds its unit

}  // namespace lithosim::io::h5
