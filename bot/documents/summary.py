"""The discussion summary, for the facilitator: on its first page what was decided (the choice
and its values, who proposed it, when), what is still open, the conflicts and where members
differ; then the themes, who took part, every answer with who gave it and when, and the
completeness review."""

from __future__ import annotations

from datetime import datetime

from docx.document import Document as DocumentObject

from bot.documents.agreement import (
    HELD_BACK,
    MISSING,
    OPEN,
    OWN_WORDING,
    PROPOSED,
    PROPOSED_DEFAULT,
    VALUE,
    DraftArticle,
    DraftClause,
    draft_agreement,
)
from bot.documents.writer import Writer, format_time, set_header_footer, xml_safe
from bot.guide import Guide, Question
from bot.plans.review import COVERED, Review, review_plan
from bot.plans.review import MISSING as ELEMENT_MISSING
from bot.plans.text import capitalised, plural
from bot.plans.themes import Theme, concerns, themes
from bot.plans.views import AnswerView, PlanSnapshot

PARTICIPANT_COLUMNS = ("Name", "Role")


def build_summary(
    guide: Guide, plan: PlanSnapshot, now: datetime, articles: list[DraftArticle] | None = None
) -> DocumentObject:
    """First page: what was decided, what is open, the conflicts and where members differ.
    Then the themes, the people, every answer with who and when, and the completeness review.
    `articles`: the plan's draft_agreement, when the caller has it already."""
    doc = Writer()
    set_header_footer(doc.doc, f"Discussion summary — {plan.name}", f"Summary · {plan.name} · plan {plan.code}")
    doc.run(doc.paragraph(style="Title"), "Discussion summary")
    doc.text(doc.paragraph(style="Subtitle"), plan.name)
    answered = {a.question_id for a in plan.answers}
    doc.paragraph(
        f"Plan {plan.code}, started {format_time(plan.created_at)}, summary compiled "
        f"{format_time(now)}. {len(answered)} of {len(guide.questions)} questions have "
        f"answers; {len(plan.answers)} answers in all.",
        style="Guidance Note",
    )
    articles = draft_agreement(guide, plan) if articles is None else articles
    clauses = [c for article in articles for c in article.clauses]
    review = review_plan(guide, plan)
    _decisions(doc, clauses)
    _still_open(doc, guide, plan, articles)
    _conflicts(doc, clauses, review)
    _differences(doc, guide, plan)
    doc.page_break()

    doc.heading("Themes", level=1)
    doc.paragraph(
        "Topics the committee's answers share, those raised by the most members first.", style="Guidance Note"
    )
    discussed = [a for a in plan.answers if a.choice is None]
    shared = themes(discussed, limit=8)
    for theme in shared:
        doc.paragraph(xml_safe(theme_line(theme)), style="List Bullet")
    if not shared:
        doc.paragraph("No topic came up in more than one answer yet.", style="Guidance Note")
    doc.heading("Concerns raised most", level=2)
    raised = concerns(discussed)
    if not raised:
        doc.paragraph("No worry or risk was raised by more than one answer.", style="Guidance Note")
    for theme in raised:
        doc.paragraph(xml_safe(theme_line(theme)), style="List Bullet")

    _people(doc, plan)

    doc.heading("Appendix: every answer", level=1)
    number = 0
    for section in guide.sections:
        doc.heading(section.title, level=2)
        for question in section.questions:
            number += 1
            _question(doc, guide, plan, question, number)

    _review_appendix(doc, guide, plan, review)
    return doc.doc


DECISION_COLUMNS = ("Clause", "Decided", "Proposed by", "When")


def _decisions(doc: Writer, clauses: list[DraftClause]) -> None:
    doc.heading("Decisions made", level=1)
    decided = [c for c in clauses if c.decided_by is not None]
    if not decided:
        doc.paragraph("No clause has been decided yet.", style="Guidance Note")
        return
    table = doc.table(1 + len(decided), len(DECISION_COLUMNS))
    for cell, heading in zip(table.rows[0].cells, DECISION_COLUMNS):
        doc.run(cell.paragraphs[0], heading).bold = True
    for row, clause in zip(table.rows[1:], decided):
        answer = clause.decided_by
        assert answer is not None
        where, what, who, when = row.cells
        doc.text(where.paragraphs[0], f"{clause.number} {clause.title}")
        doc.text(what.paragraphs[0], decided_line(clause))
        doc.text(who.paragraphs[0], capitalised(answer.speaker))
        doc.text(when.paragraphs[0], format_time(answer.updated_at))


def decided_line(clause: DraftClause) -> str:
    """'Option 2, School days, and summer programs: 7:30 a.m., 4:00 p.m.', or the own wording."""
    if clause.status == OWN_WORDING:
        return f"The committee's own wording: “{clause.text}”"
    values = [p.text for p in clause.pieces if p.kind in (VALUE, PROPOSED)]
    missing = [p.text for p in clause.pieces if p.kind == MISSING]
    line = capitalised(clause.chosen or "") + (f": {', '.join(values)}" if values else "")
    if missing:
        line += f" (still to decide: {', '.join(missing)})"
    return line


