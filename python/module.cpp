// The lithosim Python module's native part, `lithosim._core` (pybind11). Thin bindings over the library layers: each
// function takes plain values, calls the same library functions the command line calls (cases/, report/,
// dosimetry/, patient/, planner/, sweeps/, io/), and hands back dicts of Python values and NumPy arrays. The Python
// face (argument defaults, case dicts to key/value text, the Result class) is python/lithosim/__init__.py.
//
// Arrays: a map or a series is moved out of the result into a heap std::vector owned by a capsule, and the NumPy
// array is a view of it (no copy). Shapes follow result.h5 (HDF5/C order): maps [nz][ny][nx], sensors p [npoints][nt].
//
// Runs release the GIL, so OpenMP threads run as in the command line; the solver's progress hook takes the GIL back
// once a step to check for signals (Ctrl-C: PyErr_CheckSignals) and to call the user's progress callback. A Python
// exception there (KeyboardInterrupt, or one raised by the callback) is thrown as pybind11::error_already_set from
// the hook: the time loop holds no lock or open file, so the run unwinds and frees its fields, and the exception
// reaches Python unchanged.
//
// Errors: lithosim::InputError (bad input) -> ValueError with the command line's one-line message; everything
// else -> RuntimeError.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <omp.h>

#include <chrono>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "cases/default_case.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "dosimetry/dose_at_depth.hpp"
#include "io/json_file.hpp"
#include "io/model_file.hpp"
#include "io/plan_file.hpp"
#include "io/result_file.hpp"
#include "lithosim/build_info.hpp"
#include "models/ct_volume.hpp"
#include "models/devices.hpp"
#include "patient/patient_model.hpp"
#include "planner/plan.hpp"
#include "planning/protocol.hpp"
#include "report/summary.hpp"
#include "solver/simulation.hpp"
#include "sweeps/sweep.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;
using namespace lithosim;

namespace {

// ---- values -----------------------------------------------------------------------------------------------------

/// nlohmann::json -> Python (dict, list, str, int, float, bool, None): the one converter of the module.
py::object to_python(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null: return py::none();
        case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
        case nlohmann::json::value_t::number_integer: return py::int_(j.get<long long>());
        case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<unsigned long long>());
        case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
        case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
        case nlohmann::json::value_t::array: {
            py::list l;
            for (const auto& e : j) l.append(to_python(e));
            return l;
        }
        case nlohmann::json::value_t::object: {
            py::dict d;
            for (auto it = j.begin(); it != j.end(); ++it) d[py::str(it.key())] = to_python(it.value());
            return d;
        }
        default: return py::none();
    }
}

/// A NumPy view of `values` (moved to the heap and owned by a capsule: no copy), with C-order `shape`.
template <class T>
py::array_t<T> owning_array(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
    auto* owned = new std::vector<T>(std::move(values));
    py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(shape, owned->data(), owner);
}

/// A map as result.h5 stores it: [nz][ny][nx], x fastest (the layout of Map3::values).
py::array_t<float> map_array(Map3&& m) {
    const std::vector<py::ssize_t> shape{py::ssize_t(m.nz), py::ssize_t(m.ny), py::ssize_t(m.nx)};
    return owning_array(std::move(m.values), shape);
}

py::dict grid_of(const Map3& m) {
    py::dict g;
    g["shape"] = py::make_tuple(m.nz, m.ny, m.nx);
    g["origin_m"] = py::make_tuple(m.origin_m[0], m.origin_m[1], m.origin_m[2]);
    g["spacing_m"] = py::make_tuple(m.spacing_m[0], m.spacing_m[1], m.spacing_m[2]);
    return g;
}

/// A series record as result.h5's /sensors: t [nt] (s), p [npoints][nt] (Pa), position_m [npoints][3].
py::dict series_dict(SensorRecord&& s) {
    const std::size_t np = s.p_Pa.size(), nt = s.t_s.size();
    std::vector<float> p(np * nt);  // the rows are separate vectors: one copy into a block
    for (std::size_t k = 0; k < np; ++k) std::copy(s.p_Pa[k].begin(), s.p_Pa[k].end(), p.begin() + k * nt);
    std::vector<double> pos(np * 3);
    for (std::size_t k = 0; k < np; ++k)
        for (int a = 0; a < 3; ++a) pos[3 * k + a] = s.position_m[k][a];
    py::dict d;
    d["t"] = owning_array(std::move(s.t_s), {py::ssize_t(nt)});
    d["p"] = owning_array(std::move(p), {py::ssize_t(np), py::ssize_t(nt)});
    d["position_m"] = owning_array(std::move(pos), {py::ssize_t(np), 3});
    return d;
}

