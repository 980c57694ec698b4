"""The check mechanism, and the drift guard: perturb PyTorch, and the site's own checks fail."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import page_runner
from site_pages import explanation_pages
from torchfig import ClaimFailed, caught, check, check_cases, check_close, check_equal, check_raises, check_warns
from torchfig import checks as library

ROOT = Path(__file__).resolve().parent.parent


def test_a_check_that_holds_shows_its_verdict(capsys):
    check("one-is-one", 1 == 1)  # noqa: PLR0133 - a claim that holds whatever torch does
    check_equal("two-is-two", 2, 2)
    check_close("tensors-close", torch.ones(2), torch.ones(2) + 1e-9)
    check("numpy-bools-count", np.bool_(True), sentence="numpy bools count")
    assert capsys.readouterr().out.splitlines() == [
        "\u2714 check 'one-is-one'",
        "\u2714 check 'two-is-two'",
        "\u2714 check 'tensors-close'",
        "\u2714 numpy bools count",
    ]


def test_a_check_that_fails_names_its_id_and_what_was_observed():
    with pytest.raises(ClaimFailed, match=r"check 'sums-agree' no longer holds; observed: 5 != 4"):
        check_equal("sums-agree", 2 + 3, 4)
    with pytest.raises(ClaimFailed, match=r"check 'said' no longer holds: it is so; observed: False"):
        check("said", False, sentence="it is so")


def test_only_booleans_count_and_ids_are_words_joined_by_hyphens():
    with pytest.raises(TypeError, match="needs a bool"):
        check("many-values", torch.ones(3) > 0)
    with pytest.raises(TypeError, match="needs a bool"):
        check("a-list", [1])
    for bad in ("Upper", "two words", "under_score", "", 3):
        with pytest.raises(ValueError, match="lower-case words joined by hyphens"):
            check(bad, True)


def test_caught_prints_and_keeps_what_the_block_raised_and_warned(capsys):
    with caught() as result:
        warnings.warn("be careful", UserWarning)
        1 / 0  # noqa: B018 - the error caught() keeps
    assert capsys.readouterr().out == "UserWarning: be careful\nZeroDivisionError: division by zero\n"
    assert isinstance(result.error, ZeroDivisionError) and len(result.warnings) == 1
    with caught() as quiet:
        pass
    assert quiet.error is None and quiet.warnings == [] and capsys.readouterr().out == ""
    with pytest.raises(KeyboardInterrupt), caught():  # only exceptions a program raises are kept
        raise KeyboardInterrupt


def test_check_raises_reads_the_caught_error_and_its_message():
    with caught() as result:
        1 / 0  # noqa: B018 - the error caught() keeps
    check_raises("divides", result, ZeroDivisionError, "division")
    with pytest.raises(ClaimFailed, match="observed: ZeroDivisionError: division by zero"):
        check_raises("mentions-modulo", result, ZeroDivisionError, "modulo")
    with pytest.raises(ClaimFailed, match="observed: ZeroDivisionError"):
        check_raises("wrong-type", result, KeyError, "division")
    with caught() as nothing:
        pass
    with pytest.raises(ClaimFailed, match="no ZeroDivisionError was raised"):
        check_raises("raises", nothing, ZeroDivisionError, "division")
    with pytest.raises(TypeError, match="caught"):
        check_raises("not-caught", ZeroDivisionError(), ZeroDivisionError, "")


def test_check_warns_reads_the_caught_warnings():
    with caught() as result:
        warnings.warn("be careful", UserWarning)
    check_warns("warns", result, UserWarning, "careful")
    with pytest.raises(ClaimFailed, match="observed: UserWarning: be careful"):
        check_warns("warns-otherwise", result, UserWarning, "reckless")
    with pytest.raises(ClaimFailed, match="no warning"):
        with caught() as silent:
            pass
        check_warns("silent", silent, UserWarning, "careful")


def test_check_cases_needs_several_cases_and_names_the_failing_ones(capsys):
    check_cases("both-hold", {"first": True, "second": np.bool_(True)}, sentence="both hold")
    assert capsys.readouterr().out.splitlines() == ["\u2714 both hold", "    checked on 2 cases: first, second"]
    with pytest.raises(ValueError, match="at least two cases"):
        check_cases("one-case", {"only": True})
    with pytest.raises(ClaimFailed, match="fails for: b"):
        check_cases("all-hold", {"a": True, "b": False})


def test_in_a_kernel_a_verdict_is_display_data_with_a_text_fallback(monkeypatch):
    """What the site's build reads: the project MIME type, holding the id, verdict and cases."""
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append((data, raw)))
    check_cases("in-a-kernel", {"a": True, "b": True})
    [(data, raw)] = shown
    assert raw is True and set(data) == {library.MIME_TYPE, "text/plain"}
    payload = data[library.MIME_TYPE]
    assert (
        payload["id"] == "in-a-kernel" and payload["holds"] is True and payload["cases"] == [["a", True], ["b", True]]
    )
    assert data["text/plain"].startswith("\u2714 check 'in-a-kernel'")
    assert library.made[-1].id == "in-a-kernel"


