"""Every argument of every public function of torchfig is checked at the door: a clear TypeError or ValueError."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchfig


def made():
    """What the calls below need: a graph, its tags, a recording, a trace of a backward that ran."""
    model = torch.nn.Linear(2, 1)
    with torchfig.module_tags(model) as tags:
        loss = model(torch.ones(1, 2)).sum()
    with torchfig.record() as recording:
        torch.ones(2) * 2
    x = torch.ones(2, requires_grad=True)
    traced = (x * x).sum()
    with torchfig.watch_backward(traced) as trace:
        traced.backward()
    with torchfig.caught() as result:
        raise RuntimeError("boom")
    return {"loss": loss, "tags": tags, "recording": recording, "trace": trace, "caught": result}


T = torch.ones(1)
BAD = {  # (function, arguments, keyword arguments) -> the error and words it must give
    "autograd_graph names": (lambda m: torchfig.autograd_graph(m["loss"], names=["x"]), TypeError, "names is a dict"),
    "autograd_graph names key": (lambda m: torchfig.autograd_graph(m["loss"], names={1: T}), TypeError, "key 1"),
    "autograd_graph names value": (lambda m: torchfig.autograd_graph(m["loss"], names={"x": 1}), TypeError, "int"),
    "autograd_graph values": (lambda m: torchfig.autograd_graph(m["loss"], values="yes"), TypeError, "True or False"),
    "autograd_graph saved": (lambda m: torchfig.autograd_graph(m["loss"], saved=1), TypeError, "True or False"),
    "autograd_graph layout_limit": (
        lambda m: torchfig.autograd_graph(m["loss"], layout_limit=0),
        ValueError,
        "layout_limit counts boxes to lay out and must be at least 1",
    ),
    "autograd_graph max_depth str": (
        lambda m: torchfig.autograd_graph(m["loss"], max_depth="2"),
        TypeError,
        "whole number",
    ),
    "autograd_graph max_depth float": (
        lambda m: torchfig.autograd_graph(m["loss"], max_depth=2.5),
        TypeError,
        "got float",
    ),
    "autograd_graph collapse": (lambda m: torchfig.autograd_graph(m["loss"], collapse=1), ValueError, "at least 2"),
    "autograd_graph collapse bool": (lambda m: torchfig.autograd_graph(m["loss"], collapse=True), TypeError, "bool"),
    "autograd_graph title": (lambda m: torchfig.autograd_graph(m["loss"], title=3), TypeError, "title is a str"),
    "graph_memory": (lambda m: torchfig.graph_memory(m["loss"], None), TypeError, "got NoneType"),
    "module_tags": (lambda m: torchfig.module_tags(None).__enter__(), TypeError, "takes a Module"),
    "module_graph outputs": (lambda m: torchfig.module_graph(None, m["tags"]), TypeError, "got NoneType"),
    "module_graph tags": (lambda m: torchfig.module_graph(m["loss"], None), TypeError, "made by module_tags"),
    "module_graph depth 0": (lambda m: torchfig.module_graph(m["loss"], m["tags"], depth=0), ValueError, "at least 1"),
    "module_graph depth str": (
        lambda m: torchfig.module_graph(m["loss"], m["tags"], depth="2"),
        TypeError,
        "whole number",
    ),
    "module_graph depth float": (lambda m: torchfig.module_graph(m["loss"], m["tags"], depth=2.5), TypeError, "float"),
    "module_graph depth bool": (lambda m: torchfig.module_graph(m["loss"], m["tags"], depth=True), TypeError, "bool"),
    "module_graph fold": (lambda m: torchfig.module_graph(m["loss"], m["tags"], fold="no"), TypeError, "True or False"),
    "module_graph title": (lambda m: torchfig.module_graph(m["loss"], m["tags"], title=b"t"), TypeError, "title"),
    "module_bytes outputs": (lambda m: torchfig.module_bytes(3, m["tags"]), TypeError, "got int"),
    "module_bytes tags": (lambda m: torchfig.module_bytes(m["loss"], None), TypeError, "made by module_tags"),
    "module_bytes depth 0": (lambda m: torchfig.module_bytes(m["loss"], m["tags"], depth=0), ValueError, "at least 1"),
    "module_bytes depth str": (lambda m: torchfig.module_bytes(m["loss"], m["tags"], depth="1"), TypeError, "str"),
    "memory_figure values": (lambda m: torchfig.memory_figure({"t": T}, values="no"), TypeError, "True or False"),
    "memory_figure title": (lambda m: torchfig.memory_figure({"t": T}, title=1), TypeError, "title"),
    "shares_memory first": (lambda m: torchfig.shares_memory(None, T), TypeError, "NoneType"),
    "data_flow names": (lambda m: torchfig.data_flow(m["recording"], names="t"), TypeError, "names is a dict"),
    "data_flow title": (lambda m: torchfig.data_flow(m["recording"], title=1), TypeError, "title"),
    "data_flow shared": (lambda m: torchfig.data_flow(m["recording"], shared=None), TypeError, "True or False"),
    "watch_backward": (lambda m: torchfig.watch_backward("loss").__enter__(), TypeError, "got str"),
    "backward_figure names": (lambda m: torchfig.backward_figure(m["trace"], [T]), TypeError, "names is a dict"),
    "backward_figure upto 0": (lambda m: torchfig.backward_figure(m["trace"], upto=0), ValueError, "step number"),
    "backward_figure upto big": (lambda m: torchfig.backward_figure(m["trace"], upto=99), ValueError, "step number"),
    "backward_figure upto str": (lambda m: torchfig.backward_figure(m["trace"], upto="1"), TypeError, "whole"),
    "backward_figure title": (lambda m: torchfig.backward_figure(m["trace"], title=1), TypeError, "title"),
    "backward_steps names": (lambda m: torchfig.backward_steps(m["trace"], names=1), TypeError, "names is a dict"),
    "BackwardStepper trace": (lambda m: torchfig.BackwardStepper(None), TypeError, "made by watch_backward"),
    "BackwardStepper names": (lambda m: torchfig.BackwardStepper(m["trace"], names=1), TypeError, "names is a dict"),
    "detect_silent_writes": (lambda m: torchfig.detect_silent_writes(names=[T]), TypeError, "dict"),
    "decision_chart title": (lambda m: torchfig.decision_chart(None, {}, {}, []), TypeError, "title is a str"),
    "decision_chart questions": (lambda m: torchfig.decision_chart("t", ["q"], {}, []), TypeError, "questions"),
    "decision_chart answers": (lambda m: torchfig.decision_chart("t", {}, {"a": 1}, []), TypeError, "answers"),
    "decision_chart edges": (
        lambda m: torchfig.decision_chart("t", {"q": "Q"}, {"a": "A"}, [("q", "a")]),
        TypeError,
        "triples",
    ),
    "decision_chart edge key": (
        lambda m: torchfig.decision_chart("t", {"q": "Q"}, {}, [("q", "z", "yes")]),
        ValueError,
        "'z'",
    ),
    "decision_chart edge label": (
        lambda m: torchfig.decision_chart("t", {"q": "Q"}, {"a": "A"}, [("q", "a", 1)]),
        TypeError,
        "label",
    ),
    "to_svg": (lambda m: torchfig.to_svg(None), TypeError, "takes a figure"),
    "check id": (lambda m: torchfig.check("Not An Id", True), ValueError, "lower-case words"),
    "check holds": (lambda m: torchfig.check("some-id", 1), TypeError, "needs a bool"),
    "check sentence": (lambda m: torchfig.check("some-id", True, sentence=1), TypeError, "sentence"),
    "check_cases cases": (lambda m: torchfig.check_cases("some-id", [True, True]), TypeError, "dict of labels"),
    "check_cases one": (lambda m: torchfig.check_cases("some-id", {"a": True}), ValueError, "two cases"),
    "check_cases id": (lambda m: torchfig.check_cases(None, {"a": True, "b": True}), ValueError, "id"),
    "check_equal id": (lambda m: torchfig.check_equal(3, 1, 1), ValueError, "id"),
    "check_equal sentence": (lambda m: torchfig.check_equal("some-id", 1, 1, sentence=[]), TypeError, "sentence"),
    "check_close actual": (lambda m: torchfig.check_close("some-id", 1.0, T), TypeError, "actual is a float"),
    "check_close expected": (lambda m: torchfig.check_close("some-id", T, np.ones(1)), TypeError, "expected"),
    "check_raises result": (
        lambda m: torchfig.check_raises("some-id", None, RuntimeError, "boom"),
        TypeError,
        "caught",
    ),
    "check_raises error": (
        lambda m: torchfig.check_raises("some-id", m["caught"], "RuntimeError", "boom"),
        TypeError,
        "subclass of BaseException",
    ),
    "check_raises match": (
        lambda m: torchfig.check_raises("some-id", m["caught"], RuntimeError, None),
        TypeError,
        "match",
    ),
    "check_raises pattern": (
        lambda m: torchfig.check_raises("some-id", m["caught"], RuntimeError, "("),
        ValueError,
        "regular expression",
    ),
    "check_warns category": (
        lambda m: torchfig.check_warns("some-id", m["caught"], RuntimeError, "x"),
        TypeError,
        "subclass of Warning",
    ),
    "check_warns match": (lambda m: torchfig.check_warns("some-id", m["caught"], UserWarning, 3), TypeError, "match"),
}


@pytest.fixture(scope="module")
def things():
    return made()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_get_a_clear_error(case, things):
    call, error, words = BAD[case]
    with pytest.raises(error, match=words.replace("(", r"\(")):
        call(things)


@pytest.mark.parametrize("who", ["module_graph", "module_bytes"])
def test_a_loss_made_without_grad_says_why_there_is_no_graph(who):
    model = torch.nn.Linear(2, 1)
    with torchfig.module_tags(model) as tags, torch.no_grad():
        loss = model(torch.ones(1, 2)).sum()
    with pytest.raises(ValueError, match=r"no backward graph .* \(torch.no_grad"):
        getattr(torchfig, who)(loss, tags)


def test_module_tags_on_a_compiled_model_warns_that_it_records_the_eager_graph():
    compiled = torch.compile(torch.nn.Linear(2, 1), backend="eager")
    with pytest.warns(UserWarning, match="runs eagerly"), torchfig.module_tags(compiled):
        pass
