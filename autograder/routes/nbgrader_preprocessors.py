"""The nbgrader preprocessors the course config (``nbgrader_config.py``) installs.

They run in nbgrader's own process (autograde, generate_feedback), never in a
kernel (see ``docs/nbgrader-route.md``).

- ``RecordManualScores`` (sanitize, before the kernel runs) and ``CheckManualScores``
  (right after ``Execute``): a score a person gives (``manual_score``, ``extra_credit``)
  that changed while the notebook's kernel ran is put back and listed in the ledger
  (``nbgrader_ledger.py``).
- ``GradeHiddenCells`` (after ``Execute``, before ``SaveAutoGrades``): grades the notebook
  with the batch grader and writes each hidden test cell's outputs from its check's result,
  so nbgrader's own ``SaveAutoGrades`` stores the grader's scores, not the kernel's.

- ``OverwriteCellsQuietly``: the gradebook keeps each hidden test cell as in
  source/ (hidden region in) and students get it without that region, so
  nbgrader's ``OverwriteCells`` found every hidden cell "changed" and warned
  "Attribute 'checksum' for cell hidden_... has changed!" once per hidden cell
  of every notebook it autograded — a false alarm of tampering. A locked cell
  that is exactly its released form is now restored without a warning; any
  other change to a locked cell still warns, and is still overwritten.
- ``FeedbackTableStyle``: nbgrader's feedback page replaces the notebook's
  stylesheet with Bootstrap's, which draws tables without borders or padding;
  this adds both back.
"""

from __future__ import annotations

import atexit
import sys
import threading
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells
from traitlets import Bool

from . import nbgrader_ledger

TABLE_CSS = """
.rendered_html table { border-collapse: collapse; margin: 0.6em 0; }
.rendered_html th, .rendered_html td { border: 1px solid #b0b0b0; padding: 0.3em 0.7em; text-align: left; }
.rendered_html thead th { background: #f2f2f2; }
"""


class OverwriteCellsQuietly(OverwriteCells):
    """``OverwriteCells`` that knows a hidden test cell is released without its hidden region."""

    def _released(self, source: str) -> str:
        cell = nbformat.v4.new_code_cell(source)
        ClearHiddenTests(parent=self)._remove_hidden_test_region(cell)
        return cell.source

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source_cell = None
            if (source_cell is not None and source_cell.locked and cell.source != source_cell.source
                    and cell.source == self._released(source_cell.source)):
                cell.source = source_cell.source
        return super().preprocess_cell(cell, resources, cell_index)


class FeedbackTableStyle(Preprocessor):
    """Borders and padding for the tables of nbgrader's feedback page (after ``CSSHTMLHeaderPreprocessor``)."""

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(TABLE_CSS)
        return nb, resources


class RecordManualScores(Preprocessor):
    """Sanitize phase: remember the scores a person gave this notebook before its kernel runs."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        nbgrader_ledger.record_before(info["db_url"], info["assignment"], info["notebook"], info["student"])
        return nb, resources


class CheckManualScores(Preprocessor):
    """After ``Execute``: put back every score a person gives that changed while the kernel ran."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        for entry in nbgrader_ledger.check_after(info["db_url"], info["assignment"], info["notebook"],
                                                 info["student"]):
            self.log.error("%s/%s/%s: a score changed to %s while the notebook's kernel ran; put back to %s "
                           "(`python -m autograder nbgrader-grade` lists it).", entry["student"],
                           entry["notebook"], entry["cell"], entry["found"], entry["kept"])
        return nb, resources


_KEEPER = None
_KEEPER_LOCK = threading.Lock()


def _keeper():
    """One warm sandbox for every notebook nbgrader grades in this process; closed when it exits.
    It starts in the background the first time it is asked for (``WarmGrader``: while the first
    notebook's kernel runs)."""
    global _KEEPER
    with _KEEPER_LOCK:
        if _KEEPER is None:
            from ..core.student import ZygoteKeeper

            _KEEPER = ZygoteKeeper()
            _KEEPER.start_in_background()
            atexit.register(_KEEPER.close)
        return _KEEPER


def _import_checks(slug: str) -> None:
    """The checks (and reference) of ``slug``, imported while its notebook's kernel runs: a second
    or more that its first ``GradeHiddenCells`` would otherwise wait for."""
    try:
        from ..core.grading import all_slugs, checks_for

        if slug in all_slugs():
            checks_for(slug)
    except Exception:  # GradeHiddenCells imports them again and reports what fails
        pass


class WarmGrader(Preprocessor):
    """Before a notebook's kernel runs: the grader's sandbox starts, and the checks are imported, in
    the background, so that the first ``GradeHiddenCells`` of the run finds them ready rather than
    waiting seconds for them."""

    def preprocess(self, nb, resources):
        _keeper()
        slug = resources.get("nbgrader", {}).get("notebook")
        if slug and f"autograder.checks.{slug}" not in sys.modules:
            threading.Thread(target=_import_checks, args=(slug,), daemon=True).start()
        return nb, resources


class GradeHiddenCells(Preprocessor):
    """After ``Execute``: the hidden test cells' outputs come from the batch grader, never the kernel."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from . import nbgrader_cells
        from .nbgrader_kernel import hidden_check_name

        hidden = [(cell, name) for cell in nb.cells if (name := hidden_check_name(cell)) is not None]
        if not hidden:
            return nb, resources
        slug = resources["nbgrader"]["notebook"]
        notebook = Path(resources["metadata"]["path"]) / f"{slug}.ipynb"
        try:
            graded = nbgrader_cells.grade_notebook(notebook, slug, _keeper())
        except Exception:  # a grader fault: every hidden cell fails, the instructor sees why
            self.log.exception("The grader could not grade %s", notebook)
            graded = {"status": "refused", "message": "The grader could not run the hidden checks (this is not "
                                                      "your mistake; your teaching staff will look at it)."}
        if graded.get("status") == "refused":
            self.log.error("Hidden checks of %s not run: %s", notebook, graded.get("message", ""))
        for cell, name in hidden:
            if graded.get("status") == "refused":
                outputs = nbgrader_cells.refused_outputs(graded)
            else:
                outputs = nbgrader_cells.hidden_cell_outputs(graded["checks"].get(name), name)
            cell.outputs = [nbformat.from_dict(output) for output in outputs]
        return nb, resources
