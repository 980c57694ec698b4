"""The release ledger: which checks hold on which torch release.

Usage:
    python tests/release_ledger.py [RELEASE ...]          (nox -s ledger -- 2.0.1 2.4.1)
    python tests/release_ledger.py --column FILE RELEASE  one release's column into FILE
    python tests/release_ledger.py --merge FILE ...       columns written by --column, into the ledger
    python tests/release_ledger.py --device cuda          this machine's GPU column (needs a CUDA torch and a GPU)
    python tests/release_ledger.py --numpy 1.26.4         this machine's torch with another NumPy: which
                                                          differences of old releases follow NumPy
    python tests/release_ledger.py --only docs/recipes.md [RELEASE ...]
                                                          only these files run again (--only may repeat):
                                                          the release's other results are kept

For each release (default: every release in pyproject.toml's
``[tool.site] ledger-releases``), one at a time: a
fresh virtual environment with that torch, a NumPy it supports, matplotlib
and graphviz; every explanation page and gallery example run through the page
runner in its collecting mode; the verdicts merged into ``LEDGER`` (other
releases' columns are kept, so the ledger fills in parts); the environment
deleted. Releases other than the one on this machine's disk download as CUDA
builds of several GB: nothing is cached (``--no-cache-dir``). The release this
interpreter already has is run here, without a new environment. ``--column``
and ``--merge`` split the same work for a CI matrix: one job per release,
then one job merging (``.github/workflows/ledger.yml``).

Each check gets one status: holds, differs, not applicable or not reached
(``page_runner.collected``). A check that did not hold after an earlier cell
of its page raised or differed is run again in a fresh process with only
the cells it needs (``page_runner.cells_needed``), and that run's result is
recorded, so no status is the echo of an earlier difference.

Prints, per release, the time taken and the environment's size on disk.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import page_runner
from site_pages import examples, explanation_pages

ROOT = page_runner.ROOT
LEDGER = ROOT / "docs" / "_data" / "ledger.json"
STATUSES = ("holds", "differs", "not applicable", "not reached")
# The last patch release of every minor release since 2.0, listed once, in pyproject.toml.
RELEASES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["site"]["ledger-releases"]


def numpy_for(release: str) -> str:
    """A NumPy the release was built to work with: torch before 2.3 was built against NumPy 1."""
    major, minor = (int(part) for part in release.split(".")[:2])
    if (major, minor) < (2, 3):
        return "1.26.4"
    return _pin("numpy")


def _pin(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==")[1].split("#")[0].strip()
    raise KeyError(name)


def sources(only: list[str] | None = None) -> list[Path]:
    """The files the ledger runs: every page and example, or those named (as the ledger names them)."""
    every = [ROOT / "docs" / f"{p}.md" for p in explanation_pages()] + [
        ROOT / "gallery" / f"{e}.py" for e in examples()
    ]
    if only is None:
        return every
    unknown = sorted(set(only) - {page_runner.shown_name(path) for path in every})
    if unknown:
        sys.exit(f"not a file of the ledger: {', '.join(unknown)} (name them as docs/NAME.md or gallery/NAME.py)")
    return [path for path in every if page_runner.shown_name(path) in only]


def size_gb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e9


def environment(release: str, home: Path, numpy: str | None = None) -> tuple[str, float]:
    """A virtual environment holding this torch release (and NumPy); its python, and its size in GB."""
    subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
    python = str(home / "bin" / "python")
    packages = [
        f"torch=={release}",
        f"numpy=={numpy or numpy_for(release)}",
        f"matplotlib=={_pin('matplotlib')}",
        f"graphviz=={_pin('graphviz')}",
        f"transformers=={_pin('transformers')}",  # example 11's GPT-2
        f"ipython=={metadata.version('ipython')}",
    ]  # pages display Markdown through IPython
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-cache-dir",
            "--no-compile",
            "--disable-pip-version-check",
            *packages,
        ],
        check=True,
    )
    return python, size_gb(home)


def run_release(python: str, only: list[str] | None = None) -> list[dict]:
    """Every page's and example's verdicts under ``python`` (or only those of the files named)."""
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "checks.jsonl"
        records.touch()
        result = page_runner.run_many(sources(only), python=python, collect=records, timeout=1800)
        if result.returncode != 0:  # the driver itself failed (torch or torchfig would not import)
            raise RuntimeError(f"the pages did not run: {result.stderr.strip().splitlines()[-1:]}")
        lines = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
        for source in sources(only):
            verdicts += settled(
                source,
                page_runner.collected(source, lines),
                page_runner.disturbed_lines(lines, source),
                python,
                Path(tmp),
            )
    return verdicts


def settled(source: Path, verdicts: list[dict], disturbed: list[int], python: str, tmp: Path) -> list[dict]:
    """A file's verdicts, each one that did not hold after an earlier disturbance replaced by a fresh run's."""
    cells = page_runner.cells_of(source)
    index_of = {cell.line: i for i, cell in enumerate(cells)}
    fresh_runs: dict[int, list[dict]] = {}  # by cell: one fresh run serves every check of that cell
    out = []
    for verdict in verdicts:
        if verdict["status"] == "holds" or not any(line < verdict["line"] for line in disturbed):
            out.append(verdict)
            continue
        index = index_of[verdict["line"]]
        if index not in fresh_runs:
            records = tmp / f"fresh-{source.stem}-{index}.jsonl"
            records.touch()
            page_runner.run_slice(source, page_runner.cells_needed(cells, index), python=python, collect=records)
            lines = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
            fresh_runs[index] = page_runner.collected(source, lines)
        again = next((v for v in fresh_runs[index] if v["id"] == verdict["id"]), None)
        out.append((again or verdict) | {"fresh": again is not None})
    return out


def versions_of(python: str) -> dict:
    code = "import torch, numpy, platform; print(torch.__version__, numpy.__version__, platform.python_version())"
    torch_version, numpy_version, python_version = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return {"torch": torch_version.split("+")[0], "numpy": numpy_version, "python": python_version}


def merge(ledger: dict, release: str, found: dict, verdicts: list[dict], only: list[str] | None = None) -> dict:
    """The ledger with this release's column replaced (or only the results of the files in ``only``, the
    release's record of its full run kept); checks are keyed by file and id."""
    if only is None or release not in ledger["releases"]:
        ledger["releases"][release] = found
    checks = ledger.setdefault("checks", [])
    for entry in checks:
        if only is None or entry["file"] in only:
            entry["results"].pop(release, None)
    by_key = {(e["file"], e["id"]): e for e in checks}
    for v in verdicts:
        entry = by_key.get((v["file"], v["id"]))
        if entry is None:  # a check no release has recorded yet
            entry = by_key[v["file"], v["id"]] = {"file": v["file"], "id": v["id"], "results": {}}
            checks.append(entry)
        result = (
            {"status": v["status"]}
            | ({"observed": v["observed"]} if "observed" in v else {})
            | ({"fresh": True} if v.get("fresh") else {})
        )  # from a run of only the cells the check needs
        previous = entry["results"].get(release)
        if previous is None or previous["status"] == "holds":  # a check made twice counts its worst case
            entry["results"][release] = result
    ledger["checks"] = sorted((e for e in checks if e["results"]), key=lambda e: (e["file"], e["id"]))
    ledger["releases"] = dict(sorted(ledger["releases"].items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))
    return ledger


