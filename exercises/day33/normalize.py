"""Day 33: text normalisation before tokenization (standard library only).

``unicodedata.normalize(form, text)`` knows the four Unicode normal forms: NFC and
NFD (canonical composition / decomposition) and NFKC and NFKD, which also map
compatibility characters: full-width "Ａ" -> "A", the ligature "ﬁ" -> "fi",
U+3000 IDEOGRAPHIC SPACE -> " ". ``unicodedata.combining(ch)`` is non-zero for
combining marks such as U+0301 COMBINING ACUTE ACCENT. Hints: ``nox -s hint -- day33``.
"""

from __future__ import annotations

import functools  # noqa: F401 - the Pipeline repr example uses it
import unicodedata  # noqa: F401 - you will need it
from collections.abc import Callable


def normalize(
    text: str,
    *,
    form: str = "NFKC",
    lowercase: bool = False,
    strip_accents: bool = False,
    collapse_whitespace: bool = True,
) -> str:
    """``text`` cleaned in four steps, in this order:

    1. ``lowercase``: full case folding with ``str.casefold`` ("Straße" -> "strasse");
    2. ``strip_accents``: decompose (NFKD for the K forms, NFD otherwise) and drop
       the combining marks, the characters whose ``unicodedata.combining`` is non-zero
       ("Café" -> "Cafe"; 机器学习, 한국어 and the emoji variation selector U+FE0F,
       which is not a combining mark, are kept);
    3. normalise to ``form`` (NFC, NFD, NFKC or NFKD), so the result is always in
       that form; ``ValueError`` for any other form;
    4. ``collapse_whitespace``: every run of Unicode whitespace (tab, newline,
       U+00A0, U+3000, ...) becomes one space, and both ends are stripped.

    >>> normalize("  Ｃａｆé\\u3000ﬁne ")
    'Café fine'
    >>> normalize("Crème  Brûlée", lowercase=True, strip_accents=True)
    'creme brulee'
    """
    raise NotImplementedError("normalize: run 'nox -s hint -- day33' if stuck")


class Pipeline:
    """Steps ``str -> str`` applied in order: ``Pipeline(f, g)(text) == g(f(text))``.

    ``Pipeline()`` returns its input unchanged. ``TypeError`` if a step is not callable.
    The repr names the steps in order (a function, lambda or method by its
    ``__name__``, a ``functools.partial`` by its function with its keyword arguments,
    any other callable object by its own repr if its class defines ``__repr__`` (a
    nested Pipeline), else by its class name), never a memory address::

        >>> Pipeline(str.strip, functools.partial(normalize, lowercase=True))
        Pipeline(strip, normalize(lowercase=True))
    """

    def __init__(self, *steps: Callable[[str], str]) -> None:
        self.steps = steps

    def __call__(self, text: str) -> str:
        raise NotImplementedError("Pipeline: run 'nox -s hint -- day33' if stuck")

    def __repr__(self) -> str:
        raise NotImplementedError("Pipeline.__repr__: run 'nox -s hint -- day33' if stuck")
