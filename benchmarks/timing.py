"""Small timing helpers shared by the benchmarks: wall clock of a command or a call."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sample:
    """Repeated wall-clock times of one thing, in seconds."""

    times: list[float]

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment every timed command gets: the venv's bin/ first, a headless plot backend."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    env.update(extra)
    return env


def run_timed(command: list[str], *, cwd: Path | None = None, env: dict | None = None,
              check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``command``; returns its wall time and the finished process (output captured)."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env or bench_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} exited with {done.returncode}:\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, done


def run_watched(command: list[str], marker: str, *, cwd: Path | None = None,
                env: dict | None = None) -> tuple[float, float, str, str]:
    """Run ``command``; returns the seconds until a stdout line matches the regular expression
    ``marker`` (the whole time if none does), the whole wall time, stdout and stderr."""
    start = time.perf_counter()
    first = None
    lines = []
    with subprocess.Popen(command, cwd=cwd, env=env or bench_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        for line in process.stdout:
            if first is None and re.match(marker, line):
                first = time.perf_counter() - start
            lines.append(line)
        stderr = process.stderr.read()
        code = process.wait()
    seconds = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} exited with {code}:\n"
                           f"{''.join(lines)[-2000:]}\n{stderr[-2000:]}")
    return (seconds if first is None else first), seconds, "".join(lines), stderr


def repeat_command(command: list[str], repeats: int, **kwargs) -> Sample:
    return Sample([run_timed(command, **kwargs)[0] for _ in range(repeats)])

