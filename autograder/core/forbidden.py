"""Find, in a student's source, the library routines that would do an exercise for them.

SPEC §1 forbids ``scipy.stats.norm.fit``, everything of ``sklearn.mixture`` and
``sklearn.cluster`` (their functions, their estimators and every method of
those estimators) and ``scipy.cluster.vq.kmeans*``. The sandbox child records
such calls as they happen, but that record lives in a process the student
controls; this module reads the source in the grading process, so unwrapping
or clearing the child's wrappers gains nothing.

Names are resolved the way Python binds them: imports (with aliases, inside
functions too), simple assignments (``fit = norm.fit``, ``model =
KMeans(2)``), attribute chains, calls, ``getattr`` with a constant name and
``importlib.import_module`` of a constant. A use is charged to the top-level
function whose body holds it, and to every function of the student's that
refers to that one (a helper, or a sibling module's function). Honest code is
left alone: ``np.linalg.norm``, a variable named ``fit``,
``scipy.stats.norm.logpdf``, ``stats.norm.pdf``.
"""

from __future__ import annotations

import ast
import functools

from . import student_source
from .manifest import forbidden_routines

#: Where module-level uses are charged (they cost nothing by themselves).
MODULE = "<module>"
#: The list lives in exercises.toml's [forbidden] table, with the rest of the grading policy;
#: a Policy may carry another (``analyse(..., listed=policy.forbidden)``).
_LISTED = forbidden_routines()

#: Marks a value made by calling what precedes it (an estimator instance, say).
CALLED = "()"


def forbidden(path: str, listed: dict | None = None) -> bool:
    """Whether a resolved dotted path names a forbidden routine, estimator or method.
    ``listed``: the policy's ``packages``, ``routines`` and ``prefixes`` (exercises.toml's by default)."""
    listed = _LISTED if listed is None else listed
    bare = path.replace(CALLED, "")
    if any(bare == p or bare.startswith(p + ".") for p in listed.get("packages", ())):
        return True
    if any(bare == r or bare.startswith(r + ".") for r in listed.get("routines", ())):
        return True
    return any(bare.startswith(p) for p in listed.get("prefixes", ()))


def shown(path: str) -> str:
    """A resolved path as the student would write it: ``sklearn.cluster.KMeans(...).predict``."""
    return path.removesuffix(CALLED).replace(CALLED, "(...)")


class _Scope:
    """Names bound in one function (or the module): name -> dotted path it stands for, or None
    for a name bound to something unknown (a parameter, a computed value), which hides any
    outer binding of that name."""

    def __init__(self, parent: _Scope | None = None):
        self.parent = parent
        self.names: dict[str, str | None] = {}

    def lookup(self, name: str) -> str | None:
        scope = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


class _Resolver:
    def __init__(self, scope: _Scope, siblings: set[str], listed: dict):
        self.scope = scope
        self.siblings = siblings
        self.listed = listed

    def path(self, node: ast.AST) -> str | None:
        """The dotted path an expression stands for, when it can be known from the source."""
        if isinstance(node, ast.Name):
            return self.scope.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.path(node.value)
            return f"{base}.{node.attr}" if base is not None else None
        if isinstance(node, ast.Call):
            func = node.func
            constant = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
            if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2 \
                    and constant and isinstance(constant[0], str):
                base = self.path(node.args[0])
                return f"{base}.{constant[0]}" if base is not None else None
            target = self.path(func)
            if target in ("importlib.import_module", "__import__") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                name = node.args[0].value
                return name if target == "importlib.import_module" else name.split(".")[0]
            return target + CALLED if target is not None else None
        return None


