"""Every CABINET_* setting the code reads is in README's one settings table; secrets may come from files
(NAME_FILE: systemd credentials, Docker secrets) so that they are in no process's environment."""
import ast
import re
from pathlib import Path

import pytest

from cabinet.config import SECRET_SETTINGS, build_config

from ..servers import cabinet_env, run_cabinet

ROOT = Path(__file__).resolve().parents[2]


def _settings_read_by_the_code() -> set[str]:
    """Every string constant that is a whole CABINET_* name, in every module of the package (config.py,
    and the few read elsewhere: pdf/runner.py, pdf/stamp.py), plus the NAME_FILE variants of secrets."""
    names = set()
    for path in (ROOT / "cabinet").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"CABINET_[A-Z0-9_]+", node.value):
                names.add(node.value)
    return names | {f"{name}_FILE" for name in SECRET_SETTINGS}


def _readme_settings_table() -> list[str]:
    """The rows of README's settings table: the run of table lines that holds CABINET_DATA_DIR."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| `CABINET_DATA_DIR`"))
    while lines[start - 1].startswith("|"):
        start -= 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def test_readme_lists_every_setting_the_code_reads_in_one_table():
    table = _readme_settings_table()
    listed = {name for row in table for name in re.findall(r"`(CABINET_[A-Z0-9_]+)`", row.split("|")[1])}
    missing = sorted(_settings_read_by_the_code() - listed)
    assert not missing, f"README's settings table does not list {missing}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    elsewhere = set(re.findall(r"^\| `(CABINET_[A-Z0-9_]+)`", readme, re.M)) - listed
    assert not elsewhere, f"settings rows outside the one table (a blank line splits it?): {sorted(elsewhere)}"


def test_the_check_finds_the_settings_read_outside_config():
    """The scan is no empty net: it sees names read in config.py and in pdf/runner.py."""
    names = _settings_read_by_the_code()
    assert {"CABINET_DATA_DIR", "CABINET_PDF_WORKERS", "CABINET_STAMP_FONT", "CABINET_SECRET_KEY_FILE"} <= names


@pytest.fixture()
def clean_env(monkeypatch):
    import os
    for name in [n for n in os.environ if n.startswith("CABINET_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_secrets_from_files(clean_env, tmp_path):
    secrets = tmp_path / "credentials"
    secrets.mkdir()
    (secrets / "secret_key").write_text("khoa-bi-mat-tu-tep\n")
    (secrets / "database_url").write_text(f"sqlite:///{tmp_path / 'from-file.sqlite3'}\n")
    (secrets / "redis_url").write_text("redis://:mat-khau-redis@127.0.0.1:6390/0")
    for name, file in (("SECRET_KEY", "secret_key"), ("DATABASE_URL", "database_url"), ("REDIS_URL", "redis_url")):
        clean_env.setenv(f"CABINET_{name}_FILE", str(secrets / file))
    config = build_config(str(tmp_path / "data"))
    assert config["SECRET_KEY"] == "khoa-bi-mat-tu-tep"
    assert not (tmp_path / "data" / "secret_key").exists()  # none generated: the file's key is the key
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'from-file.sqlite3'}"
    assert config["REDIS_URL"] == config["RATELIMIT_STORAGE_URI"] == "redis://:mat-khau-redis@127.0.0.1:6390/0"


def test_a_half_configured_secret_stops_the_start(clean_env, tmp_path):
    key = tmp_path / "secret_key"
    key.write_text("khoa-bi-mat")
    clean_env.setenv("CABINET_SECRET_KEY_FILE", str(key))
    clean_env.setenv("CABINET_SECRET_KEY", "khoa-khac")
    with pytest.raises(ValueError, match="both set"):
        build_config(str(tmp_path / "data"))
    clean_env.delenv("CABINET_SECRET_KEY")
    clean_env.setenv("CABINET_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="CABINET_SECRET_KEY_FILE: cannot read"):
        build_config(str(tmp_path / "data"))
    key.write_text("\n")
    clean_env.setenv("CABINET_SECRET_KEY_FILE", str(key))
    with pytest.raises(ValueError, match="is empty"):
        build_config(str(tmp_path / "data"))


def test_the_command_takes_the_database_url_from_a_file(tmp_path):
    """End to end, as systemd's LoadCredential= hands it over: `cabinet init-db` builds that database."""
    url_file = tmp_path / "database_url"
    url_file.write_text(f"sqlite:///{tmp_path / 'tu-tep.sqlite3'}\n")
    env = cabinet_env(tmp_path / "data", CABINET_DATABASE_URL_FILE=str(url_file))
    result = run_cabinet(env, "init-db")
    assert "tu-tep.sqlite3" in result.stdout and (tmp_path / "tu-tep.sqlite3").stat().st_size > 0


def test_a_postgresql_server_that_does_not_answer_fails_in_seconds(tmp_path):
    """Without a connect timeout a request (and /healthz, which monitoring polls) waited for ever on a
    PostgreSQL server that stopped answering: here a socket that listens and never replies."""
    import socket
    import threading

    import sqlalchemy as sa
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    config = build_config(str(tmp_path), {"SQLALCHEMY_DATABASE_URI": f"postgresql://u:p@127.0.0.1:{port}/db"})
    engine = sa.create_engine(config["SQLALCHEMY_DATABASE_URI"], **config["SQLALCHEMY_ENGINE_OPTIONS"])
    outcome = []

    def connect():
        try:
            engine.connect()
        except sa.exc.OperationalError as err:
            outcome.append(err)
    attempt = threading.Thread(target=connect, daemon=True)
    attempt.start()
    attempt.join(30)  # the timeout is 5 s; without one it never ends
    silent.close()
    assert outcome and "timeout" in str(outcome[0]).lower()
    assert "connect_args" not in build_config(str(tmp_path), {})["SQLALCHEMY_ENGINE_OPTIONS"]  # SQLite
