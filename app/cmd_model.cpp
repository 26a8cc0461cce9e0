// `lithosim model`: a CT scan or an embedded phantom becomes a simulation-ready tissue model (patient/patient_model.hpp):
// labels, acoustic properties, the target and its calcium score, resampled into the beam frame and written as
// model.h5 (io/model_file.hpp) with summary.json beside it; `[medium] model = model.h5` simulates through it.
#include <boost/program_options.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <utility>

#include "app/commands.hpp"
#include "report/visual_outputs.hpp"
#include "patient/patient_model.hpp"
#include "core/text.hpp"
#include "io/json_file.hpp"
#include "models/phantoms.hpp"
#include "models/property_mapping.hpp"
#include "models/segmentation.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lithosim::app {
namespace {

po::options_description model_options() {
    po::options_description o("Options of lithosim model", help_width(), help_width() / 2);
    o.add_options()
        ("ct", po::value<std::string>()->value_name("PATH"),
         "the CT: a DICOM folder (or one of its files), .nii, .nii.gz, .mha, .mhd, .nrrd or .nhdr (values in HU). "
         "One of --ct and --phantom is required.")
        ("series", po::value<std::string>()->value_name("UID"),
         "the SeriesInstanceUID to read when the DICOM folder holds several CT series. Default: the only one.")
        ("phantom", po::value<std::string>()->value_name("NAME"),
         "an embedded procedural CT instead of --ct: shoulder, gallbladder, bile_duct or femoral (models/PHANTOMS.md).")
        ("target-diameter-mm", po::value<std::string>()->value_name("D"),
         "phantom: size of the calcification or stone, mm (range per phantom, models/PHANTOMS.md). Default: the "
         "phantom's.")
        ("target-HU", po::value<std::string>()->value_name("H"),
         "phantom: HU of the calcification or stone, 130 to 3000. Default: the phantom's.")
        ("stone-type", po::value<std::string>()->value_name("TYPE"),
         "gallbladder and bile_duct phantoms: cholesterol or pigment. Default: the phantom's.")
        ("stone-count", po::value<std::string>()->value_name("N"),
         "gallbladder phantom: number of stones, 1 to 5, all of the target's diameter and HU, side by side on the "
         "dependent wall; stone 1, on the beam axis, is the target (N stones must fit the lumen). Default: 1.")
        ("plaque-arc-deg", po::value<std::string>()->value_name("X"),
         "femoral phantom: angle of the artery's circumference the calcified plaque covers, degrees, 30 to 360 "
         "(360: a closed ring). Default: 150.")
        ("seed", po::value<std::string>()->value_name("N"), "phantom: seed of the CT noise, an integer >= 0. Default: 1.")
        ("target-point-mm", po::value<std::string>()->value_name("X,Y,Z"),
         "seed point of the target in patient coordinates (DICOM LPS, mm): the connected calcification around it "
         "(>= 130 HU) becomes the target. Default: the phantom's target; with --ct, this or --target-label is "
         "required.")
        ("target-max-radius-mm", po::value<std::string>()->value_name("R"),
         "with --target-point-mm: the target is cut within R mm of the point, > 0 and <= 100 (a deposit that "
         "touches the bone is then cut out of it; a point in bone is accepted only with this option). Default: 20.")
        ("target-label", po::value<std::string>()->value_name("N"),
         "the target is calcification number N of --list-calcifications.")
        ("source-position-mm", po::value<std::string>()->value_name("X,Y,Z"),
         "a point on the beam axis on the source side (patient mm); the beam runs from it through the target. "
         "Default: the phantom's treatment axis, else the shortest soft-tissue window (no air, lung, bone or other "
         "calcification within 3 mm of the axis), 10 mm outside the skin.")
        ("list-calcifications", po::bool_switch(),
         "list the candidate calcifications (volume, equivalent diameter, centroid, mean and peak HU) and stop.")
        ("mapping", po::value<std::string>()->value_name("NAME")->default_value("hounsfield"),
         "HU to acoustic properties: labels (one row per tissue label) or hounsfield (labels for soft tissue, "
         "Schneider density and Aubry speed from HU for bone and calcification); models/MAPPING.md has every "
         "value and its source.")
        ("mapping-table", po::value<std::vector<std::string>>()->value_name("FILE.csv")->composing(),
         "a user table that overrides rows of the mapping (by label or HU range; format in models/MAPPING.md); "
         "repeatable.")
        ("threshold", po::value<std::vector<std::string>>()->value_name("NAME=HU")->composing(),
         "override a segmentation threshold, e.g. fat_min_HU=-200 (names and defaults in models/MAPPING.md); "
         "repeatable.")
        ("dx-mm", po::value<std::string>()->value_name("DX")->default_value("0.5"),
         "grid spacing of the model, mm, > 0.05 and <= 5.")
        ("lateral-mm", po::value<std::string>()->value_name("W")->default_value("30"),
         "half-width of the model box across the beam, mm, > 0 and <= 200.")
        ("margin-mm", po::value<std::string>()->value_name("M")->default_value("15"),
         "length of the box beyond the target along the beam, mm, >= 0 and <= 200.")
        ("mass-calibration", po::value<std::string>()->value_name("C"),
         "calcium mass calibration factor of the scanner, mg hydroxyapatite per mL per HU (from a calibration "
         "phantom), > 0 and <= 10: adds the mass score. Default: no mass score.")
        ("out", po::value<std::string>()->value_name("model.h5"),
         "write the model (HDF5, layout in io/model_file.hpp) and summary.json beside it.")
        ("summary", po::value<std::string>()->value_name("FILE"),
         "where to write summary.json. Default: summary.json in the directory of --out.")
        ("write-dicom", po::value<std::string>()->value_name("DIR"),
         "phantom: also write it as a DICOM CT series into DIR (new or empty), keeping its patient coordinates.")
        ("slice-thickness-mm", po::value<std::string>()->value_name("T"),
         "with --write-dicom: write the phantom as a CT reconstruction of slices T mm thick, each the mean of the "
         "phantom over T mm (rectangular slice profile, models/phantoms.hpp), with SliceThickness T; from the "
         "phantom's voxel size to 10. Default: the phantom's grid, contiguous slices.")
        ("slice-increment-mm", po::value<std::string>()->value_name("I"),
         "with --slice-thickness-mm: distance between the written slices' centres (the reconstruction increment, "
         "written as SpacingBetweenSlices), > 0 and <= T (overlapping or contiguous; gaps hide calcium and are "
         "refused). Default: T.")
        ("threads", po::value<std::string>()->value_name("N"),
         "OpenMP threads, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.")
        ("quiet", po::bool_switch(), "print nothing on stdout; errors still go to stderr. Default: off.")
        ("help,h", "print this help.");
    return o;
}

std::string text_of(const po::variables_map& vm, const char* name) { return vm[name].as<std::string>(); }

/// An output file's directory must exist (checked before any work).
fs::path output_file(const std::string& option, const std::string& text) {
    const fs::path p(text);
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError("--" + option + " '" + text + "': the directory '" + dir.string() +
                         "' does not exist; accepted: a file in an existing directory");
    if (fs::is_directory(p, ec))
        throw InputError("--" + option + " '" + text + "' is a directory; accepted: a file name");
    return p;
}

ModelRequest request_of(const po::variables_map& vm) {
    ModelRequest r;
    if (vm.count("ct")) r.ct_path = text_of(vm, "ct");
    if (vm.count("series")) r.series_uid = text_of(vm, "series");
    if (vm.count("phantom")) r.phantom = text_of(vm, "phantom");
    const char* phantom_only[] = {"target-diameter-mm", "target-HU", "stone-type", "stone-count", "plaque-arc-deg",
                                  "seed", "write-dicom"};
    for (const char* o : phantom_only)
        if (vm.count(o) && !r.phantom)
            throw InputError(std::string("--") + o + " applies to --phantom only; with --ct the CT gives the anatomy");
    const std::pair<const char*, const char*> one_phantom[] = {{"stone-count", "gallbladder"},
                                                               {"plaque-arc-deg", "femoral"}};
    for (const auto& [o, name] : one_phantom)
        if (vm.count(o) && *r.phantom != name)
            throw InputError(std::string("--") + o + " " + text_of(vm, o) + " applies to --phantom " + name +
                             " only, not to --phantom " + *r.phantom);
    if (vm.count("target-diameter-mm"))
        r.phantom_options.target_diameter_mm =
            numeric_option("target-diameter-mm", text_of(vm, "target-diameter-mm"), false, 0.1, 100);
    if (vm.count("target-HU"))
        r.phantom_options.target_HU = numeric_option("target-HU", text_of(vm, "target-HU"), false, -1000, 4000);
    if (vm.count("stone-type")) r.phantom_options.stone_type = text_of(vm, "stone-type");
    if (vm.count("stone-count"))
        r.phantom_options.stone_count = int(numeric_option("stone-count", text_of(vm, "stone-count"), true, 1, 5));
    if (vm.count("plaque-arc-deg"))
        r.phantom_options.plaque_arc_deg =
            numeric_option("plaque-arc-deg", text_of(vm, "plaque-arc-deg"), false, 30, 360);
    if (vm.count("seed")) r.phantom_options.seed = std::uint64_t(numeric_option("seed", text_of(vm, "seed"), true, 0, 1e15));
    if (vm.count("target-point-mm")) r.target_point_mm = point_option("target-point-mm", text_of(vm, "target-point-mm"));
    if (vm.count("target-max-radius-mm")) {
        if (!r.target_point_mm) throw InputError("--target-max-radius-mm applies to --target-point-mm only");
        r.target_max_radius_mm =
            numeric_option("target-max-radius-mm", text_of(vm, "target-max-radius-mm"), false, 1e-3, 100);
    }
    if (vm.count("target-label"))
        r.target_id = int(numeric_option("target-label", text_of(vm, "target-label"), true, 1, 1e6));
    if (vm.count("source-position-mm"))
        r.source_position_mm = point_option("source-position-mm", text_of(vm, "source-position-mm"));
    r.mapping = text_of(vm, "mapping");
    if (vm.count("mapping-table")) r.mapping_tables = vm["mapping-table"].as<std::vector<std::string>>();
    if (vm.count("threshold")) r.thresholds = vm["threshold"].as<std::vector<std::string>>();
    r.beam.dx_mm = numeric_option("dx-mm", text_of(vm, "dx-mm"), false, 0.05, 5);
    r.beam.lateral_half_width_mm = numeric_option("lateral-mm", text_of(vm, "lateral-mm"), false, 1e-3, 200);
    r.beam.margin_beyond_target_mm = numeric_option("margin-mm", text_of(vm, "margin-mm"), false, 0, 200);
    if (vm.count("mass-calibration"))
        r.mass_calibration = numeric_option("mass-calibration", text_of(vm, "mass-calibration"), false, 1e-9, 10);
    return r;
}

std::string calcification_table(const std::vector<models::Calcification>& list) {
    std::ostringstream o;
    o << "  id   volume_mm3  diameter_mm  centroid_mm (x, y, z; patient LPS)   mean_HU  peak_HU  touches_bone\n";
    for (const auto& c : list) {
        o << std::setw(4) << c.id << std::fixed << std::setprecision(1) << std::setw(13) << c.volume_mm3
          << std::setw(13) << c.equivalent_diameter_mm << "  " << std::setw(34) << std::left
          << (format_number(std::round(c.centroid_mm[0] * 10) / 10) + ", " +
              format_number(std::round(c.centroid_mm[1] * 10) / 10) + ", " +
              format_number(std::round(c.centroid_mm[2] * 10) / 10))
          << std::right << std::setprecision(0) << std::setw(9) << c.mean_HU << std::setw(9) << c.peak_HU
          << std::setw(14) << (c.touches_bone ? "yes" : "no") << "\n";
    }
    if (list.empty()) o << "  (none: no calcification >= 130 HU apart from bone)\n";
    return o.str();
}

}  // namespace

