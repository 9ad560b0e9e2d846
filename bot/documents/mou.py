"""The draft Memorandum of Understanding, in the COPS guidance order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from docx.document import Document as DocumentObject
from docx.text.paragraph import Paragraph

from bot.documents.writer import Writer, format_time, new_document, set_header_footer, xml_safe
from bot.guide import Guide, Question, Section
from bot.plans.views import AnswerView, PlanSnapshot

COUNSEL_NOTICE = (
    "Starting draft for counsel to review. The planning committee prepared this draft from "
    "its discussion with the Partnership Planner. It is not legal advice and is not ready "
    "to sign: the Parties' counsel should review every clause, and each highlighted "
    "“To be decided” item must be settled first."
)
FROM_DISCUSSION = "Drawn from the committee's discussion; confirm or reword before signing."
DISCIPLINE_HELD_BACK = (
    "An answer the committee gave here would have the SRO handle routine discipline, which the "
    "COPS MOU guidance (section B) says the MOU should rule out. It is held back from this draft "
    "until the committee revises or confirms it."
)
SIGNATURE_COLUMNS = ("Signing for", "Name", "Title", "Signature", "Date")


@dataclass(frozen=True)
class Signatory:
    party: str
    name: str | None
    title: str | None


def build_draft_mou(guide: Guide, plan: PlanSnapshot, now: datetime) -> DocumentObject:
    doc = Writer(new_document())
    set_header_footer(doc.doc, f"DRAFT — {plan.name}", f"DRAFT MOU · {plan.name} · plan {plan.code}")
    doc.run(doc.paragraph(style="Title"), "Memorandum of Understanding")
    doc.text(
        doc.paragraph(style="Subtitle"),
        f"School Resource Officer partnership between {plan.school} and {plan.agency}",
    )
    doc.paragraph(COUNSEL_NOTICE, style="Draft Notice")

    parties = doc.paragraph()
    doc.run(parties, "Parties: ").bold = True
    doc.text(parties, f"{plan.school} (the School Partner) and {plan.agency} (the Agency).")
    effective = doc.paragraph()
    doc.run(effective, "Effective date: ").bold = True
    _answer_inline(
        doc,
        effective,
        plan.answers_to(guide.special("effective_date").id),
        guide.special("effective_date").placeholder or "",
    )
    doc.paragraph(f"Draft compiled {format_time(now)} from plan {plan.code}.", style="Guidance Note")

    for section in guide.sections:
        if section.part == "mou":
            _section(doc, guide, plan, section)
    return doc.doc


@dataclass(frozen=True)
class DraftClause:
    """One clause of the draft, as both the Word document and the web preview show it."""

    title: str
    lead: str
    paragraphs: tuple[str, ...] = ()  # the committee's words, each as typed
    bullets: tuple[str, ...] = ()  # example activities chosen by number
    placeholder: str | None = None  # set while nothing is decided
    note: str | None = None


def draft_section(guide: Guide, plan: PlanSnapshot, section: Section) -> list[DraftClause]:
    """The clauses of one MOU section (signatories excepted: they go in the table)."""
    clauses = [
        _draft_clause(guide, plan, q)
        for q in section.questions
        if q.special not in ("signatory_agency", "signatory_school")
    ]
    clauses += [
        DraftClause(_standing_title(c.id), "", (c.text,), note=f"Guidance: {guide.cite(c.source)}.")
        for c in guide.standing_clauses
        if c.section == section.id
    ]
    return clauses


def _draft_clause(guide: Guide, plan: PlanSnapshot, question: Question) -> DraftClause:
    answers = plan.answers_to(question.id)
    note = None
    if not answers:
        # A discussion answer that speaks to this clause is a better start than a gap.
        answers = [a for q in guide.fed_by(question.id) for a in plan.answers_to(q.id)]
        note = FROM_DISCUSSION if answers else None
    if not answers:
        return DraftClause(question.short, question.clause or "", placeholder=question.placeholder or question.short)
    bullets: tuple[str, ...] = ()
    # An answer that hands the SRO routine discipline stays out of the draft until resolved.
    unresolved = [a for a in answers if a.discipline_unresolved]
    answers = [a for a in answers if not a.discipline_unresolved]
    if unresolved:
        note = DISCIPLINE_HELD_BACK
    if not answers:
        return DraftClause(
            question.short, question.clause or "", placeholder=question.placeholder or question.short, note=note
        )
    texts = [a.text for a in answers]
    if question.options:
        picked = sorted({n for text in texts for n in chosen_options(text, len(question.options))})
        bullets = tuple(question.options[n - 1] for n in picked)
        texts = [t for t in texts if not _only_option_numbers(t)]
    return DraftClause(question.short, question.clause or "", tuple(texts), bullets, note=note)


def _section(doc: Writer, guide: Guide, plan: PlanSnapshot, section: Section) -> None:
    doc.heading(section.title, level=1)
    doc.paragraph(f"Guidance: {guide.cite(section.source)}.", style="Guidance Note")
    for clause in draft_section(guide, plan, section):
        doc.heading(xml_safe(clause.title), level=2)
        if clause.lead:
            doc.paragraph(xml_safe(clause.lead), style="Clause Lead")
        if clause.placeholder:
            doc.placeholder(doc.paragraph(style="Clause"), clause.placeholder)
        for bullet in clause.bullets:
            doc.paragraph(xml_safe(bullet), style="List Bullet")
        for text in clause.paragraphs:
            doc.paragraphs(text, "Clause")
        if clause.note:
            doc.paragraph(xml_safe(clause.note), style="Guidance Note")
    if any(q.special == "signatory_agency" for q in section.questions):
        _signature_table(doc, guide, plan)


def _standing_title(clause_id: str) -> str:
    return {"no_routine_discipline": "No routine student discipline"}.get(
        clause_id, clause_id.replace("_", " ").capitalize()
    )


def _answer_inline(doc: Writer, paragraph: Paragraph, answers: list[AnswerView], placeholder: str) -> None:
    if answers:
        doc.text(paragraph, "; ".join(a.text.strip() for a in answers))
    else:
        doc.placeholder(paragraph, placeholder)


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


def _only_option_numbers(text: str) -> bool:
    leftover = re.sub(
        r"\b(?:all|and|except|but|not|other|than|apart|from|excluding|of|them|numbers?|items?)\b|\d+|[\s,;.&+\-]",
        "",
        text,
        flags=re.I,
    )
    return leftover == ""


# --- signatures -----------------------------------------------------------------------


def signatories(guide: Guide, plan: PlanSnapshot) -> list[Signatory]:
    """One row per signatory named in section E; an empty row where nobody is named yet."""
    rows: list[Signatory] = []
    for use, party in (("signatory_agency", plan.agency), ("signatory_school", plan.school)):
        lines = [
            line.strip()
            for answer in plan.answers_to(guide.special(use).id)
            for line in answer.text.splitlines()
            if line.strip()
        ]
        for line in lines:
            name, _, title = line.partition(",")
            rows.append(Signatory(party, name.strip() or None, title.strip() or None))
        if not lines:
            rows.append(Signatory(party, None, None))
    return rows


def _signature_table(doc: Writer, guide: Guide, plan: PlanSnapshot) -> None:
    doc.paragraph("Signed and dated for the Parties by the officials below.", style="Clause Lead")
    rows = signatories(guide, plan)
    table = doc.doc.add_table(rows=1 + len(rows), cols=len(SIGNATURE_COLUMNS))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, SIGNATURE_COLUMNS):
        doc.run(cell.paragraphs[0], heading).bold = True
    placeholders = {
        plan.agency: guide.special("signatory_agency").placeholder or "",
        plan.school: guide.special("signatory_school").placeholder or "",
    }
    for row, signatory in zip(table.rows[1:], rows):
        party, name, title, _signature, _date = row.cells
        doc.text(party.paragraphs[0], signatory.party)
        if signatory.name:
            doc.text(name.paragraphs[0], signatory.name)
        else:
            doc.placeholder(name.paragraphs[0], placeholders[signatory.party])
        if signatory.title:
            doc.text(title.paragraphs[0], signatory.title)
        else:
            doc.placeholder(title.paragraphs[0], "title")
