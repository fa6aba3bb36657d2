"""Each peer in a clean virtual environment of its own, installed the way its documentation says.

``pip install otter-grader`` (otter's documentation) and ``pip install nbgrader`` (nbgrader's),
each with only the scientific packages the exercises import, at the versions of this project's
environment so that the notebooks run the same numpy and scipy. Not the project's environment:
there ``import jsonschema`` (under nbformat, so under every ``otter run``, every kernel's
``import otter`` and every nbgrader process) finds ``rfc3987-syntax`` and builds a Lark grammar,
1.2-1.6 s a time that a course installing the peer on its own never pays.

The environments live outside the repository (``$XDG_CACHE_HOME/autograder-bench`` or
``~/.cache/autograder-bench``, or ``AUTOGRADER_BENCH_ENVS``), are made once and reused while
their requirements stay the same (the folder name hashes them).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

#: What the exercises' notebooks import, pinned to this environment's versions.
STACK = ("numpy", "scipy", "matplotlib")
PEERS = {
    "nbgrader": ["nbgrader==0.9.6", "ipykernel"],
    # otter-grader does not depend on a kernel: a course environment has ipykernel beside it.
    "otter": ["otter-grader>=7,<8", "ipykernel"],
}


def requirements(peer: str) -> list[str]:
    return PEERS[peer] + [f"{name}=={metadata.version(name)}" for name in STACK]


def home() -> Path:
    chosen = os.environ.get("AUTOGRADER_BENCH_ENVS")
    if chosen:
        return Path(chosen)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "autograder-bench"


def python(peer: str, log=print) -> Path:
    """The interpreter of the peer's own environment, made (a few minutes, once) if missing."""
    wanted = requirements(peer)
    digest = hashlib.sha256("\n".join([sys.version, *wanted]).encode()).hexdigest()[:12]
    folder = home() / f"{peer}-{digest}"
    interpreter = folder / "bin" / "python"
    done = folder / ".installed"
    if done.is_file():
        return interpreter
    log(f"  making a clean environment for {peer} in {folder}: pip install {' '.join(wanted)}")
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    subprocess.run([str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted],
                   check=True)
    done.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    return interpreter


def env(peer_python: Path, **extra: str) -> dict[str, str]:
    """The environment a peer's commands run in: its own bin/ first, nothing of this project's venv."""
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    bin_dir = str(peer_python.parent)
    project_bin = str(Path(sys.executable).parent)
    path = [p for p in base.get("PATH", "").split(os.pathsep) if p and p != project_bin]
    base["PATH"] = os.pathsep.join([bin_dir, *path])
    base["VIRTUAL_ENV"] = str(peer_python.parent.parent)
    base["MPLBACKEND"] = "Agg"
    base.update(extra)
    return base