/// The maps and series of a result, moved out of it.
void put_arrays(SimulationResult& r, py::dict& out) {
    py::dict maps;
    std::optional<py::dict> grid;
    auto put = [&](const char* name, std::optional<Map3>& m) {
        if (!m) return;
        if (!grid) grid = grid_of(*m);
        maps[name] = map_array(std::move(*m));
        m.reset();
    };
    put("p_max", r.p_max);
    put("p_min", r.p_min);
    put("efd", r.efd);
    put("c", r.c);
    put("rho", r.rho);
    out["maps"] = maps;
    out["grid"] = grid ? py::object(*grid) : py::object(py::none());
    out["sensors"] = series_dict(std::move(r.sensors));
    out["axis"] = r.axis ? py::object(series_dict(std::move(*r.axis))) : py::object(py::none());
}

// ---- threads, progress and Ctrl-C -------------------------------------------------------------------------------

/// The OpenMP thread count for one call (as --threads: an integer in [1, 4096]), restored afterwards.
class ThreadScope {
public:
    explicit ThreadScope(std::optional<long long> n) : previous_(omp_get_max_threads()) {
        if (!n) return;
        if (*n < 1 || *n > 4096)
            throw InputError("threads = " + std::to_string(*n) + " is out of range; accepted: an integer in [1, 4096]");
        omp_set_num_threads(int(*n));
        set_ = true;
    }
    ~ThreadScope() {
        if (set_) omp_set_num_threads(previous_);
    }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int previous_;
    bool set_ = false;
};

/// The hooks of a run started from Python (called with the GIL released): solver warnings collected, and on each
/// step the GIL taken back to check signals and, about every percent and at the end, call `progress(step, total)`.
RunHooks python_hooks(const py::object& progress, std::vector<std::string>& warnings) {
    RunHooks hooks;
    hooks.log = [&warnings](const std::string& line) {
        if (line.rfind("warning: ", 0) == 0) warnings.push_back(line.substr(9));
    };
    hooks.progress = [&progress, last = -1LL](long long step, long long total, double) mutable {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // KeyboardInterrupt: ends the run
        const long long percent = total > 0 ? step * 100 / total : 100;
        if (!progress.is_none() && (percent != last || step == total)) {
            last = percent;
            progress(step, total);
        }
    };
    return hooks;
}

/// The step hook of the runs that dosimetry() and plan() make inside the library (called with the GIL released):
/// signals checked at every step and `progress(step, total)` about every percent of each run. Ctrl-C, or an
/// exception from `progress`, stops the run with lithosim::Interrupted, the Python error kept pending for
/// raise_if_interrupted.
StepHook python_step_hook(const py::object& progress) {
    return [&progress, last = -1LL](long long step, long long total) mutable {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) throw Interrupted();
        const long long percent = total > 0 ? step * 100 / total : 100;
        if (!progress.is_none() && (percent != last || step == total)) {
            last = percent;
            try {
                progress(step, total);
            } catch (py::error_already_set& e) {
                e.restore();
                throw Interrupted();
            }
        }
    };
}

/// Runs `f` (GIL released); a run stopped by python_step_hook raises the pending Python error (KeyboardInterrupt).
template <class F>
auto run_interruptible(F&& f) {
    try {
        py::gil_scoped_release release;
        return f();
    } catch (const Interrupted&) {
        throw py::error_already_set();
    }
}

// ---- simulate ---------------------------------------------------------------------------------------------------

/// A case: a path (or the word "default"), or (section, key, value text) entries.
CaseText read_case(const py::object& source, const std::string& origin, const fs::path& base_dir) {
    if (py::isinstance<py::str>(source)) {
        const std::string path = source.cast<std::string>();
        if (path == "default") return parse_case(default_case_text(), "default.ini (embedded)", fs::current_path());
        return read_case_file(path);
    }
    std::vector<CaseEntry> entries;
    for (const auto& e : source.cast<std::vector<std::tuple<std::string, std::string, std::string>>>())
        entries.push_back({std::get<0>(e), std::get<1>(e), std::get<2>(e)});
    return case_from_entries(entries, origin, base_dir);
}

