"""The draft MOU and the discussion summary, opened again and read back: the agreement's shape
(Word's own numbering, definitions, closing articles), clauses built from decisions with their
values, the discussion as comments, conflicts and proposed defaults marked, and a summary whose
first page tells a facilitator what was decided and what is left."""

import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from bot.documents.agreement import PROPOSED_MARK, chosen_options
from bot.documents.exports import safe_stem, save_exclusively
from bot.documents.mou import COUNSEL_NOTICE
from bot.documents.writer import TEMPLATE
from bot.guide import DEFINITIONS
from bot.plans.planner import Planner
from bot.settings import Settings
from tests.conftest import soffice

SCHOOL, AGENCY = "Lincoln Unified School District", "Lincoln Police Department"
DISCUSSION = {
    "reasons_and_roles": "Maria Ortiz: A safer campus.\nTrust between students and police.",
    "school_responsibilities": "Provide a private office for interviews.\n\nHold a monthly meeting.",
    "data_collected": "Arrests <b>and</b> citations; '; DROP TABLE answers; --",
}
KEPT = "The officer will write up students for tardies and dress code violations."


def paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(str(path)).paragraphs]


def clauses(path: Path) -> list[str]:
    return [text for style, text in paragraphs(path) if style == "Numbered Clause"]


def clause_of(planner, path: Path, entry: str) -> str:
    """The clause paragraph of a guide entry, found by its title (Word numbers it, not the text)."""
    title = planner.guide.question(entry).decision.title
    return next(text for text in clauses(path) if text.startswith(f"{title}. "))


@pytest.fixture(scope="module")
def planner(tmp_path_factory) -> Planner:
    """One database for the module: each test that changes a plan fills its own (`own_plan`),
    the others only read the one export, so it is built once."""
    work = tmp_path_factory.mktemp("documents")
    return Planner.from_settings(Settings(database_url=f"sqlite:///{work / 'plans.db'}", exports_dir=work / "exports"))


def fill_plan(planner: Planner) -> str:
    """Decisions by number with values, by words, dictated; discussion answers; an answer kept
    after the discipline guardrail; a skipped decision; signatories."""
    code = planner.create_plan(SCHOOL, AGENCY, "Maria Ortiz, principal; Officer Dan Lee, SRO").code
    said = [
        *DISCUSSION.items(),
        ("school_responsibilities", "Officer Dan Lee: option 2, every month"),
        ("sro_activities", "1, 3 and 5"),
        ("duty_hours", "Maria Ortiz: option 2"),
        ("duty_hours", "option 1, 7:15 to 3:45"),
        ("sro_supervisor", "option 1, the Patrol Division sergeant"),
        ("termination_notice", "the first one"),
        ("public_availability", "website and each school"),
        ("privacy_laws", "our wording: Privacy questions go to the district's records officer. \x07\x1b"),
        ("role_law_enforcement", KEPT),
        ("signatory_agency", "Ana Ruiz, Chief of Police"),
        ("signatory_school", "Dr. Lee Park, Superintendent\nJo Diaz, Board President"),
    ]
    for question_id, text in said:
        planner.go_to(code, question_id)
        planner.record_answer(code, text)
    kept = next(a for a in planner.snapshot(code).answers if a.text == KEPT)
    planner.keep_answer(code, kept.id)
    planner.go_to(code, "mou_purpose")
    planner.next_question(code)  # skipped: stays open
    # The meeting has reached the last question: the decisions passed without a choice that the
    # guidance has a default for are proposed; the rest are open.
    planner.go_to(code, planner.guide.questions[-1].id)
    return code


@pytest.fixture(scope="module")
def plan(planner: Planner) -> str:
    return fill_plan(planner)


@pytest.fixture(scope="module")
def files(planner: Planner, plan: str):
    return planner.export(plan)


@pytest.fixture
def own_plan(planner: Planner) -> str:
    """The same plan, new, for a test that adds to it or rewords it."""
    return fill_plan(planner)


def test_articles_and_clauses_are_numbered_by_words_own_numbering(planner, files):
    doc = Document(str(files.draft_mou))
    pairs = paragraphs(files.draft_mou)
    assert pairs[0] == ("Title", "Memorandum of Understanding")
    assert ("Draft Notice", COUNSEL_NOTICE) in pairs
    assert [text for style, text in pairs if style == "Article"] == [a.title for a in planner.guide.articles]
    assert len(clauses(files.draft_mou)) == len(planner.guide.clause_numbers())
    # The styles carry the list; the list's levels print "4." and "4.3".
    levels = {}
    for name in ("Article", "Numbered Clause"):
        num_pr = doc.styles[name].element.pPr.find(qn("w:numPr"))
        levels[name] = (num_pr.find(qn("w:numId")).get(qn("w:val")), num_pr.find(qn("w:ilvl")).get(qn("w:val")))
    assert levels["Article"][0] == levels["Numbered Clause"][0]
    numbering = doc.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == levels["Article"][0])
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    texts = {lvl.get(qn("w:ilvl")): lvl.find(qn("w:lvlText")).get(qn("w:val")) for lvl in abstract.findall(qn("w:lvl"))}
    assert texts[levels["Article"][1]] == "%1." and texts[levels["Numbered Clause"][1]] == "%1.%2"
    # No number is typed into the text: renumbering in Word keeps every reference true.
    assert not [text for text in clauses(files.draft_mou) if text[:1].isdigit()]


