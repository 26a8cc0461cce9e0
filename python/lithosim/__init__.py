"""lithosim from Python: the simulator, the dosimetry, the patient model, the planner and sweeps.

The functions call the same library code as the ``lithosim`` command line (the native part, ``lithosim._core``,
is built with pybind11) and take the same values in the same units (unit in every name). Bad input raises
``ValueError`` with the command line's one-line message; any other failure raises ``RuntimeError``.

    import lithosim
    r = lithosim.simulate({"grid": {"dims": 1, "dx_mm": 0.1, "size_mm": 60},
                           "source": {"type": "plane", "p0_MPa": 1, "f0_MHz": 0.5}})
    r.summary["p_plus_MPa"], r.maps["p_max"].shape, r.sensors["p"]

Runs release the GIL (OpenMP threads run as in the command line), report progress to ``progress(step, total)``
and stop on Ctrl-C with KeyboardInterrupt.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any, Callable, Mapping, Optional

from . import _core

__all__ = ["simulate", "read_result", "Result", "devices", "dosimetry", "model", "plan", "sweep", "__version__"]
__version__ = _core.version

ProgressFn = Optional[Callable[[int, int], Any]]


class Result:
    """One run: ``summary`` (the summary.json keys), ``maps`` (NumPy arrays named as in result.h5: p_max, p_min,
    efd; [nz][ny][nx], SI units), ``sensors`` (t [nt] s, p [npoints][nt] Pa, position_m [npoints][3]),
    ``focal_series`` (the waveform at the focus: t, p [1][nt], position_m; None without one), ``axis`` (the beam-axis
    series when the case asks for [sensor] lines = axis), ``grid`` (shape, origin_m, spacing_m of the maps),
    ``case`` (the resolved case text) and ``warnings``."""

    def __init__(self, d: dict):
        self.summary: dict = d["summary"]
        self.maps: dict = d["maps"]
        self.sensors: dict = d["sensors"]
        self.focal_series: Optional[dict] = d["focal_series"]
        self.axis: Optional[dict] = d["axis"]
        self.grid: Optional[dict] = d["grid"]
        self.case: str = d["case"]
        self.warnings: list = d["warnings"]

    def __repr__(self) -> str:
        s = self.summary
        return (f"<lithosim.Result p_plus_MPa={s.get('p_plus_MPa')} focus_mm={s.get('focus_mm')} "
                f"maps={sorted(self.maps)}>")


def _value_text(v: Any) -> str:
    """A Python value as the INI's text: booleans true|false, numbers as Python writes them (round-trip exact),
    sequences comma-separated (a list of points ';'-separated), a dict of layers name:value, strings as given."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (str, os.PathLike)):
        return os.fspath(v)
    if isinstance(v, Mapping):
        return ",".join(f"{k}:{_value_text(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, (list, tuple)) for x in v):
            return ";".join(_value_text(x) for x in v)
        return ",".join(_value_text(x) for x in v)
    if hasattr(v, "tolist"):  # NumPy scalars and arrays
        return _value_text(v.tolist())
    raise ValueError(f"case value {v!r} of type {type(v).__name__}; accepted: a number, a boolean, a string, "
                     "or a list of them")


def _case_entries(case: Mapping) -> list:
    entries = []
    for section, keys in case.items():
        if not isinstance(keys, Mapping):
            raise ValueError(f"the case dict: section [{section}] is {type(keys).__name__}; accepted: a dict of "
                             f"key: value, e.g. {{'grid': {{'dx_mm': 0.4}}}}")
        for key, value in keys.items():
            entries.append((str(section), str(key), _value_text(value)))
    return entries


def simulate(case: Any, threads: Optional[int] = None, progress: ProgressFn = None) -> Result:
    """Run one case as ``lithosim simulate`` does, without writing files.

    ``case``: a dict of sections ``{"grid": {"dims": 3, "dx_mm": 0.4, ...}, "source": {...}}`` with the case file's
    keys, units and checks (values: Python numbers, booleans, lists or the INI's strings; relative paths are relative
    to the current directory), or the path of a case file, or ``"default"`` (the embedded default case).
    ``threads``: OpenMP threads for this run (default: OMP_NUM_THREADS, else all cores).
    ``progress``: called as ``progress(step, total)`` about every percent of the time loop (e.g. tqdm's update).
    """
    if isinstance(case, Mapping):
        d = _core.simulate_case(_case_entries(case), "the case dict", os.getcwd(), threads, progress)
    elif isinstance(case, (str, os.PathLike)):
        path = os.fspath(case)
        d = _core.simulate_case(path, path, os.getcwd(), threads, progress)
    else:
        raise ValueError(f"case of type {type(case).__name__}; accepted: a dict of sections, a case file path or "
                         "'default'")
    return Result(d)


def read_result(path: Any) -> Result:
    """A result written by ``lithosim simulate``: its result.h5 (or its output directory); the summary is the
    summary.json beside it (else the file's dosimetry values)."""
    return Result(_core.read_result(os.fspath(path)))


def devices() -> list:
    """The device presets (``lithosim devices``): a list of dicts with name, kind, description, setting_key,
    calibration and parameters {key: {unit, value, min, max, source}}."""
    return _core.devices()


def dosimetry(device: str, target_depth_mm: float, setting: Optional[float] = None,
              target_efd_mJ_per_mm2: Optional[float] = None, layers: Any = None, dx_mm: Optional[float] = None,
              threads: Optional[int] = None, progress: ProgressFn = None, **device_parameters: float) -> dict:
    """Dose at depth (``lithosim dosimetry --device``): the report of one ``setting`` through ``layers`` (from the
    skin inward: "fat:10,muscle:20" or {"fat": 10, "muscle": 20}, mm) to ``target_depth_mm``, or, with
    ``target_efd_mJ_per_mm2`` instead of the setting, the setting search. Other device parameters as keywords
    (e.g. coupling_distance_mm=...). ``progress(step, total)`` about every percent of each run's time loop (a report
    makes two runs, a search up to ten); Ctrl-C stops it (KeyboardInterrupt). Returns the JSON of ``--json`` as a dict
    (plus "warnings")."""
    layer_text = None if layers is None else _value_text(layers)
    return _core.dosimetry(device, float(target_depth_mm), None if setting is None else float(setting),
                           None if target_efd_mJ_per_mm2 is None else float(target_efd_mJ_per_mm2), layer_text,
                           None if dx_mm is None else float(dx_mm),
                           {k: float(v) for k, v in device_parameters.items()}, threads, progress)


def model(phantom: Optional[str] = None, ct: Any = None, series: str = "", target_point_mm=None,
          source_position_mm=None, dx_mm: Optional[float] = None, mapping: str = "hounsfield",
          threads: Optional[int] = None) -> dict:
    """The patient model (``lithosim model``) of a ``phantom`` or a ``ct`` (DICOM folder, NIfTI, MetaImage, NRRD):
    a dict with "grid" (the beam-frame model: hu, labels, target, rho, c, alpha, alpha_power, BonA as [nz][ny][nx]
    arrays, origin_m, dx_m), "axisymmetric" (the same about the beam axis), "frame_to_patient" (origin_patient_mm and
    axes: patient LPS mm = origin + 1000 * sum_b x_b * axes[b]), target and source positions, "label_names" and
    "summary" (the summary.json keys)."""
    if (phantom is None) == (ct is None):
        raise ValueError("give exactly one of phantom=NAME or ct=PATH")
    return _core.model(phantom, None if ct is None else os.fspath(ct), series,
                       None if target_point_mm is None else tuple(float(x) for x in target_point_mm),
                       None if source_position_mm is None else tuple(float(x) for x in source_position_mm),
                       None if dx_mm is None else float(dx_mm), mapping, threads)


_PLAN_NUMBERS = {"efd_mJ_per_mm2": "efd-mJ-per-mm2", "rate_per_min": "rate-per-min", "dx_mm": "dx-mm",
                 "plaque_arc_deg": "plaque-arc-deg"}
_PLAN_INTEGERS = {"sessions": "sessions", "max_shocks_per_session": "max-shocks-per-session",
                  "stone_count": "stone-count", "seed": "seed", "samples": "samples"}


def plan(indication: str, phantom: Optional[str] = None, model: Any = None, ct: Any = None, out: Any = None,
         device: Optional[str] = None, material: Optional[str] = None, fidelity: str = "fast",
         target_point_mm=None, source_position_mm=None, limits=(), gaertner_type: Optional[str] = None,
         bile_acid: bool = True, gallbladder_impaired: bool = False, pictures: bool = False,
         threads: Optional[int] = None, progress: ProgressFn = None, **numbers) -> dict:
    """The treatment planner (``lithosim plan``) with the options of the command line (``--efd-mJ-per-mm2`` is
    ``efd_mJ_per_mm2=``, ``--limit`` is ``limits=[...]``). Writes its folder to ``out`` (a temporary folder, removed
    afterwards, when None). Returns {"plan": plan.json as a dict, "maps": plan.h5's p_max, p_min, efd,
    "grid", "axisymmetric", "setting", "text", "warnings", "out"}. No safe plan: RuntimeError starting
    "no safe plan". ``progress(step, total)`` about every percent of each dose run; Ctrl-C stops the plan
    (KeyboardInterrupt)."""
    r = _core.PlanRequest()
    if indication not in _core.indications():
        raise ValueError(f"indication '{indication}'; accepted: {', '.join(_core.indications())}")
    r.indication = indication
    r.phantom, r.device, r.material = phantom, device, material
    r.model_path = None if model is None else os.path.abspath(os.fspath(model))
    r.ct_path = None if ct is None else os.path.abspath(os.fspath(ct))
    if fidelity not in ("fast", "full"):
        raise ValueError(f"--fidelity '{fidelity}'; accepted: fast or full")
    r.full = fidelity == "full"
    if target_point_mm is not None:
        r.target_point_mm = tuple(float(x) for x in target_point_mm)
    if source_position_mm is not None:
        r.source_position_mm = tuple(float(x) for x in source_position_mm)
    r.safety_overrides = list(limits)
    if gaertner_type is not None:
        if gaertner_type not in ("I", "II", "III"):
            raise ValueError(f"--gaertner-type '{gaertner_type}'; accepted: I, II or III")
        r.gaertner_type = {"I": 1, "II": 2, "III": 3}[gaertner_type]
    r.bile_acid, r.gallbladder_impaired, r.pictures = bool(bile_acid), bool(gallbladder_impaired), bool(pictures)
    for name, value in numbers.items():
        option = _PLAN_NUMBERS.get(name) or _PLAN_INTEGERS.get(name)
        if option is None:
            raise ValueError(f"plan(): unknown option '{name}'; accepted: "
                             + ", ".join(sorted(list(_PLAN_NUMBERS) + list(_PLAN_INTEGERS))))
        v = _core.plan_number(option, float(value))  # checked against lithosim plan's range for the option
        setattr(r, name, int(v) if name in _PLAN_INTEGERS else v)
    r.command_line = "python: lithosim.plan(" + repr(indication) + ", ...)"
    if out is not None:
        r.out_dir = os.fspath(out)
        d = _core.plan(r, threads, progress)
        d["out"] = r.out_dir
        return d
    with tempfile.TemporaryDirectory(prefix="lithosim-plan-") as tmp:
        r.out_dir = os.path.join(tmp, "plan")
        d = _core.plan(r, threads, progress)
        d["out"] = None
        return d


def sweep(config: Any, threads: Optional[int] = None, progress: ProgressFn = None) -> dict:
    """A sweep file (sweeps/SWEEP.md), command = simulate or plan, its cases run here one after the other (a plan's
    folder is a temporary one, removed after the case). Returns {"columns": {"case": [...], <swept key>: [...],
    <metric>: [...], "status", "error", "run_time_s"}, "parameters", "metrics", "identity"}: the columns of the
    command line's sweep.csv. ``progress(case, cases)`` after each case; Ctrl-C stops the sweep."""
    return _core.sweep(os.fspath(config), threads, progress)
