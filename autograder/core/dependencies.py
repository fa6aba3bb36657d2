"""Which of the student's functions call which, read from the student's source
(parsed, never run), so that a function failing because a function it calls is
wrong is told so first, instead of being diagnosed as if it were the culprit.

A caller that passes keeps its points and its result untouched: only failing
checks get the dependency sentence, with their own diagnosis kept after it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from . import student_source

#: Statuses of a function's own checks that make it a suspect for its callers.
FAILING = {"failed", "not_implemented", "forbidden"}


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    return {node.name: node for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _local_names(function: ast.AST) -> set[str]:
    """Names a function binds itself (arguments, assignments): they shadow module functions."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
    return names


def _direct(defs: dict[str, ast.AST]) -> dict[str, set[str]]:
    """Module-level functions each function names (calls, or passes on, as to an optimiser)."""
    out = {}
    for name, node in defs.items():
        local = _local_names(node)
        out[name] = {n.id for n in ast.walk(node)
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                     and n.id in defs and n.id != name and n.id not in local}
    return out


def _raises_not_implemented(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def reached(source: str, graded) -> tuple[dict[str, list[str]], set[str]]:
    """(for each graded function, the other graded functions it reaches, transitively through
    any of the module's functions, nearest first; the graded functions that raise
    NotImplementedError themselves). Empty when the source cannot be parsed."""
    tree = student_source.parse(source)  # shared with the forbidden-routine scan: read only
    if tree is None:
        return {}, set()
    defs = _definitions(tree)
    direct = _direct(defs)
    graded = set(graded)
    out = {}
    for function in graded & defs.keys():
        order, seen, queue = [], {function}, sorted(direct[function])
        while queue:
            name = queue.pop(0)
            if name in seen:
                continue
            seen.add(name)
            if name in graded:
                order.append(name)
            queue.extend(sorted(direct[name] - seen))
        out[function] = order
    stubs = {name for name in graded & defs.keys() if _raises_not_implemented(defs[name])}
    return out, stubs


def _names(functions: list[str]) -> str:
    quoted = [f"`{f}`" for f in functions]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def attribute(results, source: str) -> list:
    """``results`` with "`caller` calls your `callee`, which fails its own checks: fix `callee` first"
    before the message of every failing check of a caller whose callee fails."""
    results = list(results)
    graph, stubs = reached(source, {r.function for r in results})
    status, order = {}, {}
    for r in results:
        order.setdefault(r.function, len(order))
        if r.status in FAILING:
            status.setdefault(r.function, set()).add(r.status)
    for i, r in enumerate(results):
        if r.status not in ("failed", "not_implemented"):
            continue
        if r.status == "not_implemented" and r.function in stubs:
            continue  # its own body raises NotImplementedError: it is not written yet
        culprits = sorted((f for f in graph.get(r.function, []) if f in status), key=order.get)
        if not culprits:
            continue
        if all(status[f] == {"not_implemented"} for f in culprits):
            why = ("which is not implemented yet" if len(culprits) == 1
                   else "which are not implemented yet")
            fix = "write it first" if len(culprits) == 1 else "write them first"
        else:
            why = ("which fails its own checks" if len(culprits) == 1
                   else "which fail their own checks")
            fix = f"fix {_names(culprits)} first" if len(culprits) == 1 else "fix them first"
        results[i] = replace(r, status="failed", message=(
            f"`{r.function}` calls your {_names(culprits)}, {why}: {fix}. "
            f"What this check saw, possibly a consequence of that:\n{r.message}"))
    return results


def blamed_on(function: str, message: str) -> list[str]:
    """The functions a failing check of ``function`` was attributed to by ``attribute`` (none
    when its message does not open with the dependency sentence)."""
    opening = f"`{function}` calls your "
    if not message.startswith(opening):
        return []
    named = message[len(opening):].split(", which", 1)[0]
    return re.findall(r"`([^`]+)`", named)
