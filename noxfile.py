"""Sessions that build, preview and test the site. Run ``nox -l`` for the list.

Each session calls the same commands a person would; the build command lives
in one place (``sphinx_build``) so ``docs`` and ``serve`` cannot drift apart.
"""

import os
import shutil
import sys

import nox

nox.options.sessions = ["docs"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True  # keep the installed torch between runs

PYTHON = "3.11"
OUT = "_build/html"
DOT_MISSING = (
    "Graphviz's `dot` was not found on PATH; install Graphviz first "
    "(apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz)"
)
BUILD_ENV = {
    "OMP_NUM_THREADS": "1",  # torch's OpenMP threads can hang a forked, parallel build
    "PYTHONHASHSEED": "0",  # set order, hence some printed output, is the same in every build
    "SOURCE_DATE_EPOCH": "0",  # tools that would stamp a date stamp the same one
}


def require_dot(session):
    if shutil.which("dot") is None:
        session.error(DOT_MISSING)


def install(session):
    session.install("-r", "requirements.txt")
    session.install("-e", ".", "--no-deps")  # the figure library, as pages import it


def sphinx_build(out=OUT):
    return [
        "sphinx-build",
        "-c", ".",  # conf.py sits at the root ...
        "docs", out,  # ... and the pages in docs/
        "-n",  # nitpicky: every reference must resolve
        "-W",  # warnings are errors
        "--keep-going",  # but report all of them before failing
        "-q",  # print only warnings and errors
    ]


@nox.session(python=PYTHON)
def docs(session):
    """Clean, strict build of the whole site into _build/html, executing everything."""
    require_dot(session)
    install(session)
    for stale in ("_build", "docs/examples", "docs/_generated"):
        shutil.rmtree(stale, ignore_errors=True)  # from scratch: no cached output can hide drift
    session.run(*sphinx_build(), "-E", env=BUILD_ENV)  # -E: no saved environment either
    session.log(f"Built the site into {OUT}/index.html")


@nox.session(python=PYTHON)
def serve(session):
    """Live preview on http://127.0.0.1:8000; re-executes only what changed."""
    require_dot(session)
    install(session)
    session.run(
        "sphinx-autobuild", *sphinx_build()[1:],
        "--host", "127.0.0.1", "--port", "8000",
        "--watch", "gallery", "--watch", "torchfig",  # sources outside docs/ that pages use
        "--ignore", "docs/examples/*", "--ignore", "docs/_generated/*",  # the build's own outputs
        env=BUILD_ENV,
    )


@nox.session(python=PYTHON)
def tests(session):
    """The whole test suite: the figure library, the build and checks on the built site."""
    require_dot(session)
    install(session)
    session.run("pytest", *session.posargs, env=BUILD_ENV)
