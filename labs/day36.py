import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import asyncio
    import threading
    import time
    from functools import partial
    from types import SimpleNamespace

    import numpy as np

    from labs import kit

    concurrency = kit.modules("day36", "concurrency.py")
    sampling = kit.modules("day36", "sampling.py")
    quantization = kit.modules("day36", "quantization.py")

    def through(pair, name, runner):
        """``pair`` with ``name`` replaced by ``runner(module, *args)``.

        A whole experiment (a class driven over many calls, a sampling loop, a result
        checked for the right shape) then goes through ``kit.call``: it falls back to
        the reference when the learner's ``name`` is a stub, raises or returns
        garbage, and the label says why.
        """

        def bound(module):
            if module is None or not hasattr(module, name):
                return module
            return SimpleNamespace(**{name: partial(runner, module)})

        return kit.Pair(
            pair.day, pair.file, bound(pair.learner), bound(pair.reference), pair.problem
        )

    def joint_label(outcomes):
        """One label for a figure drawn with several functions."""
        if all(o.is_learner for o in outcomes.values()):
            return "yours"
        if len({o.label for o in outcomes.values()}) == 1:
            return next(iter(outcomes.values())).label
        return "; ".join(f"{name}: {o.label}" for name, o in outcomes.items())

    def softmax(z):
        """Probabilities from logits that may hold -inf (a removed token)."""
        z = np.asarray(z, dtype=float)
        e = np.exp(z - z[np.isfinite(z)].max())
        return e / e.sum()

    def checked_logits(values, size, name):
        """``values`` as a float vector of ``size`` with a token left, or ValueError."""
        out = np.asarray(values, dtype=float)
        if out.shape != (size,):
            raise ValueError(f"{name} returned shape {out.shape}, not ({size},)")
        if not np.isfinite(out).any() or np.isnan(out).any() or np.isposinf(out).any():
            raise ValueError(f"{name} returned no usable logit: {np.round(out, 3).tolist()}")
        return out

    return (
        asyncio,
        checked_logits,
        concurrency,
        joint_label,
        kit,
        np,
        quantization,
        sampling,
        softmax,
        threading,
        through,
        time,
    )


@app.cell
def _(kit):
    kit.note(
        """
    ## What this lab shows

    The pictures below are computed with **your** day 36 code: the token bucket
    under a burst of requests (on a fake clock, so nothing really waits), the
    bounded async fan-out, the LRU cache's hit rate, the sampling pipeline
    (temperature, top-k, top-p and the draws of `sample_next_token`) and int8
    quantisation per tensor against per channel. Where one of your functions is
    still a stub, raises or returns something unusable, the reference draws that
    figure instead and the line under it says so. Everything uses fixed seeds.

    Open it with `nox -s lab -- day36`; `nox -s lab -- day36 --export` writes
    `progress/labs/day36.html`, which opens offline.
    """
    )
    return


@app.cell
def _(concurrency, kit, np, through, time):
    bucket_rate, bucket_capacity, bucket_patience = 5.0, 5.0, 0.5
    _rng = np.random.default_rng(36)
    # requests per second in each phase: calm, a burst at three times the rate, calm
    _phases = [(0.0, 3.0, 3.0), (3.0, 5.0, 15.0), (5.0, 10.0, 2.0)]
    arrivals = np.sort(
        np.concatenate(
            [
                _rng.uniform(start, end, _rng.poisson(per_s * (end - start)))
                for start, end, per_s in _phases
            ]
        )
    )
    burst_window = (3.0, 5.0)

    class FakeClock:
        """``now`` and ``sleep`` for the bucket: sleeping moves the time on at once."""

        READ_LIMIT = 200_000
        REAL_LIMIT_S = 3.0  # the whole run takes milliseconds when the fakes are used

        def __init__(self):
            self.t = 0.0
            self.reads = 0
            self.started = time.perf_counter()

        def check_real_time(self):
            if time.perf_counter() - self.started > self.REAL_LIMIT_S:
                raise RuntimeError(
                    f"the run took over {self.REAL_LIMIT_S:g} s of real time: does the "
                    "bucket use time.sleep or time.monotonic instead of the ones it was given?"
                )

        def now(self):
            self.reads += 1
            if self.reads > self.READ_LIMIT:
                raise RuntimeError(
                    f"the clock was read {self.READ_LIMIT} times: a wait loop that never ends?"
                )
            self.check_real_time()
            return self.t

        def sleep(self, seconds):
            if not seconds >= 0:
                raise ValueError(f"the bucket asked to sleep {seconds!r} s")
            # a real clock always moves on; without this, a wait of 1e-17 s added to
            # t = 5.0 would leave t unchanged and the bucket would ask again forever
            self.t = max(self.t + float(seconds), float(np.nextafter(self.t, np.inf)))

    def run_bucket(module, times, policy):
        """Admission time of each request (NaN: turned away) for one policy.

        One gateway worker takes the requests in arrival order: "drop" asks
        try_acquire once, "wait" calls acquire(), "patience" waits at most
        ``bucket_patience`` s after the request arrived.
        """
        clock = FakeClock()
        bucket = module.TokenBucket(
            bucket_rate, bucket_capacity, clock=clock.now, sleep=clock.sleep
        )
        admitted = np.full(len(times), np.nan)
        for _i, arrival in enumerate(times):
            clock.t = max(clock.t, float(arrival))
            if policy == "drop":
                method, ok = "try_acquire", bucket.try_acquire()
            elif policy == "wait":
                method, ok = "acquire", bucket.acquire()
            else:
                patience = max(0.0, arrival + bucket_patience - clock.t)
                method, ok = "acquire", bucket.acquire(timeout=patience)
            if not isinstance(ok, (bool, np.bool_)):
                raise ValueError(f"{method} returned {ok!r}, not True or False")
            clock.check_real_time()
            if ok:
                admitted[_i] = clock.t
        return admitted

    bucket_pair = through(concurrency, "TokenBucket", run_bucket)
    bucket_runs = {
        policy: kit.both(bucket_pair, "TokenBucket", arrivals, policy)
        for policy in ("drop", "wait", "patience")
    }
    bucket_policies = {
        "drop": "try_acquire (turn away)",
        "wait": "acquire() (queue)",
        "patience": f"acquire(timeout) ({bucket_patience:g} s patience)",
    }
    return (arrivals, bucket_capacity, bucket_policies, bucket_rate, bucket_runs, burst_window)


