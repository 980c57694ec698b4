"""torchfig.detect_silent_writes: backward stops on a saved tensor changed behind autograd's back, and only then."""

from __future__ import annotations

import pytest
import torch

import torchfig
from tiny_models import gpt2


def squared(x):
    """y = x * 1 and a loss that saves y; the detector watches the forward."""
    y = x * 1
    with torchfig.detect_silent_writes(names={"y": y}):
        loss = (y**2).sum()
    return y, loss


@pytest.mark.parametrize("write", ["numpy", ".data"])
def test_a_write_autograd_cannot_see_stops_backward_naming_the_node_and_the_tensor(write):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, loss = squared(x)
    target = y.detach().numpy() if write == "numpy" else y.data
    target[0] = 10.0
    with pytest.raises(torchfig.SilentWriteError, match=r"PowBackward0 saved 'y'.*version counter stayed at 0"):
        loss.backward()
    assert x.grad is None  # stopped before the wrong gradient was written


def test_a_torch_write_is_left_to_backwards_own_check():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, loss = squared(x)
    y.detach()[0] = 10.0
    with pytest.raises(RuntimeError, match="inplace operation") as caught:
        loss.backward()
    assert not isinstance(caught.value, torchfig.SilentWriteError)


def test_increment_version_after_a_numpy_write_turns_it_into_backwards_error():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, loss = squared(x)
    y.detach().numpy()[0] = 10.0
    torch.autograd.graph.increment_version(y)
    with pytest.raises(RuntimeError, match="inplace operation") as caught:
        loss.backward()
    assert not isinstance(caught.value, torchfig.SilentWriteError)


def test_a_saved_output_is_watched_too():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with torchfig.detect_silent_writes():
        y = x.exp()  # exp saves its own output
        loss = y.sum()
    y.detach().numpy()[0] = 5.0
    with pytest.raises(torchfig.SilentWriteError, match="ExpBackward0 saved _saved_result"):
        loss.backward()


def conv_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 4 * 4, 10),
    )


@pytest.mark.parametrize(
    ("model", "inputs", "loss_of"),
    [
        (gpt2, lambda: torch.randint(0, 64, (2, 8)), lambda out: out.logits.logsumexp(-1).mean()),
        (conv_net, lambda: torch.randn(4, 3, 8, 8), lambda out: out.logsumexp(-1).mean()),
    ],
)
def test_clean_training_steps_pass_and_give_the_same_gradients(model, inputs, loss_of):
    """Two steps with an optimizer, watched and not: no error, and the same parameters after."""
    results, batch = [], inputs()
    for watched in (False, True):
        net = model()
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        torch.manual_seed(1)  # the same dropout in both runs
        for _ in range(2):
            optimizer.zero_grad()
            if watched:
                with torchfig.detect_silent_writes():
                    loss = loss_of(net(batch))
            else:
                loss = loss_of(net(batch))
            loss.backward()
            optimizer.step()
        results.append([p.detach().clone() for p in net.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*results))


def test_bad_names_are_refused_clearly():
    with pytest.raises(TypeError, match="dict of names to tensors"):
        torchfig.detect_silent_writes(names=[torch.ones(1)])
    with pytest.raises(TypeError, match="maps str to torch tensors"):
        torchfig.detect_silent_writes(names={"y": [1.0]})
    with pytest.raises(TypeError):
        torchfig.detect_silent_writes({"y": torch.ones(1)})  # names is keyword-only


def test_the_detector_counts_the_bytes_of_its_copies_once_per_node_that_saved_them():
    x = torch.ones(3, requires_grad=True)  # 12 bytes
    with torchfig.detect_silent_writes() as watch:
        assert watch.copied_bytes == 0
        product = x * x  # MulBackward0 saves x twice, as self and as other
        assert watch.copied_bytes == 24
        product.sum()  # a sum saves no tensor
    assert watch.copied_bytes == 24
