"""The browser can reach the live server and sign in (the floor the page tests stand on)."""

from tests.web.conftest import sign_in


def test_therapist_signs_in_in_a_real_browser(page, therapist):
    sign_in(page, therapist.email, therapist.password)
    assert page.get_by_role("heading", level=1).inner_text()
