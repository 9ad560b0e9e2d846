"""Personal details taken out of the text the documents print, by what the privacy screen found
(bot/reading/privacy.py) when each wording was saved. Plain string work: nothing is read again."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.plans.views import PersonalItem

# What replaces each kind of item in an export.
PLACEHOLDERS = {
    "name": "[name removed]",
    "student_id": "[ID removed]",
    "birth_date": "[date of birth removed]",
    "phone": "[phone number removed]",
    "email": "[email removed]",
    "address": "[address removed]",
}


def redact(text: str, items: Iterable[PersonalItem]) -> str:
    """The text with each item replaced by its placeholder; later items first keeps offsets valid."""
    for item in sorted(items, key=lambda i: i.start, reverse=True):
        if text[item.start : item.end] == item.text:
            text = text[: item.start] + PLACEHOLDERS[item.kind] + text[item.end :]
    return text


def redact_strings(text: str, items: Iterable[PersonalItem]) -> str:
    """Every occurrence of each item's text replaced, wherever it now stands (earlier wordings).
    One pass, longest first, whole words only: "Jake Smith" goes whole even where "Jake" is also
    an item, and "Al" leaves "Always" alone."""
    kinds = {item.text: item.kind for item in items if item.text.strip()}
    if not kinds:
        return text
    alternatives = "|".join(re.escape(t) for t in sorted(kinds, key=len, reverse=True))
    return re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", lambda m: PLACEHOLDERS[kinds[m.group(0)]], text)
