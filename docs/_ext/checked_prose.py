"""Checked sentences, documented sentences, and the "Verified claims" page.

A page states behaviour in its Markdown as a span with an id,
``[`numpy()` refuses it]{.checked #numpy-refuses}``, and checks it in a code
cell by the same id: ``check("numpy-refuses", ...)`` (``torchfig.checks``).
The check's verdict reaches the doctree as display data of the type
``torchfig.checks.MIME_TYPE``, which :class:`VerdictRenderer` (a myst-nb MIME
render plugin, declared as an entry point in this folder's pyproject.toml)
turns into a :class:`check_verdict` node. When the page has been read, each
span is joined with its verdict: a ✔ follows the sentence, and the check cell
moves, folded in a ``<details>``, right under the sentence's paragraph (its
code and each case's verdict, not the sentence again).

The build fails, naming file and line, for a span without a check, a check
without a span, an id used twice, a check cell whose spans sit in different
paragraphs, and a ✔ sentence that generalises ("because", "always", ...)
while its check covers one case. A check that does not hold raises in the
page's kernel; ``execution_errors`` reports it with the sentence
(``cells.with_sentence``).

A gallery script states its sentences in its code (``sentence=``); its checks
print ``✔ sentence`` under the block, and the gallery scraper adds a
``check-verdict`` directive per verdict, so scripts and pages are listed and
ledgered alike.

``{alternatives}`` holds sentences of which the versions installed make one
true (a keyword added in some release): only that one is checked, the
others are shown as not made by this build.

``{documented}`` wraps sentences that cannot be executed here (GPU
behaviour, guarantees) and links them to the documentation they come from;
they are never shown or counted as verified. ``{verified-claims}`` lists both
kinds, in reading order.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from buildenv import versions
from cells import checked_spans, code_cells, failed_cell
from output_filter import TRIGGERED_INTERNALLY

logger = logging.getLogger(__name__)

# torchfig.checks' constants, kept here rather than imported: importing torchfig
# imports torch, which would add seconds to every build. A test checks they agree.
MIME_TYPE = "application/vnd.torchfig.check+json"
CHECK_MARK = "\u2714"
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words that generalise or give a reason: a ✔ sentence holding one needs a check of several cases.
# A word inside a hyphenated one ("read-only") does not count.
OVERREACH = re.compile(r"(?<![\w-])(because|so|always|never|any|every|all|harmless|only)(?![\w-])", re.IGNORECASE)


class check_verdict(nodes.General, nodes.Element):
    """One check's verdict, as the check reported it (``node["verdict"]``); joined and removed when a page is read."""


class evidence_details(nodes.General, nodes.Element):
    """``<details>``: the check behind a sentence, folded under its paragraph."""


class evidence_summary(nodes.General, nodes.TextElement):
    """``<summary>``: the line that opens the check."""


class claims_placeholder(nodes.General, nodes.Element):
    """Replaced by the list of claims once every page has been read."""


def _visit_details(self, node):
    self.body.append(self.starttag(node, "details", "", CLASS="evidence"))


def _depart_details(self, node):
    self.body.append("</details>\n")


def _visit_summary(self, node):
    self.body.append(self.starttag(node, "summary", ""))


def _depart_summary(self, node):
    self.body.append("</summary>\n")


class VerdictRenderer:
    """myst-nb MIME render plugin: a check's display data becomes a verdict node (other types: not ours)."""

    # Never the output a builder shows: the node is joined and removed while the page is read, and a
    # page that failed before that shows the plain-text fallback.
    mime_priority_overrides: ClassVar = [("*", MIME_TYPE, None)]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if data.mime_type != MIME_TYPE:
            return None
        return [check_verdict("", verdict=dict(data.content))]


class CheckVerdict(SphinxDirective):
    """A gallery script's verdict, written by the gallery scraper: its JSON payload as content."""

    has_content = True

    def run(self):
        return [check_verdict("", verdict=json.loads("\n".join(self.content)))]


