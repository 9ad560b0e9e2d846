"""The draft agreement as plain data: numbered articles and clauses built from the committee's
decisions. The Word draft (mou.py), the meeting page's preview and the clause look-ups by
number ("show 4.3") all read this one structure, so they always agree.

A clause is the chosen alternative's text with its values filled in, the committee's own
wording (marked for counsel), the alternative the guidance recommends (marked as proposed), or
a highlighted gap. What the committee said about a clause never becomes clause text: it goes
with the clause as notes (Word comments in the draft). An answer that gives the SRO routine
discipline is never drafted as a duty: kept after the warning, it is a visible conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.documents.writer import xml_safe
from bot.guide import DEFINITIONS, FIELD, SIGNATURES, Alternative, Decision, Guide, Question
from bot.plans.text import capitalised
from bot.plans.views import AnswerView, Choice, PlanSnapshot

# What a piece of clause text is: the clause's own words, a value the committee gave, a value
# proposed from the guidance, or a gap to fill.
TEXT, VALUE, PROPOSED, MISSING = "text", "value", "proposed", "missing"
# Where a clause stands.
DECIDED, OWN_WORDING, PROPOSED_DEFAULT, OPEN, STANDING, HELD_BACK = (
    "decided",
    "own wording",
    "proposed",
    "open",
    "standing",
    "held back",
)
PLANNER = "Partnership Planner"  # the author of the notes the assistant adds itself

PROPOSED_MARK = "Proposed from the guidance; confirm"
STALE_CHOICE = "The committee's choice here names an alternative the guide no longer offers: choose again."
OWN_WORDING_NOTE = (
    "The committee's own wording of this clause, not one of the guide's alternatives: for counsel to review."
)
DISCIPLINE_HELD_BACK = (
    "An answer here would have the SRO handle routine discipline, which the COPS MOU guidance "
    "(section B) says the MOU should rule out. It is held back from this draft until the "
    "committee changes it or keeps it as written."
)
_CLAUSE_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})\s*\.\s*(\d{1,2})(?![\d.])")


def clause_number_in(text: str) -> str | None:
    """'what does clause 4.3 say?' -> '4.3'."""
    match = _CLAUSE_NUMBER.search(text)
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


@dataclass(frozen=True)
class Piece:
    text: str
    kind: str = TEXT


@dataclass(frozen=True)
class Note:
    """A remark on a clause: a member's words from the discussion, or the assistant's."""

    author: str
    text: str


@dataclass(frozen=True)
class Conflict:
    """An answer the committee kept that contradicts a standing clause."""

    question: str  # the short title of the question it answered
    answer: str
    speaker: str
    matter: str
    standing: str  # the standing clause's text


@dataclass(frozen=True)
class DraftClause:
    entry: str  # the question id, standing clause id or "definitions:Term" behind it
    number: str  # "4.3", as Word numbers it
    title: str
    pieces: tuple[Piece, ...]
    status: str
    bullets: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    decided_by: AnswerView | None = None
    chosen: str | None = None  # "option 2, School days, and summer programs"

    @property
    def text(self) -> str:
        return "".join(p.text if p.kind != MISSING else f"[To be decided: {p.text}]" for p in self.pieces)


@dataclass(frozen=True)
class DraftArticle:
    number: int
    title: str
    clauses: tuple[DraftClause, ...]
    signatures: bool = False


def draft_agreement(guide: Guide, plan: PlanSnapshot) -> list[DraftArticle]:
    numbers = guide.clause_numbers()
    conflicts = kept_conflicts(guide, plan)
    articles = []
    for article_number, article in enumerate(guide.articles, 1):
        clauses: list[DraftClause] = []
        for entry in article.clauses:
            if entry == DEFINITIONS:
                clauses += [
                    DraftClause(
                        f"{DEFINITIONS}:{d.term}",
                        numbers[f"{DEFINITIONS}:{d.term}"],
                        d.term,
                        (Piece(f"\u201c{d.term}\u201d means "), *_filled(d.meaning, plan)),
                        STANDING,
                    )
                    for d in guide.definitions
                ]
            elif entry != SIGNATURES:
                clauses.append(_clause(guide, plan, entry, numbers[entry], conflicts))
        articles.append(
            DraftArticle(article_number, article.title, tuple(clauses), signatures=SIGNATURES in article.clauses)
        )
    return articles


def draft_clause(guide: Guide, plan: PlanSnapshot, entry: str) -> DraftClause:
    """One clause, a definition included, as the whole draft would show it."""
    return next(c for article in draft_agreement(guide, plan) for c in article.clauses if c.entry == entry)


def proposal_for(guide: Guide, plan: PlanSnapshot, question: Question) -> str | None:
    """The alternative the guidance proposes for a decision the committee has passed without
    choosing (skipped, or gone by), if its conditions hold; a decision not reached yet is open."""
    if question.decision is None:
        return None
    current = plan.current_question_id
    passed = question.id in plan.skipped or current is None or guide.position(current) > guide.position(question.id)
    return question.decision.proposal(plan.chosen()) if passed else None


def kept_conflicts(guide: Guide, plan: PlanSnapshot) -> tuple[Conflict, ...]:
    """Answers kept as written after the discipline guardrail warned: each contradicts the
    standing clause that the SRO does not handle routine discipline."""
    standing = guide.standing_clause("no_routine_discipline").text
    return tuple(
        Conflict(guide.question(a.question_id).short, _said(a), a.speaker, a.discipline_matter or "", standing)
        for a in plan.answers
        if a.discipline_kept and a.discipline_matter
    )


def _clause(guide: Guide, plan: PlanSnapshot, entry: str, number: str, conflicts: tuple[Conflict, ...]) -> DraftClause:
    if entry in {c.id for c in guide.standing_clauses}:
        standing = guide.standing_clause(entry)
        # The standing clause on routine discipline carries every kept answer that contradicts it.
        here = conflicts if entry == "no_routine_discipline" else ()
        return DraftClause(entry, number, standing.title, tuple(_filled(standing.text, plan)), STANDING, conflicts=here)
    question = guide.question(entry)
    notes = tuple(discussion_notes(guide, plan, question))
    if any(a.discipline_unresolved for a in plan.answers_to(question.id)):
        notes += (Note(PLANNER, DISCIPLINE_HELD_BACK),)
    if question.options:
        return _options_clause(question, plan, number, notes)
    assert question.decision is not None  # the guide's check: an MOU question decides or lists
    decision = question.decision
    title = decision.title
    gap = (Piece(question.placeholder or title, MISSING),)
    decided = plan.decision(question.id)
    if decided is not None and decided.discipline_unresolved:
        return DraftClause(entry, number, title, gap, HELD_BACK, (), notes)
    if decided is not None and decided.discipline_kept:
        # Kept after the warning: shown as a conflict at the standing clause, never as a duty.
        return DraftClause(entry, number, title, gap, OPEN, (), notes)
    choice = decided.choice if decided is not None else None
    if choice is not None and choice.alternative is None:
        notes += (Note(PLANNER, OWN_WORDING_NOTE),)
        wording = (Piece(xml_safe(choice.wording or "").strip()),)
        return DraftClause(entry, number, title, wording, OWN_WORDING, (), notes, decided_by=decided)
    alternative = decision.find(choice.alternative) if choice and choice.alternative else None
    if choice is not None and alternative is None:
        notes += (Note(PLANNER, STALE_CHOICE),)
    if choice is not None and alternative is not None:
        pieces = tuple(alternative_pieces(decision, alternative, choice))
        chosen = f"option {decision.alternatives.index(alternative) + 1}, {alternative.label}"
        return DraftClause(entry, number, title, pieces, DECIDED, (), notes, decided_by=decided, chosen=chosen)
    proposal = proposal_for(guide, plan, question)
    if proposal:
        source = guide.cite(decision.proposed_source or "")
        notes += (Note(PLANNER, f"{PROPOSED_MARK}. The guidance recommends this ({source})."),)
        default = alternative_pieces(decision, decision.alternative(proposal), None)
        return DraftClause(
            entry, number, title, (Piece(f"[{PROPOSED_MARK}] ", PROPOSED), *default), PROPOSED_DEFAULT, (), notes
        )
    return DraftClause(entry, number, title, gap, OPEN, (), notes)


def alternative_pieces(decision: Decision, alternative: Alternative, choice: Choice | None) -> list[Piece]:
    """The alternative's text, each value as given, else its guidance default, else a gap."""
    pieces: list[Piece] = []
    position = 0
    for match in FIELD.finditer(alternative.text):
        pieces.append(Piece(alternative.text[position : match.start()]))
        name = match.group(1)
        given = choice.value(name) if choice else None
        value = decision.value(name)
        if given:
            pieces.append(Piece(given, VALUE))
        elif value.default:
            pieces.append(Piece(value.default, PROPOSED))
        else:
            pieces.append(Piece(value.label, MISSING))
        position = match.end()
    pieces.append(Piece(alternative.text[position:]))
    return [p for p in pieces if p.text]


