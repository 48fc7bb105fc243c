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

A process that already imported pytest, numpy and the plugin (``grade all``'s pool
processes, :mod:`grader.parallel`) starts the judge with :func:`fork` instead: the same
:func:`main`, in a forked child set up as ``subprocess.Popen`` would set up a new one, less
the interpreter's start-up and imports (about 0.3 s of CPU a day).
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from collections.abc import Callable, Collection

from grader.forking import ForkedProcess, keep_only

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


def fork(
    args: list[str],
    *,
    cwd: str,
    env: dict[str, str],
    keep: Collection[int],
    prepare: Callable[[], None],
) -> ForkedProcess:
    """The judge on ``args``, forked from this process as ``subprocess.Popen`` would start
    ``python -m grader.judge ARGS`` with ``cwd``, ``env``, ``pass_fds=keep``,
    ``preexec_fn=prepare``, a new session, stdin from /dev/null, and stdout and stderr
    both to one pipe (the returned process's ``stdout``). Only for a trusted process with
    one thread (:func:`grader.forking.can_fork`) whose interpreter started with the
    variables the judge's would have (the hash seed, BLAS threads: see
    :func:`grader.child.judge_can_fork`)."""
    read_end, write_end = os.pipe()

    def become_judge() -> int:
        """In the forked child: what a new judge process would be, then :func:`main`. In
        ``Popen``'s order: the standard streams first (so that a failure below is told in
        the judge's output, as any), then the folder, the session and ``prepare``."""
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.chdir(cwd)
        # the parent's handlers (grader.parallel's stop signals) are not the judge's
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        os.setsid()
        prepare()
        keep_only(keep)  # devnull and the pipe too: 0, 1 and 2 are their copies
        os.environ.clear()
        os.environ.update(env)
        sys.stdin = sys.__stdin__ = open(0)  # these live as long as the process
        sys.stdout = sys.__stdout__ = open(1, "w", closefd=False)
        sys.stderr = sys.__stderr__ = open(2, "w", closefd=False)
        sys.dont_write_bytecode = True  # as PYTHONDONTWRITEBYTECODE (grader.child.child_env)
        sys.argv = [__file__, *args]
        gc.freeze()  # what it inherited is never garbage: collections need not look at it
        return main(args)

    try:
        process = ForkedProcess(become_judge)
    finally:
        os.close(write_end)
    process.stdout = open(read_end, "rb")  # the caller drains and closes it
    return process


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
