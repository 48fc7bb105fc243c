"""The grader's own error types.

``UsageError`` is the learner's mistake on the command line (exit status 2);
``GraderError`` is ours: the grader could not produce a result (exit status 3).
Neither is ever raised because an *attempt* misbehaves: a broken attempt is a
result (0 points, a clear status), not an error.
"""

from __future__ import annotations


class GraderError(Exception):
    """The grader itself failed; the message is one sentence for the learner."""


class UsageError(GraderError):
    """A bad command line or argument; the message names what is valid."""
