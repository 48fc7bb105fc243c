"""Copy detection catches light edits of a reference and spares honest work (issue 11, item 6).

Copies are built from ``solutions/`` by program, for every exercise file of every day:
one comment line, one local variable renamed, reformatting (extra parentheses and blank
lines), docstrings reworded or removed. Each must still reach ``CODE_THRESHOLD``.

Honest work lives in ``tests/similarity/honest/<day>/``: implementations written from
the stub, the day's README and the answer template only, before reading the reference,
and each one passes every hidden test of its file. Measured against the references:

    day31/metrics.py 0.49, day32/vector_ops.py 0.64, day33/bpe.py 0.50,
    day34/attention.py 0.61, day36/sampling.py 0.65 (threshold 0.9);
    own-words answers day31 0.00, day34 0.02, day36 0.02 (threshold 0.5).

Every edited reference scores 1.0, but 0.9986 for day37/llm_client.py with its docstrings
removed (a class left with only a docstring needs a ``pass``). Pasted model answers score
0.92 or more with a sentence added and 0.83 or more with three words changed per section.
Before names were numbered afresh in each function, a renamed local shifted the numbers
of every later function: day32/vector_ops.py scored 0.82 and escaped the flag.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from grader.answers import answer_sections, count_words
from grader.catalog import EXERCISES_ROOT, SOLUTIONS_ROOT, all_days
from grader.report import SCHEMA_PATH
from grader.results import TestStatus
from grader.similarity import (
    ANSWER_THRESHOLD,
    CODE_THRESHOLD,
    answer_similarity,
    code_similarity,
    day_similarity,
)
from tests.conftest import grade

HONEST_ROOT = Path(__file__).parent / "similarity" / "honest"
HONEST_CODE = sorted(p.relative_to(HONEST_ROOT) for p in HONEST_ROOT.rglob("*.py"))
HONEST_ANSWERS = sorted(p.relative_to(HONEST_ROOT) for p in HONEST_ROOT.rglob("*.md"))
REFERENCE_CODE = [(d.name, f) for d in all_days() for f in d.exercises if f.endswith(".py")]
MODEL_ANSWERS = [(d.name, f) for d in all_days() for f in d.answers]
SIMILARITY_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["properties"]["similarity"]


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{day}/{name}" for day, name in pairs]


Edit = tuple[int, int, int, int, str]  # (line, byte column, end line, end byte column, new text)


def _splice(source: str, edits: list[Edit]) -> str:
    """Apply edits at ast positions (1-based lines, UTF-8 byte columns), last first."""
    data = source.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for line, col, end_line, end_col, text in sorted(edits, reverse=True):
        start, end = starts[line - 1] + col, starts[end_line - 1] + end_col
        data = data[:start] + text.encode() + data[end:]
    return data.decode("utf-8")


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _docstrings(tree: ast.Module) -> list[tuple[ast.AST, ast.Expr]]:
    owners = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)), *_functions(tree)]
    return [(o, o.body[0]) for o in owners if ast.get_docstring(o, clean=False) is not None]


def add_comment(source: str, tree: ast.Module) -> str:
    """One comment line at the top of the first function body written on its own lines."""
    first = next(f.body[0] for f in _functions(tree) if f.body[0].lineno > f.lineno)
    return _splice(
        source,
        [(first.lineno, 0, first.lineno, 0, " " * first.col_offset + "# my own careful work\n")],
    )


def rename_local(source: str, tree: ast.Module) -> str:
    """A variable a function assigns and uses, renamed at every mention in that function.

    The first whose every mention there is a plain name (not in a comment, string or
    f-string, not an attribute or keyword), so the rename is complete and changes nothing else.
    """
    for function in _functions(tree):
        text = ast.get_source_segment(source, function)
        assigned = [
            n.id
            for n in ast.walk(function)
            if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)
            and not hasattr(builtins, n.id)
        ]
        for old in dict.fromkeys(assigned):
            uses = [
                n
                for n in ast.walk(function)
                if (isinstance(n, ast.Name) and n.id == old)
                or (isinstance(n, ast.arg) and n.arg == old)
            ]
            if len(uses) >= 2 and len(re.findall(rf"\b{old}\b", text)) == len(uses):
                width, new = len(old.encode()), f"{old}_renamed"
                return _splice(
                    source,
                    [(n.lineno, n.col_offset, n.lineno, n.col_offset + width, new) for n in uses],
                )
    raise AssertionError("no local variable to rename")


def reformat(source: str, tree: ast.Module) -> str:
    """Parentheses around every returned value and two more blank lines after each statement."""
    returned = [n.value for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value]
    edits = [(v.lineno, v.col_offset, v.lineno, v.col_offset, "(") for v in returned]
    edits += [
        (v.end_lineno, v.end_col_offset, v.end_lineno, v.end_col_offset, ")") for v in returned
    ]
    edits += [(n.end_lineno + 1, 0, n.end_lineno + 1, 0, "\n\n") for n in tree.body]
    edited = _splice(source, edits)
    assert ast.dump(ast.parse(edited)) == ast.dump(tree), "reformatting must keep the program"
    return edited


def reword_docstrings(source: str, tree: ast.Module) -> str:
    """Every docstring replaced by one line of the copier's own."""
    mine = '"""What this does, in my words."""'
    return _splice(
        source,
        [
            (d.lineno, d.col_offset, d.end_lineno, d.end_col_offset, mine)
            for _, d in _docstrings(tree)
        ],
    )


