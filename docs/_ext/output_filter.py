"""One filter over every executed output (pages and gallery): nothing of the machines that built PyTorch or the site.

- PyTorch's C++ warnings end with "(Triggered internally at <path of
  PyTorch's own build>:<line>.)": a path on a machine the reader never saw.
- An absolute path under the site's checkout would show where this build ran.
- A warning raised by a page's cell starts with the kernel's temporary file
  for that cell, which differs from run to run.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

from cells import is_output

TRIGGERED_INTERNALLY = re.compile(r" ?\(Triggered internally at [^)]*\)")
KERNEL_CELL = re.compile(r"\S*/ipykernel_\d+/\d+\.py:\d+: ")  # a warning's location: a temporary file per kernel


def clean_output(text: str, checkout: str) -> str:
    text = KERNEL_CELL.sub("", TRIGGERED_INTERNALLY.sub("", text))
    return text.replace(checkout.rstrip("/") + "/", "").replace(checkout, ".")


def filter_outputs(app, doctree) -> None:
    checkout = str(Path(app.confdir).resolve())
    for block in doctree.findall(nodes.literal_block):
        if not is_output(block):
            continue
        for text in list(block.findall(nodes.Text)):
            cleaned = clean_output(str(text), checkout)
            if cleaned != str(text):
                text.parent.replace(text, nodes.Text(cleaned))


def setup(app):
    app.connect("doctree-read", filter_outputs, priority=300)  # before claims and errors read the outputs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
