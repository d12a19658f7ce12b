"""`cabinet audit verify` (exit 1 and the first broken link if the chain is broken) and
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
    """Recompute every entry's hash and link; exit 0 if the chain is whole, 1 at the first broken link."""
    from .services.audit import verify_chain
    result = verify_chain(db.session)
    broken = result["first_broken"]
    if broken is None:
        click.echo(f"Audit log intact: {result['checked']} entries checked; head {result['head'] or '(empty)'}")
        return
    click.echo(f"Audit log BROKEN at entry {broken['id']}: {broken['reason']} "
               f"({result['checked']} entries before it are intact; last good hash {result['head'] or '(none)'})",
               err=True)
    sys.exit(1)


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
