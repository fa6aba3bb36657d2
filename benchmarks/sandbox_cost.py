"""What the sandbox's protections cost per submission.

* fork + load: a child forked from the warm zygote, confined, and the
  student's module imported, per exercise (against a fresh interpreter);
* the kernel layers (Landlock, seccomp, the uid drop): fork + load with them
  and with ``--isolation=audit-hook-only``, as a share of grading one
  submission (target: under 5 %);
* the audit-hook guard: every call the hidden checks make on the reference
  is recorded, then replayed in a child-shaped process with and without the
  guard (an audit hook cannot be removed, so each mode is its own process).
"""

from __future__ import annotations

import json
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

from autograder.core.grading import all_slugs, grade_module
from autograder.core.manifest import exercise
from autograder.generation.sample_cohort import solved
from autograder.sandbox import Limits, StudentModule, Zygote, process

from .report import Row, seconds
from .timing import bench_env, run_timed

REPLAY = Path(__file__).resolve().parent / "guard_replay.py"


def fork_and_load(zygote: Zygote, scratch: Path, repeats: int,
                  limits: Limits = Limits()) -> dict[str, float]:
    """Median seconds from asking the zygote for a child to the student's module loaded."""
    times = {}
    for slug in all_slugs():
        path = scratch / f"{slug}.py"
        path.write_text(solved(slug), encoding="utf-8")
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            child = StudentModule(zygote, path, scratch, slug, limits)
            samples.append(time.perf_counter() - start)
            assert child.load.status == "loaded", child.load
            child.kill()
        times[slug] = statistics.median(samples)
    return times


def kernel_layers(zygote: Zygote, scratch: Path, repeats: int,
                  with_kernel: dict[str, float] | None = None) -> tuple[float, float]:
    """Seconds per submission of fork + load, with the kernel layers and without them
    (``with_kernel``: the first, already timed)."""
    with_kernel = with_kernel or fork_and_load(zygote, scratch, repeats)
    without = fork_and_load(zygote, scratch, repeats, Limits(isolation="audit-hook-only"))
    return sum(with_kernel.values()), sum(without.values())


def record_calls(zygote: Zygote) -> list[tuple[str, str, list]]:
    """Grade the reference of every exercise, recording each call the checks make."""
    jobs = []
    original = StudentModule.call
    for slug in all_slugs():
        calls = []

        def recording(self, function, args=(), kwargs=None, timeout=None, _calls=calls):
            _calls.append((function, tuple(args), dict(kwargs or {})))
            return original(self, function, args, kwargs, timeout)

        StudentModule.call = recording
        try:
            grade_module(slug, exercise(slug).solution_path, zygote)
        finally:
            StudentModule.call = original
        jobs.append((slug, solved(slug), calls))
    return jobs


def replay(calls_file: Path, mode: str, rounds: int) -> dict:
    command = [sys.executable, "-I", str(REPLAY), str(process.CHILD_SCRIPT), str(calls_file), mode, str(rounds),
               json.dumps(Limits().forbidden)]
    _, done = run_timed(command, env=bench_env(**process.CHILD_ENV))
    return json.loads(done.stdout)


def run(repeats: int, rounds: int, alternations: int = 2) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch_name:
        scratch = Path(scratch_name)
        zygote = Zygote()
        try:
            loads = fork_and_load(zygote, scratch, repeats)
            confined, unconfined = kernel_layers(zygote, scratch, repeats, with_kernel=loads)
            start = time.perf_counter()
            jobs = record_calls(zygote)  # grades the reference submission: the time to compare with
            grading = time.perf_counter() - start
        finally:
            zygote.close()
        calls_file = scratch / "calls.pickle"
        calls_file.write_bytes(pickle.dumps(jobs))
        plain, guarded = {}, {}
        for _ in range(alternations):  # alternate the modes, so a busy spell on the machine hits both
            for mode, best in (("none", plain), ("guard", guarded)):
                for slug, t in replay(calls_file, mode, rounds)["seconds"].items():
                    best[slug] = min(best.get(slug, t), t)
        events = replay(calls_file, "count", 1)["events"]
    total_load = sum(loads.values())
    rows.append(Row("sandbox cost", "fork + confine + load, per exercise (median)",
                    ", ".join(f"{slug} {seconds(t)}" for slug, t in loads.items()),
                    note=f"{seconds(total_load)} for a submission's four exercises"))
    layers = confined - unconfined
    share = 100 * layers / grading  # one child per exercise when nothing crashes
    rows.append(Row("sandbox cost", "kernel layers (Landlock, seccomp, uid drop), per submission",
                    f"{'+' if layers >= 0 else '-'}{seconds(abs(layers))} ({share:+.1f} % of grading it)",
                    target="< 5 %", met=share < 5,
                    note=f"fork + confine + load of the four exercises: {seconds(confined)} with the kernel "
                         f"layers, {seconds(unconfined)} with --isolation=audit-hook-only; grading the "
                         f"reference submission took {seconds(grading)}; median of {repeats} per exercise"))
    calls = sum(len(c) for _, _, c in jobs)
    cost = sum(guarded.values()) - sum(plain.values())
    share = 100 * cost / sum(plain.values())
    rows.append(Row("sandbox cost", "audit-hook guard, per submission",
                    f"{'+' if cost >= 0 else '-'}{seconds(abs(cost))} ({share:+.0f} % of the student's compute"
                    f"{'; below the run-to-run noise' if cost < 0 else ''})",
                    note=f"the {calls} calls of all hidden checks on the reference, replayed with and without "
                         f"the guard ({seconds(sum(plain.values()))} without); {events} audit events per "
                         f"submission; best of {alternations} x {rounds} rounds per mode"))
    return rows
