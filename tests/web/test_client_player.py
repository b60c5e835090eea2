"""The client's practice in a real browser (headless Chromium on a live server): a prompt link,
the ratings before and after, the audio with captions, the reply, the chart; a crisis rating;
the keyboard alone; and pages that fit a 320 px screen."""

import re

from playwright.sync_api import expect

from tests.service.web.test_client_pages import assign, sent_prompt
from tests.web.conftest import sign_in

BEFORE = "How much distress are you feeling right now?"
AFTER = "How much distress are you feeling now?"


def rate(page, name: str, number: int) -> None:
    """Choose a number on a 0-10 rating, as a client does: a tap on it."""
    page.locator(f"label[for='{name}-{number}']").click()


def test_prompt_link_rate_listen_rate_reply_and_chart(app, client, page, therapist, patient):
    assignment = assign(client, therapist, patient, note="Just notice what is there.")
    prompt = sent_prompt(app, patient, assignment)
    # The link from the email: sign in once, and the practice opens.
    page.goto(f"/practice/prompt/{prompt}")
    page.get_by_label("Email").fill(patient.email)
    page.get_by_label("Password").fill(patient.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/practice/prompt/{prompt}")
    expect(page.get_by_text("Just notice what is there.")).to_be_visible()
    rate(page, "pre_distress", 4)
    expect(page.locator("#pre_distress-output")).to_have_text("4")
    page.get_by_role("button", name="Begin the practice").click()
    page.wait_for_url("**/practice/session/*")

    audio = page.locator("audio")
    expect(audio).to_be_visible()
    playing = page.eval_on_selector(
        "audio", "a => { a.muted = true; return a.play().then(() => !a.paused) }"
    )
    assert playing is True
    assert page.eval_on_selector("audio", "a => a.textTracks.length") >= 1
    assert page.eval_on_selector("audio track", "t => t.kind + ':' + t.default") == "captions:true"

    rate(page, "post_distress", 3)
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_text("Thank you for taking this time")).to_be_visible()

    page.get_by_role("link", name="See your ratings over time").click()
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    labels = chart.locator("circle title, rect title").all_text_contents()
    assert any(t.endswith("before 4") for t in labels), labels
    assert any(t.endswith("after 3") for t in labels), labels
    row = page.locator("table.ratings tbody tr").first
    expect(row.locator("td").nth(1)).to_have_text("4")
    expect(row.locator("td").nth(2)).to_have_text("3")


def test_a_rating_of_nine_shows_crisis_resources(client, page, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(page, patient.email, patient.password)
    page.goto(f"/practice/{assignment}")
    rate(page, "pre_distress", 9)
    page.get_by_role("button", name="Begin the practice").click()
    expect(page.get_by_role("heading", name="Help is here", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Emergency services")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("your therapist has been told")


def _tab_to(page, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def _focus_is_visible(page) -> bool:
    # A rating's radio button is drawn by its label, so the label carries the focus ring.
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " const shown = a.type === 'radio' && a.labels.length ? a.labels[0] : a;"
        " const s = getComputedStyle(shown);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )


def _nothing_chosen(page, name: str) -> bool:
    return page.evaluate(f"() => !document.querySelector('input[name={name}]:checked')")


def test_the_player_works_with_the_keyboard_alone(client, page, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(page, patient.email, patient.password)
    page.goto(f"/practice/{assignment}")
    # Nothing is chosen for the client, and the reading stays hidden until they choose.
    assert _nothing_chosen(page, "pre_distress")
    expect(page.locator("#pre_distress-output")).to_be_hidden()
    _tab_to(page, "pre_distress-0")
    assert _focus_is_visible(page)
    page.keyboard.press("Space")  # 0, the first choice
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # 0 -> 4
    expect(page.locator("#pre_distress-output")).to_have_text("4")
    assert page.evaluate("() => document.activeElement.id") == "pre_distress-4"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Begin the practice"
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/practice/session/*")

    # The rating after is not pulled toward the rating before: it starts unset too.
    assert _nothing_chosen(page, "post_distress")
    _tab_to(page, "post_distress-0")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # 0 -> 3
    expect(page.locator("#post_distress-output")).to_have_text("3")
    _tab_to(page, "backdraft-thoughts")
    page.keyboard.press("Space")
    assert _focus_is_visible(page)
    _tab_to(page, "note")
    page.keyboard.type("Quiet today.")
    page.keyboard.press("Tab")  # the safety question
    page.keyboard.press("Tab")  # the button
    assert page.evaluate("() => document.activeElement.textContent") == "Save and finish"
    page.keyboard.press("Enter")
    expect(page.get_by_text("cold hands")).to_be_visible()  # the reply to backdraft


def test_client_pages_fit_a_320_pixel_screen(app, client, page, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(page, patient.email, patient.password)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/practice/{assignment}")
    rate(page, "pre_distress", 3)
    page.get_by_role("button", name="Begin the practice").click()
    page.wait_for_url("**/practice/session/*")
    paths = [page.url, "/", "/history", "/settings", "/help"]
    for path in paths:
        page.goto(path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
        expect(page.get_by_role("link", name="Help now")).to_be_visible()
    # The sample follows the voice and pace chosen, before they are saved (client-settings.js).
    page.goto("/settings")
    page.get_by_label("Voice", exact=True).select_option("gmw/en-us")
    page.get_by_label("Pace, in words a minute").fill("120")
    sample = page.locator("#sample-link")
    expect(sample).to_have_attribute("href", re.compile(r"voice=gmw%2Fen-us&rate=120$"))
    assert page.eval_on_selector("#sample-audio", "a => a.getAttribute('src')").endswith("rate=120")
