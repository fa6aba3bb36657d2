"""Hidden inputs are seeded per submission by the course secret: the same file gets the same
record every time, another file other inputs, and the secret never reaches a student."""

from __future__ import annotations

import os
import stat
import zipfile

import numpy as np

from autograder.core import course_secret, framework
from autograder.core.manifest import exercise
from autograder.core.student import grader_fingerprint

REFERENCE = exercise("gaussian_mle").solution_path.read_text()
#: Raises with the hidden input in its message, as a student dumping the inputs would.
DUMPER = REFERENCE.replace("    x = np.asarray(x, dtype=float)\n    mu_hat = x.mean()",
                           "    x = np.asarray(x, dtype=float)\n    raise ValueError(repr(x[:3].tolist()))", 1)


def _dumped(record, name="mle_seeded_40") -> str:
    return next(r.message for r in record.results if r.name == name)


def _strip(record):
    return [(r.name, r.status, r.points, r.message) for r in record.results]


def test_same_file_same_record_other_file_other_inputs(grade_source):
    assert DUMPER != REFERENCE
    first, second = grade_source("gaussian_mle", DUMPER), grade_source("gaussian_mle", DUMPER)
    assert _strip(first) == _strip(second)
    edited = grade_source("gaussian_mle", DUMPER + "\n# one more line\n")
    assert "ValueError" in _dumped(first) and "ValueError" in _dumped(edited)
    assert _dumped(first) != _dumped(edited), "a changed file must be graded on other inputs"


def test_seed_depends_on_code_siblings_and_secret(tmp_path, monkeypatch):
    seed = course_secret.submission_seed("kmeans", b"def f(): pass\n")
    assert seed == course_secret.submission_seed("kmeans", b"def f(): pass  \r\n\r\n")  # line endings
    assert seed != course_secret.submission_seed("kmeans", b"def f(): return 1\n")
    assert seed != course_secret.submission_seed("em_gmm", b"def f(): pass\n")
    # A table of answers kept in a sibling file changes the inputs too.
    assert seed != course_secret.submission_seed("kmeans", b"def f(): pass\n", {"em_gmm": b"TABLE = {}"})
    before = grader_fingerprint({"policy": {}})
    monkeypatch.setenv(course_secret.ENVIRONMENT, str(tmp_path / "other-secret"))
    assert seed != course_secret.submission_seed("kmeans", b"def f(): pass\n")
    assert grader_fingerprint({"policy": {}}) != before, "another secret must regrade every record"


def test_secret_is_made_once_private_and_checked(tmp_path, monkeypatch):
    path = tmp_path / "course" / ".grader-secret"
    monkeypatch.setenv(course_secret.ENVIRONMENT, str(path))
    made = course_secret.course_secret()
    assert len(made) == 32 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    course_secret._CACHE.clear()
    assert course_secret.course_secret() == made
    path.write_text("not a secret\n")
    course_secret._CACHE.clear()
    try:
        course_secret.course_secret()
    except course_secret.SecretError as exc:
        assert "64 hexadecimal digits" in str(exc)
    else:
        raise AssertionError("a damaged secret must be refused, not replaced")
    finally:
        course_secret._CACHE.clear()


def test_rng_follows_the_base_seed():
    with framework.hidden_inputs(1):
        one = framework.rng("x").normal(size=3)
    with framework.hidden_inputs(2):
        two = framework.rng("x").normal(size=3)
    with framework.hidden_inputs(1):
        assert np.array_equal(framework.rng("x").normal(size=3), one)
    assert not np.array_equal(one, two)


def test_child_cannot_read_the_secret(grade_source):
    """The confined child sees neither the secret's file nor its bytes."""
    path = course_secret.secret_path()
    reader = REFERENCE.replace("    x = np.asarray(x, dtype=float)\n    mu_hat = x.mean()",
                               f"    x = np.asarray(x, dtype=float)\n    raise ValueError(open({str(path)!r}).read())", 1)
    record = grade_source("gaussian_mle", reader)
    secret = course_secret.course_secret().hex()
    assert all(secret not in r.message for r in record.results)
    assert secret not in record.output


def test_gradescope_zip_carries_the_secret_privately(tmp_path):
    from autograder.routes.gradescope import export_zip

    with zipfile.ZipFile(export_zip(tmp_path / "autograder.zip")) as zf:
        info = zf.getinfo(course_secret.DEFAULT_FILE)
        assert zf.read(info).decode().strip() == course_secret.course_secret().hex()
        assert stat.S_IMODE(info.external_attr >> 16) == 0o600


def test_check_memo_never_answers_one_file_with_anothers_inputs(grade_source, monkeypatch):
    """The memo's trees are kept per seed: a file graded after another is told about its own
    inputs, as it would be with the memo off."""
    wrong = REFERENCE.replace("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)", 1)
    assert wrong != REFERENCE
    other = wrong + "\n# the same mistake, another file\n"
    monkeypatch.setenv("AUTOGRADER_CHECK_MEMO", "0")
    alone = _strip(grade_source("gaussian_mle", other))
    monkeypatch.setenv("AUTOGRADER_CHECK_MEMO", "1")
    grade_source("gaussian_mle", wrong)
    assert _strip(grade_source("gaussian_mle", other)) == alone


def test_a_secret_another_process_is_still_writing_is_waited_for(tmp_path):
    """Two graders starting at once: the one that did not create the file reads the other's secret."""
    import threading

    from autograder.core import course_secret

    path = tmp_path / "secret"
    path.touch()  # created, not yet written
    threading.Timer(0.2, lambda: path.write_text("ab" * 32 + "\n")).start()
    assert course_secret._create(path) == "ab" * 32
