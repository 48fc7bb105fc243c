"""Remote calls between the judge and a worker, over one socket, in both directions.

Each side is a :class:`Peer`. Values cross as plain data (:mod:`grader.wire`);
any other object stays where it lives, in that side's object table, and the other
side holds a :class:`RemoteRef` to it. Using a ``RemoteRef`` (calling it, reading
an attribute, iterating, ``len``, ``str``, indexing, ``with``) sends one request
and waits for the answer; the answer is again plain data or a reference.

Both directions are needed: the judge calls the attempt's functions, and the
attempt calls back what a test handed it (a fake clock, a ``step_fn``, an
iterator of chunks). Every request runs in its own thread on the serving side, so
threads in a test stay concurrent in the attempt, and a callback can itself call
the attempt again.

Exceptions cross as descriptions (type, its bases, args, plain attributes, where in
the attempt they were raised) and are raised again on the other side: builtin types
as themselves, the attempt's own exception classes as stand-in classes of the same
name and bases (:func:`stand_in`), so ``pytest.raises(client.RateLimitError)`` and
``err.value.retry_after`` read as they did in-process.

What a worker may do to the judge's objects is limited (``guarded``): it may call
them, iterate them and read their public attributes, never dunder or private ones
(``__globals__``, ``gi_frame``…), so an attempt cannot climb from a callback into
the test's module and its expected values.
"""

from __future__ import annotations

import builtins
import copy as copy_module
import functools
import importlib
import itertools
import queue
import socket
import sys
import threading
import traceback
import types
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from grader import wire

# The dunders a reference answers (a function's name for a repr, a module's file to read
# its source): plain strings. Every other dunder is answered locally, without a request.
NAMES = frozenset({"__name__", "__qualname__", "__doc__", "__module__", "__file__"})
SAFE_ERRORS = {("grader.loading", "AttemptLoadError")}  # the judge's own classes, by name
_STANDINS: dict[tuple[str, str], type[BaseException]] = {}
_STANDINS_LOCK = threading.Lock()
FRAME_ATTRIBUTES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_", "im_")


class PeerGone(Exception):
    """The other process ended (or broke the protocol): no answer will come."""


class RemoteError(Exception):
    """An exception from the other side that has no stand-in here (e.g. ``SystemExit``)."""


