"""Shared fixtures: one strict build of a clean copy of the site per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitebuild import build, copy_site

pytest_plugins = "sphinx.testing.fixtures"  # make_app: the Sphinx helpers built in-process (test_extensions)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole site, built once from a clean copy; the HTML output folder."""
    site = copy_site(tmp_path_factory.mktemp("site"))
    result = build(site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "_build" / "html"
