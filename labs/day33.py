import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import functools
    import unicodedata
    from pathlib import Path
    from types import SimpleNamespace

    from labs import kit

    bpe = kit.modules("day33", "bpe.py")
    norm = kit.modules("day33", "normalize.py")

    CORPUS_PATH = Path(kit.__file__).resolve().parent / "data" / "day33_corpus.txt"
    corpus = CORPUS_PATH.read_text(encoding="utf-8")
    paragraphs = corpus.split("\n\n")
    # every fourth paragraph is held out: English prose, French verse and Chinese verse
    held_out = "\n\n".join(p for i, p in enumerate(paragraphs) if i % 4 == 3)
    training = "\n\n".join(p for i, p in enumerate(paragraphs) if i % 4 != 3)
    MAX_VOCAB = 512  # 256 merges: small enough for a fast export
    DEFAULT_SAMPLE = (
        "Naïve café ☕️🙂 — 机器学习 means machine learning.\n"
        "Ｆｕｌｌ－ｗｉｄｔｈ ＜tags＞ ＆ ﬁne print, Straße."
    )

    def _resolve(module, dotted):
        obj = module
        for part in dotted.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def adapted(pair, make):
        """A Pair whose modules are namespaces of plain functions, so that kit.call can run
        methods (``"BPETokenizer.train"``) with its fallback and labels."""

        def namespace(module):
            if module is None:
                return None
            funcs = make(module)
            return SimpleNamespace(**{k: v for k, v in funcs.items() if v is not None})

        return kit.Pair(
            pair.day, pair.file, namespace(pair.learner), namespace(pair.reference), pair.problem
        )

    def _tokenizer_funcs(module):
        cls = _resolve(module, "BPETokenizer")
        if cls is None:
            return {
                "get_pair_counts": _resolve(module, "get_pair_counts"),
                "merge_pair": _resolve(module, "merge_pair"),
            }

        def train(text, vocab_size):
            tok = cls()
            tok.train(text, vocab_size)
            return tok

        return {
            "BPETokenizer.train": train,
            "BPETokenizer.encode": lambda tok, text: cls.encode(tok, text),
            "BPETokenizer.decode": lambda tok, ids: cls.decode(tok, ids),
            "get_pair_counts": _resolve(module, "get_pair_counts"),
            "merge_pair": _resolve(module, "merge_pair"),
        }

    def _normalize_funcs(module):
        cls = _resolve(module, "Pipeline")

        def pipeline(steps, text):
            made = cls(*steps)
            return repr(made), made(text)

        return {
            "normalize": _resolve(module, "normalize"),
            "Pipeline": pipeline if cls is not None else None,
        }

    tok_api = adapted(bpe, _tokenizer_funcs)
    norm_api = adapted(norm, _normalize_funcs)

    # --- checks of what a learner's code returned (garbage falls back to the reference) ---

    def bad_tokenizer(tok):
        merges, vocab = getattr(tok, "merges", None), getattr(tok, "vocab", None)
        if not isinstance(merges, dict) or not isinstance(vocab, dict):
            return "a tokenizer without merges and vocab dicts"
        for k, (pair, new_id) in enumerate(merges.items()):
            if not (isinstance(pair, tuple) and len(pair) == 2) or new_id != 256 + k:
                return f"merge number {k} as {pair!r}: {new_id!r}, not (a, b): {256 + k}"
            if not isinstance(vocab.get(new_id), bytes):
                return f"no bytes in vocab[{new_id}]"
        return None

    def bad_ids(ids):
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return f"{type(ids).__name__}, not a list of ints"
        return None

    def bad_str(value):
        return None if isinstance(value, str) else f"{type(value).__name__}, not a str"

    def bad_counts(value):
        if not isinstance(value, dict) or value != {(1, 2): 2, (2, 3): 1, (3, 1): 1}:
            return f"{value!r} for [1, 2, 3, 1, 2]"
        return None

    def bad_merge(value):
        return None if value == [9, 3, 9] else f"{value!r} for [1, 2, 3, 1, 2], (1, 2), 9"

    def checked(pair, name, check, *args, **kwargs):
        """kit.call, falling back to the reference when the learner's result fails ``check``."""
        out = kit.call(pair, name, *args, **kwargs)
        if out.is_learner and (problem := check(out.value)) is not None:
            value = getattr(pair.reference, name)(*args, **kwargs)
            return kit.Outcome(value, f"reference (your {name} returned {problem})", False)
        return out

    def both_checked(pair, name, check, *args, **kwargs):
        """kit.both with ``check``: [yours, reference], or [reference fallback]."""
        mine = checked(pair, name, check, *args, **kwargs)
        if not mine.is_learner:
            return [mine]
        reference = getattr(pair.reference, name)(*args, **kwargs)
        return [mine, kit.Outcome(reference, "reference", False)]

    def pick(pair, name, check, *probe):
        """The learner's function if a probe call runs and passes ``check``, else the
        reference's; with its label."""
        out = checked(pair, name, check, *probe)
        if out.is_learner:
            return getattr(pair.learner, name), "yours"
        return getattr(pair.reference, name), out.label

    def joint(*labels):
        """One label for a result several functions produced."""
        reasons = [lab[len("reference (") : -1] for lab in labels if lab.startswith("reference (")]
        reasons = list(dict.fromkeys(reasons))
        if not reasons:
            return "yours"
        if all(lab.startswith("reference") for lab in labels):
            return f"reference ({'; '.join(reasons)})"
        return f"yours, with the reference where yours cannot run ({'; '.join(reasons)})"

    def codepoints(text, limit=12):
        points = [f"U+{ord(c):04X}" for c in text]
        more = f" … (+{len(points) - limit})" if len(points) > limit else ""
        return " ".join(points[:limit]) + more

    def non_ascii(text, limit=14):
        """The distinct non-ASCII characters of ``text`` with their code points."""
        seen = [c for c in dict.fromkeys(text) if ord(c) > 0x7F]
        shown = [f"{c} U+{ord(c):04X}" for c in seen[:limit]]
        more = f" … (+{len(seen) - limit})" if len(seen) > limit else ""
        return ", ".join(shown) + more if shown else "(ASCII only)"

    def show_bytes(raw):
        """A token's bytes as text: visible spaces and newlines, hex for half a character."""
        text = raw.decode("utf-8", errors="backslashreplace")
        return text.replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥")

    return (
        DEFAULT_SAMPLE,
        MAX_VOCAB,
        both_checked,
        bad_counts,
        bad_ids,
        bad_merge,
        bad_str,
        bad_tokenizer,
        checked,
        codepoints,
        corpus,
        functools,
        held_out,
        joint,
        kit,
        non_ascii,
        norm_api,
        paragraphs,
        pick,
        show_bytes,
        tok_api,
        training,
        unicodedata,
    )