def test_the_build_reads_what_the_checks_write():
    import cells
    import checked_prose

    assert checked_prose.MIME_TYPE == library.MIME_TYPE and checked_prose.CHECK_MARK == library.CHECK_MARK
    assert checked_prose.ID.pattern == library.ID.pattern
    with pytest.raises(ClaimFailed) as failure:
        check("some-id", False)
    assert cells.FAILED_CHECK.search(str(failure.value)).group(1) == "some-id"


# -- Drift guard: the pages' own code against a PyTorch that behaves differently ------

# Each perturbation is a sitecustomize module: Python imports it at start-up,
# before the page's code, so the page runs against the changed behaviour.
PERTURBATIONS = {
    "numpy() copies": """
        import torch
        _numpy = torch.Tensor.numpy
        torch.Tensor.numpy = lambda self, *a, **k: _numpy(self, *a, **k).copy()
    """,
    "detach() clones": """
        import torch
        _detach = torch.Tensor.detach
        torch.Tensor.detach = lambda self: _detach(self).clone()
    """,
    "numpy() accepts tensors that require grad": """
        import torch
        _numpy = torch.Tensor.numpy
        torch.Tensor.numpy = lambda self, force=False: _numpy(self.detach() if self.requires_grad else self)
    """,
    "detach() gets a version counter of its own": """
        import torch
        _detach = torch.Tensor.detach
        torch.Tensor.detach = lambda self: _detach(self).data
    """,
    "writes skip the version counter": """
        import torch
        _setitem = torch.Tensor.__setitem__
        torch.Tensor.__setitem__ = lambda self, key, value: _setitem(self.data, key, value)
    """,
    # Two behaviours the pages stated only in prose before they were checked sentences:
    "backward keeps the saved tensors": """
        import torch
        _backward = torch.Tensor.backward
        torch.Tensor.backward = lambda self, gradient=None, retain_graph=None, **k: _backward(
            self, gradient, retain_graph=True if retain_graph is None else retain_graph, **k)
    """,
    "cpu() copies a CPU tensor": """
        import torch
        _cpu = torch.Tensor.cpu
        torch.Tensor.cpu = lambda self, *a, **k: _cpu(self, *a, **k).clone()
    """,
    "as_tensor copies a tensor": """
        import torch
        _as_tensor = torch.as_tensor
        torch.as_tensor = lambda data, *a, **k: (
            _as_tensor(data, *a, **k).clone() if isinstance(data, torch.Tensor) else _as_tensor(data, *a, **k))
    """,
    "torch.compile runs the code eagerly": """
        import torch
        torch.compile = lambda model=None, **options: model if model is not None else (lambda f: f)
    """,
    "the second-backward message is reworded": """
        import torch
        _backward = torch.Tensor.backward
        def backward(self, *args, **kwargs):
            try:
                return _backward(self, *args, **kwargs)
            except RuntimeError as error:
                if "second time" in str(error):
                    raise RuntimeError("this graph was already used by an earlier backward") from None
                raise
        torch.Tensor.backward = backward
    """,
    # Not a drift, a release difference: a torch whose __array__ takes NumPy 2's copy keyword.
    "__array__ takes copy": """
        import torch
        _array = torch.Tensor.__array__
        torch.Tensor.__array__ = lambda self, dtype=None, copy=None: _array(self, dtype).copy() if copy else _array(self, dtype)
    """,
}


