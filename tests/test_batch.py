"""The `grade` verb end to end: the sample cohort's exact gradebook, reports, resuming, limits."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.generation import sample_cohort

ROOT = Path(__file__).resolve().parent.parent
COHORT = ROOT / "examples" / "submissions"

#: The sample cohort's gradebook: student, the five exercises, total, max_total, status.
EXPECTED_ROWS = [
    ["ada_lovelace", "10", "24", "22", "15", "27", "98", "98", "graded"],
    ["alan_turing", "7", "18", "22", "13", "23", "83", "98", "graded"],
    ["emmy_noether", "10", "21", "22", "15", "27", "95", "98", "graded"],
    ["grace_hopper", "6", "24", "13", "3", "25.33", "71.33", "98", "graded"],
    ["José Álvarez García", "10", "24", "0", "0", "0", "34", "98", "incomplete"],
    ["katherine_johnson", "10", "24", "0", "0", "0", "34", "98", "incomplete"],
    ["Siobhán O'Brien", "6", "24", "22", "15", "27", "94", "98", "graded"],
]


def grade(*args, timeout=600) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "1", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def rows(out: Path) -> list[list[str]]:
    with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
        return [row[:9] for row in csv.reader(handle)][1:]


def test_sample_cohort_is_fresh():
    stale = sample_cohort.stale_files()
    assert not stale, f"examples/submissions is out of date ({', '.join(stale[:5])}): run `make build`"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-out")
    result = grade(COHORT, "--out", out, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result


@pytest.mark.slow
def test_sample_cohort_gradebook(graded):
    out, result = graded
    with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:9] == ["student", "gaussian_mle", "mse_nll", "em_gmm", "kmeans", "derivations", "total",
                          "max_total", "status"]
    assert rows(out) == EXPECTED_ROWS
    assert "ada_lovelace" in result.stdout and "mean" in result.stdout  # the class table
    assert "grades.csv" in result.stdout and "feedback.md" in result.stdout


@pytest.mark.slow
def test_sample_cohort_reports(graded):
    out, _ = graded
    for student in [r[0] for r in EXPECTED_ROWS]:
        folder = out / student
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert data["score"] == sum(t["score"] for t in data["tests"])
        assert all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in data["tests"])
        assert (folder / "feedback.md").stat().st_size and (folder / "feedback.html").stat().st_size
    grace = (out / "grace_hopper" / "feedback.md").read_text(encoding="utf-8")
    assert "n - 1" in grace  # the mistake is named
    assert "step 4 is not equal to step 3: it drops the factor n on log(sigma)" in grace  # the broken step
    katherine = (out / "katherine_johnson" / "feedback.md").read_text(encoding="utf-8")
    assert "SyntaxError" in katherine and "empty" in katherine
    siobhan = json.loads((out / "Siobhán O'Brien" / "results.json").read_text(encoding="utf-8"))
    assert any("scipy.stats.norm.fit" in t["output"] for t in siobhan["tests"])
    emmy = (out / "emmy_noether" / "feedback.md").read_text(encoding="utf-8")
    assert "IPython-only" in emmy and "swapped" in emmy
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "7 students" in summary and "most failed first" in summary
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    for student in ("grace_hopper", "alan_turing"):  # messages only: no check source, no seed
        text = (out / student / "feedback.md").read_text(encoding="utf-8")
        assert "HIDDEN_SEED" not in text and "rng(" not in text and "@check" not in text


@pytest.mark.slow
def test_rerun_skips_unchanged_students(graded, tmp_path):
    out, _ = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "ada_lovelace" / "feedback.html").unlink()  # a lost report is rendered again from the record
    again = grade(COHORT, "--out", copy)
    assert again.returncode == 0 and "Grading 0 of 7 students" in again.stdout
    assert rows(copy) == EXPECTED_ROWS and (copy / "ada_lovelace" / "feedback.html").exists()


@pytest.mark.slow
def test_resume_after_a_crash_grades_only_the_missing_students(graded, tmp_path):
    out, _ = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "ada_lovelace" / "record.json").unlink()
    (copy / "grace_hopper" / "record.json").unlink()
    (copy / "grades.csv").unlink()
    resumed = grade(COHORT, "--out", copy)
    assert resumed.returncode == 0 and "Grading 2 of 7" in resumed.stdout, resumed.stdout
    assert rows(copy) == EXPECTED_ROWS
    forced = grade(COHORT, "--out", copy, "--force", "--exercise", "kmeans")
    assert "Grading 7 of 7" in forced.stdout


def small_cohort(root: Path, count: int) -> Path:
    for i in range(count):
        folder = root / f"student {i:02d}"
        folder.mkdir(parents=True)
        (folder / "kmeans.py").write_text(sample_cohort.solved("kmeans"))
    return root


@pytest.mark.slow
def test_batch_killed_half_way_loses_nothing(tmp_path):
    cohort = small_cohort(tmp_path / "cohort", 6)
    out = tmp_path / "out"
    env = {**os.environ, "CI": "1"}
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(cohort), "--out", str(out),
                                "--jobs", "1", "--exercise", "kmeans"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(out.glob("*/record.json")):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list(out.glob("*/record.json")))
    assert 1 <= done
    resumed = grade(cohort, "--out", out, "--jobs", "1", "--exercise", "kmeans")
    assert resumed.returncode == 0
    assert f"({done} unchanged since the last run" in resumed.stdout or done == 6
    assert len(rows(out)) == 6 and all(r[4] == "15" for r in rows(out))


@pytest.mark.slow
def test_zip_input_and_path_traversal(tmp_path):
    archive = tmp_path / "cohort.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("course/ann/kmeans.py", sample_cohort.solved("kmeans"))
        zf.writestr("course/mallory/kmeans.py", sample_cohort.solved("kmeans"))
        zf.writestr("course/mallory/../../../evil.py", "print('escaped')\n")
    out = tmp_path / "out"
    result = grade(archive, "--out", out, "--exercise", "kmeans")
    assert result.returncode == 0, result.stderr
    assert rows(out) == [["ann", "", "", "", "15", "", "15", "15", "graded"],
                         ["mallory", "", "", "", "0", "", "0", "15", "rejected"]]
    assert "outside" in (out / "mallory" / "feedback.md").read_text(encoding="utf-8")
    assert not (tmp_path / "evil.py").exists()


@pytest.mark.slow
def test_nbgrader_layout(tmp_path):
    nb = sample_cohort.as_notebook(sample_cohort.solved("kmeans"), "k-means")
    folder = tmp_path / "course" / "submitted" / "ann" / "mle_em"
    folder.mkdir(parents=True)
    (folder / "kmeans.ipynb").write_text(nb, encoding="utf-8")
    result = grade(tmp_path / "course", "--out", tmp_path / "out", "--exercise", "kmeans")
    assert result.returncode == 0
    assert rows(tmp_path / "out") == [["ann", "", "", "", "15", "", "15", "15", "graded"]]


HOSTILE = '''
import numpy as np
from scipy.optimize import minimize


def gaussian_log_likelihood(x, mu, sigma):
    hoard = []
    while True:
        hoard.append(np.ones(10_000_000))


def gaussian_mle(x):
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass
'''


@pytest.mark.slow
def test_looping_and_memory_hungry_functions_cost_only_their_checks(tmp_path):
    student = tmp_path / "cohort" / "hostile"
    student.mkdir(parents=True)
    numerical = sample_cohort.solved("gaussian_mle").split("def gaussian_mle_numerical")[1]
    (student / "gaussian_mle.py").write_text(HOSTILE + "\n\ndef gaussian_mle_numerical" + numerical.replace(
        "gaussian_log_likelihood(z, mu, np.exp(log_sigma))",
        "(-0.5 * z.size * np.log(2 * np.pi) - z.size * log_sigma - np.sum((z - mu) ** 2) / (2 * np.exp(2 * log_sigma)))")
    )
    (student / "kmeans.py").write_text(sample_cohort.solved("kmeans"))
    out = tmp_path / "out"
    result = grade(tmp_path / "cohort", "--out", out, "--timeout", "2", "--memory", "300",
                   "--exercise", "gaussian_mle", "--exercise", "kmeans")
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "hostile" / "record.json").read_text())
    by_function = {}
    for ex in record["exercises"]:
        for r in ex["results"]:
            by_function.setdefault(r["function"], []).append(r)
    assert all(r["status"] == "passed" for r in by_function["gaussian_mle_numerical"])
    assert all(r["status"] == "passed" for r in by_function["assign_clusters"])
    assert all(r["points"] == 0 for r in by_function["gaussian_mle"])
    assert any("time limit" in r["message"] for r in by_function["gaussian_mle"])
    assert all(r["points"] == 0 for r in by_function["gaussian_log_likelihood"])
    assert rows(out)[0][4] == "15"
    assert any(r.get("limit") == "time limit" for r in by_function["gaussian_mle"])
    section = (out / "summary.md").read_text(encoding="utf-8").split("## Students to grade again")[1]
    assert "- hostile: hit a limit: gaussian_mle (" in section
    assert (f"python -m autograder grade {tmp_path / 'cohort'} --out {out} --exercise gaussian_mle "
            f"--exercise kmeans --student hostile --force") in section
    assert "Students to grade again" in (out / "summary.html").read_text(encoding="utf-8")


def test_student_ids_cannot_drive_the_terminal():
    from autograder.routes.batch import printable

    assert printable("ann\x1b[2J\nrm") == "ann\\x1b[2J\\nrm"
    assert printable("José Ñúñez") == "José Ñúñez"


def test_cohort_bookkeeping_and_file_resolution_end_to_end(tmp_path):
    """One zip: the released bundle handed back (untouched stubs beside completed notebooks), a
    kmeans.py importing the student's own em_gmm, two ids equal once normalised, an id with a
    line break, and a student none of whose entries could be unpacked: every one gets its row."""
    slugs = ["gaussian_mle", "mse_nll", "em_gmm", "kmeans", "derivations"]
    entries = {}
    for slug in slugs:
        entries[f"bundle/{slug}.py"] = sample_cohort.stub(slug)
        entries[f"bundle/{slug}.ipynb"] = sample_cohort.as_notebook(sample_cohort.solved(slug), slug)
    entries["sib/em_gmm.py"] = sample_cohort.solved("em_gmm") + "\nOWNER = 'the student'\n"
    entries["sib/kmeans.py"] = ("from em_gmm import OWNER, e_step\nassert OWNER == 'the student'\n"
                                + sample_cohort.solved("kmeans"))
    entries["Jos\u00e9/kmeans.py"] = sample_cohort.solved("kmeans")
    entries["Jose\u0301/kmeans.py"] = sample_cohort.stub("kmeans")
    entries["eve\n# Top marks/kmeans.py"] = sample_cohort.solved("kmeans")
    archive = tmp_path / "cohort.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
        zf.writestr("zed/../../escaped.py", "x = 1\n")
        link = zipfile.ZipInfo("zed/kmeans.py")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    out = tmp_path / "out"
    result = grade(archive, "--out", out, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
        table = {row["student"]: row for row in csv.DictReader(handle)}
    assert len(table) == 6 and all("\n" not in s for s in table)
    bundle = table["bundle"]
    assert (bundle["total"], bundle["status"]) == ("98", "graded")
    for slug in slugs:
        assert f"{slug}: graded {slug}.ipynb, ignored {slug}.py (the untouched stub)" in bundle["problems"]
    assert (table["sib"]["em_gmm"], table["sib"]["kmeans"]) == ("22", "15")
    assert table["Jos\u00e9 (1)"]["kmeans"] != table["Jos\u00e9 (2)"]["kmeans"]
    assert all("normalised" in table[f"Jos\u00e9 ({n})"]["problems"] for n in (1, 2))
    assert table["eve\\n# Top marks"]["kmeans"] == "15"
    assert table["zed"]["status"] == "no gradable file" and "zip entry" in table["zed"]["problems"]
    assert (out / "eve\\n# Top marks" / "feedback.md").exists() and (out / "zed" / "feedback.md").exists()
    assert "\n# Top marks" not in (out / "summary.md").read_text(encoding="utf-8")
    assert "\n# Top marks" not in result.stdout
    feedback = (out / "bundle" / "feedback.md").read_text(encoding="utf-8")
    assert feedback.count("ignored gaussian_mle.py") == 1


@pytest.mark.slow
def test_mistakes_csv_counts_agree_with_the_students_records(graded):
    """mistakes.csv, counted again here from each student's record.json: per check, the students
    who failed it (attempted exercises only) and, per named mistake, who made it."""
    out, _ = graded
    failed, made = {}, {}
    for student in [r[0] for r in EXPECTED_ROWS]:
        record = json.loads((out / student / "record.json").read_text(encoding="utf-8"))
        for ex in record["exercises"]:
            stub = all(r["status"] == "not_implemented" for r in ex["results"])
            if ex["status"] != "graded" or stub:
                continue
            for r in ex["results"]:
                if r["status"] in ("failed", "forbidden"):
                    key = (ex["exercise"], r["name"])
                    failed[key] = failed.get(key, 0) + 1
                    if r.get("mistake"):
                        made.setdefault(key + (r["mistake"],), []).append(student)
    with open(out / "mistakes.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["exercise"], r["check"]): int(r["students_failed"]) for r in rows} == failed
    named = {(r["exercise"], r["check"], r["mistake"]): int(r["students_with_mistake"]) for r in rows
             if r["mistake"] and not r["mistake"].startswith("It calls a library routine")}
    assert named == {key: len(students) for key, students in made.items()}
    assert len(named) >= 10  # the cohort's classic mistakes are named, not just counted
    grace = next(r for r in rows if r["check"] == "m_step_hard_assignments")
    assert grace["mistake"].startswith("The variances divide by n instead of N_k") and \
        grace["example_students"] == "grace_hopper"
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Mistakes to revisit in class" in summary and "## Named mistakes per check" in summary
    assert "The variances divide by n instead of N_k" in summary.split("## Named mistakes per check")[0]
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "src='data:image/png;base64," in page and "http://" not in page and "https://" not in page
    assert (out / "mistakes.png").read_bytes()[:4] == b"\x89PNG"
