"""The Chromium that browser tests, screenshots and the Lighthouse budget launch: the one on PATH, as nox checks."""

import shutil

MISSING = "Chromium was not found on PATH; the browser checks need it (apt-get install chromium)"


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's name, then Ubuntu's
    if path is None:
        raise FileNotFoundError(MISSING)
    return path
