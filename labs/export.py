"""Run a lab headless and write it as one static, self-contained HTML page.

marimo's own ``export html`` embeds the figures but loads its front end from a
CDN, so offline it shows an empty page. Labs only output plain HTML (see
:mod:`labs.kit`), so the page is simply every cell's output, in notebook order,
inside a small template with inline CSS: no script, no network, and figures are
PNG data URLs. Interactive controls cannot work without marimo's front end; the
page shows a line in their place, and the cells below them used their default
values.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labs import kit

LABS_DIR = Path(__file__).resolve().parent
_CONTROL = re.compile(r"<marimo-ui-element\b.*?</marimo-ui-element>", re.DOTALL)
_MARIMO_TAG = re.compile(r"<marimo-[\w-]+")

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 62rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; background: #fff; }
header { border-bottom: 1px solid #ddd; margin-bottom: 1.5rem; }
.lab-meta { color: #666; font-size: 0.9rem; }
.lab-cell { margin: 1.25rem 0; }
.lab-figure { margin: 0; }
.lab-figure img { max-width: 100%; height: auto; }
.lab-figure figcaption { font-weight: 600; }
.lab-source { color: #8a5a00; font-size: 0.9rem; margin: 0.2rem 0 0; }
.lab-table { border-collapse: collapse; margin: 0.5rem 0; }
.lab-table caption { text-align: left; font-weight: 600; }
.lab-table th, .lab-table td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; }
.lab-table th { background: #f4f4f4; }
.lab-control { color: #666; font-style: italic; }
code, pre { background: #f6f6f6; }
"""


def lab_path(day: str) -> Path:
    return LABS_DIR / f"{day}.py"


def run_lab(day: str) -> list[Any]:
    """Every cell's output, in notebook order (the lab's own module, imported fresh)."""
    return run_notebook(lab_path(day), f"lab_notebook_{day}")


def run_notebook(path: Path, module_name: str) -> list[Any]:
    """Import the marimo notebook at ``path`` as ``module_name``, run it, return its outputs.

    The module sits in ``sys.modules`` while it is imported and run, and is taken out
    afterwards. marimo reads an ``@app.class_definition`` cell's source with
    ``inspect.getsource(cls)``, which finds a class's file only through
    ``sys.modules[cls.__module__]``; unregistered, the class cell is dropped and the
    cells using the class fail with a NameError.
    """
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
        outputs, _definitions = module.app.run()
    finally:
        if previous is None:
            sys.modules.pop(module_name, None)
        else:
            sys.modules[module_name] = previous
    return list(outputs)


def to_html(output: Any, day: str) -> str:
    """One cell's output as plain HTML (a stray matplotlib figure is embedded too)."""
    if output is None:
        return ""
    if hasattr(output, "savefig"):  # a Figure returned directly instead of kit.figure(...)
        output = kit.figure(output, "figure")
    markup = kit.mo.as_html(output).text
    control = (f'<p class="lab-control">(an interactive control: run nox -s lab -- {day} '
               "to change it; this page used its default)</p>")  # fmt: skip
    return _CONTROL.sub(control, markup)


def page(day: str, title: str, outputs: list[Any], source: str) -> str:
    cells = "\n".join(
        f'<section class="lab-cell">{body}</section>'
        for body in (to_html(o, day) for o in outputs)
        if body.strip()
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(day)} lab: {html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<header><h1>{html.escape(day)} lab: {html.escape(title)}</h1>"
        f'<p class="lab-meta">Code: {html.escape(source)} · exported {stamp}</p></header>'
        f"{cells}</body></html>\n"
    )


def leftover_marimo_tags(markup: str) -> list[str]:
    """marimo custom elements left in a page: each would show nothing offline."""
    return sorted(set(_MARIMO_TAG.findall(markup)))


def export(day: str, title: str, out: Path, source: str) -> Path:
    """Run ``labs/<day>.py`` and write its static page to ``out``."""
    markup = page(day, title, run_lab(day), source)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markup, encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover - use python -m labs
    sys.exit("use: python -m labs DAY --export")
