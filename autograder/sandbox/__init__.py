"""Sandboxed execution of student modules (see child.py for the student side)."""

from .process import AttachedZygote, Limits, Reply, SandboxError, StudentModule, Zygote

__all__ = ["AttachedZygote", "Limits", "Reply", "SandboxError", "StudentModule", "Zygote"]
