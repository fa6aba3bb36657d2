"""Plots and helpers for the exercise notebooks; you do not need to edit this file.

It draws the likelihood explorer and the soft-versus-hard comparison, loads
the functions you wrote in another notebook of this folder, runs the public
tests from inside a notebook (``check("gaussian_mle")``) and, before you hand
in, runs every notebook afresh (``hand_in_check()``). Nothing here is an answer
to an exercise or a hidden check: every number it shows comes from your
functions and the public tests of this folder.
"""

import ast
import json
import linecache
import math
import os
import sys
import traceback
import types
from pathlib import Path

# numpy is imported by the plots that use it: the public tests' conftest imports this module to
# choose the file it tests, and test_derivations.py needs no numpy (a quarter of a second).

#: Cells the notebook loader skips: tests and the tagged demonstration cells.
DEMO_TAG = "demo"
HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------
# Using the functions of another notebook (exercise 4 compares with exercise 3)
# --------------------------------------------------------------------------

def _is_left_out(cell):
    meta = cell.get("metadata", {})
    grading = meta.get("nbgrader", {})
    return bool(grading.get("grade") and not grading.get("solution")) or DEMO_TAG in meta.get("tags", [])


def notebook_cells(path):
    """(label, code) of each code cell of a notebook that the graders read, in order.

    Test cells and demonstration cells are skipped, and so are IPython magics
    and shell lines (each becomes a blank line, so line numbers stay the
    cell's own). The label names the notebook and the cell, the way a
    traceback shows it: ``em_gmm.ipynb, cell 7 (answer_e_step)``.
    """
    path = Path(path)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code" or _is_left_out(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source.lstrip().startswith("%%"):
            continue
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        label = f"{path.name}, cell {number}" + (f" ({grade_id})" if grade_id else "")
        out.append((label, code))
    return out


def _compile_cell(code, label):
    """Compile a cell under its label; linecache holds the cell (and nothing else) for tracebacks."""
    lines = [line + "\n" for line in code.splitlines()]
    linecache.cache[label] = (len(code), None, lines, label)
    return compile(code, label, "exec")


def notebook_module(name, folder="."):
    """Run the setup and answer cells of ``<name>.ipynb`` and return them as a module.

    Test cells and demonstration cells are skipped, as are IPython magics,
    so only your definitions run. An error names the notebook, the cell and
    the line, and shows that line only.
    """
    path = Path(folder) / f"{name}.ipynb"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    for label, code in notebook_cells(path):
        exec(_compile_cell(code, label), module.__dict__)
    return module


# --------------------------------------------------------------------------
# Which file holds your work (the grader's rule)
# --------------------------------------------------------------------------

