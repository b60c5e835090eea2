"""The therapist pages in a real browser (headless Chromium on the live test server):
the urgent alert on top of the dashboard, handled by keyboard alone, and an assignment whose
preview shows the next prompts in the client's local time. Also: nothing is blocked by the
Content-Security-Policy, and the pages fit a 320 px wide screen."""

import uuid

from tests.conftest import make_person
from tests.web.conftest import sign_in


def watch_console(page) -> list[str]:
    """Collect console errors (a CSP violation is reported there) and failed requests (the
    browser's own favicon probe aside)."""
    errors: list[str] = []

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(answer):
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("response", response)
    return errors


def test_a_crisis_rating_puts_the_urgent_alert_on_top(app, client, page, therapist, patient):
    from care.db import session_scope
    from care.safety import alerts
    from care.tables import Client
    from service import db

    errors = watch_console(page)
    with app.app_context(), session_scope(db.engine()) as session:
        record = session.get(Client, uuid.UUID(patient.client_id))
        alerts.raise_alert(
            session, record, severity="routine", kind="dose", message="Earlier note."
        )
    sign_in(page, therapist.email, therapist.password)
    assert page.locator("#alerts > li").count() == 1
    rated = client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    assert rated.status_code == 201
    page.reload()
    first = page.locator("#alerts > li").first
    assert first.locator(".badge").inner_text() == "Urgent"
    assert "sam reported distress 9/10" in first.inner_text()
    assert "Earlier note." in page.locator("#alerts > li").nth(1).inner_text()

    # Keyboard only: tab to the first Acknowledge button and press Enter.
    button = first.get_by_role("button", name="Acknowledge the alert about sam")
    for _ in range(30):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the Acknowledge button is not reachable with Tab")
    outline = button.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Alert acknowledged." in page.locator("[role=status]").inner_text()
    assert page.locator("#alerts > li").count() == 1
    assert "Earlier note." in page.locator("#alerts").inner_text()
    assert errors == []


def test_assigning_a_practice_previews_prompts_in_the_clients_local_time(page, app, therapist):
    kiri = make_person(
        app, "client", "kiri@example.org", therapist=therapist, timezone="Pacific/Auckland"
    )
    errors = watch_console(page)
    sign_in(page, therapist.email, therapist.password)
    page.get_by_role("link", name="kiri").click()
    page.get_by_role("link", name="Assign a practice").click()
    page.get_by_label("Practice", exact=True).select_option("soothing-touch")
    page.get_by_label("Time 1", exact=True).fill("07:15")
    page.get_by_label("Note for kiri (optional)").fill("Any warm mug will do.")
    page.get_by_role("button", name="Preview the next prompts").click()

    preview = page.locator("#preview")
    assert "kiri's local time (Pacific/Auckland)" in preview.get_by_role("heading").inner_text()
    times = preview.locator("time")
    assert times.count() == 3
    for n in range(3):
        assert times.nth(n).inner_text().endswith("07:15")
        assert times.nth(n).get_attribute("datetime").endswith(("+12:00", "+13:00"))
    assert page.get_by_label("Note for kiri (optional)").input_value() == "Any warm mug will do."

    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_url(f"**/clients/{kiri.client_id}*")
    assert "is assigned" in page.locator("[role=status]").inner_text()
    assert "07:15" in page.locator("#upcoming").inner_text()

    # Readable at 320 px: nothing wider than the screen except inside scrolling tables.
    page.set_viewport_size({"width": 320, "height": 700})
    for path in (f"/clients/{kiri.client_id}", "/", f"/clients/{kiri.client_id}/assignments/new"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    assert errors == []
