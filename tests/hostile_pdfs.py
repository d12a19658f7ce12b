"""Hostile PDFs made in the tests (pikepdf, or bytes by hand where a library would refuse to write them),
each with the removal codes the upload check must report; and `assert_inert`, which looks for what
must never reach a reader in a served file."""
from __future__ import annotations

import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name, String

# A DOS header as it begins every Windows executable: found anywhere in a served file, the .exe went along.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode.\r\r\n$"
TEXT = "Cabinet hostile sample"


def _base(pages: int = 1) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for number in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 18 Tf 72 760 Td ({TEXT} {number + 1}) Tj ET".encode())
    return pdf


def _bytes(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _js(pdf, code: str = "app.alert('owned')"):
    return pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code)))


def _goto(pdf, **extra):
    return pdf.make_indirect(Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]), **extra))


def _exe_spec(pdf, name: str = "invoice.exe"):
    stream = pdf.make_stream(EXE, Type=Name.EmbeddedFile)
    return pdf.make_indirect(Dictionary(Type=Name.Filespec, F=String(name), UF=String(name),
                                        EF=Dictionary(F=stream)))


def _link(pdf, action, rect=(72, 600, 300, 620)):
    return pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array(list(rect)),
                                        Border=Array([0, 0, 0]), A=action))


def _annotate(pdf, *annotations):
    pdf.pages[0].obj.Annots = pdf.make_indirect(Array(list(annotations)))


def js_in_next_array() -> bytes:
    """Opening runs a harmless GoTo whose /Next is an array; its second action is JavaScript."""
    pdf = _base()
    pdf.Root.OpenAction = _goto(pdf, Next=Array([_goto(pdf), _js(pdf)]))
    return _bytes(pdf)


def launch_deep_in_next_chain() -> bytes:
    """A link's GoTo → GoTo → http URI → Launch of cmd.exe, each action its own object."""
    pdf = _base()
    launch = pdf.make_indirect(Dictionary(S=Name.Launch, F=String("cmd.exe"),
                                          Win=Dictionary(F=String("cmd.exe"), P=String("/c calc"))))
    uri = pdf.make_indirect(Dictionary(S=Name.URI, URI=String("https://example.org/"), Next=launch))
    _annotate(pdf, _link(pdf, _goto(pdf, Next=_goto(pdf, Next=uri))))
    return _bytes(pdf)


def next_cycle() -> bytes:
    """Two actions whose /Next point at each other, and a script hanging off the loop."""
    pdf = _base()
    first, second = _goto(pdf), _goto(pdf)
    first.Next = second
    second.Next = Array([first, _js(pdf)])
    pdf.Root.OpenAction = first
    return _bytes(pdf)


def embedded_exe() -> bytes:
    """An .exe in the EmbeddedFiles name tree, one level down its /Kids."""
    pdf = _base()
    leaf = pdf.make_indirect(Dictionary(Names=Array([String("invoice.exe"), _exe_spec(pdf)]),
                                        Limits=Array([String("invoice.exe"), String("invoice.exe")])))
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Kids=Array([leaf])))
    return _bytes(pdf)


def file_attachment() -> bytes:
    """An .exe behind a paperclip annotation."""
    pdf = _base()
    _annotate(pdf, pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment,
                                                Rect=Array([72, 700, 90, 718]), FS=_exe_spec(pdf),
                                                Contents=String("Bảng lương"))))
    return _bytes(pdf)


def form_field_script() -> bytes:
    """A text field whose keystroke and format actions (/AA) are JavaScript, in a kid of a field."""
    pdf = _base()
    widget = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=Array([72, 500, 300, 520]),
                                          P=pdf.pages[0].obj, AA=Dictionary(K=_js(pdf), F=_js(pdf))))
    field = pdf.make_indirect(Dictionary(FT=Name.Tx, T=String("amount"), Kids=Array([widget])))
    widget.Parent = field
    _annotate(pdf, widget)
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))
    return _bytes(pdf)


def outline_script() -> bytes:
    """Bookmarks: the second sibling's child runs JavaScript, its sibling launches a program."""
    pdf = _base()
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    first = pdf.make_indirect(Dictionary(Title=String("Mở đầu"), Parent=outlines, A=_goto(pdf)))
    second = pdf.make_indirect(Dictionary(Title=String("Phụ lục"), Parent=outlines, Prev=first))
    child = pdf.make_indirect(Dictionary(Title=String("Chi tiết"), Parent=second, A=_js(pdf)))
    child2 = pdf.make_indirect(Dictionary(Title=String("Chạy"), Parent=second, Prev=child,
                                          A=Dictionary(S=Name.Launch, F=String("calc.exe"))))
    child.Next = child2
    second.First, second.Last, second.Count = child, child2, 2
    first.Next = second
    outlines.First, outlines.Last, outlines.Count = first, second, 2
    pdf.Root.Outlines = outlines
    return _bytes(pdf)


