"""The student-privacy screen: personal names and identifiers in an answer.

A planning discussion is about policy, not about individual students; a name, an ID number or a
date of birth in an answer would travel into a document shared with counsel, the board and the
public (COPS MOU guidance, section C: student records are governed by FERPA and other laws).
The screen finds such items so the bot can warn at once and the exports can leave them out.
Registered members and signatories are named on purpose and are never treated as private; nor are
the names of organisations, units and places, even where a word in one is a surname ("Jackson Middle School").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from bot.plans.members import is_member
from bot.plans.views import PersonalItem
from bot.reading.language import parse

_DATE = (
    r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4})"
)
IDENTIFIER_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "phone": re.compile(r"(?:\(\d{3}\) ?|\b\d{3}[-.])\d{3}[-.]\d{4}\b"),
    # Only a date introduced as a birth date: meeting and effective dates are not private.
    "birth_date": re.compile(
        r"(?:\bborn(?: on)?|\bDOB|\bdate of birth|\bbirth ?date|\bbirthday)\W{0,3}(?:is )?(" + _DATE + ")",
        re.IGNORECASE,
    ),
    "student_id": re.compile(
        r"(?:\bstudent(?: ID| id| number| no\.?)?|\bID(?: number| no\.?)?|\bnumber)\W{0,3}(?:is )?#?(\d{5,10})\b"
        r"|#(\d{5,10})\b"
    ),
    "address": re.compile(
        r"\b\d{1,6} (?:[NSEW]\.? )?(?:[A-Z][a-z]+ ){1,3}"
        r"(?:(?:Street|Avenue|Road|Drive|Lane|Boulevard|Court|Way|Place|Circle|Terrace|Parkway)\b"
        r"|(?:St|Ave|Rd|Dr|Ln|Blvd|Ct|Pl)\b\.?)"
    ),
}

# Words that end the name of a body, a unit or a place ("Patrol Division", "Jackson Middle School").
ORGANISATION_HEADS = {
    "academy",
    "agency",
    "association",
    "board",
    "bureau",
    "campus",
    "center",
    "city",
    "clinic",
    "coalition",
    "commission",
    "committee",
    "council",
    "county",
    "court",
    "department",
    "district",
    "division",
    "elementary",
    "foundation",
    "office",
    "program",
    "school",
    "schools",
    "section",
    "service",
    "services",
    "team",
    "unit",
    "university",
}

# Capitalised words that name roles, bodies or places rather than a person.
NOT_PERSONAL = ORGANISATION_HEADS | {
    "high",
    "middle",
    "police",
    "sheriff",
    "sheriff's",
    "policy",
    "act",
    "state",
    "principal",
    "superintendent",
    "sro",
    "sros",
    "chief",
    "officer",
    "deputy",
    "sergeant",
    "captain",
    "lieutenant",
    "ferpa",
    "hipaa",
    "nasro",
    "cops",
    "mou",
    "title",
    "room",
    "nc2s",
    "secure",
}

# The recogniser's labels for organisations, buildings and places.
BODY_LABELS = {"ORG", "FAC", "GPE", "NORP"}


class PrivacyScreen:
    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        # The recogniser misses some names; two or three capitalised proper nouns in a row
        # ("Oluwaseun Adeyemi") are read as a name too, unless a word says it is a body or place.
        self.proper_names = Matcher(nlp.vocab)
        self.proper_names.add("NAME", [[{"IS_TITLE": True, "POS": "PROPN"}] * n for n in (2, 3)], greedy="LONGEST")

    def find(self, text: str, members: Sequence[str] = ()) -> list[PersonalItem]:
        return self.find_in(parse(self.nlp, text), members)

    def find_in(self, doc: Doc, members: Sequence[str] = ()) -> list[PersonalItem]:
        items = list(identifiers(doc.text))
        taken = [(item.start, item.end) for item in items]
        candidates = [e for e in doc.ents if e.label_ == "PERSON"]
        candidates += [doc[start:end] for _, start, end in self.proper_names(doc)]
        for entity in candidates:
            name = entity.text.strip().rstrip(".,;:")
            name = re.sub(r"'s?$", "", name)
            start = entity.start_char
            if not looks_personal(name) or names_a_body(entity) or is_member(name, members):
                continue
            if any(start < end and start + len(name) > begin for begin, end in taken):
                continue
            taken.append((start, start + len(name)))
            items.append(PersonalItem(name, "name", start, start + len(name)))
        return sorted(items, key=lambda item: item.start)


def identifiers(text: str) -> Iterable[PersonalItem]:
    for kind, pattern in IDENTIFIER_PATTERNS.items():
        for match in pattern.finditer(text):
            group = next((g for g in range(1, (pattern.groups or 0) + 1) if match.group(g)), 0)
            yield PersonalItem(match.group(group), kind, match.start(group), match.end(group))


def names_a_body(span: Span) -> bool:
    """Whether the words are (part of) the name of an organisation, a unit or a place."""
    # The noun the words belong to: "Clinic" for "Riverside Behavioral Health" (the matcher takes
    # three words at most), "campus" for "the Harbor View campus", "Office" for "Office of Civil Rights".
    head = span.root
    while head.dep_ == "compound":
        head = head.head
    if head.dep_ == "pobj" and head.head.lower_ == "of":
        head = head.head.head
    if head.lower_ in ORGANISATION_HEADS:
        return True
    # An organisation or place the recogniser found around the words ("Lincoln Unified's Special
    # Education Services"). One that covers only the words is no sign: the model calls some
    # people's names an ORG ("Marcus Hill") or a GPE ("Aaliyah Washington").
    return any(
        entity.label_ in BODY_LABELS
        and entity.start < span.end
        and span.start < entity.end
        and any(t.pos_ in ("PROPN", "NOUN") and not span.start <= t.i < span.end for t in entity)
        for entity in span.doc.ents
    )


def looks_personal(name: str) -> bool:
    words = [w.casefold().strip(".,'") for w in name.split()]
    if not words or any(w in NOT_PERSONAL for w in words):
        return False
    # Typed names are capitalised; the recogniser sometimes tags lower-case words ("bell escape").
    if not name[:1].isupper():
        return False
    # Acronyms such as "SRO" or "CPTED" are not names.
    return not all(w.isupper() for w in name.split())
