"""The release ledger in the site: which checked sentences hold on which torch release.

``docs/_data/ledger.json`` (written by ``tests/release_ledger.py``, ``nox -s ledger``)
holds, for every check (keyed by its file and id) and every torch release
run, whether it held, did not hold (with what was observed instead) or did
not apply (the release lacks what the check uses). The ledger holds no
sentence: the text shown for an id is the page's own, so rewording a
sentence needs no ledger run. The build:

- compares the checks it ran with the ledger's column for the torch it runs
  on: a check the ledger records otherwise, a check the ledger lacks, and a
  check of the ledger the build no longer makes each fail the build, naming
  the id and its sentence. A release absent from the ledger is reported,
  not failed.
- adds to each page's version stamp the releases its checks hold on;
- renders ``{release-ledger}`` (the "Which releases" page, filled in when
  every page has been read) and ``{release-ranges} id`` (one check's
  behaviour by release).
"""

from __future__ import annotations

import functools
import json
from itertools import groupby
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import checked_prose
from buildenv import supported_releases, versions
from cells import checked_spans
from checked_prose import alternative_ids, checked_anchors, checked_ids, not_made, reading_order

logger = logging.getLogger(__name__)
LEDGER = Path(__file__).resolve().parent.parent / "_data" / "ledger.json"
PAGE = "releases"  # the "Which releases" page
STATUS_MARK = {"holds": "\u2714", "differs": "\u2718", "not applicable": "\u2013", "not reached": "?"}
STATUS_SAID = {"differs": "differs", "not applicable": "does not apply", "not reached": "was not reached"}
NOT_MADE = "not checked: with that release another of its page's alternatives applies"
NOT_RUN = "was not run: the check is newer than that release's column"


def holds_everywhere(entry: dict, releases: list[str]) -> bool:
    """Checked on every release of the ledger, and held on each."""
    return all(entry["results"].get(r, {}).get("status") == "holds" for r in releases)


