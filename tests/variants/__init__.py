"""Variants of a reference solution, written as small edits of it.

A *mutant* is a classic mistake: it must lose points on the functions it
breaks (``hits``), keep full marks on every other function of its exercise,
and get a message containing ``says``. An *alternative* is a correct but
different implementation and must score full marks. Every edit must match
the reference exactly once, so a variant cannot silently go stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograder.core.manifest import exercise


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple[tuple[str, str], ...] = ()
    hits: frozenset[str] = frozenset()
    says: str = ""
    bodies: dict = field(default_factory=dict)  # function -> new solution body
    status: str = "failed"  # status the hit checks should have


@dataclass(frozen=True)
class Alternative:
    name: str
    edits: tuple[tuple[str, str], ...] = ()
    bodies: dict = field(default_factory=dict)


def apply(slug: str, variant) -> str:
    """The reference source of ``slug`` with the variant's edits and bodies applied."""
    source = exercise(slug).solution_path.read_text()
    for old, new in variant.edits:
        count = source.count(old)
        if count != 1:
            raise AssertionError(f"variant {variant.name!r}: {old!r} occurs {count} times in "
                                 f"solutions/{slug}.py (expected exactly once)")
        source = source.replace(old, new)
    for function, body in variant.bodies.items():
        source = replace_body(source, function, body, variant.name)
    return source


def replace_body(source: str, function: str, body: str, name: str = "") -> str:
    """Replace the solution region of ``function`` by ``body`` (indented to fit)."""
    pattern = re.compile(
        rf"(def {re.escape(function)}\(.*?\n)(\s*)### BEGIN SOLUTION\n.*?### END SOLUTION\n",
        re.DOTALL,
    )
    match = pattern.search(source)
    if match is None:
        raise AssertionError(f"variant {name!r}: no solution region for {function}")
    indent = match.group(2).lstrip("\n")
    lines = [indent + line if line.strip() else "" for line in _dedent(body).splitlines()]
    return source[: match.start()] + match.group(1) + "\n".join(lines) + "\n" + source[match.end():]


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")
