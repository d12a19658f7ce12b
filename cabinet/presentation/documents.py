"""Labels for what the upload check removed from a PDF: one per code of pdf.sanitize.REMOVAL_CODES,
in words the secretariat and members understand (the codes stay in the API and the database)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

REMOVAL_LABELS = {
    "javascript": _l("Removed JavaScript code"),
    "launch": _l("Removed a command that starts a program"),
    "importdata": _l("Removed a command that imports form data"),
    "submitform": _l("Removed a command that sends form data elsewhere"),
    "richmediaexecute": _l("Removed a command for embedded media"),
    "rendition": _l("Removed a command that plays media"),
    "gotoe": _l("Removed a link into an embedded document"),
    "sound": _l("Removed sound"),
    "movie": _l("Removed video"),
    "additional-actions": _l("Removed actions that run by themselves (on opening, on a page, in a form "
                             "field)"),
    "xfa-form": _l("Removed an XFA form"),
    "gotor": _l("Removed a link that opens another file"),
    "unsafe-uri": _l("Removed unsafe links (not http, https or mailto)"),
    "embedded-file": _l("Removed embedded files"),
    "associated-files": _l("Removed associated files"),
    "portfolio": _l("Removed a PDF portfolio (a collection of files)"),
    "file-attachment": _l("Removed file attachment notes"),
    "rich-media": _l("Removed rich media (Flash, embedded video)"),
    "screen": _l("Removed media player areas"),
    "3d": _l("Removed 3D content"),
    "extra-data": _l("Removed data outside the PDF (such as a hidden program)"),
}


def removal_labels(codes) -> list[str]:
    """The label of each code, in order; a code without one (none today) is shown as it is."""
    return [str(REMOVAL_LABELS.get(code, code)) for code in codes or []]


def removal_label_map() -> dict[str, str]:
    """Every code's label, for the upload page's script (it lists what each file lost as it arrives)."""
    return {code: str(label) for code, label in REMOVAL_LABELS.items()}
