"""Generate the nbgrader source notebooks from the one authored copy of each exercise.

Authored:
  solutions/<slug>.py                 answer cells (one per function, markers kept)
  autograder/public/test_<slug>.py    visible test cells (one per test function)
  autograder/checks/<slug>.py         hidden test cells (one per registered check, its points)
  autograder/narrative/<slug>.md      the text around them, and the demonstration cells
  autograder/narrative/lesson_support.py   plotting helpers shipped next to the notebooks

Generated (``make build``; tests/test_notebooks.py fails when stale):
  source/<ASSIGNMENT>/<slug>.ipynb, source/<ASSIGNMENT>/lesson_support.py,
  source/<ASSIGNMENT>/hand_in_check.py

Directives in a narrative file (HTML comments, each on its own line):
  <!-- setup -->            the module's own top-level code (imports, data loaders)
  <!-- answer NAME -->      NAME's answer cell, then its public tests, then its hidden checks
  <!-- demo [ALT TEXT] -->  the fenced ``python`` block that follows becomes a code cell
                            tagged ``demo`` (never graded); a demo that draws a figure
                            describes it in ALT TEXT (the cell's ``alt`` metadata, which
                            HTML pages of the notebook give the figure)
  <!-- manual ID POINTS --> ... <!-- end manual -->
                            a manually graded written answer; the text between is the
                            model answer (nbgrader replaces it in the release)
Everything else is Markdown.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .build import BEGIN_SOLUTION, END_SOLUTION, strip_solutions
from ..core.manifest import ROOT, SOURCE, Exercise, exercises
from ..core.notebook_code import DEMO_TAG

ASSIGNMENT = "mle_em"
NARRATIVE = Path(__file__).resolve().parent.parent / "narrative"
SUPPORT_MODULE = "lesson_support.py"
#: The pre-hand-in check students run (``python hand_in_check.py``), shipped beside the notebooks.
HAND_IN_CHECK = "hand_in_check.py"
#: First line of every notebook's public test setup cell: the runner of the test cells.
PUBLIC_TEST_IMPORT = "from lesson_support import public_test"
#: Where nbgrader's config points the kernel for the one-line hidden cells.
KERNEL_HOOK = "mle_em_hidden"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
#: First line of a notebook's first demo cell: nbgrader's kernel inherits MPLBACKEND=Agg,
#: which would keep every figure out of the autograded notebook, formgrader and feedback.
INLINE_FIGURES = "%matplotlib inline"
#: nbgrader's grade id of a check's hidden cell is this prefix and the check's name.
HIDDEN_GRADE_PREFIX = "hidden_"
END_HIDDEN = "### END HIDDEN TESTS"
DIRECTIVE = re.compile(r"^<!--\s*(setup|answer|demo|manual|end manual)\b\s*(.*?)\s*-->\s*$")


def assignment_dir(root: Path = ROOT) -> Path:
    return root / SOURCE.relative_to(ROOT) / ASSIGNMENT


# --------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------

def _grading(grade_id: str, *, grade=False, solution=False, locked=False, points=None, task=False):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": task}
    if grade:
        meta["points"] = points
    return meta


class _Cells:
    """Collects cells with stable, unique ids (so a rebuild changes nothing)."""

    def __init__(self):
        self.cells, self.ids = [], set()

    def _id(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]", "-", hint)[:56] or "cell"
        name, n = base, 1
        while name in self.ids:
            n += 1
            name = f"{base}-{n}"
        self.ids.add(name)
        return name

    def markdown(self, text: str, hint: str = "md", nbgrader: dict | None = None):
        text = text.strip("\n")
        if not text.strip():
            return
        cell = nbformat.v4.new_markdown_cell(text, id=self._id(hint))
        if nbgrader:
            cell.metadata["nbgrader"] = nbgrader
        self.cells.append(cell)

    def code(self, text: str, hint: str, nbgrader: dict | None = None, tags=()):
        cell = nbformat.v4.new_code_cell(text.strip("\n"), id=self._id(hint))
        if nbgrader:
            cell.metadata["nbgrader"] = nbgrader
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)


# --------------------------------------------------------------------------
# From the reference module: setup cell and answer cells
# --------------------------------------------------------------------------

def _top_level_regions(lines: list[str]) -> list[tuple[int, int]]:
    """(begin, end) line indexes of solution regions at column 0 (private helpers)."""
    regions, begin = [], None
    for i, line in enumerate(lines):
        if line == BEGIN_SOLUTION:
            begin = i
        elif line == END_SOLUTION and begin is not None:
            regions.append((begin, i))
            begin = None
    return regions


def _node_start(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def setup_code(ex: Exercise) -> str:
    """The module's top level without its docstring and the exercise functions."""
    stub = strip_solutions(ex.solution_path.read_text())
    lines = stub.splitlines()
    tree = ast.parse(stub)
    keep, previous_end = [], 0
    for i, node in enumerate(tree.body):
        start, end = _node_start(node), node.end_lineno
        is_docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        is_exercise = isinstance(node, ast.FunctionDef) and node.name in ex.functions
        if not (is_docstring or is_exercise):
            # Comments just above a statement belong to it.
            first = start
            while first - 1 > previous_end and lines[first - 2].lstrip().startswith("#"):
                first -= 1
            keep.append("\n".join(lines[first - 1:end]).strip("\n"))
        previous_end = end
    return _join_statements(keep)


