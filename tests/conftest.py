"""Fixtures: one app per database backend (SQLite always, PostgreSQL when CABINET_TEST_POSTGRES_URL is set),
schema made by the real Alembic migrations, tables emptied after every test."""
from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa

from cabinet import create_app
from cabinet.extensions import db, limiter
from cabinet.services.audit_anchor import checkpoints_path

from . import factories
from .audit_helpers import append_only_lifted

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("CABINET_TEST_POSTGRES_URL") else [])


def fresh_postgres_url(suffix: str) -> str:
    """An empty database of its own (per xdist worker, per server), so nothing sees another's rows."""
    base = sa.engine.make_url(os.environ["CABINET_TEST_POSTGRES_URL"])
    name = f"{base.database}_{re.sub(r'[^a-z0-9_]', '', suffix)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory, worker_id):
    if backend == "postgresql":
        return fresh_postgres_url(worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def base_app(database_url, tmp_path_factory):
    """The app for a backend, with the schema created by `upgrade head` (the migrations are under test too)."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": True,  # on, as in production; tests use distinct usernames
        "SERVER_NAME": "cabinet.test",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,  # real argon2id, cheap: tests make many users
        "PREPARE_COPIES": False,  # no background stamping behind the tests' backs (test_copies_ahead.py)
    })
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    return app


@pytest.fixture()
def app(base_app):
    with base_app.app_context():
        yield base_app
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn, append_only_lifted(conn):
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        checkpoints_path().unlink(missing_ok=True)  # the audit log's head kept outside: emptied with it
        limiter.reset()  # limits count per user id, and ids come again once the tables are emptied


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def make(app):
    """Factories bound to the test database: make.user(...), make.meeting(...), …"""
    return factories


@pytest.fixture()
def smtp(app, tmp_path):
    """A real SMTP server (aiosmtpd in a child process, tests/mail_server.py) the app sends to while the
    test runs: smtp.messages() are what it received."""
    from .mail_server import SmtpServer
    server = SmtpServer(tmp_path).start()
    app.config["SMTP_URL"] = server.url
    yield server
    app.config["SMTP_URL"] = None
    server.stop()


@pytest.fixture()
def api(app):
    """A JSON client that authenticates with a Bearer token: api.as_(user).post(path, json=...)."""
    return factories.ApiClient(app)
