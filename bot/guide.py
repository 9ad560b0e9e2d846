"""The discussion guide: sections and questions, read from guide.yml into dataclasses.

The guide drives the whole conversation. A new question is a new entry in guide.yml;
nothing in the Rasa files names a question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

GUIDE_PATH = Path(__file__).with_name("guide.yml")
SIGNATORY_QUESTIONS = frozenset({"signatory_agency", "signatory_school"})
SPECIAL_USES = frozenset({"effective_date"}) | SIGNATORY_QUESTIONS


class GuideError(ValueError):
    """guide.yml does not have the shape this module expects."""


@dataclass(frozen=True)
class Question:
    id: str
    short: str
    text: str
    why: str
    follow_ups: tuple[str, ...]
    source: str
    section_id: str
    feeds: tuple[str, ...] = ()
    clause: str | None = None
    placeholder: str | None = None
    special: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    part: str  # "discussion" or "mou"
    title: str
    intro: str
    source: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class StandingClause:
    """A clause the draft MOU always carries, whatever the committee says."""

    id: str
    section: str
    text: str
    source: str


@dataclass(frozen=True)
class Check:
    """One element of the completeness review (COPS MOU guidance or a SECURe action step)."""

    id: str
    family: str
    title: str
    questions: tuple[str, ...]
    min_words: int
    source: str


@dataclass(frozen=True)
class Guide:
    title: str
    sources: Mapping[str, str]
    standing_clauses: tuple[StandingClause, ...]
    sections: tuple[Section, ...]
    checks: tuple[Check, ...] = ()

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def position(self, question_id: str) -> int:
        """0-based place of a question in the discussion order."""
        return [q.id for q in self.questions].index(question_id)

    def after(self, question_id: str) -> Question | None:
        questions = self.questions
        index = self.position(question_id) + 1
        return questions[index] if index < len(questions) else None

    def before(self, question_id: str | None) -> Question | None:
        questions = self.questions
        index = len(questions) if question_id is None else self.position(question_id)
        return questions[index - 1] if index > 0 else None

    def special(self, use: str) -> Question:
        return next(q for q in self.questions if q.special == use)

    def fed_by(self, question_id: str) -> tuple[Question, ...]:
        """Discussion questions whose answers can inform this MOU question."""
        return tuple(q for q in self.questions if question_id in q.feeds)

    def cite(self, source: str) -> str:
        """'cops_mou, section B; nc2s, Key Takeaways' -> full document names and places."""
        cited = []
        for part in source.split(";"):
            key, _, where = part.strip().partition(",")
            name = self.sources.get(key.strip(), key.strip())
            cited.append(f"{name}, {where.strip()}" if where.strip() else name)
        return "; ".join(cited)


def _build(cls: Any, raw: Any, where: str, **extra: Any) -> Any:
    if not isinstance(raw, dict):
        raise GuideError(f"{where}: expected a mapping")
    allowed = {f.name for f in fields(cls)} - set(extra)
    unknown = set(raw) - allowed
    if unknown:
        raise GuideError(f"{where}: unknown keys {sorted(unknown)}")
    values = dict(raw)
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    try:
        return cls(**values, **extra)
    except TypeError as error:
        raise GuideError(f"{where}: {error}") from None


def load_guide(path: Path = GUIDE_PATH) -> Guide:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections = []
    for section_raw in raw.get("sections", []):
        section_id = section_raw.get("id", "?")
        questions = tuple(
            _build(Question, q, f"question {q.get('id', '?')}", section_id=section_id)
            for q in section_raw.get("questions", [])
        )
        sections.append(_build(Section, {**section_raw, "questions": questions}, f"section {section_id}"))
    guide = Guide(
        title=raw["title"],
        sources=dict(raw["sources"]),
        standing_clauses=tuple(
            _build(StandingClause, c, f"clause {c.get('id', '?')}") for c in raw.get("standing_clauses", [])
        ),
        sections=tuple(sections),
        checks=tuple(_build(Check, c, f"check {c.get('id', '?')}") for c in raw.get("checks", [])),
    )
    _check(guide)
    return guide


def _check(guide: Guide) -> None:
    ids = [q.id for q in guide.questions]
    if len(ids) != len(set(ids)):
        raise GuideError("question ids must be unique")
    for q in guide.questions:
        part = guide.section(q.section_id).part
        if part == "mou" and not (q.clause and q.placeholder):
            raise GuideError(f"MOU question {q.id} needs a clause and a placeholder")
        if part == "discussion" and (q.clause or q.placeholder):
            raise GuideError(f"discussion question {q.id} cannot carry a clause")
        if q.special and q.special not in SPECIAL_USES:
            raise GuideError(f"question {q.id}: unknown special use {q.special}")
        for target in q.feeds:
            if target not in ids or guide.section(guide.question(target).section_id).part != "mou":
                raise GuideError(f"question {q.id} feeds unknown MOU question {target}")
    for use in SPECIAL_USES:
        if sum(q.special == use for q in guide.questions) != 1:
            raise GuideError(f"exactly one question must be the {use}")
    for check in guide.checks:
        if not check.questions or set(check.questions) - set(ids):
            raise GuideError(f"check {check.id} names unknown questions")
    section_ids = {s.id for s in guide.sections}
    for clause in guide.standing_clauses:
        if clause.section not in section_ids:
            raise GuideError(f"standing clause {clause.id} names unknown section {clause.section}")