@app.cell
def _(
    arrivals,
    bucket_capacity,
    bucket_policies,
    bucket_rate,
    bucket_runs,
    burst_window,
    joint_label,
    kit,
    np,
):
    _last = max(
        [10.0]
        + [
            float(np.nanmax(r.value))
            for rs in bucket_runs.values()
            for r in rs
            if np.isfinite(r.value).any()
        ]
    )
    _end = float(np.ceil(_last))
    _fig, (_ax, _ax2) = kit.plt.subplots(1, 2, figsize=(13, 4.3))
    for _a in (_ax, _ax2):
        _a.axvspan(
            *burst_window,
            color="#f3e3c3",
            alpha=0.7,
            label="burst: 15 requests/s" if _a is _ax else None,
        )
    _ax.step(
        np.r_[0, arrivals, _end],
        np.r_[0, np.arange(1, len(arrivals) + 1), len(arrivals)],
        where="post",
        color="grey",
        label="requests arrived",
    )
    _t = np.linspace(0, _end, 50)
    _ax.plot(
        _t,
        bucket_capacity + bucket_rate * _t,
        ":",
        color="black",
        label=f"capacity + rate·t = {bucket_capacity:g} + {bucket_rate:g}·t (the most allowed)",
    )
    _edges = np.arange(0.0, _end + 1.0)
    _ax2.stairs(np.histogram(arrivals, _edges)[0], _edges, color="grey", label="arrived")
    _colours = {"drop": "tab:orange", "wait": "tab:blue"}
    for _policy, _colour in _colours.items():
        for _run in bucket_runs[_policy]:
            _times = np.sort(_run.value[~np.isnan(_run.value)])
            _who = "yours" if _run.is_learner else "reference"
            _main = _run.is_learner or len(bucket_runs[_policy]) == 1
            _style = {
                "color": _colour if _main else "black",
                "lw": 2.2 if _main else 1.0,
                "ls": "-" if _main else "--",
            }
            _ax.step(
                np.r_[0, _times, _end],
                np.r_[0, np.arange(1, len(_times) + 1), len(_times)],
                where="post",
                label=f"admitted, {bucket_policies[_policy]} ({_who})",
                **_style,
            )
            _ax2.stairs(
                np.histogram(_times, _edges)[0],
                _edges,
                label=f"{bucket_policies[_policy]} ({_who})",
                **_style,
            )
    _ax2.axhline(bucket_rate, color="black", lw=1.2, label=f"configured rate: {bucket_rate:g}/s")
    _ax2.axhline(
        bucket_capacity + bucket_rate,
        color="black",
        ls=":",
        label=f"capacity + rate = {bucket_capacity + bucket_rate:g} (most in 1 s)",
    )
    for _a in (_ax, _ax2):
        _a.set_xlim(0, _end)
        _a.set_xlabel("time (s, fake clock)")
    _ax.set_ylabel("requests so far")
    _ax.legend(fontsize=7, loc="upper left")
    _ax.set_title(
        f"token bucket: rate {bucket_rate:g}/s, capacity {bucket_capacity:g}", fontsize=10
    )
    _ax2.set_ylabel("requests in each second")
    _ax2.set_title("throughput, one-second bins", fontsize=10)
    _ax2.legend(fontsize=7, loc="upper right")
    kit.stack(
        kit.note(
            "## Rate limiting: the token bucket under a burst\n\n"
            f"{len(arrivals)} requests arrive (seeded Poisson) at 3/s, then 15/s for two "
            "seconds, then 2/s. One gateway worker takes them in order and asks the bucket. "
            "Your `TokenBucket` gets a fake `clock` and `sleep`: sleeping moves the clock on, "
            "so the whole run takes milliseconds. The full bucket lets the start of the "
            "burst through at once; after that admissions run at the configured rate while "
            "the queue drains (right), and never above the dotted bounds."
        ),
        kit.figure(
            _fig,
            "Admitted requests over time against the configured rate",
            joint_label({bucket_policies[p]: bucket_runs[p][0] for p in ("drop", "wait")}),
        ),
    )
    return


