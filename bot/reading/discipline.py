"""The discipline guardrail: does an answer give the SRO a part in routine student discipline?

COPS MOU guidance, section B: the MOU should say plainly that SROs do not respond to routine
discipline problems; code-of-conduct violations and misbehaviour are for school administrators
unless a crime is involved. An answer is flagged when, in one sentence, an officer is the one
acting on (or receiving) a routine discipline matter and that act is not negated.

Plain substring search cannot tell "the SRO will not handle dress code violations" from
"the officer will write up students for tardies", so this reads the dependency parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from bot.plans.views import DisciplineFlag
from bot.reading.language import parse

# Routine, non-criminal discipline matters (matched on lemmas and lower-case forms).
ROUTINE_MATTERS: dict[str, list[list[dict[str, Any]]]] = {
    "dress code": [
        [{"LOWER": "dress"}, {"LOWER": {"IN": ["code", "codes"]}}],
        [{"LEMMA": "uniform"}],
        [{"LOWER": "dress"}, {"LEMMA": "violation"}],
    ],
    "tardiness": [
        [{"LOWER": {"REGEX": r"^tard(y|ies|iness)$"}}],
        [
            {"LEMMA": "be", "OP": "?"},
            {"LOWER": "late"},
            {"LOWER": {"IN": ["to", "for"]}},
            {"LOWER": {"IN": ["class", "school", "first", "homeroom"]}},
        ],
    ],
    "classroom disruption": [
        [{"LEMMA": {"IN": ["disruption", "disrupt", "disruptive", "disrespectful"]}}],
        [{"LOWER": {"IN": ["disrupting", "disrupts"]}}],
    ],
    "code of conduct": [
        [{"LOWER": "code"}, {"LOWER": "of"}, {"LOWER": "conduct"}],
        [{"LOWER": "conduct"}, {"LEMMA": "violation"}],
    ],
    "discipline": [
        [
            {
                "LEMMA": {
                    "IN": [
                        "discipline",
                        "disciplinary",
                        "misbehavior",
                        "misbehaviour",
                        "misbehave",
                        "detention",
                        "tardie",
                    ]
                }
            }
        ],
        [{"LOWER": {"IN": ["disciplines", "disciplining", "disciplined", "misbehaving"]}}],
        [{"LOWER": "saturday"}, {"LOWER": "school"}],
    ],
    "hall passes": [
        [{"LOWER": {"IN": ["hall", "hallway"]}}, {"LEMMA": "pass"}],
        [{"LOWER": "without"}, {"LOWER": {"IN": ["a", "their"]}}, {"LEMMA": "pass"}],
    ],
    "phone rules": [
        [
            {"LOWER": {"IN": ["cell", "mobile"]}, "OP": "?"},
            {"LEMMA": "phone"},
            {"LEMMA": {"IN": ["policy", "rule", "use", "violation"]}},
        ],
        [
            {"LEMMA": {"IN": ["confiscate", "take", "put", "use"]}},
            {"LOWER": "away", "OP": "?"},
            {"POS": {"IN": ["DET", "PRON"]}, "OP": "?"},
            {"LEMMA": "phone"},
        ],
    ],
    "school rules": [
        [
            {"LOWER": {"IN": ["school", "classroom", "lunchroom", "cafeteria", "bus", "badge", "lanyard"]}},
            {"LEMMA": {"IN": ["rule", "policy"]}},
        ],
        [{"LOWER": {"IN": ["id", "badge"]}}, {"LOWER": {"IN": ["badge", "rule"]}}],
        [{"LEMMA": "lanyard"}],
    ],
    "disrespect": [
        [{"LEMMA": {"IN": ["swear", "profanity", "cursing", "curse", "disrespect"]}}],
        [{"LEMMA": "talk"}, {"LOWER": "back"}],
    ],
}

OFFICER_WORDS = {
    "sro",
    "sros",
    "officer",
    "officers",
    "deputy",
    "deputies",
    "police",
    "sergeant",
    "corporal",
    "trooper",
    "lieutenant",
    "detective",
}
# Verbs by which an officer hands a matter back to the school or keeps out of it.
HAND_BACK = {"refer", "return", "hand", "leave", "defer", "redirect", "send", "stay", "decline", "avoid"}
NEGATIONS = {"not", "never", "n't", "no"}
# The officer is the one ruled out: "rather than the SRO", "instead of the officer".
RULED_OUT = {"than", "instead", "except"}


class DisciplineGuard:
    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.matcher = Matcher(nlp.vocab)
        for matter, patterns in ROUTINE_MATTERS.items():
            self.matcher.add(matter, patterns)

    def check(self, text: str) -> list[DisciplineFlag]:
        return self.check_doc(parse(self.nlp, text))

    def check_doc(self, doc: Doc) -> list[DisciplineFlag]:
        flags: list[DisciplineFlag] = []
        matters = [(doc.vocab.strings[match_id], doc[start:end]) for match_id, start, end in self.matcher(doc)]
        for sentence in clauses(doc):
            found = [(m, span) for m, span in matters if span.start >= sentence.start and span.end <= sentence.end]
            if not found:
                continue
            present = list(officers(sentence))
            if any(hands_back(officer) for officer in present):
                continue  # "the officer will refer the matter back to the assistant principal"
            for officer in present:
                matter = self._assigned(officer, found)
                if matter:
                    flags.append(DisciplineFlag(officer.sent.text.strip(), matter))
                    break
        return flags

    def _assigned(self, officer: Token, found: list[tuple[str, Span]]) -> str | None:
        """The routine matter this officer is given, if the parse says so."""
        if ruled_out(officer):
            return None
        verb, is_agent = governing_verb(officer)
        if verb is None:
            return None
        clause_verbs = [verb, *shared_conjuncts(verb)] if is_agent else [verb]
        for clause_verb in clause_verbs:
            if negated(clause_verb) or (is_agent and clause_verb.lemma_ in HAND_BACK):
                continue
            scope = clause_tokens(clause_verb)
            for matter, span in found:
                if all(token.i in scope for token in span):
                    return matter
        return None


def clauses(doc: Doc) -> Iterable[Span]:
    """Sentences, split again at semicolons: "dress code stays with staff; the SRO responds to
    crimes" is two statements, though the parser often joins them."""
    for sentence in doc.sents:
        start = sentence.start
        for token in sentence:
            if token.text == ";":
                yield doc[start : token.i]
                start = token.i + 1
        if start < sentence.end:
            yield doc[start : sentence.end]


