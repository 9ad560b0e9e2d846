"""Every piece of text a person types, cleaned the same way before it is stored or shown:
messages, answers, speakers, member and partner names.

Removed: NUL and the other control characters (a database refuses NUL; none of them means
anything in an answer), lone surrogates (half of an emoji: not text, and no encoder accepts
them), and the bidirectional embeddings, overrides and isolates, which make text display in
another order than it is stored ("Trojan Source"): a name could read as someone else's.
Kept: tabs and newlines, right-to-left letters themselves, emoji, everything else.
"""
from __future__ import annotations

import re

# C0 and C1 controls except tab, newline and carriage return; lone surrogates; the bidi
# embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    return _UNWANTED.sub("", text)

