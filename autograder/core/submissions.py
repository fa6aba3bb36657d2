"""Find each student's files in a cohort: folders, a .zip of folders, or nbgrader's layout.

A cohort is a folder holding one folder per student (the folder's name is the
student id, whatever characters it has), a ``.zip`` of such folders, or an
nbgrader course whose ``submitted/<student>/<assignment>/`` holds notebooks.
Nothing here runs student code: it only lists, hashes and unpacks files, and
turns a notebook into the module the sandbox will import.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .notebook_code import NotebookError, notebook_code, read_notebook
from ..generation.stubs import is_untouched_stub

#: Folders that are never students (OS and Jupyter litter).
IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"}
#: An exercise file larger than this is refused without being read (a .py is a few kB).
MAX_FILE_BYTES = 20 << 20
#: Zip limits: beyond them an archive is a mistake or a zip bomb.
MAX_ZIP_ENTRIES = 50_000
MAX_ZIP_TOTAL_BYTES = 1 << 30
MAX_ZIP_ENTRY_BYTES = 64 << 20


class SubmissionsError(Exception):
    """The cohort as a whole cannot be read (not a folder, a broken or oversized zip)."""


@dataclass
class Submission:
    """One student's files as found on disk, before anything is graded."""

    student: str
    folder: Path | None
    files: dict[str, Path] = field(default_factory=dict)  # slug -> .py or .ipynb
    problems: dict[str, str] = field(default_factory=dict)  # slug -> why the file is refused
    notes: list[str] = field(default_factory=list)
    rejected: str = ""  # non-empty: nothing of this submission is graded, for this reason
    flags: list[str] = field(default_factory=list)  # for grades.csv's problems column (and the student)
    folder_name: str = ""  # the folder's name as found (the id is its NFC form)

    def fingerprint(self) -> str:
        """Content hash of what is graded: file names and bytes, plus any refusal."""
        digest = hashlib.sha256()
        for slug in sorted(self.files):
            path = self.files[slug]
            digest.update(f"{slug}\0{path.name}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        for slug in sorted(self.problems):
            digest.update(f"problem\0{slug}\0{self.problems[slug]}\0".encode())
        for flag in self.flags:
            digest.update(f"flag\0{flag}\0".encode())
        digest.update(f"rejected\0{self.rejected}".encode())
        return digest.hexdigest()


@dataclass
class Cohort:
    submissions: list[Submission]
    notes: list[str] = field(default_factory=list)  # for the teaching assistant


# --------------------------------------------------------------------------
# Finding students
# --------------------------------------------------------------------------

def find_cohort(source: Path, scratch: Path, slugs: list[str]) -> Cohort:
    """Every student of ``source`` (a folder or a .zip), sorted by id.

    A zip is unpacked (safely) under ``scratch``. Every student the zip
    names gets a submission, even one none of whose entries could be unpacked.
    """
    source = Path(source)
    if source.is_file() and zipfile.is_zipfile(source):
        unpacked = scratch / "unzipped"
        unsafe = extract_zip(source, unpacked)
        root = _unwrap(unpacked, slugs)
        prefix = root.relative_to(unpacked)
        cohort = _find_in_folder(root, slugs)
        _add_unpacked_nothing(cohort, _zip_names(source), prefix)
        _attribute_unsafe_entries(cohort, unsafe, prefix)
        _separate_colliding_ids(cohort)
        return cohort
    if source.is_file():
        raise SubmissionsError(f"{source} is neither a folder of student folders nor a .zip of them.")
    if not source.is_dir():
        raise SubmissionsError(f"{source} does not exist.")
    cohort = _find_in_folder(source, slugs)
    _separate_colliding_ids(cohort)
    return cohort


def _visible(entry: os.DirEntry) -> bool:
    return _visible_name(entry.name)


def _visible_name(name: str) -> bool:
    return not name.startswith(".") and name not in IGNORED_NAMES


def _find_in_folder(root: Path, slugs: list[str]) -> Cohort:
    notes = []
    if (root / "submitted").is_dir() and not (root / "submitted").is_symlink():
        root = root / "submitted"  # an nbgrader course: submitted/<student>/<assignment>/
    submissions, loose = [], []
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: (e.name.casefold(), e.name)):
            if not _visible(entry):
                continue
            if entry.is_symlink():
                notes.append(f"{entry.name!r} is a symbolic link and was not graded.")
            elif entry.is_dir(follow_symlinks=False):
                submissions.append(find_student_files(Path(entry.path), slugs, student_id(entry.name)))
            else:
                loose.append(entry.name)
    if loose:
        shown = ", ".join(repr(n) for n in loose[:5]) + (" ..." if len(loose) > 5 else "")
        notes.append(f"{len(loose)} file(s) at the top of the cohort are not in a student folder "
                     f"and were ignored: {shown}")
    return Cohort(submissions, notes)


