"""Reuse a check's outcome when a student's replies match ones already graded.

A hidden check is deterministic: its data come from the submission's seed
(``framework.hidden_inputs``: the trees are kept per seed), and what it
does next depends only on what the student's functions returned. So the
outcome of a check is a function of the sequence of replies, and the grading
worker keeps, per check, a tree: each node holds the call the check makes at
that point, each edge a digest of the reply that came back, each leaf the
outcome. Grading a student walks the tree: every call still goes to the
student's sandboxed code (so every protection applies and every reply is
fresh), but the check itself, its reference computations and its mistake
models run only when the replies leave the known paths. A stub, the
reference, and every classic mistake written the usual way are graded by the
sandbox alone after the first student who made them.

A reply that depends on timing (a timeout, a crash) or that cannot be
digested ends the walk, and the check runs as it always did. Set
``AUTOGRADER_CHECK_MEMO=0`` to switch the memo off (the benchmark does, to
show what it saves).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import struct
from dataclasses import dataclass, field

import numpy as np

from . import framework
from ..sandbox.expression_wire import ExpressionTree
from ..sandbox.wire import FigureData, Unsupported

#: Nodes a check may keep, bytes of call arguments the whole worker may keep, and bytes of one
#: call's arguments worth keeping (the scale checks' million points are not: their inputs differ
#: per submission, and such a check runs live).
MAX_NODES_PER_CHECK = 512
MAX_ARGUMENT_BYTES = 64 << 20
MAX_CALL_BYTES = 1 << 20
#: Reply statuses whose content is deterministic; anything else ends the walk.
DIGESTIBLE = {"returned", "raised", "missing"}


def enabled() -> bool:
    return os.environ.get("AUTOGRADER_CHECK_MEMO", "1") != "0"


class Undigestible(Exception):
    """A value the digest does not cover: the check runs live."""


def _feed(h, value, budget: list | None = None) -> None:
    """Feed ``value`` to ``h``; ``budget``: bytes of arrays still allowed (Undigestible past it,
    found before the array that passes it is hashed)."""
    if isinstance(value, np.generic) and not value.dtype.hasobject:  # a NumPy scalar keeps its dtype
        h.update(b"N" + value.dtype.str.encode() + value.tobytes())
    elif value is None or isinstance(value, bool):
        h.update(b"B" + repr(value if value is None else bool(value)).encode())
    elif isinstance(value, int):
        h.update(b"I" + str(int(value)).encode() + b";")
    elif isinstance(value, float):
        h.update(b"F" + struct.pack("<d", float(value)))
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        h.update(b"S" + str(len(data)).encode() + b":" + data)
    elif isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.hasobject:
            raise Undigestible("object array")
        if budget is not None:
            budget[0] -= array.nbytes
            if budget[0] < 0:
                raise Undigestible("arrays too large to be worth hashing")
        h.update(b"A" + array.dtype.str.encode() + repr(array.shape).encode())
        h.update(array.view(np.uint8).reshape(-1) if array.size else b"")
    elif isinstance(value, (list, tuple)):
        h.update((b"L" if isinstance(value, list) else b"T") + str(len(value)).encode() + b"[")
        for item in value:
            _feed(h, item, budget)
        h.update(b"]")
    elif isinstance(value, FigureData):  # a dict subclass: tagged, so it never equals a plain dict
        h.update(b"G")
        _feed(h, dict(value), budget)
    elif isinstance(value, dict):
        h.update(b"D" + str(len(value)).encode() + b"{")
        for key, item in value.items():  # in order: a message may list the keys as given
            _feed(h, str(key))
            _feed(h, item, budget)
        h.update(b"}")
    elif isinstance(value, ExpressionTree):  # tagged: never equal to a plain list of the same strings
        h.update(b"X")
        _feed(h, value.tree)
    elif isinstance(value, Unsupported):
        h.update(b"U")
        _feed(h, value.description)
    else:
        raise Undigestible(type(value).__name__)


def digest(*values) -> bytes | None:
    """A content digest of plain data (None if some part is not plain data)."""
    return digest_within(None, *values)


def digest_within(limit: int | None, *values) -> bytes | None:
    """``digest(*values)`` when their arrays hold at most ``limit`` bytes in all (any size when
    ``limit`` is None), else None: one walk, where sizing them first (``array_bytes``) and then
    hashing walked them twice."""
    h = hashlib.blake2b(digest_size=20)
    budget = None if limit is None else [limit]
    try:
        for value in values:
            _feed(h, value, budget)
    except Undigestible:
        return None
    return h.digest()


def reply_digest(reply) -> bytes | None:
    if reply.status not in DIGESTIBLE:
        return None
    return digest(reply.status, reply.value, reply.error, reply.mutated, reply.forbidden, reply.blocked)


def array_bytes(value, depth: int = 0) -> int:
    """Bytes of the arrays in plain data (raises Undigestible for anything else)."""
    if depth > 20:
        raise Undigestible("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return 0
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise Undigestible("object array")
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(array_bytes(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return sum(array_bytes(k, depth + 1) + array_bytes(v, depth + 1) for k, v in value.items())
    raise Undigestible(type(value).__name__)


def _nbytes(args, kwargs) -> int:
    return sum(v.nbytes for v in [*args, *kwargs.values()] if isinstance(v, np.ndarray))


@dataclass
class Node:
    call: tuple | None = None  # (function, args, kwargs) the check makes here
    call_digest: bytes | None = None
    children: dict = field(default_factory=dict)  # reply digest -> Node
    outcome: tuple | None = None  # (status, message) when the check ends here


@dataclass
class Tree:
    root: Node = field(default_factory=Node)
    nodes: int = 1
    broken: bool = False  # the check did not replay as recorded: never use its tree again


#: Base seeds whose trees a worker keeps (the most recently used): the inputs, so the trees,
#: differ per submission, and identical files (the stub, a shared file) share theirs.
MAX_SEEDS = 64


class Memo:
    """The trees of one grading worker, keyed by (exercise, check name) within each base seed
    of the hidden inputs (``framework.hidden_inputs``)."""

    def __init__(self):
        self.seeds: dict[int, dict[tuple[str, str], Tree]] = {}
        self.seed_bytes: dict[int, int] = {}
        self.argument_bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def trees(self) -> dict[tuple[str, str], Tree]:
        """The trees of the current base seed."""
        return self._trees(framework.base_seed())

    def _trees(self, seed: int) -> dict[tuple[str, str], Tree]:
        if seed in self.seeds:
            self.seeds[seed] = self.seeds.pop(seed)  # most recently used last
        else:
            while len(self.seeds) >= MAX_SEEDS:
                self._forget(next(iter(self.seeds)))
            self.seeds[seed], self.seed_bytes[seed] = {}, 0
        return self.seeds[seed]

    def _forget(self, seed: int) -> None:
        del self.seeds[seed]
        self.argument_bytes -= self.seed_bytes.pop(seed, 0)

    def make_room(self, size: int) -> bool:
        """Forget the least recently used seeds until ``size`` more bytes fit (False if they cannot)."""
        if size > MAX_CALL_BYTES:
            return False
        current = framework.base_seed()
        while self.argument_bytes + size > MAX_ARGUMENT_BYTES:
            oldest = next((s for s in self.seeds if s != current), None)
            if oldest is None:
                return False
            self._forget(oldest)
        self.seed_bytes[current] = self.seed_bytes.get(current, 0) + size
        self.argument_bytes += size
        return True

    def tree(self, check) -> Tree:
        return self.trees.setdefault((check.exercise, check.name), Tree())


MEMO = Memo()


class _Replay:
    """The session a live check sees: replies already obtained first, then the real session."""

    def __init__(self, session, prefix: list):
        self._session, self._prefix = session, prefix
        self.path: list[tuple[tuple, bytes | None, bytes | None]] = []  # (call, call digest, reply digest)
        self.diverged = False

    def __getattr__(self, name):
        return getattr(self._session, name)

    def call(self, function, args, kwargs):
        call = (function, tuple(args), dict(kwargs or {}))
        call_digest = digest(function, list(args), dict(kwargs or {}))
        if self._prefix:
            recorded_digest, reply, text = self._prefix.pop(0)
            if call_digest is not None and call_digest == recorded_digest:
                self.path.append((call, call_digest, reply_digest(reply)))
                return reply, text
            self.diverged = True  # the check did not repeat itself: ask the student again
            self._prefix.clear()
        try:
            reply, text = self._session.call(function, args, kwargs)
        except BaseException:
            self.path.append((call, None, None))
            raise
        self.path.append((call, call_digest, reply_digest(reply)))
        return reply, text


def run_check(check, session, run_live):
    """The outcome of ``check`` for the student behind ``session``.

    ``run_live(check, session_like)`` runs the check for real and returns its
    CheckResult; it is called only when the replies leave the known paths.
    """
    tree = MEMO.tree(check)
    node, prefix = tree.root, []
    while not tree.broken:
        if node.outcome is not None:
            MEMO.hits += 1
            return dataclasses.replace(node.outcome)  # a copy: the caller may zero its points
        if node.call is None:
            break
        function, args, kwargs = node.call
        try:
            reply, text = session.call(function, args, kwargs)
        except Exception:  # e.g. the time budget is spent: the live check meets it at the same call
            break
        reply_key = reply_digest(reply)
        prefix.append((node.call_digest, reply, text))
        node = node.children.get(reply_key) if reply_key is not None else None
        if node is None:
            break
    MEMO.misses += 1
    replay = _Replay(session, prefix)
    result = run_live(check, replay)
    if replay.diverged:
        tree.broken = True
    elif not tree.broken:
        _record(tree, replay.path, result)
    return result


def _record(tree: Tree, path, result) -> None:
    node = tree.root
    for call, call_digest, reply_key in path:
        if call_digest is None or reply_key is None:
            return
        if node.call is None:
            function, args, kwargs = call
            size = _nbytes(args, kwargs)
            if tree.nodes >= MAX_NODES_PER_CHECK or not MEMO.make_room(size):
                return
            node.call, node.call_digest = call, call_digest
        elif node.call_digest != call_digest:
            tree.broken = True  # same replies, different next call: the check is not deterministic
            return
        if reply_key not in node.children:
            if tree.nodes >= MAX_NODES_PER_CHECK:
                return
            node.children[reply_key] = Node()
            tree.nodes += 1
        node = node.children[reply_key]
    if node.call is None and node.outcome is None:
        node.outcome = dataclasses.replace(result)
    elif node.outcome != result:
        tree.broken = True
