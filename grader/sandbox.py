"""What a process that runs attempt code can see: a bubblewrap sandbox, when there is one.

:func:`wrap` turns a command into one that runs inside `bubblewrap
<https://github.com/containers/bubblewrap>`_ (``bwrap``): the whole file system
read-only, a few folders replaced by empty ones, a few bound writable, a private
``/tmp``, ``/dev`` and ``/proc``, its own PID namespace (so it sees no other
process), no network (a loopback of its own), no capabilities (not even as
root), and it dies with its parent. :func:`worker_policy` says which folders,
so the rule lives in one place:

- hidden: the whole repository but the ``grader`` package (so ``solutions/``,
  its git history, the tests' variants that quote it, ``exercises/``), the hidden
  tests, ``progress/``, ``$HOME`` and the folder the attempt was copied from;
- read-only: the ``grader`` package, the Python installation and its virtualenv,
  and the private snapshot of the attempt being graded;
- writable: one scratch folder (the worker's working directory).

Rules apply from the outermost folder in, so a folder can be shown inside a
hidden one (the Python installation inside ``$HOME``) or hidden inside a shown
one (``solutions/`` inside the repository); when one path is named twice, hidden
wins over writable, and writable over read-only.

Where bubblewrap is missing or cannot run (macOS, or a Linux with unprivileged
user namespaces switched off), :func:`wrap` returns the command unchanged and
the kind ``"none"``; the grade then says so (:data:`NO_SANDBOX_NOTICE`, and
``"sandbox": "none"`` in the report). The other limits (time, memory, process
count, the whole-tree kill of :mod:`grader.proctree`) hold either way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from grader.catalog import HIDDEN_ROOT, PROGRESS_ROOT, REPO_ROOT, SOLUTIONS_ROOT
from grader.history import clone_root_of

SandboxKind = Literal["bubblewrap", "none"]

NO_SANDBOX_NOTICE = (
    'no sandbox here (reports say "sandbox": "none"): attempt code runs with your rights '
    "and could read the reference solutions; bubblewrap, where it runs, prevents that"
)


def install_command() -> str | None:
    """The command that installs bubblewrap here, where we know one (Debian, Ubuntu)."""
    if shutil.which("apt-get") is None:
        return None
    return "sudo apt-get install bubblewrap"


# What every sandbox gets before any folder rule: its own namespaces (PID, network,
# IPC, ...), a new session (no terminal to inject keystrokes into), death with its
# parent, and no capabilities. subtle: --cap-drop ALL matters when the grader runs
# as root, where bwrap otherwise keeps every capability and the attempt could just
# unmount the empty folder laid over solutions/.
_NAMESPACES = ("--die-with-parent", "--unshare-all", "--new-session", "--cap-drop", "ALL")
# The whole file system read-only, with private /dev, /proc and /tmp.
_BASE_MOUNTS = ("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp")


@dataclass(frozen=True)
class Policy:
    """Folders a sandboxed process sees read-only, may write, and cannot see at all."""

    visible: tuple[Path, ...]
    writable: tuple[Path, ...]
    hidden: tuple[Path, ...]


def python_installation(hidden: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """The folders the running Python needs: its prefixes (the virtualenv and the
    installation it was made from, always) and the other folders on ``sys.path``,
    except those inside ``hidden`` (pytest puts hidden test folders on ``sys.path``)."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    hidden = tuple(p.resolve() for p in hidden)
    on_path = {Path(entry).resolve() for entry in sys.path if entry and Path(entry).is_dir()}
    extra = {
        folder
        for folder in on_path
        if not any(folder.is_relative_to(p) for p in prefixes)
        and not any(folder.is_relative_to(h) for h in hidden)
    }
    return tuple(sorted(prefixes | extra))


def worker_policy(
    *,
    snapshot: Path,
    scratch: Path,
    target_root: Path | None = None,
    progress_dir: Path | None = None,
    repo_root: Path = REPO_ROOT,
) -> Policy:
    """The sandbox of a worker that imports and runs one attempt.

    ``snapshot`` is the private copy of the attempt's day folder (read-only),
    ``scratch`` the worker's own writable folder, ``target_root`` the folder the
    attempt was copied from (``exercises/`` or a learner's clone: hidden with the
    whole clone, so only the snapshot is graded) and ``progress_dir`` the ledger's
    folder when it is not the default ``progress/``.
    """
    # subtle: the reference is not only in solutions/: git's objects and the
    # variants in tests/ quote it too, so the whole repository is hidden and only
    # the grader package (minus its hidden tests) is shown again.
    hidden = (repo_root, SOLUTIONS_ROOT, HIDDEN_ROOT, PROGRESS_ROOT, Path.home())
    if target_root is not None:  # a learner's clone holds solutions/ and .git of its own
        hidden += (target_root, clone_root_of(target_root))
    if progress_dir is not None:
        hidden += (progress_dir,)
    return Policy(
        visible=(repo_root / "grader", *python_installation(hidden), snapshot),
        writable=(scratch,),
        hidden=hidden,
    )


