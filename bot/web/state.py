"""What the meeting page shows, as plain data for JSON."""

from __future__ import annotations

from typing import Any

from bot.documents.agreement import DraftArticle, DraftClause, draft_agreement
from bot.documents.writer import format_time
from bot.guide import Guide, Question
from bot.plans.planner import Planner
from bot.plans.text import capitalised
from bot.plans.views import ExportView

PageState = dict[str, Any]


def page_state(planner: Planner, code: str) -> PageState:
    guide = planner.guide
    plan = planner.snapshot(code)
    progress = planner.progress(code)
    question = progress.current
    section = guide.section(question.section_id) if question else None
    preview = _article_of(guide, question, draft_agreement(guide, plan)) if question else None
    answers = plan.answers_to(question.id) if question else []
    exports = planner.exports(code)
    latest: dict[str, ExportView] = {}
    for record in exports:
        latest.setdefault(record.kind, record)
    last_change = max((a.updated_at for a in plan.answers), default=plan.created_at)
    return {
        "plan": {"code": plan.code, "name": plan.name, "school": plan.school, "agency": plan.agency},
        "question": None
        if question is None
        else {
            "id": question.id,
            "number": guide.position(question.id) + 1,
            "total": len(guide.questions),
            "short": question.short,
            "text": question.text,
            "options": list(question.options),
            "section": section.title if section else "",
            "clause": guide.clause_numbers().get(question.id),
            # The page's buttons send "option N", as a member would say it.
            "alternatives": [
                {"number": index, "label": a.label, "proposed": a.id == question.decision.proposal(plan.chosen())}
                for index, a in enumerate(question.decision.alternatives, 1)
            ]
            if question.decision
            else [],
        },
        "progress": {
            "answered": progress.answered,
            "total": progress.total,
            "sections": [
                {
                    "title": s.title,
                    "answered": s.answered,
                    "total": s.total,
                    "current": bool(section and s.title == section.title),
                }
                for s in progress.sections
            ],
        },
        "answers": [
            {
                "who": capitalised(a.speaker),
                "role": a.member_role or "",
                "text": a.text,
                "when": format_time(a.created_at),
                "revised": a.was_revised,
            }
            for a in answers
        ],
        "members": [{"name": m.name, "role": m.role} for m in plan.members],
        "preview": None
        if preview is None
        else {
            "title": f"{preview.number}. {preview.title}",
            "number": preview.number,
            "clauses": [_clause(c) for c in preview.clauses],
        },
        "downloads": [
            {
                "kind": kind,
                "label": "Draft MOU" if kind == "draft_mou" else "Discussion summary",
                "file": record.file_name,
                "when": format_time(record.created_at),
            }
            for kind, record in sorted(latest.items())
        ],
        # Changes whenever anything the page shows changes, so pages re-render only then.
        "version": f"{len(plan.answers)}:{last_change.isoformat()}:"
        f"{question.id if question else '-'}:{len(exports)}:{len(plan.members)}",
    }


def _article_of(guide: Guide, question: Question, articles: list[DraftArticle]) -> DraftArticle | None:
    """The article holding the clause under discussion; a discussion question shows the
    article of the first clause it informs."""
    entries = [question.id, *question.feeds]
    for entry in entries:
        for article in articles:
            if any(c.entry == entry for c in article.clauses):
                return article
    return None


def _clause(clause: DraftClause) -> dict[str, Any]:
    """A clause as the page shows it: the same pieces and notes as the Word draft."""
    return {
        "number": clause.number,
        "title": clause.title,
        "status": clause.status,
        "pieces": [{"text": p.text, "kind": p.kind} for p in clause.pieces],
        "bullets": list(clause.bullets),
        "notes": [{"author": n.author, "text": n.text} for n in clause.notes],
        "conflicts": [
            f"Conflict: an answer kept on \u201c{c.question}\u201d gives the SRO a part in {c.matter}."
            for c in clause.conflicts
        ],
    }
