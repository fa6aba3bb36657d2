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
import difflib
import multiprocessing
import multiprocessing.util
import os
import socket
import shlex
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..core.escaping import escape_controls
from ..core.grading import all_slugs, checks_for
from .grade_inputs import exercise_slug, input_problem, one_line_errors, seconds, whole_number
from .reports import fmt_points, grades_csv, write_student_reports, write_summary
from ..core.policy import DEFAULT as DEFAULT_POLICY
from ..core.policy import Policy
from ..sandbox import Zygote
from ..sandbox.scratch import remove_tree
from ..sandbox.isolation import ISOLATIONS, KERNEL, IsolationUnavailable, describe, require
from ..core.record import StudentRecord
from ..core.student import (ZygoteKeeper, failed_record, grade_student, grader_fingerprint,
                            merge_records, output_folder, read_record, save_record, stale_exercises,
                            write_atomic)
from ..core.submissions import Cohort, Submission, SubmissionsError, find_cohort

DEFAULT_TIMEOUT = DEFAULT_POLICY.call_timeout
DEFAULT_BUDGET = DEFAULT_POLICY.budget
DEFAULT_MEMORY_MB = DEFAULT_POLICY.memory_mb


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path,
                        help="folder of student folders, a .zip of them, or an nbgrader course folder")
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv and the reports go")
    parser.add_argument("--jobs", type=whole_number("--jobs", "students graded at once", "--jobs 2"),
                        default=os.cpu_count() or 1, help="students graded at once (default: all cores)")
    parser.add_argument("--timeout", type=seconds("--timeout", "--timeout 10"), default=DEFAULT_TIMEOUT,
                        help=f"seconds one call of a student function may take (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--budget", type=seconds("--budget", "--budget 60"), default=DEFAULT_BUDGET,
                        help=f"seconds all checks of one exercise may take (default {DEFAULT_BUDGET:g})")
    parser.add_argument("--memory", type=whole_number("--memory", "megabytes", "--memory 1024", least=64),
                        default=DEFAULT_MEMORY_MB,
                        help=f"MB of memory student code may add (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--exercise", action="append", type=exercise_slug, metavar="SLUG",
                        help="grade only this exercise (repeatable; default: all); the others keep "
                             "their grades in OUT")
    parser.add_argument("--student", action="append", metavar="ID",
                        help="grade only this student (the folder name; repeatable; default: all); "
                             "the others keep their grades in OUT")
    parser.add_argument("--force", action="store_true", help="re-grade students whose files have not changed")
    parser.add_argument("--progress", choices=("auto", "bar", "lines"), default="auto",
                        help="a progress bar (auto: on a terminal outside CI) or one line per student")
    parser.add_argument("--isolation", choices=ISOLATIONS, default=KERNEL,
                        help="kernel (default: Landlock, seccomp, an unprivileged uid; refuses to run where "
                             "they do not hold) or audit-hook-only (weaker; recorded in every report)")
    one_line_errors(parser)


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


def grade_and_write(submission: Submission, folder: Path, options: dict, grader: str,
                    slugs: list[str] | None = None) -> StudentRecord:
    """Grade ``slugs`` of one student (default: the run's) and write their reports, then their
    record (the commit point), the other exercises' grades kept."""
    global _KEEPER
    if _KEEPER is None:
        _KEEPER = ZygoteKeeper()
    record = grade_student(submission, _KEEPER, slugs=slugs or options["slugs"],
                           policy=Policy.from_dict(options["policy"]), grader=grader)
    return commit(folder, record)


