// `lithosim dosimetry`, two forms:
//
//   lithosim dosimetry RESULT.h5 [--json FILE] [--focus-z-mm Z] [--quiet]
//       the dosimetry of an earlier result (below)
//   lithosim dosimetry --device NAME --target-depth-mm D (--setting S | --find-setting --target-efd X)
//                      [--layers LIST] [--dx-mm DX] [--threads N] [--json FILE] [--quiet]
//       dose at depth (issue 3 §4): the device aimed at a target D mm below the skin through the layers, run
//       in-process; with --setting the forward report at the target (and the loss relative to water), with
//       --find-setting the setting that delivers the EFD X there. Set-up, search and JSON keys: dosimetry/dose_at_depth.cpp.
//       Nothing is written but the --json FILE.
//
// The result-file form reads the maps, the sensor series and the focal waveform of a result file, computes the
// parameters of dosimetry/dosimetry.hpp (the foundation's summary and the IEC 61846 field parameters), prints them, replaces
// the file's /dosimetry group (atomically: a modified copy is renamed over the file) and writes them to FILE as JSON
// if asked.
//
// What the file must give besides its maps:
//   the medium at the focus   root attributes rho_focus_kg_per_m3 and c_focus_m_per_s; a file written before they
//                             existed falls back to /medium/c and /medium/rho at the focus (heterogeneous runs), then
//                             to the medium of the case stored in the file
//   the focal plane           --focus-z-mm, else the root attribute geometric_focus_z_m, else the plane of the p_max
//                             peak (which is also what a file written before that attribute existed gives)
//   the focal waveform        /focal_series and the sensor points (/sensors)
//
// --json FILE layout: the dosimetry keys of dosimetry/dosimetry.hpp plus "result_file", "version", "git_commit" and
// "warnings".
//
// Stages: read input (the file and the options; every failure here is bad input, exit 2), compute (maps of the file
// that do not fit together are bad input too), write results. The dose-at-depth form checks every option, the
// device, the setting, the layers and the grid's memory before the first run (read input), then runs (build model,
// simulate, compute per run) and writes the JSON last (write results).
#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "app/commands.hpp"
#include "report/run_figures.hpp"
#include "dosimetry/dosimetry.hpp"
#include "dosimetry/dose_at_depth.hpp"
#include "core/text.hpp"
#include "io/json_file.hpp"
#include "io/result_file.hpp"
#include "lithosim/build_info.hpp"
#include "models/devices.hpp"
#include "io/schema.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lithosim::app {

