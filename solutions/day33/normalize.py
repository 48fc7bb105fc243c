"""Text normalisation before tokenization: Unicode forms, case folding, accents, whitespace.

The same word can arrive as different code points: "é" is one code point (U+00E9)
or two ("e" + U+0301 COMBINING ACUTE ACCENT); "Ａ" (full-width, from a Chinese or
Japanese keyboard) is not "A"; "ﬁ" is one ligature character. A tokenizer that sees
them as different strings wastes vocabulary and splits what users mean as one word.

Unicode defines four normal forms (see ``unicodedata.normalize``):

- NFC / NFD: canonical composition / decomposition; never changes how text looks.
- NFKC / NFKD: also apply *compatibility* mappings: full-width -> ASCII,
  "ﬁ" -> "fi", "²" -> "2", U+3000 IDEOGRAPHIC SPACE -> " ". NFKC is what most
  tokenizers use (it leaves Chinese characters alone, but turns full-width
  punctuation such as "，" into ",").

``Pipeline`` chains such ``str -> str`` steps. Left out on purpose: language-specific
rules (Turkish dotless i, German ß in uppercase), removing control or zero-width
characters, and NFKC_Casefold, the single mapping that ICU offers for "fold for search".
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable

FORMS = ("NFC", "NFD", "NFKC", "NFKD")


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
    # subtle: check the form first, so that even "" with a bad form is refused.
    if form not in FORMS:
        raise ValueError(f"unknown normalisation form {form!r}; choose one of {FORMS}")
    if lowercase:
        text = text.casefold()  # subtle: lower() keeps "ß"; casefold() gives "ss"
    if strip_accents:
        text = _strip_accents(text, "NFKD" if form.startswith("NFK") else "NFD")
    # subtle: normalise *after* stripping: NFD split 한 into jamo, NFC puts it back.
    text = unicodedata.normalize(form, text)
    if collapse_whitespace:
        text = " ".join(text.split())  # split() with no argument splits on any Unicode space
    return text


def _strip_accents(text: str, decomposition: str) -> str:
    """Decompose, then drop combining marks: "é" -> "e" + U+0301 -> "e"."""
    # subtle: decompose first: a precomposed "é" is a single letter, not a mark. And
    # keep everything else: encode("ascii", "ignore") would delete 机器学习 too.
    decomposed = unicodedata.normalize(decomposition, text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
        for step in steps:
            if not callable(step):
                raise TypeError(f"every step must be callable, got {step!r}")
        self.steps = steps

    def __call__(self, text: str) -> str:
        for step in self.steps:
            text = step(text)
        return text

    def __repr__(self) -> str:
        return f"Pipeline({', '.join(_step_name(step) for step in self.steps)})"


def _step_name(step: Callable[[str], str]) -> str:
    """``str.strip`` -> "strip"; ``partial(normalize, form="NFC")`` -> "normalize(form='NFC')"."""
    if isinstance(step, functools.partial):
        args = [repr(a) for a in step.args] + [f"{k}={v!r}" for k, v in step.keywords.items()]
        return f"{_step_name(step.func)}({', '.join(args)})"
    name = getattr(step, "__name__", None)
    if name:
        return name  # a function, a lambda ("<lambda>"), a method
    if type(step).__repr__ is not object.__repr__:
        return repr(step)  # a class with its own repr, such as a nested Pipeline
    # subtle: object's default repr is "<Shout object at 0x7f...>": name the class instead
    return type(step).__name__
