"""Show which sandbox layers this machine supports (probed in a forked, confined child).

    python -m autograder doctor

Exit status 0 when every kernel layer holds (``grade`` runs with its default
``--isolation=kernel``), 1 when one is missing (``grade`` refuses to run
unless given ``--isolation=audit-hook-only``).
"""

from __future__ import annotations

import argparse
import sys

from ..sandbox import isolation

LABELS = {
    "landlock": "Landlock",
    "seccomp": "seccomp filter",
    "no_new_privs": "no_new_privs",
    "privileges": "privilege drop",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args) -> int:
    del args
    report = isolation.probe()
    print(f"Sandbox layers on {report.get('platform', sys.platform)}, Python "
          f"{sys.version.split()[0]} (tried in a forked, confined child):")
    layers = report.get("layers", {})
    for name in isolation.KERNEL_LAYERS:
        ok, detail = layers.get(name, [False, "not probed"])
        print(f"  {LABELS[name]:<15} {'yes' if ok else 'NO ':<4} {detail}")
    hook = hasattr(sys, "addaudithook")
    print(f"  {'audit hook':<15} {'yes' if hook else 'NO ':<4} tells the student what was refused "
          "(not a security boundary on its own)")
    missing = isolation.missing_layers(report)
    if missing:
        print(f"\nMissing: {', '.join(LABELS[m] for m in missing)}. `grade` refuses to run here.\n"
              f"{isolation.HOW_TO_PROCEED}")
        return 1
    print("\nEvery kernel layer holds: `grade` runs with --isolation=kernel (the default).")
    return 0
