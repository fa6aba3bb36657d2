"""Before you hand in: run this in the folder of your exercises.

    python hand_in_check.py              every exercise
    python hand_in_check.py kmeans       one exercise

For each exercise it says which file the grader will grade (the notebook or
the .py), runs that notebook top to bottom in a fresh kernel (as the grader
starts from nothing, not from your kernel's memory), confirms that every
function the grader calls is defined, runs the public tests on it, and says
plainly what would lose points. It knows only the public tests: passing them
is a good sign, not the grade. From a notebook: ``hand_in_check()`` of
``lesson_support``. Save your notebooks first: it reads them from disk.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lesson_support import choose_file, course_exercises, file_code, written_functions  # noqa: E402

#: Printed by the probe cell appended to a copy of the notebook.
_PROBE = "__hand_in_check__"


def run_notebook(path, functions, timeout=600):
    """Run a copy of the notebook in a fresh kernel: (errors by cell, functions defined at the end)."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    probe = (f"import json as _json\nprint({_PROBE!r} + _json.dumps("
             f"[_f for _f in {list(functions)!r} if callable(globals().get(_f))]))")
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    # A kernel of its own on local sockets (IPC), not TCP: nothing else on the machine can talk to it.
    # Its sockets' path is absolute and short (a socket path has ~100 characters at most).
    sockets = tempfile.mkdtemp(prefix="hand-in-")
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    client = NotebookClient(notebook, km=manager, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env={**os.environ, "MPLBACKEND": "Agg"})
    finally:  # nbclient leaves a kernel it did not start itself running
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    errors, defined = [], []
    for number, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and number < len(notebook.cells):
                errors.append((number, cell, output))
            elif output.get("name") == "stdout" and _PROBE in output.get("text", ""):
                line = output["text"].split(_PROBE, 1)[1].splitlines()[0]
                defined = json.loads(line)
    return errors, defined


def _kind(cell):
    meta = cell.get("metadata", {})
    grading = meta.get("nbgrader", {})
    if grading.get("grade") and not grading.get("solution"):
        return "test"
    if "demo" in meta.get("tags", []):
        return "demo"
    return "answer"


def public_tests(slug):
    """(passed, failed, the failure lines) of ``pytest test_<slug>.py`` in this folder."""
    process = subprocess.run([sys.executable, "-m", "pytest", f"test_{slug}.py", "-rf",
                              "-p", "no:cacheprovider"], cwd=HERE, capture_output=True, text=True,
                             env={**os.environ, "COLUMNS": "200"})
    out = process.stdout + process.stderr
    passed = sum(int(n) for n in re.findall(r"(\d+) passed", out))
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|errors?)\b", out))
    reasons = [line[len("FAILED "):] for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return passed, failed, reasons, out


def check_exercise(slug, functions):
    """The lines of the report for one exercise; and whether anything would lose points."""
    chosen, why = choose_file(slug, functions, HERE)
    lines, losses = [f"{slug}: the grader grades {chosen}" + (f" ({why})" if why else "")], []
    if chosen is None:
        return lines + [f"  would lose points: every check of {slug} (no file to grade)"], True
    path = HERE / chosen
    if "both" in why:
        losses.append(f"both files hold work and only {chosen} is graded")
    written = written_functions(file_code(path), functions)
    if path.suffix == ".ipynb":
        errors, defined = run_notebook(path, functions)
        shown = [(n, c, o) for n, c, o in errors if _kind(c) != "test"]
        if not shown:
            lines.append("  ran top to bottom in a fresh kernel: no error outside the public test cells")
        for number, cell, output in shown:
            where = "a demo cell (never graded)" if _kind(cell) == "demo" else "a cell the grader runs"
            lines.append(f"  cell {number}, {where}, raised {output.get('ename')}: {output.get('evalue')}")
            if _kind(cell) != "demo":
                losses.append(f"cell {number} raises {output.get('ename')} when run from the top "
                              f"(the grader skips the statement that raised)")
    else:
        process = subprocess.run([sys.executable, "-c", f"import {slug}"], cwd=HERE,
                                 capture_output=True, text=True)
        defined = [] if process.returncode else [f for f in functions if f"def {f}(" in path.read_text()]
        if process.returncode:
            error = (process.stderr.strip().splitlines() or ["(no message)"])[-1]
            lines.append(f"  importing {chosen} fails: {error}")
            losses.append(f"{chosen} cannot be imported: every check of {slug} fails")
    missing = [f for f in functions if f not in defined]
    stubs = [f for f in functions if f in defined and f not in written]
    lines.append(f"  defined: {len(defined)} of the {len(functions)} functions the grader calls")
    if missing:
        losses.append("not defined after running the file from the top: " + ", ".join(missing))
    if stubs:
        losses.append("not implemented yet: " + ", ".join(stubs))
    passed, failed, reasons, out = public_tests(slug)
    lines.append(f"  public tests: {passed} passed, {failed} failed")
    if not passed + failed:
        lines.extend("    " + line for line in out.strip().splitlines()[-10:])
        losses.append(f"the public tests of {slug} could not run (see above)")
    for reason in reasons[:8]:
        lines.append(f"    {reason}")
    if failed:
        losses.append(f"{failed} public test(s) fail: the hidden checks of those functions will fail too")
    for loss in losses:
        lines.append(f"  would lose points: {loss}")
    if not losses:
        lines.append("  nothing the public tests can see would lose points (the hidden checks use other data)")
    return lines, bool(losses)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    exercises = course_exercises(HERE)
    unknown = [a for a in argv if a not in exercises]
    if unknown:
        print(f"unknown exercise {', '.join(unknown)}: choose from {', '.join(exercises)}")
        return 2
    print("Hand-in check: each notebook run afresh from the top, then its public tests.\n")
    short = []
    for slug in argv or list(exercises):
        lines, loses = check_exercise(slug, exercises[slug])
        print("\n".join(lines) + "\n", flush=True)
        if loses:
            short.append(slug)
    if short:
        print(f"Would lose points in: {', '.join(short)} (see above). Fix those, save, and run this again.")
        return 1
    print("Ready to hand in: every function is defined and passes its public tests.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
