import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import math
    import time
    from types import SimpleNamespace

    import numpy as np

    from labs import kit

    vectors = kit.modules("day32", "vector_ops.py")
    probability = kit.modules("day32", "probability.py")

    def compare(pair, name, use, check=None):
        """Outcomes of ``use(fn)`` for the learner's ``name`` and the reference's (like
        ``kit.both``). A learner's function that is a stub or raises falls back to the
        reference with kit's label; so does one whose result ``check`` rejects (``check``
        returns None when the value is usable, else a few words saying what is wrong)."""

        def through(module):
            if module is None or not hasattr(module, name):
                return SimpleNamespace()
            return SimpleNamespace(**{name: lambda: use(getattr(module, name))})

        learner = None if pair.learner is None else through(pair.learner)
        proxy = kit.Pair(pair.day, pair.file, learner, through(pair.reference), pair.problem)
        found = kit.both(proxy, name)
        if found[0].is_learner and check is not None:
            try:
                problem = check(found[0].value)
            except Exception as exc:  # a check that trips over garbage is a rejection too
                problem = f"returned something unusable ({type(exc).__name__})"
            if problem:
                return [kit.Outcome(found[1].value, f"reference (your {name} {problem})", False)]
        return found

    def joint(*groups):
        """One label for a figure drawn with several functions' outcomes."""
        others = []
        for group in groups:
            label = group[0].label
            if label != "yours" and label not in others:
                others.append(label)
        if not others:
            return "yours"
        if len(others) == len(groups):
            return "; ".join(others)
        return "yours, except " + "; ".join(others)

    def shape_problem(value, shape):
        """None when ``value`` is a finite float array of ``shape``, else what is wrong."""
        arr = np.asarray(value, dtype=float)
        if arr.shape != tuple(shape):
            return f"returned shape {arr.shape}, expected {tuple(shape)}"
        if not np.isfinite(arr).all():
            return "returned nan or inf"
        return None

    def best_time(fn, *args, floor=0.002):
        """Seconds per call of ``fn(*args)``: best of 3 runs, each at least ``floor`` s long
        (a tiny call is repeated so that the clock can see it)."""
        number = 1
        while True:
            start = time.perf_counter()
            for _ in range(number):
                fn(*args)
            took = time.perf_counter() - start
            if took >= floor or number >= 1 << 16:
                break
            number *= 4
        runs = [took]
        for _ in range(2):
            start = time.perf_counter()
            for _ in range(number):
                fn(*args)
            runs.append(time.perf_counter() - start)
        return min(runs) / number

    return (
        best_time,
        compare,
        joint,
        kit,
        math,
        np,
        probability,
        shape_problem,
        vectors,
    )


@app.cell
def _(kit):
    kit.note(
        """
# Day 32 lab: probability and linear algebra as pictures

Every picture below is computed with **your** `exercises/day32` code: your sampler,
your Gaussian density, your Bayes update, your cosine similarity, your pure-Python and
numpy vector operations. Where a function is still a stub (or raises, or returns
something unusable) the lab uses the reference instead, and the line under the figure
says so. Where yours runs, the reference is drawn next to it for comparison.

Open it live with `nox -s lab -- day32`, or write a static page with
`nox -s lab -- day32 --export` (`progress/labs/day32.html`, viewable offline).
"""
    )
    return


@app.cell
def _(kit):
    draws = kit.mo.ui.slider(500, 20000, step=500, value=4000, label="number of draws")
    kit.stack(
        kit.note(
            """
## Sampled distributions against their densities

Draw many samples, histogram them, and the histogram should hug the density it was
drawn from. The categorical draws are **your `sample_categorical`**. Day 32 has no
Gaussian sampler, so the Gaussian samples come from numpy's `rng.normal`; the curves
over them are **your `gaussian_pdf`**, and in the mixture your sampler picks which
component each draw comes from.
"""
        ),
        draws,
    )
    return (draws,)


