"""Response headers that make the pages safe to serve, and trust in a reverse proxy if asked."""

import logging
import re
import time

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("hearth.http")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# A calendar feed's URL is its credential: logs keep the path without it.
_SECRET_PATHS = re.compile(r"(/api/v1/calendar/)[^/]+")


def logged_path(path: str) -> str:
    """The request path as logs may keep it (secrets in paths replaced)."""
    return _SECRET_PATHS.sub(r"\1[redacted]", path)


def init_app(app: Flask) -> None:
    """Install the header hook (and ProxyFix when HEARTH_BEHIND_PROXY=1)."""
    if app.config["HEARTH_SETTINGS"].behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    @app.before_request
    def start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def headers(response):
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": logged_path(request.path),
                "status": response.status_code,
                "ms": round(elapsed, 1),
            },
        )
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # The API, and every page a signed-in person sees (ratings, notes, names), are never
        # kept by a browser or a proxy; answers that set their own caching (media) keep it.
        signed_in = g.get("user") is not None
        if (request.path.startswith("/api/") or signed_in) and "Cache-Control" not in (
            response.headers
        ):
            response.headers["Cache-Control"] = "no-store"
        return response
