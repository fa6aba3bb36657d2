"""The grading process never trusts what a child sends back or leaves in its scratch folder.

A submission's code can reach the reply socket (it is in the serve loop's
frame) and write anything on it; it can also replace any file of its scratch
folder. Each attack here must cost only the call it was made in (never a
grader error, never another function's points), finish within the call's time
limit, and leave the grader's memory alone; printing must cost nothing.
"""

from __future__ import annotations

import json
import socket
import struct
import textwrap
import threading
import time
import tracemalloc

import numpy as np
import pytest

from autograder.generation import sample_cohort
from autograder.core.grading import grade_module
from autograder.sandbox import Limits, wire

SLUG = "kmeans"
LIMITS = Limits(call_timeout=2.0, load_timeout=10.0)
BUDGET = 40.0
#: The serve loop's socket, as a submission finds it.
CONN = "import sys\n_conn = sys._getframe(1).f_locals['conn']\n"


def replaced(function: str, body: str) -> str:
    """The reference kmeans with ``function``'s body replaced by ``body``."""
    source = sample_cohort.solved(SLUG)
    start = source.index(f"def {function}(")
    end = source.find("\ndef ", start + 1)
    signature = source[start: source.index(":\n", start) + 2]
    return source[:start] + signature + textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n\n" + \
        (source[end:] if end != -1 else "")


def forged(message: dict, buffers=()) -> str:
    """Body that writes ``message`` as a reply by hand, then waits to be killed."""
    return CONN + f"""
import json, struct, time
data = {json.dumps(message)!r}.encode()
_conn.sendall(struct.pack(">II", len(data), {len(buffers)}) + data)
for b in {list(buffers)!r}:
    _conn.sendall(struct.pack(">Q", len(b)) + b)
time.sleep(60)
"""


def by_function(result) -> dict[str, list]:
    table: dict[str, list] = {}
    for r in result.results:
        table.setdefault(r.function, []).append(r)
    return table


def graded(zygote, tmp_path, source: str):
    path = tmp_path / f"{SLUG}.py"
    path.write_text(source)
    start = time.monotonic()
    result = grade_module(SLUG, path, zygote, limits=LIMITS, budget=BUDGET)
    return result, time.monotonic() - start


def only_update_centers_and_its_caller_fail(result):
    """update_centers is the attacked function; fit_kmeans calls it, the others keep their points."""
    assert result.status == "graded", result.message
    table = by_function(result)
    for function in ("assign_clusters", "hard_responsibilities"):
        assert all(r.status == "passed" for r in table[function]), table[function]
    assert all(r.points == 0 for r in table["update_centers"])
    assert all(r.status != "grader_error" for r in result.results)
    return table


DRIBBLE = CONN + """
import struct, time
_conn.sendall(struct.pack(">II", 400, 0))
while True:
    _conn.sendall(b" ")
    time.sleep(0.05)
"""


def test_a_reply_dribbled_a_byte_at_a_time_times_out_at_the_calls_limit(zygote, tmp_path):
    result, elapsed = graded(zygote, tmp_path, replaced("update_centers", DRIBBLE))
    table = only_update_centers_and_its_caller_fail(result)
    assert "time limit" in table["update_centers"][0].message
    calls = len(table["update_centers"]) + len(table["fit_kmeans"])
    assert elapsed < BUDGET and elapsed < calls * LIMITS.call_timeout + 20


@pytest.mark.parametrize("body, says", [
    (CONN + "import struct, time\n_conn.sendall(struct.pack('>II', 200 << 20, 0))\ntime.sleep(60)",
     "over the limit"),
    (CONN + "import struct, time\nbody = b'[' + b'[],' * (5 << 20) + b'[]]'\n"
            "_conn.sendall(struct.pack('>II', len(body), 0) + body)\ntime.sleep(60)", "values is over the limit"),
    (forged({"status": "returned", "value": {"__nd__": 0, "dtype": "<f8", "shape": [2**31, 2**31, 2**31]}},
            [b"12345678"]), "does not match its shape"),
    (forged({"status": "returned", "value": {"__nd__": 0, "dtype": "<f8", "shape": [2**64, 2]}},
            [b"12345678"]), "bad shape"),
    (forged({"status": "returned", "value": 1.0, "mutated": [float("inf")]}), "OverflowError"),
    (forged({"status": "returned", "value": {"__bogus__": 1}}), "unknown tagged object"),
    (forged({"status": "returned", "value": json.loads("[" * 60 + "1" + "]" * 60)}), "nested too deeply"),
    (forged({"status": "crashed-on-purpose"}), "unknown status"),
    (CONN + "import time\n_conn.sendall(b'[1, 2]'[:4] * 3)\ntime.sleep(60)", "cannot read"),
])
def test_a_forged_reply_fails_that_call_as_the_students_fault(zygote, tmp_path, body, says):
    result, elapsed = graded(zygote, tmp_path, replaced("update_centers", body))
    table = only_update_centers_and_its_caller_fail(result)
    messages = " | ".join(r.message for r in table["update_centers"])
    assert "cannot read" in messages and says in messages, messages
    assert "not your mistake" not in messages and "grader failed" not in messages
    assert elapsed < BUDGET