def installed_release() -> str:
    """The torch release this interpreter has (a local version such as +cpu left off)."""
    return metadata.version("torch").split("+")[0]


def read_ledger() -> dict:
    return json.loads(LEDGER.read_text(encoding="utf-8")) if LEDGER.exists() else {"releases": {}, "checks": []}


def run_column(release: str, only: list[str] | None = None) -> dict:
    """One release's column: the versions it ran with and every check's verdict (of the files in ``only``)."""
    start = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix=f"ledger-{release}-"))
    try:
        python, disk = (sys.executable, 0.0) if release == installed_release() else environment(release, home / "venv")
        found = versions_of(python)
        verdicts = run_release(python, only)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    seconds = time.perf_counter() - start
    found |= {"date": datetime.date.today().isoformat(), "seconds": round(seconds), "environment_gb": round(disk, 1)}
    counts = {s: sum(v["status"] == s for v in verdicts) for s in STATUSES}
    print(
        f"torch {release}: {seconds:.0f} s, environment {disk:.1f} GB, NumPy {found['numpy']}, "
        + ", ".join(f"{n} {s}" for s, n in counts.items()),
        flush=True,
    )
    return {"release": release, "found": found, "verdicts": verdicts} | ({"only": only} if only else {})


def merge_columns(columns: list[dict]) -> None:
    """Each column into the ledger file, read afresh: another run may have written it."""
    ledger = read_ledger()
    for column in columns:
        ledger = merge(ledger, column["release"], column["found"], column["verdicts"], column.get("only"))
    write_ledger(ledger)


