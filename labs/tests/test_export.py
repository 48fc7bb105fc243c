"""How a lab is run for the static export: labs.export.run_notebook on a tiny notebook."""

from __future__ import annotations

import sys
import textwrap

from labs.export import run_notebook

# A class defined in its own cell (``@app.class_definition``) and used by the next cell.
NOTEBOOK_WITH_A_CLASS = textwrap.dedent(
    """
    import marimo

    app = marimo.App()


    @app.class_definition
    class Counter:
        def __init__(self):
            self.n = 6


    @app.cell
    def _():
        Counter().n * 7
        return
    """
)


def test_a_class_definition_cell_runs_and_the_notebook_module_is_taken_out_after(tmp_path):
    notebook = tmp_path / "tiny_lab.py"
    notebook.write_text(NOTEBOOK_WITH_A_CLASS, encoding="utf-8")
    outputs = run_notebook(notebook, "lab_notebook_tiny")
    assert 42 in outputs, f"the cell using the class did not run: {outputs}"
    assert "lab_notebook_tiny" not in sys.modules, "the notebook's module stayed registered"
