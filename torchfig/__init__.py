"""Figures of PyTorch's autograd graph and of tensor memory, drawn from live tensors.

Every function returns a :class:`graphviz.Digraph` (a :class:`Figure`), which
notebooks display as SVG; :func:`to_svg` gives the SVG text.
"""

from importlib.metadata import PackageNotFoundError, version

from .chart import decision_chart
from .checks import ClaimFailed, caught, check, check_cases, check_close, check_equal, check_raises, check_warns
from .figure import Figure, GraphvizNotFound, to_svg
from .flow import data_flow, record
from .graph import GraphMemory, autograd_graph, graph_memory
from .memory import memory_figure, shares_memory
from .modules import ModuleTags, module_bytes, module_graph, module_tags
from .silent_writes import SilentWriteError, detect_silent_writes
from .stepper import BackwardStepper
from .trace import BackwardTrace, backward_figure, backward_steps, watch_backward

try:
    __version__ = version("torchfig")  # pyproject.toml holds the one version number
except PackageNotFoundError:  # imported from a folder without being installed
    __version__ = "unknown"

__all__ = [
    "BackwardStepper",
    "BackwardTrace",
    "ClaimFailed",
    "Figure",
    "GraphMemory",
    "GraphvizNotFound",
    "ModuleTags",
    "SilentWriteError",
    "autograd_graph",
    "backward_figure",
    "backward_steps",
    "caught",
    "check",
    "check_cases",
    "check_close",
    "check_equal",
    "check_raises",
    "check_warns",
    "data_flow",
    "decision_chart",
    "detect_silent_writes",
    "graph_memory",
    "memory_figure",
    "module_bytes",
    "module_graph",
    "module_tags",
    "record",
    "shares_memory",
    "to_svg",
    "watch_backward",
]
