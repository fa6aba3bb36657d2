"""nbgrader's gradebook, adding a submission without flushing it half-built.

nbgrader 0.9.6's ``Gradebook.add_submission`` builds a submission (its notebooks,
grades and comments) attached to rows already in the database, then reads the
notebook's cells, which makes its session flush: under SQLAlchemy 2 the
half-built objects are not in the session yet, and ``nbgrader autograde``
printed three ``SAWarning: Object of type <SubmittedNotebook> not in session``
per new submission. ``QuietGradebook`` builds it under the session's
``no_autoflush`` (as SQLAlchemy's message advises); nbgrader then adds and
commits it as before. ``nbgrader_config.py`` makes autograde use it.
"""

from __future__ import annotations

from nbgrader.api import Gradebook


class QuietGradebook(Gradebook):
    def add_submission(self, assignment, student, **kwargs):
        with self.db.no_autoflush:
            return super().add_submission(assignment, student, **kwargs)


def install() -> None:
    """Autograde's gradebook (its module's name ``Gradebook``) becomes ``QuietGradebook``."""
    from nbgrader.converters import autograde

    autograde.Gradebook = QuietGradebook
