"""Check an uploaded PDF and remove active content (JavaScript, launch and other dangerous actions)."""
from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Actions that run code or reach outside the document: never passed on to a reader's tablet.
DANGEROUS_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition",
                     "/GoToE", "/Sound", "/Movie"}
ACTION_KEYS = ("/A", "/OpenAction", "/Next", "/PA")


class Refused(Exception):
    """The file is not acceptable; `code` says why (encrypted, damaged, empty)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def inspect_and_clean(source: Path, target: Path) -> dict:
    """Parse `source`; if it carries active content write a cleaned copy to `target`.

    Returns {"pages": n, "removed": [...], "cleaned": bool}; raises Refused.
    Content streams are never decoded here, so a decompression bomb costs nothing.
    """
    try:
        reader = PdfReader(str(source), strict=False)
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
    except Refused:
        raise
    except Exception as err:
        raise Refused("damaged", f"{type(err).__name__}: {err}")
    if pages == 0:
        raise Refused("damaged", "no pages")

    removed = _find_active_content(reader)
    if not removed:
        return {"pages": pages, "removed": [], "cleaned": False}
    writer = PdfWriter(clone_from=reader)
    _strip_active_content(writer)
    with target.open("wb") as handle:
        writer.write(handle)
    return {"pages": pages, "removed": sorted(set(removed)), "cleaned": True}


def _is_dangerous(action) -> bool:
    action = action.get_object() if isinstance(action, IndirectObject) else action
    if isinstance(action, DictionaryObject):
        return action.get("/S") in DANGEROUS_ACTIONS or "/JS" in action
    return False


def _walk(root):
    """Every dictionary reachable from `root`, once."""
    seen, stack = set(), [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _find_active_content(reader: PdfReader) -> list[str]:
    found = []
    root = reader.trailer["/Root"]
    names = root.get_object().get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        found.append("javascript")
    for obj in _walk(root):
        for key in ACTION_KEYS:
            if key in obj and _is_dangerous(obj[key]):
                found.append(_label(obj[key]))
        if "/AA" in obj:
            found.append("additional-actions")
        if "/XFA" in obj:
            found.append("xfa-form")
    return found


def _label(action) -> str:
    action = action.get_object()
    kind = str(action.get("/S", "/JavaScript"))[1:].lower()
    return "javascript" if "/JS" in action else kind


def _strip_active_content(writer: PdfWriter) -> None:
    root = writer._root_object
    names = root.get("/Names")
    if names is not None:
        names.get_object().pop("/JavaScript", None)
    for obj in _walk(writer.root_object.indirect_reference or root):
        for key in ACTION_KEYS:
            if key in obj and _is_dangerous(obj[key]):
                del obj[NameObject(key)]
        obj.pop("/AA", None)
        obj.pop("/XFA", None)
