"""The figure library as a wheel that readers of downloaded examples can install.

The wheel is written into ``docs/_generated/`` before reading starts, and
pages and the gallery link it with the ``wheel`` role (``:wheel:`torchfig```),
so its versioned file name is written nowhere but here. It is built by the
backend ``pyproject.toml`` declares (``python -m build --wheel``, the same
wheel ``pip install .`` makes), from a copy of the package's files so the
checkout stays clean, with ``SOURCE_DATE_EPOCH`` fixed so the same sources
give the same bytes. The file is written only when those bytes change:
Sphinx reads the gallery's index, which links the wheel, again whenever the
file is newer than the page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

from execution_errors import one_line_on_failure

GENERATED = "_generated"  # under docs/, git-ignored
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE")  # with the package folder, all the backend reads
FIXED_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip can hold


def project_of(root: Path) -> dict:
    """pyproject.toml's [project] table: the package's name, version and metadata."""
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def wheel_name(project: dict) -> str:
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def build_with_backend(source: Path, out_dir: Path) -> Path:
    """``python -m build --wheel`` of ``source`` into ``out_dir``, reproducibly; the wheel's path."""
    env = os.environ | {"SOURCE_DATE_EPOCH": FIXED_EPOCH}
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out_dir), str(source)],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(f"building the torchfig wheel failed: {lines[-1] if lines else 'no output'}")
    return out_dir / wheel_name(project_of(source))


def build_wheel(root: Path, out_dir: Path) -> Path:
    """Write the wheel of the package named in pyproject.toml, unless the same bytes are there already."""
    name = project_of(root)["name"]
    missing = [f for f in (name, *PACKAGE_FILES) if not (root / f).exists()]
    if missing:
        raise RuntimeError(f"the torchfig wheel needs {', '.join(missing)} beside pyproject.toml in {root}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        shutil.copytree(root / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        for file in PACKAGE_FILES:
            shutil.copy2(root / file, source / file)
        built = build_with_backend(source, Path(tmp) / "dist")
        out_dir.mkdir(parents=True, exist_ok=True)
        wheel = out_dir / built.name
        if not wheel.exists() or wheel.read_bytes() != built.read_bytes():
            shutil.copyfile(built, wheel)
    return wheel


def write_downloads(app, config) -> None:
    build_wheel(Path(app.confdir), Path(app.srcdir) / GENERATED)


def wheel_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:wheel:`torchfig```: a download link to the wheel, its file name as the text."""
    env = inliner.document.settings.env
    project = project_of(Path(env.app.confdir))
    if text != project["name"]:
        message = inliner.reporter.error(
            f"{{wheel}} knows the {project['name']!r} wheel only, not {text!r}", line=lineno
        )
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    file_name = wheel_name(project)
    link = addnodes.download_reference(
        rawtext,
        "",
        nodes.literal(file_name, file_name),
        reftarget=f"/{GENERATED}/{file_name}",
        refdoc=env.docname,
        refexplicit=True,
    )
    return [link], []


def setup(app):
    app.connect("config-inited", one_line_on_failure(write_downloads))
    app.add_role("wheel", wheel_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
