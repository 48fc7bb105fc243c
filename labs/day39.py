import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import copy
    import importlib.util
    import json
    import math
    from types import SimpleNamespace

    import numpy as np

    from grader.catalog import EXERCISES_ROOT, SOLUTIONS_ROOT
    from labs import kit

    harness = kit.modules("day39", "eval_harness.py")

    def load_example():
        """The given run_example.py (its toy models and simulated clock), imported by path."""
        path = EXERCISES_ROOT / "day39" / "run_example.py"
        spec = importlib.util.spec_from_file_location("lab_day39_run_example", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    example = load_example()
    PRICES = tuple(example.PRICES)  # dollars per 1k prompt / completion tokens (made up)
    GATE_METRICS = ["em", "f1", "groundedness", "latency_p95", "cost"]
    HIGHER_IS_BETTER = {
        "em": True,
        "f1": True,
        "groundedness": True,
        "latency_p95": False,
        "cost": False,
    }
    CONFIGS = {"baseline": "sentence", "candidate": "span"}  # run_example's two toy models
    CONFIG_TITLES = {"baseline": "baseline (sentence)", "candidate": "candidate (few-shot span)"}
    PRICE_SHEETS = {"toy-large": PRICES, "toy-small": (0.15, 0.6)}  # made-up price sheets

    def run_as(pair, name, use, check=None):
        """``use(f)`` with the learner's ``name`` as f, or the reference's, labelled as
        kit.call labels it (stub, exception, time limit); ``check(value)`` names a wrong
        result (or returns None), and a wrong result falls back to the reference too."""

        def mine():
            try:
                return use(getattr(pair.learner, name))
            except NotImplementedError as exc:
                # a finished function that calls one of the learner's stubs: say which
                stub = str(exc).split(":")[0].strip()
                if stub != name and hasattr(pair.learner, stub.split(".")[0]):
                    raise RuntimeError(f"it calls {stub}, which is not implemented yet") from None
                raise

        learner = None
        if pair.learner is not None:
            learner = SimpleNamespace()
            if hasattr(pair.learner, name):
                setattr(learner, name, mine)
        reference = SimpleNamespace(**{name: lambda: use(getattr(pair.reference, name))})
        out = kit.call(kit.Pair(pair.day, pair.file, learner, reference, pair.problem), name)
        if out.is_learner and check is not None:
            try:
                problem = check(out.value)
            except NotImplementedError:  # the check ran a stub (a method, say)
                problem = "is not implemented yet"
            except Exception as exc:  # the check ran the learner's code, which raised
                problem = f"raised {type(exc).__name__}: {str(exc)[:120]}"
            if problem:
                value = use(getattr(pair.reference, name))
                return kit.Outcome(value, f"reference (your {name} {problem})", False)
        return out

    def run_both(pair, name, use, check=None):
        """The learner's outcome and the reference's (only one when the learner's fails)."""
        mine = run_as(pair, name, use, check)
        if not mine.is_learner:
            return [mine]
        return [mine, kit.Outcome(use(getattr(pair.reference, name)), "reference", False)]

    def joint_label(outcomes):
        """One label for an output drawn with several functions."""
        if all(o.is_learner for o in outcomes.values()):
            return "yours"
        return "; ".join(f"{name}: {o.label}" for name, o in outcomes.items() if not o.is_learner)

    def finite(value):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return number and math.isfinite(value)

    def check_dataset(value):
        if not isinstance(value, list) or not value:
            return f"returned {type(value).__name__}, not a non-empty list of dicts"
        keys = {"id", "question", "answers"}
        if not all(isinstance(r, dict) and keys <= set(r) for r in value):
            return "returned records without id, question and answers"
        return None

    def check_latency(value):
        keys = ("p50", "p95", "p99", "mean", "max")
        if not isinstance(value, dict) or not all(finite(value.get(k)) for k in keys):
            return f"returned {str(value)[:60]!r}, not p50/p95/p99/mean/max numbers"
        return None

    def check_report(n_items):
        def check(value):
            summary, items = getattr(value, "summary", None), getattr(value, "items", None)
            if not isinstance(summary, dict) or not isinstance(items, list):
                return "returned no EvalReport with a summary dict and an items list"
            wanted = ("n", "n_errors", "em", "f1", "cost")
            if not all(finite(summary.get(k)) for k in wanted):
                return "returned a summary without numeric n, n_errors, em, f1 and cost"
            if not (summary.get("groundedness") is None or finite(summary["groundedness"])):
                return "returned a summary whose groundedness is not a number"
            if check_latency(summary.get("latency")):
                return "returned a summary whose latency has no p50/p95/p99/mean/max"
            if len(items) != n_items:
                return f"returned {len(items)} items for {n_items} questions"
            keys = {"id", "em", "f1", "groundedness", "latency_s", "error"}
            if not all(isinstance(r, dict) and keys <= set(r) for r in items):
                return "returned items without id, em, f1, groundedness, latency_s, error"
            if not all(finite(r["latency_s"]) and finite(r["f1"]) for r in items):
                return "returned items whose latency_s or f1 is not a number"
            return None

        return check

    def check_cost(value):
        if not finite(value) or value < 0:
            return f"returned {value!r:.60}, not a cost >= 0"
        return None

    def check_gate(value):
        if not isinstance(value, dict) or not all(
            isinstance(value.get(m), dict) and "regressed" in value[m] for m in GATE_METRICS
        ):
            return "returned no dict with em/f1/groundedness/latency_p95/cost rows"
        return None

    def usage_of(dataset, style):
        """The toy model's token counts per item (a replay outside the harness)."""
        clock = example.SimulatedClock()
        model = example.make_model(clock, style)
        prompt, completion, errors = 0, 0, 0
        for item in dataset:
            try:
                _text, usage = model(item["question"], item.get("context"))
            except Exception:  # a timeout bills nothing in this toy
                errors += 1
                continue
            prompt += usage["prompt_tokens"]
            completion += usage["completion_tokens"]
        return prompt, completion, errors

    def fmt(value, digits=3):
        return "-" if value is None else f"{value:.{digits}f}"

    return (
        CONFIGS,
        CONFIG_TITLES,
        GATE_METRICS,
        HIGHER_IS_BETTER,
        PRICES,
        PRICE_SHEETS,
        SOLUTIONS_ROOT,
        check_cost,
        check_dataset,
        check_gate,
        check_latency,
        check_report,
        copy,
        example,
        fmt,
        harness,
        joint_label,
        json,
        kit,
        np,
        run_as,
        run_both,
        usage_of,
    )


@app.cell
def _(kit):
    kit.note(
        "# Day 39 lab: evaluating a QA model offline\n\n"
        "This page runs **your** `eval_harness.py` on the day's eval set "
        "(`data/eval_set.jsonl`, 20 questions with contexts and reference answers) with "
        "the two deterministic toy models of `run_example.py`: a *baseline* that answers "
        "with the closest context sentence and a *candidate* with a longer few-shot "
        "prompt that answers with a shorter clause. A simulated clock makes every "
        "latency exact (0.2 s + 2 ms per prompt token + 20 ms per generated token; a "
        "timeout costs 3 s), so the page is the same on every run. Where one of your "
        "functions is still a stub, raises or returns something unusable, the reference "
        "draws instead and the label under the output says so; where yours works, the "
        "reference stands next to it.\n\n"
        "Sections: one answer scored, the eval dashboard, latency percentiles, cost per "
        "model and config, and the offline gate against the baseline. Open it with "
        "`nox -s lab -- day39`; `nox -s lab -- day39 --export` writes "
        "`progress/labs/day39.html`."
    )
    return


@app.cell
def _(SOLUTIONS_ROOT, check_dataset, harness, kit, run_as):
    _own = kit.target_root() / "day39" / "data" / "eval_set.jsonl"
    eval_set_path = _own if _own.is_file() else SOLUTIONS_ROOT / "day39" / "data" / "eval_set.jsonl"
    loaded = run_as(harness, "load_jsonl", lambda f: f(eval_set_path), check_dataset)
    dataset = loaded.value
    _rows = [
        (
            r["id"],
            r["question"],
            " | ".join([r["answers"]] if isinstance(r["answers"], str) else r["answers"]),
            len(str(r.get("context") or "").split()),
        )
        for r in dataset[:6]
    ]
    kit.stack(
        kit.note(
            "## The eval set\n\n"
            f"`load_jsonl` read **{len(dataset)} questions**; the first six are below. "
            "Each has a context to answer from, and one or more reference answers (a "
            "prediction scores its best match among them)."
        ),
        kit.table(
            ["id", "question", "reference answers", "context words"],
            _rows,
            f"The eval set: {len(dataset)} items (first six shown)",
            loaded.label,
        ),
    )
    return dataset, loaded


@app.cell
def _(kit):
    answer_box = kit.mo.ui.text(value="The cat sat.", label="prediction", full_width=True)
    references_box = kit.mo.ui.text(
        value="a cat sat down | the dog", label="references (separate with |)", full_width=True
    )
    context_box = kit.mo.ui.text(value="A cat sat on the mat.", label="context", full_width=True)
    kit.stack(
        kit.note(
            "## Scoring one answer\n\n"
            "SQuAD matching normalises both sides (lower case, no punctuation, no "
            "a/an/the, single spaces), then exact match asks for equality and token F1 "
            "for overlap, each the best over the references. Groundedness is the share "
            "of the answer's tokens found in the context (a lexical proxy: a faithful "
            "paraphrase scores low). Type your own row:"
        ),
        answer_box,
        references_box,
        context_box,
    )
    return answer_box, context_box, references_box


@app.cell
def _(answer_box, context_box, fmt, harness, joint_label, kit, references_box, run_both):
    _examples = [
        ("The cat sat", ["a cat sat down"], "The cat sat down on the mat."),
        ("Paris!", ["London", "paris"], "Paris is the capital of France."),
        ("A.I.", ["AI"], "AI stands for artificial intelligence."),
        ("cat cat dog", ["the cat"], "the cat"),
        ("the theory of relativity", ["relativity theory"], "Einstein's relativity."),
        (
            answer_box.value,
            [r.strip() for r in references_box.value.split("|") if r.strip()] or [""],
            context_box.value,
        ),
    ]

    def _scores(row):
        prediction, references, context = row
        found = {
            "normalize_answer": run_both(harness, "normalize_answer", lambda f: f(prediction)),
            "exact_match": run_both(harness, "exact_match", lambda f: f(prediction, references)),
            "token_f1": run_both(harness, "token_f1", lambda f: f(prediction, references)),
            "groundedness": run_both(harness, "groundedness", lambda f: f(prediction, context)),
        }
        return found

    def _show(outcomes):
        values = [o.value for o in outcomes]
        shown = [
            repr(v) if isinstance(v, str) else fmt(v) if isinstance(v, float) else str(v)
            for v in values
        ]
        return " / ".join(shown)

    _rows, _first = [], None
    for _row in _examples:
        _found = _scores(_row)
        _first = _first or {k: v[0] for k, v in _found.items()}
        _rows.append(
            (
                repr(_row[0]),
                " | ".join(repr(r) for r in _row[1]),
                _show(_found["normalize_answer"]),
                _show(_found["exact_match"]),
                _show(_found["token_f1"]),
                _show(_found["groundedness"]),
            )
        )
    _side = len(_scores(_examples[0])["token_f1"]) == 2
    _how = "yours / reference" if _side else "one value: the reference's"
    kit.stack(
        kit.table(
            ["prediction", "references", "normalised", "EM", "F1", "groundedness"],
            _rows,
            f"Scoring one answer ({_how}); the last row is the one typed above",
            joint_label(_first),
        ),
    )
    return


@app.cell
def _(
    CONFIGS,
    CONFIG_TITLES,
    PRICES,
    check_report,
    copy,
    dataset,
    example,
    fmt,
    harness,
    kit,
    np,
    run_both,
):
    def _runner(style):
        def use(run_eval):
            clock = example.SimulatedClock()
            model = example.make_model(clock, style)
            return run_eval(copy.deepcopy(dataset), model, clock=clock, prices=PRICES)

        return use

    runs = {
        name: run_both(harness, "run_eval", _runner(style), check_report(len(dataset)))
        for name, style in CONFIGS.items()
    }
    reports = {name: found[0] for name, found in runs.items()}  # yours, else the reference
    _failing = [o for o in reports.values() if not o.is_learner]
    run_label = _failing[0].label if _failing else "yours"

    def _summary_rows():
        columns = [(name, found) for name, found in runs.items()]
        rows = []
        for metric in (
            "n",
            "n_errors",
            "em",
            "f1",
            "groundedness",
            "p50",
            "p95",
            "p99",
            "mean",
            "max",
            "cost",
        ):
            row = [
                metric
                if metric not in ("p50", "p95", "p99", "mean", "max")
                else f"latency {metric} (s)"
            ]
            for _name, found in columns:
                for outcome in found:
                    summary = outcome.value.summary
                    value = summary["latency"].get(metric, summary.get(metric))
                    if metric in ("n", "n_errors"):
                        row.append(str(int(value)))
                    else:
                        row.append(fmt(value, 4 if metric == "cost" else 3))
            rows.append(row)
        return rows

    _headers = ["metric"]
    for _name, _found in runs.items():
        for _o in _found:
            _who = "yours" if _o.is_learner else "reference"
            _headers.append(f"{_name} ({_who})")

    _items = {name: r.value.items for name, r in reports.items()}
    _x = np.arange(len(dataset))
    _fig, (_ax_f1, _ax_g) = kit.plt.subplots(2, 1, figsize=(9, 5.2), sharex=True)
    for _shift, (_name, _rows_of) in zip((-0.2, 0.2), _items.items()):
        _color = "tab:blue" if _name == "baseline" else "tab:orange"
        _f1 = [r["f1"] for r in _rows_of]
        _g = [r["groundedness"] if r["groundedness"] is not None else np.nan for r in _rows_of]
        _ax_f1.bar(_x + _shift, _f1, width=0.4, color=_color, label=CONFIG_TITLES[_name])
        _ax_g.bar(_x + _shift, _g, width=0.4, color=_color)
        _bad = [i for i, r in enumerate(_rows_of) if r["error"]]
        for _ax in (_ax_f1, _ax_g):
            _ax.scatter(
                _x[_bad] + _shift,
                np.zeros(len(_bad)) + 0.03,
                marker="x",
                s=50,
                color="red",
                zorder=3,
                label="error (scores 0)" if _ax is _ax_f1 and _name == "candidate" else None,
            )
    _ax_f1.set_ylabel("token F1")
    _ax_g.set_ylabel("groundedness")
    _ax_f1.set_ylim(0, 1.08)
    _ax_g.set_ylim(0, 1.08)
    _ax_f1.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.25))
    _ax_g.set_xticks(_x, [str(r["id"]) for r in dataset], rotation=60, fontsize=7)
    _fig.tight_layout()

    _b, _c = (reports[n].value.summary for n in ("baseline", "candidate"))
    _errors = [
        (r["id"], str(r["error"]))
        for name in CONFIGS
        for r in reports[name].value.items
        if r["error"]
    ]
    kit.stack(
        kit.note(
            "## Eval dashboard\n\n"
            "`run_eval` on the whole eval set, once per toy model, with the simulated "
            f"clock and prices of {PRICES[0]} / {PRICES[1]} dollars per 1k prompt / "
            f"completion tokens. The candidate's F1 moves {fmt(_b['f1'])} → "
            f"{fmt(_c['f1'])}, but it failed on {int(_c['n_errors'])} items; a failed "
            "call is recorded, scores 0 and still counts in the latency."
        ),
        kit.table(
            _headers, _summary_rows(), "Eval dashboard: run_eval summary per config", run_label
        ),
        kit.figure(
            _fig,
            "Per-item token F1 and groundedness: where the candidate wins and where it fails",
            run_label,
        ),
        kit.table(
            ["item", "error recorded by run_eval"],
            _errors or [("-", "none")],
            "Failed calls (recorded, not raised)",
            run_label,
        ),
    )
    return reports, run_label


