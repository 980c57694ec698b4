"""Every gallery script and notebook, and every explanation page's notebook, runs alone in an empty folder.

The reader's environment is a fresh virtual environment holding only what
the gallery's front page lists (torch, numpy, matplotlib, graphviz and the
torchfig wheel from the built site), with the notebook runner for the .ipynb
files; nothing of this repository is on its path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from sharing import made_once
from site_pages import examples, explanation_pages
from sitebuild import ROOT

pytestmark = [pytest.mark.build, pytest.mark.reader]

READER_PACKAGES = ("torch", "numpy", "matplotlib", "graphviz", "transformers")  # what the scripts' Needs lines list
NOTEBOOK_RUNNER = ("nbclient", "nbformat", "ipykernel")


def pinned(names) -> list[str]:
    """The pins requirements.txt gives these packages: one source of versions."""
    pins = dict(re.findall(r"^([\w-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), flags=re.MULTILINE))
    return [f"{name}=={pins[name]}" for name in names]


def clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


@pytest.fixture(scope="session")
def reader_python(built_site, tmp_path_factory, worker_id) -> Path:
    """A reader's environment: only what the scripts' Needs lines name, and the site's wheel; one for the run."""
    home = made_once(tmp_path_factory, worker_id, "reader", lambda home: reader_environment(home, built_site))
    return home / "venv" / "bin" / "python"


def reader_environment(home: Path, built_site: Path) -> None:
    venv.create(home / "venv", with_pip=True)
    python = home / "venv" / "bin" / "python"
    wheel = next((built_site / "_downloads").rglob("torchfig-*.whl"))
    # --no-compile: byte-compiling every module of torch and transformers took half the install time;
    # Python compiles what a script imports when it first imports it
    install = [str(python), "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check"]
    for packages in (pinned(READER_PACKAGES + NOTEBOOK_RUNNER), ["--no-deps", str(wheel)]):
        result = subprocess.run([*install, *packages], env=clean_env(), check=False, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def downloads(built_site: Path, suffix: str) -> list[Path]:
    found = sorted((built_site / "_downloads").rglob(f"plot_*{suffix}"), key=lambda p: p.name)
    assert [p.stem for p in found] == sorted(examples())
    return found


def alone(file: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "reader-folder"
    folder.mkdir(parents=True)
    return Path(shutil.copy(file, folder))


def test_the_gallery_offers_each_example_as_a_script_and_a_notebook(built_site):
    assert [p.stem for p in downloads(built_site, ".py")] == [p.stem for p in downloads(built_site, ".ipynb")]


# One test per file, so the test workers share them out.
@pytest.mark.parametrize("example", examples())
def test_each_script_runs_as_downloaded(built_site, reader_python, tmp_path, example):
    script = next(p for p in downloads(built_site, ".py") if p.stem == example)
    copy = alone(script, tmp_path)
    result = run_as_reader(reader_python, copy, [copy.name])
    assert result.returncode == 0, f"{script.name}:\n{result.stderr[-1500:]}"
    assert not (copy.parent / "torchfig").exists()


RUN_NOTEBOOK = """
import sys, nbformat, nbclient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": "."}}).execute()
"""


def run_notebook(reader_python, notebook: Path) -> subprocess.CompletedProcess:
    """Run a downloaded notebook where it lies, with only the reader's packages."""
    return run_as_reader(reader_python, notebook, ["-c", RUN_NOTEBOOK, notebook.name])


def run_as_reader(reader_python, download: Path, args: list[str]) -> subprocess.CompletedProcess:
    """The reader's python, in the folder holding only the download, with none of this repository's paths."""
    return subprocess.run(
        [str(reader_python), *args],
        cwd=download.parent,
        env=clean_env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.parametrize("example", examples())
def test_each_notebook_runs_as_downloaded(built_site, reader_python, tmp_path, example):
    notebook = next(p for p in downloads(built_site, ".ipynb") if p.stem == example)
    result = run_notebook(reader_python, alone(notebook, tmp_path))
    assert result.returncode == 0, f"{notebook.name}:\n{result.stderr[-1500:]}"


@pytest.mark.parametrize("page", explanation_pages())
def test_each_page_notebook_runs_as_downloaded(built_site, reader_python, tmp_path, page):
    """Each explanation page offers its notebook, and the notebook runs with only the reader's packages."""
    html = (built_site / f"{page}.html").read_text(encoding="utf-8")
    assert f'href="_notebooks/{page}.ipynb"' in html, f"{page} offers no notebook"
    copy = alone(built_site / "_notebooks" / f"{page}.ipynb", tmp_path)
    cells = json.loads(copy.read_text(encoding="utf-8"))["cells"]
    prose = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "{api}" not in prose and "{term}" not in prose and ":::" not in prose and "{.checked" not in prose, page
    result = run_notebook(reader_python, copy)
    assert result.returncode == 0, f"{page}.ipynb:\n{result.stderr[-1500:]}"


def test_every_script_says_what_it_needs(built_site):
    for script in downloads(built_site, ".py"):
        header = script.read_text().split('"""')[1]
        assert "Needs" in header and "torch" in header and "torchfig" in header, script.name