def student_id(folder_name: str) -> str:
    """The id of a student folder: its name, in Unicode NFC (zips from macOS use NFD)."""
    return unicodedata.normalize("NFC", folder_name)


def _separate_colliding_ids(cohort: Cohort) -> None:
    """Folders whose names differ only in Unicode normalisation: keep both, under distinct ids.

    Each gets its NFC name plus a number, in the order of the raw names, and
    a problem line naming both spellings so staff can tell which is which.
    """
    by_id: dict[str, list[Submission]] = {}
    for submission in cohort.submissions:
        by_id.setdefault(submission.student, []).append(submission)
    taken = set(by_id)
    for common, group in by_id.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: s.folder_name)
        spellings = ", ".join(ascii(s.folder_name) for s in group)
        for number, submission in enumerate(group, start=1):
            candidate = f"{common} ({number})"
            while candidate in taken:
                candidate += "'"
            taken.add(candidate)
            submission.student = candidate
        ids = ", ".join(repr(s.student) for s in group)
        for submission in group:
            submission.flags.append(
                f"{len(group)} student folders are named {common!r} once their Unicode is normalised "
                f"(the names are spelled {spellings}); each was graded on its own, as {ids}: "
                f"check which student is which.")
    cohort.submissions.sort(key=lambda s: (s.student.casefold(), s.student))