@app.cell
def _(kit):
    kit.note(
        "# Day 33 lab: a tiny BPE tokenizer and text normalisation\n\n"
        "This page runs **your** `exercises/day33/bpe.py` and `normalize.py`: your "
        "`normalize` cleans a sample text, your `BPETokenizer` learns merges from a small "
        "shipped corpus and splits the text into coloured tokens; then you see the merge "
        "table grow, how many bytes one token covers as the vocabulary grows, and what "
        "NFC, NFD, NFKC, case folding and accent stripping do to the code points. Where a "
        "function of yours is still a stub (or raises) the reference runs instead and the "
        "line under the figure says so; where yours runs, the reference is drawn next to "
        "it.\n\n"
        "Open it with `nox -s lab -- day33` (the controls then work) or write this page "
        "with `nox -s lab -- day33 --export` (`progress/labs/day33.html`, viewable offline)."
    )
    return


@app.cell
def _(MAX_VOCAB, both_checked, bad_tokenizer, corpus, held_out, kit, paragraphs, tok_api, training):
    trained = both_checked(tok_api, "BPETokenizer.train", bad_tokenizer, training, MAX_VOCAB)
    kit.stack(
        kit.note(
            "## The corpus\n\n"
            "`labs/data/day33_corpus.txt`: a few public-domain texts, "
            "Lincoln's Gettysburg Address, the Preamble of the US Constitution, the first "
            "stanzas of Poe's *The Raven*, La Fontaine's *Le Corbeau et le Renard*, Goethe's "
            "*Erlkönig*, Li Bai's 静夜思, Meng Haoran's 春晓 and the first chapter of the "
            "Dao De Jing. English, French, German and Chinese, so some characters take "
            "one UTF-8 byte, some two and some three."
        ),
        kit.table(
            ["part", "paragraphs", "characters", "UTF-8 bytes"],
            [
                ["whole corpus", len(paragraphs), len(corpus), len(corpus.encode("utf-8"))],
                [
                    "training (3 of every 4 paragraphs)",
                    len(paragraphs) - len(paragraphs) // 4,
                    len(training),
                    len(training.encode("utf-8")),
                ],
                [
                    "held out (every 4th paragraph)",
                    len(paragraphs) // 4,
                    len(held_out),
                    len(held_out.encode("utf-8")),
                ],
            ],
            f"Corpus sizes (training runs to vocab_size={MAX_VOCAB}, {MAX_VOCAB - 256} merges)",
        ),
    )
    return (trained,)