class Alternatives(SphinxDirective):
    """Sentences of which the versions installed make exactly one true: only that one is checked.

    The content holds the alternatives as checked spans (a list, usually);
    the check cell checks the one that applies. The others are shown as not
    made by this build, since another release or NumPy makes them.
    """

    has_content = True

    def run(self):
        box = nodes.container(classes=["alternatives"])
        self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


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
    option_spec: ClassVar = {
        "source": directives.unchanged,  # the link text: which documentation
        "checked-on-gpu": directives.unchanged,  # a check id the ledger's GPU column may hold (ledger.py)
    }

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
        if "checked-on-gpu" in self.options:
            box["gpu_check"] = self.options["checked-on-gpu"]
        source = self.options.get("source", "PyTorch's documentation")
        _found(self.env, "documented").append((_one_line(" ".join(p.astext() for p in paragraphs)), anchor))
        paragraphs[-1] += [
            nodes.Text(" "),
            nodes.reference("", f"(from {source}, not executed here)", refuri=url, classes=["documented-mark"]),
        ]
        return [box]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _claims_env(env) -> dict:
    if not hasattr(env, "verified_claims"):
        env.verified_claims = {}
    return env.verified_claims


def _found(env, kind: str) -> list:
    """This page's claims of one kind: "checked" as (sentence, anchor, check id, verdict); "documented" and
    "gpu" (checked on a GPU outside the build, from the release ledger) as (sentence, anchor); "not_made" (an
    alternative another release applies) as (sentence, anchor, check id)."""
    empty = {"checked": [], "documented": [], "gpu": [], "alternatives": [], "not_made": []}
    return _claims_env(env).setdefault(env.docname, empty)[kind]


def alternative_ids(env, docname: str) -> set[str]:
    """The ids of a document's sentences that stand in an {alternatives} block: on a release where
    one has no result, another of its block was the one checked."""
    return set(_claims_env(env).get(docname, {}).get("alternatives", []))


def not_made(env, docname: str) -> dict[str, tuple[str, str]]:
    """check id -> (sentence, anchor) of a document's alternatives that this build's release does not apply:
    the ledger holds their results on the releases that do."""
    return {i: (sentence, anchor) for sentence, anchor, i in _claims_env(env).get(docname, {}).get("not_made", [])}


def checked_ids(env, docname: str) -> dict[str, str]:
    """check id -> sentence of one document's checked claims (the release ledger's keys)."""
    return {check_id: sentence for sentence, _, check_id, _ in _claims_env(env).get(docname, {}).get("checked", [])}


def checked_anchors(env, docname: str) -> dict[str, str]:
    """check id -> the anchor its sentence is shown at (the span's id on a page, ``check-<id>`` in a script)."""
    return {check_id: anchor for _, anchor, check_id, _ in _claims_env(env).get(docname, {}).get("checked", [])}


def _line(node) -> int | None:
    while node is not None and node.line is None:
        node = node.parent
    return node.line if node is not None else None


def _where(app, node):
    return (app.env.docname, _line(node))


def _block(node) -> nodes.Element:
    """The paragraph-level block holding a span: the node whose parent is a section or the page."""
    while not isinstance(node.parent, (nodes.section, nodes.document)):
        node = node.parent
    return node


def _mark(check_id: str) -> nodes.reference:
    """The ✔ after a checked sentence: a link that opens its check in place."""
    return nodes.reference(
        "",
        "",
        nodes.inline("", CHECK_MARK, classes=["claim-tick"]),
        nodes.inline("", " checked when the site was built: show the check", classes=["visually-hidden"]),
        refid=f"evidence-{check_id}",
        classes=["claim-mark"],
    )


def verdict_lines(verdict: dict) -> str:
    """What a reader sees of a verdict under the check's code: each case, or what was compared or raised."""
    lines = [f"{CHECK_MARK} {verdict['id']}: holds"]
    if verdict.get("cases"):
        lines[0] += f" in all {len(verdict['cases'])} cases"
        lines += [f"    {CHECK_MARK} {label}" for label, _ in verdict["cases"]]
    elif verdict.get("observed"):
        # a C++ warning's observed text ends with a path of PyTorch's own build, as outputs do
        lines.append(f"    {TRIGGERED_INTERNALLY.sub('', verdict['observed'])}")
    return "\n".join(lines)