@app.cell
def _(arrivals, bucket_policies, bucket_runs, joint_label, kit, np):
    def _waits(run):
        kept = ~np.isnan(run.value)
        return run.value[kept] - arrivals[kept]

    _fig, _axes = kit.plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    _top = max(
        [1.0]
        + [float(np.max(_waits(r))) for rs in bucket_runs.values() for r in rs if len(_waits(r))]
    )
    _top = min(_top, 30.0)  # a broken bucket can make waits of hours: the last bin takes them
    _bins = np.arange(0, np.ceil(_top * 10) / 10 + 0.1001, 0.1)
    for _ax, _policy in zip(_axes, ("wait", "patience"), strict=True):
        for _run in bucket_runs[_policy]:
            _w = _waits(_run)
            if _run.is_learner or len(bucket_runs[_policy]) == 1:
                _ax.hist(
                    np.minimum(_w, _bins[-1]),
                    bins=_bins,
                    color="tab:blue",
                    alpha=0.8,
                    label="yours" if _run.is_learner else "reference",
                )
            else:
                _ax.hist(
                    np.minimum(_w, _bins[-1]),
                    bins=_bins,
                    histtype="step",
                    color="black",
                    ls="--",
                    label="reference",
                )
        _ax.set_title(bucket_policies[_policy], fontsize=10)
        _ax.set_xlabel("wait before admission (s)")
        _ax.legend(fontsize=8)
    _axes[0].set_ylabel("requests")

    def _rows():
        for _policy, _runs in bucket_runs.items():
            for _run in _runs:
                _w = _waits(_run)
                _admitted = np.sort(_run.value[~np.isnan(_run.value)])
                # the most admissions in any 1 s window (each window starting at an admission)
                _busiest = max(
                    (
                        int(np.searchsorted(_admitted, a + 1.0, side="right") - i)
                        for i, a in enumerate(_admitted)
                    ),
                    default=0,
                )
                yield [
                    bucket_policies[_policy],
                    "yours" if _run.is_learner else "reference",
                    len(arrivals),
                    len(_admitted),
                    len(arrivals) - len(_admitted),
                    float(np.mean(_w)) if len(_w) else 0.0,
                    float(np.percentile(_w, 95)) if len(_w) else 0.0,
                    float(np.max(_w)) if len(_w) else 0.0,
                    _busiest,
                ]

    kit.stack(
        kit.figure(
            _fig,
            "Histogram of waits before admission",
            joint_label({bucket_policies[p]: bucket_runs[p][0] for p in ("wait", "patience")}),
        ),
        kit.table(
            [
                "policy",
                "code",
                "offered",
                "admitted",
                "turned away",
                "mean wait (s)",
                "95th percentile wait (s)",
                "max wait (s)",
                "most admitted in 1 s (bound 10)",
            ],
            list(_rows()),
            "Token bucket policies under the same burst",
            joint_label({bucket_policies[p]: bucket_runs[p][0] for p in bucket_runs}),
        ),
        kit.note(
            "Queueing (`acquire()`) admits everyone but makes the burst wait; a timeout "
            "caps the wait and turns the rest away; `try_acquire` never waits. None of them "
            "admits more than capacity + rate = 10 requests in any second."
        ),
    )
    return