@app.cell
def _(compare, draws, kit, np, probability):
    _probs = np.array([0.05, 0.20, 0.0, 0.35, 0.10, 0.30])
    _n = int(draws.value)

    def _check(value):
        arr = np.asarray(value)
        if arr.shape != (_n,):
            return f"returned shape {arr.shape}, expected ({_n},)"
        if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= len(_probs):
            return "returned something other than indices 0..K-1"
        return None

    _found = compare(
        probability,
        "sample_categorical",
        lambda f: np.asarray(f(_probs, _n, np.random.default_rng(32))),
        _check,
    )
    _fig, _ax = kit.plt.subplots(figsize=(7, 3.4))
    _k = np.arange(len(_probs))
    _width = 0.8 / len(_found)
    for _i, _out in enumerate(_found):
        _freq = np.bincount(_out.value, minlength=len(_probs)) / _n
        _name = "yours" if _out.is_learner else "reference"
        _gap = np.abs(_freq - _probs).max()
        _ax.bar(
            _k - 0.4 + _width * (_i + 0.5),
            _freq,
            _width,
            alpha=0.75,
            label=f"{_name}: share of {_n} draws (max gap {_gap:.3f})",
        )
    _ax.scatter(
        _k, _probs, marker="_", s=900, color="black", linewidths=2.5, zorder=3, label="probs[i]"
    )
    _ax.set_xticks(_k)
    _ax.set_ylim(0, 0.5)
    _ax.set_xlabel("index i (probs[2] = 0: it must never be drawn)")
    _ax.set_ylabel("probability / share")
    _ax.legend(fontsize=8)
    _ax.set_title("sample_categorical(probs, n, default_rng(32))")
    kit.figure(
        _fig,
        "Categorical draws from sample_categorical against probs",
        _found[0].label,
    )
    return


@app.cell
def _(compare, draws, joint, kit, np, probability, shape_problem):
    _n = int(draws.value)
    _grid = np.linspace(-6.0, 8.0, 400)
    _weights = np.array([0.3, 0.5, 0.2])
    _mus, _sigmas = np.array([-2.0, 1.0, 4.0]), np.array([0.6, 0.9, 0.5])

    def _densities(f):
        single = np.asarray(f(_grid, 1.0, 2.0), dtype=float)
        parts = [np.asarray(f(_grid, m, s), dtype=float) for m, s in zip(_mus, _sigmas)]
        return single, parts

    def _check_pdf(value):
        single, parts = value
        for arr in (single, *parts):
            problem = shape_problem(arr, _grid.shape)
            if problem:
                return problem
            if (arr < 0).any():
                return "returned a negative density"
        return None

    def _check_pick(value):
        arr = np.asarray(value)
        if arr.shape != (_n,) or not np.issubdtype(arr.dtype, np.integer):
            return f"returned shape {arr.shape}, expected ({_n},) integers"
        if arr.min() < 0 or arr.max() >= len(_weights):
            return "returned indices outside 0..K-1"
        return None

    _pdf = compare(probability, "gaussian_pdf", _densities, _check_pdf)
    _pick = compare(
        probability,
        "sample_categorical",
        lambda f: np.asarray(f(_weights, _n, np.random.default_rng(7))),
        _check_pick,
    )
    _noise = np.random.default_rng(8)
    _plain = _noise.normal(1.0, 2.0, _n)  # numpy's sampler: day 32 has none for Gaussians
    _comp = _pick[0].value
    _mixed = _mus[_comp] + _sigmas[_comp] * _noise.standard_normal(_n)

    _fig, (_left, _right) = kit.plt.subplots(1, 2, figsize=(11, 3.6))
    _left.hist(_plain, bins=50, density=True, color="0.8", label=f"{_n} numpy draws")
    _right.hist(
        _mixed,
        bins=70,
        density=True,
        color="0.8",
        label=f"{_n} draws (component: {'your' if _pick[0].is_learner else 'reference'} "
        "sample_categorical)",
    )
    for _out in _pdf:
        _style = "-" if _out.is_learner else "--"
        _name = "yours" if _out.is_learner else "reference"
        _single, _parts = _out.value
        _mix = sum(w * p for w, p in zip(_weights, _parts))
        _left.plot(_grid, _single, _style, lw=2, label=f"gaussian_pdf(x, 1, 2): {_name}")
        _right.plot(_grid, _mix, _style, lw=2, label=f"Σ w·gaussian_pdf: {_name}")
    _left.set_title("N(1, 2²): samples and density")
    _right.set_title("mixture 0.3·N(-2, .6²) + 0.5·N(1, .9²) + 0.2·N(4, .5²)")
    for _ax in (_left, _right):
        _ax.set_xlabel("x")
        _ax.legend(fontsize=8, loc="upper left")
    _left.set_ylabel("density")
    kit.figure(
        _fig,
        "Gaussian samples against gaussian_pdf, and a mixture picked by sample_categorical",
        joint(_pdf, _pick),
    )
    return


