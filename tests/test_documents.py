"""The draft MOU and the discussion summary, opened again and read back."""

import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX

from bot.documents.exports import safe_stem, save_exclusively
from bot.documents.mou import COUNSEL_NOTICE, chosen_options
from bot.documents.writer import TEMPLATE
from tests.conftest import soffice

SCHOOL, AGENCY = "Lincoln Unified School District", "Lincoln Police Department"


def paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(str(path)).paragraphs]


def section_body(pairs, heading: str, level: str = "Heading 2") -> list[tuple[str, str]]:
    """The paragraphs between a heading and the next heading of the same or higher level."""
    start = pairs.index((level, heading)) + 1
    stops = {"Heading 1", level}
    end = next((i for i in range(start, len(pairs)) if pairs[i][0] in stops), len(pairs))
    return pairs[start:end]


@pytest.fixture
def plan(planner):
    """A plan with answers in the discussion and in several MOU sections."""
    code = planner.create_plan(SCHOOL, AGENCY, "Maria Ortiz, principal; Officer Dan Lee, SRO").code
    answers = {
        "reasons_and_roles": "Maria Ortiz: A safer campus.\nTrust between students and police.",
        "school_responsibilities": "Provide a private office for interviews.\n\nHold a monthly meeting.",
        "sro_activities": "1, 3 and 5",
        "duty_hours": "7:15 to 3:45 on school days \x07\x1b(bell and escape characters typed by accident)",
        "signatory_agency": "Ana Ruiz, Chief of Police",
        "signatory_school": "Dr. Lee Park, Superintendent\nJo Diaz, Board President",
        "data_collected": "Arrests <b>and</b> citations; '; DROP TABLE answers; --",
    }
    for question_id, text in answers.items():
        planner.go_to(code, question_id)
        planner.record_answer(code, text)
    planner.go_to(code, "mou_purpose")
    planner.next_question(code)  # skipped: stays open
    return code


@pytest.fixture
def files(planner, plan):
    return planner.export(plan)


def test_mou_sections_are_headings_in_cops_order(planner, files):
    pairs = paragraphs(files.draft_mou)
    headings = [text for style, text in pairs if style == "Heading 1"]
    assert headings == [s.title for s in planner.guide.sections if s.part == "mou"]
    assert pairs[0] == ("Title", "Memorandum of Understanding")
    assert ("Draft Notice", COUNSEL_NOTICE) in pairs


def test_answers_become_clauses_in_their_sections(planner, files):
    pairs = paragraphs(files.draft_mou)
    school = planner.guide.question("school_responsibilities")
    body = section_body(pairs, school.short)
    assert body[0] == ("Clause Lead", school.clause)
    # Paragraphs stay paragraphs; a single newline stays a line break inside one.
    assert body[1:3] == [("Clause", "Provide a private office for interviews."), ("Clause", "Hold a monthly meeting.")]
    assert ("Clause", "7:15 to 3:45 on school days (bell and escape characters typed by accident)") in section_body(
        pairs, planner.guide.question("duty_hours").short
    )
    assert ("Clause", "Arrests <b>and</b> citations; '; DROP TABLE answers; --") in section_body(
        pairs, planner.guide.question("data_collected").short
    )


def test_discussion_answers_draft_an_unanswered_clause(planner, files):
    body = section_body(paragraphs(files.draft_mou), planner.guide.question("mou_purpose").short)
    assert ("Clause", "A safer campus.\nTrust between students and police.") in body
    assert body[-1][0] == "Guidance Note" and "discussion" in body[-1][1]


def test_chosen_example_activities_are_listed(planner, files):
    options = planner.guide.question("sro_activities").options
    body = section_body(paragraphs(files.draft_mou), planner.guide.question("sro_activities").short)
    assert [text for style, text in body if style == "List Bullet"] == [options[0], options[2], options[4]]
    assert chosen_options("all except 4 and 11", 11) == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert chosen_options("numbers 2, 12 and 40", 11) == [2]


def test_the_no_routine_discipline_clause_is_always_there(planner, files):
    clause = next(c for c in planner.guide.standing_clauses if c.id == "no_routine_discipline")
    pairs = paragraphs(files.draft_mou)
    b_section = section_body(pairs, "B. Roles and responsibilities", level="Heading 1")
    assert ("Clause", clause.text) in pairs
    assert pairs.index(("Clause", clause.text)) < pairs.index(("Heading 1", "C. Information sharing"))
    assert b_section  # section B exists and is not empty