def _is_stub_body(body):
    statements = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
                  and not isinstance(s, ast.Pass)]
    if len(statements) != 1 or not isinstance(statements[0], ast.Raise) or statements[0].exc is None:
        return False
    exc = statements[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def written_functions(code, functions):
    """The functions of ``functions`` that ``code`` defines with a body of its own (not the stub's).

    Code Python cannot read counts as work: the grader grades it (and says
    what it could not read).
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return list(functions)
    return [node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in functions
            and not _is_stub_body(node.body)]


def file_code(path):
    """The code of an exercise file as the grader reads it (a notebook: its graded cells)."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return "\n\n".join(code for _label, code in notebook_cells(path))
    return path.read_text(encoding="utf-8", errors="replace")


def choose_file(slug, functions, folder="."):
    """(file name, why) of the file the grader would grade for ``slug`` in ``folder``.

    The grader's rule: a file with work in it beats an untouched stub; among
    equals the ``.py`` comes before the ``.ipynb``.
    """
    folder = Path(folder)
    py, nb = folder / f"{slug}.py", folder / f"{slug}.ipynb"
    if not nb.is_file():
        return (py.name, "") if py.is_file() else (None, f"neither {py.name} nor {nb.name} is here")
    if not py.is_file():
        return nb.name, ""
    try:
        py_work = bool(written_functions(file_code(py), functions))
        nb_work = bool(written_functions(file_code(nb), functions))
    except (OSError, ValueError, KeyError):  # a notebook that is not one: the grader says so
        return py.name, f"{nb.name} could not be read as a notebook"
    if nb_work and not py_work:
        return nb.name, f"your work is in the notebook; {py.name} is the untouched stub"
    if nb_work and py_work:
        return py.name, (f"both {py.name} and {nb.name} hold work: the .py is graded. Hand in one "
                         f"file per exercise, or delete the one you do not want graded")
    if py_work:
        return py.name, f"your work is in {py.name}; {nb.name} is untouched"
    return py.name, "neither file holds work yet"


def course_exercises(folder="."):
    """{exercise: [its graded functions]}, as the public tests' conftest.py of ``folder`` lists them."""
    tree = ast.parse((Path(folder) / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "EXERCISES"):
            return {slug: list(functions) for slug, functions in ast.literal_eval(node.value).items()}
    raise ValueError("conftest.py does not list the exercises")


# --------------------------------------------------------------------------
# Messages: the cell and the line, with a caret, and nothing else
# --------------------------------------------------------------------------

def _place(filename):
    """How a traceback names a file: a notebook cell by its label or ``Cell In[N]``."""
    try:
        shell = get_ipython()  # noqa: F821 (defined inside IPython only)
        kind, name = shell.compile.format_code_name(filename) or (None, None)
        if kind:
            return f"{kind} {name}"
    except Exception:  # outside IPython, or an IPython without it
        pass
    return filename if ".ipynb, cell" in filename else Path(filename).name


def is_students_frame(filename):
    """A frame of the student's code: a notebook cell, or an exercise file of this folder."""
    if ".ipynb, cell" in filename or "ipykernel_" in filename or filename.startswith("<ipython-input"):
        return True
    path = Path(filename)
    return path.parent == HERE and path.suffix == ".py" and not path.name.startswith(
        ("test_", "conftest", "lesson_support", "hand_in_check"))


def student_frames(tb, limit=5):
    """The traceback's frames in the student's code: where, the line, a caret under the failing part."""
    lines = []
    for frame in traceback.extract_tb(tb):
        if not is_students_frame(frame.filename):
            continue
        lines.append(f"  {_place(frame.filename)}, line {frame.lineno}, in {frame.name}")
        text = linecache.getline(frame.filename, frame.lineno)
        if text.strip():
            stripped = text.rstrip("\n")
            indent = len(stripped) - len(stripped.lstrip())
            lines.append("    " + stripped.strip())
            start, end = getattr(frame, "colno", None), getattr(frame, "end_colno", None)
            if start is not None and end is not None and getattr(frame, "end_lineno", frame.lineno) == frame.lineno \
                    and end > start >= indent:
                lines.append("    " + " " * (start - indent) + "^" * (end - start))
    return lines[-3 * limit:]


def failure_message(exc, where="its answer cell"):
    """What a failing public test says, as the public tests' pytest says it."""
    if isinstance(exc, NotImplementedError):
        frames = traceback.extract_tb(exc.__traceback__)
        function = frames[-1].name if frames else "this function"
        return f"{function}() is not implemented yet: write its body in {where}."
    if isinstance(exc, AssertionError) and exc.args:
        return str(exc.args[0]).split("\nassert ")[0]
    frames = "\n".join(student_frames(exc.__traceback__))
    return f"{type(exc).__name__}: {exc}" + (f"\n{frames}" if frames else "")


def _where(tb):
    """Where a not-implemented function is written: the notebook named by its cell, or this one."""
    frames = traceback.extract_tb(tb)
    if frames and ".ipynb, cell" in frames[-1].filename:
        return frames[-1].filename.split(", cell")[0]
    return "its answer cell"


def short_traceback(exc):
    """An error as the notebooks show it: the message, then each line of your code it passed
    through (cell and line, the line, a caret), and nothing of libraries or of the file around it."""
    if isinstance(exc, NotImplementedError) and not str(exc):
        lines = [failure_message(exc, _where(exc.__traceback__))]
    else:
        lines = [f"{type(exc).__name__}: {exc}"]
    return lines + student_frames(exc.__traceback__)


def _show_short_tracebacks():
    """In a notebook's kernel: every error shown as ``short_traceback`` (IPython's own on any trouble)."""
    try:
        shell = get_ipython()  # noqa: F821 (defined inside IPython only)
    except NameError:
        return
    if shell is None or getattr(shell, "_lesson_support_tracebacks", False):
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        try:
            if hasattr(value, "_render_traceback_"):  # a public test's own message
                raise TypeError
            value.__traceback__ = tb
            shell._showtraceback(etype, value, short_traceback(value))
        except Exception:  # noqa: BLE001 (never hide an error behind a failure of this display)
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((Exception,), handler)
    shell._lesson_support_tracebacks = True


class PublicTestFailed(Exception):
    """A public test cell that failed: IPython shows its message, not a traceback of the test."""

    def __init__(self, name, message):
        super().__init__(message)
        self.test_name, self.message = name, message

    def _render_traceback_(self):
        return [f"FAILED {self.test_name}", *self.message.splitlines()]


def public_test(test, *cases):
    """Run one public test in a notebook cell, with the message ``pytest`` would print.

    ``cases``: the argument tuples of a parametrised test. A failure raises
    ``PublicTestFailed`` (the cell fails, as in nbgrader's Validate), whose
    display is the message alone.
    """
    figures = _open_figures()
    try:
        for case in cases or [()]:
            try:
                test(*case)
            except Exception as exc:  # noqa: BLE001 (a student's function may raise anything)
                name = test.__name__ + (f"[{', '.join(map(repr, case))}]" if case else "")
                raise PublicTestFailed(name, failure_message(exc)) from None
    finally:
        _close_figures_since(figures)  # a test's figures are not shown: pytest shows none either
    print(f"{test.__name__}: passed")


def _open_figures():
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot else set()


def _close_figures_since(before):
    pyplot = sys.modules.get("matplotlib.pyplot")
    for number in set(pyplot.get_fignums()) - before if pyplot else ():
        pyplot.close(number)


# --------------------------------------------------------------------------
# Checks from inside a notebook
# --------------------------------------------------------------------------

def _tests_of(test_file, function):
    """Names of the tests of ``test_file`` that call ``function``."""
    tree = ast.parse(Path(test_file).read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            used |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if function in used:
                names.append(node.name)
    return names


def _forget_test_modules(folder):
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if name == "conftest" or (name.startswith("test_") and Path(path).parent == Path(folder).resolve()) \
                or getattr(module, "__notebook_module__", False):
            del sys.modules[name]


def check(name, folder="."):
    """Run the public tests of one exercise (``check("gaussian_mle")``) or of one function
    (``check("gaussian_mle_numerical")``) on the functions defined in this notebook's kernel,
    with the messages ``pytest`` prints. Returns True when they all pass.

    Run the cells above first: a function of the exercise this kernel has not
    defined yet fails its tests with a message saying so.
    """
    import pytest

    folder = Path(folder).resolve()
    exercises = course_exercises(folder)
    owner = {f: slug for slug, functions in exercises.items() for f in functions}
    if name in exercises:
        slug, selected = name, None
    elif name in owner:
        slug, selected = owner[name], _tests_of(folder / f"test_{owner[name]}.py", name)
    else:
        known = ", ".join(sorted(exercises)) + "; or one of their functions"
        print(f"check({name!r}): there is no exercise or function of that name (try {known}).")
        return False
    if selected == []:
        print(f"{name} has no public test of its own: check({slug!r}) runs its exercise's tests.")
        return True
    kernel = sys.modules["__main__"]
    module = types.ModuleType(slug)
    module.__dict__.update({k: v for k, v in vars(kernel).items() if not k.startswith("__")})
    module.__kernel_notebook__ = module.__notebook_module__ = True
    for function in exercises[slug]:
        if function not in module.__dict__:
            module.__dict__[function] = _not_defined(function)
    args = [str(folder / f"test_{slug}.py"), "--capture=sys", "-p", "no:cacheprovider"]
    if selected:
        args += ["-k", " or ".join(selected)]
    _forget_test_modules(folder)
    sys.modules[slug] = module
    try:
        return pytest.main(args) == 0
    finally:
        _forget_test_modules(folder)


def _not_defined(function):
    def missing(*args, **kwargs):
        raise NameError(f"{function} is not defined in this kernel: run its answer cell first.")

    missing.__name__ = function
    return missing


def hand_in_check(folder="."):
    """Before you hand in: every notebook run afresh, top to bottom, and what would lose points.

    The same as ``python hand_in_check.py`` in a terminal (it takes a minute:
    each notebook runs in a new kernel, then the public tests run). Save your
    notebooks first: it reads them from disk.
    """
    import subprocess

    script = Path(folder).resolve() / "hand_in_check.py"
    process = subprocess.run([sys.executable, str(script)], cwd=script.parent, capture_output=True, text=True)
    print(process.stdout + process.stderr)
    return process.returncode == 0


# --------------------------------------------------------------------------
# Exercise 1: the likelihood explorer
# --------------------------------------------------------------------------

def _normal_density(x, mu, sigma):
    import numpy as np

    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _read_out(log_likelihood, x, mu, sigma):
    """The log-likelihood as your function computes it, or a note if it is not written yet."""
    if log_likelihood is None:
        return ""
    try:
        value = log_likelihood(x, mu, sigma)
    except NotImplementedError:
        return "log-likelihood: write gaussian_log_likelihood to see it here"
    except Exception as exc:  # the student's function is still in progress
        return f"log-likelihood: your function raised {type(exc).__name__}"
    return f"log-likelihood = {float(value):.2f}"


def likelihood_figure(x, mu, sigma, log_likelihood=None, ax=None):
    """The density N(mu, sigma^2) over the data, one stem per point coloured by its density.

    Green stems are points the curve finds plausible, red ones points it
    finds surprising; the title reads out ``log_likelihood(x, mu, sigma)``.
    """
    import numpy as np
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    x = np.asarray(x, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4))
    else:
        fig = ax.figure
    span = max(x.max() - x.min(), 1.0)
    grid = np.linspace(x.min() - 0.4 * span, x.max() + 0.4 * span, 400)
    peak = _normal_density(mu, mu, sigma)
    heights = _normal_density(x, mu, sigma)
    colours = plt.get_cmap("RdYlGn")(np.clip(heights / peak, 0, 1))
    ax.plot(grid, _normal_density(grid, mu, sigma), color="black", lw=1.5,
            label=f"N(mu={mu:.1f}, sigma={sigma:.1f})")
    stems = LineCollection([[(xi, 0.0), (xi, hi)] for xi, hi in zip(x, heights)],
                           colors=colours, linewidths=2)
    ax.add_collection(stems)
    ax.scatter(x, np.zeros_like(x), c=colours, edgecolors="black", zorder=3, s=25, label="data")
    ax.set_xlabel("tempo (BPM)")
    ax.set_ylabel("density")
    ax.set_ylim(0, max(peak, 1e-12) * 1.15)
    read_out = _read_out(log_likelihood, x, mu, sigma)
    ax.set_title("How plausible is each tempo?" + (f"   {read_out}" if read_out else ""))
    ax.legend(loc="upper right", fontsize="small")
    return fig


#: The explorer picture's description, for readers who cannot see it.
EXPLORER_ALT = ("The likelihood explorer at mu = {mu:.1f}, sigma = {sigma:.1f}: the Normal density "
                "over the tempos, one stem per tempo up to the curve, coloured from red (surprising) "
                "to green (plausible).")


def likelihood_explorer(x, log_likelihood=None, mu=110.0, sigma=20.0):
    """Sliders for mu and sigma over the data; a static plot where widgets cannot run.

    Shown once (it displays itself and returns nothing, so the cell does not
    echo it). The display carries both the widget and a picture at the
    starting values, same data and axes: JupyterLab shows the sliders, a
    viewer without widgets (nbgrader's feedback, GitHub, a converted HTML page)
    shows the picture.
    """
    import numpy as np
    import matplotlib.pyplot as plt
    from IPython.display import display

    x = np.asarray(x, dtype=float)
    static = likelihood_figure(x, mu, sigma, log_likelihood)
    picture = _png(static)
    plt.close(static)
    alt = EXPLORER_ALT.format(mu=mu, sigma=sigma)
    try:
        # nbgrader's autograde and validate run the notebook with no frontend: no slider is
        # ever moved, and the feedback page keeps only the picture (ipywidgets costs a second).
        if os.environ.get("NBGRADER_EXECUTION"):
            raise ImportError("no widget frontend")
        import ipywidgets as widgets
    except ImportError:
        display({"image/png": picture, "text/plain": "likelihood explorer (static)"},
                metadata={"image/png": {"alt": alt}}, raw=True)
        return None
    spread = max(float(np.ptp(x)), 1.0)
    mu_slider = widgets.FloatSlider(value=mu, min=float(x.min()) - 0.3 * spread,
                                    max=float(x.max()) + 0.3 * spread, step=0.1, description="mu")
    sigma_slider = widgets.FloatSlider(value=sigma, min=0.05 * spread, max=spread, step=0.1,
                                       description="sigma")
    out = widgets.Output()

    def show(png, mu, sigma):
        with out:
            out.clear_output(wait=True)
            display({"image/png": png, "text/plain": "likelihood explorer"},
                    metadata={"image/png": {"alt": EXPLORER_ALT.format(mu=mu, sigma=sigma)}}, raw=True)

    def redraw(_=None):
        fig = likelihood_figure(x, mu_slider.value, sigma_slider.value, log_likelihood)
        show(_png(fig), mu_slider.value, sigma_slider.value)
        plt.close(fig)

    mu_slider.observe(redraw, names="value")
    sigma_slider.observe(redraw, names="value")
    if (mu_slider.value, sigma_slider.value) == (mu, sigma):  # the picture already drawn
        show(picture, mu, sigma)
    else:  # a slider clamped a starting value
        redraw()
    box = widgets.VBox([widgets.HBox([mu_slider, sigma_slider]), out])
    bundle = box._repr_mimebundle_()
    bundle["image/png"] = picture
    display(bundle, metadata={"image/png": {"alt": alt}}, raw=True)


def _png(fig):
    import base64
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --------------------------------------------------------------------------
# Exercise 4: soft (EM) against hard (k-means) assignments
# --------------------------------------------------------------------------

def plot_soft_vs_hard(x, resp, labels, means=None, centers=None):
    """Each point's EM responsibility for component 1 next to its k-means label.

    EM hedges near the overlap (responsibilities between 0 and 1); k-means
    commits every point to one cluster (0 or 1).
    """
    import numpy as np
    import matplotlib.pyplot as plt

    x = np.asarray(x, dtype=float)
    order = np.argsort(x)
    soft = np.asarray(resp, dtype=float)[:, -1]
    hard = np.asarray(labels, dtype=float)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.scatter(x, soft, c=soft, cmap="coolwarm", vmin=0, vmax=1, s=12, edgecolors="none",
                label="EM responsibility")
    top.plot(x[order], soft[order], color="grey", lw=0.8, alpha=0.6)
    top.set_ylabel("responsibility of component 1")
    top.set_title("Soft assignments (EM): a probability per point")
    bottom.scatter(x, hard, c=hard, cmap="coolwarm", vmin=0, vmax=1, s=12, edgecolors="none",
                   label="k-means label")
    bottom.set_ylabel("k-means label")
    bottom.set_yticks([0, 1])
    bottom.set_title("Hard assignments (k-means): every point picks one cluster")
    bottom.set_xlabel("x")
    for ax in (top, bottom):
        ax.set_ylim(-0.1, 1.1)
        ax.grid(alpha=0.3)
    for value in np.atleast_1d(means if means is not None else []):
        top.axvline(value, color="black", ls="--", lw=0.8)
    for value in np.atleast_1d(centers if centers is not None else []):
        bottom.axvline(value, color="black", ls=":", lw=0.8)
    fig.tight_layout()
    return fig


_show_short_tracebacks()