@app.cell
def _(DEFAULT_SAMPLE, kit):
    sample_box = kit.mo.ui.text_area(
        value=DEFAULT_SAMPLE, rows=4, full_width=True, label="Text to normalise and tokenize"
    )
    vocab_slider = kit.mo.ui.slider(
        start=256,
        stop=512,
        step=16,
        value=384,
        show_value=True,
        label="vocab_size (trained on the corpus)",
    )
    form_choice = kit.mo.ui.dropdown(
        options=["NFKC", "NFC", "NFD", "NFKD"], value="NFKC", label="form"
    )
    fold_box = kit.mo.ui.checkbox(value=False, label="lowercase (casefold)")
    strip_box = kit.mo.ui.checkbox(value=False, label="strip accents")
    kit.stack(
        kit.note(
            "## Playground\n\n"
            "Type anything: it is normalised with your `normalize`, then encoded by your "
            "tokenizer trained on the corpus. Each coloured box is one token, its id "
            "underneath; `␣` is a space, and `\\xe6`-style escapes are bytes of a character "
            "that a token holds only part of."
        ),
        sample_box,
        kit.mo.hstack([vocab_slider, form_choice, fold_box, strip_box], justify="start"),
    )
    return fold_box, form_choice, sample_box, strip_box, vocab_slider


