"""The Gradescope export, unpacked into a scratch root laid out as Gradescope's /autograder."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.generation import sample_cohort
from autograder.routes.gradescope import export_zip

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return export_zip(tmp_path_factory.mktemp("export") / "autograder.zip")


def test_zip_layout(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "requirements.txt", "autograder/core/grading.py",
                "autograder/checks/gaussian_mle.py", "solutions/em_gmm.py"} <= names
        assert not any(n.startswith(("tests/", "examples/")) or "__pycache__" in n for n in names)
        assert stat.S_IMODE(zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        assert "numpy" in zf.read("requirements.txt").decode()


def run_in_fake_gradescope(bundle: Path, root: Path, files: dict[str, str]) -> dict:
    """Unpack as Gradescope does (source/, run_autograder at the root), submit, run: results.json."""
    result = fake_gradescope_run(bundle, root, files, os.environ)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def fake_gradescope_run(bundle: Path, root: Path, files: dict[str, str], env) -> subprocess.CompletedProcess:
    """``run_autograder`` as Gradescope starts it, in ``root``, with ``files`` submitted and ``env``."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    run_script = root / "run_autograder"
    run_script.write_bytes((root / "source" / "run_autograder").read_bytes())
    run_script.chmod(0o755)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    env = {**env, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    return subprocess.run([str(run_script)], cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_reference_submission_gets_full_marks(bundle, tmp_path):
    files = {"gaussian_mle.py": sample_cohort.solved("gaussian_mle"), "kmeans.py": sample_cohort.solved("kmeans")}
    results = run_in_fake_gradescope(bundle, tmp_path / "autograder", files)
    kmeans = [t for t in results["tests"] if "kmeans" in t["tags"]]
    gaussian = [t for t in results["tests"] if "gaussian_mle" in t["tags"]]
    assert kmeans and all(t["score"] == t["max_score"] for t in kmeans + gaussian)
    assert results["score"] == sum(t["max_score"] for t in kmeans + gaussian)
    assert "mse_nll" in results["output"]  # the missing exercises are named
    assert results["isolation"] == "kernel"  # the container refuses to grade without the kernel layers


@pytest.mark.slow
def test_broken_submission_gets_a_message_not_a_crash(bundle, tmp_path):
    files = {"gaussian_mle.py": sample_cohort.edited(
        "gaussian_mle", ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)")),
        "kmeans.py": "def assign_clusters(x, centers)\n    return 0\n"}
    results = run_in_fake_gradescope(bundle, tmp_path / "autograder", files)
    gaussian = [t for t in results["tests"] if "gaussian_mle" in t["tags"]]
    assert any(t["score"] < t["max_score"] and "n - 1" in t["output"] for t in gaussian)
    kmeans = [t for t in results["tests"] if "kmeans" in t["tags"]]
    assert all(t["score"] == 0 for t in kmeans) and "SyntaxError" in results["output"]


#: The README's local try-out, which must work exactly as written (from the repository's folder).
TRY_OUT = "AUTOGRADER_ROOT=ROOT AUTOGRADER_PYTHON=.venv/bin/python ROOT/run_autograder"


@pytest.mark.slow
def test_readme_try_out_command_works_as_written(bundle, tmp_path):
    """Relative AUTOGRADER_ROOT and AUTOGRADER_PYTHON are read before run_autograder changes folder
    (it once failed with status 127: the relative interpreter was looked up from inside source/)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{TRY_OUT}`" in readme, "the README's try-out command changed: test the new one"
    python = Path(os.path.relpath(sys.executable, ROOT))
    if python.as_posix() != ".venv/bin/python":  # the suite run by another interpreter: give .venv/bin/python
        (tmp_path / "repo" / ".venv" / "bin").mkdir(parents=True)
        (tmp_path / "repo" / ".venv" / "bin" / "python").symlink_to(sys.executable)
        cwd = tmp_path / "repo"
    else:
        cwd = ROOT
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:  # as the README says: unpack into ROOT/source, copy run_autograder to ROOT
        zf.extractall(root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    (root / "submission" / "gaussian_mle.py").write_text(sample_cohort.solved("gaussian_mle"), encoding="utf-8")
    command = re.sub(r"\bROOT\b", os.path.relpath(root, cwd), TRY_OUT)  # not AUTOGRADER_ROOT
    result = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=600,
                            env={k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")})
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    gaussian = [t for t in results["tests"] if "gaussian_mle" in t["tags"]]
    assert gaussian and all(t["score"] == t["max_score"] for t in gaussian)
