#!/usr/bin/env python3
"""The layering of lithosim's library (README "Layout"): each folder may include its own headers and those of the
folders below it, never one above. Boost.Program_options is used only in cases/ and app/, MPI only in the solver's
communicator (solver/mpi_communicator.cpp) and app/.

    scripts/check_layers.py [--graph]      exit 1 and one line per violation; --graph prints who includes whom
"""
import re
import sys
from pathlib import Path

# Lowest first. A folder may include any folder listed before it.
LAYERS = ["core", "solver", "models", "planning", "io", "viz", "cases", "dosimetry", "patient", "report", "planner",
          "sweeps", "validation", "python", "app"]
GENERATED = {"lithosim"}   # build/generated/lithosim/build_info.hpp: provenance, allowed everywhere but solver/
PROGRAM_OPTIONS = {"cases", "app"}
MPI_FILES = {"solver/mpi_communicator.cpp"}
MPI_FOLDERS = {"app"}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    rank = {name: i for i, name in enumerate(LAYERS)}
    graph: dict[str, dict[str, int]] = {}
    problems = []
    for layer in LAYERS:
        folder = root / layer
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in {".hpp", ".cpp", ".in"}:
                continue
            rel = path.relative_to(root).as_posix()
            for target in INCLUDE.findall(path.read_text(errors="replace")):
                top = target.split("/", 1)[0] if "/" in target else None
                if target.startswith("boost/program_options") and layer not in PROGRAM_OPTIONS:
                    problems.append(f"{rel}: includes <{target}>; Boost.Program_options belongs to cases/ and app/")
                if target == "mpi.h" and rel not in MPI_FILES and layer not in MPI_FOLDERS:
                    problems.append(f"{rel}: includes <mpi.h>; MPI belongs to solver/mpi_communicator.cpp and app/")
                if top is None:
                    continue
                if top in GENERATED:
                    if layer == "solver":
                        problems.append(f"{rel}: includes {target}; the solver knows no build provenance")
                    continue
                if top not in rank or top == layer:
                    continue
                graph.setdefault(layer, {}).setdefault(top, 0)
                graph[layer][top] += 1
                if rank[top] > rank[layer]:
                    problems.append(f"{rel}: includes {target}, a layer above {layer}/ (order: {' < '.join(LAYERS)})")
    if "--graph" in sys.argv:
        for layer in LAYERS:
            if layer in graph:
                below = ", ".join(f"{t} ({n})" for t, n in sorted(graph[layer].items(), key=lambda kv: rank[kv[0]]))
                print(f"{layer:11s} includes {below}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
