"""The feedback pages of a small class, opened in headless Chromium with the network cut off.

tests/small_class.py grades four students (correct, a wrong function, a syntax
error, untouched) with nbgrader and with the batch grader. Every page a student
or an instructor opens (nbgrader's feedback, the batch route's feedback.html
and, where the route writes it, summary.html) must render from the file alone:
maths typeset (MathML), every figure and the explorer's picture drawn, no
request leaving the machine, no console error, each page under 300 KB and a
student's pages together under 1 MB. See docs/browser-tests.md.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium, offline_page, screenshot
from tests.small_class import STUDENTS, small_class

pytestmark = pytest.mark.slow

PAGE_LIMIT = 300 * 1024
STUDENT_LIMIT = 1024 * 1024

#: Every image on the page: drawn (decoded, with a size) and described.
_IMAGES = """() => [...document.images].map(img => ({
  drawn: img.complete && img.naturalWidth > 0, alt: img.getAttribute('alt') || '',
  width: img.getBoundingClientRect().width}))"""
#: The text a reader reads as prose and results: the page without its code inputs (whose TeX in
#: strings, a plot's label, is code, not maths to typeset).
_READ = """() => { const page = document.body.cloneNode(true);
  page.querySelectorAll('.input_area').forEach(e => e.remove()); return page.innerText; }"""
#: Every MathML formula: its drawn height (0 when the browser does not lay it out).
_MATH = """() => [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().height)"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return small_class(tmp_path_factory)


def _visit(browser, path, shots, name):
    """Open a page offline: (images, MathML heights, visible text, what it tried and logged)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page, log = offline_page(context)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    images, maths, text = page.evaluate(_IMAGES), page.evaluate(_MATH), page.evaluate(_READ)
    screenshot(page, shots, name)
    context.close()
    return images, maths, text, log


def _assert_readable(images, maths, text, log, where):
    assert log.blocked == [], f"{where} asks the network for {log.blocked[:3]}"
    assert log.errors == [], f"{where} logs {log.errors[:3]}"
    assert all(image["drawn"] for image in images), f"{where}: an image is not drawn"
    assert all(image["alt"] and "No description" not in image["alt"] for image in images), \
        f"{where}: an image without a description"
    assert all(height > 0 for height in maths), f"{where}: a formula is not laid out"
    for tex in ("$$", "\\frac", "\\sigma", "\\sum"):
        assert tex not in text, f"{where} shows raw TeX ({tex})"


@pytest.mark.parametrize("student", STUDENTS)
def test_nbgrader_feedback_pages_render_offline(student, graded, browser, tmp_path):
    pages = graded.feedback_pages(student)
    assert len(pages) == 5, pages
    sizes = {page.name: page.stat().st_size for page in pages}
    assert all(size < PAGE_LIMIT for size in sizes.values()), sizes
    assert sum(sizes.values()) < STUDENT_LIMIT, sizes
    seen = {}
    for path in pages:
        images, maths, text, log = _visit(browser, path, tmp_path, f"nbgrader-{student}-{path.stem}")
        _assert_readable(images, maths, text, log, f"{student}/{path.name}")
        seen[path.stem] = images, maths
    explorer = [i for i in seen["gaussian_mle"][0] if i["alt"].startswith("The likelihood explorer")]
    assert len(explorer) == 1 and explorer[0]["width"] > 200, "the explorer's picture is missing"
    assert seen["derivations"][1], "the derivations page typesets no formula"
    if student in ("correct", "wrong"):  # the others' EM and k-means demos fail on their own code
        assert len(seen["em_gmm"][0]) >= 2, "the EM figures are missing"
        assert len(seen["kmeans"][0]) >= 1, "the soft-against-hard figure is missing"


@pytest.mark.parametrize("student", STUDENTS)
def test_batch_feedback_page_renders_offline(student, graded, browser, tmp_path):
    path = graded.batch / student / "feedback.html"
    assert path.stat().st_size < PAGE_LIMIT
    images, maths, text, log = _visit(browser, path, tmp_path, f"batch-{student}")
    _assert_readable(images, maths, text, log, f"batch {student}/feedback.html")


def test_batch_class_report_renders_offline(graded, browser, tmp_path):
    path = graded.batch / "summary.html"
    if not path.exists():
        pytest.skip("the batch route writes no summary.html yet")
    assert path.stat().st_size < STUDENT_LIMIT
    images, maths, text, log = _visit(browser, path, tmp_path, "batch-summary")
    _assert_readable(images, maths, text, log, "summary.html")
    assert images, "the class report shows no figure"


# nbgrader's commands on the same class print no warning: a warning an instructor learns to ignore
# hides the one that matters. Each is fixed at its cause, never filtered (docs/notebooks.md). They
# share this file's class: one nbgrader run per test session (``--dist loadfile``).

_WARNING = re.compile(r"warn", re.IGNORECASE)


def test_nbgrader_autograde_prints_no_warning(graded):
    assert [line for line in graded.autograde_output.splitlines() if _WARNING.search(line)] == []


def test_nbgrader_generate_feedback_prints_no_warning(graded):
    assert [line for line in graded.feedback_output.splitlines() if _WARNING.search(line)] == []
