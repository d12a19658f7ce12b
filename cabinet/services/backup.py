"""Backup and restore of an installation: the database and the data folder, as one tar with a manifest.

Taken while the server runs (docs/OPERATIONS.md), in the order docs/AUDIT.md asks: the audit checkpoints
first, then the database (SQLite's online backup API: a consistent copy even while tablets write, which
a copy of the file and its WAL is not; PostgreSQL's `pg_dump`, custom format), then the files. So every
checkpoint in a backup names rows its dump holds, and every file a row names is there.

Keys of open secret polls are left out unless asked for: with them, the archive opens the ballots of
those polls (docs/SECRET_BALLOT.md). Restored without its key, an open secret poll is cancelled and
voted again, as after any lost key.

The manifest holds each member's SHA-256: restore checks them all before it touches anything, so a
damaged or edited archive is refused. It is not a signature: keep the archive's own SHA-256 (printed
by `cabinet backup`) apart from the archive to show that the manifest was not rewritten too.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from ..extensions import db
from ..models.types import utcnow

FORMAT, FORMAT_VERSION = "cabinet-backup", 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
CHECKPOINTS = PurePosixPath("audit/checkpoints.jsonl")
# Made by the server at start-up (config.build_config): their presence alone is no installation.
STARTUP_FILES = {"secret_key"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


class _Hashing:
    """A file reader that hashes what tarfile reads through it."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# --- where things are ------------------------------------------------------------------------------------

def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]).resolve()


def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database).resolve()


def _skipped(data_dir: Path, url: URL, with_poll_keys: bool) -> set[Path]:
    """Paths of the data folder that are not copied as files: the live SQLite database (dumped instead),
    the scratch folder, the checkpoints (taken first), open polls' keys (unless asked for)."""
    skipped = {data_dir / "files" / "tmp", data_dir / CHECKPOINTS}
    if url.get_backend_name() == "sqlite":
        database = _sqlite_path(url)
        skipped |= {database, *(Path(f"{database}{end}") for end in ("-wal", "-shm", "-journal"))}
    if not with_poll_keys:
        skipped.add(data_dir / "poll-keys")
    return skipped


def _data_files(data_dir: Path, skipped: set[Path]) -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(data_dir):
        here = Path(folder)
        subfolders[:] = sorted(name for name in subfolders if here / name not in skipped)
        found += [here / name for name in sorted(files)
                  if here / name not in skipped and (here / name).is_file() and not (here / name).is_symlink()
                  and not name.startswith(".cabinet-backup-")]
    return found


# --- PostgreSQL: the password in the environment of pg_dump / pg_restore, never in their arguments -----

def _pg_env(url: URL) -> dict:
    env = dict(os.environ)  # PGSSLROOTCERT and the like still apply, as they do to psycopg2
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
             "PGDATABASE": url.database, "PGSSLMODE": url.query.get("sslmode")}
    env.update({k: str(v) for k, v in parts.items() if v})
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return path


def _run_pg(url: URL, *args: str) -> None:
    result = subprocess.run([_pg_tool(args[0]), *args[1:]], env=_pg_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[-2000:]}")


# --- backup ----------------------------------------------------------------------------------------------

def _alembic_revision() -> str | None:
    with db.engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _dump_database(url: URL, work: Path) -> tuple[Path, str]:
    """The database as one file in `work` (and its member name in the archive)."""
    if url.get_backend_name() == "sqlite":
        target = work / "cabinet.sqlite3"
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # one step: a consistent snapshot, writers go on (WAL)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
            source.close()
        return target, "database/cabinet.sqlite3"
    if url.get_backend_name() == "postgresql":
        target = work / "cabinet.pgdump"
        _run_pg(url, "pg_dump", "--format=custom", "--no-password", f"--file={target}")
        return target, "database/cabinet.pgdump"
    raise BackupError(f"no backup for a {url.get_backend_name()} database")


