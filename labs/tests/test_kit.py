"""kit's output helpers: a label under a table or a figure says whose code made it."""

from __future__ import annotations

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