def run_page(page: str, tmp_path: Path, perturbation: str | None, **options) -> subprocess.CompletedProcess:
    """The page's code through the one page runner, against PyTorch changed at start-up if asked."""
    env = {}
    if perturbation:
        (tmp_path / "sitecustomize.py").write_text(textwrap.dedent(PERTURBATIONS[perturbation]))
        env["PYTHONPATH"] = str(tmp_path)
    return page_runner.run(ROOT / "docs" / page, env=env, **options)


@pytest.mark.parametrize("page", [f"{name}.md" for name in explanation_pages()])
def test_pages_pass_against_real_pytorch(page, tmp_path):
    """The harness itself: unperturbed, every page's code runs clean."""
    result = run_page(page, tmp_path, None)
    assert result.returncode == 0, result.stderr


# The checks the perturbations below must fail, by page and id.
PERTURBED = [
    ("shared-memory.md", "numpy() copies", "numpy-is-a-view"),
    ("detach.md", "detach() clones", "detach-shares-memory"),
    ("why-numpy-refuses.md", "numpy() accepts tensors that require grad", "numpy-refuses"),
    ("detach.md", "writes skip the version counter", "detach-write-moves-version"),
    ("beliefs.md", "detach() clones", "detach-is-not-a-copy"),
    ("beliefs.md", "detach() gets a version counter of its own", "detach-shares-the-counter"),
    ("graph.md", "backward keeps the saved tensors", "backward-frees-saved-tensors"),
    ("devices.md", "cpu() copies a CPU tensor", "cpu-returns-itself"),
    ("messages.md", "the second-backward message is reworded", "second-backward-raises"),
    ("models.md", "torch.compile runs the code eagerly", "compiled-graph-nodes"),
    # the refusal reaches matplotlib through np.asarray; a write into a plain buffer is recorded
    ("recipes.md", "numpy() accepts tensors that require grad", "plot-raises"),
    ("recipes.md", "writes skip the version counter", "buffer-write-requires-grad"),
    ("recipes.md", "as_tensor copies a tensor", "as-tensor-returns-itself"),
]


def sentence_of(page: str, check_id: str) -> str:
    from cells import source_spans

    return next(text for i, text, _ in source_spans((ROOT / "docs" / page).read_text()) if i == check_id)


@pytest.mark.parametrize(("page", "perturbation", "check_id"), PERTURBED)
def test_a_changed_pytorch_fails_the_check_that_describes_it(page, perturbation, check_id, tmp_path):
    result = run_page(page, tmp_path, perturbation)
    assert result.returncode != 0
    assert f"ClaimFailed: check '{check_id}' no longer holds: {sentence_of(page, check_id)}" in result.stderr, (
        result.stderr[-2000:]
    )


def test_a_version_aware_page_checks_the_alternative_its_release_makes(tmp_path):
    """Give __array__ the copy keyword: the page checks its other alternative, rather than failing."""
    plain = run_page("shared-memory.md", tmp_path, None)
    perturbed = run_page("shared-memory.md", tmp_path, "__array__ takes copy")
    assert plain.returncode == 0 and perturbed.returncode == 0, perturbed.stderr[-2000:]
    assert "check 'np-array-warns-then-copies'" in plain.stdout
    assert "check 'np-array-copies-quietly'" in perturbed.stdout


# -- Caching never hides drift --------------------------------------------------------


def test_execution_cache_is_keyed_on_torch_and_numpy(monkeypatch, tmp_path):
    import buildenv

    monkeypatch.setattr(buildenv, "versions", lambda: {"torch": "2.13.0", "numpy": "2.4.6", "python": "3.11"})
    first = buildenv.execution_cache_path(tmp_path)
    monkeypatch.setattr(buildenv, "versions", lambda: {"torch": "2.14.1", "numpy": "2.4.6", "python": "3.11"})
    assert buildenv.execution_cache_path(tmp_path) != first
    assert "2.14.1" in buildenv.execution_cache_path(tmp_path)