def _join_statements(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out:
            blank = "\n\n\n" if part.lstrip().startswith(("def ", "class ", "@", "#")) or \
                out.rstrip().splitlines()[-1].startswith(" ") else "\n"
            last = out.rstrip().splitlines()[-1]
            if last.startswith(("import ", "from ")):
                blank = "\n" if part.startswith(("import ", "from ")) else "\n\n"
            out += blank
        out += part
    return out


def answer_cells(ex: Exercise) -> dict[str, str]:
    """Each exercise function's definition, solution markers kept.

    A private helper of the reference (a solution region at column 0) is moved
    into the last solution region of the next exercise function, so that
    nbgrader's stub (indented like that region) removes it and leaves valid code.
    """
    source = ex.solution_path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    helpers = _top_level_regions(lines)
    cells, used = {}, set()
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name in ex.functions):
            continue
        start, end = _node_start(node), node.end_lineno
        # The closing ``### END SOLUTION`` is a comment after the last statement.
        while end < len(lines) and lines[end].startswith((" ", "\t")) and lines[end].lstrip().startswith("#"):
            end += 1
        pending = [(b, e) for b, e in helpers if e < start and (b, e) not in used]
        body = lines[start - 1:end]
        if pending:
            closing = max(i for i, line in enumerate(body)
                          if line.strip() == END_SOLUTION and line.startswith(" "))
            extra = [line for b, e in pending for line in ["", ""] + lines[b + 1:e]]
            body = body[:closing] + extra + body[closing:]
            used.update(pending)
        cells[node.name] = "\n".join(body)
    missing = [f for f in ex.functions if f not in cells]
    if missing:
        raise ValueError(f"{ex.solution_path}: no function {', '.join(missing)}")
    return cells


# --------------------------------------------------------------------------
# From the public tests: visible test cells
# --------------------------------------------------------------------------

@dataclass
class PublicTest:
    name: str
    code: str
    functions: tuple[str, ...]


def _rewrite_import(node: ast.stmt, slug: str, slugs: set[str]) -> str | None:
    """A public test's import of an exercise module, as notebook code (None: keep as is)."""
    if isinstance(node, ast.ImportFrom) and node.module in slugs:
        if node.module == slug:
            return ""  # the notebook defines these names itself
        names = ", ".join(alias.asname or alias.name for alias in node.names)
        values = ", ".join(f"_{node.module}.{alias.name}" for alias in node.names)
        return (f"from lesson_support import notebook_module\n_{node.module} = notebook_module({node.module!r})\n"
                f"{names} = {values}{',' if len(node.names) == 1 else ''}")
    if isinstance(node, ast.Import) and any(alias.name in slugs for alias in node.names):
        out = []
        for alias in node.names:
            name = alias.asname or alias.name
            if alias.name == slug:
                out.append(f"{name} = __import__('sys').modules['__main__']  # this notebook")
            elif alias.name in slugs:
                out.append(f"from lesson_support import notebook_module\n{name} = notebook_module({alias.name!r})")
            else:
                out.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
        return "\n".join(out)
    return None


