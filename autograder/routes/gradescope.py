"""Export a Gradescope autograder: the same checks, one container per submission.

    python -m autograder export gradescope --out autograder.zip

The zip holds ``setup.sh`` (builds a virtual environment with the grading
dependencies), ``run_autograder`` (grades ``/autograder/submission`` into
``/autograder/results/results.json``), ``requirements.txt``, the
``autograder`` package, ``solutions/`` and the course secret (``.grader-secret``,
which seeds the hidden inputs: the zip is the staff's, never the students'). In the container this module runs
as ``python -m autograder.routes.gradescope`` and grades under the same policy as
the batch grader (``policy.py``); ``AUTOGRADER_ROOT`` moves the root away
from ``/autograder`` (to test the zip on a laptop) and ``AUTOGRADER_PYTHON``
picks an existing interpreter instead of the one ``setup.sh`` builds. The
container refuses to grade where the kernel layers of the sandbox do not hold,
unless the zip was exported with ``--isolation=audit-hook-only``
(``AUTOGRADER_ISOLATION``); results.json says which isolation a grade was given under.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
import zipfile
from pathlib import Path

from ..core import course_secret
from ..core.manifest import ROOT

#: Dependencies of grading (not of the notebooks or the test suite).
GRADING_PACKAGES = ("numpy", "scipy", "matplotlib", "sympy", "mpmath")

SETUP_SH = """#!/usr/bin/env bash
# Runs once, as root, when Gradescope builds the image: a Python >= 3.11 venv with the grading deps.
# Gradescope's base images are Ubuntu (22.04 by default, whose python3 is 3.10). Python 3.11 comes
# from the distribution's own packages when it has them (Ubuntu 22.04's universe, Debian 12), else,
# on Ubuntu, from the deadsnakes PPA. Nothing downloads a Python of its own.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

LISTS_FRESH=""
update_lists() {  # a fresh container has empty package lists: update them once, before apt reads them
    if [ -z "$LISTS_FRESH" ]; then apt-get update; LISTS_FRESH=1; fi
}
apt_install() { update_lists; apt-get install -y --no-install-recommends "$@"; }

PYTHON=""
for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 \\
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    update_lists
    if ! apt-cache show python3.11-venv >/dev/null 2>&1; then
        . /etc/os-release
        if [ "${ID:-}" != ubuntu ]; then
            echo "setup.sh: ${PRETTY_NAME:-this system} packages no Python 3.11: choose a base image with Python >= 3.11." >&2
            exit 1
        fi
        apt_install software-properties-common gnupg
        add-apt-repository -y ppa:deadsnakes/ppa
        apt-get update
    fi
    apt_install python3.11 python3.11-venv
    PYTHON=python3.11
fi
if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then  # Debian and Ubuntu ship venv's pip apart
    rm -rf .venv
    apt_install "python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
echo "setup.sh: $(.venv/bin/python --version) in $PWD/.venv"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Runs once per submission: grades $ROOT/submission into $ROOT/results/results.json.
set -uo pipefail
# Relative paths in AUTOGRADER_ROOT and AUTOGRADER_PYTHON are read from where this was started,
# before the cd below (a bare name such as python3 is left to PATH).
absolute() { case "$1" in /*) printf '%%s' "$1" ;; *) printf '%%s/%%s' "$PWD" "$1" ;; esac; }
ROOT="$(absolute "${AUTOGRADER_ROOT:-/autograder}")"
SOURCE="$ROOT/source"
PYTHON="${AUTOGRADER_PYTHON:-$SOURCE/.venv/bin/python}"
case "$PYTHON" in */*) PYTHON="$(absolute "$PYTHON")" ;; esac
export AUTOGRADER_ROOT="$ROOT" MPLBACKEND=Agg AUTOGRADER_ISOLATION="${AUTOGRADER_ISOLATION:-%(isolation)s}"
cd "$SOURCE" || exit 1
exec "$PYTHON" -m autograder.routes.gradescope
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"),
                        help="the zip to write (default autograder.zip)")
    parser.add_argument("--isolation", choices=("kernel", "audit-hook-only"), default="kernel",
                        help="what the container requires: kernel (default: refuses to grade where Landlock "
                             "or seccomp is missing) or audit-hook-only (weaker; recorded in results.json)")


def run(args) -> int:
    path = export_zip(args.out, isolation=args.isolation)
    print(f"wrote {path}: upload it as a Gradescope programming assignment's autograder "
          f"(students submit gaussian_mle.py, mse_nll.py, em_gmm.py, kmeans.py, derivations.py or the .ipynb versions).")
    return 0


def requirements() -> str:
    """The grading packages with the version ranges pyproject.toml pins."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    kept = [d for d in declared if d.split(">")[0].split("=")[0].split("<")[0].strip() in GRADING_PACKAGES]
    return "\n".join(d.split("#")[0].strip() for d in kept) + "\n"


def _package_files() -> list[tuple[Path, str]]:
    files = []
    for folder in ("autograder", "solutions"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".toml", ".md"):
                files.append((path, str(path.relative_to(ROOT))))
    return files


def export_zip(out: Path, isolation: str = "kernel") -> Path:
    """Write the autograder zip (files at its root, as Gradescope requires)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        run_autograder = RUN_AUTOGRADER % {"isolation": isolation}
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", run_autograder)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
        zf.writestr("requirements.txt", requirements())
        # The course secret seeds the hidden inputs: the container grades each file on the inputs
        # the batch grader gives it. The zip goes to Gradescope, never to students.
        info = zipfile.ZipInfo(course_secret.DEFAULT_FILE)
        info.external_attr = 0o100600 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, course_secret.course_secret().hex() + "\n")
        for path, arcname in _package_files():
            zf.write(path, arcname)
    return out


# --------------------------------------------------------------------------
# Inside the container
# --------------------------------------------------------------------------

def grade_in_container(root: Path) -> dict:
    """Grade ``root/submission`` with every check under the batch grader's default policy
    (isolation as exported).

    Writes ``results/results.json`` for Gradescope and, beside it, the record every
    route produces (``results/record.json``: Gradescope ignores it, a test compares it).
    """
    from ..core.grading import all_slugs
    from .reports import results_json
    from ..core.student import ZygoteKeeper, grade_student, save_record, write_atomic
    from ..core.submissions import find_student_files

    from ..core.policy import exported
    from ..sandbox.isolation import require

    policy = exported()
    require(policy.isolation)  # fail closed: IsolationUnavailable says why and how to proceed
    slugs = all_slugs()
    submission = find_student_files(root / "submission", slugs, student="submission", depth=3)
    keeper = ZygoteKeeper()
    keeper.start_in_background()  # while grade_student imports the checks
    try:
        record = grade_student(submission, keeper, slugs=slugs, policy=policy)
    finally:
        keeper.close()
    results = results_json(record)
    save_record(root / "results", record)
    write_atomic(root / "results" / "results.json", json.dumps(results, indent=2, ensure_ascii=False))
    return results


def main() -> int:
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    try:
        results = grade_in_container(root)
    except Exception as exc:  # the grader failed: say so in the results, not only in the log
        results = {"score": 0, "output": f"The autograder failed ({type(exc).__name__}: {exc}). "
                                         f"This is not your mistake: tell your teaching staff.",
                   "tests": []}
        (root / "results").mkdir(parents=True, exist_ok=True)
        (root / "results" / "results.json").write_text(json.dumps(results, indent=2))
        print(results["output"], file=sys.stderr)
        return 1
    print(f"score {results['score']}: {sum(t['status'] == 'passed' for t in results['tests'])} of "
          f"{len(results['tests'])} checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