def test_every_defined_term_is_defined_and_used(planner, files):
    body = clauses(files.draft_mou)
    definitions = [text for text in body if "\u201d means " in text]
    assert [d.split("\u201d")[0].lstrip("\u201c") for d in definitions] == [d.term for d in planner.guide.definitions]
    assert SCHOOL in definitions[[d.term for d in planner.guide.definitions].index("School Partner")]
    elsewhere = " ".join(text for text in body if text not in definitions)
    assert [d.term for d in planner.guide.definitions if d.term not in elsewhere] == []
    numbers = planner.guide.clause_numbers()
    assert all(numbers[f"{DEFINITIONS}:{d.term}"].startswith("2.") for d in planner.guide.definitions)


def test_chosen_alternatives_read_with_their_values(planner, files):
    guide = planner.guide

    def expected(question_id: str, alternative: int, **values: str) -> str:
        decision = guide.question(question_id).decision
        return f"{decision.title}. {decision.alternatives[alternative].text.format(**values)}"

    assert clause_of(planner, files.draft_mou, "duty_hours") == expected(
        "duty_hours", 0, start="7:15 a.m.", end="3:45 p.m."
    )
    assert clause_of(planner, files.draft_mou, "sro_supervisor") == expected(
        "sro_supervisor", 0, supervisor="the Patrol Division sergeant"
    )
    assert clause_of(planner, files.draft_mou, "public_availability") == expected("public_availability", 1)
    # Decided by the member who spoke, with the value read from the words.
    assert clause_of(planner, files.draft_mou, "school_responsibilities") == expected(
        "school_responsibilities", 1, meetings="every month"
    )
    # A value nobody gave is a highlighted gap inside the chosen clause.
    termination = guide.question("termination_notice").decision
    gap = f"[To be decided: {termination.value('notice').label}]"
    assert clause_of(planner, files.draft_mou, "termination_notice") == expected("termination_notice", 0, notice=gap)
    # Dictated wording stands as the committee's own clause, marked for counsel in a comment.
    dictated = clause_of(planner, files.draft_mou, "privacy_laws")
    assert dictated.endswith("Privacy questions go to the district's records officer.")
    comments = Document(str(files.draft_mou)).comments
    assert any("own wording" in c.text for c in comments)
    # The example activities chosen by number, as bullets under their clause.
    options = guide.question("sro_activities").options
    bullets = [text for style, text in paragraphs(files.draft_mou) if style == "Clause Bullet"]
    assert bullets == [options[0], options[2], options[4]]
    assert chosen_options("all except 4 and 11", 11) == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert chosen_options("numbers 2, 12 and 40", 11) == [2]


def test_the_discussion_is_in_comments_with_names_never_in_a_clause(planner, files):
    comments = Document(str(files.draft_mou)).comments
    by_maria = [c for c in comments if c.author == "Maria Ortiz"]
    assert by_maria and all("Trust between students and police." in c.text for c in by_maria)
    assert by_maria[0].initials == "MO"
    # A discussion answer informs every clause it feeds, and the clause of its own question.
    fed = [q for q in planner.guide.questions if "reasons_and_roles" in [f.id for f in planner.guide.fed_by(q.id)]]
    assert len(by_maria) == len(fed)
    assert any("Hold a monthly meeting." in c.text for c in comments)
    assert any("DROP TABLE answers" in c.text for c in comments)
    body = " ".join(clauses(files.draft_mou))
    for text in DISCUSSION.values():
        for line in text.split(":", 1)[-1].split("\n"):
            assert not line.strip() or line.strip() not in body


def test_no_paragraph_is_repeated(files):
    texts = [text for _, text in paragraphs(files.draft_mou) if text.strip()]
    assert len(texts) == len(set(texts))


