"""Grade every exercise of one student, and keep the outcome as a record on disk.

The record (``record.StudentRecord``, saved as ``record.json`` in the student's
output folder) holds every check's points and message, the content hash of the
student's files and a fingerprint of the grader. It is written last and
atomically, so a student whose record exists is fully graded, and every report
(results.json, feedback, grades.csv, the summary) is rendered from records alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from . import course_secret
from .escaping import escape_controls
from .grading import all_slugs, checks_for, grade_module
from .manifest import ROOT, exercise
from .policy import DEFAULT as DEFAULT_POLICY
from .policy import Policy
from .record import (CheckResult, ExerciseRecord, ExerciseStatus, RecordError, StudentRecord,
                     StudentStatus)
from ..sandbox import AttachedZygote, SandboxError, Zygote
from ..sandbox.scratch import remove_tree
from .submissions import PreparedFile, Submission, prepare

RECORD = "record.json"
#: Names of OUT's own files: a student folder with one of these names gets a suffix.
RESERVED = {"grades.csv", "grades.previous.csv", "summary.md", "summary.png", "summary.html",
            "mistakes.csv", "mistakes.png"}


def output_folder(out: Path, student: str) -> Path:
    """``OUT/<student>/``: the id with its control characters escaped (no line break or
    terminal escape in a folder name), suffixed if it would clash with OUT's own files."""
    name = escape_controls(student)
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
            stream.flush()
            os.fsync(stream.fileno())  # on disk before the rename: a power cut leaves old or new
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide reports from the rest of the staff
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def read_record(folder: Path) -> StudentRecord | None:
    """The record saved in ``folder``, or None when there is none or it is not one this grader
    writes (damaged, edited, an older format): such a student is graded again."""
    try:
        return StudentRecord.from_dict(json.loads((folder / RECORD).read_text(encoding="utf-8")))
    except (OSError, ValueError, RecordError, RecursionError):
        return None


def save_record(folder: Path, record: StudentRecord) -> None:
    write_atomic(folder / RECORD, json.dumps(record.to_dict(), indent=1, ensure_ascii=False))


def grader_files() -> list[Path]:
    """Every file that can change a grade: the whole grader package (checks, sandbox,
    extraction, policy, exercises.toml) and the references."""
    package = Path(__file__).resolve().parent.parent
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [p for p in (ROOT / "solutions").rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files)


def grader_fingerprint(options: dict) -> str:
    """Hash of ``grader_files()``, the options (policy, exercises) that decide a grade and a
    hash of the course secret (``course_secret.secret_id``: the secret seeds the hidden inputs).

    A change to any of them re-grades every student on the next run. Which exercises a run
    grades is left out: an exercise graded by a run of it alone is as current as one graded
    with the others.
    """
    # The exercises a run grades are not part of it: each exercise's record carries its own.
    digest = hashlib.sha256(json.dumps({k: v for k, v in options.items() if k != "slugs"},
                                       sort_keys=True).encode())
    # The inputs are seeded by the course secret: graded under another secret, graded again.
    digest.update(b"secret\0" + course_secret.secret_id().encode() + b"\0")
    for path in grader_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------
# Grading one student
# --------------------------------------------------------------------------

def _zero_result(slug: str, status: str, message: str) -> ExerciseRecord:
    checks = checks_for(slug)
    return ExerciseRecord(slug, status, message, [
        CheckResult(c.exercise, c.function, c.name, c.title, 0.0, c.points, "failed", message)
        for c in checks])


def _grader_error(slug: str, exc: BaseException) -> ExerciseRecord:
    message = (f"The grader failed on this exercise ({type(exc).__name__}: {exc}). "
               f"This is not your mistake: your teaching staff has been told.")
    try:
        return _zero_result(slug, "grader_error", message)
    except Exception:  # not even the checks could be loaded
        return ExerciseRecord(slug, "grader_error", message)


