"""The ordered list of exercises, read from ``exercises.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
SOURCE = ROOT / "source"
PUBLIC_TESTS = PACKAGE / "public"


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str
    title: str
    functions: tuple[str, ...]

    @property
    def solution_path(self) -> Path:
        return SOLUTIONS / f"{self.slug}.py"

    @property
    def public_test_path(self) -> Path:
        return PUBLIC_TESTS / f"test_{self.slug}.py"


@cache
def _manifest() -> dict:
    return tomllib.loads((PACKAGE / "exercises.toml").read_text())


@cache
def exercises() -> tuple[Exercise, ...]:
    data = _manifest()
    return tuple(
        Exercise(number=i, slug=e["slug"], title=e["title"], functions=tuple(e["functions"]))
        for i, e in enumerate(data["exercise"], start=1)
    )


def exercise(slug: str) -> Exercise:
    for item in exercises():
        if item.slug == slug:
            return item
    raise KeyError(f"no exercise named {slug!r}; known: {', '.join(e.slug for e in exercises())}")


def forbidden_routines() -> dict[str, list[str]]:
    """``packages``, ``routines`` and ``prefixes`` no submission may call (exercises.toml)."""
    table = _manifest().get("forbidden", {})
    return {key: list(table.get(key, [])) for key in ("packages", "routines", "prefixes")}