def test_a_kept_discipline_answer_is_a_conflict_and_never_a_duty(planner, files):
    doc = Document(str(files.draft_mou))
    standing = planner.guide.standing_clause("no_routine_discipline")
    flagged = [p for p in doc.paragraphs if p.text.startswith("Conflict to resolve")]
    assert len(flagged) == 1
    run = flagged[0].runs[0]
    assert run.style.name == "Conflict" and run.font.highlight_color == WD_COLOR_INDEX.PINK
    number = planner.guide.clause_numbers()["no_routine_discipline"]
    assert f"clause {number}" in flagged[0].text
    quoting = [c for c in doc.comments if KEPT in c.text]
    assert len(quoting) == 1 and standing.text in quoting[0].text
    assert not [text for text in clauses(files.draft_mou) if "write up students" in text]
    # The paragraph after the standing clause is the conflict.
    pairs = paragraphs(files.draft_mou)
    at = pairs.index(("Numbered Clause", f"{standing.title}. {standing.text}"))
    assert pairs[at + 1][1] == flagged[0].text


def test_recommended_defaults_are_proposed_and_marked(planner, files):
    doc = Document(str(files.draft_mou))
    review = planner.guide.question("review_schedule").decision
    proposed = review.alternative(review.proposed)
    paragraph = next(p for p in doc.paragraphs if p.text.startswith(f"{review.title}. "))
    assert paragraph.text == f"{review.title}. [{PROPOSED_MARK}] {proposed.text}"
    marks = [r for r in paragraph.runs if r.style.name == "Proposed"]
    assert marks and marks[0].font.highlight_color == WD_COLOR_INDEX.TURQUOISE
    # A decision the committee made is not proposed, even where the guidance has a default.
    assert PROPOSED_MARK not in clause_of(planner, files.draft_mou, "public_availability")


def test_open_decisions_are_highlighted_placeholders(planner, plan, files):
    doc = Document(str(files.draft_mou))
    placeholders = [r for p in doc.paragraphs for r in p.runs if r.text.startswith("[To be decided")]
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW and r.style.name == "Placeholder" for r in placeholders)
    decided = {a.question_id for a in planner.snapshot(plan).answers if a.choice is not None}
    decided |= {"sro_activities"}  # chosen by number
    open_ones = [q for q in planner.guide.questions if q.decision and q.id not in decided and not q.decision.proposed]
    texts = {r.text for r in placeholders}
    assert {f"[To be decided: {q.placeholder}]" for q in open_ones} <= texts
    assert "role_law_enforcement" in {q.id for q in open_ones}  # the kept answer drafts no duty
    # One per open clause, and one per value still lacking in a clause chosen or proposed: the
    # termination notice (chosen without it) and the start date (the term's proposal has none).
    guide = planner.guide
    value_gaps = [
        r.text for r in placeholders if r.text not in {f"[To be decided: {q.placeholder}]" for q in open_ones}
    ]
    notice = guide.question("termination_notice").decision.value("notice").label
    start = guide.question("effective_date").decision.value("start").label
    assert sorted(value_gaps) == sorted([f"[To be decided: {notice}]", f"[To be decided: {start}]"])
    assert len(placeholders) == len(open_ones) + len(value_gaps)


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


def test_the_summary_opens_with_decisions_open_items_conflicts_and_differences(planner, plan, files):
    doc = Document(str(files.summary))
    body = list(doc.element.body.iterchildren())
    cut = next(i for i, child in enumerate(body) if child.xpath(".//w:br[@w:type='page']"))
    first = [Paragraph(c, doc) for c in body[:cut] if c.tag == qn("w:p")]
    headings = [p.text for p in first if p.style.name == "Heading 1"]
    assert headings == ["Decisions made", "Still open", "Conflicts", "Where members differ"]
    decisions = doc.tables[0]
    rows = [[cell.text for cell in row.cells] for row in decisions.rows]
    numbers = planner.guide.clause_numbers()
    duty = next(r for r in rows if r[0] == f"{numbers['duty_hours']} Hours of duty")
    assert duty[1] == "Option 1, School days, set hours: 7:15 a.m., 3:45 p.m."
    assert duty[2] == "The committee"
    school = next(r for r in rows if r[0].startswith(numbers["school_responsibilities"] + " "))
    assert school[2] == "Officer Dan Lee"
    first_text = " ".join(p.text for p in first)
    assert f"{numbers['mou_purpose']} Purpose (skipped for now)" in first_text
    assert f"{numbers['review_schedule']} Review of this Memorandum (proposed from the guidance: confirm)" in first_text
    assert KEPT in first_text  # the conflict, quoted
    # Maria Ortiz chose otherwise before the committee settled the hours: both are shown.
    differ = [p.text for p in first if p.text.startswith(f"Clause {numbers['duty_hours']} ")]
    assert len(differ) == 1
    line = differ[0]
    assert "Maria Ortiz: School days, and summer programs" in line
    assert "the committee: School days, set hours (7:15 a.m., 3:45 p.m.)" in line