class ZygoteKeeper:
    """One warm sandbox, restarted if it dies (a grader fault, never the student's).

    ``shared``: a line to the run's zygote (``AttachedZygote``: a pool worker's); the
    keeper starts a zygote of its own only when that line fails.
    """

    def __init__(self, shared: socket.socket | None = None) -> None:
        self.zygote: Zygote | None = None
        self._shared = shared
        self._starting: threading.Thread | None = None

    def start_in_background(self) -> None:
        """Get the zygote ready in a thread: it starts while this process imports the checks."""
        self._starting = threading.Thread(target=self._try_get, daemon=True)
        self._starting.start()

    def _try_get(self) -> None:
        try:
            self._get()
        except Exception:  # the first get() tries again and reports it
            pass

    def get(self) -> Zygote:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        return self._get()

    def _get(self) -> Zygote:
        if self.zygote is None or not self.zygote.alive():
            self.close()
            shared, self._shared = self._shared, None
            if shared is not None:
                try:
                    self.zygote = AttachedZygote(shared)
                    return self.zygote
                except SandboxError:
                    pass
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


def prepare_all(submission: Submission, slugs, scratch: Path) -> dict[str, PreparedFile | Exception]:
    """Every exercise file of the student as a module under ``scratch`` (or why it is not one)."""
    prepared: dict[str, PreparedFile | Exception] = {}
    for slug in slugs:
        try:
            prepared[slug] = prepare(submission, slug, scratch / slug)
        except Exception as exc:  # unreadable file on disk: say so, grade the rest
            prepared[slug] = exc
    return prepared


def grade_exercise(submission: Submission, slug: str, keeper: ZygoteKeeper, scratch: Path, *,
                   policy: Policy = DEFAULT_POLICY,
                   prepared: dict[str, PreparedFile | Exception] | None = None) -> ExerciseRecord:
    """One exercise of one student (never raises).

    The one grading function of every route (batch, Gradescope, the nbgrader cells):
    the files are prepared (size, empty, BOM, notebook extraction), then graded under
    ``policy``. ``prepared``: the student's files already made modules (``prepare_all``;
    by default every exercise's, here); the other exercises' modules sit beside this
    one so the student's files can import each other.
    """
    limits, budget = policy.limits(), policy.budget
    if prepared is None:
        prepared = prepare_all(submission, list(dict.fromkeys([slug, *all_slugs()])), scratch)
    mine = prepared[slug]
    siblings = {other: p.module for other, p in prepared.items()
                if other != slug and isinstance(p, PreparedFile) and p.module is not None}
    if isinstance(mine, Exception):
        result = _zero_result(slug, "unreadable", f"Your file for {slug} could not be read ({mine}).")
        mine = None
    elif mine.status:
        result = _zero_result(slug, mine.status, mine.message)
    else:
        result = None
        for attempt in range(2):
            try:
                result = grade_module(slug, mine.module, keeper.get(), limits=limits, budget=budget,
                                      siblings=siblings)
                break
            except SandboxError as exc:
                keeper.restart()
                result = _grader_error(slug, exc)
            except Exception as exc:
                result = _grader_error(slug, exc)
                break
    notes = list(mine.notes) if mine else []
    for r in result.results:  # a passing check's remark (float32 precision, say), once per exercise
        remark = r.message.removeprefix("Note: ") if r.passed else ""
        if remark and remark not in notes:
            notes.append(remark)
    status = result.status
    if status == ExerciseStatus.GRADED and any(r.status == "grader_error" for r in result.results):
        status = ExerciseStatus.GRADER_ERROR
    message = result.message
    if mine and mine.unreadable_cells and not message:  # graded without them: say so first
        message = mine.unreadable_cells
    return replace(result, title=exercise(slug).title, source=mine.source if mine else "",
                   notes=notes, status=status, message=message)


def grade_student(submission: Submission, keeper: ZygoteKeeper, *, slugs: list[str],
                  policy: Policy = DEFAULT_POLICY, grader: str = "") -> StudentRecord:
    """Every exercise of one student: the record that every report is rendered from."""
    start = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="student-"))
    try:
        every = list(dict.fromkeys([*slugs, *all_slugs()]))  # siblings of an exercise not graded too
        prepared = prepare_all(submission, every, scratch)
        fingerprint, when = submission.fingerprint(), now_utc()
        exercises = [stamp(grade_exercise(submission, slug, keeper, scratch, policy=policy,
                                          prepared=prepared), fingerprint, grader, when)
                     for slug in slugs]
    finally:
        remove_tree(scratch)
    return make_record(submission.student, exercises, fingerprint=submission.fingerprint(),
                       grader=grader, notes=submission.notes, rejected=submission.rejected,
                       flags=submission.flags, gradable=any(s in submission.files for s in slugs),
                       seconds=time.monotonic() - start, isolation=policy.isolation)


