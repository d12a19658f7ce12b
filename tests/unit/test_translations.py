"""Vietnamese is the default language: every message in the code and templates has its translation."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _extracted() -> set[str]:
    method_map = [("cabinet/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS, options_map={"templates/**.html": {}}):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_has_a_vietnamese_translation():
    with (ROOT / "cabinet/translations/vi/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    extracted = _extracted()
    assert len(extracted) > 200, "extraction found the messages"
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(i for i in extracted if i not in translated or not translated[i].string
                     or translated[i].fuzzy)
    assert not missing, f"untranslated (run `make translations`, then translate): {missing}"


def test_translations_keep_diacritics():
    with (ROOT / "cabinet/translations/vi/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    assert catalog.get("My meetings").string == "Cuộc họp của tôi"
