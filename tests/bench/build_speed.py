"""Build speed: a cold build against its floor, no-op and one-page rebuilds, clone to site.

Usage: python tests/bench/build_speed.py [--clone]

Prints the figures and the targets, and exits 1 when a target is missed:
- cold build (clean, everything executed) at most 1.5x the floor, where the
  floor is Sphinx building the same sources with execution off plus one
  Python process running the code of every page and example (the page runner);
- the cold build with this site's execute_ahead, with Sphinx's and
  sphinx-gallery's own parallel options instead, and serial, side by side:
  execute_ahead is worth its code only while it is 20 % faster;
- no-op rebuild at most 3 s, executing nothing;
- after one page's code changes, only that page executes, and the rebuild
  takes at most that page's own run time plus 3 s;
- the torch.compile section of the Beyond NumPy page adds at most 10 s to
  that page's run (pages run side by side, so to the cold build at most as
  much);
- with --clone: a clean clone to a built site, virtual environment included,
  in at most 60 s (nox makes the environment with uv when uv is installed;
  with pip it takes most of a minute by itself).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import page_runner
from site_pages import examples, explanation_pages
from sitebuild import ROOT, build_command, build_env, copy_site

TOUCHED_PAGE = "graph.md"


def timed_build(site: Path, *extra: str, strict: bool = True, env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    command = build_command(site, *extra, strict=strict)
    result = subprocess.run(command, cwd=site, env=build_env(env), check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


def executions(log: str) -> tuple[int, int]:
    """(pages, examples) a build executed, from its log."""
    ahead = sum(int(n) for n in re.findall(r"executing (\d+) pages ahead of reading", log))
    pages = ahead + log.count("Executing notebook using")
    examples = re.search(r"successfully executed (\d+) out of", log)
    return pages, int(examples.group(1)) if examples else 0


def page_run_time(page: Path) -> float:
    """One page executed alone, kernel start included, as a reader's Jupyter would."""
    from jupyter_cache.executors.utils import single_nb_execution
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(page.read_text())
    return single_nb_execution(notebook, cwd=str(page.parent), timeout=300, allow_errors=True).time


COMPILE_PAGE = "beyond-numpy.md"
COMPILE_SECTION = ("## Inside `torch.compile`", "## Inside `torch.func`")


def compile_cost(site: Path) -> float:
    """Seconds the torch.compile section adds to its page's run: the page with it, less the page without."""
    page = site / "docs" / COMPILE_PAGE
    text = page.read_text()
    start, end = (text.index(heading) for heading in COMPILE_SECTION)
    without = page.with_name("without-compile.md")
    without.write_text(text[:start] + text[end:])
    return page_run_time(page) - page_run_time(without)


def floor(work: Path) -> tuple[float, float]:
    site = copy_site(work / "floor")
    # Unexecuted pages lack the kernel's language info, which Sphinx warns about: not strict here.
    sphinx_only, _ = timed_build(
        site, "-D", "nb_execution_mode=off", "-D", "sphinx_gallery_conf.plot_gallery=0", strict=False
    )
    start = time.perf_counter()
    pages = [site / "docs" / f"{p}.md" for p in explanation_pages(site)]
    examples_ = [site / "gallery" / f"{e}.py" for e in examples(site)]
    result = page_runner.run_many(pages + examples_, env=build_env())  # all code, one process
    if result.returncode != 0:
        sys.exit(f"the floor's code run failed:\n{result.stderr[-3000:]}")
    return sphinx_only, time.perf_counter() - start


# The built-in ways to run pages and examples side by side, measured against the cold build, which uses
# execute_ahead (conf.py reads the switches).
BUILT_IN = {
    "built-in: sphinx-build -j 2, gallery parallel 2": (
        ("-j", "2"),
        {"SITE_BENCH_WITHOUT_EXECUTE_AHEAD": "1", "SITE_BENCH_GALLERY_PARALLEL": "2"},
    ),
    "built-in, serial": ((), {"SITE_BENCH_WITHOUT_EXECUTE_AHEAD": "1"}),
}


def built_in_cold_builds(work: Path) -> dict[str, float]:
    """Each built-in option's cold build, from a clean copy of the site, so no cache is shared."""
    builds = {
        name: timed_build(copy_site(work / f"option-{n}"), *extra, env=env)[0]
        for n, (name, (extra, env)) in enumerate(BUILT_IN.items())
    }
    builds["built-in: jupyter-cache local-parallel, then a build reading its cache"] = cache_filled_in_parallel(
        copy_site(work / "option-jupyter-cache")
    )
    return builds


