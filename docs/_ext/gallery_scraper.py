"""sphinx-gallery scraper: the graphviz figures a block creates become SVG images.

A figure counts when it is the block's last expression or is bound to a name
in the example; each figure object is drawn once per example. Files are
named by sphinx-gallery's own iterator (example name and figure number), so
every build writes the same names.
"""

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
