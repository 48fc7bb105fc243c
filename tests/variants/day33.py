"""Day 33 mistakes learners make: overlapping merges, the wrong tie rule, per-token decoding, …"""

from __future__ import annotations

from tests.variants import Variant

BPE = "bpe.py"
NORM = "normalize.py"


VARIANTS = [
    Variant(BPE, "merge_pair lets occurrences overlap (moves one place after a match)", (
        ("            out.append(new_id)\n            i += 2", "            out.append(new_id)\n            i += 1"),
    )),
    Variant(BPE, "merge_pair deletes from the input list in place", (
        ("    out = []\n    i = 0\n    while i < len(ids):\n",
         "    out = ids\n    i = 0\n    while i < len(ids):\n"),
        ("        if ids[i] == first and i + 1 < len(ids) and ids[i + 1] == second:\n"
         "            out.append(new_id)\n            i += 2\n"
         "        else:\n            out.append(ids[i])\n            i += 1\n",
         "        if ids[i] == first and i + 1 < len(ids) and ids[i + 1] == second:\n"
         "            out[i] = new_id\n            del out[i + 1]\n"
         "        i += 1\n"),
    )),
    Variant(BPE, "merge_pair replaces each occurrence by slice assignment (quadratic)", (
        ("    out = []\n    i = 0\n    while i < len(ids):\n"
         "        # subtle: after a match jump two places, so [5, 5, 5] cannot match twice.\n"
         "        if ids[i] == first and i + 1 < len(ids) and ids[i + 1] == second:\n"
         "            out.append(new_id)\n            i += 2\n"
         "        else:\n            out.append(ids[i])\n            i += 1\n",
         "    out = list(ids)\n    i = 0\n    while i < len(out) - 1:\n"
         "        if out[i] == first and out[i + 1] == second:\n"
         "            out[i : i + 2] = [new_id]\n"
         "        i += 1\n"),
    )),
    Variant(BPE, "merge_pair deletes the second id of each occurrence from a copy (quadratic)", (
        ("    out = []\n    i = 0\n    while i < len(ids):\n"
         "        # subtle: after a match jump two places, so [5, 5, 5] cannot match twice.\n"
         "        if ids[i] == first and i + 1 < len(ids) and ids[i + 1] == second:\n"
         "            out.append(new_id)\n            i += 2\n"
         "        else:\n            out.append(ids[i])\n            i += 1\n",
         "    out = list(ids)\n    i = 0\n    while i < len(out) - 1:\n"
         "        if out[i] == first and out[i + 1] == second:\n"
         "            out[i] = new_id\n            del out[i + 1]\n"
         "        i += 1\n"),
    )),
    Variant(BPE, "merge_pair returns its input list itself when the pair does not occur", (
        ("    first, second = pair\n    out = []",
         "    first, second = pair\n    if pair not in zip(ids, ids[1:]):\n        return ids\n    out = []"),
    )),
    Variant(BPE, "pair counts only at even positions (zip(ids[::2], ids[1::2]))", (
        ("return dict(Counter(itertools.pairwise(ids)))", "return dict(Counter(zip(ids[::2], ids[1::2])))"),
    )),
    Variant(BPE, "training makes one merge too many (range up to vocab_size + 1)", (
        ("        for new_id in range(256, vocab_size):\n", "        for new_id in range(256, vocab_size + 1):\n"),
    )),
    Variant(BPE, "pair counts sorted by pair instead of first occurrence", (
        ("return dict(Counter(itertools.pairwise(ids)))",
         "return dict(sorted(Counter(itertools.pairwise(ids)).items()))"),
    )),
    Variant(BPE, "a tie goes to the largest pair, not the first one", (
        ("pair = max(counts, key=counts.get)", "pair = max(counts, key=lambda p: (counts[p], p))"),
    )),
    Variant(BPE, "a tie goes to the smallest pair (min over (-count, pair))", (
        ("pair = max(counts, key=counts.get)", "pair = min(counts, key=lambda p: (-counts[p], p))"),
    )),
    Variant(BPE, "a tie goes to the last pair met (the loop keeps a pair on >=)", (
        ("pair = max(counts, key=counts.get)", "pair = max(reversed(list(counts)), key=counts.get)"),
    )),
    Variant(BPE, "a tie goes to the pair holding the newest token", (
        ("pair = max(counts, key=counts.get)", "pair = max(counts, key=lambda p: (counts[p], max(p)))"),
    )),
    Variant(BPE, "a second train keeps the first call's merges and vocab", (
        ("        self.merges = {}  # subtle: training again starts from scratch\n"
         "        self.vocab = {i: bytes([i]) for i in range(256)}\n", ""),
    )),
    Variant(BPE, "a second train resets merges but keeps the first call's vocab", (
        ("        self.vocab = {i: bytes([i]) for i in range(256)}\n        ids = list",
         "        ids = list"),
    )),
    Variant(BPE, "train returns None instead of self", (
        ("            self._add_merge(pair, new_id)\n        return self\n",
         "            self._add_merge(pair, new_id)\n"),
    )),
    Variant(BPE, "training merges with slice assignment inside its own loop (quadratic)", (
        ("            ids = merge_pair(ids, pair, new_id)\n",
         "            i = 0\n            while i < len(ids) - 1:\n"
         "                if (ids[i], ids[i + 1]) == pair:\n"
         "                    ids[i : i + 2] = [new_id]\n"
         "                i += 1\n"),
    )),
    Variant(BPE, "training does not stop when one token is left", (
        ("            if len(ids) < 2:\n                break\n", ""),
    )),
    Variant(BPE, "vocab_size only checked for negative values", (
        ("        if vocab_size < 256:\n", "        if vocab_size < 0:\n"),
    )),
    Variant(BPE, "training re-encodes the whole text at every step (quadratic)", (
        ("            ids = merge_pair(ids, pair, new_id)\n            self._add_merge(pair, new_id)\n",
         "            self._add_merge(pair, new_id)\n            ids = self.encode(text)\n"),
    )),
    Variant(BPE, "encode merges the most frequent pair instead of the earliest merge", (
        ('pair = min(pairs, key=lambda p: self.merges.get(p, float("inf")))',
         "pair = max(pairs, key=pairs.get)"),
    )),
    Variant(BPE, "encode merges the known pair most frequent in the text, not the lowest id", (
        ('pair = min(pairs, key=lambda p: self.merges.get(p, float("inf")))',
         "pair = max(pairs, key=lambda p: (p in self.merges, pairs[p]))"),
    )),
    Variant(BPE, "decode turns each token into text on its own", (
        ('return b"".join(parts).decode("utf-8", errors="replace")',
         'return "".join(part.decode("utf-8", errors="replace") for part in parts)'),
    )),
    Variant(BPE, "decode without errors='replace' fails on half a character", (
        ('return b"".join(parts).decode("utf-8", errors="replace")', 'return b"".join(parts).decode("utf-8")'),
    )),
    Variant(BPE, "decode drops half a character (errors='ignore') instead of U+FFFD", (
        ('return b"".join(parts).decode("utf-8", errors="replace")', 'return b"".join(parts).decode("utf-8", errors="ignore")'),
    )),
    Variant(BPE, "decode lets a KeyError escape for an unknown id", (
        ("            if i not in self.vocab:\n", "            if False:\n"),
    )),
    Variant(BPE, "load restores the merges but not the vocab", (
        ("            tokenizer._add_merge((a, b), new_id)\n",
         "            tokenizer.merges[(a, b)] = new_id\n"),
    )),
    Variant(BPE, "load rebuilds vocab from the human-readable text of each token", (
        ("            tokenizer._add_merge((a, b), new_id)\n",
         "            tokenizer.merges[(a, b)] = new_id\n"
         "            tokenizer.vocab[new_id] = _text.encode(\"utf-8\")\n"),
    )),
    Variant(NORM, "lower() instead of casefold() keeps ß", (
        ("text = text.casefold()", "text = text.lower()"),
    )),
    Variant(NORM, "accents stripped by encoding to ASCII, which deletes Chinese too", (
        ('return "".join(ch for ch in decomposed if not unicodedata.combining(ch))',
         'return decomposed.encode("ascii", "ignore").decode("ascii")'),
    )),
    Variant(NORM, "combining marks dropped without decomposing first", (
        ("    decomposed = unicodedata.normalize(decomposition, text)\n", "    decomposed = text\n"),
    )),
    Variant(NORM, "accents always stripped with NFD, even for the K forms", (
        ('_strip_accents(text, "NFKD" if form.startswith("NFK") else "NFD")', '_strip_accents(text, "NFD")'),
    )),
    Variant(NORM, "no final normalisation after stripping accents", (
        ("    text = unicodedata.normalize(form, text)\n",
         "    text = text if strip_accents else unicodedata.normalize(form, text)\n"),
    )),
    Variant(NORM, "whitespace collapsing only merges ASCII spaces", (
        ('text = " ".join(text.split())', 'text = " ".join(w for w in text.split(" ") if w)'),
    )),
    Variant(NORM, "whitespace collapsed with a regex but the ends not stripped", (
        ("import unicodedata\n", "import re\nimport unicodedata\n"),
        ('text = " ".join(text.split())', 'text = re.sub(r"\\s+", " ", text)'),
    )),
    Variant(NORM, "empty text returned before the form is checked", (
        ("    if form not in FORMS:\n", "    if not text:\n        return text\n    if form not in FORMS:\n"),
    )),
    Variant(NORM, "accents stripped by category Mn, which also drops the emoji selector U+FE0F", (
        ('if not unicodedata.combining(ch))', 'if unicodedata.category(ch) != "Mn")'),
    )),
    Variant(NORM, "accents stripped by category M*, which also drops U+FE0F and the keycap U+20E3", (
        ('if not unicodedata.combining(ch))', 'if not unicodedata.category(ch).startswith("M"))'),
    )),
    Variant(NORM, "accents always stripped with NFKD, even for the canonical forms", (
        ('_strip_accents(text, "NFKD" if form.startswith("NFK") else "NFD")', '_strip_accents(text, "NFKD")'),
    )),
    Variant(NORM, "case folded after normalising to the form", (
        ("    if lowercase:\n        text = text.casefold()  # subtle: lower() keeps \"ß\"; casefold() gives \"ss\"\n", ""),
        ("    if collapse_whitespace:\n", "    if lowercase:\n        text = text.casefold()\n    if collapse_whitespace:\n"),
    )),
    Variant(NORM, "whitespace collapsed before normalising to the form", (
        ("    if collapse_whitespace:\n        text = \" \".join(text.split())  # split() with no argument splits on any Unicode space\n", ""),
        ("    if lowercase:\n", "    if collapse_whitespace:\n        text = \" \".join(text.split())\n    if lowercase:\n"),
    )),
    Variant(NORM, "Pipeline folds its steps with reduce but no initial text", (
        ("        for step in self.steps:\n            text = step(text)\n        return text\n",
         "        return functools.reduce(lambda acc, step: step(acc), self.steps)\n"),
    )),
    Variant(NORM, "Pipeline applies its steps in reverse order", (
        ("        for step in self.steps:\n", "        for step in reversed(self.steps):\n"),
    )),
    Variant(NORM, "Pipeline repr shows each step's default repr", (
        ("', '.join(_step_name(step) for step in self.steps)", "', '.join(repr(step) for step in self.steps)"),
    )),
    Variant(NORM, "Pipeline repr falls back to the default repr (a memory address) for a callable object", (
        ("    name = getattr(step, \"__name__\", None)\n    if name:\n", "    name = getattr(step, \"__name__\", None) or repr(step)\n    if name:\n"),
    )),
    Variant(NORM, "Pipeline repr names a partial by step.func.__name__ (fails for a callable object)", (
        ('return f"{_step_name(step.func)}({\', \'.join(args)})"', 'return f"{step.func.__name__}({\', \'.join(args)})"'),
    )),
    Variant(NORM, "Pipeline repr leaves out the partial's keyword arguments", (
        ('return f"{_step_name(step.func)}({\', \'.join(args)})"', "return _step_name(step.func)"),
    )),
    Variant(NORM, "Pipeline accepts steps that are not callable", (
        ("            if not callable(step):\n", "            if False:\n"),
    )),
]
