"""kit: the reference fallback and its label, and the label under a table or a figure."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from labs import kit

LABEL = "reference (your causal_mask is not implemented yet) <&>"
ESCAPED = "reference (your causal_mask is not implemented yet) &lt;&amp;&gt;"


def test_a_labelled_table_carries_the_source_line_right_under_it():
    markup = kit.table(["L", "ms"], [[8, 0.5]], "Timings", label=LABEL).text
    assert markup.endswith(f'</table><p class="lab-source">{ESCAPED}</p>')
    assert "<td>8</td><td>0.5</td>" in markup


def test_a_table_without_a_label_has_no_source_line():
    assert "lab-source" not in kit.table(["a"], [[1]], "Fixed data").text


def test_a_figure_and_a_table_show_the_same_source_line():
    fig, _ax = kit.plt.subplots(figsize=(1, 1))
    figure = kit.figure(fig, "A figure", LABEL).text
    line = kit.source_line(LABEL).text
    assert line == f'<p class="lab-source">{ESCAPED}</p>'
    assert line in figure and line in kit.table(["a"], [[1]], label=LABEL).text
    assert kit.source_line(None).text == ""


def _pair(learner_f=None, problem=None):
    """A Pair whose reference f returns "reference's"; the learner's f as given."""
    learner = None if problem else SimpleNamespace(**({"f": learner_f} if learner_f else {}))
    return kit.Pair("day34", "toy.py", learner, SimpleNamespace(f=lambda: "reference's"), problem)


def _stub():
    raise NotImplementedError


def _broken():
    raise ValueError("bad shape")


def _slow():
    time.sleep(5)
    return "too late"


@pytest.mark.parametrize(
    ("pair", "label"),
    [
        (lambda: _pair(_stub), "reference (your f is not implemented yet)"),
        (lambda: _pair(_broken), "reference (your f raised ValueError: bad shape)"),
        (lambda: _pair(_slow), "reference (your f ran longer than 0.2 s)"),
        (lambda: _pair(), "reference (your toy.py has no f)"),
        (lambda: _pair(problem="SyntaxError at line 3"),
         "reference (your toy.py does not import: SyntaxError at line 3)"),
    ],
    ids=["stub", "raises", "too slow", "missing", "does not import"],
)  # fmt: skip
def test_call_falls_back_to_the_reference_and_says_why(monkeypatch, pair, label):
    monkeypatch.setattr(kit, "CALL_LIMIT_S", 0.2)
    started = time.monotonic()
    outcome = kit.call(pair(), "f")
    assert (outcome.value, outcome.label, outcome.is_learner) == ("reference's", label, False)
    assert time.monotonic() - started < 2, "a slow learner's call is abandoned at the limit"


def test_call_and_both_run_the_learners_code_when_it_works():
    pair = _pair(lambda: "mine")
    assert kit.call(pair, "f") == kit.Outcome("mine", "yours", True)
    assert [(o.value, o.label) for o in kit.both(pair, "f")] == [
        ("mine", "yours"),
        ("reference's", "reference"),
    ]
    assert [o.label for o in kit.both(_pair(_stub), "f")] == [
        "reference (your f is not implemented yet)"
    ]
