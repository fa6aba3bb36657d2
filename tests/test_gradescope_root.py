"""The Gradescope export proven in a fresh Debian root, not assumed: setup.sh, then run_autograder.

Runs under ``make test-gradescope`` only (``--gradescope-root``; ``make test`` leaves it out):
it needs root (mmdebstrap, mounts, chroot) and the network the first time. A minimal Debian
bookworm root, built once by ``mmdebstrap`` from the Debian mirror apt already uses here, is
unpacked fresh for every run and laid out as Gradescope lays out its container
(``/autograder/source``, ``/autograder/submission``, ``/autograder/results``). In a private mount
and pid namespace with ``/proc`` mounted, ``setup.sh`` runs as root from empty package lists (it
must update them and install Python 3.11 with apt), then ``run_autograder`` grades, with the
kernel layers (Landlock, seccomp, the uid drop) required. Its results.json must give every check
the score the batch grader gives the same files. What an Ubuntu image adds (the deadsnakes PPA)
cannot run in a Debian root: docs/lms-and-gradescope.md says so.

Cached between runs (``~/.cache/mle-em-gradescope-root``): the root tarball, apt's downloaded
packages and a wheelhouse the host's pip fills from requirements.txt; setup.sh's pip installs
from that wheelhouse (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``), so a warm run needs the network only
for apt's package lists. A root that cannot be built fails the test, loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.generation import sample_cohort
from autograder.routes.gradescope import export_zip, requirements

pytestmark = [pytest.mark.slow, pytest.mark.gradescope_root]

REPO = Path(__file__).resolve().parent.parent
SUITE = "bookworm"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mle-em-gradescope-root"
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MISTAKE = ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)")
#: A student's module that tries, at import, to forge its grade beside results.json.
FORGERY = ("try:\n    open('/autograder/results/forged.json', 'w').write('{\"score\": 1000}')\n"
           "except OSError:\n    pass\n\n")


def debian_mirror() -> str:
    """The Debian archive apt uses on this machine (deb822 ``.sources`` or one-line ``.list``)."""
    found = []
    apt = Path("/etc/apt")
    for path in [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*"))]:
        if not path.is_file() or path.suffix not in (".list", ".sources", ""):
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
                if "deb" in fields.get("Types", "").split() and SUITE in fields.get("Suites", "").split():
                    found += fields.get("URIs", "").split()
        else:
            for line in text.splitlines():
                words = re.sub(r"\[.*?\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
                    found.append(words[1])
    return next((uri.rstrip("/") for uri in found if "security" not in uri), "http://deb.debian.org/debian")


def _run(command: list[str], what: str, timeout: int, **kwargs) -> subprocess.CompletedProcess:
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    print(f"{what}: {time.monotonic() - started:.1f} s (rc {result.returncode})")
    if result.returncode != 0:
        pytest.fail(f"{what} failed (rc {result.returncode}): {' '.join(command[:3])} ...\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}", pytrace=False)
    return result


def root_tarball() -> Path:
    """A minimal Debian root (mmdebstrap's minbase), built once per mirror and kept."""
    if os.geteuid() != 0:
        pytest.fail("the Gradescope root test needs root (mmdebstrap, mount, chroot): run "
                    "`make test-gradescope` as root, in a VM or a CI runner", pytrace=False)
    mmdebstrap = shutil.which("mmdebstrap")
    if mmdebstrap is None:
        pytest.fail("mmdebstrap is not installed: `apt-get install -y mmdebstrap` (Debian's package), "
                    "then `make test-gradescope` again", pytrace=False)
    mirror = debian_mirror()
    tarball = CACHE / f"{SUITE}-minbase-{hashlib.sha256(mirror.encode()).hexdigest()[:12]}.tar"
    if not tarball.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = tarball.with_suffix(".partial.tar")  # mmdebstrap picks its output format by the suffix
        _run([mmdebstrap, "--variant=minbase", "--quiet", SUITE, str(partial),
              f"deb {mirror} {SUITE} main", f"deb {mirror} {SUITE}-updates main"],
             f"mmdebstrap {SUITE} from {mirror}", timeout=1800)
        partial.replace(tarball)
    return tarball


def wheelhouse(requirements_txt: str) -> Path:
    """The grading packages' wheels for CPython 3.11 (bookworm's), fetched by the host's pip once."""
    folder = CACHE / f"wheels-{hashlib.sha256(requirements_txt.encode()).hexdigest()[:12]}"
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "requirements.txt").write_text(requirements_txt)
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--python-version", "3.11",
              "--dest", str(folder), "-r", str(folder / "requirements.txt"), "pip"],
             "pip download (the wheelhouse)", timeout=1800)
        (folder / ".complete").touch()
    return folder


