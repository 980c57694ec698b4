"""Screenshots of built pages at 1280 and 375 px, for a reviewer without a browser.

On each page the first ✔ is activated, so the shot also shows a check opened
in place under its paragraph.

Usage: python tests/screenshots.py SITE_HTML OUT_DIR [PAGE ...]
(pages default to every explanation page; nox -s screenshots runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from chromium import chromium_env, chromium_path
from site_pages import explanation_pages

WIDTHS = (1280, 375)


def main(html: Path, out: Path, pages) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"], env=chromium_env()
        )
        for page in pages:
            for width in WIDTHS:
                tab = browser.new_page(viewport={"width": width, "height": 800})
                tab.goto((html / f"{page}.html").resolve().as_uri(), wait_until="load")
                first_mark = tab.locator("a.claim-mark").first
                if first_mark.count():
                    first_mark.click()
                    tab.evaluate("document.activeElement.blur()")  # no focus ring or skip link in the shot
                target = out / f"{page.replace('/', '_')}-{width}.png"
                tab.screenshot(path=str(target), full_page=True)
                tab.close()
                print(target)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:] or [*explanation_pages(), "verified-claims", "glossary"])