@app.cell
def _(
    bad_ids,
    bad_str,
    bad_tokenizer,
    checked,
    fold_box,
    form_choice,
    joint,
    kit,
    non_ascii,
    norm_api,
    sample_box,
    show_bytes,
    strip_box,
    tok_api,
    training,
    vocab_slider,
):
    _raw = sample_box.value
    _settings = {
        "form": form_choice.value,
        "lowercase": fold_box.value,
        "strip_accents": strip_box.value,
    }
    _norm = checked(norm_api, "normalize", bad_str, _raw, **_settings)
    _text = _norm.value
    _tok = checked(tok_api, "BPETokenizer.train", bad_tokenizer, training, vocab_slider.value)
    _vocab = _tok.value.vocab

    def _valid_ids(ids):
        return bad_ids(ids) or next((f"unknown id {i}" for i in ids if i not in _vocab), None)

    _enc = checked(tok_api, "BPETokenizer.encode", _valid_ids, _tok.value, _text)
    _ids = _enc.value
    _dec = checked(tok_api, "BPETokenizer.decode", bad_str, _tok.value, _ids)
    _colours = ["#ffe9a8", "#cfe8ff", "#d9f5cf", "#f8d5e8"]
    _spans = "".join(
        f'<span class="lab-token" style="display:inline-block;margin:2px;padding:1px 4px;'
        f"background:{_colours[_k % len(_colours)]};border-radius:4px;text-align:center;"
        f'font-family:monospace;white-space:pre">{kit.escape(show_bytes(_vocab[_i]))}'
        f'<br><small style="color:#555">{_i}</small></span>'
        for _k, _i in enumerate(_ids)
    )
    _n_bytes = len(_text.encode("utf-8"))
    _per_token = _n_bytes / len(_ids) if _ids else 0.0
    _round = "yes" if _dec.value == _text else "NO"
    _summary = (
        f'<p class="lab-stats">{len(_text)} characters, {_n_bytes} UTF-8 bytes, '
        f'<span class="lab-token-count">{len(_ids)}</span> tokens '
        f"({_per_token:.2f} bytes per token) at vocab_size={vocab_slider.value}; "
        f"decode(encode(text)) == text: {_round}</p>"
    )
    _args = ", ".join(f"{k}={v!r}" for k, v in _settings.items())
    kit.stack(
        kit.table(
            ["", "text", "characters", "non-ASCII code points"],
            [
                ["before", _raw, len(_raw), non_ascii(_raw)],
                ["after", _text, len(_text), non_ascii(_text)],
            ],
            f"Playground text before and after normalize(text, {_args})",
            _norm.label,
        ),
        kit.html(f'<div class="lab-tokens" style="line-height:2.6">{_spans}</div>'),
        kit.html(_summary),
        kit.source_line(joint(_norm.label, _tok.label, _enc.label, _dec.label)),  # the tokens
    )
    return


@app.cell
def _(bad_merge, bad_tokenizer, both_checked, joint, kit, pick, show_bytes, tok_api):
    _merge, _merge_label = pick(tok_api, "merge_pair", bad_merge, [1, 2, 3, 1, 2], (1, 2), 9)
    _runs = both_checked(tok_api, "BPETokenizer.train", bad_tokenizer, "aaabdaaabac", 263)

    def _steps(tok, merge):
        ids = list(b"aaabdaaabac")
        rows = []
        for step, (pair, new_id) in enumerate(tok.merges.items(), start=1):
            ids = merge(ids, pair, new_id)
            shown = " ".join(chr(i) if i < 256 else str(i) for i in ids)
            rows.append([step, pair, new_id, show_bytes(tok.vocab[new_id]), shown])
        return rows

    try:
        _mine = _steps(_runs[0].value, _merge)
    except Exception as _exc:  # a learner's merge_pair that breaks on these merges
        _merge_label = f"reference (your merge_pair raised {type(_exc).__name__})"
        _mine = _steps(_runs[0].value, tok_api.reference.merge_pair)
    _label = joint(_runs[0].label, _merge_label)
    _headers = ["step", "pair merged", "new id", "new token", "sequence after the merge"]
    if len(_runs) == 2:
        _theirs = {row[0]: row[3] for row in _steps(_runs[1].value, tok_api.reference.merge_pair)}
        _headers.append("reference's new token")
        _mine = [[*row, _theirs.get(row[0], "—")] for row in _mine]
    kit.stack(
        kit.note(
            "## Merges by hand: aaabdaaabac\n\n"
            "The classic example (a=97, b=98, c=99, d=100), trained until one token is "
            "left: the most frequent pair wins, and a tie goes to the pair met first."
        ),
        kit.table(_headers, _mine, 'train("aaabdaaabac", 263): every merge, in order', _label),
    )
    return


