"""Render the key pages with the demo data into PNGs (what `make screenshots` runs).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a temporary SQLite instance with `hearth db upgrade` and `hearth demo`, adds a month of
home practice (benchmarks/pages.py: seed_activity, so the charts and tables have something to
show, and a second client who has just reported a crisis rating), serves the app on a free
loopback port, signs in with Playwright driving Debian's Chromium (headless), and saves:

    therapist-dashboard.png      alerts (urgent on top) and each client
    therapist-dashboard-320.png  the same at 320 px wide
    therapist-client.png         the client page: chart, sessions, dose history, settings
    therapist-assignment.png     the assignment form with the schedule preview
    therapist-catalogue.png      the practice catalogue
    client-home.png              the client's home
    client-player.png            the client's practice player
    client-first-practice.png    a new client's first rating page, with the note about warmth
    client-rough-reply.png       the reply after a rough session: the safe landing
Nothing leaves the machine: the server and the browser talk on 127.0.0.1 only.
"""

import argparse
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
WIDTH, HEIGHT = 1100, 900


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(scratch: Path, base_url: str) -> dict:
    """The environment of the temporary instance, migrated and with the demo accounts."""
    env = {
        **os.environ,
        "HEARTH_INSTANCE_DIR": str(scratch / "instance"),
        "DATABASE_URL": f"sqlite:///{scratch / 'hearth.db'}",
        "HEARTH_SECRET_KEY": secrets.token_urlsafe(48),
        "HEARTH_LOG_LEVEL": "WARNING",
        "HEARTH_BASE_URL": base_url,
    }
    hearth = Path(sys.executable).parent / "hearth"
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([str(hearth), *command], env=env, check=True, capture_output=True)
    return env


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def shoot(page, out: Path, name: str, *, full: bool = True) -> None:
    """Save one PNG (the whole page by default) and say so."""
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def therapist_pages(browser, base: str, out: Path, sam_id: str) -> None:
    """Dashboard (wide and 320 px), client page, assignment preview, catalogue."""
    from service.cli.demo import DEMO_PASSWORDS

    context = browser.new_context(base_url=base, viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    sign_in(page, *DEMO_PASSWORDS["therapist"])
    shoot(page, out, "therapist-dashboard")
    page.set_viewport_size({"width": 320, "height": 720})
    shoot(page, out, "therapist-dashboard-320")
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"/clients/{sam_id}")
    shoot(page, out, "therapist-client")
    page.goto(f"/clients/{sam_id}/assignments/new")
    page.get_by_label("Practice", exact=True).select_option("kind-body-scan")
    page.get_by_label("Time 1", exact=True).fill("07:45")
    page.get_by_label("Time 2 (optional)").fill("20:15")
    page.get_by_role("button", name="Preview the next prompts").click()
    page.locator("#preview").wait_for()
    shoot(page, out, "therapist-assignment")
    page.goto("/catalogue")
    shoot(page, out, "therapist-catalogue")
    caseload_pages(page, out, sam_id)
    context.close()


def caseload_pages(page, out: Path, sam_id: str) -> None:
    """Adding a client (with its errors, then the one-time link), editing details, the access
    section with a practice break, the discharge step and the password page."""
    page.goto("/clients/new")
    shoot(page, out, "therapist-add-client")
    page.get_by_label("Name", exact=True).fill("Robin Hale")
    page.get_by_label("Email (optional)").fill("not-an-email")
    page.get_by_label("Time zone").fill("Europe/Nowhere")
    page.get_by_role("button", name="Add the client").click()
    shoot(page, out, "therapist-add-client-errors")
    page.get_by_label("Email (optional)").fill("robin@example.org")
    page.get_by_label("Time zone").fill("Europe/Dublin")
    page.get_by_role("button", name="Add the client").click()
    page.get_by_role("heading", name="Pass this link on").wait_for()
    shoot(page, out, "therapist-invitation-link")
    page.goto(f"/clients/{sam_id}/edit")
    shoot(page, out, "therapist-edit-client")
    page.goto(f"/clients/{sam_id}#access")
    start = date.today() + timedelta(days=14)
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_label("Last day").fill((start + timedelta(days=13)).isoformat())
    page.get_by_role("button", name="Pause prompts for these days").click()
    page.locator("#access").scroll_into_view_if_needed()
    page.locator("#access").screenshot(path=str(out / "therapist-access-break.png"))
    print(f"  {(out / 'therapist-access-break.png').relative_to(ROOT)}")
    page.goto(f"/clients/{sam_id}/discharge")
    shoot(page, out, "therapist-discharge")
    page.goto("/account/password")
    shoot(page, out, "account-password")
    page.context.clear_cookies()
    page.goto("/forgot")
    shoot(page, out, "forgot-password")