def remove_docstrings(source: str, tree: ast.Module) -> str:
    """Every docstring deleted; a body left empty gets ``pass``."""
    return _splice(
        source,
        [
            (
                d.lineno,
                d.col_offset,
                d.end_lineno,
                d.end_col_offset,
                "pass" if len(owner.body) == 1 else "",
            )
            for owner, d in _docstrings(tree)
        ],
    )


COPY_EDITS = [add_comment, rename_local, reformat, reword_docstrings, remove_docstrings]


def _similarity_of(attempt: Path, day: str, code=(), answers=()) -> dict:
    block = day_similarity(attempt, SOLUTIONS_ROOT / day, tuple(code), tuple(answers), day)
    jsonschema.validate(block, SIMILARITY_SCHEMA)
    return block


@pytest.mark.parametrize("edit", COPY_EDITS, ids=lambda e: e.__name__)
@pytest.mark.parametrize(("day", "name"), REFERENCE_CODE, ids=_ids(REFERENCE_CODE))
def test_a_lightly_edited_reference_is_flagged(day, name, edit, tmp_path):
    source = (SOLUTIONS_ROOT / day / name).read_text(encoding="utf-8")
    copy = edit(source, ast.parse(source))
    assert copy != source
    ast.parse(copy)
    (tmp_path / name).write_text(copy, encoding="utf-8")
    (entry,) = _similarity_of(tmp_path, day, code=[name])["files"]
    assert entry["similarity"] >= CODE_THRESHOLD
    assert entry["flagged"]


def test_the_honest_work_covers_five_days():
    assert len({p.parts[0] for p in HONEST_CODE}) >= 5
    assert len(HONEST_ANSWERS) >= 2


@pytest.mark.parametrize("path", HONEST_CODE, ids=str)
def test_an_honest_implementation_is_not_flagged(path):
    score = code_similarity(HONEST_ROOT / path, SOLUTIONS_ROOT / path)
    assert score is not None and score < CODE_THRESHOLD


@pytest.mark.slow
@pytest.mark.parametrize("path", HONEST_CODE, ids=str)
def test_an_honest_implementation_passes_its_hidden_tests(path, tmp_path):
    day = path.parts[0]
    shutil.copytree(EXERCISES_ROOT / day, tmp_path / day)
    shutil.copy(HONEST_ROOT / path, tmp_path / path)
    result = grade(day, tmp_path, test_files=(f"test_{path.name}",))
    assert result.tests and all(t.status is TestStatus.PASSED for t in result.tests)


@pytest.mark.parametrize(("day", "name"), REFERENCE_CODE, ids=_ids(REFERENCE_CODE))
def test_the_untouched_stub_is_not_flagged(day, name):
    (entry,) = _similarity_of(EXERCISES_ROOT / day, day, code=[name])["files"]
    assert not entry["flagged"]
    assert entry["similarity"] is None or entry["similarity"] < CODE_THRESHOLD


def add_sentence(markdown: str) -> str:
    """A sentence of the copier's own at the start of every answer section."""
    return re.sub(
        r"^(## Answer.*\n)",
        r"\1\nI thought hard about this one myself.\n",
        markdown,
        flags=re.MULTILINE,
    )


