"""The class at a glance: which named mistakes the class made, who to grade again, one page.

Read from records only (``CheckResult.mistake`` and ``CheckResult.limit``, never
parsed back from messages): ``mistakes.csv``, the summary's "Mistakes to revisit
in class" and "Students to grade again" sections, ``mistakes.png`` and
``summary.html``, a self-contained page (inline CSS, figures as data: URIs, no
script, no network request).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import shlex
from collections import Counter

from ..core.escaping import escape_controls
from ..core.record import StudentRecord
from .reports import check_statistics, clip_words, fmt_points, spreadsheet_safe, status_reason

#: Students named per mistake in the reports.
EXAMPLES = 5
#: Mistakes drawn in mistakes.png at most.
MAX_MISTAKE_BARS = 15
#: What a failure with no mistake model matched is counted as.
UNNAMED = "(no named mistake: see the students' feedback)"
#: What a function that calls a forbidden routine is counted as.
FORBIDDEN = "It calls a library routine that does the exercise's job (forbidden)."
#: Mistakes shared by at least this share of the students who attempted the exercise are worth class time.
REVISIT_SHARE = 0.2


def mistake_statistics(records: list[StudentRecord]) -> list[dict]:
    """Per check some student failed (attempted exercises only): how many students failed it,
    and the mistakes behind the failures, most common first, with the students who made each."""
    checks: dict[tuple, dict] = {}
    for record in records:
        for ex in record.exercises:
            if ex.status != "graded" or not ex.attempted:
                continue
            for result in ex.results:
                if result.status not in ("failed", "forbidden"):
                    continue
                key = (ex.exercise, result.function, result.name)
                entry = checks.setdefault(key, {
                    "exercise": ex.exercise, "function": result.function, "check": result.name,
                    "title": result.title, "failed": 0, "mistakes": {}})
                entry["failed"] += 1
                mistake = result.mistake or (FORBIDDEN if result.status == "forbidden" else UNNAMED)
                entry["mistakes"].setdefault(mistake, []).append(record.student)
    attempted = Counter(ex.exercise for r in records for ex in r.exercises
                        if ex.status == "graded" and ex.attempted)
    for entry in checks.values():
        entry["attempted"] = attempted[entry["exercise"]]
        entry["ranked"] = sorted(entry["mistakes"].items(), key=lambda item: (item[0] == UNNAMED, -len(item[1])))
    return sorted(checks.values(), key=lambda e: (-e["failed"], e["exercise"], e["function"], e["check"]))


def named_mistakes(records: list[StudentRecord]) -> list[dict]:
    """Every named mistake of every function (over all its checks), most students first."""
    by_mistake: dict[tuple, dict] = {}
    for entry in mistake_statistics(records):
        for mistake, students in entry["ranked"]:
            if mistake == UNNAMED:
                continue
            row = by_mistake.setdefault((entry["exercise"], entry["function"], mistake), {
                "exercise": entry["exercise"], "function": entry["function"], "mistake": mistake,
                "attempted": entry["attempted"], "students": []})
            row["students"] += [s for s in students if s not in row["students"]]
    return sorted(by_mistake.values(), key=lambda r: (-len(r["students"]), r["exercise"], r["function"]))


def to_revisit(records: list[StudentRecord]) -> list[dict]:
    """The named mistakes worth class time: made by two students or more, or by a fair share of
    the students who attempted the exercise (in a class of three or more)."""
    return [r for r in named_mistakes(records)
            if len(r["students"]) >= 2 or (r["attempted"] >= 3 and len(r["students"]) / r["attempted"] >= REVISIT_SHARE)]


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text (the gradebook's rule)."""
    return spreadsheet_safe(text)


