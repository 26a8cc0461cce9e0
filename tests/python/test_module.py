"""The lithosim Python module against the command line (ctest runs this through pytest with PYTHONPATH set to the
build's python/ folder and LITHOSIM_EXE the command line of the same build). Small 1D, 2D and axisymmetric cases:
the whole file runs in well under a minute on two cores."""
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import _thread

import numpy as np
import pytest

import lithosim

EXE = os.environ.get("LITHOSIM_EXE", "")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# A 1D linear tone burst through 20 mm of water (tests/app/test_cli.cpp's kCase1D): a fraction of a second.
CASE_1D = {
    "grid": {"dims": 1, "dx_mm": 0.05, "size_mm": 20},
    "time": {"t_end_us": 12},
    "source": {"type": "plane", "position_mm": [0, 0, 1], "waveform": "toneburst", "f0_MHz": 1, "cycles": 3,
               "p0_MPa": 1},
    "sensor": {"points_mm": "0,0,10"},
    "solver": {"nonlinear": False},
}


def ini_of(case):
    """A case dict as case-file text, written by hand here (numbers as Python prints them, lists comma-joined,
    booleans lower case), so that the module's own conversion of a dict is compared with the file parser's."""
    lines = []
    for section, keys in case.items():
        lines.append(f"[{section}]")
        for key, value in keys.items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                text = ",".join(str(v) for v in value)
            else:
                text = str(value)
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


CASE_1D_INI = ini_of(CASE_1D)

# An axisymmetric focused bowl (aperture 20 mm, focal length 20 mm) at 1 MHz: the IEC 61846 map parameters (discs
# in the focal plane) need an axisymmetric or 3D run.
CASE_AXI = {
    "grid": {"dims": "axisymmetric", "dx_mm": 0.2, "size_mm": [14, 28]},
    "time": {"t_end_us": 22},
    "source": {"type": "bowl", "aperture_mm": 20, "focal_length_mm": 20, "position_mm": [0, 0, 1],
               "waveform": "gaussian", "f0_MHz": 1, "cycles": 2, "p0_MPa": 0.5},
    "solver": {"nonlinear": False},
}

IEC_KEYS = ["p_plus_MPa", "p_minus_MPa", "focus_mm", "efd_focus_mJ_per_mm2", "focal_zone_6dB_mm", "rise_time_ns",
            "pulse_duration_ns", "focal_zone_5MPa_mm", "efd_plus_focus_mJ_per_mm2", "E5mm_mJ", "E12mm_mJ",
            "energy_total_mJ", "E28mm_disc_mJ", "focal_plane_z_mm"]


def cli(*args, cwd=None):
    assert EXE and os.path.exists(EXE), "LITHOSIM_EXE must name the lithosim executable of this build"
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def run_1d():
    return lithosim.simulate(CASE_1D, threads=1)


def test_the_module_is_the_build_of_this_tree():
    assert lithosim.__version__
    assert os.path.dirname(lithosim.__file__).endswith(os.path.join("python", "lithosim"))


def test_devices_lists_the_six_presets_of_the_command_line():
    names = [d["name"] for d in lithosim.devices()]
    assert len(names) == 6
    out = cli("devices").stdout
    for n in names:
        assert n in out
    hm3 = next(d for d in lithosim.devices() if d["name"] == "hm3")
    assert hm3["setting_key"] == "voltage_kV"
    assert hm3["parameters"]["voltage_kV"]["min"] < hm3["parameters"]["voltage_kV"]["max"]


def test_a_bad_key_raises_value_error_with_the_command_lines_message(tmp_path):
    bad = CASE_1D_INI.replace("dx_mm = 0.05", "dxx_mm = 0.05")
    (tmp_path / "bad.ini").write_text(bad)
    r = cli("simulate", "--config", "bad.ini", "--out", "o", "--quiet", cwd=tmp_path)
    assert r.returncode == 2
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(ValueError) as e:
            lithosim.simulate("bad.ini")
    finally:
        os.chdir(cwd)
    message = str(e.value)
    assert message.startswith("bad.ini: unknown key 'dxx_mm'")
    assert message in r.stderr  # the same one line the command line prints
    # A dict gives the same message, naming the dict instead of the file.
    case = {k: dict(v) for k, v in CASE_1D.items()}
    case["grid"]["dxx_mm"] = case["grid"].pop("dx_mm")
    with pytest.raises(ValueError) as e2:
        lithosim.simulate(case)
    assert str(e2.value) == message.replace("bad.ini:", "the case dict:", 1)


