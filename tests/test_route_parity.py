"""One policy, one grading function, every route: the same submission earns the same record.

A student hands in notebooks: gaussian_mle with a classic mistake (some checks
pass, some fail with a message), and an mse_nll notebook holding no code (the
file checks of ``prepare``, which the nbgrader cells once skipped). The batch
grader, the Gradescope export run in a scratch ``/autograder`` root and the
nbgrader hidden cells' grading process must produce identical per-check records.
"""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from autograder.generation import sample_cohort

from autograder.core import student
from autograder.core.record import ExerciseRecord
from autograder.routes.gradescope import export_zip
from autograder.core.policy import DEFAULT, Policy
from tests.test_gradescope import run_in_fake_gradescope

ROOT = Path(__file__).resolve().parent.parent
MISTAKE = ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)")
COMPARED = ("gaussian_mle", "mse_nll")


def _notebook(code: str) -> str:
    cells = [nbformat.v4.new_markdown_cell("My answers")]
    if code:
        cells.append(nbformat.v4.new_code_cell(code))
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def _comparable(exercise: dict) -> ExerciseRecord:
    """The typed exercise record read from a route's JSON (strictly: a route writing anything else
    fails here), without what may differ from run to run (time taken) and the cells' extras
    (checks by name and the isolation, which batch keeps on the student's record), nor the
    bookkeeping a route adds to say when and from what it graded (a run of some exercises keeps
    the others by it)."""
    record = ExerciseRecord.from_dict({k: v for k, v in exercise.items() if k not in ("checks", "isolation")})
    return replace(record, seconds=0.0, fingerprint="", grader="", graded_at="")


@pytest.mark.slow
def test_every_route_gives_the_same_record(tmp_path):
    files = {"gaussian_mle.ipynb": _notebook(sample_cohort.edited("gaussian_mle", MISTAKE)),
             "mse_nll.ipynb": _notebook("")}
    folder = tmp_path / "cohort" / "student"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")

    # Batch (and make demo): the command line, one worker.
    out = tmp_path / "out"
    batch = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder.parent), "--out", str(out),
                            "--jobs", "1", "--progress", "lines"],
                           cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert batch.returncode == 0, batch.stdout + batch.stderr
    batch_record = json.loads((out / "student" / student.RECORD).read_text(encoding="utf-8"))
    routes = {"batch": {e["exercise"]: e for e in batch_record["exercises"]}}

    # Gradescope: the exported zip in a scratch /autograder root.
    root = tmp_path / "autograder"
    run_in_fake_gradescope(export_zip(tmp_path / "export" / "autograder.zip"), root, files)
    gradescope_record = json.loads((root / "results" / "record.json").read_text(encoding="utf-8"))
    routes["gradescope"] = {e["exercise"]: e for e in gradescope_record["exercises"]}

    # nbgrader: the process the first hidden cell of each notebook starts.
    routes["nbgrader cells"] = {}
    for slug in COMPARED:
        cells = subprocess.run([sys.executable, "-m", "autograder.routes.nbgrader_cells",
                                str(folder / f"{slug}.ipynb"), "--slug", slug],
                               cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert cells.returncode == 0, cells.stderr
        routes["nbgrader cells"][slug] = json.loads(cells.stdout)

    for slug in COMPARED:
        expected = _comparable(routes["batch"][slug])
        for route, records in routes.items():
            assert _comparable(records[slug]) == expected, f"{route} grades {slug} differently from batch"
    gaussian = routes["batch"]["gaussian_mle"]
    assert 0 < gaussian["points"] < gaussian["max_points"]
    assert any("n - 1" in r["message"] for r in gaussian["results"])
    assert routes["batch"]["mse_nll"]["status"] == "empty"


def test_fingerprint_covers_the_whole_grader():
    files = {str(p.relative_to(ROOT)) for p in student.grader_files()}
    for needed in ("autograder/core/notebook_code.py", "autograder/core/policy.py", "autograder/exercises.toml",
                   "autograder/core/submissions.py", "autograder/core/grading.py", "autograder/checks/em_gmm.py",
                   "autograder/sandbox/process.py", "solutions/kmeans.py"):
        assert needed in files, f"a change to {needed} would not re-grade cached students"


def test_policy_decides_the_fingerprint_and_the_limits():
    slugs = ["gaussian_mle"]
    same = student.grader_fingerprint({"policy": DEFAULT.as_dict(), "slugs": slugs})
    assert same == student.grader_fingerprint({"policy": Policy().as_dict(), "slugs": slugs})
    longer = Policy(budget=DEFAULT.budget * 2)
    assert student.grader_fingerprint({"policy": longer.as_dict(), "slugs": slugs}) != same
    assert Policy.from_dict(longer.as_dict()) == longer
    assert DEFAULT.limits().call_timeout == DEFAULT.call_timeout
    assert DEFAULT.forbidden["routines"] == ["scipy.stats.norm.fit"]  # exercises.toml, SPEC §1
