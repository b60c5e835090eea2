"""The app factory: `create_app(settings)` builds the Flask app as a list of small `register_*`
steps, each handing its part of the typed settings to one extension module."""

import logging

from flask import Flask

from care import secrets
from care.accounts import passwords
from practices import default_library, load_library
from service import access_log, cli, db, errors, logs, media, security
from service import settings as settings_module
from service.api import api
from service.api import resources as _resources  # noqa: F401  (registers every operation)
from service.api.docs import docs
from service.app.config import flask_config
from service.public import check_operations
from service.settings import Settings
from service.web import web


def create_app(settings: Settings | None = None, *, testing: bool = False) -> Flask:
    """Build the app from typed settings (by default the ones service/settings.py loads)."""
    settings = settings or settings_module.load()
    app = Flask(
        "service",
        instance_path=str(settings.instance_dir),
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.update(flask_config(settings), TESTING=testing)
    register_logging(settings)
    register_database(app, settings)
    register_library(app, settings)
    media.init_app(app)
    register_blueprints(app)
    errors.register(app)
    security.init_app(app)
    access_log.init_app(app)
    cli.init_app(app)
    return app


def register_logging(settings: Settings) -> None:
    """Structured logs for the hearth loggers."""
    logs.configure(settings.log_format, settings.log_level)
    logging.getLogger("hearth").debug(
        "app created", extra={"database": settings.database_url.split(":")[0]}
    )


def register_database(app: Flask, settings: Settings) -> None:
    """One engine per app, one session per request, the password-hashing cost and the key that
    seals stored secrets."""
    passwords.configure(settings.argon2_time_cost, settings.argon2_memory_kib)
    secrets.configure(settings.secret_key, settings.secret_key_previous)
    db.init_app(app)


def register_library(app: Flask, settings: Settings) -> None:
    """Load and validate the practice library; a broken file stops the start (LibraryError)."""
    library = load_library(settings.practices_dir) if settings.practices_dir else default_library()
    app.extensions["hearth.library"] = library


def register_blueprints(app: Flask) -> None:
    """The API (refused when a public operation is not listed), its docs, and the web pages."""
    check_operations(api.operations)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(docs)
    app.register_blueprint(web)