def public_tests(ex: Exercise) -> tuple[str, list[PublicTest]]:
    """The public test module as (setup code, one runnable snippet per test function)."""
    source = ex.public_test_path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    slugs = {e.slug for e in exercises()}
    setup, tests = [], []
    for i, node in enumerate(tree.body):
        text = "\n".join(lines[_node_start(node) - 1:node.end_lineno])
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            call = _test_call(node)
            if call is None:
                continue  # needs pytest fixtures: runs with pytest only
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            used |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            functions = tuple(f for f in ex.functions if f in used)
            tests.append(PublicTest(node.name, f"{text}\n\n\n{call}", functions))
            continue
        rewritten = _rewrite_import(node, ex.slug, slugs)
        if rewritten != "":
            setup.append(text if rewritten is None else rewritten)
    return _join_statements(setup), tests


def _test_call(node: ast.FunctionDef) -> str | None:
    """The line of a test cell that runs its test (``lesson_support.public_test``: pytest's message)."""
    params = [a.arg for a in node.args.args]
    if not params:
        return f"public_test({node.name})"
    for decorator in node.decorator_list:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == "parametrize" and len(decorator.args) >= 2):
            names = decorator.args[0]
            if isinstance(names, ast.Constant):
                count = len([n for n in str(names.value).split(",") if n.strip()])
            else:
                count = len(getattr(names, "elts", []))
            if count != len(params):
                return None
            values = ast.unparse(decorator.args[1])
            cases = f"*{values}" if count > 1 else f"*[(_case,) for _case in {values}]"
            return f"public_test({node.name}, {cases})"
    return None


# --------------------------------------------------------------------------
# From the check registry: hidden test cells
# --------------------------------------------------------------------------

def hidden_checks(ex: Exercise) -> list:
    if importlib.util.find_spec(f"autograder.checks.{ex.slug}") is None:
        return []
    from ..core.grading import checks_for

    return checks_for(ex.slug)


def hidden_grade_id(check_name: str) -> str:
    return f"{HIDDEN_GRADE_PREFIX}{check_name}"


def hidden_cell(check) -> str:
    points = f"{check.points:g} point{'s' if check.points != 1 else ''}"
    return (f"# Hidden check ({points}): {check.title}\n"
            f"{BEGIN_HIDDEN}\n"
            f"from {KERNEL_HOOK} import hidden_check; hidden_check({check.exercise!r}, {check.name!r})\n"
            f"{END_HIDDEN}")


# --------------------------------------------------------------------------
# Narrative
# --------------------------------------------------------------------------

def narrative_path(ex: Exercise) -> Path:
    return NARRATIVE / f"{ex.slug}.md"


def manual_answers(ex: Exercise) -> dict[str, str]:
    """Model answers of the manually graded cells, by id (they must never reach students)."""
    answers, current, lines = {}, None, []
    for line in narrative_path(ex).read_text().splitlines():
        match = DIRECTIVE.match(line.strip())
        if match and match.group(1) == "manual":
            current, lines = match.group(2).split()[0], []
        elif match and match.group(1) == "end manual":
            answers[current] = "\n".join(lines).strip()
            current = None
        elif current:
            lines.append(line)
    return answers


