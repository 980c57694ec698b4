"""Builds fail only for PyTorch's reasons: long paths, early failures and their clean-up."""

from __future__ import annotations

import logging
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from execution_errors import BuildStartFailed, drop_stale_reports, one_line_on_failure
from sitebuild import (
    CRASH_REPORT,
    GOOD_EXAMPLE,
    ROOT,
    build,
    build_command,
    build_env,
    copy_site,
    digests,
    small_site,
)


def long_path(base: Path, length: int) -> Path:
    """A folder under ``base`` whose path is at least ``length`` characters, with spaces in it."""
    path = base / "a checkout with spaces"
    while len(str(path)) < length:
        path = path / "a-rather-long-folder-name"
    return path


@pytest.mark.build
def test_a_build_killed_in_a_long_path_then_run_again_equals_the_clean_build(tmp_path, clean_digests):
    """One build for four promises: a checkout path of 150+ characters with spaces (and a temporary
    folder inside it, as nox gives its sessions) builds; a build killed (SIGKILL) while pages and
    examples execute heals when run again in place; the result is, file by file, the session's
    clean build made elsewhere: output depends neither on the path, nor on the kill, nor on chance;
    and a rebuild with nothing changed reads, executes and rewrites nothing. This site is the
    test's own, so the rebuild changes no file another test is reading."""
    site = copy_site(long_path(tmp_path, 150))
    temp = site / ".nox" / "docs" / "tmp"
    temp.mkdir(parents=True)
    env = {"TMPDIR": str(temp)}
    process = subprocess.Popen(
        build_command(site, "-q"), cwd=site, env=build_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    cache, deadline = site / "_build" / ".jupyter_cache", time.monotonic() + 120
    # kill once the execution cache exists and the gallery has started writing: mid-execution
    while not (cache.exists() and list((site / "docs" / "examples").glob("*.rst"))):
        assert process.poll() is None and time.monotonic() < deadline, "the build ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    again = build(site, extra_env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    found = digests(site / "_build" / "html")
    assert found.keys() == clean_digests.keys()
    assert [name for name in found if found[name] != clean_digests[name]] == []
    assert_rebuild_changes_nothing(site, env)


# Sphinx writes these in every build, and myst-nb copies its stylesheet only when a build ends, so in
# a rebuild their link to it carries a checksum that a clean build's pages lack.
WRITTEN_EVERY_BUILD = ("genindex.html", "search.html")


def assert_rebuild_changes_nothing(site: Path, env: dict) -> None:
    def pages():
        return {k: v for k, v in digests(site / "_build" / "html").items() if k not in WRITTEN_EVERY_BUILD}

    before = pages()
    again = subprocess.run(
        build_command(site), cwd=site, env=build_env(env), check=False, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "updating environment: 0 added, 0 changed, 0 removed" in again.stdout, again.stdout
    assert "pages ahead of reading" not in again.stdout and "Executing notebook" not in again.stdout
    assert "executed 0 out of 0 files" in again.stdout
    assert pages() == before


def test_example_file_names_have_no_spaces():
    """Spaces would break the gallery's links; sphinx-gallery's own check is off (conf.py says why)."""
    assert [p.name for p in (ROOT / "gallery").iterdir() if " " in p.name] == []


def kernels_with(marker: str) -> list[str]:
    """Live processes whose environment carries ``marker``: what a build started and left running."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


PLANTED_FAILURE = """\
import os
import time
from pathlib import Path

from execution_errors import one_line_on_failure


def kernel_running(marker: bytes) -> bool:
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"ipykernel" in (proc / "cmdline").read_bytes():
                if marker in (proc / "environ").read_bytes():
                    return True
        except OSError:
            continue
    return False


def fail(app):
    # wait for the kernel execute_ahead started, so the failure comes while it runs
    marker = next(name for name in os.environ if name.startswith("BUILD_MARKER_")).encode()
    deadline = time.monotonic() + 120
    while not kernel_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    Path(os.environ["KERNEL_SEEN"]).write_text(str(kernel_running(marker)))
    raise OSError("planted: AF_UNIX path too long")


def setup(app):
    app.connect("builder-inited", one_line_on_failure(fail))
"""


@pytest.mark.build
def test_a_build_that_fails_as_it_starts_says_one_line_and_leaves_no_kernel(tmp_path):
    """A small site is enough: execute_ahead starts a kernel for its one page, and the failure comes
    while that kernel runs (the page waits for the failing handler's note, so no timing decides it)."""
    page = (
        "# A page\n\n```{code-cell} python\nimport os, time\nfrom pathlib import Path\n\n"
        "while not Path(os.environ['KERNEL_SEEN']).exists():\n    time.sleep(0.05)\n```\n"
    )
    site = small_site(tmp_path, {"a-page": page}, {"plot_1_fine": GOOD_EXAMPLE})
    (site / "docs" / "_ext" / "planted_failure.py").write_text(PLANTED_FAILURE)
    conf = site / "conf.py"
    conf.write_text(
        conf.read_text() + "\nextensions.append('planted_failure')  # after execute_ahead started kernels\n"
    )
    marker, seen = f"BUILD_MARKER_{uuid.uuid4().hex}", tmp_path / "kernel-seen"
    result = build(site, extra_env={marker: "1", "KERNEL_SEEN": str(seen)})
    assert result.returncode != 0
    assert seen.read_text() == "True", "the build failed before its kernel ran: nothing was shut down"
    assert not any(text in result.stderr for text in (*CRASH_REPORT, "Traceback")), result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert errors == [
        "ERROR: planted_failure failed while the build was starting: OSError: planted: AF_UNIX path too long"
    ], result.stderr
    assert kernels_with(marker) == []


def test_a_failing_start_handler_becomes_one_logged_line(caplog):
    def broken(app):
        raise RuntimeError("no\nsocket")

    broken.__module__ = "some_extension"
    with caplog.at_level(logging.ERROR), pytest.raises(BuildStartFailed) as stopped:
        one_line_on_failure(broken)(None)
    assert stopped.value.code == 2
    assert caplog.messages == ["some_extension failed while the build was starting: RuntimeError: no socket"]
    assert one_line_on_failure(lambda app: "done")(None) == "done"


def test_html_fixes_leave_an_image_they_cannot_read_alone(tmp_path):
    """A broken example's thumbnail is a PNG, even where an SVG was expected: no crash, no change."""
    from html_fixes import fix_page

    (tmp_path / "thumb.svg").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    page = tmp_path / "page.html"
    html = '<img alt="" src="thumb.svg" /><img alt="" src="missing.svg" />'
    assert fix_page(page, html) == html


def test_outputs_lose_pytorchs_build_paths_and_the_checkout(tmp_path):
    from output_filter import clean_output

    warning = (
        "UserWarning: The given NumPy array is not writable. "
        "(Triggered internally at /__w/pytorch/pytorch/torch/csrc/utils/tensor_numpy.cpp:213.)"
    )
    assert clean_output(warning, "/build/site") == "UserWarning: The given NumPy array is not writable."
    assert clean_output('File "/build/site/docs/page.md", line 3', "/build/site") == 'File "docs/page.md", line 3'
    assert clean_output("/tmp/ipykernel_4242/123.py:5: UserWarning: careful", "/x") == "UserWarning: careful"


def test_a_verdicts_observed_warning_loses_pytorchs_build_path():
    """A check_warns verdict shows the warning it matched: without the path of PyTorch's own build."""
    from checked_prose import verdict_lines

    observed = "UserWarning: careful (Triggered internally at /__w/pytorch/pytorch/aten/x.h:9.)"
    assert verdict_lines({"id": "some-id", "observed": observed}) == "\u2714 some-id: holds\n    UserWarning: careful"


def test_a_page_read_again_drops_the_traceback_a_failed_build_left(tmp_path):
    """myst-nb writes a failing page's traceback into the output's reports/; once the page is read again
    (and passes), no stale report stays in the published tree; another page's report stays."""
    reports = tmp_path / "reports"
    (reports / "examples").mkdir(parents=True)
    (reports / "graph.err.log").write_text("ClaimFailed: an old failure")
    (reports / "examples" / "page.err.log").write_text("still failing")

    class App:
        outdir = str(tmp_path)

    drop_stale_reports(App(), None, ["graph", "index"])
    assert not (reports / "graph.err.log").exists()
    assert (reports / "examples" / "page.err.log").exists()
    drop_stale_reports(App(), None, ["examples/page"])
    assert not reports.exists()