@app.cell
def _(asyncio, concurrency, kit, np, threading, through, time):
    fanout_limit = 3
    _rng = np.random.default_rng(36)
    _durations = _rng.uniform(0.01, 0.04, 12)

    def run_fanout(module, durations, limit):
        """(index, start, end) of each coroutine, in seconds, with gather_limited."""
        spans = {}
        t0 = time.perf_counter()

        def factory(i):
            async def job():
                spans[i] = [time.perf_counter() - t0, None]
                await asyncio.sleep(durations[i])
                spans[i][1] = time.perf_counter() - t0
                return i

            return job

        box = {}

        def loop():  # a fresh event loop in its own thread: marimo may be running one
            try:
                box["value"] = asyncio.run(
                    module.gather_limited([factory(i) for i in range(len(durations))], limit)
                )
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        worker = threading.Thread(target=loop, daemon=True)
        worker.start()
        worker.join(10.0)
        if worker.is_alive():
            raise TimeoutError("gather_limited did not finish within 10 s")
        if "error" in box:
            raise box["error"]
        if list(box["value"]) != list(range(len(durations))):
            raise ValueError(f"returned {box['value']!r}, not the results in input order")
        if len(spans) != len(durations) or any(end is None for _, end in spans.values()):
            raise ValueError("not every coroutine ran to the end")
        return [(i, *spans[i]) for i in range(len(durations))]

    _runs = kit.both(
        through(concurrency, "gather_limited", run_fanout),
        "gather_limited",
        _durations,
        fanout_limit,
    )
    _fig, _axes = kit.plt.subplots(1, len(_runs), figsize=(4.6 * len(_runs), 3.4), squeeze=False)
    for _ax, _run in zip(_axes[0], _runs, strict=True):
        _spans = _run.value
        _ends = [end for _, _, end in _spans]
        for _i, _start, _end in _spans:
            _ax.barh(_i, (_end - _start) * 1000, left=_start * 1000, color="tab:green")
        _events = sorted([(s, 1) for _, s, _ in _spans] + [(e, -1) for _, _, e in _spans])
        _most = max(np.cumsum([d for _, d in _events]))
        _ax.invert_yaxis()
        _ax.set_xlabel("time (ms, wall clock)")
        _ax.set_ylabel("coroutine (input order)")
        _ax.set_title(
            f"{'yours' if _run.is_learner else 'reference'}: limit {fanout_limit}, "
            f"at most {_most} in flight, {max(_ends) * 1000:.0f} ms",
            fontsize=9,
        )
    kit.stack(
        kit.note(
            "## Bounded fan-out: `gather_limited`\n\n"
            f"Twelve coroutines of 10-40 ms (seeded) with a limit of {fanout_limit}: a new one "
            "starts as soon as one finishes, never more than the limit at once. This is how a "
            "gateway keeps its calls to a model server within the server's concurrency."
        ),
        kit.figure(_fig, "Coroutines in flight under gather_limited", _runs[0].label),
    )
    return


@app.cell
def _(concurrency, kit, np, through):
    _rng = np.random.default_rng(36)
    _prompts = 300
    _weights = 1.0 / np.arange(1, _prompts + 1) ** 1.1  # Zipf: a few prompts are very common
    _stream = _rng.choice(_prompts, size=3000, p=_weights / _weights.sum())
    _capacities = [1, 2, 4, 8, 16, 32, 64, 128, 256]
    _miss = object()

    def run_cache(module, stream, capacities):
        """Hit rate of an LRU cache of each capacity on ``stream`` (get, put on a miss)."""
        rates = []
        for capacity in capacities:
            cache = module.LRUCache(capacity)
            hits = 0
            for key in stream:
                found = cache.get(int(key), _miss)
                if found is _miss or found is None:
                    cache.put(int(key), f"answer {key}")
                else:
                    hits += 1
                if len(cache) > capacity:
                    raise ValueError(f"holds {len(cache)} entries with capacity {capacity}")
            rates.append(hits / len(stream))
        return rates

    _runs = kit.both(through(concurrency, "LRUCache", run_cache), "LRUCache", _stream, _capacities)
    _repeats = 1 - len(np.unique(_stream)) / len(_stream)  # a cache that never forgets
    _fig, _ax = kit.plt.subplots(figsize=(6.5, 3.6))
    for _run in _runs:
        _ax.plot(
            _capacities,
            _run.value,
            "o-" if _run.is_learner else "x--",
            color="tab:purple" if _run.is_learner or len(_runs) == 1 else "black",
            label="yours" if _run.is_learner else "reference",
        )
    _ax.axhline(_repeats, color="grey", ls=":", label=f"unbounded cache ({_repeats:.0%})")
    _ax.set_xscale("log", base=2)
    _ax.set_xlabel("cache capacity (entries)")
    _ax.set_ylabel("hit rate")
    _ax.set_ylim(0, 1)
    _ax.legend(fontsize=8)
    kit.stack(
        kit.note(
            "## Caching: LRU hit rate against capacity\n\n"
            f"{len(_stream)} requests over {_prompts} distinct prompts whose popularity "
            "follows a Zipf law (seeded), as real traffic does: a small cache already "
            "catches the popular prompts, and each doubling buys less."
        ),
        kit.figure(_fig, "LRU cache hit rate against capacity", _runs[0].label),
    )
    return


