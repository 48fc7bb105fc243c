"""Day 39 mistakes learners make: articles before punctuation, set overlap in F1, …"""

from __future__ import annotations

from tests.variants import Variant

EH = "eval_harness.py"


VARIANTS = [
    Variant(EH, "articles removed before punctuation ('A.I.' becomes 'i')", (
        ('    s = "".join(ch for ch in s if ch not in _PUNCTUATION)\n'
         "    # subtle: \\b keeps words that merely contain an article (\"theory\", \"banana\").\n"
         '    s = _ARTICLES.sub(" ", s)\n',
         '    s = _ARTICLES.sub(" ", s)\n'
         '    s = "".join(ch for ch in s if ch not in _PUNCTUATION)\n'),
    )),
    Variant(EH, "punctuation replaced by a space instead of deleted", (
        ('s = "".join(ch for ch in s if ch not in _PUNCTUATION)',
         's = "".join(" " if ch in _PUNCTUATION else ch for ch in s)'),
    )),
    Variant(EH, "articles removed inside words (no \\b in the regex)", (
        ('_ARTICLES = re.compile(r"\\b(a|an|the)\\b")', '_ARTICLES = re.compile(r"(an|a|the)")'),
    )),
    Variant(EH, "lower-casing after the articles are removed ('The' survives)", (
        ("    s = s.lower()\n", ""),
        ('    return " ".join(s.split())', '    return " ".join(s.lower().split())'),
    )),
    Variant(EH, "a single string reference iterated letter by letter", (
        ("refs = [references] if isinstance(references, str) else list(references)",
         "refs = list(references)"),
    )),
    Variant(EH, "token F1 overlap counted with sets instead of a multiset", (
        ("common = sum((Counter(pred) & Counter(ref)).values())", "common = len(set(pred) & set(ref))"),
    )),
    Variant(EH, "token F1 overlap not clipped to the reference's counts", (
        ("common = sum((Counter(pred) & Counter(ref)).values())", "common = sum(t in ref for t in pred)"),
    )),
    Variant(EH, "token F1 scores only the first reference", (
        ("return max(_f1(pred, _tokens(ref)) for ref in _as_references(references))",
         "return _f1(pred, _tokens(_as_references(references)[0]))"),
    )),
    Variant(EH, "token F1 of two empty answers is 0", (
        ("return float(pred == ref)", "return 0.0"),
    )),
    Variant(EH, "groundedness counts each distinct answer token once", (
        ("answer_tokens = _tokens(answer)", "answer_tokens = sorted(set(_tokens(answer)))"),
    )),
    Variant(EH, "groundedness of an empty answer is 0", (
        ("return 1.0  # nothing was claimed, so nothing is ungrounded", "return 0.0"),
    )),
    Variant(EH, "latency percentiles by nearest rank instead of linear interpolation", (
        ("np.percentile(x, [50, 95, 99])", 'np.percentile(x, [50, 95, 99], method="nearest")'),
    )),
    Variant(EH, "latency percentiles picked by rank from the unsorted list", (
        ('    percentiles = dict(zip(("p50", "p95", "p99"), np.percentile(x, [50, 95, 99]).tolist()))\n',
         '    ranks = [int((len(x) - 1) * q) for q in (0.5, 0.95, 0.99)]\n'
         '    percentiles = dict(zip(("p50", "p95", "p99"), x[ranks].tolist()))\n'),
    )),
    Variant(EH, "latency summary of an empty list is not refused", (
        ("    if x.size == 0:\n", "    if False:\n"),
    )),
    Variant(EH, "prices treated as per token, not per 1000 tokens", (
        ("return prompt_tokens / 1000 * price_in_per_1k + completion_tokens / 1000 * price_out_per_1k",
         "return prompt_tokens * price_in_per_1k + completion_tokens * price_out_per_1k"),
    )),
    Variant(EH, "input and output prices swapped", (
        ("return prompt_tokens / 1000 * price_in_per_1k + completion_tokens / 1000 * price_out_per_1k",
         "return prompt_tokens / 1000 * price_out_per_1k + completion_tokens / 1000 * price_in_per_1k"),
    )),
    Variant(EH, "load_jsonl counts lines from 0", (
        ("for number, line in enumerate(lines, start=1):", "for number, line in enumerate(lines):"),
    )),
    Variant(EH, "load_jsonl does not count blank lines", (
        ("    with path.open(encoding=\"utf-8\") as lines:\n"
         "        for number, line in enumerate(lines, start=1):\n",
         "    with path.open(encoding=\"utf-8\") as f:\n"
         "        lines = [line for line in f if line.strip()]\n"
         "        for number, line in enumerate(lines, start=1):\n"),
    )),
    Variant(EH, "load_jsonl accepts records that are not objects", (
        ("            if not isinstance(record, dict):\n", "            if False:\n"),
    )),
    Variant(EH, "run_eval lets an exception from model_fn crash the whole run", (
        ("    except Exception as exc:  # the harness reports a failing model, it does not crash",
         "    except TypeError as exc:"),
    )),
    Variant(EH, "a failed call's latency is recorded as 0", (
        ("    latency = clock() - start\n", "    latency = clock() - start if error is None else 0.0\n"),
    )),
    Variant(EH, "the clock is read three times per item", (
        ("    start = clock()\n", "    clock()\n    start = clock()\n"),
    )),
    Variant(EH, "items without a context count 0 in the mean groundedness", (
        ('with_context = [r["groundedness"] for r in records if r["groundedness"] is not None]',
         'with_context = [r["groundedness"] or 0.0 for r in records]'),
    )),
    Variant(EH, "cost ignores the completion tokens", (
        ("estimate_cost(prompt_tokens, completion_tokens, *prices)", "estimate_cost(prompt_tokens, 0, *prices)"),
    )),
    Variant(EH, "n_errors is a numpy integer, so the report is not JSON-serialisable", (
        ('"n_errors": sum(r["error"] is not None for r in records),',
         '"n_errors": np.sum([r["error"] is not None for r in records]),'),
    )),
    Variant(EH, "the error records only the exception's type, not its message", (
        ('text, usage, error = None, {}, f"{type(exc).__name__}: {exc}"',
         "text, usage, error = None, {}, type(exc).__name__"),
    )),
    Variant(EH, "latency treated as higher-is-better in the gate", (
        ('"latency_p95": False, "cost": False}', '"latency_p95": True, "cost": False}'),
    )),
    Variant(EH, "a change of exactly the tolerance counts as a regression", (
        ('"regressed": worse_by > tolerance', '"regressed": worse_by >= tolerance'),
    )),
    Variant(EH, "delta computed as baseline - candidate", (
        ("        delta = c - b\n", "        delta = b - c\n"),
    )),
    # ---- added by the all-green audit: every promise of the docstrings has a variant
    Variant(EH, "the latency summary leaves out the calls that raised", (
        ('"latency": latency_summary(r["latency_s"] for r in records),',
         '"latency": latency_summary(r["latency_s"] for r in records if r["error"] is None),'),
    )),
    Variant(EH, "the gate treats higher latency and higher cost as better", (
        ('"latency_p95": False, "cost": False}', '"latency_p95": True, "cost": True}'),
    )),
    Variant(EH, "the gate treats every metric as higher-is-better", (
        ("        worse_by = -delta if higher_is_better else delta\n", "        worse_by = -delta\n"),
    )),
    Variant(EH, "cost treated as higher-is-better in the gate", (
        ('"latency_p95": False, "cost": False}', '"latency_p95": False, "cost": True}'),
    )),
    Variant(EH, "the gate reads the latency p99 instead of p95", (
        ('return {**found, "latency_p95": summary["latency"]["p95"]}',
         'return {**found, "latency_p95": summary["latency"]["p99"]}'),
    )),
    Variant(EH, "the gate's tolerance is relative to the baseline", (
        ('"regressed": worse_by > tolerance', '"regressed": worse_by > tolerance * abs(b)'),
    )),
    Variant(EH, "the gate crashes when only the candidate's value is None", (
        ("        if b is None or c is None:", "        if b is None:"),
    )),
    Variant(EH, "a negative tolerance is not refused", (
        ("    if tolerance < 0:\n", "    if False:\n"),
    )),
    Variant(EH, "a failed item without a context gets groundedness 0.0, not None", (
        ("grounded = None if context is None else 0.0 if error else groundedness(text, context)",
         "grounded = 0.0 if error else None if context is None else groundedness(text, context)"),
    )),
    Variant(EH, "the summary groundedness is 0.0 when no item has a context", (
        ('"groundedness": float(np.mean(with_context)) if with_context else None,',
         '"groundedness": float(np.mean(with_context)) if with_context else 0.0,'),
    )),
    Variant(EH, "the summary has an extra key (the p95 copied to the top level)", (
        ('        "cost": float(cost),\n    }',
         '        "cost": float(cost),\n        "latency_p95": latency_summary(r["latency_s"] for r in records)["p95"],\n    }'),
    )),
    Variant(EH, "the error holds only the exception's message, not its type", (
        ('text, usage, error = None, {}, f"{type(exc).__name__}: {exc}"',
         "text, usage, error = None, {}, str(exc)"),
    )),
    Variant(EH, "a usage dict without completion_tokens crashes the run", (
        ('completion_tokens += int(usage.get("completion_tokens", 0))',
         'completion_tokens += int(usage["completion_tokens"])'),
    )),
    Variant(EH, "a context of None is treated as a context (only a missing key is no context)", (
        ('grounded = None if context is None else 0.0 if error',
         'grounded = None if "context" not in item else 0.0 if error'),
    )),
    Variant(EH, "run_eval calls len() on the dataset, so a generator is refused", (
        ("    records, prompt_tokens, completion_tokens = [], 0, 0\n",
         "    if len(dataset) == 0:\n"
         '        raise ValueError("run_eval needs at least one item; the dataset is empty")\n'
         "    records, prompt_tokens, completion_tokens = [], 0, 0\n"),
    )),
    Variant(EH, "to_dict copies only the top level (the latency dict is shared)", (
        ('return {"summary": copy.deepcopy(self.summary), "items": copy.deepcopy(self.items)}',
         'return {"summary": dict(self.summary), "items": [dict(i) for i in self.items]}'),
    )),
    Variant(EH, "to_dict returns the report's own dicts, not a copy", (
        ('return {"summary": copy.deepcopy(self.summary), "items": copy.deepcopy(self.items)}',
         'return {"summary": self.summary, "items": self.items}'),
    )),
    Variant(EH, "exact_match returns a bool, not a float", (
        ("return float(any(pred == normalize_answer(ref) for ref in _as_references(references)))",
         "return any(pred == normalize_answer(ref) for ref in _as_references(references))"),
    )),
    Variant(EH, "references checked with len(), so a generator of references is refused", (
        ("refs = [references] if isinstance(references, str) else list(references)\n"
         "    if not refs:",
         "refs = [references] if isinstance(references, str) else references\n"
         "    if len(refs) == 0:"),
    )),
    Variant(EH, "latency_summary gives np.asarray a generator (an object array)", (
        ("x = np.asarray(list(latencies_s), dtype=float)", "x = np.asarray(latencies_s, dtype=float)"),
    )),
    Variant(EH, "latency max taken with the builtin max (an int for int latencies)", (
        ("    x = np.asarray(list(latencies_s), dtype=float)  # (n,)\n",
         "    values = list(latencies_s)\n    x = np.asarray(values, dtype=float)  # (n,)\n"),
        ('"max": float(x.max())}', '"max": max(values)}'),
    )),
    Variant(EH, "normalize_answer deletes every Unicode punctuation mark, not string.punctuation", (
        ("import copy\n", "import copy\nimport unicodedata\n"),
        ('s = "".join(ch for ch in s if ch not in _PUNCTUATION)',
         's = "".join(ch for ch in s if ch not in _PUNCTUATION and unicodedata.category(ch)[0] != "P")'),
    )),
    Variant(EH, "estimate_cost rounds to 4 decimals", (
        ("    return prompt_tokens / 1000 * price_in_per_1k + completion_tokens / 1000 * price_out_per_1k\n",
         "    return round(prompt_tokens / 1000 * price_in_per_1k + completion_tokens / 1000 * price_out_per_1k, 4)\n"),
    )),
    Variant(EH, "estimate_cost refuses a zero price", (
        ("    if min(given) < 0:\n", "    if min(given) < 0 or min(price_in_per_1k, price_out_per_1k) <= 0:\n"),
    )),
    Variant(EH, "load_jsonl splits the text with str.splitlines()", (
        ('    with path.open(encoding="utf-8") as lines:\n',
         '    if True:\n        lines = path.read_text(encoding="utf-8").splitlines()\n'),
    )),
]
