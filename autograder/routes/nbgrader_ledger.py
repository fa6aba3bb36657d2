"""Which scores of nbgrader's gradebook a person gave: the manual-score ledger.

nbgrader keeps an instructor's scores (``manual_score`` and ``extra_credit``, set in
formgrader) in the same gradebook its kernels' notebooks could reach. The course config
records them, in nbgrader's own process, just before a notebook's kernel runs (a sanitize-
phase preprocessor) and compares right after it ran (an autograde-phase preprocessor after
``Execute``): any that changed while the kernel ran was not given by a person; it is put
back and listed here. ``python -m autograder nbgrader-grade`` reports the list in one table.

The ledger is a JSON file beside the gradebook (``gradebook.db.manual-scores.json``),
written only by nbgrader's process and by ``nbgrader-grade``; a confined kernel cannot
reach either. See ``docs/nbgrader-route.md``.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

SUFFIX = ".manual-scores.json"
FORMAT = 1


def ledger_path(db_url: str) -> Path | None:
    """The ledger beside a SQLite gradebook (None for another database: the check still runs)."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix) or db_url == prefix + ":memory:":
        return None
    return Path(db_url[len(prefix):] + SUFFIX)


def load(db_url: str) -> dict:
    path = ledger_path(db_url)
    empty = {"format": FORMAT, "before": {}, "rejected": []}
    if path is None:
        return empty
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return empty
    data.setdefault("before", {})
    data.setdefault("rejected", [])
    return data


def save(db_url: str, data: dict) -> None:
    path = ledger_path(db_url)
    if path is None:
        return
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".manual-scores-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=1, sort_keys=True)
    os.replace(temporary, path)


def _key(student: str, assignment: str, notebook: str) -> str:
    return json.dumps([student, assignment, notebook])


def person_scores(gb, assignment: str, notebook: str, student: str) -> dict[str, list]:
    """``{cell: [manual_score, extra_credit]}`` of one submitted notebook."""
    submitted = gb.find_submission_notebook(notebook, assignment, student)
    return {grade.name: [grade.manual_score, grade.extra_credit] for grade in submitted.grades}


def record_before(db_url: str, assignment: str, notebook: str, student: str) -> None:
    """Remember the person-given scores of this notebook: its kernel is about to run."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            scores = person_scores(gb, assignment, notebook, student)
        except MissingEntry:
            scores = {}
    data = load(db_url)
    data["before"][_key(student, assignment, notebook)] = scores
    save(db_url, data)


def check_after(db_url: str, assignment: str, notebook: str, student: str) -> list[dict]:
    """Put back every person-given score that changed while the kernel ran; returns them."""
    from nbgrader.api import Gradebook, MissingEntry

    data = load(db_url)
    before = data["before"].get(_key(student, assignment, notebook))
    if before is None:
        return []
    rejected = []
    with Gradebook(db_url) as gb:
        try:
            submitted = gb.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return []
        for grade in submitted.grades:
            kept = before.get(grade.name, [None, None])
            found = [grade.manual_score, grade.extra_credit]
            if found != kept:
                grade.manual_score, grade.extra_credit = kept
                grade.needs_manual_grade = kept[0] is not None or grade.auto_score is None
                rejected.append({"student": student, "assignment": assignment, "notebook": notebook,
                                 "cell": grade.name, "found": found, "kept": kept,
                                 "why": "changed while the notebook's kernel ran",
                                 "at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        gb.db.commit()
    data["rejected"].extend(rejected)
    save(db_url, data)
    return rejected


def rejected(db_url: str, assignment: str, students=None) -> list[dict]:
    """What the ledger rejected for ``assignment`` (of ``students``, when given)."""
    return [entry for entry in load(db_url)["rejected"] if entry.get("assignment") == assignment
            and (students is None or entry.get("student") in students)]
