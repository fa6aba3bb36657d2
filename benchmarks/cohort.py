"""A generated cohort: N students mixing correct submissions and classic mistakes.

Every file is built from ``solutions/`` and the mistake corpus of
``tests/variants/`` (the mutants and the correct alternatives the hidden
checks are tested against), so the cohort follows the exercises as they
change. Each file starts with a comment naming its student, so no two
submissions are byte-identical (as in a real class, and so a grader that
skips unchanged files cannot skip them). The same students can also be
written as notebooks, filled into nbgrader's release version.
"""

from __future__ import annotations

import ast
import importlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from autograder.generation.build import strip_solutions
from autograder.core.manifest import exercises
from autograder.generation.sample_cohort import solved
from tests.variants import apply

#: Share of each kind of file in the cohort (the rest are classic mistakes).
SHARE_CORRECT = 0.45
SHARE_ALTERNATIVE = 0.10
SHARE_STUB = 0.05


@dataclass(frozen=True)
class StudentFile:
    student: str
    slug: str
    kind: str  # reference, alternative, mutant, stub
    variant: str
    source: str


def _without_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")) + "\n"


def choose(n: int, seed: int = 2026) -> list[StudentFile]:
    """Deterministic choice of every student's files, one per exercise."""
    pick = random.Random(seed)
    variants = {e.slug: importlib.import_module(f"tests.variants.{e.slug}") for e in exercises()}
    files = []
    for i in range(n):
        student = f"student_{i:04d}"
        for ex in exercises():
            roll = pick.random()
            module = variants[ex.slug]
            if roll < SHARE_CORRECT:
                kind, name, text = "reference", "reference", solved(ex.slug)
            elif roll < SHARE_CORRECT + SHARE_ALTERNATIVE and module.ALTERNATIVES:
                variant = pick.choice(module.ALTERNATIVES)
                kind, name, text = "alternative", variant.name, _without_markers(apply(ex.slug, variant))
            elif roll < SHARE_CORRECT + SHARE_ALTERNATIVE + SHARE_STUB:
                kind, name, text = "stub", "stub", strip_solutions(ex.solution_path.read_text())
            else:
                variant = pick.choice(module.MUTANTS)
                kind, name, text = "mutant", variant.name, _without_markers(apply(ex.slug, variant))
            files.append(StudentFile(student, ex.slug, kind, name, f"# {student}\n{text}"))
    return files


def write_python(files: list[StudentFile], root: Path) -> Path:
    """SUBMISSIONS/<student>/<slug>.py, as ``python -m autograder grade`` reads it."""
    for f in files:
        folder = root / f.student
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{f.slug}.py").write_text(f.source, encoding="utf-8")
    return root


def _answer_cells(notebook: dict) -> dict[str, dict]:
    cells = {}
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_") and cell["cell_type"] == "code":
            cells[grade_id.removeprefix("answer_")] = cell
    return cells


def fill_notebook(template: dict, source: str, functions: list[str], find=None) -> dict:
    """The released notebook with each answer cell holding the student's function.

    Whatever else the student's module defines (imports, private helpers)
    goes into the first answer cell, above the first function. ``find(notebook,
    functions)`` maps each function to its answer cell (default: nbgrader's
    ``answer_<function>`` cell ids).
    """
    notebook = json.loads(json.dumps(template))
    cells = find(notebook, functions) if find else _answer_cells(notebook)
    tree = ast.parse(source)
    lines = source.splitlines()
    pieces: dict[str, list[str]] = {name: [] for name in functions}
    extra: list[str] = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "\n".join(lines[start - 1:node.end_lineno])
        if isinstance(node, ast.FunctionDef) and node.name in pieces:
            pieces[node.name].append(text)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            extra.append(text)
    first = next(name for name in functions if name in cells)
    for name in functions:
        if name not in cells:
            continue
        body = (extra if name == first else []) + pieces[name]
        cells[name]["source"] = "\n\n\n".join(body) or "pass"
    return notebook


def write_notebooks(files: list[StudentFile], templates: dict[str, dict], root: Path,
                    assignment: str, find=None) -> Path:
    """nbgrader's layout: ROOT/<student>/<assignment>/<slug>.ipynb."""
    functions = {e.slug: list(e.functions) for e in exercises()}
    for f in files:
        folder = root / f.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        notebook = fill_notebook(templates[f.slug], f.source, functions[f.slug], find)
        (folder / f"{f.slug}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return root


def mix(files: list[StudentFile]) -> dict[str, int]:
    """How many files of each kind: for the report."""
    counts: dict[str, int] = {}
    for f in files:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return counts
