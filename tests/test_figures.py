"""The figure library: node and edge sets of known graphs, determinism, escaping, no-dot errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import torchfig
from torchfig.figure import GraphvizNotFound


def labels(figure) -> dict[str, str]:
    """node id -> label text, from the DOT source."""
    found = {}
    for node_id, attrs in re.findall(r"^\t(\w+) \[(.*)\]$", figure.source, flags=re.MULTILINE):
        if node_id in ("graph", "node", "edge"):  # default attributes, not nodes
            continue
        label = re.search(r'label="((?:[^"\\]|\\.)*)"|label=([^\s"]+)', attrs)
        text = (label.group(1) or label.group(2)) if label else ""
        found[node_id] = text.replace("\\n", "\n")
    return found


def edges(figure) -> set[tuple[str, str]]:
    return set(re.findall(r"^\t(\w+) -> (\w+)", figure.source, flags=re.MULTILINE))


def edges_by_label(figure) -> set[tuple[str, str]]:
    """Edges as (first line of source label, first line of target label)."""
    names = {k: v.splitlines()[0] for k, v in labels(figure).items()}
    return {(names[a], names[b]) for a, b in edges(figure)}


def test_graph_of_squared_dot_product():
    x = torch.randn(4, requires_grad=True)
    w = torch.randn(4, requires_grad=True)
    z = (x @ w) ** 2
    fig = torchfig.autograd_graph(z, names={"x": x, "w": w, "z": z})
    assert edges_by_label(fig) == {
        ("z", "PowBackward0"),
        ("PowBackward0", "DotBackward0"),
        ("PowBackward0", "saved self"),
        ("DotBackward0", "AccumulateGrad"),
        ("DotBackward0", "saved self"),
        ("DotBackward0", "saved tensor"),
        ("AccumulateGrad", "x"),
        ("AccumulateGrad", "w"),
    }
    saved = [text for text in labels(fig).values() if text.startswith("saved")]
    assert any("\nx\n" in s for s in saved) and any("\nw\n" in s for s in saved)


def test_detach_cut_leaves_no_edge_back():
    x = torch.ones(3, requires_grad=True)
    cut = (x * 2).detach()
    z = (cut * x).sum()
    fig = torchfig.autograd_graph(z, names={"x": x, "cut": cut, "z": z})
    leaves = [text.splitlines()[0] for text in labels(fig).values() if "leaf" in text]
    assert leaves == ["x"]  # the detached tensor is no leaf of z's graph: nothing leads to it
    kinds = [text.splitlines()[0] for text in labels(fig).values()]
    assert kinds.count("MulBackward0") == 1  # x * 2 happened before the cut: not in z's graph

    with torchfig.record() as rec:
        y = x * 2
        d = y.detach()
    flow = torchfig.data_flow(rec, names={"x": x, "y": y, "d": d})
    assert 'label="not recorded"' in flow.source
    cut_edges = re.findall(r"^\t(\w+) -> (\w+) \[label=\"not recorded\"", flow.source, flags=re.MULTILINE)
    assert [labels(flow)[target].splitlines()[0] for _, target in cut_edges] == ["d"]


def test_numpy_round_trip_flow_shows_memory_link_and_no_recorded_path():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torchfig.record() as rec:
        a = x.detach().numpy()
        b = np.exp(a)
        back = torch.from_numpy(b)
        out = back.sum()
    fig = torchfig.data_flow(rec, names={"x": x, "a": a, "b": b, "back": back, "out": out})
    pairs = edges_by_label(fig)
    assert ("b", "back") in pairs  # linked by memory, not by a recorded call
    assert not any(src == "a" and dst == "b" for src, dst in pairs)  # NumPy's exp is invisible


def test_saved_tensor_whose_version_moved():
    x = torch.ones(3, requires_grad=True)
    y = x * 1
    loss = (y**2).sum()
    y.detach().add_(1)
    fig = torchfig.autograd_graph(loss, names={"y": y})
    saved = [t for t in labels(fig).values() if t.startswith("saved self")]
    assert saved == ["saved self\nchanged since saved\n(version 0, now 1):\nbackward will refuse"]


def test_saved_tensors_after_backward_are_freed():
    x = torch.ones(3, requires_grad=True)
    loss = (x**2).sum()
    loss.backward()
    text = "\n".join(labels(torchfig.autograd_graph(loss)).values())
    assert "freed" in text


def test_memory_figure_groups_views_and_copies():
    t = torch.arange(6.0)
    fig = torchfig.memory_figure({"t": t, "a": t.numpy(), "view": t[2:4], "copy": torch.tensor(t.numpy())})
    target = {labels(fig)[src].splitlines()[0]: dst for src, dst in edges(fig)}
    assert target["t"] == target["a"] == target["view"] != target["copy"]
    assert "bytes 8 to 16" in fig.source  # the view starts two float32 into the block
    assert "0x" not in fig.source  # no raw addresses


def test_mlp_graph_reaches_every_parameter():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    loss = model(torch.randn(2, 3)).sum()
    names = dict(model.named_parameters())
    fig = torchfig.autograd_graph(loss, names=names)
    leaf_names = {t.splitlines()[0] for t in labels(fig).values() if "leaf" in t}
    assert leaf_names == set(names)
    kinds = {t.splitlines()[0] for t in labels(fig).values()}
    assert {"AddmmBackward0", "ReluBackward0", "TBackward0", "SumBackward0"} <= kinds


def test_same_code_gives_byte_identical_svg():
    def draw():
        torch.manual_seed(1)
        x = torch.randn(3, requires_grad=True)
        return torchfig.to_svg(torchfig.autograd_graph((x.exp() * x).sum(), names={"x": x}, values=True))

    first, second = draw(), draw()
    assert first == second
    assert "0x" not in first


def test_names_are_escaped():
    t = torch.ones(1, requires_grad=True)
    u = torch.ones(1, requires_grad=True)
    fig = torchfig.autograd_graph((t * u).sum(), names={"<script>alert(1)</script>": t, "back\\slash": u})
    svg = torchfig.to_svg(fig)
    assert "back\\slash" in svg
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_long_chains_collapse_and_depth_caps_are_announced():
    x = torch.ones(2, requires_grad=True)
    out = x
    for _ in range(30):
        out = out + 1
    collapsed = torchfig.autograd_graph(out)
    assert "AddBackward0 x30" in collapsed.source
    # the caption counts what the box holds
    assert "30 backward nodes drawn as 1 box (collapsed runs)" in collapsed.source
    folded_and_capped = torchfig.autograd_graph(out, max_depth=2)  # a collapsed run is one box deep
    assert "AddBackward0 x30" in folded_and_capped.source and "not drawn" not in folded_and_capped.source
    capped = torchfig.autograd_graph(out, collapse=None, max_depth=5)
    assert "deeper backward nodes not drawn" in capped.source
    assert capped.source.count("AddBackward0") == 6


def test_figure_builds_without_dot_and_rendering_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    x = torch.ones(2, requires_grad=True)
    fig = torchfig.autograd_graph((x * 2).sum())  # building needs no dot
    assert "MulBackward0" in fig.source
    with pytest.raises(GraphvizNotFound, match="install Graphviz.*apt-get install graphviz"):
        torchfig.to_svg(fig)
    with pytest.raises(GraphvizNotFound, match="install Graphviz"):
        fig._repr_mimebundle_()  # what a notebook calls to display the figure


def test_figures_are_transparent_and_titled():
    x = torch.ones(2, requires_grad=True)
    svg = torchfig.to_svg(torchfig.autograd_graph((x * 2).sum(), title="my title"))
    assert "<title>my title</title>" in svg
    assert 'fill="white"' not in svg  # Graphviz's default background, drawn unless bgcolor is transparent


def test_a_figure_reports_what_it_drew_and_keys_its_line_styles():
    """Sentences about a figure are checked against what was drawn: boxes, arrows, their styles and colours."""
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    with torchfig.record() as rec:
        a = t.detach().numpy()
    flow = torchfig.data_flow(rec, names={"t": t, "a": a}, shared=True)
    cut = [e for e in flow.drawn_edges() if e.style == "dashed"]
    assert [(e.tail, e.colour, e.label) for e in cut] == [("detach", "orange-red", "not recorded")]
    assert cut[0].head.endswith("no history")
    shared = [e for e in flow.drawn_edges() if e.style == "dotted"]
    assert {e.head.split(" / ")[0] for e in shared} == {"t", "tensor"} and all(
        e.tail.startswith("a / ") for e in shared
    )
    assert {n.kind for n in flow.drawn_nodes()} == {"tensor", "array", "op"}
    svg = torchfig.to_svg(flow)
    assert "dashed orange&#45;red arrow: autograd did not record this step" in svg
    assert "dotted line: the two use the same memory" in svg
    plain = torchfig.to_svg(torchfig.data_flow(rec, names={"t": t, "a": a}))  # no dotted line drawn, none keyed
    assert "dotted line" not in plain


def test_step_figures_report_the_outlined_node():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    z = (x * 3).sum()
    with torchfig.watch_backward(z) as trace:
        z.backward()
    first = torchfig.backward_steps(trace)[0]
    assert [n.label for n in first.drawn_nodes() if n.outlined] == ["1. SumBackward0"]
    assert all(n.dashed for n in first.drawn_nodes() if "runs later" in n.label)
    assert "thick outline: the node that just ran" in torchfig.to_svg(first)


def test_memory_figures_key_only_the_boxes_they_draw():
    t = torch.arange(3.0)
    svg = torchfig.to_svg(torchfig.memory_figure({"t": t, "a": t.numpy()}))
    assert "memory block" in svg and "Python value" not in svg


def test_models_outputs_in_tuples_lists_and_dicts_are_accepted():
    x = torch.ones(2, requires_grad=True)
    outputs = {"loss": (x * 2).sum(), "extra": [x.exp()]}
    fig = torchfig.autograd_graph(outputs)
    assert {"SumBackward0", "ExpBackward0"} <= {n.label.split(" / ")[0] for n in fig.drawn_nodes()}
    assert torchfig.graph_memory(outputs).nodes == torchfig.graph_memory(outputs["loss"], outputs["extra"][0]).nodes
    with torchfig.watch_backward((outputs["loss"],)) as trace:
        outputs["loss"].backward()
    assert len(trace.steps) == 3


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: torchfig.autograd_graph(None), TypeError, "takes tensors, or tuples, lists or dicts"),
        (lambda: torchfig.autograd_graph(3.0), TypeError, "got float"),
        (lambda: torchfig.autograd_graph([]), ValueError, "no tensor"),
        (lambda: torchfig.autograd_graph(torch.ones(1, requires_grad=True) * 2, max_depth=0), ValueError, "max_depth"),
        (lambda: torchfig.graph_memory("loss"), TypeError, "got str"),
        (lambda: torchfig.memory_figure([torch.ones(1)]), TypeError, "dict of names"),
        (lambda: torchfig.memory_figure({"t": [1.0]}), TypeError, "'t' is a list"),
        (lambda: torchfig.memory_figure({}), ValueError, "empty dict"),
        (lambda: torchfig.shares_memory(torch.ones(1), [1.0]), TypeError, "tensors and NumPy arrays"),
        (lambda: torchfig.data_flow(None), TypeError, "made by torchfig.record()"),
        (lambda: torchfig.backward_figure("trace"), TypeError, "made by watch_backward"),
        (lambda: torchfig.backward_steps(None), TypeError, "made by watch_backward"),
        (lambda: torchfig.to_svg("digraph {}"), TypeError, "takes a figure"),
    ],
)
def test_bad_inputs_get_a_clear_error(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_the_examples_in_the_library_docstrings_run():
    """The figure library's docstring examples are doctests: what they show is what the code does."""
    import doctest
    import importlib
    import pkgutil

    tried = 0
    for module in pkgutil.iter_modules(torchfig.__path__):
        result = doctest.testmod(importlib.import_module(f"torchfig.{module.name}"), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.name
        tried += result.attempted
    assert tried >= 2


def shared_layer_chain(times: int) -> torch.Tensor:
    """One layer run ``times`` times, as ALBERT runs its layer: its weight's edges cross every row."""
    torch.manual_seed(0)
    layer, h = torch.nn.Linear(4, 4), torch.randn(1, 4)
    for _ in range(times):
        h = torch.tanh(layer(h))
    return h.sum()


def test_a_layout_too_big_for_dot_is_refused_with_advice():
    out = shared_layer_chain(120)
    with pytest.raises(ValueError) as refused:
        torchfig.autograd_graph(out)
    message = str(refused.value)
    assert message.startswith("autograd_graph: 363 backward nodes make a layout of ")
    assert "over layout_limit=10,000" in message
    assert all(advice in message for advice in ("torchfig.module_graph", "module_tags", "max_depth=", "collapse="))
    assert len(torchfig.autograd_graph(out, layout_limit=None).drawn_nodes()) > 363  # the limit lifted: drawn
    assert torchfig.autograd_graph(shared_layer_chain(10)).drawn_nodes()  # a small one is under the limit


def test_a_dotted_line_means_shared_memory_in_every_kind_of_figure():
    """One line style per meaning: the graph and step figures join a node to its saved tensor with a plain
    line, keyed, so a dotted line anywhere is the data-flow figure's "same memory"."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    z = (x.exp() * 3).sum()
    graph = torchfig.autograd_graph(z, names={"x": x})
    with torchfig.watch_backward(z) as trace:
        z.backward()
    steps = torchfig.backward_steps(trace)
    for fig in (graph, *steps):
        assert [e for e in fig.drawn_edges() if e.style == "dotted"] == []
    to_notes = [e for e in graph.drawn_edges() if e.head.startswith("saved ")]
    assert to_notes and all(e.style == "solid" for e in to_notes)
    assert "line without an arrow: joins a backward node to what it saved" in torchfig.to_svg(graph)