def _filled(text: str, plan: PlanSnapshot) -> list[Piece]:
    return [Piece(text.format(school=plan.school, agency=plan.agency))]


def _options_clause(question: Question, plan: PlanSnapshot, number: str, notes: tuple[Note, ...]) -> DraftClause:
    """The example activities, chosen by number ("1, 3, 5", "all except 4")."""
    answers = [a for a in plan.answers_to(question.id) if not a.discipline_matter]
    picked = sorted({n for a in answers for n in chosen_options(a.text, len(question.options))})
    title = question.short
    if not picked:
        gap = (Piece(question.placeholder or title, MISSING),)
        return DraftClause(question.id, number, title, gap, OPEN, (), notes)
    bullets = tuple(question.options[n - 1] for n in picked)
    lead = question.options_lead or ""
    latest = max((a for a in answers if chosen_options(a.text, len(question.options))), key=lambda a: a.updated_at)
    chosen = f"activities {', '.join(str(n) for n in picked)}"
    return DraftClause(question.id, number, title, (Piece(lead),), DECIDED, bullets, notes, (), latest, chosen)


def discussion_notes(guide: Guide, plan: PlanSnapshot, question: Question) -> list[Note]:
    """What members said that informs this clause: the discussion answers to it and to the
    discussion questions that feed it, each with who said it. An answer that gives the SRO
    routine discipline is not among them: it is held back, or shown as a conflict."""
    answers = [a for a in plan.discussion(question.id) if not (question.options and _only_numbers(a.text))]
    answers += [a for q in guide.fed_by(question.id) for a in plan.answers_to(q.id)]
    return [Note(capitalised(a.speaker), _said(a)) for a in answers if not a.discipline_matter]