@app.cell
def _(kit):
    prevalence = kit.mo.ui.slider(0.001, 0.2, step=0.001, value=0.01, label="prevalence")
    kit.stack(
        kit.note(
            """
## A Bayes update: prior → posterior

**A medical test.** A disease with the chosen prevalence, a test with 90 % sensitivity
and 5 % false positives. Each positive result is one call of **your `bayes_posterior`**,
and its posterior is the prior of the next test.
"""
        ),
        prevalence,
    )
    return (prevalence,)


@app.cell
def _(compare, kit, np, prevalence, probability):
    _p = float(prevalence.value)
    _likelihood = [0.9, 0.05]  # P(positive | ill), P(positive | healthy)
    _steps = ["prior", "after 1 positive", "after 2 positives", "after 3 positives"]

    def _chain(f):
        belief = np.array([_p, 1.0 - _p])
        out = [belief]
        for _ in range(3):
            belief = np.asarray(f(belief, _likelihood), dtype=float)
            out.append(belief)
        return np.array(out)

    def _check(value):
        arr = np.asarray(value, dtype=float)
        if arr.shape != (4, 2) or not np.isfinite(arr).all():
            return f"returned posteriors of shape {arr.shape[1:]}, expected (2,)"
        if not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6) or (arr < 0).any():
            return "returned a posterior that is not a distribution"
        return None

    _found = compare(probability, "bayes_posterior", _chain, _check)
    _fig, _ax = kit.plt.subplots(figsize=(8, 3.4))
    _x = np.arange(len(_steps))
    _width = 0.8 / len(_found)
    for _i, _out in enumerate(_found):
        _ill = _out.value[:, 0]
        _name = "yours" if _out.is_learner else "reference"
        _bars = _ax.bar(_x - 0.4 + _width * (_i + 0.5), _ill, _width, label=_name)
        _ax.bar_label(_bars, labels=[f"{v:.3f}" for v in _ill], fontsize=8)
    _ax.set_xticks(_x, _steps)
    _ax.set_ylim(0, 1.1)
    _ax.set_ylabel("P(ill)")
    _ax.set_title(f"prevalence {_p:g}, P(+ | ill) = 0.9, P(+ | healthy) = 0.05")
    _ax.legend(fontsize=8, loc="upper left")
    kit.figure(
        _fig,
        "Bayes update of P(ill) after each positive test, with bayes_posterior",
        _found[0].label,
    )
    return


