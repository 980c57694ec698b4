"""
Logging and plotting in a training loop
=======================================

A loss curve is the most common reason to turn tensors into numbers. Log
``loss.item()``, not the loss tensor, and plot detached values. The script
measures what a logged loss tensor keeps alive, and checks that matplotlib
refuses a tensor that requires grad.

Needs ``torch``, ``numpy``, ``matplotlib`` and ``torchfig``, the figure
library published by this site (see the gallery's front page for the wheel).
"""

# %%
# A small regression
# ------------------
import matplotlib.pyplot as plt
import torch
import torchfig
from torchfig import claim, claim_raises

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
claim("the logged values are plain floats", all(type(v) is float for v in losses))
claim("the loss went down", losses[-1] < losses[0])

# %%
# What a logged loss tensor would keep
# ------------------------------------
# Each tensor keeps its step's backward nodes. Backward already freed the
# tensors those nodes saved, so here the nodes are what stays.
kept = torchfig.graph_memory(*loss_tensors)
print(
    f"40 logged loss tensors keep {kept.nodes} backward nodes and {kept.saved_bytes}"
    " bytes of saved tensors"
)
claim("logged loss tensors keep their backward nodes after backward", kept.nodes >= 40)
claim(
    "and those nodes hold no saved tensor: backward freed them",
    kept.saved_tensors == 0,
)
with torch.enable_grad():  # an evaluation step with recording on and no backward
    unused = torch.nn.functional.mse_loss(model(inputs), targets)
claim(
    "a loss tensor that did not go through backward keeps its saved tensors too",
    torchfig.graph_memory(unused).saved_bytes > 0,
)
del loss_tensors, unused

# %%
# Plotting predictions needs detach
# ---------------------------------
predictions = model(inputs)
with claim_raises(
    "matplotlib refuses a tensor that requires grad", RuntimeError, "requires grad"
):
    plt.plot(inputs, predictions)
plt.close("all")

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
