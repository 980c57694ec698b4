"""Checks on the built site: executed outputs, figures, claims, versions, downloads, determinism."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup

from sitebuild import build, digests
from torchfig.claims import CHECK_MARK

pytestmark = pytest.mark.build

PAGES = ["index", "history", "graph", "detach", "shared-memory", "why-numpy-refuses",
         "recording-off", "devices", "recipes"]
EXAMPLES = ["plot_1_readers_code", "plot_2_silent_wrong_gradient", "plot_3_round_trips",
            "plot_4_shared_memory_tour", "plot_5_draw_your_model", "plot_6_logging_and_plotting",
            "plot_7_no_grad_vs_inference_mode", "plot_8_devices"]
NO_FIGURE = {"plot_6_logging_and_plotting", "plot_7_no_grad_vs_inference_mode"}  # a matplotlib plot; timings
ALL = PAGES + [f"examples/{name}" for name in EXAMPLES]


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("page", ALL)
def test_every_page_holds_executed_claims_and_its_versions(built_site, page):
    html = soup(built_site, page)
    outputs = html.select("div.output pre, div.sphx-glr-script-out pre, .cell_output pre")
    assert any(CHECK_MARK in o.get_text() for o in outputs), "no executed claim output on the page"
    versions = html.select_one("p.build-versions").get_text()
    assert re.search(r"torch \d+\.\d+\.\d+.*NumPy \d+\.\d+\.\d+.*Python 3\.\d+", versions)


@pytest.mark.parametrize("page", PAGES + [f"examples/{name}" for name in EXAMPLES if name not in NO_FIGURE])
def test_every_page_shows_a_graph_figure_drawn_from_live_tensors(built_site, page):
    html = soup(built_site, page)
    svgs = [img for img in html.find_all("img") if img["src"].endswith(".svg") and "thumb" not in img["src"]]
    assert svgs, "no SVG figure"
    for img in svgs:
        assert img.get("alt") and not img["alt"].endswith(".svg"), f"figure without alt text: {img['src']}"
        assert img.get("width") and img.get("height"), f"figure without a size: {img['src']}"
        svg = (built_site / page).parent.joinpath(img["src"]).resolve().read_text()
        assert "<svg" in svg and "<title>" in svg


def test_graph_figures_name_real_backward_nodes(built_site):
    svg_text = "".join(p.read_text() for p in (built_site / "_images").glob("*.svg"))
    for node in ("PowBackward0", "DotBackward0", "AccumulateGrad", "saved self", "not recorded", "memory block"):
        assert node in svg_text


def test_no_object_addresses_paths_or_tracebacks_leak_into_pages(built_site):
    site_folder = str(built_site.parent.parent)
    for page in ALL:
        text = soup(built_site, page).get_text()
        assert not re.search(r"0x[0-9a-f]{6,}", text), f"{page} prints an object address"
        assert site_folder not in text, f"{page} prints a path of the machine that built it"
    assert not (built_site / "reports").exists(), "myst-nb wrote execution error reports"


def test_verified_claims_page_lists_every_claim_with_versions_and_working_links(built_site):
    html = soup(built_site, "verified-claims")
    summary = html.select_one("p.claims-summary").get_text()
    count = int(re.match(r"(\d+) claims", summary).group(1))
    assert count >= 40
    assert re.search(r"torch \d+\.\d+\.\d+.*NumPy \d+\.\d+\.\d+.*Python 3", summary)
    links = [a["href"] for a in html.select(".claims-checked li a")]
    assert len(links) == count
    for href in links:
        block = anchored(built_site, href)
        assert CHECK_MARK in block.get_text()
    documented = html.select(".claims-documented li a")
    assert len(documented) == int(re.match(r"(\d+) sentences", html.select_one("p.documented-summary").get_text()).group(1))
    for link in documented:
        block = anchored(built_site, link["href"])
        assert CHECK_MARK not in block.get_text(), "a sentence from documentation is shown as checked"
        assert "not executed here" in block.get_text()


def anchored(site: Path, href: str):
    """The element a link from the claims page points at."""
    path, anchor = urldefrag(href)
    target = BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")
    block = target.find(id=anchor)
    assert block is not None, f"{href}: no such anchor"
    return block


def test_verified_claims_follow_the_reading_order(built_site):
    """Pages in the order of the site's path (the landing page's toctree, then the gallery's), not by file name."""
    html = soup(built_site, "verified-claims")
    listed = [a["href"].removesuffix(".html") for a in html.select(".claims-checked > p > strong > a")]
    assert listed == [page for page in ALL if page in listed]
    assert listed[:2] == ["index", "history"] and listed[-1] == "examples/plot_8_devices"


def test_checked_prose_links_each_sentence_to_its_check(built_site):
    """Every ✔ after a sentence leads to the code that checked it and the claim lines that code printed."""
    marked = 0
    for page in PAGES:
        html = soup(built_site, page)
        for paragraph in html.select("p.checked"):
            mark = paragraph.select_one("a.claim-mark")
            evidence = html.find(id=mark["href"].removeprefix("#"))
            assert evidence is not None and "evidence-cell" in evidence["class"]
            assert evidence.select_one(".cell_input pre") is not None, "the check's code is not shown"
            assert CHECK_MARK in evidence.select_one(".cell_output pre").get_text()
            marked += 1
        assert not html.select(".tag_prose"), f"{page}: a prose cell was left as a code cell"
    assert marked >= 60


def test_gallery_offers_scripts_notebooks_zips_and_the_figure_wheel(built_site):
    downloads = built_site / "_downloads"
    names = {p.name for p in downloads.rglob("*") if p.is_file()}
    for name in EXAMPLES:
        assert {f"{name}.py", f"{name}.ipynb"} <= names
    assert {"examples_python.zip", "examples_jupyter.zip"} <= names
    assert "torchfig-0.1.0-py3-none-any.whl" in names
    index = soup(built_site, "examples/index")
    assert index.find("a", href=re.compile(r"torchfig-0\.1\.0-py3-none-any\.whl$"))


def test_the_sitemap_lists_every_page_but_the_error_page(built_site):
    sitemap = (built_site / "sitemap.xml").read_text()
    listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    base = listed[0].rsplit("/", 1)[0] + "/"  # sorted: the first page, detach.html, sits at the top level
    assert base.startswith("https://") and all(url.startswith(base) for url in listed)
    pages = {url.removeprefix(base) for url in listed}
    assert {f"{page}.html" for page in ALL} <= pages and "404.html" not in pages


def test_pages_load_nothing_from_other_hosts(built_site):
    for html_file in built_site.rglob("*.html"):
        html = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for element in html.find_all(tag):
                url = element.get(attr) or ""
                if tag == "link" and "stylesheet" not in element.get("rel", []) and "preload" not in element.get("rel", []):
                    continue
                assert not re.match(r"(https?:)?//", url), f"{html_file.name} loads {url}"


def test_two_clean_builds_are_identical(built_site):
    # The second build uses the same paths as the first, so only the build itself can differ.
    site = built_site.parent.parent
    first = digests(built_site)
    shutil.rmtree(site / "_build")
    shutil.rmtree(site / "docs" / "examples")
    result = build(site)
    assert result.returncode == 0, result.stdout + result.stderr
    second = digests(built_site)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
