"""The worker: the only process that imports and runs attempt (or reference) code.

``python -m grader.worker ROLE FOLDER LABEL FD`` serves one connection (the socket
inherited as file descriptor ``FD``) from the judge, its parent, which holds the
hidden tests. It answers:

- ``import STEM``: loads ``FOLDER/STEM.py`` (under a unique module name, with
  :func:`grader.loading.load_module`'s clear errors) and returns a reference to it;
- ``drive DRIVER FUNCTION ARGS``: runs a trusted driver from :mod:`grader.drivers`
  beside the attempt, for what cannot cross as plain data (threads hammering one
  object, asyncio, a local HTTP server inside the sandbox); it returns observations;
- any operation on the references it handed out (see :mod:`grader.peer`).

It never sees the hidden tests or the expected values: it only ever receives the
inputs a test chose to send. What it sends back is plain data, rebuilt by the judge
from builtins and ndarrays (:mod:`grader.wire`), or references. When the judge goes
away, the worker exits (a dead parent kills it: ``PR_SET_PDEATHSIG`` on Linux, and
the sandbox's ``--die-with-parent``).
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.loading import load_module
from grader.peer import Peer, capture_warnings


def serve(role: str, folder: Path, label: str, fd: int) -> None:
    sock = socket.socket(fileno=fd)
    modules: dict[str, ModuleType] = {}

    def load(stem: str) -> ModuleType:
        stem = str(stem)
        if not stem.isidentifier():
            raise ValueError(f"not a module name: {stem!r}")
        if stem not in modules:
            modules[stem] = load_module(
                folder / f"{stem}.py", f"{role}_{folder.name}_{stem}", f"{label}/{stem}.py"
            )
        return modules[stem]

    def drive(driver: str, function: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if not str(driver).isidentifier() or str(function).startswith("_"):
            raise ValueError(f"no driver {driver}.{function}")
        module = importlib.import_module(f"grader.drivers.{driver}")
        return getattr(module, str(function))(load, *args, **kwargs)

    capture_warnings()
    peer = Peer(
        sock,
        role,
        serve_here=True,
        services={"import": load, "drive": drive, "ready": lambda: True},
        where=folder.resolve(),
    )
    peer.serve_here()  # until the judge closes the connection
    os._exit(0)  # attempt threads that never end must not keep the process alive


if __name__ == "__main__":
    role_arg, folder_arg, label_arg, fd_arg = sys.argv[1:5]
    serve(role_arg, Path(folder_arg), label_arg, int(fd_arg))
