"""Characters that have no business in stored text, and how a typed line is cleaned of them.

Word's Shift+Enter types a vertical tab (U+000B); copy-paste from web pages and PDFs brings
zero-width spaces, byte-order marks and bidi overrides. They are invisible in a chat, yet a workbook
refuses them (openpyxl's IllegalCharacterError), terminals and Markdown minutes garble them, and a
right-to-left override (U+202E) can make a title read backwards. So every line a user types is
cleaned before it is read: line-breaking controls become a newline, the others are dropped.
Newline and tab stay; so do the zero-width joiners that emoji sequences and some scripts need.
"""

from __future__ import annotations

import re

# Controls that mean "new line" where they come from (Word, old Macs, Unicode's own separators).
_LINE_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# C0 and C1 controls other than tab and newline (\r is handled by the caller's line splitting).
_CONTROLS = "\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f"
# Invisible characters that break display: zero-width space, LRM/RLM, bidi embeddings, overrides and
# isolates, word joiner and invisible operators, the byte-order mark, the Arabic letter mark, and
# interlinear annotation marks. Not U+200C/U+200D (ZWNJ/ZWJ): emoji sequences and scripts need them.
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
_DROPPED = re.compile(f"[{_CONTROLS}{_INVISIBLE}]")


def clean_typed_text(text: str) -> str:
    """The text with line-breaking controls as newlines and other controls and invisibles removed."""
    return _DROPPED.sub("", _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n")))


def printable(text: str) -> str:
    """Stored text made safe to show or write to a file: for text stored before the cleaning existed.

    Tabs and newlines stay; every other control or invisible character goes.
    """
    return _DROPPED.sub("", _LINE_BREAKS.sub("\n", text))