def mistakes_csv(records: list[StudentRecord]) -> str:
    """One row per check and mistake behind its failures (the unnamed rest as one row), the
    checks most failed first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["exercise", "function", "check", "title", "students_failed", "students_attempted",
                     "mistake", "students_with_mistake", "example_students"])
    for entry in mistake_statistics(records):
        for mistake, students in entry["ranked"]:
            writer.writerow([entry["exercise"], entry["function"], entry["check"], _cell(entry["title"]),
                             entry["failed"], entry["attempted"], _cell(mistake if mistake != UNNAMED else ""),
                             len(students), _cell("; ".join(students[:EXAMPLES]))])
    return buffer.getvalue()


def students_apart(records: list[StudentRecord]) -> list[tuple[StudentRecord, str]]:
    """Students whose grade a grader error or a limit decided, and why: grade them again."""
    apart = []
    for record in records:
        errors = [ex.exercise for ex in record.exercises if ex.status == "grader_error"]
        limits = sorted({f"{ex.exercise} ({r.limit})" for ex in record.exercises for r in ex.results if r.limit})
        reasons = ([f"grader error in {', '.join(errors)}"] if errors else []) + (
            [f"hit a limit: {', '.join(limits)}"] if limits else [])
        if reasons:
            apart.append((record, "; ".join(reasons)))
    return apart


def regrade_line(command: str, students: list[str]) -> str:
    """``command`` (with a ``{students}`` slot) for these students."""
    return command.replace("{students}", " ".join(f"--student {shlex.quote(s)}" for s in students))


def mistakes_markdown(records: list[StudentRecord], regrade: str, escape) -> list[str]:
    """The summary.md sections: mistakes to revisit, the named mistakes per check, students apart."""
    out = ["", "## Mistakes to revisit in class", ""]
    revisit = to_revisit(records)
    if revisit:
        out += [f"- **{escape(r['mistake'])}** — {len(r['students'])} of {r['attempted']} students "
                f"({r['exercise']} · `{r['function']}`)" for r in revisit[:8]]
    else:
        out.append("No named mistake was made by more than one student.")
    stats = mistake_statistics(records)
    if stats:
        out += ["", "## Named mistakes per check", "",
                "Students who failed each check (of those who attempted the exercise), and the mistakes "
                "behind the failures, most common first (`mistakes.csv` has every row; `mistakes.png` "
                "draws them).", "", "![Most common named mistakes](mistakes.png)", "",
                "| check | failed | mistake | students | who (first few) |", "| --- | --- | --- | --- | --- |"]
        for entry in stats:
            for mistake, students in entry["ranked"]:
                out.append(f"| {entry['exercise']} · `{entry['function']}`: {escape(entry['title'])} | "
                           f"{entry['failed']}/{entry['attempted']} | {escape(mistake)} | {len(students)} | "
                           f"{escape(', '.join(students[:EXAMPLES]))} |")
    apart = students_apart(records)
    if apart:
        out += ["", "## Students to grade again (a grader error or a limit decided their grade)", ""]
        out += [f"- {escape(r.student)}: {escape(why)}" for r, why in apart]
        if regrade:
            out += ["", "Once the cause is fixed (or with a higher `--timeout`, `--budget` or `--memory`):", "",
                    "```text", escape_controls(regrade_line(regrade, [r.student for r, _ in apart])), "```"]
    return out


def mistakes_png(records: list[StudentRecord]) -> bytes:
    """The most common named mistakes as horizontal bars (students who made each)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = named_mistakes(records)[:MAX_MISTAKE_BARS]
    rows.reverse()
    fig = Figure(figsize=(10, 1.6 + 0.32 * max(len(rows), 1)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots()
    if rows:
        axes.barh(range(len(rows)), [len(r["students"]) for r in rows], color="#c44e52")
        axes.set_yticks(range(len(rows)),
                        [clip_words(f"{r['function']}: {r['mistake']}", 80) for r in rows], fontsize=7)
        axes.set_xlabel("students who made the mistake")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set_title("The most common named mistakes (most common at the top)", fontsize=10)
    else:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "No failure matched a named mistake.", ha="center", va="center")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; font-size: 0.92rem; }
