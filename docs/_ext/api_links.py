"""``{api}`torch.Tensor.detach``` : an API name set as code and linked to its reference page.

The role is a short form of ``{py:obj}``: intersphinx resolves it through the
PyTorch, NumPy and Python inventories stored in ``docs/_inventories`` (the
builds are offline; ``nox -s inventories`` refreshes them where there is
network). A name no inventory has fails the strict build with Sphinx's
"reference target not found" warning, which names it.
"""

import tomllib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.ext.intersphinx import InventoryAdapter

DOCS = Path(__file__).resolve().parent.parent
SITES = tomllib.loads((DOCS.parent / "pyproject.toml").read_text())["tool"]["site"]["inventories"]


def intersphinx_mapping() -> dict:
    """Each site with its stored inventory, by absolute path so any source folder (the tests' too) finds it."""
    return {name: (site, str(DOCS / "_inventories" / f"{name}.inv")) for name, site in SITES.items()}


def api_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    xref = addnodes.pending_xref(
        rawtext,
        nodes.literal(text, text, classes=["xref", "py", "py-obj"]),
        refdomain="py",
        reftype="obj",
        reftarget=text,
        refexplicit=True,
        refwarn=True,
    )
    xref["py:module"] = xref["py:class"] = None  # names are written in full
    return [xref], []


def api_url(env, name: str) -> str | None:
    """The reference page intersphinx links ``name`` to, for text outside Sphinx (downloaded notebooks)."""
    for inventory in InventoryAdapter(env).named_inventory.values():
        for kind, items in inventory.items():
            if kind.startswith("py:") and name in items:
                return items[name].uri
    return None


def setup(app):
    app.setup_extension("sphinx.ext.intersphinx")  # conf.py sets intersphinx_mapping = intersphinx_mapping()
    app.add_role("api", api_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
