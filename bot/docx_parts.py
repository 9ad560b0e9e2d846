"""Pieces both Word documents share: the template, text that keeps its line breaks,
highlighted placeholders, and a header and footer with page numbers."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

TEMPLATE = Path(__file__).with_name("templates") / "planner.docx"

# Characters XML 1.0 cannot carry: python-docx refuses them and Word would call the
# file corrupt. The database keeps the answer as typed; the document leaves them out.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def new_document() -> DocumentObject:
    return Document(str(TEMPLATE))


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub("", text)


def add_text(paragraph: Paragraph, text: str, style: Optional[str] = None) -> None:
    """Add text to a paragraph, a single newline becoming a line break."""
    for index, line in enumerate(xml_safe(text).split("\n")):
        run = paragraph.add_run(line, style)
        if index:
            run._element.addprevious(_line_break())


def _line_break():
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


def add_paragraphs(
    add_paragraph: Callable[..., Paragraph], text: str, style: str
) -> list[Paragraph]:
    """Text as typed: blank lines separate paragraphs, single newlines break lines."""
    blocks = [block for block in re.split(r"\n[ \t]*\n", text.strip("\n")) if block.strip()]
    paragraphs = []
    for block in blocks or [""]:
        paragraph = add_paragraph(style=style)
        add_text(paragraph, block)
        paragraphs.append(paragraph)
    return paragraphs


def add_placeholder(paragraph: Paragraph, what: str) -> None:
    """A visible, highlighted gap that counsel and the committee cannot miss."""
    run = paragraph.add_run(f"[To be decided: {xml_safe(what)}]", "Placeholder")
    # Highlight on the run as well as in the style, so every word processor shows it.
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the word processor fills in."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
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
            run.text = text


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
