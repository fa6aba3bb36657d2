"""Student latency: ``pytest test_<slug>.py`` in a fresh release bundle, the way a student runs it.

The bundle is what ``python -m autograder release --out DIR`` writes (stubs, notebooks,
public tests, conftest, pytest.ini), copied twice: once with the reference filled in (every
test runs to the end) and once with the stubs (every test stops at NotImplementedError).
Each exercise is run with the environment's ``pytest`` command from the bundle's folder.
"Cold" is the first run in a fresh copy of the bundle, one copy per exercise and case: a new
interpreter, no ``__pycache__`` of the conftest, the student's file or the tests and no
``.pytest_cache`` yet, as on the first run after unpacking; with ``drop_caches`` (root only,
and it slows every other process on the machine for a moment) the file cache is emptied before
it too, as after a reboot. The re-runs follow in the same folder. The CPU seconds beside each
wall time (the process's user + system time) vary less with the load, which is read before
each cold run. The environment is the student's: the environment's ``bin/`` first on ``PATH``,
no ``MPLBACKEND`` (matplotlib picks its backend as it does for them).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.core.manifest import exercises
from autograder.generation.sample_cohort import solved

from .report import Row, seconds
from .timing import ROOT, bench_env

TARGET = 1.5
DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def _bundle(scratch: Path) -> Path:
    bundle = scratch / "bundle"
    subprocess.run([sys.executable, "-m", "autograder", "release", "--out", str(bundle)], cwd=ROOT,
                   env=bench_env(), check=True, capture_output=True)
    return bundle


def _student_folder(scratch: Path, bundle: Path, slug: str, filled: bool) -> Path:
    """A fresh copy of the bundle, with the reference in every exercise file when ``filled``."""
    folder = scratch / f"{slug}-{'reference' if filled else 'stub'}"
    shutil.copytree(bundle, folder)
    if filled:
        for ex in exercises():
            (folder / f"{ex.slug}.py").write_text(solved(ex.slug), encoding="utf-8")
    return folder


def _student_env() -> dict[str, str]:
    env = bench_env()
    env.pop("MPLBACKEND", None)
    return env


def _drop_caches() -> bool:
    try:
        os.sync()
        DROP_CACHES.write_text("3\n")
        return True
    except OSError:
        return False


def pytest_seconds(folder: Path, slug: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``pytest test_<slug>.py`` in ``folder``."""
    command = [str(Path(sys.executable).parent / "pytest"), f"test_{slug}.py"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=_student_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: tests failed, as they do on the stubs
        raise RuntimeError(f"pytest test_{slug}.py exited with {done.returncode}:\n{done.stdout[-2000:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run(warm_repeats: int, slugs: list[str] | None = None, drop_caches: bool = False) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-student-") as scratch_name:
        scratch = Path(scratch_name)
        bundle = _bundle(scratch)
        for filled in (True, False):
            for ex in exercises():
                if slugs and ex.slug not in slugs:
                    continue
                folder = _student_folder(scratch, bundle, ex.slug, filled)
                dropped = drop_caches and _drop_caches()
                load = os.getloadavg()[0]
                cold, cpu = pytest_seconds(folder, ex.slug)
                warm = [pytest_seconds(folder, ex.slug) for _ in range(warm_repeats)]
                again = (f", {seconds(_median([w for w, _ in warm]))} on a re-run "
                         f"({_median([c for _, c in warm]):.2f} CPU-s)" if warm else "")
                rows.append(Row("student latency",
                                f"`pytest test_{ex.slug}.py`, {'reference' if filled else 'stub'}",
                                f"{seconds(cold)} cold ({cpu:.2f} CPU-s){again}", f"<= {TARGET:g} s cold",
                                cold <= TARGET,
                                note=f"load {load:.1f} before the cold run; "
                                     + ("file cache dropped before it" if dropped
                                        else "file cache warm (not dropped)")
                                     + (f"; re-runs: median of {warm_repeats}" if warm else "")))
    return rows
