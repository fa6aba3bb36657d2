"""Sandboxed execution of student modules (see child.py for the student side)."""

from .process import Limits, Reply, SandboxError, StudentModule, Zygote

__all__ = ["Limits", "Reply", "SandboxError", "StudentModule", "Zygote"]