def test_bad_values_raise_value_error_through_the_key_table():
    case = {k: dict(v) for k, v in CASE_1D.items()}
    case["grid"]["dx_mm"] = -1
    with pytest.raises(ValueError, match="dx_mm"):
        lithosim.simulate(case)
    case = {k: dict(v) for k, v in CASE_1D.items()}
    case["solver"]["nonlinear"] = "maybe"
    with pytest.raises(ValueError, match="nonlinear"):
        lithosim.simulate(case)
    with pytest.raises(ValueError, match="unknown section"):
        lithosim.simulate({"gird": {"dx_mm": 1}})
    with pytest.raises(ValueError, match="threads"):
        lithosim.simulate(CASE_1D, threads=0)


def test_a_dict_case_equals_the_same_case_run_by_the_command_line(tmp_path, run_1d):
    (tmp_path / "case.ini").write_text(CASE_1D_INI)
    r = cli("simulate", "--config", str(tmp_path / "case.ini"), "--out", str(tmp_path / "out"), "--quiet",
            "--no-pictures", "--threads", "1")
    assert r.returncode == 0, r.stderr
    from_cli = lithosim.read_result(tmp_path / "out")
    for name in ("p_max", "p_min", "efd"):
        assert np.array_equal(run_1d.maps[name], from_cli.maps[name]), name
    assert np.array_equal(run_1d.sensors["p"], from_cli.sensors["p"])
    assert np.array_equal(run_1d.sensors["t"], from_cli.sensors["t"])
    # read_result's summary is the CLI's summary.json: the same dosimetry as the module's
    for key in ("p_plus_MPa", "p_minus_MPa", "focus_mm", "efd_focus_mJ_per_mm2", "rise_time_ns"):
        assert from_cli.summary[key] == run_1d.summary[key], key
    assert from_cli.summary["steps"] == run_1d.summary["steps"]


def test_maps_and_series_are_numpy_views_without_a_copy(run_1d):
    for name in ("p_max", "p_min", "efd"):
        a = run_1d.maps[name]
        assert isinstance(a, np.ndarray) and a.dtype == np.float32
        assert not a.flags.owndata  # a view of the run's own vector ...
        assert type(a.base).__name__ == "PyCapsule"  # ... which the capsule owns
    nz = round(20 / 0.05) + 1
    assert run_1d.maps["p_max"].shape == (nz, 1, 1)
    assert type(run_1d.sensors["t"].base).__name__ == "PyCapsule"
    assert run_1d.sensors["p"].shape == (1, run_1d.sensors["t"].size)


def test_simulate_gives_the_focal_waveform_and_the_iec_parameters():
    r = lithosim.simulate(CASE_AXI)
    for key in IEC_KEYS:
        assert key in r.summary, key
    for key in ("p_plus_MPa", "E5mm_mJ", "E12mm_mJ", "focal_zone_6dB_mm", "pulse_duration_ns",
                "efd_plus_focus_mJ_per_mm2"):
        assert r.summary[key] is not None, key
    assert abs(r.summary["focus_mm"][2] - 21) < 3  # near the geometric focus, z = 21 mm
    fs = r.focal_series
    assert fs is not None and fs["p"].shape == (1, fs["t"].size)
    assert abs(float(fs["p"].max()) * 1e-6 - r.summary["p_plus_MPa"]) < 0.1 * r.summary["p_plus_MPa"]


def test_progress_is_called_with_increasing_steps_up_to_the_total():
    calls = []
    lithosim.simulate(CASE_1D, progress=lambda step, total: calls.append((step, total)))
    assert len(calls) >= 10
    steps = [s for s, _ in calls]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert calls[-1][0] == calls[-1][1]


def test_an_exception_in_the_progress_callback_stops_the_run():
    def stop(step, total):
        if step > total // 4:
            raise ZeroDivisionError("stop here")
    with pytest.raises(ZeroDivisionError, match="stop here"):
        lithosim.simulate(CASE_1D, progress=stop)


