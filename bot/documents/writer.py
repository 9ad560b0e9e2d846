"""Pieces both Word documents share: the template, a writer that adds styled paragraphs and
text that keeps its line breaks, highlighted placeholders, and a header and footer with
page numbers."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.section import CT_SectPr
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.parfmt import CT_PPr
from docx.text.paragraph import Paragraph
from docx.text.run import Run

TEMPLATE = Path(__file__).with_name("templates") / "planner.docx"

# Characters XML 1.0 cannot carry: python-docx refuses them and Word would call the
# file corrupt. The database keeps the answer as typed; the document leaves them out.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Characters python-docx turns into their own run elements rather than text.
_TAB_OR_BREAK = re.compile(r"([\t\r\n])")


def new_document() -> DocumentObject:
    return Document(str(TEMPLATE))


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub("", text)


class Writer:
    """Adds paragraphs and runs to a document made from the template, producing the same XML
    as python-docx's add_paragraph, add_heading and add_run, only faster.

    For every paragraph python-docx looks the style up by name, then scans every style of
    the template for the default of its type, and appends run text one character at a time;
    for a plan with 1,000 answers that was most of an export. The writer resolves each
    style once per document and appends text a piece at a time."""

    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc
        self._style_ids: dict[tuple[str, WD_STYLE_TYPE], str | None] = {}
        self._paragraph_properties: dict[str, CT_PPr] = {}
        # New paragraphs go before the body's closing section properties, as with add_paragraph,
        # which searches the whole body for them each time: a cost that grows with its square.
        self._section_end: CT_SectPr | None = doc.element.body.sectPr

    def _style_id(self, name: str, kind: WD_STYLE_TYPE) -> str | None:
        """The template's id for a style name; None for the default style of its type."""
        key = (name, kind)
        if key not in self._style_ids:
            self._style_ids[key] = self.doc.part.get_style_id(name, kind)  # type: ignore[no-untyped-call]
        return self._style_ids[key]

    def _properties(self, style: str) -> CT_PPr:
        """The `w:pPr` element python-docx gives a paragraph of this style, made once."""
        if style not in self._paragraph_properties:
            model = cast(CT_P, OxmlElement("w:p"))
            model.style = self._style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            self._paragraph_properties[style] = cast(CT_PPr, model.pPr)
        return self._paragraph_properties[style]

    def paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        p = cast(CT_P, OxmlElement("w:p"))
        if style is not None:
            p.append(copy.deepcopy(self._properties(style)))
        if self._section_end is not None:
            self._section_end.addprevious(p)
        else:
            self.doc.element.body.append(p)
        paragraph = Paragraph(p, self.doc)
        if text:
            self.run(paragraph, text)
        return paragraph

    def heading(self, text: str, level: int) -> Paragraph:
        return self.paragraph(text, f"Heading {level}")

    def run(self, paragraph: Paragraph, text: str = "", style: str | None = None) -> Run:
        """A run as paragraph.add_run makes it: a tab becomes a tab, a newline a line break."""
        r = paragraph._p.add_r()
        for piece in _TAB_OR_BREAK.split(text):
            if piece == "\t":
                r.add_tab()
            elif piece in ("\r", "\n"):
                r.add_br()
            elif piece:
                r.add_t(piece)
        if style:
            r.style = self._style_id(style, WD_STYLE_TYPE.CHARACTER)
        return Run(r, paragraph)

    def text(self, paragraph: Paragraph, text: str) -> None:
        """Add text to a paragraph, a single newline becoming a line break."""
        for index, line in enumerate(xml_safe(text).split("\n")):
            run = self.run(paragraph, line)
            if index:
                run._element.addprevious(_line_break())

    def paragraphs(self, text: str, style: str) -> list[Paragraph]:
        """Text as typed: blank lines separate paragraphs, single newlines break lines."""
        blocks = [block for block in re.split(r"\n[ \t]*\n", text.strip("\n")) if block.strip()]
        paragraphs = []
        for block in blocks or [""]:
            paragraph = self.paragraph(style=style)
            self.text(paragraph, block)
            paragraphs.append(paragraph)
        return paragraphs

    def page_break(self) -> None:
        self.run(self.paragraph()).add_break(WD_BREAK.PAGE)

    def placeholder(self, paragraph: Paragraph, what: str) -> Run:
        """A visible, highlighted gap that counsel and the committee cannot miss."""
        run = self.run(paragraph, f"[To be decided: {xml_safe(what)}]", "Placeholder")
        # Highlight on the run as well as in the style, so every word processor shows it.
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return run


def _line_break() -> Any:
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


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
