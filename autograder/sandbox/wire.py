"""The wire format both sides of the sandbox share: plain data only.

A header (JSON length, buffer count), the JSON, then each array's raw bytes
as its own length-prefixed buffer (no base64: 40x cheaper for 10^6 points).
Loaded by the grader as ``autograder.sandbox.wire`` and by the zygote from its
file (``child.py`` runs isolated, without the package); it imports nothing of
the grader's.
"""

import json
import socket
import struct
import sys
import time

#: Caps of one message, either way, checked before anything is allocated or decoded: its
#: bytes in all, its JSON part, and the JSON's elements (a forged reply of 16 MB of ``[]``
#: would otherwise become ~300 MB of lists), and how deep ``decode`` follows nesting.
MAX_MESSAGE = 64 * 1024 * 1024
MAX_JSON = 16 * 1024 * 1024
MAX_ELEMENTS = 1_000_000
MAX_DEPTH = 40
#: The only array dtypes that may cross the boundary.
WIRE_DTYPES = {"<f8", "<i8", "|b1"}


class WireError(Exception):
    """A message that is not valid plain data."""


MAX_BUFFERS = 4096


def _elements(data):
    """An upper bound on the values a JSON text holds, counted without parsing it."""
    return data.count(b",") + data.count(b"[") + data.count(b"{") + 1


def send(sock, message, buffers=()):
    """Send a JSON message and the raw array buffers its ``encode`` collected."""
    data = json.dumps(message, allow_nan=True).encode()
    total = len(data) + sum(len(b) for b in buffers)
    if total > MAX_MESSAGE or len(data) > MAX_JSON or len(buffers) > MAX_BUFFERS:
        raise WireError(f"message of {total} bytes is over the limit")
    if _elements(data) > MAX_ELEMENTS:
        raise WireError(f"message of more than {MAX_ELEMENTS} values is over the limit")
    sock.sendall(struct.pack(">II", len(data), len(buffers)) + data)
    for buffer in buffers:
        sock.sendall(struct.pack(">Q", len(buffer)))
        sock.sendall(buffer)


def _recv_exactly(sock, n, deadline=None):
    """``n`` bytes; with a ``deadline`` (``time.monotonic()``), all of them by then or
    ``socket.timeout``, however the sender spaces them out."""
    data = bytearray(n)
    view = memoryview(data)
    received = 0
    while received < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("the message did not arrive in time")
            sock.settimeout(remaining)
        got = sock.recv_into(view[received:], min(n - received, 1 << 22))
        if not got:
            raise EOFError("connection closed")
        received += got
    return data


def recv(sock, deadline=None):
    """Receive ``(message, buffers)``; sizes and element counts are checked before anything
    is allocated or parsed. ``deadline``: the whole message must have arrived by then."""
    length, count = struct.unpack(">II", _recv_exactly(sock, 8, deadline))
    if length > MAX_JSON or count > MAX_BUFFERS:
        raise WireError(f"message of {length} bytes of JSON and {count} buffers is over the limit")
    data = _recv_exactly(sock, length, deadline)
    if _elements(data) > MAX_ELEMENTS:
        raise WireError(f"message of more than {MAX_ELEMENTS} values is over the limit")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    del data
    buffers, total = [], length
    for _ in range(count):
        (size,) = struct.unpack(">Q", _recv_exactly(sock, 8, deadline))
        total += size
        if total > MAX_MESSAGE:
            raise WireError(f"message of {total} bytes is over the limit")
        buffers.append(_recv_exactly(sock, size, deadline))
    return message, buffers