def case_2d(t_end_us):
    """A 2D plane wave over 20 x 20 mm at 0.05 mm (160 000 cells): about a millisecond per step."""
    return {"grid": {"dims": 2, "dx_mm": 0.05, "size_mm": [20, 20]}, "time": {"t_end_us": t_end_us},
            "source": {"type": "plane", "position_mm": [0, 0, 1], "waveform": "toneburst", "f0_MHz": 1,
                       "cycles": 3, "p0_MPa": 1},
            "solver": {"nonlinear": False}}


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    timer = threading.Timer(0.5, _thread.interrupt_main)  # SIGINT's flag, as Ctrl-C sets it
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        lithosim.simulate(case_2d(1000), threads=1)  # some 30 000 steps: far longer than the test waits
    assert time.monotonic() - t0 < 5


def test_the_gil_is_released_during_a_run():
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)
    th = threading.Thread(target=count)
    th.start()
    t0 = time.monotonic()
    lithosim.simulate(case_2d(20), threads=1)
    elapsed = time.monotonic() - t0
    stop.set()
    th.join()
    assert elapsed > 0.2
    assert len(ticks) > 0.2 * elapsed / 0.001  # the other thread ran during the run, not only in its progress calls


def test_read_result_of_a_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        lithosim.read_result(tmp_path / "nothing.h5")


def test_sweep_runs_a_sweep_file_and_p_plus_scales_with_p0(tmp_path):
    (tmp_path / "base.ini").write_text(CASE_1D_INI.replace("t_end_us = 12", "t_end_us = 10"))
    (tmp_path / "sweep.ini").write_text("[sweep]\nbase = base.ini\nmode = grid\nsource.p0_MPa = 1:3:3\n")
    seen = []
    s = lithosim.sweep(tmp_path / "sweep.ini", progress=lambda i, n: seen.append((i, n)))
    c = s["columns"]
    assert c["status"] == ["ok"] * 3
    assert c["source.p0_MPa"] == [1, 2, 3]
    p = c["p_plus_MPa"]
    assert p[1] == pytest.approx(2 * p[0], rel=1e-4) and p[2] == pytest.approx(3 * p[0], rel=1e-4)
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_plan_sweep_gives_the_command_lines_table(tmp_path):
    # The intravascular plan over the femoral phantom's plaque arc: seconds per case, no field simulated.
    (tmp_path / "sweep.ini").write_text(
        "[sweep]\ncommand = plan\nmode = grid\nplan.plaque-arc-deg = 90,300\n"
        "[plan]\nindication = vascular\nphantom = femoral\ndevice = ivl_emitter\nsamples = 40\n")
    s = lithosim.sweep(tmp_path / "sweep.ini")
    c = s["columns"]
    assert c["status"] == ["ok", "ok"], c["error"]
    assert c["plan.plaque-arc-deg"] == [90, 300]
    r = cli("sweep", "--config", str(tmp_path / "sweep.ini"), "--out", str(tmp_path / "cli"), "--quiet")
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "cli" / "sweep.csv") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert [float(row["predicted_success_probability"]) for row in rows] == \
        pytest.approx(c["predicted_success_probability"], abs=1e-9)
    assert c["predicted_success_probability"][0] != c["predicted_success_probability"][1]
    assert s["identity"] in open(tmp_path / "cli" / "sweep.json").read()
    leftovers = [d for d in os.listdir(tempfile.gettempdir()) if d.startswith("lithosim-sweep-" + s["identity"])]
    assert leftovers == []


def test_dosimetry_checks_its_input_like_the_command_line():
    with pytest.raises(ValueError, match="setting"):
        lithosim.dosimetry(device="hm3", target_depth_mm=50)
    with pytest.raises(ValueError, match="target depth -1 mm is out of range"):
        lithosim.dosimetry(device="hm3", setting=18, target_depth_mm=-1)
    with pytest.raises(ValueError, match="cell size 5 mm is out of range"):
        lithosim.dosimetry(device="hm3", setting=18, target_depth_mm=50, dx_mm=5)
    r = cli("dosimetry", "--device", "hm3", "--setting", "18", "--target-depth-mm", "-1")
    assert r.returncode == 2 and "--target-depth-mm: target depth -1 mm is out of range" in r.stderr
    r = cli("dosimetry", "--device", "nosuch", "--setting", "18", "--target-depth-mm", "50")
    assert r.returncode == 2
    with pytest.raises(ValueError) as e:
        lithosim.dosimetry(device="nosuch", setting=18, target_depth_mm=50)
    assert str(e.value) in r.stderr


