"""How strongly student code is isolated on this machine, and refusing to grade without the kernel.

Every route (batch, Gradescope, the nbgrader hidden cells) calls ``require``
before grading: with the default isolation, ``kernel``, a machine where a
kernel layer does not hold (not Linux, a kernel without Landlock, a container
that forbids Landlock or seccomp) stops the run with the reason and the way
on. ``audit-hook-only`` runs there anyway, with the audit hook as the only
layer; every report records which isolation a grade was given under.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .process import SandboxError

KERNEL, AUDIT_HOOK_ONLY = "kernel", "audit-hook-only"
ISOLATIONS = (KERNEL, AUDIT_HOOK_ONLY)
#: Where the Gradescope container and the nbgrader hidden cells read the isolation from.
ENVIRONMENT = "AUTOGRADER_ISOLATION"
KERNEL_LAYERS = ("landlock", "seccomp", "no_new_privs", "privileges")
CONFINE_SCRIPT = Path(__file__).resolve().parent / "confine.py"

HOW_TO_PROCEED = (
    "Grade on Linux >= 5.13 with Landlock enabled (it is in the default LSM list of current "
    "distributions; otherwise boot with lsm=...,landlock) and seccomp, outside a container that "
    "forbids them (a container runtime's seccomp profile must allow the landlock_* syscalls and "
    "seccomp). `python -m autograder doctor` shows what this machine supports. To grade here "
    "anyway, with the audit hook as the only layer (it is not a security boundary: a determined "
    f"submission can read the references or change other students' files), pass "
    f"--isolation={AUDIT_HOOK_ONLY} (or set {ENVIRONMENT}={AUDIT_HOOK_ONLY}); every report then "
    "says so.")


class IsolationUnavailable(SandboxError):
    """The kernel layers do not hold on this machine and the run asked for them."""


def from_environment() -> str:
    """The isolation named by ``AUTOGRADER_ISOLATION`` (default ``kernel``)."""
    value = os.environ.get(ENVIRONMENT, "").strip() or KERNEL
    if value not in ISOLATIONS:
        raise IsolationUnavailable(f"{ENVIRONMENT}={value!r} is not one of {', '.join(ISOLATIONS)}.")
    return value


_PROBED: dict | None = None


def probe(python: str | None = None) -> dict:
    """Which layers hold, tried in a forked, confined child (``confine.py --probe``); cached."""
    global _PROBED
    if _PROBED is not None and python is None:
        return _PROBED
    try:
        done = subprocess.run([python or sys.executable, "-I", str(CONFINE_SCRIPT), "--probe"],
                              capture_output=True, text=True, timeout=60, cwd="/")
        report = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        reason = f"the probe did not run ({type(exc).__name__}: {exc})"
        report = {"platform": sys.platform, "landlock_abi": 0,
                  "layers": {name: [False, reason] for name in KERNEL_LAYERS}}
    if python is None:
        _PROBED = report
    return report


def missing_layers(report: dict) -> list[str]:
    layers = report.get("layers", {})
    return [name for name in KERNEL_LAYERS if not layers.get(name, [False])[0]]


def require(isolation: str) -> dict | None:
    """Raise ``IsolationUnavailable`` unless ``isolation`` can hold here; returns the probe report."""
    if isolation not in ISOLATIONS:
        raise IsolationUnavailable(f"unknown isolation {isolation!r} (one of {', '.join(ISOLATIONS)})")
    if isolation == AUDIT_HOOK_ONLY:
        return None
    report = probe()
    missing = missing_layers(report)
    if missing:
        reasons = "; ".join(f"{name}: {report['layers'].get(name, [False, 'not probed'])[1]}"
                            for name in missing)
        raise IsolationUnavailable(
            f"The grader refuses to run student code here: kernel confinement does not hold on "
            f"{report.get('platform', 'this machine')} ({reasons}). {HOW_TO_PROCEED}")
    return report


def describe(isolation: str) -> str:
    """One line for reports: what protected this run."""
    if isolation == AUDIT_HOOK_ONLY:
        return (f"{AUDIT_HOOK_ONLY}: student code ran without the kernel layers (Landlock, seccomp, "
                "privilege drop); the audit hook alone is not a security boundary")
    return "kernel: Landlock, seccomp, no_new_privs and an unprivileged uid, plus the audit hook"
