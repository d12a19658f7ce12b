"""Stamp every page with the reader's name and the time, so a leaked copy names its source.

The stamp is one small Form XObject (text in an embedded Unicode font, made with fpdf2) drawn on
each page by an extra content stream. Existing page content is never decoded or rewritten, so
stamping costs the same for a 500-page report as for a scan, and a decompression bomb costs nothing.
"""
from __future__ import annotations

import math
import os
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

FONT_CANDIDATES = [
    os.environ.get("CABINET_STAMP_FONT", ""),
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
]
STAMP_NAME = NameObject("/CabinetStamp")
FONT_SIZE = 8
MARGIN = 10


def font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("no Unicode TrueType font for the stamp: install fonts-dejavu-core or set CABINET_STAMP_FONT")


def _stamp_source(text: str) -> tuple[bytes, float, float]:
    """A one-page PDF holding just the stamp text, sized to it: (pdf bytes, width, height)."""
    pdf = FPDF(unit="pt")
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_font("Stamp", fname=font_path())  # loaded once: measuring and drawing share it
    pdf.set_font("Stamp", size=FONT_SIZE)
    width, height = pdf.get_string_width(text) + 4, FONT_SIZE * 1.5
    pdf.add_page(format=(width, height))
    pdf.set_text_color(150, 30, 30)
    with pdf.local_context(fill_opacity=0.4):
        pdf.text(2, FONT_SIZE * 1.1, text)
    return bytes(pdf.output()), width, height


def _form_xobject(writer: PdfWriter, text: str) -> tuple:
    data, width, height = _stamp_source(text)
    source_page = PdfReader(BytesIO(data)).pages[0]
    form = DecodedStreamObject()
    form.set_data(source_page.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]),
        NameObject("/Resources"): source_page["/Resources"].get_object().clone(writer),
    })
    return writer._add_object(form), width, height


def _visual_to_user(box, rotation: int):
    """Affine (a, b, c, d, e, f) from the page as seen (origin bottom-left, upright) to PDF user space."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return {0: (1, 0, 0, 1, x0, y0), 90: (0, 1, -1, 0, x1, y0),
            180: (-1, 0, 0, -1, x1, y1), 270: (0, -1, 1, 0, x0, y1)}[rotation]


def _multiply(m, n):
    """m then n, as PDF matrices [a b c d e f] (row vectors)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _placements(box, rotation, width, height):
    """Where the stamp goes on one page: a line along the bottom, and large and faint across the middle."""
    x0, y0, x1, y1 = (float(v) for v in box)
    seen_w, seen_h = (x1 - x0, y1 - y0) if rotation in (0, 180) else (y1 - y0, x1 - x0)
    to_user = _visual_to_user(box, rotation)
    scale = min(1.0, (seen_w - 2 * MARGIN) / width)
    bottom = (scale, 0, 0, scale, (seen_w - width * scale) / 2, MARGIN * 0.6)
    angle = math.atan2(seen_h, seen_w)
    big = min(3.0, 0.8 * math.hypot(seen_w, seen_h) / width)
    cos, sin = math.cos(angle) * big, math.sin(angle) * big
    cx, cy = seen_w / 2, seen_h / 2
    middle = (cos, sin, -sin, cos, cx - (cos * width - sin * height) / 2, cy - (sin * width + cos * height) / 2)
    return [_multiply(bottom, to_user), _multiply(middle, to_user)]


def _resources(page) -> DictionaryObject:
    """The page's own resource dictionary, copying inherited resources down so adding to it is safe."""
    if "/Resources" not in page:
        node, inherited = page, None
        while inherited is None and "/Parent" in node:
            node = node["/Parent"].get_object()
            inherited = node.get("/Resources")
        page[NameObject("/Resources")] = inherited.get_object().clone(page.indirect_reference.pdf) \
            if inherited is not None else DictionaryObject()
    resources = page["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    return resources


def _content_stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def stamp_pdf(source: Path, target: Path, text: str) -> int:
    """Write `source` stamped with `text` on every page to `target`; returns the page count."""
    writer = PdfWriter(clone_from=PdfReader(str(source), strict=False))
    form, width, height = _form_xobject(writer, text)
    opening = _content_stream(writer, b"q\n")
    for page in writer.pages:
        rotation = int(page.get("/Rotate", 0) or 0) % 360
        box = page.cropbox if "/CropBox" in page else page.mediabox
        resources = _resources(page)
        resources["/XObject"].get_object()[STAMP_NAME] = form
        draws = b"".join(
            b"q %s cm /CabinetStamp Do Q\n" % " ".join(f"{v:.4f}" for v in matrix).encode()
            for matrix in _placements(box, rotation if rotation in (0, 90, 180, 270) else 0, width, height))
        closing = _content_stream(writer, b"Q\n" + draws)
        contents = page.raw_get("/Contents") if "/Contents" in page else None  # keep the reference
        parts = ArrayObject([opening])
        if contents is not None:
            resolved = contents.get_object()
            parts.extend(resolved if isinstance(resolved, ArrayObject) else [contents])
        parts.append(closing)
        page[NameObject("/Contents")] = parts
    with target.open("wb") as handle:
        writer.write(handle)
    return len(writer.pages)
