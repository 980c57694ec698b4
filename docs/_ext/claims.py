"""Checked prose, documented prose, and the "Verified claims" page.

Three ways a page states behaviour:

- A code cell's claims (``torchfig.claim`` and friends) print one line each,
  ``✔ sentence``, under the code that checked them.
- A code cell tagged ``prose`` is a paragraph: each of its claims' sentences
  (MyST Markdown) is shown as prose, followed by a ✔ mark that links to the
  cell's code and output, moved to a section at the end of the page. The
  sentence the reader reads is the string the check was given; a check that
  fails stops the build naming the page and line (``execution_errors``).
- ``{documented}`` wraps sentences that cannot be executed here (GPU
  behaviour, guarantees) and links them to the documentation they come from;
  they are never shown or counted as verified.

``{verified-claims}`` lists all of them, in the order of the site's path.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.parsers.rst import directives
from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
from myst_parser.parsers.mdit import create_md_parser
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, new_document

from buildenv import versions
from execution_errors import code_cells, failed_cell, is_output, tags

logger = logging.getLogger(__name__)

# The mark torchfig.claims prints before each claim that holds. Kept here
# rather than imported, because importing torchfig imports torch, which
# would add seconds to every build; a test checks the two agree.
CHECK_MARK = "\u2714"
EVIDENCE_INDENT = "    "  # claim_raises and claim_warns print PyTorch's message under the claim, indented
PROSE_TAG = "prose"
EVIDENCE_TITLE = "How the sentences on this page are checked"


class claims_placeholder(nodes.General, nodes.Element):
    """Replaced by the list of claims once every page has been read."""


class VerifiedClaims(SphinxDirective):
    def run(self):
        self.env.verified_claims_page = self.env.docname
        return [claims_placeholder()]


class Documented(SphinxDirective):
    """Sentences stated from a documentation page, not executed by this build.

    The argument is the page's URL; the body is ordinary MyST content.
    """

    required_arguments = 1
    has_content = True
    option_spec = {"source": directives.unchanged}  # the link text: which documentation

    def run(self):
        url = self.arguments[0]
        if not re.match(r"https://", url):
            raise self.error(f"{{documented}} needs the https:// address of its source, not {url!r}")
        box = nodes.container(classes=["documented"])
        self.state.nested_parse(self.content, self.content_offset, box)
        paragraphs = list(box.findall(nodes.paragraph))
        if not paragraphs:
            raise self.error("{documented} holds no sentence")
        anchor = f"documented-{self.env.new_serialno('documented') + 1}"
        box["ids"].append(anchor)
        source = self.options.get("source", "PyTorch's documentation")
        _found(self.env, "documented").append((_one_line(" ".join(p.astext() for p in paragraphs)), anchor))
        paragraphs[-1] += [nodes.Text(" "), nodes.reference(
            "", f"(from {source}, not executed here)", refuri=url, classes=["documented-mark"])]
        return [box]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _claims_env(env) -> dict:
    if not hasattr(env, "verified_claims"):
        env.verified_claims = {}
    return env.verified_claims


def _found(env, kind: str) -> list:
    """This page's claims of one kind ("checked" or "documented"), created on first use."""
    return _claims_env(env).setdefault(env.docname, {"checked": [], "documented": []})[kind]


def _claim_lines(text: str) -> list[tuple[str, list[str]]] | None:
    """(sentence, evidence lines) of each claim in an output; None if it prints anything else."""
    claims = []
    for line in text.splitlines():
        if line.startswith(CHECK_MARK + " "):
            claims.append((line[2:].strip(), []))
        elif line.startswith(EVIDENCE_INDENT) and claims:
            claims[-1][1].append(line.strip())
        elif line.strip():
            return None
    return claims


def _render_markdown(doctree, text: str) -> list[nodes.Node]:
    """MyST Markdown rendered with the page's settings (roles, links) into nodes for this page."""
    scratch = new_document(doctree["source"], doctree.settings)
    parser = create_md_parser(doctree.settings.env.myst_config, SphinxRenderer)
    parser.options["document"] = scratch
    parser.render(text)
    return list(scratch.children)


def _evidence_section(doctree) -> nodes.section:
    sections = [n for n in doctree.children if isinstance(n, nodes.section)]
    parent = sections[0] if sections else doctree
    section = nodes.section("", nodes.title("", EVIDENCE_TITLE), ids=["how-the-sentences-are-checked"],
                            names=[EVIDENCE_TITLE.lower()], classes=["evidence"])
    section += nodes.paragraph("", "Each sentence marked \u2714 on this page is the label of a check "
                                   "that ran while the site was built. Here is the code of each check "
                                   "and what it printed; if PyTorch stopped behaving as the sentence "
                                   "says, the check would fail and the site would not build.")
    parent += section
    return section


