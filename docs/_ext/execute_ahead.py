"""Execute the pages' code ahead of reading, in two warm kernels, while the gallery runs.

myst-nb executes a page while Sphinx reads it, one page after another, each
in a fresh kernel that imports torch again. Most of a cold build was spent
starting kernels. This helper starts, as soon as the build knows its
configuration, every page whose code has no entry in myst-nb's execution
cache: two background threads each start one kernel and run pages in it,
one after another, while sphinx-gallery runs the examples. Each kernel keeps
one client for all its pages. Before each page the kernel is reset to a
fresh page's state: empty namespace, seeds reset, execution count back to
1, working directory the page's folder. Before
reading starts, the results are stored in myst-nb's cache from the main
thread (one writer for its SQLite file), so myst-nb finds every page cached
and only renders it.

A page whose run fails is tried once more in a fresh warm kernel (a kernel
occasionally dies while two start at once); a page that fails again is not
stored: myst-nb runs it in its own kernel while reading and reports the
error as it always does. The worker threads never raise and never print:
sphinx-gallery captures the process's stderr while an example runs, so a
word from a thread would land in that example's page. A build killed
mid-way leaves only complete cache entries (each is one SQLite transaction).

List this extension after ``myst_nb`` and before ``sphinx_gallery``: it
needs myst-nb's configuration and must start before the examples run.

Measured by ``nox -s bench`` against Sphinx's ``-j 2`` with sphinx-gallery's
``parallel``; it stays while it wins the cold build by 20 % or more.

Undocumented ground it stands on, and what a change there would do:
- ``env.mystnb_config``, ``env.myst_config`` and ``myst_nb.core.read.create_nb_reader``
  (how myst-nb turns a page into a notebook): an AttributeError or
  ImportError at the start of the build, reported as one line.
- the record myst-nb keeps for a text page in jupyter-cache
  (``read_data={"type": "plugin", "name": "myst_nb_md"}``) and its lookup by
  code: myst-nb would find no entry and run every page itself; same pages,
  slower build.
- nbclient's ``NotebookClient.kc`` (a client it was handed is used, and
  left open, when the kernel manager was handed in too): if nbclient made
  its own client instead, each page would wait 0.2 s more; same pages.
- Sphinx's ``env.all_docs``, ``env.dependencies`` and ``env.config_status``
  (which pages it reads again): a page wrongly judged unchanged is not run
  ahead, and myst-nb runs it while reading; same pages, slower build.
Pages myst-nb runs itself (one that failed twice here, or pages asking for
different kernels) are joined by myst-nb's stream rule, not ``_joined_streams``.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import logging as stdlib_logging
import threading
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from myst_nb.core.read import create_nb_reader
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from sphinx.environment import CONFIG_OK
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.matching import Matcher

from execution_errors import one_line_on_failure

logger = logging.getLogger(__name__)
WORKERS = 2
QUIET = stdlib_logging.getLogger(f"{__name__}.workers")  # the kernel clients' own log, silenced
QUIET.addHandler(stdlib_logging.NullHandler())
QUIET.propagate = False
# Run first in the warm kernel, as a cell of its own that is dropped afterwards.
RESET_FOR_PAGE = """\
get_ipython().run_line_magic("reset", "-f")
import os, sys
os.chdir({cwd!r})
sys.path.insert(0, {ext!r}) if {ext!r} not in sys.path else None
from buildenv import freeze_heap, reset_seeds
reset_seeds()
freeze_heap()  # what the last page left alive: the next page's %reset stays short
import torch
torch.set_warn_always(False)  # a page that turned it on does not change the next one's warnings
if "torch._dynamo" in sys.modules:  # compiled code of an earlier page is not this page's
    torch.compiler.reset()
