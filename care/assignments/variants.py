"""Which variant a client practises now, as pure functions: the assignment's level follows the
client's dose, and below it (or before a client has practised, for other-to-self imagery) the
client's entry practice stands in (CLINICAL.md section 4; R6)."""

from care.assignments.gates import direction_rank, entry_problem
from care.dose.record import step_ups_since
from care.tables import Assignment, Client
from practices import Library, Practice

DEFAULT_ENTRY_PRACTICE = "watching-kindness"


def entry_practice(library: Library, client: Client) -> Practice:
    """The client's entry practice: theirs if it may be one (R6), else the default, else the
    library's easiest practice that may be one. A library with none cannot serve clients."""
    for practice_id in (client.entry_practice_id, DEFAULT_ENTRY_PRACTICE):
        if practice_id in library and entry_problem(library.get(practice_id)) is None:
            return library.get(practice_id)
    fits = [p for p in library.all() if entry_problem(p) is None]
    if not fits:
        raise LookupError("the practice library has no practice that can be an entry practice")
    return min(fits, key=lambda p: (direction_rank(p), p.id))


def has_practised(decisions) -> bool:
    """Whether the client has finished any practice yet (from the dose decisions)."""
    return any(d.inputs.get("event") == "session_finished" for d in decisions)


def practice_level(client_level: int, assignment: Assignment, step_ups_since: int) -> int:
    """The level this assignment uses now: it starts at its own start level, rises only as the
    client's dose rises (never faster), falls at once with it, and stays under its maximum."""
    return min(client_level, assignment.max_level, assignment.start_level + step_ups_since)


def choose_variant(level: int, assignment: Assignment, practice: Practice, entry: Practice):
    """(practice, level, substituted): below the assignment's minimum or the practice's lowest
    variant, the client's entry practice stands in (warming up slowly, CLINICAL.md section 4)."""
    offered = [n for n in practice.levels if assignment.min_level <= n <= level]
    if level >= 1 and offered:
        return practice, max(offered), False
    entry_levels = [n for n in entry.levels if n <= max(level, 1)]
    return entry, (max(entry_levels) if entry_levels else entry.levels[0]), True


def variant_now(library: Library, client: Client, assignment: Assignment, decisions):
    """(practice, level, substituted) for this assignment at the client's current dose."""
    practice = library.get(assignment.practice_id)
    entry = entry_practice(library, client)
    if practice.direction == "other_to_self" and not has_practised(decisions):
        # R6: other-to-self imagery never comes first; the entry practice stands in.
        return choose_variant(0, assignment, practice, entry)
    raised = step_ups_since(decisions, assignment.created_at)
    wanted = practice_level(client.dose_level, assignment, raised)
    return choose_variant(wanted, assignment, practice, entry)