/// The focal waveform, the maps and the series of a run of `case`, with summary.json: the stages of `lithosim
/// simulate` (app/cmd_simulate.cpp) without its files. A dict; python/lithosim/__init__.py wraps it in a Result.
py::dict simulate_case(const py::object& source, const std::string& origin, const fs::path& base_dir,
                       std::optional<long long> threads, const py::object& progress) {
    ThreadScope thread_scope(threads);
    const CaseText case_text = read_case(source, origin, base_dir);
    check_required(case_text);
    const PreparedCase prepared = prepare_case(case_from_text(case_text), 1, available_memory_bytes());
    std::vector<std::string> warnings = prepared.plan.warnings;
    const std::string resolved = case_to_ini(
        resolve_case(prepared), "lithosim " + std::string(build::version) + " (commit " + build::git_commit +
                                           "): resolved case of " + origin + " (Python module)");
    const RunHooks hooks = python_hooks(progress, warnings);
    SimulationResult result;
    std::optional<Dosimetry> dosimetry;
    nlohmann::json summary;
    {
        py::gil_scoped_release release;
        result = simulate_planned(prepared.spec, prepared.plan, hooks);
        dosimetry = case_dosimetry(prepared, result, warnings);
        drop_unrequested_axis(prepared.c, result);
        summary = summary_json(result, prepared.plan, *dosimetry, warnings);
    }
    py::dict out;
    out["summary"] = to_python(summary);
    out["case"] = resolved;
    out["warnings"] = warnings;
    out["focal_series"] = dosimetry->focal_series ? py::object(series_dict(std::move(*dosimetry->focal_series)))
                                                  : py::object(py::none());
    put_arrays(result, out);
    return out;
}

/// A result.h5 written by `lithosim simulate` (a path to the file or to its output directory): the same dict as
/// simulate_case; the summary is the summary.json beside it, else the /dosimetry values of the file.
py::dict read_result(const fs::path& given) {
    const fs::path path = fs::is_directory(given) ? given / "result.h5" : given;
    if (!fs::is_regular_file(path))
        throw InputError("'" + path.string() + "': no such file; accepted: a result.h5 of lithosim simulate or its "
                         "output directory");
    SimulationResult result = io::read_result_h5(path);
    io::ResultMetadata meta = io::read_result_metadata(path);
    nlohmann::json summary;
    if (fs::is_regular_file(path.parent_path() / "summary.json")) {
        summary = io::read_json(path.parent_path() / "summary.json");
    } else {
        summary = nlohmann::json::object();
        for (const auto& v : meta.dosimetry.value_or(std::vector<io::DosimetryValue>{}))
            summary[v.name] = v.values.size() == 1 ? nlohmann::json(v.values[0]) : nlohmann::json(v.values);
    }
    py::dict out;
    out["summary"] = to_python(summary);
    out["case"] = meta.case_text;
    out["warnings"] = py::list();
    out["focal_series"] = meta.focal_series ? py::object(series_dict(std::move(*meta.focal_series)))
                                            : py::object(py::none());
    put_arrays(result, out);
    return out;
}

// ---- devices, dosimetry, model, plan, sweep ---------------------------------------------------------------------

/// The device presets as `lithosim devices` lists them: name, kind, description, setting key, calibration, and
/// each parameter with unit, value, range and source.
py::list devices() {
    py::list l;
    for (const auto& name : models::device_preset_names()) {
        const models::DevicePreset& d = models::device_preset(name);
        py::dict e;
        e["name"] = d.name;
        e["kind"] = d.kind;
        e["description"] = d.description;
        e["setting_key"] = d.setting_key;
        e["setting"] = d.setting();
        e["source_quantity"] = d.source_quantity;
        e["calibration"] = d.calibration;
        e["calibration_dx_mm"] = d.calibration_dx_m * 1e3;
        e["shot_to_shot_p_plus_sd"] = d.shot_to_shot_p_plus_sd;
        py::dict params;
        for (const auto& p : d.parameters) {
            py::dict q;
            q["unit"] = p.unit;
            q["value"] = p.value;
            q["min"] = p.min;
            q["max"] = p.max;
            q["source"] = p.source;
            params[py::str(p.key)] = q;
        }
        e["parameters"] = params;
        l.append(e);
    }
    return l;
}

