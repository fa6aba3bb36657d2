"""The grader's side of the sandbox: start the zygote, spawn children, enforce limits.

Student code runs only in children forked by the zygote (``child.py``). This
side sends inputs, receives plain data and kills a child's whole process
group when it overruns its time: the kill comes from outside, so a child
that ignores every signal still stops.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import child, environment, wire

CHILD_SCRIPT = Path(child.__file__).resolve()

#: What every process holding student code starts from (``environment.BASE``); kept under this
#: name for the benchmarks, which time a bare interpreter in the same environment.
CHILD_ENV = environment.BASE


def _project_forbidden() -> dict:
    from ..core.manifest import forbidden_routines

    return forbidden_routines()


@dataclass(frozen=True)
class Limits:
    """What one student module may use. Times are wall-clock seconds."""

    call_timeout: float = 10.0
    load_timeout: float = 10.0
    memory: int = 1 << 30  # bytes of address space beyond the warm interpreter
    cpu_seconds: int = 120
    file_size: int = 8 << 20
    open_files: int = 64
    #: "kernel" (Landlock, seccomp, privileges: a child that cannot have them does not run)
    #: or "audit-hook-only" (weaker, chosen explicitly and recorded in every report).
    isolation: str = "kernel"
    #: Test-only: run without the audit hook, to prove the kernel layers hold alone.
    audit_hook: bool = True
    #: Library routines no call may use (``packages``, ``routines``, ``prefixes``): the grading
    #: policy's, from exercises.toml by default. The child wraps them and reports their calls.
    forbidden: dict = field(default_factory=lambda: _project_forbidden())

    def for_child(self) -> dict:
        return {
            "memory": self.memory,
            "cpu_seconds": self.cpu_seconds,
            "file_size": self.file_size,
            "open_files": self.open_files,
        }


@dataclass
class Reply:
    """One answer from a child, already decoded into plain data."""

    status: str  # loaded, load_error, returned, raised, missing, timeout, crashed, bad_reply
    value: object = None
    error: dict = field(default_factory=dict)
    mutated: list = field(default_factory=list)
    forbidden: list = field(default_factory=list)
    functions: list = field(default_factory=list)
    blocked: list = field(default_factory=list)  # what the guard refused: attempts to escape
    seconds: float = 0.0


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's code)."""


