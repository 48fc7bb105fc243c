"""What every lab uses: the learner's code with a labelled fallback, and output helpers.

Loading. :func:`modules` imports one exercise file twice, the learner's copy
(from ``$KATAS_LAB_TARGET``, default ``exercises/``) and the reference (from
``solutions/``). :func:`call` runs the learner's function and, when it is still a
stub (``NotImplementedError``), raises, or the file does not import, runs the
reference instead and says so in the returned label:
``"reference (your causal_mask is not implemented yet)"``. A lab therefore never
crashes on a half-finished day, and every figure and table says whose code drew
it: pass the label to :func:`figure` or :func:`table` (``label=``), or put
:func:`source_line` under an output made of several parts.

Output. Labs show figures, tables and text only through :func:`figure`,
:func:`table`, :func:`note` and :func:`html`: each returns a ``marimo.Html``
holding plain HTML (a PNG figure is embedded as a data URL), so the same object
displays in ``marimo edit`` and goes unchanged into the static export, which
needs no network and no JavaScript.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # marimo runs a notebook with its own folder on the path
    sys.path.insert(0, str(REPO_ROOT))

import marimo as mo  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")  # figures are rendered to PNG, never to a window
import matplotlib.pyplot as plt  # noqa: E402

from grader.catalog import EXERCISES_ROOT, SOLUTIONS_ROOT  # noqa: E402
from grader.loading import AttemptLoadError, load_module  # noqa: E402

TARGET_ENV = "KATAS_LAB_TARGET"  # set by ``nox -s lab -- dayNN --target DIR | --solutions``
CALL_LIMIT_S = 20.0  # a learner's call that runs longer is abandoned for the reference


def target_root() -> Path:
    """The folder holding the learner's ``dayNN/`` folders."""
    return Path(os.environ.get(TARGET_ENV) or EXERCISES_ROOT)


@dataclass(frozen=True)
class Pair:
    """One exercise file: the learner's module (None when it does not import) and the reference."""

    day: str
    file: str
    learner: ModuleType | None
    reference: ModuleType
    problem: str | None  # why the learner's module is missing, in one line


def modules(day: str, file: str) -> Pair:
    """Import ``<target>/<day>/<file>`` and ``solutions/<day>/<file>`` side by side."""
    stem = file.removesuffix(".py")
    reference = load_module(SOLUTIONS_ROOT / day / file, f"lab_reference_{day}_{stem}",
                            f"solutions/{day}/{file}")  # fmt: skip
    try:
        learner = load_module(target_root() / day / file, f"lab_learner_{day}_{stem}",
                              f"{day}/{file}")  # fmt: skip
        problem = None
    except AttemptLoadError as exc:
        learner, problem = None, str(exc)
    return Pair(day, file, learner, reference, problem)


@dataclass(frozen=True)
class Outcome:
    """A function's result and whose code produced it."""

    value: Any
    label: str  # "yours" or "reference (your f is not implemented yet)"
    is_learner: bool


def call(pair: Pair, name: str, *args: Any, **kwargs: Any) -> Outcome:
    """Run the learner's ``name``; fall back to the reference, saying why, when it cannot."""
    reason = _why_not_learner(pair, name)
    if reason is None:
        try:
            with _time_limit(CALL_LIMIT_S):
                return Outcome(getattr(pair.learner, name)(*args, **kwargs), "yours", True)
        except _TooSlow:
            reason = f"your {name} ran longer than {CALL_LIMIT_S:g} s"
        except NotImplementedError:
            reason = f"your {name} is not implemented yet"
        except Exception as exc:  # the learner's bug must not end the lab: show it instead
            reason = f"your {name} raised {type(exc).__name__}: {_short(exc)}"
    value = getattr(pair.reference, name)(*args, **kwargs)
    return Outcome(value, f"reference ({reason})", False)


def both(pair: Pair, name: str, *args: Any, **kwargs: Any) -> list[Outcome]:
    """The learner's result and the reference's, side by side (only the reference's when
    the learner's cannot run: its label says why)."""
    mine = call(pair, name, *args, **kwargs)
    if not mine.is_learner:
        return [mine]
    return [mine, Outcome(getattr(pair.reference, name)(*args, **kwargs), "reference", False)]


def implementation(pair: Pair, name: str) -> tuple[Callable[..., Any], str]:
    """The learner's function object if it exists, else the reference's, with a label.

    For code that calls a function many times (a timing loop, a class used over a
    whole figure): probe with :func:`call` first when a stub must be detected.
    """
    reason = _why_not_learner(pair, name)
    if reason is None:
        return getattr(pair.learner, name), "yours"
    return getattr(pair.reference, name), f"reference ({reason})"


class _TooSlow(BaseException):
    """Raised into a learner's call that ran past :data:`CALL_LIMIT_S` (BaseException, so
    a bare ``except Exception`` in the learner's code cannot swallow it)."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with SIGALRM (main thread on POSIX only;
    elsewhere the block simply runs to the end)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _why_not_learner(pair: Pair, name: str) -> str | None:
    if pair.learner is None:
        return f"your {pair.file} does not import: {pair.problem}"
    if not hasattr(pair.learner, name):
        return f"your {pair.file} has no {name}"
    return None


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- output: plain HTML that both marimo and the static export show ---------------------


def figure(fig: Any, caption: str, label: str | None = None) -> mo.Html:
    """A matplotlib figure as an embedded PNG with a caption; the figure is closed.

    ``label`` (an :class:`Outcome` label) is shown under the caption, so a figure
    drawn from the reference says so.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return mo.Html(
        f'<figure class="lab-figure"><img alt="{html_lib.escape(caption)}" '
        f'src="data:image/png;base64,{data}"/><figcaption>{html_lib.escape(caption)}'
        f"</figcaption>{source_line(label).text}</figure>"
    )


def source_line(label: str | None) -> mo.Html:
    """The line saying whose code produced an output (empty without a label).

    :func:`figure` and :func:`table` put it under their output; a lab puts it itself
    under an output built of several parts (coloured tokens with a summary, say).
    """
    return mo.Html(f'<p class="lab-source">{html_lib.escape(label)}</p>' if label else "")


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    caption: str = "",
    label: str | None = None,
) -> mo.Html:
    """A plain HTML table (floats shown with 4 significant digits).

    ``label`` (an :class:`Outcome` label) is shown right under the table, as under a
    figure, so a table computed by the reference says so. Tables of fixed data that no
    exercise computes (a price sheet, a pros/cons matrix) leave it out.
    """

    def cell(value: Any) -> str:
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        return html_lib.escape(text)

    head = "".join(f"<th>{html_lib.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{html_lib.escape(caption)}</caption>" if caption else ""
    return mo.Html(f'<table class="lab-table">{cap}<thead><tr>{head}</tr></thead>'
                   f"<tbody>{body}</tbody></table>{source_line(label).text}")  # fmt: skip


def note(markdown: str) -> mo.Html:
    """Markdown text (headings, paragraphs, lists): ``mo.md`` renders it to plain HTML."""
    return mo.md(markdown)


def html(markup: str) -> mo.Html:
    """Raw HTML the lab built itself (coloured token spans, for example). Escape user text."""
    return mo.Html(markup)


def stack(*items: Any) -> mo.Html:
    """Several outputs of one cell, one under the other."""
    return mo.vstack(list(items))


escape = html_lib.escape
__all__ = [
    "Outcome",
    "Pair",
    "both",
    "call",
    "escape",
    "figure",
    "html",
    "implementation",
    "mo",
    "modules",
    "note",
    "plt",
    "source_line",
    "stack",
    "table",
    "target_root",
]  # fmt: skip
