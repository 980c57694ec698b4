"""What the site is built with, and the environment that makes every build the same.

- A torch outside the supported releases stops the build with one line.
- The execution cache and the gallery's outputs are tied to the torch and
  NumPy versions, so a version change re-executes everything.
- Page kernels and gallery scripts start from the same seeds, with one
  OpenMP thread (forked parallel builds hang on OpenMP otherwise).
- Every page says which versions produced its outputs.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import tomllib
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.errors import ConfigError

SEED = 0
HERE = Path(__file__).parent


def supported_torch() -> tuple[str, ...]:
    """Release series (such as "2.13") of the releases listed in pyproject.toml."""
    releases = tomllib.loads((HERE.parent.parent / "pyproject.toml").read_text())["tool"]["site"]["torch-releases"]
    return tuple(".".join(r.split(".")[:2]) for r in releases)


def versions() -> dict[str, str]:
    """Versions of the packages whose behaviour the pages describe, without importing them."""
    found = {"python": platform.python_version()}
    for package in ("torch", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def version_key() -> str:
    v = versions()
    return f"torch-{v['torch']}-numpy-{v['numpy']}".replace("+", "_")


def execution_cache_path(root: Path) -> str:
    """One jupyter-cache per torch/NumPy pair: other versions never hit old outputs."""
    return str(root / "_build" / ".jupyter_cache" / version_key())


def reset_seeds(*_args) -> None:
    """Seed every generator a page or an example may use (sphinx-gallery calls it per example)."""
    import numpy
    import torch

    random.seed(SEED)
    numpy.random.seed(SEED)
    torch.manual_seed(SEED)


def prepare_kernel_environment(app, config) -> None:
    """Environment that page kernels inherit: seeds set before the first cell, one thread."""
    root = Path(app.confdir)
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["PYTHONHASHSEED"] = str(SEED)
    profile = root / "_build" / ".ipython"
    startup = profile / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-reset-seeds.py").write_text(
        f"import sys\nsys.path.insert(0, {str(HERE)!r})\nfrom buildenv import reset_seeds\nreset_seeds()\n"
    )
    (profile / "profile_default" / "ipython_config.py").write_text("c.HistoryManager.enabled = False\n")
    os.environ["IPYTHONDIR"] = str(profile)


def check_torch(app, config) -> None:
    installed = versions()["torch"]
    series = ".".join(installed.split(".")[:2])
    supported = supported_torch()
    if series not in supported:
        raise ConfigError(
            f"torch {installed} is not supported: this site is built against torch "
            f"{' and '.join(supported)} (install requirements.txt)"
        )


def reset_stale_gallery(app) -> None:
    """Drop the gallery's generated pages when torch or NumPy changed since they were made.

    sphinx-gallery re-runs an example only when its file changes; this makes
    a version change count as a change.
    """
    gallery = Path(app.srcdir) / app.config.sphinx_gallery_conf["gallery_dirs"]
    stamp = gallery / ".versions"
    if gallery.exists() and (not stamp.exists() or stamp.read_text() != version_key()):
        shutil.rmtree(gallery)
    gallery.mkdir(parents=True, exist_ok=True)
    stamp.write_text(version_key())


def add_version_note(app, doctree) -> None:
    """End every page with the versions its outputs were produced with."""
    v = versions()
    note = nodes.paragraph(
        "",
        f"Outputs on this page were produced at build time with torch {v['torch']}, "
        f"NumPy {v['numpy']} and Python {v['python']}.",
        classes=["build-versions"],
    )
    sections = [n for n in doctree.children if isinstance(n, nodes.section)]
    (sections[-1] if sections else doctree).append(note)


def setup(app):
    app.connect("config-inited", check_torch, priority=100)
    app.connect("config-inited", prepare_kernel_environment)
    app.connect("builder-inited", reset_stale_gallery, priority=100)  # before sphinx-gallery runs
    app.connect("doctree-read", add_version_note)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
