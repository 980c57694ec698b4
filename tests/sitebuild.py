"""Copy the site's sources and build them the way the docs session does (tests and benchmarks)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the wheel reads README and LICENSE
SITE_SOURCES = (
    "conf.py",
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "docs",
    "gallery",
    "torchfig",
)
RECIPE = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["site"]["build"]  # as noxfile.py


def copy_site(dest: Path) -> Path:
    """The site's sources, without anything a build generated, in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SITE_SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    for generated in RECIPE["generated"]:
        shutil.rmtree(dest / generated, ignore_errors=True)
    return dest


PAGE_HEADER = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
"""


def small_site(tmp_path, pages: dict[str, str], examples: dict[str, str]):
    """A copy of the site whose pages and examples are only the given ones."""
    site = copy_site(tmp_path / "site")
    for folder in ("docs", "gallery"):
        for path in (site / folder).glob("*.md" if folder == "docs" else "plot_*.py"):
            path.unlink()
    toctree = "\n".join([*pages, "examples/index", "verified-claims"])
    (site / "docs" / "index.md").write_text(f"# Test site\n\n```{{toctree}}\n{toctree}\n```\n")
    (site / "docs" / "verified-claims.md").write_text("# Verified claims\n\n```{verified-claims}\n```\n")
    for name, body in pages.items():
        (site / "docs" / f"{name}.md").write_text(PAGE_HEADER + textwrap.dedent(body))
    for name, body in examples.items():
        (site / "gallery" / f"{name}.py").write_text(textwrap.dedent(body))
    return site


GOOD_EXAMPLE = '''\
    """
    Fine
    ====

    Runs.
    """

    # %%
    # Prints
    # ------
    print("ok")
'''


def build_command(site: Path, *extra: str, strict: bool = True) -> list[str]:
    """The docs session's build of ``site`` into ``site/_build/html``, strict unless told otherwise.

    Its log has no colour codes (``-N``) whatever the terminal or CI asks for
    (``CI=true`` turns them on): tests and the bench read it as text.
    """
    return [
        sys.executable,
        "-m",
        "sphinx",
        "-N",
        "-c",
        str(site),
        str(site / "docs"),
        str(site / "_build" / "html"),
        "-d",
        str(site / "_build" / "doctrees"),
        *(RECIPE["flags"] if strict else []),
        *extra,
    ]


def build_env(extra_env: dict | None = None) -> dict:
    return os.environ | RECIPE["env"] | (extra_env or {})


def build(site: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Build ``site`` quietly; returns the finished process."""
    return subprocess.run(
        build_command(site, "-q"), cwd=site, env=build_env(extra_env), check=False, capture_output=True, text=True
    )


# What Sphinx prints when an extension crashes, instead of a build error
CRASH_REPORT = ("threw an exception", "The full traceback has been saved", "Sphinx has crashed")


# The outputs that are measurements, on purpose: the gallery's timings of no_grad /
# inference_mode and of the silent-write detector. Their numbers are masked; everything
# else must match.
MEASURED = re.compile(rb" *\d+\.\d+ microseconds per (?:forward pass|step)")


def digests(html: Path) -> dict[str, str]:
    """SHA-256 of every HTML and SVG file under ``html``, the measured timings masked."""
    return {
        str(p.relative_to(html)): hashlib.sha256(MEASURED.sub(b"N", p.read_bytes())).hexdigest()
        for p in sorted(html.rglob("*"))
        if p.suffix in (".html", ".svg")
    }
