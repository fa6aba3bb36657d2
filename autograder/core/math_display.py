"""Expressions as mathematics in the feedback: presentation MathML and LaTeX, allow-listed.

Browsers render MathML natively, so the feedback needs no script and works
offline. The markup comes from SymPy's printer, run in the grading process on
an expression rebuilt from the student's tree by ``expression_tree.build``
(never from a student's text). SymPy does not escape a symbol's name, and a
record is data that could have been edited, so every piece of MathML is
checked again, element by element, against the allow-list below, both when a
check makes it and when the report writes it; anything else is dropped and
the plain text in the message stands alone. The notebooks' hidden cells show
the same expressions as LaTeX (``IPython.display.Math``), also printed by SymPy
and kept only when every command in it is one of the few SymPy writes here.
"""

from __future__ import annotations

import html
import re

#: The presentation elements SymPy's printer writes (``mfenced`` is rewritten as an ``mrow``:
#: browsers following MathML Core do not draw it).
ELEMENTS = {"math", "mrow", "mi", "mn", "mo", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
            "munderover", "munder", "mover", "mtext", "mspace", "mstyle", "mtable", "mtr", "mtd",
            "mpadded", "mphantom"}
ATTRIBUTES = {"mathvariant", "stretchy", "fence", "separator", "linethickness", "display", "form",
              "lspace", "rspace", "width", "columnalign"}
#: The named character references SymPy writes, as the characters they stand for.
ENTITIES = {"InvisibleTimes": "\u2062", "pi": "\u03c0", "ExponentialE": "\u2147", "ImaginaryI": "\u2148",
            "ApplyFunction": "\u2061", "PartialD": "\u2202", "dd": "\u2146", "infin": "\u221e",
            "lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "sdot": "\u22c5",
            "middot": "\u00b7", "times": "\u00d7", "minus": "\u2212"}
#: Longest MathML the feedback shows for one expression (an answer of 3,000 parts is not read anyway).
MAX_CHARS = 20_000

_TOKEN = re.compile(r"<(/?)([a-z]+)((?:\s+[a-z]+=\"[^\"<>&]*\")*)\s*(/?)>|([^<]+)")
_ATTRIBUTE = re.compile(r"([a-z]+)=\"([^\"]*)\"")
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z]{1,20});")


class Unsafe(ValueError):
    """The markup holds something outside the allow-list."""


def _text(raw: str) -> str:
    """Character data with every reference resolved and then escaped again."""
    def resolve(match):
        ref = match.group(1)
        if ref.startswith("#"):
            code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
            if not (0x20 <= code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
                raise Unsafe("a character reference out of range")
            return chr(code)
        if ref not in ENTITIES:
            raise Unsafe(f"an unknown entity {ref}")
        return ENTITIES[ref]

    if "&" in _REFERENCE.sub("", raw):
        raise Unsafe("a bare ampersand")
    return html.escape(_REFERENCE.sub(resolve, raw), quote=False)


def sanitize(markup: str) -> str:
    """The same MathML rebuilt from allowed elements and attributes only (``Unsafe`` otherwise)."""
    if not isinstance(markup, str) or len(markup) > MAX_CHARS:
        raise Unsafe("not MathML of a readable size")
    out, stack, position = [], [], 0
    for match in _TOKEN.finditer(markup):
        if match.start() != position:
            raise Unsafe("markup the allow-list does not read")
        position = match.end()
        closing, name, attributes, empty, text = match.groups()
        if text is not None:
            out.append(_text(text))
            continue
        if name == "mfenced":
            raise Unsafe("mfenced")  # SymPy's presentation printer does not write it since 1.7
        if name not in ELEMENTS:
            raise Unsafe(f"the element {name}")
        if closing:
            if not stack or stack.pop() != name or attributes or empty:
                raise Unsafe("unbalanced elements")
            out.append(f"</{name}>")
            continue
        kept = []
        for key, value in _ATTRIBUTE.findall(attributes):
            if key in ATTRIBUTES:
                kept.append(f' {key}="{html.escape(value)}"')
        if empty:
            out.append(f"<{name}{''.join(kept)}></{name}>")
        else:
            stack.append(name)
            out.append(f"<{name}{''.join(kept)}>")
    if position != len(markup) or stack:
        raise Unsafe("unbalanced elements")
    return "".join(out)


def mathml(expr) -> str:
    """Presentation MathML of a rebuilt expression, allow-listed ("" when SymPy cannot print it)."""
    from sympy.printing.mathml import mathml as print_mathml

    try:
        return sanitize(print_mathml(expr, printer="presentation"))
    except Exception:  # a printer failure or an unsafe piece: the plain text stands alone
        return ""


#: The Greek letters SymPy's LaTeX printer writes as commands (``sympy.printing.latex.greek_letters_set``,
#: written out: importing SymPy would cost every grading run half a second; a test keeps them equal).
GREEK_LETTERS = frozenset({"alpha", "beta", "chi", "delta", "epsilon", "eta", "gamma", "iota", "kappa", "lambda",
                           "mu", "nu", "omega", "omicron", "phi", "pi", "psi", "rho", "sigma", "tau", "theta",
                           "upsilon", "xi", "zeta"})
#: The LaTeX commands SymPy writes for this lesson's expressions (and the Greek letters of names).
LATEX_COMMANDS = {"frac", "left", "right", "log", "sqrt", "sum", "operatorname", "cdot", "limits", "exp",
                  "pi", "text", "mathrm", "partial", "infty"} | GREEK_LETTERS
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_LATEX_TEXT = re.compile(r"[A-Za-z0-9 \\{}^_()+\-*/=,.!|\[\]]*\Z")


def safe_latex(text: str) -> str:
    """``text`` if it is LaTeX of the allow-listed commands and plain characters only ("" otherwise)."""
    if not isinstance(text, str) or len(text) > 4000 or not _LATEX_TEXT.match(text):
        return ""
    for command in _LATEX_COMMAND.findall(text):
        if command not in LATEX_COMMANDS and command not in {",", ";", "!", " ", "{", "}", "|"}:
            return ""
    return text


def latex(expr) -> str:
    """LaTeX of a rebuilt expression, allow-listed ("" when SymPy cannot print it)."""
    import sympy

    try:
        return safe_latex(sympy.latex(expr))
    except Exception:  # a printer failure: the plain text stands alone
        return ""


def math_html(items) -> str:
    """The HTML of a check's shown expressions: each label, then its formula, checked again here."""
    rows = []
    for item in items or []:
        if not (isinstance(item, (list, tuple)) and len(item) in (2, 3) and all(isinstance(v, str) for v in item)):
            continue
        label, markup = item[:2]
        try:
            formula = sanitize(markup)
        except Unsafe:
            continue
        rows.append(f"<div class='math'><span class='label'>{html.escape(label)}</span> "
                    f"<math display='block'>{formula}</math></div>")
    return "".join(rows)