int cmd_model(const Args& args) {
    const po::options_description options = model_options();
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim model (--ct PATH [--series UID] | --phantom NAME [phantom options]) "
                     "[--target-point-mm X,Y,Z | --target-label N]\n"
                     "                      [--source-position-mm X,Y,Z] [--mapping NAME] [--dx-mm DX] --out "
                     "model.h5\n"
                     "       lithosim model --ct PATH --list-calcifications\n"
                     "Turns a CT scan (or an embedded phantom) into a tissue model for [medium] model = model.h5: "
                     "labels, acoustic\nproperties, the target and its calcium score, resampled along the beam axis. "
                     "Positions are patient\ncoordinates (DICOM LPS, mm, voxel centres). No patient identifier is "
                     "written anywhere: outputs carry a\npseudonym, a salted hash (io/CT_IMPORT.md).\n\n"
                  << options;
        return kExitOk;
    }
    if (vm.count("threads")) apply_threads(std::llround(numeric_option("threads", text_of(vm, "threads"), true, 1, 4096)));
    const bool quiet = vm["quiet"].as<bool>();
    const ModelRequest request = request_of(vm);

    if (vm["list-calcifications"].as<bool>()) {
        std::optional<models::Phantom> phantom;
        const io::CtImage ct = run_stage("read input", [&] { return load_ct(request, phantom); });
        const auto list = run_stage("segment", [&] { return list_candidates(ct, request); });
        std::cout << "candidate calcifications (>= 130 HU, not bone), by decreasing volume:\n" << calcification_table(list);
        return kExitOk;
    }
    std::optional<fs::path> out, summary, dicom;
    if (vm.count("out")) out = output_file("out", text_of(vm, "out"));
    if (vm.count("summary")) summary = output_file("summary", text_of(vm, "summary"));
    else if (out) summary = (out->parent_path().empty() ? fs::path(".") : out->parent_path()) / "summary.json";
    if (vm.count("write-dicom")) {
        dicom = text_of(vm, "write-dicom");
        std::error_code ec;
        if (fs::exists(*dicom, ec) && !(fs::is_directory(*dicom, ec) && fs::is_empty(*dicom, ec)))
            throw InputError("--write-dicom '" + dicom->string() +
                             "' exists and is not an empty folder; accepted: a new or empty folder");
    }
    // The CT protocol of the written series (a reconstruction of the phantom; models::reconstruct_slices).
    std::optional<double> slice_thickness, slice_increment;
    for (const char* o : {"slice-thickness-mm", "slice-increment-mm"})
        if (vm.count(o) && !dicom)
            throw InputError(std::string("--") + o + " applies to --write-dicom only (the slices of the DICOM series "
                             "written from a phantom)");
    if (vm.count("slice-increment-mm") && !vm.count("slice-thickness-mm"))
        throw InputError("--slice-increment-mm needs --slice-thickness-mm (the thickness of the slices it spaces)");
    if (vm.count("slice-thickness-mm")) {
        const std::string t = text_of(vm, "slice-thickness-mm");
        slice_thickness = numeric_option("slice-thickness-mm", t, false, 0, models::kMaxReconstructedSlice_mm);
        if (!(*slice_thickness > 0))
            throw InputError("--slice-thickness-mm = " + t + ": a slice needs a thickness; accepted: > 0 and <= " +
                             format_number(models::kMaxReconstructedSlice_mm) + " mm");
        slice_increment = *slice_thickness;
        if (vm.count("slice-increment-mm")) {
            const std::string i = text_of(vm, "slice-increment-mm");
            slice_increment = numeric_option("slice-increment-mm", i, false, 0, 1e6);
            if (!(*slice_increment > 0))
                throw InputError("--slice-increment-mm = " + i + ": slices need distinct positions; accepted: > 0 and "
                                 "<= --slice-thickness-mm (" + t + " mm)");
            if (*slice_increment > *slice_thickness)
                throw InputError("--slice-increment-mm = " + i + " is larger than --slice-thickness-mm = " + t +
                                 ": the slices would leave gaps, where calcium is not seen; accepted: > 0 and <= " +
                                 t + " mm (overlapping or contiguous slices)");
        }
    }
    if (!out && !dicom)
        throw InputError("nothing to write: give --out model.h5 (and/or --write-dicom DIR with --phantom), or "
                         "--list-calcifications");

    const PatientModel model = run_stage("build model", [&] { return build_patient_model(request); });
    // The series as a scanner would reconstruct it, made before anything is written (its range errors are input).
    std::optional<models::HuVolume> reconstructed;
    if (slice_thickness && *slice_thickness < model.ct.volume.spacing_mm[2] * (1 - 1e-9))
        throw InputError("--slice-thickness-mm = " + text_of(vm, "slice-thickness-mm") + " is thinner than the " +
                         model.phantom->name + " phantom's voxels; accepted: " +
                         format_number(model.ct.volume.spacing_mm[2]) + " to " +
                         format_number(models::kMaxReconstructedSlice_mm) + " mm");
    if (slice_thickness)
        reconstructed = run_stage("write DICOM", [&] {
            return models::reconstruct_slices(model.ct.volume, *slice_thickness, *slice_increment);
        });
    if (dicom) {
        io::DicomWriteOptions o;
        o.pseudonym = model.ct.pseudonym;
        o.series_description = "lithosim phantom " + model.phantom->name;
        o.slice_thickness_mm = slice_thickness;
        run_stage("write DICOM",
                  [&] { io::write_dicom_series(reconstructed ? *reconstructed : model.ct.volume, *dicom, o); });
    }
    for (const auto& w : model.summary["warnings"]) print_warning(w.get<std::string>());
    std::optional<VisualOutputs> visuals;
    if (out) {
        run_stage("write results", [&] {
            io::write_model_h5(*out, model.file);
            io::write_json_atomic(*summary, model.summary);
        });
        // Pictures of the model beside model.h5: paraview/ and figures/ (never fail the command).
        visuals = write_model_visuals(out->parent_path().empty() ? fs::path(".") : out->parent_path(), model.file);
        for (const auto& p : visuals->problems) print_warning(p);
    }
    if (!quiet) {
        std::cout << describe_model(model);
        if (dicom) {
            const models::HuVolume& written = reconstructed ? *reconstructed : model.ct.volume;
            std::cout << "  DICOM series  " << dicom->string() << " (" << written.nz << " slices, "
                      << format_number(slice_thickness.value_or(written.spacing_mm[2])) << " mm thick every "
                      << format_number(written.spacing_mm[2]) << " mm"
                      << (reconstructed ? ", rectangular slice profile" : ", the phantom's grid") << ")\n";
        }
        if (out) std::cout << "  wrote         " << out->string() << ", " << summary->string() << "\n";
        if (visuals) {
            std::cout << "  pictures      " << visuals->files.size() << " files in figures/ and paraview/ ("
                      << format_number(std::round(visuals->seconds * 10) / 10) << " s)\n";
        }
    }
    return kExitOk;
}

}  // namespace lithosim::app
