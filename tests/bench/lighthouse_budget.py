"""Page-weight and Lighthouse budgets for the built site: prints the figures, exits 1 on a miss.

Usage: python tests/bench/lighthouse_budget.py SITE_DIR LIGHTHOUSE_BIN

The site is served on 127.0.0.1 with gzip, as Read the Docs and GitHub
Pages serve it, so the weights are what a reader downloads.
Three pages are measured: the landing page, the longest explanation page
and a gallery page. Targets: at most 200 KB transferred on first load for a
text page, performance at least 0.98, accessibility, best practices and SEO 1.0.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 0.98, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
TEXT_PAGE_BUDGET = 200 * 1024
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: the one list of pages
from chromium import chromium_env, chromium_path
from site_pages import explanation_pages

EXPLANATIONS = tuple(page for page in explanation_pages() if page != "index")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the browser accepts it."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        compressible = path.suffix in (".html", ".css", ".js", ".svg", ".json", ".txt", ".xml")
        if not (compressible and path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        return _Body(body)

    def log_message(self, *args):
        pass


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, *_):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


def serve(site: Path) -> str:
    handler = functools.partial(GzipHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/"


def lighthouse(binary: str, url: str) -> dict:
    result = subprocess.run(
        [
            binary,
            url,
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}",
        ],
        capture_output=True,
        text=True,
        env=chromium_env() | {"CHROME_PATH": chromium_path()},
        check=True,
    )
    report = json.loads(result.stdout)
    return {
        "bytes": report["audits"]["total-byte-weight"]["numericValue"],
        "requests": len(report["audits"]["network-requests"]["details"]["items"]),
        **{c: report["categories"][c]["score"] for c in CATEGORIES},
    }


def main(site: Path, binary: str) -> int:
    longest = max(EXPLANATIONS, key=lambda p: (site / f"{p}.html").stat().st_size)
    pages = {
        "landing": "index.html",
        f"longest ({longest})": f"{longest}.html",
        "gallery": "examples/plot_1_readers_code.html",
    }
    base = serve(site)
    print(f"{'page':28} {'KB':>7} {'requests':>8} " + " ".join(f"{c[:13]:>13}" for c in CATEGORIES))
    misses = []
    for label, path in pages.items():
        figures = lighthouse(binary, base + path)
        print(
            f"{label:28} {figures['bytes'] / 1024:7.1f} {figures['requests']:8d} "
            + " ".join(f"{figures[c]:13.2f}" for c in CATEGORIES)
        )
        misses += [f"{label}: {c} {figures[c]:.2f} < {t}" for c, t in TARGETS.items() if figures[c] < t]
        if figures["bytes"] > TEXT_PAGE_BUDGET:
            misses.append(f"{label}: {figures['bytes'] / 1024:.1f} KB > {TEXT_PAGE_BUDGET / 1024:.0f} KB")
    print("\n".join(["", "Targets missed:", *misses]) if misses else "\nAll targets met.")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
