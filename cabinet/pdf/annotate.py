"""Write a reader's annotations into a copy of the PDF as real PDF annotations (with appearances),
so Acrobat, Okular and pdf.js show them where they were made."""
from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                           NumberObject, TextStringObject)


def _color(hex_color: str) -> ArrayObject:
    hex_color = (hex_color or "#ffd400").lstrip("#")
    return ArrayObject([FloatObject(int(hex_color[i:i + 2], 16) / 255) for i in (0, 2, 4)])


def _numbers(values) -> ArrayObject:
    return ArrayObject([FloatObject(round(float(v), 3)) for v in values])


def _appearance(writer, rect, ops: bytes, blend: str | None = None):
    x1, y1, x2, y2 = rect
    form = DecodedStreamObject()
    form.set_data(ops)
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): _numbers([x1, y1, x2, y2])})
    if blend:
        form[NameObject("/Resources")] = DictionaryObject({NameObject("/ExtGState"): DictionaryObject({
            NameObject("/G0"): DictionaryObject({NameObject("/BM"): NameObject(blend),
                                                 NameObject("/CA"): FloatObject(1),
                                                 NameObject("/ca"): FloatObject(0.5)})})})
    return DictionaryObject({NameObject("/N"): writer._add_object(form)})


def _rgb(color: ArrayObject) -> bytes:
    return " ".join(f"{float(c):.3f}" for c in color).encode()


def _highlight(writer, note) -> DictionaryObject:
    quads = note.get("quads") or [note["rect"]]
    points, ops = [], [b"/G0 gs " + _rgb(_color(note.get("color"))) + b" rg"]
    for x1, y1, x2, y2 in quads:
        left, right, bottom, top = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        points += [left, top, right, top, left, bottom, right, bottom]  # the order Acrobat writes
        ops.append(f"{left:.3f} {bottom:.3f} {right - left:.3f} {top - bottom:.3f} re f".encode())
    return DictionaryObject({
        NameObject("/Subtype"): NameObject("/Highlight"),
        NameObject("/QuadPoints"): _numbers(points),
        NameObject("/AP"): _appearance(writer, note["rect"], b"\n".join(ops), blend="/Multiply"),
    })


def _ink(writer, note) -> DictionaryObject:
    strokes = [stroke for stroke in note.get("paths") or [] if stroke]
    ops = [_rgb(_color(note.get("color"))) + b" RG 1.5 w 1 J 1 j"]
    for stroke in strokes:
        (x, y), rest = stroke[0], stroke[1:]
        ops.append(f"{x:.3f} {y:.3f} m".encode())
        ops += [f"{px:.3f} {py:.3f} l".encode() for px, py in rest or [(x, y)]]
        ops.append(b"S")
    return DictionaryObject({
        NameObject("/Subtype"): NameObject("/Ink"),
        NameObject("/InkList"): ArrayObject([_numbers([c for point in stroke for c in point]) for stroke in strokes]),
        NameObject("/BS"): DictionaryObject({NameObject("/W"): FloatObject(1.5)}),
        NameObject("/AP"): _appearance(writer, note["rect"], b"\n".join(ops)),
    })


def _note(writer, note) -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Name"): NameObject("/Comment"),
        NameObject("/Open"): NumberObject(0),
    })


BUILDERS = {"highlight": _highlight, "ink": _ink, "note": _note}


def write_annotations(source: Path, target: Path, notes: list[dict]) -> int:
    """Copy `source` to `target` with `notes` (dicts as in the API) added; returns how many were written."""
    writer = PdfWriter(clone_from=PdfReader(str(source), strict=False))
    written = 0
    for note in notes:
        if not 1 <= note["page"] <= len(writer.pages):
            continue  # made on a page a newer version no longer has
        page = writer.pages[note["page"] - 1]
        annotation = BUILDERS[note["kind"]](writer, note)
        x1, y1, x2, y2 = note["rect"]
        annotation.update({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Rect"): _numbers([min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]),
            NameObject("/C"): _color(note.get("color")),
            NameObject("/Contents"): TextStringObject(note.get("text") or ""),
            NameObject("/T"): TextStringObject(note.get("author") or ""),
            NameObject("/NM"): TextStringObject(f"cabinet-{note.get('id', written)}"),
            NameObject("/F"): NumberObject(4),  # print
            NameObject("/P"): page.indirect_reference,
        })
        reference = writer._add_object(annotation)
        if "/Annots" not in page:
            page[NameObject("/Annots")] = ArrayObject()
        page["/Annots"].get_object().append(reference)
        written += 1
    with target.open("wb") as handle:
        writer.write(handle)
    return written
