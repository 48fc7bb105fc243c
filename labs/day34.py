import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import time
    import zlib
    from types import SimpleNamespace

    import numpy as np

    from labs import kit

    attention = kit.modules("day34", "attention.py")
    positional = kit.modules("day34", "positional.py")
    kv = kit.modules("day34", "kv_cache.py")

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
            except NotImplementedError:  # a check that calls a stub (a method, say)
                problem = "is not implemented yet"
            except Exception as exc:  # the check ran the learner's code, which raised
                problem = f"raised {type(exc).__name__}: {str(exc)[:120]}"
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

    def heat_map(ax, matrix, tokens, title, annotate):
        """One attention heat map: queries down, keys across."""
        ax.imshow(matrix, cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(len(tokens)), tokens, rotation=60, fontsize=8)
        ax.set_yticks(range(len(tokens)), tokens, fontsize=8)
        ax.set_title(title, fontsize=9)
        if annotate:
            for (i, j), w in np.ndenumerate(matrix):
                ax.text(
                    j,
                    i,
                    f"{w:.2f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if w < 0.6 else "black",
                )

    def joint_label(outcomes):
        """One label for a figure drawn with several functions."""
        if all(o.is_learner for o in outcomes.values()):
            return "yours"
        return "; ".join(f"{name}: {o.label}" for name, o in outcomes.items())

    def shaped(expected, what="an array"):
        """A check: the value is a finite array of the expected shape."""

        def check(value):
            arr = np.asarray(value, dtype=float)
            if arr.shape != tuple(expected):
                return f"returned {what} of shape {arr.shape}, expected {tuple(expected)}"
            if not np.all(np.isfinite(arr)):
                return f"returned {what} with NaN or inf"
            return None

        return check

    def attention_check(weights_shape):
        """A check for scaled_dot_product_attention's (out, weights) pair."""
        weights_ok = shaped(weights_shape, "weights")

        def check(value):
            if not isinstance(value, tuple | list) or len(value) != 2:
                return "did not return a pair (out, weights)"
            return weights_ok(value[1])

        return check

    return (
        SimpleNamespace,
        attention,
        attention_check,
        heat_map,
        joint_label,
        kit,
        kv,
        np,
        positional,
        run_as,
        run_both,
        shaped,
        time,
        zlib,
    )


@app.cell
def _(kit):
    kit.note(
        "# Day 34 lab: transformer basics\n\n"
        "Pictures of what today's code does, drawn with **your** functions: the attention "
        "weights of a toy sentence with and without the causal mask, what each head of "
        "multi-head attention looks at, why scores are divided by √d, the sinusoidal "
        "position table, RoPE's rotations, and a KV cache timed against recomputing "
        "attention at every decoding step. Where one of your functions is still a stub "
        "(or raises, or returns the wrong shape) the reference draws the figure instead, "
        "and the line under the caption says so; where yours runs, the reference is shown "
        "beside it.\n\n"
        "Open it with `nox -s lab -- day34`; `nox -s lab -- day34 --export` writes "
        "`progress/labs/day34.html`, a static page that works offline."
    )
    return


@app.cell
def _(kit):
    sentence_box = kit.mo.ui.text(
        value="the cat sat on the mat", label="Toy sentence (up to 10 words)", full_width=True
    )
    kit.stack(
        kit.note(
            "## A toy sentence\n\n"
            "Each word gets a fixed random embedding (16 numbers, seeded by the word, so "
            "the two *the* tokens share one), and three fixed random matrices make its query, key "
            "and value. No training: the patterns below are what attention does to "
            "arbitrary vectors, not meaning."
        ),
        sentence_box,
    )
    return (sentence_box,)


