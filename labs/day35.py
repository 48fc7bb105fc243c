import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import json
    import threading
    import time
    from concurrent.futures import wait as wait_for_futures
    from types import SimpleNamespace

    import numpy as np

    from labs import kit

    batching = kit.modules("day35", "batching.py")
    streaming = kit.modules("day35", "streaming.py")
    lora = kit.modules("day35", "lora.py")

    def run_as(pair, name, use, check=None):
        """``use(f)`` with the learner's ``name`` as f, or the reference's, labelled as kit.call
        labels it (stub, exception, time limit); ``check(value)`` names a wrong result or
        returns None, and a wrong result falls back to the reference too."""
        learner = None
        if pair.learner is not None:
            learner = SimpleNamespace()
            if hasattr(pair.learner, name):
                setattr(learner, name, lambda: use(getattr(pair.learner, name)))
        reference = SimpleNamespace(**{name: lambda: use(getattr(pair.reference, name))})
        out = kit.call(kit.Pair(pair.day, pair.file, learner, reference, pair.problem), name)
        if out.is_learner and check is not None:
            try:
                problem = check(out.value)
            except Exception as exc:  # a result too odd to even check
                problem = f"returned something unusable ({type(exc).__name__}: {exc})"
            if problem:
                value = use(getattr(pair.reference, name))
                return kit.Outcome(value, f"reference (your {name} {problem})", False)
        return out

    def run_both(pair, name, use, check=None):
        """The learner's outcome and the reference's, like kit.both (one if the learner's fails)."""
        mine = run_as(pair, name, use, check)
        if not mine.is_learner:
            return [mine]
        return [mine, kit.Outcome(use(getattr(pair.reference, name)), "reference", False)]

    def joint_label(outcomes):
        """One label for a figure drawn with several functions."""
        if all(o.is_learner for o in outcomes.values()):
            return "yours"
        if len({o.label for o in outcomes.values()}) == 1:  # e.g. the file does not import
            return next(iter(outcomes.values())).label
        return "; ".join(f"{name}: {o.label}" for name, o in outcomes.items())

    return (
        batching,
        joint_label,
        json,
        kit,
        lora,
        np,
        run_as,
        run_both,
        streaming,
        threading,
        time,
        wait_for_futures,
    )


@app.cell
def _(kit):
    kit.note(
        "# Day 35 lab: training vs inference\n\n"
        "Serving wants each answer back fast (latency); training and offline jobs want many "
        "items per second (throughput). This lab measures that trade with **your** "
        "`MicroBatcher`, counts the padding your `bucket_by_length` and `pad_batch` save, "
        "times a stream with your SSE parser and a fake clock, and counts LoRA parameters with "
        "your `lora_param_count`. Where a function is still a stub (or fails), the reference "
        "draws instead and the label under the figure says so; where yours runs, the reference "
        "is drawn next to it.\n\n"
        "Open it with `nox -s lab -- day35`; write a static page with "
        "`nox -s lab -- day35 --export` (`progress/labs/day35.html`)."
    )
    return