def in_root(root: Path, command: str, what: str, binds: dict[Path, str], env: dict[str, str],
            read_only: tuple[str, ...] = ()) -> str:
    """Run ``command`` (bash) as root inside ``root``: private mount and pid namespaces, /proc and
    /dev mounted, ``binds`` (host folder -> path in the root; those in ``read_only`` read-only)
    mounted; nothing leaks to the host."""
    mounts = ['set -eu', 'mount -t proc proc "$R/proc"', 'mount --rbind /dev "$R/dev"']
    for source, target in binds.items():
        mounts += [f'mkdir -p "$R{target}"', f'mount --bind "{source}" "$R{target}"']
        if target in read_only:
            mounts.append(f'mount -o remount,bind,ro "$R{target}"')
    variables = [f"{k}={v}" for k, v in {"PATH": CHROOT_PATH, "HOME": "/root", "LANG": "C.UTF-8", **env}.items()]
    script = "\n".join(mounts + ['exec chroot "$R" /usr/bin/env -i "$@"'])
    return _run(["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--",
                 "bash", "-c", script, "in-root", *variables, "bash", "-c", command],
                what, timeout=1800, env={**os.environ, "R": str(root)}).stdout


def _no_mounts_under(root: Path) -> bool:
    return not any(line.split()[4].startswith(str(root)) for line in
                   Path("/proc/self/mountinfo").read_text().splitlines())


@pytest.fixture
def fresh_root(tmp_path):
    tarball = root_tarball()
    root = tmp_path / "root"
    root.mkdir()
    started = time.monotonic()
    _run(["tar", "--extract", "--file", str(tarball), "--directory", str(root), "--numeric-owner"],
         "unpacking the root", timeout=600)  # devices, owners and modes as mmdebstrap made them
    print(f"unpacked {tarball.name}: {time.monotonic() - started:.1f} s")
    yield root
    assert _no_mounts_under(root), f"a mount under {root} leaked out of its namespace: left in place"
    shutil.rmtree(root)


def submission_files() -> dict[str, str]:
    """A classic mistake (some checks fail), a correct exercise, a forgery attempt, a syntax error."""
    return {
        "gaussian_mle.py": sample_cohort.edited("gaussian_mle", MISTAKE),
        "kmeans.py": sample_cohort.solved("kmeans"),
        "mse_nll.py": FORGERY + sample_cohort.solved("mse_nll"),
        "em_gmm.py": "def e_step(x, weights, means, variances)\n    return 0\n",
    }


def batch_results(tmp_path: Path, files: dict[str, str]) -> dict:
    folder = tmp_path / "cohort" / "student"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    _run([sys.executable, "-m", "autograder", "grade", str(folder.parent), "--out", str(out), "--jobs", "1",
          "--progress", "lines"], "the batch grader on the same files", timeout=900, cwd=REPO)
    return json.loads((out / "student" / "results.json").read_text(encoding="utf-8"))


def test_export_grades_in_a_fresh_debian_root_as_the_batch_grader_does(fresh_root, tmp_path):
    files = submission_files()
    autograder = fresh_root / "autograder"
    with zipfile.ZipFile(export_zip(tmp_path / "autograder.zip")) as zf:
        zf.extractall(autograder / "source")  # Gradescope unpacks the zip into /autograder/source ...
    for name in ("setup.sh", "run_autograder"):
        (autograder / "source" / name).chmod(0o755)  # ... keeping the modes the zip records
    shutil.copy2(autograder / "source" / "run_autograder", autograder / "run_autograder")
    (autograder / "submission").mkdir()
    (autograder / "results").mkdir()
    for name, text in files.items():
        (autograder / "submission" / name).write_text(text, encoding="utf-8")
    assert not (fresh_root / "usr/bin/python3").exists(), "the root should start without Python"
    assert not any((fresh_root / "var/lib/apt/lists").glob("*_Packages")), "the root should start without lists"

    apt_cache = CACHE / "apt-archives"
    apt_cache.mkdir(parents=True, exist_ok=True)
    wheels = wheelhouse(requirements())
    setup = in_root(fresh_root, "cd /autograder/source && ./setup.sh", "setup.sh in the root",
                    binds={apt_cache: "/var/cache/apt/archives", wheels: "/wheelhouse"},
                    env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheelhouse"}, read_only=("/wheelhouse",))
    assert "Python 3.11" in setup, setup[-2000:]
    in_root(fresh_root, "/autograder/run_autograder", "run_autograder in the root", binds={}, env={})

    results = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["isolation"] == "kernel"  # run_autograder refuses to grade unless the kernel layers hold
    assert not (autograder / "results" / "forged.json").exists(), "student code wrote beside results.json"
    expected = batch_results(tmp_path, files)

    def scores(r: dict) -> dict:
        return {t["name"]: (t["score"], t["max_score"], t["status"]) for t in r["tests"]}

    assert scores(results) == scores(expected)
    assert results["score"] == expected["score"]
    # The files exercise what they should: a mistake named, full marks, the forgery refused, a syntax error.
    def exercise(slug: str) -> list[dict]:
        return [t for t in results["tests"] if slug in t["tags"]]

    assert any("n - 1" in t["output"] for t in exercise("gaussian_mle"))
    assert all(t["score"] == t["max_score"] for t in exercise("kmeans"))
    assert all(t["score"] == 0 and "forged.json" in t["output"] for t in exercise("mse_nll"))
    assert "SyntaxError" in results["output"]
