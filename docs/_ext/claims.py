"""Checked prose, documented prose, and the "Verified claims" page.

Three ways a page states behaviour:

- A code cell's claims (``torchfig.claim`` and friends) print one line each,
  ``✔ sentence``, under the code that checked them.
- A code cell tagged ``prose`` is one paragraph: what it prints, in order,
  becomes the paragraph's text. ``torchfig.say`` lines are connecting words;
  each claim's sentence (MyST Markdown) is followed by a ✔ mark that opens,
  right under the paragraph, a ``<details>`` holding the cell's code and what
  each claim printed, with a link back. The sentence the reader reads is the
  string the check was given; a check that fails stops the build naming the
  page and line (``execution_errors``).
- ``{documented}`` wraps sentences that cannot be executed here (GPU
  behaviour, guarantees) and links them to the documentation they come from;
  they are never shown or counted as verified.

Every ✔ sentence is printed as rendered text (no Markdown markup in outputs),
and one that generalises ("because", "always", "every", ...) must come from a
check of several cases (``torchfig.claim_cases``): a sentence may say no more
than its check. ``{verified-claims}`` lists all of them, in reading order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from docutils import nodes
from docutils.parsers.rst import directives
from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
from myst_parser.parsers.mdit import create_md_parser
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, new_document

from buildenv import versions
from cells import code_cells, failed_cell, is_output, tags

logger = logging.getLogger(__name__)

# The marks torchfig.claims prints. Kept here rather than imported, because
# importing torchfig imports torch, which would add seconds to every build; a
# test checks the two agree.
CHECK_MARK = "\u2714"  # before each claim that holds
CONNECTING = "\u00b6"  # before connecting words (torchfig.say)
CASES = re.compile(r"^checked on (\d+) cases: ")  # claim_cases' first evidence line
EVIDENCE_INDENT = "    "  # evidence lines (messages, cases) are printed indented under their claim
PROSE_TAG = "prose"
# Words that generalise or give a reason: a ✔ sentence holding one needs a check of several cases.
OVERREACH = re.compile(r"\b(because|so|always|never|any|every|all|harmless|only)\b", re.I)


class evidence_details(nodes.General, nodes.Element):
    """``<details>``: the check behind a paragraph, folded under it."""


class evidence_summary(nodes.General, nodes.TextElement):
    """``<summary>``: the line that opens the check."""


def _visit_details(self, node):
    self.body.append(self.starttag(node, "details", "", CLASS="evidence"))


def _depart_details(self, node):
    self.body.append("</details>\n")


def _visit_summary(self, node):
    self.body.append(self.starttag(node, "summary", ""))


def _depart_summary(self, node):
    self.body.append("</summary>\n")


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
    """This page's claims of one kind, created on first use: "checked" and "documented" as
    (sentence shown, anchor); "printed" the checked sentences as the checks printed them (the ledger's keys)."""
    return _claims_env(env).setdefault(env.docname, {"checked": [], "documented": [], "printed": []})[kind]


def printed_items(text: str) -> list[tuple[str, str, list[str]]] | None:
    """("claim" or "say", text, evidence lines) of each line a prose cell printed; None if it printed anything else."""
    items = []
    for line in text.splitlines():
        if line.startswith((CHECK_MARK + " ", CONNECTING + " ")):
            items.append(("claim" if line[0] == CHECK_MARK else "say", line[2:].strip(), []))
        elif line.startswith(EVIDENCE_INDENT) and items and items[-1][0] == "claim":
            items[-1][2].append(line.strip())
        elif line.strip():
            return None
    return items


def _claims_in(text: str) -> list[tuple[str, list[str]]]:
    """(sentence, evidence lines) of each claim in an output that may print other lines too."""
    claims, current = [], None
    for line in text.splitlines():
        if line.startswith(CHECK_MARK + " "):
            current = (line[2:].strip(), [])
            claims.append(current)
        elif current is not None and line.startswith(EVIDENCE_INDENT):
            current[1].append(line.strip())
        else:
            current = None
    return claims


def case_count(evidence: list[str]) -> int:
    """How many cases a claim's check covered: one, unless claim_cases said more."""
    counted = CASES.match(evidence[0]) if evidence else None
    return int(counted.group(1)) if counted else 1


def overreach(sentence: str, cases: int) -> str | None:
    """The generalising word a one-case check cannot carry, if the sentence has one."""
    word = OVERREACH.search(sentence)
    return word.group(1) if word and cases < 2 else None


def _warn_overreach(sentence: str, cases: int, location) -> None:
    word = overreach(sentence, cases)
    if word:
        logger.warning(f"a \u2714 sentence says {word!r} but its check covers one case: check several cases "
                       f"with claim_cases, or move {word!r} into the connecting words (say): {sentence}",
                       location=location)


def _render_markdown(doctree, text: str) -> list[nodes.Node]:
    """MyST Markdown rendered with the page's settings (roles, links) into nodes for this page."""
    scratch = new_document(doctree["source"], doctree.settings)
    parser = create_md_parser(doctree.settings.env.myst_config, SphinxRenderer)
    parser.options["document"] = scratch
    parser.render(text)
    return list(scratch.children)


def _inline(doctree, text: str, cell) -> list[nodes.Node]:
    """One paragraph of Markdown as inline nodes; a warning if it is anything else."""
    rendered = _render_markdown(doctree, text)
    if len(rendered) != 1 or not isinstance(rendered[0], nodes.paragraph):
        logger.warning(f"a sentence in a prose cell must be one paragraph of Markdown: {text!r}", location=cell)
        return [nodes.Text(text)]
    return list(rendered[0].children)


def _joined(paragraph: nodes.paragraph, parts: list[nodes.Node]) -> None:
    """Append ``parts`` with a space before, unless they start with punctuation that hugs the word before."""
    first = parts[0].astext() if parts and isinstance(parts[0], nodes.Text) else ""  # code such as `.data` never hugs
    hugs = first.startswith((",", ";", ":", ")", "!", "?")) or (first.startswith(".") and not first.startswith(".."))
    if len(paragraph) and not hugs:
        paragraph += nodes.Text(" ")
    paragraph.extend(parts)


def _mark(target: str) -> nodes.reference:
    """The ✔ after a checked sentence: a link that opens its check in place."""
    return nodes.reference(
        "", "", nodes.inline("", CHECK_MARK, classes=["claim-tick"]),
        nodes.inline("", " checked when the site was built: show the check", classes=["visually-hidden"]),
        refid=target, classes=["claim-mark"])


def _evidence(cell, anchor: str, claims: list[tuple[str, str, list[str]]], stderr: list[nodes.Node]):
    """The folded check: the cell's code, then each claim's printed line with a link back to its sentence."""
    details = evidence_details("", ids=[anchor])
    details += evidence_summary("", "The check behind this paragraph: code and output")
    details += [c.deepcopy() for c in cell.children if c.get("nb_element") == "cell_code_source"]
    for sentence_id, text, evidence in claims:
        line = nodes.literal_block("", "\n".join([f"{CHECK_MARK} {text}", *(EVIDENCE_INDENT + e for e in evidence)]),
                                   language="none")
        back = nodes.paragraph("", "", nodes.reference("", "\u21a9 back to the sentence", refid=sentence_id),
                               classes=["evidence-back"])
        details += nodes.container("", line, back, ids=[f"evidence-{sentence_id}"], classes=["evidence-claim"])
    details += [b.deepcopy() for b in stderr]  # PyTorch's warnings stay visible beside the check
    return details


def render_prose(app, doctree) -> None:
    """Replace every cell tagged ``prose`` with one paragraph of its sentences, each ✔ opening its check in place."""
    cells = code_cells(doctree)
    if any(failed_cell(c) for c in cells):
        return  # later cells never ran: execution_errors reports the one error, and the build stops
    for number, cell in enumerate((c for c in cells if PROSE_TAG in tags(c)), start=1):
        outputs = [b for b in cell.findall(nodes.literal_block) if is_output(b)]
        stderr = [b for b in outputs if "stderr" in b["classes"]]
        items = printed_items("\n".join(b.astext() for b in outputs if b not in stderr))
        if not items or not any(kind == "claim" for kind, _, _ in items):
            logger.warning("a cell tagged 'prose' must print claims, with connecting words from say(), "
                           "and nothing else", location=cell)
            continue
        anchor = f"check-{number}"
        paragraph = nodes.paragraph("", classes=["checked-prose"])
        claims = []
        for kind, text, evidence in items:
            parts = _inline(doctree, text, cell)
            if kind == "say":
                _joined(paragraph, parts)
                continue
            sentence_id = f"{anchor}-{len(claims) + 1}"
            sentence = nodes.inline("", "", *parts, ids=[sentence_id], classes=["checked"])
            plain = _one_line(sentence.astext())
            _warn_overreach(plain, case_count(evidence), cell)
            _joined(paragraph, [sentence, nodes.Text("\u00a0"), _mark(f"evidence-{sentence_id}")])
            claims.append((sentence_id, plain, evidence))
            _found(app.env, "checked").append((plain, sentence_id))
            _found(app.env, "printed").append(text)
        parent = cell.parent
        position = parent.index(cell)
        # not replace_self: it would give the paragraph the cell's classes
        parent[position:position + 1] = [paragraph, _evidence(cell, anchor, claims, stderr)]


@lru_cache(maxsize=None)
def _markdown_free(sentence: str) -> bool:
    return not re.search(r"[`{\[*_]", sentence)


def _rendered_lines(doctree, text: str) -> str:
    """An output's ✔ lines with their Markdown rendered to the text a reader reads."""
    lines = []
    for line in text.splitlines():
        if line.startswith(CHECK_MARK + " ") and not _markdown_free(line[2:]):
            rendered = _render_markdown(doctree, line[2:].strip())
            line = f"{CHECK_MARK} {_one_line(' '.join(n.astext() for n in rendered))}"
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def collect(app, doctree) -> None:
    """Claims printed under the code cells and examples that show their code, as rendered text."""
    found = _found(app.env, "checked")
    for block in list(doctree.findall(nodes.literal_block)):
        if not is_output(block) or CHECK_MARK not in block.astext():
            continue
        printed = [sentence for sentence, _ in _claims_in(block.astext())]
        rendered = _rendered_lines(doctree, block.astext())
        if rendered != block.astext():
            block.children = [nodes.Text(rendered)]
            block.rawsource = rendered
        sentences = _claims_in(rendered)
        if not sentences:
            continue
        if not block["ids"]:
            block["ids"].append(f"claims-{len(found) + 1}")
        for sentence, evidence in sentences:
            _warn_overreach(sentence, case_count(evidence), block)
            found.append((sentence, block["ids"][0]))
        _found(app.env, "printed").extend(printed)
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
    app.add_node(evidence_details, html=(_visit_details, _depart_details))
    app.add_node(evidence_summary, html=(_visit_summary, _depart_summary))
    app.add_directive("verified-claims", VerifiedClaims)
    app.add_directive("documented", Documented)
    app.connect("doctree-read", render_prose, priority=400)  # before buildenv's version note ends the page
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", always_refresh)
    app.connect("doctree-resolved", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
