"""The autograder: runs hidden tests against a learner's attempt and keeps score.

Modules, one concern each:

- ``catalog``   the days: titles, exercise files, answer templates, pass marks
- ``plugin``    the pytest plugin that runs *inside* the test process (child side)
- ``loading``   imports an attempt's file under a unique module name, with clear errors
- ``testing``   helpers for hidden-test authors (fixtures, teaching assertions)
- ``runner``    spawns and polices the test process: limits, timeouts, crashes, restarts
- ``scoring``   turns the manifest and the observed outcomes into points
- ``answers``   checks the markdown answer templates for completeness
- ``results``   frozen result dataclasses and their one serialisation
- ``report``    the JSON grade report for mentors
- ``progress``  the learner's ledger (atomic, locked, corruption-safe)
- ``display``   rich rendering, kept apart from all of the above
- ``cli``       the command line (``python -m grader``)
"""

from __future__ import annotations

__version__ = "0.1.0"
