// Every HDF5 group, dataset and attribute name lithosim writes, in one table (after k-Wave's MatrixNames.h).
// These strings are a contract with outside tools (Python, MATLAB, ParaView scripts): change one only together with
// kFileFormatVersion. The layout that uses them is documented in io/result_file.hpp.
#pragma once

namespace lithosim::io::h5 {

// Groups.
inline constexpr char maps_group[] = "/maps";
inline constexpr char sensors_group[] = "/sensors";
inline constexpr char medium_group[] = "/medium";

// Datasets.
inline constexpr char maps_p_max[] = "/maps/p_max";          // Pa
inline constexpr char maps_p_min[] = "/maps/p_min";          // Pa
inline constexpr char maps_efd[] = "/maps/efd";              // J/m^2
inline constexpr char sensors_t[] = "/sensors/t";            // s
inline constexpr char sensors_p[] = "/sensors/p";            // Pa
inline constexpr char sensors_position[] = "/sensors/position_m";  // m
inline constexpr char medium_c[] = "/medium/c";              // m/s
inline constexpr char medium_rho[] = "/medium/rho";          // kg/m^3

// Dataset attributes.
inline constexpr char attr_units[] = "units";
inline constexpr char attr_origin[] = "origin_m";    // 3 doubles, (x, y, z) of sample (0,0,0)
inline constexpr char attr_spacing[] = "spacing_m";  // 3 doubles, (dx, dy, dz)

// Root attributes.
inline constexpr char root_version[] = "version";
inline constexpr char root_git_commit[] = "git_commit";
inline constexpr char root_case[] = "case";
inline constexpr char root_created[] = "created";
inline constexpr char root_threads[] = "threads";
inline constexpr char root_file_type[] = "file_type";
inline constexpr char root_file_format_version[] = "file_format_version";

// Values of the identifying root attributes, checked whenever a result file is opened for reading.
inline constexpr char file_type_result[] = "lithosim-result";
inline constexpr char file_format_version[] = "1";

// Values of the "units" attribute.
inline constexpr char unit_pressure[] = "Pa";
inline constexpr char unit_energy_density[] = "J/m^2";
inline constexpr char unit_time[] = "s";
inline constexpr char unit_length[] = "m";
inline constexpr char unit_speed[] = "m/s";
inline constexpr char unit_density[] = "kg/m^3";

}  // namespace lithosim::io::h5