@app.cell
def _(np):
    vocab = ["mat", "floor", "sofa", "bed", "roof", "table", "moon", "piano"]
    toy_logits = np.array([3.0, 2.2, 1.6, 1.6, 0.8, 0.3, -0.5, -1.5])
    return toy_logits, vocab


@app.cell
def _(checked_logits, joint_label, kit, np, sampling, softmax, through, toy_logits, vocab):
    temperatures = [0.5, 1.0, 2.0]

    def _temperature(module, logits, t):
        return checked_logits(
            module.apply_temperature(logits.copy(), t), len(logits), "apply_temperature"
        )

    _pair = through(sampling, "apply_temperature", _temperature)
    _runs = {t: kit.both(_pair, "apply_temperature", toy_logits, t) for t in temperatures}
    _fig, _ax = kit.plt.subplots(figsize=(8, 3.6))
    _x = np.arange(len(vocab))
    _width = 0.8 / len(temperatures)
    for _j, _t in enumerate(temperatures):
        _p = softmax(_runs[_t][0].value)
        _entropy = -np.sum(_p * np.log2(_p))
        _ax.bar(_x + (_j - 1) * _width, _p, _width, label=f"T = {_t:g} ({_entropy:.2f} bits)")
        if len(_runs[_t]) == 2:
            _ax.plot(
                _x + (_j - 1) * _width,
                softmax(_runs[_t][1].value),
                "k_",
                ms=9,
                label="reference" if _j == 0 else None,
            )
    _ax.set_xticks(_x, vocab)
    _ax.set_ylabel("probability")
    _ax.set_title('next word after "the cat sat on the": softmax(logits / T)')
    _ax.legend(fontsize=8)
    kit.stack(
        kit.note(
            "## Sampling: temperature\n\n"
            "A toy vocabulary of eight words with fixed logits. Dividing by T < 1 sharpens "
            "the distribution towards *mat*; T > 1 flattens it towards uniform (3 bits for "
            "eight words). T = 0 is greedy decoding and never divides."
        ),
        kit.figure(
            _fig,
            "Probabilities at several temperatures",
            joint_label({"apply_temperature": _runs[1.0][0]}),
        ),
    )
    return


@app.cell
def _(checked_logits, joint_label, kit, np, sampling, softmax, through, toy_logits, vocab):
    def _filtered(name):
        def run(module, logits, value):
            return checked_logits(getattr(module, name)(logits.copy(), value), len(logits), name)

        return through(sampling, name, run)

    _settings = [
        ("top_k_filter", 2, "top-k = 2"),
        ("top_k_filter", 3, "top-k = 3 (sofa and bed tie: 4 kept)"),
        ("top_p_filter", 0.5, "top-p = 0.5"),
        ("top_p_filter", 0.8, "top-p = 0.8"),
    ]
    _pairs = {"top_k_filter": _filtered("top_k_filter"), "top_p_filter": _filtered("top_p_filter")}
    _runs = [kit.both(_pairs[n], n, toy_logits, v) for n, v, _ in _settings]
    _full = softmax(toy_logits)
    _fig, _axes = kit.plt.subplots(1, len(_settings), figsize=(13, 3.4), sharey=True)
    _x = np.arange(len(vocab))
    for _ax, (_name, _value, _title), _run in zip(_axes, _settings, _runs, strict=True):
        _p = softmax(_run[0].value)
        _ax.bar(_x, _full, color="none", edgecolor="grey", label="before the filter")
        _ax.bar(
            _x,
            _p,
            color="tab:blue",
            alpha=0.85,
            label="kept, renormalised" + (" (yours)" if _run[0].is_learner else ""),
        )
        if len(_run) == 2:
            _ax.plot(_x, softmax(_run[1].value), "k_", ms=10, label="reference")
        _ax.set_xticks(_x, vocab, rotation=60, fontsize=8)
        _ax.set_title(f"{_title}\n{int(np.sum(_p > 0))} of {len(vocab)} kept", fontsize=9)
    _axes[0].set_ylabel("probability (T = 1)")
    _axes[0].legend(fontsize=7, loc="upper right")
    kit.stack(
        kit.note(
            "## Sampling: top-k and top-p\n\n"
            "The filters set the removed logits to `-inf`; the softmax then spreads the "
            "probability over the tokens left. Top-k keeps a fixed number of tokens "
            "(ties at the boundary included); top-p keeps the fewest tokens whose mass "
            "reaches p, including the one that crosses it, so it adapts to how sure the "
            "model is."
        ),
        kit.figure(
            _fig,
            "Probabilities after top-k and top-p filtering",
            joint_label({"top_k_filter": _runs[0][0], "top_p_filter": _runs[2][0]}),
        ),
    )
    return


