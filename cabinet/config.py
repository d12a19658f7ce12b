"""Settings: embedded defaults, overridden by CABINET_* environment variables, then by the caller."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from .data_folder import lock_down

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(env, name: str, default: str) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise ValueError(f"{name} must be a number of seconds above 0, not {env.get(name)!r}")
    return value


def _origins(env) -> tuple[str, ...]:
    """CABINET_ALLOWED_ORIGINS: comma-separated `scheme://host[:port]`, as browsers send them in `Origin`.
    A mistake stops the start: a wrong list would silently refuse every tablet, or let the wrong pages in."""
    origins = []
    for entry in filter(None, (part.strip() for part in env.get("CABINET_ALLOWED_ORIGINS", "").split(","))):
        try:
            parsed = urlsplit(entry)
            port = parsed.port
        except ValueError:
            parsed = port = None
        if parsed is None or parsed.scheme.lower() not in ("http", "https") or not parsed.hostname \
                or "@" in parsed.netloc or parsed.path not in ("", "/") or parsed.query or parsed.fragment:
            raise ValueError(f"CABINET_ALLOWED_ORIGINS: {entry!r} is not an origin like "
                             "https://cabinet.example.vn (scheme and host, a port if not the default; "
                             "no path, no wildcard)")
        scheme = parsed.scheme.lower()
        default_port = {"http": 80, "https": 443}[scheme]
        # Browsers send the origin lower-cased and without the scheme's default port.
        host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname  # IPv6
        origins.append(f"{scheme}://{host}" + (f":{port}" if port and port != default_port else ""))
    return tuple(origins)


# Settings that carry a secret: each may instead name a file that holds it (NAME_FILE), the systemd
# credentials and Docker secrets convention, so the secret is not in the environment (`ps e`, /proc).
SECRET_SETTINGS = ("CABINET_SECRET_KEY", "CABINET_DATABASE_URL", "CABINET_REDIS_URL", "CABINET_SMTP_URL")


def _env_or_file(env, name: str) -> str | None:
    """NAME, or the contents of the file NAME_FILE (surrounding whitespace and the final newline dropped).
    Both set, or a file that cannot be read or is empty, stops the start: a half-configured secret would
    otherwise fall back to a default (a generated key, the embedded database) without a word."""
    path = env.get(f"{name}_FILE")
    if not path:
        return env.get(name) or None
    if env.get(name):
        raise ValueError(f"{name} and {name}_FILE are both set: keep one")
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    if not value:
        raise ValueError(f"{name}_FILE: {path} is empty")
    return value


def _secret_key(data_dir: Path) -> str:
    """Read the secret key from the data folder, creating it on first run (so restarts keep sessions)."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Let deployers write postgres:// or postgresql:// and still get the eventlet-friendly psycopg2 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """All settings in one dict: defaults < environment < explicit overrides (tests)."""
    overrides = dict(overrides or {})
    env = os.environ
    data_dir = Path(overrides.get("DATA_DIR") or env.get("CABINET_DATA_DIR") or instance_path)
    data_dir.mkdir(parents=True, exist_ok=True)

    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or _env_or_file(env, "CABINET_DATABASE_URL") \
        or f"sqlite:///{data_dir / 'cabinet.sqlite3'}"
    redis_url = overrides["REDIS_URL"] if "REDIS_URL" in overrides else _env_or_file(env, "CABINET_REDIS_URL")

    config = {
        "DATA_DIR": str(data_dir),
        "FILES_DIR": str(data_dir / "files"),
        "SECRET_KEY": _env_or_file(env, "CABINET_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # An unreachable PostgreSQL host fails a request (and /healthz) in seconds, not the OS's minutes.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} | (
            {"connect_args": {"connect_timeout": 5}} if database_url.startswith("postgresql") else {}),
        "REDIS_URL": redis_url,
        "ASYNC_MODE": env.get("CABINET_ASYNC_MODE", "threading"),
        "PROXY_COUNT": int(env.get("CABINET_PROXY_COUNT", "0")),
        # Pages that may open a live connection; empty: the server's own origin only (realtime/events.py).
        "ALLOWED_ORIGINS": _origins(env),
        "MAX_UPLOAD_MB": int(env.get("CABINET_MAX_UPLOAD_MB", "200")),
        "MAX_REQUEST_KB": int(env.get("CABINET_MAX_REQUEST_KB", "1024")),
        # Make readers' stamped copies in the background when a document arrives (services/copies_ahead.py).
        "PREPARE_COPIES": _bool(env.get("CABINET_PREPARE_COPIES", "true")),
        # Seconds between the production server's full garbage collections (cabinet/serving.py).
        "GC_EVERY": _seconds(env, "CABINET_GC_EVERY", "300"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": DEFAULT_TIMEZONE,
        "LANGUAGES": ("vi", "en"),
        # Cookies: Secure + HttpOnly + SameSite=Lax. Browsers treat http://localhost as a secure
        # context, so the embedded setup still works without TLS.
        "SESSION_COOKIE_SECURE": _bool(env.get("CABINET_SECURE_COOKIES", "true")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "cabinet_session",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("CABINET_SECURE_COOKIES", "true")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        # The cookie is sent again only when the session changes: refreshed on every answer, a slow answer
        # that started before a change (a flash, a language) put the old cookie back after it.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: a tablet left open all day still works
        "WTF_CSRF_SSL_STRICT": False,  # Referer checks break behind some proxies; the token is the check
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool(env.get("CABINET_RATELIMIT", "true")),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed logins only, per address+username and per address; the windows slide, so nobody is
        # locked out for good, and a stranger elsewhere cannot lock a member out of their own tablet.
        "LOGIN_RATE_LIMIT": env.get("CABINET_LOGIN_RATE_LIMIT", "5 per minute;20 per hour"),
        "LOGIN_IP_RATE_LIMIT": env.get("CABINET_LOGIN_IP_RATE_LIMIT", "30 per minute"),
        # argon2id costs (RFC 9106 second recommended option by default); tests lower them for speed.
        "ARGON2_TIME_COST": int(env.get("CABINET_ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_KIB": int(env.get("CABINET_ARGON2_MEMORY_KIB", "65536")),
        "API_TOKEN_DAYS": int(env.get("CABINET_API_TOKEN_DAYS", "30")),
        # Password reset by e-mail (services/password_reset.py): requests per address (429 beyond), mails
        # per account an hour (beyond: silently none, the answer is the same), the link's lifetime.
        "PASSWORD_RESET_RATE_LIMIT": env.get("CABINET_PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes;30 per day"),
        "PASSWORD_RESET_PER_ACCOUNT": int(env.get("CABINET_PASSWORD_RESET_PER_ACCOUNT", "3")),
        "PASSWORD_RESET_MINUTES": int(env.get("CABINET_PASSWORD_RESET_MINUTES", "30")),
        # The private calendar feed (GET /calendar/<token>.ics): fetches per address, and per feed.
        "CALENDAR_RATE_LIMIT": env.get("CABINET_CALENDAR_RATE_LIMIT", "120 per hour"),
        "CALENDAR_TOKEN_RATE_LIMIT": env.get("CABINET_CALENDAR_TOKEN_RATE_LIMIT", "30 per hour"),
        # RFC 3161 time-stamping of signatures, when a time-stamping authority is configured.
        "TSA_URL": env.get("CABINET_TSA_URL") or None,
        # The issuing body printed on minutes of meetings that belong to no body.
        "ORGANISATION": env.get("CABINET_ORGANISATION", "Hội đồng nhân dân thành phố Thanh Hóa"),
        "ORGANISATION_PLACE": env.get("CABINET_ORGANISATION_PLACE", "Thanh Hóa"),
        # E-mail (services/mail.py): nothing is queued or sent while SMTP_URL is unset.
        "SMTP_URL": _env_or_file(env, "CABINET_SMTP_URL") or None,
        "MAIL_FROM": env.get("CABINET_MAIL_FROM", "Cabinet <no-reply@localhost>"),
        # The address people open, for links in e-mails and calendar entries.
        "BASE_URL": env.get("CABINET_BASE_URL", "http://localhost:5000").rstrip("/"),
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    # Every request body by default, authenticated or not (uploads: security.UPLOAD_ENDPOINTS).
    config["MAX_CONTENT_LENGTH"] = config["MAX_REQUEST_KB"] * 1024
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(data_dir)
    Path(config["FILES_DIR"]).mkdir(parents=True, exist_ok=True)
    lock_down(data_dir, config["SQLALCHEMY_DATABASE_URI"])
    return config
