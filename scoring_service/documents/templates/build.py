"""Build the shipped Word templates of the documents (``make templates``).

The ``.docx`` files beside this script are what the office edits in Word or WPS; this
script only makes the first version reproducible. Each is laid out after GB/T 9704 (党政机关
公文格式): the issuing body in red large type, the document number, a red rule, the title,
the addressee, the body in 3号仿宋 with two-character indents, the attachment note, the
signature and date, and the copy-to lines at the foot. Fields are docxtpl (Jinja) tags:
``{{ name }}`` in text, ``{%tr for row in rows %}`` around a table row, ``{%p if ... %}``
around a paragraph. The text is the office's: it is written here in Chinese, never marked
for translation.

Run: ``.venv/bin/python -m scoring_service.documents.templates.build`` (writes beside it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
RED = RGBColor(0xFF, 0x00, 0x00)
# The fonts GB/T 9704 names; where a machine lacks them, Word, WPS and LibreOffice fall back
# to a CJK font that is installed (fonts-noto-cjk on the service's machines).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
TABLE_SIZE = Pt(10.5)  # 5号
INDENT = Pt(32)  # two characters of 3号
TEXT_WIDTH = Mm(156)  # A4 less the margins
# The office and its 机关代字 are settings (SCORING_ISSUER, SCORING_DOC_PREFIX): fields here.
ISSUER = "{{ issuer }}"
NUMBER = "{{ doc_prefix }}〔{{ year }}〕{{ number }}号"
# The core properties' author: the office the work plan gives, as the default setting.
AUTHOR = "河源市脱贫攻坚督查工作领导小组办公室"
TWIPS_PER_MM = 1440 / 25.4


def _fonts(run_or_style: object, east_asian: str, size: Pt, *, bold: bool = False) -> None:
    """Latin and East Asian fonts of a run or style (Word reads Chinese from eastAsia)."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    font.size = size
    font.bold = bold
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _new_document() -> DocumentObject:
    """An A4 document with GB/T 9704's margins and its body style."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    # 订口 27 mm and 版心 158.1 mm, within GB/T 9704's 28 ± 1 mm and 156 mm: 28 characters
    # of 3号 (16 pt) fill exactly 448 pt, so no character is wider than its cell of the grid
    # (LibreOffice gives such a character two cells).
    section.left_margin, section.right_margin = Mm(27), Mm(24.9)
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing = Pt(28)  # 22 lines to the page
    fmt.space_before = fmt.space_after = Pt(0)
    _grid(section)
    # Page numbers outside: odd pages on the right, even pages on the left (GB/T 9704 7.5).
    doc.settings.odd_and_even_pages_header_footer = True
    _page_numbers(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_numbers(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    return doc


def _grid(section: object, chars: int = 28, lines: int = 22) -> None:
    """The document grid of GB/T 9704 (5.2.2): 28 characters a line, 22 lines a page.

    Word's character pitch is the body size plus ``charSpace``/4096 points."""
    sectpr = section._sectPr  # type: ignore[attr-defined]
    grid = sectpr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectpr.append(grid)
    width_pt = (
        (section.page_width - section.left_margin - section.right_margin)  # type: ignore[attr-defined]
        / 12700
    )
    height_twips = (
        section.page_height - section.top_margin - section.bottom_margin  # type: ignore[attr-defined]
    ) / 635
    pitch = width_pt / chars
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(int(height_twips / lines)))
    grid.set(qn("w:charSpace"), str(max(0, int((pitch - BODY_SIZE.pt) * 4096))))


