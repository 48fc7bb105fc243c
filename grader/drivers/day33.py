"""Day 33 drivers: many small calls, and timed calls on big inputs, run beside the attempt.

Through references every call is a round trip, and a list or a text sent to a timed
call is copied across and rebuilt in the worker, inside the CPU time being measured.
So the long loops of calls run here and send back all their results at once, and the
timing tests build their inputs here from a size.

A loop stops at the first call that raises and returns the results before it: the test
checks those, then makes that call again itself, so that what it reports (an earlier
wrong result, or the attempt's error) is what the call-by-call loop reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.drivers.calls import until_one_raises

Load = Callable[[str], Any]


def round_trips(load: Load, tokenizer: Any, texts: list[str]) -> list[Any]:
    """``tokenizer.decode(tokenizer.encode(text))`` for each text, in order (see
    :func:`grader.drivers.calls.until_one_raises`)."""
    return until_one_raises(lambda text: tokenizer.decode(tokenizer.encode(text)), texts)


def trained_merges(load: Load, text: str, vocab_size: int) -> Any:
    """``BPETokenizer().train(text, vocab_size).merges`` of this worker's ``bpe``
    (train's own return value is not used: a tokenizer kept by the caller)."""
    tokenizer = load("bpe").BPETokenizer()
    tokenizer.train(text, vocab_size)
    return tokenizer.merges


def merge_repeated_pair(load: Load, repeats: int) -> None:
    """``merge_pair([1, 2] * repeats, (1, 2), 9)``, for a timing (the result stays here)."""
    load("bpe").merge_pair([1, 2] * repeats, (1, 2), 9)


def train_on_repeated_text(load: Load, unit: str, repeats: int, vocab_size: int) -> None:
    """``BPETokenizer().train(unit * repeats, vocab_size)``, for a timing (nothing returned)."""
    load("bpe").BPETokenizer().train(unit * repeats, vocab_size)