def _evidence(cell, verdicts: list[dict]) -> evidence_details:
    """The folded check: the cell's code, then each verdict with a link back to its sentence."""
    details = evidence_details("", ids=[f"check-{verdicts[0]['id']}"])
    details += evidence_summary("", "The check: code and verdict")
    details += [c.deepcopy() for c in cell.children if c.get("nb_element") == "cell_code_source"]
    for verdict in verdicts:
        line = nodes.literal_block("", verdict_lines(verdict), language="none")
        back = nodes.paragraph(
            "", "", nodes.reference("", "\u21a9 back to the sentence", refid=verdict["id"]), classes=["evidence-back"]
        )
        details += nodes.container("", line, back, ids=[f"evidence-{verdict['id']}"], classes=["evidence-claim"])
    return details


def _warn_overreach(sentence: str, verdict: dict, location) -> None:
    word = OVERREACH.search(sentence)
    if word and len(verdict.get("cases", [])) < 2:
        logger.warning(
            f"a \u2714 sentence says {word.group(1)!r} but its check {verdict['id']!r} covers one case: "
            f"check several cases with check_cases, or move {word.group(1)!r} out of the span into the "
            f"connecting text: {sentence}",
            location=location,
        )


def _duplicates(items: list[tuple[str, nodes.Node]], what: str, app) -> None:
    seen = set()
    for check_id, node in items:
        if check_id in seen:
            logger.warning(f"the id {check_id!r} is used by two {what} on this page", location=_where(app, node))
        seen.add(check_id)


def join_checks(app, doctree) -> None:
    """Join every checked span with its verdict; report what does not match."""
    if any(failed_cell(c) for c in code_cells(doctree)):
        return  # later cells never ran: execution_errors reports the one error, and the build stops
    spans = {}
    for span in checked_spans(doctree):
        check_id = _declared_id(span)
        if check_id is None:
            logger.warning(
                "a checked sentence needs one id of lower-case words joined by hyphens: "
                f"[...]{{.checked #some-id}}: {_one_line(span.astext())}",
                location=_where(app, span),
            )
            continue
        spans.setdefault(check_id, span)
    verdicts = list(doctree.findall(check_verdict))
    _duplicates([(_declared_id(s), s) for s in checked_spans(doctree) if _declared_id(s)], "checked sentences", app)
    _duplicates([(v["verdict"]["id"], v) for v in verdicts], "checks", app)
    by_cell: dict[int, tuple[nodes.Element, list]] = {}
    for node in verdicts:
        verdict = node["verdict"]
        cell = next((a for a in _ancestors(node) if a.get("nb_element") == "cell_code"), None)
        if cell is None:  # a gallery script's: its sentence was printed with the output
            _script_claim(app, node, verdict)
            continue
        span = spans.pop(verdict["id"], None)
        if verdict.get("sentence") or span is None:
            problem = (
                "states its sentence in code: on a page the sentence is the page's text"
                if verdict.get("sentence")
                else "has no sentence"
            )
            logger.warning(
                f"check {verdict['id']!r} {problem}: write [the sentence]{{.checked "
                f"#{verdict['id']}}} in the page's text",
                location=_where(app, node),
            )
            node.parent.remove(node)
            continue
        by_cell.setdefault(id(cell), (cell, []))[1].append((span, verdict))
    for check_id, span in spans.items():
        if _alternative(span) is None:
            logger.warning(
                f"the checked sentence {check_id!r} has no check: add a cell calling "
                f"check({check_id!r}, ...): {_one_line(span.astext())}",
                location=_where(app, span),
            )
    _mark_alternatives(app, doctree, unchecked=set(spans.values()))
    for cell, joined in by_cell.values():
        _place(app, cell, joined)


def _alternative(node):
    return next((a for a in _ancestors(node) if "alternatives" in a.get("classes", [])), None)


def _mark_alternatives(app, doctree, unchecked: set) -> None:
    """Exactly one sentence of each {alternatives} block is checked; the others say they are not made here."""
    for box in [n for n in doctree.findall(nodes.container) if "alternatives" in n["classes"]]:
        inside = [s for s in checked_spans(doctree) if _alternative(s) is box]
        _found(app.env, "alternatives").extend(i for i in map(_declared_id, inside) if i)
        made = [s for s in inside if s not in unchecked]
        if len(made) != 1:
            logger.warning(
                f"an {{alternatives}} block needs exactly one checked sentence, this build checked "
                f"{len(made)} of its {len(inside)}",
                location=_where(app, box),
            )
        for span in inside:
            if span in unchecked:
                if _declared_id(span):
                    _found(app.env, "not_made").append((_one_line(span.astext()), span["ids"][0], _declared_id(span)))
                span["classes"].append("not-made")
                span.parent.insert(
                    span.parent.index(span) + 1,
                    nodes.emphasis("", " (for other versions: not checked in this build)", classes=["not-made-note"]),
                )


