"""Backward traces: drawn from a real run, and the run they watch is unchanged."""

from __future__ import annotations

import pytest
import torch

import torchfig
from torchfig import to_svg


def squared_dot():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0, 0.0], requires_grad=True)
    y = x @ w
    return x, w, y, y**2


def test_traced_and_untraced_backward_give_equal_gradients():
    x1, w1, _, z1 = squared_dot()
    z1.backward()
    x2, w2, _, z2 = squared_dot()
    with torchfig.watch_backward(z2):
        z2.backward()
    assert torch.equal(x1.grad, x2.grad) and torch.equal(w1.grad, w2.grad)


def test_the_hooks_are_gone_after_the_block():
    *_, z = squared_dot()
    with torchfig.watch_backward(z) as trace:
        z.backward(retain_graph=True)
    watched = len(trace.steps)
    z.backward()
    assert watched == 4 and len(trace.steps) == watched


def test_the_trace_of_the_squared_dot_product():
    x, w, y, z = squared_dot()
    with torchfig.watch_backward(z) as trace:
        z.backward()
    assert [type(s.node).__name__ for s in trace.steps] == [
        "PowBackward0",
        "DotBackward0",
        "AccumulateGrad",
        "AccumulateGrad",
    ]
    assert torch.equal(trace.gradient_along(z.grad_fn, 0), 2 * y.detach())  # dz/dy on the edge into the dot
    assert torch.equal(trace.gradient_along(y.grad_fn, 0), x.grad)
    assert torch.equal(trace.gradient_along(y.grad_fn, 1), w.grad)
    source = torchfig.backward_figure(trace, {"x": x, "w": w, "y": y, "z": z}).source
    assert 'label="[9]"' in source  # 2 * y, y = 4.5
    assert ".grad += [4.5, -9, 18,\\n0]" in source or ".grad += [4.5, -9, 18, 0]" in source
    assert "1. PowBackward0" in source and "2. DotBackward0" in source


def test_the_svg_is_the_same_in_every_run():
    svgs = []
    for _ in range(2):
        x, _w, _y, z = squared_dot()
        with torchfig.watch_backward(z) as trace:
            z.backward()
        svgs.append(
            [
                to_svg(f)
                for f in [
                    torchfig.backward_figure(trace, {"x": x, "z": z}),
                    *torchfig.backward_steps(trace, {"x": x, "z": z}),
                ]
            ]
        )
    assert svgs[0] == svgs[1]


def test_no_gradient_flows_past_a_detached_branch():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    product = (a * b.detach()).sum()
    with torchfig.watch_backward(product) as trace:
        product.backward()
    mul = product.grad_fn.next_functions[0][0]
    assert trace.gradient_along(mul, 1) is None and b.grad is None
    source = torchfig.backward_figure(trace, {"a": a, "b": b}).source
    assert "2nd input: requires_grad=False,\\nno gradient sent" in source
    assert "no grad_fn" not in source  # a leaf has no grad_fn too, yet gets an edge: not the reason
    assert "\nb\n" not in source.replace("\\n", "\n")  # b itself is never reached


def test_the_step_figures_follow_the_order():
    *_, z = squared_dot()
    with torchfig.watch_backward(z) as trace:
        z.backward()
    steps = torchfig.backward_steps(trace)
    assert len(steps) == 4
    assert "step 2 of 4: DotBackward0 ran" in steps[1].source
    assert "AccumulateGrad (runs later)" in steps[1].source and "3. AccumulateGrad" not in steps[1].source


def test_the_stepper_holds_one_figure_and_caption_per_step_in_order():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([0.5, 1.0], requires_grad=True)
    z = (x @ w) ** 2
    with torchfig.watch_backward(z) as trace:
        z.backward()
    stepper = torchfig.BackwardStepper(trace, {"x": x, "w": w})
    html = stepper._repr_html_()
    assert html.count("<li>") == len(trace.steps) == 4
    assert [c.split(":")[1].split()[0] for c in stepper.captions] == [
        "PowBackward0",
        "DotBackward0",
        "AccumulateGrad",
        "AccumulateGrad",
    ]
    assert html.index(stepper.captions[0]) < html.index(stepper.captions[1])
    assert "http" not in html.replace("http://www.w3.org", "")  # nothing fetched from elsewhere
    with pytest.raises(TypeError, match="made by watch_backward"):
        torchfig.BackwardStepper(z)
