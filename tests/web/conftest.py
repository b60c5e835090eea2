"""A live test server and a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) for the browser tests. Both talk on 127.0.0.1 only."""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.pg import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def closing(app):
    """The WSGI app with every response closed, however its request ends.

    Werkzeug's development server closes a response in a `finally` that first drains the
    socket; when the browser has reset the connection (Chromium drops half-read media
    requests whenever a page with audio is left), that drain raises and the close is skipped,
    so a file response stays open until it is garbage collected (a ResourceWarning). Here the
    response is closed when the server closes this iterator or lets go of it."""

    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            yield from iterable
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wsgi


@pytest.fixture
def live_server(app):
    """The test app served on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    app.config["HEARTH_SETTINGS"] = app.config["HEARTH_SETTINGS"].__class__(
        **{**vars(app.config["HEARTH_SETTINGS"]), "base_url": f"http://127.0.0.1:{port}"}
    )
    server = make_server("127.0.0.1", port, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()  # serve_forever closes the listening socket as it returns
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs the Debian chromium package")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page (its own cookies) per test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the real login form."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
