"""No grade is ever lost: a run of one exercise merges into OUT, and a grader killed (SIGKILL) at
any moment of a full run or of a partial regrade loses no one's grades; resumed, it ends where
an uninterrupted run ends."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.generation import sample_cohort

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ["--exercise", "gaussian_mle", "--exercise", "kmeans"]
STUDENTS = ("ann", "bob", "cy")
#: The kill test's seed: the same moments on every run.
SEED = 19


def command(cohort: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(cohort), "--out", str(out), "--jobs", "1",
            "--progress", "lines", *options]


def grade(cohort: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(command(cohort, out, *options), cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def make_cohort(root: Path) -> Path:
    for student in STUDENTS:
        (root / student).mkdir(parents=True)
        (root / student / "gaussian_mle.py").write_text(sample_cohort.solved("gaussian_mle"))
        (root / student / "kmeans.py").write_text(sample_cohort.solved("kmeans"))
    (root / "bob" / "gaussian_mle.py").write_text(sample_cohort.edited(  # keeps a wrong answer throughout
        "gaussian_mle", ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)")))
    return root


def break_kmeans(cohort: Path) -> None:
    """The change a partial regrade picks up: cy's kmeans now takes the farthest center."""
    (cohort / "cy" / "kmeans.py").write_text(sample_cohort.edited(
        "kmeans", ("return np.argmin(np.abs(x[:, None] - centers[None, :]), axis=1)",
                   "return np.argmax(np.abs(x[:, None] - centers[None, :]), axis=1)")))


def gradebook(out: Path, name: str = "grades.csv") -> dict[str, dict]:
    with open(out / name, encoding="utf-8", newline="") as handle:
        return {row["student"]: {k: row[k] for k in ("gaussian_mle", "kmeans", "total", "max_total", "status")}
                for row in csv.DictReader(handle)}


def feedback_of(out: Path, student: str) -> dict[str, list]:
    """Each exercise's points and check messages, from the student's record."""
    record = json.loads((out / student / "record.json").read_text(encoding="utf-8"))
    return {ex["exercise"]: [ex["points"], [(r["name"], r["points"], r["message"]) for r in ex["results"]]]
            for ex in record["exercises"]}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A full run, then a run of kmeans alone after cy's kmeans changed, never interrupted: the
    merge test's subject and the kill test's reference. (OUT after the full run, OUT after the
    regrade, the regrade's output, the two runs' seconds.)"""
    root = tmp_path_factory.mktemp("uninterrupted")
    cohort = make_cohort(root / "cohort")
    out = root / "out"
    started = time.monotonic()
    grade(cohort, out, *EXERCISES)
    full_seconds = time.monotonic() - started
    shutil.copytree(out, root / "after-full")
    break_kmeans(cohort)
    started = time.monotonic()
    regraded = grade(cohort, out, "--exercise", "kmeans")
    return root / "after-full", out, regraded.stdout, full_seconds, time.monotonic() - started


def test_a_run_of_one_exercise_merges_into_the_gradebook(uninterrupted):
    full, out, stdout, _, _ = uninterrupted
    before = gradebook(full)
    before_feedback = {s: feedback_of(full, s) for s in STUDENTS}
    assert before["cy"] == {"gaussian_mle": "10", "kmeans": "15", "total": "25", "max_total": "25",
                            "status": "graded"}
    assert "Grading 1 of 3 students (2 unchanged" in stdout
    after = gradebook(out)
    assert after["ann"] == before["ann"] and after["bob"] == before["bob"]
    assert after["cy"]["gaussian_mle"] == "10" and float(after["cy"]["kmeans"]) < 15
    assert after["cy"]["total"] == str(10 + int(float(after["cy"]["kmeans"])))
    cy = feedback_of(out, "cy")
    assert cy["gaussian_mle"] == before_feedback["cy"]["gaussian_mle"]  # points and messages unchanged
    assert cy["kmeans"] != before_feedback["cy"]["kmeans"]
    text = (out / "cy" / "feedback.md").read_text(encoding="utf-8")
    assert "Regraded on " in text and ": kmeans. The other exercises (gaussian_mle) keep their grades of" in text
    assert "gaussian_mle.py" in text and "## 1. Maximum likelihood for a Gaussian" in text
    assert (out / "grades.previous.csv").read_bytes() == (full / "grades.csv").read_bytes()


def test_a_run_of_one_student_keeps_the_others(uninterrupted, tmp_path):
    _, graded, _, _, _ = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(graded, out)
    before = {s: (out / s / "record.json").read_bytes() for s in STUDENTS}
    result = grade(graded.parent / "cohort", out, *EXERCISES, "--student", "bob", "--force")
    assert "Grading 1 of 1 students" in result.stdout
    assert gradebook(out) == gradebook(graded)  # every row kept, bob's graded again to the same points
    assert [s for s in STUDENTS if (out / s / "record.json").read_bytes() != before[s]] == ["bob"]


def _run_and_kill(cohort: Path, out: Path, delay: float, options: list[str]) -> None:
    env = {**os.environ, "CI": "1", "MPLBACKEND": "Agg"}
    process = subprocess.Popen(command(cohort, out, *options), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the grader, its workers, zygote and children at once
    except ProcessLookupError:
        pass
    process.wait()


@pytest.mark.slow
def test_killed_at_random_moments_no_grade_is_lost_and_resuming_ends_where_an_uninterrupted_run_does(
        tmp_path, uninterrupted):
    reference_full, reference_out, _, full_seconds, partial_seconds = uninterrupted
    full, final = gradebook(reference_full), gradebook(reference_out)  # the kill moments are drawn within
    moments = random.Random(SEED)
    cohort = make_cohort(tmp_path / "cohort")
    out = tmp_path / "out"
    kills = 0
    # A full run, killed three times: whoever had a record keeps it, whole.
    for _ in range(3):
        graded_before = {s: feedback_of(out, s) for s in STUDENTS if (out / s / "record.json").exists()}
        _run_and_kill(cohort, out, moments.uniform(0.3, 1.0) * full_seconds, EXERCISES)
        kills += 1
        for student, exercises in graded_before.items():
            assert feedback_of(out, student) == exercises, f"kill {kills}: {student} lost grades"
    grade(cohort, out, *EXERCISES)
    assert gradebook(out) == full
    # A partial regrade of kmeans after a change, killed three times: nobody's gaussian_mle moves,
    # the gradebook is always whole (the old one or the new one), the previous one is kept.
    break_kmeans(cohort)
    kept = {s: feedback_of(out, s)["gaussian_mle"] for s in STUDENTS}
    for _ in range(3):
        _run_and_kill(cohort, out, moments.uniform(0.3, 1.0) * partial_seconds, ["--exercise", "kmeans"])
        kills += 1
        book = gradebook(out)
        assert set(book) == set(STUDENTS), f"kill {kills}: the gradebook lost a row"
        for student in STUDENTS:
            assert feedback_of(out, student)["gaussian_mle"] == kept[student], f"kill {kills}: {student}"
            assert book[student]["gaussian_mle"] == full[student]["gaussian_mle"]
            assert book[student]["kmeans"] in (full[student]["kmeans"], final[student]["kmeans"])
    grade(cohort, out, "--exercise", "kmeans")
    assert gradebook(out) == final
    assert gradebook(out, "grades.previous.csv") == full  # the gradebook the regrade replaced
    assert kills >= 6
