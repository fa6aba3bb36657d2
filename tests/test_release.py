"""The student bundle (``python -m autograder release``) reveals no answer and no hidden check."""

import atexit
import functools
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.generation import notebooks, release
from autograder.generation.build import solution_regions, student_files
from autograder.core.manifest import ROOT, exercises

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
#: What a course needs to generate, autograde and grade (copied into a scratch course).
COURSE_PARTS = ("nbgrader_config.py", "source", "autograder", "solutions")


@functools.cache
def released_course() -> tuple[Path, Path]:
    """A scratch copy of the course where the release was made: (course, bundle).

    Shared with the round trip, so nbgrader's generate_assignment runs once per session.
    """
    course = Path(tempfile.mkdtemp(prefix="course-"))
    atexit.register(shutil.rmtree, course, ignore_errors=True)
    return course, release_course_into(course)


def release_course_into(course: Path) -> Path:
    """Copy the course into ``course``, generate its notebooks and release them: the bundle's path."""
    for part in COURSE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, course / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, course / part)
    notebooks.build_notebooks(course)  # from the checks as they are now (freshness is tested apart)
    bundle = course / "bundle"
    release.release(bundle, course=course)
    return bundle


@functools.cache
def secrets(solutions: bool = True) -> list[str]:
    """Lines students must never see: the references and model answers (``solutions``), the hidden checks."""
    lines = set()
    for ex in exercises() if solutions else ():
        for region in solution_regions(ex.solution_path.read_text()):
            lines.update(line.strip() for line in region.splitlines())
        for answer in notebooks.manual_answers(ex).values():
            lines.update(line.strip() for line in answer.splitlines())
    for path in (ROOT / "autograder" / "checks").glob("*.py"):
        lines.update(line.strip() for line in path.read_text().splitlines())
    # Lines that also appear in what students are given on purpose are no secret.
    public = "\n".join(student_files().values())
    public += (notebooks.NARRATIVE / notebooks.SUPPORT_MODULE).read_text()
    public += (notebooks.NARRATIVE / notebooks.HAND_IN_CHECK).read_text()
    for ex in exercises():
        narrative = notebooks.narrative_path(ex).read_text()
        for answer in notebooks.manual_answers(ex).values():
            narrative = narrative.replace(answer, "")
        public += "\n" + narrative
        if not solutions:  # the student's own code may be the reference; checks reuse some of its lines
            public += "\n" + ex.solution_path.read_text()
    return sorted(line for line in lines if len(line) > 20 and line not in public
                  and not line.startswith(("#", '"""', "import ", "from ")) and line != ")")


def assert_reveals_nothing(text: str, where: str, *, markers: bool = True, solutions: bool = True) -> None:
    """No reference line, model answer, check source or hidden seed in ``text``.

    ``markers=False`` for nbgrader's feedback, which shows the hidden cells
    with their markers by design (nbgrader #1363): there the markers surround
    only a one-line call, which the secrets check covers. ``solutions=False``
    for the feedback of a student whose own code is (partly) the reference.
    """
    for marker in MARKERS if markers else ():
        assert marker not in text, f"{where} contains {marker!r}"
    for line in secrets(solutions):
        assert line not in text, f"{where} reveals {line!r}"
    for word in ("HIDDEN_SEED", "730_2026", "7302026", "autograder.checks", "solutions."):
        assert word not in text, f"{where} mentions {word!r}"


@pytest.mark.slow
def test_bundle_holds_the_student_files_and_notebooks():
    _, bundle = released_course()
    names = {p.name for p in bundle.iterdir()}
    expected = set(student_files()) | {f"{ex.slug}.ipynb" for ex in exercises()} | {notebooks.SUPPORT_MODULE,
                                                                                   notebooks.HAND_IN_CHECK}
    assert names == expected
    for name, text in student_files().items():
        assert (bundle / name).read_text() == text


@pytest.mark.slow
def test_bundle_reveals_no_solution_and_no_hidden_check():
    _, bundle = released_course()
    for path in bundle.iterdir():
        text = path.read_text()
        if path.suffix == ".ipynb":
            text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
        assert_reveals_nothing(text, path.name)
        assert "hidden_check" not in text, f"{path.name} calls the hidden checks"


@pytest.mark.slow
def test_bundle_never_holds_the_course_secret():
    """The secret that seeds the hidden inputs stays with the grader (docs/hidden-inputs.md)."""
    from autograder.core import course_secret

    secret = course_secret.course_secret().hex()
    _, bundle = released_course()
    for folder in (bundle, ROOT / "assignments", ROOT / "source"):
        for path in folder.rglob("*"):
            assert path.name != course_secret.DEFAULT_FILE, f"{path} is the course secret"
            if path.is_file():
                assert secret not in path.read_bytes().decode("utf-8", "replace"), f"{path} holds the secret"


@pytest.mark.slow
def test_student_notebooks_keep_hidden_cells_empty_but_for_their_title():
    _, bundle = released_course()
    for ex in exercises():
        cells = json.loads((bundle / f"{ex.slug}.ipynb").read_text())["cells"]
        hidden = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("hidden_")]
        assert len(hidden) == len(notebooks.hidden_checks(ex))
        for cell in hidden:
            assert re.fullmatch(r"# Hidden check \([\d.]+ points?\): .*\n?", "".join(cell["source"]))


def test_secrets_are_found_in_the_sources():
    """The leak test has something to look for (it would pass vacuously otherwise)."""
    found = secrets()
    assert any("np.mean((x - mu_hat) ** 2)" in line for line in found)
    assert any("argmin over the weights" in line for line in found)
    with pytest.raises(AssertionError):
        assert_reveals_nothing(found[0], "a test string")


def test_the_released_stubs_are_recognised_as_untouched():
    """Handed back untouched, each released file is the stub the batch grader passes over
    (``stubs.released_stubs``: the exact code, not only 'no function implemented')."""
    from autograder.core.notebook_code import notebook_code
    from autograder.generation.stubs import _shape, released_stubs

    _, bundle = released_course()
    for ex in exercises():
        shapes = released_stubs(ex.slug)
        assert _shape((bundle / f"{ex.slug}.py").read_text()) in shapes, f"{ex.slug}.py"
        code, _ = notebook_code((bundle / f"{ex.slug}.ipynb").read_bytes())
        assert _shape(code) in shapes, f"{ex.slug}.ipynb: nbgrader's release differs from the stub rule"
