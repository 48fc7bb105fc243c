"""Evaluate two toy QA "models" on data/eval_set.jsonl and print the offline gate.

Run it from the repository root with the Python of the venv that ``nox -s grade``
builds (it has numpy and rich; another Python without them gets a one-line message):

    .nox/katas/bin/python exercises/day39/run_example.py                  # your attempt
    .nox/katas/bin/python exercises/day39/run_example.py solutions/day39  # the reference

It loads ``eval_harness.py`` and ``data/eval_set.jsonl`` from the folder given (this
script's own folder by default), so it works before the harness is finished: it then
prints one line saying what is not implemented yet.

The models are toys (no LLM). The baseline answers with the context sentence that
shares the most words with the question; the candidate uses a longer few-shot prompt
and answers with the closest clause minus the question's words: better F1, but its
longer prompts cost more and time out on the longest contexts. A simulated clock
makes latencies (and so this output) deterministic: a call "takes" 0.2 s plus 2 ms per
prompt token and 20 ms per generated token; a timeout takes 3 s.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PRICES = (0.5, 1.5)  # dollars per 1k prompt / completion tokens (made up)
METRICS = ["em", "f1", "groundedness", "latency_p95", "cost"]
DEADLINE_S, DEADLINE_TOKENS = 3.0, 160  # the toy backend's timeout
KATAS_PYTHON = ".nox/katas/bin/python"  # built by the first `nox -s grade`


def load_harness(folder: Path):
    """Import ``folder/eval_harness.py`` by path."""
    spec = importlib.util.spec_from_file_location("day39_eval_harness", folder / "eval_harness.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


class SimulatedClock:
    """A clock that only moves when a toy model says how long its call took."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def spend(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.now += 0.2 + 0.002 * prompt_tokens + 0.02 * completion_tokens


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9-]+", text.lower()))


def best_piece(pieces: list[str], question: str) -> str:
    """The piece of text that shares the most words with the question (the first on ties)."""
    return max(pieces, key=lambda piece: len(words(piece) & words(question)))


def make_model(clock: SimulatedClock, style: str):
    """A toy model. "sentence": answer with the context sentence closest to the question.
    "span": a longer (few-shot) prompt, then the closest clause minus the question's words."""
    template_tokens = 40 if style == "sentence" else 120

    def model(question: str, context: str | None):
        if context is None:
            raise ValueError("this toy model needs a context")
        prompt_tokens = template_tokens + len(question.split()) + len(context.split())
        if prompt_tokens > DEADLINE_TOKENS:  # the toy backend times out on long prompts
            clock.now += DEADLINE_S
            raise TimeoutError(f"no answer within {DEADLINE_S} s ({prompt_tokens} prompt tokens)")
        if style == "sentence":
            answer = best_piece(re.split(r"(?<=[.;])\s+", context), question)
        else:
            clause = best_piece(re.split(r"[.,;:()]|\bwhich\b|\bso\b|\bwhile\b", context), question)
            answer = " ".join(
                w for w in clause.split() if w.lower().strip(",.") not in words(question)
            )
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(answer.split())}
        clock.spend(usage["prompt_tokens"], usage["completion_tokens"])
        return answer, usage

    return model


def render(comparison: dict, baseline, candidate):
    from rich.table import Table

    table = Table(title="day39: baseline (sentence) vs candidate (few-shot span)")
    for column in ("metric", "baseline", "candidate", "delta", "gate"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name in METRICS:
        row = comparison[name]
        fmt = "{:.4f}" if name == "cost" else "{:.3f}"
        show = [
            fmt.format(v) if v is not None else "-" for v in (row["baseline"], row["candidate"])
        ]
        delta = "-" if row["delta"] is None else f"{row['delta']:+.3f}"
        gate = "[red]regressed[/red]" if row["regressed"] else "[green]ok[/green]"
        table.add_row(name, *show, delta, gate)
    errors = (baseline.summary["n_errors"], candidate.summary["n_errors"])
    table.add_row("errors", *(str(e) for e in errors), "", "")
    return table


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else HERE
    if not (folder / "eval_harness.py").is_file():
        print(f"no eval_harness.py in {folder}; give a day39 folder, e.g. solutions/day39")
        return 2
    try:
        harness = load_harness(folder)
        dataset = harness.load_jsonl(folder / "data" / "eval_set.jsonl")
        reports = []
        for style in ("sentence", "span"):
            clock = SimulatedClock()
            model = make_model(clock, style)
            reports.append(harness.run_eval(dataset, model, clock=clock, prices=PRICES))
        comparison = harness.compare_reports(*reports, tolerance=0.02)
        from rich.console import Console  # only now: the stub's message needs no rich
    except NotImplementedError as exc:
        print(f"eval_harness.py is not finished yet: {exc}")  # one line, never wrapped
        return 0
    except ModuleNotFoundError as exc:  # run with a Python that lacks numpy or rich
        print(
            f"this Python ({sys.executable}) has no module {exc.name!r}: run the example "
            f"with {KATAS_PYTHON} (the venv 'nox -s grade -- day39' builds)"
        )
        return 2
    console = Console()
    baseline, candidate = reports
    console.print(render(comparison, baseline, candidate))
    regressed = [name for name in METRICS if comparison[name]["regressed"]]
    verdict = f"BLOCKED by {', '.join(regressed)}" if regressed else "PASSED"
    console.print(f"Offline gate on {len(dataset)} items: {verdict}")
    for item in candidate.items:
        if item["error"]:
            console.print(f"  {item['id']}: {item['error']}", markup=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
