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
    Variant(BPE, "pair counts sorted by pair instead of first occurrence", (
        ("return dict(Counter(itertools.pairwise(ids)))",
         "return dict(sorted(Counter(itertools.pairwise(ids)).items()))"),
    )),
    Variant(BPE, "a tie goes to the largest pair, not the first one", (
        ("pair = max(counts, key=counts.get)", "pair = max(counts, key=lambda p: (counts[p], p))"),
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
    Variant(BPE, "decode turns each token into text on its own", (
        ('return b"".join(parts).decode("utf-8", errors="replace")',
         'return "".join(part.decode("utf-8", errors="replace") for part in parts)'),
    )),
    Variant(BPE, "decode without errors='replace' fails on half a character", (
        ('return b"".join(parts).decode("utf-8", errors="replace")', 'return b"".join(parts).decode("utf-8")'),
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
    Variant(NORM, "Pipeline applies its steps in reverse order", (
        ("        for step in self.steps:\n", "        for step in reversed(self.steps):\n"),
    )),
    Variant(NORM, "Pipeline repr shows each step's default repr", (
        ("', '.join(_step_name(step) for step in self.steps)", "', '.join(repr(step) for step in self.steps)"),
    )),
    Variant(NORM, "Pipeline accepts steps that are not callable", (
        ("            if not callable(step):\n", "            if False:\n"),
    )),
]
