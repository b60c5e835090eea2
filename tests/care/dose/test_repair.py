"""The repair of stored dose settings, without an app: whatever was saved, the policy gets
settings it can use, every change to what was saved is explained, and each repair leans towards
caution (care.dose.repair)."""

import pytest

from care.dose import repair


def test_repaired_settings_always_validate_and_lean_towards_caution():
    from hypothesis import given
    from hypothesis import strategies as st

    anything = st.one_of(
        st.integers(-5, 15), st.none(), st.booleans(), st.text(max_size=3), st.floats()
    )
    fields = st.fixed_dictionaries(
        {},
        optional={name: anything for name in repair.LABELS if name != "timezone"}
        | {"timezone": st.sampled_from(["Europe/Berlin", "Nowhere/Else", "", 3])},
    )

    @given(fields)
    def check(values):
        settings, notes = repair.settings(values)
        assert settings.validate() == []
        kept = all(
            getattr(settings, k) == v and type(getattr(settings, k)) is type(v)
            for k, v in values.items()
        )
        assert kept or notes, "every change to what was saved is explained"
        window = values.get("window_threshold")
        if isinstance(window, int) and not isinstance(window, bool) and window >= 1:
            # Never less sensitive than the number that was saved.
            assert settings.window_threshold <= window
        if all(type(values.get(k)) is int for k in ("min_level", "max_level")):
            # Bounds that crossed: the floor comes down, the ceiling is not raised.
            assert settings.max_level <= max(1, min(5, values["max_level"]))

    check()


@pytest.mark.parametrize(
    ("stored", "expect"),
    [
        ({"max_level": None, "min_level": 2}, {"max_level": 2}),
        ({"max_level": True}, {"max_level": 1}),
        ({"max_level": "2"}, {"max_level": 2}),
        ({"crisis_threshold": "3", "window_threshold": 2}, {"crisis_threshold": 3}),
        ({"crisis_threshold": None, "window_threshold": 4}, {"crisis_threshold": 5}),
        ({"window_threshold": None, "crisis_threshold": 1}, {"window_threshold": 1}),
        ({"window_threshold": 0}, {"window_threshold": 1}),
        ({"pinned_level": "x", "min_level": 2}, {"pinned_level": 2}),
        ({"min_level": 4, "max_level": 2}, {"min_level": 2, "max_level": 2}),
    ],
)
def test_unreadable_values_are_read_cautiously(stored, expect):
    settings, notes = repair.settings(stored)
    assert settings.validate() == []
    assert notes, "every repair is explained to the therapist"
    for name, value in expect.items():
        assert getattr(settings, name) == value, (name, settings)
