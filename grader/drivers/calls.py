"""Drivers any day can use: what only the attempt's own process can see about a call.

Through references, a value that comes back is always a fresh copy, so a test in the
judge cannot ask "did it return my list itself?" or "does changing the result change
the object?", and tracing a call there traces nothing. These answer in the worker.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


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
