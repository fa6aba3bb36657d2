"""Generate everything students get from the one authored copy of each exercise.

Authored (edit these):
  solutions/<slug>.py            reference, solution lines between nbgrader's
                                 ``### BEGIN SOLUTION`` / ``### END SOLUTION``
  autograder/public/             public tests, their conftest and the students' README

Generated (never edit; ``make build`` rewrites them, a test fails when stale):
  assignments/<slug>.py          stub: same docstrings and signatures, bodies raise
  assignments/test_<slug>.py     public tests, conftest.py, pytest.ini, README.md
  assignments/requirements.txt   what students install, versions from pyproject.toml

The rule is nbgrader's (``ClearSolutions``): an indented solution region
becomes ``raise NotImplementedError``; a region at column 0 (a private
helper of the reference) is dropped.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import tomllib
from pathlib import Path

from ..core.manifest import ASSIGNMENTS, PUBLIC_TESTS, ROOT, exercises, forbidden_routines

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB_BODY = ["# YOUR CODE HERE", "raise NotImplementedError()"]
#: Files of autograder/public/ copied to the student folder as they are.
PUBLIC_SUPPORT = ("conftest.py", "pytest.ini")
#: The project's dependencies a student needs to do the exercises and run their public tests.
STUDENT_PACKAGES = ("numpy", "scipy", "matplotlib", "sympy", "pytest")
#: ... and to work in the notebooks instead of the ``.py`` files.
NOTEBOOK_PACKAGES = ("jupyterlab", "ipywidgets", "nbclient")


class MarkerError(ValueError):
    """Solution markers that do not pair up."""


def strip_solutions(source: str, origin: str = "<source>") -> str:
    """Replace every solution region by the stub body (nbgrader's rule)."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            if inside:
                raise MarkerError(f"{origin}:{number}: {BEGIN_SOLUTION} inside another region")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            if indent:
                out.extend(indent + stub for stub in STUB_BODY)
            continue
        if stripped == END_SOLUTION:
            if not inside:
                raise MarkerError(f"{origin}:{number}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            inside = False
            continue
        if not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{origin}: {BEGIN_SOLUTION} never closed")
    text = "\n".join(out) + "\n"
    return re.sub(r"\n{4,}", "\n\n\n", text)


def solution_regions(source: str) -> list[str]:
    """The code between each pair of markers (what a release must never contain)."""
    regions, current, inside = [], [], False
    for line in source.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            inside, current = True, []
        elif line.strip() == END_SOLUTION:
            inside = False
            regions.append("\n".join(current))
        elif inside:
            current.append(line)
    return regions


def student_files() -> dict[str, str]:
    """Every file of the student folder, by name, as it should be now."""
    files: dict[str, str] = {}
    for ex in exercises():
        files[f"{ex.slug}.py"] = strip_solutions(ex.solution_path.read_text(), str(ex.solution_path))
        files[f"test_{ex.slug}.py"] = ex.public_test_path.read_text()
    for name in PUBLIC_SUPPORT:
        files[name] = (PUBLIC_TESTS / name).read_text()
    files["conftest.py"] = _with_exercise_list(_with_forbidden_list(files["conftest.py"]))
    files["README.md"] = _student_readme()
    files["requirements.txt"] = student_requirements()
    return files


def student_requirements() -> str:
    """requirements.txt of the student folder: the project's own version bounds (pyproject.toml)."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bounds = {re.match(r"[A-Za-z0-9_.\-]+", d).group(0).lower(): d.split("#")[0].strip() for d in declared}
    missing = [name for name in STUDENT_PACKAGES + NOTEBOOK_PACKAGES if name not in bounds]
    if missing:
        raise ValueError(f"pyproject.toml does not list {', '.join(missing)}, which students need")
    return "\n".join(["# What the exercises and their public tests need: pip install -r requirements.txt",
                      *[bounds[name] for name in STUDENT_PACKAGES],
                      "# To work in the notebooks instead of the .py files:",
                      *[bounds[name] for name in NOTEBOOK_PACKAGES]]) + "\n"


def _with_forbidden_list(conftest: str) -> str:
    """The public conftest with the course's forbidden routines (exercises.toml) in its FORBIDDEN."""
    line = 'FORBIDDEN = {"packages": [], "routines": [], "prefixes": []}'
    if conftest.count(line) != 1:
        raise ValueError("autograder/public/conftest.py must hold the line " + line)
    return conftest.replace(line, f"FORBIDDEN = {forbidden_routines()!r}")


def _with_exercise_list(conftest: str) -> str:
    """The public conftest with each exercise's functions (exercises.toml) in its EXERCISES."""
    line = "EXERCISES = {}"
    if conftest.count(line) != 1:
        raise ValueError("autograder/public/conftest.py must hold the line " + line)
    listed = {ex.slug: list(ex.functions) for ex in exercises()}
    return conftest.replace(line, f"EXERCISES = {listed!r}")


def forbidden_sentence() -> str:
    """The forbidden library routines as the students' README lists them (exercises.toml)."""
    listed = forbidden_routines()
    names = ([f"`{r}`" for r in listed["routines"]]
             + [f"anything from `{p}`" for p in listed["packages"]]
             + [f"`{p}*`" for p in listed["prefixes"]])
    return ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1] if names else "none"


def _student_readme() -> str:
    template = (PUBLIC_TESTS / "README.md").read_text()
    rows = "\n".join(
        f"| {ex.number} | `{ex.slug}.py` | {ex.title} | `pytest test_{ex.slug}.py` |"
        for ex in exercises()
    )
    return template.replace("{{EXERCISE_TABLE}}", rows).replace("{{FORBIDDEN}}", forbidden_sentence())


def write_student_folder(target: Path = ASSIGNMENTS) -> list[Path]:
    """Write the student folder; returns the files written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in student_files().items():
        path = target / name
        path.write_text(text)
        written.append(path)
    return written


def stale_files(target: Path = ASSIGNMENTS) -> list[str]:
    """Generated files that differ from what ``make build`` would write, or are missing."""
    stale = []
    for name, text in student_files().items():
        path = target / name
        if not path.exists() or path.read_text() != text:
            stale.append(name)
    return stale


def build() -> list[Path]:
    """Regenerate every generated file of the repository."""
    written = write_student_folder()
    for hook in _extra_builders():
        written.extend(hook())
    return written


def _extra_builders():
    """Builders of other generated artefacts (the notebooks, the sample cohort), once they exist."""
    builders = []
    if importlib.util.find_spec("autograder.generation.notebooks") is not None:
        builders.append(importlib.import_module("autograder.generation.notebooks").build_notebooks)
    if importlib.util.find_spec("autograder.generation.sample_cohort") is not None:
        builders.append(importlib.import_module("autograder.generation.sample_cohort").write_sample_cohort)
    return builders
