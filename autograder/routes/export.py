"""Export to another platform: a Gradescope autograder, or the grades as an LMS gradebook import.

    python -m autograder export gradescope --out autograder.zip [--isolation kernel|audit-hook-only]
    python -m autograder export lms --format canvas|moodle|csv --roster ROSTER --grades OUT --out FILE
"""

from __future__ import annotations

import argparse

from . import gradescope, lms

TARGETS = {"gradescope": gradescope, "lms": lms}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the usage lines above
    targets = parser.add_subparsers(dest="target", required=True, metavar="{gradescope,lms}")
    for name, module in TARGETS.items():
        sub = targets.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(export_run=module.run)


def run(args) -> int:
    return args.export_run(args)
