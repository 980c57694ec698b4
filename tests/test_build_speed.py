"""The speed-ups keep the build's meaning: warm kernels give fresh-kernel outputs (that a rebuild redoes
nothing is checked on the killed-and-healed build, tests/test_build_robustness.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import read_myst_markdown_notebook

from buildenv import prepare_kernel_environment
from execute_ahead import _joined_streams, _Kernel, _run_page
from output_filter import clean_output
from site_pages import explanation_pages
from sitebuild import ROOT, copy_site

pytestmark = pytest.mark.build


def outputs(notebook, joined: bool = False) -> list:
    """Each code cell's outputs, as the build shows them: a warning's kernel file name, which
    differs from kernel to kernel, is removed by the build's output filter, and here too."""
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    found = []
    for c in cells:
        shown = _joined_streams(c.outputs) if joined else c.outputs
        shown = [
            dict(o, text=clean_output(o["text"], str(ROOT))) if o.get("output_type") == "stream" else o for o in shown
        ]
        found.append((c.execution_count, shown))
    return found


def test_pages_in_one_warm_kernel_give_what_fresh_kernels_give(tmp_path, monkeypatch):
    """Every page, run one after another in a single warm kernel (in reverse reading order,
    so each follows pages it never follows in a build), matches its fresh-kernel run."""
    site = copy_site(tmp_path / "site")
    for name in ("IPYTHONDIR", "OMP_NUM_THREADS", "PYTHONHASHSEED"):  # restored after the test
        monkeypatch.setenv(name, "")
    prepare_kernel_environment(SimpleNamespace(confdir=str(site)), None)  # kernels start as in a build
    pages = sorted(p for p in (site / "docs").glob("*.md") if p.read_text().startswith("---\nfile_format: mystnb"))
    assert [p.stem for p in pages] == sorted(explanation_pages())

    fresh = {}
    for page in pages:
        notebook = read_myst_markdown_notebook(page.read_text())
        assert single_nb_execution(notebook, cwd=str(page.parent), timeout=300, allow_errors=False).err is None
        fresh[page.name] = outputs(notebook, joined=True)

    kernel = _Kernel("python3")
    try:
        kernel.start(300)
        for page in reversed(pages):
            warm = _run_page(kernel, page, read_myst_markdown_notebook(page.read_text()), 300)
            assert warm is not None, page.name
            assert outputs(warm) == fresh[page.name], page.name
    finally:
        kernel.shut_down()


def test_stream_pieces_join_exactly_whatever_the_split():
    from nbformat.v4 import new_output

    def pieces(*texts):
        return [new_output("stream", name="stdout", text=t) for t in texts]

    one = _joined_streams(pieces("a=1\n", "done\n"))
    other = _joined_streams(pieces("a=1", "\ndone\n"))
    assert [o.text for o in one] == [o.text for o in other] == ["a=1\ndone\n"]


def test_a_kernel_that_cannot_start_leaves_the_page_to_myst_nb(tmp_path, capfd):
    """The worker records no result, raises nothing and prints nothing."""
    import threading

    from execute_ahead import _Kernels, _worker

    page = copy_site(tmp_path / "site") / "docs" / "detach.md"
    results = {}
    _worker(
        [(page, read_myst_markdown_notebook(page.read_text()))],
        results,
        threading.Lock(),
        _Kernels(),
        "no-such-kernel",
        60,
    )
    assert results[page][0] is None
    assert capfd.readouterr().err == ""
