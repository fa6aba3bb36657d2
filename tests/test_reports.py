"""Rendering records: Gradescope's schema, escaping of student text, the CSV, the summary."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

from autograder.routes.reports import (feedback_html, feedback_markdown, grades_csv, results_json,
                                summary_markdown, summary_png)
from autograder.core.record import ExerciseRecord
from autograder.core.student import make_record, output_folder


def check(function, name, points, status="passed", message=""):
    return {"exercise": "kmeans", "function": function, "name": name, "title": f"Title of {name}.",
            "points": points if status == "passed" else 0.0, "max_points": points,
            "status": status, "message": message}


def exercise(data: dict) -> ExerciseRecord:
    """An exercise record from its JSON form (totals are the sums of its checks)."""
    return ExerciseRecord.from_dict({k: v for k, v in data.items() if k not in ("points", "max_points")})


def record(student="ann", message="Called f(<3 floats>): got 1, expected 2. It is the median.",
           output="", status="graded", second_status="failed"):
    ex = {"exercise": "kmeans", "title": "k-means as hard EM", "status": status, "message": "",
          "output": output, "seconds": 0.1, "source": "kmeans.py",
          "notes": [], "results": [check("assign_clusters", "a", 1.0),
                                   check("update_centers", "b", 2.0, second_status,
                                         message if second_status != "passed" else "")]}
    return make_record(student, [exercise(ex)], fingerprint="f", grader="g")


def test_results_json_follows_gradescopes_schema():
    data = results_json(record())
    assert data["score"] == 1.0 and isinstance(data["output"], str)
    assert [t["max_score"] for t in data["tests"]] == [1.0, 2.0]
    assert [t["score"] for t in data["tests"]] == [1.0, 0.0]
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert test["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    assert "It is the median." in data["tests"][1]["output"]
    assert "update_centers" in data["tests"][1]["name"]


def test_long_messages_and_output_are_cut():
    data = results_json(record(message="line\n" * 500, output="spam " * 10_000))
    assert data["tests"][1]["output"].count("line") <= 16 and "cut" in data["tests"][1]["output"]
    assert len(data["output"]) < 5000


def test_student_text_cannot_break_out_of_markdown_or_html():
    hostile = "</pre><script>alert(1)</script>\n```\n# heading"
    rec = record(student="<b>x</b>", message=hostile, output=hostile)
    page = feedback_html(rec)
    assert "<script>" not in page and "<b>x</b>" not in page and "&lt;script&gt;" in page
    md = feedback_markdown(rec)
    assert "````text" in md  # the fence is longer than the student's ``` run
    assert "\\<b\\>x\\</b\\>" in md


def test_csv_defuses_formulas_and_keeps_accents():
    records = [record(student="=HYPERLINK(\"http://x\")"), record(student="José O'Brien, Jr.")]
    text = grades_csv(records, ["gaussian_mle", "kmeans"], {})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["student"] == "'=HYPERLINK(\"http://x\")"
    assert rows[1]["student"] == "José O'Brien, Jr."
    assert rows[1]["kmeans"] == "1" and rows[1]["gaussian_mle"] == "" and rows[1]["max_total"] == "3"


def test_output_folder_never_clashes_with_the_gradebook(tmp_path):
    assert output_folder(tmp_path, "grades.csv") != tmp_path / "grades.csv"
    assert output_folder(tmp_path, "ann") == tmp_path / "ann"


def test_summary_ranks_the_most_failed_check_first():
    records = [record(student=s) for s in "abc"]
    text = summary_markdown(records, ["kmeans"], {})
    checks = text.split("## Checks, most failed first")[1]
    assert checks.index("update_centers") < checks.index("assign_clusters")
    assert "0/3 | 0%" in checks and "It is the median" in checks
    assert summary_png(records)[:8] == b"\x89PNG\r\n\x1a\n"


HOSTILE_ID = "ann\n# Full marks\x1b[2J\r\t\u202eexe.txt\x85"


def test_control_characters_are_escaped_in_every_report():
    from autograder.routes.batch import printable

    rec = record(student=HOSTILE_ID, message="line one\nline two \x1b[31mred\u202e", output="a\x1b[2Jb\nc")
    flags = ["kmeans: ignored kmeans\n.ipynb"]
    rec = replace(rec, flags=flags, problems="; ".join(flags))
    shown = "ann\\n# Full marks\\x1b[2J\\r\\t\\u202eexe.txt\\x85"
    assert printable(HOSTILE_ID) == shown
    text = grades_csv([rec], ["kmeans"], {HOSTILE_ID: HOSTILE_ID + "/feedback.md"})
    assert text.count("\n") == 2  # the header and one row, whatever the id holds
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["student"] == shown and row["feedback"] == shown + "/feedback.md"
    assert row["problems"].startswith("kmeans: ignored kmeans\\n.ipynb")
    for page in (feedback_markdown(rec), summary_markdown([rec], ["kmeans"], {}), feedback_html(rec),
                 results_json(rec)["output"], "".join(t["output"] for t in results_json(rec)["tests"])):
        for c in "\x1b\r\u202e\x85":
            assert c not in page
    md = feedback_markdown(rec)
    assert "# Feedback for ann\\\\n# Full marks" in md and "\n# Full marks" not in md
    assert "line one\n  line two \\x1b[31mred\\u202e" in md  # messages keep their lines
    summary = summary_markdown([rec], ["kmeans"], {})
    assert "\n# Full marks" not in summary and "Students to look at" in summary
    assert "Problem: kmeans: ignored kmeans\\n.ipynb" in feedback_html(rec)


def test_output_folders_are_distinct_and_free_of_controls(tmp_path):
    from autograder.routes.batch import output_folders

    folders = output_folders(tmp_path, ["ann\nx", "ann\\nx", "Bo", "bo", "grades.csv"])
    names = [f.name for f in folders.values()]
    assert len(set(n.casefold() for n in names)) == 5
    assert all("\n" not in n for n in names) and folders["ann\nx"].name == "ann\\nx"
    assert folders["grades.csv"] != tmp_path / "grades.csv"


def test_cut_output_says_so_and_that_printing_costs_nothing():
    drained = "x" * 100 + "\n[... output cut after 4000 characters: your code printed 99999 in all; printing costs no points ...]"
    for output, shown in [(drained, "100 characters (of 99999 printed)"), ("spam " * 1000, "1500 characters")]:
        for page in (feedback_markdown(record(output=output)), feedback_html(record(output=output)),
                     results_json(record(output=output))["output"]):
            assert f"output cut after {shown}; printing costs no points" in page
    assert "cut" not in feedback_markdown(record(output="short\n"))


def em_record():
    """e_step wrong, fit_gmm_em failing because of it, two functions passing, kmeans missing."""
    def em(function, name, points, status="passed", message=""):
        return {**check(function, name, points, status, message), "exercise": "em_gmm"}

    cascade = ("`fit_gmm_em` calls your `e_step`, which fails its own checks: fix `e_step` first. "
               "What this check saw, possibly a consequence of that:\nCalled fit_gmm_em: got 1, expected 2.")
    results = [em("gmm_log_likelihood", "a", 2.0), em("e_step", "b", 3.0),
               em("e_step", "c", 3.0, "failed", "Called e_step: it ignores the mixing weights."),
               em("m_step", "d", 3.0), em("fit_gmm_em", "e", 4.0, "failed", cascade),
               em("plot_em_history", "f", 1.0, "not_implemented", "NotImplementedError")]
    em_ex = {"exercise": "em_gmm", "title": "EM", "status": "graded", "message": "", "output": "",
             "points": 8.0, "max_points": 16.0, "seconds": 0.1, "source": "em_gmm.py", "notes": [],
             "results": results}
    km_ex = {"exercise": "kmeans", "title": "k-means", "status": "missing", "message": "No file.",
             "output": "", "points": 0.0, "max_points": 3.0, "seconds": 0.0, "source": "",
             "notes": [], "results": [check("assign_clusters", "a", 3.0, "failed", "No file.")]}
    return make_record("ann", [exercise(em_ex), exercise(km_ex)], fingerprint="f", grader="g")


def test_feedback_opens_with_what_to_fix_first():
    rec = em_record()
    md = feedback_markdown(rec)
    first = md.split("## Fix these first")[1].split("These checks run")[0]
    assert md.index("## Fix these first") < md.index("## 1. EM")
    assert "1. `e_step` (em_gmm): fails 1 of 2 checks, 3 points lost." in first
    assert "2. `plot_em_history` (em_gmm): not written yet, 1 point lost." in first
    assert "Failing because of another function" in first and "`fit_gmm_em` calls `e_step`" in first
    assert "Passed: `gmm_log_likelihood` and `m_step`." in first
    assert "- `kmeans.py`: not attempted — no file handed in, 0 of 3." in first  # one line, not one per check
    assert "fit_gmm_em" not in first.split("Failing because")[0]  # not listed as a culprit
    page = feedback_html(rec)
    assert "<h2>Fix these first</h2><ol><li><code>e_step</code> (em_gmm): fails 1 of 2" in page
    assert "<code>fit_gmm_em</code> calls <code>e_step</code>" in page
    passing = record(second_status="passed")
    assert "Every graded function passes all its checks." in feedback_markdown(passing)


def test_summary_messages_are_never_cut_inside_a_word():
    message = "Called e_step(<3 floats>): " + " ".join(f"word{i:03d}" for i in range(200))
    records = [record(student=s, message=message) for s in "ab"]
    row = next(line for line in summary_markdown(records, ["kmeans"], {}).splitlines()
               if line.startswith("| kmeans · update_centers"))
    cell = row.split(" | ")[-1]
    kept = cell.rsplit("… (2×)", 1)[0]
    assert cell != kept and re.fullmatch(r".*word\d{3}", kept), cell


def test_summary_figure_names_failed_checks_by_title_and_has_a_bounded_height():
    from autograder.routes.reports import MAX_BARS, summary_figure

    figure = summary_figure([record()])
    assert [t.get_text() for t in figure.axes[1].get_yticklabels()] == ["update_centers: Title of b"]
    assert "1 of 2 checks passed by every student" in figure.axes[1].get_title()
    passing = summary_figure([record(second_status="passed")]).axes[1]
    assert not passing.axison and "passed all 2 checks" in passing.texts[0].get_text()

    def many(n):
        ex = record().exercises[0].to_dict() | {"results": [
            check(f"f{i}", f"c{i}", 1.0, "failed" if i % 3 else "passed", "wrong") for i in range(n)]}
        return [make_record("ann", [exercise(ex)], fingerprint="f", grader="g")]

    tall = summary_figure(many(120))
    assert len(tall.axes[1].get_yticklabels()) == MAX_BARS
    assert tall.get_size_inches()[1] == summary_figure(many(MAX_BARS * 3 // 2)).get_size_inches()[1] <= 12
    assert "the 30 most failed of the 80 checks some student failed" in tall.axes[1].get_title()
