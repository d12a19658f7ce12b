"""Languages: Vietnamese by default, English by a switch; times shown in Asia/Ho_Chi_Minh."""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_babel import Babel, format_datetime

from . import resources

TRANSLATIONS = resources.translations_dir()
LANG_COOKIE = "cabinet_lang"
log = logging.getLogger(__name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE) if request else None
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogs() -> None:
    """Compile .po to .mo where the .mo is missing or older, so a fresh checkout speaks Vietnamese.
    An installed package is left alone: its .mo were compiled when the wheel was built."""
    if resources.installed():
        return
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:  # a read-only checkout: pybabel compile -d cabinet/translations
            log.warning("could not compile %s", po_path)


def init_app(app: Flask, babel: Babel) -> None:
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS))

    @app.template_filter("when")
    def when(value, fmt="medium"):
        """A datetime in the meeting's local time, in the reader's language."""
        return format_datetime(value, fmt) if value else ""

    @app.context_processor
    def language_context():
        return {"current_lang": select_locale(), "languages": app.config["LANGUAGES"]}
