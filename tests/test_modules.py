"""The backward graph grouped by module: tags, clusters, folding, bytes, on small models and real ones by others."""

from __future__ import annotations

import pytest
import torch

import torchfig
from torchfig.modules import module_bytes, module_graph, module_tags


def encoder(layers: int = 3) -> torch.nn.Module:
    torch.manual_seed(0)
    block = torch.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    return torch.nn.Sequential(
        torch.nn.Linear(8, 16),
        torch.nn.TransformerEncoder(block, layers, enable_nested_tensor=False),
        torch.nn.Linear(16, 1),
    )


def tagged(model, *inputs):
    with module_tags(model) as tags:
        loss = model(*inputs).sum()
    return loss, tags


def test_every_parameters_accumulate_grad_sits_in_its_own_modules_cluster():
    model = encoder()
    loss, tags = tagged(model, torch.randn(2, 5, 8))
    fig = module_graph(loss, tags, depth=None, fold=False)
    owners = {name.rsplit(".", 1)[0] for name, _ in model.named_parameters()}
    for path in owners:
        _label, boxes = fig.clusters[path]
        assert any(box.startswith("AccumulateGrad") for box in boxes), f"{path}: its parameters' nodes are elsewhere"
    assert all(tags.module_of(n) in owners for n in tags.made_by if type(n).__name__ == "AccumulateGrad")


def test_module_bytes_add_up_to_what_the_graph_holds():
    loss, tags = tagged(encoder(), torch.randn(2, 5, 8))
    total = torchfig.graph_memory(loss).saved_bytes
    for depth in (1, 2, 3, None):
        found = module_bytes(loss, tags, depth=depth)
        assert sum(found.by_module.values()) == found.total == total


def test_identical_blocks_fold_into_one_cluster_with_their_count():
    loss, tags = tagged(encoder(4), torch.randn(2, 5, 8))
    folded, unfolded = module_graph(loss, tags, depth=None), module_graph(loss, tags, depth=None, fold=False)
    assert any(
        label.startswith("1.layers.0 to 1.layers.3 (TransformerEncoderLayer) x 4")
        for label, _ in folded.clusters.values()
    )
    assert len(folded.drawn_nodes()) < len(unfolded.drawn_nodes()) / 2
    assert "1.layers.3" in unfolded.clusters and "1.layers.3" not in folded.clusters


def test_nodes_made_before_the_model_ran_belong_to_no_module():
    model = torch.nn.Linear(3, 1)
    x = torch.ones(2, 3, requires_grad=True)
    scaled = x * 2  # made before the model
    loss, tags = tagged(model, scaled)
    assert tags.module_of(scaled.grad_fn) is None
    assert tags.module_of(loss.grad_fn.next_functions[0][0]) == ""  # made by the model's own forward


@pytest.mark.parametrize(
    "bad",
    [
        lambda t: module_graph(None, t),
        lambda t: module_graph(torch.ones(1), "tags"),
        lambda t: module_graph(torch.ones(1), t, depth=0),
    ],
)
def test_bad_inputs_get_a_clear_error(bad):
    _, tags = tagged(torch.nn.Linear(2, 1), torch.ones(1, 2))
    with pytest.raises((TypeError, ValueError)):
        bad(tags)
    with pytest.raises(TypeError, match="takes a Module"), module_tags("model"):
        pass


def stages(widths) -> torch.nn.Module:
    """A ResNet-like stack: numbered stages of the same kinds of layer, of the given widths."""
    torch.manual_seed(0)
    layers, before = [], widths[0]
    for width in widths:
        layers.append(
            torch.nn.Sequential(
                torch.nn.Conv2d(before, width, 3, padding=1), torch.nn.BatchNorm2d(width), torch.nn.ReLU()
            )
        )
        before = width
    return torch.nn.Sequential(*layers)


