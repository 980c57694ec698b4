"""The Chromium that browser tests, screenshots and the Lighthouse budget launch: the one on PATH, as nox checks."""

import atexit
import os
import shutil
import tempfile

MISSING = "Chromium was not found on PATH; the browser checks need it (apt-get install chromium)"


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's name, then Ubuntu's
    if path is None:
        raise FileNotFoundError(MISSING)
    return path


def chromium_env() -> dict[str, str]:
    """The environment to start Chromium in: its temporary folder short, wherever the checkout lives.

    nox points TMPDIR inside the checkout, and Chromium puts a Unix socket there; a socket path
    longer than about 100 bytes (a deep checkout) makes Chromium abort at start-up.
    """
    short = tempfile.mkdtemp(prefix="chromium-", dir="/tmp" if os.path.isdir("/tmp") else None)
    atexit.register(shutil.rmtree, short, ignore_errors=True)
    return dict(os.environ) | {"TMPDIR": short}
