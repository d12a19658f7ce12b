"""`cabinet certs issue|import|show` and `cabinet verify FILE.pdf` (imported at the end of cli.py)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import cli, read_secret, secret_file_option


def _user(username: str):
    from .services import accounts
    user = accounts.find_user_by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


def _domain_call(fn, *args, **kwargs):
    from .services.errors import DomainError
    try:
        return fn(*args, **kwargs)
    except DomainError as err:
        raise click.ClickException(f"{err.message} ({err.code})")


def _echo_info(username: str, info: dict) -> None:
    click.echo(f"{username}: {info['common_name']} — {info['status']}, {info['source']}\n"
               f"  subject  {info['subject']}\n  issuer   {info['issuer']}\n  serial   {info['serial']}\n"
               f"  valid    {info['not_before']} → {info['not_after']}\n  sha256   {info['sha256']}")


@cli.group("certs")
def certs():
    """Signing certificates: demo CA, PKCS#12 uploads."""


@certs.command("issue")
@click.argument("username")
@secret_file_option("passphrase", "passphrase that protects the new PKCS#12 (the user types it to sign)")
@click.option("--days", default=365, show_default=True, type=int)
def issue(username, passphrase_file, days):
    """Issue USERNAME a certificate from the local demo CA (for demos and tests); the passphrase is asked
    for (hidden, twice) or read with --passphrase-file."""
    from .services import certificates
    user = _user(username)
    passphrase = read_secret(passphrase_file, "Passphrase", confirm=True)
    _echo_info(username, _domain_call(certificates.issue_demo_certificate, user, passphrase, days=days))


@certs.command("import")
@click.argument("username")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@secret_file_option("passphrase", "PKCS#12 passphrase")
def import_(username, file, passphrase_file):
    """Store FILE (PKCS#12) as USERNAME's signing certificate; its passphrase is asked for (hidden) or
    read with --passphrase-file."""
    from .services import certificates
    user = _user(username)
    passphrase = read_secret(passphrase_file, "Passphrase", confirm=False)
    info = _domain_call(certificates.store_uploaded_certificate, user, file.read_bytes(), passphrase)
    _echo_info(username, info)


@certs.command("show")
@click.argument("username")
def show(username):
    """Show USERNAME's certificate on file."""
    from .services import certificates
    info = certificates.certificate_info(_user(username))
    if info is None:
        raise click.ClickException(f"{username} has no signing certificate")
    _echo_info(username, info)


@cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (codes, and the words).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the report.")
def verify(file, as_json, lang):
    """Check the signatures in FILE and say, in words, who signed, when, what changed after and whether
    the certificates are trusted; exit 0 if signed and every signature is intact, valid, trusted and not
    followed by disallowed changes, 1 otherwise, 2 if FILE is not a readable PDF."""
    import logging
    from flask_babel import force_locale
    from .pdf.sign import NotAPdf, verify_pdf
    from .presentation.signatures import explain_report, report_json
    from .services.certificates import trust_roots
    from .services.verification import ERRORS
    quiet = logging.getLogger("pyhanko")  # it logs tracebacks for untrusted chains; the report says it all
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    with force_locale(lang):
        try:
            report = verify_pdf(file.read_bytes(), trust_roots())
        except NotAPdf as exc:
            click.echo(f"{file}: {ERRORS.get(exc.code, ERRORS['damaged'])}", err=True)
            click.get_current_context().exit(2)
        finally:
            quiet.setLevel(level)
        ok = report["signed"] and all(s["intact"] and s["valid"] and s["trusted"] and not s["modified_after"]
                                      for s in report["signatures"])
        if as_json:
            click.echo(json.dumps(report_json(report) | {"ok": ok}, ensure_ascii=False, indent=2))
        else:
            click.echo(_report_text(file, explain_report(report)))
    click.get_current_context().exit(0 if ok else 1)


def _report_text(file: Path, explained: dict) -> str:
    """The verdict, then each signature: its signer (and role) and one line per fact."""
    lines = [str(file), explained["verdict"]["text"]]
    for number, sig in enumerate(explained["signatures"], start=1):
        lines += ["", f"{number}. {sig['signer']}" + (f" — {sig['role']}" if sig["role"] else "")]
        lines += [f"   {fact['label']}: {fact['text']}" for fact in sig["facts"]]
    return "\n".join(lines)
