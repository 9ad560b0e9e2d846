"""Who is in the room: member lists, roles, and who an answer is attributed to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.plans.views import MAX_NAME_LENGTH

ROLES = (
    "school administrator",
    "SRO or officer",
    "agency leadership",
    "parent",
    "student",
    "teacher or staff",
    "community member",
    "other",
)

# Keywords checked in this order: "assistant chief" is leadership, "school officer" an officer.
_ROLE_WORDS = (
    (
        "agency leadership",
        ("chief", "sheriff", "captain", "lieutenant", "commander", "undersheriff", "leadership", "sergeant", "sgt"),
    ),
    ("SRO or officer", ("sro", "officer", "deputy", "trooper", "police", "resource officer")),
    ("school administrator", ("principal", "superintendent", "administrator", "admin", "dean", "board", "director")),
    (
        "teacher or staff",
        ("teacher", "staff", "counselor", "counsellor", "nurse", "social worker", "psychologist", "coach", "aide"),
    ),
    ("parent", ("parent", "guardian", "mother", "father", "mom", "dad", "pta", "pto")),
    ("student", ("student", "pupil", "senior", "junior", "sophomore", "freshman")),
    ("community member", ("community", "resident", "pastor", "advocate", "neighbor", "neighbour", "naacp", "aclu")),
)

TITLES = (
    "mr",
    "ms",
    "mrs",
    "mx",
    "dr",
    "prof",
    "officer",
    "deputy",
    "sergeant",
    "sgt",
    "lieutenant",
    "lt",
    "captain",
    "capt",
    "chief",
    "sheriff",
    "principal",
    "superintendent",
    "coach",
    "pastor",
    "detective",
    "det",
    "corporal",
    "cpl",
    "trooper",
    "dean",
    "judge",
    "councilmember",
)
_TITLE = r"(?:%s)\.?" % "|".join(TITLES)
_NAME_WORD = r"[^\W\d_][\w'’\-.]*"
# "Dr. Patel", "Officer Dan Lee": a title and one to three name words.
_TITLED_NAME = re.compile(rf"^{_TITLE}\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}$", re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    name: str
    role: str


def role_from(text: str) -> str:
    """Map free wording ('Principal', 'PTA president', 'our SRO') to one of ROLES."""
    lowered = f" {text.casefold()} "
    for role, words in _ROLE_WORDS:
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            return role
    return "other"


def _tidy(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip(" \t.,;:-—–")[:MAX_NAME_LENGTH]


def parse_person(entry: str) -> Person | None:
    """'Maria Ortiz, principal', 'Officer Dan Lee (SRO)', 'Sam Green - parent'."""
    entry = entry.strip()
    match = re.match(r"^(.*?)\s*\((.*?)\)\s*$", entry)
    if match:
        name, role_text = match.groups()
    else:
        name, role_text = _split_role(entry)
    name = _tidy(name)
    if not name:
        return None
    role = role_from(role_text) if role_text.strip() else role_from(name)
    return Person(name=name, role=role)


def _split_role(entry: str) -> tuple[str, str]:
    """'Name, role', 'Name - role' or 'Name: role' -> (name, role wording)."""
    parts = re.split(r"\s*(?:,|\s[-–—]\s|:)\s*", entry, maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def parse_members(text: str) -> list[Person]:
    """One person per line or per semicolon."""
    people: dict[str, Person] = {}
    for entry in re.split(r"[;\n]+", text):
        person = parse_person(entry)
        if person and person.name.casefold() not in people:
            people[person.name.casefold()] = person
    return list(people.values())


ATTRIBUTION = re.compile(r"^\s*([^:\n]{2,%d}):[ \t]*(?=\S)" % MAX_NAME_LENGTH)


def likely_answer_text(text: str) -> str:
    """What `split_attribution` most likely leaves of a message as an answer, without knowing
    the committee: the words after a titled name or one to four capitalised words and a colon."""
    match = ATTRIBUTION.match(text)
    if not match:
        return text
    prefix = _tidy(match.group(1))
    words = prefix.split()
    if _TITLED_NAME.match(prefix) or (len(words) <= 4 and all(word[:1].isupper() for word in words)):
        return text[match.end() :]
    return text


def split_attribution(text: str, member_names: Iterable[str]) -> tuple[str | None, str]:
    """'Ms. Ortiz: we want...' -> ('Ms. Ortiz', 'we want...').

    Only a registered member's name or a titled name counts as a speaker, so an answer
    such as 'Note: the SRO...' keeps its first word.
    """
    match = ATTRIBUTION.match(text)
    if not match:
        return None, text
    prefix = _tidy(match.group(1))
    known = {name.casefold(): name for name in member_names}
    if prefix.casefold() in known:
        return known[prefix.casefold()], text[match.end() :]
    surname_matches = [n for n in known.values() if same_person(prefix, n)]
    if len(surname_matches) == 1:
        return surname_matches[0], text[match.end() :]
    if _TITLED_NAME.match(prefix):
        return prefix, text[match.end() :]
    return None, text


def same_person(said: str, registered: str) -> bool:
    """'Ms. Ortiz' or 'Ortiz' names the registered 'Maria Ortiz'."""
    said_words = [w for w in re.split(r"\s+", said.casefold().replace(".", "")) if w not in TITLES]
    registered_words = registered.casefold().replace(".", "").split()
    return (
        bool(said_words) and said_words[-1:] == registered_words[-1:] and all(w in registered_words for w in said_words)
    )


def resolve_name(said: str, member_names: Iterable[str]) -> str:
    """The registered spelling of a name when it is clearly the same person."""
    names = list(member_names)
    for name in names:
        if name.casefold() == said.casefold():
            return name
    matches = [n for n in names if same_person(said, n)]
    return matches[0] if len(matches) == 1 else said


_SPEAKER_PATTERNS = (
    r"^(?:the\s+)?next\s+speaker(?:\s+is)?\s*[:\-]?\s*(?P<name>.+)$",
    r"^(?:the\s+)?speaker(?:\s+is)?\s*[:\-]?\s*(?P<name>.+)$",
    r"^next\s+up(?:\s+is)?\s*[:\-]?\s*(?P<name>.+)$",
    r"^this\s+is\s+(?P<name>.+?)(?:\s+speaking)?$",
    r"^(?:and\s+)?now\s+(?P<name>.+?)(?:\s+(?:is\s+)?(?:speaking|answering))?$",
    r"^(?P<name>.+?)\s+(?:speaks|speaking|is\s+speaking|will\s+(?:speak|answer)|answers|is\s+answering|has\s+the\s+floor|goes)(?:\s+next|\s+now)?$",
    r"^(?P<name>.+?)\s+(?:here|next)$",
    r"^it['’]?s\s+(?P<name>.+?)\s+now$",
)


def parse_speaker(text: str) -> Person | None:
    """'Officer Lee speaks next' -> Person('Officer Lee', 'SRO or officer')."""
    cleaned = re.sub(r"\s+", " ", text).strip().rstrip(".!?")
    for pattern in _SPEAKER_PATTERNS:
        match = re.match(pattern, cleaned, re.IGNORECASE)
        if match:
            return parse_person(match.group("name"))
    return None


def names_a_speaker(text: str) -> bool:
    """Whether a short message can only be naming who speaks: a speaker phrase around a titled
    name ("Principal Okafor here") or a capitalised full name ("Elena Popescu will answer"). A
    single capitalised word counts after "now" or "this is" ("now Grace"); "Central High next"
    could be an answer, so "next" needs a title."""
    person = parse_speaker(text)
    if person is None:
        return False
    words = person.name.split()
    if _TITLED_NAME.match(person.name):
        return True
    capitalised = all(word[:1].isupper() for word in words)
    led = re.match(r"^\s*(?:and\s+)?(?:now|this\s+is)\s", text, re.IGNORECASE) is not None
    ends_next = re.search(r"\bnext\W*$", text, re.IGNORECASE) is not None
    return capitalised and not ends_next and (2 <= len(words) <= 3 or (len(words) == 1 and led))


# Someone named in passing: "Dr. Kim", "Officer Dan Reyes" (a title and capitalised words), or a
# capitalised name before what the person says or wants ("Jaylen says", "Grace wants").
_TITLED_MENTION = re.compile(rf"\b(?i:{_TITLE})\s+(?:[A-Z][\w'’\-]*\s?){{1,2}}")
_SAYS = r"says|said|wants|asks|asked|is asking|agrees|thinks|would like"
_NAMED_SAYER = re.compile(rf"\b[A-Z][a-z'’\-]+(?=\s+(?:{_SAYS})\b)")


_TITLE_BEFORE = re.compile(rf"\b(?i:{_TITLE})\s+$")
_TITLE_FIRST = re.compile(rf"(?i:{_TITLE})\s")


def addressed_by_title(text: str, start: int) -> bool:
    """Whether the name at `start` in `text` comes with a title ("Dr. Kim", "Coach Ferris"): a
    member of staff or of the community, not a student."""
    return bool(_TITLE_BEFORE.search(text[max(0, start - 20) : start]) or _TITLE_FIRST.match(text, start))


def without_people(text: str) -> str:
    """`text` with the people it mentions taken out: a facilitator relays members by name ("Dr.
    Kim wants to skip this one"), and a name says nothing about what the message asks for."""
    return _NAMED_SAYER.sub(" ", _TITLED_MENTION.sub(" ", text))


def is_member(name: str, members: Sequence[str]) -> bool:
    """'Ms. Ortiz', 'Ortiz' or just 'Dana' (a word of a registered member's name) is that member."""
    if any(same_person(name, member) for member in members):
        return True
    words = name.casefold().split()
    return len(words) == 1 and any(words[0] in member.casefold().split() for member in members)