def test_gallery_outputs_made_with_other_versions_are_dropped(tmp_path):
    from types import SimpleNamespace

    import buildenv

    gallery = tmp_path / "examples"
    gallery.mkdir()
    (gallery / ".versions").write_text("torch-0.0-numpy-0.0")
    (gallery / "plot_1.rst").write_text("stale output")
    app = SimpleNamespace(
        srcdir=str(tmp_path), config=SimpleNamespace(sphinx_gallery_conf={"gallery_dirs": "examples"})
    )
    buildenv.reset_stale_gallery(app)
    assert not (gallery / "plot_1.rst").exists()
    assert (gallery / ".versions").read_text() == buildenv.version_key()
    (gallery / "plot_1.rst").write_text("current output")
    buildenv.reset_stale_gallery(app)  # same versions: outputs kept
    assert (gallery / "plot_1.rst").exists()


def test_an_example_a_killed_build_left_half_written_runs_again(tmp_path):
    from types import SimpleNamespace

    import buildenv

    app = SimpleNamespace(
        srcdir=str(tmp_path), config=SimpleNamespace(sphinx_gallery_conf={"gallery_dirs": "examples"})
    )
    buildenv.reset_stale_gallery(app)
    gallery = tmp_path / "examples"
    (gallery / "plot_1.py.md5").write_text("aaa")
    buildenv.record_finished_gallery(app, None, [])  # plot_1 finished
    (gallery / "plot_2.py.md5").write_text("bbb")  # plot_2 got its md5, then the build was killed
    buildenv.reset_stale_gallery(app)
    assert (gallery / "plot_1.py.md5").exists()
    assert not (gallery / "plot_2.py.md5").exists()  # so sphinx-gallery runs it again


def test_an_unsupported_torch_stops_the_build_with_one_line(monkeypatch):
    from sphinx.errors import ConfigError

    import buildenv

    monkeypatch.setattr(buildenv, "versions", lambda: {"torch": "1.13.1", "numpy": "1.26", "python": "3.11"})
    with pytest.raises(
        ConfigError, match=r"^torch 1\.13\.1 is not supported: this site is built against torch 2\.13, 2\.14 and 2\.15"
    ):
        buildenv.check_torch(None, None)


def test_a_collecting_run_records_every_failing_check_and_goes_on(tmp_path):
    """Collecting: a changed PyTorch fails several checks of a page; each is recorded and the run finishes."""
    records = tmp_path / "checks.jsonl"
    result = run_page("shared-memory.md", tmp_path, "numpy() copies", collect=records)
    assert result.returncode == 0, result.stderr[-2000:]
    verdicts = page_runner.collected(
        ROOT / "docs" / "shared-memory.md", [json.loads(line) for line in records.read_text().splitlines()]
    )
    failing = [v for v in verdicts if v["status"] == "differs"]
    assert len(failing) >= 2 and all(v["observed"] for v in failing)
    assert any(v["status"] == "holds" and v["line"] > failing[0]["line"] for v in verdicts), "the run stopped"


def collect_from_cells(tmp_path, *cells: str):
    """A page of these code cells, run in collecting mode: the page, and the records of its run."""
    page = tmp_path / "page.md"
    body = "\n\n".join(f"```{{code-cell}} python\n{cell}\n```" for cell in cells)
    page.write_text(f"---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n# Page\n\n{body}\n")
    records = tmp_path / "checks.jsonl"
    result = page_runner.run(page, collect=records)
    assert result.returncode == 0, result.stderr
    return page, [json.loads(line) for line in records.read_text().splitlines()]


def test_a_cell_that_fails_for_a_missing_api_makes_its_checks_not_applicable(tmp_path):
    page, lines = collect_from_cells(
        tmp_path,
        "import torch\nfrom torchfig import check\ncheck('one-holds', True)",
        "torch.no_such_function()\ncheck('absent-api-works', True)",
        "check('later-follows', 1 + 1 == 2)",
    )
    verdicts = page_runner.collected(page, lines)
    assert [(v["id"], v["status"]) for v in verdicts] == [
        ("one-holds", "holds"),
        ("absent-api-works", "not applicable"),
        ("later-follows", "holds"),
    ]
    assert verdicts[1]["observed"] == "torch.no_such_function does not exist in this release"