def write_ledger(ledger: dict) -> None:
    LEDGER.parent.mkdir(parents=True, exist_ok=True)
    LEDGER.write_text(json.dumps(ledger, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def gpu_column() -> dict:
    """Every check run with the installed torch on this machine's GPU: what GPU sentences are checked from."""
    import torch

    if not torch.cuda.is_available():
        sys.exit("--device cuda needs a GPU and a CUDA build of torch; torch.cuda.is_available() is False here")
    smi = shutil.which("nvidia-smi")
    driver = (
        subprocess.run(
            [smi, "--query-gpu=driver_version", "--format=csv,noheader"], check=False, capture_output=True, text=True
        )
        .stdout.split("\n")[0]
        .strip()
        if smi
        else "unknown"
    )
    found = {
        "device": torch.cuda.get_device_name(0),
        "driver": driver or "unknown",
        "torch": installed_release(),
        "date": datetime.date.today().isoformat(),
    }
    verdicts = run_release(sys.executable)
    print(f"{found['device']}: " + ", ".join(f"{sum(v['status'] == s for v in verdicts)} {s}" for s in STATUSES))
    return {"found": found, "checks": _compact(verdicts)}


def _compact(verdicts: list[dict]) -> list[dict]:
    return [{k: v[k] for k in ("file", "id", "status", "observed") if k in v} for v in verdicts]


def numpy_probe(numpy_version: str) -> dict:
    """Every check with this machine's torch and another NumPy (old releases run with NumPy 1): a
    difference of an old release that this run shows too follows NumPy, not torch."""
    home = Path(tempfile.mkdtemp(prefix="ledger-numpy-"))
    try:
        python, _ = environment(installed_release(), home / "venv", numpy=numpy_version)
        found = versions_of(python) | {"date": datetime.date.today().isoformat()}
        verdicts = run_release(python)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(
        f"torch {found['torch']} with NumPy {found['numpy']}: "
        + ", ".join(f"{sum(v['status'] == s for v in verdicts)} {s}" for s in STATUSES),
        flush=True,
    )
    return {"found": found, "checks": _compact(verdicts)}


def main(argv: list[str]) -> int:
    argv, only = _only(argv)
    if only and argv[:1] in (["--device"], ["--numpy"], ["--merge"]):
        sys.exit("--only goes with a run of releases or with --column, not with " + argv[0])
    if argv == ["--device", "cuda"]:
        write_ledger(read_ledger() | {"cuda": gpu_column()})
        return 0
    if argv[:1] == ["--numpy"] and len(argv) == 2:
        write_ledger(read_ledger() | {"numpy_probe": numpy_probe(argv[1])})
        return 0
    if argv[:1] == ["--merge"]:
        merge_columns([json.loads(Path(f).read_text(encoding="utf-8")) for f in argv[1:]])
        return 0
    if argv[:1] == ["--column"]:
        if len(argv) != 3:
            sys.exit("usage: release_ledger.py --column FILE RELEASE")
        check_releases(argv[2:])
        column = run_column(argv[2], only)
        Path(argv[1]).write_text(json.dumps(column, indent=1, sort_keys=True), encoding="utf-8")
        return 0
    check_releases(argv)
    for release in argv or RELEASES:
        merge_columns([run_column(release, only)])
    return 0


def _only(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """The arguments without each ``--only FILE``, and the files named (None: every file)."""
    rest, only = [], []
    words = iter(argv)
    for word in words:
        if word == "--only":
            only.append(next(words, None) or sys.exit("usage: --only FILE (docs/NAME.md or gallery/NAME.py)"))
        else:
            rest.append(word)
    if only:
        sources(only)  # an unknown file stops the run before any environment is made
    return rest, only or None


def check_releases(releases: list[str]) -> None:
    unknown = [r for r in releases if r not in RELEASES]
    if unknown:
        sys.exit(f"not a release of the ledger: {', '.join(unknown)} (releases: {', '.join(RELEASES)})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
