"""The typed record of a grade: what every route produces and every report reads.

One student's record (``StudentRecord``) holds one ``ExerciseRecord`` per
exercise, each holding one ``CheckResult`` per hidden check. Statuses are
``StrEnum`` members, so a record prints and serialises as plain strings. The
record crosses process and disk boundaries as JSON (``to_dict`` /
``from_dict``); ``from_dict`` refuses anything that is not a record it could
have written (unknown status, wrong type, points that do not add up), so a
damaged ``record.json`` is re-graded rather than trusted.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import StrEnum


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not_implemented"  # the stub's NotImplementedError
    FORBIDDEN = "forbidden"  # the function called a routine that would do the exercise for it
    BLOCKED = "blocked"  # the sandbox refused something the module tried (files, processes, ...)
    GRADER_ERROR = "grader_error"  # the grader failed: never the student's fault


class ExerciseStatus(StrEnum):
    GRADED = "graded"  # the checks ran (whatever they found)
    MISSING = "missing"  # no file, or the file lacks the functions
    EMPTY = "empty"
    UNREADABLE = "unreadable"
    REFUSED = "refused"  # too large, a rejected archive, an unusable notebook
    LOAD_ERROR = "load_error"  # the module raised or hung at import
    BLOCKED = "blocked"  # the module tried something the sandbox refuses
    GRADER_ERROR = "grader_error"


class StudentStatus(StrEnum):
    GRADED = "graded"
    INCOMPLETE = "incomplete"  # some exercise was not graded (missing, load error, ...)
    REJECTED = "rejected"  # the submission as a whole was refused (an unsafe archive, say)
    GRADER_ERROR = "grader_error"
    NO_GRADABLE_FILE = "no gradable file"


class RecordError(ValueError):
    """A JSON object that is not a record this grader writes."""


def _points(values) -> float:
    return round(sum(values), 6)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome."""

    exercise: str
    function: str
    name: str
    title: str
    points: float
    max_points: float
    status: CheckStatus
    message: str = ""
    #: Expressions the message shows, as (label, presentation MathML, LaTeX) for the HTML feedback
    #: and the notebooks; printed from rebuilt (allow-listed) trees, never from a student's text.
    math: tuple[tuple[str, str, str], ...] = ()
    #: The sentence of the mistake model the answer matched (also inside ``message``): what the
    #: class summary counts, so no report parses messages back.
    mistake: str = ""
    #: The grader's limit the student's code hit here ("time limit", "memory", "time budget"):
    #: such students are listed apart in the class summary, with the command to grade them again.
    limit: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", CheckStatus(self.status))
        object.__setattr__(self, "math", tuple(tuple(item) for item in self.math))
        if any(len(item) != 3 or not all(isinstance(part, str) for part in item) for item in self.math):
            raise RecordError(f"check {self.name!r}: math is not (label, MathML, LaTeX) triples")

    @property
    def passed(self) -> bool:
        return self.status is CheckStatus.PASSED

    def to_dict(self) -> dict:
        data = {**asdict(self), "status": str(self.status), "math": [list(item) for item in self.math]}
        if not self.math:
            del data["math"]  # the records of numeric exercises carry none
        for key in ("mistake", "limit"):
            if not data[key]:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        _require(data, dict, "a check")
        math = _list(data, "math")
        if not all(isinstance(item, (list, tuple)) for item in math):
            raise RecordError("math is not a list of triples")
        result = _build(cls, {**data, "math": tuple(tuple(item) for item in math)})
        if not (0 <= result.points <= result.max_points):
            raise RecordError(f"check {result.name!r}: {result.points} of {result.max_points} points")
        return result


