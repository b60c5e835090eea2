"""The web forms' readers of typed numbers (service.web.shared.forms): whatever a client
types, the answer is a rating from 0 to 10 or the sentence that says what is needed, never an
error page."""

from hypothesis import given
from hypothesis import strategies as st

from service.web.shared.forms import RATING_PROBLEM, read_rating


@given(st.text(max_size=6))
def test_any_typed_rating_is_read_or_explained(raw):
    rating, problem = read_rating(raw)
    if rating is None:
        assert problem == RATING_PROBLEM
    else:
        assert problem is None and 0 <= rating <= 10
        assert raw.strip() == str(rating) or raw.strip().lstrip("0") == str(rating)


def test_digits_that_are_not_ascii_are_explained():
    for raw in ("¹", "²", "⁵", "٣", "\uff15"):
        assert read_rating(raw) == (None, RATING_PROBLEM), raw
