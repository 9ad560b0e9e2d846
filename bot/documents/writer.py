"""Pieces both Word documents share: the template, a writer that adds styled paragraphs and
text that keeps its line breaks, highlighted placeholders, and a header and footer with
page numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.comments import CT_Comments
from docx.oxml.ns import qn
from docx.oxml.section import CT_SectPr
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

TEMPLATE = Path(__file__).with_name("templates") / "planner.docx"

# Characters XML 1.0 cannot carry: python-docx refuses them and Word would call the
# file corrupt. The database keeps the answer as typed; the document leaves them out.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Characters python-docx turns into their own run elements rather than text.
_TAB_OR_BREAK = re.compile(r"([\t\r\n])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# The elements the writer makes itself, by their namespaced names.
_P, _PPR, _PSTYLE, _R, _RPR, _RSTYLE, _T, _TAB, _BR, _VAL, _ID = (
    qn(f"w:{name}") for name in ("p", "pPr", "pStyle", "r", "rPr", "rStyle", "t", "tab", "br", "val", "id")
)
_COMMENT, _ANNOTATION, _RANGE_START, _RANGE_END, _REFERENCE = (
    qn(f"w:{name}") for name in ("comment", "annotationRef", "commentRangeStart", "commentRangeEnd", "commentReference")
)
_SPACE = qn("xml:space")


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub("", text)


# The template's style ids by style name and type, looked up once per process: python-docx's
# look-up scans every style of the template, which took a tenth of an export of 1,000 answers
# when each document looked up its own.
_template_style_ids: dict[tuple[str, WD_STYLE_TYPE], str | None] = {}


class Writer:
    """Makes a document from the template and adds paragraphs, runs, tables and comments to
    it, producing the same XML as python-docx's add_paragraph, add_heading, add_run and
    add_table, only faster; a comment as add_comment makes it, except that each of its
    paragraphs, not only the first, has the CommentText style, as Word gives them.

    For every paragraph python-docx looks the style up by name, then scans every style of
    the template for the default of its type; it makes each element by parsing its tag, finds
    its place among the children a schema rule at a time, and numbers each new comment by
    reading every earlier one's id. For a plan with 1,000 answers that was most of an export.
    The writer resolves each style once and appends the elements with lxml."""

    def __init__(self) -> None:
        self.doc = Document(str(TEMPLATE))
        self._body = self.doc.element.body
        # New paragraphs go before the body's closing section properties, as with add_paragraph,
        # which searches the whole body for them each time: a cost that grows with its square.
        self._section_end: CT_SectPr | None = self._body.sectPr
        self._comments: CT_Comments | None = None  # the comments part's root, made on the first comment
        self._next_comment_id = 0

    def _style_id(self, name: str, kind: WD_STYLE_TYPE) -> str | None:
        """The template's id for a style name; None for the default style of its type."""
        key = (name, kind)
        if key not in _template_style_ids:
            _template_style_ids[key] = self.doc.part.get_style_id(name, kind)  # type: ignore[no-untyped-call]
        return _template_style_ids[key]

    def paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        # Made by the body's parser, so lxml gives it python-docx's class for w:p (CT_P).
        p = cast(CT_P, self._body.makeelement(_P))
        if style is not None:
            properties = etree.SubElement(p, _PPR)
            style_id = self._style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            if style_id is not None:
                etree.SubElement(properties, _PSTYLE, {_VAL: style_id})
        if self._section_end is not None:
            self._section_end.addprevious(p)
        else:
            self._body.append(p)
        paragraph = Paragraph(p, self.doc)
        if text:
            self.run(paragraph, text)
        return paragraph

    def heading(self, text: str, level: int) -> Paragraph:
        return self.paragraph(text, f"Heading {level}")

    def run(self, paragraph: Paragraph, text: str = "", style: str | None = None) -> Run:
        """A run as paragraph.add_run makes it: a tab becomes a tab, a newline a line break."""
        return Run(self._run(paragraph._p, text, style), paragraph)

    def _run(self, p: CT_P, text: str, style: str | None = None) -> CT_R:
        r = cast(CT_R, etree.SubElement(p, _R))
        if style:
            properties = etree.SubElement(r, _RPR)
            style_id = self._style_id(style, WD_STYLE_TYPE.CHARACTER)
            if style_id is not None:
                etree.SubElement(properties, _RSTYLE, {_VAL: style_id})
        for piece in _TAB_OR_BREAK.split(text):
            if piece == "\t":
                etree.SubElement(r, _TAB)
            elif piece in ("\r", "\n"):
                etree.SubElement(r, _BR)
            elif piece:
                t = etree.SubElement(r, _T)
                t.text = piece
                if len(piece.strip()) < len(piece):
                    t.set(_SPACE, "preserve")
        return r

    def text(self, paragraph: Paragraph, text: str) -> None:
        """Add text to a paragraph, a single newline becoming a line break."""
        for index, line in enumerate(xml_safe(text).split("\n")):
            if index:
                etree.SubElement(etree.SubElement(paragraph._p, _R), _BR)
            self._run(paragraph._p, line)

    def paragraphs(self, text: str, style: str) -> list[Paragraph]:
        """Text as typed: blank lines separate paragraphs, single newlines break lines."""
        blocks = [block for block in _BLANK_LINE.split(text.strip("\n")) if block.strip()]
        paragraphs = []
        for block in blocks or [""]:
            paragraph = self.paragraph(style=style)
            self.text(paragraph, block)
            paragraphs.append(paragraph)
        return paragraphs

    def table(self, rows: int, columns: int, style: str = "Table Grid") -> Table:
        table: Table = self.doc.add_table(rows=rows, cols=columns)
        table._tbl.tblStyle_val = self._style_id(style, WD_STYLE_TYPE.TABLE)
        return table

    def page_break(self) -> None:
        self.run(self.paragraph()).add_break(WD_BREAK.PAGE)

    def placeholder(self, paragraph: Paragraph, what: str) -> Run:
        """A visible, highlighted gap that counsel and the committee cannot miss."""
        run = self.run(paragraph, f"[To be decided: {xml_safe(what)}]", "Placeholder")
        # Highlight on the run as well as in the style, so every word processor shows it.
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return run

    def comment(self, runs: Sequence[Run], author: str, initials: str, text: str) -> None:
        """A comment on the runs from the first to the last, each line of `text` a paragraph
        in the CommentText style: what Document.add_comment(runs, author=..., initials=...)
        makes, with the lines added as its paragraphs."""
        if self._comments is None:
            # python-docx adds the comments part, from its default, when first asked for it.
            self._comments = self.doc.comments._comments_elm
            used = [int(c.get(_ID)) for c in self._comments.iterchildren(_COMMENT)]
            self._next_comment_id = max(used, default=-1) + 1
        number = str(self._next_comment_id)
        self._next_comment_id += 1
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        attributes = {_ID: number, qn("w:author"): author, qn("w:initials"): initials, qn("w:date"): date}
        comment = etree.SubElement(self._comments, _COMMENT, attributes)
        for index, line in enumerate(text.split("\n")):
            p = etree.SubElement(comment, _P)
            etree.SubElement(etree.SubElement(p, _PPR), _PSTYLE, {_VAL: "CommentText"})
            if not index:
                mark = etree.SubElement(p, _R)
                etree.SubElement(etree.SubElement(mark, _RPR), _RSTYLE, {_VAL: "CommentReference"})
                etree.SubElement(mark, _ANNOTATION)
            self._run(p, line)
        first, last = runs[0]._r, runs[-1]._r
        first.addprevious(first.makeelement(_RANGE_START, {_ID: number}))
        reference = last.makeelement(_R)
        etree.SubElement(etree.SubElement(reference, _RPR), _RSTYLE, {_VAL: "CommentReference"})
        etree.SubElement(reference, _REFERENCE, {_ID: number})
        last.addnext(reference)
        last.addnext(last.makeelement(_RANGE_END, {_ID: number}))


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the word processor fills in."""
    parts: tuple[tuple[str | None, str | None], ...] = (
        ("begin", None),
        (None, instruction),
        ("separate", None),
        (None, "1"),
        ("end", None),
    )
    for kind, text in parts:
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text == instruction:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._element.append(instr)
        else:
            run.text = text or ""


def set_header_footer(doc: DocumentObject, header_text: str, footer_text: str) -> None:
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = xml_safe(header_text)
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.text = xml_safe(f"{footer_text} · Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER


def format_time(moment: datetime) -> str:
    return moment.strftime("%d %b %Y %H:%M UTC")