namespace {

/// A device run's focus-search plane, from the resolved case stored in the file (empty for other sources).
std::optional<double> stored_search_from_z_m(const io::ResultMetadata& meta) {
    if (meta.case_text.find("device") == std::string::npos) return std::nullopt;
    const Case c = case_from_text(parse_case(meta.case_text, "the case stored in the result", fs::current_path()));
    if (c.source.type != "device") return std::nullopt;
    return focus_geometry(case_device(c), SimulationSpec{}).search_from_z_m;
}

po::options_description dosimetry_options() {
    po::options_description o("Options of lithosim dosimetry", help_width(), help_width() / 2);
    o.add_options()
        ("result", po::value<std::string>()->value_name("RESULT.h5"),
         "result file of lithosim simulate (also the first positional argument). Required.")
        ("json", po::value<std::string>()->value_name("FILE"),
         "also write the parameters to FILE as JSON (its directory must exist). Default: none.")
        ("focus-z-mm", po::value<std::string>()->value_name("Z"),
         "plane of the disc energies (E5mm, E12mm, E28mm, total), z in mm within the map. Default: the source's "
         "geometric focus stored with the result, else the plane of the p_max peak.")
        ("figures", po::value<std::string>()->value_name("DIR"),
         "also render the field figures of this dosimetry (p+, p- and EFD maps with the -6 dB and 5 MPa contours, the "
         "focal waveform, the beam profiles) into DIR/figures/ (DIR is created). Default: none.")
        ("quiet", po::bool_switch(), "print nothing on stdout; warnings and errors still go to stderr. Default: off.")
        ("help,h", "print this help.");
    return o;
}

/// The options of the dose-at-depth form (no result file).
po::options_description depth_options() {
    po::options_description o("Options of lithosim dosimetry --device (dose at depth; no result file)", help_width(),
                              help_width() / 2);
    o.add_options()
        ("device", po::value<std::string>()->value_name("NAME"),
         "the device preset aimed at the target (lithosim devices): hm3, em_lens, em_paraboloid, piezo_cap, "
         "eswt_head (ivl_emitter has no focus: not accepted). Required for this form.")
        ("target-depth-mm", po::value<std::string>()->value_name("D"),
         "depth of the target below the skin on the device's axis, mm, > 0 and <= 300. Required with --device.")
        ("setting", po::value<std::string>()->value_name("S"),
         "forward report: the device's energy setting (hm3: voltage_kV in kV; the others: level), within the "
         "device's range (non-integer levels interpolate). Required unless --find-setting.")
        ("find-setting", po::bool_switch(),
         "inverse: search the setting that delivers --target-efd at the target (at most 10 runs). Default: off.")
        ("target-efd", po::value<std::string>()->value_name("X"),
         "EFD to deliver at the target, mJ/mm^2, from 0.01 to 0.6. Required with --find-setting.")
        ("layers", po::value<std::string>()->value_name("LIST"),
         "tissue from the skin inward, as the case key [medium] layers: preset:thickness_mm entries, e.g. "
         "skin:2,fat:15,muscle:30 (the last continues beyond its thickness); water up to the skin. Default: water "
         "all the way.")
        ("dx-mm", po::value<std::string>()->value_name("DX"),
         "cell size, mm, > 0.01 and <= 2. Default: the device's calibration grid (hm3, em_lens, em_paraboloid, "
         "piezo_cap 0.125; eswt_head 0.05).")
        ("threads", po::value<std::string>()->value_name("N"),
         "OpenMP threads, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.");
    return o;
}

/// The options that belong to the dose-at-depth form only.
constexpr const char* kDepthOnlyOptions[] = {"target-depth-mm", "setting", "target-efd", "layers", "dx-mm", "threads"};

/// The number an option gives (its range is checked by the library, which names the quantity).
double number_option(const std::string& option, const std::string& text) {
    double v = 0;
    if (!parse_real(text, v)) throw InputError("--" + option + " '" + text + "' is not a number; accepted: a number");
    return v;
}

/// --json FILE: its directory must exist (checked before anything runs).
std::optional<fs::path> json_option(const po::variables_map& vm) {
    if (!vm.count("json")) return std::nullopt;
    fs::path p = vm["json"].as<std::string>();
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError("--json '" + p.string() + "': the directory '" + dir.string() +
                         "' does not exist; accepted: a file in an existing directory");
    return p;
}

/// `lithosim dosimetry --device NAME ...`: the forward report or the inverse search (dosimetry/dose_at_depth.hpp).
int dose_at_depth(const po::variables_map& vm) {
    const bool quiet = vm["quiet"].as<bool>();
    const bool find = vm["find-setting"].as<bool>();

    // ---- read input: every option, then the device, the setting, the layers and the grid ----
    if (vm.count("result"))
        throw InputError("a result file ('" + vm["result"].as<std::string>() + "') is given together with --device " +
                         vm["device"].as<std::string>() + "; accepted: either lithosim dosimetry RESULT.h5 (the " +
                         "dosimetry of a result) or lithosim dosimetry --device NAME ... (dose at depth, runs the " +
                         "solver)");
    if (vm.count("focus-z-mm"))
        throw InputError("--focus-z-mm " + vm["focus-z-mm"].as<std::string>() + " is given together with --device; " +
                         "accepted: --focus-z-mm with a result file only (the dose at depth is read at the target)");
    if (find && vm.count("setting"))
        throw InputError("--find-setting is given together with --setting " + vm["setting"].as<std::string>() +
                         "; accepted: one of them (--find-setting searches the setting, --setting reports what it "
                         "delivers)");
    if (!find && !vm.count("setting"))
        throw InputError("--setting is missing; accepted: --setting S (the device's energy setting) for the dose "
                         "report, or --find-setting --target-efd X to search the setting");
    if (find && !vm.count("target-efd"))
        throw InputError("--target-efd is missing; accepted with --find-setting: an EFD in mJ/mm^2 from " +
                         format_number(kTargetEfdMin_mJ_per_mm2) + " to " + format_number(kTargetEfdMax_mJ_per_mm2));
    if (!find && vm.count("target-efd"))
        throw InputError("--target-efd " + vm["target-efd"].as<std::string>() + " is given without --find-setting; " +
                         "accepted: --find-setting --target-efd X (search the setting), or --setting S alone");
    if (!vm.count("target-depth-mm"))
        throw InputError("--target-depth-mm is missing; accepted: the target's depth below the skin in mm, > 0 and "
                         "<= " + format_number(kTargetDepthMax_mm));

    DoseAtDepthRequest request;
    request.device = vm["device"].as<std::string>();
    request.target_depth_mm = number_option("target-depth-mm", vm["target-depth-mm"].as<std::string>());
    if (find)
        request.target_efd_mJ_per_mm2 = number_option("target-efd", vm["target-efd"].as<std::string>());
    if (vm.count("setting")) {
        const std::string text = vm["setting"].as<std::string>();
        double s = 0;
        if (!parse_real(text, s))
            throw InputError("--setting '" + text + "' is not a number; accepted: the device's setting within its " +
                             "range (lithosim devices: voltage_kV for hm3, level for the others)");
        request.setting = s;
    }
    if (vm.count("layers")) request.layers = vm["layers"].as<std::string>();
    if (vm.count("dx-mm"))
        request.dx_mm = number_option("dx-mm", vm["dx-mm"].as<std::string>());
    const std::optional<fs::path> json_path = json_option(vm);
    if (vm.count("threads"))
        apply_threads((long long)numeric_option("threads", vm["threads"].as<std::string>(), true, 1, 4096));
    const DoseAtDepth d = run_stage("read input", [&] { return prepare_dose_at_depth(request); });

    // ---- build model, simulate, compute (per run) ----
    std::vector<std::string> warnings;
    std::ostream* log = quiet ? nullptr : &std::cout;
    nlohmann::json report_json;
    std::string report_text;
    if (find) {
        const FindSettingResult r = run_find_setting(d, log, warnings);
        report_json = find_setting_json(d, r);
        report_text = find_setting_text(d, r);
    } else {
        const DoseReportResult r = run_dose_report(d, log, warnings);
        report_json = dose_report_json(d, r);
        report_text = dose_report_text(d, r);
    }
    for (const auto& w : warnings) print_warning(w);

    // ---- write results ----
    if (json_path) {
        run_stage("write results", [&] {
            report_json["warnings"] = warnings;
            io::write_json_atomic(*json_path, report_json);
        });
    }
    if (!quiet) {
        std::cout << report_text;
        if (json_path) std::cout << "written\n  " << json_path->string() << "\n";
    }
    return kExitOk;
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
            m.c_m_per_s = map_value_at(c, x);
            m.rho_kg_per_m3 = map_value_at(rho, x);
            return m;
        };
    }
    MediumSpec medium;
    try {
        medium = build_medium_spec(case_from_text(
            parse_case(meta.case_text, "the case stored in '" + path.string() + "'", fs::current_path())));
    } catch (const std::exception& e) {
        throw InputError("'" + path.string() + "' stores no medium at the focus (root attributes " +
                         "rho_focus_kg_per_m3, c_focus_m_per_s) and its stored case gives none: " + e.what());
    }
    return [medium](const std::array<double, 3>& x) { return medium_at(medium, x); };
}

}  // namespace

