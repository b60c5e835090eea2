"""Markup rules for every therapist and admin page, checked on the server's HTML: no inline
script or style (the Content-Security-Policy allows neither), a label for every control,
unique ids, a CSRF token in every form that posts, and aria references that resolve."""

from html.parser import HTMLParser

import pytest

from tests.service.web.test_therapist_pages import ASSIGN, assign, web_session

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class Page(HTMLParser):
    """Collects what the rules need from one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.references: list[str] = []
        self.forms: list[dict] = []
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
        if tag == "script" and "src" not in found:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if "id" in found:
            self.ids.append(found["id"])
        for name in ("aria-describedby", "aria-labelledby"):
            self.references += (found.get(name) or "").split()
        if tag == "label":
            self.open_labels += 1
            if found.get("for"):
                self.label_for.add(found["for"])
        if tag == "form":
            self.forms.append({"method": (found.get("method") or "get").lower(), "csrf": False})
        if tag == "input" and found.get("name") == "csrf_token" and self.forms:
            self.forms[-1]["csrf"] = True
        if tag in CONTROLS and found.get("type", "text") not in UNLABELLED_INPUTS:
            self.controls.append({**found, "_tag": tag, "_wrapped": self.open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1

    def check(self) -> list[str]:
        """Every rule broken on this page, in plain words."""
        problems = list(self.problems)
        duplicates = {i for i in self.ids if self.ids.count(i) > 1}
        problems += [f"duplicate id {i}" for i in sorted(duplicates)]
        for control in self.controls:
            named = (
                control.get("id") in self.label_for
                or control.get("aria-label")
                or control.get("aria-labelledby")
                or control["_wrapped"]
            )
            if not named:
                problems.append(f"unlabelled <{control['_tag']} name={control.get('name')}>")
        problems += [f"dangling aria reference {r}" for r in self.references if r not in self.ids]
        posts = [f for f in self.forms if f["method"] == "post"]
        problems += ["a POST form without csrf_token" for f in posts if not f["csrf"]]
        return problems


def problems_in(html: str) -> list[str]:
    """The markup rules this page breaks."""
    page = Page()
    page.feed(html)
    return page.check()


def test_the_checker_catches_what_it_should():
    bad = (
        '<form method="post"><input name="x" id="a"><input id="a" onclick="go()">'
        '<p style="color:red" aria-describedby="nope">hi</p></form><script>alert(1)</script>'
    )
    found = problems_in(bad)
    assert "inline handler onclick on <input>" in found and "style attribute on <p>" in found
    assert "inline <script>" in found and "duplicate id a" in found
    assert "unlabelled <input name=x>" in found and "dangling aria reference nope" in found
    assert "a POST form without csrf_token" in found


@pytest.fixture
def pages(app, client, therapist, admin, patient):
    """The HTML of every therapist and admin page, in ordinary and error states."""
    from tests.service.web.test_admin_pages import web_session as admin_session

    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    browser, token = web_session(app, therapist)
    cid = patient.client_id
    assign(browser, token, patient)
    html = {}
    for path in [
        "/",
        f"/clients/{cid}",
        f"/clients/{cid}?history=all&days=90",
        f"/clients/{cid}/assignments/new",
        "/catalogue",
        "/catalogue/self-compassion-break",
        "/own-practice",
        "/crisis-resources",
        "/nowhere",
    ]:
        html[path] = browser.get(path).get_data(as_text=True)
    edit = html[f"/clients/{cid}"].split('href="/assignments/')[1].split('"')[0]
    html["edit"] = browser.get(f"/assignments/{edit}").get_data(as_text=True)
    html["preview"] = assign(browser, token, patient, action="preview").get_data(as_text=True)
    html["assign errors"] = assign(
        browser, token, patient, weekday=[], time=["25:00"], rrule="", start_level="9"
    ).get_data(as_text=True)
    html["settings errors"] = browser.post(
        f"/clients/{cid}/settings", data={"csrf_token": token, "min_level": "5", "max_level": "1"}
    ).get_data(as_text=True)
    html["release errors"] = browser.post(
        f"/clients/{cid}/hold/release", data={"csrf_token": token, "note": ""}
    ).get_data(as_text=True)
    html["crisis errors"] = browser.post(
        "/crisis-resources", data={"csrf_token": token, "intro": "", "label-0": "", "url-0": "x"}
    ).get_data(as_text=True)
    html["stale"] = browser.post(f"/clients/{cid}/settings", data=ASSIGN).get_data(as_text=True)
    boss, token = admin_session(app, admin.email)
    html["admin"] = boss.get("/").get_data(as_text=True)
    html["admin errors"] = boss.post(
        "/admin/therapists", data={"csrf_token": token, "name": "", "email": "x"}
    ).get_data(as_text=True)
    html["admin created"] = boss.post(
        "/admin/therapists", data={"csrf_token": token, "name": "Lee", "email": "l@example.org"}
    ).get_data(as_text=True)
    html["admin crisis"] = boss.get("/admin/crisis-resources").get_data(as_text=True)
    return html


def test_every_page_follows_the_markup_rules(pages):
    assert "Please check these before saving" in pages["assign errors"]
    assert "nothing was saved" in pages["stale"] and "Nothing here" in pages["/nowhere"]
    assert "Next prompts in sam" in pages["preview"] and "Save changes" in pages["edit"]
    broken = {name: problems_in(html) for name, html in pages.items()}
    assert {name: found for name, found in broken.items() if found} == {}


def test_pages_use_only_external_styles_and_no_scripts(pages):
    for name, html in pages.items():
        assert "<script" not in html, name
        assert "css/therapist.css" in html, name
        assert html.count("<h1") == 1, name


def test_errors_are_announced_and_linked_to_their_fields(pages):
    page = pages["assign errors"]
    assert 'class="error-summary" role="alert"' in page
    assert '<a href="#weekday-MO">Choose at least one day of the week.</a>' in page
    assert 'href="#start_level"' in page
