"""The Flask face of hearth: HTTP API, web pages, auth and CLI. Only HTTP concerns live here."""

import logging
from datetime import timedelta

from flask import Flask

from service import settings as settings_module
from service.logs import configure as configure_logging


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the environment (or from `test_config` in tests)."""
    settings = settings_module.load(test_config.get("ENV") if test_config else None)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_dir),
        template_folder="web/templates",
        static_folder="web/static",
    )
    register_config(app, settings, test_config)
    register_logging(app, settings)
    register_database(app)
    register_library(app, settings)
    register_media(app)
    register_blueprints(app)
    register_errors(app)
    register_security(app)
    register_audit(app)
    register_cli(app)
    return app


def register_config(app: Flask, settings, test_config: dict | None) -> None:
    """Flask settings derived from ours."""
    app.config.update(
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
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "ENV"})


def register_logging(app: Flask, settings) -> None:
    """Structured logs for the hearth loggers."""
    configure_logging(settings.log_format, settings.log_level)
    logging.getLogger("hearth").debug(
        "app created", extra={"database": settings.database_url.split(":")[0]}
    )


def register_database(app: Flask) -> None:
    """One engine per app, one session per request, and the password-hashing cost."""
    from care.accounts import passwords
    from care.delivery import secrets
    from service import db

    settings = app.config["HEARTH_SETTINGS"]
    passwords.configure(settings.argon2_time_cost, settings.argon2_memory_kib)
    secrets.configure(settings.secret_key, settings.secret_key_previous)
    db.init_app(app)


def register_library(app: Flask, settings) -> None:
    """Load and validate the practice library; a broken file stops the start (LibraryError)."""
    from practices import default_library, load_library

    library = load_library(settings.practices_dir) if settings.practices_dir else default_library()
    app.extensions["hearth.library"] = library


def register_media(app: Flask) -> None:
    """The content-addressed media store (speech workers start on first use)."""
    from service import media

    media.init_app(app)


def register_blueprints(app: Flask) -> None:
    """The API, its document and docs page, and the web pages."""
    from service.api import api
    from service.api.docs import docs
    from service.public import check_operations
    from service.web import web

    check_operations(api.operations)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(docs)
    app.register_blueprint(web)


def register_errors(app: Flask) -> None:
    """problem+json for the API, calm pages for people."""
    from service import errors

    errors.register(app)


def register_security(app: Flask) -> None:
    """Security headers on every response and proxy awareness."""
    from service import security

    security.init_app(app)


def register_audit(app: Flask) -> None:
    """One access-log entry per client reached by a successful request."""
    from service import access_log

    access_log.init_app(app)


def register_cli(app: Flask) -> None:
    """The `hearth` commands."""
    from service import cli

    cli.init_app(app)