class Peer:
    """One end of the connection: its object table, its pending requests, its reader."""

    def __init__(
        self,
        sock: socket.socket,
        name: str,
        *,
        services: dict[str, Callable[..., Any]] | None = None,
        guarded: bool = False,
        serve_here: bool = False,
        where: Path | None = None,
        describe_exit: Callable[[], str] | None = None,
    ) -> None:
        self.sock, self.name, self.guarded, self.where = sock, name, guarded, where
        self.services = services or {}
        self.describe_exit = describe_exit or (lambda: "it closed the connection")
        self._send_lock, self._table_lock = threading.Lock(), threading.Lock()
        self._ids = itertools.count(1)
        self._table: dict[int, Any] = {}
        self._by_identity: dict[int, int] = {}
        self._pending: dict[int, _Pending] = {}
        self._remote: weakref.WeakValueDictionary[int, RemoteRef] = weakref.WeakValueDictionary()
        # (module reference id, name) -> the module's function or class of that name (see
        # RemoteRef.__getattr__): `m.precision(y, p)` is then one request, not two
        self.module_names: dict[tuple[int, str], RemoteRef] = {}
        self.gone: str | None = None
        self._servers = _Servers(self._serve, name, main=serve_here)
        self._reader = threading.Thread(target=self._read, name=f"peer-{name}", daemon=True)
        self._reader.start()

    # --- requests -------------------------------------------------------------------

    def request(self, op: str, *values: Any, **fields: Any) -> Any:
        """Send ``op`` with ``values`` (encoded) and wait for the answer."""
        pending = _Pending()
        number = next(self._ids)
        with self._table_lock:
            if self.gone:
                raise PeerGone(self.gone)
            self._pending[number] = pending
        tree, buffers = wire.encode(list(values), self.export)
        try:
            self._send({"id": number, "op": op, "values": tree, **fields}, buffers)
        except OSError:
            self._closed()
        pending.event.wait()
        if pending.gone:
            raise PeerGone(pending.gone)
        header, buffers = pending.answer  # type: ignore[misc]
        for category, message in header.get("warnings") or ():
            _warn_again(str(category), str(message))
        if "error" in header:
            raise self.rebuild_error(header["error"], buffers)
        result, after = wire.decode(header["value"], buffers, self.resolve)
        if after is not None and op == "call":
            _write_back(values[1], values[2], after)
        return result

    def _send(self, header: dict[str, Any], buffers: list[bytes]) -> None:
        with self._send_lock:
            wire.send(self.sock, header, buffers)

    # --- references -------------------------------------------------------------------

    def export(self, value: Any) -> dict[str, Any]:
        """A reference to ``value``: kept alive in the table for the connection's life."""
        if isinstance(value, RemoteRef):
            if value._peer is not self:
                raise wire.WireError(
                    "an object from one process cannot be passed to another "
                    "(the attempt's objects stay with the attempt)"
                )
            return {"id": value._id, "owner": value._owner}
        if isinstance(value, type) and issubclass(value, BaseException):
            return {"id": 0, "owner": self.name, "error_class": _describe_class(value)}
        if isinstance(value, BaseException):  # future.exception(), gather(return_exceptions)
            described = {"class": _describe_class(type(value)), "message": _text(value, 2000)}
            return {"id": 0, "owner": self.name, "error_value": described}
        with self._table_lock:
            number = self._by_identity.get(id(value))
            if number is None:
                number = next(self._ids)
                self._table[number], self._by_identity[id(value)] = value, number
        # whether the type keeps object's default repr: the stand-in mirrors it (see ref_class)
        plain = type(value).__repr__ is object.__repr__
        return {"id": number, "owner": self.name, "type": type(value).__name__, "plain_repr": plain}

    def resolve(self, ref: dict[str, Any]) -> Any:
        if "error_class" in ref:
            return self.local_error_class(ref["error_class"])
        if "error_value" in ref:  # an exception returned, not raised: rebuilt the same way
            return self.rebuild_error(ref["error_value"], [])
        number = int(ref["id"])
        if ref.get("owner") == self.name:
            with self._table_lock:
                if number not in self._table:
                    raise wire.WireError(f"no object {number} here")
                return self._table[number]
        with self._table_lock:
            known = self._remote.get(number)
            if known is None:
                owner, kind = str(ref.get("owner")), str(ref.get("type", "object"))
                cls = ref_class(kind, plain_repr=bool(ref.get("plain_repr")))
                known = self._remote[number] = cls(self, number, owner, kind)
        return known  # one reference per remote object, so `model.fit(x, y) is model` holds

    # --- errors -----------------------------------------------------------------------

    def describe_error(self, exc: BaseException) -> tuple[dict[str, Any], list[bytes]]:
        described = {"class": _describe_class(type(exc)), "message": _text(exc, 2000)}
        where = self._where(exc)
        if where:
            described["where"] = where
        plain = (
            {k: v for k, v in vars(exc).items() if not k.startswith("_")}
            if hasattr(exc, "__dict__")
            else {}
        )
        for candidate in ((list(exc.args), plain), ([described["message"]], {})):
            try:
                tree, buffers = wire.encode(list(candidate), lambda v: _unexportable(v))
                described["args"] = tree
                return described, buffers
            except (wire.WireError, TypeError):
                continue
        return described, []

    def _where(self, exc: BaseException) -> str | None:
        if self.where is None:
            return None
        inside = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if Path(frame.filename).parent == self.where
        ]
        return f"{Path(inside[-1].filename).name} line {inside[-1].lineno}" if inside else None

    def rebuild_error(self, described: dict[str, Any], buffers: list[bytes]) -> BaseException:
        """The exception the other side raised, as an exception of this side."""
        message = str(described.get("message", ""))
        try:
            cls = self.local_error_class(described["class"])
            args, attributes = wire.decode(
                described.get("args", [[message], {"$d": []}]), buffers, lambda ref: None
            )
        except (KeyError, TypeError, ValueError, wire.WireError):
            cls, args, attributes = RemoteError, [message], {}
        try:
            error = cls(*args)
        except Exception:
            error = cls(message) if cls is not RemoteError else RemoteError(message)
        for key, value in (attributes or {}).items():
            try:
                setattr(error, str(key), value)
            except (AttributeError, TypeError):
                pass
        if described.get("where"):
            error._remote_where = str(described["where"])  # type: ignore[attr-defined]
        error._remote_message = message  # type: ignore[attr-defined]
        return error

    def local_error_class(self, chain: list[list[str]]) -> type[BaseException]:
        """The class for a described exception: a builtin, one of ours by name, the real
        class where it lives (the worker), or a stand-in (the judge)."""
        module, qualname = chain[0]
        if module == "builtins":
            found = getattr(builtins, qualname, None)
            if isinstance(found, type) and issubclass(found, Exception):
                return found
            return stand_in([[module, qualname]])  # SystemExit…: a RemoteError named so
        if module.split(".")[0] in sys.stdlib_module_names | {"numpy"}:
            real = _lookup(module, qualname, importing=True)
            if real is not None:  # a library's class: instantiating it runs no attempt code
                return real
        if (module, qualname) in SAFE_ERRORS:
            from grader.loading import AttemptLoadError

            return AttemptLoadError
        if not self.guarded:  # the worker: the attempt's own class, if it is loaded
            real = _lookup(module, qualname)
            if real is not None:
                return real
        return stand_in(chain)

    # --- serving ----------------------------------------------------------------------

    def _read(self) -> None:
        try:
            while (message := wire.receive(self.sock)) is not None:
                header, buffers = message
                if "re" in header:
                    with self._table_lock:
                        pending = self._pending.pop(int(header["re"]), None)
                    if pending is not None:
                        pending.answer = (header, buffers)
                        pending.event.set()
                else:
                    self._servers.submit(header, buffers)
        except (wire.WireError, ValueError, TypeError, KeyError) as exc:
            self._closed(f"it broke the protocol ({exc})")
            return
        self._closed()

    def serve_here(self) -> None:
        """Serve requests in the calling thread (the worker's main thread: code that must
        run there, such as ``signal.signal``, does) until the connection closes; requests
        that arrive while it is busy get threads of their own."""
        self._servers.serve_main()

    def _closed(self, why: str | None = None) -> None:
        with self._table_lock:
            if self.gone:
                return
            self.gone = why or self.describe_exit()
            pending, self._pending = list(self._pending.values()), {}
        self._servers.stop()
        for waiting in pending:
            waiting.gone = self.gone
            waiting.event.set()

    def _serve(
        self, header: dict[str, Any], buffers: list[bytes], free: Callable[[], None]
    ) -> None:
        """Answer one request; ``free()`` marks this thread idle just before the answer goes
        out, so the caller's next request finds it free (and no new thread is started)."""
        number = header.get("id")
        _CAUGHT.warnings = [] if not self.guarded else None
        values: list[Any] = []
        try:
            values = wire.decode(header.get("values", []), buffers, self.resolve)
            calling = header.get("op") == "call"
            before = _mutable_copies(values) if calling else None
            result = self._perform(str(header.get("op")), values, header)
            # What the call did to the mutable values it was given (an array changed in
            # place), sent back so the caller's own objects change as they would in-process.
            after = _changed_arguments(values, before) if calling else None
            tree, out = wire.encode([result, after], self.export)
            reply: dict[str, Any] = {"re": number, "value": tree}
        except BaseException as exc:  # every failure goes back to the caller as an error
            described, out = self.describe_error(exc)
            reply = {"re": number, "error": described}
        if _CAUGHT.warnings:
            reply["warnings"] = _CAUGHT.warnings[:20]
        _CAUGHT.warnings = None
        free()
        try:
            self._send(reply, out)
        except (OSError, wire.WireError):
            self._closed()

    def _perform(self, op: str, values: list[Any], header: dict[str, Any]) -> Any:
        if op in self.services:
            return self.services[op](*values)
        target, *rest = values if values else (None,)
        if self.guarded:
            _check_guarded(op, target, rest)
        if op == "getattr":
            return getattr(target, rest[0])
        if op == "setattr":
            setattr(target, rest[0], rest[1])
            return None
        if op == "call":
            args, kwargs = rest
            return target(*args, **kwargs)
        operations: dict[str, Callable[..., Any]] = {
            "iter": iter,
            "next": next,
            "len": len,
            "str": str,
            "repr": repr,
            "bool": bool,
            "getitem": lambda t, k: t[k],
            "contains": lambda t, k: k in t,
            "setitem": _setitem,
            "delitem": _delitem,
            "enter": lambda t: t.__enter__(),
            "exit": lambda t, *a: t.__exit__(*a),
            "isinstance": isinstance,
        }
        if op not in operations:
            raise RemoteError(f"unknown operation {op!r}")
        return operations[op](target, *rest)


