// `lithosim simulate --config case.ini --out DIR [--threads N] [--quiet] [--set section.key=value ...]`
//
// Stages, in order (main() names the stage that failed):
//   read input     parse the case (or the embedded default), apply --set, build the solver spec, read the waveform
//   build model    plan the run (grid, time step, resolution, memory) and check the geometry on the grid
//   simulate       the time loop
//   write results  DIR/case.ini before the run; DIR/result.h5 and, last, DIR/summary.json after it; then the
//                  pictures of them (report/visual_outputs.hpp): DIR/paraview/, DIR/figures/, DIR/report.html
// Under an MPI launcher with more than one rank, a 3D case is split into slabs along z (solver/DISTRIBUTED.md):
// every rank reads the case and plans the run, all ranks simulate, and rank 0 alone prints, writes the output
// directory and the files. Other geometries run on rank 0 alone; the other ranks exit 0 at once.
// Everything that can be wrong with the input is checked before DIR is touched, so bad input (exit 2) never leaves
// files behind; once the case is known to be good, lithosim's own files from an earlier run in DIR are removed
// first, so a run that fails later leaves no stale result that looks complete.
#include <omp.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "cases/default_case.hpp"
#include "app/commands.hpp"
#include "app/mpi_env.hpp"
#include "core/progress.hpp"
#include "report/run_outputs.hpp"
#include "report/summary.hpp"
#include "core/text.hpp"
#include "report/visual_outputs.hpp"
#include "io/json_file.hpp"
#include "io/result_file.hpp"
#include "lithosim/build_info.hpp"
#include "solver/mpi_communicator.hpp"
#include "solver/simulation.hpp"
#include "viz/pdf.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lithosim::app {

namespace {

/// lithosim's own files in the output directory (the only files it writes or replaces there).
constexpr const char* kSummaryFile = "summary.json";
constexpr const char* kResultFile = "result.h5";
constexpr const char* kCaseFile = "case.ini";
constexpr const char* kReportPdfFile = "report.pdf";

/// The word --config takes for the embedded default case.
constexpr const char* kDefaultCaseName = "default";

po::options_description simulate_options() {
    po::options_description o("Options of lithosim simulate", help_width(), help_width() / 2);
    o.add_options()
        ("config", po::value<std::string>()->value_name("FILE"),
         "case file (INI, keys below), or the word 'default' for the embedded default case (the tutorial "
         "examples/default.ini; a file named 'default' is given as ./default). Required.")
        ("out", po::value<std::string>()->value_name("DIR"),
         "output directory, created if missing; lithosim writes and replaces only its own files there: summary.json, "
         "result.h5, case.ini, report.html, and the folders figures/ (PNG) and paraview/ (.vti, .pvd, README.txt). "
         "Required unless --dry-run.")
        ("threads", po::value<std::string>()->value_name("N"),
         "OpenMP threads, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.")
        ("set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
         "override one case key, e.g. --set grid.dx_mm=0.25 (repeatable; each key at most once). Default: none.")
        ("pdf", po::bool_switch(),
         "also print report.html to report.pdf (A4) with Debian's chromium; where it is missing, one warning and the "
         "HTML alone. Default: off.")
        ("no-pictures", po::bool_switch(),
         "write the data files only: no report.html, figures/ or paraview/ (sweeps pass it: the pictures of one "
         "case cost about a second). Default: off.")
        ("quiet", po::bool_switch(),
         "print nothing on stdout and no progress; warnings and errors still go to stderr. Default: off.")
        ("dry-run", po::bool_switch(),
         "check the case and print the resolved case and the plan (grid, time step, memory), then stop without "
         "writing anything. Default: off.")
        ("show-default", po::bool_switch(), "print the embedded default case file and exit. Default: off.")
        ("help,h", "print this help and every case key.");
    return o;
}

void print_help(const po::options_description& o) {
    std::cout << "usage: lithosim simulate --config FILE|default --out DIR [--threads N] [--quiet] "
                 "[--set section.key=value ...]\n"
                 "Runs one case: writes DIR/summary.json (dosimetry and run figures), DIR/result.h5 (maps, sensor "
                 "series, the resolved case, the dosimetry), DIR/case.ini (the resolved case, re-runnable) and "
                 "DIR/report.html\n(one page with the field parameters and the figures), DIR/figures/*.png and DIR/paraview/ "
                 "(maps as .vti, axisymmetric\nruns also revolved into x, y, z; snapshots as .pvd; README.txt lists "
                 "every array).\nExit codes: 0 success, 1 a stage failed (the message names it), 2 bad input.\n\n"
              << o << "\n"
              << case_keys_help();
}

/// Creates the output directory (bad input if impossible) and removes lithosim's own files of an earlier run.
void prepare_output_dir(const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw InputError("--out '" + dir.string() + "': exists and is not a directory; accepted: a directory path");
    fs::create_directories(dir, ec);
    if (ec)
        throw InputError("--out '" + dir.string() + "': cannot create the directory (" + ec.message() +
                         "); accepted: a writable directory path");
    for (const char* name : {kSummaryFile, kResultFile, kCaseFile, kReportFile, kReportPdfFile}) {
        fs::remove(dir / name);
        fs::remove(dir / (std::string(name) + ".partial"));
    }
    remove_earlier_pictures(dir);
}

/// The plan as printed by --dry-run.
void print_plan(const RunPlan& plan, double available_bytes) {
    const Grid& g = plan.grid;
    std::printf("plan: grid %d x %d x %d cells (PML included, %lld cells), dx = %g mm\n", g.n[0], g.n[1], g.n[2],
                (long long)g.cells(), g.dx * 1e3);
    std::printf("plan: dt = %.4g ns (cfl %.3g, stability limit %.3g), %lld steps\n", plan.dt_s * 1e9, plan.cfl,
                plan.cfl_max, plan.steps);
    std::printf("plan: %.3g points per wavelength at %.4g MHz; sound speed %g - %g m/s\n", plan.points_per_wavelength,
                plan.source_f0_Hz * 1e-6, plan.c_min, plan.c_max);
    std::printf("plan: memory needed %.1f MiB (%.0f bytes per cell of fields and medium), available %.0f MiB\n",
                plan.memory_bytes / 1048576.0, plan.field_bytes_per_cell, available_bytes / 1048576.0);
    if (plan.ranks > 1)
        std::printf("plan: %d ranks (slabs along z): at most %.1f MiB per rank\n", plan.ranks,
                    plan.memory_bytes_per_rank / 1048576.0);
    for (const auto& n : plan.notes) std::printf("plan: %s\n", n.c_str());
}

}  // namespace

