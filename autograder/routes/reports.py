"""Render student records: results.json (Gradescope), feedback.md/.html, grades.csv, the class summary.

Everything here reads records (``student.py``), never runs code. A student
sees, per check: its title, points and the message naming the mistake. The
checks' source, seeds and data never appear: messages are all a check
exposes. Text that came from the student (error messages, printed output,
their id) is escaped or fenced before it lands in Markdown or HTML.
"""

from __future__ import annotations

import csv
import html
import io
import re
import statistics
from collections import Counter
from pathlib import Path

from ..core.dependencies import blamed_on
from ..core.record import CheckResult, ExerciseRecord, StudentRecord
from ..core.escaping import block_text, escape_controls
from ..core.math_display import math_html
from ..core.student import write_atomic

MAX_MESSAGE_LINES = 15
MAX_MESSAGE_CHARS = 2000
MAX_OUTPUT_CHARS = 1500
#: Cells a spreadsheet would read as a formula (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def fmt_points(value: float) -> str:
    return f"{value:g}"


def clip_words(text: str, chars: int) -> str:
    """At most ``chars`` characters of ``text``, cut at a space (never inside a word or a number),
    with an ellipsis when anything was left out."""
    if len(text) <= chars:
        return text
    kept = text[:chars - 1]
    space = kept.rfind(" ")
    if space > chars // 2:
        kept = kept[:space]
    return kept.rstrip(" ,;:") + "…"


def short(text: str, lines: int = MAX_MESSAGE_LINES, chars: int = MAX_MESSAGE_CHARS) -> str:
    """The first lines of a message or an output: enough to see the mistake (controls escaped)."""
    text = block_text(text).rstrip()
    cut = text.splitlines()
    kept = "\n".join(cut[:lines])
    if len(kept) > chars:
        kept = clip_words(kept, chars).removesuffix("…")
    return kept + ("\n[... cut ...]" if len(kept) < len(text) else "")


#: How the sandbox ends output it cut (``sandbox.process.OutputDrain``).
OUTPUT_CUT = "[... output cut after"


def printed(output: str) -> str:
    """The first lines of what the student's code printed; when anything was left out, a last
    line saying how much is shown (and that printing costs nothing)."""
    body, _, note = output.rstrip().rpartition("\n" + OUTPUT_CUT)
    if not body:
        body, note = output.rstrip(), ""
    text = block_text(body)
    kept = "\n".join(text.splitlines()[:20])[:MAX_OUTPUT_CHARS]
    if note or len(kept) < len(text):
        kept += (f"\n[... output cut after {len(kept)} characters"
                 + (f" (of {note.split('printed ')[1].split(' in all')[0]} printed)" if "printed " in note else "")
                 + "; printing costs no points ...]")
    return kept


def check_label(ex: ExerciseRecord, result: CheckResult) -> str:
    return f"{ex.exercise} · {result.function}: {result.title}"


# --------------------------------------------------------------------------
# Gradescope's results.json
# --------------------------------------------------------------------------

def results_json(record: StudentRecord, visibility: str = "visible") -> dict:
    """The record in Gradescope's results.json schema (one test per hidden check)."""
    tests = []
    for number, ex in enumerate(record.exercises, start=1):
        for index, result in enumerate(ex.results, start=1):
            tests.append({
                "name": check_label(ex, result),
                "number": f"{number}.{index}",
                "score": result.points,
                "max_score": result.max_points,
                "status": "passed" if result.status == "passed" else "failed",
                "output": short(result.message) if result.message else "Passed.",
                "visibility": visibility,
                "tags": [ex.exercise, result.function],
            })
    return {
        "score": record.points,
        "execution_time": round(record.seconds),
        "output": overview_text(record),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
        "isolation": record.isolation,
    }


