"""Day 33's drivers (grader/drivers/day33.py): loops of calls stop before the first that raises.

The hidden tests check the results the driver returns, then make the next call themselves,
so that an error is reported where the call-by-call loop met it; that needs the driver to
return exactly the results before the first call that raised.
"""

from __future__ import annotations

import pytest

from grader.catalog import SOLUTIONS_ROOT
from grader.drivers import day33
from grader.loading import load_module


def load(stem: str):
    return load_module(SOLUTIONS_ROOT / "day33" / f"{stem}.py", f"stand_in_{stem}", f"{stem}.py")


def test_round_trips_stop_before_the_first_text_whose_round_trip_raises():
    class Tokenizer:
        def encode(self, text):
            return list(text.encode("utf-8"))

        def decode(self, ids):
            if len(ids) > 3:
                raise ValueError("too long")
            return bytes(ids).decode("utf-8")

    assert day33.round_trips(None, Tokenizer(), ["ab", "é", "long", "x"]) == ["ab", "é"]
    with pytest.raises(ValueError, match="too long"):
        day33.round_trips(None, Tokenizer(), ["long", "ab"])


def test_the_timed_drivers_run_the_reference_and_keep_its_results():
    assert day33.merge_repeated_pair(load, 4) is None
    assert day33.train_on_repeated_text(load, "ab", 8, 300) is None
    assert day33.trained_merges(load, "aaabdaaabac", 258) == {(97, 97): 256, (256, 97): 257}