@app.cell
def _(compare, joint, kit, math, np, probability):
    _theta = np.linspace(0.0025, 0.9975, 399)  # hypotheses: the coin's P(heads)
    _step = _theta[1] - _theta[0]

    def _beta_density(a, b):
        """Beta(a, b) density, computed by the lab (day 32 has no Beta pdf)."""
        log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        return np.exp(log_norm + (a - 1) * np.log(_theta) + (b - 1) * np.log(1 - _theta))

    _flips = compare(
        probability,
        "sample_categorical",
        lambda f: np.asarray(f([0.3, 0.7], 100, np.random.default_rng(3))),
        lambda v: (
            None
            if np.asarray(v).shape == (100,) and set(np.unique(v)) <= {0, 1}
            else "returned something other than 100 indices in {0, 1}"
        ),
    )[0]
    _heads = np.asarray(_flips.value)
    _checkpoints = [0, 5, 20, 100]

    def _sequence(f):
        belief = _beta_density(2, 2) * _step  # prior Beta(2, 2) as masses on the grid
        out, seen = [belief / belief.sum()], 0
        for n in _checkpoints[1:]:
            h = int(_heads[seen:n].sum())
            t = (n - seen) - h
            belief = np.asarray(f(belief, _theta**h * (1 - _theta) ** t), dtype=float)
            out.append(belief)
            seen = n
        # the worked example: a uniform prior, then 7 heads and 3 tails
        uniform = np.full(_theta.shape, 1.0 / _theta.size)
        out.append(np.asarray(f(uniform, _theta**7 * (1 - _theta) ** 3), dtype=float))
        return np.array(out)

    def _check_grid(value):
        arr = np.asarray(value, dtype=float)
        if arr.shape != (len(_checkpoints) + 1, _theta.size) or not np.isfinite(arr).all():
            return f"returned a posterior of shape {arr.shape[1:]}, expected ({_theta.size},)"
        if not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6):
            return "returned a posterior that does not sum to 1"
        return None

    _grid = compare(probability, "bayes_posterior", _sequence, _check_grid)

    def _check_pair(value):
        a, b = (float(v) for v in value)
        return None if a > 0 and b > 0 else "returned a parameter that is not a positive number"

    _update = compare(probability, "beta_binomial_update", lambda f: f(1, 1, 7, 3), _check_pair)
    _a, _b = (float(v) for v in _update[0].value)
    _mean = compare(
        probability,
        "beta_mean",
        lambda f: float(f(_a, _b)),
        lambda v: None if 0 < v < 1 else f"returned {v!r}, not in (0, 1)",
    )

    _fig, (_left, _right) = kit.plt.subplots(1, 2, figsize=(11, 3.8))
    _shades = kit.plt.cm.viridis(np.linspace(0, 0.85, len(_checkpoints)))
    for _n, _row, _colour in zip(_checkpoints, _grid[0].value, _shades):
        _h = int(_heads[:_n].sum())
        _tag = "prior Beta(2, 2)" if _n == 0 else f"after {_n} flips ({_h} heads)"
        _left.plot(_theta, _row / _step, color=_colour, lw=2, label=_tag)
    _left.axvline(0.7, color="0.5", ls=":", label="true P(heads) = 0.7")
    _left.set_title("grid posterior, one bayes_posterior call per batch")
    _left.set_xlabel("θ = P(heads)")
    _left.set_ylabel("density")
    _left.legend(fontsize=8, loc="upper left")

    for _out in _grid:
        _name = "yours" if _out.is_learner else "reference"
        _right.plot(
            _theta,
            _out.value[-1] / _step,
            "-" if _out.is_learner else ":",
            lw=2.5,
            label=f"grid: bayes_posterior, {_name}",
        )
    _right.plot(
        _theta,
        _beta_density(_a, _b),
        "--",
        color="black",
        lw=1.5,
        label=f"Beta({_a:g}, {_b:g}) from beta_binomial_update",
    )
    _right.plot(_theta, np.ones_like(_theta), color="0.6", lw=1, label="prior Beta(1, 1)")
    _right.axvline(_mean[0].value, color="C3", ls="-.", label=f"beta_mean = {_mean[0].value:.4f}")
    _right.set_ylim(0, 4.6)  # room for the legend above the curve
    _right.set_title("7 heads, 3 tails: grid Bayes = conjugate Beta")
    _right.set_xlabel("θ = P(heads)")
    _right.legend(fontsize=8, loc="upper left")
    kit.figure(
        _fig,
        "Coin bias: prior to posterior on a grid (bayes_posterior) and as a Beta "
        "(beta_binomial_update, beta_mean)",
        joint(_grid, _update, _mean, [_flips]),
    )
    return