# --- warnings and in-place changes, as an in-process call would show them ----------------

_CAUGHT = threading.local()  # the warnings of the request this thread serves
_MUTABLE = (list, dict, bytearray, set)
WRITE_BACK_LIMIT = 16 * 1024**2  # bytes: larger arguments are not sent back


def capture_warnings() -> None:
    """In the worker: every warning goes to the request that raised it (and is shown every
    time, as ``no_warnings``'s ``simplefilter("always")`` would in-process)."""
    shown = warnings.showwarning

    def record(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        caught = getattr(_CAUGHT, "warnings", None)
        if caught is None:
            shown(message, category, *args, **kwargs)
        else:
            caught.append([category.__name__, str(message)[:500]])

    warnings.showwarning = record
    warnings.simplefilter("always")


def _warn_again(category: str, message: str) -> None:
    found = getattr(builtins, category, None)
    kind = found if isinstance(found, type) and issubclass(found, Warning) else UserWarning
    warnings.warn(message, kind, stacklevel=4)


def _mutable_copies(values: list[Any]) -> list[Any] | None:
    """Copies of the call's mutable arguments (None for the others), to tell what changed."""
    _, args, kwargs = values
    size = sum(a.nbytes for a in [*args, *kwargs.values()] if isinstance(a, np.ndarray))
    if size > WRITE_BACK_LIMIT:
        return None

    def copy(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return value.copy()
        try:
            return copy_module.deepcopy(value) if isinstance(value, _MUTABLE) else None
        except Exception:  # an object inside that cannot be copied: not written back
            return None

    return [[copy(a) for a in args], {k: copy(v) for k, v in kwargs.items()}]


def _changed_arguments(values: list[Any], before: list[Any] | None) -> list[Any] | None:
    """``[args, kwargs]`` with each mutable argument the call changed (None for the rest)."""
    if before is None:
        return None
    _, args, kwargs = values

    def changed(now: Any, then: Any) -> Any:
        if then is None:
            return None
        if isinstance(now, np.ndarray):
            same = now.shape == then.shape and np.array_equal(now, then, equal_nan=True)
        else:
            try:
                same = bool(now == then)
            except Exception:
                same = False
        return None if same else now

    new_args = [changed(a, b) for a, b in zip(args, before[0])]
    new_kwargs = {k: changed(v, before[1].get(k)) for k, v in kwargs.items()}
    if all(a is None for a in new_args) and all(v is None for v in new_kwargs.values()):
        return None
    return [new_args, new_kwargs]


def _write_back(args: Any, kwargs: Any, after: Any) -> None:
    """Change the caller's arrays, lists, dicts, bytearrays and sets as the callee did."""
    new_args, new_kwargs = after
    pairs = list(zip(args, new_args)) + [(kwargs[k], v) for k, v in new_kwargs.items()]
    for mine, theirs in pairs:
        if theirs is None or isinstance(mine, RemoteRef):
            continue
        if isinstance(mine, np.ndarray) and isinstance(theirs, np.ndarray):
            if mine.shape == theirs.shape and mine.flags.writeable:
                np.copyto(mine, theirs, casting="unsafe")
        elif isinstance(mine, list | bytearray) and type(theirs) is type(mine):
            mine[:] = theirs
        elif isinstance(mine, dict | set) and type(theirs) is type(mine):
            mine.clear()
            mine.update(theirs)


class _Servers:
    """Threads that serve requests, so nothing queues behind a request that never ends (a
    call blocked in the attempt, a callback waiting): an idle thread takes the next request,
    and when all are busy a new one starts. Reusing threads keeps a call ~10x cheaper than
    a thread per request.

    In the worker, the main thread serves whenever it is free, and helper threads only
    while it is busy. Attempt code then runs where it would in-process, which matters
    beyond ``signal.signal``: a signal an attempt sends its own process
    (``os.kill(os.getpid(), SIGSEGV)``) is delivered to the main thread, so it kills the
    process before the call can answer, instead of racing the answer from another thread.
    """

    def __init__(self, serve: Callable[..., None], name: str, main: bool) -> None:
        self.serve, self.name = serve, name
        Queue = queue.SimpleQueue[tuple[dict[str, Any], list[bytes]] | None]
        self.queue: Queue = queue.SimpleQueue()  # for helper threads
        self.main_queue: Queue = queue.SimpleQueue()  # for the main thread (serve_here)
        self.main_free = main
        self.idle = 0  # helper threads waiting on self.queue
        self.lock = threading.Lock()

    def submit(self, header: dict[str, Any], buffers: list[bytes]) -> None:
        with self.lock:
            to_main, start = self.main_free, False
            if to_main:
                self.main_free = False
            elif self.idle:
                self.idle -= 1
            else:
                start = True
        (self.main_queue if to_main else self.queue).put((header, buffers))
        if start:
            threading.Thread(target=self._loop, daemon=True, name=f"serve-{self.name}").start()

    def stop(self) -> None:
        """The connection closed: every server thread stops."""
        self.queue.put(None)
        self.main_queue.put(None)

    def serve_main(self) -> None:
        self._loop(main=True)

    def _loop(self, main: bool = False) -> None:
        source = self.main_queue if main else self.queue
        while (request := source.get()) is not None:
            self._serve_one(request, main)
        source.put(None)  # let every other server thread of this queue stop too

    def _serve_one(self, request: tuple[dict[str, Any], list[bytes]], main: bool) -> None:
        freed: list[bool] = []

        def free() -> None:  # once per request, even if serving it failed
            if not freed:
                freed.append(True)
                self._free(main)

        try:
            self.serve(*request, free)
        finally:
            free()

    def _free(self, main: bool) -> None:
        with self.lock:
            if main:
                self.main_free = True
            else:
                self.idle += 1


class _Pending:
    __slots__ = ("answer", "event", "gone")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.answer: tuple[dict[str, Any], list[bytes]] | None = None
        self.gone: str | None = None


def _setitem(target: Any, key: Any, value: Any) -> None:
    target[key] = value


def _delitem(target: Any, key: Any) -> None:
    del target[key]


# Objects whose public attributes still lead into the judge's internals (a generator's
# frame, a function's module): a worker may call them, never read them.
_OPAQUE = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
    types.FrameType,
    types.TracebackType,
    types.CodeType,
    types.ModuleType,
    functools.partial,
    type,
)


def _check_guarded(op: str, target: Any, rest: list[Any]) -> None:
    """What a worker may do with the judge's objects: call, iterate, read public data."""
    if op in ("setattr", "setitem", "delitem", "enter", "exit", "isinstance"):
        raise PermissionError(f"the grader's objects do not allow {op}")
    if op == "getattr":
        name = str(rest[0])
        if name in NAMES and name != "__file__":
            return  # a name or a docstring: plain text, nothing reachable from it
        if name.startswith("_") or name.startswith(FRAME_ATTRIBUTES) or isinstance(target, _OPAQUE):
            raise AttributeError(f"the grader's {type(target).__name__} has no public {name!r}")


def _unexportable(value: Any) -> dict[str, Any]:
    raise wire.WireError(f"{type(value).__name__} in an exception's arguments")


def _text(exc: BaseException, limit: int) -> str:
    try:
        text = str(exc)
    except Exception:  # a __str__ that raises is still an exception to report
        text = f"<{type(exc).__name__} whose str() failed>"
    return text if len(text) <= limit else text[:limit] + "…"


def _describe_class(cls: type) -> list[list[str]]:
    """``[[module, qualname], ...]`` from the class up to its first builtin base."""
    chain = []
    for klass in cls.__mro__:
        if not issubclass(klass, BaseException):
            continue
        chain.append(
            [
                str(klass.__dict__.get("__remote_module__", klass.__module__)),
                str(klass.__dict__.get("__remote_qualname__", klass.__qualname__)),
            ]
        )
        if klass.__module__ == "builtins":
            break
    return chain


def _lookup(module: str, qualname: str, importing: bool = False) -> type[BaseException] | None:
    found: Any = sys.modules.get(module)
    if found is None and importing:
        try:
            found = importlib.import_module(module)
        except ImportError:
            return None
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def stand_in(chain: list[list[str]]) -> type[BaseException]:
    """A judge-side class named like the attempt's exception class, with the same bases.

    Built from names only (no attempt code): ``pytest.raises`` matches it, its instances
    keep the keyword arguments and plain attributes they were given, and raising one back
    into the worker raises the attempt's real class there.
    """
    key = (str(chain[0][0]), str(chain[0][1]))
    with _STANDINS_LOCK:
        if key in _STANDINS:
            return _STANDINS[key]
    if key[0] == "builtins":  # pytest's Skipped and Exit also say they are builtins
        found = getattr(builtins, key[1], None)
        if isinstance(found, type) and issubclass(found, Exception):
            return found
        # SystemExit, KeyboardInterrupt, GeneratorExit, BaseException: raised here they would
        # stop the judge itself, so they arrive as an ordinary error carrying their name
        cls = type(key[1], (RemoteError,), {"__module__": "attempt:builtins"})
        with _STANDINS_LOCK:
            return _STANDINS.setdefault(key, cls)
    base = stand_in(chain[1:]) if len(chain) > 1 else Exception

    def __init__(self: BaseException, *args: Any, **kwargs: Any) -> None:
        base.__init__(self, *args)
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __str__(self: BaseException) -> str:
        return str(getattr(self, "_remote_message", None) or base.__str__(self))

    cls = type(
        key[1].rsplit(".", 1)[-1],
        (base,),
        {
            "__init__": __init__,
            "__str__": __str__,
            "__module__": f"attempt:{key[0]}",
            "__remote_module__": key[0],
            "__remote_qualname__": key[1],
        },
    )
    with _STANDINS_LOCK:
        return _STANDINS.setdefault(key, cls)


_REF_CLASSES: dict[tuple[str, bool], type[RemoteRef]] = {}
# Type names of what a module defines (functions, classes and their metaclasses' usual names)
_DEFINITIONS = frozenset({"function", "builtin_function_or_method", "type", "ABCMeta", "EnumType"})


def ref_class(type_name: str, plain_repr: bool = False) -> type[RemoteRef]:
    """A subclass of :class:`RemoteRef` named like the remote object's type, so
    ``type(step).__name__`` and messages say ``Shout`` or ``LogisticRegression``.

    ``plain_repr``: the remote type keeps object's default repr, so this class does too
    (``type(x).__repr__ is object.__repr__`` reads the same on both sides).
    """
    name = type_name if type_name.isidentifier() else "RemoteRef"
    with _STANDINS_LOCK:
        if (name, plain_repr) not in _REF_CLASSES:
            body: dict[str, Any] = {"__slots__": (), "__module__": "remote"}
            if plain_repr:
                body["__repr__"] = object.__repr__
            _REF_CLASSES[name, plain_repr] = type(name, (RemoteRef,), body)
        return _REF_CLASSES[name, plain_repr]


class RemoteRef:
    """An object that lives in the other process: every use is one remote request.

    Equality and hashing are by identity (the attempt's ``__eq__`` never decides a
    verdict); compare the plain values a test reads from it instead.
    """

    __slots__ = ("__weakref__", "_id", "_owner", "_peer", "_type")

    def __init__(self, peer: Peer, number: int, owner: str, type_name: str) -> None:
        object.__setattr__(self, "_peer", peer)
        object.__setattr__(self, "_id", number)
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name not in NAMES:
            raise AttributeError(name)  # probes by numpy, pytest, copy: answered here
        if self._type != "module":
            return self._peer.request("getattr", self, name)
        # A module's functions and classes are looked up once: a test reads `m.f` for every
        # call, and code does not rebind its own functions (a test that does, through
        # setattr below, forgets the old one).
        key = (self._id, name)
        if (known := self._peer.module_names.get(key)) is not None:
            return known
        value = self._peer.request("getattr", self, name)
        if isinstance(value, RemoteRef) and value._type in _DEFINITIONS:
            self._peer.module_names[key] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._peer.module_names.pop((self._id, name), None)
        self._peer.request("setattr", self, name, value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._peer.request("call", self, args, kwargs)

    def __iter__(self) -> Any:
        return self._peer.request("iter", self)

    def __next__(self) -> Any:
        return self._peer.request("next", self)

    def __len__(self) -> int:
        return int(self._peer.request("len", self))

    def __getitem__(self, key: Any) -> Any:
        return self._peer.request("getitem", self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._peer.request("setitem", self, key, value)

    def __delitem__(self, key: Any) -> None:
        self._peer.request("delitem", self, key)

    def __contains__(self, key: Any) -> bool:
        return bool(self._peer.request("contains", self, key))

    def __bool__(self) -> bool:
        return bool(self._peer.request("bool", self))

    def __enter__(self) -> Any:
        return self._peer.request("enter", self)

    def __exit__(self, *exc_info: Any) -> Any:
        kind, value, _ = exc_info
        described = None if kind is None else (kind.__name__, str(value))
        return self._peer.request("exit", self, *(described or (None, None)), None)

    def __instancecheck__(self, instance: Any) -> bool:
        if not isinstance(instance, RemoteRef):
            return False
        return bool(self._peer.request("isinstance", instance, self))

    def __str__(self) -> str:
        return str(self._peer.request("str", self))

    def __repr__(self) -> str:
        try:
            return str(self._peer.request("repr", self))[:300]
        except Exception:
            return f"<{self._type} in the attempt's process (gone)>"

    def __copy__(self) -> RemoteRef:
        return self  # a copy of a reference is the same remote object

    def __deepcopy__(self, memo: dict[int, Any]) -> RemoteRef:
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteRef) and (other._peer, other._id) == (self._peer, self._id)

    def __hash__(self) -> int:
        return hash((id(self._peer), self._id))
