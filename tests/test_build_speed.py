"""The speed-ups keep the build's meaning. That warm kernels print what fresh kernels print is checked
page by page on the built site (tests/test_visible_code.py); that a rebuild redoes nothing, on the
killed-and-healed build (tests/test_build_robustness.py). Here: the pieces execute_ahead is made of."""

from __future__ import annotations

from myst_nb.core.read import read_myst_markdown_notebook

from execute_ahead import _joined_streams
from sitebuild import copy_site


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