def officers(sentence: Span) -> Iterable[Token]:
    for token in sentence:
        if token.lower_ in OFFICER_WORDS or (
            token.lower_ == "enforcement" and token.i > 0 and token.nbor(-1).lower_ == "law"
        ):
            # "school resource officer" counts once, by its head word.
            if token.dep_ == "compound" and token.head.lower_ in OFFICER_WORDS:
                continue
            yield token


def governing_verb(officer: Token) -> tuple[Token | None, bool]:
    """The verb the officer takes part in, and whether the officer is its doer.

    Subjects and passive agents ("escorted by the SRO") do it; objects and recipients
    ("referred to the SRO", "call the SRO") receive the matter, which counts too.
    """
    token = officer
    # "Officer Lee": the name is the head of the title.
    while token.dep_ in {"compound", "appos", "poss"} and token.head is not token:
        token = token.head
    if token.dep_ in {"nsubj", "nsubjpass"}:
        return token.head, True
    if token.dep_ == "pobj" and token.head.dep_ == "agent":
        return token.head.head, True
    if token.dep_ == "pobj" and token.head.lower_ in {"to", "for", "by"}:
        return nearest_verb(token.head.head), False
    if token.dep_ in {"dobj", "dative", "attr"}:
        return nearest_verb(token.head), False
    if token.dep_ == "conj":
        return governing_verb(token.head)
    return None, False


def hands_back(officer: Token) -> bool:
    verb, is_agent = governing_verb(officer)
    return bool(verb is not None and is_agent and verb.lemma_ in HAND_BACK)


def shared_conjuncts(verb: Token) -> list[Token]:
    """Later verbs that share this verb's subject: "will monitor the cafeteria and write up kids".

    A conjunct without its own auxiliary shares the first verb's negation too
    ("will not issue citations or make arrests"), so it is left to that verb.
    """
    shared = []
    for conjunct in verb.conjuncts:
        own = {child.dep_ for child in conjunct.children}
        if conjunct.i < verb.i or own & {"nsubj", "nsubjpass"}:
            continue
        if negated(verb) and not own & {"aux", "auxpass"}:
            continue
        shared.append(conjunct)
    return shared


def nearest_verb(token: Token) -> Token | None:
    while token.pos_ not in {"VERB", "AUX"}:
        if token.head is token:
            return None
        token = token.head
    return token


def negated(verb: Token) -> bool:
    if any(child.dep_ == "neg" or child.lower_ in {"never"} for child in verb.children):
        return True
    # "has no role in dress code", "plays no part in discipline"
    return any(
        child.dep_ in {"dobj", "attr"} and any(d.lower_ == "no" for d in child.children) for child in verb.children
    )


def ruled_out(officer: Token) -> bool:
    """'..., not the officer', 'rather than the SRO', 'instead of the deputy'."""
    previous = [t.lower_ for t in officer.doc[max(officer.i - 3, officer.sent.start) : officer.i]]
    if any(word in NEGATIONS for word in previous[-2:]):
        return True
    if any(word in RULED_OUT for word in previous):
        return True
    return any(child.dep_ == "neg" for child in officer.children)


def clause_tokens(verb: Token) -> set[int]:
    """The verb's own clause: its subtree without the verbs conjoined after it, plus the
    subject it shares with the verb before it ("students will be stopped and written up")."""
    excluded: set[int] = set()
    for conjunct in verb.conjuncts:
        if conjunct.i > verb.i:
            excluded |= {t.i for t in conjunct.subtree}
    scope = {t.i for t in verb.subtree} - excluded
    subjects = {"nsubj", "nsubjpass"}
    if verb.dep_ == "conj" and not any(child.dep_ in subjects for child in verb.children):
        for child in verb.head.children:
            if child.dep_ in subjects:
                scope |= {t.i for t in child.subtree}
    return scope
