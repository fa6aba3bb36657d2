"""The table every benchmark adds rows to, printed and written to results.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    benchmark: str
    measure: str
    result: str
    target: str = ""
    met: bool | None = None  # None: no target, or not measured
    note: str = ""


def seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def table(rows: list[Row]) -> str:
    lines = ["| benchmark | measure | result | target | met |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.benchmark} | {r.measure} | {r.result} | {r.target} | {_verdict(r.met)} |")
    return "\n".join(lines)


def plain_table(rows: list[Row]) -> str:
    """The same table for a terminal: aligned columns, no markdown."""
    head = ("benchmark", "measure", "result", "target", "met")
    body = [(r.benchmark, r.measure, r.result, r.target, _verdict(r.met).strip("*")) for r in rows]
    widths = [max(len(str(row[i])) for row in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths))] +
                     [fmt.format(*row) for row in body])


def write_markdown(path: Path, rows: list[Row], machine: dict[str, str], command: str,
                   notes: list[str]) -> None:
    parts = [
        "# Benchmark results",
        "",
        f"Written by `{command}`. Every number below comes from that one run, on this machine:",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
        "",
        table(rows),
        "",
    ]
    row_notes = [f"- {r.benchmark}, {r.measure}: {r.note}" for r in rows if r.note]
    if row_notes or notes:
        parts += ["## Notes", "", *row_notes, *[f"- {n}" for n in notes], ""]
    path.write_text("\n".join(parts), encoding="utf-8")