def test_an_oversized_reply_is_refused_before_it_is_decoded():
    """16 MB of ``[],`` would be ~300 MB of lists: refused from a count of the bytes, not parsed."""
    ours, theirs = socket.socketpair()
    body = b"[" + b"[]," * (5 << 20) + b"[]]"

    def write():
        try:
            theirs.sendall(struct.pack(">II", len(body), 0) + body)
        except OSError:
            pass

    writer = threading.Thread(target=write)
    writer.start()
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError, match="over the limit"):
            wire.recv(ours, deadline=time.monotonic() + 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        ours.close()
        writer.join()
        theirs.close()
    assert peak < 3 * len(body), f"{peak / 2**20:.0f} MB while refusing a {len(body) / 2**20:.0f} MB reply"


def test_the_deadline_covers_the_whole_message():
    ours, theirs = socket.socketpair()
    stop = threading.Event()

    def dribble():
        theirs.sendall(struct.pack(">II", 100, 0))
        while not stop.is_set():
            try:
                theirs.sendall(b" ")
            except OSError:
                return
            time.sleep(0.02)

    writer = threading.Thread(target=dribble)
    writer.start()
    start = time.monotonic()
    try:
        with pytest.raises(socket.timeout):
            wire.recv(ours, deadline=start + 0.5)
    finally:
        stop.set()
        ours.close()
        writer.join()
        theirs.close()
    assert time.monotonic() - start < 1.5


NOISY = """
def _noise():
    print("spam " * 10000)


def update_centers(x, labels, centers):
    _noise()
"""


def test_printing_costs_nothing_and_is_cut_with_a_note(zygote, tmp_path):
    source = sample_cohort.solved(SLUG).replace("\ndef update_centers(x, labels, centers):\n", NOISY, 1)
    assert "_noise()" in source
    result, elapsed = graded(zygote, tmp_path, source)
    assert result.status == "graded", result.message
    assert all(r.status == "passed" for r in result.results), [r.message for r in result.results if r.message]
    assert "output cut after 4000 characters" in result.output and "printing costs no points" in result.output
    assert elapsed < BUDGET


FIFO = """
import os
for name in ("output.txt", "stdout.txt"):
    try:
        os.remove(name)
    except OSError:
        pass
    try:
        os.mkfifo(name)
    except OSError:  # the kernel layers refuse FIFOs in the scratch folder
        pass
print("planted")
"""
LINK = """
import os
for name in ("output.txt", "stdout.txt"):
    try:
        os.remove(name)
    except OSError:
        pass
    try:
        os.symlink("/etc/passwd", name)
    except OSError:  # the kernel layers refuse symlinks in the scratch folder
        pass
print("planted")
"""


@pytest.mark.parametrize("planted", [FIFO, LINK], ids=["fifo", "symlink"])
def test_links_and_fifos_planted_in_the_scratch_folder_are_harmless(zygote, tmp_path, planted):
    """With the audit hook off when the sandbox has that switch (the kernel layers alone), else on:
    either the attempt is refused, or the grader, which reads nothing back from the folder, is
    neither blocked nor made to show another file."""
    hook_off = "audit_hook" in Limits.__dataclass_fields__
    limits = Limits(call_timeout=2.0, load_timeout=10.0, **({"audit_hook": False} if hook_off else {}))
    path = tmp_path / f"{SLUG}.py"
    path.write_text(sample_cohort.solved(SLUG) + "\n" + planted)
    start = time.monotonic()
    result = grade_module(SLUG, path, zygote, limits=limits, budget=BUDGET)
    assert time.monotonic() - start < BUDGET
    assert "root:" not in result.output + result.message
    if result.status == "blocked":
        assert not hook_off and planted is LINK and "outside its own folder" in result.message
    else:
        assert result.status == "graded" and all(r.status == "passed" for r in result.results)
        assert "planted" in result.output


@pytest.mark.slow
def test_in_a_batch_each_attack_costs_only_its_own_call(tmp_path):
    import csv
    import os
    import subprocess
    import sys

    from autograder.core.manifest import ROOT

    students = {
        "honest": sample_cohort.solved(SLUG),
        "dribbler": replaced("update_centers", DRIBBLE),
        "oversized": replaced("update_centers", CONN + "import struct, time\n"
                              "_conn.sendall(struct.pack('>II', 200 << 20, 0))\ntime.sleep(60)"),
        "forger": replaced("update_centers", forged({"status": "returned", "value": {"__bogus__": 1}})),
        "planter": sample_cohort.solved(SLUG).replace("\ndef update_centers(x, labels, centers):\n", NOISY, 1)
                   + "\n" + FIFO,
    }
    for name, source in students.items():
        (tmp_path / "cohort" / name).mkdir(parents=True)
        (tmp_path / "cohort" / name / f"{SLUG}.py").write_text(source)
    out = tmp_path / "out"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "cohort"), "--out",
                             str(out), "--exercise", SLUG, "--timeout", "2", "--jobs", "2"],
                            cwd=ROOT, env={**os.environ, "CI": "1"}, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert rows["honest"][SLUG] == "15" and rows["planter"][SLUG] == "15"
    for name in ("dribbler", "oversized", "forger"):
        assert rows[name]["status"] == "graded" and 0 < float(rows[name][SLUG]) < 15, rows[name]
        record = json.loads((out / name / "record.json").read_text(encoding="utf-8"))
        [ex] = record["exercises"]
        assert all(r["status"] == "passed" for r in ex["results"] if r["function"] == "assign_clusters")
    assert "output cut after" in (out / "planter" / "feedback.md").read_text(encoding="utf-8")
    assert elapsed < 300, f"{elapsed:.0f} s"


