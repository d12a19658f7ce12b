"""Cabinet: a paperless meeting system.

This module stays light on purpose: `cabinet serve` must switch to eventlet (monkey patching) before
Flask, SQLAlchemy or the socket libraries are imported, and importing any submodule runs this file.
"""


def create_app(config: dict | None = None):
    """Build the Flask application (see cabinet.app.create_app)."""
    from .app import create_app as build
    return build(config)
