"""The built site in a real browser: Chromium, driven by Playwright, over 127.0.0.1.

Each page loads without console errors, failed requests or requests to
other hosts; images decode; axe-core finds no violations in the light or the
dark theme; figures stay legible in both; nothing scrolls sideways at 375 px;
downloads download and search finds "detach". Links and anchors are checked
against the files themselves.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
from bs4 import BeautifulSoup

from chromium import chromium_env, chromium_path
from site_pages import examples, explanation_pages
from sitebuild import ROOT

pytestmark = [pytest.mark.build, pytest.mark.browser]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
THEMES = ("light", "dark")


def axe_script() -> Path:
    """axe-core's script: from $AXE_CORE_JS (the nox session installs it) or ./node_modules."""
    path = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules/axe-core/axe.min.js"))
    assert path.exists(), f"axe-core not found at {path}: run the tests with `nox -s tests`, or `npm install axe-core`"
    return path


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, env=chromium_env())
        yield chromium
        chromium.close()


def html_pages(built_site: Path) -> list[str]:
    return sorted(
        str(p.relative_to(built_site))
        for p in built_site.rglob("*.html")
        if "_downloads" not in p.parts and "_sources" not in p.parts
    )


class Visit:
    """A page opened in a fresh context, with everything it asked the network for.

    It is ready once loaded with its fonts (the layout is final); ``settled`` waits, as well, until
    the network has been quiet for half a second, for tests that judge every request the page made.
    """

    def __init__(
        self,
        browser,
        url: str,
        theme: str = "light",
        width: int = 1280,
        javascript: bool = True,
        settled: bool = False,
    ):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            color_scheme="dark" if theme == "dark" else "light",
            java_script_enabled=javascript,
        )
        self.page = self.context.new_page()
        self.console_errors, self.failed, self.requests = [], [], []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url, wait_until="networkidle" if settled else "load")
        if javascript:
            self.page.evaluate("async () => { await document.fonts.ready; }")
        self.page.evaluate(
            "theme => { localStorage.setItem('theme', theme); document.body.dataset.theme = theme; }", theme
        )

    def close(self):
        self.context.close()


SCROLLING_BLOCKS = """() => Array.from(document.querySelectorAll('pre'))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1).map(pre => pre.textContent.slice(0, 60))"""
FIGURES = """() => Array.from(document.images)
    .filter(i => i.src.endsWith('.svg') && !i.src.includes('_thumb')).map(i => [i.src, i.clientWidth])"""
AXE_VIOLATIONS = """async () => (await axe.run(document)).violations.map(
    v => `${v.id}: ${v.nodes.length} x ${v.nodes[0].target.join(' ')}`)"""
SMALLEST_TEXT = 11  # px: the smallest figure text a reader should have to read


def smallest_text_px(svg: Path, shown_width: float) -> float:
    """The smallest font of a Graphviz SVG, in CSS pixels, drawn ``shown_width`` pixels wide."""
    text = svg.read_text()
    view_width = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', text).group(1))
    sizes = [float(s) for s in re.findall(r'<text[^>]*font-size="([\d.]+)"', text)]
    return min(sizes) * shown_width / view_width


def test_every_page_loads_cleanly_and_its_images_decode(built_site, server, browser):
    """At 1280 px, also: no code or output block scrolls sideways, and figure text is at least 11 px."""
    problems = []
    for name in html_pages(built_site):
        visit = Visit(browser, server + name, settled=True)
        undecoded = visit.page.evaluate("""async () => {
            const images = Array.from(document.images);
            images.forEach(i => { i.loading = 'eager'; });
            const results = await Promise.all(images.map(i => i.decode().then(() => null, () => i.src)));
            return results.filter(Boolean).concat(images.filter(i => i.naturalWidth === 0).map(i => i.src));
        }""")
        foreign = [
            u for u in visit.requests if urlparse(u).hostname not in ("127.0.0.1", None) and not u.startswith("data:")
        ]
        scrolling = visit.page.evaluate(SCROLLING_BLOCKS)
        small = []
        for src, shown in visit.page.evaluate(FIGURES):
            svg = built_site / unquote(urlparse(src).path).lstrip("/")
            if "Generated by graphviz" in svg.read_text() and smallest_text_px(svg, shown) < SMALLEST_TEXT:
                small.append(f"{svg.name}: {smallest_text_px(svg, shown):.1f}px")
        for label, found in (
            ("console errors", visit.console_errors),
            ("failed requests", visit.failed),
            ("requests to other hosts", foreign),
            ("images that do not decode", undecoded),
            ("code or output blocks that scroll sideways", scrolling),
            ("figures whose text is drawn smaller than 11 px", small),
        ):
            if found:
                problems.append(f"{name}: {label}: {found}")
        visit.close()
    assert problems == []


