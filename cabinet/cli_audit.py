"""`cabinet audit verify` (exit 1 and the first broken link if the chain or a checkpoint is broken),
`cabinet audit checkpoint` (keep the head outside the database: for a timer) and
`cabinet audit export --csv FILE [--meeting ID]`."""
from __future__ import annotations

import sys

import click

from .cli import cli
from .extensions import db


@cli.group("audit")
def audit_group():
    """The audit log: verify its hash chain, export it."""


@audit_group.command("verify")
def verify():
    """Recompute every entry's hash and link and check the checkpoints kept outside the database; exit 0
    if all hold, 1 at the first broken link."""
    from .services.audit_anchor import verify as verify_anchored
    result = verify_anchored(db.session)
    broken, anchors = result["first_broken"], result["checkpoints"]
    if broken is None:
        click.echo(f"Audit log intact: {result['checked']} entries checked; head {result['head'] or '(empty)'}; "
                   f"{anchors['checked']} checkpoint(s) hold")
        return
    click.echo(f"Audit log BROKEN at entry {broken['id']}: {broken['reason']} "
               f"({result['checked']} entries checked; last good hash {result['head'] or '(none)'})", err=True)
    sys.exit(1)


@audit_group.command("checkpoint")
def checkpoint():
    """Write the chain's head to the data folder's signed checkpoints (run daily from a timer)."""
    from .services.audit_anchor import write_checkpoint
    line = write_checkpoint("command")
    click.echo(f"Checkpoint at entry {line['id']}: {line['hash']}" if line else "The audit log is empty.")


@audit_group.command("export")
@click.option("--csv", "path", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write (UTF-8 CSV; '-' for standard output).")
@click.option("--meeting", "meeting_id", type=int, default=None, help="Only this meeting's entries.")
def export(path, meeting_id):
    """Write the log (or one meeting's entries) as CSV, with every row's hash."""
    from .services.audit import audit_csv
    data = audit_csv(db.session, meeting_id=meeting_id)
    if path == "-":
        click.echo(data, nl=False)
        return
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(data)
    click.echo(f"Wrote {data.count(chr(10)) - 1} entries to {path}", err=True)