@app.cell
def _(np, sampling, softmax):
    def expected_probs(logits, temperature, top_k=None, top_p=None):
        """The distribution sample_next_token must draw from, by the reference functions."""
        ref = sampling.reference
        if temperature == 0:
            return np.eye(len(logits))[int(np.argmax(logits))]
        z = ref.apply_temperature(logits, temperature)
        if top_k is not None:
            z = ref.top_k_filter(z, top_k)
        if top_p is not None:
            z = ref.top_p_filter(z, top_p)
        return softmax(z)

    def run_sampler(module, logits, settings, draws, seed):
        """Counts of each token over ``draws`` calls of sample_next_token (one seeded rng)."""
        rng = np.random.default_rng(seed)
        counts = np.zeros(len(logits), dtype=int)
        for _ in range(draws):
            token = module.sample_next_token(logits.copy(), rng, **settings)
            if not isinstance(token, (int, np.integer)) or not 0 <= token < len(logits):
                raise ValueError(f"returned {token!r}, not a token id in [0, {len(logits)})")
            counts[token] += 1
        return counts

    return expected_probs, run_sampler


@app.cell
def _(expected_probs, kit, np, run_sampler, sampling, through, toy_logits, vocab):
    sampler_draws, sampler_seed = 2000, 36
    _settings = [
        ("greedy (T = 0)", {"temperature": 0}),
        ("T = 0.7", {"temperature": 0.7}),
        ("T = 1, top-k = 3", {"temperature": 1.0, "top_k": 3}),
        ("T = 1.5, top-p = 0.8", {"temperature": 1.5, "top_p": 0.8}),
    ]
    _pair = through(sampling, "sample_next_token", run_sampler)
    _runs = [
        kit.both(_pair, "sample_next_token", toy_logits, s, sampler_draws, sampler_seed)
        for _, s in _settings
    ]
    _fig, _axes = kit.plt.subplots(1, len(_settings), figsize=(13, 3.4), sharey=True)
    _x = np.arange(len(vocab))
    _rows = []
    for _ax, (_title, _s), _run in zip(_axes, _settings, _runs, strict=True):
        _p = expected_probs(toy_logits, **_s)
        _w = 0.8 / len(_run)
        for _j, _o in enumerate(_run):
            _freq = _o.value / sampler_draws
            _who = "yours" if _o.is_learner else "reference"
            _ax.bar(
                _x + (_j - (len(_run) - 1) / 2) * _w,
                _freq,
                _w,
                color="tab:blue" if _o.is_learner or len(_run) == 1 else "lightgrey",
                label=f"{_who}: frequency",
            )
            _rows.append(
                [
                    _title,
                    _who,
                    sampler_draws,
                    int(np.sum(_o.value[_p == 0])),
                    float(0.5 * np.abs(_freq - _p).sum()),
                    float(np.abs(_freq - _p).max()),
                ]
            )
        _ax.plot(_x, _p, "k_", ms=12, mew=2, label="probability")
        _ax.set_xticks(_x, vocab, rotation=60, fontsize=8)
        _ax.set_title(_title, fontsize=9)
    _axes[0].set_ylabel(f"frequency in {sampler_draws} draws")
    _axes[0].legend(fontsize=7, loc="upper right")
    kit.stack(
        kit.note(
            "## Sampling: what `sample_next_token` actually draws\n\n"
            f"{sampler_draws} draws per setting from one `numpy` generator seeded "
            f"{sampler_seed}. The bars are the frequencies; the black marks are the "
            "probabilities the pipeline should give (temperature, then top-k, then top-p, "
            "then softmax). A token outside the support must never be drawn."
        ),
        kit.figure(_fig, "Empirical token frequencies from sample_next_token", _runs[0][0].label),
        kit.table(
            [
                "setting",
                "code",
                "draws",
                "draws outside the support",
                "total variation distance",
                "largest |frequency - probability|",
            ],
            _rows,
            "Sampled frequencies against the probabilities",
            _runs[0][0].label,
        ),
    )
    return


@app.cell
def _(kit):
    explore_temperature = kit.mo.ui.slider(0.1, 3.0, step=0.1, value=0.8, label="temperature")
    explore_top_k = kit.mo.ui.slider(1, 8, step=1, value=8, label="top-k (8 = off)")
    explore_top_p = kit.mo.ui.slider(0.05, 1.0, step=0.05, value=0.9, label="top-p (1 = off)")
    kit.stack(
        kit.note(
            "### Try your own settings\n\n"
            "Move the sliders (in `nox -s lab -- day36`); the figure below redraws with your "
            "sampler."
        ),
        explore_temperature,
        explore_top_k,
        explore_top_p,
    )
    return explore_temperature, explore_top_k, explore_top_p


