"""The stub lock (tests/stubs.lock.json): up to date upstream, and what it decides."""

from __future__ import annotations

import subprocess

import pytest

from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT
from grader.errors import UsageError
from tests.stubs_lock import (
    RELOCK,
    catalog_files,
    digest,
    holds_no_work,
    learner_work,
    main,
    read_lock,
    skip_if_learner_work,
    stale_stubs,
)

METRICS = "exercises/day31/metrics.py"
NOTES = "exercises/day31/answers/notes.md"
QUIZ = "exercises/day40/quiz.md"


def test_the_lock_names_every_catalog_file_and_only_files_that_exist():
    lock = read_lock()
    unlocked = [p for p in [*catalog_files(), "exercises/flashcards.md"] if p not in lock]
    assert not unlocked, f"{', '.join(unlocked)} not in tests/stubs.lock.json: run {RELOCK}"
    gone = [p for p in lock if not (REPO_ROOT / p).is_file()]
    assert not gone, f"{', '.join(gone)} locked but gone: run {RELOCK}"


def test_no_stub_was_changed_without_locking_it_again():
    stale = stale_stubs(catalog_files())
    assert not stale, f"{', '.join(stale)} changed yet holds no work: run {RELOCK}"


def test_every_published_stub_holds_no_work_and_every_reference_holds_work():
    published = [p for p in catalog_files() if p not in learner_work(catalog_files())]
    assert all(holds_no_work(REPO_ROOT / p) for p in published), "a stub is not recognised"
    references = [SOLUTIONS_ROOT / p.removeprefix("exercises/") for p in catalog_files()]
    assert not [p for p in references if holds_no_work(p)], "a reference taken for a stub"


# Made here, not copied from exercises/: in a learner's fork those hold their work.
PUBLISHED = {
    METRICS: 'def precision(y_true, y_pred):\n    """tp / (tp + fp)."""\n'
    '    raise NotImplementedError("precision")\n',
    NOTES: "# Day 31 · Notes\n\n**Prompt.** Write your notes.\n\n## Answer: notes\n\n"
    "<!-- Replace this comment with your answer (at least 25 words). -->\n",
    QUIZ: "# Quiz\n\nTwenty-four questions.\n\n### Q1. Which?\n\n- [ ] A. One.\n- [ ] B. Two.\n",
}


@pytest.fixture
def fork(tmp_path):
    """A git checkout holding a day 31 stub, an answer template and a quiz as published,
    and their lock: ``(root, lock)``."""
    root = tmp_path / "repo"
    for path, text in PUBLISHED.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root, {p: digest(root / p) for p in PUBLISHED}


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_only_changed_or_missing_files_are_learner_work_and_crlf_is_not_a_change(fork):
    root, lock = fork
    assert learner_work([METRICS, NOTES, QUIZ], root, lock) == []
    (root / METRICS).write_bytes((root / METRICS).read_bytes().replace(b"\n", b"\r\n"))
    assert learner_work([METRICS], root, lock) == [], "a CRLF checkout is still the stub"
    edit(root / NOTES, "<!-- Replace this comment", "Bias is error from assumptions. <!--")
    (root / QUIZ).unlink()
    assert learner_work([METRICS, NOTES, QUIZ], root, lock) == [NOTES, QUIZ]


def test_a_file_the_lock_does_not_know_is_a_usage_error_naming_the_command(fork):
    root, lock = fork
    with pytest.raises(UsageError, match=f"exercises/day31/bpe.py is not in .*: run {RELOCK}"):
        learner_work(["exercises/day31/bpe.py"], root, lock)


def test_the_skip_names_the_files_holding_work(fork):
    root, lock = fork
    skip_if_learner_work(METRICS, NOTES, root=root, lock=lock)  # published: no skip
    edit(root / METRICS, 'raise NotImplementedError("precision', 'return 0.0  # ("precision')
    edit(root / NOTES, "<!-- Replace this comment", "My own notes. <!--")
    with pytest.raises(pytest.skip.Exception, match=f"^{METRICS}, {NOTES} hold your work"):
        skip_if_learner_work(METRICS, NOTES, root=root, lock=lock)


def test_an_edited_stub_is_stale_but_work_is_not(fork):
    root, lock = fork
    edit(root / METRICS, "tp / (tp + fp).", "tp / (tp + fp), the share of right flags.")
    edit(root / NOTES, "**Prompt.**", "**Prompt (new wording).**")
    edit(root / QUIZ, "Twenty-four", "24")
    assert stale_stubs([METRICS, NOTES, QUIZ], root, lock) == [METRICS, NOTES, QUIZ]
    edit(root / METRICS, 'raise NotImplementedError("precision', 'return 0.0  # ("precision')
    edit(root / NOTES, "<!-- Replace this comment", "My own notes. <!--")
    edit(root / QUIZ, "- [ ] A.", "- [x] A.")
    assert stale_stubs([METRICS, NOTES, QUIZ], root, lock) == [], "one function, word or tick"


@pytest.mark.parametrize(
    "source, holds_none",
    [
        ('def f(x):\n    """Doc."""\n    raise NotImplementedError("f")\n', True),
        (
            "class A:\n    def __init__(self):\n        self.x = 1\n\n"
            "    def go(self):\n        raise NotImplementedError\n",
            True,
        ),
        ("def _helper():\n    return 1\n\ndef f():\n    raise NotImplementedError\n", False),
        ("def f():\n    raise NotImplementedError\n\ndef g():\n    return 2\n", False),
        ("def f(:\n    raise NotImplementedError\n", False),
        ("X = 1\n", False),
    ],
    ids=[
        "raises",
        "given __init__",
        "own helper",
        "one implemented",
        "syntax error",
        "no function",
    ],
)
def test_a_python_file_holds_no_work_while_every_function_raises(tmp_path, source, holds_none):
    path = tmp_path / "stub.py"
    path.write_text(source, encoding="utf-8")
    assert holds_no_work(path) is holds_none


def test_locking_prints_what_changed_and_refuses_work(fork, capsys):
    root, published = fork
    lock_path = root.parent / "stubs.lock.json"
    assert main(root, lock_path) == 0
    assert read_lock(lock_path) == published, "every file under exercises/, hashed"
    capsys.readouterr()
    edit(root / NOTES, "Write your notes.", "Write the notes you want to find again.")
    assert main(root, lock_path) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Locked stubs.lock.json: 1 file(s) changed",
        f"  {NOTES}",
    ]
    edit(root / METRICS, 'raise NotImplementedError("precision', 'return 0.0  # ("precision')
    assert main(root, lock_path) == 2
    err = capsys.readouterr().err
    assert f"{METRICS} holds work" in err and "(nox -s reset -- day31 --answers)" in err
    assert read_lock(lock_path)[METRICS] == published[METRICS], "nothing locked on refusal"