def make_record(student: str, exercises: list[ExerciseRecord], *, fingerprint: str, grader: str,
                notes: list[str] = (), rejected: str = "", flags: list[str] = (),
                gradable: bool = True, seconds: float = 0.0, isolation: str = "") -> StudentRecord:
    """The record of one student. ``flags``: problems found before grading (files ignored,
    colliding ids, refused zip entries), listed first in grades.csv's problems column."""
    problems = list(flags) + [f"{e.exercise}: {e.status.replace('_', ' ')}" for e in exercises
                              if e.status != ExerciseStatus.GRADED]
    problems += [f"{e.exercise}: not attempted" for e in exercises
                 if e.status == ExerciseStatus.GRADED and not e.attempted]
    if not gradable:
        status = StudentStatus.NO_GRADABLE_FILE
    elif rejected:
        status = StudentStatus.REJECTED
    elif any(e.status == ExerciseStatus.GRADER_ERROR for e in exercises):
        status = StudentStatus.GRADER_ERROR
    elif any(e.status != ExerciseStatus.GRADED or not e.attempted for e in exercises):
        status = StudentStatus.INCOMPLETE  # a file not loaded, or an exercise not attempted
    else:
        status = StudentStatus.GRADED
    return StudentRecord(student=student, status=status, exercises=exercises,
                         problems="; ".join(problems), notes=notes, flags=flags, rejected=rejected,
                         fingerprint=fingerprint, grader=grader, isolation=isolation, seconds=seconds)


def failed_record(submission: Submission, slugs: list[str], reason: str, grader: str = "",
                  isolation: str = "") -> StudentRecord:
    """The row of a student whose grading crashed twice: zero, flagged, re-graded next run."""
    exercises = [stamp(replace(_grader_error(slug, RuntimeError(reason)), title=exercise(slug).title),
                       submission.fingerprint(), grader) for slug in slugs]
    return make_record(submission.student, exercises, fingerprint=submission.fingerprint(),
                       grader=grader, notes=submission.notes, flags=submission.flags,
                       isolation=isolation)


# --------------------------------------------------------------------------
# Grading some exercises, keeping the others
# --------------------------------------------------------------------------

def now_utc() -> str:
    """The time an exercise was graded, as the feedback shows it (UTC, to the second)."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


def stamp(result: ExerciseRecord, fingerprint: str, grader: str, when: str = "") -> ExerciseRecord:
    """``result`` marked with what it was graded from (the files, the grader) and when (one time
    for all the exercises of one grading of a student)."""
    return replace(result, fingerprint=fingerprint, grader=grader, graded_at=when or now_utc())


def stale_exercises(record: StudentRecord | None, slugs: list[str], fingerprint: str,
                    grader: str) -> list[str]:
    """The exercises of ``slugs`` that ``record`` does not hold as graded from these files by this
    grader (every one when there is no record). A grader error is never kept."""
    if record is None:
        return list(slugs)
    stale = []
    for slug in slugs:
        ex = record.exercise(slug)
        if (ex is None or ex.status == ExerciseStatus.GRADER_ERROR
                or (ex.fingerprint or record.fingerprint) != fingerprint
                or (ex.grader or record.grader) != grader):
            stale.append(slug)
    return stale


def merge_records(old: StudentRecord | None, new: StudentRecord) -> StudentRecord:
    """``new`` (some exercises graded now) with the other exercises of ``old`` kept as they were:
    a run of some exercises never drops the others' grades. Total, status and problems are
    computed again from the merged exercises."""
    if old is None or old.student != new.student:
        return new
    graded_now = {ex.exercise for ex in new.exercises}
    kept = [ex for ex in old.exercises if ex.exercise not in graded_now]
    if not kept:
        return new
    stamped = [ex if ex.fingerprint else replace(ex, fingerprint=old.fingerprint, grader=old.grader)
               for ex in kept]
    order = {slug: i for i, slug in enumerate(all_slugs())}
    exercises = sorted([*stamped, *new.exercises], key=lambda ex: order.get(ex.exercise, len(order)))
    gradable = new.status != StudentStatus.NO_GRADABLE_FILE or old.status != StudentStatus.NO_GRADABLE_FILE
    return make_record(new.student, exercises, fingerprint=new.fingerprint, grader=new.grader,
                       notes=new.notes, rejected=new.rejected, flags=new.flags, gradable=gradable,
                       seconds=new.seconds, isolation=new.isolation)
