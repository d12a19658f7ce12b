"""Check an uploaded PDF and remove active content: scripts, actions that reach outside the document,
embedded files, multimedia, XFA. Rules and codes: docs/DOCUMENTS.md ("What the upload check removes").

The cleaner looks at every object of the file once, whatever points to it — a /Next array, an outline
item, a name tree's kids, an object no page uses — so no place is left that a list of known keys misses.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject

# Every code `removed` may hold, in one place (the API documents them, the pages label them). The first
# eleven are those stored before Issue 11; their spelling stays.
REMOVAL_CODES = (
    "javascript", "launch", "importdata", "submitform", "richmediaexecute", "rendition", "gotoe", "sound",
    "movie", "additional-actions", "xfa-form",
    "gotor", "unsafe-uri", "embedded-file", "associated-files", "portfolio", "file-attachment", "rich-media",
    "screen", "3d", "extra-data",
)

# Actions that run code or reach outside the document: never passed on to a reader's tablet.
# GoToR and GoToE open another file (a UNC path leaks the reader's Windows credentials).
DANGEROUS_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch", "/ImportData": "importdata",
                     "/SubmitForm": "submitform", "/RichMediaExecute": "richmediaexecute",
                     "/Rendition": "rendition", "/GoToE": "gotoe", "/GoToR": "gotor", "/Sound": "sound",
                     "/Movie": "movie"}
# Annotations that carry a file or play media (players, Flash, 3D, a file to open).
REMOVED_ANNOTATIONS = {"/FileAttachment": "file-attachment", "/RichMedia": "rich-media", "/Screen": "screen",
                       "/3D": "3d", "/Movie": "movie", "/Sound": "sound"}
# Keys removed from whichever dictionary holds them: automatic triggers (/AA), the document's scripts and
# files (name trees), associated files, portfolios, XFA forms, a file specification's embedded streams.
REMOVED_KEYS = {"/AA": "additional-actions", "/JavaScript": "javascript", "/EmbeddedFiles": "embedded-file",
                "/EF": "embedded-file", "/RF": "embedded-file", "/AF": "associated-files",
                "/Collection": "portfolio", "/XFA": "xfa-form"}
SAFE_URI_SCHEMES = {"http", "https", "mailto"}
# Keys whose arrays pair entries (name and number trees): a removed entry becomes null, the pairs stay.
PAIRED_ARRAYS = {"/Names", "/Nums"}
PROTECTED_TYPES = {"/Catalog", "/Pages", "/Page"}  # disarmed in place, never cut out (pages must stay)
DISARMED_KEYS = ("/JS", "/S", "/URI", "/Subtype", "/F", "/Win", "/Mac", "/Unix", "/T")
# Dictionary entries and array elements looked at before the file counts as built to exhaust us: our
# 14-page sample report has 1 100; pypdf reads some 20 000 a second on a busy two-core server, so past
# this the child's CPU limit would end it anyway, with the same answer (too_complex), only later.
MAX_ENTRIES = 2_000_000
# Dictionaries and arrays written inside one another (not by reference): real files stay under ten; past
# a few hundred, rewriting or stamping the file would overflow Python's stack.
MAX_NESTING = 100


class Refused(Exception):
    """The file is not acceptable; `code` says why (encrypted, damaged, too_complex)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def inspect_and_clean(source: Path, target: Path) -> dict:
    """Parse `source`; if it carries active content write a cleaned copy to `target`.

    Returns {"pages": n, "removed": [...], "cleaned": bool, "title": the /Title metadata or None}; raises Refused.
    Content streams are never decoded here, so a decompression bomb costs nothing.
    """
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a hostile file makes millions of warnings
    data = source.read_bytes()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as err:  # pypdf raises many kinds for broken files
        raise Refused("damaged", f"{type(err).__name__}: {err}")
    if "/Encrypt" in reader.trailer:
        raise Refused("encrypted")
    try:
        pages = len(reader.pages)
        for page in reader.pages:  # every page's content objects must exist (a truncated file lacks some)
            contents = page.get("/Contents")
            if contents is not None and contents.get_object() is None:
                raise Refused("damaged", "missing page content")
        removed = _Cleaner(reader).clean()
    except Refused:
        raise
    except Exception as err:  # RecursionError for deep nesting, anything pypdf meets in a broken object
        raise Refused("damaged", f"{type(err).__name__}: {err}")
    if pages == 0:
        raise Refused("damaged", "no pages")
    if _outside_bytes(data):
        removed.add("extra-data")
    title = _metadata_title(reader)
    if not removed:
        return {"pages": pages, "removed": [], "cleaned": False, "title": title}
    try:  # the reader's objects are cleaned in place: the copy holds only what stays reachable
        writer = PdfWriter(clone_from=reader)
        with target.open("wb") as handle:
            writer.write(handle)
    except Exception as err:
        raise Refused("damaged", f"{type(err).__name__}: {err}")
    return {"pages": pages, "removed": sorted(removed), "cleaned": True, "title": title}


def _metadata_title(reader: PdfReader) -> str | None:
    """The document information's /Title as text (bounded), for the upload's default title; None if absent
    or unreadable (a damaged /Info never refuses a file that is otherwise fine)."""
    try:
        title = (reader.metadata or {}).get("/Title")
        title = title.get_object() if isinstance(title, IndirectObject) else title
    except Exception:  # noqa: BLE001
        return None
    return str(title)[:2000] if isinstance(title, str) else None


def _outside_bytes(data: bytes) -> bool:
    """Bytes before the header or after the last %%EOF: a polyglot (an .exe that is also a PDF) is served
    rewritten, never as received."""
    end = data.rfind(b"%%EOF")
    return data.find(b"%PDF-") > 0 or (end >= 0 and data[end + 5:].strip(b" \t\r\n\f\x00") != b"")


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(obj: DictionaryObject, key: str) -> str | None:
    """`obj[key]` if it is a name (through a reference too: readers follow it, so must we)."""
    value = _resolved(obj.get(key))
    return str(value) if isinstance(value, NameObject) else None


