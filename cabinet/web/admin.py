"""Administration pages: user accounts and the bodies that meet (administrators only), the audit log
(administrators and archivists)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..extensions import db
from ..models import GLOBAL_ROLES
from ..services import accounts, audit, audit_anchor, bodies, certificates
from ..services.errors import DomainError
from ..services.permissions import require
from .helpers import actor, attempt, error_context, form_optional, form_text

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {"admin": _l("Administrator"), "secretariat": _l("Secretariat"), "archivist": _l("Archivist"),
               "member": _l("Member")}
ROLE_HINTS = {"admin": _l("Manages accounts and bodies."),
              "secretariat": _l("Prepares meetings: agenda, participants, publishing."),
              "archivist": _l("Reads the record of closed meetings."),
              "member": _l("Takes part in the meetings they are invited to.")}


@admin_bp.before_request
@login_required
def _logged_in():
    """Every page here needs a login; each view then asks the permission module."""


def _role_context() -> dict:
    return {"all_roles": GLOBAL_ROLES, "role_labels": ROLE_LABELS, "role_hints": ROLE_HINTS}


# --- users ----------------------------------------------------------------------------------------

@admin_bp.get("/users")
def users():
    user = actor()
    require(user, "user.manage")
    return render_template("admin/users.html", users=accounts.list_users(user), **_role_context())


def _render_user_form(account, values: dict, status: int = 200, **extra):
    certificate = certificates.certificate_info(account) if account is not None else None
    return render_template("admin/user_form.html", account=account, values=values, certificate=certificate,
                           **_role_context(), **extra), status


@admin_bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    user = actor()
    require(user, "user.manage")
    if request.method == "GET":
        return _render_user_form(None, {"roles": ["member"]})
    roles = request.form.getlist("roles")
    outcome = attempt(accounts.create_user, user, username=form_text("username"),
                      full_name=form_text("full_name"), password=form_text("password"), roles=roles,
                      position=form_text("position"), email=form_text("email"))
    if not outcome.ok:
        values = {**request.form.to_dict(), "roles": roles, "password": ""}
        return _render_user_form(None, values, outcome.error.status, **error_context(outcome))
    flash(_("The account “%(username)s” was created.", username=outcome.result.username), "success")
    return redirect(url_for("admin.users"))


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id):
    user = actor()
    require(user, "user.manage")
    account = accounts.get_user(user_id)
    if request.method == "GET":
        return _render_user_form(account, {"full_name": account.full_name, "position": account.position,
                                           "email": account.email, "roles": account.roles,
                                           "active": account.active})
    changes = {"full_name": form_text("full_name"), "position": form_text("position"),
               "email": form_text("email"), "roles": request.form.getlist("roles"),
               "active": "active" in request.form}
    if form_optional("password"):
        changes["password"] = form_text("password")  # empty: keep the current password
    outcome = attempt(accounts.update_user, user, account, changes)
    if not outcome.ok:
        values = {**changes, "password": ""}
        return _render_user_form(account, values, outcome.error.status, **error_context(outcome))
    flash(_("The account “%(username)s” was saved.", username=account.username), "success")
    return redirect(url_for("admin.users"))


MAX_P12_BYTES = 64 * 1024


@admin_bp.post("/users/<int:user_id>/certificate")
def upload_certificate(user_id):
    """An administrator stores a signer's PKCS#12 (checked against its passphrase; kept encrypted under it)."""
    user = actor()
    require(user, "user.manage")
    account = accounts.get_user(user_id)
    upload = request.files.get("p12")
    data = upload.read(MAX_P12_BYTES + 1) if upload else b""
    if not data or len(data) > MAX_P12_BYTES:
        flash(_("Choose the signer's PKCS#12 file (.p12 or .pfx, at most 64 KB)."), "error")
        return redirect(url_for("admin.edit_user", user_id=account.id) + "#certificate")
    try:
        info = certificates.store_uploaded_certificate(account, data, request.form.get("passphrase", ""))
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("admin.edit_user", user_id=account.id) + "#certificate")
    audit.record(db.session, "certificate.upload", actor=user, obj=account,
                 details={"subject": info.get("subject"), "not_after": info.get("not_after"),
                          "sha256": info.get("sha256")})
    db.session.commit()
    flash(_("The signing certificate of “%(username)s” was stored.", username=account.username), "success")
    return redirect(url_for("admin.edit_user", user_id=account.id) + "#certificate")


# --- bodies ---------------------------------------------------------------------------------------

def _render_bodies(status: int = 200, **extra):
    return render_template("admin/bodies.html", bodies=bodies.list_bodies(), values=extra.pop("values", {}),
                           **extra), status


@admin_bp.get("/bodies")
def bodies_list():
    require(actor(), "body.manage")
    return _render_bodies()