th, td { border-top: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.n { text-align: right; white-space: nowrap; }
img { max-width: 100%; height: auto; } pre { background: #f6f8fa; padding: 0.6rem; white-space: pre-wrap; }
.warn { color: #9a6700; } code { background: #f0f0f0; padding: 0 0.2rem; }
"""


def _image(png: bytes, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def summary_html(records: list[StudentRecord], folders: dict[str, str], regrade: str,
                 figures: dict[str, bytes], isolation: str) -> str:
    """The class report as one page a TA opens in a browser, offline: every figure inline."""

    def e(text: str) -> str:
        return html.escape(escape_controls(str(text)))

    body = ["<h1>Class summary</h1>"]
    if not records:
        body.append("<p>No students were graded.</p>")
    else:
        totals = [r.points for r in records]
        maximum = max(r.max_points for r in records)
        body.append(f"<p>{len(records)} students; mean {sum(totals) / len(totals):.1f} of "
                    f"{fmt_points(maximum)}; {sum(t == maximum for t in totals)} with full marks. "
                    f"Isolation: {e(isolation)}.</p>")
        body.append(_image(figures["summary.png"], "Score histogram and pass rate per check"))
        revisit = to_revisit(records)
        body.append("<h2>Mistakes to revisit in class</h2>")
        body.append("<ul>" + "".join(
            f"<li><strong>{e(r['mistake'])}</strong> — {len(r['students'])} of {r['attempted']} students "
            f"({e(r['exercise'])} · <code>{e(r['function'])}</code>)</li>" for r in revisit[:8]) + "</ul>"
            if revisit else "<p>No named mistake was made by more than one student.</p>")
        stats = mistake_statistics(records)
        if stats:
            body.append("<h2>Named mistakes per check</h2>")
            body.append(_image(figures["mistakes.png"], "The most common named mistakes"))
            rows = "".join(
                f"<tr><td>{e(entry['exercise'])} · <code>{e(entry['function'])}</code>: {e(entry['title'])}</td>"
                f"<td class='n'>{entry['failed']}/{entry['attempted']}</td><td>{e(mistake)}</td>"
                f"<td class='n'>{len(students)}</td><td>{e(', '.join(students[:EXAMPLES]))}</td></tr>"
                for entry in stats for mistake, students in entry["ranked"])
            body.append("<table><tr><th>check</th><th>failed</th><th>mistake</th><th>students</th>"
                        f"<th>who (first few)</th></tr>{rows}</table>")
        apart = students_apart(records)
        if apart:
            body.append("<h2 class='warn'>Students to grade again</h2><p>A grader error or a limit decided "
                        "their grade:</p><ul>" + "".join(f"<li>{e(r.student)}: {e(why)}</li>" for r, why in apart)
                        + "</ul>")
            if regrade:
                body.append(f"<pre>{e(regrade_line(regrade, [r.student for r, _ in apart]))}</pre>")
        ranked = sorted((s for s in check_statistics(records) if s["rate"] is not None and s["rate"] < 1),
                        key=lambda s: (s["rate"], s["exercise"]))
        if ranked:
            body.append("<h2>Checks some student failed</h2><table><tr><th>check</th><th>passed</th>"
                        "<th>rate</th></tr>" + "".join(
                            f"<tr><td>{e(s['exercise'])} · <code>{e(s['function'])}</code>: {e(s['title'])}</td>"
                            f"<td class='n'>{s['passed']}/{s['graded']}</td><td class='n'>{s['rate']:.0%}</td></tr>"
                            for s in ranked) + "</table>")
        body.append("<h2>Students</h2><table><tr><th>student</th><th>total</th><th>status</th>"
                    "<th>feedback</th></tr>" + "".join(
                        f"<tr><td>{e(r.student)}</td><td class='n'>{fmt_points(r.points)}/{fmt_points(r.max_points)}"
                        f"</td><td>{e(status_reason(r))}</td><td>"
                        + (f"<a href='{html.escape(_html_path(folders[r.student]))}'>feedback</a>"
                           if r.student in folders else "") + "</td></tr>" for r in records) + "</table>")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Class summary</title>"
            f"<style>{HTML_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _html_path(markdown_path: str) -> str:
    """The student's feedback.html beside their feedback.md, as a relative link."""
    from urllib.parse import quote

    return quote(markdown_path.removesuffix("feedback.md") + "feedback.html")
