"""Flask's configuration, derived from our typed settings."""

from datetime import timedelta

from service.settings import Settings


def flask_config(settings: Settings) -> dict:
    """The Flask config keys the app runs with (our settings stay whole under HEARTH_SETTINGS)."""
    return dict(
        SECRET_KEY=settings.secret_key,
        # While rotating, cookies signed with the previous key stay valid (Flask >= 3.1).
        SECRET_KEY_FALLBACKS=[settings.secret_key_previous] if settings.secret_key_previous else [],
        DATABASE_URL=settings.database_url,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        SESSION_COOKIE_NAME="hearth_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        JSON_SORT_KEYS=False,
        HEARTH_SETTINGS=settings,
    )
