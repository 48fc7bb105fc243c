"""Byte-level byte-pair encoding (BPE), the tokenizer family of GPT-2 and its successors.

Text becomes its UTF-8 bytes, so the 256 byte values are the first 256 token ids
and *every* string can be encoded: there is no unknown token. Training then
repeats one step: find the most frequent pair of neighbouring tokens and give it
the next free id. Encoding replays those merges; decoding looks every id up in
``vocab`` and joins the bytes.

The classic example, by hand (a=97, b=98, c=99, d=100), training "aaabdaaabac":

    a a a b d a a a b a c    aa x4 is the most frequent pair  -> 256 = "aa"
    256 a b d 256 a b a c    (256, a) x2 ties (a, b) x2; (256, a) occurs first
                                                              -> 257 = "aaa"
    257 b d 257 b a c        (257, b) x2                      -> 258 = "aaab"
    258 d 258 a c            all pairs x1: the first wins     -> 259 = "aaabd"
    259 258 a c                                               -> 260 = "aaabdaaab"
    260 a c                                                   -> 261 = "aaabdaaaba"
    261 c                                                     -> 262 = "aaabdaaabac"
    262                      one token left: training stops, whatever vocab_size says

Left out on purpose: the regex pre-split into words that GPT tokenizers apply
before BPE (so merges never cross a space), special tokens such as
<|endoftext|>, byte shuffling tables, and the incremental pair counts that make
training fast on large corpora (a merge only changes the pairs around its
occurrences, so real tokenizers update those counts instead of recounting).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

FORMAT = "katas-bpe"  # the "format" field of a saved tokenizer
VERSION = 1


def get_pair_counts(ids: list[int]) -> dict[tuple[int, int], int]:
    """Counts of consecutive pairs, in order of first occurrence.

    [1, 2, 3, 1, 2] -> {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    [7, 7, 7] -> {(7, 7): 2}   (every neighbouring position counts, overlaps too)
    """
    # pairwise([1, 2, 3]) -> (1, 2), (2, 3), like zip(ids, ids[1:]) without the copy.
    # subtle: a dict (and Counter) keeps insertion order, which *is* the order of
    # first occurrence; train's tie rule relies on it.
    return dict(Counter(itertools.pairwise(ids)))


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """A new list with every occurrence of ``pair`` replaced by ``new_id``, left to right.

    Occurrences do not overlap, ``ids`` itself is not modified (a new list is returned
    even when ``pair`` does not occur), and the time is linear in ``len(ids)``.
    [1, 2, 3, 1, 2], (1, 2), 9 -> [9, 3, 9]
    [5, 5, 5], (5, 5), 9 -> [9, 5]
    """
    first, second = pair
    out = []
    i = 0
    while i < len(ids):
        # subtle: after a match jump two places, so [5, 5, 5] cannot match twice.
        if ids[i] == first and i + 1 < len(ids) and ids[i + 1] == second:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class BPETokenizer:
    """A byte-level BPE tokenizer: ``train`` it, then ``encode`` and ``decode``.

    ``merges``: ``{(a, b): new_id}`` in the order the merges were made.
    ``vocab``: ``{id: bytes}``; ids 0-255 are single bytes, ``vocab[new_id] ==
    vocab[a] + vocab[b]``. A new tokenizer has no merges.
    """

    def __init__(self) -> None:
        self.merges: dict[tuple[int, int], int] = {}
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}

    def train(self, text: str, vocab_size: int) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges from the UTF-8 bytes of ``text``; return self.

        Each step merges the most frequent pair into the next id (256, 257, ...);
        a tie goes to the pair that occurs first in the current sequence. A step
        costs time linear in the current number of tokens. Training stops early when
        fewer than two tokens remain, and always starts afresh (a second call
        replaces the first one's merges and vocab). ``ValueError`` if
        ``vocab_size < 256``.

        train("aaabdaaabac", 257) -> merges == {(97, 97): 256}, vocab[256] == b"aa"
        (the module docstring works out all seven merges of this example).
        """
        if vocab_size < 256:
            raise ValueError(
                f"vocab_size must be at least 256 (the byte values), got {vocab_size!r}"
            )
        self.merges = {}  # subtle: training again starts from scratch
        self.vocab = {i: bytes([i]) for i in range(256)}
        ids = list(text.encode("utf-8"))  # (n,) one id per byte
        for new_id in range(256, vocab_size):
            if len(ids) < 2:
                break
            counts = get_pair_counts(ids)
            # subtle: max() returns the first of equal maxima, and counts is in
            # order of first occurrence: that is exactly the tie rule.
            pair = max(counts, key=counts.get)
            ids = merge_pair(ids, pair, new_id)
            self._add_merge(pair, new_id)
        return self

    def _add_merge(self, pair: tuple[int, int], new_id: int) -> None:
        self.merges[pair] = new_id
        self.vocab[new_id] = self.vocab[pair[0]] + self.vocab[pair[1]]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``: its UTF-8 bytes, then the learned merges.

        Repeatedly merges the pair present with the *lowest* merge id (not the most
        frequent pair of ``text``), until no pair present has a merge.
        Untrained: encode("hé") -> [104, 195, 169].
        This replays the merges in the order training made them.
        """
        ids = list(text.encode("utf-8"))
        while len(ids) >= 2:
            pairs = get_pair_counts(ids)
            # subtle: the earliest merge first, not the most frequent pair here:
            # a later merge may be built on top of an earlier one.
            pair = min(pairs, key=lambda p: self.merges.get(p, float("inf")))
            if pair not in self.merges:
                break  # nothing left to merge
            ids = merge_pair(ids, pair, self.merges[pair])
        return ids

    def decode(self, ids: list[int]) -> str:
        """The text of ``ids``: join their bytes, decode UTF-8 with ``errors="replace"``.

        decode([104, 195, 169]) -> "hé";  decode([195]) -> "\\ufffd" (half a character).
        ``ValueError`` for an id that is not in ``vocab``.
        """
        parts = []
        for i in ids:
            if i not in self.vocab:
                raise ValueError(f"unknown token id {i!r}; ids run from 0 to {len(self.vocab) - 1}")
            parts.append(self.vocab[i])
        # subtle: one token may hold half of a character (the first byte of 机),
        # so a slice of ids is not always valid UTF-8.
        return b"".join(parts).decode("utf-8", errors="replace")

    def save(self, path: str | Path) -> None:
        """Write the merges as UTF-8 JSON, one ``[a, b, id, "text"]`` per line, in order.

        ``BPETokenizer.load(path)`` gives back the same ``merges`` (same order) and
        the same ``vocab``, byte for byte. ``"text"`` is only for a human reader (with
        U+FFFD where a token splits a character): ``load`` rebuilds ``vocab`` from the ids.

            {"format": "katas-bpe", "version": 1, "merges": [
            [97, 97, 256, "aa"],
            [256, 97, 257, "aaa"]
            ]}
        """
        rows = []
        for (a, b), new_id in self.merges.items():
            # subtle: never store vocab as text: b"\xe6" (a third of 机) has no str form.
            text = self.vocab[new_id].decode("utf-8", errors="replace")
            rows.append(json.dumps([a, b, new_id, text], ensure_ascii=False))
        header = f'{{"format": "{FORMAT}", "version": {VERSION}, "merges": ['
        Path(path).write_text(header + "\n" + ",\n".join(rows) + "\n]}\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        """The tokenizer that ``save`` wrote to ``path``. ``ValueError`` for a broken file."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"{path}: not a {FORMAT} version {VERSION} file")
        tokenizer = cls()
        for a, b, new_id, _text in data["merges"]:
            if new_id != 256 + len(tokenizer.merges) or max(a, b) >= new_id:
                raise ValueError(f"{path}: merge {[a, b, new_id]} is out of order")
            tokenizer._add_merge((a, b), new_id)
        return tokenizer
