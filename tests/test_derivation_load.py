"""The same derivation earns the same record on an idle machine and on a loaded one.

Equality of expressions is decided by values in bounded arithmetic, counted in operations
(``core/equivalence.py``): no wall clock takes part, so four busy processes competing for
the cores change nothing in a record but its ``seconds``. The files chosen are the costliest
of the corpus to grade (the reference, the longest chain, a broken chain named by its
generated edits).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.core import equivalence, symbolic_checks
from autograder.core.grading import grade_module
from autograder.core.manifest import exercise
from autograder.sandbox import Limits

WORK = Path(__file__).resolve().parent / "student_work" / "derivations"
FILES = ["many_small_steps_with_repeats.py", "wrong_ll_steps_n_log_without_half.py"]
#: Student code (SymPy's solve, in the student's process) may be slow under load: speed is the
#: benchmarks' business, so the calls get room; the grading side has no clock at all.
PATIENT = replace(Limits(), call_timeout=300.0)


def _records(zygote, tmp_path) -> list[dict]:
    equivalence._VALUES.clear()  # nothing remembered from the other run: every value computed again
    symbolic_checks._BREAKS.clear()
    symbolic_checks._EDITS.clear()
    out = []
    sources = [exercise("derivations").solution_path.read_text()] + [(WORK / f).read_text() for f in FILES]
    for k, source in enumerate(sources):
        path = tmp_path / f"s{k}" / "derivations.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        record = grade_module("derivations", path, zygote, limits=PATIENT, budget=3600.0)
        out.append({key: value for key, value in dataclasses.asdict(record).items() if key != "seconds"})
    return out


@pytest.mark.slow
def test_a_loaded_machine_grades_derivations_exactly_as_an_idle_one(zygote, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_CHECK_MEMO", "0")  # every check runs, none is replayed
    idle = _records(zygote, tmp_path / "idle")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4)]
    try:
        loaded = _records(zygote, tmp_path / "loaded")
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert [r["results"] for r in loaded] == [r["results"] for r in idle]
    assert loaded == idle
    assert any(not c["status"] == "passed" and c["mistake"] for r in idle for c in r["results"])