@app.cell
def _(compare, kit, np, vectors):
    words = [
        "king",
        "queen",
        "prince",
        "princess",
        "man",
        "woman",
        "lion",
        "cat",
        "dog",
        "apple",
        "banana",
    ]
    # toy features: royal, human, male, female, animal, fruit, yellow
    word_vectors = [
        [0.9, 0.8, 0.9, 0.05, 0.0, 0.0, 0.1],
        [0.9, 0.8, 0.05, 0.9, 0.0, 0.0, 0.1],
        [0.7, 0.8, 0.8, 0.1, 0.0, 0.0, 0.05],
        [0.7, 0.8, 0.1, 0.8, 0.0, 0.0, 0.05],
        [0.05, 0.9, 0.9, 0.05, 0.1, 0.0, 0.0],
        [0.05, 0.9, 0.05, 0.9, 0.1, 0.0, 0.0],
        [0.5, 0.0, 0.5, 0.2, 0.9, 0.0, 0.4],
        [0.0, 0.05, 0.3, 0.3, 0.9, 0.0, 0.1],
        [0.0, 0.1, 0.4, 0.2, 0.9, 0.0, 0.1],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.9, 0.1],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.8, 0.7],
    ]

    def _matrix(f):
        return [[f(a, b) for b in word_vectors] for a in word_vectors]

    def _check(value):
        arr = np.asarray(value, dtype=float)
        if arr.shape != (len(words),) * 2 or not np.isfinite(arr).all():
            return f"returned a matrix of shape {arr.shape} or nan"
        if np.abs(arr).max() > 1.0 + 1e-9:
            return "returned a value outside [-1, 1]"
        return None

    _found = compare(vectors, "cosine_similarity", _matrix, _check)
    _fig, _axes = kit.plt.subplots(1, len(_found), figsize=(6.2 * len(_found), 5.4), squeeze=False)
    for _ax, _out in zip(_axes[0], _found):
        _m = np.asarray(_out.value, dtype=float)
        _image = _ax.imshow(_m, cmap="RdBu_r", vmin=-1, vmax=1)
        for (_r, _c), _v in np.ndenumerate(_m):
            _ax.text(
                _c,
                _r,
                f"{_v:.2f}",
                ha="center",
                va="center",
                fontsize=6.5,
                color="white" if abs(_v) > 0.6 else "black",
            )
        _ticks = np.arange(len(words))
        _ax.set_xticks(_ticks, words, rotation=60, fontsize=8)
        _ax.set_yticks(_ticks, words, fontsize=8)
        _ax.set_title("yours" if _out.is_learner else "reference")
    _fig.colorbar(_image, ax=list(_axes[0]), shrink=0.8, label="cosine similarity")
    kit.stack(
        kit.note(
            """
## Cosine similarity heat map

Eleven toy word vectors with seven hand-made features (royal, human, male, female,
animal, fruit, yellow), compared pair by pair with **your `cosine_similarity`** on
plain lists. Related words point the same way; words that share no feature are at 0.
"""
        ),
        kit.figure(
            _fig,
            "Cosine similarity heat map of toy word vectors, with cosine_similarity",
            _found[0].label,
        ),
    )
    return word_vectors, words


@app.cell
def _(compare, kit, np, vectors, word_vectors, words):
    _k = 5
    _M = np.array(word_vectors)

    def _check(value):
        idx, scores = (np.asarray(v) for v in value)
        if idx.shape != (_k,) or scores.shape != (_k,):
            return f"returned arrays of shapes {idx.shape} and {scores.shape}, expected ({_k},)"
        if not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= len(words):
            return "returned row indices outside the matrix"
        return None

    _found = compare(vectors, "top_k_similar", lambda f: f(_M[0], _M, _k), _check)
    _headers = ["rank"]
    for _out in _found:
        _name = "yours" if _out.is_learner else "reference"
        _headers += [f"word ({_name})", f"cosine ({_name})"]
    _rows = []
    for _r in range(_k):
        _row = [_r + 1]
        for _out in _found:
            _idx, _scores = _out.value
            _row += [words[int(_idx[_r])], float(_scores[_r])]
        _rows.append(_row)
    kit.table(_headers, _rows, "Nearest words to 'king' by top_k_similar (k = 5)", _found[0].label)
    return