def client_pages(browser, app, base: str, out: Path) -> None:
    """The client's home, and the player of a practice started through the API."""
    from flask import url_for

    from service.cli.demo import DEMO_PASSWORDS

    context = browser.new_context(base_url=base, viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    sign_in(page, *DEMO_PASSWORDS["client"])
    shoot(page, out, "client-home")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    mine = page.request.get("/api/v1/me/assignments").json()["items"]
    started = page.request.post(
        "/api/v1/me/sessions",
        headers={"X-CSRF-Token": token},
        data={"assignment_id": mine[0]["id"], "pre_distress": 4},
    )
    if started.status != 201:
        print(f"  (could not start a practice: {started.status} {started.text()[:200]})")
    else:
        with app.test_request_context():
            try:
                path = url_for("web.client_player", session_id=started.json()["id"])
            except Exception as error:  # the client pages may name their player differently
                print(f"  (no player page to capture: {error})")
                path = None
        if path:
            page.goto(path)
            shoot(page, out, "client-player")
    context.close()


NEW_CLIENT = ("alex@example.org", "calm-first-demo")


def new_client(app) -> str:
    """A client who has not practised yet, with one assignment; returns the assignment id."""
    from care.accounts import users as accounts
    from care.assignments import commands as assignments
    from care.clients import commands as clients
    from care.clients import logins
    from care.db import session_scope
    from care.schemas import ClientCreate
    from care.schemas.practice import AssignmentCreate, ScheduleIn
    from service import db
    from service.library import library

    with app.app_context(), session_scope(db.engine()) as session:
        therapist = accounts.find_by_email(session, "therapist@example.org")
        alex, _ = clients.create_client(
            session, therapist, ClientCreate(display_name="Alex Moreno", timezone="Europe/Lisbon")
        )
        logins.give_login(session, therapist, alex, NEW_CLIENT[0], password=NEW_CLIENT[1])
        made = assignments.create(
            session,
            library(),
            therapist,
            alex,
            AssignmentCreate(
                practice_id="self-compassion-break", schedule=ScheduleIn(times=["18:00"])
            ),
        )
        return str(made.id)


def first_practice_pages(browser, base: str, out: Path, assignment_id: str) -> None:
    """A new client's first rating page (the warmth note), then a rough session's reply."""
    context = browser.new_context(base_url=base, viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    sign_in(page, *NEW_CLIENT)
    page.goto(f"/practice/{assignment_id}")
    shoot(page, out, "client-first-practice")
    page.locator("label[for='pre_distress-4']").click()
    page.get_by_role("button", name="Begin the practice").click()
    page.wait_for_url("**/practice/session/**")
    page.locator("label[for='post_distress-8']").click()
    page.locator("label[for='backdraft-emotions']").click()
    page.get_by_role("button", name="Save and finish").click()
    page.get_by_role("heading", name="A moment to land").wait_for()
    shoot(page, out, "client-rough-reply")
    context.close()


def main() -> None:
    """Build the instance, serve it, and capture the pages."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Chromium is missing: install the Debian chromium package (make system-test)")
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from benchmarks.pages import seed_activity

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="hearth-shots-") as scratch:
        env = prepare(Path(scratch), base)
        from care.accounts import users as accounts
        from care.clients import commands as clients
        from care.db import session_scope
        from service import db
        from service.app import create_app
        from service.settings import load

        app = create_app(
            load(
                {k: env[k] for k in env if k.startswith("HEARTH_")}
                | {"DATABASE_URL": env["DATABASE_URL"]}
            )
        )
        seed_activity(app)
        first_assignment = new_client(app)
        with app.app_context(), session_scope(db.engine()) as session:
            sam = clients.for_user(session, accounts.find_by_email(session, "client@example.org"))
            sam_id = str(sam.id)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        print(f"serving the demo data at {base}; saving to {out}")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                try:
                    therapist_pages(browser, base, out, sam_id)
                    client_pages(browser, app, base, out)
                    first_practice_pages(browser, base, out, first_assignment)
                finally:
                    browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions["hearth.engine"].dispose()


if __name__ == "__main__":
    main()