@app.cell
def _(np, sentence_box, zlib):
    toy_tokens = sentence_box.value.split()[:10] or ["the", "cat", "sat", "on", "the", "mat"]
    TOY_D = 16

    def _embed(word):
        return np.random.default_rng(zlib.crc32(word.encode("utf-8"))).normal(size=TOY_D)

    toy_x = np.stack([_embed(w) for w in toy_tokens])  # (L, 16)
    _rng = np.random.default_rng(34)
    toy_w = [_rng.normal(scale=1.5 / np.sqrt(TOY_D), size=(TOY_D, TOY_D)) for _ in range(4)]
    toy_q, toy_k, toy_v = (toy_x @ w for w in toy_w[:3])
    return toy_k, toy_q, toy_tokens, toy_v, toy_w, toy_x


@app.cell
def _(
    attention,
    attention_check,
    heat_map,
    joint_label,
    kit,
    np,
    run_as,
    shaped,
    toy_k,
    toy_q,
    toy_tokens,
    toy_v,
):
    _n = len(toy_tokens)
    _mask = run_as(
        attention, "causal_mask", lambda f: np.asarray(f(_n)), shaped((_n, _n), "a mask")
    )
    _mask_value = _mask.value.astype(bool)
    _ref_mask = attention.reference.causal_mask(_n)

    def _both_weights(f, mask):
        return (f(toy_q, toy_k, toy_v)[1], f(toy_q, toy_k, toy_v, mask=mask)[1])

    _att = run_as(
        attention,
        "scaled_dot_product_attention",
        lambda f: _both_weights(f, _mask_value),
        lambda pair: (
            attention_check((_n, _n))((None, pair[0])) or attention_check((_n, _n))((None, pair[1]))
        ),
    )
    _rows = [("yours" if _att.is_learner else "reference", _att.value)]
    if _att.is_learner:
        _ref = attention.reference.scaled_dot_product_attention
        _rows.append(("reference", _both_weights(_ref, _ref_mask)))
    try:
        _fig, _axes = kit.plt.subplots(len(_rows), 2, figsize=(8, 3.9 * len(_rows)), squeeze=False)
        for _r, (_who, (_free, _causal)) in enumerate(_rows):
            heat_map(
                _axes[_r, 0], np.asarray(_free, float), toy_tokens, f"{_who}: no mask", _n <= 8
            )
            heat_map(
                _axes[_r, 1],
                np.asarray(_causal, float),
                toy_tokens,
                f"{_who}: causal mask",
                _n <= 8,
            )
        for _ax in _axes[:, 0]:
            _ax.set_ylabel("query (row sums to 1)")
        for _ax in _axes[-1]:
            _ax.set_xlabel("key")
        _fig.tight_layout()
        _shown = kit.figure(
            _fig,
            "Attention weights of the toy sentence, without and with the causal mask",
            joint_label({"scaled_dot_product_attention": _att, "causal_mask": _mask}),
        )
    except Exception as _exc:  # garbage that slipped past the checks: say so, draw nothing
        _shown = kit.note(f"*The heat maps could not be drawn: {kit.escape(str(_exc))}*")
    kit.stack(
        kit.note(
            "## Attention weights, with and without the causal mask\n\n"
            "Row *i* is query *i*'s softmax over the keys: how much of each value it mixes "
            "into its output. Without a mask every token sees the whole sentence; with the "
            "causal mask (True on and below the diagonal) token *i* sees tokens 0..*i* only, "
            "so the first row puts all its weight on the first token and the upper triangle "
            "is exactly 0. The unmasked weights of each row are renormalised, not copied: "
            "compare a row across the two panels."
        ),
        _shown,
    )
    return


