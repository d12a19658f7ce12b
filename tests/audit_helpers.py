"""Lifting the audit log's append-only triggers, as the database's owner could: to empty the tables
between tests, and to tamper with the log in the tests that show the chain catches it."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def append_only_lifted(connection: sa.Connection):
    """Within `connection`'s transaction, audit_log accepts UPDATE and DELETE; the triggers are back after."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        yield connection
        connection.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        return
    triggers = connection.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")).all()
    for name, _sql in triggers:
        connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
    yield connection
    for _name, sql in triggers:
        connection.execute(sa.text(sql))