@app.cell
def _(
    expected_probs,
    explore_temperature,
    explore_top_k,
    explore_top_p,
    kit,
    np,
    run_sampler,
    sampler_seed,
    sampling,
    through,
    toy_logits,
    vocab,
):
    _s = {"temperature": float(explore_temperature.value)}
    if explore_top_k.value < len(vocab):
        _s["top_k"] = int(explore_top_k.value)
    if explore_top_p.value < 1.0:
        _s["top_p"] = float(explore_top_p.value)
    _draws = 2000
    _run = kit.call(
        through(sampling, "sample_next_token", run_sampler),
        "sample_next_token",
        toy_logits,
        _s,
        _draws,
        sampler_seed,
    )
    _p = expected_probs(toy_logits, **_s)
    _fig, _ax = kit.plt.subplots(figsize=(7, 3.2))
    _x = np.arange(len(vocab))
    _ax.bar(
        _x,
        _run.value / _draws,
        color="tab:blue",
        label=f"{'your' if _run.is_learner else 'reference'} frequency in {_draws} draws",
    )
    _ax.plot(_x, _p, "k_", ms=12, mew=2, label="probability")
    _ax.set_xticks(_x, vocab)
    _ax.legend(fontsize=8)
    _setting = ", ".join(f"{k} = {v:g}" for k, v in _s.items())
    _ax.set_title(_setting, fontsize=10)
    kit.figure(_fig, f"Your settings: {_setting}", _run.label)
    return


@app.cell
def _(np):
    _rng = np.random.default_rng(36)
    weight = _rng.normal(0.0, 0.05, size=(48, 96))
    outlier_rows = np.array([5, 17, 30])
    weight[outlier_rows] *= 30.0  # a few output channels with weights 30x larger
    ordinary_rows = np.setdiff1d(np.arange(weight.shape[0]), outlier_rows)
    return ordinary_rows, outlier_rows, weight


@app.cell
def _(kit, np, quantization, through, weight):
    def _quantize(module, x, axis):
        q, scale = module.quantize_int8(x.copy(), axis=axis)
        q = np.asarray(q)
        scale = np.asarray(scale, dtype=float)
        if q.shape != x.shape:
            raise ValueError(f"quantize_int8 returned codes of shape {q.shape}, not {x.shape}")
        if not np.issubdtype(q.dtype, np.integer) or q.min() < -127 or q.max() > 127:
            raise ValueError(
                f"quantize_int8 returned codes of dtype {q.dtype} in "
                f"[{q.min()}, {q.max()}], not int8 in [-127, 127]"
            )
        if np.broadcast_shapes(scale.shape, x.shape) != x.shape or not np.all(scale > 0):
            raise ValueError(
                f"quantize_int8 returned a scale of shape {scale.shape} that "
                f"does not broadcast over {x.shape} or is not > 0"
            )
        return q, scale

    def _dequantize(module, q, scale):
        back = np.asarray(module.dequantize_int8(q.copy(), scale.copy()), dtype=float)
        if back.shape != q.shape:
            raise ValueError(f"dequantize_int8 returned shape {back.shape}, not {q.shape}")
        return back

    _q_pair = through(quantization, "quantize_int8", _quantize)
    _d_pair = through(quantization, "dequantize_int8", _dequantize)

    def _scheme(axis):
        """Yours (with the reference for a function still missing) and, if any of yours
        ran, the reference's round trip: (source, codes, scale, error) with labels."""
        q = kit.call(_q_pair, "quantize_int8", weight, axis)
        d = kit.call(_d_pair, "dequantize_int8", *q.value)
        runs = [
            (
                "yours" if q.is_learner or d.is_learner else "reference",
                q.value[0],
                q.value[1],
                d.value - weight,
            )
        ]
        if q.is_learner or d.is_learner:
            rq, rs = quantization.reference.quantize_int8(weight, axis=axis)
            runs.append(
                ("reference", rq, rs, quantization.reference.dequantize_int8(rq, rs) - weight)
            )
        return runs, {"quantize_int8": q, "dequantize_int8": d}

    quant_runs = {"per tensor": _scheme(None), "per channel (axis 0)": _scheme(0)}
    return (quant_runs,)


