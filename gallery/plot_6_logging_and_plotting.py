"""
Logging and plotting in a training loop
=======================================

A loss curve is the most common reason to turn tensors into numbers. Log
``loss.item()``, not the loss tensor, and plot detached values. The script
measures what a logged loss tensor keeps alive, and checks that plotting a
tensor that requires grad meets PyTorch's refusal.

Needs ``torch``, ``numpy``, ``matplotlib`` and ``torchfig``, the figure
library published by this site (see the gallery's front page for the wheel).
"""

# %%
# A small regression
# ------------------
import matplotlib.pyplot as plt
import torch
import torchfig
from torchfig import caught, check, check_cases, check_raises

torch.manual_seed(0)
inputs = torch.linspace(-1, 1, 32).unsqueeze(1)
targets = 3 * inputs + 0.5 + 0.1 * torch.randn_like(inputs)
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)

# %%
# The loop logs plain numbers
# ---------------------------
losses, loss_tensors = [], []
for step in range(40):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(inputs), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    loss_tensors.append(loss)  # kept only to measure what it holds

print(f"{losses[0]=:.4f} {losses[-1]=:.4f}")
check(
    "logged-losses-are-floats",
    all(type(v) is float for v in losses),
    sentence="each of the 40 logged values is a Python float",
)
check(
    "logged-loss-went-down",
    losses[-1] < losses[0],
    sentence="the loss went down over the 40 steps",
)

# %%
# What a logged loss tensor would keep
# ------------------------------------
# The 40 loss tensors went through backward; ``unused`` is computed the
# same way and does not.
kept = torchfig.graph_memory(*loss_tensors)
with torch.enable_grad():  # an evaluation step with recording on and no backward
    unused = torch.nn.functional.mse_loss(model(inputs), targets)
unused_kept = torchfig.graph_memory(unused)
print(
    f"40 logged loss tensors keep {kept.nodes} backward nodes and {kept.saved_bytes}"
    " bytes of saved tensors"
)
print(f"unused keeps {unused_kept.saved_bytes} bytes of saved tensors")
check(
    "logged-losses-keep-backward-nodes",
    all(t.grad_fn is not None for t in loss_tensors) and kept.nodes >= 40,
    sentence="after backward, each of the 40 logged loss tensors still holds its "
    "backward nodes",
)
check(
    "logged-losses-hold-no-saved-tensor",
    kept.saved_tensors == 0,
    sentence="and those nodes hold no saved tensor",
)
check(
    "loss-without-backward-keeps-saved",
    unused_kept.saved_bytes > 0,
    sentence="a loss tensor that did not go through backward keeps its saved tensors",
)
del loss_tensors, unused

# %%
# Plotting predictions needs detach
# ---------------------------------
predictions = model(inputs)
print(f"{inputs.requires_grad=} {predictions.requires_grad=}")
with caught() as refused:
    plt.plot(inputs, predictions)
plt.close("all")
check_raises(
    "matplotlib-refuses-tracked-tensor",
    refused,
    RuntimeError,
    r"numpy\(\) on Tensor that requires grad",
    sentence="plt.plot(inputs, predictions) raised PyTorch's refusal of numpy()",
)
check_cases(
    "only-the-predictions-require-grad",
    {
        "the predictions require grad": predictions.requires_grad,
        "the inputs do not": not inputs.requires_grad,
    },
    sentence="of the two tensors given to plt.plot, only the predictions require grad",
)

# %%
# The loss curve and the fit
# --------------------------
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(losses)
left.set(xlabel="step", ylabel="loss", title="Training loss")
right.scatter(inputs, targets, s=8, label="data")
right.plot(inputs, predictions.detach(), color="C1", label="model")
right.set(xlabel="input", title="Fit")
right.legend()
fig.tight_layout()
