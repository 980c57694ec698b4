"""Sessions that build, preview and test the site. Run ``nox -l`` for the list.

Each session calls the same commands a person would; the build command lives
in one place (``sphinx_build``) so ``docs`` and ``serve`` cannot drift apart.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["docs"]
# uv creates and fills an environment in seconds where pip takes most of a minute; without uv, venv and pip
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_existing_virtualenvs = True  # keep the installed torch between runs

PYTHON = "3.11"
OUT = "_build/html"
DOT_MISSING = (
    "Graphviz's `dot` was not found on PATH; install Graphviz first "
    "(apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz)"
)
CHROMIUM = "chromium"
CHROMIUM_MISSING = "Chromium was not found on PATH; the browser tests need it (apt-get install chromium)"
AXE_CORE = "axe-core@4.14.1"
LINTERS = ["ruff==0.17.6", "mypy==2.4.1"]  # configured in pyproject.toml (and gallery/ruff.toml)
LIGHTHOUSE = "lighthouse@13.5.0"
SITE = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["site"]
TORCH_RELEASES = SITE["torch-releases"]
BUILD_ENV = SITE["build"]["env"]  # the one build recipe, commented in pyproject.toml


def require_dot(session):
    if shutil.which("dot") is None:
        session.error(DOT_MISSING)


def require_chromium(session):
    if shutil.which(CHROMIUM) is None:
        session.error(CHROMIUM_MISSING)


def pip_find_links() -> str | None:
    """Where pip looks for local wheels (PIP_FIND_LINKS, else pip's configuration files), or None."""
    if os.environ.get("PIP_FIND_LINKS"):
        return os.environ["PIP_FIND_LINKS"]
    found = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.find-links"], check=False, capture_output=True, text=True
    )
    return (found.stdout.strip() or None) if found.returncode == 0 else None


def uv_sees_pips_sources() -> None:
    """uv reads neither pip's configuration nor its variables: hand it pip's local wheels and extra index
    (the torch CPU wheels of the hosting configs), unless uv's own variables say otherwise."""
    find_links = pip_find_links()
    if find_links:
        os.environ.setdefault("UV_FIND_LINKS", find_links)
    if os.environ.get("PIP_EXTRA_INDEX_URL"):
        os.environ.setdefault("UV_EXTRA_INDEX_URL", os.environ["PIP_EXTRA_INDEX_URL"])
        # as pip does: each package's best match across all indexes (uv's default stops at the first index
        # that has the name, and the torch index also has some of torch's dependencies, in other versions)
        os.environ.setdefault("UV_INDEX_STRATEGY", "unsafe-best-match")


def install(session, torch=None):
    """requirements.txt, with another torch pin when one is given, the figure library and the Sphinx helpers."""
    requirements = Path("requirements.txt").read_text()
    if torch:
        requirements = re.sub(r"^torch==\S+", f"torch=={torch}", requirements, flags=re.MULTILINE)
    pinned = Path(session.create_tmp()) / "requirements.txt"
    pinned.write_text(requirements)
    if session.venv_backend == "uv":
        uv_sees_pips_sources()
        session.install("-r", str(pinned))  # uv compiles nothing unless asked
    else:
        # --no-compile: byte-compiling all of torch took half the install; Python compiles what is imported
        session.install("--no-compile", "-r", str(pinned))
    session.install("-e", ".", "--no-deps")  # the figure library, as pages import it
    # the Sphinx helpers: myst-nb finds the verdict renderer by entry point
    session.install("-e", "docs/_ext", "--no-deps")


def sphinx_build(out=OUT):
    # Flags and their values in pairs, each with its reason.
    # fmt: off
    return [
        "sphinx-build",
        "-c", ".",  # conf.py sits at the root ...
        "docs", out,  # ... and the pages in docs/
        "-d", "_build/doctrees",  # Sphinx's pickles beside the site, not in the tree that is published
        *SITE["build"]["flags"],  # strict: see pyproject.toml
        "-q",  # print only warnings and errors
    ]
    # fmt: on


def clean_build(session):
    for stale in ("_build", *SITE["build"]["generated"]):
        shutil.rmtree(stale, ignore_errors=True)  # from scratch: no cached output can hide drift
    session.run(*sphinx_build(), "-E", env=BUILD_ENV)  # -E: no saved environment either
    session.log(f"Built the site into {OUT}/index.html")


@nox.session(python=PYTHON)
def docs(session):
    """Clean, strict build of the whole site into _build/html, executing everything."""
    require_dot(session)
    install(session)
    clean_build(session)


@nox.session(python=PYTHON)
def serve(session):
    """Live preview on http://127.0.0.1:8000; re-executes only what changed."""
    require_dot(session)
    install(session)
    # Flags and their values in pairs.
    # fmt: off
    session.run(
        "sphinx-autobuild", *sphinx_build()[1:],
        "--host", "127.0.0.1", "--port", "8000",
        "--watch", "gallery", "--watch", "torchfig",  # sources outside docs/ that pages use
        *(arg for folder in SITE["build"]["generated"] for arg in ("--ignore", f"{folder}/*")),  # the build's own
        env=BUILD_ENV,
    )
    # fmt: on


