"""``python -m labs`` (behind ``nox -s lab``): which marimo command, which code, bad input."""

from __future__ import annotations

import pytest

import labs.__main__ as command
from grader.catalog import EXERCISES_ROOT, SOLUTIONS_ROOT, get_day


@pytest.fixture
def launched(monkeypatch):
    """The marimo command lines main() would start, and the code folder it passed on."""
    calls: list[list[str]] = []
    monkeypatch.delenv("KATAS_LAB_TARGET", raising=False)  # restored after the test
    monkeypatch.setattr(command.subprocess, "call", lambda argv: calls.append(argv) or 0)
    return calls


@pytest.mark.parametrize(("flags", "marimo"), [([], "edit"), (["--app"], "run")])
def test_the_lab_opens_in_marimo_edit_or_with_app_in_marimo_run(launched, flags, marimo):
    assert command.main(["34", *flags]) == 0
    (argv,) = launched
    assert argv[1:] == ["-m", "marimo", marimo, str(get_day("day34").lab)]
    assert command.os.environ["KATAS_LAB_TARGET"] == str(EXERCISES_ROOT)


def test_solutions_and_a_clone_choose_the_code_the_lab_imports(launched, tmp_path):
    assert command.main(["day34", "--solutions"]) == 0
    assert command.os.environ["KATAS_LAB_TARGET"] == str(SOLUTIONS_ROOT)
    (tmp_path / "exercises").mkdir()
    assert command.main(["day34", "--target", str(tmp_path)]) == 0
    assert command.os.environ["KATAS_LAB_TARGET"] == str((tmp_path / "exercises").resolve())


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["day31"], "day31 has no lab; the labs are day32, day33, day34, day35, day36, day37"),
        (["day34", "--target", "/no/such/clone"], "is not a folder; give a clone"),
        (["day34", "--export", "--app"], "not allowed with argument"),
    ],
    ids=["a day without a lab", "a missing target", "export and app"],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_status_2(launched, capsys, argv, says):
    assert command.main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err
    assert not launched, "nothing is started on bad input"