int cmd_simulate(const Args& args) {
    const po::options_description options = simulate_options();
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        print_help(options);
        return kExitOk;
    }
    if (vm["show-default"].as<bool>()) {
        std::cout << default_case_text();
        return kExitOk;
    }
    const bool quiet = vm["quiet"].as<bool>();
    const bool dry_run = vm["dry-run"].as<bool>();
    if (!vm.count("config"))
        throw InputError("--config is missing; accepted: a case file (INI) or 'default' "
                         "(see lithosim simulate --help)");
    if (!vm.count("out") && !dry_run)
        throw InputError("--out is missing; accepted: an output directory (created if missing)");
    if (vm.count("threads"))
        apply_threads((long long)numeric_option("threads", vm["threads"].as<std::string>(), true, 1, 4096));
    const std::string config = vm["config"].as<std::string>();
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};

    // ---- read input ----
    const Case the_case = run_stage("read input", [&] {
        // The embedded case names no files; a relative path given by --set is relative to the current directory.
        CaseText text = config == kDefaultCaseName
                            ? parse_case(default_case_text(), "default.ini (embedded)", fs::current_path())
                            : read_case_file(config);
        std::vector<std::string> seen;
        for (const auto& o : overrides) apply_override(text, o, seen);
        check_required(text);
        return case_from_text(text);
    });

    // ---- MPI: a 3D case is split over the ranks; anything else runs on rank 0 alone ----
    const MpiWorld& world = mpi_world();
    const std::string dims = *the_case.grid.dims;
    const bool distributed = world.active && world.size > 1 && dims == "3";
    if (world.active && world.size > 1 && !distributed) {
        if (!world.root()) return kExitOk;
        std::fprintf(stderr, "lithosim: a %s run is not split over ranks: rank 0 runs it alone and the other %d rank(s) exit\n",
                     dims == "axisymmetric" ? "axisymmetric" : (dims + "D").c_str(), world.size - 1);
    }
    const int ranks = distributed ? world.size : 1;
    const bool speaks = !distributed || world.root();  // prints and writes files
    const bool quiet_here = quiet || !speaks;

    // ---- build model: everything the solver would refuse, found before any file is written ----
    const double available = available_memory_bytes();
    const PreparedCase prepared = run_stage("build model", [&] { return prepare_case(the_case, ranks, available); });
    const RunPlan& plan = prepared.plan;
    const SimulationSpec& spec = prepared.spec;
    const std::string source_name = config == kDefaultCaseName ? "the embedded default case" : config;
    const std::string resolved_text =
        case_to_ini(resolve_case(prepared),
                    "lithosim " + std::string(build::version) + " (commit " + build::git_commit +
                        "): resolved case of " + source_name +
                        (overrides.empty() ? "" : " with " + std::to_string(overrides.size()) + " --set override(s)") +
                        "\nEvery key with the value this run used; lines starting with '#' are comments.\n"
                        "Derived values (from the preset or the solver) are commented so that a re-run derives them "
                        "again.");
    std::vector<std::string> warnings = plan.warnings;
    if (speaks)
        for (const auto& w : plan.warnings) print_warning(w);
    // The resolved case goes to DIR/case.ini; only --dry-run (whose purpose is to check it) prints it whole.
    if (!quiet_here) {
        if (dry_run)
            std::cout << resolved_text << "\n";
        else
            std::cout << "lithosim simulate: " << source_name << " -> " << (fs::path(vm["out"].as<std::string>()) / kCaseFile).string()
                      << " (the resolved case: every key with the value this run uses)\n";
        std::cout.flush();
    }
    if (dry_run) {
        if (!quiet_here) print_plan(plan, available);
        return kExitOk;
    }

    // ---- write results (1): the output directory and the resolved case (rank 0) ----
    std::unique_ptr<Communicator> comm = distributed ? make_mpi_communicator() : nullptr;
    const fs::path out = vm["out"].as<std::string>();
    {
        // Rank 0 alone touches DIR; the others learn whether it could, so that none is left waiting for it.
        std::string refused;
        if (speaks) {
            try {
                run_stage("write results", [&] {
                    prepare_output_dir(out);
                    io::write_text_atomic(out / kCaseFile, resolved_text);
                });
            } catch (const InputError& e) {
                if (!comm) throw;
                refused = bad_input_message(e);
            }
        }
        if (comm) refused = comm->broadcast(refused, 0);
        if (!refused.empty()) throw InputError(refused);
    }

    // ---- simulate ----
    ProgressReporter progress(ProgressReporter::choose_mode(quiet_here, stderr), stderr);
    RunHooks hooks;
    hooks.log = [quiet_here](const std::string& line) {
        // The plan's warnings were printed to stderr above; the rest of the solver's log goes to stdout.
        if (quiet_here || line.rfind("warning: ", 0) == 0) return;
        std::cout << line << std::endl;
    };
    if (speaks)
        hooks.progress = [&progress](long long step, long long total, double elapsed) {
            progress(step, total, elapsed);
        };
    SimulationResult result = run_stage("simulate", [&] { return simulate_planned(spec, plan, hooks, comm.get()); });
    if (!speaks) return kExitOk;  // rank 0 writes the gathered result
    if (result.stats.ranks > 1 && !quiet) {
        std::string peaks;
        for (double mb : result.stats.peak_memory_MB_per_rank) peaks += (peaks.empty() ? "" : ", ") + format_number(std::round(mb));
        std::cout << "distributed: " << result.stats.ranks << " ranks; peak memory per rank " << peaks << " MB\n";
    }

    // ---- write results (2) ----
    const Dosimetry dosimetry =
        run_stage("write results", [&] { return case_dosimetry(prepared, result, warnings); });
    for (std::size_t i = plan.warnings.size(); i < warnings.size(); ++i) print_warning(warnings[i]);
    drop_unrequested_axis(prepared.c, result);
    nlohmann::json summary;
    run_stage("write results", [&] {
        io::ResultMetadata meta;
        meta.version = build::version;
        meta.git_commit = build::git_commit;
        meta.case_text = resolved_text;
        meta.threads = result.stats.threads;
        meta.axisymmetric = spec.grid.axisymmetric;
        meta.rho_focus_kg_per_m3 = dosimetry.rho_focus_kg_per_m3;
        meta.c_focus_m_per_s = dosimetry.c_focus_m_per_s;
        meta.geometric_focus_z_m = prepared.focus.focal_plane_z_m;
        meta.focal_series = dosimetry.focal_series;
        meta.dosimetry = dosimetry_values(dosimetry);
        io::write_result_h5(out / kResultFile, result, meta);
        // Last: its presence says the run and every other file are complete.
        summary = summary_json(result, plan, dosimetry, warnings);
        io::write_json_atomic(out / kSummaryFile, summary);
    });
    // Pictures of the files above: paraview/, figures/, report.html (never fail the run; problems in one line).
    RunProvenance provenance;
    provenance.case_name = source_name;
    provenance.resolved_case = resolved_text;
    provenance.command_line = command_line_of("simulate", args);
    if (config != kDefaultCaseName) provenance.inputs.push_back(config);
    provenance.inputs.push_back(out / kResultFile);
    const VisualOutputs visuals = vm["no-pictures"].as<bool>()
                                      ? VisualOutputs{}
                                      : write_simulate_visuals(out, result, spec, dosimetry, summary, provenance);
    for (const auto& p : visuals.problems) print_warning(p);
    if (vm["pdf"].as<bool>() && fs::exists(out / kReportFile))
        if (const auto why = viz::print_pdf(out / kReportFile, out / kReportPdfFile)) print_warning(*why);
    if (!quiet) {
        std::cout << "\n" << summary_text(result, dosimetry) << "files\n";
        for (const char* name : {kSummaryFile, kResultFile, kCaseFile, kReportFile, kReportPdfFile})
            if (fs::exists(out / name)) std::cout << "  " << (out / name).string() << "\n";
        if (!visuals.files.empty())
            std::cout << "  " << visuals.files.size() << " pictures and ParaView files in " << (out / "figures").string()
                  << " and " << (out / kParaviewFolder).string() << " (" << format_number(std::round(visuals.seconds * 10) / 10)
                  << " s)\n";
    }
    return kExitOk;
}

}  // namespace lithosim::app
