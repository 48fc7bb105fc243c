"""Who and what was graded: the learner, the commit, and whether the tree was clean.

A mentor grades other people's clones, so git is read without letting the clone
run anything on the mentor's machine:

- ``core.fsmonitor`` and ``core.hooksPath`` are overridden on the command line,
  which beats the clone's own ``.git/config``;
- "dirty" is decided without ``git status`` (which may run a ``filter.*.clean``
  command the clone configured): tracked files are hashed with
  ``git hash-object --no-filters`` and compared with the commit's blobs, and
  untracked files are listed with ``git ls-files --others --exclude-standard``;
- a clone owned by another user is read anyway (``safe.directory``), read-only.

The learner is the clone's own ``user.name``/``user.email`` (its ``.git/config``;
the grading user's global config is not consulted for someone else's clone),
else the author of its HEAD commit. Their stable id (:func:`learner_id`) keys
the mentor's ledgers, so ``alice/katas`` and ``bob/katas`` never share one.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path
from typing import Any

# Command-line config beats every config file, so the clone's own settings cannot run
# a command: no fsmonitor daemon, no hooks (and no stale untracked cache to trust).
SAFE_OPTIONS = (
    *("-c", "core.fsmonitor=false"),
    *("-c", "core.hooksPath=/dev/null"),
    *("-c", "safe.directory=*"),
    *("-c", "core.untrackedCache=false"),
)


def git_command(folder: Path, *args: str) -> list[str]:
    """``git -c … -C folder args…``: how every part of the grader runs git (see above)."""
    return ["git", *SAFE_OPTIONS, "-C", str(folder), *args]


def git(folder: Path, *args: str, foreign: bool = True, stdin: str | None = None) -> str | None:
    """Output of a read-only git command in ``folder`` (None when git fails or is absent).

    ``foreign``: the folder belongs to someone else, so the grading user's global
    and system config (their name, their aliases) are left out.
    """
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    if foreign:
        env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    try:
        command = git_command(folder, *args)
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=30, env=env, input=stdin
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def repo_root(folder: Path) -> Path | None:
    top = git(folder, "rev-parse", "--show-toplevel")
    return Path(top) if top else None


def _dirty(root: Path, foreign: bool) -> bool:
    """Any tracked file changed from HEAD, or any untracked file git does not ignore."""
    if git(root, "ls-files", "--others", "--exclude-standard", foreign=foreign):
        return True
    listing = git(root, "ls-tree", "-r", "--full-tree", "HEAD", foreign=foreign) or ""
    committed = {}
    for line in listing.splitlines():
        meta, _, path = line.partition("\t")
        mode, kind, blob = meta.split()
        if kind == "blob" and mode != "120000":  # symlinks: not content we grade
            committed[path] = blob
    tracked = (git(root, "ls-files", "--full-name", foreign=foreign) or "").splitlines()
    if set(tracked) != set(committed):
        return True  # something staged to be added or removed
    present = [p for p in committed if (root / p).is_file()]
    if len(present) != len(committed):
        return True  # a tracked file was deleted
    hashes = (
        git(
            root,
            "hash-object",
            "--no-filters",
            "--stdin-paths",
            foreign=foreign,
            stdin="\n".join(present) + "\n",
        )
        or ""
    )
    return hashes.split() != [committed[p] for p in present]


def repo_state(folder: Path, foreign: bool = True) -> dict[str, Any] | None:
    """``{"commit", "committed_at", "dirty"}`` of the repository holding ``folder``
    (``dirty`` for the whole repository), or None outside git."""
    root = repo_root(folder)
    if root is None:
        return None
    head = git(root, "log", "-1", "--format=%H%x00%cI", foreign=foreign)
    if not head:
        return None  # a repository without commits
    commit, committed_at = head.split("\0")
    return {"commit": commit, "committed_at": committed_at, "dirty": _dirty(root, foreign)}


def learner(folder: Path, foreign: bool = True) -> dict[str, Any]:
    """``{"id", "name", "email", "remote"}`` of the clone holding ``folder``."""
    root = repo_root(folder)
    name = email = remote = None
    if root is not None:
        name = git(root, "config", "--get", "user.name", foreign=foreign)
        email = git(root, "config", "--get", "user.email", foreign=foreign)
        if not (name or email):
            author = git(root, "log", "-1", "--format=%an%x00%ae", foreign=foreign)
            if author:
                name, email = author.split("\0")
        remote = git(root, "config", "--get", "remote.origin.url", foreign=foreign)
    anchor = root or folder.resolve()
    return {
        "id": learner_id(name, email, remote, anchor),
        "name": name or None,
        "email": email or None,
        "remote": remote,
    }


def learner_id(name: str | None, email: str | None, remote: str | None, where: Path) -> str:
    """A stable, readable id: ``alice-3f9c2a1b`` from the email (else the remote URL,
    else the clone's path), so the same learner keeps one ledger wherever the clone lives."""
    key = (email or "").strip().lower() or (remote or "").strip() or str(where)
    slug_source = (email or "").split("@")[0] or name or where.name or "learner"
    slug = re.sub(r"[^a-z0-9]+", "-", slug_source.lower()).strip("-")[:24] or "learner"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