def load(config) -> dict:
    """The ledger, parsed once per version of the file (every page read asks for it several times);
    callers read it and never change it."""
    path = Path(config.release_ledger)
    stat = path.stat() if path.exists() else None
    return {"releases": {}, "checks": []} | _parsed(str(path), stat and (stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=2)
def _parsed(path: str, version: tuple | None) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8")) if version else {}


def current(ledger: dict) -> list[dict]:
    """The checks the site makes now: those with a result for the release the site is built with
    (the build keeps that column equal to what it checks); older entries are checks since removed."""
    built_with = supported_releases()[0]
    return [e for e in ledger["checks"] if built_with in e["results"]]


def page_entries(ledger: dict, env, docname: str) -> list[dict]:
    """The ledger's entries for a document's sentences: those this build checks, and the alternatives it
    does not make (another release applies them: their results come only from those releases)."""
    file, made, other = source_of(docname), checked_ids(env, docname), not_made(env, docname)
    return [e for e in current(ledger) if e["file"] == file and e["id"] in made] + [
        e for e in ledger["checks"] if e["file"] == file and e["id"] in other
    ]


def sentence_and_anchor(env, docname: str, check_id: str) -> tuple[str, str]:
    if check_id in checked_ids(env, docname):
        return checked_ids(env, docname)[check_id], checked_anchors(env, docname)[check_id]
    return not_made(env, docname)[check_id]


def release_key(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


def source_of(docname: str) -> str:
    """The file a document's claims come from, as the ledger names it."""
    if docname.startswith("examples/"):
        return f"gallery/{docname.removeprefix('examples/')}.py"
    return f"docs/{docname}.md"


def docname_of(source: str) -> str:
    if source.startswith("gallery/"):
        return "examples/" + Path(source).stem
    return Path(source).with_suffix("").as_posix().removeprefix("docs/")


def ranges(releases: list[str], included: set[str]) -> str:
    """'2.5.1 to 2.15.0' style runs of consecutive ledger releases that are in ``included``."""
    runs = []
    for inside, run in groupby(releases, key=lambda r: r in included):
        run = list(run)
        if inside:
            runs.append(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}")
    return ", ".join(runs) if runs else "none"


# -- The build against the ledger ------------------------------------------------


def check_against_ledger(app, env) -> None:
    ledger = load(app.config)
    release = versions()["torch"].split("+")[0]
    if release not in ledger["releases"]:
        logger.info(f"the release ledger has no column for torch {release}: run `nox -s ledger -- {release}`")
        return
    built = {
        (source_of(doc), check_id): sentence
        for doc in env.all_docs
        for check_id, sentence in checked_ids(env, doc).items()
    }
    recorded = {(e["file"], e["id"]): e["results"].get(release) for e in ledger["checks"]}
    for (file, check_id), sentence in sorted(built.items()):
        result = recorded.get((file, check_id))
        if result is None:
            logger.warning(
                f"the release ledger has no entry for check {check_id!r}; run `nox -s ledger -- {release}`: {sentence}",
                location=docname_of(file),
            )
        elif result["status"] != "holds":
            logger.warning(
                f"the ledger says check {check_id!r} {_said(result)} on torch {release}, this build "
                f"observed that it holds: {sentence}",
                location=docname_of(file),
            )
    for (file, check_id), result in sorted(recorded.items()):
        if result is not None and (file, check_id) not in built and docname_of(file) in env.all_docs:
            logger.warning(
                f"the release ledger lists check {check_id!r}, which this build no longer makes; run "
                f"`nox -s ledger -- {release}`",
                location=docname_of(file),
            )


def _said(result: dict) -> str:
    return STATUS_SAID[result["status"]] + (f" (observed: {result['observed']})" if result.get("observed") else "")


# -- Sentences checked on a GPU ------------------------------------------------------


def mark_gpu_checks(app, doctree) -> None:
    """A {documented} sentence whose GPU check holds in the ledger's GPU column says so, naming the device."""
    gpu = load(app.config).get("cuda")
    for box in [n for n in doctree.findall(nodes.container) if n.get("gpu_check")]:
        result = _gpu_result(gpu, source_of(app.env.docname), box["gpu_check"])
        if result is None or result["status"] != "holds":
            continue  # not run on a GPU, or not holding there: it stays a sentence from documentation
        found = gpu["found"]
        mark = next(n for n in box.findall(nodes.reference) if "documented-mark" in n["classes"])
        mark.children = [
            nodes.Text(
                f"(checked on a {found['device']}, driver {found['driver']}, with torch "
                f"{found['torch']} on {found['date']}, outside this build; source)"
            )
        ]
        mark["classes"] = ["documented-mark", "gpu-mark"]
        entries = checked_prose._found(app.env, "documented")
        moved = next(e for e in entries if e[1] in box["ids"])
        entries.remove(moved)
        checked_prose._found(app.env, "gpu").append(moved)


def _gpu_result(gpu: dict | None, file: str, check_id: str) -> dict | None:
    if not gpu:
        return None
    return next((c for c in gpu["checks"] if c["file"] == file and c["id"] == check_id), None)


# -- Each page's range -------------------------------------------------------------


def add_range_note(app, doctree) -> None:
    """After the version stamp: the ledger's releases on which every check of this page holds."""
    app.env.note_dependency(app.config.release_ledger)  # a new column changes the note: read the page again
    ledger = load(app.config)
    entries = page_entries(ledger, app.env, app.env.docname)
    stamp = next(iter(n for n in doctree.findall(nodes.paragraph) if "build-versions" in n["classes"]), None)
    if not entries or stamp is None:
        return
    releases = sorted(ledger["releases"], key=release_key)
    alternatives = alternative_ids(app.env, app.env.docname)

    def counted(entry: dict) -> list[str]:  # an alternative without a result was not the one made there
        return [r for r in releases if r in entry["results"] or entry["id"] not in alternatives]

    holding = {r for r in releases if all(holds_everywhere(e, [r]) for e in entries if r in counted(e))}
    some_alternative = any(e["id"] in alternatives for e in entries)
    stamp += nodes.Text(
        f" Of the releases in the ledger, every check on this page holds on torch {ranges(releases, holding)}"
        + (" (of its alternatives, the one each release applies)" if some_alternative else "")
        + "; "
    )
    stamp += _link_to_page("which releases hold which sentence")
    stamp += nodes.Text(".")
    differing = [e for e in entries if not holds_everywhere(e, counted(e))]
    if differing:
        stamp.parent.insert(stamp.parent.index(stamp) + 1, _differing_here(app, ledger, differing, releases))


def note_other_releases(app, doctree) -> None:
    """An alternative this build does not make says what the ledger found on the releases that make it."""
    app.env.note_dependency(app.config.release_ledger)
    ledger = load(app.config)
    releases = sorted(ledger["releases"], key=release_key)
    by_anchor = {anchor: check_id for check_id, (_, anchor) in not_made(app.env, app.env.docname).items()}
    entries = {e["id"]: e for e in page_entries(ledger, app.env, app.env.docname)}
    for note in [n for n in doctree.findall(nodes.emphasis) if "not-made-note" in n["classes"]]:
        span = note.parent[note.parent.index(note) - 1]
        entry = entries.get(by_anchor.get((span.get("ids") or [None])[0]))
        if entry is None:
            continue  # no release in the ledger has made it: the note's "not checked" stands
        found = [
            f"holds on torch {ranges(releases, set(where))}"
            if what == "holds"
            else f"torch {ranges(releases, set(where))}: {what}"
            for what, where in _behaviours(ledger, entry, releases, alternative=True)
            if what != NOT_MADE
        ]
        note.replace_self(
            nodes.emphasis(
                "", f" (other releases; in the release ledger it {'; '.join(found)})", classes=note["classes"]
            )
        )


def _differing_here(app, ledger: dict, entries: list[dict], releases: list[str]) -> nodes.bullet_list:
    """Every check of the page that does not hold on some release: its sentence, and where it differs."""
    alternatives = alternative_ids(app.env, app.env.docname)
    items = nodes.bullet_list(classes=["differing-here"])
    for entry in sorted(entries, key=lambda e: e["id"]):
        elsewhere = [
            f"torch {ranges(releases, set(where))}: {what}"
            for what, where in _behaviours(ledger, entry, releases, entry["id"] in alternatives)
            if what not in ("holds", NOT_MADE)
        ]
        sentence, anchor = sentence_and_anchor(app.env, app.env.docname, entry["id"])
        items += nodes.list_item(
            "",
            nodes.paragraph(
                "",
                "",
                nodes.reference("", "", nodes.emphasis("", sentence), refuri="#" + anchor),
                nodes.Text(" " + "; ".join(elsewhere)),
            ),
        )
    return items


def _link_to_page(text: str) -> addnodes.pending_xref:
    return addnodes.pending_xref(
        "", nodes.inline("", text), refdomain="std", reftype="doc", reftarget=f"/{PAGE}", refexplicit=True
    )


# -- The "Which releases" page and per-sentence ranges ----------------------------


def _behaviours(ledger: dict, entry: dict, releases: list[str], alternative: bool) -> list[tuple[str, list[str]]]:
    """(what happens, releases) for one sentence: where it holds, and each other observation; a
    release without a result made another alternative of the sentence, or did not run its check."""
    found: dict[str, list[str]] = {}
    for release in releases:
        result = entry["results"].get(release)
        if result is None:
            what = NOT_MADE if alternative else NOT_RUN
        else:
            what = (
                "holds"
                if result["status"] == "holds"
                else (
                    f"{_said(result).split(' (')[0]}: {result.get('observed', '')}".rstrip(": ")
                    + _follows_numpy(ledger, entry, release)
                )
            )
        found.setdefault(what, []).append(release)
    return sorted(found.items(), key=lambda kv: (kv[0] != "holds", release_key(kv[1][0])))


def _follows_numpy(ledger: dict, entry: dict, release: str) -> str:
    """Where the release ran with the NumPy of the ledger's NumPy probe and the probe (the build's torch with
    that NumPy) does not hold either, the difference follows NumPy: say so."""
    probe = ledger.get("numpy_probe")
    if not probe or ledger["releases"][release].get("numpy") != probe["found"]["numpy"]:
        return ""
    seen = next((c for c in probe["checks"] if (c["file"], c["id"]) == (entry["file"], entry["id"])), None)
    if seen is None or seen["status"] == "holds":
        return ""
    return (
        f" (this follows NumPy: torch {probe['found']['torch']} with NumPy {probe['found']['numpy']} "
        f"{STATUS_SAID[seen['status']]} too)"
    )


def _sentence_behaviour(ledger: dict, entry: dict, releases: list[str], alternative: bool) -> nodes.bullet_list:
    items = nodes.bullet_list()
    for what, where in _behaviours(ledger, entry, releases, alternative):
        items += nodes.list_item(
            "",
            nodes.paragraph(
                "",
                "",
                nodes.strong("", f"torch {ranges(releases, set(where))}: "),
                nodes.Text("holds" if what == "holds" else what),
            ),
        )
    return items


class ledger_placeholder(nodes.General, nodes.Element):
    """Replaced by the ledger once every page has been read: its sentences are the pages' own."""


class ReleaseLedger(SphinxDirective):
    """The whole ledger: the releases run, a table of the checks that differ, and what each does."""

    def run(self):
        self.env.note_dependency(self.config.release_ledger)
        self.env.release_ledger_page = self.env.docname
        return [ledger_placeholder()]


def fill_ledger(app, doctree, fromdocname) -> None:
    for placeholder in doctree.findall(ledger_placeholder):
        placeholder.replace_self(_ledger_nodes(app, fromdocname))


def _ledger_nodes(app, fromdocname) -> list[nodes.Node]:
    ledger = load(app.config)
    releases = sorted(ledger["releases"], key=release_key)
    if not releases:
        return [nodes.paragraph("", "The ledger is empty: run `nox -s ledger`.")]
    order = {doc: n for n, doc in enumerate(reading_order(app.env))}
    made = [e for doc in app.env.all_docs for e in page_entries(ledger, app.env, doc)]
    elsewhere = sum(e["id"] in not_made(app.env, docname_of(e["file"])) for e in made)
    made.sort(key=lambda e: (order.get(docname_of(e["file"]), len(order)), e["id"]))
    differing = [e for e in made if not holds_everywhere(e, releases)]
    summary = nodes.paragraph(
        "",
        f"{len(made)} checked sentences ({elsewhere} of them alternatives that only older releases apply), "
        f"run on {len(releases)} torch releases; "
        f"{len(differing)} of them are not shown holding on every release: somewhere they differ, "
        "do not apply, were not reached, were not run yet, or another of their alternatives was the one checked.",
        classes=["ledger-summary"],
    )
    used = nodes.bullet_list()
    for release in releases:
        found = ledger["releases"][release]
        used += nodes.list_item(
            "", nodes.paragraph("", f"torch {release}: NumPy {found['numpy']}, Python {found['python']}")
        )
    if probe := ledger.get("numpy_probe"):
        found = probe["found"]
        used += nodes.list_item(
            "",
            nodes.paragraph(
                "",
                f"torch {found['torch']} again with NumPy {found['numpy']}, Python {found['python']}: where an older "
                f"release's difference shows here too, it follows NumPy, and is marked so",
            ),
        )
    details = []
    for entry in differing:
        page = docname_of(entry["file"])
        uri = app.builder.get_relative_uri(fromdocname, page)
        sentence, anchor = sentence_and_anchor(app.env, page, entry["id"])
        details += [
            nodes.paragraph(
                "",
                "",
                nodes.reference("", "", nodes.emphasis("", sentence), refuri=f"{uri}#{anchor}"),
                nodes.Text(f" ({app.env.titles[page].astext()})"),
                classes=["ledger-sentence"],
            ),
            _sentence_behaviour(ledger, entry, releases, entry["id"] in alternative_ids(app.env, page)),
        ]
    return [
        summary,
        nodes.rubric("", "Releases run"),
        used,
        nodes.rubric("", "Sentences not shown holding on every release, by release"),
        _legend(),
        _table(app, differing, releases),
        nodes.rubric("", "What each of them does where it was not shown holding"),
        *details,
    ]


STATUS_WORDS = {
    "holds": "holds",
    "differs": "differs",
    "not applicable": "does not apply",
    "not reached": "was not reached",
}


def _legend() -> nodes.paragraph:
    """The table's marks in words, from the marks the table uses."""
    marks = "; ".join(f"{STATUS_MARK[status]} {words}" for status, words in STATUS_WORDS.items())
    return nodes.paragraph(
        "",
        f"In the table: {marks}; not run: the check is newer than that release's column; "
        "empty: another alternative of its page applies on that release.",
        classes=["ledger-legend"],
    )


def _table(app, entries: list[dict], releases: list[str]) -> nodes.table:
    table = nodes.table(classes=["ledger-table"])
    group = nodes.tgroup(cols=len(releases) + 1)
    table += group
    group += [nodes.colspec(colwidth=1) for _ in range(len(releases) + 1)]
    head = nodes.row(
        "",
        nodes.entry("", nodes.paragraph("", "sentence (page)")),
        *[nodes.entry("", nodes.paragraph("", r)) for r in releases],
    )
    group += nodes.thead("", head)
    body = nodes.tbody()
    for number, entry in enumerate(entries, start=1):
        alternative = entry["id"] in alternative_ids(app.env, docname_of(entry["file"]))
        marks = [
            STATUS_MARK[entry["results"][r]["status"]] if r in entry["results"] else ("" if alternative else "not run")
            for r in releases
        ]
        text = sentence_and_anchor(app.env, docname_of(entry["file"]), entry["id"])[0]
        body += nodes.row(
            "",
            nodes.entry(
                "",
                nodes.paragraph(
                    "", f"{number}. {text[:60]}{'…' if len(text) > 60 else ''} ({docname_of(entry['file'])})"
                ),
            ),
            *[nodes.entry("", nodes.paragraph("", m)) for m in marks],
        )
    group += body
    return table


def always_refresh(app, env, added, changed, removed) -> list[str]:
    """Any page read again may have changed a sentence: the ledger page is written again too."""
    page = getattr(env, "release_ledger_page", None)
    return [page] if page and (added or changed or removed) else []


def merge(app, env, docnames, other) -> None:
    if getattr(other, "release_ledger_page", None):
        env.release_ledger_page = other.release_ledger_page


class ReleaseRanges(SphinxDirective):
    """One check's behaviour on each release of the ledger; the argument is the check's id."""

    required_arguments = 1

    def run(self):
        self.env.note_dependency(self.config.release_ledger)
        ledger = load(self.config)
        check_id = self.arguments[0]
        matches = [e for e in current(ledger) if e["file"] == source_of(self.env.docname) and e["id"] == check_id]
        if not matches:
            raise self.error(f"the release ledger has no check {check_id!r} of this page")
        releases = sorted(ledger["releases"], key=release_key)
        # the page is still being read: its alternatives are the blocks parsed above this directive
        alternative = any(
            check_id in span["names"]
            for box in self.state.document.findall(nodes.container)
            if "alternatives" in box["classes"]
            for span in checked_spans(box)
        )
        return [_sentence_behaviour(ledger, matches[0], releases, alternative)]


def setup(app):
    app.add_config_value("release_ledger", str(LEDGER), "env")  # a test's own ledger elsewhere
    app.add_node(ledger_placeholder)
    app.add_directive("release-ledger", ReleaseLedger)
    app.add_directive("release-ranges", ReleaseRanges)
    app.connect("doctree-read", add_range_note, priority=600)  # after buildenv's version stamp
    app.connect("doctree-read", mark_gpu_checks)
    app.connect("doctree-read", note_other_releases, priority=600)  # after checked_prose marks the alternatives
    app.connect("env-check-consistency", check_against_ledger)
    app.connect("env-get-outdated", always_refresh)
    app.connect("env-merge-info", merge)
    app.connect("doctree-resolved", fill_ledger)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
