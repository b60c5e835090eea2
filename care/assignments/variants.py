"""Which variant a client practises now, as pure functions: the assignment's level follows the
client's dose; level 1 is lukewarm, so there (and below an assignment's lowest variant, and
before a client has practised at all, for other-to-self imagery) an entry practice stands in,
climbing the direction ladder one steady session at a time (CLINICAL.md section 4; R6)."""

from care.assignments.gates import direction_rank, entry_problem
from care.dose.record import step_ups_since
from care.tables import Assignment, Client
from practices import Library, Practice

DEFAULT_ENTRY_PRACTICE = "watching-kindness"
# Rules whose firing on a finished session makes it rough (R3, R12) or a crisis (R5).
_ROUGH_RULES = frozenset({"R3", "R5", "R12"})


def entry_practice(library: Library, client: Client) -> Practice:
    """The client's entry practice: theirs if it may be one (R6), else the default, else the
    library's easiest practice that may be one. A library with none cannot serve clients."""
    for practice_id in (client.entry_practice_id, DEFAULT_ENTRY_PRACTICE):
        if practice_id in library and entry_problem(library.get(practice_id)) is None:
            return library.get(practice_id)
    fits = _entry_practices(library)
    if not fits:
        raise LookupError("the practice library has no practice that can be an entry practice")
    return fits[0]


def _entry_practices(library: Library) -> list[Practice]:
    # Easiest direction first; within one direction, the practice that trains most (touch and
    # kindness before plain grounding), then by id so the order never wobbles.
    fits = [p for p in library.all() if entry_problem(p) is None]
    return sorted(fits, key=lambda p: (direction_rank(p), -len(p.components), p.id))


def entry_ladder(library: Library, client: Client) -> list[Practice]:
    """The entry practices a client climbs at level 1, one per direction (R6: other-to-other,
    then self-to-other, then self-to-self), starting from the client's own entry practice."""
    own = entry_practice(library, client)
    rungs = {direction_rank(own): own}
    for practice in _entry_practices(library):
        if direction_rank(practice) > direction_rank(own):
            rungs.setdefault(direction_rank(practice), practice)
    return [rungs[rank] for rank in sorted(rungs)]


def steady_since_rough(decisions) -> int:
    """Finished sessions since the last rough one (or since the start): how far up the entry
    ladder the client has warmed (a rough session starts the climb again)."""
    count = 0
    for decision in decisions:
        if decision.inputs.get("event") != "session_finished":
            continue
        rough = any(reason.rule in _ROUGH_RULES for reason in decision.reasons)
        count = 0 if rough else count + 1
    return count


def entry_now(library: Library, client: Client, decisions) -> Practice:
    """The entry practice for the client's next lukewarm session: one rung up the ladder for
    each steady session since the last rough one, never past the top."""
    ladder = entry_ladder(library, client)
    return ladder[min(steady_since_rough(decisions), len(ladder) - 1)]


def has_practised(decisions) -> bool:
    """Whether the client has finished any practice yet (from the dose decisions)."""
    return any(d.inputs.get("event") == "session_finished" for d in decisions)


def practice_level(client_level: int, assignment: Assignment, step_ups_since: int) -> int:
    """The level this assignment uses now: it starts at its own start level, rises only as the
    client's dose rises (never faster), falls at once with it, and stays under its maximum."""
    return min(client_level, assignment.max_level, assignment.start_level + step_ups_since)


def choose_variant(level: int, assignment: Assignment, practice: Practice, entry: Practice):
    """(practice, level, substituted): level 1 is lukewarm, entry practices only; there, and
    below the assignment's minimum or the practice's lowest variant, the entry practice stands
    in (warming up slowly, CLINICAL.md section 4)."""
    offered = [n for n in practice.levels if assignment.min_level <= n <= level]
    if level >= 1 and offered and (practice.entry or max(offered) > 1):
        return practice, max(offered), False
    entry_levels = [n for n in entry.levels if n <= max(level, 1)]
    return entry, (max(entry_levels) if entry_levels else entry.levels[0]), True


def variant_now(library: Library, client: Client, assignment: Assignment, decisions):
    """(practice, level, substituted) for this assignment at the client's current dose."""
    practice = library.get(assignment.practice_id)
    entry = entry_now(library, client, decisions)
    if practice.direction == "other_to_self" and not has_practised(decisions):
        # R6: other-to-self imagery never comes first; the entry practice stands in.
        return choose_variant(0, assignment, practice, entry)
    raised = step_ups_since(decisions, assignment.created_at)
    wanted = practice_level(client.dose_level, assignment, raised)
    return choose_variant(wanted, assignment, practice, entry)