def _spawn_zygote(python: str | None = None, env: dict | None = None) -> tuple[subprocess.Popen, socket.socket]:
    """A zygote process, importing as this returns, and our end of its control socket."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    process = subprocess.Popen(
        [python or sys.executable, "-I", str(CHILD_SCRIPT), "--control-fd", str(child.fileno())],
        pass_fds=[child.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment.zygote_environment(env),  # explicit: nothing of this process's environment
        cwd="/",
        start_new_session=True,
    )
    child.close()
    return process, parent


#: A zygote started before the grader's own imports (``prestart``), for the first ``Zygote()``.
_PRESTARTED: list[tuple[subprocess.Popen, socket.socket]] = []


def prestart() -> None:
    """Start a zygote now, before the command imports the grader: the scientific stack it imports
    is what a grading run's first student waits for. The first default ``Zygote()`` adopts it; if
    none does, it stops by itself when this process exits (its control socket closes)."""
    if not _PRESTARTED:
        _PRESTARTED.append(_spawn_zygote())


class Zygote:
    """One warm interpreter that forks a child per student module; restarted if it dies."""

    def __init__(self, python: str | None = None, env: dict | None = None):
        self._lock = threading.Lock()
        self._python, self._env = python, env
        self._start()

    def _start(self) -> None:
        if self._python is None and self._env is None and _PRESTARTED:
            self.process, parent = _PRESTARTED.pop()
        else:
            self.process, parent = _spawn_zygote(self._python, self._env)
        self.control = parent
        self.control.settimeout(120)
        try:
            ready, _ = wire.recv(self.control)
        except (OSError, EOFError, wire.WireError) as exc:
            stderr = self.process.stderr.read().decode(errors="replace")[-2000:] if self.process.stderr else ""
            raise SandboxError(f"the sandbox did not start: {exc}\n{stderr}") from None
        if ready.get("status") != "ready":
            raise SandboxError(f"the sandbox did not start: {ready}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def _revive(self) -> None:
        """Called (under the lock) before a spawn: a zygote killed from outside is started afresh."""
        if not self.alive():
            self.close()
            self._start()

    def attach(self, control: socket.socket) -> None:
        """Hand the zygote another control socket (the other end goes to a pool worker):
        it forks that worker's children too, so a run's workers share one warm interpreter."""
        body = json.dumps({"attach": True}).encode()
        with self._lock:
            socket.send_fds(self.control, [struct.pack(">I", len(body))], [control.fileno()])
            self.control.sendall(body)

    def spawn(self, job: dict, output_fd: int) -> tuple[int, socket.socket]:
        """Fork a child for ``job``, its output going to ``output_fd`` (a pipe's write end);
        returns its pid and the socket to talk to it."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        body = json.dumps(job).encode()
        with self._lock:
            self._revive()
            try:
                socket.send_fds(self.control, [struct.pack(">I", len(body))], [theirs.fileno(), output_fd])
                self.control.sendall(body)
                answer, _ = wire.recv(self.control)
            except (OSError, EOFError, wire.WireError) as exc:
                raise SandboxError(f"the sandbox stopped answering: {exc}") from None
            finally:
                theirs.close()
        if answer.get("status") != "spawned":
            raise SandboxError(f"the sandbox could not start a child: {answer}")
        return int(answer["pid"]), ours

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            if self.process.stderr:
                self.process.stderr.close()


class AttachedZygote(Zygote):
    """A worker's line to a zygote another process started (``Zygote.attach``).

    It cannot restart that zygote: when the line fails, the caller starts a zygote of its
    own (``student.ZygoteKeeper``).
    """

    def __init__(self, control: socket.socket, timeout: float = 120):
        self._lock = threading.Lock()
        self.control = control
        self._failed = False
        self.control.settimeout(timeout)
        try:
            ready, _ = wire.recv(self.control)
        except (OSError, EOFError, wire.WireError) as exc:
            self.close()
            raise SandboxError(f"the shared sandbox did not start: {exc}") from None
        if ready.get("status") != "ready":
            self.close()
            raise SandboxError(f"the shared sandbox did not start: {ready}")

    def alive(self) -> bool:
        return not self._failed

    def _revive(self) -> None:
        if self._failed:
            raise SandboxError("the shared sandbox stopped")

    def spawn(self, job: dict, output_fd: int) -> tuple[int, socket.socket]:
        try:
            return super().spawn(job, output_fd)
        except SandboxError:
            self._failed = True
            raise

    def close(self) -> None:
        self._failed = True
        self.control.close()


class OutputDrain:
    """Reads a child's stdout and stderr from a pipe, all the time, keeping the first ``limit`` bytes.

    The child never writes a file the grader reads back (a file in its scratch
    folder could be swapped for a symlink or a FIFO), and printing never
    blocks it nor hits a file-size limit: what is beyond the limit is read
    and counted, then dropped.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.kept = bytearray()
        self.total = 0
        self.read_fd, self.write_fd = os.pipe()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        try:
            while chunk := os.read(self.read_fd, 1 << 16):
                self.total += len(chunk)
                if len(self.kept) < self.limit:
                    self.kept += chunk[: self.limit - len(self.kept)]
        except OSError:
            pass
        finally:
            os.close(self.read_fd)

    def close_writer(self) -> None:
        if self.write_fd is not None:
            os.close(self.write_fd)
            self.write_fd = None

    def text(self, wait: float = 2.0) -> str:
        """What was printed, once the child is gone (waits up to ``wait`` s for the pipe to close)."""
        self.close_writer()
        self.thread.join(wait)
        text = bytes(self.kept).decode(errors="replace")
        if self.total > len(self.kept):
            text += (f"\n[... output cut after {len(self.kept)} characters: your code printed "
                     f"{self.total} in all; printing costs no points ...]")
        return text


#: Characters of a child's printed output kept for the feedback.
MAX_OUTPUT = 4000


def warm_for(module_path: Path) -> list[str]:
    """What the zygote imports once before forking this child: SymPy for a module that names it
    (a SymPy derivation), nothing for the numeric exercises."""
    try:
        with open(module_path, "rb") as source:
            text = source.read(1 << 20)
    except OSError:
        return []
    return ["sympy"] if b"sympy" in text else []


class StudentModule:
    """A live child holding one student module; every call has a time limit."""

    def __init__(self, zygote: Zygote, module_path: Path, scratch: Path, module_name: str,
                 limits: Limits):
        self.limits = limits
        self.scratch = scratch
        self.drain = OutputDrain(MAX_OUTPUT)
        job = {
            "module_path": str(module_path),
            "module_name": module_name,
            "scratch": str(scratch),
            "limits": limits.for_child(),
            "isolation": limits.isolation,
            "audit_hook": limits.audit_hook,
            "warm": warm_for(module_path),
            "forbidden": {kind: [str(name) for name in names]
                          for kind, names in (limits.forbidden or {}).items()},
        }
        try:
            self.pid, self.sock = zygote.spawn(job, self.drain.write_fd)
        finally:
            self.drain.close_writer()  # the child holds the only write end: EOF when it is gone
        self.alive = True
        # The first message comes before any student code runs: "ready", or why the child
        # could not be confined. Anything else there is the sandbox's fault, never the student's.
        first = self._receive(limits.load_timeout, allowed=FIRST_STATUSES)
        if first.status != "ready":
            self.kill()
            detail = first.error.get("message", "") or first.status
            raise SandboxError(f"the sandbox could not start a confined child: {detail}")
        self.load = self._receive(limits.load_timeout)

    def call(self, function: str, args=(), kwargs=None, timeout: float | None = None) -> Reply:
        if not self.alive:
            return Reply("crashed", error={"message": "the process had already stopped"})
        buffers: list = []
        message = {
            "function": function,
            "args": [wire.encode(a, buffers) for a in args],
            "kwargs": {k: wire.encode(v, buffers) for k, v in (kwargs or {}).items()},
        }
        timeout = self.limits.call_timeout if timeout is None else timeout
        start = time.monotonic()
        try:
            # The same limit for sending (a child that stops reading must not block the grader);
            # never a timeout left over from the last reply's deadline.
            self.sock.settimeout(max(timeout, 0.001))
            wire.send(self.sock, message, buffers)
        except socket.timeout:
            self.kill()
            return Reply("timeout", seconds=time.monotonic() - start)
        except OSError:
            self.kill()
            return Reply("crashed", error={"message": "the process stopped before the call"})
        return self._receive(timeout, start)

    def _receive(self, timeout: float, start: float | None = None,
                 allowed: frozenset[str] | None = None) -> Reply:
        """The child's next reply, whole within ``timeout`` seconds, within the wire's caps.

        Whatever the child sends is the student's: a reply too slow is a
        timeout, one over the caps or that does not decode is ``bad_reply``
        (the call fails with a message), never a grader error.
        """
        start = time.monotonic() if start is None else start
        try:
            raw, buffers = wire.recv(self.sock, deadline=start + max(timeout, 0.001))
        except socket.timeout:
            self.kill()
            return Reply("timeout", seconds=time.monotonic() - start)
        except wire.WireError as exc:
            self.kill()
            return Reply("bad_reply", error={"message": str(exc)[:300]}, seconds=time.monotonic() - start)
        except (EOFError, OSError) as exc:
            self.kill()
            return Reply("crashed", error={"message": str(exc)}, seconds=time.monotonic() - start)
        seconds = time.monotonic() - start
        try:
            return _parse_reply(raw, buffers, seconds, allowed or REPLY_STATUSES)
        except Exception as exc:  # anything a forged reply makes decoding raise
            self.kill()
            return Reply("bad_reply", error={"message": f"{type(exc).__name__}: {str(exc)[:300]}"},
                         seconds=seconds)

    def output(self) -> str:
        """The first ``MAX_OUTPUT`` characters the student's code printed (once it is gone)."""
        return self.drain.text() if not self.alive else ""

    def kill(self) -> None:
        if self.alive:
            self.alive = False
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.sock.close()
        except OSError:
            pass

    close = kill


#: Characters of an exception's message quoted in feedback: enough for any message a student
#: reads, too few to carry a check's hidden input array back out through a ``raise``.
MAX_ERROR_MESSAGE = 300


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying so when it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} [... cut after {limit} characters ...]"


