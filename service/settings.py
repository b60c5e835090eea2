"""All configuration, read once from environment variables, with embedded defaults.

A missing or invalid value stops the start with one line naming the variable.
"""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from media.settings import MediaSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A configuration value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """The service's configuration (see the table in README.md)."""

    instance_dir: Path
    secret_key: str
    database_url: str
    media_dir: Path
    base_url: str
    max_body_bytes: int = 1024 * 1024
    token_ttl_hours: int = 24 * 30
    log_format: str = "json"
    log_level: str = "INFO"
    behind_proxy: bool = False
    practices_dir: Path | None = None
    voices_dir: Path | None = None
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    smtp: dict = field(default_factory=dict)
    scheduler_plan_seconds: int = 300
    scheduler_dispatch_seconds: int = 5
    media_max_mb: int = 2048
    tts_workers: int = 1
    signin_pair_limit: int = 5
    signin_account_limit: int = 50
    signin_address_limit: int = 20
    signin_window_minutes: int = 15
    session_idle_minutes: int = 120
    session_hours: int = 12
    webhook_allow_http: bool = False
    renders_per_person: int = 6
    renders_at_once: int = 2
    webhook_allow_private: bool = False
    secret_key_previous: str | None = None
    extra: dict = field(default_factory=dict)

    def webhook_targets(self):
        """Where webhooks may go, as the scheduler's channel takes it."""
        from scheduler.channels.targets import Targets

        return Targets(allow_http=self.webhook_allow_http, allow_private=self.webhook_allow_private)

    def media(self) -> MediaSettings:
        """The media floor's part: store folder, its size bound, speech worker processes."""
        return MediaSettings(
            media_dir=self.media_dir,
            max_bytes=self.media_max_mb * 1024 * 1024,
            speech_workers=self.tts_workers,
            voices_dirs=(self.voices_dir,) if self.voices_dir else (),
        )


def _int(env, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number (got {raw!r})") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high} (got {value})")
    return value


