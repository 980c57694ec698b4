"""Small fixes to the written HTML that accessibility and page-speed checks ask for.

- furo's two side panels are both ``<aside>`` landmarks; each gets its own label.
- a wide table that scrolls sideways must be reachable by keyboard: table wrappers get
  ``tabindex="0"`` (code blocks wrap, site.css, so they never scroll and need no tab stop).
- myst-nb's "Show code cell source" toggle is labelled "Toggle hidden content", a name that
  differs from its visible text; the visible text alone names it.
- sphinx-gallery's thumbnail links hide their text with CSS; each gets an ``aria-label``.
- figures drawn as SVG get ``width`` and ``height`` (no layout shift while they
  load) and, where the page gave them none, the figure's own title as alt text.

Applied to the written files once the build has finished, so the theme's
templates stay untouched; every fix is idempotent.
"""

from __future__ import annotations

import re
from pathlib import Path

REPLACEMENTS = (
    ('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer" aria-label="Site navigation">'),
    ('<aside class="toc-drawer', '<aside aria-label="On this page" class="toc-drawer'),
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
    # a table wider than the column (the release ledger's) scrolls inside its wrapper: reachable by keyboard
    ('<div class="table-wrapper', '<div tabindex="0" class="table-wrapper'),
)
THUMBNAIL_LINK = re.compile(
    r'(<div class="sphx-glr-thumbcontainer".*?<p><a class="reference internal" href="[^"]+")'
    r'(><span class="doc">([^<]+)</span>)',
    flags=re.DOTALL,
)
SVG_IMG = re.compile(r'<img (?![^>]*\bwidth=)([^>]*?)src="([^"]+\.svg)"([^>]*?)\s*/?>')
SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
SVG_TITLE = re.compile(r"<title>([^<]*)</title>")


def _sized_svg(page: Path, match: re.Match) -> str:
    before, src, after = match.groups()
    svg_file = page.parent / src
    try:
        svg = svg_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # missing, or not text: a broken example's PNG thumbnail
        return match.group(0)
    size = SVG_SIZE.search(svg)
    if not size:  # not a Graphviz figure: leave it as it is
        return match.group(0)
    width, height = (round(float(v) * 4 / 3) for v in size.groups())  # points to CSS pixels
    attributes = f"{before}{after}".strip()
    alt = re.search(r'alt="([^"]*)"', attributes)
    title = SVG_TITLE.search(svg)
    if title and (alt is None or alt.group(1) == src):  # alt="" (a decorative thumbnail) stays
        attributes = (re.sub(r'\s*alt="[^"]*"', "", attributes) + f' alt="{title.group(1)}"').strip()
    return f'<img {attributes} src="{src}" width="{width}" height="{height}" />'


def fix_page(page: Path, html: str) -> str:
    for old, new in REPLACEMENTS:
        html = html.replace(old, new)
    html = THUMBNAIL_LINK.sub(r'\1 aria-label="\3"\2', html)
    return SVG_IMG.sub(lambda m: _sized_svg(page, m), html)


def fix_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        fixed = fix_page(page, html)
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("build-finished", fix_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