def _said(answer: AnswerView) -> str:
    role = f" ({answer.member_role})" if answer.member_role and answer.member_role != "other" else ""
    return f"{capitalised(answer.speaker)}{role}, {answer.created_at:%d %b %Y}: \u201c{answer.text.strip()}\u201d"


# --- example activities chosen by number ----------------------------------------------

_EXCEPT = re.compile(r"\b(?:except|but not|other than|apart from|excluding|without)\b(.*)", re.I | re.S)


def chosen_options(text: str, count: int) -> list[int]:
    """'1, 3 and 5' -> [1, 3, 5]; 'all except 4' -> every number but 4 (1-based)."""

    def numbers(fragment: str) -> set[int]:
        return {int(n) for n in re.findall(r"\b\d{1,2}\b", fragment) if 1 <= int(n) <= count}

    excluded_match = _EXCEPT.search(text)
    excluded = numbers(excluded_match.group(1)) if excluded_match else set()
    head = text[: excluded_match.start()] if excluded_match else text
    if re.search(r"\ball\b", head, re.I):
        return [n for n in range(1, count + 1) if n not in excluded]
    return sorted(numbers(head) - excluded)


def _only_numbers(text: str) -> bool:
    leftover = re.sub(
        r"\b(?:all|and|except|but|not|other|than|apart|from|excluding|of|them|numbers?|items?)\b|\d+|[\s,;.&+\-]",
        "",
        text,
        flags=re.I,
    )
    return leftover == ""
