"""Copy detection that survives edits: code compared by structure, answers by phrases.

Code. Each file is parsed (never run) with :mod:`ast`; docstrings are dropped;
every name the file binds or uses (variables, arguments, helpers) is renamed to
``n0, n1, …`` in order of first use, afresh in each top-level function or class
(so renaming a local in one function leaves the others untouched), while
attributes and constants stay. What
is left is a token stream of node types and values, so comments, formatting,
docstrings and renamed variables all vanish. Top-level functions and classes
are compared unit by unit (same name first, else the most similar), so
reordering the file does not hide a copy either. The score is difflib's ratio,
``2·matched / total`` tokens, weighted by unit size: 1.0 is the same program.

Why our own code and not a library: the well-kept options (MOSS-style
winnowing such as ``copydetect``) tokenise text with a generic lexer and need
extra dependencies; Python's own parser already gives exactly the normal form
we want (no comments, no formatting, names abstracted) in about a hundred lines.

Answers. Written answers (the ``## Answer`` sections) are lower-cased into
words and cut into overlapping 5-word phrases; the score is the share of the
learner's phrases that also occur in the model answer (containment), so
pasting the model answer and adding a few sentences is still caught, while an
answer in one's own words shares almost no 5-word phrase.

Thresholds (documented in the README's "For mentors"): code at or above
``CODE_THRESHOLD``, answers at or above ``ANSWER_THRESHOLD`` are flagged.
Measured on this repository: every reference with a comment line added, a local
renamed, its layout changed or its docstrings reworded or removed scores 0.99 or
more; independent implementations of five exercises, written from the stubs,
score 0.49 to 0.65 (tests/test_similarity.py holds both).
"""

from __future__ import annotations

import ast
import builtins
import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from grader.answers import answer_sections

CODE_THRESHOLD = 0.9
ANSWER_THRESHOLD = 0.5
PHRASE = 5  # words per phrase in answer comparison
MAX_BYTES = 1_000_000  # larger files are not compared (and not flagged)
_BUILTINS = frozenset(dir(builtins))
_WORD = re.compile(r"[\u3400-\u9fff]|[^\W_]+")

Units = dict[str, list[str]]


class _Normaliser(ast.NodeVisitor):
    """Token stream of a tree with names abstracted, in order of first use."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.tokens: list[str] = []

    def name(self, identifier: str) -> str:
        if identifier in _BUILTINS:
            return identifier
        return self.names.setdefault(identifier, f"n{len(self.names)}")

    def generic_visit(self, node: ast.AST) -> None:
        self.tokens.append(type(node).__name__)
        for field_name, value in ast.iter_fields(node):
            if field_name in ("type_comment", "ctx", "kind"):
                continue
            if isinstance(value, list):
                body = _without_docstring(value) if field_name == "body" else value
                for item in body:
                    if isinstance(item, ast.AST):
                        self.visit(item)
                    elif isinstance(item, str):
                        self.tokens.append(self.name(item))  # global/nonlocal names
            elif isinstance(value, ast.AST):
                self.visit(value)
            elif isinstance(value, str):
                # names are abstracted; attribute names, keywords and strings are kept
                abstract = field_name in ("id", "arg", "name", "asname") and not isinstance(
                    node, ast.alias
                )
                self.tokens.append(self.name(value) if abstract else repr(value))
            elif value is not None:
                self.tokens.append(repr(value))


def _without_docstring(body: list[Any]) -> list[Any]:
    first = body[0] if body else None
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    return body[1:] if is_doc else body


def code_units(source: str) -> Units | None:
    """``{unit name: tokens}`` for each top-level def/class (and ``<module>`` for the rest);
    None when the text does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    module_level = _Normaliser()  # imports, constants and other statements share one table
    units: Units = {}
    rest: list[str] = []
    for node in _without_docstring(tree.body):
        is_unit = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        # A fresh table per def or class: with one table for the whole file, renaming `tp`
        # in one function renumbered every name first seen after it in the others.
        normaliser = _Normaliser() if is_unit else module_level
        start = len(normaliser.tokens)
        try:
            normaliser.visit(node)
        except RecursionError:
            return None
        tokens = normaliser.tokens[start:]
        if _is_stub(node):
            continue  # the published stub's text is nobody's work: two stubs are not a copy
        if is_unit:
            units[node.name] = tokens
        else:
            rest += tokens
    if rest:
        units["<module>"] = rest
    return units


