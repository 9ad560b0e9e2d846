"""The completeness review: the plan checked against every element of the COPS MOU guidance
and the five SECURe action steps (the checks in guide.yml), plus any answer the discipline
guardrail flagged that the committee has not yet reworded or knowingly kept, every answer kept
that contradicts the standing clause on routine discipline, and the clauses not yet decided."""

from __future__ import annotations

from dataclasses import dataclass

from bot.guide import STATE, Check, Guide, Question
from bot.plans.views import AnswerView, PlanSnapshot

COVERED, MISSING, THIN = "covered", "missing", "thin"


@dataclass(frozen=True)
class ReviewItem:
    check: Check
    status: str  # COVERED, MISSING or THIN
    question: Question | None  # the question to go back to; None when covered
    words: int


@dataclass(frozen=True)
class DisciplineConcern:
    answer: AnswerView
    question: Question


@dataclass(frozen=True)
class Requirement:
    """A decision still open that the plan's state's law requires (`statute`), or that strong
    agreements make (statute None: recommended)."""

    question: Question
    statute: str | None


@dataclass(frozen=True)
class Review:
    items: tuple[ReviewItem, ...]
    discipline: tuple[DisciplineConcern, ...]
    # Kept as written after the warning: the draft shows each as a conflict to resolve.
    conflicts: tuple[DisciplineConcern, ...] = ()
    # Clauses with no choice yet and no default the guidance proposes: gaps in the draft.
    undecided: tuple[Question, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    state: str | None = None  # the state's name, when the guidance covers its law
    state_chosen: bool = False  # the committee said where it is (a state the guidance covers or not)

    @property
    def required(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.statute)

    @property
    def recommended(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.statute)

    @property
    def gaps(self) -> tuple[ReviewItem, ...]:
        return tuple(item for item in self.items if item.status != COVERED)

    @property
    def complete(self) -> bool:
        return not self.gaps and not self.discipline and not self.conflicts and not self.required

    def first_stop(self) -> Question | None:
        """Where to take the committee first: a flagged answer, a conflict, the first gap, else
        the first clause not yet decided."""
        for concerns in (self.discipline, self.conflicts):
            if concerns:
                return concerns[0].question
        if self.required:
            return self.required[0].question
        if self.gaps:
            return self.gaps[0].question
        return self.undecided[0] if self.undecided else None


def review_plan(guide: Guide, plan: PlanSnapshot) -> Review:
    words = {q.id: sum(len(a.text.split()) for a in plan.answers_to(q.id)) for q in guide.questions}
    answered = {a.question_id for a in plan.answers}
    items = []
    for check in guide.checks:
        questions = [guide.question(qid) for qid in check.questions]
        total = sum(words[q.id] for q in questions)
        unanswered = [q for q in questions if q.id not in answered]
        if unanswered:
            items.append(ReviewItem(check, MISSING, unanswered[0], total))
        elif total < check.min_words:
            items.append(ReviewItem(check, THIN, min(questions, key=lambda q: words[q.id]), total))
        else:
            items.append(ReviewItem(check, COVERED, None, total))
    discipline = tuple(
        DisciplineConcern(a, guide.question(a.question_id)) for a in plan.answers if a.discipline_unresolved
    )
    conflicts = tuple(
        DisciplineConcern(a, guide.question(a.question_id))
        for a in plan.answers
        if a.discipline_kept and a.discipline_matter
    )
    undecided = tuple(
        q for q in guide.questions if q.decision and not q.decision.proposed and _open(plan.decision(q.id))
    )
    state_question = guide.special(STATE)
    state = plan.chosen().get(state_question.id)
    requirements = tuple(
        Requirement(q, q.required_by.get(state or ""))
        for q in guide.questions
        if q.decision and (q.recommended or q.required_by) and _open(plan.decision(q.id))
    )
    return Review(
        tuple(items),
        discipline,
        conflicts,
        undecided,
        requirements,
        guide.states.get(state or ""),
        state_chosen=plan.decision(state_question.id) is not None,
    )


def _open(decided: AnswerView | None) -> bool:
    """No choice stands, or the one that does is held back or kept against the guardrail."""
    return decided is None or decided.discipline_matter is not None