def _page_numbers(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """ "— 1 —" at the foot of the page, one character in from the outer edge (a PAGE
    field)."""
    paragraph.alignment = align
    _off_grid(paragraph)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = Pt(14)
    else:
        paragraph.paragraph_format.left_indent = Pt(14)
    _fonts(paragraph.add_run("— "), TABLE_FONT, Pt(14))
    run = paragraph.add_run()
    _fonts(run, TABLE_FONT, Pt(14))
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind is not None:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run.element.append(field)
        else:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run.element.append(instruction)
    _fonts(paragraph.add_run(" —"), TABLE_FONT, Pt(14))


def _para(
    doc: DocumentObject,
    text: str = "",
    *,
    font: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    bold: bool = False,
    color: RGBColor | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    before: float = 0,
    after: float = 0,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        _fonts(run, font, size, bold=bold)
        if color is not None:
            run.font.color.rgb = color
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if indent:
        fmt.first_line_indent = INDENT
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if size != BODY_SIZE:
        _off_grid(paragraph)
    if size > BODY_SIZE:
        fmt.line_spacing = Pt(size.pt * 1.5)
    return paragraph


def _off_grid(paragraph: Paragraph) -> None:
    """Text of another size than the body's keeps its own spacing, off the character grid
    (titles, tables, the 版记), as Word's 'snap to grid' unchecked."""
    ppr = paragraph._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr.append(snap)


def _rule(paragraph: Paragraph, edge: str, *, color: str = "FF0000", size: int = 12) -> None:
    """A line along one edge of the paragraph (the red rule, the lines of the copy-to)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def _masthead(doc: DocumentObject, number: str = NUMBER) -> None:
    """The issuing body in red, the document number and the red rule (版头)."""
    _para(
        doc,
        ISSUER,
        font=TITLE_FONT,
        size=Pt(22),
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=12,
    )
    line = _para(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
    _rule(line, "bottom")
    _para(doc)


def _title(doc: DocumentObject, text: str) -> None:
    _para(doc, text, font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)


def _heading(doc: DocumentObject, text: str) -> None:
    """A first-level heading of the body: 黑体, indented like the text."""
    _para(doc, text, font=HEADING_FONT, indent=True)


def _signature(doc: DocumentObject, date_field: str, *, note: str = "") -> None:
    """Signature and date right of centre, with room for the seal; ``note`` (附注, such as
    the contact line) below the date when its field has a value.

    The paragraph before, the room and the signature keep together on one page (keep with
    next), so the signature and date are never left alone on a page (GB/T 9704 7.3.5)."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    for _ in range(2):
        _para(doc).paragraph_format.keep_with_next = True
    for text in (ISSUER, date_field):
        paragraph = _para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(32)
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.keep_together = True
    if note:
        _para(doc, "{%p if " + note + " %}")
        _para(doc, "（联系人：{{ " + note + " }}）", indent=True)
        _para(doc, "{%p endif %}")


def _frame_at_foot(paragraph: Paragraph, width: float, top: float) -> None:
    """The paragraph in a frame at the foot of the page's text area: consecutive
    paragraphs with the same frame share it, so the 版记 stands at the bottom of the last
    page whatever the length of the text before it. ``top``: the frame's top from the
    page's, in millimetres (a position rather than "bottom": LibreOffice reads only the
    first)."""
    ppr = paragraph._p.get_or_add_pPr()
    frame = OxmlElement("w:framePr")
    frame.set(qn("w:w"), str(round(width * TWIPS_PER_MM)))
    frame.set(qn("w:wrap"), "notBeside")
    frame.set(qn("w:vAnchor"), "page")
    frame.set(qn("w:hAnchor"), "margin")
    frame.set(qn("w:xAlign"), "center")
    frame.set(qn("w:y"), str(round(top * TWIPS_PER_MM)))
    ppr.insert(0, frame)


def _colophon(
    doc: DocumentObject, copy_to: str, printed: str, *, width: float = 158.1, foot: float = 262
) -> None:
    """The copy-to line and the printing line between thin black lines (版记), the last
    paragraphs of the document, at the foot of its last page (GB/T 9704 8); ``width`` of
    the text area and ``foot``, its bottom from the page's top, in millimetres."""
    # The rule above: an empty line's bottom border. LibreOffice drops a frame whose
    # paragraphs have top borders, so every rule of the 版记 is a bottom border.
    above = _para(doc, size=Pt(2))
    above.paragraph_format.line_spacing = Pt(2)
    _rule(above, "bottom", color="000000", size=4)
    first = _para(doc, copy_to, size=Pt(14))
    first.paragraph_format.left_indent = Pt(14)
    first.paragraph_format.first_line_indent = Pt(-14)
    _rule(first, "bottom", color="000000", size=4)
    second = _para(doc, printed, size=Pt(14))
    second.paragraph_format.tab_stops.add_tab_stop(Mm(width), WD_TAB_ALIGNMENT.RIGHT)
    _rule(second, "bottom", color="000000", size=4)
    for paragraph in (above, first, second):
        paragraph.paragraph_format.keep_with_next = paragraph is not second
        # Two lines of 28 pt and the rules: about 21 mm above the foot of the text area.
        _frame_at_foot(paragraph, width, foot - 21)


def _cell_text(cell: object, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    _off_grid(paragraph)
    paragraph.paragraph_format.line_spacing = 1.0
    paragraph.paragraph_format.first_line_indent = Pt(0)
    run = paragraph.add_run(text)
    _fonts(run, TABLE_FONT, TABLE_SIZE, bold=bold)


def _shade(cell: object) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), "D9D9D9")
    cell._tc.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]


