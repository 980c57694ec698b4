"""``{api}`torch.Tensor.detach``` : an API name set as code and linked to its reference page.

The name is looked up in the torch or NumPy the site is built with, so a
misspelt name fails the build, naming it. The builds are offline, so links
follow each project's URL scheme instead of an intersphinx inventory; the few
names whose page sits elsewhere are listed.
"""

import importlib

from docutils import nodes

PATTERNS = {
    "torch": "https://docs.pytorch.org/docs/stable/generated/{}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{}.html",
}
PAGES = {
    "torch.autograd.Function": "https://docs.pytorch.org/docs/stable/autograd.html#function",
    "torch.autograd.graph.allow_mutation_on_saved_tensors":
        "https://docs.pytorch.org/docs/stable/autograd.html#torch.autograd.graph.allow_mutation_on_saved_tensors",
    "torch.autograd.graph.saved_tensors_hooks":
        "https://docs.pytorch.org/docs/stable/autograd.html#torch.autograd.graph.saved_tensors_hooks",
    "torch.inference_mode": "https://docs.pytorch.org/docs/stable/generated/torch.autograd.grad_mode.inference_mode.html",
    "torch.set_grad_enabled": "https://docs.pytorch.org/docs/stable/generated/torch.autograd.grad_mode.set_grad_enabled.html",
}


def api_url(text: str) -> str | None:
    """The reference page of a torch or NumPy name; None for a name of another package."""
    package = text.split(".")[0]
    if text not in PAGES and package not in PATTERNS:
        return None
    return PAGES.get(text) or PATTERNS[package].format(text)


def exists(dotted: str) -> bool:
    """Whether the installed package has this name: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def api_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    url = api_url(text)
    problem = (f"{{api}} knows torch and numpy names only, not {text!r}" if url is None
               else None if exists(text) else f"{{api}} names {text!r}, which the installed "
               f"{text.split('.')[0]} does not have")
    if problem:
        message = inliner.reporter.error(problem, line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.reference(rawtext, "", nodes.literal(text, text), refuri=url)], []


def setup(app):
    app.add_role("api", api_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