def build_notebook(ex: Exercise) -> nbformat.NotebookNode:
    cells = _Cells()
    answers = answer_cells(ex)
    test_setup, tests = public_tests(ex)
    checks = hidden_checks(ex)
    placed_tests: set[str] = set()
    answered: list[str] = []
    state = {"test_setup": False}

    def tests_of(function: str):
        later = ex.functions[ex.functions.index(function) + 1:]
        for test in tests:
            if test.name in placed_tests or not test.functions:
                continue
            # A test belongs after the last function it calls.
            if function in test.functions and not any(f in later for f in test.functions):
                yield test

    def emit_tests(selected):
        for test in selected:
            if not state["test_setup"]:
                cells.code(f"{PUBLIC_TEST_IMPORT}\n{test_setup}", "public-tests-setup",
                           _grading("public_tests_setup", grade=True, locked=True, points=0))
                state["test_setup"] = True
            cells.code(test.code, test.name, _grading(test.name, grade=True, locked=True, points=0))
            placed_tests.add(test.name)

    def emit_answer(function: str):
        cells.code(answers[function], f"answer-{function}",
                   _grading(f"answer_{function}", solution=True))
        answered.append(function)
        emit_tests(list(tests_of(function)))
        for check in checks:
            if check.function == function:
                cells.code(hidden_cell(check), f"hidden-{check.name}",
                           _grading(hidden_grade_id(check.name), grade=True, locked=True, points=check.points))

    text: list[str] = []
    lines = narrative_path(ex).read_text().splitlines()
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i].strip())
        if not match:
            text.append(lines[i])
            i += 1
            continue
        cells.markdown("\n".join(text))
        text = []
        kind, arg = match.group(1), match.group(2)
        if kind == "setup":
            cells.code(setup_code(ex), "setup", _grading("setup", locked=True))
        elif kind == "answer":
            if arg not in answers:
                raise ValueError(f"{narrative_path(ex)}: {arg} is not a function of {ex.slug}")
            emit_answer(arg)
        elif kind == "demo":
            i += 1
            while not lines[i].startswith("```"):
                i += 1
            body = []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if not state.get("inline"):  # figures in the kernel's output, whatever MPLBACKEND says
                body.insert(0, INLINE_FIGURES)
                state["inline"] = True
            cells.code("\n".join(body), "demo", tags=[DEMO_TAG])
            if arg:
                cells.cells[-1].metadata["alt"] = arg
        elif kind == "manual":
            grade_id, points = arg.split()
            i += 1
            body = []
            while not lines[i].strip().startswith("<!-- end manual"):
                body.append(lines[i])
                i += 1
            cells.markdown("\n".join(body), grade_id,
                           _grading(grade_id, grade=True, solution=True, points=float(points)))
        i += 1
    cells.markdown("\n".join(text))
    missing = [f for f in ex.functions if f not in answered]
    if missing:
        raise ValueError(f"{narrative_path(ex)}: no <!-- answer --> for {', '.join(missing)}")
    remaining = [t for t in tests if t.name not in placed_tests]
    if remaining:
        cells.markdown("## More public tests", "more-tests")
        emit_tests(remaining)
    nb = nbformat.v4.new_notebook(cells=cells.cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    return nb


def notebook_text(ex: Exercise) -> str:
    return nbformat.writes(build_notebook(ex)) + "\n"


def generated_files(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file of source/, by path, as it should be now."""
    target = assignment_dir(root)
    files = {target / f"{ex.slug}.ipynb": notebook_text(ex) for ex in exercises()}
    files[target / SUPPORT_MODULE] = (NARRATIVE / SUPPORT_MODULE).read_text()
    files[target / HAND_IN_CHECK] = (NARRATIVE / HAND_IN_CHECK).read_text()
    return files


def stale_notebooks(root: Path = ROOT) -> list[str]:
    stale = [str(path.relative_to(root)) for path, text in generated_files(root).items()
             if not path.exists() or path.read_text() != text]
    known = set(generated_files(root))
    extra = [str(p.relative_to(root)) for p in assignment_dir(root).glob("*")
             if p.is_file() and p not in known]
    return stale + [f"{name} (not generated: remove it)" for name in extra]


def build_notebooks(root: Path = ROOT) -> list[Path]:
    """Write source/<assignment>/; anything else in that folder is removed (it would ship)."""
    target = assignment_dir(root)
    files = generated_files(root)
    if target.exists():
        for path in target.iterdir():
            if path not in files:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    target.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
    return list(files)
