"""A country brief as a Word document (python-docx) and as a PDF (fpdf2).

Both carry the same things, in the same order: the title, the date, the data and the
filters in force, a link that reproduces the view, the CTDC's caveats, then for each
perspective its summary and, section by section, the finding sentence, the chart as an
image (with its source line and filters, :func:`core.images.altair_png`) and its caption,
and at the end the citation. Every number in them comes from the protected profile
(:func:`core.brief.profile.country_profile`), so no count below k is written.

Charts are rendered once per brief (:func:`brief_images`); pass the images to both
builders to make the two files from one rendering.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from core.brief.charts import profile_charts
from core.brief.profile import CITATION, CountryProfile
from core.images import CAVEAT, altair_png, source_line

__all__ = ["CAVEATS", "brief_images", "country_docx", "country_pdf"]

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
_LATIN1 = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"}
)


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


def _blocks(profile: CountryProfile) -> list[tuple[str, str]]:
    """The brief's body as (kind, text): heading1, heading2, finding, chart, caption, text."""
    charted = {id(section) for _h, section, _c in profile_charts(profile)}
    out: list[tuple[str, str]] = []
    for perspective in profile.perspectives:
        out.append(("heading1", perspective.heading))
        out.append(("text", perspective.summary))
        for section in perspective.sections:
            out.append(("heading2", section.title))
            out.append(("finding", section.finding))
            if id(section) in charted:
                out.append(("chart", ""))
            if section.caption:
                out.append(("caption", section.caption))
    return out


def _front(
    profile: CountryProfile, filters_text: str, release: str, notes: Sequence[str]
) -> list[str]:
    return [
        *notes,
        f"Date: {_today()}",
        source_line(release),
        f"Filters: {filters_text.strip() or 'all records'}",
        f"Counts below {profile.k} are withheld, with the cells that would give them back.",
    ]


# --------------------------------------------------------------------------- Word
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
    from docx import Document
    from docx.shared import Inches, Pt

    pictures = list(
        images
        if images is not None
        else brief_images(profile, filters_text=filters_text, release=release)
    )
    document = Document()
    document.core_properties.title = profile.title
    document.core_properties.subject = "CTDC Explorer country brief"
    page = document.sections[0]
    text_width = (
        page.page_width - page.left_margin - page.right_margin
        if page.page_width is not None
        and page.left_margin is not None
        and page.right_margin is not None
        else Inches(6)
    )
    document.add_heading(profile.title, level=0)
    for line in _front(profile, filters_text, release, notes):
        document.add_paragraph(line)
    paragraph = document.add_paragraph("Reproduce this view: ")
    paragraph.add_run(link)
    document.add_heading("Read this first", level=1)
    for caveat in CAVEATS:
        document.add_paragraph(caveat, style="List Bullet")
    figures = iter(pictures)
    for kind, text in _blocks(profile):
        if kind == "heading1":
            document.add_heading(text, level=1)
        elif kind == "heading2":
            document.add_heading(text, level=2)
        elif kind == "finding":
            document.add_paragraph().add_run(text).bold = True
        elif kind == "chart":
            picture = next(figures, None)
            if picture is not None:
                document.add_picture(io.BytesIO(picture), width=text_width)
        elif kind == "caption":
            run = document.add_paragraph().add_run(text)
            run.italic = True
            run.font.size = Pt(9)
        else:
            document.add_paragraph(text)
    document.add_heading("Citation", level=1)
    document.add_paragraph(CITATION)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


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
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pictures = list(
        images
        if images is not None
        else brief_images(profile, filters_text=filters_text, release=release)
    )
    pdf = FPDF(format="A4")
    pdf.set_title(profile.title)
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

    write(profile.title, size=18, style="B", gap=3)
    for line in _front(profile, filters_text, release, notes):
        write(line, gap=0.5)
    pdf.set_font(family, size=10)
    pdf.multi_cell(
        width, 5, clean(f"Reproduce this view: {link}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(3)
    write("Read this first", size=13, style="B")
    for caveat in CAVEATS:
        write(f"- {caveat}", gap=0.5)
    pdf.ln(2)
    figures = iter(pictures)
    for kind, text in _blocks(profile):
        if kind == "heading1":
            pdf.ln(3)
            write(text, size=14, style="B", gap=2)
        elif kind == "heading2":
            if pdf.get_y() > pdf.h - 80:  # keep a section's heading with its chart
                pdf.add_page()
            write(text, size=12, style="B", gap=1)
        elif kind == "finding":
            write(text, size=10, style="B")
        elif kind == "chart":
            picture = next(figures, None)
            if picture is not None:
                pdf.image(io.BytesIO(picture), w=width)
                pdf.ln(1)
        elif kind == "caption":
            write(text, size=8, style="I", gap=3)
        else:
            write(text)
    pdf.ln(3)
    write("Citation", size=13, style="B")
    write(CITATION)
    return bytes(pdf.output())
