"""Grade a cohort of submissions: grades.csv, per-student results.json and feedback, a class summary.

    python -m autograder grade SUBMISSIONS --out OUT

SUBMISSIONS is a folder with one folder per student, a .zip of such folders,
or an nbgrader course (submitted/<student>/<assignment>/). Students are graded
in parallel, each worker owning one warm sandbox; each student's files are
written the moment they are graded, so a run that is stopped resumes where it
stopped, and a re-run skips students whose files have not changed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.util
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..core.escaping import escape_controls
from ..core.grading import all_slugs, checks_for
from .reports import fmt_points, grades_csv, write_student_reports, write_summary
from ..core.policy import DEFAULT as DEFAULT_POLICY
from ..core.policy import Policy
from ..sandbox import Zygote
from ..sandbox.isolation import ISOLATIONS, KERNEL, IsolationUnavailable, describe, require
from ..core.record import StudentRecord, StudentStatus
from ..core.student import (ZygoteKeeper, failed_record, grade_student, grader_fingerprint,
                            output_folder, read_record, save_record, write_atomic)
from ..core.submissions import Cohort, Submission, SubmissionsError, find_cohort

DEFAULT_TIMEOUT = DEFAULT_POLICY.call_timeout
DEFAULT_BUDGET = DEFAULT_POLICY.budget
DEFAULT_MEMORY_MB = DEFAULT_POLICY.memory_mb


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path,
                        help="folder of student folders, a .zip of them, or an nbgrader course folder")
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv and the reports go")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="students graded at once (default: all cores)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds one call of a student function may take (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET,
                        help=f"seconds all checks of one exercise may take (default {DEFAULT_BUDGET:g})")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB,
                        help=f"MB of memory student code may add (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--exercise", action="append", choices=all_slugs(), metavar="SLUG",
                        help="grade only this exercise (repeatable; default: all)")
    parser.add_argument("--force", action="store_true", help="re-grade students whose files have not changed")
    parser.add_argument("--progress", choices=("auto", "bar", "lines"), default="auto",
                        help="a progress bar (auto: on a terminal outside CI) or one line per student")
    parser.add_argument("--isolation", choices=ISOLATIONS, default=KERNEL,
                        help="kernel (default: Landlock, seccomp, an unprivileged uid; refuses to run where "
                             "they do not hold) or audit-hook-only (weaker; recorded in every report)")


def options_from(args) -> dict:
    """What decides a grade besides the code: the policy and the exercises (part of the grader fingerprint)."""
    policy = Policy(call_timeout=args.timeout, budget=args.budget, memory_mb=args.memory,
                    isolation=args.isolation)
    return {"policy": policy.as_dict(), "slugs": args.exercise or all_slugs()}


# --------------------------------------------------------------------------
# Workers: each owns one sandbox for its whole life
# --------------------------------------------------------------------------

_KEEPER: ZygoteKeeper | None = None


class SharedZygote:
    """The run's one zygote, started in the main process while the workers start; each worker
    gets a line to it (``lines``), so a run imports the scientific stack once, not once per worker.

    Started in a thread: nothing waits for it but the workers' first students. A worker whose
    line fails (this zygote could not start, or died) starts a zygote of its own.
    """

    def __init__(self) -> None:
        self.zygote: Zygote | None = None
        self._lock = threading.Lock()
        self._started = False
        self._waiting: list[socket.socket] = []
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            zygote = Zygote()
        except Exception:  # the workers see their lines close and start their own
            zygote = None
        with self._lock:
            self.zygote, self._started = zygote, True
            waiting, self._waiting = self._waiting, []
        for end in waiting:
            self._attach(end)

    def _attach(self, end: socket.socket) -> None:
        try:
            if self.zygote is not None:
                self.zygote.attach(end)
        except OSError:
            pass
        finally:
            end.close()  # the zygote holds its own copy now; without one the worker reads EOF

    def lines(self, count: int) -> list[socket.socket]:
        """``count`` control sockets for workers, each answered by this zygote once it is ready."""
        ours = []
        for _ in range(count):
            worker_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            ours.append(worker_end)
            with self._lock:
                if not self._started:
                    self._waiting.append(zygote_end)
                    continue
            self._attach(zygote_end)
        return ours

    def close(self) -> None:
        self._thread.join()
        if self.zygote is not None:
            self.zygote.close()


def _start_worker(lines: list[socket.socket] = (), taken=None, slugs: list[str] | None = None) -> None:
    """Take this worker's line to the run's zygote, then import the checks while it gets ready.

    ``taken`` counts the lines workers have taken (shared memory): each worker its own.
    """
    global _KEEPER
    mine = None
    if taken is not None:
        with taken.get_lock():
            index, taken.value = taken.value, taken.value + 1
        for number, line in enumerate(lines):
            if number == index:
                mine = line
            else:
                line.close()
    _KEEPER = ZygoteKeeper(mine)
    _KEEPER.start_in_background()
    # Pool workers leave through multiprocessing's exit path, which runs these (not atexit).
    multiprocessing.util.Finalize(_KEEPER, _KEEPER.close, exitpriority=10)
    for slug in slugs or all_slugs():
        checks_for(slug)


def pool_context(slugs: list[str]):
    """Workers forked from a server that imported the grader and the checks of ``slugs`` once,
    and asked the references their checks' questions (``forkserver``): each worker starts warm
    instead of importing and computing them again. ``spawn`` where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.routes.forkserver_exit", __name__,
                                    *(f"autograder.checks.{slug}" for slug in slugs),
                                    "autograder.routes.forkserver_warm_up"])
    return context


