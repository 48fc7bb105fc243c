"""The autograder: runs hidden tests against a learner's attempt and keeps score.

Modules, one concern each:

- ``catalog``    the one list of days: titles, exercise files, answer templates, pass marks
- ``judge``      the test process's entry point: pytest on the hidden tests, started or forked
- ``plugin``     the pytest plugin that runs *inside* the test process (the judge)
- ``worker``     the process that imports and runs attempt (or reference) code
- ``proxy``      the judge's side of a worker: start it, reach its modules, its CPU time
- ``forking``    a trusted child forked without a new interpreter, as ``Popen`` sees one
- ``peer``       remote calls between judge and worker, references, rebuilt exceptions
- ``wire``       the plain data allowed between them (scalars, str, bytes, containers,
                 numeric arrays), encoded and rebuilt from base types only
- ``drivers``    trusted code run beside the attempt in its worker (threads, asyncio, HTTP)
- ``sandbox``    what the attempt's worker can see: bubblewrap, where it runs
- ``proctree``, ``cgroup``: whole-tree limits and kill; ``snapshot``: the private copy graded
- ``loading``    imports an attempt's file under a unique module name, with clear errors
- ``testing``    helpers for hidden-test authors (fixtures, teaching assertions)
- ``child``      one policed test process: resource limits, output drain, event stream
- ``runner``     decides what each child runs: timeouts, crashes, restarts, outcomes
- ``manifests``  each day's list of hidden tests, collected once and cached on disk
- ``scoring``    turns the manifest and the observed outcomes into points
- ``request``    one typed grade request, built once from the command line
- ``grading``    one day end to end (manifest, run, answers, score, provenance)
- ``parallel``   several days at once, two per core, the slowest first, results in order
- ``record``     what a grade leaves behind: report, ledger entry, milestone
- ``answers``    checks the markdown answer templates for completeness
- ``provenance`` file hashes, the grader's fingerprint and versions: what exactly was graded
- ``identity``   the learner and the commit, read from git without running the clone's code
- ``results``    frozen result dataclasses and their one serialisation
- ``report``     the JSON grade report for mentors
- ``storage``    atomic, locked JSON files; bad files moved aside, never overwritten
- ``progress``   the learner's ledger
- ``milestone``  the milestone checkpoint, its days named in the catalog
- ``hints``      progressive hints, recorded in the ledger
- ``display``    rich rendering, kept apart from all of the above
- ``commands``   handlers of grade, hint, progress and list
- ``history``    a learner's own ledger, read read-only from their clone
- ``similarity`` copy detection: code by normalised structure, answers by phrases
- ``verify``     re-grades a report's commit and names every difference
- ``cohort``, ``cohort_page``: many learners at once, as a table and a static page
- ``watch``, ``reset``, ``notes``, ``flashcards``: the rest of the learner's loop
- ``fake_llm``   day 37's fake LLM server (tooling, not an exercise)
- ``cli``        the command line (``python -m grader``)
- ``bench``      how fast grading is (``nox -s bench``)
"""

from __future__ import annotations

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - StrEnum, tomllib: say so in one line, not an ImportError
    sys.exit(f"grader: Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")


def _version() -> str:
    """The project's version, read from pyproject.toml (its one source of truth)."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if not pyproject.is_file():  # a non-editable install copied the grader away from the katas
        sys.exit(
            "grader: this grader is not inside the katas repository (installed with pip "
            "without -e?); run it from your clone, or install with: pip install -e ."
        )
    return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


def __getattr__(name: str) -> str:
    """``grader.__version__``, read on first use: the test process and the workers import
    the package without needing it (tomllib and the file cost ~15 ms per process)."""
    if name == "__version__":
        globals()["__version__"] = version = _version()
        return version
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