@app.cell
def _(bad_counts, bad_merge, held_out, joint, pick, tok_api, trained, training):
    _count_fn, _count_label = pick(tok_api, "get_pair_counts", bad_counts, [1, 2, 3, 1, 2])
    _merge_fn, _merge_label = pick(tok_api, "merge_pair", bad_merge, [1, 2, 3, 1, 2], (1, 2), 9)

    def _grow(merges, count_fn, merge_fn):
        """Replay the merges on the training and held-out bytes: the count of each merged
        pair at its step and the number of tokens after every step."""
        ids, other = list(training.encode("utf-8")), list(held_out.encode("utf-8"))
        counts, n_train, n_held = [], [len(ids)], [len(other)]
        for pair, new_id in merges.items():
            counts.append(int(count_fn(ids).get(pair, 0)))
            ids, other = merge_fn(ids, pair, new_id), merge_fn(other, pair, new_id)
            if not isinstance(ids, list) or not isinstance(other, list):
                raise TypeError("merge_pair did not return a list")
            n_train.append(len(ids))
            n_held.append(len(other))
        return {"counts": counts, "n_train": n_train, "n_held": n_held}

    _ref = tok_api.reference
    growth = []
    for _run in trained:
        if _run.is_learner or _run.label != "reference":
            _label = joint(_run.label, _count_label, _merge_label)
            try:
                _series = _grow(_run.value.merges, _count_fn, _merge_fn)
            except Exception as _exc:  # yours broke part-way: the reference redraws it
                _why = f"reference (your pair counting or merging raised {type(_exc).__name__})"
                _label = joint(_run.label, _why)
                _series = _grow(_run.value.merges, _ref.get_pair_counts, _ref.merge_pair)
        else:
            _label = "reference"
            _series = _grow(_run.value.merges, _ref.get_pair_counts, _ref.merge_pair)
        _series["label"] = _label
        _series["tokenizer"] = _run.value
        growth.append(_series)
    return (growth,)


@app.cell
def _(growth, kit, show_bytes):
    _fig, (_ax_count, _ax_len) = kit.plt.subplots(1, 2, figsize=(10, 3.6))
    for _k, _series in enumerate(growth):
        _name = "yours" if _k == 0 and len(growth) == 2 else _series["label"].split(" (")[0]
        _tok = _series["tokenizer"]
        _steps = range(1, len(_series["counts"]) + 1)
        _style = {
            "linestyle": "-" if _k == 0 else (0, (4, 4)),
            "zorder": 2 + _k,
            "linewidth": 2.2 if _k == 0 else 1.0,
            "color": "C0" if _k == 0 else "black",
        }
        _ax_count.plot(_steps, _series["counts"], label=_name, **_style)
        _lengths = [len(_tok.vocab[i]) for i in _tok.merges.values()]
        _ax_len.plot(
            _steps,
            _lengths,
            marker="o" if _k == 0 else "x",
            markersize=3 + 2 * _k,
            linestyle="none",
            label=_name,
            color="C0" if _k == 0 else "black",
            alpha=0.7,
        )
    _ax_count.set_yscale("log")
    _ax_count.set(
        xlabel="merge step (vocab size = 256 + step)",
        ylabel="occurrences of the merged pair",
        title="Each merge is rarer",
    )
    _ax_len.set(xlabel="merge step", ylabel="bytes in the new token", title="New tokens get longer")
    for _ax in (_ax_count, _ax_len):
        _ax.legend()
        _ax.grid(alpha=0.3)
    _first = growth[0]
    _tok = _first["tokenizer"]
    _headers = ["step", "new id", "pair (a, b)", "new token", "pair count"]
    _rows = [
        [_k + 1, _new, _pair, show_bytes(_tok.vocab[_new]), _first["counts"][_k]]
        for _k, (_pair, _new) in enumerate(list(_tok.merges.items())[:16])
    ]
    if len(growth) == 2:
        _ref_tok = growth[1]["tokenizer"]
        _ref_tokens = [show_bytes(_ref_tok.vocab[i]) for i in list(_ref_tok.merges.values())[:16]]
        _headers.append("reference's new token")
        _rows = [
            [*row, _ref_tokens[_k] if _k < len(_ref_tokens) else "—"]
            for _k, row in enumerate(_rows)
        ]
    kit.stack(
        kit.note(
            "## The merge table as it grows\n\n"
            "The first merges on the corpus are the commonest pairs: a letter and a space, "
            "`th`, then whole short words. The count of the merged pair falls with every "
            "step while the new tokens get longer."
        ),
        kit.table(
            _headers, _rows, "The first 16 merges learned on the corpus, in order", _first["label"]
        ),
        kit.figure(
            _fig, "Merged-pair count and new-token length at each merge step", _first["label"]
        ),
    )
    return