def test_undecided_items_are_highlighted_placeholders(planner, files):
    doc = Document(str(files.draft_mou))
    placeholders = [r for p in doc.paragraphs for r in p.runs if r.text.startswith("[To be decided")]
    answered = {
        "school_responsibilities",
        "sro_activities",
        "duty_hours",
        "data_collected",
        "mou_purpose",
        "signatory_agency",
        "signatory_school",
    }
    answered.add("reasons_and_roles")  # a discussion answer drafts the clauses it feeds
    drafted = {q.id for q in planner.guide.questions if any(f.id in answered for f in planner.guide.fed_by(q.id))}
    expected = [q for q in planner.guide.questions if q.clause and q.id not in answered | drafted]
    # One per open clause, plus the effective date line on the cover.
    assert len(placeholders) == len(expected) + 1
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW and r.style.name == "Placeholder" for r in placeholders)
    texts = {r.text for r in placeholders}
    assert all(f"[To be decided: {q.placeholder}]" in texts for q in expected)


def test_signature_table_has_a_row_per_signatory(files):
    table = Document(str(files.draft_mou)).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        ["Signing for", "Name", "Title", "Signature", "Date"],
        [AGENCY, "Ana Ruiz", "Chief of Police", "", ""],
        [SCHOOL, "Dr. Lee Park", "Superintendent", "", ""],
        [SCHOOL, "Jo Diaz", "Board President", "", ""],
    ]


def test_header_and_footer_mark_the_draft_with_page_numbers(planner, plan, files):
    section = Document(str(files.draft_mou)).sections[0]
    name = planner.state(plan).name
    assert section.header.paragraphs[0].text == f"DRAFT — {name}"
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "DRAFT MOU" in section.footer.paragraphs[0].text and name in section.footer.paragraphs[0].text
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml


def test_summary_lists_participants_every_answer_and_open_questions(planner, plan, files):
    doc = Document(str(files.summary))
    pairs = [(p.style.name, p.text) for p in doc.paragraphs]
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [
        ["Name", "Role"],
        ["Maria Ortiz", "school administrator"],
        ["Officer Dan Lee", "SRO or officer"],
    ]
    first = planner.guide.questions[0]
    body = section_body(pairs, f"1. {first.short}")
    assert body[0] == ("Question", first.text)
    assert body[1] == ("Answer", "A safer campus.\nTrust between students and police.")
    assert body[2][0] == "Attribution" and body[2][1].startswith("— Maria Ortiz, school administrator, ")
    assert [t for s, t in body if s == "List Bullet"] == list(first.follow_ups)
    open_items = section_body(pairs, "Open questions", level="Heading 1")
    purpose = planner.guide.question("mou_purpose")
    assert ("List Bullet", f"{purpose.short} (A. Purpose of the MOU) — skipped for now") in open_items
    answered_count = len({a.question_id for a in planner.snapshot(plan).answers})
    assert len(open_items) == len(planner.guide.questions) - answered_count


def test_summary_keeps_earlier_wordings(planner, plan):
    answer = planner.last_answer(plan)
    planner.revise_answer(plan, answer.id, "Reworded")
    doc = Document(str(planner.export(plan).summary))
    texts = [p.text for p in doc.paragraphs]
    assert "Reworded" in texts
    assert any(t.startswith("Earlier wording (") and t.endswith(answer.text) for t in texts)


def test_template_carries_every_style_the_builders_use(files):
    template_styles = {s.name for s in Document(str(TEMPLATE)).styles}
    used = {p.style.name for path in (files.draft_mou, files.summary) for p in Document(str(path)).paragraphs}
    used |= {r.style.name for p in Document(str(files.draft_mou)).paragraphs for r in p.runs}
    assert used <= template_styles


def test_file_names_are_safe_and_unique(tmp_path):
    assert safe_stem("../../etc/passwd") == "etc-passwd"
    assert safe_stem("Écoles / Police\x00 <Dept>") == "ecoles-police-dept"
    assert safe_stem("🚓🏫") == "plan"
    (tmp_path / "plan.docx").write_text("taken")
    saved = save_exclusively(Document(), tmp_path, "plan")
    assert saved == tmp_path / "plan-2.docx" and (tmp_path / "plan.docx").read_text() == "taken"
    assert len(Document(str(saved)).paragraphs) == len(Document().paragraphs) and not list(tmp_path.glob("*.part"))


def test_a_plan_named_like_a_path_stays_in_exports(planner, tmp_path):
    code = planner.create_plan("../../../tmp/evil", "..\\agency", "").code
    files = planner.export(code)
    for path in (files.draft_mou, files.summary):
        assert path.parent == planner.exports_dir.resolve()
        assert path.name.startswith("tmp-evil-and-agency-")


def test_both_documents_open_in_libreoffice(files, tmp_path):
    office = soffice()
    out = tmp_path / "pdf"
    result = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(files.draft_mou),
            str(files.summary),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    for path in (files.draft_mou, files.summary):
        pdf = out / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), result.stdout + result.stderr
        assert pdf.stat().st_size > 5_000