@app.cell
def _(best_time, compare, joint, kit, np, vectors):
    _rng = np.random.default_rng(0)
    _dot_n = [10, 30, 100, 300, 1000, 3000, 10000]
    _cos_n = [10, 30, 100, 300, 1000]
    _mat_n = [4, 8, 16, 32, 64]
    _dim = 32

    _dot_in = [(_rng.standard_normal(n), _rng.standard_normal(n)) for n in _dot_n]
    _query = _rng.standard_normal(_dim)
    _cos_in = [_rng.standard_normal((n, _dim)) for n in _cos_n]
    _mat_in = [(_rng.standard_normal((n, n)), _rng.standard_normal((n, n))) for n in _mat_n]

    def _timed(name, count, run, sample, expected):
        """Timings (seconds per call) of the learner's ``name``, falling back to the
        reference when it raises or gets ``sample`` wrong (a wrong answer can be fast)."""

        def use(f):
            return [run(f, i) for i in range(count)], sample(f)

        def check(value):
            times, got = value
            if len(times) != count or not all(np.isfinite(t) and t > 0 for t in times):
                return "could not be timed"
            got = np.asarray(got, dtype=float)
            if got.shape != np.shape(expected) or not np.allclose(got, expected, atol=1e-9):
                return "gave a wrong result, so it was not timed"
            return None

        return [
            kit.Outcome(o.value[0], o.label, o.is_learner)
            for o in compare(vectors, name, use, check)
        ]

    _a, _b = _dot_in[0]
    _dot = _timed(
        "dot",
        len(_dot_n),
        lambda f, i: best_time(f, _dot_in[i][0].tolist(), _dot_in[i][1].tolist()),
        lambda f: f(_a.tolist(), _b.tolist()),
        _a @ _b,
    )
    _rows0 = _cos_in[0]
    _cos0 = _rows0 @ _query / np.linalg.norm(_rows0, axis=1) / np.linalg.norm(_query)
    _loop = _timed(
        "cosine_similarity",
        len(_cos_n),
        lambda f, i: best_time(
            lambda q, rows: [f(q, r) for r in rows], _query.tolist(), _cos_in[i].tolist()
        ),
        lambda f: [f(_query.tolist(), r) for r in _rows0.tolist()],
        _cos0,
    )
    _pairwise = _timed(
        "pairwise_cosine",
        len(_cos_n),
        lambda f, i: best_time(f, _query[None, :], _cos_in[i]),
        lambda f: f(_query[None, :], _rows0),
        _cos0[None, :],
    )
    _A, _B = _mat_in[0]
    _mat = _timed(
        "matmul",
        len(_mat_n),
        lambda f, i: best_time(f, _mat_in[i][0].tolist(), _mat_in[i][1].tolist()),
        lambda f: f(_A.tolist(), _B.tolist()),
        _A @ _B,
    )
    _np_dot = [best_time(np.dot, a, b) for a, b in _dot_in]
    _np_mat = [best_time(np.matmul, A, B) for A, B in _mat_in]

    _fig, _axes = kit.plt.subplots(1, 3, figsize=(13, 3.9))
    _panels = [
        (
            _axes[0],
            _dot_n,
            [("dot on lists", "C0", _dot)],
            [("numpy a @ b", "C1", _np_dot)],
            "dot of two length-n vectors",
        ),
        (
            _axes[1],
            _cos_n,
            [
                ("cosine_similarity, row by row", "C0", _loop),
                ("pairwise_cosine (numpy)", "C1", _pairwise),
            ],
            [],
            f"cosine of a query against n rows (d = {_dim})",
        ),
        (
            _axes[2],
            _mat_n,
            [("matmul on lists", "C0", _mat)],
            [("numpy A @ B", "C1", _np_mat)],
            "n × n matrix product",
        ),
    ]
    for _ax, _sizes, _mine, _library, _title in _panels:
        for _what, _colour, _outs in _mine:
            for _out in _outs:
                _name = "yours" if _out.is_learner else "reference"
                _ax.loglog(
                    _sizes,
                    np.array(_out.value) * 1e6,
                    "-o" if _out.is_learner else "--x",
                    color=_colour,
                    ms=4,
                    label=f"{_what}: {_name}",
                )
        for _what, _colour, _secs in _library:
            _ax.loglog(_sizes, np.array(_secs) * 1e6, "-s", color=_colour, ms=4, label=_what)
        _ax.minorticks_off()
        _ax.set_xticks(_sizes, [str(n) for n in _sizes], fontsize=7)
        _ax.set_xlabel("n")
        _ax.set_title(_title, fontsize=10)
        _ax.legend(fontsize=7, loc="upper left")
        _ax.grid(True, which="both", alpha=0.3)
    _axes[0].set_ylabel("µs per call (best of 3)")
    _label = joint(_dot, _loop, _pairwise, _mat)

    _rows = [
        [
            "dot",
            _dot_n[-1],
            _dot[0].value[-1] * 1e6,
            _np_dot[-1] * 1e6,
            f"{_dot[0].value[-1] / _np_dot[-1]:.0f}×",
        ],
        [
            "cosine against n rows",
            _cos_n[-1],
            _loop[0].value[-1] * 1e6,
            _pairwise[0].value[-1] * 1e6,
            f"{_loop[0].value[-1] / _pairwise[0].value[-1]:.0f}×",
        ],
        [
            "matmul",
            _mat_n[-1],
            _mat[0].value[-1] * 1e6,
            _np_mat[-1] * 1e6,
            f"{_mat[0].value[-1] / _np_mat[-1]:.0f}×",
        ],
    ]
    kit.stack(
        kit.note(
            """
## Timing: pure Python against numpy

The same operation twice: **your pure-Python `dot`, `cosine_similarity` (one row at a
time) and `matmul`** on lists, against numpy (numpy's own `@` for the dot and the matrix
product, **your `pairwise_cosine`** for the cosines). Log-log axes: a slope of 1 is
linear work, 3 is the n³ of a matrix product. Small sizes and best-of-3 timings with
`time.perf_counter`, so the page stays quick; the numbers are this machine's. numpy's
flat start is its fixed cost per call, which large n pays back many times over.
"""
        ),
        kit.figure(
            _fig, "Timing of pure-Python and numpy vector operations against n (log-log)", _label
        ),
        kit.table(
            ["operation", "n", "pure Python (µs)", "numpy (µs)", "numpy speed-up"],
            _rows,
            "Pure Python against numpy at the largest n",
            _label,
        ),
    )
    return