def overview_text(record: StudentRecord) -> str:
    """What a student reads above the checks: score per exercise, notes, their printed output."""
    lines = [f"Score: {fmt_points(record.points)} / {fmt_points(record.max_points)}"]
    if record.status != "graded":
        lines.append(f"Status: {status_reason(record)}")
    for ex in record.exercises:  # a file that does not load first: it explains a whole exercise's 0
        if does_not_load(ex):
            lines.append(f"{escape_controls(file_name(ex))} does not load:" if ex.status == "load_error"
                         else f"{escape_controls(file_name(ex))}: some cells could not be read:")
            lines.append("  " + short(ex.message, lines=8).replace("\n", "\n  "))
    if record.rejected:
        lines.append(escape_controls(record.rejected))
    lines += [f"Problem: {escape_controls(f)}" for f in record.flags]
    lines += [escape_controls(n) for n in record.notes]
    for ex in record.exercises:
        lines.append(f"{ex.exercise}: {fmt_points(ex.points)} / {fmt_points(ex.max_points)}"
                     + (f" ({ex.status.replace('_', ' ')})" if ex.status != "graded" else ""))
        if ex.message and ex.status not in ("graded", "load_error"):
            lines.append("  " + short(ex.message, lines=6).replace("\n", "\n  "))
        lines += [f"  note: {escape_controls(n)}" for n in ex.notes]
        if ex.output:
            lines.append(f"  what your {ex.exercise} code printed (first lines):")
            lines.append("    " + printed(ex.output).replace("\n", "\n    "))
    lines.append("These are hidden checks on data the public tests do not use; passing the public "
                 "tests does not guarantee passing them.")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# "Fix these first": one verdict per function
# --------------------------------------------------------------------------

def function_verdicts(record: StudentRecord) -> list[dict]:
    """Per graded function of an attempted exercise, in exercise then check order: ``verdict`` is
    passed, failed, not_implemented, forbidden, or cascade (every failing check was put down to
    ``blamed``, other functions of the student that fail their own checks); ``mistake``: the first
    mistake its failing checks matched."""
    verdicts = []
    for ex in record.exercises:
        if ex.status != "graded" or not ex.attempted:
            continue
        by_function: dict[str, list[dict]] = {}
        for result in ex.results:
            by_function.setdefault(result.function, []).append(result)
        for function, results in by_function.items():
            failing = [r for r in results if r.status != "passed"]
            blamed = [blamed_on(function, r.message) for r in failing]
            statuses = {r.status for r in failing}
            if not failing:
                verdict = "passed"
            elif all(blamed):
                verdict = "cascade"
            elif "forbidden" in statuses:
                verdict = "forbidden"
            elif statuses == {"not_implemented"}:
                verdict = "not_implemented"
            else:
                verdict = "failed"
            verdicts.append({
                "exercise": ex.exercise, "function": function, "verdict": verdict,
                "failed": len(failing), "checks": len(results),
                "lost": sum(r.max_points - r.points for r in results),
                "mistake": next((r.mistake for r in failing if r.mistake), ""),
                "blamed": sorted({f for names in blamed for f in names},
                                 key=[r.function for r in ex.results].index)
                if verdict == "cascade" else []})
    return verdicts