@app.cell
def _(
    attention,
    attention_check,
    heat_map,
    joint_label,
    kit,
    np,
    run_as,
    run_both,
    shaped,
    toy_tokens,
    toy_w,
    toy_x,
):
    _n, _heads = len(toy_tokens), 4
    _dh = toy_x.shape[1] // _heads
    _split_example = np.arange(8.0).reshape(2, 4)
    _split = run_as(
        attention,
        "split_heads",
        lambda f: f,
        lambda f: (
            shaped((2, 2, 2), "heads")(f(_split_example, 2))
            or (
                None
                if np.array_equal(
                    np.asarray(f(_split_example, 2)), [[[0, 1], [4, 5]], [[2, 3], [6, 7]]]
                )
                else "splits [[0..3], [4..7]] into the wrong columns"
            )
        ),
    )
    _split_fn = _split.value
    _causal = attention.reference.causal_mask(_n)

    def _head_weights(f):
        q, k, v = (_split_fn(toy_x @ w, _heads) for w in toy_w[:3])
        return np.asarray(f(q, k, v, mask=_causal)[1], dtype=float)

    _att = run_both(
        attention,
        "scaled_dot_product_attention",
        _head_weights,
        lambda w: attention_check((_heads, _n, _n))((None, w)),
    )
    _fig, _axes = kit.plt.subplots(
        len(_att), _heads, figsize=(3.0 * _heads, 3.2 * len(_att)), squeeze=False
    )
    for _r, _o in enumerate(_att):
        _who = "yours" if _o.is_learner else "reference"
        for _h in range(_heads):
            heat_map(_axes[_r, _h], _o.value[_h], toy_tokens, f"{_who}: head {_h}", False)
    _fig.tight_layout()
    kit.stack(
        kit.note(
            "## Multi-head attention: one pattern per head\n\n"
            f"The same sentence, causal, split into {_heads} heads of {_dh} dimensions "
            "each by `split_heads` (head *h* owns columns *h*·dh .. (*h*+1)·dh − 1 of the "
            "projected queries, keys and values). Each head computes its own softmax, so "
            "one head can look back at the previous word while another looks at the "
            "first: the heads are merged and mixed by `w_o` only afterwards."
        ),
        kit.figure(
            _fig,
            "Causal attention weights per head (4 heads of the toy sentence)",
            joint_label({"scaled_dot_product_attention": _att[0], "split_heads": _split}),
        ),
    )
    return