def test_every_internal_link_and_anchor_resolves(built_site):
    broken = []
    for name in html_pages(built_site):
        page = built_site / name
        for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("a", href=True):
            href = a["href"]
            if re.match(r"[a-z]+:", href):  # http:, https:, mailto: leave the site
                continue
            path, anchor = urldefrag(href)
            target = (page.parent / unquote(path)).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{name}: {href}")
            elif (
                anchor
                and target.suffix == ".html"
                and not re.search(rf'id="{re.escape(anchor)}"', target.read_text(encoding="utf-8"))
            ):
                broken.append(f"{name}: {href} (no such anchor)")
    assert broken == []


def test_every_download_link_returns_its_file(built_site, server, browser):
    visit = Visit(browser, server + "examples/index.html")
    request = visit.page.request
    links = set()
    for name in html_pages(built_site):
        soup = BeautifulSoup((built_site / name).read_text(encoding="utf-8"), "html.parser")
        links |= {
            urljoin(server + name, a["href"]) for a in soup.find_all("a", href=True) if "_downloads/" in a["href"]
        }
    assert len(links) >= 2 * len(examples()) + 1  # each script and its notebook, the wheel (and the two zips)
    for url in sorted(links):
        response = request.get(url)
        assert response.status == 200 and len(response.body()) > 0, url
    visit.close()


def test_search_finds_detach(server, browser):
    visit = Visit(browser, server + "search.html?q=detach")
    visit.page.wait_for_selector("#search-results li", timeout=15000)
    assert visit.page.locator("#search-results li").count() > 0
    visit.close()


@pytest.mark.parametrize("query", ["clip weights", "initialise weights in place"])
def test_search_finds_the_recipe_a_reader_asks_for(server, browser, query):
    """Words readers type for the leaf in-place error find the recipe that fixes it among the first results."""
    visit = Visit(browser, server + "search.html?q=" + query.replace(" ", "+"))
    # results appear one by one; the summary's "Search finished" comes after the last
    visit.page.wait_for_function("document.body.innerText.includes('Search finished')", timeout=20000)
    first = visit.page.eval_on_selector_all("#search-results li > a", "links => links.slice(0, 3).map(a => a.href)")
    visit.close()
    assert any("recipes.html" in href for href in first), first


@pytest.mark.parametrize("theme", THEMES)
def test_axe_finds_no_violations(built_site, server, browser, theme):
    """On every page, with every check opened (axe skips what is hidden), in both themes."""
    script = axe_script()
    violations = []
    for name in html_pages(built_site):
        visit = Visit(browser, server + name, theme=theme)
        visit.page.evaluate(OPEN_EVERY_CHECK)
        visit.page.add_script_tag(path=str(script))
        found = visit.page.evaluate(AXE_VIOLATIONS)
        violations += [f"{name}: {v}" for v in found]
        visit.close()
    assert violations == []


def luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_rgb(colour: str):
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


@pytest.mark.parametrize("theme", THEMES)
def test_figures_are_legible_in_both_themes(built_site, server, browser, theme):
    """Lines and loose text reach 3:1 against the page; text in boxes reaches 4.5:1 against its fill."""
    visit = Visit(browser, server + "why-numpy-refuses.html", theme=theme)
    background = visit.page.evaluate("getComputedStyle(document.body).backgroundColor")
    page_rgb = tuple(int(v) for v in re.findall(r"\d+", background)[:3])
    visit.close()
    for svg in (built_site / "_images").glob("*.svg"):
        text = svg.read_text()
        if "Generated by graphviz" not in text:
            continue  # matplotlib figures draw their own opaque background
        assert 'fill="white"' not in text, f"{svg.name}: opaque background"  # Graphviz's default page fill
        for stroke in set(re.findall(r'stroke="(#[0-9a-fA-F]{6})"', text)):
            assert contrast(hex_rgb(stroke), page_rgb) >= 3, f"{svg.name}: line {stroke} on {theme} page"
        for fill in set(re.findall(r'<(?:polygon|path|ellipse) fill="(#[0-9a-fA-F]{6})"', text)):
            assert contrast(hex_rgb(fill), (0, 0, 0)) >= 4.5, f"{svg.name}: black text on {fill}"
        for colour in set(re.findall(r'<text[^>]*fill="(#[0-9a-fA-F]{6})"', text)):
            if colour.lower() != "#000000":  # loose text, such as edge labels, sits on the page
                assert contrast(hex_rgb(colour), page_rgb) >= 3, f"{svg.name}: text {colour} on {theme} page"


