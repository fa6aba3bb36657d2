"""nbgrader's commands on the sample course print no warning: a warning an instructor learns to
ignore hides the one that matters. Each is fixed at its cause, never filtered (docs/notebooks.md)."""

import re

import pytest

from tests.small_class import small_class

pytestmark = pytest.mark.slow

WARNING = re.compile(r"warn", re.IGNORECASE)


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if WARNING.search(line)]


def test_nbgrader_autograde_prints_no_warning():
    assert _warnings(small_class().autograde_output) == []


def test_nbgrader_generate_feedback_prints_no_warning():
    assert _warnings(small_class().feedback_output) == []