@app.cell
def _(attention, kit, np, run_both):
    SCALE_DIMS = [2, 4, 8, 16, 32, 64, 128, 256, 512]
    _batch, _keys = 16, 16

    def _max_weights(f):
        """Mean (over rows) largest weight, scaled and unscaled, for every d; and one row."""
        rng = np.random.default_rng(7)
        scaled, unscaled, rows = [], [], {}
        for d in SCALE_DIMS:
            q = rng.normal(size=(_batch, _keys, d))
            k = rng.normal(size=(_batch, _keys, d))
            v = np.zeros((_batch, _keys, 1))
            w_s = np.asarray(f(q, k, v)[1], dtype=float)
            # q * sqrt(d) cancels the 1/sqrt(d) inside: the raw scores q . k
            w_u = np.asarray(f(q * np.sqrt(d), k, v)[1], dtype=float)
            if w_s.shape != (_batch, _keys, _keys) or w_u.shape != w_s.shape:
                return None, None, None, w_s.shape  # told apart by _check
            scaled.append(float(w_s.max(axis=-1).mean()))
            unscaled.append(float(w_u.max(axis=-1).mean()))
            rows[d] = (w_s[0, 0], w_u[0, 0])
        return scaled, unscaled, rows, None

    def _check(value):
        scaled, unscaled, _rows, wrong_shape = value
        if wrong_shape is not None:
            return f"returned weights of shape {wrong_shape}, expected {(_batch, _keys, _keys)}"
        bad = [x for x in scaled + unscaled if not (0.0 <= x <= 1.0 + 1e-9)]
        return f"gives a largest weight of {bad[0]:.3g}, outside [0, 1]" if bad else None

    _runs = run_both(attention, "scaled_dot_product_attention", _max_weights, _check)
    _fig, (_ax, _bx) = kit.plt.subplots(1, 2, figsize=(11, 4))
    for _o in _runs:
        _who = "yours" if _o.is_learner else "reference"
        _mine_run = _o is _runs[0]
        _kw = {"ls": "-", "ms": 7} if _mine_run else {"ls": ":", "ms": 3, "color": "black"}
        _ax.plot(
            SCALE_DIMS,
            _o.value[0],
            "o",
            label=f"scaled by 1/√d ({_who})",
            **({"color": "tab:blue"} | _kw),
        )
        _ax.plot(
            SCALE_DIMS, _o.value[1], "s", label=f"unscaled ({_who})", **({"color": "tab:red"} | _kw)
        )
    _ax.axhline(1 / _keys, color="gray", lw=0.8, ls="--", label=f"uniform: 1/{_keys}")
    _ax.set_xscale("log", base=2)
    _ax.set_ylim(0, 1.05)
    _ax.set_xlabel("d (size of the queries and keys)")
    _ax.set_ylabel("mean of the largest weight per row")
    _ax.set_title("Random q, k ~ N(0, 1): the largest softmax weight")
    _ax.legend(fontsize=8)
    _s_row, _u_row = _runs[0].value[2][512]
    _pos = np.arange(_keys)
    _bx.bar(_pos - 0.2, _s_row, width=0.4, color="tab:blue", label="scaled")
    _bx.bar(_pos + 0.2, _u_row, width=0.4, color="tab:red", label="unscaled")
    _bx.set_xlabel("key")
    _bx.set_ylabel("weight")
    _bx.set_title("One query's weights at d = 512")
    _bx.legend(fontsize=8)
    _fig.tight_layout()
    _headers = ["d", "scaled: mean max weight", "unscaled: mean max weight"]
    if len(_runs) == 2:
        _headers = [
            "d",
            "scaled (yours)",
            "unscaled (yours)",
            "scaled (reference)",
            "unscaled (reference)",
        ]
    _table_rows = [
        [d] + [v for _o in _runs for v in (_o.value[0][i], _o.value[1][i])]
        for i, d in enumerate(SCALE_DIMS)
    ]
    kit.stack(
        kit.note(
            "## Why divide by √d: the largest softmax weight per row\n\n"
            "With queries and keys of d independent N(0, 1) numbers, the dot product q·k "
            "has variance d. Unscaled, the scores spread out as d grows, the softmax "
            "saturates and nearly all the weight lands on one key: the gradients of the "
            "other keys vanish. Dividing by √d keeps the variance at 1, so the weights "
            "stay soft whatever d. The unscaled curve is your own function called with "
            "q·√d, which cancels the scale inside it."
        ),
        kit.figure(
            _fig,
            "Mean largest attention weight against d, with and without the 1/sqrt(d) scale",
            _runs[0].label,
        ),
        kit.table(
            _headers,
            _table_rows,
            f"Mean largest weight per row ({_batch}×{_keys} queries, {_keys} keys)",
            _runs[0].label,
        ),
    )
    return


@app.cell
def _(kit):
    rope_base = kit.mo.ui.dropdown(
        options=["10", "100", "1000", "10000"], value="100", label="RoPE base"
    )
    kit.stack(
        kit.note(
            "## Positions: sinusoidal encodings and RoPE\n\n"
            "Attention alone is blind to order: shuffle the tokens and the outputs are "
            "shuffled the same way. The sinusoidal table is *added* to the embeddings; "
            "RoPE instead *rotates* each query and key by an angle that grows with its "
            "position. The RoPE pictures below use the base chosen here (10000 in "
            "real models; a small base makes the slow pairs turn visibly in a few steps)."
        ),
        rope_base,
    )
    return (rope_base,)


