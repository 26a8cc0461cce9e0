#include "report/visual_outputs.hpp"

#include <chrono>
#include <exception>
#include <initializer_list>

#include "report/run_figures.hpp"
#include "report/run_outputs.hpp"

namespace fs = std::filesystem;

namespace lithosim {

namespace {

/// Runs one part; an exception becomes "<what> not written: <reason>" in `out.problems`.
template <class F>
void part(VisualOutputs& out, const char* what, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        out.problems.push_back(std::string(what) + " not written: " + e.what());
    }
}

void take_figures(VisualOutputs& out, const FigureSet& set, std::vector<ReportFigure>& report_figures) {
    if (set.skipped) out.problems.push_back("figures skipped: " + *set.skipped);
    for (const auto& n : set.notes) out.problems.push_back("figure left out: " + n);
    for (const auto& [file, caption] : set.written) {
        out.files.push_back(file);
        report_figures.push_back({file, caption});
    }
}

ReportContext context_of(const RunProvenance& p, std::vector<ReportFigure> figures) {
    ReportContext c;
    c.figures = std::move(figures);
    c.case_name = p.case_name;
    c.resolved_case = p.resolved_case;
    c.command_line = p.command_line;
    c.inputs = p.inputs;
    return c;
}

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

VisualOutputs write_simulate_visuals(const fs::path& dir, const SimulationResult& result, const SimulationSpec& spec,
                                     const Dosimetry& dosimetry, const nlohmann::json& summary,
                                     const RunProvenance& provenance) {
    const auto t0 = std::chrono::steady_clock::now();
    VisualOutputs out;
    part(out, "ParaView files", [&] {
        for (auto& f : write_simulate_paraview(dir, result, spec.grid.axisymmetric)) out.files.push_back(f);
    });
    std::vector<ReportFigure> figures;
    part(out, "figures", [&] { take_figures(out, write_field_figures(dir, result, dosimetry, &spec), figures); });
    part(out, "report", [&] {
        out.files.push_back(write_simulate_report(dir, summary, context_of(provenance, std::move(figures))));
    });
    out.seconds = since(t0);
    return out;
}

VisualOutputs write_model_visuals(const fs::path& dir, const io::ModelFile& model) {
    const auto t0 = std::chrono::steady_clock::now();
    VisualOutputs out;
    part(out, "ParaView files", [&] {
        for (auto& f : write_model_paraview(dir, model)) out.files.push_back(f);
    });
    std::vector<ReportFigure> unused;
    part(out, "figures", [&] { take_figures(out, write_model_figures(dir, model), unused); });
    out.seconds = since(t0);
    return out;
}

VisualOutputs write_plan_visuals(const fs::path& dir, const io::PlanFile& plan, const nlohmann::json& plan_json,
                                 const io::ModelFile& model, std::optional<double> dose_to_model_z_m,
                                 const RunProvenance& provenance) {
    const auto t0 = std::chrono::steady_clock::now();
    VisualOutputs out;
    std::vector<ReportFigure> figures;
    if (!plan.p_max.values.empty()) {   // an intravascular plan simulates no field: the report alone
        part(out, "ParaView files", [&] {
            for (auto& f : write_plan_paraview(dir, plan, &model, dose_to_model_z_m)) out.files.push_back(f);
        });
        part(out, "figures", [&] { take_figures(out, write_plan_figures(dir, plan, plan_json, &model), figures); });
    }
    part(out, "report", [&] {
        out.files.push_back(write_plan_report(dir, plan_json, context_of(provenance, std::move(figures))));
    });
    out.seconds = since(t0);
    return out;
}

void remove_earlier_pictures(const fs::path& dir) {
    std::error_code ec;
    for (const char* f : {kReportFile, "report.html.partial", "report.pdf", "report.pdf.partial"}) fs::remove(dir / f, ec);
    auto clean = [&](const fs::path& folder, std::initializer_list<const char*> extensions, bool readme) {
        if (!fs::is_directory(folder, ec)) return;
        std::vector<fs::path> doomed;
        for (const auto& e : fs::directory_iterator(folder, ec)) {
            if (!e.is_regular_file(ec)) continue;
            const std::string name = e.path().filename().string();
            bool ours = readme && name == "README.txt";
            for (const char* x : extensions)
                ours = ours || e.path().extension() == x || name.ends_with(std::string(x) + ".partial");
            if (ours) doomed.push_back(e.path());
        }
        for (const auto& f : doomed) fs::remove(f, ec);
        if (fs::is_empty(folder, ec)) fs::remove(folder, ec);
    };
    clean(dir / "figures", {".png"}, false);
    clean(dir / kParaviewFolder / "snapshots", {".vti"}, false);
    clean(dir / kParaviewFolder, {".vti", ".pvd"}, true);
}

std::string command_line_of(const std::string& command, const std::vector<std::string>& args) {
    std::string s = "lithosim " + command;
    for (const auto& a : args) {
        const bool quote = a.empty() || a.find_first_of(" \t'\"") != std::string::npos;
        if (!quote) {
            s += " " + a;
            continue;
        }
        std::string q = "'";
        for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
        s += " " + q + "'";
    }
    return s;
}

}  // namespace lithosim
