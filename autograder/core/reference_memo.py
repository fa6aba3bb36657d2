"""The references' answers, remembered for the run: the checks of one submission, and of every
copy of the same file (the stub, a shared file), ask the same questions.

A check compares the student's answer with the reference's on inputs seeded per
submission (``course_secret``), so a worker grading a cohort would recompute the
same reference answers (an EM fit, a BFGS minimisation) for every copy of a file. Each public function of a
``solutions`` module is wrapped: when its arguments are plain data (numbers,
strings, arrays of numbers, containers of them) they are the key (type, dtype,
shape and bytes), and a plain answer is stored; every caller gets its own deep
copy, so no check can change what the next student is compared with. Anything
else (a callable, a random generator, a figure) goes straight through, as does
an exception. The references are deterministic functions of their arguments,
so a remembered answer is the answer. A reference's calls of other reference
functions go straight through: only the checks' questions are remembered, not
the thousands of inner steps of an EM fit (each would be digested and copied).
"""

from __future__ import annotations

import copy
import functools
import sys
import threading


from .check_memo import Undigestible, array_bytes, digest_within

#: Answers kept per process, and the bytes of arrays they may hold, at most.
MAX_ENTRIES = 4096
MAX_BYTES = 256 << 20
#: Arguments above this size are not remembered: the hidden inputs differ per submission, so only
#: another copy of the same file asks again, and digesting a million points costs what the
#: reference's answer does (the scale checks' inputs; every other check's are far smaller).
MAX_ARGUMENT_BYTES = 1 << 20

_ANSWERS: dict[tuple, object] = {}
_STORED = [0]  # bytes of arrays held in _ANSWERS
_INSIDE = threading.local()  # .depth: reference calls under way in this thread


def remembered(function):
    """``function``, answering plain arguments it has seen from memory (a deep copy)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        depth = getattr(_INSIDE, "depth", 0)
        if depth:  # a reference calling another: its caller's answer is the one remembered
            return function(*args, **kwargs)
        # None for arguments that are not plain data, or whose arrays are larger than
        # MAX_ARGUMENT_BYTES: hashing those costs what answering does, and few files ask again.
        arguments = digest_within(MAX_ARGUMENT_BYTES, list(args), dict(sorted(kwargs.items())))
        if arguments is None:
            return function(*args, **kwargs)
        key = (function.__module__, function.__qualname__, arguments)
        if key in _ANSWERS:
            return copy.deepcopy(_ANSWERS[key])
        _INSIDE.depth = depth + 1
        try:
            answer = function(*args, **kwargs)
        finally:
            _INSIDE.depth = depth
        try:
            size = array_bytes(answer)
        except Undigestible:  # not plain data: not remembered
            return answer
        if size <= MAX_BYTES:
            if len(_ANSWERS) >= MAX_ENTRIES or _STORED[0] + size > MAX_BYTES:
                # Full: the hidden inputs differ per submission, so old answers are rarely asked
                # again; start afresh rather than keep the first students' answers for good.
                _ANSWERS.clear()
                _STORED[0] = 0
            _ANSWERS[key] = copy.deepcopy(answer)
            _STORED[0] += size
        return answer

    wrapper.__remembered__ = True
    return wrapper


def install() -> None:
    """Wrap the public functions of every imported ``solutions`` module (once each)."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "solutions" or name.startswith("solutions.")):
            continue
        for attribute, value in list(vars(module).items()):
            if (callable(value) and not attribute.startswith("_") and not isinstance(value, type)
                    and getattr(value, "__module__", None) == name and not getattr(value, "__remembered__", False)):
                setattr(module, attribute, remembered(value))