def worker_wrap(
    snapshot: Path, hide: tuple[Path, ...] = ()
) -> Callable[[list[str], int], list[str]]:
    """How an attempt's worker command is wrapped when there is a sandbox: inside bubblewrap,
    seeing the snapshot and the grader package, never the reference, the hidden tests, the
    ledger, $HOME or ``hide`` (the folder the attempt came from, a mentor's progress
    folder); no network. Its scratch folder is the caller's working folder."""
    policy = worker_policy(snapshot=snapshot, scratch=Path.cwd())

    def wrapped(command: list[str], fd: int) -> list[str]:
        hidden = (*policy.hidden, *hide)
        rules = {"visible": policy.visible, "writable": policy.writable, "hidden": hidden}
        return wrap(command, **rules, kind="bubblewrap")[0]

    return wrapped


@cache
def available() -> SandboxKind:
    """``"bubblewrap"`` when ``bwrap`` is on PATH and a trial sandbox runs, else ``"none"``.

    Checked once per process: having the binary is not enough, since a kernel may
    refuse unprivileged user namespaces (then bwrap exits with an error at once).
    subtle: the trial runs a system binary, not this Python: a virtualenv under /tmp
    (a fresh clone in a temporary folder) is hidden by the trial's private /tmp, while
    a real sandbox shows it again (see worker_policy), and must not read as "no sandbox".
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "none"
    probe = [shutil.which("true") or "/bin/true"]
    try:
        trial = subprocess.run(
            [bwrap, *_NAMESPACES, *_BASE_MOUNTS, "--", *probe],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return "none"
    return "bubblewrap" if trial.returncode == 0 else "none"


def wrap(
    command: list[str],
    *,
    visible: list[Path] | tuple[Path, ...],
    writable: list[Path] | tuple[Path, ...],
    hidden: list[Path] | tuple[Path, ...],
    kind: SandboxKind | None = None,
) -> tuple[list[str], SandboxKind]:
    """``command`` inside a bubblewrap sandbox with these folders, and the sandbox's kind
    (``kind``: as already decided by the caller, else :func:`available`).

    The sandbox sees the whole file system read-only except: each ``hidden``
    folder is an empty private one (a hidden file reads as empty), each ``writable``
    folder is the real one, writable, and ``/tmp`` is private. Each ``visible``
    folder is shown read-only even inside a hidden one. Paths are resolved
    (symbolic links followed) and the ones that do not exist are left out.

    Without a usable bubblewrap, returns ``(command, "none")``: the command runs
    as it is, and the caller must say so (:data:`NO_SANDBOX_NOTICE`).
    """
    if (kind or available()) == "none":
        return list(command), "none"
    rules = folder_rules(visible, writable, hidden)
    bwrap = shutil.which("bwrap") or "bwrap"
    return [bwrap, *_NAMESPACES, *_BASE_MOUNTS, *rules, "--", *command], "bubblewrap"


def folder_rules(
    visible: list[Path] | tuple[Path, ...],
    writable: list[Path] | tuple[Path, ...],
    hidden: list[Path] | tuple[Path, ...],
) -> list[str]:
    """bwrap's arguments for the three lists, outermost folder first (see :func:`wrap`)."""
    # Later assignments win, so a path named twice keeps the stronger rule.
    rule: dict[Path, str] = {}
    for kind, paths in (("visible", visible), ("writable", writable), ("hidden", hidden)):
        for path in paths:
            if path.exists() and path.resolve() != Path("/"):  # "/" is in _BASE_MOUNTS
                rule[path.resolve()] = kind
    arguments: list[str] = []
    # subtle: bwrap applies its arguments in order, each mount covering what is
    # below it; sorting by depth puts every folder's rule before its subfolders'.
    for path in sorted(rule, key=lambda p: (len(p.parts), str(p))):
        where = str(path)
        if rule[path] == "visible":
            arguments += ["--ro-bind", where, where]
        elif rule[path] == "writable":
            arguments += ["--bind", where, where]
        elif path.is_dir():
            arguments += ["--tmpfs", where]
        else:
            arguments += ["--ro-bind", "/dev/null", where]
    return arguments
