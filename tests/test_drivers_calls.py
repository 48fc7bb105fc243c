"""grader/drivers/calls.py: many calls in one request, stopping where a loop would."""

from __future__ import annotations

import pytest

from grader.drivers import calls


def echo(text, twice=False):
    return text.upper() * (2 if twice else 1)


def test_call_each_makes_every_call_in_order():
    seen = []
    got = calls.call_each(None, lambda a, b: seen.append(a) or a + b, [[[1, 2], {}], [[3, 4], {}]])
    assert got == [3, 7] and seen == [1, 3]


def test_call_each_stops_before_the_first_call_that_raises():
    each = [[["a"], {}], [["b"], {"twice": True}], [[None], {}], [["c"], {}]]
    assert calls.call_each(None, echo, each) == ["A", "BB"]
    assert calls.call_each(None, echo, each[:2] + each[3:]) == ["A", "BB", "C"]


def test_the_very_first_error_is_raised_there_being_nothing_to_check():
    with pytest.raises(AttributeError):
        calls.call_each(None, echo, [[[None], {}], [["a"], {}]])


class LocalWorker:
    """A worker whose drivers run right here (the function is a local one)."""

    def drive(self, driver, function, *args):
        assert (driver, function) == ("calls", "call_each")
        return calls.call_each(None, *args)


def test_each_call_yields_every_result_then_raises_where_the_loop_would():
    from grader.testing import each_call

    made = []

    def fn(text):
        made.append(text)
        return text.upper()

    each = [[["a"], {}], [["b"], {}], [[None], {}], [["c"], {}]]
    results = each_call(LocalWorker(), fn, each)
    assert [next(results), next(results)] == ["A", "B"]
    with pytest.raises(AttributeError):
        next(results)  # the failing call, made again by the judge itself
    assert made == ["a", "b", None, None], "one batch up to the error, then that call alone"
