// `lithosim dosimetry RESULT.h5 [--json FILE] [--focus-z-mm Z] [--quiet]`: the dosimetry of an earlier result.
//
// Reads the maps, the sensor series and the focal waveform of a result file, computes the parameters of
// app/dosimetry.hpp (the foundation's summary and the IEC 61846 field parameters), prints them, replaces the file's
// /dosimetry group (atomically: a modified copy is renamed over the file) and writes them to FILE as JSON if asked.
//
// What the file must give besides its maps:
//   the medium at the focus   root attributes rho_focus_kg_per_m3 and c_focus_m_per_s; a file written before they
//                             existed falls back to /medium/c and /medium/rho at the focus (heterogeneous runs), then
//                             to the medium of the case stored in the file
//   the focal plane           --focus-z-mm, else the root attribute geometric_focus_z_m, else the plane of the p_max
//                             peak (which is also what a file written before that attribute existed gives)
//   the focal waveform        /focal_series and the sensor points (/sensors)
//
// --json FILE layout: the dosimetry keys of app/dosimetry.hpp plus "result_file", "version", "git_commit" and
// "warnings".
//
// Stages: read input (the file and the options; every failure here is bad input, exit 2), compute (maps of the file
// that do not fit together are bad input too), write results.
#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "app/case_keys.hpp"
#include "app/case_spec.hpp"
#include "app/commands.hpp"
#include "app/dosimetry.hpp"
#include "app/text.hpp"
#include "io/json_file.hpp"
#include "io/result_file.hpp"
#include "lithosim/build_info.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lithosim::app {

namespace {

/// A device run's focus-search plane, from the resolved case stored in the file (empty for other sources).
std::optional<double> stored_search_from_z_m(const io::ResultMetadata& meta) {
    if (meta.case_text.find("device") == std::string::npos) return std::nullopt;
    const CaseText c = parse_case(meta.case_text, "the case stored in the result", fs::current_path());
    if (case_word(c, "source.type") != "device") return std::nullopt;
    return focus_geometry(c, SimulationSpec{}).search_from_z_m;
}

po::options_description dosimetry_options() {
    po::options_description o("Options of lithosim dosimetry", kHelpWidth, kHelpWidth / 2);
    o.add_options()
        ("result", po::value<std::string>()->value_name("RESULT.h5"),
         "result file of lithosim simulate (also the first positional argument). Required.")
        ("json", po::value<std::string>()->value_name("FILE"),
         "also write the parameters to FILE as JSON (its directory must exist). Default: none.")
        ("focus-z-mm", po::value<std::string>()->value_name("Z"),
         "plane of the disc energies (E5mm, E12mm, E28mm, total), z in mm within the map. Default: the source's "
         "geometric focus stored with the result, else the plane of the p_max peak.")
        ("quiet", po::bool_switch(), "print nothing on stdout; warnings and errors still go to stderr. Default: off.")
        ("help,h", "print this help.");
    return o;
}

/// Reading a result file that fails is bad input (the user's file), whatever the reason.
template <class F>
auto read_input(F&& f) {
    try {
        return f();
    } catch (const InputError&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(e.what());
    }
}

/// Value of a map at the node nearest `x_m` (maps laid out as the result's, r in the x slot when axisymmetric).
float map_at(const Map3& m, const std::array<double, 3>& x_m) {
    std::size_t idx[3] = {0, 0, 0};
    const std::size_t n[3] = {m.nx, m.ny, m.nz};
    for (int a = 0; a < 3; ++a) {
        if (n[a] < 2 || !(m.spacing_m[a] > 0)) continue;
        const double s = std::round((x_m[a] - m.origin_m[a]) / m.spacing_m[a]);
        idx[a] = std::size_t(std::clamp(s, 0.0, double(n[a] - 1)));
    }
    return m.at(idx[0], idx[1], idx[2]);
}

/// The medium at a position: the stored focus values, else the medium maps, else the stored case's medium.
std::function<MaterialProps(const std::array<double, 3>&)> focus_medium(const io::ResultMetadata& meta,
                                                                       const SimulationResult& r,
                                                                       const fs::path& path) {
    if (meta.rho_focus_kg_per_m3 && meta.c_focus_m_per_s) {
        MaterialProps m;
        m.rho_kg_per_m3 = *meta.rho_focus_kg_per_m3;
        m.c_m_per_s = *meta.c_focus_m_per_s;
        return [m](const std::array<double, 3>&) { return m; };
    }
    if (r.c && r.rho) {
        return [c = *r.c, rho = *r.rho](const std::array<double, 3>& x) {
            MaterialProps m;
            m.c_m_per_s = map_at(c, x);
            m.rho_kg_per_m3 = map_at(rho, x);
            return m;
        };
    }
    MediumSpec medium;
    try {
        medium = build_medium_spec(parse_case(meta.case_text, "the case stored in '" + path.string() + "'",
                                              fs::current_path()));
    } catch (const std::exception& e) {
        throw InputError("'" + path.string() + "' stores no medium at the focus (root attributes " +
                         "rho_focus_kg_per_m3, c_focus_m_per_s) and its stored case gives none: " + e.what());
    }
    return [medium](const std::array<double, 3>& x) { return medium_at(medium, x); };
}

}  // namespace

