"""Shared fixtures: one strict build of a clean copy of the site per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitebuild import build, copy_site, digests

pytest_plugins = "sphinx.testing.fixtures"  # make_app: the Sphinx helpers built in-process (test_extensions)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole site, built once from a clean copy; the HTML output folder."""
    site = copy_site(tmp_path_factory.mktemp("site"))
    result = build(site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "_build" / "html"


@pytest.fixture(scope="session")
def clean_digests(built_site) -> dict[str, str]:
    """The clean build's HTML and SVG digests, as that build left them: what other builds must equal."""
    return digests(built_site)
