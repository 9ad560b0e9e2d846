"""Every piece of text a person types, cleaned the same way before it is stored or shown:
messages, answers, speakers, member and partner names.

Removed: NUL (PostgreSQL refuses it, so the answer would be lost; it means nothing in
text), lone surrogates (half of an emoji: not text, and no encoder accepts them), and the
bidirectional embeddings, overrides and isolates, which make text display in another order
than it is stored ("Trojan Source"): a speaker's name could read as someone else's. Kept:
everything else, right-to-left letters and emoji included; the documents escape what Word's
XML cannot hold (bot/documents/writer.py).
"""

from __future__ import annotations

import re

# NUL; lone surrogates; the bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
_UNWANTED = re.compile("[\x00\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    return _UNWANTED.sub("", text)


def plural(count: int, thing: str) -> str:
    """'1 answer', '2 answers': every count the assistant writes goes through here."""
    return f"{count:,} {thing}" if count == 1 else f"{count:,} {thing}s"


def capitalised(text: str) -> str:
    """The first letter made upper case, for a label that opens a line ("The committee")."""
    return text[:1].upper() + text[1:]
