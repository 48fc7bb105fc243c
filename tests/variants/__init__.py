"""Realistic buggy variants of the reference solutions, one module per day.

Each ``tests/variants/dayNN.py`` defines ``VARIANTS``, a list of :class:`Variant`:
a copy of the reference file with a few exact text edits that reproduce one
mistake learners really make. ``tests/test_variants.py`` proves that every
variant still imports and fails at least one hidden test, and that every
exercise file has at least five of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One realistic bug: ``edits`` are ``(old, new)`` pairs, each ``old`` found exactly once."""

    file: str  # exercise file name, e.g. "metrics.py"
    name: str  # the mistake, e.g. "macro F1 computed from macro P and R"
    edits: tuple[tuple[str, str], ...]

    def apply(self, source: str) -> str:
        for old, new in self.edits:
            count = source.count(old)
            if count != 1:
                raise AssertionError(
                    f"variant {self.name!r}: the text to replace occurs {count} times in "
                    f"{self.file} (expected exactly once); update the variant:\n{old}"
                )
            source = source.replace(old, new)
        return source


def all_variants() -> list[tuple[str, Variant]]:
    """``[(day, variant), ...]`` from every ``tests/variants/dayNN.py``."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("day"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found += [(info.name, variant) for variant in module.VARIANTS]
    return found
