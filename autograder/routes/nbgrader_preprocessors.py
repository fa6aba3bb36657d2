"""Two nbgrader preprocessors the course config (``nbgrader_config.py``) installs.

They run in nbgrader's own process (autograde, generate_feedback), never in a
kernel, and hold no check.

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

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells
from traitlets import Bool

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
