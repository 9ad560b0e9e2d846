"""What an answer to an MOU question decides, if anything.

A committee settles a decision in one of four ways, and says anything else as discussion:
- by number: "2", "option 2", "the second one", "option 2, but 7:30 to 4:00";
- by the alternative's words: "school days, set hours", "let's go with every year";
- by changing the values of the choice already made: "make it 8:00 to 3:30";
- by dictating its own clause: "our wording: The SRO will ...".
A message that does none of these is a discussion answer: it informs the clause (a comment in
the draft, a line in the summary) and never becomes clause text.
"""

from __future__ import annotations

import re

from bot.guide import Alternative, Decision
from bot.plans.views import Choice
from bot.reading.values import Found, position_in, read_values

# "our wording: ...", "the clause should read: ...": the rest is the committee's own clause.
_DICTATED = re.compile(
    r"^\s*(?:(?:here is |here's )?our (?:own )?wording(?: is)?|own wording|dictat(?:e|ed|ion)|"
    r"(?:the )?clause (?:should )?reads?|write it as|word it as)\s*[:\-\u2013\u2014]\s*(?P<wording>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "option 2", "#2", "2.", "the second one", "number two", "we choose option 2, but ..."
_PICK = (
    r"(?P<verb>(?:we(?:'ll| will)? |let's |let us |i )?(?:choose|pick|take|go with|want|prefer|use)\s+)?"
    r"(?:the\s+)?(?P<marker>(?:option|alternative|choice|number|no\.?|#)\s*)?"
)
_BY_NUMBER = re.compile(
    _PICK + r"(?P<which>\d{1,2}|one|two|three|four|five|first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)"
    r"(?:\s+(?:one|option|alternative|choice))?(?P<rest>(?:\s*[,;:.\u2013\u2014-]|\s+(?:but|with|and)\b|\s*$).*)$",
    re.IGNORECASE | re.DOTALL,
)
# Said before values that change a choice already made: "make it 8:00 to 3:30", "change it to ...".
_CHANGE = re.compile(
    r"^\s*(?:but|make it|change (?:it|that|the values?|the times?|the hours?)(?: to)?|instead|"
    r"the values? (?:are|is)|set (?:it|the values?) to)\b",
    re.IGNORECASE,
)
# A question, an "or", a "maybe": the committee has not settled it, whatever numbers it names.
_UNSURE = re.compile(r"\?|\b(?:or|maybe|perhaps|unsure|not sure|either)\b", re.IGNORECASE)
# "not every year" names an alternative to reject it.
_NEGATION = re.compile(r"\b(?:not|no|never|don't|doesn't|neither|nor|without|against)\b", re.IGNORECASE)
# After "option 1, ...", words that open a remark rather than a value: "but we worry about cost".
_REMARK = re.compile(
    r"^(?:we|i|they|some|someone|if|as long as|since|because|though|although|however|which|that|it|this)\b",
    re.IGNORECASE,
)
# A choice by words is a short message; a longer one is discussion that happens to use them.
MAX_WORDS_TO_CHOOSE = 12
_FILLER = {"the", "a", "an", "of", "and", "or", "to", "we", "our", "let's", "go", "with", "choose", "pick", "use"}
_LEADING = re.compile(r"^[\s,;:.\u2013\u2014-]*(?:(?:but|with|and|then)\b[\s,;:]*)*", re.IGNORECASE)


def read_choice(decision: Decision, text: str, earlier: Choice | None = None) -> Choice | None:
    """The choice `text` makes on `decision`, or None when it is discussion. `earlier` is the
    choice that stands now, whose values a short message may change."""
    dictated = _DICTATED.match(text)
    if dictated:
        wording = dictated.group("wording").strip()
        return Choice(None, wording=wording) if any(ch.isalpha() for ch in wording) else None
    picked = _BY_NUMBER.match(text.strip())
    if picked and not _UNSURE.search(picked.group("rest")):
        number = _which(picked.group("which"))
        if number is not None and 1 <= number <= len(decision.alternatives):
            alternative = decision.alternatives[number - 1]
            if _names_an_option(decision, alternative, picked):
                return _with_values(decision, alternative, picked.group("rest"), earlier)
    if len(text.split()) > MAX_WORDS_TO_CHOOSE or _UNSURE.search(text) or _NEGATION.search(text):
        return None
    named = _named(decision, text)
    if named is not None:
        return _with_values(decision, named, _without_label(text, named), earlier, from_label=True)
    standing = decision.find(earlier.alternative) if earlier and earlier.alternative else None
    if earlier is not None and standing is not None:
        changed, _ = _values(decision, standing, text)
        if changed and (_CHANGE.match(text) or _mostly_values(text)):
            return Choice(standing.id, _merged(earlier, standing, changed))
    return None


def _names_an_option(decision: Decision, alternative: Alternative, picked: re.Match[str]) -> bool:
    """ "Option 2, ..." always does; a bare "Second, we need to talk about the summer" only when
    what follows the number is nothing or values, or, after a digit, the words a value takes."""
    if picked.group("verb") or picked.group("marker"):
        return True
    rest = _LEADING.sub("", picked.group("rest")).strip(" \t\n,;:.")
    if not rest or _mostly_values(rest):
        return True
    # "2: Harbor View High and Lincoln Middle": a digit, then the words of the clause's value.
    takes_words = any(decision.value(name).kind in ("text", "list") for name in alternative.fields)
    separated = re.match(r"\s*[:,\u2013\u2014-]", picked.group("rest")) is not None
    return picked.group("which").isdigit() and separated and takes_words and not _REMARK.match(rest)


def _which(said: str) -> int | None:
    said = said.casefold()
    if said.isdigit():
        return int(said)
    return position_in(said)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9']+", text.casefold()) if w not in _FILLER}


def _named(decision: Decision, text: str) -> Alternative | None:
    """The one alternative whose label's words the message says, all of them, and which makes
    up most of what it says: "every year" chooses, "we should review it every year with
    parents" is discussion."""
    said = _words(text)
    if _NEGATION.search(text):
        return None
    matches = [
        a
        for a in decision.alternatives
        if _words(a.label) and _words(a.label) <= said and len(_words(a.label)) * 2 >= len(said)
    ]
    if len(matches) > 1:  # "every year" inside "every year, with the community": the fuller label wins
        longest = max(len(_words(a.label)) for a in matches)
        matches = [a for a in matches if len(_words(a.label)) == longest]
    return matches[0] if len(matches) == 1 else None


def _without_label(text: str, alternative: Alternative) -> str:
    label = _words(alternative.label)
    return " ".join(w for w in text.split() if re.sub(r"[^a-z0-9']", "", w.casefold()).rstrip("s") not in label)


def _with_values(
    decision: Decision, alternative: Alternative, rest: str, earlier: Choice | None, from_label: bool = False
) -> Choice:
    values, remark = _values(decision, alternative, rest, free_text=not from_label)
    if earlier is not None and earlier.alternative == alternative.id:
        return Choice(alternative.id, _merged(earlier, alternative, values), remark=remark)
    return Choice(alternative.id, tuple(values.items()), remark=remark)


def _merged(earlier: Choice, alternative: Alternative, changed: dict[str, str]) -> tuple[tuple[str, str], ...]:
    values = {name: value for name, value in earlier.values if name in alternative.fields}
    values.update(changed)
    return tuple(values.items())


def _values(
    decision: Decision, alternative: Alternative, text: str, free_text: bool = True
) -> tuple[dict[str, str], bool]:
    """The values `alternative` needs, read from `text` in the order they are said: times to
    time values, durations to duration values, and so on; words left fill its first text or list
    value. Also whether words were left that are a remark ("but we worry about cost"), not a value."""
    found = read_values(text)
    values: dict[str, str] = {}
    taken: dict[str, int] = {}
    for name in alternative.fields:
        kind = decision.value(name).kind
        said = found.of_kind(kind)
        index = taken.get(kind, 0)
        if index < len(said):
            values[name] = said[index]
            taken[kind] = index + 1
    remainder = _remainder(text, found)
    words = [name for name in alternative.fields if decision.value(name).kind in ("text", "list")]
    if not free_text or not remainder:
        return values, False
    if not words or _REMARK.match(remainder) or _NEGATION.search(remainder):
        return values, len(re.findall(r"[A-Za-z]+", remainder)) > 1
    kind = decision.value(words[0]).kind
    given = _without_lead_in(alternative, words[0], remainder)
    values[words[0]] = _as_list(given) if kind == "list" else given
    return values, False


def _without_lead_in(alternative: Alternative, name: str, said: str) -> str:
    """ "paid by the booster club" for "... paid by {payer}": the clause already says "paid by"."""
    before = alternative.text[: alternative.text.index("{" + name + "}")].split()
    for size in (3, 2, 1):
        lead = " ".join(before[-size:]).casefold()
        if before[-size:] and said.casefold().startswith(lead + " "):
            return said[len(lead) + 1 :].strip()
    return said


def _remainder(text: str, found: Found) -> str:
    """The words left once the values read are taken out: "the Patrol Division sergeant"."""
    kept = "".join(ch for i, ch in enumerate(text) if not any(start <= i < end for start, end in found.spans))
    return _LEADING.sub("", kept).strip(" \t\n,;:.")


def _as_list(text: str) -> str:
    """'Adams, Baker and Cole' or one per line -> 'Adams, Baker and Cole'."""
    items = [i.strip(" .") for i in re.split(r",|;|\n|\band\b", text) if i.strip(" .")]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _mostly_values(text: str) -> bool:
    """A short message that is little but values ("8:00 to 3:30", "ninety days")."""
    found = read_values(text)
    covered = sum(end - start for start, end in found.spans)
    return covered >= len(text.strip()) * 0.5