def _bind_import(scope: _Scope, node: ast.Import | ast.ImportFrom, listed: dict) -> list[str]:
    """Record what an import binds; returns the forbidden paths it imports by name."""
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                scope.names[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                scope.names[top] = top
            if forbidden(alias.name, listed):
                found.append(alias.name)
        return found
    if node.level or node.module is None:  # a relative import: nothing of the libraries
        return found
    for alias in node.names:
        full = f"{node.module}.{alias.name}"
        if alias.name == "*":
            if forbidden(node.module + ".x", listed) or forbidden(node.module, listed):
                found.append(f"{node.module}.*")
            continue
        scope.names[alias.asname or alias.name] = full
        if forbidden(full, listed):
            found.append(full)
    return found


def _targets(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    return []


class _Collector(ast.NodeVisitor):
    """Walks one top-level definition (or the module's own statements), recording uses."""

    def __init__(self, scope: _Scope, siblings: set[str], listed: dict):
        self.scope = scope
        self.resolver = _Resolver(scope, siblings, listed)
        self.uses: set[str] = set()
        self.refers: set[str] = set()  # the student's functions (this module's or a sibling's) it names

    def _note(self, path: str | None) -> None:
        if path is None:
            return
        if forbidden(path, self.resolver.listed):
            self.uses.add(path)
        elif path.startswith(MODULE + "."):
            self.refers.add(path)
        else:
            module = path.split(".")[0]
            if module in self.resolver.siblings and "." in path:
                self.refers.add(path.replace(CALLED, ""))

    def visit_Import(self, node):
        self.uses.update(_bind_import(self.scope, node, self.resolver.listed))

    visit_ImportFrom = visit_Import

    def visit_Assign(self, node):
        self.visit(node.value)
        value = self.resolver.path(node.value)
        for target in node.targets:
            for name in _targets(target):
                self.scope.names[name] = value

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            value = self.resolver.path(node.value)
            for name in _targets(node.target):
                self.scope.names[name] = value

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.scope.names[node.target.id] = self.resolver.path(node.value)

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            value = self.resolver.path(item.context_expr)
            for name in _targets(item.optional_vars) if item.optional_vars is not None else ():
                self.scope.names[name] = value
        for statement in node.body:
            self.visit(statement)

    def _expression(self, node):
        self._note(self.resolver.path(node))
        self.generic_visit(node)

    visit_Name = visit_Attribute = visit_Call = _expression

    def visit_For(self, node):
        self.visit(node.iter)
        for name in _targets(node.target):
            self.scope.names[name] = None
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def _nested(self, node):
        # A nested function or class: its own names, still charged to the enclosing definition.
        outer = self.scope
        for default in getattr(getattr(node, "args", None), "defaults", []):
            self.visit(default)
        self.scope = self.resolver.scope = _Scope(outer)
        try:
            arguments = getattr(node, "args", None)
            if arguments is not None:
                for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + \
                        [a for a in (arguments.vararg, arguments.kwarg) if a is not None]:
                    self.scope.names[arg.arg] = None
            body = node.body if isinstance(node.body, list) else [node.body]
            for decorator in getattr(node, "decorator_list", []):
                self.visit(decorator)
            for child in body:
                self.visit(child)
        finally:
            self.scope = self.resolver.scope = outer

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _nested


def analyse(source: str, siblings: dict[str, str] | None = None,
            listed: dict | None = None) -> dict[str, list[str]]:
    """Forbidden routines used by each top-level function of ``source`` (and ``MODULE``).

    ``siblings``: the student's other exercise modules (name -> source), so a
    function importing a sibling's function inherits what that one uses.
    Returns ``{function: [routine, ...]}`` for the functions that use one,
    routines as the student would write them; a source Python cannot read
    gives ``{}`` (its import fails, and says why). ``listed``: the policy's forbidden
    routines (exercises.toml's by default).
    """
    siblings = siblings or {}
    listed = _LISTED if listed is None else listed
    if not _names_any(source, siblings):
        # A sibling is reached only through its name (an import, ``import_module("em_gmm")``):
        # a file that never names one has the analysis it has alone, kept for when it is a
        # sibling, so each file is walked once per student.
        return {function: list(routines)
                for function, routines in _analyse_alone(source, _frozen(listed)).items()}
    sibling_uses: dict[str, list[str]] = {}
    for name, text in siblings.items():
        for function, routines in _analyse_alone(text, _frozen(listed)).items():
            sibling_uses[f"{name}.{function}"] = list(routines)
    return _analyse_one(source, set(siblings), sibling_uses, listed)


def _names_any(source: str, siblings) -> bool:
    """Whether a name or string of ``source`` holds a sibling's name as Python reads it: the
    source's text is not enough ("em_" "gmm", "em\\x5fgmm" and the full-width letters of an
    identifier all become em_gmm)."""
    if not siblings:
        return False
    if any(name in source for name in siblings):
        return True
    tree = student_source.parse(source)
    if tree is None or student_source.depth(source) > student_source.MAX_NESTING:
        return True  # the full analysis decides what such a file gets
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            text = node.value if isinstance(node.value, str) else None
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.alias):
            text = node.name
        elif isinstance(node, ast.ImportFrom):
            text = node.module
        else:
            continue
        if text and any(name in text for name in siblings):
            return True
    return False


def _frozen(listed: dict) -> tuple:
    return tuple((kind, tuple(names)) for kind, names in sorted(listed.items()))


@functools.lru_cache(maxsize=64)
def _analyse_alone(source: str, listed: tuple) -> dict[str, tuple[str, ...]]:
    """A sibling's analysis on its own: the same file is a sibling of each of the student's
    other exercises, so it is parsed once per student, not once per exercise."""
    return {name: tuple(routines)
            for name, routines in _analyse_one(source, set(), {}, {k: list(v) for k, v in listed}).items()}


def _analyse_one(source: str, siblings: set[str], sibling_uses: dict[str, list[str]],
                 listed: dict) -> dict[str, list[str]]:
    """A file too deep to walk gives ``{}``: the grader refuses to grade it (``student_source``),
    and as a sibling its routines are still refused where they run (the child's stand-ins)."""
    tree = student_source.parse(source)
    if tree is None or student_source.depth(source) > student_source.MAX_NESTING:
        return {}
    try:
        return _analyse_tree(tree, siblings, sibling_uses, listed)
    except RecursionError:
        return {}


def _analyse_tree(tree: ast.Module, siblings: set[str], sibling_uses: dict[str, list[str]],
                  listed: dict) -> dict[str, list[str]]:
    definitions = {node.name: node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    module_scope = _Scope()
    module_scope.names.update({name: f"{MODULE}.{name}" for name in definitions})
    module = _Collector(module_scope, siblings, listed)
    for node in tree.body:  # the module's own statements bind the globals functions see
        if node.__class__.__name__ not in ("FunctionDef", "AsyncFunctionDef", "ClassDef"):
            module.visit(node)
    uses: dict[str, set[str]] = {MODULE: set(module.uses)}
    refers: dict[str, set[str]] = {MODULE: set(module.refers)}
    for name, node in definitions.items():
        collector = _Collector(module_scope, siblings, listed)
        collector._nested(node)
        uses[name], refers[name] = collector.uses, collector.refers
    # A function that refers to another of the student's inherits what that one uses.
    changed = True
    while changed:
        changed = False
        for name in definitions:
            for target in list(refers[name]):
                if target.startswith(MODULE + "."):
                    inherited = uses.get(target.split(".")[1].replace(CALLED, ""), set())
                else:
                    inherited = set(sibling_uses.get(target, []))
                if not inherited <= uses[name]:
                    uses[name] |= inherited
                    changed = True
    return {name: _outermost(found) for name, found in uses.items() if found}


def _outermost(paths: set[str]) -> list[str]:
    """The longest chains only (``KMeans(...).predict``, not also ``KMeans``), as written."""
    kept = [p for p in paths if not any(o != p and o.startswith(p) and o[len(p)] in ".(" for o in paths)]
    return sorted({shown(p) for p in kept})