def _still_open(doc: Writer, guide: Guide, plan: PlanSnapshot, articles: list[DraftArticle]) -> None:
    """One line per article, so that the first page holds it even for a plan just begun."""
    doc.heading("Still open", level=1)
    lines = []
    for article in articles:
        waiting = [_open_entry(c, plan) for c in article.clauses if c.status in (OPEN, HELD_BACK, PROPOSED_DEFAULT)]
        if waiting:
            lines.append(f"{article.number}. {article.title}: " + "; ".join(waiting) + ".")
    discussion = [q for q in guide.questions if guide.section(q.section_id).part == "discussion"]
    waiting = [q.short for q in discussion if not plan.answers_to(q.id)]
    if waiting:
        lines.append("Discussion questions not yet discussed: " + "; ".join(waiting) + ".")
    for line in lines:
        doc.paragraph(xml_safe(line), style="List Bullet")
    if not lines:
        doc.paragraph("Nothing is open: every clause is decided.")


def _open_entry(clause: DraftClause, plan: PlanSnapshot) -> str:
    state = {
        HELD_BACK: " (held back: an answer gives the SRO routine discipline)",
        PROPOSED_DEFAULT: " (proposed from the guidance: confirm)",
    }.get(clause.status, " (skipped for now)" if clause.entry in plan.skipped else "")
    return f"{clause.number} {clause.title}{state}"


def _conflicts(doc: Writer, clauses: list[DraftClause], review: Review) -> None:
    doc.heading("Conflicts", level=1)
    found = [(clause, c) for clause in clauses for c in clause.conflicts]
    for clause, conflict in found:
        doc.paragraph(
            xml_safe(
                f"Clause {clause.number} ({clause.title}) against an answer kept on “{conflict.question}”: "
                f"{conflict.answer}"
            ),
            style="List Bullet",
        )
    for concern in review.discipline:
        doc.paragraph(
            xml_safe(
                f"Not yet resolved: an answer on “{concern.question.short}” gives the SRO a part in "
                f"{concern.answer.discipline_matter}; change it or keep it as written."
            ),
            style="List Bullet",
        )
    if not found and not review.discipline:
        doc.paragraph("No answer contradicts a clause of the draft.")


def _differences(doc: Writer, guide: Guide, plan: PlanSnapshot) -> None:
    """Where members chose differently on one clause, or each gave their own view of a question."""
    doc.heading("Where members differ", level=1)
    lines = []
    numbers = guide.clause_numbers()
    for question in guide.questions:
        answers = plan.answers_to(question.id)
        chosen = {}
        for answer in answers:
            if answer.choice is not None:
                chosen[answer.speaker] = _choice_words(question, answer)
        if len(set(chosen.values())) > 1:
            who = "; ".join(f"{name}: {what}" for name, what in chosen.items())
            lines.append(f"Clause {numbers.get(question.id, '')} {question.short} — {who} (the latest choice stands).")
        views = list(dict.fromkeys(a.member_name for a in answers if a.choice is None and a.member_name))
        if len(views) > 1:
            lines.append(f"{question.short} — separate answers from {', '.join(views)}: see the appendix.")
    for line in lines:
        doc.paragraph(xml_safe(line), style="List Bullet")
    if not lines:
        doc.paragraph("No two members have answered the same question differently.")


def _choice_words(question: Question, answer: AnswerView) -> str:
    choice = answer.choice
    assert choice is not None and question.decision is not None
    alternative = question.decision.find(choice.alternative) if choice.alternative else None
    if alternative is None:
        return "their own wording" if choice.alternative is None else "an alternative no longer offered"
    values = ", ".join(value for _, value in choice.values)
    return alternative.label + (f" ({values})" if values else "")


def _people(doc: Writer, plan: PlanSnapshot) -> None:
    doc.heading("Partners", level=1)
    for label, name in (("School partner", plan.school), ("Law enforcement agency", plan.agency)):
        paragraph = doc.paragraph()
        doc.run(paragraph, f"{label}: ").bold = True
        doc.text(paragraph, name)

    doc.heading("Participants", level=1)
    if plan.members:
        table = doc.table(1 + len(plan.members), len(PARTICIPANT_COLUMNS))
        for cell, heading in zip(table.rows[0].cells, PARTICIPANT_COLUMNS):
            doc.run(cell.paragraphs[0], heading).bold = True
        for row, member in zip(table.rows[1:], plan.members):
            doc.text(row.cells[0].paragraphs[0], member.name)
            doc.text(row.cells[1].paragraphs[0], member.role)
    else:
        doc.paragraph("No participants were registered by name.", style="Guidance Note")