@app.cell
def _(MAX_VOCAB, growth, held_out, kit, training):
    _sizes = {
        "training": (len(training), len(training.encode("utf-8"))),
        "held out": (len(held_out), len(held_out.encode("utf-8"))),
    }
    _fig, (_ax_b, _ax_c) = kit.plt.subplots(1, 2, figsize=(10, 3.6))
    for _k, _series in enumerate(growth):
        _who = "yours" if _k == 0 and len(growth) == 2 else _series["label"].split(" (")[0]
        _vocab = [256 + s for s in range(len(_series["n_train"]))]
        for _part, _key, _colour in (("training", "n_train", "C0"), ("held out", "n_held", "C1")):
            _chars, _nbytes = _sizes[_part]
            _style = {
                "color": _colour if _k == 0 else "black",
                "zorder": 2 + _k,
                "linestyle": "-" if _k == 0 else (0, (4, 4)),
                "linewidth": 2.2 if _k == 0 else 1.0,
            }
            _ax_b.plot(
                _vocab, [_nbytes / n for n in _series[_key]], label=f"{_part}, {_who}", **_style
            )
            _ax_c.plot(
                _vocab, [_chars / n for n in _series[_key]], label=f"{_part}, {_who}", **_style
            )
    _ax_b.set(xlabel="vocabulary size", ylabel="UTF-8 bytes per token", title="Bytes per token")
    _ax_c.set(xlabel="vocabulary size", ylabel="characters per token", title="Characters per token")
    for _ax in (_ax_b, _ax_c):
        _ax.legend(fontsize=8)
        _ax.grid(alpha=0.3)
    _first = growth[0]
    _rows = []
    for _v in range(256, MAX_VOCAB + 1, 64):
        _s = _v - 256
        if _s < len(_first["n_train"]):
            _rows.append(
                [
                    _v,
                    _first["n_train"][_s],
                    _sizes["training"][1] / _first["n_train"][_s],
                    _sizes["training"][0] / _first["n_train"][_s],
                    _first["n_held"][_s],
                    _sizes["held out"][1] / _first["n_held"][_s],
                    _sizes["held out"][0] / _first["n_held"][_s],
                ]
            )
    kit.stack(
        kit.note(
            "## Compression against vocabulary size\n\n"
            "With 256 tokens every byte is a token (1 byte per token; a character of "
            "Chinese costs three). Each merge shortens the text; on the held-out "
            "paragraphs, which training never saw, the gain is smaller: the merges fit "
            "the training text."
        ),
        kit.figure(
            _fig,
            "Compression ratio (bytes and characters per token) against "
            "vocabulary size, on the training and held-out parts",
            _first["label"],
        ),
        kit.table(
            [
                "vocab size",
                "tokens (training)",
                "bytes/token (training)",
                "chars/token (training)",
                "tokens (held out)",
                "bytes/token (held out)",
                "chars/token (held out)",
            ],
            _rows,
            "Compression at a few vocabulary sizes",
            _first["label"],
        ),
    )
    return