def test_blocks_of_the_same_kinds_but_other_shapes_are_not_folded():
    loss, tags = tagged(stages([8, 16, 32]), torch.randn(1, 8, 6, 6))
    assert not any(" x " in label for label, _ in module_graph(loss, tags, depth=None).clusters.values())
    loss, tags = tagged(stages([8, 8, 8]), torch.randn(1, 8, 6, 6))
    labels = [label for label, _ in module_graph(loss, tags, depth=None).clusters.values()]
    assert any(label.startswith("0 to 2 (Sequential) x 3\n") for label in labels), labels


class Shared(torch.nn.Module):
    """One layer run ``times`` times, as ALBERT runs its one layer twelve times."""

    def __init__(self, times: int):
        super().__init__()
        self.layer, self.times = torch.nn.Linear(4, 4), times

    def forward(self, x):
        for _ in range(self.times):
            x = torch.tanh(self.layer(x))
        return x


def test_a_module_run_several_times_says_so_in_its_frame_and_box():
    loss, tags = tagged(Shared(12), torch.randn(2, 4))
    label, _ = module_graph(loss, tags).clusters["layer"]
    assert label.startswith("layer (Linear), ran 12 times\n"), label
    outer = torch.nn.Sequential(Shared(3))
    loss, tags = tagged(outer, torch.randn(2, 4))
    boxes = [box.label for box in module_graph(loss, tags, depth=1).drawn_nodes()]
    assert any(box.startswith("layer (Linear), ran 3 times") for box in boxes), boxes


def test_a_model_run_twice_counts_its_runs_in_the_caption_and_the_folded_count():
    model = encoder(4)
    with module_tags(model) as tags:
        loss = model(torch.randn(2, 5, 8)).sum() + model(torch.randn(2, 5, 8)).sum()
    fig = module_graph(loss, tags, depth=None)
    assert any(
        label.startswith("1.layers.0 to 1.layers.3 (TransformerEncoderLayer) x 8, 4 blocks run 8 times")
        for label, _ in fig.clusters.values()
    )
    assert any("The model ran 2 times" in caption for caption in fig.captions), fig.captions
    single = module_graph(model(torch.randn(2, 5, 8)).sum(), tags, depth=None)  # made outside the block: no runs
    assert not any("The model ran" in caption for caption in single.captions)


# -- Saved bytes against what a pack hook sees ------------------------------------------


def pack_hook_bytes(forward):
    """Run ``forward`` under a pack hook; the bytes of the distinct storages it was handed (the truth)."""
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.nbytes():
            storages[(tensor.device, storage.data_ptr())] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        forward()
    return sum(storages.values())


def assert_bytes_match_a_pack_hook(model, *inputs, result=lambda out: out):
    """module_bytes of a tagged run equals the pack hook's bytes of an identical run, part by part."""
    truth = pack_hook_bytes(lambda: result(model(*inputs)).sum())
    loss, tags = tagged_by(model, inputs, result)
    for depth in (1, None):
        found = module_bytes(loss, tags, depth=depth)
        assert found.total == truth, f"module_bytes counts {found.total} bytes, a pack hook sees {truth}"
        assert sum(found.by_module.values()) == found.total
    assert torchfig.graph_memory(loss).saved_bytes == truth


def tagged_by(model, inputs, result):
    with module_tags(model) as tags:
        loss = result(model(*inputs)).sum()
    return loss, tags


class TwoViews(torch.nn.Module):
    """Saves one storage through several views: rows, halves, a transpose and the whole."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 4)

    def forward(self, x):
        e = self.layer(x).exp()  # saves e itself
        return e[0].sin() * e[1].sin() + (e[:2] * e[2:]).sum(0) + e.t().cos().sum(0) + x * 2.0


class Picks(torch.nn.Module):
    """Indexing with two index tensors: its node saves them as a tuple."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 4)

    def forward(self, x):
        rows, cols = torch.arange(4).flip(0), torch.tensor([0, 2, 1, 3])
        return self.layer(x)[rows, cols].tanh()


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        twice = x * 2
        ctx.save_for_backward(x, twice)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        x, twice = ctx.saved_tensors
        return grad * 1.5 * x * twice


