"""Command line: a thin layer that parses arguments and forwards to one function per verb.

    python -m autograder build [--check]          regenerate (or verify) generated files
    python -m autograder grade SUBMISSIONS --out OUT
    python -m autograder release --out DIR
    python -m autograder export gradescope --out autograder.zip
    python -m autograder export lms --format canvas --roster ROSTER --grades OUT --out FILE
    python -m autograder doctor                   which sandbox layers this machine supports
    python -m autograder nbgrader-grade ASSIGNMENT [--course-root .]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import os
import sys


def _build(args) -> int:
    from ..generation import build

    if args.check:
        stale = build.stale_files()
        if stale:
            print("Generated files are out of date: " + ", ".join(stale) + ". Run `make build`.",
                  file=sys.stderr)
            return 1
        print("Generated files are up to date.")
        return 0
    for path in build.build():
        print(f"wrote {path}")
    return 0


# Each verb lives in its own module, which adds its arguments and runs it:
# ``add_arguments(parser)`` and ``run(args) -> int``.
VERB_MODULES = {
    "grade": "autograder.routes.batch",
    "release": "autograder.generation.release",
    "export": "autograder.routes.export",
    "doctor": "autograder.routes.doctor",
    "nbgrader-grade": "autograder.routes.nbgrader_route",
}


def _summary(module_name: str) -> str | None:
    """First line of a verb module's docstring, read without importing it (None: not installed)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.origin:
        return None
    with open(spec.origin, encoding="utf-8") as handle:
        docstring = ast.get_docstring(ast.parse(handle.read())) or ""
    return (docstring.strip().splitlines() or [module_name])[0]


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the verb named in ``argv`` has its module imported.

    Each verb module pulls in what it needs (nbformat for release and export
    costs more than a bare numpy and scipy start): a grading run should not
    pay for the verbs it does not run.
    """
    chosen = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    verbs = top.add_subparsers(dest="verb", required=True)
    build_parser = verbs.add_parser("build", help="regenerate stubs, the student folder and notebooks")
    build_parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    build_parser.set_defaults(run=_build)
    for verb, module_name in VERB_MODULES.items():
        summary = _summary(module_name)
        if summary is None:
            continue
        if verb != chosen:
            verbs.add_parser(verb, help=summary)
            continue
        module = importlib.import_module(module_name)
        sub = verbs.add_parser(verb, help=summary, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser(argv).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: the files are written, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit flush would fail again
        return 0
