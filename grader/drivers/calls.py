"""Drivers any day can use: what only the attempt's own process can see about a call,
and many calls in one request.

Through references, a value that comes back is always a fresh copy, so a test in the
judge cannot ask "did it return my list itself?" or "does changing the result change
the object?", and tracing a call there traces nothing. These answer in the worker.

A loop of calls through references is a round trip per call (~0.3 ms): ``call_each``
makes them all in one request. It stops before the first call that raises (raising its
error when it is the very first), so a test checks the results it got, then makes the
next call itself: an error is then reported where the call-by-call loop met it, as the
attempt's own (``until_one_raises`` does the same for a driver's own loop).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def until_one_raises(run: Callable[[Any], Any], inputs: list[Any]) -> list[Any]:
    """``[run(x) for x in inputs]``, cut short before the first input that raises; the
    error of the very first is raised (the test would get nothing to check)."""
    results = []
    for k, x in enumerate(inputs):
        try:
            results.append(run(x))
        except Exception:
            if k == 0:
                raise
            break
    return results


def call_each(load: Any, fn: Callable[..., Any], calls: list[Any]) -> list[Any]:
    """``fn(*args, **kwargs)`` for each ``[args, kwargs]`` of ``calls``, in order (see
    ``until_one_raises``)."""
    return until_one_raises(lambda call: fn(*call[0], **call[1]), calls)


def returns_an_argument(load: Any, fn: Callable[..., Any], args: list[Any]) -> list[int]:
    """Positions of the arguments that ``fn(*args)`` returned as themselves (identity)."""
    result = fn(*args)
    return [i for i, arg in enumerate(args) if result is arg]


def edit_what_it_returns(load: Any, fn: Callable[[], Any], edits: list[Any]) -> None:
    """Call ``fn()`` and change what it returned: each edit is ``[path, value]`` (set the
    item at ``path``) or ``[path, value, "append"]`` (append to the list at ``path``)."""
    result = fn()
    for edit in edits:
        path, value = edit[0], edit[1]
        holder = result
        for key in path[:-1]:
            holder = holder[key]
        if len(edit) > 2 and edit[2] == "append":
            holder[path[-1]].append(value)
        else:
            holder[path[-1]] = value


def python_steps(load: Any, fn: Callable[..., Any], args: list[Any]) -> int:
    """Python-level work of ``fn(*args)``: lines run in ``fn``'s own file plus Python calls
    anywhere. Vectorised code does the same number of steps whatever the sizes; a Python
    loop (for, a comprehension, np.vectorize, apply_along_axis) adds steps per element."""
    here = fn.__code__.co_filename
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return local if frame.f_code.co_filename == here else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return count