def _read_code(path: Path) -> str | None:
    """The code of an exercise file, as grading would read it (None: too big or not readable)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
        if path.name.lower().endswith(".ipynb"):
            return notebook_code(data)[0]
        return data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    except (OSError, NotebookError):
        return None


def _choose(slug: str, candidates: list[tuple[int, int, str, Path]]) -> tuple[Path, str]:
    """Which of several files for one exercise is graded, and the problem line saying so.

    The rule (README, "Which file is graded"): a file with work in it beats
    an untouched stub; among equals, the one nearest the top of the folder,
    then the ``.py`` before the ``.ipynb``, then by name.
    """
    candidates = sorted(candidates)
    untouched = {}
    for candidate in candidates:
        code = _read_code(candidate[3])
        untouched[candidate[2]] = code is not None and is_untouched_stub(code, slug)
    ordered = sorted(candidates, key=lambda c: (untouched[c[2]],) + c[:3])
    chosen, others = ordered[0], ordered[1:]
    described = ", ".join(f"{c[2]}{' (the untouched stub)' if untouched[c[2]] else ''}" for c in others)
    if untouched[chosen[2]]:
        why = "every one of them is the untouched stub"
    elif all(untouched[c[2]] for c in others):
        why = "it is the only one with work in it"
    else:
        why = ("more than one has work in it: the one nearest the top of your folder is graded, "
               "the .py before the .ipynb; hand in one file per exercise")
    return chosen[3], f"{slug}: graded {chosen[2]}, ignored {described} ({why})."


def find_student_files(folder: Path, slugs: list[str], student: str | None = None,
                       depth: int = 2) -> Submission:
    """The exercise files of one student folder.

    Files directly in the folder, or one or two levels down (nbgrader's
    ``<assignment>/`` folder, or a folder the student zipped). Names match
    without regard to case. When several files answer one exercise,
    ``_choose`` picks one and every file left out is a problem line.
    """
    found: dict[str, list[tuple[int, int, str, Path]]] = {slug: [] for slug in slugs}
    links: list[str] = []
    wanted = {f"{slug}{ext}".lower(): (slug, rank) for slug in slugs
              for rank, ext in enumerate((".py", ".ipynb"))}

    def walk(path: Path, level: int) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if not _visible(entry):
                continue
            relative = os.path.relpath(entry.path, folder)
            if entry.name.lower() in wanted:
                slug, rank = wanted[entry.name.lower()]
                if entry.is_symlink():
                    links.append(relative)
                elif entry.is_file(follow_symlinks=False):
                    found[slug].append((level, rank, relative, Path(entry.path)))
            elif entry.is_dir(follow_symlinks=False) and level < depth:
                walk(Path(entry.path), level + 1)

    walk(folder, 0)
    submission = Submission(student if student is not None else student_id(folder.name), folder,
                            folder_name=folder.name)
    for slug, candidates in found.items():
        if len(candidates) == 1:
            submission.files[slug] = candidates[0][3]
        elif candidates:
            submission.files[slug], problem = _choose(slug, candidates)
            submission.flags.append(problem)
    for relative in links:
        slug = wanted[Path(relative).name.lower()][0]
        if slug not in submission.files:
            submission.problems[slug] = (f"{relative} is a symbolic link, not a file: submit the "
                                         f"file itself.")
        else:
            submission.flags.append(f"{slug}: ignored {relative} (a symbolic link, not a file).")
    return submission


# --------------------------------------------------------------------------
# Zips
# --------------------------------------------------------------------------

def _entry_problem(info: zipfile.ZipInfo) -> str:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in parts:
        return "points outside its folder (a '..' in its path)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if info.file_size > MAX_ZIP_ENTRY_BYTES:
        return f"is {info.file_size / 2**20:.0f} MB unpacked, over the {MAX_ZIP_ENTRY_BYTES >> 20} MB limit"
    return ""


def extract_zip(archive: Path, target: Path) -> dict[str, str]:
    """Unpack ``archive`` into ``target``, refusing anything that could escape it.

    Entries with an absolute path, a ``..`` component, a symlink, or an
    absurd size are not written; they are returned (name -> reason) so the
    student they belong to can be told. An archive over the total limits is
    refused whole.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionsError(f"{archive} cannot be opened as a zip (damaged or truncated?): download it "
                               f"again, or unpack it yourself and give the folder.") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise SubmissionsError(f"{archive} has {len(infos)} entries, over the limit of "
                                   f"{MAX_ZIP_ENTRIES}: refused.")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_ZIP_TOTAL_BYTES:
            raise SubmissionsError(f"{archive} unpacks to {declared / 2**30:.1f} GB, over the limit of "
                                   f"{MAX_ZIP_TOTAL_BYTES >> 30} GB: refused (a zip bomb?).")
        target.mkdir(parents=True, exist_ok=True)
        unsafe: dict[str, str] = {}
        written = 0
        for info in infos:
            problem = _entry_problem(info)
            if problem:
                unsafe[info.filename] = problem
                continue
            path = target.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                written += _copy_capped(zf, info, path, MAX_ZIP_TOTAL_BYTES - written)
            except zipfile.BadZipFile as exc:
                unsafe[info.filename] = f"could not be unpacked ({exc})"
            except _TooBig:
                raise SubmissionsError(f"{archive} unpacks to more than {MAX_ZIP_TOTAL_BYTES >> 30} GB "
                                       f"(its sizes lie): refused.") from None
    return unsafe


class _TooBig(Exception):
    pass


def _copy_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: int) -> int:
    """Copy one entry, never writing more than it declares nor than ``budget``."""
    limit = min(info.file_size, budget)
    copied = 0
    with zf.open(info) as source, open(path, "wb") as sink:
        while chunk := source.read(1 << 20):
            copied += len(chunk)
            if copied > limit:
                raise _TooBig
            sink.write(chunk)
    return copied


def _unwrap(unpacked: Path, slugs: list[str]) -> Path:
    """A zip of one folder holding the student folders: look inside that folder."""
    entries = [e for e in os.scandir(unpacked) if _visible(e)]
    if len(entries) == 1 and entries[0].is_dir(follow_symlinks=False):
        inner = Path(entries[0].path)
        names = {f"{s}{ext}" for s in slugs for ext in (".py", ".ipynb")}
        if not any(p.name.lower() in names for p in inner.iterdir()) and any(
                p.is_dir() for p in inner.iterdir()):
            return inner
    return unpacked


def _zip_names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as zf:
        return zf.namelist()