def change_words(markdown: str) -> str:
    """Three words of every answer section swapped for others."""
    for _, body in answer_sections(markdown):
        words = list(re.finditer(r"[A-Za-z]{4,}", body))
        edited = body
        for k in (3, 2, 1):  # from the end, so the earlier offsets still hold
            word = words[len(words) * k // 4]
            edited = edited[: word.start()] + "zebra" + edited[word.end() :]
        markdown = markdown.replace(body, edited, 1)
    return markdown


@pytest.mark.parametrize("edit", [add_sentence, change_words], ids=lambda e: e.__name__)
@pytest.mark.parametrize(("day", "name"), MODEL_ANSWERS, ids=_ids(MODEL_ANSWERS))
def test_a_pasted_model_answer_is_flagged(day, name, edit, tmp_path):
    model = (SOLUTIONS_ROOT / day / name).read_text(encoding="utf-8")
    copy = edit(model)
    assert copy != model
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(copy, encoding="utf-8")
    (entry,) = _similarity_of(tmp_path, day, answers=[name])["answers"]
    assert entry["similarity"] >= ANSWER_THRESHOLD
    assert entry["flagged"]


@pytest.mark.parametrize("path", HONEST_ANSWERS, ids=str)
def test_an_answer_in_ones_own_words_is_not_flagged(path):
    sections = answer_sections((HONEST_ROOT / path).read_text(encoding="utf-8"))
    assert sections and all(count_words(body) >= 40 for _, body in sections)
    score = answer_similarity(HONEST_ROOT / path, SOLUTIONS_ROOT / path)
    assert score is not None and score < ANSWER_THRESHOLD


def test_the_block_flags_exactly_what_reaches_its_threshold(tmp_path):
    day = "day31"
    shutil.copytree(EXERCISES_ROOT / day, tmp_path / day)
    shutil.copy(SOLUTIONS_ROOT / day / "metrics.py", tmp_path / day / "metrics.py")
    shutil.copy(SOLUTIONS_ROOT / day / "answers/behavioral.md", tmp_path / day / "answers")
    shutil.copy(HONEST_ROOT / day / "answers/ml_concepts.md", tmp_path / day / "answers")
    day_info = next(d for d in all_days() if d.name == day)
    block = _similarity_of(tmp_path / day, day, day_info.exercises, day_info.answers)
    kinds = [(block["files"], block["threshold"]), (block["answers"], block["answers_threshold"])]
    for entries, limit in kinds:
        for entry in entries:
            score = entry["similarity"]
            assert entry["flagged"] == (score is not None and score >= limit)
    flagged = {e["path"] for e in block["files"] + block["answers"] if e["flagged"]}
    assert flagged == {"day31/metrics.py", "day31/answers/behavioral.md"}
    assert block["flagged"]


@pytest.mark.parametrize("content", ["def f(:\n", "", None], ids=["unparsable", "empty", "missing"])
def test_a_broken_empty_or_missing_file_scores_none(content, tmp_path):
    if content is not None:
        (tmp_path / "answers").mkdir()
        (tmp_path / "metrics.py").write_text(content, encoding="utf-8")
        (tmp_path / "answers" / "ml_concepts.md").write_text(content, encoding="utf-8")
    block = _similarity_of(tmp_path, "day31", ["metrics.py"], ["answers/ml_concepts.md"])
    assert [(e["similarity"], e["flagged"]) for e in block["files"] + block["answers"]] == [
        (None, False),
        (None, False),
    ]
    assert not block["flagged"]


@pytest.mark.slow
def test_grading_a_commented_copy_flags_it_in_the_report(tmp_path):
    shutil.copytree(EXERCISES_ROOT / "day31", tmp_path / "day31")
    reference = (SOLUTIONS_ROOT / "day31" / "metrics.py").read_text(encoding="utf-8")
    copy = add_comment(reference, ast.parse(reference))
    (tmp_path / "day31" / "metrics.py").write_text(copy, encoding="utf-8")
    block = grade("day31", tmp_path).similarity
    flags = {Path(e["path"]).name: e["flagged"] for e in block["files"]}
    assert flags == {"metrics.py": True, "logistic_regression.py": False}
    assert block["flagged"]
