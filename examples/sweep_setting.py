#!/usr/bin/env python3
"""Notebook-style example of the lithosim Python module: sweep a device's energy setting, plot p+ against it, and
check one setting against the command line.

What it shows
  * a case as a Python dict (the case file's sections, keys and units), run in-process with lithosim.simulate;
  * the summary (summary.json's keys) and the maps as NumPy arrays;
  * progress through a callback;
  * the same case run by `lithosim simulate` (subprocess) giving the same p+.

How to run it (from the source tree, after `cmake --build build`):
    PYTHONPATH=build/python python3 examples/sweep_setting.py --lithosim build/lithosim
  (or set LITHOSIM_EXE instead of --lithosim). --no-plot skips the figure; without matplotlib it is skipped with a
  message. The default run (the ESWT head at five levels on an axisymmetric 0.1 mm grid, then the command line once)
  takes about 20 s on two cores (3 s a run; longer while other jobs share the cores).

What to expect
  p+ at the focus grows with the level (the head's source pressure is geometric in the level, models/DEVICES.md),
  and the command line's p+ equals the module's to the last digit (same code, same case). The grid is twice as
  coarse as the head's calibration grid, so p+ is somewhat low (a warning says so): --dx-mm 0.05 gives the
  calibrated value (about 45 MPa at level 10; eight times the cells x steps, so some 25 s a level).

What to try next
  --device piezo... with its own setting range (lithosim.devices() lists them), or a tissue path: add a "medium"
  section with layers = "water:10,fat:15,muscle:30".
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import lithosim


def eswt_case(level, dx_mm):
    """The ESWT head (aperture 50 mm, focal length 60 mm) with its apex at z = 2 mm: geometric focus z = 62 mm."""
    return {
        "grid": {"dims": "axisymmetric", "dx_mm": dx_mm, "size_mm": [30, 80]},
        "time": {"t_end_us": 56},
        "source": {"type": "device", "device": "eswt_head", "level": level, "position_mm": [0, 0, 2]},
    }


def ini_text(case):
    """A case dict as an INI case file (for the command line)."""
    def text(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (list, tuple)):
            return ",".join(text(x) for x in v)
        return str(v)
    return "".join(f"[{s}]\n" + "".join(f"{k} = {text(v)}\n" for k, v in keys.items()) for s, keys in case.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lithosim", default=os.environ.get("LITHOSIM_EXE"),
                    help="the lithosim executable for the comparison (default: $LITHOSIM_EXE; none: skipped)")
    ap.add_argument("--levels", default="2,4,6,8,10", help="ESWT head levels, comma-separated (1-10)")
    ap.add_argument("--dx-mm", type=float, default=0.1, help="cell size, mm")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--no-plot", action="store_true", help="skip the figure")
    ap.add_argument("--png", default="sweep_setting.png", help="where the figure goes")
    args = ap.parse_args()
    levels = [float(x) for x in args.levels.split(",")]

    # ---- the sweep, in-process ----
    rows = []
    for level in levels:
        t0 = time.monotonic()
        last = [0]

        def progress(step, total):  # a dot every 10 %; tqdm's update(step - last) fits here as well
            if step * 10 // total > last[0]:
                last[0] = step * 10 // total
                print(".", end="", flush=True)
        r = lithosim.simulate(eswt_case(level, args.dx_mm), threads=args.threads, progress=progress)
        s = r.summary
        rows.append((level, s["p_plus_MPa"], s["p_minus_MPa"], s["focus_mm"][2], time.monotonic() - t0))
        print(f" level {level:g}: p+ {s['p_plus_MPa']:.2f} MPa, p- {s['p_minus_MPa']:.2f} MPa, focus z "
              f"{s['focus_mm'][2]:.1f} mm, p_max map {r.maps['p_max'].shape} ({rows[-1][4]:.1f} s)")
    p_plus = np.array([row[1] for row in rows])
    print("p+ grows with the level:", bool(np.all(np.diff(p_plus) > 0)))

    # ---- the figure ----
    if args.no_plot:
        print("plot: skipped (--no-plot)")
    else:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("plot: skipped (matplotlib is not installed: apt-get install python3-matplotlib)")
        else:
            fig, ax = plt.subplots(figsize=(5, 3.5))
            ax.plot(levels, p_plus, "o-")
            ax.set_xlabel("ESWT head level")
            ax.set_ylabel("p+ at the focus (MPa)")
            ax.set_title(f"lithosim, axisymmetric, dx = {args.dx_mm} mm")
            fig.tight_layout()
            fig.savefig(args.png, dpi=120)
            print("plot:", args.png)

    # ---- the same case through the command line ----
    if not args.lithosim:
        print("command line: skipped (give --lithosim or set LITHOSIM_EXE)")
        return 0
    level = levels[-1]
    with tempfile.TemporaryDirectory() as tmp:
        case_file = os.path.join(tmp, "eswt.ini")
        with open(case_file, "w") as f:
            f.write(ini_text(eswt_case(level, args.dx_mm)))
        cmd = [args.lithosim, "simulate", "--config", case_file, "--out", os.path.join(tmp, "out"), "--quiet",
               "--no-pictures"]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        subprocess.run(cmd, check=True)
        cli = lithosim.read_result(os.path.join(tmp, "out"))
    p_cli, p_mod = cli.summary["p_plus_MPa"], rows[-1][1]
    print(f"command line, level {level:g}: p+ {p_cli:.6g} MPa; module {p_mod:.6g} MPa; "
          f"{'identical' if p_cli == p_mod else 'DIFFERENT'}")
    return 0 if p_cli == p_mod else 1


if __name__ == "__main__":
    sys.exit(main())
