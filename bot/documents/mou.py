"""The draft Memorandum of Understanding in Word: the agreement (agreement.py) as numbered
articles and clauses, Word numbering them itself through the template's "Article" and
"Numbered Clause" styles, and what the committee said about each clause as Word comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from docx.document import Document as DocumentObject
from docx.enum.text import WD_COLOR_INDEX
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.documents.agreement import MISSING, PROPOSED, DraftArticle, DraftClause, Note, draft_agreement
from bot.documents.writer import Writer, format_time, set_header_footer, xml_safe
from bot.guide import DEFINITIONS, Guide
from bot.plans.views import PlanSnapshot

COUNSEL_NOTICE = (
    "Starting draft for counsel to review. The planning committee prepared this draft from "
    "its decisions with the Partnership Planner. It is not legal advice and is not ready "
    "to sign: the Parties' counsel should review every clause. Each highlighted "
    "\u201cTo be decided\u201d item must be settled, each \u201cProposed\u201d clause confirmed "
    "and each conflict resolved first. The comments show what the committee said about each clause."
)
SIGNATURE_COLUMNS = ("Signing for", "Name", "Title", "Signature", "Date")


@dataclass(frozen=True)
class Signatory:
    party: str
    name: str | None
    title: str | None


def build_draft_mou(
    guide: Guide, plan: PlanSnapshot, now: datetime, articles: list[DraftArticle] | None = None
) -> DocumentObject:
    """`articles`: the plan's draft_agreement, when the caller has it already."""
    doc = Writer()
    set_header_footer(doc.doc, f"DRAFT \u2014 {plan.name}", f"DRAFT MOU \u00b7 {plan.name} \u00b7 plan {plan.code}")
    doc.run(doc.paragraph(style="Title"), "Memorandum of Understanding")
    doc.text(
        doc.paragraph(style="Subtitle"),
        f"School Resource Officer partnership between {plan.school} and {plan.agency}",
    )
    doc.paragraph(COUNSEL_NOTICE, style="Draft Notice")
    doc.paragraph(f"Draft compiled {format_time(now)} from plan {plan.code}.", style="Guidance Note")
    for article in draft_agreement(guide, plan) if articles is None else articles:
        _article(doc, guide, plan, article)
    return doc.doc


def _article(doc: Writer, guide: Guide, plan: PlanSnapshot, article: DraftArticle) -> None:
    doc.paragraph(xml_safe(article.title), style="Article")
    for clause in article.clauses:
        _clause(doc, clause)
    if article.signatures:
        _signature_table(doc, guide, plan)


def _clause(doc: Writer, clause: DraftClause) -> None:
    paragraph = doc.paragraph(style="Numbered Clause")
    # A definition opens with its term in quotes: a run-in title would say the term twice.
    runs = [] if clause.entry.startswith(f"{DEFINITIONS}:") else [_title_run(doc, paragraph, clause.title)]
    for piece in clause.pieces:
        if piece.kind == MISSING:
            runs.append(doc.placeholder(paragraph, piece.text))
        elif piece.kind == PROPOSED:
            run = doc.run(paragraph, xml_safe(piece.text), "Proposed")
            run.font.highlight_color = WD_COLOR_INDEX.TURQUOISE
            runs.append(run)
        else:
            runs.append(doc.run(paragraph, xml_safe(piece.text)))
    for bullet in clause.bullets:
        doc.paragraph(xml_safe(bullet), style="Clause Bullet")
    for note in by_author(clause.notes):
        _comment(doc, runs, note)
    for conflict in clause.conflicts:
        marked = doc.paragraph(style="Clause")
        run = doc.run(
            marked,
            xml_safe(
                f"Conflict to resolve: the committee kept an answer to \u201c{conflict.question}\u201d that "
                f"gives the SRO a part in {conflict.matter}, which clause {clause.number} rules out."
            ),
            "Conflict",
        )
        run.font.highlight_color = WD_COLOR_INDEX.PINK
        _comment(
            doc,
            [run],
            Note(
                "Partnership Planner",
                f"The answer kept: {conflict.answer}\n\nClause {clause.number}: \u201c{conflict.standing}\u201d\n\n"
                "Resolve by changing the answer, or by the Parties deciding knowingly to depart from "
                "the COPS guidance.",
            ),
        )


def _title_run(doc: Writer, paragraph: Paragraph, title: str) -> Run:
    run = doc.run(paragraph, xml_safe(f"{title}. "))
    run.bold = True
    return run


def by_author(notes: tuple[Note, ...] | list[Note]) -> list[Note]:
    """One comment per member on a clause, their remarks in order as its paragraphs: counsel reads
    a hundred comments on a thousand-answer plan, not a thousand (and python-docx numbers each
    new comment by scanning all the others, so a thousand took over a second)."""
    remarks: dict[str, list[str]] = {}
    for note in notes:
        remarks.setdefault(note.author, []).append(note.text)
    return [Note(author, "\n".join(texts)) for author, texts in remarks.items()]


def _comment(doc: Writer, runs: list[Run], note: Note) -> None:
    initials = "".join(word[0] for word in note.author.split() if word[:1].isalpha())[:3].upper()
    doc.comment(runs, xml_safe(note.author), initials, xml_safe(note.text))


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
    table = doc.table(1 + len(rows), len(SIGNATURE_COLUMNS))
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
