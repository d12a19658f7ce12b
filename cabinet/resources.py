"""Where the app's files are: templates, static files, migrations and translations.

In a checkout (and an editable install) they are the repository's top-level folders. A wheel cannot hold
folders beside the package, so the build (setup.py) copies them into the package as `cabinet/_resources/`;
when that folder is there, it is used. Everything that reads these files asks this module.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_resources"
CHECKOUT = PACKAGE.parent


def installed() -> bool:
    """True when running from a built package (the resources were copied in), False in a checkout."""
    return BUNDLED.is_dir()


def _root() -> Path:
    return BUNDLED if installed() else CHECKOUT


def templates_dir() -> Path:
    return _root() / "templates"


def static_dir() -> Path:
    return _root() / "static"


def migrations_dir() -> Path:
    return _root() / "migrations"


def translations_dir() -> Path:
    """The catalogues live inside the package in both cases (.po in git, .mo compiled by the build)."""
    return PACKAGE / "translations"


def default_samples_dir() -> Path | None:
    """The shared sample PDFs beside a checkout (../shared/samples); an installed package has none."""
    if installed():
        return None
    candidate = CHECKOUT.parent / "shared" / "samples"
    return candidate if candidate.is_dir() else None