class Cubed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 4)

    def forward(self, x):
        return Cube.apply(self.layer(x)).sin()


class Checkpointed(torch.nn.Module):
    """Two blocks, the second checkpointed: its saved tensors are recomputed in backward, not held."""

    def __init__(self, reentrant: bool):
        super().__init__()
        self.first = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh())
        self.second = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4))
        self.reentrant, self.runs = reentrant, 0

    def forward(self, x):
        h = self.first(x) * 2  # only the checkpoint saves h * 2, to run the second block again
        return torch.utils.checkpoint.checkpoint(self.run_second, h, use_reentrant=self.reentrant).sigmoid()

    def run_second(self, h):
        self.runs += 1  # counted here: checkpoint's rerun skips the block's forward hooks
        return self.second(h)


@pytest.mark.parametrize(
    "model",
    [TwoViews(), Picks(), Cubed(), Checkpointed(reentrant=False), Checkpointed(reentrant=True)],
    ids=["views of one storage", "tuple of index tensors", "custom Function", "checkpoint", "reentrant checkpoint"],
)
def test_module_bytes_are_the_bytes_a_pack_hook_sees(model):
    assert_bytes_match_a_pack_hook(model, torch.randn(4, 4, requires_grad=isinstance(model, Checkpointed)))


def test_counting_a_checkpointed_model_does_not_recompute_it():
    model = Checkpointed(reentrant=False)
    loss, tags = tagged_by(model, (torch.randn(4, 4),), lambda out: out)
    module_bytes(loss, tags)
    module_graph(loss, tags)
    torchfig.graph_memory(loss)
    assert model.runs == 1, f"the checkpointed block ran {model.runs} times: reading its saved tensors reran it"


transformers = pytest.importorskip("transformers")


from tiny_models import bert, gpt2

REAL_MODELS = {
    "GPT-2 (transformers)": lambda: (gpt2(), (torch.randint(0, 64, (1, 8)),), lambda out: out.logits),
    "BERT (transformers)": lambda: (bert(), (torch.randint(0, 64, (1, 8)),), lambda out: out.last_hidden_state),
    "nn.Transformer": lambda: (
        torch.nn.Transformer(16, 2, 2, 2, 32, dropout=0.0, batch_first=True),
        (torch.randn(1, 5, 16), torch.randn(1, 4, 16)),
        lambda out: out,
    ),
    "nn.LSTM": lambda: (
        torch.nn.LSTM(8, 16, num_layers=2, batch_first=True),
        (torch.randn(1, 5, 8),),
        lambda out: out[0],
    ),
    "a small convolutional net": lambda: (
        torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3),
            torch.nn.ReLU(),
            torch.nn.Conv2d(4, 4, 3),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(4 * 4 * 4, 2),
        ),
        (torch.randn(1, 1, 8, 8),),
        lambda out: out,
    ),
}


@pytest.mark.parametrize("name", list(REAL_MODELS))
def test_real_models_by_others_draw_grouped_and_small(name):
    model, inputs, result = REAL_MODELS[name]()
    with module_tags(model) as tags:
        loss = result(model(*inputs)).sum()
    svg = torchfig.to_svg(module_graph(loss, tags, depth=3))
    assert len(svg.encode()) < 150_000, f"{name}: {len(svg) // 1000} kB of SVG"
    if name.startswith("GPT-2"):
        with pytest.warns(UserWarning, match="depth=None draws .* too many to read"):
            module_graph(loss, tags, depth=None, fold=False)
    assert module_bytes(loss, tags).total == torchfig.graph_memory(loss).saved_bytes


def test_gpt2s_saved_bytes_are_the_bytes_a_pack_hook_sees():
    assert_bytes_match_a_pack_hook(gpt2(2), torch.randint(0, 64, (1, 8)), result=lambda out: out.logits)
