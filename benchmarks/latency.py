"""Student latency: ``pytest test_<slug>.py`` in the student folder, from a cold start.

The student folder is ``assignments/`` copied to a scratch directory, once
with the reference filled in (every test runs to the end) and once with the
stubs (every test stops at NotImplementedError). "Cold" is the first run in a
fresh copy: a new interpreter and no bytecode cache for the tests yet.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from autograder.core.manifest import exercises
from autograder.generation.sample_cohort import solved

from .report import Row, seconds
from .timing import ROOT, bench_env, run_timed

TARGET = 2.0


def _student_folder(scratch: Path, filled: bool) -> Path:
    folder = scratch / ("filled" if filled else "stub")
    shutil.copytree(ROOT / "assignments", folder)
    if filled:
        for ex in exercises():
            (folder / f"{ex.slug}.py").write_text(solved(ex.slug), encoding="utf-8")
    return folder


def pytest_seconds(folder: Path, slug: str) -> float:
    command = [sys.executable, "-m", "pytest", f"test_{slug}.py"]
    wall, done = run_timed(command, cwd=folder, env=bench_env(), check=False)
    if done.returncode not in (0, 1):  # 1: tests failed, as they do on the stubs
        raise RuntimeError(f"pytest test_{slug}.py exited with {done.returncode}:\n{done.stdout[-2000:]}")
    return wall


def run(warm_repeats: int, slugs: list[str] | None = None) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-student-") as scratch_name:
        for filled in (True, False):
            folder = _student_folder(Path(scratch_name), filled)
            for ex in exercises():
                if slugs and ex.slug not in slugs:
                    continue
                cold = pytest_seconds(folder, ex.slug)
                warm = sorted(pytest_seconds(folder, ex.slug) for _ in range(warm_repeats))
                again = f", {seconds(warm[len(warm) // 2])} on a re-run" if warm else ""
                rows.append(Row("student latency",
                                f"`pytest test_{ex.slug}.py`, {'reference' if filled else 'stub'}",
                                f"{seconds(cold)} cold{again}", f"<= {TARGET:g} s cold", cold <= TARGET))
    return rows
