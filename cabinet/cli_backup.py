"""`cabinet backup OUT` and `cabinet restore IN` (imported at the end of cli.py; logic in
services/backup.py, procedure in docs/OPERATIONS.md)."""
from __future__ import annotations

from pathlib import Path

import click

from .cli import cli


@cli.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-poll-keys", is_flag=True,
              help="Also copy the keys of open secret polls: the archive can then open their ballots "
                   "(docs/SECRET_BALLOT.md). Without them an open secret poll is voted again after "
                   "a restore.")
def backup(out, with_poll_keys):
    """Write the database and the data folder to the tar OUT (.tar.gz: compressed), while the server runs."""
    from .services.backup import BackupError, create_backup
    try:
        manifest = create_backup(out, with_poll_keys=with_poll_keys)
    except BackupError as err:
        raise click.ClickException(str(err))
    click.echo(f"Backup written to {out}: {len(manifest['members'])} member(s), database "
               f"{manifest['database']['backend']} at migration {manifest['database']['alembic_revision']}"
               + ("" if with_poll_keys else "; keys of open secret polls left out"))
    click.echo(f"sha256 {manifest['archive_sha256']}  (keep this line apart from the archive)")


@cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and data folder that are not empty.")
def restore(archive, force):
    """Check ARCHIVE against its manifest, then put its database and data folder in place (stop the
    server first). Then run `cabinet init-db` (a newer version migrates) and `cabinet audit verify`."""
    from .services.backup import BackupError, restore_backup
    try:
        manifest = restore_backup(archive, force=force)
    except BackupError as err:
        raise click.ClickException(str(err))
    click.echo(f"Restored {archive} (made {manifest['created_at']}, {len(manifest['members'])} member(s)). "
               "Next: cabinet init-db, then cabinet audit verify.")
