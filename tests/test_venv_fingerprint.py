"""The shared venv's fingerprint (noxfile.py): a change an attempt makes is found and repaired."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

import noxfile
from noxfile import FINGERPRINT_NAME, ensure_venv, venv_change, venv_fingerprint

SITE = "lib/python3.11/site-packages"


def make_venv(venv: Path) -> None:
    """What a built venv looks like: an interpreter link, its config, a package with
    precompiled bytecode, metadata and a legitimate .pth file."""
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "lib64").symlink_to("lib")
    (venv / "pyvenv.cfg").write_text("include-system-site-packages = false\n")
    package = venv / SITE / "numpy"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text(
        "def dot(a, b):\n    return sum(x * y for x, y in zip(a, b))\n"
    )
    (package / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\x00" * 64)
    (venv / SITE / "numpy-2.0.dist-info").mkdir()
    (venv / SITE / "numpy-2.0.dist-info" / "RECORD").write_text("numpy/__init__.py\n")
    (venv / SITE / "distutils-precedence.pth").write_text("import os\n")


@pytest.fixture
def venv(tmp_path) -> Path:
    venv = tmp_path / "katas"
    make_venv(venv)
    (venv / FINGERPRINT_NAME).write_text(venv_fingerprint(venv), encoding="ascii")
    return venv


def test_an_untouched_venv_is_trusted(venv):
    assert venv_change(venv) is None


def test_a_planted_pth_file_is_found(venv):
    (venv / SITE / "zzz-grader.pth").write_text("import grader_always_passes\n")
    assert "changed since it was built" in venv_change(venv)


def test_an_edit_that_restores_size_and_mtime_is_still_found(venv):
    source = venv / SITE / "numpy" / "__init__.py"
    before = source.stat()
    text = source.read_text()
    time.sleep(0.01)  # a ctime the clock can tell apart
    source.write_text(text.replace("x * y", "1 + 0"))  # same length
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert source.stat().st_size == before.st_size
    assert venv_change(venv) is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda v: (v / SITE / "numpy" / "__pycache__" / "__init__.cpython-311.pyc").unlink(),
        lambda v: (v / SITE / "numpy" / "__pycache__" / "evil.cpython-311.pyc").write_bytes(b"1"),
        lambda v: (v / SITE / "sitecustomize.py").write_text("import evil\n"),
        lambda v: (v / "pyvenv.cfg").write_text("include-system-site-packages = true\n"),
        lambda v: ((v / "bin" / "python").unlink(), (v / "bin" / "python").symlink_to("/bin/sh")),
    ],
    ids=["pyc removed", "pyc added", "sitecustomize", "pyvenv.cfg", "interpreter relinked"],
)
def test_every_kind_of_change_is_found(venv, change):
    change(venv)
    assert venv_change(venv) is not None


def test_the_stamps_themselves_are_not_part_of_it(venv):
    (venv / ".katas-requirements").write_text("a new digest")
    (venv / ".lock").write_text("")
    assert venv_change(venv) is None


def test_a_venv_without_a_fingerprint_is_not_trusted(tmp_path):
    make_venv(tmp_path / "katas")
    assert "has no fingerprint" in venv_change(tmp_path / "katas")


class FakeSession:
    """Records what ensure_venv asks of nox; "installing" writes the package files."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, ...]] = []
        self.warnings: list[str] = []

    def run(self, *args: str, external: bool = False) -> None:
        self.commands.append(args)
        if args[1] == "venv":
            make_venv(Path(args[-1]))
        elif args[1:3] == ("pip", "install"):
            assert "--link-mode" in args and "copy" in args, "no hard links into uv's cache"

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def log(self, message: str) -> None:
        pass


def test_a_changed_venv_is_rebuilt_before_the_session_uses_it(tmp_path, monkeypatch):
    monkeypatch.setattr(noxfile, "UV", "uv")
    venv, session = tmp_path / "katas", FakeSession()
    python = ensure_venv(session, venv)
    assert python == venv / "bin" / "python" and venv_change(venv) is None
    assert [c[1] for c in session.commands] == ["venv", "pip"] and session.warnings == []

    session.commands.clear()
    ensure_venv(session, venv)
    assert session.commands == [], "an unchanged venv costs no install"

    (venv / SITE / "zzz-grader.pth").write_text("import grader_always_passes\n")
    ensure_venv(session, venv)
    assert len(session.warnings) == 1 and "\n" not in session.warnings[0]
    assert "katas changed since it was built" in session.warnings[0]
    assert "rebuilding it" in session.warnings[0]
    assert [c[1] for c in session.commands] == ["venv", "pip"]
    assert not (venv / SITE / "zzz-grader.pth").exists(), "the planted file is gone"
    assert venv_change(venv) is None


def test_checking_a_real_venv_takes_stats_not_reads():
    real = Path(sys.prefix)
    if real == Path(sys.base_prefix):
        pytest.skip("the tests are not running in a virtualenv")
    entries = sum(len(dirs) + len(files) for _, dirs, files in os.walk(real))
    started = time.process_time()
    venv_fingerprint(real)
    spent = time.process_time() - started
    # About 15 ms of CPU per 3,200 entries here; reading 100 MB of packages would take seconds.
    assert entries > 1000 and spent < 0.5, (entries, spent)
