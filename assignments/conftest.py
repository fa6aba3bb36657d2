"""Makes the public tests speak plainly: one line per unfinished function,
the test's own message for a wrong answer, and only your file's lines for a crash."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _student_frames(excinfo):
    """Traceback lines from the exercise files (not the tests, not libraries)."""
    lines = []
    for entry in excinfo.traceback:
        path = Path(str(entry.path))
        if path.parent == HERE and not path.name.startswith(("test_", "conftest")):
            lines.append(f"  {path.name}:{entry.lineno + 1} in {entry.name}: {str(entry.statement).strip()}")
    return lines[-5:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or call.excinfo is None or not report.failed:
        return
    exc = call.excinfo.value
    if isinstance(exc, NotImplementedError):
        function = call.excinfo.traceback[-1].name
        filename = Path(str(call.excinfo.traceback[-1].path)).name
        report.longrepr = f"{function}() is not implemented yet: write its body in {filename}."
    elif isinstance(exc, AssertionError) and exc.args:
        report.longrepr = str(exc.args[0]).split("\nassert ")[0]
    else:
        frames = "\n".join(_student_frames(call.excinfo))
        report.longrepr = f"{type(exc).__name__}: {exc}" + (f"\n{frames}" if frames else "")


def pytest_terminal_summary(terminalreporter, exitstatus):
    stats = terminalreporter.stats
    if exitstatus == 0 and stats.get("passed"):
        terminalreporter.write_line(
            "Public tests passed. Your grade comes from hidden checks on other data and edge "
            "cases, so passing these is a good sign, not the grade.", green=True)
    elif stats.get("failed"):
        terminalreporter.write_line(
            "Each failure above says which function to look at and what went wrong.", yellow=True)
