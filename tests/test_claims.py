"""The claim mechanism, and the drift guard: perturb PyTorch, and the site's own claims fail."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import page_runner
from site_pages import explanation_pages

from torchfig import ClaimFailed, claim, claim_close, claim_equal, claim_raises, claim_warns
from torchfig.claims import CHECK_MARK

ROOT = Path(__file__).resolve().parent.parent


def test_a_claim_that_holds_prints_its_sentence(capsys):
    claim("one equals one", 1 == 1)
    claim_equal("two is two", 2, 2)
    claim_close("tensors are close", torch.ones(2), torch.ones(2) + 1e-9)
    claim("numpy bools count", np.bool_(True))
    assert capsys.readouterr().out.splitlines() == [
        f"{CHECK_MARK} one equals one",
        f"{CHECK_MARK} two is two",
        f"{CHECK_MARK} tensors are close",
        f"{CHECK_MARK} numpy bools count",
    ]


def test_a_claim_that_fails_names_the_sentence_and_what_was_observed():
    with pytest.raises(ClaimFailed, match=r"claim no longer holds: sums agree; observed: 5"):
        claim_equal("sums agree", 2 + 3, 4)


def test_only_booleans_count():
    with pytest.raises(TypeError, match="needs a bool"):
        claim("a tensor of many values is not a verdict", torch.ones(3) > 0)
    with pytest.raises(TypeError, match="needs a bool"):
        claim("a non-empty list is not a verdict", [1])


def test_claim_raises_checks_type_and_message(capsys):
    with claim_raises("dividing by zero raises", ZeroDivisionError, "division"):
        1 / 0
    assert capsys.readouterr().out.startswith(f"{CHECK_MARK} dividing by zero raises\n    ZeroDivisionError:")
    with pytest.raises(ClaimFailed, match="no ZeroDivisionError was raised"):
        with claim_raises("this raises", ZeroDivisionError, "division"):
            pass
    with pytest.raises(ClaimFailed, match="observed message"):
        with claim_raises("the message mentions modulo", ZeroDivisionError, "modulo"):
            1 / 0


def test_claim_warns_checks_category_and_message():
    import warnings

    with claim_warns("it warns", UserWarning, "careful"):
        warnings.warn("be careful", UserWarning)
    with pytest.raises(ClaimFailed, match="observed warnings"):
        with claim_warns("it warns", UserWarning, "careful"):
            pass


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


@pytest.mark.parametrize(
    ("page", "perturbation", "sentence"),
    [
        ("shared-memory.md", "numpy() copies", "An array from `numpy()` is a NumPy view of the tensor's memory"),
        ("detach.md", "detach() clones", "`detach()` returns a new tensor object that uses the original's memory."),
        ("why-numpy-refuses.md", "numpy() accepts tensors that require grad",
         "`numpy()` refuses a tensor that requires grad, with the error above."),
        ("detach.md", "writes skip the version counter",
         "The same write made through `detach()` moves the shared version counter"),
        ("graph.md", "backward keeps the saved tensors", "After backward, the saved tensors are gone: reading one raises."),
        ("devices.md", "cpu() copies a CPU tensor", "`.cpu()` returns the tensor itself when it is already on the CPU..."),
        ("messages.md", "the second-backward message is reworded",
         "A second `backward()` through the same graph raises the error above"),
        ("models.md", "torch.compile runs the code eagerly",
         "Compiled, the recorded graph holds `SumBackward0`, one `CompiledFunctionBackward`"),
    ],
)
def test_a_changed_pytorch_fails_the_claim_that_describes_it(page, perturbation, sentence, tmp_path):
    result = run_page(page, tmp_path, perturbation)
    assert result.returncode != 0
    assert f"ClaimFailed: claim no longer holds: {sentence}" in result.stderr, result.stderr[-2000:]


def test_a_version_aware_claim_follows_the_release_it_runs_on(tmp_path):
    """Give __array__ the copy keyword: the page takes its other branch and says so, rather than failing."""
    result = run_page("shared-memory.md", tmp_path, "__array__ takes copy")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "`np.array(t)` copies without a warning." in result.stdout


def test_a_prose_claim_written_over_several_lines_prints_as_one(capsys):
    claim("""a sentence
             over two lines""", True)
    assert capsys.readouterr().out == f"{CHECK_MARK} a sentence over two lines\n"


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
    app = SimpleNamespace(srcdir=str(tmp_path), config=SimpleNamespace(sphinx_gallery_conf={"gallery_dirs": "examples"}))
    buildenv.reset_stale_gallery(app)
    assert not (gallery / "plot_1.rst").exists()
    assert (gallery / ".versions").read_text() == buildenv.version_key()
    (gallery / "plot_1.rst").write_text("current output")
    buildenv.reset_stale_gallery(app)  # same versions: outputs kept
    assert (gallery / "plot_1.rst").exists()


def test_an_example_a_killed_build_left_half_written_runs_again(tmp_path):
    from types import SimpleNamespace

    import buildenv

    app = SimpleNamespace(srcdir=str(tmp_path), config=SimpleNamespace(sphinx_gallery_conf={"gallery_dirs": "examples"}))
    buildenv.reset_stale_gallery(app)
    gallery = tmp_path / "examples"
    (gallery / "plot_1.py.md5").write_text("aaa")
    buildenv.record_finished_gallery(app, None, [])  # plot_1 finished
    (gallery / "plot_2.py.md5").write_text("bbb")  # plot_2 got its md5, then the build was killed
    buildenv.reset_stale_gallery(app)
    assert (gallery / "plot_1.py.md5").exists()
    assert not (gallery / "plot_2.py.md5").exists()  # so sphinx-gallery runs it again


def test_an_unsupported_torch_stops_the_build_with_one_line(monkeypatch):
    import buildenv
    from sphinx.errors import ConfigError

    monkeypatch.setattr(buildenv, "versions", lambda: {"torch": "1.13.1", "numpy": "1.26", "python": "3.11"})
    with pytest.raises(ConfigError, match=r"^torch 1\.13\.1 is not supported: this site is built against torch 2\.13, 2\.14 and 2\.15"):
        buildenv.check_torch(None, None)


def test_the_build_looks_for_the_mark_claims_print():
    import claims as claims_extension

    assert claims_extension.CHECK_MARK == CHECK_MARK


def test_claim_cases_needs_several_cases_and_names_the_failing_ones(capsys):
    from torchfig import claim_cases, say

    claim_cases("both hold", {"first": True, "second": np.bool_(True)})
    say("so, in words")
    assert capsys.readouterr().out.splitlines() == [
        f"{CHECK_MARK} both hold", "    checked on 2 cases: first, second", "\u00b6 so, in words"]
    with pytest.raises(ValueError, match="at least two cases"):
        claim_cases("one case", {"only": True})
    with pytest.raises(ClaimFailed, match="fails for: b"):
        claim_cases("all hold", {"a": True, "b": False})


def test_the_build_reads_the_marks_claims_print():
    import claims as claims_extension
    from torchfig import claims as library

    assert claims_extension.CONNECTING == library.CONNECTING
    assert claims_extension.CASES.match(library.CASES.format(count=3) + "a, b, c")
    assert claims_extension.overreach("it works because of x", 1) == "because"
    assert claims_extension.overreach("it works because of x", 2) is None
    assert claims_extension.overreach("a sentence with nothing general", 1) is None


def test_a_collecting_run_records_every_failing_claim_and_goes_on(tmp_path):
    """Collecting: a changed PyTorch fails several claims of a page; each is recorded and the run finishes."""
    records = tmp_path / "claims.jsonl"
    result = run_page("shared-memory.md", tmp_path, "numpy() copies", collect=records)
    assert result.returncode == 0, result.stderr[-2000:]
    verdicts = page_runner.collected(ROOT / "docs" / "shared-memory.md",
                                     [json.loads(line) for line in records.read_text().splitlines()])
    failing = [v for v in verdicts if v["status"] == "fails"]
    assert len(failing) >= 2 and all(v["observed"] for v in failing)
    assert any(v["status"] == "holds" and v["line"] > failing[0]["line"] for v in verdicts), "the run stopped"


def test_a_cell_that_fails_for_a_missing_api_makes_its_claims_not_applicable(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n# Page\n\n"
                    "```{code-cell} python\nimport torch\nfrom torchfig import claim\n"
                    "claim('one holds', True)\n```\n\n"
                    "```{code-cell} python\ntorch.no_such_function()\nclaim('an absent API works', True)\n```\n\n"
                    "```{code-cell} python\nclaim(f'later, {1 + 1} follows', True)\n```\n")
    records = tmp_path / "claims.jsonl"
    result = page_runner.run(page, collect=records)
    assert result.returncode == 0, result.stderr
    verdicts = page_runner.collected(page, [json.loads(line) for line in records.read_text().splitlines()])
    assert [(v["sentence"], v["status"]) for v in verdicts] == [
        ("one holds", "holds"), ("an absent API works", "not applicable"), ("later, 2 follows", "holds")]
    assert "AttributeError" in verdicts[1]["observed"]
