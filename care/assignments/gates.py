"""The gates on assignments, as pure functions over a practice and a client: who may get a
practice (R1 stability, R8 yang readiness, therapist-only practices), which practice may stand
as an entry practice or come first (R6 direction ladder), and which bounds fit a practice."""

from care.tables import Client
from practices import Practice

# R6 (004:630-663): the easiest direction first; other-to-self comes last.
DIRECTION_LADDER = {
    "other_to_other": 0,
    "self_to_other": 1,
    "self_to_self": 2,
    "self_to_self_and_other": 2,
    "other_to_self": 3,
}


def direction_rank(practice: Practice) -> int:
    """How far up the R6 ladder a practice's direction is (0 is the easiest)."""
    return DIRECTION_LADDER.get(practice.direction, max(DIRECTION_LADDER.values()))


def gate_problem(practice: Practice, client: Client) -> str | None:
    """Why this practice may not be assigned to this client, in plain words (or None)."""
    if practice.audience != "client":
        return f"{practice.id} is a practice for therapists and cannot be assigned to a client"
    if practice.prelude:
        return (
            f"{practice.id} is a short prelude played before imagery practices: assign an "
            "imagery practice and switch its safe-person prelude on instead"
        )
    if practice.gate == "stability" or practice.kind == "differentiated":
        flagged = [name.replace("_", " ") for name, on in client.flags().items() if on]
        if flagged:
            return (
                f"{practice.id} needs a stable client (R1): it touches painful material, and this "
                f"client is flagged for {', '.join(flagged)}. Clear the flags when the client is "
                "stable, or choose a blended practice"
            )
    if (practice.gate == "yang_ready" or practice.is_yang) and not client.yang_ready:
        return (
            f"{practice.id} is a fierce (yang) practice (R8): mark the client ready first, once "
            "they are past the grip of shame and guilt"
        )
    return None


def entry_problem(practice: Practice) -> str | None:
    """An entry practice is one of the library's lukewarm entry practices for clients: offered
    at level 1, never other-to-self imagery (CLINICAL.md section 4, R6)."""
    if practice.direction == "other_to_self":
        return (
            f"{practice.id} cannot be an entry practice: other-to-self imagery is the hardest "
            "direction and comes last (R6)"
        )
    if practice.audience != "client" or 1 not in practice.levels or not practice.entry:
        return (
            f"{practice.id} cannot be an entry practice: level 1 is lukewarm, so only the "
            "library's entry practices (marked entry, with a level 1 variant) can start a client"
        )
    return None


def first_practice_problem(practice: Practice, practised: bool) -> str | None:
    """Other-to-self imagery is the hardest direction (R6): never a client's first practice."""
    if practice.direction == "other_to_self" and not practised:
        return (
            f"{practice.id} cannot be this client's first practice: other-to-self imagery is the "
            "hardest direction and comes last (R6). Start with an entry practice, and assign "
            "this once the client has practised"
        )
    return None


def prelude_problem(practice: Practice) -> str | None:
    """The safe-person prelude goes before imagery practices only (000:279, 289)."""
    if not practice.imagery:
        return (
            f"{practice.id} asks for no imagery, so it takes no safe-person prelude; the "
            "prelude goes before practices that picture a person or a presence"
        )
    return None


def check_levels(start: int, low: int, high: int, practice: Practice) -> list[tuple[str, str]]:
    """Bounds that make sense for this practice."""
    problems = []
    if low > high:
        problems.append(("min_level", f"min_level ({low}) is above max_level ({high})"))
    elif not low <= start <= high:
        problems.append(
            (
                "start_level",
                f"start_level ({start}) must lie between min_level ({low}) and max_level ({high})",
            )
        )
    offered = practice.levels
    listed = ", ".join(map(str, offered))
    if high < offered[0]:
        message = f"{practice.id} starts at level {offered[0]}; max_level ({high}) is below "
        problems.append(("max_level", message + f"every offered level ({listed})"))
    elif low > offered[-1]:
        message = f"{practice.id} goes up to level {offered[-1]}; min_level ({low}) is above "
        problems.append(("min_level", message + f"every offered level ({listed})"))
    return problems
