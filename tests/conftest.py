"""Shared fixtures: one strict build of a clean copy of the site for the whole run, however many workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharing import made_once
from sitebuild import build, copy_site, digests

pytest_plugins = "sphinx.testing.fixtures"  # make_app: the Sphinx helpers built in-process (test_extensions)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, worker_id) -> Path:
    """The whole site, built once from a clean copy for the run; the HTML output folder. Tests only
    read it: one that rebuilds builds a site of its own."""

    def make(site: Path) -> None:
        copy_site(site)
        result = build(site)
        assert result.returncode == 0, result.stdout + result.stderr

    return made_once(tmp_path_factory, worker_id, "site", make) / "_build" / "html"


@pytest.fixture(scope="session")
def clean_digests(built_site) -> dict[str, str]:
    """The clean build's HTML and SVG digests, as that build left them: what other builds must equal."""
    return digests(built_site)
