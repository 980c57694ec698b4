"""What the test workers of one run (pytest-xdist) make once and share: the built site, a reader's environment."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock


def made_once(tmp_path_factory, worker_id: str, name: str, make: Callable[[Path], None]) -> Path:
    """``shared/name``, made by ``make`` once for every test worker of the run (pytest-xdist): the
    first worker to ask makes it, the others wait for it and share it."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # the workers' temporary folders share this parent
        shared = shared.parent
    made, done = shared / name, shared / f"{name}.done"
    with FileLock(shared / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(made, ignore_errors=True)  # what a worker that failed left
            make(made)
            done.touch()
    return made