def _is_verdict(output) -> bool:
    """An output of a check: display data carrying the verdict type."""
    return any(c.get("mime_type") == MIME_TYPE for c in output.findall(nodes.container))


def _declared_id(span) -> str | None:
    """The id the source gave a span; docutils renames the second of two equal ids, but keeps the name."""
    names = [n for n in span["names"] + span["dupnames"] if ID.fullmatch(n)]
    return names[0] if len(names) == 1 else None


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


def _place(app, cell, joined: list[tuple[nodes.inline, dict]]) -> None:
    """Marks after the cell's sentences; the cell, folded, under their paragraph."""
    blocks = {id(_block(span)) for span, _ in joined}
    if len(blocks) > 1:
        logger.warning(
            "one check cell checks sentences of different paragraphs: split it, one cell per "
            f"paragraph ({', '.join(v['id'] for _, v in joined)})",
            location=_where(app, cell),
        )
    outputs = [c for c in cell.children if c.get("nb_element") == "cell_code_output"]
    if any(not _is_verdict(o) for output in outputs for o in output.children):
        logger.warning("a check cell shows only its verdicts: it printed something else", location=_where(app, cell))
    for span, verdict in joined:
        sentence = _one_line(span.astext())
        _warn_overreach(sentence, verdict, _where(app, span))
        span.parent.insert(span.parent.index(span) + 1, [nodes.Text("\u00a0"), _mark(verdict["id"])])
        _found(app.env, "checked").append((sentence, verdict["id"], verdict["id"], verdict))
    block = _block(joined[0][0])
    cell.parent.remove(cell)
    block.parent.insert(block.parent.index(block) + 1, _evidence(cell, [v for _, v in joined]))


def _script_claim(app, node, verdict: dict) -> None:
    """A gallery script's verdict: an anchor above its printed ✔ line."""
    _warn_overreach(verdict["sentence"], verdict, _where(app, node))
    anchor = f"check-{verdict['id']}"
    node.replace_self(nodes.inline("", "", ids=[anchor], classes=["script-check"]))
    _found(app.env, "checked").append((_one_line(verdict["sentence"]), anchor, verdict["id"], verdict))


def drop_empty(app, doctree) -> None:
    page = _claims_env(app.env).get(app.env.docname)
    if page is not None and not any(page.values()):
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
        for sentence, anchor, *_ in claims[docname][kind]:
            items += nodes.list_item(
                "", nodes.paragraph("", "", nodes.reference("", sentence, refuri=f"{uri}#{anchor}"))
            )
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
        gpu = sum(len(c.get("gpu", [])) for c in claims.values())
        if gpu:
            content += [
                nodes.rubric("", "Checked on a GPU, outside this build"),
                nodes.paragraph(
                    "",
                    f"{gpu} sentences about GPU behaviour were checked by running their page on "
                    "a machine with a GPU; each says which one, and when.",
                    classes=["gpu-summary"],
                ),
                _claim_list(app, fromdocname, claims, "gpu"),
            ]
        placeholder.replace_self(content)


def setup(app):
    app.add_node(check_verdict)
    app.add_node(claims_placeholder)
    app.add_node(evidence_details, html=(_visit_details, _depart_details))
    app.add_node(evidence_summary, html=(_visit_summary, _depart_summary))
    app.add_directive("check-verdict", CheckVerdict)
    app.add_directive("alternatives", Alternatives)
    app.add_directive("verified-claims", VerifiedClaims)
    app.add_directive("documented", Documented)
    app.connect("doctree-read", join_checks, priority=400)  # before buildenv's version note ends the page
    app.connect("doctree-read", drop_empty, priority=900)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", always_refresh)
    app.connect("doctree-resolved", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 4}