def grade_and_write(submission: Submission, folder: Path, options: dict, grader: str) -> StudentRecord:
    """Grade one student and write their reports, then their record (the commit point)."""
    global _KEEPER
    if _KEEPER is None:
        _KEEPER = ZygoteKeeper()
    record = grade_student(submission, _KEEPER, slugs=options["slugs"],
                           policy=Policy.from_dict(options["policy"]), grader=grader)
    commit(folder, record)
    return record


def commit(folder: Path, record: StudentRecord) -> None:
    write_student_reports(folder, record)
    save_record(folder, record)


# --------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------

class Progress:
    """A tqdm bar with ETA on a terminal; one plain line per student otherwise (logs, CI)."""

    def __init__(self, total: int, mode: str):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() and not os.environ.get("CI") else "lines"
        self.total, self.done, self.bar = total, 0, None
        if mode == "bar" and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="student", dynamic_ncols=True, file=sys.stderr)

    def update(self, record: StudentRecord) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(printable(record.student)[:30], refresh=False)
            self.bar.update(1)
        else:
            print(f"[{self.done:>{len(str(self.total))}}/{self.total}] {printable(record.student)}: "
                  f"{fmt_points(record.points)}/{fmt_points(record.max_points)} {record.status} "
                  f"({record.seconds:.1f} s)", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------
# The verb
# --------------------------------------------------------------------------

def run(args) -> int:
    options = options_from(args)
    try:
        require(options["policy"]["isolation"])  # fail closed: no student code without the kernel layers
    except IsolationUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="cohort-"))
    try:
        return _run(args, options, out, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, options: dict, out: Path, scratch: Path) -> int:
    start = time.monotonic()
    try:
        cohort = find_cohort(args.submissions, scratch, all_slugs())  # every file: siblings import each other
    except SubmissionsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in cohort.notes:
        print(f"note: {note}", file=sys.stderr)
    if not cohort.submissions:
        print(f"error: no student folders found in {args.submissions}.", file=sys.stderr)
        return 1
    status, _records = grade_cohort(cohort, args, options, out, start)
    return status


def grade_cohort(cohort: Cohort, args, options: dict, out: Path,
                 start: float | None = None) -> tuple[int, list[StudentRecord]]:
    """Grade a found cohort into OUT (records, reports, grades.csv, summary); (exit status, records).

    ``args`` carries ``force``, ``jobs`` and ``progress``. Shared by ``grade`` and the
    nbgrader route, which finds its cohort in nbgrader's own layout.
    """
    start = time.monotonic() if start is None else start
    grader = grader_fingerprint(options)
    folders = output_folders(out, [s.student for s in cohort.submissions])
    records: dict[str, StudentRecord] = {}
    todo: list[Submission] = []
    for submission in cohort.submissions:
        folder = folders[submission.student]
        record = None if args.force else read_record(folder)
        if (record and record.grader == grader and record.status != StudentStatus.GRADER_ERROR
                and record.fingerprint == submission.fingerprint()):
            records[submission.student] = record
            if not all((folder / name).exists() for name in ("results.json", "feedback.md", "feedback.html")):
                write_student_reports(folder, record)
        else:
            todo.append(submission)
    skipped = len(records)
    print(f"Grading {len(todo)} of {len(cohort.submissions)} students"
          + (f" ({skipped} unchanged since the last run: skipped; --force re-grades them)" if skipped else "")
          + f" with {min(args.jobs, max(1, len(todo)))} worker(s).", flush=True)
    progress = Progress(len(todo), args.progress)
    try:
        records.update(_grade_all(todo, folders, options, grader, max(1, args.jobs), progress))
    finally:
        progress.close()
    ordered = [records[s.student] for s in cohort.submissions if s.student in records]
    relative = {s: str(f.relative_to(out) / "feedback.md") for s, f in folders.items()}
    columns = all_slugs()  # the gradebook always has every exercise's column (SPEC), blank if not graded
    write_atomic(out / "grades.csv", grades_csv(ordered, columns, relative))
    write_summary(out, ordered, columns, relative)
    print_class_table(ordered, columns)
    print(f"Isolation: {describe(options['policy']['isolation'])}.")
    elapsed = time.monotonic() - start
    print(f"\n{len(ordered)} students in {elapsed:.1f} s"
          + (f" ({elapsed / len(todo):.2f} s per graded student)" if todo else "") + ".")
    print(f"Gradebook: {out / 'grades.csv'}\nClass summary: {out / 'summary.md'} and {out / 'summary.png'}\n"
          f"Per student: {out}/<student>/feedback.md, feedback.html, results.json")
    missing = len(cohort.submissions) - len(ordered)
    if missing:
        print(f"error: {missing} student(s) got no row.", file=sys.stderr)
        return 1, ordered
    return 0, ordered


