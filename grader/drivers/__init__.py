"""Drivers: trusted code that runs beside the attempt in its worker and returns observations.

A hidden test calls ``worker.drive("dayNN", "function", *args)`` (see grader.proxy.Worker.drive and
the ``drive`` fixture) when what it needs cannot cross as plain data: threads hammering one
object with values whose comparisons pause, asyncio coroutines, tracing or memory tracking
inside the attempt, a local server inside the sandbox. Each driver function takes ``load``
(``load(stem)`` returns the real module in the worker) and plain arguments, and returns plain
data only. Drivers hold no expected values: the judge decides from what they observe.
"""