def _is_stub(node: ast.AST) -> bool:
    """A function whose whole body is ``raise NotImplementedError…`` (after its docstring),
    or a class whose every method but ``__init__`` (which stubs may give) is one."""
    if isinstance(node, ast.ClassDef):
        methods = [
            n
            for n in node.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name != "__init__"
        ]
        return bool(methods) and all(_is_stub(m) for m in methods)
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    body = _without_docstring(node.body)
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def compare_units(mine: Units, theirs: Units) -> float:
    """Size-weighted similarity of two files' units, in [0, 1]."""
    total = sum(len(t) for t in mine.values()) + sum(len(t) for t in theirs.values())
    if not total:
        return 0.0
    matched = 0
    unpaired = dict(theirs)
    for name, tokens in sorted(mine.items(), key=lambda kv: -len(kv[1])):
        if not unpaired:
            break
        partner = (
            name
            if name in unpaired
            else max(unpaired, key=lambda other: _ratio(tokens, unpaired[other]))
        )
        other = unpaired.pop(partner)
        matched += _ratio(tokens, other) * (len(tokens) + len(other))
    return round(matched / total, 4)


def _ratio(a: list[str], b: list[str]) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0


def code_similarity(mine: Path, theirs: Path, given: Path | None = None) -> float | None:
    """How alike two Python files are after normalising; None when either is missing, huge,
    unparsable or still only the stub (every function raising ``NotImplementedError``).

    ``given``: the published stub. Units it already holds unchanged (an exception class,
    a dataclass the stub hands out) are dropped from both sides, so two learners are
    compared on what they wrote, not on what they were given.
    """
    units = [_units_of(mine), _units_of(theirs)]
    stub = _units_of(given) if given is not None else None
    if stub:
        units = [
            None if u is None else {n: t for n, t in u.items() if stub.get(n) != t} for u in units
        ]
    if not _has_work(units[0]) or not _has_work(units[1]):
        return None
    return compare_units(units[0], units[1])


def _units_of(path: Path) -> Units | None:
    text = _read(path)
    return code_units(text) if text is not None else None


def _has_work(units: Units | None) -> bool:
    """Parsed, with at least one implemented function or class (imports alone are no work)."""
    return units is not None and any(name != "<module>" for name in units)


def answer_phrases(markdown: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(" ".join(body for _, body in answer_sections(markdown)).casefold())
    return {tuple(words[i : i + PHRASE]) for i in range(len(words) - PHRASE + 1)}


def answer_similarity(mine: Path, model: Path) -> float | None:
    """Share of the learner's 5-word phrases found in the model answer (None: nothing written)."""
    texts = [_read(mine), _read(model)]
    if texts[0] is None or texts[1] is None:
        return None
    learner, reference = answer_phrases(texts[0]), answer_phrases(texts[1])
    if not learner:
        return None
    return round(len(learner & reference) / len(learner), 4)


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def day_similarity(
    attempt_dir: Path,
    reference_dir: Path,
    exercises: tuple[str, ...],
    answers: tuple[str, ...],
    label: str,
) -> dict[str, Any]:
    """The report's ``similarity`` block for one day's attempt against the references."""
    files = []
    for name in exercises:
        score = code_similarity(attempt_dir / name, reference_dir / name)
        files.append(
            {
                "path": f"{label}/{name}",
                "file": name,
                "similarity": score,
                "flagged": score is not None and score >= CODE_THRESHOLD,
            }
        )
    written = []
    for name in answers:
        score = answer_similarity(attempt_dir / name, reference_dir / name)
        written.append(
            {
                "path": f"{label}/{name}",
                "file": name,
                "similarity": score,
                "flagged": score is not None and score >= ANSWER_THRESHOLD,
            }
        )
    return {
        "threshold": CODE_THRESHOLD,
        "answers_threshold": ANSWER_THRESHOLD,
        "files": files,
        "answers": written,
        "flagged": any(f["flagged"] for f in files + written),
    }