def test_a_check_whose_cell_fails_because_an_earlier_cell_failed_names_the_earlier_cell(tmp_path):
    """The NameError of a later cell is an echo: the status comes from the cell that defines the name."""
    page, lines = collect_from_cells(
        tmp_path,
        "import torch\nfrom torchfig import check\nmade = torch.no_such_function()",
        "broken = [][0]",
        "check('uses-made', made is not None)",
        "check('uses-broken', broken == 1)",
    )
    verdicts = page_runner.collected(page, lines)
    assert [(v["id"], v["status"], v["observed"]) for v in verdicts] == [
        ("uses-made", "not applicable", "torch.no_such_function does not exist in this release"),
        (
            "uses-broken",
            "not reached",
            'a cell it needs (the one opening "broken = [][0]") raised IndexError: list index out of range',
        ),
    ]


def test_an_error_whose_first_line_ends_in_a_colon_is_named_with_its_next_line(tmp_path):
    """A compiler backend's failure says "backend='x' raised:" and its cause on the line after."""
    page, lines = collect_from_cells(
        tmp_path,
        "import torch\nfrom torchfig import check",
        "raise RuntimeError(\"backend='kept' raised:\\nIndexError: list index out of range\")\ncheck('after', True)",
    )
    verdicts = page_runner.collected(page, lines)
    assert [(v["id"], v["status"], v["observed"]) for v in verdicts] == [
        (
            "after",
            "not reached",
            "its cell raised RuntimeError: backend='kept' raised: IndexError: list index out of range",
        )
    ]


def test_a_pinned_library_that_refuses_an_old_torch_makes_its_checks_not_applicable():
    error = "ImportError: GPT2LMHeadModel requires PyTorch >= 2.6, but PyTorch was not found or an older version"
    assert page_runner.missing_api(error) == (
        "GPT2LMHeadModel of the pinned transformers (it needs torch 2.6+) does not load in this release"
    )
    assert page_runner.missing_api("ImportError: cannot load the model") is None


def test_a_keyword_a_nested_function_lacks_makes_its_checks_not_applicable():
    error = (
        "BackendCompilerFailed: backend='aot_eager_keeping' raised: TypeError: "
        "aot_autograd.<locals>.compiler_fn() got an unexpected keyword argument 'fw_compiler'"
    )
    assert page_runner.missing_api(error) == (
        "aot_autograd.<locals>.compiler_fn() takes no fw_compiler= in this release"
    )


def test_a_missing_method_of_autograd_nodes_makes_its_checks_not_applicable():
    error = "AttributeError: 'SumBackward0' object has no attribute '_sequence_nr'"
    assert page_runner.missing_api(error) == "autograd nodes' _sequence_nr() does not exist in this release"
    assert page_runner.missing_api("AttributeError: 'Linear' object has no attribute 'wieght'") is None


def test_a_chain_of_failures_is_followed_back_to_where_it_started(tmp_path):
    """The nearest failed cell a check needs raised a NameError itself: the cause is the cell that began it."""
    page, lines = collect_from_cells(
        tmp_path,
        "import torch\nfrom torchfig import check\nmade = torch.no_such_function()",
        "more = made + 1",
        "raise ImportError('\\nneeds a newer torch')",
        "check('uses-more', more == 2)",
    )
    assert "ImportError: needs a newer torch" in [r.get("cell_error") for r in lines]  # its first line said nothing
    verdicts = page_runner.collected(page, lines)
    assert [(v["id"], v["status"], v["observed"]) for v in verdicts] == [
        ("uses-more", "not applicable", "torch.no_such_function does not exist in this release"),
    ]


CASCADE = """---
file_format: mystnb
kernelspec:
  name: python3
---

# Page

```{code-cell} python
import torch
from torchfig import check
t = torch.tensor([1.0, 2.0], requires_grad=True)
```

```{code-cell} python
torch.set_grad_enabled(False)  # as an old release might leave it, then fail
torch.no_such_function()
check("new-function-works", True)
```

```{code-cell} python
y = t * 2
check("operation-recorded", y.grad_fn is not None)
```

```{code-cell} python
z = undefined_helper(t)
check("helper-result", z is not None)
```
"""


