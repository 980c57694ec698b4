"""The torchfig wheel works with the oldest releases its metadata admits.

A fresh virtual environment gets the wheel plus exactly the lower bound of
each declared dependency; pip must accept that combination, and every kind
of figure must be drawn and rendered with it.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
import venv

import pytest

from downloads import build_wheel
from sitebuild import ROOT

pytestmark = pytest.mark.build  # creates a virtual environment and installs torch: minutes, not seconds

DRAW_EVERY_KIND = """
import numpy as np, torch, torchfig
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * 2).sum()
with torchfig.record() as rec:
    a = x.detach().numpy()
    b = torch.from_numpy(a * 3)
figures = [
    torchfig.autograd_graph(y, names={"x": x, "y": y}, values=True),
    torchfig.data_flow(rec, names={"x": x, "a": a, "b": b}),
    torchfig.memory_figure({"x": x, "a": a, "view": a[::-1]}),
    torchfig.decision_chart("chart", {"q": "Question?"}, {"a": "Answer"}, [("q", "a", "yes")]),
]
assert all("<svg" in torchfig.to_svg(f) for f in figures)
assert torchfig.shares_memory(a[::-1], x) and not torchfig.shares_memory(a.copy(), x)
print("numpy", np.__version__, "torch", torch.__version__, "drew", len(figures))
"""


def lower_bounds() -> list[str]:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    # "numpy==1.24" is 1.24.0: pip pads release numbers with zeros
    return ["==".join(re.fullmatch(r"([\w-]+)>=([\d.]+)", dependency).groups()) for dependency in dependencies]


def test_the_wheel_draws_every_figure_with_its_oldest_dependencies(tmp_path):
    wheel = build_wheel(ROOT, tmp_path / "dist")
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-compile",
            "--disable-pip-version-check",
            str(wheel),
            *lower_bounds(),
        ],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    run = subprocess.run(
        [str(python), "-c", DRAW_EVERY_KIND], cwd=tmp_path, env=env, check=False, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    oldest = dict(pin.split("==") for pin in lower_bounds())
    assert f"numpy {oldest['numpy']}" in run.stdout and f"torch {oldest['torch']}" in run.stdout