@app.cell
def _(bad_ids, bad_str, checked, codepoints, joint, kit, norm_api, tok_api, trained):
    _cases = [
        ("é precomposed, to NFD", "caf\u00e9", {"form": "NFD"}),
        ("e + combining acute, to NFC", "cafe\u0301", {"form": "NFC"}),
        ("casefold: ß", "Straße", {"form": "NFC", "lowercase": True}),
        ("casefold: dotted İ", "İstanbul", {"form": "NFC", "lowercase": True}),
        ("full-width, NFKC", "Ｃａｆé", {"form": "NFKC"}),
        ("ligature and superscript, NFKC", "ﬁne x²", {"form": "NFKC"}),
        ("strip accents", "Crème Brûlée", {"lowercase": True, "strip_accents": True}),
        ("emoji + U+FE0F, strip accents", "❤\ufe0f👍🏽", {"strip_accents": True}),
        ("Hangul, NFD", "한국어", {"form": "NFD"}),
        ("whitespace: tab, U+00A0, U+3000", " a\t b\u00a0c\u3000d ", {}),
    ]
    _tok = trained[0].value
    _outs, _labels, _rows = [], [], []
    for _name, _text, _kw in _cases:
        _out = checked(norm_api, "normalize", bad_str, _text, **_kw)
        _outs.append(_out)
        _labels.append(_out.label)
    _all_mine = all(o.is_learner for o in _outs)

    def _count(text):
        out = checked(tok_api, "BPETokenizer.encode", bad_ids, _tok, text)
        _labels.append(out.label)
        return len(out.value)

    for (_name, _text, _kw), _out in zip(_cases, _outs, strict=True):
        _args = ", ".join(f"{k}={v!r}" for k, v in _kw.items()) or "defaults (NFKC)"
        _row = [
            _name,
            f"{_text}  {codepoints(_text)}",
            _args,
            f"{_out.value}  {codepoints(_out.value)}",
            f"{len(_text.encode('utf-8'))} → {len(_out.value.encode('utf-8'))}",
            f"{_count(_text)} → {_count(_out.value)}",
        ]
        if _all_mine:
            _ref = norm_api.reference.normalize(_text, **_kw)
            _row.append("same" if _ref == _out.value else f"{_ref}  {codepoints(_ref)}")
        _rows.append(_row)
    _headers = ["case", "before", "settings", "after", "UTF-8 bytes", "tokens (vocab 512)"]
    if _all_mine:
        _headers[3] = "after (yours)"
        _headers.append("reference")
    kit.stack(
        kit.note(
            "## Normalisation, code point by code point\n\n"
            "The same word can arrive as different code points. NFC and NFD only compose "
            "or decompose (é is U+00E9 or e + U+0301); NFKC and NFKD also fold "
            "compatibility characters (full width, ligatures, superscripts); `casefold` "
            "turns ß into ss; accent stripping drops combining marks but keeps U+FE0F, the "
            "emoji variation selector, and skin-tone modifiers."
        ),
        kit.table(_headers, _rows, "Tricky strings before and after normalize", joint(*_labels)),
    )
    return


@app.cell
def _(bad_str, checked, functools, joint, kit, norm_api, pick):
    _normalize, _norm_label = pick(norm_api, "normalize", bad_str, "Café")

    def _bad_pipeline(value):
        ok = isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)
        return None if ok else f"{value!r}, not (repr, text)"

    _text = "  Crème Brûlée at the CAFÉ  "
    _steps = [
        (str.strip, functools.partial(_normalize, lowercase=True, strip_accents=True)),
        (str.upper,),
        (),
    ]
    _rows, _labels = [], [_norm_label]
    for _s in _steps:
        _out = checked(norm_api, "Pipeline", _bad_pipeline, _s, _text)
        _labels.append(_out.label)
        _rows.append([_out.value[0], repr(_text), repr(_out.value[1])])
    _label = joint(*_labels)
    kit.stack(
        kit.note(
            "## A Pipeline of steps\n\nYour `Pipeline` chains `str -> str` steps; its "
            "repr names them and never shows a memory address."
        ),
        kit.table(["Pipeline", "input", "output"], _rows, "Pipelines and what they return", _label),
    )
    return


if __name__ == "__main__":
    app.run()
