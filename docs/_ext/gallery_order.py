"""The gallery's reading order: plot_1_..., plot_2_..., ..., plot_10_... by their number, not as text."""

from __future__ import annotations

import re


class NumberedSortKey:
    """sphinx-gallery's ``within_subsection_order``: the number after ``plot_`` decides."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename: str):
        number = re.match(r"plot_(\d+)_", filename)
        return (int(number.group(1)) if number else float("inf"), filename)

    def __repr__(self) -> str:  # a stable repr, so Sphinx's cached configuration stays valid
        return f"<{type(self).__name__}>"