/// Dose at depth (`lithosim dosimetry --device ...`): the forward report at `setting`, or the setting search for
/// `target_efd_mJ_per_mm2`. Returns the report's JSON (the --json file) with "warnings".
py::object dosimetry(const std::string& device, double target_depth_mm, std::optional<double> setting,
                     std::optional<double> target_efd, std::optional<std::string> layers, std::optional<double> dx_mm,
                     std::map<std::string, double> overrides, std::optional<long long> threads,
                     const py::object& progress) {
    ThreadScope thread_scope(threads);
    if (setting && target_efd)
        throw InputError("setting = " + format_number(*setting) + " is given together with target_efd_mJ_per_mm2; "
                         "accepted: one of them (the setting for the dose report, the target EFD for the search)");
    if (!setting && !target_efd)
        throw InputError("setting is missing; accepted: setting=S (the device's energy setting) for the dose report, "
                         "or target_efd_mJ_per_mm2=E for the setting search");
    DoseAtDepthRequest request;
    request.device = device;
    request.target_depth_mm = target_depth_mm;
    request.target_efd_mJ_per_mm2 = target_efd;
    request.setting = setting;
    request.layers = layers;
    request.dx_mm = dx_mm;
    request.overrides = std::move(overrides);
    request.on_step = python_step_hook(progress);
    const DoseAtDepth d = prepare_dose_at_depth(request);
    std::vector<std::string> warnings;
    nlohmann::json report = run_interruptible([&] {
        return target_efd ? find_setting_json(d, run_find_setting(d, nullptr, warnings))
                          : dose_report_json(d, run_dose_report(d, nullptr, warnings));
    });
    report["warnings"] = warnings;
    return to_python(report);
}

/// Arrays of a model grid (beam frame, x fastest): [nz][ny][nx].
py::dict model_grid_dict(io::ModelGrid&& g) {
    const std::vector<py::ssize_t> shape{py::ssize_t(g.nz), py::ssize_t(g.ny), py::ssize_t(g.nx)};
    py::dict d;
    d["shape"] = py::make_tuple(g.nz, g.ny, g.nx);
    d["origin_m"] = py::make_tuple(g.origin_m[0], g.origin_m[1], g.origin_m[2]);
    d["dx_m"] = g.dx_m;
    auto put = [&](const char* name, auto&& v) {
        if (!v.empty()) d[name] = owning_array(std::move(v), shape);
    };
    put("hu", std::move(g.hu));
    put("labels", std::move(g.labels));
    put("target", std::move(g.target));
    put("rho", std::move(g.rho));
    put("c", std::move(g.c));
    put("alpha", std::move(g.alpha));
    put("alpha_power", std::move(g.alpha_power));
    put("BonA", std::move(g.BonA));
    return d;
}

/// The patient model (`lithosim model`): a phantom or a CT to the labelled model in the beam frame.
py::dict model(std::optional<std::string> phantom, std::optional<std::string> ct, std::string series,
               std::optional<std::array<double, 3>> target_point_mm,
               std::optional<std::array<double, 3>> source_position_mm, std::optional<double> dx_mm,
               std::string mapping, std::optional<long long> threads) {
    ThreadScope thread_scope(threads);
    ModelRequest r;
    r.phantom = phantom;
    r.ct_path = ct;
    r.series_uid = series;
    r.target_point_mm = target_point_mm;
    r.source_position_mm = source_position_mm;
    if (dx_mm) r.beam.dx_mm = *dx_mm;
    r.mapping = mapping;
    std::optional<PatientModel> m;
    {
        py::gil_scoped_release release;
        m = build_patient_model(r);
    }
    io::ModelFile& f = m->file;
    py::dict out;
    out["summary"] = to_python(m->summary);
    out["grid"] = model_grid_dict(std::move(f.grid));
    out["axisymmetric"] = model_grid_dict(std::move(f.axisymmetric));
    py::dict transform;  // frame point x (m) -> patient (DICOM LPS, mm): origin + 1e3 * sum_b x_b axes[b]
    transform["origin_patient_mm"] = f.frame_origin_patient_mm;
    transform["axes"] = f.frame_axes;
    out["frame_to_patient"] = transform;
    out["target_m"] = f.target_m;
    out["target_patient_mm"] = f.target_patient_mm;
    out["source_m"] = f.source_m;
    out["source_patient_mm"] = f.source_patient_mm;
    std::vector<std::string> names(models::label_names().begin(), models::label_names().end());
    out["label_names"] = names;
    out["description"] = describe_model(*m);
    return out;
}