def install_node_tools(session, *packages) -> Path:
    """npm packages into the session's own folder; returns its node_modules."""
    prefix = Path(session.virtualenv.location) / "node"
    session.run(
        "npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix), *packages, external=True
    )
    return prefix / "node_modules"


def run_linters(session):
    """ruff's rules and format over all the code, mypy over torchfig; needs install(session) first (torch's types)."""
    session.install(*LINTERS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "torchfig")


@nox.session(python=PYTHON)
def lint(session):
    """ruff (lint and format check) over the code, mypy over the figure library."""
    install(session)
    run_linters(session)


def run_tests(session, torch=None, lint=False):
    require_dot(session)
    require_chromium(session)
    install(session, torch=torch)
    if lint:  # in this session, so a lint failure fails it
        run_linters(session)
    node_modules = install_node_tools(session, AXE_CORE)
    env = BUILD_ENV | {"AXE_CORE_JS": str(node_modules / "axe-core" / "axe.min.js")}
    # Two workers, one per core of the machines the suite runs on; `-- -n 0` runs it in one process.
    # worksteal: a worker that runs out takes tests queued for the other, so a few long builds queued
    # on one worker do not leave the other idle at the end.
    session.run("pytest", "-n", "2", "--dist", "worksteal", *session.posargs, env=env)


@nox.session(python=PYTHON)
def tests(session):
    """Lint, then the whole test suite: figure library, claims, a full build, checks on it, browser tests."""
    run_tests(session, lint=True)


@nox.session(python=PYTHON)
def budget(session):
    """Page weight, request count and Lighthouse scores of three pages, against the site's targets."""
    require_dot(session)
    require_chromium(session)
    install(session)
    node_modules = install_node_tools(session, LIGHTHOUSE)
    clean_build(session)
    session.run("python", "tests/bench/lighthouse_budget.py", OUT, str(node_modules / ".bin" / "lighthouse"))


@nox.session(python=PYTHON)
def bench(session):
    """Check lines per page; speed against targets: 1,000-node figures, cold build vs floor, rebuilds (`-- --clone`)."""
    require_dot(session)
    install(session)
    session.install("joblib==1.6.0")  # sphinx-gallery's parallel option, measured against execute_ahead
    session.run("python", "tests/bench/source_figures.py")
    session.run("python", "tests/bench/figure_speed.py", env=BUILD_ENV)
    session.run("python", "tests/bench/silent_writes_overhead.py", env=BUILD_ENV)
    session.run("python", "tests/bench/build_speed.py", *session.posargs, env=BUILD_ENV)


@nox.session(python=PYTHON)
def screenshots(session):
    """A clean build, then full-page PNGs of every explanation page at 1280 and 375 px in _build/screenshots."""
    require_dot(session)
    require_chromium(session)
    install(session)
    clean_build(session)
    session.run("python", "tests/screenshots.py", OUT, "_build/screenshots", *session.posargs)


@nox.session(python=PYTHON)
def soak(session):
    """N clean builds (`-- N`, default 5) in paths of different lengths, compared file by file."""
    require_dot(session)
    install(session)
    session.run("python", "tests/bench/soak.py", *session.posargs, env=BUILD_ENV)


@nox.session(python=PYTHON)
def unit(session):
    """The fast loop: figure library, claims, prose rules and helpers; no site build, no browser."""
    require_dot(session)
    install(session)
    # Two workers: these tests start many short Python processes, which the second core halves.
    session.run("pytest", "-m", "not build and not browser", "-n", "2", *session.posargs, env=BUILD_ENV)


@nox.session(python=PYTHON)
def ledger(session):
    """Every page's and example's checks on each torch release since 2.0 into docs/_data/ledger.json (`-- 2.4.1`: some)."""
    install(session)  # the page runner reads pages with myst-nb; each release gets its own environment
    session.run("python", "tests/release_ledger.py", *session.posargs, env=BUILD_ENV)


@nox.session(python=PYTHON)
@nox.parametrize("torch", TORCH_RELEASES)
def matrix(session, torch):
    """The whole test suite (build included) against each supported torch release."""
    session.log(f"torch=={torch}")
    run_tests(session, torch=torch)


@nox.session(python=False)
def inventories(session):
    """Download the PyTorch, NumPy and Python objects.inv again into docs/_inventories (needs network)."""
    import urllib.request

    for name, site in SITE["inventories"].items():
        url = f"{site}objects.inv"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                data = response.read()
        except OSError as error:
            session.error(f"Could not download {url}: {error}; the stored inventories are unchanged")
        header = data.split(b"\n")[2].decode()  # "# Version: 2.13"
        Path(f"docs/_inventories/{name}.inv").write_bytes(data)
        session.log(f"{name}: {header.removeprefix('# ')} from {url}")
