// `lithosim bench [--n N] [--steps S] [--repeats R] [--stream-MiB M] [--threads T] [--json FILE]`: throughput of
// the linear and the nonlinear absorbing 3D kernels on an N^3 grid, bytes per cell, and the fraction of this
// machine's memory bandwidth (STREAM-like triad measured in the same run) the kernels reach. A benchmark, not a
// test: it reports and always exits 0 when it ran.
//
// --json FILE layout: {"version", "git_commit", "threads", "cells", "stream_triad_GBps", "bandwidth_bound_GBps",
//   "kernels": [{"name", "cell_updates_per_s", "kernel_updates_per_s", "field_bytes_per_cell", "bytes_per_cell",
//                "traffic_bytes_per_cell", "kernel_bandwidth_GBps", "bandwidth_fraction", "phase_fraction": {...}}]}
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "core/text.hpp"
#include "io/json_file.hpp"
#include "lithosim/build_info.hpp"
#include "solver/benchmark.hpp"
#include "io/schema.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lithosim::app {

namespace {

po::options_description bench_options(const BenchOptions& d) {
    po::options_description o("Options of lithosim bench", help_width(), help_width() / 2);
    o.add_options()
        ("n", po::value<std::string>()->value_name("N"),
         ("cells per axis of the whole grid, PML included (N^3 cells), an integer in [48, 1024]. Default: " +
          std::to_string(d.n) + ".").c_str())
        ("steps", po::value<std::string>()->value_name("S"),
         ("time steps per timed run, an integer in [1, 10000]. Default: " + std::to_string(d.steps) + ".").c_str())
        ("repeats", po::value<std::string>()->value_name("R"),
         ("timed runs per kernel (and STREAM repeats); the best counts. An integer in [1, 100]. Default: " +
          std::to_string(d.repeats) + ".").c_str())
        ("stream-MiB", po::value<std::string>()->value_name("M"),
         ("size of each STREAM triad array, MiB, a number in [1, 65536]. Default: " + format_number(d.stream_MiB) +
          ".").c_str())
        ("threads", po::value<std::string>()->value_name("T"),
         "OpenMP threads, an integer in [1, 4096]. Default: OMP_NUM_THREADS, else all cores.")
        ("json", po::value<std::string>()->value_name("FILE"),
         "also write the figures to FILE as JSON (its directory must exist). Default: none.")
        ("help,h", "print this help.");
    return o;
}

nlohmann::json bench_json(const BenchResult& r) {
    nlohmann::json j;
    j[io::schema::key] = io::schema::bench_json;
    j["version"] = build::version;
    j["git_commit"] = build::git_commit;
    j["threads"] = r.threads;
    j["cells"] = r.cells;
    j["stream_triad_GBps"] = r.stream_triad_GBps;
    j["bandwidth_bound_GBps"] = r.bandwidth_bound_GBps;
    j["kernels"] = nlohmann::json::array();
    for (const auto& k : r.kernels) {
        nlohmann::json phases = nlohmann::json::object();
        for (const auto& [name, share] : k.phase_fraction) phases[name] = share;
        j["kernels"].push_back({{"name", k.name},
                                {"cell_updates_per_s", k.cell_updates_per_s},
                                {"kernel_updates_per_s", k.kernel_updates_per_s},
                                {"field_bytes_per_cell", k.field_bytes_per_cell},
                                {"bytes_per_cell", k.bytes_per_cell},
                                {"traffic_bytes_per_cell", k.traffic_bytes_per_cell},
                                {"kernel_bandwidth_GBps", k.kernel_bandwidth_GBps},
                                {"bandwidth_fraction", k.bandwidth_fraction},
                                {"phase_fraction", phases}});
    }
    return j;
}

}  // namespace

int cmd_bench(const Args& args) {
    const BenchOptions defaults;
    const po::options_description options = bench_options(defaults);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim bench [--n N] [--steps S] [--repeats R] [--stream-MiB M] [--threads T] "
                     "[--json FILE]\nMeasures the linear and the nonlinear absorbing 3D kernels: cell updates per "
                     "second, bytes per cell and the fraction of the memory bandwidth (STREAM triad) reached.\n\n"
                  << options;
        return kExitOk;
    }
    BenchOptions opt = defaults;
    auto given = [&vm](const char* name) { return vm.count(name) ? vm[name].as<std::string>() : std::string(); };
    if (vm.count("n")) opt.n = int(numeric_option("n", given("n"), true, 48, 1024));
    if (vm.count("steps")) opt.steps = int(numeric_option("steps", given("steps"), true, 1, 10000));
    if (vm.count("repeats")) opt.repeats = int(numeric_option("repeats", given("repeats"), true, 1, 100));
    if (vm.count("stream-MiB")) opt.stream_MiB = numeric_option("stream-MiB", given("stream-MiB"), false, 1, 65536);
    if (vm.count("threads")) apply_threads((long long)numeric_option("threads", given("threads"), true, 1, 4096));
    fs::path json_path;
    if (vm.count("json")) {
        json_path = given("json");
        const fs::path dir = fs::absolute(json_path).parent_path();
        if (!fs::is_directory(dir))
            throw InputError("--json '" + json_path.string() + "': the directory " + dir.string() +
                             " does not exist; accepted: a file path in an existing directory");
    }

    std::printf("lithosim bench: %d^3 cells, %d steps, best of %d runs\n", opt.n, opt.steps, opt.repeats);
    std::fflush(stdout);
    const BenchResult r = run_stage("simulate", [&] { return run_benchmark(opt); });
    std::printf("threads %d, %lld cells, STREAM triad %.2f GB/s (12 B/element); with the write-allocate read "
                "of its store %.2f GB/s = the bandwidth bound\n\n",
                r.threads, r.cells, r.stream_triad_GBps, r.bandwidth_bound_GBps);
    std::printf("%-20s %16s %16s %13s %11s %15s %12s %10s\n", "kernel", "cell updates/s", "kernel upd./s",
                "field B/cell", "all B/cell", "traffic B/cell", "kernel GB/s", "of bound");
    for (const auto& k : r.kernels)
        std::printf("%-20s %16.4g %16.4g %13.1f %11.1f %15.1f %12.2f %9.1f %%\n", k.name.c_str(), k.cell_updates_per_s,
                    k.kernel_updates_per_s, k.field_bytes_per_cell, k.bytes_per_cell, k.traffic_bytes_per_cell,
                    k.kernel_bandwidth_GBps, 100 * k.bandwidth_fraction);
    for (const auto& k : r.kernels) {
        std::printf("\n%s: share of the step by phase:", k.name.c_str());
        for (const auto& [name, share] : k.phase_fraction) std::printf("  %s %.1f %%", name.c_str(), 100 * share);
    }
    std::printf("\n");
    if (!json_path.empty()) run_stage("write results", [&] { io::write_json_atomic(json_path, bench_json(r)); });
    return kExitOk;
}

}  // namespace lithosim::app
