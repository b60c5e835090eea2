"""Names must show something: made only of invisible characters (zero-width, Hangul fillers,
the braille blank) and spaces, they are refused wherever a name is typed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from care.schemas import ClientCreate, ClientUpdate, UserCreate

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u115f\u1160\u3164\uffa0\u2800\u00ad "


@given(st.text(alphabet=INVISIBLE, min_size=1, max_size=20))
def test_a_name_of_invisible_characters_is_refused_everywhere(name):
    for build in (
        lambda: ClientCreate(display_name=name),
        lambda: ClientUpdate(script_name=name),
        lambda: ClientUpdate(spoken_name=name),
        lambda: UserCreate(email="a@example.org", name=name),
    ):
        with pytest.raises(ValidationError):
            build()


@given(
    st.text(alphabet=INVISIBLE, max_size=5), st.sampled_from(["Noor", "محمد", "Nguyễn Thị", "李"])
)
def test_a_visible_name_with_joiners_is_kept(padding, name):
    assert ClientCreate(display_name=name + padding).display_name.startswith(name)
