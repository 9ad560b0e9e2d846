"""The completeness review: the plan checked against every element of the COPS MOU guidance
and the five SECURe action steps (the checks in guide.yml), plus any answer the discipline
guardrail flagged that the committee has not yet reworded or knowingly kept."""

from __future__ import annotations

from dataclasses import dataclass

from bot.guide import Check, Guide, Question
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
class Review:
    items: tuple[ReviewItem, ...]
    discipline: tuple[DisciplineConcern, ...]

    @property
    def gaps(self) -> tuple[ReviewItem, ...]:
        return tuple(item for item in self.items if item.status != COVERED)

    @property
    def complete(self) -> bool:
        return not self.gaps and not self.discipline

    def first_stop(self) -> Question | None:
        """Where to take the committee first: a flagged answer, else the first gap."""
        if self.discipline:
            return self.discipline[0].question
        return self.gaps[0].question if self.gaps else None


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
    return Review(tuple(items), discipline)
