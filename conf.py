"""Sphinx configuration for "detach() before numpy()".

The source directory is ``docs/`` and this file sits at the repository root,
so every build names both: ``sphinx-build -c . docs _build/html`` (the nox
sessions do). torch is deliberately not imported here: pages and examples
import it when they execute, and versions are read from package metadata.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).parent.resolve()
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # Sphinx-only helpers, named by dotted string below

from api_links import intersphinx_mapping as stored_inventories
from buildenv import execution_cache_path

# -- Project -------------------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#project-information
project = "detach() before numpy()"
author = "The detach-numpy-docs authors"
copyright = "the detach-numpy-docs authors"  # no year: the built pages carry no dates
html_last_updated_fmt = None

# -- Extensions ----------------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#general-configuration
extensions = [
    "myst_nb",  # also provides MyST Markdown: listing myst_parser as well is an error
    "execute_ahead",  # runs stale pages two at a time while the gallery runs: after myst_nb, before the gallery
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "buildenv",  # supported torch, version stamps, versions on every page
    "output_filter",  # no build-machine paths in executed outputs
    "checked_prose",  # [sentence]{.checked #id} joined with its check, and the "Verified claims" page
    "ledger",  # which sentences hold on which torch release; the build agrees with it
    "downloads",  # the figure library as a wheel readers can install
    "page_notebooks",  # each explanation page as a notebook to download and run
    "execution_errors",  # a page's exception becomes one error line: file, line, exception
    "api_links",  # {api}`torch.Tensor.detach` links to the PyTorch and NumPy docs
    "html_fixes",  # labels, keyboard access and image sizes the written HTML lacks
    "sitemap",  # sitemap.xml, from html_baseurl
    "sphinxext.opengraph",  # description and social-card metadata in every page's head
    "sphinx.ext.autodoc",  # the figure library's reference page, from its docstrings
]
# The bench (tests/bench/build_speed.py) measures the built-in alternatives to
# execute_ahead; these switches are unset in every real build.
if os.environ.get("SITE_BENCH_WITHOUT_EXECUTE_AHEAD"):
    extensions.remove("execute_ahead")
root_doc = "index"
# Sphinx never reads its own outputs: notebooks sphinx-gallery writes beside
# its pages, and anything a build or a tool leaves in the source tree.
exclude_patterns = [
    "examples/*.ipynb",
    "examples/*.py",
    "examples/*.zip",
    "examples/sg_execution_times.rst",
    "_build",
    ".nox",
    "README.md",
    "_ext",
]
nitpicky = True
# PyTorch, NumPy and Python names resolve through inventories stored in the
# repository (offline builds); see api_links.
intersphinx_mapping = stored_inventories()
# Figure's base class, shown on the reference page: graphviz's inventory is not stored.
nitpick_ignore = [("py:class", "graphviz.Digraph")]
autodoc_typehints = "none"  # signatures stay short; the docstrings say what each argument takes
suppress_warnings = [
    "config.cache",  # sphinx-gallery's config holds callables by name only; this silences Sphinx 9's pickling note
    # sphinx-gallery looks for spaces in the whole path of each example, so a
    # checkout inside a folder with a space would fail; a test checks the names.
    "sphinx_gallery.space_in_filename",
]
# attrs_inline: a checked sentence is a span, [sentence]{.checked #id}. No math: MathJax would load from another host.
myst_enable_extensions = ["attrs_inline", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- Execution of pages (myst-nb) ----------------------------------------
# https://myst-nb.readthedocs.io/en/latest/configuration.html
nb_execution_mode = "cache"  # execute a page once, then again only when its code changes
nb_execution_cache_path = execution_cache_path(ROOT)  # keyed on torch and numpy versions
# An exception in a page fails the build: myst-nb keeps the traceback in the
# page (raising would crash Sphinx with a long report), and the
# execution_errors helper turns it into one error naming the file and line.
nb_execution_raise_on_error = False
nb_execution_show_tb = False
nb_execution_timeout = 300  # seconds per cell; torch's first import is slow on a cold machine
nb_merge_streams = True  # one output block per cell
nb_render_markdown_format = "myst"  # Markdown a cell displays (the detach page's table) is parsed like the pages
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN: the site loads nothing from other hosts

# -- Gallery (sphinx-gallery) ----------------------------------------------
# https://sphinx-gallery.github.io/stable/configuration.html
sphinx_gallery_conf = {
    "examples_dirs": "../gallery",  # the scripts, relative to docs/
    "gallery_dirs": "examples",  # generated pages, under docs/ and git-ignored
    "filename_pattern": r"/plot_",  # execute every example
    # A failing example fails the build (-W) with one error naming the file and
    # line (execution_errors); raising here instead would crash Sphinx mid-build.
    "abort_on_example_error": False,
    "only_warn_on_example_error": True,
    # Same numbers in every build; the gallery's collection before each example stays short.
    "reset_modules": ("matplotlib", "buildenv.reset_seeds", "buildenv.freeze_heap"),
    "image_scrapers": ("matplotlib", "gallery_scraper.graphviz_figures", "gallery_scraper.script_checks"),
    "ignore_repr_types": r"graphviz\.|torchfig\.",  # a figure is scraped as SVG, never printed as an address
    "min_reported_time": 10**9,  # no run times in pages: they differ from build to build
    "write_computation_times": False,  # nor a page of timings
    "show_memory": False,
    "show_signature": False,  # no "generated by" line linking to another host
    "remove_config_comments": True,
    "download_all_examples": True,  # one zip of every script and one of every notebook
    "within_subsection_order": "gallery_order.NumberedSortKey",  # plot_1, plot_2, ..., plot_10: the reading order
    "parallel": int(os.environ.get("SITE_BENCH_GALLERY_PARALLEL", "0")) or False,  # bench only: see above
}

# -- Theme and HTML output ------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#options-for-html-output
html_theme = "furo"  # measured lighter than pydata-sphinx-theme for the same page
html_title = project
html_static_path = ["docs/_static"]
templates_path = ["docs/_templates"]  # one override: a heading for the search page
html_favicon = "docs/_static/favicon.svg"  # browsers ask for one; a missing icon is a failed request
html_css_files = ["site.css"]
html_js_files = [
    ("evidence.js", {"defer": "defer"}),  # a ✔ opens its folded check, in every browser
    ("stepper.js", {"defer": "defer"}),  # backward step figures, one at a time
]
html_copy_source = False  # readers download scripts from the gallery, not page sources
html_show_sourcelink = False
html_show_sphinx = False
# Where the site is hosted: Read the Docs says so itself; elsewhere set SITE_URL.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL") or os.environ.get(
    "SITE_URL", "https://detach-numpy.readthedocs.io/en/latest/"
)
ogp_site_url = html_baseurl
ogp_social_cards = {"enable": False}  # no generated images; nothing fetched from other hosts
copybutton_exclude = ".linenos, .gp, .go"  # copy code, not prompts or outputs