def test_a_check_after_an_earlier_failure_is_judged_on_a_fresh_run_of_what_it_needs(tmp_path):
    """The planted cascade: grad mode left off by a cell that then raised. The later check holds when run
    with only the cells it needs; the failing cell's check does not apply, naming what is missing; a
    cell that raised for another reason leaves its check not reached, naming the cell."""
    from release_ledger import settled

    page = tmp_path / "page.md"
    page.write_text(CASCADE)
    records = tmp_path / "checks.jsonl"
    assert page_runner.run(page, collect=records).returncode == 0
    lines = [json.loads(line) for line in records.read_text().splitlines()]
    first = {v["id"]: v for v in page_runner.collected(page, lines)}
    assert first["operation-recorded"]["status"] == "differs"  # the echo of the earlier cell
    final = {
        v["id"]: v
        for v in settled(page, list(first.values()), page_runner.disturbed_lines(lines, page), sys.executable, tmp_path)
    }
    assert final["operation-recorded"]["status"] == "holds" and final["operation-recorded"]["fresh"]
    assert final["new-function-works"]["status"] == "not applicable"
    assert final["new-function-works"]["observed"] == "torch.no_such_function does not exist in this release"
    assert final["helper-result"]["status"] == "not reached"
    assert final["helper-result"]["observed"].startswith("its cell raised NameError")


def test_columns_written_apart_merge_into_one_ledger(tmp_path, monkeypatch):
    """The CI matrix's last step: two releases' columns, written by separate jobs, merged; others kept."""
    import release_ledger

    ledger_file = tmp_path / "ledger.json"
    ledger_file.write_text(
        json.dumps(
            {
                "releases": {"2.0.1": {"numpy": "1"}},
                "checks": [{"file": "docs/a.md", "id": "kept", "results": {"2.0.1": {"status": "holds"}}}],
            }
        )
    )
    monkeypatch.setattr(release_ledger, "LEDGER", ledger_file)
    columns = []
    for release, status in (("2.13.0", "holds"), ("2.14.1", "differs")):
        column = tmp_path / f"{release}.json"
        column.write_text(
            json.dumps(
                {
                    "release": release,
                    "found": {"numpy": "2"},
                    "verdicts": [
                        {"file": "docs/a.md", "line": 3, "id": "new", "status": status}
                        | ({"observed": "x"} if status != "holds" else {})
                    ],
                }
            )
        )
        columns.append(str(column))
    assert release_ledger.main(["--merge", *columns]) == 0
    merged = json.loads(ledger_file.read_text())
    assert list(merged["releases"]) == ["2.0.1", "2.13.0", "2.14.1"]
    results = {e["id"]: e["results"] for e in merged["checks"]}
    assert results["kept"] == {"2.0.1": {"status": "holds"}}
    assert results["new"] == {"2.13.0": {"status": "holds"}, "2.14.1": {"status": "differs", "observed": "x"}}


def test_a_column_of_some_files_replaces_only_their_results(tmp_path, monkeypatch):
    """``--only``: a page run again on a release; the release's other files and its record of the full run stay."""
    import release_ledger

    ledger_file = tmp_path / "ledger.json"
    old = {"status": "not applicable", "observed": "gone"}
    ledger_file.write_text(
        json.dumps(
            {
                "releases": {"2.0.1": {"numpy": "1", "seconds": 183}},
                "checks": [
                    {"file": "docs/a.md", "id": "rerun", "results": {"2.0.1": old, "2.13.0": {"status": "holds"}}},
                    {"file": "docs/b.md", "id": "kept", "results": {"2.0.1": old}},
                ],
            }
        )
    )
    monkeypatch.setattr(release_ledger, "LEDGER", ledger_file)
    release_ledger.merge_columns(
        [
            {
                "release": "2.0.1",
                "found": {"numpy": "1", "seconds": 20},
                "verdicts": [{"file": "docs/a.md", "line": 3, "id": "rerun", "status": "holds"}],
                "only": ["docs/a.md"],
            }
        ]
    )
    merged = json.loads(ledger_file.read_text())
    assert merged["releases"] == {"2.0.1": {"numpy": "1", "seconds": 183}}
    results = {e["id"]: e["results"] for e in merged["checks"]}
    assert results["rerun"] == {"2.0.1": {"status": "holds"}, "2.13.0": {"status": "holds"}}
    assert results["kept"] == {"2.0.1": old}


def test_only_refuses_a_file_the_ledger_does_not_run():
    import release_ledger

    with pytest.raises(SystemExit, match="not a file of the ledger: docs/recipe.md"):
        release_ledger.main(["--only", "docs/recipe.md", "2.0.1"])