int cmd_dosimetry(const Args& args) {
    const po::options_description options = dosimetry_options();
    po::positional_options_description positional;
    positional.add("result", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim dosimetry RESULT.h5 [--json FILE] [--focus-z-mm Z] [--quiet]\n"
                     "Computes the dosimetry of an earlier result: p+, p-, focus, -6 dB and 5 MPa focal zones, EFD "
                     "(whole pulse and positive phase),\nrise time, pulse duration and the energies through discs "
                     "of 5 mm and 12 mm radius, a 28 mm diameter disc and the whole focal plane\n(IEC 61846 working "
                     "definitions: planning/IEC61846.md). Prints them, replaces the file's /dosimetry group and writes "
                     "them to\nFILE as JSON if asked.\nExit codes: 0 success, 1 a stage failed (the message names it), "
                     "2 bad input (a missing file, not a lithosim result, no maps).\n\n"
                  << options;
        return kExitOk;
    }
    const bool quiet = vm["quiet"].as<bool>();
    if (!vm.count("result"))
        throw InputError("the result file is missing; accepted: lithosim dosimetry RESULT.h5 (a result.h5 of "
                         "lithosim simulate)");
    const fs::path path = vm["result"].as<std::string>();

    // ---- read input ----
    std::optional<double> focus_z_m;
    if (vm.count("focus-z-mm"))
        focus_z_m = numeric_option("focus-z-mm", vm["focus-z-mm"].as<std::string>(), false, -1e6, 1e6) * 1e-3;
    std::optional<fs::path> json_path;
    if (vm.count("json")) {
        json_path = vm["json"].as<std::string>();
        const fs::path dir = json_path->parent_path().empty() ? fs::path(".") : json_path->parent_path();
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw InputError("--json '" + json_path->string() + "': the directory '" + dir.string() +
                             "' does not exist; accepted: a file in an existing directory");
    }
    const io::ResultMetadata meta = read_input([&] { return io::read_result_metadata(path); });
    SimulationResult result = read_input([&] { return io::read_result_h5(path); });
    if (!result.p_max)
        throw InputError("'" + path.string() + "' has no maps (no /maps/p_max: the run had [sensor] maps = none or "
                         "without p_max); accepted: a result file with a p_max map");
    result.axis = meta.focal_series;  // the candidates for the focal waveform: sensor points and the focal series

    DosimetryInputs inputs;
    inputs.axisymmetric = meta.axisymmetric;
    inputs.medium_at = read_input([&] { return focus_medium(meta, result, path); });
    inputs.focal_plane_z_m = focus_z_m ? focus_z_m : meta.geometric_focus_z_m;
    inputs.focal_plane_is_user_input = focus_z_m.has_value();
    inputs.search_from_z_m = read_input([&] { return stored_search_from_z_m(meta); });

    // ---- compute ----
    std::vector<std::string> warnings;
    // Maps that do not fit together (shapes, origins) come from the file: bad input, not an internal failure.
    const Dosimetry d = run_stage("compute", [&] {
        try {
            return compute_dosimetry(result, inputs, warnings);
        } catch (const std::invalid_argument& e) {
            throw InputError("'" + path.string() + "': " + e.what());
        }
    });
    for (const auto& w : warnings) print_warning(w);

    // ---- write results ----
    run_stage("write results", [&] {
        io::rewrite_dosimetry(path, dosimetry_values(d));
        if (json_path) {
            nlohmann::json j = dosimetry_json(d);
            j["result_file"] = path.string();
            j["version"] = build::version;
            j["git_commit"] = build::git_commit;
            j["warnings"] = warnings;
            io::write_json_atomic(*json_path, j);
        }
    });
    if (!quiet) {
        std::cout << dosimetry_text(d) << "written\n  " << path.string() << " (/dosimetry)\n";
        if (json_path) std::cout << "  " << json_path->string() << "\n";
    }
    return kExitOk;
}

}  // namespace lithosim::app
