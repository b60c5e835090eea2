"""What a client reads after a report, and before their first practice. Plain, warm, never
shaming, no promises of relief (CLINICAL.md section 2, rules 2-4).

The warmth note (rule 3) lives here and only here: it is shown once before a client's first
practice on every path, and again after a rough session, never inside a script. After a rough
session the reply also gives a safe landing: a half-minute grounding step, the way to the help
page, and the truth about the next practice (shorter, or staying short)."""

from dataclasses import dataclass

from care.vocab import BACKDRAFT_CLIENT_WORDS

# The practice a rough-session reply offers as its landing (feet on the floor, eyes open).
GROUNDING_PRACTICE = "grounding"

WARMTH_NOTE = (
    "A gentle note before you begin. When we turn kindly toward ourselves, old hurt sometimes "
    "stirs first, the way cold hands can ache as they warm up by a fire. If that happens, it "
    "is a known part of this work and not a sign you are doing it wrong. That is why the "
    "first practices are short and light. You can slow down, open your eyes or stop at any "
    "time."
)
WARMTH_AGAIN = (
    "Sometimes warmth first stirs up old pain, the way cold hands ache as they warm up by a "
    "fire. That is a known part of this work and not something you did wrong."
)
GROUNDING_STEPS = (
    "Press your feet into the floor and feel it holding you up.",
    "Keep your eyes open and name three things you can see.",
    "Listen for one sound, near or far.",
    "Feel where your body is supported: the chair, the bed, the ground.",
    "Let one breath out be a little longer than the breath in.",
)
GROUNDING_INTRO = "If you would like to steady yourself now, take about half a minute:"

STEADY = (
    "Thank you for taking this time for yourself. Whatever you noticed is worth noticing, "
    "and there is nothing you needed to get right."
)
ROUGH = "Thank you for telling us how that went. {warmth} Your therapist has been told how it went."
BACKDRAFT = (
    " What came up ({forms}) is a common reaction, and it is fine to go slowly or take a break."
)
SHORTER = "The next practice will be shorter."
STAYS_SHORT = "The next practice stays short and light."
CRISIS = (
    "Thank you for telling us. Your safety matters most right now, so practices are paused and "
    "your therapist has been told. Please reach out to one of the people or services below "
    "now."
)
HELD = (
    "Thank you for finishing this practice. Practices are paused for now and your therapist "
    "has been told. If you need someone now, the people and services below are there for you."
)
CHECKIN = "Thank you for checking in. Your therapist can see how you are doing."


@dataclass(frozen=True)
class Reply:
    """The reply to a report: its words, and after a rough session the safe landing."""

    text: str
    rough: bool = False
    grounding: tuple[str, ...] = ()
    next_shorter: bool = False

    @property
    def landing(self) -> bool:
        """Whether the reply carries the safe landing (grounding step and help link)."""
        return bool(self.grounding)


def after_session(
    rough: bool,
    crisis: bool,
    backdraft: list[str],
    *,
    on_hold: bool = False,
    level_before: int | None = None,
    level_after: int | None = None,
) -> Reply:
    """The reply after a finished practice: a crisis, a hold set elsewhere meanwhile, a rough
    session (with the warmth note again and the safe landing), or a steady one."""
    if crisis:
        return Reply(CRISIS)
    if on_hold:
        return Reply(HELD)
    if not (rough or backdraft):
        return Reply(STEADY)
    text = ROUGH.format(warmth=WARMTH_AGAIN)
    if backdraft:
        text += BACKDRAFT.format(forms=", ".join(BACKDRAFT_CLIENT_WORDS[f] for f in backdraft))
    shorter = None not in (level_before, level_after) and level_after < level_before
    if shorter:
        text += " " + SHORTER
    elif level_after is not None and level_after <= 1:
        text += " " + STAYS_SHORT
    return Reply(text, rough=True, grounding=GROUNDING_STEPS, next_shorter=shorter)


def after_checkin(crisis: bool) -> Reply:
    """The reply after a check-in."""
    return Reply(CRISIS if crisis else CHECKIN)


def first_practice_note(practised: bool) -> str | None:
    """The warmth note before a client's first practice (CLINICAL.md section 2, rule 3)."""
    return None if practised else WARMTH_NOTE