int cmd_dosimetry(const Args& args) {
    po::options_description options = dosimetry_options();
    const po::options_description depth = depth_options();
    options.add(depth);
    po::positional_options_description positional;
    positional.add("result", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim dosimetry RESULT.h5 [--json FILE] [--focus-z-mm Z] [--quiet]\n"
                     "       lithosim dosimetry --device NAME --target-depth-mm D --setting S [--layers LIST] "
                     "[--dx-mm DX] [--json FILE] [--quiet]\n"
                     "       lithosim dosimetry --find-setting --device NAME --target-efd X --target-depth-mm D "
                     "[--layers LIST] [--dx-mm DX] [--json FILE] [--quiet]\n\n"
                     "RESULT.h5: computes the dosimetry of an earlier result: p+, p-, focus, -6 dB and 5 MPa focal "
                     "zones, EFD (whole pulse and positive phase),\nrise time, pulse duration and the energies through "
                     "discs of 5 mm and 12 mm radius, a 28 mm diameter disc and the whole focal plane\n(IEC 61846 "
                     "working definitions: planning/IEC61846.md). Prints them, replaces the file's /dosimetry group "
                     "and writes them to\nFILE as JSON if asked.\n\n"
                     "--device: dose at depth. Aims the device at a target D mm below the skin (its geometric focus on "
                     "the target, or its front on the\nskin when the target lies deeper than that), through the "
                     "--layers (water before the skin), and runs the solver in-process\n(axisymmetric). With "
                     "--setting: the IEC parameters and the EFD, p+ and p- at the target, and with --layers the loss "
                     "relative to the same\ngeometry in water. With --find-setting: the setting (continuous; kV for "
                     "hm3, level otherwise) that delivers the EFD X at the\ntarget within 2 %, or that the device "
                     "cannot reach it. Writes nothing but the --json FILE.\n\n"
                     "Exit codes: 0 success, 1 a stage failed (the message names it), 2 bad input (a missing file, "
                     "not a lithosim result, no maps,\nan option out of range).\n\n"
                  << dosimetry_options() << "\n"
                  << depth;
        return kExitOk;
    }
    if (vm.count("device") && vm.count("figures"))
        throw InputError("--figures " + vm["figures"].as<std::string>() + " renders the maps of a result file; "
                         "accepted: lithosim dosimetry RESULT.h5 --figures DIR (the dose-at-depth form keeps no maps)");
    if (vm.count("device")) return dose_at_depth(vm);
    if (vm["find-setting"].as<bool>())
        throw InputError("--find-setting needs --device NAME; accepted: lithosim dosimetry --find-setting --device "
                         "NAME --target-efd X --target-depth-mm D, devices " +
                         join(models::device_preset_names(), ", "));
    for (const char* o : kDepthOnlyOptions)
        if (vm.count(o))
            throw InputError("--" + std::string(o) + " " + vm[o].as<std::string>() + " needs --device NAME (dose " +
                             "at depth); accepted: lithosim dosimetry --device NAME --target-depth-mm D ..., devices " +
                             join(models::device_preset_names(), ", ") + ", or lithosim dosimetry RESULT.h5");
    const bool quiet = vm["quiet"].as<bool>();
    if (!vm.count("result"))
        throw InputError("the result file is missing; accepted: lithosim dosimetry RESULT.h5 (a result.h5 of "
                         "lithosim simulate), or lithosim dosimetry --device NAME ... (dose at depth)");
    const fs::path path = vm["result"].as<std::string>();

    // ---- read input ----
    std::optional<double> focus_z_m;
    if (vm.count("focus-z-mm"))
        focus_z_m = numeric_option("focus-z-mm", vm["focus-z-mm"].as<std::string>(), false, -1e6, 1e6) * 1e-3;
    const std::optional<fs::path> json_path = json_option(vm);
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
        } catch (const InputError&) {
            throw;   // an option's value (--focus-z-mm): shown with its option
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
            j[io::schema::key] = io::schema::dosimetry_json;
            j["result_file"] = path.string();
            j["version"] = build::version;
            j["git_commit"] = build::git_commit;
            j["warnings"] = warnings;
            io::write_json_atomic(*json_path, j);
        }
    });
    std::optional<FigureSet> figures;
    if (vm.count("figures")) {
        const fs::path dir = vm["figures"].as<std::string>();
        // The source outline comes from the case stored in the result, when it still builds (its waveform file may
        // have moved): a picture detail, so a case that does not build only loses the outline.
        std::optional<SimulationSpec> spec;
        try {
            spec = build_spec(
                case_from_text(parse_case(meta.case_text, "the case stored in the result", path.parent_path())));
        } catch (const std::exception&) {
        }
        figures = run_stage("write results", [&] {
            fs::create_directories(dir);
            return write_field_figures(dir, result, d, spec ? &*spec : nullptr);
        });
        if (figures->skipped) print_warning("figures skipped: " + *figures->skipped);
        for (const auto& n : figures->notes) print_warning("figure left out: " + n);
    }
    if (!quiet) {
        std::cout << dosimetry_text(d) << "written\n  " << path.string() << " (/dosimetry)\n";
        if (json_path) std::cout << "  " << json_path->string() << "\n";
        if (figures && !figures->written.empty())
            std::cout << "  " << figures->written.size() << " figures in "
                      << (fs::path(vm["figures"].as<std::string>()) / "figures").string() << "\n";
    }
    return kExitOk;
}

}  // namespace lithosim::app