def create_backup(out: Path, *, with_poll_keys: bool = False) -> dict:
    """Write the installation to the tar `out` (gzip if it ends in .gz or .tgz), mode 0600; return the
    manifest, with the archive's SHA-256 added."""
    data_dir, url = _data_dir(), _database_url()
    out = Path(out).resolve()
    if out.is_relative_to(data_dir):
        raise BackupError(f"write the backup outside the data folder {data_dir}: "
                          "it would hold itself next time")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".cabinet-backup-{out.name}.{os.getpid()}.part")
    members: list[dict] = []
    compression = "w:gz" if out.name.endswith((".gz", ".tgz")) else "w"

    def add(tar: tarfile.TarFile, name: str, path: Path) -> None:
        info = tar.gettarinfo(str(path), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with path.open("rb") as handle:
            reader = _Hashing(handle)
            tar.addfile(info, reader)
        members.append({"name": name, "size": info.size, "sha256": reader.digest.hexdigest(),
                        "mode": f"{info.mode & 0o777:o}"})

    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tempfile.TemporaryDirectory(dir=out.parent) as work_dir, \
                tarfile.open(fileobj=raw, mode=compression) as tar:
            work = Path(work_dir)
            checkpoints = data_dir / CHECKPOINTS
            if checkpoints.exists():  # 1. before the database: no checkpoint names a row the dump lacks
                shutil.copyfile(checkpoints, work / "checkpoints.jsonl")
                os.chmod(work / "checkpoints.jsonl", 0o600)
                add(tar, f"data/{CHECKPOINTS}", work / "checkpoints.jsonl")
            revision = _alembic_revision()
            dump, dump_name = _dump_database(url, work)  # 2. the database
            add(tar, dump_name, dump)
            dump.unlink()
            for path in _data_files(data_dir, _skipped(data_dir, url, with_poll_keys)):  # 3. the files
                try:
                    add(tar, f"data/{path.relative_to(data_dir).as_posix()}", path)
                except FileNotFoundError:  # gone since the walk (a counted poll's key): not part of it
                    continue
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": utcnow().isoformat(),
                "versions": {"cabinet": _version("cabinet"), "python": platform.python_version(),
                             "sqlalchemy": _version("sqlalchemy"), "alembic": _version("alembic")},
                "database": {"backend": url.get_backend_name(), "member": dump_name,
                             "alembic_revision": revision},
                "poll_keys_included": with_poll_keys,
                "members": members,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            (work / MANIFEST).write_bytes(body)
            info = tar.gettarinfo(str(work / MANIFEST), arcname=MANIFEST)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with (work / MANIFEST).open("rb") as handle:
                tar.addfile(info, handle)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
            digest = hashlib.file_digest(written, "sha256").hexdigest()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return {**manifest, "archive_sha256": digest}


# --- restore ---------------------------------------------------------------------------------------------

def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def read_archive(archive: Path) -> dict:
    """The archive's manifest, once every member is checked against it (name, type, size, SHA-256)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            try:
                manifest = json.load(tar.extractfile(MANIFEST))
            except (KeyError, TypeError, ValueError):
                raise BackupError(f"{archive} is not a Cabinet backup: no readable {MANIFEST}") from None
            if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(f"{archive} is not a Cabinet backup of format {FORMAT_VERSION}")
            expected = {m["name"]: m for m in manifest["members"]}
            seen = set()
            for info in tar:
                if info.name == MANIFEST:
                    continue
                member = expected.get(info.name)
                if member is None or not info.isfile() or not _safe_name(info.name) or info.name in seen:
                    raise BackupError(f"the archive is damaged or was altered: {info.name} "
                                      "is not in its manifest")
                digest = hashlib.sha256()
                reader = tar.extractfile(info)
                while chunk := reader.read(CHUNK):
                    digest.update(chunk)
                if info.size != member["size"] or digest.hexdigest() != member["sha256"]:
                    raise BackupError(f"the archive is damaged or was altered: {info.name} does not match "
                                      "the SHA-256 in its manifest; nothing was restored")
                seen.add(info.name)
            if seen != set(expected):
                raise BackupError(f"the archive is incomplete: {sorted(set(expected) - seen)[:5]} missing")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive} cannot be read as a tar archive: {exc}") from None
    return manifest


def _known_revision(revision: str | None) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        scripts.get_revision(revision)
    except Exception:
        raise BackupError(f"the backup's database is at migration {revision!r}, which this version of "
                          "Cabinet does not know: restore it with the version that made it, "
                          "or a newer one") from None


def installation_contents() -> list[str]:
    """What a restore would replace: tables in the database, files in the data folder (besides what the
    server makes at start-up). Empty: a fresh installation."""
    data_dir, url = _data_dir(), _database_url()
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    found = [f"{len(tables)} table(s) in the database"] if tables else []
    files = [path for path in _data_files(data_dir, _skipped(data_dir, url, True) - {data_dir / CHECKPOINTS})
             if path.relative_to(data_dir).as_posix() not in STARTUP_FILES]
    if files:
        found.append(f"{len(files)} file(s) in the data folder {data_dir}")
    return found


def _clear_database(url: URL) -> None:
    if url.get_backend_name() == "postgresql":
        return  # pg_restore --clean drops what the dump holds
    database = _sqlite_path(url)
    for path in (database, *(Path(f"{database}{end}") for end in ("-wal", "-shm", "-journal"))):
        path.unlink(missing_ok=True)


def _clear_data_folder(data_dir: Path) -> None:
    for child in data_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _write_member(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path, mode: int) -> None:
    """One file, owner-only whatever the archive says (0600 keys, 0400 stored documents), via a
    temporary name so a crash leaves no half file under the real one."""
    for parent in reversed(target.parents):
        if not parent.exists():
            parent.mkdir(mode=0o700)
    partial = target.with_name(f".{target.name}.restoring")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(tar.extractfile(info), out, CHUNK)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(partial, mode & 0o700 or 0o600)
    os.replace(partial, target)


def restore_backup(archive: Path, *, force: bool = False) -> dict:
    """Put the archive's database and data folder in place of this installation's. Refuses, changing
    nothing, a damaged archive, a database migration this version does not know, another database kind,
    and a target that is not empty unless `force` (which replaces what is there)."""
    data_dir, url = _data_dir(), _database_url()
    if Path(archive).resolve().is_relative_to(data_dir):
        raise BackupError(f"move the archive out of the data folder {data_dir} first: restoring replaces "
                          "that folder's contents")
    manifest = read_archive(archive)
    backend = manifest["database"]["backend"]
    if backend != url.get_backend_name():
        raise BackupError(f"the backup holds a {backend} database and this installation uses "
                          f"{url.get_backend_name()}: set CABINET_DATABASE_URL to a {backend} database")
    _known_revision(manifest["database"]["alembic_revision"])
    present = installation_contents()
    if present and not force:
        raise BackupError("the installation is not empty (" + "; ".join(present) + "): restore into an "
                          "empty database and data folder, or use --force to replace them")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    data_dir.mkdir(parents=True, exist_ok=True)
    _clear_data_folder(data_dir)
    _clear_database(url)
    modes = {m["name"]: int(m["mode"], 8) for m in manifest["members"]}
    # A PostgreSQL dump waits in the data folder (on the server's disk, writable by it), removed after.
    with tarfile.open(archive, "r:*") as tar, \
            tempfile.TemporaryDirectory(dir=data_dir, prefix=".cabinet-restore-") as work_dir:
        for info in tar:
            if info.name == manifest["database"]["member"]:
                if backend == "sqlite":
                    _write_member(tar, info, _sqlite_path(url), 0o600)
                else:
                    dump = Path(work_dir) / "cabinet.pgdump"
                    _write_member(tar, info, dump, 0o600)
                    _run_pg(url, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                            "--single-transaction", "--exit-on-error", "--no-password",
                            f"--dbname={url.database}", str(dump))
            elif info.name.startswith("data/"):
                _write_member(tar, info, data_dir / info.name[len("data/"):], modes[info.name])
    data_dir.chmod(0o700)
    return manifest
