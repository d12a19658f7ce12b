"""Migration tests' common ground: the app on an empty database of each kind, for `upgrade()` / `downgrade()`
with data in between (SQLite always; PostgreSQL when CABINET_TEST_POSTGRES_URL is set)."""
from __future__ import annotations

import os

from cabinet import create_app

from .conftest import fresh_postgres_url

KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("CABINET_TEST_POSTGRES_URL") else [])


def migration_app(kind: str, tmp_path, tag: str):
    """An app whose database is empty (no schema: the test upgrades it); `tag` names the PostgreSQL one."""
    url = fresh_postgres_url(tag) if kind == "postgresql" else f"sqlite:///{tmp_path / 'm.sqlite3'}"
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "data"),
                       "SECRET_KEY": "x", "SERVER_NAME": "cabinet.test", "ARGON2_TIME_COST": 1,
                       "ARGON2_MEMORY_KIB": 1024, "PREPARE_COPIES": False})
