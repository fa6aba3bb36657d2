"""Generated files are fresh, and the stub rule is nbgrader's."""

import ast

import pytest

from autograder.generation import build
from autograder.core.manifest import exercises


def test_generated_files_are_fresh():
    stale = build.stale_files()
    assert not stale, f"Generated files are out of date: {', '.join(stale)}. Run `make build`."


def test_students_get_requirements_and_the_forbidden_list_from_their_one_source():
    """requirements.txt carries pyproject.toml's bounds; the README and the public conftest name
    exercises.toml's forbidden routines (the grader's policy), so changing either regenerates them."""
    import tomllib

    from autograder.core.manifest import ROOT, forbidden_routines

    files = build.student_files()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    requirements = [line for line in files["requirements.txt"].splitlines() if not line.startswith("#")]
    assert requirements and all(any(d.startswith(r) for d in declared) for r in requirements)
    assert {r.split(">")[0] for r in requirements} >= {"numpy", "scipy", "matplotlib", "sympy", "pytest"}
    listed = forbidden_routines()
    for name in listed["routines"] + listed["packages"] + listed["prefixes"]:
        assert f"`{name}" in files["README.md"], name
    assert f"FORBIDDEN = {listed!r}" in files["conftest.py"]
    assert "may import each other" in files["README.md"]


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.slug)
def test_stub_keeps_signatures_and_docstrings_but_no_solution(ex):
    source = ex.solution_path.read_text()
    stub = build.strip_solutions(source)
    ref_tree, stub_tree = ast.parse(source), ast.parse(stub)
    ref_funcs = {f.name: f for f in ref_tree.body if isinstance(f, ast.FunctionDef)}
    stub_funcs = {f.name: f for f in stub_tree.body if isinstance(f, ast.FunctionDef)}
    for name in ex.functions:
        assert ast.dump(stub_funcs[name].args) == ast.dump(ref_funcs[name].args), name
        assert ast.get_docstring(stub_funcs[name]) == ast.get_docstring(ref_funcs[name]), name
        assert "raise NotImplementedError()" in ast.get_source_segment(stub, stub_funcs[name]), name
    for region in build.solution_regions(source):
        for line in region.splitlines():
            if len(line.strip()) > 12:
                assert line not in stub, f"solution line leaked into the stub: {line!r}"
    assert "### BEGIN SOLUTION" not in stub and "### END SOLUTION" not in stub


def test_unpaired_markers_are_refused():
    with pytest.raises(build.MarkerError):
        build.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(build.MarkerError):
        build.strip_solutions("def f():\n    return 1\n    ### END SOLUTION\n")


def test_top_level_region_is_dropped_and_indented_region_raises():
    source = "### BEGIN SOLUTION\nHELPER = 1\n### END SOLUTION\ndef f():\n    ### BEGIN SOLUTION\n    return HELPER\n    ### END SOLUTION\n"
    stub = build.strip_solutions(source)
    assert "HELPER" not in stub
    assert "    raise NotImplementedError()" in stub
