"""Plain data across a process boundary: the only values the judge and a worker exchange.

What crosses by value: ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``,
``bytes``/``bytearray``, lists, tuples, dicts, sets and frozensets of these, numpy
arrays of numeric or bool dtype, and numpy scalars. Everything else crosses as a
*reference* (``{"$r": id, "owner": ...}``): an id in the sender's object table, used
through :mod:`grader.peer`'s remote calls and never as the object itself.

Why so strict: an attempt's object can lie. A list subclass can override ``__eq__``
to equal anything, an object can claim to be any array through ``__array__``. So a
value is rebuilt here from its *base type's* own methods (``list.__iter__``,
``float.__float__``, ``np.ndarray.view``), never from the object's own, and what is
rebuilt on the other side is a genuine builtin or a genuine ndarray: equality,
hashing and numpy operations in the judge run only the judge's code. Object-dtype
arrays and array subclasses are refused by value (an array subclass crosses as its
plain ndarray view).

Framing over a stream socket: a 4-byte big-endian header length, the header (JSON),
then each binary buffer (array data, bytes) as an 8-byte length and its bytes.
Sizes are capped, so a flood from either side ends in :class:`WireError`, not in
exhausted memory.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import socket
import struct
import types
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import numpy as np

MAX_HEADER = 64 * 1024**2
MAX_BUFFER = 1024**3
MAX_DEPTH = 64
ARRAY_KINDS = frozenset("biufc")  # bool, signed, unsigned, float, complex


class WireError(Exception):
    """A value that cannot cross, or a message that broke the protocol."""


Export = Callable[[Any], dict[str, Any]]  # a non-plain value -> its reference
Resolve = Callable[[dict[str, Any]], Any]  # a reference -> the local object or a proxy


def encode(value: Any, export: Export) -> tuple[Any, list[bytes]]:
    """``(tree, buffers)``: a JSON-able tree with tagged nodes, and the binary parts."""
    buffers: list[bytes] = []
    return _encode(value, export, buffers, 0), buffers


def _encode(value: Any, export: Export, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {"$int": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$f": repr(value)}
    if isinstance(value, np.generic):
        return _scalar(value, export, buffers, depth)
    if isinstance(value, np.ndarray):
        return _array(value, buffers)
    # builtin subclasses: rebuilt from the base type's own methods, never the subclass's
    if isinstance(value, bool):  # pragma: no cover - bool cannot be subclassed
        return bool(value)
    if isinstance(value, int):
        return _encode(int.__index__(value), export, buffers, depth)
    if isinstance(value, float):
        return _encode(float.__float__(value), export, buffers, depth)
    if isinstance(value, complex):
        real = complex.__complex__(value)
        return {"$c": [repr(real.real), repr(real.imag)]}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes | bytearray):
        buffers.append(bytes(memoryview(value)))
        return {"$b": len(buffers) - 1, "mutable": isinstance(value, bytearray)}
    nested = depth + 1
    if isinstance(value, list):
        return [_encode(item, export, buffers, nested) for item in list.__iter__(value)]
    if isinstance(value, tuple):
        return {"$t": [_encode(item, export, buffers, nested) for item in tuple.__iter__(value)]}
    if isinstance(value, dict):
        pairs = dict.items(value)
        return {
            "$d": [
                [_encode(k, export, buffers, nested), _encode(v, export, buffers, nested)]
                for k, v in pairs
            ]
        }
    if isinstance(value, frozenset):
        return {
            "$fs": [_encode(item, export, buffers, nested) for item in frozenset.__iter__(value)]
        }
    if isinstance(value, set):
        return {"$set": [_encode(item, export, buffers, nested) for item in set.__iter__(value)]}
    if isinstance(value, PurePath):
        return {"$p": str(value)}
    if isinstance(value, functools.partial):  # a partial of crossable parts crosses as one
        parts = [value.func, value.args, value.keywords]
        return {"$partial": _encode(parts, export, buffers, nested)}
    if (named := _named_callable(value)) is not None:
        return {"$fn": named}
    return {"$r": export(value)}


# Modules whose functions cross by name (``str.strip``, ``math.sqrt``, ``np.exp``): the
# receiver looks the same name up in its own copy, so no code crosses, only a name.
NAMED_MODULES = frozenset({"builtins", "math", "operator", "string", "unicodedata", "numpy"})


_NAMEABLE = (
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.BuiltinMethodType,
    types.WrapperDescriptorType,
    types.FunctionType,
    np.ufunc,
)


def _named_callable(value: Any) -> list[str] | None:
    """``[module, qualname]`` of a library function that can be looked up by name."""
    if not isinstance(value, _NAMEABLE):
        return None
    bound_to = getattr(value, "__self__", None)
    if bound_to is not None and not isinstance(bound_to, types.ModuleType):
        return None  # a bound method carries its object: it crosses as a reference
    owner = getattr(value, "__objclass__", None)
    module = str(getattr(owner or value, "__module__", None) or "builtins")
    top = module.split(".")[0]
    qualname = str(getattr(value, "__qualname__", None) or getattr(value, "__name__", ""))
    if top not in NAMED_MODULES or not qualname or "<" in qualname:
        return None
    return [top if top == "numpy" else module, qualname]


def _lookup_named(module: str, qualname: str) -> Any:
    if module not in NAMED_MODULES:
        raise WireError(f"functions of {module} do not cross")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not callable(found):
        raise WireError(f"{module}.{qualname} is not a function")
    return found


def _scalar(value: np.generic, export: Export, buffers: list[bytes], depth: int) -> Any:
    if type(value).__module__ != "numpy":
        raise WireError(f"a numpy scalar subclass ({type(value).__name__}) cannot cross")
    dtype = value.dtype
    if dtype.kind not in ARRAY_KINDS:
        raise WireError(f"a numpy scalar of dtype {dtype} cannot cross (numeric or bool only)")
    array = np.array(value, dtype=dtype)  # a 0-d copy: exact bytes, exact dtype
    buffers.append(array.tobytes())
    return {"$s": len(buffers) - 1, "dtype": dtype.str}


def _array(value: np.ndarray, buffers: list[bytes]) -> dict[str, Any]:
    plain = np.ndarray.view(value, np.ndarray)  # a subclass's own methods never run
    if plain.dtype.kind not in ARRAY_KINDS:
        raise WireError(
            f"an array of dtype {plain.dtype} cannot cross: only numeric or bool arrays do"
        )
    data = np.ascontiguousarray(plain)
    if data.nbytes > MAX_BUFFER:
        raise WireError(f"an array of {data.nbytes} bytes is larger than {MAX_BUFFER}")
    buffers.append(data.tobytes())
    return {"$a": len(buffers) - 1, "dtype": data.dtype.str, "shape": list(data.shape)}


def decode(tree: Any, buffers: list[bytes], resolve: Resolve) -> Any:
    """The value ``tree`` stands for, built only from builtins, ndarrays and ``resolve``."""
    return _decode(tree, buffers, resolve, 0)


def _decode(tree: Any, buffers: list[bytes], resolve: Resolve, depth: int) -> Any:
    if depth > MAX_DEPTH + 2:
        raise WireError("a message nested too deeply")
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    nested = depth + 1
    if isinstance(tree, list):
        return [_decode(item, buffers, resolve, nested) for item in tree]
    if not isinstance(tree, dict) or len(tree) > 3:
        raise WireError("a malformed value in a message")
    try:
        if "$t" in tree:
            return tuple(_decode(item, buffers, resolve, nested) for item in tree["$t"])
        if "$d" in tree:
            return {
                _decode(k, buffers, resolve, nested): _decode(v, buffers, resolve, nested)
                for k, v in tree["$d"]
            }
        if "$set" in tree:
            return {_decode(item, buffers, resolve, nested) for item in tree["$set"]}
        if "$fs" in tree:
            return frozenset(_decode(item, buffers, resolve, nested) for item in tree["$fs"])
        if "$a" in tree:
            dtype = _numeric(tree["dtype"])
            flat = np.frombuffer(buffers[tree["$a"]], dtype=dtype)
            return flat.reshape([int(n) for n in tree["shape"]]).copy()
        if "$s" in tree:
            return np.frombuffer(buffers[tree["$s"]], dtype=_numeric(tree["dtype"]))[0]
        if "$b" in tree:
            data = buffers[tree["$b"]]
            return bytearray(data) if tree.get("mutable") else bytes(data)
        if "$int" in tree:
            return int(tree["$int"])
        if "$f" in tree:
            return float(tree["$f"])
        if "$c" in tree:
            return complex(float(tree["$c"][0]), float(tree["$c"][1]))
        if "$r" in tree:
            return resolve(tree["$r"])
        if "$p" in tree:
            return Path(str(tree["$p"]))
        if "$fn" in tree:
            return _lookup_named(str(tree["$fn"][0]), str(tree["$fn"][1]))
        if "$partial" in tree:
            func, args, keywords = _decode(tree["$partial"], buffers, resolve, nested)
            return functools.partial(func, *args, **keywords)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise WireError(f"a malformed value in a message: {exc}") from None
    raise WireError("an unknown tag in a message")


def _numeric(text: Any) -> np.dtype:
    dtype = np.dtype(str(text))
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None:
        raise WireError(f"dtype {dtype} may not cross")
    return dtype


# --- framing ----------------------------------------------------------------------------


def send(sock: socket.socket, header: dict[str, Any], buffers: list[bytes]) -> None:
    """Write one message (the caller serialises writers)."""
    body = json.dumps({**header, "nbuf": len(buffers)}, separators=(",", ":")).encode()
    if len(body) > MAX_HEADER:
        raise WireError(f"a message of {len(body)} bytes is larger than {MAX_HEADER}")
    frames = [struct.pack(">I", len(body)), body]
    for buffer in buffers:
        frames += [struct.pack(">Q", len(buffer)), buffer]
    if sum(len(frame) for frame in frames) < 1 << 20:
        sock.sendall(b"".join(frames))
    else:  # large arrays: no extra copy of the whole message
        for frame in frames:
            sock.sendall(frame)


def receive(sock: socket.socket) -> tuple[dict[str, Any], list[bytes]] | None:
    """One message, or None when the other side closed the connection."""
    head = _exactly(sock, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">I", head)
    if size > MAX_HEADER:
        raise WireError(f"a message header of {size} bytes (at most {MAX_HEADER})")
    body = _exactly(sock, size)
    if body is None:
        return None
    try:
        header = json.loads(body)
        count = int(header.pop("nbuf"))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise WireError("a message that is not a protocol header") from None
    buffers = []
    for _ in range(count):
        length = _exactly(sock, 8)
        if length is None:
            return None
        (n,) = struct.unpack(">Q", length)
        if n > MAX_BUFFER:
            raise WireError(f"a buffer of {n} bytes (at most {MAX_BUFFER})")
        data = _exactly(sock, n)
        if data is None:
            return None
        buffers.append(data)
    return header, buffers


def _exactly(sock: socket.socket, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        try:
            chunk = sock.recv(min(left, 1 << 22))
        except (ConnectionResetError, OSError):
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
