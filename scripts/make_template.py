"""Builds bot/documents/templates/planner.docx, the starting document of both Word exports.

python-docx can only use a style the starting document defines, so every custom style
the builders use is defined here once. Run it again after changing a style:
    .venv/bin/python scripts/make_template.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Inches, Pt, RGBColor

TEMPLATE = Path(__file__).resolve().parent.parent / "bot" / "documents" / "templates" / "planner.docx"
GREY = RGBColor(0x55, 0x55, 0x55)
DRAFT_RED = RGBColor(0xA0, 0x1C, 0x1C)
# The agreement's numbering: "Article" paragraphs are 1., 2., ...; "Numbered Clause" paragraphs
# under them 1.1, 1.2, ... Word numbers them itself (the styles carry the list), so counsel can
# cite "clause 4.3" and the numbers follow any clause added or removed in Word.
AGREEMENT_LIST = 40  # abstractNum and num id, clear of the template's own lists
ARTICLE_STYLE_ID, CLAUSE_STYLE_ID = "Article", "NumberedClause"


def agreement_numbering(doc) -> None:
    numbering = doc.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f"""<w:abstractNum {nsdecls("w")} w:abstractNumId="{AGREEMENT_LIST}">
              <w:multiLevelType w:val="multilevel"/>
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="{ARTICLE_STYLE_ID}"/>
                <w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>
                <w:pPr><w:ind w:left="432" w:hanging="432"/></w:pPr></w:lvl>
              <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="{CLAUSE_STYLE_ID}"/>
                <w:lvlText w:val="%1.%2"/><w:lvlJc w:val="left"/>
                <w:pPr><w:ind w:left="720" w:hanging="720"/></w:pPr></w:lvl>
            </w:abstractNum>"""
        ),
    )
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{AGREEMENT_LIST}"><w:abstractNumId w:val="{AGREEMENT_LIST}"/></w:num>'
        )
    )


def numbered(style, level: int) -> None:
    style.element.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{AGREEMENT_LIST}"/></w:numPr>')
    )


def paragraph_style(
    doc, name, *, size=None, italic=False, bold=False, color=None, indent=None, space_after=6, base="Normal"
):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.quick_style = True
    font = style.font
    if size:
        font.size = Pt(size)
    font.italic = italic
    font.bold = bold
    if color is not None:
        font.color.rgb = color
    fmt = style.paragraph_format
    fmt.space_after = Pt(space_after)
    if indent is not None:
        fmt.left_indent = Inches(indent)
    return style


def main() -> None:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    for section in doc.sections:
        section.left_margin = section.right_margin = Inches(1)
        section.top_margin = section.bottom_margin = Inches(0.9)

    paragraph_style(doc, "Draft Notice", size=10, italic=True, color=DRAFT_RED, space_after=12)
    paragraph_style(doc, "Clause", indent=0.25)
    paragraph_style(doc, "Clause Lead", bold=True, space_after=3)
    paragraph_style(doc, "Guidance Note", size=9, italic=True, color=GREY)
    paragraph_style(doc, "Question", italic=True, space_after=4)
    paragraph_style(doc, "Answer", indent=0.3, space_after=2)
    paragraph_style(doc, "Attribution", size=9, color=GREY, indent=0.3, space_after=8)

    agreement_numbering(doc)
    article = paragraph_style(doc, "Article", base="Heading 1", bold=True, size=13, space_after=6)
    article.element.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}styleId", ARTICLE_STYLE_ID)
    numbered(article, 0)
    clause = paragraph_style(doc, "Numbered Clause", space_after=8)
    clause.element.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}styleId", CLAUSE_STYLE_ID)
    numbered(clause, 1)
    paragraph_style(doc, "Clause Bullet", indent=1.0, space_after=2, base="List Bullet")

    # A clause proposed from the guidance, not yet confirmed, and a conflict to resolve.
    proposed = doc.styles.add_style("Proposed", WD_STYLE_TYPE.CHARACTER)
    proposed.font.highlight_color = WD_COLOR_INDEX.TURQUOISE
    conflict = doc.styles.add_style("Conflict", WD_STYLE_TYPE.CHARACTER)
    conflict.font.highlight_color = WD_COLOR_INDEX.PINK
    conflict.font.bold = True

    placeholder = doc.styles.add_style("Placeholder", WD_STYLE_TYPE.CHARACTER)
    placeholder.font.highlight_color = WD_COLOR_INDEX.YELLOW
    placeholder.font.bold = True

    # Start from an empty body: the builders add everything.
    body = doc.element.body
    for paragraph in list(doc.paragraphs):
        body.remove(paragraph._element)
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    doc.save(TEMPLATE)
    print(f"wrote {TEMPLATE}")


if __name__ == "__main__":
    main()