del os, sys, freeze_heap, reset_seeds, torch
get_ipython().execution_count = 1  # the next cell, the page's first, runs as In[1]
"""


def _read_again(env, path: Path) -> bool:
    """Whether Sphinx will read this page in this build: new, edited since it was read, or a changed configuration.

    Sphinx's own test (page and dependency times against the time it read the
    page); a page it will not read is not executed either, so there is no need
    to parse it and look it up in the cache.
    """
    docname = env.path2doc(str(path))
    read_at = env.all_docs.get(docname)
    if read_at is None or env.config_status != CONFIG_OK:
        return True
    sources = [path, *(Path(env.srcdir) / dep for dep in env.dependencies.get(docname, ()))]
    return any(-(-source.stat().st_mtime_ns // 1000) > read_at for source in sources if source.exists())


def _stale_pages(app) -> list[tuple[Path, object]]:
    """(path, notebook) of every MyST notebook page Sphinx will read that has no match in the cache."""
    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    excluded = Matcher(app.config.exclude_patterns)
    stale = []
    for path in sorted(Path(app.srcdir).rglob("*.md")):
        if excluded(path.relative_to(app.srcdir).as_posix()) or not _read_again(app.env, path):
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), app.env.myst_config, app.env.mystnb_config, text)
        if reader is None:  # plain Markdown: nothing to execute
            continue
        notebook = reader.read(text)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            stale.append((path, notebook))
    return stale


def _joined_streams(outputs: list) -> list:
    """Each stream (stdout, stderr) as one output at its first position, its pieces joined exactly.

    The kernel flushes a stream on a timer, so where one print is split into
    pieces differs from run to run; myst-nb's own merge strips each piece
    before joining, which turns some splits into extra blank lines.
    """
    merged, first = [], {}
    for output in outputs:
        if output.output_type != "stream":
            merged.append(output)
        elif output.name in first:
            first[output.name].text += output.text
        else:
            first[output.name] = output
            merged.append(output)
    return merged


def _run_page(kernel, path: Path, notebook, timeout: int):
    """The page's notebook executed in the warm kernel, or None if it failed."""
    run = copy.deepcopy(notebook)
    run.cells.insert(0, new_code_cell(RESET_FOR_PAGE.format(cwd=str(path.parent), ext=str(Path(__file__).parent))))
    client = NotebookClient(run, km=kernel.km, timeout=timeout, allow_errors=False, record_timing=False, log=QUIET)
    client.kc = kernel.kc  # the kernel's one client: a new one waits 0.2 s for quiet before its first page
    try:
        client.execute()
    except Exception:  # noqa: BLE001 - any failure: myst-nb reruns the page and reports what is real
        return None
    executed = run.cells[1:]
    count = 0
    for cell in executed:
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count  # as a fresh kernel would number them
            cell.outputs = _joined_streams(cell.outputs)
    notebook.cells = executed
    notebook.metadata["language_info"] = run.metadata["language_info"]
    return notebook


class _Kernel:
    """A kernel and the one client that talks to it for every page it runs."""

    def __init__(self, kernel_name: str):
        # "auto": CurveZMQ keys for a kernel that declares support (ipykernel does), so the
        # kernel neither talks in plain text nor warns on every build that it does.
        self.km = AsyncKernelManager(kernel_name=kernel_name, log=QUIET, transport_encryption="auto")
        self.kc = None

    def start(self, timeout: int) -> None:
        run_sync(self.km.start_kernel)()
        self.kc = self.km.client()  # after the start, which writes the ports and keys it connects with
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=timeout)

    def alive(self) -> bool:
        return run_sync(self.km.is_alive)()

    def shut_down(self) -> None:
        with contextlib.suppress(Exception):
            if self.kc is not None:
                self.kc.stop_channels()
        with contextlib.suppress(Exception):  # the kernel goes even if its client would not close
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)


class _Kernels:
    """Every kernel the workers make, so that a build that stops early shuts them all down."""

    def __init__(self):
        self.lock = threading.Lock()
        self.made = []
        self.abandoned = False

    def new(self, kernel_name: str) -> _Kernel | None:
        """A kernel, not yet started; None once the build is stopping."""
        with self.lock:
            if self.abandoned:
                return None
            kernel = _Kernel(kernel_name)
            self.made.append(kernel)
            return kernel

    def abandon(self, queue: list, threads: list) -> None:
        """At exit: no more pages, and every kernel shut down before the build's process ends.

        Each worker finishes the page it is running (killing a kernel under a
        running client fills the log with socket errors), then shuts its
        kernel down; any kernel left after that is shut down here.
        """
        with self.lock:
            if self.abandoned:
                return
            self.abandoned = True
            queue.clear()
        for thread in threads:
            thread.join()
        for kernel in self.made:
            kernel.shut_down()
        # The clients' kernel-alive polls, collected at exit, would report that their
        # closed clients have no channels: nothing a reader of the log can act on.
        stdlib_logging.getLogger("asyncio").setLevel(stdlib_logging.CRITICAL)


