"""What the site is built with, and the environment that makes every build the same.

- A torch outside the supported releases stops the build with one line.
- The execution cache and the gallery's outputs are tied to the torch and
  NumPy versions, so a version change re-executes everything.
- Page kernels and gallery scripts start from the same seeds, with one
  OpenMP thread (forked parallel builds hang on OpenMP otherwise).
- Every page says which versions produced its outputs.
- Long-lived objects are frozen out of the garbage collector's reach, so the
  full collections run before every example and page stay short.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import shutil
import tomllib
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.errors import ConfigError

from execution_errors import one_line_on_failure

SEED = 0
HERE = Path(__file__).parent


def supported_releases() -> list[str]:
    """The torch releases listed in pyproject.toml, the one the site is built with first."""
    return tomllib.loads((HERE.parent.parent / "pyproject.toml").read_text())["tool"]["site"]["torch-releases"]


def supported_torch() -> tuple[str, ...]:
    """Release series (such as "2.13") of the releases listed in pyproject.toml."""
    return tuple(".".join(r.split(".")[:2]) for r in supported_releases())


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


def freeze_heap(*_args) -> None:
    """Collect the garbage there is now, and exempt every object still alive from later collections.

    sphinx-gallery runs a full collection before each example, and IPython's
    ``%reset`` one before each page. With Sphinx and torch loaded, each took
    0.1 to 0.2 s, spent on objects that live as long as the process. Frozen
    objects are still freed when nothing refers to them; only the cycle
    collector skips them. Objects an example or a page creates afterwards are
    collected as usual.
    """
    gc.collect()
    gc.freeze()


def prepare_kernel_environment(app, config) -> None:
    """Environment that page kernels inherit: seeds set before the first cell, one thread."""
    root = Path(app.confdir)
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["PYTHONHASHSEED"] = str(SEED)
    profile = root / "_build" / ".ipython"
    startup = profile / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-reset-seeds.py").write_text(
        f"import sys\nsys.path.insert(0, {str(HERE)!r})\nfrom buildenv import freeze_heap, reset_seeds\n"
        "reset_seeds()\nfreeze_heap()\n"
    )
    (profile / "profile_default" / "ipython_config.py").write_text("c.HistoryManager.enabled = False\n")
    os.environ["IPYTHONDIR"] = str(profile)


def check_torch(app, config) -> None:
    installed = versions()["torch"]
    if installed == "not installed":
        raise ConfigError("torch is not installed: the pages execute torch code (pip install -r requirements.txt)")
    series = ".".join(installed.split(".")[:2])
    supported = supported_torch()
    if series not in supported:
        raise ConfigError(
            f"torch {installed} is not supported: this site is built against torch "
            f"{', '.join(supported[:-1])} and {supported[-1]} (install requirements.txt)"
        )


GALLERY_DONE = ".complete.json"  # md5 files of the examples a finished gallery run wrote


def reset_stale_gallery(app) -> None:
    """Make sphinx-gallery re-run what it must, before it runs.

    - A torch or NumPy change drops all generated pages: sphinx-gallery re-runs
      an example only when its file changes.
    - sphinx-gallery writes an example's md5 before the rest of its outputs, so
      a build killed in between would leave an example that looks done but is
      not. Only md5 files recorded by a finished gallery run are kept.
    """
    gallery = Path(app.srcdir) / app.config.sphinx_gallery_conf["gallery_dirs"]
    stamp = gallery / ".versions"
    if gallery.exists() and (not stamp.exists() or stamp.read_text() != version_key()):
        shutil.rmtree(gallery)
    gallery.mkdir(parents=True, exist_ok=True)
    stamp.write_text(version_key())
    done_file = gallery / GALLERY_DONE
    done = json.loads(done_file.read_text()) if done_file.exists() else {}
    for md5 in gallery.glob("*.md5"):
        if done.get(md5.name) != md5.read_text():
            md5.unlink()
    done_file.unlink(missing_ok=True)


def record_finished_gallery(app, env, docnames) -> None:
    """Reading starts after sphinx-gallery finished: every example's outputs are complete."""
    gallery = Path(app.srcdir) / app.config.sphinx_gallery_conf["gallery_dirs"]
    done = {md5.name: md5.read_text() for md5 in sorted(gallery.glob("*.md5"))}
    (gallery / GALLERY_DONE).write_text(json.dumps(done, indent=1))


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
    app.connect("builder-inited", one_line_on_failure(reset_stale_gallery), priority=100)  # before the gallery runs
    app.connect("env-before-read-docs", record_finished_gallery)
    app.connect("doctree-read", add_version_note)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
