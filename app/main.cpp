// lithosim: the command-line front end. Dispatches to the subcommands and turns every exception into one line
// "lithosim: error: ..." on stderr and an exit code (see app/commands.hpp): nothing escapes main.
#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "app/commands.hpp"
#include "app/mpi_env.hpp"
#include "core/text.hpp"
#include "lithosim/build_info.hpp"

namespace po = boost::program_options;
using namespace lithosim;
using namespace lithosim::app;

namespace {

struct Subcommand {
    const char* name;
    int (*run)(const Args&);
    const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"simulate", cmd_simulate,
     "run a case: lithosim simulate --config case.ini|default --out DIR [--threads N] [--quiet] "
     "[--set section.key=value ...]"},
    {"validate", cmd_validate, "run the validation cases against analytic references and print their table"},
    {"bench", cmd_bench, "measure the 3D kernels: cell updates per second, bytes per cell, memory bandwidth"},
    {"version", cmd_version, "print version, git commit, compiler, OpenMP threads and library versions"},
    {"dosimetry", cmd_dosimetry,
     "field parameters (IEC 61846) of an earlier result (dosimetry RESULT.h5), the dose a device delivers at a "
     "depth through tissue layers (--device ... --setting S), or the setting that delivers a target EFD "
     "(--find-setting)"},
    {"devices", cmd_devices, "list the device presets with their parameters, ranges and sources"},
    {"plan", cmd_plan,
     "plan a treatment: lithosim plan --indication tendon|gallbladder|bile_duct|vascular (--phantom NAME | --model "
     "model.h5 | --ct PATH --target-point-mm X,Y,Z) --out DIR"},
    {"model", cmd_model,
     "a CT scan or a phantom becomes a tissue model: lithosim model (--ct PATH | --phantom NAME) "
     "[--target-point-mm X,Y,Z] --out model.h5 (also --list-calcifications, --write-dicom DIR)"},
    {"sweep", cmd_sweep, "run a case over a grid or Latin hypercube of key values: lithosim sweep --config sweep.ini --out DIR"},
};

void print_usage() {
    std::cout << "lithosim " << lithosim::build::version
              << ": shock-wave lithotripsy simulator (nonlinear acoustics, finite differences)\n\n"
                 "usage: lithosim <command> [options]\n"
                 "       lithosim <command> --help     every option of a command with its unit, default and range\n\n"
                 "commands:\n";
    for (const auto& c : kSubcommands) std::cout << "  " << pad_right(c.name, 10) << c.summary << "\n";
    std::cout << "\nThe embedded default case: lithosim simulate --config default --out DIR "
                 "(lithosim simulate --show-default prints it).\n"
                 "Units: mm, us, MPa, MHz as named in each key; SI inside.\n"
                 "Exit codes: 0 success, 1 a stage or a validation case failed, 2 bad input, 3 no safe plan,\n"
                 "            100 + n (sweep, at most 200): n cases of the sweep failed.\n"
                 "MPI: mpirun -n N lithosim sweep|simulate ... spreads a sweep's cases or splits a 3D run over N "
                 "ranks.\n";
}

std::string command_names() {
    std::string s;
    for (const auto& c : kSubcommands) s += std::string(s.empty() ? "" : ", ") + c.name;
    return s;
}

/// Prints the error as one line and returns its exit code. Under MPI, bad input is found alike by every rank (each
/// reads the same case before any communication), so rank 0 alone reports it and every rank exits with 2; any other
/// failure may be one rank's alone, so that rank names itself and stops the others (MPI_Abort), which would
/// otherwise wait for it forever.
int error(const std::string& message, int code) {
    const auto& world = mpi_world();
    if (code == kExitBadInput && !world.root()) return code;
    const std::string who = world.active && world.size > 1 ? " (" + mpi_label() + ")" : "";
    std::fprintf(stderr, "lithosim: error%s: %s\n", who.c_str(), one_line(message).c_str());
    std::fflush(stderr);
    if (code != kExitBadInput) mpi_abort_if_active(code);
    return code;
}

int dispatch(int argc, char** argv, std::string& command) {
    if (argc < 2)
        throw lithosim::InputError("no command given; accepted: " + command_names() + " (see lithosim --help)");
    command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        std::ostringstream captured;
        std::streambuf* const saved = std::cout.rdbuf(captured.rdbuf());
        print_usage();
        std::cout.rdbuf(saved);
        const auto width = terminal_width();
        std::cout << (width ? wrap_help_text(captured.str(), *width) : captured.str());
        return kExitOk;
    }
    if (command == "--version") command = "version";
    const Args args(argv + 2, argv + argc);
    const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                      std::find(args.begin(), args.end(), "-h") != args.end();
    for (const auto& c : kSubcommands) {
        if (command != c.name) continue;
        if (!help) return c.run(args);
        // --help: the command's text re-wrapped to the terminal's width (its option list is laid out for it already)
        std::ostringstream captured;
        std::streambuf* const saved = std::cout.rdbuf(captured.rdbuf());
        int code = kExitOk;
        try {
            code = c.run(args);
        } catch (...) {
            std::cout.rdbuf(saved);
            throw;
        }
        std::cout.rdbuf(saved);
        const auto width = terminal_width();
        std::cout << (width ? wrap_help_text(captured.str(), *width) : captured.str());
        return code;
    }
    throw lithosim::InputError("unknown command '" + command + "'; accepted: " + command_names() +
                               " (see lithosim --help)");
}

}  // namespace

/// OpenMP threads that spin while waiting steal the cores of a machine that runs anything else (two ctest
/// jobs, a sweep, a desktop): a 3D run was measured 4x slower. libgomp reads OMP_WAIT_POLICY only when it
/// starts, so when the user has not chosen a policy we choose "passive" and start again once, as ourselves.
void prefer_passive_openmp_waiting(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    ::setenv("OMP_WAIT_POLICY", "passive", 1);
    ::execv("/proc/self/exe", argv);  // only returns on failure: then go on with the default policy
}

int main(int argc, char** argv) {
    prefer_passive_openmp_waiting(argv);
    const MpiEnv mpi(&argc, &argv);
    std::string command;
    try {
        return dispatch(argc, argv, command);
    } catch (const lithosim::InputError& e) {
        return error(bad_input_message(e), kExitBadInput);
    } catch (const po::error& e) {
        return error(std::string(e.what()) + "; see lithosim " + (command.empty() ? "" : command + " ") + "--help",
                     kExitBadInput);
    } catch (const UnsafePlan& e) {
        return error(std::string("no safe plan: ") + e.what(), kExitUnsafe);
    } catch (const StageFailure& e) {
        return error(e.what(), kExitFailure);
    } catch (const std::exception& e) {
        return error(std::string("internal error: ") + e.what(), kExitFailure);
    } catch (...) {
        return error("internal error: unknown exception", kExitFailure);
    }
}
