"""A brief as a Word document (python-docx) and as a PDF (fpdf2).

A brief is a list of :data:`Block` values, written once and rendered twice
(:func:`render_docx`, :func:`render_pdf`), so the Word file and the PDF always carry the
same things in the same order. The country brief (:func:`country_docx`,
:func:`country_pdf`) holds the title, the date, the data and the filters in force, a
link that reproduces the view, the CTDC's caveats, then for each perspective its summary
and, section by section, the finding sentence, the chart as an image (with its source
line and filters, :func:`core.images.altair_png`) and its caption, and at the end the
citation. Every number in it comes from the protected profile
(:func:`core.brief.profile.country_profile`), so no count below k is written. The
hidden-population brief (:mod:`core.brief.hidden`) is made of the same blocks.

Charts are rendered once per brief (:func:`brief_images`); pass the images to both
builders to make the two files from one rendering.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from core.brief.charts import profile_charts
from core.brief.profile import CITATION, CountryProfile
from core.images import CAVEAT, altair_png, source_line

__all__ = [
    "CAVEATS",
    "Block",
    "brief_images",
    "country_docx",
    "country_pdf",
    "render_docx",
    "render_pdf",
]

#: The CTDC's caveats every brief states.
CAVEATS: tuple[str, ...] = (
    f"{CAVEAT}: the records are victims identified or assisted by CTDC partners; they "
    "describe who was identified and recorded, not how common trafficking is.",
    "Not a random sample: counts reflect where partners operate and how each records data.",
    "Synthetic records: the CTDC Global Synthetic Dataset is generated from the original "
    "records to keep their statistical patterns while protecting the people in them; no "
    "row is a real person.",
)
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# characters a Word file (XML 1.0) cannot hold, e.g. from a source typed on a page
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LATIN1 = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"}
)

Kind = Literal[
    "title",  # the document's title
    "line",  # a line of the front matter (date, source, filters)
    "link",  # the link that reproduces the view
    "part",  # a part heading: "Read this first", "Citation"
    "heading1",  # a heading of the body
    "heading2",  # a section's heading
    "bullet",  # an item of a list
    "finding",  # a finding sentence (bold)
    "chart",  # the next image
    "caption",  # small italic print under a chart or table
    "table",  # rows of cells, the first the header (``Block.rows``)
    "text",  # a paragraph
]


class Block:
    """One block of a brief: its kind and text (a table's rows for ``"table"``).

    Control characters (which a Word file cannot hold) are taken out of the text.
    """

    __slots__ = ("kind", "rows", "text")

    def __init__(self, kind: Kind, text: str = "", rows: Sequence[Sequence[str]] = ()) -> None:
        self.kind = kind
        self.text = _CONTROL.sub("", text)
        self.rows = [[_CONTROL.sub("", str(cell)) for cell in row] for row in rows]

    def __repr__(self) -> str:
        return f"Block({self.kind!r}, {self.text!r})"


def _today() -> str:
    return dt.date.today().isoformat()


def brief_images(
    profile: CountryProfile, /, *, filters_text: str, release: str, scale: float = 1.5
) -> list[bytes]:
    """The PNG of every chart of the brief, in order, each with its source line.

    Rendered by vl-convert: no browser needed.
    """
    source = source_line(release)
    return [
        altair_png(chart, title=section.finding, source=source, filters=filters_text, scale=scale)
        for _heading, section, chart in profile_charts(profile)
    ]


def front_blocks(
    title: str, *, k: int, filters_text: str, link: str, release: str, notes: Sequence[str]
) -> list[Block]:
    """What every brief starts with: title, notes, date, source line, filters, the
    threshold, the link back to the view, and the CTDC's caveats."""
    lines = [
        *notes,
        f"Date: {_today()}",
        source_line(release),
        f"Filters: {filters_text.strip() or 'all records'}",
        f"Counts below {k} are withheld, with the cells that would give them back.",
    ]
    return [
        Block("title", title),
        *(Block("line", line) for line in lines),
        Block("link", f"Reproduce this view: {link}"),
        Block("part", "Read this first"),
        *(Block("bullet", caveat) for caveat in CAVEATS),
    ]


def citation_blocks() -> list[Block]:
    """What every brief ends with: the citation."""
    return [Block("part", "Citation"), Block("text", CITATION)]


def _country_blocks(
    profile: CountryProfile, filters_text: str, link: str, release: str, notes: Sequence[str]
) -> list[Block]:
    """The country brief, block by block."""
    charted = {id(section) for _h, section, _c in profile_charts(profile)}
    out = front_blocks(
        profile.title,
        k=profile.k,
        filters_text=filters_text,
        link=link,
        release=release,
        notes=notes,
    )
    for perspective in profile.perspectives:
        out.append(Block("heading1", perspective.heading))
        out.append(Block("text", perspective.summary))
        for section in perspective.sections:
            out.append(Block("heading2", section.title))
            out.append(Block("finding", section.finding))
            if id(section) in charted:
                out.append(Block("chart"))
            if section.caption:
                out.append(Block("caption", section.caption))
    return [*out, *citation_blocks()]


def _country_document(
    render: Callable[..., bytes],
    profile: CountryProfile,
    filters_text: str,
    link: str,
    release: str,
    images: Sequence[bytes] | None,
    notes: Sequence[str],
) -> bytes:
    """The country brief through ``render`` (:func:`render_docx` or :func:`render_pdf`),
    the charts rendered here when ``images`` is None."""
    pictures = list(
        images
        if images is not None
        else brief_images(profile, filters_text=filters_text, release=release)
    )
    return render(
        _country_blocks(profile, filters_text, link, release, notes),
        title=profile.title,
        subject="CTDC Explorer country brief",
        images=pictures,
    )


def country_docx(
    profile: CountryProfile,
    /,
    *,
    filters_text: str,
    link: str,
    release: str,
    images: Sequence[bytes] | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The brief as a Word document (.docx bytes).

    ``images`` are the charts from :func:`brief_images` (rendered here when None);
    ``notes`` are lines put first under the title (e.g. that the data are a demo).
    """
    return _country_document(render_docx, profile, filters_text, link, release, images, notes)


def country_pdf(
    profile: CountryProfile,
    /,
    *,
    filters_text: str,
    link: str,
    release: str,
    images: Sequence[bytes] | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The brief as a PDF (bytes); the same content as :func:`country_docx`.

    Written in DejaVu Sans where the system has it (every country name prints as is),
    else in the PDF's built-in Helvetica with dashes and quotes made plain.
    """
    return _country_document(render_pdf, profile, filters_text, link, release, images, notes)


# --------------------------------------------------------------------------- Word
def render_docx(
    blocks: Sequence[Block], /, *, title: str, subject: str, images: Sequence[bytes] = ()
) -> bytes:
    """Blocks as a Word document (.docx bytes); each ``"chart"`` block takes the next of
    ``images`` (none left: it is skipped)."""
    from docx import Document
    from docx.shared import Inches, Pt

    document = Document()
    document.core_properties.title = title
    document.core_properties.subject = subject
    page = document.sections[0]
    text_width = (
        page.page_width - page.left_margin - page.right_margin
        if page.page_width is not None
        and page.left_margin is not None
        and page.right_margin is not None
        else Inches(6)
    )
    figures = iter(images)
    for block in blocks:
        kind, text = block.kind, block.text
        if kind == "title":
            document.add_heading(text, level=0)
        elif kind in ("part", "heading1"):
            document.add_heading(text, level=1)
        elif kind == "heading2":
            document.add_heading(text, level=2)
        elif kind == "bullet":
            document.add_paragraph(text, style="List Bullet")
        elif kind == "finding":
            document.add_paragraph().add_run(text).bold = True
        elif kind == "link":
            label, _, address = text.partition(": ")
            paragraph = document.add_paragraph(f"{label}: ")
            paragraph.add_run(address)
        elif kind == "chart":
            picture = next(figures, None)
            if picture is not None:
                document.add_picture(io.BytesIO(picture), width=text_width)
        elif kind == "caption":
            run = document.add_paragraph().add_run(text)
            run.italic = True
            run.font.size = Pt(9)
        elif kind == "table":
            _docx_table(document, block.rows)
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document: object, rows: Sequence[Sequence[str]]) -> None:
    """A table with a bold header row."""
    if not rows:
        return
    table = document.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = str(value)
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    document.add_paragraph()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- PDF
def _latin1(text: str) -> str:
    """Text the PDF's built-in font can write (used only where DejaVu is absent)."""
    text = text.translate(_LATIN1)
    return "".join(
        ch
        if ord(ch) < 256
        else (unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode() or "?")
        for ch in text
    )


def render_pdf(
    blocks: Sequence[Block], /, *, title: str, subject: str = "", images: Sequence[bytes] = ()
) -> bytes:
    """Blocks as a PDF (bytes); the same content as :func:`render_docx`.

    Written in DejaVu Sans where the system has it (every country name prints as is),
    else in the PDF's built-in Helvetica with dashes and quotes made plain.
    """
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    if subject:
        pdf.set_subject(subject)
    pdf.set_creator("CTDC Explorer")
    pdf.set_auto_page_break(auto=True, margin=15)
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    oblique = _FONT_DIR / "DejaVuSans-Oblique.ttf"
    if regular.exists() and bold.exists() and oblique.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        pdf.add_font("DejaVu", "I", str(oblique))
        family = "DejaVu"

        def clean(text: str) -> str:
            return text

    else:
        family = "Helvetica"
        clean = _latin1
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def write(text: str, *, size: float = 10, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font(family, style=style, size=size)
        pdf.multi_cell(width, size * 0.5, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    figures = iter(images)
    previous = ""
    for block in blocks:
        kind, text = block.kind, block.text
        if previous == "bullet" and kind != "bullet":
            pdf.ln(2)
        if kind == "title":
            write(text, size=18, style="B", gap=3)
        elif kind == "line":
            write(text, gap=0.5)
        elif kind == "link":
            pdf.set_font(family, size=10)
            pdf.multi_cell(width, 5, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(3)
        elif kind == "part":
            if previous not in ("", "link"):
                pdf.ln(3)  # the citation stands apart from the body
            write(text, size=13, style="B")
        elif kind == "heading1":
            pdf.ln(3)
            write(text, size=14, style="B", gap=2)
        elif kind == "heading2":
            if pdf.get_y() > pdf.h - 80:  # keep a section's heading with its chart
                pdf.add_page()
            write(text, size=12, style="B", gap=1)
        elif kind == "bullet":
            write(f"- {text}", gap=0.5)
        elif kind == "finding":
            write(text, size=10, style="B")
        elif kind == "chart":
            picture = next(figures, None)
            if picture is not None:
                pdf.image(io.BytesIO(picture), w=width)
                pdf.ln(1)
        elif kind == "caption":
            write(text, size=8, style="I", gap=3)
        elif kind == "table":
            _pdf_table(pdf, block.rows, family, clean)
        else:
            write(text)
        previous = kind
    return bytes(pdf.output())


def _pdf_table(
    pdf: object, rows: Sequence[Sequence[str]], family: str, clean: Callable[[str], str]
) -> None:
    """A table with a bold header row, in small print."""
    if not rows:
        return
    pdf.set_font(family, size=8)  # type: ignore[attr-defined]
    with pdf.table(  # type: ignore[attr-defined]
        first_row_as_headings=True, text_align="LEFT", line_height=4.5
    ) as table:
        for row in rows:
            line = table.row()
            for value in row:
                line.cell(clean(str(value)))
    pdf.ln(3)  # type: ignore[attr-defined]