def portfolio() -> bytes:
    """A portfolio (/Collection) whose only real content is an embedded .exe."""
    pdf = _base()
    pdf.Root.Collection = Dictionary(Type=Name.Collection, View=Name.D, D=String("invoice.exe"))
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([String("invoice.exe"), _exe_spec(pdf)])))
    return _bytes(pdf)


def unsafe_uris() -> bytes:
    """Links to javascript:, file: and data: (disguised with case and blanks), beside an https link that stays."""
    pdf = _base()
    bad = [" JavaScript:app.alert(1)", "java\tscript:alert(1)", "file:///C:/Windows/System32/calc.exe",
           "data:text/html,<script>alert(1)</script>", "\\\\attacker\\share\\x"]
    links = [_link(pdf, Dictionary(S=Name.URI, URI=String(uri)), (72, 400 - 30 * i, 300, 420 - 30 * i))
             for i, uri in enumerate(bad)]
    _annotate(pdf, _link(pdf, Dictionary(S=Name.URI, URI=String("https://hoidong.example.vn/"))), *links)
    return _bytes(pdf)


def xfa_and_associated_files() -> bytes:
    """An XFA form and a PDF 2.0 associated file on the catalog."""
    pdf = _base()
    pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=pdf.make_stream(b"<xdp:xdp><script>x</script></xdp:xdp>"))
    pdf.Root.AF = Array([_exe_spec(pdf)])
    return _bytes(pdf)


def media_annotations() -> bytes:
    """RichMedia, Screen and 3D annotations."""
    pdf = _base()
    rich = Dictionary(Type=Name.Annot, Subtype=Name.RichMedia, Rect=Array([0, 0, 10, 10]),
                      RichMediaContent=Dictionary(Assets=Dictionary(Names=Array([String("a.swf"),
                                                                                 _exe_spec(pdf, "a.swf")]))))
    screen = Dictionary(Type=Name.Annot, Subtype=Name.Screen, Rect=Array([0, 20, 10, 30]),
                        A=Dictionary(S=Name.Rendition, OP=0))
    three_d = Dictionary(Type=Name.Annot, Subtype=Name("/3D"), Rect=Array([0, 40, 10, 50]),
                         **{"/3DD": pdf.make_stream(b"U3D", Type=Name("/3D"), Subtype=Name("/U3D"))})
    _annotate(pdf, *(pdf.make_indirect(a) for a in (rich, screen, three_d)))
    return _bytes(pdf)


def names_javascript_kids() -> bytes:
    """Document-level JavaScript in the /Names tree, one level down its /Kids, the action's /S by reference."""
    pdf = _base()
    action = pdf.make_indirect(Dictionary(S=pdf.make_indirect(Name.JavaScript), JS=pdf.make_stream(b"app.alert(1)")))
    leaf = pdf.make_indirect(Dictionary(Names=Array([String("init"), action]),
                                        Limits=Array([String("init"), String("init")])))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Kids=Array([leaf])))
    return _bytes(pdf)


def indirect_launch_name() -> bytes:
    """A Launch whose /S is a reference to the name: readers follow it."""
    pdf = _base()
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(S=pdf.make_indirect(Name.Launch), F=String("calc.exe")))
    return _bytes(pdf)


def exe_polyglot() -> bytes:
    """An executable's header before %PDF- (still within the first KB) and the rest of it after %%EOF."""
    return EXE + b"\x00" * 64 + _bytes(_base()) + EXE * 4


HOSTILE = {
    "js_in_next_array": (js_in_next_array, {"javascript"}),
    "launch_deep_in_next_chain": (launch_deep_in_next_chain, {"launch"}),
    "next_cycle": (next_cycle, {"javascript"}),
    "embedded_exe": (embedded_exe, {"embedded-file"}),
    "file_attachment": (file_attachment, {"file-attachment", "embedded-file"}),
    "form_field_script": (form_field_script, {"additional-actions", "javascript"}),
    "outline_script": (outline_script, {"javascript", "launch"}),
    "portfolio": (portfolio, {"portfolio", "embedded-file"}),
    "unsafe_uris": (unsafe_uris, {"unsafe-uri"}),
    "xfa_and_associated_files": (xfa_and_associated_files, {"xfa-form", "associated-files", "embedded-file"}),
    "media_annotations": (media_annotations, {"rich-media", "screen", "3d", "rendition", "embedded-file"}),
    "names_javascript_kids": (names_javascript_kids, {"javascript"}),
    "indirect_launch_name": (indirect_launch_name, {"launch"}),
    "exe_polyglot": (exe_polyglot, {"extra-data"}),
}