@app.cell
def _(batching, kit, np, run_both, threading, time, wait_for_futures):
    # The cost model of one model call: a fixed overhead plus a cost per item.
    mb_overhead_s, mb_per_item_s = 0.002, 0.0002
    mb_sizes = [1, 2, 4, 8, 16, 32]
    mb_waits = [0.0, 0.002, 0.008]
    mb_rate = 300.0  # requests per second in the steady stream (Poisson)
    _rng = np.random.default_rng(35)
    _gaps = _rng.exponential(1.0 / mb_rate, 30)
    mb_steady = np.cumsum(_gaps) - _gaps[0]  # arrival offsets (s), the first at 0
    mb_burst = np.zeros(64)  # everything at once: what the server can do at most

    def _close_within(batcher, seconds):
        thread = threading.Thread(target=lambda: _quietly(batcher.close), daemon=True)
        thread.start()
        thread.join(seconds)
        if thread.is_alive():
            raise RuntimeError(f"close() did not return within {seconds:g} s")

    def _quietly(fn):
        try:
            fn()
        except Exception:
            pass  # a stub's close(); the run itself already said what went wrong

    def _serve(cls, size, wait_s, arrivals):
        """Submit one request per arrival offset; latency of each, batch sizes, throughput."""
        finished, batch_sizes, lock = {}, [], threading.Lock()

        def batch_fn(items):
            time.sleep(mb_overhead_s + mb_per_item_s * len(items))
            now = time.monotonic()
            with lock:
                batch_sizes.append(len(items))
                for item in items:
                    finished[item] = now
            return [2 * item for item in items]

        batcher = cls(batch_fn, size, wait_s)
        try:
            submitted, futures = [], []
            start = time.monotonic()
            for index, offset in enumerate(arrivals):
                delay = start + float(offset) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                submitted.append(time.monotonic())
                futures.append(batcher.submit(index))
            _done, late = wait_for_futures(futures, timeout=5.0)
            if late:
                raise RuntimeError(f"{len(late)} of {len(futures)} futures unfinished after 5 s")
            wrong = [i for i, f in enumerate(futures) if f.result() != 2 * i]
            if wrong:
                raise ValueError(f"request {wrong[0]} got {futures[wrong[0]].result()!r}")
        finally:
            _close_within(batcher, 2.0)
        if len(finished) != len(arrivals):
            raise ValueError(f"batch_fn saw {len(finished)} of {len(arrivals)} requests")
        latency = np.array([finished[i] - submitted[i] for i in range(len(arrivals))])
        throughput = len(arrivals) / (max(finished.values()) - submitted[0])
        return latency, float(np.mean(batch_sizes)), throughput

    def _experiment(cls):
        steady = {}
        for _wait in mb_waits:
            for _size in mb_sizes:
                _lat, _mean_batch, _thr = _serve(cls, _size, _wait, mb_steady)
                steady[_size, _wait] = (
                    1e3 * float(np.median(_lat)),
                    1e3 * float(np.percentile(_lat, 95)),
                    _mean_batch,
                )
        # best of three bursts: a busy machine only ever slows a burst down (a sleep overruns,
        # a thread starts late), so the fastest run is the closest to what the batcher can do
        burst = {
            _size: max(_serve(cls, _size, mb_waits[-1], mb_burst)[2] for _ in range(3))
            for _size in mb_sizes
        }
        return {"steady": steady, "burst": burst}

    mb_runs = run_both(batching, "MicroBatcher", _experiment)

    _fig, (_ax_trade, _ax_thr) = kit.plt.subplots(1, 2, figsize=(11, 4))
    _colours = ["tab:blue", "tab:orange", "tab:green"]
    for _run in mb_runs:
        _style = "-" if _run.is_learner or len(mb_runs) == 1 else "--"
        _alpha = 1.0 if _style == "-" else 0.55
        _who = "yours" if _run.is_learner else "reference"
        _burst = _run.value["burst"]
        for _wait, _colour in zip(mb_waits, _colours):
            _x = [_burst[s] for s in mb_sizes]
            _y = [_run.value["steady"][s, _wait][0] for s in mb_sizes]
            _ax_trade.plot(
                _x,
                _y,
                _style,
                marker="o",
                color=_colour,
                alpha=_alpha,
                label=f"{_who}, max_wait {1e3 * _wait:g} ms",
            )
            if _run is mb_runs[0]:
                for _size, _xi, _yi in zip(mb_sizes, _x, _y):
                    _ax_trade.annotate(
                        str(_size),
                        (_xi, _yi),
                        textcoords="offset points",
                        xytext=(4, 4),
                        fontsize=8,
                        color=_colour,
                    )
        _ax_thr.plot(
            mb_sizes,
            [_burst[s] for s in mb_sizes],
            _style,
            marker="o",
            color="black",
            alpha=_alpha,
            label=f"{_who}, measured",
        )
    _ideal = [s / (mb_overhead_s + mb_per_item_s * s) for s in mb_sizes]
    _ax_thr.plot(mb_sizes, _ideal, ":", color="grey", label="cost model b / (c0 + c1·b)")
    _ax_thr.axhline(mb_rate, color="tab:red", lw=0.8, label=f"steady traffic {mb_rate:g}/s")
    _ax_trade.set(
        xlabel="throughput in a burst (requests/s)",
        ylabel="median latency, steady traffic (ms)",
        title="latency against throughput (numbers: max_batch_size)",
    )
    _ax_thr.set(
        xscale="log",
        xlabel="max_batch_size",
        ylabel="requests/s",
        title="throughput of a burst of 64 requests",
    )
    _ax_thr.set_xticks(mb_sizes, [str(s) for s in mb_sizes])
    _ax_trade.legend(fontsize=7)
    _ax_thr.legend(fontsize=7)
    _main = mb_runs[0]
    _rows = [
        (
            s,
            f"{1e3 * w:g}",
            *(round(v, 2) for v in _main.value["steady"][s, w]),
            round(_main.value["burst"][s]),
        )
        for w in mb_waits
        for s in mb_sizes
    ]
    kit.stack(
        kit.note(
            "## Micro-batching: latency against throughput\n\n"
            f"A model call costs {1e3 * mb_overhead_s:g} ms + {1e3 * mb_per_item_s:g} ms per "
            "item (a sleep in `batch_fn`). For each point a `MicroBatcher` serves a steady "
            f"Poisson stream of 30 requests at {mb_rate:g}/s (the latency), then a burst of 64 "
            "at once (the throughput, best of three bursts). Bigger batches share the overhead "
            "(more requests/s); a longer `max_wait_s` makes a lone request wait for company. "
            "The batcher runs on real threads and a real clock, so these numbers move a little "
            "from run to run; "
            "everything else in this lab is exact."
        ),
        kit.figure(_fig, "Micro-batching: latency against throughput", _main.label),
        kit.table(
            [
                "max_batch_size",
                "max_wait (ms)",
                "median latency (ms)",
                "p95 latency (ms)",
                "mean batch",
                "burst throughput (req/s)",
            ],
            _rows,
            f"Micro-batcher runs ({'yours' if _main.is_learner else 'reference'})",
            _main.label,
        ),
    )
    return


