"""Import one of an attempt's files by path, under a unique module name.

The attempt and the reference solution have the same file names, so neither is
put on ``sys.path``: each file is loaded on its own as ``attempt_day31_metrics``
or ``reference_day31_metrics``. Anything that goes wrong while importing (a
``SyntaxError``, a missing import, even ``sys.exit()`` at module level) becomes
an :class:`AttemptLoadError` whose message names the file and the line, with no
absolute paths.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType


class AttemptLoadError(Exception):
    """An exercise file could not be imported; the message says where and why."""


def _where(exc: BaseException, path: Path) -> str:
    """'line 12' of the innermost frame that lies in ``path`` (or of a SyntaxError)."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"line {exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return f"line {frames[-1].lineno}" if frames else "import time"


def load_module(path: Path, module_name: str, display_name: str) -> ModuleType:
    """Execute the file at ``path`` as a fresh module called ``module_name``.

    ``display_name`` (for example ``exercises/day31/metrics.py``) is what error
    messages show instead of the absolute path.
    """
    if not path.is_file():
        raise AttemptLoadError(f"{display_name} is missing: restore it (the day's stub is in git)")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for odd file types
        raise AttemptLoadError(f"{display_name} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(module_name, None)
        kind = type(exc).__name__
        detail = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        raise AttemptLoadError(
            f"{display_name} failed to import ({_where(exc, path)}): {kind}: {detail}"
        ) from None
    return module