def test_a_forged_sandbox_error_is_the_students_bad_reply_never_a_grader_error(zygote, tmp_path):
    """Only the child's first message, sent before any student code exists, may say the sandbox
    failed; the same words from the submission fail its own call."""
    fake = forged({"status": "sandbox_error", "error": {"type": "ConfinementError", "message": "forged"}})
    result, _ = graded(zygote, tmp_path, replaced("update_centers", fake))
    table = only_update_centers_and_its_caller_fail(result)
    assert "unknown status 'sandbox_error'" in table["update_centers"][0].message


    path = tmp_path / "at_import" / f"{SLUG}.py"
    path.parent.mkdir()
    path.write_text("import sys\nfor _depth in range(1, 12):\n    _f = sys._getframe(_depth)\n"
                    "    if 'conn' in _f.f_locals:\n        _conn = _f.f_locals['conn']\n        break\n"
                    + textwrap.dedent(fake.split("\n", 2)[2]) + sample_cohort.solved(SLUG))
    result = grade_module(SLUG, path, zygote, limits=LIMITS, budget=BUDGET)
    assert result.status == "load_error" and "cannot read" in result.message, result.message
    assert all(r.status != "grader_error" for r in result.results)


def test_received_arrays_never_share_memory_even_when_a_reply_names_one_buffer_twice():
    """Arrays keep the buffers ``recv`` read for them (no copy); a forged reply naming one buffer
    for two arrays still gets two arrays, so changing one cannot change what a check compares."""
    ours, theirs = socket.socketpair()
    try:
        one = {"__nd__": 0, "dtype": "<f8", "shape": [2]}
        wire.send(theirs, {"value": [one, one]}, [np.array([1.0, 2.0]).view(np.uint8)])
        message, buffers = wire.recv(ours, deadline=time.monotonic() + 30)
    finally:
        ours.close()
        theirs.close()
    first, second = wire.decode(message["value"], buffers)
    first[0] = 99.0
    assert second.tolist() == [1.0, 2.0] and not np.shares_memory(first, second)
    assert first.flags.writeable and second.flags.writeable


def test_an_array_sent_without_a_copy_arrives_whole_and_the_senders_array_stays_its_own():
    """``encode`` hands ``send`` the array's own memory (no copy): what arrives is equal, in the
    wire's dtype, and decoding a message made in this process copies (``warm_up`` does that)."""
    sent, counts = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)), np.arange(5)
    buffers: list = []
    encoded = wire.encode((sent, counts, np.array([True, False])), buffers)
    ours, theirs = socket.socketpair()
    try:
        wire.send(theirs, encoded, buffers)
        message, received = wire.recv(ours, deadline=time.monotonic() + 30)
    finally:
        ours.close()
        theirs.close()
    floats, ints, flags = wire.decode(message, received)
    assert floats.dtype == np.float64 and np.array_equal(floats, sent)
    assert ints.dtype == np.int64 and ints.tolist() == [0, 1, 2, 3, 4] and flags.tolist() == [True, False]
    same_process = wire.decode(encoded, buffers)[1]
    same_process[0] = 7
    assert counts[0] == 0 and not np.shares_memory(same_process, counts)
