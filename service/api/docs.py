"""The OpenAPI document and an interactive docs page whose assets the app serves itself."""

import importlib.util
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory

from service.api import api
from service.api.health import hearth_version
from service.api.openapi import build_document

docs = Blueprint("docs", __name__)


def _swagger_dir() -> Path | None:
    # Only the bundled Swagger UI 5 files are used; the package's own module is not imported.
    spec = importlib.util.find_spec("flask_openapi3_swagger")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "templates" / "swagger"


@docs.get("/api/v1/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document, built once per app from the operation registry."""
    document = current_app.extensions.get("hearth.openapi")
    if document is None:
        document = build_document(api, version=hearth_version())
        current_app.extensions["hearth.openapi"] = document
    return jsonify(document)


@docs.get("/api/docs")
def docs_page():
    """Swagger UI over our document."""
    return render_template("shared/api_docs.html", available=_swagger_dir() is not None)


@docs.get("/api/docs/assets/<path:name>")
def docs_asset(name: str):
    """Swagger UI's JavaScript and CSS, served from the installed package."""
    folder = _swagger_dir()
    if folder is None:
        abort(404)
    return send_from_directory(folder, name, max_age=86400)