def render_prose(app, doctree) -> None:
    """Replace every cell tagged ``prose`` with its claims' sentences, each marked and linked to its check."""
    cells = code_cells(doctree)
    if any(failed_cell(c) for c in cells):
        return  # later cells never ran: execution_errors reports the one error, and the build stops
    evidence = None
    cells = [c for c in cells if PROSE_TAG in tags(c)]
    for number, cell in enumerate(cells, start=1):
        # warnings PyTorch prints on stderr are not claims; they stay visible with the check's evidence
        outputs = [b for b in cell.findall(nodes.literal_block)
                   if is_output(b) and "stderr" not in b["classes"]]
        claims = _claim_lines("\n".join(b.astext() for b in outputs))
        if not claims:
            logger.warning("a cell tagged 'prose' must print claims and nothing else "
                           "(torchfig.claim, claim_equal, claim_close, claim_raises, claim_warns)",
                           location=cell)
            continue
        if evidence is None:
            evidence = _evidence_section(doctree)
        anchor = f"check-{number}"
        prose = []
        for index, (sentence, _) in enumerate(claims, start=1):
            rendered = _render_markdown(doctree, sentence)
            if len(rendered) != 1 or not isinstance(rendered[0], nodes.paragraph):
                logger.warning(f"a prose claim must be one paragraph of Markdown: {sentence!r}", location=cell)
                continue
            paragraph = rendered[0]
            paragraph["ids"].append(f"{anchor}-{index}")
            paragraph["classes"].append("checked")
            _found(app.env, "checked").append((_one_line(paragraph.astext()), paragraph["ids"][0]))
            paragraph += [nodes.Text("\u00a0"), nodes.reference(
                "", "", nodes.inline("", CHECK_MARK),
                nodes.inline("", " (checked when the site was built: see the check)", classes=["visually-hidden"]),
                refid=anchor, reftitle="Checked when the site was built: see the check", classes=["claim-mark"])]
            prose.append(paragraph)
        block = nodes.container("", *[c.deepcopy() for c in cell.children], ids=[anchor], classes=["evidence-cell"])
        for output in block.findall(nodes.literal_block):
            if is_output(output):
                output["classes"].append("evidence-output")  # collected above, not again by collect()
        evidence += block
        parent = cell.parent
        position = parent.index(cell)
        parent[position:position + 1] = prose  # not replace_self: it would give the first paragraph the cell's classes


def collect(app, doctree) -> None:
    """Claims printed under the code cells and examples that show their code."""
    found = _found(app.env, "checked")
    for block in doctree.findall(nodes.literal_block):
        if not is_output(block) or "evidence-output" in block["classes"]:
            continue
        sentences = [line[2:].strip() for line in block.astext().splitlines() if line.startswith(CHECK_MARK + " ")]
        if not sentences:
            continue
        if not block["ids"]:
            block["ids"].append(f"claims-{len(found) + 1}")
        found += [(sentence, block["ids"][0]) for sentence in sentences]
    page = _claims_env(app.env).get(app.env.docname)
    if page is not None and not page["checked"] and not page["documented"]:
        del _claims_env(app.env)[app.env.docname]


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


def reading_order(env) -> list[str]:
    """Documents in the order a reader meets them: depth first through the toctrees from the root."""
    order, pending = [], [env.config.root_doc]
    while pending:
        docname = pending.pop(0)
        if docname in order:
            continue
        order.append(docname)
        pending[0:0] = env.toctree_includes.get(docname, [])
    return order + sorted(set(env.all_docs) - set(order))


def _claim_list(app, fromdocname, claims: dict, kind: str) -> nodes.container:
    content = nodes.container(classes=[f"claims-{kind}"])
    for docname in [d for d in reading_order(app.env) if claims.get(d, {}).get(kind)]:
        uri = app.builder.get_relative_uri(fromdocname, docname)
        title = app.env.titles[docname].astext()
        items = nodes.bullet_list()
        for sentence, anchor in claims[docname][kind]:
            items += nodes.list_item("", nodes.paragraph("", "", nodes.reference("", sentence, refuri=f"{uri}#{anchor}")))
        content += [nodes.paragraph("", "", nodes.strong("", "", nodes.reference("", title, refuri=uri))), items]
    return content


def fill(app, doctree, fromdocname) -> None:
    for placeholder in doctree.findall(claims_placeholder):
        claims = _claims_env(app.env)
        v = versions()
        checked = sum(len(c["checked"]) for c in claims.values())
        documented = sum(len(c["documented"]) for c in claims.values())
        pages = sum(1 for c in claims.values() if c["checked"])
        content = [
            nodes.paragraph(
                "",
                f"{checked} claims on {pages} pages, each checked by executing it with "
                f"torch {v['torch']}, NumPy {v['numpy']} and Python {v['python']}.",
                classes=["claims-summary"],
            ),
            _claim_list(app, fromdocname, claims, "checked"),
            nodes.rubric("", "Stated from documentation, not executed here"),
            nodes.paragraph(
                "",
                f"{documented} sentences describe behaviour this build cannot execute (it has no GPU), "
                "or are taken from PyTorch's or NumPy's documentation. They link to their source and "
                "are not counted above.",
                classes=["documented-summary"],
            ),
            _claim_list(app, fromdocname, claims, "documented"),
        ]
        placeholder.replace_self(content)


def setup(app):
    app.add_node(claims_placeholder)
    app.add_directive("verified-claims", VerifiedClaims)
    app.add_directive("documented", Documented)
    app.connect("doctree-read", render_prose, priority=400)  # before buildenv's version note ends the page
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", always_refresh)
    app.connect("doctree-resolved", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
