"""The typed record: statuses are enums, JSON round trips, and a damaged record.json is not trusted."""

from __future__ import annotations

import json

import pytest

from autograder.core.record import (CheckResult, CheckStatus, ExerciseRecord, ExerciseStatus, RecordError,
                                    StudentRecord, StudentStatus)
from autograder.core.student import make_record, read_record, save_record


def sample() -> StudentRecord:
    checks = (CheckResult("kmeans", "assign_clusters", "a", "Assigns.", 2.0, 2.0, "passed"),
              CheckResult("kmeans", "update_centers", "b", "Updates.", 0.0, 3.0, "failed", "got 1, expected 2"))
    ex = ExerciseRecord("kmeans", "graded", results=checks, output="hello\n", seconds=0.25,
                        title="k-means", source="kmeans.ipynb", notes=["a note"])
    missing = ExerciseRecord("em_gmm", "missing", "No file.", results=(
        CheckResult("em_gmm", "e_step", "c", "E.", 0.0, 4.0, "failed", "No file."),))
    return make_record("Zoë", [ex, missing], fingerprint="abc", grader="def", flags=["x ignored"],
                       isolation="kernel", seconds=1.5)


def test_statuses_are_enums_that_read_as_plain_strings():
    record = sample()
    assert record.status is StudentStatus.INCOMPLETE and record.status == "incomplete"
    assert record.exercises[0].status is ExerciseStatus.GRADED
    assert record.exercises[0].results[1].status is CheckStatus.FAILED
    assert f"{record.status}" == "incomplete" and json.dumps(record.status) == '"incomplete"'
    assert record.problems == "x ignored; em_gmm: missing"


def test_totals_are_the_sums_of_the_checks():
    record = sample()
    assert (record.exercises[0].points, record.exercises[0].max_points) == (2.0, 5.0)
    assert (record.points, record.max_points) == (2.0, 9.0)


def test_json_round_trip_is_exact(tmp_path):
    record = sample()
    assert StudentRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    save_record(tmp_path, record)
    assert read_record(tmp_path) == record


@pytest.mark.parametrize("damage", [
    lambda d: d.update(status="excellent"),
    lambda d: d.update(points=9.0),  # a hand-edited total
    lambda d: d["exercises"][0]["results"][1].update(points=3.5),  # more than the check is worth
    lambda d: d["exercises"][0]["results"][0].update(points=-1.0),
    lambda d: d["exercises"][0].update(status="passed"),
    lambda d: d["exercises"][0]["results"][0].update(status="graded"),
    lambda d: d.update(student=["a"]),
    lambda d: d.update(exercises={}),
    lambda d: d["exercises"][0].update(points="2"),
    lambda d: d["exercises"][0]["results"][0].update(max_points=float("nan")),
    lambda d: d.update(notes=[1]),
    lambda d: d.update(extra="field"),
], ids=["status", "total", "over max", "negative", "exercise status", "check status", "student type",
        "exercises type", "points type", "nan", "notes type", "unknown field"])
def test_a_damaged_record_is_refused_and_regraded(tmp_path, damage):
    data = sample().to_dict()
    damage(data)
    with pytest.raises(RecordError):
        StudentRecord.from_dict(data)
    (tmp_path / "record.json").write_text(json.dumps(data))
    assert read_record(tmp_path) is None  # the batch grades this student again


def test_unreadable_files_are_no_record(tmp_path):
    assert read_record(tmp_path) is None
    (tmp_path / "record.json").write_text("{not json")
    assert read_record(tmp_path) is None
    (tmp_path / "record.json").write_text("[" * 100000 + "]" * 100000)
    assert read_record(tmp_path) is None