def _repeat_header(table: Table) -> None:
    """The header row repeats at the top of each page the table runs over."""
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _unsplit(table: Table) -> None:
    """No row breaks across pages: a row that does not fit goes whole to the next page."""
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        whole = OxmlElement("w:cantSplit")
        whole.set(qn("w:val"), "true")
        trpr.insert(0, whole)


def _table(
    doc: DocumentObject,
    headers: Sequence[str],
    fields: Sequence[str],
    loop: str,
    widths: Sequence[float],
) -> Table:
    """A table with a shaded header row and one row repeated ``{%tr for ... %}``; ``fields``
    are the row's expressions (``p.code``)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header, width in zip(table.rows[0].cells, headers, widths, strict=True):
        _cell_text(cell, header, bold=True)
        _shade(cell)
        cell.width = Mm(width)
    _cell_text(table.rows[1].cells[0], f"{{%tr for {loop} %}}")
    for cell, expression, width in zip(table.rows[2].cells, fields, widths, strict=True):
        _cell_text(cell, f"{{{{ {expression} }}}}")
        cell.width = Mm(width)
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    # LibreOffice lays columns out by the table grid, Word by the cells: set both.
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    _repeat_header(table)
    _unsplit(table)
    made: Table = table
    return made


def _landscape_section(doc: DocumentObject) -> None:
    """A new page in landscape for a wide attachment table."""
    from docx.enum.section import WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)
    section.left_margin, section.right_margin = Mm(37), Mm(35)


def letter() -> DocumentObject:
    """整改函: the letter to the inspected county, with the problem list attached."""
    doc = _new_document()
    _masthead(doc)
    _title(doc, "关于{{ county_name }}限期整改督查发现问题的函")
    _para(doc, "{{ county_name }}扶贫开发领导小组：")
    _para(
        doc,
        "根据《河源市脱贫攻坚较真碰硬督促检查工作方案》（河扶〔2018〕23号）要求，"
        "市脱贫攻坚督查工作领导小组{{ group_name }}（组长：{{ group_leader }}）于"
        "{{ dates }}对你县（区）开展了督促检查，共发现问题{{ findings }}个，其中重大问题"
        "{{ major }}个。现将问题清单（见附件）函告你们，请逐项对照，明确责任单位，"
        "在整改时限内整改到位。",
        indent=True,
    )
    _para(
        doc,
        "请你县（区）组织责任单位对照问题清单开展自查自纠，于{{ report_due }}前将整改情况"
        "书面报告督查组，整改时限在此之后的问题报告进展，整改完成后及时续报；特殊情况确需"
        "延长整改时间的，应在整改时限前报告原因并明确延长时限。重大问题须及时报告市脱贫攻坚"
        "督查工作领导小组。整改完成情况及整改率列入年度扶贫开发考核范围，督查组将适时组织"
        "“回头看”。",
        indent=True,
    )
    _para(doc)
    attachment = _para(doc, "附件：{{ county_name }}督查发现问题清单", indent=True)
    attachment.paragraph_format.left_indent = Pt(0)
    _signature(doc, "{{ letter_date }}", note="contact")
    _landscape_section(doc)
    _para(doc, "附件", font=HEADING_FONT)
    _title(doc, "{{ county_name }}督查发现问题清单")
    _para(
        doc,
        "督查组：{{ group_name }}　　督查时间：{{ dates }}　　督查编号：{{ inspection }}",
        size=Pt(12),
        after=6,
    )
    _table(
        doc,
        [
            "序号",
            "问题编号",
            "被督查单位",
            "督查事项",
            "问题类别",
            "问题描述",
            "问题性质",
            "整改时限",
            "责任单位",
        ],
        [
            f"p.{name}"
            for name in [
                "number",
                "finding",
                "unit_name",
                "criterion_text",
                "category_text",
                "description",
                "severity",
                "deadline",
                "responsible",
            ]
        ],
        "p in problems",
        (9, 27, 22, 28, 24, 52, 16, 24, 23),
    )
    _colophon(
        doc,
        "抄送：中共{{ county_name }}委员会，{{ county_name }}人民政府。",
        "{{ issuer }}\t{{ letter_date }}印发",
        width=225,
        foot=184,
    )
    return doc


def _measure_section(doc: DocumentObject, heading: str, intro: str, name: str) -> None:
    """One list of the circular: the units a measure applies to, with the rules behind it."""
    _heading(doc, heading)
    _para(doc, intro, indent=True)
    _para(doc, "{%p if not " + name + " %}")
    _para(doc, "无。", indent=True)
    _para(doc, "{%p else %}")
    _table(
        doc,
        ("序号", "类别", "单位", "整改率", "得分", "等次", "依据"),
        ("u.number", "u.kind", "u.name", "u.rate", "u.score", "u.grade", "u.rules"),
        f"u in {name}",
        (10, 16, 40, 20, 14, 14, 42),
    )
    _para(doc, "{%p endif %}")


def circular() -> DocumentObject:
    """通报: the year's results as of a date, commendation to accountability."""
    doc = _new_document()
    _masthead(doc)
    _title(doc, "关于{{ year }}年度脱贫攻坚督查整改情况的通报")
    _para(doc, "各县（区）党（工）委，市直和中央、省驻河源副处以上各单位：")
    _para(
        doc,
        "根据《河源市脱贫攻坚较真碰硬督促检查工作方案》（河扶〔2018〕23号），"
        "现将截至{{ as_of }}督查发现问题整改情况通报如下。",
        indent=True,
    )
    _heading(doc, "一、总体情况")
    _para(
        doc,
        "全市共开展督查{{ inspections }}次，发现问题{{ findings }}个，其中重大问题"
        "{{ major }}个。已整改{{ rectified }}个（按期整改{{ on_time }}个，逾期整改"
        "{{ late }}个），超期未整改{{ overdue }}个，未到整改时限{{ open }}个，"
        "整改率{{ rate }}。",
        indent=True,
    )
    _measure_section(
        doc,
        "二、通报表扬",
        "以下单位整改落实到位、成效明显，予以全市通报表扬，并在年终考核中加分：",
        "commended",
    )
    _measure_section(
        doc,
        "三、通报批评",
        "以下单位整改不力，予以全市通报批评，并在年终考核中扣分：",
        "criticised",
    )
    _measure_section(doc, "四、约谈", "对以下单位的主要负责同志进行约谈：", "interviewed")
    _measure_section(doc, "五、问责", "以下单位存在虚假整改等问题，按规定追究责任：", "accountable")
    _para(
        doc,
        "各单位要对照督查问题清单，举一反三，限期整改到位；受到通报批评、约谈的单位"
        "要深刻反思，于通报印发后15日内将整改情况书面报告{{ issuer }}。",
        indent=True,
    )
    _signature(doc, "{{ date }}")
    _colophon(
        doc,
        "抄送：市委、市政府，市扶贫开发领导小组各成员单位。",
        "{{ issuer }}\t{{ date }}印发",
    )
    return doc


