"""The released notebooks in JupyterLab, in headless Chromium, offline (docs/browser-tests.md).

JupyterLab runs on 127.0.0.1 with a token in a scratch copy of the release
bundle: ``untouched/`` as students get it and ``completed/`` with every answer
cell filled in. Each notebook is run with Run > Run All Cells; where a cell
fails, Run All goes on (the untouched copy's cells are tagged ``raises-exception``;
a cell left unrun is run from there), so every cell runs. The untouched notebooks may show only the "not implemented" errors; the
completed ones no error at all. The likelihood explorer is shown once and its
plot changes when its slider moves; the maths is typeset by JupyterLab's own
MathJax; no request leaves the machine and the console logs no error.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograder.core.manifest import exercises
from autograder.generation import notebooks
from tests.browser import chromium, offline_page, screenshot
from tests.test_release import released_course

pytestmark = pytest.mark.slow

#: Text of an error output a student who has not started yet is expected to see.
NOT_IMPLEMENTED = ("is not implemented yet", "NotImplementedError")


def _complete(folder: Path) -> None:
    """Fill every answer cell of the released notebooks in ``folder`` with the reference's."""
    for ex in exercises():
        source = json.loads((notebooks.assignment_dir() / f"{ex.slug}.ipynb").read_text())
        answers = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
                   if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")}
        path = folder / f"{ex.slug}.ipynb"
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
        path.write_text(json.dumps(notebook, indent=1))


def _run_past_errors(folder: Path) -> None:
    """Tag every code cell ``raises-exception``: JupyterLab's Run All then goes on past a failing cell
    (the untouched notebooks fail in every test cell) instead of stopping at the first."""
    for path in folder.glob("*.ipynb"):
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                cell["metadata"].setdefault("tags", []).append("raises-exception")
        path.write_text(json.dumps(notebook, indent=1))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token, serving untouched/ and completed/ copies of the bundle."""
    _, bundle = released_course()
    root = tmp_path_factory.mktemp("lab")
    for name in ("untouched", "completed"):
        shutil.copytree(bundle, root / name)
    _complete(root / "completed")
    _run_past_errors(root / "untouched")
    home = tmp_path_factory.mktemp("lab-home")
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "MPLBACKEND": "Agg"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # No news prompt; a notebook starts its kernel without asking which.
    for extension, name, value in (("apputils-extension", "notification", '{"fetchNews": "false"}'),
                                   ("notebook-extension", "tracker", '{"autoStartDefaultKernel": true}')):
        settings = home / "settings" / "@jupyterlab" / extension
        settings.mkdir(parents=True, exist_ok=True)
        (settings / f"{name}.jupyterlab-settings").write_text(value)
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
    yield {"base": base, "token": token, "root": root, "log": home / "lab.log"}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


#: The prompts of the code cells, and the kernel's state: what ``_wait_until_done`` polls.
_STATE = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return {busy: prompts.filter(p => p.includes('*')).length,
          status: indicator ? indicator.getAttribute('data-status') : null};
}"""

