"""The discussion summary: who took part, the concerns most raised, every answer with who
gave it and when and the themes the answers share, what is still open, the follow-up
prompts to take further, and the completeness review as an appendix."""

from __future__ import annotations

from datetime import datetime

from docx.document import Document as DocumentObject

from bot.documents.writer import Writer, format_time, new_document, set_header_footer, xml_safe
from bot.guide import Guide, Question
from bot.plans.review import COVERED, MISSING, review_plan
from bot.plans.text import capitalised, plural
from bot.plans.themes import Theme, concerns, themes
from bot.plans.views import AnswerView, PlanSnapshot

PARTICIPANT_COLUMNS = ("Name", "Role")


def build_summary(guide: Guide, plan: PlanSnapshot, now: datetime) -> DocumentObject:
    doc = Writer(new_document())
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

    doc.heading("Partners", level=1)
    for label, name in (("School partner", plan.school), ("Law enforcement agency", plan.agency)):
        paragraph = doc.paragraph()
        doc.run(paragraph, f"{label}: ").bold = True
        doc.text(paragraph, name)

    doc.heading("Participants", level=1)
    if plan.members:
        table = doc.doc.add_table(rows=1 + len(plan.members), cols=len(PARTICIPANT_COLUMNS))
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, PARTICIPANT_COLUMNS):
            doc.run(cell.paragraphs[0], heading).bold = True
        for row, member in zip(table.rows[1:], plan.members):
            doc.text(row.cells[0].paragraphs[0], member.name)
            doc.text(row.cells[1].paragraphs[0], member.role)
    else:
        doc.paragraph("No participants were registered by name.", style="Guidance Note")

    doc.heading("Concerns raised most", level=1)
    raised = concerns(plan.answers)
    if not raised:
        doc.paragraph("No answer voiced a particular worry or risk.", style="Guidance Note")
    for theme in raised:
        doc.paragraph(xml_safe(theme_line(theme)), style="List Bullet")

    number = 0
    for section in guide.sections:
        doc.heading(section.title, level=1)
        for question in section.questions:
            number += 1
            _question(doc, guide, plan, question, number)

    doc.heading("Open questions", level=1)
    open_questions = [q for q in guide.questions if q.id not in answered]
    if not open_questions:
        doc.paragraph("Every question has at least one answer.")
    for question in open_questions:
        status = "skipped for now" if question.id in plan.skipped else "not yet discussed"
        title = guide.section(question.section_id).title
        doc.paragraph(xml_safe(f"{question.short} ({title}) — {status}"), style="List Bullet")

    _review_appendix(doc, guide, plan)
    return doc.doc


def theme_line(theme: Theme) -> str:
    who = f" ({', '.join(theme.people)})" if theme.people else ""
    return f"{theme.topic}: {plural(theme.answers, 'answer')}{who}"


REVIEW_COLUMNS = ("Element", "Status", "Go back to")


def _review_appendix(doc: Writer, guide: Guide, plan: PlanSnapshot) -> None:
    """Every COPS MOU element and SECURe step, with what the plan still lacks."""
    review = review_plan(guide, plan)
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
        table = doc.doc.add_table(rows=1 + len(items), cols=len(REVIEW_COLUMNS))
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, REVIEW_COLUMNS):
            doc.run(cell.paragraphs[0], heading).bold = True
        for row, item in zip(table.rows[1:], items):
            doc.text(row.cells[0].paragraphs[0], f"{item.check.title} ({guide.cite(item.check.source)})")
            status = {COVERED: "Covered", MISSING: "Missing"}.get(item.status, f"Thin ({item.words} words)")
            doc.text(row.cells[1].paragraphs[0], status)
            if item.question is not None:
                doc.text(
                    row.cells[2].paragraphs[0],
                    f"Question {guide.position(item.question.id) + 1}: {item.question.short}",
                )
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
    doc.heading(f"{number}. {question.short}", level=2)
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
