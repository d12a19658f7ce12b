"""The `cabinet` command: init-db, create-user, demo, serve (and every `flask` command)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup

from .extensions import db


def _make_app():
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_default_commands=True)
def cli():
    """Cabinet — paperless meetings."""


def upgrade_schema() -> None:
    from flask_migrate import upgrade
    upgrade()


@cli.command("init-db")
def init_db():
    """Create or upgrade the schema to the latest migration (safe to run twice)."""
    upgrade_schema()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


def secret_file_option(name: str, what: str):
    """`--NAME-file PATH` (`-`: standard input): a secret never goes on the command line, where `ps` and
    the shell's history show it to others; without the option the command asks for it, hidden."""
    return click.option(f"--{name}-file", f"{name}_file", type=click.File("r", encoding="utf-8"),
                        default=None,
                        help=f"Read the {what} from the first line of this file ('-': standard input) "
                             "instead of asking for it.")


def read_secret(source, prompt: str, confirm: bool) -> str:
    """The secret from the first line of `source` (its newline dropped), or typed at a hidden prompt
    (twice when `confirm`: it creates something the typist must type again later)."""
    if source is None:
        return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    line = source.readline().rstrip("\r\n")
    if not line:
        raise click.BadParameter(f"{getattr(source, 'name', 'the file')} holds no {prompt.lower()} "
                                 "on its first line")
    return line


@cli.command("create-user")
@click.argument("username")
@secret_file_option("password", "password")
@click.option("--full-name", required=True)
@click.option("--position", default="")
@click.option("--role", "roles", multiple=True, default=("member",),
              type=click.Choice(["admin", "secretariat", "archivist", "member"]))
def create_user(username, password_file, full_name, position, roles):
    """Create an account; the password is asked for (hidden, twice) or read with --password-file."""
    from .services import accounts
    password = read_secret(password_file, "Password", confirm=True)
    from .services.errors import DomainError
    try:
        user = accounts.create_user(None, username=username, full_name=full_name, password=password,
                                    roles=list(roles), position=position)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(str(err.message))
    click.echo(f"Created {user.username} ({', '.join(user.roles)})")


@cli.command("demo")
@click.option("--samples", type=click.Path(file_okay=False), default=None,
              help="Folder of sample PDFs (default: ../shared/samples if present).")
def demo(samples):
    """Load the demo organisation (Thanh Hóa city) and meetings, then print the logins."""
    from .demo import load_demo
    upgrade_schema()
    logins = load_demo(samples)
    click.echo(logins)


@cli.command("due")
def due():
    """Do now what `serve` does in the background: draw up consultations past their deadline, queue the
    reminders due, send the e-mail waiting (for a cron job beside a server without its background tasks)."""
    from .services import consultations, mail
    closed, reminded = consultations.close_due(), consultations.remind_due()
    sent = mail.send_due(limit=1000) if mail.enabled() else 0
    click.echo(f"{closed} consultation(s) drawn up, {reminded} reminder(s) queued, {sent} message(s) sent")


@cli.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--max-connections", default=10000, type=int, show_default=True,
              help="Connections served at once; each tablet's websocket holds one (eventlet's default: 1024).")
def serve(host, port, max_connections):
    """Run the production server (eventlet) in the foreground."""
    app = current_app._get_current_object()
    if app.config["ASYNC_MODE"] != "eventlet":
        raise click.ClickException("serve needs CABINET_ASYNC_MODE=eventlet (set by `cabinet serve`)")
    from .pdf.runner import reader_pool, warm_renderer
    warm_renderer.prestart()
    reader_pool.prestart()
    from .serving import offload_to_threads, pace_garbage_collection, serve_eventlet
    pace_garbage_collection(app.config["GC_EVERY"])
    offload_to_threads()
    from .extensions import socketio
    from .services.archive import index_texts_in_background
    from .realtime.expiry import sweep_forever
    from .services.audit_anchor import checkpoint_daily
    socketio.start_background_task(index_texts_in_background, app)  # words a stopped server left pending
    socketio.start_background_task(checkpoint_daily, app)
    socketio.start_background_task(sweep_forever, app)  # sockets whose token expired while open
    from .services.mail import send_forever
    socketio.start_background_task(send_forever, app)  # the e-mail outbox
    from .services.consultations import deadlines_forever
    socketio.start_background_task(deadlines_forever, app)  # consultations: results at the deadline, reminders
    click.echo(f"Cabinet listening on http://{host}:{port}/")
    serve_eventlet(app, host, port, max_connections)


def register_commands(app) -> None:
    """The same commands for `flask --app wsgi …` (commands on a FlaskGroup run in an app context)."""
    for name, command in cli.commands.items():
        if name in ("init-db", "create-user", "demo", "serve", "certs", "verify", "archive", "audit",
                    "backup", "restore", "due"):
            app.cli.add_command(command, name)


from . import cli_signing  # noqa: E402,F401  (registers certs, verify)
from . import cli_archive  # noqa: E402,F401  (registers archive)
from . import cli_audit  # noqa: E402,F401  (registers audit)
from . import cli_backup  # noqa: E402,F401  (registers backup, restore)
