"""The key pages of every role under the real Content-Security-Policy in headless Chromium:
nothing is blocked (no inline script, style or handler slipped into a template), and each
page's <head> links its role's stylesheet, which the browser actually applies."""

import pytest
from playwright.sync_api import expect

from service.security import CSP
from tests.service.web.test_client_pages import assign
from tests.web.conftest import sign_in

# What Chromium reports for a blocked inline script, style attribute or <style> element.
PROBE = """<!doctype html><html><head><title>probe</title><style>p { color: red }</style></head>
<body><p style="color: blue">hi</p><script>document.title = "ran";</script></body></html>"""


def watch_csp(page) -> list[str]:
    """Collect every CSP violation on the pages this `page` visits: the browser's
    securitypolicyviolation events (an init script, which the CSP does not govern, records them)
    and the console errors Chromium writes for them."""
    found: list[str] = []
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
    )

    def console(message):
        if "Content Security Policy" in message.text:
            found.append(f"console: {message.text}")

    page.on("console", console)
    return found


def violations(page, found: list[str]) -> list[str]:
    """The violations so far on the current page, and on the console over the whole visit."""
    page.wait_for_load_state("load")
    return found + [f"{page.url}: {v}" for v in page.evaluate("() => window.__csp || []")]


def visit(page, found: list[str], path: str, stylesheet: str, marker: str) -> None:
    """Open `path`, check the CSP header, the role's stylesheet in <head> (applied: `marker` is
    an element that sheet lays out as flex), and that nothing was blocked."""
    response = page.goto(path)
    assert response.status == 200, (path, response.status)
    assert response.headers["content-security-policy"] == CSP
    check_page(page, found, path, stylesheet, marker)


def check_page(page, found: list[str], path: str, stylesheet: str, marker: str) -> None:
    """The stylesheet and CSP checks for the page already open."""
    linked = page.evaluate(
        "name => [...document.head.querySelectorAll('link[rel=stylesheet]')]"
        ".some(l => l.href.endsWith('/static/css/' + name) && l.sheet !== null)",
        stylesheet,
    )
    assert linked, f"{path}: <head> does not link {stylesheet}"
    assert page.eval_on_selector(marker, "e => getComputedStyle(e).display") == "flex", path
    assert violations(page, found) == [], path


def test_the_watcher_sees_blocked_inline_script_and_styles(page, live_server):
    found = watch_csp(page)
    page.route(
        "**/csp-probe",
        lambda route: route.fulfill(
            status=200,
            body=PROBE,
            headers={"Content-Type": "text/html", "Content-Security-Policy": CSP},
        ),
    )
    page.goto("/csp-probe")
    expect(page).to_have_title("probe")  # the inline script did not run
    blocked = violations(page, found)
    assert any("script-src" in v for v in blocked), blocked
    assert any("style-src" in v for v in blocked), blocked


def test_client_pages_run_under_the_policy(client, page, therapist, patient):
    assignment = assign(client, therapist, patient, note="A warm mug is fine.")
    found = watch_csp(page)
    sign_in(page, patient.email, patient.password)
    check = ("client.css", ".client-nav ul")
    check_page(page, found, "/", *check)
    visit(page, found, f"/practice/{assignment}", *check)
    page.locator("label[for='pre_distress-3']").click()  # nothing is chosen for the client
    page.get_by_role("button", name="Begin the practice").click()
    page.wait_for_url("**/practice/session/*")
    check_page(page, found, "the player", *check)
    page.locator("label[for='post_distress-2']").click()
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    check_page(page, found, "the reply", *check)
    for path in ("/history", "/settings", "/help", "/account/password"):
        visit(page, found, path, *check)


@pytest.fixture
def with_activity(client, therapist, patient):
    """An assignment and a crisis check-in, so the dashboard and client page are full."""
    assign(client, therapist, patient)
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    assert response.status_code == 201


def test_therapist_and_admin_pages_run_under_the_policy(
    page, therapist, patient, admin, with_activity
):
    found = watch_csp(page)
    sign_in(page, therapist.email, therapist.password)
    check = ("therapist.css", ".role-nav ul")
    check_page(page, found, "/", *check)
    cid = patient.client_id
    for path in (
        f"/clients/{cid}",
        f"/clients/{cid}?days=90&history=all",
        "/catalogue",
        "/catalogue/self-compassion-break",
        "/own-practice",
        "/crisis-resources",
        "/clients/new",
        f"/clients/{cid}/edit",
        f"/clients/{cid}/discharge",
        "/account/password",
        "/?show=discharged",
    ):
        visit(page, found, path, *check)
    visit(page, found, f"/clients/{cid}/assignments/new", *check)
    page.get_by_label("Practice", exact=True).select_option("soothing-touch")
    page.get_by_role("button", name="Preview the next prompts").click()
    page.locator("#preview").wait_for()
    check_page(page, found, "the assignment preview", *check)

    page.context.clear_cookies()
    sign_in(page, admin.email, admin.password)
    check_page(page, found, "admin home", *check)
    visit(page, found, "/admin/crisis-resources", *check)


def test_the_signed_out_password_pages_run_under_the_policy(page, live_server):
    found = watch_csp(page)
    for path in ("/login", "/forgot", "/reset?code=htr_example", "/welcome?code=hti_example"):
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["content-security-policy"] == CSP
        assert violations(page, found) == [], path
