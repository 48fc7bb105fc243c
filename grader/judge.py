"""The judge's entry point, ``python -m grader.judge ARGS``: pytest on the hidden tests,
then an immediate exit.

It runs ``pytest.main(ARGS)`` as ``python -m pytest ARGS`` would, then stops the workers
and leaves with pytest's exit status through ``os._exit``, skipping the interpreter's
teardown (freeing every module, numpy's included: about 50 ms a grade). Nothing of the
judge's needs it: by then the events went out line by line, flushed, the JSON report is
written and closed, and the workers are stopped here. See :mod:`grader.plugin` for what
the judge does, and :mod:`grader.child` for how the grader starts it.
"""

from __future__ import annotations

import os
import sys

import pytest


def main(args: list[str]) -> int:
    status = int(pytest.main(args))
    from grader import proxy  # imported by the plugin by now

    proxy.stop_all()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: nothing more to say
            pass
    return status


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
