"""The sandbox's cached allow-list: recomputed when what it depends on changes, and
never read from a place someone else could have written."""

import importlib.util
import json
import os
import shutil
from pathlib import Path

from autograder.sandbox import allow_list

SANDBOX = Path(allow_list.__file__).resolve().parent
ROOTS = (["/usr/share/zoneinfo"], ["/usr"], [])


def _copy_of_the_sandbox(tmp_path: Path):
    """allow_list loaded from a second copy of the sandbox folder (an unpacked bundle, say)."""
    copy = tmp_path / "sandbox"
    shutil.copytree(SANDBOX, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.spec_from_file_location("_copied_allow_list", copy / "allow_list.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_copy_of_the_sandbox_elsewhere_has_its_own_key(tmp_path):
    # The list names the sandbox's own files: a copy must not reuse the original's.
    assert _copy_of_the_sandbox(tmp_path).cache_key() != allow_list.cache_key()


def test_an_edit_of_the_sandbox_changes_the_key(tmp_path):
    copy = _copy_of_the_sandbox(tmp_path)
    before = copy.cache_key()
    guard = tmp_path / "sandbox" / "guard.py"
    guard.write_text(guard.read_text() + "\n# edited\n")
    assert copy.cache_key() != before


def test_saved_list_is_read_back_for_its_key_only(tmp_path):
    folder = tmp_path / "cache"
    allow_list.save(str(folder), "k1", ROOTS)
    assert allow_list.load(str(folder), "k1") == ROOTS
    assert allow_list.load(str(folder), "k2") is None
    assert os.stat(folder).st_mode & 0o077 == 0


def test_a_list_others_could_write_is_ignored(tmp_path):
    folder = tmp_path / "cache"
    allow_list.save(str(folder), "k", ROOTS)
    path = folder / "allow-list-k.json"
    path.chmod(0o666)
    assert allow_list.load(str(folder), "k") is None
    path.chmod(0o644)
    folder.chmod(0o777)
    assert allow_list.load(str(folder), "k") is None
    folder.chmod(0o700)
    assert allow_list.load(str(folder), "k") == ROOTS


def test_a_symlinked_or_forged_list_is_ignored(tmp_path):
    folder = tmp_path / "cache"
    allow_list.save(str(folder), "k", ROOTS)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"key": "j", "roots": [["/"], [], []]}))
    (folder / "allow-list-j.json").symlink_to(elsewhere)
    assert allow_list.load(str(folder), "j") is None
    (folder / "allow-list-m.json").write_text(json.dumps({"key": "m", "roots": [["/"], "x", []]}))
    assert allow_list.load(str(folder), "m") is None


def test_a_kernels_key_holds_neither_imports_nor_home_but_its_own_code(tmp_path, monkeypatch):
    # The launcher looks its list up before it imports anything, and before HOME becomes its scratch.
    kernel = {"distributions": ["ipykernel"], "imports": ["scipy.optimize"]}
    before = allow_list.cache_key(kernel=kernel)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setitem(__import__("sys").modules, "not_imported_before", object())
    assert allow_list.cache_key(kernel=kernel) == before
    assert allow_list.cache_key(kernel={**kernel, "distributions": ["ipykernel", "x"]}) != before
    assert allow_list.cache_key() != before
    copy = _copy_of_the_sandbox(tmp_path)
    launcher = tmp_path / "sandbox" / "kernel_launcher.py"
    unedited = copy.cache_key(kernel=kernel)
    launcher.write_text(launcher.read_text() + "\n# edited\n")
    assert copy.cache_key(kernel=kernel) != unedited


def test_details_are_kept_with_the_list_and_forged_ones_refused(tmp_path):
    folder = tmp_path / "cache"
    allow_list.save(str(folder), "k", ROOTS, {"address_space": 123})
    details = {}
    assert allow_list.load(str(folder), "k", details) == ROOTS and details == {"address_space": 123}
    (folder / "allow-list-f.json").write_text(json.dumps({"key": "f", "roots": list(ROOTS),
                                                           "details": {"address_space": "1e12"}}))
    assert allow_list.load(str(folder), "f") is None
