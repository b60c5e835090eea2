"""Choices the settings forms offer: IANA time zones grouped by region, and the voices."""

from functools import cache
from zoneinfo import available_timezones

# IANA regions offered for the timezone list (legacy aliases such as US/Eastern are left out).
ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def timezone_groups() -> list[tuple[str, list[str]]]:
    """IANA zones grouped by region for the timezone list (legacy aliases left out)."""
    groups: dict[str, list[str]] = {}
    for name in available_timezones():
        region = name.split("/", 1)[0]
        if region in ZONE_REGIONS and "/" in name:
            groups.setdefault(region, []).append(name)
    return [(region, sorted(groups[region])) for region in ZONE_REGIONS if region in groups]


def voice_choices(current: str | None) -> list[tuple[str, str]]:
    """(id, name) of the English voices, the default first (a natural voice where one is
    installed), then the other natural ones, then espeak-ng's (the scripts are English)."""
    from media.errors import MediaError
    from media.speech.pool import list_voices
    from media.speech.voices import DEFAULT_VOICE, default_voice

    try:
        voices = list_voices()
    except MediaError:
        voices = []
    best = default_voice()
    english = sorted(
        (v for v in voices if any(lang.startswith("en") for lang in v.languages)),
        key=lambda v: (v.id != best, not v.natural, v.id != DEFAULT_VOICE, v.name),
    )
    choices = [(v.id, v.name if v.natural else f"{v.name} (synthetic)") for v in english]
    if best not in [vid for vid, _ in choices]:
        # The engine could not list its voices: the default stays choosable all the same.
        label = "English (Great Britain, synthetic)" if best == DEFAULT_VOICE else best
        choices.insert(0, (best, label))
    choices[0] = (choices[0][0], f"{choices[0][1]}, the default")
    if current and current not in [vid for vid, _ in choices]:
        # Another voice the therapist chose stays selectable, so saving keeps it.
        names = {v.id: v.name for v in voices}
        choices.append((current, names.get(current, current)))
    return choices