@app.cell
def _(batching, joint_label, kit, np, run_as):
    _rng = np.random.default_rng(35)
    pad_lengths = np.clip(_rng.lognormal(3.3, 0.7, 96).astype(int), 2, 256).tolist()
    pad_seqs = [list(range(1, n + 1)) for n in pad_lengths]
    pad_sizes = [1, 2, 4, 8, 16, 32, 96]

    def _chunks(fn):
        return {b: [tuple(c) for c in fn(range(len(pad_seqs)), b)] for b in pad_sizes}

    def _check_chunks(value):
        for b, got in value.items():
            want = [tuple(range(i, min(i + b, len(pad_seqs)))) for i in range(0, len(pad_seqs), b)]
            if got != want:
                return f"returned the wrong chunks for n={b}"
        return None

    def _buckets(fn):
        return {b: [[int(i) for i in c] for c in fn(pad_seqs, b)] for b in pad_sizes}

    def _check_buckets(value):
        for b, got in value.items():
            flat = sorted(i for c in got for i in c)
            if flat != list(range(len(pad_seqs))):
                return f"did not return every index exactly once (batch_size {b})"
            if len(got) != -(-len(pad_seqs) // b) or max(len(c) for c in got) > b:
                return f"returned batches of the wrong number or size (batch_size {b})"
        return None

    def _layouts(chunks, buckets):
        return {"arrival order": chunks.value, "bucket_by_length": buckets.value}

    def _pad_use(layouts):
        def use(fn):
            out = {}
            for name, by_size in layouts.items():
                for b, batches in by_size.items():
                    masks = []
                    for batch in batches:
                        ids, mask = fn([pad_seqs[i] for i in batch], pad_id=0)
                        ids, mask = np.asarray(ids), np.asarray(mask, dtype=bool)
                        if ids.shape != mask.shape or mask.ndim != 2:
                            raise ValueError(f"ids {ids.shape} and mask {mask.shape}")
                        masks.append(mask)
                    out[name, b] = masks
            return out

        return use

    def _check_pad(value):
        for masks in value.values():
            for mask in masks:
                longest = mask.sum(axis=1).max(initial=0)
                if mask.shape[1] != longest:
                    return f"padded to width {mask.shape[1]}, not the longest row {longest}"
        total = sum(int(m.sum()) for m in value["arrival order", 1])
        if total != sum(pad_lengths):
            return f"masked {total} real tokens, the lengths add up to {sum(pad_lengths)}"
        return None

    def _waste(masks):
        cells = sum(m.size for m in masks)
        return 100.0 * (cells - sum(int(m.sum()) for m in masks)) / cells

    pad_parts = {
        "batched": run_as(batching, "batched", _chunks, _check_chunks),
        "bucket_by_length": run_as(batching, "bucket_by_length", _buckets, _check_buckets),
    }
    _layout_mine = _layouts(pad_parts["batched"], pad_parts["bucket_by_length"])
    pad_parts["pad_batch"] = run_as(batching, "pad_batch", _pad_use(_layout_mine), _check_pad)
    pad_masks = pad_parts["pad_batch"].value
    pad_label = joint_label(pad_parts)
    pad_mine = any(o.is_learner for o in pad_parts.values())
    pad_reference = None
    if pad_mine:  # the reference from end to end, next to yours
        _ref = batching.reference
        _layout_ref = {
            "arrival order": _chunks(_ref.batched),
            "bucket_by_length": _buckets(_ref.bucket_by_length),
        }
        pad_reference = _pad_use(_layout_ref)(_ref.pad_batch)

    _fig, _ax = kit.plt.subplots(figsize=(6.5, 4))
    _series = [("yours" if pad_mine else "reference", pad_masks, "-")]
    if pad_reference is not None:
        _series.append(("reference", pad_reference, "--"))
    for _who, _masks, _style in _series:
        for _name, _colour in [("arrival order", "tab:red"), ("bucket_by_length", "tab:blue")]:
            _ax.plot(
                pad_sizes,
                [_waste(_masks[_name, b]) for b in pad_sizes],
                _style,
                marker="o",
                color=_colour,
                label=f"{_who}: {_name}",
            )
    _ax.set(
        xscale="log",
        xlabel="batch (bucket) size",
        ylabel="padding (% of the ids array)",
        title=f"{len(pad_lengths)} sequences, lengths {min(pad_lengths)}-{max(pad_lengths)}",
    )
    _ax.set_xticks(pad_sizes, [str(b) for b in pad_sizes])
    _ax.legend(fontsize=8)
    _headers = ["batch size", "arrival order (%)", "bucket_by_length (%)"]
    if pad_reference is not None:
        _headers += ["reference: arrival order (%)", "reference: bucket_by_length (%)"]
    _rows = []
    for b in pad_sizes:
        _row = [
            b,
            round(_waste(pad_masks["arrival order", b]), 2),
            round(_waste(pad_masks["bucket_by_length", b]), 2),
        ]
        if pad_reference is not None:
            _row += [
                round(_waste(pad_reference["arrival order", b]), 2),
                round(_waste(pad_reference["bucket_by_length", b]), 2),
            ]
        _rows.append(_row)
    kit.stack(
        kit.note(
            "## Padding waste against bucket size\n\n"
            "A batch is padded to its longest row, so every pad id is compute spent on "
            "nothing. The same sequences are chunked in arrival order (`batched`) and grouped "
            "by length (`bucket_by_length`), padded with `pad_batch`, and the padding counted "
            "from its attention mask."
        ),
        kit.figure(_fig, "Padding waste against bucket size", pad_label),
        kit.table(
            _headers, _rows, "Padding waste (% of the padded ids that are padding)", pad_label
        ),
    )
    return pad_label, pad_lengths, pad_masks


@app.cell
def _(kit, np, pad_label, pad_lengths, pad_masks):
    _size = 8
    _fig, _axes = kit.plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    _width = max(pad_lengths)
    for _ax, _name in zip(_axes, ["arrival order", "bucket_by_length"]):
        _rows = []
        for _mask in pad_masks[_name, _size]:
            _grid = np.full((_mask.shape[0], _width), np.nan)  # outside the batch: blank
            _grid[:, : _mask.shape[1]] = _mask  # 1 a real token, 0 padding
            _rows.append(_grid)
        _image = np.vstack(_rows)
        _ax.imshow(_image, aspect="auto", interpolation="nearest", cmap="RdYlBu", vmin=0, vmax=1)
        for _k in range(1, len(_rows)):
            _ax.axhline(_k * _size - 0.5, color="black", lw=0.4)
        _share = 100.0 * np.nansum(_image == 0) / np.sum(~np.isnan(_image))
        _ax.set(
            title=f"{_name}: {_share:.1f} % padding",
            xlabel="position",
            ylabel=f"row (batches of {_size})",
        )
    kit.figure(
        _fig,
        f"The padded batches at batch size {_size} (blue: real tokens, red: padding)",
        pad_label,
    )
    return


@app.cell
def _(joint_label, json, kit, np, run_as, streaming):
    _words = [
        "Batching",
        " buys",
        " throughput;",
        " streaming",
        " hides",
        " latency",
        " behind",
        " the",
        " first",
        " token",
        " ✓",
    ]
    st_text = "".join(_words)
    _events = [(0.30, {"choices": [{"delta": {"role": "assistant"}}]})]
    _events += [
        (0.35 + 0.05 * k, {"choices": [{"delta": {"content": w}}]}) for k, w in enumerate(_words)
    ]
    _t = _events[-1][0]
    _events += [
        (_t + 0.05, {"choices": [{"delta": {}, "finish_reason": "stop"}]}),
        (_t + 0.08, {"choices": [], "usage": {"completion_tokens": len(_words)}}),
    ]
    _rng = np.random.default_rng(35)
    st_chunks = []  # (arrival time, bytes): each event's bytes cut at random places
    for _k, (_when, _payload) in enumerate([*_events, (_t + 0.12, "[DONE]")]):
        _data = _payload if isinstance(_payload, str) else json.dumps(_payload, ensure_ascii=False)
        _end = "\r\n" if _k % 2 else "\n"  # both line endings, cut anywhere
        _wire = ((": keep-alive" + _end) if _k == 3 else "") + f"data: {_data}{_end}{_end}"
        _raw = _wire.encode("utf-8")
        _cuts = set(_rng.choice(np.arange(1, len(_raw)), size=3, replace=False).tolist())
        for _awkward in ("✓".encode(), b"\r\n"):  # always split these two
            if _awkward in _raw:
                _cuts.add(_raw.index(_awkward) + 1)
        _cuts = sorted(_cuts)
        for _a, _b in zip([0, *_cuts], [*_cuts, len(_raw)]):
            st_chunks.append((round(_when, 2), _raw[_a:_b]))
    st_ttft, st_total = 0.35, round(_t + 0.12, 2)
    _ref = streaming.reference
    _ref_events = list(_ref.iter_sse(c for _, c in st_chunks))

    def _docstring_example(timer):
        """The docstring's example: the clock at 100.0, pieces at +0.5, +0.6, +0.8, end at +1.1."""
        now = [100.0]

        def pieces():
            for when, piece in [(100.5, "He"), (100.6, "ll"), (100.8, "o")]:
                now[0] = when
                yield piece
            now[0] = 101.1

        return tuple(timer(pieces(), clock=lambda: now[0]))

    def _docstring_check(got):
        text, first, total, n = got
        close = first is not None and abs(first - 0.5) < 1e-9 and abs(total - 1.1) < 1e-9
        if text == "Hello" and n == 3 and close:
            return None
        return f"returned {got!r} for the docstring's example, not ('Hello', 0.5, 1.1, 3)"

    def _fields(events):
        return [(e.event, e.data, e.id) for e in events]

    def _same(want, what, norm=list):
        def check(got):
            return (
                None if norm(got) == want else f"returned {what} that differ from the reference's"
            )

        return check

    st_parts = {
        "iter_sse": run_as(
            streaming,
            "iter_sse",
            lambda f: list(f(c for _, c in st_chunks)),
            _same(_fields(_ref_events), "events", _fields),
        ),
        "iter_text_deltas": run_as(
            streaming,
            "iter_text_deltas",
            lambda f: list(f(iter(_ref_events))),
            _same(_words, "pieces"),
        ),
        "time_stream": run_as(
            streaming,
            "time_stream",
            _docstring_example,
            _docstring_check,
        ),
    }

    def _timed(sse, deltas, timer):
        now, seen = [0.0], []

        def chunks():
            for when, chunk in st_chunks:
                now[0] = when
                yield chunk

        def recorded(pieces):
            for piece in pieces:
                seen.append((now[0], piece))
                yield piece

        text, first, total, n = timer(recorded(deltas(sse(chunks()))), clock=lambda: now[0])
        return (text, first, total, n), seen

    _reference_run = (_ref.iter_sse, _ref.iter_text_deltas, _ref.time_stream)
    _mine = [o.is_learner for o in st_parts.values()]
    st_runs = []  # (result, pieces with their times, who, label)
    if any(_mine):
        _chosen = [
            getattr(streaming.learner if o.is_learner else _ref, n) for n, o in st_parts.items()
        ]
        _who = "yours" if all(_mine) else "yours, in part"
        _label = "yours" if all(_mine) else joint_label(st_parts)
        try:
            st_runs.append((*_timed(*_chosen), _who, _label))
        except Exception as _exc:
            _why = f"your pipeline raised {type(_exc).__name__}: {_exc}"
            st_runs.append((*_timed(*_reference_run), "reference", f"reference ({_why})"))
    if st_runs and st_runs[0][2] != "reference":
        st_runs.append((*_timed(*_reference_run), "reference", "reference"))
    if not st_runs:
        st_runs.append((*_timed(*_reference_run), "reference", joint_label(st_parts)))
    return st_runs, st_text, st_total, st_ttft


@app.cell
def _(kit, st_runs, st_text, st_total, st_ttft):
    _fig, _ax = kit.plt.subplots(figsize=(8, 3.8))
    _ax.step(
        [0, st_total, st_total + 0.05],
        [0, len(st_text), len(st_text)],
        where="post",
        color="grey",
        label="without streaming: all at the end",
    )
    _rows = []
    for (_result, _seen, _who, _label), _style in zip(st_runs, ["-", "--"]):
        _times = [0.0] + [t for t, _ in _seen] + [st_total + 0.05]
        _counts = [0]
        for _t, _piece in _seen:
            _counts.append(_counts[-1] + len(_piece))
        _counts.append(_counts[-1])
        _ax.step(_times, _counts, _style, where="post", label=f"streamed ({_who})")
        _text, _first, _total, _n = _result
        if _first is not None:
            _ax.axvline(
                _first,
                color="tab:green",
                ls=_style,
                lw=1,
                label=f"time to first token ({_who}) {_first:.2f} s",
            )
        _rows.append([_who, _text, _first, _total, _n])
    _ax.axvline(st_total, color="grey", ls=":", lw=1, label=f"end of the stream {st_total} s")
    _ax.set(
        xlabel="time since the request (s, fake clock)",
        ylabel="characters shown",
        xlim=(0, st_total + 0.05),
    )
    _ax.legend(fontsize=8, loc="upper left")
    kit.stack(
        kit.note(
            "## Streaming: time to first token\n\n"
            "A fake server sends an OpenAI-style stream: a role chunk at 0.30 s, one word every "
            "50 ms from 0.35 s, a finish chunk, a usage chunk and `[DONE]`; each event's bytes "
            "are cut at random places (inside the `✓`, between `\\r` and `\\n`). Your "
            "`iter_sse`, `iter_text_deltas` and `time_stream` read it with a fake clock, so the "
            "times are exact. Streaming does not make the answer finish sooner; it shows the "
            "first word after the time to first token instead of the whole answer at the end."
        ),
        kit.figure(_fig, "Streaming: characters shown against time", st_runs[0][3]),
        kit.table(
            ["whose code", "text", "time to first token (s)", "total (s)", "pieces"],
            _rows,
            f"time_stream on the fake stream (expected: {st_ttft} s and {st_total} s)",
            st_runs[0][3],
        ),
    )
    return


@app.cell
def _(kit):
    lora_rank = kit.mo.ui.slider(1, 64, value=8, label="LoRA rank r for the matrix below")
    kit.stack(kit.note("Choose the LoRA rank the pros/cons matrix uses:"), lora_rank)
    return (lora_rank,)


@app.cell
def _(joint_label, kit, lora, np, run_both):
    lora_layers = [
        ("GPT-2 small attention projection", 768, 768, [4, 8]),
        ("Llama-2-7B q_proj", 4096, 4096, [8, 16, 64]),
        ("Llama-2-7B MLP up_proj", 11008, 4096, [8]),
        ("Llama-2-70B q_proj", 8192, 8192, [16]),
    ]
    _ranks = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    def _is_count(value):
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0

    def _counts(fn):
        shapes = {(o, i, r) for _, o, i, rs in lora_layers for r in rs}
        shapes |= {(4096, 4096, r) for r in _ranks}
        return {s: fn(*s) for s in sorted(shapes)}

    def _check_counts(value):
        bad = [s for s, v in value.items() if not _is_count(v)]
        return f"returned {value[bad[0]]!r} for {bad[0]}" if bad else None

    def _fulls(fn):
        return {(o, i): fn(o, i) for o, i in {(o, i) for _, o, i, _ in lora_layers}}

    def _check_fulls(value):
        bad = [s for s, v in value.items() if not _is_count(v)]
        return f"returned {value[bad[0]]!r} for {bad[0]}" if bad else None

    lora_counts = run_both(lora, "lora_param_count", _counts, _check_counts)
    lora_fulls = run_both(lora, "full_param_count", _fulls, _check_fulls)
    _mine, _full = lora_counts[0], lora_fulls[0]
    _headers = ["layer", "d_out × d_in", "r", f"LoRA params ({_mine.label})"]
    if len(lora_counts) == 2:
        _headers.append("LoRA params (reference)")
    _headers += [f"full fine-tuning params ({_full.label})", "LoRA / full (%)"]
    _rows = []
    for _name, _o, _i, _rs in lora_layers:
        for _r in _rs:
            _row = [_name, f"{_o} × {_i}", _r, int(_mine.value[_o, _i, _r])]
            if len(lora_counts) == 2:
                _row.append(int(lora_counts[1].value[_o, _i, _r]))
            _share = 100.0 * _mine.value[_o, _i, _r] / max(_full.value[_o, _i], 1)
            _row += [int(_full.value[_o, _i]), round(_share, 3)]
            _rows.append(_row)

    _label = joint_label({"lora_param_count": _mine, "full_param_count": _full})
    _fig, _ax = kit.plt.subplots(figsize=(6.5, 4))
    for _out, _style in zip(lora_counts, ["-", "--"]):
        _who = "yours" if _out.is_learner else "reference"
        _ax.plot(
            _ranks,
            [_out.value[4096, 4096, r] for r in _ranks],
            _style,
            marker="o",
            label=f"LoRA: r·(d_in + d_out) ({_who})",
        )
    _ax.axhline(
        _full.value[4096, 4096],
        color="tab:red",
        label=f"full fine-tuning: d_out·d_in ({'yours' if _full.is_learner else 'reference'})",
    )
    _ax.set(
        xscale="log",
        yscale="log",
        xlabel="rank r",
        ylabel="trainable parameters",
        title="one 4096 × 4096 layer",
    )
    _ax.set_xticks(_ranks, [str(r) for r in _ranks])
    _ax.legend(fontsize=8)
    kit.stack(
        kit.note(
            "## LoRA: trainable parameters\n\n"
            "LoRA trains A (r × d_in) and B (d_out × r) next to a frozen W (d_out × d_in): "
            "r·(d_in + d_out) numbers instead of d_out·d_in. The counts come from your "
            "`lora_param_count` and `full_param_count`."
        ),
        kit.figure(_fig, "LoRA trainable parameters against rank", _label),
        kit.table(
            _headers, _rows, "LoRA parameter counts for a few layer shapes and ranks", _label
        ),
    )
    return


@app.cell
def _(joint_label, kit, lora, np, run_as):
    _rng = np.random.default_rng(35)
    _d_out, _d_in, _r, _alpha = 48, 64, 4, 8.0
    _W = _rng.normal(size=(_d_out, _d_in))
    _A = _rng.normal(size=(_r, _d_in))
    _B = _rng.normal(size=(_d_out, _r))
    _x = _rng.normal(size=(5, _d_in))
    _want = _x @ (_W + (_alpha / _r) * _B @ _A).T

    def _shaped(shape):
        return lambda got: None if np.shape(got) == shape else f"returned shape {np.shape(got)}"

    _fwd = run_as(
        lora, "lora_forward", lambda f: np.asarray(f(_x, _W, _A, _B, _alpha)), _shaped(_want.shape)
    )
    _merged = run_as(
        lora, "merge_lora", lambda f: np.asarray(f(_W, _A, _B, _alpha)), _shaped(_W.shape)
    )
    _rows = [
        [
            "lora_forward(x) against x (W + α/r·BA)ᵀ computed here",
            float(np.abs(_fwd.value - _want).max()),
            _fwd.label,
        ],
        [
            "x merge_lora(W)ᵀ against lora_forward(x)",
            float(np.abs(_x @ _merged.value.T - _fwd.value).max()),
            _merged.label if _merged.label == _fwd.label else f"{_merged.label}; {_fwd.label}",
        ],
    ]
    kit.table(
        ["check (48 × 64 layer, r = 4, α = 8)", "max |difference|", "whose code"],
        _rows,
        "Merged and unmerged LoRA give the same outputs",
        joint_label({"lora_forward": _fwd, "merge_lora": _merged}),
    )
    return


@app.cell
def _(joint_label, kit, lora, lora_rank, np, run_as):
    _r = int(lora_rank.value)
    # A Llama-2-7B-like model: 32 blocks of q, k, v, o (4096 × 4096) and gate, up (11008 × 4096),
    # down (4096 × 11008). LoRA on q and v only, the original paper's choice.
    _blocks, _d, _ff = 32, 4096, 11008

    def _counted(values):
        ok = all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in values
        )
        return None if ok else f"returned {values!r}"

    _lora_fn = run_as(lora, "lora_param_count", lambda f: (f(_d, _d, _r),), _counted)
    _full_fn = run_as(
        lora, "full_param_count", lambda f: (f(_d, _d), f(_ff, _d), f(_d, _ff)), _counted
    )
    _lora_total = int(_blocks * 2 * _lora_fn.value[0])
    _full_total = int(_blocks * (4 * _full_fn.value[0] + 2 * _full_fn.value[1] + _full_fn.value[2]))
    _matrix = [
        [
            "trainable parameters (7B-like: 32 blocks; LoRA on q and v)",
            "0",
            f"{_lora_total:,}",
            f"{_full_total:,}",
        ],
        ["share of the linear weights", "0 %", f"{100 * _lora_total / _full_total:.3f} %", "100 %"],
        [
            "stored per task (fp16)",
            "a prompt (kilobytes)",
            f"{2 * _lora_total / 1e6:.1f} MB",
            f"{2 * _full_total / 1e9:.1f} GB",
        ],
        [
            "training",
            "none",
            "adapter gradients and optimizer state only; one GPU",
            "gradients + Adam state for every weight (~16 bytes/param); many GPUs",
        ],
        [
            "data needed",
            "a few examples in the prompt",
            "hundreds to thousands of examples",
            "thousands and more",
        ],
        [
            "inference cost",
            "longer prompts: more prefill latency and tokens per request",
            "none once merged; a thin extra matmul unmerged",
            "none",
        ],
        [
            "many tasks on one server",
            "one model, a prompt per request",
            "one base, an adapter per task (swap or batch adapters)",
            "a full copy per task",
        ],
        [
            "pros",
            "instant to change, no training",
            "cheap, small files, little forgetting",
            "highest ceiling on a big domain shift",
        ],
        [
            "cons",
            "brittle, context limit, tokens cost",
            "some gap on big shifts",
            "cost, a model per task, forgetting",
        ],
        [
            "pick it when",
            "first, always: the baseline",
            "tone, format, many tenants, a budget",
            "lots of data and a big shift",
        ],
    ]
    kit.stack(
        kit.note(
            "## Fine-tuning vs LoRA vs prompting\n\n"
            f"The counts use your `lora_param_count` ({_lora_fn.label}) and `full_param_count` "
            f"({_full_fn.label}) with r = {_r}, on the linear weights of a 7B-like model "
            "(embeddings and norms left out)."
        ),
        kit.table(
            ["", "prompting", f"LoRA (r = {_r}, q and v)", "full fine-tuning"],
            _matrix,
            "Pros/cons matrix: fine-tuning, LoRA and prompting",
            joint_label({"lora_param_count": _lora_fn, "full_param_count": _full_fn}),
        ),
    )
    return


if __name__ == "__main__":
    app.run()