def test_pages_fit_a_375px_phone(built_site, server, browser):
    wide = []
    for name in html_pages(built_site):
        visit = Visit(browser, server + name, width=375)
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide.append(f"{name}: {overflow}px too wide")
        wide += [f"{name}: a block scrolls sideways: {text!r}" for text in visit.page.evaluate(SCROLLING_BLOCKS)]
        visit.close()
    assert wide == []


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
def test_the_landing_page_answers_on_its_first_screen(server, browser, width, height):
    """The first paragraph with checked sentences holds at least three, and ends above the fold."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server + "index.html", wait_until="networkidle")
    marks, bottom = page.evaluate("""() => {
        const answer = document.querySelector('article span.checked').closest('p');
        const marks = answer.querySelectorAll('a.claim-mark');
        return [marks.length, marks[marks.length - 1].getBoundingClientRect().bottom];
    }""")
    context.close()
    assert marks >= 3 and bottom <= height


OPEN_EVERY_CHECK = "() => document.querySelectorAll('details.evidence').forEach(d => { d.open = true; })"


@pytest.mark.parametrize("javascript", [True, False])
def test_a_mark_opens_its_check_in_place_and_leads_back(server, browser, javascript):
    """Tab to the first ✔, press Enter: the check under the paragraph opens at its line; its link leads back."""
    visit = Visit(browser, server + "why-numpy-refuses.html", javascript=javascript)
    page = visit.page
    mark = page.locator("a.claim-mark").first
    target = mark.get_attribute("href").removeprefix("#")
    sizes = page.evaluate(
        """m => [parseFloat(getComputedStyle(m).fontSize),
                                   parseFloat(getComputedStyle(m.closest('p')).fontSize)]""",
        mark.element_handle(),
    )
    assert sizes[0] >= sizes[1], "the ✔ is smaller than the text it marks"
    for _ in range(400):  # reach the mark by keyboard alone
        page.keyboard.press("Tab")
        if page.evaluate("m => document.activeElement === m", mark.element_handle()):
            break
    else:
        pytest.fail("the ✔ cannot be reached with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.getElementById(id).closest('details').open", arg=target)
    if javascript:  # the site's script opens the details before the browser scrolls to the line
        page.wait_for_function(
            """id => { const top = document.getElementById(id).getBoundingClientRect().top;
                                          return top >= 0 && top < innerHeight; }""",
            arg=target,
            timeout=5000,
        )
    line = page.locator(f"#{target}")
    sentence = target.removeprefix("evidence-")
    line.locator(f'a[href="#{sentence}"]').click()
    assert page.evaluate("() => location.hash") == f"#{sentence}"
    visit.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_opened_checks_fit(built_site, server, browser, width):
    """With every check opened, nothing scrolls sideways (axe reads the opened checks in its own test)."""
    problems = []
    for name in explanation_pages():
        visit = Visit(browser, server + f"{name}.html", width=width)
        visit.page.evaluate(OPEN_EVERY_CHECK)
        problems += [f"{name}: scrolls sideways: {t!r}" for t in visit.page.evaluate(SCROLLING_BLOCKS)]
        visit.close()
    assert problems == []


def test_the_stepper_steps_with_buttons_and_keys_in_the_traced_order(server, browser):
    """Next, Previous and the arrow keys change the figure and the announced caption, step by step."""
    visit = Visit(browser, server + "models.html")
    page = visit.page
    stepper = page.locator(".backward-stepper").first
    captions = [c.strip() for c in stepper.locator("figcaption").all_text_contents()]
    live = stepper.locator(".stepper-caption")
    assert live.get_attribute("aria-live") == "polite" and len(captions) >= 3
    assert live.text_content() == captions[0]
    assert stepper.locator(".stepper-steps > li:not([hidden])").count() == 1
    for expected in captions[1:]:
        stepper.get_by_role("button", name="Next step").click()
        assert live.text_content() == expected
    stepper.get_by_role("button", name="Previous step").click()
    assert live.text_content() == captions[-2]
    stepper.focus()
    page.keyboard.press("ArrowLeft")
    assert live.text_content() == captions[-3]
    page.keyboard.press("ArrowRight")
    assert live.text_content() == captions[-2]
    visit.close()


def test_without_javascript_every_step_figure_is_shown(server, browser):
    visit = Visit(browser, server + "models.html", javascript=False)
    stepper = visit.page.locator(".backward-stepper").first
    steps = stepper.locator(".stepper-steps > li")
    assert steps.count() >= 3 and all(steps.nth(i).is_visible() for i in range(steps.count()))
    assert stepper.locator("button").count() == 0
    visit.close()


@pytest.mark.parametrize(
    "message",
    [
        "element 0 of tensors does not require grad and does not have a grad_fn",
        "a leaf Variable that requires grad is being used in an in-place operation",
        "Trying to backward through the graph a second time",
    ],
)
def test_pasting_a_message_into_search_finds_the_page_that_explains_it(server, browser, message):
    visit = Visit(browser, server + "search.html?q=" + message.replace(" ", "+"))
    visit.page.wait_for_selector("#search-results li", timeout=20000)
    results = [a.get_attribute("href") for a in visit.page.locator("#search-results li > a").all()][:5]
    visit.close()
    assert any(href.split("#")[0].endswith(("messages.html", "graph.html", "detach.html")) for href in results), results
