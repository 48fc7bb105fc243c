"""The judge's entry point, ``python -m grader.judge ARGS``: pytest on the hidden tests,
then an immediate exit.

Before pytest is even imported it starts the attempt's worker (:func:`start_attempt_worker`),
which then boots (an interpreter and numpy, inside bubblewrap: about 0.1 s) while pytest
starts and collects, instead of after. Then it runs ``pytest.main(ARGS)`` as ``python -m
pytest ARGS`` would, stops the workers and leaves with pytest's exit status through
``os._exit``, skipping the interpreter's teardown (freeing every module, numpy's
included: about 50 ms a grade). Nothing of the judge's needs it: by then the events went
out line by line, flushed, the JSON report is written and closed, and the workers are
stopped here. See :mod:`grader.plugin` for what the judge does, and :mod:`grader.child`
for how the grader starts it.
"""

from __future__ import annotations

import argparse
import os
import sys

# The plugin's options that say how the attempt's worker starts (see grader.proxy.worker_args)
# and whether this run needs one (not when it only collects the tests).
EARLY_OPTIONS = (
    "--grader-target",
    "--grader-target-label",
    "--grader-sandbox",
    "--grader-manifest",
)


def start_attempt_worker(args: list[str]) -> bool:
    """Start the attempt's worker from the command line, as the plugin would from pytest's
    options; the plugin adopts it (grader.proxy.start_early). False when this run needs
    none or the options do not read as expected (the plugin then starts it itself)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    for name in EARLY_OPTIONS:
        parser.add_argument(name)
    parser.add_argument("--grader-hide", action="append")
    parser.add_argument("--collect-only", "--co", action="store_true")
    try:
        known, _ = parser.parse_known_args(args)
    except (argparse.ArgumentError, SystemExit):
        return False
    if not known.grader_target or known.grader_manifest or known.collect_only:
        return False
    from grader import proxy

    def option(name: str) -> object:
        return getattr(known, name.lstrip("-").replace("-", "_"), None)

    proxy.start_early("attempt", *proxy.worker_args("attempt", option))
    return True


def main(args: list[str]) -> int:
    start_attempt_worker(args)
    import pytest

    status = int(pytest.main(args))
    from grader import proxy

    proxy.stop_all()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: nothing more to say
            pass
    return status


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