def _entry_owner(name: str, prefix: PurePosixPath) -> tuple[str | None, tuple[str, ...]]:
    """The student folder a zip entry belongs to (None: none), and its path inside that folder."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if parts[: len(prefix.parts)] == prefix.parts:
        parts = parts[len(prefix.parts):]
    if len(parts) > 2 and parts[0] == "submitted":  # nbgrader: submitted/<student>/...
        parts = parts[1:]
    if len(parts) < 2 or parts[0] in ("/", "..") or not _visible_name(parts[0]):
        return None, parts
    return parts[0], parts[1:]


def _add_unpacked_nothing(cohort: Cohort, names: list[str], prefix: PurePosixPath) -> None:
    """A student folder the zip names but of which nothing was unpacked still gets a submission."""
    known = {s.folder_name for s in cohort.submissions}
    for name in names:
        owner, _ = _entry_owner(name, prefix)
        if owner is not None and owner not in known:
            known.add(owner)
            cohort.submissions.append(Submission(student_id(owner), None, folder_name=owner))


def _attribute_unsafe_entries(cohort: Cohort, unsafe: dict[str, str], prefix: PurePosixPath) -> None:
    """A refused entry inside a student's folder rejects that student; others are noted."""
    by_folder = {s.folder_name: s for s in cohort.submissions}
    for name, reason in unsafe.items():
        owner_name, inside = _entry_owner(name, prefix)
        owner = by_folder.get(owner_name) if owner_name is not None else None
        if owner is None:
            cohort.notes.append(f"Zip entry {name!r} {reason}; it was not unpacked.")
            continue
        owner.flags.append(f"zip entry {'/'.join(inside)!r} {reason}; it was not unpacked.")
        if "MB" in reason and ".." not in inside and not reason.startswith("is a symbolic"):
            owner.notes.append(f"{'/'.join(inside)} {reason}; it was not unpacked.")
            _refuse_oversized(owner, inside[-1], reason)
        else:
            owner.rejected = (f"Your submission was not graded: its entry {'/'.join(inside)!r} "
                              f"{reason}. Resubmit your files in a plain folder.")


def _refuse_oversized(submission: Submission, filename: str, reason: str) -> None:
    for ext in (".py", ".ipynb"):
        if filename.lower().endswith(ext):
            slug = filename[: -len(ext)].lower()
            if slug not in submission.files:
                submission.problems[slug] = f"{filename} {reason}; it was not graded."


# --------------------------------------------------------------------------
# From a submitted file to the module the sandbox imports
# --------------------------------------------------------------------------

@dataclass
class PreparedFile:
    """What grading gets for one exercise: a module path, or why there is none."""

    slug: str
    source: str  # the student's file name, for messages
    module: Path | None = None
    status: str = ""  # "", or missing, empty, unreadable, refused: the exercise scores 0
    message: str = ""
    notes: list[str] = field(default_factory=list)
    #: Notebook cells Python could not read (left out), each line with its caret: shown first.
    unreadable_cells: str = ""


def prepare(submission: Submission, slug: str, scratch: Path) -> PreparedFile:
    """Turn the student's file for ``slug`` into a module file under ``scratch``."""
    if submission.rejected:
        return PreparedFile(slug, "", status="refused", message=submission.rejected)
    if slug in submission.problems:
        return PreparedFile(slug, "", status="refused", message=submission.problems[slug])
    path = submission.files.get(slug)
    if path is None:
        return PreparedFile(slug, "", status="missing",
                            message=f"No {slug}.py (or {slug}.ipynb) was found in your submission, "
                                    f"so this exercise scores 0. Check the file name.")
    name = path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return PreparedFile(slug, name, status="refused",
                            message=f"{name} is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES >> 20} MB "
                                    f"limit for one exercise file; it was not graded.")
    data = path.read_bytes()
    prepared = PreparedFile(slug, name)
    if name.lower().endswith(".ipynb"):
        try:
            notebook = read_notebook(data)
            code, prepared.notes, prepared.unreadable_cells = notebook.code, notebook.notes, notebook.broken
        except NotebookError as exc:
            prepared.status, prepared.message = "unreadable", (
                f"{name} could not be read as a Jupyter notebook ({exc}), so this exercise scores 0. "
                f"Open it in Jupyter, save it again, and resubmit.")
            return prepared
    else:
        code = data.decode("utf-8", errors="surrogateescape")
        if code.startswith("\ufeff"):
            code = code[1:]
    if not code.strip():
        prepared.status, prepared.message = "empty", (
            f"{name} is empty (it holds no code), so this exercise scores 0.")
        return prepared
    scratch.mkdir(parents=True, exist_ok=True)
    prepared.module = scratch / f"{slug}.py"
    prepared.module.write_bytes(code.encode("utf-8", errors="surrogateescape"))
    return prepared
