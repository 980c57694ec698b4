"""The Sphinx helpers in-process, on a tiny sample project: checked sentences, the claims page, sitemap, ledger.

Most sample pages are notebooks that hold the outputs their cells gave, and
execution is off, so a build takes a second or two: what the helpers make of
executed output is tested without running a kernel. The planted mistakes
are MyST pages run in a kernel, so their errors name real file lines.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from torchfig.checks import MIME_TYPE, Verdict

EXT = Path(__file__).resolve().parent.parent / "docs" / "_ext"

CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
extensions = ["myst_nb", "checked_prose", "execution_errors", "output_filter", "api_links", "sitemap",
              "page_notebooks", "ledger"]
from api_links import intersphinx_mapping as stored_inventories
intersphinx_mapping = stored_inventories()
nb_execution_mode = "off"
nitpicky = True
myst_enable_extensions = ["attrs_inline", "colon_fence"]
html_baseurl = "https://example.org/docs/"
exclude_patterns = ["_build"]
from pathlib import Path
release_ledger = str(Path(__file__).parent / "ledger.json")  # absent unless a test writes one
"""

INDEX = """# Sample

```{toctree}
paragraphs
verified-claims
```
"""

PARAGRAPH = (
    "Read back: [{api}`torch.Tensor.numpy` gives an array of the same values]{.checked #same-values}, "
    "and [each of them is a float]{.checked #floats}, as [the page](paragraphs.ipynb) shows."
)


def verdict_output(check_id: str, **fields) -> nbformat.NotebookNode:
    verdict = Verdict(check_id, True, "cases" if "cases" in fields else "check", **fields)
    return nbformat.v4.new_output("display_data", data={MIME_TYPE: asdict(verdict), "text/plain": verdict.text()})


def code_cell(source: str, *outputs) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = list(outputs)
    return cell


