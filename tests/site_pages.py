"""The one list of the site's pages, read from the sources, for every test, screenshot, budget and bench.

Explanation pages are the executed pages (MyST notebooks) in the landing
page's toctree, the landing page first; examples are the gallery's
``plot_N_*.py`` scripts in their numbered order. A page added to the
toctree is under every page-level check without touching a test.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_PAGE = "---\nfile_format: mystnb"
# The pages a reader new to autograd reads first, in this order, before the deep dives (issue 28):
# the landing page's toctree must begin with them.
NEWCOMER_PATH = ("index", "history", "graph", "why-numpy-refuses", "detach", "shared-memory", "recipes")


def _toctree_entries(index: Path) -> list[str]:
    text = index.read_text(encoding="utf-8")
    entries = []
    for block in re.findall(r"^```\{toctree\}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
        entries += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith(":")]
    return entries


def explanation_pages(root: Path = ROOT) -> list[str]:
    docs = root / "docs"
    pages = ["index", *_toctree_entries(docs / "index.md")]
    return [
        p
        for p in pages
        if (docs / f"{p}.md").is_file() and (docs / f"{p}.md").read_text(encoding="utf-8").startswith(NOTEBOOK_PAGE)
    ]


def examples(root: Path = ROOT) -> list[str]:
    scripts = (root / "gallery").glob("plot_*.py")
    return [p.stem for p in sorted(scripts, key=lambda p: int(re.match(r"plot_(\d+)", p.name).group(1)))]