def theme_line(theme: Theme) -> str:
    who = f", {', '.join(theme.people)}" if theme.people else ""
    raised = f"raised by {plural(theme.members, 'member')} in {plural(theme.answers, 'answer')}"
    return f"{capitalised(theme.topic)}: {raised}{who}"


REVIEW_COLUMNS = ("Element", "Status", "Go back to")


def _review_appendix(doc: Writer, guide: Guide, plan: PlanSnapshot, review: Review) -> None:
    """Every COPS MOU element and SECURe step, with what the plan still lacks."""
    doc.heading("Appendix: completeness review", level=1)
    doc.paragraph(
        "The plan checked against each element the COPS Office MOU guidance asks for (sections A–E, "
        "training, data collection and complaints) and the five SECURe action steps. “Thin” means "
        "the answers are short for what the element asks.",
        style="Guidance Note",
    )
    for family in dict.fromkeys(item.check.family for item in review.items):
        doc.heading(family, level=2)
        items = [item for item in review.items if item.check.family == family]
        table = doc.table(1 + len(items), len(REVIEW_COLUMNS))
        for cell, heading in zip(table.rows[0].cells, REVIEW_COLUMNS):
            doc.run(cell.paragraphs[0], heading).bold = True
        for row, item in zip(table.rows[1:], items):
            doc.text(row.cells[0].paragraphs[0], f"{item.check.title} ({guide.cite(item.check.source)})")
            status = {COVERED: "Covered", ELEMENT_MISSING: "Missing"}.get(item.status, f"Thin ({item.words} words)")
            doc.text(row.cells[1].paragraphs[0], status)
            if item.question is not None:
                doc.text(
                    row.cells[2].paragraphs[0],
                    f"Question {guide.position(item.question.id) + 1}: {item.question.short}",
                )
    doc.heading("State law and strong agreements", level=2)
    numbers = guide.clause_numbers()
    if review.state:
        doc.paragraph(f"The plan is under {review.state} law.", style="Guidance Note")
    elif review.state_chosen:
        doc.paragraph(
            "The plan's state is not one whose SRO law the guidance covers: the decisions below are "
            "recommendations only.",
            style="Guidance Note",
        )
    for requirement in review.requirements:
        question = requirement.question
        why = f"required by {requirement.statute}" if requirement.statute else "recommended"
        doc.paragraph(
            xml_safe(f"{numbers[question.id]} {question.short}: not yet decided ({why})."), style="List Bullet"
        )
    if not review.requirements:
        doc.paragraph("Every decision that strong agreements make is decided.")
    doc.heading("Routine discipline", level=2)
    flagged = [a for a in plan.answers if a.discipline_matter]
    if not flagged:
        doc.paragraph("No answer gives the SRO a part in routine discipline.")
    for answer in flagged:
        state = (
            "kept as written by the committee after the warning"
            if answer.discipline_kept
            else "not yet resolved: revise it or confirm it"
        )
        question = guide.question(answer.question_id)
        doc.paragraph(
            xml_safe(f"{question.short}: an answer gives the SRO a part in {answer.discipline_matter} — {state}."),
            style="List Bullet",
        )


def _question(doc: Writer, guide: Guide, plan: PlanSnapshot, question: Question, number: int) -> None:
    doc.heading(f"{number}. {question.short}", level=3)
    doc.paragraph(xml_safe(question.text), style="Question")
    answers = plan.answers_to(question.id)
    if not answers:
        state = "Skipped: left open by the committee." if question.id in plan.skipped else "Not yet discussed."
        doc.paragraph(state, style="Attribution")
    shared = themes(answers, limit=3) if len(answers) > 1 else []
    if shared:
        doc.paragraph(xml_safe("Themes: " + "; ".join(theme_line(t) for t in shared) + "."), style="Guidance Note")
    for answer in answers:
        doc.paragraphs(answer.text, "Answer")
        doc.paragraph(attribution(answer), style="Attribution")
        for revision in answer.revisions[:-1]:
            earlier = doc.paragraph(style="Attribution")
            doc.text(earlier, f"Earlier wording ({format_time(revision.created_at)}): {revision.text}")
    if question.follow_ups:
        doc.paragraph("Follow-up to consider:", style="Guidance Note")
        for prompt in question.follow_ups:
            doc.paragraph(xml_safe(prompt), style="List Bullet")
    doc.paragraph(f"Source: {guide.cite(question.source)}.", style="Guidance Note")


def attribution(answer: AnswerView) -> str:
    who = capitalised(answer.speaker) + ("" if answer.member_name else " (speaker not named)")
    if answer.member_role and answer.member_role != "other":
        who = f"{who}, {answer.member_role}"
    text = f"— {who}, {format_time(answer.created_at)}"
    if answer.was_revised:
        text += f"; revised {format_time(answer.updated_at)}"
    return xml_safe(text)
