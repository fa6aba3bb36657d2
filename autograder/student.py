"""Grade every exercise of one student, and keep the outcome as a record on disk.

The record (``record.json`` in the student's output folder) is plain JSON:
every check's points and message, the content hash of the student's files
and a fingerprint of the grader. It is written last and atomically, so a
student whose record exists is fully graded, and every report (results.json,
feedback, grades.csv, the summary) is rendered from records alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .framework import CheckResult
from .grading import ExerciseResult, checks_for, grade_module
from .manifest import ROOT, exercise
from .sandbox import Limits, SandboxError, Zygote
from .submissions import Submission, prepare

RECORD = "record.json"
#: Names of OUT's own files: a student folder with one of these names gets a suffix.
RESERVED = {"grades.csv", "summary.md", "summary.png"}


def output_folder(out: Path, student: str) -> Path:
    """``OUT/<student>/``: the id as it is, unless it would clash with OUT's own files."""
    name = student
    if name.lower() in RESERVED or name in ("", ".", ".."):
        name = f"{name} (student)"
    return out / name


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write through a temporary file in the same folder and rename: never half a file."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide reports from the rest of the staff
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_record(folder: Path) -> dict | None:
    try:
        return json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def grader_fingerprint(options: dict) -> str:
    """Hash of the checks, the references, the sandbox and the options that decide a grade.

    A change to any of them re-grades every student on the next run.
    """
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    package = Path(__file__).resolve().parent
    files = sorted(package.glob("checks/*.py")) + sorted(package.glob("sandbox/*.py"))
    files += [package / name for name in ("framework.py", "grading.py", "exercises.toml", "submissions.py")]
    files += sorted((ROOT / "solutions").glob("*.py"))
    for path in files:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------
# Grading one student
# --------------------------------------------------------------------------

def _zero_result(slug: str, status: str, message: str) -> ExerciseResult:
    checks = checks_for(slug)
    return ExerciseResult(slug, status, message, [
        CheckResult(c.exercise, c.function, c.name, c.title, 0.0, c.points, "failed", message)
        for c in checks])


def _grader_error(slug: str, exc: BaseException) -> ExerciseResult:
    message = (f"The grader failed on this exercise ({type(exc).__name__}: {exc}). "
               f"This is not your mistake: your teaching staff has been told.")
    try:
        return _zero_result(slug, "grader_error", message)
    except Exception:  # not even the checks could be loaded
        return ExerciseResult(slug, "grader_error", message)


class ZygoteKeeper:
    """One warm sandbox, restarted if it dies (a grader fault, never the student's)."""

    def __init__(self) -> None:
        self.zygote: Zygote | None = None

    def get(self) -> Zygote:
        if self.zygote is None or self.zygote.process.poll() is not None:
            self.close()
            self.zygote = Zygote()
        return self.zygote

    def restart(self) -> Zygote:
        self.close()
        return self.get()

    def close(self) -> None:
        if self.zygote is not None:
            try:
                self.zygote.close()
            except Exception:
                pass
            self.zygote = None


def grade_exercise(submission: Submission, slug: str, keeper: ZygoteKeeper, scratch: Path, *,
                   limits: Limits, budget: float) -> dict:
    """One exercise of one student, as a plain dict (never raises)."""
    try:
        prepared = prepare(submission, slug, scratch / slug)
    except Exception as exc:  # unreadable file on disk: say so, grade the rest
        result = _zero_result(slug, "unreadable", f"Your file for {slug} could not be read ({exc}).")
        prepared = None
    else:
        if prepared.status:
            result = _zero_result(slug, prepared.status, prepared.message)
        else:
            result = None
            for attempt in range(2):
                try:
                    result = grade_module(slug, prepared.module, keeper.get(), limits=limits, budget=budget)
                    break
                except SandboxError as exc:
                    keeper.restart()
                    result = _grader_error(slug, exc)
                except Exception as exc:
                    result = _grader_error(slug, exc)
                    break
    data = result.to_dict()
    data["title"] = exercise(slug).title
    data["source"] = prepared.source if prepared else ""
    data["notes"] = list(prepared.notes) if prepared else []
    if any(r.status == "grader_error" for r in result.results) and data["status"] == "graded":
        data["status"] = "grader_error"
    return data


def grade_student(submission: Submission, keeper: ZygoteKeeper, *, slugs: list[str],
                  limits: Limits, budget: float, grader: str = "") -> dict:
    """Every exercise of one student: the record that every report is rendered from."""
    start = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="student-"))
    try:
        exercises = [grade_exercise(submission, slug, keeper, scratch, limits=limits, budget=budget)
                     for slug in slugs]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return make_record(submission.student, exercises, fingerprint=submission.fingerprint(),
                       grader=grader, notes=submission.notes, rejected=submission.rejected,
                       seconds=time.monotonic() - start)


def make_record(student: str, exercises: list[dict], *, fingerprint: str, grader: str,
                notes: list[str] = (), rejected: str = "", seconds: float = 0.0) -> dict:
    problems = [f"{e['exercise']}: {e['status'].replace('_', ' ')}" for e in exercises
                if e["status"] != "graded"]
    if rejected:
        status = "rejected"
    elif any(e["status"] == "grader_error" for e in exercises):
        status = "grader_error"
    elif problems:
        status = "incomplete"
    else:
        status = "graded"
    return {
        "student": student,
        "status": status,
        "problems": "; ".join(problems),
        "points": round(sum(e["points"] for e in exercises), 6),
        "max_points": round(sum(e["max_points"] for e in exercises), 6),
        "exercises": exercises,
        "notes": list(notes),
        "rejected": rejected,
        "fingerprint": fingerprint,
        "grader": grader,
        "seconds": round(seconds, 3),
    }


def failed_record(submission: Submission, slugs: list[str], reason: str, grader: str = "") -> dict:
    """The row of a student whose grading crashed twice: zero, flagged, re-graded next run."""
    exercises = []
    for slug in slugs:
        data = _grader_error(slug, RuntimeError(reason)).to_dict()
        data.update(title=exercise(slug).title, source="", notes=[])
        exercises.append(data)
    return make_record(submission.student, exercises, fingerprint=submission.fingerprint(),
                       grader=grader, notes=submission.notes)
