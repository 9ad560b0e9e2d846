"""What the meeting page shows, as plain data for JSON."""

from __future__ import annotations

from typing import Any

from bot.documents.mou import draft_section
from bot.documents.writer import format_time
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
    # The preview shows the MOU section under discussion; a discussion question previews
    # the first MOU section it feeds.
    preview_section = section
    if question and section and section.part != "mou" and question.feeds:
        preview_section = guide.section(guide.question(question.feeds[0]).section_id)
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
        if preview_section is None or preview_section.part != "mou"
        else {
            "title": preview_section.title,
            "clauses": [
                {
                    "title": c.title,
                    "lead": c.lead,
                    "paragraphs": list(c.paragraphs),
                    "bullets": list(c.bullets),
                    "placeholder": c.placeholder,
                    "note": c.note,
                }
                for c in draft_section(guide, plan, preview_section)
            ],
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