def encode(value, buffers, _depth=0):
    """Turn a value into plain JSON data (arrays into ``buffers``); anything else becomes a description.

    Only exact builtin and NumPy numeric types are kept, by value: a float
    subclass with rigged comparisons arrives as the float it converts to, and
    an object of any other class arrives as ``{"__unsupported__": ...}``.
    """
    import numpy as np

    if _depth > 20:
        return {"__unsupported__": "structure nested too deeply"}
    if value is None or type(value) in (bool, str):
        return value if type(value) is not str else value[:10_000]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        number = int(value)
        return number if abs(number) < 2**63 else float(number)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value, buffers)
    if isinstance(value, (list, tuple)):
        items = [encode(item, buffers, _depth + 1) for item in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if not all(type(key) is str for key in value):
            return {"__unsupported__": "dict with non-string keys"}
        return {"__dict__": {key: encode(item, buffers, _depth + 1) for key, item in value.items()}}
    if _is_figure(value):
        return {"__figure__": describe_figure(value, buffers)}
    expressions = _expression_wire()
    if expressions.is_expression(value):
        return expressions.encode_expression(value)
    return {"__unsupported__": f"an object of type {type(value).__name__}"}


def _encode_array(value, buffers):
    import numpy as np

    array = np.asarray(value).view(np.ndarray)
    # No copy where the array already has the wire's dtype and layout: ``send`` writes the
    # buffer straight from the array's memory (a million points crossed as two copies before).
    if array.dtype.kind == "b":
        array = array.astype("|b1", copy=False)
    elif array.dtype.kind in "iu":
        array = array.astype("<i8", copy=False)
    elif array.dtype.kind == "f":
        array = array.astype("<f8", copy=False)
    else:
        try:
            array = array.astype("<f8")
        except (TypeError, ValueError):
            return {"__unsupported__": f"an array of dtype {value.dtype}"}
    buffers.append(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
    return {"__nd__": len(buffers) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}


def decode(data, buffers, _depth=0):
    """Rebuild plain data sent by ``encode``: builtins and NumPy arrays only.

    Raises ``WireError`` for anything ``encode`` cannot have made (unknown
    tags, shapes or sizes out of range, nesting deeper than ``MAX_DEPTH``).
    """
    import numpy as np

    if _depth > MAX_DEPTH:
        raise WireError("structure nested too deeply")
    if isinstance(data, list):
        return [decode(item, buffers, _depth + 1) for item in data]
    if not isinstance(data, dict):
        return data
    if "__nd__" in data:
        dtype = data.get("dtype")
        shape = data.get("shape")
        if dtype not in WIRE_DTYPES or not isinstance(shape, list):
            raise WireError("array with a dtype or shape that is not allowed")
        if len(shape) > 32 or not all(type(n) is int and 0 <= n < 2**62 for n in shape):
            raise WireError("array with a bad shape")
        index = data["__nd__"]
        if type(index) is not int or not 0 <= index < len(buffers):
            raise WireError("array without its buffer")
        raw = buffers[index]
        size = 1
        for n in shape:
            size *= n  # exact: NumPy's product would wrap around for forged sizes
        if len(raw) != size * np.dtype(dtype).itemsize:
            raise WireError("array whose size does not match its shape")
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)
        if type(raw) is bytearray:
            # A buffer ``recv`` read for this message: the array may keep its memory (no copy of a
            # million points). A second array naming the same buffer gets a copy, so no two
            # decoded arrays share memory whatever a forged message says.
            buffers[index] = memoryview(raw).toreadonly()
            return array
        return array.copy()  # someone else's memory (``encode``'s buffers): never shared
    if "__tuple__" in data:
        if not isinstance(data["__tuple__"], list):
            raise WireError("tuple without its items")
        return tuple(decode(item, buffers, _depth + 1) for item in data["__tuple__"])
    if "__dict__" in data:
        if not isinstance(data["__dict__"], dict):
            raise WireError("dict without its items")
        return {str(key): decode(item, buffers, _depth + 1) for key, item in data["__dict__"].items()}
    if "__figure__" in data:
        return FigureData(_decode_untagged(data["__figure__"], buffers, _depth + 1))
    if "__unsupported__" in data:
        return Unsupported(str(data["__unsupported__"]))
    if "__sympy__" in data:
        return _expression_wire().decode_expression(data)
    raise WireError("unknown tagged object")


def _decode_untagged(data, buffers, _depth=0):
    """The plain dicts and lists of ``describe_figure``, with the tagged values inside decoded."""
    if _depth > MAX_DEPTH:
        raise WireError("structure nested too deeply")
    if isinstance(data, list):
        return [_decode_untagged(item, buffers, _depth + 1) for item in data]
    if isinstance(data, dict) and not any(str(key).startswith("__") for key in data):
        return {str(key): _decode_untagged(item, buffers, _depth + 1) for key, item in data.items()}
    return decode(data, buffers, _depth)


def _expression_wire():
    """SymPy expressions as plain trees: the sibling module ``expression_wire``."""
    if __package__:  # the grader's side: autograder.sandbox.wire
        from . import expression_wire

        return expression_wire
    return sys.modules["_sandbox_expression_wire"]  # the zygote's: child.py loaded it from its file


class Unsupported:
    """Stands for a value of a type that may not cross the boundary."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return f"<{self.description}>"


class FigureData(dict):
    """What a student's matplotlib figure shows, as plain data (see ``describe_figure``)."""


def _is_figure(value):
    module = sys.modules.get("matplotlib.figure")
    return module is not None and isinstance(value, module.Figure)


def describe_figure(fig, buffers):
    """Titles, axis labels, legend texts and the data of every line, per axes."""
    axes = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "lines": [
                {"label": str(line.get_label()),
                 "x": encode(_as_float_array(line.get_xdata()), buffers),
                 "y": encode(_as_float_array(line.get_ydata()), buffers)}
                for line in ax.get_lines()
            ],
            "collections": [
                {"label": str(c.get_label()), "offsets": encode(_as_float_array(c.get_offsets()), buffers)}
                for c in ax.collections
            ],
        })
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    return {"suptitle": suptitle, "axes": axes}


def _as_float_array(values):
    import numpy as np

    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return np.zeros(0)
