#include "patient/patient_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "core/text.hpp"
#include "lithosim/build_info.hpp"
#include "models/calcium_score.hpp"
#include "models/morphology.hpp"
#include "models/property_mapping.hpp"
#include "models/segmentation.hpp"
#include "core/errors.hpp"
#include "io/schema.hpp"

namespace lithosim {
namespace {

using models::Label;
using models::Vec3;
using nlohmann::json;

constexpr double kM_per_mm = 1e-3;

json vec_json(const Vec3& v) { return json::array({v[0], v[1], v[2]}); }
/// "x, y, z" to 0.1 mm.
std::string vec_text(const Vec3& v) {
    auto r = [](double x) { return format_number(std::round(x * 10) / 10); };
    return r(v[0]) + ", " + r(v[1]) + ", " + r(v[2]);
}

/// The volume with every voxel outside `keep` set to -1000 HU (below any calcium threshold).
models::HuVolume masked(const models::HuVolume& v, const std::vector<std::uint8_t>& keep) {
    models::HuVolume m = v;
    for (std::size_t i = 0; i < m.hu.size(); ++i)
        if (!keep[i]) m.hu[i] = -1000.0f;
    return m;
}

/// Everything but bone: Agatston scores calcifications, not the skeleton.
std::vector<std::uint8_t> not_bone(const models::LabelMap& labels) {
    std::vector<std::uint8_t> keep(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i)
        keep[i] = labels[i] != std::uint8_t(Label::bone_cortical) && labels[i] != std::uint8_t(Label::bone_trabecular);
    return keep;
}

models::PropertyMapping mapping_of(const ModelRequest& r) {
    models::PropertyMapping m = models::PropertyMapping::named(r.mapping);
    for (const auto& t : r.mapping_tables) m.apply(models::read_user_table(t));
    return m;
}

std::string mapping_name(const ModelRequest& r) {
    std::string s = r.mapping;
    for (const auto& t : r.mapping_tables) s += " + " + std::filesystem::path(t).filename().string();
    return s;
}

/// What the calcium score means for a plan (summary.json calcium_score_note; README, "Target and calcium score").
constexpr const char* kCalciumScoreNote =
    "The Agatston score is a coronary-risk scale: its bands (0, 1-10, 11-100, 101-400, >400) grade the risk of "
    "coronary events from calcium in the coronary arteries. Here it measures the calcium burden of this scan's "
    "calcifications (bone excluded) and of the target with the same rules; it enters neither the outcome models nor "
    "the safety check, so for the plan it is informative only.";

/// Where the slice thickness of summary.json comes from.
std::string thickness_source(const io::CtImage& ct) {
    if (ct.format == "phantom") return "phantom grid (contiguous voxels)";
    if (ct.format == "dicom" && ct.slice_thickness_mm) return "DICOM SliceThickness (0018,0050)";
    return std::string("assumed: the slice increment (") +
           (ct.format == "dicom" ? "SliceThickness is empty" : "a " + ct.format + " file has no slice thickness") + ")";
}

json label_counts_json(const models::LabelMap& labels) {
    const auto counts = models::label_counts(labels);
    json j = json::object();
    for (int l = 0; l < models::kLabelCount; ++l) j[models::label_names()[std::size_t(l)]] = counts[std::size_t(l)];
    return j;
}

io::ModelGrid cartesian_grid(const models::BeamModel& b, const models::AcousticMaps& p) {
    io::ModelGrid g;
    g.nx = b.ct.nx, g.ny = b.ct.ny, g.nz = b.ct.nz;
    g.dx_m = b.ct.spacing_mm[0] * kM_per_mm;
    const Vec3 f0 = b.frame_mm(0, 0, 0);
    g.origin_m = {f0[0] * kM_per_mm, f0[1] * kM_per_mm, f0[2] * kM_per_mm};
    g.hu = b.ct.hu;
    g.labels = b.labels;
    g.target = b.target;
    g.rho = p.rho_kg_per_m3, g.c = p.c_m_per_s, g.alpha = p.alpha_dB_per_cm_MHz, g.alpha_power = p.alpha_power,
    g.BonA = p.BonA;
    return g;
}

io::ModelGrid axisymmetric_grid(const models::AxisymmetricModel& a) {
    io::ModelGrid g;
    g.nx = a.nr, g.ny = 1, g.nz = a.nz;
    g.dx_m = a.dx_mm * kM_per_mm;
    g.origin_m = {0, 0, 0};
    g.hu = a.hu, g.labels = a.labels, g.target = a.target;
    g.rho = a.props.rho, g.c = a.props.c, g.alpha = a.props.alpha, g.alpha_power = a.props.alpha_power,
    g.BonA = a.props.BonA;
    return g;
}

}  // namespace

models::SegmentationOptions segmentation_options(const ModelRequest& r) {
    models::SegmentationOptions o;
    o.apply(r.thresholds);
    return o;
}

io::CtImage load_ct(const ModelRequest& r, std::optional<models::Phantom>& phantom) {
    if (r.ct_path.has_value() == r.phantom.has_value())
        throw InputError("ct|phantom", r.ct_path ? "a CT and a phantom are both given; accepted: one of them"
                                                 : "no input: give a CT (DICOM folder, .nii, .nii.gz, .mha, .mhd, "
                                                   ".nrrd) or a phantom (shoulder|gallbladder|bile_duct|femoral)");
    if (r.ct_path) {
        io::CtReadOptions o;
        o.series_uid = r.series_uid;
        return io::read_ct(*r.ct_path, o);
    }
    if (!r.series_uid.empty())
        throw InputError("series", "a series UID applies to a CT (a DICOM folder), not to a phantom");
    phantom = models::make_phantom(*r.phantom, r.phantom_options);
    io::CtImage ct;
    ct.volume = phantom->ct;
    ct.format = "phantom";
    ct.slice_thickness_mm = ct.volume.spacing_mm[2];  // voxels: contiguous samples of the built anatomy
    ct.input_sha1 = io::volume_sha1(ct.volume);
    ct.pseudonym = io::pseudonym({"phantom", phantom->name, ct.input_sha1}, io::site_salt());
    return ct;
}

std::vector<models::Calcification> list_candidates(const io::CtImage& ct, const ModelRequest& r) {
    const models::LabelMap labels = models::segment(ct.volume, segmentation_options(r));
    return models::list_calcifications(ct.volume, labels);
}

PatientModel build_patient_model(const ModelRequest& r) {
    PatientModel m;
    const models::SegmentationOptions seg = segmentation_options(r);
    const models::PropertyMapping mapping = mapping_of(r);  // bad names or tables fail before any work
    m.ct = load_ct(r, m.phantom);
    const models::HuVolume& v = m.ct.volume;

    // Target: a seed point, a listed calcification, or the phantom's deposit.
    if (r.target_point_mm && r.target_id)
        throw InputError("target_point_mm|target_label",
                         "a target point and a target label are both given; accepted: one of them");
    const models::LabelMap first = models::segment(v, seg);
    if (r.target_point_mm) {
        models::TargetOptions to;
        if (r.target_max_radius_mm) to.max_radius_mm = *r.target_max_radius_mm;
        m.target = models::target_from_point(v, *r.target_point_mm, to);
        // A seed in bone would make the bone the target (cut at max_radius_mm): only when asked for explicitly,
        // for a deposit that touches the bone.
        std::size_t bone = 0;
        for (std::size_t i = 0; i < m.target.mask.size(); ++i)
            if (m.target.mask[i] && (first[i] == std::uint8_t(Label::bone_cortical) ||
                                     first[i] == std::uint8_t(Label::bone_trabecular)))
                ++bone;
        if (bone * 2 > m.target.stats.voxels && !r.target_max_radius_mm)
            throw InputError("target_point_mm", "the target point (" + vec_text(*r.target_point_mm) + ") mm lies in bone: its >= 130 HU "
                             "region of " + format_number(std::round(m.target.stats.volume_mm3)) + " mm^3 within " +
                             format_number(to.max_radius_mm) + " mm is mostly bone; accepted: a point in a "
                             "calcification not connected to bone (the list of calcifications shows them), or, for a "
                             "deposit that touches the bone, a target radius R (target_max_radius_mm) to cut it out "
                             "within R mm of the point");
    } else if (r.target_id) {
        m.target = models::target_from_id(v, first, *r.target_id);
    } else if (m.phantom) {
        m.target = models::target_from_point(v, m.phantom->target_centre_mm, {});
    } else {
        throw InputError("target_point_mm|target_label",
                         "no target: give a target point x,y,z (patient mm) or the label N of a listed calcification "
                         "(the list of calcifications gives the candidates with their numbers)");
    }
    m.labels = models::segment(v, seg, &m.target.mask);
    const Vec3 target_mm = m.target.stats.centroid_mm;

    // Beam axis: given, the phantom's, or the shortest soft-tissue window.
    Vec3 source_mm{};
    if (r.source_position_mm) {
        source_mm = *r.source_position_mm;
        m.source_choice = "given";
    } else if (m.phantom && !r.target_point_mm && !r.target_id && !r.shortest_window) {
        source_mm = m.phantom->source_position_mm;
        m.source_choice = "phantom";
    } else {
        source_mm = models::shortest_tissue_window(v, m.labels, m.target.mask, target_mm).source_mm;
        m.source_choice = "shortest tissue window";
    }
    m.beam = models::resample_to_beam(v, m.labels, m.target.mask, source_mm, target_mm, r.beam);
    const models::AcousticMaps props = models::map_properties(m.beam.ct, m.beam.labels, mapping);
    const models::AxisymmetricModel axi = models::axisymmetric_form(
        m.beam, {props.rho_kg_per_m3, props.c_m_per_s, props.alpha_dB_per_cm_MHz, props.alpha_power, props.BonA});

    // Calcium scores: the scan without its bone, and the target alone.
    models::CalciumOptions co;
    co.mass_calibration_mg_per_mL_per_HU = r.mass_calibration;
    co.slice_thickness_mm = m.ct.slice_thickness_mm;
    const models::CalciumScore score = models::calcium_score(masked(v, not_bone(m.labels)), co);
    const models::CalciumScore target_score = models::calcium_score(masked(v, m.target.mask), co);

    // summary.json
    json& s = m.summary;
    s[io::schema::key] = io::schema::model_summary_json;
    const auto& t = m.target.stats;
    s["target_volume_mm3"] = t.volume_mm3;
    s["target_diameter_mm"] = t.equivalent_diameter_mm;
    s["target_centroid_mm"] = vec_json(t.centroid_mm);
    s["target_peak_HU"] = t.peak_HU;
    s["target_mean_HU"] = t.mean_HU;
    // Covariates of the outcome models (issue 13; definitions in models/morphology.hpp). stone_count: the phantom's
    // stones, or for a CT the calcifications that are not bone and hold an in-slice island of >= 1 mm^2 (the lesions
    // of agatston_per_lesion; the target is one of them).
    s["stone_count"] = m.phantom ? std::size_t(m.phantom->stone_count) : score.lesions.size();
    const models::TargetMorphology morph = models::target_morphology(v, m.target.mask);
    s["target_morphology"] = {{"mean_HU", morph.mean_HU},
                              {"peak_HU", morph.peak_HU},
                              {"edge_sharpness", morph.edge_sharpness},
                              {"gaertner_type", morph.gaertner_type},
                              {"rule", morph.rule}};
    if (const auto plaque = models::plaque_geometry(v, m.labels, m.target.mask)) {
        double ring = 0;   // the calcium ring's mean radius over the slices (the stress IVL puts in it: p r / t)
        for (const auto& sl : plaque->slices) ring += sl.lumen_radius_mm / double(plaque->slices.size());
        s["plaque"] = {{"arc_deg_max", plaque->arc_deg_max},
                       {"arc_deg_mean", plaque->arc_deg_mean},
                       {"thickness_mm", plaque->thickness_mm},
                       {"length_mm", plaque->length_mm},
                       {"ring_radius_mm", ring},
                       {"concentric", plaque->concentric}};
    }
    // The CT protocol and the 3 mm-equivalent score (models/calcium_score.hpp).
    s["agatston_total"] = score.agatston_total;
    s["agatston_raw"] = score.agatston_raw;
    s["slice_thickness_mm"] = score.slice_thickness_mm;
    s["slice_increment_mm"] = score.slice_increment_mm;
    s["slice_thickness_from"] = thickness_source(m.ct);
    s["agatston_rule"] = "3 mm-equivalent: agatston_raw x slice_increment_mm / 3 mm (Agatston 1990 on 3 mm "
                         "contiguous slices; each slice stands for its increment of the lesion's length)";
    s["calcium_score_note"] = kCalciumScoreNote;
    json lesions = json::array();
    for (std::size_t i = 0; i < score.lesions.size(); ++i) {
        const auto& l = score.lesions[i];
        lesions.push_back({{"id", i + 1},
                           {"agatston", l.agatston},
                           {"agatston_raw", l.agatston_raw},
                           {"volume_mm3", l.volume_mm3},
                           {"centroid_mm", vec_json(l.centroid_mm)},
                           {"peak_HU", l.peak_HU},
                           {"mean_HU", l.mean_HU},
                           {"mass_mg", l.mass_mg ? json(*l.mass_mg) : json(nullptr)}});
    }
    s["agatston_per_lesion"] = lesions;
    s["volume_score_mm3"] = score.volume_score_mm3;
    s["labels"] = label_counts_json(m.beam.labels);
    s["mapping"] = mapping_name(r);
    s["risk_band"] = score.risk_band;
    s["mass_score_mg"] = score.mass_score_mg ? json(*score.mass_score_mg) : json(nullptr);
    s["target_agatston"] = target_score.agatston_total;
    s["pseudonym"] = m.ct.pseudonym;
    s["input_format"] = m.ct.format;
    s["input_sha1"] = m.ct.input_sha1;
    s["frame_of_reference_uid"] =
        m.ct.frame_of_reference_uid.empty() ? json(nullptr) : json(m.ct.frame_of_reference_uid);
    s["phantom"] = m.phantom ? json(m.phantom->name) : json(nullptr);
    s["target_point_mm"] = vec_json(target_mm);
    s["source_position_mm"] = vec_json(source_mm);
    s["source_choice"] = m.source_choice;
    s["beam_path_mm"] = m.beam.path_mm;
    s["model_grid"] = {{"nx", m.beam.ct.nx}, {"ny", m.beam.ct.ny}, {"nz", m.beam.ct.nz},
                       {"dx_mm", m.beam.ct.spacing_mm[0]}, {"nr_axisymmetric", axi.nr}};
    s["ct_grid"] = {{"nx", v.nx}, {"ny", v.ny}, {"nz", v.nz},
                    {"spacing_mm", vec_json(v.spacing_mm)}, {"origin_mm", vec_json(v.origin_mm)}};
    s["segmentation"] = seg.describe();
    json warnings = json::array();
    for (const auto& w : m.ct.warnings) warnings.push_back(w);
    for (const auto& w : score.protocol_warnings) warnings.push_back("calcium score: " + w);
    s["warnings"] = warnings;
    s["lithosim_version"] = std::string(build::version) + " (" + build::git_commit + ")";

    // The model file.
    io::ModelFile& f = m.file;
    f.grid = cartesian_grid(m.beam, props);
    f.axisymmetric = axisymmetric_grid(axi);
    f.frame_origin_patient_mm = m.beam.frame_origin_mm;
    f.frame_axes = m.beam.frame_axes;
    f.target_m = {0, 0, m.beam.path_mm * kM_per_mm};
    f.target_patient_mm = target_mm;
    f.source_m = {0, 0, 0};
    f.source_patient_mm = source_mm;
    const models::MaterialAt w = mapping.property(Label::water, 0.0f);
    f.coupling = {w.rho_kg_per_m3, w.c_m_per_s, w.alpha_dB_per_cm_MHz, w.alpha_power, w.BonA};
    f.mapping = mapping_name(r);
    f.mapping_table = mapping.describe();
    f.input_format = m.ct.format;
    f.input_sha1 = m.ct.input_sha1;
    f.pseudonym = m.ct.pseudonym;
    f.summary_json = s.dump(2);
    return m;
}

std::string describe_model(const PatientModel& m) {
    std::ostringstream o;
    const auto& s = m.summary;
    const auto& v = m.ct.volume;
    auto num = [](double x, int digits = 1) {
        std::ostringstream t;
        t.setf(std::ios::fixed);
        t.precision(digits);
        t << x;
        return t.str();
    };
    o << "lithosim model: " << (m.phantom ? "phantom " + m.phantom->name : m.ct.format + " CT") << ", pseudonym "
      << m.ct.pseudonym << "\n";
    o << "  CT grid       " << v.nx << " x " << v.ny << " x " << v.nz << " voxels of " << num(v.spacing_mm[0], 3)
      << " x " << num(v.spacing_mm[1], 3) << " x " << num(v.spacing_mm[2], 3) << " mm\n";
    const auto& t = m.target.stats;
    o << "  target        " << num(t.volume_mm3) << " mm^3 (diameter " << num(t.equivalent_diameter_mm)
      << " mm), centroid (" << vec_text(t.centroid_mm) << ") mm, mean " << num(t.mean_HU, 0) << " HU, peak "
      << num(t.peak_HU, 0) << " HU, Agatston " << num(s["target_agatston"].get<double>()) << "\n";
    const auto& morph = s["target_morphology"];
    o << "  morphology    edge sharpness " << num(morph["edge_sharpness"].get<double>(), 2) << ", Gaertner type "
      << morph["gaertner_type"].get<int>() << "; " << s["stone_count"].get<std::size_t>()
      << " calcification(s) of the target's kind\n";
    if (s.contains("plaque")) {
        const auto& p = s["plaque"];
        o << "  plaque        arc " << num(p["arc_deg_max"].get<double>(), 0) << " deg (max), "
          << num(p["arc_deg_mean"].get<double>(), 0) << " deg (mean), " << num(p["thickness_mm"].get<double>(), 2)
          << " mm thick, " << num(p["length_mm"].get<double>()) << " mm long"
          << (p["concentric"].get<bool>() ? ", concentric" : "") << "\n";
    }
    o << "  CT protocol   slices " << num(s["slice_thickness_mm"].get<double>(), 2) << " mm thick every "
      << num(s["slice_increment_mm"].get<double>(), 2) << " mm (thickness: " << s["slice_thickness_from"].get<std::string>()
      << ")\n";
    o << "  calcium       Agatston " << num(s["agatston_total"].get<double>()) << " (3 mm-equivalent; per-slice sum "
      << num(s["agatston_raw"].get<double>()) << "; risk band " << s["risk_band"].get<std::string>()
      << ", a coronary scale: informative here), volume score " << num(s["volume_score_mm3"].get<double>())
      << " mm^3, " << s["agatston_per_lesion"].size() << " lesion(s)";
    if (!s["mass_score_mg"].is_null()) o << ", mass score " << num(s["mass_score_mg"].get<double>(), 2) << " mg";
    o << "\n";
    o << "  beam          source (" << vec_text(m.beam.source_patient_mm) << ") mm (" << m.source_choice
      << ") to target, " << num(m.beam.path_mm) << " mm\n";
    o << "  model grid    " << m.beam.ct.nx << " x " << m.beam.ct.ny << " x " << m.beam.ct.nz << " nodes of "
      << num(m.beam.ct.spacing_mm[0], 3) << " mm (beam frame), axisymmetric form " << m.file.axisymmetric.nx
      << " x " << m.file.axisymmetric.nz << "\n";
    o << "  mapping       " << s["mapping"].get<std::string>() << "\n";
    o << "  labels        ";
    bool first = true;
    for (const auto& [name, count] : s["labels"].items()) {
        if (count.get<std::size_t>() == 0) continue;
        o << (first ? "" : ", ") << name << " " << count.get<std::size_t>();
        first = false;
    }
    o << "\n";
    return o.str();
}

}  // namespace lithosim
