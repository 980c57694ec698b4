"""Each explanation page as a notebook that runs on a reader's machine, where nothing of this repository is.

A page with code cells gets a link, under its title, to ``_notebooks/<page>.ipynb``,
written when the build has finished from the page's MyST source: the code
cells as they are (the checks behind the ✔ sentences included, so they run and
show their verdicts), and the Markdown (checked sentences as plain text) with the site's roles and directives
turned into plain Markdown, its links pointing at the hosted site. A first
cell says what to install.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from docutils import nodes
from myst_nb.core.read import read_myst_markdown_notebook

from api_links import api_url
from cells import SOURCE_SPAN

FOLDER = "_notebooks"
LINK_TEXT = "Download this page as a notebook"


def _site(app) -> str:
    return app.config.html_baseurl.rstrip("/") + "/"


def _page_url(site: str, target: str) -> str:
    """A page of the site, named as a Markdown link or a {doc} target names it."""
    path, _, anchor = target.partition("#")
    path = re.sub(r"\.md$", "", path)
    return f"{site}{path}.html" + (f"#{anchor}" if anchor else "")


def plain_markdown(text: str, site: str, link_api) -> str:
    """MyST as Jupyter renders it: roles become code or links, directives become text.

    ``link_api(name)`` gives the reference page of an ``{api}`` name (the strict build has resolved them all).
    """
    text = SOURCE_SPAN.sub(lambda m: m[1], text)  # a checked sentence reads as plain text; its check is a cell
    text = re.sub(r"\{api\}`([^`]+)`", lambda m: f"[`{m[1]}`]({link_api(m[1])})", text)
    text = re.sub(r"\{term\}`([^`<]+?)(?:\s*<[^>]+>)?`", r"\1", text)
    text = re.sub(r"\{doc\}`([^`<]+?)\s*<([^>]+)>`", lambda m: f"[{m[1]}]({_page_url(site, m[2])})", text)
    text = re.sub(r"\{doc\}`([^`]+)`", lambda m: f"[{m[1]}]({_page_url(site, m[1])})", text)
    text = re.sub(r"\]\((?!https?:)([\w-]+\.md(?:#[\w-]+)?)\)", lambda m: f"]({_page_url(site, m[1])})", text)
    text = re.sub(r"^:::\{admonition\} (.+)$", r"**\1**", text, flags=re.MULTILINE)
    text = re.sub(
        r"^:::\{documented\} (\S+)\n(?::source: (.+)\n)?((?:.+\n?)*?)^:::$",
        lambda m: f"{m[3].rstrip()} (from {m[2] or 'PyTorch' + chr(39) + 's documentation'}: {m[1]})",
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(
        r"^:::\{release-ranges\}.*$",
        f"(By release: see [Which releases]({site}releases.html).)",
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(
        r"^:::\{alternatives\}.*$",
        "Which of these holds depends on the versions installed; the check below tests that one:",
        text,
        flags=re.MULTILINE,
    )
    return re.sub(r"^:::$", "", text, flags=re.MULTILINE)


def page_notebook(source: Path, title: str, page_url: str, site: str, link_api):
    """The notebook a reader downloads for one page."""
    text = source.read_text(encoding="utf-8")
    page = nbformat.reads(text, as_version=4) if source.suffix == ".ipynb" else read_myst_markdown_notebook(text)
    cells = [
        nbformat.v4.new_markdown_cell(
            f"This notebook is the page [{title}]({page_url}) of the site *detach() before numpy()*. "
            "To run it you need `torch`, `numpy`, `matplotlib` and `graphviz` from pip, Graphviz's `dot` program, "
            f"and the site's figure library `torchfig` (a wheel offered on [the gallery page]({site}examples/index.html)). "
            "Cells that call `check(...)` are the checks behind the page's ✔ sentences: each prints ✔ and the "
            "check's id, or stops with `ClaimFailed` if your PyTorch behaves otherwise."
        )
    ]
    for cell in page.cells:
        if cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(plain_markdown(cell.source, site, link_api)))
        else:
            tags = [t for t in cell.metadata.get("tags", []) if t == "raises-exception"]
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata={"tags": tags} if tags else {}))
    notebook = nbformat.v4.new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # stable ids: the same page gives the same bytes
    return notebook


def _has_code(doctree) -> bool:
    return any(n.get("nb_element") == "cell_code" for n in doctree.findall(nodes.container))


def add_link(app, doctree) -> None:
    """Under the title of a page with code cells: the link to its notebook."""
    if not _has_code(doctree) or "/" in app.env.docname:  # the gallery offers its own downloads
        return
    app.env.page_notebooks = getattr(app.env, "page_notebooks", set()) | {app.env.docname}
    link = nodes.paragraph(
        "",
        "",
        nodes.reference("", LINK_TEXT, refuri=f"{FOLDER}/{app.env.docname}.ipynb"),
        nodes.Text(" to run its code on your own machine."),
        classes=["page-notebook"],
    )
    title = next(iter(doctree.findall(nodes.title)), None)
    if title is not None:
        title.parent.insert(title.parent.index(title) + 1, link)


def write_notebooks(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    site = _site(app)
    folder = Path(app.outdir) / FOLDER
    folder.mkdir(exist_ok=True)
    for docname in sorted(getattr(app.env, "page_notebooks", ())):
        target = folder / f"{docname}.ipynb"
        if target.exists() and target.stat().st_mtime_ns // 1000 >= app.env.all_docs[docname]:
            continue  # written after the page was last read: unchanged
        title = app.env.titles[docname].astext()
        notebook = page_notebook(
            Path(app.env.doc2path(docname)),
            title,
            f"{site}{docname}.html",
            site,
            link_api=lambda name: api_url(app.env, name) or site,
        )
        target.write_text(json.dumps(notebook, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def purge(app, env, docname) -> None:
    getattr(env, "page_notebooks", set()).discard(docname)


def merge(app, env, docnames, other) -> None:
    env.page_notebooks = getattr(env, "page_notebooks", set()) | (
        getattr(other, "page_notebooks", set()) & set(docnames)
    )


def setup(app):
    app.connect("doctree-read", add_link)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("build-finished", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