@app.cell
def _(joint_label, kit, np, ordinary_rows, outlier_rows, quant_runs, weight):
    _fig, (_ax1, _ax3, _ax2) = kit.plt.subplots(1, 3, figsize=(15, 4))
    _colours = {"per tensor": "tab:red", "per channel (axis 0)": "tab:blue"}
    _errors = [r[3] for runs, _ in quant_runs.values() for r in runs]
    _bound = max(float(np.max(np.abs(e))) for e in _errors)
    _bins = np.linspace(-_bound, _bound, 61)
    _tiny = max(min(float(np.min(np.abs(e[e != 0]))) for e in _errors if np.any(e != 0)), 1e-12)
    _log_bins = np.geomspace(_tiny, max(_bound, 2 * _tiny), 61)
    _rows = np.arange(weight.shape[0])
    for _name, (_runs, _) in quant_runs.items():
        for _src, _q, _scale, _err in _runs:
            _main = _src == "yours" or len(_runs) == 1
            _tag = f"{_name} ({_src})"
            _abs = np.abs(_err.ravel())
            if _main:
                _ax1.hist(_err.ravel(), bins=_bins, color=_colours[_name], alpha=0.55, label=_tag)
                _ax3.hist(
                    _abs[_abs > 0], bins=_log_bins, color=_colours[_name], alpha=0.55, label=_tag
                )
            else:
                _ax1.hist(
                    _err.ravel(), bins=_bins, histtype="step", color="black", ls="--", label=_tag
                )
                _ax3.hist(
                    _abs[_abs > 0],
                    bins=_log_bins,
                    histtype="step",
                    color="black",
                    ls="--",
                    label=_tag,
                )
            _half = np.broadcast_to(np.asarray(_scale) / 2, weight.shape).max(axis=1)
            _ax2.plot(
                _rows,
                np.max(np.abs(_err), axis=1),
                "o" if _main else "x",
                ms=4 if _main else 5,
                color=_colours[_name] if _main else "black",
                label=f"max |error|, {_tag}",
            )
            if _main:
                _ax2.plot(
                    _rows, _half, "-", color=_colours[_name], lw=1, label=f"scale / 2, {_name}"
                )
    _ax3.set_xscale("log")
    _ax3.set_xlabel("|error| (log scale; exact zeros left out)")
    _ax3.set_title("the same errors by size", fontsize=10)
    _ax3.legend(fontsize=7, loc="upper left")
    _ax1.set_yscale("log")
    _ax1.set_xlabel("dequantised - original weight")
    _ax1.set_ylabel("weights")
    _ax1.set_title(f"round-trip error of all {weight.size} weights", fontsize=10)
    for _r in outlier_rows:
        _ax2.axvline(_r, color="grey", lw=0.6, ls=":")
    _ax2.set_yscale("log")
    _ax2.set_xlabel(f"output row (dotted: outlier rows {', '.join(map(str, outlier_rows))})")
    _ax2.set_ylabel("|error|")
    _ax2.set_title("per-row worst error against the scale / 2 bound", fontsize=10)
    _ax2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    _label = joint_label(quant_runs["per channel (axis 0)"][1])

    def _table_rows():
        for _name, (_runs, _) in quant_runs.items():
            for _src, _q, _scale, _err in _runs:
                _half = np.broadcast_to(np.asarray(_scale) / 2, weight.shape)
                _ord = _err[ordinary_rows]
                yield [
                    _name,
                    _src,
                    int(np.size(_scale)),
                    float(np.max(np.abs(_err))),
                    float(np.sqrt(np.mean(_err**2))),
                    float(np.sqrt(np.mean(_ord**2)) / np.sqrt(np.mean(weight[ordinary_rows] ** 2))),
                    float(np.median([len(np.unique(_q[r])) for r in ordinary_rows])),
                    "yes" if np.all(np.abs(_err) <= _half * (1 + 1e-9)) else "NO",
                ]

    kit.stack(
        kit.note(
            "## Quantisation: int8 per tensor against per channel\n\n"
            f"A fixed random weight matrix {weight.shape[0]}×{weight.shape[1]} (normal, "
            f"σ = 0.05, seed 36) whose rows {', '.join(map(str, outlier_rows))} are 30 times "
            "larger, like the outlier channels of real LLM weights. With one scale for the "
            "whole tensor the outliers set the step for every row, so the ordinary rows get "
            "a handful of codes and a large error; one scale per output row gives each row "
            "its own step. Every error stays within its scale / 2."
        ),
        kit.figure(_fig, "int8 quantisation errors, per tensor against per channel", _label),
        kit.table(
            [
                "scheme",
                "code",
                "scales",
                "max |error|",
                "RMS error",
                "RMS error / RMS weight, ordinary rows",
                "codes used per ordinary row (median)",
                "every error within scale / 2",
            ],
            list(_table_rows()),
            "Round-trip error of quantize_int8 then dequantize_int8",
            _label,
        ),
    )
    return


if __name__ == "__main__":
    app.run()
