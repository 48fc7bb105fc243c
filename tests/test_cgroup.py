"""cgroup v2 limits for one test run (grader.cgroup), on a fake cgroup file system.

A real delegated cgroup2 is rare (this project's CI has a hybrid hierarchy
without the memory controller in v2), so these tests lay out the files the
kernel would show and check what the grader reads and writes.
"""

from __future__ import annotations

import subprocess

import pytest

from grader import cgroup


@pytest.fixture
def fake(tmp_path):
    """A unified hierarchy where the grader sits in grader.slice, which offers memory and pids."""
    root, own = tmp_path / "cgroup", tmp_path / "cgroup" / "grader.slice"
    own.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.subtree_control").write_text("cpu\n")
    (own / "cgroup.procs").write_text("")
    self_cgroup = tmp_path / "self_cgroup"
    self_cgroup.write_text("0::/grader.slice\n")
    return {"root": root, "self_cgroup": self_cgroup}


def test_a_group_is_made_with_the_limits_under_the_graders_own(fake):
    group = cgroup.create(2 * 1024**3, 64, **fake)
    assert group is not None
    own = fake["root"] / "grader.slice"
    assert group.folder.parent == own and group.folder.name.startswith("grader-")
    assert (own / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert (group.folder / "memory.max").read_text() == str(2 * 1024**3)
    assert (group.folder / "pids.max").read_text() == "64"
    assert not (group.folder / "memory.swap.max").exists(), "written only where swap is counted"


def test_no_group_without_a_unified_hierarchy_or_its_controllers(fake):
    (fake["root"] / "grader.slice" / "cgroup.controllers").write_text("cpu pids\n")
    assert cgroup.create(1024**3, 64, **fake) is None, "no memory controller offered"
    (fake["root"] / "cgroup.controllers").unlink()
    assert cgroup.own_group(**fake) is None, "cgroup v1 or hybrid: no cgroup2 at the root"
    assert cgroup.create(1024**3, 64, **fake) is None


def test_the_events_name_the_limit_that_was_hit(fake):
    group = cgroup.create(1024**3, 64, **fake)
    assert group is not None and group.limit_hit() is None
    (group.folder / "pids.events").write_text("max 3\n")
    assert group.limit_hit() == "process_limit"
    (group.folder / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n")
    assert group.limit_hit() == "memory_limit"


def test_enter_writes_the_callers_marker_and_kill_falls_back_to_each_member(fake):
    group = cgroup.create(1024**3, 64, **fake)
    assert group is not None
    (group.folder / "cgroup.procs").write_text("")  # the kernel makes it with the group
    group.enter()
    assert (group.folder / "cgroup.procs").read_text() == "0", "'0' moves the writer"
    sleeper = subprocess.Popen(["sleep", "60"])
    (group.folder / "cgroup.procs").write_text(f"{sleeper.pid}\n")
    (group.folder / "cgroup.kill").mkdir()  # an older kernel: no cgroup.kill to write
    group.kill()
    assert sleeper.wait(timeout=5) == -9
    group.remove()  # refused here (the fake folder holds files): must not raise
