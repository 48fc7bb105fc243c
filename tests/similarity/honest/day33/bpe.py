"""Byte-level BPE written from the contract alone (an independent attempt)."""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise
from pathlib import Path

FORMAT = "honest-bpe/1"


def get_pair_counts(ids: list[int]) -> dict[tuple[int, int], int]:
    # Counter keeps insertion order, so its keys come in order of first occurrence.
    return dict(Counter(pairwise(ids)))


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    first, second = pair
    merged: list[int] = []
    i, n = 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == first and ids[i + 1] == second:
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


class BPETokenizer:
    def __init__(self) -> None:
        self.merges: dict[tuple[int, int], int] = {}
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}

    def _add_merge(self, pair: tuple[int, int], new_id: int) -> None:
        self.merges[pair] = new_id
        self.vocab[new_id] = self.vocab[pair[0]] + self.vocab[pair[1]]

    def train(self, text: str, vocab_size: int) -> BPETokenizer:
        if vocab_size < 256:
            raise ValueError(f"vocab_size must be at least 256 (the byte values), got {vocab_size}")
        self.__init__()
        tokens = list(text.encode("utf-8"))
        for new_id in range(256, vocab_size):
            if len(tokens) < 2:
                break
            counts = get_pair_counts(tokens)
            # max() keeps the first of equal counts: the pair that occurs first wins.
            best = max(counts, key=counts.__getitem__)
            self._add_merge(best, new_id)
            tokens = merge_pair(tokens, best, new_id)
        return self

    def encode(self, text: str) -> list[int]:
        tokens = list(text.encode("utf-8"))
        while len(tokens) > 1:
            present = set(pairwise(tokens))
            candidates = [pair for pair in present if pair in self.merges]
            if not candidates:
                break
            earliest = min(candidates, key=self.merges.__getitem__)
            tokens = merge_pair(tokens, earliest, self.merges[earliest])
        return tokens

    def decode(self, ids: list[int]) -> str:
        chunks = []
        for token in ids:
            if token not in self.vocab:
                raise ValueError(f"decode: id {token} is not in the vocabulary")
            chunks.append(self.vocab[token])
        return b"".join(chunks).decode("utf-8", errors="replace")

    def save(self, path: str | Path) -> None:
        payload = {
            "format": FORMAT,
            "merges": [[a, b, new_id] for (a, b), new_id in self.merges.items()],
        }
        Path(path).write_text(json.dumps(payload, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        if payload.get("format") != FORMAT:
            raise ValueError(f"{path} is not a tokenizer saved by this class")
        tokenizer = cls()
        for a, b, new_id in payload["merges"]:
            tokenizer._add_merge((a, b), new_id)
        return tokenizer
