"""examples/sweep_setting.py runs (two coarse levels, no plot) and finds the command line's p+ equal to its own."""
import os
import subprocess
import sys

import lithosim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_example_sweeps_the_setting_and_agrees_with_the_command_line(tmp_path):
    exe = os.environ["LITHOSIM_EXE"]
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "sweep_setting.py"), "--lithosim", exe,
                        "--levels", "2,8", "--dx-mm", "0.5", "--no-plot"],
                       capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(lithosim.__file__))))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "p+ grows with the level: True" in r.stdout
    assert "identical" in r.stdout