def _quoted(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def file_name(ex: ExerciseRecord) -> str:
    """The exercise's file as the student named it (``kmeans.py`` when none was found)."""
    return ex.source or f"{ex.exercise}.py"


def _code_name(name: str) -> str:
    """A file name in backticks (names without a backtick) or as plain escaped text."""
    name = escape_controls(name)
    return f"`{name}`" if "`" not in name else name.replace("`", "'")


def not_attempted_why(ex: ExerciseRecord) -> str:
    if ex.status == "missing":
        return "no file handed in"
    if ex.status == "empty":
        return "the file is empty"
    return "the released stub: no function written yet"


def does_not_load(ex: ExerciseRecord) -> bool:
    """The file did not load, or (a notebook) some of its cells could not be read."""
    return ex.status == "load_error" or bool(ex.status == "graded" and ex.message)


def status_reason(record: StudentRecord) -> str:
    """The student's status and why, in a few words ("incomplete: kmeans.py and
    derivations.py not attempted")."""
    status = str(record.status)
    if record.status == "rejected":
        return f"rejected: {clip_words(escape_controls(record.rejected), 160)}"

    def names(exs) -> str:
        files = [escape_controls(file_name(ex)) for ex in exs]
        return files[0] if len(files) == 1 else ", ".join(files[:-1]) + " and " + files[-1]

    reasons = []
    errors = [ex for ex in record.exercises if ex.status == "grader_error"]
    if errors:
        reasons.append(f"the grader failed on {names(errors)} (not the student's fault: grade again)")
    broken = [ex for ex in record.exercises if ex.status == "load_error"]
    if broken:
        reasons.append(f"{names(broken)} {'does' if len(broken) == 1 else 'do'} not load")
    other = [ex for ex in record.exercises
             if ex.status in ("unreadable", "refused", "blocked")]
    for ex in other:
        reasons.append(f"{escape_controls(file_name(ex))} {ex.status.replace('_', ' ')}")
    skipped = [ex for ex in record.exercises if not ex.attempted]
    if skipped:
        reasons.append(f"{names(skipped)} not attempted")
    if record.status == "no gradable file":
        return "no gradable file: none of the exercise files was found or could be read"
    if not reasons:
        return status if status != "graded" else "graded: every exercise attempted and graded"
    return f"{status}: " + "; ".join(reasons)


def fix_first_items(record: StudentRecord) -> list[dict]:
    """The short list above the details, in the order to act on it: files that do not load,
    then real failures (a function whose failure explains others first), functions not written
    yet, then one line per exercise not attempted, then what passed. Each item: ``numbered``
    (something to fix) or not, ``text`` (Markdown: backticks only) and an optional ``block``
    (the offending line with its caret)."""
    items = []
    for ex in record.exercises:
        if not does_not_load(ex):
            continue
        name = _code_name(file_name(ex))
        if ex.status == "load_error":
            text = (f"{name} does not load, so all its checks score 0 (0 of {fmt_points(ex.max_points)}); "
                    f"the rest of your work is graded:")
        else:
            text = f"{name}: some cells could not be read and were left out:"
        items.append({"numbered": True, "text": text, "block": short(ex.message)})
    verdicts = function_verdicts(record)
    cascades = [v for v in verdicts if v["verdict"] == "cascade"]
    explains = Counter(name for v in cascades for name in v["blamed"])
    real = [v for v in verdicts if v["verdict"] in ("failed", "forbidden")]
    real.sort(key=lambda v: -explains[v["function"]])  # stable: exercise order among equals
    for v in real:
        lost = (f", {fmt_points(v['lost'])} point{'' if v['lost'] == 1 else 's'} lost"
                if v["lost"] else "")
        if v["verdict"] == "failed":
            text = f"`{v['function']}` ({v['exercise']}): fails {v['failed']} of {v['checks']} checks{lost}."
        else:
            text = f"`{v['function']}` ({v['exercise']}): calls a library routine the exercise forbids{lost}."
        if v["mistake"]:
            text += f" Likely mistake: {clip_words(v['mistake'], 200)}"
        items.append({"numbered": True, "text": text, "block": ""})
    for v in verdicts:
        if v["verdict"] == "not_implemented":
            lost = f", {fmt_points(v['lost'])} point{'' if v['lost'] == 1 else 's'} lost" if v["lost"] else ""
            items.append({"numbered": True, "text": f"`{v['function']}` ({v['exercise']}): not written yet{lost}.",
                          "block": ""})
    if cascades:
        items.append({"numbered": False, "block": "", "text": (
            "Failing because of another function (fix that one first; they may then pass): " + "; ".join(
                f"`{v['function']}` calls {_quoted(v['blamed'])}" for v in cascades) + ".")})
    for ex in record.exercises:
        if ex.status in ("unreadable", "refused", "blocked", "grader_error"):
            items.append({"numbered": ex.status != "grader_error", "block": short(ex.message, lines=6),
                          "text": f"{_code_name(file_name(ex))}: {ex.status.replace('_', ' ')}, 0 of "
                                  f"{fmt_points(ex.max_points)}:"})
    for ex in record.exercises:
        if not ex.attempted:
            items.append({"numbered": False, "block": "", "text": (
                f"{_code_name(file_name(ex))}: not attempted — {not_attempted_why(ex)}, 0 of "
                f"{fmt_points(ex.max_points)}.")})
    passed = [v["function"] for v in verdicts if v["verdict"] == "passed"]
    lost_elsewhere = record.points < record.max_points
    if passed and len(passed) < len(verdicts):
        items.append({"numbered": False, "block": "", "text": f"Passed: {_quoted(passed)}."})
    elif passed and not lost_elsewhere:
        items.append({"numbered": False, "block": "", "text": "Every graded function passes all its checks."})
    elif passed:
        items.append({"numbered": False, "block": "", "text": (
            f"Every function of the exercises that were graded passes its checks ({_quoted(passed)}); "
            f"the {fmt_points(record.max_points - record.points)} points lost are listed above.")})
    return items


def fix_first_lines(record: StudentRecord) -> list[str]:
    """``fix_first_items`` as Markdown lines: numbered items, then bullets."""
    lines, number = [], 0
    for item in fix_first_items(record):
        if item["numbered"]:
            number += 1
            lines.append(f"{number}. {item['text']}")
        else:
            lines.append(f"- {item['text']}")
        if item["block"]:
            lines.append(fenced(item["block"], indent="   "))
    return lines


# --------------------------------------------------------------------------
# feedback.md and feedback.html
# --------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*<>\[\]|])")


def md_escape(text: str) -> str:
    """One line of Markdown showing ``text`` literally (controls escaped, markup defused)."""
    return _MD_SPECIAL.sub(r"\\\1", escape_controls(text))


def fenced(text: str, indent: str = "") -> str:
    """A fenced block longer than any backtick run inside, so nothing escapes it."""
    text = block_text(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = "\n".join(indent + line for line in text.splitlines())
    return f"{indent}{fence}text\n{body}\n{indent}{fence}"


def regraded_line(record: StudentRecord) -> str:
    """Which exercises were graded last and when, when the others kept grades of an earlier run."""
    times = sorted({ex.graded_at for ex in record.exercises if ex.graded_at})
    if len(times) < 2:
        return ""
    latest = times[-1]
    now = [ex.exercise for ex in record.exercises if ex.graded_at == latest]
    before = [ex.exercise for ex in record.exercises if ex.graded_at != latest]
    earlier = sorted({ex.graded_at or "an earlier run" for ex in record.exercises if ex.graded_at != latest})
    return (f"Regraded on {latest}: {', '.join(now)}. The other exercises ({', '.join(before)}) keep their "
            f"grades of {' and '.join(earlier)}.")


def exercise_summary_line(ex: ExerciseRecord) -> str:
    """The one line an exercise gets in the details instead of one line per check, or ""."""
    count = f"{len(ex.results)} check{'' if len(ex.results) == 1 else 's'}"
    if not ex.attempted:
        return f"Not attempted — {not_attempted_why(ex)}: its {count} score 0."
    if ex.status == "load_error":
        return f"The file does not load (see the top of this page): its {count} score 0."
    if ex.status in ("unreadable", "refused", "blocked"):
        return f"Its {count} score 0."
    return ""


def feedback_markdown(record: StudentRecord) -> str:
    out = [f"# Feedback for {md_escape(record.student)}", "",
           f"**Score: {fmt_points(record.points)} / {fmt_points(record.max_points)}**", ""]
    if record.status != "graded":
        out += [f"Status: {md_escape(status_reason(record))}", ""]
    regraded = regraded_line(record)
    if regraded:
        out += [md_escape(regraded), ""]
    if record.rejected:
        out += [md_escape(record.rejected), ""]
    out += [f"- Problem: {md_escape(f)}" for f in record.flags]
    out += [f"- {md_escape(n)}" for n in record.notes]
    first = fix_first_lines(record)
    if first:
        out += ["## Fix these first", "", *first, ""]
    out += ["These checks run your functions on hidden data that the public tests do not use. "
            "Each failed check says what was called, what came back, what was expected, and "
            "the likely mistake.", ""]
    for number, ex in enumerate(record.exercises, start=1):
        source = f" (`{ex.source}`)" if ex.source and "`" not in ex.source else ""
        out += [f"## {number}. {ex.title}{source}: "
                f"{fmt_points(ex.points)} / {fmt_points(ex.max_points)}", ""]
        if ex.status not in ("graded", "load_error") and ex.message and ex.attempted:
            out += [fenced(short(ex.message)), ""]
        out += [f"- Note: {md_escape(n)}" for n in ex.notes]
        instead = exercise_summary_line(ex)
        if instead:
            out.append(instead)
        for result in ex.results if not instead else ():
            mark = "✅" if result.status == "passed" else "❌"
            out.append(f"- {mark} **{fmt_points(result.points)}/{fmt_points(result.max_points)}** "
                       f"`{result.function}`: {result.title}")
            if result.status != "passed" and result.message and ex.status == "graded":
                out.append(fenced(short(result.message), indent="  "))
        if ex.output:
            out += ["", "What your code printed (first lines):", "",
                    fenced(printed(ex.output))]
        out.append("")
    return "\n".join(out)


def _markdown_code_to_html(line: str) -> str:
    """The text of a ``fix_first_items`` item as HTML (backticks mark code; nothing else is markup)."""
    parts = html.escape(escape_controls(line)).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .score { font-size: 1.3rem; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
td { border-top: 1px solid #ddd; padding: 0.35rem 0.5rem; vertical-align: top; }
td.points { white-space: nowrap; text-align: right; width: 4rem; }
tr.passed td.mark { color: #1a7f37; } tr.failed td.mark { color: #cf222e; }
pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; margin: 0.3rem 0; }
.note { color: #555; } code { background: #f0f0f0; padding: 0 0.2rem; }
.first { border: 1px solid #d0d7de; border-radius: 6px; padding: 0 1rem 0.6rem; margin: 1rem 0; }
.first .item { margin: 0.4rem 0; }
div.math { margin: 0.3rem 0; overflow-x: auto; } div.math .label { color: #555; font-size: 0.9rem; }
div.math math { font-size: 1.15rem; }
"""


def feedback_html(record: StudentRecord) -> str:
    def e(text: str) -> str:
        return html.escape(escape_controls(text))

    def pre(text: str) -> str:
        return html.escape(block_text(text))

    body = [f"<h1>Feedback for {e(record.student)}</h1>",
            f"<p class='score'>Score: {fmt_points(record.points)} / {fmt_points(record.max_points)}</p>"]
    if record.status != "graded":
        body.append(f"<p>Status: {e(status_reason(record))}</p>")
    if regraded_line(record):
        body.append(f"<p class='note'>{e(regraded_line(record))}</p>")
    if record.rejected:
        body.append(f"<p>{e(record.rejected)}</p>")
    body += [f"<p class='note'>Problem: {e(f)}</p>" for f in record.flags]
    body += [f"<p class='note'>{e(n)}</p>" for n in record.notes]
    items = fix_first_items(record)
    if items:
        def item_html(item: dict) -> str:
            block = f"<pre>{pre(item['block'])}</pre>" if item["block"] else ""
            return _markdown_code_to_html(item["text"]) + block

        ordered = [item_html(item) for item in items if item["numbered"]]
        others = [item_html(item) for item in items if not item["numbered"]]
        body.append("<div class='first'><h2>Fix these first</h2>"
                    + (f"<ol>{''.join(f'<li>{x}</li>' for x in ordered)}</ol>" if ordered else "")
                    + "".join(f"<div class='item'>{x}</div>" for x in others) + "</div>")
    body.append("<p class='note'>These checks run your functions on hidden data that the public tests "
                "do not use. Each failed check says what was called, what came back, what was expected, "
                "and the likely mistake.</p>")
    for number, ex in enumerate(record.exercises, start=1):
        source = f" (<code>{e(ex.source)}</code>)" if ex.source else ""
        body.append(f"<h2>{number}. {e(ex.title)}{source}: "
                    f"{fmt_points(ex.points)} / {fmt_points(ex.max_points)}</h2>")
        if ex.status not in ("graded", "load_error") and ex.message and ex.attempted:
            body.append(f"<pre>{pre(short(ex.message))}</pre>")
        body += [f"<p class='note'>Note: {e(n)}</p>" for n in ex.notes]
        instead = exercise_summary_line(ex)
        if instead:
            body.append(f"<p>{e(instead)}</p>")
        rows = []
        for result in ex.results if not instead else ():
            passed = result.status == "passed"
            detail = ""
            if not passed and result.message and ex.status == "graded":
                detail = f"<pre>{pre(short(result.message))}</pre>" + math_html(result.math)
            rows.append(
                f"<tr class='{'passed' if passed else 'failed'}'><td class='mark'>{'✔' if passed else '✘'}</td>"
                f"<td class='points'>{fmt_points(result.points)}/{fmt_points(result.max_points)}</td>"
                f"<td><code>{e(result.function)}</code>: {e(result.title)}{detail}</td></tr>")
        if rows:
            body.append("<table>" + "".join(rows) + "</table>")
        if ex.output:
            body.append("<details><summary>What your code printed (first lines)</summary>"
                        f"<pre>{pre(printed(ex.output))}</pre></details>")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>Feedback: {e(record.student)}</title><style>{HTML_STYLE}</style></head>"
            "<body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_student_reports(folder: Path, record: StudentRecord) -> None:
    import json

    write_atomic(folder / "results.json", json.dumps(results_json(record), indent=2, ensure_ascii=False))
    write_atomic(folder / "feedback.md", feedback_markdown(record))
    write_atomic(folder / "feedback.html", feedback_html(record))


# --------------------------------------------------------------------------
# grades.csv
# --------------------------------------------------------------------------

def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text, on one line: controls escaped, a leading ' defuses a
    formula (=, +, -, @)."""
    text = escape_controls(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def grades_csv(records: list[StudentRecord], slugs: list[str], folders: dict[str, str]) -> str:
    """One row per student: the SPEC columns, then status, problems and the feedback file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *slugs, "total", "max_total", "status", "problems", "feedback"])
    for record in records:
        by_slug = {ex.exercise: ex for ex in record.exercises}
        writer.writerow([
            spreadsheet_safe(record.student),
            *[fmt_points(by_slug[s].points) if s in by_slug else "" for s in slugs],
            fmt_points(record.points), fmt_points(record.max_points),
            record.status, spreadsheet_safe(record.problems),
            spreadsheet_safe(folders.get(record.student, "")),
        ])
    return buffer.getvalue()


# --------------------------------------------------------------------------
# The class summary
# --------------------------------------------------------------------------

def check_statistics(records: list[StudentRecord]) -> list[dict]:
    """Per check: how many of the students whose file imported passed it, in check order."""
    stats: dict[tuple, dict] = {}
    for record in records:
        for ex in record.exercises:
            for result in ex.results:
                key = (ex.exercise, result.function, result.name)
                entry = stats.setdefault(key, {
                    "exercise": ex.exercise, "function": result.function, "name": result.name,
                    "title": result.title, "graded": 0, "passed": 0, "grader_errors": 0,
                    "messages": Counter()})
                if ex.status != "graded":
                    continue
                entry["graded"] += 1
                entry["passed"] += result.status == "passed"
                entry["grader_errors"] += result.status == "grader_error"
                if result.status != "passed" and result.message:
                    entry["messages"][clip_words(result.message.splitlines()[0], 300)] += 1
    for entry in stats.values():
        entry["rate"] = entry["passed"] / entry["graded"] if entry["graded"] else None
    return list(stats.values())


def summary_markdown(records: list[StudentRecord], slugs: list[str], folders: dict[str, str],
                     regrade: str = "") -> str:
    totals = [r.points for r in records]
    maximum = max((r.max_points for r in records), default=0)
    out = ["# Class summary", ""]
    if not records:
        return "\n".join(out + ["No students were graded."]) + "\n"
    out += [f"{len(records)} students. Total out of {fmt_points(maximum)}: mean "
            f"{statistics.mean(totals):.1f}, median {fmt_points(statistics.median(totals))}, "
            f"min {fmt_points(min(totals))}, max {fmt_points(max(totals))}; "
            f"{sum(t == maximum for t in totals)} with full marks.", "",
            f"Isolation: {_isolation_line(records)}.", "",
            "![Score histogram and pass rate per check](summary.png)", "",
            "## Per exercise", "", "| exercise | mean | full marks | file missing or not importable |",
            "| --- | --- | --- | --- |"]
    for slug in slugs:
        exs = [ex for r in records for ex in r.exercises if ex.exercise == slug]
        if not exs:
            continue
        top = max(ex.max_points for ex in exs)
        out.append(f"| {slug} | {statistics.mean(ex.points for ex in exs):.1f} / {fmt_points(top)} | "
                   f"{sum(ex.points == top for ex in exs)} | "
                   f"{sum(ex.status != 'graded' for ex in exs)} |")
    stats = check_statistics(records)
    ranked = sorted((s for s in stats if s["rate"] is not None), key=lambda s: (s["rate"], s["exercise"]))
    out += ["", "## Checks, most failed first", "",
            "Pass rate among the students whose file was submitted and imported.", "",
            "| check | passed | rate | most common message |", "| --- | --- | --- | --- |"]
    for s in ranked:
        common = s["messages"].most_common(1)
        message = f"{clip_words(common[0][0], 160)} ({common[0][1]}×)" if common else ""
        out.append(f"| {s['exercise']} · {s['function']}: {md_escape(s['title'])} | "
                   f"{s['passed']}/{s['graded']} | {s['rate']:.0%} | {md_escape(message)} |")
    from .class_report import mistakes_markdown

    out += mistakes_markdown(records, regrade, md_escape)
    errors = [s for s in stats if s["grader_errors"]]
    if errors:
        out += ["", "## Grader errors (not the students' fault: look at these checks)", ""]
        out += [f"- {s['exercise']} · {s['name']}: {s['grader_errors']} student(s)" for s in errors]
    attention = [r for r in records if r.status != "graded" or r.problems]
    if attention:
        out += ["", "## Students to look at", "", "| student | status | problems |", "| --- | --- | --- |"]
        for r in attention:
            out.append(f"| {md_escape(r.student)} | {md_escape(status_reason(r))} | "
                       f"{md_escape(r.problems or r.rejected)} |")
    return "\n".join(out) + "\n"


def _isolation_line(records: list[StudentRecord]) -> str:
    """What protected the run: a grade given without the kernel layers is flagged in bold."""
    from ..sandbox.isolation import AUDIT_HOOK_ONLY, describe

    kinds = sorted({r.isolation for r in records})
    return "; ".join(f"**{describe(k)}**" if k == AUDIT_HOOK_ONLY else describe(k) for k in kinds)


#: Bars in summary.png at most (the most failed checks): the figure's height stays bounded.
MAX_BARS = 30
#: Characters of a check's title on its bar's label.
LABEL_CHARS = 70


def check_caption(s: dict) -> str:
    """A check as an instructor reads it: the function and the check's title, not internal names."""
    return clip_words(f"{s['function']}: {s['title'].rstrip('.')}", LABEL_CHARS)


def summary_png(records: list[StudentRecord]) -> bytes:
    buffer = io.BytesIO()
    summary_figure(records).savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def summary_figure(records: list[StudentRecord]):
    """Score histogram, and pass rate per check that some student failed (the MAX_BARS most
    failed), the most failed in red. A check every student passed tells an instructor nothing
    a bar would: they are counted in the title, not drawn (and not paid for in glyphs)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from matplotlib.ticker import MaxNLocator

    every = [s for s in check_statistics(records) if s["rate"] is not None]
    failed = [s for s in every if s["rate"] < 1]
    stats = sorted(failed, key=lambda s: (s["rate"], s["exercise"]))[:MAX_BARS]
    stats.reverse()
    bars = 0.22 * max(len(stats), 1)
    fig = Figure(figsize=(10, 3.6 + bars + 1.0), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, height_ratios=[3.2, bars + 0.6])
    totals = [r.points for r in records]
    maximum = max((r.max_points for r in records), default=1) or 1
    top.hist(totals, bins=min(20, max(5, len(totals))), range=(0, maximum), color="#4c72b0",
             edgecolor="white")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_xlabel(f"total points (out of {fmt_points(maximum)})")
    top.set_ylabel("students")
    top.set_title(f"Scores of {len(records)} students (mean {statistics.mean(totals):.1f})")
    passed_by_all = len(every) - len(failed)
    if stats:
        labels = [check_caption(s) for s in stats]
        rates = [100 * s["rate"] for s in stats]
        colors = ["#c44e52" if r == rates[-1] else "#55a868" for r in rates]
        bottom.barh(range(len(stats)), rates, color=colors)
        for y, (rate, s) in enumerate(zip(rates, stats)):
            bottom.text(min(rate, 100) + 1, y, f"{s['passed']}/{s['graded']}", va="center", fontsize=7)
        bottom.set_yticks(range(len(stats)), labels, fontsize=7)
        bottom.set_ylim(-0.6, len(stats) - 0.4)
        bottom.set_xlim(0, 108)
        bottom.set_xlabel("students passing the check (% of those whose file imported)")
        shown = (f"the {len(stats)} most failed of the {len(failed)} checks some student failed"
                 if len(stats) < len(failed) else f"the {len(failed)} checks some student failed")
        bottom.set_title(f"Pass rate of {shown}\nmost failed at the top (in red); {passed_by_all} of "
                         f"{len(every)} checks passed by every student", fontsize=10)
    else:
        bottom.set_axis_off()
        bottom.text(0.5, 0.5, f"Every student whose file imported passed all {len(every)} checks."
                    if every else "No check was run: no file imported.", ha="center", va="center")
    return fig


def write_summary(out: Path, records: list[StudentRecord], slugs: list[str], folders: dict[str, str],
                  regrade: str = "") -> None:
    """summary.md, summary.png, mistakes.csv, mistakes.png and summary.html (the same, one page).
    ``regrade``: the command that grades students again, ``{students}`` where their ids go."""
    from .class_report import mistakes_csv, mistakes_png, summary_html

    figures = {"summary.png": summary_png(records), "mistakes.png": mistakes_png(records)}
    write_atomic(out / "summary.md", summary_markdown(records, slugs, folders, regrade))
    write_atomic(out / "mistakes.csv", mistakes_csv(records))
    for name, png in figures.items():
        write_atomic(out / name, png)
    isolation = _isolation_line(records).replace("**", "") if records else ""
    write_atomic(out / "summary.html", summary_html(records, folders, regrade, figures, isolation))
