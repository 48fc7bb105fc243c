"""Day 33: a byte-level BPE tokenizer (standard library only).

Text is tokenized as its UTF-8 bytes, so the 256 byte values are ids 0-255 and any
string can be encoded. Training repeats: count the pairs of neighbouring tokens,
merge the most frequent pair into the next id (256, 257, ...).

Work the classic example out by hand before you code (a=97, b=98, c=99, d=100):
"aaabdaaabac" -> merge (a, a) into 256 -> [256, a, b, d, 256, a, b, a, c] -> ...
Hints: ``nox -s hint -- day33``.
"""

from __future__ import annotations

from pathlib import Path


def get_pair_counts(ids: list[int]) -> dict[tuple[int, int], int]:
    """Counts of consecutive pairs, as a dict in order of first occurrence.

    [1, 2, 3, 1, 2] -> {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    [7, 7, 7] -> {(7, 7): 2}   (every neighbouring position counts, overlaps too)
    """
    raise NotImplementedError("get_pair_counts: run 'nox -s hint -- day33' if stuck")


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """A new list with every occurrence of ``pair`` replaced by ``new_id``, left to right.

    Occurrences do not overlap, ``ids`` itself is not modified (a new list is returned
    even when ``pair`` does not occur), and the time is linear in ``len(ids)``.
    [1, 2, 3, 1, 2], (1, 2), 9 -> [9, 3, 9]
    [5, 5, 5], (5, 5), 9 -> [9, 5]
    """
    raise NotImplementedError("merge_pair: run 'nox -s hint -- day33' if stuck")


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
        """
        raise NotImplementedError("train: run 'nox -s hint -- day33' if stuck")

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``: its UTF-8 bytes, then the learned merges.

        Repeatedly merges the pair present with the *lowest* merge id (not the most
        frequent pair of ``text``), until no pair present has a merge.
        Untrained: encode("hé") -> [104, 195, 169].
        """
        raise NotImplementedError("encode: run 'nox -s hint -- day33' if stuck")

    def decode(self, ids: list[int]) -> str:
        """The text of ``ids``: join their bytes, decode UTF-8 with ``errors="replace"``.

        decode([104, 195, 169]) -> "hé";  decode([195]) -> "\\ufffd" (half a character).
        ``ValueError`` for an id that is not in ``vocab``.
        """
        raise NotImplementedError("decode: run 'nox -s hint -- day33' if stuck")

    def save(self, path: str | Path) -> None:
        """Write the tokenizer to ``path`` as human-readable UTF-8 text (JSON is a good choice).

        Whatever the format, ``BPETokenizer.load(path)`` must give back the same
        ``merges`` (same order) and the same ``vocab``, byte for byte.
        """
        raise NotImplementedError("save: run 'nox -s hint -- day33' if stuck")

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        """The tokenizer that ``save`` wrote to ``path``."""
        raise NotImplementedError("load: run 'nox -s hint -- day33' if stuck")
