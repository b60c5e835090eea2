"""A therapist's first day in a real browser (headless Chromium on a live server, email through
a recording SMTP server on loopback): the admin invites a therapist; the therapist accepts,
adds a client and assigns a practice with a schedule; the client accepts their invitation and
does the first practice with ratings using the keyboard alone; the therapist sees it on the
dashboard. No step uses the API."""

import pytest
from playwright.sync_api import expect

from service.app import create_app
from service.settings import load
from tests import mail
from tests.conftest import finish, make_person, settings_env
from tests.web.conftest import sign_in
from tests.web.test_client_player import _tab_to

PASSWORD_T = "a-therapist-passphrase"
PASSWORD_C = "kai-chooses-a-passphrase"


@pytest.fixture
def inbox(smtp_inbox):
    """The loopback SMTP server of this test, and what it received."""
    return smtp_inbox


@pytest.fixture
def app(database_url, tmp_path, inbox):
    """The app of the live server, sending email to the loopback inbox."""
    env = settings_env(tmp_path, database_url, **mail.smtp_env(inbox[0]))
    app = create_app(load(env), testing=True)
    yield app
    finish(app)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _tab_to_text(page, starts: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate("() => (document.activeElement.textContent || '').trim()")
        if found.startswith(starts):
            return
    raise AssertionError(f"Tab never reached an element starting {starts!r}")


def _accept(page, link: str, password: str, keyboard: bool = False) -> None:
    page.goto(_path(link))
    expect(page.get_by_role("heading", name="Welcome to hearth")).to_be_visible()
    if keyboard:
        _tab_to(page, "password")
        page.keyboard.type(password)
        page.keyboard.press("Tab")
        page.keyboard.type(password)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    else:
        page.get_by_label("New password").fill(password)
        page.get_by_label("The same password again").fill(password)
        page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/")


def _rate_with_keys(page, name: str, number: int) -> None:
    _tab_to(page, f"{name}-0")
    page.keyboard.press("Space")
    for _ in range(number):
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"#{name}-output")).to_have_text(str(number))


def test_the_first_day_from_invitation_to_first_practice(app, browser, live_server, inbox):
    _, received = inbox
    admin = make_person(app, "admin", "admin@example.org", sign_in=False)
    contexts = [
        browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
        for _ in range(3)
    ]
    for context in contexts:
        context.set_default_timeout(15_000)
    admin_page, therapist_page, client_page = (c.new_page() for c in contexts)
    try:
        # The admin invites a therapist; the invitation arrives by email.
        sign_in(admin_page, admin.email, admin.password)
        admin_page.goto("/admin/therapists")
        admin_page.get_by_label("Name").fill("Rowan Ames")
        admin_page.get_by_label("Email").fill("rowan@example.org")
        admin_page.get_by_role("button", name="Add therapist").click()
        expect(admin_page.locator("#created")).to_contain_text("on its way to rowan@example.org")
        invitation = received.wait_for(1)[0]
        assert invitation["Subject"] == "Your hearth account is ready"

        # The therapist accepts, lands on an empty dashboard and adds a first client.
        _accept(therapist_page, mail.link_in(invitation, "/welcome"), PASSWORD_T)
        therapist_page.get_by_role("link", name="Add your first client").click()
        therapist_page.get_by_label("Name", exact=True).fill("Kai Moreno")
        therapist_page.get_by_label("Name in the practice scripts (optional)").fill("Kai")
        therapist_page.get_by_label("Email (optional)").fill("kai@example.org")
        therapist_page.get_by_label("Time zone").fill("Europe/Berlin")
        therapist_page.get_by_role("button", name="Add the client").click()
        expect(therapist_page.get_by_role("status")).to_contain_text("kai@example.org")

        # ... and assigns the entry practice with a schedule.
        therapist_page.get_by_role("link", name="Assign a first practice").click()
        therapist_page.get_by_label("Practice", exact=True).select_option("watching-kindness")
        therapist_page.get_by_label("Time 1").fill("08:30")
        therapist_page.get_by_role("button", name="Assign", exact=True).click()
        expect(therapist_page.locator("#assignments")).to_contain_text(
            "Noticing kindness around you"
        )
        expect(therapist_page.locator("#access")).to_contain_text("no password chosen yet")

        # The client accepts with the keyboard alone and does the first practice.
        client_mail = [m for m in received.wait_for(2) if "kai@example.org" in m["To"]]
        assert client_mail and "Rowan Ames invited you" in client_mail[0]["Subject"]
        _accept(client_page, mail.link_in(client_mail[0], "/welcome"), PASSWORD_C, True)
        expect(client_page.get_by_text("cold hands")).to_be_visible()  # the warmth note, once
        _tab_to_text(client_page, "Begin")
        client_page.keyboard.press("Enter")
        client_page.wait_for_url("**/practice/*")
        _rate_with_keys(client_page, "pre_distress", 5)
        client_page.keyboard.press("Tab")
        assert client_page.evaluate("() => document.activeElement.textContent").startswith(
            "Begin the practice"
        )
        client_page.keyboard.press("Enter")
        client_page.wait_for_url("**/practice/session/*")
        _rate_with_keys(client_page, "post_distress", 3)
        _tab_to_text(client_page, "Save and finish")
        client_page.keyboard.press("Enter")
        expect(client_page.get_by_role("heading", name="Thank you")).to_be_visible()

        # The therapist sees it on the dashboard.
        therapist_page.goto("/")
        card = therapist_page.locator(".client-card", has_text="Kai Moreno")
        expect(card).to_contain_text("1 practice finished")
        expect(card).to_contain_text("5 → 3 around a practice")
        therapist_page.get_by_role("link", name="Kai Moreno").click()
        expect(therapist_page.locator("#access")).to_contain_text("Signs in as kai@example.org")
    finally:
        for context in contexts:
            context.close()


def test_a_first_client_starts_at_the_zone_of_the_therapists_browser(browser, live_server, app):
    therapist = make_person(app, "therapist", "rowan@example.org", sign_in=False)
    context = browser.new_context(base_url=live_server, timezone_id="America/Toronto")
    page = context.new_page()
    try:
        sign_in(page, therapist.email, therapist.password)
        page.goto("/clients/new")
        expect(page.get_by_label("Time zone")).to_have_value("America/Toronto")
    finally:
        context.close()
