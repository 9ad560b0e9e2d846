"""The discussion guide: sections and questions, read from guide.yml into dataclasses.

The guide drives the whole conversation. A new question is a new entry in guide.yml;
nothing in the Rasa files names a question.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

GUIDE_PATH = Path(__file__).with_name("guide.yml")
SIGNATORY_QUESTIONS = frozenset({"signatory_agency", "signatory_school"})
STATE = "state"  # the question whose choice names the state whose law applies
SPECIAL_USES = frozenset({"effective_date", STATE}) | SIGNATORY_QUESTIONS
# What a clause's typed values can be (bot/reading/values.py reads each from what was said).
VALUE_KINDS = frozenset({"time", "date", "duration", "count", "percent", "text", "list"})
# Entries of an article that are not a question's decision or a standing clause.
DEFINITIONS, SIGNATURES = "definitions", "signatures"
FIELD = re.compile(r"\{(\w+)\}")
# Names a standing clause may use besides its own values: the Parties as the plan names them.
PLAN_FIELDS = frozenset({"school", "agency"})
_WORD = re.compile(r"[a-z]+")
# Words that ask for a part of the agreement, say what to do with it, or only join words: never
# its subject ("show the clause on searches", "accept the roles and training articles").
_NOT_A_SUBJECT = frozenset(
    """about after again all and any are article articles asking asks before bit can clause clauses could
    default does draft each edit fix for from guidance has have how into its language let like look mou
    need now one open our part please pls propose proposed pull read regarding revise reword rewrite say
    says section sections see shall show standard suggested take text than that the their them then there
    these they thing this those under use wants was were what when where which who will with wording words
    would you your""".split()
)
# Endings taken off so that 'searches', 'searching' and 'search' meet, and 'duties' and 'duty'.
_ENDINGS = (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ing", ""), ("ed", ""), ("s", ""))


def stem(word: str) -> str:
    for ending, replacement in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + replacement
    return word


def subject_words(text: str) -> frozenset[str]:
    """The words of `text` that can name a subject, their endings taken off."""
    return frozenset(stem(w) for w in _WORD.findall(text.casefold()) if len(w) > 2 and w not in _NOT_A_SUBJECT)


def best_matches(said: str, titles: Mapping[Any, str]) -> list[Any]:
    """The keys whose titles best share the subject words of what was said: one when the
    subject is clear, several when it is not, none when no title shares a word. A word counts
    less the more titles carry it, so that in 'student records' the records, not every clause
    about students, decide."""
    words = subject_words(said)
    of_title = {key: words & subject_words(title) for key, title in titles.items()}
    carrying = Counter(word for shared in of_title.values() for word in shared)
    score = {key: sum(Fraction(1, carrying[w]) for w in shared) for key, shared in of_title.items()}
    best = max(score.values(), default=0)
    return [key for key, value in score.items() if value == best] if best else []


class GuideError(ValueError):
    """guide.yml does not have the shape this module expects."""


@dataclass(frozen=True)
class Value:
    """A typed value a clause needs: a time, a notice period, the schools covered."""

    name: str
    kind: str  # one of VALUE_KINDS
    label: str  # what the placeholder asks for while the value is missing
    default: str | None = None  # drafted, marked as proposed, when the committee gives none


@dataclass(frozen=True)
class Alternative:
    """One standard way to settle a decision, as clause text in contract voice; `{name}`
    marks where a value goes."""

    id: str
    label: str  # a few words: the page's button, and words a committee can choose it by
    text: str

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(FIELD.findall(self.text)))


@dataclass(frozen=True)
class Decision:
    """What an MOU question decides: a titled clause, settled by one of its alternatives (or
    by the committee's own wording). `proposed` names the alternative the guidance recommends:
    a skipped decision drafts it, marked for confirmation, instead of a gap."""

    title: str
    alternatives: tuple[Alternative, ...]
    values: tuple[Value, ...] = ()
    proposed: str | None = None
    proposed_source: str | None = None
    # The proposal holds only while these decisions stand as named: {question id: alternative id}.
    proposed_when: Mapping[str, str] = field(default_factory=dict)

    def proposal(self, chosen: Mapping[str, str | None]) -> str | None:
        """The alternative to draft, marked as proposed, while the committee has not chosen;
        `chosen` maps question ids to the alternative each decision stands on."""
        if self.proposed is None or any(chosen.get(q) != a for q, a in self.proposed_when.items()):
            return None
        return self.proposed

    def alternative(self, alternative_id: str) -> Alternative:
        return next(a for a in self.alternatives if a.id == alternative_id)

    def find(self, alternative_id: str) -> Alternative | None:
        """The alternative, if the guide still has it (a stored choice may predate a change)."""
        return next((a for a in self.alternatives if a.id == alternative_id), None)

    def value(self, name: str) -> Value:
        return next(v for v in self.values if v.name == name)


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
    decision: Decision | None = None
    placeholder: str | None = None
    special: str | None = None
    options: tuple[str, ...] = ()
    # The clause's lead line above the example activities chosen by number.
    options_lead: str | None = None
    # {state: the statute}: the states whose law requires this decision.
    required_by: Mapping[str, str] = field(default_factory=dict)
    # A decision strong agreements make beyond the COPS minimum: the review flags it while open.
    recommended: bool = False


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
    """A clause the draft MOU always carries, whatever the committee says. `{school}` and
    `{agency}` stand for the Parties' names."""

    id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Definition:
    term: str
    meaning: str  # may name the Parties as {school} and {agency}


@dataclass(frozen=True)
class Article:
    """An article of the draft agreement: its clauses in order, each a question's decision,
    a standing clause, or the definitions or signatures."""

    title: str
    clauses: tuple[str, ...]


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
    definitions: tuple[Definition, ...] = ()
    articles: tuple[Article, ...] = ()
    states: Mapping[str, str] = field(default_factory=dict)  # key -> name, as the state question's alternatives

    def standing_clause(self, clause_id: str) -> StandingClause:
        return next(c for c in self.standing_clauses if c.id == clause_id)

    def clause_numbers(self) -> dict[str, str]:
        """'4.3' for each numbered entry of the agreement: a question's decision, a standing
        clause, each definition ('definitions:Agency'). The numbers depend on the guide alone,
        never on the answers, so a clause keeps its number as the committee works."""
        numbers: dict[str, str] = {}
        for article_number, article in enumerate(self.articles, 1):
            clause_number = 0
            for entry in article.clauses:
                if entry == DEFINITIONS:
                    for definition in self.definitions:
                        clause_number += 1
                        numbers[f"{DEFINITIONS}:{definition.term}"] = f"{article_number}.{clause_number}"
                elif entry != SIGNATURES:
                    clause_number += 1
                    numbers[entry] = f"{article_number}.{clause_number}"
        return numbers

    def clause_at(self, number: str) -> str | None:
        """The entry numbered '4.3' (a question id, a standing clause id), if there is one."""
        return next((entry for entry, n in self.clause_numbers().items() if n == number), None)

    def clause_title(self, entry: str) -> str:
        """What the draft calls a numbered entry: a definition's term, a standing clause's title,
        a question's decision title (its short title when it has no decision)."""
        if entry.startswith(f"{DEFINITIONS}:"):
            return entry.partition(":")[2]
        if any(c.id == entry for c in self.standing_clauses):
            return self.standing_clause(entry).title
        question = self.question(entry)
        return question.decision.title if question.decision else question.short

    def clause_words(self, entry: str) -> str:
        """The words a committee may name a clause by: its title, and its question's short title."""
        title = self.clause_title(entry)
        asked = next((q for q in self.questions if q.id == entry), None)
        return f"{title} {asked.short}" if asked else title

    def clauses_about(self, said: str) -> list[str]:
        """The numbers of the clauses a message names by subject ('the clause on searches' ->
        ['4.3']); several when the words fit more than one equally."""
        numbers = self.clause_numbers()
        return [numbers[e] for e in best_matches(said, {e: self.clause_words(e) for e in numbers})]

    def articles_about(self, said: str) -> list[int]:
        """The numbers of the articles a message names by title ('the training article' -> [7])."""
        return best_matches(said, {n: a.title for n, a in enumerate(self.articles, 1)})

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
    # libyaml's loader: the guide is read at every start, and the pure-Python one takes 0.3 s.
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    sections = []
    for section_raw in raw.get("sections", []):
        section_id = section_raw.get("id", "?")
        questions = tuple(
            _build(
                Question,
                {**q, "decision": _decision(q["decision"], q.get("id", "?")) if "decision" in q else None},
                f"question {q.get('id', '?')}",
                section_id=section_id,
            )
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
        definitions=tuple(
            _build(Definition, d, f"definition {d.get('term', '?')}") for d in raw.get("definitions", [])
        ),
        articles=tuple(_build(Article, a, f"article {a.get('title', '?')}") for a in raw.get("articles", [])),
        states=dict(raw.get("states", {})),
    )
    _check(guide)
    return guide


def _decision(raw: Any, question_id: str) -> Decision:
    where = f"decision of {question_id}"
    if not isinstance(raw, dict):
        raise GuideError(f"{where}: expected a mapping")
    values = tuple(_build(Value, v, f"{where}, value {v.get('name', '?')}") for v in raw.get("values", []))
    alternatives = tuple(
        _build(Alternative, a, f"{where}, alternative {a.get('id', '?')}") for a in raw.get("alternatives", [])
    )
    decision: Decision = _build(Decision, {**raw, "values": values, "alternatives": alternatives}, where)
    return decision


def _check(guide: Guide) -> None:
    ids = [q.id for q in guide.questions]
    if len(ids) != len(set(ids)):
        raise GuideError("question ids must be unique")
    for q in guide.questions:
        part = guide.section(q.section_id).part
        settled_by = q.decision or q.options or q.special in SIGNATORY_QUESTIONS
        if part == "mou" and not (settled_by and q.placeholder):
            raise GuideError(f"MOU question {q.id} needs a decision (or options) and a placeholder")
        if part == "discussion" and (q.decision or q.placeholder):
            raise GuideError(f"discussion question {q.id} cannot carry a clause")
        if q.decision:
            _check_decision(q.id, q.decision)
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
    state = guide.special(STATE).decision
    if state is None or set(guide.states) - {a.id for a in state.alternatives}:
        raise GuideError("the state question must offer each state of the guide as an alternative")
    for q in guide.questions:
        if set(q.required_by) - set(guide.states):
            raise GuideError(f"question {q.id} is required by a state the guide does not know")
        for other, alternative in (q.decision.proposed_when if q.decision else {}).items():
            decision = guide.question(other).decision if other in ids else None
            if decision is None or alternative not in {a.id for a in decision.alternatives}:
                raise GuideError(f"question {q.id}: proposed_when names {other}: {alternative}, not in the guide")
    _check_articles(guide)


def _check_decision(question_id: str, decision: Decision) -> None:
    names = [v.name for v in decision.values]
    for value in decision.values:
        if value.kind not in VALUE_KINDS:
            raise GuideError(f"question {question_id}: value {value.name} has unknown kind {value.kind}")
    if len(decision.alternatives) < 2:
        raise GuideError(f"question {question_id}: a decision needs at least two alternatives")
    for alternative in decision.alternatives:
        unknown = set(alternative.fields) - set(names)
        if unknown:
            raise GuideError(f"question {question_id}: alternative {alternative.id} uses unknown values {unknown}")
    if decision.proposed is not None:
        if decision.proposed not in {a.id for a in decision.alternatives}:
            raise GuideError(f"question {question_id}: proposed alternative {decision.proposed} is not one of its own")
        if not decision.proposed_source:
            raise GuideError(f"question {question_id}: a proposed alternative names the guidance behind it")
    elif decision.proposed_when:
        raise GuideError(f"question {question_id}: proposed_when without a proposed alternative")


def _check_articles(guide: Guide) -> None:
    """Every MOU question and standing clause has exactly one place in the agreement."""
    placed = [entry for article in guide.articles for entry in article.clauses]
    expected = [
        q.id
        for q in guide.questions
        if guide.section(q.section_id).part == "mou" and q.special not in SIGNATORY_QUESTIONS
    ]
    expected += [c.id for c in guide.standing_clauses] + [DEFINITIONS, SIGNATURES]
    if sorted(placed) != sorted(expected):
        missing, extra = set(expected) - set(placed), set(placed) - set(expected)
        raise GuideError(f"the articles must place each MOU question and standing clause once: {missing=} {extra=}")
    for clause in guide.standing_clauses:
        if set(FIELD.findall(clause.text)) - PLAN_FIELDS:
            raise GuideError(f"standing clause {clause.id} names a value it cannot fill")
