"""Soak: N clean builds in checkouts of different path lengths, each compared with the first.

Usage: python tests/bench/soak.py [N]   (N defaults to 5)

Each build copies the site into a fresh folder, the folders' paths ranging
from short to 200+ characters with spaces (with the temporary folder inside
the checkout, as nox sets it), builds it strictly, and compares every HTML
and SVG file with the first build's by the masked digest the tests use.
Prints one line per build and a summary; exits 1 on any failure or
difference.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: the build helper

from sitebuild import build, copy_site, digests

LENGTHS = (0, 100, 160, 220)  # minimum extra path lengths, cycled


def checkout(base: Path, index: int) -> Path:
    path = base / f"build {index}"
    while len(str(path)) < len(str(base)) + LENGTHS[index % len(LENGTHS)]:
        path = path / "a long folder name"
    return path


def main(builds: int) -> int:
    base = Path(tempfile.mkdtemp(prefix="soak-"))
    first, failures, differing = None, 0, set()
    try:
        for index in range(builds):
            site = copy_site(checkout(base, index))
            temp = site / ".nox" / "tmp"
            temp.mkdir(parents=True)
            result = build(site, extra_env={"TMPDIR": str(temp)})
            if result.returncode != 0:
                failures += 1
                print(f"build {index + 1}: FAILED in a {len(str(site))}-character path\n{result.stderr[-2000:]}")
                continue
            found = digests(site / "_build" / "html")
            first = first or found
            changed = sorted(name for name in first.keys() | found.keys() if first.get(name) != found.get(name))
            differing.update(changed)
            print(
                f"build {index + 1}: ok in a {len(str(site))}-character path, {len(found)} files, "
                f"{len(changed)} differ from the first build"
            )
            shutil.rmtree(site)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"soak: {builds} builds, {failures} failures, {len(differing)} differing files")
    for name in sorted(differing):
        print(f"  differs: {name}")
    return 1 if failures or differing else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
