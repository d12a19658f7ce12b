"""The archivist's page: search closed meetings and consultations, see retention, download the dossier."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Body
from ..services import archive
from ..services.errors import Invalid
from .helpers import actor

archive_bp = Blueprint("archive", __name__)


@archive_bp.get("/archive")
@login_required
def index():
    user = actor()
    args = request.args
    filters = {"q": args.get("q", ""), "title": args.get("title", ""), "body_id": args.get("body_id", ""),
               "date_from": args.get("from", ""), "date_to": args.get("to", ""), "kind": args.get("kind", "")}
    searched = any(filters.values())
    error, hits, total = None, [], 0
    page = max(1, args.get("page", 1, type=int))
    try:
        hits, total = archive.search(user, **{**filters, "body_id": filters["body_id"] or None}, page=page)
    except Invalid as err:
        error = err
    bodies = db.session.scalars(select(Body).order_by(Body.name)).all()
    return render_template("archive/index.html", hits=hits, total=total, filters=filters, searched=searched,
                           error=error, bodies=bodies, page=page, page_size=archive.PAGE_SIZE,
                           retention=archive.RETENTION), 422 if error else 200