@admin_bp.post("/bodies")
def create_body():
    user = actor()
    require(user, "body.manage")
    outcome = attempt(bodies.create_body, user, name=form_text("name"), short_name=form_text("short_name"))
    if not outcome.ok:
        return _render_bodies(outcome.error.status, values=request.form, **error_context(outcome))
    flash(_("The body “%(name)s” was created.", name=outcome.result.name), "success")
    return redirect(url_for("admin.body", body_id=outcome.result.id))


def _render_body(body, status: int = 200, **extra):
    members = {m.user_id for m in body.members}
    candidates = [u for u in accounts.list_users(actor(), include_inactive=False) if u.id not in members]
    values = extra.pop("values", None) or {"name": body.name, "short_name": body.short_name}
    return render_template("admin/body.html", body=body, candidates=candidates, values=values,
                           member_values=extra.pop("member_values", {}), **extra), status


@admin_bp.get("/bodies/<int:body_id>")
def body(body_id):
    require(actor(), "body.manage")
    return _render_body(bodies.get_body(body_id))


@admin_bp.post("/bodies/<int:body_id>")
def update_body(body_id):
    user = actor()
    require(user, "body.manage")
    body = bodies.get_body(body_id)
    changes = {"name": form_text("name"), "short_name": form_text("short_name")}
    outcome = attempt(bodies.update_body, user, body, changes)
    if not outcome.ok:
        return _render_body(body, outcome.error.status, values=changes, **error_context(outcome))
    flash(_("The body was saved."), "success")
    return redirect(url_for("admin.body", body_id=body.id))


@admin_bp.post("/bodies/<int:body_id>/members")
def add_body_member(body_id):
    user = actor()
    require(user, "body.manage")
    body = bodies.get_body(body_id)
    outcome = attempt(bodies.add_member, user, body, form_optional("user_id"), form_text("title"))
    if not outcome.ok:
        return _render_body(body, outcome.error.status, error=outcome.error.message,
                            member_values=request.form)
    flash(_("%(name)s was added to the body.", name=outcome.result.user.full_name), "success")
    return redirect(url_for("admin.body", body_id=body.id))


@admin_bp.post("/bodies/<int:body_id>/members/<int:user_id>/delete")
def remove_body_member(body_id, user_id):
    user = actor()
    require(user, "body.manage")
    body = bodies.get_body(body_id)
    outcome = attempt(bodies.remove_member, user, body, user_id)
    if not outcome.ok:
        return _render_body(body, outcome.error.status, error=outcome.error.message)
    flash(_("The member was removed from the body."), "success")
    return redirect(url_for("admin.body", body_id=body.id))


# --- audit log ------------------------------------------------------------------------------------

AUDIT_REASONS = {"hash mismatch": _l("the entry was changed after it was written (hash mismatch)"),
                 "prev_hash mismatch": _l("the entry does not follow the one before it (an entry was changed "
                                          "or replaced; prev_hash mismatch)"),
                 "gap in ids": _l("entries are missing before it (gap in ids)"),
                 "missing after checkpoint": _l("this entry and those after it were deleted: a checkpoint kept "
                                                "outside the database names it"),
                 "differs from checkpoint": _l("the log was rewritten from here on: a checkpoint kept outside "
                                               "the database has another fingerprint for this entry"),
                 "checkpoint signature invalid": _l("the checkpoints kept outside the database were altered "
                                                    "(signature invalid)")}


@admin_bp.get("/audit")
def audit_log():
    """The audit log newest first, filtered by meeting, actor, action and dates (administrators,
    archivists); `verify=1` also recomputes the whole chain."""
    user = actor()
    require(user, "audit.view")
    args = request.args
    filters = {"meeting_id": args.get("meeting_id", ""), "actor_id": args.get("actor_id", ""),
               "action": args.get("action", "").strip(), "date_from": args.get("from", ""),
               "date_to": args.get("to", "")}
    error, entries = None, []
    try:
        entries = audit.list_entries(user, meeting_id=filters["meeting_id"], actor_id=filters["actor_id"],
                                     action=filters["action"], date_from=filters["date_from"],
                                     date_to=filters["date_to"], before_id=args.get("before_id"),
                                     limit=audit.PAGE_SIZE)
    except DomainError as err:
        error = err
    verification = audit_anchor.verify(db.session) if args.get("verify") else None
    choices = audit.filter_choices(user)
    older = entries[-1].id if len(entries) == audit.PAGE_SIZE and entries[-1].id > 1 else None
    rows = list(zip(entries, audit.readable_details(user, entries)))
    return render_template("admin/audit.html", rows=rows, filters=filters, error=error,
                           verification=verification, reasons=AUDIT_REASONS, older=older,
                           paged=bool(args.get("before_id")), **choices), 422 if error else 200