#: Each code cell: its index, its tags' effect (a test cell?), its error output's text.
_ERRORS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map((cell, index) => {
  if (!cell.classList.contains('jp-CodeCell')) return null;
  const errors = [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(o => o.textContent);
  const prompt = cell.querySelector('.jp-InputPrompt').textContent.trim();
  return {index, errors, prompt};
}).filter(c => c !== null)"""


def _wait_until_done(page, timeout=240):
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        state = page.evaluate(_STATE)
        if state["busy"] == 0 and state["status"] in (None, "idle"):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 0.6:
                return
        else:
            quiet_since = None
        time.sleep(0.15)
    raise AssertionError(f"the notebook was still running after {timeout} s")


def _command(page, menu: str, command: str) -> None:
    page.click(f".lm-MenuBar-itemLabel:text-is('{menu}')")
    page.click(f".lm-Menu-item[data-command='{command}']")


def _run_every_cell(page) -> list[dict]:
    """Run All Cells; after each failing cell, run from the next one. The code cells as shown."""
    _command(page, "Run", "runmenu:run-all")
    _wait_until_done(page)
    for _ in range(60):
        cells = page.evaluate(_ERRORS)
        not_run = [c for c in cells if c["prompt"] in ("[ ]:", "")]
        if not not_run:
            return cells
        dialogs = page.locator(".jp-Dialog")
        assert dialogs.count() == 0, f"JupyterLab asks: {dialogs.first.inner_text()[:500]}"
        page.locator(".jp-Notebook .jp-Cell").nth(not_run[0]["index"]).click(position={"x": 2, "y": 2})
        _command(page, "Run", "notebook:run-all-below")
        _wait_until_done(page)
    raise AssertionError("cells still not run after 60 rounds")


def _open(page, lab, path: str) -> None:
    # ?reset: a workspace of its own, so no notebook opened before is restored beside it.
    page.goto(f"{lab['base']}/lab/tree/{path}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and "Select Kernel" in dialog.first.inner_text():
            dialog.locator(".jp-mod-accept").click()  # the notebook's own kernel, Python 3
        if page.evaluate("() => { const i = document.querySelector('.jp-Notebook-ExecutionIndicator');"
                         " return !!i && i.getAttribute('data-status') === 'idle'; }"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{path}: the kernel did not start")


def _live_kernels(lab) -> int:
    sessions = json.load(urllib.request.urlopen(f"{lab['base']}/api/sessions?token={lab['token']}"))
    return sum(1 for session in sessions if session.get("kernel"))


#: What the page logs when JupyterLab disposes of a kernel while requests to it are pending.
LOST_KERNEL = "Canceled future for"


def _open_and_run(page, lab, path: str, log=None) -> list[dict]:
    """Open the notebook and run every cell; once more from a fresh page if JupyterLab lost the
    kernel while the page settled (seen on a fresh start: the kernel was shut down a second
    after it started, and no cell could ever finish). The lost kernel's own console errors
    (its pending requests cancelled) go with it; any other error stays in ``log``. A notebook
    that really hangs, with its kernel alive, still fails."""
    before = len(log.errors) if log is not None else 0
    _open(page, lab, path)
    try:
        return _run_every_cell(page)
    except AssertionError:
        if _live_kernels(lab):
            raise
    if log is not None:
        log.errors[before:] = [e for e in log.errors[before:] if LOST_KERNEL not in e]
    _close(page, lab)
    _open(page, lab, path)
    return _run_every_cell(page)


def _close(page, lab) -> None:
    """Shut every kernel down (the next notebook starts a fresh one) and leave the page."""
    sessions = json.load(urllib.request.urlopen(f"{lab['base']}/api/sessions?token={lab['token']}"))
    for session in sessions:
        request = urllib.request.Request(f"{lab['base']}/api/sessions/{session['id']}?token={lab['token']}",
                                         method="DELETE")
        urllib.request.urlopen(request)
    page.goto("about:blank")


@pytest.fixture
def page(browser, lab, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page, log = offline_page(context)
    page.set_default_timeout(60_000)
    yield page, log
    context.close()


def _unexpected(cells, allowed) -> list[str]:
    found = []
    for cell in cells:
        for text in cell["errors"]:
            if not any(a in text for a in allowed):
                found.append(f"cell {cell['index'] + 1}: {text[:600]}")
    return found


def test_untouched_notebooks_show_only_not_implemented(page, lab, tmp_path):
    page, log = page
    problems = []  # every notebook is run, then every problem is reported
    for ex in exercises():
        cells = _open_and_run(page, lab, f"untouched/{ex.slug}.ipynb", log)
        screenshot(page, tmp_path, f"lab-untouched-{ex.slug}")
        _close(page, lab)
        problems += [f"{ex.slug}: unexpected error in {found}" for found in _unexpected(cells, NOT_IMPLEMENTED)]
        errors = [text for cell in cells for text in cell["errors"]]
        if not errors:
            problems.append(f"{ex.slug}: an untouched notebook shows no 'not implemented' at all")
        for text in errors:
            if '"cell_type"' in text:
                problems.append(f"{ex.slug}: a notebook's JSON in a traceback of {len(text.splitlines())} lines")
            elif len(text.splitlines()) > 12:
                problems.append(f"{ex.slug}: a traceback of {len(text.splitlines())} lines: {text[:300]}")
        public = [text for text in errors if text.startswith("FAILED test_")]
        if not public or any(len(text.strip().splitlines()) != 2 for text in public):
            problems.append(f"{ex.slug}: public test cells do not fail in two lines: {errors[:1]}")
    assert problems == []
    assert log.blocked == [] and log.errors == []


def test_completed_notebooks_run_without_error_and_typeset_maths(page, lab, tmp_path):
    page, log = page
    for ex in exercises():
        cells = _open_and_run(page, lab, f"completed/{ex.slug}.ipynb", log)
        if ex.slug == "derivations" and page.locator("mjx-container").count():
            page.locator("mjx-container").first.scroll_into_view_if_needed()
        screenshot(page, tmp_path, f"lab-completed-{ex.slug}")
        assert _unexpected(cells, ()) == [], ex.slug
        if ex.slug == "derivations":  # TeX in its Markdown, and the student's steps shown as LaTeX
            assert page.locator("mjx-container").count() > 0, f"{ex.slug}: no maths typeset"
            assert "$$" not in page.locator(".jp-Notebook").inner_text(), f"{ex.slug}: raw TeX"
        if ex.slug == "gaussian_mle":
            _move_the_explorer(page, tmp_path)
        _close(page, lab)
    assert log.blocked == [] and log.errors == []


def _move_the_explorer(page, tmp_path):
    """The explorer is shown once (two sliders); moving mu redraws its plot."""
    sliders = page.locator(".jp-OutputArea .widget-slider")
    assert sliders.count() == 2, f"{sliders.count()} sliders: the explorer is shown {sliders.count() // 2} times"
    picture = page.locator(".jp-OutputArea .widget-output img").first
    before = picture.get_attribute("src")
    handle = sliders.first.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(30):
        page.keyboard.press("PageUp")
    page.wait_for_function(
        "(before) => { const img = document.querySelector('.jp-OutputArea .widget-output img');"
        " return img && img.getAttribute('src') !== before; }", arg=before, timeout=30_000)
    screenshot(page, tmp_path, "lab-explorer-moved")
