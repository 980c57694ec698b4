"""Collect the claims pages and examples checked while executing, and list them.

``torchfig.claim`` prints one line per claim that holds (a claim that fails
stops the build). This extension finds those lines in the executed outputs
of every page and example, gives each output block an anchor, and fills the
``{verified-claims}`` directive with every claim, grouped by page, linked
back to where it is made, with the versions it was checked against.
Outputs read from the execution cache carry their claims too.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from buildenv import versions

# The mark torchfig.claims prints before each claim that holds. Kept here
# rather than imported, because importing torchfig imports torch, which
# would add seconds to every build; a test checks the two agree.
CHECK_MARK = "\u2714"

OUTPUT_CLASSES = {"output", "sphx-glr-script-out"}  # myst-nb and sphinx-gallery output blocks


class claims_placeholder(nodes.General, nodes.Element):
    """Replaced by the list of claims once every page has been read."""


class VerifiedClaims(SphinxDirective):
    def run(self):
        self.env.verified_claims_page = self.env.docname
        return [claims_placeholder()]


def _claims_env(env) -> dict:
    if not hasattr(env, "verified_claims"):
        env.verified_claims = {}
    return env.verified_claims


def collect(app, doctree) -> None:
    found = []
    for block in doctree.findall(nodes.literal_block):
        if not OUTPUT_CLASSES & set(block["classes"]):
            continue
        sentences = [line[2:].strip() for line in block.astext().splitlines() if line.startswith(CHECK_MARK + " ")]
        if not sentences:
            continue
        if not block["ids"]:
            block["ids"].append(f"claims-{len(found) + 1}")
        found += [(sentence, block["ids"][0]) for sentence in sentences]
    if found:
        _claims_env(app.env)[app.env.docname] = found


def purge(app, env, docname) -> None:
    _claims_env(env).pop(docname, None)


def merge(app, env, docnames, other) -> None:
    _claims_env(env).update({d: c for d, c in _claims_env(other).items() if d in docnames})
    if getattr(other, "verified_claims_page", None):
        env.verified_claims_page = other.verified_claims_page


def always_refresh(app, env, added, changed, removed) -> list[str]:
    """Any page read again may have new claims: the list page is written again too."""
    page = getattr(env, "verified_claims_page", None)
    return [page] if page and (added or changed or removed) else []


def fill(app, doctree, fromdocname) -> None:
    for placeholder in doctree.findall(claims_placeholder):
        claims = _claims_env(app.env)
        v = versions()
        total = sum(len(c) for c in claims.values())
        content = [
            nodes.paragraph(
                "",
                f"{total} claims on {len(claims)} pages, each checked by executing it with "
                f"torch {v['torch']}, NumPy {v['numpy']} and Python {v['python']}.",
                classes=["claims-summary"],
            )
        ]
        for docname in sorted(claims):
            title = app.env.titles[docname].astext()
            uri = app.builder.get_relative_uri(fromdocname, docname)
            heading = nodes.paragraph("", "", nodes.strong("", "", nodes.reference("", title, refuri=uri)))
            items = nodes.bullet_list()
            for sentence, anchor in claims[docname]:
                link = nodes.reference("", sentence, refuri=f"{uri}#{anchor}")
                items += nodes.list_item("", nodes.paragraph("", "", link))
            content += [heading, items]
        placeholder.replace_self(content)


def setup(app):
    app.add_node(claims_placeholder)
    app.add_directive("verified-claims", VerifiedClaims)
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", always_refresh)
    app.connect("doctree-resolved", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