def _worker(
    queue: list, results: dict, lock: threading.Lock, kernels: _Kernels, kernel_name: str, timeout: int
) -> None:
    kernel = None
    try:
        while True:
            with lock:
                if not queue:
                    return
                path, notebook = queue.pop(0)
            results[path] = (None, 0.0)  # stays so if no run succeeds: myst-nb then runs the page itself
            for _attempt in range(2):  # a second, fresh kernel when the first one died or failed to start
                start = time.perf_counter()
                try:
                    if kernel is not None and not kernel.alive():
                        kernel.shut_down()
                        kernel = None
                    if kernel is None:
                        kernel = kernels.new(kernel_name)
                        if kernel is None:
                            return  # the build is stopping
                        kernel.start(timeout)
                    executed = _run_page(kernel, path, notebook, timeout)
                except Exception:  # noqa: BLE001 - a thread must not raise (see above)
                    executed = None
                if executed is not None:
                    results[path] = (executed, time.perf_counter() - start)
                    break
                if kernel is not None:
                    kernel.shut_down()
                kernel = None
    finally:
        if kernel is not None:
            kernel.shut_down()


def start(app) -> None:
    if not hasattr(app.env, "mystnb_config"):
        raise ExtensionError("execute_ahead must be listed after myst_nb in conf.py's extensions")
    app.execute_ahead = None
    config = app.env.mystnb_config
    if config.execution_mode != "cache":
        return
    stale = _stale_pages(app)
    kernels = {nb.metadata.get("kernelspec", {}).get("name") for _, nb in stale}
    if not stale or len(kernels) != 1 or None in kernels:
        return  # nothing to do, or pages that need different kernels: myst-nb runs them itself
    queue, results, lock, kernel_name = list(stale), {}, threading.Lock(), kernels.pop()
    started = _Kernels()
    threads = [
        threading.Thread(
            target=_worker, args=(queue, results, lock, started, kernel_name, config.execution_timeout), daemon=True
        )
        for _ in range(min(WORKERS, len(stale)))
    ]
    for thread in threads:
        thread.start()
    app.execute_ahead_abandon = lambda: started.abandon(queue, threads)
    atexit.register(started.abandon, queue, threads)  # also on an interrupt: no kernel outlives the build
    app.execute_ahead = (stale, results, threads)
    logger.info(f"executing {len(stale)} pages ahead of reading, {len(threads)} warm kernels")


def store(app, env, docnames) -> None:
    """Wait for the pages started ahead and put each successful result into the cache."""
    if not getattr(app, "execute_ahead", None):
        return
    stale, results, threads = app.execute_ahead
    for thread in threads:
        thread.join()
    cache = get_cache(env.mystnb_config.execution_cache_path)
    for path, _ in stale:
        executed, seconds = results.get(path, (None, 0))
        if executed is None:
            continue  # myst-nb runs it again while reading and reports the failure
        record = cache.add_nb_to_project(str(path), read_data={"type": "plugin", "name": "myst_nb_md"})
        cache.cache_notebook_bundle(
            CacheBundleIn(executed, record.uri, data={"execution_seconds": seconds}),
            check_validity=False,
            overwrite=True,
        )
    app.execute_ahead = None


def abandon(app) -> None:
    """The build stopped before reading: finish the pages under way, run no more, shut the kernels down."""
    if getattr(app, "execute_ahead_abandon", None):
        app.execute_ahead_abandon()


def setup(app):
    app.setup_extension("execution_errors")  # it defines build-start-failed
    app.connect("builder-inited", one_line_on_failure(start))
    app.connect("build-start-failed", abandon)
    app.connect("env-before-read-docs", store)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