def _safe_uri(value) -> bool:
    """An absolute http, https or mailto address; readers drop blanks and controls, so we do too."""
    value = _resolved(value)
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return False
    scheme, colon, _ = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower().partition(":")
    return bool(colon) and scheme in SAFE_URI_SCHEMES


def verdict(obj) -> str | None:
    """The removal code of an object that may not reach a reader wherever it sits, or None."""
    if not isinstance(obj, DictionaryObject):
        return None
    if "/JS" in obj:
        return "javascript"
    action = _name(obj, "/S")
    if action in DANGEROUS_ACTIONS:
        return DANGEROUS_ACTIONS[action]
    if action == "/Thread" and "/F" in obj:  # a thread in another file: as GoToR, it opens that file
        return "gotor"
    if action == "/URI" and not _safe_uri(obj.get("/URI")):
        return "unsafe-uri"
    subtype = _name(obj, "/Subtype")
    if subtype in REMOVED_ANNOTATIONS:
        return REMOVED_ANNOTATIONS[subtype]
    if _name(obj, "/Type") == "/EmbeddedFile" or "/EF" in obj:
        return "embedded-file"
    return None


class _Cleaner:
    """One walk over the file: every dictionary and array reachable from the trailer (then every object the
    cross-reference table lists that nothing reaches), each indirect object once, so cycles end. Each edge
    to an object with a verdict is cut, each REMOVED_KEYS entry dropped; what was found is reported."""

    def __init__(self, reader: PdfReader):
        self.reader = reader
        self.found: set[str] = set()
        self.seen: set[tuple[int, int]] = set()
        self.verdicts: dict[tuple[int, int], str | None] = {}
        self.budget = MAX_ENTRIES

    def clean(self) -> set[str]:
        self.walk(self.reader.trailer)
        # Objects nothing points to are not copied into a rewritten file; one that has a verdict makes
        # that rewrite happen (served as received, its bytes would go along).
        for idnum, generation in self._listed():
            try:
                self.walk(IndirectObject(idnum, generation, self.reader))
            except Refused:
                raise
            except Exception:  # noqa: BLE001 — a broken leftover no reader can reach does not refuse the file
                continue
        return self.found

    def _listed(self):
        for generation, table in self.reader.xref.items():
            for idnum in table:
                yield idnum, generation
        for idnum in self.reader.xref_objStm:
            yield idnum, 0

    def _verdict(self, value) -> str | None:
        """Worked out once per indirect object, before it is touched."""
        if not isinstance(value, IndirectObject):
            return verdict(value)
        key = (value.idnum, value.generation)
        if key not in self.verdicts:
            self.verdicts[key] = verdict(value.get_object())
        return self.verdicts[key]

    def _spend(self, count: int) -> None:
        self.budget -= count
        if self.budget < 0:
            raise Refused("too_complex", f"more than {MAX_ENTRIES} entries to check")

    def walk(self, start) -> None:
        stack = [(start, None, 0)]
        while stack:
            value, parent_key, depth = stack.pop()
            obj = value
            if depth > MAX_NESTING:
                raise Refused("damaged", f"objects nested more than {MAX_NESTING} deep")
            if isinstance(value, IndirectObject):
                key = (value.idnum, value.generation)
                if key in self.seen:
                    continue
                self.seen.add(key)
                code = self._verdict(value)
                obj = value.get_object()
            else:
                code = verdict(value)
            if code:
                self.found.add(code)
            if isinstance(obj, DictionaryObject):
                self._spend(len(obj) + 1)
                children = [(child, key) for key, child in obj.items()]
                self._clean_dict(obj, disarm=bool(code) and _name(obj, "/Type") in PROTECTED_TYPES)
            elif isinstance(obj, ArrayObject):
                self._spend(len(obj) + 1)
                children = [(child, parent_key) for child in obj]
                self._clean_array(obj, paired=parent_key in PAIRED_ARRAYS)
            else:
                continue
            # What was cut out is still walked: its contents are reported, and a part of it that
            # something else points to is cleaned too.
            stack.extend((child, key, 0) if isinstance(child, IndirectObject) else (child, key, depth + 1)
                         for child, key in children if isinstance(child, (IndirectObject, DictionaryObject,
                                                                          ArrayObject)))

    def _clean_dict(self, obj: DictionaryObject, disarm: bool) -> None:
        for key in list(obj.keys()):
            if key in REMOVED_KEYS:
                self.found.add(REMOVED_KEYS[key])
                del obj[key]
            elif self._cut(obj.raw_get(key)):
                del obj[key]
        if disarm:  # a page or the catalog dressed up as an action: it stays, without what made it one
            for key in DISARMED_KEYS:
                obj.pop(NameObject(key), None)

    def _clean_array(self, obj: ArrayObject, paired: bool) -> None:
        if paired:
            for index, item in enumerate(obj):
                if self._cut(item):
                    obj[index] = NullObject()
        else:
            kept = [item for item in obj if not self._cut(item)]
            if len(kept) != len(obj):
                obj[:] = kept

    def _cut(self, value) -> bool:
        """Whether the edge to `value` goes (its code is then found)."""
        if not isinstance(value, (IndirectObject, DictionaryObject)):
            return False
        code = self._verdict(value)
        if code is None or self._protected(value):
            return False
        self.found.add(code)
        return True

    @staticmethod
    def _protected(value) -> bool:
        value = _resolved(value)
        return isinstance(value, DictionaryObject) and _name(value, "/Type") in PROTECTED_TYPES
