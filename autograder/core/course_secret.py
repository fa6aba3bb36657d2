"""The course secret, and the per-submission seed of the hidden checks' inputs derived from it.

Hidden inputs drawn from one fixed seed are the same for every submission: a student who may
submit twice can dump them once and hand in a table of answers. Each exercise's inputs are
therefore seeded by a keyed hash of the code being graded (``submission_seed``): the same code
gets the same inputs on every route and every run, other code gets other inputs, and without
the key no one can predict them. The key is the course's secret, a random file kept where the
grader runs and never shipped to students (docs/hidden-inputs.md says where it lives and how to
move it between machines).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from pathlib import Path

from .manifest import ROOT

#: Where the secret lives unless ``AUTOGRADER_SECRET_FILE`` names another file.
DEFAULT_FILE = ".grader-secret"
ENVIRONMENT = "AUTOGRADER_SECRET_FILE"
_HEX = re.compile(r"[0-9a-f]{64}")
_CACHE: dict[str, bytes] = {}


class SecretError(RuntimeError):
    """The secret file exists but cannot be used (unreadable, or not a secret this grader wrote)."""


def secret_path() -> Path:
    """The secret's file: ``$AUTOGRADER_SECRET_FILE``, else ``.grader-secret`` at the course's root."""
    chosen = os.environ.get(ENVIRONMENT, "").strip()
    return Path(chosen).expanduser() if chosen else ROOT / DEFAULT_FILE


def course_secret() -> bytes:
    """The secret (32 random bytes), made at first use in a file only its owner can read."""
    path = secret_path()
    key = str(path)
    if key not in _CACHE:
        _CACHE[key] = _read_or_create(path)
    return _CACHE[key]


def _read_or_create(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = _create(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"The course secret {path} cannot be read ({exc}). Restore it from the "
                          f"course's copy or set {ENVIRONMENT} to its file (docs/hidden-inputs.md).") from None
    if not _HEX.fullmatch(text):
        raise SecretError(f"{path} does not hold a course secret (64 hexadecimal digits). Restore it "
                          f"from the course's copy, or delete it to make a new one: every student is "
                          f"then graded again on new inputs (docs/hidden-inputs.md).")
    return bytes.fromhex(text)


def _create(path: Path) -> str:
    """Write a fresh secret with mode 0600; if another process made one meanwhile, read theirs."""
    text = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another process made it first: wait (briefly) for its write
        for _ in range(50):
            text = path.read_text(encoding="ascii").strip()
            if text:
                return text
            time.sleep(0.05)
        return text
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        stream.write(text + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    return text


def secret_id() -> str:
    """A hash of the secret (never the secret): part of the grader fingerprint, so records graded
    under another secret, on other inputs, are graded again."""
    return hashlib.sha256(b"autograder course secret id\0" + course_secret()).hexdigest()[:16]


def normalised_code(code: bytes) -> bytes:
    """The code as graded, with line endings and trailing spaces evened out: a file saved on
    Windows, or the same code extracted from a notebook, gets the same inputs."""
    lines = code.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return b"\n".join(line.rstrip() for line in lines).strip(b"\n")


def submission_seed(slug: str, code: bytes, siblings: dict[str, bytes] | None = None) -> int:
    """The base seed of exercise ``slug``'s hidden inputs for this submission: a keyed hash of the
    exercise's code and of the student's other exercise files beside it (which it may import, so a
    table of answers kept in a sibling changes the inputs too)."""
    mac = hmac.new(course_secret(), b"hidden inputs\0" + slug.encode() + b"\0", hashlib.sha256)
    for name, text in [(slug, code), *sorted((siblings or {}).items())]:
        body = normalised_code(text)
        mac.update(name.encode() + b"\0" + str(len(body)).encode() + b"\0" + body)
    return int.from_bytes(mac.digest()[:16], "big")