@app.cell
def _(CONFIG_TITLES, check_latency, fmt, harness, joint_label, kit, np, reports, run_both):
    _lat = {name: [float(r["latency_s"]) for r in o.value.items] for name, o in reports.items()}
    _sums = {
        name: run_both(harness, "latency_summary", lambda f, v=v: f(list(v)), check_latency)
        for name, v in _lat.items()
    }
    _label = joint_label({"run_eval": reports["baseline"], "latency_summary": _sums["baseline"][0]})
    _marks = {"p50": ("tab:green", 0.50), "p95": ("tab:orange", 0.95), "p99": ("tab:red", 0.99)}
    _top = max(max(v) for v in _lat.values())
    _bins = np.linspace(0, _top * 1.05, 28)
    _fig, _axes = kit.plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for _ax, (_name, _values) in zip(_axes, _lat.items()):
        _ax.hist(_values, bins=_bins, color="0.85", edgecolor="0.55")
        _cdf_ax = _ax.twinx()
        _sorted = np.sort(_values)
        _cdf_ax.step(
            np.concatenate([[0.0], _sorted]),
            np.arange(len(_sorted) + 1) / len(_sorted),
            where="post",
            color="black",
            lw=1.3,
        )
        _cdf_ax.set_ylim(0, 1.12)
        _cdf_ax.set_ylabel("CDF: share of items at or below", fontsize=8)
        for _p, (_color, _q) in _marks.items():
            _cdf_ax.axhline(_q, color=_color, lw=0.6, ls="--", alpha=0.6)
        _texts = {}
        for _k, _outcome in enumerate(_sums[_name]):
            for _p, (_color, _q) in _marks.items():
                _v = float(_outcome.value[_p])
                _cdf_ax.axvline(
                    _v, color=_color, ls="-" if _k == 0 else ":", lw=2.2 if _k == 0 else 1.6
                )
                if _k == 0:
                    _texts.setdefault(round(_v, 3), []).append(_p)
        _shift = {"p50": 0.0, "p95": -0.08, "p99": 0.06}  # p95 and p99 sit close: spread them
        _xmax = _bins[-1]
        for _v, _ps in _texts.items():
            for _p in _ps:
                _cdf_ax.plot([_v], [_marks[_p][1]], "o", color=_marks[_p][0], ms=5, zorder=4)
            _y = _marks[_ps[-1]][1] + (_shift[_ps[-1]] if len(_ps) == 1 else -0.04)
            _right = _v < 0.7 * _xmax
            _cdf_ax.text(
                _v + (0.04 if _right else -0.04) * _xmax,
                _y,
                " = ".join(_ps) + f" = {_v:.2f} s",
                fontsize=8,
                ha="left" if _right else "right",
                va="center",
                color=_marks[_ps[-1]][0],
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        _ax.set_title(CONFIG_TITLES[_name], fontsize=10)
        _ax.set_xlabel("latency per item (s, simulated clock)")
    _axes[0].set_ylabel("items (histogram)")
    _handles = [
        kit.plt.Line2D([], [], color="black", lw=1.3, label="CDF"),
        kit.plt.Rectangle((0, 0), 1, 1, color="0.85", ec="0.55", label="histogram"),
    ] + [
        kit.plt.Line2D([], [], color=c, lw=2.2, label=f"{p} (CDF crosses {q})")
        for p, (c, q) in _marks.items()
    ]
    if len(_sums["baseline"]) == 2:
        _handles.append(kit.plt.Line2D([], [], color="0.3", lw=2.2, label="yours (solid)"))
        _handles.append(
            kit.plt.Line2D([], [], color="0.3", lw=1.6, ls=":", label="reference (dotted)")
        )
    _fig.legend(
        handles=_handles,
        loc="lower center",
        ncol=len(_handles),
        fontsize=7.5,
        bbox_to_anchor=(0.5, -0.02),
        frameon=False,
    )
    _fig.tight_layout(rect=(0, 0.06, 1, 1))

    _rows = []
    for _name, _found in _sums.items():
        for _outcome in _found:
            _who = "yours" if _outcome.is_learner else "reference"
            _rows.append(
                [CONFIG_TITLES[_name], _who]
                + [fmt(_outcome.value[k]) for k in ("p50", "p95", "p99", "mean", "max")]
                + [fmt(float(np.percentile(_lat[_name], 90)))]
            )
    _c = _sums["candidate"][0].value
    _n_fail = sum(1 for r in reports["candidate"].value.items if r["error"])
    kit.stack(
        kit.note(
            "## Latency percentiles\n\n"
            "`latency_summary` over every item's latency, failures included. The mean "
            f"hides the tail: on the candidate its {_n_fail} failed calls (timeouts) set p95 at "
            f"{_c['p95']:.2f} s and p99 at {_c['p99']:.2f} s while p50 stays at "
            f"{_c['p50']:.2f} s. Dropping the failed calls would flatter every "
            "percentile. The harness reports p50/p95/p99; the table adds p90 "
            "(`np.percentile`) for comparison."
        ),
        kit.figure(
            _fig, "Latency percentiles: p50/p95/p99 markers over the histogram and CDF", _label
        ),
        kit.table(
            ["config", "who", "p50", "p95", "p99", "mean", "max", "p90 (numpy)"],
            _rows,
            "Latency summary in seconds",
            _label,
        ),
    )
    return


@app.cell
def _(
    CONFIGS,
    CONFIG_TITLES,
    PRICES,
    PRICE_SHEETS,
    check_cost,
    dataset,
    fmt,
    harness,
    joint_label,
    kit,
    np,
    reports,
    run_both,
    usage_of,
):
    _tokens = {name: usage_of(dataset, style) for name, style in CONFIGS.items()}
    _rows, _bars, _keys, _probe = [], [], [], None
    for _name in CONFIGS:
        _prompt, _completion, _unbilled = _tokens[_name]
        for _sheet, (_p_in, _p_out) in PRICE_SHEETS.items():
            _total = run_both(
                harness,
                "estimate_cost",
                lambda f, a=_prompt, b=_completion, i=_p_in, o=_p_out: f(a, b, i, o),
                check_cost,
            )
            _in = run_both(
                harness, "estimate_cost", lambda f, a=_prompt, i=_p_in: f(a, 0, i, 0.0), check_cost
            )[0].value
            _probe = _probe or _total[0]
            _summary_cost = reports[_name].value.summary["cost"]
            _same_prices = (_p_in, _p_out) == tuple(PRICES)
            _rows.append(
                [CONFIG_TITLES[_name], f"{_sheet} ({_p_in} / {_p_out})", _prompt, _completion]
                + [fmt(o.value, 4) for o in _total]
                + [
                    fmt(_total[0].value / len(dataset) * 1000, 2),
                    fmt(_summary_cost, 4) if _same_prices else "-",
                ]
            )
            _bars.append((f"{_name}\n{_sheet}", _in, _total[0].value - _in))
            _keys.append((_name, _sheet))
    _side = len(_total) == 2
    _headers = ["config", "price sheet ($ per 1k in / out)", "prompt tokens", "completion tokens"]
    _headers += ["cost (yours)", "cost (reference)"] if _side else ["cost"]
    _headers += ["$ per 1000 questions", "run_eval summary cost"]

    _fig, _ax = kit.plt.subplots(figsize=(7.5, 3.6))
    _names = [b[0] for b in _bars]
    _ins = np.array([b[1] for b in _bars])
    _outs = np.array([b[2] for b in _bars])
    _ax.bar(_names, _ins, color="tab:blue", label="prompt tokens")
    _ax.bar(_names, _outs, bottom=_ins, color="tab:purple", label="completion tokens")
    for _i, _t in enumerate(_ins + _outs):
        _ax.text(_i, _t, f"${_t:.3f}", ha="center", va="bottom", fontsize=8)
    _ax.set_ylabel(f"dollars for {len(dataset)} questions")
    _ax.set_ylim(0, float((_ins + _outs).max()) * 1.18)
    _ax.legend(fontsize=8)
    _fig.tight_layout()
    _label = joint_label({"estimate_cost": _probe, "run_eval": reports["baseline"]})
    _totals = dict(zip(_keys, _ins + _outs))
    _ratios = [
        f"{_totals['candidate', sheet] / _totals['baseline', sheet] - 1:+.0%} under {sheet}"
        for sheet in PRICE_SHEETS
        if _totals["baseline", sheet] > 0
    ]
    _ratio_text = (
        f"The candidate costs {' and '.join(_ratios)}: the dearer completion tokens are "
        "next to prompt tokens, the more its short answers win back of its long prompt."
        if len(_ratios) == len(PRICE_SHEETS)
        else ""
    )
    _pb, _cb, _unused = _tokens["baseline"]
    _pc, _cc, _fails = _tokens["candidate"]
    kit.stack(
        kit.note(
            "## Cost per model and config\n\n"
            "`estimate_cost` prices the tokens each toy model used on the eval set (the "
            "lab replays the models to count them) under two made-up price sheets. The "
            f"candidate's few-shot template sends {_pc} prompt tokens against the "
            f"baseline's {_pb} even though {_fails} of its calls time out unbilled; its "
            f"shorter answers use {_cc} completion tokens against {_cb}. The last column "
            "is the cost `run_eval` put in its summary (at the toy-large prices). "
            f"{_ratio_text}"
        ),
        kit.table(_headers, _rows, "Cost per model/config and price sheet", _label),
        kit.figure(
            _fig, "Cost per config and price sheet, split into prompt and completion", _label
        ),
    )
    return


@app.cell
def _(kit):
    tolerance_slider = kit.mo.ui.slider(
        0.0, 0.5, step=0.01, value=0.02, label="gate tolerance (absolute)", show_value=True
    )
    kit.stack(
        kit.note(
            "## The offline gate\n\n"
            "`compare_reports` decides whether the candidate may ship: against the "
            "baseline, no metric may get worse by more than the tolerance (higher is "
            "better for EM, F1 and groundedness; lower for p95 latency and cost). The "
            "baseline is read back from JSON (`EvalReport.to_dict`), as a stored run "
            "would be. Tolerance (run_example.py uses 0.02):"
        ),
        tolerance_slider,
    )
    return (tolerance_slider,)


@app.cell
def _(
    GATE_METRICS,
    HIGHER_IS_BETTER,
    check_gate,
    fmt,
    harness,
    joint_label,
    json,
    kit,
    np,
    reports,
    run_both,
    tolerance_slider,
):
    tolerance = float(tolerance_slider.value)

    def _stored(report):
        """The baseline as a JSON round trip of your EvalReport.to_dict (else the reference's)."""
        found = {}
        for who, module in (("yours", harness.learner), ("reference", harness.reference)):
            cls = getattr(module, "EvalReport", None) if module is not None else None
            if cls is None:
                found[who] = f"your {harness.file} has no EvalReport"
                continue
            try:
                data = cls(items=report.items, summary=report.summary).to_dict()
                return json.loads(json.dumps(data)), (
                    kit.Outcome(None, "yours", True)
                    if who == "yours"
                    else kit.Outcome(None, f"reference ({found['yours']})", False)
                )
            except NotImplementedError:
                found[who] = "your EvalReport.to_dict is not implemented yet"
            except Exception as exc:
                found[who] = f"your EvalReport.to_dict gave no JSON: {type(exc).__name__}"
        raise RuntimeError(found)

    baseline_json, _to_dict = _stored(reports["baseline"].value)
    _candidate = reports["candidate"].value
    gates = run_both(
        harness,
        "compare_reports",
        lambda f: f(baseline_json, _candidate, tolerance=tolerance),
        check_gate,
    )
    _label = joint_label(
        {
            "run_eval": reports["baseline"],
            "EvalReport.to_dict": _to_dict,
            "compare_reports": gates[0],
        }
    )

    _rows = []
    for _metric in GATE_METRICS:
        _row = gates[0].value[_metric]
        _b, _c = _row["baseline"], _row["candidate"]
        _up = HIGHER_IS_BETTER[_metric]
        _digits = 4 if _metric == "cost" else 3
        _threshold = (
            "-"
            if _b is None
            else (f"≥ {_b - tolerance:.{_digits}f}" if _up else f"≤ {_b + tolerance:.{_digits}f}")
        )
        _verdicts = ["FAIL" if g.value[_metric]["regressed"] else "pass" for g in gates]
        _delta = _row.get("delta")
        _rows.append(
            [
                _metric,
                "higher" if _up else "lower",
                fmt(_c, _digits),
                fmt(_b, _digits),
                _threshold,
                fmt(_delta, _digits),
                *_verdicts,
            ]
        )

    def _verdict(gate):
        failed = [m for m in GATE_METRICS if gate[m]["regressed"]]
        return f"BLOCKED by {', '.join(failed)}" if failed else "PASSED"

    _verdict_all = [_verdict(g.value) for g in gates]
    _rows.append(["overall verdict", "", "", "", f"tolerance {tolerance:g}", "", *_verdict_all])
    _headers = ["metric", "better", "candidate", "baseline", "threshold", "delta"]
    _headers += ["pass/fail (yours)", "pass/fail (reference)"] if len(gates) == 2 else ["pass/fail"]

    # the verdict over a sweep of tolerances: one absolute tolerance for every metric
    _tols = np.geomspace(1e-3, 10.0, 81)
    _grid = np.zeros((len(GATE_METRICS), len(_tols)))
    for _j, _t in enumerate(_tols):
        _g = run_both(
            harness,
            "compare_reports",
            lambda f, t=_t: f(baseline_json, _candidate, tolerance=float(t)),
            check_gate,
        )[0].value
        _grid[:, _j] = [bool(_g[m]["regressed"]) for m in GATE_METRICS]
    _worse_by = {}  # how much worse the candidate is, in the metric's own unit
    for _metric in GATE_METRICS:
        _d = gates[0].value[_metric].get("delta")
        if _d is not None:
            _worse_by[_metric] = -_d if HIGHER_IS_BETTER[_metric] else _d
    _needed = max([0.0, *_worse_by.values()])  # the gate passes from this tolerance on
    _edges = np.sqrt(_tols[:-1] * _tols[1:])
    _edges = np.concatenate([[_tols[0] ** 2 / _edges[0]], _edges, [_tols[-1] ** 2 / _edges[-1]]])
    _fig, _ax = kit.plt.subplots(figsize=(8.5, 3.0))
    _cmap = kit.plt.matplotlib.colors.ListedColormap(["#8fd18f", "#e06666"])
    _ax.pcolormesh(
        _edges, np.arange(len(GATE_METRICS) + 1) - 0.5, _grid, cmap=_cmap, vmin=0, vmax=1
    )
    _ax.set_xscale("log")
    _ax.set_yticks(range(len(GATE_METRICS)), GATE_METRICS)
    _ax.invert_yaxis()
    for _i, _metric in enumerate(GATE_METRICS):
        _w = _worse_by.get(_metric)
        if _w is not None and _w > _tols[0]:
            _ax.text(min(_w, _tols[-1]) * 1.08, _i, f"worse by {_w:.3g}", va="center", fontsize=8)
        elif _w is not None:
            _what = "not worse" if _w == 0 else f"better by {-_w:.3g}" if _w < 0 else "worse"
            _ax.text(_tols[0] * 1.1, _i, _what, va="center", fontsize=8)
    _ax.axvline(max(tolerance, _tols[0]), color="black", lw=2, label=f"this page: {tolerance:g}")
    _ax.axvline(
        max(_needed, _tols[0]),
        color="black",
        ls="--",
        lw=1,
        label=f"gate passes from {_needed:.3g}",
    )
    _ax.set_xlabel("tolerance (absolute, log scale): green pass, red regressed")
    _ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _fig.tight_layout()

    _reason = (
        "at any tolerance"
        if _needed <= 0
        else (
            f"only from a tolerance of {_needed:.3g}"
            + (
                ", which also waves through any drop in EM, F1 or groundedness (shares, at most 1)"
                if _needed >= 1
                else ""
            )
        )
    )
    kit.stack(
        kit.table(
            _headers, _rows, f"Offline gate: candidate vs baseline — {_verdict_all[0]}", _label
        ),
        kit.figure(
            _fig,
            "The gate's verdict per metric as the tolerance grows",
            _label,
        ),
        kit.note(
            "One absolute tolerance for every metric mixes units (seconds, dollars, "
            f"shares of items): this gate passes the candidate {_reason}. Real gates "
            "use a threshold per metric, relative changes for latency and cost, and "
            "confidence intervals (on 20 items EM moves in steps of 0.05)."
        ),
    )
    return


@app.cell
def _(kit):
    kit.note(
        "## Offline and online\n\n"
        "Everything above is the **offline** loop: a fixed eval set, a stored baseline, "
        "and a gate that blocks a release before users see it. It is cheap, repeatable "
        "and blind to what the eval set does not contain. The **online** loop runs after "
        "release: shadow traffic or an A/B test, user feedback, real p95 latency and "
        "spend from production logs; questions it surfaces become new eval items, so the "
        "offline set keeps up with the traffic."
    )
    return


if __name__ == "__main__":
    app.run()