def monthly() -> DocumentObject:
    """督查工作月报: the month's inspections, findings, progress and alerts."""
    doc = _new_document()
    _masthead(doc, "第{{ number }}期")
    _title(doc, "督查工作月报\n（{{ year }}年{{ month }}月）")
    _para(doc, "市脱贫攻坚督查工作领导小组：")
    _para(
        doc,
        "现将{{ year }}年{{ month }}月督查工作情况报告如下（数据截至{{ as_of }}）。",
        indent=True,
    )
    _heading(doc, "一、督查开展情况")
    _para(
        doc,
        "工作方案要求各督查小组原则上每月督查1次。本月共开展督查{{ inspections }}次，"
        "{{ groups_missed }}。",
        indent=True,
    )
    _table(
        doc,
        ("督查组", "组长", "负责县区", "本月督查次数", "督查编号", "按月开展"),
        ("g.name", "g.leader", "g.counties", "g.count", "g.codes", "g.met"),
        "g in groups",
        (22, 18, 36, 18, 44, 16),
    )
    _heading(doc, "二、发现问题情况")
    _para(
        doc,
        "本月督查发现问题{{ findings }}个，其中一般问题{{ general }}个，重大问题{{ major }}个。",
        indent=True,
    )
    _table(
        doc,
        ("问题类别", "一般问题", "重大问题", "合计"),
        ("c.name", "c.general", "c.major", "c.total"),
        "c in categories",
        (70, 28, 28, 28),
    )
    _heading(doc, "三、整改进展情况")
    _para(
        doc,
        "截至{{ as_of }}，各县区问题整改进展如下（按期、逾期整改合计为已整改；"
        "逾期未整改为已过整改期限仍未整改；整改中为仍在整改期限内）。",
        indent=True,
    )
    _table(
        doc,
        ("县区", "问题数", "已整改", "按期整改", "逾期整改", "逾期未整改", "整改中", "整改率"),
        [
            f"c.{name}"
            for name in [
                "name",
                "findings",
                "rectified",
                "on_time",
                "late",
                "overdue",
                "open",
                "rate",
            ]
        ],
        "c in counties",
        (28, 18, 18, 18, 18, 18, 18, 20),
    )
    _para(doc, "{%p if chart %}")
    chart = _para(doc, "{{ chart }}", align=WD_ALIGN_PARAGRAPH.CENTER, before=6)
    chart.paragraph_format.line_spacing = 1.0
    _para(doc, "图　各县区整改率", size=Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{%p endif %}")
    _heading(doc, "四、重大问题情况")
    _para(
        doc,
        "超期未整改的重大问题{{ overdue_major_count }}个，未在发现后及时报告领导小组的"
        "重大问题{{ unescalated_count }}个：",
        indent=True,
    )
    _para(doc, "{%p if not majors %}")
    _para(doc, "无。", indent=True)
    _para(doc, "{%p else %}")
    _table(
        doc,
        ("问题编号", "单位", "问题描述", "整改时限", "情况"),
        ("m.code", "m.unit", "m.description", "m.deadline", "m.status"),
        "m in majors",
        (32, 28, 50, 22, 24),
    )
    _para(doc, "{%p endif %}")
    _heading(doc, "五、过程预警")
    _para(
        doc,
        "截至{{ as_of }}，督查工作过程预警{{ alert_count }}条，"
        "其中本月新增{{ new_alert_count }}条：",
        indent=True,
    )
    _para(doc, "{%p if not alerts %}")
    _para(doc, "无。", indent=True)
    _para(doc, "{%p else %}")
    _table(
        doc,
        ("预警类型", "对象", "说明", "本月新增"),
        ("a.kind", "a.subject", "a.detail", "a.new"),
        "a in alerts",
        (34, 38, 66, 18),
    )
    _para(doc, "{%p endif %}")
    _signature(doc, "{{ date }}")
    _colophon(
        doc,
        "报送：市脱贫攻坚督查工作领导小组组长、副组长。",
        "{{ issuer }}\t{{ date }}印发",
    )
    return doc


TEMPLATES = {"letter.docx": letter, "circular.docx": circular, "monthly.docx": monthly}


# The order WordprocessingML requires of a paragraph's properties (Word refuses a file
# with them out of order; the helpers above add some at the end).
PPR_ORDER = tuple(
    qn(f"w:{name}")
    for name in [
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "framePr",
        "widowControl",
        "numPr",
        "suppressLineNumbers",
        "pBdr",
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    ]
)


def _order_properties(doc: DocumentObject) -> None:
    """Every paragraph's properties in the schema's order."""
    rank = {tag: n for n, tag in enumerate(PPR_ORDER)}
    parts = [doc.element, *(s.footer._element for s in doc.sections)]
    parts += [s.even_page_footer._element for s in doc.sections]
    for part in parts:
        for ppr in part.iter(qn("w:pPr")):
            children = sorted(ppr, key=lambda c: rank.get(c.tag, len(rank)))
            for child in children:
                ppr.append(child)


def build(folder: Path = HERE) -> list[Path]:
    """Write every template into ``folder``; return their paths."""
    written = []
    for name, make in TEMPLATES.items():
        path = folder / name
        doc = make()
        _order_properties(doc)
        _fix_core_properties(doc)
        doc.save(str(path))
        written.append(path)
    return written


def _fix_core_properties(doc: DocumentObject) -> None:
    """The same bytes from the same script: no build time or machine user in the file."""
    import datetime as dt

    props = doc.core_properties
    props.author = props.last_modified_by = AUTHOR
    props.created = props.modified = dt.datetime(2018, 6, 15)
    props.revision = 1


if __name__ == "__main__":
    for written in build():
        print(written)
