"""`cabinet archive reindex`: rebuild the archive's search index (after an upgrade, or a restore)."""
from __future__ import annotations

import click
from sqlalchemy import select

from .cli import cli
from .extensions import db


@cli.group("archive")
def archive_group():
    """The archive of closed meetings and written consultations."""


@archive_group.command("reindex")
@click.option("--meeting", "meeting_id", type=int, default=None, help="Only this meeting.")
def reindex(meeting_id):
    """Index the words of closed meetings' minutes and documents (and closed consultations' questions,
    results and documents) for the archive search."""
    from .models import Meeting
    from .services.archive import index_meeting, index_pending_texts
    query = select(Meeting).where(Meeting.status == "closed")
    if meeting_id is not None:
        query = query.where(Meeting.id == meeting_id)
    count = 0
    for meeting in db.session.scalars(query).all():
        index_meeting(meeting)
        db.session.commit()
        count += 1
    documents = index_pending_texts()
    click.echo(f"Indexed {count} closed meeting(s), the words of {documents} document(s).")