/// The planner (`lithosim plan`) into `out_dir`; plan.json as a dict and plan.h5's dose maps read back.
py::dict plan(PlanRequest request, std::optional<long long> threads, const py::object& progress) {
    ThreadScope thread_scope(threads);
    request.on_step = python_step_hook(progress);
    std::optional<PlanResult> result = run_interruptible([&] { return run_plan(request, nullptr); });
    io::PlanFile file = io::read_plan_h5(fs::path(request.out_dir) / "plan.h5");
    py::dict maps;
    py::dict grid = grid_of(file.p_max);
    maps["p_max"] = map_array(std::move(file.p_max));
    maps["p_min"] = map_array(std::move(file.p_min));
    maps["efd"] = map_array(std::move(file.efd));
    py::dict out;
    out["plan"] = to_python(result->json);
    out["maps"] = maps;
    out["grid"] = grid;
    out["axisymmetric"] = file.axisymmetric;
    out["setting"] = file.setting;
    out["text"] = result->text;
    out["warnings"] = result->warnings;
    return out;
}

/// The plan option names `lithosim plan` takes, checked as it checks them: a number against its range.
double plan_number(const std::string& option, double v) { return plan_numeric_option(option, format_number(v)); }

/// A sweep file with command = simulate, its cases run here one after the other (as `lithosim sweep` runs them,
/// each case the base with the swept values set); the table as columns. A failed case is a row with its error.
py::dict sweep(const fs::path& path, std::optional<long long> threads, const py::object& progress) {
    ThreadScope thread_scope(threads);
    const SweepConfig config = read_sweep_file(path);
    const std::vector<SweepCase> cases = expand_cases(config);
    check_cases(config, cases);
    const bool plans = config.command == SweepCommand::Plan;
    const CaseText base = plans ? CaseText{} : sweep_base(config);
    // A plan writes its folder: each case's goes to a temporary folder, removed when the case has ended.
    const fs::path scratch = plans ? fs::temp_directory_path() / ("lithosim-sweep-" + sweep_identity(config, cases) +
                                                                  "-" + std::to_string(::getpid()))
                                   : fs::path();
    struct RemoveScratch {
        fs::path dir;
        ~RemoveScratch() {
            std::error_code ignored;
            if (!dir.empty()) fs::remove_all(dir, ignored);
        }
    } remove_scratch{scratch};
    const py::object no_progress = py::none();
    // One case's metrics: a plan's plan.json, a simulation's summary.json, flattened as in sweep.csv.
    auto run_plan_case = [&](const SweepCase& sc) {
        PlanRequest request = sweep_plan_request(config, sc);
        request.out_dir = (scratch / sc.id).string();
        request.on_step = python_step_hook(no_progress);
        const PlanResult result = run_interruptible([&] { return run_plan(request, nullptr); });
        std::error_code ignored;
        fs::remove_all(scratch / sc.id, ignored);
        return flatten_metrics(result.json);
    };
    auto run_simulate_case = [&](const SweepCase& sc) {
        const PreparedCase prepared = prepare_case(sweep_case(config, base, sc), 1, available_memory_bytes());
        std::vector<std::string> warnings = prepared.plan.warnings;
        const RunHooks hooks = python_hooks(no_progress, warnings);
        py::gil_scoped_release release;
        SimulationResult result = simulate_planned(prepared.spec, prepared.plan, hooks);
        const Dosimetry dosimetry = case_dosimetry(prepared, result, warnings);
        return flatten_metrics(summary_json(result, prepared.plan, dosimetry, warnings));
    };
    std::vector<std::optional<CaseRecord>> records;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const SweepCase& sc = cases[i];
        CaseRecord rec;
        rec.id = sc.id;
        rec.values = sc.values;
        const auto t0 = std::chrono::steady_clock::now();
        try {
            rec.metrics = plans ? run_plan_case(sc) : run_simulate_case(sc);
            rec.ok = true;
        } catch (const py::error_already_set&) {
            throw;  // Ctrl-C ends the sweep
        } catch (const std::exception& e) {
            rec.ok = false;
            rec.error = e.what();
        }
        rec.run_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        records.push_back(rec);
        if (!progress.is_none()) progress(i + 1, cases.size());
    }
    const SweepTable table = build_table(config, cases, records, sweep_identity(config, cases));
    py::dict columns;
    columns["case"] = table.case_ids;
    auto column = [](const io::SweepColumn& c) { return c.numeric ? py::cast(c.numbers) : py::cast(c.texts); };
    for (const auto& c : table.parameters) columns[py::str(c.name)] = column(c);
    for (const auto& c : table.metrics) columns[py::str(c.name)] = column(c);
    columns["status"] = table.status;
    columns["error"] = table.error;
    columns["run_time_s"] = table.run_time_s;
    py::dict out;
    out["columns"] = columns;
    std::vector<std::string> parameters, metrics;
    for (const auto& c : table.parameters) parameters.push_back(c.name);
    for (const auto& c : table.metrics) metrics.push_back(c.name);
    out["parameters"] = parameters;
    out["metrics"] = metrics;
    out["identity"] = table.identity;
    return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "lithosim's native part; use the package lithosim (python/lithosim/__init__.py).";
    // InputError is a std::invalid_argument (pybind11 would give ValueError already); said here so it stays so.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const InputError& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });
    m.attr("version") = build::version;
    m.attr("git_commit") = build::git_commit;
    m.def("simulate_case", &simulate_case, py::arg("source"), py::arg("origin"), py::arg("base_dir"),
          py::arg("threads"), py::arg("progress"));
    m.def("read_result", &read_result, py::arg("path"));
    m.def("devices", &devices);
    m.def("dosimetry", &dosimetry, py::arg("device"), py::arg("target_depth_mm"), py::arg("setting"),
          py::arg("target_efd_mJ_per_mm2"), py::arg("layers"), py::arg("dx_mm"), py::arg("overrides"),
          py::arg("threads"), py::arg("progress") = py::none());
    m.def("model", &model, py::arg("phantom"), py::arg("ct"), py::arg("series"), py::arg("target_point_mm"),
          py::arg("source_position_mm"), py::arg("dx_mm"), py::arg("mapping"), py::arg("threads"));
    m.def("sweep", &sweep, py::arg("path"), py::arg("threads"), py::arg("progress"));
    m.def("plan_number", &plan_number);
    m.def("indications", &planning::indication_names);
    py::class_<PlanRequest>(m, "PlanRequest")
        .def(py::init<>())
        .def_readwrite("indication", &PlanRequest::indication)
        .def_readwrite("phantom", &PlanRequest::phantom)
        .def_readwrite("model_path", &PlanRequest::model_path)
        .def_readwrite("ct_path", &PlanRequest::ct_path)
        .def_readwrite("target_point_mm", &PlanRequest::target_point_mm)
        .def_readwrite("source_position_mm", &PlanRequest::source_position_mm)
        .def_readwrite("device", &PlanRequest::device)
        .def_readwrite("material", &PlanRequest::material)
        .def_readwrite("efd_mJ_per_mm2", &PlanRequest::efd_mJ_per_mm2)
        .def_readwrite("sessions", &PlanRequest::sessions)
        .def_readwrite("max_shocks_per_session", &PlanRequest::max_shocks_per_session)
        .def_readwrite("rate_per_min", &PlanRequest::rate_per_min)
        .def_readwrite("seed", &PlanRequest::seed)
        .def_readwrite("full", &PlanRequest::full)
        .def_readwrite("dx_mm", &PlanRequest::dx_mm)
        .def_readwrite("safety_overrides", &PlanRequest::safety_overrides)
        .def_readwrite("samples", &PlanRequest::samples)
        .def_readwrite("out_dir", &PlanRequest::out_dir)
        .def_readwrite("command_line", &PlanRequest::command_line)
        .def_readwrite("pictures", &PlanRequest::pictures)
        .def_readwrite("gaertner_type", &PlanRequest::gaertner_type)
        .def_readwrite("stone_count", &PlanRequest::stone_count)
        .def_readwrite("bile_acid", &PlanRequest::bile_acid)
        .def_readwrite("gallbladder_impaired", &PlanRequest::gallbladder_impaired)
        .def_readwrite("plaque_arc_deg", &PlanRequest::plaque_arc_deg);
    m.def("plan", &plan, py::arg("request"), py::arg("threads"), py::arg("progress") = py::none());
}