#: The statuses of a child's first message (before any student code runs), and of every later one.
FIRST_STATUSES = frozenset({"ready", "sandbox_error"})
REPLY_STATUSES = frozenset({"loaded", "load_error", "returned", "raised", "missing"})


def _parse_reply(raw: dict, buffers: list, seconds: float, allowed: frozenset[str] = REPLY_STATUSES) -> Reply:
    """Validate a child's reply: only the expected keys, plain types, decoded arrays."""
    if not isinstance(raw, dict):
        raise wire.WireError("a reply that is not a message")
    status = raw["status"]
    if status not in allowed:
        raise wire.WireError(f"unknown status {status!r}")
    error = raw.get("error") or {}
    clean_error = {
        "type": str(error.get("type", ""))[:200],
        "message": excerpt(str(error.get("message", "")), MAX_ERROR_MESSAGE),
        "trace": [str(line)[:300] for line in list(error.get("trace", []))[:5]],
    } if error else {}
    return Reply(
        status=status,
        value=wire.decode(raw["value"], buffers) if status == "returned" else None,
        error=clean_error,
        mutated=[int(i) for i in raw.get("mutated", [])],
        forbidden=[str(name)[:200] for name in raw.get("forbidden", [])][:20],
        functions=[str(name)[:200] for name in raw.get("functions", [])][:500],
        blocked=[str(what)[:300] for what in raw.get("blocked", [])][:10],
        seconds=seconds,
    )
