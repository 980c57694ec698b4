"""sitemap.xml for search engines: one URL per page, under ``html_baseurl``.

Written once the build has finished, from the list of documents Sphinx
read, in sorted order, so it is the same in every build. (The
sphinx-sitemap package this replaces starts a multiprocessing manager at
builder-inited, whose socket path breaks in a checkout with a long path.)
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

NOT_LISTED = {"404"}  # the error page is not content


def write_sitemap(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    base = app.config.html_baseurl.rstrip("/") + "/"
    pages = sorted(set(app.env.found_docs) - NOT_LISTED)
    urls = "".join(f"<url><loc>{escape(base + app.builder.get_target_uri(page))}</loc></url>" for page in pages)
    Path(app.outdir, "sitemap.xml").write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n',
        encoding="utf-8",
    )


def setup(app):
    app.connect("build-finished", write_sitemap)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
