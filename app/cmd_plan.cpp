// `lithosim plan`: the treatment planner's command line (planner/plan.hpp has the pipeline and the plan.json keys).
#include <boost/program_options.hpp>

#include <iostream>

#include "app/commands.hpp"
#include "planner/plan.hpp"
#include "planner/plan_follow_up.hpp"
#include "core/text.hpp"
#include "report/visual_outputs.hpp"
#include "planning/protocol.hpp"

namespace po = boost::program_options;

namespace lithosim::app {
namespace {

po::options_description plan_options() {
    po::options_description o("Options of lithosim plan", help_width(), help_width() / 2);
    o.add_options()
        ("indication", po::value<std::string>()->value_name("NAME"),
         "tendon (calcific tendinitis, ESWT), gallbladder, bile_duct (biliary ESWL) or vascular (peripheral "
         "calcification). Required. Its protocol (planning/PLANNER.md) gives the defaults below.")
        ("phantom", po::value<std::string>()->value_name("NAME"),
         "plan on an embedded phantom: shoulder, gallbladder, bile_duct or femoral. One of --phantom, --model, --ct.")
        ("model", po::value<std::string>()->value_name("model.h5"), "plan on a model file of lithosim model.")
        ("ct", po::value<std::string>()->value_name("PATH"),
         "plan on a CT (DICOM folder, .nii, .nii.gz, .mha, .mhd, .nrrd); needs --target-point-mm.")
        ("target-point-mm", po::value<std::string>()->value_name("X,Y,Z"),
         "the calcification to treat, patient coordinates (DICOM LPS, mm); with --ct (or to pick another in a "
         "phantom).")
        ("source-position-mm", po::value<std::string>()->value_name("X,Y,Z"),
         "a point on the beam axis on the source side (patient mm). Default: the phantom's axis, else the shortest "
         "soft-tissue window.")
        ("device", po::value<std::string>()->value_name("NAME"),
         "device preset (lithosim devices). Default: the protocol's.")
        ("material", po::value<std::string>()->value_name("NAME"),
         "target material: hydroxyapatite_dense, hydroxyapatite_translucent, cholesterol, pigment, vascular_calcium, "
         "begostone. Default: the protocol's.")
        ("efd-mJ-per-mm2", po::value<std::string>()->value_name("X"),
         "free-field EFD of the plateau, 0.01 to 0.6 mJ/mm^2. Default: the protocol's.")
        ("sessions", po::value<std::string>()->value_name("N"),
         "most sessions to plan, 1 to the protocol's maximum (4). Default: the protocol's.")
        ("max-shocks-per-session", po::value<std::string>()->value_name("N"),
         "shocks per session, 0 to the protocol's maximum (0: no shocks, the outcomes without treatment). Default: the "
         "protocol's.")
        ("rate-per-min", po::value<std::string>()->value_name("N"),
         "shock rate per minute, > 0 and <= the protocol's maximum. Default: the protocol's.")
        ("gaertner-type", po::value<std::string>()->value_name("I|II|III"),
         "tendon: the deposit's Gaertner type (I dense and sharply outlined, II, III cloudy and transparent). Default: "
         "from the CT (mean HU and edge sharpness of the deposit, models/morphology.hpp).")
        ("stone-count", po::value<std::string>()->value_name("N"),
         "gallbladder phantom: build N stones of the target's size, 1 to 5 (the shocks are shared between them). "
         "Default: 1.")
        ("bile-acid", po::value<std::string>()->value_name("yes|no")->default_value("yes"),
         "gallbladder: adjuvant bile-acid therapy after the sessions (as in the trials).")
        ("gallbladder-function", po::value<std::string>()->value_name("normal|impaired")->default_value("normal"),
         "gallbladder: emptying normal or impaired (ejection fraction <= 60 %).")
        ("plaque-arc-deg", po::value<std::string>()->value_name("DEG"),
         "femoral phantom: the calcium arc around the artery, 30 to 360 degrees (>= 270: concentric). Default: the "
         "phantom's 150.")
        ("seed", po::value<std::string>()->value_name("N")->default_value("1"),
         "seed of the success Monte Carlo (same seed, same interval), an integer >= 0.")
        ("samples", po::value<std::string>()->value_name("N")->default_value("200"),
         "Monte Carlo samples of the success interval, 0 to 100000.")
        ("fidelity", po::value<std::string>()->value_name("fast|full")->default_value("fast"),
         "fast: the axisymmetric model along the beam axis; full: the 3D model (and the fast one for comparison).")
        ("dx-mm", po::value<std::string>()->value_name("DX"),
         "simulation cell size, mm, > 0.01 and <= 2. Default: twice the device's calibration grid (fast), 4x it "
         "(full).")
        ("limit", po::value<std::vector<std::string>>()->value_name("ORGAN.KEY=VALUE")->composing(),
         "override a safety limit (planning/PLANNER.md lists organs, keys and defaults); repeatable.")
        ("out", po::value<std::string>()->value_name("DIR"),
         "output folder: plan.json, plan.h5, model.h5, model_incident.h5, report.html, figures/, paraview/. Required.")
        ("follow-up", po::value<std::string>()->value_name("FILE"),
         "re-plan the rest of a course from what the ultrasound showed between sessions: FILE is JSON "
         "(examples/follow_up.json); needs --previous DIR and --out DIR2; the indication, model, device and settings "
         "come from the earlier plan.")
        ("previous", po::value<std::string>()->value_name("DIR"),
         "with --follow-up: the folder of the earlier plan of the course (it is kept unchanged).")
        ("dicom-rt", po::value<std::string>()->value_name("DIR"),
         "also write the dose as DICOM RT Dose objects (EFD and p+ per shock, EFD per session and of the course) in "
         "the patient coordinates of the model's CT, into the new folder DIR (README: Treatment planning).")
        ("threads", po::value<std::string>()->value_name("N"),
         "OpenMP threads, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.")
        ("no-pictures", po::bool_switch(),
         "write the data files only: no report.html, figures/ or paraview/. Default: off.")
        ("pdf", po::bool_switch(),
         "also print report.html to report.pdf (A4) with Debian's chromium; where it is missing, one warning and the "
         "HTML alone. Default: off.")
        ("quiet", po::bool_switch(), "print nothing on stdout; errors still go to stderr. Default: off.")
        ("help,h", "print this help.");
    return o;
}

std::string text_of(const po::variables_map& vm, const char* name) { return vm[name].as<std::string>(); }

}  // namespace

int cmd_plan(const Args& args) {
    const po::options_description options = plan_options();
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim plan --indication tendon|gallbladder|bile_duct|vascular (--phantom NAME | "
                     "--model model.h5 | --ct PATH --target-point-mm X,Y,Z)\n"
                     "                     [--device NAME] [--efd-mJ-per-mm2 X] [--sessions N] "
                     "[--max-shocks-per-session N] [--rate-per-min N] [--seed N] --out DIR\n"
                     "                     [--gaertner-type I|II|III] [--stone-count N] [--bile-acid yes|no]\n"
                     "                     [--gallbladder-function normal|impaired] [--plaque-arc-deg DEG]\n"
                     "Plans a treatment: the device's shock simulated through the patient to the target, the "
                     "fragmentation shock by\nshock, the sessions, the organs at risk and the predicted outcomes "
                     "with their 95 % intervals.\nExit codes: 0 plan written, 2 bad input, 3 no safe plan exists (the "
                     "reason is printed; no plan is written).\n\n"
                  << options;
        return kExitOk;
    }
    if (vm.count("threads")) apply_threads(std::llround(numeric_option("threads", text_of(vm, "threads"), true, 1, 4096)));
    if (vm.count("follow-up") || vm.count("previous")) {
        require_input(vm.count("follow-up") && vm.count("previous"),
                      "--follow-up FILE and --previous DIR go together (the follow-up and the earlier plan's folder)");
        for (const char* name : {"indication", "phantom", "model", "ct", "target-point-mm", "source-position-mm",
                                 "device", "material", "efd-mJ-per-mm2", "sessions", "max-shocks-per-session",
                                 "rate-per-min", "gaertner-type", "stone-count", "bile-acid", "gallbladder-function",
                                 "plaque-arc-deg", "fidelity", "dx-mm", "limit", "dicom-rt"})
            require_input(!vm.count(name) || vm[name].defaulted(), "--", name, " does not apply to --follow-up: the "
                          "re-plan takes it from the earlier plan (--previous)");
        FollowUpRequest f;
        f.follow_up_file = text_of(vm, "follow-up");
        f.previous_dir = text_of(vm, "previous");
        if (!vm.count("out")) throw InputError("--out DIR is required (a new folder for the re-plan)");
        f.out_dir = text_of(vm, "out");
        if (!vm["samples"].defaulted()) f.samples = int(plan_numeric_option("samples", text_of(vm, "samples")));
        if (!vm["seed"].defaulted()) f.seed = std::uint64_t(plan_numeric_option("seed", text_of(vm, "seed")));
        f.pictures = !vm["no-pictures"].as<bool>();
        f.pdf = vm["pdf"].as<bool>();
        f.command_line = command_line_of("plan", args);
        const bool quiet = vm["quiet"].as<bool>();
        const PlanResult result = run_follow_up(f, quiet ? nullptr : &std::cout);
        for (const auto& w : result.warnings) print_warning(w);
        if (!quiet) std::cout << result.text;
        return kExitOk;
    }
    // The plan's options as given (with their defaults), checked and turned into a request by the planner.
    std::vector<std::pair<std::string, std::string>> plan_options;
    for (const auto& o : plan_option_table())
        if (vm.count(o.name)) plan_options.emplace_back(o.name, text_of(vm, o.name));
    if (vm.count("limit"))
        for (const auto& l : vm["limit"].as<std::vector<std::string>>()) plan_options.emplace_back("limit", l);
    PlanRequest r = plan_request(plan_options);
    if (!vm.count("out")) throw InputError("--out DIR is required (the folder for plan.json, plan.h5, model.h5)");
    r.out_dir = text_of(vm, "out");
    r.command_line = command_line_of("plan", args);
    r.pictures = !vm["no-pictures"].as<bool>();
    r.pdf = vm["pdf"].as<bool>();
    if (vm.count("dicom-rt")) r.dicom_rt_dir = text_of(vm, "dicom-rt");
    const bool quiet = vm["quiet"].as<bool>();
    // Not one stage: run_plan names its own stages (build model, simulate, ...); an UnsafePlan reaches main (exit 3).
    PlanResult result = run_plan(r, quiet ? nullptr : &std::cout);
    for (const auto& w : result.warnings) print_warning(w);
    if (!quiet) std::cout << result.text;
    return kExitOk;
}

}  // namespace lithosim::app
