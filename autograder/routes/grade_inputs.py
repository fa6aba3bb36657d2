"""What `grade` accepts: option values and the SUBMISSIONS and OUT paths, checked before anything runs.

A bad value is one line naming the value and the fix, exit status 2, and nothing is written
to OUT (docs/grading-a-class.md). SUBMISSIONS is judged by its contents, never its name: a
.tar.gz or a text file named .zip is told what it is, not what zipfile found inside.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import zipfile
from pathlib import Path

from ..core.escaping import escape_controls
from ..core.grading import all_slugs


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """A bad option is one line naming the value and the fix, exit status 2 (not argparse's usage
    block, which hides the line that matters)."""
    prog = parser.prog

    def error(message: str):
        print(f"error: {message} (see `{prog} --help`)", file=sys.stderr)
        raise SystemExit(2)

    parser.error = error


def whole_number(option: str, what: str, example: str, least: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of {what}: give one "
                                             f"of at least {least}, e.g. {example}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} {what} cannot grade anyone: give at least "
                                             f"{least}, e.g. {example}")
        return value
    return parse


def seconds(option: str, example: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds: give a positive "
                                             f"number, e.g. {example}") from None
        if not (value > 0 and value != float("inf")):
            raise argparse.ArgumentTypeError(f"{text} seconds leaves no time to grade: give a positive "
                                             f"number, e.g. {example}")
        return value
    return parse


def exercise_slug(text: str) -> str:
    slugs = all_slugs()
    if text in slugs:
        return text
    close = difflib.get_close_matches(text.removesuffix(".py").removesuffix(".ipynb").lower(), slugs, n=1)
    if close:
        raise argparse.ArgumentTypeError(f"there is no exercise {text!r}: did you mean --exercise {close[0]}? "
                                         f"(exercises: {', '.join(slugs)})")
    raise argparse.ArgumentTypeError(f"there is no exercise {text!r}: give one of {', '.join(slugs)}")


def input_problem(submissions: Path, out: Path) -> str:
    """Why SUBMISSIONS or OUT cannot be used, in one line naming the path and the fix ("" if they
    can): checked before anything is written."""
    shown = escape_controls(str(submissions))
    if not os.path.lexists(submissions):
        return (f"SUBMISSIONS {shown!r} does not exist: give the folder of student folders, a .zip "
                f"of them, or an nbgrader course folder.")
    if submissions.is_dir():
        if not os.access(submissions, os.R_OK | os.X_OK):
            return f"SUBMISSIONS {shown!r} cannot be read (permission denied): grade a copy you can read."
    elif submissions.is_file():
        if not os.access(submissions, os.R_OK):
            return f"SUBMISSIONS {shown!r} cannot be read (permission denied): grade a copy you can read."
        kind = archive_kind(submissions)
        if kind != "zip":
            return (f"SUBMISSIONS {shown!r} is {kind}, not a folder or a .zip: unpack it and give the "
                    f"folder, or pack the student folders into a .zip.")
    else:
        return f"SUBMISSIONS {shown!r} is neither a folder nor a file: give the folder of student folders."
    if os.path.lexists(out) and not out.is_dir():
        return f"--out {escape_controls(str(out))!r} is a file, not a folder: give a folder for the reports."
    try:
        if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
            return (f"--out {escape_controls(str(out))!r} is inside SUBMISSIONS: the reports would be "
                    f"graded as a student; give a folder outside it.")
    except (OSError, RuntimeError):
        pass
    return ""


#: First bytes of archives a TA may give instead of a .zip.
_MAGIC = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"\x1f\x8b", "a gzip file (a .tar.gz?)"),
          (b"BZh", "a bzip2 file (a .tar.bz2?)"), (b"\xfd7zXZ\x00", "an xz file (a .tar.xz?)"),
          (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
          (b"%PDF", "a PDF document"))


def archive_kind(path: Path) -> str:
    """What ``path`` holds, judged by its first bytes and its structure, never by its name."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        return f"a file that cannot be read ({exc.strerror or exc})"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "zip":
                return "zip" if zipfile.is_zipfile(path) else "a damaged or truncated zip"
            return kind
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "a tar archive"
    if not head:
        return "an empty file"
    return "a file that is not an archive" + (" (its name ends in .zip, but its contents are not a zip)"
                                                if path.suffix.lower() == ".zip" else "")
