"""Show text that came from a student (ids, file names, messages) as text, never as control.

Every report (CSV, Markdown, HTML, results.json, the terminal table) and the
output folder names pass student-chosen text through here.
"""

from __future__ import annotations

import re

#: Characters that move the cursor, reorder text or end a line where a reader does not expect it:
#: C0 and C1 controls (newline, CR, tab, ESC ...), DEL, bidi marks, embeddings, overrides and
#: isolates, and Unicode's line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with every control character shown as an escape (``\\n``, ``\\x1b``, ``\\u202e``).

    A student id or a file name is shown as what it is, never acted on: no
    line break inside a CSV row or a Markdown table, no terminal escape
    sequence, no right-to-left override that disguises a name. ``keep``:
    characters left as they are (``"\\n"`` for multi-line messages).
    """
    def show(match: re.Match) -> str:
        c = match.group()
        if c in keep:
            return c
        return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _CONTROLS.sub(show, text)


def block_text(text: str) -> str:
    """Multi-line text (a message, printed output) with its controls escaped but its lines kept."""
    return escape_controls(text.replace("\r\n", "\n"), keep="\n\t")