@app.cell
def _(compare, joint, kit, np, probability, vectors):
    _tokens = ["the", "a", "cat", "sat", "zebra"]
    _logits = np.array([2.0, 1.0, 0.5, 0.0, -1.5])
    _shown = np.array([0.5, 1.0, 2.0])
    _temps = np.geomspace(0.05, 20.0, 60)

    def _check(value):
        arr = np.asarray(value, dtype=float)
        if arr.shape != (len(_temps), len(_logits)) or not np.isfinite(arr).all():
            return f"returned shape {arr.shape}, expected {(len(_temps), len(_logits))}"
        if not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6):
            return "returned rows that do not sum to 1"
        return None

    _soft = compare(
        vectors, "softmax", lambda f: np.asarray(f(_logits / _temps[:, None], axis=1)), _check
    )
    _probs = _soft[0].value
    _bits = compare(
        probability,
        "entropy",
        lambda f: np.array([float(f(p, base=2)) for p in _probs]),
        lambda v: (
            None
            if np.isfinite(v).all() and (v > -1e-9).all()
            else "returned a negative or non-finite entropy"
        ),
    )

    _fig, (_left, _right) = kit.plt.subplots(1, 2, figsize=(11, 3.6))
    _x = np.arange(len(_tokens))
    for _i, _t in enumerate(_shown):
        _row = np.asarray(_soft[0].value)[np.argmin(np.abs(_temps - _t))]
        _left.bar(_x - 0.3 + 0.3 * _i, _row, 0.28, label=f"T ≈ {_t:g}")
    _left.set_xticks(_x, _tokens)
    _left.set_ylabel("softmax(logits / T)")
    _left.set_title("logits [2, 1, 0.5, 0, -1.5] at three temperatures")
    _left.legend(fontsize=8)
    for _out in _bits:
        _name = "yours" if _out.is_learner else "reference"
        _right.semilogx(
            _temps,
            _out.value,
            "-" if _out.is_learner else "--",
            lw=2,
            label=f"entropy(softmax(logits / T), base=2): {_name}",
        )
    _right.axhline(np.log2(len(_tokens)), color="0.5", ls=":", label="log2 5: uniform")
    _right.set_xlabel("temperature T")
    _right.set_ylabel("bits")
    _right.set_title("low T: one sure token (0 bits); high T: uniform")
    _right.legend(fontsize=8, loc="lower right")
    kit.stack(
        kit.note(
            """
## Softmax, temperature and entropy

Dividing logits by a temperature before **your `softmax`** sharpens (T < 1) or flattens
(T > 1) the distribution; **your `entropy`** in bits measures how spread it is.
"""
        ),
        kit.figure(
            _fig, "Softmax at several temperatures and its entropy in bits", joint(_soft, _bits)
        ),
    )
    return