@dataclass(frozen=True)
class ExerciseRecord:
    """One exercise of one student: its checks, and what the student should read first."""

    exercise: str
    status: ExerciseStatus
    #: Why the exercise was not graded; for a graded notebook, the cells Python could not read.
    message: str = ""
    results: tuple[CheckResult, ...] = ()
    output: str = ""  # what the student's code printed (already cut to its first part)
    seconds: float = 0.0
    title: str = ""
    source: str = ""  # the file graded, as the student named it
    notes: tuple[str, ...] = ()  # remarks that cost nothing (float32 precision, a file ignored)
    #: What this exercise was graded from, and when: a run of some exercises keeps the others'
    #: records, so each exercise carries its own (the student's files, the grader, UTC time).
    fingerprint: str = ""
    grader: str = ""
    graded_at: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", ExerciseStatus(self.status))
        object.__setattr__(self, "results", tuple(self.results))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def attempted(self) -> bool:
        """False for no file, an empty one, or one where every check met a function not written
        yet (the released stub, or a file none of whose functions has a body of its own)."""
        if self.status in (ExerciseStatus.MISSING, ExerciseStatus.EMPTY):
            return False
        return not (self.status == ExerciseStatus.GRADED and self.results
                    and all(r.status == CheckStatus.NOT_IMPLEMENTED for r in self.results))

    @property
    def points(self) -> float:
        return _points(r.points for r in self.results)

    @property
    def max_points(self) -> float:
        return _points(r.max_points for r in self.results)

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "title": self.title, "status": str(self.status),
                "message": self.message, "points": self.points, "max_points": self.max_points,
                "output": self.output, "seconds": round(self.seconds, 3), "source": self.source,
                "notes": list(self.notes), "fingerprint": self.fingerprint, "grader": self.grader,
                "graded_at": self.graded_at, "results": [r.to_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseRecord:
        _require(data, dict, "an exercise")
        results = tuple(CheckResult.from_dict(r) for r in _list(data, "results"))
        record = _build(cls, {**data, "results": results, "notes": tuple(_list(data, "notes"))},
                        skip=("points", "max_points"))
        _agree(data, record, "exercise " + record.exercise)
        return record


@dataclass(frozen=True)
class StudentRecord:
    """Every exercise of one student, and how the grade was obtained.

    ``fingerprint`` hashes the student's files, ``grader`` the grader and its
    policy: a record whose two hashes still match need not be graded again.
    """

    student: str
    status: StudentStatus
    exercises: tuple[ExerciseRecord, ...] = ()
    problems: str = ""  # for grades.csv: what the staff should look at, "; "-separated
    notes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # problems found before grading (files ignored, colliding ids)
    rejected: str = ""
    fingerprint: str = ""
    grader: str = ""
    isolation: str = ""  # kernel or audit-hook-only: printed wherever the grade is
    seconds: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", StudentStatus(self.status))
        for name in ("exercises", "notes", "flags"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def points(self) -> float:
        return _points(e.points for e in self.exercises)

    @property
    def max_points(self) -> float:
        return _points(e.max_points for e in self.exercises)

    def exercise(self, slug: str) -> ExerciseRecord | None:
        return next((e for e in self.exercises if e.exercise == slug), None)

    def to_dict(self) -> dict:
        return {"student": self.student, "status": str(self.status), "problems": self.problems,
                "points": self.points, "max_points": self.max_points,
                "exercises": [e.to_dict() for e in self.exercises], "notes": list(self.notes),
                "flags": list(self.flags), "rejected": self.rejected, "fingerprint": self.fingerprint,
                "grader": self.grader, "isolation": self.isolation, "seconds": round(self.seconds, 3)}

    @classmethod
    def from_dict(cls, data: dict) -> StudentRecord:
        _require(data, dict, "a student record")
        exercises = tuple(ExerciseRecord.from_dict(e) for e in _list(data, "exercises"))
        record = _build(cls, {**data, "exercises": exercises, "notes": tuple(_list(data, "notes")),
                              "flags": tuple(_list(data, "flags"))}, skip=("points", "max_points"))
        _agree(data, record, "student " + record.student)
        return record


# --------------------------------------------------------------------------
# Reading JSON strictly
# --------------------------------------------------------------------------

_TYPES = {"str": str, "float": (int, float), "CheckStatus": str, "ExerciseStatus": str,
          "StudentStatus": str}


def _require(value, kind, what: str) -> None:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RecordError(f"{what} is not a {getattr(kind, '__name__', kind)}: {type(value).__name__}")


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, (list, tuple)):
        raise RecordError(f"{key} is not a list")
    return list(value)


def _build(cls, data: dict, skip: tuple[str, ...] = ()):
    _require(data, dict, cls.__name__)
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known) - set(skip)
    if unknown:
        raise RecordError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    values = {}
    for name, f in known.items():
        if name not in data:
            continue
        value = data[name]
        kind = _TYPES.get(f.type)
        if kind is not None:
            _require(value, kind, f"{cls.__name__}.{name}")
            if kind == (int, float) and not math.isfinite(value):
                raise RecordError(f"{cls.__name__}.{name} is not finite")
        if isinstance(value, tuple) and name in ("notes", "flags"):
            for item in value:
                _require(item, str, f"{cls.__name__}.{name}")
        values[name] = value
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{cls.__name__}: {exc}") from None


def _agree(data: dict, record, what: str) -> None:
    """Stored totals must be the sums of the checks: a hand-edited total is not a record."""
    for key in ("points", "max_points"):
        if key not in data:
            continue
        _require(data[key], (int, float), f"{what}: {key}")
        if not abs(data[key] - getattr(record, key)) <= 1e-6:
            raise RecordError(f"{what}: {key} {data[key]} is not the sum of its checks")