def _choice(env, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _secret_key(env, instance_dir: Path) -> str:
    key = env.get("HEARTH_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise SettingsError(
                "HEARTH_SECRET_KEY must be at least 32 characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return key
    # Embedded default: a random key kept in the instance folder so sessions survive restarts.
    path = instance_dir / "secret_key"
    try:
        if not path.exists():
            instance_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
    except OSError as error:
        raise SettingsError(
            f"HEARTH_SECRET_KEY is not set and {path} cannot be written ({error.strerror}); "
            "set HEARTH_SECRET_KEY or HEARTH_INSTANCE_DIR"
        ) from None


def _previous_secret_key(env, current: str) -> str | None:
    """HEARTH_SECRET_KEY_PREVIOUS: the key being rotated out (accepted, never used to sign)."""
    key = env.get("HEARTH_SECRET_KEY_PREVIOUS")
    if not key:
        return None
    if len(key) < 32:
        raise SettingsError(
            "HEARTH_SECRET_KEY_PREVIOUS must be at least 32 characters (the old HEARTH_SECRET_KEY)"
        )
    if key == current:
        raise SettingsError(
            "HEARTH_SECRET_KEY_PREVIOUS is the same as HEARTH_SECRET_KEY; set HEARTH_SECRET_KEY "
            "to the new key and HEARTH_SECRET_KEY_PREVIOUS to the old one"
        )
    return key


def _database_url(env, instance_dir: Path) -> str:
    url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'hearth.db'}"
    scheme = url.split(":", 1)[0]
    if scheme not in ("sqlite", "postgresql", "postgres", "postgresql+psycopg"):
        raise SettingsError(
            "DATABASE_URL must start with sqlite:/// or postgresql:// "
            f"(got a URL starting with {scheme!r})"
        )
    return url


def _base_url(env) -> str:
    url = (env.get("HEARTH_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(
            "HEARTH_BASE_URL must be an http(s) URL such as https://hearth.example.org "
            f"(got {url!r})"
        )
    return url


def load(env=None) -> Settings:
    """Read the settings from the environment (or a given mapping)."""
    env = os.environ if env is None else env
    instance_dir = Path(env.get("HEARTH_INSTANCE_DIR") or PROJECT_ROOT / "instance")
    media_dir = Path(env.get("HEARTH_MEDIA_DIR") or instance_dir / "media")
    secret_key = _secret_key(env, instance_dir)
    return Settings(
        instance_dir=instance_dir,
        secret_key=secret_key,
        secret_key_previous=_previous_secret_key(env, secret_key),
        database_url=_database_url(env, instance_dir),
        media_dir=media_dir,
        base_url=_base_url(env),
        max_body_bytes=_int(env, "HEARTH_MAX_BODY_BYTES", 1024 * 1024, 1024, 512 * 1024 * 1024),
        token_ttl_hours=_int(env, "HEARTH_TOKEN_TTL_HOURS", 24 * 30, 1, 24 * 365),
        log_format=_choice(env, "HEARTH_LOG_FORMAT", "json", ("json", "text")),
        log_level=_choice(env, "HEARTH_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        behind_proxy=_choice(env, "HEARTH_BEHIND_PROXY", "0", ("0", "1")) == "1",
        practices_dir=_folder(env, "HEARTH_PRACTICES_DIR"),
        voices_dir=_folder(env, "HEARTH_VOICES_DIR"),
        argon2_time_cost=_int(env, "HEARTH_ARGON2_TIME_COST", 3, 1, 20),
        argon2_memory_kib=_int(env, "HEARTH_ARGON2_MEMORY_KIB", 64 * 1024, 1024, 4 * 1024 * 1024),
        smtp=_smtp(env),
        scheduler_plan_seconds=_int(env, "HEARTH_PLAN_SECONDS", 300, 5, 3600),
        scheduler_dispatch_seconds=_int(env, "HEARTH_DISPATCH_SECONDS", 5, 1, 600),
        media_max_mb=_int(env, "HEARTH_MEDIA_MAX_MB", 2048, 10, 10_000_000),
        tts_workers=_int(env, "HEARTH_TTS_WORKERS", 1, 1, 16),
        signin_pair_limit=_int(env, "HEARTH_SIGNIN_PAIR_LIMIT", 5, 1, 1000),
        signin_account_limit=_int(env, "HEARTH_SIGNIN_ACCOUNT_LIMIT", 50, 1, 100_000),
        signin_address_limit=_int(env, "HEARTH_SIGNIN_ADDRESS_LIMIT", 20, 1, 100_000),
        signin_window_minutes=_int(env, "HEARTH_SIGNIN_WINDOW_MINUTES", 15, 1, 24 * 60),
        session_idle_minutes=_int(env, "HEARTH_SESSION_IDLE_MINUTES", 120, 5, 24 * 60),
        session_hours=_int(env, "HEARTH_SESSION_HOURS", 12, 1, 24 * 30),
        renders_per_person=_int(env, "HEARTH_RENDERS_PER_PERSON", 6, 1, 10_000),
        renders_at_once=_int(env, "HEARTH_RENDERS_AT_ONCE", 2, 1, 64),
        webhook_allow_http=_choice(env, "HEARTH_WEBHOOK_ALLOW_HTTP", "0", ("0", "1")) == "1",
        webhook_allow_private=_choice(env, "HEARTH_WEBHOOK_ALLOW_PRIVATE", "0", ("0", "1")) == "1",
    )


def _smtp(env) -> dict:
    """The HEARTH_SMTP_* values (empty when email is not configured)."""
    if not env.get("HEARTH_SMTP_HOST"):
        return {}
    _int(env, "HEARTH_SMTP_PORT", 25, 1, 65535)
    _choice(env, "HEARTH_SMTP_STARTTLS", "1", ("0", "1"))
    _choice(env, "HEARTH_SMTP_TLS", "starttls", ("starttls", "implicit", "none"))
    values = {k: v for k, v in env.items() if k.startswith("HEARTH_SMTP_")}
    from scheduler.channels.email import tls_mode

    if values.get("HEARTH_SMTP_USER") and tls_mode(values) == "none":
        raise SettingsError(
            "HEARTH_SMTP_USER needs TLS, or the password would travel in the clear: set "
            "HEARTH_SMTP_TLS to starttls (the default) or implicit"
        )
    return values


def _folder(env, name: str) -> Path | None:
    raw = env.get(name)
    if not raw:
        return None
    path = Path(raw)
    if not path.is_dir():
        raise SettingsError(f"{name} must name an existing folder (got {raw!r})")
    return path