@app.cell
def _(compare, kit, math, np, vectors):
    _angle = math.radians(30)
    _matrices = [
        (
            "rotation by 30°",
            [[math.cos(_angle), -math.sin(_angle)], [math.sin(_angle), math.cos(_angle)]],
        ),
        ("shear", [[1.0, 0.8], [0.0, 1.0]]),
        ("stretch", [[1.6, 0.0], [0.0, 0.6]]),
        ("rank 1", [[1.0, 0.5], [0.6, 0.3]]),
    ]
    _t = np.linspace(0, 2 * math.pi, 73)
    _circle = [np.cos(_t).tolist(), np.sin(_t).tolist()]  # (2, 73)
    _square = [[0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0]]  # (2, 5)

    def _moved(f):
        return [(f(A, _circle), f(A, _square)) for _, A in _matrices]

    def _check(value):
        for circle, square in value:
            for arr, cols in ((circle, len(_t)), (square, 5)):
                a = np.asarray(arr, dtype=float)
                if a.shape != (2, cols) or not np.isfinite(a).all():
                    return f"returned shape {a.shape} for (2, 2) @ (2, {cols})"
        return None

    _found = compare(vectors, "matmul", _moved, _check)
    _fig, _axes = kit.plt.subplots(1, len(_matrices), figsize=(13, 3.5))
    for _ax, (_title, _A), (_circ, _sq) in zip(_axes, _matrices, _found[0].value):
        _ax.plot(*_circle, color="0.75", lw=1)
        _ax.fill(*_square, color="0.85")
        _ax.plot(*np.asarray(_circ), color="C0", lw=2)
        _ax.fill(*np.asarray(_sq), color="C1", alpha=0.6)
        for _col, _colour in ((0, "C3"), (1, "C2")):
            _ax.annotate(
                "",
                xy=(_A[0][_col], _A[1][_col]),
                xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": _colour, "lw": 2},
            )
        _ax.set_title(f"{_title}: det {np.linalg.det(np.array(_A)):.2f}", fontsize=9)
        _ax.set_aspect("equal")
        _ax.set_xlim(-2, 2)
        _ax.set_ylim(-2, 2)
        _ax.axhline(0, color="0.9", lw=0.8)
        _ax.axvline(0, color="0.9", lw=0.8)
    kit.stack(
        kit.note(
            """
## Matrix intuition: a matrix moves the plane

Each 2 × 2 matrix A is applied with **your `matmul`** to the points of the unit circle
and of the unit square (grey), giving the blue curve and orange shape. The arrows are
A's columns, where the basis vectors land; the determinant is the factor by which
areas change (numpy computes it), and at det 0 the plane collapses onto a line.
"""
        ),
        kit.figure(
            _fig, "Matrix intuition: the unit circle and square moved by matmul", _found[0].label
        ),
    )
    return


if __name__ == "__main__":
    app.run()