def _grade_all(todo: list[Submission], folders: dict, options: dict, grader: str, jobs: int,
               progress: Progress) -> dict[str, StudentRecord]:
    """Grade in a pool; a student whose worker died is retried once, then recorded as a grader error."""
    done: dict[str, StudentRecord] = {}
    attempts: dict[str, int] = {}
    pending = list(todo)
    shared = SharedZygote() if pending else None
    plotting = threading.Thread(target=_import_plotting, daemon=True)
    context = pool_context(options["slugs"])
    try:
        while pending:
            failed: list[tuple[Submission, str]] = []
            workers = min(jobs, len(pending))
            lines = shared.lines(workers)
            try:
                with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                         initargs=(lines, context.Value("i", 0), options["slugs"])) as pool:
                    futures = {pool.submit(grade_and_write, s, folders[s.student], options, grader): s
                               for s in pending}
                    if plotting.ident is None:  # not started yet
                        # The summary's plotting imports, now that the workers are started: before,
                        # they would slow the zygote's imports, which the first student waits for.
                        plotting.start()
                    for future in as_completed(futures):
                        submission = futures[future]
                        try:
                            record = future.result()
                        except BrokenProcessPool as exc:
                            failed.append((submission, f"the grading process stopped ({exc})"))
                            continue
                        except Exception as exc:
                            failed.append((submission, f"{type(exc).__name__}: {exc}"))
                            continue
                        done[submission.student] = record
                        progress.update(record)
            finally:
                for line in lines:
                    line.close()
            pending = []
            for submission, reason in failed:
                attempts[submission.student] = attempts.get(submission.student, 0) + 1
                if attempts[submission.student] < 2:
                    pending.append(submission)
                else:
                    record = failed_record(submission, options["slugs"], reason, grader,
                                           isolation=options["policy"]["isolation"])
                    commit(folders[submission.student], record)
                    done[submission.student] = record
                    progress.update(record)
            jobs = 1  # retry the survivors one at a time: a crash then hurts no one else
    finally:
        if shared is not None:
            shared.close()
    return done


def _import_plotting() -> None:
    """Import what summary.png needs in the background: a small cohort would wait for it at the end."""
    try:
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401
    except Exception:  # summary.png reports its own failure
        pass


def printable(text: str) -> str:
    """A student id safe to print on a terminal (no escape sequences, no line breaks)."""
    return escape_controls(text)


def output_folders(out: Path, students: list[str]) -> dict[str, Path]:
    """One distinct output folder per student, even where two ids would share one.

    Ids are already distinct, but their folder names may not be: control
    characters are written as escapes, and a file system may ignore case.
    """
    folders: dict[str, Path] = {}
    used: set[str] = set()
    for student in students:
        folder = output_folder(out, student)
        number = 1
        while folder.name.casefold() in used:
            number += 1
            folder = output_folder(out, student).with_name(f"{output_folder(out, student).name} ({number})")
        used.add(folder.name.casefold())
        folders[student] = folder
    return folders


def print_class_table(records: list[StudentRecord], slugs: list[str], limit: int = 60) -> None:
    """The class at a glance: one line per student (the first ``limit``), then the means."""
    if not records:
        return
    width = min(32, max(7, *(len(printable(r.student)) for r in records)))
    columns = [max(len(s), 6) for s in slugs]
    header = f"{'student':<{width}}  " + "  ".join(f"{s:>{w}}" for s, w in zip(slugs, columns))
    print("\n" + header + f"  {'total':>9}  status")
    print("-" * (len(header) + 20))
    for record in records[:limit]:
        by_slug = {ex.exercise: ex for ex in record.exercises}
        name = printable(record.student)
        name = name if len(name) <= width else name[: width - 1] + "…"
        cells = "  ".join(f"{fmt_points(by_slug[s].points) if s in by_slug else '':>{w}}"
                          for s, w in zip(slugs, columns))
        total = f"{fmt_points(record.points)}/{fmt_points(record.max_points)}"
        print(f"{name:<{width}}  {cells}  {total:>9}  {record.status}")
    if len(records) > limit:
        print(f"... and {len(records) - limit} more students in grades.csv")
    means = "  ".join(
        f"{sum(ex.points for r in records for ex in r.exercises if ex.exercise == s) / len(records):>{w}.1f}"
        for s, w in zip(slugs, columns))
    total_mean = sum(r.points for r in records) / len(records)
    print("-" * (len(header) + 20))
    print(f"{'mean':<{width}}  {means}  {total_mean:>9.1f}")