@app.cell
def _(kit, np, positional, run_both, shaped):
    _seq, _d = 64, 64
    _tables = run_both(
        positional,
        "sinusoidal_positional_encoding",
        lambda f: np.asarray(f(_seq, _d), dtype=float),
        shaped((_seq, _d), "a table"),
    )
    _fig, _axes = kit.plt.subplots(
        1, len(_tables), figsize=(5.2 * len(_tables), 4.2), squeeze=False
    )
    for _ax, _o in zip(_axes[0], _tables, strict=True):
        _im = _ax.imshow(_o.value, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
        _ax.set_title("yours" if _o.is_learner else "reference", fontsize=10)
        _ax.set_xlabel("column (even: sin, odd: cos)")
        _ax.set_ylabel("position")
    _fig.colorbar(_im, ax=_axes[0].tolist(), shrink=0.8)
    kit.stack(
        kit.note(
            "### The sinusoidal table\n\n"
            "Column pair *i* oscillates with frequency 1/10000^(2*i*/d): the left columns "
            "change at every position (fine position), the right ones barely move over 64 "
            "positions (coarse position). Every row is different, and row *p*+*k* is row "
            "*p* with each (sin, cos) pair rotated by a fixed angle."
        ),
        kit.figure(
            _fig,
            f"Sinusoidal positional encoding, {_seq} positions × d_model = {_d}",
            _tables[0].label,
        ),
    )
    return


@app.cell
def _(kit, np, positional, rope_base, run_both, shaped):
    _base = float(rope_base.value)
    _n, _d = 12, 8
    _half = _d // 2

    def _rotations(f):
        """For each pair (i, i + d/2): the unit vector e_i at positions 0..n-1, rotated."""
        out = []
        for i in range(_half):
            x = np.zeros((_n, _d))
            x[:, i] = 1.0
            out.append(np.asarray(f(x, base=_base), dtype=float))
        return np.stack(out)  # (pairs, n, d)

    _runs = run_both(positional, "apply_rope", _rotations, shaped((_half, _n, _d), "rotations"))
    _colors = kit.plt.cm.viridis(np.linspace(0, 1, _n))
    _fig, _axes = kit.plt.subplots(1, _half, figsize=(3.1 * _half, 3.4))
    for _i, _ax in enumerate(_axes):
        _mine = _runs[0].value[_i]
        for _p in range(_n):
            _xy = (_mine[_p, _i], _mine[_p, _i + _half])
            _ax.annotate(
                "",
                xy=_xy,
                xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": _colors[_p], "lw": 1.2},
            )
            _ax.text(
                1.13 * _xy[0],
                1.13 * _xy[1],
                str(_p),
                fontsize=6,
                ha="center",
                va="center",
                color=_colors[_p],
            )
        if len(_runs) == 2:
            _ref = _runs[1].value[_i]
            _ax.scatter(
                _ref[:, _i],
                _ref[:, _i + _half],
                s=40,
                facecolors="none",
                edgecolors="black",
                lw=0.7,
                label="reference",
            )
        _theta = _base ** (-2 * _i / _d)
        _ax.add_patch(kit.plt.Circle((0, 0), 1, fill=False, color="lightgray", lw=0.6))
        _ax.set_xlim(-1.3, 1.3)
        _ax.set_ylim(-1.3, 1.3)
        _ax.set_aspect("equal")
        _ax.set_xticks([])
        _ax.set_yticks([])
        _ax.set_title(f"dims ({_i}, {_i + _half}): {_theta:.3g} rad/step", fontsize=9)
        _ax.set_xlabel(f"dim {_i}")
        _ax.set_ylabel(f"dim {_i + _half}")
    if len(_runs) == 2:
        _axes[0].legend(loc="lower left", fontsize=7)
    _fig.tight_layout()
    kit.stack(
        kit.note(
            "### RoPE turns each pair of dimensions by position × frequency\n\n"
            f"d = {_d}, rotate-half pairs (*i*, *i* + {_half}). The input is the unit "
            f"vector along dimension *i* at every position 0..{_n - 1}; the arrows are "
            "your `apply_rope` outputs in the plane of the pair, numbered by position "
            "(circles: the reference, when yours runs). The first pair turns 1 radian per "
            "position, later pairs ever more slowly. Arrows that do not move, or move off "
            "the unit circle, mean the wrong pairing (interleaved) or a rotation that is "
            "not one."
        ),
        kit.figure(
            _fig,
            f"RoPE rotation by position, positions 0..{_n - 1} (base {_base:g})",
            _runs[0].label,
        ),
    )
    return


@app.cell
def _(kit, np, positional, rope_base, run_both, shaped):
    _base = float(rope_base.value)
    _n, _d = 24, 16
    _rng = np.random.default_rng(11)
    _q1, _k1 = _rng.normal(size=_d), _rng.normal(size=_d)

    def _scores(f):
        q = np.asarray(f(np.tile(_q1, (_n, 1)), base=_base), dtype=float)
        k = np.asarray(f(np.tile(_k1, (_n, 1)), base=_base), dtype=float)
        return np.stack([q, k])

    _runs = run_both(positional, "apply_rope", _scores, shaped((2, _n, _d), "rotated vectors"))
    _fig, _axes = kit.plt.subplots(1, len(_runs), figsize=(5 * len(_runs), 4.3), squeeze=False)
    for _ax, _o in zip(_axes[0], _runs, strict=True):
        # (m, n): the same q at every position m against the same k at every position n
        _s = _o.value[0] @ _o.value[1].T
        _spread = max(float(np.ptp(np.diagonal(_s, off))) for off in range(1 - _n, _n))
        _im = _ax.imshow(_s, cmap="coolwarm")
        _ax.set_title(
            f"{'yours' if _o.is_learner else 'reference'}: largest spread "
            f"along a diagonal {_spread:.1e}",
            fontsize=9,
        )
        _ax.set_xlabel("key position n")
        _ax.set_ylabel("query position m")
        _fig.colorbar(_im, ax=_ax, shrink=0.8)
    _fig.tight_layout()
    kit.stack(
        kit.note(
            "### RoPE scores depend on m − n only\n\n"
            "One fixed query vector placed at every position *m*, one fixed key vector at "
            "every position *n*, both rotated, and their dot products. Each diagonal "
            "(constant *m* − *n*) holds one colour: the score knows how far apart the two "
            "tokens are, not where they are. The spread in the title is the largest "
            "max − min along any diagonal (about 1e-15 when the rotation is right)."
        ),
        kit.figure(
            _fig,
            "RoPE dot products of a rotated query and key, by position",
            _runs[0].label,
        ),
    )
    return


@app.cell
def _(attention, joint_label, kit, kv, np, run_as, shaped, time):
    _d_model, _heads = 32, 4
    KV_LENGTHS = [8, 16, 32, 64, 128]
    _rng = np.random.default_rng(2024)
    _ws = [_rng.normal(scale=1 / np.sqrt(_d_model), size=(_d_model, _d_model)) for _ in range(4)]
    _x_all = _rng.normal(size=(max(KV_LENGTHS), _d_model))

    def _probe_cache(cls):
        cache = cls()
        cache.append(np.zeros((2, 3, 4)), np.ones((2, 3, 4)))
        cache.append(np.ones((2, 1, 4)), np.zeros((2, 1, 4)))
        return np.asarray(cache.keys).shape, len(cache)

    _cache = run_as(
        kv,
        "KVCache",
        lambda cls: cls,
        lambda cls: (
            None
            if _probe_cache(cls) == ((2, 4, 4), 4)
            else f"gave keys shape / length {_probe_cache(cls)}, expected ((2, 4, 4), 4)"
        ),
    )
    _cache_cls = _cache.value

    def _decode(step, cls, x):
        cache = cls()
        return np.concatenate(
            [
                np.asarray(step(x[t : t + 1], *_ws, _heads, cache), dtype=float)
                for t in range(len(x))
            ]
        )

    _probe_x = _x_all[:8]
    _step = run_as(
        kv,
        "decode_step",
        lambda f: f,
        lambda f: shaped((8, _d_model), "outputs")(_decode(f, _cache_cls, _probe_x)),
    )
    _mha = run_as(
        attention,
        "multi_head_attention",
        lambda f: f,
        lambda f: shaped((8, _d_model), "an output")(
            f(_probe_x, *_ws, _heads, mask=np.tril(np.ones((8, 8), bool)))
        ),
    )
    _ref_step, _ref_cls = kv.reference.decode_step, kv.reference.KVCache
    _ref_mha = attention.reference.multi_head_attention
    _mine = _step.is_learner

    def _full(mha, x):
        return np.asarray(mha(x, *_ws, _heads, mask=np.tril(np.ones((len(x),) * 2, bool))))

    def _recompute(mha, x):
        """Decoding without a cache: full causal attention over the prefix at every step."""
        return np.stack([_full(mha, x[: t + 1])[-1] for t in range(len(x))])

    def _best_ms(fn, *args, repeats=3):
        best, value = float("inf"), None
        for _ in range(repeats):
            start = time.perf_counter()
            value = fn(*args)
            best = min(best, time.perf_counter() - start)
        return 1000 * best, value

    _rows, _times = [], {"recompute": [], "mine": [], "ref": []}
    _lengths, _started = [], time.perf_counter()
    for _L in KV_LENGTHS:
        if time.perf_counter() - _started > 6.0:  # a slow attempt: keep the export fast
            break
        _x = _x_all[:_L]
        try:
            _t_re, _ = _best_ms(_recompute, _mha.value, _x)
            _t_mine, _out_mine = _best_ms(_decode, _step.value, _cache_cls, _x)
            _diff_mine = float(np.max(np.abs(_out_mine - _full(_mha.value, _x))))
            _row = [_L, _t_re, _t_mine]
            if _mine:
                _t_ref, _out_ref = _best_ms(_decode, _ref_step, _ref_cls, _x)
                _diff_ref = float(np.max(np.abs(_out_ref - _full(_ref_mha, _x))))
                _row += [_t_ref, _diff_mine, _diff_ref]
                _times["ref"].append(_t_ref)
            else:
                _row += [_diff_mine]
        except Exception as _exc:  # a learner's bug at a larger length: stop the table there
            _rows.append([_L, f"failed: {type(_exc).__name__}: {_exc}"[:80]])
            break
        _rows.append(_row)
        _times["recompute"].append(_t_re)
        _times["mine"].append(_t_mine)
        _lengths.append(_L)

    _who = "yours" if _mine else "reference"
    _fig, _ax = kit.plt.subplots(figsize=(7, 4))
    _ax.plot(
        _lengths,
        _times["recompute"],
        "s-",
        color="tab:red",
        label="no cache: full attention over the prefix at every step",
    )
    _ax.plot(_lengths, _times["mine"], "o-", color="tab:green", label=f"KV cache ({_who})")
    if _mine:
        _ax.plot(_lengths, _times["ref"], "o:", color="black", label="KV cache (reference)")
    _ax.set_xscale("log", base=2)
    _ax.set_yscale("log")
    _ax.set_xticks(_lengths, [str(n) for n in _lengths])
    _ax.set_xlabel("tokens decoded one at a time, L")
    _ax.set_ylabel("time for all L steps (ms, best of 3)")
    _ax.legend(fontsize=8)
    _ax.set_title(f"d_model = {_d_model}, {_heads} heads")
    _fig.tight_layout()
    _label = joint_label({"decode_step": _step, "KVCache": _cache, "multi_head_attention": _mha})
    _headers = ["L", "no cache (ms)", f"KV cache, {_who} (ms)"]
    _headers += (
        ["KV cache, reference (ms)", "max |Δ| yours", "max |Δ| reference"]
        if _mine
        else ["max |Δ| vs full attention"]
    )
    kit.stack(
        kit.note(
            "## KV cache against full attention\n\n"
            "Decoding L tokens one at a time. Without a cache, each step reruns causal "
            "attention over the whole prefix (projecting every earlier token again): "
            "about L²/2 token projections in all. With the cache, each step projects only "
            "the new token, appends its keys and values and attends over the cached ones. "
            "Both must give the same outputs as one full causal `multi_head_attention` "
            "call: the max |Δ| columns compare the token-by-token outputs with it "
            "(round-off only, far below 1e-10)."
        ),
        kit.figure(_fig, "Decoding time against length, with and without a KV cache", _label),
        kit.table(
            _headers,
            _rows,
            "KV-cache decoding against full attention: time (best of 3) and max |Δ|",
            _label,
        ),
    )
    return


if __name__ == "__main__":
    app.run()
