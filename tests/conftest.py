"""Shared fixtures: a copy of the site's sources, and one strict build of it per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE_SOURCES = ("conf.py", "pyproject.toml", "docs", "gallery", "torchfig")
GENERATED = ("docs/examples", "docs/_generated", "docs/jupyter_execute")


def copy_site(dest: Path) -> Path:
    """The site's sources, without anything a build generated, in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SITE_SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    for generated in GENERATED:
        shutil.rmtree(dest / generated, ignore_errors=True)
    return dest


def build(site: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """The docs session's strict build, run on ``site``; returns the finished process."""
    out = site / "_build" / "html"
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"} | (extra_env or {})
    command = [sys.executable, "-m", "sphinx", "-c", str(site), str(site / "docs"), str(out),
               "-n", "-W", "--keep-going", "-q", "-E"]
    return subprocess.run(command, cwd=site, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole site, built once from a clean copy; the HTML output folder."""
    site = copy_site(tmp_path_factory.mktemp("site"))
    result = build(site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "_build" / "html"
