"""Whole-tree limits the kernel enforces: a cgroup v2 of one test run, where one can be made.

When the grader's own cgroup (the ``0::`` line of ``/proc/self/cgroup``, under a
cgroup2 file system mounted at ``/sys/fs/cgroup``) offers the ``memory`` and
``pids`` controllers and lets this user create a group inside it, each test run
gets a group of its own with ``memory.max``, ``memory.swap.max = 0`` and
``pids.max``. The test process moves itself in before ``exec``
(:meth:`Cgroup.enter`), so every process it ever starts is born inside and
cannot leave: the kernel refuses a fork past the process limit, kills inside
the group past the memory limit, and ``cgroup.kill`` (Linux 5.14+) ends every
member at once. The group's event counters say which limit was hit.

Most machines cannot: cgroup v1 or a hybrid hierarchy without those controllers
in v2, a group not delegated to this user, or one that holds processes itself
(the kernel then refuses to hand controllers to child groups). :func:`create`
returns None there, and :mod:`grader.proctree` holds the limits alone by
reading ``/proc``; it also runs beside a cgroup, as a second net.
"""

from __future__ import annotations

import os
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
SELF = Path("/proc/self/cgroup")
CONTROLLERS = ("memory", "pids")


@dataclass(frozen=True)
class Cgroup:
    """One test run's cgroup v2 folder."""

    folder: Path

    def enter(self) -> None:
        """Move the calling process into the group (for ``preexec_fn``: the test
        process, before ``exec``; its descendants are then born inside)."""
        descriptor = os.open(self.folder / "cgroup.procs", os.O_WRONLY)
        try:
            os.write(descriptor, b"0")  # "0": the process that writes
        finally:
            os.close(descriptor)

    def limit_hit(self) -> str | None:
        """``"memory_limit"`` once the kernel killed for memory in the group,
        ``"process_limit"`` once it refused a fork, else None."""
        if _counters(self.folder / "memory.events").get("oom_kill", 0) > 0:
            return "memory_limit"
        if _counters(self.folder / "pids.events").get("max", 0) > 0:
            return "process_limit"
        return None

    def members(self) -> list[int]:
        """The pids in the group now."""
        try:
            text = (self.folder / "cgroup.procs").read_text(encoding="ascii")
        except OSError:
            return []
        return [int(line) for line in text.split() if line.isdigit()]

    def kill(self) -> None:
        """SIGKILL every member: at once through ``cgroup.kill`` where the kernel has
        it, else one by one."""
        try:
            (self.folder / "cgroup.kill").write_text("1", encoding="ascii")
            return
        except OSError:
            pass
        for pid in self.members():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def remove(self) -> None:
        """Remove the group (the kernel refuses while a member is still exiting: then
        it stays, empty, and harmless)."""
        try:
            self.folder.rmdir()
        except OSError:
            pass


def _counters(path: Path) -> dict[str, int]:
    """A cgroup ``*.events`` file (``oom_kill 2`` per line) as a dict."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except OSError:
        return {}
    pairs = (line.split() for line in lines)
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


def own_group(root: Path = ROOT, self_cgroup: Path = SELF) -> Path | None:
    """The grader's own cgroup v2 folder, or None without a unified cgroup2 at ``root``."""
    if not (root / "cgroup.controllers").is_file():
        return None  # cgroup v1, or a hybrid hierarchy whose v2 part sits elsewhere
    try:
        lines = self_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            return root / line[3:].lstrip("/")
    return None


def create(
    memory_bytes: int, processes: int, *, root: Path = ROOT, self_cgroup: Path = SELF
) -> Cgroup | None:
    """A new group under the grader's own with these limits, or None where the kernel
    or the permissions do not allow one (see the module doc)."""
    own = own_group(root, self_cgroup)
    if own is None or not os.access(own / "cgroup.procs", os.W_OK):
        return None
    try:
        offered = (own / "cgroup.controllers").read_text(encoding="ascii").split()
        if not set(CONTROLLERS) <= set(offered):
            return None
        enabled = (own / "cgroup.subtree_control").read_text(encoding="ascii").split()
        missing = " ".join(f"+{name}" for name in CONTROLLERS if name not in enabled)
        if missing:
            (own / "cgroup.subtree_control").write_text(missing, encoding="ascii")
        group = Cgroup(own / f"grader-{secrets.token_hex(6)}")
        group.folder.mkdir()
    except OSError:
        return None
    limits = {"memory.max": memory_bytes, "pids.max": processes, "memory.swap.max": 0}
    try:
        for name, value in limits.items():
            # memory.swap.max exists only where swap is accounted: then no swapping
            # round the memory limit
            if name != "memory.swap.max" or (group.folder / name).exists():
                (group.folder / name).write_text(str(value), encoding="ascii")
    except OSError:
        group.remove()
        return None
    return group
