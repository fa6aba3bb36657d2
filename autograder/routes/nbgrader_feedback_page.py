"""nbgrader's feedback pages, readable offline: maths as MathML, the explorer as its picture.

nbgrader's feedback template loads MathJax from a CDN and the widgets' renderer
from another: opened without the network (or years later), its TeX stays raw
and the likelihood explorer's output is blank. ``OfflineFeedbackPage`` (a
preprocessor of ``generate_feedback``, in nbgrader's own process) rewrites the
notebook before it becomes a page:

- TeX in Markdown cells (``$...$``, ``$$...$$``) and LaTeX outputs (the hidden
  cells' and demos' ``IPython.display.Math``) become presentation MathML, which
  browsers draw natively. Every piece is converted by ``latex2mathml`` and then
  rebuilt from the allow-list of ``core/math_display.py``: a student's Markdown
  is their own text, so anything outside it keeps its TeX as plain text.
- A widget output keeps the picture it carries beside the widget (the explorer
  displays both: same data, same axes), and the notebook's saved widget state
  is dropped, so the page asks no widget renderer for it.

The page template ``feedback_offline`` (``nbgrader_templates/``) is nbgrader's
``feedback`` without the MathJax script. See docs/notebooks.md.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from ..core import math_display

#: The folder of the page template ``feedback_offline`` (nbgrader_config.py adds it).
TEMPLATES = Path(__file__).resolve().parent / "nbgrader_templates"
TEMPLATE_NAME = "feedback_offline"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)


def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """Allow-listed MathML of a TeX formula (None when it cannot be converted safely)."""
    from latex2mathml.converter import convert

    body = tex.strip()
    if body.startswith("\\displaystyle"):
        body, display = body[len("\\displaystyle"):], True
    try:
        markup = convert(body, display="block" if display else "inline")
        return math_display.sanitize(markup.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', ""))
    except Exception:  # noqa: BLE001 (a converter failing on odd TeX leaves the TeX as text)
        return None


def markdown_with_mathml(text: str) -> str:
    """Markdown whose TeX formulas are MathML; code spans and fenced code are left alone."""
    def display(match):
        markup = tex_to_mathml(match.group(1), display=True)
        return f"\n\n{markup}\n\n" if markup else match.group(0)

    def inline(match):
        return tex_to_mathml(match.group(1)) or match.group(0)

    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside code
        parts[i] = _INLINE_MATH.sub(inline, _DISPLAY_MATH.sub(display, parts[i]))
    return "".join(parts)


def latex_output_html(latex: str) -> str:
    """A LaTeX output (``$...$`` or ``$$...$$``) as a block of MathML, or its TeX as text."""
    tex = latex.strip()
    for fence in ("$$", "$"):
        if tex.startswith(fence) and tex.endswith(fence) and len(tex) > 2 * len(fence):
            tex = tex[len(fence):-len(fence)]
            break
    markup = tex_to_mathml(tex, display=True)
    return f"<div class=\"math-output\">{markup}</div>" if markup else f"<pre>{html.escape(latex)}</pre>"


class OfflineFeedbackPage(Preprocessor):
    """Maths as MathML and widgets as their pictures, so the feedback page needs no network."""

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = markdown_with_mathml(cell.source)
            for output in cell.get("outputs", []):
                data = output.get("data")
                if not data:
                    continue
                data.pop(WIDGET_VIEW, None)
                if "text/latex" in data and "text/html" not in data:
                    data["text/html"] = latex_output_html(data["text/latex"])
                    del data["text/latex"]
        return nb, resources