def printed(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def notebook(*cells) -> str:
    nb = nbformat.v4.new_notebook(
        cells=list(cells),
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    return json.dumps(nb)


def sample(tmp_path: Path, conf: str = "", **pages: str) -> Path:
    src = tmp_path / f"src{len(list(tmp_path.glob('src*')))}"  # a fresh project for each build
    src.mkdir()
    (src / "conf.py").write_text(CONF + conf)
    (src / "index.md").write_text(INDEX)
    (src / "verified-claims.md").write_text("# Verified claims\n\n```{verified-claims}\n```\n")
    for name, text in pages.items():
        (src / name).write_text(text)
    return src


PARAGRAPHS = notebook(
    nbformat.v4.new_markdown_cell(
        "# Paragraphs\n\n:::{documented} https://example.org/guide.html\nGuides say this.\n:::"
    ),
    code_cell("t = torch.tensor([1.0, 2.0])", printed("tensor([1., 2.])\n")),
    nbformat.v4.new_markdown_cell(PARAGRAPH),
    code_cell(
        "check('same-values', ...)\ncheck_cases('floats', ...)",
        verdict_output("same-values"),
        verdict_output("floats", cases=[["1.0", True], ["2.0", True]]),
    ),
)


@pytest.fixture
def built(make_app, tmp_path):
    def build(conf: str = "", **pages):
        app = make_app("html", srcdir=sample(tmp_path, conf, **pages))
        app.build()
        return app

    return build


def warnings_of(app) -> str:
    """The build's warnings, without Sphinx's notes on node classes registered by an earlier app in this test."""
    return "".join(
        line for line in app.warning.getvalue().splitlines(keepends=True) if "already registered" not in line
    )


def page(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def test_a_checked_sentence_gets_a_mark_that_opens_its_check_under_the_paragraph(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    assert app.warning.getvalue() == ""
    html = page(app, "paragraphs")
    paragraph = html.find(id="same-values").find_parent("p")
    text = " ".join(paragraph.get_text().split())
    assert text.startswith("Read back: torch.Tensor.numpy gives an array of the same values")
    assert "and each of them is a float" in text and text.endswith("as the page shows.")
    marks = paragraph.select("a.claim-mark")
    assert [m["href"] for m in marks] == ["#evidence-same-values", "#evidence-floats"]
    assert all(m.select_one(".visually-hidden").get_text(strip=True) for m in marks)
    details = paragraph.find_next_sibling()
    assert details.name == "details" and "evidence" in details["class"] and details.select_one("summary")
    assert "check_cases('floats'" in details.select_one(".cell_input pre").get_text()  # the check's code
    for check_id in ("same-values", "floats"):
        line = html.find(id=f"evidence-{check_id}")
        assert line.find_parent("details") is details
        assert line.select_one(f'a[href="#{check_id}"]') is not None  # back to the sentence
    verdicts = [pre.get_text() for pre in details.select(".evidence-claim pre")]
    assert verdicts[0] == "\u2714 same-values: holds"
    assert verdicts[1].splitlines() == ["\u2714 floats: holds in all 2 cases", "    \u2714 1.0", "    \u2714 2.0"]
    assert "gives an array" not in details.get_text(), "the evidence repeats the sentence"
    assert len(html.select("div.cell")) == 1, "the check cell was left where it was"


def test_checked_and_documented_sentences_are_listed_in_reading_order(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    listed = page(app, "verified-claims")
    checked = [(a.get_text(), a["href"]) for a in listed.select(".claims-checked li a")]
    assert checked == [
        ("torch.Tensor.numpy gives an array of the same values", "paragraphs.html#same-values"),
        ("each of them is a float", "paragraphs.html#floats"),
    ]
    assert [a.get_text() for a in listed.select(".claims-documented li a")] == ["Guides say this."]
    assert "not executed here" in page(app, "paragraphs").select_one(".documented").get_text()


@pytest.mark.parametrize(
    ("sentence", "cases", "warns"),
    [
        ("`numpy()` works because no grad is required", [], True),
        ("`numpy()` works because no grad is required", [["a", True], ["b", True]], False),
        ("it is harmless", [], True),
        ("it works", [], False),
        ("the array is read-only", [], False),  # a word inside a hyphenated one
        ("only the array is read-only", [], True),
    ],
)
def test_a_sentence_that_generalises_needs_a_check_of_several_cases(built, sentence, cases, warns):
    book = notebook(
        nbformat.v4.new_markdown_cell(f"# Paragraphs\n\nSo [{sentence}]{{.checked #it}}."),
        code_cell("check('it', ...)", verdict_output("it", cases=cases) if cases else verdict_output("it")),
    )
    app = built(**{"paragraphs.ipynb": book})
    warning = app.warning.getvalue()
    assert ("covers one case" in warning) is warns, warning
    if warns:
        assert "paragraphs.ipynb" in warning and "'it'" in warning


def test_a_check_cell_that_prints_besides_its_verdict_is_refused(built):
    book = notebook(
        nbformat.v4.new_markdown_cell("# Paragraphs\n\n[It works]{.checked #works}."),
        code_cell("print(1)\ncheck('works', True)", printed("1\n"), verdict_output("works")),
    )
    assert "shows only its verdicts" in built(**{"paragraphs.ipynb": book}).warning.getvalue()


def test_one_of_the_alternatives_is_checked_and_the_others_say_so(built):
    book = notebook(
        nbformat.v4.new_markdown_cell(
            "# Paragraphs\n\n:::{alternatives}\n- [It copies]{.checked #copies}\n- [It shares]{.checked #shares}\n:::"
        ),
        code_cell("check('shares', True)", verdict_output("shares")),
    )
    app = built(**{"paragraphs.ipynb": book})
    assert app.warning.getvalue() == ""
    html = page(app, "paragraphs")
    assert html.find(id="shares").find_next_sibling("a", class_="claim-mark") is not None
    assert (
        "not-made" in html.find(id="copies")["class"]
        and "for other versions: not checked" in html.select_one(".alternatives").get_text()
    )
    none_checked = notebook(
        nbformat.v4.new_markdown_cell(
            "# Paragraphs\n\n:::{alternatives}\n- [It copies]{.checked #copies}\n- [It shares]{.checked #shares}\n:::"
        )
    )
    assert "needs exactly one checked sentence" in warnings_of(built(**{"paragraphs.ipynb": none_checked}))


def test_a_script_verdict_becomes_an_anchor_listed_with_its_sentence(built):
    verdict = asdict(Verdict("script-check", True, "check", sentence="a script says this"))
    rst = f"Example\n=======\n\n.. check-verdict::\n\n   {json.dumps(verdict)}\n\n::\n\n    \u2714 a script says this\n"
    app = built(**{"paragraphs.rst": rst})
    assert app.warning.getvalue() == ""
    assert page(app, "paragraphs").find(id="check-script-check") is not None
    assert [a["href"] for a in page(app, "verified-claims").select(".claims-checked li a")] == [
        "paragraphs.html#check-script-check"
    ]


PLANTED = """---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---

# Planted

[A sentence nobody checks]{.checked #unchecked}.

[Twice]{.checked #twice} and [twice again]{.checked #twice}.

```{code-cell} python
from torchfig import check
check("twice", True)
check("no-sentence", True)
```
"""


def test_planted_mistakes_fail_the_build_naming_file_line_and_id(built):
    """A span without a check, a check without a span, an id used twice: each one error, at its line."""
    app = built('nb_execution_mode = "force"\n', **{"paragraphs.md": PLANTED})
    warnings = app.warning.getvalue()
    assert "paragraphs.md:10: WARNING: the checked sentence 'unchecked' has no check" in warnings, warnings
    assert "paragraphs.md:12: WARNING: the id 'twice' is used by two checked sentences" in warnings, warnings
    assert "paragraphs.md:16: WARNING: check 'no-sentence' has no sentence" in warnings, warnings


def test_a_failed_check_fails_the_build_with_its_sentence(built):
    source = PLANTED.split("# Planted")[0] + (
        "# Failing\n\n[Two and two make five]{.checked #five}.\n\n"
        "```{code-cell} python\nfrom torchfig import check\ncheck('five', 2 + 2 == 5)\n```\n"
    )
    warnings = built('nb_execution_mode = "force"\n', **{"paragraphs.md": source}).warning.getvalue()
    assert (
        "paragraphs.md:14: ERROR: ClaimFailed: check 'five' no longer holds: Two and two make five; observed: False"
    ) in warnings, warnings


def test_spans_read_from_the_source_are_the_spans_the_build_finds(built):
    from cells import checked_spans, source_spans

    source = PLANTED.replace("[Twice]", "[Over a [link](https://example.org) and\n`code`]")
    app = built(**{"paragraphs.md": source})
    doctree = app.env.get_doctree("paragraphs")
    built_spans = [((s["names"] + s["dupnames"])[0], " ".join(s.astext().split())) for s in checked_spans(doctree)]
    assert [(i, text) for i, text, _ in source_spans(source)] == [
        ("unchecked", "A sentence nobody checks"),
        ("twice", "Over a [link](https://example.org) and `code`"),
        ("twice", "twice again"),
    ]
    assert [i for i, _ in built_spans] == ["unchecked", "twice", "twice"]


def test_rewording_a_sentence_under_the_same_id_needs_no_ledger_run(built):
    """The ledger holds ids, not sentences: a new wording builds clean against the same ledger."""
    from buildenv import versions

    release = versions()["torch"].split("+")[0]
    ledger = json.dumps(
        {
            "releases": {release: {"numpy": "x", "python": "y"}},
            "checks": [
                {"file": "docs/paragraphs.md", "id": i, "results": {release: {"status": "holds"}}}
                for i in ("same-values", "floats")
            ],
        }
    )
    for wording in ("gives an array of the same values", "returns the same numbers as an array"):
        app = built(
            **{
                "paragraphs.ipynb": PARAGRAPHS.replace("gives an array of the same values", wording),
                "ledger.json": ledger,
            }
        )
        assert warnings_of(app) == "", wording
        assert wording in page(app, "paragraphs").find(id="same-values").get_text()
    stale = ledger.replace('"floats"', '"other-id"')
    warnings = warnings_of(built(**{"paragraphs.ipynb": PARAGRAPHS, "ledger.json": stale}))
    assert "the release ledger has no entry for check 'floats'" in warnings
    assert "the release ledger lists check 'other-id', which this build no longer makes" in warnings


def test_the_sitemap_lists_every_page_under_the_base_url(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    sitemap = (Path(app.outdir) / "sitemap.xml").read_text()
    assert "<loc>https://example.org/docs/paragraphs.html</loc>" in sitemap
    assert sitemap.index("index.html") < sitemap.index("paragraphs.html") < sitemap.index("verified-claims.html")


def test_a_page_with_code_offers_itself_as_a_notebook(built):
    app = built(**{"paragraphs.ipynb": PARAGRAPHS})
    link = page(app, "paragraphs").select_one("p.page-notebook a")
    assert link["href"] == "_notebooks/paragraphs.ipynb"
    offered = json.loads((Path(app.outdir) / "_notebooks" / "paragraphs.ipynb").read_text())
    sources = ["".join(c["source"]) for c in offered["cells"]]
    assert "https://example.org/docs/paragraphs.html" in sources[0]
    assert any("Guides say this. (from PyTorch's documentation: https://example.org/guide.html)" in s for s in sources)
    prose = next(s for s in sources if s.startswith("Read back"))
    assert "gives an array of the same values, and each of them is a float, as" in prose and "{.checked" not in prose
    assert page(app, "index").select_one("p.page-notebook") is None  # no code, no notebook


def test_a_misspelt_api_name_fails_naming_it(built):
    source = "# Names\n\n{api}`torch.Tensor.detach` and {api}`torch.Tensor.detachh` and {api}`numpy.asarray`.\n"
    app = built(**{"paragraphs.md": source})
    warnings = app.warning.getvalue()
    assert "reference target not found: torch.Tensor.detachh" in warnings
    assert "torch.Tensor.detach\n" not in warnings and "numpy.asarray" not in warnings
    links = {a.get_text(): a["href"] for a in page(app, "paragraphs").select("a.reference.external")}
    assert links["torch.Tensor.detach"] == (
        "https://docs.pytorch.org/docs/stable/generated/torch.Tensor.detach.html#torch.Tensor.detach"
    )
    assert links["numpy.asarray"] == "https://numpy.org/doc/stable/reference/generated/numpy.asarray.html#numpy.asarray"


GPU_PAGE = """# Devices

:::{documented} https://example.org/numpy.html
:checked-on-gpu: cuda-numpy-refuses
`numpy()` refuses a CUDA tensor.
:::
"""


@pytest.mark.parametrize("column", [False, True])
def test_a_gpu_sentence_is_checked_only_from_the_ledgers_gpu_column(built, column):
    """With no GPU the sentence is documented; with a stored cuda column that holds, checked on that device."""
    cuda = {
        "found": {"device": "Planted GPU 80GB", "driver": "999.1", "torch": "2.13.0", "date": "2026-12-01"},
        "checks": [{"file": "docs/paragraphs.md", "id": "cuda-numpy-refuses", "status": "holds"}],
    }
    ledger = {"releases": {}, "checks": []} | ({"cuda": cuda} if column else {})
    app = built(**{"paragraphs.md": GPU_PAGE, "ledger.json": json.dumps(ledger)})
    assert warnings_of(app) == ""
    box = page(app, "paragraphs").select_one(".documented").get_text()
    listed = page(app, "verified-claims")
    if column:
        assert "checked on a Planted GPU 80GB, driver 999.1, with torch 2.13.0 on 2026-12-01" in box
        assert "not executed here" not in box
        assert [a.get_text() for a in listed.select(".claims-gpu li a")] == ["numpy() refuses a CUDA tensor."]
        assert not listed.select(".claims-documented li a")
    else:
        assert "not executed here" in box and "checked on" not in box
        assert not listed.select(".claims-gpu li a")


# The site's version stamp, which the ledger's page note follows (buildenv's, without its start-up checks)
STAMPED = """
from docutils import nodes
def setup(app):
    app.connect("doctree-read", lambda app, doctree: doctree.append(
        nodes.paragraph("", "Built with torch.", classes=["build-versions"])), priority=500)
"""


def with_ledger(ledger_json: str) -> dict[str, str]:
    """The sample's paragraphs page, a Which-releases page in the toctree and the given ledger."""
    return {
        "paragraphs.ipynb": PARAGRAPHS,
        "releases.md": "# Which releases\n\n```{release-ledger}\n```\n",
        "ledger.json": ledger_json,
        "index.md": INDEX.replace("verified-claims\n", "verified-claims\nreleases\n"),
    }


def test_the_ledger_lists_each_difference_on_its_page_and_names_what_follows_numpy(built):
    """A page's note lists every check of it that differs somewhere; the Which-releases page says which
    differences the NumPy probe (the build's torch with an old release's NumPy) shows too."""
    from buildenv import versions

    release = versions()["torch"].split("+")[0]
    ledger = {
        "releases": {"2.0.1": {"numpy": "1.26.4", "python": "3.11"}, release: {"numpy": "2.x", "python": "3.11"}},
        "checks": [
            {
                "file": "docs/paragraphs.md",
                "id": i,
                "results": {release: {"status": "holds"}, "2.0.1": {"status": "differs", "observed": f"planted {i}"}},
            }
            for i in ("same-values", "floats")
        ],
        "numpy_probe": {
            "found": {"torch": release, "numpy": "1.26.4", "python": "3.11"},
            "checks": [
                {"file": "docs/paragraphs.md", "id": "floats", "status": "differs"},
                {"file": "docs/paragraphs.md", "id": "same-values", "status": "holds"},
            ],
        },
    }
    app = built(STAMPED, **with_ledger(json.dumps(ledger)))
    assert warnings_of(app) == ""
    listed = page(app, "paragraphs").select("ul.differing-here li")
    assert [li.a["href"] for li in listed] == ["#floats", "#same-values"]
    assert "torch 2.0.1: differs: planted floats" in listed[0].get_text()
    behaviours = " ".join(page(app, "releases").get_text().split())
    follows = f"(this follows NumPy: torch {release} with NumPy 1.26.4 differs too)"
    assert f"differs: planted floats {follows}" in behaviours
    assert f"differs: planted same-values {follows}" not in behaviours and "planted same-values" in behaviours


def test_an_alternative_of_older_releases_shows_its_ledger_results_and_counts_in_its_pages_range(built):
    """The alternative this build does not make: its note says what the ledger found where it was made; a
    difference there narrows the page's range and is listed on the page and on the Which-releases page."""
    from buildenv import versions

    release = versions()["torch"].split("+")[0]
    releases = ("2.0.1", "2.1.2")
    ledger = {
        "releases": {r: {"numpy": "1.26.4", "python": "3.11"} for r in (*releases, release)},
        "checks": [
            {"file": "docs/paragraphs.md", "id": "shares", "results": {release: {"status": "holds"}}},
            {
                "file": "docs/paragraphs.md",
                "id": "copies",
                "results": {"2.0.1": {"status": "holds"}, "2.1.2": {"status": "differs", "observed": "planted"}},
            },
        ],
    }
    book = notebook(
        nbformat.v4.new_markdown_cell(
            "# Paragraphs\n\n:::{alternatives}\n- [It copies]{.checked #copies}\n- [It shares]{.checked #shares}\n:::"
        ),
        code_cell("check('shares', True)", verdict_output("shares")),
    )
    app = built(STAMPED, **with_ledger(json.dumps(ledger)) | {"paragraphs.ipynb": book})
    assert warnings_of(app) == ""
    html = page(app, "paragraphs")
    note = " ".join(html.select_one(".not-made-note").get_text().split())
    assert note == "(other releases; in the release ledger it holds on torch 2.0.1; torch 2.1.2: differs: planted)"
    stamp = " ".join(html.select_one("p.build-versions").get_text().split())
    assert f"every check on this page holds on torch 2.0.1, {release}" in stamp
    assert [li.a["href"] for li in html.select("ul.differing-here li")] == ["#copies"]
    listed = sorted(a["href"] for a in page(app, "releases").select("p.ledger-sentence a"))
    assert listed == ["paragraphs.html#copies", "paragraphs.html#shares"]


def test_a_check_missing_from_a_release_is_shown_not_run_and_narrows_its_pages_range(built):
    """A check without a result on a release ran nowhere there: the page's range does not count that
    release, and its note says the check was not run (only an alternative's absence means another one applied)."""
    from buildenv import versions

    release = versions()["torch"].split("+")[0]
    ledger = {
        "releases": {"2.0.1": {"numpy": "1.26.4", "python": "3.11"}, release: {"numpy": "2.x", "python": "3.11"}},
        "checks": [
            {
                "file": "docs/paragraphs.md",
                "id": "same-values",
                "results": {r: {"status": "holds"} for r in ("2.0.1", release)},
            },
            {"file": "docs/paragraphs.md", "id": "floats", "results": {release: {"status": "holds"}}},
        ],
    }
    app = built(STAMPED, **with_ledger(json.dumps(ledger)))
    assert warnings_of(app) == ""
    stamp = " ".join(page(app, "paragraphs").select_one("p.build-versions").get_text().split())
    assert f"every check on this page holds on torch {release}" in stamp
    listed = page(app, "paragraphs").select("ul.differing-here li")
    assert [li.a["href"] for li in listed] == ["#floats"]
    assert "torch 2.0.1: was not run" in listed[0].get_text()
    assert "another of its page's alternatives" not in listed[0].get_text()
    cells = [td.get_text(strip=True) for td in page(app, "releases").select("table.ledger-table tbody td")]
    assert cells[1:] == ["not run", "\u2714"], cells  # the sentence, then its mark on 2.0.1 and on this release


def test_a_new_ledger_column_reaches_every_pages_note_in_an_incremental_build(make_app, tmp_path):
    """Each page's range note reads the ledger: writing a column makes the next build read the page again."""
    import os

    from buildenv import versions

    release = versions()["torch"].split("+")[0]

    def ledger(releases):
        return json.dumps(
            {
                "releases": {r: {"numpy": "2.x", "python": "3.11"} for r in releases},
                "checks": [
                    {"file": "docs/paragraphs.md", "id": i, "results": {r: {"status": "holds"} for r in releases}}
                    for i in ("same-values", "floats")
                ],
            }
        )

    src = sample(tmp_path, STAMPED, **with_ledger(ledger([release])))
    make_app("html", srcdir=src).build()
    (src / "ledger.json").write_text(ledger(["2.0.1", release]))
    later = (src / "ledger.json").stat().st_mtime + 10
    os.utime(src / "ledger.json", (later, later))  # newer than the first build's files, whatever the clock's step
    again = make_app("html", srcdir=src)
    again.build()
    stamp = " ".join(page(again, "paragraphs").select_one("p.build-versions").get_text().split())
    assert f"every check on this page holds on torch 2.0.1 to {release}" in stamp
