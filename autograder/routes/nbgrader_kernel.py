"""nbgrader's notebook kernels, confined: the kernel manager the course config selects.

The kernel ``nbgrader autograde`` starts runs the student's notebook. Started by
jupyter_client's own manager it would run as the instructor, unconfined: free to open the
gradebook, read ``source/`` and classmates' notebooks, or leave a process behind that
rewrites scores later. ``ConfinedKernelManager`` starts it through
``autograder/sandbox/kernel_launcher.py`` instead, which applies the sandbox's kernel
layers before ipykernel runs (see ``docs/nbgrader-route.md``):

- the **IPC transport**: the kernel's sockets are files of its own scratch folder, the only
  folder it may write, and it never binds a TCP port (Landlock refuses TCP; this is also why
  ipykernel no longer warns "Kernel is running over TCP without encryption");
- a minimal environment, resource limits, Landlock, its own uid, seccomp (no new process);
- at shutdown the kernel's whole process group is killed and its scratch folder removed,
  whether the kernel left cleanly or not.

It fails closed: where the kernel layers do not hold (``sandbox/isolation.py``, ``require``)
no kernel starts, and the error says why and how to proceed
(``AUTOGRADER_ISOLATION=audit-hook-only``, recorded loudly).

nbgrader 0.9.6's ``Execute`` passes ``kernel_manager_class=AsyncKernelManager`` to
nbclient itself, which overrides a configured ``kernel_manager_class``: ``ConfinedExecute``
is an ``Execute`` that asks for this manager, and the config installs it in place of
``Execute`` (for ``autograde`` and ``validate``).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute

from ..sandbox import isolation
from ..sandbox.scratch import remove_tree

LAUNCHER = Path(__file__).resolve().parents[1] / "sandbox" / "kernel_launcher.py"
#: The one folder of the course a kernel may import from: the hidden cells' one-line hook.
HOOK_FOLDER = Path(__file__).resolve().parents[1] / "kernel_path"


class KernelRefused(RuntimeError):
    """The kernel layers do not hold on this machine: no notebook kernel is started."""


class ConfinedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs confined, over Unix sockets, and dies whole."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.cache_ports = False
        self._scratch: str | None = None
        self._notebook_dir: str | None = None
        self._pgid: int | None = None
        self._isolation = isolation.KERNEL

    async def _async_pre_start_kernel(self, **kw):
        try:
            self._isolation = isolation.from_environment()
            isolation.require(self._isolation)
        except isolation.IsolationUnavailable as exc:
            raise KernelRefused(f"No notebook kernel was started: {exc}") from None
        language = (self.kernel_spec.language if self.kernel_spec else "python") or "python"
        if language.lower() != "python":
            raise KernelRefused(f"Only Python notebooks are graded here (this one asks for {language}).")
        self._notebook_dir = os.path.realpath(kw.get("cwd") or os.getcwd())
        self._scratch = tempfile.mkdtemp(prefix="nbgrader-kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self._scratch, "kernel")
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        """The launcher, never the kernelspec's own command (it would start the kernel unconfined)."""
        command = [sys.executable, "-I", str(LAUNCHER), "--scratch", self._scratch,
                   "--notebook-dir", self._notebook_dir, "--connection-file", os.path.realpath(self.connection_file),
                   "--path", str(HOOK_FOLDER), "--isolation", self._isolation, "--"]
        return command + list(extra_arguments or [])

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # Only what the launcher needs: the kernel could read the environment it was started
        # with in /proc/self/environ, whatever the launcher later removes from os.environ.
        kw["env"] = launch_environment()
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self._pgid = getattr(self.provisioner, "pgid", None)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Kill what is left of the kernel's process group, then remove its scratch folder."""
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            kill_group(self._pgid)
            if self._scratch:
                remove_tree(self._scratch)  # a notebook may have left a tree of any depth there
                self._scratch = None

    cleanup_resources = _async_cleanup_resources


#: Variables of nbgrader's process the kernel starts with (the launcher adds its scratch folders).
LAUNCH_VARIABLES = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "LANG", "LC_ALL", isolation.ENVIRONMENT)


def launch_environment() -> dict:
    """The environment the launcher is started with: nbgrader's markers, the locale, this pid."""
    env = {name: os.environ[name] for name in LAUNCH_VARIABLES if name in os.environ}
    env.update({"PATH": "/usr/bin:/bin", "JPY_PARENT_PID": str(os.getpid())})
    return env


def kill_group(pgid: int | None) -> None:
    """SIGKILL every process of ``pgid`` (the kernel is its leader: started in a session of its own)."""
    if not pgid or pgid <= 1 or pgid == os.getpgrp():
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


#: What a hidden test cell shows until ``GradeHiddenCells`` writes its check's result (the same
#: words as the kernel-side hook, ``autograder/kernel_path/mle_em_hidden.py``).
PENDING = ("The hidden check {name} is graded by the course's grader after this notebook ran; "
           "its result replaces this output.")


def hidden_check_name(cell) -> str | None:
    """The check a hidden test cell names (its grade id after the prefix); None for another cell."""
    from ..generation.notebooks import HIDDEN_GRADE_PREFIX

    grade_id = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
    if cell.get("cell_type") == "code" and grade_id.startswith(HIDDEN_GRADE_PREFIX):
        return grade_id[len(HIDDEN_GRADE_PREFIX):]
    return None


def is_hidden_cell(cell) -> bool:
    """A hidden test cell of this course: a graded code cell whose one line only names its check."""
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return hidden_check_name(cell) is not None and bool(grading.get("grade")) and not grading.get("solution")


class ConfinedExecute(Execute):
    """nbgrader's ``Execute`` with its kernels started by ``ConfinedKernelManager``.

    Under ``autograde`` a hidden test cell is not sent to the kernel: its one line would only
    raise "graded after this notebook ran", a round trip to the kernel per check (about twenty
    per notebook) that decides nothing. The cell gets that same error here, in nbgrader's
    process, so a course config without ``GradeHiddenCells`` still scores it 0; ``validate``
    still runs it (there it prints where the check is graded, and passes)."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = ConfinedKernelManager
        super().__init__(*args, **kwargs)

    def preprocess_cell(self, cell, resources, index):
        if os.environ.get("NBGRADER_EXECUTION") == "autograde" and is_hidden_cell(cell):
            message = PENDING.format(name=hidden_check_name(cell))
            cell.outputs = [nbformat.v4.new_output("error", ename="HiddenCheckPending", evalue=message,
                                                   traceback=[message])]
            cell.execution_count = None
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
