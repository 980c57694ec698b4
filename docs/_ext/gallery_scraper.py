"""sphinx-gallery scrapers: the graphviz figures a block creates become SVG images; its checks, verdicts.

A figure counts when it is the block's last expression or is bound to a name
in the example; each figure object is drawn once per example. Files are
named by sphinx-gallery's own iterator (example name and figure number), so
every build writes the same names.
"""

import json
import sys
from dataclasses import asdict
from pathlib import Path

import graphviz
from sphinx_gallery.scrapers import figure_rst


def _figures(example_globals) -> list:
    candidates = [example_globals.get("___"), *example_globals.values()]
    found = []
    for obj in candidates:
        if isinstance(obj, graphviz.Digraph) and not any(obj is f for f in found):
            found.append(obj)
    return found


def graphviz_figures(block, block_vars, gallery_conf) -> str:
    seen = block_vars.setdefault("graphviz_figures_seen", [])
    new = [fig for fig in _figures(block_vars["example_globals"]) if not any(fig is s for s in seen)]
    seen.extend(new)
    rst = []
    for fig, path in zip(new, block_vars["image_path_iterator"]):
        svg = Path(path).with_suffix(".svg")
        svg.write_text(fig.pipe(format="svg", encoding="utf-8"), encoding="utf-8")
        rst.append(figure_rst([svg], gallery_conf["src_dir"], fig_titles=fig.name))
    return "".join(rst)


def script_checks(block, block_vars, gallery_conf) -> str:
    """The checks a block made, as ``check-verdict`` directives the site's claims list and ledger read.

    The script printed each check's ``✔ sentence`` itself; this adds what the
    printed line does not carry (the id, each case). Verdicts are taken from
    ``torchfig.checks.made`` and cleared, so each block reports its own.
    """
    checks = sys.modules.get("torchfig.checks")  # an example that never imported torchfig made none
    if checks is None or not checks.made:
        return ""
    verdicts = [asdict(v) for v in checks.made]
    checks.made.clear()
    return "".join(f"\n.. check-verdict::\n\n   {json.dumps(v, sort_keys=True)}\n" for v in verdicts)
