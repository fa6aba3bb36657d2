"""Generate the sample cohort of ``examples/submissions`` that ``make demo`` grades.

Seven synthetic students, all derived from ``solutions/`` so that none of
them is a hand-kept copy of the reference: a perfect one, a partial one, two
with classic mistakes, one with a broken and an empty file, one who submits
notebooks, one who calls a forbidden routine. Names carry spaces, accents and
a quote, as real ones do. ``python -m autograder build`` rewrites the folder;
a test fails when it is stale.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

from .build import BEGIN_SOLUTION, END_SOLUTION, strip_solutions
from ..core.manifest import ROOT, exercise, exercises

COHORT = ROOT / "examples" / "submissions"


def solved(slug: str) -> str:
    """The reference as a student would hand it in: the solution without nbgrader's markers."""
    lines = exercise(slug).solution_path.read_text().splitlines()
    return "\n".join(l for l in lines if l.strip() not in (BEGIN_SOLUTION, END_SOLUTION)) + "\n"


def stub(slug: str) -> str:
    return strip_solutions(exercise(slug).solution_path.read_text())


def edited(slug: str, *edits: tuple[str, str]) -> str:
    """The solved file with small edits, each of which must match exactly once."""
    text = solved(slug)
    for old, new in edits:
        if text.count(old) != 1:
            raise ValueError(f"sample cohort: {old!r} occurs {text.count(old)} times in solutions/{slug}.py")
        text = text.replace(old, new)
    return text


def as_notebook(source: str, title: str) -> str:
    """A notebook as a student keeps it: a title, a magic, one cell per function, a demo cell."""
    tree = ast.parse(source)
    lines = source.splitlines()
    cells = [_markdown(f"# {title}\n\nMy answers."), _code("%matplotlib inline\n!pip list | grep numpy")]
    body = tree.body[1:] if isinstance(tree.body[0], ast.Expr) else tree.body
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
    cells.append(_code("\n".join(ast.get_source_segment(source, n) for n in imports)))
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        cells.append(_code("\n".join(lines[start - 1: node.end_lineno])))
    first = next(n.name for n in body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_"))
    cells.append(_code(f"# Trying it out\nprint({first}.__name__, 'is ready')\n%time {first}"))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    notebook = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                            "name": "python3"},
                                             "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _code(text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": text.splitlines(keepends=True)}


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def cohort_files() -> dict[str, str]:
    """Every file of the sample cohort, by path relative to examples/submissions."""
    slugs = [e.slug for e in exercises()]
    students: dict[str, dict[str, str]] = {}
    students["ada_lovelace"] = {f"{s}.py": solved(s) for s in slugs}
    students["José Álvarez García"] = {  # partial: two exercises done, one left as the stub, one missing
        "gaussian_mle.py": solved("gaussian_mle"),
        "mse_nll.py": solved("mse_nll"),
        "em_gmm.py": stub("em_gmm"),
    }
    students["grace_hopper"] = {  # classic mistakes
        "gaussian_mle.py": edited("gaussian_mle", ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))",
                                                   "sigma_hat = np.std(x, ddof=1)")),
        "mse_nll.py": solved("mse_nll"),
        "em_gmm.py": edited("em_gmm", ("variances = np.sum(resp * (x[:, None] - means[None, :]) ** 2, axis=0) / nk",
                                       "variances = np.sum(resp * (x[:, None] - means[None, :]) ** 2, axis=0) / x.size")),
        "kmeans.py": edited("kmeans", ("return np.argmin(np.abs(x[:, None] - centers[None, :]), axis=1)",
                                       "return np.argmax(np.abs(x[:, None] - centers[None, :]), axis=1)")),
        "derivations.py": edited("derivations",  # a derivation whose last step drops n on log(sigma)
                                 ("-n / 2 * sp.log(2 * sp.pi) - n * sp.log(sigma) - sp.Sum(",
                                  "-n / 2 * sp.log(2 * sp.pi) - sp.log(sigma) - sp.Sum(")),
    }
    students["alan_turing"] = {  # other classic mistakes
        "gaussian_mle.py": edited("gaussian_mle", ("mu_hat = x.mean()", "mu_hat = np.median(x)")),
        "mse_nll.py": edited("mse_nll",
                             ("return float(0.5 * n * np.log(2 * np.pi * sigma**2) + n * mse_value / (2 * sigma**2))",
                              "return float(n * mse_value / (2 * sigma**2))"),
                             ("np.sum(np.abs(residuals)) / b", "np.sum(residuals**2) / b")),
        "em_gmm.py": solved("em_gmm"),
        "kmeans.py": edited("kmeans", ("        if members.size:\n            new_centers[k] = members.mean()",
                                       "        new_centers[k] = members.mean()")),
        "derivations.py": edited("derivations", ("    solutions = sp.solve(score_sigma().subs(mu, mle_mu()), sigma)\n"
                                                 "    return solutions[0]",
                                                 "    return sp.sqrt((sum_x2 - sum_x**2 / n) / (n - 1))")),
    }
    students["katherine_johnson"] = {  # a broken file and an empty one cost only their exercises
        "gaussian_mle.py": solved("gaussian_mle"),
        "mse_nll.py": solved("mse_nll"),
        "em_gmm.py": edited("em_gmm", ("def m_step(x, resp):", "def m_step(x, resp)")),
        "kmeans.py": "",
    }
    students["emmy_noether"] = {  # notebooks, one with a swapped Bernoulli term
        f"{s}.ipynb": as_notebook(solved(s) if s != "mse_nll" else edited(
            "mse_nll", ("y * np.log(p) + (1 - y) * np.log1p(-p)", "(1 - y) * np.log(p) + y * np.log1p(-p)")),
            exercise(s).title) for s in slugs
    }
    students["Siobhán O'Brien"] = {  # a forbidden library routine
        f"{s}.py": solved(s) for s in slugs
    }
    students["Siobhán O'Brien"]["gaussian_mle.py"] = edited(
        "gaussian_mle", ("    mu_hat = x.mean()\n    sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))",
                         "    from scipy import stats\n    mu_hat, sigma_hat = stats.norm.fit(x)"))
    return {f"{student}/{name}": text for student, files in students.items() for name, text in files.items()}


def write_sample_cohort(target: Path = COHORT) -> list[Path]:
    """Rewrite the sample cohort (removing files it no longer has)."""
    files = cohort_files()
    if target.exists():
        shutil.rmtree(target)
    written = []
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(target: Path = COHORT) -> list[str]:
    """Files of the sample cohort that differ from what ``make build`` writes, missing or extra."""
    files = cohort_files()
    on_disk = {str(p.relative_to(target)): p for p in target.rglob("*") if p.is_file()} if target.exists() else {}
    stale = [r for r, text in files.items()
             if r not in on_disk or on_disk[r].read_text(encoding="utf-8") != text]
    return sorted(stale + [r for r in on_disk if r not in files])