def test_summary_themes_are_phrases_ranked_by_members(planner, own_plan):
    plan = own_plan
    for text in (
        "Maria Ortiz: We worry about arrests at school events.",
        "Officer Dan Lee: Arrests worry parents most.",
    ):
        planner.go_to(plan, "community_reaction")
        planner.record_answer(plan, text)
    pairs = paragraphs(planner.export(plan).summary)
    at = pairs.index(("Heading 1", "Themes"))
    themes = [text for style, text in pairs[at:] if style == "List Bullet"][:3]
    assert themes[0].startswith("Arrest: raised by 2 members in 2 answers")
    assert not [t for t in themes if t.startswith(("Datum", "datum"))]


def test_summary_lists_participants_and_every_answer_with_who_and_when(planner, plan, files):
    doc = Document(str(files.summary))
    pairs = [(p.style.name, p.text) for p in doc.paragraphs]
    participants = next(t for t in doc.tables if t.rows[0].cells[0].text == "Name")
    assert [[c.text for c in row.cells] for row in participants.rows] == [
        ["Name", "Role"],
        ["Maria Ortiz", "school administrator"],
        ["Officer Dan Lee", "SRO or officer"],
    ]
    first = planner.guide.questions[0]
    at = pairs.index(("Heading 3", f"1. {first.short}"))
    body = pairs[at + 1 : at + 4]
    assert body[0] == ("Question", first.text)
    assert body[1] == ("Answer", "A safer campus.\nTrust between students and police.")
    assert body[2][0] == "Attribution" and body[2][1].startswith("— Maria Ortiz, school administrator, ")


def test_summary_keeps_earlier_wordings(planner, own_plan):
    plan = own_plan
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


def test_both_documents_open_in_libreoffice_and_the_pdf_keeps_the_numbering(planner, files, tmp_path):
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
    text = " ".join(page.extract_text() for page in PdfReader(out / f"{files.draft_mou.stem}.pdf").pages)
    text = " ".join(text.split())
    numbers = planner.guide.clause_numbers()
    for entry in ("duty_hours", "sro_supervisor", "termination_notice"):
        title = planner.guide.question(entry).decision.title
        assert f"{numbers[entry]} {title}." in text, entry
    article = [a.title for a in planner.guide.articles].index("Definitions") + 1
    assert f"{article}. Definitions" in text


def test_a_cops_funded_post_proposes_the_grants_time_commitment(planner):
    code = planner.create_plan(SCHOOL, AGENCY).code
    duty = planner.guide.question("duty_hours")
    gap = f"Hours of duty. [To be decided: {duty.placeholder}]"
    assert gap in clauses(planner.export(code).draft_mou)  # funding unknown: nothing to propose
    planner.go_to(code, "sro_funding")
    planner.record_answer(code, "option 1")
    assert gap in clauses(planner.export(code).draft_mou)  # the hours not reached yet: still open
    planner.go_to(code, "after_hours_and_court")  # passed without a choice: now the proposal stands
    draft = planner.export(code).draft_mou
    commitment = duty.decision.alternative(duty.decision.proposed)
    labels = {v.name: f"[To be decided: {v.label}]" for v in duty.decision.values}
    expected = commitment.text.format(start=labels["start"], end=labels["end"])
    assert clause_of(planner, draft, "duty_hours") == f"Hours of duty. [{PROPOSED_MARK}] {expected}"
    # A shared cost states the School Partner's share, read from words.
    planner.go_to(code, "sro_funding")
    planner.record_answer(code, "option 3, forty percent")
    shared = planner.guide.question("sro_funding").decision.alternative("cost_shared")
    assert clause_of(planner, planner.export(code).draft_mou, "sro_funding") == (
        f"Funding. {shared.text.format(share='40 percent')}"
    )
    assert gap in clauses(planner.export(code).draft_mou)  # no longer COPS-funded: the proposal goes


def test_a_members_remarks_on_a_clause_are_one_comment(planner, own_plan):
    """Counsel reads one comment per member per clause, the remarks in order as its paragraphs."""
    planner.go_to(own_plan, "reasons_and_roles")
    planner.record_answer(own_plan, "Maria Ortiz: Mentoring matters most to parents.")
    comments = Document(str(planner.export(own_plan).draft_mou)).comments
    by_maria = [c for c in comments if c.author == "Maria Ortiz"]
    fed = [q for q in planner.guide.questions if "reasons_and_roles" in [f.id for f in planner.guide.fed_by(q.id)]]
    assert len(by_maria) == len(fed)
    for comment in by_maria:
        said = [p.text for p in comment.paragraphs]
        assert said[-2].endswith("Trust between students and police.”")
        assert said[-1].endswith("“Mentoring matters most to parents.”")
