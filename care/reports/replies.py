"""What a client reads after a report. Plain, warm, never shaming, no promises of relief, and
the warming-up caution after a rough session (CLINICAL.md section 2, rules 2-4)."""

from care.vocab import BACKDRAFT_CLIENT_WORDS

STEADY = (
    "Thank you for taking this time for yourself. Whatever you noticed is worth noticing, "
    "and there is nothing you needed to get right."
)
ROUGH = (
    "Thank you for telling us how that went. Sometimes warmth first stirs up old pain, the way "
    "cold hands ache as they warm up by a fire. That is a known part of this work and not "
    "something you did wrong. Go as gently as you need with the next one; your therapist will "
    "see how it went."
)
BACKDRAFT = (
    " What came up ({forms}) is a common reaction, and it is fine to go slowly or take a break."
)
CRISIS = (
    "Thank you for telling us. Your safety matters most right now, so practices are paused and "
    "your therapist has been alerted. Please reach out to one of the people or services below "
    "now."
)
CHECKIN = "Thank you for checking in. Your therapist can see how you are doing."


def after_session(rough: bool, crisis: bool, backdraft: list[str]) -> str:
    """The reply after a finished practice."""
    if crisis:
        return CRISIS
    if rough or backdraft:
        text = ROUGH
        if backdraft:
            text += BACKDRAFT.format(forms=", ".join(BACKDRAFT_CLIENT_WORDS[f] for f in backdraft))
        return text
    return STEADY


def after_checkin(crisis: bool) -> str:
    """The reply after a check-in."""
    return CRISIS if crisis else CHECKIN