# Names that must not occur in a served file (the cleaner writes no object streams: plain bytes tell).
FORBIDDEN_NAMES = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFiles", b"/EmbeddedFile", b"/FileAttachment",
                   b"/RichMedia", b"/Screen", b"/3D", b"/XFA", b"/AA", b"/AF", b"/Collection", b"/Rendition",
                   b"/GoToR", b"/GoToE", b"/SubmitForm", b"/ImportData")
SAFE_SCHEMES = ("http:", "https:", "mailto:")


def assert_inert(data: bytes) -> None:
    """Nothing active or embedded in `data`, by its bytes and by every object pikepdf finds in it."""
    assert data.startswith(b"%PDF-"), data[:16]
    assert EXE[:16] not in data and b"This program cannot be run" not in data
    for name in FORBIDDEN_NAMES:
        assert not re.search(re.escape(name) + rb"(?![A-Za-z0-9#])", data), name
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                assert not obj.read_bytes().startswith(b"MZ")
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                _assert_inert_dict(obj)


def _assert_inert_dict(obj, depth: int = 0) -> None:
    assert "/JS" not in obj and "/EF" not in obj and "/AA" not in obj
    if obj.get("/S") == Name.URI:
        assert str(obj.URI).lower().startswith(SAFE_SCHEMES), obj.URI
    for value in obj.values():  # direct dictionaries inside (an annotation's /A, a /Next array's actions)
        values = value if isinstance(value, pikepdf.Array) else [value]
        for item in values:
            if isinstance(item, pikepdf.Dictionary) and not item.is_indirect and depth < 20:
                _assert_inert_dict(item, depth + 1)


def raw_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A classic PDF from object bodies, with a correct cross-reference table: for structures no library
    writes (nesting 100 000 deep, a million-element array, loops)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def _with_page(extra: bytes = b"", page_extra: bytes = b"", more: dict[int, bytes] | None = None) -> bytes:
    content = b"BT /F1 18 Tf 72 760 Td (" + TEXT.encode() + b") Tj ET"
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
               2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                  b"/Resources << /Font << /F1 5 0 R >> >> " + page_extra + b">>",
               4: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    objects.update(more or {})
    return raw_pdf(objects)


def deep_nesting(depth: int = 100_000) -> bytes:
    return _with_page(page_extra=b"/Deep " + b"[" * depth + b"]" * depth)


def deep_dict_nesting(depth: int = 100_000) -> bytes:
    return _with_page(page_extra=b"/Deep " + b"<< /A " * depth + b"1" + b" >>" * depth)


def million_array(count: int = 1_000_000) -> bytes:
    return _with_page(page_extra=b"/Big 6 0 R", more={6: b"[" + b"0 " * count + b"]"})


def million_references(count: int = 1_000_000) -> bytes:
    """A million references, to an object that loops back to the array holding them."""
    return _with_page(page_extra=b"/Big 6 0 R", more={6: b"[" + b"7 0 R " * count + b"]", 7: b"<< /Back 6 0 R >>"})


def page_tree_loop() -> bytes:
    """The pages node lists itself among its kids."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"})


def long_next_chain(length: int = 20_000) -> bytes:
    """Twenty thousand GoTo actions chained by /Next, JavaScript at the end."""
    more = {6 + i: b"<< /S /GoTo /D [3 0 R /Fit] /Next %d 0 R >>" % (7 + i) for i in range(length)}
    more[6 + length] = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    return _with_page(extra=b"/OpenAction 6 0 R ", more=more)


def orphan_exe() -> bytes:
    """An embedded .exe and a script that nothing references: a reader never reaches them, but served as
    received their bytes would go along."""
    stream = b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(EXE) + EXE + b"\nendstream"
    return _with_page(more={6: stream, 7: b"<< /S /JavaScript /JS (app.alert(1)) >>"})


HOSTILE.update({"long_next_chain": (long_next_chain, {"javascript"}),
                "orphan_exe": (orphan_exe, {"embedded-file", "javascript"})})

# Built to exhaust the checker: each ends refused as damaged or cleaned, within seconds, never hangs.
EXHAUSTING = {"deep_nesting": deep_nesting, "deep_dict_nesting": deep_dict_nesting, "million_array": million_array,
              "million_references": million_references, "page_tree_loop": page_tree_loop}