def test_model_of_a_phantom_gives_arrays_in_the_beam_frame_with_the_patient_transform():
    m = lithosim.model(phantom="shoulder", dx_mm=1.0)
    g = m["grid"]
    for name in ("hu", "labels", "target", "rho", "c"):
        assert g[name].shape == g["shape"], name
    assert g["target"].sum() > 0
    assert m["label_names"][int(np.bincount(g["labels"].ravel()).argmax())]
    axes = np.array(m["frame_to_patient"]["axes"])
    assert np.allclose(axes @ axes.T, np.eye(3), atol=1e-9)
    # the target in the frame maps to the target in the patient through the transform
    x = np.array(m["target_m"])
    p = np.array(m["frame_to_patient"]["origin_patient_mm"]) + 1e3 * x @ axes
    assert np.allclose(p, m["target_patient_mm"], atol=1e-6)
    assert "target_volume_mm3" in m["summary"]


def test_plan_checks_its_input():
    with pytest.raises(ValueError, match="indication"):
        lithosim.plan("nosuch", phantom="shoulder")
    with pytest.raises(ValueError, match="efd"):
        lithosim.plan("tendon", phantom="shoulder", efd_mJ_per_mm2=100)


def test_plan_equals_the_command_lines_plan(tmp_path):
    # The intravascular emitter on the femoral phantom: no field is simulated, so a plan takes seconds.
    args = ["plan", "--indication", "vascular", "--phantom", "femoral", "--device", "ivl_emitter", "--samples", "50",
            "--no-pictures", "--quiet", "--out", str(tmp_path / "cli")]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "cli" / "plan.json") as f:
        expected = json.load(f)
    d = lithosim.plan("vascular", phantom="femoral", device="ivl_emitter", samples=50, out=tmp_path / "py")
    p = d["plan"]
    for key in ("verdict", "predicted_success_probability", "success_ci95", "sessions", "outcomes", "safety",
                "device", "indication"):
        assert p[key] == expected[key], key
    assert d["out"] == str(tmp_path / "py")
    assert (tmp_path / "py" / "plan.json").is_file()
    assert d["text"].startswith("plan: vascular")
    with pytest.raises(ValueError, match="samples"):
        lithosim.plan("vascular", phantom="femoral", device="ivl_emitter", samples=-1)


def test_dosimetry_at_depth_equals_the_command_lines_report(tmp_path):
    args = dict(device="eswt_head", setting=5, target_depth_mm=20, dx_mm=0.5)
    r = lithosim.dosimetry(layers={"fat": 5, "muscle": 10}, threads=1, **args)
    c = cli("dosimetry", "--device", "eswt_head", "--setting", "5", "--target-depth-mm", "20", "--dx-mm", "0.5",
            "--layers", "fat:5,muscle:10", "--threads", "1", "--quiet", "--json", str(tmp_path / "d.json"))
    assert c.returncode == 0, c.stderr
    j = json.load(open(tmp_path / "d.json"))
    assert r["device"] == "eswt_head" and r["setting"] == 5
    for key in ("target_efd_mJ_per_mm2", "target_p_plus_MPa", "E12mm_mJ", "case", "medium_layers"):
        assert r[key] == j[key], key


def test_dosimetry_reports_each_runs_progress_and_stops_on_ctrl_c():
    args = dict(device="eswt_head", setting=5, target_depth_mm=20, dx_mm=0.5, layers="fat:5", threads=1)
    calls = []
    r = lithosim.dosimetry(progress=lambda step, total: calls.append((step, total)), **args)
    assert r["setting"] == 5
    ends = [c for c in calls if c[0] == c[1]]
    assert len(ends) >= 2, calls[-5:]  # the layered run and the run in water, each to its end
    assert all(0 < s <= t for s, t in calls)

    def ctrl_c(step, total):
        _thread.interrupt_main()  # SIGINT's flag, as Ctrl-C sets it; the next step's check stops the run

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        lithosim.dosimetry(progress=ctrl_c, **args)
    assert time.monotonic() - t0 < 5

    def broken(step, total):
        raise ArithmeticError("the callback's own error")

    with pytest.raises(ArithmeticError, match="the callback's own error"):
        lithosim.dosimetry(progress=broken, **args)
