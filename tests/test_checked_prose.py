"""Checked prose in a small site: paragraphs, the ✔ that opens its check in place, and no overreach.

Each test builds a copy of the site reduced to one planted page (about
twenty seconds), so the renderer is tested as a reader meets it.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from sitebuild import build
from test_failures import GOOD_EXAMPLE, small_site
from torchfig.claims import CHECK_MARK

pytestmark = pytest.mark.build

PARAGRAPH_PAGE = """\
    # Planted

    ```{code-cell} python
    import torch

    t = torch.tensor([1.0, 2.0])
    print(f"{t.numpy()=}")
    ```

    ```{code-cell} python
    :tags: [prose]
    from torchfig import claim, claim_cases, say

    say("Read back:")
    claim("{api}`torch.Tensor.numpy` gives an array of the same values", t.numpy().tolist() == [1.0, 2.0])
    say(", and")
    claim_cases("every one of them is a float", {str(v): isinstance(v, float) for v in t.tolist()})
    say("as [the page](planted.md) shows.")
    ```

    ```{code-cell} python
    claim("{api}`torch.Tensor.tolist` gives a list", isinstance(t.tolist(), list))
    ```
"""


def test_a_prose_cell_is_one_paragraph_whose_marks_open_the_check_under_it(tmp_path):
    site = small_site(tmp_path, {"planted": PARAGRAPH_PAGE}, {"plot_1_fine": GOOD_EXAMPLE})
    result = build(site)
    assert result.returncode == 0, result.stderr
    html = BeautifulSoup((site / "_build" / "html" / "planted.html").read_text(encoding="utf-8"), "html.parser")
    [paragraph] = html.select("p.checked-prose")
    text = " ".join(paragraph.get_text().split())
    assert text.startswith("Read back: torch.Tensor.numpy gives an array of the same values")
    assert "values\u00a0" in paragraph.get_text() and ", and every one of them is a float" in text
    assert text.endswith("as the page shows.")
    marks = paragraph.select("a.claim-mark")
    assert len(marks) == 2
    details = paragraph.find_next_sibling()
    assert details.name == "details" and "evidence" in details["class"]
    assert "say(" in details.select_one(".cell_input pre").get_text()  # the code of the check
    for number, mark in enumerate(marks, start=1):
        line = html.find(id=mark["href"].removeprefix("#"))
        assert line.find_parent("details") is details
        assert line.select_one(f'a[href="#check-1-{number}"]') is not None  # back to the sentence
    printed = [pre.get_text() for pre in details.select(".evidence-claim pre")]
    assert printed[0] == f"{CHECK_MARK} torch.Tensor.numpy gives an array of the same values"  # rendered, no role
    assert printed[1].splitlines()[1].strip() == "checked on 2 cases: 1.0, 2.0"
    outputs = [pre.get_text() for pre in html.select(".cell_output pre")]
    assert f"{CHECK_MARK} torch.Tensor.tolist gives a list" in "".join(outputs)
    assert not any("{api}" in o for o in outputs)


@pytest.mark.parametrize(
    ("check", "fails"),
    [
        ('claim("`t.numpy()` works because no grad is required", not t.requires_grad)', True),
        ('claim_cases("`t.numpy()` works because no grad is required", '
         '{"plain": not t.requires_grad, "grad": torch.ones(1, requires_grad=True).requires_grad})', False),
        ('say("Because no grad is required,")\nclaim("`t.numpy()` works", not t.requires_grad)', False),
    ],
)
def test_a_sentence_saying_because_needs_a_check_of_several_cases(tmp_path, check, fails):
    page = PARAGRAPH_PAGE.split("```{code-cell} python\n    :tags: [prose]")[0] + (
        "```{code-cell} python\n:tags: [prose]\nfrom torchfig import claim, claim_cases, say\n\n"
        f"{check}\n```\n").replace("\n", "\n    ")
    site = small_site(tmp_path, {"planted": page}, {"plot_1_fine": GOOD_EXAMPLE})
    result = build(site)
    if fails:
        assert result.returncode != 0
        assert ("planted.md" in result.stderr and "says 'because' but its check covers one case" in result.stderr
                and "works because no grad is required" in result.stderr), result.stderr
    else:
        assert result.returncode == 0, result.stderr
