"""A failing page, a failing example and a changed PyTorch each fail the build, naming file and line."""

from __future__ import annotations

import os
import textwrap

import pytest

from sitebuild import CRASH_REPORT, GOOD_EXAMPLE, ROOT, build, small_site
from test_checks import PERTURBATIONS, sentence_of

pytestmark = pytest.mark.build


def test_a_failing_page_fails_the_build_naming_file_and_line(tmp_path):
    page = """\
        # Broken page

        ```{code-cell} python
        x = 1
        ```

        ```{code-cell} python
        y = 2
        raise ValueError("planted page failure")
        ```
    """
    site = small_site(tmp_path, {"broken": page}, {"plot_1_fine": GOOD_EXAMPLE})
    result = build(site)
    assert result.returncode != 0
    # the raise is on line 15 of the page: 6 front-matter lines, then the body above
    assert "docs/broken.md:15: ERROR: ValueError: planted page failure" in result.stderr, result.stderr
    assert not any(text in result.stderr for text in CRASH_REPORT), result.stderr


def test_a_failing_example_fails_the_build_naming_file_and_line(tmp_path):
    example = '''\
        """
        Broken
        ======

        Planted.
        """

        # %%
        # Fails
        # -----
        x = 1
        raise ValueError("planted example failure")
    '''
    fine_page = "# Fine\n\n```{code-cell} python\nprint('ok')\n```\n"
    site = small_site(tmp_path, {"fine": fine_page}, {"plot_1_broken": example})
    result = build(site)
    assert result.returncode != 0
    assert "gallery/plot_1_broken.py:12: ERROR: ValueError: planted example failure" in result.stderr, result.stderr
    assert not any(text in result.stderr for text in CRASH_REPORT), result.stderr


@pytest.mark.parametrize(
    ("page", "perturbation", "check_id"),
    # One changed value and one reworded message, each a path of the build's report; every perturbation,
    # these included, is also run page by page in test_checks (a build of its own costs about a minute).
    [
        ("shared-memory", "numpy() copies", "numpy-is-a-view"),
        # a message PyTorch rewords: the page that shows it stops, naming the sentence that matched it
        ("messages", "the second-backward message is reworded", "second-backward-raises"),
    ],
)
def test_a_changed_pytorch_fails_the_build_with_the_sentence(page, perturbation, check_id, tmp_path):
    """The real page, built against a PyTorch changed at start-up, stops the build naming its check and sentence."""
    site = small_site(tmp_path, {}, {"plot_1_fine": GOOD_EXAMPLE})
    (site / "docs" / f"{page}.md").write_text((ROOT / "docs" / f"{page}.md").read_text())
    index = site / "docs" / "index.md"
    index.write_text(index.read_text().replace("examples/index", f"{page}\nexamples/index"))
    perturb = tmp_path / "perturb"
    perturb.mkdir()
    (perturb / "sitecustomize.py").write_text(textwrap.dedent(PERTURBATIONS[perturbation]))
    # page kernels inherit the build's environment, so they import the perturbation at start-up
    pythonpath = os.pathsep.join(filter(None, [str(perturb), os.environ.get("PYTHONPATH")]))
    result = build(site, extra_env={"PYTHONPATH": pythonpath})
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if ": ERROR:" in line]
    assert len(errors) == 1, result.stderr
    assert "has no check" not in result.stderr  # the cells after the failure never ran: no follow-up noise
    assert not any(text in result.stderr for text in CRASH_REPORT), result.stderr
    assert f"docs/{page}.md:" in errors[0]
    rendered = " ".join(sentence_of(f"{page}.md", check_id).replace("`", "").split())
    assert f"ClaimFailed: check '{check_id}' no longer holds: " in errors[0]
    # the build quotes the sentence as rendered, with typographic apostrophes
    assert rendered.split("{")[0].strip() in errors[0].replace("\u2019", "'"), errors[0]


def test_a_ledger_entry_that_disagrees_with_the_build_fails_it_naming_the_check(tmp_path):
    """Change one check's result for the build's own release: the build stops and names the check and sentence."""
    import json

    from release_ledger import LEDGER, installed_release

    site = small_site(tmp_path, {}, {"plot_1_fine": GOOD_EXAMPLE})
    (site / "docs" / "graph.md").write_text((ROOT / "docs" / "graph.md").read_text())
    index = site / "docs" / "index.md"
    index.write_text(index.read_text().replace("examples/index", "graph\nexamples/index"))
    ledger_file = site / LEDGER.relative_to(ROOT)
    ledger = json.loads(ledger_file.read_text())
    release = installed_release()
    assert release in ledger["releases"]
    entry = next(e for e in ledger["checks"] if e["file"] == "docs/graph.md")
    entry["results"][release] = {"status": "differs", "observed": "planted"}
    ledger_file.write_text(json.dumps(ledger))
    result = build(site)
    assert result.returncode != 0
    assert f"the ledger says check {entry['id']!r} differs (observed: planted) on torch {release}" in result.stderr, (
        result.stderr
    )