def commit(folder: Path, record: StudentRecord) -> StudentRecord:
    """Merge ``record`` into the student's record on disk (the exercises it holds replace theirs,
    the others stay) and write it: every file through a temporary file and a rename, the record
    last, so a run stopped at any moment leaves the old grades or the new ones, never neither."""
    merged = merge_records(read_record(folder), record)
    write_student_reports(folder, merged)
    save_record(folder, merged)
    return merged


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
    problem = input_problem(args.submissions, args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        require(options["policy"]["isolation"])  # fail closed: no student code without the kernel layers
    except IsolationUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: Path = args.out
    scratch = Path(tempfile.mkdtemp(prefix="cohort-"))
    try:
        return _run(args, options, out, scratch)
    finally:
        remove_tree(scratch)


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
        print(f"error: no student folders found in {escape_controls(str(args.submissions))!r}: SUBMISSIONS "
              f"holds one folder per student (named by the student id) with their files.", file=sys.stderr)
        return 2
    unknown = [s for s in (getattr(args, "student", None) or [])
               if s not in {sub.student for sub in cohort.submissions}]
    if unknown:
        ids = [sub.student for sub in cohort.submissions]
        close = difflib.get_close_matches(unknown[0], ids, n=1)
        print(f"error: --student {escape_controls(unknown[0])!r}: no such student folder in SUBMISSIONS"
              + (f"; did you mean {escape_controls(close[0])!r}?" if close else
                 f" (its {len(ids)} students start with {', '.join(escape_controls(i) for i in ids[:3])})"),
              file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    status, _records = grade_cohort(cohort, args, options, out, start)
    return status


def grade_cohort(cohort: Cohort, args, options: dict, out: Path,
                 start: float | None = None) -> tuple[int, list[StudentRecord]]:
    """Grade a found cohort into OUT (records, reports, grades.csv, summary); (exit status, records).

    ``args`` carries ``force``, ``jobs``, ``progress`` and (optionally) ``student``. Shared by
    ``grade`` and the nbgrader route, which finds its cohort in nbgrader's own layout. Only the
    exercises (``options["slugs"]``) and students asked for are graded; every other grade already
    in OUT is kept, and grades.csv lists every student OUT holds.
    """
    start = time.monotonic() if start is None else start
    grader = grader_fingerprint(options)
    slugs = options["slugs"]
    folders = output_folders(out, [s.student for s in cohort.submissions])
    chosen = set(getattr(args, "student", None) or [s.student for s in cohort.submissions])
    records: dict[str, StudentRecord] = {}
    todo: list[tuple[Submission, list[str]]] = []
    for submission in cohort.submissions:
        folder = folders[submission.student]
        record = read_record(folder)
        stale = list(slugs) if args.force else stale_exercises(record, slugs, submission.fingerprint(), grader)
        if submission.student not in chosen or not stale:
            if record is None:
                continue
            records[submission.student] = record
            if not all((folder / name).exists() for name in ("results.json", "feedback.md", "feedback.html")):
                write_student_reports(folder, record)
        else:
            todo.append((submission, stale))
    skipped = sum(1 for s in cohort.submissions if s.student in chosen) - len(todo)
    print(f"Grading {len(todo)} of {len(chosen)} students"
          + (f" ({skipped} unchanged since the last run: skipped; --force re-grades them)" if skipped else "")
          + f" with {min(args.jobs, max(1, len(todo)))} worker(s).", flush=True)
    progress = Progress(len(todo), args.progress)
    try:
        records.update(_grade_all(todo, folders, options, grader, max(1, args.jobs), progress))
    finally:
        progress.close()
    ordered = [records[s.student] for s in cohort.submissions if s.student in records]
    others = kept_records(out, set(folders.values()))
    if others:
        print(f"note: {len(others)} student(s) graded earlier into {out} are not in SUBMISSIONS: their "
              f"rows are kept in grades.csv (delete their folders in OUT to drop them).", file=sys.stderr)
    relative = {s: str(f.relative_to(out) / "feedback.md") for s, f in folders.items()}
    for folder, record in others:
        relative.setdefault(record.student, str(folder.relative_to(out) / "feedback.md"))
    ordered += [record for _folder, record in others if record.student not in records]
    columns = all_slugs()  # the gradebook always has every exercise's column (SPEC), blank if not graded
    write_gradebook(out, grades_csv(ordered, columns, relative))
    write_summary(out, ordered, columns, relative, regrade=regrade_command(args, out))
    print_class_table(ordered, columns)
    print(f"Isolation: {describe(options['policy']['isolation'])}.")
    elapsed = time.monotonic() - start
    print(f"\n{len(ordered)} students in {elapsed:.1f} s"
          + (f" ({elapsed / len(todo):.2f} s per graded student)" if todo else "") + ".")
    print(f"Gradebook: {out / 'grades.csv'} (the one before it: grades.previous.csv)\n"
          f"Class summary: {out / 'summary.html'}, summary.md, mistakes.csv and summary.png\n"
          f"Per student: {out}/<student>/feedback.md, feedback.html, results.json")
    missing = [s.student for s in cohort.submissions if s.student in chosen and s.student not in records]
    if missing:
        print(f"error: {len(missing)} student(s) got no row.", file=sys.stderr)
        return 1, ordered
    return 0, ordered


def write_gradebook(out: Path, text: str) -> None:
    """grades.csv, written atomically; the one it replaces is kept as grades.previous.csv."""
    current = out / "grades.csv"
    try:
        previous = current.read_bytes()
    except FileNotFoundError:
        previous = None
    if previous is not None and previous != text.encode("utf-8"):
        write_atomic(out / "grades.previous.csv", previous)
    write_atomic(current, text)


def kept_records(out: Path, ours: set[Path]) -> list[tuple[Path, StudentRecord]]:
    """Records in OUT of students this run does not know (graded earlier from another
    SUBMISSIONS, or since removed from it): kept, never dropped in silence."""
    found = []
    try:
        entries = sorted(os.scandir(out), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and Path(entry.path) not in ours:
            record = read_record(Path(entry.path))
            if record is not None:
                found.append((Path(entry.path), record))
    return found


def regrade_command(args, out: Path) -> str:
    """The command that grades some students again with this run's options ({students}: where
    their --student options go)."""
    if hasattr(args, "assignment"):  # the nbgrader route
        return (f"python -m autograder nbgrader-grade {shlex.quote(str(args.assignment))} --course-root "
                f"{shlex.quote(str(args.course_root))}"
                + (f" --out {shlex.quote(str(out))}" if getattr(args, "out", None) else "")
                + " {students} --force")
    parts = ["python -m autograder grade", shlex.quote(str(getattr(args, "submissions", "SUBMISSIONS"))),
             "--out", shlex.quote(str(out))]
    for slug in getattr(args, "exercise", None) or []:
        parts += ["--exercise", slug]
    return " ".join(parts) + " {students} --force"


def _grade_all(todo: list[tuple[Submission, list[str]]], folders: dict, options: dict, grader: str,
               jobs: int, progress: Progress) -> dict[str, StudentRecord]:
    """Grade in a pool (each student the exercises listed with them); a student whose worker died
    is retried once, then recorded as a grader error."""
    done: dict[str, StudentRecord] = {}
    attempts: dict[str, int] = {}
    slugs_of = {submission.student: slugs for submission, slugs in todo}
    pending = [submission for submission, _slugs in todo]
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
                    futures = {pool.submit(grade_and_write, s, folders[s.student], options, grader,
                                           slugs_of[s.student]): s for s in pending}
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
                    record = failed_record(submission, slugs_of[submission.student], reason, grader,
                                           isolation=options["policy"]["isolation"])
                    record = commit(folders[submission.student], record)
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
