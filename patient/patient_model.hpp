// From a CT (or an embedded phantom) to a simulation-ready tissue model: read, segment, pick the target, score the
// calcium, choose the beam axis, resample into the beam frame, map the properties, and gather the summary (issue 4).
// `lithosim model` is its command line; the planner (issue 5) calls it directly.
//
// summary.json (contract keys first; positions in the CT's patient coordinates, DICOM LPS, mm, voxel centres):
// | key                    | unit / type     | meaning                                                            |
// |------------------------|-----------------|--------------------------------------------------------------------|
// | target_volume_mm3      | mm^3            | voxels of the target x voxel volume (on the CT grid)               |
// | target_diameter_mm     | mm              | diameter of the sphere of that volume                              |
// | target_centroid_mm     | [x, y, z] mm    | centroid of the target's voxels                                    |
// | target_peak_HU         | HU              | highest HU in the target                                           |
// | target_mean_HU         | HU              | mean HU of the target                                              |
// | agatston_total         | 1               | Agatston score of the scan, bone excluded, 3 mm-equivalent:        |
// |                        |                 | agatston_raw x slice_increment_mm / 3 mm (models/calcium_score)    |
// | slice_thickness_mm     | mm              | nominal slice thickness (DICOM SliceThickness; phantom: its grid;  |
// |                        |                 | else assumed = the increment, see slice_thickness_from)            |
// | slice_increment_mm     | mm              | reconstruction increment: step of the slice positions along the    |
// |                        |                 | slice normal                                                       |
// | agatston_per_lesion    | array of objects| per lesion: id, agatston, agatston_raw, volume_mm3, centroid_mm,   |
// |                        |                 | peak_HU, mean_HU                                                   |
// | agatston_raw           | 1               | plain per-slice sum of the island scores (not 3 mm-equivalent)     |
// | volume_score_mm3       | mm^3            | calcium volume score                                               |
// | labels                 | object          | voxel count per label name on the model grid                       |
// | mapping                | string          | property mapping name ("labels", "hounsfield"; "+ table.csv")      |
// | stone_count            | 1               | calcifications of the target's kind: a phantom's stone_count; for a|
// |                        |                 | CT the non-bone calcifications with an island >= 1 mm^2 (lesions)  |
// | target_morphology      | object          | mean_HU, peak_HU, edge_sharpness [0, 1], gaertner_type (1-3), rule |
// |                        |                 | (models/morphology.hpp)                                            |
// | plaque                 | object          | arc_deg_max, arc_deg_mean, thickness_mm, length_mm, concentric;    |
// |                        |                 | only for a target around a lumen (models/morphology.hpp)           |
// | warnings               | array of strings| CT import and calcium-protocol warnings (slices not 3 mm contiguous)|
// | ...                    |                 | also: risk_band, mass_score_mg, target_agatston, pseudonym,        |
// |                        |                 | slice_thickness_from, agatston_rule, calcium_score_note,           |
// |                        |                 | input_format, input_sha1, source_position_mm, target_point_mm,     |
// |                        |                 | beam_path_mm, model_grid, segmentation, lithosim_version           |
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/ct_import.hpp"
#include "io/model_file.hpp"
#include "models/beam_model.hpp"
#include "models/phantoms.hpp"
#include "models/segmentation.hpp"
#include "models/targets.hpp"

namespace lithosim {

struct ModelRequest {
    std::optional<std::string> ct_path;       ///< --ct: DICOM folder or file, NIfTI, MetaImage, NRRD
    std::string series_uid;                   ///< --series
    std::optional<std::string> phantom;       ///< --phantom NAME (instead of --ct)
    models::PhantomOptions phantom_options;   ///< --target-diameter-mm, --target-HU, --stone-type, --stone-count,
                                              ///< --plaque-arc-deg, --seed
    std::optional<models::Vec3> target_point_mm;   ///< --target-point-mm (patient LPS)
    std::optional<int> target_id;                  ///< --target-label N (id of --list-calcifications)
    std::optional<double> target_max_radius_mm;    ///< --target-max-radius-mm: cut the target within this radius
    std::optional<models::Vec3> source_position_mm;  ///< --source-position-mm; else the phantom's, else the window
    bool shortest_window = false;             ///< without a source position: the window even for a phantom
    std::string mapping = "hounsfield";       ///< --mapping NAME
    std::vector<std::string> mapping_tables;  ///< --mapping-table FILE.csv ...
    std::vector<std::string> thresholds;      ///< --threshold name=HU ...
    models::BeamModelOptions beam;            ///< --dx-mm, --lateral-mm, --margin-mm
    std::optional<double> mass_calibration;   ///< --mass-calibration (mg/mL per HU)
};

struct PatientModel {
    io::CtImage ct;                           ///< the CT as read or built (phantom)
    std::optional<models::Phantom> phantom;
    models::LabelMap labels;                  ///< segmentation on the CT grid (target included)
    models::Target target;
    std::string source_choice;                ///< "given", "phantom" or "shortest tissue window"
    models::BeamModel beam;
    io::ModelFile file;                       ///< what `--out` writes
    nlohmann::json summary;                   ///< summary.json
};

/// Reads the CT (or builds the phantom) and checks every request option against it. Throws InputError.
io::CtImage load_ct(const ModelRequest& request, std::optional<models::Phantom>& phantom);

/// The segmentation options of the request (--threshold overrides applied and checked).
models::SegmentationOptions segmentation_options(const ModelRequest& request);

/// The candidate calcifications of a CT (segmented with the request's thresholds).
std::vector<models::Calcification> list_candidates(const io::CtImage& ct, const ModelRequest& request);

/// The whole pipeline. Throws InputError for bad input (a target outside the volume, no calcification at the seed,
/// no acoustic window, ...).
PatientModel build_patient_model(const ModelRequest& request);

/// The human-readable summary `lithosim model` prints.
std::string describe_model(const PatientModel& model);

}  // namespace lithosim