# jupyter-cache's own parallel executor fills the cache the build reads (conf.py's nb_execution_cache_path),
# with page kernels set up as a build sets them up; the build, without execute_ahead, then executes no page.
FILL_CACHE = """
import sys
from pathlib import Path
from types import SimpleNamespace
site = Path(sys.argv[1])
sys.path.insert(0, str(site / "docs" / "_ext"))
from buildenv import execution_cache_path, prepare_kernel_environment
from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor
prepare_kernel_environment(SimpleNamespace(confdir=str(site)), None)
cache = get_cache(execution_cache_path(site))
for page in sys.argv[2:]:
    cache.add_nb_to_project(page, read_data={"name": "myst_nb_md", "type": "plugin"})
result = load_executor("local-parallel", cache).run_and_cache(timeout=300)
sys.exit(f"jupyter-cache could not run: {result.errored}" if result.errored else 0)
"""


def cache_filled_in_parallel(site: Path) -> float:
    start = time.perf_counter()
    pages = [str(site / "docs" / f"{p}.md") for p in explanation_pages(site)]
    filled = subprocess.run(
        [sys.executable, "-c", FILL_CACHE, str(site), *pages],
        check=False,
        env=build_env(),
        capture_output=True,
        text=True,
    )
    if filled.returncode != 0:
        sys.exit(f"jupyter-cache's parallel run failed:\n{filled.stderr[-3000:]}")
    _, log = timed_build(site, env={"SITE_BENCH_WITHOUT_EXECUTE_AHEAD": "1"})
    if executions(log)[0] != 0:
        sys.exit(f"the build after jupyter-cache's run executed {executions(log)[0]} pages: its cache was not used")
    return time.perf_counter() - start


def clone_to_site(work: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(work / "clone")], check=True)
    # the nox on PATH, as a person runs it (the bench's own environment has none); uv makes its environment
    subprocess.run(["nox", "-s", "docs"], cwd=work / "clone", check=True, capture_output=True)
    return time.perf_counter() - start


def main(clone: bool) -> int:
    work = Path(tempfile.mkdtemp(prefix="build-speed-"))
    sphinx_only, code_only = floor(work)
    site = copy_site(work / "site")
    cold, cold_log = timed_build(site)
    noop, noop_log = timed_build(site)
    page = site / "docs" / TOUCHED_PAGE
    page.write_text(page.read_text().replace("```{code-cell} python\n", "```{code-cell} python\n# edited\n", 1))
    touched, touched_log = timed_build(site)
    own = page_run_time(page)
    compiling = compile_cost(site)

    floor_total = sphinx_only + code_only
    built_in = built_in_cold_builds(work)
    best_built_in = min(built_in.values())
    rows = [
        ("floor: Sphinx, execution off", f"{sphinx_only:.1f} s", ""),
        ("floor: all code, one process", f"{code_only:.1f} s", ""),
        ("floor", f"{floor_total:.1f} s", ""),
        ("cold build", f"{cold:.1f} s", "executed {} pages, {} examples".format(*executions(cold_log))),
        ("cold / floor", f"{cold / floor_total:.2f}", "target <= 1.50"),
        *((f"cold build, {name}", f"{seconds:.1f} s", "") for name, seconds in built_in.items()),
        (
            "cold build (execute_ahead) against the best built-in",
            f"{cold / best_built_in:.2f}",
            "execute_ahead stays only below 0.80 (20 % faster); else the built-in is simpler",
        ),
        (
            "no-op rebuild",
            f"{noop:.1f} s",
            "executed {} pages, {} examples; target <= 3 s, 0".format(*executions(noop_log)),
        ),
        (
            f"rebuild after editing {TOUCHED_PAGE}",
            f"{touched:.1f} s",
            "executed {} pages, {} examples".format(*executions(touched_log)) + f"; target <= {own:.1f} + 3 s, 1 page",
        ),
        ("torch.compile section of " + COMPILE_PAGE, f"{compiling:.1f} s", "added to that page's run; target <= 10 s"),
    ]
    misses = []
    if cold / floor_total > 1.5:
        misses.append("cold build over 1.5x the floor")
    if cold / best_built_in > 0.8:
        misses.append("execute_ahead no longer 20 % faster than the built-in options")
    if noop > 3 or executions(noop_log) != (0, 0):
        misses.append("no-op rebuild")
    if touched > own + 3 or executions(touched_log) != (1, 0):
        misses.append("one-page rebuild")
    if compiling > 10:
        misses.append("torch.compile section")
    if clone:
        seconds = clone_to_site(work)
        rows.append(("clean clone to built site", f"{seconds:.0f} s", "target <= 60 s"))
        if seconds > 60:
            misses.append("clone to site")
    width = max(len(name) for name, _, _ in rows)
    for name, value, note in rows:
        print(f"{name:{width}} {value:>9}  {note}")
    print("\nTargets missed: " + ", ".join(misses) if misses else "\nAll targets met.")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main("--clone" in sys.argv))
