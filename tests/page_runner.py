"""Run a page's or an example's code outside Sphinx: the one runner for tests, perturbations, the bench and the ledger.

A page is split into its code cells (tags and first line from the MyST
source), an example into its ``# %%`` blocks. The cells run in one fresh
Python process, in one namespace, as a notebook would run them: seeds reset
first, ``display()`` available, the working directory the file's folder, the
site's figure library importable. A cell tagged ``raises-exception`` may
raise; any other exception stops the run, its traceback naming the page and
the line (``docs/page.md:LINE``), as the build does.

A check that fails stops the run; its error names the check's id, and for a
page the runner adds the sentence the page states for that id.

Collecting (``collect=path``): every check's verdict is written to ``path``
as JSON lines and the run goes on past a failing check; a cell that raises
is recorded with its error, and the checks it names but never reached are
recorded as not applicable (the release lacks what the cell uses) or not
reached (it raised something else). The run then always exits 0.
:func:`cells_needed` picks the cells one check needs, so that a check run
after an earlier difference can be run again without it.

The process's Python is a parameter, so the same run works in an
environment holding another torch release.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
from cells import FAILED_CHECK, source_spans

CHECK_CALL = re.compile(r"""\bcheck(?:_\w+)?\(\s*["']([a-z0-9-]+)["']""")  # the id a check call names


@dataclass
class Cell:
    source: str
    line: int  # the line of the file where the cell's code starts
    raises: bool = False  # shown raising on purpose


def page_cells(page: Path) -> list[Cell]:
    """The code cells of a MyST page, with the line each one's code starts on."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(page.read_text(encoding="utf-8"), add_source_map=True)
    fences = notebook.metadata["source_map"]
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        options = len(re.findall(r"^:\w[\w-]*:", _after_fence(page, fences[index]), flags=re.MULTILINE))
        cells.append(
            Cell(cell.source, fences[index] + 1 + options, "raises-exception" in cell.metadata.get("tags", []))
        )
    return cells


def _after_fence(page: Path, fence: int) -> str:
    """The option lines (``:tags: [...]``) right after a cell's opening fence."""
    lines = page.read_text(encoding="utf-8").splitlines()[fence:]
    return "\n".join(line for line in _leading_options(lines))


def _leading_options(lines):
    for line in lines:
        if not line.startswith(":"):
            return
        yield line


def example_cells(script: Path) -> list[Cell]:
    """The ``# %%`` blocks of a gallery script (the docstring before them is the first)."""
    lines = script.read_text(encoding="utf-8").splitlines()
    starts = [0] + [i for i, line in enumerate(lines) if line.startswith("# %%")]
    ends = starts[1:] + [len(lines)]
    return [Cell("\n".join(lines[a:b]), a + 1) for a, b in zip(starts, ends) if "\n".join(lines[a:b]).strip()]


def cells_of(path: Path) -> list[Cell]:
    return page_cells(path) if path.suffix == ".md" else example_cells(path)


def named_checks(source: str) -> list[str]:
    """The ids of the checks a cell's code calls, in order."""
    return CHECK_CALL.findall(source)


def check_and_prose_lines(page: Path) -> tuple[int, int]:
    """Non-blank lines of a page's check cells (cells that call a check) and of its Markdown."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(Path(page).read_text(encoding="utf-8"))
    checks = prose = 0
    for cell in notebook.cells:
        lines = sum(1 for line in cell.source.splitlines() if line.strip())
        if cell.cell_type == "markdown":
            prose += lines
        elif named_checks(cell.source):
            checks += lines
    return checks, prose


def with_sentences(stderr: str, paths) -> str:
    """A failed check's error followed by the sentence its page states for that id."""
    sentences = {
        i: text
        for p in paths
        if Path(p).suffix == ".md"
        for i, text, _ in source_spans(Path(p).read_text(encoding="utf-8"))
    }
    failed = FAILED_CHECK.search(stderr)
    if not failed or failed.group(1) not in sentences:
        return stderr
    return stderr + f"ClaimFailed: {failed.group(0)}: {sentences[failed.group(1)]}\n"


# Runs in the child process, which may hold another torch: only the standard library, torch and torchfig.
# Each file gets a fresh namespace, fresh seeds and its own folder, as a fresh kernel would.
DRIVER = r"""
import json, os, random, sys, traceback
files = json.load(open(sys.argv[1], encoding="utf-8"))
import matplotlib
matplotlib.use("Agg")
import numpy, torch
import torchfig.checks as checks
collect = os.environ.get("TORCHFIG_COLLECT")
for spec in files:
    os.chdir(spec["folder"])
    random.seed(0); numpy.random.seed(0); torch.manual_seed(0)
    namespace = {"__name__": "__main__", "display": lambda *objects: None}
    for cell in spec["cells"]:
        checks.collecting_from = {"file": spec["file"], "line": cell["line"]}
        code = compile("\n" * (cell["line"] - 1) + cell["source"], spec["file"], "exec")
        outcome = {"cell_done": True}
        try:
            exec(code, namespace)
        except Exception as err:
            if not cell["raises"]:
                if not collect:
                    traceback.print_exc()
                    sys.exit(1)
                # one line: the type and the first line of the message that says something (and the
                # line after it when it ends with a colon: "backend='x' raised:" names no cause)
                lines = [line.strip() for line in str(err).splitlines() if line.strip()] or [""]
                said = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]
                outcome = {"cell_error": f"{type(err).__name__}: {said}"[:300]}
        if collect:
            with open(collect, "a", encoding="utf-8") as out:
                out.write(json.dumps({"file": spec["file"], "line": cell["line"], **outcome}) + "\n")
"""


def shown_name(path: Path) -> str:
    """How results name a file: its path in the repository, or its name if it lives elsewhere."""
    resolved = Path(path).resolve()
    return resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else resolved.name


def run(path: Path, **options) -> subprocess.CompletedProcess:
    """Run every cell of the page or example at ``path``; returns the finished process."""
    return run_many([path], **options)


def run_many(
    paths,
    *,
    python: str = sys.executable,
    env: dict | None = None,
    collect: Path | None = None,
    cwd: Path | None = None,
    timeout: int = 900,
) -> subprocess.CompletedProcess:
    """Run several pages and examples one after another in one process (each as if alone)."""
    paths = list(paths)
    files = [
        {"file": shown_name(p), "folder": str(cwd or Path(p).parent), "cells": [asdict(c) for c in cells_of(Path(p))]}
        for p in paths
    ]
    return _drive(files, paths, python=python, env=env, collect=collect, timeout=timeout)


def run_slice(
    path: Path, indices: list[int], *, python: str = sys.executable, collect: Path, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run only some cells of a page or example (by index), in a fresh process, collecting."""
    cells = cells_of(Path(path))
    files = [{"file": shown_name(path), "folder": str(Path(path).parent), "cells": [asdict(cells[i]) for i in indices]}]
    return _drive(files, [path], python=python, env=None, collect=collect, timeout=timeout)


def _drive(files: list[dict], paths, *, python, env, collect, timeout) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "cells.json"
        spec.write_text(json.dumps(files), encoding="utf-8")
        child = os.environ | {"MPLBACKEND": "Agg"} | (env or {})
        child["PYTHONPATH"] = os.pathsep.join(filter(None, [child.get("PYTHONPATH"), str(ROOT)]))
        if collect is not None:
            child["TORCHFIG_COLLECT"] = str(collect)
        result = subprocess.run(
            [python, "-c", DRIVER, str(spec)], env=child, check=False, capture_output=True, text=True, timeout=timeout
        )
    result.stderr = with_sentences(result.stderr, paths)
    return result


# -- The cells a check needs ---------------------------------------------------------
# A check that differs after an earlier cell of its page differed or raised may only
# be following that earlier difference. The release ledger runs it again with only
# the cells it needs: each earlier cell that binds or changes a name it reads, and
# theirs in turn. A cell "changes" a name when it assigns to an item or attribute of
# it, or passes it to a call made as a statement (``t.mul_(2)``, ``optimizer.step()``,
# ``torch.nn.init.zeros_(w)``). A module's own functions change no name
# (``torch.set_grad_enabled(False)``): state kept inside a module is what the fresh
# run leaves behind.


def _bound_and_read(source: str, modules: set[str]) -> tuple[set[str], set[str]]:
    """Names a cell binds or changes, and names it reads."""
    bound, changed, read = set(), set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(_imported(node))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            changed.update(_root(t) for t in targets if isinstance(t, (ast.Subscript, ast.Attribute)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            changed.update(
                _root(n) for n in ([call.func.value] if isinstance(call.func, ast.Attribute) else []) + call.args
            )
    return bound | (changed - modules - BUILTINS - {None}), read


BUILTINS = set(dir(builtins))


def _imported(node) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def _root(node) -> str | None:
    while isinstance(node, (ast.Subscript, ast.Attribute, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def cells_needed(cells: list[Cell], index: int) -> list[int]:
    """The indices of the cells that cell ``index`` needs, itself included, in page order."""
    modules = {
        name
        for cell in cells
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Import)
        for name in _imported(node)
    }
    needed = _bound_and_read(cells[index].source, modules)[1]
    chosen = [index]
    for earlier in range(index - 1, -1, -1):
        bound, read = _bound_and_read(cells[earlier].source, modules)
        if bound & needed:
            chosen.append(earlier)
            needed |= read
    return sorted(chosen)


# What a cell's error says when the release lacks what the code uses: the check does not apply there.
MISSING_API = [
    (re.compile(r"AttributeError: module '([\w.]+)' has no attribute '(\w+)'"), "{0}.{1} does not exist"),
    (re.compile(r"AttributeError: '(Tensor|torch\.[\w.]+)' object has no attribute '(\w+)'"), "{0}.{1} does not exist"),
    # an autograd node's method (node objects are named by their class: SumBackward0)
    (
        re.compile(r"AttributeError: '\w+Backward\d*' object has no attribute '(\w+)'"),
        "autograd nodes' {0}() does not exist",
    ),
    # a nested function is named with its enclosing one: aot_autograd.<locals>.compiler_fn()
    (re.compile(r"TypeError: ([\w.<>]+)\(\) got an unexpected keyword argument '(\w+)'"), "{0}() takes no {1}="),
    (re.compile(r"ImportError: cannot import name '(\w+)' from '([\w.]+)'"), "{1}.{0} does not exist"),
    (re.compile(r"ModuleNotFoundError: No module named '((?:torch|numpy)[\w.]*)'"), "{0} does not exist"),
    (re.compile(r"RuntimeError: (Python [\d.]+\+? not yet supported for torch\.compile)"), "{0}"),
    # a pinned library (transformers) that no longer supports this torch
    (
        re.compile(r"ImportError: (\w+) requires PyTorch >= ([\d.]+)"),
        "{0} of the pinned transformers (it needs torch {1}+) does not load",
    ),
]


def missing_api(error: str) -> str | None:
    """What the release lacks, if a cell's error says it lacks something the code uses."""
    for pattern, said in MISSING_API:
        found = pattern.search(error)
        if found:
            return said.format(*found.groups()) + " in this release"
    return None


def collected(path: Path, records: list[dict]) -> list[dict]:
    """One file's verdicts, one status each: holds; differs (what was observed); not applicable (what
    the release lacks, when the cell naming the check failed for a missing API); not reached (the cell
    naming the check raised something else: which cell, and what). When a cell the raising cell needs
    raised before it, the cause named is where that chain of failures starts."""
    shown = shown_name(path)
    mine = [r for r in records if r.get("file") == shown]
    failed = {r["line"]: r["cell_error"] for r in mine if "cell_error" in r}
    seen = {(r["line"], r["id"]) for r in mine if "id" in r}
    verdicts = [{**r, "status": "differs" if r["status"] == "fails" else r["status"]} for r in mine if "id" in r]
    cells = cells_of(path)
    root: dict[int, int] = {}  # index of a cell that raised -> line of the cell its failure started from
    for index, cell in enumerate(cells):
        if cell.line not in failed:
            continue
        # the nearest earlier cell it needs that raised (an earlier one may have bound what it needs first),
        # followed back: that cell's own NameError may echo a failure further up
        earlier = [i for i in cells_needed(cells, index)[:-1] if cells[i].line in failed]
        root[index] = root[earlier[-1]] if earlier else cell.line
        cause = root[index]
        lacking = missing_api(failed[cause])
        opening = next(_opening(c) for c in cells if c.line == cause)
        where = "its cell" if cause == cell.line else f"a cell it needs ({opening})"
        for check_id in named_checks(cell.source):
            if (cell.line, check_id) not in seen:
                verdicts.append(
                    {"file": shown, "line": cell.line, "id": check_id}
                    | (
                        {"status": "not applicable", "observed": lacking}
                        if lacking
                        else {"status": "not reached", "observed": f"{where} raised {failed[cause]}"}
                    )
                )
    return sorted(verdicts, key=lambda v: v["line"])


def _opening(cell: Cell, width: int = 48) -> str:
    """How a reader finds a cell on the page: its first line of code (a line number is not shown there)."""
    first = next(
        (line.strip() for line in cell.source.splitlines() if line.strip() and not line.lstrip().startswith("#")), ""
    )
    return f'the one opening "{first if len(first) <= width else first[: width - 1] + "…"}"'


def disturbed_lines(records: list[dict], path: Path) -> list[int]:
    """Lines of a file's cells that raised, or whose checks did not hold: what may disturb later checks."""
    shown = shown_name(path)
    return sorted(
        {r["line"] for r in records if r.get("file") == shown and ("cell_error" in r or r.get("status") == "fails")}
    )
